"""The notices' three passes, run every second by the app's scheduler (`bot.jobs`): fire due
notice occurrences, make pending audio, and read the documents officials sent (apart, so that
slow speech or OCR never delays a due notice). The notices table is the source of truth, so
any number of app instances may run them: each occurrence is delivered once (see
`services.notices.service`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.channels.base import MAX_DOWNLOAD_BYTES, Channel, FileTooBig
from bot.jobs import Job, PassJob
from services.audio import EspeakEngine, GTTSEngine, SpeechEngine
from services.db import Database, utcnow
from services.documents.extract import DocumentRefused
from services.documents.reading import read_pending
from services.notices.audio import DbAudioCache
from services.notices.prepare import prepare_pending
from services.notices.service import DEFAULT_GRACE, Notices, parse_group_key

log = logging.getLogger(__name__)

# A run normally ends in the sender's pass that sends its last row; this sweep only catches
# a run whose process stopped in between, so once a minute is soon enough.
FINISH_RUNS_EVERY = timedelta(minutes=1)


def default_engines(gtts_base_url: str | None = None) -> list[SpeechEngine]:
    """Google's voice (endpoint overridable with GTTS_BASE_URL), then offline espeak-ng."""
    return [GTTSEngine(base_url=gtts_base_url), EspeakEngine()]


class NoticeJobs:
    def __init__(self, db: Database, channels: dict[str, Channel], *,
                 engines: Sequence[SpeechEngine] | None = None, cache: Any = None,
                 interval: float = 1.0, grace: timedelta | None = None) -> None:
        self.db = db
        self.channels = channels
        self.engines = list(engines) if engines is not None else default_engines()
        self.cache = cache or DbAudioCache(db)
        self.interval = interval
        self.grace = DEFAULT_GRACE if grace is None else grace

    def jobs(self) -> list[Job]:
        every = timedelta(seconds=self.interval)
        return [PassJob("notices-fire_due", every, self.fire_due),
                PassJob("notices-prepare_audio", every, self.prepare_audio),
                PassJob("notices-read_documents", every, self.read_documents),
                PassJob("notices-finish_runs", FINISH_RUNS_EVERY, self.finish_runs,
                        first_run_after=FINISH_RUNS_EVERY)]

    async def tick(self) -> int:
        """Prepare pending audio, then fire what is due; return how many things happened."""
        return await self.prepare_audio() + await self.fire_due()

    async def prepare_audio(self) -> int:
        return await prepare_pending(self.db, self.engines, self.cache, self._download)

    async def read_documents(self) -> int:
        """Documents sent to /announce: read, cleaned, previewed (apart from the audio of
        confirmed notices, so that OCR never delays them)."""
        return await read_pending(self.db, self.engines, self.cache, self._download_document)

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

    async def finish_runs(self) -> int:
        """Report the runs whose last row went out without a report (see `unreported_runs`);
        a run still delivering is left as it is. Return how many were finished."""
        async with self.db.transaction() as session:
            keys = await Notices(session).unreported_runs()
        finished = 0
        for key in keys:
            finished += await self._report_progress(key)
        return finished

    async def on_progress(self, group_key: str) -> None:
        """The sender's progress hook: the official's progress message and final report."""
        await self._report_progress(group_key)

    async def _report_progress(self, group_key: str) -> bool:
        if parse_group_key(group_key) is None:
            return False
        async with self.db.transaction() as session:
            return await Notices(session).report_progress(group_key, utcnow())

    async def _download(self, channel: str, file_id: str) -> bytes:
        download = getattr(self.channels.get(channel), "download", None)
        if download is None:
            raise LookupError(f"channel {channel!r} cannot download files")
        data: bytes = await download(file_id)
        return data

    async def _download_document(self, channel: str, file_id: str) -> bytes:
        """A document, or the reason to tell the official when it is too big to fetch."""
        try:
            return await self._download(channel, file_id)
        except FileTooBig as error:
            raise DocumentRefused("too_big", megabytes=MAX_DOWNLOAD_BYTES // 2**20) from error
