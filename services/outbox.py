"""The outbox: every outgoing message is a row, written in the transaction that caused it,
and claimed by a sender with a lease so that replicas never send one row twice at once."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import affected, insert_for, table_of, utcnow
from services.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    Blob,
    ChannelFile,
    Chat,
    OutboxMessage,
)
from services.redaction import redact
from services.update_path import built_once

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int

    @property
    def pending(self) -> int:
        return self.total - self.sent - self.failed


def message_values(channel: str, chat_id: str, *, text: str | None = None,
                   buttons: list[list[dict[str, str]]] | None = None,
                   kind: str = "text", attachment: dict[str, Any] | None = None,
                   poll: dict[str, Any] | None = None, edit_message_id: str | None = None,
                   pin: bool = False, silent: bool = False, priority: int = 0,
                   dedupe_key: str | None = None, group_key: str | None = None,
                   not_before: datetime | None = None) -> dict[str, Any]:
    """An outbox row's columns for a message to send."""
    payload: dict[str, Any] = {"text": text, "buttons": buttons or []}
    if attachment:
        payload["attachment"] = attachment
    if poll:
        payload["poll"] = poll
    if edit_message_id:
        payload["edit_message_id"] = edit_message_id
    if pin:
        payload["pin"] = True
    if silent:
        payload["silent"] = True
    now = utcnow()
    return {"channel": channel, "chat_id": chat_id, "kind": kind, "payload": payload,
            "priority": priority, "dedupe_key": dedupe_key, "group_key": group_key,
            "status": OUTBOX_PENDING, "attempts": 0, "next_attempt_at": not_before or now,
            "created_at": now}


@dataclass(frozen=True)
class Leased:
    """A row leased for sending (`Outbox.claim`)."""

    id: int
    channel: str
    chat_id: str
    kind: str
    payload: dict[str, Any]
    priority: int
    attempts: int
    group_key: str | None
    created_at: datetime


def _urgent_chats() -> Any:
    """Chats with an urgent row waiting: its priority, and the last such row.

    A chat's rows up to its last urgent one are leased at that priority, so an emergency
    notice goes ahead of the routine backlog together with the rows queued before it in its
    chat (a chat's messages go in order). Only rows above priority 0 are grouped: a handful
    beside a backlog."""
    c = OutboxMessage.__table__.c
    return (
        select(c.channel, c.chat_id, func.max(c.priority).label("top"),
               func.max(c.id).label("last_id"))
        .where(c.status == OUTBOX_PENDING, c.priority > 0)
        .group_by(c.channel, c.chat_id)
        .cte("urgent").prefix_with("MATERIALIZED")
    )


@built_once
def _claim_statement(by_channel: bool) -> Any:
    table = table_of(OutboxMessage)
    c = table.c
    now = bindparam("now", type_=c.next_attempt_at.type)
    free = or_(c.claimed_until.is_(None), c.claimed_until < now)
    # Chats held back by a leased or deferred row, with the first such row, computed once.
    # (As a correlated NOT EXISTS over the backlog, a PostgreSQL plan made on statistics
    # older than a broadcast scanned the backlog once per candidate: 1.3 s a claim of
    # 3,000 waiting rows.)
    blocked = (
        select(c.channel, c.chat_id, func.min(c.id).label("first_id"))
        .where(c.status == OUTBOX_PENDING, or_(c.claimed_until > now, c.next_attempt_at > now))
        .group_by(c.channel, c.chat_id)
        .cte("blocked").prefix_with("MATERIALIZED")
    )
    first_blocked = (
        select(blocked.c.first_id).where(blocked.c.channel == c.channel,
                                         blocked.c.chat_id == c.chat_id)
    ).scalar_subquery()
    # A row may go when its chat is not held back (a hashed lookup, whatever the plan) or
    # it comes before its chat's first held-back row (looked up only then).
    not_waiting = or_(
        tuple_(c.channel, c.chat_id).not_in(select(blocked.c.channel, blocked.c.chat_id)),
        c.id < first_blocked)
    due = and_(c.status == OUTBOX_PENDING, c.next_attempt_at <= now, free, not_waiting)
    if by_channel:
        due = and_(due, c.channel.in_(bindparam("channels", expanding=True)))
    # Picked once (materialised too): as `id IN (SELECT … LIMIT … SKIP LOCKED)`,
    # PostgreSQL may run the subquery again for every row, each time skipping the rows it
    # just locked, and lease the whole backlog.
    urgent = _urgent_chats()
    picked = (
        select(c.id)
        .select_from(table.outerjoin(urgent, and_(urgent.c.channel == c.channel,
                                                  urgent.c.chat_id == c.chat_id)))
        .where(due)
        .order_by(case((c.id <= urgent.c.last_id, urgent.c.top), else_=c.priority).desc(), c.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(of=table, skip_locked=True)
        .cte("picked").prefix_with("MATERIALIZED")
    )
    return (
        update(table)
        .where(c.id.in_(select(picked.c.id)))
        .values(claimed_by=bindparam("token"),
                claimed_until=bindparam("until", type_=c.claimed_until.type))
        .returning(*(c[field.name] for field in fields(Leased)))
    )


@built_once
def _mark_sent_statements() -> tuple[Any, Any]:
    table = table_of(OutboxMessage)
    sent = {"status": OUTBOX_SENT, "claimed_until": None, "attempts": table.c.attempts + 1,
            "sent_at": bindparam("now", type_=table.c.sent_at.type)}
    one_by_one = update(table).where(table.c.id == bindparam("row_id")).values(
        **sent, sent_message_id=bindparam("platform_id"))
    rows = func.unnest(
        bindparam("ids", type_=postgresql.ARRAY(Integer)),
        bindparam("platform_ids", type_=postgresql.ARRAY(String)),
    ).table_valued("row_id", "platform_id").render_derived(name="sent")
    arrays = update(table).where(table.c.id == rows.c.row_id).values(
        **sent, sent_message_id=rows.c.platform_id)
    return one_by_one, arrays


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, channel: str, chat_id: str, **message: Any) -> OutboxMessage:
        """Queue a message (`message_values`); its row is written with the session's next
        flush."""
        row = OutboxMessage(**message_values(channel, chat_id, **message))
        self.session.add(row)  # written with the next flush: a reply's rows go in one INSERT
        return row

    async def store_blob(self, data: bytes, mime: str | None = None) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if await self.session.get(Blob, digest) is None:
            self.session.add(Blob(sha256=digest, data=data, mime=mime))
            await self.session.flush()
        return digest

    async def blob(self, digest: str) -> bytes | None:
        row = await self.session.get(Blob, digest)
        return row.data if row else None

    async def channel_file_id(self, channel: str, digest: str) -> str | None:
        row = await self.session.get(ChannelFile, (channel, digest))
        return row.file_id if row else None

    async def remember_file_id(self, channel: str, digest: str, file_id: str) -> None:
        values = {"channel": channel, "sha256": digest, "file_id": file_id}
        insert = insert_for(self.session)
        await self.session.execute(
            insert(ChannelFile).values(**values).on_conflict_do_nothing()
        )

    async def claim(self, worker: str, *, limit: int = 50,
                    channels: tuple[str, ...] | None = None) -> list[Leased]:
        """Lease up to `limit` due rows, most urgent first, for this worker.

        Each call leases under its own token, so two passes never share rows, and a row waits
        while an earlier row of its chat is leased elsewhere or waiting to be retried, so each
        chat receives its messages in order. The rows come back as plain values, not ORM
        objects: the sender only reads them.
        """
        now = utcnow()
        params: dict[str, Any] = {
            "now": now, "until": now + LEASE, "limit": limit,
            "token": f"{worker}:{uuid.uuid4().hex[:12]}"}
        if channels:
            params["channels"] = list(channels)
        connection = await self.session.connection()
        result = await connection.execute(_claim_statement(bool(channels)), params)
        return sorted((Leased(*row) for row in result), key=lambda row: (-row.priority, row.id))

    async def mark_sent(self, sent: list[tuple[int, str | None]]) -> None:
        """Mark rows sent, given (row id, the platform's message id): one statement for all
        (on PostgreSQL one set of parameters too, the ids and message ids as arrays: a
        hundred sets cost the event loop milliseconds at the end of every sender pass)."""
        if not sent:
            return
        one_by_one, arrays = _mark_sent_statements()
        connection = await self.session.connection()
        if connection.dialect.name == "postgresql":
            ids, platform_ids = zip(*sent, strict=True)
            await connection.execute(arrays, {
                "now": utcnow(), "ids": list(ids), "platform_ids": list(platform_ids)})
        else:
            await connection.execute(one_by_one, [
                {"now": utcnow(), "row_id": row_id, "platform_id": platform_id}
                for row_id, platform_id in sent])

    async def mark_failed(self, message_id: int, error: str) -> None:
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id)
            .values(status=OUTBOX_FAILED, last_error=redact(error)[:1000], claimed_until=None,
                    attempts=OutboxMessage.attempts + 1)
        )

    async def retry_later(self, row: Leased, delay: float, error: str) -> bool:
        """Put the row (and the chat's later rows, to keep order) back after `delay` seconds.

        Returns False, and fails the row, once it has used up its attempts."""
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await self.mark_failed(row.id, f"gave up after {MAX_ATTEMPTS} attempts: {error}")
            return False
        await self.defer(row, delay)
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row.id)
            .values(last_error=redact(error)[:1000], attempts=OutboxMessage.attempts + 1)
        )
        return True

    async def defer(self, row: Leased, delay: float) -> datetime:
        """Put the row and the chat's later rows back for `delay` seconds (a chat at its
        rate limit), without counting an attempt; return when they are due again."""
        when = utcnow() + timedelta(seconds=delay)
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == row.channel, OutboxMessage.chat_id == row.chat_id,
                   OutboxMessage.status == OUTBOX_PENDING, OutboxMessage.id >= row.id,
                   OutboxMessage.next_attempt_at < when)
            .values(next_attempt_at=when, claimed_until=None)
        )
        return when

    async def release(self, ids: list[int]) -> None:
        if ids:
            await self.session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                .values(claimed_until=None, claimed_by=None)
            )

    async def chat_gone(self, channel: str, chat_id: str, reason: str) -> int:
        """Mark the chat inactive and fail its pending rows; return how many were dropped."""
        await self.session.execute(
            update(Chat).where(Chat.channel == channel, Chat.chat_id == chat_id)
            .values(active=False, inactive_reason=reason[:255])
        )
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
                   OutboxMessage.status == OUTBOX_PENDING)
            .values(status=OUTBOX_FAILED, last_error=redact(reason)[:1000], claimed_until=None)
        )
        return affected(result)

    async def pending_count(self) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status == OUTBOX_PENDING)
        ) or 0
