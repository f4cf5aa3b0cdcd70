"""Working-time arithmetic for deadlines: Vietnamese office hours, weekends and public holidays.

Public holidays come from the ``holidays`` package; days a government decision or a commune
changes (a Saturday worked in exchange, a commune's own day off) are data, given as
``overrides`` (see ``services.calendars``).

Counting rule for ``WorkCalendar.add_working_days`` (Civil Code 2015 art. 147–148, and the
practice of the one-stop desks for administrative procedures): the day a request is received is
not counted; day 1 is the next working day, and the deadline is the end of office hours of day N.
A request received after office hours, or on a day off, counts as received in the next working
period (so on the next working day); one received before office hours or during the lunch break
of a working day counts as received that day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

import holidays

from services.timezones import VIETNAM_TZ

OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 30), time(17)),
)
"""The usual office hours of a commune People's Committee, with its lunch break."""

MONDAY_TO_FRIDAY = frozenset(range(5))

_SEARCH_LIMIT_DAYS = 3660


NATIONAL_HOLIDAYS: holidays.HolidayBase = holidays.country_holidays("VN")
"""Vietnam's public holidays from the ``holidays`` package, any year (loaded on first use):
Tết Nguyên đán with the days around it (29 or 30 Tết to mùng 4 or 5), the substitute days off
(nghỉ bù) and the Saturdays worked in exchange for a swapped day off (``weekend_workdays``)."""


def _date_range(first: date, last: date) -> Iterator[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(n)


@dataclasses.dataclass(frozen=True)
class WorkCalendar:
    """Office hours on working days, and arithmetic on them.

    Datetimes must be aware; they may be in any time zone and are answered in ``tz``. A day in
    ``overrides`` is a working day or not as it says; otherwise it is one if it is one of
    ``workdays`` (0 = Monday) and not a public holiday, or a Saturday worked in exchange.
    """

    overrides: Mapping[date, bool] = dataclasses.field(default_factory=dict)
    """Working (True) or not (False), whatever the public calendar says."""
    office_hours: Sequence[tuple[time, time]] = OFFICE_HOURS
    workdays: frozenset[int] = MONDAY_TO_FRIDAY
    tz: tzinfo = VIETNAM_TZ
    public: holidays.HolidayBase = dataclasses.field(
        default_factory=lambda: NATIONAL_HOLIDAYS, compare=False)
    """Shared: the package computes a year once, on first use."""

    def __post_init__(self) -> None:
        hours = tuple(sorted(self.office_hours))
        if not hours:
            raise ValueError("office hours are empty")
        for (start, end), (next_start, _) in zip(
            hours, (*hours[1:], (time.max, time.max)), strict=True
        ):
            if not start < end <= next_start:
                raise ValueError(f"office hours overlap or are empty: {hours}")
        if not self.workdays and not any(self.overrides.values()):
            raise ValueError("no working days")
        object.__setattr__(self, "office_hours", hours)
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "overrides", dict(self.overrides))

    def with_overrides(self, overrides: Mapping[date, bool]) -> WorkCalendar:
        """This calendar with more days changed (later ones win)."""
        return dataclasses.replace(self, overrides={**self.overrides, **overrides})

    def is_working_day(self, day: date) -> bool:
        """Whether offices open on ``day``."""
        if day in self.overrides:
            return self.overrides[day]
        holiday = day in self.public  # also loads the year's swapped Saturdays
        if day in self.public.weekend_workdays:
            return True
        return day.weekday() in self.workdays and not holiday

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        for n in range(1, _SEARCH_LIMIT_DAYS):
            candidate = day + timedelta(n)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_SEARCH_LIMIT_DAYS} days after {day}")

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in office hours of a working day."""
        local = self._local(moment)
        return any(start <= local < end for start, end in self._periods(local.date()))

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment when ``hours`` of office time have passed since ``start``.

        Time outside office hours does not count; a deadline that uses up a period exactly ends
        at that period's end (11:30, not 13:30).
        """
        if hours < 0:
            raise ValueError("hours must not be negative")
        cursor = self._local(start)
        remaining = timedelta(hours=hours)
        periods = self._periods_from(cursor)
        while True:
            period_start, period_end = next(periods)
            begin = max(period_start, cursor)
            if remaining <= period_end - begin:
                return begin + remaining
            remaining -= period_end - begin

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end of office hours of the ``days``-th working day after the request received at
        ``start`` (see the module's counting rule); 0 gives the end of the day of receipt."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = self.receipt_day(start)
        for _ in range(days):
            day = self.next_working_day(day)
        return self._at(day, self.office_hours[-1][1])

    def receipt_day(self, received: datetime) -> date:
        """The working day a request received at ``received`` counts as received on."""
        local = self._local(received)
        today = local.date()
        if self.is_working_day(today) and local < self._at(today, self.office_hours[-1][1]):
            return today
        return self.next_working_day(today)

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Office hours from ``a`` to ``b`` (negative if ``b`` is before ``a``)."""
        first, last = self._local(a), self._local(b)
        if last < first:
            return -self.working_hours_between(b, a)
        total = timedelta()
        for day in _date_range(first.date(), last.date()):
            for start, end in self._periods(day):
                overlap = min(end, last) - max(start, first)
                total += max(overlap, timedelta())
        return total / timedelta(hours=1)

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment}: give a time zone")
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [(self._at(day, start), self._at(day, end)) for start, end in self.office_hours]

    def _periods_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office periods ending after ``moment``, in order, without end."""
        day = moment.date()
        yield from (period for period in self._periods(day) if period[1] > moment)
        while True:
            day = self.next_working_day(day)
            yield from self._periods(day)
