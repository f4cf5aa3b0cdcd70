"""The Zalo adapter without a server: parsing the payload samples of ../shared/fixtures/zalo/,
rendering for Zalo's limits, mapping refusals, signing media links; and the client against the
fake Zalo Bot API."""

import json
from pathlib import Path

import aiohttp
import pytest

from bot.channels.base import ChatGone, FileTooBig, Rejected, RetryLater
from bot.channels.zalo import (
    BadUpdate,
    MediaLinks,
    ZaloApiError,
    ZaloChannel,
    ZaloClient,
    _classify,
    render,
)
from tests.fakes.zalo_api import DEFAULT_TOKEN, FakeZaloAPI


def sample(shared: Path, name: str) -> dict:
    return json.loads((shared / "fixtures" / "zalo" / name).read_text(encoding="utf-8"))


@pytest.fixture
def channel() -> ZaloChannel:
    return ZaloChannel(ZaloClient("t", "http://127.0.0.1:9"),
                       MediaLinks("secret-key", "https://gw.example.vn/thonso"))


def test_documented_text_webhook_wrapped(channel: ZaloChannel, shared: Path) -> None:
    inc = channel.parse(sample(shared, "bot_webhook_text_docs.json"))
    assert inc is not None
    assert (inc.channel, inc.chat_id, inc.user_id, inc.chat_type) == (
        "zalo", "6ede9afa66b88fe6d6a9", "6ede9afa66b88fe6d6a9", "private")
    assert inc.update_key == "message.text.received:2d758cb5e222177a4e35"
    assert (inc.text, inc.command, inc.user_name) == ("Xin chào", None, "Ted")


def test_reported_image_webhook_flat_with_photo_url(channel: ZaloChannel,
                                                    shared: Path) -> None:
    inc = channel.parse(sample(shared, "bot_webhook_image_reported.json"))
    assert inc is not None
    assert inc.update_key == "message.image.received:m1"
    assert [p.url for p in inc.photos] == ["https://cdn.example.com/photo.jpg"]
    assert inc.text is None and inc.event is None
    assert (inc.user_id, inc.user_name) == ("u1", "Anh Lâm")


def test_image_with_photo_field_and_caption(channel: ZaloChannel, shared: Path) -> None:
    body = sample(shared, "bot_webhook_image_reported.json")
    message = body["message"]
    message["photo"] = message.pop("photo_url")
    message["caption"] = "Đường ngập nước"
    inc = channel.parse({"ok": True, "result": body})
    assert inc is not None
    assert inc.photos[0].url == "https://cdn.example.com/photo.jpg"
    assert inc.text == "Đường ngập nước"


def test_get_updates_result_without_event_name(channel: ZaloChannel, shared: Path) -> None:
    inc = channel.parse(sample(shared, "bot_getupdates_docs.json")["result"])
    assert inc is not None
    assert inc.update_key == "message.text.received:16f6366b3f02645a3d15"
    assert (inc.text, inc.user_name) == ("Xin chào", "Nguyen Van A")


@pytest.mark.parametrize(("text", "command", "args"), [
    ("/start", "start", ""), ("/HELP", "help", ""),
    ("/grant official zalo:abc 27280", "grant", "official zalo:abc 27280"),
    ("/start@thonso_bot fb-123", "start", "fb-123"), ("  /menu  ", "menu", ""),
])
def test_leading_slash_command_is_split_off(channel: ZaloChannel, text: str, command: str,
                                            args: str) -> None:
    body = {"event_name": "message.text.received",
            "message": {"chat": {"id": "c"}, "from": {"id": "c"}, "message_id": "1",
                        "text": text}}
    inc = channel.parse(body)
    assert inc is not None
    assert (inc.command, inc.args, inc.text) == (command, args, None)


@pytest.mark.parametrize("text", ["/ không phải lệnh", "1/2 số nhà", "/đăng ký", "/"])
def test_text_that_is_no_command_stays_text(channel: ZaloChannel, text: str) -> None:
    body = {"event_name": "message.text.received",
            "message": {"chat": {"id": "c"}, "message_id": "1", "text": text}}
    inc = channel.parse(body)
    assert inc is not None and inc.text == text and inc.command is None


@pytest.mark.parametrize("event", ["message.sticker.received", "message.unsupported.received",
                                   "message.location.received", "message.brand_new.received"])
def test_stickers_unsupported_and_unknown_events_are_unsupported(channel: ZaloChannel,
                                                                 event: str) -> None:
    body = {"event_name": event,
            "message": {"chat": {"id": "c"}, "message_id": "9", "sticker": "s1"}}
    inc = channel.parse(body)
    assert inc is not None
    assert inc.event == "unsupported" and inc.update_key == f"{event}:9"


def test_voice_message_carries_its_url(channel: ZaloChannel) -> None:
    body = {"event_name": "message.voice.received",
            "message": {"chat": {"id": "c"}, "message_id": "v1",
                        "voice_url": "https://cdn.example.com/v.aac", "duration": 4}}
    inc = channel.parse(body)
    assert inc is not None and inc.voice is not None
    assert (inc.voice.url, inc.voice.duration) == ("https://cdn.example.com/v.aac", 4)


def test_group_chats_are_known_as_groups(channel: ZaloChannel) -> None:
    body = {"event_name": "message.text.received",
            "message": {"chat": {"id": "g1", "chat_type": "GROUP"}, "from": {"id": "u9"},
                        "message_id": "1", "text": "chào cả nhà"}}
    inc = channel.parse(body)
    assert inc is not None and inc.chat_type == "group" and inc.user_id == "u9"
    assert channel.is_group("g1") and not channel.is_group("u9")


@pytest.mark.parametrize("body", [
    None, [1], "text", {}, {"hello": 1}, {"ok": True, "result": []},
    {"ok": False, "result": {"event_name": "x"}},
    {"event_name": 5, "message": {}},
    {"event_name": "message.text.received", "message": {"text": "no chat", "message_id": "1"}},
    {"event_name": "message.text.received", "message": {"chat": {"id": "c"}, "text": "no id"}},
    {"event_name": "message.text.received",
     "message": {"chat": {"id": "c"}, "message_id": "", "text": "empty id"}},
])
def test_bodies_that_are_no_update_are_refused(channel: ZaloChannel, body: object) -> None:
    with pytest.raises(BadUpdate):
        channel.parse(body)


def test_official_account_samples_are_not_bot_updates(channel: ZaloChannel,
                                                      shared: Path) -> None:
    with pytest.raises(BadUpdate):  # a message without chat: answered 400
        channel.parse(sample(shared, "oa_user_send_text_docs.json"))
    assert channel.parse(sample(shared, "oa_follow_captured.json")) is None  # ignored
    with pytest.raises(BadUpdate):
        channel.parse(sample(shared, "bot_error_unauthorized_reported.json"))


def test_render_numbers_choices_and_lists_links() -> None:
    buttons = [[{"text": "Có", "data": "x:yes"}, {"text": "Không", "data": "x:no"}],
               [{"text": "Cổng dịch vụ công", "url": "https://dichvucong.gov.vn"}],
               [{"text": "Về menu", "data": "menu:home"}]]
    assert render("Bạn đồng ý?", buttons) == (
        "Bạn đồng ý?\n\n1. Có\n2. Không\n3. Về menu\n\n"
        "Cổng dịch vụ công: https://dichvucong.gov.vn")
    assert render("Chỉ chữ", []) == "Chỉ chữ"
    assert render(None, [[{"text": "A", "data": "a"}]]) == "1. A"


def test_refusals_map_to_the_senders_outcomes() -> None:
    assert isinstance(_classify(ZaloApiError("sendMessage", 429, "Too many", 7)), RetryLater)
    assert _classify(ZaloApiError("sendMessage", 429, "Too many", 7)).seconds == 7
    assert isinstance(_classify(ZaloApiError("sendMessage", 403, "Forbidden")), ChatGone)
    assert isinstance(_classify(ZaloApiError("sendMessage", 400, "User blocked the bot")),
                      ChatGone)
    assert isinstance(_classify(ZaloApiError("sendMessage", 404, "Chat not found")), ChatGone)
    assert isinstance(_classify(ZaloApiError("sendMessage", 401, "Unauthorized")), RetryLater)
    assert isinstance(_classify(ZaloApiError("sendMessage", 502, "Bad Gateway")), RetryLater)
    assert isinstance(_classify(ZaloApiError("sendMessage", 400, "text too long")), Rejected)


def test_media_links_are_signed_and_expire() -> None:
    links = MediaLinks("secret-key", "https://gw.example.vn/thonso/", ttl=60)
    sha = "ab" * 32
    url = links.link(sha, now=1_000)
    assert url is not None and url.startswith(f"https://gw.example.vn/thonso/media/{sha}?exp=1060&sig=")
    sig = url.rsplit("sig=", 1)[1]
    assert links.valid(sha, "1060", sig, now=1_000)
    assert links.valid(sha, "1060", sig, now=1_060)
    assert not links.valid(sha, "1060", sig, now=1_061)            # expired
    assert not links.valid(sha, "9999", sig, now=1_000)            # expiry moved
    assert not links.valid("cd" * 32, "1060", sig, now=1_000)      # another blob
    assert not links.valid(sha, "1060", "0" * 64, now=1_000)       # forged
    assert not links.valid(sha, None, None, now=1_000)
    assert not links.valid("../etc/passwd", "1060", sig, now=1_000)
    other = MediaLinks("another-key", "https://gw.example.vn/thonso")
    assert not other.valid(sha, "1060", sig, now=1_000)
    assert MediaLinks("k", None).link(sha) is None


async def test_client_checks_ok_on_every_answer() -> None:
    async with FakeZaloAPI() as fake:
        client = ZaloClient(DEFAULT_TOKEN, fake.url)
        try:
            me = await client.get_me()
            assert me["account_type"] == "BASIC"
            assert await client.get_updates(timeout=0) == []          # 408: none
            sent = await client.send_message("c1", "Xin chào")
            assert len(sent["message_id"]) == 20
            fake.fail_next("sendMessage", 400, ok_false=True, description="Bad Request: x")
            with pytest.raises(ZaloApiError) as refused:
                await client.send_message("c1", "Xin chào")
            assert (refused.value.code, refused.value.description) == (400, "Bad Request: x")
            fake.fail_next("sendMessage", 429, retry_after=3)
            with pytest.raises(ZaloApiError) as limited:
                await client.send_message("c1", "Xin chào")
            assert (limited.value.code, limited.value.retry_after) == (429, 3.0)
            assert await client.send_chat_action("c1") is True
            assert (await client.send_sticker("c1", "s1"))["message_id"]
        finally:
            await client.close()
        bad = ZaloClient("wrong-token", fake.url)
        try:
            with pytest.raises(ZaloApiError) as unauthorized:   # HTTP 200 with ok: false
                await bad.get_me()
            assert unauthorized.value.code == 401
        finally:
            await bad.close()
        assert [c.http_status for c in fake.calls_of("getMe")] == [200, 200]


async def test_files_people_send_are_fetched_within_a_size_and_a_time_limit() -> None:
    """A photo at Zalo's URL is downloaded through the adapter's client: whole, however it
    comes; refused past the limit, whether the server says its length or not; given up when
    the server stalls; an HTTP error is an error."""
    async with FakeZaloAPI() as fake:
        channel = ZaloChannel(ZaloClient(DEFAULT_TOKEN, fake.url), MediaLinks("k", None))
        client = channel.client
        photo = bytes(range(256)) * 400                       # 100 KiB, in many chunks
        try:
            assert await channel.download(fake.host("a.jpg", photo)) == photo
            assert await channel.download(fake.host("b.jpg", photo, chunked=True)) == photo
            assert await client.fetch(fake.host("c.jpg", photo), limit=len(photo)) == photo
            for name, chunked in (("d.jpg", False), ("e.jpg", True)):
                with pytest.raises(FileTooBig):
                    await client.fetch(fake.host(name, photo, chunked=chunked),
                                       limit=len(photo) - 1)
            with pytest.raises(TimeoutError):
                await client.fetch(fake.host("f.jpg", photo, stall=True), timeout=0.3)
            with pytest.raises(aiohttp.ClientResponseError):
                await channel.download(f"{fake.url}/files/none.jpg")
        finally:
            await client.close()
        assert fake.files_fetched == ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg",
                                      "none.jpg"]
