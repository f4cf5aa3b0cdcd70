"""`python -m bot …` (also `thonso …`): serve, chat in the console, administer."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.logs import keep_secrets_out_of_logs
from bot.settings import ConfigError, Settings, load_settings

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="thonso", description="Thôn Số chatbot")
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="serve: Telegram webhook (WEBHOOK_BASE_URL set) or polling")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--as-official", action="store_true",
                         help="talk as an official of the first commune")
    console.add_argument("--user", default="citizen", help="console user id (default: citizen)")
    console.add_argument("--files", type=Path, default=Path("console-files"),
                         help="folder for the files the bot sends (default: console-files)")
    sub.add_parser("migrate", help="upgrade the database schema to the latest revision")

    communes = sub.add_parser("communes", help="communes and villages").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    imp = communes.add_parser("import", help="import a province's communes from the national "
                                             "list, or a CSV of communes and villages")
    imp.add_argument("file", type=Path, nargs="?", help="CSV with columns commune_code, "
                                                        "commune_name, province, village_name")
    imp.add_argument("--province", help="province name or code in the national list "
                                        "(two levels since 1 July 2025)")
    villages = communes.add_parser("villages", help="import a commune's villages from a CSV "
                                                    "(village_name, village_code)")
    villages.add_argument("code", help="commune code")
    villages.add_argument("file", type=Path)
    communes.add_parser("list", help="list communes and their villages")
    profile = communes.add_parser("profile", help="show or set the commune office's address, "
                                                  "hours, phone and one-stop desk")
    profile.add_argument("code", help="commune code")
    profile.add_argument("--address", dest="office_address")
    profile.add_argument("--hours", dest="office_hours", help='e.g. "7h30–11h30, 13h30–17h"')
    profile.add_argument("--phone", dest="office_phone")
    profile.add_argument("--desk", dest="desk_location", help="where the one-stop desk is")

    roles = sub.add_parser("roles", help="official and admin roles").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    grant = roles.add_parser("grant", help="make a user an official of a commune, or an admin")
    grant.add_argument("user", help="user id on the channel (Telegram user id)")
    grant.add_argument("--channel", default="telegram", choices=("telegram", "zalo", "console"))
    target = grant.add_mutually_exclusive_group(required=True)
    target.add_argument("--commune", help="commune code: make the user its official")
    target.add_argument("--admin", action="store_true", help="make the user a province admin")
    revoke = roles.add_parser("revoke", help="make a user a plain citizen again")
    revoke.add_argument("user")
    revoke.add_argument("--channel", default="telegram", choices=("telegram", "zalo", "console"))
    roles.add_parser("list", help="list officials and admins")

    webhook = sub.add_parser("webhook", help="Telegram webhook").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    webhook.add_parser("info", help="show what Telegram knows of the webhook")
    webhook.add_parser("delete", help="remove the webhook (for polling)")

    zalo = sub.add_parser("zalo", help="Zalo Bot API").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    zalo_info = zalo.add_parser("info", help="show the Zalo bot (getMe) and its webhook")
    zalo_info.set_defaults(module="bot.commands_zalo")

    from bot.commands_ops import add_parsers as add_ops_parsers
    add_ops_parsers(sub)
    from bot.commands_procedures import add_parsers as add_procedure_parsers
    add_procedure_parsers(sub)
    from bot.commands_report import add_parsers as add_report_parsers
    add_report_parsers(sub)
    from bot.commands_calendar import add_parsers as add_calendar_parsers
    add_calendar_parsers(sub)
    from bot.commands_understand import add_parsers as add_understand_parsers
    add_understand_parsers(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        keep_secrets_out_of_logs(settings)
        # APScheduler logs every run of every job at INFO: twice a second for the notices.
        for noisy in ("alembic", "httpx", "aiohttp.access", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        commands = importlib.import_module(getattr(args, "module", "bot.commands"))
        handler: Command = getattr(commands, args.command)
        with asyncio.Runner(loop_factory=loop_factory(args.command)) as runner:
            return runner.run(handler(args, settings))
    except ConfigError as error:
        print(error.code, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def loop_factory(command: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The server runs on uvloop where it is installed (about an eighth less CPU per update,
    see bench/webhook.py); everything else on the standard loop."""
    if command != "run":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - not on this platform
            pass
