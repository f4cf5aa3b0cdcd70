"""Surveys on the web: the list, a survey's results (bars drawn in SVG, cells under five
answers suppressed and the reason said), creating one from a template or from typed
questions, publishing and closing. The same `Surveys` calls as the chat's /survey."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web

from ops.context import Page, Wrap
from services.audit import AuditEntries
from services.surveys.models import CHOICE, DRAFT, OPEN, SCALE, TEXT, YESNO, Survey
from services.surveys.service import (
    SCHEDULED,
    TEMPLATES,
    QuestionResult,
    QuestionSpec,
    SurveyError,
    Surveys,
    bilingual,
    local,
    option_value,
    poll_options,
)
from services.surveys.stats import MIN_CELL, cell, fmt_mean, fmt_pct
from services.text import whole_number

LISTED = 100
CLOSE_DAYS = (1, 3, 7, 30)
MAX_QUESTIONS = 20
DELIVERIES = {"private": (True, False), "groups": (False, True), "both": (True, True)}


def install(app: web.Application, page: Wrap, change: Wrap) -> None:
    app.router.add_get("/surveys", page(list_page))
    app.router.add_post("/surveys", change(create))
    app.router.add_get("/surveys/{id}", page(survey_page))
    app.router.add_post("/surveys/{id}/{action}", change(act))


async def list_page(ctx: Page, error: str | None = None,
                    form: dict[str, str] | None = None) -> web.Response:
    surveys = await Surveys(ctx.session).of_commune(ctx.commune_id, LISTED)
    return ctx.render("surveys.html", surveys=surveys, templates=TEMPLATES, error=error,
                      form=form or {"template": "ntm", "days": "7", "delivery": "private"},
                      close_days=CLOSE_DAYS, deliveries=DELIVERIES,
                      nonce=secrets.token_urlsafe(12), title_of=lambda s: _title(ctx, s),
                      message=_message(ctx), commune=await ctx.commune(),
                      status=400 if error else 200)


def _title(ctx: Page, survey: Survey) -> str:
    return local(survey.title, ctx.web_session.language)


def _message(ctx: Page) -> str | None:
    name = ctx.request.query.get("notice", "")
    key = f"ops.surveys.done.{name}"
    return ctx.t(key) if name and ctx.t.has(key) else None


async def create(ctx: Page) -> web.StreamResponse:
    """From a template, or a title and questions typed one per line (each a 1–5 scale)."""
    form = await ctx.form()
    if ctx.commune_id is None:
        return await ctx.refuse("survey.create")
    if await ctx.pressed_twice("survey.create", form.get("nonce", "")):
        return ctx.back("/surveys", notice="already_done")
    days = whole_number(form.get("days", ""))
    delivery = DELIVERIES.get(form.get("delivery", ""))
    surveys = Surveys(ctx.session)
    try:
        if days not in CLOSE_DAYS or delivery is None:
            raise SurveyError("surveys.err.no_delivery")
        values: dict[str, Any] = {"closes_at": ctx.now + timedelta(days=days),
                                  "private": delivery[0], "groups": delivery[1]}
        template = form.get("template", "")
        if template == "custom":
            survey = await surveys.create(
                ctx.commune_id, ctx.user, title=bilingual(form.get("title", "")[:200]),
                questions=_typed_questions(form.get("questions", "")),
                target={"kind": "commune"}, opens_at=ctx.now, **values)
        elif template in TEMPLATES:
            survey = await surveys.from_template(template, ctx.commune_id, ctx.user, ctx.now,
                                                 **values)
        else:
            raise SurveyError("surveys.err.unknown_template")
    except SurveyError as error:  # nothing stored: the form again, with what to fix
        return await list_page(ctx, _error_text(ctx, error), form)
    await AuditEntries(ctx.session).record(ctx.user, "survey_create",
                                           commune_id=survey.commune_id,
                                           target=f"survey:{survey.id}", via="ops",
                                           template=survey.template)
    return ctx.back(f"/surveys/{survey.id}", notice="created")


def _typed_questions(text: str) -> list[QuestionSpec]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [QuestionSpec(SCALE, bilingual(line[:300])) for line in lines[:MAX_QUESTIONS]]


def _error_text(ctx: Page, error: SurveyError) -> str:
    web_key = "ops.surveys.err." + error.key.rsplit(".", 1)[-1]
    return ctx.t(web_key) if ctx.t.has(web_key) else ctx.t(error.key, **error.params)


async def _survey(ctx: Page, action: str) -> Survey | web.Response:
    survey_id = whole_number(ctx.request.match_info["id"])
    survey = await Surveys(ctx.session).get(survey_id) if survey_id is not None else None
    if survey is None:
        return ctx.not_found()
    if not ctx.may_act_in(survey.commune_id):
        return await ctx.refuse(action, commune_id=survey.commune_id,
                                target=f"survey:{survey.id}")
    return survey


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: float


@dataclass(frozen=True)
class Shown:
    """One question's results as the page shows them."""

    number: int
    text: str
    count: str
    small: bool
    """Fewer than MIN_CELL answers: nothing broken down."""
    bars: list[Bar]
    summary: str


def _shown(ctx: Page, number: int, result: QuestionResult) -> Shown:
    question, t = result.question, ctx.t
    text = local(question.text, t.language)
    if result.count < MIN_CELL:
        return Shown(number, text, cell(result.count), True, [], "")
    if question.kind == TEXT:
        return Shown(number, text, str(result.count), False, [],
                     t("ops.surveys.comments", n=result.comments))
    if question.kind == SCALE:
        labels = [(f"{v}★", v) for v in range(5, 0, -1)]
        summary = t("ops.surveys.scale", rate=fmt_pct(result.satisfied),
                    mean=fmt_mean(result.mean))
    elif question.kind in (YESNO, CHOICE):
        labels = [(label, option_value(question, i))
                  for i, label in enumerate(poll_options(question, t.language))]
        summary = ""
    else:
        labels, summary = [], ""
    total = sum(result.distribution.values()) or 1
    counts = [(label, result.distribution.get(value, 0)) for label, value in labels]
    # a small cell's bar would tell its count: it is drawn empty and labelled "< 5"
    bars = [Bar(label, n, n / total if n >= MIN_CELL else 0.0) for label, n in counts]
    return Shown(number, text, str(result.count), False, bars, summary)


async def survey_page(ctx: Page) -> web.StreamResponse:
    survey = await _survey(ctx, "survey.view")
    if isinstance(survey, web.Response):
        return survey
    return await _show(ctx, survey)


@dataclass(frozen=True)
class Asked:
    """One question of a survey not yet open, as it will be asked."""

    number: int
    text: str
    kind: str
    """How it is answered, in words (`surveys.kind.*`), never the stored code."""
    options: list[str]


def _asked(ctx: Page, survey: Survey) -> list[Asked]:
    language = ctx.t.language
    return [Asked(n, local(q.text, language), ctx.t(f"surveys.kind.{q.kind}"),
                  poll_options(q, language) if q.kind == CHOICE else [])
            for n, q in enumerate(survey.questions, 1)]


async def _show(ctx: Page, survey: Survey, error: str | None = None) -> web.Response:
    if survey.status in (DRAFT, SCHEDULED):  # not open yet: nobody could have answered
        asked, shown, respondents = _asked(ctx, survey), [], None
    else:
        results = await Surveys(ctx.session).results(survey)
        asked, respondents = [], cell(results.respondents)
        shown = [_shown(ctx, n, r) for n, r in enumerate(results.questions, 1)]
    return ctx.render("survey.html", survey=survey, title=_title(ctx, survey), shown=shown,
                      asked=asked, respondents=respondents, min_cell=MIN_CELL, error=error,
                      can_publish=survey.status == DRAFT,
                      can_close=survey.status in (OPEN, SCHEDULED),
                      nonce=secrets.token_urlsafe(12), message=_message(ctx),
                      status=400 if error else 200)


async def act(ctx: Page) -> web.StreamResponse:
    """publish | close, as the chat's buttons."""
    action = ctx.request.match_info["action"]
    if action not in ("publish", "close"):
        return ctx.not_found()
    survey = await _survey(ctx, f"survey.{action}")
    if isinstance(survey, web.Response):
        return survey
    form = await ctx.form()
    path = f"/surveys/{survey.id}"
    if await ctx.pressed_twice(f"survey.{action}", form.get("nonce", "")):
        return ctx.back(path, notice="already_done")
    surveys = Surveys(ctx.session)
    try:
        if action == "publish":
            asked, polls = await surveys.open(survey, ctx.now)
        else:
            await surveys.close(survey, ctx.now)
            asked = polls = 0
    except SurveyError as error:
        return await _show(ctx, survey, _error_text(ctx, error))
    await AuditEntries(ctx.session).record(ctx.user, f"survey_{action}",
                                           commune_id=survey.commune_id,
                                           target=f"survey:{survey.id}", via="ops",
                                           asked=asked, polls=polls)
    return ctx.back(path, notice=action)
