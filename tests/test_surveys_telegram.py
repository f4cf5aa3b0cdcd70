"""Surveys end to end through the Telegram channel: the real python-telegram-bot `Bot`
against the fake Bot API, updates posted to the app's webhook."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta

from sqlalchemy import select

from handlers.surveys import (
    Manage,
    ManageSurvey,
    NewSurvey,
    PickClosing,
    PickDelivery,
    PickKind,
    PickTarget,
    PickTemplate,
    QuestionsDone,
    TargetChoice,
)
from services.communes import Communes
from services.models import AuditEntry, Chat, User
from services.surveys.actions import AnswerQuestion
from services.surveys.models import Survey, SurveyAnswer, SurveyPoll
from services.users import Users
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    make_poll_answer_update,
)
from tests.helpers import (
    TelegramDriver,
    buttons_of,
    onboard_on_telegram,
    telegram_app,
    words,
)
from tests.surveys_support import neighbours_answer

ALICE, BINH, OFFICIAL = 7301, 7302, 7401
GROUP = -1007700


async def make_official(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The demo commune's official; (commune id, id of its second village)."""
    async with app.db.transaction() as session:
        demo = await Communes(session).by_code("00000")
        users = Users(session)
        user, _ = await users.get_or_create("telegram", str(OFFICIAL))
        user.onboarded, user.display_name = True, "Cán bộ Văn hóa"
        await users.grant_official(user, demo.id)
        return demo.id, demo.villages[1].id


async def test_village_survey_answered_changed_closed_on_schedule(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=5000)
        _, village_id = await make_official(app)
        await onboard_on_telegram(tg, ALICE)
        await onboard_on_telegram(tg, BINH)

        # Bad input first: a citizen may not run surveys; a survey needs a question.
        assert "chỉ dành cho cán bộ" in words(await tg.text(ALICE, "/survey"))
        await tg.text(OFFICIAL, "/survey")
        await tg.press(OFFICIAL, NewSurvey().pack())
        await tg.press(OFFICIAL, PickTemplate("custom").pack())
        await tg.text(OFFICIAL, "Ý kiến về đường thôn mới | Opinion on the new road")
        assert "ít nhất một câu hỏi" in words(await tg.press(OFFICIAL, QuestionsDone().pack()))

        # The official writes a 1–5 question for one village, to be asked privately.
        await tg.text(OFFICIAL, "Bạn hài lòng với con đường mới đến mức nào?")
        await tg.press(OFFICIAL, PickKind("scale").pack())
        target = await tg.press(OFFICIAL, QuestionsDone().pack())
        assert "hỏi ai" in words(target)
        survey_id = PickTarget.unpack(buttons_of(target[-1])[0]).survey_id
        await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.VILLAGE, village_id).pack())
        await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.DONE).pack())
        await tg.press(OFFICIAL, PickDelivery(survey_id, "private").pack())
        bad = await tg.text(OFFICIAL, "01/01/2020 08:00")
        assert "phải sau thời gian mở" in words(bad)
        preview = await tg.press(OFFICIAL, PickClosing(survey_id, 1).pack())
        assert "Thôn Đoài" in words(preview) and "Đường thôn mới".lower() in \
            words(preview).lower()
        assert ManageSurvey(survey_id, Manage.OPEN).pack() in buttons_of(preview[-1])
        opened = await tg.press(OFFICIAL, ManageSurvey(survey_id, Manage.OPEN).pack())
        assert "gửi tới 2 người" in words(opened)

        # Both citizens are asked; Alice answers 2 then changes to 4; Bình answers 5.
        question = tg.shown(ALICE)[-1]
        assert "Bạn hài lòng với con đường mới" in question.params["text"]
        choices = buttons_of(question)
        asked = [AnswerQuestion.unpack(choice) for choice in choices]
        assert [(a.survey_id, a.value) for a in asked] == [(survey_id, n) for n in range(1, 6)]
        assert "Cảm ơn" in words(await tg.press(ALICE, choices[1]))
        changed = await tg.press(ALICE, choices[3])
        assert "Đã cập nhật" in words(changed)
        await tg.press(BINH, buttons_of(tg.shown(BINH)[-1])[4])
        stale = await tg.press(BINH, AnswerQuestion(survey_id, 999999, 3).pack())
        assert "nút đã cũ" in words(stale)
        await neighbours_answer(app, survey_id, [3, 4, 5])

        async with app.db.transaction() as session:
            answers = list(await session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id)))
            alice = await session.scalar(select(User).where(User.external_id == str(ALICE)))
            survey = await session.get(Survey, survey_id)
            closes_at = survey.closes_at
        assert sorted(a.value for a in answers) == [3, 4, 4, 5, 5]
        assert [(a.value, a.changes) for a in answers if a.user_id == alice.id] == [(4, 1)]

        # It closes on schedule (the job runs with an injected clock); the official is told.
        before = len(tg.shown(OFFICIAL))
        assert await app.survey_jobs.run_once(now=closes_at + timedelta(seconds=1)) >= 1
        await tg.settle()
        results = words(tg.shown(OFFICIAL)[before:])
        assert "Kết quả khảo sát" in results and "5 câu trả lời" in results
        assert "hài lòng (4–5 điểm): 80,0%" in results and "điểm trung bình: 4,20" in results

        # An answer after closing gets a clear word.
        late = await tg.press(BINH, buttons_of(tg.shown(BINH)[-2])[0]
                              if buttons_of(tg.shown(BINH)[-2]) else choices[0])
        assert "đã đóng" in words(late)


async def test_group_polls_are_counted(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=5000)
        commune_id, village_id = await make_official(app)
        async with app.db.transaction() as session:
            session.add(Chat(channel="telegram", chat_id=str(GROUP), type="group",
                             title="Thôn Đoài", commune_id=commune_id, village_id=village_id))

        # The yearly rural-development template, as polls counted per person.
        await tg.text(OFFICIAL, "/survey")
        await tg.press(OFFICIAL, NewSurvey().pack())
        target = await tg.press(OFFICIAL, PickTemplate("ntm").pack())
        survey_id = PickTarget.unpack(buttons_of(target[-1])[0]).survey_id
        await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.COMMUNE).pack())
        await tg.press(OFFICIAL, PickDelivery(survey_id, "groups").pack())
        await tg.press(OFFICIAL, PickClosing(survey_id, 7).pack())
        opened = await tg.press(OFFICIAL, ManageSurvey(survey_id, Manage.OPEN).pack())
        assert "3 bình chọn trong nhóm" in words(opened)
        await app.survey_jobs.run_once()
        await tg.settle()
        polls = [c for c in fake.calls_of("sendPoll") if c.ok]
        assert len(polls) == 3 and all(c.chat_id == GROUP for c in polls)
        assert polls[0].params["is_anonymous"] is False
        assert [o["text"] if isinstance(o, dict) else o for o in polls[0].params["options"]][4] \
            == "5 – Rất hài lòng"
        scale_poll = polls[0].result["poll"]["id"]
        ids = itertools.count(9000)
        for voter, options in ((7501, [4]), (7502, [1]), (7502, [3]), (7503, [2]), (7503, [])):
            await tg.post(make_poll_answer_update(next(ids), scale_poll, voter, options))
        async with app.db.transaction() as session:
            answers = list(await session.scalars(select(SurveyAnswer)))
            assert sorted((a.value, a.via, a.village_id) for a in answers) == [
                (4, "poll", village_id), (5, "poll", village_id)]

        # The same as an anonymous poll: only the totals, from `poll` updates, count.
        copy = await tg.press(OFFICIAL, ManageSurvey(survey_id, Manage.COPY).pack())
        copy_id = PickTarget.unpack(buttons_of(copy[-1])[0]).survey_id
        await tg.press(OFFICIAL, PickTarget(copy_id, TargetChoice.COMMUNE).pack())
        await tg.press(OFFICIAL, PickDelivery(copy_id, "anon").pack())
        await tg.press(OFFICIAL, PickClosing(copy_id, 7).pack())
        await tg.press(OFFICIAL, ManageSurvey(copy_id, Manage.OPEN).pack())
        await app.survey_jobs.run_once()
        await tg.settle()
        anonymous = [c for c in fake.calls_of("sendPoll") if c.ok][3]
        assert anonymous.params["is_anonymous"] is True
        poll = anonymous.result["poll"]
        counts = [1, 0, 1, 2, 3]
        poll_update = {"update_id": next(ids), "poll": {
            **poll,
            "options": [{**o, "voter_count": n}
                        for o, n in zip(poll["options"], counts, strict=True)],
            "total_voter_count": sum(counts)}}
        await tg.post(poll_update)
        async with app.db.transaction() as session:
            row = await session.scalar(select(SurveyPoll).where(SurveyPoll.poll_id == poll["id"]))
            assert row.counts == counts
            closes_at = (await session.get(Survey, copy_id)).closes_at

        before = len(tg.shown(OFFICIAL))
        await app.survey_jobs.run_once(now=closes_at + timedelta(seconds=1))
        await tg.settle()
        assert len([c for c in fake.calls_of("stopPoll") if c.ok]) >= 3
        results = words(tg.shown(OFFICIAL)[before:])
        assert f"#{copy_id}" in results
        assert "7 câu trả lời · hài lòng (4–5 điểm): 71,4%" in results


async def test_citizen_cannot_see_stats_and_admins_are_audited(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=5000)
        await make_official(app)
        await onboard_on_telegram(tg, ALICE)
        assert "chỉ dành cho cán bộ" in words(await tg.text(ALICE, "/stats"))
        refused = await tg.text(OFFICIAL, "/export 2026-11 full")
        assert "Chỉ cán bộ cấp tỉnh" in words(refused)
        assert "Chưa hiểu kỳ" in words(await tg.text(OFFICIAL, "/stats 2026-13"))
        assert "chưa có số liệu" in words(await tg.text(OFFICIAL, "/stats 2020-01"))
        async with app.db.transaction() as session:
            denied = list(await session.scalars(select(AuditEntry).where(
                AuditEntry.outcome == "denied")))
        assert {e.action for e in denied} >= {"/stats", "/export"}
        assert time.time() > 0
