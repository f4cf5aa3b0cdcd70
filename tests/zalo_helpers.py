"""Building real apps with the Zalo channel for tests, and a citizen who talks to them."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

from bot.app import App
from bot.channels.base import Limits
from bot.channels.console import ConsoleSession
from services.communes import Communes
from services.outbox import Outbox
from services.users import Users
from tests.fakes.zalo_api import FakeZaloAPI, text_update
from tests.helpers import eventually, free_port, settings_for

ZALO_SECRET = "zalo-s3cret-token"
FAST = Limits(overall_per_s=1000, private_per_s=1000, private_burst=1000)
CHAT = "5a1b2c3d4e5f6a7b8c9d"


@contextlib.asynccontextmanager
async def zalo_app(database_url: str, fake: FakeZaloAPI, *, webhook: bool = True,
                   fast: bool = True, **overrides: Any) -> AsyncIterator[App]:
    """A real app with the Zalo channel talking to the fake Zalo Bot API, serving its webhook
    on 127.0.0.1 under a gateway-like path prefix (or polling, `webhook=False`). `fast` lifts
    the per-chat sending rate, so that conversations do not wait a second a message."""
    port = free_port()
    values: dict[str, Any] = {
        "zalo_bot_token": fake.token, "zalo_api_base_url": fake.url,
        "zalo_webhook_secret": ZALO_SECRET, "host": "127.0.0.1", "port": port,
    }
    if webhook:
        values.update(webhook_base_url=f"http://127.0.0.1:{port}/thonso",
                      webhook_secret="s3cret-token-0123")
    values.update(overrides)
    app = App(settings_for(database_url, **values))
    if fast:
        assert app.zalo is not None
        app.zalo.limits = FAST
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def settle(app: App) -> None:
    """Wait until the sender has handled every due outbox row (sent or failed)."""

    async def nothing_pending() -> bool:
        async with app.db.transaction() as session:
            return await Outbox(session).pending_count() == 0

    await app.sender.drain()
    await eventually(nothing_pending)


def number_of(message: str, label: str) -> str:
    """The number Zalo shows for the choice whose label contains `label`."""
    for line in message.splitlines():
        match = re.match(r"^(\d+)\. (.*)$", line)
        if match and label in match.group(2):
            return match.group(1)
    raise AssertionError(f"no choice {label!r} in:\n{message}")


class Citizen:
    """A citizen on Zalo: sends through the webhook, reads what the fake Zalo API got."""

    def __init__(self, fake: FakeZaloAPI, chat: str = CHAT, app: App | None = None) -> None:
        self.fake, self.chat, self.app = fake, chat, app
        self.seen = 0

    async def send(self, body: dict, answers: int = 1) -> list[str]:
        assert await self.fake.post_to_webhook(body) == 200
        calls = await self.fake.wait_sent(self.chat, self.seen + answers)
        new = [call.text for call in calls[self.seen:]]
        self.seen = len(calls)
        return new

    async def say(self, text: str, answers: int = 1) -> str:
        return (await self.send(text_update(self.chat, text), answers))[-1]

    async def receive(self, count: int = 1) -> list[str]:
        """Wait for `count` messages the citizen did not ask for (another person's doing).

        The app notes a message's choices just after Zalo took it, so a test answering it by
        number (faster than any person) first waits, with the citizen's `app`, until the
        sender is done with it."""
        calls = await self.fake.wait_sent(self.chat, self.seen + count)
        new = [call.text for call in calls[self.seen:]]
        self.seen = len(calls)
        if self.app is not None:
            await settle(self.app)
        return new

    async def choose(self, message: str, label: str, answers: int = 1) -> str:
        return await self.say(number_of(message, label), answers)


async def onboard(citizen: Citizen, village: int = 2) -> str:
    """Vietnamese, a village of the demo commune (the second, Thôn Đoài, unless told), consent;
    returns the main menu."""
    await citizen.say("Xin chào")
    await citizen.say("1")
    await citizen.say(str(village))
    return await citizen.say("1", answers=2)


async def console_official(app: App) -> ConsoleSession:
    """An official of the (first) commune, talking in the console."""
    async with app.db.transaction() as session:
        commune = (await Communes(session).all())[0]
        users = Users(session)
        official, _ = await users.get_or_create("console", "official")
        official.onboarded = True
        await users.grant_official(official, commune.id)
    return ConsoleSession(app.processor, app.sender, app.console, user_id="official",
                          name="Cán bộ Lan")
