"""The registry of personal data (`services.personal_data`) covers every text, JSON and
binary column of every model, each once, and names no column that does not exist."""

from __future__ import annotations

from sqlalchemy import JSON, LargeBinary, String, Text

from services.personal_data import NO_PERSONAL_DATA, PERSONAL
from services.schema import metadata


def _columns_that_can_hold_text() -> set[tuple[str, str]]:
    return {(table.name, column.name) for table in metadata.tables.values()
            for column in table.columns
            if isinstance(column.type, String | Text | JSON | LargeBinary)}


def _registered() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    personal = {(table, column) for table, columns in PERSONAL.items() for column in columns}
    plain = {(table, column) for table, (columns, _why) in NO_PERSONAL_DATA.items()
             for column in columns}
    return personal, plain


def test_every_text_json_and_binary_column_is_classified() -> None:
    personal, plain = _registered()
    unclassified = _columns_that_can_hold_text() - personal - plain
    assert not unclassified, (
        f"add these columns to services/personal_data.py (PERSONAL with how erasure treats "
        f"them, or NO_PERSONAL_DATA with why): {sorted(unclassified)}")


def test_no_column_is_both_and_none_is_stale() -> None:
    personal, plain = _registered()
    assert not personal & plain
    assert (personal | plain) - _columns_that_can_hold_text() == set()
