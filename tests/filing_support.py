"""Helpers shared by the filing tests."""

from __future__ import annotations

from sqlalchemy import select

from services.communes import Communes
from services.filing.models import Filing
from services.users import Users
from tests.helpers import session

CODE = "G22.99-241125-0001"


async def onboard(person) -> None:  # type: ignore[no-untyped-def]
    """Vietnamese, the first village of the demo commune, consent."""
    for line in ("/start", "1", "1", "1"):
        await person.say(line)


async def make_official(app, user_id: str = "official", commune_code: str = "00000"):  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        commune = await Communes(s).by_code(commune_code)
        user, _ = await Users(s).get_or_create("console", user_id)
        user.onboarded = True
        await Users(s).grant_official(user, commune.id)
    return session(app, user_id, name=f"Cán bộ {user_id}")


async def filings_of(app, user_id: str, channel: str = "console") -> list[Filing]:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as s:
        user = await Users(s).find(channel, user_id)
        rows = await s.scalars(select(Filing).where(Filing.user_id == user.id)
                               .order_by(Filing.id))
        return list(rows)


async def one_filing(app, user_id: str, code: str = "1.001193") -> Filing:  # type: ignore[no-untyped-def]
    [filing] = [f for f in await filings_of(app, user_id) if f.procedure_code == code]
    return filing
