"""What a document's preview offers the official (queued by the reading job, so declared
here): go on to the targets with its text, attach the original or not, type a corrected
text, keep the first paragraphs, keep the first five minutes, or drop it."""

from __future__ import annotations

from dataclasses import dataclass

from services.callbacks import CallbackData


@dataclass(frozen=True)
class UseDocument(CallbackData, prefix="doc.use"):
    document_id: int


@dataclass(frozen=True)
class ToggleAttach(CallbackData, prefix="doc.attach"):
    document_id: int


@dataclass(frozen=True)
class RetypeDocument(CallbackData, prefix="doc.retype"):
    document_id: int


@dataclass(frozen=True)
class CutDocument(CallbackData, prefix="doc.cut"):
    document_id: int


@dataclass(frozen=True)
class FirstPart(CallbackData, prefix="doc.first"):
    """Keep the paragraphs that fit the longest bulletin (`MAX_BULLETIN_SECONDS`)."""

    document_id: int


@dataclass(frozen=True)
class DiscardDocument(CallbackData, prefix="doc.discard"):
    document_id: int
