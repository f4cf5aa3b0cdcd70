"""The audit log viewer: who did what, where, with what outcome, filtered and exported
(cells made inert). Admins see every commune; an official, their own commune's rows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import Select, select

from ops.context import Page, Wrap
from ops.exports import file_response
from services.cells import inert
from services.communes import Communes
from services.models import AuditEntry
from services.text import whole_number

PER_PAGE = 100
EXPORT_LIMIT = 50_000
FILTERS = ("who", "action", "commune", "outcome", "since", "until")


def install(app: web.Application, page: Wrap, change: Wrap) -> None:
    app.router.add_get("/audit", page(audit_page))
    app.router.add_get("/audit.csv", page(audit_export))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def filters(ctx: Page) -> dict[str, str]:
    return {k: ctx.request.query.get(k, "").strip()[:100] for k in FILTERS}


def query(ctx: Page, wanted: dict[str, str]) -> Select[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc())
    commune = ctx.commune_id if not ctx.is_admin else whole_number(wanted["commune"])
    if commune is not None:
        q = q.where(AuditEntry.commune_id == commune)
    if wanted["who"]:
        q = q.where(AuditEntry.actor.contains(wanted["who"], autoescape=True))
    if wanted["action"]:
        q = q.where(AuditEntry.action.contains(wanted["action"], autoescape=True))
    if wanted["outcome"]:
        q = q.where(AuditEntry.outcome == wanted["outcome"])
    tz = ZoneInfo(ctx.config.timezone)
    since, until = _day(wanted["since"]), _day(wanted["until"])
    if since:
        q = q.where(AuditEntry.at >= datetime.combine(since, time(), tz))
    if until:
        q = q.where(AuditEntry.at < datetime.combine(until + timedelta(days=1), time(), tz))
    return q


async def audit_page(ctx: Page) -> web.StreamResponse:
    wanted = filters(ctx)
    rows = list(await ctx.session.scalars(query(ctx, wanted).limit(PER_PAGE)))
    names = {c.id: c.name for c in await Communes(ctx.session).all()}
    return ctx.render("audit.html", rows=rows, wanted=wanted, names=names,
                      communes=names if ctx.is_admin else {},
                      export=ctx.url("/audit.csv", **wanted), limit=PER_PAGE)


async def audit_export(ctx: Page) -> web.StreamResponse:
    wanted = filters(ctx)
    names = {c.id: c.name for c in await Communes(ctx.session).all()}
    header = [ctx.t(f"audit.col.{c}") for c in ("at", "who", "action", "commune", "target",
                                                 "outcome")]
    body: list[list[Any]] = [
        [ctx.when(e.at), e.actor, e.action, names.get(e.commune_id or 0, ""), e.target or "",
         e.outcome]
        for e in await ctx.session.scalars(query(ctx, wanted).limit(EXPORT_LIMIT))]
    rows = [header, *[[inert(cell) for cell in row] for row in body]]
    return file_response(rows, "csv", ctx.t("audit.title"), f"nhat-ky-{ctx.now:%Y%m%d}")
