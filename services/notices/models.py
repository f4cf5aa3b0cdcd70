"""Notices, their occurrences (runs) and the cache of spoken audio."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow

PREPARING = "preparing"
"""The audio is being made; the official gets the preview when it is ready."""
PREVIEW = "preview"
"""Waiting for the official's confirmation."""
SCHEDULED = "scheduled"
"""Fires at `next_run_at`."""
DONE = "done"
MISSED = "missed"
CANCELLED = "cancelled"
OPEN_STATUSES = (PREPARING, PREVIEW, SCHEDULED)

PRIORITIES = ("normal", "priority", "emergency")
MODES = ("text", "voice", "both")
SCHEDULES = ("now", "once", "daily", "weekly", "monthly", "cron")
RECURRING = ("daily", "weekly", "monthly", "cron")
"""A notice's recurrence is stored as a cron expression; "cron" is one an official once typed
as such (chat now offers only daily, weekly and monthly), shown in words all the same."""

RUN_SENDING = "sending"
RUN_DONE = "done"
RUN_MISSED = "missed"


class Notice(Base):
    """What an official announces, to whom, how and when. The row is the source of truth
    of its schedule: `next_run_at` is the next occurrence still to deliver."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_due", "status", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    recording: Mapped[dict[str, Any] | None]
    """The official's own voice recording or audio file: channel, file_id, mime, duration."""
    village_ids: Mapped[list[Any]] = mapped_column(default=list)
    """Target villages; empty means the whole commune."""
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    mode: Mapped[str] = mapped_column(String(10), default="text")
    schedule: Mapped[str] = mapped_column(String(10), default="now")
    cron: Mapped[str | None] = mapped_column(String(100))
    run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default=PREPARING)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Bumped by every edit of the text, so stale audio is never attached."""
    audio: Mapped[list[Any]] = mapped_column(default=list)
    """Voice parts in order: {"sha256", "duration"} (a stored blob) or {"file_id", ...}."""
    audio_engine: Mapped[str | None] = mapped_column(String(20))
    audio_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    source_document: Mapped[str | None] = mapped_column(String(255))
    """The name of the document the text was read from, if any."""
    document_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("blobs.sha256", ondelete="SET NULL"))
    """That document, attached to the group message when the official asked for it."""


class NoticeRun(Base):
    """One occurrence of a notice. Unique on (notice, occurrence): whoever inserts it
    delivers it; its outbox rows carry `group_key` "notice:<notice>:<run>"."""

    __tablename__ = "notice_runs"
    __table_args__ = (UniqueConstraint("notice_id", "occurrence_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    occurrence_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=RUN_SENDING)
    groups: Mapped[int] = mapped_column(Integer, default=0)
    late_s: Mapped[int] = mapped_column(Integer, default=0)
    progress_outbox_id: Mapped[int | None]
    progress_text: Mapped[str | None] = mapped_column(String(255))
    progress_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class NoticeAudioCache(Base):
    """Spoken audio by `services.audio.audio_key`, shared by every app instance."""

    __tablename__ = "notice_audio_cache"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
