"""The channel-agnostic message shapes: what comes in (`Incoming`) and what goes out (`Reply`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from services.callbacks import Button

ChatType = Literal["private", "group"]


@dataclass(frozen=True)
class IncomingFile:
    """A file the user sent: a channel file id, or a URL where the channel gives one."""

    file_id: str | None = None
    url: str | None = None
    size: int | None = None
    mime: str | None = None
    duration: int | None = None
    name: str | None = None
    """A document's file name, where the channel gives one."""


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Incoming:
    """One update from a channel, normalised (text in NFC, command split off)."""

    channel: str
    update_key: str
    chat_id: str
    user_id: str
    chat_type: ChatType = "private"
    user_name: str | None = None
    chat_title: str | None = None
    language_code: str | None = None
    text: str | None = None
    command: str | None = None
    args: str = ""
    callback: str | None = None
    message_id: str | None = None
    photos: tuple[IncomingFile, ...] = ()
    voice: IncomingFile | None = None
    document: IncomingFile | None = None
    location: Location | None = None
    event: str | None = None
    """A non-message event: `member_added`, `member_removed`, `unsupported`, `sticker`."""
    poll_id: str | None = None
    """The platform's poll id of a `poll_answer` or `poll_state` event."""
    poll_option_ids: tuple[int, ...] = ()
    """`poll_answer`: the options chosen (none: the vote was retracted)."""
    poll_counts: tuple[int, ...] = ()
    """`poll_state`: the votes per option, as the platform counts them."""




@dataclass(frozen=True)
class Attachment:
    """Bytes to upload (`data`) or something the channel already has (`file_id`, `url`)."""

    data: bytes | None = None
    file_id: str | None = None
    url: str | None = None
    filename: str = "file"
    mime: str | None = None
    duration: int | None = None


@dataclass(frozen=True)
class Target:
    """A chat other than the one being answered."""

    channel: str
    chat_id: str


@dataclass
class Reply:
    """One outgoing message. Exactly one of text-only, photo, voice or document is meant."""

    text: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    photo: Attachment | None = None
    voice: Attachment | None = None
    document: Attachment | None = None
    edit: bool = False
    """Replace the message whose button was pressed, where the channel can."""
    target: Target | None = None
    pin: bool = False
    silent: bool = False
    priority: int = 0

    @property
    def kind(self) -> str:
        if self.photo:
            return "photo"
        if self.voice:
            return "voice"
        if self.document:
            return "document"
        return "text"
