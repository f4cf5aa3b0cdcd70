"""Who may do what: every official command (and, below, every official button) tried by a
citizen, by an official of another commune and by an official whose role was revoked. Each is
refused, audited, and changes nothing. A command added without a role, or an official command
this table does not know, fails here until someone decides who may use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from handlers import build_router
from locales import Translator
from services.communes import Communes
from services.db import Base, utcnow
from services.feedback.service import Draft, FeedbackReports
from services.filing.models import Filing
from services.models import AuditEntry, Commune, Conversation, Village
from services.notices.service import Notices
from services.surveys.models import SCALE
from services.surveys.service import QuestionSpec, Surveys
from services.users import Users
from tests.helpers import console_app, session

# Commands anyone may use: a new one must be added here on purpose, or be given a role.
CITIZEN_COMMANDS = {"start", "menu", "help", "cancel", "huy", "lang", "settings", "privacy",
                    "feedback", "phananh", "myfeedback", "track", "dossier", "hoso", "whoami"}

# Every official or admin command with arguments naming another commune's objects; those
# without an object act in the official's own commune, so only a role can refuse them.
TARGETED = {
    "fb": "{report}", "reply": "{report} Đã sửa xong", "status": "{report} resolved",
    "assign": "{report} {official}", "note": "{report} ghi chú nội bộ",
    "public": "{report} Ổ gà đã được vá",
    "notice": "{notice}", "cancel_notice": "{notice}", "edit_notice": "{notice}",
    "survey": "{survey}", "khaosat": "{survey}",
    "dossier_status": "{dossier} ready",
}
UNTARGETED = {"announce": "", "notices": "", "inbox": "", "templates": "", "groups": "",
              "stats": "", "thongke": "", "export": "", "filings": "", "qr": "",
              "audit": "", "grant": "{official} --commune 00000", "revoke": "{official}",
              "web": ""}
GROUP_ONLY = {"link", "unlink"}   # refused in private before any role question
UNCHANGING = {"audit_log", "outbox", "processed_updates", "conversations", "users", "chats"}
"""Tables a refused update may write: the refusal itself, its answer, the update's key, the
conversation, the user's last-seen time and the chat."""

DOSSIER = "G22.99-241125-0001"


@dataclass
class World:
    report: str
    notice: int
    survey: int
    official: str
    dossier: str = DOSSIER


async def build_world(app: Any) -> World:
    """Commune A (the demo) with a report, a notice, a survey and a dossier; commune B with
    its own official; a revoked official; a citizen."""
    async with app.db.transaction() as s:
        demo = (await Communes(s).all())[0]
        other = Commune(code="00001", name="Xã Bên Cạnh", villages=[Village(name="Thôn Bên")])
        s.add(other)
        await s.flush()
        users = Users(s)
        official = await users.create("console", "official-a")
        await users.grant_official(official, demo.id)
        neighbour = await users.create("console", "official-b")
        await users.grant_official(neighbour, other.id)
        revoked = await users.create("console", "revoked")
        await users.grant_official(revoked, demo.id)
        await users.revoke(revoked)
        citizen = await users.create("console", "citizen")
        citizen.onboarded = True
        now = utcnow()
        report = await FeedbackReports(s).file(Draft(commune_id=demo.id, category="roads",
                                              description="Ổ gà trước cổng trường",
                                              address="Xóm 2"), None, now)
        notice = await Notices(s).create(official, demo.id, text="Họp thôn tối nay",
                                         recording=None, village_ids=[], priority="normal",
                                         mode="text", schedule="now", cron=None, run_at=None,
                                         now=now)
        survey = await Surveys(s).create(
            demo.id, official, title={"vi": "Đường mới"},
            questions=[QuestionSpec(SCALE, {"vi": "Hài lòng không?"})],
            target={"kind": "commune"}, opens_at=now, closes_at=now + timedelta(days=2))
        s.add(Filing(user_id=citizen.id, commune_id=demo.id, procedure_code="1.001193",
                     procedure_name="Đăng ký khai sinh", step=5, reached=5, skipped=[],
                     checklist=[], status="done", dossier_code=DOSSIER, started_at=now,
                     updated_at=now))
        return World(report=report.code, notice=notice.id, survey=survey.id,
                     official="official-a")


async def snapshot(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a refusal must not touch."""
    rows = {}
    async with app.db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in UNCHANGING:
                continue
            result = await s.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(map(repr, row)) for row in result]
    return rows


async def denials(app: Any) -> int:
    async with app.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.outcome == "denied")) or 0


def test_every_command_has_a_role_or_is_meant_for_everyone() -> None:
    router = build_router()
    for name, command in router.commands.items():
        if command.role == "anyone":
            assert name in CITIZEN_COMMANDS, f"/{name} has no role: give it one or list it"
        else:
            assert name in TARGETED or name in UNTARGETED or name in GROUP_ONLY, \
                f"/{name} is not in the authorization table"
    assert CITIZEN_COMMANDS | set(TARGETED) | set(UNTARGETED) | GROUP_ONLY == \
        set(router.commands), "the table names a command that no longer exists"


@pytest.mark.parametrize("actor", ["citizen", "revoked"])
async def test_official_commands_are_refused_to_a_citizen_and_a_revoked_official(
        database_url: str, actor: str) -> None:
    async with console_app(database_url) as app:
        world = await build_world(app)
        person = session(app, user_id=actor, name="Người thử")
        refusal = Translator("vi")("errors.not_allowed")
        before, denied = await snapshot(app), await denials(app)
        commands = {**TARGETED, **UNTARGETED}
        for name, args in commands.items():
            shown = await person.say(f"/{name} {args.format(**vars(world))}".strip())
            assert [m.text for m in shown if m.chat_id == person.chat_id] == [refusal], name
        assert await denials(app) == denied + len(commands)
        assert await snapshot(app) == before


async def test_another_communes_objects_are_refused_to_its_neighbour(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        world = await build_world(app)
        neighbour = session(app, user_id="official-b", name="Cán bộ xã bên")
        before = await snapshot(app)
        for name, args in TARGETED.items():
            denied = await denials(app)
            shown = await neighbour.say(f"/{name} {args.format(**vars(world))}")
            assert [m for m in shown if m.chat_id == neighbour.chat_id], f"/{name} is silent"
            assert await denials(app) == denied + 1, f"/{name} was not audited as refused"
        assert await snapshot(app) == before


async def test_the_tables_are_read_in_full(database_url: str) -> None:
    """The snapshot sees the rows it guards (a wrong table list would compare nothing)."""
    async with console_app(database_url) as app:
        await build_world(app)
        rows = await snapshot(app)
        assert rows["feedback_reports"] and rows["notices"] and rows["surveys"]
        async with app.db.transaction() as s:
            assert await s.scalar(text("SELECT count(*) FROM filings")) == 1


# Buttons anyone may press (citizens' own flows); every other button needs a role. A new
# button fails the table below until someone decides who may press it.
CITIZEN_BUTTONS = {
    "fb.consent", "fb.cat", "fb.next", "fb.vil", "fb.addr", "fb.urg", "fb.anon", "fb.follow",
    "fb.new", "fb.edit", "fb.send", "fb.cancel", "fb.mine", "fb.rate", "fb.notfixed",
    "fb.still", "fb.nocomment", "menu", "lang", "set.lang", "set.home", "ob.lang",
    "ob.cpage", "ob.commune", "ob.village", "ob.consent", "pv.show", "pv.agree", "pv.export",
    "pv.erase", "pv.confirm", "pr.card", "pr.qr", "pr.example", "fl.start", "fl.walk", "fl.tick",
    "fl.resume", "fl.mute", "fl.status", "fl.rate", "fl.rated", "fl.mine", "sv.answer", "sv.write",
    "sv.skip", "sv.edit", "un.file", "un.cat", "restart",
}


def sample(cls: type[Any]) -> Any:
    """An instance of a button's data with plausible field values."""
    import dataclasses
    import enum
    import typing

    values = {}
    for field in dataclasses.fields(cls):
        kind = typing.get_type_hints(cls)[field.name]
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if typing.get_origin(kind) is typing.Literal:
            values[field.name] = typing.get_args(kind)[0]
        elif args and len(args) == 1:
            values[field.name] = None
        elif isinstance(kind, type) and issubclass(kind, enum.Enum):
            values[field.name] = next(iter(kind))
        else:
            values[field.name] = {int: 1, str: "x", bool: True}[kind]
    return cls(**values)


def test_every_button_has_a_role_or_is_meant_for_everyone() -> None:
    router = build_router()
    prefixes = {data.prefix: router.roles[data] for data in router.buttons}
    for prefix, role in prefixes.items():
        if role == "anyone":
            assert prefix in CITIZEN_BUTTONS, f"button {prefix} has no role: give it one or list it"
    assert set(prefixes) >= CITIZEN_BUTTONS, "the table names a button that no longer exists"


async def test_official_buttons_are_refused_to_a_citizen(database_url: str) -> None:
    router = build_router()
    official_buttons = [data for data in router.buttons if router.roles[data] != "anyone"]
    assert len(official_buttons) >= 20
    async with console_app(database_url) as app:
        await build_world(app)
        person = session(app, user_id="citizen", name="Người thử")
        refusal = Translator("vi")("errors.not_allowed")
        before, denied = await snapshot(app), await denials(app)
        for data in official_buttons:
            shown = await person.press(sample(data).pack())
            assert [m.text for m in shown if m.chat_id == person.chat_id] == [refusal], data
        assert await denials(app) == denied + len(official_buttons)
        assert await snapshot(app) == before


async def test_a_revoked_official_cannot_finish_a_wizard(database_url: str) -> None:
    """The role is checked at every step, not only when the wizard starts."""
    from handlers.notices import PickTargets, Targets
    from services.notices.models import Notice

    async with console_app(database_url) as app:
        await build_world(app)
        official = session(app, user_id="official-a", name="Cán bộ")
        await official.say("/announce")
        await official.say("Họp thôn lúc 19 giờ tối nay tại nhà văn hóa.")
        async with app.db.transaction() as s:
            before = await s.scalar(select(func.count()).select_from(Notice))
            user = await Users(s).find("console", "official-a")
            assert user is not None
            await Users(s).revoke(user)
        refusal = Translator("vi")("errors.not_allowed")
        shown = await official.press(PickTargets(Targets.WHOLE).pack())
        assert [m.text for m in shown if m.chat_id == official.chat_id] == [refusal]
        await official.say("1")   # what the next step would have taken
        async with app.db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(Notice)) == before
            state = await s.scalar(select(Conversation.flow).where(
                Conversation.user_external_id == "official-a"))
            assert state != "notice"   # the wizard ended with the role
