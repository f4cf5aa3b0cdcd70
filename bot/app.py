"""The composition root: settings → database → handlers → channels → sender → web."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

from bot import ops_web, zalo_web
from bot.channels.base import Channel
from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.zalo import ZaloChannel
from bot.choices import remember_choices
from bot.feedback_jobs import FeedbackJob
from bot.jobs import PassJob, Scheduler
from bot.logs import keep_secrets_out_of_logs
from bot.media_job import MediaJob
from bot.metrics import Metrics
from bot.migrate import upgrade
from bot.open311 import install_open311
from bot.polling import poll_updates
from bot.retention_job import RetentionJob, policy_from
from bot.scheduler import NoticeJobs, default_engines
from bot.sender import Sender
from bot.settings import ConfigError, Settings
from bot.survey_jobs import SurveyJob, record_posted_polls
from bot.web import TELEGRAM_PATH, build_web_app
from handlers import build_router
from handlers.context import HandlerConfig
from handlers.runtime import Processor
from handlers.types import Incoming
from ops.live import LiveFeed
from services.communes import Communes
from services.db import Database, DatabaseUnavailable
from services.filing import reminders
from services.procedures.catalogue import load_catalogue
from services.procedures.store import Procedures
from services.users import Users

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member", "poll_answer", "poll"]


class App:
    def __init__(self, settings: Settings, *, bot: Bot | None = None) -> None:
        self.settings = settings
        keep_secrets_out_of_logs(settings)
        self.db = Database(settings.database_url)
        self.router = build_router()
        self.config = HandlerConfig(default_language=settings.default_language,
                                    timezone=settings.timezone,
                                    bot_username=settings.qr_bot_username,
                                    zalo_link=settings.qr_zalo_link or None,
                                    ops_url=settings.ops_url())
        self.console = ConsoleChannel(on_choices=remember_choices(self.db, "console"))
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
        self.metrics = Metrics()
        self.sender = Sender(self.db, self.channels)
        self.sender.outcome_hooks.append(self.metrics.on_send)
        self.processor = Processor(self.db, self.router, self.config, on_commit=self.sender.wake)
        grace = settings.notice_grace_minutes
        self.notices = NoticeJobs(
            self.db, self.channels, engines=default_engines(settings.gtts_base_url),
            grace=None if grace is None else timedelta(minutes=grace))
        self.sender.progress_hooks.append(self.notices.on_progress)
        self.sender.recorders.append(record_posted_polls)
        self.web_routes: list[Callable[[web.Application], None]] = []
        self.web_routes.append(install_open311(self))
        self.live = LiveFeed(self.db)
        self.web_routes.append(ops_web.install(self))
        self.feedback_jobs = FeedbackJob(self.db)
        self.survey_jobs = SurveyJob(self.db, self.channels)
        self.retention = RetentionJob(self.db, policy_from(settings))
        self.scheduler = Scheduler(on_queued=self.sender.wake)
        self.scheduler.add(
            *self.notices.jobs(), self.feedback_jobs, self.survey_jobs, self.retention,
            MediaJob(self.db, self.channels),
            PassJob("filing-reminders", reminders.EVERY,
                    functools.partial(reminders.remind_stalled, self.db),
                    first_run_after=reminders.FIRST_RUN_AFTER))
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
        """Prepare, start the sender and the jobs, listen, and only then ask the platforms
        for updates: a webhook set before the server listens gets its first updates
        refused."""
        await self.prepare()
        if self.telegram is not None:
            try:
                await self.telegram.bot.initialize()
            except InvalidToken:  # its text quotes the token
                raise ConfigError("TELEGRAM_BOT_TOKEN was rejected by Telegram (check it "
                                  "with @BotFather)") from None
            self.set_config(bot_username=self.telegram.bot.username)
        if sender:
            self._sender_task = asyncio.create_task(self.sender.run())
        if scheduler:
            self.scheduler.start()
        if serve_http:
            self._runner = web.AppRunner(build_web_app(self), access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
            log.info("listening on %s:%s", self.settings.host, self.settings.port)
        await self._take_updates()

    async def _take_updates(self) -> None:
        """Set the webhooks (WEBHOOK_BASE_URL set), or start polling."""
        if self.telegram is not None:
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

    async def stop(self) -> None:
        """Stop taking updates, stop the jobs (a pass under way finishes), let the sender
        finish what it is sending, then close the channels and the database."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.live.stop()
        await self.scheduler.stop()
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
        bot = self.telegram.bot
        offset: int | None = None

        async def fetch() -> tuple[Update, ...]:
            return await bot.get_updates(offset=offset, timeout=25,
                                         allowed_updates=ALLOWED_UPDATES)

        async def handle(update: Update) -> None:
            nonlocal offset
            try:
                await self.handle_telegram(update.to_dict())
            except DatabaseUnavailable:  # the offset stays: Telegram gives it again
                self.metrics.database_unavailable.labels("polling").inc()
                raise
            except Exception:
                offset = update.update_id + 1  # a failing update is not fetched again
                raise
            offset = update.update_id + 1

        await poll_updates("Telegram", fetch, handle, retry=(TelegramError,),
                           redo=(DatabaseUnavailable,))

    async def handle_telegram(self, data: dict[str, Any]) -> None:
        assert self.telegram is not None
        incoming, query_id = self.telegram.parse(data)
        if incoming is not None:
            await self.process(incoming)
        if query_id:
            self.background(self.telegram.answer_callback(query_id))

    async def process(self, incoming: Incoming) -> None:
        """Process an update from a platform, timed and counted."""
        with self.metrics.update_seconds.time():
            outcome = await self.processor.process(incoming)
        (self.metrics.duplicates if outcome.duplicate else self.metrics.updates).inc()
