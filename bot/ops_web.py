"""Composes the operations room (`ops/`) into the app's web server, under `/ops` with and
without the gateway's path prefix, as the webhooks are."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from bot.web import webhook_paths
from ops.app import build
from ops.context import OpsConfig

if TYPE_CHECKING:
    from bot.app import App


def config_for(app: App) -> OpsConfig:
    public = app.settings.ops_url()
    return OpsConfig(root=urlsplit(public).path.rstrip("/"),
                     secure=public.startswith("https://"), timezone=app.settings.timezone,
                     tiles_url=app.settings.ops_map_tiles_url,
                     default_language=app.settings.default_language,
                     bot_username=app.settings.qr_bot_username)


def install(app: App) -> Callable[[web.Application], None]:
    config = config_for(app)

    def add(web_app: web.Application) -> None:
        for prefix in webhook_paths(app.settings.webhook_base_url, "/ops"):
            web_app.add_subapp(prefix, build(app.db, config, app.live))

    return add
