"""Database outage (issue 18): a throwaway PostgreSQL cluster of its own is stopped (`-m immediate`) in the
middle of the served sweep flow and started again. The sweep says so in one Chinese line (no traceback), the
batch in progress is lost whole, the flow's next run catches up, and the invariants hold: every due timer
fired exactly once, every chain verifies, no document number is missing or taken twice.

Never touches the cluster the other tests use: it creates its own (`pg_createcluster`, another port) and drops
it afterwards. Skipped unless run as root with the Debian PostgreSQL cluster tools."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import at, make_services, publish
from test_flows import prefect_harness  # noqa: F401 - the flows' temporary Prefect API (a fixture)
from workflows.clock import frozen_at
from workflows.demo import demo_uscc
from workflows.engine.batch import BatchEngine
from workflows.store.tables import notices, number_sequences, timers, transitions

VERSION = "15"
DUE = 12
BATCH = 4  # three batches: the outage comes in the second


def _tools_missing() -> str | None:
    if os.geteuid() != 0:
        return "the outage test creates its own PostgreSQL cluster: needs root"
    for tool in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster"):
        if shutil.which(tool) is None:
            return f"{tool} not found (Debian's postgresql-common): cannot create a throwaway cluster"
    if not Path(f"/usr/lib/postgresql/{VERSION}/bin/initdb").exists():
        return f"PostgreSQL {VERSION} server binaries not installed"
    return None


def _free_port(start: int = 5499) -> int:
    for port in range(start, start + 100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port for the throwaway cluster")


def _ctl(name: str, action: str, *extra: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, name, action, *extra], check=True,
                   capture_output=True, timeout=60)


@pytest.fixture
def cluster():
    """(name, port) of a started throwaway cluster with trust authentication; dropped afterwards."""
    reason = _tools_missing()
    if reason:
        pytest.skip(reason)
    name, port = f"cfoutage{uuid.uuid4().hex[:6]}", _free_port()
    try:
        subprocess.run(["pg_createcluster", VERSION, name, "-p", str(port), "--", "--auth=trust", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        _ctl(name, "start")
        yield name, port
    finally:
        subprocess.run(["pg_dropcluster", "--stop", VERSION, name], capture_output=True, timeout=120)


def _counts(url: str, home: Path) -> dict:
    svc = make_services(url, home)
    try:
        with svc.db.connect() as conn:
            fired = conn.execute(select(transitions.c.case_id, func.count()).where(
                transitions.c.trigger == "window_expired").group_by(transitions.c.case_id)).all()
            running = conn.execute(select(func.count()).select_from(timers).where(timers.c.status == "running")).scalar_one()
            seqs: dict = {}
            for r in conn.execute(select(notices.c.department, notices.c.series, notices.c.year, notices.c.seq)):
                seqs.setdefault((r.department, r.series, r.year), []).append(r.seq)
            last = {(r.department, r.series, r.year): r.last for r in conn.execute(select(number_sequences))}
        gapless = set(seqs) == set(last) and all(sorted(v) == list(range(1, last[k] + 1)) for k, v in seqs.items())
        return {"fired": dict(fired), "running": running, "gapless": gapless, "verified": svc.audit.verify()["ok"],
                "incidents": len(svc.sweep.list_incidents(include_resolved=True))}
    finally:
        svc.db.dispose()


@pytest.mark.postgres
def test_the_sweep_survives_a_database_outage(cluster, prefect_harness, tmp_path, monkeypatch):  # noqa: F811
    import psycopg

    name, port = cluster
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE creditflow")
    url = f"postgresql://postgres@127.0.0.1:{port}/creditflow"
    svc = make_services(url, tmp_path)
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                        court="郑州铁路运输法院")
    svc.deployment.add_user("alice", ["handler"])
    due = []
    for i in range(DUE):  # pharmacies' results published in February: their objection windows ended long ago
        sid = svc.deployment.add_subject(f"测试药店{i}", "pharmacy", demo_uscc("92", f"{i:08d}"), None)["id"]
        with frozen_at(at("2026-02-06 09:00")):
            due.append(publish(svc, str(sid), 2025, "85", "alice")["case_id"])
    svc.db.dispose()
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", url)

    real_finish, batches = BatchEngine.finish, []

    def finish_as_the_server_dies(self, conn):
        batches.append(len(self.pending))
        if len(batches) == 2:  # the second batch: its transitions are written, the server goes down
            _ctl(name, "stop", "-m", "immediate")
        return real_finish(self, conn)

    monkeypatch.setattr(BatchEngine, "finish", finish_as_the_server_dies)
    from workflows.flows import sweep_deadlines

    state = sweep_deadlines(batch=BATCH, return_state=True)
    assert state.is_failed()
    said = state.message or ""
    line = said[said.index("到期事项扫描中断"):]
    assert "\n" not in line and "Traceback" not in said
    assert f"已提交到期处理 {BATCH} 件" in line and "整批撤销" in line and "下次扫描将重新处理" in line

    # While it is down the command line says so in one line, too (exit 1, nothing else on stderr).
    env = {**os.environ, "CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_DATABASE_URL": url}
    cli = subprocess.run([str(Path(sys.executable).with_name("creditflow")), "sweep"], env=env, capture_output=True,
                         text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert cli.returncode == 1, cli.stderr
    assert len(cli.stderr.strip().splitlines()) == 1 and "无法连接案件数据库" in cli.stderr
    assert "Traceback" not in cli.stderr + cli.stdout

    _ctl(name, "start")
    after_outage = _counts(url, tmp_path)
    assert sorted(after_outage["fired"]) == due[:BATCH] and set(after_outage["fired"].values()) == {1}
    assert after_outage["running"] == DUE - BATCH  # the lost batch is to do again, not half done
    assert after_outage["gapless"] and after_outage["verified"] and after_outage["incidents"] == 0

    caught_up = sweep_deadlines(batch=BATCH, return_state=True)  # the served flow's next run
    assert caught_up.is_completed(), caught_up.message
    assert caught_up.result()["fired"] == DUE - BATCH and caught_up.result()["failed"] == 0
    final = _counts(url, tmp_path)
    assert sorted(final["fired"]) == due and set(final["fired"].values()) == {1}  # every due timer exactly once
    assert final["running"] == 0 and final["gapless"] and final["verified"] and final["incidents"] == 0
