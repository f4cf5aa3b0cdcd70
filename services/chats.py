"""Chats the bot talks in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import Chat


class Chats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def new(channel: str, chat_id: str, *, type: str = "private",
            title: str | None = None) -> Chat:
        """A new chat to write (`services.update_path.insert_loaded`)."""
        return Chat(channel=channel, chat_id=chat_id, type=type, title=title, active=True)

    @staticmethod
    def retitle(chat: Chat, title: str | None) -> None:
        if title and chat.title != title:
            chat.title = title

    async def groups_of(self, commune_id: int, *, active_only: bool = True) -> list[Chat]:
        query = select(Chat).where(Chat.commune_id == commune_id, Chat.type == "group")
        if active_only:
            query = query.where(Chat.active.is_(True))
        return list(await self.session.scalars(query.order_by(Chat.id)))
