"""A citizen's feedback in their data export, and its erasure: the report stays (as a public
matter, for statistics: category, village, status, dates, rating, the official's public
summary) without the person, what they sent, or what was written to them about it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.models import FeedbackEvent, FeedbackFollower, FeedbackReport
from services.models import User

ERASED = "—"
QUOTED = 60
"""Messages quote a report's words cut short (300 characters to officials): its first
characters find them."""


def _media(item: Any) -> list[str]:
    return [str(item[key]) for key in ("file_id", "url")
            if isinstance(item, dict) and item.get(key)]


async def traces(session: AsyncSession, user: User) -> set[str]:
    found: set[str] = set()
    for report in await session.scalars(
            select(FeedbackReport).where(FeedbackReport.reporter_id == user.id)):
        for text in (report.description, report.address, report.rating_comment):
            if text:
                found |= {text, text[:QUOTED]}
        for item in [*(report.photos or []), report.voice]:
            found.update(_media(item))
    return found


async def export(session: AsyncSession, user: User) -> dict[str, Any]:
    reports = await session.scalars(
        select(FeedbackReport).where(FeedbackReport.reporter_id == user.id)
        .order_by(FeedbackReport.id))
    followed = await session.scalars(
        select(FeedbackReport.code).join(FeedbackFollower,
                                         FeedbackFollower.report_id == FeedbackReport.id)
        .where(FeedbackFollower.user_id == user.id))
    return {
        "reports": [
            {"code": r.code, "category": r.category, "description": r.description,
             "voice": r.voice, "photos": r.photos, "latitude": r.latitude,
             "longitude": r.longitude, "village_id": r.village_id, "address": r.address,
             "urgent": r.urgent, "anonymous": r.anonymous, "status": r.status,
             "created_at": r.created_at.isoformat(), "rating": r.rating,
             "rating_comment": r.rating_comment}
            for r in reports
        ],
        "following": list(followed),
    }


async def erase(session: AsyncSession, user: User) -> None:
    ids = select(FeedbackReport.id).where(FeedbackReport.reporter_id == user.id)
    await session.execute(
        update(FeedbackEvent).where(FeedbackEvent.report_id.in_(ids))
        .values(text=None).execution_options(synchronize_session=False))
    await session.execute(
        update(FeedbackEvent).where(FeedbackEvent.actor_id == user.id)
        .values(text=None, actor_id=None).execution_options(synchronize_session=False))
    await session.execute(
        update(FeedbackReport).where(FeedbackReport.reporter_id == user.id)
        .values(reporter_id=None, description=ERASED, voice=None, photos=[], latitude=None,
                longitude=None, address=None, rating_comment=None, status_note=None)
        .execution_options(synchronize_session=False))
    await session.execute(delete(FeedbackFollower).where(FeedbackFollower.user_id == user.id))
