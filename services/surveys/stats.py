"""Satisfaction and timeliness figures of a commune (or a province) for a period.

Satisfaction is counted over 1–5 ratings: survey scale answers (group polls included) and
the ratings citizens give to resolved feedback. The satisfaction rate is the share of 4s and
5s. Small groups are never broken down: a figure drawn from fewer than `MIN_CELL` answers is
shown as "< 5".
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.communes import Communes
from services.surveys import sources
from services.surveys.models import SCALE, Survey, SurveyAnswer, SurveyPoll, SurveyQuestion
from services.text import decimal
from services.timezones import VIETNAM_TZ

MIN_CELL = 5
SMALL = "< 5"
TREND_MONTHS = 6


class PeriodError(ValueError):
    """A period that cannot be read; the handlers answer with a usage message."""


@dataclass(frozen=True)
class Period:
    """[start, end) in local time; `label` is how it was asked for (2026-11, 2026, 2026-Q4)."""

    start: date
    end: date
    label: str

    @property
    def kind(self) -> str:
        """"month", "quarter" or "year", by how many months it spans."""
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
        return {1: "month", 3: "quarter"}.get(months, "year")

    @property
    def since(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=VIETNAM_TZ)

    @property
    def until(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=VIETNAM_TZ)

    def months(self) -> list[str]:
        """The months of the trend: the period's own months, at least the last six."""
        last = _add_months(self.end, -1)
        first = min(self.start, _add_months(last, -(TREND_MONTHS - 1)))
        found, cursor = [], first
        while cursor <= last:
            found.append(f"{cursor.year:04d}-{cursor.month:02d}")
            cursor = _add_months(cursor, 1)
        return found


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(text: str, today: date) -> Period:
    """"2026-11", "11/2026", "2026", "2026-Q4"; empty means the current month."""
    text = text.strip()
    if not text:
        start = today.replace(day=1)
        return Period(start, _add_months(start, 1), f"{start.year:04d}-{start.month:02d}")
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4})", text):
        year = int(match[1] or match[4])
        month = int(match[2] or match[3])
        if not 1 <= month <= 12:
            raise PeriodError(text)
        start = date(year, month, 1)
        return Period(start, _add_months(start, 1), f"{year:04d}-{month:02d}")
    if match := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text):
        start = date(int(match[1]), 3 * int(match[2]) - 2, 1)
        return Period(start, _add_months(start, 3), f"{match[1]}-Q{match[2]}")
    if re.fullmatch(r"\d{4}", text):
        return Period(date(int(text), 1, 1), date(int(text) + 1, 1, 1), text)
    raise PeriodError(text)


def month_of(moment: datetime) -> str:
    local = moment.astimezone(VIETNAM_TZ)
    return f"{local.year:04d}-{local.month:02d}"


@dataclass(frozen=True)
class Rating:
    """One 1–5 answer and what it can be broken down by."""

    value: int
    at: datetime
    source: str
    village: str | None = None
    category: str | None = None
    procedure: str | None = None
    aspect: str | None = None


@dataclass(frozen=True)
class Satisfaction:
    count: int
    mean: float | None
    rate: float | None
    """The share of 4s and 5s, 0–1."""

    @property
    def small(self) -> bool:
        return self.count < MIN_CELL


def satisfaction(values: Iterable[int]) -> Satisfaction:
    values = [v for v in values if 1 <= v <= 5]
    if not values:
        return Satisfaction(0, None, None)
    return Satisfaction(len(values), sum(values) / len(values),
                        sum(1 for v in values if v >= 4) / len(values))


def cell(count: int) -> str:
    """A count as shown: '< 5' when fewer than five."""
    return SMALL if count < MIN_CELL else str(count)


def fmt_pct(share: float | None, language: str = "vi") -> str:
    return "—" if share is None else decimal(share * 100, language, 1) + "%"


def fmt_mean(mean: float | None, language: str = "vi") -> str:
    return "—" if mean is None else decimal(mean, language, 2)


def shown(s: Satisfaction, language: str = "vi") -> tuple[str, str, str]:
    """(count, rate, mean) of a cell, suppressed when small."""
    if s.small:
        return SMALL, SMALL, SMALL
    return str(s.count), fmt_pct(s.rate, language), fmt_mean(s.mean, language)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Timeliness:
    received: int = 0
    due: int = 0
    """Reports whose answer was due by now (or answered): the base of the on-time share."""
    on_time: int = 0
    answer_hours: list[float] = field(default_factory=list)
    resolve_days: list[float] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def median_answer_hours(self) -> float | None:
        return median(self.answer_hours)

    @property
    def median_resolve_days(self) -> float | None:
        return median(self.resolve_days)


@dataclass
class Report:
    """Everything `/stats`, the chart, the exports and the monthly PDF show."""

    title: str
    period: Period
    ratings: list[Rating]
    """Ratings of the trend's months; the figures of the period use `in_period()`."""
    timeliness: Timeliness
    funnel: list[tuple[str, int]]
    surveys: list[tuple[Survey, int]]
    """Surveys open in the period with their number of answers."""
    feedback_by_category: dict[str, int]

    @property
    def overall(self) -> Satisfaction:
        return satisfaction(r.value for r in self.in_period())

    def by(self, attribute: str) -> dict[str, Satisfaction]:
        groups: dict[str, list[int]] = defaultdict(list)
        for rating in self.in_period():
            key = getattr(rating, attribute)
            if key:
                groups[key].append(rating.value)
        return {key: satisfaction(values) for key, values in sorted(groups.items())}

    def trend(self) -> list[tuple[str, Satisfaction]]:
        groups: dict[str, list[int]] = defaultdict(list)
        for rating in self.ratings:
            groups[month_of(rating.at)].append(rating.value)
        return [(month, satisfaction(groups.get(month, []))) for month in self.period.months()]

    def in_period(self) -> list[Rating]:
        return [r for r in self.ratings
                if self.period.since <= r.at < self.period.until]

    @property
    def is_empty(self) -> bool:
        return not self.in_period() and not self.timeliness.received and not any(
            n for _, n in self.funnel) and not any(n for _, n in self.surveys)


async def build_report(session: AsyncSession, commune_ids: list[int] | None, period: Period,
                       title: str, now: datetime, category_names: dict[str, str] | None = None,
                       ) -> Report:
    """The figures of the communes (None: all) for the period; ratings reach back over the
    trend's months."""
    trend_start = datetime(*_first_month(period), 1, tzinfo=VIETNAM_TZ)
    until = period.until
    villages = await Communes(session).village_names()
    names = category_names or {}
    ratings: list[Rating] = []
    ratings += await _survey_ratings(session, commune_ids, trend_start, until, villages)
    feedback_all = await sources.feedback_rows(session, commune_ids, trend_start, until)
    for row in feedback_all:
        if row.rating and row.rated_at is not None:
            ratings.append(Rating(row.rating, row.rated_at, "feedback",
                                  villages.get(row.village_id or 0),
                                  names.get(row.category, row.category)))
    for item in await sources.filing_ratings(session, commune_ids, trend_start, until):
        ratings.append(Rating(item.score, item.rated_at, "filing",
                              villages.get(item.village_id or 0), None, item.procedure,
                              item.aspect))
    timeliness = Timeliness()
    by_category: dict[str, int] = defaultdict(int)
    for row in feedback_all:
        if not period.since <= row.created_at < period.until:
            continue
        timeliness.received += 1
        by_category[names.get(row.category, row.category)] += 1
        if row.answered_at is not None:
            timeliness.due += 1
            timeliness.on_time += row.answered_at <= row.due_at
            timeliness.answer_hours.append(
                (row.answered_at - row.created_at) / timedelta(hours=1))
        elif row.due_at <= now:
            timeliness.due += 1
        if row.resolved_at is not None:
            timeliness.resolve_days.append((row.resolved_at - row.created_at) / timedelta(days=1))
    surveys = await _surveys_in(session, commune_ids, period)
    funnel = await _funnel(session, commune_ids, period)
    return Report(title, period, ratings, timeliness, funnel, surveys, dict(by_category))


def _first_month(period: Period) -> tuple[int, int]:
    month = period.months()[0]
    return int(month[:4]), int(month[5:])


async def _survey_ratings(session: AsyncSession, commune_ids: list[int] | None,
                          since: datetime, until: datetime,
                          villages: dict[int, str]) -> list[Rating]:
    query = (
        select(SurveyAnswer, SurveyQuestion, Survey)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(SurveyQuestion.kind == SCALE, SurveyAnswer.value.is_not(None),
               SurveyAnswer.answered_at >= since, SurveyAnswer.answered_at < until)
    )
    if commune_ids is not None:
        query = query.where(Survey.commune_id.in_(commune_ids))
    ratings = [
        Rating(answer.value, answer.answered_at, "survey", villages.get(answer.village_id or 0),
               (survey.context or {}).get("category"), (survey.context or {}).get("procedure"),
               question.aspect)
        for answer, question, survey in (await session.execute(query)).all()
        if answer.value is not None
    ]
    polls = (
        select(SurveyPoll, SurveyQuestion, Survey)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyPoll.question_id)
        .join(Survey, Survey.id == SurveyPoll.survey_id)
        .where(SurveyQuestion.kind == SCALE, SurveyPoll.anonymous.is_(True),
               SurveyPoll.sent_at.is_not(None), SurveyPoll.sent_at >= since,
               SurveyPoll.sent_at < until)
    )
    if commune_ids is not None:
        polls = polls.where(Survey.commune_id.in_(commune_ids))
    for poll, question, survey in (await session.execute(polls)).all():
        for index, votes in enumerate(poll.counts or []):
            ratings += [Rating(index + 1, poll.sent_at or since, "poll",
                               villages.get(poll.village_id or 0),
                               (survey.context or {}).get("category"),
                               (survey.context or {}).get("procedure"), question.aspect)
                        ] * int(votes)
    return ratings


async def _surveys_in(session: AsyncSession, commune_ids: list[int] | None,
                      period: Period) -> list[tuple[Survey, int]]:
    from sqlalchemy import func

    query = (
        select(Survey, func.count(func.distinct(SurveyAnswer.user_id)))
        .outerjoin(SurveyAnswer, SurveyAnswer.survey_id == Survey.id)
        .where(Survey.opened_at.is_not(None), Survey.opened_at < period.until,
               Survey.closes_at >= period.since)
        .group_by(Survey.id).order_by(Survey.id)
    )
    if commune_ids is not None:
        query = query.where(Survey.commune_id.in_(commune_ids))
    return [(survey, int(count)) for survey, count in (await session.execute(query)).all()]


async def _funnel(session: AsyncSession, commune_ids: list[int] | None,
                  period: Period) -> list[tuple[str, int]]:
    return await sources.filing_funnel(session, commune_ids, period.since, period.until)


def today_local(now: datetime) -> date:
    return now.astimezone(VIETNAM_TZ).date()
