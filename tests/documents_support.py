"""Commune notices written for the tests and the bench, rendered as the files officials have:
a Word file (header and signature in two-column tables, as the template has them), a PDF with
a text layer, a scanned PDF (pages as images only) and a photo of the paper notice; and those
that must be refused: a PDF with a password, one too long, a blurred photo, a photo with no
writing, a notice in English."""

from __future__ import annotations

import io
import random
import textwrap
from dataclasses import dataclass, field
from importlib import resources

FONT = "DejaVuSans"


@dataclass(frozen=True)
class Notice:
    """A notice as its author wrote it: what must be read, and what must not."""

    number: str
    title: str
    subject: str
    body: list[str]
    addressee: str = "Nhân dân trong toàn xã"
    commune: str = "XÃ AN BÌNH"
    district: str = "UBND HUYỆN ĐÔNG SƠN"
    date: str = "An Bình, ngày 05 tháng 11 năm 2026"
    signer: str = "Nguyễn Văn Hùng"
    recipients: list[str] = field(default_factory=lambda: [
        "- Như trên;", "- UBND huyện (b/c);", "- Đảng ủy, HĐND xã;", "- Lưu: VT."])

    def header_lines(self) -> list[str]:
        return [self.district, f"UBND {self.commune}", f"Số: {self.number}",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", self.date,
                f"Kính gửi: {self.addressee}"]

    def closing_lines(self) -> list[str]:
        return ["Nơi nhận:", *self.recipients, "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Đã ký)",
                self.signer]

    def expected(self) -> str:
        """What the radio should read: the title with its subject, then the body."""
        return "\n\n".join([f"{self.title} {self.subject}", *self.body])


def sample() -> Notice:
    return Notice(
        number="125/TB-UBND", title="THÔNG BÁO",
        subject="Về việc tổ chức tiêm vắc xin phòng bệnh cho trẻ em",
        body=[
            "Thực hiện kế hoạch của Trung tâm Y tế huyện, UBND xã An Bình thông báo tới nhân "
            "dân lịch tiêm vắc xin sởi - rubella cho trẻ em từ 1 đến 5 tuổi như sau:",
            "1. Thời gian: từ 7h30 đến 11h00 ngày 15/11/2026.",
            "2. Địa điểm: Trạm Y tế xã An Bình, thôn Đông.",
            "3. Khi đi tiêm, phụ huynh mang theo sổ tiêm chủng và thẻ BHYT của trẻ. Mọi thắc "
            "mắc xin liên hệ số điện thoại 0912 345 678.",
            "UBND xã đề nghị các hộ gia đình có trẻ trong độ tuổi đưa trẻ đi tiêm đầy đủ, đúng "
            "lịch.",
        ])


def docx_bytes(notice: Notice) -> bytes:
    import docx

    document = docx.Document()
    top = document.add_table(rows=3, cols=2)
    left = [notice.district, f"UBND {notice.commune}", f"Số: {notice.number}"]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", notice.date]
    for row, (a, b) in enumerate(zip(left, right, strict=True)):
        top.cell(row, 0).text, top.cell(row, 1).text = a, b
    document.add_paragraph(notice.title)
    document.add_paragraph(notice.subject)
    document.add_paragraph(f"Kính gửi: {notice.addressee}")
    for paragraph in notice.body:
        document.add_paragraph(paragraph)
    bottom = document.add_table(rows=1, cols=2)
    bottom.cell(0, 0).text = "\n".join(["Nơi nhận:", *notice.recipients])
    bottom.cell(0, 1).text = "\n".join(notice.closing_lines()[len(notice.recipients) + 1:])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _font_file(bold: bool = False) -> str:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return str(resources.files("services.fonts") / name)


def _page_lines(notice: Notice, width: int = 80) -> list[tuple[str, str]]:
    """(alignment, text) lines of the printed notice: header in two columns side by side,
    centred title, wrapped body, recipients left and signature right."""
    lines: list[tuple[str, str]] = []
    left = [notice.district, f"UBND {notice.commune}", f"Số: {notice.number}"]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", notice.date]
    lines += [("pair", f"{a}\t{b}") for a, b in zip(left, right, strict=True)]
    lines += [("blank", ""), ("center", notice.title), ("center", notice.subject),
              ("blank", ""), ("center", f"Kính gửi: {notice.addressee}"), ("blank", "")]
    for paragraph in notice.body:
        lines += [("left", part) for part in textwrap.wrap(paragraph, width)]
    lines.append(("blank", ""))
    closing = notice.closing_lines()
    recipients = closing[: len(notice.recipients) + 1]
    signature = closing[len(notice.recipients) + 1:]
    for index in range(max(len(recipients), len(signature))):
        a = recipients[index] if index < len(recipients) else ""
        b = signature[index] if index < len(signature) else ""
        lines.append(("pair", f"{a}\t{b}"))
    return lines


def pdf_bytes(notice: Notice) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont(FONT, _font_file()))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    y = height - 60
    pdf.setFont(FONT, 11)
    for align, text in _page_lines(notice):
        if y < 60:
            pdf.showPage()
            pdf.setFont(FONT, 11)
            y = height - 60
        if align == "pair":
            a, b = text.split("\t")
            pdf.drawCentredString(150, y, a)
            pdf.drawCentredString(400, y, b)
        elif align == "center":
            pdf.drawCentredString(width / 2, y, text)
        elif align == "left":
            pdf.drawString(60, y, text)
        y -= 16
    pdf.save()
    return out.getvalue()


def page_image(notice: Notice, *, dpi: int = 200, angle: float = 0.0, noise: int = 0,
               seed: int = 1) -> object:
    """The printed page as a grey image at `dpi`, turned by `angle` degrees, with noise."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 72
    width, height = int(595 * scale), int(842 * scale)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(_font_file(), int(11 * scale))
    y = 60 * scale
    for align, text in _page_lines(notice):
        if align == "pair":
            a, b = text.split("\t")
            draw.text((150 * scale, y), a, font=font, fill=0, anchor="ma")
            draw.text((400 * scale, y), b, font=font, fill=0, anchor="ma")
        elif align == "center":
            draw.text((width / 2, y), text, font=font, fill=0, anchor="ma")
        elif align == "left":
            draw.text((60 * scale, y), text, font=font, fill=0)
        y += 16 * scale
    if noise:
        rng = random.Random(seed)
        pixels = image.load()
        assert pixels is not None
        for _ in range(width * height // 40):
            x, y_ = rng.randrange(width), rng.randrange(height)
            value = pixels[x, y_]
            assert isinstance(value, int)
            pixels[x, y_] = max(0, min(255, value + rng.randint(-noise, noise)))
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True,
                             fillcolor=255)
    return image


def photo_bytes(notice: Notice, *, angle: float = 0.8, noise: int = 60, seed: int = 1) -> bytes:
    """A JPEG photo of the paper notice: 200 dpi, slightly turned, noisy."""
    image = page_image(notice, angle=angle, noise=noise, seed=seed)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)  # type: ignore[attr-defined]
    return out.getvalue()


def phone_file_bytes(notice: Notice) -> bytes:
    """The photo as a phone sends it as a file: stored sideways, with the EXIF orientation
    (6: turn 90° clockwise to view) that Telegram applies to a photo but not to a file."""
    from PIL import Image

    image = page_image(notice, angle=0.8, noise=60).rotate(90, expand=True)  # type: ignore[attr-defined]
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def scanned_pdf_bytes(notice: Notice) -> bytes:
    """A PDF of the page as an image only, as a scanner makes it."""
    image = page_image(notice, noise=30)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=200.0)  # type: ignore[attr-defined]
    return out.getvalue()


def png(image: object) -> bytes:
    """An image as a PNG file."""
    out = io.BytesIO()
    image.save(out, format="PNG")  # type: ignore[attr-defined]
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """The sample notice as a PDF that opens only with a password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_bytes(sample()))))
    writer.encrypt(user_password="mat-khau", owner_password="chu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def long_pdf(pages: int) -> bytes:
    """The sample notice's first page, `pages` times over."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    page = PdfReader(io.BytesIO(pdf_bytes(sample()))).pages[0]
    for _ in range(pages):
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blurred_photo() -> bytes:
    """A photo of the sample notice too blurred to be read reliably."""
    from PIL import ImageFilter

    image = page_image(sample(), dpi=200)
    small = image.resize((image.width // 4, image.height // 4))  # type: ignore[attr-defined]
    blurred = small.filter(ImageFilter.GaussianBlur(1.0)).resize(image.size)  # type: ignore[attr-defined]
    out = io.BytesIO()
    blurred.save(out, format="JPEG", quality=90)
    return out.getvalue()


def landscape() -> object:
    """A photo with no writing: fields, a road and the sun."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), (120, 180, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 500, 1200, 900), fill=(60, 150, 60))
    draw.polygon([(550, 900), (650, 900), (610, 500), (590, 500)], fill=(90, 90, 90))
    draw.ellipse((900, 80, 1050, 230), fill=(250, 220, 60))
    return image


ENGLISH = Notice(number="7/TB-UBND", title="THÔNG BÁO", subject="Notice of a meeting",
                 body=["The village meeting will be held on Sunday morning at the cultural "
                       "house. All households are invited to attend and give their views on "
                       "the new road and the water supply for the coming year."])
