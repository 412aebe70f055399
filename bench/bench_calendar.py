"""Calendar benchmark: our indexed N-th working day vs the `holidays` package's own function.

Run:  python bench/bench_calendar.py   (writes nothing; paste the output into docs/benchmarks.md)
Both answer the same queries (every start day 2020-2026, N in 1..60, in a shuffled order) in one run.
"""

from __future__ import annotations

import platform
import random
import time
from datetime import date, timedelta

import holidays

from calendars import WorkingCalendar


def queries(seed: int = 7) -> list[tuple[date, int]]:
    days = [date(2020, 1, 1) + timedelta(days=i) for i in range((date(2026, 12, 31) - date(2020, 1, 1)).days + 1)]
    qs = [(d, n) for d in days for n in range(1, 61)]
    random.Random(seed).shuffle(qs)
    return qs


def rate(fn, qs) -> tuple[float, float]:
    t0 = time.perf_counter()
    for d, n in qs:
        fn(d, n)
    elapsed = time.perf_counter() - t0
    return len(qs) / elapsed, elapsed


def main() -> None:
    t0 = time.perf_counter()
    cal = WorkingCalendar()
    build = time.perf_counter() - t0
    package = holidays.China(years=range(2000, 2100))
    qs = queries()
    ours, ours_s = rate(cal.nth_working_day_after, qs)
    theirs, theirs_s = rate(package.get_nth_working_day, qs)
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}, holidays {holidays.__version__}")
    print(f"queries: {len(qs)} (every start day 2020-2026 x N 1..60, shuffled)")
    print(f"index build (2000-2099, once per process): {build * 1000:.0f} ms")
    print("| implementation | calls/s | total s |")
    print("|---|---:|---:|")
    print(f"| calendars.WorkingCalendar.nth_working_day_after (index) | {ours:,.0f} | {ours_s:.2f} |")
    print(f"| holidays.China.get_nth_working_day (walk) | {theirs:,.0f} | {theirs_s:.2f} |")
    print(f"speed-up: {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
