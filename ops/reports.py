"""Figures on the web: the monthly report PDF for any month (the same document the officials
get on the first working day), and the online-filing funnel per procedure."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ops.context import Page, Wrap
from services.audit import AuditEntries
from services.communes import Communes
from services.filing.service import Filings
from services.surveys.reporting import report_for
from services.surveys.stats import PeriodError, parse_period, today_local


def install(app: web.Application, page: Wrap, change: Wrap) -> None:
    app.router.add_get("/figures", page(figures))
    app.router.add_get("/figures/monthly.pdf", page(monthly_pdf))


async def figures(ctx: Page, error: str | None = None) -> web.Response:
    commune = await ctx.commune()
    today = today_local(ctx.now)
    rows = await Filings(ctx.session).funnel(ctx.commune_id)
    return ctx.render("figures.html", commune=commune, funnel=rows, error=error,
                      month=ctx.request.query.get("month", "")[:7] or
                      f"{today.year:04d}-{today.month:02d}",
                      status=400 if error else 200)


async def monthly_pdf(ctx: Page) -> web.StreamResponse:
    """The report of the month asked for, in the page's language; audited as a download."""
    wanted = ctx.request.query.get("month", "")[:7]
    try:
        period = parse_period(wanted, today_local(ctx.now))
    except PeriodError:
        return await figures(ctx, ctx.t("ops.figures.bad_month"))
    if len(period.label) != 7:  # a year or a quarter: the monthly document is by month
        return await figures(ctx, ctx.t("ops.figures.bad_month"))
    scope = [ctx.commune_id] if ctx.commune_id is not None else None
    report = await report_for(ctx.session, scope, period, ctx.now, ctx.t)
    from services.surveys.report_pdf import monthly_pdf as render  # reportlab: on first use

    data = await asyncio.to_thread(render, report, ctx.t, ctx.now)
    commune = await Communes(ctx.session).get(ctx.commune_id) if ctx.commune_id else None
    await AuditEntries(ctx.session).record(ctx.user, "ops.report_pdf", commune_id=ctx.commune_id,
                                           target=period.label)
    name = f"bao_cao_{commune.code if commune else 'tinh'}_{period.label}.pdf"
    return web.Response(body=data, content_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
