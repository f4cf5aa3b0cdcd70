"""`python -m bot communes import --province NAME_OR_CODE` and `communes villages CODE FILE`:
the same imports as the operations room's province pages, in English."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from services.audit import AuditEntries
from services.communes import Communes
from services.province import Province, ProvinceError, find_province

EN = Translator("en")


def _failed(error: ProvinceError) -> int:
    print(EN(error.key, **error.values), file=sys.stderr)
    return 1


async def national_import(session: AsyncSession, args: argparse.Namespace) -> int:
    try:
        province = find_province(args.province)
    except ProvinceError as error:
        return _failed(error)
    counts = await Province(session).import_national(province)
    await AuditEntries(session).record(None, "province.import", target=province.code,
                                       added=counts.added, updated=counts.updated)
    print(EN("province.imported", province=province.name, added=counts.added,
             updated=counts.updated, unchanged=counts.unchanged))
    return 0


async def villages_import(session: AsyncSession, args: argparse.Namespace) -> int:
    commune = await Communes(session).by_code(args.code)
    if commune is None:
        print(f"No commune with code {args.code!r} (see `python -m bot communes list`).",
              file=sys.stderr)
        return 1
    try:
        counts = await Province(session).import_villages(commune, args.file.read_bytes())
    except OSError as error:
        print(f"Cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    except ProvinceError as error:
        return _failed(error)
    await AuditEntries(session).record(None, "province.villages", commune_id=commune.id,
                                       added=counts.added, updated=counts.updated)
    for key, values in counts.warnings:
        print(EN(key, **values), file=sys.stderr)
    print(EN("province.villages_imported", added=counts.added, updated=counts.updated,
             unchanged=counts.unchanged))
    return 0
