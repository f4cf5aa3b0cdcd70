"""The audit log viewer: who did what, where, with what outcome, filtered and exported
(cells made inert). Admins see every commune; an official, their own commune's rows."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import Select, or_, select

from ops.context import Page, Wrap
from ops.exports import file_response
from services.audit import USER_REF, action_key
from services.cells import inert
from services.communes import Communes
from services.models import AuditEntry, Chat, User
from services.text import whole_number

PER_PAGE = 100
EXPORT_LIMIT = 50_000
FILTERS = ("who", "action", "commune", "outcome", "since", "until")
OUTCOMES = ("ok", "denied", "refused")
THING_REF = re.compile(r"^(notice|survey):(\d+)$")


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
    if wanted["who"]:  # a person's name, or their channel id
        named = select(User.id).where(User.display_name.contains(wanted["who"], autoescape=True))
        q = q.where(or_(AuditEntry.actor.contains(wanted["who"], autoescape=True),
                        AuditEntry.actor_id.in_(named)))
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
    """The log in the reader's words: people by name (never a channel id), actions and
    outcomes by their labels (the code stays in the cell's title)."""
    wanted = filters(ctx)
    names = {c.id: c.name for c in await Communes(ctx.session).all()}
    rows = await _rows(ctx, names, list(await ctx.session.scalars(
        query(ctx, wanted).limit(PER_PAGE))))
    scope = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    if not ctx.is_admin:
        scope = scope.where(AuditEntry.commune_id == ctx.commune_id)
    actions = {code: action_name(ctx, code) for code in await ctx.session.scalars(scope)}
    return ctx.render("audit.html", rows=rows, wanted=wanted, actions=actions,
                      outcomes={o: outcome_name(ctx, o) for o in OUTCOMES},
                      communes=names if ctx.is_admin else {},
                      export=ctx.url("/audit.csv", **wanted), limit=PER_PAGE)


async def _rows(ctx: Page, names: dict[int, str],
                entries: list[AuditEntry]) -> list[dict[str, str]]:
    """The entries as the page and its export show them, in words (`names`: the communes')."""
    people = await _people(ctx, entries)
    return [{"at": ctx.when(e.at), "who": _person(ctx, people, e.actor),
             "action": action_name(ctx, e.action), "code": e.action,
             "commune": names.get(e.commune_id or 0, ""),
             "target": _target(ctx, people, e.target or ""),
             "outcome": outcome_name(ctx, e.outcome)}
            for e in entries]


def _target(ctx: Page, people: dict[str, str], target: str) -> str:
    """A person or a group by name, a notice or a survey by its number; a report's code,
    a period or a commune's code as they are (they are words already)."""
    if USER_REF.match(target):
        return _person(ctx, people, target)
    thing = THING_REF.match(target)
    if thing is not None:
        return ctx.t(f"officials.audit.target_{thing.group(1)}", id=thing.group(2))
    return target


def action_name(ctx: Page, action: str) -> str:
    key = action_key(action)
    return ctx.t(key, command=action) if ctx.t.has(key) else ctx.t("officials.audit.other")


def outcome_name(ctx: Page, outcome: str) -> str:
    key = f"audit.outcome.{outcome}"
    return ctx.t(key) if ctx.t.has(key) else outcome


async def _people(ctx: Page, entries: list[AuditEntry]) -> dict[str, str]:
    """The names of the people and groups the entries name (as actor or target), by their
    channel id."""
    refs = {ref for e in entries for ref in (e.actor, e.target or "") if USER_REF.match(ref)}
    if not refs:
        return {}
    pairs = [ref.partition(":")[::2] for ref in refs]
    users = await ctx.session.scalars(select(User).where(
        or_(*((User.channel == channel) & (User.external_id == external) for channel, external
              in pairs))))
    groups = await ctx.session.scalars(select(Chat).where(
        Chat.type != "private", or_(*((Chat.channel == channel) & (Chat.chat_id == external)
                                      for channel, external in pairs))))
    named = {f"{g.channel}:{g.chat_id}": g.title for g in groups if g.title}
    named.update({f"{u.channel}:{u.external_id}": u.display_name for u in users
                  if u.display_name})
    return named


def _person(ctx: Page, people: dict[str, str], ref: str) -> str:
    if ref == "cli":
        return ctx.t("officials.audit.cli")
    return people.get(ref) or ctx.t("officials.audit.unnamed")


async def audit_export(ctx: Page) -> web.StreamResponse:
    """The same words as the page (people by name, never a channel id); the action's code
    comes last, for the province's IT team to search by."""
    columns = ("at", "who", "action", "commune", "target", "outcome", "code")
    names = {c.id: c.name for c in await Communes(ctx.session).all()}
    rows = await _rows(ctx, names, list(await ctx.session.scalars(
        query(ctx, filters(ctx)).limit(EXPORT_LIMIT))))
    table = [[ctx.t(f"audit.col.{c}") for c in columns],
             *[[inert(row[c]) for c in columns] for row in rows]]
    return file_response(table, "csv", ctx.t("audit.title"), f"nhat-ky-{ctx.now:%Y%m%d}")
