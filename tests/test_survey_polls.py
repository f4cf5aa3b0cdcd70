"""A group poll is an outbox row of kind `poll`, posted by the sender through the Telegram
channel (in order with the group's other messages), and the platform's ids come back onto
the survey's poll."""

from __future__ import annotations

from sqlalchemy import select

from handlers.surveys import (
    Manage,
    ManageSurvey,
    NewSurvey,
    PickClosing,
    PickDelivery,
    PickTarget,
    PickTemplate,
    TargetChoice,
)
from services.communes import Communes
from services.models import Chat, OutboxMessage
from services.outbox import Outbox
from services.surveys.models import POLL_QUEUED, POLL_SENT, SurveyPoll
from services.users import Users
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import TelegramDriver, buttons_of, telegram_app

OFFICIAL, GROUP = 7411, -1007711


async def open_group_survey(app, tg: TelegramDriver) -> None:  # type: ignore[no-untyped-def]
    """The demo commune's official opens the yearly template as polls in one group."""
    async with app.db.transaction() as session:
        demo = await Communes(session).by_code("00000")
        assert demo is not None
        user, _ = await Users(session).get_or_create("telegram", str(OFFICIAL))
        user.onboarded, user.display_name = True, "Cán bộ Văn hóa"
        await Users(session).grant_official(user, demo.id)
        session.add(Chat(channel="telegram", chat_id=str(GROUP), type="group",
                         title="Thôn Đoài", commune_id=demo.id, village_id=demo.villages[1].id))
    await tg.text(OFFICIAL, "/survey")
    await tg.press(OFFICIAL, NewSurvey().pack())
    target = await tg.press(OFFICIAL, PickTemplate("ntm").pack())
    survey_id = PickTarget.unpack(buttons_of(target[-1])[0]).survey_id
    await tg.press(OFFICIAL, PickTarget(survey_id, TargetChoice.COMMUNE).pack())
    await tg.press(OFFICIAL, PickDelivery(survey_id, "groups").pack())
    await tg.press(OFFICIAL, PickClosing(survey_id, 7).pack())
    await tg.press(OFFICIAL, ManageSurvey(survey_id, Manage.OPEN).pack())


async def test_a_poll_goes_through_the_outbox_and_the_sender(database_url: str) -> None:
    async with FakeTelegramAPI() as fake, telegram_app(database_url, fake) as app:
        tg = TelegramDriver(fake, app, first_update=6000)
        await open_group_survey(app, tg)
        app.sender.stop()            # from here on, the test sends
        assert app._sender_task is not None
        await app._sender_task
        async with app.db.transaction() as session:   # a message the group is owed already
            await Outbox(session).enqueue("telegram", str(GROUP), text="Thông báo trước")

        assert await app.survey_jobs.run_once() == 3
        assert fake.calls_of("sendPoll") == []
        async with app.db.transaction() as session:
            rows = list(await session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "poll").order_by(OutboxMessage.id)))
            polls = list(await session.scalars(select(SurveyPoll).order_by(SurveyPoll.id)))
        assert [(r.chat_id, r.status) for r in rows] == [(str(GROUP), "pending")] * 3
        assert [p.status for p in polls] == [POLL_QUEUED] * 3
        assert rows[0].payload["poll"]["options"][4] == "5 – Rất hài lòng"
        assert await app.survey_jobs.run_once() == 0     # queued once

        await app.sender.drain()
        sent = fake.sent_to(GROUP)
        assert [c.method for c in sent] == ["sendMessage"] + ["sendPoll"] * 3
        assert sent[1].params["is_anonymous"] is False
        async with app.db.transaction() as session:
            rows = list(await session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "poll").order_by(OutboxMessage.id)))
            polls = list(await session.scalars(select(SurveyPoll).order_by(SurveyPoll.id)))
        assert [r.status for r in rows] == ["sent"] * 3
        assert [(p.status, p.poll_id, p.message_id) for p in polls] == [
            (POLL_SENT, c.result["poll"]["id"], str(c.result["message_id"])) for c in sent[1:]]
        assert [r.sent_message_id for r in rows] == [p.message_id for p in polls]
