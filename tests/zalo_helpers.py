"""Building real apps with the Zalo channel for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.app import App
from bot.channels.base import Limits
from services.outbox import Outbox
from tests.fakes.zalo_api import FakeZaloAPI
from tests.helpers import eventually, free_port, settings_for

ZALO_SECRET = "zalo-s3cret-token"
FAST = Limits(overall_per_s=1000, private_per_s=1000, private_burst=1000)


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
                      webhook_secret="s3cret-token")
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
