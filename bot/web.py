"""The aiohttp application: channel webhooks, health and readiness, metrics."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.metrics import CONTENT_TYPE
from services.db import DatabaseUnavailable

if TYPE_CHECKING:
    from bot.app import App
    from bot.channels.telegram import TelegramChannel

log = logging.getLogger(__name__)
TELEGRAM_PATH = "/telegram/webhook"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


def webhook_paths(base_url: str | None, path: str) -> list[str]:
    """The path as the gateway forwards it: with the public prefix, and without it for
    gateways that strip the prefix."""
    prefix = urlsplit(base_url).path.rstrip("/") if base_url else ""
    return [prefix + path, path] if prefix else [path]


def secret_ok(expected: str | None, given: str | None) -> bool:
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


async def read_json(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.read()
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def telegram_webhook(app: App, telegram: TelegramChannel
                     ) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        if not secret_ok(app.settings.secret(), request.headers.get(TELEGRAM_SECRET_HEADER)):
            app.metrics.refused.labels("forbidden").inc()
            return web.Response(status=403, text="forbidden")
        data = await read_json(request)
        if data is None or not isinstance(data.get("update_id"), int):
            app.metrics.refused.labels("bad_request").inc()
            return web.Response(status=400, text="malformed update")
        try:
            incoming, query_id = telegram.parse(data)
        except Exception:
            log.warning("unparseable Telegram update %s", data.get("update_id"), exc_info=True)
            app.metrics.refused.labels("bad_request").inc()
            return web.Response(status=400, text="malformed update")
        if incoming is not None:
            await app.process(incoming)
        if query_id:
            app.background(telegram.answer_callback(query_id))
        return web.Response(text="ok")
    return handle


def unavailable_is_503(app: App) -> Callable[..., Awaitable[web.StreamResponse]]:
    """A request whose work the database could not take answers 503: Telegram and Zalo
    deliver the update again later, and nothing of it is lost."""
    @web.middleware
    async def middleware(request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        try:
            return await handler(request)
        except DatabaseUnavailable:
            app.metrics.database_unavailable.labels("webhook").inc()
            return web.Response(status=503, text="database unavailable",
                                headers={"Retry-After": "5"})
    return middleware


READY_TIMEOUT_S = 4.0
"""/readyz answers within this: a database that answers nothing is a 503, not a hang."""


def build_web_app(app: App) -> web.Application:
    web_app = web.Application(client_max_size=MAX_BODY, middlewares=[unavailable_is_503(app)])

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        try:
            ready = await asyncio.wait_for(app.db.ping(), READY_TIMEOUT_S)
        except TimeoutError:
            ready = False
        return web.json_response({"database": ready}, status=200 if ready else 503)

    async def metrics(_: web.Request) -> web.Response:
        response = web.Response(body=app.metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
    if app.telegram is not None:
        for path in webhook_paths(app.settings.webhook_base_url, TELEGRAM_PATH):
            web_app.router.add_post(path, telegram_webhook(app, app.telegram))
    for install in app.web_routes:
        install(web_app)
    return web_app
