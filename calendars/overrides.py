"""Calendar overrides: confirm a year before the `holidays` package ships it, or correct a day.

File format (TOML), one ``[[year]]`` table per year::

    [[year]]
    year = 2027
    notice = "国务院办公厅关于2027年部分节假日安排的通知"   # required: who announced it
    document_number = "国办发明电〔2026〕N号"              # optional
    mode = "replace"      # "replace": the listed days are the whole arrangement of the year
                          #   (the package's estimate for that year is dropped);
                          # "patch" (default): the listed days correct the package's days.
    confirmed = true      # default: true for "replace", false for "patch"
    days_off = [
      { from = 2027-02-05, to = 2027-02-11, name = "春节" },
      { date = 2027-04-05, name = "清明节" },
    ]
    working_days = [      # weekend days made working days (调休上班) or a holiday withdrawn
      { date = 2027-02-20, name = "春节调休上班" },
    ]

Overrides win over the package. A day may not be listed both as a day off and as a working day.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .errors import OverrideFileError

FIRST_YEAR = 2000
LAST_YEAR = 2099


@dataclass(frozen=True)
class YearOverride:
    year: int
    notice: str
    document_number: str
    mode: str
    confirmed: bool
    days_off: dict[date, str] = field(default_factory=dict)
    working_days: dict[date, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Overrides:
    source: str
    years: tuple[YearOverride, ...]
    digest: str

    def for_year(self, year: int) -> YearOverride | None:
        for entry in self.years:
            if entry.year == year:
                return entry
        return None


def _expand(entries, year: int, key: str, where: str) -> dict[date, str]:
    days: dict[date, str] = {}
    if not isinstance(entries, list):
        raise OverrideFileError(f"{where}: '{key}' must be a list of tables")
    for i, item in enumerate(entries):
        spot = f"{where}.{key}[{i}]"
        if not isinstance(item, dict):
            raise OverrideFileError(f"{spot}: expected a table like {{ date = 2027-02-05, name = \"春节\" }}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise OverrideFileError(f"{spot}: 'name' is required (the holiday or the reason)")
        if "date" in item:
            first = last = item["date"]
        elif "from" in item and "to" in item:
            first, last = item["from"], item["to"]
        else:
            raise OverrideFileError(f"{spot}: give 'date', or 'from' and 'to'")
        for value in (first, last):
            if not isinstance(value, date) or hasattr(value, "hour"):
                raise OverrideFileError(f"{spot}: {value!r} is not a TOML date (write 2027-02-05, unquoted)")
        if last < first:
            raise OverrideFileError(f"{spot}: 'to' {last} is before 'from' {first}")
        day = first
        while day <= last:
            if day.year != year:
                raise OverrideFileError(f"{spot}: {day} is not in year {year}")
            days[day] = name.strip()
            day += timedelta(days=1)
    return days


def parse_overrides(text: str, source: str = "<string>") -> Overrides:
    """Parse and validate an override file's text; raises OverrideFileError naming the spot."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OverrideFileError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"year"}
    if unknown:
        raise OverrideFileError(f"{source}: unknown top-level keys {sorted(unknown)}; only [[year]] tables")
    tables = data.get("year", [])
    if not isinstance(tables, list):
        raise OverrideFileError(f"{source}: 'year' must be an array of tables: [[year]]")
    seen: set[int] = set()
    years = []
    for i, table in enumerate(tables):
        where = f"{source}: year[{i}]"
        year = table.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
            raise OverrideFileError(f"{where}: 'year' must be an integer in {FIRST_YEAR}-{LAST_YEAR}, got {year!r}")
        if year in seen:
            raise OverrideFileError(f"{where}: year {year} is listed twice")
        seen.add(year)
        notice = table.get("notice")
        if not isinstance(notice, str) or not notice.strip():
            raise OverrideFileError(f"{where}: 'notice' is required: the official notice that announced the days")
        mode = table.get("mode", "patch")
        if mode not in ("patch", "replace"):
            raise OverrideFileError(f"{where}: 'mode' must be \"patch\" or \"replace\", got {mode!r}")
        confirmed = table.get("confirmed", mode == "replace")
        if not isinstance(confirmed, bool):
            raise OverrideFileError(f"{where}: 'confirmed' must be true or false")
        unknown = set(table) - {"year", "notice", "document_number", "mode", "confirmed", "days_off", "working_days"}
        if unknown:
            raise OverrideFileError(f"{where}: unknown keys {sorted(unknown)}")
        days_off = _expand(table.get("days_off", []), year, "days_off", where)
        working = _expand(table.get("working_days", []), year, "working_days", where)
        both = sorted(set(days_off) & set(working))
        if both:
            raise OverrideFileError(f"{where}: {both[0]} is listed both as a day off and as a working day")
        years.append(
            YearOverride(
                year=year,
                notice=notice.strip(),
                document_number=str(table.get("document_number", "")),
                mode=mode,
                confirmed=confirmed,
                days_off=days_off,
                working_days=working,
            )
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Overrides(source=source, years=tuple(years), digest=digest)


def load_overrides(path: str | Path) -> Overrides:
    """Read an override file from disk."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise OverrideFileError(f"cannot read calendar override file {p}: {exc.strerror or exc}") from exc
    return parse_overrides(text, source=str(p))
