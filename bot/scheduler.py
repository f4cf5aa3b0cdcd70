"""The notice scheduler: APScheduler interval jobs that fire due notice occurrences and make
pending audio. The notices table is the source of truth, so any number of app instances
may run it: each occurrence is delivered once (see `services.notices.service`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.channels.base import Channel
from services.audio import EspeakEngine, GTTSEngine, SpeechEngine
from services.db import Database, utcnow
from services.notices.audio import DbAudioCache
from services.notices.prepare import prepare_pending
from services.notices.service import DEFAULT_GRACE, Notices, parse_group_key

log = logging.getLogger(__name__)


def default_engines(gtts_base_url: str | None = None) -> list[SpeechEngine]:
    """Google's voice (endpoint overridable with GTTS_BASE_URL), then offline espeak-ng."""
    return [GTTSEngine(base_url=gtts_base_url), EspeakEngine()]


class NoticeScheduler:
    def __init__(self, db: Database, channels: dict[str, Channel], *,
                 engines: Sequence[SpeechEngine] | None = None, cache: Any = None,
                 interval: float = 1.0, grace: timedelta | None = None) -> None:
        self.db = db
        self.channels = channels
        self.engines = list(engines) if engines is not None else default_engines()
        self.cache = cache or DbAudioCache(db)
        self.interval = interval
        self.grace = DEFAULT_GRACE if grace is None else grace
        self.on_fired: list[Any] = []
        """Callables run after a tick created outbox rows (the app wakes its sender)."""
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Two interval jobs, so that slow speech never delays a due notice."""
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        for job in (self.fire_due, self.prepare_audio):
            self._scheduler.add_job(self._safely, "interval", args=[job],
                                    seconds=self.interval, next_run_time=utcnow(),
                                    max_instances=1, coalesce=True, misfire_grace_time=None,
                                    id=f"notices-{job.__name__}")
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop the jobs and wait for a running one to finish its cancellation."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _safely(self, job: Callable[[], Awaitable[int]]) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            if await job():
                for callback in self.on_fired:
                    callback()
        except Exception:
            log.exception("notice scheduler job %s failed", job.__name__)
        finally:
            self._running.discard(task)

    async def tick(self) -> int:
        """Prepare pending audio, then fire what is due; return how many things happened."""
        happened = await self.prepare_audio() + await self.fire_due()
        if happened:
            for callback in self.on_fired:
                callback()
        return happened

    async def prepare_audio(self) -> int:
        return await prepare_pending(self.db, self.engines, self.cache, self._download)

    async def fire_due(self) -> int:
        now = utcnow()
        async with self.db.transaction() as session:
            due = await Notices(session).due_ids(now)
        fired = 0
        for notice_id in due:
            async with self.db.transaction() as session:
                if await Notices(session).fire_due(notice_id, now, self.grace) is not None:
                    fired += 1
        return fired

    async def on_progress(self, group_key: str) -> None:
        """The sender's progress hook: the official's progress message and final report."""
        if parse_group_key(group_key) is None:
            return
        async with self.db.transaction() as session:
            await Notices(session).report_progress(group_key, utcnow())

    async def _download(self, channel: str, file_id: str) -> bytes:
        download = getattr(self.channels.get(channel), "download", None)
        if download is None:
            raise LookupError(f"channel {channel!r} cannot download files")
        data: bytes = await download(file_id)
        return data
