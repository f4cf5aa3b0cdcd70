"""Files on Zalo: the bot serves blobs from signed, expiring links that Zalo fetches (photos)
or the citizen opens (documents such as the personal-data export)."""

import hashlib
import json
import time
from urllib.parse import parse_qs, urlsplit

import aiohttp
from sqlalchemy import select

from handlers.home import MenuEntry, OpenMenu
from services.callbacks import Button, keyboard_json
from services.models import OutboxMessage
from services.outbox import Outbox
from tests.fakes.zalo_api import FakeZaloAPI, text_update
from tests.helpers import eventually
from tests.zalo_helpers import settle, zalo_app

CHAT = "c0ffee0123456789abcd"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
BACK_TO_MENU = Button("Về menu", OpenMenu(MenuEntry.HOME))


async def get(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.read(), response.content_type


async def test_photo_is_sent_by_signed_link_and_reused(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        async with app.db.transaction() as session:
            outbox = Outbox(session)
            digest = await outbox.store_blob(PHOTO, "image/png")
            for caption in ("Áp phích mã QR của xã", "Lần nữa"):
                await outbox.enqueue("zalo", CHAT, kind="photo", text=caption,
                                     buttons=keyboard_json([[BACK_TO_MENU]]),
                                     attachment={"sha256": digest, "filename": "qr.png"})
        await settle(app)
        first, second = fake.calls_of("sendPhoto")
        assert first.ok and second.ok
        assert first.params["caption"] == "Áp phích mã QR của xã\n\n1. Về menu"
        assert first.fetched == (200, PHOTO)       # Zalo could fetch the photo
        assert second.fetched == (200, PHOTO)      # again, from the remembered blob id
        link = urlsplit(first.params["photo"])
        assert link.path == f"/thonso/media/{digest}"
        assert int(parse_qs(link.query)["exp"][0]) > time.time() + 3600
        async with app.db.transaction() as session:
            assert await Outbox(session).channel_file_id("zalo", digest) == f"blob:{digest}"


async def test_media_route_refuses_forged_and_expired_links(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        async with app.db.transaction() as session:
            digest = await Outbox(session).store_blob(PHOTO, "image/png")
        assert app.zalo is not None
        media = app.zalo.media
        good = media.link(digest)
        assert good is not None
        assert await get(good) == (200, PHOTO, "image/png")
        # Without the gateway's prefix too.
        unprefixed = good.replace("/thonso/media/", "/media/")
        assert (await get(unprefixed))[0] == 200
        expired_at = int(time.time()) - 5
        expired = (f"{app.settings.webhook_base_url}/media/{digest}?exp={expired_at}"
                   f"&sig={media.signature(digest, expired_at)}")
        assert (await get(expired))[0] == 403
        forged = good.rsplit("sig=", 1)[0] + "sig=" + "0" * 64
        assert (await get(forged))[0] == 403
        later = int(time.time()) + 10 * 24 * 3600
        stretched = good.split("?")[0] + f"?exp={later}&sig=" + good.rsplit("sig=", 1)[1]
        assert (await get(stretched))[0] == 403
        assert (await get(good.split("?")[0]))[0] == 403
        unknown = hashlib.sha256(b"nothing").hexdigest()
        assert (await get(media.link(unknown) or ""))[0] == 404
        assert app.metrics.value("thonso_webhook_refused_total", reason="media_forbidden") == 4


async def test_privacy_export_arrives_as_a_link(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        for index, text in enumerate(["Xin chào", "1", "2", "1"], start=1):
            assert await fake.post_to_webhook(text_update(CHAT, text)) == 200
            await fake.wait_sent(CHAT, index + (1 if index == 4 else 0))
        assert await fake.post_to_webhook(text_update(CHAT, "/privacy")) == 200
        summary = (await fake.wait_sent(CHAT, 6))[-1].text
        assert summary.endswith("1. ⬇️ Tải dữ liệu của tôi\n2. 🗑 Xóa dữ liệu của tôi")
        assert await fake.post_to_webhook(text_update(CHAT, "1")) == 200
        export = (await fake.wait_sent(CHAT, 7))[-1]
        assert export.method == "sendMessage"
        caption, line = export.text.split("\n\n")
        assert caption == "Toàn bộ dữ liệu Thôn Số lưu về bạn."
        label, url = line.split(": ", 1)
        assert label == "📎 thonso-du-lieu-ca-nhan.json"
        status, body, content_type = await get(url)
        assert (status, content_type) == (200, "application/json")
        assert "Nguyễn Văn An" in json.dumps(json.loads(body), ensure_ascii=False)

        async def recorded() -> bool:
            async with app.db.transaction() as session:
                row = (await session.scalars(select(OutboxMessage)
                                             .where(OutboxMessage.kind == "document"))).one()
                return row.status == "sent"

        await eventually(recorded)


async def test_without_a_public_address_a_file_falls_back_to_its_text(database_url: str) -> None:
    async with FakeZaloAPI(fetch_photos=False) as fake, \
            zalo_app(database_url, fake, webhook=False) as app:
        async with app.db.transaction() as session:
            outbox = Outbox(session)
            digest = await outbox.store_blob(PHOTO, "image/png")
            await outbox.enqueue("zalo", CHAT, kind="photo", text="Ảnh hiện trường",
                                 attachment={"sha256": digest, "filename": "a.png"})
            await outbox.enqueue("zalo", CHAT, kind="photo",
                                 attachment={"sha256": digest, "filename": "a.png"})
            await outbox.enqueue("zalo", CHAT, kind="photo", text="Ảnh đã có đường dẫn",
                                 attachment={"url": "https://cdn.example.com/p.jpg"})
        await settle(app)
        assert fake.texts_to(CHAT) == ["Ảnh hiện trường", "Ảnh đã có đường dẫn"]
        [by_url] = fake.calls_of("sendPhoto")
        assert by_url.params["photo"] == "https://cdn.example.com/p.jpg"
        async with app.db.transaction() as session:
            rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            assert [r.status for r in rows] == ["sent", "failed", "sent"]
