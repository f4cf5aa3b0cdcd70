"""When a notice goes out: typed dates and times, recurrences as cron expressions, next runs.

Times are typed and shown in the commune's time zone and stored in UTC.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadCronError, croniter

from services.when import parse_moment, read

MIN_INTERVAL = timedelta(hours=1)
"""Recurring notices may not come more often than this (a group is not a pager)."""

DEFAULT_TIME = time(7, 0)
"""A notice's time when only its day is typed ("ngày mai"): the morning broadcast."""


class ScheduleError(ValueError):
    """Input that is not a usable time; `key` is the message to answer with."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_local_datetime(text: str, tz: str, now: datetime) -> datetime:
    """ "25/11/2026 07:30", "20/12 17h", "sáng mai 7h", "thứ Hai tuần sau 8h" in `tz` →
    aware, not in the past (`services.when`); a day without a time is at `DEFAULT_TIME`."""
    moment = parse_moment(text, now, tz, default_time=DEFAULT_TIME)
    if moment is None:
        raise ScheduleError("notices.bad_datetime")
    moment = moment.astimezone(now.tzinfo)
    if moment <= now:
        raise ScheduleError("notices.datetime_past")
    return moment


def parse_time(text: str) -> time:
    """ "07:30", "7h30", "17h", "5 giờ chiều" → a time of day (no day in it)."""
    typed = read(text, date.today())
    if typed is None or typed.at is None or typed.day is not None:
        raise ScheduleError("notices.bad_time")
    return typed.at


def daily_cron(at: time) -> str:
    return f"{at.minute} {at.hour} * * *"


def weekly_cron(at: time, weekdays: list[int]) -> str:
    """`weekdays` as Python numbers (Monday 0 … Sunday 6)."""
    if not weekdays:
        raise ScheduleError("notices.no_days")
    days = ",".join(str((day + 1) % 7) for day in sorted(set(weekdays)))
    return f"{at.minute} {at.hour} * * {days}"


def check_cron(expression: str, tz: str, now: datetime) -> str:
    """A valid five-field cron expression that fires at most once per `MIN_INTERVAL`."""
    expression = " ".join(expression.split())
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ScheduleError("notices.bad_cron")
    try:
        runs = [next_run(expression, tz, now)]
        for _ in range(24):
            runs.append(next_run(expression, tz, runs[-1]))
    except (CroniterBadCronError, ValueError, KeyError):
        raise ScheduleError("notices.bad_cron") from None
    if any(b - a < MIN_INTERVAL for a, b in itertools.pairwise(runs)):
        raise ScheduleError("notices.cron_too_often")
    return expression


def next_run(expression: str, tz: str, after: datetime) -> datetime:
    """The first occurrence strictly after `after`, in UTC."""
    zone = ZoneInfo(tz)
    start = after.astimezone(zone)
    following = croniter(expression, start).get_next(datetime)
    if following.tzinfo is None:
        following = following.replace(tzinfo=zone)
    return following.astimezone(after.tzinfo)


def runs_between(expression: str, tz: str, after: datetime, before: datetime,
                 limit: int) -> list[datetime]:
    """Occurrences strictly after `after` and before `before`, in UTC (one iterator: building
    a croniter costs more than stepping it)."""
    zone = ZoneInfo(tz)
    if match := DAILY_OR_WEEKLY.fullmatch(expression.strip()):
        return _daily_runs(match, zone, after, before, limit)
    found: list[datetime] = []
    steps = croniter(expression, after.astimezone(zone))
    while len(found) < limit:
        moment = steps.get_next(datetime)
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(
            after.tzinfo)
        if moment >= before:
            break
        found.append(moment)
    return found


DAILY_OR_WEEKLY = re.compile(r"(\d{1,2}) (\d{1,2}) \* \* (\*|[0-7](?:,[0-7])*)")
"""What `daily_cron` and `weekly_cron` write: stepped day by day, much faster than croniter."""


def _daily_runs(match: re.Match[str], zone: ZoneInfo, after: datetime, before: datetime,
                limit: int) -> list[datetime]:
    minute, hour, days = int(match[1]), int(match[2]), match[3]
    weekdays = set(range(7)) if days == "*" else {(int(d) - 1) % 7 for d in days.split(",")}
    day = after.astimezone(zone).date()
    found: list[datetime] = []
    while len(found) < limit:
        moment = datetime.combine(day, time(hour, minute), zone).astimezone(after.tzinfo)
        if moment >= before:
            break
        if moment > after and day.weekday() in weekdays:
            found.append(moment)
        day += timedelta(days=1)
    return found


MONTH_DAYS = range(1, 29)
"""The days a monthly notice may fall on: every month has them."""


def monthly_cron(at: time, day: int) -> str:
    """Each month on `day` (1–28) at `at`."""
    if day not in MONTH_DAYS:
        raise ScheduleError("notices.bad_month_day")
    return f"{at.minute} {at.hour} {day} * *"


def cron_month_day(expression: str) -> int | None:
    """The day of a monthly expression built by `monthly_cron` (None for any other)."""
    fields = expression.split()
    if len(fields) == 5 and fields[2].isdigit() and fields[3:] == ["*", "*"]:
        return int(fields[2])
    return None


def at_time(expression: str, at: time) -> str:
    """The same recurrence (its days kept) at another time of day."""
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError("notices.bad_time")
    return " ".join([str(at.minute), str(at.hour), *fields[2:]])


def cron_weekdays(expression: str) -> list[int]:
    """Python weekdays of a weekly expression built by `weekly_cron`."""
    field = expression.split()[4]
    return sorted((int(day) - 1) % 7 for day in field.split(",") if day.isdigit())
