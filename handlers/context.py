"""What a handler gets besides the message: the user, the chat, the conversation state,
the translator and the services bound to this update's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.flows import Flow, declared
from handlers.types import Incoming, Reply
from locales import Translator
from services.audit import AuditEntries
from services.callbacks import Button
from services.chats import Chats
from services.communes import Communes
from services.conversations import ConversationState
from services.models import Chat, User
from services.outbox import Outbox
from services.timezones import VIETNAM_TZ_NAME
from services.users import Users

if TYPE_CHECKING:
    from handlers.router import Router

Rows = Sequence[Sequence[Button]]
"""Rows of buttons (read only: a handler may pass tuples or lists)."""


@dataclass(frozen=True)
class HandlerConfig:
    """Settings the flows need, handed down by the composition root."""

    default_language: str = "vi"
    timezone: str = VIETNAM_TZ_NAME
    bot_username: str | None = None
    zalo_link: str | None = None
    """Where a poster's Zalo code leads; None: Telegram's code only."""
    ops_url: str | None = None
    """The operations room's public address (`/web` sends a sign-in link to it)."""
    max_text_length: int = 4000
    flood_limit: int = 30
    """Updates a user may send a minute before the bot stops answering for a while."""
    numbered_channels: frozenset[str] = frozenset({"console", "zalo"})
    """Channels without buttons: choices are shown numbered and answered by number or words."""
    photo_only_channels: frozenset[str] = frozenset({"zalo"})
    """Channels where a person sends photos but no files (Zalo's Bot API): where a PDF or a
    Word file is asked for, they are told to send a photo, type, or use the web instead."""


class State:
    """The conversation's place in a flow; changes are saved with the update's effects."""

    def __init__(self, row: ConversationState) -> None:
        self._row = row

    @property
    def row(self) -> ConversationState:
        return self._row

    @property
    def flow(self) -> str | None:
        return self._row.flow

    @property
    def step(self) -> str | None:
        return self._row.step

    @property
    def data(self) -> dict[str, Any]:
        return dict(self._row.data or {})

    def start(self, flow: Flow[Any] | str, step: str | None = None, *,
              behind: Sequence[str] = (), **data: Any) -> None:
        """Enter `flow` at `step`; `behind`: the steps already done, for a flow taken up in
        its middle (a walk resumed days later), so that "quay lại" knows where to return."""
        name = flow.name if isinstance(flow, Flow) else flow
        if behind:
            data = {**data, TRAIL: [str(s) for s in behind][-TRAIL_LENGTH:]}
        self._row.flow, self._row.step, self._row.data = name, _value(step), data

    def go(self, step: str | None, **changes: Any) -> None:
        """Move to `step`; a declared flow refuses a transition its table does not list.
        The steps left are kept (a few) for "quay lại"."""
        spec = declared(self._row.flow)
        current, target = self._row.step, _value(step)
        if spec is not None:
            spec.check(current, target)
        if current is not None and target != current:
            trail = [*self.trail, current][-TRAIL_LENGTH:]
            self._row.data = {**(self._row.data or {}), TRAIL: trail}
        self._row.step = target
        self.update(**changes)

    @property
    def trail(self) -> list[str]:
        """The steps visited before this one, oldest first."""
        return list((self._row.data or {}).get(TRAIL) or [])

    def back(self, step: str, **changes: Any) -> None:
        """Return to the earlier `step`, forgetting the trail from its last visit on (a move
        back is not a step forward: "quay lại" after it goes further back)."""
        spec = declared(self._row.flow)
        target = str(step)
        if spec is not None:
            spec.check(self._row.step, target)
        trail = self.trail
        if target in trail:
            trail = trail[:len(trail) - 1 - trail[::-1].index(target)]
        self._row.step = target
        self._row.data = {**(self._row.data or {}), TRAIL: trail}
        self.update(**changes)

    def update(self, **changes: Any) -> None:
        self._row.data = {**(self._row.data or {}), **changes}

    def clear(self) -> None:
        self._row.flow, self._row.step, self._row.data = None, None, {}


TRAIL = "_trail"
TRAIL_LENGTH = 8


def _value(step: str | None) -> str | None:
    """A step as stored: the plain string (a `StrEnum` member is one, but is kept unwrapped)."""
    return None if step is None else str(step)


class Context:
    """Everything a handler may use; replies are collected and written to the outbox."""

    def __init__(self, inc: Incoming, session: AsyncSession, user: User, chat: Chat,
                 conversation: ConversationState, config: HandlerConfig, now: datetime,
                 router: Router) -> None:
        self.inc = inc
        self.router = router
        self.session = session
        self.user = user
        self.chat = chat
        self.state = State(conversation)
        self.config = config
        self.now = now
        self.replies: list[Reply] = []

    @property
    def t(self) -> Translator:
        return Translator(self.user.language)

    @cached_property
    def users(self) -> Users:
        return Users(self.session)

    @cached_property
    def communes(self) -> Communes:
        return Communes(self.session)

    @cached_property
    def chats(self) -> Chats:
        return Chats(self.session)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.session)

    @cached_property
    def audit(self) -> AuditEntries:
        return AuditEntries(self.session)

    @property
    def is_private(self) -> bool:
        return self.inc.chat_type == "private"

    def reply(self, text: str | None = None, buttons: Rows | None = None,
              **options: Any) -> Reply:
        reply = Reply(text=text, buttons=[list(row) for row in buttons or []], **options)
        self.replies.append(reply)
        return reply

    def say(self, key: str, buttons: Rows | None = None, **params: Any) -> Reply:
        """Reply with a catalogue message in the user's language."""
        return self.reply(self.t(key, **params), buttons)
