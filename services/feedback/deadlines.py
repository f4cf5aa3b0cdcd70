"""Feedback deadlines in Vietnamese working time: acknowledge within 8 working hours, handle
an urgent report within 4, answer within N working days (10 unless the category says)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.worktime import WorkCalendar

ACK_HOURS = 8
URGENT_HOURS = 4


@dataclass(frozen=True)
class Deadlines:
    ack_due: datetime
    due: datetime


def deadlines(calendar: WorkCalendar, received: datetime, *, urgent: bool,
              due_days: int) -> Deadlines:
    """When a report received at `received` must be acknowledged and answered."""
    ack = calendar.add_working_hours(received, ACK_HOURS)
    due = calendar.add_working_days(received, due_days)
    if urgent:
        handled = calendar.add_working_hours(received, URGENT_HOURS)
        ack, due = min(ack, handled), handled
    return Deadlines(ack_due=ack, due=due)


def end_of_next_working_day(calendar: WorkCalendar, now: datetime) -> datetime:
    """The end of office hours of the working day after today: "due tomorrow" ends there."""
    local = now.astimezone(calendar.tz)
    day = calendar.next_working_day(local.date())
    end = calendar.office_hours[-1][1]
    return datetime.combine(day, end, tzinfo=calendar.tz)


def is_overdue(*, status_open: bool, due_at: datetime, ack_due_at: datetime,
               acknowledged_at: datetime | None, now: datetime) -> bool:
    if not status_open:
        return False
    return due_at < now or (acknowledged_at is None and ack_due_at < now)


REOPEN_WINDOW = timedelta(days=14)
CHECKIN_AFTER = timedelta(days=28)
