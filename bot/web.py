"""The aiohttp application: channel webhooks, health and readiness, metrics."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from services.db import DatabaseUnavailable

if TYPE_CHECKING:
    from bot.app import App

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


async def read_json(request: web.Request) -> dict | None:
    try:
        body = await request.read()
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def telegram_webhook(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        if not secret_ok(app.settings.secret(), request.headers.get(TELEGRAM_SECRET_HEADER)):
            app.metrics["webhook_forbidden"] += 1
            return web.Response(status=403, text="forbidden")
        data = await read_json(request)
        if data is None or not isinstance(data.get("update_id"), int):
            app.metrics["webhook_bad_request"] += 1
            return web.Response(status=400, text="malformed update")
        try:
            incoming, query_id = app.telegram.parse(data)
        except Exception:
            log.warning("unparseable Telegram update %s", data.get("update_id"), exc_info=True)
            app.metrics["webhook_bad_request"] += 1
            return web.Response(status=400, text="malformed update")
        if incoming is not None:
            outcome = await app.processor.process(incoming)
            app.metrics["duplicates" if outcome.duplicate else "updates"] += 1
        if query_id:
            app.background(app.telegram.answer_callback(query_id))
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
            app.metrics["database_unavailable"] += 1
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
        lines = [f"thonso_{name}_total {value}" for name, value in sorted(app.metrics.items())]
        lines += [f"thonso_sender_{name}_total {value}"
                  for name, value in sorted(app.sender.stats.items())]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
    if app.telegram is not None:
        for path in webhook_paths(app.settings.webhook_base_url, TELEGRAM_PATH):
            web_app.router.add_post(path, telegram_webhook(app))
    for install in app.web_routes:
        install(web_app)
    return web_app
