"""Spoken audio for notices: a cache in the database (shared by app instances) and the
turning of a notice's text, or an official's audio file, into stored voice parts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.audio import (
    SpeechEngine,
    TTSError,
    make_bulletin,
    ogg_duration,
    to_ogg_opus,
)
from services.db import Database, insert_for
from services.models import Blob
from services.notices.models import NoticeAudioCache
from services.outbox import Outbox

log = logging.getLogger(__name__)
OGG_MIME = "audio/ogg"


class DbAudioCache:
    """`services.audio.AudioCache` over the blobs table, each call its own short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> bytes | None:
        async with self.db.transaction() as session:
            entry = await session.get(NoticeAudioCache, key)
            if entry is None:
                return None
            blob = await session.get(Blob, entry.sha256)
            return blob.data if blob else None

    async def put(self, key: str, data: bytes) -> None:
        try:
            async with self.db.transaction() as session:
                digest = await Outbox(session).store_blob(data, OGG_MIME)
                insert = insert_for(session)
                await session.execute(insert(NoticeAudioCache).values(key=key, sha256=digest)
                                      .on_conflict_do_nothing())
        except IntegrityError:  # another instance stored the same audio at the same moment
            log.info("audio %s was cached concurrently", key)


@dataclass
class Spoken:
    """Voice parts (OGG/Opus bytes and seconds), or why there are none."""

    parts: list[tuple[bytes, float]] = field(default_factory=list)
    engine: str | None = None
    error: str | None = None
    cache_hits: int = 0


async def speak(text: str, engines: Sequence[SpeechEngine], cache: Any) -> Spoken:
    """The text read aloud in parts of about a minute; never raises for a TTS failure."""
    try:
        results = await make_bulletin(text, engines=engines, cache=cache)
    except (TTSError, ValueError) as error:
        log.warning("notice audio failed: %s", error)
        return Spoken(error=str(error))
    return Spoken(parts=[(r.ogg, r.duration_s) for r in results],
                  engine=results[0].engine if results else None,
                  cache_hits=sum(r.cache_hit for r in results))


async def convert_recording(data: bytes) -> Spoken:
    """An official's audio file (MP3, M4A…) as one OGG/Opus voice part."""
    try:
        ogg = await asyncio.to_thread(to_ogg_opus, data)
    except TTSError as error:
        return Spoken(error=str(error))
    return Spoken(parts=[(ogg, ogg_duration(ogg))], engine="recording")
