"""Audio bulletin costs: seconds of work per minute of speech, per engine, cache and OGG conversion.

Run from the repository root: ``python -m bench.tts``. gTTS talks to the local fake of Google
from the tests (so its figure is gTTS's own overhead plus HTTP on 127.0.0.1, not Google's
latency); espeak-ng runs for real.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable

from services.audio import (
    EspeakEngine,
    FileAudioCache,
    GTTSEngine,
    MemoryAudioCache,
    make_voice,
    normalise_for_speech,
    to_ogg_opus,
)
from tests.test_audio_tts import NOTICE, FakeGoogleTTS, decoded_seconds

ROUNDS = 5


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    """Median wall-clock seconds of `work` over `ROUNDS` runs, after one warm-up run."""
    await work()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_minute(seconds: float, audio_seconds: float) -> str:
    return f"{seconds / audio_seconds * 60:8.3f} s per minute of audio"


async def main() -> None:
    # gTTS sends through the environment's proxies, even to 127.0.0.1
    for proxy in ("http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(proxy, None)
        os.environ.pop(proxy.upper(), None)
    text = " ".join(f"Mục {i}. {NOTICE}" for i in range(1, 5))
    spoken = normalise_for_speech(text)
    print(f"notice: {len(spoken)} characters, {len(spoken.split())} syllables once spoken")

    async with FakeGoogleTTS() as google:
        gtts = GTTSEngine(base_url=google.base_url)
        espeak = EspeakEngine()
        mp3 = await gtts.synthesise(spoken)
        wav = await espeak.synthesise(spoken)
        mp3_seconds, wav_seconds = decoded_seconds(mp3), decoded_seconds(wav)
        requests_before = len(google.requests)
        gtts_time = await timed(lambda: gtts.synthesise(spoken))
        chunks = (len(google.requests) - requests_before) // (ROUNDS + 1)
        espeak_time = await timed(lambda: espeak.synthesise(spoken))
        mp3_convert = await timed(lambda: asyncio.to_thread(to_ogg_opus, mp3))
        wav_convert = await timed(lambda: asyncio.to_thread(to_ogg_opus, wav))

        memory = MemoryAudioCache()
        memory_hit = await timed(lambda: make_voice(text, engines=[gtts], cache=memory))
        with tempfile.TemporaryDirectory() as directory:
            files = FileAudioCache(directory)
            file_hit = await timed(lambda: make_voice(text, engines=[gtts], cache=files))

    print(
        f"gTTS audio {mp3_seconds:.1f} s (fake Google, {chunks} requests), "
        f"espeak-ng audio {wav_seconds:.1f} s ({len(spoken.split()) / wav_seconds:.1f} syllables/s)"
    )
    print(f"gTTS → local fake        {per_minute(gtts_time, mp3_seconds)}")
    print(f"espeak-ng                {per_minute(espeak_time, wav_seconds)}")
    print(f"cache hit (memory)       {per_minute(memory_hit, mp3_seconds)}")
    print(f"cache hit (files)        {per_minute(file_hit, mp3_seconds)}")
    print(f"MP3 → OGG/Opus           {per_minute(mp3_convert, mp3_seconds)}")
    print(f"WAV → OGG/Opus           {per_minute(wav_convert, wav_seconds)}")


if __name__ == "__main__":
    asyncio.run(main())
