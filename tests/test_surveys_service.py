"""Surveys in the service layer: validation, one answer per person (changeable until the
survey closes), stale questions, group polls, closing on schedule with results to the
creator, and the monthly report's timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.migrate import upgrade
from services.communes import Communes
from services.db import Database
from services.models import OutboxMessage, User
from services.surveys.models import CLOSED, SCALE, SurveyAnswer, SurveyPoll
from services.surveys.reporting import send_monthly_reports
from services.surveys.service import QuestionSpec, SurveyError, Surveys
from services.users import Users

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def people(db: Database) -> tuple[int, User, list[User]]:
    """The demo commune, an official and six consenting citizens of its second village."""
    await upgrade(db)
    async with db.transaction() as session:
        commune = await Communes(session).ensure_demo() or (await Communes(session).all())[0]
        users = Users(session)
        official, _ = await users.get_or_create("telegram", "900")
        official.onboarded = True
        await users.grant_official(official, commune.id)
        citizens = []
        for n in range(6):
            user, _ = await users.get_or_create("telegram", str(1000 + n))
            user.onboarded, user.consent_at = True, NOW
            user.commune_id, user.village_id = commune.id, commune.villages[1].id
            citizens.append(user)
        await session.flush()
        return commune.id, official, citizens


def scale(text: str = "Bạn hài lòng không?") -> QuestionSpec:
    return QuestionSpec(SCALE, {"vi": text, "en": "Satisfied?"})


async def test_bad_surveys_are_refused(db: Database) -> None:
    commune_id, official, _ = await people(db)
    async with db.transaction() as session:
        surveys = Surveys(session)
        with pytest.raises(SurveyError) as no_question:
            await surveys.create(commune_id, official, title={"vi": "Thử"}, questions=[],
                                 target={}, opens_at=NOW, closes_at=NOW + timedelta(days=1))
        assert no_question.value.key == "surveys.err.no_question"
        with pytest.raises(SurveyError) as backwards:
            await surveys.create(commune_id, official, title={"vi": "Thử"},
                                 questions=[scale()], target={}, opens_at=NOW,
                                 closes_at=NOW - timedelta(hours=1))
        assert backwards.value.key == "surveys.err.close_before_open"


async def test_one_answer_per_person_changeable_until_closing(db: Database) -> None:
    commune_id, official, citizens = await people(db)
    async with db.transaction() as session:
        surveys = Surveys(session)
        survey = await surveys.create(
            commune_id, official, title={"vi": "Đường mới"}, questions=[scale()],
            target={"kind": "villages", "village_ids": [citizens[0].village_id]},
            opens_at=NOW, closes_at=NOW + timedelta(days=1))
        asked, polls = await surveys.open(survey, NOW)
        assert (asked, polls) == (6, 0)
        question = survey.questions[0]
        assert await surveys.answer(survey.id, question.id, citizens[0], NOW, value=2) is False
        assert await surveys.answer(survey.id, question.id, citizens[0], NOW, value=4) is True
        for citizen, value in zip(citizens[1:5], (5, 3, 4, 5), strict=True):
            await surveys.answer(survey.id, question.id, citizen, NOW, value=value)
        with pytest.raises(SurveyError) as stale:
            await surveys.answer(survey.id, question.id + 99, citizens[5], NOW, value=3)
        assert stale.value.key == "surveys.err.stale"
        with pytest.raises(SurveyError):
            await surveys.answer(survey.id, question.id, citizens[5], NOW, value=9)
        rows = list(await session.scalars(select(SurveyAnswer)))
        assert len(rows) == 5
        assert [(r.value, r.changes) for r in rows if r.user_id == citizens[0].id] == [(4, 1)]
        survey_id = survey.id

    async with db.transaction() as session:
        surveys = Surveys(session)
        assert await surveys.close_due(NOW + timedelta(hours=23)) == []
        [closed] = await surveys.close_due(NOW + timedelta(days=1, seconds=1))
        assert closed.status == CLOSED
        results = await session.scalar(select(OutboxMessage).where(
            OutboxMessage.chat_id == "900", OutboxMessage.dedupe_key == f"sv:{survey_id}:results"))
        text = results.payload["text"]
        assert "5 câu trả lời" in text and "80,0%" in text and "4,20" in text
        with pytest.raises(SurveyError) as late:
            await surveys.answer(survey_id, closed.questions[0].id, citizens[5],
                                 NOW + timedelta(days=2), value=5)
        assert late.value.key == "surveys.err.closed"


async def test_group_polls_named_and_anonymous(db: Database) -> None:
    commune_id, official, citizens = await people(db)
    async with db.transaction() as session:
        surveys = Surveys(session)
        survey = await surveys.from_template("ntm", commune_id, official, NOW,
                                             private=False, groups=True)
        session.add(SurveyPoll(survey_id=survey.id, question_id=survey.questions[0].id,
                               channel="telegram", chat_id="-100", status="sent",
                               poll_id="p-named", counts=[]))
        session.add(SurveyPoll(survey_id=survey.id, question_id=survey.questions[2].id,
                               channel="telegram", chat_id="-101", status="sent",
                               poll_id="p-anon", anonymous=True, counts=[]))
        survey.status, survey.opened_at = "open", NOW
        await session.flush()
        assert await surveys.poll_answer("p-named", citizens[0], [4], NOW)
        assert await surveys.poll_answer("p-named", citizens[1], [0], NOW)
        assert await surveys.poll_answer("p-named", citizens[1], [3], NOW)  # changed its vote
        assert await surveys.poll_answer("p-named", citizens[2], [2], NOW)
        assert await surveys.poll_answer("p-named", citizens[2], [], NOW)   # retracted
        assert not await surveys.poll_answer("unknown", citizens[3], [1], NOW)
        assert await surveys.poll_state("p-anon", [4, 3])
        results = await surveys.results(survey)
        assert results.questions[0].distribution == {5: 1, 4: 1}
        assert results.questions[2].distribution == {1: 4, 0: 3}  # yes 4, no 3
        count = await session.scalar(select(func.count()).select_from(SurveyAnswer))
        assert count == 2


async def test_monthly_report_goes_out_once_on_the_first_working_day(db: Database) -> None:
    await people(db)
    first = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 08:00 in Vietnam
    async with db.transaction() as session:
        assert await send_monthly_reports(session, first - timedelta(days=1)) == 0
        assert await send_monthly_reports(session, first - timedelta(hours=1)) == 0  # 07:00
        assert await send_monthly_reports(session, first) == 1
        assert await send_monthly_reports(session, first + timedelta(hours=2)) == 0
        [row] = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "document")))
        assert row.chat_id == "900" and "2026-11" in row.payload["text"]
        assert row.payload["attachment"]["filename"].endswith("2026-11.pdf")


async def test_answers_are_exported_and_unlinked_on_erasure(db: Database) -> None:
    from services import privacy

    commune_id, official, citizens = await people(db)
    async with db.transaction() as session:
        surveys = Surveys(session)
        survey = await surveys.from_template("feedback", commune_id, official, NOW,
                                             target={"kind": "commune"})  # asks citizens[0]
        survey.status = "open"
        await surveys.answer(survey.id, survey.questions[0].id, citizens[0], NOW, value=5)
        await surveys.answer(survey.id, survey.questions[2].id, citizens[0], NOW,
                             text="Tôi là Nguyễn Văn An, nhà số 5")
        data = await privacy.export(session, citizens[0])
        assert [a["value"] for a in data["surveys"]] == [5, None]
        await privacy.erase(session, citizens[0])
        rows = list(await session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id)))
        assert [(r.user_id, r.value, r.text) for r in rows] == [(None, 5, None), (None, None, None)]
