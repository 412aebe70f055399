"""The services by area (workflows/services/): one transaction per use case, the shapes they return, and the
registry they are given."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from conftest import HOSPITAL_USCC, at, publish
from workflows.clock import frozen_at
from workflows.services import AuditService, CaseService, DeploymentService, DocumentService, Services, SweepService
from workflows.services.common import outcome_dict


@contextmanager
def transactions(svc):
    """Count the transactions begun on the services' database while the block runs."""
    begun = []

    def on_begin(conn):
        begun.append(conn)

    event.listen(svc.db, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(svc.db, "begin", on_begin)


@pytest.fixture
def story(svc):
    """A hospital's evaluation and an objection to it (accepted)."""
    sid = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"]
    with frozen_at(at("2026-02-06 09:00")):
        ev = publish(svc, str(sid), 2025, "78.5", "alice")
    with frozen_at(at("2026-02-25 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "1,2", "received": "2026-02-24",
                                                    "materials": "异议申请表", "reason": "扣分缺少依据"},
                             parent=ev["case_id"])
    return {"subject": sid, "ev": ev, "obj": obj}


def test_the_composition_root_hands_each_area_what_it_needs(svc):
    assert isinstance(svc.deployment, DeploymentService) and isinstance(svc.cases, CaseService)
    assert isinstance(svc.documents, DocumentService) and isinstance(svc.audit, AuditService)
    assert isinstance(svc.sweep, SweepService) and svc.sweep.audit is svc.audit
    assert svc.sweep.loop_seconds == svc.settings.sweep_interval  # shaped like Prefect's loop services
    assert svc.cases.registry is svc.registry is svc.engine.registry
    assert svc.cases.engine is svc.engine is svc.documents.engine is svc.sweep.engine  # built once


def test_reading_needs_no_engine(db_url, tmp_path):
    from conftest import make_services

    s = make_services(db_url, tmp_path)
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    s.deployment.list_users()
    s.audit.verify()
    assert "engine" not in s.__dict__  # the calendar (a moment to build) is built by the first transition
    s.db.dispose()


def test_each_use_case_runs_in_one_transaction(svc, story):
    ev, obj = story["ev"]["case_id"], story["obj"]["case_id"]
    number = story["ev"]["notice"]
    calls = [
        lambda: svc.deployment.list_users(), lambda: svc.deployment.list_subjects(),
        lambda: svc.deployment.show_subject(HOSPITAL_USCC),
        lambda: svc.deployment.add_user("dora", ["handler"]),
        lambda: svc.cases.show(obj), lambda: svc.cases.list(), lambda: svc.cases.list(due_within=3),
        lambda: svc.cases.explain_timer(ev, "objection_window"), lambda: svc.cases.actions(obj, "alice"),
        lambda: svc.cases.act(obj, "accept", "alice", {}),
        lambda: svc.documents.show(number), lambda: svc.documents.correct(number, "得分应为78.50分", "alice"),
        lambda: svc.documents.serve(number, "direct", "2026-02-26", "alice"),
        lambda: svc.audit.log(obj), lambda: svc.audit.verify(),
    ]
    for call in calls:
        with frozen_at(at("2026-02-26 10:00")), transactions(svc) as begun:
            call()
        assert len(begun) == 1, call


def test_show_names_related_cases_with_their_relation(svc, story):
    ev, obj = story["ev"]["case_id"], story["obj"]["case_id"]
    shown = svc.cases.show(ev)
    assert shown["parent"] is None and shown["entry"] is None
    child = svc.cases.show(obj)
    clocks = svc.registry.procedure("objection")
    running = [{"name": t["name"], "label": clocks.timer(t["name"]).label, "side": t["side"], "last_day": t["last_day"],
                "ends_at": t["ends_at"]} for t in child["timers"] if t["status"] == "running"]
    assert running, "the objection's handling clock runs"
    assert shown["children"] == [{"id": obj, "kind": "objection", "state": story["obj"]["state"],
                                  "state_label": svc.registry.procedure("objection").state(story["obj"]["state"]).label,
                                  "relation": "child", "timers": running}]
    assert child["parent"] == ev and child["children"] == []


def test_service_is_a_transition_of_the_notices_case(svc, story):
    number = story["ev"]["notice"]
    with frozen_at(at("2026-02-09 10:00")):
        out = svc.documents.serve(number, "post", "2026-02-09", "alice")
    assert (out["number"], out["method"], out["served_on"], out["actor"]) == (number, "post", "2026-02-09", "alice")
    assert out["case"]["case_id"] == story["ev"]["case_id"] and out["recorded_at"]
    assert svc.audit.log(story["ev"]["case_id"])[-1]["trigger"] == "notice_served"
    assert svc.documents.show(number)["served_on"] == "2026-02-09"


def test_an_outcome_lists_the_cases_it_opened_and_told():
    def outcome(case_id, **related):
        return SimpleNamespace(case_id=case_id, kind="k", state="s", version=1, notice=f"n{case_id}",
                               parent=related.get("parent"), opened=related.get("opened", []),
                               notified=related.get("notified", []))

    out = outcome_dict(outcome(1, opened=[outcome(2, notified=[outcome(3)])], parent=outcome(0)))
    assert out["parent"] == {"case_id": 0, "kind": "k", "state": "s", "version": 1, "notice": "n0"}
    assert out["opened"][0]["notified"][0]["case_id"] == 3 and "opened" not in out["opened"][0]
    assert "notified" not in out


def test_a_kind_is_chosen_by_code_or_label_from_the_registry(svc):
    sid = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"]
    with frozen_at(at("2026-02-06 09:00")):
        out = svc.cases.open(svc.registry.label("evaluation"), "alice", {"year": 2025, "score": "80"}, subject=sid)
    assert out["kind"] == "evaluation"
    from workflows.errors import BadInput

    with pytest.raises(BadInput) as info:
        svc.cases.open("parking", "alice", {}, subject=sid)
    assert info.value.code == "unknown_kind"


def test_services_take_the_registry_they_are_given(tmp_path):
    from states import REGISTRY
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    url = f"sqlite:///{tmp_path / 'creditflow.db'}"
    settings = Settings(home=tmp_path, database_url=url, calendar_overrides=None, allow_clock_override=True)
    s = Services(make_engine(url), settings)
    assert s.registry is REGISTRY
    other = object()
    assert Services(s.db, settings, registry=other).cases.registry is other
    s.db.dispose()
