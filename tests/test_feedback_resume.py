"""/start typed in the middle of writing a report asks before dropping the draft; «Tiếp tục
việc đang làm» asks the step's question again, with its buttons (or numbers on the console),
and the report filed at the end holds what was typed before /start. Through the Telegram fake
and the console, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

import bot.app  # noqa: F401  (every handler module, so every flow is declared)
from handlers.feedback import (
    ContentDone,
    PickCategory,
    PickPlace,
    SendReport,
    SetAnonymous,
    SetUrgent,
)
from handlers.flows import _FLOWS
from handlers.home import MenuEntry, OpenMenu
from handlers.menu import RestartAnswer
from handlers.understand import FileTyped
from services.feedback.models import FeedbackReport
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import (
    TelegramDriver,
    buttons_of,
    console_app,
    onboard_on_telegram,
    session,
    telegram_app,
    texts,
    words,
)
from tests.test_console_flows import onboard

CITIZEN = 7501
KEPT = "Đã giữ nguyên thông tin đang nhập"


def test_every_step_a_kept_draft_returns_to_is_asked_again() -> None:
    """A flow's step that /start may interrupt knows how to ask its question again (the
    onboarding is never interrupted: /start before it ends starts it over)."""
    for name in ("feedback", "feedback_rating", "survey_text", "notice", "survey_new",
                 "filing", "notice_edit", "feedback_text", "understand"):
        flow = _FLOWS[name]
        assert set(flow.transitions) <= set(flow.back), name


async def keep(tg: TelegramDriver) -> list:
    asked = await tg.text(CITIZEN, "/start")
    assert "Có bắt đầu lại không" in words(asked)
    return await tg.press(CITIZEN, RestartAnswer(False).pack())


async def test_continuing_re_asks_the_offer_to_send_typed_text(database_url: str) -> None:
    """Free text offered as a report, then /start and «Tiếp tục»: the offer comes again with
    the text, and sending it files that text."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await onboard_on_telegram(tg, CITIZEN)
        typed = "đèn đường thôn Đông bị hỏng mấy hôm nay"
        offered = await tg.text(CITIZEN, typed)
        assert "Có vẻ bạn muốn phản ánh" in words(offered)
        kept = await keep(tg)
        assert KEPT in words(kept)
        again = kept[-1]
        assert "Có vẻ bạn muốn phản ánh" in again.params["text"] and typed in again.params["text"]
        send = buttons_of(again)[0]
        assert FileTyped.unpack(send).category == "lighting"
        photos = await tg.press(CITIZEN, send)                  # the text is the description
        assert "mời bạn gửi thêm" in photos[-1].params["text"]
        await tg.press(CITIZEN, ContentDone().pack())
        await tg.press(CITIZEN, PickPlace(None).pack())
        await tg.press(CITIZEN, SetUrgent(False).pack())
        await tg.press(CITIZEN, SetAnonymous(False).pack())
        filed = await tg.press(CITIZEN, SendReport().pack())
        assert "PA-00000-" in words(filed)
        async with app.db.transaction() as s:
            report = (await s.scalars(select(FeedbackReport))).one()
        assert (report.description, report.category) == (typed, "lighting")


async def test_continuing_re_asks_each_step_of_a_report(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await onboard_on_telegram(tg, CITIZEN)
        await tg.press(CITIZEN, OpenMenu(MenuEntry.FEEDBACK).pack())
        await tg.press(CITIZEN, PickCategory("roads").pack())
        kept = await keep(tg)                                   # the description
        assert KEPT in words(kept) and "Mời bạn mô tả sự việc" in kept[-1].params["text"]
        await tg.text(CITIZEN, "Cống thoát nước trước nhà văn hóa bị tắc.")
        kept = await keep(tg)                                   # the photos
        assert "mời bạn gửi thêm" in kept[-1].params["text"]
        assert buttons_of(kept[-1]) == [ContentDone().pack()]
        await tg.press(CITIZEN, ContentDone().pack())
        await tg.press(CITIZEN, PickPlace(None).pack())
        kept = await keep(tg)                                   # urgent or not
        assert "khẩn cấp" in kept[-1].params["text"]
        assert buttons_of(kept[-1]) == [SetUrgent(True).pack(), SetUrgent(False).pack()]
        await tg.press(CITIZEN, SetUrgent(True).pack())
        kept = await keep(tg)                                   # anonymous or not
        assert buttons_of(kept[-1]) == [SetAnonymous(True).pack(), SetAnonymous(False).pack()]
        await tg.press(CITIZEN, SetAnonymous(False).pack())
        kept = await keep(tg)                                   # the summary
        assert "Cống thoát nước trước nhà văn hóa bị tắc." in kept[-1].params["text"]
        assert SendReport().pack() in buttons_of(kept[-1])
        assert "Thông tin được công khai: chỉ loại phản ánh" in kept[-1].params["text"]
        assert "Open311" not in kept[-1].params["text"]
        filed = await tg.press(CITIZEN, SendReport().pack())
        assert "PA-00000-" in words(filed)
        async with app.db.transaction() as s:
            report = (await s.scalars(select(FeedbackReport))).one()
        assert (report.description, report.category, report.urgent) == (
            "Cống thoát nước trước nhà văn hóa bị tắc.", "roads", True)


async def test_continuing_on_the_console_keeps_the_numbers_of_the_step(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await person.say("/feedback")
        await person.say("1")                                   # roads
        await person.say("Đèn đường thôn Đông tắt cả tuần nay.")
        await person.say("/start")
        kept = await person.say("2")                            # go on with the report
        assert KEPT in texts(kept) and kept[-1].choices == ("Tiếp tục ▶",)
        where = await person.say("1")                           # «Tiếp tục», not «Bắt đầu lại»
        assert "Sự việc ở đâu?" in texts(where)
        await person.say("/start")
        kept = await person.say("2")                            # the place, asked again
        assert "Sự việc ở đâu?" in texts(kept)
        await person.say("Ngõ 5, gần cổng chùa")
        await person.say("2")                                   # not urgent
        await person.say("/start")
        kept = await person.say("2")
        assert "ẩn tên" in texts(kept)
        summary = await person.say("2")                         # not anonymous
        assert "Đèn đường thôn Đông tắt cả tuần nay." in texts(summary)
        filed = await person.say("1")                           # send
        assert "PA-00000-" in texts(filed)
        async with app.db.transaction() as s:
            report = (await s.scalars(select(FeedbackReport))).one()
        assert (report.description, report.address) == (
            "Đèn đường thôn Đông tắt cả tuần nay.", "Ngõ 5, gần cổng chùa")
