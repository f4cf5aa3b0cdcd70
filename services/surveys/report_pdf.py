"""The printable monthly report for the commune People's Committee meeting (reportlab, with
DejaVu Sans registered for Vietnamese): a summary page, charts, tables by village, category,
procedure and SIPAS aspect, feedback timeliness and the surveys of the month."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from locales import Translator
from services import fonts
from services.surveys import charts
from services.surveys.service import local
from services.surveys.stats import SMALL, Period, Report, Satisfaction, cell, fmt_pct, shown

REGULAR, BOLD = "ThonSo-DejaVu", "ThonSo-DejaVu-Bold"


def _register() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(fonts.REGULAR)))
        pdfmetrics.registerFont(TTFont(BOLD, str(fonts.BOLD)))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=18, leading=24,
                                alignment=TA_CENTER, spaceAfter=6),
        "sub": ParagraphStyle("sub", parent=base, alignment=TA_CENTER, fontSize=11),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=13, leading=18,
                             spaceBefore=10, spaceAfter=6),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10,
                                textColor=colors.grey),
        "head": ParagraphStyle("head", parent=base, alignment=TA_CENTER, fontSize=10,
                               leading=13),
        "head_bold": ParagraphStyle("head_bold", parent=base, fontName=BOLD,
                                    alignment=TA_CENTER, fontSize=10, leading=13),
        "dateline": ParagraphStyle("dateline", parent=base, alignment=TA_RIGHT, fontSize=10),
    }


def _table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    table = Table([header, *rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f2fd")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#90a4ae")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _satisfaction_rows(data: dict[str, Satisfaction], t: Translator) -> list[list[str]]:
    return [[key, *(_written(value, t) for value in shown(s))] for key, s in data.items()]


def _written(value: str, t: Translator) -> str:
    """A suppressed cell says why, in words, on paper."""
    return t("officials.report.small") if value == SMALL else value


def month_label(period: Period) -> str:
    """"12/2026" for a month (the report says "tháng 12/2026"); other periods as asked."""
    if period.kind == "month":
        return f"{period.start.month}/{period.start.year}"
    return period.label


def _official_header(report: Report, t: Translator, styles: dict[str, ParagraphStyle],
                     width: float, now: datetime) -> list[Flowable]:
    """The administrative document's head (Decree 30/2020/NĐ-CP): the issuing body and the
    number on the left, the national name and motto on the right, then place and date."""
    local_now = now.astimezone(report.period.since.tzinfo)
    body = report.title.upper()
    head = Table([[
        [Paragraph(t("officials.report.issuer", body=body), styles["head_bold"]),
         Paragraph(t("officials.report.number", year=local_now.year), styles["head"])],
        [Paragraph(t("officials.report.nation"), styles["head_bold"]),
         Paragraph(t("officials.report.motto"), styles["head_bold"])],
    ]], colWidths=[width * 0.42, width * 0.58])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [head, Spacer(1, 0.2 * cm),
            Paragraph(t("officials.report.dateline", place=report.title, day=local_now.day,
                        month=local_now.month, year=local_now.year), styles["dateline"]),
            Spacer(1, 0.5 * cm)]


def _image(data: bytes, width: float) -> Image:
    image = Image(io.BytesIO(data))
    ratio = image.imageHeight / image.imageWidth
    image.drawWidth, image.drawHeight = width, width * ratio
    return image


def monthly_pdf(report: Report, t: Translator, now: datetime) -> bytes:
    _register()
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm,
                                 topMargin=1.8 * cm, bottomMargin=1.8 * cm,
                                 title=t("report.pdf_title", title=report.title,
                                         period=month_label(report.period)),
                                 author="Thôn Số")
    width = A4[0] - 4 * cm
    story = [
        *_official_header(report, t, styles, width, now),
        *_summary(report, t, styles, width),
        PageBreak(),
        Paragraph(t("report.charts"), styles["h2"]),
        _chart(charts.has_trend(report), t("stats.chart.trend"), styles, t,
               lambda: _image(charts.single_png(charts.trend, report, t), width)),
        Spacer(1, 0.3 * cm),
        _chart(charts.has_feedback(report), t("stats.chart.feedback"), styles, t,
               lambda: _image(charts.single_png(charts.feedback, report, t), width * 0.8)),
        PageBreak(),
        *_groups(report, t, styles, width),
        PageBreak(),
        *_counts(t("report.feedback_title"), [t("report.col.category"), t("report.col.count")],
                 [[k, str(v)] for k, v in sorted(report.feedback_by_category.items())],
                 t, styles, width),
        *_counts(t("report.funnel_title"), [t("report.col.step"), t("report.col.count")],
                 [[t(f"stats.funnel.{s}") if t.has(f"stats.funnel.{s}") else s, str(n)]
                  for s, n in report.funnel], t, styles, width),
        *_counts(t("report.surveys_title"), [t("report.col.survey"), t("report.col.count")],
                 [[local(s.title, t.language), _written(cell(n), t)]
                  for s, n in report.surveys],
                 t, styles, width),
        Spacer(1, 0.6 * cm),
        Paragraph(t("report.generated", at=now.astimezone(
            report.period.since.tzinfo).strftime("%H:%M %d/%m/%Y")), styles["small"]),
    ]
    document.build(story)
    return buffer.getvalue()


def _summary(report: Report, t: Translator, styles: dict[str, ParagraphStyle],
             width: float) -> list[Flowable]:
    count, rate, mean = shown(report.overall)
    timely = report.timeliness
    return [
        Paragraph(t("report.heading"), styles["title"]),
        Paragraph(t("report.subheading", title=report.title, period=month_label(report.period)),
                  styles["sub"]),
        Spacer(1, 0.6 * cm),
        Paragraph(t("report.summary"), styles["h2"]),
        _table([t("report.col.figure"), t("report.col.value")], [
            [t("report.row.answers"), _written(count, t)],
            [t("report.row.rate"), _written(rate, t)],
            [t("report.row.mean"), _written(mean, t)],
            [t("report.row.feedback"), str(timely.received)],
            [t("report.row.on_time"), fmt_pct(timely.on_time_rate)],
            [t("report.row.answer_time"), _hours(timely.median_answer_hours, t)],
            [t("report.row.resolve_time"), _days(timely.median_resolve_days, t)],
            [t("report.row.surveys"), str(len(report.surveys))],
        ], [width * 0.65, width * 0.35]),
        Spacer(1, 0.4 * cm),
        Paragraph(t("officials.report.note_small"), styles["small"]),
    ]


def _groups(report: Report, t: Translator, styles: dict[str, ParagraphStyle],
            width: float) -> list[Flowable]:
    """Satisfaction by village, category, procedure and aspect, and the villages' chart."""
    header = [t("report.col.group"), t("report.col.count"), t("report.col.rate"),
              t("report.col.mean")]
    widths = [width * 0.46, width * 0.18, width * 0.18, width * 0.18]
    story: list[Flowable] = []
    for title_key, attribute in (("report.by_village", "village"),
                                 ("report.by_category", "category"),
                                 ("report.by_procedure", "procedure"),
                                 ("report.by_aspect", "aspect")):
        data = report.by(attribute)
        if attribute == "aspect":
            data = {t(f"surveys.aspect.{k}"): v for k, v in data.items()}
        story.append(Paragraph(t(title_key), styles["h2"]))
        story.append(_table(header, _satisfaction_rows(data, t), widths) if data
                     else Paragraph(t("report.none"), styles["body"]))
        if attribute == "village":  # the villages' chart within their section, in order
            story.append(_village_chart(data, t, styles, width))
    return story


def _village_chart(data: dict[str, Satisfaction], t: Translator,
                   styles: dict[str, ParagraphStyle], width: float) -> Flowable:
    title = t("stats.chart.by_village")
    return _chart(bool(data), title, styles, t,
                  lambda: _image(charts.single_png(charts.bars, title, data, t), width))


def _chart(has_data: bool, title: str, styles: dict[str, ParagraphStyle], t: Translator,
           draw: Callable[[], Flowable]) -> Flowable:
    """A chart, or its title and "no data yet" in words where there is nothing to draw."""
    if has_data:
        return draw()
    return Paragraph(t("officials.report.chart_empty", title=title), styles["body"])


def _counts(title: str, header: list[str], rows: list[list[str]], t: Translator,
            styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    """A titled two-column table of counts, or "none"."""
    return [Paragraph(title, styles["h2"]),
            _table(header, rows, [width * 0.7, width * 0.3]) if rows
            else Paragraph(t("report.none"), styles["body"])]


def _hours(value: float | None, t: Translator) -> str:
    return "—" if value is None else t("report.hours", hours=f"{value:.1f}".replace(".", ","))


def _days(value: float | None, t: Translator) -> str:
    return "—" if value is None else t("report.days", days=f"{value:.1f}".replace(".", ","))

