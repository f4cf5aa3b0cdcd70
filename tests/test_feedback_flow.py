"""The citizen's feedback flow and the officials' commands through the in-process channel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from handlers.feedback import (
    ContentDone,
    DraftPart,
    EditDraft,
    PickCategory,
    PickPlace,
    SendReport,
    SetAnonymous,
    SetUrgent,
    ShowMine,
)
from handlers.feedback_admin import (
    FilterBy,
    InboxPage,
    PickFilter,
    QuickStatus,
    SendTemplate,
    ShowTemplates,
)
from handlers.home import MenuEntry, OpenMenu
from handlers.types import IncomingFile
from services.feedback.actions import CheckinAnswer, OpenReport, RateReport, ReportNotFixed
from services.feedback.models import FeedbackEvent, FeedbackReport
from services.feedback.service import InboxFilter
from services.models import AuditEntry
from services.users import Users
from tests.helpers import console_app, session, texts

MENU_FEEDBACK = OpenMenu(MenuEntry.FEEDBACK).pack()
MENU_MINE = OpenMenu(MenuEntry.MY_FEEDBACK).pack()


def inbox_of(category: str) -> str:
    """The inbox button of every report of a category."""
    return InboxPage.of(InboxFilter("all", category)).pack()


async def onboard(person, *, consent: str = "1") -> None:
    await person.say("/start")
    await person.say("1")
    await person.say("2")           # Thôn Đoài
    await person.say(consent)


async def make_official(app, user_id: str = "official", commune_code: str = "00000"):
    async with app.db.transaction() as s:
        from services.communes import Communes

        commune = await Communes(s).by_code(commune_code)
        user, _ = await Users(s).get_or_create("console", user_id)
        user.onboarded = True
        user.display_name = f"Cán bộ {user_id}"
        await Users(s).grant_official(user, commune.id)
    return session(app, user_id, name=f"Cán bộ {user_id}")


async def file_report(person, text: str = "Đèn đường hỏng ở đầu thôn", *,
                      category: str = "lighting", photo: bool = True,
                      location: tuple[float, float] | None = (21.0285, 105.8542)) -> list:
    await person.press(MENU_FEEDBACK)
    await person.press(PickCategory(category).pack())
    await person.say(text)
    if photo:
        await person.send_photo(file_id="photo-1")
    await person.press(ContentDone().pack())
    if location:
        await person.send_location(*location)
    else:
        await person.press(PickPlace(None).pack())
    await person.press(SetUrgent(False).pack())
    return await person.press(SetAnonymous(False).pack())


async def test_citizen_files_a_report_and_gets_a_code(database_url: str) -> None:
    async with console_app(database_url) as app:
        official = await make_official(app)
        person = session(app)
        await onboard(person)
        shown = await person.press(MENU_FEEDBACK)
        assert "Bạn phản ánh về việc gì?" in texts(shown)
        assert "💡 Chiếu sáng, điện" in shown[-1].choices
        await person.press(PickCategory("lighting").pack())
        shown = await person.say("Đèn đường hỏng ở đầu thôn")
        assert "Đã ghi nhận nội dung" in texts(shown)
        shown = await person.send_photo(file_id="photo-1")
        assert "Đã nhận ảnh (1/3)" in texts(shown)
        shown = await person.press(ContentDone().pack())
        assert "Sự việc ở đâu?" in texts(shown)
        await person.send_location(21.0285, 105.8542)
        await person.press(SetUrgent(False).pack())
        summary = await person.press(SetAnonymous(True).pack())
        assert "Đèn đường hỏng" in texts(summary) and "📍 21.02850" in texts(summary)
        done = await person.press(SendReport().pack())
        assert "Mã theo dõi: PA-00000-" in texts(done)
        notified = [m for m in done if m.chat_id == "official"]
        assert notified and "Phản ánh mới" in notified[0].text
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            assert report.code.endswith("-0001") and report.photos[0]["file_id"] == "photo-1"
            assert (report.latitude, report.anonymous, report.status) == (
                21.0285, True, "received")
        shown = await official.say("/inbox")
        assert report.code in texts(shown)


async def test_without_consent_feedback_is_explained(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person, consent="2")
        shown = await person.press(MENU_FEEDBACK)
        assert "chưa đồng ý lưu dữ liệu" in texts(shown)
        assert "🔒 Dữ liệu cá nhân" in shown[-1].choices
        async with app.db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(FeedbackReport)) == 0


async def reports(app) -> int:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(FeedbackReport)) or 0


async def test_bad_input_gets_clear_answers_and_nothing_is_half_saved(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await person.press(MENU_FEEDBACK)
        assert "Nút này đã cũ" in texts(await person.press(PickCategory("spaceships").pack()))
        assert "Nút này đã cũ" in texts(await person.press(SendReport().pack()))
        await person.press(PickCategory("waste").pack())
        assert "Tin nhắn dài quá" in texts(await person.say("x" * 4001))
        huge = person._incoming(photos=(IncomingFile(file_id="big", size=25 * 1024 * 1024),))
        assert "Tệp lớn quá (tối đa 20 MB)" in texts(await person.send(huge))
        pdf = person._incoming(document=IncomingFile(file_id="doc", mime="application/pdf"))
        assert "gửi dạng ảnh" in texts(await person.send(pdf))
        sticker = person._incoming(event="unsupported")
        assert "chưa xử lý được loại tin nhắn này" in texts(await person.send(sticker))
        shown = await person.send_photo(file_id="p1")
        assert "mô tả thêm sự việc" in texts(shown)
        assert "cần có nội dung" in texts(await person.press(ContentDone().pack()))
        await person.say("y" * 3000)
        assert "Nội dung dài quá" in texts(await person.say("z" * 1500))
        await person.send_photo(file_id="p2")
        shown = await person.send_photo(file_id="p3")
        assert "Sự việc ở đâu?" in texts(shown)      # three photos: on to the place
        assert "chưa cần ảnh" not in texts(shown)
        await person.press(PickPlace(None).pack())
        await person.press(SetUrgent(True).pack())
        summary = await person.press(SetAnonymous(False).pack())
        assert "Ảnh: 3" in texts(summary) and "zzz" not in texts(summary)
        assert await reports(app) == 0
        assert "Đã hủy" in texts(await person.say("/cancel"))
        assert await reports(app) == 0
        assert "Nút này đã cũ" in texts(await person.press(SendReport().pack()))
        assert "Nút này đã cũ" in texts(await person.press(RateReport(999, 5).pack()))
        assert "Nút này đã cũ" in texts(await person.press(ShowMine(999).pack()))
        refused = await person.press(OpenReport(1).pack())
        assert "chỉ dành cho cán bộ" in texts(refused)
        assert "chỉ dành cho cán bộ" in texts(await person.say("/inbox"))
        async with app.db.transaction() as s:
            denied = [e.action for e in await s.scalars(select(AuditEntry))
                      if e.outcome == "denied"]
            assert denied == [OpenReport.prefix, "/inbox"]   # refused by the button's role


async def test_more_than_five_reports_an_hour_are_refused(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(flood_limit=1000)     # the per-minute guard of the core is not tested here
        person = session(app)
        await onboard(person)
        for n in range(5):
            await file_report(person, f"Phản ánh số {n}", photo=False, location=None)
            assert "Mã theo dõi" in texts(await person.press(SendReport().pack()))
        assert await reports(app) == 5
        refused = await person.press(MENU_FEEDBACK)
        assert "đã gửi 5 phản ánh trong một giờ" in texts(refused)
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport).limit(1))
            report.created_at -= timedelta(hours=2)
        assert "Bạn phản ánh về việc gì?" in texts(await person.press(MENU_FEEDBACK))


async def test_my_feedback_track_and_foreign_codes(database_url: str) -> None:
    async with console_app(database_url) as app:
        official = await make_official(app)
        person, other = session(app), session(app, "other", name="Lê Thị Bình")
        await onboard(person)
        await onboard(other)
        assert "chưa gửi hay theo dõi" in texts(await person.press(MENU_MINE))
        await file_report(person)
        done = await person.press(SendReport().pack())
        code = next(w for w in texts(done).split() if w.startswith("PA-"))
        mine = await person.press(MENU_MINE)
        assert code in texts(mine) and "Đã tiếp nhận" in texts(mine)
        detail = await person.say(f"/track {code.lower()}")
        assert "Đèn đường hỏng" in texts(detail) and "Diễn biến" in texts(detail)
        unknown = await person.say("/track PA-99999-2026-0001")
        assert "Không tìm thấy phản ánh PA-99999-2026-0001" in texts(unknown)
        foreign = await other.say(f"/track {code}")
        assert f"Không tìm thấy phản ánh {code}" in texts(foreign)
        assert "Đèn đường" not in texts(foreign)
        assert "Cách dùng: /track" in texts(await person.say("/track"))

        # The official writes an internal note: never shown to the citizen.
        assert "Đã ghi chú nội bộ" in texts(await official.say(f"/note {code} Gọi điện lực"))
        await official.say(f"/status {code} in_progress")
        detail = texts(await person.say(f"/track {code}"))
        assert "Đang xử lý" in detail and "Gọi điện lực" not in detail
        full = texts(await official.say(f"/fb {code}"))
        assert "🔒 Ghi chú nội bộ" in full and "Gọi điện lực" in full
        assert "Nguyễn Văn An" in full


async def test_official_commands_statuses_templates_and_assignment(database_url: str) -> None:
    async with console_app(database_url) as app:
        official = await make_official(app)
        await make_official(app, "colleague")
        person = session(app)
        await onboard(person)
        await file_report(person, category="roads")
        done = await person.press(SendReport().pack())
        code = next(w for w in texts(done).split() if w.startswith("PA-"))
        templates = texts(await official.say(f"/templates {code}"))
        assert "#1." in templates and "giao thông" in templates
        shown = await official.say(f"/reply {code} #1")
        to_citizen = [m for m in shown if m.chat_id == "citizen"]
        assert to_citizen and "cán bộ giao thông" in to_citizen[0].text
        assert "không có mẫu" in texts(await official.say(f"/reply {code} #9")).lower()
        assert "cần ghi lý do" in texts(await official.say(f"/status {code} rejected"))
        assert "Cách dùng: /status" in texts(await official.say(f"/status {code} maybe"))
        shown = await official.say(f"/status {code} chuyen Điện lực huyện")
        assert "Đã chuyển cơ quan khác" in texts(shown)
        assert any("chuyển tới Điện lực huyện" in m.text for m in shown if m.chat_id == "citizen")
        shown = await official.say(f"/assign {code} console:colleague")
        assert "Đã giao phản ánh" in texts(shown)
        assert any(m.chat_id == "colleague" and code in m.text for m in shown)
        assert "phải là cán bộ" in texts(await official.say(f"/assign {code} console:citizen"))
        inbox = texts(await official.say("/inbox status=all"))
        assert code in inbox
        assert code not in texts(await official.say("/inbox"))        # transferred: closed
        assert "Cách dùng: /inbox" in texts(await official.say("/inbox colour=red"))
        page = await official.press(InboxPage.of(InboxFilter("transferred")).pack())
        assert code in texts(page)
        assert "Nút này đã cũ" in texts(await official.press(f"{InboxPage.prefix}:0:zz:::0"))
        categories = await official.press(PickFilter(FilterBy.CATEGORY).pack())
        assert "🛣 Đường sá, giao thông" in categories[-1].choices
        by_category = texts(await official.press(inbox_of("roads")))
        assert code in by_category and "Tất cả, 🛣 Đường sá" in by_category
        assert code not in texts(await official.press(inbox_of("water")))
        villages = await official.press(PickFilter(FilterBy.VILLAGE).pack())
        assert villages[-1].choices[:3] == ("Thôn Đông", "Thôn Đoài", "Thôn Trung")


async def test_template_buttons_and_assignment_by_name(database_url: str) -> None:
    async with console_app(database_url) as app:
        official = await make_official(app)
        await make_official(app, "hoa")          # "Cán bộ hoa"
        person = session(app)
        await onboard(person)
        await file_report(person, category="water", photo=False, location=None)
        done = await person.press(SendReport().pack())
        code = next(w for w in texts(done).split() if w.startswith("PA-"))
        async with app.db.transaction() as s:
            report_id = (await s.scalar(select(FeedbackReport))).id
        shown = await official.press(ShowTemplates(report_id).pack())
        assert "📤 Gửi mẫu #1" in shown[-1].choices
        shown = await official.press(SendTemplate(report_id, 1).pack())
        assert any(m.chat_id == "citizen" and "đơn vị cấp nước" in m.text for m in shown)
        assert "Đã giao phản ánh" in texts(await official.say(f"/assign {code} hoa"))
        assert "Đã giao phản ánh" in texts(await official.say(f"/assign {code} me"))
        assert "phải là cán bộ" in texts(await official.say(f"/assign {code} ai đó"))
        shown = await official.press(QuickStatus(report_id, "resolved").pack())
        assert "Đã giải quyết" in texts(shown)
        forged = f"{QuickStatus.prefix}:{report_id}:nonsense"
        assert "Nút này đã cũ" in texts(await official.press(forged))


async def test_reopen_within_fourteen_days(database_url: str) -> None:
    async with console_app(database_url) as app:
        official = await make_official(app)
        person = session(app)
        await onboard(person)
        await file_report(person)
        done = await person.press(SendReport().pack())
        code = next(w for w in texts(done).split() if w.startswith("PA-"))
        shown = await official.say(f"/status {code} resolved")
        [resolved] = [m for m in shown if m.chat_id == "citizen"]
        assert "❌ Chưa giải quyết xong" in resolved.choices
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            report_id = report.id
        reopened = await person.press(ReportNotFixed(report_id).pack())
        assert "Đã mở lại phản ánh" in texts(reopened)
        assert any(m.chat_id == "official" and "mở lại" in m.text for m in reopened)
        await official.say(f"/status {code} resolved")
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            report.resolved_at -= timedelta(days=15)
        assert "quá 14 ngày" in texts(await person.press(ReportNotFixed(report_id).pack()))
        # The four-week check-in.
        shown = await person.press(CheckinAnswer(report_id, False).pack())
        assert "Đã mở lại" in texts(shown)
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            assert report.status == "in_progress" and report.resolved_at is None


async def test_summary_edits_return_to_the_summary(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await file_report(person, "Nước sinh hoạt có mùi lạ", category="water", photo=False,
                          location=None)
        await person.press(EditDraft(DraftPart.DESCRIPTION).pack())
        await person.say("Nước máy đục và có mùi từ hôm qua")
        summary = await person.press(ContentDone().pack())
        assert "Nước máy đục" in texts(summary) and "Nước sinh hoạt" not in texts(summary)
        await person.press(EditDraft(DraftPart.PLACE).pack())
        await person.press(PickPlace(3).pack())
        summary = await person.say("Xóm Bãi, gần trạm bơm")
        assert "Xóm Bãi, gần trạm bơm, Thôn Trung" in texts(summary)
        await person.press(EditDraft(DraftPart.CATEGORY).pack())
        summary = await person.press(PickCategory("other").pack())
        assert "💬 Khác" in texts(summary) and "✅ Gửi phản ánh" in summary[-1].choices
        assert "Mã theo dõi" in texts(await person.press(SendReport().pack()))
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            assert (report.category, report.address) == ("other", "Xóm Bãi, gần trạm bơm")


async def test_province_admin_sees_every_commune(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await file_report(person, photo=False, location=None)
        code = next(w for w in texts(await person.press(SendReport().pack())).split()
                    if w.startswith("PA-"))
        async with app.db.transaction() as s:
            admin, _ = await Users(s).get_or_create("console", "admin")
            admin.onboarded = True
            await Users(s).grant_admin(admin)
        admin = session(app, "admin", name="Quản trị tỉnh")
        assert code in texts(await admin.say("/inbox"))
        assert "Người gửi: Nguyễn Văn An" in texts(await admin.say(f"/fb {code}"))
        assert "Đã gửi trả lời" in texts(await admin.say(f"/reply {code} Tỉnh đã nhắc xã."))


async def test_reply_and_note_without_text_ask_for_it(database_url: str) -> None:
    """`/reply CODE` or `/note CODE` alone asks for the text; the next message is it, «hủy»
    drops it."""
    async with console_app(database_url) as app:
        official = await make_official(app)
        person = session(app)
        await onboard(person)
        await file_report(person, category="roads")
        done = await person.press(SendReport().pack())
        code = next(w for w in texts(done).split() if w.startswith("PA-"))

        asked = texts(await official.say(f"/reply {code}"))
        assert f"Mời anh/chị gõ nội dung trả lời người dân cho phản ánh {code}" in asked
        assert "Cách dùng" not in asked
        shown = await official.say("Xã sẽ cử người sửa đèn trong tuần.")
        assert "Đã gửi trả lời" in texts(shown)
        assert any("Xã sẽ cử người sửa đèn trong tuần." in m.text
                   for m in shown if m.chat_id == "citizen")

        asked = texts(await official.say(f"/note {code}"))
        assert f"Mời anh/chị gõ ghi chú nội bộ cho phản ánh {code}" in asked
        shown = await official.say("Đã gọi điện lực huyện, chờ vật tư.")
        assert f"Đã ghi chú nội bộ cho {code}" in texts(shown)
        assert not any(m.chat_id == "citizen" for m in shown)

        await official.say(f"/reply {code}")
        cancelled = texts(await official.say("hủy"))
        assert "Đã hủy" in cancelled
        await official.say(f"/note {code}")
        assert "Đã hủy" in texts(await official.say("Hủy"))
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport).where(FeedbackReport.code == code))
            assert report is not None and report.status == "answered"
            events = (await s.scalars(select(FeedbackEvent).where(
                FeedbackEvent.report_id == report.id).order_by(FeedbackEvent.id))).all()
        kinds = [(e.kind, e.text) for e in events if e.kind in ("answer", "note")]
        assert kinds == [("answer", "Xã sẽ cử người sửa đèn trong tuần."),
                         ("note", "Đã gọi điện lực huyện, chờ vật tư.")]


async def test_a_reports_history_speaks_of_the_commune_in_words(database_url: str) -> None:
    """The citizen reads "Ghi chú của xã" and "Cán bộ xã trả lời"; the official's /fb names
    people (an unnamed official is "Cán bộ xã"), never a channel's id or a bare "yes"."""
    async with console_app(database_url) as app:
        official = await make_official(app)
        colleague = await make_official(app, "colleague")
        person = session(app)
        await onboard(person)
        await file_report(person)
        done = await person.press(SendReport().pack())
        code = next(w for w in texts(done).split() if w.startswith("PA-"))
        await official.say(f"/note {code} Gọi điện lực")
        await colleague.say(f"/status {code} đang xử lý Đã báo điện lực huyện")
        await colleague.say(f"/assign {code} official")
        await official.say(f"/reply {code} Xã đã cử người sửa.")
        await official.say(f"/status {code} đã giải quyết")
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            report_id = report.id
            user = await Users(s).find("console", "colleague")
            user.display_name = None
        await person.press(CheckinAnswer(report_id, True).pack())

        detail = texts(await person.say(f"/track {code}"))
        assert "Đang xử lý — Ghi chú của xã: Đã báo điện lực huyện" in detail
        assert "Cán bộ xã trả lời: Xã đã cử người sửa." in detail
        assert "Gọi điện lực" not in detail and "Cán bộ official" not in detail
        full = texts(await official.say(f"/fb {code}"))
        assert "🔒 Ghi chú nội bộ — Cán bộ official: Gọi điện lực" in full
        assert "Đổi trạng thái → Đang xử lý — Cán bộ xã: Đã báo điện lực huyện" in full
        assert "🔒 Giao xử lý — Cán bộ xã: Cán bộ official" in full
        assert "người dân xác nhận đã khắc phục" in full
        assert "console:" not in full and ": yes" not in full
