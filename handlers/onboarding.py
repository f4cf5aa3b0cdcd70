"""First contact: language, commune and village, consent to keep personal data."""

from __future__ import annotations

import dataclasses

from handlers.context import Context
from handlers.home import show_menu
from handlers.router import Router
from handlers.types import Button, Incoming, callback_parts
from locales import LANGUAGES
from services import privacy

FLOW = "onboarding"
PAGE = 6


async def start(inc: Incoming, ctx: Context, payload: str = "") -> None:
    ctx.state.start(FLOW, "language", payload=payload)
    ctx.reply(ctx.t("onboarding.welcome"), [[
        Button("Tiếng Việt", "ob:lang:vi"), Button("English", "ob:lang:en"),
    ]])


async def gate(inc: Incoming, ctx: Context) -> bool:
    """A new user in a private chat is onboarded before anything else."""
    if ctx.user.onboarded or ctx.state.flow == FLOW:
        return False
    await start(inc, ctx)
    return True


async def on_button(inc: Incoming, ctx: Context) -> None:
    _, action, value = callback_parts(inc, 3)
    if ctx.state.flow != FLOW:
        ctx.say("errors.stale_button")
        return
    if action == "lang" and value in LANGUAGES:
        ctx.user.language = value
        await ask_commune(ctx)
    elif action == "cpage" and value.isdigit():
        await ask_commune(ctx, page=int(value), edit=True)
    elif action == "commune" and value.isdigit():
        await choose_commune(ctx, int(value))
    elif action == "village":
        await choose_village(ctx, value)
    elif action == "consent":
        await finish(inc, ctx, consent=value == "yes")
    else:
        ctx.say("errors.stale_button")


async def ask_commune(ctx: Context, page: int = 0, edit: bool = False) -> None:
    communes = await ctx.communes.all()
    if len(communes) == 1:
        await choose_commune(ctx, communes[0].id)
        return
    ctx.state.go("commune")
    chunk = communes[page * PAGE:(page + 1) * PAGE]
    rows = [[Button(c.name, f"ob:commune:{c.id}")] for c in chunk]
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("common.previous"), f"ob:cpage:{page - 1}"))
    if (page + 1) * PAGE < len(communes):
        nav.append(Button(ctx.t("common.next"), f"ob:cpage:{page + 1}"))
    if nav:
        rows.append(nav)
    ctx.reply(ctx.t("onboarding.ask_commune"), rows, edit=edit)


async def choose_commune(ctx: Context, commune_id: int) -> None:
    commune = await ctx.communes.get(commune_id)
    if commune is None:
        ctx.say("errors.stale_button")
        return
    ctx.state.go("village", commune_id=commune.id)
    rows = [[Button(v.name, f"ob:village:{v.id}")] for v in commune.villages]
    rows.append([Button(ctx.t("onboarding.no_village"), "ob:village:none")])
    ctx.reply(ctx.t("onboarding.ask_village", commune=commune.name), rows)


async def choose_village(ctx: Context, value: str) -> None:
    commune = await ctx.communes.get(ctx.state.data.get("commune_id", 0))
    village_ids = {v.id for v in commune.villages} if commune else set()
    if value != "none" and (not value.isdigit() or int(value) not in village_ids):
        ctx.say("errors.stale_button")
        return
    ctx.state.go("consent", village_id=int(value) if value.isdigit() else None)
    ctx.reply(ctx.t("onboarding.consent"), [[
        Button(ctx.t("onboarding.consent_yes"), "ob:consent:yes"),
        Button(ctx.t("onboarding.consent_no"), "ob:consent:no"),
    ]])


async def finish(inc: Incoming, ctx: Context, *, consent: bool) -> None:
    data = ctx.state.data
    ctx.user.onboarded = True
    if consent:
        ctx.user.commune_id = data.get("commune_id")
        ctx.user.village_id = data.get("village_id")
        await privacy.give_consent(ctx.user, inc.user_name)
        ctx.say("onboarding.done")
    else:
        ctx.say("onboarding.done_without_consent")
    ctx.state.clear()
    payload = data.get("payload") or ""
    handler = ctx.router.deep_link_handler(payload) if payload else None
    if handler is not None:
        await handler(dataclasses.replace(inc, callback=None, command="start", args=payload), ctx)
    else:
        await show_menu(ctx)


async def on_text(inc: Incoming, ctx: Context) -> None:
    """Typed answers during onboarding: a commune's name, or a nudge to use the buttons."""
    if ctx.state.step == "commune" and inc.text:
        found = await ctx.communes.find(inc.text)
        if len(found) == 1:
            await choose_commune(ctx, found[0].id)
            return
        if found:
            ctx.reply(ctx.t("onboarding.pick_commune"),
                      [[Button(c.name, f"ob:commune:{c.id}")] for c in found])
            return
        ctx.say("onboarding.commune_not_found")
        return
    ctx.say("onboarding.use_buttons")


def register(router: Router) -> None:
    router.callback("ob")(on_button)
    router.flow(FLOW)(on_text)
    router.gate(gate)
