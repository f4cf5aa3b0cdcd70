"""Tables of surveys: the survey, its questions, the answers (one per person and question),
and the native group polls that carry a question into a group chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.db import Base, utcnow

DRAFT = "draft"
OPEN = "open"
CLOSED = "closed"

SCALE = "scale"
CHOICE = "choice"
YESNO = "yesno"
TEXT = "text"
KINDS = (SCALE, CHOICE, YESNO, TEXT)

POLL_PENDING = "pending"
POLL_QUEUED = "queued"
"""Its outbox row (kind `poll`) is written; the sender posts it."""
POLL_SENT = "sent"
POLL_CLOSED = "closed"


class Survey(Base):
    """A survey; texts are `{"vi": …, "en": …}`; `target` says who is asked (see
    `services.surveys.service.Target`)."""

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_due", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), index=True
    )
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    template: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    target: Mapped[dict[str, Any]] = mapped_column(default=dict)
    private: Mapped[bool] = mapped_column(Boolean, default=True)
    """Ask the targeted citizens who consented, in their private chat."""
    groups: Mapped[bool] = mapped_column(Boolean, default=False)
    """Post the questions as native polls in the targeted group chats."""
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    """Group polls are anonymous: only their totals are counted."""
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """What a built-in survey is about: a feedback report, a procedure, a category."""
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position",
        cascade="all, delete-orphan", lazy="selectin",
    )


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[list[Any]] = mapped_column(default=list)
    """For `choice`: the options, each `{"vi": …, "en": …}`; answers store the index + 1."""
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    aspect: Mapped[str | None] = mapped_column(String(20))
    """The SIPAS aspect a scale question measures (access, procedure, officials, result,
    feedback), or None."""

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyAnswer(Base):
    """One person's answer to one question; changed in place until the survey closes."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    """None once the person's data is erased: the answer stays, unlinked, for statistics."""
    value: Mapped[int | None] = mapped_column(Integer)
    """1–5 for a scale, 1 yes / 0 no, the option's number for a choice."""
    text: Mapped[str | None] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(10), default="private")
    """private (chat buttons) or poll (a group poll)."""
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"))
    """The respondent's village when answering, for breakdowns that outlive erasure."""
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[int] = mapped_column(Integer, default=0)


class SurveyPoll(Base):
    """A question posted as a native poll in a group chat (pending → queued in the outbox →
    sent → closed); it keeps the platform's poll id and the anonymous totals."""

    __tablename__ = "survey_polls"
    __table_args__ = (
        UniqueConstraint("question_id", "channel", "chat_id"),
        Index("ix_survey_polls_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=POLL_PENDING)
    poll_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(64))
    counts: Mapped[list[Any]] = mapped_column(default=list)
    """Votes per option, from the platform (anonymous polls are counted this way)."""
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
