"""Typed dates and times, recurrences and next runs, in the commune's time zone."""

from datetime import UTC, datetime, time, timedelta

import pytest

from services.notices.schedule import (
    ScheduleError,
    at_time,
    check_cron,
    cron_month_day,
    cron_weekdays,
    daily_cron,
    monthly_cron,
    next_run,
    parse_local_datetime,
    parse_time,
    weekly_cron,
)

TZ = "Asia/Ho_Chi_Minh"
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


@pytest.mark.parametrize("text", ["25/11/2026 07:30", "25-11-2026 7h30", "07:30 25/11/2026",
                                  "7g30 ngày 25/11/2026", "25.11.2026 lúc 07:30"])
def test_local_date_and_time_forms(text: str) -> None:
    moment = parse_local_datetime(text.replace("2026", "2027"), TZ, NOW)
    assert moment == datetime(2027, 11, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "key"), [
    ("mai nhé", "notices.bad_datetime"), ("31/02/2027 07:30", "notices.bad_datetime"),
    ("25/11/2027 25:00", "notices.bad_datetime"), ("25/11/2026 09:59", "notices.datetime_past"),
])
def test_bad_or_past_date_and_time(text: str, key: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_local_datetime(text, TZ, NOW)
    assert raised.value.key == key


def test_a_day_alone_is_at_the_morning_broadcast() -> None:
    """ "ngày mai" is read (services.when) and sent at 07:00, not refused."""
    assert parse_local_datetime("ngày mai", TZ, NOW) == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


def test_times_and_recurrences() -> None:
    assert parse_time("7h05") == time(7, 5)
    with pytest.raises(ScheduleError):
        parse_time("24:00")
    assert daily_cron(time(7, 30)) == "30 7 * * *"
    assert weekly_cron(time(6, 0), [6, 0, 3]) == "0 6 * * 1,4,0"
    assert cron_weekdays("0 6 * * 1,4,0") == [0, 3, 6]
    with pytest.raises(ScheduleError):
        weekly_cron(time(6, 0), [])
    assert monthly_cron(time(7, 30), 15) == "30 7 15 * *"
    assert cron_month_day("30 7 15 * *") == 15 and cron_month_day("0 6 * * 1") is None
    with pytest.raises(ScheduleError):
        monthly_cron(time(7, 30), 31)
    assert at_time("0 6 * * 1,4,0", time(17, 45)) == "45 17 * * 1,4,0"


def test_next_run_is_in_the_commune_time_zone() -> None:
    assert next_run("30 7 * * *", TZ, NOW) == datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
    assert next_run("0 11 * * *", TZ, NOW) == datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    monday = next_run("0 7 * * 1", TZ, NOW)
    assert (monday + timedelta(hours=7)).weekday() == 0 and monday > NOW


@pytest.mark.parametrize(("expression", "key"), [
    ("0 7 * *", "notices.bad_cron"), ("61 7 * * 1", "notices.bad_cron"),
    ("a b c d e", "notices.bad_cron"), ("* * * * *", "notices.cron_too_often"),
    ("*/30 * * * *", "notices.cron_too_often"), ("0 7 * * 1 2026", "notices.bad_cron"),
])
def test_invalid_or_too_frequent_cron(expression: str, key: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        check_cron(expression, TZ, NOW)
    assert raised.value.key == key


def test_valid_cron_is_normalised() -> None:
    assert check_cron("  0  7 * *   1 ", TZ, NOW) == "0 7 * * 1"
    assert check_cron("0 */2 * * *", TZ, NOW) == "0 */2 * * *"
