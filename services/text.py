"""Vietnamese text helpers: NFC normalisation and diacritic folding."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")


def nfc(value: str) -> str:
    """Compose decomposed Vietnamese (some keyboards send it) into NFC."""
    return unicodedata.normalize("NFC", value)


def at_the_door(value: str) -> str:
    """Text as it enters the system: NFC, and without NUL characters (PostgreSQL refuses
    them in text, and no keyboard means one)."""
    return nfc(value.replace("\x00", ""))


_ASCII_NUMBER = re.compile(r"[0-9]{1,10}")
INT32_MAX = 2**31 - 1


def whole_number(value: str) -> int | None:
    """A non-negative number typed in ASCII digits that fits a database integer, else None.

    `str.isdigit()` also accepts "²" or "٣", which `int()` then refuses or reads as another
    number, and "99999999999" overflows an INTEGER column: every typed id goes through here.
    """
    value = value.strip()
    if not _ASCII_NUMBER.fullmatch(value):
        return None
    number = int(value)
    return number if number <= INT32_MAX else None


def fold(value: str) -> str:
    """Lower case, đ→d and marks stripped: 'Giấy khai sinh' → 'giay khai sinh'."""
    lowered = unicodedata.normalize("NFD", value.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in lowered if unicodedata.category(ch) != "Mn")


def words(value: str) -> list[str]:
    """Folded syllables of a text, punctuation dropped."""
    return _WORD.findall(fold(value))
