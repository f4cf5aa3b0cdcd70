"""Text of a notice → voice messages: normalised, spoken by the first engine that can, OGG/Opus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from services.audio.cache import AudioCache, audio_key
from services.audio.chunks import PART_SECONDS, split_parts
from services.audio.engines import SpeechEngine, TTSError, TTSUnavailable
from services.audio.opus import ogg_duration, to_ogg_opus
from services.audio.speech import normalise_for_speech

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VoiceResult:
    """One voice message: OGG/Opus bytes, how long it plays and which engine spoke it.

    `key` identifies the audio (see `audio_key`): upload once, then reuse the returned file id
    for every group under that key.
    """

    ogg: bytes
    duration_s: float
    engine: str
    cache_hit: bool
    key: str


async def make_voice(
    text: str, *, engines: Sequence[SpeechEngine], cache: AudioCache
) -> VoiceResult:
    """`text` read aloud as one voice message by the first of `engines` that succeeds.

    Raises `TTSUnavailable` when every engine fails, `ValueError` when there is nothing to say.
    """
    return await _speak(normalise_for_speech(text), engines, cache)


async def make_bulletin(
    text: str,
    *,
    engines: Sequence[SpeechEngine],
    cache: AudioCache,
    max_seconds: float = PART_SECONDS,
) -> list[VoiceResult]:
    """A long notice read aloud as voice messages of about `max_seconds` each, in order.

    Nothing to say gives no messages; raises `TTSUnavailable` when every engine fails a part.
    """
    parts = split_parts(normalise_for_speech(text), max_seconds)
    return [await _speak(part, engines, cache) for part in parts]


async def _speak(spoken: str, engines: Sequence[SpeechEngine], cache: AudioCache) -> VoiceResult:
    if not spoken.strip():
        raise ValueError("nothing to say")
    failures: dict[str, str] = {}
    for engine in engines:
        key = audio_key(spoken, engine.name)
        cached = await _cached(cache, key)
        if cached is not None:
            ogg, duration = cached
            return VoiceResult(ogg, duration, engine.name, cache_hit=True, key=key)
        try:
            audio = await engine.synthesise(spoken)
            ogg = await asyncio.to_thread(to_ogg_opus, audio)
        except TTSError as exc:
            log.warning("TTS engine %s failed: %s", engine.name, exc)
            failures[engine.name] = str(exc)
            continue
        await cache.put(key, ogg)
        return VoiceResult(ogg, ogg_duration(ogg), engine.name, cache_hit=False, key=key)
    raise TTSUnavailable(failures)


async def _cached(cache: AudioCache, key: str) -> tuple[bytes, float] | None:
    """The cached OGG and its duration; a damaged entry counts as a miss."""
    data = await cache.get(key)
    if data is None:
        return None
    try:
        return data, ogg_duration(data)
    except ValueError as exc:
        log.warning("ignoring damaged cached audio %s: %s", key, exc)
        return None
