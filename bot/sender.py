"""Sends outbox rows through their channels within the platforms' rate limits.

Rows are leased (so replicas never send one row at the same time), sent in order per chat,
each recorded as sent as soon as the platform has answered, retried after `retry_after` on
429 and with backoff on network errors, and a 403 marks the chat inactive. A row leased by a
process that died is sent again when its lease runs out; as no more than `MAX_IN_FLIGHT`
sends are ever started and not yet recorded, a crash sends at most that many twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Channel, ChatGone, Outgoing, Rejected, RetryLater, Sent
from bot.rates import Gate, Limit, Rank, SlidingWindow, TokenBucket
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
WAIT_IN_PASS = 2.0
"""A chat whose limit would hold its next row longer than this (a group that had its 20
messages this minute) is put back until then, instead of holding the pass and its lease."""
MAX_IN_FLIGHT = 3
"""Sends started and not yet recorded, at most: what a crash may send twice. At 30 a second
about one is, a send and its record taking ~15 ms of the 33 between two; three leave room
for a slower answer without slowing the window."""
LOW_WATER = 150
"""Lease the next rows when fewer than this many leased rows wait to start: five seconds of
sending at 30 a second. Behind a burst of updates a lease waited for one of the pool's
connections up to 6 s (1,000 updates at once, the machine's two cores busy), and the window
stood idle whenever the rows ran out first."""
KEEP_CHAT_LIMITS = 1000
"""Above this many per-chat limits, idle ones are dropped after a pass (one per citizen ever
written to would grow without end)."""


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
        self._wake = asyncio.Event()
        self._stopping = False
        self._overall: dict[str, Gate] = {}
        self._per_chat: dict[tuple[str, str], Limit] = {}
        self._unstarted: set[int] = set()
        """Leased rows of the passes in progress not yet started."""
        self._low = asyncio.Event()
        self._passes = 0
        self.recorders: list[Recorder] = []
        self.outcome_hooks: list[OutcomeHook] = []

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the passes in progress, then leave `run`."""
        self._stopping = True
        self._wake.set()
        self._low.set()

    async def run(self) -> None:
        """Send until stopped, waking on new rows or every `poll_interval`.

        The next rows are leased while the last ones are still being sent, as soon as fewer
        than `LOW_WATER` wait to start, so that a lease waiting for the database does not leave
        the bot's window idle.
        """
        passes: set[asyncio.Task[int]] = set()
        while not self._stopping:
            try:
                rows = await self._lease(tuple(self.channels))
            except Exception:
                log.exception("sender lease failed")
                rows = []
            if rows:
                task = asyncio.create_task(self._send_pass(*self._plan(rows)))
                passes.add(task)
                task.add_done_callback(self._pass_ended(passes))
                while len(self._unstarted) > LOW_WATER and not self._stopping:
                    self._low.clear()
                    await self._low.wait()
            elif not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                self._wake.clear()
        await asyncio.gather(*passes, return_exceptions=True)

    def _pass_ended(self, passes: set[asyncio.Task[int]]
                    ) -> Callable[[asyncio.Task[int]], None]:
        def ended(task: asyncio.Task[int]) -> None:
            passes.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.error("sender pass failed", exc_info=task.exception())
        return ended

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
        """Lease due rows and send them; return how many were handled."""
        rows = await self._lease(channels or tuple(self.channels))
        return await self._send_pass(*self._plan(rows)) if rows else 0

    async def _lease(self, channels: tuple[str, ...]) -> list[Leased]:
        """A pass's rows; a stale pooled connection (the database restarted) is replaced
        rather than failing the pass."""
        return await self.db.run(
            lambda session: Outbox(session).claim(self.worker_id, limit=self.batch_size,
                                                  channels=channels), first=True)

    def _plan(self, rows: list[Leased]) -> tuple[list[list[Leased]], list[Leased]]:
        """A pass's rows by chat (chats by their most urgent row, each chat's rows in their
        order), up to `PER_CHAT_PASS` of each; and the rest, to put back."""
        by_chat: dict[tuple[str, str], list[Leased]] = defaultdict(list)
        for row in rows:
            by_chat[(row.channel, row.chat_id)].append(row)
        chats = [sorted(chat_rows, key=lambda row: row.id) for chat_rows in by_chat.values()]
        sending = [chat_rows[:PER_CHAT_PASS] for chat_rows in chats]
        self._unstarted.update(row.id for chat_rows in sending for row in chat_rows)
        return sending, [row for chat_rows in chats for row in chat_rows[PER_CHAT_PASS:]]

    async def _send_pass(self, chats: list[list[Leased]], later: list[Leased]) -> int:
        self._passes += 1
        try:
            if later:  # a chat's backlog waits for the next pass rather than outliving its lease
                async with self._transaction() as session:
                    await Outbox(session).release([row.id for row in later])
            await asyncio.gather(*(
                self._send_chat(chat_rows, (-chat_rows[0].priority, self._passes, index))
                for index, chat_rows in enumerate(chats)))
        finally:
            self._started(row.id for chat_rows in chats for row in chat_rows)
        if len(self._per_chat) > KEEP_CHAT_LIMITS:
            self._forget_idle_chats()
        for group_key in {row.group_key for chat_rows in chats for row in chat_rows
                          if row.group_key}:
            for hook in self.progress_hooks:
                try:
                    await hook(group_key)
                except Exception:
                    log.exception("progress hook failed for %s", group_key)
        return sum(map(len, chats))

    def _started(self, ids: Iterable[int]) -> None:
        """These rows are no longer waiting to start (sent, put back or given up)."""
        self._unstarted.difference_update(ids)
        if len(self._unstarted) <= LOW_WATER:
            self._low.set()

    async def _send_chat(self, rows: list[Leased], rank: Rank) -> None:
        """Send a chat's rows in order; `rank` (its most urgent row's priority, then the
        pass and the chat's place in it) orders them at the bot's window."""
        try:
            for index, row in enumerate(rows):
                if not await self._send_one(row, rank):
                    async with self._transaction() as session:
                        await Outbox(session).release([r.id for r in rows[index + 1:]])
                    return
        finally:
            self._started(row.id for row in rows)

    async def _send_one(self, row: Leased, rank: Rank) -> bool:
        """Send a row and record it; False when the chat's later rows must wait."""
        channel = self.channels.get(row.channel)
        if channel is None:
            async with self._transaction() as session:
                await Outbox(session).mark_failed(row.id, f"no channel {row.channel!r}")
            self._count("failed", row)
            return True
        chat_limit = self._chat_limit(channel, row.chat_id)
        wait = chat_limit.delay(time.monotonic())
        if wait > WAIT_IN_PASS:
            async with self._transaction() as session:
                await Outbox(session).defer(row, wait)
            return False
        if wait:
            await asyncio.sleep(wait)
        chat_limit.start(time.monotonic())
        try:
            async with self._gate(channel).slot(rank):
                self._started((row.id,))
                sent = await channel.send(await self._prepare(row))
                self._count("sent", row)
                # Recorded before the send leaves the window, which lets only
                # `MAX_IN_FLIGHT` be sent and not yet recorded: all a crash may send twice.
                return await self._record(row, sent)
        except RetryLater as error:
            self._count("retried_429" if error.too_many else "retried", row)
            log.info("outbox %s: retry in %.1fs (%s)", row.id, error.seconds, error)
            async with self._transaction() as session:
                await Outbox(session).retry_later(row, error.seconds, str(error))
            return False
        except ChatGone as error:
            self._count("blocked", row)
            log.info("chat %s:%s gone: %s", row.channel, row.chat_id, error)
            async with self._transaction() as session:
                await Outbox(session).chat_gone(row.channel, row.chat_id, str(error))
            return False
        except Rejected as error:
            self._count("failed", row)
            log.warning("outbox %s rejected: %s", row.id, error)
            async with self._transaction() as session:
                await Outbox(session).mark_failed(row.id, str(error))
            return True
        except Exception as error:  # a bug or an unexpected answer: back off and retry
            self._count("error", row)
            log.exception("outbox %s failed", row.id)
            async with self._transaction() as session:
                await Outbox(session).retry_later(row, 2.0 ** min(row.attempts, 8), repr(error))
            return False
        finally:
            chat_limit.done(time.monotonic())

    def _count(self, outcome: str, row: Leased) -> None:
        for hook in self.outcome_hooks:
            hook(outcome, row)

    def _transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The sender's transactions go ahead of the updates' (`Database.transaction`)."""
        return self.db.transaction(first=True)

    async def _record(self, row: Leased, sent: Sent) -> bool:
        """Mark one sent row at once: what a crash leaves unmarked (and sends again) is only
        what was in flight. One small transaction a send (at most 30 a second) instead of
        one a pass."""
        try:
            async with self._transaction() as session:
                outbox = Outbox(session)
                await outbox.mark_sent([(row.id, sent.message_id)])
                digest = (row.payload.get("attachment") or {}).get("sha256")
                if sent.file_id and digest:
                    await outbox.remember_file_id(row.channel, digest, sent.file_id)
                for recorder in self.recorders:
                    await recorder(session, [(row, sent)])
        except Exception:  # the row stays leased and goes again when its lease runs out
            log.exception("outbox %s sent but not recorded", row.id)
            return False
        return True

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
            async with self._transaction() as session:
                outbox = Outbox(session)
                message.file_id = await outbox.channel_file_id(row.channel, digest)
                if message.file_id is None:
                    message.data = await outbox.blob(digest)
        return message

    def _gate(self, channel: Channel) -> Gate:
        """The bot's window: never more than its limit started within any second, spread
        evenly over the second (a clump of sends would also be a clump in flight), at most
        `MAX_IN_FLIGHT` not yet recorded."""
        if channel.name not in self._overall:
            per_s = channel.limits.overall_per_s
            self._overall[channel.name] = Gate(SlidingWindow(
                int(per_s), 1.0, spacing=1.0 / per_s, in_flight=MAX_IN_FLIGHT))
        return self._overall[channel.name]

    def _forget_idle_chats(self) -> None:
        now = time.monotonic()
        for key in [key for key, limit in self._per_chat.items() if limit.idle(now)]:
            del self._per_chat[key]

    def _chat_limit(self, channel: Channel, chat_id: str) -> Limit:
        key = (channel.name, chat_id)
        if key not in self._per_chat:
            limits = channel.limits
            self._per_chat[key] = (
                SlidingWindow(int(limits.group_per_min), 60.0)
                if channel.is_group(chat_id)
                else TokenBucket(limits.private_per_s, limits.private_burst)
            )
        return self._per_chat[key]
