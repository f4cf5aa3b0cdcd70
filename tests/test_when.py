"""Dates and times as people write them (`services.when`), and where they are typed: a
notice's sending time (console) and a survey's closing time (Telegram fake)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from handlers.notices import PickMode, PickPriority, PickTargets, PickWhen, Targets, When
from handlers.surveys import (
    NewSurvey,
    PickDelivery,
    PickKind,
    PickTarget,
    PickTemplate,
    QuestionsDone,
    TargetChoice,
)
from services.notices.models import Notice
from services.notices.schedule import ScheduleError, parse_time
from services.surveys.models import Survey
from services.timezones import VIETNAM_TZ_NAME
from services.when import parse_moment
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import TelegramDriver, buttons_of, console_app, session, telegram_app, texts
from tests.helpers import words as shown_words
from tests.notices_support import linked_group, make_official, notice_row
from tests.test_surveys_telegram import OFFICIAL
from tests.test_surveys_telegram import make_official as make_survey_official

VN = ZoneInfo(VIETNAM_TZ_NAME)
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=VN)   # a Monday, 10:00 in Vietnam


@pytest.mark.parametrize(("typed", "expected"), [
    ("20/12 17h", datetime(2026, 12, 20, 17, 0)),
    ("17 giờ 30", datetime(2026, 12, 7, 17, 30)),
    ("17 gio 30", datetime(2026, 12, 7, 17, 30)),
    ("9h", datetime(2026, 12, 8, 9, 0)),                 # already past today: tomorrow
    ("sáng mai 7h", datetime(2026, 12, 8, 7, 0)),
    ("sang mai 7h", datetime(2026, 12, 8, 7, 0)),
    ("chiều thứ Sáu 2h", datetime(2026, 12, 11, 14, 0)),
    ("chiều thứ Sáu 14h", datetime(2026, 12, 11, 14, 0)),
    ("chieu thu sau 14h", datetime(2026, 12, 11, 14, 0)),
    ("thứ Hai tuần sau 8h", datetime(2026, 12, 14, 8, 0)),
    ("thu hai tuan sau 8h", datetime(2026, 12, 14, 8, 0)),
    ("thứ Hai 8h", datetime(2026, 12, 14, 8, 0)),        # today's 8:00 is past: next week
    ("chủ nhật 9h", datetime(2026, 12, 13, 9, 0)),
    ("ngày mai", datetime(2026, 12, 8, 7, 0)),           # the caller's default time
    ("ngay mai", datetime(2026, 12, 8, 7, 0)),
    ("7h30 ngày 25/12", datetime(2026, 12, 25, 7, 30)),
    ("3/1 8:15", datetime(2027, 1, 3, 8, 15)),            # past this year: next year's
    ("25/11/2027 07:30", datetime(2027, 11, 25, 7, 30)),
    ("07:30 25/11/2027", datetime(2027, 11, 25, 7, 30)),
    ("2027-01-05 06:00", datetime(2027, 1, 5, 6, 0)),
    # a day gone by is read as it is, for the caller to say it has passed
    ("hôm qua 8h", datetime(2026, 12, 6, 8, 0)),
    ("hom qua", datetime(2026, 12, 6, 7, 0)),
    ("tối qua 9h", datetime(2026, 12, 6, 21, 0)),
    ("hôm kia 7h", datetime(2026, 12, 5, 7, 0)),
    ("sáng nay 7h", datetime(2026, 12, 7, 7, 0)),          # not tomorrow's 7:00
    ("tối nay 8h", datetime(2026, 12, 7, 20, 0)),
    ("thứ Hai tuần trước 8h", datetime(2026, 11, 30, 8, 0)),
    ("5/12 8h", datetime(2026, 12, 5, 8, 0)),              # two days ago, not next year
])
def test_dates_and_times_as_people_write_them(typed: str, expected: datetime) -> None:
    moment = parse_moment(typed, MONDAY_10.astimezone(UTC), VIETNAM_TZ_NAME,
                          default_time=time(7, 0))
    assert moment == expected.replace(tzinfo=VN), typed


@pytest.mark.parametrize("typed", ["mai nhé", "hello", "32/12 7h", "25 giờ", "7h61", "",
                                   "31/02/2030 07:30", "2"])
def test_what_is_not_a_date_is_refused(typed: str) -> None:
    assert parse_moment(typed, MONDAY_10, VIETNAM_TZ_NAME, default_time=time(7)) is None


def test_a_time_of_day_alone() -> None:
    assert parse_time("5 giờ chiều") == time(17, 0)
    assert parse_time("7h30") == time(7, 30)
    with pytest.raises(ScheduleError):
        parse_time("ngày mai 7h")


def example_in(text: str) -> datetime:
    found = re.search(r"(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})", text)
    assert found, text
    day, month, year, hour, minute = (int(g) for g in found.groups())
    return datetime(year, month, day, hour, minute, tzinfo=VN)


async def test_a_notice_at_a_time_written_as_people_do(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app)
        await linked_group(app, "official", "group-all", "Nhóm cả xã", None)
        official = session(app, "official")
        await official.say("/announce")
        await official.say("Họp dân tại nhà văn hóa.")
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("normal").pack())
        await official.press(PickMode("text").pack())
        asked = texts(await official.press(PickWhen(When.ONCE).pack()))
        assert example_in(asked) > datetime.now(VN)      # the example is in the future
        assert "Chưa đọc được ngày giờ" in texts(await official.say("sáng mai nhé"))
        assert example_in(texts(await official.say("hôm nào đó"))) > datetime.now(VN)
        for past in ("hôm qua 8h", "hom qua", "tối qua 9 giờ", "hôm kia", "thứ Hai tuần trước"):
            answer = texts(await official.say(past))
            assert "Thời điểm này đã qua" in answer and "Xem trước" not in answer, past
        async with app.db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(Notice)) == 0
        await official.say("thứ Hai tuần sau 8h")
        notice = await notice_row(app)
        assert notice.run_at is not None
        local = notice.run_at.astimezone(VN)
        today = datetime.now(VN).date()
        next_monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        assert (local.date(), local.hour, local.minute) == (next_monday, 8, 0)


async def test_a_survey_closing_written_as_people_do_on_telegram(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=6000)
        await make_survey_official(app)
        await tg.text(OFFICIAL, "/survey")
        await tg.press(OFFICIAL, NewSurvey().pack())
        await tg.press(OFFICIAL, PickTemplate("custom").pack())
        await tg.text(OFFICIAL, "Giờ mở cửa nhà văn hóa | Opening hours of the hall")
        await tg.text(OFFICIAL, "Giờ mở cửa hiện nay có phù hợp không?")
        await tg.press(OFFICIAL, PickKind("yesno").pack())
        target = await tg.press(OFFICIAL, QuestionsDone().pack())
        survey_id = PickTarget.unpack(buttons_of(target[-1])[0]).survey_id
        await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.COMMUNE).pack())
        closing = await tg.press(OFFICIAL, PickDelivery(survey_id, "private").pack())
        assert example_in(shown_words(closing)) > datetime.now(VN) + timedelta(days=6)
        bad = await tg.text(OFFICIAL, "khi nào rảnh")
        assert "Chưa đọc được ngày giờ" in shown_words(bad)
        await tg.text(OFFICIAL, "chiều thứ Sáu tuần sau 5h")
        async with app.db.transaction() as s:
            closes = await s.scalar(select(Survey.closes_at).where(Survey.id == survey_id))
        assert closes is not None
        local = closes.astimezone(VN)
        assert (local.weekday(), local.hour, local.minute) == (4, 17, 0)
        assert timedelta(days=4) < local - datetime.now(VN) < timedelta(days=14)
