"""Reports as the officials get them: the figures of a scope and period, their text summary,
and the monthly PDF sent to a commune's officials on the first working day of the month."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from services.calendars import calendar_for
from services.feedback.categories import categories_for
from services.models import Commune, OutboxMessage
from services.outbox import Outbox
from services.surveys.stats import (
    MIN_CELL,
    SMALL,
    Period,
    Report,
    build_report,
    fmt_pct,
    parse_period,
    shown,
)
from services.text import decimal
from services.timezones import VIETNAM_TZ
from services.users import Users
from services.worktime import WorkCalendar

SEND_FROM = time(7, 30)


def plain(label: str) -> str:
    """A label without emoji (charts and the PDF print letters only)."""
    kept = "".join(ch for ch in label
                   if unicodedata.category(ch) not in ("So", "Sk", "Cf", "Mn")
                   or (unicodedata.category(ch) == "Mn" and ord(ch) < 0x2000))
    return " ".join(kept.split())


async def report_for(session: AsyncSession, commune_ids: list[int] | None, period: Period,
                     now: datetime, t: Translator) -> Report:
    names: dict[str, str] = {}
    communes = [c for c in [await session.get(Commune, i) for i in commune_ids or []] if c]
    scopes: list[Commune | None] = [*communes] or [None]
    for commune in scopes:
        names.update({c.code: plain(c.name(t.language)) for c in categories_for(commune)})
    title = ", ".join(c.name for c in communes) if commune_ids is not None \
        else t("stats.all_communes")
    return await build_report(session, commune_ids, period, title, now, names)


def period_name(period: Period, t: Translator) -> str:
    """The period in words: "tháng 12/2026", "quý 4/2026", "năm 2026" ("December 2026")."""
    year = period.start.year
    if period.kind == "month":
        return t(f"stats.period.month.{period.start.month}", year=year)
    if period.kind == "quarter":
        return t("stats.period.quarter", quarter=(period.start.month - 1) // 3 + 1, year=year)
    return t("stats.period.year", year=year)


def small_cell(value: str, t: Translator) -> str:
    """A figure as the chat shows it: a suppressed one in words ("chưa đủ 5 đánh giá")."""
    return t("stats.small", min=MIN_CELL) if value == SMALL else value


def summary_text(report: Report, t: Translator) -> str:
    count, rate, mean = shown(report.overall, t.language)
    timely = report.timeliness
    satisfaction = t("stats.summary_satisfaction_small", min=MIN_CELL) \
        if report.overall.small else \
        t("stats.summary_satisfaction", rate=rate, mean=mean, count=count)
    lines = [t("stats.summary_head", title=report.title, period=period_name(report.period, t)),
             satisfaction]
    for key, attribute in (("stats.by_aspect", "aspect"), ("stats.by_village", "village"),
                           ("stats.by_category", "category"),
                           ("stats.by_procedure", "procedure")):
        data = report.by(attribute)
        if not data:
            continue
        parts = []
        for name, s in data.items():
            label = t(f"surveys.aspect.{name}") if attribute == "aspect" else name
            n, r, _ = shown(s, t.language)
            parts.append(f"{label} {r} (n={n})" if not s.small
                         else f"{label} {small_cell(n, t)}")
        lines.append(f"{t(key)}: " + "; ".join(parts))
    lines.append(t("stats.summary_feedback", received=timely.received,
                   on_time=fmt_pct(timely.on_time_rate, t.language),
                   answer=_number(timely.median_answer_hours, t.language),
                   resolve=_number(timely.median_resolve_days, t.language)))
    if report.funnel:
        lines.append(t("stats.summary_funnel") + " " + " → ".join(
            f"{t(f'stats.funnel.{s}') if t.has(f'stats.funnel.{s}') else s} {n}"
            for s, n in report.funnel))
    trend = [f"{m[5:]}/{m[2:4]} {small_cell(shown(s, t.language)[1], t)}"
             for m, s in report.trend() if s.count]
    if trend:
        lines.append(t("stats.summary_trend") + " " + ", ".join(trend))
    lines.append(t("stats.summary_note"))
    return "\n".join(lines)


def _number(value: float | None, language: str) -> str:
    return "—" if value is None else decimal(value, language, 1)


def previous_month(today: date) -> Period:
    first = today.replace(day=1)
    last_month = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return parse_period(f"{last_month.year:04d}-{last_month.month:02d}", today)


def is_first_working_day(today: date, calendar: WorkCalendar) -> bool:
    if not calendar.is_working_day(today):
        return False
    return not any(calendar.is_working_day(today.replace(day=d)) for d in range(1, today.day))


async def send_monthly_reports(session: AsyncSession, now: datetime) -> int:
    """On the first working day of a month (from 07:30), send each commune's officials the
    previous month's PDF, once; return how many were queued."""
    calendar = await calendar_for(session, None)
    local = now.astimezone(VIETNAM_TZ)
    if local.time() < SEND_FROM or not is_first_working_day(local.date(), calendar):
        return 0
    period = previous_month(local.date())
    queued = 0
    outbox = Outbox(session)
    for commune in await session.scalars(select(Commune).order_by(Commune.id)):
        officials = await Users(session).officials_of(commune.id)
        pending = []
        for official in officials:
            key = f"report:{commune.id}:{period.label}:{official.id}"
            if await session.scalar(select(OutboxMessage.id)
                                    .where(OutboxMessage.dedupe_key == key)) is None:
                pending.append((official, key))
        if not pending:
            continue
        # reportlab and matplotlib (tens of MB) only once a report is really due.
        from services.surveys.report_pdf import monthly_pdf

        documents: dict[str, str] = {}
        for official, key in pending:
            t = Translator(official.language)
            if t.language not in documents:
                report = await report_for(session, [commune.id], period, now, t)
                documents[t.language] = await outbox.store_blob(
                    monthly_pdf(report, t, now), "application/pdf")
            await outbox.enqueue(
                official.channel, official.external_id, kind="document",
                text=t("report.caption", title=commune.name, period=period.label),
                attachment={"sha256": documents[t.language], "mime": "application/pdf",
                            "filename": f"bao_cao_{commune.code}_{period.label}.pdf"},
                dedupe_key=key)
            queued += 1
    return queued

