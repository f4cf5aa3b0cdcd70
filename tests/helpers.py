"""Building real apps for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.app import App
from bot.channels.console import ConsoleSession
from bot.settings import Settings


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
