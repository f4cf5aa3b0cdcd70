"""filing: guided online filing walks and their SIPAS ratings

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-25 15:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('procedure_code', sa.String(length=20), nullable=False),
    sa.Column('procedure_name', sa.String(length=300), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('dossier_code', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('dossier_status', sa.String(length=20), nullable=True),
    sa.Column('dossier_note', sa.Text(), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('reminders_off', sa.Boolean(), nullable=False),
    sa.Column('started_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_filings_commune_id_communes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_filings_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filings'))
    )
    op.create_index(op.f('ix_filings_dossier_code'), 'filings', ['dossier_code'], unique=False)
    op.create_index('ix_filings_funnel', 'filings', ['commune_id', 'procedure_code'], unique=False)
    op.create_index('ix_filings_stalled', 'filings', ['status', 'updated_at'], unique=False)
    op.create_index('ix_filings_user', 'filings', ['user_id', 'status'], unique=False)
    op.create_table('filing_ratings',
    sa.Column('filing_id', sa.Integer(), nullable=False),
    sa.Column('aspect', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('rated_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['filings.id'], name=op.f('fk_filing_ratings_filing_id_filings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('filing_id', 'aspect', name=op.f('pk_filing_ratings'))
    )


def downgrade() -> None:
    op.drop_table('filing_ratings')
    op.drop_index('ix_filings_user', table_name='filings')
    op.drop_index('ix_filings_stalled', table_name='filings')
    op.drop_index('ix_filings_funnel', table_name='filings')
    op.drop_index(op.f('ix_filings_dossier_code'), table_name='filings')
    op.drop_table('filings')
