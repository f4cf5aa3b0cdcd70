"""Routes an update to the handler for its event, button, command or running flow."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from handlers.context import Context
from handlers.flows import Flow
from handlers.types import Incoming
from services.callbacks import CallbackData, StaleCallback, decode
from services.users import is_admin, is_official

log = logging.getLogger(__name__)

Handler = Callable[[Incoming, Context], Awaitable[None]]
Data = TypeVar("Data", bound=CallbackData)
ButtonHandler = Callable[[Incoming, Context, Data], Awaitable[None]]
Gate = Callable[[Incoming, Context], Awaitable[bool]]
Role = Literal["anyone", "official", "admin"]
Where = Literal["private", "group", "any"]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    role: Role = "anyone"
    where: Where = "private"
    help_key: str | None = None


class DuplicateRegistration(ValueError):
    """Two handlers registered for the same command, button, flow, event or entry."""


def _add(table: dict[str, Any], key: str, value: Any, what: str) -> None:
    if key in table:
        raise DuplicateRegistration(f"{what} {key!r} is registered twice")
    table[key] = value


class Router:
    """Handlers register here by name; `dispatch` picks one per update.

    Order: chat events; button presses (by the typed callback data they carry); commands;
    gates (e.g. onboarding of a new user); the running flow; finally the free-text fallback.
    Registering the same name twice raises `DuplicateRegistration`.
    """

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.buttons: dict[type[CallbackData], ButtonHandler[Any]] = {}
        self.roles: dict[str | type[CallbackData], Role] = {}
        """The role a flow (by name) or a button (by data class) needs, checked at every step."""
        self.flows: dict[str, Handler] = {}
        self.events: dict[str, Handler] = {}
        self.menu_actions: dict[str, Handler] = {}
        self.deep_links: dict[str, Handler] = {}
        self.gates: list[Gate] = []
        self.fallbacks: list[Handler] = []

    def command(self, *names: str, role: Role = "anyone", where: Where = "private",
                help_key: str | None = None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                _add(self.commands, name, Command(name, handler, role, where, help_key),
                     "command")
            return handler
        return register

    def button(self, data: type[Data], *, role: Role = "anyone"
               ) -> Callable[[ButtonHandler[Data]], ButtonHandler[Data]]:
        """The handler of buttons carrying `data` (a `CallbackData` class); it gets the decoded
        value as its third argument. `role` is checked at every press."""
        def register(handler: ButtonHandler[Data]) -> ButtonHandler[Data]:
            if data in self.buttons:
                raise DuplicateRegistration(f"button {data.__name__} is registered twice")
            self.buttons[data] = handler
            self.roles[data] = role
            return handler
        return register

    def flow(self, flow: Flow[Any] | str, *, role: Role = "anyone"
             ) -> Callable[[Handler], Handler]:
        """The handler of a running flow's input; a declared `Flow` dispatches by its table
        (`router.flow(FLOW)(fallback)` handles steps the table gives no handler). `role` is
        checked at every step, so an official revoked in the middle of a wizard creates
        nothing afterwards."""
        self.roles[flow if isinstance(flow, str) else flow.name] = role

        def register(handler: Handler) -> Handler:
            if isinstance(flow, str):
                _add(self.flows, flow, handler, "flow")
                return handler

            async def by_step(inc: Incoming, ctx: Context) -> None:
                if not await flow.handle(inc, ctx):
                    await handler(inc, ctx)
            _add(self.flows, flow.name, by_step, "flow")
            return handler
        return register

    def event(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            _add(self.events, name, handler, "event")
            return handler
        return register

    def menu_action(self, name: str) -> Callable[[Handler], Handler]:
        """A main-menu entry."""
        def register(handler: Handler) -> Handler:
            _add(self.menu_actions, name, handler, "menu entry")
            return handler
        return register

    def deep_link(self, prefix: str) -> Callable[[Handler], Handler]:
        """A `/start <payload>` whose payload starts with `prefix`."""
        def register(handler: Handler) -> Handler:
            _add(self.deep_links, prefix, handler, "deep link")
            return handler
        return register

    def gate(self, gate: Gate) -> Gate:
        self.gates.append(gate)
        return gate

    def fallback(self, handler: Handler) -> Handler:
        self.fallbacks.append(handler)
        return handler

    def deep_link_handler(self, payload: str) -> Handler | None:
        for prefix, handler in self.deep_links.items():
            if payload.startswith(prefix):
                return handler
        return None

    async def dispatch(self, inc: Incoming, ctx: Context) -> None:
        if ctx.state.flow and not allowed(ctx, self.roles.get(ctx.state.flow, "anyone")):
            ctx.state.clear()  # a wizard of a role the user lost ends here, whatever comes
        if inc.event:
            handler = self.events.get(inc.event)
            if handler:
                await handler(inc, ctx)
            elif ctx.is_private:
                ctx.say("errors.unsupported")
            return
        if inc.callback is not None:
            await self._button(inc, ctx)
            return
        if inc.command:
            await self._command(inc, ctx)
            return
        if not ctx.is_private:
            return  # group chatter is not for the bot
        for gate in self.gates:
            if await gate(inc, ctx):
                return
        if ctx.state.flow:
            handler = self.flows.get(ctx.state.flow)
            if handler:
                await handler(inc, ctx)
                return
            log.warning("conversation in unknown flow %r; cleared", ctx.state.flow)
            ctx.state.clear()
        for fallback in self.fallbacks:
            await fallback(inc, ctx)
            if ctx.replies:
                return

    async def _button(self, inc: Incoming, ctx: Context) -> None:
        raw = inc.callback or ""
        try:
            data = decode(raw)
        except StaleCallback as why:
            log.info("stale or forged button data refused (%s)", why)
            ctx.say("errors.stale_button")
            return
        handler = self.buttons.get(type(data))
        if handler is None:
            ctx.say("errors.stale_button")
            return
        if await self._refused(ctx, self.roles.get(type(data), "anyone"), data.prefix):
            return
        await handler(inc, ctx, data)

    async def _refused(self, ctx: Context, role: Role, action: str, **detail: Any) -> bool:
        """Refuse (audited) an action of a role the user does not have (any more)."""
        if allowed(ctx, role):
            return False
        await ctx.audit.record(ctx.user, action, outcome="denied", **detail)
        ctx.say("errors.not_allowed")
        return True

    async def _command(self, inc: Incoming, ctx: Context) -> None:
        command = self.commands.get(inc.command or "")
        if command is None:
            if ctx.is_private:
                ctx.say("errors.unknown_command", command=inc.command)
            return
        if command.where == "private" and not ctx.is_private:
            ctx.say("errors.private_only", command=command.name)
            return
        if command.where == "group" and ctx.is_private:
            ctx.say("errors.group_only", command=command.name)
            return
        if await self._refused(ctx, command.role, f"/{command.name}", args=inc.args[:200]):
            return
        await command.handler(inc, ctx)


def allowed(ctx: Context, role: Role) -> bool:
    if role == "admin":
        return is_admin(ctx.user)
    if role == "official":
        return is_official(ctx.user)
    return True
