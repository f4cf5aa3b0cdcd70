"""Open311 GeoReport v2 for feedback: services are categories, requests are reports.

What a request shows is `public_view`: nothing about the reporter (name, phone, chat id), none
of the citizen's own words, coordinates rounded to about 100 m, and for a sensitive category
no place at all.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.communes import Communes
from services.feedback.categories import categories_for, category_name
from services.feedback.models import CLOSED_STATUSES, OPEN_STATUSES, FeedbackReport
from services.feedback.public import public_view
from services.feedback.service import Draft, FeedbackError, FeedbackReports
from services.models import Commune

MAX_RESULTS = 1000
LANGUAGE = "vi"


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def body(self) -> list[dict[str, Any]]:
        return [{"code": self.code, "description": self.description}]


def _iso(moment: datetime | None, tz: str) -> str | None:
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if moment else None


def service_dict(commune: Commune | None, code: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "service_name": category_name(commune, code, LANGUAGE),
        "description": category_name(commune, code, "en"),
        "metadata": False,
        "type": "realtime",
        "keywords": None,
        "group": "phản ánh, kiến nghị",
    }


def request_dict(report: FeedbackReport, commune: Commune) -> dict[str, Any]:
    tz = commune.timezone or "Asia/Ho_Chi_Minh"
    view = public_view(report, commune)
    return {
        "service_request_id": report.code,
        "status": "closed" if report.status in CLOSED_STATUSES else "open",
        "status_notes": None,
        "service_name": category_name(commune, report.category, LANGUAGE),
        "service_code": report.category,
        "description": view.summary,
        "agency_responsible": commune.name,
        "service_notice": None,
        "requested_datetime": _iso(report.created_at, tz),
        "updated_datetime": _iso(report.updated_at, tz),
        "expected_datetime": _iso(report.due_at, tz),
        "address": view.place,
        "address_id": None,
        "zipcode": None,
        "lat": view.latitude,
        "long": view.longitude,
        "media_url": None,
    }


EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if not EARLIEST <= moment < LATEST:  # compared in UTC: year 1 or 9999 overflow there
            raise ValueError
    except (ValueError, OverflowError):
        raise Open311Error(400, f"{name} must be an ISO 8601 date-time between 2000 and 2100"
                           ) from None
    return moment


def _text(params: dict[str, Any], name: str) -> str | None:
    """A parameter that must be text (a JSON body may carry numbers, lists or objects)."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Open311Error(400, f"{name} must be a string")
    return value


def _coordinate(params: dict[str, Any], name: str, limit: float) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Open311Error(400, "lat and long must be numbers") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise Open311Error(400, f"{name} must be a finite number within ±{limit:g}")
    return number


class Open311:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.communes = Communes(session)

    async def _jurisdiction(self, code: str | None) -> Commune | None:
        if not code:
            return None
        commune = await self.communes.by_code(code)
        if commune is None:
            raise Open311Error(404, f"unknown jurisdiction_id {code}")
        return commune

    async def services(self, jurisdiction: str | None) -> list[dict[str, Any]]:
        commune = await self._jurisdiction(jurisdiction)
        return [service_dict(commune, c.code) for c in categories_for(commune)]

    async def requests(self, params: dict[str, str]) -> list[dict[str, Any]]:
        query = select(FeedbackReport)
        commune = await self._jurisdiction(_text(params, "jurisdiction_id"))
        if commune is not None:
            query = query.where(FeedbackReport.commune_id == commune.id)
        if params.get("service_code"):
            codes = [c.strip() for c in params["service_code"].split(",") if c.strip()]
            query = query.where(FeedbackReport.category.in_(codes))
        status = params.get("status")
        if status:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, "status must be open or closed")
            if wanted == {"open"}:
                query = query.where(FeedbackReport.status.in_(OPEN_STATUSES))
            elif wanted == {"closed"}:
                query = query.where(FeedbackReport.status.in_(CLOSED_STATUSES))
        if params.get("start_date"):
            query = query.where(
                FeedbackReport.created_at >= _parse_time(params["start_date"], "start_date"))
        if params.get("end_date"):
            query = query.where(
                FeedbackReport.created_at <= _parse_time(params["end_date"], "end_date"))
        query = query.order_by(FeedbackReport.created_at.desc()).limit(MAX_RESULTS)
        return await self._dicts(list(await self.session.scalars(query)))

    async def request(self, code: str) -> list[dict[str, Any]]:
        report = await FeedbackReports(self.session).by_code(code)
        if report is None:
            raise Open311Error(404, f"no service request {code}")
        return await self._dicts([report])

    async def _dicts(self, reports: list[FeedbackReport]) -> list[dict[str, Any]]:
        cache: dict[int, Commune] = {}
        out = []
        for report in reports:
            if report.commune_id not in cache:
                commune = await self.communes.get(report.commune_id)
                if commune is None:  # a report keeps its commune (foreign key)
                    raise Open311Error(404, f"no jurisdiction {report.commune_id}")
                cache[report.commune_id] = commune
            out.append(request_dict(report, cache[report.commune_id]))
        return out

    async def create(self, params: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
        """A report from another system (no reporter is kept: contact fields are ignored)."""
        commune = await self._jurisdiction(_text(params, "jurisdiction_id"))
        if commune is None:
            all_communes = await self.communes.all()
            if len(all_communes) != 1:
                raise Open311Error(400, "jurisdiction_id is required")
            commune = all_communes[0]
        code = _text(params, "service_code") or ""
        if code not in {c.code for c in categories_for(commune)}:
            raise Open311Error(400, f"unknown service_code {code!r}")
        lat = _coordinate(params, "lat", 90)
        lon = _coordinate(params, "long", 180)
        address = (_text(params, "address_string") or "").strip() or None
        if (lat is None or lon is None) and not address:
            raise Open311Error(400, "a location is required: lat and long, or address_string")
        draft = Draft(commune_id=commune.id, category=code, channel="open311",
                      description=_text(params, "description"),
                      latitude=lat, longitude=lon, address=address and address[:500])
        try:
            report = await FeedbackReports(self.session).file(draft, None, now)
        except FeedbackError as error:
            raise Open311Error(400, _english(error)) from None
        return [{"service_request_id": report.code, "service_notice": None,
                 "account_id": None}]


def _english(error: FeedbackError) -> str:
    from locales import Translator

    return Translator("en")(error.key, **error.params)
