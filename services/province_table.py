"""The provincial table: every commune side by side, as a province's operations centre
reads it. Four grouped queries, whatever the number of communes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.desk import SMALL_CELL
from services.feedback.models import OPEN_STATUSES, FeedbackReport
from services.filing.models import FINISHED, Filing
from services.models import Commune
from services.notices.models import RUN_DONE, Notice, NoticeRun
from services.text import fold

COLUMNS = ("name", "received", "on_time", "overdue", "ratings", "satisfaction",
           "filings_started", "filings_finished", "notices_sent")


@dataclass
class CommuneFigures:
    commune_id: int
    code: str
    name: str
    received: int = 0
    on_time: int = 0
    """Reports closed by their due time."""
    overdue: int = 0
    """Open reports past their due time now."""
    ratings: int = 0
    rating_sum: int = 0
    filings_started: int = 0
    filings_finished: int = 0
    notices_sent: int = 0

    @property
    def satisfaction(self) -> float | None:
        """Mean rating (1–5); None under `SMALL_CELL` ratings: too few to show."""
        return round(self.rating_sum / self.ratings, 2) if self.ratings >= SMALL_CELL else None

    def value(self, column: str) -> object:
        return getattr(self, column)


async def provincial_table(session: AsyncSession, now: datetime) -> list[CommuneFigures]:
    """Every commune's figures, by name."""
    rows = {c.id: CommuneFigures(c.id, c.code, c.name) for c in await session.scalars(
        select(Commune).order_by(Commune.name))}
    report = FeedbackReport
    for cid, received, on_time, overdue, ratings, rating_sum in await session.execute(
            select(report.commune_id, func.count(),
                   func.count().filter(report.resolved_at <= report.due_at),
                   func.count().filter(report.status.in_(OPEN_STATUSES), report.due_at < now),
                   func.count(report.rating), func.coalesce(func.sum(report.rating), 0))
            .group_by(report.commune_id)):
        if cid in rows:
            figures = rows[cid]
            figures.received, figures.on_time, figures.overdue = received, on_time, overdue
            figures.ratings, figures.rating_sum = ratings, int(rating_sum or 0)
    for filed_in, started, finished in await session.execute(
            select(Filing.commune_id, func.count(),
                   func.count().filter(Filing.status == FINISHED))
            .where(Filing.commune_id.is_not(None)).group_by(Filing.commune_id)):
        if filed_in in rows:
            rows[filed_in].filings_started = started
            rows[filed_in].filings_finished = finished
    for cid, sent in await session.execute(
            select(Notice.commune_id, func.count())
            .join(NoticeRun, NoticeRun.notice_id == Notice.id)
            .where(NoticeRun.status == RUN_DONE).group_by(Notice.commune_id)):
        if cid in rows:
            rows[cid].notices_sent = sent
    return list(rows.values())


def sorted_by(rows: list[CommuneFigures], sort: str, descending: bool) -> list[CommuneFigures]:
    column = sort if sort in COLUMNS else "name"
    # a suppressed cell (None) sorts below every figure
    return sorted(rows, key=lambda r: _key(r.value(column)), reverse=descending)


def _key(value: object) -> tuple[int, object]:
    if value is None:
        return (0, 0)
    return (1, fold(value) if isinstance(value, str) else value)
