"""Conversation state rows, keyed by (channel, chat, user)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import utcnow
from services.models import Chat, Conversation, User


def conversation_lock(channel: str, chat_id: str, user_id: str) -> str:
    """The name of the lock that serialises the work on one conversation (`Database`)."""
    return f"conv:{channel}:{chat_id}:{user_id}"


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
                                ) -> tuple[User | None, Chat | None, Conversation | None]:
        """The user, the chat and their conversation, each None if not stored yet, in one
        query (one round trip for every update)."""
        result = await self.session.execute(
            _PARTIES, {"channel": channel, "chat_id": chat_id, "user_id": user_id})
        user, chat, conversation = result.one()
        return user, chat, conversation

    @staticmethod
    def touch(row: Conversation) -> None:
        row.updated_at = utcnow()


def _parties_query():  # type: ignore[no-untyped-def]
    channel, chat_id, user_id = bindparam("channel"), bindparam("chat_id"), bindparam("user_id")
    anchor = select(literal(1).label("one")).subquery()
    return (
        select(User, Chat, Conversation).select_from(anchor)
        .outerjoin(User, and_(User.channel == channel, User.external_id == user_id))
        .outerjoin(Chat, and_(Chat.channel == channel, Chat.chat_id == chat_id))
        .outerjoin(Conversation, and_(Conversation.channel == channel,
                                      Conversation.chat_id == chat_id,
                                      Conversation.user_external_id == user_id))
    )


# Built once: every update runs it, and a built statement keeps its cache key.
_PARTIES = _parties_query()
