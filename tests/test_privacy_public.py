"""What the public sees of a report (Decree 13/2023/NĐ-CP): category, village, status, dates,
an official's public summary and coordinates rounded to about 100 m; nothing of the place or
words of a sensitive report; and the citizen is told so before sending."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.web import build_web_app
from handlers.feedback import ContentDone, PickCategory, SendReport, SetAnonymous, SetUrgent
from services.communes import Communes
from services.feedback.categories import is_sensitive
from services.feedback.models import FeedbackReport
from services.models import Commune
from services.users import Users
from tests.helpers import console_app, session, texts

BURGLARY = "Nhà tôi (Trần Thị Hoa, 0912 345 678) bị trộm đêm qua"


async def file(person, category: str, text: str, *, location: tuple[float, float] | None = None,  # type: ignore[no-untyped-def]
               address: str | None = None) -> str:
    """File a report through the flow; return the summary the citizen was shown."""
    await person.press("menu:feedback")
    await person.press(PickCategory(category).pack())
    await person.say(text)
    await person.press(ContentDone().pack())
    if location:
        await person.send_location(*location)
    else:
        await person.say(address or "")
    await person.press(SetUrgent(False).pack())
    summary = texts(await person.press(SetAnonymous(True).pack()))
    assert "Mã theo dõi" in texts(await person.press(SendReport().pack()))
    return summary


async def test_open311_shows_only_what_is_public(database_url: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as s:
            commune = await Communes(s).by_code("00000")
            official, _ = await Users(s).get_or_create("console", "official")
            official.onboarded = True
            await Users(s).grant_official(official, commune.id)
            commune_name = commune.name
        person = session(app)
        for line in ("/start", "1", "1", "1"):   # Vietnamese, Thôn Đông, consent
            await person.say(line)
        summary = await file(person, "security", BURGLARY, location=(21.028512, 105.854233))
        assert "Thông tin được công khai: chỉ loại phản ánh, trạng thái" in summary
        assert "nơi xảy ra, nội dung, ảnh, ghi âm và thông tin của bạn không được công khai" \
            in summary
        summary = await file(person, "roads", "Ổ gà sâu trước nhà ông Ba",
                             location=(21.028512, 105.854233))
        assert "vị trí làm tròn khoảng 100 m và phần tóm tắt do cán bộ xã viết" in summary
        await file(person, "waste", "Rác đổ cạnh nhà bà Tư", address="Số 12 ngõ 5")
        async with app.db.transaction() as s:
            burglary, pothole, waste = [r.code for r in await s.scalars(
                select(FeedbackReport).order_by(FeedbackReport.id))]

        client = TestClient(TestServer(build_web_app(app)))
        await client.start_server()
        try:
            response = await client.get("/open311/v2/requests.json")
            raw = await response.text()
            for private in ("Hoa", "0912", "trộm", "ông Ba", "bà Tư", "Số 12", "21.028512",
                            "105.854233", "citizen"):
                assert private not in raw, private
            by_code = {r["service_request_id"]: r for r in await response.json()}
            assert {k: by_code[burglary][k] for k in ("description", "lat", "long", "address",
                                                     "service_code", "status")} == {
                "description": None, "lat": None, "long": None, "address": commune_name,
                "service_code": "security", "status": "open"}
            assert (by_code[pothole]["lat"], by_code[pothole]["long"]) == (21.029, 105.854)
            assert by_code[pothole]["description"] is None
            # A typed address is not given the home village unasked: the commune alone.
            assert by_code[waste]["address"] == commune_name

            staff = session(app, "official", name="Cán bộ")
            assert "chỉ dành cho cán bộ" in texts(await person.say(f"/public {pothole} Sửa"))
            shown = await staff.say(f"/public {pothole} Ổ gà trên đường liên thôn, đội "
                                    "giao thông đã được báo")
            assert "Đã cập nhật tóm tắt công khai" in texts(shown)
            await staff.say(f"/public {burglary} Mất trộm tài sản")
            response = await client.get("/open311/v2/requests.json")
            by_code = {r["service_request_id"]: r for r in await response.json()}
            assert by_code[pothole]["description"] == (
                "Ổ gà trên đường liên thôn, đội giao thông đã được báo")
            assert by_code[burglary]["description"] is None     # sensitive: never any text
            assert "🌐 Tóm tắt công khai: Ổ gà trên đường liên thôn" in texts(
                await staff.say(f"/fb {pothole}"))
            assert "Đã xoá tóm tắt công khai" in texts(await staff.say(f"/public {pothole} -"))
            response = await client.get(f"/open311/v2/requests/{pothole}.json")
            assert (await response.json())[0]["description"] is None
        finally:
            await client.close()


def test_a_commune_chooses_its_sensitive_categories() -> None:
    commune = Commune(code="1", name="Xã", settings={"feedback": {"categories": [
        {"code": "roads", "sensitive": True}, "security", {"code": "land",
                                                           "sensitive": False}]}})
    assert [is_sensitive(commune, c) for c in ("roads", "security", "land")] == [
        True, True, False]
    assert is_sensitive(None, "security") and not is_sensitive(None, "roads")
