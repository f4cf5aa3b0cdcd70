"""Every flow's replies render on both channels: the same conversation is driven once on
Telegram (fake Bot API, buttons pressed) and once on Zalo (fake Zalo Bot API, numbers typed) in
one app, and each Zalo message is the Telegram message rendered for Zalo."""

from typing import Any

from bot.channels.zalo import render
from services.outbox import Outbox
from tests.fakes.telegram_api import FakeTelegramAPI, make_callback_update, make_message_update
from tests.fakes.zalo_api import FakeZaloAPI, text_update
from tests.helpers import eventually, telegram_app
from tests.zalo_helpers import FAST, ZALO_SECRET

TG_CHAT = 5551001
ZALO_CHAT = "7a1b2c3d4e5f60718293"

# What a citizen types on Zalo; on Telegram a number presses that button instead.
SCRIPT = ["/start", "1", "2", "1", "/help", "/privacy", "2", "2", "/settings", "1", "2",
          "/menu", "5", "xin chao", "/lang vi", "/cancel", "/khong_co_lenh"]


def telegram_message(call: Any) -> tuple[str, list[list[dict[str, str]]]]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    buttons = [[{"text": b["text"], **({"url": b["url"]} if b.get("url")
                                       else {"data": b["callback_data"]})} for b in row]
               for row in rows]
    return call.params.get("text") or call.params.get("caption") or "", buttons


async def test_the_same_flows_render_on_telegram_and_zalo(database_url: str) -> None:
    async with FakeTelegramAPI() as tg, FakeZaloAPI() as zalo, telegram_app(
            database_url, tg, zalo_bot_token=zalo.token, zalo_api_base_url=zalo.url,
            zalo_webhook_secret=ZALO_SECRET) as app:
        assert app.telegram is not None and app.zalo is not None
        app.telegram.limits = app.zalo.limits = FAST

        async def settled() -> bool:
            async with app.db.transaction() as session:
                return await Outbox(session).pending_count() == 0

        tg_seen = zalo_seen = 0
        last_buttons: list[str] = []
        last_message_id = 0
        for step, typed in enumerate(SCRIPT, start=1):
            if typed.isdigit():
                update = make_callback_update(step, TG_CHAT, TG_CHAT,
                                              last_buttons[int(typed) - 1], last_message_id)
            else:
                update = make_message_update(step, TG_CHAT, TG_CHAT, typed)
            assert await tg.post_to_webhook(update) == 200
            assert await zalo.post_to_webhook(text_update(ZALO_CHAT, typed)) == 200
            await eventually(settled)
            tg_calls = tg.sent_to(TG_CHAT)[tg_seen:]
            zalo_calls = zalo.sent_to(ZALO_CHAT)[zalo_seen:]
            tg_seen, zalo_seen = tg_seen + len(tg_calls), zalo_seen + len(zalo_calls)
            assert tg_calls, f"step {step} ({typed!r}): no answer"
            expected = [render(*telegram_message(call)) for call in tg_calls]
            assert [call.text for call in zalo_calls] == expected, f"step {step} ({typed!r})"
            with_buttons = [call for call in tg_calls if telegram_message(call)[1]]
            if with_buttons:
                last_buttons = [b["data"] for row in telegram_message(with_buttons[-1])[1]
                                for b in row if "data" in b]
                last_message_id = with_buttons[-1].result["message_id"]
        assert not [c for c in tg.calls if c.method == "editMessageText"]
        assert zalo_seen == tg_seen > len(SCRIPT)
