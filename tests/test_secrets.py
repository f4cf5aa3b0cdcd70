"""The bots' tokens never reach a log record, a stored error or a start-up message: a token
refused by Telegram (python-telegram-bot's InvalidToken quotes it), a network error quoting
the Bot API URL, a redirect loop on Zalo's API."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.app import App
from bot.settings import ConfigError
from services.models import OutboxMessage
from services.outbox import Outbox
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.helpers import free_port, settings_for
from tests.zalo_helpers import ZALO_SECRET

TELEGRAM_MARKER = "987654321:TgTokenMarker_0123456789abcdefghijkl"
ZALO_MARKER = "1618033988:ZaloTokenMarker_0123456789abcdef"


def assert_nowhere(marker: str, caplog: pytest.LogCaptureFixture) -> None:
    """Not in any record's message, traceback or stack, nor in what the handler printed."""
    assert caplog.records, "the failure was expected to be logged"
    for record in caplog.records:
        for text in (record.getMessage(), record.exc_text or "", record.stack_info or ""):
            assert marker not in text
    assert marker not in caplog.text


async def stored_errors(app: App) -> list[str]:
    async with app.db.transaction() as session:
        return [error or "" for error in await session.scalars(select(OutboxMessage.last_error))]


async def queue_one(app: App, channel: str, chat_id: str) -> None:
    async with app.db.transaction() as session:
        await Outbox(session).enqueue(channel, chat_id, text="Thông báo của xã")


async def test_a_refused_token_stops_start_up_without_it(database_url: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeTelegramAPI() as fake:  # it knows another token: getMe answers 401
        app = App(settings_for(database_url, telegram_bot_token=TELEGRAM_MARKER,
                               telegram_api_base_url=fake.url))
        try:
            with pytest.raises(ConfigError) as error:
                await app.start(serve_http=False, sender=False, scheduler=False)
        finally:
            await app.stop()
    message = str(error.value.code)
    assert message == ("Configuration error: TELEGRAM_BOT_TOKEN was rejected by Telegram "
                       "(check it with @BotFather)")
    assert error.value.__cause__ is None and error.value.__suppress_context__
    refused = f"The token `{TELEGRAM_MARKER}` was rejected"  # as a careless log line would
    logging.getLogger("tests").warning("what PTB said: %s", refused)
    assert_nowhere(TELEGRAM_MARKER, caplog)


async def test_run_with_a_refused_token_prints_one_line_without_it(tmp_path: Any) -> None:
    async with FakeTelegramAPI() as fake:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
               "TELEGRAM_BOT_TOKEN": TELEGRAM_MARKER, "TELEGRAM_API_BASE_URL": fake.url,
               "WEBHOOK_BASE_URL": "", "PORT": str(free_port()), "HOST": "127.0.0.1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=str(tmp_path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 2
    printed = (out + err).decode()
    assert TELEGRAM_MARKER not in printed
    assert printed.strip().splitlines()[-1] == (
        "Configuration error: TELEGRAM_BOT_TOKEN was rejected by Telegram "
        "(check it with @BotFather)")
    assert "Traceback" not in printed


class UrlQuotingRequest(HTTPXRequest):
    """An HTTP layer failing the way a broken proxy does, quoting the URL (and so the token)
    in its error: python-telegram-bot turns it into a NetworkError with that text."""

    async def do_request(self, url: str, method: str, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            raise RuntimeError(f"redirect loop at {url}")
        return await super().do_request(url, method, *args, **kwargs)


async def test_a_network_error_quoting_the_url_is_redacted(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeTelegramAPI(token=TELEGRAM_MARKER) as fake:
        bot = Bot(TELEGRAM_MARKER, base_url=f"{fake.url}/bot", request=UrlQuotingRequest())
        settings = settings_for(database_url, telegram_bot_token=TELEGRAM_MARKER,
                                telegram_api_base_url=fake.url)
        app = App(settings, bot=bot)
        try:
            await bot.initialize()
            await queue_one(app, "telegram", "5551001")
            await app.sender.drain(("telegram",))
            [error] = await stored_errors(app)
        finally:
            await app.stop()
    assert "redirect loop at" in error and "/bot<redacted>/sendMessage" in error
    assert TELEGRAM_MARKER not in error
    logging.getLogger("tests").error("send failed", exc_info=RuntimeError(f"x {fake.url}/bot"
                                                                          f"{TELEGRAM_MARKER}/"))
    assert_nowhere(TELEGRAM_MARKER, caplog)


async def redirect_loop() -> tuple[web.AppRunner, str]:
    """An API endpoint that redirects every call to itself."""
    async def again(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", again)
    runner = web.AppRunner(server)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def test_a_zalo_redirect_loop_is_stored_and_logged_without_the_token(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    runner, url = await redirect_loop()
    app = App(settings_for(database_url, zalo_bot_token=ZALO_MARKER, zalo_api_base_url=url))
    try:
        assert app.zalo is not None
        await queue_one(app, "zalo", "zalo-user-1")
        await app.sender.drain(("zalo",))
        [error] = await stored_errors(app)
        with pytest.raises(aiohttp.TooManyRedirects) as polled:  # what the poller logs
            await app.zalo.client.get_updates(timeout=1)
        logging.getLogger("bot.channels.zalo").warning("Zalo getUpdates failed: %s",
                                                       polled.value)
    finally:
        await app.stop()
        await runner.cleanup()
    assert "TooManyRedirects" in error and "/bot<redacted>/sendMessage" in error
    assert ZALO_MARKER not in error
    assert ZALO_MARKER in str(polled.value)  # the raw error did quote it
    assert_nowhere(ZALO_MARKER, caplog)


async def test_a_refused_zalo_token_stops_start_up_without_it(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeZaloAPI() as fake:  # it knows another token: Zalo answers 401
        app = App(settings_for(database_url, zalo_bot_token=ZALO_MARKER,
                               zalo_api_base_url=fake.url, zalo_webhook_secret=ZALO_SECRET,
                               webhook_base_url="https://gw.example.vn/thonso"))
        try:
            with pytest.raises(ConfigError) as error:
                await app.start(serve_http=False, sender=False, scheduler=False)
        finally:
            await app.stop()
    assert str(error.value.code) == "Configuration error: ZALO_BOT_TOKEN was rejected by Zalo"
    logging.getLogger("tests").info("setWebhook at %s/bot%s/setWebhook", fake.url, ZALO_MARKER)
    assert_nowhere(ZALO_MARKER, caplog)
