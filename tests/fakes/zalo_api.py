"""A fake Zalo Bot API server for tests.

An aiohttp server on 127.0.0.1 (a free port) answering `POST /bot<TOKEN>/<method>` with the
Bot API's envelope `{ok, result}` / `{ok: false, error_code, description}`. It records every
call, can be told to fail (429, `ok: false` with HTTP 200, any status), answers getUpdates with
one queued update at a time or HTTP 408 when there is none, fetches the URL of every sendPhoto
as Zalo does, serves the files people send (`host`: a photo at a URL, as Zalo's CDN does), and
posts updates to the webhook registered with setWebhook.

Usage::

    async with FakeZaloAPI() as fake:
        client = ZaloClient(fake.token, fake.url)
        fake.fail_next("sendMessage", status=429, retry_after=1)
        fake.push_update(text_update("u1", "Xin chào"))   # served by getUpdates
        await fake.post_to_webhook(text_update("u1", "1"))  # with the registered secret
        await fake.wait_for("sendMessage")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]
DEFAULT_TOKEN = "2718281828:ZaloFakeTokenForThonSoTests"
MAX_TEXT = 2000
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker"})
SECRET_HEADER = "X-Bot-Api-Secret-Token"


@dataclass
class ZaloCall:
    """One recorded call: method, JSON body, and how it was answered."""

    method: str
    params: JSONDict
    http_status: int = 200
    ok: bool = True
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    fetched: tuple[int, bytes] | None = None
    """For sendPhoto: the HTTP status and body of fetching the photo URL."""

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""


@dataclass
class _Failure:
    method: str
    http_status: int
    error_code: int
    description: str
    retry_after: int | None
    chat_id: Any
    remaining: int


@dataclass
class ZaloFakeError(Exception):
    http_status: int
    error_code: int
    description: str
    retry_after: int | None = None
    extra: JSONDict = field(default_factory=dict)


class FakeZaloAPI:
    def __init__(self, token: str = DEFAULT_TOKEN, *, long_poll_cap: float = 0.3,
                 fetch_photos: bool = True) -> None:
        self.token = token
        self.long_poll_cap = long_poll_cap
        self.fetch_photos = fetch_photos
        self.calls: list[ZaloCall] = []
        self.webhook: JSONDict = {"url": "", "secret_token": None}
        self.blocked: set[str] = set()
        self._failures: list[_Failure] = []
        self._files: dict[str, bytes] = {}
        self._chunked: set[str] = set()
        self._stalled: set[str] = set()
        self.files_fetched: list[str] = []
        self._updates: list[JSONDict] = []
        self._update_arrived = asyncio.Event()
        self._call_recorded = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._serve)
        app.router.add_get("/files/{name}", self._serve_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def close(self) -> None:
        self._update_arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The value for ZALO_API_BASE_URL."""
        return f"http://127.0.0.1:{self._port}"

    # -- what tests read ---------------------------------------------------------------------

    def calls_of(self, method: str) -> list[ZaloCall]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: str) -> list[ZaloCall]:
        """Accepted sends to one chat, in order."""
        return [c for c in self.calls if c.ok and c.method in SEND_METHODS
                and c.chat_id == chat_id]

    def texts_to(self, chat_id: str) -> list[str]:
        return [call.text for call in self.sent_to(chat_id)]

    async def wait_for(self, what: str | Callable[[ZaloCall], bool], count: int = 1,
                       timeout: float = 5.0) -> list[ZaloCall]:
        """Wait until `count` recorded calls match (a method name or a predicate)."""
        matches = (lambda call: call.method == what) if isinstance(what, str) else what
        found: list[ZaloCall] = []
        try:
            async with asyncio.timeout(timeout):
                while len(found := [c for c in self.calls if matches(c)]) < count:
                    self._call_recorded.clear()
                    await self._call_recorded.wait()
        except TimeoutError:
            seen = [f"{c.method}:{c.http_status}:{c.ok}" for c in self.calls]
            raise TimeoutError(f"waited {timeout}s for {count} call(s) matching {what!r}, "
                               f"got {len(found)}; calls: {seen}") from None
        return found

    async def wait_sent(self, chat_id: str, count: int, timeout: float = 5.0) -> list[ZaloCall]:
        """Wait for `count` accepted sends to a chat; return them all."""
        return await self.wait_for(lambda c: c.ok and c.method in SEND_METHODS
                                   and c.chat_id == chat_id, count, timeout)

    # -- what tests arrange ------------------------------------------------------------------

    def push_update(self, update: JSONDict) -> None:
        """Queue an update (the `result` of a getUpdates answer)."""
        self._updates.append(update)
        self._update_arrived.set()

    def host(self, name: str, data: bytes, *, chunked: bool = False,
             stall: bool = False) -> str:
        """Serve `data` at a URL on 127.0.0.1, as Zalo's CDN serves a photo a person sent;
        return the URL (for `image_update`). `chunked`: without a Content-Length; `stall`:
        the headers, then nothing until the client gives up."""
        self._files[name] = data
        if chunked:
            self._chunked.add(name)
        if stall:
            self._stalled.add(name)
        return f"{self.url}/files/{name}"

    def fail_next(self, method: str, status: int = 429, *, retry_after: int | None = 1,
                  ok_false: bool = False, description: str | None = None,
                  chat_id: Any = None, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with an error: HTTP `status`, or HTTP 200
        with `{ok: false, error_code: status}` when `ok_false`."""
        text = description or {429: "Too Many Requests", 401: "Unauthorized",
                               403: "Forbidden: user blocked the bot"}.get(status, "Error")
        self._failures.append(_Failure(method, 200 if ok_false else status, status, text,
                                       retry_after if status == 429 else None, chat_id, times))

    def block(self, chat_id: str) -> None:
        """Every later send to `chat_id` fails as after the user blocked the bot."""
        self.blocked.add(chat_id)

    async def post_to_webhook(self, body: JSONDict | bytes, *,
                              secret: str | None = None) -> int:
        """POST a body to the registered webhook with its secret (or `secret`); return the
        HTTP status the bot answered."""
        url = self.webhook["url"]
        if not url:
            raise RuntimeError("no webhook is set")
        headers = {"Content-Type": "application/json"}
        token = secret if secret is not None else self.webhook.get("secret_token")
        if token:
            headers[SECRET_HEADER] = token
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with aiohttp.ClientSession() as session, \
                session.post(url, data=data, headers=headers) as response:
            return response.status

    # -- HTTP --------------------------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await request.json() if request.can_read_body else {}
        except ValueError:
            params = {}
        call = ZaloCall(method, params if isinstance(params, dict) else {})
        try:
            if request.match_info["token"] != self.token:
                # Zalo answers a bad token with HTTP 200 and ok: false.
                raise ZaloFakeError(200, 401, "Unauthorized")
            handler = getattr(self, f"_{method}", None)
            if handler is None:
                raise ZaloFakeError(404, 404, "Not Found")
            self._inject_failure(call)
            call.result = await handler(call)
            body: JSONDict = {"ok": True, "result": call.result}
            status = 200
        except ZaloFakeError as error:
            call.ok, call.http_status = False, error.http_status
            call.error_code, call.description = error.error_code, error.description
            body = {"ok": False, "error_code": error.error_code,
                    "description": error.description, **error.extra}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            status = error.http_status
        self.calls.append(call)
        self._call_recorded.set()
        return web.json_response(body, status=status)

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.files_fetched.append(name)
        if name not in self._files:
            return web.Response(status=404)
        if name not in self._chunked and name not in self._stalled:
            return web.Response(body=self._files[name], content_type="image/jpeg")
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        if name in self._stalled:
            await asyncio.Event().wait()             # until the client hangs up
        data = self._files[name]
        for start in range(0, len(data), 4096):
            await response.write(data[start:start + 4096])
        await response.write_eof()
        return response

    def _inject_failure(self, call: ZaloCall) -> None:
        for failure in self._failures:
            if failure.method == call.method and failure.chat_id in (None, call.chat_id):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                raise ZaloFakeError(failure.http_status, failure.error_code,
                                    failure.description, failure.retry_after)

    # -- methods -----------------------------------------------------------------------------

    async def _getMe(self, call: ZaloCall) -> JSONDict:
        return {"id": "1459232241454765289", "account_name": "bot.ThonSoTest",
                "account_type": "BASIC", "can_join_groups": False}

    async def _setWebhook(self, call: ZaloCall) -> JSONDict:
        url, secret = call.params.get("url"), call.params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ZaloFakeError(400, 400, "Bad Request: invalid url")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ZaloFakeError(400, 400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": int(time.time() * 1000)}

    async def _deleteWebhook(self, call: ZaloCall) -> JSONDict:
        self.webhook = {"url": "", "secret_token": None}
        return {"url": "", "updated_at": int(time.time() * 1000)}

    async def _getWebhookInfo(self, call: ZaloCall) -> JSONDict:
        return {"url": self.webhook["url"], "updated_at": int(time.time() * 1000)}

    async def _getUpdates(self, call: ZaloCall) -> JSONDict:
        if self.webhook["url"]:
            raise ZaloFakeError(400, 400, "Bad Request: webhook is active")
        if not self._updates:
            self._update_arrived.clear()
            wait = min(float(call.params.get("timeout", 0) or 0), self.long_poll_cap)
            try:
                async with asyncio.timeout(wait):
                    await self._update_arrived.wait()
            except TimeoutError:
                pass
        if not self._updates:
            raise ZaloFakeError(408, 408, "Request timeout")
        return self._updates.pop(0)

    def _check_chat(self, call: ZaloCall) -> str:
        chat_id = call.params.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            raise ZaloFakeError(400, 400, "Bad Request: chat_id is required")
        if chat_id in self.blocked:
            raise ZaloFakeError(403, 403, "Forbidden: user blocked the bot")
        return chat_id

    @staticmethod
    def _sent() -> JSONDict:
        return {"message_id": secrets.token_hex(10), "date": int(time.time() * 1000)}

    async def _sendMessage(self, call: ZaloCall) -> JSONDict:
        self._check_chat(call)
        text = call.params.get("text")
        if not isinstance(text, str) or not text:
            raise ZaloFakeError(400, 400, "Bad Request: text is empty")
        if len(text) > MAX_TEXT:
            raise ZaloFakeError(400, 400, f"Bad Request: text is longer than {MAX_TEXT}")
        return self._sent()

    async def _sendPhoto(self, call: ZaloCall) -> JSONDict:
        self._check_chat(call)
        photo = call.params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise ZaloFakeError(400, 400, "Bad Request: photo must be a URL")
        if self.fetch_photos:
            try:
                async with aiohttp.ClientSession() as session, session.get(photo) as response:
                    call.fetched = (response.status, await response.read())
            except aiohttp.ClientError as error:
                raise ZaloFakeError(400, 400, f"Bad Request: cannot fetch photo: {error}") \
                    from None
            if call.fetched[0] != 200:
                raise ZaloFakeError(400, 400, "Bad Request: cannot fetch photo")
        return self._sent()

    async def _sendSticker(self, call: ZaloCall) -> JSONDict:
        self._check_chat(call)
        return self._sent()

    async def _sendChatAction(self, call: ZaloCall) -> bool:
        self._check_chat(call)
        return True


# -- building incoming updates ---------------------------------------------------------------

_ids = itertools.count(1)


def _message(chat_id: str, user_id: str | None, name: str, message_id: str | None,
             group: bool = False, **content: Any) -> JSONDict:
    return {
        "from": {"id": user_id or chat_id, "display_name": name, "is_bot": False},
        "chat": {"id": chat_id, "chat_type": "GROUP" if group else "PRIVATE"},
        "message_id": message_id or f"m{next(_ids):06d}{secrets.token_hex(6)}",
        "date": int(time.time() * 1000),
        **content,
    }


def text_update(chat_id: str, text: str, *, name: str = "Nguyễn Văn An",
                message_id: str | None = None, wrapped: bool = True,
                group_member: str | None = None) -> JSONDict:
    """A `message.text.received` update, wrapped `{ok, result}` (the docs) or flat; in a
    group chat from `group_member` when given."""
    event = {"event_name": "message.text.received",
             "message": _message(chat_id, group_member, name, message_id,
                                 group=group_member is not None, text=text)}
    return {"ok": True, "result": event} if wrapped else event


def image_update(chat_id: str, url: str, *, caption: str = "", name: str = "Nguyễn Văn An",
                 message_id: str | None = None, field_name: str = "photo_url",
                 wrapped: bool = False) -> JSONDict:
    """A `message.image.received` update, with `photo_url` (what is reported in practice) or
    `photo` (the docs)."""
    content: JSONDict = {field_name: url, "caption": caption}
    if field_name == "photo_url":
        content["message_type"] = "CHAT_PHOTO"
    event = {"event_name": "message.image.received",
             "message": _message(chat_id, None, name, message_id, **content)}
    return {"ok": True, "result": event} if wrapped else event


def event_update(chat_id: str, event_name: str, *, name: str = "Nguyễn Văn An",
                 message_id: str | None = None, **content: Any) -> JSONDict:
    """Any event (sticker, voice, unsupported, unknown), flat."""
    return {"event_name": event_name,
            "message": _message(chat_id, None, name, message_id, **content)}
