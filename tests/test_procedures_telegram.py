"""A QR poster's deep link through the Telegram channel: the real python-telegram-bot `Bot`
against the fake Bot API, updates posted to the app's webhook."""

import io

import zxingcpp
from PIL import Image

from handlers.home import MenuEntry, OpenMenu
from handlers.onboarding import Consent, OnboardLanguage
from handlers.procedures import SendPoster
from services.filing.actions import StartFiling
from tests.fakes.telegram_api import (
    DEFAULT_BOT_USERNAME,
    FakeTelegramAPI,
    make_callback_update,
    make_message_update,
)
from tests.helpers import buttons_of, telegram_app

CHAT = 5552001


def sent(fake: FakeTelegramAPI):  # type: ignore[no-untyped-def]
    return lambda c: c.ok and c.chat_id == CHAT and c.method in (
        "sendMessage", "editMessageText", "sendPhoto", "sendDocument")


async def onboard(fake: FakeTelegramAPI, first_update: int, start: str = "/start") -> None:
    """/start, Vietnamese, first village, consent: five messages (the last is the menu or
    what the deep link opened)."""
    await fake.post_to_webhook(make_message_update(first_update, CHAT, CHAT, start))
    welcome = (await fake.wait_for(sent(fake), 1))[-1]
    await fake.post_to_webhook(make_callback_update(first_update + 1, CHAT, CHAT,
                                                    OnboardLanguage("vi").pack(),
                                                    welcome.result["message_id"]))
    villages = (await fake.wait_for(sent(fake), 2))[-1]
    await fake.post_to_webhook(make_callback_update(first_update + 2, CHAT, CHAT,
                                                    buttons_of(villages)[0],
                                                    villages.result["message_id"]))
    consent = (await fake.wait_for(sent(fake), 3))[-1]
    await fake.post_to_webhook(make_callback_update(first_update + 3, CHAT, CHAT,
                                                    Consent(True).pack(),
                                                    consent.result["message_id"]))
    await fake.wait_for(sent(fake), 5)


async def test_deep_link_opens_the_card_and_the_qr_button_sends_the_poster(
        database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake):
        await onboard(fake, 1)
        await fake.post_to_webhook(make_message_update(10, CHAT, CHAT, "/start p_1_001193"))
        card = (await fake.wait_for(sent(fake), 6))[-1]
        assert card.params["text"].startswith("📄 Đăng ký khai sinh\n")
        assert "📋 Giấy tờ cần chuẩn bị:" in card.params["text"]
        assert buttons_of(card) == [StartFiling("1.001193").pack(), SendPoster("1.001193").pack(),
                                    OpenMenu(MenuEntry.HOME).pack()]

        poster = SendPoster("1.001193").pack()
        await fake.post_to_webhook(make_callback_update(11, CHAT, CHAT, poster,
                                                        card.result["message_id"]))
        photo = (await fake.wait_for(sent(fake), 7))[-1]
        assert photo.method == "sendPhoto"
        png = photo.files["photo"].content
        [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert barcode.text == f"https://t.me/{DEFAULT_BOT_USERNAME}?start=p_1_001193"

        await fake.post_to_webhook(make_message_update(12, CHAT, CHAT, "/start p_nonsense"))
        refused = (await fake.wait_for(sent(fake), 8))[-1]
        assert "không đúng hoặc đã cũ" in refused.params["text"]


async def test_deep_link_of_a_new_user_answers_first_then_signs_up(
        database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake):
        await fake.post_to_webhook(make_message_update(1, CHAT, CHAT, "/start p_1_000894"))
        card, welcome = await fake.wait_for(sent(fake), 2)
        assert card.params["text"].startswith("📄 Đăng ký kết hôn\n")
        assert "Mời bạn chọn ngôn ngữ" in welcome.params["text"]
        await fake.post_to_webhook(make_callback_update(2, CHAT, CHAT,
                                                        OnboardLanguage("vi").pack(),
                                                        welcome.result["message_id"]))
        villages = (await fake.wait_for(sent(fake), 3))[-1]
        await fake.post_to_webhook(make_callback_update(3, CHAT, CHAT, buttons_of(villages)[0],
                                                        villages.result["message_id"]))
        consent = (await fake.wait_for(sent(fake), 4))[-1]
        await fake.post_to_webhook(make_callback_update(4, CHAT, CHAT, Consent(True).pack(),
                                                        consent.result["message_id"]))
        menu = (await fake.wait_for(sent(fake), 6))[-1]
        assert "Mời chọn" in menu.params["text"]
