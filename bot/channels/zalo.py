"""Zalo through the Zalo Bot API: a thin async client, updates in, outbox rows out.

The Bot API is Telegram-like (`POST {base}/bot<TOKEN>/<method>`, JSON body, an envelope
`{ok, result, error_code?, description?}`) but has no inline keyboards and no editing, and
sends photos by URL only. So choices are rendered as a numbered list (the processor maps a
typed number back to the button), URL buttons as "label: url" lines, edits as new messages,
and files as signed, expiring links to the bot's own `/media/<sha>` route.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.channels.base import (
    MAX_DOWNLOAD_BYTES,
    ChatGone,
    ChoicesShown,
    FileTooBig,
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    Sent,
    note_choices,
    split_text,
)
from bot.polling import poll_updates
from handlers.types import Incoming, IncomingFile
from services.redaction import redact

log = logging.getLogger(__name__)

NAME = "zalo"
DEFAULT_API_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2000
MAX_CAPTION = 1000
MAX_MESSAGE_ID = 96
POLL_TIMEOUT_S = 30
MEDIA_TTL_S = 24 * 3600
FETCH_TIMEOUT_S = 30.0
"""How long fetching a file a person sent (a photo, a voice note at Zalo's URL) may take."""
BLOB_PREFIX = "blob:"
"""A blob's 'file id' on Zalo: the bot serves the blob itself, so the id is its hash. A file
a citizen sent has its URL as file id (Zalo gives no other), so flows that keep file ids can
show it again."""

TEXT, IMAGE, STICKER, VOICE, UNSUPPORTED = (
    "message.text.received", "message.image.received", "message.sticker.received",
    "message.voice.received", "message.unsupported.received",
)
GONE_HINTS = ("blocked", "chat not found", "user not found", "chat does not exist",
              "user does not exist", "unknown chat")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)
_SHA = re.compile(r"^[0-9a-f]{64}$")


# --- the client ------------------------------------------------------------------------------


class ZaloApiError(Exception):
    """The Bot API refused a call: `code` is the envelope's error_code (or the HTTP status)."""

    def __init__(self, method: str, code: int, description: str,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{method}: {code} {description}")
        self.method = method
        self.code = code
        self.description = description
        self.retry_after = retry_after


class ZaloClient:
    """The Zalo Bot API methods the bot uses; every answer's `ok` is checked."""

    def __init__(self, token: str, base_url: str = DEFAULT_API_BASE_URL, *,
                 timeout: float = 30.0) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, params: dict[str, Any] | None = None, *,
                   timeout: float | None = None) -> Any:
        """The `result` of a call; raises ZaloApiError on a refusal (HTTP error or `ok:
        false`), aiohttp.ClientError or TimeoutError on network trouble."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        url = f"{self.base_url}/bot{self.token}/{method}"
        wait = aiohttp.ClientTimeout(total=timeout or self.timeout)
        async with self._session.post(url, json=params or {}, timeout=wait) as response:
            status = response.status
            body = await response.read()
            header_retry = response.headers.get("Retry-After")
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if status == 200 and data.get("ok") is True:
            return data.get("result")
        error_code = data.get("error_code")
        code = error_code if isinstance(error_code, int) else status
        if code == 200:
            code = 500  # HTTP 200 without ok: an answer we cannot trust
        description = str(data.get("description") or data.get("message")
                          or body[:200].decode(errors="replace") or "no description")
        raise ZaloApiError(method, code, description, _retry_after(data, header_retry))

    async def fetch(self, url: str, *, limit: int = MAX_DOWNLOAD_BYTES,
                    timeout: float = FETCH_TIMEOUT_S) -> bytes:
        """The bytes at a URL Zalo gave (a photo or voice note a person sent), read through
        the client's session within `timeout` seconds; FileTooBig past `limit` bytes (told by
        Content-Length, or counted while reading), aiohttp.ClientResponseError on an HTTP
        error."""
        if not url.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        wait = aiohttp.ClientTimeout(total=timeout)
        async with self._session.get(url, timeout=wait) as response:
            response.raise_for_status()
            if (response.content_length or 0) > limit:
                raise FileTooBig(f"{response.content_length} bytes")
            data = bytearray()
            # Chunk by chunk: `content.read(n)` returns what has arrived, not n bytes.
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > limit:
                    raise FileTooBig(f"over {limit} bytes")
        return bytes(data)

    async def get_me(self) -> dict[str, Any]:
        return _object(await self.call("getMe"))

    async def get_updates(self, timeout: int = POLL_TIMEOUT_S) -> list[dict[str, Any]]:
        """The next update(s); [] when there is none (HTTP 408)."""
        try:
            result = await self.call("getUpdates", {"timeout": timeout}, timeout=timeout + 15)
        except ZaloApiError as error:
            if error.code == 408:
                return []
            raise
        if isinstance(result, list):
            return [item for item in result if isinstance(item, dict)]
        return [result] if isinstance(result, dict) else []

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        return _object(await self.call("getWebhookInfo"))

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        return _object(await self.call("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(self, chat_id: str, photo: str,
                         caption: str | None = None) -> dict[str, Any]:
        params = {"chat_id": chat_id, "photo": photo}
        if caption:
            params["caption"] = caption
        return _object(await self.call("sendPhoto", params))

    async def send_sticker(self, chat_id: str, sticker: str) -> dict[str, Any]:
        return _object(await self.call("sendSticker", {"chat_id": chat_id, "sticker": sticker}))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _retry_after(data: dict[str, Any], header: str | None) -> float | None:
    """Seconds to wait, from the envelope's `parameters.retry_after` or the Retry-After
    header."""
    parameters = _object(data.get("parameters"))
    for value in (parameters.get("retry_after"), data.get("retry_after"), header):
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None


# --- signed media links ----------------------------------------------------------------------


class MediaLinks:
    """Signed, expiring links to blobs the bot serves itself (`/media/<sha>?exp=…&sig=…`):
    HMAC-SHA256 over the blob's hash and the expiry, with a key derived from a secret."""

    def __init__(self, secret: str, base_url: str | None, ttl: float = MEDIA_TTL_S) -> None:
        self._key = hmac.new(secret.encode(), b"thonso/zalo-media-links", "sha256").digest()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.ttl = ttl

    def signature(self, sha: str, expires: int) -> str:
        return hmac.new(self._key, f"{sha}.{expires}".encode(), "sha256").hexdigest()

    def link(self, sha: str, *, now: float | None = None) -> str | None:
        """A public URL for the blob, or None when the bot has no public address."""
        if self.base_url is None:
            return None
        expires = int((now if now is not None else time.time()) + self.ttl)
        return f"{self.base_url}/media/{sha}?exp={expires}&sig={self.signature(sha, expires)}"

    def valid(self, sha: str, exp: str | None, sig: str | None, *,
              now: float | None = None) -> bool:
        if not _SHA.match(sha) or not exp or not exp.isdigit() or not sig:
            return False
        if int(exp) < (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(self.signature(sha, int(exp)).encode(), sig.encode())


# --- the adapter -----------------------------------------------------------------------------


class BadUpdate(ValueError):
    """A body that is not a Zalo update (answered 400 by the webhook)."""


class ZaloChannel:
    name = NAME
    limits = Limits(overall_per_s=20.0)

    def __init__(self, client: ZaloClient, media: MediaLinks,
                 on_choices: ChoicesShown | None = None) -> None:
        self.client = client
        self.media = media
        self.on_choices = on_choices
        self._groups: set[str] = set()

    def is_group(self, chat_id: str) -> bool:
        return chat_id in self._groups

    # --- incoming -------------------------------------------------------------------------

    def parse(self, data: object) -> Incoming | None:
        """A webhook body or getUpdates result as `Incoming`; None for a non-message event
        the bot ignores. Raises BadUpdate for a body that is not a Zalo update."""
        update = _unwrap(data)
        event = update.get("event_name")
        message = update.get("message")
        if event is not None and not isinstance(event, str):
            raise BadUpdate("event_name is not a string")
        if not isinstance(message, dict):
            if event:
                log.info("Zalo event %r without a message ignored", event)
                return None
            raise BadUpdate("no message")
        chat = message.get("chat")
        if not isinstance(chat, dict) or not _id(chat.get("id")):
            raise BadUpdate("message without chat id")
        message_id = _id(message.get("message_id"))
        if not message_id or len(message_id) > MAX_MESSAGE_ID:
            raise BadUpdate("message without a usable message_id")
        sender = _object(message.get("from"))
        chat_id = _id(chat.get("id"))
        group = str(chat.get("chat_type") or "PRIVATE").upper() == "GROUP"
        if group:
            self._groups.add(chat_id)
        event = event or _infer_event(message)
        fields = _content(event, message)
        return Incoming(
            channel=NAME, update_key=f"{event}:{message_id}", chat_id=chat_id,
            chat_type="group" if group else "private",
            user_id=_id(sender.get("id")) or chat_id,
            user_name=_name(sender), message_id=message_id, **fields,
        )

    async def download(self, file_id: str) -> bytes:
        """A file a person sent: Zalo gives a URL, kept as its file id (see `BLOB_PREFIX`)."""
        return await self.client.fetch(file_id)

    # --- outgoing -------------------------------------------------------------------------

    async def send(self, message: Outgoing) -> Sent:
        try:
            sent = await self._send(message)
        except ZaloApiError as error:
            raise _classify(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RetryLater(5.0, redact(f"network: {error!r}")) from error
        if not self.is_group(message.chat_id):
            await note_choices(self.on_choices, message)
        return sent

    async def _send(self, message: Outgoing) -> Sent:
        if message.kind == "poll":
            raise Rejected("Zalo has no native polls")
        text = render(message.text, message.buttons)
        if message.kind == "text":
            return Sent(await self._send_text(message.chat_id, text))
        sha, link = self._link(message)
        file_id = BLOB_PREFIX + sha if sha and link else None
        if message.kind == "photo" and link:
            caption = text if len(text) <= MAX_CAPTION else None
            sent = await self.client.send_photo(message.chat_id, link, caption)
            message_id = _message_id(sent)
            if text and caption is None:
                message_id = await self._send_text(message.chat_id, text)
            return Sent(message_id, file_id)
        if link:
            text = "\n\n".join(part for part in (text, f"📎 {message.filename}: {link}") if part)
        else:
            log.warning("outbox %s: a %s for Zalo without a public link (WEBHOOK_BASE_URL "
                        "unset?); sending its text only", message.id, message.kind)
        if not text:
            raise Rejected(f"{message.kind} without a link Zalo can fetch")
        return Sent(await self._send_text(message.chat_id, text), file_id)

    async def _send_text(self, chat_id: str, text: str) -> str | None:
        if not text:
            raise Rejected("empty message")
        message_id = None
        for part in split_text(text, MAX_TEXT):
            message_id = _message_id(await self.client.send_message(chat_id, part))
        return message_id

    def _link(self, message: Outgoing) -> tuple[str | None, str | None]:
        """The blob's hash (if the bot serves it) and the URL Zalo fetches it from."""
        if message.url:
            return None, message.url
        if message.file_id and message.file_id.startswith(("http://", "https://")):
            return None, message.file_id
        if message.data is not None:
            sha = hashlib.sha256(message.data).hexdigest()
        elif message.file_id and message.file_id.startswith(BLOB_PREFIX):
            sha = message.file_id[len(BLOB_PREFIX):]
        else:
            return None, None
        return sha, self.media.link(sha)

    async def poll(self, handle: Callable[[dict[str, Any]], Awaitable[None]], *,
                   timeout: int = POLL_TIMEOUT_S) -> None:
        """Fetch updates with getUpdates until cancelled (`bot.polling`)."""
        await poll_updates(
            "Zalo", lambda: self.client.get_updates(timeout), handle,
            retry=(ZaloApiError, aiohttp.ClientError, TimeoutError),
            asked_wait=lambda error: getattr(error, "retry_after", None), skip=(BadUpdate,))


def render(text: str | None, buttons: list[list[dict[str, Any]]]) -> str:
    """The text with choices as a numbered list (numbers count only buttons with data, as the
    processor does) and URL buttons as "label: url" lines."""
    lines = [text] if text else []
    choices = [b for row in buttons for b in row if b.get("data")]
    links = [b for row in buttons for b in row if b.get("url")]
    if choices:
        lines.append("\n".join(f"{i}. {b['text']}" for i, b in enumerate(choices, start=1)))
    if links:
        lines.append("\n".join(f"{b['text']}: {b['url']}" for b in links))
    return "\n\n".join(lines)


def _unwrap(data: object) -> dict[str, Any]:
    """The update in either body shape: wrapped `{ok, result: {…}}` or flat `{event_name,
    message}`."""
    if not isinstance(data, dict):
        raise BadUpdate("body is not a JSON object")
    if "result" in data:
        if data.get("ok") is False or not isinstance(data["result"], dict):
            raise BadUpdate("wrapped body without a result object")
        data = data["result"]
    if "event_name" not in data and "message" not in data:
        raise BadUpdate("neither a wrapped nor a flat update")
    return data


def _infer_event(message: dict[str, Any]) -> str:
    """getUpdates may omit event_name: tell the kind from the message."""
    if _photo_url(message):
        return IMAGE
    if message.get("sticker"):
        return STICKER
    if _voice_url(message):
        return VOICE
    if isinstance(message.get("text"), str):
        return TEXT
    return UNSUPPORTED


def _content(event: str, message: dict[str, Any]) -> dict[str, Any]:
    if event == TEXT and isinstance(message.get("text"), str):
        text = message["text"]
        match = _COMMAND.match(text.strip())
        if match:
            return {"command": match.group(1).lower(), "args": (match.group(2) or "").strip()}
        return {"text": text}
    if event == IMAGE and (url := _photo_url(message)):
        caption = _str(message.get("caption")) or ""
        return {"text": caption.strip() or None,
                "photos": (IncomingFile(file_id=url, url=url, mime="image/jpeg"),)}
    if event == VOICE and (url := _voice_url(message)):
        duration = message.get("duration")
        return {"voice": IncomingFile(file_id=url, url=url,
                                      mime=_str(message.get("mime_type")),
                                      duration=duration if isinstance(duration, int) else None)}
    return {"event": "unsupported"}


def _photo_url(message: dict[str, Any]) -> str | None:
    for key in ("photo_url", "photo"):
        value = message.get(key)
        if isinstance(value, list) and value:
            value = value[-1]
        if isinstance(value, dict):
            value = value.get("url")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


def _voice_url(message: dict[str, Any]) -> str | None:
    for key in ("voice_url", "voice", "url"):
        value = message.get(key)
        if isinstance(value, dict):
            value = value.get("url")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


def _id(value: object) -> str:
    return str(value).strip() if isinstance(value, str | int) and str(value).strip() else ""


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _name(sender: dict[str, Any]) -> str | None:
    for key in ("display_name", "first_name", "name"):
        value = _str(sender.get(key))
        if value and value.strip():
            return value.strip()
    return None


def _object(value: object) -> dict[str, Any]:
    """A JSON object from the API, or {} for anything else in its place."""
    return value if isinstance(value, dict) else {}


def _message_id(result: object) -> str | None:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return None


def _classify(error: ZaloApiError) -> Exception:
    """429 → RetryLater; a blocked or unknown chat → ChatGone; a bad token or a server error
    → RetryLater (operators fix those); any other refusal → Rejected."""
    description = error.description.lower()
    if error.code == 429:
        return RetryLater(error.retry_after or 5.0, f"429 {error.description}", too_many=True)
    if error.code == 403 or any(hint in description for hint in GONE_HINTS):
        return ChatGone(f"{error.code} {error.description}")
    if error.code in (401, 408) or error.code >= 500:
        return RetryLater(error.retry_after or 30.0, f"{error.code} {error.description}")
    return Rejected(f"{error.code} {error.description}")
