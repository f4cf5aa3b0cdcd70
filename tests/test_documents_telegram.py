"""/announce with a document, end to end through the real python-telegram-bot `Bot` and the
fake Bot API: a Word file, a PDF with a text layer, a scanned PDF and a photo of the paper
notice (sent as a photo or as a file) are read, cleaned, previewed (text and voice) and sent
to the groups as text plus an OGG/Opus voice, without the header, the recipients or the
signature; the text retyped at the preview is what goes; a notice scheduled for later is
delivered when due. Documents that cannot be read (old Word, spreadsheet, broken or
password-protected PDF, 50 pages, no writing, blurred, English) get a Vietnamese answer
saying what to send instead, and nothing is queued."""

import io
from collections.abc import Callable
from datetime import timedelta

import av
import pytest
from sqlalchemy import func, select, update

from handlers.notices import PickPriority, PickTargets, PickWhen, Targets, When
from services.db import utcnow
from services.documents.actions import (
    CutDocument,
    FirstPart,
    RetypeDocument,
    ToggleAttach,
    UseDocument,
)
from services.documents.models import NoticeDocument
from services.models import OutboxMessage
from services.notices.actions import ConfirmNotice
from services.notices.models import Notice
from tests.documents_support import (
    ENGLISH,
    blurred_photo,
    docx_bytes,
    encrypted_pdf,
    landscape,
    long_pdf,
    pdf_bytes,
    phone_file_bytes,
    photo_bytes,
    png,
    sample,
    scanned_pdf_bytes,
)
from tests.documents_support import (
    Notice as Written,
)
from tests.fakes.telegram_api import FakeTelegramAPI, make_message_update
from tests.helpers import telegram_app
from tests.notices_support import engines
from tests.test_audio_tts import FakeGoogleTTS
from tests.test_notices_telegram import GROUPS, OFFICIAL, Telegram

LEFT_OUT = ("CỘNG HÒA", "Độc lập", "Số: 125", "Kính gửi", "Nơi nhận", "Như trên", "TM.",
            "CHỦ TỊCH", "Đã ký", "Nguyễn Văn Hùng", "UBND HUYỆN", "ngày 05 tháng 11")




def _opus_seconds(content: bytes) -> float:
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "ogg" and stream.codec_context.name == "opus"
        return sum(f.samples for f in container.decode(stream)) / stream.sample_rate


async def _send_file(tg: Telegram, fake: FakeTelegramAPI, content: bytes, *, name: str | None,
                     photo: bool = False) -> None:
    file_id = f"doc-{next(tg.ids)}"
    fake.add_file(file_id, content, kind="photo" if photo else "document")
    update = make_message_update(next(tg.ids), OFFICIAL, OFFICIAL, photo=file_id) if photo \
        else make_message_update(next(tg.ids), OFFICIAL, OFFICIAL, document=file_id,
                                 document_name=name or "x")
    await tg.post(update)


async def _announce_document(tg: Telegram, fake: FakeTelegramAPI, content: bytes,
                             name: str | None, *, photo: bool = False) -> None:
    await tg.say(OFFICIAL, "/announce")
    await tg.said(OFFICIAL, "Mời anh/chị gõ nội dung")
    await _send_file(tg, fake, content, name=name, photo=photo)
    await tg.said(OFFICIAL, "Đang đọc văn bản")


async def _check_delivery(tg: Telegram, fake: FakeTelegramAPI, written: Written) -> None:
    """Preview, targets, now, confirm; each group gets the body as text and as voice."""
    choices = await tg.said(OFFICIAL, "Anh/chị muốn làm gì tiếp theo", timeout=60)
    previewed = "\n".join(str(c.params.get("text")) for c in fake.sent_to(OFFICIAL)
                          if c.method == "sendMessage")
    assert written.body[0][:60] in previewed
    [voice] = [c for c in fake.sent_to(OFFICIAL) if c.method == "sendVoice"]
    assert _opus_seconds(voice.files["voice"].content) > 2        # heard before the targets
    assert "Gửi tới đâu" not in previewed
    buttons = [b["callback_data"] for row in choices.params["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons[0] == UseDocument(1).pack()
    await tg.press(OFFICIAL, UseDocument(1).pack())
    await tg.said(OFFICIAL, "Gửi tới đâu")
    await tg.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
    await tg.said(OFFICIAL, "Sẽ gửi tới 2 nhóm")
    await tg.press(OFFICIAL, PickPriority("normal").pack())
    await tg.said(OFFICIAL, "Khi nào gửi")                 # text and voice: no mode asked
    await tg.press(OFFICIAL, PickWhen(When.NOW).pack())
    await tg.said(OFFICIAL, "Xem trước", timeout=30)
    await tg.press(OFFICIAL, ConfirmNotice(1).pack())
    await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=30)
    for group in GROUPS:
        sent = fake.sent_to(group)
        texts = [c for c in sent if c.method == "sendMessage" and "THÔNG BÁO" in str(
            c.params.get("text"))]
        voices = [c for c in sent if c.method == "sendVoice"]
        assert len(texts) == 1 and voices
        body = texts[0].params["text"]
        for paragraph in written.body:
            assert paragraph[:40] in body, (paragraph, body)
        assert written.subject in body
        for line in LEFT_OUT:
            assert line not in body, (line, body)
        content = voices[0].files["voice"].content if voices[0].files \
            else fake.file(voices[0].reused["voice"]).content  # type: ignore[union-attr]
        assert _opus_seconds(content) > 2


Render = Callable[[Written], bytes]


@pytest.mark.parametrize(("render", "name", "photo"), [
    (docx_bytes, "thong-bao-tiem-chung.docx", False),
    (pdf_bytes, "thong-bao.pdf", False),
    (scanned_pdf_bytes, "ban-quet.pdf", False),
    (photo_bytes, None, True),
], ids=["docx", "text-pdf", "scanned-pdf", "photo"])
async def test_a_document_becomes_a_notice_with_text_and_voice(
        database_url: str, google: FakeGoogleTTS, render: Render, name: str | None,
        photo: bool) -> None:
    written = sample()
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, render(written), name, photo=photo)
        await _check_delivery(tg, fake, written)
        async with app.db.transaction() as session:
            notice = await session.get(Notice, 1)
            assert notice is not None and notice.mode == "both"
            assert notice.source_document == (name or "anh-thong-bao.jpg")
        await tg.say(OFFICIAL, "/notice 1")
        await tg.said(OFFICIAL, f"Nội dung đọc từ văn bản: {name or 'anh-thong-bao.jpg'}")


async def test_the_original_goes_along_and_the_text_is_cut(
        database_url: str, google: FakeGoogleTTS) -> None:
    written = sample()
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, docx_bytes(written), "tb.docx")
        await tg.said(OFFICIAL, "Anh/chị muốn làm gì tiếp theo", timeout=60)
        await tg.press(OFFICIAL, ToggleAttach(1).pack())
        await fake.wait_for(lambda c: c.method == "editMessageText" and "văn bản gốc: Có" in str(
            c.params.get("reply_markup")), 1, timeout=10)
        await tg.press(OFFICIAL, CutDocument(1).pack())
        await tg.said(OFFICIAL, "số đoạn đầu muốn giữ, từ 1 đến 6")
        await tg.say(OFFICIAL, "9")
        await tg.said(OFFICIAL, "số đoạn đầu muốn giữ, từ 1 đến 6", count=2)
        await tg.say(OFFICIAL, "2")
        await tg.said(OFFICIAL, "Nội dung gồm 2 đoạn", timeout=60)
        await tg.press(OFFICIAL, UseDocument(1).pack())
        await tg.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
        await tg.press(OFFICIAL, PickPriority("normal").pack())
        await tg.press(OFFICIAL, PickWhen(When.NOW).pack())
        await tg.said(OFFICIAL, "Xem trước", timeout=30)
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=30)
        for group in GROUPS:
            sent = fake.sent_to(group)
            [text] = [c for c in sent if c.method == "sendMessage"
                      and "THÔNG BÁO" in str(c.params.get("text"))]
            assert written.body[0][:40] in text.params["text"]
            assert written.body[1][:20] not in text.params["text"]     # cut after 2 paragraphs
            [document] = [c for c in sent if c.method == "sendDocument"]
            stored = document.files.get("document")
            content = stored.content if stored else \
                fake.file(document.reused["document"]).content  # type: ignore[union-attr]
            assert content.startswith(b"PK") and document.params["caption"].startswith("📢")


REFUSALS = [
    pytest.param("thong-bao.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, False,
                 ["Word định dạng cũ", "Lưu thành .docx hoặc PDF"], id="old-word"),
    pytest.param("so-lieu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, False,
                 ["Bảng tính", "gửi văn bản thông báo dạng PDF hoặc Word"], id="spreadsheet"),
    pytest.param("hong.pdf", b"%PDF-1.4\n%garbage that is no PDF at all\n", False,
                 ["không mở được tệp"], id="corrupt-pdf"),
    pytest.param("mat-khau.pdf", encrypted_pdf(), False,
                 ["đặt mật khẩu", "gửi bản không đặt mật khẩu"], id="encrypted-pdf"),
    pytest.param("dai.pdf", long_pdf(50), False,
                 ["Văn bản có 50 trang", "tối đa 10 trang", "gửi riêng các trang cần phát"],
                 id="50-pages"),
    pytest.param("canh-dong.png", png(landscape()), False,
                 ["không tìm thấy chữ nào", "gửi ảnh chụp rõ nét"], id="no-text"),
    pytest.param(None, blurred_photo(), True,
                 ["Ảnh chưa đủ rõ", "chụp lại thẳng trang giấy"], id="blurred-photo"),
    pytest.param("english.docx", docx_bytes(ENGLISH), False,
                 ["không phải tiếng Việt", "gửi văn bản tiếng Việt"], id="english"),
]
"""(file name, content, sent as a photo, what the answer says: the reason, what to send)."""


@pytest.mark.parametrize(("name", "content", "photo", "answer"), REFUSALS)
async def test_a_document_that_cannot_be_read_gets_a_clear_answer(
        database_url: str, name: str | None, content: bytes, photo: bool,
        answer: list[str]) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = Telegram(fake)
        await tg.link_groups(app)
        await tg.say(OFFICIAL, "/announce")
        await tg.said(OFFICIAL, "Mời anh/chị gõ nội dung")
        await _send_file(tg, fake, content, name=name, photo=photo)
        said = (await tg.said(OFFICIAL, answer[0], timeout=60)).params["text"]
        for part in answer[1:]:
            assert part in said, (part, said)
        assert "gõ nội dung" in said                       # typing it is always possible
        await _nothing_queued(app, fake)
        await tg.say(OFFICIAL, "Họp dân lúc 8h sáng Chủ nhật tại nhà văn hóa thôn.")
        await tg.said(OFFICIAL, "Gửi tới đâu")                # typed text goes on as usual
        await _nothing_queued(app, fake)


async def _nothing_queued(app, fake: FakeTelegramAPI) -> None:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Notice)) == 0
        to_groups = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.chat_id.in_([str(group) for group in GROUPS]),
            OutboxMessage.payload["text"].as_string().contains("THÔNG BÁO")))
        assert to_groups == 0
    for group in GROUPS:
        assert [c for c in fake.sent_to(group) if "THÔNG BÁO" in str(
            c.params.get("text"))] == []


async def test_the_text_retyped_at_the_preview_is_what_the_groups_get(
        database_url: str, google: FakeGoogleTTS) -> None:
    written = sample()
    retyped = ("THÔNG BÁO Về việc đổi lịch tiêm vắc xin\n\nLịch tiêm vắc xin sởi - rubella "
               "chuyển sang 7h30 sáng thứ Bảy ngày 21/11/2026 tại Trạm Y tế xã.")
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, docx_bytes(written), "tb.docx")
        await tg.said(OFFICIAL, "Anh/chị muốn làm gì tiếp theo", timeout=60)
        await tg.press(OFFICIAL, RetypeDocument(1).pack())
        await tg.said(OFFICIAL, "gõ nội dung đã sửa")
        await tg.say(OFFICIAL, retyped)
        await tg.said(OFFICIAL, "Đã cập nhật nội dung", timeout=30)
        await tg.said(OFFICIAL, "Anh/chị muốn làm gì tiếp theo", count=2, timeout=60)
        await tg.said(OFFICIAL, "chuyển sang 7h30 sáng thứ Bảy")   # previewed as retyped
        await tg.press(OFFICIAL, UseDocument(1).pack())
        await tg.said(OFFICIAL, "Gửi tới đâu")
        await tg.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
        await tg.press(OFFICIAL, PickPriority("normal").pack())
        await tg.press(OFFICIAL, PickWhen(When.NOW).pack())
        await tg.said(OFFICIAL, "Xem trước", timeout=30)
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=30)
        for group in GROUPS:
            sent = fake.sent_to(group)
            [text] = [c for c in sent if c.method == "sendMessage"
                      and "THÔNG BÁO" in str(c.params.get("text"))]
            assert "chuyển sang 7h30 sáng thứ Bảy ngày 21/11/2026" in text.params["text"]
            for paragraph in written.body:                    # nothing of the document's
                assert paragraph[:40] not in text.params["text"]
            assert [c for c in sent if c.method == "sendVoice"]
        async with app.db.transaction() as session:
            notice = await session.get(Notice, 1)
            assert notice is not None and "chuyển sang 7h30" in notice.text
            assert written.body[0][:40] not in notice.text


async def test_a_jpeg_photo_sent_as_a_file_is_read_as_a_photo(
        database_url: str, google: FakeGoogleTTS) -> None:
    """As a file, the phone's JPEG comes as it was stored (sideways, turned by its EXIF)."""
    written = sample()
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, phone_file_bytes(written), "IMG_20261105_0830.jpg")
        await _check_delivery(tg, fake, written)
        async with app.db.transaction() as session:
            notice = await session.get(Notice, 1)
            assert notice is not None and notice.source_document == "IMG_20261105_0830.jpg"


async def test_a_notice_from_a_document_scheduled_for_later_goes_when_due(
        database_url: str, google: FakeGoogleTTS) -> None:
    written = sample()
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, pdf_bytes(written), "thong-bao.pdf")
        await tg.said(OFFICIAL, "Anh/chị muốn làm gì tiếp theo", timeout=60)
        await tg.press(OFFICIAL, UseDocument(1).pack())
        await tg.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
        await tg.press(OFFICIAL, PickPriority("normal").pack())
        await tg.said(OFFICIAL, "Khi nào gửi")
        await tg.press(OFFICIAL, PickWhen(When.ONCE).pack())
        await tg.said(OFFICIAL, "Mời gõ ngày giờ")
        await tg.say(OFFICIAL, "25/12/2030 07:30")
        await tg.said(OFFICIAL, "Xem trước", timeout=30)
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "Đã hẹn gửi thông báo #1 lúc 07:30 25/12/2030", timeout=30)
        for group in GROUPS:                                  # not before its time
            assert [c for c in fake.sent_to(group) if "THÔNG BÁO" in str(
                c.params.get("text"))] == []
        due = utcnow() + timedelta(seconds=2)
        async with app.db.transaction() as session:
            await session.execute(update(Notice).values(run_at=due, next_run_at=due))
        for group in GROUPS:
            await tg.said(group, written.body[0][:40], timeout=30)
            await fake.wait_for(lambda c, g=group: c.ok and c.chat_id == g
                                and c.method == "sendVoice", 1, timeout=30)
        for group in GROUPS:
            sent = fake.sent_to(group)
            [text] = [c for c in sent if c.method == "sendMessage"
                      and "THÔNG BÁO" in str(c.params.get("text"))]
            assert written.subject in text.params["text"]
            for line in LEFT_OUT:
                assert line not in text.params["text"], line
            [voice] = [c for c in sent if c.method == "sendVoice"]
            content = voice.files["voice"].content if voice.files \
                else fake.file(voice.reused["voice"]).content  # type: ignore[union-attr]
            assert _opus_seconds(content) > 2
        async with app.db.transaction() as session:
            notice = await session.get(Notice, 1)
            assert notice is not None and (notice.status, notice.mode) == ("done", "both")


async def test_a_bulletin_over_five_minutes_warns_and_keeps_the_first_part(
        database_url: str, google: FakeGoogleTTS) -> None:
    sentence = ("Bà con chú ý theo dõi bản tin thời tiết, chủ động chằng chống nhà cửa, thu "
                "hoạch lúa và hoa màu, không ra sông suối khi có mưa lũ.")
    long = Written(number="130/TB-UBND", title="THÔNG BÁO", subject="Về việc phòng chống bão lũ",
                   body=[f"Đoạn {index + 1}. " + " ".join([sentence] * 6) for index in range(14)])
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await _announce_document(tg, fake, docx_bytes(long), "bao-lu.docx")
        warned = await tg.said(OFFICIAL, "quá 5 phút", timeout=60)
        labels = [b["text"] for row in warned.params["reply_markup"]["inline_keyboard"]
                  for b in row]
        assert "✂️ Chỉ gửi phần đầu (khoảng 5 phút)" in labels
        await tg.press(OFFICIAL, FirstPart(1).pack())
        await tg.said(OFFICIAL, "Đã cập nhật nội dung")
        summary = await tg.said(OFFICIAL, "Anh/chị muốn làm gì tiếp theo", count=2, timeout=60)
        assert "quá 5 phút" not in summary.params["text"]
        async with app.db.transaction() as session:
            document = await session.get(NoticeDocument, 1)
            assert document is not None and 0 < document.seconds <= 300
            assert document.text.startswith("THÔNG BÁO Về việc phòng chống bão lũ")
            assert "Đoạn 2." in document.text and "Đoạn 14." not in document.text
            assert await session.scalar(select(func.count()).select_from(Notice)) == 0


async def test_without_tesseract_a_photo_gets_one_line_asking_for_text(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.documents.extract.shutil.which", lambda name: None)
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = Telegram(fake)
        await tg.link_groups(app)
        await tg.say(OFFICIAL, "/announce")
        await tg.said(OFFICIAL, "Mời anh/chị gõ nội dung")
        await _send_file(tg, fake, photo_bytes(sample()), name=None, photo=True)
        answer = await tg.said(OFFICIAL, "chưa có công cụ nhận dạng chữ")
        assert "\n" not in answer.params["text"] and "gõ nội dung" in answer.params["text"]
        assert fake.calls_of("getFile") == []                     # nothing downloaded
        await tg.say(OFFICIAL, "Họp dân lúc 8h sáng Chủ nhật tại nhà văn hóa thôn.")
        await tg.said(OFFICIAL, "Gửi tới đâu")
