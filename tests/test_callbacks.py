"""The button protocol: typed callback data, the router's registrations, the flows' tables."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from handlers import build_router
from handlers.flows import Flow, InvalidTransition
from handlers.router import DuplicateRegistration, Router
from services.callbacks import (
    MAX_CALLBACK_BYTES,
    Button,
    CallbackData,
    StaleCallback,
    decode,
    registered,
)


class Colour(StrEnum):
    RED = "r"
    BLUE = "b"


@dataclass(frozen=True)
class Sample(CallbackData, prefix="t.sample"):
    item_id: int
    colour: Colour
    note: str | None
    urgent: bool


@dataclass(frozen=True)
class Bare(CallbackData, prefix="t.bare"):
    pass


def test_packs_and_unpacks_typed_fields() -> None:
    data = Sample(12, Colour.BLUE, None, True)
    assert data.pack() == "t.sample:12:b::1"
    assert decode("t.sample:12:b::1") == data
    assert decode("t.sample:7:r:hello:0") == Sample(7, Colour.RED, "hello", False)
    assert decode(Bare().pack()) == Bare()


@pytest.mark.parametrize("forged", [
    "t.sample:12:b::1:extra",      # a field too many
    "t.sample:12:b:",              # a field too few
    "t.sample:x:b::1",             # not a number
    "t.sample:²:b::1",             # not an ASCII number
    "t.sample:99999999999:b::1",   # beyond int32
    "t.sample:12:g::1",            # not a colour
    "t.sample:12:b::yes",          # not a flag
    "t.bare:1",                    # data for a button that carries none
    "nope:1:2",                    # no such button
    "fb:cat:roads",                # the data of an older version of the bot
    "",
])
def test_forged_and_old_data_is_stale(forged: str) -> None:
    with pytest.raises(StaleCallback):
        decode(forged)


def test_oversized_data_is_refused_both_ways() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Sample(1, Colour.RED, "x" * 60, False).pack()
    with pytest.raises(ValueError, match="64 bytes"):
        Button("too long", Sample(1, Colour.RED, "x" * 60, False))
    with pytest.raises(StaleCallback):
        decode("t.sample:1:r:" + "x" * MAX_CALLBACK_BYTES + ":0")


def test_packing_refuses_what_could_not_come_back() -> None:
    with pytest.raises(ValueError, match="cannot be packed"):
        Sample(1, Colour.RED, "a:b", False).pack()
    with pytest.raises(ValueError, match="int32"):
        Sample(2**31, Colour.RED, None, False).pack()


def test_a_prefix_is_declared_once() -> None:
    with pytest.raises(ValueError, match="already used"):
        @dataclass(frozen=True)
        class Again(CallbackData, prefix="t.sample"):
            pass


def test_every_declared_button_round_trips() -> None:
    build_router()  # imports every feature's callback classes
    assert len(registered()) >= 2
    for prefix, cls in registered().items():
        assert prefix == cls.prefix
        assert len(prefix.encode()) < MAX_CALLBACK_BYTES


def test_a_button_has_data_or_a_link() -> None:
    assert Button("Mở", Bare()).as_json() == {"text": "Mở", "data": "t.bare"}
    assert Button("Web", url="https://example.org").as_json() == {
        "text": "Web", "url": "https://example.org"}
    with pytest.raises(ValueError, match="either data or url"):
        Button("neither")


async def _noop(*_: object) -> None:
    return None


def test_router_refuses_a_duplicate_registration() -> None:
    router = Router()
    router.command("start")(_noop)
    with pytest.raises(DuplicateRegistration):
        router.command("start")(_noop)
    router.button(Sample)(_noop)
    with pytest.raises(DuplicateRegistration):
        router.button(Sample)(_noop)
    router.flow("demo")(_noop)
    with pytest.raises(DuplicateRegistration):
        router.flow("demo")(_noop)
    router.event("member_added")(_noop)
    with pytest.raises(DuplicateRegistration):
        router.event("member_added")(_noop)


class DemoStep(StrEnum):
    ASK = "ask"
    CONFIRM = "confirm"
    DONE = "done"


DEMO = Flow("t.demo", DemoStep, transitions={
    DemoStep.ASK: {DemoStep.CONFIRM},
    DemoStep.CONFIRM: {DemoStep.ASK, DemoStep.DONE},
    DemoStep.DONE: set(),
})


def test_a_flow_allows_only_its_declared_transitions() -> None:
    DEMO.check("ask", "confirm")
    DEMO.check("confirm", "done")
    DEMO.check("ask", "ask")  # staying is always allowed
    with pytest.raises(InvalidTransition):
        DEMO.check("ask", "done")
    assert DEMO.step("confirm") is DemoStep.CONFIRM
    assert DEMO.step("gone") is None


def test_a_flow_table_names_every_step() -> None:
    with pytest.raises(ValueError, match="every step"):
        Flow("t.partial", DemoStep, transitions={DemoStep.ASK: {DemoStep.DONE}})
