"""Message catalogues: `vi` (default) and `en`, one JSON file per area in each language folder.

Keys are dotted (`area.name`); values are `str.format` templates. A key missing from a
language falls back to Vietnamese, but the test suite fails on any missing key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal, get_args

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE = "vi"
_ROOT = Path(__file__).parent


@cache
def catalogue(language: str) -> Mapping[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((_ROOT / language).glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"duplicate message key {key!r} in {path.name}")
            merged[key] = value
    return merged


def normalise_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


PLURAL_BY = ("count", "days", "hours", "pages")
"""A message may have a `<key>_one` variant (English: "1 working day"), used when one of
these parameters is 1; Vietnamese has no plural and needs none."""


def _is_one(value: object) -> bool:
    return value == 1 or value == "1"


class Translator:
    """Renders message keys in one language."""

    def __init__(self, language: str | None = None) -> None:
        self.language = normalise_language(language)

    def __call__(self, key: str, /, **params: object) -> str:
        messages = catalogue(self.language)
        if f"{key}_one" in messages and any(_is_one(params.get(n)) for n in PLURAL_BY):
            key = f"{key}_one"
        template = messages.get(key) or catalogue(DEFAULT_LANGUAGE).get(key)
        if template is None:
            raise KeyError(f"no message {key!r}")
        return template.format(**params) if params else template

    def has(self, key: str) -> bool:
        return key in catalogue(self.language)

    def duration(self, seconds: int) -> str:
        """A length of time in minutes and seconds, without a zero part: "28 giây",
        "2 phút", "1 phút 5 giây" ("28 s", "2 min", "1 min 5 s")."""
        minutes, rest = divmod(max(0, int(seconds)), 60)
        if minutes and rest:
            return self("common.duration_min_sec", minutes=minutes, seconds=rest)
        if minutes:
            return self("common.duration_min", minutes=minutes)
        return self("common.duration_sec", seconds=rest)
