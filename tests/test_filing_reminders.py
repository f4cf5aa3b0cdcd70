"""Reminders for stalled walks: after two days, at most twice, never after the citizen
finished, cancelled or opted out. The job is called with an injected "now"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.filing import Step, Walk, WalkAction
from services.filing.actions import MuteReminders, ResumeFiling, StartFiling
from services.filing.reminders import remind_stalled
from services.models import OutboxMessage
from tests.filing_support import onboard, one_filing
from tests.helpers import console_app, session, texts


async def reminders_in_outbox(app, chat_id: str) -> int:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
        return sum(1 for row in rows if "đang làm dở hướng dẫn" in (row.payload["text"] or ""))


async def test_a_stalled_walk_is_reminded_once_then_once_more_at_most(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await person.press(StartFiling("1.001193").pack())
        filing = await one_filing(app, "citizen")
        await person.press(Walk(filing.id, Step.ACCOUNT, WalkAction.SKIP).pack())
        last_move = (await one_filing(app, "citizen")).updated_at

        assert await remind_stalled(app.db, last_move + timedelta(days=1, hours=23)) == 0
        assert await remind_stalled(app.db, last_move + timedelta(days=2, minutes=1)) == 1
        assert await remind_stalled(app.db, last_move + timedelta(days=2, minutes=5)) == 0
        await app.sender.drain()
        reminder = [m for m in app.console.shown if m.chat_id == "citizen"][-1]
        assert reminder.text == ("🧭 Bạn đang làm dở hướng dẫn nộp hồ sơ «Đăng ký khai sinh» "
                                 "(bước 2/5). Bạn có muốn làm tiếp không?")
        assert reminder.choices == ("▶ Làm tiếp", "🔕 Không nhắc nữa")

        # two days after the first
        assert await remind_stalled(app.db, last_move + timedelta(days=4)) == 0
        assert await remind_stalled(app.db, last_move + timedelta(days=4, minutes=2)) == 1
        assert await remind_stalled(app.db, last_move + timedelta(days=30)) == 0
        assert await reminders_in_outbox(app, "citizen") == 2

        shown = texts(await person.press(ResumeFiling(filing.id).pack()))
        assert "Mời bạn làm tiếp «Đăng ký khai sinh» từ bước 2/5" in shown
        assert "Bước 2/5" in shown


async def test_no_reminder_after_finishing_cancelling_opting_out_or_a_recent_move(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        people = {name: session(app, name) for name in ("done", "muted", "dropped", "busy")}
        for person in people.values():
            await onboard(person)
            await person.press(StartFiling("1.001193").pack())
        done = await one_filing(app, "done")
        for step in (1, 2, 3, 4):
            await people["done"].press(Walk(done.id, Step(str(step)), WalkAction.SKIP).pack())
        finish = Walk(done.id, Step.PAY, WalkAction.NEXT).pack()
        assert "Đã hoàn tất" in texts(await people["done"].press(finish))
        muted = await one_filing(app, "muted")
        mute = MuteReminders(muted.id).pack()
        assert "Đã tắt nhắc nhở" in texts(await people["muted"].press(mute))
        dropped = await one_filing(app, "dropped")
        await people["dropped"].press(Walk(dropped.id, Step.ACCOUNT, WalkAction.DROP).pack())
        busy = await one_filing(app, "busy")
        later = busy.updated_at + timedelta(days=3)

        async with app.db.transaction() as s:   # the busy citizen moved a day ago
            row = await s.get(type(busy), busy.id)
            row.updated_at = later - timedelta(days=1)
        assert await remind_stalled(app.db, later) == 0
        # the busy citizen, at last
        assert await remind_stalled(app.db, later + timedelta(days=1, minutes=1)) == 1
        for name in ("done", "muted", "dropped"):
            assert await reminders_in_outbox(app, name) == 0
        assert await reminders_in_outbox(app, "busy") == 1


async def test_the_app_schedules_the_reminder_job(database_url: str) -> None:
    async with console_app(database_url) as app:
        assert app.scheduler.next_run("filing-reminders") is None
        app.scheduler.start()
        try:
            assert app.scheduler.next_run("filing-reminders") is not None
        finally:
            await app.scheduler.stop()
        assert app.scheduler.next_run("filing-reminders") is None
