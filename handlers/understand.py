"""Free text outside any flow: understood, then answered as what it is.

A procedure question gets the procedure's card; a problem gets "send it as a report?" with the
text kept and the category guessed; a question about the commune office gets the office's
profile; a matter handled elsewhere gets a referral card; a greeting gets the menu; anything
else is said to be not understood, with an offer to send the text to the commune as it is.
An official is the commune: their problem, greeting or unread text gets their menu and /help.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers import feedback, procedures
from handlers.context import Context
from handlers.flows import Flow
from handlers.format import cut
from handlers.home import (
    MenuEntry,
    OpenMenu,
    home_row,
    menu_buttons,
    show_menu,
    show_official_menu,
)
from handlers.router import Router
from handlers.types import Incoming
from services.callbacks import Button, CallbackData, Keyboard, in_rows
from services.feedback.categories import categories_for, category_of
from services.feedback.service import MAX_TEXT
from services.models import Commune
from services.procedures.search import is_confident
from services.procedures.store import Procedures
from services.text import words
from services.understand.classifier import Intent, Understanding, classifier_for
from services.understand.referrals import referrals
from services.users import is_official

QUOTE_CHARS = 300
UNKNOWN_CATEGORY = "other"
THANKS_WORDS = frozenset({"cam", "on", "thank", "thanks", "tks", "ok", "oke", "okie", "oki"})
OFFICIALS_ANSWERED = frozenset({Intent.PROCEDURE, Intent.OFFICE_INFO, Intent.REFERRAL})
"""What an official's free text is answered as; anything else (a problem, a greeting, text
not understood) gets their menu, not the citizen's offer to send it to the commune."""
OFFICE_FIELDS = {"hours": "office_hours", "phone": "office_phone",
                 "address": "office_address", "desk": "desk_location"}


class Step(StrEnum):
    OFFER = "offer"
    """The typed text is kept while the citizen decides whether to send it to the commune."""


FLOW = Flow("understand", Step, transitions={Step.OFFER: set()}, on_input={},
            back={Step.OFFER: lambda ctx: ask_offer_again(ctx)})


@dataclass(frozen=True)
class FileTyped(CallbackData, prefix="un.file"):
    """Send the typed text to the commune as a report in this category."""

    category: str


@dataclass(frozen=True)
class OtherCategory(CallbackData, prefix="un.cat"):
    """Choose another category for the typed text."""


async def on_free_text(inc: Incoming, ctx: Context) -> None:
    if inc.text is None or inc.photos or inc.voice or inc.document or inc.location:
        return
    ctx.state.clear()
    question = procedures.read_question(ctx, inc.text)
    if question is None:
        return
    await answer(ctx, question, await _understood(ctx, question))


async def _understood(ctx: Context, text: str) -> Understanding:
    return classifier_for(await Procedures(ctx.session).index()).classify(text)


async def ask_offer_again(ctx: Context) -> None:
    """The offer asked again (its text kept after /start): the kept text read afresh."""
    text = str(ctx.state.data.get("text") or "")
    if text:
        await answer(ctx, text, await _understood(ctx, text))


async def on_typed_at_offer(inc: Incoming, ctx: Context) -> None:
    """Another message instead of a button: read it afresh."""
    ctx.state.clear()
    await on_free_text(inc, ctx)
    if not ctx.replies:
        ctx.say("menu.not_understood")
        await show_menu(ctx)


async def answer(ctx: Context, text: str, found: Understanding) -> None:
    if is_official(ctx.user) and found.intent not in OFFICIALS_ANSWERED:
        await official_answer(ctx, found.intent is Intent.GREETING)
    elif found.intent is Intent.PROCEDURE and not is_confident(found.matches) \
            and is_official(ctx.user):
        await procedures.did_you_mean(ctx, found.matches, OpenMenu(MenuEntry.HOME),
                                      "officials.none_of_these")
    elif found.intent is Intent.PROCEDURE and not is_confident(found.matches):
        # "none of these" sends the question as typed, so the text is kept meanwhile
        ctx.state.start(FLOW, Step.OFFER, text=text[:MAX_TEXT])
        await procedures.did_you_mean(ctx, found.matches, OtherCategory())
    elif found.intent is Intent.PROCEDURE:
        await procedures.answer_matches(ctx, found.matches)
    elif found.intent is Intent.FEEDBACK:
        await offer_report(ctx, text, found.category or UNKNOWN_CATEGORY)
    elif found.intent is Intent.OFFICE_INFO:
        await office_info(ctx, found.topic or "")
    elif found.intent is Intent.REFERRAL:
        referral_card(ctx, found.topic or "")
    elif found.intent is Intent.GREETING:
        thanks = bool(set(words(text)) & THANKS_WORDS)
        ctx.say("procedures.thanks" if thanks else "procedures.greeting", menu_buttons(ctx))
    else:
        await offer_report(ctx, text, None)


async def official_answer(ctx: Context, greeting: bool) -> None:
    """Free text from an official that no step expects: the commune's own staff are not
    offered to send it to the commune, but greeted back or shown their menu and /help."""
    await show_official_menu(ctx, ctx.t("officials.greeting" if greeting
                                        else "officials.free_text"))


async def offer_report(ctx: Context, text: str, category: str | None) -> None:
    """"Send it as a report?" with the text kept; `category` None: the text was not understood."""
    commune = await _commune(ctx)
    guess = category_of(commune, category) if category else None
    ctx.state.start(FLOW, Step.OFFER, text=text[:MAX_TEXT])
    rows: Keyboard = []
    if guess is not None:
        name = guess.name(ctx.user.language)
        message = ctx.t("understand.offer_report", text=cut(text, QUOTE_CHARS), category=name)
        rows.append([Button(ctx.t("understand.send_as", category=name), FileTyped(guess.code))])
        rows.append([Button(ctx.t("understand.other_category"), OtherCategory())])
    elif category:  # a problem, but the commune's own categories have no such one
        message = ctx.t("understand.offer_report_choose", text=cut(text, QUOTE_CHARS))
        rows.append([Button(ctx.t("understand.choose_category"), OtherCategory())])
    else:
        message = ctx.t("understand.not_understood", text=cut(text, QUOTE_CHARS))
        rows.append([Button(ctx.t("procedures.send_to_commune"), OtherCategory())])
    ctx.reply(message, [*rows, *home_row(ctx)])


async def on_other_category(inc: Incoming, ctx: Context, data: OtherCategory) -> None:
    commune = await _commune(ctx)
    buttons = [Button(c.name(ctx.user.language), FileTyped(c.code))
               for c in categories_for(commune)]
    ctx.reply(ctx.t("feedback.ask_category"), [*in_rows(buttons, 2), *home_row(ctx)])


async def on_file_typed(inc: Incoming, ctx: Context, data: FileTyped) -> None:
    text = str(ctx.state.data.get("text") or "")
    if not text or category_of(await _commune(ctx), data.category) is None:
        ctx.say("errors.stale_button")
        return
    ctx.state.clear()
    await feedback.start(inc, ctx, description=text, category=data.category)


async def office_info(ctx: Context, topic: str) -> None:
    commune = await _commune(ctx)
    if commune is None:
        ctx.say("understand.office_no_commune", home_row(ctx))
        return
    lines = [ctx.t("understand.office_title", commune=commune.name)]
    asked = _profile(commune, topic)
    if not asked:
        lines.append(ctx.t("understand.office_missing", commune=commune.name,
                           what=ctx.t(f"understand.office_{topic}_what")))
    for name in (topic, *(other for other in OFFICE_FIELDS if other != topic)):
        value = _profile(commune, name)
        if value:
            lines.append(ctx.t(f"understand.office_{name}", value=value))
    ctx.reply("\n".join(lines), home_row(ctx))


def referral_card(ctx: Context, topic: str) -> None:
    referral = referrals().get(topic)
    if referral is None:
        ctx.say("menu.not_understood", home_row(ctx))
        return
    language = ctx.user.language
    lines = [ctx.t("understand.referral_title", topic=ctx.t(f"understand.topic_{topic}")),
             "", ctx.t("understand.referral_agency", agency=referral.text("agency", language)),
             ctx.t("understand.referral_online", online=referral.text("online", language))]
    note = referral.text("note", language)
    if note:
        lines.append(ctx.t("understand.referral_note", note=note))
    if referral.legal_basis:
        lines.append(ctx.t("understand.referral_basis", basis="; ".join(referral.legal_basis)))
    ctx.reply("\n".join(lines), home_row(ctx))


def _profile(commune: Commune, topic: str) -> str:
    field = OFFICE_FIELDS.get(topic)
    return str(getattr(commune, field) or "").strip() if field else ""


async def _commune(ctx: Context) -> Commune | None:
    commune_id = ctx.user.commune_id or ctx.user.official_commune_id
    return await ctx.communes.get(commune_id) if commune_id else None


def register(router: Router) -> None:
    router.button(FileTyped)(FLOW.at(Step.OFFER)(on_file_typed))
    router.button(OtherCategory)(FLOW.at(Step.OFFER)(on_other_category))
    router.flow(FLOW)(on_typed_at_offer)
    router.fallback(on_free_text)
