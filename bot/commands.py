"""The CLI's commands, one coroutine each: `(args, settings) -> exit code`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import commands_province
from bot.app import App
from bot.channels.console import ConsoleTerminal
from bot.cli import install_stop_signals
from bot.migrate import upgrade
from bot.settings import Settings
from locales import Translator
from services.audit import AuditEntries
from services.communes import (
    PROFILE_FIELDS,
    CommuneImportError,
    Communes,
    ProfileError,
    set_profile,
)
from services.db import Database
from services.models import ROLE_CITIZEN, User
from services.users import Users

log = logging.getLogger(__name__)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    settings.require_for_run()
    app = App(settings)
    stop = asyncio.Event()
    install_stop_signals(stop)
    try:
        await app.start()
    except BaseException:  # a token refused at start-up: close what was opened, then say so
        await app.stop()
        raise
    # What start-up built (catalogues, search index, modules) lives as long as the process:
    # keep it out of the collector, so a full collection scans only the objects of serving.
    gc.collect()
    gc.freeze()
    try:
        await stop.wait()
    finally:
        await app.stop()
    return 0


async def console(args: argparse.Namespace, settings: Settings) -> int:
    app = App(settings.model_copy(update={"telegram_bot_token": None,
                                          "zalo_bot_token": None}))
    # The jobs run as in the server (a voice notice's audio, scheduled notices, surveys); the
    # terminal sends and prints what they queue.
    await app.start(serve_http=False, sender=False)
    user_id = "official" if args.as_official and args.user == "citizen" else args.user
    t = Translator(settings.default_language)
    if args.as_official:
        async with app.db.transaction() as session:
            commune = (await Communes(session).all())[0]
            users = Users(session)
            user, _ = await users.get_or_create("console", user_id)
            await users.grant_official(user, commune.id)
            print(f"(Anh/chị đang là cán bộ của {commune.name}.)")
    terminal = ConsoleTerminal(app.processor, app.sender, app.console, args.files,
                               lambda text: print(text, flush=True), t, user_id=user_id)
    print("Thôn Số — trò chuyện thử trong cửa sổ dòng lệnh. Gõ số để chọn, "
          "/help để xem lệnh, Ctrl+D để thoát.")
    print(t("officials.console.intro", folder=str(args.files)) + "\n")
    ticker = asyncio.create_task(_tick(terminal))
    try:
        await terminal.line(b"/start")
        while line := await asyncio.to_thread(sys.stdin.buffer.readline):
            await terminal.line(line)
        await terminal.tick()
    finally:
        ticker.cancel()
        await app.stop()
    return 0


async def _tick(terminal: ConsoleTerminal) -> None:
    while True:
        await asyncio.sleep(0.5)
        await terminal.tick()


async def migrate(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    print("Schema is up to date.")
    return 0


async def communes(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.transaction() as session:
            service = Communes(session)
            if args.action == "import" and args.province:
                return await commands_province.national_import(session, args)
            if args.action == "villages":
                return await commands_province.villages_import(session, args)
            if args.action == "import":
                if args.file is None:
                    print("Give a CSV file or --province NAME_OR_CODE.", file=sys.stderr)
                    return 2
                try:
                    content = args.file.read_text(encoding="utf-8")
                    report = await service.import_csv(content)
                except (OSError, UnicodeDecodeError, CommuneImportError) as error:
                    print(f"Cannot import {args.file}: {error}", file=sys.stderr)
                    return 1
                await AuditEntries(session).record(None, "communes_import", target=str(args.file),
                                                   added=report.communes_added,
                                                   updated=report.communes_updated)
                print(f"Communes added: {report.communes_added}, updated: "
                      f"{report.communes_updated}, villages added: {report.villages_added}"
                      + ("; demo commune removed" if report.demo_removed else ""))
                return 0
            if args.action == "profile":
                return await _profile(session, args)
            rows = await service.all()
            if not rows:
                print("No communes yet.")
            for commune in rows:
                villages = ", ".join(v.name for v in commune.villages) or "—"
                print(f"{commune.id:>4}  {commune.code:<8} {commune.name} "
                      f"({commune.district}, {commune.province}): {villages}")
            return 0
    finally:
        await db.dispose()


async def _profile(session: AsyncSession, args: argparse.Namespace) -> int:
    """Show the commune office's profile, or change the fields given."""
    commune = await Communes(session).by_code(args.code)
    if commune is None:
        print(f"No commune with code {args.code}.", file=sys.stderr)
        return 1
    changes = {name: getattr(args, name) for name in PROFILE_FIELDS
               if getattr(args, name) is not None}
    if changes:
        try:
            set_profile(commune, **changes)
        except ProfileError as error:
            print(f"Not changed: {error}", file=sys.stderr)
            return 1
        await AuditEntries(session).record(None, "commune_profile", commune_id=commune.id,
                                           fields=sorted(changes))
    for name in PROFILE_FIELDS:
        print(f"{name:15} {getattr(commune, name) or '—'}")
    return 0


async def roles(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.transaction() as session:
            users, audit = Users(session), AuditEntries(session)
            if args.action == "list":
                rows = await session.scalars(
                    select(User).where(User.role != ROLE_CITIZEN).order_by(User.id))
                for user in rows:
                    print(f"{user.channel}:{user.external_id}  {user.role}  "
                          f"commune={user.official_commune_id or '-'}")
                return 0
            user, _ = await users.get_or_create(args.channel, args.user)
            ref = f"{args.channel}:{args.user}"
            if args.action == "revoke":
                await users.revoke(user)
                await audit.record(None, "revoke", target=ref)
                print(f"{ref} is now a citizen.")
                return 0
            if args.admin:
                await users.grant_admin(user)
                await audit.record(None, "grant_admin", target=ref)
                print(f"{ref} is now a province admin.")
                return 0
            commune = await Communes(session).by_code(args.commune)
            if commune is None:
                print(f"No commune with code {args.commune!r} "
                      "(see `python -m bot communes list`).", file=sys.stderr)
                return 1
            await users.grant_official(user, commune.id)
            await audit.record(None, "grant_official", commune_id=commune.id, target=ref)
            print(f"{ref} is now an official of {commune.name}.")
            return 0
    finally:
        await db.dispose()


async def webhook(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.telegram import make_bot

    token = settings.token()
    if not token:
        print("Configuration error: TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    bot = make_bot(token, settings.telegram_api_base_url)
    async with bot:
        if args.action == "delete":
            await bot.delete_webhook()
            print("Webhook deleted.")
            return 0
        info = await bot.get_webhook_info()
        print(f"url: {info.url or '(none)'}\npending updates: {info.pending_update_count}\n"
              f"last error: {info.last_error_message or '-'}")
    return 0
