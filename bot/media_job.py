"""Fetches the photos and voice notes of new reports into the blob store, so that officials
see and hear them in the operations room: the channels give file ids (Telegram) and links
(Zalo) that stop working after a while, and the web must not call a channel per page view."""

from __future__ import annotations

import logging
from datetime import timedelta

import aiohttp

from bot.channels.base import Channel
from bot.jobs import Job
from services.db import Database, utcnow
from services.feedback import media
from services.feedback.models import FeedbackReport
from services.feedback.service import MAX_FILE_BYTES

log = logging.getLogger(__name__)
FETCH_TIMEOUT_S = 30
MIMES = {"photo": "image/jpeg", "voice": "audio/ogg"}
"""What Telegram sends as a photo (a JPEG) and a voice note (OGG/Opus)."""


class MediaJob(Job):
    name = "report-media"
    every = timedelta(seconds=10)

    def __init__(self, db: Database, channels: dict[str, Channel]) -> None:
        self.db = db
        self.channels = channels

    async def run_once(self) -> int:
        async with self.db.transaction() as session:
            wanted = [(report.id, report.channel, file)
                      for report in await media.awaiting(session, utcnow())
                      for file in media.files_of(report) if file.pending]
        for report_id, channel, file in wanted:
            data = await self._fetch(channel, file)
            async with self.db.transaction() as session:
                report = await session.get(FeedbackReport, report_id)
                current = media.file_of(report, file.kind, file.index) if report else None
                if report is None or current is None or not current.pending:
                    continue  # erased, or fetched by another replica meanwhile
                if data is None:
                    media.failed(report, current)
                else:
                    await media.keep(session, report, current, data,
                                     current.entry.get("mime") or MIMES[file.kind])
        return 0  # nothing queued for sending

    async def _fetch(self, channel: str, file: media.MediaFile) -> bytes | None:
        try:
            if file.entry.get("file_id"):
                download = getattr(self.channels.get(channel), "download", None)
                if download is None:
                    return None
                data: bytes = await download(file.entry["file_id"])
            else:
                data = await _get(str(file.entry["url"]))
        except Exception as error:  # the platform said no or is away: tried again later
            log.warning("could not fetch a %s of a report: %s", file.kind, type(error).__name__)
            return None
        return data if len(data) <= MAX_FILE_BYTES else None


async def _get(url: str) -> bytes:
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        response.raise_for_status()
        return await response.content.read(MAX_FILE_BYTES + 1)
