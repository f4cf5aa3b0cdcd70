"""The officials' side of feedback: inbox, a report in full, reply, status, assign, internal
notes and reply templates. Officials act only in their commune; refusals are audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from handlers.context import Context
from handlers.feedback import service
from handlers.flows import Flow, text_only
from handlers.format import cut, local_datetime
from handlers.router import Router
from handlers.types import Attachment, Incoming
from services.callbacks import Button, CallbackData, in_rows
from services.feedback.actions import OpenReport
from services.feedback.categories import categories_for, category_name, templates_for
from services.feedback.models import (
    ANSWERED,
    IN_PROGRESS,
    RECEIVED,
    REJECTED,
    RESOLVED,
    STATUSES,
    TRANSFERRED,
    FeedbackEvent,
    FeedbackReport,
)
from services.feedback.service import FeedbackError, InboxFilter, overdue
from services.models import Commune, User
from services.text import fold, partly_names, words
from services.users import is_admin, is_official

PER_PAGE = 8
STATUS_WORDS = {
    "tiepnhan": RECEIVED, "moi": RECEIVED, "dangxuly": IN_PROGRESS, "xuly": IN_PROGRESS,
    "datraloi": ANSWERED, "traloi": ANSWERED, "dagiaiquyet": RESOLVED, "giaiquyet": RESOLVED,
    "xong": RESOLVED, "tuchoi": REJECTED, "chuyen": TRANSFERRED, "dachuyen": TRANSFERRED,
}
VILLAGE_WORDS = frozenset({"thon", "xom", "ap", "ban", "lang", "to"})
"""What a village's name starts with ("Thôn Đông"): "Đông" alone names it too."""
TEMPLATE_REF = re.compile(r"^#(\d{1,2})$")
SHORT_NUMBER = re.compile(r"^#?(\d{1,6})$")
"""A report named by its number within the official's commune: `0001`, `#1`."""


@dataclass(frozen=True)
class InboxPage(CallbackData, prefix="fb.inbox"):
    """A page of the inbox under a filter (the fields of `InboxFilter`)."""

    page: int
    status: str
    category: str | None
    village_id: int | None
    overdue: bool

    @classmethod
    def of(cls, flt: InboxFilter, page: int = 0) -> InboxPage:
        return cls(page, flt.status, flt.category, flt.village_id, flt.overdue)

    def filter(self) -> InboxFilter:
        """Raises ValueError for a status no inbox shows."""
        return InboxFilter(self.status, self.category, self.village_id, self.overdue)


class FilterBy(StrEnum):
    CATEGORY = "cat"
    VILLAGE = "vil"


@dataclass(frozen=True)
class PickFilter(CallbackData, prefix="fb.filter"):
    """Choose a category or a village to filter the inbox by."""

    by: FilterBy


@dataclass(frozen=True)
class QuickStatus(CallbackData, prefix="fb.status"):
    report_id: int
    status: Literal["in_progress", "resolved"]


@dataclass(frozen=True)
class ShowTemplates(CallbackData, prefix="fb.tpl"):
    report_id: int


@dataclass(frozen=True)
class SendTemplate(CallbackData, prefix="fb.tplsend"):
    report_id: int
    number: int


def parse_status(word: str) -> str | None:
    word = word.strip().lower()
    if word in STATUSES:
        return word
    return STATUS_WORDS.get(re.sub(r"[^a-z]", "", fold(word)))


def split_status(text: str) -> tuple[str | None, str]:
    """The status a text starts with (up to three words: "đang xử lý", "da giai quyet") and
    the note after it."""
    words = text.split()
    for length in (3, 2, 1):
        status = parse_status(" ".join(words[:length])) if len(words) >= length else None
        if status is not None:
            return status, " ".join(words[length:])
    return None, text


def scope(user: User) -> int | None:
    """The commune an inbox shows: the official's own; all for a province admin without one."""
    return user.official_commune_id


async def load(ctx: Context, code: str, action: str) -> FeedbackReport | None:
    """The report by code, or by its number in the official's commune, if this official may
    act on it; otherwise answer, audit, None."""
    short = SHORT_NUMBER.match(code.strip())
    commune_id = ctx.user.official_commune_id
    if short and commune_id is not None:
        report = await service(ctx).by_number(commune_id, int(short.group(1)))
    else:
        report = await service(ctx).by_code(code) if code else None
    if report is None:
        ctx.say("feedback.admin.not_found", code=code.upper()[:40] or "—")
        return None
    if not service(ctx).may_act(ctx.user, report):
        await ctx.audit.record(ctx.user, action, commune_id=report.commune_id,
                               target=report.code, outcome="denied")
        ctx.say("feedback.admin.not_found", code=report.code)
        return None
    return report


async def refuse_button(ctx: Context, action: str) -> bool:
    """Buttons skip the router's role check: refuse (and audit) a non-official here."""
    if is_official(ctx.user):
        return False
    await ctx.audit.record(ctx.user, action, outcome="denied", args=(ctx.inc.callback or "")[:64])
    ctx.say("errors.not_allowed")
    return True


# --- inbox ----------------------------------------------------------------------------------

async def inbox(inc: Incoming, ctx: Context) -> None:
    commune = await ctx.communes.get(scope(ctx.user) or 0)
    try:
        flt = parse_inbox(inc.args, commune, ctx.user.language)
    except AmbiguousFilter as ambiguous:
        ctx.say("officials.inbox_ambiguous", typed=cut(inc.args.strip(), 60),
                names="; ".join(ambiguous.names))
        return
    except ValueError:
        ctx.say("officials.inbox_usage")
        return
    await show_inbox(ctx, flt, 0)


class AmbiguousFilter(ValueError):
    """Words of an inbox filter that name several categories or villages in part."""

    def __init__(self, typed: str, names: list[str]) -> None:
        super().__init__(typed)
        self.typed, self.names = typed, names


def parse_inbox(text: str, commune: Commune | None, language: str) -> InboxFilter:
    """A filter typed in Vietnamese, with or without marks ("quá hạn", "đang xử lý",
    "thôn Đông", "rác thải", "tất cả"), or in the short form `o,s=received,v=3`. A category
    or a village may be named in part, as typed choices are (`services.text.partly_names`:
    "rác" → "Rác thải, môi trường", "dong" → "Thôn Đông").

    Raises ValueError on a word that names nothing, `AmbiguousFilter` on words that name
    several categories or villages."""
    try:
        return InboxFilter.decode(text)
    except ValueError:
        pass
    phrases = filter_phrases(commune, language)
    named = filter_names(commune, language)
    tokens = words(text)
    values: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        found = _exact_phrase(phrases, tokens, i) or _partial_phrase(named, tokens, i)
        if found is None:
            raise ValueError(tokens[i])
        (key, value), length = found
        values[key] = value
        i += length
    return InboxFilter(**values)  # type: ignore[arg-type]


Found = tuple[tuple[str, object], int]
"""A filter's (field, value) and how many typed words named it."""


def _exact_phrase(phrases: dict[str, tuple[str, object]], tokens: list[str],
                  i: int) -> Found | None:
    for length in range(min(5, len(tokens) - i), 0, -1):
        found = phrases.get("".join(tokens[i:i + length]))
        if found is not None:
            return found, length
    return None


def _partial_phrase(named: list[tuple[str, tuple[str, object]]], tokens: list[str],
                    i: int) -> Found | None:
    """The longest run of words from `i` that names categories or villages in part: one
    names it, several are ambiguous."""
    for length in range(min(5, len(tokens) - i), 0, -1):
        typed = " ".join(tokens[i:i + length])
        matches = {target: label for label, target in named if partly_names(typed, label)}
        if len(matches) == 1:
            return next(iter(matches)), length
        if matches:
            raise AmbiguousFilter(typed, list(matches.values()))
    return None


def filter_phrases(commune: Commune | None, language: str) -> dict[str, tuple[str, object]]:
    """Each phrase (folded, spaces removed) an inbox filter can be named by."""
    phrases: dict[str, tuple[str, object]] = {
        word: ("status", status) for word, status in STATUS_WORDS.items()}
    phrases.update({"quahan": ("overdue", True), "tatca": ("status", "all"),
                    "dangmo": ("status", "open"), "moinhan": ("status", RECEIVED)})
    for category in categories_for(commune):
        phrases[category.code] = ("category", category.code)
        for part in category.name(language).split(","):
            phrases["".join(words(part))] = ("category", category.code)
    for village in commune.villages if commune else []:
        name = words(village.name)
        phrases["".join(name)] = ("village_id", village.id)
        if len(name) > 1 and name[0] in VILLAGE_WORDS:
            phrases.setdefault("".join(name[1:]), ("village_id", village.id))
    return phrases


def filter_names(commune: Commune | None, language: str) -> list[tuple[str, tuple[str, object]]]:
    """The categories and villages by the names an official reads, each with its filter."""
    names: list[tuple[str, tuple[str, object]]] = [
        (re.sub(r"^\W+", "", category.name(language)), ("category", category.code))
        for category in categories_for(commune)]  # the name without its emoji
    names += [(village.name, ("village_id", village.id))
              for village in (commune.villages if commune else [])]
    return names


async def on_inbox_button(inc: Incoming, ctx: Context, data: InboxPage) -> None:
    if await refuse_button(ctx, "feedback.inbox"):
        return
    try:
        flt = data.filter()
    except ValueError:
        flt = None
    if flt is None or data.page < 0:
        ctx.say("errors.stale_button")
        return
    await show_inbox(ctx, flt, data.page, edit=True)


async def show_inbox(ctx: Context, flt: InboxFilter, page: int, *, edit: bool = False) -> None:
    commune_id = scope(ctx.user)
    if commune_id is None and not is_admin(ctx.user):
        ctx.say("errors.not_allowed")
        return
    reports, total = await service(ctx).inbox(commune_id, flt, ctx.now, page=page,
                                              per_page=PER_PAGE)
    commune = await ctx.communes.get(commune_id) if commune_id else None
    villages = {v.id: v.name for c in ([commune] if commune else await ctx.communes.all())
                for v in c.villages}
    pages = max(1, -(-total // PER_PAGE))
    lines = [ctx.t("feedback.admin.inbox_title", count=total, page=page + 1, pages=pages,
                   filter=describe_filter(ctx, flt, commune))]
    rows: list[list[Button]] = []
    for report in reports:
        late = overdue(report, ctx.now)
        mark = "🔴" if report.urgent else ("⚠️" if late else "•")
        village = villages.get(report.village_id) if report.village_id else None
        lines.append(ctx.t(
            "feedback.admin.inbox_line", mark=mark, code=report.code,
            where=f" · {village}" if village else "",
            category=category_name(commune, report.category, ctx.user.language),
            status=ctx.t(f"feedback.status.{report.status}"),
            due=local_datetime(ctx, report.due_at),
            late=ctx.t("feedback.admin.overdue_mark") if late else ""))
        rows.append([Button(f"{mark} {report.code}", OpenReport(report.id))])
    if not reports:
        lines.append(ctx.t("feedback.admin.inbox_empty"))
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("common.previous"), InboxPage.of(flt, page - 1)))
    if (page + 1) * PER_PAGE < total:
        nav.append(Button(ctx.t("common.next"), InboxPage.of(flt, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([Button(ctx.t("feedback.admin.filter_open"), InboxPage.of(InboxFilter())),
                 Button(ctx.t("feedback.admin.filter_overdue"),
                        InboxPage.of(InboxFilter(overdue=True))),
                 Button(ctx.t("feedback.admin.filter_new"),
                        InboxPage.of(InboxFilter(RECEIVED)))])
    rows.append([Button(ctx.t("feedback.admin.filter_category"), PickFilter(FilterBy.CATEGORY)),
                 Button(ctx.t("feedback.admin.filter_village"), PickFilter(FilterBy.VILLAGE)),
                 Button(ctx.t("feedback.admin.filter_all"), InboxPage.of(InboxFilter("all")))])
    ctx.reply("\n".join(lines), rows, edit=edit)


async def on_filter_button(inc: Incoming, ctx: Context, data: PickFilter) -> None:
    """Choose a category or a village to filter the inbox by (the message is edited)."""
    if await refuse_button(ctx, "feedback.inbox"):
        return
    commune = await ctx.communes.get(scope(ctx.user) or 0)
    if data.by is FilterBy.CATEGORY:
        choices = [Button(c.name(ctx.user.language), InboxPage.of(InboxFilter(category=c.code)))
                   for c in categories_for(commune)]
    elif commune is not None:
        choices = [Button(v.name, InboxPage.of(InboxFilter(village_id=v.id)))
                   for v in commune.villages]
    else:
        ctx.say("errors.stale_button")
        return
    rows = in_rows(choices, 2)
    rows.append([Button(ctx.t("common.back"), InboxPage.of(InboxFilter()))])
    ctx.reply(ctx.t("feedback.admin.pick_filter"), rows, edit=True)


def describe_filter(ctx: Context, flt: InboxFilter, commune: Commune | None) -> str:
    parts = [ctx.t("feedback.admin.filter_overdue")] if flt.overdue else []
    if flt.status == "all":
        parts.append(ctx.t("feedback.admin.filter_all"))
    elif flt.status != "open":
        parts.append(ctx.t(f"feedback.status.{flt.status}"))
    if flt.category:
        parts.append(category_name(commune, flt.category, ctx.user.language))
    if flt.village_id is not None:
        village = commune.village_name(flt.village_id) if commune else None
        parts.append(village or f"#{flt.village_id}")
    return ", ".join(parts) or ctx.t("feedback.admin.filter_open")


# --- one report -----------------------------------------------------------------------------

async def show(inc: Incoming, ctx: Context) -> None:
    code = inc.args.strip().split()[0] if inc.args.strip() else ""
    if not code:
        ctx.say("feedback.admin.fb_usage")
        return
    report = await load(ctx, code, "feedback.view")
    if report is not None:
        await show_full(ctx, report)


async def show_full(ctx: Context, report: FeedbackReport) -> None:
    await service(ctx).acknowledge(report, ctx.user, ctx.now)
    await ctx.audit.record(ctx.user, "feedback.view", commune_id=report.commune_id,
                           target=report.code)
    commune = await ctx.communes.get(report.commune_id)
    reporter = await ctx.users.get(report.reporter_id) if report.reporter_id else None
    assignee = await ctx.users.get(report.assignee_id) if report.assignee_id else None
    village = commune.village_name(report.village_id) if commune else None
    place = ", ".join(p for p in (report.address, village) if p) or "—"
    if report.latitude is not None:
        place += (f"\n📍 https://maps.google.com/?q={report.latitude:.6f},"
                  f"{report.longitude:.6f}")
    who = "—"
    if reporter is not None:
        who = ctx.t("officials.reporter", name=reporter.display_name or "—",
                    channel=channel_name(ctx, reporter.channel))
    lines = [ctx.t(
        "feedback.admin.detail", code=report.code, urgent="🔴 " if report.urgent else "",
        status=ctx.t(f"feedback.status.{report.status}"),
        category=category_name(commune, report.category, ctx.user.language),
        place=place, reporter=who,
        anonymous=ctx.t("feedback.admin.anonymous_note") if report.anonymous else "",
        filed=local_datetime(ctx, report.created_at),
        ack_due=local_datetime(ctx, report.ack_due_at),
        due=local_datetime(ctx, report.due_at),
        late=ctx.t("feedback.admin.overdue_mark") if overdue(report, ctx.now) else "",
        assignee=person_name(ctx, assignee) if assignee else "—",
        description=report.description or ctx.t("feedback.voice_only"),
        photos=len(report.photos or []), voice=ctx.t("common.yes") if report.voice
        else ctx.t("common.no"))]
    if report.public_summary:
        lines.append(ctx.t("feedback.admin.public_summary", text=report.public_summary))
    if report.rating:
        lines.append(ctx.t("feedback.admin.rating", stars="⭐" * report.rating,
                           comment=report.rating_comment or ""))
    lines.append(ctx.t("feedback.history_title"))
    for event in await service(ctx).history(report, public_only=False):
        lines.append(await timeline_line(ctx, event))
    ctx.reply("\n".join(lines), [
        [Button(ctx.t("feedback.admin.to_in_progress"), QuickStatus(report.id, "in_progress")),
         Button(ctx.t("feedback.admin.to_resolved"), QuickStatus(report.id, "resolved"))],
        [Button(ctx.t("feedback.admin.templates"), ShowTemplates(report.id))],
    ])
    if report.channel != ctx.inc.channel:
        return  # file ids belong to the channel they came from
    for photo in report.photos or []:
        if photo.get("file_id") or photo.get("url"):
            ctx.reply(report.code, photo=Attachment(file_id=photo.get("file_id"),
                                                    url=photo.get("url"), filename="anh.jpg"))
    voice = report.voice or {}
    if voice.get("file_id") or voice.get("url"):
        ctx.reply(report.code, voice=Attachment(file_id=voice.get("file_id"),
                                                url=voice.get("url"), filename="ghi-am.ogg",
                                                duration=voice.get("duration")))


def person_name(ctx: Context, user: User) -> str:
    """A person by name, never by a channel's id."""
    return user.display_name or ctx.t("officials.audit.unnamed")


def actor_name(ctx: Context, user: User) -> str:
    """Who acted on a report: by name; an official without one is "Cán bộ xã"."""
    if not user.display_name and is_official(user):
        return ctx.t("officials.an_official")
    return person_name(ctx, user)


async def timeline_line(ctx: Context, event: FeedbackEvent) -> str:
    """One line of a report's history for an official: when, what, who, then its text; an
    internal one (not shown to the citizen) marked 🔒. People by name, answers in words."""
    what = ctx.t(f"feedback.event.{event.kind}")
    if event.status and event.kind in ("created", "status", "reopened"):
        what += f" → {ctx.t(f'feedback.status.{event.status}')}"
    who_acted = await ctx.users.get(event.actor_id) if event.actor_id else None
    if who_acted is not None:
        what += f" — {actor_name(ctx, who_acted)}"
    text = event.text or ""
    if event.kind == "assign":
        channel, _, external_id = text.partition(":")
        assignee = await ctx.users.find(channel, external_id) if external_id else None
        text = actor_name(ctx, assignee) if assignee is not None else ""
    elif event.kind == "checkin":
        text = ctx.t("officials.checkin_yes" if text == "yes" else "officials.checkin_no")
    elif event.kind == "rating" and text.isdigit():
        text = "⭐" * int(text)
    lock = "🔒 " if not event.public else ""
    return f"• {local_datetime(ctx, event.at)} {lock}{what}" + (f": {text}" if text else "")


def channel_name(ctx: Context, channel: str) -> str:
    key = f"officials.channel.{channel}"
    return ctx.t(key) if ctx.t.has(key) else channel


async def report_for_button(ctx: Context, report_id: int, action: str) -> FeedbackReport | None:
    """The report a button names, if this official may act on it (refusals answered)."""
    if await refuse_button(ctx, "feedback.button"):
        return None
    report = await service(ctx).get(report_id)
    if report is None:
        ctx.say("errors.stale_button")
        return None
    return await load(ctx, report.code, action)


async def on_open(inc: Incoming, ctx: Context, data: OpenReport) -> None:
    report = await report_for_button(ctx, data.report_id, "feedback.view")
    if report is not None:
        await show_full(ctx, report)


async def on_templates(inc: Incoming, ctx: Context, data: ShowTemplates) -> None:
    report = await report_for_button(ctx, data.report_id, "feedback.tpl")
    if report is not None:
        show_templates(ctx, report, await ctx.communes.get(report.commune_id))


async def on_send_template(inc: Incoming, ctx: Context, data: SendTemplate) -> None:
    report = await report_for_button(ctx, data.report_id, "feedback.tplsend")
    if report is not None:
        await send_template(ctx, report, data.number)


async def on_quick_status(inc: Incoming, ctx: Context, data: QuickStatus) -> None:
    report = await report_for_button(ctx, data.report_id, "feedback.st")
    if report is not None:
        await change_status(ctx, report, data.status, None)


# --- actions --------------------------------------------------------------------------------

def split_code(args: str) -> tuple[str, str]:
    code, _, rest = args.strip().partition(" ")
    return code.strip(), rest.strip()


class TextStep(StrEnum):
    TEXT = "text"
    """The reply or the note, typed after `/reply CODE` or `/note CODE` given alone."""


class Written(StrEnum):
    REPLY = "reply"
    NOTE = "note"


async def ask_text(ctx: Context) -> None:
    written = Written(ctx.state.data.get("written") or Written.REPLY)
    ctx.say(f"feedback.admin.ask_{written}", code=str(ctx.state.data.get("code") or ""))


def start_text(ctx: Context, report: FeedbackReport, written: Written) -> None:
    """`/reply CODE` or `/note CODE` without the text: the next message is the text."""
    ctx.state.start(TEXT_FLOW, TextStep.TEXT, report_id=report.id, code=report.code,
                    written=str(written))


async def on_text(inc: Incoming, ctx: Context) -> None:
    written = Written(ctx.state.data.get("written") or Written.REPLY)
    action = f"feedback.{written}"
    report = await report_for_button(ctx, int(ctx.state.data.get("report_id") or 0), action)
    ctx.state.clear()
    if report is None:
        return
    text = (inc.text or "").strip()
    await (write_note if written is Written.NOTE else answer_with)(ctx, report, text)


TEXT_FLOW = Flow("feedback_text", TextStep, transitions={TextStep.TEXT: set()},
                 on_input={TextStep.TEXT: text_only(on_text, "feedback.admin.text_only")},
                 back={TextStep.TEXT: ask_text})
"""One step: the text of a reply or of an internal note; «hủy» drops it."""


async def reply(inc: Incoming, ctx: Context) -> None:
    await _written_command(inc, ctx, Written.REPLY)


async def _written_command(inc: Incoming, ctx: Context, written: Written) -> None:
    """`/reply CODE TEXT` or `/note CODE TEXT`; without the text, the next message is it."""
    code, text = split_code(inc.args)
    if not code:
        ctx.say(f"feedback.admin.{written}_usage")
        return
    report = await load(ctx, code, f"feedback.{written}")
    if report is None:
        return
    if not text:
        start_text(ctx, report, written)
        await ask_text(ctx)
    elif written is Written.NOTE:
        await write_note(ctx, report, text)
    else:
        await answer_with(ctx, report, text)


async def answer_with(ctx: Context, report: FeedbackReport, text: str) -> None:
    """A typed answer, or `#N` for the category's template number N."""
    ref = TEMPLATE_REF.match(text)
    if ref:
        await send_template(ctx, report, int(ref.group(1)))
        return
    await send_answer(ctx, report, text)


async def send_template(ctx: Context, report: FeedbackReport, number: int) -> None:
    commune = await ctx.communes.get(report.commune_id)
    options = templates_for(commune, report.category, ctx.user.language)
    if not 1 <= number <= len(options):
        ctx.say("feedback.admin.no_template", count=len(options))
        return
    await send_answer(ctx, report, options[number - 1])


async def send_answer(ctx: Context, report: FeedbackReport, text: str) -> None:
    try:
        await service(ctx).answer(report, ctx.user, text, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "feedback.reply", commune_id=report.commune_id,
                           target=report.code)
    ctx.say("feedback.admin.replied", code=report.code)


async def status(inc: Incoming, ctx: Context) -> None:
    code, rest = split_code(inc.args)
    if not code or not rest:
        ctx.say("officials.status_usage")
        return
    report = await load(ctx, code, "feedback.status")
    if report is None:
        return
    new, note = split_status(rest)
    if new is None:
        ctx.say("officials.status_usage")
        return
    await change_status(ctx, report, new, note)


async def change_status(ctx: Context, report: FeedbackReport, new: str,
                        note: str | None) -> None:
    try:
        if new == ANSWERED and note:
            await service(ctx).answer(report, ctx.user, note, ctx.now)
        else:
            await service(ctx).set_status(report, ctx.user, new, note, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "feedback.status", commune_id=report.commune_id,
                           target=report.code, status=new)
    ctx.say("feedback.admin.status_set", code=report.code,
            status=ctx.t(f"feedback.status.{new}"))


async def assign(inc: Incoming, ctx: Context) -> None:
    code, ref = split_code(inc.args)
    if not code or not ref:
        ctx.say("feedback.admin.assign_usage")
        return
    report = await load(ctx, code, "feedback.assign")
    if report is None:
        return
    assignee = await find_assignee(ctx, report, ref)
    if assignee is None:
        ctx.say("feedback.admin.assignee_not_official")
        return
    try:
        await service(ctx).assign(report, ctx.user, assignee, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "feedback.assign", commune_id=report.commune_id,
                           target=report.code, assignee=ref)
    ctx.say("feedback.admin.assigned", code=report.code,
            name=person_name(ctx, assignee))


async def find_assignee(ctx: Context, report: FeedbackReport, ref: str) -> User | None:
    """`me`, a user reference (`telegram:123`, or an id on this channel), or part of the name
    of one official of the report's commune."""
    if fold(ref) in ("me", "toi"):
        return ctx.user
    channel, _, external_id = ref.rpartition(":")
    found = await ctx.users.find(channel or ctx.user.channel, external_id)
    if found is not None:
        return found
    wanted = fold(ref)
    named = [u for u in await ctx.users.officials_of(report.commune_id)
             if u.display_name and wanted in fold(u.display_name)]
    return named[0] if len(named) == 1 else None


async def note(inc: Incoming, ctx: Context) -> None:
    await _written_command(inc, ctx, Written.NOTE)


async def write_note(ctx: Context, report: FeedbackReport, text: str) -> None:
    await service(ctx).note(report, ctx.user, text, ctx.now)
    await ctx.audit.record(ctx.user, "feedback.note", commune_id=report.commune_id,
                           target=report.code)
    ctx.say("feedback.admin.noted", code=report.code)


async def public(inc: Incoming, ctx: Context) -> None:
    code, text = split_code(inc.args)
    if not code or not text:
        ctx.say("feedback.admin.public_usage")
        return
    report = await load(ctx, code, "feedback.public")
    if report is None:
        return
    try:
        await service(ctx).set_public_summary(report, ctx.user, text, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "feedback.public", commune_id=report.commune_id,
                           target=report.code)
    ctx.say("feedback.admin.public_set" if report.public_summary
            else "feedback.admin.public_cleared", code=report.code)


async def templates(inc: Incoming, ctx: Context) -> None:
    code, _ = split_code(inc.args)
    if not code:
        ctx.say("feedback.admin.templates_usage")
        return
    report = await load(ctx, code, "feedback.templates")
    if report is not None:
        show_templates(ctx, report, await ctx.communes.get(report.commune_id))


def show_templates(ctx: Context, report: FeedbackReport, commune: Commune | None) -> None:
    options = templates_for(commune, report.category, ctx.user.language)
    lines = [ctx.t("feedback.admin.templates_title", code=report.code)]
    lines += [f"#{n}. {text}" for n, text in enumerate(options, start=1)]
    buttons = [Button(ctx.t("feedback.admin.send_template", number=n),
                      SendTemplate(report.id, n)) for n in range(1, len(options) + 1)]
    ctx.reply("\n".join(lines), in_rows(buttons, 3))


def register(router: Router) -> None:
    router.command("inbox", role="official", help_key="feedback.admin.help_inbox")(inbox)
    router.command("fb", role="official", help_key="feedback.admin.help_fb")(show)
    router.command("reply", role="official", help_key="feedback.admin.help_reply")(reply)
    router.command("status", role="official", help_key="feedback.admin.help_status")(status)
    router.command("assign", role="official", help_key="feedback.admin.help_assign")(assign)
    router.command("note", role="official", help_key="feedback.admin.help_note")(note)
    router.command("public", role="official", help_key="feedback.admin.help_public")(public)
    router.command("templates", role="official",
                   help_key="feedback.admin.help_templates")(templates)
    router.button(InboxPage, role="official")(on_inbox_button)
    router.button(PickFilter, role="official")(on_filter_button)
    router.button(OpenReport, role="official")(on_open)
    router.button(ShowTemplates, role="official")(on_templates)
    router.button(SendTemplate, role="official")(on_send_template)
    router.button(QuickStatus, role="official")(on_quick_status)
    router.flow(TEXT_FLOW, role="official")(on_text)
