"""The procedure catalogue in the database: seeding, import (upsert by code), look-up, search.

The search index is built from the rows and cached per database; it is rebuilt when the
rows change (an import in this process or in another one: the cache is keyed by the number
of rows and their latest `updated_at`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import lock_key, utcnow
from services.models import Commune
from services.procedures.models import (
    CONTENT_FIELDS,
    SOURCE_CATALOGUE,
    SOURCE_IMPORT,
    ProcedureRow,
)
from services.procedures.procedure import Procedure
from services.procedures.search import Match, ProcedureIndex

DESK_SETTING = "procedure_desk"
_CACHE_SIZE = 16
_indexes: dict[str, tuple[tuple[Any, ...], ProcedureIndex]] = {}


@dataclass(frozen=True)
class Desk:
    """Where a commune receives files: its own settings, or nothing (then a generic text)."""

    address: str = ""
    hours: str = ""
    contact: str = ""

    @classmethod
    def of(cls, commune: Commune | None) -> Desk:
        values = (commune.settings or {}).get(DESK_SETTING) if commune else None
        if not isinstance(values, dict):
            return cls()
        return cls(**{key: str(values.get(key) or "").strip()
                      for key in ("address", "hours", "contact")})

    @property
    def is_set(self) -> bool:
        return bool(self.address or self.hours or self.contact)


@dataclass
class UpsertReport:
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    """(code, names of the fields that changed)"""
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Catalogue entries not applied because an import already gave that code."""


def checksum(procedure: Procedure) -> str:
    text = json.dumps(procedure.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def keep_aliases(procedure: Procedure, aliases: Iterable[str]) -> Procedure:
    """The national database has few everyday words: an import keeps the curated aliases."""
    merged = tuple(dict.fromkeys([*aliases, *procedure.aliases]))
    return procedure if merged == procedure.aliases else replace(procedure, aliases=merged)


def to_procedure(row: ProcedureRow) -> Procedure:
    return Procedure.from_dict(row.content())


class Procedures:
    """The catalogue over one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(ProcedureRow)) or 0

    async def get(self, code: str) -> Procedure | None:
        row = await self.session.scalar(select(ProcedureRow).where(ProcedureRow.code == code))
        return to_procedure(row) if row else None

    async def all(self) -> list[Procedure]:
        rows = await self.session.scalars(select(ProcedureRow).order_by(ProcedureRow.code))
        return [to_procedure(row) for row in rows]

    async def seed(self, catalogue: Iterable[Procedure]) -> UpsertReport:
        """Apply the shipped catalogue: add what is missing, refresh what came from an older
        catalogue, leave alone what an import brought."""
        return await self._upsert(catalogue, SOURCE_CATALOGUE)

    async def upsert(self, procedures: Iterable[Procedure]) -> UpsertReport:
        """Import: add new codes, overwrite changed ones (keeping their aliases)."""
        return await self._upsert(procedures, SOURCE_IMPORT)

    async def _upsert(self, procedures: Iterable[Procedure], source: str) -> UpsertReport:
        report = UpsertReport()
        if self.session.get_bind().dialect.name == "postgresql":
            # replicas starting together, or an import meanwhile, apply one after the other
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": lock_key("procedures:upsert")})
        existing = {row.code: row for row in await self.session.scalars(select(ProcedureRow))}
        now = utcnow()
        for given in procedures:
            row = existing.get(given.code)
            procedure = (keep_aliases(given, row.aliases)
                         if row is not None and source == SOURCE_IMPORT else given)
            digest = checksum(procedure)
            if row is None:
                row = ProcedureRow(**procedure.to_dict(), source=source, checksum=digest,
                                   updated_at=now)
                self.session.add(row)
                existing[procedure.code] = row
                report.added.append(procedure.code)
            elif row.checksum == digest:
                report.unchanged.append(procedure.code)
            elif source == SOURCE_CATALOGUE and row.source != SOURCE_CATALOGUE:
                report.kept.append(procedure.code)
            else:
                new = procedure.to_dict()
                old = row.content()
                report.changed.append(
                    (procedure.code, [key for key in CONTENT_FIELDS if old[key] != new[key]]))
                for key in CONTENT_FIELDS:
                    setattr(row, key, new[key])
                row.source, row.checksum, row.updated_at = source, digest, now
        await self.session.flush()
        if report.added or report.changed:
            _indexes.pop(self._key(), None)
        return report

    async def search(self, question: str, limit: int = 3) -> list[Match]:
        return (await self.index()).search(question, limit=limit)

    async def index(self) -> ProcedureIndex:
        """The search index over the current rows, rebuilt only when they changed."""
        count, latest = (await self.session.execute(
            select(func.count(), func.max(ProcedureRow.updated_at)))).one()
        fingerprint = (count, latest)
        key = self._key()
        cached = _indexes.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        index = ProcedureIndex(await self.all())
        if len(_indexes) >= _CACHE_SIZE:
            _indexes.pop(next(iter(_indexes)))
        _indexes[key] = (fingerprint, index)
        return index

    def _key(self) -> str:
        return self.session.get_bind().engine.url.render_as_string(hide_password=True)

    async def set_desk(self, commune: Commune, *, address: str | None = None,
                       hours: str | None = None, contact: str | None = None) -> Desk:
        """Change a commune's desk; None leaves a value as it is, "" clears it."""
        current = Desk.of(commune)
        desk = Desk(address=current.address if address is None else address.strip(),
                    hours=current.hours if hours is None else hours.strip(),
                    contact=current.contact if contact is None else contact.strip())
        commune.settings = {**(commune.settings or {}),
                            DESK_SETTING: {"address": desk.address, "hours": desk.hours,
                                           "contact": desk.contact}}
        await self.session.flush()
        return desk
