"""Pure calendar package: mainland China's working days and the legal arithmetic of periods.

No database, no Prefect. Everything takes a `WorkingCalendar`; `default_calendar()` gives the
process-wide one (optionally with a deployment's override file).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .calendar import DayInfo, DayKind, WorkingCalendar, YearInfo, check_count, check_date
from .clock import Clock, Extension, Suspension
from .errors import CalendarError, OutOfRangeError, OverrideFileError
from .explain import ExplainedDay, Explanation, explain, explain_clock, explain_hours
from .overrides import Overrides, load_overrides, parse_overrides
from .periods import (
    SHANGHAI,
    UNITS,
    HourPeriod,
    Period,
    add_months,
    compute,
    days_period,
    end_of_day,
    hours_after,
    hours_period,
    months_period,
    working_days_period,
    years_period,
)


@lru_cache(maxsize=8)
def _calendar_for(path: str | None, mtime: float | None) -> WorkingCalendar:
    return WorkingCalendar(load_overrides(path) if path else None)


def default_calendar(override_file: str | Path | None = None) -> WorkingCalendar:
    """The calendar with the given override file (re-read when the file changes)."""
    if not override_file:
        return _calendar_for(None, None)
    p = Path(override_file)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise OverrideFileError(f"cannot read calendar override file {p}: {exc.strerror or exc}") from exc
    return _calendar_for(str(p.resolve()), mtime)


__all__ = [
    "CalendarError", "Clock", "DayInfo", "DayKind", "ExplainedDay", "Explanation", "Extension", "HourPeriod",
    "OutOfRangeError", "OverrideFileError", "Overrides", "Period", "SHANGHAI", "Suspension", "UNITS",
    "WorkingCalendar", "YearInfo", "add_months", "check_count", "check_date", "compute", "days_period",
    "default_calendar", "end_of_day", "explain", "explain_clock", "explain_hours", "hours_after", "hours_period",
    "load_overrides",
    "months_period", "parse_overrides", "working_days_period", "years_period",
]
