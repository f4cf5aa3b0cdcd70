"""Building real apps for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.app import App
from bot.channels.console import ConsoleSession
from bot.settings import Settings
from handlers.onboarding import Consent, OnboardLanguage, PickCommune, PickVillage
from locales import Language


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": database_url, "telegram_bot_token": None,
                                 "webhook_base_url": None, "webhook_secret": None,
                                 "admin_telegram_ids": []}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextlib.asynccontextmanager
async def console_app(database_url: str, **overrides: object) -> AsyncIterator[App]:
    app = App(settings_for(database_url, **overrides))
    await app.prepare()
    try:
        yield app
    finally:
        await app.stop()


def session(app: App, user_id: str = "citizen", name: str = "Nguyễn Văn An") -> ConsoleSession:
    return ConsoleSession(app.processor, app.sender, app.console, user_id=user_id, name=name)


def texts(shown: list) -> str:
    return "\n".join(message.render() for message in shown)


async def eventually(check, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the async `check()` is true (background work settles), or fail."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check.__name__}")
        await asyncio.sleep(0.02)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def telegram_app(database_url: str, fake, *, webhook: bool = True,  # type: ignore[no-untyped-def]
                       **overrides: object) -> AsyncIterator[App]:
    """A real app (real python-telegram-bot `Bot`) talking to the fake Bot API, serving its
    webhook on 127.0.0.1 under a gateway-like path prefix."""
    port = free_port()
    values: dict[str, object] = {
        "telegram_bot_token": fake.token, "telegram_api_base_url": fake.url,
        "host": "127.0.0.1", "port": port,
    }
    if webhook:
        values.update(webhook_base_url=f"http://127.0.0.1:{port}/thonso",
                      webhook_secret="s3cret-token-0123")
    values.update(overrides)
    app = App(settings_for(database_url, **values))
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


def buttons_of(call) -> list[str]:  # type: ignore[no-untyped-def]
    markup = call.params.get("reply_markup") or {}
    return [b.get("callback_data") or b.get("url") for row in markup.get("inline_keyboard", [])
            for b in row]


SHOWN_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendVoice", "sendDocument")


class TelegramDriver:
    """Posts updates to the app's webhook as Telegram would, waits until the outbox is sent,
    and returns what the bot showed each chat."""

    def __init__(self, fake, app, *, first_update: int = 1000) -> None:  # type: ignore[no-untyped-def]
        import itertools

        from bot.channels.base import Limits

        self.fake, self.app = fake, app
        self.ids = itertools.count(first_update)
        # The sender's pacing is tested elsewhere; here it would only make the tests slow.
        app.telegram.limits = Limits(overall_per_s=1000, private_per_s=1000,
                                     private_burst=1000, group_per_min=6000)

    def shown(self, chat: int) -> list:
        return [c for c in self.fake.calls
                if c.ok and c.method in SHOWN_METHODS and c.chat_id == chat]

    async def settle(self) -> None:
        from sqlalchemy import func, select

        from services.models import OutboxMessage

        async def delivered() -> bool:
            async with self.app.db.transaction() as session:
                return await session.scalar(
                    select(func.count()).select_from(OutboxMessage)
                    .where(OutboxMessage.status == "pending")) == 0
        await eventually(delivered, timeout=20)

    async def post(self, update: dict) -> None:
        assert await self.fake.post_to_webhook(update) == 200
        await self.settle()

    async def text(self, chat: int, text: str | None = None, **media) -> list:  # type: ignore[no-untyped-def]
        from tests.fakes.telegram_api import make_message_update

        before = len(self.shown(chat))
        await self.post(make_message_update(next(self.ids), chat, chat, text, **media))
        return self.shown(chat)[before:]

    async def press(self, chat: int, data: str, message_id: int = 1) -> list:
        from tests.fakes.telegram_api import make_callback_update

        before = len(self.shown(chat))
        await self.post(make_callback_update(next(self.ids), chat, chat, data, message_id))
        return self.shown(chat)[before:]


def words(calls: list) -> str:
    """The texts and captions of sent calls, one per line."""
    return "\n".join(c.params.get("text") or c.params.get("caption") or "" for c in calls)


async def onboard_on_telegram(tg: TelegramDriver, chat: int, language: Language = "vi") -> None:
    """Language, the demo commune, its second village (Thôn Đoài), consent."""
    await tg.text(chat, "/start")
    await tg.press(chat, OnboardLanguage(language).pack())
    await tg.press(chat, PickCommune(1).pack())
    await tg.press(chat, PickVillage(2).pack())
    await tg.press(chat, Consent(True).pack())
