"""Dates and times as people type them, with or without marks.

"20/12 17h", "17 giờ 30", "sáng mai 7h", "chiều thứ Sáu 14h", "thứ Hai tuần sau 8h",
"ngày mai", "25/11/2026 07:30", "7h30 ngày 25/11": one reader for every place a date or a
time is typed (a notice's sending time, a survey's closing time), in the commune's time zone.
A day gone by is read as it is ("hôm qua 8h", "tối qua", "thứ Hai tuần trước", "5/12" typed on
the 7th), so that the caller answers that it has passed instead of moving it to the future.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.text import fold

WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3,
            "sau": 4, "6": 4, "bay": 5, "7": 5}
"""'thứ …' → Python's weekday (Monday 0); Sunday is 'chủ nhật'."""
PART_OF_DAY = {"sang": "am", "trua": "noon", "chieu": "pm", "toi": "pm", "dem": "pm"}

_DATE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}|\d{2}))?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_TIME = re.compile(
    r"\b(\d{1,2})\s*(?::|h|gio\b|g)\s*(?:(\d{1,2})\s*(?:phut|p)?\b)?(?:\s*(ruoi)\b)?")
_WEEKDAY = re.compile(r"\b(?:thu\s+(hai|ba|tu|nam|sau|bay|[2-7])|(chu\s*nhat|cn))\b")
_RELATIVE = {"hom nay": 0, "ngay mai": 1, "mai": 1, "ngay kia": 2, "mot": 2,
             "hom qua": -1, "hom kia": -2, "nay": 0, "qua": -1}
_RELATIVE_WORDS = re.compile(r"\b(hom nay|hom qua|hom kia|ngay mai|ngay kia|mai|mot)\b")
_PART_NAMED_DAY = re.compile(r"\b(?:sang|trua|chieu|toi|dem)\s+(nay|qua)\b")
""""sáng nay", "tối qua": the part of the day stays for `_PART`, "nay"/"qua" names the day."""
_NEXT_WEEK = re.compile(r"\btuan\s+(?:sau|toi)\b")
_LAST_WEEK = re.compile(r"\btuan\s+truoc\b")
RECENT = timedelta(days=31)
"""A day and month without a year that fell this recently is this year's, gone ("5/12" typed
on the 7th); an earlier one is next year's ("3/1" typed in December)."""
_PART = re.compile(r"\b(sang|trua|chieu|toi|dem)\b")
_IN_DAYS = re.compile(r"^\s*(\d{1,3})(?:\s*ngay)?\s*$")
_LEFTOVER = re.compile(r"[a-z0-9]+")
_FILLER = {"luc", "vao", "ngay", "nam", "thang", "hoi", "gio", "phut", "nay", "at", "on"}


@dataclass(frozen=True)
class Typed:
    """What a text said: a day and a time of day, each None when it said none."""

    day: date | None
    at: time | None


def read(text: str, today: date) -> Typed | None:
    """The day and time a text names (None: not a date or time, or words left unread)."""
    rest = " " + fold(text).replace(",", " ") + " "
    rest, day = _read_day(rest, today)
    if day is False:
        return None
    part = _PART.search(rest)
    if part:
        rest = rest[:part.start()] + " " + rest[part.end():]
    rest, at = _read_time(rest, PART_OF_DAY[part[1]] if part else None)
    if at is False:
        return None
    if any(word not in _FILLER for word in _LEFTOVER.findall(rest)):
        return None
    if day is None and at is None:
        return None
    return Typed(day if isinstance(day, date) else None, at if isinstance(at, time) else None)


def _read_day(rest: str, today: date) -> tuple[str, date | bool | None]:
    if match := _ISO.search(rest):
        year, month, day_ = (int(g) for g in match.groups())
        return _cut(rest, match), _day(year, month, day_)
    if match := _DATE.search(rest):
        day_, month = int(match[1]), int(match[2])
        if match[3]:
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return _cut(rest, match), _day(year, month, day_)
        this_year = _day(today.year, month, day_)
        if isinstance(this_year, date) and this_year < today - RECENT:
            return _cut(rest, match), _day(today.year + 1, month, day_)
        return _cut(rest, match), this_year
    if match := _WEEKDAY.search(rest):
        weekday = 6 if match[2] else WEEKDAYS[match[1]]
        rest = _cut(rest, match)
        monday = today - timedelta(days=today.weekday())
        if next_week := _NEXT_WEEK.search(rest):
            return _cut(rest, next_week), monday + timedelta(days=7 + weekday)
        if last_week := _LAST_WEEK.search(rest):
            return _cut(rest, last_week), monday - timedelta(days=7 - weekday)
        return rest, today + timedelta(days=(weekday - today.weekday()) % 7)
    if match := _RELATIVE_WORDS.search(rest):
        return _cut(rest, match), today + timedelta(days=_RELATIVE[match[1]])
    if match := _PART_NAMED_DAY.search(rest):
        return rest[:match.start(1)] + " " + rest[match.end(1):], \
            today + timedelta(days=_RELATIVE[match[1]])
    return rest, None


def _read_time(rest: str, part: str | None) -> tuple[str, time | bool | None]:
    match = _TIME.search(rest)
    if match is None:
        if part is None:
            return rest, None
        return rest, time({"am": 7, "noon": 11, "pm": 14}[part])
    hour = int(match[1])
    minute = 30 if match[3] else int(match[2] or 0)
    if (part == "pm" and hour < 12) or (part == "noon" and hour < 5):
        hour += 12
    if hour > 23 or minute > 59:
        return rest, False
    return _cut(rest, match), time(hour, minute)


def _cut(rest: str, match: re.Match[str]) -> str:
    return rest[:match.start()] + " " + rest[match.end():]


def _day(year: int, month: int, day_: int) -> date | bool:
    try:
        return date(year, month, day_)
    except ValueError:
        return False


def parse_moment(text: str, now: datetime, tz: str, *, default_time: time,
                 allow_days: bool = False) -> datetime | None:
    """The moment a text names, in `tz`, returned aware (None: unreadable). A time alone is
    today's if still to come, else tomorrow's; a weekday alone is the next one whose time is
    still to come; a day alone takes `default_time`. `allow_days`: a bare number is that
    many days from now (a survey's "7")."""
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    if allow_days and (days := _IN_DAYS.match(fold(text))) and 0 < int(days[1]) <= 366:
        return now + timedelta(days=int(days[1]))
    typed = read(text, local_now.date())
    if typed is None:
        return None
    day = typed.day or local_now.date()
    moment = datetime.combine(day, typed.at or default_time, zone)
    if moment <= local_now and typed.day is None:
        moment += timedelta(days=1)
    elif moment <= local_now and day == local_now.date() and _WEEKDAY.search(fold(text)):
        moment += timedelta(days=7)
    return moment


def example(now: datetime, tz: str, *, days: int = 3, at: time = time(7, 30)) -> str:
    """A date and time a few days ahead, as a prompt's example ("10/12/2026 07:30")."""
    moment = now.astimezone(ZoneInfo(tz)) + timedelta(days=days)
    return datetime.combine(moment.date(), at).strftime("%d/%m/%Y %H:%M")
