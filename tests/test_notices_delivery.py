"""Delivery details: a group that removed the bot, the progress message edited in place and
the final report, a run's status following its groups (web and chat), a long notice read in
several voice messages, and many schedulers racing for one occurrence."""

import asyncio
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.commands_ops import issue_link
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
from locales import Translator
from services.db import Database, utcnow
from services.models import OutboxMessage
from services.notices.actions import ConfirmNotice
from services.notices.models import Notice, NoticeRun
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import console_app, eventually, session, telegram_app
from tests.notices_support import chat_row, engines, linked_group, make_official, notice_row
from tests.test_audio_tts import NOTICE, FakeGoogleTTS
from tests.test_notices_telegram import GROUPS, OFFICIAL, Telegram
from tests.test_ops_web import client_for, token_of

VI = Translator("vi")




async def delivered_unreported(fake, app) -> Telegram:  # type: ignore[no-untyped-def]
    """A text notice confirmed for both groups and delivered to them, its run still marked
    sending (the sender's report held back or lost by the caller)."""
    tg = Telegram(fake)
    await tg.link_groups(app)
    await tg.announce("Thông báo lịch cắt điện ngày mai.", "text", "now")
    await tg.said(OFFICIAL, "Xem trước")
    await tg.press(OFFICIAL, ConfirmNotice(1).pack())
    await eventually(lambda: groups_have_it(app, 2), timeout=15)
    async with app.db.transaction() as s:
        assert (await s.scalar(select(NoticeRun.status))) == "sending"
    return tg


async def groups_have_it(app, count: int) -> bool:  # type: ignore[no-untyped-def]
    """`count` groups have the notice's messages (sent, whatever the run says)."""
    async with app.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.group_key.is_not(None), OutboxMessage.status == "sent")) == count


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


async def test_a_run_is_done_once_its_groups_have_it(database_url: str) -> None:
    """The run's status follows its groups' rows, in the operations room and in `/notice`,
    while the sender's pass has not yet reported (it is still sending elsewhere, or died
    after its last send): no "sending" over rows that all say delivered."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        reported = asyncio.Event()
        report_progress = app.sender.progress_hooks.pop()

        async def late_report(key: str) -> None:
            await reported.wait()
            await report_progress(key)

        app.sender.progress_hooks.append(late_report)
        tg = await delivered_unreported(fake, app)  # not reported yet

        client = await client_for(app)
        try:
            token = token_of(await issue_link(app, "telegram", str(OFFICIAL)))
            signed = await client.post("/thonso/ops/signin", data={"t": token},
                                       allow_redirects=False)
            assert signed.status == 303, await signed.text()

            async def web_heading() -> str:
                page = await (await client.get("/thonso/ops/notices/1")).text()
                delivery = page.split('id="delivery"')[1]
                assert delivery.count(VI("ops.notices.group_sent")) == 2, delivery
                heading = re.search(r"<h3>[^<]*· ([^<]+)</h3>", delivery)
                assert heading is not None, delivery
                return heading.group(1)

            async def chat_heading(count: int) -> str:
                await tg.say(OFFICIAL, "/notice 1")
                status = await tg.said(OFFICIAL, "Lần gửi", count=count)
                assert status.params["text"].count("✅") == 2, status.params["text"]
                found = re.search(r"Lần gửi [^(]+\(([^)]+)\)", status.params["text"])
                assert found is not None, status.params["text"]
                return found.group(1)

            assert await web_heading() == await chat_heading(1) == VI("notices.run_done")
            reported.set()  # the pass reports: the official gets the final report
            await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=15)
            assert await web_heading() == await chat_heading(2) == VI("notices.run_done")
            async with app.db.transaction() as s:
                assert (await s.scalar(select(NoticeRun.status))) == "done"
        finally:
            await client.close()


async def test_a_notice_still_going_out_is_shown_as_sending_not_sent(
        database_url: str) -> None:
    """A notice is done firing once its run starts; while a group still waits (Telegram
    asked to retry later), `/notice` and its web page say it is being sent, not sent."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = Telegram(fake)
        await tg.link_groups(app)
        fake.fail_next("sendMessage", status=429, retry_after=60, chat_id=GROUPS[1])
        await tg.announce("Thông báo lịch cắt điện ngày mai.", "text", "now")
        await tg.said(OFFICIAL, "Xem trước")
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == GROUPS[1]
                            and not c.ok, 1, timeout=15)
        async with app.db.transaction() as s:
            assert (await s.get(Notice, 1)).status == "done"  # type: ignore[union-attr]
        await tg.say(OFFICIAL, "/notice 1")
        status = await tg.said(OFFICIAL, "Lần gửi")
        assert "Trạng thái: đang gửi tới các nhóm" in status.params["text"]
        assert VI("notices.status_done") not in status.params["text"]
        client = await client_for(app)
        try:
            token = token_of(await issue_link(app, "telegram", str(OFFICIAL)))
            await client.post("/thonso/ops/signin", data={"t": token}, allow_redirects=False)
            page = await (await client.get("/thonso/ops/notices/1")).text()
            assert re.search(r'id="notice-status">đang gửi tới các nhóm<', page), page
        finally:
            await client.close()


async def test_a_run_left_sending_by_a_stopped_process_is_reported_by_the_sweep(
        database_url: str) -> None:
    """The process that sent a run's last row stopped before reporting it: the minute's sweep
    finishes the run and the official gets the final report, once."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.sender.progress_hooks.clear()  # the report that the stopped process never made
        tg = await delivered_unreported(fake, app)
        assert await app.notices.finish_runs() == 1
        await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=15)
        assert await app.notices.finish_runs() == 0
        async with app.db.transaction() as s:
            assert (await s.scalar(select(NoticeRun.status))) == "done"
        await asyncio.sleep(0.5)
        reports = [c for c in fake.sent_to(OFFICIAL) if c.method == "sendMessage"
                   and "đã gửi xong" in str(c.params.get("text"))]
        assert len(reports) == 1


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
