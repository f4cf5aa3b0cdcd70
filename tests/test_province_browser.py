"""The province admin's pages in a real headless Chromium (Selenium): import a province from
the national list, import a commune's villages from a CSV, invite an official by link; the
invited person opens the link in chat and becomes an official once the admin confirms; the
provincial table lists the communes with their figures. A screenshot of each page is saved.
Without Chromium this test fails: it never skips."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from bot.commands_ops import issue_link
from locales import Translator
from services.db import utcnow
from services.feedback.service import Draft, FeedbackReports
from services.models import Commune, User
from services.privacy import give_consent
from services.users import Users
from tests.helpers import console_app, session
from tests.test_ops_province import people
from tests.test_ops_web import client_for, token_of
from tests.test_province_import import cp1258

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
OPTIONS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-component-update", "--no-first-run")
VI = Translator("vi")
T = TypeVar("T")


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for option in OPTIONS:
        options.add_argument(option)
    options.add_argument("--window-size=1280,1600")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


async def blocking(call: Callable[..., T], *args: Any) -> T:
    """A WebDriver call in a thread, so the server on this loop can answer the browser."""
    return await asyncio.to_thread(call, *args)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_admin_sets_up_a_province_in_the_browser(database_url: str, browser: Any,
                                                      tmp_path: Path) -> None:
    async with console_app(database_url) as app:
        await people(app)
        client = await client_for(app)
        base = str(client.make_url("/ops"))
        shots: list[str] = []

        async def shot(name: str) -> str:
            path = tmp_path / f"{len(shots) + 1:02d}-{name}.png"
            assert await blocking(browser.save_screenshot, str(path))
            shots.append(path.name)
            return str(await blocking(lambda: browser.page_source))

        async def click(css: str) -> None:
            element = await blocking(browser.find_element, By.CSS_SELECTOR, css)
            await blocking(element.click)

        try:
            token = token_of(await issue_link(app, "console", "admin"))
            await blocking(browser.get, f"{base}/signin?t={token}")
            await shot("signin")
            await click("form button")
            assert VI("ops.fig.overdue") in await shot("dashboard")

            await blocking(browser.get, f"{base}/province")
            choice = await blocking(browser.find_element, By.ID, "province-choice")
            await blocking(Select(choice).select_by_value, "19")
            await click("#import-province")
            page = await shot("province-imported")
            assert "Đã nhập Thái Nguyên" in page and "Phường Phan Đình Phùng" in page

            link = await blocking(browser.find_element, By.LINK_TEXT, "Phường Phan Đình Phùng")
            await blocking(link.click)
            villages = tmp_path / "thon.csv"
            villages.write_bytes(cp1258("village_name,village_code\nTổ dân phố Đồng Tâm,01\n"
                                        "Tổ dân phố Hoàng Văn Thụ,02\n"))
            field = await blocking(browser.find_element, By.ID, "villages-file")
            await blocking(field.send_keys, str(villages))
            await click("#import-villages")
            page = await shot("villages-imported")
            assert "Tổ dân phố Đồng Tâm" in page and "Tổ dân phố Hoàng Văn Thụ" in page

            await click("#create-invite button")
            await shot("invite-link")
            command = await blocking(browser.find_element, By.ID, "invite-command")
            payload = (await blocking(lambda: command.text)).removeprefix("/start ")
            shown = await session(app, "newbie", "Lê Văn Mới").say(f"/start {payload}")
            assert any(VI("invites.claimed") in m.text for m in shown)
            asked = [m for m in app.console.shown if m.chat_id == "admin"]
            assert VI("invites.confirm") in asked[-1].choices

            # the browser sends the form again: still one invite, the link not shown again
            await blocking(browser.refresh)
            page = await shot("invite-pending")
            assert VI("invites.claimed_by", who="Lê Văn Mới") in page
            assert payload not in page and VI("invites.waiting") not in page
            await click(".invite-confirm")
            page = await shot("official-confirmed")
            assert "bàn thử nghiệm · newbie" in page and "console:newbie" not in page
            async with app.db.transaction() as s:
                newbie = await s.scalar(select(User).where(User.external_id == "newbie"))
                commune = await s.scalar(select(Commune).where(
                    Commune.name == "Phường Phan Đình Phùng"))
                assert newbie is not None and commune is not None
                assert newbie.role == "official" and newbie.official_commune_id == commune.id
                communes = len(list(await s.scalars(select(Commune.id))))
                commune_id = commune.id
            async with app.db.transaction() as s:
                citizen = await Users(s).create("console", "citizen")
                citizen.onboarded, citizen.commune_id = True, commune_id
                await give_consent(citizen, "Trần Thị Hoa")
                await FeedbackReports(s).file(Draft(commune_id=commune_id, category="roads",
                                                    description="Ổ gà"), citizen, utcnow())

            await blocking(browser.get, f"{base}/province/table")
            page = await shot("province-table")
            rows = await blocking(browser.find_elements, By.CSS_SELECTOR,
                                  "#province-table tbody tr")
            assert len(rows) == communes > 50
            assert VI("province.small", count=0, small=5) in page
            await click("#province-table thead th:nth-child(2) a")  # received, highest first
            await shot("province-table-sorted")
            assert "sort=received" in await blocking(lambda: browser.current_url)
            first = await blocking(browser.find_element, By.CSS_SELECTOR,
                                   "#province-table tbody tr")
            cells = (await blocking(lambda: first.text))
            assert cells.startswith("Phường Phan Đình Phùng 1 0 0 0"), cells
        finally:
            await client.close()
        assert len(shots) == 9
