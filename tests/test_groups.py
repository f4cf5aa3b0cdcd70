"""Village group chats: joining, /link by an official of the commune, /unlink, /groups."""

from sqlalchemy import func, select

from handlers.groups import LinkVillage
from services.communes import Communes
from services.models import AuditEntry, Commune, Village
from tests.fakes.telegram_api import FakeTelegramAPI, make_my_chat_member_update
from tests.helpers import console_app, eventually, session, telegram_app, texts
from tests.notices_support import (
    ConsoleGroup,
    chat_row,
    linked_group,
    make_citizen,
    make_official,
)


async def test_official_links_a_group_to_a_village(database_url: str) -> None:
    async with console_app(database_url) as app:
        commune = await make_official(app)
        group = ConsoleGroup(app, "group-1", "Nhóm Thôn Đông")
        hello = await group.added("official")
        assert "/link" in texts(hello)
        picker = await group.command("official", "/link")
        assert picker[-1].choices[0] == f"Cả xã ({commune.name})"
        assert picker[-1].choices[1:] == ("Thôn Đông", "Thôn Đoài", "Thôn Trung")
        village = commune.villages[0]
        done = await group.press("official", LinkVillage(commune.id, village.id).pack())
        assert "Đã gắn nhóm với Thôn Đông" in texts(done)
        chat = await chat_row(app, "group-1")
        assert (chat.commune_id, chat.village_id, chat.type, chat.active) == \
            (commune.id, village.id, "group", True)

        listing = await session(app, "official").say("/groups")
        assert "Nhóm Thôn Đông — Thôn Đông" in texts(listing)

        unlinked = await group.command("official", "/unlink")
        assert "Đã gỡ nhóm" in texts(unlinked)
        chat = await chat_row(app, "group-1")
        assert (chat.commune_id, chat.village_id) == (None, None)
        async with app.db.transaction() as s:
            actions = list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions == ["group_link", "group_unlink"]


async def test_only_officials_of_the_commune_may_link(database_url: str) -> None:
    async with console_app(database_url) as app:
        commune = await make_official(app)
        async with app.db.transaction() as s:
            other = Commune(code="99999", name="Xã Bên Cạnh", villages=[Village(name="Thôn Xa")])
            s.add(other)
        other = await _commune(app, "99999")
        await make_official(app, "stranger", commune=other)
        await make_citizen(app, "citizen")
        group = await linked_group(app, "official", "group-2", "Nhóm xã", None)

        refused = await group.command("citizen", "/link")
        assert "chỉ dành cho cán bộ" in texts(refused)
        pressed = await group.press("citizen", LinkVillage(commune.id, None).pack())
        assert "chỉ dành cho cán bộ" in texts(pressed)   # refused by its role, audited
        stolen = await group.press("stranger", LinkVillage(other.id, None).pack())
        assert "chỉ cán bộ của xã phụ trách" in texts(stolen)
        not_theirs = await group.command("stranger", "/unlink")
        assert "chỉ cán bộ của xã phụ trách" in texts(not_theirs)
        chat = await chat_row(app, "group-2")
        assert (chat.commune_id, chat.village_id) == (commune.id, None)

        unknown = await group.press("official", LinkVillage(commune.id, 999999).pack())
        assert "Không có thôn này" in texts(unknown)
        in_private = await session(app, "official").say("/link")
        assert "chỉ dùng trong nhóm" in texts(in_private)
        async with app.db.transaction() as s:
            denied = await s.scalar(select(func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.outcome == "denied"))
        assert denied == 4


async def _commune(app, code: str) -> Commune:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        commune = await Communes(s).by_code(code)
        assert commune is not None
        return commune


async def test_removed_bot_makes_the_group_inactive(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        await make_official(app, "777", channel="telegram")
        assert await fake.post_to_webhook(make_my_chat_member_update(1, -100501, 777)) == 200
        hello = await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == -100501)
        assert "/link" in hello[0].params["text"]

        async def active() -> bool:
            return (await chat_row(app, "-100501")).active

        await eventually(active)
        await fake.post_to_webhook(make_my_chat_member_update(2, -100501, 777, added=False))

        async def inactive() -> bool:
            return not (await chat_row(app, "-100501")).active

        await eventually(inactive)
        await fake.post_to_webhook(make_my_chat_member_update(3, -100501, 777))
        await eventually(active)
