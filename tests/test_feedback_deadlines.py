"""Feedback deadlines in Vietnamese working time, the overdue flag, the daily digest and the
four-week check-in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.communes import Communes
from services.feedback.actions import CheckinAnswer
from services.feedback.deadlines import deadlines, end_of_next_working_day
from services.feedback.jobs import send_checkins, send_daily_digests
from services.feedback.models import FeedbackDigest
from services.feedback.service import Draft, FeedbackReports, InboxFilter
from services.models import OutboxMessage
from services.privacy import give_consent
from services.users import Users
from services.worktime import VIETNAM_TZ, WorkCalendar


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM_TZ)


CAL = WorkCalendar()


@pytest.mark.parametrize(("received", "urgent", "ack", "due"), [
    # Friday afternoon: the weekend does not count.
    (vn(2026, 11, 27, 16, 0), False, vn(2026, 11, 30, 16, 30), vn(2026, 12, 11, 17, 0)),
    # Urgent: handled within 4 working hours, which is also the acknowledgement deadline.
    (vn(2026, 11, 27, 16, 0), True, vn(2026, 11, 30, 10, 30), vn(2026, 11, 30, 10, 30)),
    # After office hours: counts from the next morning; the day of receipt is that day.
    (vn(2026, 11, 30, 20, 0), False, vn(2026, 12, 2, 8, 0), vn(2026, 12, 15, 17, 0)),
    # During the lunch break: the clock starts at 13:30.
    (vn(2026, 12, 1, 12, 0), True, vn(2026, 12, 2, 8, 0), vn(2026, 12, 2, 8, 0)),
    # Just before Tết Bính Ngọ (16–20/2/2026 off): the holiday week does not count.
    (vn(2026, 2, 13, 10, 0), False, vn(2026, 2, 23, 10, 30), vn(2026, 3, 6, 17, 0)),
    # Received on a Saturday: Monday 31/8 is off in exchange for Saturday 22/8 and Quốc khánh
    # is 1–2/9, so it counts as received Thursday 3/9 (7.5 h that day, 0.5 h on Friday 4/9);
    # day 10 is Thursday 17/9.
    (vn(2026, 8, 29, 9, 0), False, vn(2026, 9, 4, 8, 0), vn(2026, 9, 17, 17, 0)),
    # Tết Mậu Thân: mùng 1 is Wednesday 26/1/2028; offices close from 29 Tết (Monday 24/1) to
    # mùng 4 (Saturday 29/1). Received Friday 21/1 at 10:00: 5 h that day, 3 h on Monday 31/1
    # (7:30 + 3 h = 10:30); working days 1–10 are 31/1, 1–4/2, 7–11/2: due Friday 11/2.
    (vn(2028, 1, 21, 10, 0), False, vn(2028, 1, 31, 10, 30), vn(2028, 2, 11, 17, 0)),
    # Tết Kỷ Dậu: mùng 1 is Tuesday 13/2/2029; offices close from 30 Tết (Monday 12/2) to
    # mùng 4 (Friday 16/2). Received Friday 9/2 at 16:00: 1 h that day, 7 h on Monday 19/2
    # (4 h in the morning, 13:30 + 3 h = 16:30); days 1–10 are 19–23/2, 26/2–2/3: due 2/3.
    (vn(2029, 2, 9, 16, 0), False, vn(2029, 2, 19, 16, 30), vn(2029, 3, 2, 17, 0)),
])
def test_deadlines_in_working_time(received: datetime, urgent: bool, ack: datetime,
                                   due: datetime) -> None:
    found = deadlines(CAL, received, urgent=urgent, due_days=10)
    assert (found.ack_due, found.due) == (ack, due)


def test_category_days_and_commune_holidays() -> None:
    calendar = CAL.with_overrides({date(2026, 12, 1): False})
    found = deadlines(calendar, vn(2026, 11, 30, 9, 0), urgent=False, due_days=2)
    assert found.due == vn(2026, 12, 3, 17, 0)      # Tuesday 1/12 is the commune's day off
    assert found.ack_due == vn(2026, 12, 2, 9, 30)
    assert end_of_next_working_day(calendar, vn(2026, 11, 30, 9, 0)) == vn(2026, 12, 2, 17, 0)
    assert end_of_next_working_day(CAL, vn(2026, 11, 27, 9, 0)) == vn(2026, 11, 30, 17, 0)


async def seed(db, when: datetime, *, category: str = "roads", settings=None):  # type: ignore[no-untyped-def]
    async with db.transaction() as s:
        communes = Communes(s)
        await communes.ensure_demo()
        commune = (await communes.all())[0]
        if settings:
            commune.settings = settings
        citizen, _ = await Users(s).get_or_create("telegram", "42")
        await give_consent(citizen, "Dân")
        official, _ = await Users(s).get_or_create("telegram", "77")
        await Users(s).grant_official(official, commune.id)
        report = await FeedbackReports(s).file(
            Draft(commune_id=commune.id, category=category, description="Đường hỏng"),
            citizen, when)
        return report.id, report.code, report.due_at


async def test_category_due_days_from_commune_settings(db) -> None:  # type: ignore[no-untyped-def]
    settings = {"feedback": {"categories": [{"code": "roads", "due_days": 3}, "other"]}}
    _, code, due = await seed(db, vn(2026, 11, 27, 9, 0), settings=settings)
    assert due == vn(2026, 12, 2, 17, 0)
    assert code == "PA-00000-2026-0001"


async def test_overdue_inbox_digest_and_checkin(db) -> None:  # type: ignore[no-untyped-def]
    report_id, code, due = await seed(db, vn(2026, 11, 27, 9, 0))
    assert due == vn(2026, 12, 11, 17, 0)
    async with db.transaction() as s:
        feedback = FeedbackReports(s)
        # Not acknowledged within 8 working hours: overdue from Monday 30/11 9:00.
        monday = vn(2026, 11, 30, 10, 0)
        rows, total = await feedback.inbox(None, InboxFilter(overdue=True), monday)
        assert total == 1 and rows[0].code == code
        rows, total = await feedback.inbox(None, InboxFilter(overdue=True),
                                           vn(2026, 11, 30, 8, 0))
        assert total == 0
        report = await feedback.get(report_id)
        official = await Users(s).find("telegram", "77")
        await feedback.acknowledge(report, official, vn(2026, 11, 27, 10, 0))
        _, total = await feedback.inbox(None, InboxFilter(overdue=True), monday)
        assert total == 0

    async def digests(now: datetime) -> int:
        async with db.transaction() as s:
            return await send_daily_digests(s, now)

    assert await digests(vn(2026, 12, 10, 6, 30)) == 0       # before 07:00
    assert await digests(vn(2026, 12, 12, 9, 0)) == 0        # a Saturday
    assert await digests(vn(2026, 12, 10, 7, 5)) == 1        # due tomorrow
    assert await digests(vn(2026, 12, 10, 15, 0)) == 0       # once a day
    assert await digests(vn(2026, 12, 14, 7, 5)) == 1        # overdue on Monday
    async with db.transaction() as s:
        texts = [row.payload["text"] for row in await s.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == "77")
            .order_by(OutboxMessage.id))]
        digest_texts = [t for t in texts if t.startswith("📊")]
        assert len(digest_texts) == 2
        assert "Đến hạn trong ngày làm việc tới (1)" in digest_texts[0] and code in digest_texts[0]
        assert "Quá hạn (1)" in digest_texts[1]
        assert await s.scalar(select(func.count()).select_from(FeedbackDigest)) == 2

    resolved_at = vn(2026, 12, 1, 10, 0)
    async with db.transaction() as s:
        feedback = FeedbackReports(s)
        report = await feedback.get(report_id)
        official = await Users(s).find("telegram", "77")
        await feedback.set_status(report, official, "resolved", None, resolved_at)
    async with db.transaction() as s:
        assert await send_checkins(s, resolved_at + timedelta(days=27)) == 0
        assert await send_checkins(s, resolved_at + timedelta(days=28)) == 1
        assert await send_checkins(s, resolved_at + timedelta(days=29)) == 0
        last = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == "42")
                              .order_by(OutboxMessage.id.desc()))
        assert "còn ổn không" in last.payload["text"]
        assert last.payload["buttons"][0][1]["data"] == CheckinAnswer(report_id, False).pack()


async def test_the_periodic_job_runs_and_is_idempotent(db) -> None:  # type: ignore[no-untyped-def]
    from bot.feedback_jobs import FeedbackJob

    await seed(db, vn(2026, 1, 5, 9, 0))     # long overdue by now
    job = FeedbackJob(db)
    first = await job.run_once()
    assert await job.run_once() == 0
    assert first in (0, 1)   # 0 before 07:00 or on a day off


def test_open311_keys_setting() -> None:
    from tests.helpers import settings_for

    settings = settings_for("sqlite+aiosqlite:///x.db",
                            open311_api_keys=" key-one-0000000001, key-two-0000000002 ,")
    assert settings.open311_api_keys == ["key-one-0000000001", "key-two-0000000002"]
    assert settings_for("sqlite+aiosqlite:///x.db").open311_api_keys == []
