"""Working-time arithmetic for deadlines: Vietnamese office hours, weekends and public holidays.

Counting rule for ``WorkCalendar.add_working_days`` (Civil Code 2015 art. 147–148, and the
practice of the one-stop desks for administrative procedures): the day a request is received is
not counted; day 1 is the next working day, and the deadline is the end of office hours of day N.
A request received after office hours, or on a day off, counts as received in the next working
period (so on the next working day); one received before office hours or during the lunch break
of a working day counts as received that day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from services.timezones import VIETNAM_TZ

"""Vietnam's time zone: UTC+7 all year (no daylight saving time)."""

OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 30), time(17)),
)
"""The usual office hours of a commune People's Committee, with its lunch break."""

MONDAY_TO_FRIDAY = frozenset(range(5))

_SEARCH_LIMIT_DAYS = 3660


def _date_range(first: date, last: date) -> Iterator[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(n)


def with_substitutes(
    holidays: Iterable[date], workdays: frozenset[int] = MONDAY_TO_FRIDAY
) -> set[date]:
    """The holidays plus a substitute day off for each one falling on a weekly rest day: the next
    working day that is not itself a holiday (Labour Code 2019, art. 111(3))."""
    days_off = set(holidays)
    for holiday in sorted(days_off):
        if holiday.weekday() not in workdays:
            substitute = holiday + timedelta(1)
            while substitute.weekday() not in workdays or substitute in days_off:
                substitute += timedelta(1)
            days_off.add(substitute)
    return days_off


# Public holidays (Labour Code 2019, art. 112): Tết Dương lịch 1/1; Tết Nguyên đán (1 day before
# and 4 after the lunar new year, as scheduled by the government); Giỗ Tổ Hùng Vương 10/3 lunar;
# 30/4; 1/5; Quốc khánh 2/9 and one adjacent day chosen each year.
_PUBLIC_HOLIDAYS = {
    date(2025, 1, 1),
    # Tết Ất Tỵ (29/1/2025): announced break Sat 25/1 – Sun 2/2/2025, i.e. the 5 weekdays below
    # (the holiday falling on Sat 1/2 was moved to Mon 27/1).
    *_date_range(date(2025, 1, 27), date(2025, 1, 31)),
    date(2025, 4, 7),
    date(2025, 4, 30),
    date(2025, 5, 1),
    date(2025, 9, 1),
    date(2025, 9, 2),
    date(2026, 1, 1),
    # Tết Bính Ngọ (17/2/2026): announced break Sat 14/2 – Sun 22/2/2026.
    *_date_range(date(2026, 2, 16), date(2026, 2, 20)),
    date(2026, 4, 26),  # a Sunday: substitute Monday 27/4
    date(2026, 4, 30),
    date(2026, 5, 1),
    date(2026, 9, 1),  # adjacent day assumed; the government picks 1/9 or 3/9 each year
    date(2026, 9, 2),
    date(2027, 1, 1),
    # Tết Đinh Mùi (6/2/2027): not yet scheduled; the statutory 30 Tết – mùng 4 (5/2 – 9/2),
    # whose weekend days are substituted by Wed 10/2 and Thu 11/2.
    *_date_range(date(2027, 2, 5), date(2027, 2, 9)),
    date(2027, 4, 16),
    date(2027, 4, 30),
    date(2027, 5, 1),  # a Saturday: substitute Monday 3/5
    date(2027, 9, 2),
    date(2027, 9, 3),  # adjacent day assumed
}

# Days the government swapped for public servants ("hoán đổi ngày làm việc"): a weekday off and
# the Saturday worked in exchange ("làm bù").
_SWAPPED_DAYS_OFF = {date(2025, 5, 2)}
VIETNAM_MAKE_UP_DAYS = frozenset({date(2025, 4, 26)})
"""Saturdays worked in exchange for a swapped day off."""

VIETNAM_HOLIDAYS = frozenset(with_substitutes(_PUBLIC_HOLIDAYS) | _SWAPPED_DAYS_OFF)
"""Days off on weekdays in 2025–2027 for state offices, substitutes and swaps included."""


def parse_holidays(values: Iterable[date | str]) -> frozenset[date]:
    """Dates given as ``date`` objects or "YYYY-MM-DD" strings (as in configuration)."""
    return frozenset(
        value if isinstance(value, date) else date.fromisoformat(value.strip()) for value in values
    )


@dataclasses.dataclass(frozen=True)
class WorkCalendar:
    """Office hours on working days, and arithmetic on them.

    Datetimes must be aware; they may be in any time zone and are answered in ``tz``. A day is a
    working day if it is one of ``workdays`` (0 = Monday) and not a holiday, or a make-up day.
    """

    holidays: frozenset[date] = VIETNAM_HOLIDAYS
    office_hours: Sequence[tuple[time, time]] = OFFICE_HOURS
    workdays: frozenset[int] = MONDAY_TO_FRIDAY
    tz: tzinfo = VIETNAM_TZ
    make_up_days: frozenset[date] = VIETNAM_MAKE_UP_DAYS

    def __post_init__(self) -> None:
        hours = tuple(sorted(self.office_hours))
        if not hours:
            raise ValueError("office hours are empty")
        for (start, end), (next_start, _) in zip(
            hours, (*hours[1:], (time.max, time.max)), strict=True
        ):
            if not start < end <= next_start:
                raise ValueError(f"office hours overlap or are empty: {hours}")
        if not self.workdays and not self.make_up_days:
            raise ValueError("no working days")
        object.__setattr__(self, "office_hours", hours)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "make_up_days", frozenset(self.make_up_days))

    def with_holidays(self, extra: Iterable[date | str]) -> WorkCalendar:
        """This calendar with more days off (dates or "YYYY-MM-DD" strings), taken as given."""
        return dataclasses.replace(self, holidays=self.holidays | parse_holidays(extra))

    def is_working_day(self, day: date) -> bool:
        """Whether offices open on ``day``."""
        if day in self.make_up_days:
            return True
        return day.weekday() in self.workdays and day not in self.holidays

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
