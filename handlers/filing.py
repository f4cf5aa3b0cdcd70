"""The guided online filing on the National Public Service Portal (dichvucong.gov.vn).

Five steps, "Bước k/5" always shown: 1 account (VNeID level 2), 2 find the procedure and tick
the papers, 3 fill in the e-form, 4 submit and type the dossier code, 5 pay and receive. Back,
skip and cancel at every step (Back at step 1 shows the procedure's card; cancel asks
first). The walk is a `filings` row; the conversation only holds its
id, so a walk survives restarts and can be resumed days later from the menu or a reminder.

Buttons carry the filing id and the step they belong to (`fl:<action>:<filing id>:<step>`):
a button of another walk or of an earlier step gets a clear answer and changes nothing.
After the walk: `/dossier CODE` for the status, `/dossier_status` for officials (the citizen
is told), a SIPAS rating once the result is ready, and `/filings`, the funnel per procedure.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.format import local_date, money
from handlers.procedures import where
from handlers.router import Router
from handlers.types import Button, Incoming, callback_parts
from locales import Translator
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
    calendar_for,
    can_file_online,
    expected_date,
    parse_dossier_code,
)
from services.models import Commune
from services.procedures.procedure import Document, Procedure
from services.procedures.store import Procedures
from services.users import can_act_in, is_admin

FLOW = "filing"
PREFIX = "fl"
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
    rows: list[list[Button]] = []
    lines = []
    unfinished = await service.unfinished(ctx.user)
    if unfinished:
        lines.append(ctx.t("filing.menu_unfinished"))
        for filing in unfinished:
            lines.append(ctx.t("filing.menu_line", name=filing.procedure_name,
                               step=filing.step, steps=STEPS,
                               date=local_date(ctx, filing.updated_at)))
            rows.append([Button(ctx.t("filing.button_resume_named",
                                      name=_cut(filing.procedure_name, LABEL_CHARS)),
                                f"{PREFIX}:resume:{filing.id}")])
        lines.append("")
    lines.append(ctx.t("filing.menu_how"))
    walking = {f.procedure_code for f in unfinished}
    for procedure in await suggested(ctx):
        if procedure.code in walking:
            continue
        rows.append([Button(_cut(procedure.name, LABEL_CHARS + 10),
                            f"{PREFIX}:start:{procedure.code}")])
    if await service.with_code(ctx.user):
        rows.append([Button(ctx.t("filing.button_my_dossiers"), f"{PREFIX}:mine")])
    rows.append([Button(ctx.t("common.back_to_menu"), "menu:home")])
    ctx.reply("\n".join(lines), rows)


async def suggested(ctx: Context) -> list[Procedure]:
    """Everyday procedures that can be filed online, then the fully online ones."""
    catalogue = {p.code: p for p in await Procedures(ctx.session).all()}
    chosen = [catalogue[c] for c in POPULAR if c in catalogue and can_file_online(catalogue[c])]
    chosen += [p for p in catalogue.values() if p.fully_online and p not in chosen]
    return chosen[:MAX_SUGGESTED]


async def start(ctx: Context, code: str) -> None:
    procedure = await Procedures(ctx.session).get(code)
    if procedure is None:
        ctx.say("filing.unknown_procedure", _home(ctx))
        return
    if not can_file_online(procedure):
        commune = await _commune(ctx, None)
        ctx.reply(ctx.t("filing.not_online", name=procedure.name) + "\n\n"
                  + where(ctx.t, commune), [
                      [Button(ctx.t("filing.button_card"), f"pr:card:{procedure.code}")],
                      [Button(ctx.t("common.back_to_menu"), "menu:home")]])
        return
    filing, created = await Filings(ctx.session).start(ctx.user, procedure, ctx.now)
    if not created:
        ctx.say("filing.already_started", step=filing.step, steps=STEPS)
    await enter(ctx, filing, procedure)


async def enter(ctx: Context, filing: Filing, procedure: Procedure | None = None) -> None:
    """Make `filing` the current walk and show its step."""
    ctx.state.start(FLOW, str(filing.step), filing_id=filing.id)
    await show_step(ctx, filing, procedure)


# --- buttons ------------------------------------------------------------------------------

async def on_button(inc: Incoming, ctx: Context) -> None:
    _, action, first, second = callback_parts(inc, 4)
    if action == "start":
        await start(ctx, first)
        return
    if action == "mine":
        await list_dossiers(ctx)
        return
    if not first.isdigit():
        ctx.say("errors.stale_button")
        return
    filing = await Filings(ctx.session).get(int(first))
    if filing is None or filing.user_id != ctx.user.id:
        ctx.say("errors.stale_button")
        return
    if action in OWNER_ACTIONS:
        await OWNER_ACTIONS[action](ctx, filing, second)
        return
    handler = WALK_ACTIONS.get(action)
    if handler is None:
        ctx.say("errors.stale_button")
        return
    if await current_walk(ctx, filing, second if action != "tick" else "2"):
        await handler(ctx, filing, second)


async def current_walk(ctx: Context, filing: Filing, step: str) -> bool:
    """Whether a walk button may act: its walk is open and current, and its step is now."""
    if filing.status != ACTIVE:
        ctx.say("filing.walk_finished" if filing.status == FINISHED else "filing.walk_cancelled",
                _home(ctx))
        return False
    current = ctx.state.data.get("filing_id") if ctx.state.flow == FLOW else None
    if current is not None and current != filing.id:
        other = await Filings(ctx.session).get(current)
        if other is not None and other.status == ACTIVE and other.user_id == ctx.user.id:
            ctx.reply(ctx.t("filing.other_walk", name=filing.procedure_name,
                            current=other.procedure_name, step=other.step, steps=STEPS), [
                [Button(ctx.t("filing.button_continue_named",
                              name=_cut(other.procedure_name, LABEL_CHARS)),
                        f"{PREFIX}:show:{other.id}:{other.step}")],
                [Button(ctx.t("filing.button_resume_named",
                              name=_cut(filing.procedure_name, LABEL_CHARS)),
                        f"{PREFIX}:resume:{filing.id}")]])
            return False
    if current != filing.id:  # no walk running: a button of a paused walk takes it up again
        ctx.state.start(FLOW, str(filing.step), filing_id=filing.id)
    if step != str(filing.step):
        ctx.say("filing.old_step", step=filing.step, steps=STEPS)
        await show_step(ctx, filing)
        return False
    return True


async def on_next(ctx: Context, filing: Filing, _: str) -> None:
    if filing.step == 2:
        missing = await missing_papers(ctx, filing)
        if missing:
            ctx.reply("\n".join([ctx.t("filing.missing_warning", count=len(missing)),
                                 *(f"☐ {_cut(d.name, NOTE_CHARS)}" for d in missing),
                                 "", ctx.t("filing.missing_may_continue")]), [
                [Button(ctx.t("filing.button_prepare_more"), f"{PREFIX}:show:{filing.id}:2")],
                [Button(ctx.t("filing.button_continue_anyway"), f"{PREFIX}:go:{filing.id}:2")]])
            return
    if filing.step == STEPS:
        await finish(ctx, filing)
        return
    await go_to(ctx, filing, filing.step + 1)


async def on_go(ctx: Context, filing: Filing, _: str) -> None:
    await go_to(ctx, filing, filing.step + 1)


async def on_skip(ctx: Context, filing: Filing, _: str) -> None:
    if filing.step == STEPS:
        await finish(ctx, filing)
        return
    await go_to(ctx, filing, filing.step + 1, skipped=True)


async def on_back(ctx: Context, filing: Filing, _: str) -> None:
    await go_to(ctx, filing, filing.step - 1)


async def on_show(ctx: Context, filing: Filing, _: str) -> None:
    await show_step(ctx, filing)


async def on_help(ctx: Context, filing: Filing, _: str) -> None:
    commune = await _commune(ctx, filing)
    ctx.reply(digital_team(ctx.t, commune),
              [[Button(ctx.t("filing.button_back_to_step", step=filing.step),
                       f"{PREFIX}:show:{filing.id}:{filing.step}")]])


async def on_tick(ctx: Context, filing: Filing, value: str) -> None:
    procedure = await _procedure(ctx, filing)
    if procedure is None:
        return
    indexes = {i for i, _ in required_papers(procedure)}
    if not value.isdigit() or int(value) not in indexes:
        ctx.say("errors.stale_button")
        return
    Filings.toggle(filing, int(value), ctx.now)
    text, rows = step_view(ctx, filing, procedure, None)
    ctx.reply(text, rows, edit=True)


async def on_cancel(ctx: Context, filing: Filing, _: str) -> None:
    ctx.reply(ctx.t("filing.cancel_confirm", name=filing.procedure_name), [
        [Button(ctx.t("filing.button_cancel_yes"), f"{PREFIX}:drop:{filing.id}:{filing.step}")],
        [Button(ctx.t("filing.button_cancel_no"), f"{PREFIX}:show:{filing.id}:{filing.step}")]])


async def on_drop(ctx: Context, filing: Filing, _: str) -> None:
    Filings.cancel(filing, ctx.now)
    ctx.state.clear()
    ctx.say("filing.cancelled", _home(ctx))


WALK_ACTIONS = {
    "next": on_next, "go": on_go, "skip": on_skip, "back": on_back, "show": on_show,
    "help": on_help, "tick": on_tick, "cancel": on_cancel, "drop": on_drop,
}


async def on_resume(ctx: Context, filing: Filing, _: str) -> None:
    if filing.status != ACTIVE:
        ctx.say("filing.walk_finished" if filing.status == FINISHED else "filing.walk_cancelled",
                _home(ctx))
        return
    filing.updated_at = ctx.now
    ctx.say("filing.resumed", name=filing.procedure_name, step=filing.step, steps=STEPS)
    await enter(ctx, filing)


async def on_mute(ctx: Context, filing: Filing, _: str) -> None:
    filing.reminders_off = True
    ctx.say("filing.muted", _home(ctx))


async def on_status(ctx: Context, filing: Filing, _: str) -> None:
    await show_status(ctx, filing)


async def on_rate(ctx: Context, filing: Filing, _: str) -> None:
    if filing.dossier_status not in FINAL_STATUSES:
        ctx.say("filing.rate_not_yet")
        return
    ctx.reply(*rating_question(ctx, filing, 0))


async def on_rated(ctx: Context, filing: Filing, value: str) -> None:
    """`fl:rt:<id>:<aspect index>.<score>`; score 0 skips the aspect."""
    index, _, score = value.partition(".")
    if filing.dossier_status not in FINAL_STATUSES or not index.isdigit() \
            or int(index) >= len(ASPECTS) or score not in {"0", "1", "2", "3", "4", "5"}:
        ctx.say("errors.stale_button")
        return
    if score != "0":
        await Filings(ctx.session).rate(filing, ASPECTS[int(index)], int(score), ctx.now)
    following = int(index) + 1
    if following < len(ASPECTS):
        text, rows = rating_question(ctx, filing, following)
        ctx.reply(text, rows, edit=True)
    else:
        ctx.reply(ctx.t("filing.rate_thanks"), _home(ctx), edit=True)


OWNER_ACTIONS = {
    "resume": on_resume, "mute": on_mute, "status": on_status, "rate": on_rate, "rt": on_rated,
}


# --- typed text during a walk -------------------------------------------------------------

async def on_text(inc: Incoming, ctx: Context) -> None:
    filing = await Filings(ctx.session).get(ctx.state.data.get("filing_id") or 0)
    if filing is None or filing.user_id != ctx.user.id or filing.status != ACTIVE:
        ctx.state.clear()
        ctx.say("filing.walk_gone", _home(ctx))
        return
    if filing.step == 4 and inc.text and not (inc.photos or inc.document):
        await take_code(ctx, filing, inc.text)
        return
    ctx.say("filing.use_buttons", step=filing.step, steps=STEPS)


async def take_code(ctx: Context, filing: Filing, text: str) -> None:
    code = parse_dossier_code(text)
    if code is None:
        ctx.say("filing.bad_code", text=_cut(text.strip(), 40))
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
    Filings.move(filing, step, ctx.now, skipped=skipped)
    ctx.state.go(str(filing.step), filing_id=filing.id)
    await show_step(ctx, filing)


async def show_step(ctx: Context, filing: Filing, procedure: Procedure | None = None) -> None:
    procedure = procedure or await _procedure(ctx, filing)
    if procedure is None:
        return
    commune = await _commune(ctx, filing) if filing.step == 5 else None
    text, rows = step_view(ctx, filing, procedure, commune)
    ctx.reply(text, rows)


def step_view(ctx: Context, filing: Filing, procedure: Procedure,
              commune: Commune | None) -> tuple[str, list[list[Button]]]:
    t, step = ctx.t, filing.step
    header = t("filing.header", name=procedure.name, step=step, steps=STEPS,
               title=t(f"filing.step_{step}_title"))
    rows: list[list[Button]] = []
    if step == 1:
        body = t("filing.step_1_text")
        rows.append([Button(t("filing.button_have_account"), _data("next", filing))])
        rows.append([Button(t("filing.button_need_help"), _data("help", filing))])
    elif step == 2:
        body = checklist_text(t, filing, procedure)
        # The button of paper n reads like line n of the list above, without the number: on
        # Zalo and the console the buttons are numbered themselves, in the same order.
        for index, paper in required_papers(procedure):
            mark = "☑" if index in filing.checklist else "☐"
            rows.append([Button(f"{mark} {_cut(paper.name, LABEL_CHARS)}",
                                f"{PREFIX}:tick:{filing.id}:{index}")])
        rows.append([Button(t("filing.button_papers_ready"), _data("next", filing))])
    elif step == 3:
        body = t("filing.step_3_text") + "\n\n" + t(f"filing.tips_{tips_for(procedure)}") \
            + "\n\n" + t("filing.step_3_store")
        rows.append([Button(t("filing.button_declared"), _data("next", filing))])
    elif step == 4:
        body = t("filing.step_4_text")
        if filing.dossier_code:
            body += "\n\n" + t("filing.code_kept", code=filing.dossier_code)
            rows.append([Button(t("filing.button_keep_code"), _data("next", filing))])
    else:
        body = pay_and_receive(ctx, filing, procedure, commune)
        rows.append([Button(t("filing.button_finish"), _data("next", filing))])
    nav = [Button(t("common.back"), _data("back", filing) if step > 1
                  else f"pr:card:{procedure.code}")]
    if step < STEPS:
        nav.append(Button(t("common.skip"), _data("skip", filing)))
    rows.append(nav)
    rows.append([Button(t("filing.button_cancel"), _data("cancel", filing))])
    return f"{header}\n\n{body}", rows


def checklist_text(t: Translator, filing: Filing, procedure: Procedure) -> str:
    lines = [t("filing.step_2_find", code=procedure.code, name=procedure.name,
               agency=procedure.agency or "—"), ""]
    required = required_papers(procedure)
    if required:
        lines.append(t("filing.checklist_title"))
        for number, (index, paper) in enumerate(required, start=1):
            mark = "☑" if index in filing.checklist else "☐"
            lines.append(f"{mark} {number}. {_cut(paper.name, NOTE_CHARS)}"
                         f"{quantity(t, paper)}")
        ready = sum(1 for index, _ in required if index in filing.checklist)
        lines.append(t("filing.checklist_count", ready=ready, total=len(required)))
    else:
        lines.append(t("filing.checklist_none"))
    optional = [d for d in procedure.documents if not d.required]
    if optional:
        lines.append("")
        lines.append(t("filing.checklist_optional"))
        lines += [f"• {_cut(d.name, NOTE_CHARS)}" for d in optional]
    lines += ["", t("filing.photo_tips")]
    return "\n".join(lines)


def pay_and_receive(ctx: Context, filing: Filing, procedure: Procedure,
                    commune: Commune | None) -> str:
    t = ctx.t
    lines = [fee_lines(t, procedure), "", t("filing.receive"), ""]
    days = procedure.processing_days
    due = expected_date(calendar_for(commune), filing.submitted_at or ctx.now, days)
    if due is None:
        lines.append(t("filing.expected_by_rule"))
    else:
        lines.append(t("filing.expected", date=local_date(ctx, due),
                       days=f"{days:g}" if t.language == "en" else f"{days:g}".replace(".", ",")))
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
        text = t("filing.fee_online", amount=money(fee.amount_vnd))
    lines = [text]
    if fee.note.strip():
        lines.append(t("filing.fee_note", note=_cut(fee.note.strip(), NOTE_CHARS)))
    desk = [f.amount_vnd for f in procedure.fees_for("desk") if f.amount_vnd is not None]
    web = [f.amount_vnd for f in online if f.amount_vnd is not None]
    if desk and web and max(web) < min(desk):
        lines.append(t("filing.fee_cheaper", desk=money(min(desk))))
    if not all(f.amount_vnd == 0 for f in online):
        lines.append(t("filing.how_to_pay"))
    return "\n".join(lines)


def quantity(t: Translator, paper: Document) -> str:
    counts = []
    if paper.original:
        counts.append(t("filing.qty_original", count=paper.original))
    if paper.copy:
        counts.append(t("filing.qty_copy", count=paper.copy))
    return f" ({', '.join(counts)})" if counts else ""


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
            [Button(ctx.t("filing.button_status"), f"{PREFIX}:status:{filing.id}")],
            *_home(ctx)], code=filing.dossier_code)
    else:
        ctx.say("filing.finished_without_code", _home(ctx))


# --- the dossier after the walk -----------------------------------------------------------

async def on_dossier(inc: Incoming, ctx: Context) -> None:
    """`/dossier CODE`: the status of one's dossier; without a code, one's dossiers."""
    text = inc.args.strip()
    if not text:
        await list_dossiers(ctx)
        return
    code = parse_dossier_code(text)
    if code is None:
        ctx.say("filing.bad_code", text=_cut(text, 40))
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
        [Button(f"{f.dossier_code} · {_cut(f.procedure_name, 24)}", f"{PREFIX}:status:{f.id}")]
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
        due = expected_date(calendar_for(await _commune(ctx, filing)), filing.submitted_at,
                            procedure.processing_days)
        if due is not None:
            lines.append(t("filing.status_expected", date=local_date(ctx, due)))
    lines.append(t("filing.status_portal"))
    rows = []
    if filing.user_id == ctx.user.id and filing.dossier_status in FINAL_STATUSES:
        rows.append([Button(t("filing.button_rate"), f"{PREFIX}:rate:{filing.id}")])
    rows.append([Button(t("common.back_to_menu"), "menu:home")])
    ctx.reply("\n".join(lines), rows)


def rating_question(ctx: Context, filing: Filing,
                    index: int) -> tuple[str, list[list[Button]]]:
    aspect = ASPECTS[index]
    text = ctx.t("filing.rate_question", n=index + 1, total=len(ASPECTS),
                 code=filing.dossier_code or filing.procedure_name,
                 aspect=ctx.t(f"filing.aspect_{aspect}"))
    scores = [Button(str(s), f"{PREFIX}:rt:{filing.id}:{index}.{s}") for s in range(1, 6)]
    return text, [scores, [Button(ctx.t("common.skip"), f"{PREFIX}:rt:{filing.id}:{index}.0")]]


# --- officials ----------------------------------------------------------------------------

async def on_dossier_status(inc: Incoming, ctx: Context) -> None:
    """`/dossier_status CODE received|need_more|processing|ready|returned [note]`."""
    parts = inc.args.split(maxsplit=2)
    if len(parts) < 2 or parts[1].lower() not in DOSSIER_STATUSES:
        ctx.say("filing.status_usage", statuses="|".join(DOSSIER_STATUSES))
        return
    code = parse_dossier_code(parts[0])
    if code is None:
        ctx.say("filing.bad_code", text=_cut(parts[0], 40))
        return
    status, note = parts[1].lower(), (parts[2].strip()[:MAX_STATUS_NOTE] if len(parts) > 2
                                      else None)
    filing = await Filings(ctx.session).by_code(code)
    if filing is None:
        ctx.say("filing.code_unknown", code=code)
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
    buttons = [[{"text": t("filing.button_status"), "data": f"{PREFIX}:status:{filing.id}"}]]
    if filing.dossier_status in FINAL_STATUSES:
        lines.append(t("filing.notify_rate"))
        buttons.insert(0, [{"text": t("filing.button_rate"), "data": f"{PREFIX}:rate:{filing.id}"}])
    await ctx.outbox.enqueue(citizen.channel, citizen.external_id, text="\n".join(lines),
                             buttons=buttons)
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
        lines.append(ctx.t("filing.funnel_line", code=row.code, name=_cut(row.name, 60),
                           started=row.started, s2=row.reached[1], s3=row.reached[2],
                           s4=row.reached[3], s5=row.reached[4], finished=row.finished))
    ctx.reply("\n".join(lines))


# --- helpers ------------------------------------------------------------------------------

def _data(action: str, filing: Filing) -> str:
    return f"{PREFIX}:{action}:{filing.id}:{filing.step}"


async def _procedure(ctx: Context, filing: Filing) -> Procedure | None:
    procedure = await Procedures(ctx.session).get(filing.procedure_code)
    if procedure is None:  # withdrawn from the catalogue since the walk began
        ctx.state.clear()
        ctx.say("filing.unknown_procedure", _home(ctx))
    return procedure


async def _commune(ctx: Context, filing: Filing | None) -> Commune | None:
    commune_id = (filing.commune_id if filing else None) or ctx.user.commune_id
    return await ctx.communes.get(commune_id) if commune_id else None


def _home(ctx: Context) -> list[list[Button]]:
    return [[Button(ctx.t("common.back_to_menu"), "menu:home")]]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def register(router: Router) -> None:
    router.callback(PREFIX)(on_button)
    router.flow(FLOW)(on_text)
    router.menu_action("filing")(on_menu)
    router.command("dossier", "hoso")(on_dossier)
    router.command("dossier_status", role="official",
                   help_key="filing.help_status")(on_dossier_status)
    router.command("filings", role="official", help_key="filing.help_funnel")(on_funnel)
