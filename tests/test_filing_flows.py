"""The online filing guide through the in-process channel: two walks side by side, bad input,
the dossier's status and the SIPAS rating, personal data."""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers.filing import RateAspect, RateFiling, Step, TickPaper, Walk, WalkAction
from services import privacy
from services.communes import Communes
from services.filing.actions import ResumeFiling, StartFiling
from services.filing.models import Filing, FilingRating
from services.models import AuditEntry, Commune
from services.users import Users
from tests.filing_support import CODE, filings_of, make_official, onboard, one_filing
from tests.helpers import console_app, session, texts


async def test_two_walks_of_one_citizen_do_not_mix(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        assert "Bước 1/5" in texts(await person.press(StartFiling("1.001193").pack()))
        birth = await one_filing(app, "citizen")
        await person.press(Walk(birth.id, Step.ACCOUNT, WalkAction.SKIP).pack())
        await person.press(TickPaper(birth.id, 0).pack())

        shown = texts(await person.press(StartFiling("1.000894").pack()))
        assert "🧭 Đăng ký kết hôn\nBước 1/5" in shown
        marriage = await one_filing(app, "citizen", "1.000894")
        assert marriage.id != birth.id
        await person.press(Walk(marriage.id, Step.ACCOUNT, WalkAction.NEXT).pack())
        await person.press(TickPaper(marriage.id, 0).pack())
        await person.press(TickPaper(marriage.id, 1).pack())

        # A button of the birth walk while the marriage walk is current: a clear answer.
        shown = texts(await person.press(TickPaper(birth.id, 1).pack()))
        assert "Nút này thuộc hướng dẫn «Đăng ký khai sinh»" in shown
        assert "Bạn đang làm «Đăng ký kết hôn», bước 2/5" in shown
        assert (await one_filing(app, "citizen")).checklist == [0]
        assert (await one_filing(app, "citizen", "1.000894")).checklist == [0, 1]

        # Both are offered from the menu; resuming the first shows its own checklist.
        shown = texts(await person.press("menu:filing"))
        assert "Bạn đang làm dở:" in shown
        assert "▶ Làm tiếp: Đăng ký khai sinh" in shown
        assert "▶ Làm tiếp: Đăng ký kết hôn" in shown
        shown = texts(await person.press(ResumeFiling(birth.id).pack()))
        assert "🧭 Đăng ký khai sinh\nBước 2/5" in shown
        assert "Đã sẵn sàng 1/3." in shown
        await person.press(TickPaper(birth.id, 2).pack())
        await person.press(Walk(birth.id, Step.PAPERS, WalkAction.GO).pack())
        assert (await one_filing(app, "citizen")).checklist == [0, 2]
        assert (await one_filing(app, "citizen", "1.000894")).checklist == [0, 1]
        assert (await one_filing(app, "citizen", "1.000894")).step == 2

        # Starting the same procedure again resumes its walk instead of opening a second one.
        shown = texts(await person.press(StartFiling("1.000894").pack()))
        assert "Bạn đã bắt đầu thủ tục này trước đây" in shown
        assert len(await filings_of(app, "citizen")) == 2


async def test_bad_input_gets_a_clear_answer_and_leaves_the_walk_alone(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)

        shown = texts(await person.press(StartFiling("2.000815").pack()))   # desk only
        assert "chưa nộp trực tuyến được" in shown and "📍 Nơi nộp" in shown
        assert "Xem thông tin thủ tục" in shown
        assert "không tìm thấy thủ tục" in texts(await person.press(StartFiling("9.999999").pack()))
        assert await filings_of(app, "citizen") == []

        await person.press(StartFiling("1.001193").pack())
        filing = await one_filing(app, "citizen")
        shown = texts(await person.say("tôi muốn hỏi"))
        assert "Bạn đang ở bước 1/5. Mời bạn chọn một mục" in shown
        assert (await one_filing(app, "citizen")).step == 1

        await person.press(Walk(filing.id, Step.ACCOUNT, WalkAction.NEXT).pack())
        await person.press(Walk(filing.id, Step.PAPERS, WalkAction.GO).pack())
        assert (await one_filing(app, "citizen")).step == 3
        old_step = Walk(filing.id, Step.ACCOUNT, WalkAction.NEXT).pack()
        shown = texts(await person.press(old_step))
        assert "Nút này thuộc một bước trước. Bạn đang ở bước 3/5" in shown
        assert (await one_filing(app, "citizen")).step == 3

        assert "đã cũ" in texts(await person.press("fl:next:abc:1"))
        for forged in (f"fl:next:{filing.id}:3",          # an older version's data, this step
                       f"fl.walk:{filing.id}:9:next",     # no step 9
                       f"fl.walk:{filing.id}:3:fly",      # no such action
                       f"fl.tick:{filing.id}:-"):         # not a paper
            assert "đã cũ" in texts(await person.press(forged))
        assert (await one_filing(app, "citizen")).step == 3
        assert "một bước trước" in texts(await person.press(TickPaper(filing.id, 0).pack()))
        assert (await one_filing(app, "citizen")).checklist == []
        stranger = session(app, "stranger")
        await onboard(stranger)
        not_theirs = Walk(filing.id, Step.FORM, WalkAction.NEXT).pack()
        assert "đã cũ" in texts(await stranger.press(not_theirs))

        await person.press(Walk(filing.id, Step.FORM, WalkAction.NEXT).pack())
        for wrong in ("HS-12", "mã của tôi là abc", "G22.99-999999-0001", "G22.99-241125"):
            shown = texts(await person.say(wrong))
            assert "chưa đúng dạng mã hồ sơ" in shown and "G22.99-241125-0001" in shown
        assert (await one_filing(app, "citizen")).dossier_code is None
        shown = texts(await person.say(" g22.99-241125-0001 "))
        assert f"Đã lưu mã hồ sơ {CODE}" in shown and "Bước 5/5" in shown

        # The same code on someone else's walk is refused.
        await stranger.press(StartFiling("1.001193").pack())
        other = await one_filing(app, "stranger")
        for step in (1, 2, 3):
            await stranger.press(Walk(other.id, Step(str(step)), WalkAction.SKIP).pack())
        assert "đã được lưu cho một hồ sơ khác" in texts(await stranger.say(CODE))

        # Cancel asks first; a button of the cancelled walk then says so.
        shown = texts(await person.press(Walk(filing.id, Step.PAY, WalkAction.CANCEL).pack()))
        assert "Bạn muốn dừng hẳn" in shown
        drop = Walk(filing.id, Step.PAY, WalkAction.DROP).pack()
        assert "Đã dừng hướng dẫn" in texts(await person.press(drop))
        assert (await one_filing(app, "citizen")).status == "cancelled"
        after = Walk(filing.id, Step.PAY, WalkAction.NEXT).pack()
        assert "đã được hủy" in texts(await person.press(after))


async def finish_walk(app, person, user_id: str = "citizen", code: str = CODE) -> Filing:  # type: ignore[no-untyped-def]
    await person.press(StartFiling("1.001193").pack())
    filing = await one_filing(app, user_id)
    for step in (1, 2, 3):
        await person.press(Walk(filing.id, Step(str(step)), WalkAction.SKIP).pack())
    await person.say(code)
    shown = texts(await person.press(Walk(filing.id, Step.PAY, WalkAction.NEXT).pack()))
    assert f"Thôn Số đã lưu mã hồ sơ {code}" in shown
    return await one_filing(app, user_id)


async def test_status_is_set_by_the_commune_the_citizen_is_told_and_rates(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        filing = await finish_walk(app, person)
        assert filing.status == "finished" and filing.skipped == [1, 2, 3]
        official = await make_official(app)
        async with app.db.transaction() as s:
            s.add(Commune(code="11111", name="Xã Bên Cạnh"))
        outsider = await make_official(app, "outsider", "11111")

        shown = texts(await outsider.say(f"/dossier_status {CODE} ready"))
        assert "chỉ dành cho cán bộ được giao quyền" in shown
        shown = await official.say(f"/dossier_status {CODE} cần bổ sung Thiếu giấy chứng sinh")
        assert f"Đã cập nhật hồ sơ {CODE}: cần bổ sung giấy tờ." in texts(shown)
        told = [m for m in app.console.shown if m.chat_id == "citizen"][-1]
        assert told.text.startswith(f"📂 Hồ sơ {CODE} (Đăng ký khai sinh): cần bổ sung giấy tờ.")
        assert "Ghi chú của cán bộ: Thiếu giấy chứng sinh" in told.text
        async with app.db.transaction() as s:
            audit = list(await s.scalars(select(AuditEntry).where(
                AuditEntry.action == "filing.status").order_by(AuditEntry.id)))
            assert [(a.outcome, a.target) for a in audit] == [("denied", CODE), ("ok", CODE)]

        shown = texts(await person.say(f"/dossier {CODE}"))
        assert "Tình trạng: cần bổ sung giấy tờ" in shown
        stranger = session(app, "stranger")
        await onboard(stranger)
        assert "Không tìm thấy hồ sơ" in texts(await stranger.say(f"/dossier {CODE}"))
        assert "chỉ dành cho cán bộ" in texts(await person.say(f"/dossier_status {CODE} ready"))
        usage = texts(await official.say(f"/dossier_status {CODE} done"))
        assert "Cách dùng" in usage and "«cần bổ sung giấy tờ»" in usage
        assert "need_more" not in usage and "received" not in usage   # no code to learn
        assert "chưa đúng dạng" in texts(await official.say("/dossier_status 123 ready"))
        assert "đánh giá được" in texts(await person.press(RateFiling(filing.id).pack()))

        await official.say(f"/dossier_status {CODE} da co ket qua")   # typed without marks
        told = [m for m in app.console.shown if m.chat_id == "citizen"][-1]
        assert "đã có kết quả" in told.text and "⭐ Đánh giá mức độ hài lòng" in told.choices
        shown = texts(await person.press(RateFiling(filing.id).pack()))
        assert "(1/5)" in shown and "Tiếp cận dịch vụ" in shown
        for aspect, score in ((0, 5), (1, 0), (2, 4), (3, 3), (4, 5)):
            shown = texts(await person.press(RateAspect(filing.id, aspect, score).pack()))
        assert "Cảm ơn bạn đã đánh giá" in shown
        async with app.db.transaction() as s:
            rows = await s.scalars(select(FilingRating).where(FilingRating.filing_id == filing.id))
            assert {r.aspect: r.score for r in rows} == {
                "access": 5, "officials": 4, "result": 3, "feedback": 5}
        assert "đã cũ" in texts(await person.press(RateAspect(filing.id, 7, 5).pack()))


async def test_personal_data_is_exported_and_erased(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await onboard(person)
        await finish_walk(app, person)
        async with app.db.transaction() as s:
            user = await Users(s).find("console", "citizen")
            exported = await privacy.export(s, user)
            assert exported["filing"][0]["dossier_code"] == CODE
            assert exported["filing"][0]["procedure"] == "1.001193"
            await privacy.erase(s, user)
        async with app.db.transaction() as s:
            [row] = list(await s.scalars(select(Filing)))
            assert row.user_id is None and row.dossier_code is None
            assert row.procedure_code == "1.001193" and row.status == "finished"


async def test_residence_walk_shows_its_tips_the_cheaper_online_fee_and_the_digital_team(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            commune = await Communes(s).by_code("00000")
            commune.settings = {**commune.settings, "digital_team": {
                "place": "Nhà văn hóa thôn Đông", "hours": "Tối thứ Bảy, 19h–21h",
                "contact": "Anh Minh, 0912 345 678"}}
        person = session(app)
        await onboard(person)
        await person.press(StartFiling("1.004222").pack())
        filing = await one_filing(app, "citizen", "1.004222")
        shown = texts(await person.press(Walk(filing.id, Step.ACCOUNT, WalkAction.HELP).pack()))
        assert "Tổ công nghệ số cộng đồng Xã Thôn Số (thử nghiệm)" in shown
        assert "📍 Ở đâu: Nhà văn hóa thôn Đông" in shown
        assert "🕘 Khi nào: Tối thứ Bảy, 19h–21h" in shown
        assert "☎️ Liên hệ: Anh Minh, 0912 345 678" in shown
        await person.press(Walk(filing.id, Step.ACCOUNT, WalkAction.SHOW).pack())
        await person.press(Walk(filing.id, Step.ACCOUNT, WalkAction.NEXT).pack())
        await person.press(Walk(filing.id, Step.PAPERS, WalkAction.GO).pack())
        shown = texts(await person.press(Walk(filing.id, Step.FORM, WalkAction.SHOW).pack()))
        assert "tờ khai cư trú (CT01)" in shown and "VNeID" in shown
        await person.press(Walk(filing.id, Step.FORM, WalkAction.NEXT).pack())
        shown = texts(await person.say("000.00.00.H12-241125-0001"))
        assert "💰 Lệ phí nộp trực tuyến: 10.000 đ." in shown
        assert "👍 Rẻ hơn nộp trực tiếp (20.000 đ)." in shown
        assert "Cách nộp phí: thanh toán trực tuyến ngay trên Cổng" in shown
        assert "(7 ngày làm việc kể từ khi hồ sơ được tiếp nhận)" in shown


async def test_the_guide_speaks_english(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        for line in ("/start", "2", "1", "1"):
            await person.say(line)
        shown = texts(await person.press(StartFiling("1.001193").pack()))
        assert "🧭 Đăng ký khai sinh\nStep 1/5: Public Service Portal account" in shown
        assert "I already have one" in shown
        assert "commune police" in shown
        assert "You are at step 1/5" in texts(await person.say("hello"))
        filing = await one_filing(app, "citizen")
        need_help = Walk(filing.id, Step.ACCOUNT, WalkAction.HELP).pack()
        assert "community digital team" in texts(await person.press(need_help))
        shown = texts(await person.press("menu:filing"))
        assert "You have unfinished guides:" in shown and "▶ Resume: Đăng ký khai sinh" in shown


async def test_fees_read_the_english_way_in_english(database_url: str) -> None:
    """An English reader sees "10,000 VND", never "10.000 đ", and English quotes."""
    from handlers.procedures import ShowCard

    async with console_app(database_url) as app:
        person = session(app)
        for line in ("/start", "2", "1", "1"):
            await person.say(line)
        card = texts(await person.press(ShowCard("1.004222").pack()))
        assert "👉 Filing online is cheaper: 10,000 VND instead of 20,000 VND." in card
        assert "• At the desk: 20,000 VND (20.000 đồng/lần" in card
        await person.press(StartFiling("1.004222").pack())
        filing = await one_filing(app, "citizen", "1.004222")
        await person.press(Walk(filing.id, Step.ACCOUNT, WalkAction.SHOW).pack())
        await person.press(Walk(filing.id, Step.ACCOUNT, WalkAction.NEXT).pack())
        await person.press(Walk(filing.id, Step.PAPERS, WalkAction.GO).pack())
        await person.press(Walk(filing.id, Step.FORM, WalkAction.SHOW).pack())
        await person.press(Walk(filing.id, Step.FORM, WalkAction.NEXT).pack())
        shown = texts(await person.say("000.00.00.H12-241125-0001"))
        assert "💰 Fee when filing online: 10,000 VND." in shown
        assert "👍 Cheaper than filing in person (20,000 VND)." in shown
        assert not re.search(r"\d{3} đ\b", card + shown) and "«" not in card + shown
