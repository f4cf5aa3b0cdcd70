"""A notice drafted in one go (the operations room's form), checked as a whole before anything
is stored, and the week's calendar of occurrences. The chat's `/announce` asks the same
questions one at a time; both end in `Notices.create` and `Notices.confirm`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import Commune, User
from services.notices.models import (
    MODES,
    OPEN_STATUSES,
    PRIORITIES,
    RECURRING,
    SCHEDULED,
    Notice,
    NoticeRun,
)
from services.notices.schedule import (
    ScheduleError,
    at_time,
    daily_cron,
    runs_between,
    weekly_cron,
)
from services.notices.service import Notices

MAX_TEXT = 3500
"""A group message's text stays under Telegram's 4,096 characters with the header."""


@dataclass
class NoticeDraft:
    """What the form sent, before it is checked."""

    text: str = ""
    village_ids: list[int] = field(default_factory=list)
    whole: bool = False
    priority: str = "normal"
    mode: str = "both"
    when: str = "now"
    """now | once | daily | weekly"""
    run_at: datetime | None = None
    """A one-off notice's moment (aware)."""
    at: time | None = None
    """A recurring notice's time of day (local)."""
    days: list[int] = field(default_factory=list)
    source_document: str | None = None
    """The file the text was read from (`documents`), recorded on the notice as chat does."""
    document_sha256: str | None = None
    """That file, when it goes to the groups with the text."""


def _schedule(draft: NoticeDraft, now: datetime) -> tuple[str, str | None, datetime | None]:
    """(schedule, cron, run_at); an emergency always goes now, as in chat."""
    if draft.priority == "emergency" or draft.when == "now":
        return "now", None, None
    if draft.when == "once":
        if draft.run_at is None:
            raise ScheduleError("notices.bad_datetime")
        if draft.run_at <= now:
            raise ScheduleError("notices.datetime_past")
        return "once", None, draft.run_at
    if draft.at is None:
        raise ScheduleError("notices.bad_time")
    if draft.when == "weekly":
        if not draft.days:
            raise ScheduleError("notices.no_days")
        return "weekly", weekly_cron(draft.at, sorted(set(draft.days))), None
    if draft.when == "daily":
        return "daily", daily_cron(draft.at), None
    raise ScheduleError("notices.bad_time")


async def create_checked(session: AsyncSession, author: User, commune: Commune,
                         draft: NoticeDraft, now: datetime) -> Notice:
    """Check the whole draft, then create the notice as chat does; raises `ScheduleError`
    (with the message to show) and stores nothing when any part is wrong."""
    text = draft.text.strip()
    if not text:
        raise ScheduleError("notices.empty")
    if len(text) > MAX_TEXT:
        raise ScheduleError("notices.too_long")
    if draft.priority not in PRIORITIES or draft.mode not in MODES:
        raise ScheduleError("notices.use_buttons")
    known = {v.id for v in commune.villages}
    if any(v not in known for v in draft.village_ids):
        raise ScheduleError("notices.pick_targets")
    if not draft.village_ids and not draft.whole:
        raise ScheduleError("notices.pick_targets")
    villages = [] if draft.whole else sorted(set(draft.village_ids))
    notices = Notices(session)
    if not await notices.groups_for(commune.id, villages):
        raise ScheduleError("notices.no_groups")
    schedule, cron, run_at = _schedule(draft, now)
    return await notices.create(author, commune.id, text=text, recording=None,
                                village_ids=villages, priority=draft.priority, mode=draft.mode,
                                schedule=schedule, cron=cron, run_at=run_at, now=now,
                                source_document=draft.source_document,
                                document_sha256=draft.document_sha256)


def set_time(notice: Notice, *, run_at: datetime | None, at: time | None, tz: str,
             now: datetime) -> None:
    """A new moment for a one-off notice, or a new time of day for a recurring one (its days
    kept); raises `ScheduleError` and changes nothing when it is unusable."""
    if notice.schedule == "once":
        if run_at is None:
            raise ScheduleError("notices.bad_datetime")
        if run_at <= now:
            raise ScheduleError("notices.datetime_past")
        notice.run_at = run_at
    elif notice.schedule in RECURRING:
        if at is None:
            raise ScheduleError("notices.bad_time")
        notice.cron = at_time(notice.cron or "", at)
    else:  # "now" has no time
        raise ScheduleError("ops.notices.err.no_time_to_change")
    Notices.retimed(notice, tz, now)


@dataclass(frozen=True)
class Occurrence:
    notice: Notice
    at: datetime
    """UTC."""
    run: NoticeRun | None
    """The occurrence's run when it went out (or was missed); None when still to come."""


def week_start(day: datetime, tz: str) -> datetime:
    """Monday 00:00 (local) of the week holding `day`, in UTC."""
    local = day.astimezone(ZoneInfo(tz))
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
    return monday.astimezone(day.tzinfo)


MAX_PER_NOTICE = 7 * 24
"""Recurrences are at least an hour apart (`schedule.MIN_INTERVAL`)."""


async def week(session: AsyncSession, commune_id: int | None, start: datetime, tz: str,
               now: datetime) -> list[Occurrence]:
    """Every occurrence in [start, start + 7 days): runs that happened, and occurrences still
    to come of scheduled notices."""
    end = start + timedelta(days=7)
    runs = select(NoticeRun, Notice).join(Notice, Notice.id == NoticeRun.notice_id).where(
        NoticeRun.occurrence_at >= start, NoticeRun.occurrence_at < end)
    coming = select(Notice).where(Notice.status.in_(OPEN_STATUSES))
    if commune_id is not None:
        # through the commune's notices and the (notice, occurrence) unique index, rather
        # than a scan of every commune's runs
        runs = runs.where(Notice.commune_id == commune_id, NoticeRun.notice_id.in_(
            select(Notice.id).where(Notice.commune_id == commune_id).scalar_subquery()))
        coming = coming.where(Notice.commune_id == commune_id)
    found = [Occurrence(notice, run.occurrence_at, run)
             for run, notice in (await session.execute(runs)).all()]
    for notice in await session.scalars(coming):
        found += _coming(notice, start, end, tz, now)
    return sorted(found, key=lambda o: (o.at, o.notice.id))


def _coming(notice: Notice, start: datetime, end: datetime, tz: str,
            now: datetime) -> list[Occurrence]:
    first = notice.next_run_at if notice.status == SCHEDULED else notice.run_at
    if notice.schedule not in RECURRING:
        return [Occurrence(notice, first, None)] if first and start <= first < end else []
    after = max(now, start) - timedelta(seconds=1)
    if first is not None and first > after:
        after = first - timedelta(seconds=1)
    return [Occurrence(notice, moment, None)
            for moment in runs_between(notice.cron or "", tz, after, end, MAX_PER_NOTICE)]
