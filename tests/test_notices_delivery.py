"""Delivery details: a group that removed the bot, the progress message edited in place and
the final report, a long notice read in several voice messages, and many schedulers racing
for one occurrence."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.scheduler import NoticeJobs
from handlers.notices import (
    PickMode,
    PickPriority,
    PickRepeat,
    PickTargets,
    PickWhen,
    Repeat,
    Targets,
    When,
)
from services.db import Database, utcnow
from services.models import OutboxMessage
from services.notices.actions import ConfirmNotice
from services.notices.models import Notice, NoticeRun
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import console_app, session, telegram_app
from tests.notices_support import chat_row, engines, linked_group, make_official, notice_row
from tests.test_audio_tts import NOTICE, FakeGoogleTTS
from tests.test_notices_telegram import GROUPS, OFFICIAL, Telegram


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleTTS]:
    async with FakeGoogleTTS() as fake:
        yield fake


async def test_removed_group_is_reported_and_progress_is_edited(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = Telegram(fake)
        await tg.link_groups(app)
        fake.block(GROUPS[1])
        await tg.announce("Thông báo lịch cắt điện ngày mai.", "text", "now")
        await tg.said(OFFICIAL, "Xem trước")
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        report = await tg.said(OFFICIAL, "đã gửi xong: 1/2 nhóm", timeout=15)
        assert "Các nhóm chưa nhận được:\n• Thôn Đông: Thôn Số đã bị xóa khỏi nhóm" \
            in report.params["text"]
        progress = await tg.said(OFFICIAL, "⏳ Thông báo #1")
        [edit] = await fake.wait_for(lambda c: c.ok and c.method == "editMessageText"
                                     and c.chat_id == OFFICIAL)
        assert edit.params["message_id"] == progress.result["message_id"]
        assert edit.params["text"] == "✅ Thông báo #1: đã gửi 1/2 nhóm."
        assert not (await chat_row(app, str(GROUPS[1]))).active

        await tg.say(OFFICIAL, "/notice 1")
        status = await tg.said(OFFICIAL, "Lần gửi")
        assert "✅ Thôn Đông\n❌ Thôn Đông — Thôn Số đã bị xóa khỏi nhóm" in status.params["text"]
        await tg.say(OFFICIAL, "/groups")
        groups = await tg.said(OFFICIAL, "Các nhóm của")
        assert "⛔" in groups.params["text"]


async def test_long_notice_is_read_in_several_voice_messages(
        database_url: str, google: FakeGoogleTTS) -> None:
    async with console_app(database_url) as app:
        await make_official(app)
        await linked_group(app, "official", "group-1", "Nhóm 1", None)
        app.notices.engines = engines(google.base_url)
        official = session(app, "official")
        long_text = " ".join(f"Mục {i}. {NOTICE}" for i in range(1, 12))
        assert 2000 < len(long_text) < 4000
        await official.say("/announce")
        await official.say(long_text)
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("normal").pack())
        await official.press(PickMode("both").pack())
        await official.press(PickWhen(When.NOW).pack())
        await app.notices.tick()
        await app.sender.drain()
        notice = await notice_row(app, 1)
        parts = len(notice.audio)
        assert parts >= 3 and all(part["duration"] <= 120 for part in notice.audio)
        await official.press(ConfirmNotice(1).pack())
        sent = [m for m in app.console.shown if m.chat_id == "group-1"][3:]
        assert [m.kind for m in sent] == ["text"] + ["voice"] * parts
        assert sent[1].text.endswith(f"(1/{parts})") and sent[-1].text.endswith(
            f"({parts}/{parts})")


async def test_many_schedulers_racing_deliver_one_occurrence(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app)
        for n in range(3):
            await linked_group(app, "official", f"group-{n}", f"Nhóm {n}", None)
        official = session(app, "official")
        await official.say("/announce")
        await official.say("Họp dân lúc 19h.")
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("normal").pack())
        await official.press(PickMode("text").pack())
        await official.press(PickWhen(When.REPEAT).pack())
        await official.press(PickRepeat(Repeat.DAILY).pack())
        await official.say("19:00")
        await official.press(ConfirmNotice(1).pack())
        async with app.db.transaction() as s:
            await s.execute(update(Notice).values(next_run_at=utcnow() - timedelta(seconds=1)))
        databases = [Database(database_url) for _ in range(6)]
        try:
            schedulers = [NoticeJobs(db, {}, engines=[]) for db in databases]
            fired = await asyncio.gather(*(s.fire_due() for s in schedulers))
        finally:
            for db in databases:
                await db.dispose()
        assert sum(fired) == 1
        async with app.db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(NoticeRun)) == 1
            rows = await s.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.group_key.is_not(None)))
        assert rows == 3
        notice = await notice_row(app, 1)
        assert notice.status == "scheduled" and notice.next_run_at > utcnow()
