"""The words of a document: a PDF's text layer (OCR page by page when it has none), a Word
file's paragraphs and tables in order, a photo's text through Tesseract's Vietnamese model.

Everything here is blocking (parsers, OCR): call it in a worker thread. A document refused is a
`DocumentRefused` carrying why, as a catalogue key's last part (`documents.refused_<reason>`).
"""

from __future__ import annotations

import io
import itertools
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 10
OCR_DPI = 300
MIN_CONFIDENCE = 55.0
"""Mean Tesseract word confidence (0-100) below which a photo is too blurred to trust."""
MIN_TEXT_LAYER = 40
"""Characters per page under which a PDF page counts as scanned (a page number, a stamp)."""
DOCX_CHARS_PER_PAGE = 3000
"""A Word file states no page count when saved by some tools: its length stands in."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt (before 2007)
_ZIP = b"PK\x03\x04"


class DocumentRefused(Exception):
    """The document cannot be read; `reason` names what to tell the official."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Extracted:
    """A document's raw text (paragraphs separated by blank lines) and how it was read."""

    text: str
    kind: str
    """docx, pdf (text layer), scan (a PDF read by OCR) or photo."""
    pages: int
    confidence: float | None = None
    """Tesseract's mean word confidence, for what was read by OCR."""


def kind_of(data: bytes, filename: str | None, mime: str | None) -> str:
    """pdf, docx or image, from the bytes first (a name can lie); refuses the rest."""
    name = (filename or "").lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG")):
        return "image"
    if data.startswith(_OLE2):
        raise DocumentRefused("spreadsheet" if name.endswith((".xls", ".xlsx")) else "old_word")
    if data.startswith(_ZIP):
        return _zip_kind(data, name)
    if name.endswith((".doc", ".rtf")):
        raise DocumentRefused("old_word")
    if name.endswith((".xls", ".xlsx", ".csv", ".ods")):
        raise DocumentRefused("spreadsheet")
    if name.endswith((".pdf", ".docx", ".jpg", ".jpeg", ".png")) or (mime or "").startswith(
            ("image/", "application/pdf")):
        raise DocumentRefused("corrupt")
    raise DocumentRefused("unsupported")


def _zip_kind(data: bytes, name: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile as error:
        raise DocumentRefused("corrupt") from error
    if "word/document.xml" in names:
        return "docx"
    if any(n.startswith("xl/") for n in names):
        raise DocumentRefused("spreadsheet")
    raise DocumentRefused("unsupported")


def extract(data: bytes, filename: str | None = None, mime: str | None = None) -> Extracted:
    """The raw text of a PDF, a .docx or a JPEG/PNG photo within the limits."""
    if len(data) > MAX_BYTES:
        raise DocumentRefused("too_big", megabytes=MAX_BYTES // (1024 * 1024))
    kind = kind_of(data, filename, mime)
    if kind == "pdf":
        return _pdf(data)
    if kind == "docx":
        return _docx(data)
    text, confidence = ocr_image(_open_image(data))
    return Extracted(text, "photo", 1, confidence)


# --- PDF ---------------------------------------------------------------------------------------

def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentRefused("encrypted")
        pages = len(reader.pages)
        _check_pages(pages)
        texts = [page.extract_text() or "" for page in reader.pages]
    except DocumentRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise DocumentRefused("corrupt") from error
    if pages == 0:
        raise DocumentRefused("no_text")
    if all(len(text.strip()) >= MIN_TEXT_LAYER for text in texts):
        return Extracted("\n\n".join(texts), "pdf", pages)
    return _scanned_pdf(data, texts, pages)


def _scanned_pdf(data: bytes, texts: list[str], pages: int) -> Extracted:
    """Pages without a text layer rendered and read by OCR; the others keep their text."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise DocumentRefused("corrupt") from error
    read, confidences = [], []
    try:
        for index, text in enumerate(texts):
            if len(text.strip()) >= MIN_TEXT_LAYER:
                read.append(text)
                continue
            image = document[index].render(scale=OCR_DPI / 72).to_pil()
            page_text, confidence = ocr_image(image)
            read.append(page_text)
            confidences.append(confidence)
    finally:
        document.close()
    return Extracted("\n\n".join(read), "scan", pages, min(confidences))


def _check_pages(pages: int) -> None:
    if pages > MAX_PAGES:
        raise DocumentRefused("too_many_pages", pages=pages, limit=MAX_PAGES)


# --- Word --------------------------------------------------------------------------------------

def _docx(data: bytes) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = list(_docx_blocks(document))
        stated = _docx_pages(data)
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise DocumentRefused("corrupt") from error
    text = "\n\n".join(p for p in paragraphs if p.strip())
    pages = stated or max(1, -(-len(text) // DOCX_CHARS_PER_PAGE))
    _check_pages(pages)
    return Extracted(text, "docx", pages)


def _docx_blocks(document: Any) -> Iterator[str]:
    """Paragraphs and tables in the order they stand in the body; a table row is one line
    of its cells (a header table's two columns become two cells of a line)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block.text
        elif isinstance(block, Table):
            yield from _table_lines(block)


def _table_lines(table: Any) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = "\n".join(p.text for p in cell.paragraphs).strip()
            if text and text not in cells:  # merged cells repeat themselves
                cells.append(text)
        if cells:
            yield "\n".join(cells)


def _docx_pages(data: bytes) -> int | None:
    """The page count Word wrote in docProps/app.xml, if any."""
    import re

    try:
        app = zipfile.ZipFile(io.BytesIO(data)).read("docProps/app.xml").decode("utf-8", "ignore")
    except KeyError:
        return None
    found = re.search(r"<Pages>(\d+)</Pages>", app)
    return int(found.group(1)) if found else None


# --- OCR ---------------------------------------------------------------------------------------

def ocr_available() -> bool:
    """Tesseract and its Vietnamese model are installed."""
    if shutil.which("tesseract") is None:
        return False
    import pytesseract

    try:
        return "vie" in pytesseract.get_languages()
    except pytesseract.TesseractError:
        return False


def _open_image(data: bytes) -> Any:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DocumentRefused("corrupt") from error
    return ImageOps.exif_transpose(image)


def ocr_image(image: Any) -> tuple[str, float]:
    """A page's text by Tesseract (Vietnamese), paragraphs apart, and its mean confidence."""
    import pytesseract

    if not ocr_available():
        raise DocumentRefused("no_ocr")
    gray = _deskewed(image.convert("L"))
    data = pytesseract.image_to_data(gray, lang="vie", config="--psm 3",
                                     output_type=pytesseract.Output.DICT)
    words = [(int(b), int(p), int(ln), w, float(c)) for b, p, ln, w, c in zip(
        data["block_num"], data["par_num"], data["line_num"], data["text"], data["conf"],
        strict=True) if str(w).strip() and float(c) >= 0]
    if not words:
        raise DocumentRefused("no_text")
    confidence = sum(w[4] for w in words) / len(words)
    if confidence < MIN_CONFIDENCE:
        raise DocumentRefused("blurred")
    return _layout(words), confidence


def _layout(words: list[tuple[int, int, int, str, float]]) -> str:
    """Tesseract's words back into lines, and its paragraphs apart by a blank line."""
    out: list[str] = []
    last: tuple[int, int, int] | None = None
    for block, par, line, word, _ in words:
        if last is None:
            out.append(word)
        elif (block, par) != last[:2]:
            out.append("\n\n" + word)
        elif line != last[2]:
            out.append("\n" + word)
        else:
            out.append(" " + word)
        last = (block, par, line)
    return "".join(out)


def _deskewed(image: Any) -> Any:
    """A photo turned straight: the angle (within ±5°) whose rows of ink are sharpest."""
    from PIL import Image

    small = image.copy()
    small.thumbnail((900, 900))
    ink = small.point(lambda v: 255 if v < 128 else 0)
    best, best_score = 0.0, -1.0
    for tenth in range(-50, 51, 5):
        angle = tenth / 10
        rotated = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False)
        score = _row_sharpness(rotated)
        if score > best_score:
            best, best_score = angle, score
    if best == 0.0:
        return image
    return image.rotate(best, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _row_sharpness(image: Any) -> float:
    width, height = image.size
    data = image.tobytes()
    rows = [data[y * width:(y + 1) * width].count(255) for y in range(height)]
    return float(sum((a - b) ** 2 for a, b in itertools.pairwise(rows)))
