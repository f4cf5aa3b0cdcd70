"""Periodic feedback work, each run idempotent: the daily digest to each commune's officials
(once per commune and local day) and the "is it still fixed?" check-in about four weeks after
a report was resolved (once per resolution)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from services.calendars import calendar_for
from services.db import affected, insert_for
from services.feedback.actions import checkin_keyboard
from services.feedback.deadlines import CHECKIN_AFTER, end_of_next_working_day
from services.feedback.models import (
    OPEN_STATUSES,
    RESOLVED,
    FeedbackDigest,
    FeedbackReport,
)
from services.feedback.service import fmt_date, local_time, private_chat
from services.models import Commune, User
from services.outbox import Outbox
from services.users import Users

DIGEST_LIMIT = 20
DIGEST_FROM = time(7, 0)


async def send_daily_digests(session: AsyncSession, now: datetime) -> int:
    """Send today's digest to the officials of every commune that has not had it yet;
    return how many communes were sent one."""
    sent = 0
    for commune in await session.scalars(select(Commune).order_by(Commune.id)):
        if await send_digest(session, commune, now):
            sent += 1
    return sent


async def send_digest(session: AsyncSession, commune: Commune, now: datetime) -> bool:
    """The digest of overdue reports and reports due by the end of the next working day,
    from 07:00 on working days. Claims the (commune, day) row first: a second run, on any
    replica, does nothing."""
    local = local_time(now, commune.timezone)
    if local.time() < DIGEST_FROM:
        return False
    if not (await calendar_for(session, commune)).is_working_day(local.date()):
        return False
    officials = await Users(session).officials_of(commune.id)
    if not officials:
        return False
    day = local.date().isoformat()
    insert = insert_for(session)
    claimed = await session.execute(
        insert(FeedbackDigest).values(commune_id=commune.id, day=day, sent_at=now)
        .on_conflict_do_nothing()
    )
    if not affected(claimed):
        return False
    (late, overdue), (due_soon, soon) = await digest_lists(session, commune, now)
    if not late and not due_soon:
        return False
    outbox = Outbox(session)
    for official in officials:
        t = Translator(official.language)
        lines = [t("feedback.digest.title", commune=commune.name,
                   day=fmt_date(now, commune.timezone))]
        if late:
            lines.append(t("feedback.digest.overdue", count=late))
            lines += [_line(r) for r in overdue]
        if due_soon:
            lines.append(t("feedback.digest.due_soon", count=due_soon))
            lines += [_line(r) for r in soon]
        lines.append(t("feedback.digest.hint"))
        await outbox.enqueue(*private_chat(official), text="\n".join(lines),
                             dedupe_key=f"fb-digest:{commune.id}:{day}:{official.id}")
    return True


def _line(report: FeedbackReport) -> str:
    mark = "🔴 " if report.urgent else "• "
    return f"{mark}{report.code} — {fmt_date(report.due_at)}"


Counted = tuple[int, list[FeedbackReport]]


async def digest_lists(session: AsyncSession, commune: Commune,
                       now: datetime) -> tuple[Counted, Counted]:
    """How many reports are overdue and how many due by the end of the next working day, each
    with the first `DIGEST_LIMIT` of them."""
    open_here = and_(FeedbackReport.commune_id == commune.id,
                     FeedbackReport.status.in_(OPEN_STATUSES))
    late = or_(FeedbackReport.due_at < now,
               and_(FeedbackReport.acknowledged_at.is_(None), FeedbackReport.ack_due_at < now))
    horizon = end_of_next_working_day(await calendar_for(session, commune), now)
    soon = and_(FeedbackReport.due_at >= now, FeedbackReport.due_at <= horizon, ~late)
    found = []
    for condition in (late, soon):
        count = await session.scalar(
            select(func.count()).select_from(FeedbackReport).where(open_here, condition)) or 0
        rows = list(await session.scalars(
            select(FeedbackReport).where(open_here, condition)
            .order_by(FeedbackReport.due_at).limit(DIGEST_LIMIT))) if count else []
        found.append((count, rows))
    return found[0], found[1]


async def send_checkins(session: AsyncSession, now: datetime) -> int:
    """Ask reporters whether what was resolved about four weeks ago is still fixed."""
    rows = await session.scalars(
        select(FeedbackReport)
        .where(FeedbackReport.status == RESOLVED, FeedbackReport.checkin_sent_at.is_(None),
               FeedbackReport.resolved_at <= now - CHECKIN_AFTER,
               FeedbackReport.reporter_id.is_not(None))
        .with_for_update(skip_locked=True)
    )
    outbox = Outbox(session)
    count = 0
    for report in rows:
        report.checkin_sent_at = now
        user = await session.get(User, report.reporter_id)
        if user is None or not user.has_consented:
            continue
        t = Translator(user.language)
        await outbox.enqueue(
            *private_chat(user), text=t("feedback.checkin", code=report.code),
            buttons=checkin_keyboard(t, report.id))
        count += 1
    return count
