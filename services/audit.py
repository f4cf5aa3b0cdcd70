"""The audit log of admin actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import AuditEntry, User


def actor_label(user: User | None) -> str:
    return f"{user.channel}:{user.external_id}" if user else "cli"


class AuditEntries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, actor: User | None, action: str, *, commune_id: int | None = None,
                     target: str | None = None, outcome: str = "ok",
                     **detail: Any) -> AuditEntry:
        entry = AuditEntry(actor_id=actor.id if actor else None, actor=actor_label(actor),
                           action=action, commune_id=commune_id, target=target,
                           outcome=outcome, detail=detail)
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def recent(self, limit: int = 50, *, commune_id: int | None = None) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if commune_id is not None:
            query = query.where(AuditEntry.commune_id == commune_id)
        return list(await self.session.scalars(query))
