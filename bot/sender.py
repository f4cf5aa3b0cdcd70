"""Sends outbox rows through their channels within the platforms' rate limits.

Rows are leased (so replicas never send one row at the same time), sent in order per chat,
retried after `retry_after` on 429 and with backoff on network errors, and a 403 marks the
chat inactive. A row leased by a process that died is sent again when its lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import (
    Channel,
    ChatGone,
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    Sent,
)
from services.db import Database
from services.outbox import Leased, Outbox

log = logging.getLogger(__name__)
ProgressHook = Callable[[str], Awaitable[None]]
Recorder = Callable[[AsyncSession, list[tuple[Leased, Sent]]], Awaitable[None]]
"""Writes what a feature keeps of its sent rows (a poll's platform id), in the transaction
that marks them sent."""
OutcomeHook = Callable[[str, Leased], None]
"""Told of each row handled: sent, retried_429, retried, blocked, failed or error."""
PER_CHAT_PASS = 5
"""Rows of one chat sent in one pass: a chat's backlog must not outlive the lease."""
KEEP_CHAT_BUCKETS = 1000
"""Above this many per-chat buckets, idle ones are dropped after a pass (a bucket per citizen
ever written to would grow without end)."""


class TokenBucket:
    """`rate` tokens a second up to `burst`; `take()` waits for one."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)

    def idle(self, now: float) -> bool:
        """Full again and unused: dropping it changes nothing."""
        return not self.lock.locked() \
            and self.tokens + (now - self.stamp) * self.rate >= self.burst


class Sender:
    def __init__(self, db: Database, channels: dict[str, Channel], *,
                 worker_id: str | None = None, batch_size: int = 100,
                 poll_interval: float = 1.0) -> None:
        self.db = db
        self.channels = channels
        self.worker_id = worker_id or f"sender-{uuid.uuid4().hex[:8]}"
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.progress_hooks: list[ProgressHook] = []
        self.recorders: list[Recorder] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._overall: dict[str, TokenBucket] = {}
        self._per_chat: dict[tuple[str, str], TokenBucket] = {}
        self.outcome_hooks: list[OutcomeHook] = []

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the pass in progress, then leave `run`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Send until stopped, waking on new rows or every `poll_interval`."""
        while not self._stopping:
            try:
                sent = await self.send_due()
            except Exception:
                log.exception("sender pass failed")
                sent = 0
            if not sent and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                self._wake.clear()

    async def drain(self, channels: tuple[str, ...] | None = None, *,
                    timeout: float = 30.0) -> int:
        """Send every due row now (tests and the console); return how many were handled."""
        total = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            handled = await self.send_due(channels)
            if not handled:
                break
            total += handled
        return total

    async def send_due(self, channels: tuple[str, ...] | None = None) -> int:
        channels = channels or tuple(self.channels)
        async with self.db.transaction() as session:
            rows = await Outbox(session).claim(self.worker_id, limit=self.batch_size,
                                               channels=channels)
        if not rows:
            return 0
        by_chat: dict[tuple[str, str], list[Leased]] = defaultdict(list)
        for row in rows:
            by_chat[(row.channel, row.chat_id)].append(row)
        later = [row.id for chat_rows in by_chat.values() for row in chat_rows[PER_CHAT_PASS:]]
        if later:  # a chat's backlog waits for the next pass rather than outliving its lease
            async with self.db.transaction() as session:
                await Outbox(session).release(later)
        delivered: list[tuple[Leased, Sent]] = []
        await asyncio.gather(*(self._send_chat(chat_rows[:PER_CHAT_PASS], delivered)
                               for chat_rows in by_chat.values()))
        await self._record(delivered)
        if len(self._per_chat) > KEEP_CHAT_BUCKETS:
            self._forget_idle_chats()
        for group_key in {row.group_key for row in rows if row.group_key}:
            for hook in self.progress_hooks:
                try:
                    await hook(group_key)
                except Exception:
                    log.exception("progress hook failed for %s", group_key)
        return len(rows) - len(later)

    async def _record(self, delivered: list[tuple[Leased, Sent]]) -> None:
        """Mark a pass's sent rows in one transaction."""
        if not delivered:
            return
        async with self.db.transaction() as session:
            outbox = Outbox(session)
            await outbox.mark_sent([(row.id, sent.message_id) for row, sent in delivered])
            for row, sent in delivered:
                digest = (row.payload.get("attachment") or {}).get("sha256")
                if sent.file_id and digest:
                    await outbox.remember_file_id(row.channel, digest, sent.file_id)
            for recorder in self.recorders:
                await recorder(session, delivered)

    async def _send_chat(self, rows: list[Leased],
                         delivered: list[tuple[Leased, Sent]]) -> None:
        for index, row in enumerate(rows):
            if not await self._send_one(row, delivered):
                async with self.db.transaction() as session:
                    await Outbox(session).release([r.id for r in rows[index + 1:]])
                return

    async def _send_one(self, row: Leased,
                        delivered: list[tuple[Leased, Sent]]) -> bool:
        """Send a row; False when the chat's later rows must wait."""
        channel = self.channels.get(row.channel)
        if channel is None:
            async with self.db.transaction() as session:
                await Outbox(session).mark_failed(row.id, f"no channel {row.channel!r}")
            self._count("failed", row)
            return True
        message = await self._prepare(row)
        await self._bucket(channel).take()
        await self._chat_bucket(channel, row.chat_id).take()
        try:
            sent = await channel.send(message)
        except RetryLater as error:
            self._count("retried_429" if error.too_many else "retried", row)
            log.info("outbox %s: retry in %.1fs (%s)", row.id, error.seconds, error)
            async with self.db.transaction() as session:
                await Outbox(session).retry_later(row, error.seconds, str(error))
            return False
        except ChatGone as error:
            self._count("blocked", row)
            log.info("chat %s:%s gone: %s", row.channel, row.chat_id, error)
            async with self.db.transaction() as session:
                await Outbox(session).chat_gone(row.channel, row.chat_id, str(error))
            return False
        except Rejected as error:
            self._count("failed", row)
            log.warning("outbox %s rejected: %s", row.id, error)
            async with self.db.transaction() as session:
                await Outbox(session).mark_failed(row.id, str(error))
            return True
        except Exception as error:  # a bug or an unexpected answer: back off and retry
            self._count("error", row)
            log.exception("outbox %s failed", row.id)
            async with self.db.transaction() as session:
                await Outbox(session).retry_later(row, 2.0 ** min(row.attempts, 8), repr(error))
            return False
        self._count("sent", row)
        delivered.append((row, sent))
        return True

    def _count(self, outcome: str, row: Leased) -> None:
        for hook in self.outcome_hooks:
            hook(outcome, row)

    async def _prepare(self, row: Leased) -> Outgoing:
        payload = row.payload
        attachment = payload.get("attachment") or {}
        poll = payload.get("poll") or {}
        message = Outgoing(
            id=row.id, chat_id=row.chat_id, kind=row.kind, text=payload.get("text"),
            buttons=payload.get("buttons") or [], file_id=attachment.get("file_id"),
            url=attachment.get("url"), filename=attachment.get("filename", "file"),
            mime=attachment.get("mime"), duration=attachment.get("duration"),
            edit_message_id=payload.get("edit_message_id"), pin=bool(payload.get("pin")),
            silent=bool(payload.get("silent")), options=list(poll.get("options") or []),
            anonymous=bool(poll.get("anonymous")),
        )
        digest = attachment.get("sha256")
        if digest and not message.file_id:
            async with self.db.transaction() as session:
                outbox = Outbox(session)
                message.file_id = await outbox.channel_file_id(row.channel, digest)
                if message.file_id is None:
                    message.data = await outbox.blob(digest)
        return message

    def _bucket(self, channel: Channel) -> TokenBucket:
        limits: Limits = channel.limits
        if channel.name not in self._overall:
            self._overall[channel.name] = TokenBucket(limits.overall_per_s, limits.overall_per_s)
        return self._overall[channel.name]

    def _forget_idle_chats(self) -> None:
        now = time.monotonic()
        for key in [key for key, bucket in self._per_chat.items() if bucket.idle(now)]:
            del self._per_chat[key]

    def _chat_bucket(self, channel: Channel, chat_id: str) -> TokenBucket:
        key = (channel.name, chat_id)
        if key not in self._per_chat:
            limits = channel.limits
            self._per_chat[key] = (
                TokenBucket(limits.group_per_min / 60.0, limits.group_burst)
                if channel.is_group(chat_id)
                else TokenBucket(limits.private_per_s, limits.private_burst)
            )
        return self._per_chat[key]
