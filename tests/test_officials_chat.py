"""Officials in chat: their own menu, /start and /announce without the citizen's sign-up,
/help by role, and the flood guard leaving a wizard alone (console channel, both databases)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from handlers.home import DeskEntry, OpenDesk
from handlers.runtime import FloodGuard
from services.models import AuditEntry, User
from services.update_path import load_parties
from services.users import Users
from tests.helpers import console_app, session, texts
from tests.notices_support import linked_group, make_official

WEB = OpenDesk(DeskEntry.WEB).pack()


async def new_official(app, external_id: str = "officer") -> None:  # type: ignore[no-untyped-def]
    """An official granted before ever writing to the bot: not onboarded."""
    async with app.db.transaction() as s:
        from services.communes import Communes

        commune = (await Communes(s).all())[0]
        user, _ = await Users(s).get_or_create("console", external_id)
        await Users(s).grant_official(user, commune.id)


async def test_an_officials_start_shows_their_menu_and_no_sign_up(database_url: str) -> None:
    async with console_app(database_url) as app:
        await new_official(app)
        officer = session(app, "officer", name="Cán bộ Hà")
        start = await officer.say("/start")
        assert "Mời bạn chọn ngôn ngữ" not in texts(start)
        assert "Việc của cán bộ xã" in texts(start)
        assert start[-1].choices == (
            "📥 Phản ánh cần xử lý", "📢 Soạn thông báo", "🗳 Khảo sát", "📊 Thống kê",
            "🧭 Hồ sơ trực tuyến", "🖥 Phòng điều hành", "👤 Menu của người dân")
        ask = await officer.say("2")                      # compose a notice, by its number
        assert "Mời anh/chị gõ nội dung thông báo" in texts(ask)
        targets = await officer.say("Mời bà con họp thôn lúc 19h.")
        assert "Mời bạn chọn ngôn ngữ" not in texts(targets)
        assert targets[-1].choices[0].startswith("🏘 Cả xã")


async def test_each_entry_of_the_officials_menu_answers(database_url: str) -> None:
    async with console_app(database_url) as app:
        await new_official(app)
        officer = session(app, "officer")
        await officer.say("/menu")
        inbox = await officer.say("1")
        assert "Hộp phản ánh" in texts(inbox), texts(inbox)
        for entry in (DeskEntry.SURVEYS, DeskEntry.STATS, DeskEntry.FILINGS):
            shown = await officer.press(OpenDesk(entry).pack())
            assert shown and "Xin lỗi" not in texts(shown), (entry, texts(shown))
        app.set_config(ops_url="https://xa.example.vn/ops")
        link = await officer.press(WEB)
        assert "https://xa.example.vn/ops/signin?t=" in texts(link)
        await officer.say("/menu")
        citizen_menu = await officer.say("7")
        assert "Gửi phản ánh" in texts(citizen_menu)


async def test_a_citizen_cannot_press_the_officials_menu(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await person.say("/start")
        await person.say("1")
        await person.say("1")
        await person.say("1")
        refused = await person.press(WEB)
        assert "chỉ dành cho cán bộ" in texts(refused)
        menu = await person.say("/menu")
        assert "Phòng điều hành" not in texts(menu)


async def test_help_lists_only_the_commands_one_may_use(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        await person.say("/start")
        citizen = texts(await person.say("/help"))
        assert "/inbox" not in citizen and "/grant" not in citizen
        await new_official(app)
        officer_chat = session(app, "officer")
        officer = texts(await officer_chat.say("/help"))
        assert "/inbox" in officer and "/announce" in officer
        assert "/grant" not in officer and "/audit" not in officer
        assert officer.count("/web") == 1 and "/web:" not in officer
        assert "«quá hạn», «mới nhận», «đang xử lý»" in officer and "status=" not in officer
        commands = [line.split()[0] for line in officer.splitlines() if line.startswith("/")]
        assert commands[:9] == ["/inbox", "/fb", "/reply", "/status", "/announce", "/notices",
                                "/survey", "/stats", "/web"]
        assert commands[9:] == sorted(commands[9:])       # the others by name
        await officer_chat.say("/lang en")
        english = texts(await officer_chat.say("/help"))
        assert "“quá hạn” (overdue)" in english and "status=" not in english
        assert english.count("/web") == 1
        await officer_chat.say("/lang vi")
        async with app.db.transaction() as s:
            user = await s.scalar(select(User).where(User.external_id == "officer"))
            assert user is not None
            await Users(s).grant_admin(user)
        admin = texts(await officer_chat.say("/help"))
        assert "/grant" in admin and "/audit" in admin


async def test_the_flood_guard_leaves_a_wizard_alone(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app)
        await linked_group(app, "official", "group-east", "Nhóm Thôn Đông", 0)
        app.processor.flood = FloodGuard()  # linking the group counted too
        app.set_config(flood_limit=1)
        official = session(app, "official")
        await official.say("/announce")                   # the one update the limit allows
        await official.say("Mời bà con họp thôn lúc 19h.")
        steps = [await official.say("1") for _ in range(4)]   # commune, normal, text, now
        assert all("Tin nhắn đến nhanh quá" not in texts(shown) for shown in steps)
        assert "✅ Xác nhận gửi" in app.console.shown[-1].choices
        sent = await official.say("1")
        assert "Đang gửi thông báo #1" in texts(sent)
        refused = await official.say("/menu")
        assert "Tin nhắn đến nhanh quá" in texts(refused)
        assert "Việc của cán bộ xã" not in texts(refused)


async def test_a_refused_update_shifts_nothing(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        for line in ("/start", "1", "1", "1"):            # sign-up: only /start counts
            await person.say(line)
        menu = await person.say("/menu")                  # the second update counted
        app.set_config(flood_limit=2)
        async with app.db.transaction() as s:
            _, _, before = await load_parties(s, "console", "chat-citizen", "citizen")
        refused = await person.say("2")                   # a menu entry: over the limit
        assert texts(refused) == "Tin nhắn đến nhanh quá. Mời chờ một phút rồi gửi tiếp."
        async with app.db.transaction() as s:
            _, _, after = await load_parties(s, "console", "chat-citizen", "citizen")
        assert (after.flow, after.step, after.choices) == (before.flow, before.step,
                                                           before.choices)
        assert list(menu[-1].choices) == [label for label, _ in after.choices]


async def test_a_citizen_answering_a_queued_prompt_is_not_throttled(database_url: str) -> None:
    """A rating prompt's stars are an answer to a step, even over the limit."""
    from services.feedback.actions import RateReport

    async with console_app(database_url) as app:
        person = session(app)
        for line in ("/start", "1", "1", "1"):            # sign-up: only /start counts
            await person.say(line)
        app.set_config(flood_limit=1)
        refused = await person.say("/menu")
        assert "Tin nhắn đến nhanh quá" in texts(refused)
        answered = await person.press(RateReport(999999, 5).pack())
        assert "Tin nhắn đến nhanh quá" not in texts(answered)


async def test_statuses_filters_and_short_numbers_in_vietnamese(database_url: str) -> None:
    from handlers.feedback import SendReport
    from tests.test_feedback_flow import file_report, onboard

    async with console_app(database_url) as app:
        app.set_config(flood_limit=1000)
        person = session(app)
        await onboard(person)                             # Thôn Đoài
        await file_report(person, "Rác ứ đọng cạnh cổng chợ", category="waste")
        await person.press(SendReport().pack())
        async with app.db.transaction() as s:              # the report is in Thôn Đoài
            from services.communes import Communes
            from services.feedback.models import FeedbackReport

            commune = (await Communes(s).all())[0]
            report = await s.scalar(select(FeedbackReport))
            assert report is not None
            report.village_id = commune.villages[1].id
        await make_official(app, "officer")
        officer = session(app, "officer")
        code = f"PA-00000-{_year()}-0001"
        shown = texts(await officer.say("/fb 0001"))
        assert code in shown and "Rác ứ đọng" in shown
        assert "console:" not in shown and "(gửi qua bàn thử nghiệm)" in shown
        assert code in texts(await officer.say(f"/fb {code.lower()}"))
        moved = texts(await officer.say("/status #1 đang xử lý đã cử tổ vệ sinh"))
        assert f"{code}" in moved and "Đang xử lý" in moved
        assert "Đang xử lý" in texts(await officer.say("/inbox dang xu ly"))
        assert code in texts(await officer.say("/inbox đang xử lý thôn Đoài"))
        assert code not in texts(await officer.say("/inbox Thôn Đông"))
        assert code not in texts(await officer.say("/inbox quá hạn"))
        assert code in texts(await officer.say("/inbox rác thải"))
        for typed in ("rác", "rac", "RÁC", "rác thôn đoài", "rac doai", "đang xử lý rác"):
            found = texts(await officer.say(f"/inbox {typed}"))
            assert code in found and "Rác thải, môi trường" in found, typed   # in part
        for typed in ("thôn đông", "dong", "đường"):
            found = texts(await officer.say(f"/inbox {typed}"))
            assert code not in found and "Cách dùng" not in found, typed
        ambiguous = texts(await officer.say("/inbox thôn"))
        assert "Thôn Đông; Thôn Đoài; Thôn Trung" in ambiguous and "gõ rõ hơn" in ambiguous
        ambiguous = texts(await officer.say("/inbox rác đo"))
        assert "Thôn Đông; Thôn Đoài" in ambiguous and code not in ambiguous
        usage = texts(await officer.say("/inbox xin chào"))
        assert "quá hạn" in usage and "status=" not in usage
        done = texts(await officer.say("/status 1 Đã giải quyết"))
        assert "Đã giải quyết" in done
        assert "in_progress" not in texts(await officer.say("/status 1"))
        refused = texts(await officer.say("/status 1 đã xong việc"))
        assert "«đang xử lý»" in refused


async def test_the_audit_log_reads_in_words(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(flood_limit=1000)
        await make_official(app, "officer")
        officer = session(app, "officer")
        await officer.say("/fb 0042")                     # no such report: nothing audited
        await officer.say("/grant official console:someone 00000")   # refused: audited
        async with app.db.transaction() as s:
            user = await Users(s).find("console", "officer")
            assert user is not None
            await Users(s).grant_admin(user)
        await officer.say("/grant official console:officer 00000")
        log = texts(await officer.say("/audit"))
        assert "Cấp quyền cán bộ xã · Cán bộ xã" in log
        assert "Dùng lệnh /grant" in log and "(bị từ chối)" in log
        assert "console:" not in log and "grant_official" not in log


def _year() -> int:
    from services.db import utcnow
    from services.feedback.service import local_time

    return local_time(utcnow()).year


async def test_a_notice_left_at_its_preview_is_confirmed_later(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(flood_limit=1000)
        await make_official(app)
        await linked_group(app, "official", "group-east", "Nhóm Thôn Đông", 0)
        official = session(app, "official")
        for line in ("/announce", "Mời bà con họp thôn lúc 19h.", "1", "1", "1", "1"):
            await official.say(line)
        assert "✅ Xác nhận gửi" in app.console.shown[-1].choices
        await official.say("/menu")                       # left at the preview
        later = await official.say("/notice 1")
        assert "đang chờ xác nhận" in texts(later)
        assert later[-1].choices == ("✅ Xác nhận gửi", "✖ Bỏ thông báo này")
        sent = await official.say("1")
        assert "Đang gửi thông báo #1" in texts(sent)
        assert later[-1].choices != (await official.say("/notice 1"))[-1].choices

        for line in ("/announce", "Lịch tiêm phòng cho trẻ.", "1", "1", "1", "1"):
            await official.say(line)
        await official.say("/menu")
        await official.say("/notice 2")
        dropped = await official.say("2")
        assert "#2" in texts(dropped)
        assert "đang chờ xác nhận" not in texts(await official.say("/notice 2"))


async def test_the_monthly_report_reads_as_an_official_document(database_url: str,
                                                                tmp_path) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from pypdf import PdfReader

    from bot.commands_report import report as report_command
    from tests.fakes.telegram_api import FakeTelegramAPI
    from tests.helpers import settings_for, telegram_app
    from tests.test_stats_telegram import seed

    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        seeded = await seed(app)
    year, month = seeded["month"].split("-")

    def pdf(month_asked: str) -> tuple[int, str]:
        reader = PdfReader(tmp_path / f"{month_asked}.pdf")
        return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)

    for asked in (seeded["month"], "2020-01"):
        args = argparse.Namespace(commune="00000", month=asked, out=tmp_path / f"{asked}.pdf",
                                  lang="vi")
        assert await report_command(args, settings_for(database_url)) == 0
    pages, text = pdf(seeded["month"])
    flat = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
    assert "Độc lập - Tự do - Hạnh phúc" in flat
    assert "UBND XÃ THÔN SỐ (THỬ NGHIỆM)" in flat and "Số: ……/BC-UBND" in flat
    assert "Xã Thôn Số (thử nghiệm), ngày " in flat
    assert f"tháng {int(month)}/{year}" in flat
    assert "chưa đủ 5 câu trả lời" in flat and "< 5" not in flat
    sections = ["1. Tóm tắt", "2. Biểu đồ", "3. Mức độ hài lòng theo thôn",
                "4. Theo lĩnh vực", "5. Theo thủ tục", "6. Theo tiêu chí SIPAS",
                "7. Phản ánh", "8. Nộp hồ sơ", "9. Các khảo sát"]
    at = [flat.index(s) for s in sections]
    assert at == sorted(at)
    assert pages >= 4

    empty_pages, empty = pdf("2020-01")
    flat = " ".join(empty.split())
    assert "tháng 1/2020" in flat
    assert flat.count("chưa có dữ liệu") == 3         # trend, feedback, villages
    assert empty_pages >= 3


def test_count_charts_have_whole_number_axes() -> None:
    """The feedback and funnel charts count reports and walks: ticks are whole numbers."""
    from datetime import date

    from matplotlib.figure import Figure

    from locales import Translator
    from services.surveys import charts
    from services.surveys.stats import Period, Report, Timeliness

    period = Period(date(2026, 12, 1), date(2027, 1, 1), "2026-12")
    report = Report("Xã Mẫu", period, [], Timeliness(received=3, due=2, on_time=1),
                    [("started", 3), ("submitted", 1)], [], {})
    t = Translator("vi")
    figure = Figure()
    feedback_axes, funnel_axes = figure.subplots(1, 2)
    charts.feedback(feedback_axes, report, t)
    charts.funnel(funnel_axes, report, t)
    figure.canvas.draw()
    for ticks in (feedback_axes.get_yticks(), funnel_axes.get_xticks()):
        assert all(float(tick).is_integer() for tick in ticks), ticks


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _codes(png: bytes) -> list[str]:
    import io

    import zxingcpp
    from PIL import Image

    return sorted(b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))))


def _poster_info(png: bytes) -> dict:  # type: ignore[type-arg]
    import io
    import json

    from PIL import Image

    from services.qr import POSTER_KEY

    return json.loads(Image.open(io.BytesIO(png)).info[POSTER_KEY])  # type: ignore[no-any-return]


async def test_qr_posters_carry_a_code_for_each_channel(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "officer")
        officer = session(app, "officer")
        app.set_config(bot_username="xa_bot")
        [poster] = [m for m in await officer.say("/qr 1.001193") if m.kind == "document"]
        assert _codes(poster.data) == ["https://t.me/xa_bot?start=p_1_001193"]
        assert _poster_info(poster.data)["commune"] == "Xã Thôn Số (thử nghiệm)"
        assert "quét mã bằng camera" in poster.text and "mở ngay hướng dẫn" in poster.text

        app.set_config(zalo_link="https://zalo.me/123456789")
        [both] = [m for m in await officer.say("/qr 1.001193") if m.kind == "document"]
        assert _codes(both.data) == ["https://t.me/xa_bot?start=p_1_001193",
                                     "https://zalo.me/123456789"]
        info = _poster_info(both.data)
        assert [c["label"] for c in info["codes"]] == ["Telegram", "Zalo"]
        assert "Zalo: mở Thôn Số, rồi gõ mã thủ tục 1.001193" in info["instruction"]
        assert "một mã cho Zalo" in both.text

        # A local code typed in lower case finds its poster as the capitals do.
        [local] = [m for m in await officer.say("/qr ts-xemay") if m.kind == "document"]
        assert _codes(local.data)[0] == "https://t.me/xa_bot?start=p_TS_XEMAY"
        assert _poster_info(local.data)["title"] == "Đăng ký xe mô tô, xe gắn máy"


async def test_without_the_bots_username_no_poster_links_to_a_wrong_account(
        database_url: str) -> None:
    """No username (no Telegram token, no QR_BOT_USERNAME): /qr says what to set instead of
    printing a link to t.me/None or to a placeholder; with Zalo's link, the poster carries
    Zalo's code alone; a citizen's card offers no poster it cannot make."""
    from handlers.procedures import SendPoster

    async with console_app(database_url) as app:
        await make_official(app, "officer")
        officer = session(app, "officer")
        told = await officer.say("/qr 1.001193")
        assert [m.kind for m in told] == ["text"]
        assert "QR_BOT_USERNAME" in texts(told) and "tên tài khoản Telegram" in texts(told)
        assert "t.me" not in texts(told) and "None" not in texts(told)
        person = session(app)
        await person.say("/start")
        for answer in ("1", "1", "1"):
            await person.say(answer)
        card = await person.say("/start p_1_001193")
        assert "🔳 Mã QR" not in card[-1].choices
        old_button = texts(await person.press(SendPoster("1.001193").pack()))
        assert "mã QR của thủ tục này chưa có" in old_button and "QR_BOT_USERNAME" not in old_button

        app.set_config(zalo_link="https://zalo.me/123456789")
        [poster] = [m for m in await officer.say("/qr 1.001193") if m.kind == "document"]
        assert _codes(poster.data) == ["https://zalo.me/123456789"]
        info = _poster_info(poster.data)
        assert [c["label"] for c in info["codes"]] == ["Zalo"]
        assert "mở Thôn Số trên Zalo, rồi gõ mã thủ tục 1.001193" in info["instruction"]
        assert "mã dẫn tới Thôn Số trên Zalo" in poster.text and "t.me" not in poster.text


async def test_the_qr_command_line_names_the_commune(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from bot.commands_procedures import qr as qr_command
    from tests.helpers import settings_for

    async with console_app(database_url):
        pass
    args = argparse.Namespace(all=True, commune=None, out=tmp_path, bot="xa_bot")
    settings = settings_for(database_url, qr_zalo_link="https://zalo.me/42")
    assert await qr_command(args, settings) == 0
    png = (tmp_path / "qr_1.001193.png").read_bytes()
    assert _poster_info(png)["commune"] == "Xã Thôn Số (thử nghiệm)"
    assert _codes(png) == ["https://t.me/xa_bot?start=p_1_001193", "https://zalo.me/42"]


async def test_a_new_user_who_scans_sees_the_answer_first(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app)
        card, welcome = await person.say("/start p_1_001193")
        assert card.text.startswith("📄 Đăng ký khai sinh")
        assert "Mời bạn chọn ngôn ngữ" in welcome.text
        await person.say("1")
        await person.say("1")
        done = await person.say("1")
        assert "Mời chọn" in texts(done)


async def test_the_console_terminal_saves_files_switches_people_and_repairs_lines(
        database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.channels.console import ConsoleTerminal
    from handlers.feedback import SendReport
    from locales import Translator
    from tests.test_feedback_flow import file_report

    async with console_app(database_url) as app:
        app.set_config(flood_limit=1000, bot_username="xa_bot")
        await make_official(app, "official")
        out: list[str] = []
        terminal = ConsoleTerminal(app.processor, app.sender, app.console, tmp_path / "files",
                                   out.append, Translator("vi"), user_id="official")
        await terminal.line(b"/qr 1.001193\n")
        saved = [line for line in "\n".join(out).splitlines() if "[Đã lưu tệp: " in line]
        assert len(saved) == 1
        path = saved[0].split("[Đã lưu tệp: ", 1)[1].rstrip("]")
        assert path.endswith("qr_1.001193.png")
        assert _codes(_read(path)) == ["https://t.me/xa_bot?start=p_1_001193"]

        await terminal.line(b"/as citizen\n")
        assert out[-1] == "(Đang nói với tư cách «citizen».)"
        for line in (b"/start", b"1", b"1", b"1"):
            await terminal.line(line)
        await file_report(terminal.current, "Cống thoát nước bị tắc", category="water")
        await terminal.current.press(SendReport().pack())
        out.clear()
        await terminal.tick()
        await terminal.line(b"/menu")
        told = "\n".join(out)
        assert "[Tin nhắn gửi tới «official» — gõ /as official để trả lời]" in told

        out.clear()
        await terminal.line("Cho hỏi giấy khai sinh Đ".encode()[:-1] + b"\n")   # cut mid-Đ
        assert out and "Traceback" not in "\n".join(out)

        await terminal.line("/as bà?".encode())            # not a name: told how
        assert "Cách dùng: /as" in out[-1]


def test_the_console_command_reads_cut_lines_and_saves_files(database_url: str,
                                                              tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(root),
           "QR_BOT_USERNAME": "xa_bot"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    stdin = b"/qr 1.001193\n" + "Thôn Đ".encode()[:-1] + b"\n/as citizen\n/help\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--as-official", "--files",
         str(tmp_path / "tep")], env=env, input=stdin, capture_output=True, timeout=120,
        cwd=tmp_path, check=False)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert "Traceback" not in result.stderr.decode()
    assert f"[Đã lưu tệp: {tmp_path / 'tep'}/001-qr_1.001193.png]" in out
    assert (tmp_path / "tep" / "001-qr_1.001193.png").read_bytes().startswith(b"\x89PNG")
    assert "(Đang nói với tư cách «citizen».)" in out


async def test_web_typed_in_the_console_terminal_prints_the_sign_in_link(
        database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`/web` in the console prints the link as Telegram sends it; its button is printed as
    "label: address", not numbered, so a typed "1" is not taken for it."""
    from bot.channels.console import ConsoleTerminal
    from locales import Translator

    async with console_app(database_url) as app:
        await make_official(app, "official")
        out: list[str] = []
        terminal = ConsoleTerminal(app.processor, app.sender, app.console, tmp_path / "files",
                                   out.append, Translator("vi"), user_id="official")
        await terminal.line(b"/web\n")
        printed = "\n".join(out)
        assert "Đường dẫn vào Phòng điều hành (dùng một lần, trong 10 phút)" in printed
        link = re.search(r"Mở Phòng điều hành: (http://\S+/ops/signin\?t=\S+)", printed)
        assert link is not None, printed
        assert link.group(1) in printed.splitlines()[1]         # the same link in the text
        assert "1. Mở Phòng điều hành" not in printed
        assert "Xin lỗi" not in printed and "chưa được bật" not in printed
        async with app.db.transaction() as s:
            audited = await s.scalar(select(func.count()).select_from(AuditEntry)
                                     .where(AuditEntry.action == "ops.link"))
        assert audited == 1


async def test_an_officials_free_text_gets_their_menu_not_the_offer_to_ask_the_commune(
        database_url: str) -> None:
    async with console_app(database_url) as app:
        await new_official(app)
        officer = session(app, "officer")
        await officer.say("/menu")
        for typed in ("Đèn đường ở thôn Đông bị hỏng mấy hôm nay", "xin chào",
                      "qwerty zxcvb lorem ipsum"):
            shown = texts(await officer.say(typed))
            assert "Gửi câu hỏi tới xã" not in shown and "Gửi phản ánh" not in shown, typed
            assert "bạn" not in shown.lower().split(), typed
            assert "menu cán bộ" in shown and "/help" in shown, typed
            assert "📢 Soạn thông báo" in shown, typed
            assert ("Xin chào anh/chị!" in shown) == (typed == "xin chào"), typed
        person = session(app)
        await person.say("/start")
        await person.say("1")
        await person.say("1")
        await person.say("1")
        offered = texts(await person.say("qwerty zxcvb lorem ipsum"))
        assert "Gửi câu hỏi tới xã" in offered and "menu cán bộ" not in offered


def test_charts_write_out_groups_too_small_to_show() -> None:
    """A group, a month or a whole period under five ratings is written out on the /stats
    chart ("chưa đủ 5 …"), never a bare "< 5"."""
    from datetime import date

    from locales import Translator
    from services.surveys import charts
    from services.surveys.stats import Period, Report, Timeliness, satisfaction

    t = Translator("vi")
    period = Period(date(2026, 12, 1), date(2027, 1, 1), "2026-12")
    report = Report("Xã Mẫu", period, [], Timeliness(received=0, due=0, on_time=0), [], [], {})
    figure = charts.dashboard(report, t)
    assert figure.get_suptitle() == \
        "Xã Mẫu — tháng 12/2026: chưa đủ 5 đánh giá để tính tỷ lệ"
    axes = figure.subplots()
    charts.bars(axes, "Theo thôn", {"Thôn Đông": satisfaction([5, 4, 2]),
                                    "Thôn Đoài": satisfaction([5, 5, 4, 4, 3, 1, 5, 4])}, t)
    labels = [text.get_text() for text in axes.texts]
    assert labels == ["chưa đủ 5 câu trả lời", "75% (n=8)"], labels
