"""A survey answer counts only from someone the survey asks: a forged or forwarded button
pressed by anyone else is refused, audited and stores nothing (Telegram fake, real `Bot`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from locales import Translator
from services.communes import Communes
from services.db import utcnow
from services.models import AuditEntry, User
from services.surveys.models import SCALE, SurveyAnswer
from services.surveys.service import QuestionSpec, Surveys
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import TelegramDriver, buttons_of, onboard_on_telegram, telegram_app, words

ASKED, NEIGHBOUR, NO_CONSENT = 7501, 7502, 7503


async def test_only_the_people_a_survey_asks_can_answer_it(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=9000)
        for chat in (ASKED, NEIGHBOUR, NO_CONSENT):
            await onboard_on_telegram(tg, chat)   # all three in Thôn Đoài, with consent
        async with app.db.transaction() as session:
            demo = await Communes(session).by_code("00000")
            doai, dong = demo.villages[1].id, demo.villages[0].id
            neighbour = await session.scalar(select(User).where(
                User.external_id == str(NEIGHBOUR)))
            neighbour.village_id = dong                    # moved to Thôn Đông
            no_consent = await session.scalar(select(User).where(
                User.external_id == str(NO_CONSENT)))
            no_consent.consent_at = None                   # withdrew consent
            surveys = Surveys(session)
            survey = await surveys.create(
                demo.id, None, title={"vi": "Đường thôn Đoài"},
                questions=[QuestionSpec(SCALE, {"vi": "Bạn hài lòng đến mức nào?"})],
                target={"kind": "villages", "village_ids": [doai]},
                opens_at=utcnow(), closes_at=utcnow() + timedelta(days=3))
            asked, _ = await surveys.open(survey, utcnow())
            assert asked == 1
        app.sender.wake()
        await tg.settle()
        question = tg.shown(ASKED)[-1]
        choices = buttons_of(question)
        assert len(choices) == 5

        refusal = Translator("vi")("surveys.err.not_addressed")
        for outsider in (NEIGHBOUR, NO_CONSENT):
            assert refusal in words(await tg.press(outsider, choices[4]))
        assert "Cảm ơn" in words(await tg.press(ASKED, choices[3]))

        async with app.db.transaction() as session:
            answers = list(await session.scalars(select(SurveyAnswer)))
            asked_user = await session.scalar(select(User).where(
                User.external_id == str(ASKED)))
            denied = list(await session.scalars(select(AuditEntry).where(
                AuditEntry.action == "survey.answer", AuditEntry.outcome == "denied")))
        assert [(a.user_id, a.value) for a in answers] == [(asked_user.id, 4)]
        assert len(denied) == 2
