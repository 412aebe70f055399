"""Finding due work: SpiffWorkflow's pass over every waiting instance against our due-work query.

Run (from the repository root, after `bash bench/spiff/setup.sh`):
    .venv/bin/python bench/bench_due_work.py [--open 10000,1000000] [--spiff-open 10000] [--due 500] [--calls 20]

SpiffWorkflow keeps a timer inside the serialized instance: to find which timers are due a system built on
it must load every waiting instance, deserialize it and call `refresh_waiting_tasks()` (bench/spiff/
bench_spiff.py `--side spiff-due`: 10,000 instances of bench/spiff/objection.bpmn in SQLite, `--due` of
them with their handling timer past due; the pass is timed `--repeats` times and must find exactly those).

Ours: `svc.sweep.due_work(as_of, 500)` (workflows/store/sweep_repo.py: an index range scan on
`ix_timers_due` / `ix_timers_remind`, its own transaction) on a SQLite store with the same settings, over
the same number of open objections, and over 1,000,000. The store is made by the services (one
evaluation and one objection under review, published and accepted through `svc.cases`), then its
objection's `cases` and `timers` rows are cloned by bulk INSERT (the timers rows written directly,
`--due` of them past due, spread over the id range, the rest far in the future), then ANALYZE. Each
`due_work` call must return exactly the due clones. Median, min and max of `--calls` calls.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIFF_PYTHON = ROOT / "bench" / "spiff" / ".venv" / "bin" / "python"
AS_OF = datetime(2026, 2, 10, 0, 0, tzinfo=timezone.utc)  # before the real cases' own deadlines
DUE_AT = "2026-02-09 16:00:00.000000"  # stored as the UTCDateTime column stores it (checked below)
LATER_AT = "2099-12-31 16:00:00.000000"


def our_store(db: Path, home: Path):
    from calendars import SHANGHAI
    from workflows.clock import frozen_at
    from workflows.services import Services
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    url = f"sqlite:///{db}"
    svc = Services(make_engine(url), Settings(home, url, None, True))
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    with frozen_at(datetime(2026, 2, 6, 9, tzinfo=SHANGHAI)):
        sid = svc.deployment.add_subject("郑州市示例医院", "hospital", "91350100M000100Y43", None)["id"]
        ev = svc.cases.open("evaluation", "alice", {"year": 2025, "score": "75"}, subject=str(sid))["case_id"]
        obj = svc.cases.open("objection", "alice", {"grounds": "1,2", "received": "2026-02-06", "materials": "申请表",
                                                     "reason": "扣分有误"}, parent=ev)["case_id"]
        svc.cases.act(obj, "accept", "alice", {})
    return svc, obj


def clone(db: Path, template_case: int, n_open: int, n_due: int) -> set[int]:
    """`n_open` clones of the objection (case and handling timer rows), `n_due` of them past due; their ids."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    case_cols = [r[1] for r in conn.execute("PRAGMA table_info(cases)")]
    timer_cols = [r[1] for r in conn.execute("PRAGMA table_info(timers)")]
    case_row = conn.execute("SELECT * FROM cases WHERE id = ?", (template_case,)).fetchone()
    timer_row = conn.execute("SELECT * FROM timers WHERE case_id = ? AND name = 'handling'", (template_case,)).fetchone()
    stored_end = timer_row[timer_cols.index("ends_at")]
    if len(stored_end) != len(DUE_AT):  # the clones must be stored as the store stores instants
        raise SystemExit(f"timers.ends_at is stored as {stored_end!r}; adjust DUE_AT")
    first_case = conn.execute("SELECT max(id) FROM cases").fetchone()[0] + 1
    first_timer = conn.execute("SELECT max(id) FROM timers").fetchone()[0] + 1
    step = n_open // n_due
    due = {first_case + i for i in range(n_open) if (i + 1) % step == 0 and (i + 1) // step <= n_due}
    ci, ti, te, tr = case_cols.index("id"), timer_cols.index("id"), timer_cols.index("ends_at"), timer_cols.index("case_id")
    tm = timer_cols.index("remind_at")

    def cases():
        for i in range(n_open):
            row = list(case_row)
            row[ci] = first_case + i
            yield row

    def timers():
        for i in range(n_open):
            row = list(timer_row)
            row[ti], row[tr] = first_timer + i, first_case + i
            row[te] = DUE_AT if first_case + i in due else LATER_AT
            row[tm] = LATER_AT  # no reminder due: the expiries alone are the due work
            yield row

    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO cases ({', '.join(case_cols)}) VALUES ({', '.join('?' * len(case_cols))})", cases())
    conn.executemany(f"INSERT INTO timers ({', '.join(timer_cols)}) VALUES ({', '.join('?' * len(timer_cols))})",
                     timers())
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return due


def ours(n_open: int, n_due: int, calls: int, tmp: Path) -> dict:
    db, home = tmp / f"ours-{n_open}.db", tmp / f"home-{n_open}"
    svc, template = our_store(db, home)
    t0 = time.perf_counter()
    due = clone(db, template, n_open, n_due)
    load_s = time.perf_counter() - t0
    svc.sweep.due_work(AS_OF, 500)  # warm: the first call compiles the statements and reads the pages in
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        work = svc.sweep.due_work(AS_OF, 500)
        times.append(time.perf_counter() - t0)
    found = {w.case_id for w in work}
    if found != due or {w.work for w in work} != {"expiry"}:
        raise SystemExit(f"due_work found {len(found)} cases, expected the {len(due)} due clones")
    svc.db.dispose()
    size = db.stat().st_size
    db.unlink()
    return {"open": n_open, "due": len(due), "times": times, "bulk_s": load_s, "db_mib": size / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--open", default="10000,1000000", help="our open objections, comma-separated")
    ap.add_argument("--spiff-open", type=int, default=10_000)
    ap.add_argument("--due", type=int, default=500)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3, help="Spiff passes over all its instances")
    a = ap.parse_args()
    if not SPIFF_PYTHON.exists():
        raise SystemExit("bench/spiff/.venv is missing: run bash bench/spiff/setup.sh first")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; SQLite "
          f"{sqlite3.sqlite_version} WAL synchronous=FULL; {a.due} due")
    with tempfile.TemporaryDirectory() as tmp:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        r = subprocess.run([str(SPIFF_PYTHON), str(ROOT / "bench" / "spiff" / "bench_spiff.py"), "--side", "spiff-due",
                            "--db", str(Path(tmp) / "spiff.db"), "--open", str(a.spiff_open), "--due", str(a.due),
                            "--repeats", str(a.repeats)], capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(r.stderr[-3000:])
        spiff = json.loads(r.stdout.strip().splitlines()[-1])
        spiff_med = statistics.median(spiff["seconds"])
        print(f"  SpiffWorkflow: {spiff['open']:,} instances, found {spiff['found']} due; pass "
              f"{', '.join(f'{s:.2f}' for s in spiff['seconds'])} s (load before {load})")
        rows = []
        for n in (int(x) for x in a.open.split(",")):
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            o = ours(n, a.due, a.calls, Path(tmp))
            rows.append(o)
            t = [x * 1000 for x in o["times"]]
            print(f"  ours: {n:,} open, {o['due']} due; bulk insert {o['bulk_s']:.0f} s, db {o['db_mib']:.0f} MiB; "
                  f"due_work median {statistics.median(t):.2f} ms (min {min(t):.2f}, max {max(t):.2f}) "
                  f"(load before {load})")
            sys.stdout.flush()
    print()
    print("| what | open | time to find the due work: median | min | max | Spiff pass / this |")
    print("|---|---:|---:|---:|---:|---:|")
    s = spiff["seconds"]
    print(f"| SpiffWorkflow: load, deserialize, `refresh_waiting_tasks()` every instance | {spiff['open']:,} | "
          f"{spiff_med * 1000:,.0f} ms | {min(s) * 1000:,.0f} ms | {max(s) * 1000:,.0f} ms | 1 |")
    for o in rows:
        t = o["times"]
        print(f"| ours: `svc.sweep.due_work(as_of, 500)` | {o['open']:,} | {statistics.median(t) * 1000:.2f} ms | "
              f"{min(t) * 1000:.2f} ms | {max(t) * 1000:.2f} ms | {spiff_med / statistics.median(t):,.0f}x |")


if __name__ == "__main__":
    main()
