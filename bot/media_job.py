"""Fetches the photos and voice notes of new reports into the blob store, so that officials
see and hear them in the operations room: the channels give file ids (Telegram) and links
(Zalo) that stop working after a while, and the web must not call a channel per page view.
Each file comes through its channel's `download`."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.channels.base import Channel
from bot.jobs import Job
from services.db import Database, utcnow
from services.feedback import media
from services.feedback.models import FeedbackReport
from services.feedback.service import MAX_FILE_BYTES

log = logging.getLogger(__name__)
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
        """The file through its channel (Telegram by file id, Zalo from its URL, each within
        the channel's size limit and timeout); None when it cannot be had now."""
        download = getattr(self.channels.get(channel), "download", None)
        file_id = file.entry.get("file_id") or file.entry.get("url")
        if download is None or not file_id:
            return None
        try:
            data: bytes = await download(str(file_id))
        except Exception as error:  # the platform said no or is away: tried again later
            log.warning("could not fetch a %s of a report: %s", file.kind, type(error).__name__)
            return None
        return data if len(data) <= MAX_FILE_BYTES else None
