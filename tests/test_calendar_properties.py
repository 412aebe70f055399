"""Property tests (hypothesis) of the period invariants of docs/rules.md §7."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from calendars import Clock, WorkingCalendar, days_period, months_period, working_days_period

CAL = WorkingCalendar()
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2097, 12, 31))  # room for 24 months
counts = st.integers(min_value=1, max_value=120)


@given(starts, counts)
def test_working_day_period_is_monotonic_in_n(start, n):
    assert working_days_period(CAL, start, n).last_day < working_days_period(CAL, start, n + 1).last_day


@given(starts, counts)
def test_working_day_period_ends_on_a_working_day_and_counts_exactly_n(start, n):
    last = working_days_period(CAL, start, n).last_day
    assert CAL.is_working_day(last)
    assert CAL.working_days_in(start + timedelta(days=1), last + timedelta(days=1)) == n


@given(starts, counts)
def test_day_period_ends_on_a_working_day_not_before_nominal(start, n):
    p = days_period(CAL, start, n)
    nominal = start + timedelta(days=n)
    assert CAL.is_working_day(p.last_day)
    assert p.last_day >= nominal
    # every day between the nominal last day and the moved one is a rest day
    d = nominal
    while d < p.last_day:
        assert not CAL.is_working_day(d)
        d += timedelta(days=1)


@given(starts, counts)
def test_day_period_is_monotonic(start, n):
    assert days_period(CAL, start, n).last_day <= days_period(CAL, start, n + 1).last_day


@given(starts, st.integers(min_value=1, max_value=24))
def test_month_period_is_the_corresponding_day_or_month_end(start, n):
    last = months_period(CAL, start, n).last_day
    assert (last.year * 12 + last.month) - (start.year * 12 + start.month) == n
    assert last.day == start.day or (last.day < start.day and (last + timedelta(days=1)).day == 1)


@given(
    starts,
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=60),
)
@settings(max_examples=300)
def test_suspension_moves_deadline_by_exactly_the_suspended_working_days(start, n, s_off, length):
    s = start + timedelta(days=s_off)
    r = s + timedelta(days=length)
    clock = Clock.started(start, n).suspend(s, "鉴定").resume(r)
    suspended = CAL.working_days_in(max(s, start + timedelta(days=1)), r)
    base = working_days_period(CAL, start, n).last_day
    assert clock.last_day(CAL) == working_days_period(CAL, start, n + suspended).last_day
    assert CAL.working_days_in(base + timedelta(days=1), clock.last_day(CAL) + timedelta(days=1)) == suspended


@given(starts, st.integers(min_value=1, max_value=30), st.integers(min_value=1, max_value=15))
def test_extension_adds_working_days_to_the_current_deadline(start, n, m):
    current = working_days_period(CAL, start, n).last_day
    extended = Clock.started(start, n).extend(m, start, "延长").last_day(CAL)
    assert extended == working_days_period(CAL, current, m).last_day


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)), counts)
def test_nth_working_day_before_counts_back_exactly_n(day, n):
    """Reminder days: the n-th working day before L has exactly n-1 working days between it and L."""
    back = CAL.nth_working_day_before(day, n)
    assert CAL.is_working_day(back) and back < day
    assert CAL.working_days_in(back + timedelta(days=1), day) == n - 1
    if CAL.is_working_day(day):  # the inverse of counting forward
        assert CAL.nth_working_day_after(back, n) == day
