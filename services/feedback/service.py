"""Filing, following, answering and closing feedback; every public change is written to the
outbox for the reporter and the followers in the same transaction."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from services.calendars import calendar_for
from services.communes import Communes
from services.db import insert_for
from services.feedback.actions import Rows, open_report_keyboard, rating_keyboard
from services.feedback.categories import category_name, category_of
from services.feedback.deadlines import (
    REOPEN_WINDOW,
    deadlines,
    is_overdue,
)
from services.feedback.desk import LIST_STATUSES, Desk, DeskFilter
from services.feedback.live import announce_new_report
from services.feedback.models import (
    ANSWERED,
    CLOSED_STATUSES,
    IN_PROGRESS,
    OPEN_STATUSES,
    RECEIVED,
    REJECTED,
    RESOLVED,
    STATUSES,
    TRANSFERRED,
    FeedbackCounter,
    FeedbackEvent,
    FeedbackFollower,
    FeedbackReport,
)
from services.feedback.similar import find_similar
from services.models import Commune, User
from services.outbox import Outbox
from services.text import whole_number
from services.timezones import VIETNAM_TZ_NAME
from services.users import Users, can_act_in

MAX_TEXT = 4000
MAX_PHOTOS = 3
MAX_FILE_BYTES = 20 * 1024 * 1024
"""Telegram bots cannot download files over 20 MB."""
MAX_PUBLIC_SUMMARY = 500
HOURLY_LIMIT = 5
NEEDS_NOTE = (ANSWERED, REJECTED, TRANSFERRED)
DEFAULT_TZ = "Asia/Ho_Chi_Minh"


class FeedbackError(Exception):
    """A request that cannot be done; `key` is the catalogue message that says why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Draft:
    """A report being written (kept in the conversation state as plain data)."""

    commune_id: int
    category: str = ""
    channel: str = "telegram"
    description: str | None = None
    voice: dict[str, Any] | None = None
    photos: list[dict[str, Any]] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    village_id: int | None = None
    address: str | None = None
    urgent: bool = False
    anonymous: bool = False

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        names = cls.__dataclass_fields__
        return cls(**{k: copy.deepcopy(v) for k, v in data.items() if k in names})

    def to_data(self) -> dict[str, Any]:
        return asdict(self)


def local_time(moment: datetime, tz: str = VIETNAM_TZ_NAME) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def fmt_date(moment: datetime | None, tz: str = VIETNAM_TZ_NAME) -> str:
    return local_time(moment, tz).strftime("%d/%m/%Y") if moment else "—"


def fmt_datetime(moment: datetime | None, tz: str = VIETNAM_TZ_NAME) -> str:
    return local_time(moment, tz).strftime("%H:%M %d/%m/%Y") if moment else "—"


def normalise_code(code: str) -> str:
    return code.strip().upper()


def overdue(report: FeedbackReport, now: datetime) -> bool:
    return is_overdue(status_open=report.is_open, due_at=report.due_at,
                      ack_due_at=report.ack_due_at, acknowledged_at=report.acknowledged_at,
                      now=now)


def private_chat(user: User) -> tuple[str, str]:
    return user.channel, user.external_id


@dataclass(frozen=True)
class InboxFilter:
    """What an official's inbox shows: `status` is "open" (default), "all" or a status."""

    status: str = "open"
    category: str | None = None
    village_id: int | None = None
    overdue: bool = False

    def __post_init__(self) -> None:
        if self.status not in LIST_STATUSES:
            raise ValueError(f"inbox status {self.status!r}")

    @classmethod
    def decode(cls, text: str) -> InboxFilter:
        """Parse `o,s=received,c=roads,v=3` (also the words of `/inbox overdue status=…`).

        Raises ValueError on anything else."""
        values: dict[str, Any] = {}
        for raw in text.replace(",", " ").split():
            token = raw.strip().lower()
            key, _, value = token.partition("=")
            if token in ("o", "overdue", "quahan", "quá-hạn"):
                values["overdue"] = True
            elif token in ("all", "tatca"):
                values["status"] = "all"
            elif key in ("s", "status") and value in LIST_STATUSES:
                values["status"] = value
            elif key in ("c", "category") and value:
                values["category"] = value
            elif key in ("v", "village") and whole_number(value) is not None:
                values["village_id"] = whole_number(value)
            else:
                raise ValueError(raw)
        return cls(**values)

    def desk(self, page: int = 0) -> DeskFilter:
        """The same filter as the operations room's list, at `page`."""
        return DeskFilter(status=self.status, category=self.category,
                          village_id=self.village_id, overdue=self.overdue, page=page)


class FeedbackReports:
    """Feedback over one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.outbox = Outbox(session)
        self.users = Users(session)
        self.communes = Communes(session)

    # --- citizens --------------------------------------------------------------------------

    async def filed_since(self, user: User, since: datetime) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(FeedbackReport)
            .where(FeedbackReport.reporter_id == user.id, FeedbackReport.created_at >= since)
        ) or 0

    async def may_file(self, user: User, now: datetime) -> bool:
        """At most `HOURLY_LIMIT` reports an hour from one person."""
        return await self.filed_since(user, now - timedelta(hours=1)) < HOURLY_LIMIT

    async def file(self, draft: Draft, reporter: User | None, now: datetime) -> FeedbackReport:
        """Validate and save a report, give it its code and deadlines, tell the officials."""
        commune = await self.communes.get(draft.commune_id)
        if commune is None:
            raise FeedbackError("feedback.no_commune")
        category = category_of(commune, draft.category)
        if category is None:
            raise FeedbackError("feedback.bad_category")
        description = (draft.description or "").strip() or None
        if description is None and not draft.voice:
            raise FeedbackError("feedback.need_description")
        if description and len(description) > MAX_TEXT:
            raise FeedbackError("feedback.too_long", limit=MAX_TEXT)
        if len(draft.photos) > MAX_PHOTOS:
            raise FeedbackError("feedback.too_many_photos", limit=MAX_PHOTOS)
        if reporter is not None and not await self.may_file(reporter, now):
            raise FeedbackError("feedback.flood", limit=HOURLY_LIMIT)
        if draft.village_id is not None and draft.village_id not in {
                v.id for v in commune.villages}:
            draft.village_id = None
        due = deadlines(await calendar_for(self.session, commune), now, urgent=draft.urgent,
                        due_days=category.due_days)
        report = FeedbackReport(
            code=await self.next_code(commune, now), commune_id=commune.id,
            reporter_id=reporter.id if reporter else None, channel=draft.channel,
            category=category.code, description=description, voice=draft.voice,
            photos=list(draft.photos), latitude=draft.latitude, longitude=draft.longitude,
            village_id=draft.village_id, address=(draft.address or None),
            urgent=draft.urgent, anonymous=draft.anonymous, status=RECEIVED,
            created_at=now, updated_at=now, ack_due_at=due.ack_due, due_at=due.due,
        )
        self.session.add(report)
        await self.session.flush()
        self._event(report, "created", None, now, status=RECEIVED)
        await self._tell_officials_new(report, commune)
        await announce_new_report(self.session, commune.id)
        return report

    async def next_code(self, commune: Commune, now: datetime) -> str:
        """PA-<commune code>-<year>-<sequence>: the counter row is bumped in this transaction
        (an atomic upsert), so concurrent filings never share a number."""
        year = local_time(now, commune.timezone or VIETNAM_TZ_NAME).year
        insert = insert_for(self.session)
        statement = (
            insert(FeedbackCounter).values(commune_id=commune.id, year=year, value=1)
            .on_conflict_do_update(index_elements=["commune_id", "year"],
                                   set_={"value": FeedbackCounter.value + 1})
            .returning(FeedbackCounter.value)
        )
        value = (await self.session.execute(statement)).scalar_one()
        return f"PA-{commune.code}-{year}-{value:04d}"

    async def similar(self, draft: Draft, reporter: User | None,
                      now: datetime) -> list[FeedbackReport]:
        return await find_similar(
            self.session, commune_id=draft.commune_id, category=draft.category,
            village_id=draft.village_id, latitude=draft.latitude, longitude=draft.longitude,
            now=now, exclude_reporter=reporter.id if reporter else None)

    async def follow(self, report: FeedbackReport, user: User, now: datetime) -> bool:
        """Subscribe a citizen to a report's updates; False if they already get them."""
        if report.reporter_id == user.id or await self.is_follower(report, user):
            return False
        self.session.add(FeedbackFollower(report_id=report.id, user_id=user.id, created_at=now))
        await self.session.flush()
        self._event(report, "follow", user, now, public=False)
        return True

    async def is_follower(self, report: FeedbackReport, user: User) -> bool:
        return await self.session.get(FeedbackFollower, (report.id, user.id)) is not None

    async def get(self, report_id: int) -> FeedbackReport | None:
        return await self.session.get(FeedbackReport, report_id)

    async def by_code(self, code: str) -> FeedbackReport | None:
        return await self.session.scalar(
            select(FeedbackReport).where(FeedbackReport.code == normalise_code(code)))

    async def by_number(self, commune_id: int, number: int) -> FeedbackReport | None:
        """A commune's report by its sequence number alone (`0001`, `#1`): this year's if
        there is one, else the latest year's."""
        return await self.session.scalar(
            select(FeedbackReport)
            .where(FeedbackReport.commune_id == commune_id,
                   FeedbackReport.code.like(f"PA-%-{number:04d}"))
            .order_by(FeedbackReport.created_at.desc()).limit(1))

    async def visible_to_citizen(self, user: User, code: str) -> FeedbackReport | None:
        """The report if the user filed or follows it; None otherwise (unknown or foreign)."""
        report = await self.by_code(code)
        if report is None:
            return None
        if report.reporter_id == user.id or await self.is_follower(report, user):
            return report
        return None

    async def mine(self, user: User, limit: int = 10) -> list[FeedbackReport]:
        followed = select(FeedbackFollower.report_id).where(FeedbackFollower.user_id == user.id)
        rows = await self.session.scalars(
            select(FeedbackReport)
            .where(or_(FeedbackReport.reporter_id == user.id, FeedbackReport.id.in_(followed)))
            .order_by(FeedbackReport.created_at.desc(), FeedbackReport.id.desc()).limit(limit)
        )
        return list(rows)

    async def history(self, report: FeedbackReport, *, public_only: bool) -> list[FeedbackEvent]:
        query = select(FeedbackEvent).where(FeedbackEvent.report_id == report.id)
        if public_only:
            query = query.where(FeedbackEvent.public.is_(True))
        return list(await self.session.scalars(query.order_by(FeedbackEvent.id)))

    async def rate(self, report: FeedbackReport, user: User, stars: int, now: datetime) -> None:
        if report.reporter_id != user.id or report.status != RESOLVED:
            raise FeedbackError("feedback.rate_not_allowed")
        if not 1 <= stars <= 5:
            raise FeedbackError("feedback.rate_not_allowed")
        report.rating = stars
        self._event(report, "rating", user, now, public=False, text=str(stars))

    async def comment_rating(self, report: FeedbackReport, user: User, text: str,
                             now: datetime) -> None:
        if report.reporter_id != user.id or report.rating is None:
            raise FeedbackError("feedback.rate_not_allowed")
        report.rating_comment = text.strip()[:MAX_TEXT]
        self._event(report, "rating", user, now, public=False, text=report.rating_comment)

    async def reopen(self, report: FeedbackReport, user: User, now: datetime, *,
                     checkin: bool = False) -> None:
        """The reporter says it is not fixed: within 14 days of resolution (or answering the
        check-in), the report goes back to the officials with a new deadline."""
        if report.reporter_id != user.id or report.status != RESOLVED:
            raise FeedbackError("feedback.reopen_not_allowed")
        if not checkin and (report.resolved_at is None
                            or now - report.resolved_at > REOPEN_WINDOW):
            raise FeedbackError("feedback.reopen_too_late")
        commune = await self.communes.get(report.commune_id)
        category = category_of(commune, report.category)
        due = deadlines(await calendar_for(self.session, commune), now, urgent=report.urgent,
                        due_days=category.due_days if category else 10)
        report.status, report.resolved_at, report.checkin_sent_at = IN_PROGRESS, None, None
        report.due_at, report.updated_at = due.due, now
        self._event(report, "reopened", user, now, status=IN_PROGRESS)
        await self._tell_public(report, "feedback.notify.reopened", skip=user,
                                due=fmt_date(report.due_at))
        for official in await self._officials(report):
            t = Translator(official.language)
            await self.outbox.enqueue(
                *private_chat(official), priority=5,
                text=t("feedback.official.reopened", code=report.code),
                buttons=open_report_keyboard(t, report.id))

    async def checkin_answer(self, report: FeedbackReport, user: User, fixed: bool,
                             now: datetime) -> None:
        if report.reporter_id != user.id:
            raise FeedbackError("feedback.reopen_not_allowed")
        self._event(report, "checkin", user, now, public=False, text="yes" if fixed else "no")
        if not fixed:
            await self.reopen(report, user, now, checkin=True)

    # --- officials --------------------------------------------------------------------------

    def may_act(self, official: User, report: FeedbackReport) -> bool:
        return can_act_in(official, report.commune_id)

    async def acknowledge(self, report: FeedbackReport, official: User, now: datetime) -> None:
        if report.acknowledged_at is None:
            report.acknowledged_at = now

    async def set_status(self, report: FeedbackReport, official: User, status: str,
                         note: str | None, now: datetime) -> None:
        if status not in STATUSES:
            raise FeedbackError("feedback.admin.bad_status", statuses=", ".join(STATUSES))
        note = (note or "").strip() or None
        if status in NEEDS_NOTE and not note:
            raise FeedbackError(f"feedback.admin.note_required_{status}")
        if status == report.status and not note:
            raise FeedbackError("feedback.admin.same_status")
        if note and len(note) > MAX_TEXT:
            raise FeedbackError("feedback.too_long", limit=MAX_TEXT)
        await self.acknowledge(report, official, now)
        report.status, report.updated_at = status, now
        if note:
            report.status_note = note
        if status == RESOLVED:
            report.resolved_at, report.checkin_sent_at = now, None
        elif status in OPEN_STATUSES:
            report.resolved_at = None
        self._event(report, "status", official, now, status=status, text=note)
        await self._tell_public(report, f"feedback.notify.{status}", note=note or "",
                                with_rating=status == RESOLVED,
                                label=f"feedback.note_label.{status}")

    async def answer(self, report: FeedbackReport, official: User, text: str,
                     now: datetime) -> None:
        text = text.strip()
        if not text:
            raise FeedbackError("feedback.admin.reply_usage")
        if len(text) > MAX_TEXT:
            raise FeedbackError("feedback.too_long", limit=MAX_TEXT)
        await self.acknowledge(report, official, now)
        if report.status in (RECEIVED, IN_PROGRESS):
            report.status = ANSWERED
        report.status_note, report.updated_at = text, now
        self._event(report, "answer", official, now, status=report.status, text=text)
        await self._tell_public(report, "feedback.notify.answer", note=text)

    async def note(self, report: FeedbackReport, official: User, text: str,
                   now: datetime) -> None:
        if not text.strip():
            raise FeedbackError("feedback.admin.note_usage")
        self._event(report, "note", official, now, public=False, text=text.strip()[:MAX_TEXT])

    async def set_public_summary(self, report: FeedbackReport, official: User, text: str,
                                 now: datetime) -> None:
        """Set the only free text the public sees (Open311), or clear it with "-". Chat's
        `/public` and the web workspace both call this."""
        text = text.strip()
        if not text:
            raise FeedbackError("feedback.admin.public_usage")
        if len(text) > MAX_PUBLIC_SUMMARY:
            raise FeedbackError("feedback.too_long", limit=MAX_PUBLIC_SUMMARY)
        report.public_summary = None if text == "-" else text
        report.updated_at = now
        self._event(report, "public", official, now, public=False, text=report.public_summary)

    async def assign(self, report: FeedbackReport, official: User, assignee: User,
                     now: datetime) -> None:
        if not can_act_in(assignee, report.commune_id):
            raise FeedbackError("feedback.admin.assignee_not_official")
        await self.acknowledge(report, official, now)
        report.assignee_id, report.updated_at = assignee.id, now
        self._event(report, "assign", official, now, public=False,
                    text=f"{assignee.channel}:{assignee.external_id}")
        if assignee.id != official.id:
            t = Translator(assignee.language)
            await self.outbox.enqueue(
                *private_chat(assignee), priority=3,
                text=t("feedback.official.assigned", code=report.code,
                       due=fmt_datetime(report.due_at)),
                buttons=open_report_keyboard(t, report.id))

    async def inbox(self, commune_id: int | None, flt: InboxFilter, now: datetime, *,
                    page: int = 0, per_page: int = 8) -> tuple[list[FeedbackReport], int]:
        """One page of a commune's reports (all communes when `commune_id` is None), most
        pressing first, and how many there are: the operations room's list, in chat's pages."""
        return await Desk(self.session, DEFAULT_TZ).page(commune_id, flt.desk(page), now,
                                                         per_page=per_page)

    # --- messages ---------------------------------------------------------------------------

    def _event(self, report: FeedbackReport, kind: str, actor: User | None, now: datetime, *,
               status: str | None = None, public: bool = True, text: str | None = None) -> None:
        self.session.add(FeedbackEvent(report_id=report.id, at=now,
                                       actor_id=actor.id if actor else None, kind=kind,
                                       status=status, public=public, text=text))

    async def _officials(self, report: FeedbackReport) -> list[User]:
        return await self.users.officials_of(report.commune_id)

    async def audience(self, report: FeedbackReport) -> list[User]:
        """The reporter and the followers."""
        followers = select(FeedbackFollower.user_id).where(
            FeedbackFollower.report_id == report.id)
        rows = await self.session.scalars(
            select(User).where(or_(User.id == report.reporter_id, User.id.in_(followers)))
            .order_by(User.id))
        return list(rows)

    async def _tell_public(self, report: FeedbackReport, key: str, *, skip: User | None = None,
                           with_rating: bool = False, label: str | None = None,
                           **params: Any) -> None:
        """Tell the reporter and the followers; `label`: the key that names the official's
        note ("Kết quả xử lý: …"), when the status has one."""
        for user in await self.audience(report):
            if skip is not None and user.id == skip.id:
                continue
            t = Translator(user.language)
            said = dict(params)
            if label and said.get("note") and t.has(label):
                said["note"] = t(label, note=said["note"])
            text = t(key, code=report.code, **said).strip()
            buttons: Rows = []
            if with_rating and user.id == report.reporter_id:
                text += "\n\n" + t("feedback.rate_ask")
                buttons = rating_keyboard(t, report.id)
            await self.outbox.enqueue(*private_chat(user), text=text, buttons=buttons,
                                      priority=2)

    async def _tell_officials_new(self, report: FeedbackReport, commune: Commune) -> None:
        village = commune.village_name(report.village_id)
        for official in await self._officials(report):
            t = Translator(official.language)
            key = "feedback.official.new_urgent" if report.urgent else "feedback.official.new"
            text = t(key, code=report.code,
                     category=category_name(commune, report.category, official.language),
                     place=village or report.address or "—",
                     summary=(report.description or t("feedback.voice_only"))[:300],
                     due=fmt_datetime(report.due_at, commune.timezone))
            await self.outbox.enqueue(
                *private_chat(official), text=text, silent=not report.urgent,
                priority=9 if report.urgent else 3,
                buttons=open_report_keyboard(t, report.id))


__all__ = [
    "CLOSED_STATUSES",
    "MAX_FILE_BYTES",
    "MAX_PHOTOS",
    "Draft",
    "FeedbackError",
    "FeedbackReports",
    "InboxFilter",
]
