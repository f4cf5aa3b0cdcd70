"""Each commune's working calendar: the public holidays (``services.worktime``), changed by
rows of ``calendar_days``: the government's swapped days (a Saturday worked in exchange,
"ngày làm bù"; a weekday off, "nghỉ bù") as national rows, and a commune's own days off or
on as its rows. A commune's row wins over a national one for the same day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from services.db import Base
from services.models import Commune
from services.worktime import WorkCalendar

_NATIONAL_ONLY = "commune_id IS NULL"


class CalendarDay(Base):
    """A day that is a working day (``working``) or not, whatever the public calendar says;
    for every commune (``commune_id`` None) or one."""

    __tablename__ = "calendar_days"
    __table_args__ = (
        UniqueConstraint("commune_id", "day"),
        # NULLs are distinct in a unique constraint: national rows need their own index.
        Index("uq_calendar_days_national_day", "day", unique=True,
              sqlite_where=_NATIONAL_ONLY, postgresql_where=_NATIONAL_ONLY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"))
    day: Mapped[date]
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


async def calendar_for(session: AsyncSession, commune: Commune | int | None) -> WorkCalendar:
    """The working calendar of ``commune`` (a commune or its id); the national one for None."""
    commune_id = commune.id if isinstance(commune, Commune) else commune
    table = CalendarDay.__table__.c
    rows = (await session.execute(
        select(table.commune_id, table.day, table.working)
        .where(or_(table.commune_id.is_(None), table.commune_id == commune_id))
    )).all()
    national = {day: working for owner, day, working in rows if owner is None}
    local = {day: working for owner, day, working in rows if owner is not None}
    return WorkCalendar(overrides={**national, **local})


class Calendars:
    """The rows of ``calendar_days``: what operators change."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_day(self, day: date, *, working: bool, commune_id: int | None = None,
                      note: str = "") -> CalendarDay:
        """Make ``day`` a working day or a day off, nationally or for one commune."""
        row = await self._find(day, commune_id)
        if row is None:
            row = CalendarDay(commune_id=commune_id, day=day)
            self.session.add(row)
        row.working, row.note = working, note
        await self.session.flush()
        return row

    async def clear_day(self, day: date, commune_id: int | None = None) -> bool:
        """Give ``day`` back to the public calendar; False if it was not changed."""
        c = CalendarDay.__table__.c
        result = await self.session.execute(
            delete(CalendarDay).where(c.day == day, _owner_is(commune_id)))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def days(self, commune_id: int | None = None) -> list[CalendarDay]:
        """The changed days of a commune (or the national ones), in date order."""
        found = await self.session.scalars(
            select(CalendarDay).where(_owner_is(commune_id)).order_by(CalendarDay.day))
        return list(found)

    async def _find(self, day: date, commune_id: int | None) -> CalendarDay | None:
        return await self.session.scalar(
            select(CalendarDay).where(CalendarDay.day == day, _owner_is(commune_id)))


def _owner_is(commune_id: int | None) -> ColumnElement[bool]:
    column = CalendarDay.__table__.c.commune_id
    return column.is_(None) if commune_id is None else column == commune_id
