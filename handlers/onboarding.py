"""First contact: language, commune and village, consent to keep personal data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from handlers.context import Context
from handlers.flows import Flow
from handlers.home import language_row, show_menu
from handlers.router import Router
from handlers.types import Incoming
from locales import Language
from services import privacy
from services.callbacks import Button, CallbackData
from services.models import Commune
from services.users import is_official

PAGE = 6


class Step(StrEnum):
    """Onboarding, also entered at `COMMUNE` from the settings to move home."""

    LANGUAGE = "language"
    COMMUNE = "commune"
    VILLAGE = "village"
    CONSENT = "consent"


@dataclass(frozen=True)
class OnboardLanguage(CallbackData, prefix="ob.lang"):
    language: Language


@dataclass(frozen=True)
class CommunePage(CallbackData, prefix="ob.cpage"):
    page: int


@dataclass(frozen=True)
class PickCommune(CallbackData, prefix="ob.commune"):
    commune_id: int


@dataclass(frozen=True)
class PickVillage(CallbackData, prefix="ob.village"):
    village_id: int | None
    """None: no village in particular."""


@dataclass(frozen=True)
class Consent(CallbackData, prefix="ob.consent"):
    agreed: bool


async def start(inc: Incoming, ctx: Context, payload: str = "") -> None:
    ctx.state.start(FLOW, Step.LANGUAGE, payload=payload)
    ctx.reply(ctx.t("onboarding.welcome"), [language_row(OnboardLanguage)])


async def gate(inc: Incoming, ctx: Context) -> bool:
    """A new user in a private chat is onboarded before anything else; not an official,
    whose commune is the one they serve (their wizards' typed steps go to the wizard)."""
    if ctx.user.onboarded or is_official(ctx.user) or ctx.state.flow == FLOW.name:
        return False
    await start(inc, ctx)
    return True


async def on_language(inc: Incoming, ctx: Context, data: OnboardLanguage) -> None:
    ctx.user.language = data.language
    await ask_commune(ctx)


async def on_commune_page(inc: Incoming, ctx: Context, data: CommunePage) -> None:
    if data.page < 0:
        ctx.say("errors.stale_button")
        return
    await ask_commune(ctx, page=data.page, edit=True)


async def on_commune(inc: Incoming, ctx: Context, data: PickCommune) -> None:
    await choose_commune(ctx, data.commune_id)


async def ask_commune(ctx: Context, page: int = 0, edit: bool = False) -> None:
    communes = await ctx.communes.all()
    if len(communes) == 1:
        await choose_commune(ctx, communes[0].id)
        return
    ctx.state.go(Step.COMMUNE)
    chunk = communes[page * PAGE:(page + 1) * PAGE]
    rows = commune_rows(chunk)
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("common.previous"), CommunePage(page - 1)))
    if (page + 1) * PAGE < len(communes):
        nav.append(Button(ctx.t("common.next"), CommunePage(page + 1)))
    if nav:
        rows.append(nav)
    ctx.reply(ctx.t("onboarding.ask_commune"), rows, edit=edit)


def commune_rows(communes: list[Commune]) -> list[list[Button]]:
    return [[Button(c.name, PickCommune(c.id))] for c in communes]


async def choose_commune(ctx: Context, commune_id: int) -> None:
    commune = await ctx.communes.get(commune_id)
    if commune is None:
        ctx.say("errors.stale_button")
        return
    ctx.state.go(Step.VILLAGE, commune_id=commune.id)
    rows = [[Button(v.name, PickVillage(v.id))] for v in commune.villages]
    rows.append([Button(ctx.t("onboarding.no_village"), PickVillage(None))])
    ctx.reply(ctx.t("onboarding.ask_village", commune=commune.name), rows)


async def on_village(inc: Incoming, ctx: Context, data: PickVillage) -> None:
    commune = await ctx.communes.get(ctx.state.data.get("commune_id", 0))
    if data.village_id is not None and (commune is None
                                        or commune.village_name(data.village_id) is None):
        ctx.say("errors.stale_button")
        return
    if ctx.user.has_consented:
        # Moving home (or finishing a consent given later): consent was given already.
        ctx.user.commune_id = ctx.state.data.get("commune_id")
        ctx.user.village_id = data.village_id
        ctx.state.clear()
        ctx.say("settings.home_saved")
        await show_menu(ctx)
        return
    ctx.state.go(Step.CONSENT, village_id=data.village_id)
    ask_consent(ctx)


def ask_consent(ctx: Context) -> None:
    ctx.reply(ctx.t("onboarding.consent"), [[
        Button(ctx.t("onboarding.consent_yes"), Consent(True)),
        Button(ctx.t("onboarding.consent_no"), Consent(False)),
    ]])


async def consent_later(inc: Incoming, ctx: Context) -> None:
    """Consent given after declining it: the consent question alone, then the commune and
    village (never kept without consent) if they are missing; not the whole sign-up."""
    ctx.state.start(FLOW, Step.CONSENT)
    ask_consent(ctx)


async def on_consent(inc: Incoming, ctx: Context, data: Consent) -> None:
    state = ctx.state.data
    ctx.user.onboarded = True
    if data.agreed:
        await privacy.give_consent(ctx.user, inc.user_name)
        ctx.say("onboarding.done")
        if "commune_id" not in state:
            await ask_commune(ctx)
            return
        ctx.user.commune_id = state.get("commune_id")
        ctx.user.village_id = state.get("village_id")
    else:
        ctx.say("onboarding.done_without_consent")
    ctx.state.clear()
    payload = state.get("payload") or ""
    handler = ctx.router.deep_link_handler(payload) if payload else None
    if handler is not None:
        await handler(dataclasses.replace(inc, callback=None, command="start", args=payload), ctx)
    else:
        await show_menu(ctx)


async def on_commune_name(inc: Incoming, ctx: Context) -> None:
    """A commune's name typed instead of pressed."""
    if not inc.text:
        await use_buttons(inc, ctx)
        return
    found = await ctx.communes.find(inc.text)
    if len(found) == 1:
        await choose_commune(ctx, found[0].id)
    elif found:
        ctx.reply(ctx.t("onboarding.pick_commune"), commune_rows(found))
    else:
        ctx.say("onboarding.commune_not_found")


async def use_buttons(inc: Incoming, ctx: Context) -> None:
    ctx.say("onboarding.use_buttons")


FLOW = Flow("onboarding", Step, transitions={
    Step.LANGUAGE: {Step.COMMUNE, Step.VILLAGE},
    Step.COMMUNE: {Step.VILLAGE},
    # An earlier message's buttons choose the language or the commune again.
    Step.VILLAGE: {Step.COMMUNE, Step.CONSENT},
    Step.CONSENT: {Step.COMMUNE, Step.VILLAGE},
}, on_input={Step.COMMUNE: on_commune_name}, back={
    Step.COMMUNE: lambda ctx: ask_commune(ctx),
    Step.VILLAGE: lambda ctx: choose_commune(ctx, ctx.state.data.get("commune_id", 0)),
})
"""Consent (yes or no) ends the flow; the other steps take buttons only (`use_buttons`)."""


def register(router: Router) -> None:
    router.button(OnboardLanguage)(FLOW.at()(on_language))
    router.button(CommunePage)(FLOW.at(Step.COMMUNE, Step.VILLAGE, Step.CONSENT)(on_commune_page))
    router.button(PickCommune)(FLOW.at(Step.COMMUNE, Step.VILLAGE, Step.CONSENT)(on_commune))
    router.button(PickVillage)(FLOW.at(Step.VILLAGE, Step.CONSENT)(on_village))
    router.button(Consent)(FLOW.at(Step.CONSENT)(on_consent))
    router.flow(FLOW)(use_buttons)
    router.gate(gate)
