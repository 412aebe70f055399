"""The Prefect flows themselves, under prefect_test_harness (a temporary Prefect API, no network).

The flows read the app's store from the environment, as they do under a worker; each test points
CREDITFLOW_HOME / CREDITFLOW_DATABASE_URL at its own database (SQLite, and PostgreSQL when reachable).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from conftest import HOSPITAL_USCC, at, publish


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect API for every flow test (starting one takes several seconds)."""
    saved = {k: os.environ.get(k) for k in ("PREFECT_HOME", "DO_NOT_TRACK", "PREFECT_API_URL")}
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ.pop("PREFECT_API_URL", None)
    from prefect.testing.utilities import prefect_test_harness

    try:
        with prefect_test_harness(server_startup_timeout=60):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def app_env(svc, db_url, tmp_path, monkeypatch):
    """The flows' process environment names the test's database."""
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)
    return svc


def _published_long_ago(svc) -> int:
    """An evaluation published on 2026-01-05: its 15-working-day objection window ended 2026-01-26."""
    from workflows.clock import frozen_at

    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    with frozen_at(at("2026-01-05 09:00")):
        return publish(svc, HOSPITAL_USCC, 2025, "78.5", "alice")["case_id"]


def _expiries(svc, case_id: int) -> int:
    from workflows.store.tables import transitions

    with svc.db.connect() as conn:
        return conn.execute(select(func.count()).select_from(transitions).where(
            transitions.c.case_id == case_id, transitions.c.trigger == "window_expired")).scalar_one()


def _timer_status(svc, case_id: int, name: str = "objection_window") -> str:
    return next(t["status"] for t in svc.cases.show(case_id)["timers"] if t["name"] == name)


def test_due_timer_fires_once_through_the_flow(prefect_harness, app_env):
    from workflows.flows import sweep_deadlines

    svc = app_env
    case = _published_long_ago(svc)
    assert _timer_status(svc, case) == "running"

    state = sweep_deadlines(return_state=True)
    assert state.is_completed()
    first = state.result()
    assert first["fired"] == 1 and first["failed"] == 0
    assert set(first) >= {"as_of", "fired", "failed", "reminded", "incidents", "checkpoint"}
    assert all(isinstance(first[k], int) for k in ("fired", "failed", "reminded", "incidents"))
    assert _expiries(svc, case) == 1
    assert _timer_status(svc, case) == "fired"
    assert svc.cases.show(case)["state"] == "final"

    second = sweep_deadlines()
    assert second["fired"] == 0 and second["failed"] == 0
    assert _expiries(svc, case) == 1


def test_flow_sweeps_as_of_the_instant_it_is_given(prefect_harness, app_env):
    from workflows.flows import sweep_deadlines

    svc = app_env
    case = _published_long_ago(svc)
    before = sweep_deadlines(as_of=at("2026-01-26 23:59"))  # the window's last day is not over yet
    assert before["fired"] == 0 and _timer_status(svc, case) == "running"
    after = sweep_deadlines(as_of=at("2026-01-27 00:00"))
    assert after["fired"] == 1 and after["as_of"].startswith("2026-01-27T00:00:00+08:00")
    assert _expiries(svc, case) == 1


def test_checkpoint_flow_writes_one_a_day(prefect_harness, app_env):
    from workflows.flows import audit_checkpoint

    svc = app_env
    _published_long_ago(svc)
    first = audit_checkpoint()
    assert first["written"] is True and first["checkpoint"] == svc.audit.list_checkpoints()[-1]["id"]
    assert audit_checkpoint() == {"written": False, "checkpoint": None}
    assert len(svc.audit.list_checkpoints()) == 1


def test_summary_counts_from_counts_or_lists():
    from workflows.flows import summarize

    exact = summarize({"as_of": "t", "counts": {"fired": 1500, "reminded": 2, "failed": 1, "deferred": 0},
                       "fired": [{}] * 1000, "incidents": [{"id": 1}], "checkpoint": {"id": 7}})
    assert exact == {"as_of": "t", "fired": 1500, "reminded": 2, "failed": 1, "deferred": 0, "incidents": 1,
                     "checkpoint": 7}
    lists = summarize({"as_of": "t", "fired": [{}, {}], "failed": [], "checkpoint": None,
                       "skipped": "another sweep is running (h:1)"})
    assert lists["fired"] == 2 and lists["reminded"] == 0 and lists["checkpoint"] is None
    assert lists["skipped"].startswith("another sweep")


def test_an_unreachable_store_fails_the_run_with_one_line(prefect_harness, tmp_path, monkeypatch, caplog):
    """The served loop goes on after a run that could not reach the store: the run fails with the one line a
    handler reads (no traceback in its state or its log), and nothing is raised into the serving process."""
    import logging
    import socket

    from workflows.flows import sweep_deadlines

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/gone")
    with caplog.at_level(logging.ERROR):
        state = sweep_deadlines(return_state=True)
    assert state.is_failed()
    assert state.message.startswith("无法连接案件数据库") and "\n" not in state.message
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "无法连接案件数据库" in logged and "Traceback" not in logged
