"""The actions feedback messages offer, as typed callback data, and the keyboards the feedback
service queues with them: "open the report" for officials, the rating request and "not fixed"
under a resolution, the four-week check-in. The handlers register what each action does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from locales import Translator
from services.callbacks import Button, CallbackData, in_rows, keyboard_json

Stars = Literal[1, 2, 3, 4, 5]
STARS: tuple[Stars, ...] = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class OpenReport(CallbackData, prefix="fb.open"):
    """An official opens a report in full."""

    report_id: int


@dataclass(frozen=True)
class RateReport(CallbackData, prefix="fb.rate"):
    """The reporter rates how a resolved report was handled."""

    report_id: int
    stars: Stars


@dataclass(frozen=True)
class ReportNotFixed(CallbackData, prefix="fb.notfixed"):
    """The reporter says a resolved report is not fixed."""

    report_id: int


@dataclass(frozen=True)
class CheckinAnswer(CallbackData, prefix="fb.still"):
    """The reporter's answer to "is it still fixed?" four weeks after the resolution."""

    report_id: int
    fixed: bool


Rows = list[list[dict[str, str]]]


def open_report_keyboard(t: Translator, report_id: int) -> Rows:
    return keyboard_json([[Button(t("feedback.admin.open"), OpenReport(report_id))]])


def rating_keyboard(t: Translator, report_id: int) -> Rows:
    stars = [Button("⭐" * n, RateReport(report_id, n)) for n in STARS]
    return keyboard_json([*in_rows(stars, 3),
                          [Button(t("feedback.not_fixed"), ReportNotFixed(report_id))]])


def checkin_keyboard(t: Translator, report_id: int) -> Rows:
    return keyboard_json([[Button(t("feedback.checkin_yes"), CheckinAnswer(report_id, True)),
                           Button(t("feedback.checkin_no"), CheckinAnswer(report_id, False))]])
