"""The procedure catalogue in the database: one row per procedure code.

The shipped catalogue seeds it; `procedures import` upserts records of the national
procedure database into it. A commune's own desk (address, opening hours, contact) is kept in
`Commune.settings["procedure_desk"]` (see `services.procedures.store.Desk`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow

SOURCE_CATALOGUE = "catalogue"
SOURCE_IMPORT = "import"


class ProcedureRow(Base):
    """A commune-level administrative procedure, as `Procedure.to_dict()` describes it."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text, default="")
    applicants: Mapped[list[Any]] = mapped_column(default=list)
    documents: Mapped[list[Any]] = mapped_column(default=list)
    """[{name, original, copy, required}]"""
    fees: Mapped[list[Any]] = mapped_column(default=list)
    """[{channel: desk|online|post, amount_vnd: int | null, note}]"""
    processing_days: Mapped[float | None] = mapped_column(Float)
    agency: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[list[Any]] = mapped_column(default=list)
    fully_online: Mapped[bool] = mapped_column(Boolean, default=False)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    steps: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default=SOURCE_CATALOGUE)
    """Where the row's content came from: the shipped catalogue or an import."""
    checksum: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the content, to tell a changed record from an unchanged one."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def content(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in CONTENT_FIELDS}


CONTENT_FIELDS = ("code", "name", "field", "applicants", "documents", "fees",
                  "processing_days", "agency", "legal_basis", "fully_online", "aliases",
                  "steps", "result")
