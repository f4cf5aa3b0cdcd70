"""The app's one scheduler: one APScheduler instance for every job, and one way of stopping
(a pass under way finishes and is committed, no new pass starts, nothing logged as an error),
also when the `run` command gets SIGTERM. And the webhooks are set only once the app listens."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import socket
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select

from bot import app as app_module
from bot import commands
from bot.jobs import Job, Scheduler
from services.db import Database
from services.models import OutboxMessage
from services.outbox import Outbox
from tests.fakes.telegram_api import ApiCall, FakeTelegramAPI
from tests.helpers import console_app, free_port, settings_for, telegram_app


class WatchedScheduler(Scheduler):
    """The app's scheduler, telling when its stop begins."""

    def __init__(self, on_queued: Callable[[], None] | None = None) -> None:
        super().__init__(on_queued)
        self.stop_began = asyncio.Event()

    async def stop(self) -> None:
        self.stop_began.set()
        await super().stop()


class HeldPass(Job):
    """A pass that writes two outbox rows in one transaction and, between them, waits until
    the scheduler's stop has begun."""

    name = "held"
    every = timedelta(milliseconds=50)

    def __init__(self, db: Database, stop_began: asyncio.Event,
                 started: asyncio.Event | None = None) -> None:
        self.db = db
        self.passes = 0
        self.stop_began = stop_began
        self.started = started or asyncio.Event()

    async def run_once(self) -> int:
        self.passes += 1
        async with self.db.transaction() as session:
            await Outbox(session).enqueue("console", "held", text="first half",
                                          dedupe_key=f"held:{self.passes}:1")
            await session.flush()
            self.started.set()
            await self.stop_began.wait()
            await asyncio.sleep(0.2)   # several ticks of the job go by, stopped
            await Outbox(session).enqueue("console", "held", text="second half",
                                          dedupe_key=f"held:{self.passes}:2")
        return 2


async def held_rows(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return await session.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.chat_id == "held")) or 0
    finally:
        await db.dispose()


def assert_no_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bad == [], [r.getMessage() for r in bad]
    assert "CancelledError" not in caplog.text


async def test_stop_lets_the_running_pass_finish_and_starts_no_other(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with console_app(database_url) as app:
        scheduler = WatchedScheduler()
        job = HeldPass(app.db, scheduler.stop_began)
        scheduler.add(job)
        scheduler.start()
        await asyncio.wait_for(job.started.wait(), 10)
        await scheduler.stop()
        assert job.passes == 1
        await asyncio.sleep(0.3)   # six periods of the job: none starts
        assert job.passes == 1 and scheduler.next_run("held") is None
    assert await held_rows(database_url) == 2   # both halves, committed
    assert_no_error_logged(caplog)


async def test_the_app_runs_every_job_on_one_apscheduler(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[AsyncIOScheduler] = []
    init = AsyncIOScheduler.__init__

    def counting(self: AsyncIOScheduler, *args: object, **kwargs: object) -> None:
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(AsyncIOScheduler, "__init__", counting)
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        assert len(made) == 1
        assert {job.id for job in made[0].get_jobs()} == {
            "notices-fire_due", "notices-prepare_audio", "notices-read_documents",
            "notices-finish_runs", "feedback",
            "surveys", "retention", "report-media", "filing-reminders"}
        assert all(app.scheduler.next_run(name) is not None for name in app.scheduler.jobs)


async def test_sigterm_lets_the_pass_under_way_finish(
        database_url: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """`run` served with a held pass standing in for the feedback job; SIGTERM arrives
    during the pass."""
    caplog.set_level(logging.INFO)
    stop_began, started = asyncio.Event(), asyncio.Event()
    held: list[HeldPass] = []

    class HeldFeedback(HeldPass):
        name = "feedback"

        def __init__(self, db: Database) -> None:
            super().__init__(db, stop_began, started)
            held.append(self)

    class AppScheduler(WatchedScheduler):
        def __init__(self, on_queued: Callable[[], None] | None = None) -> None:
            super().__init__(on_queued)
            self.stop_began = stop_began

    monkeypatch.setattr(app_module, "FeedbackJob", HeldFeedback)
    monkeypatch.setattr(app_module, "Scheduler", AppScheduler)
    async with FakeTelegramAPI() as fake:
        settings = settings_for(database_url, telegram_bot_token=fake.token,
                                telegram_api_base_url=fake.url, host="127.0.0.1",
                                port=free_port())
        served = asyncio.create_task(commands.run(argparse.Namespace(), settings))
        try:
            await asyncio.wait_for(started.wait(), 30)
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(served, 60) == 0
        finally:
            gc.unfreeze()   # `run` froze what start-up built
            served.cancel()   # a no-op once it has returned
    assert [job.passes for job in held] == [1]
    assert await held_rows(database_url) == 2
    assert_no_error_logged(caplog)


class ListeningCheck(FakeTelegramAPI):
    """Records, at each setWebhook, whether the webhook's address accepts connections."""

    listening: list[bool]

    def _set_webhook(self, call: ApiCall) -> bool:
        address = urlsplit(str(call.params.get("url", "")))
        try:
            socket.create_connection((address.hostname, address.port), timeout=2).close()
            self.listening.append(True)
        except OSError:
            self.listening.append(False)
        return super()._set_webhook(call)


async def test_the_webhook_is_set_once_the_app_listens(database_url: str) -> None:
    async with ListeningCheck() as fake:
        fake.listening = []
        async with telegram_app(database_url, fake):
            assert fake.listening == [True]

