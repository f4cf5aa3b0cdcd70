"""Reminders for stalled walks: after two days without a move, at most twice, never after the
citizen finished, cancelled or said "no more reminders". Each reminder is claimed on the row
(a conditional UPDATE), so replicas running the job together send it once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from services.db import Database, affected, utcnow
from services.filing.models import ACTIVE, STEPS, Filing
from services.models import User
from services.outbox import Outbox

log = logging.getLogger(__name__)

STALL = timedelta(days=2)
MAX_REMINDERS = 2
INTERVAL_MINUTES = 30
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
            buttons=[[{"text": t("filing.button_resume"), "data": f"fl:resume:{filing.id}"}],
                     [{"text": t("filing.button_mute"), "data": f"fl:mute:{filing.id}"}]])
        sent += 1
    return sent


class ReminderJob:
    """An APScheduler interval job running `send_reminders`."""

    def __init__(self, db: Database, on_sent: Callable[[], None] | None = None) -> None:
        self.db = db
        self.on_sent = on_sent
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(self._run_safely, "interval", minutes=INTERVAL_MINUTES,
                                next_run_time=utcnow() + FIRST_RUN_AFTER, max_instances=1,
                                coalesce=True, id="filing-reminders")
        self._scheduler.start()

    @property
    def next_run(self) -> datetime | None:
        """When the job runs next (None when not started)."""
        job = self._scheduler.get_job("filing-reminders") if self._scheduler else None
        return job.next_run_time if job else None

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    async def run(self, now: datetime | None = None) -> int:
        async with self.db.transaction() as session:
            sent = await send_reminders(session, now or utcnow())
        if sent and self.on_sent:
            self.on_sent()
        return sent

    async def _run_safely(self) -> None:
        try:
            await self.run()
        except Exception:
            log.exception("filing reminders failed")
