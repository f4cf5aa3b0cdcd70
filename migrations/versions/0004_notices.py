"""notices: scheduled notices, their runs, cached notice audio

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 14:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db

revision: str = '0004'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recording', sa.JSON(), nullable=True),
    sa.Column('village_ids', sa.JSON(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('schedule', sa.String(length=10), nullable=False),
    sa.Column('cron', sa.String(length=100), nullable=True),
    sa.Column('run_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_run_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('audio', sa.JSON(), nullable=False),
    sa.Column('audio_engine', sa.String(length=20), nullable=True),
    sa.Column('audio_error', sa.Text(), nullable=True),
    sa.Column('created_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_notices_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_notices_commune_id_communes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index('ix_notices_due', ['status', 'next_run_at'], unique=False)

    op.create_table('notice_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('groups', sa.Integer(), nullable=False),
    sa.Column('late_s', sa.Integer(), nullable=False),
    sa.Column('progress_outbox_id', sa.Integer(), nullable=True),
    sa.Column('progress_text', sa.String(length=255), nullable=True),
    sa.Column('progress_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_runs_notice_id_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_runs')),
    sa.UniqueConstraint('notice_id', 'occurrence_at', name=op.f('uq_notice_runs_notice_id_occurrence_at'))
    )
    op.create_table('notice_audio_cache',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], name=op.f('fk_notice_audio_cache_sha256_blobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_notice_audio_cache'))
    )


def downgrade() -> None:
    op.drop_table('notice_audio_cache')
    op.drop_table('notice_runs')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_due')
        batch_op.drop_index(batch_op.f('ix_notices_commune_id'))
    op.drop_table('notices')
