"""surveys: surveys, their questions, answers and group polls

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-25 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db

revision: str = '0006'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=40), nullable=True),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('target', sa.JSON(), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('groups', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opens_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_surveys_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_surveys_creator_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys'))
    )
    op.create_index(op.f('ix_surveys_commune_id'), 'surveys', ['commune_id'], unique=False)
    op.create_index('ix_surveys_due', 'surveys', ['status', 'closes_at'], unique=False)
    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('optional', sa.Boolean(), nullable=False),
    sa.Column('aspect', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_questions_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions'))
    )
    op.create_index(op.f('ix_survey_questions_survey_id'), 'survey_questions', ['survey_id'], unique=False)
    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', services.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_answers_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_answers_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_survey_answers_village_id_villages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('question_id', 'user_id', name=op.f('uq_survey_answers_question_id_user_id'))
    )
    op.create_index(op.f('ix_survey_answers_survey_id'), 'survey_answers', ['survey_id'], unique=False)
    op.create_index(op.f('ix_survey_answers_user_id'), 'survey_answers', ['user_id'], unique=False)
    op.create_table('survey_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('poll_id', sa.String(length=64), nullable=True),
    sa.Column('message_id', sa.String(length=64), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('sent_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', services.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_polls_question_id_survey_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_polls_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_survey_polls_village_id_villages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_polls')),
    sa.UniqueConstraint('poll_id', name=op.f('uq_survey_polls_poll_id')),
    sa.UniqueConstraint('question_id', 'channel', 'chat_id', name=op.f('uq_survey_polls_question_id_channel_chat_id'))
    )
    op.create_index('ix_survey_polls_status', 'survey_polls', ['status'], unique=False)
    op.create_index(op.f('ix_survey_polls_survey_id'), 'survey_polls', ['survey_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_survey_polls_survey_id'), table_name='survey_polls')
    op.drop_index('ix_survey_polls_status', table_name='survey_polls')
    op.drop_table('survey_polls')
    op.drop_index(op.f('ix_survey_answers_user_id'), table_name='survey_answers')
    op.drop_index(op.f('ix_survey_answers_survey_id'), table_name='survey_answers')
    op.drop_table('survey_answers')
    op.drop_index(op.f('ix_survey_questions_survey_id'), table_name='survey_questions')
    op.drop_table('survey_questions')
    op.drop_index('ix_surveys_due', table_name='surveys')
    op.drop_index(op.f('ix_surveys_commune_id'), table_name='surveys')
    op.drop_table('surveys')
