"""Scaling out, on this machine: a real Prefect server, a process work pool, two workers, the app on
PostgreSQL. Two sweeps run at once on the two workers; every due timer fires exactly once.

Every child runs in its own process group and the whole group is killed in a `finally`; the Prefect
calls run in subprocesses, so this test does not touch the Prefect settings of the test process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import at, make_services, publish

N_CASES = 60
WAIT = 300  # seconds: a bound on each wait, never an expectation of speed
POOL = "creditflow-it"

TRIGGER = r"""
import json, sys, time
from prefect.deployments import run_deployment
from prefect.client.orchestration import get_client

names, wait = sys.argv[1:-1], float(sys.argv[-1])
runs = [run_deployment(name, timeout=0) for name in names]   # all scheduled at once, not awaited
deadline = time.monotonic() + wait
with get_client(sync_client=True) as client:
    while True:
        states = [client.read_flow_run(r.id).state for r in runs]
        if all(s is not None and s.is_final() for s in states) or time.monotonic() > deadline:
            break
        time.sleep(1)
print(json.dumps([{"id": str(r.id), "state": s.type.value if s else None, "name": s.name if s else None}
                  for r, s in zip(runs, states)]))
"""


# SIGINT back to its default first: a child of a shell that ignores SIGINT would inherit that.
SIGINT_DEFAULT = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"


def _start(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as sink:
        return subprocess.Popen([sys.executable, "-c", SIGINT_DEFAULT, *argv], env=env, stdin=subprocess.DEVNULL,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """SIGINT to the group (a worker's graceful stop), then SIGKILL to whatever is left of it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _wait_text(log: Path, text: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        assert process.poll() is None, f"{log.name} exited:\n{log.read_text(errors='replace')[-3000:]}"
        time.sleep(0.5)
    pytest.fail(f"{log.name} never said {text!r}:\n{log.read_text(errors='replace')[-3000:]}")


def _seed(url: str, home: Path) -> list[int]:
    """N persons' D results published on 2026-01-05: all their objection windows are long over."""
    from states.identifiers import id_check_digit
    from workflows.clock import frozen_at

    svc = make_services(url, home)
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    cases = []
    with frozen_at(at("2026-01-05 09:00")):
        for i in range(N_CASES):
            first17 = f"41010519800101{i:03d}"
            sid = svc.deployment.add_subject(f"参保人{i}", "insured", None, first17 + id_check_digit(first17))["id"]
            # D results are published (Henan measure Art. 29): each window runs from publication
            cases.append(publish(svc, str(sid), 2025, "65", "alice")["case_id"])
    svc.db.dispose()
    return cases


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_share_the_sweep_and_fire_each_timer_once(pg_url, tmp_path):
    from workflows.prefect_server import PrefectServer, free_port, prefect_command
    from workflows.store.tables import timers, transitions

    cases = _seed(pg_url, tmp_path)
    server = PrefectServer(home=tmp_path / "prefect", port=free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect-client"), "PREFECT_API_URL": server.api_url,
                "DO_NOT_TRACK": "1", "CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_DATABASE_URL": pg_url,
                "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1",
                "PYTHONUNBUFFERED": "1"})
    workers: list[subprocess.Popen] = []
    try:
        server.start()
        deployed = subprocess.run(
            [sys.executable, "-c", "from workflows.cli import main; main()", "deploy", "--pool", POOL,
             "--no-schedule", "--json"], env=env, capture_output=True, text=True, timeout=180)
        assert deployed.returncode == 0, deployed.stderr
        out = json.loads(deployed.stdout)
        assert out["pool"] == {"name": POOL, "type": "process", "created": True}
        names = [d["name"] for d in out["deployments"]]
        assert names == ["sweep-deadlines/creditflow", "audit-checkpoint/creditflow"]

        logs = [tmp_path / f"worker-{i}.log" for i in (1, 2)]
        for i, log in enumerate(logs, 1):
            # --limit 1: a worker busy with one sweep leaves the next to the other worker.
            workers.append(_start(prefect_command("worker", "start", "--pool", POOL, "--name", f"w{i}",
                                                  "--limit", "1", "--install-policy", "never"), env, log))
        for i, (worker, log) in enumerate(zip(workers, logs), 1):
            _wait_text(log, f"Worker 'w{i}' started!", worker)

        triggered = subprocess.run([sys.executable, "-c", TRIGGER, names[0], names[0], str(WAIT)], env=env,
                                   capture_output=True, text=True, timeout=WAIT + 60)
        assert triggered.returncode == 0, triggered.stderr[-3000:]
        runs = json.loads(triggered.stdout.strip().splitlines()[-1])
        assert [r["state"] for r in runs] == ["COMPLETED", "COMPLETED"], (runs, [l.read_text()[-2000:] for l in logs])

        submitted = {i: set(re.findall(r"submitting flow run '([0-9a-f-]+)'", log.read_text(errors="replace")))
                     for i, log in enumerate(logs, 1)}
        assert all(submitted.values()), submitted  # both workers got one
        assert {r["id"] for r in runs} == submitted[1] | submitted[2]
    finally:
        for worker in workers:
            _stop(worker)
        server.stop()

    svc = make_services(pg_url, tmp_path)
    try:
        with svc.db.connect() as conn:
            expired = dict(conn.execute(
                select(transitions.c.case_id, func.count()).where(transitions.c.trigger == "window_expired")
                .group_by(transitions.c.case_id)).all())
            statuses = dict(conn.execute(select(timers.c.case_id, timers.c.status).where(
                timers.c.name == "objection_window")).all())
    finally:
        svc.db.dispose()
    assert expired == {case: 1 for case in cases}
    assert statuses == {case: "fired" for case in cases}
    for worker in workers:
        assert worker.poll() is not None
