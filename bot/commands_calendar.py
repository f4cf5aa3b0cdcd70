"""`calendar set|clear|list`: the days the public holidays do not tell, nationally (a Saturday
worked in exchange for a day off, as the government decides each year) or for one commune
(its own day off)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.migrate import upgrade
from bot.settings import Settings
from services.audit import AuditEntries
from services.calendars import Calendars
from services.communes import Communes
from services.db import Database


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    actions = sub.add_parser("calendar", help="swapped working days and communes' days off")
    actions.set_defaults(module=__name__)
    action = actions.add_subparsers(dest="action", required=True, metavar="ACTION")
    set_day = action.add_parser("set", help="make a day a working day or a day off")
    set_day.add_argument("day", type=date.fromisoformat, help="YYYY-MM-DD")
    kind = set_day.add_mutually_exclusive_group(required=True)
    kind.add_argument("--working", action="store_true", help="offices open (ngày làm bù)")
    kind.add_argument("--off", action="store_true", help="offices closed (nghỉ bù, local)")
    set_day.add_argument("--note", default="", help="why (a decision's number, a festival)")
    clear = action.add_parser("clear", help="give a day back to the public calendar")
    clear.add_argument("day", type=date.fromisoformat, help="YYYY-MM-DD")
    listing = action.add_parser("list", help="the changed days")
    for parser in (set_day, clear, listing):
        parser.add_argument("--commune", help="commune code (default: every commune)")


async def calendar(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.transaction() as session:
            commune = await Communes(session).by_code(args.commune) if args.commune else None
            if args.commune and commune is None:
                print(f"No commune with code {args.commune!r} "
                      "(see `python -m bot communes list`).", file=sys.stderr)
                return 1
            commune_id = commune.id if commune else None
            where = commune.name if commune else "every commune"
            calendars = Calendars(session)
            if args.action == "list":
                for row in await calendars.days(commune_id):
                    print(f"{row.day}  {'working' if row.working else 'off':<7}  {row.note}")
                return 0
            if args.action == "set":
                await calendars.set_day(args.day, working=args.working, commune_id=commune_id,
                                        note=args.note)
                done = f"{args.day} is a {'working day' if args.working else 'day off'}"
            elif await calendars.clear_day(args.day, commune_id):
                done = f"{args.day} follows the public calendar again"
            else:
                print(f"{args.day} was not changed for {where}.")
                return 0
            await AuditEntries(session).record(None, f"calendar_{args.action}",
                                               commune_id=commune_id,
                                               target=args.day.isoformat())
            print(f"{done} for {where}.")
            return 0
    finally:
        await db.dispose()
