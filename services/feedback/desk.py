"""The officials' feedback desk: today's figures and the filtered, sorted, paged list behind
each of them. The operations room shows them; chat's `/inbox` is a short form of the same
filter (`InboxFilter.desk`), listed by the same conditions."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.models import ANSWERED, OPEN_STATUSES, STATUSES, FeedbackReport
from services.text import whole_number

SMALL_CELL = 5
"""Fewer ratings than this are not shown as a figure: a mean of two ratings says little and
may point at the two people who gave them."""
LIST_STATUSES = (*STATUSES, "open", "all")
"""What a list's `status` may be: one status, "open" (every open status) or "all"."""
SORTS = {
    "due": (FeedbackReport.urgent.desc(), FeedbackReport.due_at, FeedbackReport.id),
    "new": (FeedbackReport.created_at.desc(), FeedbackReport.id.desc()),
    "old": (FeedbackReport.created_at, FeedbackReport.id),
}


@dataclass(frozen=True)
class DeskFilter:
    """What the list shows. Every field comes from a query string, so each is validated by
    `from_query`, which drops what it cannot read rather than failing the page."""

    status: str = "open"
    """"open", "all" or one status."""
    category: str | None = None
    village_id: int | None = None
    urgent: bool = False
    overdue: bool = False
    unacknowledged: bool = False
    since: date | None = None
    until: date | None = None
    due_on: date | None = None
    sort: str = "due"
    page: int = 0

    @classmethod
    def from_query(cls, query: dict[str, str]) -> DeskFilter:
        values: dict[str, Any] = {}
        status = query.get("status", "open")
        values["status"] = status if status in LIST_STATUSES else "open"
        if query.get("category"):
            values["category"] = query["category"][:40]
        if (village := whole_number(query.get("village", ""))) is not None:
            values["village_id"] = village
        for flag in ("urgent", "overdue", "unacknowledged"):
            values[flag] = query.get(flag) == "1"
        for name in ("since", "until", "due_on"):
            values[name] = _date(query.get(name, ""))
        values["sort"] = query.get("sort") if query.get("sort") in SORTS else "due"
        values["page"] = min(whole_number(query.get("page", "")) or 0, 100_000)
        return cls(**values)

    def to_query(self, **changes: Any) -> dict[str, str]:
        """The filter as query parameters (defaults left out), with `changes` applied."""
        flt, default, out = replace(self, **changes), DeskFilter(), {}
        for f in fields(self):
            value = getattr(flt, f.name)
            if value == getattr(default, f.name):
                continue
            out[{"village_id": "village"}.get(f.name, f.name)] = (
                "1" if value is True else value.isoformat() if isinstance(value, date)
                else str(value))
        return out


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Figures:
    new_today: int
    unacknowledged: int
    overdue: int
    due_tomorrow: int
    urgent_open: int
    answered_week: int
    ratings_month: int
    rating_mean: float | None
    """None when fewer than `SMALL_CELL` ratings: too few to show."""


class Desk:
    def __init__(self, session: AsyncSession, tz: str) -> None:
        self.session = session
        self.tz = ZoneInfo(tz)

    def _start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.tz)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def conditions(self, commune_id: int | None, flt: DeskFilter, now: datetime) -> list[Any]:
        where: list[Any] = []
        if commune_id is not None:
            where.append(FeedbackReport.commune_id == commune_id)
        if flt.status == "open" or flt.overdue or flt.unacknowledged:
            where.append(FeedbackReport.status.in_(OPEN_STATUSES))
        if flt.status not in ("open", "all"):
            where.append(FeedbackReport.status == flt.status)
        if flt.category:
            where.append(FeedbackReport.category == flt.category)
        if flt.village_id is not None:
            where.append(FeedbackReport.village_id == flt.village_id)
        if flt.urgent:
            where.append(FeedbackReport.urgent.is_(True))
        if flt.unacknowledged:
            where.append(FeedbackReport.acknowledged_at.is_(None))
        if flt.overdue:
            where.append(or_(FeedbackReport.due_at < now, and_(
                FeedbackReport.acknowledged_at.is_(None), FeedbackReport.ack_due_at < now)))
        if flt.since is not None:
            where.append(FeedbackReport.created_at >= self._start_of(flt.since))
        if flt.until is not None:
            where.append(FeedbackReport.created_at < self._start_of(flt.until + timedelta(1)))
        if flt.due_on is not None:
            where.append(FeedbackReport.due_at >= self._start_of(flt.due_on))
            where.append(FeedbackReport.due_at < self._start_of(flt.due_on + timedelta(1)))
        return where

    async def page(self, commune_id: int | None, flt: DeskFilter, now: datetime, *,
                   per_page: int = 25) -> tuple[list[FeedbackReport], int]:
        """One page of the list and how many reports match."""
        where = self.conditions(commune_id, flt, now)
        total = await self.session.scalar(
            select(func.count()).select_from(FeedbackReport).where(*where)) or 0
        rows = await self.session.scalars(
            select(FeedbackReport).where(*where).order_by(*SORTS[flt.sort])
            .offset(flt.page * per_page).limit(per_page))
        return list(rows), total

    async def all(self, commune_id: int | None, flt: DeskFilter, now: datetime,
                  limit: int = 50_000) -> list[FeedbackReport]:
        """Every matching report (for an export), in the list's order."""
        where = self.conditions(commune_id, flt, now)
        rows = await self.session.scalars(
            select(FeedbackReport).where(*where).order_by(*SORTS[flt.sort]).limit(limit))
        return list(rows)

    def links(self, now: datetime) -> dict[str, DeskFilter]:
        """The list behind each of today's figures."""
        today = self.today(now)
        monday = today - timedelta(days=today.weekday())
        return {
            "new_today": DeskFilter(status="all", since=today, sort="new"),
            "unacknowledged": DeskFilter(unacknowledged=True),
            "overdue": DeskFilter(overdue=True),
            "due_tomorrow": DeskFilter(due_on=today + timedelta(days=1)),
            "urgent_open": DeskFilter(urgent=True),
            "answered_week": DeskFilter(status=ANSWERED, since=monday, sort="new"),
        }

    async def figures(self, commune_id: int | None, now: datetime) -> Figures:
        counts = {}
        for name, flt in self.links(now).items():
            counts[name] = await self.session.scalar(
                select(func.count()).select_from(FeedbackReport)
                .where(*self.conditions(commune_id, flt, now))) or 0
        month = self._start_of(self.today(now).replace(day=1))
        where = [FeedbackReport.rating.is_not(None), FeedbackReport.resolved_at >= month]
        if commune_id is not None:
            where.append(FeedbackReport.commune_id == commune_id)
        rated, mean = (await self.session.execute(
            select(func.count(), func.avg(FeedbackReport.rating)).where(*where))).one()
        return Figures(**counts, ratings_month=int(rated or 0),
                       rating_mean=float(mean) if rated and rated >= SMALL_CELL else None)
