"""/announce with a document on the channels that have no Telegram file messages: on Zalo a
photo of the paper notice (fetched from Zalo's URL through the adapter, read by OCR) and in
the console a file given by its path (`/file PATH`) are read, previewed, confirmed and reach
the village groups as text plus an OGG/Opus voice, without the header or the signature."""

import io
import os
from pathlib import Path

import aiohttp
import av
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.console import ConsoleTerminal
from locales import Translator
from services.documents.models import NoticeDocument
from services.models import OutboxMessage
from services.notices.models import Notice
from services.outbox import Outbox
from tests.documents_support import Notice as Written
from tests.documents_support import docx_bytes, photo_bytes, sample
from tests.fakes.zalo_api import FakeZaloAPI, image_update, text_update
from tests.helpers import console_app
from tests.notices_support import engines, linked_group, make_official, notice_row
from tests.test_audio_tts import FakeGoogleTTS, tone_mp3
from tests.zalo_helpers import number_of, settle, zalo_app

LEFT_OUT = ("CỘNG HÒA", "Độc lập", "Số: 125", "Kính gửi", "Nơi nhận", "Như trên", "TM.",
            "CHỦ TỊCH", "Đã ký", "Nguyễn Văn Hùng", "UBND HUYỆN", "ngày 05 tháng 11")
OFFICIAL = "0ff1c1a1b0c5"
ZALO_GROUPS = ("9a0f1e2d3c4b5a69", "9a0f1e2d3c4b5a70")




def _opus_seconds(content: bytes) -> float:
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "ogg" and stream.codec_context.name == "opus"
        return sum(f.samples for f in container.decode(stream)) / stream.sample_rate


def _check_body(body: str, written: Written) -> None:
    """The notice's title and body are there; its header, recipients and signature not."""
    for paragraph in written.body:
        assert paragraph[:40] in body, (paragraph, body)
    assert written.subject in body
    for line in LEFT_OUT:
        assert line not in body, (line, body)


def _links(texts: list[str]) -> list[str]:
    """The links of the files the bot sent on Zalo ("📎 name: link" lines)."""
    return [line.split(": ", 1)[1] for text in texts for line in text.splitlines()
            if line.startswith("📎 ") and "/media/" in line]


# --- Zalo ------------------------------------------------------------------------------------


class ZaloOfficial:
    """An official of the demo commune on Zalo: private chat and village groups."""

    def __init__(self, app: App, fake: FakeZaloAPI) -> None:
        self.app, self.fake = app, fake

    async def send(self, chat: str, body: dict) -> None:
        assert await self.fake.post_to_webhook(body) == 200

    async def said(self, chat: str, needle: str, *, after: int = 0,
                   timeout: float = 10) -> str:
        """The first message to `chat` after its `after` first ones that contains `needle`,
        once the sender has noted its choices."""
        calls = await self.fake.wait_for(
            lambda c: c.ok and c.chat_id == chat and needle in c.text
            and self.fake.sent_to(chat).index(c) >= after, timeout=timeout)
        await settle(self.app)
        return calls[0].text

    def seen(self, chat: str = OFFICIAL) -> int:
        return len(self.fake.sent_to(chat))

    async def say(self, text: str, needle: str, *, chat: str = OFFICIAL,
                  timeout: float = 10) -> str:
        after = self.seen(chat)
        group = None if chat == OFFICIAL else OFFICIAL
        await self.send(chat, text_update(chat, text, group_member=group))
        return await self.said(chat, needle, after=after, timeout=timeout)

    async def choose(self, message: str, label: str, needle: str, *, chat: str = OFFICIAL,
                     timeout: float = 10) -> str:
        return await self.say(number_of(message, label), needle, chat=chat, timeout=timeout)

    async def link_groups(self) -> None:
        await make_official(self.app, OFFICIAL, channel="zalo")
        for group, village in zip(ZALO_GROUPS, ("Thôn Đông", "Thôn Đoài"), strict=True):
            picker = await self.say("/link", "nhóm này dành cho thôn nào", chat=group)
            await self.choose(picker, village, "Đã gắn nhóm", chat=group)


async def test_a_photo_of_a_notice_sent_on_zalo_reaches_the_groups_as_text_and_voice(
        database_url: str, google: FakeGoogleTTS) -> None:
    written = sample()
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        official = ZaloOfficial(app, fake)
        await official.link_groups()
        asked = await official.say("/announce", "Mời anh/chị gõ nội dung thông báo")
        assert "Zalo không gửi được tệp PDF hay Word" in asked and "/web" in asked
        url = fake.host("thong-bao-tiem-chung.jpg", photo_bytes(written))
        assert url.startswith("http://127.0.0.1:")
        after = official.seen()
        # The field Zalo uses in practice (photo_url, CHAT_PHOTO), the body flat.
        await official.send(OFFICIAL, image_update(OFFICIAL, url))
        await official.said(OFFICIAL, "Đang đọc văn bản", after=after)
        choices = await official.said(OFFICIAL, "Anh/chị muốn làm gì tiếp theo", after=after,
                                      timeout=90)
        assert fake.files_fetched == ["thong-bao-tiem-chung.jpg"]       # fetched once
        previewed = "\n".join(fake.texts_to(OFFICIAL)[after:])
        assert "ảnh chụp, nhận dạng chữ" in previewed
        assert written.body[0][:60] in previewed
        links = _links([previewed])
        assert links                                                      # the voice to hear
        async with aiohttp.ClientSession() as http, http.get(links[0]) as response:
            assert response.status == 200
            assert _opus_seconds(await response.read()) > 2

        targets = await official.choose(choices, "Dùng nội dung này", "Gửi tới đâu")
        priority = await official.choose(targets, "Cả xã", "Sẽ gửi tới 2 nhóm")
        when = await official.choose(priority, "Thường", "Khi nào gửi")  # no mode asked
        preview = await official.choose(when, "Gửi ngay", "Xác nhận gửi", timeout=30)
        await official.choose(preview, "Xác nhận gửi", "đã gửi xong: 2/2 nhóm", timeout=30)

        for group in ZALO_GROUPS:
            texts = fake.texts_to(group)
            [body] = [text for text in texts if "THÔNG BÁO" in text and "📎" not in text]
            _check_body(body, written)
            [voice] = _links(texts)
            async with aiohttp.ClientSession() as http, http.get(voice) as response:
                assert response.status == 200
                assert _opus_seconds(await response.read()) > 2
        notice = await notice_row(app, 1)
        assert (notice.mode, notice.source_document) == ("both", "anh-thong-bao.jpg")


async def test_a_zalo_photo_too_big_to_fetch_is_refused_in_one_line(
        database_url: str, google: FakeGoogleTTS) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        official = ZaloOfficial(app, fake)
        await make_official(app, OFFICIAL, channel="zalo")
        await official.say("/announce", "Mời anh/chị gõ nội dung thông báo")
        url = fake.host("qua-lon.jpg", b"\xff\xd8\xff\xe0" + bytes(21 * 1024 * 1024))
        after = official.seen()
        await official.send(OFFICIAL, image_update(OFFICIAL, url, field_name="photo"))
        refused = await official.said(OFFICIAL, "lớn hơn 20 MB", after=after, timeout=30)
        assert "\n" not in refused and "gõ nội dung" in refused
        async with app.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Notice)) == 0


async def test_without_tesseract_a_zalo_photo_gets_one_line_without_pdf_or_word(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.documents.extract.shutil.which", lambda name: None)
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        official = ZaloOfficial(app, fake)
        await make_official(app, OFFICIAL, channel="zalo")
        await official.say("/announce", "Mời anh/chị gõ nội dung thông báo")
        url = fake.host("thong-bao.jpg", photo_bytes(sample()))
        after = official.seen()
        await official.send(OFFICIAL, image_update(OFFICIAL, url))
        answer = await official.said(OFFICIAL, "chưa có công cụ nhận dạng chữ", after=after)
        assert "\n" not in answer and "/web" in answer
        assert "PDF" not in answer and "Word" not in answer       # nothing Zalo can send
        assert fake.files_fetched == []                           # nothing downloaded
        await official.say("Họp dân lúc 8h sáng Chủ nhật tại nhà văn hóa thôn.", "Gửi tới đâu")


# --- console ---------------------------------------------------------------------------------


def _terminal(app: App, tmp_path: Path, out: list[str]) -> ConsoleTerminal:
    return ConsoleTerminal(app.processor, app.sender, app.console, tmp_path / "files",
                           out.append, Translator("vi"), user_id="official")


async def _type(terminal: ConsoleTerminal, out: list[str], line: str) -> str:
    """What the console printed after a typed line."""
    before = len(out)
    await terminal.line(line.encode() + b"\n")
    return "\n".join(out[before:])


async def test_a_word_file_given_by_path_in_the_console_is_read_and_delivered(
        database_url: str, google: FakeGoogleTTS, tmp_path: Path) -> None:
    written = sample()
    path = tmp_path / "Thông báo tiêm chủng.docx"
    path.write_bytes(docx_bytes(written))
    async with console_app(database_url) as app:
        app.notices.engines = engines(google.base_url)
        await make_official(app)
        await linked_group(app, "official", "group-east", "Nhóm Thôn Đông", 0)
        await linked_group(app, "official", "group-all", "Nhóm cả xã", None)
        out: list[str] = []
        terminal = _terminal(app, tmp_path, out)
        assert "Mời anh/chị gõ nội dung thông báo" in await _type(terminal, out, "/announce")
        reading = await _type(terminal, out, f'/file "{path}"')     # quoted, as dropped
        assert "Đang đọc văn bản «Thông báo tiêm chủng.docx»" in reading
        assert await app.notices.read_documents() == 1
        before = len(out)
        await terminal.tick()
        preview = "\n".join(out[before:])
        assert "(1 trang, tệp Word)" in preview and written.body[0][:60] in preview
        async with app.db.transaction() as session:
            document = await session.get(NoticeDocument, 1)
            assert document is not None and 0 < document.seconds < 60   # under a minute
        spoken = Translator("vi").duration(document.seconds)     # no "0 phút" before it
        assert f"đọc khoảng {spoken}." in preview and not spoken.startswith("0 ")
        assert "[voice:" in preview and "[Đã lưu tệp: " in preview       # heard, saved
        assert "1. ✅ Dùng nội dung này, chọn nơi gửi" in preview
        assert "Gửi tới đâu" in await _type(terminal, out, "1")
        assert "Sẽ gửi tới 2 nhóm" in await _type(terminal, out, "1")   # the whole commune
        assert "Khi nào gửi" in await _type(terminal, out, "1")          # normal
        assert "Đang tạo bản đọc" in await _type(terminal, out, "1")     # now
        await app.notices.tick()
        before = len(out)
        await terminal.tick()
        assert "Xem trước" in "\n".join(out[before:])
        async with app.db.transaction() as session:
            queued = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.chat_id.like("group-%")))
        assert queued == 6                  # hello, picker, linked: nothing before confirming
        assert "đã gửi xong: 2/2 nhóm" in await _type(terminal, out, "1")
        for chat in ("group-east", "group-all"):
            sent = [m for m in app.console.shown if m.chat_id == chat][3:]  # after linking
            assert [m.kind for m in sent] == ["text", "voice"]   # the voice: a known file id
            _check_body(sent[0].text, written)
        notice = await notice_row(app, 1)
        assert notice.source_document == "Thông báo tiêm chủng.docx"
        async with app.db.transaction() as session:
            [part] = notice.audio
            voice = await Outbox(session).blob(part["sha256"])
        assert voice is not None and _opus_seconds(voice) > 2


async def test_a_path_that_is_no_file_gets_one_line_and_nothing_is_sent(
        database_url: str, tmp_path: Path) -> None:
    big = tmp_path / "lon.pdf"
    with big.open("wb") as file:
        file.truncate(20 * 1024 * 1024 + 1)
    pipe = tmp_path / "ong-dan"
    os.mkfifo(pipe)                                   # nothing to read to its end
    locked = tmp_path / "khoa.docx"
    locked.write_bytes(b"PK")
    locked.chmod(0)
    async with console_app(database_url) as app:
        await make_official(app)
        out: list[str] = []
        terminal = _terminal(app, tmp_path, out)
        await _type(terminal, out, "/announce")
        answers = {
            "": "Cách dùng: /file ĐƯỜNG_DẪN",
            str(tmp_path / "khong-co.pdf"): f"Không có tệp «{tmp_path / 'khong-co.pdf'}».",
            str(tmp_path): f"«{tmp_path}» là một thư mục.",
            str(big): f"Tệp «{big}» lớn hơn 20 MB nên không gửi được.",
            str(pipe): f"Không đọc được tệp «{pipe}»",
        }
        if not os.access(locked, os.R_OK):  # root reads any file: the pipe stands in
            answers[str(locked)] = f"Không đọc được tệp «{locked}»"
        for typed, answer in answers.items():
            printed = await _type(terminal, out, f"/file {typed}".strip())
            assert printed.startswith(answer), (typed, printed)
            assert "\n" not in printed and "Traceback" not in printed
        shown = len(app.console.shown)
        assert "Mời anh/chị gõ nội dung" in app.console.shown[-1].text     # still at the step
        help_text = await _type(terminal, out, "/help")
        assert "/file ĐƯỜNG_DẪN — gửi một tệp trên máy" in help_text
        assert len(app.console.shown) == shown + 1                       # the bot's help
        # An audio file comes in as a voice message, as Telegram's adapter has it.
        await _type(terminal, out, "/announce")
        recording = tmp_path / "ghi-am.mp3"
        recording.write_bytes(tone_mp3(1.0))
        assert "Gửi tới đâu" in await _type(terminal, out, f"/file {recording}")
