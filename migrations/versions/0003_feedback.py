"""feedback: reports, history, followers, tracking-code counters, daily digests

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback_counters',
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_feedback_counters_commune_id_communes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('commune_id', 'year', name=op.f('pk_feedback_counters'))
    )
    op.create_table('feedback_digests',
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('sent_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_feedback_digests_commune_id_communes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('commune_id', 'day', name=op.f('pk_feedback_digests'))
    )
    op.create_table('feedback_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('voice', sa.JSON(), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_note', sa.Text(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ack_due_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('checkin_sent_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_feedback_reports_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_feedback_reports_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_feedback_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_feedback_reports_village_id_villages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_reports')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_reports_code'))
    )
    op.create_index('ix_feedback_reports_category', 'feedback_reports', ['commune_id', 'category', 'created_at'], unique=False)
    op.create_index('ix_feedback_reports_inbox', 'feedback_reports', ['commune_id', 'status', 'due_at'], unique=False)
    op.create_index('ix_feedback_reports_recent', 'feedback_reports', ['commune_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_feedback_reports_reporter_id'), 'feedback_reports', ['reporter_id'], unique=False)
    op.create_table('feedback_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_feedback_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['feedback_reports.id'], name=op.f('fk_feedback_events_report_id_feedback_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_events'))
    )
    op.create_index(op.f('ix_feedback_events_report_id'), 'feedback_events', ['report_id'], unique=False)
    op.create_table('feedback_followers',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['feedback_reports.id'], name=op.f('fk_feedback_followers_report_id_feedback_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feedback_followers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'user_id', name=op.f('pk_feedback_followers'))
    )
    op.create_index(op.f('ix_feedback_followers_user_id'), 'feedback_followers', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_feedback_followers_user_id'), table_name='feedback_followers')
    op.drop_table('feedback_followers')
    op.drop_index(op.f('ix_feedback_events_report_id'), table_name='feedback_events')
    op.drop_table('feedback_events')
    op.drop_index(op.f('ix_feedback_reports_reporter_id'), table_name='feedback_reports')
    op.drop_index('ix_feedback_reports_recent', table_name='feedback_reports')
    op.drop_index('ix_feedback_reports_inbox', table_name='feedback_reports')
    op.drop_index('ix_feedback_reports_category', table_name='feedback_reports')
    op.drop_table('feedback_reports')
    op.drop_table('feedback_digests')
    op.drop_table('feedback_counters')
