"""Retention (Decree 13/2023/NĐ-CP: keep personal data no longer than needed): one pass
prunes the processed update ids, blanks the payloads of finished outbox rows, drops documents
read for notices after a week and collects the files nothing names any more. The rows
themselves stay where they count something (delivery progress, a notice's
once-per-occurrence key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from typing import cast as typed

from sqlalchemy import CursorResult, Text, cast, delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import blobs
from services.documents.models import NoticeDocument
from services.models import OUTBOX_PENDING, OutboxMessage, ProcessedUpdate
from services.privacy import ERASED_PAYLOAD


@dataclass(frozen=True)
class Policy:
    processed_updates: timedelta = timedelta(days=7)
    """Platforms redeliver an update for a day at most; a week is ample."""
    sent_payloads: timedelta = timedelta(days=30)
    documents: timedelta = timedelta(days=7)
    """A document read for a notice, left a week: its text and original go (a notice made of
    it keeps its own text, and the original if it attaches it)."""
    blob_grace: timedelta = timedelta(days=1)
    """A file younger than this is never collected: the transaction that stored it may not
    yet have written the row that names it."""


@dataclass(frozen=True)
class Pruned:
    processed_updates: int
    payloads: int
    blobs: int


async def prune(session: AsyncSession, policy: Policy, now: datetime) -> Pruned:
    updates = typed(CursorResult[Any], await session.execute(delete(ProcessedUpdate).where(
        ProcessedUpdate.received_at < now - policy.processed_updates)))
    c = OutboxMessage
    finished_at = func.coalesce(c.sent_at, c.created_at)
    payloads = typed(CursorResult[Any], await session.execute(
        update(c).where(c.status != OUTBOX_PENDING, finished_at < now - policy.sent_payloads,
                        cast(c.payload, Text) != "{}")
        .values(payload=ERASED_PAYLOAD, last_error=None)
        .execution_options(synchronize_session=False)))
    await session.execute(delete(NoticeDocument).where(
        NoticeDocument.updated_at < now - policy.documents))
    collected = await blobs.collect(session, now - policy.blob_grace)
    return Pruned(updates.rowcount or 0, payloads.rowcount or 0, collected)
