"""The audit log of admin actions."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import AuditEntry, User

USER_REF = re.compile(r"^(telegram|zalo|console):\S+$")
"""An audit actor or target naming a person by channel and id: shown by name."""


def actor_label(user: User | None) -> str:
    return f"{user.channel}:{user.external_id}" if user else "cli"


def action_key(action: str) -> str:
    """The catalogue key of an audited action's label in the reader's words
    (`feedback.status` → `officials.audit.feedback_status`; a refused command, whatever it
    is, → `officials.audit.command`); a key the catalogue lacks reads "another action"."""
    if action.startswith("/"):
        return "officials.audit.command"
    return "officials.audit." + re.sub(r"[^a-z0-9]+", "_", action.split(":", 1)[0].lower())


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
