"""Notices in the operations room over HTTP (aiohttp's test client against the real app):
compose with the voice made and played back, confirm, the village group receiving it as from
`/announce`, the delivery report, the week's calendar, bad input refused whole, and another
commune's notice refused and audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from locales import Translator
from services.db import utcnow
from services.models import AuditEntry, Chat, Commune, OutboxMessage, Village
from services.notices.models import Notice
from services.users import Users
from tests.helpers import console_app
from tests.notices_support import engines, linked_group, make_official
from tests.test_audio_tts import FakeGoogleTTS
from tests.test_ops_web import client_for, csrf_of, sign_in

VI = Translator("vi")




async def notice_count(app: Any) -> int:
    async with app.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(Notice)) or 0)


async def post_form(client: TestClient, path: str, form_page: str,
                    fields: dict[str, Any]) -> Any:
    csrf, nonce = await csrf_of(client, form_page)
    data: list[tuple[str, str]] = [("csrf", csrf), ("nonce", nonce)]
    for name, value in fields.items():
        data += [(name, str(v)) for v in value] if isinstance(value, list) else [(name, value)]
    return await client.post(path, data=data, allow_redirects=False)


async def test_compose_emergency_with_voice_reaches_the_group(
        database_url: str, google: FakeGoogleTTS) -> None:
    async with console_app(database_url) as app:
        app.notices.engines = engines(google.base_url)
        await make_official(app, "official-a")
        group = await linked_group(app, "official-a", "group-1", "Nhóm Thôn 1", 0)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            page = await client.get("/ops/notices/new")
            assert page.status == 200 and VI("ops.notices.compose") in await page.text()
            before = len(app.console.shown)
            created = await post_form(client, "/ops/notices", "/ops/notices/new", {
                "whole": "on", "priority": "emergency", "mode": "both", "when": "once",
                "run_at": "2001-01-01T07:00",  # ignored: an emergency goes now, as in chat
                "text": "Khẩn: nước sông dâng cao, các hộ ven sông di chuyển lên chỗ cao."})
            assert created.status == 303, await created.text()
            location = created.headers["Location"]
            assert re.fullmatch(r"/ops/notices/\d+\?notice=created", location)
            waiting = await (await client.get(location)).text()
            assert VI("ops.notices.preparing") in waiting
            assert await app.notices.prepare_audio() == 1
            shown = await (await client.get(location)).text()
            engine = re.search(r'id="engine">([^<]+)<', shown)
            assert engine is not None and "gtts" in engine.group(1), shown
            audio_link = re.search(r'<audio controls preload="metadata" src="([^"]+)"', shown)
            assert audio_link is not None
            played = await client.get(audio_link.group(1))
            assert played.status == 200 and played.content_type == "audio/ogg"
            whole = await played.read()
            assert whole[:4] == b"OggS" and played.headers["Accept-Ranges"] == "bytes"
            # the player asks for the end of the file to learn its length
            tail = await client.get(audio_link.group(1), headers={"Range": "bytes=-100"})
            assert tail.status == 206 and await tail.read() == whole[-100:]
            assert tail.headers["Content-Range"] == f"bytes {len(whole) - 100}-" \
                f"{len(whole) - 1}/{len(whole)}"
            # Nothing went to the group before the confirmation.
            await app.sender.drain(("console",))
            assert not [m for m in app.console.shown[before:] if m.chat_id == group.chat_id]

            confirm = await post_form(client, location.split("?")[0] + "/confirm",
                                      location, {})
            assert confirm.status == 303
            await app.sender.drain(("console",))
            received = [m for m in app.console.shown[before:] if m.chat_id == group.chat_id]
            assert [m.kind for m in received] == ["text", "voice"], received
            assert "nước sông dâng cao" in received[0].text
            report = await (await client.get(location.split("?")[0])).text()
            delivery = report.split('id="delivery"')[1]
            assert "Nhóm Thôn 1" in delivery
            assert delivery.count(VI("ops.notices.group_sent")) == 1
            async with app.db.transaction() as s:
                notice = await s.scalar(select(Notice))
                assert notice is not None and notice.status == "done"
                assert notice.priority == "emergency" and notice.schedule == "now"
                rows = list(await s.scalars(select(OutboxMessage).where(
                    OutboxMessage.chat_id == group.chat_id,
                    OutboxMessage.group_key.is_not(None)).order_by(OutboxMessage.id)))
            # as from /announce: pinned, ahead of other messages, deduplicated by occurrence
            assert [bool(r.payload.get("pin")) for r in rows] == [True, False]
            assert rows[0].priority == 100 and rows[0].dedupe_key.startswith(
                f"notice:{notice.id}:")
        finally:
            await client.close()


async def test_bad_notices_are_refused_whole_with_what_to_fix(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        await linked_group(app, "official-a", "group-1", "Nhóm Thôn 1", 0)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            cases = [
                ({"whole": "on", "priority": "normal", "mode": "text", "when": "now",
                  "text": "   "}, "ops.notices.err.empty"),
                ({"whole": "on", "priority": "normal", "mode": "text", "when": "once",
                  "run_at": "2020-05-01T07:30", "text": "Họp dân"},
                 "ops.notices.err.datetime_past"),
                ({"whole": "on", "priority": "normal", "mode": "text", "when": "once",
                  "run_at": "", "text": "Họp dân"}, "ops.notices.err.bad_datetime"),
                ({"priority": "normal", "mode": "text", "when": "now", "text": "Họp dân"},
                 "ops.notices.err.pick_targets"),
                ({"whole": "on", "priority": "normal", "mode": "text", "when": "weekly",
                  "time": "07:30", "text": "Họp dân"}, "ops.notices.err.no_days"),
                ({"whole": "on", "priority": "normal", "mode": "text", "when": "daily",
                  "time": "", "text": "Họp dân"}, "ops.notices.err.bad_time"),
            ]
            for fields, key in cases:
                answer = await post_form(client, "/ops/notices", "/ops/notices/new", fields)
                html = await answer.text()
                assert answer.status == 400, (key, html)
                assert VI(key) in html, key
                assert 'id="form-error"' in html
                assert fields["text"] in html  # what was typed is kept to be fixed
            assert await notice_count(app) == 0  # nothing half-done
            # The same form pressed twice (its nonce) makes one notice.
            csrf, nonce = await csrf_of(client, "/ops/notices/new")
            form = {"csrf": csrf, "nonce": nonce, "whole": "on", "priority": "normal",
                    "mode": "text", "when": "now", "text": "Họp dân lúc 19h"}
            first = await client.post("/ops/notices", data=form, allow_redirects=False)
            second = await client.post("/ops/notices", data=form, allow_redirects=False)
            assert first.status == second.status == 303
            assert second.headers["Location"] == "/ops/notices?notice=already_done"
            assert await notice_count(app) == 1
        finally:
            await client.close()


async def test_no_group_yet_is_explained(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        client = await client_for(app)
        try:
            await sign_in(app, client)
            answer = await post_form(client, "/ops/notices", "/ops/notices/new", {
                "whole": "on", "priority": "normal", "mode": "text", "when": "now",
                "text": "Họp dân"})
            assert answer.status == 400
            assert VI("ops.notices.err.no_groups") in await answer.text()
            assert await notice_count(app) == 0
        finally:
            await client.close()


async def test_scheduled_notices_in_the_week_then_edit_and_cancel(database_url: str) -> None:
    async with console_app(database_url) as app:
        commune = await make_official(app, "official-a")
        await linked_group(app, "official-a", "group-1", "Nhóm Thôn 1", 0)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            zone = ZoneInfo(commune.timezone)
            tomorrow = (utcnow() + timedelta(days=1)).astimezone(zone)
            created = await post_form(client, "/ops/notices", "/ops/notices/new", {
                "village": [commune.villages[0].id], "priority": "priority", "mode": "text",
                "when": "once", "run_at": tomorrow.strftime("%Y-%m-%dT08:15"),
                "text": "Lịch tiêm phòng cho trẻ em"})
            assert created.status == 303
            path = created.headers["Location"].split("?")[0]
            daily = await post_form(client, "/ops/notices", "/ops/notices/new", {
                "whole": "on", "priority": "normal", "mode": "text", "when": "daily",
                "time": "06:00", "text": "Loa phát thanh buổi sáng"})
            assert daily.status == 303
            daily_path = daily.headers["Location"].split("?")[0]
            for notice_path in (path, daily_path):
                assert (await post_form(client, notice_path + "/confirm", notice_path,
                                        {})).status == 303
            listing = await (await client.get(
                "/ops/notices?week=" + tomorrow.date().isoformat())).text()
            week = listing.split('id="week"')[1].split("</ol>")[0]
            assert "08:15" in week and "Lịch tiêm phòng" in week
            assert 5 <= week.count("Loa phát thanh") <= 7  # every day still to come
            past = await post_form(client, path + "/retime", path,
                                   {"run_at": "2020-01-01T09:45"})
            assert past.status == 400
            assert VI("ops.notices.err.datetime_past") in await past.text()
            later = (tomorrow + timedelta(days=1)).strftime("%Y-%m-%dT09:45")
            moved = await post_form(client, path + "/retime", path, {"run_at": later})
            assert moved.status == 303
            async with app.db.transaction() as s:
                notice = await s.get(Notice, int(path.rsplit("/", 1)[1]))
                assert notice is not None and notice.status == "scheduled"
                local = notice.next_run_at.astimezone(zone)  # type: ignore[union-attr]
            assert local.strftime("%Y-%m-%dT%H:%M") == later
            edited = await post_form(client, path + "/edit", path,
                                     {"text": "Lịch tiêm phòng (đổi địa điểm)"})
            assert edited.status == 303
            page = await (await client.get(path)).text()
            assert "đổi địa điểm" in page and VI("notices.status_preview") in page
            empty = await post_form(client, path + "/edit", path, {"text": " "})
            assert empty.status == 400 and VI("ops.notices.err.empty") in await empty.text()
            cancelled = await post_form(client, path + "/cancel", path, {})
            assert cancelled.status == 303
            again = await post_form(client, path + "/confirm", path, {})
            assert again.status == 400 and VI("ops.notices.err.not_preview") in await again.text()
            async with app.db.transaction() as s:
                statuses = sorted((await s.scalars(select(Notice.status))).all())
            assert statuses == ["cancelled", "scheduled"]
        finally:
            await client.close()


async def test_another_communes_notice_is_refused_and_audited(database_url: str) -> None:
    async with console_app(database_url) as app:
        await make_official(app, "official-a")
        await linked_group(app, "official-a", "group-1", "Nhóm Thôn 1", 0)
        async with app.db.transaction() as s:
            other = Commune(code="00001", name="Xã Bên Cạnh", villages=[Village(name="Thôn Bên")])
            s.add(other)
            await s.flush()
            neighbour = await Users(s).create("console", "official-b")
            await Users(s).grant_official(neighbour, other.id)
        client = await client_for(app)
        try:
            await sign_in(app, client)
            created = await post_form(client, "/ops/notices", "/ops/notices/new", {
                "whole": "on", "priority": "normal", "mode": "text", "when": "now",
                "text": "Họp dân"})
            path = created.headers["Location"].split("?")[0]
        finally:
            await client.close()
        intruder = await client_for(app)
        try:
            await sign_in(app, intruder, "official-b")
            seen = await intruder.get(path)
            assert seen.status == 403 and VI("ops.forbidden.title") in await seen.text()
            assert "Họp dân" not in await seen.text()
            csrf, _ = await csrf_of(intruder, "/ops/notices")
            sent = await intruder.post(path + "/confirm", data={"csrf": csrf})
            assert sent.status == 403
            listing = await (await intruder.get("/ops/notices")).text()
            assert "Họp dân" not in listing
            async with app.db.transaction() as s:
                denied = list(await s.scalars(select(AuditEntry.action).where(
                    AuditEntry.outcome == "denied").order_by(AuditEntry.id)))
                notice = await s.scalar(select(Notice))
            assert denied == ["ops.notice.view", "ops.notice.confirm"]
            assert notice is not None and notice.status == "preview"
        finally:
            await intruder.close()


def test_calendar_steps_daily_and_weekly_as_croniter_does() -> None:
    """The calendar's fast path for the crons /announce writes gives croniter's answers."""
    from datetime import UTC, datetime

    from croniter import croniter

    from services.notices.schedule import runs_between

    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    after = datetime(2026, 12, 3, 5, 17, tzinfo=UTC)
    before = after + timedelta(days=20)
    for expression in ("0 6 * * *", "30 17 * * *", "0 7 * * 1", "0 8 * * 3,5", "0 19 * * 0",
                       "5 0 * * 0,6", "0 */2 * * *"):
        steps, expected = croniter(expression, after.astimezone(zone)), []
        while (moment := steps.get_next(datetime).astimezone(UTC)) < before:
            expected.append(moment)
        assert runs_between(expression, "Asia/Ho_Chi_Minh", after, before, 500) == expected


async def test_the_demo_has_groups_so_a_notice_reaches_its_preview(
        database_url: str, google: FakeGoogleTTS) -> None:
    """`ops demo` links a console group to the commune and each village, as `/link` would:
    a notice composed in the demo gets past "no group" to its spoken preview."""
    from bot.commands_ops import prepare_demo
    from tests.test_ops_web import token_of

    async with console_app(database_url) as app:
        app.notices.engines = engines(google.base_url)
        name, link = await prepare_demo(app)
        assert name == "Xã Thôn Số (thử nghiệm)"
        async with app.db.transaction() as s:
            [east] = (await s.scalars(select(Village).where(Village.name == "Thôn Đông"))).all()
            east_id = east.id
        await prepare_demo(app)                          # a second start adds nothing
        client = await client_for(app)
        try:
            signed = await client.post("/ops/signin", data={"t": token_of(link)},
                                       allow_redirects=False)
            assert signed.status == 303
            created = await post_form(client, "/ops/notices", "/ops/notices/new", {
                "village": [str(east_id)], "priority": "normal", "mode": "both",
                "when": "now", "text": "Mời bà con thôn Đông họp tại nhà văn hóa lúc 8 giờ."})
            assert created.status == 303, await created.text()
            assert await app.notices.prepare_audio() == 1
            shown = await (await client.get(created.headers["Location"])).text()
            assert "<audio" in shown
        finally:
            await client.close()
        async with app.db.transaction() as s:
            groups = (await s.scalars(select(Chat).where(Chat.type == "group")
                                      .order_by(Chat.id))).all()
            assert [(g.chat_id, g.village_id is None) for g in groups] == [
                ("group-ca-xa", True), ("group-thon-dong", False), ("group-thon-doai", False),
                ("group-thon-trung", False)]
