"""Who owns a case (docs/rules.md §8): the handler who opened it, or, for a case the system opened, no one until
an approver assigns it (`creditflow case assign CASE USER --as APPROVER`), logged like any transition with its
internal record 案件分派记录. On SQLite and PostgreSQL; the command line in-process on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from conftest import HOSPITAL_USCC, at
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)
from workflows.clock import frozen_at
from workflows.errors import BadInput, Refused
from workflows.store.tables import cases, notices, transitions

HOSPITAL = "郑州市示例医院"


def d_result_and_its_record(svc) -> tuple[int, int]:
    """A D result alice publishes (hers) and the record the system opens when it becomes final (no one's)."""
    svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)
    with frozen_at(at("2026-03-02 09:00")):
        ev = svc.cases.open("evaluation", "alice", {"year": 2025, "score": 65}, subject=HOSPITAL_USCC)
    with frozen_at(at("2026-03-24 00:00")):
        out = svc.sweep.run_once(at("2026-03-24 00:00"))
    (record,) = [c["case_id"] for c in out["fired"][0]["opened"]]
    return ev["case_id"], record


def assign(svc, case, user, actor, when="2026-03-25 10:00"):
    with frozen_at(at(when)):
        return svc.cases.assign(case, user, actor)


def test_owner_from_opening_and_assignment_logged(svc):
    ev, record = d_result_and_its_record(svc)
    assert svc.cases.show(ev)["assignee"] == "alice"  # opened by a person: theirs
    assert svc.cases.show(record)["assignee"] is None  # opened by the system: no one's yet

    out = assign(svc, record, "carol", "bob")
    shown = svc.cases.show(record)
    assert shown["assignee"] == "carol" and shown["version"] == out["version"]
    with svc.db.connect() as conn:
        log = conn.execute(select(transitions).where(transitions.c.case_id == record)
                           .order_by(transitions.c.seq.desc())).first()
        notice = conn.execute(select(notices).where(notices.c.number == out["notice"])).one()
    assert (log.trigger, log.actor, log.role, log.from_state, log.to_state) == (
        "assign", "bob", "approver", shown["state"], shown["state"])
    assert log.inputs["assignee"] == "carol" and log.notice_number == out["notice"]
    assert log.notice_hash == notice.content_hash
    assert (notice.title, notice.audience, notice.transition_seq) == ("案件分派记录", "internal", log.seq)
    assert "的承办人（此前未分派）分派为carol" in notice.text and "审核人bob" in notice.text

    # reassigned: the record says from whom to whom
    again = assign(svc, record, "alice", "bob")
    with svc.db.connect() as conn:
        second = conn.execute(select(notices).where(notices.c.number == again["notice"])).one()
    assert "由carol改派为alice" in second.text
    assert svc.cases.show(record)["assignee"] == "alice"
    assert svc.audit.verify()["ok"]


def test_who_may_assign_and_to_whom(svc):
    ev, record = d_result_and_its_record(svc)
    with pytest.raises(Refused) as refused:
        assign(svc, record, "alice", "alice")  # a handler does not assign cases
    assert refused.value.code == "ROLE"
    with pytest.raises(Refused) as refused:
        assign(svc, record, "alice", "audrey")  # the auditor changes nothing
    auditor_code = refused.value.code
    with pytest.raises(Refused) as refused:
        assign(svc, record, "bob", "bob")  # bob approves; a case is handled by a handler
    assert refused.value.code == "ASSIGN-ROLE"
    with pytest.raises(Refused) as refused:
        assign(svc, ev, "carol", "bob")  # a final case is not handled any more
    assert refused.value.code == "TRIGGER"
    with frozen_at(at("2026-03-25 09:00")):
        hers = svc.cases.open("evaluation", "alice", {"year": 2024, "score": 95}, subject=HOSPITAL_USCC)["case_id"]
    with pytest.raises(Refused) as refused:
        assign(svc, hers, "alice", "bob")  # already hers
    assert refused.value.code == "ASSIGN-SAME"
    with pytest.raises(BadInput) as bad:
        assign(svc, record, "nobody", "bob")
    assert bad.value.code == "unknown_user"
    # nothing of it was written
    assert svc.cases.show(record)["assignee"] is None and svc.cases.show(record)["version"] == 1
    assert svc.cases.show(hers)["assignee"] == "alice"
    assert auditor_code == "READ-ONLY"


def test_my_cases_first_then_the_unassigned(svc):
    ev, record = d_result_and_its_record(svc)
    with frozen_at(at("2026-03-25 09:00")):
        other = svc.cases.open("evaluation", "carol", {"year": 2024, "score": 95}, subject=HOSPITAL_USCC)["case_id"]
    with frozen_at(at("2026-03-25 09:00")):
        mine = [c["id"] for c in svc.cases.list(mine="carol")]
        everyone = {c["id"]: c["assignee"] for c in svc.cases.list()}
    # the record opened the rectification of its subject (the system's too): both unassigned
    unassigned = {c for c, owner in everyone.items() if owner is None}
    assert record in unassigned and len(unassigned) == 2 and everyone[other] == "carol" and ev not in everyone
    assert mine[0] == other and set(mine[1:]) == unassigned and len(mine) == 3  # carol's own first
    assign(svc, record, "alice", "bob")
    with frozen_at(at("2026-03-25 11:00")):
        assert [c["id"] for c in svc.cases.list(mine="alice")][0] == record
        assert record not in [c["id"] for c in svc.cases.list(mine="carol")]
        assert {c["id"]: c["assignee"] for c in svc.cases.list()}[record] == "alice"
    with pytest.raises(BadInput):
        svc.cases.list(mine="nobody")


def test_migration_backfills_the_opener(svc):
    """Upgrading a store from 0009: a case a person opened belongs to its opener, one the system opened to no one."""
    from alembic import command

    from workflows.store.schema import _config

    ev, record = d_result_and_its_record(svc)
    with svc.db.connect() as conn:
        before = dict(conn.execute(select(cases.c.id, cases.c.assignee)).all())
    with svc.db.begin() as conn:
        command.downgrade(_config(conn), "0009")
    with svc.db.connect() as conn:
        assert "assignee" not in [c["name"] for c in inspect(conn).get_columns("cases")]
    with svc.db.begin() as conn:
        command.upgrade(_config(conn), "head")
    with svc.db.connect() as conn:
        owners = dict(conn.execute(select(cases.c.id, cases.c.assignee)).all())
        system_opened = {r.case_id for r in conn.execute(text(
            "SELECT case_id FROM transitions WHERE seq = 1 AND actor = 'system'"))}
    assert owners == before and owners[ev] == "alice" and owners[record] is None
    assert system_opened == set(owners) - {ev} and all(owners[c] is None for c in system_opened)
    assert svc.audit.verify()["ok"]


def test_the_command_line(cli):
    cf = cli
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cf("user", "add", "alice", "--role", "handler")
    cf("user", "add", "dave", "--role", "handler")
    cf("user", "add", "bob", "--role", "approver")
    cf("subject", "add", "--name", HOSPITAL, "--uscc", HOSPITAL_USCC, "--type", "hospital")
    case = cf("evaluation", "publish", "--subject", "1", "--year", "2025", "--score", "95", "--as", "alice",
              now="2026-03-02T09:00:00+08:00").json["case_id"]
    assert cf("case", "show", str(case)).json["assignee"] == "alice"
    assert "assign" in [a["trigger"] for a in cf("case", "actions", str(case), "--as", "bob").json["actions"]]

    out = cf("case", "assign", str(case), "dave", "--as", "bob", now="2026-03-03T10:00:00+08:00").json
    assert out["case_id"] == case and out["notice"]
    assert cf("case", "show", str(case)).json["assignee"] == "dave"
    assert [c["id"] for c in cf("case", "list", "--mine", "--as", "dave", now="2026-03-03T10:00:00+08:00").json["cases"]] \
        == [case]
    assert cf("case", "list", "--mine", "--as", "alice", now="2026-03-03T10:00:00+08:00").json["cases"] == []
    assert "承办人 dave" in cf("case", "show", str(case), as_json=False).out

    assert "ROLE" in cf("case", "assign", str(case), "alice", "--as", "alice", expect=3).err
    assert "ASSIGN-ROLE" in cf("case", "assign", str(case), "bob", "--as", "bob", expect=3).err
    cf("case", "assign", str(case), "nobody", "--as", "bob", expect=2)
    cf("case", "assign", "99", "dave", "--as", "bob", expect=2)
    cf("case", "assign", str(case), "alice", "--as", "nobody", expect=2)
    cf("case", "list", "--mine", expect=2)
    assert cf("case", "show", str(case)).json["assignee"] == "dave"
    assert cf("audit", "verify").json["ok"]
