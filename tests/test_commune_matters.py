"""Matters the commune or its police handle since the 2025 reorganisation, answered with their
procedure card under Thôn Số's own code (the identity card, a motorbike's registration, a
house's building permit), end to end through the Telegram fake and `python -m bot
understand`; a car's registration and passports stay referrals."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from handlers.filing import Step, Walk, WalkAction
from handlers.home import MenuEntry, OpenMenu
from handlers.procedures import SendPoster
from services.filing.actions import StartFiling
from services.qr import POSTER_KEY
from tests.fakes.telegram_api import DEFAULT_BOT_USERNAME, FakeTelegramAPI
from tests.helpers import TelegramDriver, buttons_of, onboard_on_telegram, telegram_app, words
from tests.test_procedures_cli import cli

CHAT = 5554001

# what a villager types, the code, the card's title, and what the card must say
CARDS = [
    ("xin cấp đổi thẻ căn cước", "TS-CANCUOC", "Cấp, cấp đổi, cấp lại thẻ căn cước", (
        "📍 Nơi nộp: Công an cấp xã nơi tỉnh đã giao tiếp nhận; nơi chưa giao: Phòng Cảnh sát"
        " quản lý hành chính về trật tự xã hội (Phòng Cảnh sát QLHC về TTXH), Công an tỉnh",
        "thu vân tay, ảnh chân dung", "VNeID")),
    ("dang ky xe may moi mua o dau", "TS-XEMAY", "Đăng ký xe mô tô, xe gắn máy", (
        "📍 Nơi nộp: Công an cấp xã nơi cư trú (xe mô tô, xe gắn máy của người dân trên địa"
        " bàn; xe tịch thu, xe có dung tích xi lanh từ 175 cm3 trở lên",
        "Phòng Cảnh sát giao thông, Công an tỉnh")),
    ("xay nha 2 tang co can xin giay phep xay dung khong", "TS-GPXD",
     "Cấp giấy phép xây dựng nhà ở riêng lẻ", (
         "📍 Nơi nộp: Bộ phận một cửa UBND — ", "có thể được miễn giấy phép",
         "Theo mức lệ phí do HĐND tỉnh quy định")),
]


@pytest.mark.parametrize(("question", "code", "title", "says"), CARDS,
                         ids=[code for _, code, _, _ in CARDS])
async def test_on_telegram_the_question_gets_the_procedure_card(
        database_url: str, question: str, code: str, title: str, says: tuple[str, ...]) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=3000)
        await onboard_on_telegram(tg, CHAT)
        shown = await tg.text(CHAT, question)
        card = words(shown)
        assert card.startswith(f"📄 {title}\n"), card
        assert f"Mã riêng của Thôn Số: {code} (không dùng để tra trên Cổng Dịch vụ công)" in card
        assert "Mã thủ tục" not in card and "ℹ️" not in card.split("\n", 1)[0]
        for text in says:
            assert text in card, text
        assert buttons_of(shown[-1]) == [StartFiling(code).pack(), SendPoster(code).pack(),
                                         OpenMenu(MenuEntry.HOME).pack()]


async def test_a_local_code_works_as_a_poster_link_as_typed_and_in_the_filing_guide(
        database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=3100)
        await onboard_on_telegram(tg, CHAT)

        shown = await tg.text(CHAT, "/start p_TS_XEMAY")
        assert words(shown).startswith("📄 Đăng ký xe mô tô, xe gắn máy\n")
        [photo] = await tg.press(CHAT, SendPoster("TS-XEMAY").pack())
        png = photo.files["photo"].content
        [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert barcode.text == f"https://t.me/{DEFAULT_BOT_USERNAME}?start=p_TS_XEMAY"
        assert json.loads(Image.open(io.BytesIO(png)).info[POSTER_KEY])["title"] == (
            "Đăng ký xe mô tô, xe gắn máy")

        typed = await tg.text(CHAT, "ts-gpxd")
        assert words(typed).startswith("📄 Cấp giấy phép xây dựng nhà ở riêng lẻ\n")

        await tg.text(CHAT, "lam lai the can cuoc bi mat")
        step = await tg.press(CHAT, StartFiling("TS-CANCUOC").pack())
        assert "Bước 1/5" in words(step)
        walk = Walk.unpack(buttons_of(step[-1])[0]).filing_id
        step = await tg.press(CHAT, Walk(walk, Step.ACCOUNT, WalkAction.SKIP).pack())
        guide = words(step)
        assert "Bước 2/5" in guide
        assert "gõ vào ô tìm kiếm tên thủ tục «Cấp, cấp đổi, cấp lại thẻ căn cước»" in guide
        assert "TS-CANCUOC" not in guide and "mã thủ tục" not in guide


async def test_on_telegram_a_car_and_a_passport_stay_referrals(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=3200)
        await onboard_on_telegram(tg, CHAT)
        car = words(await tg.text(CHAT, "đăng ký ô tô"))
        assert car.startswith("ℹ️ Đăng ký ô tô, xe phân khối lớn\n")
        assert "🏢 Nơi giải quyết: Phòng Cảnh sát giao thông, Công an tỉnh (đăng ký ô tô" in car
        assert "gõ «đăng ký xe máy» để xem hướng dẫn" in car
        assert "Thông tư 79/2024/TT-BCA" in car
        passport = words(await tg.text(CHAT, "hộ chiếu"))
        assert passport.startswith("ℹ️ Hộ chiếu, xuất nhập cảnh\n")
        assert "Phòng Quản lý xuất nhập cảnh, Công an tỉnh" in passport


async def test_cli_names_each_procedure_and_keeps_the_referrals(
        database_url: str, tmp_path: Path) -> None:
    for question, code, _, _ in CARDS:
        done = cli(database_url, tmp_path, "understand", question, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"intent": "procedure", "code": code,
                                           "category": None, "topic": None}, question
    for question, topic in (("đăng ký ô tô", "vehicle"), ("hộ chiếu", "passport")):
        done = cli(database_url, tmp_path, "understand", question, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"intent": "referral", "code": None,
                                           "category": None, "topic": topic}, question
