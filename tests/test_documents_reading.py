"""Reading documents without a chat: each bad input is refused with its reason (and so with
its Vietnamese answer), and the cleaning keeps the title and body only, in NFC, with broken
lines mended and old encodings repaired."""

import dataclasses
import unicodedata

import pytest

from locales import Translator
from services.documents.clean import CleaningError, clean
from services.documents.drafts import first_part, split_messages, spoken_seconds
from services.documents.extract import MAX_BYTES, DocumentRefused, extract
from services.documents.reading import read_document
from tests.documents_support import (
    ENGLISH,
    blurred_photo,
    docx_bytes,
    encrypted_pdf,
    landscape,
    long_pdf,
    pdf_bytes,
    photo_bytes,
    png,
    sample,
)


@pytest.mark.parametrize(("data", "name", "reason"), [
    (encrypted_pdf(), "mat.pdf", "encrypted"),
    (b"%PDF-1.7\n1 0 obj <<>> broken", "hong.pdf", "corrupt"),
    (b"PK\x03\x04 not really a zip", "hong.docx", "corrupt"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "cu.doc", "old_word"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "bang.xls", "spreadsheet"),
    (long_pdf(50), "dai.pdf", "too_many_pages"),
    (png(landscape()), "canh-dong.png", "no_text"),
    (blurred_photo(), "mo.jpg", "blurred"),
    (docx_bytes(ENGLISH), "english.docx", "not_vietnamese"),
    (b"x" * (MAX_BYTES + 1), "lon.pdf", "too_big"),
], ids=["encrypted", "corrupt-pdf", "corrupt-docx", "doc", "xls", "50-pages", "no-text",
        "blurred", "english", "too-big"])
def test_bad_documents_are_refused_with_their_reason(data: bytes, name: str,
                                                      reason: str) -> None:
    read = read_document(data, name)
    assert (read.reason, read.text) == (reason, "")
    answer = Translator("vi")(f"documents.refused_{reason}", **(read.params or {}))
    assert "Mời anh/chị" in answer and "{" not in answer


def test_fifty_pages_are_named_in_the_answer() -> None:
    with pytest.raises(DocumentRefused) as refused:
        extract(long_pdf(50), "dai.pdf")
    assert refused.value.params == {"pages": 50, "limit": 10}


@pytest.mark.parametrize("render", [docx_bytes, pdf_bytes, photo_bytes],
                         ids=["docx", "pdf", "photo"])
def test_title_and_body_are_kept_header_and_signature_left_out(render) -> None:  # type: ignore[no-untyped-def]
    written = sample()
    read = read_document(render(written), "x")
    assert read.reason is None
    first, *rest = read.text.split("\n\n")
    assert first == f"{written.title} {written.subject}"          # the opening sentence
    assert rest == written.body
    for line in [*written.header_lines(), *written.closing_lines()]:
        assert line not in read.text


@pytest.mark.parametrize("render", [docx_bytes, pdf_bytes], ids=["docx", "pdf"])
def test_a_body_line_with_a_date_written_out_is_kept(render) -> None:  # type: ignore[no-untyped-def]
    """Only the header's own place-and-date line goes; a body line that gives the event's
    date in words, after a comma, is what villagers most need to hear."""
    written = dataclasses.replace(sample(), body=[
        "UBND xã An Bình tổ chức tiêm vắc xin cho trẻ em như sau:",
        "1. Thời gian: từ 7 giờ 30 đến 11 giờ, ngày 15 tháng 12 năm 2026.",
        "Thôn Đông, ngày 16 tháng 12 năm 2026: tiêm bù cho trẻ vắng mặt.",
    ])
    read = read_document(render(written), "x")
    assert read.text.split("\n\n")[1:] == written.body
    assert written.date not in read.text


def test_broken_lines_hyphens_legacy_encodings_and_nfc_are_mended() -> None:
    raw = ("UBND XÃ AN BÌNH\nSố: 3/TB-UBND\nTHÔNG BÁO\nVề việc thu gom rác\n"
           "Kính gửi: Các hộ gia đình\n"
           "Từ ngày 01/12/2026, xe thu gom rác sẽ đi qua các thôn vào sáng thứ Hai và\n"
           "thứ Năm hằng tuần. Đề nghị bà con để rác đúng nơi quy định, không đổ rác xuống kênh-\n"
           "mương.\n\n"
           + unicodedata.normalize("NFD", "Mọi ý kiến xin gửi về UBND xã./.") + "\n"
           "Nơi nhận:\n- Như trên;\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nTrần Văn Bình")
    text = clean(raw)
    assert text == (
        "THÔNG BÁO Về việc thu gom rác\n\n"
        "Từ ngày 01/12/2026, xe thu gom rác sẽ đi qua các thôn vào sáng thứ Hai và thứ Năm "
        "hằng tuần. Đề nghị bà con để rác đúng nơi quy định, không đổ rác xuống kênhmương.\n\n"
        "Mọi ý kiến xin gửi về UBND xã.")
    assert unicodedata.is_normalized("NFC", text)
    tcvn3 = "Th«ng b¸o vÒ viÖc tiªm phßng cho tr©u bß t¹i x·."
    assert clean(tcvn3) == "Thông báo về việc tiêm phòng cho trâu bò tại xã."


def test_nothing_left_after_the_header_is_refused() -> None:
    with pytest.raises(CleaningError) as error:
        clean("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nNơi nhận:")
    assert error.value.reason == "no_text"


def test_long_bulletins_are_cut_at_paragraphs_and_messages_fit_the_channel() -> None:
    sentence = "Bà con chú ý theo dõi thông tin thời tiết và chủ động phòng tránh bão."
    paragraph = " ".join([sentence] * 8)
    text = "\n\n".join([paragraph] * 12)
    assert spoken_seconds(text) > 300
    first = first_part(text)
    assert 0 < spoken_seconds(first) <= 300 and text.startswith(first)
    assert first.count("\n\n") + 1 < 12
    messages = split_messages(text, 2000)
    assert all(len(m) <= 2000 for m in messages)
    assert "\n\n".join(messages) == text


def test_the_text_is_read_as_a_radio_presenter_would() -> None:
    from services.audio import normalise_for_speech

    spoken = normalise_for_speech(read_document(docx_bytes(sample()), "tb.docx").text)
    assert "Thứ nhất, Thời gian: từ bảy giờ ba mươi phút đến mười một giờ ngày mười lăm tháng " \
        "mười một năm hai nghìn không trăm hai mươi sáu." in spoken
    assert "Thứ ba, Khi đi tiêm" in spoken and "thẻ bảo hiểm y tế" in spoken
    assert "không chín một hai, ba bốn năm, sáu bảy tám" in spoken
    assert spoken.startswith("THÔNG BÁO Về việc") and "Ủy ban nhân dân xã An Bình" in spoken
    assert not any(ch.isdigit() for ch in spoken)
    assert normalise_for_speech("Kế hoạch phát triển KT-XH, PCTT&TKCN năm 2027") == (
        "Kế hoạch phát triển kinh tế - xã hội, phòng chống thiên tai và tìm kiếm cứu nạn năm "
        "hai nghìn không trăm hai mươi bảy")


async def test_documents_left_a_week_go_with_their_original(database_url: str) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from services.communes import Communes
    from services.db import utcnow
    from services.documents.models import NoticeDocument
    from services.models import Blob
    from services.users import Users
    from tests.helpers import console_app

    old = utcnow() - timedelta(days=8)
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            s.add(Blob(sha256="f" * 64, data=b"%PDF original", created_at=old))
            await s.flush()
            commune = (await Communes(s).all())[0]
            user, _ = await Users(s).get_or_create("console", "official")
            for days, name in ((8, "cu.pdf"), (1, "moi.pdf")):
                moment = utcnow() - timedelta(days=days)
                s.add(NoticeDocument(
                    commune_id=commune.id, author_id=user.id, channel="console", file_id="f",
                    file_name=name, status="ready", pages=1, text="Nội dung", seconds=3,
                    attach=False, version=1, created_at=moment, updated_at=moment,
                    original_sha256="f" * 64 if days == 8 else None))
        await app.retention.prune_once()
        async with app.db.transaction() as s:
            assert list(await s.scalars(select(NoticeDocument.file_name))) == ["moi.pdf"]
            assert await s.get(Blob, "f" * 64) is None
