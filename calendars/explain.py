"""Explain a deadline day by day: every day from the start to the last day, counted or not, and why.

Reasons (stable codes, for scripts): ``start_day`` (Civil Code Art. 201), ``working_day``,
``makeup_working_day`` (调休上班), ``weekend``, ``holiday`` (with its name), ``suspended``
(Henan measure Art. 26), ``calendar_day`` (a day of a day or month period), ``rest_day_moved``
(a rest day passed over because the period's last day fell on it, Civil Code Art. 203); for a period of
hours ``hour_start``, ``hour_day`` and ``hour_end`` (every day it crosses, with the hours it runs on it:
Civil Code Art. 201(2), never moved).
Each day also carries a Chinese ``label`` for handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .calendar import DayKind, WorkingCalendar
from .clock import Clock
from .periods import SHANGHAI, HourPeriod, Period


@dataclass(frozen=True)
class ExplainedDay:
    date: date
    counted: bool
    reason: str
    label: str
    ordinal: int | None = None  # which counted day this is (1 = first)

    def to_dict(self) -> dict:
        out = {"date": self.date.isoformat(), "counted": self.counted, "reason": self.reason, "label": self.label}
        if self.ordinal is not None:
            out["ordinal"] = self.ordinal
        return out


@dataclass(frozen=True)
class Explanation:
    period: Period | HourPeriod
    days: tuple[ExplainedDay, ...]

    def to_dict(self) -> dict:
        return {**self.period.to_dict(), "days": [d.to_dict() for d in self.days]}

    def counted_days(self) -> list[date]:
        return [d.date for d in self.days if d.counted]


_START = "起算日，不计入（民法典第二百零一条）"


def _dates(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def explain_clock(cal: WorkingCalendar, clock: Clock, as_of: date | None = None) -> Explanation:
    """Explain a working-day clock, suspensions and extensions included."""
    period = clock.period(cal, as_of)
    suspended = clock.suspended_ranges(as_of)
    days = [ExplainedDay(clock.start, False, "start_day", _START)]
    n = 0
    for day in _dates(clock.start + timedelta(days=1), period.last_day):
        info = cal.day(day)
        hit = next((r for a, b, r in suspended if a <= day < b), None)
        if hit is not None:
            days.append(ExplainedDay(day, False, "suspended", f"中止计算（{hit}），{info.label}"))
        elif info.working:
            n += 1
            days.append(ExplainedDay(day, True, info.kind.value, f"第{n}个工作日（{info.label}）", n))
        else:
            days.append(ExplainedDay(day, False, info.kind.value, info.label))
    return Explanation(period, tuple(days))


def explain_working_days(cal: WorkingCalendar, period: Period) -> Explanation:
    return explain_clock(cal, Clock(period.start, period.amount))


def explain_days(cal: WorkingCalendar, period: Period) -> Explanation:
    """Explain a day or month period: every calendar day counts; a last day on a rest day moves on."""
    nominal = period.start
    days = [ExplainedDay(period.start, False, "start_day", _START)]
    if period.unit == "days":
        nominal = period.start + timedelta(days=period.amount)
    else:
        from .periods import add_months

        nominal = add_months(period.start, period.amount)
    n = 0
    for day in _dates(period.start + timedelta(days=1), period.last_day):
        info = cal.day(day)
        if day <= nominal:
            n += 1
            kind = "" if info.kind is DayKind.WORKDAY else f"，{info.label}"
            days.append(ExplainedDay(day, True, "calendar_day", f"第{n}日{kind}", n))
        elif info.working:
            n += 1
            days.append(ExplainedDay(day, True, "last_day_moved",
                                     f"期间最后一日顺延至此工作日（民法典第二百零三条），{info.label}", n))
        else:
            days.append(ExplainedDay(day, False, "rest_day_moved",
                                     f"期间最后一日为休息日，顺延（民法典第二百零三条）：{info.label}"))
    return Explanation(period, tuple(days))


def explain_until(cal: WorkingCalendar, start: date, until: date) -> Explanation:
    """Explain a clock that ends on a given day (an appointment, e.g. an interview day): every day from the
    day after the start to that day, the last one ending at 24:00; nothing is counted or moved."""
    period = Period(start, "days", (until - start).days, until, False, "ends on the day given", cal.version)
    days = [ExplainedDay(start, False, "start_day", _START)]
    for n, day in enumerate(_dates(start + timedelta(days=1), until), start=1):
        info = cal.day(day)
        kind = "" if info.kind is DayKind.WORKDAY else f"，{info.label}"
        last = "；约定的日期，至该日24时届满" if day == until else ""
        days.append(ExplainedDay(day, True, "calendar_day", f"第{n}日{kind}{last}", n))
    return Explanation(period, tuple(days))


def _clock_time(instant) -> str:
    return instant.strftime("%H:%M" if not (instant.second or instant.microsecond) else "%H:%M:%S")


def explain_hours(cal: WorkingCalendar, period: HourPeriod) -> Explanation:
    """Explain a period of hours: each day it crosses, with the hours it runs on that day; rest days and
    holidays count like any other day and the end is never moved (Civil Code Art. 201(2))."""
    start = period.start_at.astimezone(SHANGHAI)
    end = period.ends_at.astimezone(SHANGHAI)
    days = []
    for day in _dates(start.date(), period.last_day):
        info = cal.day(day)
        kind = "" if info.kind is DayKind.WORKDAY else f"，{info.label}，照常计算、不顺延"
        begins = _clock_time(start) if day == start.date() else "00:00"
        ends = _clock_time(end) if day == end.date() else "24:00"
        if day == start.date():
            reason, what = "hour_start", f"自 {begins} 起算（民法典第二百零一条第二款）至 {ends}"
        elif day == period.last_day:
            reason, what = "hour_end", f"{begins} 至 {ends} 届满"
        else:
            reason, what = "hour_day", f"{begins} 至 {ends} 全日计入"
        if day == period.last_day and day == start.date():
            what += " 届满"
        days.append(ExplainedDay(day, True, reason, what + kind))
    return Explanation(period, tuple(days))


def explain(cal: WorkingCalendar, period: Period | HourPeriod) -> Explanation:
    if period.unit == "hours":
        return explain_hours(cal, period)
    if period.unit == "working_days":
        return explain_working_days(cal, period)
    return explain_days(cal, period)
