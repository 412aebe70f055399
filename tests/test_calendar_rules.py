"""docs/rules.md §7 arithmetic: working days, days, months, end instants, clocks, explanations, errors."""

from datetime import date, datetime, timedelta, timezone

import pytest

from calendars import (
    CalendarError,
    Clock,
    OutOfRangeError,
    OverrideFileError,
    WorkingCalendar,
    add_months,
    days_period,
    end_of_day,
    explain,
    explain_clock,
    hours_after,
    months_period,
    parse_overrides,
    working_days_period,
    years_period,
)


# -- working days --------------------------------------------------------------------------

def test_start_day_never_counts_even_when_working(cal):
    # 2026-03-02 is a Monday (working); the 1st working day after it is Tuesday.
    assert working_days_period(cal, "2026-03-02", 1).last_day == date(2026, 3, 3)


def test_fifteen_working_days_across_spring_festival_2026(cal):
    # Published Friday 2026-02-06. Counted: 9,10,11,12,13,14(Sat make-up) = 6; 24,25,26,27,28(Sat make-up) = 11;
    # 3-02,03,04,05 = 15.
    p = working_days_period(cal, "2026-02-06", 15)
    assert p.last_day == date(2026, 3, 5)
    assert p.provisional is False


def test_fifteen_working_days_across_national_day_2025(cal):
    # From 2025-09-26 (Fri): 28(Sun make-up)=1, 29, 30 = 3; Oct 1-8 off; 9, 10 = 5; 11(Sat make-up) = 6;
    # 13..17 = 11; 20..23 = 15.
    assert working_days_period(cal, "2025-09-26", 15).last_day == date(2025, 10, 23)


def test_working_day_period_from_a_holiday(cal):
    # Received on 2026-10-03 (holiday): first working day is 2026-10-08 (Thu), then 09, 10 (Sat make-up).
    assert working_days_period(cal, "2026-10-03", 3).last_day == date(2026, 10, 10)


def test_ends_at_is_24h_shanghai_of_last_day(cal):
    p = working_days_period(cal, "2026-02-06", 15)
    assert p.ends_at.isoformat() == "2026-03-06T00:00:00+08:00"
    assert not p.is_over(datetime(2026, 3, 5, 23, 59, 59, tzinfo=timezone(timedelta(hours=8))))
    assert p.is_over(datetime(2026, 3, 5, 16, 0, tzinfo=timezone.utc))  # = 24:00 Shanghai
    with pytest.raises(CalendarError, match="aware"):
        p.is_over(datetime(2026, 3, 6))


def test_end_of_day_instant():
    assert end_of_day(date(2026, 12, 31)).isoformat() == "2027-01-01T00:00:00+08:00"


# -- days ------------------------------------------------------------------------------------

def test_day_period_ending_on_a_holiday_moves_to_next_working_day(cal):
    # 3 days from 2026-09-28: nominal 10-01 (National Day) -> first working day 10-08.
    assert days_period(cal, "2026-09-28", 3).last_day == date(2026, 10, 8)


def test_day_period_ending_on_makeup_saturday_stays(cal):
    # 3 days from 2026-02-11: nominal 2026-02-14, a make-up working Saturday.
    assert days_period(cal, "2026-02-11", 3).last_day == date(2026, 2, 14)


def test_day_period_ending_on_weekend_moves_to_monday(cal):
    assert days_period(cal, "2026-11-18", 3).last_day == date(2026, 11, 23)  # Sat 21 -> Mon 23


def test_day_period_plain(cal):
    assert days_period(cal, "2026-11-16", 3).last_day == date(2026, 11, 19)


# -- months ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "start,n,last",
    [
        ("2025-08-31", 6, "2026-02-28"),  # docs/rules.md §7.3 example: no 31 February
        ("2026-03-31", 6, "2026-09-30"),
        ("2026-01-31", 1, "2026-02-28"),
        ("2027-08-31", 6, "2028-02-29"),  # leap year: 29 February exists
        ("2028-02-29", 12, "2029-02-28"),  # from 29 February, a year later
        ("2024-02-29", 6, "2024-08-29"),
        ("2026-05-15", 6, "2026-11-15"),  # a Sunday: not moved (waiting period)
        ("2026-12-31", 2, "2027-02-28"),
    ],
)
def test_months_corresponding_day_or_month_end(cal, start, n, last):
    assert months_period(cal, start, n).last_day == date.fromisoformat(last)


def test_months_not_moved_off_rest_days_unless_policy_says(cal):
    assert months_period(cal, "2026-04-01", 6).last_day == date(2026, 10, 1)  # National Day, kept
    assert months_period(cal, "2026-04-01", 6, roll_off_rest_days=True).last_day == date(2026, 10, 8)


def test_three_year_ban(cal):
    assert years_period(cal, "2024-02-29", 3).last_day == date(2027, 2, 28)


def test_add_months_past_range():
    with pytest.raises(OutOfRangeError):
        add_months(date(2099, 12, 1), 1)


# -- hours ------------------------------------------------------------------------------------

def test_hours_run_instant_to_instant():
    t = datetime(2026, 2, 16, 15, 30, tzinfo=timezone(timedelta(hours=8)))
    assert hours_after(t, 24) == t + timedelta(hours=24)
    with pytest.raises(CalendarError):
        hours_after(datetime(2026, 2, 16, 15, 30), 24)


# -- clocks -----------------------------------------------------------------------------------

def test_suspension_moves_the_deadline_by_the_suspended_working_days(cal):
    clock = Clock.started("2026-03-02", 15)
    assert clock.last_day(cal) == date(2026, 3, 23)
    # Suspended Wed 03-04, resumed Wed 03-11: 03-04,05,06,09,10 = 5 working days not counted.
    clock = clock.suspend("2026-03-04", "专家评审").resume("2026-03-11")
    assert clock.suspended_working_days(cal) == 5
    assert clock.last_day(cal) == date(2026, 3, 30)


def test_suspension_across_a_holiday_counts_only_working_days(cal):
    clock = Clock.started("2026-09-28", 15).suspend("2026-09-30", "检验").resume("2026-10-09")
    # [09-30, 10-09): 09-30 and 10-08 are the only working days.
    assert clock.suspended_working_days(cal) == 2


def test_repeated_suspensions_and_an_extension(cal):
    clock = (
        Clock.started("2026-03-02", 15)
        .suspend("2026-03-04", "检测").resume("2026-03-06")  # 2 working days
        .suspend("2026-03-16", "鉴定").resume("2026-03-17")  # 1 working day
        .extend(15, "2026-03-20", "案情复杂，延长一次")
    )
    assert clock.last_day(cal) == working_days_period(cal, "2026-03-02", 33).last_day
    e = explain_clock(cal, clock)
    assert [d.date for d in e.days if d.reason == "suspended"] == [date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 16)]
    assert len(e.counted_days()) == 30


def test_open_suspension_counts_through_as_of(cal):
    clock = Clock.started("2026-03-02", 15).suspend("2026-03-04", "鉴定")
    assert clock.is_suspended
    assert clock.last_day(cal, as_of=date(2026, 3, 4)) == working_days_period(cal, "2026-03-02", 16).last_day
    assert clock.last_day(cal, as_of=date(2026, 3, 6)) == working_days_period(cal, "2026-03-02", 18).last_day


def test_clock_refuses_bad_sequences():
    clock = Clock.started("2026-03-02", 15)
    with pytest.raises(CalendarError, match="not suspended"):
        clock.resume("2026-03-03")
    with pytest.raises(CalendarError, match="reason"):
        clock.suspend("2026-03-03", " ")
    with pytest.raises(CalendarError, match="before the clock started"):
        clock.suspend("2026-03-01", "检验")
    s = clock.suspend("2026-03-04", "检验")
    with pytest.raises(CalendarError, match="already suspended"):
        s.suspend("2026-03-05", "检验")
    with pytest.raises(CalendarError, match="before the suspension began"):
        s.resume("2026-03-03")


def test_clock_round_trips_through_dict(cal):
    clock = Clock.started("2026-03-02", 15).suspend("2026-03-04", "检验").resume("2026-03-06").extend(5, "2026-03-10", "延长")
    assert Clock.from_dict(clock.to_dict()) == clock


# -- explain -------------------------------------------------------------------------------------

def test_explain_spring_festival_day_by_day(cal):
    e = explain(cal, working_days_period(cal, "2026-02-13", 2))
    reasons = [(d.date.isoformat(), d.counted, d.reason) for d in e.days]
    assert reasons == [
        ("2026-02-13", False, "start_day"),
        ("2026-02-14", True, "makeup_working_day"),
        ("2026-02-15", False, "weekend"),
        ("2026-02-16", False, "holiday"),
        ("2026-02-17", False, "holiday"),
        ("2026-02-18", False, "holiday"),
        ("2026-02-19", False, "holiday"),
        ("2026-02-20", False, "holiday"),
        ("2026-02-21", False, "weekend"),
        ("2026-02-22", False, "weekend"),
        ("2026-02-23", False, "holiday"),
        ("2026-02-24", True, "working_day"),
    ]
    assert "春节" in e.days[4].label
    assert e.to_dict()["last_day"] == "2026-02-24"


def test_explain_day_period_marks_the_move(cal):
    e = explain(cal, days_period(cal, "2026-09-28", 3))
    assert [d.reason for d in e.days][-1] == "last_day_moved"
    assert sum(d.reason == "rest_day_moved" for d in e.days) == 6  # 10-02 .. 10-07
    assert [d.date for d in e.days if d.counted][:3] == [date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 1)]


# -- provisional years and overrides ----------------------------------------------------------------

def test_provisional_when_any_counted_day_is_in_an_unconfirmed_year(cal):
    assert working_days_period(cal, "2026-12-01", 15).provisional is False
    assert working_days_period(cal, "2026-12-20", 15).provisional is True
    assert working_days_period(cal, "2024-05-06", 5).provisional is True
    assert not cal.year(2027).confirmed and cal.year(2026).confirmed


OVERRIDE_2027 = """
[[year]]
year = 2027
notice = "国务院办公厅关于2027年部分节假日安排的通知"
document_number = "国办发明电〔2026〕9号"
mode = "replace"
days_off = [
  { date = 2027-01-01, name = "元旦" },
  { from = 2027-02-05, to = 2027-02-13, name = "春节" },
]
working_days = [ { date = 2027-02-20, name = "春节调休上班" } ]
"""


def test_override_confirms_and_replaces_a_year():
    cal = WorkingCalendar(parse_overrides(OVERRIDE_2027, "test.toml"))
    assert cal.year(2027).confirmed and "国办发明电〔2026〕9号" in cal.year(2027).source
    assert cal.is_working_day("2027-02-20")  # Saturday made a working day
    assert not cal.is_working_day("2027-02-12")  # Friday inside the block
    assert cal.day("2027-02-12").name == "春节"
    # replace drops the package's estimate: 2027-10-01 is no longer a holiday until listed
    assert cal.is_working_day("2027-10-01")
    assert working_days_period(cal, "2027-01-10", 5).provisional is False


def test_override_patch_corrects_one_day_and_wins_over_package(cal):
    text = """
[[year]]
year = 2026
notice = "某市临时调整（测试）"
days_off = [ { date = 2026-11-23, name = "临时休息日" } ]
working_days = [ { date = 2026-10-07, name = "更正：上班" } ]
"""
    patched = WorkingCalendar(parse_overrides(text, "patch.toml"))
    assert cal.is_working_day("2026-11-23") and not patched.is_working_day("2026-11-23")
    assert not cal.is_working_day("2026-10-07") and patched.is_working_day("2026-10-07")
    assert patched.version != cal.version


@pytest.mark.parametrize(
    "text,message",
    [
        ("year = 3", "must be an array of tables"),
        ("days = 3", "unknown top-level keys"),
        ("[[year]]\nyear = 1999\nnotice='x'", "2000-2099"),
        ("[[year]]\nyear = 2027", "'notice' is required"),
        ("[[year]]\nyear = 2027\nnotice='x'\nmode='merge'", "'mode'"),
        ("[[year]]\nyear = 2027\nnotice='x'\ndays_off=[{date='2027-01-01', name='元旦'}]", "not a TOML date"),
        ("[[year]]\nyear = 2027\nnotice='x'\ndays_off=[{date=2028-01-01, name='元旦'}]", "not in year 2027"),
        ("[[year]]\nyear = 2027\nnotice='x'\ndays_off=[{date=2027-01-01}]", "'name' is required"),
        ("[[year]]\nyear = 2027\nnotice='x'\ndays_off=[{date=2027-01-02, name='a'}]\nworking_days=[{date=2027-01-02, name='b'}]", "both"),
        ("[[year]]\nyear = 2027\nnotice='x'\n[[year]]\nyear = 2027\nnotice='y'", "twice"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_override_files_are_refused_with_the_spot(text, message):
    with pytest.raises(OverrideFileError, match=message):
        parse_overrides(text, "bad.toml")


# -- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, -1, True, 1.5, "3"])
def test_bad_counts(cal, n):
    with pytest.raises(CalendarError):
        working_days_period(cal, "2026-03-02", n)


@pytest.mark.parametrize("value", ["2026-02-30", "2026/02/03", "20260203", "", None, 20260203, datetime(2026, 2, 3)])
def test_bad_dates(cal, value):
    with pytest.raises(CalendarError):
        working_days_period(cal, value, 3)


@pytest.mark.parametrize("value", ["1999-12-31", "2100-01-01"])
def test_years_out_of_range(cal, value):
    with pytest.raises(OutOfRangeError, match="2000-2099"):
        days_period(cal, value, 3)
    with pytest.raises(OutOfRangeError):
        cal.is_working_day(value)


def test_deadline_running_past_2099(cal):
    with pytest.raises(OutOfRangeError, match="supported calendar"):
        working_days_period(cal, "2099-12-20", 30)
