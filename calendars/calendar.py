"""The working-day calendar of mainland China, 2000-2099, as an index.

Days come from the `holidays` package (`holidays.China`: statutory holidays and the
``weekend_workdays`` that the State Council's annual notice makes working days, 调休上班),
corrected by a deployment's override file. At construction every day of the supported range
is classified once and a cumulative count of working days is stored, so "the N-th working day
after D" is two array lookups instead of a day-by-day walk.
"""

from __future__ import annotations

import hashlib
import tomllib
from array import array
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from importlib import resources

from .errors import CalendarError, OutOfRangeError
from .overrides import FIRST_YEAR, LAST_YEAR, Overrides

EPOCH = date(FIRST_YEAR, 1, 1)
LAST_DATE = date(LAST_YEAR, 12, 31)
_EPOCH_ORD = EPOCH.toordinal()
_SPAN = LAST_DATE.toordinal() - _EPOCH_ORD + 1


class DayKind(str, Enum):
    """Why a day is or is not a working day (工作日)."""

    WORKDAY = "working_day"  # Monday-Friday, no holiday
    MAKEUP_WORKDAY = "makeup_working_day"  # weekend day made a working day (调休上班)
    WEEKEND = "weekend"  # Saturday or Sunday
    HOLIDAY = "holiday"  # statutory holiday or a day off moved from a weekend (调休休息)

    @property
    def working(self) -> bool:
        return self in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


@dataclass(frozen=True)
class DayInfo:
    date: date
    kind: DayKind
    name: str  # the holiday's or make-up day's name, "" for ordinary days
    confirmed: bool  # the day's year is confirmed by an official notice

    @property
    def working(self) -> bool:
        return self.kind.working

    @property
    def label(self) -> str:
        """Chinese wording for explanations shown to handlers."""
        if self.kind is DayKind.WORKDAY:
            return "工作日"
        if self.kind is DayKind.MAKEUP_WORKDAY:
            return f"调休上班日（{self.name}）" if self.name else "调休上班日"
        if self.kind is DayKind.WEEKEND:
            return "周末休息日"
        if self.name.startswith("休息日"):  # a weekday off moved from a weekend (调休)
            return f"调休{self.name}"
        return f"法定节假日（{self.name}）" if self.name else "法定节假日"


@dataclass(frozen=True)
class YearInfo:
    year: int
    confirmed: bool
    source: str  # the notice (and document number) or how the days were estimated


def check_date(value, what: str = "date") -> date:
    """Accept a `date` (not a datetime) or an ISO string YYYY-MM-DD; anything else is an error."""
    if isinstance(value, datetime):
        raise CalendarError(f"{what}: expected a calendar date, got a date and time {value.isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) != 10:
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            raise CalendarError(f"{what}: '{value}' is not a date; expected YYYY-MM-DD, e.g. 2026-02-14") from None
    raise CalendarError(f"{what}: expected a date, got {type(value).__name__} {value!r}")


def check_count(value, what: str) -> int:
    """A period length: a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalendarError(f"{what} must be a whole number >= 1, got {value!r}")
    if value <= 0:
        raise CalendarError(f"{what} must be >= 1, got {value}")
    return value


def _load_confirmed() -> dict[int, str]:
    text = resources.files("calendars").joinpath("confirmed_years.toml").read_text(encoding="utf-8")
    out = {}
    for entry in tomllib.loads(text)["year"]:
        source = entry["notice"]
        if entry.get("document_number"):
            source += f"（{entry['document_number']}）"
        elif entry.get("published"):
            source += f"（{entry['published']}发布）"
        out[int(entry["year"])] = source
    return out


class WorkingCalendar:
    """Mainland China's working days 2000-2099 with confirmed/provisional years.

    Build one per process (``default_calendar()``) or per override file; it is immutable.
    """

    def __init__(self, overrides: Overrides | None = None):
        import holidays  # imported here: only callers that compute dates pay for it

        self.overrides = overrides
        package = holidays.China(years=range(FIRST_YEAR, LAST_YEAR + 1), language="zh_CN")
        self.package_version = holidays.__version__
        off: dict[date, str] = dict(package.items())
        work: dict[date, str] = {d: "" for d in package.weekend_workdays}
        confirmed = _load_confirmed()
        makeup_years = {d.year for d in work}

        def estimate(y: int) -> str:
            if y in makeup_years:
                return f"holidays {self.package_version} 数据（含调休，未列入已确认年份）"
            return f"holidays {self.package_version} 估算（按日期的法定节假日，无调休）"

        years = {y: YearInfo(y, y in confirmed, confirmed.get(y) or estimate(y)) for y in range(FIRST_YEAR, LAST_YEAR + 1)}
        if overrides:
            for entry in overrides.years:
                if entry.mode == "replace":
                    off = {d: n for d, n in off.items() if d.year != entry.year}
                    work = {d: n for d, n in work.items() if d.year != entry.year}
                for d, name in entry.days_off.items():
                    work.pop(d, None)
                    off[d] = name
                for d, name in entry.working_days.items():
                    off.pop(d, None)
                    work[d] = name
                source = entry.notice + (f"（{entry.document_number}）" if entry.document_number else "")
                base = years[entry.year]
                years[entry.year] = YearInfo(
                    entry.year,
                    base.confirmed or entry.confirmed,
                    f"{source}；覆盖文件 {overrides.source}" if entry.confirmed else f"{base.source}；更正：{source}",
                )
        self._years = years
        self._off = off
        self._work = work
        # kinds[i]: DayKind index of day EPOCH+i; cum[i]: working days in [EPOCH, EPOCH+i];
        # workdays[k]: offset of the (k+1)-th working day.
        order = list(DayKind)
        holiday_i, makeup_i, weekend_i, workday_i = (order.index(k) for k in (
            DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY, DayKind.WEEKEND, DayKind.WORKDAY))
        off_offsets = {d.toordinal() - _EPOCH_ORD for d in off}
        work_offsets = {d.toordinal() - _EPOCH_ORD for d in work}
        kinds = bytearray(_SPAN)
        cum = array("i", bytes(4 * _SPAN))
        workdays = array("i")
        first_weekday = EPOCH.weekday()
        running = 0
        for i in range(_SPAN):
            if i in off_offsets:
                kinds[i] = holiday_i
            elif (first_weekday + i) % 7 >= 5:
                if i in work_offsets:
                    kinds[i] = makeup_i
                    workdays.append(i)
                    running += 1
                else:
                    kinds[i] = weekend_i
            else:
                kinds[i] = workday_i
                workdays.append(i)
                running += 1
            cum[i] = running
        self._order = order
        self._kinds = kinds
        self._cum = cum
        self._workdays = workdays
        digest = hashlib.sha256()
        digest.update(self.package_version.encode())
        digest.update(repr(sorted(confirmed.items())).encode())
        digest.update(bytes(kinds))
        # Confirming a year changes the version even when no day moves: provisional deadlines are
        # then recomputed (and stop being provisional).
        digest.update(bytes(int(years[y].confirmed) for y in range(FIRST_YEAR, LAST_YEAR + 1)))
        self.version = digest.hexdigest()[:12]

    # -- single days -------------------------------------------------------------------

    @staticmethod
    def _offset(day: date, what: str = "date") -> int:
        off = day.toordinal() - _EPOCH_ORD
        if not 0 <= off < _SPAN:
            raise OutOfRangeError(
                f"{what} {day.isoformat()} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}"
            )
        return off

    def day(self, value) -> DayInfo:
        """Classify one day: working day, make-up working day, weekend or holiday (with its name)."""
        day = check_date(value)
        kind = self._order[self._kinds[self._offset(day)]]
        if kind is DayKind.HOLIDAY:
            name = self._off[day]
        elif kind is DayKind.MAKEUP_WORKDAY:
            name = self._work[day]
        else:
            name = ""
        return DayInfo(day, kind, name, self._years[day.year].confirmed)

    def is_working_day(self, value) -> bool:
        """docs/rules.md §7.1: neither weekend nor statutory holiday, or a weekend day made a working day."""
        day = check_date(value)
        return self._kinds[self._offset(day)] < 2  # WORKDAY, MAKEUP_WORKDAY come first

    # -- lookups -----------------------------------------------------------------------

    def nth_working_day_after(self, start: date, n: int) -> date:
        """The n-th working day after `start`; `start` itself never counts (Civil Code Art. 201)."""
        i = self._offset(start, "start")
        k = self._cum[i] + n
        if k > len(self._workdays):
            raise OutOfRangeError(
                f"{n} working days after {start.isoformat()} runs past {LAST_DATE.isoformat()}, "
                f"the end of the supported calendar"
            )
        return date.fromordinal(_EPOCH_ORD + self._workdays[k - 1])

    def nth_working_day_before(self, day: date, n: int) -> date:
        """The n-th working day before `day`, counting back; `day` itself never counts.

        Mirrors `nth_working_day_after`: if D = nth_working_day_before(L, n), exactly n working
        days lie after D up to and including L (when L is a working day)."""
        i = self._offset(day)
        k = (self._cum[i - 1] if i else 0) - n  # 0-based index of the wanted working day
        if k < 0:
            raise OutOfRangeError(f"{n} working days before {day.isoformat()} runs before {EPOCH.isoformat()}, "
                                  "the start of the supported calendar")
        return date.fromordinal(_EPOCH_ORD + self._workdays[k])

    def working_days_in(self, first: date, end_exclusive: date) -> int:
        """How many working days lie in [first, end_exclusive)."""
        if end_exclusive <= first:
            return 0
        a = self._offset(first)
        b = self._offset(end_exclusive - timedelta(days=1))
        return self._cum[b] - (self._cum[a - 1] if a else 0)

    def next_working_day_on_or_after(self, day: date) -> date:
        i = self._offset(day)
        k = self._cum[i - 1] if i else 0  # working days strictly before `day`
        if k >= len(self._workdays):
            raise OutOfRangeError(f"no working day on or after {day.isoformat()} before {LAST_DATE.isoformat()}")
        return date.fromordinal(_EPOCH_ORD + self._workdays[k])

    # -- years -------------------------------------------------------------------------

    def year(self, year: int) -> YearInfo:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise OutOfRangeError(f"year {year} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
        return self._years[year]

    def years(self) -> list[YearInfo]:
        return [self._years[y] for y in range(FIRST_YEAR, LAST_YEAR + 1)]

    def any_provisional(self, first: date, last: date) -> bool:
        """Whether any day in [first, last] lies in a provisional (unconfirmed) year."""
        return any(not self._years[y].confirmed for y in range(first.year, last.year + 1))
