"""Plates in the pipeline: the best read's plate box on plate_events (blurred for some roles).

Revision ID: 0006_plates
Revises: 0004_alpr
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_plates"
down_revision = "0004_alpr"
branch_labels = None
depends_on = None

_COLUMNS = ("box_x1", "box_y1", "box_x2", "box_y2")


def upgrade() -> None:
    with op.batch_alter_table("plate_events") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plate_events") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
