"""ALPR: plate_events, plate_reads and the watchlist.

Revision ID: 0004_alpr
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_alpr"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plate_events",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("camera_id", sa.String(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(20), nullable=True),
        sa.Column("raw_text", sa.String(40), nullable=True),
        sa.Column("folded", sa.String(20), nullable=True),
        sa.Column("folded_len", sa.Integer(), nullable=True),
        sa.Column("plate_hmac", sa.String(64), nullable=True),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("quality", sa.Double(), nullable=False),
        sa.Column("crop", sa.String(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("watchlist_hit", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_plate_events_last_seen", "plate_events", ["last_seen"])
    op.create_index("ix_plate_events_text", "plate_events", ["text"])
    op.create_index("ix_plate_events_folded_len", "plate_events", ["folded_len", "folded"])
    op.create_index("ix_plate_events_plate_hmac", "plate_events", ["plate_hmac"])
    op.create_index(
        "ix_plate_events_camera_id_last_seen", "plate_events", ["camera_id", "last_seen"]
    )
    op.create_table(
        "plate_reads",
        sa.Column(
            "event_id",
            sa.Uuid(),
            sa.ForeignKey("plate_events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("frame_index", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("pts", sa.Double(), nullable=False),
        sa.Column("text", sa.String(20), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("x1", sa.Double(), nullable=False),
        sa.Column("y1", sa.Double(), nullable=False),
        sa.Column("x2", sa.Double(), nullable=False),
        sa.Column("y2", sa.Double(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "watchlist",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("folded", sa.String(20), nullable=True),
        sa.Column("plate_hmac", sa.String(64), nullable=True),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_watchlist_folded", "watchlist", ["folded"])
    op.create_index("ix_watchlist_plate_hmac", "watchlist", ["plate_hmac"])


def downgrade() -> None:
    op.drop_table("watchlist")
    op.drop_table("plate_reads")
    op.drop_table("plate_events")
