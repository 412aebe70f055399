"""Persisted transitions per second: the engine (state, version, timers, hash-chained log row and a
rendered, numbered notice, one transaction each) against a bare `transitions`-plus-SQL baseline
(state UPDATE and one log INSERT per step, one transaction each), same database settings.
Each run measures the engine and then the baseline on fresh databases; with --runs N (default 3)
the table gives the median of the N runs (the machine's load average is printed with each run:
other work on the machine moves these figures a lot).

Run:  python bench/bench_engine.py [--backend sqlite|postgresql|both] [--n 2000] [--runs 3]
PostgreSQL: CREDITFLOW_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres) as admin URL.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text, update
from transitions import Machine

from calendars import SHANGHAI
from states.identifiers import id_check_digit
from workflows.clock import frozen_at
from workflows.services import Services
from workflows.settings import Settings
from workflows.store.db import make_engine

ADMIN = os.environ.get("CREDITFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def fresh_url(backend: str, tmp: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}", lambda: None
    import psycopg

    name = f"cf_bench_{uuid.uuid4().hex[:8]}"
    admin = ADMIN.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return ADMIN.rsplit("/", 1)[0] + "/" + name, drop


def engine_rate(url: str, home: Path, n: int) -> float:
    svc = Services(make_engine(url), Settings(home, url, None, True))
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    cases = []
    day = datetime(2026, 2, 6, 9, tzinfo=SHANGHAI)
    with frozen_at(day):
        for i in range(20):
            first17 = f"41010519800101{i:03d}"
            sid = svc.deployment.add_subject(f"参保人{i}", "insured", None, first17 + id_check_digit(first17))["id"]
            ev = svc.cases.open("evaluation", "alice", {"year": 2025, "score": "75"}, subject=str(sid))["case_id"]
            obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": "2026-02-06",
                                                        "materials": "申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
            svc.cases.act(obj, "accept", "alice", {})
            cases.append(obj)
    svc.engine  # build the calendar index before timing
    with frozen_at(datetime(2026, 2, 9, 9, tzinfo=SHANGHAI)):
        t0 = time.perf_counter()
        for i in range(n):
            case = cases[i % len(cases)]
            trigger = "suspend" if (i // len(cases)) % 2 == 0 else "resume"
            svc.cases.act(case, trigger, "alice", {"reason": "testing"} if trigger == "suspend" else {})
        elapsed = time.perf_counter() - t0
    svc.db.dispose()
    return n / elapsed


def baseline_rate(url: str, n: int) -> float:
    engine = make_engine(url)
    md = MetaData()
    cases = Table("bare_cases", md, Column("id", Integer, primary_key=True), Column("state", String(32)),
                  Column("version", Integer))
    log = Table("bare_log", md, Column("id", Integer, primary_key=True), Column("case_id", Integer),
                Column("trigger", String(32)), Column("from_state", String(32)), Column("to_state", String(32)))
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(cases), [{"id": i, "state": "a", "version": 0} for i in range(20)])
    machine = Machine(model=None, states=["a", "b"], initial="a", auto_transitions=False)
    machine.add_transition("flip", "a", "b")
    machine.add_transition("flip", "b", "a")

    class Model:
        def __init__(self, state):
            self.state = state

    t0 = time.perf_counter()
    for i in range(n):
        case = i % 20
        with engine.begin() as conn:
            state, version = conn.execute(text("SELECT state, version FROM bare_cases WHERE id = :i"), {"i": case}).one()
            m = Model(state)
            machine.events["flip"].trigger(m)
            conn.execute(update(cases).where(cases.c.id == case).values(state=m.state, version=version + 1))
            conn.execute(insert(log).values(case_id=case, trigger="flip", from_state=state, to_state=m.state))
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return n / elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="both", choices=["sqlite", "postgresql", "both"])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"n={args.n}, median of {args.runs} run(s)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            ours, bare = [], []
            for run in range(args.runs):
                load = os.getloadavg()[0]
                url, drop = fresh_url(backend, Path(tmp))
                try:
                    ours.append(engine_rate(url, Path(tmp), args.n))
                finally:
                    drop()
                url, drop = fresh_url(backend, Path(tmp))
                try:
                    bare.append(baseline_rate(url, args.n))
                finally:
                    drop()
                print(f"  {backend} run {run + 1}: engine {ours[-1]:,.0f}/s, baseline {bare[-1]:,.0f}/s, "
                      f"ratio {ours[-1] / bare[-1]:.2f} (load average before: {load:.2f})")
                sys.stdout.flush()
            rows.append((backend, statistics.median(ours), statistics.median(bare),
                         statistics.median(o / b for o, b in zip(ours, bare))))
    print("| backend | engine transitions/s | bare baseline/s | engine / baseline |")
    print("|---|---:|---:|---:|")
    for backend, o, b, ratio in rows:
        print(f"| {backend} | {o:,.0f} | {b:,.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
