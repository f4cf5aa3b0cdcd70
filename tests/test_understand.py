"""Free text understood end to end: the console channel and the Telegram fake for each kind of
message, the classifier on its own, and `python -m bot understand` as a separate process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.feedback import ContentDone, PickPlace, SendReport, SetAnonymous, SetUrgent
from handlers.understand import FileTyped, OtherCategory
from locales import Translator
from services.communes import Communes, set_profile
from services.feedback.models import FeedbackReport
from services.procedures.catalogue import load_catalogue
from services.procedures.search import ProcedureIndex
from services.understand.classifier import Classifier, Intent
from services.understand.referrals import referrals
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
from tests.test_procedures_cli import cli

STREET_LIGHT = "đèn đường thôn Đông bị hỏng"


async def onboard(person) -> None:  # type: ignore[no-untyped-def]
    for line in ("/start", "1", "1", "1"):  # Vietnamese, first village, consent
        await person.say(line)


async def finish_report(person):  # type: ignore[no-untyped-def]
    """From the photos step to the sent report: no photo, no place, not urgent, named."""
    await person.press(ContentDone().pack())
    await person.press(PickPlace(None).pack())
    await person.press(SetUrgent(False).pack())
    await person.press(SetAnonymous(False).pack())
    return await person.press(SendReport().pack())


async def only_report(app) -> FeedbackReport:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        reports = list(await s.scalars(select(FeedbackReport)))
    assert len(reports) == 1
    return reports[0]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(ProcedureIndex(load_catalogue()), referrals())


@pytest.mark.parametrize(("text", "intent", "detail"), [
    ("lam giay khai sinh cho con", Intent.PROCEDURE, "1.001193"),
    ("dang ky tam tru o dau", Intent.PROCEDURE, "1.004194"),
    (STREET_LIGHT, Intent.FEEDBACK, "lighting"),
    ("rac do bay ra duong khong ai don", Intent.FEEDBACK, "waste"),
    ("xa lam viec may gio", Intent.OFFICE_INFO, "hours"),
    ("cho xin sdt ubnd xa", Intent.OFFICE_INFO, "phone"),
    ("xin cấp lại sổ đỏ", Intent.REFERRAL, "land"),
    ("sang ten xe may cu", Intent.PROCEDURE, "TS-XEMAY"),
    ("sang ten oto cu", Intent.REFERRAL, "vehicle"),
    ("lam can cuoc o dau", Intent.PROCEDURE, "TS-CANCUOC"),
    ("xin giay phep xay dung nha o", Intent.PROCEDURE, "TS-GPXD"),
    ("TS-XEMAY", Intent.PROCEDURE, "TS-XEMAY"),
    ("1.001193", Intent.PROCEDURE, "1.001193"),
    ("dang ky ho kinh doanh", Intent.PROCEDURE, "1.001612"),
    ("cảm ơn ạ", Intent.GREETING, None),
    ("gia vang hom nay", Intent.UNKNOWN, None),
])
def test_each_kind_of_message_is_told_apart(classifier: Classifier, text: str, intent: Intent,
                                            detail: str | None) -> None:
    found = classifier.classify(text)
    assert found.intent is intent
    assert (found.code or found.category or found.topic) == detail


def test_a_stolen_red_book_is_no_contract_matter(classifier: Classifier) -> None:
    found = classifier.classify("xin cap lai so do")
    assert found.intent is Intent.REFERRAL and found.topic == "land"
    assert all(not m.code.startswith("2.00") for m in found.matches)


async def test_a_typed_problem_is_filed_with_its_text_after_confirmation(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        offer = await person.say(STREET_LIGHT)
        assert "Gửi phản ánh?" in texts(offer) and f"«{STREET_LIGHT}»" in texts(offer)
        assert offer[-1].choices[0] == "📨 Gửi phản ánh — 💡 Chiếu sáng, điện"
        assert "Đã ghi nhận nội dung" in texts(await person.press(FileTyped("lighting").pack()))
        done = await finish_report(person)
        assert "Mã theo dõi: PA-00000-" in texts(done)
        report = await only_report(app)
        assert (report.description, report.category) == (STREET_LIGHT, "lighting")


async def test_the_citizen_may_change_the_guessed_category(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await person.say("nuoc may mat ca tuan nay")
        listed = await person.press(OtherCategory().pack())
        assert "🛣 Đường sá, giao thông" in listed[-1].choices
        await person.press(FileTyped("roads").pack())
        await finish_report(person)
        report = await only_report(app)
        assert (report.description, report.category) == ("nuoc may mat ca tuan nay", "roads")


async def test_a_commune_without_the_guessed_category_lets_the_citizen_choose(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            commune = await Communes(s).by_code("00000")
            commune.settings = {**(commune.settings or {}),
                                "feedback": {"categories": ["roads", "other"]}}
        person = session(app)
        await onboard(person)
        offer = await person.say(STREET_LIGHT)
        assert "Mời bạn chọn lĩnh vực" in texts(offer)
        listed = await person.press(OtherCategory().pack())
        assert len(listed[-1].choices) == 3  # the commune's two categories, and the menu
        await person.press(FileTyped("other").pack())
        await finish_report(person)
        assert (await only_report(app)).category == "other"


async def test_an_unknown_question_is_sent_to_the_commune_as_typed(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        shown = await person.say("con voi bay qua cầu vồng")
        assert "chưa hiểu câu hỏi" in texts(shown)
        assert shown[-1].choices == ("📨 Gửi câu hỏi tới xã", "🏠 Về menu chính")
        await person.say("1")
        await person.press(FileTyped("other").pack())
        await finish_report(person)
        assert (await only_report(app)).description == "con voi bay qua cầu vồng"


async def test_none_of_the_close_procedures_sends_the_question_as_typed(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        shown = await person.say("hộ nghèo")
        assert "Có phải một trong các thủ tục sau không?" in texts(shown)
        assert shown[-1].choices[-1] == "Không phải — gửi câu hỏi tới xã"
        await person.say(str(len(shown[-1].choices)))
        await person.press(FileTyped("admin").pack())
        await finish_report(person)
        report = await only_report(app)
        assert (report.description, report.category) == ("hộ nghèo", "admin")


async def test_typing_again_instead_of_confirming_reads_the_new_text(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await person.say(STREET_LIGHT)
        card = await person.say("lam giay khai sinh cho con")
        assert texts(card).startswith("📄 Đăng ký khai sinh")
        assert "Nút này đã cũ" in texts(await person.press(FileTyped("lighting").pack()))


async def test_procedure_office_referral_and_greeting_answers(database_url: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            commune = await Communes(s).by_code("00000")
            set_profile(commune, office_hours="7h30–11h30, 13h30–17h, thứ Hai đến thứ Sáu")
        person = session(app)
        await onboard(person)
        assert texts(await person.say("lam giay khai sinh cho con")).startswith(
            "📄 Đăng ký khai sinh")
        hours = texts(await person.say("xa lam viec may gio"))
        assert "🕗 Giờ làm việc: 7h30–11h30, 13h30–17h" in hours
        phone = texts(await person.say("so dien thoai cua uy ban xa"))
        assert "chưa cập nhật số điện thoại" in phone and "🕗 Giờ làm việc" in phone
        land = texts(await person.say("xin cấp lại sổ đỏ"))
        assert land.startswith("ℹ️ Đất đai") and "Văn phòng đăng ký đất đai" in land
        assert "Chứng thực hợp đồng" not in land and "dichvucong.gov.vn" in land
        passport = texts(await person.say("lam ho chieu o dau"))
        assert "Quản lý xuất nhập cảnh" in passport
        thanks = await person.say("cảm ơn ạ")
        assert Translator("vi")("procedures.thanks") in texts(thanks)
        assert len(thanks[-1].choices) > 2


async def test_residence_cards_send_citizens_to_the_commune_police(database_url: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            commune = await Communes(s).by_code("00000")
            set_profile(commune, office_address="Số 1 đường Trung tâm", desk_location="Tầng 1")
        person = session(app)
        await onboard(person)
        for question in ("đăng ký tạm trú", "khai bao tam vang o dau", "nhap ho khau cho vo"):
            card = texts(await person.say(question))
            assert "📍 Nơi nộp: Công an xã — " in card, question
            assert "Bộ phận một cửa" not in card and "Số 1 đường Trung tâm" not in card
        birth = texts(await person.say("đăng ký khai sinh"))
        assert "📍 Nơi nộp: Bộ phận một cửa UBND" in birth
        assert "Địa chỉ: Số 1 đường Trung tâm" in birth and "Bộ phận Một cửa: Tầng 1" in birth


async def test_on_telegram_a_typed_problem_becomes_a_report(database_url: str) -> None:
    chat = 5553001
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=2000)
        await onboard_on_telegram(tg, chat)
        offer = await tg.text(chat, "ddenf dduwowngf hongr rooif")
        assert "Gửi phản ánh?" in words(offer)
        assert buttons_of(offer[-1])[0] == FileTyped("lighting").pack()
        await tg.press(chat, FileTyped("lighting").pack())
        for data in (ContentDone().pack(), PickPlace(None).pack(), SetUrgent(False).pack(),
                     SetAnonymous(False).pack()):
            await tg.press(chat, data)
        done = await tg.press(chat, SendReport().pack())
        assert "Mã theo dõi" in words(done)
        report = await only_report(app)
        assert (report.description, report.category) == ("ddenf dduwowngf hongr rooif",
                                                         "lighting")
        office = await tg.text(chat, "uy ban xa o dau")
        assert "chưa cập nhật địa chỉ trụ sở" in words(office)


async def test_cli_prints_json_and_json_lines(database_url: str, tmp_path: Path) -> None:
    done = cli(database_url, tmp_path, "understand", STREET_LIGHT, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"intent": "feedback", "code": None,
                                       "category": "lighting", "topic": None}
    lines = cli(database_url, tmp_path, "understand", "-",
                stdin="lam ho chieu o dau\nxa lam viec may gio\ndang ky tam tru\nchao ad\n\n")
    assert lines.returncode == 0, lines.stderr
    assert [json.loads(line) for line in lines.stdout.splitlines()] == [
        {"intent": "referral", "code": None, "category": None, "topic": "passport"},
        {"intent": "office_info", "code": None, "category": None, "topic": "hours"},
        {"intent": "procedure", "code": "1.004194", "category": None, "topic": None},
        {"intent": "greeting", "code": None, "category": None, "topic": None},
        {"intent": "unknown", "code": None, "category": None, "topic": None},
    ]
    plain = cli(database_url, tmp_path, "understand", "xin cap lai so do")
    assert plain.stdout.strip() == "referral topic=land"
