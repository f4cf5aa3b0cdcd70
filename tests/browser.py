"""A real headless Chromium driven by Selenium, for the operations room's browser tests.

Debian's `chromium` and `chromium-driver` packages (CI installs them). Without them a browser
test fails, never skips: a missing browser must not pass for a working workspace."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--window-size=1280,1000", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--autoplay-policy=no-user-gesture-required", "--lang=vi-VN")


@contextlib.contextmanager
def chromium(tmp_path: Path) -> Iterator[WebDriver]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("Chromium and chromedriver are needed for the browser tests: "
                    "apt-get install chromium chromium-driver", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_until(driver: WebDriver, check: object, timeout: float = 10) -> None:
    WebDriverWait(driver, timeout, poll_frequency=0.2).until(check)  # type: ignore[arg-type]


class Browser:
    """The driver's calls off the event loop: the app under test serves the pages on the same
    loop, so a blocking call here would wait for a page that can never be served."""

    def __init__(self, driver: WebDriver, shots: Path) -> None:
        self.driver = driver
        self.shots = shots
        shots.mkdir(parents=True, exist_ok=True)

    async def call(self, fn: object, *args: object) -> object:
        import asyncio

        return await asyncio.to_thread(fn, *args)  # type: ignore[arg-type]

    async def get(self, url: str) -> None:
        await self.call(self.driver.get, url)

    async def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        element = await self.call(self.driver.find_element, By.CSS_SELECTOR, css)
        await self.call(element.click)  # type: ignore[attr-defined]

    async def type(self, css: str, text: str) -> None:
        from selenium.webdriver.common.by import By

        element = await self.call(self.driver.find_element, By.CSS_SELECTOR, css)
        await self.call(element.clear)  # type: ignore[attr-defined]
        await self.call(element.send_keys, text)  # type: ignore[attr-defined]

    async def select(self, css: str, value: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        element = await self.call(self.driver.find_element, By.CSS_SELECTOR, css)
        await self.call(Select(element).select_by_value, value)  # type: ignore[arg-type]

    async def text(self, css: str = "body") -> str:
        from selenium.webdriver.common.by import By

        element = await self.call(self.driver.find_element, By.CSS_SELECTOR, css)
        return str(await self.call(lambda: element.text))  # type: ignore[attr-defined]

    async def script(self, source: str, *args: object) -> object:
        return await self.call(self.driver.execute_script, source, *args)

    async def async_script(self, source: str, *args: object) -> object:
        return await self.call(self.driver.execute_async_script, source, *args)

    async def until(self, check: object, timeout: float = 10) -> None:
        await self.call(wait_until, self.driver, check, timeout)

    async def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        await self.call(self.driver.save_screenshot, str(path))
        return path
