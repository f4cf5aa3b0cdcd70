"""Erasure leaves no trace: a citizen files everything they can through the real flows, each
piece carrying a marker, officials see and answer it, the citizen erases their data, and the
marker is then searched in every column of every table the database has (reflected, not
listed by hand): text, JSON and binary alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import App
from handlers.feedback import (
    ContentDone,
    PickCategory,
    PickPlace,
    SendReport,
    SetAnonymous,
    SetUrgent,
)
from handlers.filing import Step, Walk, WalkAction
from handlers.privacy import ConfirmErase, ExportData
from handlers.types import IncomingFile
from services.communes import Communes
from services.db import utcnow
from services.feedback.actions import RateReport
from services.feedback.models import FeedbackReport
from services.filing.actions import StartFiling
from services.surveys.service import Surveys
from services.users import Users
from tests.helpers import console_app, session, texts

MARKER = "QZX7731"
"""ASCII and upper-case: a dossier code may carry it, and JSON stores it unescaped."""


def _text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "ignore")
    return "" if value is None else str(value)


async def places_of(app: App, marker: str) -> set[str]:
    """Every `table.column` where some row holds `marker`."""
    async with app.db.engine.connect() as connection:
        return await _search(connection, marker)


async def _search(connection: AsyncConnection, marker: str) -> set[str]:
    metadata = MetaData()
    await connection.run_sync(lambda sync: metadata.reflect(sync))
    assert {"users", "outbox", "blobs", "feedback_reports", "survey_answers"} <= set(
        metadata.tables)
    found = set()
    for table in metadata.sorted_tables:
        for row in await connection.execute(select(table)):
            for column, value in zip(table.columns, row, strict=True):
                if marker in _text(value):
                    found.add(f"{table.name}.{column.name}")
    return found


async def test_erasure_leaves_the_citizen_s_words_nowhere(database_url: str) -> None:
    async with console_app(database_url) as app:
        app.set_config(flood_limit=1000)  # the per-minute guard is tested elsewhere
        async with app.db.transaction() as s:
            commune = await Communes(s).by_code("00000")
            village_id = commune.villages[0].id
            boss, _ = await Users(s).get_or_create("console", "official")
            boss.onboarded, boss.display_name = True, "Cán bộ xã"
            await Users(s).grant_official(boss, commune.id)
        official = session(app, "official", name="Cán bộ xã")
        person = session(app, "citizen", name=f"Trần Thị {MARKER}")
        official.chat_id, person.chat_id = "official", "citizen"  # private chat = person
        for line in ("/start", "1", "1", "1"):
            await person.say(line)

        # Feedback with words, a photo, a voice note and a location.
        await person.press("menu:feedback")
        await person.press(PickCategory("roads").pack())
        await person.say(f"Ổ gà sâu trước nhà {MARKER}, xe máy ngã")
        await person.send_photo(file_id=f"photo-{MARKER}")
        await person.send(person._incoming(voice=IncomingFile(file_id=f"voice-{MARKER}",
                                                              duration=4)))
        await person.press(ContentDone().pack())
        await person.send_location(21.028512, 105.854233)
        await person.press(SetUrgent(False).pack())
        await person.press(SetAnonymous(True).pack())
        assert "Mã theo dõi" in texts(await person.press(SendReport().pack()))
        # A second one, placed by village and the citizen's own address words.
        await person.press("menu:feedback")
        await person.press(PickCategory("security").pack())
        await person.say(f"Nhà tôi (Trần Thị Hoa, 0912 345 678) bị trộm đêm qua {MARKER}")
        await person.press(ContentDone().pack())
        await person.press(PickPlace(village_id).pack())
        await person.say(f"Số 12 ngõ {MARKER}")
        await person.press(SetUrgent(True).pack())
        await person.press(SetAnonymous(False).pack())
        await person.press(SendReport().pack())
        async with app.db.transaction() as s:
            first, second = list(await s.scalars(select(FeedbackReport)
                                                 .order_by(FeedbackReport.id)))
            first_id, first_code, second_code = first.id, first.code, second.code

        # Officials open them (their chat now quotes the words and shows the files) and answer.
        assert MARKER in texts(await official.say(f"/fb {second_code}"))
        await official.say(f"/fb {first_code}")
        await official.say(f"/status {first_code} resolved Đã vá ổ gà")
        await person.press(RateReport(first_id, 4).pack())
        await person.say(f"Cảm ơn xã {MARKER}")

        # A survey's written answer.
        async with app.db.transaction() as s:
            demo = await Communes(s).by_code("00000")
            boss = await Users(s).find("console", "official")
            surveys = Surveys(s)
            survey = await surveys.from_template("feedback", demo.id, boss, utcnow(),
                                                 target={"kind": "commune"})
            await surveys.open(survey, utcnow())
        await app.sender.drain(("console",))
        for answer in ("4", "1", "1", f"Đường đẹp hơn {MARKER}"):
            await person.say(answer)

        # A filing with its dossier code, and the commune's note on it.
        await person.press(StartFiling("1.001193").pack())
        async with app.db.transaction() as s:
            from services.filing.models import Filing
            filing_id = await s.scalar(select(Filing.id))
        for step in (1, 2, 3):
            await person.press(Walk(filing_id, Step(str(step)), WalkAction.SKIP).pack())
        dossier = f"G22.99-241125-{MARKER}"
        await person.say(dossier)
        await person.press(Walk(filing_id, Step.PAY, WalkAction.NEXT).pack())
        await official.say(f"/dossier_status {dossier} need_more Thiếu giấy {MARKER}")

        # A refused official command (audited with its words), and a data export (a file).
        await person.say(f"/reply {first_code} {MARKER}")
        exported = await person.press(ExportData().pack())
        assert exported[-1].kind == "document" and MARKER.encode() in exported[-1].data

        before = await places_of(app, MARKER)
        assert {"users.display_name", "feedback_reports.description", "feedback_reports.photos",
                "feedback_reports.voice", "feedback_reports.address",
                "feedback_reports.rating_comment", "feedback_events.text",
                "survey_answers.text", "filings.dossier_code", "filings.dossier_note",
                "outbox.payload", "blobs.data", "audit_log.detail"} <= before, before

        assert "Đã xóa dữ liệu" in texts(await person.press(ConfirmErase(True).pack()))

        assert await places_of(app, MARKER) == set()
        async with app.db.transaction() as s:
            reports = list(await s.scalars(select(FeedbackReport).order_by(FeedbackReport.id)))
            assert [(r.category, r.status, r.reporter_id, r.latitude) for r in reports] == [
                ("roads", "resolved", None, None), ("security", "received", None, None)]
            assert reports[0].rating == 4 and reports[1].village_id == village_id
        # The account goes on: the citizen can start again.
        assert "Tiếng Việt" in texts(await person.say("/start"))
