"""A procedure as the catalogue gives it (the values; `models` has its database row): what a
citizen needs to know about one commune-level procedure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

Channel = Literal["desk", "online", "post"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)

CODE_PATTERN = re.compile(r"^\d{1,2}\.\d{6}(?:\.[0-9A-Za-z]+)?$")
"""A national procedure code (the national procedure database's, `1.001193`): the only kind an
import accepts."""
LOCAL_CODE_PREFIX = "TS-"
LOCAL_CODE_PATTERN = re.compile(rf"^{LOCAL_CODE_PREFIX}[A-Z0-9]{{2,16}}$")
"""Thôn Số's own code (`TS-XEMAY`) for a procedure the catalogue ships without its national
code: letters after `TS-`, so it is never taken for a national code (see docs/architecture.md)."""


def is_local_code(code: str) -> bool:
    """Whether a code is Thôn Số's own, not the national database's."""
    return bool(LOCAL_CODE_PATTERN.match(code))


@dataclass(frozen=True, slots=True)
class Document:
    """One paper of the file: how many originals and copies, and whether it is always needed."""

    name: str
    original: int = 1
    copy: int = 0
    required: bool = True

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("document name is empty")
        if self.original < 0 or self.copy < 0:
            raise ValueError(f"negative quantity for document {self.name!r}")


@dataclass(frozen=True, slots=True)
class Fee:
    """Fee for one submission channel: 0 = free, None = no fixed amount (the note says why)."""

    channel: Channel
    amount_vnd: int | None
    note: str = ""

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r} (expected one of {CHANNELS})")
        if self.amount_vnd is not None and self.amount_vnd < 0:
            raise ValueError("fee amount is negative")
        if self.amount_vnd is None and not self.note.strip():
            raise ValueError("a fee without a fixed amount needs a note")

    @property
    def is_free(self) -> bool:
        """True when nothing is charged on this channel."""
        return self.amount_vnd == 0


@dataclass(frozen=True, slots=True)
class Procedure:
    """A commune-level administrative procedure as shown to citizens."""

    code: str
    name: str
    field: str
    applicants: tuple[str, ...]
    documents: tuple[Document, ...]
    fees: tuple[Fee, ...]
    processing_days: float | None
    agency: str
    legal_basis: tuple[str, ...]
    fully_online: bool
    aliases: tuple[str, ...] = ()
    steps: str = ""
    result: str = ""

    def __post_init__(self) -> None:
        if not (CODE_PATTERN.match(self.code) or is_local_code(self.code)):
            raise ValueError(f"malformed procedure code {self.code!r}")
        if not self.name.strip():
            raise ValueError(f"procedure {self.code} has an empty name")
        if self.processing_days is not None and self.processing_days < 0:
            raise ValueError(f"procedure {self.code} has negative processing days")

    @property
    def is_local(self) -> bool:
        """True when the code is Thôn Số's own: it cannot be looked up on the national portal."""
        return is_local_code(self.code)

    @property
    def channels(self) -> tuple[Channel, ...]:
        """Submission channels that have fee information, in display order."""
        present = {fee.channel for fee in self.fees}
        return tuple(channel for channel in CHANNELS if channel in present)

    def fees_for(self, channel: Channel) -> tuple[Fee, ...]:
        """Fees charged when filing through one channel."""
        return tuple(fee for fee in self.fees if fee.channel == channel)

    @property
    def is_free(self) -> bool:
        """True when every listed fee is zero."""
        return bool(self.fees) and all(fee.is_free for fee in self.fees)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping in the shipped catalogue's shape."""
        return {
            "code": self.code,
            "name": self.name,
            "field": self.field,
            "applicants": list(self.applicants),
            "documents": [
                {"name": d.name, "original": d.original, "copy": d.copy, "required": d.required}
                for d in self.documents
            ],
            "fees": [
                {"channel": f.channel, "amount_vnd": f.amount_vnd, "note": f.note}
                for f in self.fees
            ],
            "processing_days": self.processing_days,
            "agency": self.agency,
            "legal_basis": list(self.legal_basis),
            "fully_online": self.fully_online,
            "aliases": list(self.aliases),
            "steps": self.steps,
            "result": self.result,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Procedure:
        """Build from the catalogue's shape; ValueError names the offending key."""
        documents = tuple(
            Document(
                name=_typed(doc, "name", str),
                original=_typed(doc, "original", int),
                copy=_typed(doc, "copy", int),
                required=_typed(doc, "required", bool),
            )
            for doc in _mappings(data, "documents")
        )
        fees = tuple(
            Fee(
                channel=cast(Channel, _typed(fee, "channel", str)),
                amount_vnd=_typed(fee, "amount_vnd", int, optional=True),
                note=_typed(fee, "note", str),
            )
            for fee in _mappings(data, "fees")
        )
        days = data.get("processing_days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int | float)):
            raise ValueError("processing_days must be a number or null")
        return cls(
            code=_typed(data, "code", str),
            name=_typed(data, "name", str),
            field=_typed(data, "field", str),
            applicants=_strings(data, "applicants"),
            documents=documents,
            fees=fees,
            processing_days=None if days is None else float(days),
            agency=_typed(data, "agency", str),
            legal_basis=_strings(data, "legal_basis"),
            fully_online=_typed(data, "fully_online", bool),
            aliases=_strings(data, "aliases"),
            steps=_typed(data, "steps", str),
            result=_typed(data, "result", str),
        )


def _typed(data: Mapping[str, Any], key: str, kind: type, *, optional: bool = False) -> Any:
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) and kind is not bool:
        raise ValueError(f"{key!r} must be {kind.__name__}, got bool")
    if not isinstance(value, kind):
        raise ValueError(f"{key!r} must be {kind.__name__}, got {type(value).__name__}")
    return value


def _mappings(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise ValueError(f"{key!r} must be a list of objects")
    return items


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"{key!r} must be a list of strings")
    return tuple(items)
