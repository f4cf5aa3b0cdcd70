"""/announce and the follow-up commands through the console channel (SQLite and PostgreSQL):
the whole walk, bad input answered clearly, TTS failure, editing, cancelling, late and missed
occurrences."""

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import func, select, update

from handlers.notices import (
    EditNotice,
    EditStep,
    Mode,
    PickMode,
    PickPriority,
    PickRepeat,
    PickTargets,
    PickWhen,
    Priority,
    Repeat,
    Targets,
    When,
)
from handlers.types import Incoming
from services.conversations import Conversations
from services.db import utcnow
from services.models import Chat, OutboxMessage
from services.notices.actions import ConfirmNotice
from services.notices.models import MODES, PRIORITIES, Notice, NoticeRun
from services.outbox import Outbox
from tests.helpers import console_app, session, texts
from tests.notices_support import (
    BrokenEngine,
    engines,
    linked_group,
    make_citizen,
    make_official,
    notice_row,
)
from tests.test_audio_tts import FakeGoogleTTS


def to_groups(app, *chat_ids: str) -> dict[str, list]:  # type: ignore[no-untyped-def]
    return {chat: [m for m in app.console.shown if m.chat_id == chat] for chat in chat_ids}


async def set_up(app):  # type: ignore[no-untyped-def]
    commune = await make_official(app)
    await linked_group(app, "official", "group-east", "Nhóm Thôn Đông", 0)
    await linked_group(app, "official", "group-all", "Nhóm cả xã", None)
    return commune, session(app, "official")


async def test_announce_now_as_text_to_the_whole_commune(database_url: str) -> None:
    async with console_app(database_url) as app:
        _, official = await set_up(app)
        ask = await official.say("/announce")
        assert "Mời anh/chị gõ nội dung thông báo" in texts(ask)
        targets = await official.say("Mời bà con họp thôn lúc 19h tối nay tại nhà văn hóa.")
        assert targets[-1].choices[:2] == ("🏘 Cả xã (Xã Thôn Số (thử nghiệm))", "▫️ Thôn Đông")
        priority = await official.say("1")            # the whole commune, by number
        assert "Sẽ gửi tới 2 nhóm" in texts(priority)
        await official.say("1")                       # normal
        when = await official.say("1")                # as text
        assert when[-1].choices[0] == "⚡ Gửi ngay"
        preview = await official.say("1")             # now
        assert "📢 THÔNG BÁO — Xã Thôn Số (thử nghiệm)" in preview[0].text
        assert "Mời bà con họp thôn" in preview[0].text
        assert "• Gửi tới: 🏘 Cả xã" in preview[-1].text
        assert app.console.shown[-1].choices == ("✅ Xác nhận gửi", "✖ Bỏ thông báo này")
        assert [m for m in app.console.shown if m.chat_id.startswith("group")
                and "Mời bà con" in m.text] == []  # nothing sent before the confirmation

        sent = await official.say("1")                # confirm
        groups = to_groups(app, "group-east", "group-all")
        assert [len(messages) for messages in groups.values()] == [4, 4]  # hello, picker, linked, …
        for messages in groups.values():
            assert "Mời bà con họp thôn" in messages[-1].text
        report = texts(sent)
        assert "Đang gửi thông báo #1 tới 2 nhóm" in report
        assert "Thông báo #1 đã gửi xong: 2/2 nhóm nhận được." in report
        notice = await notice_row(app)
        assert (notice.status, notice.next_run_at) == ("done", None)


async def test_a_notice_left_at_its_preview_is_recalled_on_the_officials_menu(
        database_url: str) -> None:
    """«quay lại» at the preview leaves the notice waiting: the menu says so, and
    `/notice ID` still sends it; once sent, the menu no longer mentions it."""
    async with console_app(database_url) as app:
        _, official = await set_up(app)
        await official.say("/announce")
        await official.say("Mời bà con họp thôn lúc 19h tối nay tại nhà văn hóa.")
        for choice in ("1", "1", "1"):
            await official.say(choice)
        await official.say("1")                       # now: the preview
        menu = texts(await official.say("quay lại"))
        assert "📌 Thông báo #1 đang chờ anh/chị xác nhận: gõ /notice 1" in menu
        assert "Việc của cán bộ xã" in menu
        assert (await notice_row(app)).status == "preview"
        await official.say("/notice 1")
        sent = texts(await official.say("1"))         # ✅ Xác nhận gửi
        assert "Thông báo #1 đã gửi xong: 2/2 nhóm nhận được." in sent
        assert "đang chờ" not in texts(await official.say("menu"))


async def test_announcing_to_chosen_villages_reaches_only_their_groups(database_url: str) -> None:
    async with console_app(database_url) as app:
        commune, official = await set_up(app)
        await official.say("/announce")
        await official.say("Thôn Đông cắt điện từ 8h đến 11h ngày mai.")
        await official.press(PickTargets(Targets.VILLAGE, commune.villages[0].id).pack())
        shown = await official.press(PickTargets(Targets.VILLAGE, commune.villages[1].id).pack())
        assert shown[-1].choices[1:3] == ("✅ Thôn Đông", "✅ Thôn Đoài")
        await official.press(PickTargets(Targets.VILLAGE, commune.villages[1].id).pack())
        await official.press(PickTargets(Targets.DONE).pack())
        await official.press(PickPriority("priority").pack())
        await official.press(PickMode("text").pack())
        await official.press(PickWhen(When.NOW).pack())
        await official.press(ConfirmNotice(1).pack())
        groups = to_groups(app, "group-east", "group-all")
        assert "THÔNG BÁO QUAN TRỌNG" in groups["group-east"][-1].text
        assert all("cắt điện" not in m.text for m in groups["group-all"])


async def test_bad_input_gets_a_clear_answer(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app)
        await make_citizen(app, "citizen")
        official = session(app, "official")
        refused = await session(app, "citizen").say("/announce")
        assert "chỉ dành cho cán bộ" in texts(refused)

        await official.say("/announce")
        assert "Nội dung đang trống" in texts(await official.say("   "))
        location = await official.send_location(21.0, 105.8)   # a photo is read as a document
        assert "chữ hoặc tin nhắn thoại" in texts(location)
        await official.say("Lịch tiêm phòng dại cho chó mèo.")
        assert "Không có thôn «Thôn Xa»" in texts(await official.say("Thôn Xa"))
        none_chosen = await official.press(PickTargets(Targets.DONE).pack())
        assert "Anh/chị chưa chọn thôn nào" in texts(none_chosen)
        assert "Chưa có nhóm nào" in texts(await official.press(PickTargets(Targets.WHOLE).pack()))

        await linked_group(app, "official", "group-1", "Nhóm 1", None)
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("normal").pack())
        await official.press(PickMode("text").pack())
        await official.press(PickWhen(When.ONCE).pack())
        assert "Chưa đọc được ngày giờ" in texts(await official.say("mai nhé"))
        assert "Chưa đọc được ngày giờ" in texts(await official.say("31/02/2030 07:30"))
        assert "đã qua" in texts(await official.say("01/01/2020 07:30"))
        await official.say("/cancel")


async def test_bad_schedules_and_references_get_a_clear_answer(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app)
        await make_citizen(app, "citizen")
        official = session(app, "official")
        await linked_group(app, "official", "group-1", "Nhóm 1", None)
        await official.say("/announce")
        await official.say("Họp dân định kỳ.")
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("normal").pack())
        await official.press(PickMode("text").pack())
        await official.press(PickWhen(When.REPEAT).pack())
        await official.press(PickRepeat(Repeat.MONTHLY).pack())
        assert "từ 1 đến 28" in texts(await official.say("31"))
        assert "từ 1 đến 28" in texts(await official.say("0 7 * * 1"))
        await official.say("ngày 15")
        assert "Chưa đọc được giờ" in texts(await official.say("*/5 * * * *"))
        preview = await official.say("7h")
        assert "hằng tháng vào ngày 15 lúc 07:00" in texts(preview)

        unknown = await official.say("/notice 999")
        assert "Không tìm thấy thông báo 999" in texts(unknown)
        assert "Cách dùng: /cancel_notice" in texts(await official.say("/cancel_notice"))
        assert "chỉ dành cho cán bộ" in texts(await session(app, "citizen").say("/notices"))
        async with app.db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(NoticeRun)) == 0


async def test_tts_down_sends_text_and_tells_the_official(database_url: str) -> None:
    async with console_app(database_url) as app:
        await set_up(app)
        app.notices.engines = [BrokenEngine("gtts"), BrokenEngine("espeak-ng")]
        official = session(app, "official")
        official.chat_id = official.user_id   # a private chat's id is the person's id
        await official.say("/announce")
        await official.say("Ngày mai 7h30 tiêm phòng tại trạm y tế.")
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("normal").pack())
        preparing = await official.press(PickMode("both").pack())
        await official.press(PickWhen(When.NOW).pack())
        again = await official.press(PickWhen(When.NOW).pack())
        assert "Đang tạo bản đọc" in texts(again) or preparing
        await app.notices.tick()
        await app.sender.drain()
        assert "Chưa tạo được bản đọc, thông báo sẽ chỉ gửi bằng chữ" in app.console.shown[-1].text
        # The preview was made by a background job: typing its first choice's number confirms.
        shown = await official.say("1")
        assert "chỉ gửi bằng chữ" in texts(shown)
        groups = to_groups(app, "group-east", "group-all")
        assert [[m.kind for m in messages[3:]] for messages in groups.values()] == \
            [["text"], ["text"]]


async def test_voice_notice_is_read_once_and_cached(database_url: str,
                                                    google: FakeGoogleTTS) -> None:
    async with console_app(database_url) as app:
        await set_up(app)
        app.notices.engines = engines(google.base_url)
        official = session(app, "official")
        for _ in range(2):
            await official.say("/announce")
            await official.say("UBND xã thông báo: ngày 25/11/2026 thu gom rác thải.")
            await official.press(PickTargets(Targets.WHOLE).pack())
            await official.press(PickPriority("normal").pack())
            await official.press(PickMode("voice").pack())
            preparing = await official.press(PickWhen(When.NOW).pack())
            assert "Đang tạo bản đọc" in texts(preparing)
            await app.notices.tick()
            await app.sender.drain()
        requests_for_one = len(google.requests)
        notices = [await notice_row(app, 1), await notice_row(app, 2)]
        assert [n.audio_engine for n in notices] == ["gtts", "gtts"]
        assert notices[0].audio == notices[1].audio  # the second came from the cache
        assert requests_for_one == len({t for t in google.texts})
        preview_voice = [m for m in app.console.shown if m.kind == "voice"
                         and m.chat_id == "official"]
        assert len(preview_voice) == 2 and preview_voice[0].data[:4] == b"OggS"

        await official.press(ConfirmNotice(1).pack())
        groups = to_groups(app, "group-east", "group-all")
        assert [[m.kind for m in messages[3:]] for messages in groups.values()] == \
            [["voice"], ["voice"]]


async def test_emergency_goes_ahead_and_is_pinned(database_url: str) -> None:
    async with console_app(database_url) as app:
        await set_up(app)
        official = session(app, "official")
        await official.say("/announce")
        await official.say("Lũ về, bà con khẩn trương di dời đến nơi an toàn!")
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("emergency").pack())
        preview = await official.press(PickMode("text").pack())  # no "when": emergencies go now
        assert "🚨 THÔNG BÁO KHẨN" in preview[0].text
        async with app.db.transaction() as s:
            for index in range(5):                      # a backlog of ordinary messages
                s.add(OutboxMessage(channel="console", chat_id=f"chat-{index}", kind="text",
                                    payload={"text": f"cũ {index}"}, priority=0))
        await app.processor.process(Incoming(
            channel="console", update_key="confirm", chat_id="chat-official",
            user_id="official", callback=ConfirmNotice(1).pack()))
        async with app.db.transaction() as s:
            claimed = await Outbox(s).claim("test", limit=20)
        assert {(r.chat_id, r.priority, r.payload.get("pin")) for r in claimed[:2]} == \
            {("group-east", 100, True), ("group-all", 100, True)}


async def test_schedule_list_edit_and_cancel(database_url: str) -> None:
    async with console_app(database_url) as app:
        await set_up(app)
        official = session(app, "official")
        await official.say("/announce")
        await official.say("Họp tổng kết năm.")
        await official.press(PickTargets(Targets.WHOLE).pack())
        await official.press(PickPriority("normal").pack())
        await official.press(PickMode("text").pack())
        await official.press(PickWhen(When.ONCE).pack())
        preview = await official.say("25/12/2030 07:30")
        assert "• Thời gian: 07:30 25/12/2030" in texts(preview)
        assert "Đã hẹn gửi thông báo #1 lúc 07:30 25/12/2030" in \
            texts(await official.press(ConfirmNotice(1).pack()))
        assert "đã được xác nhận rồi" in texts(await official.press(ConfirmNotice(1).pack()))

        listing = texts(await official.say("/notices"))
        assert "#1 · đã hẹn · 07:30 25/12/2030 · lần tới: 07:30 25/12/2030" in listing

        edit = await official.say("/edit_notice 1")
        assert edit[-1].choices[:2] == ("✏️ Sửa nội dung", "🕒 Sửa thời gian")
        await official.press(EditNotice(1, EditStep.TIME).pack())
        assert "đã qua" in texts(await official.say("01/01/2021 08:00"))
        changed = await official.say("26/12/2030 08:00")
        assert "08:00 26/12/2030" in texts(changed)
        notice = await notice_row(app, 1)
        assert notice.next_run_at == notice.run_at and notice.status == "scheduled"

        await official.say("/edit_notice 1")
        await official.press(EditNotice(1, EditStep.TEXT).pack())
        again = await official.say("Họp tổng kết năm, có phát quà cho các cháu.")
        assert "Mời xem lại và xác nhận" in texts(again)
        assert "phát quà" in texts(again)
        assert (await notice_row(app, 1)).status == "preview"
        await official.press(ConfirmNotice(1).pack())

        details = texts(await official.say("/notice 1"))
        assert "Chưa gửi lần nào" in details
        cancelled = await official.say("/cancel_notice 1")
        assert "Đã hủy thông báo #1" in texts(cancelled)
        assert "Không có thông báo nào" in texts(await official.say("/notices"))
        assert await app.notices.fire_due() == 0


async def test_late_occurrence_is_sent_and_a_missed_one_reported(database_url: str) -> None:
    async with console_app(database_url) as app:
        await set_up(app)
        official = session(app, "official")
        for text in ("Lịch trực phòng chống bão.", "Lịch tiêm chủng tháng này."):
            await official.say("/announce")
            await official.say(text)
            await official.press(PickTargets(Targets.WHOLE).pack())
            await official.press(PickPriority("normal").pack())
            await official.press(PickMode("text").pack())
            await official.press(PickWhen(When.REPEAT).pack())
            await official.press(PickRepeat(Repeat.DAILY).pack())
            await official.say("07:30")
        await official.press(ConfirmNotice(1).pack())
        await official.press(ConfirmNotice(2).pack())
        now = utcnow()
        async with app.db.transaction() as s:
            await s.execute(update(Notice).where(Notice.id == 1)
                            .values(next_run_at=now - timedelta(minutes=30)))
            await s.execute(update(Notice).where(Notice.id == 2)
                            .values(next_run_at=now - timedelta(hours=3)))
        before = len(app.console.shown)
        assert await app.notices.fire_due() == 2
        await app.sender.drain()
        shown = texts(app.console.shown[before:])
        assert "Lịch trực phòng chống bão" in shown
        assert "Gửi muộn 30 phút" in shown
        assert "Lịch tiêm chủng" not in shown
        assert "Thông báo #2 không gửi được vào" in shown
        for notice_id in (1, 2):
            notice = await notice_row(app, notice_id)
            assert notice.status == "scheduled" and notice.next_run_at > now
        async with app.db.transaction() as s:
            runs = list(await s.execute(select(NoticeRun.notice_id, NoticeRun.status)
                                        .order_by(NoticeRun.notice_id)))
        assert [tuple(r) for r in runs] == [(1, "done"), (2, "missed")]
        assert await app.notices.fire_due() == 0


async def conversation_of(app, user_id: str) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as db_session:
        row = await Conversations(db_session).load("console", f"chat-{user_id}", user_id)
        return row.flow, row.step


@pytest.mark.parametrize("forged", [
    "nt:p:normal",                            # the data of an older version of the bot
    "nt.priority:urgent",                     # not a priority
    PickPriority("normal").pack(),            # a real button, but of a later step
    PickTargets(Targets.VILLAGE, None).pack(),  # a village toggle without a village
    ConfirmNotice(999).pack(),                # no such notice
])
async def test_forged_or_old_notice_buttons_change_nothing(database_url: str,
                                                            forged: str) -> None:
    async with console_app(database_url) as app:
        _, official = await set_up(app)
        await official.say("/announce")
        await official.say("Họp thôn tối nay.")
        assert await conversation_of(app, "official") == ("notice", "targets")
        answer = texts(await official.press(forged))
        assert "Nút này đã cũ" in answer or "Không tìm thấy thông báo" in answer
        assert await conversation_of(app, "official") == ("notice", "targets")
        async with app.db.transaction() as db_session:
            assert await db_session.scalar(select(func.count()).select_from(Notice)) == 0


def test_the_notice_buttons_offer_the_models_choices() -> None:
    assert get_args(Priority) == PRIORITIES and get_args(Mode) == MODES


ROOT = Path(__file__).resolve().parents[1]


class ConsoleProcess:
    """`python -m bot console` in its own process, typed into line by line: what it prints
    is read as it comes, so a reply made later by the scheduler's jobs can be waited for."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process, self.printed = process, ""

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def until(self, wanted: str) -> str:
        """What is printed from now until `wanted` is, to the end of its message (each
        message ends with an empty line); the process is given a minute."""
        start = len(self.printed)
        assert self.process.stdout is not None
        try:
            while wanted not in self.printed[start:] or not self.printed.endswith("\n\n"):
                chunk = await asyncio.wait_for(self.process.stdout.read(4096), timeout=60)
                assert chunk, f"the console ended before printing {wanted!r}:\n{self.printed}"
                self.printed += chunk.decode()
        except TimeoutError:
            pytest.fail(f"the console never printed {wanted!r}:\n{self.printed[start:]}")
        return self.printed[start:]


async def test_a_voice_notice_composed_in_the_console_is_read_and_sent(
        database_url: str, google: FakeGoogleTTS, tmp_path: Path) -> None:
    async with console_app(database_url) as app:
        await set_up(app)              # the official, groups of Thôn Đông and the commune
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "GTTS_BASE_URL": google.base_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", "--as-official", "--files",
        str(tmp_path / "files"), env=env, cwd=tmp_path, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    console = ConsoleProcess(process)
    try:
        await console.until("Việc của cán bộ xã")
        await console.type("/announce")
        await console.until("Mời anh/chị gõ nội dung thông báo")
        await console.type("Thôn Đông cắt điện từ 8 giờ đến 11 giờ sáng mai.")
        targets = await console.until("Tiếp tục ▶")
        assert "2. ▫️ Thôn Đông" in targets
        await console.type("2")                         # Thôn Đông
        await console.until("✅ Thôn Đông")
        await console.type("Tiếp tục")                  # a button named in words
        assert "1. Thường" in await console.until("Sẽ gửi tới 1 nhóm")
        await console.type("1")                         # normal
        assert "2. Giọng đọc" in await console.until("Gửi bằng chữ, giọng đọc")
        await console.type("2")                         # voice
        assert "1. ⚡ Gửi ngay" in await console.until("Khi nào gửi?")
        await console.type("1")                         # now: the audio is made by a job
        preview = await console.until("Xác nhận gửi")
        assert "Đang tạo bản đọc cho thông báo #1" in preview
        saved = tmp_path / "files" / "001-thong-bao.ogg"
        assert f"[Đã lưu tệp: {saved}]" in preview
        assert "[Tin nhắn gửi tới" not in preview       # the preview is the official's own
        assert saved.read_bytes()[:4] == b"OggS"
        await console.type("1")                         # confirm
        sent = await console.until("đã gửi xong")
        assert "[Tin nhắn gửi vào nhóm group-east]" in sent and "[voice: thong-bao.ogg]" in sent
        assert "Thông báo #1 đã gửi xong: 1/1 nhóm nhận được." in sent
    finally:
        if process.stdin is not None:
            process.stdin.close()
        await asyncio.wait_for(process.wait(), timeout=60)
    assert process.returncode == 0
    assert process.stderr is not None
    assert "Traceback" not in (await process.stderr.read()).decode()
    assert google.texts                                 # read by the (fake) speech service
    async with console_app(database_url) as app:
        notice = await notice_row(app, 1)
        assert (notice.status, notice.mode, notice.audio_engine) == ("done", "voice", "gtts")
        async with app.db.transaction() as s:
            delivered = list(await s.execute(
                select(OutboxMessage.kind, OutboxMessage.status)
                .where(OutboxMessage.chat_id.in_(("group-east", "group-all")),
                       OutboxMessage.kind == "voice")))
        assert [tuple(row) for row in delivered] == [("voice", "sent")]


async def test_in_the_console_an_official_links_a_group_and_a_notice_reaches_it(
        database_url: str, tmp_path: Path) -> None:
    """`/group NAME` puts the official in a village group (the bot added to it, as on
    Telegram), `/link` attaches it to a village, and a notice then reaches that group."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", "--as-official", "--files",
        str(tmp_path / "files"), env=env, cwd=tmp_path, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    console = ConsoleProcess(process)
    try:
        await console.until("Việc của cán bộ xã")
        await console.type("/group thon-dong")
        assert "Xin chào bà con!" in await console.until("gõ /link để gắn nhóm với thôn")
        await console.type("/link")
        await console.until("nhóm này dành cho thôn nào?")
        await console.type("Thôn Đông")
        await console.until("Đã gắn nhóm với Thôn Đông")
        await console.type("/group")
        await console.type("/announce")
        back = await console.until("Mời anh/chị gõ nội dung thông báo")
        assert "(Đã về trò chuyện riêng.)" in back
        await console.type("Mời bà con thôn Đông họp lúc 8 giờ sáng mai tại nhà văn hóa.")
        await console.until("Tiếp tục ▶")
        await console.type("Thôn Đông")
        await console.until("✅ Thôn Đông")
        await console.type("Tiếp tục")
        await console.until("Sẽ gửi tới 1 nhóm")
        await console.type("1")                         # normal
        await console.until("Gửi bằng chữ, giọng đọc")
        await console.type("1")                         # text
        await console.until("Khi nào gửi?")
        await console.type("1")                         # now
        await console.until("Xác nhận gửi")
        await console.type("1")
        sent = await console.until("đã gửi xong")
        assert "[Tin nhắn gửi vào nhóm group-thon-dong]" in sent
        assert "Mời bà con thôn Đông họp lúc 8 giờ sáng mai tại nhà văn hóa." in sent
        assert "Thông báo #1 đã gửi xong: 1/1 nhóm nhận được." in sent
    finally:
        if process.stdin is not None:
            process.stdin.close()
        await asyncio.wait_for(process.wait(), timeout=60)
    assert process.returncode == 0
    assert process.stderr is not None
    assert "Traceback" not in (await process.stderr.read()).decode()
    async with console_app(database_url) as app, app.db.transaction() as s:
        [group] = (await s.scalars(select(Chat).where(Chat.chat_id == "group-thon-dong"))).all()
        assert (group.type, group.title, group.village_id is not None) == (
            "group", "thon-dong", True)
