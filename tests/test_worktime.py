"""Working-time arithmetic: office hours, weekends, Vietnamese public holidays."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.worktime import VIETNAM_TZ, WorkCalendar

CAL = WorkCalendar()


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Vietnam."""
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM_TZ)


# 2025-03-03 is a Monday with no holiday nearby.
MONDAY = (2025, 3, 3)
FRIDAY = (2025, 3, 7)
SATURDAY = (2025, 3, 8)


class TestHolidays:
    def test_statutory_days_are_off(self) -> None:
        for day in ("2025-01-01", "2025-04-07", "2025-04-30", "2025-05-01", "2025-09-02"):
            assert not CAL.is_working_day(date.fromisoformat(day))
        assert not CAL.is_working_day(date(2025, 9, 1))  # the adjacent day of Quốc khánh

    def test_tet_breaks_are_closed_from_weekend_to_weekend(self) -> None:
        for first, last in (
            (date(2025, 1, 25), date(2025, 2, 2)),
            (date(2026, 2, 14), date(2026, 2, 22)),
            # Tết Mậu Thân (mùng 1 = Wed 26/1/2028): 29 Tết (Mon 24/1) to mùng 4 (Sat 29/1).
            (date(2028, 1, 22), date(2028, 1, 30)),
            # Tết Kỷ Dậu (mùng 1 = Tue 13/2/2029): 30 Tết (Mon 12/2) to mùng 4 (Fri 16/2).
            (date(2029, 2, 10), date(2029, 2, 18)),
        ):
            closed = [first + timedelta(n) for n in range((last - first).days + 1)]
            assert not any(CAL.is_working_day(day) for day in closed)
            assert CAL.is_working_day(last + timedelta(1))
            assert CAL.is_working_day(first - timedelta(1))

    def test_weekend_holidays_get_the_next_weekday_off(self) -> None:
        assert not CAL.is_working_day(date(2026, 4, 27))  # Giỗ Tổ 2026 is a Sunday
        assert not CAL.is_working_day(date(2027, 5, 3))  # 1/5/2027 is a Saturday
        assert not CAL.is_working_day(date(2028, 1, 3))  # 1/1/2028 is a Saturday
        assert CAL.is_working_day(date(2025, 2, 3))  # Tết 2025 moved it to 27/1

    def test_swapped_day_and_make_up_saturday(self) -> None:
        assert not CAL.is_working_day(date(2025, 5, 2))
        assert CAL.is_working_day(date(2025, 4, 26))
        assert CAL.next_working_day(date(2025, 4, 25)) == date(2025, 4, 26)
        assert CAL.next_working_day(date(2025, 4, 29)) == date(2025, 5, 5)

    def test_overrides_win_over_the_public_calendar(self) -> None:
        local = CAL.with_overrides({date(2025, 3, 3): False, date(2025, 3, 8): True})
        assert local.next_working_day(date(2025, 2, 28)) == date(2025, 3, 4)
        assert local.next_working_day(date(2025, 3, 7)) == date(2025, 3, 8)  # a Saturday
        assert CAL.is_working_day(date(2025, 3, 3)) and not CAL.is_working_day(date(2025, 3, 8))


class TestWorkingTime:
    @pytest.mark.parametrize(
        ("hour", "minute", "working"),
        [
            (7, 29, False),
            (7, 30, True),
            (11, 29, True),
            (11, 30, False),
            (12, 0, False),
            (13, 30, True),
            (16, 59, True),
            (17, 0, False),
            (20, 0, False),
        ],
    )
    def test_office_hour_edges(self, hour: int, minute: int, working: bool) -> None:
        assert CAL.is_working_time(vn(*MONDAY, hour, minute)) is working

    def test_weekend_holiday_and_make_up_day(self) -> None:
        assert not CAL.is_working_time(vn(*SATURDAY, 9))
        assert not CAL.is_working_time(vn(2025, 4, 30, 9))
        assert CAL.is_working_time(vn(2025, 4, 26, 9))

    def test_next_working_day(self) -> None:
        assert CAL.next_working_day(date(*FRIDAY)) == date(2025, 3, 10)
        assert CAL.next_working_day(date(*MONDAY)) == date(2025, 3, 4)
        assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)


class TestAddWorkingHours:
    @pytest.mark.parametrize(
        ("start", "hours", "expected"),
        [
            (vn(*MONDAY, 10), 1.5, vn(*MONDAY, 11, 30)),  # ends with the morning, not after lunch
            (vn(*MONDAY, 10), 2, vn(*MONDAY, 14)),  # skips the lunch break
            (vn(*MONDAY, 12), 1, vn(*MONDAY, 14, 30)),  # starts during lunch
            (vn(*MONDAY, 6), 0.25, vn(*MONDAY, 7, 45)),  # before office hours
            (vn(*MONDAY, 18), 1, vn(2025, 3, 4, 8, 30)),  # after office hours
            (vn(*FRIDAY, 16), 2, vn(2025, 3, 10, 8, 30)),  # Friday afternoon → Monday
            (vn(*SATURDAY, 9), 7.5, vn(2025, 3, 10, 17)),  # a whole working day
            (vn(*MONDAY, 9), 24, vn(2025, 3, 6, 10, 30)),  # 6 + 7.5 + 7.5 + 3
        ],
    )
    def test_cases(self, start: datetime, hours: float, expected: datetime) -> None:
        assert CAL.add_working_hours(start, hours) == expected

    def test_zero_hours_is_the_start(self) -> None:
        assert CAL.add_working_hours(vn(*MONDAY, 9, 10), 0) == vn(*MONDAY, 9, 10)

    def test_start_during_tet(self) -> None:
        assert CAL.add_working_hours(vn(2026, 2, 18, 10), 8) == vn(2026, 2, 24, 8, 0)

    def test_across_the_april_may_holidays(self) -> None:
        assert CAL.add_working_hours(vn(2025, 4, 29, 16), 2) == vn(2025, 5, 5, 8, 30)

    def test_negative_hours_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="hours must not be negative"):
            CAL.add_working_hours(vn(*MONDAY, 9), -1)


class TestAddWorkingDays:
    @pytest.mark.parametrize(
        ("received", "days", "expected"),
        [
            (vn(*MONDAY, 10), 0, vn(*MONDAY, 17)),  # same-day result
            (vn(*MONDAY, 10), 1, vn(2025, 3, 4, 17)),  # the day of receipt is not counted
            (vn(*MONDAY, 6), 1, vn(2025, 3, 4, 17)),  # before opening counts as that day
            (vn(*MONDAY, 12), 1, vn(2025, 3, 4, 17)),  # so does the lunch break
            (vn(*MONDAY, 17), 1, vn(2025, 3, 5, 17)),  # at closing: received next working day
            (vn(*FRIDAY, 14), 1, vn(2025, 3, 10, 17)),  # Friday afternoon → Monday
            (vn(*FRIDAY, 18), 1, vn(2025, 3, 11, 17)),  # Friday evening counts from Monday
            (vn(*SATURDAY, 9), 5, vn(2025, 3, 17, 17)),
            (vn(2025, 8, 29, 10), 3, vn(2025, 9, 5, 17)),  # over Quốc khánh 1–2/9
        ],
    )
    def test_cases(self, received: datetime, days: int, expected: datetime) -> None:
        assert CAL.add_working_days(received, days) == expected

    def test_received_during_tet(self) -> None:
        assert CAL.receipt_day(vn(2026, 2, 18, 10)) == date(2026, 2, 23)
        assert CAL.add_working_days(vn(2026, 2, 18, 10), 3) == vn(2026, 2, 26, 17)

    def test_negative_days_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="days must not be negative"):
            CAL.add_working_days(vn(*MONDAY, 9), -1)


class TestWorkingHoursBetween:
    @pytest.mark.parametrize(
        ("a", "b", "hours"),
        [
            (vn(*MONDAY, 7, 30), vn(*MONDAY, 17), 7.5),
            (vn(*MONDAY, 11, 45), vn(*MONDAY, 13, 15), 0.0),
            (vn(*FRIDAY, 16), vn(2025, 3, 10, 8, 30), 2.0),
            (vn(*MONDAY), vn(2025, 3, 10), 37.5),
            (vn(2025, 4, 28), vn(2025, 5, 5), 15.0),  # 30/4, 1/5 and the swapped 2/5 off
            (vn(2025, 4, 26), vn(2025, 4, 27), 7.5),  # the make-up Saturday
            (vn(2026, 2, 13, 17), vn(2026, 2, 23, 7, 30), 0.0),  # the whole Tết break
        ],
    )
    def test_cases(self, a: datetime, b: datetime, hours: float) -> None:
        assert CAL.working_hours_between(a, b) == pytest.approx(hours)

    def test_reversed_is_negative(self) -> None:
        assert CAL.working_hours_between(vn(*MONDAY, 17), vn(*MONDAY, 7, 30)) == -7.5

    def test_inverse_of_add_working_hours(self) -> None:
        start = vn(2026, 2, 9)
        for step in range(0, 14 * 24 * 60, 85):
            moment = start + timedelta(minutes=step)
            for hours in (0.5, 3, 7.5, 20):
                end = CAL.add_working_hours(moment, hours)
                assert CAL.working_hours_between(moment, end) == pytest.approx(hours)
                assert CAL.is_working_time(end - timedelta(microseconds=1))


class TestTimeZones:
    def test_utc_input_is_computed_in_vietnam_time(self) -> None:
        start = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
        assert CAL.is_working_time(start)
        end = CAL.add_working_hours(start, 4)
        assert end == vn(*MONDAY, 14)
        assert end.tzinfo == VIETNAM_TZ
        assert end.astimezone(UTC) == datetime(2025, 3, 3, 7, 0, tzinfo=UTC)

    def test_late_utc_evening_is_the_next_vietnamese_day(self) -> None:
        sunday_evening_utc = datetime(2025, 3, 2, 23, 0, tzinfo=UTC)  # Monday 06:00 in Việt Nam
        assert CAL.receipt_day(sunday_evening_utc) == date(*MONDAY)

    def test_offset_is_seven_hours_all_year(self) -> None:
        for month in (1, 4, 7, 10):
            assert vn(2026, month, 15, 12).utcoffset() == timedelta(hours=7)
            deadline = CAL.add_working_days(datetime(2026, month, 15, 3, tzinfo=UTC), 1)
            assert deadline.utcoffset() == timedelta(hours=7)
            assert deadline.time() == time(17)

    def test_naive_datetimes_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            CAL.is_working_time(datetime(2025, 3, 3, 9))


class TestCustomCalendar:
    def test_saturday_morning_office(self) -> None:
        saturday_mornings = WorkCalendar(
            office_hours=[(time(8), time(12))],
            workdays=frozenset(range(6)),
        )
        assert saturday_mornings.add_working_hours(vn(*FRIDAY, 11), 2) == vn(*SATURDAY, 9)

    @pytest.mark.parametrize(
        "hours",
        [[], [(time(9), time(8))], [(time(8), time(12)), (time(11), time(15))]],
    )
    def test_bad_office_hours_are_rejected(self, hours: list[tuple[time, time]]) -> None:
        with pytest.raises(ValueError, match="office hours"):
            WorkCalendar(office_hours=hours)
