"""Side by side with SpiffWorkflow: the objection procedure's handler steps, persisted per step, on SQLite.

Run (from the repository root, after `bash bench/spiff/setup.sh`):
    .venv/bin/python bench/spiff/bench_spiff.py [--cases 2000] [--runs 3]

The same objection process on both sides, the same 9 handler steps per case (accept, suspend, resume,
suspend, resume, propose_dismiss, return, propose_uphold, approve: a handler and an approver), the
steps taken round-robin over all the cases (step 1 on every case, then step 2, ...), one durable
transaction per step, on SQLite with the settings of workflows/store/db.py (WAL, synchronous=FULL,
BEGIN IMMEDIATE, foreign keys, busy timeout):

* ours: `svc.cases.act(case, trigger, actor, inputs)` (the project's .venv).
* SpiffWorkflow (bench/spiff/.venv, SpiffWorkflow from PyPI; bench/spiff/objection.bpmn): what a handler
  system built on it does per step: BEGIN IMMEDIATE; SELECT the instance's JSON; deserialize; find the
  ready user task (checked to be the expected one); put the step's inputs in its data; run it;
  `do_engine_steps()` (gateways, sub-process, boundary timer); serialize; UPDATE; COMMIT.

Each side runs in a fresh child process on a fresh database; the runs alternate (ours first in odd
runs, Spiff first in even ones) so a change in the machine's load falls on both. Both sides are
checked afterwards (every case decided: state `upheld` / every instance completed). The figures are
the medians over the runs; each run prints the machine's load average before it.

Child modes (used by this script and by bench/bench_due_work.py): `--side ours|spiff --db PATH
--cases N` (steps) and `--side spiff-due --db PATH --open N --due M` (finding due timers).
Only the standard library is imported at the top: the Spiff child runs in bench/spiff/.venv.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BPMN = HERE / "objection.bpmn"
SPIFF_PYTHON = HERE / ".venv" / "bin" / "python"
OURS_PYTHON = ROOT / ".venv" / "bin" / "python"

# (trigger, actor, inputs, the Spiff user task it completes)
STEPS = (
    ("accept", "alice", {}, "formal_review"),
    ("suspend", "alice", {"reason": "expert_review"}, "review"),
    ("resume", "alice", {}, "suspended"),
    ("suspend", "alice", {"reason": "testing"}, "review"),
    ("resume", "alice", {}, "suspended"),
    ("propose_dismiss", "alice", {"findings": "扣分依据充分"}, "review"),
    ("return", "bob", {"reason": "请补充核实第二项扣分"}, "approval"),
    ("propose_uphold", "alice", {"score": "81", "findings": "两项扣分缺少依据"}, "review"),
    ("approve", "bob", {}, "approval"),
)
FAR = "2099-12-31T16:00:00+00:00"  # a timer that is not due during the steps
PAST = "2026-01-05T16:00:00+00:00"  # one that is


def sqlite_connect(path: str) -> sqlite3.Connection:
    """The store's SQLite settings (workflows/store/db.py): WAL, synchronous=FULL, foreign keys, busy timeout;
    autocommit off at the driver so each step issues BEGIN IMMEDIATE itself."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


# -- SpiffWorkflow side (bench/spiff/.venv) ------------------------------------------------------------

def _spiff():
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec, subprocesses = parser.get_spec("objection"), parser.get_subprocess_specs("objection")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure())
    return spec, subprocesses, serializer, BpmnWorkflow, TaskState


def _spiff_schema(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE instances (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, workflow TEXT NOT NULL)")


def _spiff_new(spec, subprocesses, BpmnWorkflow, TaskState, handling_due: str):
    """A registered objection: started, its handling sub-process entered, the handling timer waiting."""
    wf = BpmnWorkflow(spec, subprocesses)
    start = wf.get_tasks(state=TaskState.READY)[0]
    start.data.update(handling_due=handling_due, completion_due=FAR, grounds=[1, 2], received="2026-02-06",
                      materials=["申请表"], reason="扣分有误")
    wf.do_engine_steps()
    return wf


def spiff_steps(db: str, n_cases: int) -> dict:
    spec, subprocesses, serializer, BpmnWorkflow, TaskState = _spiff()
    conn = sqlite_connect(db)
    _spiff_schema(conn)
    conn.execute("BEGIN IMMEDIATE")
    for cid in range(1, n_cases + 1):  # registration is not timed (ours: `case open`, not timed either)
        wf = _spiff_new(spec, subprocesses, BpmnWorkflow, TaskState, FAR)
        conn.execute("INSERT INTO instances (id, version, workflow) VALUES (?, 0, ?)", (cid, serializer.serialize_json(wf)))
    conn.execute("COMMIT")
    parts = dict.fromkeys(("read", "deserialize", "run", "serialize", "write_commit"), 0.0)
    pc = time.perf_counter
    t0 = pc()
    for trigger, actor, inputs, task_name in STEPS:
        for cid in range(1, n_cases + 1):
            a = pc()
            conn.execute("BEGIN IMMEDIATE")
            text = conn.execute("SELECT workflow FROM instances WHERE id = ?", (cid,)).fetchone()[0]
            b = pc()
            wf = serializer.deserialize_json(text)
            c = pc()
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if len(ready) != 1 or ready[0].task_spec.name != task_name:
                raise SystemExit(f"instance {cid}: expected task {task_name}, ready {[t.task_spec.name for t in ready]}")
            task = ready[0]
            task.data.update(decision=trigger, actor=actor, **inputs)
            task.run()
            wf.do_engine_steps()
            d = pc()
            text = serializer.serialize_json(wf)
            e = pc()
            conn.execute("UPDATE instances SET workflow = ?, version = version + 1 WHERE id = ?", (text, cid))
            conn.execute("COMMIT")
            f = pc()
            parts["read"] += b - a
            parts["deserialize"] += c - b
            parts["run"] += d - c
            parts["serialize"] += e - d
            parts["write_commit"] += f - e
    seconds = pc() - t0
    completed = sum(serializer.deserialize_json(r[0]).is_completed()
                    for r in conn.execute("SELECT workflow FROM instances"))
    size = conn.execute("SELECT avg(length(workflow)) FROM instances").fetchone()[0]
    conn.close()
    if completed != n_cases:
        raise SystemExit(f"only {completed} of {n_cases} Spiff instances completed")
    steps = n_cases * len(STEPS)
    import importlib.metadata

    return {"side": "spiff", "version": importlib.metadata.version("SpiffWorkflow"), "cases": n_cases,
            "steps": steps, "seconds": seconds, "rate": steps / seconds, "completed": completed,
            "json_bytes_avg": round(size), "us_per_step": {k: round(v / steps * 1e6) for k, v in parts.items()}}


def spiff_due(db: str, n_open: int, n_due: int, repeats: int) -> dict:
    """Finding due timers the only way SpiffWorkflow offers: load every waiting instance, deserialize it,
    `refresh_waiting_tasks()`, and see whether a timer's task became ready. Nothing is written (the
    pass only finds the work), so the figure leaves out firing and persisting."""
    spec, subprocesses, serializer, BpmnWorkflow, TaskState = _spiff()
    conn = sqlite_connect(db)
    _spiff_schema(conn)
    due_json = serializer.serialize_json(_spiff_new(spec, subprocesses, BpmnWorkflow, TaskState, PAST))
    later_json = serializer.serialize_json(_spiff_new(spec, subprocesses, BpmnWorkflow, TaskState, FAR))
    step = n_open // n_due  # the due instances spread over the id range
    due_ids = {i for i in range(1, n_open + 1) if i % step == 0 and i // step <= n_due}
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO instances (id, version, workflow) VALUES (?, 0, ?)",
                     ((i, due_json if i in due_ids else later_json) for i in range(1, n_open + 1)))
    conn.execute("COMMIT")
    times, found = [], set()
    for _ in range(repeats):
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        found = set()
        for cid, text in conn.execute("SELECT id, workflow FROM instances"):
            wf = serializer.deserialize_json(text)
            wf.refresh_waiting_tasks()
            if any(t.task_spec.name == "overdue" for t in wf.get_tasks(state=TaskState.READY)):
                found.add(cid)
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    if found != due_ids:
        raise SystemExit(f"Spiff found {len(found)} due instances, expected {len(due_ids)}")
    return {"side": "spiff-due", "open": n_open, "due": len(due_ids), "found": len(found), "seconds": times}


# -- our side (the project's .venv) ------------------------------------------------------------------

def our_setup(db: str, n_cases: int, home: Path):
    """A fresh store with `n_cases` objections registered (each on its own published evaluation)."""
    from datetime import date, datetime, timedelta

    sys.path.insert(0, str(ROOT))
    from calendars import SHANGHAI
    from states.identifiers import id_check_digit
    from workflows.clock import frozen_at
    from workflows.services import Services
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    url = f"sqlite:///{db}"
    svc = Services(make_engine(url), Settings(home, url, None, True))
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    svc.deployment.add_user("bob", ["approver"])
    cases = []
    with frozen_at(datetime(2026, 2, 6, 9, tzinfo=SHANGHAI)):
        for i in range(n_cases):
            born = (date(1950, 1, 1) + timedelta(days=i)).strftime("%Y%m%d")
            first17 = f"410105{born}001"
            sid = svc.deployment.add_subject(f"参保人{i}", "insured", None, first17 + id_check_digit(first17))["id"]
            ev = svc.cases.open("evaluation", "alice", {"year": 2025, "score": "75"}, subject=str(sid))["case_id"]
            cases.append(svc.cases.open("objection", "alice", {"grounds": "1,2", "received": "2026-02-06",
                                                                "materials": "申请表", "reason": "扣分有误"},
                                        parent=ev)["case_id"])
    return svc, cases


def our_steps(db: str, n_cases: int, profile: str | None) -> dict:
    from datetime import datetime

    with tempfile.TemporaryDirectory() as home:
        svc, cases = our_setup(db, n_cases, Path(home))
        from calendars import SHANGHAI
        from workflows.clock import frozen_at

        prof = None
        if profile:
            import cProfile

            prof = cProfile.Profile()
        with frozen_at(datetime(2026, 2, 9, 9, tzinfo=SHANGHAI)):
            if prof:
                prof.enable()
            t0 = time.perf_counter()
            for trigger, actor, inputs, _ in STEPS:
                for case in cases:
                    svc.cases.act(case, trigger, actor, dict(inputs))
            seconds = time.perf_counter() - t0
            if prof:
                prof.disable()
                prof.dump_stats(profile)
        from sqlalchemy import func, select
        from workflows.store.tables import cases as cases_t, notices, timers, transitions

        with svc.db.connect() as conn:
            upheld = conn.execute(select(func.count()).select_from(cases_t).where(
                cases_t.c.kind == "objection", cases_t.c.state == "upheld")).scalar_one()
            counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                      for t in (transitions, notices, timers)}
        svc.db.dispose()
    if upheld != n_cases:
        raise SystemExit(f"only {upheld} of {n_cases} objections upheld")
    steps = n_cases * len(STEPS)
    return {"side": "ours", "cases": n_cases, "steps": steps, "seconds": seconds, "rate": steps / seconds,
            "upheld": upheld, "rows_after": counts}


# -- the orchestrator ----------------------------------------------------------------------------------

def child(python: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([str(python), str(Path(__file__).resolve()), *args], capture_output=True, text=True, env=env,
                       cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"{python} {' '.join(args)} failed (exit {r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def compare(n_cases: int, runs: int, profile: str | None) -> None:
    if not SPIFF_PYTHON.exists():
        raise SystemExit("bench/spiff/.venv is missing: run bash bench/spiff/setup.sh first")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{n_cases:,} cases x {len(STEPS)} steps per side per run, {runs} run(s), SQLite WAL synchronous=FULL")
    results = {"ours": [], "spiff": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(1, runs + 1):
            order = ("ours", "spiff") if run % 2 else ("spiff", "ours")
            line = []
            for side in order:
                db = str(Path(tmp) / f"{side}-{run}.db")
                load = load_average()
                if side == "ours":
                    extra = ["--profile", profile] if profile and run == 1 else []
                    r = child(OURS_PYTHON, "--side", "ours", "--db", db, "--cases", str(n_cases), *extra)
                else:
                    r = child(SPIFF_PYTHON, "--side", "spiff", "--db", db, "--cases", str(n_cases))
                r["load_before"] = load
                results[side].append(r)
                line.append(f"{side} {r['rate']:,.0f} steps/s ({r['seconds']:.1f} s; load before {load})")
                os.remove(db)
            ours, spiff = results["ours"][-1], results["spiff"][-1]
            print(f"  run {run}: " + "; ".join(line) + f"; ratio {ours['rate'] / spiff['rate']:.2f}")
            sys.stdout.flush()
    ours_rates = [r["rate"] for r in results["ours"]]
    spiff_rates = [r["rate"] for r in results["spiff"]]
    ratios = [o / s for o, s in zip(ours_rates, spiff_rates)]
    s0 = results["spiff"][0]
    print(f"SpiffWorkflow {s0['version']}; instance JSON after the steps: {s0['json_bytes_avg']:,} bytes on average; "
          f"Spiff time per step (µs, run 1): {s0['us_per_step']}")
    print(f"ours, rows after run 1: {results['ours'][0]['rows_after']}")
    print()
    print("| side | persisted steps/s median | min | max | runs |")
    print("|---|---:|---:|---:|---|")
    for side, rates in (("ours (creditflow engine)", ours_rates), ("SpiffWorkflow", spiff_rates)):
        print(f"| {side} | {statistics.median(rates):,.0f} | {min(rates):,.0f} | {max(rates):,.0f} | "
              f"{', '.join(f'{x:,.0f}' for x in rates)} |")
    print(f"| ratio ours / Spiff | {statistics.median(ratios):.2f} | {min(ratios):.2f} | {max(ratios):.2f} | "
          f"{', '.join(f'{x:.2f}' for x in ratios)} |")
    print(json.dumps({"ours": ours_rates, "spiff": spiff_rates, "ratios": ratios}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", help="write a cProfile of our side's steps (run 1) to this file")
    ap.add_argument("--side", choices=("ours", "spiff", "spiff-due"), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--open", type=int, default=10_000, help=argparse.SUPPRESS)
    ap.add_argument("--due", type=int, default=500, help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.side == "spiff":
        print(json.dumps(spiff_steps(a.db, a.cases)))
    elif a.side == "spiff-due":
        print(json.dumps(spiff_due(a.db, a.open, a.due, a.repeats)))
    elif a.side == "ours":
        print(json.dumps(our_steps(a.db, a.cases, a.profile)))
    else:
        compare(a.cases, a.runs, a.profile)


if __name__ == "__main__":
    main()
