"""`report --commune ID --month YYYY-MM --out FILE.pdf`: the printable monthly report of a
commune for its People's Committee meeting."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.migrate import upgrade
from bot.settings import Settings
from locales import Translator
from services.communes import Communes
from services.db import Database, utcnow
from services.surveys.reporting import report_for
from services.surveys.stats import PeriodError, parse_period, today_local


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report_parser = sub.add_parser("report", help="a commune's monthly report as a PDF")
    report_parser.set_defaults(module=__name__)
    report_parser.add_argument("--commune", required=True, help="commune id or code")
    report_parser.add_argument("--month", required=True, help="the month, YYYY-MM")
    report_parser.add_argument("--out", type=Path, required=True, help="the PDF to write")
    report_parser.add_argument("--lang", default="vi", choices=("vi", "en"))


async def report(args: argparse.Namespace, settings: Settings) -> int:
    # reportlab and matplotlib on first use: every command builds this parser, `run` included.
    from services.surveys.report_pdf import monthly_pdf

    now = utcnow()
    try:
        period = parse_period(args.month, today_local(now))
    except PeriodError:
        print(f"not a month: {args.month!r} (expected YYYY-MM)", file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.transaction() as session:
            communes = Communes(session)
            commune = await communes.by_code(args.commune)
            if commune is None and str(args.commune).isdigit():
                commune = await communes.get(int(args.commune))
            if commune is None:
                print(f"no commune {args.commune!r}", file=sys.stderr)
                return 1
            t = Translator(args.lang)
            data = monthly_pdf(await report_for(session, [commune.id], period, now, t), t, now)
    finally:
        await db.dispose()
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes, {commune.name}, {period.label}")
    return 0
