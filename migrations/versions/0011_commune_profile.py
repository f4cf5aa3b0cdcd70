"""The commune office's profile: address, working hours, phone, the one-stop desk's location.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communes") as batch_op:
        batch_op.add_column(sa.Column("office_address", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("office_hours", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("office_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("desk_location", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("communes") as batch_op:
        for column in ("desk_location", "office_phone", "office_hours", "office_address"):
            batch_op.drop_column(column)
