"""The province admin's pages: communes from the national list, a commune's villages (CSV),
officials and office profile, and the provincial table with its exports. Officials may open
their own commune's page to keep its profile; everything else is the admin's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from ops.context import Page, Wrap
from ops.exports import file_response
from services.audit import AuditEntries
from services.calendars import Calendars
from services.cells import inert
from services.communes import PROFILE_FIELDS, Communes, ProfileError, set_profile
from services.invites import InviteError, Invites
from services.models import Commune
from services.province import Province, ProvinceError, find_province, national_provinces
from services.province_table import COLUMNS, CommuneFigures, provincial_table, sorted_by
from services.text import whole_number
from services.users import Users

FRESH_FOR = timedelta(seconds=30)
"""How long the provincial table's figures are reused: the whole province is one scan of
every report, and an operations centre's screen refreshing needs no newer figures."""


@dataclass
class TableCache:
    at: datetime | None = None
    rows: list[CommuneFigures] = field(default_factory=list)

    def clear(self) -> None:
        self.at = None


TABLE_KEY = web.AppKey("province_table", TableCache)


def install(app: web.Application, page: Wrap, change: Wrap, upload: Wrap) -> None:
    app[TABLE_KEY] = TableCache()
    app.router.add_get("/province", page(communes_page))
    app.router.add_post("/province/import", change(import_province))
    app.router.add_get("/province/table", page(table_page))
    app.router.add_get("/province/table.{kind:csv|xlsx}", page(table_export))
    app.router.add_get("/communes/{id}", page(commune_page))
    app.router.add_post("/communes/{id}/villages", upload(import_villages))
    app.router.add_post("/communes/{id}/officials", change(grant))
    app.router.add_post("/communes/{id}/officials/{user}/revoke", change(revoke))
    app.router.add_post("/communes/{id}/profile", change(save_profile))
    app.router.add_post("/communes/{id}/remove", change(remove))
    app.router.add_post("/communes/{id}/calendar", change(set_day))
    app.router.add_post("/communes/{id}/calendar/{day}/clear", change(clear_day))
    app.router.add_post("/communes/{id}/invites", change(create_invite))
    app.router.add_post("/communes/{id}/invites/{invite}/{decision:confirm|refuse}",
                        change(decide_invite))


def _problem(ctx: Page, error: ProvinceError) -> str:
    return ctx.t(error.key, **error.values)


async def communes_page(ctx: Page, problem: str | None = None,
                        status: int = 200) -> web.StreamResponse:
    if not ctx.is_admin:
        return await ctx.refuse("province.view")
    return ctx.render("province.html", status=status, communes=await Communes(ctx.session).all(),
                      provinces=national_provinces(), problem=problem,
                      notice=ctx.request.query.get("notice"))


async def import_province(ctx: Page) -> web.StreamResponse:
    if not ctx.is_admin:
        return await ctx.refuse("province.import")
    form = await ctx.request.post()
    query = str(form.get("province") or form.get("chosen") or "")
    try:
        province = find_province(query[:100])
    except ProvinceError as error:
        return await communes_page(ctx, _problem(ctx, error), status=400)
    counts = await Province(ctx.session).import_national(province)
    _communes_changed(ctx)
    await AuditEntries(ctx.session).record(ctx.user, "ops.province.import", target=province.code,
                                           added=counts.added, updated=counts.updated)
    return ctx.back("/province", ctx.t("province.imported", province=province.name,
                                       added=counts.added, updated=counts.updated,
                                       unchanged=counts.unchanged))


async def _commune(ctx: Page) -> Commune | None:
    commune_id = whole_number(ctx.request.match_info["id"])
    return await Communes(ctx.session).get(commune_id) if commune_id else None


async def commune_page(ctx: Page, problem: str | None = None, status: int = 200,
                       invite: str | None = None) -> web.StreamResponse:
    commune = await _own_commune(ctx, "commune.view")
    if not isinstance(commune, Commune):
        return commune
    officials = await Users(ctx.session).officials_of(commune.id) if ctx.is_admin else []
    pending = await Invites(ctx.session).pending(commune.id, ctx.now) if ctx.is_admin else []
    claimants = {u.id: u for u in [await Users(ctx.session).get(i.claimant_id)
                                   for i in pending if i.claimant_id] if u}
    return ctx.render("commune.html", status=status, commune=commune, officials=officials,
                      fields=list(PROFILE_FIELDS), problem=problem,
                      notice=ctx.request.query.get("notice"), pending=pending,
                      claimants=claimants, invite=invite, invite_link=_invite_link(ctx, invite),
                      days=await Calendars(ctx.session).days(commune.id),
                      nonce=secrets.token_urlsafe(12))


def _invite_link(ctx: Page, payload: str | None) -> str | None:
    if payload is None or not ctx.config.bot_username:
        return None
    return f"https://t.me/{ctx.config.bot_username.lstrip('@')}?start={payload}"


async def create_invite(ctx: Page) -> web.StreamResponse:
    """The link is shown on this answer and nowhere else (only its digest is kept)."""
    commune = await _admin_commune(ctx, "province.invite")
    if not isinstance(commune, Commune):
        return commune
    nonce = str((await ctx.request.post()).get("nonce", ""))
    if not nonce or await ctx.pressed_twice("invite", nonce):
        return ctx.back(f"/communes/{commune.id}")  # the form sent again: one invite is enough
    payload = await Invites(ctx.session).create(ctx.user, commune, ctx.now)
    return await commune_page(ctx, invite=payload)


async def decide_invite(ctx: Page) -> web.StreamResponse:
    commune = await _admin_commune(ctx, "province.invite")
    if not isinstance(commune, Commune):
        return commune
    invites = Invites(ctx.session)
    invite_id = whole_number(ctx.request.match_info["invite"])
    invite = await invites.get(invite_id) if invite_id else None
    if invite is None or invite.commune_id != commune.id:
        return ctx.not_found()
    accept = ctx.request.match_info["decision"] == "confirm"
    try:
        await invites.decide(invite, ctx.user, accept, ctx.now)
    except InviteError as error:
        return await commune_page(ctx, ctx.t(error.key), status=409)
    return ctx.back(f"/communes/{commune.id}",
                    ctx.t("province.granted" if accept else "province.invite_refused"))


async def _admin_commune(ctx: Page, action: str) -> Commune | web.StreamResponse:
    commune = await _commune(ctx)
    if commune is None:
        return ctx.not_found()
    if not ctx.is_admin:
        return await ctx.refuse(action, commune_id=commune.id)
    return commune


async def import_villages(ctx: Page) -> web.StreamResponse:
    commune = await _admin_commune(ctx, "province.villages")
    if not isinstance(commune, Commune):
        return commune
    upload = (await ctx.request.post()).get("file")
    data = upload.file.read() if isinstance(upload, web.FileField) else b""
    try:
        counts = await Province(ctx.session).import_villages(commune, data)
    except ProvinceError as error:
        return await commune_page(ctx, _problem(ctx, error), status=400)
    await AuditEntries(ctx.session).record(ctx.user, "ops.province.villages",
                                           commune_id=commune.id, added=counts.added,
                                           updated=counts.updated)
    lines = [ctx.t("province.villages_imported", added=counts.added, updated=counts.updated,
                   unchanged=counts.unchanged),
             *(ctx.t(key, **values) for key, values in counts.warnings)]
    return ctx.back(f"/communes/{commune.id}", " ".join(lines))


async def grant(ctx: Page) -> web.StreamResponse:
    commune = await _admin_commune(ctx, "province.grant")
    if not isinstance(commune, Commune):
        return commune
    form = await ctx.request.post()
    channel = str(form.get("channel", ""))
    external = str(form.get("user", "")).strip()
    if channel not in ("telegram", "zalo", "console") or not external or len(external) > 64:
        return await commune_page(ctx, ctx.t("province.grant.bad"), status=400)
    user, _ = await Users(ctx.session).get_or_create(channel, external)
    await Users(ctx.session).grant_official(user, commune.id)
    await AuditEntries(ctx.session).record(ctx.user, "ops.province.grant", commune_id=commune.id,
                                           target=f"{channel}:{external}")
    return ctx.back(f"/communes/{commune.id}", ctx.t("province.granted"))


async def revoke(ctx: Page) -> web.StreamResponse:
    commune = await _admin_commune(ctx, "province.revoke")
    if not isinstance(commune, Commune):
        return commune
    user_id = whole_number(ctx.request.match_info["user"])
    users = Users(ctx.session)
    user = await users.get(user_id) if user_id else None
    if user is None or user.official_commune_id != commune.id or user.id == ctx.user.id:
        return ctx.not_found()
    await users.revoke(user)
    await AuditEntries(ctx.session).record(ctx.user, "ops.province.revoke",
                                           commune_id=commune.id,
                                           target=f"{user.channel}:{user.external_id}")
    return ctx.back(f"/communes/{commune.id}", ctx.t("province.revoked"))


async def save_profile(ctx: Page) -> web.StreamResponse:
    """Officials of the commune keep their own office's profile; admins any commune's."""
    commune = await _own_commune(ctx, "commune.profile")
    if not isinstance(commune, Commune):
        return commune
    form = await ctx.request.post()
    try:
        set_profile(commune, **{name: str(form.get(name, ""))[:400] for name in PROFILE_FIELDS})
    except ProfileError as error:
        return await commune_page(ctx, ctx.t("province.profile.bad",
                                             field=ctx.t(f"province.profile.{error.field}")),
                                  status=400)
    await AuditEntries(ctx.session).record(ctx.user, "ops.commune.profile",
                                           commune_id=commune.id)
    return ctx.back(f"/communes/{commune.id}", ctx.t("province.profile.saved"))


async def _own_commune(ctx: Page, action: str) -> Commune | web.StreamResponse:
    """The commune of the page, if the user may change it (its officials, or an admin)."""
    commune = await _commune(ctx)
    if commune is None:
        return ctx.not_found()
    if not ctx.may_act_in(commune.id):
        return await ctx.refuse(action, commune_id=commune.id)
    return commune


async def set_day(ctx: Page) -> web.StreamResponse:
    """A commune's own day off (a local holiday) or working day (a swapped Saturday)."""
    commune = await _own_commune(ctx, "commune.calendar")
    if not isinstance(commune, Commune):
        return commune
    form = await ctx.request.post()
    try:
        day = date.fromisoformat(str(form.get("day", "")))
    except ValueError:
        return await commune_page(ctx, ctx.t("province.calendar.bad_day"), status=400)
    working = form.get("working") == "1"
    note = " ".join(str(form.get("note", "")).split())[:200]
    await Calendars(ctx.session).set_day(day, working=working, commune_id=commune.id, note=note)
    await AuditEntries(ctx.session).record(ctx.user, "ops.commune.calendar",
                                           commune_id=commune.id, target=day.isoformat())
    return ctx.back(f"/communes/{commune.id}", ctx.t("province.calendar.saved"))


async def clear_day(ctx: Page) -> web.StreamResponse:
    commune = await _own_commune(ctx, "commune.calendar")
    if not isinstance(commune, Commune):
        return commune
    try:
        day = date.fromisoformat(ctx.request.match_info["day"])
    except ValueError:
        return ctx.not_found()
    if not await Calendars(ctx.session).clear_day(day, commune.id):
        return ctx.not_found()
    await AuditEntries(ctx.session).record(ctx.user, "ops.commune.calendar_clear",
                                           commune_id=commune.id, target=day.isoformat())
    return ctx.back(f"/communes/{commune.id}", ctx.t("province.calendar.cleared"))


async def remove(ctx: Page) -> web.StreamResponse:
    commune = await _admin_commune(ctx, "province.remove")
    if not isinstance(commune, Commune):
        return commune
    province = Province(ctx.session)
    reason = await province.removal_refused(commune)
    if reason:
        await AuditEntries(ctx.session).record(ctx.user, "ops.province.remove",
                                               commune_id=commune.id, outcome="refused")
        return await commune_page(ctx, ctx.t("province.remove.refused",
                                             reason=ctx.t(reason)), status=409)
    name = commune.name
    await AuditEntries(ctx.session).record(ctx.user, "ops.province.remove", target=commune.code)
    await province.remove(commune)
    _communes_changed(ctx)
    return ctx.back("/province", ctx.t("province.removed", name=name))


def _sort(ctx: Page) -> tuple[str, bool]:
    sort = ctx.request.query.get("sort", "name")
    return (sort if sort in COLUMNS else "name"), ctx.request.query.get("desc") == "1"


async def _table(ctx: Page) -> tuple[list[CommuneFigures], datetime]:
    """The figures, sorted as asked, and when they were counted."""
    cache = ctx.request.app[TABLE_KEY]
    if cache.at is None or ctx.now - cache.at > FRESH_FOR:
        cache.rows, cache.at = await provincial_table(ctx.session, ctx.now), ctx.now
    sort, descending = _sort(ctx)
    return sorted_by(cache.rows, sort, descending), cache.at


def _communes_changed(ctx: Page) -> None:
    ctx.request.app[TABLE_KEY].clear()


async def table_page(ctx: Page) -> web.StreamResponse:
    if not ctx.is_admin:
        return await ctx.refuse("province.table")
    sort, descending = _sort(ctx)
    rows, counted = await _table(ctx)
    return ctx.render("province_table.html", rows=rows, columns=COLUMNS, sort=sort,
                      descending=descending, small=5, counted=counted)


def table_rows(ctx: Page, rows: list[CommuneFigures]) -> list[list[Any]]:
    header = [ctx.t("province.col.code"), *(ctx.t(f"province.col.{c}") for c in COLUMNS)]
    body = [[r.code, *(_cell(ctx, r, c) for c in COLUMNS)] for r in rows]
    return [header, *[[inert(cell) for cell in row] for row in body]]


def _cell(ctx: Page, row: CommuneFigures, column: str) -> Any:
    value = row.value(column)
    if column == "satisfaction" and value is None:
        return ctx.t("province.small", count=row.ratings, small=5)
    return value


async def table_export(ctx: Page) -> web.StreamResponse:
    if not ctx.is_admin:
        return await ctx.refuse("province.table")
    rows = table_rows(ctx, (await _table(ctx))[0])
    return file_response(rows, ctx.request.match_info["kind"], ctx.t("province.table"),
                         f"tinh-{ctx.now:%Y%m%d}")
