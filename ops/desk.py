"""The feedback desk: today's figures, the list behind them, a report's page and its
actions. Every action is the same service call as in chat, so the citizen is told the same."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from ops.context import Page, Wrap, redirect
from ops.exports import export_response
from ops.live import events
from ops.media import media_url, serve
from services.audit import AuditEntries
from services.communes import Communes
from services.feedback.categories import categories_for, category_name, templates_for
from services.feedback.desk import Desk, DeskFilter
from services.feedback.media import files_of
from services.feedback.models import STATUSES, FeedbackEvent, FeedbackReport
from services.feedback.service import FeedbackError, FeedbackReports, overdue
from services.models import User
from services.text import whole_number
from services.users import Users

PER_PAGE = 25
MAP_LIMIT = 1000
"""Markers on one map: past this the list (filtered further) serves better."""


def public_point(report: FeedbackReport) -> tuple[float, float] | None:
    """The report's exact point (officials of its commune see where to go)."""
    if report.latitude is None or report.longitude is None:
        return None
    return report.latitude, report.longitude
MAX_TEXT = 4000


def install(app: web.Application, page: Wrap, change: Wrap) -> None:
    app.router.add_get("/reports", page(inbox))
    app.router.add_get("/reports/export.{kind:csv|xlsx}", page(export))
    app.router.add_get("/reports/map", page(map_page))
    app.router.add_get("/reports/points.json", page(points_json))
    app.router.add_get("/reports/{id}", page(report_page))
    app.router.add_get("/reports/{id}/media/{kind:photo|voice}/{n}", page(media))
    app.router.add_post("/reports/{id}/{action}", change(act))
    app.router.add_get("/events", live_events)


def desk(ctx: Page) -> Desk:
    return Desk(ctx.session, ctx.config.timezone)


async def dashboard(ctx: Page) -> web.StreamResponse:
    d = desk(ctx)
    figures = await d.figures(ctx.commune_id, ctx.now)
    links = {name: ctx.url("/reports", **flt.to_query()) for name, flt in d.links(ctx.now).items()}
    return ctx.render("dashboard.html", figures=figures, links=links,
                      commune=await ctx.commune(), communes=await _communes(ctx),
                      small=5)


async def _communes(ctx: Page) -> list[Any]:
    return await Communes(ctx.session).all() if ctx.is_admin else []


async def choose_commune(ctx: Page) -> web.StreamResponse:
    """A province admin looks at one commune, or at the whole province."""
    if not ctx.is_admin:
        return await ctx.refuse("commune.switch")
    form = await ctx.request.post()
    chosen = whole_number(str(form.get("commune", "")))
    if chosen is not None and await Communes(ctx.session).get(chosen) is None:
        chosen = None
    ctx.web_session.commune_id = chosen
    return redirect(ctx.url("/"))


async def inbox(ctx: Page) -> web.StreamResponse:
    flt = DeskFilter.from_query(dict(ctx.request.query))
    rows, total = await desk(ctx).page(ctx.commune_id, flt, ctx.now, per_page=PER_PAGE)
    commune = await ctx.commune()
    return ctx.render("inbox.html", flt=flt, rows=rows, total=total, per_page=PER_PAGE,
                      pages=max(1, -(-total // PER_PAGE)), commune=commune,
                      categories=categories_for(commune), statuses=STATUSES,
                      names=await _names(ctx, rows), overdue=lambda r: overdue(r, ctx.now),
                      query=flt.to_query, communes=await _communes(ctx),
                      category_label=lambda code: category_name(commune, code,
                                                                ctx.web_session.language))


async def _names(ctx: Page, rows: list[FeedbackReport]) -> dict[str, dict[int, str]]:
    """Village and commune names of the rows, looked up once."""
    villages: dict[int, str] = {}
    communes: dict[int, str] = {}
    for commune_id in {r.commune_id for r in rows}:
        commune = await Communes(ctx.session).get(commune_id)
        if commune is not None:
            communes[commune.id] = commune.name
            villages.update({v.id: v.name for v in commune.villages})
    return {"villages": villages, "communes": communes}


async def _points(ctx: Page) -> tuple[list[dict[str, Any]], int, DeskFilter]:
    flt = DeskFilter.from_query(dict(ctx.request.query))
    rows = await desk(ctx).all(ctx.commune_id, flt, ctx.now, limit=MAP_LIMIT)
    commune = await ctx.commune()
    points = [{"code": r.code, "lat": r.latitude, "lng": r.longitude,
               "url": ctx.url(f"/reports/{r.id}"),
               "category": category_name(commune, r.category, ctx.web_session.language),
               "status": ctx.t(f"feedback.status.{r.status}")}
              for r in rows if r.latitude is not None and r.longitude is not None]
    return points, len(rows), flt


async def map_page(ctx: Page) -> web.StreamResponse:
    points, total, flt = await _points(ctx)
    return ctx.render("map.html", points=points, total=total, query=flt.to_query,
                      commune=await ctx.commune())


async def points_json(ctx: Page) -> web.StreamResponse:
    points, _, _ = await _points(ctx)
    return web.json_response(points)


async def export(ctx: Page) -> web.StreamResponse:
    flt = DeskFilter.from_query(dict(ctx.request.query))
    rows = await desk(ctx).all(ctx.commune_id, flt, ctx.now)
    await AuditEntries(ctx.session).record(ctx.user, "ops.export", commune_id=ctx.commune_id,
                                    target=ctx.request.match_info["kind"], rows=len(rows))
    return await export_response(ctx, rows, await _names(ctx, rows),
                                 ctx.request.match_info["kind"])


async def _report(ctx: Page, action: str) -> FeedbackReport | web.Response:
    """The report of the URL, if this official may see it; else the page to answer with."""
    report_id = whole_number(ctx.request.match_info["id"])
    report = await FeedbackReports(ctx.session).get(report_id) if report_id is not None else None
    if report is None:
        return ctx.not_found()
    if not ctx.may_act_in(report.commune_id):
        return await ctx.refuse(action, commune_id=report.commune_id, target=report.code)
    return report


async def report_page(ctx: Page) -> web.StreamResponse:
    report = await _report(ctx, "feedback.view")
    if isinstance(report, web.Response):
        return report
    return await _show(ctx, report)


async def media(ctx: Page) -> web.StreamResponse:
    report = await _report(ctx, "feedback.media")
    if isinstance(report, web.Response):
        return report
    return await serve(ctx, report)


async def _show(ctx: Page, report: FeedbackReport, error: str | None = None,
                form: dict[str, str] | None = None) -> web.Response:
    commune = await Communes(ctx.session).get(report.commune_id)
    events_ = list(await ctx.session.scalars(
        select(FeedbackEvent).where(FeedbackEvent.report_id == report.id)
        .order_by(FeedbackEvent.at, FeedbackEvent.id)))
    people = await _people(ctx, [report.reporter_id, report.assignee_id,
                                 *(e.actor_id for e in events_)])
    officials = await Users(ctx.session).officials_of(report.commune_id)
    village = next((v.name for v in commune.villages if v.id == report.village_id),
                   None) if commune else None
    await AuditEntries(ctx.session).record(ctx.user, "feedback.view", commune_id=report.commune_id,
                                    target=report.code, via="ops")
    return ctx.render(
        "report.html", report=report, commune=commune, village=village,
        timeline=timeline(report, events_),
        people=people, officials=officials, statuses=STATUSES, nonce=secrets.token_urlsafe(12),
        category=category_name(commune, report.category, ctx.web_session.language),
        templates=templates_for(commune, report.category, ctx.web_session.language),
        is_overdue=overdue(report, ctx.now), error=error, form=form or {},
        files=[(f, media_url(ctx, report, f) if f.sha256 else None) for f in files_of(report)],
        point=public_point(report),
        notice=_notice(ctx, ctx.request.query.get("notice", "")), status=400 if error else 200)


@dataclass(frozen=True)
class Acknowledged:
    """The acknowledgement as a step of the timeline: the report keeps its time, not an
    event (`FeedbackReports.acknowledge`)."""

    at: datetime
    kind: str = "acknowledged"
    public: bool = True
    status: str | None = None
    actor_id: int | None = None
    text: str | None = None


def timeline(report: FeedbackReport, events_: list[FeedbackEvent]) -> list[Any]:
    """The report's events with its acknowledgement in its place (before a status change
    made at the same moment, which acknowledges it too)."""
    steps: list[tuple[datetime, int, Any]] = [(e.at, 1, e) for e in events_]
    if report.acknowledged_at is not None:
        steps.append((report.acknowledged_at, 0, Acknowledged(report.acknowledged_at)))
    return [step for _, _, step in sorted(steps, key=lambda s: (s[0], s[1]))]


def _notice(ctx: Page, name: str) -> str | None:
    key = f"ops.desk.{name}"
    return ctx.t(key) if name and ctx.t.has(key) else None


async def _people(ctx: Page, ids: list[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in await ctx.session.scalars(select(User).where(User.id.in_(wanted)))}


async def act(ctx: Page) -> web.StreamResponse:
    """acknowledge | reply | status | assign | note, as in chat, audited the same way."""
    action = ctx.request.match_info["action"]
    if action not in ACTIONS:
        return ctx.not_found()
    report = await _report(ctx, f"feedback.{action}")
    if isinstance(report, web.Response):
        return report
    form = await ctx.form()
    path = f"/reports/{report.id}"
    if await ctx.pressed_twice(action, form.get("nonce", "")):
        return ctx.back(path, notice="already_done")  # a second press of the same form
    try:
        await ACTIONS[action](ctx, report, form)
    except FeedbackError as error:  # nothing was changed: the page again, with the reason
        web_key = f"ops.err.{error.key}"  # the chat wording names chat commands
        reason = ctx.t(web_key) if ctx.t.has(web_key) else ctx.t(error.key, **error.params)
        return await _show(ctx, report, reason, form)
    await AuditEntries(ctx.session).record(ctx.user, f"feedback.{action}",
                                    commune_id=report.commune_id, target=report.code,
                                    via="ops")
    return ctx.back(path, notice=f"done_{action}")


async def _acknowledge(ctx: Page, report: FeedbackReport, form: dict[str, str]) -> None:
    await FeedbackReports(ctx.session).acknowledge(report, ctx.user, ctx.now)


async def _reply(ctx: Page, report: FeedbackReport, form: dict[str, str]) -> None:
    await FeedbackReports(ctx.session).answer(report, ctx.user, form.get("text", "")[:MAX_TEXT + 1],
                                       ctx.now)


async def _status(ctx: Page, report: FeedbackReport, form: dict[str, str]) -> None:
    await FeedbackReports(ctx.session).set_status(report, ctx.user, form.get("status", ""),
                                           form.get("note", "")[:MAX_TEXT + 1], ctx.now)


async def _assign(ctx: Page, report: FeedbackReport, form: dict[str, str]) -> None:
    assignee_id = whole_number(form.get("assignee", ""))
    assignee = await Users(ctx.session).get(assignee_id) if assignee_id is not None else None
    if assignee is None:
        raise FeedbackError("feedback.admin.assignee_not_official")
    await FeedbackReports(ctx.session).assign(report, ctx.user, assignee, ctx.now)


async def _note(ctx: Page, report: FeedbackReport, form: dict[str, str]) -> None:
    await FeedbackReports(ctx.session).note(report, ctx.user, form.get("text", "")[:MAX_TEXT + 1],
                                     ctx.now)


ACTIONS: dict[str, Callable[[Page, FeedbackReport, dict[str, str]], Awaitable[None]]] = {
    "acknowledge": _acknowledge, "reply": _reply, "status": _status, "assign": _assign,
    "note": _note,
}


async def live_events(request: web.Request) -> web.StreamResponse:
    """Signed-in pages follow new reports; the session is checked, then released before
    the stream starts (a stream must not hold a database transaction)."""
    from ops.app import LIVE_KEY, _page

    async with _page(request) as ctx:
        if ctx is None:
            return web.Response(status=401)
        commune_id = ctx.commune_id
    return await events(request, request.app[LIVE_KEY], commune_id)
