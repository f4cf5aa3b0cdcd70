"""The Zalo channel end to end: the app's real webhook server and sender against a fake Zalo
Bot API on 127.0.0.1, with the payload samples of ../shared/fixtures/zalo/."""

import asyncio
import json
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from handlers.home import MenuEntry, OpenMenu
from handlers.onboarding import Consent
from services.models import Chat, OutboxMessage, ProcessedUpdate, User
from tests.fakes.zalo_api import FakeZaloAPI, event_update, text_update
from tests.helpers import eventually
from tests.zalo_helpers import ZALO_SECRET, settle, zalo_app

CHAT = "6ede9afa66b88fe6d6a9"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


def sample(shared: Path, name: str) -> dict:
    return json.loads((shared / "fixtures" / "zalo" / name).read_text(encoding="utf-8"))


async def say(fake: FakeZaloAPI, chat: str, text: str, count: int, **options) -> str:  # type: ignore[no-untyped-def]
    """Send a text to the bot and wait until the chat has `count` messages; the last one."""
    assert await fake.post_to_webhook(text_update(chat, text, **options)) == 200
    return (await fake.wait_sent(chat, count))[-1].text


async def onboard(fake: FakeZaloAPI, chat: str = CHAT) -> str:
    await say(fake, chat, "Xin chào", 1)
    await say(fake, chat, "1", 2)            # Tiếng Việt
    await say(fake, chat, "2", 3)            # Thôn Đoài
    return await say(fake, chat, "1", 5)     # consent; "thank you" then the menu


async def count(app, model) -> int:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_citizen_onboards_by_numbers(database_url: str, shared: Path) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        [webhook] = fake.calls_of("setWebhook")
        assert webhook.params == {"url": f"{app.settings.webhook_base_url}/zalo/webhook",
                                  "secret_token": ZALO_SECRET}
        # The documented text sample (wrapped body) starts the conversation.
        assert await fake.post_to_webhook(sample(shared, "bot_webhook_text_docs.json")) == 200
        [welcome] = await fake.wait_sent(CHAT, 1)
        assert "Mời bạn chọn ngôn ngữ" in welcome.text
        assert welcome.text.endswith("\n\n1. Tiếng Việt\n2. English")
        villages = await say(fake, CHAT, "1", 2)
        assert "bạn ở thôn nào?" in villages
        assert "1. Thôn Đông\n2. Thôn Đoài\n3. Thôn Trung\n4. Không thuộc thôn nào" in villages
        out_of_range = await say(fake, CHAT, "7", 3)
        assert out_of_range == "Mời gõ một số từ 1 đến 4."
        consent = await say(fake, CHAT, "thon doai", 4, wrapped=False)  # words work too
        assert "Nghị định 13/2023/NĐ-CP" in consent
        assert consent.endswith("1. ✅ Đồng ý\n2. Không đồng ý")
        menu = await say(fake, CHAT, "1", 6)
        await settle(app)
        assert fake.texts_to(CHAT)[4] == "Cảm ơn bạn! Đã lưu thông tin."
        assert menu.startswith("Bạn cần gì? Mời chọn:\n\n1. 📝 Gửi phản ánh, kiến nghị\n")
        async with app.db.transaction() as session:
            user = await session.scalar(select(User).where(User.external_id == CHAT))
            assert (user.channel, user.display_name) == ("zalo", "Nguyễn Văn An")
            assert user.onboarded and user.consent_at is not None
            assert user.village_id is not None
        assert app.metrics.value("thonso_sends_total", outcome="sent") == 6


async def test_typed_commands_work_on_zalo(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake):
        await onboard(fake)
        help_text = await say(fake, CHAT, "/help", 6)
        assert help_text.startswith("Thôn Số giúp bạn:")
        whoami = await say(fake, CHAT, "/whoami", 7)
        assert f"Mã người dùng: {CHAT}" in whoami and "Kênh: zalo" in whoami
        refused = await say(fake, CHAT, "/grant admin someone", 8)
        assert refused == "Xin lỗi, lệnh này chỉ dành cho cán bộ được giao quyền."
        unknown = await say(fake, CHAT, "/khong_co", 9)
        assert "/khong_co" in unknown


async def test_official_commands_by_text_on_zalo(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        admin_chat = "a1d2m3i4n5"
        async with app.db.transaction() as session:
            from services.users import Users

            users = Users(session)
            admin, _ = await users.get_or_create("zalo", admin_chat)
            await users.grant_admin(admin)
            admin.onboarded = True
        granted = await say(fake, admin_chat, "/grant admin zalo:somebody", 1)
        assert granted == "Đã cấp quyền quản trị tỉnh cho zalo:somebody."
        async with app.db.transaction() as session:
            somebody = await session.scalar(select(User).where(User.external_id == "somebody"))
            assert somebody.channel == "zalo" and somebody.role == "province_admin"


async def test_same_delivery_twice_is_processed_once(database_url: str, shared: Path) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        body = sample(shared, "bot_webhook_text_docs.json")
        assert await fake.post_to_webhook(body) == 200
        assert await fake.post_to_webhook(body) == 200
        flat = body["result"]    # the same message delivered in the other shape
        assert await fake.post_to_webhook(flat) == 200
        await fake.wait_sent(CHAT, 1)
        await settle(app)
        assert len(fake.sent_to(CHAT)) == 1
        assert app.metrics.value("thonso_duplicates_total") == 2
        async with app.db.transaction() as session:
            keys = list(await session.scalars(select(ProcessedUpdate.update_key)))
            assert keys == ["message.text.received:2d758cb5e222177a4e35"]
        assert await count(app, OutboxMessage) == 1


async def test_choices_noted_late_do_not_replace_newer_ones(database_url: str) -> None:
    """The sender notes a message's choices after Zalo took it. When that note lands late
    (a busy database, a quick citizen), after the citizen already answered and was shown
    newer choices, a typed number must still press a choice of the newest message."""
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        assert app.zalo is not None and app.zalo.on_choices is not None
        note, gate, late = app.zalo.on_choices, asyncio.Event(), []
        noted: list[list] = []

        async def consent_noted_late(chat_id: str, choices: list, *more: object) -> None:
            if ["✅ Đồng ý", Consent(True).pack()] not in choices:
                await note(chat_id, choices, *more)
                noted.append(choices)
                return

            async def later() -> None:
                await gate.wait()
                await note(chat_id, choices, *more)
            late.append(asyncio.create_task(later()))

        app.zalo.on_choices = consent_noted_late
        menu = await onboard(fake)
        assert menu.startswith("Bạn cần gì? Mời chọn:") and len(late) == 1

        async def menu_noted() -> bool:
            settings = ["⚙️ Cài đặt", OpenMenu(MenuEntry.SETTINGS).pack()]
            return any(settings in choices for choices in noted)

        await eventually(menu_noted)
        gate.set()
        await late[0]                    # the consent question's note, after the menu's
        categories = await say(fake, CHAT, "1", 6)
        assert "Bạn phản ánh về việc gì?" in categories


async def test_forged_or_missing_secret_gets_403(database_url: str, shared: Path) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        body = sample(shared, "bot_webhook_text_docs.json")
        assert await fake.post_to_webhook(body, secret="forged-secret") == 403
        assert await fake.post_to_webhook(body, secret="") == 403
        # The webhook listens on the unprefixed path too (a gateway that strips the prefix).
        plain = f"http://127.0.0.1:{app.settings.port}/zalo/webhook"
        async with aiohttp.ClientSession() as http:
            async with http.post(plain, json=body) as response:
                assert response.status == 403
            async with http.post(plain, json=body,
                                 headers={SECRET_HEADER: ZALO_SECRET}) as response:
                assert response.status == 200
        await fake.wait_sent(CHAT, 1)
        assert app.metrics.value("thonso_webhook_refused_total", reason="forbidden") == 3
        assert await count(app, ProcessedUpdate) == 1


async def test_malformed_bodies_get_400_and_store_nothing(database_url: str,
                                                         shared: Path) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        no_id = text_update(CHAT, "Xin chào")
        del no_id["result"]["message"]["message_id"]
        no_chat = event_update(CHAT, "message.text.received", text="Xin chào")
        del no_chat["message"]["chat"]
        bad = [b"{not json", b"[1, 2]", json.dumps({"hello": "world"}).encode(),
               json.dumps({"ok": True, "result": "x"}).encode(),
               json.dumps(sample(shared, "bot_error_unauthorized_reported.json")).encode(),
               json.dumps(no_id).encode(), json.dumps(no_chat).encode(),
               json.dumps(event_update(CHAT, "message.text.received", text="x",
                                       message_id="x" * 200)).encode()]
        for body in bad:
            assert await fake.post_to_webhook(body) == 400, body
        # An event that is no message is acknowledged and ignored.
        assert await fake.post_to_webhook({"event_name": "bot.something_new"}) == 200
        assert app.metrics.value("thonso_webhook_refused_total", reason="bad_request") == len(bad)
        for model in (ProcessedUpdate, User, OutboxMessage):
            assert await count(app, model) == 0


async def test_sticker_unknown_event_and_long_text_get_clear_answers(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        await onboard(fake)
        sticker = event_update(CHAT, "message.sticker.received", sticker="abc123",
                               url="https://zalo.example/sticker.png")
        assert await fake.post_to_webhook(sticker) == 200
        [*_, answer] = await fake.wait_sent(CHAT, 6)
        assert answer.text.startswith("Thôn Số chưa xử lý được loại tin nhắn này.")
        assert await fake.post_to_webhook(event_update(CHAT, "message.location.received",
                                                       location={"lat": 1})) == 200
        [*_, answer] = await fake.wait_sent(CHAT, 7)
        assert answer.text.startswith("Thôn Số chưa xử lý được loại tin nhắn này.")
        assert await fake.post_to_webhook(event_update(CHAT, "message.unsupported.received"))\
            == 200
        await fake.wait_sent(CHAT, 8)
        too_long = await say(fake, CHAT, "Dài quá. " * 500, 9)
        assert too_long.startswith("Tin nhắn dài quá (tối đa 4000 ký tự)")
        # The conversation is unharmed: the menu's numbers still work.
        settings = await say(fake, CHAT, "5", 10)
        assert settings.startswith("Cài đặt:\n\n1. 🌐 Ngôn ngữ")
        assert await count(app, ProcessedUpdate) == 4 + 5


async def test_replies_are_split_at_2000_characters(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        sentence = "Thôn Số trả lời bà con từng câu một. "
        text = sentence * 120   # about 4,400 characters
        async with app.db.transaction() as session:
            from services.outbox import Outbox

            await Outbox(session).enqueue(
                "zalo", CHAT, text=text,
                buttons=[[{"text": "Đồng ý", "data": "x:yes"}],
                         [{"text": "Cổng dịch vụ công", "url": "https://dichvucong.gov.vn"}]])
        await settle(app)
        parts = fake.texts_to(CHAT)
        assert len(parts) == 3 and all(len(part) <= 2000 for part in parts)
        assert all(part.endswith(".") for part in parts[:-1])
        assert parts[-1].endswith("\n\n1. Đồng ý\n\nCổng dịch vụ công: https://dichvucong.gov.vn")
        joined = " ".join(parts)
        assert joined.count("Thôn Số trả lời") == 120


async def test_an_edit_is_sent_as_a_new_message(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        async with app.db.transaction() as session:
            from services.outbox import Outbox

            await Outbox(session).enqueue("zalo", CHAT, text="Trang 2",
                                          edit_message_id="82599fa32f56d00e8941")
        await settle(app)
        assert fake.texts_to(CHAT) == ["Trang 2"]
        assert [c.method for c in fake.calls if c.method != "setWebhook"] == ["sendMessage"]


async def test_polling_mode_receives_updates(database_url: str, shared: Path) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake, webhook=False) as app:
        assert fake.calls_of("deleteWebhook") and not fake.calls_of("setWebhook")
        await fake.wait_for(lambda c: c.method == "getUpdates" and c.http_status == 408)
        fake.push_update(sample(shared, "bot_getupdates_docs.json")["result"])
        [welcome] = await fake.wait_sent("e4ea2cd5189df1c3a88c", 1)
        assert "Mời bạn chọn ngôn ngữ" in welcome.text
        fake.push_update(event_update("e4ea2cd5189df1c3a88c", "message.text.received",
                                      text="1"))
        sent = await fake.wait_sent("e4ea2cd5189df1c3a88c", 2)
        assert "bạn ở thôn nào?" in sent[-1].text
        async with app.db.transaction() as session:
            user = await session.scalar(select(User).where(User.channel == "zalo"))
            assert user.external_id == "e4ea2cd5189df1c3a88c" and user.language == "vi"


async def test_polling_survives_429_and_a_bad_token_answer(database_url: str) -> None:
    async with FakeZaloAPI() as fake:
        fake.fail_next("getUpdates", 429, retry_after=1)
        fake.fail_next("getUpdates", 401, ok_false=True)
        async with zalo_app(database_url, fake, webhook=False):
            fake.push_update(event_update("p1", "message.text.received", text="Xin chào"))
            await fake.wait_sent("p1", 1, timeout=10)
            statuses = [(c.http_status, c.ok) for c in fake.calls_of("getUpdates")]
            assert statuses[:2] == [(429, False), (200, False)]


async def test_sender_waits_out_429_and_ok_false_is_not_success(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        fake.fail_next("sendMessage", 429, retry_after=1, chat_id=CHAT)
        assert await fake.post_to_webhook(text_update(CHAT, "Xin chào")) == 200
        [welcome] = await fake.wait_sent(CHAT, 1, timeout=10)
        assert "Mời bạn chọn ngôn ngữ" in welcome.text
        statuses = [(c.http_status, c.ok) for c in fake.calls_of("sendMessage")]
        assert statuses == [(429, False), (200, True)]

        fake.fail_next("sendMessage", 400, ok_false=True, description="Bad Request: no way",
                       chat_id=CHAT)
        assert await fake.post_to_webhook(text_update(CHAT, "1")) == 200

        async def outcome() -> bool:
            async with app.db.transaction() as session:
                rows = list(await session.scalars(select(OutboxMessage)
                                                  .order_by(OutboxMessage.id)))
                return [(r.status, r.attempts) for r in rows] == [("sent", 2), ("failed", 1)]

        await eventually(outcome, timeout=10)
        sends = app.metrics.value
        assert sends("thonso_sends_total", outcome="failed") == 1
        assert sends("thonso_sends_total", outcome="retried_429") == 1


async def test_a_blocked_chat_becomes_inactive(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        fake.block(CHAT)
        assert await fake.post_to_webhook(text_update(CHAT, "Xin chào")) == 200
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.http_status == 403)

        async def inactive() -> bool:
            async with app.db.transaction() as session:
                chat = await session.scalar(select(Chat).where(Chat.channel == "zalo"))
                return not chat.active and "blocked" in (chat.inactive_reason or "")

        await eventually(inactive)
