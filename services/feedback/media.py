"""A report's photos and voice note kept in the blob store, so that officials can see and
hear them on the web. The channels give file ids (Telegram) or URLs (Zalo) that expire; a job
in `bot/` fetches each file once after the report is filed and hands the bytes here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.models import FeedbackReport
from services.outbox import Outbox

FETCH_WITHIN = timedelta(days=2)
"""A platform's file ids and links stop working after a while: older files are not tried."""
MAX_TRIES = 3
SCAN_LIMIT = 500


@dataclass(frozen=True)
class MediaFile:
    kind: str
    """"photo" or "voice"."""
    index: int
    entry: dict[str, Any]

    @property
    def sha256(self) -> str | None:
        return self.entry.get("sha256")

    @property
    def pending(self) -> bool:
        return not self.sha256 and int(self.entry.get("tries", 0)) < MAX_TRIES \
            and bool(self.entry.get("file_id") or self.entry.get("url"))


def files_of(report: FeedbackReport) -> list[MediaFile]:
    files = [MediaFile("photo", i, dict(p)) for i, p in enumerate(report.photos or [])]
    if report.voice:
        files.append(MediaFile("voice", 0, dict(report.voice)))
    return files


def file_of(report: FeedbackReport, kind: str, index: int) -> MediaFile | None:
    return next((f for f in files_of(report) if f.kind == kind and f.index == index), None)


async def awaiting(session: AsyncSession, now: datetime, limit: int = 20
                   ) -> list[FeedbackReport]:
    """Recent reports with a photo or voice note not yet in the blob store."""
    # Recent reports are few (a commune gets tens a day); which of them carry files is read
    # here rather than in SQL, where comparing JSON columns differs by database.
    rows = await session.scalars(
        select(FeedbackReport).where(FeedbackReport.created_at >= now - FETCH_WITHIN)
        .order_by(FeedbackReport.id.desc()).limit(SCAN_LIMIT))
    return [r for r in rows if any(f.pending for f in files_of(r))][:limit]


def _write(report: FeedbackReport, media: MediaFile, entry: dict[str, Any]) -> None:
    """JSON columns change by assignment: a new list or dict, never one edited in place."""
    if media.kind == "voice":
        report.voice = entry
    else:
        photos = [dict(p) for p in report.photos]
        photos[media.index] = entry
        report.photos = photos


async def keep(session: AsyncSession, report: FeedbackReport, media: MediaFile, data: bytes,
               mime: str) -> str:
    digest = await Outbox(session).store_blob(data, mime)
    _write(report, media, {**media.entry, "sha256": digest, "mime": mime})
    return digest


def failed(report: FeedbackReport, media: MediaFile) -> None:
    _write(report, media, {**media.entry, "tries": int(media.entry.get("tries", 0)) + 1})
