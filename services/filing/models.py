"""Tables of the guided online filing: one row per walk through the five steps (with its
checklist and the portal's dossier code), and the citizen's satisfaction ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow

STEPS = 5

ACTIVE = "active"
FINISHED = "finished"
CANCELLED = "cancelled"

DOSSIER_STATUSES = ("received", "need_more", "processing", "ready", "returned")
"""What an official may set: received, needs more papers, being processed, result ready,
result handed over."""
FINAL_STATUSES = ("ready", "returned")

ASPECTS = ("access", "procedure", "officials", "result", "feedback")
"""The five SIPAS aspects: access to the service, the procedure, the officials, the result,
the handling of feedback."""


class Filing(Base):
    """One citizen's walk through filing one procedure online."""

    __tablename__ = "filings"
    __table_args__ = (
        Index("ix_filings_user", "user_id", "status"),
        Index("ix_filings_funnel", "commune_id", "procedure_code"),
        Index("ix_filings_stalled", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """None once the citizen's personal data is erased (the row stays for statistics)."""
    commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="SET NULL"))
    procedure_code: Mapped[str] = mapped_column(String(20))
    procedure_name: Mapped[str] = mapped_column(String(300))
    step: Mapped[int] = mapped_column(Integer, default=1)
    """The step shown now (1–5)."""
    reached: Mapped[int] = mapped_column(Integer, default=1)
    """The furthest step ever shown, for the officials' funnel."""
    skipped: Mapped[list[Any]] = mapped_column(default=list)
    checklist: Mapped[list[Any]] = mapped_column(default=list)
    """Indexes (in the procedure's documents) of the papers ticked as ready."""
    dossier_code: Mapped[str | None] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    dossier_status: Mapped[str | None] = mapped_column(String(20))
    dossier_note: Mapped[str | None] = mapped_column(Text)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    """The citizen's last move in the walk (a stall is counted from here)."""
    reminded_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    status_at: Mapped[datetime | None]


class FilingRating(Base):
    """A 1–5 score for one SIPAS aspect of one filing."""

    __tablename__ = "filing_ratings"

    filing_id: Mapped[int] = mapped_column(
        ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True)
    aspect: Mapped[str] = mapped_column(String(20), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)
