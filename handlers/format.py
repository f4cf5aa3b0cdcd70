"""Formatting for people: dates in the commune's time zone, money in đồng, shortened labels,
how many copies of a paper."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import Context
from locales import Translator
from services.procedures.procedure import Document
from services.when import example


def local(ctx: Context, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(ctx.config.timezone))


def date_example(ctx: Context, days: int = 3) -> str:
    """A date and time a few days ahead for a prompt's example: never one already past."""
    return example(ctx.now, ctx.config.timezone, days=days)


def local_date(ctx: Context, moment: datetime | None) -> str:
    return local(ctx, moment).strftime("%d/%m/%Y") if moment else "—"


def local_datetime(ctx: Context, moment: datetime | None) -> str:
    return local(ctx, moment).strftime("%H:%M %d/%m/%Y") if moment else "—"


def money(amount: int, language: str = "vi") -> str:
    """50000 → '50.000 đ' in Vietnamese (a point between thousands), '50,000 VND' in
    English (a comma, and the currency's international code)."""
    if language == "en":
        return f"{amount:,} VND"
    return f"{amount:,}".replace(",", ".") + " đ"


def quoted(text: str, language: str) -> str:
    """«…» in Vietnamese, “…” in English (locales/STYLE.md)."""
    return f"“{text}”" if language == "en" else f"«{text}»"


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quantity(t: Translator, paper: Document, area: str) -> str:
    """' (1 bản chính, 2 bản sao)' in the wording of `area`'s catalogue, or ''."""
    counts = []
    if paper.original:
        counts.append(t(f"{area}.qty_original", count=paper.original))
    if paper.copy:
        counts.append(t(f"{area}.qty_copy", count=paper.copy))
    return f" ({', '.join(counts)})" if counts else ""
