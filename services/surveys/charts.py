"""PNG charts of a report (matplotlib, Agg backend, DejaVu Sans for Vietnamese glyphs).

The figures drawn are also written into the PNG as a `thonso:figures` text chunk (JSON), so
what a chart shows can be checked against the stored answers.
"""

from __future__ import annotations

import io
import json
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from locales import Translator
from services.surveys.stats import MIN_CELL, SMALL, Report, Satisfaction, fmt_mean, fmt_pct

FONT = "DejaVu Sans"
GOOD, BAR, MUTED = "#2e7d32", "#1565c0", "#9e9e9e"
FIGURES_KEY = "thonso:figures"

plt.rcParams.update({"font.family": FONT, "font.size": 10, "axes.titlesize": 11,
                     "axes.spines.top": False, "axes.spines.right": False})


def figures(report: Report) -> dict[str, Any]:
    """The numbers the charts show: rate in % (None when suppressed) and count per group."""
    def groups(data: dict[str, Satisfaction]) -> dict[str, Any]:
        return {key: {"count": s.count if not s.small else SMALL,
                      "rate": None if s.small or s.rate is None else round(s.rate * 100, 1)}
                for key, s in data.items()}

    overall = report.overall
    return {
        "period": report.period.label,
        "overall": {"count": overall.count if not overall.small else SMALL,
                    "rate": None if overall.small or overall.rate is None
                    else round(overall.rate * 100, 1),
                    "mean": None if overall.small or overall.mean is None
                    else round(overall.mean, 2)},
        "village": groups(report.by("village")),
        "aspect": groups(report.by("aspect")),
        "category": groups(report.by("category")),
        "trend": {month: (None if s.small or s.rate is None else round(s.rate * 100, 1))
                  for month, s in report.trend()},
        "feedback": {"received": report.timeliness.received,
                     "on_time": None if report.timeliness.on_time_rate is None
                     else round(report.timeliness.on_time_rate * 100, 1)},
    }


def bars(ax: Axes, title: str, data: dict[str, Satisfaction], t: Translator) -> None:
    """Satisfaction rate per group; groups under five answers are written out, with no bar."""
    ax.set_title(title, loc="left")
    if not data:
        no_data(ax, t)
        return
    labels = list(data)
    values = [0 if s.small or s.rate is None else s.rate * 100 for s in data.values()]
    colours = [MUTED if s.small else (GOOD if (s.rate or 0) >= 0.8 else BAR)
               for s in data.values()]
    positions = range(len(labels))
    ax.barh(list(positions), values, color=colours)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xlabel(t("stats.chart.rate_axis"))
    for y, s in zip(positions, data.values(), strict=True):
        label = t("officials.report.small") if s.small \
            else f"{(s.rate or 0) * 100:.0f}% (n={s.count})"
        ax.text((0 if s.small else (s.rate or 0) * 100) + 1.5, y, label, va="center",
                fontsize=9)


def trend(ax: Axes, report: Report, t: Translator) -> None:
    ax.set_title(t("stats.chart.trend"), loc="left")
    months = report.trend()
    if not has_trend(report):
        no_data(ax, t)
        return
    xs = [m for m, _ in months]
    ys = [None if s.small or s.rate is None else s.rate * 100 for _, s in months]
    small = [0 < s.count < MIN_CELL for _, s in months]
    shown = [(x, y) for x, y in enumerate(ys) if y is not None]
    if shown:
        ax.plot([x for x, _ in shown], [y for _, y in shown], marker="o", color=BAR)
        for x, y in shown:
            ax.annotate(f"{y:.0f}%", (x, y), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
    for x, is_small in enumerate(small):
        if is_small:
            ax.annotate(t("stats.chart.small"), (x, 2), ha="center", fontsize=8, color=MUTED)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_xticks(range(len(xs)), [f"{m[5:]}/{m[:4]}" for m in xs], rotation=30, fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel(t("stats.chart.rate_axis"))


def feedback(ax: Axes, report: Report, t: Translator) -> None:
    ax.set_title(t("stats.chart.feedback"), loc="left")
    timely = report.timeliness
    if not has_feedback(report):
        no_data(ax, t)
        return
    late = timely.due - timely.on_time
    labels = [t("stats.chart.received"), t("stats.chart.on_time"), t("stats.chart.late")]
    values = [timely.received, timely.on_time, late]
    ax.bar(labels, values, color=[BAR, GOOD, "#c62828"])
    for x, value in enumerate(values):
        ax.text(x, value, str(value), ha="center", va="bottom")
    ax.set_ylim(0, max([*values, 1]) * 1.25)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no "0.5 reports"


def no_data(ax: Axes, t: Translator) -> None:
    ax.text(0.5, 0.5, t("officials.chart.no_data"), ha="center", va="center",
            transform=ax.transAxes, color=MUTED)
    ax.set_axis_off()


def has_trend(report: Report) -> bool:
    return any(s.count for _, s in report.trend())


def has_feedback(report: Report) -> bool:
    return bool(report.timeliness.received or report.timeliness.due)


def funnel(ax: Axes, report: Report, t: Translator) -> None:
    ax.set_title(t("stats.chart.funnel"), loc="left")
    if not report.funnel:
        no_data(ax, t)
        return
    labels = [t(f"stats.funnel.{step}") if t.has(f"stats.funnel.{step}") else step
              for step, _ in report.funnel]
    values = [n for _, n in report.funnel]
    ax.barh(labels, values, color=BAR)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for y, value in enumerate(values):
        ax.text(value, y, f" {value}", va="center")


def dashboard_png(report: Report, t: Translator) -> bytes:
    return png(dashboard(report, t), figures(report))


def dashboard(report: Report, t: Translator) -> Figure:
    """The /stats chart: by village, by SIPAS aspect (or category), the trend, feedback,
    the online-filing funnel and satisfaction by procedure."""
    figure = Figure(figsize=(11, 11), dpi=100)
    axes = figure.subplots(3, 2)
    overall = report.overall
    from services.surveys.reporting import period_name

    period = period_name(report.period, t)
    figure.suptitle(
        t("stats.chart.title_small", title=report.title, period=period) if overall.small
        else t("stats.chart.title", title=report.title, period=period,
               rate=fmt_pct(overall.rate, t.language), mean=fmt_mean(overall.mean, t.language),
               count=str(overall.count)), fontsize=13)
    bars(axes[0][0], t("stats.chart.by_village"), report.by("village"), t)
    aspects = report.by("aspect")
    if aspects:
        aspects = {t(f"surveys.aspect.{k}"): v for k, v in aspects.items()}
        bars(axes[0][1], t("stats.chart.by_aspect"), aspects, t)
    else:
        bars(axes[0][1], t("stats.chart.by_category"), report.by("category"), t)
    trend(axes[1][0], report, t)
    feedback(axes[1][1], report, t)
    funnel(axes[2][0], report, t)
    if aspects:
        bars(axes[2][1], t("stats.chart.by_category"), report.by("category"), t)
    else:
        bars(axes[2][1], t("stats.chart.by_procedure"), report.by("procedure"), t)
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    return figure


def single_png(draw: Any, *args: Any, size: tuple[float, float] = (8, 4)) -> bytes:
    """One chart (for the PDF report): `draw(ax, *args)`."""
    figure = Figure(figsize=size, dpi=120)
    draw(figure.subplots(), *args)
    figure.tight_layout()
    return png(figure, None)


def png(figure: Figure, data: dict[str, Any] | None) -> bytes:
    buffer = io.BytesIO()
    metadata = {FIGURES_KEY: json.dumps(data, ensure_ascii=False)} if data else None
    figure.savefig(buffer, format="png", metadata=metadata)
    return buffer.getvalue()
