"""Crash (PostgreSQL): a handler process killed (SIGKILL) in the middle of a transition, and a sweeper killed in the
middle of a batch, each at the injected point after the writes and before COMMIT (workflows/faults.py). The
interrupted work is lost as a whole, the invariants of the torture hold, and the next run does it exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import func, select, text

from conftest import make_services
from test_torture import T0, _subjects, _users, check_invariants
from workflows import clock
from workflows.store.tables import cases, notices, number_sequences, transitions

DRIVER = [sys.executable, os.path.join(os.path.dirname(__file__), "torture_driver.py")]


def _run(args: list[str], fault: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CREDITFLOW_FAULT"}
    if fault:
        env["CREDITFLOW_FAULT"] = fault
    return subprocess.run(DRIVER + args, capture_output=True, text=True, env=env, timeout=300)


def _stored(svc) -> dict:
    with svc.db.connect() as conn:
        return {"log": conn.execute(select(func.count()).select_from(transitions)).scalar_one(),
                "notices": conn.execute(select(func.count()).select_from(notices)).scalar_one(),
                "numbers": sorted(tuple(r) for r in conn.execute(select(number_sequences)).all()),
                "log_id_taken": conn.execute(text("SELECT last_value FROM transitions_id_seq")).scalar_one()}


def _others_gone(svc) -> None:
    """The killed process's connection is gone (the server rolled its transaction back, its locks released)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        with svc.db.connect() as conn:
            others = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()")).scalar_one()
        if others == 0:
            return
        time.sleep(0.2)
    raise AssertionError("the killed process's connection stayed open")


def test_a_handler_killed_before_commit_loses_the_transition_and_the_next_run_does_it_once(pg_url, tmp_path):
    svc = make_services(pg_url, tmp_path)
    _users(svc)
    sid = next(s for s, institution in _subjects(svc, 2) if institution)
    with clock.frozen_at(T0):
        ev = svc.cases.open("evaluation", "alice", {"year": 2025, "score": "72"}, subject=sid)["case_id"]
        obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": clock.today().isoformat(),
                                                    "materials": "申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
    svc.db.dispose()  # nothing of ours holds a connection while the driver runs
    before = _stored(svc)
    at = (T0 + timedelta(hours=1)).isoformat()
    args = ["act", pg_url, str(tmp_path), "--case", str(obj), "--trigger", "accept", "--actor", "alice", "--at", at]
    killed = _run(args, fault="before_commit:1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    _others_gone(svc)
    after = _stored(svc)
    assert after["log_id_taken"] > before["log_id_taken"]  # the log row had been written: killed after the writes
    assert {k: after[k] for k in ("log", "notices", "numbers")} == {k: before[k] for k in ("log", "notices", "numbers")}
    assert svc.cases.show(obj)["state"] != "accepted" and svc.cases.show(obj)["version"] == 1
    again = _run(args)  # the next run: the same step, now committed
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["state"] == svc.cases.show(obj)["state"]
    assert [r["trigger"] for r in svc.audit.log(obj)].count("accept") == 1
    check_invariants(svc, T0 + timedelta(hours=1))


def test_a_sweeper_killed_in_the_middle_of_a_batch_loses_the_batch_and_the_next_sweep_does_it_once(pg_url, tmp_path):
    svc = make_services(pg_url, tmp_path)
    _users(svc)
    institutions = [sid for sid, institution in _subjects(svc, 45) if institution]
    with clock.frozen_at(T0):
        for sid in institutions:
            svc.cases.open("evaluation", "alice", {"year": 2025, "score": "81"}, subject=sid)
    as_of = T0 + timedelta(days=40)  # every institution's objection window has run out (a person's runs from service)
    due = len(svc.sweep.due_work(as_of, limit=1000))
    assert due >= len(institutions) == 30
    svc.db.dispose()
    before = _stored(svc)
    sweep = ["sweep-once", pg_url, str(tmp_path), "--as-of", as_of.isoformat(), "--batch", "10"]
    # its 3rd commit: the first closes obsolete incidents, the second is the first batch of 10, the third the next batch
    killed = _run(sweep, fault="before_commit:3")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    _others_gone(svc)
    after = _stored(svc)
    with svc.db.connect() as conn:
        committed_max = conn.execute(select(func.max(transitions.c.id))).scalar_one()
    assert after["log_id_taken"] > committed_max  # the lost work's log rows had been written, then not committed
    fired_before = after["log"] - before["log"]
    left = len(svc.sweep.due_work(as_of, limit=1000))
    assert 0 < fired_before < due, (fired_before, due)  # killed in the middle: a batch committed, the next one lost
    assert left == due - fired_before  # the lost batch is still due, whole; nothing else is
    rerun = _run(sweep)  # the next sweep does what the killed one did not commit, once
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    counts = json.loads(rerun.stdout)
    assert counts["failed"] == 0 and counts["fired"] + counts["reminded"] == left, (counts, left, fired_before)
    assert svc.sweep.due_work(as_of, limit=1000) == []
    with svc.db.connect() as conn:
        final = conn.execute(select(func.count()).select_from(cases).where(cases.c.state != "published")).scalar_one()
    assert final >= len(institutions)
    check_invariants(svc, as_of)


def test_a_misspelt_fault_stops_the_process_rather_than_run_without_it():
    env = {**os.environ, "CREDITFLOW_FAULT": "before_comit:1"}
    r = subprocess.run([sys.executable, "-c", "import workflows.faults"], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode != 0 and "before_commit" in r.stderr
    unset = {k: v for k, v in os.environ.items() if k != "CREDITFLOW_FAULT"}
    r = subprocess.run([sys.executable, "-c", "from workflows import faults; faults.before_commit(); print(faults._PLAN)"],
                       capture_output=True, text=True, env=unset, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "None"
