"""How a conversation copes with people as they write: choices typed in part and without
marks, "quay lại"/"hủy"/"menu" at any step, /start in the middle of a flow, consent given
later, a new village, a survey's answer typed straight away, an address as typed. On the
console and through the Telegram fake, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from handlers.feedback import PickCategory
from handlers.home import MenuEntry, OpenMenu
from handlers.menu import ChangeHome
from handlers.surveys import (
    Manage,
    ManageSurvey,
    MoreQuestions,
    NewSurvey,
    PickClosing,
    PickDelivery,
    PickKind,
    PickTarget,
    PickTemplate,
    QuestionsDone,
    TargetChoice,
)
from services.communes import Communes
from services.db import utcnow
from services.models import User, Village
from services.surveys.models import SurveyAnswer
from services.surveys.service import QuestionSpec, Surveys
from services.update_path import load_parties
from services.users import Users
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

CITIZEN = 7301
OFFICIAL = 7401
MENU = "🏠 Về menu chính"
FEEDBACK_MENU = "📝 Gửi phản ánh, kiến nghị"


async def onboard(person, *, consent: str = "1") -> list:  # type: ignore[no-untyped-def]
    await person.say("/start")
    await person.say("1")           # Tiếng Việt
    await person.say("2")           # Thôn Đoài
    return await person.say(consent)


async def state_of(app, user_id: str = "citizen"):  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        _, _, state = await load_parties(s, "console", user_id, user_id)
        return state


async def user_row(app, external_id: str = "citizen") -> User:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        user = await s.scalar(select(User).where(User.external_id == external_id))
        assert user is not None
        return user


# --- 3. typed choices and control words -----------------------------------------------------

async def test_choices_typed_in_part_without_marks_and_an_ambiguous_one(database_url: str
                                                                         ) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        person.chat_id = person.user_id
        await person.say("/start")
        villages = await person.say("1")
        assert villages[-1].choices[:3] == ("Thôn Đông", "Thôn Đoài", "Thôn Trung")
        ambiguous = await person.say("thon")
        assert "khớp với nhiều lựa chọn" in texts(ambiguous)
        assert ambiguous[-1].choices == ("Thôn Đông", "Thôn Đoài", "Thôn Trung",
                                         "Không thuộc thôn nào")
        consent = await person.say("dong")              # "Thôn Đông", without marks
        assert "Nghị định 13/2023/NĐ-CP" in texts(consent)
        await person.say("đồng ý")
        user = await user_row(app)
        async with app.db.transaction() as s:
            village = await s.get(Village, user.village_id)
            assert village is not None and village.name == "Thôn Đông"

        await person.say(FEEDBACK_MENU)
        described = await person.say("rác")             # "🗑 Rác thải, môi trường"
        assert "mô tả" in texts(described).lower() or "nội dung" in texts(described).lower()
        state = await state_of(app)
        assert (state.flow, state.step, state.data["category"]) == ("feedback", "describe",
                                                                     "waste")


async def test_back_cancel_and_menu_typed_at_any_step(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        person.chat_id = person.user_id
        await onboard(person)
        await person.say(FEEDBACK_MENU)
        await person.say("đường")                       # "🛣 Đường sá, giao thông"
        assert (await state_of(app)).step == "describe"
        back = await person.say("Quay lại")
        assert "Bạn phản ánh về việc gì" in texts(back)
        assert (await state_of(app)).step == "category"
        assert "không quay lại được" in texts(await person.say("quay lai"))

        cancelled = await person.say("hủy")
        assert "Đã hủy" in texts(cancelled)
        assert cancelled[-1].choices[0] == FEEDBACK_MENU  # the menu follows a cancel
        assert (await state_of(app)).flow is None

        await person.say(FEEDBACK_MENU)
        await person.say("nuoc")                        # "🚰 Nước sạch"
        menu = await person.say("MENU")
        assert menu[-1].choices[0] == FEEDBACK_MENU
        assert (await state_of(app)).flow is None


async def test_start_in_the_middle_of_a_flow_asks_first(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        person.chat_id = person.user_id
        await onboard(person)
        await person.say(FEEDBACK_MENU)
        await person.say("an ninh")
        await person.say("Đèn đường thôn Đoài hỏng ba hôm nay")
        asked = await person.say("/start")
        assert "Có bắt đầu lại không" in texts(asked)
        assert asked[-1].choices == ("Bắt đầu lại", "Tiếp tục việc đang làm")
        kept = await person.say("tiep tuc")
        assert "Đã giữ nguyên" in texts(kept)
        state = await state_of(app)
        assert state.flow == "feedback" and "Đèn đường" in state.data["description"]

        await person.say("/start")
        restarted = await person.say("bat dau lai")
        assert restarted[-1].choices[0] == FEEDBACK_MENU
        assert (await state_of(app)).flow is None


async def test_typed_choices_work_on_telegram(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await onboard_on_telegram(tg, CITIZEN)
        await tg.press(CITIZEN, OpenMenu(MenuEntry.FEEDBACK).pack())
        described = await tg.text(CITIZEN, "rac thai")
        assert "Bạn phản ánh về việc gì" not in words(described)
        async with app.db.transaction() as s:
            _, _, state = await load_parties(s,
                "telegram", str(CITIZEN), str(CITIZEN))
        assert (state.step, state.data["category"]) == ("describe", "waste")
        back = await tg.text(CITIZEN, "quay lại")
        assert "Bạn phản ánh về việc gì" in words(back)
        assert PickCategory("waste").pack() in [
            b["callback_data"] for row in back[-1].params["reply_markup"]["inline_keyboard"]
            for b in row]
        cancelled = await tg.text(CITIZEN, "Hủy")
        assert "Đã hủy" in words(cancelled) and "Bạn cần gì" in words(cancelled)
        asked = await tg.text(CITIZEN, "/start")           # nothing in progress: the menu
        assert "Bạn cần gì" in words(asked)


# --- 4. consent later, a new village, a survey's text, an address ---------------------------

async def test_consent_given_later_asks_only_what_is_missing(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        person.chat_id = person.user_id
        await onboard(person, consent="2")              # declined
        needs = await person.say(FEEDBACK_MENU)
        assert "Đồng ý" in needs[-1].choices[0]
        assert "Nghị định 13/2023/NĐ-CP" in texts(needs)  # what is kept, said once
        village = await person.say("1")                 # agree: only the village is asked
        assert "chọn ngôn ngữ" not in texts(village)     # not the whole sign-up again
        assert "Bạn có đồng ý không" not in texts(village)  # nor the consent question
        assert "bạn ở thôn nào" in texts(village)
        saved = await person.say("Thôn Trung")
        assert "Nghị định" not in texts(saved) and "Đã lưu thông tin" in texts(saved)
        assert "Bạn phản ánh về việc gì" in texts(saved)  # the report goes on
        await person.say("hủy")
        user = await user_row(app)
        assert user.consent_at is not None and user.village_id is not None

        # Moving to another village later: no consent question either.
        await person.press(ChangeHome().pack())
        moved = await person.say("dong")
        assert "Nghị định" not in texts(moved) and "Đã lưu xã, thôn mới" in texts(moved)
        moved_to = (await user_row(app)).village_id
        async with app.db.transaction() as s:
            village_row = await s.get(Village, moved_to)
            assert village_row is not None and village_row.name == "Thôn Đông"


async def test_a_survey_text_answer_typed_straight_away(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app, user_id="resident")
        person.chat_id = person.user_id
        await onboard(person)
        async with app.db.transaction() as s:
            demo = await Communes(s).by_code("00000")
            official, _ = await Users(s).get_or_create("console", "official")
            await Users(s).grant_official(official, demo.id)
            surveys = Surveys(s)
            survey = await surveys.from_template("feedback", demo.id, official, utcnow(),
                                                 target={"kind": "commune"})
            await surveys.open(survey, utcnow())
        await app.sender.drain(("console",))
        await person.say("4")
        third = texts(await person.say("1"))
        assert "Câu 3/3" in third
        thanks = await person.say("Đường làng sạch hơn trước")  # without pressing "write"
        assert "Cảm ơn bạn đã cho ý kiến" in texts(thanks)
        async with app.db.transaction() as s:
            written = await s.scalar(select(SurveyAnswer.text).where(
                SurveyAnswer.text.is_not(None)))
        assert written == "Đường làng sạch hơn trước"


async def test_a_survey_opening_on_a_question_in_words_takes_the_typed_answer(
        database_url: str) -> None:
    """The first question reaches the citizen from outside their conversation (the survey
    opens): the words typed next are its answer, and so are those after a later question."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=9300)
        async with app.db.transaction() as s:
            demo = await Communes(s).by_code("00000")
            official, _ = await Users(s).get_or_create("telegram", str(OFFICIAL))
            official.onboarded = True
            await Users(s).grant_official(official, demo.id)
        await onboard_on_telegram(tg, CITIZEN)
        await tg.text(OFFICIAL, "/survey")
        await tg.press(OFFICIAL, NewSurvey().pack())
        await tg.press(OFFICIAL, PickTemplate("custom").pack())
        await tg.text(OFFICIAL, "Việc xã nên làm trước")
        await tg.text(OFFICIAL, "Xã nên làm việc gì trước tiên?")
        await tg.press(OFFICIAL, PickKind("text").pack())
        await tg.press(OFFICIAL, MoreQuestions().pack())
        await tg.text(OFFICIAL, "Bạn góp ý thêm điều gì?")
        await tg.press(OFFICIAL, PickKind("text").pack())
        target = await tg.press(OFFICIAL, QuestionsDone().pack())
        survey_id = PickTarget.unpack(buttons_of(target[-1])[0]).survey_id
        await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.COMMUNE).pack())
        await tg.press(OFFICIAL, PickDelivery(survey_id, "private").pack())
        await tg.press(OFFICIAL, PickClosing(survey_id, 7).pack())
        opened = await tg.press(OFFICIAL, ManageSurvey(survey_id, Manage.OPEN).pack())
        assert "gửi tới 1 người" in words(opened)
        first = words(tg.shown(CITIZEN)[-1:])
        assert "Câu 1/2" in first and "Xã nên làm việc gì trước tiên?" in first
        assert "gõ" in first.lower()

        second = words(await tg.text(CITIZEN, "Sửa đường liên thôn"))  # no "write" pressed
        assert "Câu 2/2" in second and "Bạn góp ý thêm điều gì?" in second
        thanks = words(await tg.text(CITIZEN, "Lắp thêm đèn ở ngã ba"))
        assert "Cảm ơn bạn đã cho ý kiến" in thanks
        # Once answered, what is typed is read as a message again, not as an answer.
        after = words(await tg.text(CITIZEN, "đèn đường thôn Đông bị hỏng"))
        assert "Gửi phản ánh" in after or "phản ánh" in after.lower()
        async with app.db.transaction() as s:
            written = list(await s.scalars(select(SurveyAnswer.text)
                                           .where(SurveyAnswer.survey_id == survey_id)
                                           .order_by(SurveyAnswer.question_id)))
        assert written == ["Sửa đường liên thôn", "Lắp thêm đèn ở ngã ba"]


async def comment_survey(app, official_id: str = "official") -> int:  # type: ignore[no-untyped-def]
    """A one-question survey (a comment in words) opened for the demo commune; its id."""
    async with app.db.transaction() as s:
        demo = await Communes(s).by_code("00000")
        official, _ = await Users(s).get_or_create("console", official_id)
        await Users(s).grant_official(official, demo.id)
        surveys = Surveys(s)
        survey = await surveys.create(
            demo.id, official, title={"vi": "Góp ý về chợ", "en": "The market"},
            questions=[QuestionSpec("text", {"vi": "Bạn góp ý điều gì?",
                                             "en": "Your comment?"}, optional=True)],
            target={"kind": "commune"}, opens_at=utcnow(),
            closes_at=utcnow() + timedelta(days=1))
        await surveys.open(survey, utcnow())
        return survey.id


async def test_on_the_console_a_first_question_in_words_is_answered_by_typing_while_open(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app, user_id="resident")
        person.chat_id = person.user_id
        await onboard(person)
        await comment_survey(app)
        await app.sender.drain(("console",))
        answered = await person.say("Chợ cần thêm mái che")      # typed straight away
        assert "Cảm ơn bạn đã cho ý kiến" in texts(answered)

        # A survey closed while its question was the last message: words are words again.
        closed_id = await comment_survey(app)
        await app.sender.drain(("console",))
        async with app.db.transaction() as s:
            closed = await Surveys(s).get(closed_id)
            assert closed is not None
            await Surveys(s).close(closed, utcnow())
        later = await person.say("Chợ cần thêm mái che")
        assert later and "Cảm ơn bạn đã cho ý kiến" not in texts(later)
        assert "đã đóng" not in texts(later)
        async with app.db.transaction() as s:
            answers = list(await s.scalars(select(SurveyAnswer.survey_id)))
        assert closed_id not in answers and len(answers) == 1


async def test_a_typed_address_is_kept_as_typed(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        person.chat_id = person.user_id
        await onboard(person)                            # lives in Thôn Đoài
        await person.say(FEEDBACK_MENU)
        await person.say("duong sa")
        await person.say("Ổ gà lớn giữa đường")
        location = await person.say("1")                 # "continue" after the photos step
        assert "ở đâu" in texts(location).lower() or location[-1].choices
        await person.say("Ngã ba chợ Chiều")            # an address typed, no village chosen
        state = await state_of(app)
        assert state.data["address"] == "Ngã ba chợ Chiều"
        assert state.data["village_id"] is None          # not the home village, unasked


# --- 6. the register ------------------------------------------------------------------------

PARTICLES = ("nhé", "nha ", "Dạ", " ạ")


async def test_the_register_as_a_citizen_reads_it(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        person.chat_id = person.user_id
        await onboard(person)
        seen = texts(await person.say("x" * 4001)) + texts(await person.say("/track ABC"))
        assert "Mời gửi ngắn gọn hơn." in seen
        assert not any(particle in seen for particle in PARTICLES), seen

        await person.say("/lang en")
        card = texts(await person.say("dang ky ket hon can giay to gi"))
        assert "1 working day" in card and "1 working days" not in card
        assert not re.search(r"\d,\d{1,2}(?!\d)", card), card
