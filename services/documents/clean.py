"""From an administrative document's raw text to what is worth hearing on the radio.

A commune notice (Decree 30/2020/NĐ-CP's layout) opens with the issuing body, its number
("Số: 12/TB-UBND"), the national motto, the place and date, and closes with the recipients
("Nơi nhận:") and the signature block ("TM. ỦY BAN NHÂN DÂN … CHỦ TỊCH … name"). Those are cut;
the title ("THÔNG BÁO Về việc …") opens the text; "Kính gửi" goes. Lines broken by the page
are joined back into paragraphs, words hyphenated at a line end are mended, old 8-bit
encodings are repaired, and the result is NFC. Abbreviations, dates and numbers stay as
written: the speech normaliser reads them aloud (`services.audio.speech`).
"""

from __future__ import annotations

import re
import unicodedata

from services.legacy_text import repair
from services.text import fold

_MOTTO = re.compile(
    r"c[oộ]ng\s*h[oò]a\s*x[aã]\s*h[oộ]i\s*ch[uủ]\s*ngh[iĩ]a\s*vi[eệ]t\s*nam"
    r"|đ[oộ]c\s*l[aậ]p\s*[-–—]?\s*t[uự]\s*do\s*[-–—]?\s*h[aạ]nh\s*ph[uú]c", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*s[oố]\s*[:.]\s*[\d.…]*\s*/\s*[A-ZĐ]{1,6}\b", re.IGNORECASE)
_PLACE_DATE = re.compile(
    r"^[^\d:;,]{1,40},\s*ng[aà]y\s+\S{1,4}\s+th[aá]ng\s+\S{1,4}\s+n[aă]m\s+\d{4}\W*$", re.I)
"""The header's place and date ("An Bình, ngày 20 tháng 11 năm 2026") and nothing else on the
line: a body line with a date in it ("1. Thời gian: 8 giờ, ngày 15 tháng 12 năm 2026.") stays."""
_RULE = re.compile(r"^[\s\-–—_=.*~]+$")
_TITLE_WORDS = ("THÔNG BÁO", "KẾ HOẠCH", "GIẤY MỜI", "QUYẾT ĐỊNH", "CÔNG VĂN", "THƯ MỜI",
                "LỜI KÊU GỌI", "THƯ NGỎ", "CHỈ THỊ", "HƯỚNG DẪN", "BÁO CÁO", "TỜ TRÌNH",
                "NGHỊ QUYẾT", "THÔNG CÁO", "LỊCH")
_TITLE = re.compile(rf"^\s*(?:{'|'.join(_TITLE_WORDS)})\b")
_SUBJECT = re.compile(r"^\s*(?:v/v|về\s+việc|v[eề]\b)", re.IGNORECASE)
_ADDRESSEE = re.compile(r"^\s*kính\s+gửi\b", re.IGNORECASE)
_CLOSING = re.compile(
    r"^\s*(?:nơi\s+nhận|TM\.|T/M\b|KT\.|K/T\b|TL\.|TUQ\.|Q\.\s*CHỦ|(?:PHÓ\s+)?CHỦ\s+TỊCH\s*$"
    r"|\(?\s*đã\s+ký|\(\s*ký[, ]|\(\s*chữ\s+ký|ký\s+tên|người\s+(?:ký|lập)\b)", re.IGNORECASE)
_ISSUER = re.compile(r"^\s*(?:ỦY|UỶ)\s+BAN|^\s*UBND\b|^\s*HỘI\s+ĐỒNG|^\s*(?:ĐẢNG\s+ỦY|BAN\s+)"
                     r"|^\s*(?:XÃ|HUYỆN|TỈNH|THÔN|THỊ\s+TRẤN|PHƯỜNG)\s+\S")
_LIST_ITEM = re.compile(r"^\s*(?:[-+•*▪►–]\s|\d{1,2}[.)]\s|[a-zđ][)]\s|[IVX]{1,4}[.)]\s)")
_ENDS_SENTENCE = re.compile(r"[.!?:;…]\W*$")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-zà-ỹđ])")
_VIETNAMESE_MARKS = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợ"
                               r"ùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)

MIN_VIETNAMESE_SHARE = 0.2
"""Share of a text's words carrying a Vietnamese letter or mark, below which it is not
Vietnamese (a real notice scores 0.4 to 0.6; English 0)."""


class CleaningError(ValueError):
    """Nothing to read is left, or the text is not Vietnamese; `reason` as in extraction."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean(raw: str) -> str:
    """The document's title and body as paragraphs separated by a blank line."""
    text = unicodedata.normalize("NFC", raw.replace("\x00", "").replace("\r", "\n"))
    text = repair(text) or text
    text = unicodedata.normalize("NFC", _HYPHEN_BREAK.sub(r"\1", text))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    kept = _body(lines)
    paragraphs = _paragraphs(kept)
    if not paragraphs:
        raise CleaningError("no_text")
    result = "\n\n".join(paragraphs)
    if not is_vietnamese(result):
        raise CleaningError("not_vietnamese")
    return result


def is_vietnamese(text: str) -> bool:
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    if not words:
        return False
    marked = sum(bool(_VIETNAMESE_MARKS.search(w)) for w in words)
    return marked / len(words) >= MIN_VIETNAMESE_SHARE


def _body(lines: list[str]) -> list[str]:
    """The title (and its subject) and the body; `""` marks a paragraph break."""
    start = _title_index(lines)
    if start is None:
        start = _first_body_line(lines)
    kept: list[str] = []
    in_title = start is not None and bool(_TITLE.match(lines[start]))
    skipping_addressee = False
    for line in lines[start or 0:]:
        if _CLOSING.match(line):
            break
        if not line or _RULE.match(line):
            if not in_title:
                kept.append("")
            continue
        if _is_header_line(line):
            continue
        if _ADDRESSEE.match(line):
            skipping_addressee = True
            continue
        if skipping_addressee:
            if _LIST_ITEM.match(line) and not _ENDS_SENTENCE.search(kept[-1] if kept else ""):
                continue  # "- Các hộ gia đình trong xã;" under "Kính gửi:"
            skipping_addressee = False
        if in_title and not _title_part(line):
            kept.append("")  # the title is a paragraph of its own
            in_title = False
        kept.append(line)
    return _tidy_ending(kept)


def _title_index(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _CLOSING.match(line):
            return None
        if _TITLE.match(line) and (line.upper() == line or len(line) < 40):
            return index
    return None


def _first_body_line(lines: list[str]) -> int | None:
    """Without a title: the first line that is none of the header's."""
    for index, line in enumerate(lines):
        if line and not _RULE.match(line) and not _is_header_line(line) \
                and not (line.upper() == line and len(line) < 60):
            return index
    return None


def _title_part(line: str) -> bool:
    """A line of the title block: the kind in capitals, its subject, their continuation."""
    return bool(_TITLE.match(line) or _SUBJECT.match(line)) or (
        line.upper() == line and any(ch.isalpha() for ch in line))


def _is_header_line(line: str) -> bool:
    return bool(_MOTTO.search(line) or _NUMBER.match(line)
                or _PLACE_DATE.match(line)
                or (_ISSUER.match(line) and line.upper() == line))


def _tidy_ending(kept: list[str]) -> list[str]:
    """'./.' that closes a document becomes a full stop."""
    for index in range(len(kept) - 1, -1, -1):
        if kept[index]:
            kept[index] = re.sub(r"\s*\.?/\.\s*$", ".", kept[index])
            break
    return kept


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines wrapped by the page joined back: a line continues the previous one unless that
    one ended a sentence or this one starts a list item."""
    paragraphs: list[str] = []
    current = ""
    for index, line in enumerate(lines):
        if not line:
            if current and not _continues(current, lines[index + 1:]):
                paragraphs.append(current)
                current = ""
        elif current and not _ENDS_SENTENCE.search(current) and not _LIST_ITEM.match(line):
            current = f"{current} {line}"
        else:
            if current:
                paragraphs.append(current)
            current = line
    if current:
        paragraphs.append(current)
    return [p for p in paragraphs if fold(p).strip()]



def _continues(current: str, rest: list[str]) -> bool:
    """A blank line inside a sentence (OCR splits blocks by their look): the sentence goes on
    when the paragraph has no end and the next line starts in lower case."""
    following = next((line for line in rest if line), "")
    return not _ENDS_SENTENCE.search(current) and following[:1].islower()
