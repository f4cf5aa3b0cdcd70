"""Conversation state rows, keyed by (channel, chat, user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import Chat, Conversation, User


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
    """None until the row is first written."""


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

    async def save(self, state: ConversationState, now: datetime) -> None:
        """Write the state back: insert a new conversation, update a stored one (a row erased
        meanwhile stays erased)."""
        values = {"flow": state.flow, "step": state.step, "data": state.data,
                  "choices": state.choices, "updated_at": now}
        connection = await self.session.connection()
        if state.id is None:
            result = await connection.execute(_INSERT, {
                **values, "channel": state.channel, "chat_id": state.chat_id,
                "user_external_id": state.user_external_id})
            state.id = result.inserted_primary_key[0]
        else:
            await connection.execute(_UPDATE, {**values, "key": state.id})


def _parties_query():  # type: ignore[no-untyped-def]
    channel, chat_id, user_id = bindparam("channel"), bindparam("chat_id"), bindparam("user_id")
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
_TABLE = Conversation.__table__
_INSERT = insert(_TABLE)
_UPDATE = update(_TABLE).where(_TABLE.c.id == bindparam("key"))
