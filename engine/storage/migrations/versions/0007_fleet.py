"""Fleet (#5): HTTP device registration, heartbeats and versioned config on `devices`, and the
images devices upload (`device_images`).

Revision ID: 0007_fleet
Revises: 0003_devices
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_fleet"
down_revision = "0003_devices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("key_prefix", sa.String(16), nullable=True))
        batch.add_column(sa.Column("registered_by", sa.String(160), nullable=True))
        batch.add_column(sa.Column("heartbeat_interval_s", sa.Double(), nullable=True))
        batch.add_column(sa.Column("metrics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("config", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("config_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("config_updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_devices_key_prefix", "devices", ["key_prefix"], unique=True)
    op.create_table(
        "device_images",
        sa.Column("filename", sa.String(64), primary_key=True),
        sa.Column("blob_key", sa.String(512), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("uploaded_by", sa.String(160), nullable=False),
    )
    op.create_index(
        "ix_device_images_device_id_uploaded_at", "device_images", ["device_id", "uploaded_at"]
    )
    op.create_index("ix_device_images_uploaded_at", "device_images", ["uploaded_at"])


def downgrade() -> None:
    op.drop_table("device_images")
    op.drop_index("ix_devices_key_prefix", table_name="devices")
    with op.batch_alter_table("devices") as batch:
        for name in (
            "config_updated_at",
            "config_version",
            "config",
            "metrics",
            "heartbeat_interval_s",
            "registered_by",
            "key_prefix",
        ):
            batch.drop_column(name)
