"""CLI commands for the procedure catalogue and its QR posters:
`procedures import|search|list|desk` and `qr`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.migrate import upgrade
from bot.settings import Settings
from handlers.procedures import poster_for
from services import qr as posters
from services.audit import AuditEntries
from services.communes import Communes
from services.db import Database
from services.legacy_text import repair
from services.models import Commune
from services.procedures.catalogue import load_catalogue
from services.procedures.search import Match
from services.procedures.store import Desk, Procedures
from services.procedures.tthc import ImportResult, load_path


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    procedures = sub.add_parser("procedures", help="the catalogue of administrative procedures")
    procedures.set_defaults(module=__name__)
    actions = procedures.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = actions.add_parser("import", help="import records in the national procedure "
                                            "database's JSON format (a file or a folder)")
    imp.add_argument("path", type=Path)
    imp.add_argument("--all-levels", action="store_true",
                     help="also import procedures that are not commune-level (isWard=false)")
    search = actions.add_parser("search", help="rank procedures for a question")
    search.add_argument("question", help='the question, or "-" to read one per line from stdin')
    search.add_argument("--json", action="store_true",
                        help="print JSON (JSON Lines when reading from stdin)")
    search.add_argument("--limit", type=int, default=3, help="candidates to show (default 3)")
    listing = actions.add_parser("list", help="list the procedures in the database")
    listing.add_argument("--json", action="store_true")
    desk = actions.add_parser("desk", help="show or set a commune's one-stop desk "
                                           "(address, opening hours, contact)")
    desk.add_argument("commune", help="commune code (or id)")
    desk.add_argument("--address")
    desk.add_argument("--hours")
    desk.add_argument("--contact")

    qr_parser = sub.add_parser("qr", help="QR posters: an A4 PDF for a commune, or PNGs")
    qr_parser.set_defaults(module=__name__)
    target = qr_parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--commune", help="commune code (or id): one A4 PDF sheet of its set")
    target.add_argument("--all", action="store_true", help="one PNG poster per procedure")
    qr_parser.add_argument("--out", type=Path, required=True,
                         help="the PDF file (--commune) or a folder (--all)")
    qr_parser.add_argument("--bot", help="bot username for the links "
                                       "(default: QR_BOT_USERNAME or a placeholder)")


@asynccontextmanager
async def catalogue_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A unit of work on an up-to-date schema with the shipped catalogue applied."""
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.transaction() as session:
            await Procedures(session).seed(load_catalogue())
            yield session
    finally:
        await db.dispose()


async def procedures(args: argparse.Namespace, settings: Settings) -> int:
    async with catalogue_session(settings) as session:
        store = Procedures(session)
        if args.action == "import":
            loaded = await asyncio.to_thread(read_records, args.path, not args.all_levels)
            return await import_records(session, args.path, loaded) if loaded else 1
        if args.action == "search":
            if args.question == "-":
                return await search_lines(store, sys.stdin, sys.stdout, args.limit)
            matches = await store.search(clean(args.question), limit=args.limit)
            print(json.dumps(as_json(matches), ensure_ascii=False) if args.json
                  else table(matches))
            return 0
        if args.action == "list":
            rows = await store.all()
            if args.json:
                print(json.dumps([{"code": p.code, "name": p.name, "field": p.field}
                                  for p in rows], ensure_ascii=False, indent=1))
            else:
                for procedure in rows:
                    print(f"{procedure.code:<12} {procedure.field[:24]:<24} {procedure.name}")
                print(f"{len(rows)} procedures")
            return 0
        return await desk_command(session, args)


def clean(question: str) -> str:
    """The question as the bot reads it (legacy 8-bit encodings repaired)."""
    return repair(question) or question


def as_json(matches: Iterable[Match]) -> list[dict[str, object]]:
    return [{"code": m.code, "name": m.name, "score": round(float(m.score), 4)}
            for m in matches]


def table(matches: list[Match]) -> str:
    if not matches:
        return "No procedure matches."
    lines = [f"{'#':>2}  {'score':>6}  {'code':<12} name"]
    lines += [f"{rank:>2}  {m.score:>6.3f}  {m.code:<12} {m.name}"
              for rank, m in enumerate(matches, start=1)]
    return "\n".join(lines)


async def search_lines(store: Procedures, source: TextIO, out: TextIO, limit: int) -> int:
    """One JSON list per input line, in order (JSON Lines)."""
    for line in source:
        question = line.rstrip("\n")
        matches = await store.search(clean(question), limit=limit) if question.strip() else []
        out.write(json.dumps(as_json(matches), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def read_records(path: Path, commune_only: bool) -> ImportResult | None:
    if not path.exists():
        print(f"Cannot import {path}: no such file or folder", file=sys.stderr)
        return None
    return load_path(path, commune_only=commune_only)


async def import_records(session: AsyncSession, path: Path, loaded: ImportResult) -> int:
    report = await Procedures(session).upsert(loaded.procedures)
    names = {p.code: p.name for p in loaded.procedures}
    for code in report.added:
        print(f"added      {code:<12} {names[code]}")
    for code, fields in report.changed:
        print(f"changed    {code:<12} {names[code]} ({', '.join(fields)})")
    for code in report.unchanged:
        print(f"unchanged  {code:<12} {names[code]}")
    for skipped in loaded.skipped:
        print(f"skipped    {skipped.source}: {skipped.reason}")
    print(f"Added: {len(report.added)}, changed: {len(report.changed)}, "
          f"unchanged: {len(report.unchanged)}, skipped: {len(loaded.skipped)}")
    await AuditEntries(session).record(None, "procedures_import", target=str(path)[:200],
                                added=len(report.added), changed=len(report.changed),
                                skipped=len(loaded.skipped))
    return 0 if loaded.procedures or not loaded.skipped else 1


async def find_commune(session: AsyncSession, key: str) -> Commune | None:
    communes = Communes(session)
    commune = await communes.by_code(key)
    if commune is None and key.isdigit():
        commune = await communes.get(int(key))
    return commune


async def desk_command(session: AsyncSession, args: argparse.Namespace) -> int:
    commune = await find_commune(session, args.commune)
    if commune is None:
        print(f"No commune {args.commune!r} (see `python -m bot communes list`).",
              file=sys.stderr)
        return 1
    if args.address is None and args.hours is None and args.contact is None:
        desk = Desk.of(commune)
    else:
        desk = await Procedures(session).set_desk(commune, address=args.address,
                                                  hours=args.hours, contact=args.contact)
        await AuditEntries(session).record(None, "procedures_desk", commune_id=commune.id,
                                    target=commune.code)
    print(f"{commune.name}\n  address: {desk.address or '-'}\n  hours:   {desk.hours or '-'}"
          f"\n  contact: {desk.contact or '-'}")
    return 0


async def qr(args: argparse.Namespace, settings: Settings) -> int:
    bot = posters.bot_name(args.bot or settings.qr_bot_username)
    if bot == posters.PLACEHOLDER_BOT:
        print(f"note: links point to @{bot}; pass --bot USERNAME (or set QR_BOT_USERNAME)",
              file=sys.stderr)
    async with catalogue_session(settings) as session:
        procedures = await Procedures(session).all()
        zalo = settings.qr_zalo_link or None
        if args.all:
            # One commune served: its own name on the posters, not the generic heading.
            communes = await Communes(session).all()
            only = communes[0] if len(communes) == 1 else None
            args.out.mkdir(parents=True, exist_ok=True)
            bar = ProgressBar(len(procedures), "posters")
            for procedure in procedures:
                poster = poster_for(procedure, only, bot, zalo)
                (args.out / f"qr_{procedure.code}.png").write_bytes(posters.poster_png(poster))
                bar.step()
            bar.close()
            print(f"{len(procedures)} posters in {args.out}")
            return 0
        commune = await find_commune(session, args.commune)
        if commune is None:
            print(f"No commune {args.commune!r} (see `python -m bot communes list`).",
                  file=sys.stderr)
            return 1
        sheet = [poster_for(p, commune, bot, zalo) for p in procedures]
        bar = ProgressBar(len(sheet), "sheet")
        pdf = posters.sheet_pdf(sheet, heading=f"{commune.name} — mã QR thủ tục hành chính",
                                on_drawn=bar.step)
        bar.close()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(pdf)
        pages = -(-len(sheet) // posters.PER_PAGE)
        print(f"{len(sheet)} procedures on {pages} A4 pages: {args.out}")
        return 0


class ProgressBar:
    """A progress bar on stderr."""

    def __init__(self, total: int, label: str, width: int = 30) -> None:
        self.total, self.label, self.width, self.done = total, label, width, 0

    def step(self) -> None:
        self.done += 1
        filled = self.width * self.done // max(self.total, 1)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                         f"{self.done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
