"""A citizen's filings in their data export, and their erasure: the walk stays for the
funnel statistics, without the person, the dossier code or the checklist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.filing.models import ACTIVE, CANCELLED, Filing, FilingRating
from services.models import User


async def export(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    filings = list(await session.scalars(
        select(Filing).where(Filing.user_id == user.id).order_by(Filing.id)))
    ratings: dict[int, dict[str, int]] = {}
    if filings:
        for row in await session.scalars(select(FilingRating).where(
                FilingRating.filing_id.in_([f.id for f in filings]))):
            ratings.setdefault(row.filing_id, {})[row.aspect] = row.score
    return [
        {"procedure": f.procedure_code, "name": f.procedure_name, "step": f.step,
         "status": f.status, "checklist": f.checklist, "dossier_code": f.dossier_code,
         "dossier_status": f.dossier_status, "dossier_note": f.dossier_note,
         "started_at": f.started_at.isoformat(),
         "finished_at": f.finished_at.isoformat() if f.finished_at else None,
         "ratings": ratings.get(f.id, {})}
        for f in filings
    ]


async def traces(session: AsyncSession, user: User) -> set[str]:
    rows = await session.execute(
        select(Filing.dossier_code, Filing.dossier_note).where(Filing.user_id == user.id))
    return {text for row in rows.all() for text in row if text}


async def erase(session: AsyncSession, user: User) -> None:
    await session.execute(
        update(Filing).where(Filing.user_id == user.id, Filing.status == ACTIVE)
        .values(status=CANCELLED).execution_options(synchronize_session=False))
    await session.execute(
        update(Filing).where(Filing.user_id == user.id)
        .values(user_id=None, dossier_code=None, dossier_note=None, checklist=[],
                reminders_off=True)
        .execution_options(synchronize_session=False))
