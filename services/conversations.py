"""Conversation state rows, keyed by (channel, chat, user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import Conversation


def conversation_lock(channel: str, chat_id: str, user_id: str) -> str:
    """The name of the lock that serialises the work on one conversation (`Database`)."""
    return f"conv:{channel}:{chat_id}:{user_id}"


@dataclass
class ConversationState:
    """One conversation's row as plain values: read with the update's parties and written
    back once at its end (`services.update_path.save_state`), outside the ORM's unit of
    work, which costs several times a statement on the path every update takes."""

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
