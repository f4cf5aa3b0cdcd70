"""Database faults: a failed statement logs no citizen's text; a restarted PostgreSQL (every
pooled connection cut) costs no update and no apology; a PostgreSQL that answers nothing
gets a quick 503 (Telegram redelivers) and /readyz says so. The faults are made by a TCP
proxy on loopback in front of the shared server, which is never touched."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bot.app import App
from handlers.context import Context
from handlers.types import Incoming
from locales import Translator
from services.models import Commune, OutboxMessage, ProcessedUpdate
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram_api import FakeTelegramAPI, make_message_update
from tests.helpers import console_app, eventually, session, telegram_app

MARKER = "Nhà tôi ở số 12 ngõ Bí Mật, điện thoại 0912345678"
APOLOGY = Translator("vi")("errors.internal")
only_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


async def test_a_failed_statement_logs_nothing_of_its_parameters(
        database_url: str, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler's statement fails on the citizen's text: the citizen gets the apology, and
    no log record (message or traceback, SQLAlchemy's own included) carries the text."""
    caplog.set_level(logging.DEBUG)
    async with console_app(database_url) as app:
        async def failing(inc: Incoming, ctx: Context) -> None:
            await ctx.session.execute(insert(Commune).values(code=inc.text, name=None))

        monkeypatch.setattr(app.processor.router, "dispatch", failing)
        shown = await session(app, user_id="hidden").say(MARKER)
    assert [message.text for message in shown] == [APOLOGY]
    failures = [r for r in caplog.records if r.exc_info]
    assert failures, "the failure is logged"
    formatter = logging.Formatter()
    for record in caplog.records:
        assert "0912345678" not in formatter.format(record)


@contextlib.asynccontextmanager
async def proxied(database_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """A proxy in front of the test database's server, and the database's URL through it."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    try:
        yield proxy, url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        await proxy.close()


async def processed(app: App, update_id: int) -> int:
    async with app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(ProcessedUpdate).where(
            ProcessedUpdate.update_key == str(update_id))) or 0


async def texts_to(app: App, chat: int) -> list[str]:
    async with app.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).where(
            OutboxMessage.chat_id == str(chat)).order_by(OutboxMessage.id))
        return [row.payload["text"] for row in rows]


@only_postgres
async def test_an_update_after_a_database_restart_is_processed_once_without_apology(
        database_url: str) -> None:
    """Every pooled connection is stale after a restart: the update's first statement
    fails on one, the unit of work is tried once more on a new one, and the citizen gets
    the answer, not an apology (no background job runs here to find the stale connections
    first)."""
    async with proxied(database_url) as (proxy, url), console_app(url) as app:
        assert await session(app, user_id="first").say("/start")
        assert proxy.cut() > 0
        person = session(app, user_id="second")
        shown = await person.say("/start")
        assert [message.text for message in shown] == [Translator("vi")("onboarding.welcome")]
        async with app.db.transaction() as db_session:
            keys = list(await db_session.scalars(select(ProcessedUpdate.update_key).where(
                ProcessedUpdate.update_key.like(f"{person._prefix}%"))))
        assert len(keys) == 1


@only_postgres
async def test_a_database_that_answers_nothing_gets_a_quick_503_and_the_update_comes_again(
        database_url: str) -> None:
    """Connections accepted and never answered: the webhook answers 503 (not a request held
    for minutes), /readyz says the database is not ready; once the database is back, the
    redelivered update is processed once, and nobody got an apology."""
    async with proxied(database_url) as (proxy, url), FakeTelegramAPI() as fake, \
            telegram_app(url, fake) as app:
        assert await fake.post_to_webhook(make_message_update(1, 7101, 7101, "/start")) == 200
        readyz = fake.webhook["url"].replace("/thonso/telegram/webhook", "/readyz")
        proxy.black_hole = True
        update = make_message_update(2, 7102, 7102, "/start")
        assert await asyncio.wait_for(fake.post_to_webhook(update), 10) == 503
        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(10), http.get(readyz) as response:
                assert response.status == 503
                assert await response.json() == {"database": False}
            proxy.black_hole = False
            proxy.cut()
            assert await fake.post_to_webhook(update) == 200      # Telegram's redelivery
            async with http.get(readyz) as response:
                assert response.status == 200
        assert await processed(app, 2) == 1
        assert len(await texts_to(app, 7102)) == 1
        assert await fake.post_to_webhook(update) == 200          # a late copy: a no-op
        assert len(await texts_to(app, 7102)) == 1

        async def delivered() -> bool:
            return any(c.ok and c.chat_id == 7102 for c in fake.calls)
        await eventually(delivered, 15)
        assert not [c for c in fake.calls if c.params.get("text") == APOLOGY]


@only_postgres
async def test_the_poller_asks_again_for_an_update_the_database_could_not_take(
        database_url: str) -> None:
    async with proxied(database_url) as (proxy, url), FakeTelegramAPI() as fake, \
            telegram_app(url, fake, webhook=False) as app:
        fake.push_update(make_message_update(1, 7201, 7201, "/start"))
        await fake.wait_for(lambda c: c.ok and c.method == "sendMessage" and c.chat_id == 7201)
        proxy.black_hole = True
        fake.push_update(make_message_update(2, 7202, 7202, "/start"))
        await eventually(lambda: _metric(app, "polling"), 15)
        proxy.black_hole = False
        proxy.cut()
        await fake.wait_for(lambda c: c.ok and c.method == "sendMessage" and c.chat_id == 7202)
        assert await processed(app, 2) == 1
        assert len(await texts_to(app, 7202)) == 1
        assert not [c for c in fake.calls if c.params.get("text") == APOLOGY]


async def _metric(app: App, via: str) -> bool:
    return app.metrics.value("thonso_database_unavailable_total", via=via) > 0
