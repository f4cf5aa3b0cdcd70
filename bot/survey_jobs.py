"""Surveys' periodic pass: open scheduled surveys, queue their group polls in the outbox
(`services.surveys.polls`; the sender posts them), stop the polls of surveys that are due to
close and read their final totals, close due surveys (the creator gets the results), and send
the monthly report on the first working day of the month. Every step is keyed in the
database, so replicas may run it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Channel, Sent
from bot.jobs import Job
from services.db import Database, utcnow
from services.outbox import Leased
from services.surveys.models import POLL_CLOSED, SurveyPoll
from services.surveys.polls import POLL_KIND, poll_posted, queue_polls
from services.surveys.reporting import send_monthly_reports
from services.surveys.service import Surveys


class SurveyJob(Job):
    name = "surveys"
    every = timedelta(seconds=20)
    first_run_after = every

    def __init__(self, db: Database, channels: dict[str, Channel]) -> None:
        self.db = db
        self.channels = channels

    async def run_once(self, now: datetime | None = None) -> int:
        """One pass; returns how many things happened (outbox rows among them)."""
        now = now or utcnow()
        async with self.db.transaction() as session:
            happened = len(await Surveys(session).open_due(now))
        async with self.db.transaction() as session:
            happened += await queue_polls(session, tuple(self.channels))
        happened += await self.stop_polls(now)
        async with self.db.transaction() as session:
            happened += len(await Surveys(session).close_due(now))
        async with self.db.transaction() as session:
            happened += await send_monthly_reports(session, now)
        return happened

    async def stop_polls(self, now: datetime) -> int:
        """Close the posted polls of surveys closed or due to close, keeping the platform's
        final totals of an anonymous poll (when they count no fewer votes than we saw)."""
        async with self.db.transaction() as session:
            running = [(p.id, p.channel, p.chat_id, p.message_id, p.anonymous, list(p.counts))
                       for p in await Surveys(session).polls_to_stop(now)]
        for poll_id, channel, chat_id, message_id, anonymous, counts in running:
            stop = getattr(self.channels.get(channel), "stop_poll", None)
            final = await stop(chat_id, message_id) if stop is not None and message_id else None
            changes: dict[str, object] = {"status": POLL_CLOSED, "closed_at": now}
            if final is not None and anonymous and sum(final) >= sum(counts):
                changes["counts"] = final
            async with self.db.transaction() as session:
                await session.execute(update(SurveyPoll).where(SurveyPoll.id == poll_id)
                                      .values(**changes))
        return len(running)


async def record_posted_polls(session: AsyncSession,
                              delivered: list[tuple[Leased, Sent]]) -> None:
    """The sender's recorder: a posted poll's platform ids onto its `SurveyPoll`."""
    now = utcnow()
    for row, sent in delivered:
        if row.kind == POLL_KIND:
            await poll_posted(session, int(row.payload["poll"]["survey_poll"]), sent.poll_id,
                              sent.message_id, now)
