"""The operations room's notices, surveys and figures in a real headless Chromium (Selenium)
against the real app and the fake Telegram Bot API: an emergency notice composed on the web,
its voice played in the page, sent to the linked groups as text and OGG/Opus voice, the
delivery report; the monthly PDF downloaded. A missing browser fails the test."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import pypdf
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from bot.commands_ops import issue_link
from locales import Translator
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import telegram_app
from tests.notices_support import engines
from tests.test_audio_tts import FakeGoogleTTS
from tests.test_notices_telegram import GROUPS, OFFICIAL, Telegram

VI = Translator("vi")
CHROME_OPTIONS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--no-proxy-server", "--window-size=1280,1800",
                  "--autoplay-policy=no-user-gesture-required")



@pytest.fixture
def chrome(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for option in CHROME_OPTIONS:
        options.add_argument(option)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(tmp_path / "downloads"),
        "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {
        "behavior": "allow", "downloadPath": str(tmp_path / "downloads")})
    try:
        yield driver
    finally:
        driver.quit()


class Browser:
    """Selenium's blocking calls run in a thread: the app under test serves from this loop."""

    def __init__(self, driver: webdriver.Chrome, shots: Path) -> None:
        self.driver, self.shots = driver, shots

    async def run(self, call: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(call, *args)

    async def open(self, url: str) -> None:
        await self.run(self.driver.get, url)

    async def click(self, css: str) -> None:
        element = await self.run(self.driver.find_element, By.CSS_SELECTOR, css)
        await self.run(element.click)

    async def type(self, css: str, text: str) -> None:
        element = await self.run(self.driver.find_element, By.CSS_SELECTOR, css)
        await self.run(element.send_keys, text)

    async def text(self, css: str = "body") -> str:
        element = await self.run(self.driver.find_element, By.CSS_SELECTOR, css)
        return str(await self.run(lambda: element.text))

    async def wait_text(self, needle: str, css: str = "body", timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                shown = await self.text(css)
            except Exception:  # the page is reloading (meta refresh)
                shown = ""
            if needle in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not in {css}: {shown[:2000]}")
            await asyncio.sleep(0.3)

    async def shot(self, name: str) -> None:
        await self.run(self.driver.save_screenshot, str(self.shots / f"{name}.png"))

    async def script(self, source: str) -> Any:
        return await self.run(self.driver.execute_script, source)


async def files(folder: Path, pattern: str) -> list[Path]:
    return await asyncio.to_thread(lambda: sorted(folder.glob(pattern)))



async def test_emergency_notice_with_voice_from_the_browser(
        database_url: str, google: FakeGoogleTTS, chrome: webdriver.Chrome,
        tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        app.notices.engines = engines(google.base_url)
        tg = Telegram(fake)
        await tg.link_groups(app)
        browser = Browser(chrome, tmp_path)
        link = await issue_link(app, "telegram", str(OFFICIAL))
        root = link.split("/signin")[0]
        await browser.open(link)
        await browser.click("#signin")
        await browser.wait_text(VI("ops.nav.notices"), "header")

        await browser.open(root + "/notices/new")
        await browser.wait_text(VI("ops.notices.compose"), "h1")
        await browser.type("#text", "Khẩn cấp: bão số 3 đổ bộ chiều nay, "
                                    "bà con chằng chống nhà cửa, không ra đồng.")
        await browser.click("#priority-emergency")
        await browser.click("#mode-both")
        await browser.shot("compose")
        await browser.click("#create")
        await browser.wait_text(VI("ops.notices.engine", engine="gtts", n="")[:20], "#voice")
        engine = await browser.text("#engine")
        assert "gtts" in engine
        # The preview plays in the page: Chromium loads the OGG/Opus and knows its length.
        deadline = time.monotonic() + 15
        duration = 0.0
        while time.monotonic() < deadline and not duration > 0:
            duration = float(await browser.script(
                "const a = document.querySelector('audio.preview');"
                "return a && a.readyState >= 1 && isFinite(a.duration) ? a.duration : 0;") or 0)
            await asyncio.sleep(0.3)
        assert duration > 1, await browser.script(
            "const a = document.querySelector('audio.preview');"
            "return [a.src, a.readyState, a.networkState, a.error && a.error.message,"
            " a.canPlayType('audio/ogg; codecs=opus')];")
        await browser.shot("preview")
        # Nothing reached the groups before the confirmation.
        assert not [c for g in GROUPS for c in fake.sent_to(g) if "bão số 3" in str(
            c.params.get("text") or c.params.get("caption") or "")]

        await browser.click("#confirm")
        for group in GROUPS:
            await tg.said(group, "bão số 3", timeout=20)
            voices = await fake.wait_for(lambda c, g=group: c.ok and c.method == "sendVoice"
                                         and c.chat_id == g, 1, timeout=20)
            voice = voices[-1]
            data = voice.files["voice"].content if voice.files else \
                fake.file(voice.reused["voice"]).content  # type: ignore[union-attr]
            with av.open(io.BytesIO(data)) as container:
                assert container.format.name == "ogg"
                assert container.streams.audio[0].codec_context.name == "opus"
        pins = [c for c in fake.calls_of("pinChatMessage") if c.ok]
        assert {c.chat_id for c in pins} == set(GROUPS)

        page = chrome.current_url.split("?")[0]
        deadline = time.monotonic() + 20
        while True:
            await browser.open(page)
            delivery = await browser.text("#delivery")
            if delivery.count(VI("ops.notices.group_sent")) == len(GROUPS):
                break
            assert time.monotonic() < deadline, delivery
            await asyncio.sleep(0.5)
        assert "giây" in delivery  # the voice message's length
        await browser.shot("delivery")
        await browser.open(root + "/notices")
        week = await browser.text("#week")
        assert "bão số 3" in week
        await browser.shot("notices")
        assert fake.stats.duplicates == 0

        await browser.open(root + "/surveys")
        await browser.wait_text(VI("ops.surveys.new"))
        await browser.shot("surveys")
        await browser.open(root + "/figures")
        await browser.wait_text(VI("ops.figures.monthly"))
        await browser.shot("figures")
        # a month field is typed differently by each browser: set its value as a choice would
        await browser.script("document.getElementById('month').value = '2026-10';")
        await browser.click("#download")
        downloads = tmp_path / "downloads"
        deadline = time.monotonic() + 30
        while not await files(downloads, "*.pdf"):
            assert time.monotonic() < deadline, await files(downloads, "*")
            await asyncio.sleep(0.3)
        [pdf] = await files(downloads, "*.pdf")
        assert pdf.name == "bao_cao_00000_2026-10.pdf"
        await asyncio.sleep(0.5)  # the file is renamed when complete; let it flush
        data = await asyncio.to_thread(pdf.read_bytes)
        assert len(pypdf.PdfReader(io.BytesIO(data)).pages) >= 1
        assert {p.name for p in await files(tmp_path, "*.png")} == {
            "compose.png", "preview.png", "delivery.png", "notices.png", "surveys.png",
            "figures.png"}
