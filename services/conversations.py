"""Conversation state rows, keyed by (channel, chat, user)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, insert, literal, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import table_of
from services.models import Chat, Conversation, OutboxMessage, User
from services.outbox import Outbox


def conversation_lock(channel: str, chat_id: str, user_id: str) -> str:
    """The name of the lock that serialises the work on one conversation (`Database`)."""
    return f"conv:{channel}:{chat_id}:{user_id}"


@dataclass
class ConversationState:
    """One conversation's row as plain values: read with the update's parties and written
    back once at its end (`Conversations.save`), outside the ORM's unit of work, which costs
    several times a statement on the path every update takes."""

    channel: str
    chat_id: str
    user_external_id: str
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    choices: list[list[str]] = field(default_factory=list)
    id: int | None = None
    """None for a conversation not stored yet."""


class Conversations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, channel: str, chat_id: str, user_id: str) -> Conversation:
        row = await self.session.scalar(
            select(Conversation).where(
                Conversation.channel == channel,
                Conversation.chat_id == chat_id,
                Conversation.user_external_id == user_id,
            )
        )
        return row if row is not None else self.add(channel, chat_id, user_id)

    def add(self, channel: str, chat_id: str, user_id: str) -> Conversation:
        row = Conversation(channel=channel, chat_id=chat_id, user_external_id=user_id,
                           flow=None, step=None, data={})
        self.session.add(row)
        return row

    async def find_with_parties(self, channel: str, chat_id: str, user_id: str
                                ) -> tuple[User | None, Chat | None, ConversationState]:
        """The user and the chat (None if not stored yet) and their conversation's state, in
        one query (one round trip for every update)."""
        result = await self.session.execute(
            _PARTIES, {"channel": channel, "chat_id": chat_id, "user_id": user_id})
        user, chat, key, flow, step, data, choices = result.one()
        state = ConversationState(channel, chat_id, user_id)
        if key is not None:
            state.id, state.flow, state.step = key, flow, step
            state.data, state.choices = data or {}, choices or []
        return user, chat, state

    async def save(self, state: ConversationState, now: datetime,
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
        connection = await self.session.connection()
        if messages and connection.dialect.name == "postgresql":
            statement = _saved_with(state.id is None, len(messages), tuple(messages[0]))
            values.update((f"m{i}_{key}", value)
                          for i, message in enumerate(messages) for key, value in message.items())
            await connection.execute(statement, values)
            return
        await connection.execute(_WRITES[(connection.dialect.name, state.id is None)], values)
        if messages:
            await Outbox(self.session).insert(list(messages))


def _parties_query() -> Select[Any]:
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


# Built once: every update runs them, and a built statement keeps its cache key.
_PARTIES = _parties_query()
_TABLE = table_of(Conversation)
_KEY = ("channel", "chat_id", "user_external_id")
_STATE = ("flow", "step", "data", "choices", "updated_at")


def _writes() -> dict[tuple[str, bool], Any]:
    """The statement writing the state, per dialect, for a new conversation (True) or a
    stored one (False). A new one takes over the row if a handler of the same update already
    wrote one (say, a survey sent to the official who publishes it)."""
    def params(names: tuple[str, ...]) -> dict[str, Any]:
        return {name: bindparam(name, type_=_TABLE.c[name].type) for name in names}

    stored = update(_TABLE).where(_TABLE.c.id == bindparam("key")).values(params(_STATE))
    writes: dict[tuple[str, bool], Any] = {}
    for dialect, insert_of in (("postgresql", pg_insert), ("sqlite", sqlite_insert)):
        new = insert_of(_TABLE).values(params(_KEY + _STATE))
        writes[(dialect, True)] = new.on_conflict_do_update(
            index_elements=[_TABLE.c[name] for name in _KEY],
            set_={name: new.excluded[name] for name in _STATE})
        writes[(dialect, False)] = stored
    return writes


_WRITES = _writes()
_SAVED_WITH: dict[tuple[bool, int, tuple[str, ...]], Any] = {}


def _saved_with(new: bool, count: int, columns: tuple[str, ...]) -> Any:
    """PostgreSQL: the state written in a data-modifying WITH of the messages' INSERT."""
    key = (new, count, columns)
    statement = _SAVED_WITH.get(key)
    if statement is None:
        outbox = table_of(OutboxMessage)
        # As SELECTs: a multi-row VALUES is compiled anew for every execution.
        rows = [select(*(bindparam(f"m{i}_{name}", type_=outbox.c[name].type)
                         for name in columns)) for i in range(count)]
        statement = _SAVED_WITH[key] = insert(outbox).from_select(
            columns, rows[0] if count == 1 else union_all(*rows),
        ).add_cte(_WRITES[("postgresql", new)].cte("state"))
    return statement
