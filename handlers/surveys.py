"""Surveys: officials create, preview, open, close and copy them with /survey (a guided flow);
citizens answer with buttons in their private chat; group poll votes arrive as events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.context import Context
from handlers.router import Router
from handlers.types import Button, Incoming, callback_parts
from services.surveys.models import CHOICE, CLOSED, DRAFT, KINDS, OPEN, TEXT, Survey
from services.surveys.service import (
    SCHEDULED,
    TEMPLATES,
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
from services.users import can_act_in, is_official

FLOW = "survey_new"
TEXT_FLOW = "survey_text"
CLOSE_DAYS = (1, 3, 7, 30)
DELIVERIES = {"private": (True, False, False), "groups": (False, True, False),
              "anon": (False, True, True), "both": (True, True, False)}


def _buttons(rows: list[list[dict[str, str]]]) -> list[list[Button]]:
    return [[Button(b["text"], b["data"]) for b in row] for row in rows]


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


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
    rows = [[Button(f"#{s.id} {local(s.title, ctx.user.language)[:40]} · "
                    f"{ctx.t(f'surveys.status.{s.status}')}", f"svo:v:{s.id}")]
            for s in surveys]
    rows.append([Button(ctx.t("surveys.new"), "svo:new")])
    ctx.reply(ctx.t("surveys.list" if surveys else "surveys.list_empty"), rows)


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


async def on_official_button(inc: Incoming, ctx: Context) -> None:
    _, action, arg, extra = callback_parts(inc, 4)
    if not is_official(ctx.user) or ctx.user.official_commune_id is None:
        await ctx.audit.record(ctx.user, "survey_button", outcome="denied", args=inc.callback)
        ctx.say("errors.not_allowed")
        return
    if action == "new":
        ctx.state.start(FLOW, "template")
        ctx.reply(ctx.t("surveys.pick_template"), [
            *[[Button(ctx.t(f"surveys.tpl.{name}.button"), f"svo:tpl:{name}")]
              for name in TEMPLATES],
            [Button(ctx.t("surveys.tpl.custom"), "svo:tpl:custom")],
        ])
        return
    if action == "tpl":
        await _template(ctx, arg)
        return
    if action == "k":
        await _kind(ctx, arg)
        return
    if action == "more":
        if ctx.state.flow != FLOW:
            ctx.say("errors.stale_button")
            return
        await _ask_question(ctx)
        return
    if action == "done":
        await _questions_done(ctx)
        return
    survey = await _own_survey(ctx, _int(arg))
    if survey is None:
        return
    handlers = {"v": _view, "tg": _target, "dl": _delivery, "cl": _closing, "open": _open,
                "close": _close, "res": _results, "copy": _copy}
    handler = handlers.get(action)
    if handler is None:
        ctx.say("errors.stale_button")
        return
    await handler(ctx, survey, extra)


async def _template(ctx: Context, name: str) -> None:
    if name == "custom":
        ctx.state.start(FLOW, "title", questions=[])
        ctx.say("surveys.ask_title")
        return
    if name not in TEMPLATES:
        ctx.say("errors.stale_button")
        return
    surveys = Surveys(ctx.session)
    survey = await surveys.from_template(name, ctx.user.official_commune_id or 0, ctx.user,
                                         ctx.now)
    await ctx.audit.record(ctx.user, "survey_create", commune_id=survey.commune_id,
                           target=f"survey:{survey.id}", template=name)
    await _ask_target(ctx, survey)


async def on_flow(inc: Incoming, ctx: Context) -> None:
    """Typed answers of the creation flow: the title, a question, its options, a date."""
    text = (inc.text or "").strip()
    step = ctx.state.step
    if not text:
        ctx.say("surveys.use_buttons")
        return
    if step == "title":
        ctx.state.update(title=bilingual(text))
        await _ask_question(ctx)
    elif step == "q_text":
        ctx.state.go("q_kind", pending={"text": bilingual(text)})
        ctx.reply(ctx.t("surveys.ask_kind"), [
            [Button(ctx.t(f"surveys.kind.{kind}"), f"svo:k:{kind}")] for kind in KINDS])
    elif step == "q_options":
        options = [o.strip() for o in text.replace(";", "\n").splitlines() if o.strip()]
        if not 2 <= len(options) <= 10:
            ctx.say("surveys.err.choice_options", most=10)
            return
        pending = dict(ctx.state.data.get("pending") or {})
        pending["options"] = [bilingual(o) for o in options]
        _add_question(ctx, QuestionSpec(CHOICE, pending["text"], pending["options"]))
        await _ask_more(ctx)
    elif step == "closing":
        survey = await _own_survey(ctx, ctx.state.data.get("survey_id"))
        if survey is None:
            ctx.state.clear()
            return
        closes = parse_local(text, ctx.now, ctx.config.timezone)
        if closes is None:
            ctx.say("surveys.err.bad_date")
            return
        await _set_closing(ctx, survey, closes)
    else:
        ctx.say("surveys.use_buttons")


async def _ask_question(ctx: Context) -> None:
    number = len(ctx.state.data.get("questions") or []) + 1
    ctx.state.go("q_text")
    ctx.reply(ctx.t("surveys.ask_question", number=number),
              [[Button(ctx.t("surveys.done"), "svo:done")]])


async def _kind(ctx: Context, kind: str) -> None:
    pending = ctx.state.data.get("pending")
    if ctx.state.flow != FLOW or ctx.state.step != "q_kind" or not pending or kind not in KINDS:
        ctx.say("errors.stale_button")
        return
    if kind == CHOICE:
        ctx.state.go("q_options")
        ctx.say("surveys.ask_options")
        return
    _add_question(ctx, QuestionSpec(kind, pending["text"], optional=kind == TEXT))
    await _ask_more(ctx)


def _add_question(ctx: Context, question: QuestionSpec) -> None:
    questions = list(ctx.state.data.get("questions") or [])
    questions.append(question.to_data())
    ctx.state.go("q_more", questions=questions, pending=None)


async def _ask_more(ctx: Context) -> None:
    count = len(ctx.state.data.get("questions") or [])
    ctx.reply(ctx.t("surveys.question_added", count=count), [
        [Button(ctx.t("surveys.add_question"), "svo:more")],
        [Button(ctx.t("surveys.done"), "svo:done")],
    ])


async def _questions_done(ctx: Context) -> None:
    if ctx.state.flow != FLOW:
        ctx.say("errors.stale_button")
        return
    data = ctx.state.data
    questions = [QuestionSpec.from_data(q) for q in data.get("questions") or []]
    try:
        survey = await Surveys(ctx.session).create(
            ctx.user.official_commune_id or 0, ctx.user, title=data.get("title") or {},
            questions=questions, target={"kind": "commune"}, opens_at=ctx.now,
            closes_at=ctx.now + timedelta(days=7))
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "survey_create", commune_id=survey.commune_id,
                           target=f"survey:{survey.id}")
    await _ask_target(ctx, survey)


async def _ask_target(ctx: Context, survey: Survey) -> None:
    ctx.state.start(FLOW, "target", survey_id=survey.id)
    commune = await ctx.communes.get(survey.commune_id)
    chosen = {int(v) for v in (survey.target or {}).get("village_ids", [])}
    kind = (survey.target or {}).get("kind")
    rows = [[Button(ctx.t("surveys.target.commune"), f"svo:tg:{survey.id}:commune")]]
    rows += [[Button(("✅ " if v.id in chosen and kind == "villages" else "") + v.name,
                     f"svo:tg:{survey.id}:v{v.id}")] for v in (commune.villages if commune else [])]
    rows += [[Button(ctx.t(f"surveys.target.{k}"), f"svo:tg:{survey.id}:{k}")]
             for k in ("feedback", "procedure", "groups")]
    if kind == "villages" and chosen:
        rows.append([Button(ctx.t("surveys.next"), f"svo:tg:{survey.id}:ok")])
    ctx.reply(ctx.t("surveys.ask_target", title=local(survey.title, ctx.user.language)), rows,
              edit=ctx.inc.callback is not None and kind == "villages")


async def _target(ctx: Context, survey: Survey, choice: str) -> None:
    if survey.status != DRAFT:
        ctx.say("surveys.err.not_draft")
        return
    target = dict(survey.target or {})
    if choice.startswith("v") and choice[1:].isdigit():
        chosen = [int(v) for v in target.get("village_ids", [])] \
            if target.get("kind") == "villages" else []
        village = int(choice[1:])
        chosen = [v for v in chosen if v != village] if village in chosen else [*chosen, village]
        survey.target = {"kind": "villages", "village_ids": chosen}
        await _ask_target(ctx, survey)
        return
    if choice in ("feedback", "procedure"):
        since = (ctx.now - timedelta(days=30)).isoformat()
        survey.target = {"kind": choice, "since": since}
    elif choice in ("commune", "groups"):
        survey.target = {"kind": choice}
        if choice == "groups":
            groups = await ctx.chats.groups_of(survey.commune_id)
            survey.target["chat_ids"] = [g.id for g in groups]
            survey.private, survey.groups = False, True
    elif choice != "ok":
        ctx.say("errors.stale_button")
        return
    ctx.state.go("delivery")
    ctx.reply(ctx.t("surveys.ask_delivery"), [
        [Button(ctx.t(f"surveys.delivery.{name}"), f"svo:dl:{survey.id}:{name}")]
        for name in DELIVERIES])


async def _delivery(ctx: Context, survey: Survey, choice: str) -> None:
    if choice not in DELIVERIES or survey.status != DRAFT:
        ctx.say("errors.stale_button")
        return
    survey.private, survey.groups, survey.anonymous = DELIVERIES[choice]
    ctx.state.go("closing", survey_id=survey.id)
    ctx.reply(ctx.t("surveys.ask_closing"), [[
        Button(ctx.t("surveys.days", days=days), f"svo:cl:{survey.id}:{days}")
        for days in CLOSE_DAYS]])


async def _closing(ctx: Context, survey: Survey, days: str) -> None:
    if not days.isdigit() or survey.status != DRAFT:
        ctx.say("errors.stale_button")
        return
    await _set_closing(ctx, survey, ctx.now + timedelta(days=int(days)))


async def _set_closing(ctx: Context, survey: Survey, closes: Any) -> None:
    if closes <= survey.opens_at or closes <= ctx.now:
        ctx.say("surveys.err.close_before_open")
        return
    survey.closes_at = closes
    ctx.state.clear()
    await _show(ctx, survey)


async def _view(ctx: Context, survey: Survey, _: str) -> None:
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
    rows: list[list[Button]] = []
    if survey.status in (DRAFT, SCHEDULED):
        rows.append([Button(t("surveys.open"), f"svo:open:{survey.id}")])
    if survey.status == OPEN:
        rows.append([Button(t("surveys.close"), f"svo:close:{survey.id}")])
    if survey.status in (OPEN, CLOSED):
        rows.append([Button(t("surveys.results"), f"svo:res:{survey.id}")])
    rows.append([Button(t("surveys.copy"), f"svo:copy:{survey.id}")])
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


async def _open(ctx: Context, survey: Survey, _: str) -> None:
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


async def _close(ctx: Context, survey: Survey, _: str) -> None:
    try:
        await Surveys(ctx.session).close(survey, ctx.now)
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await ctx.audit.record(ctx.user, "survey_close", commune_id=survey.commune_id,
                           target=f"survey:{survey.id}")
    ctx.say("surveys.closed_now")


async def _results(ctx: Context, survey: Survey, _: str) -> None:
    results = await Surveys(ctx.session).results(survey)
    ctx.reply(render_results(results, ctx.t))


async def _copy(ctx: Context, survey: Survey, _: str) -> None:
    copy = await Surveys(ctx.session).copy(survey, ctx.user, ctx.now)
    await ctx.audit.record(ctx.user, "survey_copy", commune_id=copy.commune_id,
                           target=f"survey:{copy.id}", source=survey.id)
    ctx.say("surveys.copied", id=copy.id)
    await _ask_target(ctx, copy)


# --- citizens -------------------------------------------------------------------------------


async def on_answer_button(inc: Incoming, ctx: Context) -> None:
    _, action, survey_ref, question_ref, value_ref = callback_parts(inc, 5)
    surveys = Surveys(ctx.session)
    survey = await surveys.get(_int(survey_ref) or 0)
    if survey is None:
        ctx.say("surveys.err.stale")
        return
    question_id = _int(question_ref)
    if action == "e":
        await _ask(ctx, survey, 0)
        return
    if action == "t":
        if not await _may_answer(ctx, survey, question_id):
            return
        ctx.state.start(TEXT_FLOW, "wait", survey_id=survey.id, question_id=question_id)
        ctx.say("surveys.type_now")
        return
    if action == "s":
        if not await _may_answer(ctx, survey, question_id):
            return
        await _next(ctx, survey, question_id or 0, changed=False)
        return
    if action != "a" or question_id is None or _int(value_ref) is None:
        ctx.say("surveys.err.stale")
        return
    try:
        changed = await surveys.answer(survey.id, question_id, ctx.user, ctx.now,
                                       value=int(value_ref))
    except SurveyError as error:
        ctx.say(error.key, **error.params)
        return
    await _next(ctx, survey, question_id, changed=changed)


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
    surveys = Surveys(ctx.session)
    survey = await surveys.get(int(data.get("survey_id") or 0))
    question_id = int(data.get("question_id") or 0)
    ctx.state.clear()
    if survey is None:
        ctx.say("surveys.err.stale")
        return
    try:
        changed = await surveys.answer(survey.id, question_id, ctx.user, ctx.now,
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
              [[Button(ctx.t("surveys.edit_answers"), f"sv:e:{survey.id}")]],
              edit=edit and not changed)


async def _ask(ctx: Context, survey: Survey, position: int, *, edit: bool = False) -> None:
    if survey.status != OPEN or ctx.now >= survey.closes_at:
        ctx.say("surveys.err.closed", title=local(survey.title, ctx.user.language))
        return
    question = survey.questions[position]
    answers = await Surveys(ctx.session).answers_of(survey, ctx.user)
    text, rows = question_message(survey, question, ctx.t, answers.get(question.id))
    ctx.reply(text, _buttons(rows), edit=edit)


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
    router.callback("svo")(on_official_button)
    router.callback("sv")(on_answer_button)
    router.flow(FLOW)(on_flow)
    router.flow(TEXT_FLOW)(on_text_answer)
    router.event("poll_answer")(on_poll_answer)
    router.event("poll_state")(on_poll_state)

