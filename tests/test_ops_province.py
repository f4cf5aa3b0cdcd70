"""The province admin's pages over HTTP (aiohttp's test client against the real app): the
national import, a village CSV (and a bad one changing nothing), an official invited by
link who becomes one once the admin confirms in chat, the commune profile, removal refused
with its reason, the provincial table and its exports, the audit log and its CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from locales import Translator
from services.calendars import calendar_for
from services.communes import Communes
from services.db import utcnow
from services.feedback.service import Draft, FeedbackReports
from services.invites.actions import DecideInvite
from services.models import AuditEntry, Chat, Commune, User
from services.privacy import give_consent
from services.users import Users
from tests.helpers import console_app, session
from tests.test_ops_web import client_for, csrf_of, sign_in
from tests.test_province_import import cp1258

VI = Translator("vi")


async def people(app: Any) -> None:
    async with app.db.transaction() as s:
        users = Users(s)
        admin = await users.create("console", "admin")
        admin.display_name, admin.onboarded = "Quản trị tỉnh", True
        await users.grant_admin(admin)
        newbie = await users.create("console", "newbie")
        newbie.display_name, newbie.onboarded = "Lê Văn Mới", True
        plain = await users.create("console", "official-x")
        plain.onboarded = True


async def post(client: TestClient, path: str, form_page: str, **fields: Any) -> Any:
    token, nonce = await csrf_of(client, form_page)
    return await client.post(path, data={"csrf": token, "nonce": nonce, **fields})


async def commune_id(app: Any, name: str) -> int:
    async with app.db.transaction() as s:
        found = await s.scalar(select(Commune.id).where(Commune.name == name))
        assert found is not None
        return found


async def test_admin_imports_invites_and_reads_the_province(database_url: str) -> None:
    async with console_app(database_url) as app:
        await people(app)
        client = await client_for(app)
        try:
            await sign_in(app, client, "admin")
            imported = await post(client, "/ops/province/import", "/ops/province",
                                  chosen="19")
            page = await imported.text()
            assert imported.status == 200 and "Đã nhập Thái Nguyên" in page
            assert "Phường Phan Đình Phùng" in page
            cid = await commune_id(app, "Phường Phan Đình Phùng")

            # villages from a Windows-1258 file, the old district column ignored with a note
            upload = cp1258("village_name,district\nTổ dân phố Đồng Tâm,Huyện Cũ\n"
                            "Tổ dân phố Hoàng Văn Thụ,Huyện Cũ\n")
            token, _ = await csrf_of(client, f"/ops/communes/{cid}")
            done = await client.post(f"/ops/communes/{cid}/villages",
                                     data={"csrf": token, "file": io.BytesIO(upload)})
            text = await done.text()
            assert "thêm 2" in text and "district" in text and "Tổ dân phố Đồng Tâm" in text
            bad = await client.post(f"/ops/communes/{cid}/villages", data={
                "csrf": token, "file": io.BytesIO(b"village_name,head\nA,B\n")})
            assert bad.status == 400 and "head" in await bad.text()
            long = "village_name\n" + "".join(f"Thôn {n}\n" for n in range(10_000))
            too_many = await client.post(f"/ops/communes/{cid}/villages", data={
                "csrf": token, "file": io.BytesIO(long.encode())})
            assert too_many.status == 400
            assert VI("province.err.too_many", limit=2000) in await too_many.text()
            async with app.db.transaction() as s:
                commune = await Communes(s).get(cid)
                assert commune is not None and len(commune.villages) == 2

            # an invite: the link is shown once, the person opens it, the admin confirms
            created = await post(client, f"/ops/communes/{cid}/invites", f"/ops/communes/{cid}")
            command = re.search(r"/start (of_[\w-]+)", await created.text())
            assert command is not None
            newbie, admin = session(app, "newbie", "Lê Văn Mới"), session(app, "admin")
            shown = await newbie.say(f"/start {command.group(1)}")
            assert any(VI("invites.claimed") in m.text for m in shown)
            asked = [m for m in app.console.shown if m.chat_id == "admin"]
            assert asked and "Lê Văn Mới" in asked[-1].text and VI("invites.confirm") in \
                asked[-1].choices
            pending = await (await client.get(f"/ops/communes/{cid}")).text()
            assert VI("invites.claimed_by", who="Lê Văn Mới") in pending
            # a second person cannot use the same link
            other = await session(app, "official-x").say(f"/start {command.group(1)}")
            assert any(VI("invites.used") in m.text for m in other)
            invite_id = int(re.search(r"/invites/(\d+)/confirm", pending).group(1))  # type: ignore[union-attr]
            await admin.press(DecideInvite(invite_id, True).pack())
            async with app.db.transaction() as s:
                user = await s.scalar(select(User).where(User.external_id == "newbie"))
                assert user is not None and user.official_commune_id == cid
                assert user.role == "official"
            told = [m for m in app.console.shown if m.chat_id == "newbie"]
            assert "Phường Phan Đình Phùng" in told[-1].text
            listed = await (await client.get(f"/ops/communes/{cid}")).text()
            assert "bàn thử nghiệm · newbie" in listed and "console:newbie" not in listed

            # a commune with people is not removed, and the page says why
            refused = await post(client, f"/ops/communes/{cid}/remove", f"/ops/communes/{cid}")
            assert refused.status == 409 and VI("province.remove.users") in await refused.text()

            # the provincial table with a report in it, exported
            async with app.db.transaction() as s:
                citizen = await Users(s).create("console", "citizen")
                citizen.onboarded, citizen.commune_id = True, cid
                await give_consent(citizen, "Trần Thị Hoa")
                await FeedbackReports(s).file(Draft(commune_id=cid, category="roads",
                                                    description="=1+1"), citizen, utcnow())
            table = await (await client.get("/ops/province/table?sort=received&desc=1")).text()
            assert "Phường Phan Đình Phùng" in table
            assert VI("province.small", count=0, small=5) in table
            first = re.search(r"<tbody>\s*<tr>\s*<td><a[^>]*>([^<]+)<", table)
            assert first is not None and first.group(1) == "Phường Phan Đình Phùng"
            exported = await client.get("/ops/province/table.csv?sort=received&desc=1")
            rows = list(csv.reader(io.StringIO((await exported.read()).decode("utf-8-sig"))))
            assert rows[0][1] == VI("province.col.name") and rows[1][1] == "Phường Phan Đình Phùng"
            assert rows[1][2] == "1"
            book = load_workbook(io.BytesIO(await (await client.get(
                "/ops/province/table.xlsx")).read()))
            assert book.active is not None and book.active.max_row == len(rows)

            # the audit log, filtered, and its CSV
            audit = await (await client.get(f"/ops/audit?action=invite&commune={cid}")).text()
            rows = audit.split('id="audit"', 1)[1]      # the log, after its filters
            assert "invite.accept" in rows and "ops.province.import" not in rows
            shown = re.sub(r"<[^>]+>", " ", rows)      # what the reader sees, not attributes
            assert VI("officials.audit.invite_accept") in shown
            assert VI("audit.outcome.ok") in shown
            assert "invite.accept" not in shown and "console:" not in shown
            log = await (await client.get("/ops/audit.csv?action=province")).read()
            assert b"ops.province.import" in log and b"invite.accept" not in log
            exported = list(csv.reader(io.StringIO(log.decode("utf-8-sig"))))
            assert exported[0][-1] == VI("audit.col.code")
            [imported] = [row for row in exported if row[-1] == "ops.province.import"]
            assert imported[2] == VI("officials.audit.ops_province_import")  # the action in words
            assert imported[5] == VI("audit.outcome.ok")
            assert not any(":" in row[1] for row in exported[1:])  # no channel ids

            # what was acted on, in words: a notice, a survey, a group by its title
            async with app.db.transaction() as s:
                s.add(Chat(channel="console", chat_id="group-dong", type="group",
                           title="Nhóm Thôn Đông", commune_id=cid))
                s.add_all([AuditEntry(actor="cli", action=action, commune_id=cid, target=target,
                                      outcome="ok")
                           for action, target in (("notice.confirm", "notice:7"),
                                                  ("survey.publish", "survey:3"),
                                                  ("group.link", "console:group-dong"))])
            log = (await (await client.get("/ops/audit.csv")).read()).decode("utf-8-sig")
            targets = {row[-1]: row[4] for row in csv.reader(io.StringIO(log))}
            assert targets["notice.confirm"] == "Thông báo #7"
            assert targets["survey.publish"] == "Khảo sát #3"
            assert targets["group.link"] == "Nhóm Thôn Đông"
            page = await (await client.get("/ops/audit")).text()
            assert "Thông báo #7" in page and "notice:7" not in page
        finally:
            await client.close()


async def test_officials_keep_their_profile_and_nothing_else(database_url: str) -> None:
    async with console_app(database_url) as app:
        await people(app)
        async with app.db.transaction() as s:
            demo = (await Communes(s).all())[0]
            official = await Users(s).find("console", "official-x")
            assert official is not None
            await Users(s).grant_official(official, demo.id)
            cid = demo.id
        client = await client_for(app)
        try:
            await sign_in(app, client, "official-x")
            saved = await post(client, f"/ops/communes/{cid}/profile", f"/ops/communes/{cid}",
                               office_address="Số 1 đường Chính", office_hours="7h30–17h",
                               office_phone="0208 3851 234", desk_location="Tầng 1")
            assert saved.status == 200 and VI("province.profile.saved") in await saved.text()
            wrong = await post(client, f"/ops/communes/{cid}/profile", f"/ops/communes/{cid}",
                               office_phone="gọi tôi")
            assert wrong.status == 400
            async with app.db.transaction() as s:
                commune = await Communes(s).get(cid)
                assert commune is not None and commune.office_phone == "0208 3851 234"
            # a local holiday the deadlines then skip; removed again
            day = await post(client, f"/ops/communes/{cid}/calendar", f"/ops/communes/{cid}",
                             day="2026-12-21", working="0", note="Lễ hội làng")
            assert "Lễ hội làng" in await day.text()
            async with app.db.transaction() as s:
                assert not (await calendar_for(s, cid)).is_working_day(date(2026, 12, 21))
            cleared = await post(client, f"/ops/communes/{cid}/calendar/2026-12-21/clear",
                                 f"/ops/communes/{cid}")
            assert "Lễ hội làng" not in await cleared.text()
            assert (await post(client, f"/ops/communes/{cid}/calendar", f"/ops/communes/{cid}",
                               day="21/12")).status == 400
            for path in ("/ops/province", "/ops/province/table"):
                assert (await client.get(path)).status == 403
            assert (await post(client, "/ops/province/import", f"/ops/communes/{cid}",
                               chosen="19")).status == 403
            assert (await post(client, f"/ops/communes/{cid}/invites",
                               f"/ops/communes/{cid}")).status == 403
        finally:
            await client.close()


async def test_province_names_that_match_nothing_or_two(database_url: str) -> None:
    async with console_app(database_url) as app:
        await people(app)
        client = await client_for(app)
        try:
            await sign_in(app, client, "admin")
            for typed, expected in (("Hà Tây", "Hà Tây"), ("Quảng", "Quảng Ngãi")):
                answer = await post(client, "/ops/province/import", "/ops/province",
                                    province=typed)
                assert answer.status == 400 and expected in await answer.text()
            async with app.db.transaction() as s:
                assert [c.is_demo for c in await Communes(s).all()] == [True]
        finally:
            await client.close()


async def test_granted_by_id_then_revoked_ends_their_sessions(database_url: str) -> None:
    async with console_app(database_url) as app:
        await people(app)
        async with app.db.transaction() as s:
            cid = (await Communes(s).all())[0].id
        client, theirs = await client_for(app), await client_for(app)
        try:
            await sign_in(app, client, "admin")
            granted = await post(client, f"/ops/communes/{cid}/officials",
                                 f"/ops/communes/{cid}", channel="console", user="newbie")
            assert VI("province.granted") in await granted.text()
            await sign_in(app, theirs, "newbie")
            assert VI("ops.fig.overdue") in await (await theirs.get("/ops/")).text()
            page = await (await client.get(f"/ops/communes/{cid}")).text()
            revoke = re.search(r'action="(/ops/communes/\d+/officials/\d+/revoke)"', page)
            assert revoke is not None
            revoked = await post(client, revoke.group(1), f"/ops/communes/{cid}")
            assert VI("province.revoked") in await revoked.text()
            assert VI("ops.signed_out.title") in await (await theirs.get("/ops/")).text()
            bad = await post(client, f"/ops/communes/{cid}/officials", f"/ops/communes/{cid}",
                             channel="fax", user="1")
            assert bad.status == 400
        finally:
            await theirs.close()
            await client.close()
