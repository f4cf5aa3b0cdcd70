"""Feedback: the public summary an official writes or approves (the only free text shown in
public).

Revision ID: 0008_privacy
Revises: 0007
Create Date: 2026-12-07
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_privacy"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("feedback_reports", sa.Column("public_summary", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("feedback_reports", "public_summary")
