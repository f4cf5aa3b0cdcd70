"""The path every update takes, in plain (Core) statements rather than the ORM's unit of work.

This is the one place where the serving path leaves the ORM (`docs/architecture.md`, "When
code leaves the ORM"): record the update under its conversation's lock, load the user, chat
and conversation in one query, write a new user or chat, write the state back with the
replies. Each statement is built once per dialect and shape (`built_once`): a built statement
keeps its compiled form in SQLAlchemy's cache, while building one costs about as much as
running it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    inspect,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from services.conversations import ConversationState
from services.db import lock_key, utcnow
from services.models import Chat, Conversation, OutboxMessage, ProcessedUpdate, User

Builder = TypeVar("Builder", bound=Callable[..., Any])


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def built_once(build: Builder) -> Builder:
    """A statement builder whose statements are built once per arguments (the dialect's name,
    the tables, the number of rows…) and reused. Bounded: a rare shape (an update with an
    unusual number of replies) adds an entry, never an unbounded number."""
    return functools.lru_cache(maxsize=256)(build)  # type: ignore[return-value]


async def _dialect(session: AsyncSession) -> tuple[Any, str]:
    connection = await session.connection()
    return connection, connection.dialect.name


# -- 1. record the update, under the conversation's lock ----------------------------------


async def record_update(session: AsyncSession, channel: str, update_key: str, *,
                        lock: str | None = None) -> bool:
    """Record an update; False when it was already recorded (a redelivery).

    With `lock` on PostgreSQL, the same statement first takes the conversation's advisory
    lock (one round trip less for every update); it must then be the transaction's first
    statement, so that the next ones read what the lock's previous holder committed. SQLite
    has one writer and needs no lock."""
    connection, dialect = await _dialect(session)
    locked = lock is not None and dialect == "postgresql"
    values: dict[str, Any] = {"channel": channel, "update_key": update_key,
                              "received_at": utcnow()}
    if locked:
        values["lock_key"] = lock_key(lock)  # type: ignore[arg-type]
    result = await connection.execute(_record_statement(dialect, locked), values)
    return result.first() is not None


@built_once
def _record_statement(dialect: str, locked: bool) -> Any:
    table = _table(ProcessedUpdate)
    columns = ("channel", "update_key", "received_at")
    params = [bindparam(name, type_=table.c[name].type) for name in columns]
    insert_of = pg_insert if dialect == "postgresql" else sqlite_insert
    if locked:
        lock = select(func.pg_advisory_xact_lock(bindparam("lock_key", type_=BigInteger)))
        statement = insert_of(table).from_select(
            columns, select(*params).select_from(lock.subquery("locked")))
    else:
        statement = insert_of(table).values(dict(zip(columns, params, strict=True)))
    return statement.on_conflict_do_nothing().returning(table.c.update_key)


# -- 2. load the parties and the state --------------------------------------------------


async def load_parties(session: AsyncSession, channel: str, chat_id: str, user_id: str
                       ) -> tuple[User | None, Chat | None, ConversationState]:
    """The user and the chat (None if not stored yet) and their conversation's state, in
    one query."""
    result = await session.execute(
        _parties_statement(), {"channel": channel, "chat_id": chat_id, "user_id": user_id})
    user, chat, key, flow, step, data, choices = result.one()
    state = ConversationState(channel, chat_id, user_id)
    if key is not None:
        state.id, state.flow, state.step = key, flow, step
        state.data, state.choices = data or {}, choices or []
    return user, chat, state


@built_once
def _parties_statement() -> Any:
    channel, chat_id, user_id = (bindparam(name, type_=String)
                                 for name in ("channel", "chat_id", "user_id"))
    anchor = select(literal(1).label("one")).subquery()
    return (
        select(User, Chat, Conversation.id, Conversation.flow, Conversation.step,
               Conversation.data, Conversation.choices).select_from(anchor)
        .outerjoin(User, and_(User.channel == channel, User.external_id == user_id))
        .outerjoin(Chat, and_(Chat.channel == channel, Chat.chat_id == chat_id))
        .outerjoin(Conversation, and_(Conversation.channel == channel,
                                      Conversation.chat_id == chat_id,
                                      Conversation.user_external_id == user_id))
    )


# -- 3. a new user or chat ----------------------------------------------------------------


async def insert_loaded(session: AsyncSession, *objects: Any) -> None:
    """Write new objects with plain INSERT statements and hand them to the session as if just
    read: persistent, keyed, their later changes written by the session as usual. Several
    objects take one statement on PostgreSQL (a data-modifying WITH). The unit of work's
    flush of a new object costs several times its statement, and every new citizen comes
    this way. Attributes not set take their columns' (Python-side) defaults; each model has a
    single-column generated primary key."""
    rows = [_column_values(obj) for obj in objects]
    tables = tuple(_table(type(obj)) for obj in objects)
    connection, dialect = await _dialect(session)
    if len(objects) > 1 and dialect == "postgresql":
        params = {f"r{i}_{key}": value for i, row in enumerate(rows) for key, value in row.items()}
        keys = list((await connection.execute(_inserted_together(tables), params)).one())
    else:
        keys = [(await connection.execute(_inserted(table), row)).scalar_one()
                for table, row in zip(tables, rows, strict=True)]
    for obj, table, key in zip(objects, tables, keys, strict=True):
        setattr(obj, _primary_key(table).key, key)
        make_transient_to_detached(obj)
        session.add(obj)


def _column_values(obj: Any) -> dict[str, Any]:
    """A new object's row; the defaults it takes are set on it too."""
    given = inspect(obj).dict
    row: dict[str, Any] = {}
    for column in _table(type(obj)).columns:
        if column.primary_key:
            continue
        if column.key in given:
            row[column.key] = given[column.key]
            continue
        if column.server_default is not None:  # the row written here would not carry it
            raise ValueError(f"insert_loaded: {column} has a server default")
        default: Any = column.default
        value = None if default is None else \
            default.arg(None) if default.is_callable else default.arg
        setattr(obj, column.key, value)
        row[column.key] = value
    return row


def _primary_key(table: Any) -> Any:
    (column,) = table.primary_key.columns
    return column


@built_once
def _inserted(table: Any) -> Any:
    return insert(table).returning(_primary_key(table))


@built_once
def _inserted_together(tables: tuple[Any, ...]) -> Any:
    ctes = [
        insert(table).values({
            column.key: bindparam(f"r{i}_{column.key}", type_=column.type)
            for column in table.columns if not column.primary_key
        }).returning(_primary_key(table)).cte(f"r{i}")
        for i, table in enumerate(tables)
    ]
    joined: Any = ctes[0]
    for cte in ctes[1:]:  # one row each
        joined = joined.join(cte, true())
    return select(*(cte.c[0] for cte in ctes)).select_from(joined)


# -- 4. the state and the replies ---------------------------------------------------------

_STATE_KEY = ("channel", "chat_id", "user_external_id")
_STATE = ("flow", "step", "data", "choices", "updated_at")


async def save_state(session: AsyncSession, state: ConversationState, now: datetime,
                     messages: Sequence[dict[str, Any]] = ()) -> None:
    """Write the state back (insert a new conversation; update a stored one, so that a
    row erased meanwhile stays erased) with the messages the update queued (outbox rows,
    `services.outbox.message_values`): one statement on PostgreSQL."""
    values: dict[str, Any] = {"flow": state.flow, "step": state.step, "data": state.data,
              "choices": state.choices, "updated_at": now}
    if state.id is None:
        values.update(channel=state.channel, chat_id=state.chat_id,
                      user_external_id=state.user_external_id)
    else:
        values["key"] = state.id
    connection, dialect = await _dialect(session)
    if messages and dialect == "postgresql":
        statement = _saved_with(state.id is None, len(messages), tuple(messages[0]))
        values.update((f"m{i}_{key}", value)
                      for i, message in enumerate(messages) for key, value in message.items())
        await connection.execute(statement, values)
        return
    await connection.execute(_state_write(dialect, state.id is None), values)
    await insert_messages(session, messages)


async def insert_messages(session: AsyncSession, messages: Sequence[dict[str, Any]]) -> None:
    """Queue messages (`services.outbox.message_values`) in one statement, without ORM
    objects."""
    if messages:
        connection = await session.connection()
        await connection.execute(_outbox_insert(), list(messages))


@built_once
def _outbox_insert() -> Any:
    return insert(_table(OutboxMessage))


@built_once
def _state_write(dialect: str, new: bool) -> Any:
    """The statement writing the state for a new conversation (True) or a stored one
    (False). A new one takes over the row if a handler of the same update already wrote one
    (say, a survey sent to the official who publishes it)."""
    table = _table(Conversation)

    def params(names: tuple[str, ...]) -> dict[str, Any]:
        return {name: bindparam(name, type_=table.c[name].type) for name in names}

    if not new:
        return update(table).where(table.c.id == bindparam("key")).values(params(_STATE))
    insert_of = pg_insert if dialect == "postgresql" else sqlite_insert
    written = insert_of(table).values(params(_STATE_KEY + _STATE))
    return written.on_conflict_do_update(
        index_elements=[table.c[name] for name in _STATE_KEY],
        set_={name: written.excluded[name] for name in _STATE})


@built_once
def _saved_with(new: bool, count: int, columns: tuple[str, ...]) -> Any:
    """PostgreSQL: the state written in a data-modifying WITH of the messages' INSERT."""
    outbox = _table(OutboxMessage)
    # As SELECTs: a multi-row VALUES is compiled anew for every execution.
    rows = [select(*(bindparam(f"m{i}_{name}", type_=outbox.c[name].type)
                     for name in columns)) for i in range(count)]
    return insert(outbox).from_select(
        columns, rows[0] if count == 1 else union_all(*rows),
    ).add_cte(_state_write("postgresql", new).cte("state"))
