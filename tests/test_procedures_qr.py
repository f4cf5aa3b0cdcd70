"""QR posters: the code decodes back to the exact deep link; payloads map to codes; the A4
sheet is a real PDF with six posters a page."""

import io
import re

import pytest
import zxingcpp
from PIL import Image

from services import fonts, qr
from services.procedures.catalogue import load_catalogue


def decode(png: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_every_catalogue_code_round_trips_through_its_payload() -> None:
    for procedure in load_catalogue():
        payload = qr.payload_for(procedure.code)
        assert re.fullmatch(r"[A-Za-z0-9_]{1,64}", payload)
        assert qr.code_from_payload(payload) == procedure.code
    assert qr.payload_for("1.001193") == "p_1_001193"
    assert qr.code_from_payload("p_1_001193_A") == "1.001193.A"
    assert qr.payload_for("TS-XEMAY") == "p_TS_XEMAY"
    assert qr.code_from_payload("p_TS_XEMAY") == "TS-XEMAY"


@pytest.mark.parametrize("payload", ["", "p_", "p_1", "p_1_0011", "p_1_001193_", "x_1_001193",
                                     "p_1.001193", "p_1_001193; DROP", "p_" + "9" * 60,
                                     "p_TS_", "p_TS_X", "p_TS_xemay", "p_TS_XE_MAY",
                                     "p_TS-XEMAY", "p_TS_" + "A" * 17])
def test_malformed_payloads_are_refused(payload: str) -> None:
    assert qr.code_from_payload(payload) is None


@pytest.mark.parametrize("code", ["1.001193", "2.001035", "1.011606"])
def test_poster_qr_decodes_to_the_exact_link(code: str) -> None:
    procedure = next(p for p in load_catalogue() if p.code == code)
    link = qr.deep_link("@thonso_xa_bot", code)
    assert link == f"https://t.me/thonso_xa_bot?start={qr.payload_for(code)}"
    poster = qr.Poster(codes=(qr.Code("Telegram", link),), title=procedure.name,
                       commune="Xã Tân Hòa",
                       instruction="Quét mã QR bằng camera điện thoại để xem giấy tờ cần chuẩn bị.",
                       footer=f"Mã thủ tục {code} · Thôn Số")
    png = qr.poster_png(poster)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size == (qr.WIDTH, qr.HEIGHT)
    assert decode(png) == [link]


def test_long_names_still_fit_and_decode() -> None:
    link = qr.deep_link("b", "1.001193")
    poster = qr.Poster(codes=(qr.Code("Telegram", link),), title="Thủ tục rất dài " * 30,
                       commune="Xã " + "Đ" * 200,
                       instruction="Quét mã " * 80, footer="Mã thủ tục 1.001193")
    assert decode(qr.poster_png(poster)) == [link]


def test_bot_name_falls_back_to_a_placeholder() -> None:
    assert qr.bot_name("real_bot") == "real_bot"
    assert qr.bot_name(None) == qr.PLACEHOLDER_BOT


def test_sheet_is_an_a4_pdf_with_six_posters_a_page() -> None:
    posters = [qr.Poster(codes=(qr.Code("Telegram", qr.deep_link("b", p.code)),),
                         title=p.name, commune="Xã Tân Hòa",
                         instruction="Quét mã để xem hướng dẫn.", footer=p.code)
               for p in load_catalogue()[:13]]
    pdf = qr.sheet_pdf(posters, heading="Xã Tân Hòa — mã QR thủ tục hành chính")
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 3
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf
    assert b"DejaVuSans" in pdf


def test_fonts_ship_with_the_package() -> None:
    assert fonts.REGULAR.is_file() and fonts.BOLD.is_file()
    assert fonts.REGULAR.read_bytes()[:4] == b"\x00\x01\x00\x00"
