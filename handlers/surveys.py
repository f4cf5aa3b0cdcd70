"""Surveys: officials create, preview, open, close and copy them with /survey (a guided flow);
citizens answer with buttons in their private chat; group poll votes arrive as events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Literal, TypeVar, get_args

from handlers.context import Context
from handlers.flows import Flow, text_only
from handlers.format import date_example
from handlers.home import show_menu
from handlers.router import Router
from handlers.types import Incoming
from services.callbacks import Button, CallbackData, Keyboard
from services.surveys.actions import AnswerQuestion, EditAnswers, SkipQuestion, WriteAnswer
from services.surveys.models import CHOICE, CLOSED, DRAFT, OPEN, TEXT, Survey
from services.surveys.service import (
    SCHEDULED,
    QuestionSpec,
    SurveyError,
    Surveys,
    bilingual,
    fmt_time,
    local,
    parse_local,
    poll_options,
    question_message,
    render_results,
)
from services.text import whole_number
from services.users import can_act_in, is_official


class Step(StrEnum):
    TEMPLATE = "template"
    TITLE = "title"
    Q_TEXT = "q_text"
    Q_KIND = "q_kind"
    Q_OPTIONS = "q_options"
    Q_MORE = "q_more"
    TARGET = "target"
    DELIVERY = "delivery"
    CLOSING = "closing"


USE_BUTTONS = "surveys.use_buttons"

# A template's button starts the flow again (at TITLE, or at TARGET with the survey made), as
# does a survey's own button (TARGET for a copy); the draft ends at CLOSING (flow cleared).
# "quay lại" returns along the table; back from "question added" reopens that question.
FLOW = Flow("survey_new", Step, transitions={
    Step.TEMPLATE: {Step.TITLE},
    Step.TITLE: {Step.Q_TEXT, Step.TEMPLATE},
    Step.Q_TEXT: {Step.Q_KIND, Step.TITLE, Step.Q_MORE},
    Step.Q_KIND: {Step.Q_OPTIONS, Step.Q_MORE, Step.Q_TEXT},
    Step.Q_OPTIONS: {Step.Q_MORE, Step.Q_KIND},
    Step.Q_MORE: {Step.Q_TEXT, Step.Q_KIND, Step.Q_OPTIONS},
    # The survey exists from TARGET on; an earlier message's button returns to its step.
    Step.TARGET: {Step.DELIVERY},
    Step.DELIVERY: {Step.CLOSING, Step.TARGET},
    Step.CLOSING: {Step.DELIVERY, Step.TARGET},
}, on_input={  # the handlers follow below
    Step.TITLE: text_only(lambda inc, ctx: on_title(inc, ctx), USE_BUTTONS),
    Step.Q_TEXT: text_only(lambda inc, ctx: on_question(inc, ctx), USE_BUTTONS),
    Step.Q_OPTIONS: text_only(lambda inc, ctx: on_options(inc, ctx), USE_BUTTONS),
    Step.CLOSING: text_only(lambda inc, ctx: on_closing_date(inc, ctx), USE_BUTTONS),
}, back={
    Step.TEMPLATE: lambda ctx: _show_templates(ctx),
    Step.TITLE: lambda ctx: _show_title(ctx),
    Step.Q_TEXT: lambda ctx: _show_question(ctx),
    Step.Q_KIND: lambda ctx: _show_kinds(ctx),
    Step.Q_OPTIONS: lambda ctx: _show_options(ctx),
    Step.Q_MORE: lambda ctx: _ask_more(ctx),
    Step.TARGET: lambda ctx: _again(ctx, _show_targets),
    Step.DELIVERY: lambda ctx: _again(ctx, _show_delivery),
    Step.CLOSING: lambda ctx: _again(ctx, _show_closing),
}, cancel=lambda ctx: _cancel(ctx))
SETUP = (Step.TARGET, Step.DELIVERY, Step.CLOSING)
"""The set-up of a survey made, in order."""


class TextStep(StrEnum):
    WAIT = "wait"
    """A citizen's written answer to the question in the state."""


async def ask_text_answer(ctx: Context) -> None:
    ctx.say("surveys.type_now")


TEXT_FLOW = Flow("survey_text", TextStep, transitions={TextStep.WAIT: set()},
                 back={TextStep.WAIT: ask_text_answer})

Template = Literal["feedback", "filing", "ntm", "custom"]
"""The service's TEMPLATES, then one's own questions."""
Kind = Literal["scale", "choice", "yesno", "text"]
"""The models' KINDS, in order."""
Delivery = Literal["private", "groups", "anon", "both"]
CLOSE_DAYS = (1, 3, 7, 30)
DELIVERIES: dict[str, tuple[bool, bool, bool]] = {
    "private": (True, False, False), "groups": (False, True, False),
    "anon": (False, True, True), "both": (True, True, False)}
"""(private, groups, anonymous) of each delivery."""


class Manage(StrEnum):
    VIEW = "view"
    OPEN = "open"
    CLOSE = "close"
    RESULTS = "results"
    COPY = "copy"


class TargetChoice(StrEnum):
    COMMUNE = "commune"
    VILLAGE = "village"
    FEEDBACK = "feedback"
    PROCEDURE = "procedure"
    GROUPS = "groups"
    DONE = "done"
    """The villages are chosen."""


@dataclass(frozen=True)
class NewSurvey(CallbackData, prefix="svo.new"):
    pass


@dataclass(frozen=True)
class PickTemplate(CallbackData, prefix="svo.template"):
    name: Template


@dataclass(frozen=True)
class PickKind(CallbackData, prefix="svo.kind"):
    kind: Kind


@dataclass(frozen=True)
class MoreQuestions(CallbackData, prefix="svo.more"):
    pass


@dataclass(frozen=True)
class QuestionsDone(CallbackData, prefix="svo.done"):
    pass


@dataclass(frozen=True)
class ManageSurvey(CallbackData, prefix="svo.manage"):
    survey_id: int
    action: Manage


@dataclass(frozen=True)
class PickTarget(CallbackData, prefix="svo.target"):
    survey_id: int
    choice: TargetChoice
    village_id: int | None = None


@dataclass(frozen=True)
class PickDelivery(CallbackData, prefix="svo.delivery"):
    survey_id: int
    delivery: Delivery


@dataclass(frozen=True)
class PickClosing(CallbackData, prefix="svo.closing"):
    survey_id: int
    days: int


D = TypeVar("D", bound=CallbackData)
OfficialButton = Callable[[Incoming, Context, D], Awaitable[None]]


def officials_only(handler: OfficialButton[D]) -> OfficialButton[D]:
    """A button only an official with a commune may press (others are refused and audited)."""
    async def guarded(inc: Incoming, ctx: Context, data: D) -> None:
        if not is_official(ctx.user) or ctx.user.official_commune_id is None:
            await ctx.audit.record(ctx.user, "survey_button", outcome="denied",
                                   args=inc.callback)
            ctx.say("errors.not_allowed")
            return
        await handler(inc, ctx, data)
    return guarded


def _int(value: str) -> int | None:
    return whole_number(value)


# --- officials ------------------------------------------------------------------------------


async def on_survey(inc: Incoming, ctx: Context) -> None:
    commune_id = ctx.user.official_commune_id
    if commune_id is None:
        ctx.say("surveys.need_commune")
        return
    ctx.state.clear()
    wanted = _int(inc.args.strip())
    if wanted is not None:
        survey = await _own_survey(ctx, wanted)
        if survey is not None:
            await _show(ctx, survey)
        return
    surveys = await Surveys(ctx.session).of_commune(commune_id)
    rows: Keyboard = [[Button(f"#{s.id} {local(s.title, ctx.user.language)[:40]} · "
                              f"{ctx.t(f'surveys.status.{s.status}')}",
                              ManageSurvey(s.id, Manage.VIEW))] for s in surveys]
    rows.append([Button(ctx.t("surveys.new"), NewSurvey())])
    ctx.reply(ctx.t("surveys.list" if surveys else "surveys.list_empty"), rows)


async def _cancel(ctx: Context) -> None:
    """"hủy" in the wizard: before the survey is made, the draft goes; once made (set-up
    steps), it stays a draft under /khaosat, and the official is told so, not that it went."""
    survey_id = ctx.state.data.get("survey_id") if ctx.state.step in SETUP else None
    survey = await Surveys(ctx.session).get(survey_id) if survey_id is not None else None
    ctx.state.clear()
    if survey is not None and survey.status == DRAFT:
        ctx.say("surveys.cancelled_kept", id=survey.id,
                title=local(survey.title, ctx.user.language))
    else:
        ctx.say("common.cancelled")
    await show_menu(ctx)


async def _own_survey(ctx: Context, survey_id: int | None) -> Survey | None:
    survey = await Surveys(ctx.session).get(survey_id) if survey_id is not None else None
    if survey is None:
        ctx.say("surveys.err.not_found")
        return None
    if not can_act_in(ctx.user, survey.commune_id):
        await ctx.audit.record(ctx.user, "survey", commune_id=survey.commune_id,
                               target=f"survey:{survey.id}", outcome="denied")
        ctx.say("errors.not_allowed")
        return None
    return survey


@officials_only
async def on_new(inc: Incoming, ctx: Context, data: NewSurvey) -> None:
    ctx.state.start(FLOW, Step.TEMPLATE)
    await _show_templates(ctx)


async def _show_templates(ctx: Context) -> None:
    ctx.reply(ctx.t("surveys.pick_template"), [
        [Button(ctx.t(f"surveys.tpl.{name}.button" if name != "custom" else "surveys.tpl.custom"),
                PickTemplate(name))] for name in get_args(Template)])


@officials_only
async def on_template(inc: Incoming, ctx: Context, data: PickTemplate) -> None:
    if data.name == "custom":
        if ctx.state.flow == FLOW.name and ctx.state.step == Step.TEMPLATE:
            # back at the templates: the questions written so far stay
            ctx.state.go(Step.TITLE, questions=ctx.state.data.get("questions") or [])
        else:
            ctx.state.start(FLOW, Step.TITLE, questions=[])
        await _show_title(ctx)
        return
    surveys = Surveys(ctx.session)
    survey = await surveys.from_template(data.name, ctx.user.official_commune_id or 0,
                                         ctx.user, ctx.now)
    await ctx.audit.record(ctx.user, "survey_create", commune_id=survey.commune_id,
                           target=f"survey:{survey.id}", template=data.name)
    await _ask_target(ctx, survey)


@officials_only
async def on_kind(inc: Incoming, ctx: Context, data: PickKind) -> None:
    pending = ctx.state.data.get("pending")
    if ctx.state.flow != FLOW.name or ctx.state.step != Step.Q_KIND or not pending:
        ctx.say("errors.stale_button")
        return
    if data.kind == CHOICE:
        ctx.state.go(Step.Q_OPTIONS)
        ctx.say("surveys.ask_options")
        return
    _add_question(ctx, QuestionSpec(data.kind, pending["text"], optional=data.kind == TEXT))
    await _ask_more(ctx)


@officials_only
async def on_more(inc: Incoming, ctx: Context, data: MoreQuestions) -> None:
    if ctx.state.flow != FLOW.name or ctx.state.step != Step.Q_MORE:
        ctx.say("errors.stale_button")
        return
    await _ask_question(ctx)


@officials_only
async def on_manage(inc: Incoming, ctx: Context, data: ManageSurvey) -> None:
    survey = await _own_survey(ctx, data.survey_id)
    if survey is not None:
        await MANAGE[data.action](ctx, survey)


async def on_title(inc: Incoming, ctx: Context) -> None:
    ctx.state.update(title=bilingual((inc.text or "").strip()))
    await _ask_question(ctx)


async def on_question(inc: Incoming, ctx: Context) -> None:
    ctx.state.go(Step.Q_KIND, pending={"text": bilingual((inc.text or "").strip())})
    await _show_kinds(ctx)


async def _show_title(ctx: Context) -> None:
    ctx.say("surveys.ask_title")


async def _show_kinds(ctx: Context) -> None:
    _reopen_last(ctx)
    ctx.reply(ctx.t("surveys.ask_kind"), [
        [Button(ctx.t(f"surveys.kind.{kind}"), PickKind(kind))] for kind in get_args(Kind)])


async def _show_options(ctx: Context) -> None:
    _reopen_last(ctx)
    ctx.say("surveys.ask_options")


def _reopen_last(ctx: Context) -> None:
    """Back from "question added": the last question is taken out again, to be asked how
    it is answered (its text stays)."""
    questions = list(ctx.state.data.get("questions") or [])
    if ctx.state.data.get("pending") or not questions:
        return
    last = questions.pop()
    ctx.state.update(questions=questions, pending={"text": last["text"]})


async def on_options(inc: Incoming, ctx: Context) -> None:
    text = (inc.text or "").strip()
    options = [o.strip() for o in text.replace(";", "\n").splitlines() if o.strip()]
    if not 2 <= len(options) <= 10:
        ctx.say("surveys.err.choice_options", most=10)
        return
    pending = dict(ctx.state.data.get("pending") or {})
    pending["options"] = [bilingual(o) for o in options]
    _add_question(ctx, QuestionSpec(CHOICE, pending["text"], pending["options"]))
    await _ask_more(ctx)


async def on_closing_date(inc: Incoming, ctx: Context) -> None:
    survey = await _own_survey(ctx, ctx.state.data.get("survey_id"))
    if survey is None:
        ctx.state.clear()
        return
    closes = parse_local((inc.text or "").strip(), ctx.now, ctx.config.timezone)
    if closes is None:
        ctx.say("surveys.err.bad_date", example=date_example(ctx, days=7))
        return
    await _set_closing(ctx, survey, closes)


async def on_flow(inc: Incoming, ctx: Context) -> None:
    """Input at a step that takes buttons only."""
    ctx.say(USE_BUTTONS)


async def _ask_question(ctx: Context) -> None:
    ctx.state.go(Step.Q_TEXT)
    await _show_question(ctx)


async def _show_question(ctx: Context) -> None:
    number = len(ctx.state.data.get("questions") or []) + 1
    ctx.reply(ctx.t("surveys.ask_question", number=number),
              [[Button(ctx.t("surveys.done"), QuestionsDone())]])


def _add_question(ctx: Context, question: QuestionSpec) -> None:
    questions = list(ctx.state.data.get("questions") or [])
    questions.append(question.to_data())
    ctx.state.go(Step.Q_MORE, questions=questions, pending=None)


async def _ask_more(ctx: Context) -> None:
    count = len(ctx.state.data.get("questions") or [])
    ctx.reply(ctx.t("surveys.question_added", count=count), [
        [Button(ctx.t("surveys.add_question"), MoreQuestions())],
        [Button(ctx.t("surveys.done"), QuestionsDone())],
    ])


@officials_only
async def on_done(inc: Incoming, ctx: Context, data: QuestionsDone) -> None:
    if ctx.state.flow != FLOW.name or ctx.state.step not in (Step.Q_TEXT, Step.Q_MORE):
        ctx.say("errors.stale_button")
        return
    draft = ctx.state.data
    questions = [QuestionSpec.from_data(q) for q in draft.get("questions") or []]
    try:
        survey = await Surveys(ctx.session).create(
            ctx.user.official_commune_id or 0, ctx.user, title=draft.get("title") or {},
            questions=questions, target={"kind": "commune"}, opens_at=ctx.now,
            closes_at=ctx.now + timedelta(days=7))
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "survey_create", commune_id=survey.commune_id,
                           target=f"survey:{survey.id}")
    await _ask_target(ctx, survey)


async def _ask_target(ctx: Context, survey: Survey) -> None:
    _setup_step(ctx, survey, Step.TARGET)
    await _show_targets(ctx, survey)


async def _again(ctx: Context, show: Callable[[Context, Survey], Awaitable[None]]) -> None:
    """A set-up step asked again, for the survey being set up (if it still is a draft)."""
    survey = await _own_survey(ctx, ctx.state.data.get("survey_id"))
    if survey is None or survey.status != DRAFT:
        ctx.state.clear()
        if survey is not None:
            ctx.say("surveys.err.not_draft")
        return
    await show(ctx, survey)


async def _show_targets(ctx: Context, survey: Survey) -> None:
    commune = await ctx.communes.get(survey.commune_id)
    chosen = {int(v) for v in (survey.target or {}).get("village_ids", [])}
    kind = (survey.target or {}).get("kind")
    rows: Keyboard = [[Button(ctx.t("surveys.target.commune"),
                              PickTarget(survey.id, TargetChoice.COMMUNE))]]
    rows += [[Button(("✅ " if v.id in chosen and kind == "villages" else "") + v.name,
                     PickTarget(survey.id, TargetChoice.VILLAGE, v.id))]
             for v in (commune.villages if commune else [])]
    rows += [[Button(ctx.t(f"surveys.target.{k}"), PickTarget(survey.id, k))]
             for k in (TargetChoice.FEEDBACK, TargetChoice.PROCEDURE, TargetChoice.GROUPS)]
    if kind == "villages" and chosen:
        rows.append([Button(ctx.t("surveys.next"), PickTarget(survey.id, TargetChoice.DONE))])
    ctx.reply(ctx.t("surveys.ask_target", title=local(survey.title, ctx.user.language)), rows,
              edit=ctx.inc.callback is not None and kind == "villages")


@officials_only
async def on_target(inc: Incoming, ctx: Context, data: PickTarget) -> None:
    survey = await _own_survey(ctx, data.survey_id)
    if survey is None:
        return
    if survey.status != DRAFT:
        ctx.say("surveys.err.not_draft")
        return
    choice = data.choice
    if choice == TargetChoice.VILLAGE:
        if data.village_id is None:
            ctx.say("errors.stale_button")
            return
        _toggle_village(survey, data.village_id)
        await _ask_target(ctx, survey)
        return
    if choice in (TargetChoice.FEEDBACK, TargetChoice.PROCEDURE):
        since = (ctx.now - timedelta(days=30)).isoformat()
        survey.target = {"kind": str(choice), "since": since}
    elif choice == TargetChoice.COMMUNE:
        survey.target = {"kind": str(choice)}
    elif choice == TargetChoice.GROUPS:
        groups = await ctx.chats.groups_of(survey.commune_id)
        survey.target = {"kind": str(choice), "chat_ids": [g.id for g in groups]}
        survey.private, survey.groups = False, True
    _setup_step(ctx, survey, Step.DELIVERY)
    await _show_delivery(ctx, survey)


async def _show_delivery(ctx: Context, survey: Survey) -> None:
    ctx.reply(ctx.t("surveys.ask_delivery"), [
        [Button(ctx.t(f"surveys.delivery.{name}"), PickDelivery(survey.id, name))]
        for name in get_args(Delivery)])


def _toggle_village(survey: Survey, village_id: int) -> None:
    target = survey.target or {}
    chosen = [int(v) for v in target.get("village_ids", [])] \
        if target.get("kind") == "villages" else []
    chosen = [v for v in chosen if v != village_id] if village_id in chosen \
        else [*chosen, village_id]
    survey.target = {"kind": "villages", "village_ids": chosen}


def _setting_up(ctx: Context, survey: Survey) -> Step | None:
    """The set-up step the conversation is at for this survey (None: it is not setting it up)."""
    if ctx.state.flow == FLOW.name and ctx.state.data.get("survey_id") == survey.id \
            and ctx.state.step in SETUP:
        return Step(ctx.state.step)
    return None


def _setup_step(ctx: Context, survey: Survey, step: Step) -> None:
    """Move this survey's set-up to `step` (an earlier message's button returns to its step);
    a button of a draft the conversation is not setting up takes that draft up again there."""
    current = _setting_up(ctx, survey)
    if current is None:
        ctx.state.start(FLOW, step, survey_id=survey.id)
    elif SETUP.index(step) < SETUP.index(current):
        ctx.state.back(step)
    else:
        ctx.state.go(step)


def _ahead(ctx: Context, survey: Survey, step: Step) -> bool:
    """Whether a button of `step` comes from a message the set-up went back from (stale)."""
    current = _setting_up(ctx, survey)
    if current is not None and SETUP.index(step) > SETUP.index(current):
        ctx.say("errors.stale_button")
        return True
    return False


@officials_only
async def on_delivery(inc: Incoming, ctx: Context, data: PickDelivery) -> None:
    survey = await _own_survey(ctx, data.survey_id)
    if survey is None:
        return
    if survey.status != DRAFT:
        ctx.say("errors.stale_button")
        return
    if _ahead(ctx, survey, Step.DELIVERY):
        return
    survey.private, survey.groups, survey.anonymous = DELIVERIES[data.delivery]
    _setup_step(ctx, survey, Step.CLOSING)
    await _show_closing(ctx, survey)


async def _show_closing(ctx: Context, survey: Survey) -> None:
    ctx.reply(ctx.t("surveys.ask_closing", example=date_example(ctx, days=7)), [[
        Button(ctx.t("surveys.days", days=days), PickClosing(survey.id, days))
        for days in CLOSE_DAYS]])


@officials_only
async def on_closing(inc: Incoming, ctx: Context, data: PickClosing) -> None:
    survey = await _own_survey(ctx, data.survey_id)
    if survey is None:
        return
    if data.days not in CLOSE_DAYS or survey.status != DRAFT:
        ctx.say("errors.stale_button")
        return
    if _ahead(ctx, survey, Step.CLOSING):
        return
    await _set_closing(ctx, survey, ctx.now + timedelta(days=data.days))


async def _set_closing(ctx: Context, survey: Survey, closes: Any) -> None:
    if closes <= survey.opens_at or closes <= ctx.now:
        ctx.say("surveys.err.close_before_open")
        return
    survey.closes_at = closes
    ctx.state.clear()
    await _show(ctx, survey)


async def _show(ctx: Context, survey: Survey) -> None:
    """The preview: what citizens will see, who is asked, how and until when."""
    t = ctx.t
    lines = [t("surveys.preview_head", id=survey.id, title=local(survey.title, t.language),
               status=t(f"surveys.status.{survey.status}")),
             t("surveys.preview_target", target=await _describe_target(ctx, survey)),
             t("surveys.preview_delivery", delivery=_describe_delivery(ctx, survey)),
             t("surveys.preview_time", opens=fmt_time(survey.opens_at, ctx.config.timezone),
               closes=fmt_time(survey.closes_at, ctx.config.timezone))]
    for number, question in enumerate(survey.questions, 1):
        options = poll_options(question, t.language)
        suffix = f" [{' / '.join(options)}]" if options else f" [{t('surveys.kind.text')}]"
        lines.append(f"{number}. {local(question.text, t.language)}{suffix}")
    rows: Keyboard = []
    if survey.status in (DRAFT, SCHEDULED):
        rows.append([Button(t("surveys.open"), ManageSurvey(survey.id, Manage.OPEN))])
    if survey.status == OPEN:
        rows.append([Button(t("surveys.close"), ManageSurvey(survey.id, Manage.CLOSE))])
    if survey.status in (OPEN, CLOSED):
        rows.append([Button(t("surveys.results"), ManageSurvey(survey.id, Manage.RESULTS))])
    rows.append([Button(t("surveys.copy"), ManageSurvey(survey.id, Manage.COPY))])
    ctx.reply("\n".join(lines), rows)


async def _describe_target(ctx: Context, survey: Survey) -> str:
    target = survey.target or {}
    kind = target.get("kind", "commune")
    if kind == "villages":
        names = []
        for village_id in target.get("village_ids", []):
            village = await ctx.communes.village(int(village_id))
            if village is not None:
                names.append(village.name)
        return ", ".join(names)
    return ctx.t(f"surveys.target.{kind}")


def _describe_delivery(ctx: Context, survey: Survey) -> str:
    for name, flags in DELIVERIES.items():
        if flags == (survey.private, survey.groups, survey.anonymous):
            return ctx.t(f"surveys.delivery.{name}")
    return ctx.t("surveys.delivery.private")


async def _open(ctx: Context, survey: Survey) -> None:
    try:
        people, polls = await Surveys(ctx.session).open(survey, ctx.now)
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "survey_open", commune_id=survey.commune_id,
                           target=f"survey:{survey.id}", people=people, polls=polls)
    if survey.status == SCHEDULED:
        ctx.say("surveys.scheduled", opens=fmt_time(survey.opens_at, ctx.config.timezone))
    else:
        ctx.say("surveys.opened", people=people, polls=polls,
                closes=fmt_time(survey.closes_at, ctx.config.timezone))


async def _close(ctx: Context, survey: Survey) -> None:
    try:
        await Surveys(ctx.session).close(survey, ctx.now)
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "survey_close", commune_id=survey.commune_id,
                           target=f"survey:{survey.id}")
    ctx.say("surveys.closed_now")


async def _results(ctx: Context, survey: Survey) -> None:
    results = await Surveys(ctx.session).results(survey)
    ctx.reply(render_results(results, ctx.t))


async def _copy(ctx: Context, survey: Survey) -> None:
    copy = await Surveys(ctx.session).copy(survey, ctx.user, ctx.now)
    await ctx.audit.record(ctx.user, "survey_copy", commune_id=copy.commune_id,
                           target=f"survey:{copy.id}", source=survey.id)
    ctx.say("surveys.copied", id=copy.id)
    await _ask_target(ctx, copy)


MANAGE: dict[Manage, Callable[[Context, Survey], Awaitable[None]]] = {
    Manage.VIEW: _show, Manage.OPEN: _open, Manage.CLOSE: _close, Manage.RESULTS: _results,
    Manage.COPY: _copy}


# --- citizens -------------------------------------------------------------------------------


async def _answered_survey(ctx: Context, survey_id: int) -> Survey | None:
    survey = await Surveys(ctx.session).get(survey_id)
    if survey is None:
        ctx.say("surveys.err.stale")
    return survey


async def on_answer(inc: Incoming, ctx: Context, data: AnswerQuestion) -> None:
    survey = await _answered_survey(ctx, data.survey_id)
    if survey is None:
        return
    try:
        changed = await Surveys(ctx.session).answer(survey.id, data.question_id, ctx.user,
                                                    ctx.now, value=data.value)
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await _next(ctx, survey, data.question_id, changed=changed)


async def on_write(inc: Incoming, ctx: Context, data: WriteAnswer) -> None:
    survey = await _answered_survey(ctx, data.survey_id)
    if survey is not None and await _may_answer(ctx, survey, data.question_id):
        ctx.state.start(TEXT_FLOW, TextStep.WAIT, survey_id=survey.id,
                        question_id=data.question_id)
        ctx.say("surveys.type_now")


async def on_skip(inc: Incoming, ctx: Context, data: SkipQuestion) -> None:
    survey = await _answered_survey(ctx, data.survey_id)
    if survey is not None and await _may_answer(ctx, survey, data.question_id):
        await _next(ctx, survey, data.question_id, changed=False)


async def on_edit_answers(inc: Incoming, ctx: Context, data: EditAnswers) -> None:
    survey = await _answered_survey(ctx, data.survey_id)
    if survey is not None:
        await _ask(ctx, survey, 0)


async def _may_answer(ctx: Context, survey: Survey, question_id: int | None) -> bool:
    if question_id not in {q.id for q in survey.questions}:
        ctx.say("surveys.err.stale")
        return False
    if survey.status != OPEN or ctx.now >= survey.closes_at:
        ctx.say("surveys.err.closed", title=local(survey.title, ctx.user.language))
        return False
    return True


async def on_text_answer(inc: Incoming, ctx: Context) -> None:
    data = ctx.state.data
    survey = await Surveys(ctx.session).get(int(data.get("survey_id") or 0))
    question_id = int(data.get("question_id") or 0)
    ctx.state.clear()
    if survey is None:
        ctx.say("surveys.err.stale")
        return
    await _take_text(inc, ctx, survey, question_id)


async def on_typed_answer(inc: Incoming, ctx: Context) -> None:
    """Words typed outside any flow right after a question to answer in words that reached
    the chat from outside the conversation (a survey's first question, sent when it opens):
    the answer, without pressing "write" first."""
    if not inc.text or inc.photos or inc.voice or inc.document or inc.location:
        return
    shown = await Surveys(ctx.session).question_shown(inc.channel, inc.chat_id, ctx.now)
    if shown is not None:
        survey, question = shown
        await _take_text(inc, ctx, survey, question.id)


async def _take_text(inc: Incoming, ctx: Context, survey: Survey, question_id: int) -> None:
    try:
        changed = await Surveys(ctx.session).answer(survey.id, question_id, ctx.user, ctx.now,
                                                    text=inc.text or "")
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await _next(ctx, survey, question_id, changed=changed, edit=False)


async def _next(ctx: Context, survey: Survey, question_id: int, *, changed: bool,
                edit: bool = True) -> None:
    ids = [q.id for q in survey.questions]
    position = ids.index(question_id) + 1 if question_id in ids else len(ids)
    if changed:
        ctx.say("surveys.changed")
    if position < len(ids):
        await _ask(ctx, survey, position, edit=edit and not changed)
        return
    ctx.reply(ctx.t("surveys.thanks", closes=fmt_time(survey.closes_at, ctx.config.timezone)),
              [[Button(ctx.t("surveys.edit_answers"), EditAnswers(survey.id))]],
              edit=edit and not changed)


async def _ask(ctx: Context, survey: Survey, position: int, *, edit: bool = False) -> None:
    if survey.status != OPEN or ctx.now >= survey.closes_at:
        ctx.say("surveys.err.closed", title=local(survey.title, ctx.user.language))
        return
    question = survey.questions[position]
    answers = await Surveys(ctx.session).answers_of(survey, ctx.user)
    text, rows = question_message(survey, question, ctx.t, answers.get(question.id))
    ctx.reply(text, rows, edit=edit)
    if ctx.state.flow == TEXT_FLOW.name:
        ctx.state.clear()  # a text answer awaited for an earlier question is not any more
    if question.kind == TEXT and ctx.state.flow is None:
        # The answer typed straight away is taken, without pressing "write" first (a
        # draft of another flow is not dropped for it: "write" is still there).
        ctx.state.start(TEXT_FLOW, TextStep.WAIT, survey_id=survey.id, question_id=question.id)


# --- group polls ----------------------------------------------------------------------------


async def on_poll_answer(inc: Incoming, ctx: Context) -> None:
    if inc.poll_id:
        await Surveys(ctx.session).poll_answer(inc.poll_id, ctx.user, list(inc.poll_option_ids),
                                               ctx.now)


async def on_poll_state(inc: Incoming, ctx: Context) -> None:
    if inc.poll_id:
        await Surveys(ctx.session).poll_state(inc.poll_id, list(inc.poll_counts))


def register(router: Router) -> None:
    router.command("survey", "khaosat", role="official", help_key="surveys.help")(on_survey)
    router.button(NewSurvey, role="official")(on_new)
    router.button(PickTemplate, role="official")(on_template)
    router.button(PickKind, role="official")(on_kind)
    router.button(MoreQuestions, role="official")(on_more)
    router.button(QuestionsDone, role="official")(on_done)
    router.button(ManageSurvey, role="official")(on_manage)
    router.button(PickTarget, role="official")(on_target)
    router.button(PickDelivery, role="official")(on_delivery)
    router.button(PickClosing, role="official")(on_closing)
    router.button(AnswerQuestion)(on_answer)
    router.button(WriteAnswer)(on_write)
    router.button(SkipQuestion)(on_skip)
    router.button(EditAnswers)(on_edit_answers)
    router.flow(FLOW, role="official")(on_flow)
    router.flow(TEXT_FLOW)(on_text_answer)
    router.fallback(on_typed_answer)
    router.event("poll_answer")(on_poll_answer)
    router.event("poll_state")(on_poll_state)

