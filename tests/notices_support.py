"""Helpers for the group and notice tests: officials, console group chats, a local gTTS."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.channels.console import Shown
from handlers.groups import LinkVillage
from handlers.types import Incoming
from services.audio import EspeakEngine, GTTSEngine, SpeechEngine
from services.communes import DEMO_CODE, Communes
from services.models import Chat, Commune
from services.notices.models import Notice
from services.users import Users

_updates = itertools.count(1)


async def make_official(app: App, external_id: str = "official", *, channel: str = "console",
                        commune: Commune | None = None) -> Commune:
    """An onboarded official of the first commune (or `commune`); returns the commune."""
    async with app.db.transaction() as session:
        commune = commune or await Communes(session).by_code(DEMO_CODE)
        assert commune is not None
        users = Users(session)
        user, _ = await users.get_or_create(channel, external_id)
        await users.grant_official(user, commune.id)
        user.onboarded, user.display_name = True, "Cán bộ xã"
        return await Communes(session).get(commune.id)  # type: ignore[return-value]


async def make_citizen(app: App, external_id: str, *, channel: str = "console") -> None:
    async with app.db.transaction() as session:
        user, _ = await Users(session).get_or_create(channel, external_id)
        user.onboarded = True


class ConsoleGroup:
    """A group chat on the console channel, where several users talk."""

    def __init__(self, app: App, chat_id: str, title: str) -> None:
        self.app, self.chat_id, self.title = app, chat_id, title

    async def send(self, user_id: str, **fields: Any) -> list[Shown]:
        before = len(self.app.console.shown)
        await self.app.processor.process(Incoming(
            channel="console", update_key=f"g-{next(_updates)}", chat_id=self.chat_id,
            chat_type="group", user_id=user_id, chat_title=self.title, **fields))
        await self.app.sender.drain(("console",))
        return self.app.console.shown[before:]

    async def command(self, user_id: str, line: str) -> list[Shown]:
        command, _, args = line.lstrip("/").partition(" ")
        return await self.send(user_id, command=command, args=args)

    async def press(self, user_id: str, data: str) -> list[Shown]:
        return await self.send(user_id, callback=data, message_id="1")

    async def added(self, user_id: str) -> list[Shown]:
        return await self.send(user_id, event="member_added")


async def linked_group(app: App, official: str, chat_id: str, title: str,
                       village: int | None) -> ConsoleGroup:
    """A console group the bot joined and `official` linked to a village (index) or the
    whole commune (None)."""
    group = ConsoleGroup(app, chat_id, title)
    await group.added(official)
    shown = await group.command(official, "/link")
    assert shown[-1].choices, shown
    async with app.db.transaction() as session:
        user = await Users(session).find("console", official)
        assert user is not None and user.official_commune_id is not None
        commune = await Communes(session).get(user.official_commune_id)
        assert commune is not None
        village_id = commune.villages[village].id if village is not None else None
    done = await group.press(official, LinkVillage(commune.id, village_id).pack())
    assert "✅" in done[-1].text, done
    return group


async def chat_row(app: App, chat_id: str) -> Chat:
    async with app.db.transaction() as session:
        chat = await session.scalar(select(Chat).where(Chat.chat_id == chat_id))
        assert chat is not None
        return chat


async def notice_row(app: App, notice_id: int | None = None) -> Notice:
    async with app.db.transaction() as session:
        query = select(Notice).order_by(Notice.id.desc())
        if notice_id is not None:
            query = query.where(Notice.id == notice_id)
        notice = await session.scalar(query)
        assert notice is not None
        return notice


def engines(google_url: str) -> list[SpeechEngine]:
    return [GTTSEngine(base_url=google_url, backoff=0.01, timeout=10), EspeakEngine()]


class BrokenEngine:
    """An engine that always fails, as an unreachable service does."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def synthesise(self, text: str) -> bytes:
        from services.audio import TTSError

        raise TTSError(f"{self.name} is down")
