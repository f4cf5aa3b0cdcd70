"""A document an official sent to /announce, from its arrival to the notice made of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow

READING = "reading"
"""Waiting for the document job: download, read, clean, speak the preview."""
READY = "ready"
"""The cleaned text and its voice preview were sent; the official decides."""
FAILED = "failed"
USED = "used"
"""The official went on to the targets with its text."""
DISCARDED = "discarded"


class NoticeDocument(Base):
    """The file (channel and file id, name, size), its cleaned text, and the official's
    choices on it (attach the original to the group message)."""

    __tablename__ = "notice_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[str] = mapped_column(String(1000))
    file_name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default=READING, index=True)
    reason: Mapped[str | None] = mapped_column(String(30))
    """Why it could not be read (`documents.refused_<reason>`)."""
    kind: Mapped[str | None] = mapped_column(String(10))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    """How long the whole text takes to read aloud (estimated)."""
    attach: Mapped[bool] = mapped_column(Boolean, default=False)
    original_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("blobs.sha256", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Bumped by every change of the text, so a stale preview is never stored."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
