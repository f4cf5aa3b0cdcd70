"""The fake Bot API, driven by the real python-telegram-bot ``Bot``."""

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    RateLimits,
    make_callback_update,
    make_message_update,
    make_my_chat_member_update,
    make_poll_answer_update,
)

CITIZEN = 1001
VILLAGE_GROUP = -1002003004005


class ManualClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
        yield bot


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 returns time periods (retry_after) as timedelta with this, without warnings."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_initialize_calls_get_me(fake: FakeTelegramAPI, bot: Bot) -> None:
    assert bot.username == fake.bot_username
    assert bot.id == fake.bot_id
    assert [call.method for call in fake.calls] == ["getMe"]


async def test_wrong_token_is_unauthorized(fake: FakeTelegramAPI) -> None:
    other = Bot("42:not-the-token", base_url=fake.base_url)
    try:
        with pytest.raises(InvalidToken):
            await other.initialize()
    finally:
        await other.shutdown()
    assert fake.calls[-1].status == 401
    assert fake.calls[-1].description == "Unauthorized"


async def test_send_message_with_inline_keyboard(fake: FakeTelegramAPI, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Tiếng Việt", callback_data="lang:vi")]])
    first = await bot.send_message(CITIZEN, "Chọn ngôn ngữ", reply_markup=keyboard)
    second = await bot.send_message(CITIZEN, "Lần hai")
    in_group = await bot.send_message(VILLAGE_GROUP, "Thông báo")

    assert (first.message_id, second.message_id, in_group.message_id) == (1, 2, 1)
    assert first.reply_markup == keyboard
    assert first.chat.type == "private"
    assert in_group.chat.type == "supergroup"
    call = fake.sent_to(CITIZEN)[0]
    assert call.params["chat_id"] == CITIZEN
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Tiếng Việt", "callback_data": "lang:vi"}]]
    }
    assert [c.params["text"] for c in fake.sent_to(CITIZEN)] == ["Chọn ngôn ngữ", "Lần hai"]


async def test_text_that_looks_like_json_stays_text(fake: FakeTelegramAPI, bot: Bot) -> None:
    message = await bot.send_message(CITIZEN, "123")
    assert message.text == "123"
    assert fake.sent_to(CITIZEN)[0].params["text"] == "123"


async def test_bad_requests_are_answered_like_telegram(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CITIZEN, "a" * 4097)
    too_long = InlineKeyboardButton("x", callback_data="d" * 65)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CITIZEN, "x", reply_markup=InlineKeyboardMarkup([[too_long]]))
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CITIZEN, "Tôi <3 thôn", parse_mode=ParseMode.HTML)
    html = await bot.send_message(CITIZEN, "<b>Thôn</b> &amp; xã", parse_mode=ParseMode.HTML)
    assert html.text == "Thôn & xã"
    assert fake.stats.accepted[CITIZEN] == 1


async def test_photo_upload_then_file_id_reuse(fake: FakeTelegramAPI, bot: Bot) -> None:
    jpeg = b"\xff\xd8\xff\xe0fake-jpeg"
    sent = await bot.send_photo(VILLAGE_GROUP, jpeg, caption="Ảnh hiện trường")
    file_id = sent.photo[-1].file_id
    again = await bot.send_photo(CITIZEN, file_id)

    upload, reuse = fake.calls_of("sendPhoto")
    assert upload.files["photo"].content == jpeg
    assert upload.reused == {}
    assert sent.caption == "Ảnh hiện trường"
    assert reuse.files == {}
    assert reuse.reused == {"photo": file_id}
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(CITIZEN, "no-such-file-id")
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type photo as voice"):
        await bot.send_voice(CITIZEN, file_id)


async def test_voice_audio_document(fake: FakeTelegramAPI, bot: Bot) -> None:
    voice = await bot.send_voice(VILLAGE_GROUP, b"OggS-voice", duration=7)
    audio = await bot.send_audio(VILLAGE_GROUP, b"ID3-mp3", filename="ban_tin.mp3", title="Bản tin")
    document = await bot.send_document(CITIZEN, b"%PDF-1.7", filename="bao_cao.pdf")

    assert voice.voice.duration == dtm.timedelta(seconds=7)
    assert audio.audio.file_name == "ban_tin.mp3"
    assert audio.audio.title == "Bản tin"
    assert document.document.file_name == "bao_cao.pdf"
    assert document.document.mime_type == "application/pdf"
    assert fake.calls_of("sendAudio")[0].files["audio"].filename == "ban_tin.mp3"
    assert [c.method for c in fake.sent_to(VILLAGE_GROUP)] == ["sendVoice", "sendAudio"]


async def test_get_file_and_download(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.add_file("citizen-photo-1", b"photo bytes", kind="photo")
    telegram_file = await bot.get_file("citizen-photo-1")
    assert telegram_file.file_size == len(b"photo bytes")
    assert telegram_file.file_path.startswith(f"{fake.base_file_url}{fake.token}/photos/")
    assert await telegram_file.download_as_bytearray() == bytearray(b"photo bytes")

    sent = await bot.send_voice(CITIZEN, b"OggS")
    uploaded = await bot.get_file(sent.voice.file_id)
    assert await uploaded.download_as_bytearray() == bytearray(b"OggS")
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("unknown")


async def test_webhook_set_and_info(fake: FakeTelegramAPI, bot: Bot) -> None:
    assert (await bot.get_webhook_info()).url == ""
    await bot.set_webhook(
        "https://thonso.example.vn/telegram", secret_token="s3cret", allowed_updates=["message"]
    )
    info = await bot.get_webhook_info()
    assert info.url == "https://thonso.example.vn/telegram"
    assert info.allowed_updates == ("message",)
    assert fake.webhook["secret_token"] == "s3cret"
    with pytest.raises(Conflict):
        await bot.get_updates()
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook("https://thonso.example.vn/telegram", secret_token="có dấu")
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_post_to_webhook_sends_the_secret(fake: FakeTelegramAPI, bot: Bot) -> None:
    received: list[tuple[str | None, dict]] = []

    async def webhook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((secret, await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/telegram", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        port = runner.addresses[0][1]
        await bot.set_webhook(f"http://127.0.0.1:{port}/telegram", secret_token="s3cret")
        update = make_message_update(7, CITIZEN, CITIZEN, "/start")
        assert await fake.post_to_webhook(update) == 200
    finally:
        await runner.cleanup()
    assert received == [("s3cret", update)]


async def test_get_updates_serves_pushed_updates(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_update(make_message_update(10, CITIZEN, CITIZEN, "/start xa_an_binh"))
    fake.push_update(make_callback_update(11, CITIZEN, CITIZEN, "lang:vi", message_id=5))

    command, button = await bot.get_updates(timeout=0)
    assert command.message.text == "/start xa_an_binh"
    assert command.message.parse_entities() == {command.message.entities[0]: "/start"}
    assert button.callback_query.data == "lang:vi"
    assert await bot.get_updates(offset=12, timeout=0) == ()

    waiting = asyncio.create_task(bot.get_updates(offset=12, timeout=5))
    await asyncio.sleep(0.05)
    fake.push_update(make_message_update(12, CITIZEN, CITIZEN, "chào"))
    [late] = await asyncio.wait_for(waiting, timeout=2)
    assert late.message.text == "chào"


async def test_retry_after_is_injected(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CITIZEN, "Xin chào")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(CITIZEN, "Xin chào")
    assert [c.status for c in fake.calls_of("sendMessage")] == [429, 200]
    assert fake.stats.rate_limited == 1


async def test_forbidden_when_blocked(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=403, chat_id=CITIZEN)
    await bot.send_message(VILLAGE_GROUP, "không bị ảnh hưởng")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(CITIZEN, "Xin chào")

    fake.block(VILLAGE_GROUP)
    with pytest.raises(Forbidden, match=r"(?i)kicked from the group"):
        await bot.send_message(VILLAGE_GROUP, "Thông báo")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(VILLAGE_GROUP, "typing")


async def test_bad_request_injection(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendPhoto", status=400, description="Bad Request: IMAGE_PROCESS_FAILED")
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(CITIZEN, b"not an image")


async def test_edit_delete_pin_and_callback_answers(fake: FakeTelegramAPI, bot: Bot) -> None:
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Đồng ý", callback_data="ok")]])
    sent = await bot.send_message(CITIZEN, "Bạn đồng ý?", reply_markup=buttons)
    edited = await bot.edit_message_text("Đã đồng ý", CITIZEN, sent.message_id)
    assert edited.text == "Đã đồng ý"
    assert edited.reply_markup is None
    assert fake.message(CITIZEN, sent.message_id)["text"] == "Đã đồng ý"
    assert fake.calls_of("sendMessage")[0].result["text"] == "Bạn đồng ý?"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Đã đồng ý", CITIZEN, sent.message_id)
    await bot.edit_message_reply_markup(CITIZEN, sent.message_id, reply_markup=buttons)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", CITIZEN, 999)

    assert await bot.pin_chat_message(CITIZEN, sent.message_id)
    assert (await bot.get_chat(CITIZEN)).pinned_message.message_id == sent.message_id
    assert await bot.delete_message(CITIZEN, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CITIZEN, sent.message_id)

    assert await bot.answer_callback_query("cq1", text="Đã ghi nhận")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("cq1")


async def test_pushed_messages_can_be_edited_only_if_from_the_bot(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    fake.push_update(make_callback_update(1, CITIZEN, CITIZEN, "menu", message_id=40))
    fake.push_update(make_message_update(2, CITIZEN, CITIZEN, "tin của dân", message_id=41))
    await bot.edit_message_text("Menu mới", CITIZEN, 40)
    with pytest.raises(BadRequest, match=r"(?i)can't be edited"):
        await bot.edit_message_text("sửa", CITIZEN, 41)
    assert (await bot.send_message(CITIZEN, "tiếp")).message_id == 42


async def test_poll_and_stop_poll(fake: FakeTelegramAPI, bot: Bot) -> None:
    sent = await bot.send_poll(
        VILLAGE_GROUP, "Họp thôn tối thứ mấy?", ["Thứ 6", "Thứ 7"], is_anonymous=False
    )
    assert [o.text for o in sent.poll.options] == ["Thứ 6", "Thứ 7"]
    assert sent.poll.is_anonymous is False
    stopped = await bot.stop_poll(VILLAGE_GROUP, sent.message_id)
    assert stopped.is_closed
    with pytest.raises(BadRequest, match=r"(?i)already been closed"):
        await bot.stop_poll(VILLAGE_GROUP, sent.message_id)
    answer = Update.de_json(make_poll_answer_update(3, sent.poll.id, CITIZEN, [1]), bot)
    assert answer.poll_answer.option_ids == (1,)


async def test_chat_member_chat_action_and_commands(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.set_member_status(VILLAGE_GROUP, CITIZEN, "administrator")
    admin = await bot.get_chat_member(VILLAGE_GROUP, CITIZEN)
    member = await bot.get_chat_member(VILLAGE_GROUP, 2002)
    assert admin.status == ChatMemberStatus.ADMINISTRATOR
    assert member.status == ChatMemberStatus.MEMBER
    assert (await bot.get_chat(VILLAGE_GROUP)).type == "supergroup"
    assert await bot.send_chat_action(CITIZEN, "typing")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(CITIZEN, "dancing")

    assert await bot.set_my_commands([("start", "Bắt đầu"), ("phananh", "Gửi phản ánh")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "phananh"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Phản_ánh", "có dấu")])


async def test_wait_for_waits_for_concurrent_calls(fake: FakeTelegramAPI, bot: Bot) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(CITIZEN, "một")
        await bot.send_message(CITIZEN, "hai")

    task = asyncio.create_task(send_later())
    calls = await fake.wait_for("sendMessage", count=2, timeout=5)
    await task
    assert [c.params["text"] for c in calls] == ["một", "hai"]
    with pytest.raises(TimeoutError, match="got 0"):
        await fake.wait_for(lambda c: c.method == "sendPoll", timeout=0.05)


async def test_rate_limits_private_burst_then_one_per_second(bot: Bot) -> None:
    clock = ManualClock()
    async with FakeTelegramAPI(rate_limits=RateLimits(private_burst=3), clock=clock) as fake:
        limited = Bot(fake.token, base_url=fake.base_url)
        async with limited:
            for n in range(3):
                await limited.send_message(CITIZEN, f"tin {n}")
            with pytest.raises(RetryAfter) as caught:
                await limited.send_message(CITIZEN, "quá nhanh")
            assert caught.value.retry_after == dtm.timedelta(seconds=1)
            clock.now += 1.0
            await limited.send_message(CITIZEN, "sau một giây")
    assert fake.stats.accepted[CITIZEN] == 4
    assert fake.stats.rate_limited == 1


async def test_rate_limits_group_per_minute_and_global() -> None:
    clock = ManualClock()
    async with FakeTelegramAPI(rate_limits=RateLimits(), clock=clock) as fake:
        bot = Bot(fake.token, base_url=fake.base_url)
        async with bot:
            for n in range(20):
                await bot.send_message(VILLAGE_GROUP, f"thông báo {n}")
                clock.now += 0.5
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(VILLAGE_GROUP, "thứ 21")
            assert caught.value.retry_after == dtm.timedelta(seconds=50)

            clock.now += 100
            for chat in range(1, 31):
                await bot.send_message(chat, "chào")
            with pytest.raises(RetryAfter):
                await bot.send_message(31, "chào")
    assert fake.stats.rate_limited == 2
    assert sum(fake.stats.accepted.values()) == 50


async def test_duplicates_are_counted(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.send_message(VILLAGE_GROUP, "Lịch tiêm chủng")
    await bot.send_message(VILLAGE_GROUP, "Lịch tiêm chủng")
    await bot.send_message(CITIZEN, "Lịch tiêm chủng")
    assert fake.stats.duplicates == 1


def test_built_updates_parse_with_ptb() -> None:
    bot = Bot("123:abc")
    photo = Update.de_json(
        make_message_update(
            1, CITIZEN, CITIZEN, None, photo="p1", caption="Đường hỏng", location=(10.8, 106.6)
        ),
        bot,
    )
    assert photo.message.photo[-1].file_id == "p1"
    assert photo.message.caption == "Đường hỏng"
    assert photo.message.location.latitude == 10.8
    voice = Update.de_json(make_message_update(2, CITIZEN, CITIZEN, voice="v1"), bot)
    assert voice.message.voice.file_id == "v1"
    group = Update.de_json(
        make_message_update(3, VILLAGE_GROUP, CITIZEN, "/thongbao@thonso_test_bot hi"), bot
    )
    assert group.effective_chat.type == "supergroup"
    assert group.message.entities[0].length == len("/thongbao@thonso_test_bot")

    added = Update.de_json(make_my_chat_member_update(4, VILLAGE_GROUP, CITIZEN), bot)
    assert added.my_chat_member.new_chat_member.status == ChatMemberStatus.MEMBER
    blocked = Update.de_json(make_my_chat_member_update(5, CITIZEN, CITIZEN, added=False), bot)
    assert blocked.my_chat_member.new_chat_member.status == ChatMemberStatus.BANNED
    left = Update.de_json(make_my_chat_member_update(6, -55, CITIZEN, added=False), bot)
    assert left.my_chat_member.chat.type == "group"
    assert left.my_chat_member.new_chat_member.status == ChatMemberStatus.LEFT
