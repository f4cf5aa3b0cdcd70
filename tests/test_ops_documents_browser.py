"""A Word notice uploaded to the operations room's compose form in a real headless Chromium
(Selenium) against the real app and the fake Telegram Bot API: the cleaned text appears in
the form, the file is named, the official asks for the original to go along, listens to the
preview and confirms; each linked group gets the text and an OGG/Opus voice (and the
original) with none of the heading, addressee, recipients or signature lines."""

from __future__ import annotations

import io
from pathlib import Path

import av
import docx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from bot.commands_ops import issue_link
from locales import Translator
from services.notices.models import Notice
from tests.browser import Browser, chromium
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import telegram_app
from tests.notices_support import engines
from tests.test_audio_tts import FakeGoogleTTS
from tests.test_documents_telegram import LEFT_OUT
from tests.test_notices_telegram import GROUPS, OFFICIAL, Telegram

VI = Translator("vi")
HEADING = [("UBND HUYỆN ĐÔNG SƠN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
           ("UBND XÃ AN BÌNH", "Độc lập - Tự do - Hạnh phúc"),
           ("Số: 125/TB-UBND", "An Bình, ngày 05 tháng 11 năm 2026")]
TITLE, SUBJECT = "THÔNG BÁO", "Về việc nạo vét kênh mương nội đồng trước vụ Đông Xuân"
BODY = ["UBND xã An Bình thông báo tới nhân dân lịch ra quân nạo vét kênh mương nội đồng "
        "như sau:",
        "1. Thời gian: từ 6h30 ngày 20/11/2026, mỗi hộ cử một lao động.",
        "2. Địa điểm tập trung: nhà văn hóa thôn Đông, mang theo cuốc, xẻng.",
        "Đề nghị bà con tham gia đầy đủ, đúng giờ."]
CLOSING = ("Nơi nhận:\n- Như trên;\n- Đảng ủy, HĐND xã;\n- Lưu: VT.",
           "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n(Đã ký)\nNguyễn Văn Hùng")




def write_notice(path: Path) -> Path:
    """The commune's notice as its Word template lays it out: heading and signature in
    two-column tables, the addressee and the recipients around the body."""
    document = docx.Document()
    top = document.add_table(rows=len(HEADING), cols=2)
    for row, (left, right) in enumerate(HEADING):
        top.cell(row, 0).text, top.cell(row, 1).text = left, right
    document.add_paragraph(TITLE)
    document.add_paragraph(SUBJECT)
    document.add_paragraph("Kính gửi: Nhân dân trong toàn xã")
    for paragraph in BODY:
        document.add_paragraph(paragraph)
    bottom = document.add_table(rows=1, cols=2)
    bottom.cell(0, 0).text, bottom.cell(0, 1).text = CLOSING
    document.save(str(path))
    return path


def opus_seconds(content: bytes) -> float:
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "ogg" and stream.codec_context.name == "opus"
        return sum(f.samples for f in container.decode(stream)) / stream.sample_rate


async def test_a_word_notice_uploaded_in_the_browser_reaches_the_groups(
        database_url: str, google: FakeGoogleTTS, tmp_path: Path) -> None:
    upload = write_notice(tmp_path / "thong-bao-nao-vet.docx")
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        link = await issue_link(app, "telegram", str(OFFICIAL))
        root = link.split("/signin")[0]
        with chromium(tmp_path) as driver:
            browser = Browser(driver, tmp_path / "screens")
            await browser.get(link)
            await browser.click("#signin")
            await browser.until(lambda d: VI("ops.nav.notices") in d.page_source)
            await browser.get(root + "/notices/new")
            # Enter in a field makes the notice (here: says the text is empty), never «read»
            when = await browser.call(driver.find_element, By.CSS_SELECTOR, "#time")
            await browser.call(when.send_keys, Keys.ENTER)  # type: ignore[attr-defined]
            await browser.until(lambda d: d.find_elements(By.ID, "form-error"))
            assert await browser.text("#form-error") == VI("ops.notices.err.empty")
            await browser.click("#priority-priority")
            field = await browser.call(driver.find_element, By.CSS_SELECTOR, "#document-file")
            await browser.call(field.send_keys, str(upload))  # type: ignore[attr-defined]
            await browser.click("#read-document")
            await browser.until(lambda d: d.find_elements(By.ID, "document-source"), 30)

            source = await browser.text("#document-source")
            assert VI("ops.notices.doc.read_from", name=upload.name, pages=1,
                      how=VI("documents.kind_docx")) in source
            text = await browser.script("return document.getElementById('text').value")
            assert isinstance(text, str)
            assert text.startswith(f"{TITLE} {SUBJECT}"), text
            for paragraph in BODY:
                assert paragraph in text
            for line in LEFT_OUT:
                assert line not in text, line
            # the choices made before the upload are kept
            assert await browser.script(
                "return document.getElementById('priority-priority').checked") is True
            await browser.shot("compose-document")
            async with app.db.transaction() as session:
                assert await session.scalar(select(Notice)) is None  # nothing made yet

            # The official corrects a word, asks for the original, and makes the preview.
            await browser.script(
                "const box = document.getElementById('text');"
                "box.value = box.value.replace('mỗi hộ cử một lao động', "
                "'mỗi hộ cử một người lao động');")
            await browser.click("#attach")
            await browser.click("#create")
            await browser.until(lambda d: d.find_elements(By.ID, "engine"), 30)
            assert upload.name in await browser.text("#notice-source")
            assert not [c for g in GROUPS for c in fake.sent_to(g) if "nạo vét" in str(
                c.params.get("text") or c.params.get("caption") or "")]
            await browser.shot("notice-from-document")
            await browser.click("#confirm")

            for group in GROUPS:
                await tg.said(group, "nạo vét kênh mương", timeout=20)
                await fake.wait_for(lambda c, g=group: c.ok and c.method == "sendDocument"
                                    and c.chat_id == g, 1, timeout=20)
                sent = fake.sent_to(group)
                [message] = [c for c in sent if c.method == "sendMessage"
                             and SUBJECT in str(c.params.get("text"))]
                body = str(message.params["text"])
                assert "mỗi hộ cử một người lao động" in body
                for paragraph in BODY[2:]:
                    assert paragraph in body
                for line in LEFT_OUT:
                    assert line not in body, (line, body)
                voices = [c for c in sent if c.method == "sendVoice"]
                assert voices
                content = voices[0].files["voice"].content if voices[0].files \
                    else fake.file(voices[0].reused["voice"]).content  # type: ignore[union-attr]
                assert opus_seconds(content) > 2
                [original] = [c for c in sent if c.method == "sendDocument"]
                stored = original.files.get("document")
                data = stored.content if stored else \
                    fake.file(original.reused["document"]).content  # type: ignore[union-attr]
                assert data == upload.read_bytes()
            assert fake.stats.duplicates == 0
