"""What the notice preview offers its author: confirm or discard (queued by the service when
the audio was made in the background, so declared here rather than in handlers)."""

from __future__ import annotations

from dataclasses import dataclass

from services.callbacks import CallbackData


@dataclass(frozen=True)
class ConfirmNotice(CallbackData, prefix="nt.confirm"):
    notice_id: int


@dataclass(frozen=True)
class DiscardNotice(CallbackData, prefix="nt.discard"):
    notice_id: int
