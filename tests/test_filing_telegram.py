"""The online filing guide end to end through the Telegram channel: the real
python-telegram-bot `Bot` against the fake Bot API, updates posted to the app's webhook. Birth
registration (1.001193) through all five steps with one back and one skip, a restart of the
app in the middle, a resume from the menu, then the dossier's status."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.context import HandlerConfig
from handlers.filing import DossierStatus, Step, TickPaper, Walk, WalkAction
from handlers.onboarding import Consent, OnboardLanguage
from handlers.procedures import ShowCard
from services.filing.actions import ResumeFiling, StartFiling
from services.filing.service import expected_date
from services.worktime import WorkCalendar
from tests.fakes.telegram_api import FakeTelegramAPI, make_callback_update, make_message_update
from tests.filing_support import CODE, filings_of
from tests.helpers import buttons_of, telegram_app

CHAT = 5553001


class Citizen:
    """One Telegram user: sends, presses the buttons of the last message, reads the answers."""

    def __init__(self, fake: FakeTelegramAPI) -> None:
        self.fake = fake
        self.update = 0
        self.seen = 0
        self.last = None

    def _sent(self, call) -> bool:  # type: ignore[no-untyped-def]
        return call.ok and call.chat_id == CHAT and call.method in (
            "sendMessage", "editMessageText")

    async def _post(self, update: dict, expect: int) -> list:
        assert await self.fake.post_to_webhook(update) == 200
        calls = await self.fake.wait_for(self._sent, self.seen + expect, timeout=30)
        new, self.seen = calls[self.seen:], len(calls)
        self.last = new[-1]
        return new

    async def say(self, text: str, expect: int = 1) -> list:
        self.update += 1
        return await self._post(make_message_update(self.update, CHAT, CHAT, text), expect)

    async def press(self, data: str, expect: int = 1) -> list:
        assert data in buttons_of(self.last), (data, buttons_of(self.last))
        self.update += 1
        return await self._post(make_callback_update(self.update, CHAT, CHAT, data,
                                                     self.last.result["message_id"]), expect)


def text(calls: list) -> str:
    return "\n".join(call.params["text"] for call in calls)


async def test_birth_registration_walk_with_back_skip_restart_and_resume(
        database_url: str) -> None:
    async with FakeTelegramAPI() as fake:
        me = Citizen(fake)
        async with telegram_app(database_url, fake) as app:
            await me.say("/start")
            await me.press(OnboardLanguage("vi").pack())
            await me.press(buttons_of(me.last)[0])
            await me.press(Consent(True).pack(), expect=2)
            card = await me.say("làm giấy khai sinh")
            assert text(card).startswith("📄 Đăng ký khai sinh\n")

            step = await me.press(StartFiling("1.001193").pack())
            assert "🧭 Đăng ký khai sinh\nBước 1/5: Tài khoản Cổng Dịch vụ công" in text(step)
            assert "VNeID mức 2" in text(step) and "Công an xã" in text(step)
            fid = Walk.unpack(buttons_of(me.last)[0]).filing_id
            assert buttons_of(me.last) == [
                *(Walk(fid, Step.ACCOUNT, action).pack()
                  for action in (WalkAction.NEXT, WalkAction.HELP)),
                ShowCard("1.001193").pack(),
                *(Walk(fid, Step.ACCOUNT, action).pack()
                  for action in (WalkAction.SKIP, WalkAction.CANCEL))]

            step = await me.press(Walk(fid, Step.ACCOUNT, WalkAction.SKIP).pack())  # skip step 1
            assert "Bước 2/5: Tìm thủ tục, chuẩn bị giấy tờ" in text(step)
            assert "mã thủ tục 1.001193" in text(step) and "Đã sẵn sàng 0/3." in text(step)
            for index in (0, 1, 2):
                [edited] = await me.press(TickPaper(fid, index).pack())
                assert edited.method == "editMessageText"
            assert "Đã sẵn sàng 3/3." in edited.params["text"]
            assert buttons_of(me.last)[:3] == [TickPaper(fid, i).pack() for i in range(3)]

            step = await me.press(Walk(fid, Step.PAPERS, WalkAction.NEXT).pack())
            assert "Bước 3/5: Khai tờ khai điện tử" in text(step)
            assert "Họ, chữ đệm, tên của trẻ" in text(step)
            assert "Kho dữ liệu cá nhân" in text(step)
            step = await me.press(Walk(fid, Step.FORM, WalkAction.BACK).pack())  # back to step 2
            assert "Bước 2/5" in text(step) and "Đã sẵn sàng 3/3." in text(step)
            step = await me.press(Walk(fid, Step.PAPERS, WalkAction.NEXT).pack())
            assert "Bước 3/5" in text(step)
            nudge = await me.say("cho tôi hỏi")
            assert "Bạn đang ở bước 3/5" in text(nudge)
            me.last = step[-1]

        async with telegram_app(database_url, fake) as app:                # a new instance
            nudge = await me.say("xin chào")
            assert "Bạn đang ở bước 3/5" in text(nudge)                   # the walk survived
            await me.say("/menu")
            menu = await me.press("menu:filing")
            assert "Bạn đang làm dở:\n• Đăng ký khai sinh — bước 3/5" in text(menu)
            step = await me.press(ResumeFiling(fid).pack(), expect=2)
            assert "Mời bạn làm tiếp «Đăng ký khai sinh» từ bước 3/5" in text(step)
            assert "Bước 3/5" in step[-1].params["text"]

            step = await me.press(Walk(fid, Step.FORM, WalkAction.NEXT).pack())
            assert "Bước 4/5: Nộp hồ sơ" in text(step) and "mã hồ sơ" in text(step)
            wrong = await me.say("HS 2024 số 1")
            assert "chưa đúng dạng mã hồ sơ" in text(wrong)
            step = await me.say(CODE, expect=2)
            assert f"✅ Đã lưu mã hồ sơ {CODE}." in text(step)
            last = step[-1].params["text"]
            assert "Bước 5/5: Nộp phí và nhận kết quả" in last
            assert "💰 Lệ phí nộp trực tuyến: miễn phí." in last
            assert "bưu điện" in last and "Bộ phận một cửa" in last

            filing = await _filing(app)
            due = expected_date(WorkCalendar(), filing.submitted_at, 1)
            day = due.astimezone(ZoneInfo(HandlerConfig().timezone)).strftime("%d/%m/%Y")
            assert f"📅 Dự kiến có kết quả: {day} (1 ngày làm việc" in last

            done = await me.press(Walk(fid, Step.PAY, WalkAction.NEXT).pack())
            assert f"Thôn Số đã lưu mã hồ sơ {CODE}" in text(done)
            status = await me.press(DossierStatus(fid).pack())
            assert f"📂 Hồ sơ {CODE}" in text(status)
            assert "chưa có cập nhật từ cán bộ xã" in text(status)

            filing = await _filing(app)
            assert (filing.status, filing.step, filing.reached) == ("finished", 5, 5)
            assert filing.skipped == [1] and filing.checklist == [0, 1, 2]
            assert filing.dossier_code == CODE and filing.finished_at is not None


async def _filing(app):  # type: ignore[no-untyped-def]
    [filing] = await filings_of(app, str(CHAT), channel="telegram")
    return filing
