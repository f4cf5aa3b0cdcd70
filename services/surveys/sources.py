"""Small read-only queries over other areas' tables (feedback, online filing), so that the
surveys and reports depend on their data, not on their code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import Base
from services.feedback.models import FeedbackEvent, FeedbackReport

ANSWER_STATUSES = ("answered", "resolved", "rejected", "transferred")


@dataclass(frozen=True)
class FeedbackRow:
    """What the reports need of one feedback report."""

    id: int
    code: str
    category: str
    village_id: int | None
    status: str
    created_at: datetime
    due_at: datetime
    answered_at: datetime | None
    resolved_at: datetime | None
    rating: int | None
    rated_at: datetime | None
    reporter_id: int | None
    description: str | None


async def feedback_reporters(session: AsyncSession, commune_id: int, since: datetime | None,
                             until: datetime | None) -> list[int]:
    query = select(FeedbackReport.reporter_id).where(
        FeedbackReport.commune_id == commune_id, FeedbackReport.reporter_id.is_not(None))
    if since is not None:
        query = query.where(FeedbackReport.created_at >= since)
    if until is not None:
        query = query.where(FeedbackReport.created_at < until)
    return sorted({row for row in await session.scalars(query.distinct()) if row is not None})


async def feedback_rows(session: AsyncSession, commune_ids: list[int] | None,
                        since: datetime, until: datetime) -> list[FeedbackRow]:
    """Reports created in [since, until), with the moment each was first answered."""
    answered = (
        select(FeedbackEvent.report_id, func.min(FeedbackEvent.at).label("at"))
        .where((FeedbackEvent.kind == "answer")
               | ((FeedbackEvent.kind == "status")
                  & FeedbackEvent.status.in_(ANSWER_STATUSES)))
        .group_by(FeedbackEvent.report_id).subquery()
    )
    rated = (
        select(FeedbackEvent.report_id, func.max(FeedbackEvent.at).label("at"))
        .where(FeedbackEvent.kind == "rating").group_by(FeedbackEvent.report_id).subquery()
    )
    query = (
        select(FeedbackReport, answered.c.at, rated.c.at)
        .outerjoin(answered, answered.c.report_id == FeedbackReport.id)
        .outerjoin(rated, rated.c.report_id == FeedbackReport.id)
        .where(FeedbackReport.created_at >= since, FeedbackReport.created_at < until)
        .order_by(FeedbackReport.id)
    )
    if commune_ids is not None:
        query = query.where(FeedbackReport.commune_id.in_(commune_ids))
    rows = []
    for report, answered_at, rated_at in (await session.execute(query)).all():
        rows.append(FeedbackRow(
            id=report.id, code=report.code, category=report.category,
            village_id=report.village_id, status=report.status,
            created_at=report.created_at, due_at=report.due_at,
            answered_at=_aware(answered_at) or report.resolved_at,
            resolved_at=report.resolved_at, rating=report.rating,
            rated_at=_aware(rated_at) or report.resolved_at or report.updated_at,
            reporter_id=report.reporter_id, description=report.description))
    return rows


async def procedure_users(session: AsyncSession, commune_id: int, since: datetime | None,
                          until: datetime | None, procedure: str | None) -> list[int]:
    """Citizens who went through an online filing walk in the period."""
    filings = await filing_table(session, "filings")
    if filings is None:
        return []
    query = select(filings.c.user_id).where(filings.c.user_id.is_not(None),
                                            filings.c.commune_id == commune_id)
    if procedure:
        query = query.where(filings.c.procedure_code == procedure)
    if since is not None:
        query = query.where(filings.c.started_at >= since)
    if until is not None:
        query = query.where(filings.c.started_at < until)
    return sorted({row for row in await session.scalars(query.distinct()) if row is not None})


@dataclass(frozen=True)
class FilingRatingRow:
    score: int
    aspect: str
    rated_at: datetime
    procedure: str
    village_id: int | None


async def filing_ratings(session: AsyncSession, commune_ids: list[int] | None,
                         since: datetime, until: datetime) -> list[FilingRatingRow]:
    """The SIPAS scores citizens gave after an online filing, rated in [since, until)."""
    filings = await filing_table(session, "filings")
    ratings = await filing_table(session, "filing_ratings")
    if filings is None or ratings is None:
        return []
    from services.models import User

    query = (
        select(ratings.c.score, ratings.c.aspect, ratings.c.rated_at,
               filings.c.procedure_name, User.village_id)
        .join(filings, filings.c.id == ratings.c.filing_id)
        .outerjoin(User, User.id == filings.c.user_id)
        .where(ratings.c.rated_at >= since, ratings.c.rated_at < until)
    )
    if commune_ids is not None:
        query = query.where(filings.c.commune_id.in_(commune_ids))
    return [FilingRatingRow(int(score), aspect, _aware(at) or since, name, village)
            for score, aspect, at, name, village in (await session.execute(query)).all()]


async def filing_funnel(session: AsyncSession, commune_ids: list[int] | None,
                        since: datetime, until: datetime) -> list[tuple[str, int]]:
    """Walks started in the period that reached each of the five steps, and were submitted."""
    filings = await filing_table(session, "filings")
    if filings is None:
        return []
    query = select(filings.c.reached, filings.c.submitted_at).where(
        filings.c.started_at >= since, filings.c.started_at < until)
    if commune_ids is not None:
        query = query.where(filings.c.commune_id.in_(commune_ids))
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    funnel = [(f"step{n}", sum(1 for reached, _ in rows if (reached or 1) >= n))
              for n in range(1, 6)]
    funnel.append(("submitted", sum(1 for _, submitted in rows if submitted is not None)))
    return funnel


async def filing_table(session: AsyncSession, name: str) -> Any:
    """The filing area's table, when its model is loaded and the table exists."""
    table = Base.metadata.tables.get(name)
    if table is None:
        return None

    def exists(sync_session: Any) -> bool:
        return bool(inspect(sync_session.connection()).has_table(name))

    return table if await session.run_sync(exists) else None


def _aware(value: datetime | str | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
