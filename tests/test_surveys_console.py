"""A survey on a channel without buttons (the console, like Zalo): the questions come as
numbered choices and the citizen answers by number or by typing."""

from __future__ import annotations

from typing import get_args

import pytest
from sqlalchemy import func, select

from handlers.surveys import Kind, PickClosing, Template
from services.communes import Communes
from services.conversations import Conversations
from services.db import utcnow
from services.surveys.actions import AnswerQuestion
from services.surveys.models import KINDS, Survey, SurveyAnswer
from services.surveys.service import TEMPLATES, Surveys
from services.users import Users
from tests.helpers import console_app, session, texts


async def test_numbered_answers_and_a_written_comment(database_url: str) -> None:
    async with console_app(database_url) as app:
        person = session(app, user_id="zalo-like")
        person.chat_id = person.user_id      # a private chat's id is the person's id
        await person.say("/start")
        await person.say("1")                # Tiếng Việt
        await person.say("2")                # the demo commune's second village
        await person.say("1")                # consent
        async with app.db.transaction() as db_session:
            demo = await Communes(db_session).by_code("00000")
            official, _ = await Users(db_session).get_or_create("console", "official")
            await Users(db_session).grant_official(official, demo.id)
            surveys = Surveys(db_session)
            survey = await surveys.from_template("feedback", demo.id, official, utcnow(),
                                                 target={"kind": "commune"})
            assert await surveys.open(survey, utcnow()) == (1, 0)
        before = len(app.console.shown)
        await app.sender.drain(("console",))
        invitation = texts(app.console.shown[before:])
        assert "UBND xã mời bạn cho ý kiến" in invitation and "1. 1" in invitation

        second = texts(await person.say("4"))
        assert "Câu 2/3" in second and "1. Có" in second
        third = texts(await person.say("1"))
        assert "Câu 3/3" in third
        assert "Mời bạn gõ ý kiến" in texts(await person.say("1"))
        assert "Cảm ơn bạn đã cho ý kiến" in texts(await person.say("Đường đẹp hơn nhiều"))
        out_of_range = texts(await person.say("9"))
        assert "từ 1 đến 1" in out_of_range
        async with app.db.transaction() as db_session:
            answers = list(await db_session.scalars(select(SurveyAnswer)
                                                    .order_by(SurveyAnswer.question_id)))
        assert [(a.value, a.text) for a in answers] == [(4, None), (1, None),
                                                         (None, "Đường đẹp hơn nhiều")]


@pytest.mark.parametrize("forged", [
    "svo:new",                                # the data of an older version of the bot
    "sv:a:1:1:3",
    "svo.template:weekly",                    # no such template
    "svo.closing:1:x",                        # not a number of days
    "sv.answer:1:2",                          # a field missing
    AnswerQuestion(999, 1, 3).pack(),         # no such survey
    PickClosing(999, 7).pack(),               # nor here
])
async def test_forged_or_old_survey_buttons_change_nothing(database_url: str,
                                                            forged: str) -> None:
    async with console_app(database_url) as app:
        async with app.db.transaction() as db_session:
            demo = await Communes(db_session).by_code("00000")
            official, _ = await Users(db_session).get_or_create("console", "official")
            await Users(db_session).grant_official(official, demo.id)
            official.onboarded = True
        answer = texts(await session(app, user_id="official").press(forged))
        assert "đã cũ" in answer or "Không tìm thấy khảo sát" in answer
        async with app.db.transaction() as db_session:
            assert await db_session.scalar(select(func.count()).select_from(Survey)) == 0
            assert await db_session.scalar(select(func.count()).select_from(SurveyAnswer)) == 0
            state = await Conversations(db_session).load("console", "chat-official", "official")
            assert state.flow is None


def test_the_survey_buttons_offer_the_services_choices() -> None:
    assert get_args(Template) == (*TEMPLATES, "custom")
    assert get_args(Kind) == KINDS
