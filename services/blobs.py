"""Which stored files (`blobs`) are still in use, and removing those that are not.

A blob is in use while an outbox row's attachment, a notice's audio, the spoken-audio cache,
or a document read for a notice (and the notice that attaches it) names it. Erasure removes a
person's files at once; retention collects the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.documents.models import NoticeDocument
from services.models import Blob, OutboxMessage
from services.notices.models import Notice, NoticeAudioCache

CHUNK = 500
"""Digests per `IN (…)`: well under SQLite's 32,766 bound parameters."""


def attachment_digest(payload: dict[str, Any] | None) -> str | None:
    attachment = (payload or {}).get("attachment") or {}
    digest = attachment.get("sha256")
    return digest if isinstance(digest, str) else None


def _chunks(digests: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(digests))
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


async def in_use(session: AsyncSession, digests: Iterable[str]) -> set[str]:
    """Those of `digests` that something still names."""
    wanted = set(digests)
    used: set[str] = set()
    named = OutboxMessage.payload[("attachment", "sha256")].as_string()
    for chunk in _chunks(wanted):
        used.update(await session.scalars(select(named).where(named.in_(chunk))))
        used.update(await session.scalars(
            select(NoticeAudioCache.sha256).where(NoticeAudioCache.sha256.in_(chunk))))
        for column in (NoticeDocument.original_sha256, Notice.document_sha256):
            used.update(await session.scalars(select(column).where(column.in_(chunk))))
    for audio in await session.scalars(select(Notice.audio)):
        used.update(str(part.get("sha256")) for part in audio or [] if isinstance(part, dict))
    return wanted & used


async def remove_unused(session: AsyncSession, digests: Iterable[str]) -> int:
    """Delete those of `digests` that nothing names any more; return how many went."""
    candidates = set(digests)
    unused = candidates - await in_use(session, candidates)
    removed = 0
    for chunk in _chunks(unused):
        result = cast(CursorResult[Any], await session.execute(
            delete(Blob).where(Blob.sha256.in_(chunk))))
        removed += result.rowcount or 0
    return removed


async def collect(session: AsyncSession, created_before: datetime) -> int:
    """Delete every blob older than `created_before` that nothing names. The age spares a
    file stored by a transaction still writing the row that will name it."""
    old = await session.scalars(select(Blob.sha256).where(Blob.created_at < created_before))
    return await remove_unused(session, list(old))
