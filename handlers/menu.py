"""The main menu, help, language and settings, and the start command."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from handlers import onboarding
from handlers.context import Context
from handlers.flows import control_word, declared
from handlers.home import (
    MenuEntry,
    OpenDesk,
    OpenMenu,
    back_to_menu,
    language_row,
    show_citizen_menu,
    show_menu,
)
from handlers.privacy import ShowPrivacy
from handlers.router import Router, allowed
from handlers.types import Incoming
from locales import LANGUAGES, Language
from services.callbacks import Button, CallbackData
from services.users import is_official


@dataclass(frozen=True)
class PickLanguage(CallbackData, prefix="lang"):
    language: Language


@dataclass(frozen=True)
class ChangeLanguage(CallbackData, prefix="set.lang"):
    pass


@dataclass(frozen=True)
class ChangeHome(CallbackData, prefix="set.home"):
    """Choose one's commune and village again."""


@dataclass(frozen=True)
class RestartAnswer(CallbackData, prefix="restart"):
    """/start typed in the middle of a flow: discard what was entered (or keep it)."""

    discard: bool


async def on_start(inc: Incoming, ctx: Context) -> None:
    payload = inc.args.strip()
    handler = ctx.router.deep_link_handler(payload) if payload else None
    if payload and handler is None:
        ctx.say("errors.bad_link")
    if not ctx.user.onboarded and not is_official(ctx.user):
        # A link or a poster's code answers first (the person came for that answer); the
        # sign-up follows it.
        if handler is not None:
            await handler(inc, ctx)
        await onboarding.start(inc, ctx)
        return
    flow = declared(ctx.state.flow)
    if flow is not None and flow.pause is not None:
        await flow.pause(ctx)  # kept in its own table: nothing to lose, nothing to ask
    elif ctx.state.flow is not None and ctx.is_private:
        ctx.state.update(_restart=payload if handler else "")
        ctx.reply(ctx.t("common.discard_ask"), [
            [Button(ctx.t("common.discard_yes"), RestartAnswer(True))],
            [Button(ctx.t("common.discard_no"), RestartAnswer(False))],
        ])
        return
    await restart(inc, ctx, payload if handler else "")


async def restart(inc: Incoming, ctx: Context, payload: str) -> None:
    ctx.state.clear()
    handler = ctx.router.deep_link_handler(payload) if payload else None
    if handler is not None:
        await handler(dataclasses.replace(inc, callback=None, command="start", args=payload),
                      ctx)
        return
    await show_menu(ctx)


async def on_restart_answer(inc: Incoming, ctx: Context, data: RestartAnswer) -> None:
    if ctx.state.flow is None:
        ctx.say("errors.stale_button")
        return
    if data.discard:
        await restart(inc, ctx, str(ctx.state.data.get("_restart") or ""))
        return
    await ask_again(ctx, "common.draft_kept")


async def ask_again(ctx: Context, key: str) -> None:
    """Say `key`, then ask the current step's question again where the flow knows how."""
    ctx.say(key)
    flow = declared(ctx.state.flow)
    ask = flow.back.get(ctx.state.step or "") if flow is not None else None
    if ask is not None:
        await ask(ctx)
    else:
        # Nothing asked again: the numbers of the question just answered (/start's "1.
        # Bắt đầu lại") must not stay the ones a typed "1" presses.
        ctx.state.row.choices = []


async def on_control_word(inc: Incoming, ctx: Context) -> bool:
    """"hủy", "quay lại" and "menu" typed at any step do what they say."""
    word = control_word(inc.text)
    if word is None or inc.callback is not None:
        return False
    if not ctx.user.onboarded and not is_official(ctx.user) and word != "back":
        return False  # a newcomer's words belong to onboarding, which asks with buttons
        # (an official skips the citizen's sign-up, so their words are theirs at any step)
    if word == "cancel":
        await on_cancel(inc, ctx)
    elif word == "menu":
        await on_menu(inc, ctx)
    else:
        await go_back(ctx)
    return True


async def go_back(ctx: Context) -> None:
    if ctx.state.flow is None:
        await show_menu(ctx)  # nothing in progress: back is the menu
        return
    flow = declared(ctx.state.flow)
    step = flow.previous(ctx.state.step, ctx.state.trail) if flow is not None else None
    if step is None:
        await ask_again(ctx, "common.back_unavailable")  # no earlier step: this one again
        return
    assert flow is not None
    ctx.state.back(step)
    await flow.back[step](ctx)


async def on_menu(inc: Incoming, ctx: Context) -> None:
    ctx.state.clear()
    await show_menu(ctx)


async def on_menu_button(inc: Incoming, ctx: Context, data: OpenMenu) -> None:
    handler = ctx.router.menu_actions.get(data.entry)
    if data.entry is MenuEntry.HOME:
        ctx.state.clear()
        await show_menu(ctx)
    elif data.entry is MenuEntry.CITIZEN:
        ctx.state.clear()
        show_citizen_menu(ctx)
    elif handler is not None:
        ctx.state.clear()
        await handler(inc, ctx)
    else:
        ctx.say("menu.coming_soon", feature=ctx.t(f"menu.{data.entry}"))


async def on_desk_button(inc: Incoming, ctx: Context, data: OpenDesk) -> None:
    """An entry of the official's menu does what its command does."""
    command = ctx.router.commands.get(data.entry)
    if command is None:
        ctx.say("errors.stale_button")
        return
    ctx.state.clear()
    ctx.inc = dataclasses.replace(inc, callback=None, command=command.name, args="")
    await command.handler(ctx.inc, ctx)


OFFICIAL_ORDER = {name: rank for rank, name in enumerate((
    "inbox", "fb", "reply", "status", "announce", "notices", "survey", "stats", "web"))}
"""The official's help starts with what an official does most: the inbox and answering,
a notice, a survey, the figures, the operations room; the other commands follow by name."""


async def on_help(inc: Incoming, ctx: Context) -> None:
    """The citizen's help, and for officials and admins the commands their role allows
    (an official sees no admin command)."""
    lines = [ctx.t("help.citizen")]
    if is_official(ctx.user):
        official = sorted(
            (c for c in ctx.router.commands.values()
             if c.role != "anyone" and c.help_key and allowed(ctx, c.role)),
            key=lambda c: (OFFICIAL_ORDER.get(c.name, len(OFFICIAL_ORDER)), c.name),
        )
        seen: set[str] = set()
        lines.append(ctx.t("help.official_title"))
        for command in official:
            key = command.help_key
            if key is not None and key not in seen:
                seen.add(key)
                lines.append(f"/{command.name} — {ctx.t(key)}")
    ctx.reply("\n".join(lines))


async def on_cancel(inc: Incoming, ctx: Context) -> None:
    flow = declared(ctx.state.flow)
    if flow is not None and flow.cancel is not None:
        await flow.cancel(ctx)  # the flow's own cancel (a walk asks first, a document goes)
        return
    had_flow = ctx.state.flow is not None
    ctx.state.clear()
    ctx.say("common.cancelled" if had_flow else "common.nothing_to_cancel")
    await show_menu(ctx)


def ask_language(ctx: Context) -> None:
    ctx.reply(ctx.t("settings.ask_language"), [language_row(PickLanguage)])


async def on_lang(inc: Incoming, ctx: Context) -> None:
    choice = inc.args.strip().lower()
    if choice in LANGUAGES:
        ctx.user.language = choice
        ctx.say("settings.language_set")
        return
    ask_language(ctx)


async def on_lang_button(inc: Incoming, ctx: Context, data: PickLanguage) -> None:
    ctx.user.language = data.language
    ctx.say("settings.language_set")
    await show_menu(ctx)


async def on_settings(inc: Incoming, ctx: Context) -> None:
    ctx.reply(ctx.t("settings.title"), [
        [Button(ctx.t("settings.language"), ChangeLanguage())],
        [Button(ctx.t("settings.home"), ChangeHome())],
        [Button(ctx.t("settings.privacy"), ShowPrivacy())],
        back_to_menu(ctx),
    ])


async def on_change_language(inc: Incoming, ctx: Context, data: ChangeLanguage) -> None:
    ask_language(ctx)


async def on_change_home(inc: Incoming, ctx: Context, data: ChangeHome) -> None:
    if not ctx.user.has_consented:
        await onboarding.consent_later(inc, ctx)
        return
    ctx.state.start(onboarding.FLOW, onboarding.Step.COMMUNE)
    await onboarding.ask_commune(ctx)


async def on_free_text(inc: Incoming, ctx: Context) -> None:
    """Last resort: point to the menu."""
    if inc.text or inc.photos or inc.voice or inc.location or inc.document:
        ctx.say("menu.not_understood")
        await show_menu(ctx)


def register(router: Router) -> None:
    router.command("start", where="any")(on_start)
    router.command("menu")(on_menu)
    router.command("help", where="any")(on_help)
    router.command("cancel", "huy")(on_cancel)
    router.command("lang")(on_lang)
    router.command("settings")(on_settings)
    router.button(OpenMenu)(on_menu_button)
    router.button(OpenDesk, role="official")(on_desk_button)
    router.button(PickLanguage)(on_lang_button)
    router.button(ChangeLanguage)(on_change_language)
    router.button(ChangeHome)(on_change_home)
    router.button(RestartAnswer)(on_restart_answer)
    router.gate(on_control_word)
    router.menu_action("settings")(on_settings)
    router.fallback(on_free_text)
