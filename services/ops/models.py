"""Sign-in links and web sessions of the operations room. Only SHA-256 digests of the
tokens are stored: a copy of the database opens no session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base


class SignInLink(Base):
    __tablename__ = "ops_signin_links"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    __tablename__ = "ops_sessions"
    __table_args__ = (Index("ix_ops_sessions_user_id", "user_id"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="SET NULL"))
    """The commune a province admin is looking at (None: the province-wide view)."""
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]
