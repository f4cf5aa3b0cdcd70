"""The main menu, help, language and settings, and the start command."""

from __future__ import annotations

from handlers import onboarding
from handlers.context import Context
from handlers.home import MENU_ENTRIES, show_menu
from handlers.router import Router
from handlers.types import Button, Incoming, callback_parts
from locales import LANGUAGES
from services.users import is_official


async def on_start(inc: Incoming, ctx: Context) -> None:
    payload = inc.args.strip()
    handler = ctx.router.deep_link_handler(payload) if payload else None
    if payload and handler is None:
        ctx.say("errors.bad_link")
    if not ctx.user.onboarded:
        await onboarding.start(inc, ctx, payload if handler else "")
        return
    ctx.state.clear()
    if handler is not None:
        await handler(inc, ctx)
        return
    await show_menu(ctx)


async def on_menu(inc: Incoming, ctx: Context) -> None:
    ctx.state.clear()
    await show_menu(ctx)


async def on_menu_button(inc: Incoming, ctx: Context) -> None:
    _, name = callback_parts(inc, 2)
    handler = ctx.router.menu_actions.get(name)
    if handler is not None:
        ctx.state.clear()
        await handler(inc, ctx)
    elif name in MENU_ENTRIES:
        ctx.say("menu.coming_soon", feature=ctx.t(f"menu.{name}"))
    elif name == "home":
        ctx.state.clear()
        await show_menu(ctx)
    else:
        ctx.say("errors.stale_button")


async def on_help(inc: Incoming, ctx: Context) -> None:
    lines = [ctx.t("help.citizen")]
    if is_official(ctx.user):
        official = sorted(
            (c for c in ctx.router.commands.values() if c.role != "anyone" and c.help_key),
            key=lambda c: c.name,
        )
        seen = set()
        lines.append(ctx.t("help.official_title"))
        for command in official:
            if command.help_key and command.help_key not in seen:
                seen.add(command.help_key)
                lines.append(f"/{command.name} — {ctx.t(command.help_key)}")
    ctx.reply("\n".join(lines))


async def on_cancel(inc: Incoming, ctx: Context) -> None:
    had_flow = ctx.state.flow is not None
    ctx.state.clear()
    ctx.say("common.cancelled" if had_flow else "common.nothing_to_cancel")
    await show_menu(ctx)


async def ask_language(ctx: Context) -> None:
    ctx.reply(ctx.t("settings.ask_language"), [[
        Button("Tiếng Việt", "lang:vi"), Button("English", "lang:en"),
    ]])


async def on_lang(inc: Incoming, ctx: Context) -> None:
    choice = inc.args.strip().lower()
    if choice in LANGUAGES:
        ctx.user.language = choice
        ctx.say("settings.language_set")
        return
    await ask_language(ctx)


async def on_lang_button(inc: Incoming, ctx: Context) -> None:
    _, choice = callback_parts(inc, 2)
    if choice not in LANGUAGES:
        ctx.say("errors.stale_button")
        return
    ctx.user.language = choice
    ctx.say("settings.language_set")
    await show_menu(ctx)


async def on_settings(inc: Incoming, ctx: Context) -> None:
    ctx.reply(ctx.t("settings.title"), [
        [Button(ctx.t("settings.language"), "set:lang")],
        [Button(ctx.t("settings.home"), "set:home")],
        [Button(ctx.t("settings.privacy"), "pv:show")],
        [Button(ctx.t("common.back_to_menu"), "menu:home")],
    ])


async def on_settings_button(inc: Incoming, ctx: Context) -> None:
    _, action = callback_parts(inc, 2)
    if action == "lang":
        await ask_language(ctx)
    elif action == "home":
        if not ctx.user.has_consented:
            ctx.say("settings.home_needs_consent")
            return
        ctx.state.start(onboarding.FLOW, "commune")
        await onboarding.ask_commune(ctx)
    else:
        ctx.say("errors.stale_button")


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
    router.callback("menu")(on_menu_button)
    router.callback("lang")(on_lang_button)
    router.callback("set")(on_settings_button)
    router.menu_action("settings")(on_settings)
    router.fallback(on_free_text)
