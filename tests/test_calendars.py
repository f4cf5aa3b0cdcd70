"""Each commune's working calendar in the database: the national swapped days seeded by the
migration, a Saturday worked in exchange, a commune's own day off; and the deadlines of
feedback and filings computed on it."""

from __future__ import annotations

from datetime import date, datetime

from services.calendars import Calendars, calendar_for
from services.db import Database
from services.feedback.service import Draft, FeedbackReports
from services.filing.service import expected_date
from services.models import Commune, User
from services.privacy import give_consent
from services.users import Users
from services.worktime import VIETNAM_TZ


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM_TZ)


async def communes_and_citizen(db: Database) -> tuple[int, int, int]:
    async with db.transaction() as s:
        here, there = Commune(code="10001", name="Xã Một"), Commune(code="10002", name="Xã Hai")
        s.add_all([here, there])
        citizen, _ = await Users(s).get_or_create("telegram", "42")
        await give_consent(citizen, "Dân")
        await s.flush()
        return here.id, there.id, citizen.id


async def file_report(db: Database, commune_id: int, citizen_id: int,
                      when: datetime) -> datetime:
    async with db.transaction() as s:
        citizen = await s.get(User, citizen_id)
        assert citizen is not None
        report = await FeedbackReports(s).file(
            Draft(commune_id=commune_id, category="roads", description="Đường hỏng"),
            citizen, when)
        return report.due_at


async def test_the_national_swaps_of_the_old_list_are_rows(db: Database) -> None:
    async with db.transaction() as s:
        national = {row.day: row.working for row in await Calendars(s).days()}
        calendar = await calendar_for(s, None)
    assert national == {date(2025, 4, 26): True, date(2025, 5, 2): False}
    assert calendar.is_working_day(date(2025, 4, 26)) and not calendar.is_working_day(
        date(2025, 5, 2))


async def test_a_swapped_working_saturday_counts(db: Database) -> None:
    here, _, citizen = await communes_and_citizen(db)
    # Received Friday 3/3/2028 at 10:00 (no holiday near): days 1–10 are 6–10/3 and 13–17/3.
    assert await file_report(db, here, citizen, vn(2028, 3, 3, 10)) == vn(2028, 3, 17, 17)
    async with db.transaction() as s:
        await Calendars(s).set_day(date(2028, 3, 4), working=True, note="làm bù")
    # With Saturday 4/3 worked, it is day 1 and day 10 comes one working day earlier.
    assert await file_report(db, here, citizen, vn(2028, 3, 3, 10)) == vn(2028, 3, 16, 17)


async def test_a_communes_day_off_counts_only_for_it(db: Database) -> None:
    here, there, citizen = await communes_and_citizen(db)
    async with db.transaction() as s:
        await Calendars(s).set_day(date(2028, 3, 8), working=False, commune_id=here,
                                   note="lễ hội làng")
    received = vn(2028, 3, 3, 10)
    assert await file_report(db, here, citizen, received) == vn(2028, 3, 20, 17)
    assert await file_report(db, there, citizen, received) == vn(2028, 3, 17, 17)
    async with db.transaction() as s:
        filing_here = expected_date(await calendar_for(s, here), received, 3)
        filing_there = expected_date(await calendar_for(s, there), received, 3)
        national = await calendar_for(s, None)
    assert (filing_here, filing_there) == (vn(2028, 3, 9, 17), vn(2028, 3, 8, 17))
    assert national.is_working_day(date(2028, 3, 8))


async def test_a_commune_row_wins_over_a_national_one(db: Database) -> None:
    here, there, _ = await communes_and_citizen(db)
    async with db.transaction() as s:
        calendars = Calendars(s)
        await calendars.set_day(date(2028, 3, 11), working=True)  # a national make-up Saturday
        await calendars.set_day(date(2028, 3, 11), working=False, commune_id=here)
        assert not (await calendar_for(s, here)).is_working_day(date(2028, 3, 11))
        assert (await calendar_for(s, there)).is_working_day(date(2028, 3, 11))
        assert await calendars.clear_day(date(2028, 3, 11), here)
        assert not await calendars.clear_day(date(2028, 3, 11), here)
        assert (await calendar_for(s, here)).is_working_day(date(2028, 3, 11))


async def test_deadlines_across_tet_2028_and_2029_from_the_database(db: Database) -> None:
    """The hand computations of `test_feedback_deadlines` (Tết 2028: mùng 1 Wednesday 26/1,
    closed Monday 24/1 – Saturday 29/1; Tết 2029: mùng 1 Tuesday 13/2, closed Monday 12/2 –
    Friday 16/2), through filing a report."""
    here, _, citizen = await communes_and_citizen(db)
    assert await file_report(db, here, citizen, vn(2028, 1, 21, 10)) == vn(2028, 2, 11, 17)
    assert await file_report(db, here, citizen, vn(2029, 2, 9, 16)) == vn(2029, 3, 2, 17)
