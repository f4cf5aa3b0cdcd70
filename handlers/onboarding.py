"""First contact: language, commune and village, consent to keep personal data; consent given
later (after declining it), asked once, ending where the citizen was (a report goes on)."""

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
from services.text import words
from services.users import is_official

PAGE = 6
AGREEMENT = frozenset({"dong y", "toi dong y", "dong y a", "co", "co dong y", "ok", "yes",
                       "i agree", "agree"})
"""What typed at `Step.AGREE` agrees (folded: without marks, lower case)."""


class Step(StrEnum):
    """Onboarding, also entered at `COMMUNE` from the settings to move home."""

    LANGUAGE = "language"
    COMMUNE = "commune"
    VILLAGE = "village"
    CONSENT = "consent"
    AGREE = "agree"
    """Consent is needed for a report: what was typed for it is kept until the citizen agrees
    (the button, or "đồng ý") or moves on."""


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
        # Moving home, or the home asked after a consent given later: no consent question.
        later = bool(ctx.state.data.get("later"))
        ctx.user.commune_id = ctx.state.data.get("commune_id")
        ctx.user.village_id = data.village_id
        if later:
            ctx.say("onboarding.done")
            await carry_on(inc, ctx)
            return
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
    ctx.state.start(FLOW, Step.CONSENT, later=True)
    ask_consent(ctx)


def hold_for_consent(ctx: Context, *, description: str = "", category: str = "") -> None:
    """A report tried without consent: what was typed for it is kept, so that agreeing (the
    button, or "đồng ý" typed) takes the report up where it was."""
    ctx.state.start(FLOW, Step.AGREE, report={"description": description, "category": category})


async def agree_later(inc: Incoming, ctx: Context) -> None:
    """The citizen agrees after declining (a button saying so, from a report or the privacy
    page): no question again; the commune and village if missing, then the report they were
    sending, or the menu."""
    if ctx.user.has_consented and ctx.user.commune_id is not None:
        ctx.say("errors.stale_button")
        return
    at_agree = ctx.state.flow == FLOW.name and ctx.state.step == Step.AGREE
    report = ctx.state.data.get("report") if at_agree else None
    ctx.user.onboarded = True
    if not ctx.user.has_consented:
        await privacy.give_consent(ctx.user, inc.user_name)
    ctx.state.start(FLOW, Step.CONSENT, later=True)
    if isinstance(report, dict):
        ctx.state.update(report=report)
    await home_then_carry_on(inc, ctx)


async def on_consent(inc: Incoming, ctx: Context, data: Consent) -> None:
    state = ctx.state.data
    ctx.user.onboarded = True
    if not data.agreed:
        ctx.say("onboarding.done_without_consent")
        await carry_on(inc, ctx)
        return
    await privacy.give_consent(ctx.user, inc.user_name)
    if "commune_id" in state:  # the sign-up's own choice, kept only now
        ctx.user.commune_id = state.get("commune_id")
        ctx.user.village_id = state.get("village_id")
    await home_then_carry_on(inc, ctx)


async def home_then_carry_on(inc: Incoming, ctx: Context) -> None:
    """With consent given: the commune and village if none is kept, then `carry_on`."""
    if ctx.user.commune_id is None:
        ctx.state.update(later=True)
        await ask_commune(ctx)
        return
    ctx.say("onboarding.done")
    await carry_on(inc, ctx)


async def carry_on(inc: Incoming, ctx: Context) -> None:
    """Where the citizen was before consent was asked: the report they were sending (its text
    kept), the deep link they came by, or the menu."""
    state = ctx.state.data
    ctx.state.clear()
    report = state.get("report")
    if isinstance(report, dict) and ctx.user.has_consented:
        from handlers import feedback

        await feedback.start(inc, ctx, description=str(report.get("description") or ""),
                             category=str(report.get("category") or ""))
        return
    payload = state.get("payload") or ""
    handler = ctx.router.deep_link_handler(payload) if payload else None
    if handler is not None:
        await handler(dataclasses.replace(inc, callback=None, command="start", args=payload), ctx)
    else:
        await show_menu(ctx)


async def on_typed_at_agree(inc: Incoming, ctx: Context) -> None:
    """At "consent is needed": "đồng ý" agrees; anything else is read afresh, the report's
    text dropped."""
    if inc.text and " ".join(words(inc.text)) in AGREEMENT:
        await agree_later(inc, ctx)
        return
    ctx.state.clear()
    await ctx.router.dispatch(inc, ctx)


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
    Step.AGREE: set(),
}, on_input={Step.COMMUNE: on_commune_name, Step.AGREE: on_typed_at_agree}, back={
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
