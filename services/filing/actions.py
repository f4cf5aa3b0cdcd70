"""The filing actions offered outside the walk's own messages: starting a walk (from a
procedure's card) and, in a reminder of a stalled walk, taking it up again or no more
reminders."""

from __future__ import annotations

from dataclasses import dataclass

from services.callbacks import CallbackData


@dataclass(frozen=True)
class ResumeFiling(CallbackData, prefix="fl.resume"):
    filing_id: int


@dataclass(frozen=True)
class MuteReminders(CallbackData, prefix="fl.mute"):
    filing_id: int


@dataclass(frozen=True)
class StartFiling(CallbackData, prefix="fl.start"):
    procedure_code: str
