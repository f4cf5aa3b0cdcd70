"""Delivery within Telegram's limits and across a crash: the sender against the fake Bot API
enforcing the flood limits (a sliding second for the bot, a sliding minute per group), an
emergency notice ahead of a backlog, and a pass killed between a send and its record."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.channels.base import Channel, Limits, Outgoing, Sent
from bot.sender import MAX_IN_FLIGHT, Sender
from handlers.notices import PickMode, PickPriority, PickTargets, Targets
from handlers.types import Incoming
from services.db import SerialLock, utcnow
from services.models import OutboxMessage
from services.notices.actions import ConfirmNotice
from services.outbox import Outbox
from tests.fakes.telegram_api import FakeTelegramAPI, RateLimits
from tests.helpers import console_app, session, settings_for
from tests.test_notices_flow import set_up, to_groups

GROUP = -1001234567890



@contextlib.asynccontextmanager
async def telegram_without_sender(database_url: str, fake: FakeTelegramAPI
                                  ) -> AsyncIterator[App]:
    """The real app and Telegram channel, with no sender running: the test runs passes."""
    app = App(settings_for(database_url, telegram_bot_token=fake.token,
                           telegram_api_base_url=fake.url))
    await app.start(serve_http=False, sender=False, scheduler=False)
    try:
        yield app
    finally:
        await app.stop()


async def queue(app: App, messages: list[tuple[int, str]]) -> None:
    async with app.db.transaction() as session:
        for chat, text in messages:
            await Outbox(session).enqueue("telegram", str(chat), text=text)


async def test_a_burst_beyond_thirty_goes_out_without_a_429(database_url: str) -> None:
    async with FakeTelegramAPI(rate_limits=RateLimits()) as fake, \
            telegram_without_sender(database_url, fake) as app:
        await queue(app, [(5000 + n, f"tin {n}") for n in range(45)])
        assert await app.sender.drain() == 45
        sends = fake.calls_of("sendMessage")
        assert fake.stats.rate_limited == 0
        assert len(sends) == 45 and all(call.ok for call in sends)


async def test_a_group_gets_twenty_a_minute_and_the_rest_waits(database_url: str) -> None:
    async with FakeTelegramAPI(rate_limits=RateLimits()) as fake, \
            telegram_without_sender(database_url, fake) as app:
        await queue(app, [(GROUP, f"thông báo {n}") for n in range(25)])
        await app.sender.drain()
        assert fake.stats.rate_limited == 0
        assert [c.params["text"] for c in fake.sent_to(GROUP)] == \
            [f"thông báo {n}" for n in range(20)]
        async with app.db.transaction() as session:
            waiting = (await session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == "pending"))).all()
        # put back until the group's minute has room again, without spending an attempt
        assert len(waiting) == 5
        assert all(row.next_attempt_at > utcnow() + timedelta(seconds=50)
                   and row.attempts == 0 and row.claimed_until is None for row in waiting)


async def announce_emergency(app: App, backlog: list[tuple[str, str]]) -> None:
    """An official's emergency notice to both groups, confirmed after `backlog` (chat,
    text) was queued on the console."""
    official = session(app, "official")
    await official.say("/announce")
    await official.say("Lũ về, bà con khẩn trương di dời đến nơi an toàn!")
    await official.press(PickTargets(Targets.WHOLE).pack())
    await official.press(PickPriority("emergency").pack())
    await official.press(PickMode("text").pack())
    async with app.db.transaction() as db_session:
        for chat, text in backlog:
            await Outbox(db_session).enqueue("console", chat, text=text)
    await app.processor.process(Incoming(
        channel="console", update_key="confirm", chat_id="chat-official",
        user_id="official", callback=ConfirmNotice(1).pack()))


ROUTINE = [(f"citizen-{n}", f"trả lời {n}") for n in range(200)]


def is_emergency(text: str) -> bool:
    return "THÔNG BÁO KHẨN" in text


async def test_an_emergency_goes_ahead_of_two_hundred_routine_messages(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        await set_up(app)
        before = len(app.console.shown)
        await announce_emergency(app, ROUTINE)
        await app.sender.drain(("console",))
        shown = app.console.shown[before:]
        emergency = [i for i, m in enumerate(shown)
                     if m.chat_id.startswith("group") and is_emergency(m.text)]
        routine = [i for i, m in enumerate(shown) if m.chat_id.startswith("citizen")]
        assert len(emergency) == 2 and len(routine) == 200
        assert max(emergency) < min(routine)


async def test_an_emergency_takes_its_chats_earlier_rows_ahead_with_it(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        await set_up(app)
        await announce_emergency(app, [*ROUTINE, ("group-east", "tin thường của nhóm")])
        async with app.db.transaction() as db_session:
            leased = await Outbox(db_session).claim("test", limit=3)
            await Outbox(db_session).release([row.id for row in leased])
        assert sorted((row.chat_id, is_emergency(row.payload["text"])) for row in leased) == \
            [("group-all", True), ("group-east", False), ("group-east", True)]
        await app.sender.drain(("console",))
        east = [m.text for m in to_groups(app, "group-east")["group-east"]]
        assert east.index("tin thường của nhóm") == \
            next(i for i, text in enumerate(east) if is_emergency(text)) - 1


class CrashAfter:
    """The Telegram channel, killing the sender's pass as the `n`th message's answer
    arrives: that message is delivered and not yet recorded, as in a `kill -9`."""

    def __init__(self, inner: Channel, n: int) -> None:
        self.inner, self.n = inner, n
        self.name, self.limits = inner.name, inner.limits
        self.answered = 0
        self.pass_task: asyncio.Task[int] | None = None

    def is_group(self, chat_id: str) -> bool:
        return self.inner.is_group(chat_id)

    async def send(self, message: Outgoing) -> Sent:
        sent = await self.inner.send(message)
        self.answered += 1
        if self.answered == self.n and self.pass_task is not None:
            self.pass_task.cancel()
            await asyncio.sleep(3600)
        return sent


async def test_a_crash_between_send_and_record_resends_only_the_one_in_flight(
        database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_without_sender(database_url, fake) as app:
        assert app.telegram is not None
        app.telegram.limits = Limits(private_per_s=1000, private_burst=1000)
        chat = 4242
        await queue(app, [(chat, f"tin {n}") for n in range(5)])
        crashing = CrashAfter(app.telegram, 3)
        dying = Sender(app.db, {"telegram": crashing})
        crashing.pass_task = asyncio.create_task(dying.send_due())
        with pytest.raises(asyncio.CancelledError):
            await crashing.pass_task
        async with app.db.transaction() as session:   # the dead process's lease runs out
            await session.execute(update(OutboxMessage).values(claimed_until=None))
        await Sender(app.db, app.channels).drain()
        texts = [call.params["text"] for call in fake.sent_to(chat)]
        assert texts == ["tin 0", "tin 1", "tin 2", "tin 2", "tin 3", "tin 4"]


async def test_the_senders_transactions_go_ahead_of_those_waiting() -> None:
    """On SQLite's one writer, what the sender sent is recorded ahead of a queue of updates."""
    lock = SerialLock()
    order: list[str] = []

    async def transaction(name: str, first: bool) -> None:
        async with lock.held(first):
            order.append(name)
            await asyncio.sleep(0)

    async with lock.held():
        waiting = [asyncio.create_task(transaction(f"update {n}", False)) for n in range(3)]
        await asyncio.sleep(0)
        waiting.append(asyncio.create_task(transaction("sender", True)))
        await asyncio.sleep(0)
        waiting[1].cancel()   # a cancelled waiter is skipped
    await asyncio.gather(*waiting, return_exceptions=True)
    assert order == ["sender", "update 0", "update 2"]


async def test_a_crash_mid_pass_resends_at_most_the_sends_in_flight(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_without_sender(database_url, fake) as app:
        assert app.telegram is not None
        app.telegram.limits = Limits(overall_per_s=1000)   # many chats, sends close together
        await queue(app, [(6000 + n, f"tin {n}") for n in range(40)])
        crashing = CrashAfter(app.telegram, 20)
        dying = Sender(app.db, {"telegram": crashing})
        crashing.pass_task = asyncio.create_task(dying.send_due())
        with pytest.raises(asyncio.CancelledError):
            await crashing.pass_task
        async with app.db.transaction() as session:
            await session.execute(update(OutboxMessage).values(claimed_until=None))
        await Sender(app.db, app.channels).drain()
        per_chat = [len(fake.sent_to(6000 + n)) for n in range(40)]
        assert min(per_chat) == 1
        assert sum(per_chat) - 40 <= MAX_IN_FLIGHT < 20   # not the 20 sent before the crash
