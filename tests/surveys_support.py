"""Shared pieces of the survey tests."""

from __future__ import annotations

from services.db import utcnow
from services.surveys.service import Surveys
from services.users import Users


async def neighbours_answer(app, survey_id: int, values: list[int]) -> None:  # type: ignore[no-untyped-def]
    """More people of the village answer (so the results are not too few to show)."""
    async with app.db.transaction() as session:
        survey = await Surveys(session).get(survey_id)
        village = (survey.target or {})["village_ids"][0]
        for n, value in enumerate(values):
            user, _ = await Users(session).get_or_create("telegram", str(8800 + n))
            user.onboarded, user.consent_at = True, utcnow()
            user.commune_id, user.village_id = survey.commune_id, village
            await session.flush()
            await Surveys(session).answer(survey.id, survey.questions[0].id, user, utcnow(),
                                          value=value)
