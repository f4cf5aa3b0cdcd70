"""How notices read: in the groups, in the official's preview, progress and reports."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from locales import Translator
from services.models import Commune
from services.notices.models import Notice
from services.notices.schedule import DAILY_OR_WEEKLY, cron_month_day, cron_weekdays

GROUP_LANGUAGE = "vi"
VOICE_FILENAME = "thong-bao.ogg"


def local_datetime(moment: datetime | None, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y") if moment else "—"


def header(notice: Notice, commune: Commune) -> str:
    return Translator(GROUP_LANGUAGE)(f"notices.header_{notice.priority}", commune=commune.name)


def group_text(notice: Notice, commune: Commune) -> str:
    return f"{header(notice, commune)}\n\n{notice.text}"


def voice_caption(notice: Notice, commune: Commune, index: int, count: int) -> str:
    caption = header(notice, commune)
    return f"{caption} ({index}/{count})" if count > 1 else caption


def voice_attachment(part: dict[str, Any]) -> dict[str, Any]:
    attachment: dict[str, Any] = {"filename": VOICE_FILENAME, "mime": "audio/ogg"}
    for name in ("sha256", "file_id", "duration"):
        if part.get(name) is not None:
            attachment[name] = part[name]
    return attachment


def document_attachment(notice: Notice) -> dict[str, Any]:
    """The document the text was read from, as the official sent it."""
    name = notice.source_document or "van-ban"
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return {"sha256": notice.document_sha256, "filename": name, "mime": mime}


def sends_text(notice: Notice) -> bool:
    """Text goes out when asked for, and instead of audio that could not be made."""
    return bool(notice.text.strip()) and (notice.mode != "voice" or not notice.audio)


def sends_voice(notice: Notice) -> bool:
    return notice.mode in ("voice", "both") and bool(notice.audio)


def targets_label(t: Translator, notice: Notice, commune: Commune) -> str:
    if not notice.village_ids:
        return t("notices.whole_commune", commune=commune.name)
    names = {v.id: v.name for v in commune.villages}
    return ", ".join(names.get(int(v), f"#{v}") for v in notice.village_ids)


def when_label(t: Translator, notice: Notice, tz: str) -> str:
    """When a notice goes out, in words: never the cron expression stored behind it."""
    if notice.schedule == "now":
        return t("notices.when_now")
    if notice.schedule == "once":
        return local_datetime(notice.run_at, tz)
    cron = notice.cron or ""
    minute, hour = cron.split()[:2] if cron else ("0", "0")
    at = f"{int(hour):02d}:{int(minute):02d}" if minute.isdigit() and hour.isdigit() else ""
    daily_or_weekly = DAILY_OR_WEEKLY.fullmatch(cron.strip())
    if notice.schedule == "daily" or (daily_or_weekly and daily_or_weekly[3] == "*"):
        return t("notices.when_daily", time=at)
    if notice.schedule == "weekly" or daily_or_weekly:
        days = ", ".join(t(f"notices.day_{d}") for d in cron_weekdays(cron))
        return t("notices.when_weekly", time=at, days=days)
    day = cron_month_day(cron)
    if day is not None and at:
        return t("notices.when_monthly", time=at, day=day)
    return t("notices.when_cron")


def summary(t: Translator, notice: Notice, commune: Commune, tz: str) -> str:
    lines = [
        t("notices.summary", id=notice.id, targets=targets_label(t, notice, commune),
          priority=t(f"notices.priority_{notice.priority}"),
          mode=t(f"notices.mode_{notice.mode}"), when=when_label(t, notice, tz)),
    ]
    if notice.next_run_at and notice.schedule != "now":
        lines.append(t("notices.next_run", when=local_datetime(notice.next_run_at, tz)))
    if notice.audio_error and notice.mode != "text":
        lines.append(t("notices.audio_failed_text_only") if notice.text.strip()
                     else t("notices.audio_failed"))
    return "\n".join(lines)
