"""Asking about procedures through the console session (the in-process channel): questions,
"did you mean", no match, the menu entry, QR posters, deep links and bad input."""

import io

import zxingcpp
from PIL import Image

from handlers.procedures import AskExample, SendPoster, ShowCard, card, poster_for
from locales import Translator
from services.communes import Communes
from services.models import Commune
from services.procedures.catalogue import load_catalogue
from services.procedures.store import DESK_SETTING
from services.users import Users
from tests.helpers import console_app, session, texts


def catalogue_entry(code: str):  # type: ignore[no-untyped-def]
    return next(p for p in load_catalogue() if p.code == code)


async def onboard(person) -> None:  # type: ignore[no-untyped-def]
    await person.say("/start")
    await person.say("1")
    await person.say("1")
    await person.say("1")


def decode(png: bytes) -> str:
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return barcode.text


# --- the card ------------------------------------------------------------------------------

def test_card_of_birth_registration_lists_papers_fees_time_and_desk() -> None:
    commune = Commune(name="Xã Tân Hòa", settings={DESK_SETTING: {
        "address": "Trụ sở UBND xã, thôn Đông", "hours": "Thứ Hai–thứ Sáu, 7h30–17h00",
        "contact": "0210 3888 999"}})
    text = card(Translator("vi"), catalogue_entry("1.001193"), commune)
    assert text.startswith("📄 Đăng ký khai sinh\nLĩnh vực: Hộ tịch · Mã thủ tục: 1.001193")
    assert "📍 Nơi nộp: Bộ phận một cửa UBND — Xã Tân Hòa" in text
    assert "Địa chỉ: Trụ sở UBND xã, thôn Đông" in text
    assert "Giờ làm việc: Thứ Hai–thứ Sáu, 7h30–17h00" in text
    assert "Liên hệ: 0210 3888 999" in text
    papers = text.split("📋 Giấy tờ cần chuẩn bị:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert papers[0].startswith("☐ Tờ khai đăng ký khai sinh") and papers[0].endswith(
        "(1 bản chính)")
    assert "Tùy trường hợp:" in papers
    required = papers[:papers.index("Tùy trường hợp:")]
    assert len(required) == 3 and all(line.startswith("☐ ") for line in required)
    assert "• Mọi hình thức nộp: miễn phí — Miễn lệ phí khi đăng ký đúng hạn" in text
    assert "⏱ Thời gian giải quyết: 1 ngày làm việc" in text
    assert "🌐 Nộp hồ sơ trực tuyến được" in text


def test_card_shows_that_filing_online_is_cheaper() -> None:
    text = card(Translator("vi"), catalogue_entry("1.004222"), None)
    assert "📍 Nơi nộp: Công an cấp xã nơi cư trú" in text  # residence: the commune police
    assert "• Nộp trực tiếp: 20.000 đồng/lần" in text
    assert "• Nộp trực tuyến: 10.000 đồng/lần khi nộp trực tuyến" in text
    assert "👉 Nộp trực tuyến rẻ hơn: 10.000 đ thay vì 20.000 đ." in text
    assert "⏱ Thời gian giải quyết: 7 ngày làm việc" in text


def test_card_of_a_fully_online_procedure_and_in_english() -> None:
    procedure = catalogue_entry("1.008004")
    vi = card(Translator("vi"), procedure, None)
    assert "🌐 Nộp trực tuyến toàn trình được (không phải đến xã)." in vi
    assert "• Mọi hình thức nộp: miễn phí" in vi
    en = card(Translator("en"), procedure, None)
    assert "📍 Where to file: the one-stop desk of the commune People's Committee" in en
    assert "📋 Papers to prepare:" in en and "💰 Fees:" in en
    assert "⏱ Processing time: 5 working days" in en
    assert "🌐 Can be filed fully online" in en


def test_card_of_a_desk_only_procedure_says_so() -> None:
    text = card(Translator("vi"), catalogue_entry("2.000815"), None)
    assert "• Nộp trực tiếp: 2.000 đồng/trang" in text
    assert "🏛 Thủ tục này chưa nộp trực tuyến được" in text


def test_a_local_code_is_said_to_be_thon_sos_own_and_its_agency_is_the_place() -> None:
    procedure = catalogue_entry("TS-CANCUOC")
    vi = card(Translator("vi"), procedure, Commune(name="Xã Tân Hòa"))
    assert "Lĩnh vực: Căn cước · Mã riêng của Thôn Số: TS-CANCUOC" in vi
    assert f"📍 Nơi nộp: {procedure.agency}\n" in vi and "Xã Tân Hòa" not in vi
    assert "ℹ️ Cách làm: Làm thẻ lần đầu hoặc kích hoạt định danh điện tử mức 2" in vi
    en = card(Translator("en"), procedure, None)
    assert "Thôn Số's own code: TS-CANCUOC (not for searching the public service portal)" in en
    assert poster_for(procedure, None, "b").footer == "Mã riêng của Thôn Số TS-CANCUOC · Thôn Số"
    birth = catalogue_entry("1.001193")
    assert poster_for(birth, None, "b").footer == "Mã thủ tục 1.001193 · Thôn Số"


def test_the_place_of_filing_is_the_records_agency() -> None:
    copy = card(Translator("vi"), catalogue_entry("2.000908"), Commune(name="Xã Tân Hòa"))
    assert "📍 Nơi nộp: Cơ quan, tổ chức đang quản lý sổ gốc (UBND cấp xã nếu sổ gốc lưu" in copy
    permit = card(Translator("vi"), catalogue_entry("TS-GPXD"), Commune(name="Xã Tân Hòa"))
    assert "📍 Nơi nộp: Bộ phận một cửa UBND — Xã Tân Hòa" in permit
    business = card(Translator("vi"), catalogue_entry("1.001612"), Commune(name="Xã Tân Hòa"))
    assert "📍 Nơi nộp: Bộ phận một cửa UBND — Xã Tân Hòa" in business


# --- conversations -------------------------------------------------------------------------

async def test_free_text_question_gets_the_card(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(bot_username="xa_bot")
        person = session(app)
        await onboard(person)
        shown = await person.say("dang ky ket hon can giay to gi")
        assert texts(shown).startswith("📄 Đăng ký kết hôn\n")
        assert "📋 Giấy tờ cần chuẩn bị:" in texts(shown)
        assert shown[-1].choices == ("🧭 Hướng dẫn nộp trực tuyến", "🔳 Mã QR",
                                     "🏠 Về menu chính")
        poster = await person.say("2")      # the QR button
        assert poster[-1].kind == "photo"
        assert decode(poster[-1].data) == "https://t.me/xa_bot?start=p_1_000894"


async def test_unsure_question_offers_choices(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        shown = await person.say("hộ nghèo")
        assert "Có phải một trong các thủ tục sau không?" in texts(shown)
        assert shown[-1].choices[0].startswith("Công nhận hộ nghèo, hộ cận nghèo")
        assert shown[-1].choices[-1] == "Không phải — gửi câu hỏi tới xã"
        chosen = await person.say("1")
        assert texts(chosen).startswith("📄 Công nhận hộ nghèo, hộ cận nghèo")


async def test_menu_entry_explains_and_examples_answer(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        intro = await person.press("menu:procedures")
        assert "có dấu hay không dấu đều được" in texts(intro)
        assert intro[-1].choices[:3] == ("Làm giấy khai sinh cho con cần gì?",
                                         "Đăng ký kết hôn cần giấy tờ gì?",
                                         "Chứng thực bản sao hết bao nhiêu tiền?")
        answer = await person.say("1")
        assert texts(answer).startswith("📄 Đăng ký khai sinh\n")


async def test_deep_link_opens_the_card(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        shown = await person.say("/start p_2_000815")
        assert texts(shown).startswith("📄 Chứng thực bản sao từ bản chính")
        assert shown[-1].choices == ("🏠 Về menu chính",)    # no poster without a username
        gone = await person.say("/start p_9_999999")
        assert "không còn trong danh mục" in texts(gone)
        for payload in ("p_zzz", "p_", "p_1_001193_", "p_1.001193"):
            bad = await person.say(f"/start {payload}")
            assert "không đúng hoặc đã cũ" in texts(bad), payload


async def test_official_gets_a_printable_poster(database_url: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            commune = (await Communes(s).all())[0]
            users = Users(s)
            official, _ = await users.get_or_create("console", "official")
            await users.grant_official(official, commune.id)
        app.set_config(bot_username="xa_tan_hoa_bot")
        person = session(app, user_id="official")
        await onboard(person)
        shown = await person.say("/qr 1.001193")
        document = shown[-1]
        assert document.kind == "document" and document.filename == "qr_1.001193.png"
        assert decode(document.data) == "https://t.me/xa_tan_hoa_bot?start=p_1_001193"
        assert "Mã QR của thủ tục «Đăng ký khai sinh»" in document.text
        assert "Cách dùng: /qr" in texts(await person.say("/qr"))
        assert "Không có thủ tục mã «9.999999»" in texts(await person.say("/qr 9.999999"))

        citizen = session(app)
        await onboard(citizen)
        assert "chỉ dành cho cán bộ" in texts(await citizen.say("/qr 1.001193"))


async def test_bad_input_gets_a_clear_answer(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        empty = await person.send(person._incoming(text="   "))
        assert "Mời bạn gõ câu hỏi về thủ tục" in texts(empty)
        assert "ngắn quá" in texts(await person.say("x"))
        assert "chỉ đọc được chữ" in texts(await person.say("😀🙏👍"))
        assert "chỉ đọc được chữ" in texts(await person.say("?!…"))
        longest = await person.say("thủ tục " * 499 + "ab")
        assert len("thủ tục " * 499 + "ab") == 3994 and texts(longest)
        assert "Tin nhắn dài quá" in texts(await person.say("a" * 4001))
        greeting = await person.say("Xin chào")
        assert "Xin chào!" in texts(greeting)
        assert greeting[-1].choices[0] == "📝 Gửi phản ánh, kiến nghị"

        tcvn3 = await person.say("§¨ng ký kÕt h«n cÇn giÊy tê g×")    # TCVN3 shown as cp1252
        assert "Thôn Số hiểu là: «Đăng ký kết hôn cần giấy tờ gì»" in texts(tcvn3)
        assert "📄 Đăng ký kết hôn" in texts(tcvn3)
        vni = await person.say("Ñaêng kyù keát hoân")                  # VNI shown as cp1252
        assert "«Đăng ký kết hôn»" in texts(vni) and "📄 Đăng ký kết hôn" in texts(vni)
        utf8 = await person.say("Ä‘Äƒng kÃ½ káº¿t hÃ´n")             # UTF-8 read as cp1252
        assert "📄 Đăng ký kết hôn" in texts(utf8)
        garbled = await person.say("ÿþ¤¥¦§ ×÷")
        assert "bảng mã cũ" in texts(garbled)

        assert "Nút này đã cũ" in texts(await person.press("pr:nonsense:1"))
        before = len(app.console.shown)
        assert "Nút này đã cũ" in texts(await person.press("pr:card:1.001193"))  # older data
        assert len(app.console.shown) == before + 1                  # the answer, no card
        assert "Nút này đã cũ" in texts(await person.press(AskExample(9).pack()))
        assert "không còn trong danh mục" in texts(await person.press(ShowCard("1.2.3").pack()))
        assert "Không có thủ tục mã" in texts(await person.press(SendPoster("zzz").pack()))


async def test_english_speaker_gets_english_labels(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(zalo_link="https://zalo.me/42")    # a poster of Zalo's code alone
        person = session(app)
        await person.say("/start")
        await person.say("2")
        await person.say("1")
        await person.say("1")
        shown = await person.say("dang ky tam tru")
        assert "📋 Papers to prepare:" in texts(shown)
        assert "👉 Filing online is cheaper: 7,000 VND instead of 15,000 VND." in texts(shown)
        assert shown[-1].choices == ("🧭 Guide me to file online", "🔳 QR code",
                                     "🏠 Main menu")
        nothing = await person.say("hello there")
        assert "Sorry, Thôn Số did not understand" in texts(nothing)
