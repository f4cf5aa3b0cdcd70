"""The desk's list as a file: CSV (UTF-8 with BOM, for Excel) or XLSX. A cell that a
spreadsheet would run as a formula is made inert."""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web

from ops.context import Page
from services.cells import inert
from services.feedback.categories import category_name
from services.feedback.models import FeedbackReport
from services.feedback.service import fmt_datetime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows_of(ctx: Page, reports: list[FeedbackReport], names: dict[str, dict[int, str]]
            ) -> list[list[Any]]:
    t, tz, language = ctx.t, ctx.config.timezone, ctx.web_session.language
    header = [t(f"ops.export.{c}") for c in ("code", "commune", "village", "category",
                                              "status", "urgent", "created", "due",
                                              "description")]
    body = [[r.code, names["communes"].get(r.commune_id, ""),
             names["villages"].get(r.village_id or 0, ""),
             category_name(None, r.category, language), t(f"feedback.status.{r.status}"),
             t("ops.yes") if r.urgent else "", fmt_datetime(r.created_at, tz),
             fmt_datetime(r.due_at, tz), r.description or ""] for r in reports]
    return [header, *[[inert(cell) for cell in row] for row in body]]


async def export_response(ctx: Page, reports: list[FeedbackReport],
                          names: dict[str, dict[int, str]], kind: str) -> web.Response:
    stamp = ctx.now.astimezone().strftime("%Y%m%d-%H%M")
    return file_response(rows_of(ctx, reports, names), kind, ctx.t("ops.export.sheet"),
                         f"phan-anh-{stamp}")


def file_response(rows: list[list[Any]], kind: str, sheet: str, name: str) -> web.Response:
    """Rows (already inert) as a CSV with a BOM, for Excel, or as an XLSX."""
    if kind == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        body = ("\ufeff" + buffer.getvalue()).encode()
        content_type = "text/csv; charset=utf-8"
    else:
        body = xlsx_bytes(rows, sheet)
        content_type = XLSX
    return web.Response(body=body, headers={
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{name}.{kind}"'})


def xlsx_bytes(rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook  # loaded when an export is asked for, not at start-up

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
