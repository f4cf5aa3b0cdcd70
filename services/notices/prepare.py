"""Audio for notices waiting in `preparing`, made outside any transaction (speech engines
are slow), then the preview sent to the official."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select, update

from locales import Translator
from services.audio import SpeechEngine
from services.db import Database, affected, utcnow
from services.models import User
from services.notices.audio import Spoken, convert_recording, speak
from services.notices.models import CANCELLED, PREPARING, PREVIEW, Notice
from services.notices.service import Notices

log = logging.getLogger(__name__)
Download = Callable[[str, str], Awaitable[bytes]]
"""(channel, file_id) → the file's bytes."""


async def prepare_pending(db: Database, engines: Sequence[SpeechEngine], cache: Any,
                          download: Download | None = None) -> int:
    """Make the audio of every notice in `preparing`; return how many were prepared."""
    async with db.transaction() as session:
        pending = list((await session.execute(
            select(Notice.id, Notice.version, Notice.text, Notice.recording)
            .where(Notice.status == PREPARING).order_by(Notice.id))).all())
    done = 0
    for notice_id, version, text, recording in pending:
        spoken = await _audio(text, recording, engines, cache, download)
        if await _store(db, notice_id, version, spoken):
            done += 1
    return done


async def _audio(text: str, recording: dict[str, Any] | None,
                 engines: Sequence[SpeechEngine], cache: Any,
                 download: Download | None) -> Spoken:
    if recording:
        if download is None:
            return Spoken(error="this channel cannot download files")
        try:
            data = await download(recording["channel"], recording["file_id"])
        except Exception as error:  # the channel's own errors: reported, never raised
            log.warning("could not download the official's audio: %r", error)
            return Spoken(error=f"download failed: {error}")
        return await convert_recording(data)
    return await speak(text, engines, cache)


async def _store(db: Database, notice_id: int, version: int, spoken: Spoken) -> bool:
    """Attach the audio unless the notice changed meanwhile, then send the preview."""
    async with db.transaction() as session:
        claimed = await session.execute(
            update(Notice).where(Notice.id == notice_id, Notice.version == version,
                                 Notice.status == PREPARING)
            .values(status=PREVIEW, updated_at=utcnow()))
        if not affected(claimed):
            return False
        notices = Notices(session)
        notice = await notices.get(notice_id)
        assert notice is not None
        await session.refresh(notice)
        author = await session.get(User, notice.author_id) if notice.author_id else None
        await notices.set_audio(notice, spoken.parts, spoken.engine, spoken.error)
        if not spoken.parts and not notice.text.strip():
            notice.status = CANCELLED
            if author is not None:
                await notices.outbox.enqueue(
                    author.channel, author.external_id,
                    text=Translator(author.language)("notices.recording_unusable"))
            return True
        if author is not None:
            await notices.send_preview(notice, author, utcnow())
        return True
