"""Chats the bot talks in, and the durable record of processed updates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import insert_for
from services.models import Chat, ProcessedUpdate


class Chats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, channel: str, chat_id: str) -> Chat | None:
        return await self.session.scalar(
            select(Chat).where(Chat.channel == channel, Chat.chat_id == chat_id)
        )

    async def ensure(self, channel: str, chat_id: str, *, type: str = "private",
                     title: str | None = None) -> Chat:
        chat = await self.find(channel, chat_id)
        if chat is None:
            chat = Chat(channel=channel, chat_id=chat_id, type=type, title=title, active=True)
            self.session.add(chat)
            await self.session.flush()
        elif title and chat.title != title:
            chat.title = title
        return chat

    async def groups_of(self, commune_id: int, *, active_only: bool = True) -> list[Chat]:
        query = select(Chat).where(Chat.commune_id == commune_id, Chat.type == "group")
        if active_only:
            query = query.where(Chat.active.is_(True))
        return list(await self.session.scalars(query.order_by(Chat.id)))

    async def first_seen(self, channel: str, update_key: str) -> bool:
        """Record an update; False when it was already recorded (a redelivery)."""
        insert = insert_for(self.session)
        result = await self.session.execute(
            insert(ProcessedUpdate)
            .values(channel=channel, update_key=update_key)
            .on_conflict_do_nothing()
            .returning(ProcessedUpdate.update_key)
        )
        return result.first() is not None
