"""The legal arithmetic of periods (docs/rules.md §7). Each rule is one function citing its article.

All periods end at 24:00 Asia/Shanghai of their last day; `Period.ends_at` gives that moment
as the aware instant 00:00 +08:00 of the following day. Anything received on the last day is
on time; expiry may be processed only at or after `ends_at`.
"""

from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .calendar import WorkingCalendar, check_count, check_date
from .errors import CalendarError, OutOfRangeError
from .overrides import LAST_YEAR

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The rule each period cites in its results, explanations and log rows (docs/rules.md §7 explains each).
RULE_WORKING_DAYS = ("working days: Civil Code Art. 201 (start day not counted); 工作日 per the State Council's "
                     "holiday notices (cf. Administrative Penalty Law Art. 85)")
RULE_DAYS = ("days: Civil Code Art. 201 (start day not counted), Art. 203 (last day on a rest day moves to the "
             "next working day)")
RULE_MONTHS = ("months: Civil Code Art. 202 (corresponding day of the expiry month, else its last day); not moved "
               "off rest days (creditflow policy)")
RULE_HOURS = ("hours: Civil Code Art. 201(2) (from the instant to the instant); not moved off rest days or holidays "
              "(Art. 203 moves a period's last day; an hour period ends at an instant)")

UNITS = ("working_days", "days", "months")


def end_of_day(last_day: date) -> datetime:
    """24:00 Asia/Shanghai of `last_day`, as the aware instant 00:00 +08:00 of the next day."""
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Period:
    """A computed deadline: where it starts, how long, its last day and the instant it ends."""

    start: date
    unit: str  # "working_days" | "days" | "months"
    amount: int
    last_day: date
    provisional: bool  # some counted day lies in a year without a confirmed official schedule
    rule: str
    calendar_version: str = ""

    @property
    def ends_at(self) -> datetime:
        return end_of_day(self.last_day)

    def is_over(self, now: datetime) -> bool:
        """True once the period has ended (now is at or after 24:00 of the last day)."""
        if now.tzinfo is None:
            raise CalendarError("now must be an aware datetime (with a time zone), not a naive one")
        return now >= self.ends_at

    def to_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "unit": self.unit,
            self.unit: self.amount,
            "last_day": self.last_day.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "provisional": self.provisional,
            "rule": self.rule,
            "calendar_version": self.calendar_version,
        }


def working_days_period(cal: WorkingCalendar, start, n) -> Period:
    """"Within N working days from D": ends on the N-th working day after D.

    Civil Code Art. 201: the starting day is not counted, even if it is a working day.
    A working day (工作日) is a weekday that is no statutory holiday, or a weekend day the State
    Council's notice makes a working day (docs/rules.md §7.1). Administrative Penalty Law Art. 85 makes its
    2/3/5/7-day periods working days; Henan measure Art. 26 and 41 state theirs in working days.
    """
    start = check_date(start, "start")
    n = check_count(n, "working days")
    last = cal.nth_working_day_after(start, n)
    return Period(start, "working_days", n, last, cal.any_provisional(start + timedelta(days=1), last),
                  RULE_WORKING_DAYS, cal.version)


def days_period(cal: WorkingCalendar, start, n) -> Period:
    """"Within N days from D": D + N, moved to the next working day if that is a rest day.

    Civil Code Art. 201 (the starting day is not counted) and Art. 203 (when the last day is a
    statutory holiday or rest day, the day after the holiday ends is the last day). A make-up
    working Saturday is a working day, so a period ending on it is not moved.
    """
    start = check_date(start, "start")
    n = check_count(n, "days")
    cal.year(start.year)
    try:
        nominal = start + timedelta(days=n)
    except OverflowError:
        raise OutOfRangeError(f"{n} days after {start} is past the supported years") from None
    last = cal.next_working_day_on_or_after(nominal)
    return Period(start, "days", n, last, cal.any_provisional(start + timedelta(days=1), last),
                  RULE_DAYS, cal.version)


def add_months(start: date, n: int) -> date:
    """The day of the month n months after `start` that corresponds to it, else that month's last day.

    Civil Code Art. 202: 按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，
    月末日为期间的最后一日. E.g. 6 months from 2025-08-31 ends 2026-02-28.
    """
    month_index = start.year * 12 + (start.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    if year > LAST_YEAR:
        raise OutOfRangeError(f"{n} months after {start.isoformat()} is past the supported years (to {LAST_YEAR})")
    day = min(start.day, _stdcal.monthrange(year, month)[1])
    return date(year, month, day)


def months_period(cal: WorkingCalendar, start, n, roll_off_rest_days: bool = False) -> Period:
    """"N months from D" (Civil Code Art. 202): the corresponding day of the expiry month.

    The month periods of this system are waiting and disclosure periods (6-month repair
    eligibility, disclosure terms, the 3-year ban), not deadlines for an act, so by default they
    are not moved off a rest day (docs/rules.md §7.3, creditflow policy; `roll_off_rest_days` is the policy flag
    for a jurisdiction that rules otherwise, applying Art. 203).
    "Not yet N months since D" holds up to and including `last_day`.
    """
    start = check_date(start, "start")
    n = check_count(n, "months")
    cal.year(start.year)
    last = add_months(start, n)
    if roll_off_rest_days:
        last = cal.next_working_day_on_or_after(last)
    return Period(start, "months", n, last, cal.any_provisional(start + timedelta(days=1), last),
                  RULE_MONTHS, cal.version)


def years_period(cal: WorkingCalendar, start, n, roll_off_rest_days: bool = False) -> Period:
    """"N years from D" (Civil Code Art. 202), counted as 12·N months; e.g. the 3-year ban (Art. 40)."""
    n = check_count(n, "years")
    return months_period(cal, start, 12 * n, roll_off_rest_days)


def hours_after(instant: datetime, hours: int) -> datetime:
    """"Within N hours": from the instant to the instant (e.g. Order 310 Art. 6, 24 hours)."""
    if not isinstance(instant, datetime) or instant.tzinfo is None:
        raise CalendarError("an hour period runs from an aware instant (with a time zone)")
    hours = check_count(hours, "hours")
    try:
        return instant + timedelta(hours=hours)
    except OverflowError:  # beyond datetime's range (year 9999), far past the supported years
        raise OutOfRangeError(f"{hours} hours after {instant.isoformat()} is past the supported years") from None


@dataclass(frozen=True)
class HourPeriod:
    """A period of hours: from an instant to the instant N hours later (Civil Code Art. 201(2)), never moved
    off a rest day or holiday. `last_day` is the day (Asia/Shanghai) the last moment of the period lies in:
    a period ending at 00:00 exactly ends at 24:00 of the day before."""

    start_at: datetime
    amount: int
    ends_at: datetime
    rule: str = RULE_HOURS
    calendar_version: str = ""
    unit: str = "hours"
    provisional: bool = False  # no day of the calendar decides it

    @property
    def start(self) -> date:
        return self.start_at.astimezone(SHANGHAI).date()

    @property
    def last_day(self) -> date:
        return (self.ends_at - timedelta(microseconds=1)).astimezone(SHANGHAI).date()

    def is_over(self, now: datetime) -> bool:
        if now.tzinfo is None:
            raise CalendarError("now must be an aware datetime (with a time zone), not a naive one")
        return now >= self.ends_at

    def to_dict(self) -> dict:
        return {
            "from": self.start_at.astimezone(SHANGHAI).isoformat(),
            "unit": "hours",
            "hours": self.amount,
            "last_day": self.last_day.isoformat(),
            "ends_at": self.ends_at.astimezone(SHANGHAI).isoformat(),
            "provisional": False,
            "rule": self.rule,
            "calendar_version": self.calendar_version,
        }


def hours_period(cal: WorkingCalendar, start_at: datetime, n) -> HourPeriod:
    """"Within N hours from an instant" (e.g. Order 310 Art. 6: transfer within 24 hours of approval): ends at
    the same clock time N hours later, whatever days it crosses (Civil Code Art. 201(2): a period counted in
    hours runs from the time the law or the parties fix; Art. 203 moves the last day of a period counted in
    days, and an hour period ends at an instant, not at 24:00 of a day)."""
    ends = hours_after(start_at, n)
    cal.year(start_at.astimezone(SHANGHAI).year)  # inside the supported years (2000-2099)
    cal.year(ends.astimezone(SHANGHAI).year)
    return HourPeriod(start_at, n, ends, RULE_HOURS, cal.version)


def compute(cal: WorkingCalendar, start, unit: str, amount) -> Period:
    """Dispatch on the unit name used by declarations and the command line."""
    if unit == "working_days":
        return working_days_period(cal, start, amount)
    if unit == "days":
        return days_period(cal, start, amount)
    if unit == "months":
        return months_period(cal, start, amount)
    raise CalendarError(f"unknown period unit {unit!r}; expected one of {', '.join(UNITS)}")
