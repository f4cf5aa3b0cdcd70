"""The console channel: the same flows in a terminal, buttons shown as numbered choices.

`ConsoleSession` is its core (also used by the tests): it turns typed lines into `Incoming`,
runs them through the processor and returns what the bot answered, rendered as text. A file
given by its path (`/file PATH` in the terminal) comes in as a chat app's photo or document.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.channels.base import (
    MAX_DOWNLOAD_BYTES,
    ChoicesShown,
    Limits,
    Outgoing,
    Sent,
    note_choices,
)
from bot.sender import Sender
from handlers.runtime import Processor
from handlers.types import ChatType, Incoming, IncomingFile, Location
from locales import Translator

NAME = "console"
PHOTO_TYPES = ("image/jpeg", "image/png")
"""Files given by path that come in as a photo (as a chat app sends a picture)."""


@dataclass(frozen=True)
class Shown:
    """A message as the console shows it."""

    chat_id: str
    text: str
    choices: tuple[str, ...]
    kind: str = "text"
    data: bytes | None = None
    filename: str | None = None
    links: tuple[str, ...] = ()
    """Buttons that open an address ("label: url"): printed, not numbered, since a typed
    number presses only a button that answers (as on Zalo)."""

    def render(self) -> str:
        lines = [self.text] if self.text else []
        if self.kind not in ("text", "poll"):  # a poll's options are its choices
            lines.append(f"[{self.kind}: {self.filename or 'file'}]")
        lines += [f"  {i}. {label}" for i, label in enumerate(self.choices, start=1)]
        lines += [f"  {link}" for link in self.links]
        return "\n".join(lines)


class ConsoleChannel:
    name = NAME
    limits = Limits(overall_per_s=10_000, private_per_s=10_000, private_burst=10_000,
                    group_per_min=600_000)

    def __init__(self, on_choices: ChoicesShown | None = None) -> None:
        self.shown: list[Shown] = []
        self.on_choices = on_choices
        self._ids = itertools.count(1)
        self._received: dict[str, bytes] = {}

    def receive(self, data: bytes) -> str:
        """Keep a file a person gave by path, for as long as the console runs; its file id."""
        file_id = "console-in-" + hashlib.sha256(data).hexdigest()
        self._received[file_id] = data
        return file_id

    async def download(self, file_id: str) -> bytes:
        """A file a person gave (`receive`), as the other channels download theirs."""
        try:
            return self._received[file_id]
        except KeyError:
            raise LookupError(f"no console file {file_id!r}") from None

    @staticmethod
    def is_group(chat_id: str) -> bool:
        return chat_id.startswith("group")

    async def send(self, message: Outgoing) -> Sent:
        buttons = [b for row in message.buttons for b in row]
        choices = tuple(message.options) or tuple(b["text"] for b in buttons if not b.get("url"))
        links = tuple(f"{b['text']}: {b['url']}" for b in buttons if b.get("url"))
        self.shown.append(Shown(message.chat_id, message.text or "", choices, message.kind,
                                message.data, message.filename, links))
        if not self.is_group(message.chat_id):
            await note_choices(self.on_choices, message)
        return Sent(str(next(self._ids)), f"console-file-{message.id}" if message.data else None)


class ConsoleSession:
    """One person talking to the bot in the console (or in a test)."""

    def __init__(self, processor: Processor, sender: Sender, channel: ConsoleChannel,
                 user_id: str = "citizen", name: str = "Người dùng thử",
                 chat_id: str | None = None, chat_type: ChatType = "private",
                 chat_title: str | None = None) -> None:
        self.processor = processor
        self.sender = sender
        self.channel = channel
        self.user_id = user_id
        self.name = name
        self.chat_id = chat_id or f"chat-{user_id}"
        self.chat_type: ChatType = chat_type
        self.chat_title = chat_title
        self._updates = itertools.count(1)
        self._prefix = f"{user_id}-{id(self):x}"

    def _incoming(self, **fields: Any) -> Incoming:
        return Incoming(channel=NAME, update_key=f"{self._prefix}-{next(self._updates)}",
                        chat_id=self.chat_id, user_id=self.user_id, user_name=self.name,
                        chat_type=self.chat_type, chat_title=self.chat_title, **fields)

    async def say(self, text: str) -> list[Shown]:
        """Type a line: a /command, a number for a choice, or free text."""
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return await self.send(self._incoming(command=command.lower(), args=args.strip()))
        return await self.send(self._incoming(text=text))

    async def press(self, data: str) -> list[Shown]:
        return await self.send(self._incoming(callback=data))

    async def send_photo(self, caption: str = "", file_id: str = "photo") -> list[Shown]:
        return await self.send(self._incoming(text=caption or None,
                                              photos=(IncomingFile(file_id=file_id),)))

    async def send_file(self, path: str) -> list[Shown]:
        """Give a file by its path: an image comes in as a photo, an audio file as a voice
        message, anything else as a document, as Telegram's adapter has them. Raises
        FileRefused (nothing is sent) for a path that is not a readable file of at most
        MAX_DOWNLOAD_BYTES."""
        name, data = read_given_file(path)
        mime = mimetypes.guess_type(name)[0]
        file = IncomingFile(file_id=self.channel.receive(data), size=len(data), mime=mime,
                            name=name)
        if mime in PHOTO_TYPES:
            return await self.send(self._incoming(photos=(file,)))
        if mime is not None and mime.startswith("audio/"):
            return await self.send(self._incoming(voice=file))
        return await self.send(self._incoming(document=file))

    async def added_to_group(self) -> list[Shown]:
        """The bot is added to this chat (a group), as Telegram reports it."""
        return await self.send(self._incoming(event="member_added"))

    async def send_location(self, latitude: float, longitude: float) -> list[Shown]:
        return await self.send(self._incoming(location=Location(latitude, longitude)))

    async def send(self, incoming: Incoming) -> list[Shown]:
        before = len(self.channel.shown)
        await self.processor.process(incoming)
        await self.sender.drain((NAME,))
        return self.channel.shown[before:]


class FileRefused(Exception):
    """A path given to `/file` that is no file to send: `key` names the answer."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def read_given_file(typed: str) -> tuple[str, bytes]:
    """The name and bytes of the file at a typed path (quotes a terminal adds when a file is
    dropped on it removed, `~` expanded), or FileRefused saying why not."""
    raw = typed.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    if not raw:
        raise FileRefused("officials.console.file_usage")
    path = Path(raw).expanduser()
    shown = str(path)
    limit = MAX_DOWNLOAD_BYTES // 2**20
    try:
        if path.is_dir():
            raise FileRefused("officials.console.file_is_folder", path=shown)
        if not path.exists():
            raise FileRefused("officials.console.file_missing", path=shown)
        if not path.is_file():  # a device or a pipe: nothing to read to its end
            raise FileRefused("officials.console.file_unreadable", path=shown)
        if path.stat().st_size > MAX_DOWNLOAD_BYTES:
            raise FileRefused("officials.console.file_too_big", path=shown, megabytes=limit)
        with path.open("rb") as file:
            data = file.read(MAX_DOWNLOAD_BYTES + 1)
    except OSError:
        raise FileRefused("officials.console.file_unreadable", path=shown) from None
    if len(data) > MAX_DOWNLOAD_BYTES:  # grew since
        raise FileRefused("officials.console.file_too_big", path=shown, megabytes=limit)
    return path.name, data


def repair(raw: bytes) -> str:
    """A typed or pasted line as text: a multi-byte character cut by the paste (or by the
    terminal's buffer) is dropped, not a traceback."""
    return raw.decode("utf-8", errors="ignore").rstrip("\r\n")


class ConsoleTerminal:
    """The console in a terminal: several people (`/as NAME` switches), each message printed
    once, whoever it is for, and each file the bot sends saved to a folder."""

    def __init__(self, processor: Processor, sender: Sender, channel: ConsoleChannel,
                 files: Path, write: Callable[[str], None], t: Translator,
                 user_id: str = "citizen") -> None:
        self.processor, self.sender, self.channel = processor, sender, channel
        self.files, self.write, self.t = files, write, t
        self.sessions: dict[str, ConsoleSession] = {}
        self.current = self.person(user_id)
        self._printed = len(channel.shown)
        self._saved = itertools.count(1)
        self._lock = asyncio.Lock()

    def person(self, user_id: str) -> ConsoleSession:
        if user_id not in self.sessions:
            # The person's private chat, as services address it (`user.external_id`): what a
            # background job sends them (a document's preview, a survey question) lands in the
            # chat they type in, and a typed number answers it.
            self.sessions[user_id] = ConsoleSession(self.processor, self.sender, self.channel,
                                                    user_id=user_id, name=user_id,
                                                    chat_id=user_id)
        return self.sessions[user_id]

    async def line(self, raw: bytes) -> None:
        text = repair(raw).strip()
        command, _, rest = text.partition(" ")
        if command.lower() == "/as":
            self.switch(rest.strip())
        elif command.lower() in ("/group", "/nhom"):
            await self.enter_group(rest.strip())
        elif command.lower() == "/file":
            await self.give_file(rest)
        elif text:
            async with self._lock:
                await self.current.say(text)
                self._print_new()
                if command.lower() == "/help":
                    self.write(self.t("officials.console.help"))

    async def give_file(self, path: str) -> None:
        """`/file PATH`: the file as the person's photo or document, or one line saying why
        it cannot be sent."""
        async with self._lock:
            try:
                await self.current.send_file(path)
            except FileRefused as refused:
                self.write(self.t(refused.key, **refused.params))
                return
            self._print_new()

    async def enter_group(self, name: str) -> None:
        """`/group NAME`: the current person now types in the village group NAME (the bot is
        added to it the first time, as on Telegram, so `/link` can attach it to a village);
        `/group` alone: back to their private chat."""
        person = self.current.user_id
        if not name:
            self.current = self.person(person)
            self.write(self.t("officials.console.now_private"))
            return
        if not name.replace("-", "").replace("_", "").isalnum():
            self.write(self.t("officials.console.group_usage"))
            return
        key = f"{person}@group-{name}"
        new = key not in self.sessions
        if new:
            self.sessions[key] = ConsoleSession(
                self.processor, self.sender, self.channel, user_id=person, name=person,
                chat_id=f"group-{name}", chat_type="group", chat_title=name)
        self.current = self.sessions[key]
        self.write(self.t("officials.console.now_in_group", group=name))
        if new:
            async with self._lock:
                await self.current.added_to_group()
                self._print_new()

    def switch(self, name: str) -> None:
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            self.write(self.t("officials.console.as_usage"))
            return
        self.current = self.person(name)
        self.write(self.t("officials.console.now_as", name=name))

    async def tick(self) -> None:
        """Send and print what background work queued (the scheduler's notices and votes)."""
        async with self._lock:
            await self.sender.drain((NAME,))
            self._print_new()

    def _print_new(self) -> None:
        new = self.channel.shown[self._printed:]
        self._printed = len(self.channel.shown)
        for message in new:
            text = message.render()
            if message.data is not None:
                text += "\n" + self.t("officials.console.saved", path=str(self._save(message)))
            if message.chat_id != self.current.chat_id:
                text = self._elsewhere(message.chat_id) + "\n" + text
            self.write(text + "\n")

    def _elsewhere(self, chat_id: str) -> str:
        if self.channel.is_group(chat_id):
            return self.t("officials.console.to_group", chat=chat_id)
        name = chat_id.removeprefix("chat-")
        return self.t("officials.console.to_person", name=name)

    def _save(self, message: Shown) -> Path:
        self.files.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "._-" else "_"
                       for c in (message.filename or message.kind))
        path = self.files / f"{next(self._saved):03d}-{safe}"
        path.write_bytes(message.data or b"")
        return path.resolve()
