"""Notices on the web: the list and the week's calendar, the compose form, a notice's page
with its spoken preview, confirm / edit / cancel, and the delivery report of each sending.
The same service calls as `/announce` in chat: a notice made here is the same row, fired by
the same job, deduplicated by the same outbox keys."""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ops.context import Page, PageHandler, UploadWrap, Wrap
from ops.media import bytes_response
from ops.uploads import Posted
from services.audit import AuditEntries
from services.documents.drafts import NoticeDocuments
from services.documents.extract import MAX_BYTES, MAX_PAGES
from services.documents.reading import Read, read_document
from services.models import Commune
from services.notices import render
from services.notices.compose import (
    MAX_TEXT,
    NoticeDraft,
    create_checked,
    set_time,
    week,
    week_start,
)
from services.notices.models import (
    PREPARING,
    PREVIEW,
    PRIORITIES,
    SCHEDULED,
    Notice,
)
from services.notices.schedule import ScheduleError, parse_time
from services.notices.service import Notices, reason, shown_status
from services.outbox import Outbox
from services.text import whole_number

RECENT = 30
"""Finished notices listed under the open ones."""


def install(app: web.Application, page: Wrap, change: Wrap, upload: UploadWrap) -> None:
    app.router.add_get("/notices", page(list_page))
    app.router.add_get("/notices/new", page(compose_form))
    app.router.add_post("/notices", upload(compose))
    app.router.add_get("/notices/{id}", page(notice_page))
    app.router.add_get("/notices/{id}/audio/{n}", page(audio))
    app.router.add_post("/notices/{id}/{action}", change(act))


def _tz(ctx: Page, commune: Commune | None) -> str:
    return commune.timezone if commune else ctx.config.timezone


# --- list and calendar ------------------------------------------------------------------------

async def list_page(ctx: Page) -> web.StreamResponse:
    commune = await ctx.commune()
    tz = _tz(ctx, commune)
    start = week_start(_week_day(ctx, tz), tz)
    occurrences = await week(ctx.session, ctx.commune_id, start, tz, ctx.now)
    zone = ZoneInfo(tz)
    days = [(start + timedelta(days=d)).astimezone(zone) for d in range(7)]
    by_day: dict[int, list[Any]] = {d: [] for d in range(7)}
    for occurrence in occurrences:
        by_day[(occurrence.at.astimezone(zone).date() - days[0].date()).days].append(occurrence)
    notices = await Notices(ctx.session).open_for(ctx.commune_id)
    recent = await Notices(ctx.session).recent(ctx.commune_id, RECENT)
    return ctx.render(
        "notices.html", commune=commune, days=days, by_day=by_day, open_notices=notices,
        recent=recent, excerpt=excerpt, hour=lambda m: m.astimezone(zone).strftime("%H:%M"),
        week=days[0].date().isoformat(),
        previous=(days[0] - timedelta(days=7)).date().isoformat(),
        following=(days[0] + timedelta(days=7)).date().isoformat(),
        when_label=lambda n: render.when_label(ctx.t, n, tz),
        message=_message(ctx))


def _week_day(ctx: Page, tz: str) -> datetime:
    wanted = ctx.request.query.get("week", "")
    try:
        day = datetime.fromisoformat(wanted[:10]).replace(tzinfo=ZoneInfo(tz)) if wanted \
            else ctx.now
    except ValueError:
        day = ctx.now
    return day.astimezone(ctx.now.tzinfo)


def excerpt(notice: Notice, size: int = 60) -> str:
    text = " ".join(notice.text.split())
    return text if len(text) <= size else text[:size - 1] + "…"


def _message(ctx: Page) -> str | None:
    key = f"ops.notices.done.{ctx.request.query.get('notice', '')}"
    return ctx.t(key) if ctx.request.query.get("notice") and ctx.t.has(key) else None


# --- compose --------------------------------------------------------------------------------

async def compose_form(ctx: Page) -> web.StreamResponse:
    commune = await ctx.commune()
    if commune is None:
        return ctx.render("error.html", status=400, title=ctx.t("ops.notices.pick_commune"),
                          message=ctx.t("ops.notices.pick_commune_text"))
    return await _form(ctx, commune, {"whole": "on", "priority": "normal", "mode": "both",
                                      "when": "now"}, None)


async def _form(ctx: Page, commune: Commune, form: dict[str, Any], error: str | None,
                read: bool = False) -> web.Response:
    document = await NoticeDocuments(ctx.session).ready_for(
        whole_number(str(form.get("document", ""))), ctx.user, commune.id)
    return ctx.render("notice_form.html", commune=commune, form=form, error=error,
                      priorities=PRIORITIES, nonce=secrets.token_urlsafe(12), notice=None,
                      document=document, read=read, max_text=MAX_TEXT,
                      max_megabytes=MAX_BYTES // (1024 * 1024), max_pages=MAX_PAGES,
                      status=400 if error else 200)


async def compose(posted: Posted) -> PageHandler:
    """The compose form posted. A file chosen is read here, outside the unit of work (OCR
    takes seconds), and the form comes back with its text for the official to check and
    edit: a notice is never made from a document nobody has read. Without a file, the
    notice is created."""
    if posted.file is None and posted.get("action") != "read":
        return functools.partial(_create, posted=posted)
    read = await asyncio.to_thread(read_document, posted.file.data, posted.file.name,
                                   posted.file.mime) if posted.file else None
    return functools.partial(_read_into_form, posted=posted, read=read)


def _posted_form(posted: Posted) -> dict[str, Any]:
    form: dict[str, Any] = dict(posted.fields.items())
    form["villages"] = [whole_number(v) for v in posted.fields.getall("village", [])]
    form["days"] = [whole_number(v) for v in posted.fields.getall("day", [])]
    return form


async def _read_into_form(ctx: Page, posted: Posted, read: Read | None) -> web.StreamResponse:
    """The form again, every field kept: with the document's cleaned text in place of the
    notice's, or with why it could not be read and what to upload instead."""
    commune = await ctx.commune()
    if commune is None:
        return await ctx.refuse("notice.create")
    form = _posted_form(posted)
    if read is None or posted.file is None:
        return await _form(ctx, commune, form, ctx.t("ops.notices.doc.choose_file"))
    if read.reason is not None:
        return await _form(ctx, commune, form, _refusal(ctx, read.reason, read.params or {}))
    document = await NoticeDocuments(ctx.session).keep_read(
        ctx.user, commune.id, channel="ops", file_name=posted.file.name or "van-ban",
        mime=posted.file.mime, original=posted.file.data, text=read.text, kind=read.kind,
        pages=read.pages, now=ctx.now)
    form.update(text=document.text, document=str(document.id), attach="")
    return await _form(ctx, commune, form, None, read=True)


def _refusal(ctx: Page, reason: str, params: dict[str, Any]) -> str:
    """Why a document cannot be read, in the workspace's words (upload, not send) where
    they differ from chat's."""
    values = {"megabytes": MAX_BYTES // (1024 * 1024), "limit": MAX_PAGES, **params}
    for key in (f"ops.notices.doc.refused_{reason}", f"documents.refused_{reason}"):
        if ctx.t.has(key):
            return ctx.t(key, **values)
    return ctx.t("ops.notices.doc.refused_corrupt")


async def _create(ctx: Page, posted: Posted) -> web.StreamResponse:
    commune = await ctx.commune()
    if commune is None:
        return await ctx.refuse("notice.create")
    form = _posted_form(posted)
    if await ctx.pressed_twice("notice.create", str(form.get("nonce", ""))):
        return ctx.back("/notices", notice="already_done")
    drafts = NoticeDocuments(ctx.session)
    document = await drafts.ready_for(whole_number(str(form.get("document", ""))), ctx.user,
                                      commune.id)
    attach = document is not None and form.get("attach") == "on"
    try:
        draft = _draft(form, commune.timezone, ctx.now)
        if document is not None:
            draft.source_document = document.file_name
            draft.document_sha256 = document.original_sha256 if attach else None
        notice = await create_checked(ctx.session, ctx.user, commune, draft, ctx.now)
    except ScheduleError as error:  # nothing stored: the form again, with what to fix
        return await _form(ctx, commune, form, _error_text(ctx, error.key))
    if document is not None:
        drafts.use(document, ctx.now, attach=attach)
    await AuditEntries(ctx.session).record(ctx.user, "notice_create", commune_id=commune.id,
                                           target=f"notice:{notice.id}", via="ops")
    return ctx.back(f"/notices/{notice.id}", notice="created")


def _draft(form: dict[str, Any], tz: str, now: datetime) -> NoticeDraft:
    when = form.get("when", "now")
    run_at = _local_moment(str(form.get("run_at", "")), tz, now) if when == "once" else None
    at = parse_time(str(form.get("time", ""))) if when in ("daily", "weekly") else None
    return NoticeDraft(
        text=str(form.get("text", "")), whole=form.get("whole") == "on",
        village_ids=[v for v in form.get("villages", []) if v is not None],
        priority=str(form.get("priority", "")), mode=str(form.get("mode", "")), when=when,
        run_at=run_at, at=at, days=[d for d in form.get("days", []) if d is not None and d < 7])


def _local_moment(value: str, tz: str, now: datetime) -> datetime:
    """A `datetime-local` field (the commune's wall clock) as UTC."""
    try:
        local = datetime.fromisoformat(value.strip()[:16])
    except ValueError:
        raise ScheduleError("notices.bad_datetime") from None
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(now.tzinfo)


def _error_text(ctx: Page, key: str) -> str:
    web_key = "ops.notices.err." + key.rsplit(".", 1)[-1]
    return ctx.t(web_key) if ctx.t.has(web_key) else ctx.t(key)


# --- one notice -----------------------------------------------------------------------------

async def _notice(ctx: Page, action: str) -> Notice | web.Response:
    notice_id = whole_number(ctx.request.match_info["id"])
    notice = await Notices(ctx.session).get(notice_id) if notice_id is not None else None
    if notice is None:
        return ctx.not_found()
    if not ctx.may_act_in(notice.commune_id):
        return await ctx.refuse(action, commune_id=notice.commune_id,
                                target=f"notice:{notice.id}")
    return notice


async def notice_page(ctx: Page) -> web.StreamResponse:
    notice = await _notice(ctx, "notice.view")
    if isinstance(notice, web.Response):
        return notice
    return await _show(ctx, notice)


async def _show(ctx: Page, notice: Notice, error: str | None = None) -> web.Response:
    notices = Notices(ctx.session)
    commune = await notices.commune(notice.commune_id)
    runs = []
    for run in await notices.runs(notice.id):
        report = await notices.report(run)
        runs.append((report, [(g, reason(ctx.t, g.error) if g.error else None)
                              for g in report.groups]))
    seconds = sum(int(part.get("duration") or 0) for part in notice.audio)
    return ctx.render(
        "notice.html", notice=notice, commune=commune, runs=runs, error=error,
        targets=render.targets_label(ctx.t, notice, commune),
        when_label=render.when_label(ctx.t, notice, commune.timezone),
        audio=[(ctx.url(f"/notices/{notice.id}/audio/{i}"), p.get("duration"))
               for i, p in enumerate(notice.audio) if p.get("sha256")],
        seconds=seconds, nonce=secrets.token_urlsafe(12), message=_message(ctx),
        status_label=ctx.t("notices.status_" + shown_status(notice, runs[0][0] if runs else None)),
        can_confirm=notice.status == PREVIEW,
        can_edit=notice.status in (PREVIEW, SCHEDULED),
        can_retime=notice.status in (PREVIEW, SCHEDULED)
        and notice.schedule in ("once", "daily", "weekly"),
        local_run_at=notice.run_at.astimezone(ZoneInfo(commune.timezone)).strftime(
            "%Y-%m-%dT%H:%M") if notice.run_at else "",
        can_cancel=notice.status in (PREPARING, PREVIEW, SCHEDULED),
        preparing=notice.status == PREPARING, status=400 if error else 200)


async def audio(ctx: Page) -> web.StreamResponse:
    """The spoken preview, from the blob store, to officials of the notice's commune."""
    notice = await _notice(ctx, "notice.audio")
    if isinstance(notice, web.Response):
        return notice
    index = whole_number(ctx.request.match_info["n"])
    parts = notice.audio
    if index is None or not 0 <= index < len(parts) or not parts[index].get("sha256"):
        return ctx.not_found()
    data = await Outbox(ctx.session).blob(parts[index]["sha256"])
    if data is None:
        return ctx.not_found()
    return bytes_response(ctx.request, data, "audio/ogg")


async def act(ctx: Page) -> web.StreamResponse:
    """confirm | cancel | edit, as `/announce`'s button, `/cancel_notice` and `/edit_notice`."""
    action = ctx.request.match_info["action"]
    if action not in ACTIONS:
        return ctx.not_found()
    notice = await _notice(ctx, f"notice.{action}")
    if isinstance(notice, web.Response):
        return notice
    form = await ctx.form()
    path = f"/notices/{notice.id}"
    if await ctx.pressed_twice(f"notice.{action}", form.get("nonce", "")):
        return ctx.back(path, notice="already_done")
    try:
        await ACTIONS[action](ctx, notice, form)
    except ScheduleError as error:
        return await _show(ctx, notice, _error_text(ctx, error.key))
    await AuditEntries(ctx.session).record(ctx.user, f"notice_{action}",
                                           commune_id=notice.commune_id,
                                           target=f"notice:{notice.id}", via="ops",
                                           priority=notice.priority)
    return ctx.back(path, notice=action)


async def _confirm(ctx: Page, notice: Notice, form: dict[str, str]) -> None:
    if notice.status != PREVIEW:
        raise ScheduleError("ops.notices.err.not_preview")
    await Notices(ctx.session).confirm(notice, ctx.now)


async def _cancel(ctx: Page, notice: Notice, form: dict[str, str]) -> None:
    if notice.status not in (PREPARING, PREVIEW, SCHEDULED):
        raise ScheduleError("ops.notices.err.not_open")
    await Notices(ctx.session).cancel(notice, ctx.now)


async def _edit(ctx: Page, notice: Notice, form: dict[str, str]) -> None:
    """New text: new audio, and the notice waits for confirmation again (as in chat)."""
    if notice.status not in (PREVIEW, SCHEDULED):
        raise ScheduleError("ops.notices.err.not_open")
    text = form.get("text", "").strip()
    if not text:
        raise ScheduleError("notices.empty")
    await Notices(ctx.session).edit_text(notice, text, ctx.now)


async def _retime(ctx: Page, notice: Notice, form: dict[str, str]) -> None:
    """A new time, as `/edit_notice`'s time: a scheduled notice's next occurrence follows."""
    if notice.status not in (PREVIEW, SCHEDULED):
        raise ScheduleError("ops.notices.err.not_open")
    commune = await Notices(ctx.session).commune(notice.commune_id)
    run_at = _local_moment(form.get("run_at", ""), commune.timezone, ctx.now) \
        if notice.schedule == "once" else None
    at = parse_time(form.get("time", "")) if notice.schedule in ("daily", "weekly") else None
    set_time(notice, run_at=run_at, at=at, tz=commune.timezone, now=ctx.now)


ACTIONS: dict[str, Callable[[Page, Notice, dict[str, str]], Awaitable[None]]] = {
    "confirm": _confirm, "cancel": _cancel, "edit": _edit, "retime": _retime,
}
