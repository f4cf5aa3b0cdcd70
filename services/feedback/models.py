"""Tables of citizen feedback ("phản ánh, kiến nghị"): reports, their history, followers,
the per-commune yearly counter behind tracking codes, and the daily digests already sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow

RECEIVED = "received"
IN_PROGRESS = "in_progress"
ANSWERED = "answered"
RESOLVED = "resolved"
REJECTED = "rejected"
TRANSFERRED = "transferred"
OPEN_STATUSES = (RECEIVED, IN_PROGRESS, ANSWERED)
CLOSED_STATUSES = (RESOLVED, REJECTED, TRANSFERRED)
STATUSES = OPEN_STATUSES + CLOSED_STATUSES


class FeedbackReport(Base):
    """One report; `code` is its public tracking code (PA-<commune>-<year>-<sequence>)."""

    __tablename__ = "feedback_reports"
    __table_args__ = (
        Index("ix_feedback_reports_inbox", "commune_id", "status", "due_at"),
        Index("ix_feedback_reports_recent", "commune_id", "created_at"),
        Index("ix_feedback_reports_category", "commune_id", "category", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    """Where it came from (telegram, zalo, console, open311): file ids belong to it."""
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    voice: Mapped[dict[str, Any] | None] = mapped_column()
    photos: Mapped[list[Any]] = mapped_column(default=list)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"))
    address: Mapped[str | None] = mapped_column(String(500))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    """Keep the reporter's name from the public (officials always see it)."""
    status: Mapped[str] = mapped_column(String(20), default=RECEIVED)
    status_note: Mapped[str | None] = mapped_column(Text)
    """The latest word to the reporter and followers: the answer, the reason for a rejection,
    the agency."""
    public_summary: Mapped[str | None] = mapped_column(Text)
    """The only free text shown in public (Open311), written or approved by an official; the
    citizen's own words never are."""
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ack_due_at: Mapped[datetime]
    due_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    checkin_sent_at: Mapped[datetime | None]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FeedbackEvent(Base):
    """A step in a report's history; `public` ones are shown to the citizen and followers."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_reports.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    """created, status, answer, note, assign, rating, reopened, follow, public."""
    status: Mapped[str | None] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    text: Mapped[str | None] = mapped_column(Text)


class FeedbackFollower(Base):
    """A citizen who chose to follow someone else's report instead of filing a duplicate."""

    __tablename__ = "feedback_followers"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_reports.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackCounter(Base):
    """The last sequence number given in a commune and year (tracking codes)."""

    __tablename__ = "feedback_counters"

    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackDigest(Base):
    """A daily digest already sent to a commune's officials (one per commune and day)."""

    __tablename__ = "feedback_digests"

    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    """The local date, YYYY-MM-DD."""
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
