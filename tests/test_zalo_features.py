"""The citizen flows on Zalo (numbers typed instead of buttons): feedback with a photo gets a
tracking code, an official's reply given in the console reaches the citizen on Zalo, the
citizen rates the resolution by number, and a procedure question is answered."""

import hashlib
import re

from sqlalchemy import select

from services.feedback.models import FeedbackReport
from services.outbox import Outbox
from services.users import Users
from tests.fakes.zalo_api import FakeZaloAPI, event_update, image_update, text_update
from tests.helpers import eventually
from tests.zalo_helpers import CHAT, Citizen, console_official, onboard, zalo_app

PHOTO_URL = "https://photo-stal-1.zdn.vn/chat/abc/den-duong.jpg"
"""A photo's URL as Zalo gives it, for drafts never filed (nothing fetches it)."""
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


async def test_feedback_with_photo_gets_a_code_and_the_reply_reaches_zalo(
        database_url: str) -> None:
    async with FakeZaloAPI(fetch_photos=False) as fake, zalo_app(database_url, fake) as app:
        photo_url = fake.host("den-duong.jpg", PHOTO)    # on Zalo's CDN, here on 127.0.0.1
        official = await console_official(app)
        citizen = Citizen(fake)
        menu = await onboard(citizen)
        categories = await citizen.choose(menu, "Gửi phản ánh")
        assert "Bạn phản ánh về việc gì?" in categories
        describe = await citizen.choose(categories, "Chiếu sáng")
        await citizen.say("Đèn đường hỏng ở đầu thôn Đoài")
        # A sticker where text is expected gets a clear answer and changes nothing.
        [refused] = await citizen.send(event_update(CHAT, "message.sticker.received",
                                                    sticker="s1"))
        assert refused.startswith("Thôn Số chưa xử lý được loại tin nhắn này.")
        [photo] = await citizen.send(image_update(CHAT, photo_url))
        assert "Đã nhận ảnh (1/3)" in photo
        where = await citizen.choose(photo, "Tiếp tục")
        assert "Sự việc ở đâu?" in where
        address = await citizen.choose(where, "Thôn Đoài")
        urgent = await citizen.choose(address, "Bỏ qua")
        anonymous = await citizen.choose(urgent, "Bình thường")
        summary = await citizen.choose(anonymous, "Không cần ẩn")
        assert "Đèn đường hỏng" in summary
        done = await citizen.choose(summary, "Gửi phản ánh")
        code = re.search(r"Mã theo dõi: (PA-\S+)", done)
        assert code is not None, done
        assert describe and "1/3" not in describe
        async with app.db.transaction() as session:
            report = await session.scalar(select(FeedbackReport))
            assert report.code == code.group(1).rstrip(".")
            assert [p["file_id"] for p in report.photos] == [photo_url]
        # The photo is fetched from Zalo's link (through the adapter) into the blob store.
        await app.scheduler.jobs["report-media"].run_once()
        assert fake.files_fetched == ["den-duong.jpg"]
        async with app.db.transaction() as session:
            report = await session.scalar(select(FeedbackReport))
            assert report.photos[0]["sha256"] == hashlib.sha256(PHOTO).hexdigest()
            assert await Outbox(session).blob(report.photos[0]["sha256"]) == PHOTO

        async def notified() -> bool:
            return any("Phản ánh mới" in m.text for m in app.console.shown
                       if m.chat_id == official.user_id)

        await eventually(notified)

        await official.say(f"/reply {report.code} Xã đã cử người sửa đèn, cảm ơn bà con.")
        [answer] = await citizen.receive()
        assert report.code in answer and "Xã đã cử người sửa đèn" in answer
        # An official on Zalo sees the citizen's photo (sent again by its Zalo URL).
        async with app.db.transaction() as session:
            users = Users(session)
            zalo_official, _ = await users.get_or_create("zalo", "0ff1c1a1")
            zalo_official.onboarded = True
            await users.grant_official(zalo_official, report.commune_id)
        assert await fake.post_to_webhook(text_update("0ff1c1a1", f"/fb {report.code}")) == 200
        [shown] = await fake.wait_for("sendPhoto")
        assert (shown.chat_id, shown.params["photo"]) == ("0ff1c1a1", photo_url)
        assert shown.params["caption"] == report.code


async def test_duplicate_photo_delivery_files_one_photo(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake) as app:
        citizen = Citizen(fake)
        menu = await onboard(citizen)
        categories = await citizen.choose(menu, "Gửi phản ánh")
        await citizen.choose(categories, "Đường sá")
        await citizen.say("Ổ gà lớn trước nhà văn hóa")
        body = image_update(CHAT, PHOTO_URL, message_id="photo-once", field_name="photo",
                            wrapped=True)
        await citizen.send(body)
        assert await fake.post_to_webhook(body) == 200   # Zalo delivers it again
        again = await citizen.send(image_update(CHAT, PHOTO_URL + "?2"))
        assert "Đã nhận ảnh (2/3)" in again[-1]
        assert app.metrics.value("thonso_duplicates_total") == 1


async def test_a_procedure_question_is_answered(database_url: str) -> None:
    async with FakeZaloAPI() as fake, zalo_app(database_url, fake):
        citizen = Citizen(fake)
        await onboard(citizen)
        answer = await citizen.say("lam giay khai sinh can gi")
        assert "khai sinh" in answer.lower()
        assert len(answer) <= 2000
        assert re.search(r"^\d+\. ", answer, re.MULTILINE)   # follow-ups as numbers


async def test_citizen_rates_the_resolution_by_typing_a_number(database_url: str) -> None:
    async with FakeZaloAPI(fetch_photos=False) as fake, zalo_app(database_url, fake) as app:
        official = await console_official(app)
        citizen = Citizen(fake, app=app)
        menu = await onboard(citizen)
        categories = await citizen.choose(menu, "Gửi phản ánh")
        await citizen.choose(categories, "Rác thải")
        photos = await citizen.say("Bãi rác tự phát cạnh kênh")
        where = await citizen.choose(photos, "Tiếp tục")
        urgent = await citizen.choose(where, "Bỏ qua")
        anonymous = await citizen.choose(urgent, "Bình thường")
        summary = await citizen.choose(anonymous, "Không cần ẩn")
        await citizen.choose(summary, "Gửi phản ánh")
        async with app.db.transaction() as session:
            report = await session.scalar(select(FeedbackReport))
        # The citizen's last in-chat choices were the summary's; the rating prompt arrives
        # from the official's side, and its numbers are what a typed number presses.
        await official.say(f"/status {report.code} resolved")
        [prompt] = await citizen.receive()
        assert "⭐⭐⭐⭐" in prompt
        thanks = await citizen.choose(prompt, "⭐⭐⭐⭐")
        assert thanks.startswith("Cảm ơn bạn đã đánh giá ⭐⭐⭐⭐")
        async with app.db.transaction() as session:
            rated = await session.scalar(select(FeedbackReport))
            assert rated.rating == 4
