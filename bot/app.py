"""The composition root: settings → database → handlers → channels → sender → web."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web
from telegram import Bot
from telegram.error import TelegramError

from bot import zalo_web
from bot.channels.base import Channel
from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.zalo import ZaloChannel
from bot.feedback_jobs import FeedbackJobs
from bot.migrate import upgrade
from bot.open311 import install_open311
from bot.scheduler import NoticeScheduler
from bot.sender import Sender
from bot.settings import Settings
from bot.survey_jobs import SurveyJobs
from bot.web import TELEGRAM_PATH, build_web_app
from handlers import build_router
from handlers.context import HandlerConfig
from handlers.runtime import Processor
from services.communes import Communes
from services.db import Database, DatabaseUnavailable
from services.filing.reminders import ReminderJob
from services.procedures.catalogue import load_catalogue
from services.procedures.store import Procedures
from services.users import Users

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member", "poll_answer", "poll"]


class App:
    def __init__(self, settings: Settings, *, bot: Bot | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.router = build_router()
        self.config = HandlerConfig(default_language=settings.default_language,
                                    timezone=settings.timezone,
                                    public_base_url=settings.webhook_base_url)
        self.console = ConsoleChannel()
        self.channels: dict[str, Channel] = {self.console.name: self.console}
        self.telegram: TelegramChannel | None = None
        token = settings.token()
        if bot is not None or token:
            self.telegram = TelegramChannel(
                bot or make_bot(token or "", settings.telegram_api_base_url))
            self.channels[self.telegram.name] = self.telegram
        self.zalo: ZaloChannel | None = zalo_web.make_channel(settings)
        if self.zalo is not None:
            self.channels[self.zalo.name] = self.zalo
        self.sender = Sender(self.db, self.channels)
        self.processor = Processor(self.db, self.router, self.config, on_commit=self.sender.wake)
        self.notices = NoticeScheduler(self.db, self.channels)
        self.notices.on_fired.append(self.sender.wake)
        self.sender.progress_hooks.append(self.notices.on_progress)
        self.metrics: Counter[str] = Counter()
        self.web_routes: list[Callable[[web.Application], None]] = []
        self.web_routes.append(install_open311(self))
        self.feedback_jobs = FeedbackJobs(self.db, on_sent=self.sender.wake)
        self.survey_jobs = SurveyJobs(self.db, self.channels, on_sent=self.sender.wake)
        self.filing_reminders = ReminderJob(self.db, on_sent=self.sender.wake)
        if self.zalo is not None:
            self.web_routes.append(zalo_web.install(self))
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._sender_task: asyncio.Task[None] | None = None

    def background(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def set_config(self, **changes: Any) -> None:
        self.config = dataclasses.replace(self.config, **changes)
        self.processor.config = self.config

    async def prepare(self) -> None:
        """Upgrade the schema, create the demo commune on an empty database, apply the
        shipped procedure catalogue, bootstrap the province admins."""
        await upgrade(self.db)
        async with self.db.transaction() as session:
            demo = await Communes(session).ensure_demo()
            if demo is not None:
                log.warning("no commune in the database: created the demo commune %r with "
                            "villages %s (the first `communes import` replaces it)",
                            demo.name, ", ".join(v.name for v in demo.villages))
            seeded = await Procedures(session).seed(load_catalogue())
            if seeded.added or seeded.changed:
                log.info("procedure catalogue: %d added, %d updated",
                         len(seeded.added), len(seeded.changed))
            if self.settings.admin_telegram_ids:
                await Users(session).bootstrap_admins(
                    "telegram", [str(i) for i in self.settings.admin_telegram_ids])

    async def start(self, *, serve_http: bool = True, sender: bool = True,
                    scheduler: bool = True) -> None:
        await self.prepare()
        if self.telegram is not None:
            await self.telegram.bot.initialize()
            self.set_config(bot_username=self.telegram.bot.username)
            if self.settings.webhook_mode:
                url = f"{self.settings.webhook_base_url}{TELEGRAM_PATH}"
                await self.telegram.bot.set_webhook(
                    url, secret_token=self.settings.secret(), allowed_updates=ALLOWED_UPDATES)
                log.info("Telegram webhook set to %s", url)
            else:
                await self.telegram.bot.delete_webhook()
                self.background(self._poll_telegram())
                log.info("Telegram long polling started")
        if self.zalo is not None:
            await zalo_web.start(self)
        if sender:
            self._sender_task = asyncio.create_task(self.sender.run())
        if scheduler:
            self.notices.start()
            self.feedback_jobs.start()
            self.survey_jobs.start()
            self.filing_reminders.start()
        if serve_http:
            self._runner = web.AppRunner(build_web_app(self), access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
            log.info("listening on %s:%s", self.settings.host, self.settings.port)

    async def stop(self) -> None:
        """Stop taking updates, stop the jobs, let the sender finish what it is sending,
        then close the channels and the database."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.notices.stop()
        await self.feedback_jobs.stop()
        self.survey_jobs.shutdown()
        self.filing_reminders.shutdown()
        if self._sender_task is not None:
            self.sender.stop()
            try:
                await asyncio.wait_for(self._sender_task, timeout=30)
            except (TimeoutError, Exception):
                log.warning("sender did not finish in time; unsent rows are sent on restart")
            self._sender_task = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.telegram is not None:
            with contextlib.suppress(Exception):
                await self.telegram.bot.shutdown()
        if self.zalo is not None:
            await self.zalo.client.close()
        await self.db.dispose()

    async def _poll_telegram(self) -> None:
        assert self.telegram is not None
        offset: int | None = None
        backoff = 1.0
        while True:
            try:
                updates = await self.telegram.bot.get_updates(
                    offset=offset, timeout=25, allowed_updates=ALLOWED_UPDATES)
                backoff = 1.0
            except TelegramError as error:
                log.warning("getUpdates failed: %s; retrying in %.0fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)
                continue
            for update in updates:
                try:
                    await self.handle_telegram(update.to_dict())
                except DatabaseUnavailable:  # the offset stays: Telegram gives it again
                    self.metrics["database_unavailable_polls"] += 1
                    log.warning("database unavailable; polling again in %.0fs", backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 60)
                    break
                offset = update.update_id + 1

    async def handle_telegram(self, data: dict[str, Any]) -> None:
        assert self.telegram is not None
        incoming, query_id = self.telegram.parse(data)
        if incoming is not None:
            outcome = await self.processor.process(incoming)
            self.metrics["duplicates" if outcome.duplicate else "updates"] += 1
        if query_id:
            self.background(self.telegram.answer_callback(query_id))
