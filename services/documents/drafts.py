"""Documents on their way to a notice, over a unit of work: received, their text edited or
cut, the original attached or not, and the preview the official reads and hears."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from services.audio import normalise_for_speech
from services.audio.chunks import SYLLABLES_PER_SECOND
from services.callbacks import Button, Keyboard, keyboard_json
from services.documents.actions import (
    CutDocument,
    DiscardDocument,
    FirstPart,
    RetypeDocument,
    ToggleAttach,
    UseDocument,
)
from services.documents.models import DISCARDED, READING, READY, USED, NoticeDocument
from services.models import User
from services.outbox import Outbox

MAX_BULLETIN_SECONDS = 300
"""A bulletin longer than five minutes loses its listeners: the preview warns."""
MESSAGE_LIMITS = {"zalo": 2000}
"""Characters a text message may hold on a channel (Telegram's 4,096 with room to spare)."""
DEFAULT_MESSAGE_LIMIT = 4000


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def spoken_seconds(text: str) -> int:
    """How long `text` takes to read aloud, at the rate the bulletin parts are cut by."""
    return round(len(normalise_for_speech(text).split()) / SYLLABLES_PER_SECOND)


def first_part(text: str, limit: int = MAX_BULLETIN_SECONDS) -> str:
    """The first paragraphs that can be read within `limit` seconds (the first one at least)."""
    kept: list[str] = []
    for paragraph in paragraphs(text):
        if kept and spoken_seconds("\n\n".join([*kept, paragraph])) > limit:
            break
        kept.append(paragraph)
    return "\n\n".join(kept)


def split_messages(text: str, limit: int) -> list[str]:
    """Whole paragraphs packed into messages of at most `limit` characters (a longer
    paragraph is cut at its last space that fits)."""
    messages: list[str] = []
    current = ""
    for whole in paragraphs(text):
        rest = whole
        while len(rest) > limit:
            cut = rest.rfind(" ", 0, limit) if " " in rest[:limit] else limit
            if current:
                messages.append(current)
                current = ""
            messages.append(rest[:cut])
            rest = rest[cut:].strip()
        joined = f"{current}\n\n{rest}" if current else rest
        if len(joined) <= limit:
            current = joined
        else:
            messages.append(current)
            current = rest
    return [*messages, current] if current else messages


class NoticeDocuments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.outbox = Outbox(session)

    async def get(self, document_id: int) -> NoticeDocument | None:
        return await self.session.get(NoticeDocument, document_id)

    async def receive(self, author: User, commune_id: int, *, channel: str, file_id: str,
                      file_name: str, mime: str | None, now: datetime) -> NoticeDocument:
        """A file to read; the reading job takes it from here."""
        document = NoticeDocument(
            commune_id=commune_id, author_id=author.id, channel=channel, file_id=file_id,
            file_name=file_name[:255], mime=mime, status=READING, pages=0, text="",
            seconds=0, attach=False, version=1, created_at=now, updated_at=now)
        self.session.add(document)
        await self.session.flush()
        return document

    async def keep_read(self, author: User, commune_id: int, *, channel: str, file_name: str,
                        mime: str | None, original: bytes, text: str, kind: str | None,
                        pages: int, now: datetime) -> NoticeDocument:
        """A document read where it was received (the operations room's form, which shows
        its text itself): ready at once, its original kept; the reading job has nothing to
        do and nothing is queued."""
        digest = await self.outbox.store_blob(original, mime or "application/octet-stream")
        document = NoticeDocument(
            commune_id=commune_id, author_id=author.id, channel=channel, file_id="",
            file_name=file_name[:255], mime=mime, status=READY, kind=kind, pages=pages,
            text=text, seconds=spoken_seconds(text), attach=False, version=1,
            original_sha256=digest, created_at=now, updated_at=now)
        self.session.add(document)
        await self.session.flush()
        return document

    async def ready_for(self, document_id: int | None, author: User,
                        commune_id: int) -> NoticeDocument | None:
        """The author's document read for a notice of this commune and not used yet."""
        document = await self.get(document_id) if document_id else None
        if document is None or document.status != READY or document.author_id != author.id \
                or document.commune_id != commune_id:
            return None
        return document

    def replace_text(self, document: NoticeDocument, text: str, now: datetime) -> None:
        """A new text (typed, or cut): its preview is made again."""
        document.text = text.strip()
        document.version += 1
        document.status = READING
        document.updated_at = now

    def keep_paragraphs(self, document: NoticeDocument, count: int, now: datetime) -> None:
        self.replace_text(document, "\n\n".join(paragraphs(document.text)[:count]), now)

    def keep_first_part(self, document: NoticeDocument, now: datetime) -> None:
        self.replace_text(document, first_part(document.text), now)

    def toggle_attach(self, document: NoticeDocument, now: datetime) -> None:
        document.attach = not document.attach
        document.updated_at = now

    def use(self, document: NoticeDocument, now: datetime, *, attach: bool | None = None
            ) -> None:
        document.status, document.updated_at = USED, now
        if attach is not None:
            document.attach = attach

    def reopen(self, document: NoticeDocument, now: datetime) -> None:
        """A document used for a notice's draft, previewed again (the official went back)."""
        if document.status == USED:
            document.status, document.updated_at = READY, now

    def discard(self, document: NoticeDocument, now: datetime) -> None:
        if document.status in (READING, READY):
            document.status, document.updated_at = DISCARDED, now

    # --- the preview -------------------------------------------------------------------------

    async def send_preview(self, document: NoticeDocument, author: User,
                           voices: list[dict[str, object]]) -> None:
        """The cleaned text in messages that fit the channel, its voice, then the choices."""
        t = Translator(author.language)
        channel, chat_id = author.channel, author.external_id
        await self.outbox.enqueue(channel, chat_id, text=t(
            "documents.read_title", name=document.file_name, pages=document.pages,
            how=t(f"documents.kind_{document.kind or 'docx'}")))
        limit = MESSAGE_LIMITS.get(channel, DEFAULT_MESSAGE_LIMIT)
        for part in split_messages(document.text, limit):
            await self.outbox.enqueue(channel, chat_id, text=part)
        for index, voice in enumerate(voices, start=1):
            await self.outbox.enqueue(
                channel, chat_id, kind="voice", attachment={**voice, "filename": "doc-thu.ogg",
                                                            "mime": "audio/ogg"},
                text=t("documents.voice_caption", index=index, count=len(voices)))
        text, buttons = self.choices(document, t, voiced=bool(voices))
        await self.outbox.enqueue(channel, chat_id, text=text, buttons=keyboard_json(buttons))

    def choices(self, document: NoticeDocument, t: Translator, *,
                voiced: bool = True) -> tuple[str, Keyboard]:
        count = len(paragraphs(document.text))
        minutes = document.seconds // 60
        lines = [t("documents.summary", paragraphs=count,
                   duration=t.duration(document.seconds))]
        if not voiced:
            lines.append(t("documents.no_voice"))
        long = document.seconds > MAX_BULLETIN_SECONDS
        if long:
            lines.append(t("documents.too_long", minutes=minutes,
                           limit=MAX_BULLETIN_SECONDS // 60))
        lines.append(t("documents.what_next"))
        doc_id = document.id
        attach = t("documents.attach_on" if document.attach else "documents.attach_off")
        rows: Keyboard = [[Button(t("documents.use"), UseDocument(doc_id))]]
        if long:
            rows.append([Button(t("documents.first_part", limit=MAX_BULLETIN_SECONDS // 60),
                                FirstPart(doc_id))])
        rows += [[Button(attach, ToggleAttach(doc_id))],
                 [Button(t("documents.retype"), RetypeDocument(doc_id))]]
        if count > 1:
            rows.append([Button(t("documents.cut"), CutDocument(doc_id))])
        rows.append([Button(t("documents.discard"), DiscardDocument(doc_id))])
        return "\n".join(lines), rows

    async def refuse(self, document: NoticeDocument, author: User, reason: str,
                     **params: object) -> None:
        t = Translator(author.language)
        key = f"documents.refused_{reason}"
        await self.outbox.enqueue(author.channel, author.external_id,
                                  text=t(key if t.has(key) else "documents.refused_corrupt",
                                         **params))


