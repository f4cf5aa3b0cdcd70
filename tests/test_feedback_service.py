"""Feedback services: tracking codes under concurrency, similar reports, personal data."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from services import privacy
from services.communes import Communes
from services.db import Database, utcnow
from services.feedback.models import FeedbackFollower, FeedbackReport
from services.feedback.service import Draft, FeedbackError, FeedbackReports
from services.feedback.similar import distance_m
from services.models import Commune, User
from services.users import Users

SPOT = (21.0285, 105.8542)


async def commune_and_citizen(db: Database, external_id: str = "1") -> tuple[int, int]:
    async with db.transaction() as s:
        await Communes(s).ensure_demo()
        commune = (await Communes(s).all())[0]
        user, _ = await Users(s).get_or_create("telegram", external_id)
        await privacy.give_consent(user, f"Người {external_id}")
        return commune.id, user.id


async def test_codes_are_unique_under_concurrency(db: Database) -> None:
    await commune_and_citizen(db)
    async with db.transaction() as s:
        s.add(Commune(code="70123", name="Xã Khác"))

    async def one(code: str) -> str:
        async with db.transaction() as s:
            commune = await Communes(s).by_code(code)
            value = await FeedbackReports(s).next_code(commune, utcnow())
            await asyncio.sleep(0)
            return value

    codes = await asyncio.gather(*(one("00000") for _ in range(20)), one("70123"))
    year = utcnow().year
    assert sorted(codes[:20]) == [f"PA-00000-{year}-{n:04d}" for n in range(1, 21)]
    assert codes[20] == f"PA-70123-{year}-0001"


async def test_a_failed_filing_leaves_nothing(db: Database) -> None:
    commune_id, user_id = await commune_and_citizen(db)
    async with db.transaction() as s:
        user = await s.get(User, user_id)
        for draft in (Draft(commune_id=commune_id, category="roads"),
                      Draft(commune_id=commune_id, category="nope", description="x"),
                      Draft(commune_id=commune_id, category="roads", description="x" * 4001),
                      Draft(commune_id=commune_id, category="roads", description="x",
                            photos=[{"file_id": str(n)} for n in range(4)])):
            with pytest.raises(FeedbackError) as refused:
                await FeedbackReports(s).file(draft, user, utcnow())
            assert refused.value.key.startswith("feedback."), draft
        assert await s.scalar(select(FeedbackReport)) is None


async def test_similar_by_village_or_distance(db: Database) -> None:
    commune_id, first_id = await commune_and_citizen(db, "1")
    _, second_id = await commune_and_citizen(db, "2")
    now = utcnow()
    async with db.transaction() as s:
        commune = await Communes(s).get(commune_id)
        village = commune.villages[0].id
        feedback = FeedbackReports(s)
        first = await s.get(User, first_id)
        await feedback.file(Draft(commune_id=commune_id, category="roads", description="a",
                                  latitude=SPOT[0], longitude=SPOT[1]), first, now)
        await feedback.file(Draft(commune_id=commune_id, category="water", description="b",
                                  village_id=village), first, now)
        old = await feedback.file(Draft(commune_id=commune_id, category="water",
                                        description="c", village_id=village), first, now)
        old.created_at = now - timedelta(days=31)
        second = await s.get(User, second_id)

        async def similar(**fields) -> list[str]:  # type: ignore[no-untyped-def]
            draft = Draft(commune_id=commune_id, **fields)
            return [r.description for r in await feedback.similar(draft, second, now)]

        assert await similar(category="roads", latitude=SPOT[0] + 0.002,
                             longitude=SPOT[1]) == ["a"]          # ~220 m
        assert await similar(category="roads", latitude=SPOT[0] + 0.004,
                             longitude=SPOT[1]) == []             # ~440 m
        assert await similar(category="water", village_id=village) == ["b"]
        assert await similar(category="roads", village_id=village) == []
        assert await feedback.similar(Draft(commune_id=commune_id, category="water",
                                            village_id=village), first, now) == []
    assert 200 < distance_m(SPOT[0], SPOT[1], SPOT[0] + 0.002, SPOT[1]) < 240


async def test_export_and_erase_personal_data(db: Database) -> None:
    commune_id, user_id = await commune_and_citizen(db, "1")
    _, follower_id = await commune_and_citizen(db, "2")
    async with db.transaction() as s:
        user, follower = await s.get(User, user_id), await s.get(User, follower_id)
        feedback = FeedbackReports(s)
        report = await feedback.file(Draft(commune_id=commune_id, category="roads",
                                           description="Nhà tôi số 5 bị ngập",
                                           address="Số 5 ngõ 3", latitude=21.0,
                                           longitude=105.0), user, utcnow())
        await feedback.follow(report, follower, utcnow())
        code = report.code
        exported = await privacy.export(s, user)
        assert exported["feedback"]["reports"][0]["code"] == code
        assert exported["feedback"]["reports"][0]["address"] == "Số 5 ngõ 3"
        assert (await privacy.export(s, follower))["feedback"]["following"] == [code]
        await privacy.erase(s, user)
        await privacy.erase(s, follower)
    async with db.transaction() as s:
        report = await s.scalar(select(FeedbackReport))
        assert report.code == code and report.reporter_id is None
        assert (report.description, report.address, report.latitude) == ("—", None, None)
        assert await s.scalar(select(FeedbackFollower)) is None
