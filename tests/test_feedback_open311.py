"""Open311 GeoReport v2: responses valid against the shared schemas, filters, errors in the
standard's shape, API keys, and never a word about the reporter."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.web import build_web_app
from services.communes import Communes
from services.db import utcnow
from services.feedback.models import FeedbackReport
from services.feedback.service import Draft, FeedbackReports
from services.privacy import give_consent
from services.users import Users
from tests.helpers import console_app

KEY = "province-key-0001"
SECRET_NAME, SECRET_CHAT = "Trần Thị Bí Mật", "998877123"


def validator(shared, name: str) -> jsonschema.Validator:  # type: ignore[no-untyped-def]
    schema = json.loads((shared / "open311" / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


async def seed(app) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Two reports by a named citizen: one open with a location, one resolved."""
    async with app.db.transaction() as s:
        commune = (await Communes(s).all())[0]
        user, _ = await Users(s).get_or_create("telegram", SECRET_CHAT)
        await give_consent(user, SECRET_NAME)
        user.commune_id = commune.id
        feedback = FeedbackReports(s)
        first = await feedback.file(Draft(commune_id=commune.id, category="roads",
                                          description="Ổ gà trước cổng trường",
                                          latitude=21.03, longitude=105.85,
                                          village_id=commune.villages[0].id), user, utcnow())
        second = await feedback.file(Draft(commune_id=commune.id, category="waste",
                                           description="Rác đổ trộm cạnh kênh",
                                           address="Xóm 3"), user, utcnow())
        official, _ = await Users(s).get_or_create("telegram", "5000")
        await Users(s).grant_official(official, commune.id)
        await feedback.set_status(second, official, "resolved", "Đã thu gom", utcnow())
        return first.code, second.code


async def client_for(app) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    return client


async def test_services_and_requests_match_the_schemas(database_url: str, shared) -> None:  # type: ignore[no-untyped-def]
    request_schema, service_schema = validator(shared, "request.json"), validator(
        shared, "service.json")
    async with console_app(database_url, open311_api_keys=[KEY]) as app:
        open_code, closed_code = await seed(app)
        client = await client_for(app)
        try:
            response = await client.get("/open311/v2/services.json")
            services = await response.json()
            assert response.status == 200 and len(services) == 8
            for service in services:
                service_schema.validate(service)
            assert {"roads", "waste", "other"} <= {s["service_code"] for s in services}

            response = await client.get("/open311/v2/requests.json")
            raw = await response.text()
            requests = json.loads(raw)
            assert {r["service_request_id"] for r in requests} == {open_code, closed_code}
            for item in requests:
                request_schema.validate(item)
            for secret in (SECRET_NAME, SECRET_CHAT, "telegram"):
                assert secret not in raw
            by_code = {r["service_request_id"]: r for r in requests}
            assert by_code[open_code]["status"] == "open"
            assert by_code[open_code]["lat"] == 21.03
            assert by_code[open_code]["agency_responsible"] == "Xã Thôn Số (thử nghiệm)"
            assert by_code[open_code]["expected_datetime"].endswith("+07:00")
            assert by_code[closed_code]["status"] == "closed"
            assert by_code[closed_code]["status_notes"] is None
            assert "Xóm 3" not in raw and "Đã thu gom" not in raw

            async def codes(query: str) -> set[str]:
                response = await client.get(f"/open311/v2/requests.json?{query}")
                assert response.status == 200, await response.text()
                return {r["service_request_id"] for r in await response.json()}

            assert await codes("status=open") == {open_code}
            assert await codes("status=closed") == {closed_code}
            assert await codes("service_code=waste") == {closed_code}
            tomorrow = (utcnow() + timedelta(days=1)).isoformat()
            yesterday = (utcnow() - timedelta(days=1)).isoformat()
            assert await codes(f"start_date={tomorrow}".replace("+", "%2B")) == set()
            assert await codes(f"start_date={yesterday}&end_date={tomorrow}"
                               .replace("+", "%2B")) == {open_code, closed_code}

            response = await client.get(f"/open311/v2/requests/{open_code}.json")
            [one] = await response.json()
            request_schema.validate(one)
            assert one["description"] is None
        finally:
            await client.close()


async def test_errors_use_the_standard_error_list(database_url: str) -> None:
    async with console_app(database_url, open311_api_keys=[KEY]) as app:
        client = await client_for(app)
        try:
            response = await client.get("/open311/v2/requests/PA-00000-2026-9999.json")
            assert response.status == 404
            [error] = await response.json()
            assert error["code"] == 404 and "PA-00000-2026-9999" in error["description"]
            response = await client.get("/open311/v2/requests.json?status=maybe")
            assert response.status == 400 and (await response.json())[0]["code"] == 400
            response = await client.get("/open311/v2/requests.json?start_date=yesterday")
            assert response.status == 400
            response = await client.get("/open311/v2/services.json?jurisdiction_id=nowhere")
            assert response.status == 404
        finally:
            await client.close()


async def test_post_needs_a_key_and_keeps_no_contact(database_url: str, shared) -> None:  # type: ignore[no-untyped-def]
    request_schema = validator(shared, "request.json")
    async with console_app(database_url, open311_api_keys=[KEY]) as app:
        client = await client_for(app)
        form = {"service_code": "lighting", "description": "Đèn cao áp tắt cả tuần",
                "lat": "21.01", "long": "105.80", "first_name": SECRET_NAME,
                "phone": "0912345678", "email": "bi.mat@example.vn"}
        try:
            response = await client.post("/open311/v2/requests.json", data=form)
            assert response.status == 403
            assert await response.json() == [{"code": 403, "description": "invalid api_key"}]
            response = await client.post("/open311/v2/requests.json",
                                         data={**form, "api_key": "wrong"})
            assert response.status == 403
            response = await client.post("/open311/v2/requests.json",
                                         data={**form, "api_key": KEY, "service_code": "x"})
            assert response.status == 400
            response = await client.post("/open311/v2/requests.json",
                                         data={**form, "api_key": KEY, "lat": "", "long": ""})
            assert response.status == 400 and "location" in (await response.json())[0][
                "description"]
            response = await client.post("/open311/v2/requests.json",
                                         data={**form, "api_key": KEY, "description": ""})
            assert response.status == 400
            response = await client.post("/open311/v2/requests.json",
                                         json={**form, "api_key": KEY})
            assert response.status == 201
            [created] = await response.json()
            code = created["service_request_id"]
            assert code.startswith("PA-00000-")
            response = await client.get(f"/open311/v2/requests/{code}.json")
            raw = await response.text()
            [item] = json.loads(raw)
            request_schema.validate(item)
            assert item["status"] == "open" and item["expected_datetime"]
            for secret in (SECRET_NAME, "0912345678", "bi.mat@example.vn"):
                assert secret not in raw
        finally:
            await client.close()
        async with app.db.transaction() as s:
            report = await s.scalar(select(FeedbackReport))
            assert report.reporter_id is None and report.channel == "open311"


async def test_bad_input_gets_a_standard_error_and_changes_nothing(database_url: str) -> None:
    async with console_app(database_url, open311_api_keys=[KEY]) as app:
        client = await client_for(app)
        form = {"service_code": "lighting", "description": "Đèn cao áp tắt cả tuần",
                "lat": "21.01", "long": "105.80"}
        try:
            for query in ("start_date=0001-01-01T00:00:00%2B07:00", "end_date=9999-12-31",
                          "start_date=99999-01-01", "start_date=1900-01-01"):
                response = await client.get(f"/open311/v2/requests.json?{query}")
                assert response.status == 400, query
                assert "2000 and 2100" in (await response.json())[0]["description"]
            for lat, long in (("nan", "105.8"), ("21.0", "inf"), ("-inf", "1"),
                              ("91", "105.8"), ("21.0", "-181"), ("1e400", "1")):
                response = await client.post("/open311/v2/requests.json", headers={
                    "X-Api-Key": KEY}, data={**form, "lat": lat, "long": long})
                assert response.status == 400, (lat, long)
            for value in (7, ["00000"], {"code": "00000"}):
                response = await client.post("/open311/v2/requests.json", json={
                    **form, "api_key": KEY, "jurisdiction_id": value})
                assert response.status == 400
                assert (await response.json())[0]["description"] == \
                    "jurisdiction_id must be a string"
            response = await client.post("/open311/v2/requests.json",
                                         json={**form, "api_key": KEY, "service_code": 3})
            assert response.status == 400
        finally:
            await client.close()
        async with app.db.transaction() as s:
            assert await s.scalar(select(FeedbackReport)) is None


async def test_the_key_is_taken_from_the_body_or_a_header_never_the_url(
        database_url: str) -> None:
    async with console_app(database_url, open311_api_keys=[KEY]) as app:
        client = await client_for(app)
        form = {"service_code": "lighting", "description": "Đèn cao áp tắt cả tuần",
                "lat": "21.01", "long": "105.80"}
        try:
            response = await client.post(f"/open311/v2/requests.json?api_key={KEY}", data=form)
            assert response.status == 403
            assert "never in the URL" in (await response.json())[0]["description"]
            response = await client.post("/open311/v2/requests.json",
                                         headers={"X-Api-Key": "wrong"}, data=form)
            assert response.status == 403
            response = await client.post("/open311/v2/requests.json",
                                         headers={"X-Api-Key": KEY}, data=form)
            assert response.status == 201
        finally:
            await client.close()
