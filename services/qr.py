"""QR posters for procedures: a PNG poster for one procedure, an A4 PDF sheet of many.

A poster carries a QR code for each channel the commune runs: Telegram's deep link
(`https://t.me/<bot>?start=p_1_001193`), which opens the procedure's answer card in the bot,
and, when configured, the commune's Zalo link. Text is drawn with DejaVu Sans (shipped in
`services.fonts`), which has every Vietnamese glyph. What a poster shows is also written into
the PNG as a `thonso:poster` text chunk (JSON), so it can be checked without reading pixels.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from services import fonts
from services.procedures.procedure import LOCAL_CODE_PREFIX

if TYPE_CHECKING:  # Pillow and qrcode load only when a poster is drawn: they cost memory
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.pdfgen.canvas import Canvas

PAYLOAD_PREFIX = "p_"
PLACEHOLDER_BOT = "ThonSoBot"
"""Used in links when the bot's username is unknown (no token); `QR_BOT_USERNAME` overrides."""
_PAYLOAD = re.compile(r"^p_(\d{1,2})_(\d{6})(?:_([0-9A-Za-z]+))?$")
_LOCAL_PAYLOAD = re.compile(r"^p_TS_([A-Z0-9]{2,16})$")

WIDTH, HEIGHT = 1200, 1700
MARGIN = 80
QR_SIZE = 820
COLUMNS, ROWS = 2, 3
PER_PAGE = COLUMNS * ROWS


POSTER_KEY = "thonso:poster"


@dataclass(frozen=True)
class Code:
    """One QR code of a poster: the channel's name printed under it and its link."""

    label: str
    link: str


@dataclass(frozen=True)
class Poster:
    """What one poster shows: `codes` in order (Telegram first)."""

    codes: tuple[Code, ...]
    title: str
    commune: str
    instruction: str
    footer: str

    @property
    def link(self) -> str:
        return self.codes[0].link


def payload_for(code: str) -> str:
    """`1.001193` → `p_1_001193`, `TS-XEMAY` → `p_TS_XEMAY` (a /start payload: letters,
    digits and `_` only)."""
    return PAYLOAD_PREFIX + code.replace(".", "_").replace("-", "_")


def code_from_payload(payload: str) -> str | None:
    """`p_1_001193` → `1.001193`, `p_TS_XEMAY` → `TS-XEMAY`; None for anything malformed."""
    local = _LOCAL_PAYLOAD.match(payload.strip())
    if local is not None:
        return LOCAL_CODE_PREFIX + local.group(1)
    match = _PAYLOAD.match(payload.strip())
    if match is None:
        return None
    return ".".join(part for part in match.groups() if part)


def bot_name(username: str | None) -> str:
    """The bot's username (asked of Telegram, else the `QR_BOT_USERNAME` setting), else a
    placeholder."""
    return username or PLACEHOLDER_BOT


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload_for(code)}"


def qr_image(link: str, box: int = 10) -> Image.Image:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box, border=4)
    code.add_data(link)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(fonts.BOLD if bold else fonts.REGULAR), size)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line is cut."""
    lines: list[str] = []
    line = ""
    for whole in text.split():
        word = whole
        candidate = f"{line} {word}".strip()
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while measure(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _fit(text: str, width: int, sizes: Sequence[int], max_lines: int,
         bold: bool) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font size at which `text` fits in `max_lines` lines (else cut with …)."""
    for size in sizes:
        font = _font(size, bold)
        lines = wrap(text, width, font.getlength)
        if len(lines) <= max_lines:
            return font, lines
    font = _font(sizes[-1], bold)
    lines = wrap(text, width, font.getlength)[:max_lines]
    lines[-1] = lines[-1].rstrip(" ,;.") + "…"
    return font, lines


@lru_cache(maxsize=64)
def poster_png(poster: Poster) -> bytes:
    """A portrait poster: commune, procedure name in large type, QR code, instruction."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, WIDTH, 150), fill=30)
    commune_font, commune_lines = _fit(poster.commune, inner, (52, 44, 36), 1, bold=True)
    draw.text((WIDTH / 2, 75), commune_lines[0], font=commune_font, fill=255, anchor="mm")

    y = 200
    title_font, title_lines = _fit(poster.title, inner, (76, 66, 58, 50, 44), 4, bold=True)
    for line in title_lines:
        draw.text((WIDTH / 2, y), line, font=title_font, fill=0, anchor="ma")
        y += int(title_font.size * 1.25)

    space_top = y + 20
    space_bottom = HEIGHT - 330
    qr_y = _paste_codes(image, draw, poster.codes, space_top, space_bottom)

    y = max(qr_y + 30, HEIGHT - 320)
    text_font, text_lines = _fit(poster.instruction, inner, (40, 36, 32), 4, bold=False)
    for line in text_lines:
        draw.text((WIDTH / 2, y), line, font=text_font, fill=0, anchor="ma")
        y += int(text_font.size * 1.3)
    draw.text((WIDTH / 2, HEIGHT - 50), poster.footer, font=_font(28), fill=90, anchor="ms")

    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt(POSTER_KEY, json.dumps({
        "commune": poster.commune, "title": poster.title, "instruction": poster.instruction,
        "codes": [{"label": c.label, "link": c.link} for c in poster.codes]},
        ensure_ascii=False))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6, pnginfo=info)
    return out.getvalue()


def _paste_codes(image: Image.Image, draw: ImageDraw.ImageDraw, codes: Sequence[Code],
                 top: int, bottom: int) -> int:
    """The codes side by side, centred between `top` and `bottom`, each with its channel's
    name under it when there are several; returns the y below them."""
    from PIL import Image

    count = len(codes)
    gap = 60
    target = QR_SIZE if count == 1 else (WIDTH - 2 * MARGIN - gap * (count - 1)) // count
    label_space = 0 if count == 1 else 60
    lowest = top
    for index, code in enumerate(codes):
        qr = qr_image(code.link)
        size = min(target, bottom - top - label_space) // qr.width * qr.width
        qr = qr.resize((size, size), Image.Resampling.NEAREST)
        total = count * size + gap * (count - 1)
        x = (WIDTH - total) // 2 + index * (size + gap)
        y = top + max(0, (bottom - top - size - label_space) // 2)
        image.paste(qr, (x, y))
        if count > 1:
            draw.text((x + size / 2, y + size + 8), code.label, font=_font(40, bold=True),
                      fill=0, anchor="ma")
        lowest = max(lowest, y + size + label_space)
    return lowest


def sheet_pdf(posters: Sequence[Poster], *, heading: str, columns: int = COLUMNS,
              rows: int = ROWS, on_drawn: Callable[[], None] | None = None) -> bytes:
    """An A4 PDF with `columns × rows` small posters a page, each with a vector QR code;
    `on_drawn` is called after each poster (for a progress bar)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    for name, path in (("DejaVuSans", fonts.REGULAR), ("DejaVuSans-Bold", fonts.BOLD)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(heading)
    page_w, page_h = A4
    margin, top = 12 * mm, 20 * mm
    cell_w = (page_w - 2 * margin) / columns
    cell_h = (page_h - margin - top) / rows
    per_page = columns * rows
    pages = max(1, -(-len(posters) // per_page))
    for index, poster in enumerate(posters):
        slot = index % per_page
        if slot == 0:
            if index:
                pdf.showPage()
            pdf.setFont("DejaVuSans-Bold", 12)
            pdf.drawString(margin, page_h - 12 * mm, heading)
            pdf.setFont("DejaVuSans", 9)
            pdf.drawRightString(page_w - margin, page_h - 12 * mm,
                                f"{index // per_page + 1}/{pages}")
        x = margin + (slot % columns) * cell_w
        y = page_h - top - (slot // columns + 1) * cell_h
        _draw_cell(pdf, poster, x, y, (cell_w, cell_h))
        if on_drawn is not None:
            on_drawn()
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _draw_cell(pdf: Canvas, poster: Poster, x: float, y: float,
               size: tuple[float, float]) -> None:
    """One small poster in its dashed cell: title, vector QR code, instruction, footer."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics

    cell_w, cell_h = size
    pdf.setDash(2, 3)
    pdf.setStrokeGray(0.6)
    pdf.rect(x, y, cell_w, cell_h)
    pdf.setDash()
    pad = 4 * mm
    width = cell_w - 2 * pad
    title_lines = wrap(poster.title, width,
                       lambda text: pdfmetrics.stringWidth(text, "DejaVuSans-Bold", 11))[:3]
    text_y = y + cell_h - pad - 11
    pdf.setFont("DejaVuSans-Bold", 11)
    for line in title_lines:
        pdf.drawCentredString(x + cell_w / 2, text_y, line)
        text_y -= 13
    qr_size = min(cell_h - 30 * mm, width) - 4 * mm
    widget = QrCodeWidget(poster.link, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(qr_size, qr_size,
                      transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x + (cell_w - qr_size) / 2, y + 14 * mm)
    pdf.setFont("DejaVuSans", 8)
    instruction = wrap(poster.instruction, width,
                       lambda text: pdfmetrics.stringWidth(text, "DejaVuSans", 8))[:2]
    line_y = y + 9 * mm
    for line in instruction:
        pdf.drawCentredString(x + cell_w / 2, line_y, line)
        line_y -= 10
    pdf.setFillGray(0.4)
    pdf.drawCentredString(x + cell_w / 2, y + 2 * mm, poster.footer)
    pdf.setFillGray(0)
