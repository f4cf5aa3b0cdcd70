"""Chats the bot talks in, and the durable record of processed updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import insert_for, lock_key, table_of, utcnow
from services.models import Chat, ProcessedUpdate


class Chats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def new(channel: str, chat_id: str, *, type: str = "private",
            title: str | None = None) -> Chat:
        """A new chat to write (`services.db.insert_loaded`)."""
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

    async def first_seen(self, channel: str, update_key: str, *, lock: str | None = None) -> bool:
        """Record an update; False when it was already recorded (a redelivery).

        With `lock` on PostgreSQL, the same statement first takes the conversation's advisory
        lock (`Database.transaction(lock=...)`, one round trip less for every update); it must
        then be the transaction's first statement, so that the next ones read what the lock's
        previous holder committed. SQLite has one writer and needs no lock."""
        connection = await self.session.connection()
        dialect = connection.dialect.name
        locked = lock is not None and dialect == "postgresql"
        statement = _RECORD_UPDATE.get((dialect, locked))
        if statement is None:
            statement = _RECORD_UPDATE[(dialect, locked)] = _record_update(
                insert_for(self.session), locked)
        values: dict[str, Any] = {"channel": channel, "update_key": update_key,
                                  "received_at": utcnow()}
        if locked and lock is not None:
            values["lock_key"] = lock_key(lock)
        # Core, not the ORM: nothing of this row is needed as an object.
        result = await connection.execute(statement, values)
        return result.first() is not None


def _record_update(insert: Any, locked: bool) -> Any:
    table = table_of(ProcessedUpdate)
    columns = ("channel", "update_key", "received_at")
    params = [bindparam(name, type_=table.c[name].type) for name in columns]
    if locked:
        lock = select(func.pg_advisory_xact_lock(bindparam("lock_key", type_=BigInteger)))
        statement = insert(ProcessedUpdate).from_select(
            columns, select(*params).select_from(lock.subquery("locked")))
    else:
        statement = insert(ProcessedUpdate).values(dict(zip(columns, params, strict=True)))
    return statement.on_conflict_do_nothing().returning(ProcessedUpdate.update_key)


_RECORD_UPDATE: dict[tuple[str, bool], Any] = {}
"""The statements that record an update, built once per dialect (and lock)."""
