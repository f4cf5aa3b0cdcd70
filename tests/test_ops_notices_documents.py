"""A document uploaded to the operations room's compose form, over HTTP (aiohttp's test client
against the real app, behind the web server's 1 MB body limit): its cleaned text comes back in
the form with the file named, and the notice made from it records the file and sends the
original along when asked. Files that cannot be read (an old .doc, a spreadsheet, a damaged
or password-protected PDF, 12 pages, a photo with no text, a file over 20 MB) get the reason
and what to upload instead, with the other fields kept, and nothing is stored or queued; the
form's CSRF token is still required."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from locales import Translator
from services.documents.extract import MAX_BYTES
from services.documents.models import NoticeDocument
from services.models import OutboxMessage
from services.notices.compose import MAX_TEXT
from services.notices.models import Notice
from tests.documents_support import docx_bytes, encrypted_pdf, landscape, long_pdf, png, sample
from tests.helpers import console_app, session, texts
from tests.notices_support import linked_group, make_official
from tests.test_documents_telegram import LEFT_OUT
from tests.test_ops_web import client_for, csrf_of, sign_in

VI = Translator("vi")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600


async def counts(app: Any) -> tuple[int, int, int]:
    """Notices, documents kept, outbox rows."""
    async with app.db.transaction() as s:
        return tuple([int(await s.scalar(select(func.count()).select_from(model)) or 0)
                      for model in (Notice, NoticeDocument, OutboxMessage)])  # type: ignore[return-value]


async def post_upload(client: TestClient, fields: dict[str, Any],
                      file: tuple[str, bytes, str] | None, *, csrf: bool = True) -> Any:
    token, nonce = await csrf_of(client, "/ops/notices/new")
    form = FormData()
    if csrf:
        form.add_field("csrf", token)
    form.add_field("nonce", nonce)
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            form.add_field(name, str(one))
    if file is not None:
        name, content, mime = file
        form.add_field("document_file", content, filename=name, content_type=mime)
    return await client.post("/ops/notices", data=form, allow_redirects=False)


def textarea(page: str) -> str:
    found = re.search(r'<textarea name="text" id="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None, page
    return html.unescape(found.group(1))


TYPED = {"village": "1", "priority": "priority", "mode": "both", "when": "now",
         "text": "Họp dân thôn Đông lúc 19h tối thứ Sáu", "action": "read"}
REFUSED = [
    ("thong-bao.doc", OLE2, "application/msword", "ops.notices.doc.refused_old_word", {}),
    ("so-lieu.xls", OLE2, "application/vnd.ms-excel", "ops.notices.doc.refused_spreadsheet",
     {}),
    ("hong.pdf", b"%PDF-1.4\n%garbage that is no PDF at all\n", "application/pdf",
     "ops.notices.doc.refused_corrupt", {}),
    ("mat-khau.pdf", encrypted_pdf(), "application/pdf", "ops.notices.doc.refused_encrypted",
     {}),
    ("dai.pdf", long_pdf(12), "application/pdf", "ops.notices.doc.refused_too_many_pages",
     {"pages": 12, "limit": 10}),
    ("canh-dong.png", png(landscape()), "image/png", "ops.notices.doc.refused_no_text", {}),
    ("ban-quet-lon.pdf", b"%PDF-1.4\n" + b"0" * (MAX_BYTES + 1024), "application/pdf",
     "ops.notices.doc.refused_too_big", {"megabytes": 20}),
]


async def test_documents_that_cannot_be_read_are_answered_and_nothing_is_queued(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        await linked_group(app, "official-a", "group-1", "Nhóm Thôn 1", 0)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            before = await counts(app)
            for name, content, mime, key, params in REFUSED:
                answer = await post_upload(client, TYPED, (name, content, mime))
                page = await answer.text()
                assert answer.status == 400, (name, page[:500])
                error = re.search(r'id="form-error">([^<]+)<', page)
                assert error is not None and html.unescape(error.group(1)) == VI(key, **params)
                assert "anh/chị" in VI(key, **params)
                # what the official had typed and chosen is kept
                assert textarea(page) == TYPED["text"]
                assert re.search(r'value="priority" id="priority-priority" checked', page)
                assert re.search(r'name="village" value="1" checked', page)
                assert 'name="document"' not in page
            # pressing "read" with no file chosen says what to do
            answer = await post_upload(client, TYPED, ("", b"", "application/octet-stream"))
            assert answer.status == 400
            assert html.escape(VI("ops.notices.doc.choose_file"), quote=False) in \
                await answer.text()
            assert await counts(app) == before  # no notice, no document, nothing queued
            # a form with a file and no CSRF token is refused before anything is read
            forged = await post_upload(client, TYPED, ("tb.docx", docx_bytes(sample()), DOCX),
                                       csrf=False)
            assert forged.status == 403
            assert await counts(app) == before
        finally:
            await client.close()


async def test_a_read_document_fills_the_form_and_its_notice_names_the_file(
        database_url: str) -> None:
    written = sample()
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        group = await linked_group(app, "official-a", "group-1", "Nhóm Thôn 1", None)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            before = len(app.console.shown)
            _, _, queued = await counts(app)
            read = await post_upload(client, {**TYPED, "whole": "on", "text": ""},
                                     ("thong-bao-tiem.docx", docx_bytes(written), DOCX))
            page = await read.text()
            assert read.status == 200, page[:800]
            assert "thong-bao-tiem.docx" in page and 'id="document-source"' in page
            text = textarea(page)
            assert text.startswith(f"{written.title} {written.subject}")
            for paragraph in written.body:
                assert paragraph in text
            for line in LEFT_OUT:
                assert line not in text, line
            assert await counts(app) == (0, 1, queued)  # read and kept, nothing queued
            document = re.search(r'name="document" value="(\d+)"', page)
            assert document is not None
            # The official shortens the text, asks for the original, and makes the notice.
            edited = "\n\n".join(text.split("\n\n")[:3])
            created = await post_upload(client, {
                "whole": "on", "priority": "normal", "mode": "text", "when": "now",
                "text": edited, "document": document.group(1), "attach": "on"}, None)
            assert created.status == 303, await created.text()
            location = created.headers["Location"].split("?")[0]
            shown = await (await client.get(location)).text()
            source = re.search(r'id="notice-source">([^<]+)<', shown)
            assert source is not None
            assert html.unescape(source.group(1)) == "thong-bao-tiem.docx · " + VI(
                "ops.notices.doc.attached")
            async with app.db.transaction() as s:
                notice = await s.scalar(select(Notice))
                kept = await s.scalar(select(NoticeDocument))
                assert notice is not None and kept is not None
                assert notice.text == edited and notice.source_document == "thong-bao-tiem.docx"
                assert notice.document_sha256 == kept.original_sha256 is not None
                assert kept.status == "used" and kept.attach
            await app.sender.drain(("console",))
            assert not [m for m in app.console.shown[before:] if m.chat_id == group.chat_id]
            token, nonce = await csrf_of(client, location)
            sent = await client.post(location + "/confirm", data={"csrf": token, "nonce": nonce},
                                     allow_redirects=False)
            assert sent.status == 303
            await app.sender.drain(("console",))
            received = [m for m in app.console.shown[before:] if m.chat_id == group.chat_id]
            assert [m.kind for m in received] == ["text", "document"], received
            assert written.body[0][:40] in received[0].text
            assert received[1].filename == "thong-bao-tiem.docx"
            # chat's /notice names the file, as for a document sent in chat
            answer = await session(app, "official-a", "Cán bộ xã").say(f"/notice {notice.id}")
            assert VI("documents.from_document", name="thong-bao-tiem.docx") in \
                texts(answer)
        finally:
            await client.close()


async def test_a_document_longer_than_a_message_is_flagged_before_the_preview(
        database_url: str) -> None:
    long = replace(sample(), body=[f"Đoạn {n}: " + "bà con lưu ý lịch nạo vét kênh mương. " * 12
                                   for n in range(1, 10)])
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        await linked_group(app, "official-a", "group-1", "Nhóm Thôn 1", None)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            read = await post_upload(client, {**TYPED, "text": ""},
                                     ("dai.docx", docx_bytes(long), DOCX))
            page = await read.text()
            assert read.status == 200
            text = textarea(page)
            assert len(text) > MAX_TEXT
            warning = re.search(r'id="text-too-long">([^<]+)<', page)
            assert warning is not None and html.unescape(warning.group(1)) == VI(
                "ops.notices.doc.too_long", n=len(text), limit=MAX_TEXT)
            document = re.search(r'name="document" value="(\d+)"', page)
            assert document is not None
            refused = await post_upload(client, {**TYPED, "whole": "on", "action": "",
                                                 "text": text, "document": document.group(1)},
                                        None)
            assert refused.status == 400
            assert html.escape(VI("ops.notices.err.too_long"), quote=False) in \
                await refused.text()
            assert (await counts(app))[0] == 0
        finally:
            await client.close()


async def test_the_pages_read_are_counted_in_words_in_both_languages(database_url: str) -> None:
    """«(1 trang, tệp Word)» in Vietnamese; in English one page is «1 page», two «2 pages»."""
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        client = await client_for(app)
        try:
            await sign_in(app, client)

            async def source(name: str, content: bytes, mime: str) -> str:
                read = await post_upload(client, {**TYPED, "text": ""}, (name, content, mime))
                page = await read.text()
                assert read.status == 200, page[:800]
                found = re.search(r'id="document-source">\s*<p>([^<]+)</p>', page)
                assert found is not None, page[:800]
                return html.unescape(found.group(1))

            word = ("tb.docx", docx_bytes(sample()), DOCX)
            assert "(1 trang, tệp Word)" in await source(*word)
            csrf, _ = await csrf_of(client, "/ops/notices/new")
            switched = await client.post("/ops/language", data={
                "csrf": csrf, "language": "en", "back": "/ops/notices/new"})
            assert switched.status == 200
            one = await source(*word)
            assert "(1 page, Word file)" in one and "pages" not in one, one
            two = await source("hai-trang.pdf", long_pdf(2), "application/pdf")
            assert "(2 pages, PDF with text)" in two, two
        finally:
            await client.close()
