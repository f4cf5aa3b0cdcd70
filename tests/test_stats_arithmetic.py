"""The satisfaction-rate arithmetic and the "< 5" suppression, on fixed data."""

from datetime import UTC, date, datetime

import pytest

from locales import Translator
from services.surveys.charts import figures
from services.surveys.reporting import summary_text
from services.surveys.stats import (
    SMALL,
    Period,
    PeriodError,
    Rating,
    Report,
    Timeliness,
    cell,
    parse_period,
    satisfaction,
    shown,
)

NOV = parse_period("2026-11", date(2026, 11, 25))
AT = datetime(2026, 11, 10, 3, tzinfo=UTC)


def report(ratings: list[Rating]) -> Report:
    return Report("Xã Thử", NOV, ratings, Timeliness(), [], [], {})


def test_rate_is_the_share_of_fours_and_fives() -> None:
    s = satisfaction([5, 4, 3, 2, 1, 4])
    assert s.count == 6
    assert s.rate == pytest.approx(3 / 6)
    assert s.mean == pytest.approx(19 / 6)
    assert shown(s) == ("6", "50,0%", "3,17")


def test_out_of_range_values_are_ignored_and_nothing_gives_none() -> None:
    assert satisfaction([0, 6, 5]).count == 1
    empty = satisfaction([])
    assert (empty.count, empty.mean, empty.rate) == (0, None, None)


def test_cells_under_five_answers_are_suppressed() -> None:
    assert cell(0) == cell(4) == SMALL == "< 5"
    assert cell(5) == "5"
    assert shown(satisfaction([5, 5, 5, 5])) == (SMALL, SMALL, SMALL)
    assert shown(satisfaction([5, 5, 5, 5, 1])) == ("5", "80,0%", "4,20")


def test_breakdowns_never_show_small_groups() -> None:
    ratings = [Rating(v, AT, "survey", village="Thôn Đông", aspect="result")
               for v in (5, 5, 4, 3, 1)]
    ratings += [Rating(v, AT, "survey", village="Thôn Đoài") for v in (1, 2)]
    ratings += [Rating(5, datetime(2026, 9, 1, tzinfo=UTC), "survey", village="Thôn Đông")]
    r = report(ratings)
    assert shown(r.overall) == ("7", "42,9%", "3,00")  # September is outside the period
    by_village = r.by("village")
    assert shown(by_village["Thôn Đông"]) == ("5", "60,0%", "3,60")
    assert shown(by_village["Thôn Đoài"]) == (SMALL, SMALL, SMALL)
    numbers = figures(r)
    assert numbers["village"]["Thôn Đông"] == {"count": 5, "rate": 60.0}
    assert numbers["village"]["Thôn Đoài"] == {"count": SMALL, "rate": None}
    assert numbers["trend"]["2026-09"] is None and numbers["trend"]["2026-11"] == 42.9
    text = summary_text(r, Translator("vi"))
    assert "Thôn Đông 60,0% (n=5)" in text and "Thôn Đoài chưa đủ 5 đánh giá" in text
    assert "< 5" not in text
    assert "Hài lòng (4–5 điểm): 42,9%" in text


def test_periods() -> None:
    today = date(2026, 11, 25)
    assert parse_period("", today) == Period(date(2026, 11, 1), date(2026, 12, 1), "2026-11")
    assert parse_period("12/2026", today).end == date(2027, 1, 1)
    assert parse_period("2026-Q4", today).start == date(2026, 10, 1)
    assert parse_period("2026", today).end == date(2027, 1, 1)
    assert parse_period("2026-11", today).months()[0] == "2026-06"
    for bad in ("2026-13", "hôm qua", "26-11"):
        with pytest.raises(PeriodError):
            parse_period(bad, today)
