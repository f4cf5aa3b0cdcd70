""""quay lại" (or "trở lại", "lui") typed at any step of the officials' wizards and of the
filing walk: the step before is asked again with its buttons and what was entered stays; with
no step before, the current one is asked again. A button of the step returned to works, a
button of the step left gets the stale answer and changes nothing; /start in the middle asks
first. Through the Telegram fake, and once on the console, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.filing import Step as WalkStep
from handlers.filing import TickPaper, Walk, WalkAction
from handlers.groups import LinkVillage
from handlers.menu import RestartAnswer
from handlers.notices import (
    EditNotice,
    EditStep,
    KeepContent,
    PickMode,
    PickPriority,
    PickRepeat,
    PickTargets,
    PickWhen,
    Repeat,
    Targets,
    ToggleDay,
    When,
)
from handlers.surveys import (
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
from services.conversations import ConversationState
from services.documents.actions import CutDocument, UseDocument
from services.documents.models import NoticeDocument
from services.filing.actions import ResumeFiling, StartFiling
from services.notices.models import Notice
from services.surveys.models import Survey
from services.update_path import load_parties
from tests.documents_support import docx_bytes, sample
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    make_callback_update,
    make_message_update,
    make_my_chat_member_update,
)
from tests.filing_support import filings_of
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
from tests.notices_support import engines, make_official
from tests.test_audio_tts import FakeGoogleTTS
from tests.test_documents_telegram import _announce_document
from tests.test_notices_telegram import Telegram

OFFICIAL = 7401
CITIZEN = 7402
GROUPS = (-1007401, -1007402)
STALE = "Nút này đã cũ"
NO_EARLIER = "Bước này không quay lại được"


async def state_of(app: Any, chat: int | str, channel: str = "telegram") -> ConversationState:
    async with app.db.transaction() as s:
        _, _, state = await load_parties(s, channel, str(chat), str(chat))
        return state




def labels(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


# --- the notice wizard ----------------------------------------------------------------------

async def link_groups(tg: TelegramDriver, app: Any) -> Any:
    commune = await make_official(app, str(OFFICIAL), channel="telegram")
    for index, group in enumerate(GROUPS):
        await tg.post(make_my_chat_member_update(next(tg.ids), group, OFFICIAL))
        await tg.post(make_message_update(next(tg.ids), group, OFFICIAL, "/link"))
        await tg.post(make_callback_update(next(tg.ids), group, OFFICIAL, LinkVillage(
            commune.id, commune.villages[index].id).pack(), 1))
    return commune


async def test_the_notice_wizard_goes_back_step_by_step(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        commune = await link_groups(tg, app)
        first = commune.villages[0]
        await tg.text(OFFICIAL, "/announce")
        again = await tg.text(OFFICIAL, "quay lại")            # nothing before the text
        assert NO_EARLIER in words(again) and "Mời anh/chị gõ nội dung" in again[-1].params["text"]

        await tg.text(OFFICIAL, "Họp dân thôn Đông lúc 8 giờ sáng thứ Bảy.")
        await tg.press(OFFICIAL, PickTargets(Targets.VILLAGE, first.id).pack())
        back = await tg.text(OFFICIAL, "Quay lại")             # targets → the text, kept
        assert "«Họp dân thôn Đông lúc 8 giờ sáng thứ Bảy.»" in back[-1].params["text"]
        assert buttons_of(back[-1])[0] == KeepContent().pack()
        stale = await tg.press(OFFICIAL, PickTargets(Targets.DONE).pack())
        assert STALE in words(stale)
        state = await state_of(app, OFFICIAL)
        assert (state.step, state.data["villages"]) == ("text", [first.id])

        targets = await tg.press(OFFICIAL, KeepContent().pack())
        assert f"✅ {first.name}" in labels(targets[-1])      # the village chosen stays
        await tg.press(OFFICIAL, PickTargets(Targets.DONE).pack())
        await tg.press(OFFICIAL, PickPriority("priority").pack())
        back = await tg.text(OFFICIAL, "trở lại")              # mode → priority
        assert "Sẽ gửi tới 1 nhóm. Mức độ thông báo?" in back[-1].params["text"]
        assert buttons_of(back[-1])[0] == PickPriority("normal").pack()
        assert STALE in words(await tg.press(OFFICIAL, PickMode("voice").pack()))
        mode = await tg.press(OFFICIAL, PickPriority("normal").pack())   # the earlier button
        assert "Gửi bằng chữ, giọng đọc" in words(mode)

        await tg.press(OFFICIAL, PickMode("text").pack())
        await tg.press(OFFICIAL, PickWhen(When.REPEAT).pack())
        await tg.press(OFFICIAL, PickRepeat(Repeat.WEEKLY).pack())
        await tg.press(OFFICIAL, ToggleDay(0).pack())
        back = await tg.text(OFFICIAL, "lui")                  # days → repeat
        assert "Lặp lại thế nào?" in back[-1].params["text"]
        assert STALE in words(await tg.press(OFFICIAL, ToggleDay(1).pack()))
        back = await tg.text(OFFICIAL, "quay lai")             # repeat → when
        assert "Khi nào gửi?" in back[-1].params["text"]

        asked = await tg.text(OFFICIAL, "/start")              # the draft is not dropped unasked
        assert "Có bắt đầu lại không" in words(asked)
        kept = await tg.press(OFFICIAL, RestartAnswer(False).pack())
        assert "Đã giữ nguyên" in words(kept) and "Khi nào gửi?" in kept[-1].params["text"]

        await tg.press(OFFICIAL, PickWhen(When.NOW).pack())
        async with app.db.transaction() as s:
            notice = (await s.scalars(select(Notice))).one()
        assert notice.text == "Họp dân thôn Đông lúc 8 giờ sáng thứ Bảy."
        assert (notice.village_ids, notice.priority, notice.mode, notice.schedule) == (
            [first.id], "normal", "text", "now")
        assert (await state_of(app, OFFICIAL)).flow is None

        await tg.press(OFFICIAL, EditNotice(notice.id, EditStep.TEXT).pack())
        again = await tg.text(OFFICIAL, "quay lại")    # a one-step flow asks its step again
        assert NO_EARLIER in words(again) and "Mời gõ nội dung mới." in again[-1].params["text"]
        assert (await state_of(app, OFFICIAL)).flow == "notice_edit"


async def test_announce_typed_again_mid_draft_offers_the_text_given(database_url: str) -> None:
    """/announce typed again before the preview starts over at the first question, offering
    the text already given instead of dropping it."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await link_groups(tg, app)
        await tg.text(OFFICIAL, "/announce")
        await tg.text(OFFICIAL, "Họp dân thôn Đông lúc 8 giờ sáng thứ Bảy.")
        await tg.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
        again = await tg.text(OFFICIAL, "/announce")
        assert "«Họp dân thôn Đông lúc 8 giờ sáng thứ Bảy.»" in again[-1].params["text"]
        assert buttons_of(again[-1])[0] == KeepContent().pack()
        assert (await state_of(app, OFFICIAL)).step == "text"
        await tg.text(OFFICIAL, "Lịch tiêm chủng tháng 12 tại trạm y tế xã.")   # a new text
        await tg.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
        await tg.press(OFFICIAL, PickPriority("normal").pack())
        await tg.press(OFFICIAL, PickMode("text").pack())
        await tg.press(OFFICIAL, PickWhen(When.NOW).pack())
        async with app.db.transaction() as s:
            notice = (await s.scalars(select(Notice))).one()
        assert notice.text == "Lịch tiêm chủng tháng 12 tại trạm y tế xã."


async def test_back_from_the_targets_to_a_documents_preview_keeps_its_text(
        database_url: str, google: FakeGoogleTTS) -> None:
    from tests.test_notices_telegram import OFFICIAL as WRITER
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, docx_bytes(sample()), "tb.docx")
        await tg.said(WRITER, "Anh/chị muốn làm gì tiếp theo", timeout=60)
        await tg.press(WRITER, CutDocument(1).pack())
        await tg.said(WRITER, "số đoạn đầu muốn giữ")
        await tg.say(WRITER, "quay lại")                       # the count → the preview
        await tg.said(WRITER, "Anh/chị muốn làm gì tiếp theo", count=2)
        await tg.press(WRITER, UseDocument(1).pack())
        await tg.said(WRITER, "Gửi tới đâu")
        await tg.say(WRITER, "quay lại")                       # the targets → the preview
        preview = await tg.said(WRITER, "Anh/chị muốn làm gì tiếp theo", count=3)
        assert buttons_of(preview)[0] == UseDocument(1).pack()
        async with app.db.transaction() as s:
            document = await s.get(NoticeDocument, 1)
            assert document is not None and document.status == "ready"
            assert sample().body[0][:60] in document.text
        await tg.press(WRITER, PickTargets(Targets.WHOLE).pack())
        await tg.said(WRITER, STALE)
        await tg.press(WRITER, UseDocument(1).pack())          # the preview's button works
        await tg.said(WRITER, "Gửi tới đâu", count=2)
        await tg.press(WRITER, PickTargets(Targets.WHOLE).pack())
        await tg.press(WRITER, PickPriority("normal").pack())
        await tg.press(WRITER, PickWhen(When.NOW).pack())
        await tg.said(WRITER, "Xem trước", timeout=30)
        async with app.db.transaction() as s:
            notice = (await s.scalars(select(Notice))).one()
        assert sample().body[0][:60] in notice.text and notice.source_document == "tb.docx"


async def test_back_from_a_documents_preview_drops_the_document(
        database_url: str, google: FakeGoogleTTS) -> None:
    from tests.test_notices_telegram import OFFICIAL as WRITER
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, docx_bytes(sample()), "tb.docx")
        await tg.said(WRITER, "Anh/chị muốn làm gì tiếp theo", timeout=60)
        await tg.say(WRITER, "quay lại")                       # the preview → the first step
        await tg.said(WRITER, "Mời anh/chị gõ nội dung", count=2)
        async with app.db.transaction() as s:
            document = await s.get(NoticeDocument, 1)
            assert document is not None and document.status == "discarded"
        await tg.press(WRITER, UseDocument(1).pack())
        await tg.said(WRITER, STALE)
        await tg.say(WRITER, "Loa phát thanh: lịch tiêm vắc xin tuần này.")
        await tg.said(WRITER, "Gửi tới đâu")
        await tg.press(WRITER, PickTargets(Targets.WHOLE).pack())
        await tg.press(WRITER, PickPriority("normal").pack())
        await tg.said(WRITER, "Gửi bằng chữ, giọng đọc")   # typed text: the mode is asked
        await tg.press(WRITER, PickMode("text").pack())
        await tg.press(WRITER, PickWhen(When.NOW).pack())
        await tg.said(WRITER, "Xem trước", timeout=30)
        async with app.db.transaction() as s:
            notice = (await s.scalars(select(Notice))).one()
        assert (notice.text, notice.source_document) == (
            "Loa phát thanh: lịch tiêm vắc xin tuần này.", None)

        await _announce_document(tg, fake, docx_bytes(sample()), "tb2.docx")
        await tg.said(WRITER, "Anh/chị muốn làm gì tiếp theo", count=2, timeout=60)
        await tg.say(WRITER, "hủy")                            # the document goes too
        cancelled = await tg.said(WRITER, "Đã hủy, chưa gửi gì")
        assert cancelled.params.get("reply_markup") is None
        await tg.said(WRITER, "Việc của cán bộ xã")            # then the menu
        async with app.db.transaction() as s:
            document = await s.get(NoticeDocument, 2)
            assert document is not None and document.status == "discarded"


async def test_cancel_typed_in_the_wizard_shows_the_menu(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await link_groups(tg, app)
        await tg.text(OFFICIAL, "/announce")
        await tg.text(OFFICIAL, "Lịch tiêm phòng tháng này.")
        cancelled = await tg.text(OFFICIAL, "hủy")
        assert "Đã hủy" in words(cancelled) and buttons_of(cancelled[-1])
        assert (await state_of(app, OFFICIAL)).flow is None
        async with app.db.transaction() as s:
            assert (await s.scalars(select(Notice))).all() == []


async def test_an_official_who_never_signed_up_as_a_citizen_may_type_menu_and_cancel(
        database_url: str) -> None:
    """Officials skip the citizen's sign-up; "menu" and "hủy" typed in their wizard are
    still words of control, never the notice's text."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await link_groups(tg, app)
        async with app.db.transaction() as s:
            [official] = await users_with_id(s, OFFICIAL)
            official.onboarded = False
        await tg.text(OFFICIAL, "/announce")
        shown = await tg.text(OFFICIAL, "menu")
        assert "Gửi tới đâu?" not in words(shown)
        assert (await state_of(app, OFFICIAL)).flow is None
        await tg.text(OFFICIAL, "/announce")
        await tg.text(OFFICIAL, "Lịch tiêm phòng tháng này.")
        cancelled = await tg.text(OFFICIAL, "hủy")
        assert "Đã hủy" in words(cancelled) and (await state_of(app, OFFICIAL)).flow is None
        async with app.db.transaction() as s:
            assert (await s.scalars(select(Notice))).all() == []


async def users_with_id(s: Any, chat: int) -> list[Any]:
    from services.models import User
    return list((await s.scalars(select(User).where(User.external_id == str(chat)))).all())


# --- the survey wizard ----------------------------------------------------------------------

async def test_the_survey_wizard_goes_back_and_reopens_a_question(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await make_official(app, str(OFFICIAL), channel="telegram")
        await tg.text(OFFICIAL, "/survey")
        await tg.press(OFFICIAL, NewSurvey().pack())
        again = await tg.text(OFFICIAL, "quay lại")            # nothing before the templates
        assert NO_EARLIER in words(again)
        assert PickTemplate("custom").pack() in buttons_of(again[-1])

        await tg.press(OFFICIAL, PickTemplate("custom").pack())
        back = await tg.text(OFFICIAL, "quay lại")             # title → templates
        assert PickTemplate("custom").pack() in buttons_of(back[-1])
        await tg.press(OFFICIAL, PickTemplate("custom").pack())
        await tg.text(OFFICIAL, "Ý kiến về chợ mới")
        await tg.text(OFFICIAL, "Bà con có hài lòng với chợ mới không?")
        added = await tg.press(OFFICIAL, PickKind("yesno").pack())
        assert "Khảo sát có 1 câu hỏi" in words(added)

        back = await tg.text(OFFICIAL, "quay lại")             # question added → its kind
        assert "Người dân trả lời câu này thế nào?" in back[-1].params["text"]
        assert STALE in words(await tg.press(OFFICIAL, MoreQuestions().pack()))
        state = await state_of(app, OFFICIAL)
        assert (state.step, state.data["questions"]) == ("q_kind", [])
        added = await tg.press(OFFICIAL, PickKind("scale").pack())       # the earlier button
        assert "Khảo sát có 1 câu hỏi" in words(added)

        await tg.press(OFFICIAL, MoreQuestions().pack())
        back = await tg.text(OFFICIAL, "quay lại")             # question 2 → question added
        assert "Khảo sát có 1 câu hỏi" in back[-1].params["text"]
        await tg.press(OFFICIAL, QuestionsDone().pack())

        async with app.db.transaction() as s:
            survey = (await s.scalars(select(Survey))).one()
            survey_id = survey.id
            assert [q.kind for q in survey.questions] == ["scale"]
        await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.COMMUNE).pack())
        await tg.press(OFFICIAL, PickDelivery(survey_id, "private").pack())
        back = await tg.text(OFFICIAL, "quay lại")             # closing → delivery
        assert "Gửi khảo sát bằng cách nào?" in back[-1].params["text"]
        assert STALE in words(await tg.press(OFFICIAL, PickClosing(survey_id, 7).pack()))
        back = await tg.text(OFFICIAL, "quay lại")             # delivery → target
        assert "hỏi ai?" in back[-1].params["text"]
        again = await tg.text(OFFICIAL, "quay lại")            # the survey is made: no further
        assert NO_EARLIER in words(again) and "hỏi ai?" in again[-1].params["text"]
        assert STALE in words(await tg.press(OFFICIAL, PickDelivery(survey_id, "anon").pack()))

        await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.COMMUNE).pack())
        await tg.press(OFFICIAL, PickDelivery(survey_id, "both").pack())
        await tg.text(OFFICIAL, "/start")
        kept = await tg.press(OFFICIAL, RestartAnswer(False).pack())
        assert "Đã giữ nguyên" in words(kept) and "Khi nào đóng khảo sát?" in words(kept)
        preview = await tg.press(OFFICIAL, PickClosing(survey_id, 7).pack())
        assert f"Khảo sát #{survey_id}: Ý kiến về chợ mới" in words(preview)
        async with app.db.transaction() as s:
            survey = await s.get(Survey, survey_id)
            assert survey is not None
            assert (survey.status, survey.private, survey.groups, survey.anonymous) == (
                "draft", True, True, False)
        assert (await state_of(app, OFFICIAL)).flow is None


async def test_cancel_in_the_survey_wizard_says_what_is_kept(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await make_official(app, str(OFFICIAL), channel="telegram")
        await tg.text(OFFICIAL, "/survey")
        await tg.press(OFFICIAL, NewSurvey().pack())
        await tg.press(OFFICIAL, PickTemplate("custom").pack())
        await tg.text(OFFICIAL, "Ý kiến về đường mới")
        dropped = await tg.text(OFFICIAL, "hủy")               # nothing made yet: all goes
        assert "Đã hủy. Thông tin đang nhập dở đã được xóa." in words(dropped)
        async with app.db.transaction() as s:
            assert (await s.scalars(select(Survey))).all() == []

        await tg.text(OFFICIAL, "/survey")
        await tg.press(OFFICIAL, NewSurvey().pack())
        await tg.press(OFFICIAL, PickTemplate("custom").pack())
        await tg.text(OFFICIAL, "Ý kiến về chợ mới")
        await tg.text(OFFICIAL, "Bà con có hài lòng với chợ mới không?")
        await tg.press(OFFICIAL, PickKind("yesno").pack())
        await tg.press(OFFICIAL, QuestionsDone().pack())        # the survey is made here
        kept = await tg.text(OFFICIAL, "hủy")
        async with app.db.transaction() as s:
            [survey] = (await s.scalars(select(Survey))).all()
            assert survey.status == "draft"
        said = words(kept)
        assert f"Khảo sát #{survey.id} «Ý kiến về chợ mới» vẫn được lưu ở dạng bản nháp" in said
        assert "đã được xóa" not in said and buttons_of(kept[-1])   # the menu follows
        assert (await state_of(app, OFFICIAL)).flow is None


# --- the filing walk ------------------------------------------------------------------------

async def walk_of(app: Any) -> Any:
    [filing] = await filings_of(app, str(CITIZEN), "telegram")
    return filing


async def test_the_filing_walk_goes_back_typed_and_after_a_resume(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app)
        await onboard_on_telegram(tg, CITIZEN)
        step = await tg.press(CITIZEN, StartFiling("1.001193").pack())
        fid = Walk.unpack(buttons_of(step[-1])[0]).filing_id
        card = await tg.text(CITIZEN, "quay lại")     # the step's own "◀ Quay lại": the card
        assert words(card).startswith("📄 Đăng ký khai sinh\n")

        await tg.press(CITIZEN, Walk(fid, WalkStep.ACCOUNT, WalkAction.NEXT).pack())
        await tg.press(CITIZEN, TickPaper(fid, 0).pack())
        await tg.press(CITIZEN, Walk(fid, WalkStep.PAPERS, WalkAction.GO).pack())
        back = await tg.text(CITIZEN, "quay lại")              # step 3 → step 2, ticks kept
        assert "Bước 2/5" in back[-1].params["text"] and "Đã sẵn sàng 1/3." in words(back)
        assert (await walk_of(app)).step == 2
        later = await tg.press(CITIZEN, Walk(fid, WalkStep.FORM, WalkAction.NEXT).pack())
        assert "Nút này thuộc một bước sau" in words(later)
        assert (await walk_of(app)).step == 2
        warned = await tg.press(CITIZEN, Walk(fid, WalkStep.PAPERS, WalkAction.NEXT).pack())
        assert "◀ Quay lại" not in labels(warned[-1])
        back = await tg.text(CITIZEN, "lui")     # no Back button under the warning: the table
        assert "Bước 1/5" in back[-1].params["text"]
        assert (await walk_of(app)).step == 1

        await tg.press(CITIZEN, Walk(fid, WalkStep.ACCOUNT, WalkAction.NEXT).pack())
        await tg.press(CITIZEN, Walk(fid, WalkStep.PAPERS, WalkAction.GO).pack())
        await tg.press(CITIZEN, Walk(fid, WalkStep.FORM, WalkAction.BACK).pack())
        await tg.press(CITIZEN, Walk(fid, WalkStep.PAPERS, WalkAction.HELP).pack())
        back = await tg.text(CITIZEN, "trở lại")     # after the Back button: further back
        assert "Bước 1/5" in back[-1].params["text"]

        await tg.press(CITIZEN, Walk(fid, WalkStep.ACCOUNT, WalkAction.NEXT).pack())
        await tg.press(CITIZEN, Walk(fid, WalkStep.PAPERS, WalkAction.GO).pack())
        menu = await tg.text(CITIZEN, "menu")                  # the walk is paused
        assert "Bạn cần gì" in words(menu)
        await tg.press(CITIZEN, ResumeFiling(fid).pack())
        paused = await tg.text(CITIZEN, "/start")     # kept, as from the menu: nothing asked
        assert "Có bắt đầu lại không" not in words(paused)
        assert "Đã lưu «Đăng ký khai sinh» ở bước 3/5. Bạn có thể làm tiếp" in words(paused)
        assert "Bạn cần gì" in words(paused)
        assert (await state_of(app, CITIZEN)).flow is None
        filing = await walk_of(app)
        assert (filing.step, filing.status) == (3, "active")
        kept = await tg.press(CITIZEN, ResumeFiling(fid).pack())
        assert "Bước 3/5" in kept[-1].params["text"]
        await tg.press(CITIZEN, Walk(fid, WalkStep.FORM, WalkAction.HELP).pack())
        back = await tg.text(CITIZEN, "quay lai")              # a resumed walk goes back too
        assert "Bước 2/5" in back[-1].params["text"]
        filing = await walk_of(app)
        assert (filing.step, filing.reached, filing.status) == (2, 3, "active")

        asked = await tg.text(CITIZEN, "hủy")                  # the walk's cancel asks first
        assert "Bạn muốn dừng hẳn hướng dẫn «Đăng ký khai sinh»?" in words(asked)
        assert (await walk_of(app)).status == "active"
        dropped = await tg.press(CITIZEN, Walk(fid, WalkStep.PAPERS, WalkAction.DROP).pack())
        assert "Đã dừng hướng dẫn" in words(dropped) and "Bạn cần gì" in words(dropped)
        assert (await walk_of(app)).status == "cancelled"
        assert (await state_of(app, CITIZEN)).flow is None


# --- the console ----------------------------------------------------------------------------

async def test_going_back_typed_on_the_console(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official")
        official = session(app, user_id="official", name="Cán bộ xã")
        official.chat_id = official.user_id      # a private chat's id is the person's id
        await official.say("/survey")
        await official.press(NewSurvey().pack())
        await official.say("tự soạn")
        await official.say("Ý kiến về giờ làm việc")
        await official.say("Giờ làm việc của UBND xã có phù hợp không?")
        kinds = await official.say("quay lại")                 # kind → the question's text
        assert "Gõ câu hỏi số 1" in texts(kinds)
        await official.say("Giờ mở cửa có phù hợp không?")
        await official.say("co khong")
        back = await official.say("quay lại")
        assert "Người dân trả lời câu này thế nào?" in texts(back)
        assert back[-1].choices[0].startswith("Thang điểm")
        await official.say("1")
        state = await state_of(app, "official", channel="console")
        assert (state.step, [q["text"]["vi"] for q in state.data["questions"]]) == (
            "q_more", ["Giờ mở cửa có phù hợp không?"])
        assert state.data["questions"][0]["kind"] == "scale"
