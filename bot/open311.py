"""Open311 GeoReport v2 over HTTP (aiohttp): services, requests, one request, and filing a
request with an API key. The logic is in `services.feedback.open311`."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.web import webhook_paths
from services.db import utcnow
from services.feedback.open311 import Open311, Open311Error

if TYPE_CHECKING:
    from bot.app import App

BASE = "/open311/v2"
KEY_HEADER = "X-Api-Key"
Handler = Callable[[web.Request], Awaitable[web.Response]]


def key_ok(keys: list[str], given: str | None) -> bool:
    if not given:
        return False
    return any(hmac.compare_digest(key.encode(), given.encode()) for key in keys)


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            raise Open311Error(400, "malformed JSON body") from None
        if not isinstance(body, dict):
            raise Open311Error(400, "the body must be a JSON object")
        params.update(body)
    elif request.can_read_body:
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return params


def install_open311(app: App) -> Callable[[web.Application], None]:
    """Routes to add to the app's web server (`App.web_routes`)."""

    def guarded(work: Callable[[Open311, web.Request], Awaitable[Any]],
                status: int = 200) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            try:
                async with app.db.transaction() as session:
                    body = await work(Open311(session), request)
            except Open311Error as failure:
                return web.json_response(failure.body(), status=failure.code)
            return web.json_response(body, status=status)
        return handle

    async def services(api: Open311, request: web.Request) -> Any:
        return await api.services(request.query.get("jurisdiction_id"))

    async def requests(api: Open311, request: web.Request) -> Any:
        return await api.requests(dict(request.query))

    async def one(api: Open311, request: web.Request) -> Any:
        return await api.request(request.match_info["code"])

    async def create(api: Open311, request: web.Request) -> Any:
        if "api_key" in request.query:  # proxies and gateways log URLs: a key there is spent
            raise Open311Error(403, "send api_key in the form body or the X-Api-Key header, "
                                    "never in the URL")
        params = await _params(request)
        given = request.headers.get(KEY_HEADER) or params.get("api_key")
        if not isinstance(given, str) or not key_ok(app.settings.open311_api_keys, given):
            raise Open311Error(403, "invalid api_key")
        return await api.create(params, utcnow())

    def install(web_app: web.Application) -> None:
        for prefix in webhook_paths(app.settings.webhook_base_url, BASE):
            web_app.router.add_get(f"{prefix}/services.json", guarded(services))
            web_app.router.add_get(f"{prefix}/requests.json", guarded(requests))
            web_app.router.add_post(f"{prefix}/requests.json", guarded(create, 201))
            web_app.router.add_get(f"{prefix}/requests/{{code}}.json", guarded(one))

    return install
