"""The unit of work: all or nothing; the plain statements of the path every update takes."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, func, insert, select

from services.chats import Chats
from services.conversations import Conversations, ConversationState
from services.db import Database, utcnow
from services.models import (
    OUTBOX_PENDING,
    OUTBOX_SENT,
    Chat,
    Commune,
    Conversation,
    OutboxMessage,
    User,
)
from services.outbox import Outbox, message_values
from services.update_path import (
    insert_loaded,
    insert_messages,
    load_parties,
    record_update,
    save_state,
)
from services.users import Users


async def communes(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Commune)) or 0


async def test_a_failed_transaction_leaves_nothing_and_the_next_one_works(db: Database) -> None:
    before = await communes(db)

    async def fail_half_way() -> None:
        async with db.transaction() as session:
            session.add(Commune(code="X1", name="Xã Một"))
            await session.flush()                       # written, then undone
            raise RuntimeError("the handler failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        await fail_half_way()
    assert await communes(db) == before
    async with db.transaction() as session:
        session.add(Commune(code="X1", name="Xã Một"))
    assert await communes(db) == before + 1


async def test_updates_of_one_conversation_wait_for_each_other(database_url: str) -> None:
    """The statement recording an update takes the conversation's lock: a second replica's
    update of the same conversation waits for the first to commit, then reads what it wrote.
    (SQLite has one writing process, whose transactions take turns.)"""
    one = Database(database_url)
    two = one if one.is_sqlite else Database(database_url)
    holding, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with one.transaction() as session:
            assert await record_update(session, "telegram", "u:1", lock="conv:a")
            session.add(Commune(code="A", name="Xã A"))
            await session.flush()
            holding.set()
            await release.wait()

    async def second(lock: str) -> int:
        await holding.wait()
        async with two.transaction() as session:
            assert await record_update(session, "telegram", f"u:{lock}", lock=lock)
            return await session.scalar(
                select(func.count()).select_from(Commune).where(Commune.code == "A")) or 0

    try:
        held = asyncio.create_task(first())
        waiting = asyncio.create_task(second("conv:a"))
        await holding.wait()
        if not one.is_sqlite:   # another conversation's update does not wait
            assert await asyncio.wait_for(second("conv:b"), 5) == 0
        await asyncio.sleep(0.3)
        assert not waiting.done()
        release.set()
        await held
        assert await asyncio.wait_for(waiting, 5) == 1
    finally:
        await one.dispose()
        await two.dispose()


async def test_sqlite_waits_for_another_process_writing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Another writer (a CLI command beside the bot) holds the file's write lock for a moment:
    the bot's write waits for it (busy timeout), then lands."""
    path = tmp_path / "shared.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(Commune.__table__.create)
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO communes (code, name, district, province, timezone, "
                      "settings, is_demo, created_at) VALUES ('K', 'Khác', '', '', 'UTC', '{}', "
                      "0, '2026-01-01 00:00:00')")
        timer = threading.Timer(0.3, lambda: other.execute("COMMIT"))
        timer.start()
        async with db.transaction() as session:
            session.add(Commune(code="B", name="Xã của bot"))
        timer.join()
        other.close()
        async with db.transaction() as session:
            codes = sorted(await session.scalars(select(Commune.code)))
        assert codes == ["B", "K"]
    finally:
        await db.dispose()


async def test_a_claim_leases_at_most_its_limit_however_many_rows_wait(db: Database) -> None:
    """A broadcast's backlog on a table whose statistics are not fresh yet: the lease takes
    `limit` rows, and every leased row is one the sender was given (PostgreSQL once leased
    the whole backlog: its IN (… LIMIT … FOR UPDATE SKIP LOCKED) was run again per row)."""
    now = utcnow()
    rows = [{"channel": "telegram", "chat_id": str(100_000 + i), "kind": "text",
             "payload": {"text": "Thông báo", "buttons": []}, "priority": 0,
             "status": OUTBOX_SENT if i % 4 else OUTBOX_PENDING, "attempts": 0,
             "next_attempt_at": now, "created_at": now} for i in range(6000)]
    async with db.transaction() as session:
        await session.execute(insert(OutboxMessage), rows)
    async with db.transaction() as session:
        claimed = await Outbox(session).claim("sender-a", limit=100)
    async with db.transaction() as session:
        leased = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.claimed_by.is_not(None)))
    assert len(claimed) == 100 and leased == 100
    assert [row.id for row in claimed] == sorted(row.id for row in claimed)


async def test_a_claim_keeps_each_chat_in_order_behind_a_leased_or_deferred_row(
        db: Database) -> None:
    now = utcnow()
    later, lease = now + timedelta(minutes=5), now + timedelta(seconds=60)
    plan = [("A", later, None), ("A", now, None), ("A", now, None),   # the first waits a retry
            ("B", now, lease), ("B", now, None),                      # the first is being sent
            ("C", now, None), ("C", later, None), ("C", now, None),   # free before its blocker
            ("D", now, None), ("D", now, None)]
    async with db.transaction() as session:
        rows = [OutboxMessage(channel="telegram", chat_id=chat, kind="text",
                              payload={"text": f"tin {n}"}, next_attempt_at=due,
                              claimed_until=claimed, claimed_by="other" if claimed else None)
                for n, (chat, due, claimed) in enumerate(plan)]
        session.add_all(rows)
    async with db.transaction() as session:
        claimed = await Outbox(session).claim("sender-a", limit=100)
    assert [(row.chat_id, row.payload["text"]) for row in claimed] == [
        ("C", "tin 5"), ("D", "tin 8"), ("D", "tin 9")]


def count_statements(db: Database) -> list[str]:
    """The statements the database is sent from now on (BEGIN and COMMIT aside)."""
    sent: list[str] = []

    def note(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(statement.split()[0])

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    return sent


async def test_new_rows_written_by_statements_are_loaded_objects_of_the_session(
        db: Database) -> None:
    """`insert_loaded`: a new user and chat are written at once (one statement on
    PostgreSQL), with their defaults; the session then treats them as read from the database:
    nothing more is written for them, and a later change is."""
    sent = count_statements(db)
    async with db.transaction() as session:
        user = Users.new("telegram", "701", language="en")
        chat = Chats.new("telegram", "701", title="An")
        await insert_loaded(session, user, chat)
        assert sent == (["WITH"] if not db.is_sqlite else ["INSERT", "INSERT"])
        assert user.id and chat.id and user in session and not session.dirty
        assert (user.role, user.onboarded, user.language, chat.active) == \
            ("citizen", False, "en", True)
        assert abs(user.last_seen_at - user.created_at) < timedelta(seconds=1)
        await session.flush()
        assert len(sent) == (1 if not db.is_sqlite else 2)      # nothing to write again
        user.onboarded = True
    assert sent[-1] == "UPDATE"
    async with db.transaction() as session:
        stored = await session.get(User, user.id)
        assert stored is not None and (stored.external_id, stored.onboarded) == ("701", True)
        assert (await session.get(Chat, chat.id)).title == "An"  # type: ignore[union-attr]


async def test_the_state_and_the_replies_of_an_update_are_saved_together(db: Database) -> None:
    """`save_state`: one statement on PostgreSQL; the replies keep their order; a
    conversation erased meanwhile is not brought back, while its replies still go."""
    sent = count_statements(db)
    texts = ["một", "hai", "ba"]
    async with db.transaction() as session:
        state = ConversationState("telegram", "702", "702", flow="onboarding", step="language",
                                  data={"payload": "fb"}, choices=[["Một", "x:1"]])
        await save_state(session, state, utcnow(), [
            message_values("telegram", "702", text=text) for text in texts])
        assert len(sent) == (1 if not db.is_sqlite else 2)
    async with db.transaction() as session:
        _, _, loaded = await load_parties(session, "telegram", "702", "702")
        assert (loaded.flow, loaded.step, loaded.data, loaded.choices) == \
            ("onboarding", "language", {"payload": "fb"}, [["Một", "x:1"]])
        rows = list(await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == "702").order_by(OutboxMessage.id)))
        assert [r.payload["text"] for r in rows] == texts
        assert {r.status for r in rows} == {OUTBOX_PENDING}
        loaded.step = "commune"
        await session.execute(delete(Conversation).where(Conversation.id == loaded.id))
        await save_state(session, loaded, utcnow(), [
            message_values("telegram", "702", text="bốn")])
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


async def test_a_pass_marks_its_sent_rows_in_one_statement(db: Database) -> None:
    async with db.transaction() as session:
        await insert_messages(session, [message_values("telegram", f"8{n}", text=f"tin {n}")
                                      for n in range(4)])
    async with db.transaction() as session:
        claimed = await Outbox(session).claim("sender-a", limit=3)
    sent = count_statements(db)
    async with db.transaction() as session:
        await Outbox(session).mark_sent([(row.id, f"m-{row.chat_id}") for row in claimed])
    assert sent == ["UPDATE"]
    async with db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.status, r.sent_message_id, r.attempts, r.claimed_until is None) for r in rows] == [
        (OUTBOX_SENT, "m-80", 1, True), (OUTBOX_SENT, "m-81", 1, True),
        (OUTBOX_SENT, "m-82", 1, True), (OUTBOX_PENDING, None, 0, True)]
    assert all(r.sent_at is not None for r in rows[:3])


async def test_a_new_state_takes_over_a_row_written_earlier_in_the_same_update(
        db: Database) -> None:
    """A handler may write the conversation first (a survey sent to the official who
    publishes it notes its choices): the update's own state then takes that row over."""
    async with db.transaction() as session:
        conversations = Conversations(session)
        _, _, state = await load_parties(session, "telegram", "703", "703")
        (await conversations.load("telegram", "703", "703")).choices = [["Có", "sv:1"]]
        await session.flush()
        state.flow, state.choices = "survey", [["Một", "sv:a:1"]]
        await save_state(session, state, utcnow(), [message_values("telegram", "703", text="?")])
    async with db.transaction() as session:
        rows = list(await session.scalars(select(Conversation)))
    assert [(r.chat_id, r.flow, r.choices) for r in rows] == [
        ("703", "survey", [["Một", "sv:a:1"]])]


def test_statements_of_the_update_path_are_built_once_per_shape() -> None:
    """`built_once`: the same dialect and shape give the very statement built before (it
    keeps its compiled form in SQLAlchemy's cache); another shape gets its own."""
    from services import update_path
    from services.outbox import _claim_statement

    columns = ("channel", "chat_id")
    assert update_path._saved_with(True, 2, columns) is update_path._saved_with(True, 2, columns)
    assert update_path._saved_with(True, 3, columns) is not \
        update_path._saved_with(True, 2, columns)
    assert update_path._record_statement("postgresql", True) is \
        update_path._record_statement("postgresql", True)
    assert update_path._record_statement("sqlite", False) is not \
        update_path._record_statement("postgresql", False)
    assert _claim_statement(True) is _claim_statement(True)
