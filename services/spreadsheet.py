"""Cells for files that officials open in a spreadsheet."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A text a spreadsheet would read as a formula (`=HYPERLINK(…)`, `+1`, `@SUM`), with an
    apostrophe in front so it is shown as typed; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
