"""`python -m bot ops …`: a sign-in link for an official, and a local demo of the
operations room on the embedded database."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.cli import install_stop_signals
from bot.settings import Settings
from services.chats import Chats
from services.communes import Communes
from services.db import utcnow
from services.feedback.desk import Desk
from services.feedback.models import FeedbackReport
from services.feedback.service import Draft, FeedbackReports
from services.ops.signin import SignIn, SignInError
from services.text import fold
from services.users import Users

CHANNELS = ("telegram", "zalo", "console")
DEMO_OFFICIAL = "ops-demo"


def add_parsers(sub: Any) -> None:
    parser = sub.add_parser("ops", help="the operations room (web workspace)")
    parser.set_defaults(module="bot.commands_ops")
    ops = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    link = ops.add_parser("link", help="print a one-time sign-in link for an official")
    link.add_argument("user", help="the user's id on the channel")
    link.add_argument("--channel", default="telegram", choices=CHANNELS)
    ops.add_parser("demo", help="serve the operations room on this database and print a "
                                "sign-in link for a demo official")


async def ops(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "link":
        return await _link(args, settings)
    return await _demo(settings)


async def issue_link(app: App, channel: str, external_id: str) -> str:
    """A link for an existing official; SignInError("ops.signin.not_official") otherwise."""
    async with app.db.transaction() as session:
        user = await Users(session).find(channel, external_id)
        if user is None:
            raise SignInError("ops.signin.not_official")
        token = await SignIn(session).issue_link(user, utcnow())
    return f"{app.settings.ops_url()}/signin?t={token}"


async def _link(args: argparse.Namespace, settings: Settings) -> int:
    app = App(settings.model_copy(update={"telegram_bot_token": None}))
    try:
        await app.prepare()
        try:
            print(await issue_link(app, args.channel, args.user))
        except SignInError:
            print(f"{args.channel} user {args.user} is not an official or a province admin: "
                  "grant the role first (python -m bot roles grant …).")
            return 1
    finally:
        await app.stop()
    return 0


DEMO_REPORTS = (
    ("roads", "Ổ gà lớn trước cổng trường tiểu học, trời mưa rất nguy hiểm.", False),
    ("lighting", "Đèn đường đầu thôn tắt ba hôm nay.", False),
    ("water", "Nước sinh hoạt có mùi lạ từ sáng nay.", True),
)


async def _demo_reports(session: Any, commune: Any) -> None:
    """A few reports on an empty desk, so that the demo has something to show."""
    if (await Desk(session, commune.timezone).figures(commune.id, utcnow())).new_today or \
            await session.scalar(select(FeedbackReport.id).limit(1)) is not None:
        return
    for n, (category, text, urgent) in enumerate(DEMO_REPORTS):
        village = commune.villages[n % len(commune.villages)].id if commune.villages else None
        await FeedbackReports(session).file(Draft(commune_id=commune.id, category=category,
                                           description=text, urgent=urgent,
                                           village_id=village, latitude=21.03 + n / 500,
                                           longitude=105.85 + n / 500), None, utcnow())


async def _demo_groups(session: Any, commune: Any) -> None:
    """A console group for the whole commune and one per village, linked as `/link` would,
    so that a notice composed in the demo gets its spoken preview and its delivery report
    (the console channel keeps what it is sent in memory)."""
    if await Chats(session).groups_of(commune.id):
        return
    places = [(None, "ca-xa")] + [(v.id, fold(v.name).replace(" ", "-"))
                                  for v in commune.villages]
    for village_id, slug in places:
        chat = Chats.new("console", f"group-{slug}", type="group", title=slug)
        chat.commune_id, chat.village_id = commune.id, village_id
        session.add(chat)


async def prepare_demo(app: App) -> tuple[str, str]:
    """A demo official of the first commune, a few reports and the commune's groups: the
    commune's name and a one-time sign-in link."""
    async with app.db.transaction() as session:
        commune = (await Communes(session).all())[0]
        users = Users(session)
        official, _ = await users.get_or_create("console", DEMO_OFFICIAL)
        official.onboarded, official.display_name = True, "Cán bộ thử nghiệm"
        await users.grant_official(official, commune.id)
        await _demo_reports(session, commune)
        await _demo_groups(session, commune)
        name = commune.name
    return name, await issue_link(app, "console", DEMO_OFFICIAL)


async def _demo(settings: Settings) -> int:
    """The workspace on the local database, with a demo official of the first commune."""
    app = App(settings.model_copy(update={"telegram_bot_token": None,
                                          "webhook_base_url": None}))
    stop = asyncio.Event()
    install_stop_signals(stop)
    await app.start(serve_http=True)
    try:
        name, link = await prepare_demo(app)
        print(f"Phòng điều hành của {name}: mở đường dẫn sau (dùng một lần, "
              f"trong 10 phút), Ctrl+C để dừng.\n{link}", flush=True)
        await stop.wait()
    finally:
        await app.stop()
    return 0
