"""Worklist benchmark: the staff worklist page's query (`svc.worklist.worklist`, issue 17) among 100,000 open cases,
on SQLite and PostgreSQL; the approver's queue and the dashboard beside it.

Run:  .venv/bin/python bench/bench_worklist.py [--cases 100000] [--runs 5] [--calls 20] [--backends sqlite,postgresql]
      [--only worklist,approvals,dashboard] [--explain]
      (PostgreSQL admin URL from CREDITFLOW_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres)

Each backend gets a fresh store (`init`: the migrations, so exactly the indexes of workflows/store/tables.py), then
a bulk insert straight into the tables (it is the query that is measured, not the engine): `--subjects`
subjects (half institutions, half persons), `--cases` open cases spread over every registered procedure's
non-final states, 90 % of them assigned to one of `--handlers` handlers and 10 % unassigned (as the cases the
system opens are), each with one running clock ending within 120 days (0.2 % ended in the last hour, not swept yet), a third with a
second running clock and a third with a stopped one, 5 % flagged overdue. Then `--runs` runs of `--calls` calls of
each scenario below, as the page makes them (the service call: one statement, plus the rows made into plain data
with the working days left on the calendar); each run reports its p95, and the output gives the median, min and
max of the runs' p95 (and the median call), with the load average before each run (the machine may be shared).
The database is dropped (PostgreSQL) or deleted (SQLite) afterwards unless --keep. Paste the output into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from states import REGISTRY  # noqa: E402
from calendars import SHANGHAI  # noqa: E402
from workflows import clock  # noqa: E402
from workflows.services import Services  # noqa: E402
from workflows.settings import Settings  # noqa: E402
from workflows.store.db import make_engine  # noqa: E402
from workflows.store.tables import cases, subjects, timers  # noqa: E402

ADMIN = os.environ.get("CREDITFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CHUNK = 5000


def load(svc: Services, n_cases: int, n_subjects: int, n_handlers: int, seed: int = 17) -> dict:
    rnd = random.Random(seed)
    now = clock.real_now()
    handlers = [f"h{i:02d}" for i in range(1, n_handlers + 1)]
    for h in handlers:
        svc.deployment.add_user(h, ["handler"])
    svc.deployment.add_user("boss", ["approver"])
    open_states = [(p, s.name) for p in REGISTRY.procedures() for s in p.states if not s.final]
    subject_rows = []
    for i in range(1, n_subjects + 1):
        if i % 2:
            subject_rows.append({"id": i, "name": f"郑州市第{i}人民医院", "subject_type": "hospital",
                                 "identifier_kind": "uscc", "identifier": f"91410100M{i:08d}X"[:18], "created_at": now})
        else:
            subject_rows.append({"id": i, "name": f"参保人{i}", "subject_type": "insured",
                                 "identifier_kind": "id_number", "identifier": f"410105{i:011d}X",
                                 "created_at": now})
    case_rows, timer_rows = [], []
    tid = 0
    for cid in range(1, n_cases + 1):
        proc, state = open_states[cid % len(open_states)]
        owner = None if rnd.random() < 0.10 else rnd.choice(handlers)
        case_rows.append({"id": cid, "kind": proc.kind, "declaration_version": proc.version, "state": state,
                          "version": 3, "parent_id": None, "subject_id": rnd.randint(1, n_subjects), "opened_by": None,
                          "entry_id": None, "assignee": owner, "data": {"bench": True}, "is_final": False,
                          "overdue": rnd.random() < 0.05, "log_seq": 3, "chain_head": "0" * 64,
                          "opened_at": now - timedelta(days=rnd.randint(1, 400)), "updated_at": now})
        names = [t.name for t in proc.timers] or ["deadline"]
        plan = ["running"] + (["running"] if rnd.random() < 1 / 3 else []) + (["stopped"] if rnd.random() < 1 / 3 else [])
        for k, status in enumerate(plan):
            tid += 1
            # the sweep fires a clock within a minute of its end: hardly any running clock has ended
            ends = now - timedelta(minutes=rnd.randint(1, 50)) if rnd.random() < 0.002 else \
                now + timedelta(days=rnd.randint(0, 120), hours=rnd.randint(1, 23))
            last = (ends - timedelta(seconds=1)).astimezone(SHANGHAI).date()
            name = names[k] if k < len(names) else f"{names[0]}_{k}"
            timer_rows.append({"id": tid, "case_id": cid, "name": name, "status": status, "side": "agency",
                               "on_expiry": "deadline_expired", "unit": "working_days",
                               "clock": {"start": (last - timedelta(days=21)).isoformat(), "amount": 15},
                               "start_day": last - timedelta(days=21), "last_day": last, "ends_at": ends,
                               "provisional": False, "calendar_version": "bench", "fired_at": None,
                               "updated_at": now, "remind_at": None, "reminded_for": None})
    started = time.perf_counter()
    with svc.db.begin() as conn:
        for table, rows in ((subjects, subject_rows), (cases, case_rows), (timers, timer_rows)):
            for i in range(0, len(rows), CHUNK):
                conn.execute(insert(table), rows[i:i + CHUNK])
        if svc.db.dialect.name == "postgresql":
            for table in ("subjects", "cases", "timers"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with svc.db.connect() as conn:  # the planner's statistics, as autovacuum would have them
        conn.execute(text("ANALYZE"))
        conn.commit()
    user = "h01"
    mine = sum(1 for c in case_rows if c["assignee"] == user)
    unassigned = sum(1 for c in case_rows if c["assignee"] is None)
    return {"load_seconds": round(time.perf_counter() - started, 1), "cases": n_cases, "timers": len(timer_rows),
            "subjects": n_subjects, "user": user, "user_own": mine, "unassigned": unassigned,
            "kind": case_rows[0]["kind"], "search": "第12"}


def scenarios(svc: Services, info: dict) -> dict:
    user, kind, search = info["user"], info["kind"], info["search"]
    return {
        "worklist page 1": lambda: svc.worklist.worklist(user),
        "worklist page 20": lambda: svc.worklist.worklist(user, page=20),
        "worklist kind filter": lambda: svc.worklist.worklist(user, kind=kind),
        "worklist search name": lambda: svc.worklist.worklist(user, search=search),
        "approvals queue": lambda: svc.worklist.approvals("boss"),
        "dashboard": lambda: svc.worklist.dashboard(),
    }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def measure(svc: Services, info: dict, runs: int, calls: int, only: str | None = None) -> list[dict]:
    out = []
    todo = {k: v for k, v in scenarios(svc, info).items() if not only or any(w in k for w in only.split(","))}
    for fn in todo.values():  # warm: the calendar, the statement caches, the pages in the OS cache
        fn()
    for name, fn in todo.items():
        per_run, medians, loads, rows = [], [], [], None
        for _ in range(runs):
            loads.append(os.getloadavg()[0])
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                result = fn()
                times.append((time.perf_counter() - t0) * 1000)
            rows = len(result["rows"]) if isinstance(result, dict) and "rows" in result else (
                len(result) if isinstance(result, list) else None)
            per_run.append(p95(times))
            medians.append(statistics.median(times))
        out.append({"scenario": name, "p95_median": statistics.median(per_run), "p95_min": min(per_run),
                    "p95_max": max(per_run), "call_median": statistics.median(medians), "rows": rows,
                    "load": f"{min(loads):.2f}–{max(loads):.2f}"})
    return out


def run_backend(backend: str, args) -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-worklist-"))
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{home / 'creditflow.db'}"
    else:
        import psycopg

        name = f"bench_worklist_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = ADMIN.rsplit("/", 1)[0] + "/" + name
    settings = Settings(home=home, database_url=url, calendar_overrides=None, allow_clock_override=False)
    svc = Services(make_engine(url), settings)
    try:
        svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保",
                            reconsideration_body="郑州市人民政府", court="郑州铁路运输法院")
        info = load(svc, args.cases, args.subjects, args.handlers)
        print(f"\n{backend}: {info['cases']:,} open cases, {info['timers']:,} timers, {info['subjects']:,} subjects "
              f"(bulk insert {info['load_seconds']} s); user {info['user']}: {info['user_own']:,} own + "
              f"{info['unassigned']:,} unassigned open cases; {args.runs} runs × {args.calls} calls")
        print("| scenario | rows | p95 median (min–max of runs) | median call | load avg |")
        print("|---|---:|---:|---:|---|")
        for r in measure(svc, info, args.runs, args.calls, args.only):
            print(f"| {r['scenario']} | {r['rows']} | {r['p95_median']:.1f} ms ({r['p95_min']:.1f}–{r['p95_max']:.1f}) "
                  f"| {r['call_median']:.1f} ms | {r['load']} |")
        if args.explain:
            explain(svc, info)
    finally:
        svc.db.dispose()
        if name and not args.keep:
            import psycopg

            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif backend == "sqlite" and not args.keep:
            for f in home.iterdir():
                f.unlink()
            home.rmdir()


def explain(svc: Services, info: dict) -> None:
    """The plan of the worklist statement, page 1, for the record."""
    from workflows.store import worklist_repo

    captured = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "count(*) OVER" in statement:
            captured.append((statement, parameters))

    from sqlalchemy import event

    event.listen(svc.db, "before_cursor_execute", grab)
    with svc.db.connect() as conn:
        worklist_repo.worklist(conn, info["user"], kind=None, state=None, search=None, limit=50, offset=0)
    event.remove(svc.db, "before_cursor_execute", grab)
    statement, params = captured[0]
    with svc.db.connect() as conn:
        prefix = "EXPLAIN QUERY PLAN " if svc.db.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        raw = conn.connection.driver_connection.cursor()
        raw.execute(prefix + statement, params)
        print("```")
        for row in raw.fetchall():
            print(row[-1] if svc.db.dialect.name == "sqlite" else row[0])
        print("```")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--subjects", type=int, default=20_000)
    ap.add_argument("--handlers", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--only", help="comma-separated words: run only the scenarios whose name holds one")
    ap.add_argument("--explain", action="store_true", help="print the worklist statement's plan")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    print(f"bench_worklist {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {platform.machine()}, "
          f"{os.cpu_count()} cores, CPython {platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
    for backend in args.backends.split(","):
        run_backend(backend.strip(), args)


if __name__ == "__main__":
    main()
