"""The button protocol: typed callback data and the one `Button` type.

A feature declares what its buttons carry as a small frozen dataclass with a readable prefix
and typed fields, as aiogram's `CallbackData` does::

    @dataclass(frozen=True)
    class RateReport(CallbackData, prefix="fb.rate"):
        report_id: int
        stars: int

`RateReport(12, 4).pack()` is `"fb.rate:12:4"`; `unpack("fb.rate:12:4")` gives the object
back. Packing checks the platforms' 64-byte limit; unpacking validates every field and raises
`StaleCallback` for data that is forged, malformed or from an older version of the button, so
the router answers it as a stale button instead of reaching a handler with nonsense.

It lives in `services/` because services also offer choices in the messages they queue (a
rating request, a reminder's "resume" button): they name the action as a typed value, and how a
channel shows it (a button, a numbered line) is the channel's business.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar, Union

MAX_CALLBACK_BYTES = 64
"""Telegram's limit on callback data (Zalo's numbered choices keep the same data)."""

SEPARATOR = ":"
INT32 = 2**31 - 1
_INT = re.compile(r"-?[0-9]{1,10}\Z")  # ASCII digits only: "²" or "١" are not numbers here
_PREFIX = re.compile(r"[a-z][a-z0-9_.]{0,15}\Z")

_REGISTRY: dict[str, type[CallbackData]] = {}


class StaleCallback(ValueError):
    """Callback data that no current button could have sent."""


class CallbackData:
    """Base of every button's data. Subclasses are frozen dataclasses declared with a prefix."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[tuple[str, Any], ...]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.match(prefix):
            raise ValueError(f"callback prefix {prefix!r}: lower-case, at most 16 characters")
        if prefix in _REGISTRY:
            raise ValueError(f"callback prefix {prefix!r} is already used by "
                             f"{_REGISTRY[prefix].__qualname__}")
        cls.prefix = prefix
        _REGISTRY[prefix] = cls

    @classmethod
    def _field_types(cls) -> tuple[tuple[str, Any], ...]:
        """(name, type) of each field, resolved once (the class is a dataclass by then)."""
        cached = cls.__dict__.get("_fields")
        if cached is None:
            hints = typing.get_type_hints(cls)
            cached = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
            cls._fields = cached
        return cached

    def pack(self) -> str:
        parts = [self.prefix]
        for name, kind in self._field_types():
            parts.append(_encode(getattr(self, name), kind, name))
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        prefix, _, rest = data.partition(SEPARATOR)
        if prefix != cls.prefix:
            raise StaleCallback(f"not a {cls.__name__}")
        fields = cls._field_types()
        values = rest.split(SEPARATOR) if fields else []
        if len(values) != len(fields) or (not fields and rest):
            raise StaleCallback(f"{cls.__name__}: {len(fields)} fields expected")
        return cls(**{name: _decode(value, kind) for (name, kind), value in zip(fields, values,
                                                                                 strict=True)})


Data = TypeVar("Data", bound=CallbackData)


def decode(data: str) -> CallbackData:
    """The typed value of a button's data, whichever feature declared it."""
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise StaleCallback("oversized callback data")
    cls = _REGISTRY.get(data.partition(SEPARATOR)[0])
    if cls is None:
        raise StaleCallback("unknown callback prefix")
    return cls.unpack(data)


def registered() -> dict[str, type[CallbackData]]:
    """Every declared callback class by prefix (tests check each one round-trips)."""
    return dict(_REGISTRY)


def _optional(kind: Any) -> Any | None:
    """`T` for `T | None`, else None."""
    if typing.get_origin(kind) in (Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(kind)) == 2:
            return args[0]
    return None


def _encode(value: Any, kind: Any, name: str) -> str:
    inner = _optional(kind)
    if inner is not None:
        return "" if value is None else _encode(value, inner, name)
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > INT32:
            raise ValueError(f"{name}: an int32 expected, got {value!r}")
        return str(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return str(kind(value).value)
    if typing.get_origin(kind) is typing.Literal:
        if value not in typing.get_args(kind):
            raise ValueError(f"{name}: one of {typing.get_args(kind)} expected, got {value!r}")
        return str(value)
    if kind is str:
        if SEPARATOR in value:
            raise ValueError(f"{name}: {SEPARATOR!r} cannot be packed: {value!r}")
        return str(value)
    raise TypeError(f"{name}: unsupported callback field type {kind!r}")


def _decode(value: str, kind: Any) -> Any:
    inner = _optional(kind)
    if inner is not None:
        return None if value == "" else _decode(value, inner)
    if kind is bool:
        if value not in ("0", "1"):
            raise StaleCallback("bad flag")
        return value == "1"
    if kind is int:
        if not _INT.match(value) or abs(int(value)) > INT32:
            raise StaleCallback("bad number")
        return int(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            raise StaleCallback("bad choice") from None
    if typing.get_origin(kind) is typing.Literal:
        for option in typing.get_args(kind):
            if str(option) == value:
                return option
        raise StaleCallback("bad choice")
    if kind is str:
        return value
    raise TypeError(f"unsupported callback field type {kind!r}")


@dataclass(frozen=True)
class Button:
    """A choice offered in a message: it carries typed `data` back when pressed, or opens
    `url`. Stored in outbox rows as `{"text", "data"}` / `{"text", "url"}` (`as_json`)."""

    text: str
    data: CallbackData | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button has either data or url")
        if self.data is not None:
            self.data.pack()  # fails here, where the button is made, not when it is sent

    def as_json(self) -> dict[str, str]:
        if self.data is not None:
            return {"text": self.text, "data": self.data.pack()}
        assert self.url is not None
        return {"text": self.text, "url": self.url}


Keyboard = list[list[Button]]


def keyboard_json(rows: Keyboard) -> list[list[dict[str, str]]]:
    """Rows of buttons as an outbox payload stores them."""
    return [[button.as_json() for button in row] for row in rows]


def in_rows(buttons: list[Button], per_row: int = 1) -> Keyboard:
    return [buttons[i: i + per_row] for i in range(0, len(buttons), per_row)]
