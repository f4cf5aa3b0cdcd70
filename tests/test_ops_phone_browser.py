"""The operations room on a phone (390 × 844, as an iPhone 12–15 shows a page) and on a
laptop (1280 × 800), in a real headless Chromium (Selenium) against the real app: no page
is wider than the screen; the top navigation wraps whole links onto more rows; the report's
status choice stays inside its form; the commune profile puts each label above a field as
wide as the form; the audit log reads as one card a row; the notice form keeps each "when"
field on one line with its label. A screenshot of each page is kept in the test's temporary
directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.commands_ops import prepare_demo
from locales import Translator
from tests.browser import Browser, chromium
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import telegram_app

VI = Translator("vi")
PHONE, LAPTOP = (390, 844), (1280, 800)
WIDTHS = "return [document.documentElement.scrollWidth, window.innerWidth]"
NAV = """const links = [...document.querySelectorAll('header nav a')];
return {rows: new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size,
        broken: links.filter(a => a.getBoundingClientRect().height >
                                  1.5 * parseFloat(getComputedStyle(a).lineHeight))
                     .map(a => a.textContent),
        outside: links.filter(a => a.getBoundingClientRect().right > window.innerWidth)
                      .map(a => a.textContent)};"""
INSIDE = """const inner = document.querySelector(arguments[0]).getBoundingClientRect();
const outer = document.querySelector(arguments[0]).closest(arguments[1]).getBoundingClientRect();
return inner.left >= outer.left && inner.right <= outer.right && inner.width > 0;"""
PROFILE = """const form = document.getElementById('profile').getBoundingClientRect();
return [...document.querySelectorAll('#profile label')].map(label => {
  const input = label.querySelector('input').getBoundingClientRect();
  const text = label.firstChild.textContent.trim();
  return {text, width: input.width / form.width,
          below: input.top >= label.getBoundingClientRect().top + 10};});"""
AUDIT = """const rows = [...document.querySelectorAll('#audit tbody tr')];
return {rows: rows.length,
        cards: rows.filter(r => getComputedStyle(r).display === 'block').length,
        labelled: rows.every(r => [...r.cells].every(c => c.dataset.label)),
        right: Math.max(...rows.map(r => r.getBoundingClientRect().right))};"""
ONE_LINE = """const input = document.getElementById(arguments[0]);
const label = input.closest('label').querySelector('span');
const a = label.getBoundingClientRect(), b = input.getBoundingClientRect();
return {lines: label.getClientRects().length, text: label.textContent,
        same_row: a.top < b.bottom && b.top < a.bottom,
        fits: b.right <= window.innerWidth};"""



async def resize(browser: Browser, size: tuple[int, int]) -> None:
    await browser.call(browser.driver.set_window_size, *size)
    await browser.until(lambda d: d.execute_script("return window.innerWidth") == size[0])


async def visit(browser: Browser, url: str, name: str, width: int) -> None:
    await browser.get(url)
    await browser.until(lambda d: d.execute_script("return document.readyState") == "complete")
    scroll, inner = await browser.script(WIDTHS)  # type: ignore[misc]
    await browser.shot(f"{name}-{width}")
    assert inner == width and scroll <= inner, f"{name} at {width} px is {scroll} px wide"


async def test_pages_fit_a_phone_and_a_laptop(database_url: str, tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        _, link = await prepare_demo(app)
        root = link.split("/signin", 1)[0]
        with chromium(tmp_path) as driver:
            browser = Browser(driver, tmp_path / "screens")
            await browser.get(link)
            await browser.click("#signin")
            await browser.until(lambda d: "/signin" not in d.current_url)
            await browser.get(f"{root}/reports")
            report = str(await browser.script(
                "return document.querySelector('table.reports tbody a').href"))
            profile = str(await browser.script(
                "return document.querySelector('header nav a[href*=\"/communes/\"]').href"))
            pages = {"desk": f"{root}/", "report": report, "compose": f"{root}/notices/new",
                     "audit": f"{root}/audit", "profile": profile}

            for size in (PHONE, LAPTOP):
                await resize(browser, size)
                for name, url in pages.items():
                    await visit(browser, url, name, size[0])
                    nav: dict[str, Any] = await browser.script(NAV)  # type: ignore[assignment]
                    assert nav["broken"] == [] and nav["outside"] == [], nav
                    if size == PHONE:
                        assert nav["rows"] >= 2, nav  # the links wrap, whole

            await resize(browser, PHONE)
            await visit(browser, report, "report", PHONE[0])
            assert await browser.script(INSIDE, "#status-choice", "form")
            assert await browser.script(INSIDE, "#template", "form")

            await visit(browser, profile, "profile", PHONE[0])
            fields: list[dict[str, Any]] = await browser.script(PROFILE)  # type: ignore[assignment]
            assert [f["text"] for f in fields] == [VI(f"province.profile.{n}") for n in (
                "office_address", "office_hours", "office_phone", "desk_location")]
            for field in fields:
                assert field["below"] and field["width"] > 0.9, field

            await visit(browser, f"{root}/audit", "audit", PHONE[0])
            audit: dict[str, Any] = await browser.script(AUDIT)  # type: ignore[assignment]
            assert audit["rows"] >= 1 and audit["cards"] == audit["rows"], audit
            assert audit["labelled"] and audit["right"] <= PHONE[0], audit

            await visit(browser, f"{root}/notices/new", "compose", PHONE[0])
            for field, label in (("run-at", "ops.notices.run_at"), ("time", "ops.notices.time")):
                line: dict[str, Any] = await browser.script(ONE_LINE, field)  # type: ignore[assignment]
                assert line["text"] == VI(label), line
                assert line["lines"] == 1 and line["same_row"] and line["fits"], line
        assert len(list((tmp_path / "screens").glob("*.png"))) == 10
