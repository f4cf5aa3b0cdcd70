"""Spoken text cut at sentence, then clause, then word boundaries.

Two sizes: chunks of at most 100 characters (what Google's TTS endpoint takes in one request) and
parts of about a minute of speech (one voice message each).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

MAX_CHUNK_CHARS = 100
"""Google's limit per TTS request (gTTS.GOOGLE_TTS_MAX_CHARS)."""

SYLLABLES_PER_SECOND = 4.0
"""Estimated speaking rate; a Vietnamese word written between spaces is one syllable."""

PART_SECONDS = 75.0
"""Target length of one voice message."""

_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|\s+(?=[–—-]\s)")

Fits = Callable[[str], bool]


def split_chunks(text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Cut `text` into chunks of at most `max_chars` characters, packed as full as possible.

    Words are never cut, except a single word longer than `max_chars` (a URL, say).
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    return _pack(text, lambda piece: len(piece) <= max_chars)


def split_parts(
    text: str,
    max_seconds: float = PART_SECONDS,
    syllables_per_second: float = SYLLABLES_PER_SECOND,
) -> list[str]:
    """Cut a long notice into parts of at most about `max_seconds` of speech each."""
    limit = max(1, int(max_seconds * syllables_per_second))
    return _pack(text, lambda piece: len(piece.split()) <= limit)


def _pack(text: str, fits: Fits) -> list[str]:
    """Greedily join the largest pieces that fit into pieces that still fit."""
    packed: list[str] = []
    current = ""
    for piece in _pieces(" ".join(text.split()), fits):
        joined = f"{current} {piece}" if current else piece
        if fits(joined):
            current = joined
            continue
        if current:
            packed.append(current)
        current = piece
    return [*packed, current] if current else packed


def _pieces(text: str, fits: Fits) -> Iterator[str]:
    """Sentences that fit, else their clauses that fit, else their words."""
    for sentence in _SENTENCE_BREAK.split(text):
        if fits(sentence):
            yield sentence
            continue
        for clause in _CLAUSE_BREAK.split(sentence):
            if fits(clause):
                yield clause
                continue
            for word in clause.split():
                yield from (word,) if fits(word) else _cut(word, fits)


def _cut(word: str, fits: Fits) -> Iterator[str]:
    """A word too long for any chunk, cut into pieces that fit."""
    piece = ""
    for char in word:
        if piece and not fits(piece + char):
            yield piece
            piece = ""
        piece += char
    yield piece
