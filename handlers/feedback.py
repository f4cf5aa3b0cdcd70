"""The citizen's side of feedback: write a report (category, description or voice, photos,
place, urgency, anonymity), follow a similar one instead, see one's reports, rate the result."""

from __future__ import annotations

from handlers.context import Context
from handlers.format import local_date, local_datetime
from handlers.router import Router
from handlers.types import Button, Incoming, buttons_in_rows, callback_parts
from services.feedback.categories import categories_for, category_name, category_of
from services.feedback.models import FeedbackEvent, FeedbackReport
from services.feedback.service import (
    HOURLY_LIMIT,
    MAX_FILE_BYTES,
    MAX_PHOTOS,
    MAX_TEXT,
    Draft,
    FeedbackError,
    FeedbackReports,
)

FLOW = "feedback"
RATING_FLOW = "feedback_rating"
ADDRESS_MAX = 500


def service(ctx: Context) -> FeedbackReports:
    return FeedbackReports(ctx.session)


def draft_of(ctx: Context) -> Draft:
    return Draft.from_data(ctx.state.data)


def save(ctx: Context, draft: Draft, step: str | None = None, **extra: object) -> None:
    ctx.state.go(step if step is not None else ctx.state.step, **draft.to_data(), **extra)


def in_step(ctx: Context, *steps: str) -> bool:
    return ctx.state.flow == FLOW and ctx.state.step in steps


# --- start ----------------------------------------------------------------------------------

async def start(inc: Incoming, ctx: Context) -> None:
    if not ctx.user.has_consented or ctx.user.commune_id is None:
        ctx.reply(ctx.t("feedback.needs_consent"), [
            [Button(ctx.t("feedback.give_consent"), "fbc:consent")],
            [Button(ctx.t("settings.privacy"), "pv:show")],
            [Button(ctx.t("menu.settings"), "menu:settings")],
        ])
        return
    if not await service(ctx).may_file(ctx.user, ctx.now):
        ctx.say("feedback.flood", limit=HOURLY_LIMIT)
        return
    draft = Draft(commune_id=ctx.user.commune_id, channel=ctx.inc.channel)
    ctx.state.start(FLOW, "category", **draft.to_data())
    await ask_category(ctx)


async def on_consent_button(inc: Incoming, ctx: Context) -> None:
    """Agree to keep personal data: onboarding again, ending with the consent question."""
    from handlers import onboarding

    if ctx.user.has_consented:
        ctx.say("errors.stale_button")
        return
    await onboarding.start(inc, ctx)


async def ask_category(ctx: Context) -> None:
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    buttons = [Button(c.name(ctx.user.language), f"fb:cat:{c.code}")
               for c in categories_for(commune)]
    rows = buttons_in_rows(buttons, 2)
    rows.append([Button(ctx.t("common.cancel"), "fb:cancel")])
    ctx.reply(ctx.t("feedback.ask_category"), rows)


def ask_description(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_description", limit=MAX_TEXT),
              [[Button(ctx.t("common.cancel"), "fb:cancel")]])


def ask_photos(ctx: Context, draft: Draft, key: str = "feedback.ask_photos") -> None:
    ctx.reply(ctx.t(key, count=len(draft.photos), limit=MAX_PHOTOS),
              [[Button(ctx.t("feedback.continue"), "fb:next")]])


async def ask_location(ctx: Context) -> None:
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    villages = sorted(commune.villages if commune else [],
                      key=lambda v: (v.id != ctx.user.village_id, v.id))
    rows = buttons_in_rows([Button(v.name, f"fb:vil:{v.id}") for v in villages], 2)
    rows.append([Button(ctx.t("common.skip"), "fb:vil:none")])
    ctx.reply(ctx.t("feedback.ask_location"), rows)


def ask_address(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_address"), [[Button(ctx.t("common.skip"), "fb:addr:skip")]])


def ask_urgent(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_urgent"), [[
        Button(ctx.t("feedback.urgent_yes"), "fb:urg:1"),
        Button(ctx.t("feedback.urgent_no"), "fb:urg:0"),
    ]])


def ask_anonymous(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_anonymous"), [[
        Button(ctx.t("feedback.anonymous_yes"), "fb:anon:1"),
        Button(ctx.t("feedback.anonymous_no"), "fb:anon:0"),
    ]])


# --- typed input, photos, voice, location --------------------------------------------------

async def on_input(inc: Incoming, ctx: Context) -> None:
    step = ctx.state.step
    draft = draft_of(ctx)
    if inc.document is not None:
        ctx.say("feedback.unsupported_attachment")
        return
    if step in ("describe", "photos"):
        await collect(inc, ctx, draft)
    elif step in ("location", "address"):
        await take_place(inc, ctx, draft)
    elif inc.photos or inc.voice:
        ctx.say("feedback.not_now")
    else:
        ctx.say("feedback.use_buttons")


async def collect(inc: Incoming, ctx: Context, draft: Draft) -> None:
    """Description text, a voice note and up to three photos, in any order."""
    files = [*inc.photos, *([inc.voice] if inc.voice else [])]
    if any(f.size is not None and f.size > MAX_FILE_BYTES for f in files):
        ctx.say("feedback.file_too_big", limit=MAX_FILE_BYTES // 2**20)
        return
    if len(draft.photos) + len(inc.photos) > MAX_PHOTOS:
        ctx.say("feedback.too_many_photos", limit=MAX_PHOTOS)
        return
    text = (inc.text or "").strip()
    if text:
        combined = f"{draft.description}\n{text}" if draft.description else text
        if len(combined) > MAX_TEXT:
            ctx.say("feedback.too_long", limit=MAX_TEXT)
            return
        draft.description = combined
    for photo in inc.photos:
        draft.photos.append({"file_id": photo.file_id, "url": photo.url, "size": photo.size})
    if inc.voice is not None:
        draft.voice = {"file_id": inc.voice.file_id, "url": inc.voice.url,
                       "duration": inc.voice.duration, "size": inc.voice.size}
    if inc.location is not None:
        draft.latitude, draft.longitude = inc.location.latitude, inc.location.longitude
    if not (text or inc.photos or inc.voice or inc.location):
        ctx.say("feedback.use_buttons")
        return
    has_content = bool(draft.description or draft.voice)
    if not has_content:
        save(ctx, draft, "describe")
        if inc.photos:
            ctx.say("feedback.photo_needs_text", count=len(draft.photos), limit=MAX_PHOTOS)
        else:
            ctx.say("feedback.need_description")
        return
    if len(draft.photos) >= MAX_PHOTOS:
        save(ctx, draft, "photos")
        await after_content(ctx, draft)
        return
    save(ctx, draft, "photos")
    ask_photos(ctx, draft, "feedback.photo_received" if inc.photos else "feedback.ask_photos")


async def after_content(ctx: Context, draft: Draft) -> None:
    if ctx.state.data.get("editing"):
        await show_summary(ctx, draft)
        return
    if draft.latitude is not None:
        save(ctx, draft, "urgent")
        ask_urgent(ctx)
        return
    save(ctx, draft, "location")
    await ask_location(ctx)


async def take_place(inc: Incoming, ctx: Context, draft: Draft) -> None:
    if inc.location is not None:
        draft.latitude, draft.longitude = inc.location.latitude, inc.location.longitude
    elif inc.text and inc.text.strip():
        draft.address = inc.text.strip()[:ADDRESS_MAX]
        if draft.village_id is None and ctx.state.step == "location":
            draft.village_id = ctx.user.village_id
    else:
        ctx.say("feedback.use_buttons")
        return
    await after_place(ctx, draft)


async def after_place(ctx: Context, draft: Draft) -> None:
    if ctx.state.data.get("editing"):
        await show_summary(ctx, draft)
        return
    save(ctx, draft, "urgent")
    ask_urgent(ctx)


# --- buttons --------------------------------------------------------------------------------

async def on_button(inc: Incoming, ctx: Context) -> None:
    _, action, value = callback_parts(inc, 3)
    handler = BUTTONS.get(action)
    if handler is None or not in_step(ctx, *handler[0]):
        ctx.say("errors.stale_button")
        return
    await handler[1](ctx, value)


async def on_category(ctx: Context, value: str) -> None:
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    if category_of(commune, value) is None:
        ctx.say("errors.stale_button")
        return
    draft = draft_of(ctx)
    draft.category = value
    if ctx.state.data.get("editing"):
        await show_summary(ctx, draft)
        return
    save(ctx, draft, "describe")
    ask_description(ctx)


async def on_next(ctx: Context, value: str) -> None:
    draft = draft_of(ctx)
    if not (draft.description or draft.voice):
        ctx.say("feedback.need_description")
        return
    await after_content(ctx, draft)


async def on_village(ctx: Context, value: str) -> None:
    draft = draft_of(ctx)
    if value == "none":
        await after_place(ctx, draft)
        return
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    if not value.isdigit() or commune is None \
            or int(value) not in {v.id for v in commune.villages}:
        ctx.say("errors.stale_button")
        return
    draft.village_id = int(value)
    save(ctx, draft, "address")
    ask_address(ctx)


async def on_address_skip(ctx: Context, value: str) -> None:
    await after_place(ctx, draft_of(ctx))


async def on_urgent(ctx: Context, value: str) -> None:
    if value not in ("0", "1"):
        ctx.say("errors.stale_button")
        return
    draft = draft_of(ctx)
    draft.urgent = value == "1"
    save(ctx, draft, "anonymous")
    ask_anonymous(ctx)


async def on_anonymous(ctx: Context, value: str) -> None:
    if value not in ("0", "1"):
        ctx.say("errors.stale_button")
        return
    draft = draft_of(ctx)
    draft.anonymous = value == "1"
    similar = await service(ctx).similar(draft, ctx.user, ctx.now)
    if not similar:
        await show_summary(ctx, draft)
        return
    save(ctx, draft, "similar", similar_ids=[r.id for r in similar])
    commune = await ctx.communes.get(draft.commune_id)
    lines = [ctx.t("feedback.similar_found")]
    rows = []
    for report in similar:
        lines.append(ctx.t("feedback.similar_line", code=report.code,
                           category=category_name(commune, report.category, ctx.user.language),
                           date=local_date(ctx, report.created_at),
                           status=ctx.t(f"feedback.status.{report.status}")))
        rows.append([Button(ctx.t("feedback.follow", code=report.code), f"fb:follow:{report.id}")])
    rows.append([Button(ctx.t("feedback.file_anyway"), "fb:new:")])
    ctx.reply("\n".join(lines), rows)


async def on_follow(ctx: Context, value: str) -> None:
    offered = ctx.state.data.get("similar_ids") or []
    report = await service(ctx).get(int(value)) if value.isdigit() else None
    if report is None or report.id not in offered:
        ctx.say("errors.stale_button")
        return
    await service(ctx).follow(report, ctx.user, ctx.now)
    ctx.state.clear()
    ctx.say("feedback.following", code=report.code)


async def on_file_anyway(ctx: Context, value: str) -> None:
    await show_summary(ctx, draft_of(ctx))


async def show_summary(ctx: Context, draft: Draft) -> None:
    save(ctx, draft, "summary", editing=False)
    commune = await ctx.communes.get(draft.commune_id)
    village = next((v.name for v in commune.villages if v.id == draft.village_id), None) \
        if commune else None
    place = ", ".join(p for p in (draft.address, village) if p) or "—"
    if draft.latitude is not None:
        place = f"📍 {draft.latitude:.5f}, {draft.longitude:.5f}" + (
            f" ({place})" if place != "—" else "")
    ctx.reply(ctx.t(
        "feedback.summary",
        category=category_name(commune, draft.category, ctx.user.language),
        description=draft.description or "—",
        voice=ctx.t("common.yes") if draft.voice else ctx.t("common.no"),
        photos=len(draft.photos), place=place,
        urgent=ctx.t("feedback.urgent_yes") if draft.urgent else ctx.t("feedback.urgent_no"),
        anonymous=ctx.t("common.yes") if draft.anonymous else ctx.t("common.no"),
    ), [
        [Button(ctx.t("feedback.send"), "fb:send:")],
        [Button(ctx.t("feedback.edit_description"), "fb:edit:desc"),
         Button(ctx.t("feedback.edit_place"), "fb:edit:place")],
        [Button(ctx.t("feedback.edit_category"), "fb:edit:cat"),
         Button(ctx.t("common.cancel"), "fb:cancel:")],
    ])


async def on_edit(ctx: Context, value: str) -> None:
    draft = draft_of(ctx)
    if value == "desc":
        draft.description, draft.voice, draft.photos = None, None, []
        save(ctx, draft, "describe", editing=True)
        ask_description(ctx)
    elif value == "place":
        draft.latitude = draft.longitude = draft.village_id = draft.address = None
        save(ctx, draft, "location", editing=True)
        await ask_location(ctx)
    elif value == "cat":
        save(ctx, draft, "category", editing=True)
        await ask_category(ctx)
    else:
        ctx.say("errors.stale_button")


async def on_send(ctx: Context, value: str) -> None:
    draft = draft_of(ctx)
    try:
        report = await service(ctx).file(draft, ctx.user, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    ctx.state.clear()
    key = "feedback.filed_urgent" if report.urgent else "feedback.filed"
    ctx.say(key, code=report.code, due=local_date(ctx, report.due_at),
            due_time=local_datetime(ctx, report.due_at))


async def on_cancel(ctx: Context, value: str) -> None:
    ctx.state.clear()
    ctx.say("common.cancelled")


BUTTONS = {
    "cat": (("category",), on_category),
    "next": (("describe", "photos"), on_next),
    "vil": (("location",), on_village),
    "addr": (("address",), on_address_skip),
    "urg": (("urgent",), on_urgent),
    "anon": (("anonymous",), on_anonymous),
    "follow": (("similar",), on_follow),
    "new": (("similar",), on_file_anyway),
    "edit": (("summary",), on_edit),
    "send": (("summary",), on_send),
    "cancel": (("category", "describe", "photos", "location", "address", "urgent",
                "anonymous", "similar", "summary"), on_cancel),
}


# --- my feedback, tracking, rating ----------------------------------------------------------

async def my_feedback(inc: Incoming, ctx: Context) -> None:
    reports = await service(ctx).mine(ctx.user)
    if not reports:
        ctx.reply(ctx.t("feedback.mine_empty"), [[Button(ctx.t("menu.feedback"), "menu:feedback")]])
        return
    lines = [ctx.t("feedback.mine_title")]
    rows = []
    for report in reports:
        lines.append(ctx.t("feedback.mine_line", code=report.code,
                           status=ctx.t(f"feedback.status.{report.status}"),
                           date=local_date(ctx, report.created_at)))
        rows.append([Button(report.code, f"fbm:{report.id}")])
    ctx.reply("\n".join(lines), rows)


async def on_mine_button(inc: Incoming, ctx: Context) -> None:
    _, value = callback_parts(inc, 2)
    report = await service(ctx).get(int(value)) if value.isdigit() else None
    if report is None or await service(ctx).visible_to_citizen(ctx.user, report.code) is None:
        ctx.say("errors.stale_button")
        return
    await show_report(ctx, report)


async def track(inc: Incoming, ctx: Context) -> None:
    code = inc.args.strip()
    if not code:
        ctx.say("feedback.track_usage")
        return
    report = await service(ctx).visible_to_citizen(ctx.user, code)
    if report is None:
        ctx.say("feedback.unknown_code", code=code.upper()[:40])
        return
    await show_report(ctx, report)


async def show_report(ctx: Context, report: FeedbackReport) -> None:
    commune = await ctx.communes.get(report.commune_id)
    own = report.reporter_id == ctx.user.id
    lines = [ctx.t("feedback.detail", code=report.code,
                   category=category_name(commune, report.category, ctx.user.language),
                   status=ctx.t(f"feedback.status.{report.status}"),
                   filed=local_date(ctx, report.created_at), due=local_date(ctx, report.due_at))]
    if own and report.description:
        lines.append(ctx.t("feedback.detail_description", description=report.description))
    if not own:
        lines.append(ctx.t("feedback.detail_following"))
    lines.append(ctx.t("feedback.history_title"))
    for event in await service(ctx).history(report, public_only=True):
        lines.append(history_line(ctx, event))
    ctx.reply("\n".join(lines))


def history_line(ctx: Context, event: FeedbackEvent) -> str:
    when = local_datetime(ctx, event.at)
    if event.kind == "answer":
        what = ctx.t("feedback.history_answer", text=event.text or "")
    elif event.kind == "reopened":
        what = ctx.t("feedback.history_reopened")
    else:
        what = ctx.t(f"feedback.status.{event.status or 'received'}")
        if event.text:
            what += f": {event.text}"
    return f"• {when} — {what}"


async def on_report_button(inc: Incoming, ctx: Context) -> None:
    """Buttons under updates: rate 1–5, "not resolved", the four-week check-in."""
    _, action, ident, value = callback_parts(inc, 4)
    report = await service(ctx).get(int(ident)) if ident.isdigit() else None
    if report is None or report.reporter_id != ctx.user.id:
        ctx.say("errors.stale_button")
        return
    try:
        if action == "rate" and value in ("1", "2", "3", "4", "5"):
            await service(ctx).rate(report, ctx.user, int(value), ctx.now)
            ctx.state.start(RATING_FLOW, "comment", report_id=report.id)
            ctx.reply(ctx.t("feedback.rated", stars="⭐" * int(value)),
                      [[Button(ctx.t("common.skip"), "fbr:nocomment:0")]])
        elif action == "notfixed":
            await service(ctx).reopen(report, ctx.user, ctx.now)
            ctx.say("feedback.reopened", code=report.code, due=local_date(ctx, report.due_at))
        elif action == "still" and value in ("yes", "no"):
            await service(ctx).checkin_answer(report, ctx.user, value == "yes", ctx.now)
            if value == "yes":
                ctx.say("feedback.checkin_thanks")
            else:
                ctx.say("feedback.reopened", code=report.code, due=local_date(ctx, report.due_at))
        else:
            ctx.say("errors.stale_button")
    except FeedbackError as error:
        ctx.say(error.key, **error.params)


async def on_no_comment(inc: Incoming, ctx: Context) -> None:
    if ctx.state.flow != RATING_FLOW:
        ctx.say("errors.stale_button")
        return
    ctx.state.clear()
    ctx.say("feedback.rating_thanks")


async def on_rating_comment(inc: Incoming, ctx: Context) -> None:
    if not inc.text or not inc.text.strip():
        ctx.say("feedback.comment_text_only")
        return
    report = await service(ctx).get(int(ctx.state.data.get("report_id") or 0))
    ctx.state.clear()
    if report is None:
        ctx.say("errors.stale_button")
        return
    try:
        await service(ctx).comment_rating(report, ctx.user, inc.text, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    ctx.say("feedback.rating_thanks")


async def on_report_buttons(inc: Incoming, ctx: Context) -> None:
    if (inc.callback or "").startswith("fbr:nocomment"):
        await on_no_comment(inc, ctx)
    else:
        await on_report_button(inc, ctx)


def register(router: Router) -> None:
    router.menu_action("feedback")(start)
    router.menu_action("my_feedback")(my_feedback)
    router.command("feedback", "phananh")(start)
    router.command("myfeedback")(my_feedback)
    router.command("track")(track)
    router.callback("fb")(on_button)
    router.callback("fbc")(on_consent_button)
    router.callback("fbm")(on_mine_button)
    router.callback("fbr")(on_report_buttons)
    router.flow(FLOW)(on_input)
    router.flow(RATING_FLOW)(on_rating_comment)
