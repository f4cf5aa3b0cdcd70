"""Communes and their villages: listing, the demo commune, CSV import."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.models import Commune, Village
from services.text import fold, nfc
from services.users import Users

DEMO_CODE = "00000"
DEMO_NAME = "Xã Thôn Số (thử nghiệm)"
DEMO_VILLAGES = ("Thôn Đông", "Thôn Đoài", "Thôn Trung")
CSV_COLUMNS = ("commune_code", "commune_name", "district", "province", "village_name")


class CommuneImportError(ValueError):
    """A CSV of communes that cannot be imported; the message names the line."""


@dataclass
class ImportReport:
    communes_added: int = 0
    communes_updated: int = 0
    villages_added: int = 0
    demo_removed: bool = False
    lines: list[str] = field(default_factory=list)


PROFILE_FIELDS: dict[str, int] = {"office_address": 300, "office_hours": 300,
                                  "office_phone": 40, "desk_location": 300}
"""The commune office's profile fields and their longest length."""
_PHONE = re.compile(r"[0-9 .+()-]{6,40}")


class ProfileError(ValueError):
    """A profile value that cannot be kept; `field` names it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.field = name


def set_profile(commune: Commune, **values: str | None) -> None:
    """Change some of the office's profile fields (None or "" clears one), all or nothing."""
    clean: dict[str, str | None] = {}
    for name, value in values.items():
        if name not in PROFILE_FIELDS:
            raise ProfileError(name, "not a profile field")
        text = nfc(value).strip() if value else ""
        if len(text) > PROFILE_FIELDS[name]:
            raise ProfileError(name, f"at most {PROFILE_FIELDS[name]} characters")
        if name == "office_phone" and text and not _PHONE.fullmatch(text):
            raise ProfileError(name, "digits, spaces and + . ( ) - only")
        clean[name] = text or None
    for name, kept in clean.items():
        setattr(commune, name, kept)


class Communes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(Commune)) or 0

    async def all(self) -> list[Commune]:
        rows = await self.session.scalars(
            select(Commune).options(selectinload(Commune.villages)).order_by(Commune.name)
        )
        return list(rows)

    async def get(self, commune_id: int) -> Commune | None:
        return await self.session.get(Commune, commune_id, options=[selectinload(Commune.villages)])

    async def by_code(self, code: str) -> Commune | None:
        return await self.session.scalar(
            select(Commune).where(Commune.code == code).options(selectinload(Commune.villages))
        )

    async def village(self, village_id: int) -> Village | None:
        return await self.session.get(Village, village_id)

    async def village_names(self) -> dict[int, str]:
        """Every village's name by its id (for reports over many rows)."""
        return {v.id: v.name for v in await self.session.scalars(select(Village))}

    async def find(self, query: str, limit: int = 8) -> list[Commune]:
        """Communes whose folded name contains every folded word of the query."""
        wanted = fold(query).split()
        found = [c for c in await self.all() if all(w in fold(c.name) for w in wanted)]
        return found[:limit]

    async def ensure_demo(self) -> Commune | None:
        """Create the demo commune when there is no commune at all; return it if created."""
        if await self.count():
            return None
        commune = Commune(code=DEMO_CODE, name=DEMO_NAME, district="Huyện Mẫu",
                          province="Tỉnh Mẫu", is_demo=True,
                          villages=[Village(name=name) for name in DEMO_VILLAGES])
        self.session.add(commune)
        await self.session.flush()
        return commune

    async def import_csv(self, content: str) -> ImportReport:
        """Upsert communes and villages from CSV rows (one row per village).

        Columns: commune_code, commune_name, district, province, village_name (village_code
        optional). The first import removes the demo commune.
        """
        reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CommuneImportError(f"missing column(s): {', '.join(missing)}")
        report = ImportReport()
        rows = list(reader)
        if not rows:
            raise CommuneImportError("no rows")
        for number, row in enumerate(rows, start=2):
            code = (row.get("commune_code") or "").strip()
            name = (row.get("commune_name") or "").strip()
            if not code or not name:
                raise CommuneImportError(
                    f"line {number}: commune_code and commune_name are required")
        demo = await self.by_code(DEMO_CODE)
        if demo is not None and demo.is_demo:
            await Users(self.session).revoke_officials_of(demo.id)
            await self.session.execute(delete(Commune).where(Commune.id == demo.id))
            for gone in (*demo.villages, demo):  # deleted by the database, not by the session
                self.session.expunge(gone)
            report.demo_removed = True
        seen: dict[str, Commune] = {}
        for row in rows:
            code = row["commune_code"].strip()
            commune = seen.get(code) or await self.by_code(code)
            if commune is None:
                commune = Commune(code=code, name=row["commune_name"].strip(), villages=[])
                self.session.add(commune)
                report.communes_added += 1
            elif code not in seen:
                report.communes_updated += 1
            commune.name = row["commune_name"].strip()
            commune.district = (row.get("district") or "").strip()
            commune.province = (row.get("province") or "").strip()
            seen[code] = commune
            village = (row.get("village_name") or "").strip()
            if village and village not in {v.name for v in commune.villages}:
                commune.villages.append(
                    Village(name=village, code=(row.get("village_code") or "").strip())
                )
                report.villages_added += 1
        await self.session.flush()
        return report
