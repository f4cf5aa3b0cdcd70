"""Reports for officials: /stats (a chart and a short summary) and /export (CSV files).

An official sees their commune; a province admin may name any commune by code, or `all`.
`/export <period> full` (with personal data) is for province admins only, and audited.
"""

from __future__ import annotations

import re

from handlers.context import Context
from handlers.router import Router
from handlers.types import Attachment, Incoming
from services.surveys.export import export_csvs
from services.surveys.reporting import period_name, report_for, summary_text
from services.surveys.stats import Period, PeriodError, parse_period, today_local
from services.text import whole_number
from services.users import can_act_in, is_admin

CAPTION_LIMIT = 1000
PERIOD_LIKE = re.compile(r"\d{4}([-/]\S*)?|\d{1,2}/\S*")
"""A word meant as a period (a commune code is five digits)."""


async def _scope(ctx: Context, words: list[str], action: str) -> list[int] | bool | None:
    """The communes asked for: a list of ids, None for all (admins), False when refused."""
    wanted = [w for w in words if w.lower() != "full"]
    if not wanted:
        if ctx.user.official_commune_id is not None:
            return [ctx.user.official_commune_id]
        return None if is_admin(ctx.user) else False
    code = wanted[0]
    if code.lower() in ("all", "tatca", "tất-cả"):
        if is_admin(ctx.user):
            return None
        await ctx.audit.record(ctx.user, action, outcome="denied", target="all")
        return False
    commune = await ctx.communes.by_code(code)
    if commune is None and (commune_id := whole_number(code)) is not None:
        commune = await ctx.communes.get(commune_id)
    if commune is None:
        ctx.say("stats.unknown_commune", code=code)
        return False
    if not can_act_in(ctx.user, commune.id):
        await ctx.audit.record(ctx.user, action, commune_id=commune.id, outcome="denied")
        return False
    return [commune.id]


def _period(ctx: Context, words: list[str]) -> tuple[Period | None, list[str]]:
    """The period among the arguments (the first word that looks like one)."""
    first = words[0] if words and PERIOD_LIKE.fullmatch(words[0]) else ""
    try:
        period = parse_period(first, today_local(ctx.now))
    except PeriodError:
        ctx.say("stats.bad_period", period=first)
        return None, words
    return period, words[1:] if first else words


async def on_stats(inc: Incoming, ctx: Context) -> None:
    period, rest = _period(ctx, inc.args.split())
    if period is None:
        return
    scope = await _scope(ctx, rest, "/stats")
    if scope is False:
        if not ctx.replies:
            ctx.say("errors.not_allowed")
        return
    communes = scope if isinstance(scope, list) else None
    report = await report_for(ctx.session, communes, period, ctx.now, ctx.t)
    if report.is_empty:
        ctx.say("stats.empty", title=report.title, period=period_name(period, ctx.t))
        return
    await ctx.audit.record(ctx.user, "/stats", commune_id=communes[0] if communes else None,
                           target=period.label)
    text = summary_text(report, ctx.t)
    from services.surveys.charts import dashboard_png  # matplotlib loads on first use

    chart = Attachment(data=dashboard_png(report, ctx.t), filename=f"thong_ke_{period.label}.png",
                       mime="image/png")
    caption = ctx.t("stats.caption", title=report.title, period=period_name(period, ctx.t))
    ctx.reply(caption[:CAPTION_LIMIT], photo=chart)
    ctx.reply(text)


async def on_export(inc: Incoming, ctx: Context) -> None:
    words = inc.args.split()
    full = any(w.lower() == "full" for w in words)
    period, rest = _period(ctx, [w for w in words if w.lower() != "full"])
    if period is None:
        return
    if full and not is_admin(ctx.user):
        await ctx.audit.record(ctx.user, "/export", commune_id=ctx.user.official_commune_id,
                               target=period.label, outcome="denied", full=True)
        ctx.say("stats.full_admin_only")
        return
    scope = await _scope(ctx, rest, "/export")
    if scope is False:
        if not ctx.replies:
            ctx.say("errors.not_allowed")
        return
    communes = scope if isinstance(scope, list) else None
    report = await report_for(ctx.session, communes, period, ctx.now, ctx.t)
    files = await export_csvs(ctx.session, communes, period, report, full=full)
    if not any(f.rows for f in files):
        ctx.say("stats.empty", title=report.title, period=period_name(period, ctx.t))
        return
    await ctx.audit.record(ctx.user, "/export", commune_id=communes[0] if communes else None,
                           target=period.label, full=full,
                           rows={f.filename: f.rows for f in files})
    ctx.say("stats.export_intro", period=period_name(period, ctx.t),
            kind=ctx.t("stats.export_full" if full else "stats.export_anonymous"))
    for file in files:
        ctx.reply(ctx.t("stats.export_file", name=file.filename, rows=file.rows),
                  document=Attachment(data=file.data, filename=file.filename,
                                      mime="text/csv"))


def register(router: Router) -> None:
    router.command("stats", "thongke", role="official", help_key="stats.help")(on_stats)
    router.command("export", role="official", help_key="stats.export_help")(on_export)
