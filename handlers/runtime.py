"""Processes one update as one unit of work: deduplicate, load user and conversation,
route, save the state and write the replies to the outbox, all in one transaction."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context, HandlerConfig
from handlers.flows import control_word
from handlers.router import Router
from handlers.types import Attachment, Incoming, Reply
from locales import Translator
from services.callbacks import Button, StaleCallback, decode
from services.chats import Chats
from services.conversations import ConversationState, conversation_lock
from services.db import Database, DatabaseUnavailable, utcnow
from services.outbox import Outbox, message_values
from services.text import at_the_door, choices_named, exact_choice, whole_number
from services.update_path import (
    insert_loaded,
    insert_messages,
    load_parties,
    record_update,
    save_state,
)
from services.users import Users, is_official

log = logging.getLogger(__name__)

FLOOD_WINDOW_S = 60.0


@dataclass
class Outcome:
    duplicate: bool = False
    replies: int = 0
    failed: bool = False


def normalise(inc: Incoming) -> Incoming:
    """NFC at the door (some keyboards send decomposed Vietnamese), NUL characters dropped."""
    return dataclasses.replace(
        inc,
        text=at_the_door(inc.text) if inc.text is not None else None,
        command=at_the_door(inc.command) if inc.command else inc.command,
        args=at_the_door(inc.args),
        callback=at_the_door(inc.callback) if inc.callback is not None else None,
        user_name=at_the_door(inc.user_name) if inc.user_name else inc.user_name,
        chat_title=at_the_door(inc.chat_title) if inc.chat_title else inc.chat_title,
    )


class FloodGuard:
    """Counts a user's updates in a sliding window (per replica); users quiet for a whole
    window are forgotten, so memory follows the active users, not every user ever seen."""

    SWEEP_EVERY = 1000

    def __init__(self, window: float = FLOOD_WINDOW_S) -> None:
        self.window = window
        self._seen: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._hits = 0

    def hit(self, channel: str, user_id: str) -> int:
        now = time.monotonic()
        self._hits += 1
        if self._hits % self.SWEEP_EVERY == 0:
            self._sweep(now)
        seen = self._seen[(channel, user_id)]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        seen.append(now)
        return len(seen)

    def _sweep(self, now: float) -> None:
        for key in [k for k, seen in self._seen.items() if now - seen[-1] > self.window]:
            del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)


class Processor:
    def __init__(self, db: Database, router: Router, config: HandlerConfig,
                 on_commit: Callable[[], None] | None = None,
                 flood: FloodGuard | None = None) -> None:
        self.db = db
        self.router = router
        self.config = config
        self.on_commit = on_commit
        self.flood = flood or FloodGuard()

    async def process(self, inc: Incoming) -> Outcome:
        inc = normalise(inc)
        # The conversation's lock is taken by the statement recording the update.
        lock = conversation_lock(inc.channel, inc.chat_id, inc.user_id)
        # A database that cannot be reached is not the citizen's fault: `DatabaseUnavailable`
        # goes up (the webhook answers 503 and the update comes again), never an apology.
        try:
            outcome = await self.db.run(lambda session: self._handle(inc, session, lock))
        except DatabaseUnavailable:
            raise
        except Exception:
            log.exception("update %s:%s failed; answering with an apology",
                          inc.channel, inc.update_key)
            outcome = await self.db.run(lambda session: self._apologise(inc, session, lock))
        if outcome.replies and self.on_commit:
            self.on_commit()
        return outcome

    async def _handle(self, inc: Incoming, session: AsyncSession, lock: str) -> Outcome:
        if not await record_update(session, inc.channel, inc.update_key, lock=lock):
            return Outcome(duplicate=True)
        ctx = await self._context(inc, session)
        where = (ctx.state.flow, ctx.state.step)
        if self._throttled(inc, ctx):
            # Said every time, and nothing else happens: the state and the choices shown stay
            # as they were, so the next input lands where the person expects it.
            if ctx.is_private:
                ctx.say("errors.flood")
        elif inc.text is not None and len(inc.text) > self.config.max_text_length:
            if ctx.is_private:
                ctx.say("errors.too_long", limit=self.config.max_text_length)
        else:
            inc = self._answer_to_choice(inc, ctx)
            ctx.inc = inc
            if inc.text is not None or inc.callback is not None or inc.command or inc.event \
                    or inc.photos or inc.voice or inc.location or inc.document:
                await self.router.dispatch(inc, ctx)
        if ctx.is_private or inc.channel in self.config.numbered_channels:
            moved = where != (ctx.state.flow, ctx.state.step)
            remember_choices(ctx.state.row, ctx.replies, moved=moved)
        # What the handlers changed through the ORM first (a flush of nothing costs nothing),
        # then the conversation and the replies, by plain statements.
        await session.flush()
        messages = await outbox_rows(session, inc, ctx.replies)
        await save_state(session, ctx.state.row, ctx.now, messages)
        return Outcome(replies=len(messages))

    def _throttled(self, inc: Incoming, ctx: Context) -> bool:
        """Over the per-minute limit, and not answering a step. Someone answering a step is
        never throttled, and those answers do not count: refusing one would leave the flow a
        step behind the person. A step is input to a running flow (an official's wizard, a
        citizen's report), an official's button, or a button of a message a service queued
        (a notice's preview, a rating, a survey question: the actions of
        `services/<area>/actions.py`)."""
        if ctx.state.flow is not None or self._answers_a_step(inc, ctx):
            return False
        return self.flood.hit(inc.channel, inc.user_id) > self.config.flood_limit

    def _answers_a_step(self, inc: Incoming, ctx: Context) -> bool:
        pressed = inc.callback if inc.callback is not None else self._chosen(inc, ctx)
        if pressed is None:
            return False
        if is_official(ctx.user):
            return True
        try:
            data = decode(pressed)
        except StaleCallback:
            return False
        return type(data).__module__.endswith(".actions")

    def _chosen(self, inc: Incoming, ctx: Context) -> str | None:
        """The button a number typed on a channel without buttons presses, if any."""
        choices = ctx.state.row.choices or []
        answer = (inc.text or "").strip()
        number = whole_number(answer)
        if inc.channel not in self.config.numbered_channels or number is None:
            return None
        return str(choices[number - 1][1]) if 1 <= number <= len(choices) else None

    def _answer_to_choice(self, inc: Incoming, ctx: Context) -> Incoming:
        """A typed answer to the buttons last shown presses one: on a channel without buttons
        by its number, on every channel by its words, whole or in part ("rác", "dong"); an
        answer naming several asks which one."""
        choices = ctx.state.row.choices or []
        if not choices or inc.text is None or inc.command:
            return inc
        answer = inc.text.strip()
        numbered = inc.channel in self.config.numbered_channels
        if numbered and (number := whole_number(answer)) is not None:
            if 1 <= number <= len(choices):
                return dataclasses.replace(inc, callback=choices[number - 1][1], text=None)
            ctx.say("errors.choice_out_of_range", count=len(choices))
            return dataclasses.replace(inc, text=None)
        labels = [label for label, _ in choices]
        # "hủy", "quay lại", "menu" press a button saying just that, and no other.
        named = exact_choice(answer, labels) if control_word(answer) \
            else choices_named(answer, labels)
        if len(named) == 1:
            return dataclasses.replace(inc, callback=choices[named[0]][1], text=None)
        if named and ctx.is_private:
            ctx.reply(ctx.t("errors.choice_ambiguous", answer=answer[:40]),
                      [[button] for i in named if (button := _button_again(*choices[i]))])
            return dataclasses.replace(inc, text=None)
        return inc

    async def _apologise(self, inc: Incoming, session: AsyncSession, lock: str) -> Outcome:
        await record_update(session, inc.channel, inc.update_key, lock=lock)
        if inc.chat_type != "private":
            return Outcome(failed=True)
        user, _ = await Users(session).get_or_create(inc.channel, inc.user_id)
        reply = Reply(text=Translator(user.language)("errors.internal"))
        messages = await outbox_rows(session, inc, [reply])
        await insert_messages(session, messages)
        return Outcome(replies=len(messages), failed=True)

    async def _context(self, inc: Incoming, session: AsyncSession) -> Context:
        user, chat, conversation = await load_parties(
            session, inc.channel, inc.chat_id, inc.user_id)
        new: list[object] = []
        if user is None:
            user = Users.new(inc.channel, inc.user_id, language=self.config.default_language)
            new.append(user)
        else:
            Users.seen(user)
        if chat is None:
            chat = Chats.new(inc.channel, inc.chat_id, type=inc.chat_type, title=inc.chat_title)
            new.append(chat)
        else:
            Chats.retitle(chat, inc.chat_title)
        if new:  # written at once (in one statement on PostgreSQL): handlers may use their ids
            await insert_loaded(session, *new)
        if not chat.active and inc.event != "member_removed":
            chat.active, chat.inactive_reason = True, None
        return Context(inc, session, user, chat, conversation, self.config, utcnow(),
                       self.router)


def remember_choices(conversation: ConversationState, replies: list[Reply], *, moved: bool) -> None:
    """Keep the buttons last shown in this chat, for answers by number; forget them when the
    conversation moved on without showing new ones."""
    shown = [r for r in replies if r.target is None and r.buttons]
    if shown:
        conversation.choices = [
            [b.text, b.as_json()["data"]] for row in shown[-1].buttons for b in row
            if b.data is not None
        ]
    elif moved:
        conversation.choices = []


async def outbox_rows(session: AsyncSession, inc: Incoming, replies: list[Reply]
                      ) -> list[dict[str, Any]]:
    """The replies as outbox rows (`insert_messages`); their files are stored once by hash."""
    outbox = Outbox(session)
    messages: list[dict[str, Any]] = []
    for reply in replies:
        channel, chat_id = (reply.target.channel, reply.target.chat_id) if reply.target \
            else (inc.channel, inc.chat_id)
        attachment = reply.photo or reply.voice or reply.document
        edit_id = inc.message_id if reply.edit and inc.callback is not None and not attachment \
            and not reply.target else None
        messages.append(message_values(
            channel, chat_id,
            text=reply.text,
            buttons=[[b.as_json() for b in row] for row in reply.buttons],
            kind=reply.kind,
            attachment=await _attachment(outbox, attachment) if attachment else None,
            edit_message_id=edit_id, pin=reply.pin, silent=reply.silent,
            priority=reply.priority,
        ))
    return messages


async def _attachment(outbox: Outbox, attachment: Attachment) -> dict[str, object]:
    stored: dict[str, object] = {"filename": attachment.filename}
    if attachment.data is not None:
        stored["sha256"] = await outbox.store_blob(attachment.data, attachment.mime)
    if attachment.file_id:
        stored["file_id"] = attachment.file_id
    if attachment.url:
        stored["url"] = attachment.url
    if attachment.mime:
        stored["mime"] = attachment.mime
    if attachment.duration is not None:
        stored["duration"] = attachment.duration
    return stored


def _button_again(label: str, data: str) -> Button | None:
    """A remembered choice as a button again (None for data of an older version)."""
    try:
        return Button(label, decode(data))
    except StaleCallback:
        return None
