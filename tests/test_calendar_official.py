"""The 2025 and 2026 schedules as the State Council's notices state them, day by day.

Sources: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）;
国务院办公厅关于2026年部分节假日安排的通知 (published 2025-11-04).
The tables below are the test oracle, written from the notices, not from the package.
"""

from datetime import date, timedelta

import holidays
import pytest

from calendars import DayKind


def span(a: str, b: str) -> list[date]:
    first, last = date.fromisoformat(a), date.fromisoformat(b)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


OFFICIAL = {
    2025: {
        "blocks": {
            "元旦": span("2025-01-01", "2025-01-01"),
            "春节": span("2025-01-28", "2025-02-04"),
            "清明节": span("2025-04-04", "2025-04-06"),
            "劳动节": span("2025-05-01", "2025-05-05"),
            "端午节": span("2025-05-31", "2025-06-02"),
            "国庆节、中秋节": span("2025-10-01", "2025-10-08"),
        },
        "makeup": [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)],
    },
    2026: {
        "blocks": {
            "元旦": span("2026-01-01", "2026-01-03"),
            "春节": span("2026-02-15", "2026-02-23"),
            "清明节": span("2026-04-04", "2026-04-06"),
            "劳动节": span("2026-05-01", "2026-05-05"),
            "端午节": span("2026-06-19", "2026-06-21"),
            "中秋节": span("2026-09-25", "2026-09-27"),
            "国庆节": span("2026-10-01", "2026-10-07"),
        },
        "makeup": [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)],
    },
}

BLOCK_CASES = [(y, name, d) for y, o in OFFICIAL.items() for name, days in o["blocks"].items() for d in days]


@pytest.mark.parametrize("year,name,day", BLOCK_CASES, ids=[f"{n}-{d}" for _, n, d in BLOCK_CASES])
def test_every_day_of_every_holiday_block_is_a_rest_day(cal, year, name, day):
    assert not cal.is_working_day(day), f"{day} is in the {year} {name} block"


MAKEUP_CASES = [(y, d) for y, o in OFFICIAL.items() for d in o["makeup"]]


@pytest.mark.parametrize("year,day", MAKEUP_CASES, ids=[str(d) for _, d in MAKEUP_CASES])
def test_every_makeup_working_day_is_a_working_day(cal, year, day):
    info = cal.day(day)
    assert day.weekday() >= 5
    assert info.working and info.kind is DayKind.MAKEUP_WORKDAY


@pytest.mark.parametrize("year", [2025, 2026])
def test_whole_year_matches_the_notice(cal, year):
    """Every other day of the year is a working day exactly when it is a weekday."""
    off = {d for days in OFFICIAL[year]["blocks"].values() for d in days}
    makeup = set(OFFICIAL[year]["makeup"])
    wrong = []
    for d in span(f"{year}-01-01", f"{year}-12-31"):
        expected = d in makeup or (d not in off and d.weekday() < 5)
        if cal.is_working_day(d) != expected:
            wrong.append(d)
    assert wrong == []
    assert cal.year(year).confirmed


def test_rules_examples(cal):
    """docs/rules.md §7.1: 2026-02-14 and 2026-02-28 (Saturdays) work; 2026-02-16 (Monday) does not."""
    assert cal.is_working_day("2026-02-14") and cal.is_working_day("2026-02-28")
    assert not cal.is_working_day("2026-02-16")
    assert cal.day("2026-02-17").name == "春节"


def test_holiday_names_are_chinese(cal):
    assert cal.day("2026-10-01").name == "国庆节"
    assert cal.day("2026-10-01").label == "法定节假日（国庆节）"
    assert cal.day("2026-10-06").label.startswith("调休休息日")


@pytest.mark.slow
def test_index_equals_package_get_nth_working_day_exhaustively(cal):
    """Every start day 2020-2026 and N in 1..60: same answer as holidays' own function."""
    package = holidays.China(years=range(2019, 2028))
    mismatches = []
    for d in span("2020-01-01", "2026-12-31"):
        for n in range(1, 61):
            if cal.nth_working_day_after(d, n) != package.get_nth_working_day(d, n):
                mismatches.append((d, n))
    assert mismatches == []
