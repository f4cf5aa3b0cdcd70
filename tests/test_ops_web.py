"""The operations room over HTTP (aiohttp's test client against the real app): sign-in by a
one-time link from `/web`, sessions, CSRF, headers, access by commune, the desk's actions
reaching the citizen as they do from chat, exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.commands_ops import issue_link
from bot.web import build_web_app
from locales import Translator
from services.communes import Communes
from services.db import utcnow
from services.feedback.models import FeedbackEvent, FeedbackReport
from services.feedback.service import Draft, FeedbackReports
from services.models import AuditEntry, Commune, Village
from services.ops.models import SignInLink, WebSession
from services.ops.signin import SignInError
from services.privacy import give_consent
from services.users import Users
from tests.helpers import console_app, session, texts

VI = Translator("vi")


async def client_for(app: Any) -> TestClient:
    client = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    return client


async def seed(app: Any) -> dict[str, Any]:
    """Commune A (demo) with an official, a consenting citizen and two reports; commune B
    with its own official."""
    async with app.db.transaction() as s:
        demo = (await Communes(s).all())[0]
        other = Commune(code="00001", name="Xã Bên Cạnh", villages=[Village(name="Thôn Bên")])
        s.add(other)
        await s.flush()
        users = Users(s)
        official = await users.create("console", "official-a")
        official.display_name, official.onboarded = "Cán bộ Địa chính", True
        await users.grant_official(official, demo.id)
        neighbour = await users.create("console", "official-b")
        await users.grant_official(neighbour, other.id)
        citizen = await users.create("console", "citizen")
        citizen.onboarded, citizen.commune_id = True, demo.id
        await give_consent(citizen, "Trần Thị Hoa")
        feedback = FeedbackReports(s)
        now = utcnow()
        road = await feedback.file(Draft(commune_id=demo.id, category="roads",
                                         description="Ổ gà trước cổng trường", address="Xóm 2",
                                         village_id=demo.villages[0].id), citizen, now)
        waste = await feedback.file(Draft(commune_id=demo.id, category="waste",
                                          description="=HYPERLINK(\"http://x\")", urgent=True,
                                          address="Bãi sông"), citizen, now)
        return {"road": road.id, "road_code": road.code, "waste": waste.id, "demo": demo.id}


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0]


async def sign_in(app: Any, client: TestClient, user: str = "official-a") -> None:
    token = token_of(await issue_link(app, "console", user))
    response = await client.post("/ops/signin", data={"t": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/ops/"


async def csrf_of(client: TestClient, path: str) -> tuple[str, str]:
    html = await (await client.get(path)).text()
    token = re.search(r'name="csrf" value="([^"]+)"', html)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html)
    assert token is not None
    return token.group(1), nonce.group(1) if nonce else ""


async def test_web_gives_a_one_time_link_that_opens_a_session(database_url: str) -> None:
    async with console_app(database_url) as app:
        await seed(app)
        official = session(app, user_id="official-a", name="Cán bộ Địa chính")
        [message] = [m for m in await official.say("/web") if m.chat_id == official.chat_id]
        link = re.search(r"http://\S+/ops/signin\?t=\S+", message.text)
        assert link is not None, message.text
        client = await client_for(app)
        try:
            token = token_of(link.group(0))
            # Opening the link (or a chat app's preview fetching it) spends nothing.
            page = await client.get(f"/ops/signin?t={token}")
            assert page.status == 200 and VI("ops.signin.button") in await page.text()
            response = await client.post("/ops/signin", data={"t": token},
                                         allow_redirects=False)
            assert response.status == 303
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/ops" in cookie
            assert "Secure" not in cookie  # http here; https public URLs get Secure
            home = await client.get("/ops/")
            assert home.status == 200 and VI("ops.fig.overdue") in await home.text()
            assert home.headers["X-Frame-Options"] == "DENY"
            assert home.headers["Referrer-Policy"] == "same-origin"
            assert "script-src 'self'" in home.headers["Content-Security-Policy"]
            assert "<script>" not in await home.text()  # no inline script anywhere
            # The same link again, an unknown one, an expired one: a clear page, no session.
            other = TestClient(TestServer(build_web_app(app)))
            await other.start_server()
            try:
                again = await other.post("/ops/signin", data={"t": token})
                assert again.status == 403 and VI("ops.signin.used.title") in await again.text()
                forged = await other.post("/ops/signin", data={"t": "x" * 43})
                assert forged.status == 403
                assert VI("ops.signin.unknown.title") in await forged.text()
                late = token_of(await issue_link(app, "console", "official-a"))
                async with app.db.transaction() as s:
                    for row in await s.scalars(select(SignInLink)):
                        row.expires_at = utcnow() - timedelta(seconds=1)
                expired = await other.post("/ops/signin", data={"t": late})
                assert VI("ops.signin.expired.title") in await expired.text()
                assert VI("ops.signed_out.title") in await (await other.get("/ops/")).text()
            finally:
                await other.close()
        finally:
            await client.close()


async def test_a_citizen_gets_no_link(database_url: str) -> None:
    async with console_app(database_url) as app:
        await seed(app)
        citizen = session(app, user_id="citizen")
        shown = await citizen.say("/web")
        assert [m.text for m in shown if m.chat_id == citizen.chat_id] == [
            VI("errors.not_allowed")]
        with pytest.raises(SignInError) as refused:
            await issue_link(app, "console", "citizen")
        assert refused.value.key == "ops.signin.not_official"


async def test_desk_actions_reach_the_citizen_once(database_url: str) -> None:
    async with console_app(database_url) as app:
        ids = await seed(app)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            path = f"/ops/reports/{ids['road']}"
            page = await client.get(path)
            html = await page.text()
            assert page.status == 200 and "Ổ gà trước cổng trường" in html
            assert "Trần Thị Hoa" in html   # the reporter's name, for this commune's officials
            csrf, nonce = await csrf_of(client, path)
            form = {"csrf": csrf, "nonce": nonce, "text": "Xã đã cử người vá ổ gà."}
            first = await client.post(f"{path}/reply", data=form, allow_redirects=False)
            second = await client.post(f"{path}/reply", data=form, allow_redirects=False)
            assert first.status == second.status == 303
            assert "already_done" in second.headers["Location"]
            csrf, nonce = await csrf_of(client, path)
            done = await client.post(f"{path}/status", data={
                "csrf": csrf, "nonce": nonce, "status": "resolved", "note": "Đã vá xong"})
            assert VI("ops.desk.done_status") in await done.text()
            bad = await client.post(f"{path}/status", data={
                "csrf": csrf, "nonce": "other", "status": "rejected", "note": ""})
            assert bad.status == 400 and VI("ops.err.feedback.admin.note_required_rejected") in \
                await bad.text()
        finally:
            await client.close()
        async with app.db.transaction() as s:
            answers = await s.scalar(select(func.count()).select_from(FeedbackEvent).where(
                FeedbackEvent.report_id == ids["road"], FeedbackEvent.kind == "answer"))
            report = await s.get(FeedbackReport, ids["road"])
            audit = {a.action for a in await s.scalars(select(AuditEntry))}
        assert answers == 1 and report is not None and report.status == "resolved"
        assert {"feedback.reply", "feedback.status", "feedback.view"} <= audit
        await app.sender.drain()
        # The citizen was made by the services, so their private chat is their user id.
        told = [m.text for m in app.console.shown if m.chat_id == "citizen"]
        assert sum("Xã đã cử người vá ổ gà." in text for text in told) == 1
        assert any("Đã vá xong" in text for text in told)


def _inner(html: str, element_id: str) -> str | None:
    found = re.search(rf'id="{element_id}">([^<]*)<', html)
    return found.group(1).strip() if found else None


def _timeline(html: str) -> list[str]:
    """The timeline's steps, as their bold labels read."""
    part = html.split('class="timeline"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<strong>([^<]+)</strong>", part)


async def test_a_reports_status_and_its_acknowledgement_read_apart(database_url: str) -> None:
    """The status badge names itself a status; the acknowledgement is said in its own words,
    pending in the header, then a step of the timeline; the report's filing is its own step."""
    async with console_app(database_url) as app:
        ids = await seed(app)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            path = f"/ops/reports/{ids['road']}"
            html = await (await client.get(path)).text()
            received = VI("feedback.status.received")
            assert _inner(html, "report-status") == VI("ops.status_badge", status=received)
            assert _inner(html, "ack-pending") == VI("ops.ack.pending")
            assert (_inner(html, "ack") or "").startswith(VI("ops.ack.due_by", when="")[:-1])
            assert _timeline(html) == [VI("ops.event.created")]
            csrf, nonce = await csrf_of(client, path)
            done = await client.post(f"{path}/acknowledge", data={"csrf": csrf, "nonce": nonce})
            assert done.status == 200
            html = await (await client.get(path)).text()
            assert _inner(html, "report-status") == VI("ops.status_badge", status=received)
            assert _inner(html, "ack-pending") is None
            assert _timeline(html) == [VI("ops.event.created"), VI("ops.event.acknowledged")]
            csrf, nonce = await csrf_of(client, path)
            await client.post(f"{path}/status", data={
                "csrf": csrf, "nonce": nonce, "status": "in_progress", "note": ""})
            html = await (await client.get(path)).text()
            assert _inner(html, "report-status") == VI(
                "ops.status_badge", status=VI("feedback.status.in_progress"))
            assert _timeline(html) == [VI("ops.event.created"), VI("ops.event.acknowledged"),
                                       VI("ops.event.status")]
            # no two of the words an official reads here are the same
            words = {VI("ops.status_badge", status=received), VI("ops.ack.pending"),
                     VI("ops.event.created"), VI("ops.event.acknowledged"), received}
            assert len(words) == 5
        finally:
            await client.close()


async def test_changes_need_the_csrf_token(database_url: str) -> None:
    async with console_app(database_url) as app:
        ids = await seed(app)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            path = f"/ops/reports/{ids['road']}/reply"
            for form in ({"text": "Giả mạo"}, {"text": "Giả mạo", "csrf": "forged"}):
                refused = await client.post(path, data=form)
                assert refused.status == 403 and VI("ops.csrf.title") in await refused.text()
        finally:
            await client.close()
        async with app.db.transaction() as s:
            assert await s.scalar(select(func.count()).select_from(FeedbackEvent).where(
                FeedbackEvent.kind == "answer")) == 0


async def test_another_communes_report_is_refused_and_audited(database_url: str) -> None:
    async with console_app(database_url) as app:
        ids = await seed(app)
        client = await client_for(app)
        try:
            await sign_in(app, client, "official-b")
            page = await client.get(f"/ops/reports/{ids['road']}")
            html = await page.text()
            assert page.status == 403 and VI("ops.forbidden.title") in html
            assert "Ổ gà" not in html and "Trần Thị Hoa" not in html
            listing = await (await client.get("/ops/reports?status=all")).text()
            assert ids["road_code"] not in listing
            missing = await client.get("/ops/reports/999999")
            assert missing.status == 404
            assert (await client.get("/ops/reports/99999999999")).status == 404
        finally:
            await client.close()
        async with app.db.transaction() as s:
            denied = list(await s.scalars(select(AuditEntry).where(
                AuditEntry.outcome == "denied")))
        assert [(d.action, d.target) for d in denied] == [("ops.feedback.view",
                                                           ids["road_code"])]


async def test_revoking_the_role_ends_the_session(database_url: str) -> None:
    async with console_app(database_url) as app:
        await seed(app)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            assert VI("ops.fig.overdue") in await (await client.get("/ops/")).text()
            async with app.db.transaction() as s:
                official = await Users(s).find("console", "official-a")
                assert official is not None
                await Users(s).revoke(official)
                assert await s.scalar(select(func.count()).select_from(WebSession)) == 0
            assert VI("ops.signed_out.title") in await (await client.get("/ops/")).text()
        finally:
            await client.close()


async def test_exports_hold_the_filtered_rows_with_inert_cells(database_url: str) -> None:
    from openpyxl import load_workbook

    async with console_app(database_url) as app:
        ids = await seed(app)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            text = (await (await client.get("/ops/reports/export.csv?urgent=1")).read()
                    ).decode("utf-8")
            assert text.startswith("\ufeff")
            rows = list(csv.reader(io.StringIO(text[1:])))
            assert len(rows) == 2 and rows[1][-1] == "'=HYPERLINK(\"http://x\")"
            response = await client.get("/ops/reports/export.xlsx?status=all")
            assert response.headers["Content-Type"].startswith("application/vnd.openxml")
            sheet = load_workbook(io.BytesIO(await response.read())).active
            xlsx_rows = list(sheet.iter_rows(min_row=2, values_only=True))
            assert "'=HYPERLINK(\"http://x\")" in [row[-1] for row in xlsx_rows]
            codes = sorted(row[0] for row in xlsx_rows)
            async with app.db.transaction() as s:
                expected = sorted(r.code for r in await s.scalars(select(FeedbackReport)))
            assert codes == expected and len(codes) == 2
            assert ids["road_code"] in codes
        finally:
            await client.close()


CODE = re.compile(r"PA-\d{5}-\d{4}-\d{4}")


async def test_chat_inbox_and_the_desk_list_the_same_reports(database_url: str) -> None:
    """Chat's `/inbox` words and the desk's filters are one filter: open, overdue, by status,
    by village, by category give the same reports in both."""
    async with console_app(database_url) as app:
        ids = await seed(app)
        async with app.db.transaction() as s:
            waste = await s.get(FeedbackReport, ids["waste"])
            road = await s.get(FeedbackReport, ids["road"])
            assert waste is not None and road is not None
            waste.ack_due_at = utcnow() - timedelta(hours=1)  # not acknowledged in time
            village = await s.get(Village, road.village_id)
            assert village is not None
            village_id, village_name, waste_code = village.id, village.name, waste.code
        official = session(app, user_id="official-a", name="Cán bộ Địa chính")
        client = await client_for(app)
        try:
            await sign_in(app, client)
            for words, query, expected in [
                ("", "", {ids["road_code"], waste_code}),
                ("quá hạn", "overdue=1", {waste_code}),
                (village_name, f"village={village_id}", {ids["road_code"]}),
                ("rác thải", "category=waste", {waste_code}),
                ("đã trả lời", "status=answered", set()),
            ]:
                chat = set(CODE.findall(texts(await official.say(f"/inbox {words}"))))
                page = await (await client.get(f"/ops/reports?{query}")).text()
                desk = set(CODE.findall(page.split("<tbody")[-1]))
                assert chat == desk == expected, (words, chat, desk)
        finally:
            await client.close()


async def test_a_new_report_reaches_open_pages_live(database_url: str) -> None:
    """Server-sent events: NOTIFY at the filing's commit on PostgreSQL, polling on SQLite."""
    import asyncio

    async with console_app(database_url) as app:
        ids = await seed(app)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            stream = await client.get("/ops/events")
            assert stream.headers["Content-Type"] == "text/event-stream"
            assert (await stream.content.readline()).startswith(b"retry:")
            await asyncio.sleep(1.5)  # the feed is listening (or has read the highest id)
            async with app.db.transaction() as s:
                await FeedbackReports(s).file(Draft(commune_id=ids["demo"], category="lighting",
                                             description="Đèn đường tắt", address="Xóm 1"),
                                       None, utcnow())
            lines = []
            async with asyncio.timeout(5):
                while b"event: report" not in lines:
                    line = (await stream.content.readline()).strip()
                    if line:
                        lines.append(line)
            stream.close()
        finally:
            await client.close()
