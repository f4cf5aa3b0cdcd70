"""The offline engine: libespeak-ng (shipped with its data by espeakng-loader), Vietnamese voice.

The library keeps global state and is not thread-safe: it is initialised once per process and
used under one lock, from a worker thread.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import io
import threading
import wave
from typing import Any

import espeakng_loader

from services.audio.engines import TTSError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_PARAMETER_RATE = 1
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

_SYNTH_ARGS: list[type[ctypes._SimpleCData[Any]]] = [
    ctypes.c_char_p,  # text
    ctypes.c_size_t,  # size
    ctypes.c_uint,  # position
    ctypes.c_int,  # position_type
    ctypes.c_uint,  # end_position
    ctypes.c_uint,  # flags
    ctypes.c_void_p,  # unique_identifier
    ctypes.c_void_p,  # user_data
]

_lock = threading.Lock()


class _Library:
    """libespeak-ng in synchronous mode, its samples collected by a callback."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = _SYNTH_ARGS
        data_path = espeakng_loader.get_data_path().encode()
        self.sample_rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_DONT_EXIT
        )
        if self.sample_rate <= 0:
            raise TTSError(f"espeak-ng did not initialise (data at {data_path.decode()})")
        self._lib = lib
        self._pcm = bytearray()
        self._callback = _SynthCallback(self._collect)  # kept alive: the library holds a pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(
        self, samples: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None
    ) -> int:
        if count > 0:
            self._pcm += ctypes.string_at(samples, count * 2)
        return 0  # continue

    def speak(self, text: str, voice: str, rate_wpm: int) -> bytes:
        """16-bit mono PCM at `sample_rate` for `text`. Caller holds the lock."""
        _check(self._lib.espeak_SetVoiceByName(voice.encode()), f"voice {voice!r}")
        _check(self._lib.espeak_SetParameter(_PARAMETER_RATE, rate_wpm, 0), "rate")
        self._pcm = bytearray()
        data = text.encode()
        flags = _CHARS_UTF8 | _ENDPAUSE
        _check(
            self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, flags, None, None),
            "synthesis",
        )
        _check(self._lib.espeak_Synchronize(), "synchronize")
        return bytes(self._pcm)


@functools.cache
def _library() -> _Library:
    return _Library()


def _check(status: int, what: str) -> None:
    if status != _EE_OK:
        raise TTSError(f"espeak-ng {what} failed with status {status}")


def _speak(text: str, voice: str, rate_wpm: int) -> tuple[bytes, int]:
    with _lock:
        library = _library()
        return library.speak(text, voice, rate_wpm), library.sample_rate


class EspeakEngine:
    """Robotic but offline Vietnamese: 'vi' (Northern), 'vi-vn-x-central', 'vi-vn-x-south'."""

    name = "espeak-ng"

    def __init__(self, *, voice: str = "vi", rate_wpm: int = 150) -> None:
        self.voice = voice
        self.rate_wpm = rate_wpm

    async def synthesise(self, text: str) -> bytes:
        """WAV (16-bit mono) for `text`."""
        try:
            pcm, sample_rate = await asyncio.to_thread(_speak, text, self.voice, self.rate_wpm)
        except OSError as exc:
            raise TTSError(f"libespeak-ng could not be loaded: {exc}") from exc
        if not pcm:
            raise TTSError("espeak-ng produced no audio")
        return _wav(pcm, sample_rate)


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()
