"""Retention (Decree 13/2023/NĐ-CP: keep personal data no longer than needed): one pass
prunes the processed update ids, blanks the payloads of finished outbox rows, drops documents
read for notices after a week, drops conversations left mid-flow (a month; a day for someone
who has not agreed to keep personal data) and collects the files nothing names any more. The rows
themselves stay where they count something (delivery progress, a notice's
once-per-occurrence key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from typing import cast as typed

from sqlalchemy import CursorResult, Text, and_, cast, delete, exists, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import blobs
from services.documents.models import NoticeDocument
from services.models import (
    OUTBOX_PENDING,
    ROLE_CITIZEN,
    Conversation,
    OutboxMessage,
    ProcessedUpdate,
    User,
)
from services.privacy import ERASED_PAYLOAD


@dataclass(frozen=True)
class Policy:
    processed_updates: timedelta = timedelta(days=7)
    """Platforms redeliver an update for a day at most; a week is ample."""
    sent_payloads: timedelta = timedelta(days=30)
    documents: timedelta = timedelta(days=7)
    """A document read for a notice, left a week: its text and original go (a notice made of
    it keeps its own text, and the original if it attaches it)."""
    drafts: timedelta = timedelta(days=30)
    """A conversation left this long mid-flow: its draft (what was typed) goes."""
    drafts_without_consent: timedelta = timedelta(days=1)
    """The conversation of someone who has not agreed to keep personal data (a sign-up left
    half-way, a report's text held while consent was asked): a day, not a month."""
    blob_grace: timedelta = timedelta(days=1)
    """A file younger than this is never collected: the transaction that stored it may not
    yet have written the row that names it."""


@dataclass(frozen=True)
class Pruned:
    processed_updates: int
    payloads: int
    blobs: int
    drafts: int


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
    without_consent = exists().where(User.channel == Conversation.channel,
                                     User.external_id == Conversation.user_external_id,
                                     User.consent_at.is_(None), User.role == ROLE_CITIZEN)
    drafts = typed(CursorResult[Any], await session.execute(
        delete(Conversation).where(or_(
            Conversation.updated_at < now - policy.drafts,
            and_(Conversation.updated_at < now - policy.drafts_without_consent,
                 without_consent)))
        .execution_options(synchronize_session=False)))
    collected = await blobs.collect(session, now - policy.blob_grace)
    return Pruned(updates.rowcount or 0, payloads.rowcount or 0, collected,
                  drafts.rowcount or 0)
