"""Chats the bot talks in, and the durable record of processed updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import insert_for, utcnow
from services.models import Chat, ProcessedUpdate


class Chats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, channel: str, chat_id: str, *, type: str = "private",
            title: str | None = None) -> Chat:
        """A new chat, written with the session's next flush."""
        chat = Chat(channel=channel, chat_id=chat_id, type=type, title=title, active=True)
        self.session.add(chat)
        return chat

    @staticmethod
    def retitle(chat: Chat, title: str | None) -> None:
        if title and chat.title != title:
            chat.title = title

    async def groups_of(self, commune_id: int, *, active_only: bool = True) -> list[Chat]:
        query = select(Chat).where(Chat.commune_id == commune_id, Chat.type == "group")
        if active_only:
            query = query.where(Chat.active.is_(True))
        return list(await self.session.scalars(query.order_by(Chat.id)))

    async def first_seen(self, channel: str, update_key: str) -> bool:
        """Record an update; False when it was already recorded (a redelivery)."""
        connection = await self.session.connection()
        statement = _RECORD_UPDATE.get(connection.dialect.name)
        if statement is None:
            statement = _RECORD_UPDATE[connection.dialect.name] = (
                insert_for(self.session)(ProcessedUpdate)
                .values(channel=bindparam("channel"), update_key=bindparam("update_key"),
                        received_at=bindparam("received_at"))
                .on_conflict_do_nothing()
                .returning(ProcessedUpdate.update_key))
        # Core, not the ORM: nothing of this row is needed as an object.
        result = await connection.execute(
            statement, {"channel": channel, "update_key": update_key, "received_at": utcnow()})
        return result.first() is not None


_RECORD_UPDATE: dict[str, Any] = {}
"""The statement that records an update, built once per dialect."""
