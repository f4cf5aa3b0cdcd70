"""Telegram through python-telegram-bot's `Bot`: updates in, outbox rows out."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

# Opt in to python-telegram-bot's coming API: durations such as `retry_after` as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, MessageEntityType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.channels.base import (
    ChatGone,
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    Sent,
    split_text,
)
from handlers.types import ChatType, Incoming, IncomingFile, Location
from services.redaction import redact

log = logging.getLogger(__name__)

NAME = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
POLL_CHAT = "poll"
"""The chat and user id given to `poll` updates, which come from no chat and no person."""
GONE_HINTS = ("chat not found", "bot was kicked", "user is deactivated", "group chat was deleted")


def make_bot(token: str, api_base_url: str, *, pool_size: int = 16) -> Bot:
    """The sender keeps within 30 messages a second, which 16 connections carry with room;
    httpx looks at every idle connection of its pool on each request."""
    request = HTTPXRequest(connection_pool_size=pool_size, read_timeout=30, write_timeout=30,
                           connect_timeout=10, pool_timeout=10)
    updates_request = HTTPXRequest(connection_pool_size=2, read_timeout=60)
    return Bot(token, base_url=f"{api_base_url}/bot", base_file_url=f"{api_base_url}/file/bot",
               request=request, get_updates_request=updates_request)


class TelegramChannel:
    name = NAME
    limits = Limits()

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @staticmethod
    def is_group(chat_id: str) -> bool:
        return chat_id.startswith("-")

    # --- incoming -------------------------------------------------------------------------

    def parse(self, data: dict[str, Any]) -> tuple[Incoming | None, str | None]:
        """An update as `Incoming` (None for kinds the bot ignores), and a callback query id
        to answer."""
        update = Update.de_json(data, self.bot)
        key = str(update.update_id)
        if update.callback_query:
            query = update.callback_query
            message = query.message
            chat = message.chat if message else None
            incoming = Incoming(
                channel=NAME, update_key=key,
                chat_id=str(chat.id if chat else query.from_user.id),
                chat_type=_chat_type(chat.type if chat else "private"),
                user_id=str(query.from_user.id), user_name=query.from_user.full_name,
                language_code=query.from_user.language_code,
                callback=query.data or "",
                message_id=str(message.message_id) if message else None,
            )
            return incoming, query.id
        if update.my_chat_member:
            change = update.my_chat_member
            status = change.new_chat_member.status
            gone = status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
            return Incoming(
                channel=NAME, update_key=key, chat_id=str(change.chat.id),
                chat_type=_chat_type(change.chat.type), user_id=str(change.from_user.id),
                user_name=change.from_user.full_name, chat_title=change.chat.title,
                event="member_removed" if gone else "member_added",
            ), None
        if update.message:
            return self._message(key, update.message), None
        if update.poll_answer and update.poll_answer.user:
            answer, voter = update.poll_answer, update.poll_answer.user
            return Incoming(
                channel=NAME, update_key=key, chat_id=str(voter.id),
                user_id=str(voter.id), user_name=voter.full_name,
                language_code=voter.language_code, event="poll_answer",
                poll_id=answer.poll_id, poll_option_ids=tuple(answer.option_ids),
            ), None
        if update.poll:
            # A poll's new totals (the only count of an anonymous poll); no person sent it.
            return Incoming(
                channel=NAME, update_key=key, chat_id=POLL_CHAT, user_id=POLL_CHAT,
                chat_type="group", event="poll_state", poll_id=update.poll.id,
                poll_counts=tuple(option.voter_count for option in update.poll.options),
            ), None
        return None, None

    def _message(self, key: str, message: Message) -> Incoming:
        user = message.from_user
        text = message.text or message.caption
        command, args = None, ""
        entities = message.entities or ()
        if message.text and entities and entities[0].type == MessageEntityType.BOT_COMMAND \
                and entities[0].offset == 0:
            token = message.text[: entities[0].length]
            command = token[1:].split("@", 1)[0].lower()
            args = message.text[entities[0].length:].strip()
            text = None
        event = None
        if message.sticker or message.video or message.video_note or message.animation \
                or message.contact or message.poll or message.dice:
            event = "unsupported"
        photos = (IncomingFile(file_id=message.photo[-1].file_id,
                               size=message.photo[-1].file_size, mime="image/jpeg"),) \
            if message.photo else ()
        voice_source = message.voice or message.audio
        voice = IncomingFile(file_id=voice_source.file_id, size=voice_source.file_size,
                             mime=voice_source.mime_type,
                             duration=_whole_seconds(voice_source.duration)) \
            if voice_source else None
        document = IncomingFile(file_id=message.document.file_id, size=message.document.file_size,
                                mime=message.document.mime_type,
                                name=message.document.file_name) if message.document else None
        location = Location(message.location.latitude, message.location.longitude) \
            if message.location else None
        if message.new_chat_members or message.left_chat_member or message.group_chat_created:
            event = event or "service"
        return Incoming(
            channel=NAME, update_key=key, chat_id=str(message.chat.id),
            chat_type=_chat_type(message.chat.type), user_id=str(user.id if user else 0),
            user_name=user.full_name if user else None, chat_title=message.chat.title,
            language_code=user.language_code if user else None, text=text, command=command,
            args=args, message_id=str(message.message_id), photos=photos, voice=voice,
            document=document, location=location, event=event,
        )

    async def answer_callback(self, query_id: str) -> None:
        try:
            await self.bot.answer_callback_query(query_id)
        except TelegramError as error:
            log.debug("answerCallbackQuery failed: %s", error)

    async def download(self, file_id: str) -> bytes:
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    # --- outgoing -------------------------------------------------------------------------

    async def send(self, message: Outgoing) -> Sent:
        try:
            return await self._send(message)
        except RetryAfter as error:
            retry = error.retry_after
            seconds = retry.total_seconds() if isinstance(retry, timedelta) else float(retry)
            raise RetryLater(seconds, f"429 retry_after={seconds}", too_many=True) from error
        except Forbidden as error:
            raise ChatGone(str(error)) from error
        except BadRequest as error:
            if any(hint in str(error).lower() for hint in GONE_HINTS):
                raise ChatGone(str(error)) from error
            raise Rejected(str(error)) from error
        except NetworkError as error:  # includes TimedOut
            raise RetryLater(5.0, redact(f"network: {error}")) from error

    async def _send(self, message: Outgoing) -> Sent:
        chat_id = int(message.chat_id)
        markup = _markup(message.buttons)
        if message.kind == "text" and message.edit_message_id:
            edited = await self._edit(message, markup)
            if edited is not None:
                return edited
        if message.kind == "text":
            parts = split_text(message.text or "", MAX_TEXT)
            sent: Message | None = None
            for index, part in enumerate(parts):
                sent = await self.bot.send_message(
                    chat_id, part, reply_markup=markup if index == len(parts) - 1 else None,
                    disable_notification=message.silent)
            assert sent is not None
            await self._pin(message, sent)
            return Sent(str(sent.message_id))
        if message.kind == "poll":
            return await self._poll(chat_id, message)
        media = message.file_id or (InputFile(message.data, filename=message.filename)
                                    if message.data is not None else message.url)
        if media is None:
            raise Rejected(f"{message.kind} without a file")
        caption = (message.text or "")[:MAX_CAPTION] or None
        if message.kind == "photo":
            sent = await self.bot.send_photo(chat_id, media, caption=caption, reply_markup=markup,
                                             disable_notification=message.silent)
            file_id = sent.photo[-1].file_id if sent.photo else None
        elif message.kind == "voice":
            sent = await self.bot.send_voice(chat_id, media, duration=message.duration,
                                             caption=caption, reply_markup=markup,
                                             disable_notification=message.silent)
            file_id = sent.voice.file_id if sent.voice else None
        else:
            sent = await self.bot.send_document(chat_id, media, caption=caption,
                                                reply_markup=markup,
                                                disable_notification=message.silent)
            file_id = sent.document.file_id if sent.document else None
        await self._pin(message, sent)
        return Sent(str(sent.message_id), file_id)

    async def _poll(self, chat_id: int, message: Outgoing) -> Sent:
        sent = await self.bot.send_poll(
            chat_id, (message.text or "")[:MAX_POLL_QUESTION],
            [option[:MAX_POLL_OPTION] for option in message.options],
            is_anonymous=message.anonymous, disable_notification=message.silent)
        return Sent(str(sent.message_id), poll_id=sent.poll.id if sent.poll else None)

    async def stop_poll(self, chat_id: str, message_id: str) -> list[int] | None:
        """Close a posted poll; its final totals, or None when Telegram refused."""
        try:
            poll = await self.bot.stop_poll(int(chat_id), int(message_id))
        except TelegramError as error:
            log.info("stopping poll message %s failed: %s", message_id, error)
            return None
        return [option.voter_count for option in poll.options]

    async def _edit(self, message: Outgoing, markup: InlineKeyboardMarkup | None) -> Sent | None:
        try:
            await self.bot.edit_message_text(
                (message.text or "")[:MAX_TEXT], chat_id=int(message.chat_id),
                message_id=int(message.edit_message_id or 0), reply_markup=markup)
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return Sent(message.edit_message_id)
            log.info("edit failed (%s); sending a new message", error)
            return None
        return Sent(message.edit_message_id)

    async def _pin(self, message: Outgoing, sent: Message) -> None:
        if not message.pin:
            return
        try:
            await self.bot.pin_chat_message(int(message.chat_id), sent.message_id,
                                            disable_notification=False)
        except TelegramError as error:  # not an admin there: pinning is best effort
            log.info("could not pin in %s: %s", message.chat_id, error)


def _seconds(duration: timedelta | float) -> float:
    """python-telegram-bot gives durations as timedelta or as seconds, by its settings."""
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


def _whole_seconds(duration: timedelta | int | None) -> int | None:
    return None if duration is None else round(_seconds(duration))


def _chat_type(kind: str) -> ChatType:
    return "private" if kind == "private" else "group"


def _markup(rows: list[list[dict[str, Any]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(b["text"], url=b["url"]) if b.get("url")
         else InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
        for row in rows
    ])

