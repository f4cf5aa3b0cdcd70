"""A flow's steps and transitions in one place, like python-telegram-bot's `states={…}`.

Each flow declares its steps as a `StrEnum`, which step may follow which, and what handles
the citizen's input at each step::

    class Step(StrEnum):
        CATEGORY = "category"
        DESCRIPTION = "description"

    FLOW = Flow("feedback", Step,
                transitions={Step.CATEGORY: {Step.DESCRIPTION}, Step.DESCRIPTION: set()},
                on_input={Step.DESCRIPTION: on_description})

`ctx.state.start(FLOW, Step.CATEGORY)` enters it and `ctx.state.go(Step.DESCRIPTION)` moves on;
a move the table does not list raises `InvalidTransition` (a bug, caught by the tests), so the
table stays the truth about the flow. Steps are stored as their string value, so a
conversation saved before a deploy resumes after it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, TypeVar

from services.text import words

if TYPE_CHECKING:
    from handlers.context import Context
    from handlers.types import Incoming
    from services.callbacks import CallbackData

S = TypeVar("S", bound=StrEnum)
D = TypeVar("D", bound="CallbackData")
StepHandler = Callable[["Incoming", "Context"], Awaitable[None]]
Asker = Callable[["Context"], Awaitable[None]]
PlainAsker = Callable[["Context"], object]
"""What a flow is given to ask a step again: a coroutine function, or a plain function (most
steps' questions are plain `ctx.say`s; what it returns is not used)."""
Pressed = Callable[["Incoming", "Context", D], Awaitable[None]]

_FLOWS: dict[str, Flow[StrEnum]] = {}


def _awaitable(ask: PlainAsker) -> Asker:
    async def asked(ctx: Context) -> None:
        result = ask(ctx)
        if inspect.isawaitable(result):
            await result
    return asked


class InvalidTransition(RuntimeError):
    """A handler moved a conversation along a transition its flow does not declare."""


class Flow(Generic[S]):
    def __init__(self, name: str, steps: type[S], *, transitions: Mapping[S, Iterable[S]],
                 on_input: Mapping[S, StepHandler] | None = None,
                 back: Mapping[S, PlainAsker] | None = None,
                 cancel: Asker | None = None, pause: Asker | None = None) -> None:
        """`back` gives each step what asks its question again, with its buttons, from what
        the draft holds: a step one returns to by typing "quay lại" (the return must be a
        declared transition), or the current one, asked again when there is no earlier step
        or when the draft is kept after /start. `cancel` is what "hủy" (or /cancel) does
        in this flow when dropping the conversation is not all (by default: dropped, said,
        and the menu shown). `pause` marks a flow whose draft lives in its own table and is
        taken up again from the menu: /start does not ask to discard it, `pause` says where
        it is kept, and /start goes on."""
        if name in _FLOWS:
            raise ValueError(f"flow {name!r} is declared twice")
        unknown = set(transitions) - set(steps)
        if unknown or set(steps) - set(transitions):
            raise ValueError(f"flow {name!r}: every step needs a transitions entry")
        self.name = name
        self.steps = steps
        self.transitions: dict[str, frozenset[str]] = {
            str(step): frozenset(str(s) for s in after) for step, after in transitions.items()}
        self.on_input: dict[str, StepHandler] = {
            str(step): handler for step, handler in (on_input or {}).items()}
        self.back: dict[str, Asker] = {str(step): _awaitable(ask)
                                       for step, ask in (back or {}).items()}
        self.cancel = cancel
        self.pause = pause
        _FLOWS[name] = self  # type: ignore[assignment]

    def step(self, value: str | None) -> S | None:
        """The stored step as this flow's enum (None for a step this version does not know)."""
        try:
            return self.steps(value) if value is not None else None
        except ValueError:
            return None

    def check(self, current: str | None, target: str | None) -> None:
        if target is None or current is None or target == current:
            return
        if target not in self.transitions.get(current, frozenset()):
            raise InvalidTransition(f"{self.name}: {current} → {target} is not declared")

    def at(self, *steps: S) -> Callable[[Pressed[D]], Pressed[D]]:
        """Guard a button handler of this flow: pressed outside the flow, or at a step other
        than `steps` (any step when none are given), the button is an old one and gets the
        stale answer instead of acting on a conversation that has moved on."""
        allowed = frozenset(str(step) for step in steps)

        def guard(handler: Pressed[D]) -> Pressed[D]:
            @functools.wraps(handler)
            async def pressed(inc: Incoming, ctx: Context, data: D) -> None:
                if ctx.state.flow != self.name or (allowed and ctx.state.step not in allowed):
                    ctx.say("errors.stale_button")
                    return
                await handler(inc, ctx, data)
            return pressed
        return guard

    def previous(self, current: str | None, trail: list[str]) -> str | None:
        """The step "quay lại" returns to: the last one visited that the table lets the
        current step go back to and that knows how to ask again; None when there is none."""
        if current is None or not trail:
            return None
        last = trail[-1]
        if last in self.back and last in self.transitions.get(current, frozenset()):
            return last
        return None

    async def handle(self, inc: Incoming, ctx: Context) -> bool:
        """Run the handler of the conversation's step; False when the step takes no input."""
        handler = self.on_input.get(ctx.state.step or "")
        if handler is None:
            return False
        await handler(inc, ctx)
        return True


def text_only(handler: StepHandler, answer: str) -> StepHandler:
    """`handler` for a step that takes typed text; anything else (a photo, a sticker, blank
    text) gets the catalogue message `answer` instead."""
    async def take(inc: Incoming, ctx: Context) -> None:
        if (inc.text or "").strip():
            await handler(inc, ctx)
        else:
            ctx.say(answer)
    return take


CONTROL_WORDS: dict[str, str] = {
    "huy": "cancel", "huy bo": "cancel", "thoi": "cancel", "cancel": "cancel",
    "quay lai": "back", "tro lai": "back", "lui": "back", "back": "back",
    "menu": "menu", "menu chinh": "menu", "ve menu": "menu",
}
"""Words typed at any step that do what they say (folded: "hủy", "Quay lại", "MENU")."""


def control_word(text: str | None) -> str | None:
    """"cancel", "back" or "menu" for a typed control word, else None."""
    return CONTROL_WORDS.get(" ".join(words(text or ""))) if text and len(text) < 30 else None


def declared(name: str | None) -> Flow[StrEnum] | None:
    return _FLOWS.get(name or "")
