"""Vietnamese typed in an old 8-bit encoding and shown as Windows-1252 ("mojibake").

Three common cases are repaired: TCVN3/ABC ("Giấy" arrives as "GiÊy"), VNI-Windows ("Giaáy")
and UTF-8 read as Windows-1252 ("GiÃ¡y"). A text is only converted when it holds characters
that never occur in Unicode Vietnamese and the conversion gets rid of them.
"""

from __future__ import annotations

import re
import unicodedata

# Latin-1 letters that Unicode Vietnamese uses; any other character from U+00A0–U+00FF
# (or a Windows-1252 extra) in a text is a sign of a legacy encoding.
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_CP1252_EXTRAS = set("€‚ƒ„†‡ˆ‰Š‹ŒŽ˜š›œžŸ")  # not the quotes, dashes and … phones type

# TCVN3 (ABC): one byte per letter, lower case; capitals with a tone are rare in messages.
_TCVN3 = dict(zip(
    "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢£¤¥¦§",
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂÊÔƠƯĐ",
    strict=True,
))

# VNI-Windows: a base letter followed by a mark; a few letters have one byte of their own.
_VNI_SINGLE = dict(zip("ÑñÔôÖöÓóÒòÆæÎî", "ĐđƠơƯưĨĩỊịỈỉỴỵ", strict=True))
_VNI_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HAT_TONES = {"à": "\u0300", "á": "\u0301", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE_TONES = {"è": "\u0300", "é": "\u0301", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(base: str, marks: str, combining: str) -> None:
        for upper in (False, True):
            letter = base.upper() if upper else base
            key = letter + (marks.upper() if upper else marks)
            table[key] = unicodedata.normalize("NFC", letter + combining)

    for base in "aeiouy":
        for mark, tone in _VNI_TONES.items():
            add(base, mark, tone)
    for base in "aeo":
        add(base, "â", "\u0302")
        for mark, tone in _VNI_HAT_TONES.items():
            add(base, mark, "\u0302" + tone)
    add("a", "ê", "\u0306")
    for mark, tone in _VNI_BREVE_TONES.items():
        add("a", mark, "\u0306" + tone)
    for vni, letter in (("ô", "ơ"), ("ö", "ư")):
        for upper in (False, True):
            head = vni.upper() if upper else vni
            base = letter.upper() if upper else letter
            for mark, tone in _VNI_TONES.items():
                table[head + (mark.upper() if upper else mark)] = unicodedata.normalize(
                    "NFC", base + tone)
    return table


_VNI = {**_vni_table(), **_VNI_SINGLE}
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, _VNI), key=len, reverse=True)))


def foreign_count(text: str) -> int:
    """Signs of a legacy encoding: characters Unicode Vietnamese never uses, and capital
    letters with marks inside a lower-case word (`TiÕng`)."""
    return sum(_is_foreign(ch) or (ch.isupper() and not ch.isascii() and previous.islower())
               for previous, ch in zip(" " + text, text, strict=False))


def _is_foreign(ch: str) -> bool:
    if ch in _CP1252_EXTRAS:
        return True
    return "\u00a0" <= ch <= "\u00ff" and ch not in _VIETNAMESE_LATIN1 \
        and ch not in "\u00a0«»·°±×÷"


def _from_tcvn3(text: str) -> str:
    return "".join(_TCVN3.get(ch, ch) for ch in text)


def _from_vni(text: str) -> str:
    return _VNI_PATTERN.sub(lambda match: _VNI[match.group(0)], text)


def _from_utf8_misread(text: str) -> str:
    raw = bytearray()
    for ch in text:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return text
            raw.append(ord(ch))  # bytes cp1252 leaves undefined pass through as Latin-1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


def repair(text: str) -> str | None:
    """The text in Unicode if it looks like legacy-encoded Vietnamese, else None."""
    before = foreign_count(text)
    if before == 0:
        return None
    candidates = [_from_utf8_misread(text), _from_vni(text), _from_tcvn3(text)]
    # in order of how specific each decoding is: the first that leaves nothing foreign wins
    best = next((c for c in candidates if foreign_count(c) == 0), None) \
        or min(candidates, key=foreign_count)
    if best == text or foreign_count(best) >= before:
        return None
    return unicodedata.normalize("NFC", best)
