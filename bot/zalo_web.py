"""Zalo in the running app: the webhook and signed-media routes, and start-up (register the
webhook, or poll with getUpdates when the bot has no public address)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.channels.zalo import BadUpdate, MediaLinks, ZaloApiError, ZaloChannel, ZaloClient
from bot.choices import remember_choices
from bot.settings import ConfigError
from bot.web import read_json, secret_ok, webhook_paths
from services.models import Blob

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

log = logging.getLogger(__name__)
ZALO_PATH = "/zalo/webhook"
MEDIA_PATH = "/media/{sha}"
ZALO_SECRET_HEADER = "X-Bot-Api-Secret-Token"


def make_channel(settings: Settings) -> ZaloChannel | None:
    """The Zalo channel when ZALO_BOT_TOKEN is set."""
    token = settings.zalo_token()
    if not token:
        return None
    media = MediaLinks(settings.zalo_secret() or token, settings.webhook_base_url)
    return ZaloChannel(ZaloClient(token, settings.zalo_api_base_url), media)


async def handle_update(app: App, data: object) -> None:
    """Parse one update and process it (raises BadUpdate for a body that is not one)."""
    assert app.zalo is not None
    incoming = app.zalo.parse(data)
    if incoming is None:
        app.metrics.ignored.inc()
        return
    await app.process(incoming)


def zalo_webhook(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        if not secret_ok(app.settings.zalo_secret(), request.headers.get(ZALO_SECRET_HEADER)):
            app.metrics.refused.labels("forbidden").inc()
            return web.Response(status=403, text="forbidden")
        data = await read_json(request)
        try:
            await handle_update(app, data)
        except BadUpdate as error:
            log.warning("malformed Zalo update: %s", error)
            app.metrics.refused.labels("bad_request").inc()
            return web.Response(status=400, text="malformed update")
        return web.Response(text="ok")
    return handle


def media(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve(request: web.Request) -> web.Response:
        assert app.zalo is not None
        sha = request.match_info["sha"]
        if not app.zalo.media.valid(sha, request.query.get("exp"), request.query.get("sig")):
            app.metrics.refused.labels("media_forbidden").inc()
            return web.Response(status=403, text="forbidden")
        async with app.db.transaction() as session:
            blob = await session.get(Blob, sha)
            found = (blob.data, blob.mime) if blob is not None else None
        if found is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=found[0], content_type=found[1] or "application/octet-stream",
                            headers={"Cache-Control": "private, max-age=3600"})
    return serve


def install(app: App) -> Callable[[web.Application], None]:
    """Wire the channel to the app (choices shown are remembered in the conversation) and
    return the routes, for `App.web_routes`."""
    assert app.zalo is not None
    app.zalo.on_choices = remember_choices(app.db, app.zalo.name)

    def routes(web_app: web.Application) -> None:
        base = app.settings.webhook_base_url
        for path in webhook_paths(base, ZALO_PATH):
            web_app.router.add_post(path, zalo_webhook(app))
        for path in webhook_paths(base, MEDIA_PATH):
            web_app.router.add_get(path, media(app))
    return routes


async def start(app: App) -> None:
    """Register the webhook (WEBHOOK_BASE_URL set), or start polling."""
    assert app.zalo is not None
    client = app.zalo.client
    if app.settings.webhook_mode:
        url = f"{app.settings.webhook_base_url}{ZALO_PATH}"
        try:
            await client.set_webhook(url, app.settings.zalo_secret() or "")
        except ZaloApiError as error:
            if error.code in (401, 404):
                raise ConfigError("ZALO_BOT_TOKEN was rejected by Zalo") from None
            raise
        log.info("Zalo webhook set to %s", url)
        return
    try:
        await client.delete_webhook()
    except Exception as error:  # polling may still work; getUpdates will tell
        log.warning("Zalo deleteWebhook failed: %s", error)

    async def handle(update: dict[str, Any]) -> None:
        await handle_update(app, update)

    app.background(app.zalo.poll(handle))
    log.info("Zalo polling started")
