"""Formatting for people: dates in the commune's time zone, money in đồng."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import Context


def local(ctx: Context, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(ctx.config.timezone))


def local_date(ctx: Context, moment: datetime | None) -> str:
    return local(ctx, moment).strftime("%d/%m/%Y") if moment else "—"


def local_datetime(ctx: Context, moment: datetime | None) -> str:
    return local(ctx, moment).strftime("%H:%M %d/%m/%Y") if moment else "—"


def money(amount: int) -> str:
    """50000 → '50.000 đ' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đ"
