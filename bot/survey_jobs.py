"""Surveys' periodic job on APScheduler: open scheduled surveys, post pending group polls
(native Telegram polls), stop the polls of surveys that are due to close and read their final
totals, close due surveys (the creator gets the results), and send the monthly report on the
first working day of the month. Every step is keyed in the database, so replicas may run it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import update
from telegram.error import RetryAfter, TelegramError

from bot.channels.base import Channel
from bot.channels.telegram import TelegramChannel
from services.db import Database, affected, utcnow
from services.surveys.models import (
    POLL_CLOSED,
    POLL_FAILED,
    POLL_PENDING,
    POLL_SENT,
    SurveyPoll,
)
from services.surveys.reporting import send_monthly_reports
from services.surveys.service import Surveys, local, poll_options

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 20
MAX_QUESTION = 300
MAX_OPTION = 100


class SurveyJobs:
    def __init__(self, db: Database, channels: dict[str, Channel],
                 on_sent: Callable[[], None] | None = None,
                 interval: float = INTERVAL_SECONDS) -> None:
        self.db = db
        self.channels = channels
        self.on_sent = on_sent
        self.interval = interval
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[object] | None = None

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(self._run_safely, "interval", seconds=self.interval,
                                next_run_time=utcnow() + timedelta(seconds=self.interval),
                                max_instances=1, coalesce=True, id="surveys")
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        if self._running is not None and not self._running.done():
            self._running.cancel()

    async def run(self, now: datetime | None = None) -> int:
        """One pass; returns how many things happened."""
        now = now or utcnow()
        async with self.db.transaction() as session:
            happened = len(await Surveys(session).open_due(now))
        happened += await self.send_polls()
        happened += await self.stop_polls(now)
        async with self.db.transaction() as session:
            happened += len(await Surveys(session).close_due(now))
        async with self.db.transaction() as session:
            happened += await send_monthly_reports(session, now)
        if happened and self.on_sent:
            self.on_sent()
        return happened

    async def _run_safely(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.run()
        except Exception:
            log.exception("survey jobs failed")
        finally:
            self._running = None

    def _telegram(self, channel: str) -> TelegramChannel | None:
        found = self.channels.get(channel)
        return found if isinstance(found, TelegramChannel) else None

    async def send_polls(self) -> int:
        async with self.db.transaction() as session:
            pending = await Surveys(session).pending_polls(tuple(self.channels))
            jobs = []
            for poll in pending:
                question = await Surveys(session).question(poll.question_id)
                survey = await Surveys(session).get(poll.survey_id)
                if question is None or survey is None:
                    continue
                head = f"{local(survey.title, 'vi')}: {local(question.text, 'vi')}"
                jobs.append((poll.id, poll.channel, poll.chat_id, poll.anonymous,
                             head[:MAX_QUESTION],
                             [o[:MAX_OPTION] for o in poll_options(question, "vi")]))
        sent = 0
        for row_id, channel, chat_id, anonymous, head, options in jobs:
            if not await self._claim(row_id):
                continue
            telegram = self._telegram(channel)
            if telegram is None:
                await self._mark(row_id, status=POLL_FAILED, error="no native polls here")
                continue
            try:
                message = await telegram.bot.send_poll(int(chat_id), head, options,
                                                       is_anonymous=anonymous)
            except RetryAfter as error:
                await self._mark(row_id, status=POLL_PENDING, error=str(error))
                continue
            except TelegramError as error:
                log.info("poll %s to %s failed: %s", row_id, chat_id, error)
                await self._mark(row_id, status=POLL_FAILED, error=str(error)[:1000])
                continue
            assert message.poll is not None
            await self._mark(row_id, status=POLL_SENT, poll_id=message.poll.id,
                             message_id=str(message.message_id), sent_at=utcnow())
            sent += 1
        return sent

    async def stop_polls(self, now: datetime) -> int:
        async with self.db.transaction() as session:
            running = [(p.id, p.channel, p.chat_id, p.message_id, p.anonymous, list(p.counts))
                       for p in await Surveys(session).polls_to_stop(now)]
        stopped = 0
        for poll_id, channel, chat_id, message_id, anonymous, counts in running:
            telegram = self._telegram(channel)
            final = None
            if telegram is not None and message_id:
                try:
                    final = await telegram.bot.stop_poll(int(chat_id), int(message_id))
                except TelegramError as error:
                    log.info("stopping poll %s failed: %s", poll_id, error)
            changes: dict[str, object] = {"status": POLL_CLOSED, "closed_at": now}
            if final is not None and anonymous:
                totals = [option.voter_count for option in final.options]
                if sum(totals) >= sum(counts):
                    changes["counts"] = totals
            await self._mark(poll_id, **changes)
            stopped += 1
        return stopped

    async def _claim(self, poll_id: int) -> bool:
        """Take a pending poll for sending (at most once across replicas)."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(SurveyPoll).where(SurveyPoll.id == poll_id,
                                         SurveyPoll.status == POLL_PENDING)
                .values(status=POLL_SENT))
            return bool(affected(result))

    async def _mark(self, row_id: int, /, **values: object) -> None:
        async with self.db.transaction() as session:
            await session.execute(update(SurveyPoll).where(SurveyPoll.id == row_id)
                                  .values(**values))
