"""calendar_days: swapped working days, national and per commune

Public holidays now come from the `holidays` package. What it cannot know is data here: the
national swapped days the hand-kept list held, and each commune's own days off (until now a
`holidays` list in `communes.settings`, moved into rows).

Revision ID: 0009
Revises: 0008_privacy
Create Date: 2026-12-07 03:00:00
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NATIONAL_SWAPS = (
    # Decision of 2025 for 30/4–1/5: Friday 2/5/2025 off, worked on Saturday 26/4/2025.
    (date(2025, 4, 26), True, "làm bù cho thứ Sáu 2/5/2025"),
    (date(2025, 5, 2), False, "nghỉ bù, làm bù thứ Bảy 26/4/2025"),
)


def upgrade() -> None:
    table = op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_calendar_days_commune_id_communes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('commune_id', 'day', name=op.f('uq_calendar_days_commune_id_day'))
    )
    op.create_index('uq_calendar_days_national_day', 'calendar_days', ['day'], unique=True,
                    sqlite_where=sa.text('commune_id IS NULL'),
                    postgresql_where=sa.text('commune_id IS NULL'))
    rows = [{"commune_id": None, "day": day, "working": working, "note": note}
            for day, working, note in NATIONAL_SWAPS]
    rows += _commune_days_off()
    op.bulk_insert(table, rows)


def _commune_days_off() -> list[dict[str, object]]:
    """Days off a commune listed in its settings (`"holidays": ["YYYY-MM-DD", …]`), taken out
    of the settings."""
    communes = sa.table("communes", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))
    bind = op.get_bind()
    rows: list[dict[str, object]] = []
    for commune_id, settings in bind.execute(sa.select(communes.c.id, communes.c.settings)):
        if not (settings or {}).get("holidays"):
            continue
        for value in sorted(set(settings["holidays"])):
            rows.append({"commune_id": commune_id, "day": date.fromisoformat(value.strip()),
                         "working": False, "note": "settings.holidays"})
        rest = {key: item for key, item in settings.items() if key != "holidays"}
        bind.execute(communes.update().where(communes.c.id == commune_id).values(settings=rest))
    return rows


def downgrade() -> None:
    op.drop_index('uq_calendar_days_national_day', table_name='calendar_days',
                  sqlite_where=sa.text('commune_id IS NULL'),
                  postgresql_where=sa.text('commune_id IS NULL'))
    op.drop_table('calendar_days')
