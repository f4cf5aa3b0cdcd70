"""Voice bulletins end to end and offline: gTTS on a local fake of Google, espeak-ng, Opus, cache.

`FakeGoogleTTS` and `tone_mp3` are also used by ``bench/tts.py``.
"""

from __future__ import annotations

import array
import base64
import functools
import io
import json
import logging
import math
import socket
import wave
from pathlib import Path

import av
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from services.audio import (
    EspeakEngine,
    FileAudioCache,
    GTTSEngine,
    MemoryAudioCache,
    TTSError,
    TTSUnavailable,
    make_bulletin,
    make_voice,
    normalise_for_speech,
    split_chunks,
    split_parts,
    to_ogg_opus,
)

NOTICE = (
    "THÔNG BÁO\n"
    "UBND xã tổ chức tiêm phòng cho trẻ em dưới 5 tuổi lúc 7h30 ngày 25/11/2026 tại TYT xã. "
    "Các gia đình mang theo sổ tiêm chủng, CCCD và thẻ BHYT của trẻ. "
    "Mọi thắc mắc xin gọi 0912 345 678."
)


def tone_wav(seconds: float, *, rate: int = 24_000) -> bytes:
    """A mono 16-bit 440 Hz WAV."""
    step = 2 * math.pi * 440 / rate
    samples = array.array("h", (int(9830 * math.sin(step * i)) for i in range(int(seconds * rate))))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


@functools.lru_cache
def tone_mp3(seconds: float, *, id3: bool = False) -> bytes:
    """A mono 24 kHz tone as MP3, framed as Google's TTS answers are (no ID3 tag, no Xing frame)."""
    out = io.BytesIO()
    options = {} if id3 else {"id3v2_version": "0", "write_xing": "0"}
    with (
        av.open(io.BytesIO(tone_wav(seconds))) as source,
        av.open(out, "w", format="mp3", options=options) as sink,
    ):
        stream = sink.add_stream("libmp3lame", rate=24_000, layout="mono")
        stream.bit_rate = 32_000
        for frame in source.decode(audio=0):
            sink.mux(stream.encode(frame))
        sink.mux(stream.encode(None))
    return out.getvalue()


def decoded_seconds(audio: bytes) -> float:
    """Length of `audio` as PyAV decodes it."""
    with av.open(io.BytesIO(audio)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.sample_rate


class FakeGoogleTTS:
    """Google Translate's ``batchexecute`` TTS endpoint on 127.0.0.1, as gTTS calls it.

    Answers every request with `seconds_per_syllable` of tone per word of its text, in Google's
    envelope; `fail_with` statuses are answered first, one per request. Records what was asked.
    """

    PATH = "/_/TranslateWebserverUi/data/batchexecute"

    def __init__(self, *, seconds_per_syllable: float = 0.25) -> None:
        self.seconds_per_syllable = seconds_per_syllable
        self.fail_with: list[int] = []
        self.requests: list[tuple[str, str, str]] = []  # (path, text, lang)
        self._server: TestServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def texts(self) -> list[str]:
        return [text for _, text, _ in self.requests]

    async def __aenter__(self) -> FakeGoogleTTS:
        app = web.Application()
        app.router.add_post(self.PATH, self._batchexecute)
        app.router.add_post("/gateway" + self.PATH, self._batchexecute)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        await self._server.close()

    async def _batchexecute(self, request: web.Request) -> web.Response:
        form = await request.post()
        rpc = json.loads(str(form["f.req"]))
        text, lang, _speed, _ = json.loads(rpc[0][0][1])
        self.requests.append((request.path, text, lang))
        if self.fail_with:
            return web.Response(status=self.fail_with.pop(0))
        mp3 = tone_mp3(round(len(text.split()) * self.seconds_per_syllable, 2))
        return web.Response(text=self.envelope(mp3), content_type="application/json")

    @staticmethod
    def envelope(mp3: bytes) -> str:
        """The body Google answers with: an XSSI guard, then length-prefixed JSON lines."""
        audio = json.dumps([base64.b64encode(mp3).decode()])
        line = json.dumps(
            [["wrb.fr", "jQ1olc", audio, None, None, None, "generic"], ["di", 31]],
            separators=(",", ":"),
        )
        return f')]}}\'\n\n{len(line)}\n{line}\n25\n[["e",4,null,null,{len(line)}]]\n'


class CountingEngine:
    """Wraps an engine and counts its calls."""

    def __init__(self, inner: GTTSEngine | EspeakEngine) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0

    async def synthesise(self, text: str) -> bytes:
        self.calls += 1
        return await self.inner.synthesise(text)


class GarbageEngine:
    """An engine that answers with bytes that are not audio."""

    name = "garbage"

    async def synthesise(self, text: str) -> bytes:
        return b"<html>not audio</html>"




@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def gtts(base_url: str, **options: float) -> GTTSEngine:
    return GTTSEngine(base_url=base_url, backoff=0.01, **options)


async def test_gtts_sends_vietnamese_chunks_through_gtts(google: FakeGoogleTTS) -> None:
    spoken = normalise_for_speech(NOTICE)
    mp3 = await gtts(google.base_url).synthesise(spoken)

    assert sorted(google.texts) == sorted(split_chunks(spoken))
    assert len(google.requests) > 2
    assert all(len(text) <= 100 and lang == "vi" for _, text, lang in google.requests)
    expected = sum(decoded_seconds(tone_mp3(round(len(t.split()) * 0.25, 2))) for t in google.texts)
    assert decoded_seconds(mp3) == pytest.approx(expected, abs=0.01)


async def test_gtts_base_url_may_carry_a_path(google: FakeGoogleTTS) -> None:
    await gtts(google.base_url + "/gateway/").synthesise("xin chào bà con")
    assert [path for path, _, _ in google.requests] == ["/gateway" + FakeGoogleTTS.PATH]


async def test_gtts_retries_after_429(
    google: FakeGoogleTTS, caplog: pytest.LogCaptureFixture
) -> None:
    google.fail_with = [429]
    with caplog.at_level(logging.WARNING, logger="services.audio.google"):
        mp3 = await gtts(google.base_url).synthesise("xin chào bà con")

    assert mp3
    assert google.texts == ["xin chào bà con"] * 2
    assert [r.getMessage() for r in caplog.records] == ["gTTS answered 429; retry 1 in 0.01 s"]


async def test_gtts_gives_up_after_its_retries_on_5xx(google: FakeGoogleTTS) -> None:
    google.fail_with = [503] * 10
    with pytest.raises(TTSError, match=r"after 3 attempts.*503"):
        await gtts(google.base_url, retries=2).synthesise("xin chào")
    assert len(google.requests) == 3


async def test_gtts_does_not_retry_a_refusal(google: FakeGoogleTTS) -> None:
    google.fail_with = [403]
    with pytest.raises(TTSError, match="after 1 attempt: 403"):
        await gtts(google.base_url).synthesise("xin chào")
    assert len(google.requests) == 1


async def test_gtts_times_out(google: FakeGoogleTTS) -> None:
    google.fail_with = [503] * 10
    engine = GTTSEngine(base_url=google.base_url, backoff=5.0, timeout=0.3)
    with pytest.raises(TTSError, match=r"within 0\.3 s"):
        await engine.synthesise("xin chào")


async def test_espeak_speaks_vietnamese() -> None:
    audio = await EspeakEngine().synthesise(normalise_for_speech("UBND xã thông báo lúc 7h30."))
    with wave.open(io.BytesIO(audio)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        seconds = wav.getnframes() / wav.getframerate()
        samples = array.array("h", wav.readframes(wav.getnframes()))
    assert 2 < seconds < 10
    assert max(map(abs, samples)) > 1000


async def test_voice_is_mono_opus_of_the_right_length(google: FakeGoogleTTS) -> None:
    result = await make_voice(NOTICE, engines=[gtts(google.base_url)], cache=MemoryAudioCache())

    assert (result.engine, result.cache_hit) == ("gtts", False)
    with av.open(io.BytesIO(result.ogg)) as container:
        assert container.format.name == "ogg"
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        assert (stream.channels, stream.sample_rate) == (1, 48000)
        played = sum(frame.samples for frame in container.decode(stream)) / 48000
    spoken = sum(decoded_seconds(tone_mp3(round(len(t.split()) * 0.25, 2))) for t in google.texts)
    assert played == pytest.approx(spoken, abs=0.05)
    assert result.duration_s == pytest.approx(played, abs=0.02)
    assert 20_000 < len(result.ogg) * 8 / played < 40_000  # bit/s


async def test_unreachable_google_falls_back_to_espeak(
    closed_port_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engines = [gtts(closed_port_url), EspeakEngine()]
    with caplog.at_level(logging.WARNING, logger="services.audio.bulletin"):
        result = await make_voice(NOTICE, engines=engines, cache=MemoryAudioCache())

    assert result.engine == "espeak-ng"
    assert result.duration_s > 5
    assert "TTS engine gtts failed: gTTS failed after 1 attempt" in caplog.text


async def test_undecodable_audio_falls_back_to_the_next_engine() -> None:
    result = await make_voice(
        "xin chào", engines=[GarbageEngine(), EspeakEngine()], cache=MemoryAudioCache()
    )
    assert result.engine == "espeak-ng"


async def test_no_engine_left_is_tts_unavailable(closed_port_url: str) -> None:
    with pytest.raises(TTSUnavailable) as raised:
        await make_voice(
            "xin chào", engines=[gtts(closed_port_url), GarbageEngine()], cache=MemoryAudioCache()
        )
    assert set(raised.value.failures) == {"gtts", "garbage"}


async def test_nothing_to_say_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to say"):
        await make_voice(" \n", engines=[EspeakEngine()], cache=MemoryAudioCache())


async def test_cache_hit_skips_the_engine(google: FakeGoogleTTS) -> None:
    engine = CountingEngine(gtts(google.base_url))
    cache = MemoryAudioCache()
    first = await make_voice(NOTICE, engines=[engine], cache=cache)
    requests = len(google.requests)
    again = await make_voice(NOTICE, engines=[engine], cache=cache)

    assert (engine.calls, len(google.requests)) == (1, requests)
    assert (again.ogg, again.key, again.engine) == (first.ogg, first.key, "gtts")
    assert (first.cache_hit, again.cache_hit) == (False, True)
    assert again.duration_s == first.duration_s


async def test_file_cache_survives_and_ignores_damage(tmp_path: Path) -> None:
    engine = CountingEngine(EspeakEngine())
    first = await make_voice("xin chào", engines=[engine], cache=FileAudioCache(tmp_path))
    again = await make_voice("xin chào", engines=[engine], cache=FileAudioCache(tmp_path))
    assert again.cache_hit and again.ogg == first.ogg

    await FileAudioCache(tmp_path).put(first.key, first.ogg[:100])
    healed = await make_voice("xin chào", engines=[engine], cache=FileAudioCache(tmp_path))
    assert (healed.cache_hit, engine.calls) == (False, 2)
    assert await FileAudioCache(tmp_path).get(first.key) == healed.ogg


async def test_file_cache_refuses_odd_keys(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a cache key"):
        await FileAudioCache(tmp_path).get("../../etc/passwd")


async def test_long_notice_becomes_several_voice_messages(google: FakeGoogleTTS) -> None:
    text = " ".join(f"Mục {i}. {NOTICE}" for i in range(1, 7))
    results = await make_bulletin(
        text, engines=[gtts(google.base_url)], cache=MemoryAudioCache(), max_seconds=20
    )

    assert len(results) == len(split_parts(normalise_for_speech(text), 20)) > 1
    assert all(result.duration_s < 20 * 1.5 for result in results)
    assert len({result.key for result in results}) == len(results)


def test_concatenated_mp3s_with_tags_convert_whole() -> None:
    ogg = to_ogg_opus(tone_mp3(1.0, id3=True) + tone_mp3(1.0, id3=True))
    assert decoded_seconds(ogg) == pytest.approx(2 * decoded_seconds(tone_mp3(1.0)), abs=0.1)
