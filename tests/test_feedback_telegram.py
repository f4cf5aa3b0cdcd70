"""Feedback end to end through the Telegram channel: the real python-telegram-bot `Bot`
against the fake Bot API, updates posted to the app's webhook."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from handlers.feedback import (
    ContentDone,
    FollowSimilar,
    PickCategory,
    PickPlace,
    SendReport,
    SetAnonymous,
    SetUrgent,
)
from handlers.feedback_admin import InboxPage
from handlers.home import MenuEntry, OpenMenu
from services.callbacks import decode
from services.feedback.actions import OpenReport, RateReport, ReportNotFixed
from services.feedback.models import FeedbackFollower, FeedbackReport
from services.feedback.service import InboxFilter
from services.models import AuditEntry, Commune, User, Village
from services.users import Users
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
)
from tests.helpers import (
    TelegramDriver,
    buttons_of,
    onboard_on_telegram,
    telegram_app,
    words,
)

CITIZEN, NEIGHBOUR, OFFICIAL, FOREIGN = 7001, 7002, 7101, 7201
MENU_FEEDBACK = OpenMenu(MenuEntry.FEEDBACK).pack()
PLACE = (21.02850, 105.85420)
NEAR = (21.02870, 105.85440)   # about 30 m away


async def setup_officials(app) -> int:  # type: ignore[no-untyped-def]
    """An official of the demo commune and one of a second commune; the second's id."""
    async with app.db.transaction() as session:
        demo = await session.scalar(select(Commune).where(Commune.code == "00000"))
        other = Commune(code="11111", name="Xã Bên Cạnh", villages=[Village(name="Thôn Mới")])
        session.add(other)
        await session.flush()
        users = Users(session)
        for external_id, commune in ((OFFICIAL, demo), (FOREIGN, other)):
            user, _ = await users.get_or_create("telegram", str(external_id))
            user.onboarded, user.display_name = True, f"Cán bộ {external_id}"
            await users.grant_official(user, commune.id)
        return other.id


async def test_report_from_filing_to_rating_with_a_follower(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=1000)
        await setup_officials(app)
        fake.add_file("AgACphoto-pothole", b"\xff\xd8 a pothole", kind="photo")

        # A citizen files a report with a photo and a location.
        await onboard_on_telegram(tg, CITIZEN)
        shown = await tg.press(CITIZEN, MENU_FEEDBACK)
        assert PickCategory("roads").pack() in buttons_of(shown[-1])
        await tg.press(CITIZEN, PickCategory("roads").pack())
        await tg.text(CITIZEN, "Ổ gà lớn giữa đường liên thôn, xe máy dễ ngã.")
        shown = await tg.text(CITIZEN, None, photo="AgACphoto-pothole")
        assert "Đã nhận ảnh (1/3)" in words(shown)
        await tg.press(CITIZEN, ContentDone().pack())
        await tg.text(CITIZEN, None, location=PLACE)
        await tg.press(CITIZEN, SetUrgent(False).pack())
        summary = await tg.press(CITIZEN, SetAnonymous(False).pack())
        assert "Ổ gà lớn" in words(summary) and SendReport().pack() in buttons_of(summary[-1])
        filed = await tg.press(CITIZEN, SendReport().pack())
        code = re.search(r"PA-00000-\d{4}-\d{4}", words(filed)).group(0)
        assert "chậm nhất ngày" in words(filed)

        # The commune's official is told at once (quietly: not urgent) and sees it in /inbox.
        [new] = [c for c in tg.shown(OFFICIAL) if code in c.params.get("text", "")]
        assert "Phản ánh mới" in new.params["text"] and new.params["disable_notification"]
        inbox = await tg.text(OFFICIAL, "/inbox")
        assert code in words(inbox)
        report_button = next(b for b in buttons_of(inbox[-1])
                             if isinstance(decode(b), OpenReport))
        detail = await tg.text(OFFICIAL, f"/fb {code}")
        assert "Nguyễn Văn An" in words(detail) and "maps.google.com" in words(detail)
        [photo] = [c for c in detail if c.method == "sendPhoto"]
        assert photo.reused == {"photo": "AgACphoto-pothole"}

        # A neighbour about to file the same thing follows it instead.
        await onboard_on_telegram(tg, NEIGHBOUR)
        await tg.press(NEIGHBOUR, MENU_FEEDBACK)
        await tg.press(NEIGHBOUR, PickCategory("roads").pack())
        await tg.text(NEIGHBOUR, "Đường có ổ gà to")
        await tg.press(NEIGHBOUR, ContentDone().pack())
        await tg.text(NEIGHBOUR, None, location=NEAR)
        await tg.press(NEIGHBOUR, SetUrgent(False).pack())
        offer = await tg.press(NEIGHBOUR, SetAnonymous(True).pack())
        assert "phản ánh tương tự" in words(offer) and code in words(offer)
        follow = next(b for b in buttons_of(offer[-1]) if isinstance(decode(b), FollowSimilar))
        assert "Bạn đã theo dõi" in words(await tg.press(NEIGHBOUR, follow))

        # An official of another commune can neither see nor touch it.
        assert code not in words(await tg.text(FOREIGN, "/inbox"))
        refused = await tg.text(FOREIGN, f"/fb {code}")
        assert "Không tìm thấy phản ánh" in words(refused) and "Nguyễn" not in words(refused)
        await tg.text(FOREIGN, f"/reply {code} Xã bên cạnh trả lời")
        await tg.text(FOREIGN, f"/status {code} resolved")
        assert "Không tìm thấy" in words(await tg.press(FOREIGN, report_button))

        # The official answers, then resolves: both citizens hear of it.
        before = {chat: len(tg.shown(chat)) for chat in (CITIZEN, NEIGHBOUR)}
        assert "Đã gửi trả lời" in words(
            await tg.text(OFFICIAL, f"/reply {code} Xã đã cử người vá đường trong tuần này."))
        await tg.text(OFFICIAL, f"/status {code} resolved Đã vá xong.")
        for chat in (CITIZEN, NEIGHBOUR):
            news = words(tg.shown(chat)[before[chat]:])
            assert "Xã đã cử người vá đường" in news and "đã được giải quyết" in news
            assert "đã được giải quyết.\nKết quả xử lý: Đã vá xong." in news
        resolved = tg.shown(CITIZEN)[-1]
        opened = decode(report_button)
        assert isinstance(opened, OpenReport)
        rate = RateReport(opened.report_id, 5).pack()
        assert rate in buttons_of(resolved)
        assert not any(isinstance(decode(b), RateReport | ReportNotFixed)
                       for b in buttons_of(tg.shown(NEIGHBOUR)[-1]))

        # The citizen rates it, with a comment; the neighbour cannot rate it.
        assert "Cảm ơn bạn đã đánh giá" in words(await tg.press(CITIZEN, rate))
        assert "Cảm ơn bạn!" in words(await tg.text(CITIZEN, "Làm nhanh, cảm ơn xã."))
        assert "Nút này đã cũ" in words(await tg.press(NEIGHBOUR, rate))
        track = await tg.text(NEIGHBOUR, f"/track {code}")
        assert "Đã giải quyết" in words(track) and "Ổ gà lớn" not in words(track)
        assert "Đã giải quyết — Kết quả xử lý: Đã vá xong." in words(track)

        async with app.db.transaction() as session:
            report = await session.scalar(select(FeedbackReport).where(FeedbackReport.code == code))
            assert (report.status, report.rating, report.rating_comment) == (
                "resolved", 5, "Làm nhanh, cảm ơn xã.")
            assert report.acknowledged_at is not None
            assert await session.scalar(select(func.count()).select_from(FeedbackReport)) == 1
            assert await session.scalar(select(func.count()).select_from(FeedbackFollower)) == 1
            denied = list(await session.scalars(
                select(AuditEntry).where(AuditEntry.outcome == "denied")))
            foreign = await session.scalar(select(User).where(User.external_id == str(FOREIGN)))
            assert {e.action for e in denied if e.actor_id == foreign.id} >= {
                "feedback.view", "feedback.reply", "feedback.status"}


async def test_urgent_report_notifies_loudly(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=1000)
        await setup_officials(app)
        fake.add_file("AwACvoice-1", b"OggS voice", kind="voice")
        await onboard_on_telegram(tg, CITIZEN, "en")
        await tg.press(CITIZEN, MENU_FEEDBACK)
        await tg.press(CITIZEN, PickCategory("security").pack())
        await tg.text(CITIZEN, None, voice="AwACvoice-1")
        await tg.press(CITIZEN, ContentDone().pack())
        await tg.press(CITIZEN, PickPlace(2).pack())
        await tg.text(CITIZEN, "Cạnh nhà văn hóa thôn")
        await tg.press(CITIZEN, SetUrgent(True).pack())
        await tg.press(CITIZEN, SetAnonymous(False).pack())
        filed = await tg.press(CITIZEN, SendReport().pack())
        assert "Urgent report sent" in words(filed)
        code = re.search(r"PA-00000-\d{4}-\d{4}", words(filed)).group(0)
        [alert] = [c for c in tg.shown(OFFICIAL) if "KHẨN" in c.params.get("text", "")]
        assert alert.params["text"].startswith("🔴") and not alert.params.get(
            "disable_notification")
        assert "(tin nhắn thoại)" in alert.params["text"]

        # The voice note is re-sent to the official by its file id.
        detail = await tg.text(OFFICIAL, f"/fb {code}")
        [voice] = [c for c in detail if c.method == "sendVoice"]
        assert voice.reused == {"voice": "AwACvoice-1"}

        # The inbox is paged and filtered in place (the message is edited).
        [inbox] = await tg.text(OFFICIAL, "/inbox")
        assert "🔴 " + code in words([inbox])
        [edited] = await tg.press(OFFICIAL, InboxPage.of(InboxFilter(overdue=True)).pack(),
                                   inbox.result["message_id"])
        assert edited.method == "editMessageText" and "Quá hạn" in edited.params["text"]

        # The English-speaking citizen hears back in English.
        await tg.text(OFFICIAL, f"/reply {code} Công an xã đã đến kiểm tra.")
        news = words(tg.shown(CITIZEN)[-1:])
        assert "The commune's answer to report" in news and "Công an xã" in news
