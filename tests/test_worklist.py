"""The staff pages' reads (workflows/services/worklist.py), on SQLite and PostgreSQL: the worklist (own cases
first, then the unassigned ones, each most urgent first by the working days left on the nearest running clock;
filters, search, pages), the approver's queue (proposals prepared by others), the dashboard's figures and the log
across cases with its filters."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from conftest import HOSPITAL_USCC, PERSON_ID, act_at, at
from workflows.clock import frozen_at
from workflows.errors import BadInput

HOSPITAL = "郑州市示例医院"
PERSON = "李建华"
FACTS = "智能监控发现该院2026年5月为未住院的参保人虚构住院病历38份，结算医保基金46.2万元"


def subjects(svc) -> None:
    svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)
    svc.deployment.add_subject(PERSON, "practitioner", None, PERSON_ID)


def clue(svc, actor: str, subject: str, when: str) -> int:
    with frozen_at(at(when)):
        return svc.cases.open("fraud", actor, {"source": "monitoring", "facts": FACTS}, subject=subject)["case_id"]


def last_day(svc, case: int) -> date:
    (t,) = [t for t in svc.cases.show(case)["timers"] if t["status"] == "running"]
    return date.fromisoformat(t["last_day"])


def worklist(svc, user: str, when: str, **filters) -> dict:
    with frozen_at(at(when)):
        return svc.worklist.worklist(user, **filters)


def ids(page: dict) -> list[int]:
    return [r["id"] for r in page["rows"]]


def unassigned_cases(svc) -> list[int]:
    """A D result alice publishes; when it becomes final the system opens its record and the rectification,
    which belong to no one until an approver assigns them."""
    with frozen_at(at("2026-03-02 09:00")):
        svc.cases.open("evaluation", "alice", {"year": 2025, "score": 65}, subject=HOSPITAL_USCC)
    with frozen_at(at("2026-03-24 00:00")):
        svc.sweep.run_once(at("2026-03-24 00:00"))
    with frozen_at(at("2026-03-24 09:00")):
        return [c["id"] for c in svc.cases.list() if c["assignee"] is None]


def test_own_cases_first_most_urgent_first_then_the_unassigned(svc, cal):
    subjects(svc)
    system_opened = unassigned_cases(svc)
    assert len(system_opened) == 2
    later = clue(svc, "alice", PERSON_ID, "2026-06-10 09:00")  # opened first, but its clock ends later
    sooner = clue(svc, "alice", HOSPITAL_USCC, "2026-06-01 09:00")
    carols = clue(svc, "carol", HOSPITAL_USCC, "2026-06-05 09:00")
    assert last_day(svc, sooner) < last_day(svc, later)

    page = worklist(svc, "alice", "2026-06-12 10:00")
    assert ids(page)[:2] == [sooner, later]  # hers, the nearer deadline first
    assert set(ids(page)[2:]) == set(system_opened) and page["total"] == 4  # then the unassigned; not carol's
    assert carols not in ids(page)
    assert [r["mine"] for r in page["rows"]] == [True, True, False, False]
    first = page["rows"][0]
    assert (first["label"], first["state_label"], first["subject_name"]) == ("欺诈骗保案件", "线索核查中（待决定是否立案）",
                                                                              HOSPITAL)
    left = cal.working_days_in(date(2026, 6, 13), last_day(svc, sooner) + timedelta(days=1))
    assert first["deadline"]["working_days_left"] == left > 3 and first["urgency"] is None
    assert first["deadline"]["label"].startswith("立案核查期限")

    # two working days before its last day it is due soon (amber); the other is not
    soon_day = cal.nth_working_day_before(last_day(svc, sooner), 2)
    page = worklist(svc, "alice", f"{soon_day.isoformat()} 10:00")
    rows = {r["id"]: r for r in page["rows"]}
    assert rows[sooner]["deadline"]["working_days_left"] == 2 and rows[sooner]["urgency"] == "soon"
    assert rows[later]["urgency"] is None

    # the day after its last day, before any sweep: its clock has ended, it is overdue (red)
    after = last_day(svc, sooner) + timedelta(days=1)
    rows = {r["id"]: r for r in worklist(svc, "alice", f"{after.isoformat()} 10:00")["rows"]}
    assert rows[sooner]["urgency"] == "overdue" and rows[sooner]["deadline"]["ended"]
    assert rows[sooner]["deadline"]["working_days_left"] < 0

    # the sweep flags it overdue (督办) and its clock stops: still red, and ahead of the later one of hers
    with frozen_at(at(f"{after.isoformat()} 10:00")):
        svc.sweep.run_once(at(f"{after.isoformat()} 10:00"))
    page = worklist(svc, "alice", f"{after.isoformat()} 11:00")
    assert ids(page)[:2] == [sooner, later]
    assert page["rows"][0]["overdue"] and page["rows"][0]["urgency"] == "overdue"

    # carol sees hers first, then the same unassigned ones; none of alice's
    page = worklist(svc, "carol", "2026-06-12 10:00")
    assert ids(page)[0] == carols and set(ids(page)[1:]) == set(system_opened)


def test_filters_search_and_pages(svc):
    subjects(svc)
    system_opened = unassigned_cases(svc)
    hospital = clue(svc, "alice", HOSPITAL_USCC, "2026-06-01 09:00")
    person = clue(svc, "alice", PERSON_ID, "2026-06-02 09:00")
    act_at(svc, hospital, "propose_file", "alice", "2026-06-03 10:00", findings="线索具体，符合立案标准")
    when = "2026-06-05 10:00"

    assert ids(worklist(svc, "alice", when, kind="fraud")) == [hospital, person]
    assert ids(worklist(svc, "alice", when, kind="欺诈骗保案件")) == [hospital, person]  # its label works too
    assert set(ids(worklist(svc, "alice", when, kind="record", state=None))) <= set(system_opened)
    assert ids(worklist(svc, "alice", when, kind="fraud", state="clue")) == [person]
    assert ids(worklist(svc, "alice", when, state="filing_proposed")) == [hospital]
    assert ids(worklist(svc, "alice", when, kind="fraud", search="示例医院")) == [hospital]
    assert ids(worklist(svc, "alice", when, search=HOSPITAL_USCC.lower()[:8])) == [hospital] + sorted(
        system_opened, key=lambda c: ids(worklist(svc, "alice", when)).index(c))
    found = worklist(svc, "alice", when, search=PERSON_ID[:10])
    assert ids(found) == [person]
    assert found["rows"][0]["subject_code"] == "1101**********002X" and found["rows"][0]["subject_is_person"]
    assert PERSON_ID not in repr(found)  # the ID number is shown masked, never in full
    assert ids(worklist(svc, "alice", when, search="%")) == []  # a wildcard is a character, not "anything"
    assert ids(worklist(svc, "alice", when, search=str(person))) == [person]  # the case number

    everything = ids(worklist(svc, "alice", when))
    pages = [worklist(svc, "alice", when, page=n, per_page=1) for n in (1, 2, 3, 4)]
    assert [ids(p) for p in pages] == [[c] for c in everything]
    assert {(p["total"], p["pages"]) for p in pages} == {(4, 4)}
    beyond = worklist(svc, "alice", when, page=9, per_page=1)
    assert ids(beyond) == [] and beyond["total"] == 4

    for bad in ({"kind": "nosuch"}, {"kind": "fraud", "state": "nosuch"}, {"page": 0}, {"per_page": 1000},
                {"search": "x" * 101}):
        with pytest.raises(BadInput):
            worklist(svc, "alice", when, **bad)
    with pytest.raises(BadInput):
        worklist(svc, "nobody", when)


def test_the_approvers_queue_holds_proposals_prepared_by_others(svc):
    subjects(svc)
    alices = clue(svc, "alice", HOSPITAL_USCC, "2026-06-01 09:00")
    carols = clue(svc, "carol", PERSON_ID, "2026-06-01 10:00")
    untouched = clue(svc, "alice", PERSON_ID, "2026-06-02 10:00")
    act_at(svc, alices, "propose_file", "alice", "2026-06-03 10:00", findings="线索具体，符合立案标准")
    act_at(svc, carols, "propose_no_case", "carol", "2026-06-03 11:00", findings="经核查，线索不实")

    with frozen_at(at("2026-06-04 09:00")):
        bobs = svc.worklist.approvals("bob")["rows"]
        carol_sees = svc.worklist.approvals("carol")["rows"]
    assert [r["id"] for r in bobs] == [alices, carols]  # both, the nearer deadline first; not the clue
    assert untouched not in [r["id"] for r in bobs]
    row = bobs[0]
    assert (row["prepared_by"], row["prepared_label"], row["state_label"]) == (
        "alice", "提出立案意见", "拟立案或者不予立案（待审批）")
    assert row["prepared_at"] == "2026-06-03T10:00:00+08:00"
    assert "批准立案" in row["decisions"] and "退回重新核查" in row["decisions"]
    with frozen_at(at("2026-06-04 09:00")):
        second = svc.worklist.approvals("bob", page=2, per_page=1)
    assert [r["id"] for r in second["rows"]] == [carols] and (second["total"], second["pages"]) == (2, 2)
    assert [r["id"] for r in carol_sees] == [alices]  # carol prepared the other one: four-eyes
    assert carol_sees[0]["subject_code"] == HOSPITAL_USCC
    assert bobs[1]["subject_code"] == "1101**********002X"

    # the engine agrees: what a queue offers its approver may decide now, what it leaves out they may not
    decisions = {t.trigger for p in svc.registry.procedures() for t in p.transitions if t.decision}
    with frozen_at(at("2026-06-04 09:00")):
        for user, queue in (("bob", bobs), ("carol", carol_sees)):
            for case in (alices, carols):
                offered = decisions & set(svc.cases.actions(case, user))
                assert bool(offered) == (case in [r["id"] for r in queue]), (user, case, offered)
    act_at(svc, alices, "approve", "carol", "2026-06-04 10:00")
    with frozen_at(at("2026-06-04 11:00")):
        assert [r["id"] for r in svc.worklist.approvals("bob")["rows"]] == [carols]
        assert svc.worklist.approvals("carol")["rows"] == []
    act_at(svc, carols, "return", "bob", "2026-06-04 15:00", reason="请补充调取结算明细")
    with frozen_at(at("2026-06-04 16:00")):
        assert svc.worklist.approvals("bob")["rows"] == []
    # proposed again by alice this time: now carol may decide it
    act_at(svc, carols, "propose_file", "alice", "2026-06-05 10:00", findings="补充后符合立案标准")
    with frozen_at(at("2026-06-05 11:00")):
        assert [r["id"] for r in svc.worklist.approvals("carol")["rows"]] == [carols]


def test_dashboard_figures(svc, cal):
    subjects(svc)
    a = clue(svc, "alice", HOSPITAL_USCC, "2026-05-06 09:00")
    b = clue(svc, "alice", PERSON_ID, "2026-06-01 09:00")
    c = clue(svc, "carol", HOSPITAL_USCC, "2026-06-02 09:00")
    act_at(svc, c, "propose_no_case", "carol", "2026-06-03 10:00", findings="经核查，线索不实")
    act_at(svc, c, "approve", "bob", "2026-06-03 11:00")  # closed in June
    # a's clock ran out at the end of May: the sweep flags it
    end = last_day(svc, a) + timedelta(days=1)
    with frozen_at(at(f"{end.isoformat()} 09:00")):
        svc.sweep.run_once(at(f"{end.isoformat()} 09:00"))
    # b's last day falls in the week of this Monday
    monday = last_day(svc, b) - timedelta(days=last_day(svc, b).weekday())
    with frozen_at(at(f"{monday.isoformat()} 09:00")):
        dash = svc.worklist.dashboard()
    fraud = next(p for p in dash["procedures"] if p["kind"] == "fraud")
    assert (fraud["label"], fraud["open_count"], fraud["closed_count"]) == ("欺诈骗保案件", 2, 1)
    states = {s["state"]: (s["label"], s["n"]) for s in fraud["states"]}
    assert states["clue"] == ("线索核查中（待决定是否立案）", 2) and states["no_case"][1] == 1
    assert dash["overdue"] == 1 and dash["due_this_week"] == 1 and dash["open_incidents"] == 0
    months = {m["month"]: (m["opened"], m["closed"]) for m in dash["months"]}
    assert len(dash["months"]) == 12 and dash["months"][-1]["month"] == monday.strftime("%Y-%m")
    assert months["2026-05"] == (1, 0) and months["2026-06"] == (2, 1)
    assert (dash["open_count"], dash["closed_count"]) == (2, 1)


def test_the_log_across_cases_and_its_filters(svc):
    subjects(svc)
    a = clue(svc, "alice", HOSPITAL_USCC, "2026-05-06 09:00")
    c = clue(svc, "carol", PERSON_ID, "2026-06-02 09:00")
    act_at(svc, c, "propose_file", "carol", "2026-06-03 10:00", findings="符合立案标准")
    live = svc.cases.open("fraud", "alice", {"source": "monitoring", "facts": FACTS}, subject=PERSON_ID)["case_id"]

    everything = svc.worklist.log()["rows"]
    assert [r["id"] for r in everything] == sorted((r["id"] for r in everything), reverse=True)  # newest first
    assert {r["case_id"] for r in everything} == {a, c, live}
    carol = svc.worklist.log(actor="carol")["rows"]
    assert {r["actor"] for r in carol} == {"carol"} and [r["trigger"] for r in carol] == ["propose_file", "open"]
    assert carol[0]["trigger_label"] == "提出立案意见" and carol[0]["to_state_label"] == "拟立案或者不予立案（待审批）"
    june = svc.worklist.log(since="2026-06-01", until="2026-06-02")["rows"]
    assert [(r["case_id"], r["trigger"]) for r in june] == [(c, "open")]
    # the tests set the clock (as --now does); the one case opened on the real clock is not overridden
    overridden = svc.worklist.log(overridden=True)["rows"]
    assert live not in {r["case_id"] for r in overridden} and {a, c} <= {r["case_id"] for r in overridden}
    assert svc.worklist.log(kind="record")["rows"] == []
    assert svc.worklist.log(overdue=True)["rows"] == []
    end = last_day(svc, a) + timedelta(days=1)
    with frozen_at(at(f"{end.isoformat()} 09:00")):
        svc.sweep.run_once(at(f"{end.isoformat()} 09:00"))
    assert {r["case_id"] for r in svc.worklist.log(overdue=True)["rows"]} == {a}

    first, second = svc.worklist.log(per_page=2), svc.worklist.log(per_page=2, page=2)
    assert first["more"] and [r["id"] for r in first["rows"] + second["rows"]] == [
        r["id"] for r in svc.worklist.log()["rows"]][:4]
    with pytest.raises(BadInput):
        svc.worklist.log(since="2026-06-05", until="2026-06-01")
    with pytest.raises(BadInput):
        svc.worklist.log(since="六月")
    assert isinstance(datetime.fromisoformat(everything[0]["effective_at"]), datetime)
