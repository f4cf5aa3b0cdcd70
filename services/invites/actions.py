"""The admin's answer to an invite someone opened: confirm or refuse, as typed buttons."""

from __future__ import annotations

from dataclasses import dataclass

from locales import Translator
from services.callbacks import Button, CallbackData, keyboard_json


@dataclass(frozen=True)
class DecideInvite(CallbackData, prefix="inv.decide"):
    invite_id: int
    accept: bool


def decision_keyboard(t: Translator, invite_id: int) -> list[list[dict[str, str]]]:
    return keyboard_json([[Button(t("invites.confirm"), DecideInvite(invite_id, True)),
                           Button(t("invites.refuse"), DecideInvite(invite_id, False))]])
