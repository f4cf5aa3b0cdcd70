"""Vietnamese text rewritten the way a commune radio announcer reads it, for a TTS engine.

Dates, times, phone numbers, money, measures, percentages, ordinals, document numbers, list
numbering ('1.' → 'Thứ nhất,') and commune abbreviations become words; every digit is spoken;
the result is one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from services.audio.lexicon import ABBREVIATIONS, DOTTED, ISSUERS, UNITS
from services.audio.numbers import cardinal, decimal, digits, ordinal, roman
from services.text import nfc

_START = r"(?<![\w.,/:+])"  # a number starts here, not inside another token
_END = r"(?![\w/:]|[.,]\d)"  # and ends here ('.' or ',' may follow as punctuation)
_NUM = r"\d+(?:[.,]\d+)*"
_LETTER = r"[^\W\d_]"
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3}){2,}")
_PLAIN_OR_THOUSANDS = re.compile(r"\d+|\d{1,3}(?:\.\d{3})+")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_UNIT = rf"(?:{_alternation(list(UNITS))})(?!\w)"


def normalise_for_speech(text: str) -> str:
    """Return `text` (any Unicode form) as NFC words a Vietnamese TTS engine reads correctly.

    '25/11/2026' → 'ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu',
    '7h30' → 'bảy giờ ba mươi phút', '50.000đ' → 'năm mươi nghìn đồng', 'UBND' → 'Ủy ban nhân
    dân'. Line breaks become sentence breaks. Applying it twice changes nothing.
    """
    return _one_line(_speak_line(line) for line in nfc(text).splitlines())


def _number(token: str, *, dot_decimal: bool = False) -> str:
    """Speak a number written the Vietnamese way: '50.000', '1,5', '05', '1.001193'.

    Dots group thousands ('2.000.000') and a comma marks decimals ('1,5'); with `dot_decimal`, as
    before a unit, '1.5' is a decimal too, otherwise a dotted code is read part by part ('chấm').
    """
    if _THOUSANDS.fullmatch(token):
        return cardinal(int(re.sub(r"[.,]", "", token)))
    whole, comma, fraction = token.partition(",")
    if comma and fraction.isdigit() and _PLAIN_OR_THOUSANDS.fullmatch(whole):
        return decimal(whole.replace(".", ""), fraction)
    parts = re.split(r"[.,]", token)
    if dot_decimal and len(parts) == 2 and len(parts[1]) <= 2:
        return decimal(*parts)
    return " chấm ".join(_integer(part) for part in parts)


def _integer(value: str) -> str:
    """Codes and identifiers ('0123', account numbers) digit by digit, quantities as numbers."""
    if (value.startswith("0") and len(value) > 2) or len(value) > 9:
        return digits(value)
    return cardinal(int(value))


_LIST_NUMBER = re.compile(r"^\s*(?:(\d{1,2})|([IVX]{1,4}))[.)]\s+(?=\S)")


def _list_number(match: re.Match[str]) -> str:
    """'1. Thời gian' → 'Thứ nhất, Thời gian'; a section 'II. ' → 'Phần hai, '."""
    if match.group(1):
        return f"Thứ {ordinal(int(match.group(1)))}, "
    value = roman(match.group(2))
    return f"Phần {cardinal(value)}, " if value else match.group(0)


def _speak_line(line: str) -> str:
    line = _LIST_NUMBER.sub(_list_number, line, count=1)
    for pattern, speak in _RULES:
        line = pattern.sub(speak, line)
    return re.sub(r"^(?:[-+•*▪►]\s+)+", "", _tidy(line))


def _one_line(lines: Iterable[str]) -> str:
    """Join spoken lines, ending each with a sentence break when it has no punctuation."""
    kept = [line for line in lines if line]
    ended = [line if line[-1] in ".!?…:;," else f"{line}." for line in kept[:-1]]
    return _tidy(" ".join([*ended, *kept[-1:]]))


def _tidy(text: str) -> str:
    return re.sub(r"\s([,.;:!?…])", r"\1", re.sub(r"\s+", " ", text)).strip()


def _word_before(match: re.Match[str]) -> str:
    words = match.string[: match.start()].split()
    return words[-1].lower() if words else ""


def _day(day: int, before: str) -> str:
    """'ngày mồng năm', 'ngày hai mươi lăm', without the 'ngày' or 'mồng' said `before` it."""
    if before in ("mồng", "mùng"):
        return cardinal(day)
    prefix = "" if before == "ngày" else "ngày "
    return f"{prefix}{'mồng ' if day <= 10 else ''}{cardinal(day)}"


def _month(month: int) -> str:
    return "tư" if month == 4 else cardinal(month)


def _valid_date(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


# --- what each rule of _RULES says ---------------------------------------------------------------


def _web(match: re.Match[str]) -> str:
    return "" if match.group(0).startswith("http") else " chấm "


def _document(match: re.Match[str]) -> str:
    """'13/2023/NĐ-CP' → 'mười ba năm hai nghìn không trăm hai mươi ba của Chính phủ'."""
    num, year, code = match.groups()
    said = cardinal(int(num)) + (f" năm {cardinal(int(year))}" if year else "")
    issuer = re.sub(r"\d+$", "", code.split("-")[-1])
    if issuer in ISSUERS or "-" in code:
        said += f" của {ISSUERS.get(issuer, issuer)}"
    return said


def _dotted(match: re.Match[str]) -> str:
    return f"{DOTTED[match.group(0)]} "


def _abbreviation(match: re.Match[str]) -> str:
    return ABBREVIATIONS[match.group(0)]


def _phone(match: re.Match[str]) -> str:
    """'0912 345 678' → 'không chín một hai, ba bốn năm, sáu bảy tám'; '+84' → 'cộng tám bốn'."""
    prefix, rest = match.groups()
    count = len(re.sub(r"\D", "", rest))
    if count not in (9, 10):
        return match.group(0)
    groups = re.split(r"[ .\-]", rest) if re.search(r"[ .\-]", rest) else _default_groups(rest)
    if prefix == "0":
        groups[0] = "0" + groups[0]
        return ", ".join(digits(g) for g in groups)
    return ", ".join(["cộng tám bốn", *(digits(g) for g in groups)])


def _default_groups(rest: str) -> list[str]:
    """Phone digits after the leading 0 grouped as said aloud: 912 345 678, 24 3826 1234."""
    sizes = (3, 3, 3) if len(rest) == 9 else ((2, 4, 4) if rest.startswith("2") else (3, 3, 4))
    groups, start = [], 0
    for size in sizes:
        groups.append(rest[start : start + size])
        start += size
    return groups


def _hotline(match: re.Match[str]) -> str:
    """'1900 1234' → 'một chín không không, một hai ba bốn'."""
    groups = [match.group(1), *re.split(r"[ .]", match.group(2).strip(" ."))]
    return ", ".join(digits(g) for g in groups if g)


def _emergency(match: re.Match[str]) -> str:
    """'gọi 113' → 'gọi một một ba' (emergency numbers are said digit by digit)."""
    return f"{match.group(1)}{digits(match.group(2))}"


def _full_date(match: re.Match[str]) -> str:
    day, month, year = (int(g) for g in match.group(1, 3, 4))
    if not _valid_date(day, month):
        return match.group(0)
    return f"{_day(day, _word_before(match))} tháng {_month(month)} năm {cardinal(year)}"


def _day_range(match: re.Match[str]) -> str:
    """'25-27/11' → 'ngày hai mươi lăm đến hai mươi bảy tháng mười một'."""
    first, last, month = (int(g) for g in match.group(1, 2, 3))
    if not (_valid_date(first, month) and _valid_date(last, month)):
        return match.group(0)
    days = f"{_day(first, _word_before(match))} đến {_day(last, 'ngày')}"
    said = f"{days} tháng {_month(month)}"
    return said + (f" năm {cardinal(int(match.group(4)))}" if match.group(4) else "")


def _day_month(match: re.Match[str]) -> str:
    day, month = int(match.group(1)), int(match.group(2))
    if not _valid_date(day, month):
        return match.group(0)
    return f"{_day(day, _word_before(match))} tháng {_month(month)}"


def _month_year(match: re.Match[str]) -> str:
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return match.group(0)
    prefix = "" if _word_before(match) == "tháng" else "tháng "
    return f"{prefix}{_month(month)} năm {cardinal(year)}"


def _ratio(match: re.Match[str]) -> str:
    """'12/15' (not a date) → 'mười hai trên mười lăm'."""
    return f"{_number(match.group(1))} trên {_number(match.group(2))}"


def _named_month(match: re.Match[str]) -> str:
    month = int(match.group(2))
    return f"{match.group(1)} {_month(month)}" if 1 <= month <= 12 else match.group(0)


def _named_day(match: re.Match[str]) -> str:
    day = int(match.group(2))
    return f"{match.group(1)} mồng {cardinal(day)}" if 1 <= day <= 10 else match.group(0)


def _time_pattern(tag: str) -> str:
    """'7h30', '7g30', '07:30', '14h', '7h30p', "13h30'" with groups named after `tag`."""
    return (
        rf"(?P<{tag}h>\d{{1,2}})"
        rf"(?:[hH](?P<{tag}m>\d{{2}})?|[gG](?P<{tag}g>\d{{2}})|:(?P<{tag}c>\d{{2}}))"
        r"(?:\s?phút|ph|p|')?"
    )


def _clock(match: re.Match[str], tag: str) -> str | None:
    hour = int(match.group(f"{tag}h"))
    minute = int(match.group(f"{tag}m") or match.group(f"{tag}g") or match.group(f"{tag}c") or 0)
    if hour > 24 or minute > 59:
        return None
    return f"{cardinal(hour)} giờ" + (f" {cardinal(minute)} phút" if minute else "")


def _times(match: re.Match[str]) -> str:
    """'7h30' → 'bảy giờ ba mươi phút'; '7h30-11h' → '… đến mười một giờ'."""
    start = _clock(match, "a")
    end = _clock(match, "b") if match.group("bh") else ""
    if start is None or end is None:
        return match.group(0)
    return f"{start} đến {end}" if end else start


def _million_short(match: re.Match[str]) -> str:
    """'1tr5' → 'một triệu năm trăm nghìn' (1.500.000)."""
    thousands = int((match.group(2) or "0").ljust(3, "0"))
    return cardinal(int(match.group(1)) * 10**6 + thousands * 1000)


def _unit(written: str | None) -> str:
    return f" {UNITS[written]}" if written else ""


def _range(match: re.Match[str]) -> str:
    """'7-10 ngày' → 'bảy đến mười ngày'; '50.000đ-100.000đ' → '… đồng đến … đồng'."""
    low, low_unit, high, high_unit = match.groups()
    low_said = _number(low, dot_decimal=True) + _unit(low_unit)
    return f"{low_said} đến {_number(high, dot_decimal=True)}{_unit(high_unit)}"


def _quantity(match: re.Match[str]) -> str:
    """'50.000đ' → 'năm mươi nghìn đồng', '15%' → 'mười lăm phần trăm', '2ha' → 'hai héc ta'."""
    return _number(match.group(1), dot_decimal=True) + _unit(match.group(2))


def _ordinal(match: re.Match[str]) -> str:
    return f"{match.group(1)} {ordinal(int(match.group(2)))}"


def _roman(match: re.Match[str]) -> str:
    """'quý IV' → 'quý bốn', 'thứ IV' → 'thứ tư', 'khóa XV' → 'khóa mười lăm'."""
    keyword, numeral = match.groups()
    value = roman(numeral)
    if value is None:
        return match.group(0)
    return f"{keyword} {ordinal(value) if keyword.lower() == 'thứ' else cardinal(value)}"


def _bare(match: re.Match[str]) -> str:
    return _number(match.group(0))


def _leftover(match: re.Match[str]) -> str:
    """Digits glued to letters ('Covid19'): spoken, set apart from the letters."""
    before = match.string[match.start() - 1 : match.start()]
    after = match.string[match.end() : match.end() + 1]
    space_before = " " if before.isalpha() else ""
    return f"{space_before}{_integer(match.group(0))}{' ' if after.isalpha() else ''}"


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_RULES: list[_Rule] = [
    (re.compile(r"https?://|(?<=www)\.|\.(?=(?:gov|com|org|net|edu|vn)\b)"), _web),
    (
        re.compile(rf"{_START}(\d+)(?:/(\d{{4}}))?/([A-ZĐ][\wĐ&]*(?:-[A-ZĐ][\wĐ&]*)*)(?![\w-])"),
        _document,
    ),
    (re.compile(rf"(?<!{_LETTER})(?:{_alternation(list(DOTTED))})"), _dotted),
    (
        re.compile(rf"(?<!{_LETTER})(?:{_alternation(list(ABBREVIATIONS))})(?!{_LETTER})"),
        _abbreviation,
    ),
    (re.compile(rf"{_START}(\+84|0)[ .]?(\d(?:[ .\-]?\d){{7,10}}){_END}"), _phone),
    (re.compile(rf"{_START}(1[89]00)((?:[ .]?\d){{4,6}}){_END}"), _hotline),
    (
        re.compile(r"((?i:gọi|tổng đài|đường dây nóng|hotline)\s+(?:(?i:số)\s+)?)(11[1-5])(?!\d)"),
        _emergency,
    ),
    (re.compile(rf"{_START}(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{4}}){_END}"), _full_date),
    (
        re.compile(rf"{_START}(\d{{1,2}})\s?[-–]\s?(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{4}}))?{_END}"),
        _day_range,
    ),
    (re.compile(rf"{_START}(\d{{1,2}})/(\d{{1,2}}){_END}"), _day_month),
    (re.compile(rf"{_START}(\d{{1,2}})/(\d{{4}}){_END}"), _month_year),
    (re.compile(rf"{_START}({_NUM})/({_NUM}){_END}"), _ratio),
    (re.compile(rf"((?i:tháng))\s+(\d{{1,2}}){_END}"), _named_month),
    (re.compile(r"((?i:ngày))\s+(\d{1,2})(?=\s+(?i:tháng))"), _named_day),
    (
        re.compile(rf"{_START}{_time_pattern('a')}(?:\s?[-–]\s?{_time_pattern('b')})?(?![\w:])"),
        _times,
    ),
    (re.compile(rf"{_START}(\d+)tr(\d{{1,3}})?(?!\w)"), _million_short),
    (
        re.compile(rf"{_START}({_NUM})\s?({_UNIT})?\s?[-–]\s?({_NUM})\s?({_UNIT})?{_END}"),
        _range,
    ),
    (re.compile(rf"{_START}({_NUM})\s?({_UNIT})"), _quantity),
    (re.compile(rf"((?i:thứ))\s+(\d{{1,2}}){_END}"), _ordinal),
    (
        re.compile(
            r"(?<!\w)((?i:quý|khóa|khoá|chương|phần|mục|đợt|kỳ|thế kỷ|thứ))\s+([IVXLCDM]+)(?!\w)"
        ),
        _roman,
    ),
    (re.compile(rf"{_START}{_NUM}{_END}"), _bare),
    (re.compile(r"\d+"), _leftover),
    (re.compile(r"\s?&\s?"), lambda _: " và "),
    (re.compile(r"~\s?"), lambda _: " khoảng "),
    (re.compile(r"(?<=đồng)\s?/\s?(?=\w)"), lambda _: " mỗi "),
]
