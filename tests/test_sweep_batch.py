"""The batched sweep (issue 18): a batch of due timers in one transaction, each case under its own savepoint,
numbers taken once per series for the transitions that held (workflows/engine/batch.py, docs/sweep.md)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from conftest import PG_ADMIN_URL, PG_AVAILABLE, at, make_services, publish, stored_counts
from workflows import clock
from workflows.clock import frozen_at
from workflows.demo import demo_uscc
from workflows.engine.batch import BatchEngine
from workflows.errors import BadInput
from workflows.store.tables import cases, incidents, notices, number_sequences, timers, transitions

WINDOWS_DUE = "2026-03-06 00:00"  # the objection windows of results published on 2026-02-06 have ended
COMPLETION_DUE = "2026-03-04 00:00"  # a completion period requested on 2026-02-25 (5 working days) has ended


def _init(svc) -> None:
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                        court="郑州铁路运输法院")
    svc.deployment.add_user("alice", ["handler"])


def _evaluations(svc, n: int, first: int = 0) -> list[int]:
    """n pharmacies' results published on 2026-02-06 (their windows are due at WINDOWS_DUE)."""
    out = []
    for i in range(first, first + n):
        sid = svc.deployment.add_subject(f"测试药店{i}", "pharmacy", demo_uscc("92", f"{i:08d}"), None)["id"]
        with frozen_at(at("2026-02-06 09:00")):
            out.append(publish(svc, str(sid), 2025, "80", "alice")["case_id"])
    return out


def _lapsing_objection(svc, ev: int) -> int:
    """An objection on `ev` lacking its materials, asked to complete them on 02-25: its completion period
    lapses at COMPLETION_DUE, and that expiry closes it and tells the evaluation (its parent)."""
    with frozen_at(at("2026-02-25 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": "2026-02-24", "materials": "",
                                                    "reason": ""}, parent=ev)["case_id"]
        svc.cases.act(obj, "request_completion", "alice", {"missing": "异议理由说明及证明材料"})
    return obj


def _numbering(svc) -> dict:
    """Per (department, series, year): the sequence numbers the notices hold, and the counter's last."""
    with svc.db.connect() as conn:
        held: dict = {}
        for r in conn.execute(select(notices.c.department, notices.c.series, notices.c.year, notices.c.seq)):
            held.setdefault((r.department, r.series, r.year), []).append(r.seq)
        last = {(r.department, r.series, r.year): r.last for r in conn.execute(select(number_sequences))}
    return {k: (sorted(held.get(k, [])), last.get(k)) for k in set(held) | set(last)}


def _assert_gapless(svc) -> None:
    for key, (seqs, last) in _numbering(svc).items():
        assert seqs == list(range(1, (last or 0) + 1)), (key, seqs, last)


def _fired(svc, trigger: str) -> list[int]:
    with svc.db.connect() as conn:
        return sorted(r.case_id for r in conn.execute(select(transitions.c.case_id).where(transitions.c.trigger == trigger)))


@pytest.fixture
def twin_url(db_url, tmp_path):
    """A second empty store on the same backend."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'twin.db'}"
        return
    import psycopg

    admin = PG_ADMIN_URL.rsplit("/", 1)[0] + "/postgres"
    name = f"cf_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _story(svc) -> tuple[list[int], list[int]]:
    evs = _evaluations(svc, 6)
    objs = [_lapsing_objection(svc, ev) for ev in evs[:2]]
    return evs, objs


def _neutral(value):
    """A log row's or an outcome's content without what depends on the moment it was processed."""
    if isinstance(value, dict):
        return {k: _neutral(v) for k, v in value.items()
                if k not in ("processed_at", "lateness_seconds", "recorded_at", "hash", "prev_hash", "notice_hash")}
    if isinstance(value, list):
        return [_neutral(v) for v in value]
    return value


def test_a_batch_writes_what_one_transaction_per_item_writes(db_url, twin_url, tmp_path):
    stores = [make_services(db_url, tmp_path / "a"), make_services(twin_url, tmp_path / "b")]
    results = []
    for svc, mode in zip(stores, ("per-transition", "batch")):
        _init(svc)
        evs, objs = _story(svc)
        first = svc.sweep.run_once(at(COMPLETION_DUE), batch=3, mode=mode)  # the two completion periods
        second = svc.sweep.run_once(at(WINDOWS_DUE), batch=4, mode=mode)  # the six windows (two restored ones)
        assert svc.audit.verify()["ok"]
        _assert_gapless(svc)
        results.append({
            "reports": _neutral([first["fired"], second["fired"], first["counts"], second["counts"]]),
            "cases": {c: _neutral({k: v for k, v in svc.cases.show(c).items() if k != "notices"}) for c in evs + objs},
            "log": {c: _neutral(svc.audit.log(c)) for c in evs + objs},
            "notices": {c: [(n["number"], n["title"], svc.documents.show(n["number"])["text"])
                            for n in svc.cases.show(c)["notices"]] for c in evs + objs},
            "numbering": _numbering(svc),
        })
    assert results[0]["reports"][2] == {"fired": 2, "reminded": 0, "failed": 0, "deferred": 0}
    assert results[0]["reports"][3]["fired"] == 6
    for key in results[0]:
        assert results[0][key] == results[1][key], key
    for svc in stores:
        svc.db.dispose()


def test_a_failing_case_rolls_back_to_its_savepoint_with_its_parent_and_takes_no_number(svc, monkeypatch):
    import workflows.engine.core as engine_module

    evs = _evaluations(svc, 3)
    objs = [_lapsing_objection(svc, ev) for ev in evs]
    before = _numbering(svc)
    real_render = engine_module.render

    def render(template, context):  # the parent's notice fails: the objection's own transition was written already
        if context["case"]["id"] == evs[1] and template.startswith("evaluation/"):
            raise RuntimeError("模板服务器不可用（测试）")
        return real_render(template, context)

    monkeypatch.setattr(engine_module, "render", render)
    out = svc.sweep.run_once(at(COMPLETION_DUE))
    assert sorted(f["case_id"] for f in out["fired"]) == [objs[0], objs[2]]
    assert all(f["parent"]["case_id"] in (evs[0], evs[2]) and f["parent"]["state"] == "published" for f in out["fired"])
    assert [(f["case_id"], f["code"]) for f in out["failed"]] == [(objs[1], "RuntimeError")]
    assert svc.cases.show(objs[1])["state"] == "completion_requested"  # the objection and its parent: nothing written
    assert svc.cases.show(evs[1])["state"] == "under_objection"
    assert _fired(svc, "completion_expired") == [objs[0], objs[2]]
    assert _fired(svc, "objection_closed") == [evs[0], evs[2]]
    after = _numbering(svc)
    _assert_gapless(svc)  # the failed case consumed no number in either series
    taken = {k: after[k][1] - (before.get(k, ([], 0))[1] or 0) for k in after}
    assert sorted(v for v in taken.values() if v) == [2, 2]  # two objection notices, two evaluation notices
    [incident] = svc.sweep.list_incidents()
    assert incident["case_id"] == objs[1] and "模板服务器不可用" in incident["message"]
    assert svc.audit.verify()["ok"]

    monkeypatch.setattr(engine_module, "render", real_render)  # repaired; the back-off has passed
    with svc.uow() as uow:
        uow.conn.execute(update(incidents).values(next_attempt_at=clock.real_now() - timedelta(seconds=1)))
        uow.commit()
    again = svc.sweep.run_once(at(COMPLETION_DUE) + timedelta(minutes=5))
    assert [f["case_id"] for f in again["fired"]] == [objs[1]] and again["incidents"] == 0
    assert svc.sweep.list_incidents(include_resolved=True)[0]["resolution"] == "fired by a later sweep"
    assert _fired(svc, "completion_expired") == sorted(objs)
    _assert_gapless(svc)
    assert svc.audit.verify()["ok"]


class Killed(BaseException):
    """The process dies (kill -9) after the batch's writes, before its COMMIT."""


def test_a_batch_that_dies_before_commit_leaves_nothing_and_the_next_sweep_does_it_once(svc, monkeypatch):
    evs = _evaluations(svc, 5)
    stored, numbering = stored_counts(svc), _numbering(svc)
    real_finish = BatchEngine.finish

    def finish_then_die(self, conn):
        assert real_finish(self, conn) == 5  # every notice and log row written, the counter moved
        raise Killed

    monkeypatch.setattr(BatchEngine, "finish", finish_then_die)
    with pytest.raises(Killed):
        svc.sweep.run_once(at(WINDOWS_DUE))
    assert stored_counts(svc) == stored and _numbering(svc) == numbering  # the whole batch is gone
    with svc.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(timers).where(timers.c.status == "running")).scalar_one() == 5
    monkeypatch.setattr(BatchEngine, "finish", real_finish)
    out = svc.sweep.run_once(at(WINDOWS_DUE))
    assert sorted(f["case_id"] for f in out["fired"]) == evs and out["counts"]["failed"] == 0
    assert _fired(svc, "window_expired") == evs
    _assert_gapless(svc)
    assert svc.audit.verify()["ok"]


def test_a_batch_that_cannot_commit_is_fired_item_by_item(svc, monkeypatch):
    evs = _evaluations(svc, 4)

    def broken_finish(self, conn):
        raise RuntimeError("批量写入失败（测试）")

    monkeypatch.setattr(BatchEngine, "finish", broken_finish)
    out = svc.sweep.run_once(at(WINDOWS_DUE), batch=3)
    assert sorted(f["case_id"] for f in out["fired"]) == evs and out["counts"]["failed"] == 0
    assert _fired(svc, "window_expired") == evs
    _assert_gapless(svc)
    assert svc.audit.verify()["ok"]


class _Aborted(Exception):
    """What psycopg raises when PostgreSQL aborts a transaction to resolve a deadlock."""

    sqlstate = "40P01"


@pytest.mark.parametrize("mode", ["batch", "per-transition"])
def test_a_deadlock_defers_the_item_and_is_no_incident(svc, monkeypatch, mode):
    """PostgreSQL breaks a deadlock by aborting one side: nothing of it was written, so the item waits for the
    next sweep, as a case another holds does; it is not a failure to retry with back-off (an incident)."""
    from sqlalchemy.exc import OperationalError

    from workflows.engine.core import Engine

    evs = _evaluations(svc, 2)
    real_advance = Engine.advance
    aborted = []

    def advance(self, conn, case_id, request):
        if case_id == evs[0] and not aborted:
            aborted.append(case_id)
            raise OperationalError("UPDATE cases …", {}, _Aborted("deadlock detected"))
        return real_advance(self, conn, case_id, request)

    monkeypatch.setattr(Engine, "advance", advance)
    out = svc.sweep.run_once(at(WINDOWS_DUE), mode=mode)
    assert aborted == [evs[0]]
    assert [d["case_id"] for d in out["deferred"]] == [evs[0]] and out["counts"]["failed"] == 0
    assert [f["case_id"] for f in out["fired"]] == [evs[1]] and svc.sweep.list_incidents() == []
    again = svc.sweep.run_once(at(WINDOWS_DUE))
    assert [f["case_id"] for f in again["fired"]] == [evs[0]]
    assert _fired(svc, "window_expired") == evs
    _assert_gapless(svc)


def test_small_batches_fire_everything_once_in_due_order(svc):
    evs = _evaluations(svc, 5)
    objs = [_lapsing_objection(svc, ev) for ev in evs[:2]]
    out = svc.sweep.run_once(at(WINDOWS_DUE), batch=2)  # completion periods first (due earlier), then windows
    fired = [(f["case_id"], f["trigger"]) for f in out["fired"]]
    assert fired[:2] == [(o, "completion_expired") for o in objs]
    assert sorted(c for c, t in fired[2:]) == evs and {t for c, t in fired[2:]} == {"window_expired"}
    # numbers follow the order of firing within each series
    numbers = [int(f["notice"].split("〕")[1].rstrip("号")) for f in out["fired"][2:]]
    assert numbers == sorted(numbers)
    _assert_gapless(svc)
    assert svc.audit.verify()["ok"]
    assert svc.sweep.run_once(at(WINDOWS_DUE), batch=2)["counts"]["fired"] == 0


def test_an_unknown_mode_is_refused(svc):
    with pytest.raises(BadInput, match="没有扫描方式"):
        svc.sweep.run_once(at(WINDOWS_DUE), mode="fast")


@pytest.mark.skipif(not PG_AVAILABLE, reason="PostgreSQL not reachable")
def test_a_case_another_holds_waits_for_the_next_sweep(pg_url, tmp_path):
    import psycopg

    svc = make_services(pg_url, tmp_path)
    _init(svc)
    evs = _evaluations(svc, 4)
    holder = psycopg.connect(pg_url)
    try:
        holder.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE", (evs[2],))  # a handler's transition in progress
        out = svc.sweep.run_once(at(WINDOWS_DUE))
        assert sorted(f["case_id"] for f in out["fired"]) == [evs[0], evs[1], evs[3]]
        assert out["counts"]["failed"] == 0 and out["incidents"] == 0
    finally:
        holder.rollback()
        holder.close()
    assert [f["case_id"] for f in svc.sweep.run_once(at(WINDOWS_DUE))["fired"]] == [evs[2]]
    assert _fired(svc, "window_expired") == evs
    with svc.db.connect() as conn:  # every case's chain head is its last log row's hash
        heads = dict(conn.execute(select(cases.c.id, cases.c.chain_head)).all())
        last = {r.case_id: r.hash for r in conn.execute(select(transitions.c.case_id, transitions.c.hash)
                                                          .order_by(transitions.c.case_id, transitions.c.seq))}
    assert all(heads[c] == h for c, h in last.items())
    _assert_gapless(svc)
    svc.db.dispose()


def test_what_the_sweep_takes_for_a_lost_database():
    import sqlite3

    import psycopg
    from sqlalchemy.exc import IntegrityError, OperationalError

    from workflows.services.sweep_items import store_lost, try_again

    def wrapped(orig, kind=OperationalError):
        return kind("SELECT 1", {}, orig)

    assert store_lost(wrapped(psycopg.OperationalError("connection refused")))  # no server answered
    assert store_lost(wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command")))
    assert not store_lost(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert try_again(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert not store_lost(wrapped(sqlite3.OperationalError("no such column: x")))  # a fault of one item: an incident
    assert not store_lost(wrapped(psycopg.errors.UniqueViolation("duplicate key"), IntegrityError))
    assert not store_lost(RuntimeError("模板服务器不可用"))
