"""Vietnamese text helpers: NFC normalisation and diacritic folding."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")


def nfc(value: str) -> str:
    """Compose decomposed Vietnamese (some keyboards send it) into NFC."""
    return unicodedata.normalize("NFC", value)


def fold(value: str) -> str:
    """Lower case, đ→d and marks stripped: 'Giấy khai sinh' → 'giay khai sinh'."""
    lowered = unicodedata.normalize("NFD", value.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in lowered if unicodedata.category(ch) != "Mn")


def words(value: str) -> list[str]:
    """Folded syllables of a text, punctuation dropped."""
    return _WORD.findall(fold(value))
