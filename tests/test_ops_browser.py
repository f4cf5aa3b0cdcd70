"""The operations room in a real browser (headless Chromium through Selenium) against the
real app, its Telegram fake and a real database: a citizen reports with a photo and a voice
note on Telegram; the official, signed in with the link /web gave them, sees it arrive on the
open dashboard, listens to it, answers with a template and resolves it; the citizen is told
and asked to rate. Then what must be refused is refused. A screenshot of each page is kept in
the test's temporary directory."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from handlers.feedback import ContentDone, PickCategory, SendReport, SetAnonymous, SetUrgent
from handlers.home import MenuEntry, OpenMenu
from locales import Translator
from services.audio import to_ogg_opus
from services.feedback.actions import RateReport
from services.feedback.models import FeedbackReport
from services.models import Commune, Village
from services.users import Users
from tests.browser import Browser, chromium
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import TelegramDriver, buttons_of, onboard_on_telegram, telegram_app, words
from tests.test_audio_tts import tone_mp3

CITIZEN, OFFICIAL, FOREIGN = 9101, 9201, 9301
VI = Translator("vi")
NEW_TODAY = "return document.querySelector('#fig-new_today .number').textContent.trim()"
"""Read in one script: the live refresh swaps the element between two driver calls."""


async def officials(app) -> None:  # type: ignore[no-untyped-def]
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


async def link_from_web(tg: TelegramDriver, chat: int) -> str:
    """What an official gets by typing /web in their private chat."""
    shown = await tg.text(chat, "/web")
    found = re.search(r"http://\S+/ops/signin\?t=\S+", words(shown))
    assert found is not None, words(shown)
    return found.group(0)


async def sign_in(browser: Browser, link: str) -> None:
    await browser.get(link)
    await browser.click("#signin")
    await browser.until(lambda d: "/signin" not in d.current_url)


async def file_report(tg: TelegramDriver) -> str:
    await onboard_on_telegram(tg, CITIZEN)
    await tg.press(CITIZEN, OpenMenu(MenuEntry.FEEDBACK).pack())
    await tg.press(CITIZEN, PickCategory("roads").pack())
    await tg.text(CITIZEN, "Ổ gà lớn trước cổng trường, xe máy dễ ngã.")
    await tg.text(CITIZEN, None, photo="photo-pothole")
    await tg.text(CITIZEN, None, voice="voice-pothole", voice_duration=2)
    await tg.press(CITIZEN, ContentDone().pack())
    await tg.text(CITIZEN, None, location=(21.0285, 105.8542))
    await tg.press(CITIZEN, SetUrgent(False).pack())
    await tg.press(CITIZEN, SetAnonymous(False).pack())
    filed = await tg.press(CITIZEN, SendReport().pack())
    found = re.search(r"PA-00000-\d{4}-\d{4}", words(filed))
    assert found is not None, words(filed)
    return found.group(0)


async def test_an_official_handles_a_report_in_the_browser(database_url: str,
                                                          tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=7000)
        await officials(app)
        fake.add_file("photo-pothole", _jpeg(), kind="photo")
        fake.add_file("voice-pothole", to_ogg_opus(tone_mp3(1.0)), kind="voice")
        link = await link_from_web(tg, OFFICIAL)
        assert "/thonso/ops/signin" in link   # behind the gateway's path prefix

        with chromium(tmp_path) as driver:
            browser = Browser(driver, tmp_path / "screens")
            await sign_in(browser, link)
            assert await browser.script(NEW_TODAY) == "0"
            await browser.shot("1-dashboard-empty")

            # The citizen files; the open dashboard shows it without a reload.
            code = await file_report(tg)
            await browser.until(lambda d: d.execute_script(NEW_TODAY) == "1", 15)
            await browser.shot("2-dashboard-live")

            # The list, then the report with its photo and voice note from the blob store.
            await app.scheduler.jobs["report-media"].run_once()
            await browser.click("#fig-new_today")
            await browser.until(lambda d: code in d.page_source)
            await browser.shot("3-inbox")
            await browser.click("table.reports tbody a")
            await browser.until(lambda d: d.find_element("id", "voice"))
            await browser.until(lambda d: d.execute_script(
                "return document.getElementById('voice').readyState") >= 1, 15)
            duration = await browser.script("return document.getElementById('voice').duration")
            assert isinstance(duration, float) and duration > 0.5
            assert await browser.script(
                "return document.querySelector('img.photo').naturalWidth") == 4
            assert "Ổ gà lớn trước cổng trường" in await browser.text("body")
            await browser.shot("4-report")

            # A reply from a template, then resolved with a note.
            before = len(tg.shown(CITIZEN))
            template = await browser.script(
                "return document.querySelector('#template option:nth-child(2)').value")
            assert isinstance(template, str) and template
            await browser.select("#template", template)
            assert await browser.script("return document.getElementById('reply-text').value") \
                == template
            await browser.click("#send-reply")
            await browser.until(lambda d: VI("ops.desk.done_reply") in d.page_source)
            await browser.select("#status-choice", "resolved")
            await browser.type("#status-form textarea", "Đã vá xong ổ gà.")
            await browser.click("#set-status")
            await browser.until(lambda d: VI("ops.desk.done_status") in d.page_source)
            await browser.shot("5-resolved")
            await tg.settle()
            told = words(tg.shown(CITIZEN)[before:])
            assert template in told and "Đã vá xong ổ gà." in told
            async with app.db.transaction() as session:
                report = await session.scalar(
                    select(FeedbackReport).where(FeedbackReport.code == code))
                assert report is not None and report.status == "resolved"
                report_id = report.id
            assert RateReport(report_id, 5).pack() in buttons_of(tg.shown(CITIZEN)[-1])

            # A forged POST without the CSRF token is refused, and changes nothing.
            status = await browser.async_script(
                "const done = arguments[arguments.length - 1];"
                "fetch(location.pathname + '/reply', {method: 'POST', body: new URLSearchParams("
                "{text: 'giả mạo'})}).then(r => done(r.status));")
            assert status == 403

            # The export holds exactly the filtered rows.
            data = await browser.async_script(
                "const done = arguments[arguments.length - 1];"
                "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => {"
                "let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x));"
                "done(btoa(s));});", f"{_root(link)}/reports/export.xlsx?status=resolved")
            sheet = load_workbook(io.BytesIO(base64.b64decode(str(data)))).active
            assert sheet is not None
            assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [code]

            # Signed out; the used link is refused; another commune's official gets a 403.
            await browser.click("header form:last-of-type button")
            await browser.until(lambda d: VI("ops.signed_out_now.title") in d.page_source)
            await browser.get(link)
            await browser.click("#signin")
            await browser.until(lambda d: VI("ops.signin.used.title") in d.page_source)
            await browser.shot("6-used-link")
            await sign_in(browser, await link_from_web(tg, FOREIGN))
            await browser.get(f"{_root(link)}/reports/{report_id}")
            body = await browser.text("body")
            assert VI("ops.forbidden.title") in body and "Ổ gà" not in body
            await browser.shot("7-forbidden")
        assert len(list((tmp_path / "screens").glob("*.png"))) == 7


def _root(link: str) -> str:
    return link.split("/signin", 1)[0]


def _jpeg() -> bytes:
    """A 4×3 photo (the page checks that the browser decoded it)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 60, 40)).save(buffer, "JPEG")
    return buffer.getvalue()
