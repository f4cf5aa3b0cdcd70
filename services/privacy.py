"""What is kept about a person, its export and its erasure (Decree 13/2023/NĐ-CP).

Each feature area that keeps personal data has a `personal_data` module with an exporter and
an eraser, listed in `AREAS`, so that `export` and `erase` always cover everything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import utcnow
from services.feedback import personal_data as feedback_data
from services.filing import personal_data as filing_data
from services.models import Conversation, User
from services.surveys import personal_data as survey_data

Exporter = Callable[[AsyncSession, User], Awaitable[Any]]
Eraser = Callable[[AsyncSession, User], Awaitable[None]]

AREAS: dict[str, tuple[Exporter, Eraser]] = {
    "feedback": (feedback_data.export, feedback_data.erase),
    "filing": (filing_data.export, filing_data.erase),
    "surveys": (survey_data.export, survey_data.erase),
}
"""An area's exporter and eraser, by the name of its part of the export."""


async def give_consent(user: User, display_name: str | None) -> None:
    user.consent_at = utcnow()
    user.display_name = display_name


async def export(session: AsyncSession, user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "profile": {
            "channel": user.channel,
            "id": user.external_id,
            "name": user.display_name,
            "language": user.language,
            "commune_id": user.commune_id,
            "village_id": user.village_id,
            "role": user.role,
            "consent_at": user.consent_at.isoformat() if user.consent_at else None,
            "created_at": user.created_at.isoformat(),
        }
    }
    for area, (exporter, _) in sorted(AREAS.items()):
        data[area] = await exporter(session, user)
    return data


async def erase(session: AsyncSession, user: User) -> None:
    """Remove personal data; keep only the bare account so the chat can go on."""
    for _, eraser in AREAS.values():
        await eraser(session, user)
    await session.execute(
        delete(Conversation).where(
            Conversation.channel == user.channel,
            Conversation.user_external_id == user.external_id,
        )
    )
    user.display_name = None
    user.commune_id = None
    user.village_id = None
    user.consent_at = None
    user.onboarded = False
