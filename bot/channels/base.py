"""What the sender hands a channel, what a channel answers, and how sends fail."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)


MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""The largest file a channel hands the bot (a Telegram bot's own limit): a document read for
the radio, a report's photo or voice. A channel refuses a bigger one with `FileTooBig`."""


class FileTooBig(Exception):
    """A file a person sent is bigger than `MAX_DOWNLOAD_BYTES`: not downloaded."""


class SendError(Exception):
    """A message could not be sent."""


class RetryLater(SendError):
    def __init__(self, seconds: float, reason: str, *, too_many: bool = False) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.too_many = too_many
        """The platform's flood control (429), not a network or server fault."""


class ChatGone(SendError):
    """The bot was blocked or removed: the chat is inactive from now on."""


class Rejected(SendError):
    """The platform refused this message for good (it will not be retried)."""


@dataclass
class Outgoing:
    """One outbox row, ready for a channel: files resolved to bytes or a known file id."""

    id: int
    chat_id: str
    kind: str
    text: str | None = None
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    data: bytes | None = None
    file_id: str | None = None
    url: str | None = None
    filename: str = "file"
    mime: str | None = None
    duration: int | None = None
    edit_message_id: str | None = None
    pin: bool = False
    silent: bool = False
    options: list[str] = field(default_factory=list)
    """A poll's options (kind `poll`; `text` is its question)."""
    anonymous: bool = False


@dataclass(frozen=True)
class Sent:
    message_id: str | None = None
    file_id: str | None = None
    """The platform's id for an uploaded file, to reuse it instead of uploading again."""
    poll_id: str | None = None
    """The platform's id for a posted poll (its votes and totals come by this id)."""


@dataclass(frozen=True)
class Limits:
    """Sending rates a platform tolerates: messages a second for the whole bot (a sliding
    second), a second per private chat after a burst, a minute per group (a sliding minute)."""

    overall_per_s: float = 30.0
    private_per_s: float = 1.0
    private_burst: int = 3
    group_per_min: float = 20.0


class Channel(Protocol):
    name: str
    limits: Limits

    async def send(self, message: Outgoing) -> Sent: ...

    def is_group(self, chat_id: str) -> bool: ...


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then sentence, then word boundaries."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". "))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut + 1].rstrip())
        rest = rest[cut + 1:].lstrip()
    if rest:
        parts.append(rest)
    return parts


ChoicesShown = Callable[[str, list[list[str]], int], Awaitable[None]]
"""Told (chat id, [label, data] pairs, outbox row id) when numbered choices reached a private
chat of a channel without buttons (Zalo, the console).

Messages that services write for another chat or from a background job (a rating prompt after
an official's reply, a survey's first question, a notice preview made once its audio is ready)
carry buttons the processor never saw; remembering what was shown last when it is sent lets
the number the citizen types press a button of the message they see. The row id tells how old
the message is, so that a note landing late does not replace newer choices."""


async def note_choices(on_choices: ChoicesShown | None, message: Outgoing) -> None:
    """Tell `on_choices` the choices of a message just sent to a private chat."""
    choices = [[b["text"], b["data"]] for row in message.buttons for b in row if b.get("data")]
    if not choices or on_choices is None:
        return
    try:
        await on_choices(message.chat_id, choices, message.id)
    except Exception:  # the message is out: never send it again for this
        log.exception("could not remember the choices shown in a private chat")
