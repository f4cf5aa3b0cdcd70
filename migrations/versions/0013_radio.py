"""Documents read for notices: the document table, and the notice's source document.

Revision ID: 0013_radio
Revises: 0012_invites
Create Date: 2026-12-07
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.db import UTCDateTime

revision: str = "0013_radio"
down_revision: str | Sequence[str] | None = "0012_invites"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notice_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("file_id", sa.String(length=1000), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("attach", sa.Boolean(), nullable=False),
        sa.Column("original_sha256", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["original_sha256"], ["blobs.sha256"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notice_documents_status", "notice_documents", ["status"])
    with op.batch_alter_table("notices") as batch_op:
        batch_op.add_column(sa.Column("source_document", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("document_sha256", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key("fk_notices_document_sha256_blobs", "blobs",
                                    ["document_sha256"], ["sha256"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch_op:
        batch_op.drop_constraint("fk_notices_document_sha256_blobs", type_="foreignkey")
        batch_op.drop_column("document_sha256")
        batch_op.drop_column("source_document")
    op.drop_index("ix_notice_documents_status", table_name="notice_documents")
    op.drop_table("notice_documents")
