"""Notices over a unit of work: create, confirm, fire due occurrences once, edit, cancel,
follow delivery and report to the official."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locales import Translator
from services.callbacks import Button, Keyboard, keyboard_json
from services.db import affected, insert_for
from services.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    Chat,
    Commune,
    OutboxMessage,
    User,
)
from services.notices import render
from services.notices.actions import ConfirmNotice, DiscardNotice
from services.notices.models import (
    CANCELLED,
    DONE,
    MISSED,
    OPEN_STATUSES,
    PREPARING,
    PREVIEW,
    RECURRING,
    RUN_DONE,
    RUN_MISSED,
    RUN_SENDING,
    SCHEDULED,
    Notice,
    NoticeRun,
)
from services.notices.schedule import ScheduleError, next_run
from services.outbox import Outbox

DEFAULT_GRACE = timedelta(hours=1)
OUTBOX_PRIORITY = {"normal": 0, "priority": 5, "emergency": 100}
REPORT_PRIORITY = 50
"""The official's progress and reports go ahead of the groups' messages."""
PROGRESS_EVERY = timedelta(seconds=2)
"""At most one edit of a progress message this often (the official's chat has limits too)."""
GONE_HINTS = ("forbidden", "blocked", "kicked", "not found", "deleted", "inactive")


def group_key(notice_id: int, run_id: int) -> str:
    return f"notice:{notice_id}:{run_id}"


def parse_group_key(key: str) -> tuple[int, int] | None:
    parts = key.split(":")
    if len(parts) == 3 and parts[0] == "notice" and parts[1].isdigit() and parts[2].isdigit():
        return int(parts[1]), int(parts[2])
    return None


@dataclass(frozen=True)
class GroupStatus:
    chat: Chat
    status: str
    """sent, pending or failed (any message of the group failed)."""
    error: str | None = None


@dataclass(frozen=True)
class Counts:
    total: int
    sent: int
    failed: int

    @property
    def pending(self) -> int:
        return self.total - self.sent - self.failed

    @classmethod
    def of(cls, groups: list[GroupStatus]) -> Counts:
        return cls(total=len(groups), sent=sum(g.status == "sent" for g in groups),
                   failed=sum(g.status == "failed" for g in groups))


@dataclass(frozen=True)
class RunReport:
    """One run as its delivery report shows it, in chat (`/notice ID`) and on the web."""

    run: NoticeRun
    groups: list[GroupStatus]

    @property
    def counts(self) -> Counts:
        return Counts.of(self.groups)

    @property
    def status(self) -> str:
        """The run's status as its groups' rows make it: a sending whose every group has
        its messages (or has failed) is done. The stored status catches up only when the
        sender's pass reports (`Notices.report_progress`), after every chat of that pass,
        or never if the process stopped in between; what is shown follows the rows."""
        if self.run.status == RUN_SENDING and self.counts.pending == 0:
            return RUN_DONE
        return self.run.status


def needs_preparation(notice: Notice) -> bool:
    """Audio must be made (text read aloud, or an audio file converted) before the preview."""
    if notice.mode == "text":
        return False
    recording = notice.recording or {}
    if recording:
        return recording.get("mime") not in (None, "audio/ogg")
    return True


def recording_parts(notice: Notice) -> list[dict[str, Any]]:
    """A voice recording the channel already has, sent by its file id."""
    recording = notice.recording or {}
    if recording and not needs_preparation(notice):
        return [{"file_id": recording["file_id"],
                 "duration": recording.get("duration")}]
    return []


class Notices:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.outbox = Outbox(session)

    # --- reading ---------------------------------------------------------------------------

    async def get(self, notice_id: int) -> Notice | None:
        return await self.session.get(Notice, notice_id)

    async def commune(self, commune_id: int) -> Commune:
        commune = await self.session.get(Commune, commune_id,
                                         options=[selectinload(Commune.villages)])
        assert commune is not None
        return commune

    async def open_for(self, commune_id: int | None) -> list[Notice]:
        query = select(Notice).where(Notice.status.in_(OPEN_STATUSES))
        if commune_id is not None:
            query = query.where(Notice.commune_id == commune_id)
        return list(await self.session.scalars(
            query.order_by(Notice.next_run_at.is_(None), Notice.next_run_at, Notice.id)))

    async def awaiting_confirmation(self, author_id: int) -> list[int]:
        """The ids of this official's notices left at their preview (they went back to the
        menu, or the preview scrolled away), oldest first."""
        return list(await self.session.scalars(
            select(Notice.id).where(Notice.author_id == author_id, Notice.status == PREVIEW)
            .order_by(Notice.id)))

    async def recent(self, commune_id: int | None, limit: int) -> list[Notice]:
        """Finished notices (sent, missed, cancelled), the latest first."""
        query = select(Notice).where(Notice.status.not_in(OPEN_STATUSES))
        if commune_id is not None:
            query = query.where(Notice.commune_id == commune_id)
        return list(await self.session.scalars(
            query.order_by(Notice.updated_at.desc(), Notice.id.desc()).limit(limit)))

    async def groups_for(self, commune_id: int, village_ids: list[Any]) -> list[Chat]:
        """Active groups linked to the commune: all of them for a commune-wide notice, else
        the groups of the chosen villages."""
        query = select(Chat).where(Chat.commune_id == commune_id, Chat.type == "group",
                                   Chat.active.is_(True))
        if village_ids:
            query = query.where(Chat.village_id.in_([int(v) for v in village_ids]))
        return list(await self.session.scalars(query.order_by(Chat.id)))

    async def runs(self, notice_id: int) -> list[NoticeRun]:
        return list(await self.session.scalars(
            select(NoticeRun).where(NoticeRun.notice_id == notice_id)
            .order_by(NoticeRun.occurrence_at.desc())))

    async def run(self, run_id: int) -> NoticeRun | None:
        return await self.session.get(NoticeRun, run_id)

    async def unreported_runs(self) -> list[str]:
        """The group keys of runs still marked sending: the sender's pass reports a run when
        its last row goes, but a process stopped between that send and its report leaves the
        run sending for good, and its official without the final report."""
        rows = await self.session.execute(
            select(NoticeRun.notice_id, NoticeRun.id).where(NoticeRun.status == RUN_SENDING))
        return [group_key(notice_id, run_id) for notice_id, run_id in rows]

    async def group_statuses(self, notice_id: int, run_id: int) -> list[GroupStatus]:
        rows = (await self.session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.channel, OutboxMessage.status,
                   OutboxMessage.last_error)
            .where(OutboxMessage.group_key == group_key(notice_id, run_id))
            .order_by(OutboxMessage.id))).all()
        by_chat: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
        for chat_id, channel, status, error in rows:
            by_chat.setdefault((channel, chat_id), []).append((status, error))
        chats = {(c.channel, c.chat_id): c for c in await self.session.scalars(
            select(Chat).where(Chat.chat_id.in_([k[1] for k in by_chat])))} if by_chat else {}
        result = []
        for key, states in by_chat.items():
            chat = chats.get(key) or Chat(channel=key[0], chat_id=key[1], title=key[1])
            errors = [e for s, e in states if s == OUTBOX_FAILED]
            if errors:
                result.append(GroupStatus(chat, "failed", errors[0]))
            elif all(s == OUTBOX_SENT for s, _ in states):
                result.append(GroupStatus(chat, "sent"))
            else:
                result.append(GroupStatus(chat, "pending"))
        return result

    async def report(self, run: NoticeRun) -> RunReport:
        return RunReport(run, await self.group_statuses(run.notice_id, run.id))

    # --- composing -------------------------------------------------------------------------

    async def create(self, author: User, commune_id: int, *, text: str,
                     recording: dict[str, Any] | None, village_ids: list[int], priority: str,
                     mode: str, schedule: str, cron: str | None, run_at: datetime | None,
                     now: datetime, source_document: str | None = None,
                     document_sha256: str | None = None) -> Notice:
        """A draft notice; `source_document` names the file its text was read from, and
        `document_sha256` that file when it goes to the groups with the text."""
        notice = Notice(commune_id=commune_id, author_id=author.id, text=text.strip(),
                        recording=recording, village_ids=sorted(village_ids), priority=priority,
                        mode=mode, schedule=schedule, cron=cron, run_at=run_at, audio=[],
                        created_at=now, updated_at=now, version=1,
                        source_document=source_document, document_sha256=document_sha256)
        notice.audio = recording_parts(notice)
        notice.status = PREPARING if needs_preparation(notice) else PREVIEW
        self.session.add(notice)
        await self.session.flush()
        return notice

    async def set_audio(self, notice: Notice, parts: list[tuple[bytes, float]],
                        engine: str | None, error: str | None) -> None:
        stored = []
        for data, seconds in parts:
            digest = await self.outbox.store_blob(data, "audio/ogg")
            stored.append({"sha256": digest, "duration": max(1, round(seconds))})
        notice.audio = stored
        notice.audio_engine = engine
        notice.audio_error = error

    async def preview(self, notice: Notice, author: User, now: datetime) -> tuple[str, Keyboard]:
        """Send the author what the groups will get; return the summary and its choices."""
        commune = await self.commune(notice.commune_id)
        t = Translator(author.language)
        channel, chat_id = author.channel, author.external_id
        if render.sends_text(notice):
            await self.outbox.enqueue(channel, chat_id, text=render.group_text(notice, commune))
        if render.sends_voice(notice):
            for index, part in enumerate(notice.audio, start=1):
                await self.outbox.enqueue(
                    channel, chat_id, kind="voice", attachment=render.voice_attachment(part),
                    text=render.voice_caption(notice, commune, index, len(notice.audio)))
        text = t("notices.preview_title") + "\n" + render.summary(
            t, notice, commune, commune.timezone)
        buttons = [[Button(t("notices.confirm"), ConfirmNotice(notice.id))],
                   [Button(t("notices.discard"), DiscardNotice(notice.id))]]
        return text, buttons

    async def send_preview(self, notice: Notice, author: User, now: datetime) -> None:
        """The preview as outbox rows only (when the audio was made in the background; the
        channel notes its choices where they are answered by number)."""
        text, buttons = await self.preview(notice, author, now)
        await self.outbox.enqueue(author.channel, author.external_id, text=text,
                                  buttons=keyboard_json(buttons))

    # --- scheduling ------------------------------------------------------------------------

    async def confirm(self, notice: Notice, now: datetime) -> NoticeRun | None:
        """Schedule a previewed notice; a notice for now goes out in this transaction."""
        commune = await self.commune(notice.commune_id)
        if notice.schedule == "once":
            if notice.run_at is None or notice.run_at <= now:
                raise ScheduleError("notices.datetime_past")
            notice.next_run_at = notice.run_at
        elif notice.schedule in RECURRING:
            notice.next_run_at = next_run(notice.cron or "", commune.timezone, now)
        else:
            notice.next_run_at = now
        notice.status = SCHEDULED
        notice.confirmed_at = notice.updated_at = now
        if notice.schedule != "now":
            return None
        run = await self.fire(notice, now, now)
        self._advance(notice, now, now, DEFAULT_GRACE, commune.timezone)
        return run

    async def due_ids(self, now: datetime, limit: int = 50) -> list[int]:
        return list(await self.session.scalars(
            select(Notice.id).where(Notice.status == SCHEDULED, Notice.next_run_at <= now)
            .order_by(Notice.next_run_at).limit(limit)))

    async def fire_due(self, notice_id: int, now: datetime,
                       grace: timedelta = DEFAULT_GRACE) -> NoticeRun | None:
        """Deliver the notice's due occurrence once (or record it missed), then advance."""
        notice = await self.session.scalar(
            select(Notice).where(Notice.id == notice_id, Notice.status == SCHEDULED,
                                 Notice.next_run_at <= now)
            .with_for_update(skip_locked=True))
        if notice is None or notice.next_run_at is None:
            return None
        commune = await self.commune(notice.commune_id)
        grace = timedelta(minutes=int(commune.settings.get("notice_grace_minutes", 0))) \
            or grace
        occurrence = notice.next_run_at
        if now - occurrence > grace:
            run = await self._missed(notice, occurrence, now)
        else:
            run = await self.fire(notice, occurrence, now)
        self._advance(notice, occurrence, now, grace, commune.timezone)
        return run

    def _advance(self, notice: Notice, occurrence: datetime, now: datetime,
                 grace: timedelta, tz: str) -> None:
        notice.updated_at = now
        if notice.schedule in RECURRING and notice.status == SCHEDULED:
            notice.next_run_at = next_run(notice.cron or "", tz, max(occurrence, now - grace))
        elif notice.status == SCHEDULED:
            notice.next_run_at = None
            notice.status = DONE

    async def _claim_run(self, notice: Notice, occurrence: datetime, now: datetime,
                         status: str) -> NoticeRun | None:
        insert = insert_for(self.session)
        run_id = await self.session.scalar(
            insert(NoticeRun)
            .values(notice_id=notice.id, occurrence_at=occurrence, status=status,
                    late_s=max(0, int((now - occurrence).total_seconds())), created_at=now)
            .on_conflict_do_nothing()
            .returning(NoticeRun.id))
        return await self.session.get(NoticeRun, run_id) if run_id is not None else None

    async def _missed(self, notice: Notice, occurrence: datetime,
                      now: datetime) -> NoticeRun | None:
        run = await self._claim_run(notice, occurrence, now, RUN_MISSED)
        if run is None:
            return None
        run.finished_at = now
        if notice.schedule not in RECURRING:
            notice.status, notice.next_run_at = MISSED, None
        author = await self._author(notice)
        if author is not None:
            commune = await self.commune(notice.commune_id)
            t = Translator(author.language)
            await self.outbox.enqueue(
                author.channel, author.external_id, priority=REPORT_PRIORITY,
                text=t("notices.missed", id=notice.id,
                       when=render.local_datetime(occurrence, commune.timezone)))
        return run

    async def fire(self, notice: Notice, occurrence: datetime, now: datetime) -> NoticeRun | None:
        """Create the occurrence and its messages to every target group, once."""
        run = await self._claim_run(notice, occurrence, now, RUN_SENDING)
        if run is None:
            return None
        commune = await self.commune(notice.commune_id)
        groups = await self.groups_for(notice.commune_id, notice.village_ids)
        run.groups = len(groups)
        key = group_key(notice.id, run.id)
        stamp = occurrence.isoformat(timespec="seconds")
        priority = OUTBOX_PRIORITY.get(notice.priority, 0)
        pin = notice.priority == "emergency"
        for chat in groups:
            messages = self._group_messages(notice, commune)
            for index, (kind, text, attachment) in enumerate(messages):
                await self.outbox.enqueue(
                    chat.channel, chat.chat_id, kind=kind, text=text, attachment=attachment,
                    pin=pin and index == 0, priority=priority, group_key=key,
                    dedupe_key=f"notice:{notice.id}:{stamp}:{chat.chat_id}:{index}")
        author = await self._author(notice)
        if author is not None and groups:
            t = Translator(author.language)
            text = self._progress_text(t, notice, Counts(len(groups), 0, 0), run)
            row = await self.outbox.enqueue(author.channel, author.external_id, text=text,
                                            priority=REPORT_PRIORITY)
            await self.session.flush()
            run.progress_outbox_id, run.progress_text, run.progress_at = row.id, text, now
        if not groups:
            run.status, run.finished_at = RUN_DONE, now
            if author is not None:
                await self.outbox.enqueue(
                    author.channel, author.external_id, priority=REPORT_PRIORITY,
                    text=Translator(author.language)("notices.no_groups_at_run", id=notice.id))
        return run

    def _group_messages(self, notice: Notice, commune: Commune
                        ) -> list[tuple[str, str | None, dict[str, Any] | None]]:
        messages: list[tuple[str, str | None, dict[str, Any] | None]] = []
        if render.sends_text(notice):
            messages.append(("text", render.group_text(notice, commune), None))
        if render.sends_voice(notice):
            count = len(notice.audio)
            for index, part in enumerate(notice.audio, start=1):
                messages.append(("voice", render.voice_caption(notice, commune, index, count),
                                 render.voice_attachment(part)))
        if notice.document_sha256:
            messages.append(("document", render.header(notice, commune),
                             render.document_attachment(notice)))
        return messages

    # --- editing and cancelling --------------------------------------------------------------

    async def edit_text(self, notice: Notice, text: str, now: datetime) -> None:
        """New text: new audio, and the official confirms again."""
        notice.text = text.strip()
        notice.version += 1
        notice.recording = None if notice.text else notice.recording
        notice.audio = recording_parts(notice)
        notice.audio_engine = notice.audio_error = None
        notice.status = PREPARING if needs_preparation(notice) else PREVIEW
        notice.updated_at = now

    @staticmethod
    def retimed(notice: Notice, tz: str, now: datetime) -> None:
        """Its time (run_at or cron) was changed: a scheduled notice's next occurrence follows."""
        if notice.status == SCHEDULED:
            notice.next_run_at = notice.run_at if notice.schedule == "once" \
                else next_run(notice.cron or "", tz, now)
        notice.updated_at = now

    async def cancel(self, notice: Notice, now: datetime) -> int:
        """Stop the notice and drop its messages not yet sent; return how many were dropped."""
        notice.status, notice.next_run_at, notice.updated_at = CANCELLED, None, now
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.group_key.like(f"notice:{notice.id}:%"),
                   OutboxMessage.status == OUTBOX_PENDING)
            .values(status=OUTBOX_FAILED, last_error="cancelled", claimed_until=None))
        await self.session.execute(
            update(NoticeRun).where(NoticeRun.notice_id == notice.id,
                                    NoticeRun.status == RUN_SENDING)
            .values(status=RUN_DONE, finished_at=now))
        return affected(result)

    # --- progress and reports ----------------------------------------------------------------

    async def report_progress(self, key: str, now: datetime) -> bool:
        """Edit the official's progress message; on completion, send the final report once.
        Return whether this call finished the run."""
        ids = parse_group_key(key)
        run = await self.run(ids[1]) if ids else None
        if run is None or run.status != RUN_SENDING:
            return False
        notice = await self.get(run.notice_id)
        author = await self._author(notice) if notice else None
        if notice is None:
            return False
        report = await self.report(run)
        if report.status == RUN_DONE:
            finished = await self.session.execute(
                update(NoticeRun).where(NoticeRun.id == run.id, NoticeRun.status == RUN_SENDING)
                .values(status=RUN_DONE, finished_at=now))
            if not affected(finished):
                return False
            if author is not None:
                await self._final_report(notice, report, author)
            return True
        if author is None or (run.progress_at and now - run.progress_at < PROGRESS_EVERY):
            return False
        text = self._progress_text(Translator(author.language), notice, report.counts, run)
        if text != run.progress_text and await self._edit_progress(run, author, text):
            run.progress_text, run.progress_at = text, now
        return False

    async def _edit_progress(self, run: NoticeRun, author: User, text: str) -> bool:
        row = await self.session.get(OutboxMessage, run.progress_outbox_id) \
            if run.progress_outbox_id else None
        if row is None or row.status != OUTBOX_SENT or not row.sent_message_id:
            return False
        await self.outbox.enqueue(author.channel, author.external_id, text=text,
                                  edit_message_id=row.sent_message_id, priority=REPORT_PRIORITY)
        return True

    def _progress_text(self, t: Translator, notice: Notice, counts: Counts,
                       run: NoticeRun) -> str:
        return t("notices.progress", id=notice.id, sent=counts.sent + counts.failed,
                 total=counts.total)

    async def _final_report(self, notice: Notice, report: RunReport, author: User) -> None:
        run, counts, t = report.run, report.counts, Translator(author.language)
        final = t("notices.progress_done", id=notice.id, sent=counts.sent, total=counts.total)
        await self._edit_progress(run, author, final)
        lines = [t("notices.report", id=notice.id, sent=counts.sent, total=counts.total)]
        if run.late_s >= 60:
            lines.append(t("notices.report_late", minutes=run.late_s // 60))
        if notice.audio_error and notice.mode != "text":
            lines.append(t("notices.report_text_only"))
        failures = [s for s in report.groups if s.status == "failed"]
        if failures:
            lines.append(t("notices.report_failures"))
            lines += [f"• {s.chat.title or s.chat.chat_id}: {reason(t, s.error)}"
                      for s in failures]
        await self.outbox.enqueue(author.channel, author.external_id, text="\n".join(lines),
                                  priority=REPORT_PRIORITY)

    async def _author(self, notice: Notice) -> User | None:
        return await self.session.get(User, notice.author_id) if notice.author_id else None


def shown_status(notice: Notice, latest: RunReport | None) -> str:
    """A notice's status as officials see it: one whose last occurrence is still going out
    is "sending" (the notice is done with firing as soon as its run starts, which took
    seconds to minutes before every group had it)."""
    if notice.status == DONE and latest is not None and latest.status == RUN_SENDING:
        return RUN_SENDING
    return notice.status


def reason(t: Translator, error: str | None) -> str:
    text = (error or "").lower()
    if text == "cancelled":
        return t("notices.reason_cancelled")
    if any(hint in text for hint in GONE_HINTS):
        return t("notices.reason_removed")
    return t("notices.reason_other", error=(error or "?")[:120])
