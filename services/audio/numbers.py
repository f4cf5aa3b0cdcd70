"""Vietnamese words for numbers: cardinals, digit strings, decimals, ordinals, Roman numerals."""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_UNITS_AFTER_TENS = {1: "mốt", 4: "tư", 5: "lăm"}
_SCALES = ((10**6, "triệu"), (10**3, "nghìn"), (1, ""))
_BILLION = 10**9
_ORDINALS = {1: "nhất", 4: "tư"}
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_WORTHS = (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1)
_ROMAN_SYMBOLS = ("M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I")


def cardinal(n: int) -> str:
    """Read a non-negative integer: 21 → 'hai mươi mốt', 1005 → 'một nghìn không trăm linh năm'."""
    if n < 0:
        raise ValueError(f"negative number: {n}")
    return " ".join(_words(n, leading=True)) if n else DIGITS[0]


def digits(value: str) -> str:
    """Read a string of digits one by one: '0912' → 'không chín một hai'."""
    return " ".join(DIGITS[int(ch)] for ch in value)


def decimal(whole: str, fraction: str) -> str:
    """Read a decimal written '1,5': 'một phẩy năm'; leading zeros of the fraction are read."""
    zeros = len(fraction) - len(fraction.lstrip("0"))
    rest = fraction[zeros:]
    spoken_rest = cardinal(int(rest)) if 0 < len(rest) <= 3 else digits(rest)
    words = (cardinal(int(whole)), "phẩy", digits("0" * zeros), spoken_rest)
    return " ".join(w for w in words if w)


def ordinal(n: int) -> str:
    """Read the number after 'thứ': 1 → 'nhất', 4 → 'tư', others as cardinals."""
    return _ORDINALS.get(n) or cardinal(n)


def roman(value: str) -> int | None:
    """The value of a Roman numeral ('XIV' → 14), or None when it is not a well-formed one."""
    if not value or any(ch not in _ROMAN for ch in value):
        return None
    total = 0
    for ch, nxt in zip(value, [*value[1:], None], strict=True):
        worth = _ROMAN[ch]
        total += -worth if nxt is not None and _ROMAN[nxt] > worth else worth
    return total if _to_roman(total) == value else None


def _to_roman(n: int) -> str:
    out = []
    for worth, symbol in zip(_ROMAN_WORTHS, _ROMAN_SYMBOLS, strict=True):
        count, n = divmod(n, worth)
        out.append(symbol * count)
    return "".join(out)


def _words(n: int, *, leading: bool) -> list[str]:
    """Words for n > 0; a non-leading group says its zero hundreds ('không trăm linh năm')."""
    if n >= _BILLION:
        high, low = divmod(n, _BILLION)
        return [*_words(high, leading=leading), "tỷ", *(_words(low, leading=False) if low else [])]
    words: list[str] = []
    full = not leading
    for scale, name in _SCALES:
        group = n // scale % 1000
        if group:
            words += _hundreds(group, full=full)
            words += [name] if name else []
            full = True
        elif name == "nghìn" and full and n % 1000:
            words += [DIGITS[0], name]  # 1.000.500: 'một triệu không nghìn năm trăm'
    return words


def _hundreds(n: int, *, full: bool) -> list[str]:
    """Words for 1..999; `full` when a larger group was said before it."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = [DIGITS[hundreds], "trăm"] if hundreds or full else []
    if tens == 0:
        if not units:
            return words
        return [*words, "linh", DIGITS[units]] if words else [DIGITS[units]]
    if tens == 1:
        return [*words, "mười", *(["lăm" if units == 5 else DIGITS[units]] if units else [])]
    unit_word = [_UNITS_AFTER_TENS.get(units, DIGITS[units])] if units else []
    return [*words, DIGITS[tens], "mươi", *unit_word]
