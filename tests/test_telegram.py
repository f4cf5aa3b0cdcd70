"""The Telegram channel end to end: the real python-telegram-bot `Bot` against a fake Bot API
on 127.0.0.1, updates posted to the app's real webhook server."""

import asyncio

import aiohttp
from sqlalchemy import func, select

from handlers.home import MenuEntry, OpenMenu
from handlers.onboarding import Consent, OnboardLanguage
from services.models import Chat, OutboxMessage, ProcessedUpdate, User
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    make_callback_update,
    make_message_update,
)
from tests.helpers import buttons_of, eventually, telegram_app

CHAT = 5551001
VIETNAMESE = OnboardLanguage("vi").pack()
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def last_message(fake: FakeTelegramAPI, chat: int, count: int):  # type: ignore[no-untyped-def]
    calls = await fake.wait_for(lambda c: c.ok and c.method in ("sendMessage", "editMessageText",
                                                                "sendDocument")
                                and c.chat_id == chat, count)
    return calls[-1]


async def test_onboarding_through_webhook_and_buttons(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        [webhook] = fake.calls_of("setWebhook")
        assert webhook.params["url"].endswith("/thonso/telegram/webhook")
        assert webhook.params["secret_token"] == "s3cret-token-0123"
        assert await fake.post_to_webhook(make_message_update(1, CHAT, CHAT, "/start")) == 200
        welcome = await last_message(fake, CHAT, 1)
        assert "Mời bạn chọn ngôn ngữ" in welcome.params["text"]
        assert buttons_of(welcome) == [VIETNAMESE, OnboardLanguage("en").pack()]
        message_id = welcome.result["message_id"]

        await fake.post_to_webhook(make_callback_update(2, CHAT, CHAT, VIETNAMESE, message_id))
        villages = await last_message(fake, CHAT, 2)
        assert "bạn ở thôn nào" in villages.params["text"]
        await fake.wait_for("answerCallbackQuery")
        first_village = buttons_of(villages)[0]

        await fake.post_to_webhook(make_callback_update(3, CHAT, CHAT, first_village,
                                                        villages.result["message_id"]))
        consent = await last_message(fake, CHAT, 3)
        assert buttons_of(consent) == [Consent(True).pack(), Consent(False).pack()]
        await fake.post_to_webhook(make_callback_update(4, CHAT, CHAT, Consent(True).pack(),
                                                        consent.result["message_id"]))
        menu = await last_message(fake, CHAT, 5)
        assert menu.params["text"] == "Bạn cần gì? Mời chọn:"
        assert buttons_of(menu)[:2] == [OpenMenu(MenuEntry.FEEDBACK).pack(),
                                        OpenMenu(MenuEntry.PROCEDURES).pack()]
        async with app.db.transaction() as session:
            user = await session.scalar(select(User).where(User.external_id == str(CHAT)))
            assert user.onboarded and user.display_name == "Nguyễn Văn An"


async def test_webhook_refuses_missing_or_wrong_secret_and_bad_bodies(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        url = fake.webhook["url"]
        update = make_message_update(10, CHAT, CHAT, "/start")
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as response:
                assert response.status == 403
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as response:
                assert response.status == 403
            good = {SECRET_HEADER: "s3cret-token-0123"}
            async with http.post(url, data=b"{not json", headers=good) as response:
                assert response.status == 400
            async with http.post(url, json=[1, 2], headers=good) as response:
                assert response.status == 400
            async with http.post(url, json={"update_id": "x"}, headers=good) as response:
                assert response.status == 400
            async with http.get(url.replace("/thonso/telegram/webhook", "/healthz")) as response:
                assert response.status == 200
            async with http.get(url.replace("/thonso/telegram/webhook", "/readyz")) as response:
                assert (await response.json()) == {"database": True}
        async with app.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
            assert await session.scalar(select(func.count()).select_from(User)) == 0
            assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert fake.calls_of("sendMessage") == []


async def test_same_update_twice_is_processed_once(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        update = make_message_update(20, CHAT, CHAT, "/start")
        assert await fake.post_to_webhook(update) == 200
        assert await fake.post_to_webhook(update) == 200
        await fake.wait_for("sendMessage")
        await app.sender.drain()
        assert len(fake.sent_to(CHAT)) == 1
        assert app.metrics.value("thonso_duplicates_total") == 1


async def test_conversation_survives_a_restart(database_url: str) -> None:
    async with FakeTelegramAPI() as fake:
        async with telegram_app(database_url, fake):
            await fake.post_to_webhook(make_message_update(30, CHAT, CHAT, "/start"))
            welcome = await last_message(fake, CHAT, 1)
            await fake.post_to_webhook(make_callback_update(31, CHAT, CHAT, VIETNAMESE,
                                                            welcome.result["message_id"]))
            villages = await last_message(fake, CHAT, 2)
        async with telegram_app(database_url, fake):  # a new instance on the same database
            await fake.post_to_webhook(make_callback_update(32, CHAT, CHAT,
                                                            buttons_of(villages)[1],
                                                            villages.result["message_id"]))
            consent = await last_message(fake, CHAT, 3)
            assert "Nghị định 13/2023/NĐ-CP" in consent.params["text"]


async def test_two_instances_share_one_conversation(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as one, \
            telegram_app(database_url, fake) as two:
        urls = [f"http://127.0.0.1:{a.settings.port}/thonso/telegram/webhook" for a in (one, two)]
        headers = {SECRET_HEADER: "s3cret-token-0123"}

        async def post(index: int, update: dict) -> None:
            async with aiohttp.ClientSession() as http, \
                    http.post(urls[index % 2], json=update, headers=headers) as response:
                assert response.status == 200

        await post(0, make_message_update(40, CHAT, CHAT, "/start"))
        welcome = await last_message(fake, CHAT, 1)
        await post(1, make_callback_update(41, CHAT, CHAT, VIETNAMESE,
                                           welcome.result["message_id"]))
        villages = await last_message(fake, CHAT, 2)
        await post(2, make_callback_update(42, CHAT, CHAT, buttons_of(villages)[2],
                                           villages.result["message_id"]))
        consent = await last_message(fake, CHAT, 3)
        await post(3, make_callback_update(43, CHAT, CHAT, Consent(True).pack(),
                                           consent.result["message_id"]))
        menu = await last_message(fake, CHAT, 5)
        assert menu.params["text"] == "Bạn cần gì? Mời chọn:"
        async with one.db.transaction() as session:
            user = await session.scalar(select(User).where(User.external_id == str(CHAT)))
            assert user.onboarded and user.village_id is not None
            assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 4


async def test_sender_waits_out_429_and_delivers_once(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=CHAT)
        await fake.post_to_webhook(make_message_update(50, CHAT, CHAT, "/start"))
        calls = await fake.wait_for(lambda c: c.method == "sendMessage", 2, timeout=10)
        assert [c.status for c in calls] == [429, 200]
        assert calls[1].at - calls[0].at >= 0.9
        assert len(fake.sent_to(CHAT)) == 1

        async def delivered() -> bool:
            async with app.db.transaction() as session:
                row = await session.scalar(select(OutboxMessage))
                return (row.status, row.attempts) == ("sent", 2)

        await eventually(delivered)


async def test_403_marks_the_chat_inactive(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        fake.block(CHAT)
        await fake.post_to_webhook(make_message_update(60, CHAT, CHAT, "/start"))
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 403)

        async def inactive() -> bool:
            async with app.db.transaction() as session:
                chat = await session.scalar(select(Chat).where(Chat.chat_id == str(CHAT)))
                row = await session.scalar(select(OutboxMessage))
                return not chat.active and "blocked" in chat.inactive_reason \
                    and row.status == "failed"

        await eventually(inactive)


async def test_polling_mode_receives_updates(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake, webhook=False):
        assert fake.calls_of("deleteWebhook")
        fake.push_update(make_message_update(70, CHAT, CHAT, "/start"))
        welcome = await last_message(fake, CHAT, 1)
        assert "Mời bạn chọn ngôn ngữ" in welcome.params["text"]


async def test_polling_goes_on_after_an_update_that_fails(database_url: str,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import bot.polling

    monkeypatch.setattr(bot.polling, "FIRST_BACKOFF_S", 0.01)
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake, webhook=False,
                                                       ) as app:
        process = app.processor.process

        async def fails_once(incoming):  # type: ignore[no-untyped-def]
            if incoming.update_key == "71":
                raise RuntimeError("the database went away")
            return await process(incoming)

        monkeypatch.setattr(app.processor, "process", fails_once)
        fake.push_update(make_message_update(71, CHAT, CHAT, "/start"))
        fake.push_update(make_message_update(72, CHAT, CHAT, "/start"))
        welcome = await last_message(fake, CHAT, 1)
        assert "Mời bạn chọn ngôn ngữ" in welcome.params["text"]
        assert len(fake.sent_to(CHAT)) == 1   # the failed update was not answered twice


async def test_concurrent_sender_passes_send_each_row_once(database_url: str) -> None:
    from services.outbox import Outbox

    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake, webhook=False,
                                                       ) as app:
        async with app.db.transaction() as session:
            outbox = Outbox(session)
            for n in range(12):
                await outbox.enqueue("telegram", str(900 + n % 4), text=f"tin {n}")
        other = type(app.sender)(app.db, app.channels)   # a second replica's sender
        await asyncio.gather(app.sender.send_due(), other.send_due(), app.sender.send_due())
        await app.sender.drain()
        await other.drain()
        texts = [c.params["text"] for c in fake.calls_of("sendMessage") if c.ok]
        assert sorted(texts) == sorted(f"tin {n}" for n in range(12))
        for chat in range(900, 904):   # order kept within each chat
            sent = [c.params["text"] for c in fake.sent_to(chat)]
            assert sent == [f"tin {n}" for n in range(12) if 900 + n % 4 == chat]


async def test_sender_forgets_the_rate_limits_of_quiet_chats(database_url: str,
                                                             monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A per-chat limit is kept while its chat is being written to, not for every citizen
    ever written to."""
    import bot.sender
    from services.outbox import Outbox
    from tests.zalo_helpers import FAST

    monkeypatch.setattr(bot.sender, "KEEP_CHAT_LIMITS", 5)
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake, webhook=False,
                                                       ) as app:
        assert app.telegram is not None
        app.telegram.limits = FAST   # a full bucket again a millisecond after each message
        async with app.db.transaction() as session:
            for n in range(20):
                await Outbox(session).enqueue("telegram", str(7000 + n), text=f"tin {n}")
        await app.sender.drain()
        assert len([c for c in fake.calls_of("sendMessage") if c.ok]) == 20
        await asyncio.sleep(0.01)
        async with app.db.transaction() as session:
            await Outbox(session).enqueue("telegram", "7100", text="tin cuối")
        await app.sender.drain()
        assert len(app.sender._per_chat) <= 5
        assert fake.sent_to(7100)[-1].params["text"] == "tin cuối"


def test_flood_guard_forgets_users_quiet_for_a_window() -> None:
    from handlers.runtime import FloodGuard

    guard = FloodGuard(window=0.0)   # every earlier message is outside the window
    guard.SWEEP_EVERY = 10
    for n in range(25):
        assert guard.hit("telegram", str(n)) == 1
    assert len(guard) < 10
    assert FloodGuard().hit("telegram", "1") == 1
