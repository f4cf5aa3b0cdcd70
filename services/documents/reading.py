"""The document job's pass: each document waiting in `reading` is downloaded once, read
(OCR in a worker thread), cleaned, its first five minutes spoken, and the preview queued to
the official; a document that cannot be read gets the reason and what to send instead."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from services.audio import SpeechEngine
from services.db import Database, affected, utcnow
from services.documents.clean import CleaningError, clean
from services.documents.drafts import NoticeDocuments, first_part, spoken_seconds
from services.documents.extract import DocumentRefused, extract
from services.documents.models import FAILED, READING, READY, NoticeDocument
from services.models import User
from services.notices.audio import Spoken, speak
from services.notices.prepare import Download
from services.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Read:
    """What a document gave: its text and how it was read, or why it could not be."""

    text: str = ""
    kind: str | None = None
    pages: int = 0
    sha256: str | None = None
    reason: str | None = None
    params: dict[str, Any] | None = None


def read_document(data: bytes, filename: str | None = None, mime: str | None = None) -> Read:
    """A document's cleaned text (blocking: OCR). The web compose form can call it too."""
    try:
        extracted = extract(data, filename, mime)
        return Read(clean(extracted.text), extracted.kind, extracted.pages)
    except DocumentRefused as refused:
        return Read(reason=refused.reason, params=refused.params)
    except CleaningError as error:
        return Read(reason=error.reason)


async def read_pending(db: Database, engines: Sequence[SpeechEngine], cache: Any,
                       download: Download | None) -> int:
    """Read and preview every document waiting; return how many were handled."""
    async with db.transaction() as session:
        pending = list(await session.scalars(
            select(NoticeDocument).where(NoticeDocument.status == READING)
            .order_by(NoticeDocument.id)))
    done = 0
    for document in pending:
        read = await _read(db, document, download) if document.kind is None \
            else Read(document.text, document.kind, document.pages, document.original_sha256)
        spoken = await speak(first_part(read.text), engines, cache) if read.text else Spoken()
        if await _store(db, document, read, spoken):
            done += 1
    return done


async def _read(db: Database, document: NoticeDocument, download: Download | None) -> Read:
    if download is None:
        return Read(reason="corrupt")
    try:
        data = await download(document.channel, document.file_id)
    except DocumentRefused as refused:  # too big to fetch: said before a byte is read
        return Read(reason=refused.reason, params=refused.params)
    except Exception as error:  # the channel's own errors (the platform away, a link expired)
        log.warning("could not download a document: %r", error)
        return Read(reason="download")
    read = await asyncio.to_thread(read_document, data, document.file_name, document.mime)
    if read.reason is not None:
        return read
    async with db.transaction() as session:
        digest = await Outbox(session).store_blob(data, document.mime or "application/pdf")
    return Read(read.text, read.kind, read.pages, digest)


async def _store(db: Database, document: NoticeDocument, read: Read, spoken: Spoken) -> bool:
    """Record what was read and queue the preview, unless the document changed meanwhile."""
    async with db.transaction() as session:
        status = FAILED if read.reason else READY
        claimed = await session.execute(
            update(NoticeDocument).where(NoticeDocument.id == document.id,
                                         NoticeDocument.version == document.version,
                                         NoticeDocument.status == READING)
            .values(status=status, updated_at=utcnow()))
        if not affected(claimed):
            return False
        drafts = NoticeDocuments(session)
        row = await drafts.get(document.id)
        assert row is not None
        await session.refresh(row)
        author = await session.get(User, row.author_id)
        if read.reason:
            row.reason = read.reason
            if author is not None:
                await drafts.refuse(row, author, read.reason, **(read.params or {}))
            return True
        row.text, row.kind, row.pages = read.text, read.kind, read.pages
        row.original_sha256 = read.sha256
        row.seconds = spoken_seconds(read.text)
        outbox = Outbox(session)
        voices: list[dict[str, object]] = []
        for data, seconds in spoken.parts:
            digest = await outbox.store_blob(data, "audio/ogg")
            voices.append({"sha256": digest, "duration": max(1, round(seconds))})
        if author is not None:
            await drafts.send_preview(row, author, voices)
        return True
