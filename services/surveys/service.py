"""Surveys: create (from a template or by hand), open, deliver, answer, close, copy.

Delivery is data: a private question is an outbox row for each consenting citizen, a group
poll is a `SurveyPoll` row that the survey pass queues in the outbox (`polls.py`). Answers
are one per person and question (a unique key, written with an upsert) and may change until
the survey closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import LANGUAGES, Translator
from services.audit import AuditEntries
from services.callbacks import Button, Keyboard, StaleCallback, decode, keyboard_json
from services.db import insert_for
from services.models import OUTBOX_SENT, Chat, OutboxMessage, User
from services.outbox import Outbox
from services.surveys import sources
from services.surveys.actions import AnswerQuestion, SkipQuestion, WriteAnswer
from services.surveys.models import (
    CHOICE,
    CLOSED,
    DRAFT,
    KINDS,
    OPEN,
    POLL_CLOSED,
    POLL_PENDING,
    POLL_SENT,
    SCALE,
    TEXT,
    YESNO,
    Survey,
    SurveyAnswer,
    SurveyPoll,
    SurveyQuestion,
)
from services.timezones import VIETNAM_TZ_NAME
from services.when import parse_moment

SCHEDULED = "scheduled"
SIPAS_ASPECTS = ("access", "procedure", "officials", "result", "feedback")
TEMPLATES = ("feedback", "filing", "ntm")
TARGET_KINDS = ("commune", "villages", "procedure", "feedback", "groups", "users")
NTM_OPTIONS = ("roads", "water", "environment", "culture", "security", "income")
DEFAULT_DAYS = {"feedback": 7, "filing": 7, "ntm": 30}
MAX_OPTIONS = 10
INVITE_PRIORITY = -1
"""Survey invitations wait behind the replies people are waiting for."""


class SurveyError(Exception):
    """A request that cannot be done; `key` is the catalogue message that says why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def texts(key: str, **params: Any) -> dict[str, str]:
    """A catalogue message in every language, as stored in survey texts."""
    return {language: Translator(language)(key, **params) for language in LANGUAGES}


def local(value: dict[str, Any] | None, language: str) -> str:
    """A survey text in the reader's language, falling back to Vietnamese."""
    value = value or {}
    return str(value.get(language) or value.get("vi") or next(iter(value.values()), ""))


def bilingual(typed: str) -> dict[str, str]:
    """What an official typed: "Tiếng Việt | English", or Vietnamese only."""
    vi, _, en = typed.partition("|")
    result = {"vi": vi.strip()}
    if en.strip():
        result["en"] = en.strip()
    return result


@dataclass
class QuestionSpec:
    kind: str
    text: dict[str, str]
    options: list[dict[str, str]] = field(default_factory=list)
    optional: bool = False
    aspect: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "options": self.options,
                "optional": self.optional, "aspect": self.aspect}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> QuestionSpec:
        return cls(**data)


def template_questions(name: str) -> tuple[dict[str, str], list[QuestionSpec], dict[str, Any]]:
    """A built-in template: its title, questions and default target."""
    if name == "feedback":
        return texts("surveys.tpl.feedback.title"), [
            QuestionSpec(SCALE, texts("surveys.tpl.feedback.q_satisfied")),
            QuestionSpec(YESNO, texts("surveys.tpl.feedback.q_fixed")),
            QuestionSpec(TEXT, texts("surveys.tpl.comment"), optional=True),
        ], {"kind": "feedback", "days": 30}
    if name == "filing":
        questions = [QuestionSpec(SCALE, texts(f"surveys.tpl.filing.q_{aspect}"), aspect=aspect)
                     for aspect in SIPAS_ASPECTS]
        questions.append(QuestionSpec(TEXT, texts("surveys.tpl.comment"), optional=True))
        return texts("surveys.tpl.filing.title"), questions, {"kind": "procedure", "days": 30}
    if name == "ntm":
        return texts("surveys.tpl.ntm.title"), [
            QuestionSpec(SCALE, texts("surveys.tpl.ntm.q_overall")),
            QuestionSpec(CHOICE, texts("surveys.tpl.ntm.q_priority"),
                         [texts(f"surveys.tpl.ntm.opt_{o}") for o in NTM_OPTIONS]),
            QuestionSpec(YESNO, texts("surveys.tpl.ntm.q_better")),
            QuestionSpec(TEXT, texts("surveys.tpl.comment"), optional=True),
        ], {"kind": "commune"}
    raise SurveyError("surveys.err.unknown_template")


def poll_options(question: SurveyQuestion, language: str = "vi") -> list[str]:
    """The options of a question as buttons or poll options, in order; the answer's value of
    option i is `option_value(question, i)`."""
    t = Translator(language)
    if question.kind == SCALE:
        return [t(f"surveys.scale.{n}") for n in range(1, 6)]
    if question.kind == YESNO:
        return [t("common.yes"), t("common.no")]
    if question.kind == CHOICE:
        return [local(option, language) for option in question.options]
    return []


def option_value(question: SurveyQuestion, index: int) -> int:
    if question.kind == YESNO:
        return 1 if index == 0 else 0
    return index + 1


def valid_value(question: SurveyQuestion, value: int) -> bool:
    if question.kind == SCALE:
        return 1 <= value <= 5
    if question.kind == YESNO:
        return value in (0, 1)
    if question.kind == CHOICE:
        return 1 <= value <= len(question.options)
    return False


@dataclass
class QuestionResult:
    question: SurveyQuestion
    count: int = 0
    distribution: dict[int, int] = field(default_factory=dict)
    comments: int = 0

    @property
    def mean(self) -> float | None:
        total = sum(self.distribution.values())
        if not total:
            return None
        return sum(v * n for v, n in self.distribution.items()) / total

    @property
    def satisfied(self) -> float | None:
        """The share answering 4 or 5 (scale questions)."""
        total = sum(self.distribution.values())
        if not total:
            return None
        return sum(n for v, n in self.distribution.items() if v >= 4) / total


@dataclass
class SurveyResults:
    survey: Survey
    questions: list[QuestionResult]
    respondents: int


class Surveys:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- making -----------------------------------------------------------------------------

    async def create(self, commune_id: int, creator: User | None, *, title: dict[str, str],
                     questions: list[QuestionSpec], target: dict[str, Any],
                     opens_at: datetime, closes_at: datetime, private: bool = True,
                     groups: bool = False, anonymous: bool = False,
                     template: str | None = None,
                     context: dict[str, Any] | None = None) -> Survey:
        check_shape(title, questions, target, opens_at, closes_at, private, groups)
        survey = Survey(
            commune_id=commune_id, creator_id=creator.id if creator else None,
            template=template, title=title, target=target, private=private, groups=groups,
            anonymous=anonymous, context=context or {}, status=DRAFT, opens_at=opens_at,
            closes_at=closes_at,
            questions=[SurveyQuestion(position=i, kind=q.kind, text=q.text, options=q.options,
                                      optional=q.optional, aspect=q.aspect)
                       for i, q in enumerate(questions)],
        )
        self.session.add(survey)
        await self.session.flush()
        return survey

    async def from_template(self, name: str, commune_id: int, creator: User | None,
                            now: datetime, **overrides: Any) -> Survey:
        title, questions, target = template_questions(name)
        if "days" in target:
            target = {**target, "since": (now - timedelta(days=target.pop("days"))).isoformat()}
        values: dict[str, Any] = {
            "title": title, "questions": questions, "target": target, "opens_at": now,
            "closes_at": now + timedelta(days=DEFAULT_DAYS[name]), "template": name,
        }
        values.update(overrides)
        return await self.create(commune_id, creator, **values)

    async def copy(self, survey: Survey, creator: User | None, now: datetime) -> Survey:
        length = survey.closes_at - survey.opens_at
        return await self.create(
            survey.commune_id, creator, title=dict(survey.title),
            questions=[QuestionSpec(q.kind, dict(q.text), list(q.options), q.optional, q.aspect)
                       for q in survey.questions],
            target=dict(survey.target), opens_at=now, closes_at=now + length,
            private=survey.private, groups=survey.groups, anonymous=survey.anonymous,
            template=survey.template, context=dict(survey.context))

    async def get(self, survey_id: int) -> Survey | None:
        return await self.session.get(Survey, survey_id)

    async def of_commune(self, commune_id: int | None, limit: int = 8) -> list[Survey]:
        query = select(Survey).order_by(Survey.id.desc()).limit(limit)
        if commune_id is not None:
            query = query.where(Survey.commune_id == commune_id)
        return list(await self.session.scalars(query))

    async def question(self, question_id: int) -> SurveyQuestion | None:
        return await self.session.get(SurveyQuestion, question_id)

    # --- opening and delivery ---------------------------------------------------------------

    async def open(self, survey: Survey, now: datetime) -> tuple[int, int]:
        """Open now (or at its opening time): returns (people asked, group polls queued)."""
        if survey.status not in (DRAFT, SCHEDULED):
            raise SurveyError("surveys.err.not_draft")
        check_shape(survey.title, survey.questions, survey.target, survey.opens_at,
                    survey.closes_at, survey.private, survey.groups)
        if survey.closes_at <= now:
            raise SurveyError("surveys.err.closes_in_past")
        if survey.opens_at > now:
            survey.status = SCHEDULED
            return 0, 0
        survey.status, survey.opened_at = OPEN, now
        people = await self._ask_people(survey) if survey.private else 0
        polls = await self._queue_polls(survey) if survey.groups else 0
        return people, polls

    async def open_due(self, now: datetime) -> list[Survey]:
        due = list(await self.session.scalars(
            select(Survey).where(Survey.status == SCHEDULED, Survey.opens_at <= now)))
        for survey in due:
            await self.open(survey, now)
        return due

    async def recipients(self, survey: Survey) -> list[User]:
        """The targeted citizens who consented to keep their data."""
        query = await self._recipients_query(survey)
        if query is None:
            return []
        return list(await self.session.scalars(query.order_by(User.id)))

    async def addressed_to(self, survey: Survey, user: User) -> bool:
        """Whether the survey asks this user in private: consented, and in its target."""
        query = await self._recipients_query(survey)
        if query is None:
            return False
        found = await self.session.scalar(query.where(User.id == user.id).with_only_columns(
            User.id))
        return found is not None

    async def _recipients_query(self, survey: Survey) -> Select[User] | None:
        target = survey.target or {}
        kind = target.get("kind", "commune")
        query = select(User).where(User.consent_at.is_not(None), User.onboarded.is_(True))
        if kind == "users":
            query = query.where(User.id.in_([int(i) for i in target.get("user_ids", [])]))
        else:
            query = query.where(User.commune_id == survey.commune_id)
        if kind == "villages":
            query = query.where(User.village_id.in_([int(i) for i in target.get("village_ids",
                                                                               [])]))
        elif kind in ("feedback", "procedure"):
            since, until = period_of(target)
            if kind == "feedback":
                ids = await sources.feedback_reporters(self.session, survey.commune_id,
                                                       since, until)
            else:
                ids = await sources.procedure_users(self.session, survey.commune_id, since,
                                                    until, target.get("procedure"))
            query = query.where(User.id.in_(ids))
        elif kind == "groups":
            return None
        return query

    async def target_groups(self, survey: Survey) -> list[Chat]:
        target = survey.target or {}
        kind = target.get("kind", "commune")
        query = select(Chat).where(Chat.type == "group", Chat.active.is_(True),
                                   Chat.commune_id == survey.commune_id)
        if kind == "villages":
            query = query.where(Chat.village_id.in_([int(i) for i in target.get("village_ids",
                                                                               [])]))
        elif kind == "groups":
            query = query.where(Chat.id.in_([int(i) for i in target.get("chat_ids", [])]))
        elif kind != "commune":
            return []
        return list(await self.session.scalars(query.order_by(Chat.id)))

    async def _ask_people(self, survey: Survey) -> int:
        outbox = Outbox(self.session)
        people = await self.recipients(survey)
        for user in people:
            t = Translator(user.language)
            intro = t("surveys.invite", title=local(survey.title, t.language),
                      count=len(survey.questions),
                      closes=fmt_time(survey.closes_at, survey_tz(survey)))
            await outbox.enqueue(user.channel, user.external_id, text=intro,
                                 dedupe_key=f"sv:{survey.id}:u:{user.id}",
                                 group_key=f"survey:{survey.id}", priority=INVITE_PRIORITY)
            text, buttons = question_message(survey, survey.questions[0], t, None)
            await outbox.enqueue(user.channel, user.external_id, text=text,
                                 buttons=keyboard_json(buttons),
                                 group_key=f"survey:{survey.id}", priority=INVITE_PRIORITY)
        return len(people)

    async def _queue_polls(self, survey: Survey) -> int:
        queued = 0
        for chat in await self.target_groups(survey):
            for question in survey.questions:
                if question.kind == TEXT:
                    continue
                self.session.add(SurveyPoll(
                    survey_id=survey.id, question_id=question.id, channel=chat.channel,
                    chat_id=chat.chat_id, village_id=chat.village_id,
                    anonymous=survey.anonymous, status=POLL_PENDING, counts=[]))
                queued += 1
        await self.session.flush()
        return queued

    async def pending_polls(self, channels: tuple[str, ...]) -> list[SurveyPoll]:
        return list(await self.session.scalars(
            select(SurveyPoll).join(Survey, Survey.id == SurveyPoll.survey_id)
            .where(SurveyPoll.status == POLL_PENDING, SurveyPoll.channel.in_(channels),
                   Survey.status == OPEN).order_by(SurveyPoll.id)))

    async def polls_to_stop(self, now: datetime) -> list[SurveyPoll]:
        """Polls still running in groups whose survey is closed or due to close."""
        return list(await self.session.scalars(
            select(SurveyPoll).join(Survey, Survey.id == SurveyPoll.survey_id)
            .where(SurveyPoll.status == POLL_SENT,
                   (Survey.status == CLOSED) | ((Survey.status == OPEN)
                                                & (Survey.closes_at <= now)))
            .order_by(SurveyPoll.id)))

    # --- answers ----------------------------------------------------------------------------

    async def answer(self, survey_id: int, question_id: int, user: User, now: datetime, *,
                     value: int | None = None, text: str | None = None,
                     via: str = "private", village_id: int | None = None) -> bool:
        """Record (or change) an answer; True when it replaced an earlier one."""
        survey = await self.get(survey_id)
        question = next((q for q in survey.questions if q.id == question_id), None) \
            if survey else None
        if survey is None or question is None:
            raise SurveyError("surveys.err.stale")
        if survey.status != OPEN or now >= survey.closes_at:
            raise SurveyError("surveys.err.closed", title=local(survey.title, user.language))
        if via == "private" and not await self.addressed_to(survey, user):
            await AuditEntries(self.session).record(
                user, "survey.answer", commune_id=survey.commune_id,
                target=f"survey:{survey.id}", outcome="denied")
            raise SurveyError("surveys.err.not_addressed")
        if question.kind == TEXT:
            text = (text or "").strip()
            if not text:
                raise SurveyError("surveys.err.empty_text")
            value = None
        elif value is None or not valid_value(question, value):
            raise SurveyError("surveys.err.stale")
        earlier = await self.session.scalar(
            select(SurveyAnswer).where(SurveyAnswer.question_id == question.id,
                                       SurveyAnswer.user_id == user.id))
        values = {"survey_id": survey.id, "question_id": question.id, "user_id": user.id,
                  "value": value, "text": text[:2000] if text else None, "via": via,
                  "village_id": village_id if village_id is not None else user.village_id,
                  "answered_at": now, "changes": 0}
        insert = insert_for(self.session)(SurveyAnswer).values(**values)
        await self.session.execute(insert.on_conflict_do_update(
            index_elements=["question_id", "user_id"],
            set_={"value": value, "text": values["text"], "via": via, "answered_at": now,
                  "changes": SurveyAnswer.changes + 1}))
        if earlier is not None:
            await self.session.refresh(earlier)
        return earlier is not None

    async def question_shown(self, channel: str, chat_id: str, now: datetime
                             ) -> tuple[Survey, SurveyQuestion] | None:
        """The open survey's question to answer in words that is the last message this
        private chat received, if it is one.

        A survey's first question is queued when the survey opens, outside the citizen's
        conversation, so no step awaits the answer: the words typed after it are the answer
        when it is still the last thing the citizen was sent (the chat's messages are sent
        in the order they were queued)."""
        payload = await self.session.scalar(
            select(OutboxMessage.payload)
            .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
                   OutboxMessage.status == OUTBOX_SENT)
            .order_by(OutboxMessage.id.desc()).limit(1))
        write = next((data for data in _button_data(payload)
                      if isinstance(data, WriteAnswer)), None)
        if write is None:
            return None
        survey = await self.get(write.survey_id)
        if survey is None or survey.status != OPEN or now >= survey.closes_at:
            return None
        question = next((q for q in survey.questions if q.id == write.question_id), None)
        return (survey, question) if question is not None and question.kind == TEXT else None

    async def withdraw(self, question_id: int, user: User) -> None:
        await self.session.execute(delete(SurveyAnswer).where(
            SurveyAnswer.question_id == question_id, SurveyAnswer.user_id == user.id))

    async def answers_of(self, survey: Survey, user: User) -> dict[int, SurveyAnswer]:
        rows = await self.session.scalars(select(SurveyAnswer).where(
            SurveyAnswer.survey_id == survey.id, SurveyAnswer.user_id == user.id))
        return {row.question_id: row for row in rows}

    async def poll(self, poll_id: str) -> SurveyPoll | None:
        return await self.session.scalar(select(SurveyPoll).where(SurveyPoll.poll_id == poll_id))

    async def poll_answer(self, poll_id: str, user: User, option_ids: list[int],
                          now: datetime) -> bool:
        """A vote in a group poll (no options: the vote was retracted); False if unknown."""
        poll = await self.poll(poll_id)
        if poll is None or poll.anonymous:
            return False
        question = await self.question(poll.question_id)
        if question is None:
            return False
        if not option_ids:
            survey = await self.get(poll.survey_id)
            if survey is not None and survey.status == OPEN:
                await self.withdraw(question.id, user)
            return True
        value = option_value(question, option_ids[0])
        try:
            await self.answer(poll.survey_id, question.id, user, now, value=value, via="poll",
                              village_id=poll.village_id)
        except SurveyError:
            return False
        return True

    async def poll_state(self, poll_id: str, counts: list[int]) -> bool:
        """A poll's totals as the platform reports them (anonymous polls are counted so)."""
        poll = await self.poll(poll_id)
        if poll is None:
            return False
        survey = await self.get(poll.survey_id)
        if survey is not None and survey.status == OPEN:
            poll.counts = [int(c) for c in counts]
        return True

    # --- closing and results ----------------------------------------------------------------

    async def close(self, survey: Survey, now: datetime) -> SurveyResults:
        if survey.status == CLOSED:
            raise SurveyError("surveys.err.already_closed")
        survey.status, survey.closed_at = CLOSED, now
        for poll in await self.session.scalars(select(SurveyPoll).where(
                SurveyPoll.survey_id == survey.id, SurveyPoll.status == POLL_PENDING)):
            poll.status = POLL_CLOSED
        results = await self.results(survey)
        creator = await self.session.get(User, survey.creator_id) if survey.creator_id else None
        if creator is not None:
            t = Translator(creator.language)
            await Outbox(self.session).enqueue(
                creator.channel, creator.external_id, text=render_results(results, t),
                dedupe_key=f"sv:{survey.id}:results")
        return results

    async def close_due(self, now: datetime) -> list[Survey]:
        due = list(await self.session.scalars(
            select(Survey).where(Survey.status.in_((OPEN, SCHEDULED)), Survey.closes_at <= now)
            .order_by(Survey.id)))
        for survey in due:
            await self.close(survey, now)
        return due

    async def results(self, survey: Survey) -> SurveyResults:
        answers = list(await self.session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id)))
        polls = list(await self.session.scalars(
            select(SurveyPoll).where(SurveyPoll.survey_id == survey.id,
                                     SurveyPoll.anonymous.is_(True))))
        by_question = {q.id: QuestionResult(q) for q in survey.questions}
        for answer in answers:
            result = by_question.get(answer.question_id)
            if result is None:
                continue
            result.count += 1
            if answer.value is not None:
                result.distribution[answer.value] = result.distribution.get(answer.value, 0) + 1
            if answer.text:
                result.comments += 1
        for poll in polls:
            result = by_question.get(poll.question_id)
            if result is None:
                continue
            for index, votes in enumerate(poll.counts or []):
                if votes:
                    value = option_value(result.question, index)
                    result.distribution[value] = result.distribution.get(value, 0) + int(votes)
                    result.count += int(votes)
        respondents = len({a.user_id for a in answers})
        anonymous = max((sum(p.counts or []) for p in polls), default=0)
        return SurveyResults(survey, list(by_question.values()), respondents + anonymous)


def check_shape(title: dict[str, Any], questions: list[Any], target: dict[str, Any],
                opens_at: datetime, closes_at: datetime, private: bool, groups: bool) -> None:
    if not local(title, "vi").strip():
        raise SurveyError("surveys.err.no_title")
    if not questions:
        raise SurveyError("surveys.err.no_question")
    for question in questions:
        if question.kind not in KINDS:
            raise SurveyError("surveys.err.bad_kind")
        if question.kind == CHOICE and not 2 <= len(question.options) <= MAX_OPTIONS:
            raise SurveyError("surveys.err.choice_options", most=MAX_OPTIONS)
    if closes_at <= opens_at:
        raise SurveyError("surveys.err.close_before_open")
    if target.get("kind", "commune") not in TARGET_KINDS:
        raise SurveyError("surveys.err.bad_target")
    if not private and not groups:
        raise SurveyError("surveys.err.no_delivery")


def period_of(target: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    since, until = target.get("since"), target.get("until")
    return (datetime.fromisoformat(since) if since else None,
            datetime.fromisoformat(until) if until else None)


def survey_tz(survey: Survey) -> str:
    return str((survey.context or {}).get("tz") or VIETNAM_TZ_NAME)


def fmt_time(moment: datetime, tz: str = VIETNAM_TZ_NAME) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y")


def parse_local(text: str, now: datetime, tz: str = VIETNAM_TZ_NAME) -> datetime | None:
    """A closing time typed by an official, as people write it (`services.when`: "20/12 17h",
    "thứ Sáu tuần sau", "ngày mai") or a number of days; a day alone closes at 17:00."""
    return parse_moment(text, now, tz, default_time=time(17, 0), allow_days=True)


def question_message(survey: Survey, question: SurveyQuestion, t: Translator,
                     current: SurveyAnswer | None) -> tuple[str, Keyboard]:
    """A question as text and the answers it offers."""
    number = survey.questions.index(question) + 1
    lines = [t("surveys.question_head", number=number, count=len(survey.questions),
               title=local(survey.title, t.language)),
             local(question.text, t.language)]
    if question.kind == SCALE:
        lines.append(t("surveys.scale_hint"))
    buttons: Keyboard = []
    if question.kind == SCALE:
        buttons = [[Button(str(n), AnswerQuestion(survey.id, question.id, n))
                    for n in range(1, 6)]]
    elif question.kind in (YESNO, CHOICE):
        labels = poll_options(question, t.language)
        buttons = [[Button(label, AnswerQuestion(survey.id, question.id,
                                                 option_value(question, i)))]
                   for i, label in enumerate(labels)]
    else:
        lines.append(t("surveys.type_answer"))
        buttons = [[Button(t("surveys.write"), WriteAnswer(survey.id, question.id))]]
    if question.optional or question.kind == TEXT:
        buttons.append([Button(t("common.skip"), SkipQuestion(survey.id, question.id))])
    if current is not None:
        lines.append(t("surveys.current_answer", answer=answer_label(question, current, t)))
    return "\n".join(lines), buttons


def _button_data(payload: dict[str, Any] | None) -> list[object]:
    """The decoded data of a sent message's buttons (unknown or old data left out)."""
    found: list[object] = []
    for row in (payload or {}).get("buttons") or []:
        for button in row:
            try:
                found.append(decode(str(button.get("data") or "")))
            except StaleCallback:
                continue
    return found


def answer_label(question: SurveyQuestion, answer: SurveyAnswer, t: Translator) -> str:
    if answer.value is None:
        return answer.text or ""
    if question.kind == SCALE:
        return str(answer.value)
    if question.kind == YESNO:
        return t("common.yes") if answer.value == 1 else t("common.no")
    options = poll_options(question, t.language)
    return options[answer.value - 1] if 0 < answer.value <= len(options) else str(answer.value)


def render_results(results: SurveyResults, t: Translator) -> str:
    from services.surveys.stats import MIN_CELL, cell, fmt_mean, fmt_pct

    survey = results.survey
    lines = [t("surveys.results_head", title=local(survey.title, t.language), id=survey.id),
             t("surveys.results_people", count=cell(results.respondents))]
    for number, result in enumerate(results.questions, 1):
        question = result.question
        lines.append(f"\n{number}. {local(question.text, t.language)}")
        if result.count < MIN_CELL:
            lines.append(t("surveys.results_small", count=cell(result.count)))
            continue
        if question.kind == SCALE:
            lines.append(t("surveys.results_scale", count=result.count,
                           rate=fmt_pct(result.satisfied, t.language),
                           mean=fmt_mean(result.mean, t.language)))
            lines.append("  " + " · ".join(
                f"{v}★ {cell(result.distribution.get(v, 0))}" for v in range(5, 0, -1)))
        elif question.kind in (YESNO, CHOICE):
            labels = poll_options(question, t.language)
            parts = [f"{label}: {cell(result.distribution.get(option_value(question, i), 0))}"
                     for i, label in enumerate(labels)]
            lines.append(t("surveys.results_count", count=result.count) + " — " + "; ".join(parts))
        else:
            lines.append(t("surveys.results_comments", count=result.comments))
    return "\n".join(lines)

