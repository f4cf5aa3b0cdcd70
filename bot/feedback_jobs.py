"""Feedback's periodic pass: the officials' daily digest and the four-week check-ins. Both
are idempotent in the database, so every replica may run them."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs import Job
from services.db import Database, utcnow
from services.feedback.jobs import send_checkins, send_daily_digests


class FeedbackJob(Job):
    name = "feedback"
    every = timedelta(minutes=15)
    first_run_after = timedelta(minutes=1)

    def __init__(self, db: Database) -> None:
        self.db = db

    async def run_once(self, now: datetime | None = None) -> int:
        """One pass, in one transaction: digests due today (from 07:00 on working days) and
        due check-ins."""
        now = now or utcnow()
        async with self.db.transaction() as session:
            sent = await send_daily_digests(session, now)
            sent += await send_checkins(session, now)
        return sent
