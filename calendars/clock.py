"""A running clock: N working days from a start day, with suspensions and extensions.

docs/rules.md §7.7 "Suspension and extension": a clock suspended from day S and resumed on
day R does not count the working days in [S, R); its deadline moves later by exactly that many working days. Suspensions
can repeat. "Extension": adds working days to the current deadline (Henan measure Art. 41: once,
at most 15 working days, for the repair decision; the bound is the caller's policy).
Used for Henan measure Art. 26 (time for inspection, testing, quarantine, appraisal or expert
review is not counted in the objection handling period).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from .calendar import WorkingCalendar, check_count, check_date
from .errors import CalendarError
from .periods import RULE_WORKING_DAYS, Period


@dataclass(frozen=True)
class Suspension:
    start: date  # first day not counted
    resumed: date | None  # first day counted again; None while still suspended
    reason: str


@dataclass(frozen=True)
class Extension:
    working_days: int
    on: date
    reason: str


@dataclass(frozen=True)
class Clock:
    start: date
    working_days: int
    suspensions: tuple[Suspension, ...] = ()
    extensions: tuple[Extension, ...] = ()

    @classmethod
    def started(cls, start, working_days) -> "Clock":
        return cls(check_date(start, "start"), check_count(working_days, "working days"))

    @property
    def is_suspended(self) -> bool:
        return bool(self.suspensions) and self.suspensions[-1].resumed is None

    def suspend(self, on, reason: str) -> "Clock":
        on = check_date(on, "suspension day")
        if self.is_suspended:
            raise CalendarError(f"the clock is already suspended since {self.suspensions[-1].start}")
        if not reason or not reason.strip():
            raise CalendarError("a suspension needs its reason (e.g. 检验、检测、鉴定、专家评审)")
        if on < self.start:
            raise CalendarError(f"cannot suspend on {on}, before the clock started on {self.start}")
        if self.suspensions and on < self.suspensions[-1].resumed:
            raise CalendarError(f"cannot suspend on {on}, before the last resumption on {self.suspensions[-1].resumed}")
        return replace(self, suspensions=self.suspensions + (Suspension(on, None, reason.strip()),))

    def resume(self, on) -> "Clock":
        on = check_date(on, "resumption day")
        if not self.is_suspended:
            raise CalendarError("the clock is not suspended")
        last = self.suspensions[-1]
        if on < last.start:
            raise CalendarError(f"cannot resume on {on}, before the suspension began on {last.start}")
        return replace(self, suspensions=self.suspensions[:-1] + (replace(last, resumed=on),))

    def extend(self, working_days, on, reason: str) -> "Clock":
        n = check_count(working_days, "extension working days")
        return replace(self, extensions=self.extensions + (Extension(n, check_date(on, "extension day"), reason),))

    def suspended_ranges(self, as_of: date | None = None) -> list[tuple[date, date, str]]:
        """Each suspension as [first, end_exclusive). An open one runs through `as_of`
        (default: its own first day), i.e. it is treated as resuming the day after."""
        out = []
        for s in self.suspensions:
            end = s.resumed
            if end is None:
                end = max(as_of or s.start, s.start) + timedelta(days=1)
            first = max(s.start, self.start + timedelta(days=1))  # the start day never counts anyway
            out.append((first, end, s.reason))
        return out

    def suspended_working_days(self, cal: WorkingCalendar, as_of: date | None = None) -> int:
        return sum(cal.working_days_in(a, b) for a, b, _ in self.suspended_ranges(as_of))

    def total_working_days(self) -> int:
        return self.working_days + sum(e.working_days for e in self.extensions)

    def period(self, cal: WorkingCalendar, as_of: date | None = None) -> Period:
        """The clock's current deadline. While suspended, the earliest it can be as of `as_of`."""
        n = self.total_working_days() + self.suspended_working_days(cal, as_of)
        last = cal.nth_working_day_after(self.start, n)
        rule = RULE_WORKING_DAYS + "; suspension per Henan measure Art. 26" if self.suspensions else RULE_WORKING_DAYS
        return Period(self.start, "working_days", self.total_working_days(), last,
                      cal.any_provisional(self.start + timedelta(days=1), last), rule, cal.version)

    def last_day(self, cal: WorkingCalendar, as_of: date | None = None) -> date:
        return self.period(cal, as_of).last_day

    def to_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "working_days": self.working_days,
            "suspensions": [
                {"start": s.start.isoformat(), "resumed": s.resumed.isoformat() if s.resumed else None, "reason": s.reason}
                for s in self.suspensions
            ],
            "extensions": [
                {"working_days": e.working_days, "on": e.on.isoformat(), "reason": e.reason} for e in self.extensions
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Clock":
        return cls(
            start=date.fromisoformat(data["start"]),
            working_days=int(data["working_days"]),
            suspensions=tuple(
                Suspension(date.fromisoformat(s["start"]), date.fromisoformat(s["resumed"]) if s["resumed"] else None, s["reason"])
                for s in data.get("suspensions", [])
            ),
            extensions=tuple(
                Extension(int(e["working_days"]), date.fromisoformat(e["on"]), e["reason"]) for e in data.get("extensions", [])
            ),
        )
