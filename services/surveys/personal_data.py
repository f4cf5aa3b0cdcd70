"""A citizen's survey answers in their data export, and their erasure: the answers stay for
the statistics, unlinked from the person and without their written comments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import User
from services.surveys.models import Survey, SurveyAnswer, SurveyQuestion
from services.surveys.service import local


async def export(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(SurveyAnswer, SurveyQuestion, Survey)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(SurveyAnswer.user_id == user.id)
        .order_by(SurveyAnswer.survey_id, SurveyQuestion.position))
    return [{"survey": local(survey.title, user.language),
             "question": local(question.text, user.language), "value": answer.value,
             "text": answer.text, "answered_at": answer.answered_at.isoformat()}
            for answer, question, survey in rows.all()]


async def traces(session: AsyncSession, user: User) -> set[str]:
    texts = await session.scalars(select(SurveyAnswer.text).where(
        SurveyAnswer.user_id == user.id, SurveyAnswer.text.is_not(None)))
    return {text for text in texts if text}


async def erase(session: AsyncSession, user: User) -> None:
    await session.execute(
        update(SurveyAnswer).where(SurveyAnswer.user_id == user.id)
        .values(user_id=None, text=None).execution_options(synchronize_session=False))

