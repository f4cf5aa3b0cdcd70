"""Conversation state rows, keyed by (channel, chat, user)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import utcnow
from services.models import Conversation


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
        if row is None:
            row = Conversation(channel=channel, chat_id=chat_id, user_external_id=user_id,
                               flow=None, step=None, data={})
            self.session.add(row)
        return row

    @staticmethod
    def touch(row: Conversation) -> None:
        row.updated_at = utcnow()
