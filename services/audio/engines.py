"""What a text-to-speech engine is, and how it fails."""

from __future__ import annotations

from typing import Protocol


class SpeechEngine(Protocol):
    """Turns normalised Vietnamese text into audio (MP3 or WAV bytes)."""

    name: str
    """Reported in results and part of the cache key."""

    async def synthesise(self, text: str) -> bytes:
        """Audio for `text`; raises `TTSError` when the engine cannot produce it."""
        ...


class TTSError(Exception):
    """An engine could not turn text into audio (unreachable, refused, timed out, bad output)."""


class TTSUnavailable(TTSError):
    """Every engine failed; `failures` maps each engine's name to why."""

    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = failures
        reasons = "; ".join(f"{name}: {why}" for name, why in failures.items())
        super().__init__(f"no text-to-speech engine could speak the text ({reasons})")
