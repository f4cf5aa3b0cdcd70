"""The citizen's side of feedback: write a report (category, description or voice, photos,
place, urgency, anonymity), follow a similar one instead, see one's reports, rate the result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.context import Context
from handlers.flows import Flow
from handlers.format import local_date, local_datetime
from handlers.home import MenuEntry, OpenMenu, show_menu
from handlers.privacy import ShowPrivacy
from handlers.router import Router
from handlers.types import Incoming
from services.callbacks import Button, CallbackData, in_rows
from services.feedback.actions import CheckinAnswer, RateReport, ReportNotFixed
from services.feedback.categories import categories_for, category_name, category_of, is_sensitive
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

ADDRESS_MAX = 500


class Step(StrEnum):
    """Writing a report. The moves between steps are `FLOW`'s table below."""

    CATEGORY = "category"
    DESCRIBE = "describe"
    PHOTOS = "photos"
    LOCATION = "location"
    ADDRESS = "address"
    URGENT = "urgent"
    ANONYMOUS = "anonymous"
    SIMILAR = "similar"
    SUMMARY = "summary"


class RatingStep(StrEnum):
    COMMENT = "comment"


class DraftPart(StrEnum):
    DESCRIPTION = "desc"
    PLACE = "place"
    CATEGORY = "cat"


@dataclass(frozen=True)
class GiveConsent(CallbackData, prefix="fb.consent"):
    """Agree to keep personal data, to be able to write a report."""


@dataclass(frozen=True)
class PickCategory(CallbackData, prefix="fb.cat"):
    code: str


@dataclass(frozen=True)
class ContentDone(CallbackData, prefix="fb.next"):
    """The description and photos are complete."""


@dataclass(frozen=True)
class PickPlace(CallbackData, prefix="fb.vil"):
    village_id: int | None
    """None: skip the place."""


@dataclass(frozen=True)
class SkipAddress(CallbackData, prefix="fb.addr"):
    pass


@dataclass(frozen=True)
class SetUrgent(CallbackData, prefix="fb.urg"):
    urgent: bool


@dataclass(frozen=True)
class SetAnonymous(CallbackData, prefix="fb.anon"):
    anonymous: bool


@dataclass(frozen=True)
class FollowSimilar(CallbackData, prefix="fb.follow"):
    report_id: int


@dataclass(frozen=True)
class FileAnyway(CallbackData, prefix="fb.new"):
    """None of the similar reports: file one's own."""


@dataclass(frozen=True)
class EditDraft(CallbackData, prefix="fb.edit"):
    part: DraftPart


@dataclass(frozen=True)
class SendReport(CallbackData, prefix="fb.send"):
    pass


@dataclass(frozen=True)
class CancelReport(CallbackData, prefix="fb.cancel"):
    pass


@dataclass(frozen=True)
class ShowMine(CallbackData, prefix="fb.mine"):
    """One of the reports the citizen filed or follows."""

    report_id: int


@dataclass(frozen=True)
class SkipComment(CallbackData, prefix="fb.nocomment"):
    """No comment after a rating."""


def service(ctx: Context) -> FeedbackReports:
    return FeedbackReports(ctx.session)


def draft_of(ctx: Context) -> Draft:
    return Draft.from_data(ctx.state.data)


def save(ctx: Context, draft: Draft, step: Step | None = None, **extra: object) -> None:
    ctx.state.go(step if step is not None else ctx.state.step, **draft.to_data(), **extra)


# --- start ----------------------------------------------------------------------------------

async def start(inc: Incoming, ctx: Context, *, description: str = "",
                category: str = "") -> None:
    """A new report; with a description and a category (free text the citizen confirmed as a
    report), straight to the photos."""
    if not ctx.user.has_consented or ctx.user.commune_id is None:
        from handlers import onboarding

        onboarding.hold_for_consent(ctx, description=description, category=category)
        ctx.reply(ctx.t("feedback.needs_consent"), [
            [Button(ctx.t("feedback.give_consent"), GiveConsent())],
            [Button(ctx.t("settings.privacy"), ShowPrivacy())],
            [Button(ctx.t("menu.settings"), OpenMenu(MenuEntry.SETTINGS))],
        ])
        return
    if not await service(ctx).may_file(ctx.user, ctx.now):
        ctx.say("feedback.flood", limit=HOURLY_LIMIT)
        return
    draft = Draft(commune_id=ctx.user.commune_id, channel=ctx.inc.channel,
                  description=description[:MAX_TEXT] or None, category=category)
    if draft.description and category:
        ctx.state.start(FLOW, Step.PHOTOS, **draft.to_data())
        ask_photos(ctx, draft)
        return
    ctx.state.start(FLOW, Step.CATEGORY, **draft.to_data())
    await ask_category(ctx)


async def on_consent_button(inc: Incoming, ctx: Context, data: GiveConsent) -> None:
    """Agree to keep personal data (the message with the button said what is kept and why):
    no question again; the report goes on where it was."""
    from handlers import onboarding

    await onboarding.agree_later(inc, ctx)


def cancel_row(ctx: Context) -> list[Button]:
    return [Button(ctx.t("common.cancel"), CancelReport())]


async def ask_category(ctx: Context) -> None:
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    buttons = [Button(c.name(ctx.user.language), PickCategory(c.code))
               for c in categories_for(commune)]
    ctx.reply(ctx.t("feedback.ask_category"), [*in_rows(buttons, 2), cancel_row(ctx)])


def ask_description(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_description", limit=MAX_TEXT), [cancel_row(ctx)])


def ask_photos(ctx: Context, draft: Draft, key: str = "feedback.ask_photos") -> None:
    ctx.reply(ctx.t(key, count=len(draft.photos), limit=MAX_PHOTOS),
              [[Button(ctx.t("feedback.continue"), ContentDone())]])


async def ask_location(ctx: Context) -> None:
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    villages = sorted(commune.villages if commune else [],
                      key=lambda v: (v.id != ctx.user.village_id, v.id))
    rows = in_rows([Button(v.name, PickPlace(v.id)) for v in villages], 2)
    rows.append([Button(ctx.t("common.skip"), PickPlace(None))])
    ctx.reply(ctx.t("feedback.ask_location"), rows)


def ask_address(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_address"), [[Button(ctx.t("common.skip"), SkipAddress())]])


def ask_urgent(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_urgent"), [[
        Button(ctx.t("feedback.urgent_yes"), SetUrgent(True)),
        Button(ctx.t("feedback.urgent_no"), SetUrgent(False)),
    ]])


def ask_anonymous(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_anonymous"), [[
        Button(ctx.t("feedback.anonymous_yes"), SetAnonymous(True)),
        Button(ctx.t("feedback.anonymous_no"), SetAnonymous(False)),
    ]])


# --- typed input, photos, voice, location --------------------------------------------------

def refuses_document(inc: Incoming, ctx: Context) -> bool:
    if inc.document is None:
        return False
    ctx.say("feedback.unsupported_attachment")
    return True


async def on_content(inc: Incoming, ctx: Context) -> None:
    if not refuses_document(inc, ctx):
        await collect(inc, ctx, draft_of(ctx))


async def on_place(inc: Incoming, ctx: Context) -> None:
    if not refuses_document(inc, ctx):
        await take_place(inc, ctx, draft_of(ctx))


async def on_other_input(inc: Incoming, ctx: Context) -> None:
    """Input at a step that asks for a button."""
    if refuses_document(inc, ctx):
        return
    ctx.say("feedback.not_now" if inc.photos or inc.voice else "feedback.use_buttons")


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
        save(ctx, draft, Step.DESCRIBE)
        if inc.photos:
            ctx.say("feedback.photo_needs_text", count=len(draft.photos), limit=MAX_PHOTOS)
        else:
            ctx.say("feedback.need_description")
        return
    save(ctx, draft, Step.PHOTOS)
    if len(draft.photos) >= MAX_PHOTOS:
        await after_content(ctx, draft)
        return
    ask_photos(ctx, draft, "feedback.photo_received" if inc.photos else "feedback.ask_photos")


async def after_content(ctx: Context, draft: Draft) -> None:
    if ctx.state.data.get("editing"):
        await show_summary(ctx, draft)
        return
    if draft.latitude is not None:
        save(ctx, draft, Step.URGENT)
        ask_urgent(ctx)
        return
    save(ctx, draft, Step.LOCATION)
    await ask_location(ctx)


async def take_place(inc: Incoming, ctx: Context, draft: Draft) -> None:
    if inc.location is not None:
        draft.latitude, draft.longitude = inc.location.latitude, inc.location.longitude
    elif inc.text and inc.text.strip():
        # The address as typed: the home village is not added to it unasked (the report may
        # well be about another place).
        draft.address = inc.text.strip()[:ADDRESS_MAX]
    else:
        ctx.say("feedback.use_buttons")
        return
    await after_place(ctx, draft)


async def after_place(ctx: Context, draft: Draft) -> None:
    if ctx.state.data.get("editing"):
        await show_summary(ctx, draft)
        return
    save(ctx, draft, Step.URGENT)
    ask_urgent(ctx)


# --- each step's question again, from the draft (after "quay lại" or a /start kept) ---------

async def again_similar(ctx: Context) -> None:
    draft = draft_of(ctx)
    reports = [report for report_id in ctx.state.data.get("similar_ids") or []
               if (report := await service(ctx).get(int(report_id))) is not None]
    if reports:
        await show_similar(ctx, draft, reports)
    else:  # gone meanwhile (erased): nothing to follow, the citizen's own report stays
        await show_summary(ctx, draft)


async def again_summary(ctx: Context) -> None:
    await show_summary(ctx, draft_of(ctx))


FLOW = Flow("feedback", Step, transitions={
    Step.CATEGORY: {Step.DESCRIBE, Step.SUMMARY},
    Step.DESCRIBE: {Step.PHOTOS, Step.CATEGORY},
    Step.PHOTOS: {Step.LOCATION, Step.URGENT, Step.SUMMARY},
    Step.LOCATION: {Step.ADDRESS, Step.URGENT, Step.SUMMARY},
    Step.ADDRESS: {Step.URGENT, Step.SUMMARY, Step.LOCATION},
    Step.URGENT: {Step.ANONYMOUS},
    Step.ANONYMOUS: {Step.SIMILAR, Step.SUMMARY},
    Step.SIMILAR: {Step.SUMMARY},
    Step.SUMMARY: {Step.DESCRIBE, Step.LOCATION, Step.CATEGORY},
}, on_input={
    Step.DESCRIBE: on_content,
    Step.PHOTOS: on_content,
    Step.LOCATION: on_place,
    Step.ADDRESS: on_place,
}, back={
    Step.CATEGORY: ask_category,
    Step.DESCRIBE: ask_description,
    Step.PHOTOS: lambda ctx: ask_photos(ctx, draft_of(ctx)),
    Step.LOCATION: ask_location,
    Step.ADDRESS: ask_address,
    Step.URGENT: ask_urgent,
    Step.ANONYMOUS: ask_anonymous,
    Step.SIMILAR: again_similar,
    Step.SUMMARY: again_summary,
})
"""Writing a report (the other steps take buttons only: `on_other_input`). Following a
similar report, sending and cancelling end the flow."""


# --- buttons --------------------------------------------------------------------------------

async def on_category(inc: Incoming, ctx: Context, data: PickCategory) -> None:
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    if category_of(commune, data.code) is None:
        ctx.say("errors.stale_button")
        return
    draft = draft_of(ctx)
    draft.category = data.code
    if ctx.state.data.get("editing"):
        await show_summary(ctx, draft)
        return
    save(ctx, draft, Step.DESCRIBE)
    ask_description(ctx)


async def on_content_done(inc: Incoming, ctx: Context, data: ContentDone) -> None:
    draft = draft_of(ctx)
    if not (draft.description or draft.voice):
        ctx.say("feedback.need_description")
        return
    await after_content(ctx, draft)


async def on_village(inc: Incoming, ctx: Context, data: PickPlace) -> None:
    draft = draft_of(ctx)
    if data.village_id is None:
        await after_place(ctx, draft)
        return
    commune = await ctx.communes.get(ctx.user.commune_id or 0)
    if commune is None or commune.village_name(data.village_id) is None:
        ctx.say("errors.stale_button")
        return
    draft.village_id = data.village_id
    save(ctx, draft, Step.ADDRESS)
    ask_address(ctx)


async def on_address_skip(inc: Incoming, ctx: Context, data: SkipAddress) -> None:
    await after_place(ctx, draft_of(ctx))


async def on_urgent(inc: Incoming, ctx: Context, data: SetUrgent) -> None:
    draft = draft_of(ctx)
    draft.urgent = data.urgent
    save(ctx, draft, Step.ANONYMOUS)
    ask_anonymous(ctx)


async def on_anonymous(inc: Incoming, ctx: Context, data: SetAnonymous) -> None:
    draft = draft_of(ctx)
    draft.anonymous = data.anonymous
    similar = await service(ctx).similar(draft, ctx.user, ctx.now)
    if not similar:
        await show_summary(ctx, draft)
        return
    save(ctx, draft, Step.SIMILAR, similar_ids=[r.id for r in similar])
    await show_similar(ctx, draft, similar)


async def show_similar(ctx: Context, draft: Draft, similar: list[FeedbackReport]) -> None:
    """The similar reports the citizen may follow instead of filing their own."""
    commune = await ctx.communes.get(draft.commune_id)
    lines = [ctx.t("feedback.similar_found")]
    rows = []
    for report in similar:
        lines.append(ctx.t("feedback.similar_line", code=report.code,
                           category=category_name(commune, report.category, ctx.user.language),
                           date=local_date(ctx, report.created_at),
                           status=ctx.t(f"feedback.status.{report.status}")))
        rows.append([Button(ctx.t("feedback.follow", code=report.code),
                            FollowSimilar(report.id))])
    rows.append([Button(ctx.t("feedback.file_anyway"), FileAnyway())])
    ctx.reply("\n".join(lines), rows)


async def on_follow(inc: Incoming, ctx: Context, data: FollowSimilar) -> None:
    offered = ctx.state.data.get("similar_ids") or []
    report = await service(ctx).get(data.report_id) if data.report_id in offered else None
    if report is None:
        ctx.say("errors.stale_button")
        return
    await service(ctx).follow(report, ctx.user, ctx.now)
    ctx.state.clear()
    ctx.say("feedback.following", code=report.code)


async def on_file_anyway(inc: Incoming, ctx: Context, data: FileAnyway) -> None:
    await show_summary(ctx, draft_of(ctx))


async def show_summary(ctx: Context, draft: Draft) -> None:
    save(ctx, draft, Step.SUMMARY, editing=False)
    commune = await ctx.communes.get(draft.commune_id)
    village = commune.village_name(draft.village_id) if commune else None
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
    ) + "\n\n" + ctx.t("feedback.public_notice_sensitive" if is_sensitive(
        commune, draft.category) else "feedback.public_notice"), [
        [Button(ctx.t("feedback.send"), SendReport())],
        [Button(ctx.t("feedback.edit_description"), EditDraft(DraftPart.DESCRIPTION)),
         Button(ctx.t("feedback.edit_place"), EditDraft(DraftPart.PLACE))],
        [Button(ctx.t("feedback.edit_category"), EditDraft(DraftPart.CATEGORY)),
         *cancel_row(ctx)],
    ])


async def on_edit(inc: Incoming, ctx: Context, data: EditDraft) -> None:
    draft = draft_of(ctx)
    if data.part is DraftPart.DESCRIPTION:
        draft.description, draft.voice, draft.photos = None, None, []
        save(ctx, draft, Step.DESCRIBE, editing=True)
        ask_description(ctx)
    elif data.part is DraftPart.PLACE:
        draft.latitude = draft.longitude = draft.village_id = draft.address = None
        save(ctx, draft, Step.LOCATION, editing=True)
        await ask_location(ctx)
    else:
        save(ctx, draft, Step.CATEGORY, editing=True)
        await ask_category(ctx)


async def on_send(inc: Incoming, ctx: Context, data: SendReport) -> None:
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


async def on_cancel(inc: Incoming, ctx: Context, data: CancelReport) -> None:
    ctx.state.clear()
    ctx.say("common.cancelled")
    await show_menu(ctx)


# --- my feedback, tracking, rating ----------------------------------------------------------

async def my_feedback(inc: Incoming, ctx: Context) -> None:
    reports = await service(ctx).mine(ctx.user)
    if not reports:
        ctx.reply(ctx.t("feedback.mine_empty"),
                  [[Button(ctx.t("menu.feedback"), OpenMenu(MenuEntry.FEEDBACK))]])
        return
    lines = [ctx.t("feedback.mine_title")]
    rows = []
    for report in reports:
        lines.append(ctx.t("feedback.mine_line", code=report.code,
                           status=ctx.t(f"feedback.status.{report.status}"),
                           date=local_date(ctx, report.created_at)))
        rows.append([Button(report.code, ShowMine(report.id))])
    ctx.reply("\n".join(lines), rows)


async def on_mine_button(inc: Incoming, ctx: Context, data: ShowMine) -> None:
    report = await service(ctx).get(data.report_id)
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
        status = event.status or "received"
        what = ctx.t(f"feedback.status.{status}")
        label = f"feedback.note_label.{status}"
        if event.text:
            what += " — " + (ctx.t(label, note=event.text) if ctx.t.has(label)
                             else ctx.t("feedback.history_note", text=event.text))
    return f"• {when} — {what}"


async def own_report(ctx: Context, report_id: int) -> FeedbackReport | None:
    """The report a button under an update names, if the citizen filed it (else stale)."""
    report = await service(ctx).get(report_id)
    if report is None or report.reporter_id != ctx.user.id:
        ctx.say("errors.stale_button")
        return None
    return report


async def on_rate(inc: Incoming, ctx: Context, data: RateReport) -> None:
    report = await own_report(ctx, data.report_id)
    if report is None:
        return
    try:
        await service(ctx).rate(report, ctx.user, data.stars, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    ctx.state.start(RATING_FLOW, RatingStep.COMMENT, report_id=report.id)
    ctx.reply(ctx.t("feedback.rated", stars="⭐" * data.stars),
              [[Button(ctx.t("common.skip"), SkipComment())]])


async def on_not_fixed(inc: Incoming, ctx: Context, data: ReportNotFixed) -> None:
    report = await own_report(ctx, data.report_id)
    if report is None:
        return
    try:
        await service(ctx).reopen(report, ctx.user, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    ctx.say("feedback.reopened", code=report.code, due=local_date(ctx, report.due_at))


async def on_checkin(inc: Incoming, ctx: Context, data: CheckinAnswer) -> None:
    """The four-week check-in: still fixed, or back to the officials."""
    report = await own_report(ctx, data.report_id)
    if report is None:
        return
    try:
        await service(ctx).checkin_answer(report, ctx.user, data.fixed, ctx.now)
    except FeedbackError as error:
        ctx.say(error.key, **error.params)
        return
    if data.fixed:
        ctx.say("feedback.checkin_thanks")
    else:
        ctx.say("feedback.reopened", code=report.code, due=local_date(ctx, report.due_at))


async def on_no_comment(inc: Incoming, ctx: Context, data: SkipComment) -> None:
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


async def ask_comment(ctx: Context) -> None:
    ctx.reply(ctx.t("feedback.ask_comment"), [[Button(ctx.t("common.skip"), SkipComment())]])


RATING_FLOW = Flow("feedback_rating", RatingStep, transitions={RatingStep.COMMENT: set()},
                   back={RatingStep.COMMENT: ask_comment})
"""After a rating, an optional comment: its one step takes any text (`on_rating_comment`)."""


def register(router: Router) -> None:
    router.menu_action("feedback")(start)
    router.menu_action("my_feedback")(my_feedback)
    router.command("feedback", "phananh")(start)
    router.command("myfeedback")(my_feedback)
    router.command("track")(track)
    router.button(GiveConsent)(on_consent_button)
    router.button(PickCategory)(FLOW.at(Step.CATEGORY)(on_category))
    router.button(ContentDone)(FLOW.at(Step.DESCRIBE, Step.PHOTOS)(on_content_done))
    router.button(PickPlace)(FLOW.at(Step.LOCATION)(on_village))
    router.button(SkipAddress)(FLOW.at(Step.ADDRESS)(on_address_skip))
    router.button(SetUrgent)(FLOW.at(Step.URGENT)(on_urgent))
    router.button(SetAnonymous)(FLOW.at(Step.ANONYMOUS)(on_anonymous))
    router.button(FollowSimilar)(FLOW.at(Step.SIMILAR)(on_follow))
    router.button(FileAnyway)(FLOW.at(Step.SIMILAR)(on_file_anyway))
    router.button(EditDraft)(FLOW.at(Step.SUMMARY)(on_edit))
    router.button(SendReport)(FLOW.at(Step.SUMMARY)(on_send))
    router.button(CancelReport)(FLOW.at()(on_cancel))
    router.button(ShowMine)(on_mine_button)
    router.button(RateReport)(on_rate)
    router.button(ReportNotFixed)(on_not_fixed)
    router.button(CheckinAnswer)(on_checkin)
    router.button(SkipComment)(RATING_FLOW.at()(on_no_comment))
    router.flow(FLOW)(on_other_input)
    router.flow(RATING_FLOW)(on_rating_comment)
