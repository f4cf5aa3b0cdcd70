"""The online filing walk and surveys on Zalo, end to end: the fake Zalo Bot API posts to the
real app's webhook, the citizen types numbers (Zalo has no buttons), the real database keeps
the walk and the answers. The same flows on Telegram: test_filing_telegram.py and
test_surveys_telegram.py."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.channels.console import ConsoleSession, Shown
from handlers.context import HandlerConfig
from services.filing.models import ASPECTS, FilingRating
from services.filing.service import expected_date
from services.surveys.models import Survey, SurveyAnswer
from services.surveys.service import Surveys
from services.users import Users
from services.worktime import WorkCalendar
from tests.fakes.zalo_api import FakeZaloAPI, text_update
from tests.filing_support import CODE, filings_of
from tests.helpers import texts
from tests.surveys_support import neighbours_answer
from tests.zalo_helpers import Citizen, console_official, number_of, onboard, settle, zalo_app

NEIGHBOUR = "6b2c3d4e5f6a7b8c9d0e"


async def test_birth_registration_walk_by_numbers_with_skip_back_and_resume(
        database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        me = Citizen(fake, app=app)
        menu = await onboard(me)
        offer = await me.choose(menu, "Nộp hồ sơ trực tuyến")
        assert offer.startswith("Để được hướng dẫn nộp hồ sơ trực tuyến")
        step = await me.choose(offer, "Đăng ký khai sinh")
        assert step.startswith("🧭 Đăng ký khai sinh\nBước 1/5: Tài khoản Cổng Dịch vụ công\n")
        assert "VNeID mức 2" in step and "Công an xã" in step
        assert step.endswith("\n\n1. ✅ Tôi đã có tài khoản\n2. 🙋 Tôi cần người giúp\n"
                             "3. ◀ Quay lại\n4. Bỏ qua ▶\n5. ✖ Dừng hướng dẫn")

        step = await me.say("4")                                          # skip step 1
        assert "\nBước 2/5: Tìm thủ tục, chuẩn bị giấy tờ\n" in step
        assert "mã thủ tục 1.001193" in step and "Đã sẵn sàng 0/3." in step
        # The papers come first among the choices, so "2" ticks the second paper; Zalo cannot
        # edit a message, so the checklist is shown again.
        assert "\n2. ☐ Giấy chứng sinh" in step and "\n4. Tiếp: khai tờ khai ▶" in step
        step = await me.say("2")
        assert "☑ 2. Giấy chứng sinh" in step and "Đã sẵn sàng 1/3." in step
        assert "\n2. ☑ Giấy chứng sinh" in step and "\n1. ☐ Tờ khai" in step
        assert (await _filing(app, me)).checklist == [1]
        await me.say("1")
        step = await me.say("3")
        assert "Đã sẵn sàng 3/3." in step

        step = await me.choose(step, "Tiếp: khai tờ khai")
        assert "\nBước 3/5: Khai tờ khai điện tử\n" in step
        assert "Họ, chữ đệm, tên của trẻ" in step and "Kho dữ liệu cá nhân" in step
        step = await me.say("quay lai")        # a choice's words, typed without diacritics
        assert "\nBước 2/5: " in step and "Đã sẵn sàng 3/3." in step
        step = await me.choose(step, "Tiếp: khai tờ khai")
        assert "\nBước 3/5: " in step
        nudge = await me.say("cho tôi hỏi")
        assert nudge.startswith("Bạn đang ở bước 3/5.")
        assert await me.say("9") == "Mời gõ một số từ 1 đến 4."
        assert (await _filing(app, me)).step == 3

        # A pause: the menu offers the unfinished walk, and a number resumes it.
        menu = await me.say("/menu")
        offer = await me.choose(menu, "Nộp hồ sơ trực tuyến")
        assert "Bạn đang làm dở:\n• Đăng ký khai sinh — bước 3/5" in offer
        resumed, step = await me.send(
            text_update(me.chat, number_of(offer, "▶ Làm tiếp: Đăng ký khai sinh")), answers=2)
        assert resumed == "Mời bạn làm tiếp «Đăng ký khai sinh» từ bước 3/5."
        assert "\nBước 3/5: " in step

        step = await me.choose(step, "Tiếp: nộp hồ sơ")
        assert "\nBước 4/5: Nộp hồ sơ\n" in step and "gõ mã hồ sơ" in step
        assert step.endswith("\n\n1. ◀ Quay lại\n2. Bỏ qua ▶\n3. ✖ Dừng hướng dẫn")
        assert "chưa đúng dạng mã hồ sơ" in await me.say("HS 2024 số 1")
        saved, step = await me.send(text_update(me.chat, CODE), answers=2)
        assert saved == f"✅ Đã lưu mã hồ sơ {CODE}."
        assert "\nBước 5/5: Nộp phí và nhận kết quả\n" in step
        assert "💰 Lệ phí nộp trực tuyến: miễn phí." in step
        assert "bưu điện" in step and "Bộ phận một cửa" in step
        filing = await _filing(app, me)
        due = expected_date(WorkCalendar(), filing.submitted_at, 1)
        day = due.astimezone(ZoneInfo(HandlerConfig().timezone)).strftime("%d/%m/%Y")
        assert f"📅 Dự kiến có kết quả: {day} (1 ngày làm việc" in step
        assert step.endswith("\n\n1. ✅ Xong\n2. ◀ Quay lại\n3. ✖ Dừng hướng dẫn")

        done = await me.choose(step, "Xong")
        assert done.startswith(f"🎉 Đã hoàn tất. Thôn Số đã lưu mã hồ sơ {CODE}.")
        assert done.endswith("\n\n1. 🔎 Xem tình trạng hồ sơ\n2. 🏠 Về menu chính")
        status = await me.say("1")
        assert status.startswith(f"📂 Hồ sơ {CODE}\nThủ tục: Đăng ký khai sinh\n")
        assert "chưa có cập nhật từ cán bộ xã" in status

        filing = await _filing(app, me)
        assert (filing.procedure_code, filing.status, filing.step, filing.reached) == (
            "1.001193", "finished", 5, 5)
        assert filing.skipped == [1] and sorted(filing.checklist) == [0, 1, 2]
        assert filing.dossier_code == CODE and filing.finished_at is not None
        async with app.db.transaction() as session:
            citizen = await Users(session).find("zalo", me.chat)
            assert filing.commune_id == citizen.commune_id is not None

        # The official's word about the dossier reaches Zalo; the citizen rates it by number.
        official = await console_official(app)
        await official.say(f"/dossier_status {CODE} ready Mời nhận kết quả tại xã")
        [told] = await me.receive()
        assert told.startswith(f"📂 Hồ sơ {CODE} (Đăng ký khai sinh): đã có kết quả.")
        question = await me.choose(told, "Đánh giá mức độ hài lòng")
        assert question.startswith(f"⭐ Đánh giá hồ sơ {CODE} (1/5)")
        assert question.endswith("\n\n1. 1\n2. 2\n3. 3\n4. 4\n5. 5\n6. Bỏ qua ▶")
        following = await me.say("5")
        assert following.startswith(f"⭐ Đánh giá hồ sơ {CODE} (2/5)")
        assert (await me.choose(following, "Bỏ qua")).startswith(
            f"⭐ Đánh giá hồ sơ {CODE} (3/5)")
        async with app.db.transaction() as session:
            ratings = list(await session.scalars(select(FilingRating)))
        assert [(r.filing_id, r.aspect, r.score) for r in ratings] == [
            (filing.id, ASPECTS[0], 5)]


async def test_village_survey_answered_by_number_changed_and_counted_once(
        database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        me, neighbour = Citizen(fake, app=app), Citizen(fake, NEIGHBOUR)
        await onboard(me)                       # Thôn Đoài
        await onboard(neighbour, village=1)     # Thôn Đông, not asked

        # An official writes a 1–5 question for Thôn Đoài in the console, by numbers too.
        official = await console_official(app)
        shown = await _official_says(app, official, "/survey")
        shown = await _pick(app, official, shown, "Tạo khảo sát mới")
        shown = await _pick(app, official, shown, "Tự soạn")
        await _official_says(app, official, "Ý kiến về đường thôn mới | Opinion on the new road")
        shown = await _official_says(app, official, "Bạn hài lòng với con đường mới đến mức nào?")
        shown = await _pick(app, official, shown, "Thang điểm 1–5")
        shown = await _pick(app, official, shown, "Xong")
        shown = await _pick(app, official, shown, "Thôn Đoài")
        shown = await _pick(app, official, shown, "Tiếp tục")
        shown = await _pick(app, official, shown, "Nhắn riêng")
        preview = await _pick(app, official, shown, "1 ngày")
        assert "Đối tượng: Thôn Đoài" in texts(preview)
        opened = texts(await _pick(app, official, preview, "Mở khảo sát"))
        assert "gửi tới 1 người" in opened
        async with app.db.transaction() as session:
            [survey] = list(await session.scalars(select(Survey)))
            survey_id, closes_at = survey.id, survey.closes_at
            village_id = survey.target["village_ids"][0]

        invitation, question = await me.receive(2)
        assert invitation.startswith(
            "📋 UBND xã mời bạn cho ý kiến: «Ý kiến về đường thôn mới» (1 câu hỏi")
        assert question.startswith("Câu 1/1 — Ý kiến về đường thôn mới\n"
                                   "Bạn hài lòng với con đường mới đến mức nào?\n")
        assert question.endswith("\n\n1. 1\n2. 2\n3. 3\n4. 4\n5. 5")

        thanks = await me.say("2")
        assert thanks.startswith("Cảm ơn bạn đã cho ý kiến!")
        assert thanks.endswith("\n\n1. ✏️ Đổi câu trả lời")
        again = await me.choose(thanks, "Đổi câu trả lời")
        assert "Bạn đã trả lời: 2" in again and again.endswith("\n5. 5")
        body = text_update(me.chat, "4")
        changed, thanks = await me.send(body, answers=2)
        assert changed == "Đã cập nhật câu trả lời của bạn."
        assert thanks.startswith("Cảm ơn bạn đã cho ý kiến!")
        assert await fake.post_to_webhook(body) == 200      # Zalo delivers it again
        assert app.metrics.value("thonso_duplicates_total") == 1
        await neighbours_answer(app, survey_id, [3, 5, 5, 5])

        async with app.db.transaction() as session:
            mine = await Users(session).find("zalo", me.chat)
            answers = list(await session.scalars(select(SurveyAnswer)))
            results = await Surveys(session).results(await session.get(Survey, survey_id))
        assert [(a.value, a.changes, a.via, a.village_id) for a in answers
                if a.user_id == mine.id] == [(4, 1, "private", village_id)]
        assert results.respondents == 5
        assert results.questions[0].distribution == {3: 1, 4: 1, 5: 3}
        counted = "5 câu trả lời · hài lòng (4–5 điểm): 80,0% · điểm trung bình: 4,40"
        shown = await _official_says(app, official, f"/survey {survey_id}")
        live = texts(await _pick(app, official, shown, "Xem kết quả"))
        assert "Số người trả lời: 5" in live and counted in live

        # It closes on schedule (the job with an injected clock); the official gets the results.
        before = len(app.console.shown)
        assert await app.survey_jobs.run_once(now=closes_at + timedelta(seconds=1)) >= 1
        await settle(app)
        [closing] = [m.text for m in app.console.shown[before:] if m.chat_id == "official"]
        assert closing.startswith(f"📊 Kết quả khảo sát #{survey_id}: Ý kiến về đường thôn mới")
        assert "Số người trả lời: 5" in closing and counted in closing

        # Too late: a clear word on Zalo, and the answer stays as it was.
        late = await me.choose(thanks, "Đổi câu trả lời")
        assert late.startswith("Khảo sát «Ý kiến về đường thôn mới» đã đóng")
        assert len(fake.sent_to(NEIGHBOUR)) == neighbour.seen   # not asked: Thôn Đông
        async with app.db.transaction() as session:
            answer = await session.scalar(select(SurveyAnswer).where(
                SurveyAnswer.user_id == mine.id))
        assert (answer.value, answer.changes) == (4, 1)


async def _filing(app, me: Citizen):  # type: ignore[no-untyped-def]
    [filing] = await filings_of(app, me.chat, channel="zalo")
    return filing


async def _official_says(app, official: ConsoleSession, text: str) -> list[Shown]:  # type: ignore[no-untyped-def]
    """What the console showed the official after typing `text`. The app's own sender runs
    beside the console session and may be the one to show it: wait until the outbox is
    empty rather than trusting the session's drain alone."""
    before = len(app.console.shown)
    await official.say(text)
    await settle(app)
    return [m for m in app.console.shown[before:] if m.chat_id == official.chat_id]


async def _pick(app, official: ConsoleSession, shown: list[Shown], label: str) -> list[Shown]:  # type: ignore[no-untyped-def]
    """Type the number of the choice containing `label` in the last message with choices."""
    choices = next(m.choices for m in reversed(shown) if m.choices)
    numbers = [n for n, choice in enumerate(choices, start=1) if label in choice]
    assert numbers, (label, choices)
    return await _official_says(app, official, str(numbers[0]))
