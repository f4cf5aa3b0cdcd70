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


def decimal(value: float, language: str, places: int | None = None) -> str:
    """A number for people: a decimal comma in Vietnamese ("1,5"), a point in English;
    `places` fixed, else as short as it goes ("2", "1.5")."""
    shown = f"{value:.{places}f}" if places is not None else f"{value:g}"
    return shown if language == "en" else shown.replace(".", ",")


def fold(value: str) -> str:
    """Lower case, đ→d and marks stripped: 'Giấy khai sinh' → 'giay khai sinh'."""
    lowered = unicodedata.normalize("NFD", value.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in lowered if unicodedata.category(ch) != "Mn")


def words(value: str) -> list[str]:
    """Folded syllables of a text, punctuation dropped."""
    return _WORD.findall(fold(value))


def partly_names(answer: str, label: str) -> bool:
    """Whether a typed answer names a choice by part of it, ignoring marks and case: each
    typed word begins a word of the label, in order ("rác" → "Rác thải, môi trường",
    "dong" → "Thôn Đông", "thon dong" → "Thôn Đông")."""
    typed, have = words(answer), words(label)
    if not typed or sum(map(len, typed)) < 2 or len(typed) > len(have):
        return False
    position = 0
    for word in typed:
        while position < len(have) and not have[position].startswith(word):
            position += 1
        if position == len(have):
            return False
        position += 1
    return True


def exact_choice(answer: str, labels: list[str]) -> list[int]:
    """The indexes of the labels whose words are the typed answer's ("2", "Có", "hủy")."""
    typed = words(answer)
    return [i for i, label in enumerate(labels) if typed and words(label) == typed]


def choices_named(answer: str, labels: list[str]) -> list[int]:
    """The indexes of the labels a typed answer names: the one it names exactly if there is
    one, else every one it names in part (several: the answer is ambiguous)."""
    exact = exact_choice(answer, labels)
    if len(exact) == 1:
        return exact
    if not any(ch.isalpha() for ch in answer):
        return exact  # a bare number is an answer of its own (a count, a score), not a name
    return [i for i, label in enumerate(labels) if partly_names(answer, label)]
