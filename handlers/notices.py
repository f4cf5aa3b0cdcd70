"""Notices for the village groups: /announce walks an official through text, voice or a
document (read, cleaned, previewed as text and voice before anything else), targets,
priority, text/voice, when, preview and confirmation; /notices, /notice ID, /cancel_notice ID
and /edit_notice ID follow them up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from handlers.context import Context
from handlers.flows import Flow, text_only
from handlers.format import date_example
from handlers.home import show_menu
from handlers.router import Router
from handlers.types import Incoming
from services.callbacks import Button, CallbackData, Keyboard
from services.documents.actions import (
    CutDocument,
    DiscardDocument,
    FirstPart,
    RetypeDocument,
    ToggleAttach,
    UseDocument,
)
from services.documents.drafts import NoticeDocuments, paragraphs
from services.documents.extract import MAX_BYTES, ocr_available
from services.documents.models import FAILED, READING, READY, NoticeDocument
from services.models import Commune
from services.notices import render
from services.notices.actions import ConfirmNotice, DiscardNotice
from services.notices.models import PREPARING, PREVIEW, SCHEDULED, Notice
from services.notices.schedule import (
    MONTH_DAYS,
    ScheduleError,
    at_time,
    daily_cron,
    monthly_cron,
    parse_local_datetime,
    parse_time,
    weekly_cron,
)
from services.notices.service import Notices, reason, shown_status
from services.text import fold, whole_number, words
from services.users import can_act_in


class Step(StrEnum):
    TEXT = "text"
    DOCUMENT = "document"
    """A document being read, then its preview: use it, edit it, attach it or not."""
    DOC_TEXT = "doc_text"
    """The corrected text of a document typed."""
    DOC_CUT = "doc_cut"
    """How many paragraphs of a document to keep, typed."""
    TARGETS = "targets"
    PRIORITY = "priority"
    MODE = "mode"
    WHEN = "when"
    AT = "at"
    """A one-off notice: the date and time typed."""
    REPEAT = "repeat"
    DAYS = "days"
    MONTH_DAY = "month_day"
    """A monthly notice: its day of the month typed."""
    TIME = "time"
    """A daily, weekly or monthly notice: the time of day typed."""


USE_BUTTONS = "notices.use_buttons"
KEPT_CHARS = 160
"""How much of the text entered is shown back when the official returns to the first step."""

# Whatever step, the draft ends by being created (`_create` clears the flow) or cancelled.
# The way back ("quay lại") runs along the same table: each step may return to the one
# before it, which `back` asks again with what the draft already holds.
FLOW = Flow("notice", Step, transitions={
    Step.TEXT: {Step.TARGETS, Step.DOCUMENT},
    Step.DOCUMENT: {Step.DOCUMENT, Step.TARGETS, Step.DOC_TEXT, Step.DOC_CUT, Step.TEXT},
    Step.DOC_TEXT: {Step.DOCUMENT}, Step.DOC_CUT: {Step.DOCUMENT},
    Step.TARGETS: {Step.PRIORITY, Step.TEXT, Step.DOCUMENT},
    Step.PRIORITY: {Step.MODE, Step.WHEN, Step.TARGETS},      # a recording needs no mode
    Step.MODE: {Step.WHEN, Step.PRIORITY},
    Step.WHEN: {Step.AT, Step.REPEAT, Step.MODE, Step.PRIORITY},
    Step.REPEAT: {Step.AT, Step.TIME, Step.DAYS, Step.MONTH_DAY, Step.WHEN},
    Step.DAYS: {Step.TIME, Step.REPEAT}, Step.MONTH_DAY: {Step.TIME, Step.REPEAT},
    Step.AT: {Step.WHEN, Step.REPEAT}, Step.TIME: {Step.REPEAT, Step.DAYS, Step.MONTH_DAY},
}, on_input={  # the handlers follow below
    Step.TEXT: lambda inc, ctx: _take_content(inc, ctx),
    Step.DOCUMENT: lambda inc, ctx: _at_document(inc, ctx),
    Step.DOC_TEXT: text_only(lambda inc, ctx: _take_document_text(inc, ctx), USE_BUTTONS),
    Step.DOC_CUT: text_only(lambda inc, ctx: _take_paragraph_count(inc, ctx), USE_BUTTONS),
    Step.TARGETS: text_only(lambda inc, ctx: _type_targets(inc, ctx), USE_BUTTONS),
    Step.AT: text_only(lambda inc, ctx: _take_datetime(inc, ctx), USE_BUTTONS),
    Step.TIME: text_only(lambda inc, ctx: _take_time(inc, ctx), USE_BUTTONS),
    Step.MONTH_DAY: text_only(lambda inc, ctx: _take_month_day(inc, ctx), USE_BUTTONS),
}, back={
    Step.TEXT: lambda ctx: _ask_content(ctx),
    Step.DOCUMENT: lambda ctx: _ask_document(ctx),
    Step.DOC_TEXT: lambda ctx: ctx.say("documents.ask_text"),
    Step.DOC_CUT: lambda ctx: _ask_count(ctx),
    Step.TARGETS: lambda ctx: _ask_targets(ctx),
    Step.PRIORITY: lambda ctx: _show_priority(ctx),
    Step.MODE: lambda ctx: _show_mode(ctx),
    Step.WHEN: lambda ctx: _show_when(ctx),
    Step.AT: lambda ctx: ctx.say("notices.ask_datetime", example=date_example(ctx)),
    Step.REPEAT: lambda ctx: _show_repeat(ctx),
    Step.DAYS: lambda ctx: _ask_days(ctx),
    Step.TIME: lambda ctx: ctx.say("notices.ask_time"),
    Step.MONTH_DAY: lambda ctx: ctx.say("notices.ask_month_day"),
}, cancel=lambda ctx: _cancel(ctx))


class EditStep(StrEnum):
    TEXT = "text"
    TIME = "time"


EDIT_FLOW = Flow("notice_edit", EditStep, transitions={EditStep.TEXT: set(),
                                                       EditStep.TIME: set()}, back={
    EditStep.TEXT: lambda ctx: ctx.say("notices.ask_new_text"),
    EditStep.TIME: lambda ctx: _ask_new_time(ctx),
})

Priority = Literal["normal", "priority", "emergency"]
"""The models' PRIORITIES, in order (a test keeps them the same)."""
Mode = Literal["text", "voice", "both"]
"""The models' MODES, in order."""


class Targets(StrEnum):
    WHOLE = "all"
    VILLAGE = "village"
    DONE = "done"


class When(StrEnum):
    NOW = "now"
    ONCE = "once"
    REPEAT = "repeat"


class Repeat(StrEnum):
    """How a notice repeats, in the official's words; the cron expression it becomes is
    stored, never shown or asked for."""

    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class CancelDraft(CallbackData, prefix="nt.cancel"):
    pass


@dataclass(frozen=True)
class KeepContent(CallbackData, prefix="nt.keep"):
    """Back at the first step, the text or recording entered before is kept."""


@dataclass(frozen=True)
class PickTargets(CallbackData, prefix="nt.target"):
    """The whole commune, a village toggled, or done choosing."""

    choice: Targets
    village_id: int | None = None


@dataclass(frozen=True)
class PickPriority(CallbackData, prefix="nt.priority"):
    priority: Priority


@dataclass(frozen=True)
class PickMode(CallbackData, prefix="nt.mode"):
    mode: Mode


@dataclass(frozen=True)
class PickWhen(CallbackData, prefix="nt.when"):
    when: When


@dataclass(frozen=True)
class PickRepeat(CallbackData, prefix="nt.repeat"):
    repeat: Repeat


@dataclass(frozen=True)
class ToggleDay(CallbackData, prefix="nt.day"):
    """A weekday (0 Monday … 6 Sunday) of a weekly notice."""

    day: int


@dataclass(frozen=True)
class DaysDone(CallbackData, prefix="nt.days_ok"):
    pass


@dataclass(frozen=True)
class EditNotice(CallbackData, prefix="nt.edit"):
    notice_id: int
    what: EditStep


def _notices(ctx: Context) -> Notices:
    return Notices(ctx.session)


async def _commune(ctx: Context) -> Commune | None:
    commune_id = ctx.user.official_commune_id
    return await ctx.communes.get(commune_id) if commune_id is not None else None


def _cancel_row(ctx: Context) -> list[Button]:
    return [Button(ctx.t("common.cancel"), CancelDraft())]


def _at(ctx: Context, step: Step) -> bool:
    """Whether the draft is at `step`; the stale-button answer otherwise."""
    if ctx.state.flow == FLOW.name and ctx.state.step == step:
        return True
    ctx.say("errors.stale_button")
    return False


# --- /announce ------------------------------------------------------------------------------

async def announce(inc: Incoming, ctx: Context) -> None:
    commune = await _commune(ctx)
    if commune is None:
        ctx.say("notices.no_commune")
        return
    kept: dict[str, Any] = {}
    if ctx.state.flow == FLOW.name:  # /announce again mid-draft: what was given is offered
        kept = {key: ctx.state.data.get(key) for key in DRAFT_CONTENT}  # back, not dropped
    ctx.state.start(FLOW, Step.TEXT, commune_id=commune.id, villages=[], **kept)
    await _ask_content(ctx)


DRAFT_CONTENT = ("text", "recording", "document_id", "document_name", "document_sha256")
"""What the first question gave: kept by /announce typed again before the preview, then
offered or discarded by that question as "quay lại" to it does."""


async def _ask_content(ctx: Context) -> None:
    """The first question; back at it, the text or recording given before may be kept (a
    document goes: its preview was the step in between)."""
    data = ctx.state.data
    photos_only = ctx.inc.channel in ctx.config.photo_only_channels  # no PDF or Word to send
    ask = ctx.t("notices.ask_text_photo_only" if photos_only else "notices.ask_text")
    document = await _document(ctx)
    if document is not None:
        NoticeDocuments(ctx.session).discard(document, ctx.now)
        ctx.state.update(document_id=None, text=None, recording=None, document_name=None,
                         document_sha256=None)
    elif data.get("text") or data.get("recording"):
        kept = _excerpt_of(data.get("text") or "", KEPT_CHARS) or "🎙"
        ctx.reply(ask + "\n\n" + ctx.t("notices.content_kept", text=kept),
                  [[Button(ctx.t("notices.keep_content"), KeepContent())], _cancel_row(ctx)])
        return
    ctx.reply(ask, [_cancel_row(ctx)])


async def on_flow(inc: Incoming, ctx: Context) -> None:
    """Input at a step that takes buttons only."""
    ctx.say(USE_BUTTONS)


async def _take_content(inc: Incoming, ctx: Context) -> None:
    text = (inc.text or "").strip()
    if inc.voice is not None and inc.voice.file_id:
        recording = {"channel": inc.channel, "file_id": inc.voice.file_id,
                     "mime": inc.voice.mime, "duration": inc.voice.duration}
        mode = "both" if text else "voice"
        ctx.state.go(Step.TARGETS, text=text, recording=recording, mode=mode)
    elif inc.photos or inc.document:
        await _take_document(inc, ctx)
        return
    elif inc.location:
        ctx.say("notices.text_or_voice")
        return
    elif not text:
        ctx.say("notices.empty")
        return
    else:
        ctx.state.go(Step.TARGETS, text=text, recording=None)
    await _ask_targets(ctx)


async def _ask_targets(ctx: Context, *, edit: bool = False) -> None:
    commune = await ctx.communes.get(ctx.state.data["commune_id"])
    assert commune is not None
    chosen = set(ctx.state.data.get("villages") or [])
    rows: Keyboard = [[Button(ctx.t("notices.whole_commune", commune=commune.name),
                              PickTargets(Targets.WHOLE))]]
    rows += [[Button(("✅ " if v.id in chosen else "▫️ ") + v.name,
                     PickTargets(Targets.VILLAGE, v.id))] for v in commune.villages]
    rows.append([Button(ctx.t("notices.targets_next"), PickTargets(Targets.DONE))])
    rows.append(_cancel_row(ctx))
    ctx.reply(ctx.t("notices.ask_targets"), rows, edit=edit)


async def _type_targets(inc: Incoming, ctx: Context) -> None:
    """Village names typed, separated by commas (channels without buttons)."""
    commune = await ctx.communes.get(ctx.state.data["commune_id"])
    assert commune is not None
    by_name = {fold(v.name): v.id for v in commune.villages}
    chosen = []
    for name in (inc.text or "").split(","):
        wanted = fold(name)
        if not wanted:
            continue
        found = by_name.get(wanted) or by_name.get(fold(f"thôn {name}"))
        if found is None:
            ctx.say("notices.unknown_village", name=name.strip())
            return
        chosen.append(found)
    ctx.state.update(villages=chosen)
    await _targets_done(ctx)


async def _targets_done(ctx: Context) -> None:
    data = ctx.state.data
    villages = data.get("villages") or []
    if not villages and not data.get("whole"):
        ctx.say("notices.pick_targets")
        return
    groups = await _notices(ctx).groups_for(data["commune_id"], villages)
    if not groups:
        ctx.say("notices.no_groups")
        return
    ctx.state.go(Step.PRIORITY, group_count=len(groups))
    await _show_priority(ctx)


async def _show_priority(ctx: Context) -> None:
    ctx.reply(ctx.t("notices.ask_priority", count=ctx.state.data.get("group_count") or 0), [
        *([Button(ctx.t(f"notices.priority_{p}"), PickPriority(p))] for p in get_args(Priority)),
        _cancel_row(ctx)])


async def _ask_mode(ctx: Context) -> None:
    if ctx.state.data.get("recording") or ctx.state.data.get("document_id"):
        await _after_mode(ctx)
        return
    ctx.state.go(Step.MODE)
    await _show_mode(ctx)


async def _show_mode(ctx: Context) -> None:
    ctx.reply(ctx.t("notices.ask_mode"), [
        *([Button(ctx.t(f"notices.mode_{m}"), PickMode(m))] for m in get_args(Mode)),
        _cancel_row(ctx)])


async def _after_mode(ctx: Context) -> None:
    if ctx.state.data.get("priority") == "emergency":
        await _create(ctx, schedule="now")
        return
    ctx.state.go(Step.WHEN)
    await _show_when(ctx)


async def _show_when(ctx: Context) -> None:
    ctx.reply(ctx.t("notices.ask_when"), [
        *([Button(ctx.t(f"notices.when_{w}_button"), PickWhen(w))] for w in When),
        _cancel_row(ctx)])


async def _show_repeat(ctx: Context) -> None:
    ctx.reply(ctx.t("notices.ask_repeat"), [
        *([Button(ctx.t(f"notices.repeat_{r}"), PickRepeat(r))] for r in Repeat),
        _cancel_row(ctx)])


async def _ask_days(ctx: Context, *, edit: bool = False) -> None:
    chosen = set(ctx.state.data.get("days") or [])
    rows = [[Button(("✅ " if d in chosen else "▫️ ") + ctx.t(f"notices.day_{d}"),
                    ToggleDay(d)) for d in range(start, min(start + 4, 7))]
            for start in (0, 4)]
    rows.append([Button(ctx.t("notices.targets_next"), DaysDone())])
    rows.append(_cancel_row(ctx))
    ctx.reply(ctx.t("notices.ask_days"), rows, edit=edit)


async def _take_datetime(inc: Incoming, ctx: Context) -> None:
    tz = await _timezone(ctx)
    try:
        moment = parse_local_datetime(inc.text or "", tz, ctx.now)
    except ScheduleError as error:
        ctx.say(error.key, example=date_example(ctx))
        return
    await _create(ctx, schedule="once", run_at=moment)


async def _take_time(inc: Incoming, ctx: Context) -> None:
    try:
        at = parse_time(inc.text or "")
    except ScheduleError as error:
        ctx.say(error.key)
        return
    data = ctx.state.data
    if data.get("repeat") == "weekly":
        cron = weekly_cron(at, data.get("days") or [])
    elif data.get("repeat") == "monthly":
        cron = monthly_cron(at, int(data.get("month_day") or 0))
    else:
        cron = daily_cron(at)
    await _create(ctx, schedule=data.get("repeat") or "daily", cron=cron)


async def _take_month_day(inc: Incoming, ctx: Context) -> None:
    """ "15", "ngày 15" → the day of the month; then its time."""
    typed = [w for w in words(inc.text or "") if w != "ngay"]
    day = whole_number(typed[0]) if len(typed) == 1 else None
    if day is None or day not in MONTH_DAYS:
        ctx.say("notices.bad_month_day")
        return
    ctx.state.go(Step.TIME, month_day=day)
    ctx.say("notices.ask_time")


async def _timezone(ctx: Context) -> str:
    commune_id = ctx.state.data.get("commune_id") or ctx.user.official_commune_id
    commune = await ctx.communes.get(commune_id) if commune_id else None
    return commune.timezone if commune else ctx.config.timezone


async def _create(ctx: Context, *, schedule: str, run_at: datetime | None = None,
                  cron: str | None = None) -> None:
    data = ctx.state.data
    notice = await _notices(ctx).create(
        ctx.user, data["commune_id"], text=data.get("text") or "",
        recording=data.get("recording"), village_ids=data.get("villages") or [],
        priority=data.get("priority") or "normal", mode=data.get("mode") or "text",
        schedule=schedule, cron=cron, run_at=run_at, now=ctx.now,
        source_document=data.get("document_name"), document_sha256=data.get("document_sha256"))
    ctx.state.clear()
    await ctx.audit.record(ctx.user, "notice_create", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}")
    await _show_preview(ctx, notice)


async def _show_preview(ctx: Context, notice: Notice) -> None:
    if notice.status == PREPARING:
        ctx.say("notices.preparing", id=notice.id)
        return
    text, buttons = await _notices(ctx).preview(notice, ctx.user, ctx.now)
    ctx.reply(text, buttons)


# --- documents ------------------------------------------------------------------------------

OLD_FORMATS = {".doc": "old_word", ".rtf": "old_word", ".xls": "spreadsheet",
               ".xlsx": "spreadsheet", ".csv": "spreadsheet", ".ods": "spreadsheet"}
"""Refused by their name, before a download: what to send instead is known already."""


async def _take_document(inc: Incoming, ctx: Context) -> None:
    """A document or a photo of a paper notice: read in the background, then previewed."""
    photo = inc.photos[-1] if inc.photos else None
    file = inc.document or photo
    assert file is not None
    name = file.name or ("anh-thong-bao.jpg" if photo else "van-ban")
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if (file.size or 0) > MAX_BYTES:
        ctx.say("documents.refused_too_big", megabytes=MAX_BYTES // (1024 * 1024))
        return
    if extension in OLD_FORMATS:
        ctx.say(f"documents.refused_{OLD_FORMATS[extension]}")
        return
    is_image = photo is not None or (file.mime or "").startswith("image/") \
        or extension in (".jpg", ".jpeg", ".png")
    if is_image and not ocr_available():
        photos_only = inc.channel in ctx.config.photo_only_channels
        ctx.say("documents.refused_no_ocr_photo_only" if photos_only
                else "documents.refused_no_ocr")
        return
    if not file.file_id:
        ctx.say("notices.text_or_voice")
        return
    document = await NoticeDocuments(ctx.session).receive(
        ctx.user, ctx.state.data["commune_id"], channel=inc.channel, file_id=file.file_id,
        file_name=name, mime=file.mime or ("image/jpeg" if photo else None), now=ctx.now)
    ctx.state.go(Step.DOCUMENT, document_id=document.id)
    ctx.say("documents.reading", name=name)


async def _at_document(inc: Incoming, ctx: Context) -> None:
    """Input while a document is read or previewed: another file starts over; typed text
    replaces the document's text, or, if it could not be read, is the notice."""
    document = await _document(ctx)
    if inc.photos or inc.document:
        if document is not None:
            NoticeDocuments(ctx.session).discard(document, ctx.now)
        await _take_document(inc, ctx)
        return
    text = (inc.text or "").strip()
    if document is None or document.status == FAILED:
        if not text:
            ctx.say("notices.empty")
            return
        ctx.state.go(Step.TARGETS, text=text, recording=None, document_id=None)
        await _ask_targets(ctx)
    elif document.status == READING:
        ctx.say("documents.still_reading")
    elif text:
        await _replace_document_text(ctx, document, text)
    else:
        ctx.say(USE_BUTTONS)


async def _document(ctx: Context) -> NoticeDocument | None:
    document_id = ctx.state.data.get("document_id")
    return await NoticeDocuments(ctx.session).get(int(document_id)) if document_id else None


async def _previewed_document(ctx: Context, document_id: int) -> NoticeDocument | None:
    """The draft's document, previewed and waiting for the official; the stale answer
    for any other."""
    if ctx.state.flow == FLOW.name and ctx.state.step == Step.DOCUMENT \
            and ctx.state.data.get("document_id") == document_id:
        document = await _document(ctx)
        if document is not None and document.status == READY:
            return document
        if document is not None and document.status == READING:
            ctx.say("documents.still_reading")
            return None
    ctx.say("errors.stale_button")
    return None


async def _replace_document_text(ctx: Context, document: NoticeDocument, text: str) -> None:
    NoticeDocuments(ctx.session).replace_text(document, text, ctx.now)
    _back_to_document(ctx)
    ctx.say("documents.text_replaced")


def _back_to_document(ctx: Context) -> None:
    """From typing a document's text or its paragraph count, back to its preview."""
    if ctx.state.step != Step.DOCUMENT:
        ctx.state.back(Step.DOCUMENT)


async def _ask_document(ctx: Context) -> None:
    """The document's preview again (back from the targets: the document is not used yet,
    and its text, as read or corrected, stays)."""
    document = await _document(ctx)
    drafts = NoticeDocuments(ctx.session)
    if document is None or document.status == FAILED:
        ctx.reply(ctx.t("notices.ask_text"), [_cancel_row(ctx)])
        return
    drafts.reopen(document, ctx.now)
    if document.status == READING:
        ctx.say("documents.still_reading")
        return
    text, buttons = drafts.choices(document, ctx.t)
    ctx.reply(text, buttons)


async def _ask_count(ctx: Context) -> None:
    document = await _document(ctx)
    ctx.say("documents.ask_count", count=len(paragraphs(document.text if document else "")))


async def on_use_document(inc: Incoming, ctx: Context, data: UseDocument) -> None:
    document = await _previewed_document(ctx, data.document_id)
    if document is None:
        return
    NoticeDocuments(ctx.session).use(document, ctx.now)
    ctx.state.go(Step.TARGETS, text=document.text, recording=None, mode="both",
                 document_name=document.file_name,
                 document_sha256=document.original_sha256 if document.attach else None)
    await _ask_targets(ctx)


async def on_toggle_attach(inc: Incoming, ctx: Context, data: ToggleAttach) -> None:
    document = await _previewed_document(ctx, data.document_id)
    if document is None:
        return
    drafts = NoticeDocuments(ctx.session)
    drafts.toggle_attach(document, ctx.now)
    text, buttons = drafts.choices(document, ctx.t)
    ctx.reply(text, buttons, edit=True)


async def on_retype_document(inc: Incoming, ctx: Context, data: RetypeDocument) -> None:
    if await _previewed_document(ctx, data.document_id) is not None:
        ctx.state.go(Step.DOC_TEXT)
        ctx.say("documents.ask_text")


async def on_cut_document(inc: Incoming, ctx: Context, data: CutDocument) -> None:
    document = await _previewed_document(ctx, data.document_id)
    if document is not None:
        ctx.state.go(Step.DOC_CUT)
        ctx.say("documents.ask_count", count=len(paragraphs(document.text)))


async def on_first_part(inc: Incoming, ctx: Context, data: FirstPart) -> None:
    document = await _previewed_document(ctx, data.document_id)
    if document is not None:
        NoticeDocuments(ctx.session).keep_first_part(document, ctx.now)
        ctx.say("documents.text_replaced")


async def on_discard_document(inc: Incoming, ctx: Context, data: DiscardDocument) -> None:
    document = await _previewed_document(ctx, data.document_id)
    if document is not None:
        NoticeDocuments(ctx.session).discard(document, ctx.now)
        ctx.state.clear()
        ctx.say("notices.cancelled_draft")


async def _take_document_text(inc: Incoming, ctx: Context) -> None:
    document = await _document(ctx)
    text = (inc.text or "").strip()
    if document is None:
        ctx.state.clear()
        ctx.say("errors.stale_button")
    elif not text:
        ctx.say("notices.empty")
    else:
        await _replace_document_text(ctx, document, text)


async def _take_paragraph_count(inc: Incoming, ctx: Context) -> None:
    document = await _document(ctx)
    if document is None:
        ctx.state.clear()
        ctx.say("errors.stale_button")
        return
    total = len(paragraphs(document.text))
    count = whole_number(inc.text or "")
    if count is None or not 1 <= count <= total:
        ctx.say("documents.ask_count", count=total)
        return
    NoticeDocuments(ctx.session).keep_paragraphs(document, count, ctx.now)
    _back_to_document(ctx)
    ctx.say("documents.text_replaced")


# --- buttons --------------------------------------------------------------------------------

async def on_cancel_draft(inc: Incoming, ctx: Context, data: CancelDraft) -> None:
    await _cancel(ctx)


async def _cancel(ctx: Context) -> None:
    """The Cancel button, and "hủy" typed: the draft and its document go, the menu follows."""
    document = await _document(ctx) if ctx.state.flow == FLOW.name else None
    if document is not None:
        NoticeDocuments(ctx.session).discard(document, ctx.now)
    ctx.state.clear()
    ctx.say("notices.cancelled_draft")
    await show_menu(ctx)


async def on_keep_content(inc: Incoming, ctx: Context, data: KeepContent) -> None:
    if not _at(ctx, Step.TEXT):
        return
    if not (ctx.state.data.get("text") or ctx.state.data.get("recording")):
        ctx.say("errors.stale_button")
        return
    ctx.state.go(Step.TARGETS)
    await _ask_targets(ctx)


async def on_targets(inc: Incoming, ctx: Context, data: PickTargets) -> None:
    if not _at(ctx, Step.TARGETS):
        return
    if data.choice == Targets.WHOLE:
        ctx.state.update(villages=[], whole=True)
        await _targets_done(ctx)
    elif data.choice == Targets.VILLAGE and data.village_id is not None:
        await _toggle_village(ctx, data.village_id)
    elif data.choice == Targets.DONE:
        await _targets_done(ctx)
    else:
        ctx.say("errors.stale_button")


async def on_priority(inc: Incoming, ctx: Context, data: PickPriority) -> None:
    if _at(ctx, Step.PRIORITY):
        ctx.state.update(priority=data.priority)
        await _ask_mode(ctx)


async def on_mode(inc: Incoming, ctx: Context, data: PickMode) -> None:
    if _at(ctx, Step.MODE):
        ctx.state.update(mode=data.mode)
        await _after_mode(ctx)


async def on_day(inc: Incoming, ctx: Context, data: ToggleDay) -> None:
    if not _at(ctx, Step.DAYS):
        return
    if not 0 <= data.day < 7:
        ctx.say("errors.stale_button")
        return
    days = set(ctx.state.data.get("days") or []) ^ {data.day}
    ctx.state.update(days=sorted(days))
    await _ask_days(ctx, edit=True)


async def on_days_done(inc: Incoming, ctx: Context, data: DaysDone) -> None:
    if not _at(ctx, Step.DAYS):
        return
    if not ctx.state.data.get("days"):
        ctx.say("notices.no_days")
        return
    ctx.state.go(Step.TIME)
    ctx.say("notices.ask_time")


async def _toggle_village(ctx: Context, village_id: int) -> None:
    commune = await ctx.communes.get(ctx.state.data["commune_id"])
    if commune is None or village_id not in {v.id for v in commune.villages}:
        ctx.say("notices.unknown_village", name=f"#{village_id}")
        return
    chosen = set(ctx.state.data.get("villages") or []) ^ {village_id}
    ctx.state.update(villages=sorted(chosen), whole=False)
    await _ask_targets(ctx, edit=True)


async def on_when(inc: Incoming, ctx: Context, data: PickWhen) -> None:
    if not _at(ctx, Step.WHEN):
        return
    if data.when == When.NOW:
        await _create(ctx, schedule="now")
    elif data.when == When.ONCE:
        ctx.state.go(Step.AT)
        ctx.say("notices.ask_datetime", example=date_example(ctx))
    else:
        ctx.state.go(Step.REPEAT)
        await _show_repeat(ctx)


async def on_repeat(inc: Incoming, ctx: Context, data: PickRepeat) -> None:
    if not _at(ctx, Step.REPEAT):
        return
    if data.repeat == Repeat.ONCE:
        ctx.state.go(Step.AT)
        ctx.say("notices.ask_datetime", example=date_example(ctx))
    elif data.repeat == Repeat.DAILY:
        ctx.state.go(Step.TIME, repeat="daily")
        ctx.say("notices.ask_time")
    elif data.repeat == Repeat.WEEKLY:
        ctx.state.go(Step.DAYS, repeat="weekly", days=[])
        await _ask_days(ctx)
    else:
        ctx.state.go(Step.MONTH_DAY, repeat="monthly")
        ctx.say("notices.ask_month_day")


async def _own_notice(ctx: Context, ref: str) -> Notice | None:
    """The notice with this id if the user may act on it; answers otherwise."""
    number = ref.strip().lstrip("#")
    notice_id = whole_number(number)
    notice = await _notices(ctx).get(notice_id) if notice_id is not None else None
    if notice is None:
        ctx.say("notices.not_found", ref=ref.strip() or "?")
        return None
    if not can_act_in(ctx.user, notice.commune_id):
        await ctx.audit.record(ctx.user, "notice_access", commune_id=notice.commune_id,
                               target=f"notice:{notice.id}", outcome="denied")
        ctx.say("notices.not_yours")
        return None
    return notice


async def on_confirm(inc: Incoming, ctx: Context, data: ConfirmNotice) -> None:
    notice = await _previewed(ctx, data.notice_id)
    if notice is None:
        return
    try:
        run = await _notices(ctx).confirm(notice, ctx.now)
    except ScheduleError as error:
        ctx.say(error.key)
        ctx.say("notices.edit_hint", id=notice.id)
        return
    await ctx.audit.record(ctx.user, "notice_confirm", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}", priority=notice.priority)
    if notice.schedule == "now":
        ctx.say("notices.sending", id=notice.id, count=run.groups if run else 0)
    else:
        commune = await _notices(ctx).commune(notice.commune_id)
        ctx.say("notices.scheduled", id=notice.id,
                when=render.local_datetime(notice.next_run_at, commune.timezone))


async def on_discard(inc: Incoming, ctx: Context, data: DiscardNotice) -> None:
    notice = await _previewed(ctx, data.notice_id)
    if notice is not None:
        await _notices(ctx).cancel(notice, ctx.now)
        ctx.say("notices.discarded", id=notice.id)


async def _previewed(ctx: Context, notice_id: int) -> Notice | None:
    """The user's notice awaiting confirmation; says why not otherwise."""
    notice = await _own_notice(ctx, str(notice_id))
    if notice is not None and notice.status != PREVIEW:
        ctx.say(_status_answer(notice))
        return None
    return notice


def _status_answer(notice: Notice) -> str:
    if notice.status == PREPARING:
        return "notices.still_preparing"
    if notice.status == SCHEDULED:
        return "notices.already_confirmed"
    return "notices.not_open"


# --- follow-up ------------------------------------------------------------------------------

async def list_notices(inc: Incoming, ctx: Context) -> None:
    commune_id = ctx.user.official_commune_id
    notices = await _notices(ctx).open_for(commune_id)
    if not notices:
        ctx.say("notices.none_open")
        return
    lines = [ctx.t("notices.list_title")]
    for notice in notices[:30]:
        commune = await _notices(ctx).commune(notice.commune_id)
        lines.append(ctx.t(
            "notices.list_line", id=notice.id, status=ctx.t(f"notices.status_{notice.status}"),
            when=render.when_label(ctx.t, notice, commune.timezone),
            next=render.local_datetime(notice.next_run_at, commune.timezone),
            excerpt=_excerpt(notice)))
    lines.append(ctx.t("notices.list_hint"))
    ctx.reply("\n".join(lines))


def _excerpt(notice: Notice) -> str:
    return _excerpt_of(notice.text) or "🎙"


def _excerpt_of(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1] + "…"


async def show_notice(inc: Incoming, ctx: Context) -> None:
    if not inc.args.strip():
        ctx.say("notices.usage_notice")
        return
    notice = await _own_notice(ctx, inc.args)
    if notice is None:
        return
    notices = _notices(ctx)
    commune = await notices.commune(notice.commune_id)
    runs = await notices.runs(notice.id)
    latest = await notices.report(runs[0]) if runs else None
    status = shown_status(notice, latest)
    lines = [render.summary(ctx.t, notice, commune, commune.timezone),
             ctx.t("notices.status_line", status=ctx.t(f"notices.status_{status}")),
             "", _excerpt(notice)]
    if notice.source_document:
        lines.insert(2, ctx.t("documents.from_document", name=notice.source_document))
    if latest is None:
        lines.append(ctx.t("notices.no_runs"))
    else:
        lines.append(ctx.t("notices.run_title", when=render.local_datetime(
            latest.run.occurrence_at, commune.timezone),
            status=ctx.t(f"notices.run_{latest.status}")))
        marks = {"sent": "✅", "pending": "⏳", "failed": "❌"}
        for group in latest.groups:
            line = f"{marks[group.status]} {group.chat.title or group.chat.chat_id}"
            if group.error:
                line += f" — {reason(ctx.t, group.error)}"
            lines.append(line)
    if len(runs) > 1:
        lines.append(ctx.t("notices.earlier_runs", count=len(runs) - 1))
    if notice.status == PREVIEW:
        lines.append(ctx.t("officials.notice_awaiting", id=notice.id))
    ctx.reply("\n".join(lines), _preview_buttons(ctx, notice))


def _preview_buttons(ctx: Context, notice: Notice) -> Keyboard:
    """A notice left at its preview can still be confirmed or dropped from `/notice ID`."""
    if notice.status != PREVIEW:
        return []
    return [[Button(ctx.t("notices.confirm"), ConfirmNotice(notice.id))],
            [Button(ctx.t("notices.discard"), DiscardNotice(notice.id))]]


async def cancel_notice(inc: Incoming, ctx: Context) -> None:
    if not inc.args.strip():
        ctx.say("notices.usage_cancel")
        return
    notice = await _own_notice(ctx, inc.args)
    if notice is None:
        return
    if notice.status not in (PREPARING, PREVIEW, SCHEDULED):
        ctx.say("notices.not_open")
        return
    dropped = await _notices(ctx).cancel(notice, ctx.now)
    await ctx.audit.record(ctx.user, "notice_cancel", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}", dropped=dropped)
    ctx.say("notices.cancelled", id=notice.id)


async def edit_notice(inc: Incoming, ctx: Context) -> None:
    if not inc.args.strip():
        ctx.say("notices.usage_edit")
        return
    notice = await _own_notice(ctx, inc.args)
    if notice is None:
        return
    if notice.status not in (PREVIEW, SCHEDULED):
        ctx.say(_status_answer(notice))
        return
    rows = [[Button(ctx.t("notices.edit_text"), EditNotice(notice.id, EditStep.TEXT))]]
    if notice.schedule != "now":
        rows.append([Button(ctx.t("notices.edit_time"), EditNotice(notice.id, EditStep.TIME))])
    ctx.reply(ctx.t("notices.edit_what", id=notice.id), [*rows, _cancel_row(ctx)])


async def on_edit(inc: Incoming, ctx: Context, data: EditNotice) -> None:
    notice = await _own_notice(ctx, str(data.notice_id))
    if notice is None:
        return
    if notice.status not in (PREVIEW, SCHEDULED):
        ctx.say(_status_answer(notice))
        return
    if data.what == EditStep.TEXT:
        ctx.state.start(EDIT_FLOW, EditStep.TEXT, notice_id=notice.id)
        ctx.say("notices.ask_new_text")
    elif notice.schedule != "now":
        ctx.state.start(EDIT_FLOW, EditStep.TIME, notice_id=notice.id)
        await _ask_new_time(ctx, notice)
    else:
        ctx.say("errors.stale_button")


async def _ask_new_time(ctx: Context, notice: Notice | None = None) -> None:
    notice = notice or await _notices(ctx).get(int(ctx.state.data.get("notice_id") or 0))
    once = notice is not None and notice.schedule == "once"
    ctx.say("notices.ask_datetime" if once else "notices.ask_time", example=date_example(ctx))


async def on_edit_flow(inc: Incoming, ctx: Context) -> None:
    notice = await _notices(ctx).get(int(ctx.state.data.get("notice_id") or 0))
    if notice is None or notice.status not in (PREVIEW, SCHEDULED) \
            or not can_act_in(ctx.user, notice.commune_id):
        ctx.state.clear()
        ctx.say("notices.not_open")
        return
    text = (inc.text or "").strip()
    if not text:
        ctx.say("notices.empty")
        return
    if ctx.state.step == EditStep.TEXT:
        await _notices(ctx).edit_text(notice, text, ctx.now)
        ctx.state.clear()
        await ctx.audit.record(ctx.user, "notice_edit_text", commune_id=notice.commune_id,
                               target=f"notice:{notice.id}")
        ctx.say("notices.text_changed", id=notice.id)
        await _show_preview(ctx, notice)
        return
    await _edit_time(ctx, notice, text)


async def _edit_time(ctx: Context, notice: Notice, text: str) -> None:
    commune = await _notices(ctx).commune(notice.commune_id)
    tz = commune.timezone
    try:
        if notice.schedule == "once":
            notice.run_at = parse_local_datetime(text, tz, ctx.now)
        else:  # a recurring notice keeps its days
            notice.cron = at_time(notice.cron or "", parse_time(text))
    except ScheduleError as error:
        ctx.say(error.key, example=date_example(ctx))
        return
    _notices(ctx).retimed(notice, tz, ctx.now)
    ctx.state.clear()
    await ctx.audit.record(ctx.user, "notice_edit_time", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}")
    ctx.say("notices.time_changed", id=notice.id,
            when=render.when_label(ctx.t, notice, tz))


def register(router: Router) -> None:
    router.command("announce", role="official", help_key="notices.help_announce")(announce)
    router.command("notices", role="official", help_key="notices.help_notices")(list_notices)
    router.command("notice", role="official", help_key="notices.help_notice")(show_notice)
    router.command("cancel_notice", role="official",
                   help_key="notices.help_cancel")(cancel_notice)
    router.command("edit_notice", role="official", help_key="notices.help_edit")(edit_notice)
    router.button(CancelDraft, role="official")(on_cancel_draft)
    router.button(KeepContent, role="official")(on_keep_content)
    router.button(PickTargets, role="official")(on_targets)
    router.button(PickPriority, role="official")(on_priority)
    router.button(PickMode, role="official")(on_mode)
    router.button(PickWhen, role="official")(on_when)
    router.button(PickRepeat, role="official")(on_repeat)
    router.button(ToggleDay, role="official")(on_day)
    router.button(DaysDone, role="official")(on_days_done)
    router.button(ConfirmNotice, role="official")(on_confirm)
    router.button(DiscardNotice, role="official")(on_discard)
    router.button(EditNotice, role="official")(on_edit)
    router.button(UseDocument, role="official")(on_use_document)
    router.button(ToggleAttach, role="official")(on_toggle_attach)
    router.button(RetypeDocument, role="official")(on_retype_document)
    router.button(CutDocument, role="official")(on_cut_document)
    router.button(FirstPart, role="official")(on_first_part)
    router.button(DiscardDocument, role="official")(on_discard_document)
    router.flow(FLOW, role="official")(on_flow)
    router.flow(EDIT_FLOW, role="official")(on_edit_flow)
