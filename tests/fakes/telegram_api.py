"""A fake Telegram Bot API server for tests and benchmarks.

It is an aiohttp server on 127.0.0.1 (a free port) that speaks the Bot API well enough for the
real python-telegram-bot ``Bot`` (or any HTTP client) to talk to it, records every call, can be
told to fail, and can enforce Telegram's flood limits. It also builds incoming updates the way
Telegram sends them.

Usage::

    async with FakeTelegramAPI() as fake:
        bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:  # calls getMe
            fake.fail_next("sendMessage", status=429, retry_after=3)
            with pytest.raises(RetryAfter):
                await bot.send_message(42, "Xin chào")
            await bot.send_message(42, "Xin chào")
            fake.push_update(make_message_update(1, 42, 42, "/start"))  # served by getUpdates
            [update] = await bot.get_updates()
        assert [call.status for call in fake.calls_of("sendMessage")] == [429, 200]
        assert fake.sent_to(42)[0].params["text"] == "Xin chào"

Code under test that sends in the background is awaited with ``await fake.wait_for(...)``.

Parameters are decoded as the Bot API does: python-telegram-bot sends strings as they are and
every other value (numbers, booleans, reply_markup, entities...) JSON-encoded, so the fake
JSON-decodes every form value except the ones the API types as strings. Texts sent with
``parse_mode="HTML"`` are checked and stripped of their tags as Telegram does; MarkdownV2 is not
checked.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import html
import inspect
import itertools
import json
import math
import mimetypes
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAFakeTokenForThonSoTests_0123456789"
DEFAULT_BOT_ID = int(DEFAULT_TOKEN.split(":", 1)[0])
DEFAULT_BOT_USERNAME = "thonso_test_bot"
DEFAULT_FIRST_NAME = "Nguyễn Văn An"

SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendVoice", "sendAudio", "sendDocument", "sendPoll"}
)
"""The methods that post a new message to a chat (and so count against the flood limits)."""

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# Form values the Bot API types as strings: kept verbatim, never JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "secret_token", "ip_address", "question",
        "callback_query_id", "file_id", "action", "title", "performer", "description",
        "inline_message_id", "business_connection_id", "message_effect_id", "language_code",
        "photo", "voice", "audio", "document", "thumbnail", "video", "animation", "sticker",
    }
)  # fmt: skip

_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip

_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "a", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)(\s[^<>]*)?>")

# Where Telegram stores each kind of file, and the extension it gives it.
_FILE_DIRS = {
    "photo": ("photos", ".jpg"),
    "voice": ("voice", ".oga"),
    "audio": ("music", ".mp3"),
    "document": ("documents", ""),
}

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSONDict:
        """The JSON body Telegram answers with."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def too_many_requests(retry_after: int) -> ApiError:
    """The 429 answer Telegram gives when a flood limit is exceeded."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(frozen=True)
class UploadedFile:
    """A file that came as a multipart part of a call."""

    field: str
    filename: str
    content: bytes
    content_type: str


@dataclass
class ApiCall:
    """One recorded call: method, decoded parameters, uploads, and how it was answered.

    ``at`` is the monotonic arrival time; ``reused`` maps a media parameter to the file_id the
    call re-sent instead of uploading.
    """

    method: str
    params: JSONDict
    files: dict[str, UploadedFile]
    at: float
    status: int = 200
    result: Any = None
    description: str | None = None
    reused: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call was answered with success."""
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        """The chat_id parameter, if any."""
        return self.params.get("chat_id")


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits for sending messages.

    Private chats are a token bucket (``private_per_second`` refill, ``private_burst`` size);
    groups (negative chat ids) a sliding minute; the whole bot a sliding second.
    """

    global_per_second: int = 30
    group_per_minute: int = 20
    private_per_second: float = 1.0
    private_burst: int = 3


@dataclass
class FakeStats:
    """What the fake counted: 429 answers, accepted messages per chat, duplicate messages.

    A duplicate is an accepted message identical to an earlier one in the same chat (method,
    text or caption, file content, poll question).
    """

    rate_limited: int = 0
    accepted: Counter[Any] = field(default_factory=Counter)
    duplicates: int = 0


@dataclass
class StoredFile:
    """A file the fake knows: uploaded through it or registered by a test."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    kind: str | None
    filename: str | None = None
    mime_type: str | None = None


@dataclass
class _Failure:
    method: str
    error: ApiError
    chat_id: Any
    remaining: int


@dataclass
class _Chat:
    info: JSONDict
    messages: dict[int, JSONDict] = field(default_factory=dict)
    bot_message_ids: set[int] = field(default_factory=set)
    next_message_id: int = 1
    pinned: int | None = None


class _FloodControl:
    """Decides whether one more message may go to a chat now, following ``RateLimits``."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self._limits = limits
        self._clock = clock
        self._recent: deque[float] = deque()
        self._groups: dict[Any, deque[float]] = {}
        self._buckets: dict[Any, tuple[float, float]] = {}

    def admit(self, chat_id: Any) -> None:
        """Count one message to ``chat_id``, or raise the 429 Telegram would answer."""
        now = self._clock()
        waits = [self._global_wait(now)]
        is_group = isinstance(chat_id, int) and chat_id < 0
        waits.append(
            self._group_wait(chat_id, now) if is_group else self._private_wait(chat_id, now)
        )
        wait = max(waits)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        self._recent.append(now)
        if is_group:
            self._groups[chat_id].append(now)
        else:
            tokens, _ = self._buckets[chat_id]
            self._buckets[chat_id] = (tokens - 1, now)

    def _global_wait(self, now: float) -> float:
        _drop_older(self._recent, now - 1.0)
        if len(self._recent) < self._limits.global_per_second:
            return 0.0
        return self._recent[0] + 1.0 - now

    def _group_wait(self, chat_id: Any, now: float) -> float:
        sent = self._groups.setdefault(chat_id, deque())
        _drop_older(sent, now - 60.0)
        if len(sent) < self._limits.group_per_minute:
            return 0.0
        return sent[0] + 60.0 - now

    def _private_wait(self, chat_id: Any, now: float) -> float:
        rate, burst = self._limits.private_per_second, self._limits.private_burst
        tokens, last = self._buckets.get(chat_id, (float(burst), now))
        tokens = min(float(burst), tokens + (now - last) * rate)
        self._buckets[chat_id] = (tokens, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / rate


def _drop_older(times: deque[float], limit: float) -> None:
    while times and times[0] <= limit:
        times.popleft()


class FakeTelegramAPI:
    """A Bot API server on 127.0.0.1 that records calls and answers like Telegram.

    ``rate_limits`` turns on flood control; ``clock`` (monotonic seconds) can be replaced by a
    test to drive it; ``long_poll_cap`` bounds how long getUpdates waits for an update.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        long_poll_cap: float = 0.5,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.clock = clock
        self.long_poll_cap = long_poll_cap
        self.calls: list[ApiCall] = []
        self.stats = FakeStats()
        self.blocked: set[Any] = set()
        self.webhook: JSONDict = {"url": ""}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.member_status: dict[tuple[Any, int], str] = {}
        self._flood: _FloodControl | None = None
        self.rate_limits = rate_limits
        self._failures: list[_Failure] = []
        self._updates: list[JSONDict] = []
        self._last_update_id = 0
        self._update_arrived = asyncio.Event()
        self._call_recorded = asyncio.Event()
        self._chats: dict[Any, _Chat] = {}
        self._files: dict[str, StoredFile] = {}
        self._answered_queries: set[str] = set()
        self._seen_content: set[tuple[Any, ...]] = set()
        self._polls: dict[str, JSONDict] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._methods: dict[str, tuple[str, Callable[[ApiCall], Any]]] = {
            name.lower(): (name, handler) for name, handler in self._handlers().items()
        }

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._serve_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Stop serving, releasing any long poll."""
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
        """The server's root URL, such as ``http://127.0.0.1:39017``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The value for PTB's ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """The value for PTB's ``Bot(base_file_url=...)``."""
        return f"{self.url}/file/bot"

    @property
    def rate_limits(self) -> RateLimits | None:
        """The flood limits enforced on sends, or None for no limits."""
        return self._flood._limits if self._flood else None

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        self._flood = _FloodControl(limits, self.clock) if limits else None

    # -- what tests read ---------------------------------------------------------------------

    def calls_of(self, method: str) -> list[ApiCall]:
        """The recorded calls of one method, answered well or not, in order."""
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: Any) -> list[ApiCall]:
        """The accepted send calls (any of ``SEND_METHODS``) to one chat, in order."""
        return [
            call
            for call in self.calls
            if call.ok and call.method in SEND_METHODS and call.chat_id == chat_id
        ]

    def message(self, chat_id: Any, message_id: int) -> JSONDict | None:
        """A message as it is now (after edits), or None if unknown or deleted."""
        chat = self._chats.get(chat_id)
        return chat.messages.get(message_id) if chat else None

    async def wait_for(
        self,
        what: str | Callable[[ApiCall], bool],
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[ApiCall]:
        """Wait until ``count`` recorded calls match, and return all matching calls.

        ``what`` is a method name (matching its calls whatever their answer) or a predicate.
        Raises TimeoutError, listing the calls seen, if they do not come within ``timeout``.
        """
        matches = (lambda call: call.method == what) if isinstance(what, str) else what
        found: list[ApiCall] = []
        try:
            async with asyncio.timeout(timeout):
                while len(found := [call for call in self.calls if matches(call)]) < count:
                    self._call_recorded.clear()
                    await self._call_recorded.wait()
        except TimeoutError:
            seen = [f"{call.method}:{call.status}" for call in self.calls]
            raise TimeoutError(
                f"waited {timeout}s for {count} call(s) matching {what!r}, got {len(found)}; "
                f"calls: {seen}"
            ) from None
        return found

    # -- what tests arrange ------------------------------------------------------------------

    def push_update(self, update: JSONDict) -> int:
        """Queue an update for getUpdates (an update_id is added if missing); return its id.

        The chats and messages in it become known, so the bot can edit, pin or delete them.
        """
        if "update_id" not in update:
            update = {"update_id": self._last_update_id + 1, **update}
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        self._remember_update(update)
        self._updates.append(update)
        self._update_arrived.set()
        return int(update["update_id"])

    def add_file(
        self,
        file_id: str,
        content: bytes,
        *,
        kind: str | None = None,
        file_path: str | None = None,
    ) -> StoredFile:
        """Register a file (such as a citizen's photo) for getFile, download and re-sending.

        ``kind`` ("photo", "voice", "audio", "document") makes re-sending it as another kind fail
        as Telegram does; None accepts any.
        """
        folder = _FILE_DIRS[kind][0] if kind else "documents"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=_unique_id(file_id.encode()),
            content=content,
            file_path=file_path or f"{folder}/file_{next(self._ids)}",
            kind=kind,
        )
        self._files[file_id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile | None:
        """A known file by its file_id."""
        return self._files.get(file_id)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 2,
        chat_id: Any = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` if given) with an error.

        429 carries ``retry_after``; 403 defaults to "bot was blocked by the user"; other
        statuses get Telegram's usual description unless one is given.
        """
        if status == 429:
            error = too_many_requests(retry_after)
        else:
            error = ApiError(status, _DEFAULT_DESCRIPTIONS.get(status, "Error"))
        if description:
            error.description = description
        self._failures.append(_Failure(method, error, chat_id, times))

    def block(self, chat_id: Any) -> None:
        """Make every later send to ``chat_id`` fail with 403, as after the user blocked the bot
        or the group removed it."""
        self.blocked.add(chat_id)

    def set_member_status(self, chat_id: Any, user_id: int, status: str) -> None:
        """What getChatMember answers for a user: member, administrator, creator, left, kicked."""
        self.member_status[(chat_id, user_id)] = status

    async def post_to_webhook(self, update: JSONDict) -> int:
        """POST an update to the webhook URL set by setWebhook, with its secret; return the
        HTTP status the bot answered."""
        url = self.webhook["url"]
        if not url:
            raise RuntimeError("no webhook is set")
        self._remember_update(update)
        headers = {}
        if secret := self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers=headers) as response,
        ):
            return response.status

    # -- HTTP --------------------------------------------------------------------------------

    async def _serve_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        canonical, handler = self._methods.get(name.lower(), (name, None))
        call = ApiCall(method=canonical, params={}, files={}, at=self.clock())
        try:
            call.params, call.files = await _read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            self._inject_failure(call)
            result = handler(call)
            if inspect.isawaitable(result):
                result = await result
            call.result = copy.deepcopy(result)
            response = web.json_response({"ok": True, "result": result})
        except ApiError as error:
            call.status, call.description = error.status, error.description
            if error.status == 429:
                self.stats.rate_limited += 1
            response = web.json_response(error.body(), status=error.status)
        except Exception as error:  # a bug of the fake: recorded, then logged by aiohttp
            call.status, call.description = 500, repr(error)
            self._record(call)
            raise
        self._record(call)
        return response

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        self._call_recorded.set()

    async def _serve_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        if request.match_info["token"] == self.token:
            for stored in self._files.values():
                if stored.file_path == path:
                    return web.Response(body=stored.content)
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    def _inject_failure(self, call: ApiCall) -> None:
        for failure in self._failures:
            if failure.method == call.method and failure.chat_id in (None, call.chat_id):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                raise failure.error

    # -- methods -----------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[[ApiCall], Any]]:
        return {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendVoice": self._send_voice,
            "sendAudio": self._send_audio,
            "sendDocument": self._send_document,
            "sendPoll": self._send_poll,
            "stopPoll": self._stop_poll,
            "pinChatMessage": self._pin_chat_message,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
        }

    def _get_me(self, call: ApiCall) -> JSONDict:
        return {
            **bot_user(self.bot_id, self.bot_username),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, call: ApiCall) -> bool:
        url = call.params.get("url", "")
        if url and not re.match(r"https?://[^/\s]+", url):
            raise ApiError(400, "Bad Request: bad webhook: Failed to resolve host")
        secret = call.params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url}
        for key in ("secret_token", "allowed_updates", "max_connections"):
            if key in call.params:
                self.webhook[key] = call.params[key]
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, call: ApiCall) -> bool:
        self.webhook = {"url": ""}
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, call: ApiCall) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook["url"]:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            info["ip_address"] = "127.0.0.1"
            if "allowed_updates" in self.webhook:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _get_updates(self, call: ApiCall) -> list[JSONDict]:
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(call.params.get("offset", 0))
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        wait = min(float(call.params.get("timeout", 0)), self.long_poll_cap)
        if not self._updates and wait > 0:
            self._update_arrived.clear()
            try:
                async with asyncio.timeout(wait):
                    await self._update_arrived.wait()
            except TimeoutError:
                pass
        return self._updates[: int(call.params.get("limit", 100))]

    def _send_message(self, call: ApiCall) -> JSONDict:
        text = _message_text(call.params)
        content: JSONDict = {"text": text}
        if "entities" in call.params:
            content["entities"] = call.params["entities"]
        return self._post(call, content, dedupe_key=text)

    def _send_photo(self, call: ApiCall) -> JSONDict:
        stored = self._media(call, "photo")
        size = {"width": 1280, "height": 960, "file_size": len(stored.content)}
        return self._post_media(call, stored, {"photo": [{**_file_ref(stored), **size}]})

    def _send_voice(self, call: ApiCall) -> JSONDict:
        stored = self._media(call, "voice")
        voice = {
            **_file_ref(stored),
            "duration": int(call.params.get("duration", 1)),
            "mime_type": "audio/ogg",
            "file_size": len(stored.content),
        }
        return self._post_media(call, stored, {"voice": voice})

    def _send_audio(self, call: ApiCall) -> JSONDict:
        stored = self._media(call, "audio")
        audio = {
            **_file_ref(stored),
            "duration": int(call.params.get("duration", 1)),
            "mime_type": stored.mime_type or "audio/mpeg",
            "file_size": len(stored.content),
        }
        for key in ("title", "performer"):
            if key in call.params:
                audio[key] = call.params[key]
        if stored.filename:
            audio["file_name"] = stored.filename
        return self._post_media(call, stored, {"audio": audio})

    def _send_document(self, call: ApiCall) -> JSONDict:
        stored = self._media(call, "document")
        document = {**_file_ref(stored), "file_size": len(stored.content)}
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return self._post_media(call, stored, {"document": document})

    def _send_poll(self, call: ApiCall) -> JSONDict:
        question = str(call.params.get("question", ""))
        if not 1 <= len(question) <= 300:
            raise ApiError(400, "Bad Request: poll question length must be between 1 and 300")
        raw_options = call.params.get("options")
        if not isinstance(raw_options, list) or not 1 <= len(raw_options) <= 12:
            raise ApiError(400, "Bad Request: poll must have between 1 and 12 options")
        options = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in raw_options]
        if any(not 1 <= len(option) <= 100 for option in options):
            raise ApiError(400, "Bad Request: poll options length must be between 1 and 100")
        poll = {
            "id": str(next(self._ids)),
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": str(i)}
                for i, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": bool(call.params.get("is_anonymous", True)),
            "type": call.params.get("type", "regular"),
            "allows_multiple_answers": bool(call.params.get("allows_multiple_answers", False)),
            "allows_revoting": True,
            "members_only": False,
        }
        self._polls[poll["id"]] = poll
        return self._post(call, {"poll": poll}, dedupe_key=(question, *options))

    def _stop_poll(self, call: ApiCall) -> JSONDict:
        message = self._bot_message(call, "message with poll to stop not found")
        poll = message.get("poll")
        if poll is None:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        if poll["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        poll["is_closed"] = True
        return poll

    def _edit_message_text(self, call: ApiCall) -> JSONDict:
        message = self._bot_message(call, "message to edit not found")
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _message_text(call.params)
        markup = _inline_markup(call.params)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message["text"] = text
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return message

    def _edit_message_reply_markup(self, call: ApiCall) -> JSONDict:
        message = self._bot_message(call, "message to edit not found")
        markup = _inline_markup(call.params)
        if message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return message

    def _answer_callback_query(self, call: ApiCall) -> bool:
        query_id = call.params.get("callback_query_id")
        if not query_id:
            raise ApiError(400, "Bad Request: callback_query_id is empty")
        if query_id in self._answered_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._answered_queries.add(query_id)
        return True

    def _pin_chat_message(self, call: ApiCall) -> bool:
        chat = self._chat(self._chat_id(call))
        message_id = call.params.get("message_id")
        if message_id not in chat.messages:
            raise ApiError(400, "Bad Request: message to pin not found")
        chat.pinned = message_id
        return True

    def _delete_message(self, call: ApiCall) -> bool:
        chat = self._chat(self._chat_id(call))
        if chat.messages.pop(call.params.get("message_id"), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _get_chat(self, call: ApiCall) -> JSONDict:
        chat = self._chat(self._chat_id(call))
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        full: JSONDict = {
            **chat.info,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys((*gifts, "gifts_from_channels"), False),
        }
        if chat.pinned in chat.messages:
            full["pinned_message"] = chat.messages[chat.pinned]
        return full

    def _get_chat_member(self, call: ApiCall) -> JSONDict:
        chat_id = self._chat_id(call)
        user_id = int(call.params.get("user_id", 0))
        status = self.member_status.get((chat_id, user_id), "member")
        if user_id == self.bot_id:
            user = bot_user(self.bot_id, self.bot_username)
        else:
            user = {"id": user_id, "is_bot": False, "first_name": DEFAULT_FIRST_NAME}
        return chat_member(user, status)

    def _send_chat_action(self, call: ApiCall) -> bool:
        chat_id = self._chat_id(call)
        if call.params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._check_not_blocked(chat_id)
        return True

    def _get_file(self, call: ApiCall) -> JSONDict:
        stored = self._files.get(str(call.params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            **_file_ref(stored),
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _set_my_commands(self, call: ApiCall) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands is empty")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description is empty")
        self.commands[_commands_key(call.params)] = commands
        return True

    def _get_my_commands(self, call: ApiCall) -> list[JSONDict]:
        return self.commands.get(_commands_key(call.params), [])

    # -- chats, messages and files -------------------------------------------------------------

    def _chat_id(self, call: ApiCall) -> Any:
        chat_id = call.params.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _chat(self, chat_id: Any) -> _Chat:
        if chat_id not in self._chats:
            info: JSONDict = {"id": chat_id, "type": chat_type_of(chat_id)}
            if info["type"] == "private":
                info["first_name"] = DEFAULT_FIRST_NAME
            else:
                info["title"] = f"Nhóm {chat_id}"
            self._chats[chat_id] = _Chat(info)
        return self._chats[chat_id]

    def _check_not_blocked(self, chat_id: Any) -> None:
        if chat_id in self.blocked:
            if chat_type_of(chat_id) == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")

    def _bot_message(self, call: ApiCall, not_found: str) -> JSONDict:
        chat = self._chat(self._chat_id(call))
        message_id = call.params.get("message_id")
        if message_id not in chat.messages:
            raise ApiError(400, f"Bad Request: {not_found}")
        if message_id not in chat.bot_message_ids:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat.messages[message_id]

    def _post(self, call: ApiCall, content: JSONDict, dedupe_key: Any) -> JSONDict:
        """Validate, rate-limit and store a new bot message; return it as Telegram does."""
        chat_id = self._chat_id(call)
        self._check_not_blocked(chat_id)
        markup = _inline_markup(call.params)
        if self._flood is not None:
            self._flood.admit(chat_id)
        chat = self._chat(chat_id)
        message: JSONDict = {
            "message_id": chat.next_message_id,
            "from": bot_user(self.bot_id, self.bot_username),
            "chat": chat.info,
            "date": int(time.time()),
            **content,
        }
        _set_markup(message, markup)
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        chat.bot_message_ids.add(message["message_id"])
        self.stats.accepted[chat_id] += 1
        key = (call.method, chat_id, dedupe_key)
        if key in self._seen_content:
            self.stats.duplicates += 1
        self._seen_content.add(key)
        return message

    def _post_media(self, call: ApiCall, stored: StoredFile, content: JSONDict) -> JSONDict:
        if caption := _caption(call.params):
            content["caption"] = caption
        return self._post(call, content, dedupe_key=(stored.file_unique_id, content.get("caption")))

    def _media(self, call: ApiCall, kind: str) -> StoredFile:
        """The file a send call carries: a fresh upload, a known file_id, or a URL."""
        ref = call.params.get(kind)
        upload = call.files.get(kind)
        if isinstance(ref, str) and ref.startswith("attach://"):
            upload = call.files.get(ref.removeprefix("attach://"))
        if upload is not None:
            return self._store_upload(kind, upload.content, upload.filename, upload.content_type)
        if not isinstance(ref, str) or not ref:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if ref.startswith(("http://", "https://")):
            # Telegram would fetch the URL; the fake stores no content for it.
            name = ref.rsplit("/", 1)[-1] or None
            return self._store_upload(kind, b"", name, None, identity=ref.encode())
        stored = self._files.get(ref)
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if stored.kind not in (None, kind):
            raise ApiError(400, f"Bad Request: can't use file of type {stored.kind} as {kind}")
        call.reused[kind] = ref
        return stored

    def _store_upload(
        self,
        kind: str,
        content: bytes,
        filename: str | None,
        content_type: str | None,
        identity: bytes | None = None,
    ) -> StoredFile:
        n = next(self._ids)
        folder, extension = _FILE_DIRS[kind]
        if filename and not extension:
            extension = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
        mime_type = content_type or (mimetypes.guess_type(filename)[0] if filename else None)
        stored = StoredFile(
            file_id=f"fake_{kind}_{n}",
            file_unique_id=_unique_id(content if identity is None else identity),
            content=content,
            file_path=f"{folder}/file_{n}{extension}",
            kind=kind,
            filename=filename,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    def _remember_update(self, update: JSONDict) -> None:
        """Make the chats and messages of an incoming update known to the fake."""
        query = update.get("callback_query") or {}
        bot_message = query.get("message")
        user_message = update.get("message") or update.get("edited_message")
        member = update.get("my_chat_member")
        for message, from_bot in ((bot_message, True), (user_message, False)):
            if message:
                self._remember_message(message, from_bot)
        if member:
            self._chat(member["chat"]["id"]).info = member["chat"]

    def _remember_message(self, message: JSONDict, from_bot: bool) -> None:
        chat = self._chat(message["chat"]["id"])
        chat.info = message["chat"]
        message_id = message["message_id"]
        chat.messages.setdefault(message_id, message)
        if from_bot:
            chat.bot_message_ids.add(message_id)
        chat.next_message_id = max(chat.next_message_id, message_id + 1)


async def _read_params(request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """The call's parameters (query string, form, multipart or JSON body) and uploads."""
    params: JSONDict = {k: _decode(k, v) for k, v in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON") from None
        params.update(body)
        return params, files
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            content = value.file.read()
            files[name] = UploadedFile(name, value.filename, content, value.content_type)
        else:
            text = value if isinstance(value, str) else bytes(value).decode()
            params[name] = _decode(name, text)
    return params, files


def _decode(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _message_text(params: JSONDict) -> str:
    """The text of a message as Telegram shows it, checked for emptiness and size."""
    text = _rendered(params, "text")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _caption(params: JSONDict) -> str:
    """The caption of a media message as Telegram shows it, checked for size."""
    caption = _rendered(params, "caption")
    if len(caption) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    return caption


def _rendered(params: JSONDict, key: str) -> str:
    raw = params.get(key)
    text = "" if raw is None else str(raw)
    return strip_html(text) if params.get("parse_mode") == "HTML" else text


def strip_html(text: str) -> str:
    """The text of a Bot API HTML message; raise the 400 Telegram answers for bad markup."""
    plain: list[str] = []
    open_tags: list[str] = []
    position = 0
    while (start := text.find("<", position)) != -1:
        plain.append(text[position:start])
        offset = len(text[:start].encode())
        tag = _HTML_TAG.match(text, start)
        if tag is None or tag[2].lower() not in _HTML_TAGS:
            name = tag[2] if tag else text[start + 1 : start + 2]
            raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {offset}')
        closing, name = tag[1] == "/", tag[2].lower()
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags[-1] != name:
            raise _cant_parse(f'Unmatched end tag at byte offset {offset}, expected "</{name}>"')
        else:
            open_tags.pop()
        position = tag.end()
    if open_tags:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    plain.append(text[position:])
    return html.unescape("".join(plain))


def _cant_parse(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _inline_markup(params: JSONDict) -> JSONDict | None:
    """The inline keyboard of a call, checked as Telegram does, or None."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button")
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not button.get("text"):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: text is empty")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _set_markup(message: JSONDict, markup: JSONDict | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _file_ref(stored: StoredFile) -> JSONDict:
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}


def _unique_id(content: bytes) -> str:
    return "U" + hashlib.sha256(content).hexdigest()[:15]


def _commands_key(params: JSONDict) -> tuple[str, str]:
    scope = params.get("scope") or {}
    return scope.get("type", "default"), params.get("language_code", "")


# -- building incoming updates -------------------------------------------------------------------


def chat_type_of(chat_id: int) -> str:
    """The chat type an id implies: private (positive), supergroup (-100…) or group."""
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def bot_user(bot_id: int = DEFAULT_BOT_ID, username: str = DEFAULT_BOT_USERNAME) -> JSONDict:
    """The bot as a Telegram User."""
    return {"id": bot_id, "is_bot": True, "first_name": "Thôn Số", "username": username}


def chat_member(user: JSONDict, status: str) -> JSONDict:
    """A ChatMember of the given status with the fields PTB requires."""
    member: JSONDict = {"user": user, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
            "can_restrict_members", "can_change_info", "can_invite_users", "can_post_stories",
            "can_edit_stories", "can_delete_stories", "can_pin_messages",
        )  # fmt: skip
        member |= dict.fromkeys(rights, True)
        member |= {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False}
    return member


def _user(user_id: int, first_name: str, language_code: str | None) -> JSONDict:
    user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def _chat_dict(chat_id: int, chat_type: str | None, first_name: str, title: str) -> JSONDict:
    kind = chat_type or chat_type_of(chat_id)
    if kind == "private":
        return {"id": chat_id, "type": kind, "first_name": first_name}
    return {"id": chat_id, "type": kind, "title": title}


def _command_entities(text: str) -> list[JSONDict]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


def make_message_update(
    update_id: int,
    chat_id: int,
    user_id: int,
    text: str | None = None,
    *,
    first_name: str = DEFAULT_FIRST_NAME,
    language_code: str | None = "vi",
    chat_type: str | None = None,
    chat_title: str = "Thôn Đông",
    message_id: int | None = None,
    date: int | None = None,
    caption: str | None = None,
    photo: str | None = None,
    voice: str | None = None,
    voice_duration: int = 3,
    document: str | None = None,
    document_name: str = "giay_to.pdf",
    location: tuple[float, float] | None = None,
    reply_to_message_id: int | None = None,
) -> JSONDict:
    """A ``message`` update as Telegram sends it.

    ``chat_type`` defaults to what the chat id implies. A text starting with "/" gets its
    bot_command entity. ``photo``, ``voice`` and ``document`` are file_ids; ``location`` is
    (latitude, longitude). ``message_id`` defaults to ``update_id``.
    """
    message: JSONDict = {
        "message_id": update_id if message_id is None else message_id,
        "from": _user(user_id, first_name, language_code),
        "chat": _chat_dict(chat_id, chat_type, first_name, chat_title),
        "date": int(time.time()) if date is None else date,
    }
    if text is not None:
        message["text"] = text
        if entities := _command_entities(text):
            message["entities"] = entities
    if caption is not None:
        message["caption"] = caption
    if photo is not None:
        sizes = ((90, 68), (320, 240), (1280, 960))
        message["photo"] = [
            {
                "file_id": photo,
                "file_unique_id": _unique_id(photo.encode()),
                "width": w,
                "height": h,
            }
            for w, h in sizes
        ]
    if voice is not None:
        message["voice"] = {
            "file_id": voice,
            "file_unique_id": _unique_id(voice.encode()),
            "duration": voice_duration,
            "mime_type": "audio/ogg",
        }
    if document is not None:
        message["document"] = {
            "file_id": document,
            "file_unique_id": _unique_id(document.encode()),
            "file_name": document_name,
            "mime_type": mimetypes.guess_type(document_name)[0] or "application/octet-stream",
        }
    if location is not None:
        message["location"] = {"latitude": location[0], "longitude": location[1]}
    if reply_to_message_id is not None:
        message["reply_to_message"] = {
            "message_id": reply_to_message_id,
            "chat": message["chat"],
            "date": message["date"],
        }
    return {"update_id": update_id, "message": message}


def make_callback_update(
    update_id: int,
    chat_id: int,
    user_id: int,
    data: str,
    message_id: int,
    *,
    first_name: str = DEFAULT_FIRST_NAME,
    language_code: str | None = "vi",
    chat_type: str | None = None,
    chat_title: str = "Thôn Đông",
    message_text: str = "…",
    query_id: str | None = None,
    bot_id: int = DEFAULT_BOT_ID,
    bot_username: str = DEFAULT_BOT_USERNAME,
) -> JSONDict:
    """A ``callback_query`` update: the user pressed a button carrying ``data`` under the bot's
    message ``message_id``."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id or f"cq{update_id}",
            "from": _user(user_id, first_name, language_code),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "from": bot_user(bot_id, bot_username),
                "chat": _chat_dict(chat_id, chat_type, first_name, chat_title),
                "date": int(time.time()),
                "text": message_text,
            },
        },
    }


def make_my_chat_member_update(
    update_id: int,
    chat_id: int,
    user_id: int,
    *,
    added: bool = True,
    new_status: str | None = None,
    first_name: str = DEFAULT_FIRST_NAME,
    chat_type: str | None = None,
    chat_title: str = "Thôn Đông",
    bot_id: int = DEFAULT_BOT_ID,
    bot_username: str = DEFAULT_BOT_USERNAME,
) -> JSONDict:
    """A ``my_chat_member`` update: user ``user_id`` added the bot to a chat or removed it.

    In a private chat, removal means the user blocked the bot ("kicked"). ``new_status``
    overrides the bot's new status (for example "administrator").
    """
    chat = _chat_dict(chat_id, chat_type, first_name, chat_title)
    removed_status = "kicked" if chat["type"] == "private" else "left"
    old, new = ("left", "member") if added else ("member", removed_status)
    bot = bot_user(bot_id, bot_username)
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat,
            "from": _user(user_id, first_name, "vi"),
            "date": int(time.time()),
            "old_chat_member": chat_member(bot, old),
            "new_chat_member": chat_member(bot, new_status or new),
        },
    }


def make_poll_answer_update(
    update_id: int,
    poll_id: str,
    user_id: int,
    option_ids: list[int],
    *,
    first_name: str = DEFAULT_FIRST_NAME,
) -> JSONDict:
    """A ``poll_answer`` update: a user voted in a non-anonymous poll (empty ids: retracted)."""
    return {
        "update_id": update_id,
        "poll_answer": {
            "poll_id": poll_id,
            "user": _user(user_id, first_name, "vi"),
            "option_ids": option_ids,
            "option_persistent_ids": [str(option) for option in option_ids],
        },
    }
