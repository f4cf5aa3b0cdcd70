"""Feedback's periodic jobs on APScheduler: the officials' daily digest and the four-week
check-ins. Both are idempotent in the database, so every replica may run them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from services.db import Database, utcnow
from services.feedback.jobs import send_checkins, send_daily_digests

log = logging.getLogger(__name__)
INTERVAL = timedelta(minutes=15)
FIRST_RUN_AFTER = timedelta(minutes=1)
STOP_WAIT_S = 10.0


class FeedbackJobs:
    def __init__(self, db: Database, on_sent: Callable[[], None] | None = None) -> None:
        self.db = db
        self.on_sent = on_sent
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(self._run_safely, "interval",
                                seconds=INTERVAL.total_seconds(),
                                next_run_time=utcnow() + FIRST_RUN_AFTER, max_instances=1,
                                coalesce=True, id="feedback")
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop scheduling and let a pass that is under way finish (its work is one
        transaction: cut short, it would only be rolled back)."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        if self._running is not None and not self._running.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._running), STOP_WAIT_S)

    async def run(self) -> int:
        """One pass: digests due today (from 07:00 on working days) and due check-ins."""
        now = utcnow()
        async with self.db.transaction() as session:
            sent = await send_daily_digests(session, now)
            sent += await send_checkins(session, now)
        if sent and self.on_sent:
            self.on_sent()
        return sent

    async def _run_safely(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.run()
        except Exception:
            log.exception("feedback jobs failed")
        finally:
            self._running = None
