"""Notices end to end with the real python-telegram-bot `Bot` against the fake Bot API:
linking groups, announcing now with voice (valid OGG/Opus, uploaded once), a notice fired
once at its time, a recurring notice after a restart, two app instances on one database."""

import asyncio
import io
import itertools
from datetime import timedelta

import av
from sqlalchemy import func, select, update

from bot.app import App
from handlers.groups import LinkVillage
from handlers.notices import (
    DaysDone,
    PickMode,
    PickPriority,
    PickRepeat,
    PickTargets,
    PickWhen,
    Repeat,
    Targets,
    ToggleDay,
    When,
)
from services.audio import to_ogg_opus
from services.db import utcnow
from services.models import OutboxMessage
from services.notices.actions import ConfirmNotice
from services.notices.models import Notice, NoticeRun
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    make_callback_update,
    make_message_update,
    make_my_chat_member_update,
)
from tests.helpers import telegram_app
from tests.notices_support import engines, make_official, notice_row
from tests.test_audio_tts import FakeGoogleTTS, tone_mp3

OFFICIAL = 7001
GROUPS = (-1001001, -1001002)




class Telegram:
    """An official talking to the bot through the fake Bot API's webhook."""

    def __init__(self, fake: FakeTelegramAPI) -> None:
        self.fake = fake
        self.ids = itertools.count(1000)

    async def post(self, update: dict) -> None:
        assert await self.fake.post_to_webhook(update) == 200

    async def say(self, chat: int, text: str) -> None:
        await self.post(make_message_update(next(self.ids), chat, OFFICIAL, text))

    async def press(self, chat: int, data: str) -> None:
        await self.post(make_callback_update(next(self.ids), chat, OFFICIAL, data, 1))

    async def said(self, chat: int, needle: str, count: int = 1, timeout: float = 10):  # type: ignore[no-untyped-def]
        calls = await self.fake.wait_for(
            lambda c: c.ok and c.chat_id == chat and needle in str(
                c.params.get("text") or c.params.get("caption") or ""), count, timeout=timeout)
        return calls[-1]

    async def link_groups(self, app: App) -> None:
        commune = await make_official(app, str(OFFICIAL), channel="telegram")
        for index, group in enumerate(GROUPS):
            await self.post(make_my_chat_member_update(next(self.ids), group, OFFICIAL))
            await self.say(group, "/link")
            await self.said(group, "nhóm này dành cho thôn nào")
            await self.press(group, LinkVillage(commune.id, commune.villages[index].id).pack())
            await self.said(group, "Đã gắn nhóm")

    async def announce(self, text: str, mode: str, when: str) -> None:
        await self.say(OFFICIAL, "/announce")
        await self.said(OFFICIAL, "Mời anh/chị gõ nội dung")
        await self.say(OFFICIAL, text)
        await self.said(OFFICIAL, "Gửi tới đâu")
        await self.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
        await self.said(OFFICIAL, "Sẽ gửi tới 2 nhóm")
        await self.press(OFFICIAL, PickPriority("normal").pack())
        await self.said(OFFICIAL, "Gửi bằng chữ, giọng đọc")
        await self.press(OFFICIAL, PickMode(mode).pack())
        await self.said(OFFICIAL, "Khi nào gửi")
        await self.press(OFFICIAL, PickWhen(When(when)).pack())


def texts_in(fake: FakeTelegramAPI, chat: int, needle: str) -> list:
    return [c for c in fake.sent_to(chat) if needle in str(c.params.get("text") or "")]


async def test_announce_now_with_voice_reaches_each_group_once(
        database_url: str, google: FakeGoogleTTS) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        await tg.announce("Sáng mai 7h30 UBND xã tổ chức tiêm phòng tại TYT xã.", "both", "now")
        await tg.said(OFFICIAL, "Đang tạo bản đọc")
        preview = await tg.said(OFFICIAL, "Xem trước")
        assert preview.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] \
            == ConfirmNotice(1).pack()
        [preview_voice] = [c for c in fake.sent_to(OFFICIAL) if c.method == "sendVoice"]
        upload = preview_voice.files["voice"]
        with av.open(io.BytesIO(upload.content)) as container:
            assert container.format.name == "ogg"
            stream = container.streams.audio[0]
            assert (stream.codec_context.name, stream.channels) == ("opus", 1)
            played = sum(f.samples for f in container.decode(stream)) / stream.sample_rate
        assert played > 2 and preview_voice.params["duration"] == round(played)

        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=15)
        for group in GROUPS:
            sent = [c for c in fake.sent_to(group) if "THÔNG BÁO" in str(
                c.params.get("text") or c.params.get("caption"))]
            assert [c.method for c in sent] == ["sendMessage", "sendVoice"]
            assert "tiêm phòng" in sent[0].params["text"]
            assert sent[1].files == {} and sent[1].reused["voice"]  # uploaded once, reused
            assert fake.file(sent[1].reused["voice"]).content == upload.content
        assert fake.stats.duplicates == 0
        progress = await tg.said(OFFICIAL, "Thông báo #1: đã gửi")
        assert progress.method in ("sendMessage", "editMessageText")


async def test_scheduled_notice_fires_once_at_its_time(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = Telegram(fake)
        await tg.link_groups(app)
        await tg.announce("Chiều nay 14h họp chi bộ.", "text", "once")
        await tg.said(OFFICIAL, "Mời gõ ngày giờ")
        await tg.say(OFFICIAL, "25/12/2030 07:30")
        await tg.said(OFFICIAL, "Xem trước")
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "Đã hẹn gửi thông báo #1 lúc 07:30 25/12/2030")
        due = utcnow() + timedelta(seconds=2)
        async with app.db.transaction() as session:
            await session.execute(update(Notice).values(run_at=due, next_run_at=due))
        for group in GROUPS:
            assert texts_in(fake, group, "họp chi bộ") == []
        await tg.said(GROUPS[0], "họp chi bộ", timeout=10)
        await tg.said(GROUPS[1], "họp chi bộ", timeout=10)
        assert fake.calls_of("sendMessage")[-1].at >= 0  # sent; now make sure nothing follows
        await asyncio.sleep(2.5)
        for group in GROUPS:
            assert len(texts_in(fake, group, "họp chi bộ")) == 1
        notice = await notice_row(app, 1)
        assert (notice.status, notice.next_run_at) == ("done", None)


async def test_recurring_notice_fires_after_a_restart(database_url: str) -> None:
    async with FakeTelegramAPI() as fake:
        tg = Telegram(fake)
        async with telegram_app(database_url, fake) as app:
            await tg.link_groups(app)
            await tg.announce("Loa phát thanh: lịch thu gom rác hằng ngày.", "text", "repeat")
            await tg.press(OFFICIAL, PickRepeat(Repeat.WEEKLY).pack())
            await tg.said(OFFICIAL, "Gửi vào những ngày nào")
            await tg.press(OFFICIAL, ToggleDay(0).pack())
            await tg.press(OFFICIAL, ToggleDay(3).pack())
            await tg.press(OFFICIAL, DaysDone().pack())
            await tg.said(OFFICIAL, "Gửi lúc mấy giờ")
            await tg.say(OFFICIAL, "06:00")
            await tg.said(OFFICIAL, "hằng tuần lúc 06:00 vào Thứ Hai, Thứ Năm")
            await tg.press(OFFICIAL, ConfirmNotice(1).pack())
            await tg.said(OFFICIAL, "Đã hẹn gửi thông báo #1")
        # the bot is down; its next occurrence comes
        due = utcnow() + timedelta(seconds=1)
        async with telegram_app(database_url, fake) as app:
            async with app.db.transaction() as session:
                await session.execute(update(Notice).values(next_run_at=due))
            await tg.said(GROUPS[0], "lịch thu gom rác", timeout=10)
            await tg.said(GROUPS[1], "lịch thu gom rác", timeout=10)
            await asyncio.sleep(1.5)
            notice = await notice_row(app, 1)
        assert notice.status == "scheduled" and notice.next_run_at > due + timedelta(hours=1)
        local = notice.next_run_at + timedelta(hours=7)
        assert (local.hour, local.minute, local.weekday() in (0, 3)) == (6, 0, True)
        for group in GROUPS:
            assert len(texts_in(fake, group, "lịch thu gom rác")) == 1


async def test_the_repeat_choices_are_plain_words_and_monthly_is_one(database_url: str) -> None:
    """An official is never shown or asked for a cron expression: the repeat step offers
    "no repeat", daily, weekly on chosen days and monthly on a day; the cron is stored."""
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = Telegram(fake)
        await tg.link_groups(app)
        await tg.announce("Thu quỹ phòng chống thiên tai tại nhà văn hóa.", "text", "repeat")
        repeat = await tg.said(OFFICIAL, "Lặp lại thế nào?")
        labels = [b["text"] for row in repeat.params["reply_markup"]["inline_keyboard"]
                  for b in row]
        assert labels == ["Không lặp, gửi một lần", "Hằng ngày", "Hằng tuần vào thứ …",
                          "Hằng tháng vào ngày …", "✖ Hủy"]
        shown = " ".join([repeat.params["text"], *labels]).lower()
        assert "*" not in shown and "cron" not in shown
        await tg.press(OFFICIAL, PickRepeat(Repeat.MONTHLY).pack())
        asked = await tg.said(OFFICIAL, "ngày nào trong tháng")
        assert "*" not in asked.params["text"] and "cron" not in asked.params["text"].lower()
        await tg.say(OFFICIAL, "0 7 15 * *")
        await tg.said(OFFICIAL, "một số từ 1 đến 28")
        await tg.say(OFFICIAL, "ngày 15")
        await tg.said(OFFICIAL, "Gửi lúc mấy giờ")
        await tg.say(OFFICIAL, "7h30")
        preview = await tg.said(OFFICIAL, "hằng tháng vào ngày 15 lúc 07:30")
        assert "*" not in preview.params["text"]
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "Đã hẹn gửi thông báo #1")
        notice = await notice_row(app, 1)
        assert (notice.schedule, notice.cron) == ("monthly", "30 7 15 * *")
        local = notice.next_run_at + timedelta(hours=7)
        assert (local.day, local.hour, local.minute) == (15, 7, 30)

        await tg.announce("Họp tổ dân phố.", "text", "repeat")
        await tg.press(OFFICIAL, PickRepeat(Repeat.ONCE).pack())
        await tg.said(OFFICIAL, "Mời gõ ngày giờ gửi")
        async with app.db.transaction() as session:  # one typed as cron before: shown in words
            await session.execute(update(Notice).where(Notice.id == 1).values(
                schedule="cron", cron="0 6 * * 1,4"))
        await tg.say(OFFICIAL, "/notices")
        listed = await tg.said(OFFICIAL, "hằng tuần lúc 06:00 vào Thứ Hai, Thứ Năm")
        assert "*" not in listed.params["text"]


async def test_two_instances_deliver_each_occurrence_once(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as one, \
            telegram_app(database_url, fake) as two:
        tg = Telegram(fake)
        await tg.link_groups(one)
        await tg.announce("Kiểm tra hệ thống loa lúc 9h.", "text", "repeat")
        await tg.press(OFFICIAL, PickRepeat(Repeat.DAILY).pack())
        await tg.said(OFFICIAL, "Gửi lúc mấy giờ")
        await tg.say(OFFICIAL, "09:00")
        await tg.said(OFFICIAL, "Xem trước")
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "Đã hẹn gửi")
        for occurrence in range(3):
            due = utcnow() + timedelta(seconds=1)
            async with one.db.transaction() as session:
                await session.execute(update(Notice).values(next_run_at=due))
            await tg.said(GROUPS[0], "Kiểm tra hệ thống loa", occurrence + 1, timeout=10)
            await tg.said(GROUPS[1], "Kiểm tra hệ thống loa", occurrence + 1, timeout=10)
        await asyncio.sleep(2)
        for group in GROUPS:
            assert len(texts_in(fake, group, "Kiểm tra hệ thống loa")) == 3
        async with two.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(NoticeRun)) == 3
            keys = list(await session.scalars(select(OutboxMessage.dedupe_key).where(
                OutboxMessage.dedupe_key.is_not(None))))
        assert len(keys) == len(set(keys)) == 6
        assert len(await tg.fake.wait_for(
            lambda c: c.ok and c.chat_id == OFFICIAL and "đã gửi xong" in str(
                c.params.get("text")), 3)) == 3


async def voice_announcement(tg: Telegram, update: dict) -> None:
    await tg.say(OFFICIAL, "/announce")
    await tg.said(OFFICIAL, "Mời anh/chị gõ nội dung")
    await tg.post(update)
    await tg.said(OFFICIAL, "Gửi tới đâu")
    await tg.press(OFFICIAL, PickTargets(Targets.WHOLE).pack())
    await tg.said(OFFICIAL, "Sẽ gửi tới 2 nhóm")
    await tg.press(OFFICIAL, PickPriority("priority").pack())
    await tg.said(OFFICIAL, "Khi nào gửi")              # no "text or voice?": it is a voice
    await tg.press(OFFICIAL, PickWhen(When.NOW).pack())


async def test_the_officials_own_recording_goes_out_as_it_is(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        fake.add_file("rec-1", to_ogg_opus(tone_mp3(1.0)), kind="voice")
        tg = Telegram(fake)
        await tg.link_groups(app)
        await voice_announcement(tg, make_message_update(
            next(tg.ids), OFFICIAL, OFFICIAL, voice="rec-1", voice_duration=4))
        await tg.said(OFFICIAL, "Xem trước")
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=15)
        for group in GROUPS:
            [voice] = [c for c in fake.sent_to(group) if c.method == "sendVoice"]
            assert voice.reused == {"voice": "rec-1"} and voice.params["duration"] == 4
            assert voice.params["caption"].startswith("📢 THÔNG BÁO QUAN TRỌNG")
            assert texts_in(fake, group, "THÔNG BÁO") == []


async def test_an_audio_file_is_converted_to_a_voice_message(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        fake.add_file("mp3-1", tone_mp3(2.0), kind="audio")
        tg = Telegram(fake)
        await tg.link_groups(app)
        update = make_message_update(next(tg.ids), OFFICIAL, OFFICIAL)
        update["message"]["audio"] = {"file_id": "mp3-1", "file_unique_id": "Ump3", "duration": 2,
                                      "mime_type": "audio/mpeg"}
        await voice_announcement(tg, update)
        await tg.said(OFFICIAL, "Đang tạo bản đọc")
        await tg.said(OFFICIAL, "Xem trước")
        [preview] = [c for c in fake.sent_to(OFFICIAL) if c.method == "sendVoice"]
        with av.open(io.BytesIO(preview.files["voice"].content)) as container:
            assert container.streams.audio[0].codec_context.name == "opus"
        await tg.press(OFFICIAL, ConfirmNotice(1).pack())
        await tg.said(OFFICIAL, "đã gửi xong: 2/2 nhóm", timeout=15)
        for group in GROUPS:
            [voice] = [c for c in fake.sent_to(group) if c.method == "sendVoice"]
            assert voice.reused["voice"] == preview.result["voice"]["file_id"]
