"""Reminders for stalled walks: after two days without a move, at most twice, never after the
citizen finished, cancelled or said "no more reminders". Each reminder is claimed on the row
(a conditional UPDATE), so replicas running the job together send it once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from services.callbacks import Button, keyboard_json
from services.db import Database, affected, utcnow
from services.filing.actions import MuteReminders, ResumeFiling
from services.filing.models import ACTIVE, STEPS, Filing
from services.models import User
from services.outbox import Outbox

STALL = timedelta(days=2)
MAX_REMINDERS = 2
EVERY = timedelta(minutes=30)
FIRST_RUN_AFTER = timedelta(minutes=2)
"""Not at once: a stall is counted in days, and a short-lived process has no work to do."""


async def send_reminders(session: AsyncSession, now: datetime) -> int:
    """Queue a reminder for every walk stalled since `now - STALL`; return how many."""
    since = now - STALL
    due = await session.scalars(
        select(Filing).where(
            Filing.status == ACTIVE, Filing.reminders_off.is_(False),
            Filing.reminders_sent < MAX_REMINDERS, Filing.user_id.is_not(None),
            Filing.updated_at <= since,
            or_(Filing.reminded_at.is_(None), Filing.reminded_at <= since))
        .order_by(Filing.id))
    sent = 0
    for filing in list(due):
        claimed = await session.execute(
            update(Filing).where(and_(Filing.id == filing.id,
                                      Filing.reminders_sent == filing.reminders_sent,
                                      Filing.status == ACTIVE,
                                      Filing.reminders_off.is_(False)))
            .values(reminders_sent=Filing.reminders_sent + 1, reminded_at=now)
            .execution_options(synchronize_session=False))
        if not affected(claimed):
            continue
        user = await session.get(User, filing.user_id)
        if user is None:
            continue
        t = Translator(user.language)
        await Outbox(session).enqueue(
            user.channel, user.external_id,
            text=t("filing.reminder", name=filing.procedure_name, step=filing.step,
                   steps=STEPS),
            buttons=keyboard_json([[Button(t("filing.button_resume"), ResumeFiling(filing.id))],
                                   [Button(t("filing.button_mute"), MuteReminders(filing.id))]]))
        sent += 1
    return sent


async def remind_stalled(db: Database, now: datetime | None = None) -> int:
    """The periodic pass (the app schedules it every `EVERY`): `send_reminders` in its own
    transaction."""
    async with db.transaction() as session:
        return await send_reminders(session, now or utcnow())
