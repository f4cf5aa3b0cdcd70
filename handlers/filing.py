"""The guided online filing on the National Public Service Portal (dichvucong.gov.vn).

Five steps, "Bước k/5" always shown: 1 account (VNeID level 2), 2 find the procedure and tick
the papers, 3 fill in the e-form, 4 submit and type the dossier code, 5 pay and receive. Back,
skip and cancel at every step (Back at step 1 shows the procedure's card; cancel asks
first). The walk is a `filings` row; the conversation only holds its
id, so a walk survives restarts and can be resumed days later from the menu or a reminder.

Walk buttons carry the filing id and the step they belong to (`Walk`): a button of another
walk or of another step gets a clear answer and changes nothing. The conversation's step is
the walk's step (`Step`), so the flow's table below is the walk's order.
After the walk: `/dossier CODE` for the status, `/dossier_status` for officials (the citizen
is told), a SIPAS rating once the result is ready, and `/filings`, the funnel per procedure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.context import Context
from handlers.flows import Flow
from handlers.format import cut, local_date, money, quantity, quoted
from handlers.home import home_row, show_menu
from handlers.procedures import ShowCard, where
from handlers.router import Router
from handlers.types import Incoming
from locales import Translator
from services.calendars import calendar_for
from services.callbacks import Button, CallbackData, Keyboard, keyboard_json
from services.filing.actions import MuteReminders, ResumeFiling, StartFiling
from services.filing.models import (
    ACTIVE,
    ASPECTS,
    DOSSIER_STATUSES,
    FINAL_STATUSES,
    FINISHED,
    STEPS,
    Filing,
)
from services.filing.service import (
    Filings,
    can_file_online,
    expected_date,
    parse_dossier_code,
    read_dossier_status,
)
from services.models import Commune
from services.procedures.procedure import Document, Procedure
from services.procedures.store import Procedures
from services.text import decimal
from services.users import can_act_in, is_admin
from services.worktime import WorkCalendar


class Step(StrEnum):
    """The walk's five steps, stored as "1"…"5" (the walk row's step number)."""

    ACCOUNT = "1"
    PAPERS = "2"
    FORM = "3"
    SUBMIT = "4"
    PAY = "5"


FLOW = Flow("filing", Step, transitions={
    Step.ACCOUNT: {Step.PAPERS},
    Step.PAPERS: {Step.ACCOUNT, Step.FORM},
    Step.FORM: {Step.PAPERS, Step.SUBMIT},
    Step.SUBMIT: {Step.FORM, Step.PAY},
    Step.PAY: {Step.SUBMIT},
}, on_input={
    Step.SUBMIT: lambda inc, ctx: on_code(inc, ctx),  # the handlers follow below
}, back={step: lambda ctx: show_walk(ctx) for step in Step},
   cancel=lambda ctx: cancel_typed(ctx), pause=lambda ctx: pause_walk(ctx))
"""A walk goes back a step at a time ("Quay lại" pressed or typed); a walk taken up again
starts with the steps before its own behind it. "hủy" typed asks first, as the button does.
/start leaves the walk paused, as the menu does: it is taken up again from «Nộp hồ sơ»."""


class WalkAction(StrEnum):
    NEXT = "next"
    GO = "go"
    """On to the next step although papers are missing."""
    SKIP = "skip"
    BACK = "back"
    SHOW = "show"
    HELP = "help"
    CANCEL = "cancel"
    DROP = "drop"
    """Cancel, confirmed."""


@dataclass(frozen=True)
class Walk(CallbackData, prefix="fl.walk"):
    filing_id: int
    step: Step
    action: WalkAction


@dataclass(frozen=True)
class TickPaper(CallbackData, prefix="fl.tick"):
    """Tick or untick a required paper (step 2), by its index in the procedure's papers."""

    filing_id: int
    paper: int


@dataclass(frozen=True)
class MyDossiers(CallbackData, prefix="fl.mine"):
    pass


@dataclass(frozen=True)
class DossierStatus(CallbackData, prefix="fl.status"):
    filing_id: int


@dataclass(frozen=True)
class RateFiling(CallbackData, prefix="fl.rate"):
    filing_id: int


@dataclass(frozen=True)
class RateAspect(CallbackData, prefix="fl.rated"):
    """One SIPAS aspect's score; 0 skips the aspect."""

    filing_id: int
    aspect: int
    score: int


DIGITAL_TEAM_SETTING = "digital_team"
POPULAR = ("1.001193", "1.000656", "1.000894", "1.004222", "1.004194")
MAX_SUGGESTED = 8
LABEL_CHARS = 38
NOTE_CHARS = 300
MAX_STATUS_NOTE = 500
TIPS = {
    "1.001193": "birth", "1.000689": "birth", "1.004884": "birth", "1.004772": "birth",
    "1.000656": "death", "1.005461": "death",
    "1.000894": "marriage", "1.004746": "marriage",
    "1.004222": "residence", "1.004194": "residence", "1.002755": "residence",
    "1.003197": "residence", "1.010028": "residence",
}


# --- entry points -------------------------------------------------------------------------

async def on_menu(inc: Incoming, ctx: Context) -> None:
    """Unfinished walks with Resume buttons, then how to start a new one."""
    service = Filings(ctx.session)
    rows: Keyboard = []
    lines = []
    unfinished = await service.unfinished(ctx.user)
    if unfinished:
        lines.append(ctx.t("filing.menu_unfinished"))
        for filing in unfinished:
            lines.append(ctx.t("filing.menu_line", name=filing.procedure_name,
                               step=filing.step, steps=STEPS,
                               date=local_date(ctx, filing.updated_at)))
            rows.append([Button(ctx.t("filing.button_resume_named",
                                      name=cut(filing.procedure_name, LABEL_CHARS)),
                                ResumeFiling(filing.id))])
        lines.append("")
    lines.append(ctx.t("filing.menu_how"))
    walking = {f.procedure_code for f in unfinished}
    for procedure in await suggested(ctx):
        if procedure.code in walking:
            continue
        rows.append([Button(cut(procedure.name, LABEL_CHARS + 10), StartFiling(procedure.code))])
    if await service.with_code(ctx.user):
        rows.append([Button(ctx.t("filing.button_my_dossiers"), MyDossiers())])
    rows += home_row(ctx)
    ctx.reply("\n".join(lines), rows)


async def suggested(ctx: Context) -> list[Procedure]:
    """Everyday procedures that can be filed online, then the fully online ones."""
    catalogue = {p.code: p for p in await Procedures(ctx.session).all()}
    chosen = [catalogue[c] for c in POPULAR if c in catalogue and can_file_online(catalogue[c])]
    chosen += [p for p in catalogue.values() if p.fully_online and p not in chosen]
    return chosen[:MAX_SUGGESTED]


async def on_start(inc: Incoming, ctx: Context, data: StartFiling) -> None:
    await start(ctx, data.procedure_code)


async def start(ctx: Context, code: str) -> None:
    procedure = await Procedures(ctx.session).get(code)
    if procedure is None:
        ctx.say("filing.unknown_procedure", home_row(ctx))
        return
    if not can_file_online(procedure):
        commune = await _commune(ctx, None)
        ctx.reply(ctx.t("filing.not_online", name=procedure.name) + "\n\n"
                  + where(ctx.t, procedure, commune), [
                      [Button(ctx.t("filing.button_card"), ShowCard(procedure.code))],
                      *home_row(ctx)])
        return
    filing, created = await Filings(ctx.session).start(ctx.user, procedure, ctx.now)
    if not created:
        ctx.say("filing.already_started", step=filing.step, steps=STEPS)
    await enter(ctx, filing, procedure)


async def enter(ctx: Context, filing: Filing, procedure: Procedure | None = None) -> None:
    """Make `filing` the current walk and show its step."""
    join(ctx, filing)
    await show_step(ctx, filing, procedure)


def join(ctx: Context, filing: Filing) -> None:
    """The conversation follows `filing`, at its step, with the steps before it behind."""
    ctx.state.start(FLOW, step_of(filing), behind=[Step(str(n)) for n in range(1, filing.step)],
                    filing_id=filing.id)


def step_of(filing: Filing) -> Step:
    return Step(str(filing.step))


# --- buttons ------------------------------------------------------------------------------

async def _own(ctx: Context, filing_id: int) -> Filing | None:
    """The user's own walk with this id; the stale-button answer otherwise."""
    filing = await Filings(ctx.session).get(filing_id)
    if filing is None or filing.user_id != ctx.user.id:
        ctx.say("errors.stale_button")
        return None
    return filing


async def on_walk(inc: Incoming, ctx: Context, data: Walk) -> None:
    filing = await _own(ctx, data.filing_id)
    if filing is not None and await current_walk(ctx, filing, data.step):
        await WALK_ACTIONS[data.action](ctx, filing)


async def on_tick(inc: Incoming, ctx: Context, data: TickPaper) -> None:
    filing = await _own(ctx, data.filing_id)
    if filing is None or not await current_walk(ctx, filing, Step.PAPERS):
        return
    procedure = await _procedure(ctx, filing)
    if procedure is None:
        return
    if data.paper not in {i for i, _ in required_papers(procedure)}:
        ctx.say("errors.stale_button")
        return
    Filings.toggle(filing, data.paper, ctx.now)
    text, rows = step_view(ctx, filing, procedure, None)
    ctx.reply(text, rows, edit=True)


async def current_walk(ctx: Context, filing: Filing, step: Step) -> bool:
    """Whether a walk button may act: its walk is open and current, and its step is now."""
    if filing.status != ACTIVE:
        ctx.say("filing.walk_finished" if filing.status == FINISHED else "filing.walk_cancelled",
                home_row(ctx))
        return False
    current = ctx.state.data.get("filing_id") if ctx.state.flow == FLOW.name else None
    if current is not None and current != filing.id:
        other = await Filings(ctx.session).get(current)
        if other is not None and other.status == ACTIVE and other.user_id == ctx.user.id:
            ctx.reply(ctx.t("filing.other_walk", name=filing.procedure_name,
                            current=other.procedure_name, step=other.step, steps=STEPS), [
                [Button(ctx.t("filing.button_continue_named",
                              name=cut(other.procedure_name, LABEL_CHARS)),
                        _walk(other, WalkAction.SHOW))],
                [Button(ctx.t("filing.button_resume_named",
                              name=cut(filing.procedure_name, LABEL_CHARS)),
                        ResumeFiling(filing.id))]])
            return False
    if current != filing.id:  # no walk running: a button of a paused walk takes it up again
        join(ctx, filing)
    if step != step_of(filing):
        ctx.say("filing.later_step" if int(step) > filing.step else "filing.old_step",
                step=filing.step, steps=STEPS)
        await show_step(ctx, filing)
        return False
    return True


async def on_next(ctx: Context, filing: Filing) -> None:
    if filing.step == 2:
        missing = await missing_papers(ctx, filing)
        if missing:
            ctx.reply("\n".join([ctx.t("filing.missing_warning", count=len(missing)),
                                 *(f"☐ {cut(d.name, NOTE_CHARS)}" for d in missing),
                                 "", ctx.t("filing.missing_may_continue")]), [
                [Button(ctx.t("filing.button_prepare_more"), _walk(filing, WalkAction.SHOW))],
                [Button(ctx.t("filing.button_continue_anyway"), _walk(filing, WalkAction.GO))]])
            return
    if filing.step == STEPS:
        await finish(ctx, filing)
        return
    await go_to(ctx, filing, filing.step + 1)


async def on_go(ctx: Context, filing: Filing) -> None:
    await go_to(ctx, filing, filing.step + 1)


async def on_skip(ctx: Context, filing: Filing) -> None:
    if filing.step == STEPS:
        await finish(ctx, filing)
        return
    await go_to(ctx, filing, filing.step + 1, skipped=True)


async def on_back(ctx: Context, filing: Filing) -> None:
    await go_to(ctx, filing, filing.step - 1)


async def on_show(ctx: Context, filing: Filing) -> None:
    await show_step(ctx, filing)


async def on_help(ctx: Context, filing: Filing) -> None:
    commune = await _commune(ctx, filing)
    ctx.reply(digital_team(ctx.t, commune),
              [[Button(ctx.t("filing.button_back_to_step", step=filing.step),
                       _walk(filing, WalkAction.SHOW))]])


async def on_cancel(ctx: Context, filing: Filing) -> None:
    ctx.reply(ctx.t("filing.cancel_confirm", name=filing.procedure_name), [
        [Button(ctx.t("filing.button_cancel_yes"), _walk(filing, WalkAction.DROP))],
        [Button(ctx.t("filing.button_cancel_no"), _walk(filing, WalkAction.SHOW))]])


async def cancel_typed(ctx: Context) -> None:
    filing = await _walk_of_state(ctx)
    if filing is not None:
        await on_cancel(ctx, filing)


async def pause_walk(ctx: Context) -> None:
    filing = await Filings(ctx.session).get(ctx.state.data.get("filing_id") or 0)
    if filing is not None and filing.user_id == ctx.user.id and filing.status == ACTIVE:
        ctx.say("filing.walk_paused", name=filing.procedure_name, step=filing.step,
                steps=STEPS)


async def on_drop(ctx: Context, filing: Filing) -> None:
    Filings.cancel(filing, ctx.now)
    ctx.state.clear()
    ctx.say("filing.cancelled")
    await show_menu(ctx)


WALK_ACTIONS = {
    WalkAction.NEXT: on_next, WalkAction.GO: on_go, WalkAction.SKIP: on_skip,
    WalkAction.BACK: on_back, WalkAction.SHOW: on_show, WalkAction.HELP: on_help,
    WalkAction.CANCEL: on_cancel, WalkAction.DROP: on_drop,
}


async def on_resume(inc: Incoming, ctx: Context, data: ResumeFiling) -> None:
    filing = await _own(ctx, data.filing_id)
    if filing is None:
        return
    if filing.status != ACTIVE:
        ctx.say("filing.walk_finished" if filing.status == FINISHED else "filing.walk_cancelled",
                home_row(ctx))
        return
    filing.updated_at = ctx.now
    ctx.say("filing.resumed", name=filing.procedure_name, step=filing.step, steps=STEPS)
    await enter(ctx, filing)


async def on_mute(inc: Incoming, ctx: Context, data: MuteReminders) -> None:
    filing = await _own(ctx, data.filing_id)
    if filing is not None:
        filing.reminders_off = True
        ctx.say("filing.muted", home_row(ctx))


async def on_status(inc: Incoming, ctx: Context, data: DossierStatus) -> None:
    filing = await _own(ctx, data.filing_id)
    if filing is not None:
        await show_status(ctx, filing)


async def on_rate(inc: Incoming, ctx: Context, data: RateFiling) -> None:
    filing = await _own(ctx, data.filing_id)
    if filing is None:
        return
    if filing.dossier_status not in FINAL_STATUSES:
        ctx.say("filing.rate_not_yet")
        return
    ctx.reply(*rating_question(ctx, filing, 0))


async def on_rated(inc: Incoming, ctx: Context, data: RateAspect) -> None:
    filing = await _own(ctx, data.filing_id)
    if filing is None:
        return
    if filing.dossier_status not in FINAL_STATUSES or not 0 <= data.aspect < len(ASPECTS) \
            or not 0 <= data.score <= 5:
        ctx.say("errors.stale_button")
        return
    if data.score:
        await Filings(ctx.session).rate(filing, ASPECTS[data.aspect], data.score, ctx.now)
    following = data.aspect + 1
    if following < len(ASPECTS):
        text, rows = rating_question(ctx, filing, following)
        ctx.reply(text, rows, edit=True)
    else:
        ctx.reply(ctx.t("filing.rate_thanks"), home_row(ctx), edit=True)


async def on_my_dossiers(inc: Incoming, ctx: Context, data: MyDossiers) -> None:
    await list_dossiers(ctx)


# --- typed text during a walk -------------------------------------------------------------

async def _walk_of_state(ctx: Context) -> Filing | None:
    """The walk the conversation is in, if it is still open; says so otherwise."""
    filing = await Filings(ctx.session).get(ctx.state.data.get("filing_id") or 0)
    if filing is None or filing.user_id != ctx.user.id or filing.status != ACTIVE:
        ctx.state.clear()
        ctx.say("filing.walk_gone", home_row(ctx))
        return None
    return filing


async def on_code(inc: Incoming, ctx: Context) -> None:
    """Step 4: the dossier code the portal gave."""
    filing = await _walk_of_state(ctx)
    if filing is None:
        return
    if filing.step == 4 and inc.text and not (inc.photos or inc.document):
        await take_code(ctx, filing, inc.text)
        return
    ctx.say("filing.use_buttons", step=filing.step, steps=STEPS)


async def on_text(inc: Incoming, ctx: Context) -> None:
    """Anything typed at a step that takes no text."""
    filing = await _walk_of_state(ctx)
    if filing is not None:
        ctx.say("filing.use_buttons", step=filing.step, steps=STEPS)


async def take_code(ctx: Context, filing: Filing, text: str) -> None:
    code = parse_dossier_code(text)
    if code is None:
        ctx.say("filing.bad_code", text=cut(text.strip(), 40))
        return
    service = Filings(ctx.session)
    if await service.code_taken(code, filing):
        ctx.say("filing.code_taken", code=code)
        return
    service.set_code(filing, code, ctx.now)
    ctx.say("filing.code_saved", code=code)
    await go_to(ctx, filing, 5)


# --- the steps ----------------------------------------------------------------------------

async def go_to(ctx: Context, filing: Filing, step: int, *, skipped: bool = False) -> None:
    if ctx.state.flow != FLOW.name or ctx.state.step != step_of(filing):
        join(ctx, filing)  # in step with the walk
    before = filing.step
    Filings.move(filing, step, ctx.now, skipped=skipped)
    if filing.step < before:
        ctx.state.back(step_of(filing))
    else:
        ctx.state.go(step_of(filing), filing_id=filing.id)
    await show_step(ctx, filing)


async def show_walk(ctx: Context) -> None:
    """The conversation's step of the walk, shown again; the walk is moved to it first when
    "quay lại" took the conversation back."""
    filing = await _walk_of_state(ctx)
    if filing is None:
        return
    step = int(ctx.state.step or filing.step)
    if filing.step != step:
        Filings.move(filing, step, ctx.now)
    await show_step(ctx, filing)


async def show_step(ctx: Context, filing: Filing, procedure: Procedure | None = None) -> None:
    procedure = procedure or await _procedure(ctx, filing)
    if procedure is None:
        return
    calendar = await calendar_for(ctx.session, await _commune(ctx, filing)) \
        if filing.step == 5 else None
    text, rows = step_view(ctx, filing, procedure, calendar)
    ctx.reply(text, rows)


def step_view(ctx: Context, filing: Filing, procedure: Procedure,
              calendar: WorkCalendar | None) -> tuple[str, Keyboard]:
    """The step's text and buttons; step 5's expected date needs the commune's calendar."""
    t, step = ctx.t, filing.step
    header = t("filing.header", name=procedure.name, step=step, steps=STEPS,
               title=t(f"filing.step_{step}_title"))
    rows: Keyboard = []
    if step == 1:
        body = t("filing.step_1_text")
        rows.append([Button(t("filing.button_have_account"), _walk(filing, WalkAction.NEXT))])
        rows.append([Button(t("filing.button_need_help"), _walk(filing, WalkAction.HELP))])
    elif step == 2:
        body = checklist_text(t, filing, procedure)
        # The button of paper n reads like line n of the list above, without the number: on
        # Zalo and the console the buttons are numbered themselves, in the same order.
        for index, paper in required_papers(procedure):
            mark = "☑" if index in filing.checklist else "☐"
            rows.append([Button(f"{mark} {cut(paper.name, LABEL_CHARS)}",
                                TickPaper(filing.id, index))])
        rows.append([Button(t("filing.button_papers_ready"), _walk(filing, WalkAction.NEXT))])
    elif step == 3:
        body = t("filing.step_3_text") + "\n\n" + t(f"filing.tips_{tips_for(procedure)}") \
            + "\n\n" + t("filing.step_3_store")
        rows.append([Button(t("filing.button_declared"), _walk(filing, WalkAction.NEXT))])
    elif step == 4:
        body = t("filing.step_4_text")
        if filing.dossier_code:
            body += "\n\n" + t("filing.code_kept", code=filing.dossier_code)
            rows.append([Button(t("filing.button_keep_code"), _walk(filing, WalkAction.NEXT))])
    else:
        assert calendar is not None, "step 5 is shown with its commune's calendar"
        body = pay_and_receive(ctx, filing, procedure, calendar)
        rows.append([Button(t("filing.button_finish"), _walk(filing, WalkAction.NEXT))])
    back: CallbackData = _walk(filing, WalkAction.BACK) if step > 1 else ShowCard(procedure.code)
    nav = [Button(t("common.back"), back)]
    if step < STEPS:
        nav.append(Button(t("common.skip"), _walk(filing, WalkAction.SKIP)))
    rows.append(nav)
    rows.append([Button(t("filing.button_cancel"), _walk(filing, WalkAction.CANCEL))])
    return f"{header}\n\n{body}", rows


def checklist_text(t: Translator, filing: Filing, procedure: Procedure) -> str:
    # Thôn Số's own code means nothing to the portal: the citizen searches by name
    find = "filing.step_2_find_by_name" if procedure.is_local else "filing.step_2_find"
    lines = [t(find, code=procedure.code, name=procedure.name,
               agency=procedure.agency or "—"), ""]
    required = required_papers(procedure)
    if required:
        lines.append(t("filing.checklist_title"))
        for number, (index, paper) in enumerate(required, start=1):
            mark = "☑" if index in filing.checklist else "☐"
            lines.append(f"{mark} {number}. {cut(paper.name, NOTE_CHARS)}"
                         f"{quantity(t, paper, 'filing')}")
        ready = sum(1 for index, _ in required if index in filing.checklist)
        lines.append(t("filing.checklist_count", ready=ready, total=len(required)))
    else:
        lines.append(t("filing.checklist_none"))
    optional = [d for d in procedure.documents if not d.required]
    if optional:
        lines.append("")
        lines.append(t("filing.checklist_optional"))
        lines += [f"• {cut(d.name, NOTE_CHARS)}" for d in optional]
    lines += ["", t("filing.photo_tips")]
    return "\n".join(lines)


def pay_and_receive(ctx: Context, filing: Filing, procedure: Procedure,
                    calendar: WorkCalendar) -> str:
    t = ctx.t
    lines = [fee_lines(t, procedure), "", t("filing.receive"), ""]
    days = procedure.processing_days
    due = expected_date(calendar, filing.submitted_at or ctx.now, days)
    if due is None or days is None:
        lines.append(t("filing.expected_by_rule"))
    else:
        lines.append(t("filing.expected", date=local_date(ctx, due),
                       days=decimal(days, t.language)))
    if filing.dossier_code:
        lines += ["", t("filing.track_hint", code=filing.dossier_code)]
    return "\n".join(lines)


def fee_lines(t: Translator, procedure: Procedure) -> str:
    online = procedure.fees_for("online")
    if not online:
        return t("filing.fee_unknown") + "\n" + t("filing.how_to_pay")
    fee = online[0]
    if fee.amount_vnd == 0:
        text = t("filing.fee_free")
    elif fee.amount_vnd is None:
        text = t("filing.fee_by_rule")
    else:
        text = t("filing.fee_online", amount=money(fee.amount_vnd, t.language))
    lines = [text]
    if fee.note.strip():
        lines.append(t("filing.fee_note", note=cut(fee.note.strip(), NOTE_CHARS)))
    desk = [f.amount_vnd for f in procedure.fees_for("desk") if f.amount_vnd is not None]
    web = [f.amount_vnd for f in online if f.amount_vnd is not None]
    if desk and web and max(web) < min(desk):
        lines.append(t("filing.fee_cheaper", desk=money(min(desk), t.language)))
    if not all(f.amount_vnd == 0 for f in online):
        lines.append(t("filing.how_to_pay"))
    return "\n".join(lines)


def required_papers(procedure: Procedure) -> list[tuple[int, Document]]:
    return [(i, d) for i, d in enumerate(procedure.documents) if d.required]


async def missing_papers(ctx: Context, filing: Filing) -> list[Document]:
    procedure = await _procedure(ctx, filing)
    if procedure is None:
        return []
    return [d for i, d in required_papers(procedure) if i not in filing.checklist]


def tips_for(procedure: Procedure) -> str:
    return TIPS.get(procedure.code, "generic")


def digital_team(t: Translator, commune: Commune | None) -> str:
    value = (commune.settings or {}).get(DIGITAL_TEAM_SETTING) if commune else None
    if isinstance(value, str) and value.strip():
        return t("filing.team_text", commune=commune.name if commune else "", text=value.strip())
    if isinstance(value, dict) and any(str(v).strip() for v in value.values()):
        lines = [t("filing.team_title", commune=commune.name if commune else "")]
        for key in ("place", "hours", "contact"):
            if str(value.get(key) or "").strip():
                lines.append(t(f"filing.team_{key}", value=str(value[key]).strip()))
        return "\n".join(lines)
    return t("filing.team_generic")


async def finish(ctx: Context, filing: Filing) -> None:
    Filings.finish(filing, ctx.now)
    ctx.state.clear()
    if filing.dossier_code:
        ctx.say("filing.finished", [
            [Button(ctx.t("filing.button_status"), DossierStatus(filing.id))],
            *home_row(ctx)], code=filing.dossier_code)
    else:
        ctx.say("filing.finished_without_code", home_row(ctx))


# --- the dossier after the walk -----------------------------------------------------------

async def on_dossier(inc: Incoming, ctx: Context) -> None:
    """`/dossier CODE`: the status of one's dossier; without a code, one's dossiers."""
    text = inc.args.strip()
    if not text:
        await list_dossiers(ctx)
        return
    code = parse_dossier_code(text)
    if code is None:
        ctx.say("filing.bad_code", text=cut(text, 40))
        return
    filing = await Filings(ctx.session).by_code(code)
    if filing is None or not (filing.user_id == ctx.user.id
                              or can_act_in(ctx.user, filing.commune_id)):
        ctx.say("filing.code_unknown", code=code)
        return
    await show_status(ctx, filing)


async def list_dossiers(ctx: Context) -> None:
    filings = await Filings(ctx.session).with_code(ctx.user)
    if not filings:
        ctx.say("filing.no_dossiers")
        return
    ctx.reply(ctx.t("filing.dossiers_title"), [
        [Button(f"{f.dossier_code} · {cut(f.procedure_name, 24)}", DossierStatus(f.id))]
        for f in filings[:10]])


async def show_status(ctx: Context, filing: Filing) -> None:
    t = ctx.t
    lines = [t("filing.status_title", code=filing.dossier_code or "—"),
             t("filing.status_procedure", name=filing.procedure_name)]
    if filing.dossier_status:
        lines.append(t("filing.status_line", status=t(f"filing.status_{filing.dossier_status}"),
                       date=local_date(ctx, filing.status_at)))
        if filing.dossier_note:
            lines.append(t("filing.status_note", note=filing.dossier_note))
    else:
        lines.append(t("filing.status_none"))
    procedure = await Procedures(ctx.session).get(filing.procedure_code)
    if procedure is not None and filing.submitted_at and filing.dossier_status not in \
            FINAL_STATUSES:
        due = expected_date(await calendar_for(ctx.session, await _commune(ctx, filing)),
                            filing.submitted_at,
                            procedure.processing_days)
        if due is not None:
            lines.append(t("filing.status_expected", date=local_date(ctx, due)))
    lines.append(t("filing.status_portal"))
    rows: Keyboard = []
    if filing.user_id == ctx.user.id and filing.dossier_status in FINAL_STATUSES:
        rows.append([Button(t("filing.button_rate"), RateFiling(filing.id))])
    rows += home_row(ctx)
    ctx.reply("\n".join(lines), rows)


def rating_question(ctx: Context, filing: Filing,
                    index: int) -> tuple[str, Keyboard]:
    aspect = ASPECTS[index]
    text = ctx.t("filing.rate_question", n=index + 1, total=len(ASPECTS),
                 code=filing.dossier_code or filing.procedure_name,
                 aspect=ctx.t(f"filing.aspect_{aspect}"))
    scores = [Button(str(s), RateAspect(filing.id, index, s)) for s in range(1, 6)]
    return text, [scores, [Button(ctx.t("common.skip"), RateAspect(filing.id, index, 0))]]


# --- officials ----------------------------------------------------------------------------

async def on_dossier_status(inc: Incoming, ctx: Context) -> None:
    """`/dossier_status CODE STATUS [note]`, the status in the words the citizen is shown
    ("cần bổ sung", "đã có kết quả", with or without marks) or its code (`need_more`)."""
    parts = inc.args.split(maxsplit=1)
    status, rest = read_dossier_status(parts[1]) if len(parts) == 2 else (None, "")
    if status is None:
        ctx.say("filing.status_usage", statuses=", ".join(
            quoted(ctx.t(f"filing.status_{name}"), ctx.t.language) for name in DOSSIER_STATUSES))
        return
    code = parse_dossier_code(parts[0])
    if code is None:
        ctx.say("filing.bad_code", text=cut(parts[0], 40))
        return
    note = rest.strip()[:MAX_STATUS_NOTE] or None
    filing = await Filings(ctx.session).by_code(code)
    if filing is None:
        ctx.say("filing.status_code_unknown", code=code)
        return
    if not can_act_in(ctx.user, filing.commune_id):
        await ctx.audit.record(ctx.user, "filing.status", commune_id=filing.commune_id,
                               target=code, outcome="denied", status=status)
        ctx.say("errors.not_allowed")
        return
    Filings.set_status(filing, status, note or None, ctx.now)
    await ctx.audit.record(ctx.user, "filing.status", commune_id=filing.commune_id,
                           target=code, status=status)
    told = await notify_citizen(ctx, filing)
    ctx.say("filing.status_set", code=code, status=ctx.t(f"filing.status_{status}"))
    if not told:
        ctx.say("filing.status_not_told")


async def notify_citizen(ctx: Context, filing: Filing) -> bool:
    citizen = await ctx.users.get(filing.user_id) if filing.user_id else None
    if citizen is None:
        return False
    t = Translator(citizen.language)
    lines = [t("filing.notify", code=filing.dossier_code, name=filing.procedure_name,
               status=t(f"filing.status_{filing.dossier_status}"))]
    if filing.dossier_note:
        lines.append(t("filing.status_note", note=filing.dossier_note))
    if filing.dossier_status == "need_more":
        lines.append(t("filing.notify_need_more"))
    buttons = [[Button(t("filing.button_status"), DossierStatus(filing.id))]]
    if filing.dossier_status in FINAL_STATUSES:
        lines.append(t("filing.notify_rate"))
        buttons.insert(0, [Button(t("filing.button_rate"), RateFiling(filing.id))])
    await ctx.outbox.enqueue(citizen.channel, citizen.external_id, text="\n".join(lines),
                             buttons=keyboard_json(buttons))
    return True


async def on_funnel(inc: Incoming, ctx: Context) -> None:
    """`/filings`: walks per procedure, how far they got, for the official's commune."""
    commune_id = ctx.user.official_commune_id
    if commune_id is None and not is_admin(ctx.user):
        ctx.say("errors.not_allowed")
        return
    commune = await ctx.communes.get(commune_id) if commune_id else None
    rows = await Filings(ctx.session).funnel(commune_id)
    place = commune.name if commune else ctx.t("filing.funnel_all")
    if not rows:
        ctx.say("filing.funnel_empty", commune=place)
        return
    lines = [ctx.t("filing.funnel_title", commune=place), ctx.t("filing.funnel_legend"), ""]
    for row in rows:
        lines.append(ctx.t("filing.funnel_line", code=row.code, name=cut(row.name, 60),
                           started=row.started, s2=row.reached[1], s3=row.reached[2],
                           s4=row.reached[3], s5=row.reached[4], finished=row.finished))
    ctx.reply("\n".join(lines))


# --- helpers ------------------------------------------------------------------------------

def _walk(filing: Filing, action: WalkAction) -> Walk:
    """A button of the walk's current step."""
    return Walk(filing.id, step_of(filing), action)


async def _procedure(ctx: Context, filing: Filing) -> Procedure | None:
    procedure = await Procedures(ctx.session).get(filing.procedure_code)
    if procedure is None:  # withdrawn from the catalogue since the walk began
        ctx.state.clear()
        ctx.say("filing.unknown_procedure", home_row(ctx))
    return procedure


async def _commune(ctx: Context, filing: Filing | None) -> Commune | None:
    commune_id = (filing.commune_id if filing else None) or ctx.user.commune_id
    return await ctx.communes.get(commune_id) if commune_id else None


def register(router: Router) -> None:
    router.button(StartFiling)(on_start)
    router.button(Walk)(on_walk)
    router.button(TickPaper)(on_tick)
    router.button(ResumeFiling)(on_resume)
    router.button(MuteReminders)(on_mute)
    router.button(DossierStatus)(on_status)
    router.button(RateFiling)(on_rate)
    router.button(RateAspect)(on_rated)
    router.button(MyDossiers)(on_my_dossiers)
    router.flow(FLOW)(on_text)
    router.menu_action("filing")(on_menu)
    router.command("dossier", "hoso")(on_dossier)
    router.command("dossier_status", role="official",
                   help_key="filing.help_status")(on_dossier_status)
    router.command("filings", role="official", help_key="filing.help_funnel")(on_funnel)
