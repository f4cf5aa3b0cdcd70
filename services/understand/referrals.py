"""Matters a citizen may ask about that another office handles: which one, and how to reach it
online. The facts are data (`referrals.json`), reviewed apart from the code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

REFERRALS_FILE = "referrals.json"


@dataclass(frozen=True, slots=True)
class Referral:
    """Where a matter is handled: the agency, the online route, the legal basis when sure."""

    topic: str
    aliases: tuple[str, ...]
    agency: dict[str, str]
    online: dict[str, str]
    note: dict[str, str]
    legal_basis: tuple[str, ...] = ()

    def text(self, part: str, language: str) -> str:
        values: dict[str, str] = getattr(self, part)
        return values.get(language) or values.get("vi", "")


@cache
def referrals() -> dict[str, Referral]:
    """Every referral topic, by its name."""
    raw = json.loads(resources.files(__package__).joinpath(REFERRALS_FILE)
                     .read_text(encoding="utf-8"))
    return {
        topic: Referral(topic=topic, aliases=tuple(entry["aliases"]), agency=entry["agency"],
                        online=entry["online"], note=entry.get("note", {}),
                        legal_basis=tuple(entry.get("legal_basis", ())))
        for topic, entry in raw.items()
    }
