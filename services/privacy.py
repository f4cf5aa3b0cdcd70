"""What is kept about a person, its export and its erasure (Decree 13/2023/NĐ-CP).

Each feature area that keeps personal data has a `personal_data` module with an exporter, an
eraser and a tracer, listed in `AREAS`, so that `export` and `erase` always cover everything;
`services.personal_data` lists every column that can hold personal data and how erasure
treats it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, and_, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import blobs
from services.db import utcnow
from services.feedback import personal_data as feedback_data
from services.filing import personal_data as filing_data
from services.models import OUTBOX_PENDING, AuditEntry, Chat, Conversation, OutboxMessage, User
from services.surveys import personal_data as survey_data

Exporter = Callable[[AsyncSession, User], Awaitable[Any]]
Eraser = Callable[[AsyncSession, User], Awaitable[None]]
Tracer = Callable[[AsyncSession, User], Awaitable[set[str]]]
"""The strings by which a message to someone else can carry the person's data: their words,
their names, their files' ids."""

MIN_TRACE = 4
"""Shorter strings (a two-letter name) would match unrelated messages."""
ERASED_PAYLOAD: dict[str, Any] = {}



@dataclass(frozen=True)
class Area:
    exporter: Exporter
    eraser: Eraser
    tracer: Tracer


AREAS: dict[str, Area] = {
    "feedback": Area(feedback_data.export, feedback_data.erase, feedback_data.traces),
    "filing": Area(filing_data.export, filing_data.erase, filing_data.traces),
    "surveys": Area(survey_data.export, survey_data.erase, survey_data.traces),
}
"""Each area's exporter, eraser and tracer, by the name of its part of the export."""


async def give_consent(user: User, display_name: str | None) -> None:
    user.consent_at = utcnow()
    user.display_name = display_name


async def export(session: AsyncSession, user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "profile": {
            "channel": user.channel,
            "id": user.external_id,
            "name": user.display_name,
            "language": user.language,
            "commune_id": user.commune_id,
            "village_id": user.village_id,
            "role": user.role,
            "consent_at": user.consent_at.isoformat() if user.consent_at else None,
            "created_at": user.created_at.isoformat(),
        }
    }
    for name, area in sorted(AREAS.items()):
        data[name] = await area.exporter(session, user)
    return data


async def erase(session: AsyncSession, user: User) -> None:
    """Remove personal data; keep only the bare account so the chat can go on.

    The messages to the person and those to anyone else that carry their traces are
    removed if unsent and blanked if sent; files only they used go with them."""
    traces = {f"{user.channel}:{user.external_id}", user.display_name or ""}
    for area in AREAS.values():
        traces |= await area.tracer(session, user)
    traces = {trace for trace in traces if len(trace.strip()) >= MIN_TRACE}
    await _erase_messages(session, user, traces)
    for area in AREAS.values():
        await area.eraser(session, user)
    await session.execute(
        delete(Conversation).where(
            Conversation.channel == user.channel,
            Conversation.user_external_id == user.external_id,
        )
    )
    await session.execute(
        update(Chat).where(Chat.channel == user.channel, Chat.chat_id == user.external_id)
        .values(title=None))
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == user.id).values(detail={}))
    await session.execute(  # an official's action on the person's dossier code
        update(AuditEntry).where(AuditEntry.target.in_(sorted(traces))).values(target=None))
    user.display_name = None
    user.commune_id = None
    user.village_id = None
    user.consent_at = None
    user.onboarded = False


def _stored_forms(traces: Iterable[str]) -> set[str]:
    """Each trace as it appears inside stored JSON text, with and without \\u escapes."""
    return {form for trace in traces
            for form in (json.dumps(trace)[1:-1], json.dumps(trace, ensure_ascii=False)[1:-1])}


async def _erase_messages(session: AsyncSession, user: User, traces: set[str]) -> None:
    c = OutboxMessage
    text = cast(c.payload, Text)
    own = and_(c.channel == user.channel, c.chat_id == user.external_id)
    mentions = [text.contains(form, autoescape=True) for form in _stored_forms(traces)]
    rows = (await session.execute(
        select(c.id, c.status, c.payload).where(or_(own, *mentions)))).all()
    unsent = [row.id for row in rows if row.status == OUTBOX_PENDING]
    sent = [row.id for row in rows if row.status != OUTBOX_PENDING]
    if unsent:
        await session.execute(delete(c).where(c.id.in_(unsent)))
    if sent:
        await session.execute(
            update(c).where(c.id.in_(sent)).values(payload=ERASED_PAYLOAD, last_error=None)
            .execution_options(synchronize_session=False))
    await blobs.remove_unused(
        session, {d for row in rows if (d := blobs.attachment_digest(row.payload))})
