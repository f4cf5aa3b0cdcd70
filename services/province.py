"""A province's communes from the national list of administrative units, villages from a CSV
per commune, and removing a commune.

Since 1 July 2025 local government has two levels: the province, then the commune, ward or
special zone (no districts). The list comes from the `vietnam-provinces` package (its 2025
two-level data: `Province`, `Ward.iter_by_province`). Every import checks everything first and
changes nothing when something is wrong: an import is all or nothing. Errors carry a catalogue
key (`province.err.*`) so the web page and the CLI say the same thing.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.communes import DEMO_CODE, Communes
from services.feedback.models import FeedbackReport
from services.filing.models import Filing
from services.legacy_text import foreign_count, repair
from services.models import Commune, User, Village
from services.notices.models import Notice
from services.text import fold, nfc
from services.users import Users

MAX_VILLAGE_ROWS = 2000
"""A commune has tens to a few hundred villages; a longer file is the wrong file."""
MAX_VILLAGE_BYTES = 512 * 1024
VILLAGE_COLUMNS = ("village_name", "village_code")
IGNORED_COLUMNS = ("district",)
"""Columns of the old (three-level) CSV that are accepted and not used."""
OLD_COLUMNS = ("commune_code", "commune_name", "province")
"""Columns of the old CSV that must agree with the commune when given."""


class ProvinceError(ValueError):
    """An import that cannot be done; `key` and `values` say what to fix."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(f"{key} {values}")
        self.key, self.values = key, values


@dataclass(frozen=True)
class NationalUnit:
    code: str
    name: str
    kind: str
    """xã, phường or đặc khu."""


@dataclass(frozen=True)
class NationalProvince:
    code: str
    name: str
    units: tuple[NationalUnit, ...]


@dataclass
class ImportCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def _bare(name: str) -> str:
    """A province's name without its kind, folded: "Thành phố Hà Nội" → "ha noi"."""
    folded = fold(name)
    for prefix in ("thanh pho ", "tinh "):
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def national_provinces() -> list[tuple[str, str]]:
    """(code, name) of every province in the national list, by code."""
    from vietnam_provinces import Province

    return sorted((f"{int(p.code):02d}", p.name) for p in Province.iter_all())


def find_province(query: str) -> NationalProvince:
    """The province a name or code means; one match or a ProvinceError that lists them."""
    from vietnam_provinces import Province, Ward

    wanted = nfc(query).strip()
    if not wanted:
        raise ProvinceError("province.err.empty")
    provinces = list(Province.iter_all())
    if wanted.isdigit():
        found = [p for p in provinces if int(p.code) == int(wanted)]
    else:
        bare = _bare(wanted)
        found = [p for p in provinces if _bare(p.name) == bare] \
            or [p for p in provinces if bare in _bare(p.name)]
    if not found:
        raise ProvinceError("province.err.none", query=wanted[:60])
    if len(found) > 1:
        raise ProvinceError("province.err.many", query=wanted[:60],
                            names=", ".join(sorted(p.name for p in found)))
    [province] = found
    units = tuple(NationalUnit(code=f"{int(w.code):05d}", name=w.name,
                               kind=str(w.division_type.value))
                  for w in sorted(Ward.iter_by_province(province.code), key=lambda w: w.name))
    return NationalProvince(code=f"{int(province.code):02d}", name=province.name, units=units)


class Province:
    """Imports into the communes table; the caller's transaction makes them all or nothing."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def import_national(self, province: NationalProvince) -> ImportCounts:
        """Add the province's communes by their official codes; a re-import updates names."""
        counts = ImportCounts()
        await self._remove_demo()
        existing = {c.code: c for c in await self.session.scalars(
            select(Commune).where(Commune.code.in_([u.code for u in province.units])))}
        for unit in province.units:
            commune = existing.get(unit.code)
            if commune is None:
                self.session.add(Commune(code=unit.code, name=unit.name, district="",
                                         province=province.name))
                counts.added += 1
            elif (commune.name, commune.province, commune.district) != \
                    (unit.name, province.name, ""):
                commune.name, commune.province, commune.district = unit.name, province.name, ""
                counts.updated += 1
            else:
                counts.unchanged += 1
        await self.session.flush()
        return counts

    async def _remove_demo(self) -> None:
        demo = await Communes(self.session).by_code(DEMO_CODE)
        if demo is None or not demo.is_demo:
            return
        await Users(self.session).revoke_officials_of(demo.id)
        await self.session.execute(delete(Commune).where(Commune.id == demo.id))
        for gone in (*demo.villages, demo):  # deleted by the database, not by the session
            self.session.expunge(gone)

    async def import_villages(self, commune: Commune, data: bytes) -> ImportCounts:
        """Villages (thôn, tổ dân phố) of one commune from a CSV: matched by code, else by
        name, so a re-import renames and never duplicates; villages not in the file stay
        (reports point at them)."""
        rows, counts = parse_villages(data, commune)
        by_code = {v.code: v for v in commune.villages if v.code}
        by_name = {fold(v.name): v for v in commune.villages}
        for name, code in rows:
            village = (by_code.get(code) if code else None) or by_name.get(fold(name))
            if village is None:
                commune.villages.append(Village(name=name, code=code))
                counts.added += 1
            elif (village.name, village.code) != (name, code or village.code):
                village.name, village.code = name, code or village.code
                counts.updated += 1
            else:
                counts.unchanged += 1
        await self.session.flush()
        return counts

    async def removal_refused(self, commune: Commune) -> str | None:
        """Why a commune may not be removed (a catalogue key), or None."""
        checks = (
            ("province.remove.reports", select(func.count()).select_from(FeedbackReport)
             .where(FeedbackReport.commune_id == commune.id)),
            ("province.remove.filings", select(func.count()).select_from(Filing)
             .where(Filing.commune_id == commune.id)),
            ("province.remove.notices", select(func.count()).select_from(Notice)
             .where(Notice.commune_id == commune.id)),
            ("province.remove.users", select(func.count()).select_from(User).where(
                or_(User.commune_id == commune.id, User.official_commune_id == commune.id))),
        )
        for key, query in checks:
            if await self.session.scalar(query):
                return key
        return None

    async def remove(self, commune: Commune) -> None:
        """Remove a commune `removal_refused` allows (its villages go with it)."""
        await self.session.delete(commune)
        await self.session.flush()


def decode(data: bytes) -> str:
    """A commune's file as text: UTF-8 (with or without BOM), Windows-1258, or TCVN3/VNI
    (repaired from their Windows-1252 look); NFC. A file none of these reads is refused."""
    try:
        return nfc(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    candidates: list[str] = []
    try:
        candidates.append(unicodedata.normalize("NFC", data.decode("cp1258")))
    except UnicodeDecodeError:
        pass
    latin = data.decode("cp1252", errors="replace").replace("\ufffd", "")
    repaired = repair(data.decode("latin-1"))
    candidates.extend(text for text in (repaired, latin) if text)
    best = min(candidates, key=_legacy_signs)
    if _legacy_signs(best):
        raise ProvinceError("province.err.encoding")
    return best


def _legacy_signs(text: str) -> int:
    """Signs the text was read in the wrong encoding: foreign letters, tone marks left
    uncombined, and TCVN3's « (ô) inside a word."""
    loose = sum(unicodedata.combining(ch) > 0 for ch in text)
    inside = sum(ch in "«»" and (a.isalpha() or b.isalpha())
                 for a, ch, b in zip(" " + text, text, text[1:] + " ", strict=False))
    return foreign_count(text) + loose + inside


def parse_villages(data: bytes, commune: Commune) -> tuple[list[tuple[str, str]], ImportCounts]:
    """(name, code) of every row, checked all together before anything is stored."""
    if len(data) > MAX_VILLAGE_BYTES:
        raise ProvinceError("province.err.too_many", limit=MAX_VILLAGE_ROWS)
    reader = csv.DictReader(io.StringIO(decode(data)))
    columns = [(c or "").strip().lower() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    unknown = [c for c in columns if c not in (*VILLAGE_COLUMNS, *IGNORED_COLUMNS, *OLD_COLUMNS)]
    if unknown:
        raise ProvinceError("province.err.columns", unknown=", ".join(unknown)[:200],
                            known=", ".join(VILLAGE_COLUMNS))
    if "village_name" not in columns:
        raise ProvinceError("province.err.no_name_column")
    counts = ImportCounts()
    if "district" in columns:
        counts.warnings.append(("province.warn.district", {}))
    rows: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if len(rows) >= MAX_VILLAGE_ROWS:
            raise ProvinceError("province.err.too_many", limit=MAX_VILLAGE_ROWS)
        name = " ".join((row.get("village_name") or "").split())
        code = (row.get("village_code") or "").strip()
        if not name and not code and not any((v or "").strip() for v in row.values()
                                             if isinstance(v, str)):
            continue  # a blank line
        if not name or len(name) > 200 or len(code) > 40:
            raise ProvinceError("province.err.row", line=line)
        _check_commune(row, commune, line)
        if fold(name) in seen:
            raise ProvinceError("province.err.duplicate", name=name, line=line,
                                first=seen[fold(name)])
        seen[fold(name)] = line
        rows.append((name, code))
    if not rows:
        raise ProvinceError("province.err.no_rows")
    return rows, counts


def _check_commune(row: dict[str, str], commune: Commune, line: int) -> None:
    code = (row.get("commune_code") or "").strip()
    if code and code.lstrip("0") != commune.code.lstrip("0"):
        raise ProvinceError("province.err.other_commune", line=line, code=code[:20],
                            commune=commune.code)
