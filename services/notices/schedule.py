"""When a notice goes out: typed dates and times, recurrences as cron expressions, next runs.

Times are typed and shown in the commune's time zone and stored in UTC.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadCronError, croniter

MIN_INTERVAL = timedelta(hours=1)
"""Recurring notices may not come more often than this (a group is not a pager)."""

_DATE = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
_TIME = r"(\d{1,2})\s*[:hg]\s*(\d{2})"
_DATE_TIME = re.compile(rf"^\s*{_DATE}\s+(?:lúc\s+)?{_TIME}\s*$", re.IGNORECASE)
_TIME_DATE = re.compile(rf"^\s*{_TIME}\s+(?:ngày\s+)?{_DATE}\s*$", re.IGNORECASE)
_TIME_ONLY = re.compile(rf"^\s*{_TIME}\s*$", re.IGNORECASE)


class ScheduleError(ValueError):
    """Input that is not a usable time; `key` is the message to answer with."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_local_datetime(text: str, tz: str, now: datetime) -> datetime:
    """ "25/11/2026 07:30" (or "07:30 25/11/2026") in `tz` → aware UTC, not in the past."""
    if match := _DATE_TIME.match(text):
        day, month, year, hour, minute = match.groups()
    elif match := _TIME_DATE.match(text):
        hour, minute, day, month, year = match.groups()
    else:
        raise ScheduleError("notices.bad_datetime")
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute),
                         tzinfo=ZoneInfo(tz))
    except ValueError:
        raise ScheduleError("notices.bad_datetime") from None
    moment = local.astimezone(now.tzinfo)
    if moment <= now:
        raise ScheduleError("notices.datetime_past")
    return moment


def parse_time(text: str) -> time:
    """ "07:30", "7h30" → a time of day."""
    match = _TIME_ONLY.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ScheduleError("notices.bad_time")
    return time(int(match[1]), int(match[2]))


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
    if match := _DAILY_OR_WEEKLY.fullmatch(expression.strip()):
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


_DAILY_OR_WEEKLY = re.compile(r"(\d{1,2}) (\d{1,2}) \* \* (\*|[0-7](?:,[0-7])*)")
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


def cron_weekdays(expression: str) -> list[int]:
    """Python weekdays of a weekly expression built by `weekly_cron`."""
    field = expression.split()[4]
    return sorted((int(day) - 1) % 7 for day in field.split(",") if day.isdigit())
