"""Questions about administrative procedures: free text → the procedure's answer card.

Any text outside a running flow is taken as a question and matched against the catalogue
(diacritic-insensitive, with everyday aliases). A sure match gets the card; a close call gets
"did you mean…" buttons; no match gets a polite offer to send the question to the commune.
QR posters (`/qr CODE`, the card's QR button) link back to a card through `/start p_<code>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.context import Context
from handlers.format import cut, money, quantity
from handlers.home import MenuEntry, OpenMenu, home_row
from handlers.router import Router
from handlers.types import Attachment, Incoming
from locales import Translator
from services import qr
from services.callbacks import Button, CallbackData, Keyboard
from services.filing.actions import StartFiling
from services.legacy_text import foreign_count, repair
from services.models import Commune
from services.procedures.procedure import Document, Fee, Procedure
from services.procedures.search import Match, is_confident
from services.procedures.store import Desk, Procedures
from services.text import decimal, words
from services.users import is_official

EXAMPLES = 3
MAX_DOCUMENTS = 15
MAX_DOCUMENT_CHARS = 300
MAX_NOTE_CHARS = 400
MAX_BUTTON_CHARS = 60
MIN_QUESTION_CHARS = 2
COMMUNE_POLICE = "Công an cấp xã"
COMMITTEE_NAMES = ("UBND cấp xã", "Chủ tịch UBND cấp xã")

@dataclass(frozen=True)
class ShowCard(CallbackData, prefix="pr.card"):
    code: str


@dataclass(frozen=True)
class SendPoster(CallbackData, prefix="pr.qr"):
    code: str


@dataclass(frozen=True)
class AskExample(CallbackData, prefix="pr.example"):
    number: int


# --- entry points -------------------------------------------------------------------------

async def on_menu(inc: Incoming, ctx: Context) -> None:
    """How to ask, with example questions as buttons."""
    ctx.reply(ctx.t("procedures.intro"), [*_example_rows(ctx), *home_row(ctx)])


async def on_card(inc: Incoming, ctx: Context, data: ShowCard) -> None:
    await show_card(ctx, data.code)


async def on_poster(inc: Incoming, ctx: Context, data: SendPoster) -> None:
    await send_poster(ctx, data.code, as_document=False)


async def on_example(inc: Incoming, ctx: Context, data: AskExample) -> None:
    if not 1 <= data.number <= EXAMPLES:
        ctx.say("errors.stale_button")
        return
    await answer(ctx, ctx.t(f"procedures.example_{data.number}"))


async def on_deep_link(inc: Incoming, ctx: Context) -> None:
    """`/start p_1_001193` (from a QR poster) opens the card of procedure 1.001193."""
    code = qr.code_from_payload(inc.args)
    if code is None:
        ctx.say("procedures.bad_link", home_row(ctx))
        return
    await show_card(ctx, code)


async def on_qr(inc: Incoming, ctx: Context) -> None:
    """`/qr CODE` (officials): the procedure's printable poster."""
    # Codes are stored in capitals; an official types "ts-xemay" as readily as "TS-XEMAY".
    code = inc.args.strip().split()[0].upper() if inc.args.strip() else ""
    if not code:
        ctx.say("procedures.qr_usage")
        return
    await ctx.audit.record(ctx.user, "/qr", commune_id=ctx.user.official_commune_id,
                           target=code[:40])
    await send_poster(ctx, code, as_document=True)


# --- answering ----------------------------------------------------------------------------

async def answer(ctx: Context, text: str) -> None:
    """A procedure question (an example button): the card, "did you mean…", or not found."""
    question = read_question(ctx, text)
    if question is not None:
        await answer_matches(ctx, await Procedures(ctx.session).search(question))


def read_question(ctx: Context, text: str) -> str | None:
    """The text as a question (legacy 8-bit encodings repaired); None, having answered, when
    there is nothing to read in it."""
    question = text.strip()
    if foreign_count(question):
        repaired = repair(question)
        if repaired is None:
            ctx.say("procedures.legacy_unreadable")
            return None
        ctx.say("procedures.legacy_read", text=cut(repaired, 200))
        question = repaired
    if not question:
        ctx.say("procedures.empty", _example_rows(ctx))
        return None
    tokens = words(question)
    if not tokens:
        ctx.say("procedures.no_words", _example_rows(ctx))
        return None
    if len("".join(tokens)) < MIN_QUESTION_CHARS:
        ctx.say("procedures.too_short", _example_rows(ctx))
        return None
    return question


async def answer_matches(ctx: Context, matches: Sequence[Match]) -> None:
    if not matches:
        ctx.reply(ctx.t("procedures.not_found"), [
            [Button(ctx.t("procedures.send_to_commune"), OpenMenu(MenuEntry.FEEDBACK))],
            *home_row(ctx),
        ])
        return
    if is_confident(matches):
        await show_card(ctx, matches[0].code)
        return
    await did_you_mean(ctx, matches)


async def did_you_mean(ctx: Context, matches: Sequence[Match],
                       none_of_these: CallbackData | None = None,
                       none_label: str = "procedures.none_of_these") -> None:
    """Close candidates as buttons; the last one (by default the feedback menu) for none."""
    rows = [[Button(cut(m.name, MAX_BUTTON_CHARS), ShowCard(m.code))] for m in matches]
    rows.append([Button(ctx.t(none_label), none_of_these or OpenMenu(MenuEntry.FEEDBACK))])
    ctx.reply(ctx.t("procedures.did_you_mean"), rows)


async def show_card(ctx: Context, code: str) -> None:
    procedure = await Procedures(ctx.session).get(code)
    if procedure is None:
        ctx.say("procedures.unknown_procedure", home_row(ctx))
        return
    commune = await _commune(ctx)
    rows: Keyboard = []
    if procedure.fully_online or "online" in procedure.channels:
        rows.append([Button(ctx.t("procedures.button_file_online"),
                            StartFiling(procedure.code))])
    if can_print_poster(ctx):
        rows.append([Button(ctx.t("procedures.button_qr"), SendPoster(procedure.code))])
    rows += home_row(ctx)
    ctx.reply(card(ctx.t, procedure, commune), rows)


async def send_poster(ctx: Context, code: str, *, as_document: bool) -> None:
    procedure = await Procedures(ctx.session).get(code)
    if procedure is None:
        ctx.say("procedures.unknown_code", code=cut(code, 40))
        return
    if not can_print_poster(ctx):
        ctx.say("officials.qr.no_username" if is_official(ctx.user)
                else "procedures.qr_unavailable")
        return
    commune = await _commune(ctx)
    bot, zalo = ctx.config.bot_username, ctx.config.zalo_link
    data = poster_png(procedure, commune, bot, zalo)
    attachment = Attachment(data=data, filename=f"qr_{procedure.code}.png", mime="image/png")
    channels = "both" if bot and zalo else "zalo" if zalo else "telegram"
    caption = ctx.t("officials.qr.caption", name=procedure.name,
                    channels=ctx.t(f"officials.qr.{channels}"))
    if as_document:
        ctx.reply(caption, document=attachment)
    else:
        ctx.reply(caption, photo=attachment)


def can_print_poster(ctx: Context) -> bool:
    """Whether a poster has a code to carry: Telegram's needs the bot's username (asked of
    Telegram at start, or `QR_BOT_USERNAME`), Zalo's the commune's link (`QR_ZALO_LINK`). A
    link to a placeholder username would send people to somebody else's account."""
    return bool(ctx.config.bot_username or ctx.config.zalo_link)


def poster_png(procedure: Procedure, commune: Commune | None, bot_username: str | None,
               zalo_link: str | None = None) -> bytes:
    return qr.poster_png(poster_for(procedure, commune, bot_username, zalo_link))


def poster_for(procedure: Procedure, commune: Commune | None, bot_username: str | None,
               zalo_link: str | None = None) -> qr.Poster:
    """A poster's content; always in Vietnamese (it hangs at the commune office). A code for
    Telegram (opening the procedure's card) when the bot's username is known and, when the
    commune has one, for Zalo (opening the chat, where the procedure's name or code is
    typed); at least one of them."""
    vi = Translator("vi")
    codes = [qr.Code("Telegram", qr.deep_link(bot_username, procedure.code))] \
        if bot_username else []
    if zalo_link:
        codes.append(qr.Code("Zalo", zalo_link))
    if not codes:
        raise ValueError("a poster needs the bot's username or a Zalo link")
    instruction = "officials.qr.instruction_both" if bot_username and zalo_link \
        else "officials.qr.instruction_zalo" if zalo_link else "procedures.poster_instruction"
    return qr.Poster(
        codes=tuple(codes),
        title=procedure.name,
        commune=commune.name if commune else vi("procedures.poster_commune_generic"),
        instruction=vi(instruction, code=procedure.code),
        footer=vi("procedures.poster_footer_local" if procedure.is_local
                  else "procedures.poster_footer", code=procedure.code),
    )


async def _commune(ctx: Context) -> Commune | None:
    commune_id = ctx.user.official_commune_id or ctx.user.commune_id
    return await ctx.communes.get(commune_id) if commune_id else None


# --- the card -----------------------------------------------------------------------------

def card(t: Translator, procedure: Procedure, commune: Commune | None) -> str:
    """The answer card: what, where, which papers, how much, how long, whether online."""
    meta = "procedures.card_meta_local" if procedure.is_local else "procedures.card_meta"
    parts = [
        t("procedures.card_title", name=procedure.name),
        t(meta, field=procedure.field or "—", code=procedure.code),
        "",
        where(t, procedure, commune),
        "",
        documents(t, procedure.documents),
        "",
        fees(t, procedure.fees),
        "",
        t("procedures.time", time=processing_time(t, procedure.processing_days)),
        online(t, procedure),
    ]
    if procedure.steps:
        parts.append(t("procedures.steps", steps=cut(procedure.steps, MAX_NOTE_CHARS)))
    if procedure.result:
        parts.append(t("procedures.result", result=cut(procedure.result, MAX_NOTE_CHARS)))
    return "\n".join(parts)


def where(t: Translator, procedure: Procedure, commune: Commune | None) -> str:
    """The place of filing, from the procedure's agency: the commune police, named, when the
    record says "Công an cấp xã" and nothing more (residence); the commune's one-stop desk when
    it is the People's Committee; else the agency as the record words it (an agency with a
    condition, such as the identity card's "where the province has assigned it")."""
    if procedure.agency == COMMUNE_POLICE:
        place = t("understand.where_police_commune", commune=commune.name) if commune \
            else t("understand.where_police")
        return t("procedures.where", place=place)
    if not _committee(procedure.agency):
        return t("procedures.where", place=cut(procedure.agency, MAX_NOTE_CHARS))
    desk = Desk.of(commune)
    place = t("procedures.where_commune", commune=commune.name) if commune \
        else t("procedures.where_generic")
    lines = [t("procedures.where", place=place)]
    address = desk.address or (commune.office_address if commune else None)
    if address:
        lines.append(t("procedures.where_address", address=address))
    if commune and commune.desk_location:
        lines.append(t("understand.where_desk", desk=commune.desk_location))
    hours = desk.hours or (commune.office_hours if commune else None)
    if hours:
        lines.append(t("procedures.where_hours", hours=hours))
    contact = desk.contact or (commune.office_phone if commune else None)
    if contact:
        lines.append(t("procedures.where_contact", contact=contact))
    return "\n".join(lines)


def _committee(agency: str) -> bool:
    """Whether the agency is the commune People's Committee (or its chairman, or one of its
    bodies with the committee in brackets): then files go to its one-stop desk."""
    return agency.startswith(COMMITTEE_NAMES) or agency.endswith("(UBND cấp xã)")


def documents(t: Translator, papers: tuple[Document, ...]) -> str:
    if not papers:
        return t("procedures.documents_none")
    required = [d for d in papers if d.required]
    optional = [d for d in papers if not d.required]
    lines = [t("procedures.documents_title")]
    shown = 0
    for group, title in ((required, None), (optional, "procedures.documents_optional")):
        if not group:
            continue
        if title and shown < MAX_DOCUMENTS:
            lines.append(t(title))
        for paper in group:
            if shown == MAX_DOCUMENTS:
                break
            lines.append(f"☐ {cut(paper.name, MAX_DOCUMENT_CHARS)}"
                         f"{quantity(t, paper, 'procedures')}")
            shown += 1
    if shown < len(papers):
        lines.append(t("procedures.documents_more", count=len(papers) - shown))
    return "\n".join(lines)


def fees(t: Translator, items: tuple[Fee, ...]) -> str:
    if not items:
        return t("procedures.fees_unknown")
    groups: dict[tuple[int | None, str], list[str]] = {}
    for fee in items:
        groups.setdefault((fee.amount_vnd, fee.note), []).append(fee.channel)
    lines = [t("procedures.fees_title")]
    every = {fee.channel for fee in items}
    for (amount, note), channels in groups.items():
        label = t("procedures.channel_all") if len(groups) == 1 and len(every) > 1 \
            else ", ".join(t(f"procedures.channel_{c}") for c in channels)
        lines.append(f"• {label}: {_fee_text(t, amount, note)}")
    desk = [f.amount_vnd for f in items if f.channel == "desk" and f.amount_vnd is not None]
    web = [f.amount_vnd for f in items if f.channel == "online" and f.amount_vnd is not None]
    if desk and web and max(web) < min(desk):
        lines.append(t("procedures.online_cheaper", online=_amount(t, max(web)),
                       desk=_amount(t, min(desk))))
    return "\n".join(lines)


def _amount(t: Translator, amount: int) -> str:
    return t("procedures.fee_free") if amount == 0 else money(amount, t.language)


def _fee_text(t: Translator, amount: int | None, note: str) -> str:
    note = cut(note.strip(), MAX_NOTE_CHARS)
    if amount is None:
        return note or t("procedures.fee_by_rule")
    if amount == 0:
        folded = " ".join(words(note))
        if not note or folded.startswith(("khong thu", "mien phi")):
            return t("procedures.fee_free")
        return f"{t('procedures.fee_free')} — {note}"
    shown = money(amount, t.language)
    if note and money(amount).split()[0] in note and t.language == "vi":
        return note  # the note (from the national database, in Vietnamese) gives the amount
    return f"{shown} ({note})" if note else shown


def processing_time(t: Translator, days: float | None) -> str:
    if days is None:
        return t("procedures.time_by_rule")
    if days == 0:
        return t("procedures.time_same_day")
    if days < 1:
        return t("procedures.time_hours", hours=max(1, round(days * 8)))
    return t("procedures.time_days", days=decimal(days, t.language))


def online(t: Translator, procedure: Procedure) -> str:
    if procedure.fully_online:
        return t("procedures.online_full")
    if "online" in procedure.channels:
        return t("procedures.online_partial")
    return t("procedures.online_no")


# --- helpers ------------------------------------------------------------------------------

def _example_rows(ctx: Context) -> Keyboard:
    return [[Button(ctx.t(f"procedures.example_{n}"), AskExample(n))]
            for n in range(1, EXAMPLES + 1)]


def register(router: Router) -> None:
    router.menu_action("procedures")(on_menu)
    router.button(ShowCard)(on_card)
    router.button(SendPoster)(on_poster)
    router.button(AskExample)(on_example)
    router.deep_link(qr.PAYLOAD_PREFIX)(on_deep_link)
    router.command("qr", role="official", help_key="procedures.help_qr")(on_qr)
