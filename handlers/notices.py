"""Notices for the village groups: /announce walks an official through text or voice,
targets, priority, text/voice, when, preview and confirmation; /notices, /notice ID,
/cancel_notice ID and /edit_notice ID follow them up."""

from __future__ import annotations

from datetime import datetime

from handlers.context import Context
from handlers.router import Router
from handlers.types import Button, Incoming, callback_parts
from services.models import Commune
from services.notices import render
from services.notices.models import (
    MODES,
    PREPARING,
    PREVIEW,
    PRIORITIES,
    SCHEDULED,
    Notice,
)
from services.notices.schedule import (
    ScheduleError,
    check_cron,
    cron_weekdays,
    daily_cron,
    next_run,
    parse_local_datetime,
    parse_time,
    weekly_cron,
)
from services.notices.service import Notices, reason
from services.text import fold
from services.users import can_act_in

FLOW = "notice"
EDIT_FLOW = "notice_edit"


def _notices(ctx: Context) -> Notices:
    return Notices(ctx.session)


async def _commune(ctx: Context) -> Commune | None:
    commune_id = ctx.user.official_commune_id
    return await ctx.communes.get(commune_id) if commune_id is not None else None


def _cancel_row(ctx: Context) -> list[Button]:
    return [Button(ctx.t("common.cancel"), "nt:x")]


# --- /announce ------------------------------------------------------------------------------

async def announce(inc: Incoming, ctx: Context) -> None:
    commune = await _commune(ctx)
    if commune is None:
        ctx.say("notices.no_commune")
        return
    if not ctx.user.onboarded:  # typed text would go to onboarding first
        ctx.say("notices.start_first")
        return
    ctx.state.start(FLOW, "text", commune_id=commune.id, villages=[])
    ctx.reply(ctx.t("notices.ask_text"), [_cancel_row(ctx)])


async def on_flow(inc: Incoming, ctx: Context) -> None:
    step = ctx.state.step
    if step == "text":
        await _take_content(inc, ctx)
    elif step == "targets" and inc.text:
        await _type_targets(inc, ctx)
    elif step == "at" and inc.text:
        await _take_datetime(inc, ctx)
    elif step == "time" and inc.text:
        await _take_time(inc, ctx)
    elif step == "cron" and inc.text:
        await _take_cron(inc, ctx)
    else:
        ctx.say("notices.use_buttons")


async def _take_content(inc: Incoming, ctx: Context) -> None:
    text = (inc.text or "").strip()
    if inc.voice is not None and inc.voice.file_id:
        recording = {"channel": inc.channel, "file_id": inc.voice.file_id,
                     "mime": inc.voice.mime, "duration": _seconds(inc.voice.duration)}
        mode = "both" if text else "voice"
        ctx.state.go("targets", text=text, recording=recording, mode=mode)
    elif inc.photos or inc.document or inc.location:
        ctx.say("notices.text_or_voice")
        return
    elif not text:
        ctx.say("notices.empty")
        return
    else:
        ctx.state.go("targets", text=text, recording=None)
    await _ask_targets(ctx)


def _seconds(duration: object) -> int | None:
    """A duration as whole seconds (python-telegram-bot may hand over a timedelta)."""
    if duration is None:
        return None
    total = getattr(duration, "total_seconds", None)
    return round(total() if total else float(duration))  # type: ignore[arg-type]


async def _ask_targets(ctx: Context, *, edit: bool = False) -> None:
    commune = await ctx.communes.get(ctx.state.data["commune_id"])
    assert commune is not None
    chosen = set(ctx.state.data.get("villages") or [])
    rows = [[Button(ctx.t("notices.whole_commune", commune=commune.name), "nt:all")]]
    rows += [[Button(("✅ " if v.id in chosen else "▫️ ") + v.name, f"nt:tg:{v.id}")]
             for v in commune.villages]
    rows.append([Button(ctx.t("notices.targets_next"), "nt:next")])
    rows.append(_cancel_row(ctx))
    ctx.reply(ctx.t("notices.ask_targets"), rows, edit=edit)


async def _type_targets(inc: Incoming, ctx: Context) -> None:
    """Village names typed, separated by commas (channels without buttons)."""
    commune = await ctx.communes.get(ctx.state.data["commune_id"])
    assert commune is not None
    by_name = {fold(v.name): v.id for v in commune.villages}
    chosen = []
    for name in (inc.text or "").split(","):
        wanted = fold(name)
        if not wanted:
            continue
        found = by_name.get(wanted) or by_name.get(fold(f"thôn {name}"))
        if found is None:
            ctx.say("notices.unknown_village", name=name.strip())
            return
        chosen.append(found)
    ctx.state.update(villages=chosen)
    await _targets_done(ctx)


async def _targets_done(ctx: Context) -> None:
    data = ctx.state.data
    villages = data.get("villages") or []
    if not villages and not data.get("whole"):
        ctx.say("notices.pick_targets")
        return
    groups = await _notices(ctx).groups_for(data["commune_id"], villages)
    if not groups:
        ctx.say("notices.no_groups")
        return
    ctx.state.go("priority", group_count=len(groups))
    ctx.reply(ctx.t("notices.ask_priority", count=len(groups)), [
        [Button(ctx.t(f"notices.priority_{p}"), f"nt:p:{p}")] for p in PRIORITIES
    ] + [_cancel_row(ctx)])


async def _ask_mode(ctx: Context) -> None:
    if ctx.state.data.get("recording"):
        await _after_mode(ctx)
        return
    ctx.state.go("mode")
    ctx.reply(ctx.t("notices.ask_mode"), [
        [Button(ctx.t(f"notices.mode_{m}"), f"nt:m:{m}")] for m in MODES
    ] + [_cancel_row(ctx)])


async def _after_mode(ctx: Context) -> None:
    if ctx.state.data.get("priority") == "emergency":
        await _create(ctx, schedule="now")
        return
    ctx.state.go("when")
    ctx.reply(ctx.t("notices.ask_when"), [
        [Button(ctx.t("notices.when_now_button"), "nt:w:now")],
        [Button(ctx.t("notices.when_once_button"), "nt:w:once")],
        [Button(ctx.t("notices.when_repeat_button"), "nt:w:repeat")],
        _cancel_row(ctx),
    ])


async def _ask_days(ctx: Context, *, edit: bool = False) -> None:
    chosen = set(ctx.state.data.get("days") or [])
    rows = [[Button(("✅ " if d in chosen else "▫️ ") + ctx.t(f"notices.day_{d}"),
                    f"nt:d:{d}") for d in range(start, min(start + 4, 7))]
            for start in (0, 4)]
    rows.append([Button(ctx.t("notices.targets_next"), "nt:dn")])
    rows.append(_cancel_row(ctx))
    ctx.reply(ctx.t("notices.ask_days"), rows, edit=edit)


async def _take_datetime(inc: Incoming, ctx: Context) -> None:
    tz = await _timezone(ctx)
    try:
        moment = parse_local_datetime(inc.text or "", tz, ctx.now)
    except ScheduleError as error:
        ctx.say(error.key)
        return
    await _create(ctx, schedule="once", run_at=moment)


async def _take_time(inc: Incoming, ctx: Context) -> None:
    try:
        at = parse_time(inc.text or "")
    except ScheduleError as error:
        ctx.say(error.key)
        return
    data = ctx.state.data
    if data.get("repeat") == "weekly":
        cron = weekly_cron(at, data.get("days") or [])
    else:
        cron = daily_cron(at)
    await _create(ctx, schedule=data.get("repeat") or "daily", cron=cron)


async def _take_cron(inc: Incoming, ctx: Context) -> None:
    tz = await _timezone(ctx)
    try:
        cron = check_cron(inc.text or "", tz, ctx.now)
    except ScheduleError as error:
        ctx.say(error.key)
        return
    await _create(ctx, schedule="cron", cron=cron)


async def _timezone(ctx: Context) -> str:
    commune_id = ctx.state.data.get("commune_id") or ctx.user.official_commune_id
    commune = await ctx.communes.get(commune_id) if commune_id else None
    return commune.timezone if commune else ctx.config.timezone


async def _create(ctx: Context, *, schedule: str, run_at: datetime | None = None,
                  cron: str | None = None) -> None:
    data = ctx.state.data
    notice = await _notices(ctx).create(
        ctx.user, data["commune_id"], text=data.get("text") or "",
        recording=data.get("recording"), village_ids=data.get("villages") or [],
        priority=data.get("priority") or "normal", mode=data.get("mode") or "text",
        schedule=schedule, cron=cron, run_at=run_at, now=ctx.now)
    ctx.state.clear()
    await ctx.audit.record(ctx.user, "notice_create", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}")
    await _show_preview(ctx, notice)


async def _show_preview(ctx: Context, notice: Notice) -> None:
    if notice.status == PREPARING:
        ctx.say("notices.preparing", id=notice.id)
        return
    text, buttons = await _notices(ctx).preview(notice, ctx.user, ctx.now)
    ctx.reply(text, [[Button(label, data) for label, data in row] for row in buttons])


# --- buttons --------------------------------------------------------------------------------

async def on_button(inc: Incoming, ctx: Context) -> None:
    _, action, value, extra = callback_parts(inc, 4)
    if action in ("ok", "no", "e"):
        await _notice_button(ctx, action, value, extra)
        return
    if action == "x":
        ctx.state.clear()
        ctx.say("notices.cancelled_draft")
        return
    if ctx.state.flow != FLOW:
        ctx.say("errors.stale_button")
        return
    step = ctx.state.step
    if action == "all" and step == "targets":
        ctx.state.update(villages=[], whole=True)
        await _targets_done(ctx)
    elif action == "tg" and step == "targets" and value.isdigit():
        await _toggle_village(ctx, int(value))
    elif action == "next" and step == "targets":
        await _targets_done(ctx)
    elif action == "p" and step == "priority" and value in PRIORITIES:
        ctx.state.update(priority=value)
        await _ask_mode(ctx)
    elif action == "m" and step == "mode" and value in MODES:
        ctx.state.update(mode=value)
        await _after_mode(ctx)
    elif action == "w" and step == "when":
        await _when(ctx, value)
    elif action == "r" and step == "repeat":
        await _repeat(ctx, value)
    elif action == "d" and step == "days" and value.isdigit() and int(value) < 7:
        days = set(ctx.state.data.get("days") or []) ^ {int(value)}
        ctx.state.update(days=sorted(days))
        await _ask_days(ctx, edit=True)
    elif action == "dn" and step == "days":
        if not ctx.state.data.get("days"):
            ctx.say("notices.no_days")
            return
        ctx.state.go("time")
        ctx.say("notices.ask_time")
    else:
        ctx.say("errors.stale_button")


async def _toggle_village(ctx: Context, village_id: int) -> None:
    commune = await ctx.communes.get(ctx.state.data["commune_id"])
    if commune is None or village_id not in {v.id for v in commune.villages}:
        ctx.say("notices.unknown_village", name=f"#{village_id}")
        return
    chosen = set(ctx.state.data.get("villages") or []) ^ {village_id}
    ctx.state.update(villages=sorted(chosen), whole=False)
    await _ask_targets(ctx, edit=True)


async def _when(ctx: Context, value: str) -> None:
    if value == "now":
        await _create(ctx, schedule="now")
    elif value == "once":
        ctx.state.go("at")
        ctx.say("notices.ask_datetime")
    elif value == "repeat":
        ctx.state.go("repeat")
        ctx.reply(ctx.t("notices.ask_repeat"), [
            [Button(ctx.t("notices.repeat_daily"), "nt:r:daily")],
            [Button(ctx.t("notices.repeat_weekly"), "nt:r:weekly")],
            [Button(ctx.t("notices.repeat_cron"), "nt:r:cron")],
            _cancel_row(ctx),
        ])
    else:
        ctx.say("errors.stale_button")


async def _repeat(ctx: Context, value: str) -> None:
    if value == "daily":
        ctx.state.go("time", repeat="daily")
        ctx.say("notices.ask_time")
    elif value == "weekly":
        ctx.state.go("days", repeat="weekly", days=[])
        await _ask_days(ctx)
    elif value == "cron":
        ctx.state.go("cron", repeat="cron")
        ctx.say("notices.ask_cron")
    else:
        ctx.say("errors.stale_button")


async def _own_notice(ctx: Context, ref: str) -> Notice | None:
    """The notice with this id if the user may act on it; answers otherwise."""
    number = ref.strip().lstrip("#")
    notice = await _notices(ctx).get(int(number)) if number.isdigit() else None
    if notice is None:
        ctx.say("notices.not_found", ref=ref.strip() or "?")
        return None
    if not can_act_in(ctx.user, notice.commune_id):
        await ctx.audit.record(ctx.user, "notice_access", commune_id=notice.commune_id,
                               target=f"notice:{notice.id}", outcome="denied")
        ctx.say("notices.not_yours")
        return None
    return notice


async def _notice_button(ctx: Context, action: str, value: str, extra: str) -> None:
    notice = await _own_notice(ctx, value)
    if notice is None:
        return
    if action == "e":
        await _start_edit(ctx, notice, extra)
        return
    if notice.status != PREVIEW:
        ctx.say(_status_answer(notice))
        return
    if action == "no":
        await _notices(ctx).cancel(notice, ctx.now)
        ctx.say("notices.discarded", id=notice.id)
        return
    try:
        run = await _notices(ctx).confirm(notice, ctx.now)
    except ScheduleError as error:
        ctx.say(error.key)
        ctx.say("notices.edit_hint", id=notice.id)
        return
    await ctx.audit.record(ctx.user, "notice_confirm", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}", priority=notice.priority)
    if notice.schedule == "now":
        ctx.say("notices.sending", id=notice.id, count=run.groups if run else 0)
    else:
        commune = await _notices(ctx).commune(notice.commune_id)
        ctx.say("notices.scheduled", id=notice.id,
                when=render.local_datetime(notice.next_run_at, commune.timezone))


def _status_answer(notice: Notice) -> str:
    if notice.status == PREPARING:
        return "notices.still_preparing"
    if notice.status == SCHEDULED:
        return "notices.already_confirmed"
    return "notices.not_open"


# --- follow-up ------------------------------------------------------------------------------

async def list_notices(inc: Incoming, ctx: Context) -> None:
    commune_id = ctx.user.official_commune_id
    notices = await _notices(ctx).open_for(commune_id)
    if not notices:
        ctx.say("notices.none_open")
        return
    lines = [ctx.t("notices.list_title")]
    for notice in notices[:30]:
        commune = await _notices(ctx).commune(notice.commune_id)
        lines.append(ctx.t(
            "notices.list_line", id=notice.id, status=ctx.t(f"notices.status_{notice.status}"),
            when=render.when_label(ctx.t, notice, commune.timezone),
            next=render.local_datetime(notice.next_run_at, commune.timezone),
            excerpt=_excerpt(notice)))
    lines.append(ctx.t("notices.list_hint"))
    ctx.reply("\n".join(lines))


def _excerpt(notice: Notice) -> str:
    text = " ".join(notice.text.split()) or "🎙"
    return text if len(text) <= 40 else text[:39] + "…"


async def show_notice(inc: Incoming, ctx: Context) -> None:
    if not inc.args.strip():
        ctx.say("notices.usage_notice")
        return
    notice = await _own_notice(ctx, inc.args)
    if notice is None:
        return
    notices = _notices(ctx)
    commune = await notices.commune(notice.commune_id)
    lines = [render.summary(ctx.t, notice, commune, commune.timezone),
             ctx.t("notices.status_line", status=ctx.t(f"notices.status_{notice.status}")),
             "", _excerpt(notice)]
    runs = await notices.runs(notice.id)
    if not runs:
        lines.append(ctx.t("notices.no_runs"))
    for run in runs[:1]:
        lines.append(ctx.t("notices.run_title", when=render.local_datetime(
            run.occurrence_at, commune.timezone), status=ctx.t(f"notices.run_{run.status}")))
        marks = {"sent": "✅", "pending": "⏳", "failed": "❌"}
        for group in await notices.group_statuses(notice.id, run.id):
            line = f"{marks[group.status]} {group.chat.title or group.chat.chat_id}"
            if group.error:
                line += f" — {reason(ctx.t, group.error)}"
            lines.append(line)
    if len(runs) > 1:
        lines.append(ctx.t("notices.earlier_runs", count=len(runs) - 1))
    ctx.reply("\n".join(lines))


async def cancel_notice(inc: Incoming, ctx: Context) -> None:
    if not inc.args.strip():
        ctx.say("notices.usage_cancel")
        return
    notice = await _own_notice(ctx, inc.args)
    if notice is None:
        return
    if notice.status not in (PREPARING, PREVIEW, SCHEDULED):
        ctx.say("notices.not_open")
        return
    dropped = await _notices(ctx).cancel(notice, ctx.now)
    await ctx.audit.record(ctx.user, "notice_cancel", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}", dropped=dropped)
    ctx.say("notices.cancelled", id=notice.id)


async def edit_notice(inc: Incoming, ctx: Context) -> None:
    if not inc.args.strip():
        ctx.say("notices.usage_edit")
        return
    notice = await _own_notice(ctx, inc.args)
    if notice is None:
        return
    if notice.status not in (PREVIEW, SCHEDULED):
        ctx.say(_status_answer(notice))
        return
    rows = [[Button(ctx.t("notices.edit_text"), f"nt:e:{notice.id}:text")]]
    if notice.schedule != "now":
        rows.append([Button(ctx.t("notices.edit_time"), f"nt:e:{notice.id}:time")])
    ctx.reply(ctx.t("notices.edit_what", id=notice.id), [*rows, _cancel_row(ctx)])


async def _start_edit(ctx: Context, notice: Notice, what: str) -> None:
    if notice.status not in (PREVIEW, SCHEDULED):
        ctx.say(_status_answer(notice))
        return
    if what == "text":
        ctx.state.start(EDIT_FLOW, "text", notice_id=notice.id)
        ctx.say("notices.ask_new_text")
    elif what == "time" and notice.schedule != "now":
        ctx.state.start(EDIT_FLOW, "time", notice_id=notice.id)
        key = {"once": "notices.ask_datetime", "cron": "notices.ask_cron"}.get(
            notice.schedule, "notices.ask_time")
        ctx.say(key)
    else:
        ctx.say("errors.stale_button")


async def on_edit_flow(inc: Incoming, ctx: Context) -> None:
    notice = await _notices(ctx).get(int(ctx.state.data.get("notice_id") or 0))
    if notice is None or notice.status not in (PREVIEW, SCHEDULED) \
            or not can_act_in(ctx.user, notice.commune_id):
        ctx.state.clear()
        ctx.say("notices.not_open")
        return
    text = (inc.text or "").strip()
    if not text:
        ctx.say("notices.empty")
        return
    if ctx.state.step == "text":
        await _notices(ctx).edit_text(notice, text, ctx.now)
        ctx.state.clear()
        await ctx.audit.record(ctx.user, "notice_edit_text", commune_id=notice.commune_id,
                               target=f"notice:{notice.id}")
        ctx.say("notices.text_changed", id=notice.id)
        await _show_preview(ctx, notice)
        return
    await _edit_time(ctx, notice, text)


async def _edit_time(ctx: Context, notice: Notice, text: str) -> None:
    commune = await _notices(ctx).commune(notice.commune_id)
    tz = commune.timezone
    try:
        if notice.schedule == "once":
            notice.run_at = parse_local_datetime(text, tz, ctx.now)
        elif notice.schedule == "cron":
            notice.cron = check_cron(text, tz, ctx.now)
        elif notice.schedule == "weekly":
            notice.cron = weekly_cron(parse_time(text), cron_weekdays(notice.cron or ""))
        else:
            notice.cron = daily_cron(parse_time(text))
    except ScheduleError as error:
        ctx.say(error.key)
        return
    if notice.status == SCHEDULED:
        notice.next_run_at = notice.run_at if notice.schedule == "once" \
            else next_run(notice.cron or "", tz, ctx.now)
    notice.updated_at = ctx.now
    ctx.state.clear()
    await ctx.audit.record(ctx.user, "notice_edit_time", commune_id=notice.commune_id,
                           target=f"notice:{notice.id}")
    ctx.say("notices.time_changed", id=notice.id,
            when=render.when_label(ctx.t, notice, tz))


def register(router: Router) -> None:
    router.command("announce", role="official", help_key="notices.help_announce")(announce)
    router.command("notices", role="official", help_key="notices.help_notices")(list_notices)
    router.command("notice", role="official", help_key="notices.help_notice")(show_notice)
    router.command("cancel_notice", role="official",
                   help_key="notices.help_cancel")(cancel_notice)
    router.command("edit_notice", role="official", help_key="notices.help_edit")(edit_notice)
    router.callback("nt")(on_button)
    router.flow(FLOW)(on_flow)
    router.flow(EDIT_FLOW)(on_edit_flow)
