"""Group polls through the outbox. A pending poll becomes an outbox row of kind `poll`, which
the sender posts like any message (in order per chat, within the group's rate limit); once
posted, the platform's poll id and message id are recorded on the `SurveyPoll`, where the
votes and the closing look for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.outbox import Outbox
from services.surveys.models import POLL_PENDING, POLL_QUEUED, POLL_SENT, SurveyPoll
from services.surveys.service import Surveys, local, poll_options

POLL_KIND = "poll"


async def queue_polls(session: AsyncSession, channels: tuple[str, ...]) -> int:
    """Write an outbox row for every pending poll of an open survey on these channels; each
    is claimed on its row (pending → queued), so replicas queue it once. Returns how many."""
    surveys = Surveys(session)
    queued = 0
    for poll in await surveys.pending_polls(channels):
        question = await surveys.question(poll.question_id)
        survey = await surveys.get(poll.survey_id)
        if question is None or survey is None:
            continue
        claimed = cast(CursorResult[Any], await session.execute(
            update(SurveyPoll).where(SurveyPoll.id == poll.id, SurveyPoll.status == POLL_PENDING)
            .values(status=POLL_QUEUED).execution_options(synchronize_session=False)))
        if not claimed.rowcount:
            continue
        await Outbox(session).enqueue(
            poll.channel, poll.chat_id, kind=POLL_KIND,
            text=f"{local(survey.title, 'vi')}: {local(question.text, 'vi')}",
            poll={"options": poll_options(question, "vi"), "anonymous": poll.anonymous,
                  "survey_poll": poll.id},
            dedupe_key=f"sv:poll:{poll.id}")
        queued += 1
    return queued


async def poll_posted(session: AsyncSession, survey_poll_id: int, poll_id: str | None,
                      message_id: str | None, now: datetime) -> None:
    """The sender posted the poll: remember the platform's ids (votes come by poll id, the
    poll is stopped by message id)."""
    await session.execute(
        update(SurveyPoll).where(SurveyPoll.id == survey_poll_id)
        .values(status=POLL_SENT, poll_id=poll_id, message_id=message_id, sent_at=now)
        .execution_options(synchronize_session=False))
