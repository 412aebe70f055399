"""Every transition of the evaluation and objection machines, and every refusal, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from conftest import HOSPITAL_USCC, PERSON_ID, at, publish as publish_evaluation
from workflows.clock import frozen_at
from workflows.errors import BadInput, Conflict, Refused
from workflows.store.tables import archive_entries, cases, notices, number_sequences, timers, transitions


def publish(svc, when="2026-02-06 09:00", score="78.5", year=2025, subject=None, actor="alice"):
    if subject is None:
        subject = str(svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"])
    with frozen_at(at(when)):
        return publish_evaluation(svc, subject, year, score, actor)


def objection(svc, evaluation, when="2026-02-25 09:00", received="2026-02-24", actor="alice", **extra):
    inputs = {"grounds": "1,2", "received": received, "materials": "异议申请表,检查记录",
              "reason": "两项扣分缺少事实依据", **extra}
    with frozen_at(at(when)):
        return svc.cases.open("objection", actor, inputs, parent=evaluation)


def act(svc, case, trigger, actor, when, **inputs):
    with frozen_at(at(when)):
        return svc.cases.act(case, trigger, actor, inputs)


def counts(svc):
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (cases, transitions, notices, timers, archive_entries)) + (
            conn.execute(select(func.coalesce(func.sum(number_sequences.c.last), 0))).scalar_one(),)


def refused(svc, code, fn, *args, **kwargs):
    before = counts(svc)
    with pytest.raises(Refused) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert counts(svc) == before, "a refusal must change nothing"
    return info.value


def bad(svc, fn, *args, **kwargs):
    before = counts(svc)
    with pytest.raises(BadInput) as info:
        fn(*args, **kwargs)
    assert counts(svc) == before
    return info.value


def accepted_objection(svc):
    ev = publish(svc)["case_id"]
    obj = objection(svc, ev)["case_id"]
    act(svc, obj, "accept", "alice", "2026-02-25 10:00")
    return ev, obj


# -- evaluation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("score,grade", [("90", "A"), ("89.99", "B"), ("80", "B"), ("79.99", "C"), ("70", "C"),
                                         ("69.99", "D"), ("0", "D"), ("100", "A")])
def test_publish_grades_and_starts_the_objection_window(svc, score, grade):
    out = publish(svc, score=score)
    show = svc.cases.show(out["case_id"])
    assert (show["state"], show["grade"], show["version"]) == ("published", grade, 1)
    window = show["timers"][0]
    assert window["name"] == "objection_window" and window["status"] == "running"
    assert window["last_day"] == "2026-03-05"  # 15 working days across the Spring Festival
    assert window["ends_at"] == "2026-03-06T00:00:00+08:00"
    assert show["notices"][0]["title"] == "医疗保障基金使用信用评价结果告知书"
    assert out["notice"] == "郑医保信评〔2026〕1号"


def test_publish_refusals(svc):
    sid = str(svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"])
    publish(svc, subject=sid)
    refused(svc, "EVAL-DUP", publish, svc, subject=sid)
    refused(svc, "EVAL-YEAR", publish, svc, subject=sid, year=2027)
    refused(svc, "READ-ONLY", publish, svc, subject=sid, year=2024, actor="audrey")
    refused(svc, "ROLE", publish, svc, subject=sid, year=2024, actor="bob")
    assert "超出0至100的范围" in bad(svc, publish, svc, subject=sid, year=2024, score="101").message
    assert "不是数字" in bad(svc, publish, svc, subject=sid, year=2024, score="八十").message
    assert "没有用户" in bad(svc, publish, svc, subject=sid, year=2024, actor="mallory").message
    assert "没有信用主体" in bad(svc, publish, svc, subject="999", year=2024).message


def test_window_expiry_makes_the_result_final_once(svc):
    ev = publish(svc)["case_id"]
    assert svc.sweep.run_once(at("2026-03-05 23:59:59"))["fired"] == []  # the last day is still open
    out = svc.sweep.run_once(at("2026-03-06 00:00"))
    assert [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]] == [(ev, "window_expired", "final")]
    assert svc.sweep.run_once(at("2026-03-09 00:00"))["fired"] == []  # idempotent
    show = svc.cases.show(ev)
    assert show["state"] == "final" and show["timers"][0]["status"] == "fired"
    with svc.db.connect() as conn:
        entry = conn.execute(select(archive_entries)).one()
    assert entry.kind == "evaluation" and "78.50分，C级" in entry.facts  # C: neither good nor bad (Art. 10, 30)
    assert entry.determined_on == date(2026, 3, 6) and entry.disclosure_until is None
    log = svc.audit.log(ev)
    assert log[-1]["actor"] == "system" and log[-1]["effective_at"] == "2026-03-06T00:00:00+08:00"


def test_system_triggers_cannot_be_fired_by_people(svc):
    ev = publish(svc)["case_id"]
    refused(svc, "CLOCK-SYSTEM-TRIGGER", act, svc, ev, "window_expired", "carol", "2026-03-10 09:00")
    assert bad(svc, act, svc, ev, "fly", "carol", "2026-03-10 09:00").code == "unknown_trigger"


# -- objection: opening ---------------------------------------------------------------------------------

def test_timely_objection_holds_the_evaluation(svc):
    ev = publish(svc)["case_id"]
    out = objection(svc, ev)
    assert out["state"] == "received" and out["parent"]["state"] == "under_objection"
    obj = svc.cases.show(out["case_id"])
    handling = obj["timers"][0]
    assert handling["name"] == "handling" and handling["start_day"] == "2026-02-24"
    assert handling["last_day"] == "2026-03-16"  # 15 working days from receipt, not registration
    assert svc.cases.show(ev)["timers"][0]["status"] == "stopped"
    assert svc.sweep.run_once(at("2026-03-06 00:00"))["fired"] == []  # the window no longer finalises it


def test_late_objection_is_refused_at_once_and_the_result_stands(svc):
    ev = publish(svc)["case_id"]
    out = objection(svc, ev, when="2026-03-09 09:00", received="2026-03-06")
    assert out["state"] == "refused" and "parent" not in out
    assert svc.cases.show(ev)["state"] == "published"
    notice = svc.documents.show(out["notice"])
    assert notice["title"] == "信用评价结果异议不予受理告知书"
    assert "视为无异议" in notice["text"] and "行政复议" in notice["text"]


def test_received_on_last_day_is_on_time(svc):
    ev = publish(svc)["case_id"]
    assert objection(svc, ev, when="2026-03-05 17:00", received="2026-03-05")["state"] == "received"


def test_timely_objection_registered_after_the_window_reopens_the_final_result(svc):
    ev = publish(svc)["case_id"]
    svc.sweep.run_once(at("2026-03-06 00:00"))
    assert svc.cases.show(ev)["state"] == "final"
    out = objection(svc, ev, when="2026-03-09 09:00", received="2026-03-05")
    assert out["state"] == "received" and out["parent"]["state"] == "under_objection"
    assert "重新进入异议处理程序" in svc.documents.show(out["parent"]["notice"])["text"]


def test_opening_refusals(svc):
    ev = publish(svc)["case_id"]
    refused(svc, "OBJ-GROUNDS", objection, svc, ev, grounds="7")
    refused(svc, "OBJ-DATE", objection, svc, ev, received="2026-02-26")  # after today
    refused(svc, "OBJ-DATE", objection, svc, ev, received="2026-02-05")  # before publication
    refused(svc, "READ-ONLY", objection, svc, ev, actor="audrey")
    assert "received" in bad(svc, objection, svc, ev, received="").message
    assert "not a date" in bad(svc, objection, svc, ev, received="2026-02-30").message
    assert "未知的输入项 colour" in bad(svc, objection, svc, ev, colour="red").message
    objection(svc, ev)
    refused(svc, "OBJ-PENDING", objection, svc, ev)


def test_objection_needs_an_evaluation_parent(svc):
    ev = publish(svc)["case_id"]
    obj = objection(svc, ev)["case_id"]
    assert "不是医疗保障信用评价案件" in bad(svc, objection, svc, obj).message
    assert "须指明所属的" in bad(svc, svc.cases.open, "objection", "alice", {}).message


# -- objection: handling ----------------------------------------------------------------------------------

def test_accept_requires_form(svc):
    ev = publish(svc)["case_id"]
    obj = objection(svc, ev, materials="", reason="")["case_id"]
    refused(svc, "OBJ-FORM", act, svc, obj, "accept", "alice", "2026-02-25 10:00")
    assert "reason" in bad(svc, act, svc, obj, "refuse", "alice", "2026-02-25 10:00").message
    out = act(svc, obj, "refuse", "alice", "2026-02-25 10:00", reason="未使用附件1格式，且未附证明材料")
    # A refusal for form while the window runs does not shorten it (Art. 26): the result waits again,
    # its window running to the same last day, and becomes final only when the window ends.
    assert out["state"] == "refused" and out["parent"]["state"] == "published"
    assert svc.cases.show(obj)["timers"][0]["status"] == "stopped"
    window = svc.cases.show(ev)["timers"][0]
    assert (window["status"], window["last_day"]) == ("running", "2026-03-05")
    assert svc.sweep.run_once(at("2026-03-05 23:59"))["fired"] == []
    assert [f["state"] for f in svc.sweep.run_once(at("2026-03-06 00:00"))["fired"]] == ["final"]
    text = svc.documents.show(out["notice"])["text"]
    assert "未使用附件1格式" in text and "行政诉讼" in text


def test_suspend_and_resume_move_the_deadline_by_the_suspended_working_days(svc, cal):
    _, obj = accepted_objection(svc)
    assert "可选：inspection（检验）" in bad(svc, act, svc, obj, "suspend", "alice", "2026-02-26 10:00", reason="lunch").message
    out = act(svc, obj, "suspend", "alice", "2026-02-26 10:00", reason="expert_review")
    assert out["state"] == "suspended"
    assert svc.cases.show(obj)["timers"][0]["status"] == "suspended"
    assert svc.sweep.run_once(at("2026-04-01 00:00"))["fired"] == []  # a suspended clock never fires
    refused(svc, "TRIGGER", act, svc, obj, "propose_dismiss", "alice", "2026-03-02 10:00", findings="x")
    act(svc, obj, "resume", "alice", "2026-03-04 10:00")
    handling = svc.cases.show(obj)["timers"][0]
    # [02-26, 03-04): 02-26, 02-27, 02-28 (make-up Saturday), 03-02, 03-03 = 5 working days
    assert handling["status"] == "running" and handling["last_day"] == "2026-03-23"
    assert cal.working_days_in(date(2026, 2, 26), date(2026, 3, 4)) == 5
    explained = svc.cases.explain_timer(obj, "handling")
    assert [d["date"] for d in explained["days"] if d["reason"] == "suspended"] == [
        "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03"]
    assert "专家评审" in svc.documents.show(out["notice"])["text"]
    log = svc.audit.log(obj)
    # before resuming, the stopped clock showed its earliest end as of the suspension day
    assert log[-1]["timer_effects"][0]["last_day_before"] == "2026-03-17"
    assert log[-1]["timer_effects"][0]["last_day"] == "2026-03-23"


def test_suspend_refused_once_the_clock_expired(svc):
    _, obj = accepted_objection(svc)
    svc.sweep.run_once(at("2026-03-17 00:00"))
    refused(svc, "OBJ-CLOCK", act, svc, obj, "suspend", "alice", "2026-03-17 10:00", reason="testing")


def test_uphold_with_four_eyes_adjusts_the_evaluation(svc):
    ev, obj = accepted_objection(svc)
    assert "score" in bad(svc, act, svc, obj, "propose_uphold", "carol", "2026-03-02 10:00", findings="x").message
    act(svc, obj, "propose_uphold", "carol", "2026-03-02 10:00", score="81", findings="两项扣分缺少依据")
    refused(svc, "FOUR-EYES", act, svc, obj, "approve", "carol", "2026-03-02 11:00")
    refused(svc, "ROLE", act, svc, obj, "approve", "alice", "2026-03-02 11:00")
    refused(svc, "READ-ONLY", act, svc, obj, "approve", "audrey", "2026-03-02 11:00")
    assert svc.cases.actions(obj, "carol") == ["withdraw", "correct_notice", "assign", "attach", "notice_served"]  # carol approves too
    assert svc.cases.actions(obj, "bob") == ["approve", "return", "assign", "attach", "notice_served"]  # either role records service
    out = act(svc, obj, "approve", "bob", "2026-03-02 11:00")
    assert out["state"] == "upheld" and out["parent"]["state"] == "final"
    show = svc.cases.show(ev)
    assert (show["score"], show["grade"]) == ("81.00", "B")
    assert show["data"]["previous"] == {"score": "78.50", "grade": "C"}
    assert svc.documents.show(out["parent"]["notice"])["title"] == "信用评价结果更正告知书"
    decided = svc.documents.show(out["notice"])["text"]
    assert "异议成立" in decided and "81" in decided and "行政复议" not in decided
    assert svc.cases.show(obj)["timers"][0]["status"] == "stopped"
    refused(svc, "OBJ-DECIDED", objection, svc, ev, when="2026-03-03 09:00", received="2026-03-03")


def test_return_then_dismiss(svc):
    ev, obj = accepted_objection(svc)
    act(svc, obj, "propose_dismiss", "alice", "2026-03-02 10:00", findings="扣分依据充分")
    assert "reason" in bad(svc, act, svc, obj, "return", "bob", "2026-03-02 11:00").message
    out = act(svc, obj, "return", "bob", "2026-03-02 11:00", reason="请补充现场检查记录")
    assert out["state"] == "under_review"
    data = svc.cases.show(obj)["data"]
    assert data["proposal"] is None and data["returned"][0]["returned_by"] == "bob"
    act(svc, obj, "propose_dismiss", "alice", "2026-03-03 10:00", findings="补充记录后确认扣分依据充分")
    out = act(svc, obj, "approve", "carol", "2026-03-03 11:00")
    assert out["state"] == "dismissed" and out["parent"]["state"] == "final"
    assert svc.cases.show(ev)["grade"] == "C"
    text = svc.documents.show(out["notice"])["text"]
    assert "异议不成立" in text and "行政复议" in text and "郑州市人民政府" in text


@pytest.mark.parametrize("stage", ["received", "under_review", "suspended", "dismiss_proposed"])
def test_withdraw_from_every_active_state(svc, stage):
    ev = publish(svc)["case_id"]
    obj = objection(svc, ev)["case_id"]
    if stage != "received":
        act(svc, obj, "accept", "alice", "2026-02-25 10:00")
    if stage == "suspended":
        act(svc, obj, "suspend", "alice", "2026-02-26 10:00", reason="appraisal")
    if stage == "dismiss_proposed":
        act(svc, obj, "propose_dismiss", "alice", "2026-02-26 10:00", findings="依据充分")
    assert svc.cases.show(obj)["state"] == stage
    out = act(svc, obj, "withdraw", "alice", "2026-02-27 10:00", statement="申请人书面申请撤回异议")
    assert out["state"] == "withdrawn" and out["parent"]["state"] == "published"  # the window runs on
    assert svc.cases.show(ev)["timers"][0]["last_day"] == "2026-03-05"
    refused(svc, "TRIGGER", act, svc, obj, "accept", "alice", "2026-02-27 11:00")


def test_handling_expiry_flags_overdue_and_supervises_without_deciding(svc):
    _, obj = accepted_objection(svc)
    out = svc.sweep.run_once(at("2026-03-17 00:00"))
    assert [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]] == [(obj, "handling_overdue", "under_review")]
    show = svc.cases.show(obj)
    assert show["overdue"] and show["state"] == "under_review"
    supervision = svc.documents.show(show["notices"][-1]["number"])
    assert supervision["audience"] == "approvers" and supervision["title"] == "异议处理超期督办通知"
    assert [c["id"] for c in svc.cases.list(overdue=True)] == [obj]
    act(svc, obj, "propose_dismiss", "alice", "2026-03-17 10:00", findings="依据充分")
    act(svc, obj, "approve", "bob", "2026-03-17 11:00")
    assert not svc.cases.show(obj)["overdue"]


def test_stale_version_is_a_conflict_and_changes_nothing(svc):
    ev, obj = accepted_objection(svc)
    before = counts(svc)
    with frozen_at(at("2026-02-26 10:00")), pytest.raises(Conflict):
        svc.cases.act(obj, "propose_dismiss", "alice", {"findings": "x"}, expected_version=1)
    assert counts(svc) == before
    with frozen_at(at("2026-02-26 10:00")):
        assert svc.cases.act(obj, "propose_dismiss", "alice", {"findings": "x"}, expected_version=2)["version"] == 3


def test_document_numbers_are_gapless_per_series_and_year(svc):
    ev, obj = accepted_objection(svc)
    refused(svc, "TRIGGER", act, svc, obj, "accept", "alice", "2026-02-25 11:00")
    act(svc, obj, "suspend", "alice", "2026-02-26 10:00", reason="testing")
    with svc.db.connect() as conn:
        rows = conn.execute(select(notices.c.series, notices.c.seq).order_by(notices.c.id)).all()
    by_series = {}
    for series, seq in rows:
        by_series.setdefault(series, []).append(seq)
    assert by_series == {"信评": [1], "信评记": [1], "信异": [1, 2, 3]}


def test_case_list_sorted_by_urgency_and_due_within(svc):
    ev1 = publish(svc)["case_id"]
    from states.identifiers import uscc_check_char

    pharmacy = "91410100MA0000002" + uscc_check_char("91410100MA0000002")
    sid2 = str(svc.deployment.add_subject("郑州市某大药房", "pharmacy", pharmacy, None)["id"])  # published: window runs
    ev2 = publish(svc, when="2026-02-02 09:00", subject=sid2)["case_id"]
    with frozen_at(at("2026-02-10 09:00")):
        listed = svc.cases.list(kind="evaluation")
        assert [c["id"] for c in listed] == [ev2, ev1]
        assert [c["id"] for c in svc.cases.list(due_within=8)] == []  # its window ends 02-28, the 9th working day
        assert [c["id"] for c in svc.cases.list(due_within=9)] == [ev2]
        assert [c["id"] for c in svc.cases.list(limit=1)] == [ev2]  # the most urgent first
        assert listed[0]["next_deadline"]["name"] == "objection_window"
    with pytest.raises(BadInput):
        svc.cases.list(due_within=0)
    with pytest.raises(BadInput, match="--limit"):
        svc.cases.list(limit=0)


def test_log_rows_chain(svc):
    ev, obj = accepted_objection(svc)
    log = svc.audit.log(obj)
    assert [e["seq"] for e in log] == [1, 2]
    assert log[0]["prev_hash"] == "" and log[1]["prev_hash"] == log[0]["hash"]
    assert log[0]["from_state"] is None and log[0]["to_state"] == "received"
    assert log[0]["rules"] and all(r["article"] for r in log[0]["rules"])
    parent_log = svc.audit.log(ev)
    assert parent_log[1]["inputs"]["caused_by"] == {"case": obj, "kind": "objection", "seq": 1, "trigger": "open"}
