"""Cluster (#4): engine processes sharing the database (`engine_nodes`) and which one runs
which camera (`camera_leases`).

Revision ID: 0008_leases
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_leases"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engine_nodes",
        sa.Column("engine_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "camera_leases",
        sa.Column("camera_id", sa.String(36), primary_key=True),
        sa.Column("engine_id", sa.String(36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_camera_leases_engine_id", "camera_leases", ["engine_id"])


def downgrade() -> None:
    op.drop_table("camera_leases")
    op.drop_table("engine_nodes")
