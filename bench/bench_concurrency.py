"""Concurrency: persisted transitions per second with 1, 2 and 4 handler processes on PostgreSQL, and the
engine's share of a bare baseline run by as many processes.

Run:  .venv/bin/python bench/bench_concurrency.py [--processes 1,2,4] [--steps 1000] [--runs 3]
PostgreSQL: CREDITFLOW_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres) as admin URL.

Engine: a fresh database per measurement, initialised through the services, with 20 objections under
review per process (each on its own published evaluation); each process (multiprocessing, spawn) builds
its own `Services` and fires `--steps` transitions on its own 20 cases, alternating suspend and resume as
bench/bench_engine.py does, one `svc.cases.act` transaction each (case, timer, numbered notice, hash-chained
log row). The processes share what a bureau's handlers share: the document-number series (信异, one
`number_sequences` row) and the database.

Baseline: the same number of processes, each doing bench/bench_engine.py's bare step on its own 20 rows
(SELECT the state, fire a `transitions` machine, UPDATE the state, INSERT one log row, COMMIT), on a
fresh database of its own.

Rate = all processes' steps / (last process's finish - common start, after a barrier). The share is
engine rate / baseline rate at the same number of processes, in the same run; median, min and max over
the runs; the machine's load average is printed before each measurement.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_engine import fresh_url  # noqa: E402  (a fresh PostgreSQL database, and how to drop it)

CASES_PER_PROCESS = 20
SUSPEND_AT = (2026, 2, 9, 9)


def prepare_engine(url: str, home: Path, processes: int) -> list[list[int]]:
    from calendars import SHANGHAI
    from states.identifiers import id_check_digit
    from workflows.clock import frozen_at
    from workflows.services import Services
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    svc = Services(make_engine(url), Settings(home, url, None, True))
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    groups = []
    with frozen_at(datetime(2026, 2, 6, 9, tzinfo=SHANGHAI)):
        for p in range(processes):
            group = []
            for i in range(CASES_PER_PROCESS):
                first17 = f"4101051980{p + 1:02d}{i + 1:02d}{i:03d}"
                sid = svc.deployment.add_subject(f"参保人{p}-{i}", "insured", None, first17 + id_check_digit(first17))["id"]
                ev = svc.cases.open("evaluation", "alice", {"year": 2025, "score": "75"}, subject=str(sid))["case_id"]
                obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": "2026-02-06",
                                                            "materials": "申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
                svc.cases.act(obj, "accept", "alice", {})
                group.append(obj)
            groups.append(group)
    svc.db.dispose()
    return groups


def engine_worker(url: str, home: str, cases: list[int], steps: int, barrier, results) -> None:
    from calendars import SHANGHAI
    from workflows.clock import frozen_at
    from workflows.services import Services
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    svc = Services(make_engine(url), Settings(Path(home), url, None, True))
    svc.engine  # noqa: B018  (the calendar index, built before the clock starts)
    with svc.db.connect():
        pass  # a pooled connection, opened before the clock starts
    with frozen_at(datetime(*SUSPEND_AT, tzinfo=SHANGHAI)):
        barrier.wait()
        for i in range(steps):
            case = cases[i % len(cases)]
            trigger = "suspend" if (i // len(cases)) % 2 == 0 else "resume"
            svc.cases.act(case, trigger, "alice", {"reason": "testing"} if trigger == "suspend" else {})
        results.put(time.time())
    svc.db.dispose()


def prepare_bare(url: str, processes: int) -> None:
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert

    from workflows.store.db import make_engine

    engine = make_engine(url)
    md = MetaData()
    cases = Table("bare_cases", md, Column("id", Integer, primary_key=True), Column("state", String(32)),
                  Column("version", Integer))
    Table("bare_log", md, Column("id", Integer, primary_key=True), Column("case_id", Integer),
          Column("trigger", String(32)), Column("from_state", String(32)), Column("to_state", String(32)))
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(cases), [{"id": i, "state": "a", "version": 0}
                                     for i in range(processes * CASES_PER_PROCESS)])
    engine.dispose()


def bare_worker(url: str, index: int, steps: int, barrier, results) -> None:
    """bench/bench_engine.py's baseline step, on this process's own rows."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text, update
    from transitions import Machine

    from workflows.store.db import make_engine

    engine = make_engine(url)
    md = MetaData()
    cases = Table("bare_cases", md, Column("id", Integer, primary_key=True), Column("state", String(32)),
                  Column("version", Integer))
    log = Table("bare_log", md, Column("id", Integer, primary_key=True), Column("case_id", Integer),
                Column("trigger", String(32)), Column("from_state", String(32)), Column("to_state", String(32)))
    machine = Machine(model=None, states=["a", "b"], initial="a", auto_transitions=False)
    machine.add_transition("flip", "a", "b")
    machine.add_transition("flip", "b", "a")

    class Model:
        def __init__(self, state):
            self.state = state

    with engine.connect():
        pass
    first = index * CASES_PER_PROCESS
    barrier.wait()
    for i in range(steps):
        case = first + i % CASES_PER_PROCESS
        with engine.begin() as conn:
            state, version = conn.execute(text("SELECT state, version FROM bare_cases WHERE id = :i"), {"i": case}).one()
            m = Model(state)
            machine.events["flip"].trigger(m)
            conn.execute(update(cases).where(cases.c.id == case).values(state=m.state, version=version + 1))
            conn.execute(insert(log).values(case_id=case, trigger="flip", from_state=state, to_state=m.state))
    results.put(time.time())
    engine.dispose()


def timed(ctx, targets: list[tuple]) -> float:
    """Start the workers, release them together, return steps/s over all of them."""
    barrier = ctx.Barrier(len(targets) + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=fn, args=(*args, barrier, results)) for fn, args in targets]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.time()
    ends = [results.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a worker failed (exit {p.exitcode})")
    return max(ends) - start


def check_engine(url: str, groups: list[list[int]], steps: int) -> None:
    """Every step stored: each case's log has its open, accept and its share of the steps."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        n = conn.execute("SELECT count(*) FROM transitions WHERE trigger IN ('suspend', 'resume')").fetchone()[0]
    if n != steps * len(groups):
        raise SystemExit(f"{n} suspend/resume log rows, expected {steps * len(groups)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", default="1,2,4")
    ap.add_argument("--steps", type=int, default=1000, help="transitions per process")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    ctx = mp.get_context("spawn")
    counts = [int(x) for x in a.processes.split(",")]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; PostgreSQL; "
          f"{a.steps} steps per process, {a.runs} run(s)")
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in counts:
            engine_rates, bare_rates = [], []
            for run in range(1, a.runs + 1):
                url, drop = fresh_url("postgresql", Path(tmp))
                try:
                    groups = prepare_engine(url, Path(tmp), k)
                    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                    wall = timed(ctx, [(engine_worker, (url, tmp, g, a.steps)) for g in groups])
                    check_engine(url, groups, a.steps)
                finally:
                    drop()
                engine_rates.append(k * a.steps / wall)
                url, drop = fresh_url("postgresql", Path(tmp))
                try:
                    prepare_bare(url, k)
                    bare_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                    wall = timed(ctx, [(bare_worker, (url, i, a.steps)) for i in range(k)])
                finally:
                    drop()
                bare_rates.append(k * a.steps / wall)
                print(f"  {k} process(es), run {run}: engine {engine_rates[-1]:,.0f}/s (load before {load}), "
                      f"baseline {bare_rates[-1]:,.0f}/s (load before {bare_load}), "
                      f"share {engine_rates[-1] / bare_rates[-1]:.2f}")
                sys.stdout.flush()
            shares = [e / b for e, b in zip(engine_rates, bare_rates)]
            table.append((k, engine_rates, bare_rates, shares))
    print()
    print("| processes | engine transitions/s median (min-max) | bare baseline/s median (min-max) | "
          "share median (min-max) | runs: engine / baseline |")
    print("|---:|---:|---:|---:|---|")
    for k, e, b, s in table:
        print(f"| {k} | {statistics.median(e):,.0f} ({min(e):,.0f}-{max(e):,.0f}) | "
              f"{statistics.median(b):,.0f} ({min(b):,.0f}-{max(b):,.0f}) | "
              f"{statistics.median(s):.2f} ({min(s):.2f}-{max(s):.2f}) | "
              f"{', '.join(f'{x:,.0f}/{y:,.0f}' for x, y in zip(e, b))} |")


if __name__ == "__main__":
    main()
