"""Spreadsheet cells that stay data: every CSV or XLSX the product writes passes its values
through `inert`, so a citizen's text such as `=HYPERLINK(…)` is never run as a formula
(CSV injection) when an official opens the file."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """The value to write in a cell: None as empty, text that a spreadsheet would read as a
    formula prefixed with `'`, anything else unchanged (numbers stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
