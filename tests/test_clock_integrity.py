"""Nobody forges the clock: system transitions only from the sweep, a timer only through its own
`on_expiry` and only once due, `sweep --as-of` never ahead of the clock; and the production path
read through the real (frozen) system clock with freezegun."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from conftest import HOSPITAL_USCC, at, publish
from states import NEW, PROCEDURES
from workflows.clock import frozen_at
from workflows.engine import Request
from workflows.errors import BadInput, Refused
from workflows.services import Services
from workflows.store.tables import cases, notices, timers, transitions


def _counts(svc):
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (cases, transitions, notices, timers))


def _states(svc) -> dict:
    """A case in every state the fixture story reaches, by (kind, state)."""
    sid = str(svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"])
    found = {}
    with frozen_at(at("2026-02-06 09:00")):
        ev = publish(svc, sid, 2025, "78.5", "alice")["case_id"]
        found[("evaluation", "published")] = publish(svc, sid, 2024, "91", "alice")["case_id"]  # no objection
    with frozen_at(at("2026-02-25 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": "2026-02-24",
                                                    "materials": "异议申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
    found[("evaluation", "under_objection")] = ev
    found[("objection", "received")] = obj
    # 失信 records (states/record.py): one disclosed, one withdrawn (revoked)
    with frozen_at(at("2026-02-25 09:00")):
        for n in (1, 2):
            found[("record", "disclosed" if n == 1 else "withdrawn")] = svc.cases.open("record", "alice", {
                "category": "fraudulent_billing", "determined": "2026-02-24", "disclosure_months": 6,
                "facts": "虚构医药服务项目结算医保基金"}, subject=sid)["case_id"]
        svc.cases.act(found[("record", "withdrawn")], "revoke", "alice", {"basis": "行政复议决定书"})
    return found


def _system_triggers():
    for kind, proc in PROCEDURES.items():
        for trigger in dict.fromkeys(t.trigger for t in proc.transitions if t.role == "system"):
            yield kind, trigger


SYSTEM_TRIGGERS = list(_system_triggers())


def _case_for(svc, found, kind, trigger):
    proc = PROCEDURES[kind]
    sources = {s for t in proc.transitions if t.trigger == trigger for s in t.source}
    for (k, state), case_id in found.items():
        if k == kind and (state in sources or NEW in sources):  # an opening trigger: on any case of the kind
            return case_id
    # a state the fixture has not reached (e.g. completion_requested): get there through the services
    if kind == "objection" and "completion_requested" in sources:
        with frozen_at(at("2026-02-25 10:00")):
            svc.cases.act(found[("objection", "received")], "request_completion", "alice", {"missing": "证明材料"})
        found[("objection", "completion_requested")] = found.pop(("objection", "received"))
        return found[("objection", "completion_requested")]
    if kind == "repair" and not any(k == "repair" for k, _ in found):
        _repairs(svc, found)
        return _case_for(svc, found, kind, trigger)
    if kind == "rectification" and not any(k == "rectification" for k, _ in found):
        _rectifications(svc, found)
        return _case_for(svc, found, kind, trigger)
    if kind in ("fraud", "penalty_decision") and not any(k == kind for k, _ in found):
        _frauds(svc, found)
        return _case_for(svc, found, kind, trigger)
    if kind in ("transfer", "referral"):
        # a fraud case's transfer (or referral), driven to the first state the trigger is declared from
        path = _TRANSFER_PATHS if kind == "transfer" else _REFERRAL_PATHS
        state = next(s for s in path if s in sources or NEW in sources)
        return _fraud_child(svc, found, kind, state)
    raise AssertionError(f"no fixture case for {kind}.{trigger}: extend _case_for")


def _repairs(svc, found) -> None:
    """Two credit repairs (states/repair.py), each on a 失信 record of its own determined on 2025-08-01 (Henan
    measure as written: 6 months' wait, so repair may be applied for from 2026-02-02; disclosed to 2026-08-01;
    categories other than the fixture's later records, so Art. 39(2) bars neither): one accepted (its decision
    period of 15 working days running), one approved (its public notice of 5 working days running)."""
    full = "application_form,commitment,proof"
    with frozen_at(at("2026-02-25 09:00")):
        records = [svc.cases.open("record", "alice", {
            "category": category, "determined": "2025-08-01", "disclosure_months": 12, "severity": "general",
            "facts": facts, "basis": "郑医保罚〔2025〕21号"}, subject=HOSPITAL_USCC)["case_id"]
            for category, facts in (("excessive_charges", "2025年7月超标准收取诊查费46笔"),
                                    ("duplicate_charges", "2025年7月重复收取静脉输液费31笔"))]
        repairs = [svc.cases.open("repair", "alice", {"received": "2026-02-25", "materials": full},
                                  parent=record)["case_id"] for record in records]
    with frozen_at(at("2026-02-25 09:30")):
        for repair in repairs:
            svc.cases.act(repair, "accept", "alice", {})
    with frozen_at(at("2026-02-25 10:00")):
        svc.cases.act(repairs[1], "propose_approve", "alice", {"findings": "已退回违规费用并完成整改"})
    with frozen_at(at("2026-02-25 10:30")):
        svc.cases.act(repairs[1], "approve", "bob", {})
    found[("repair", "under_review")], found[("repair", "public_notice")] = repairs
    for repair, timer in zip(repairs, ("decision", "public_notice")):
        assert _timer(svc, repair, timer).status == "running", (repair, timer)


def _rectifications(svc, found) -> None:
    """Three interview-and-rectification cases (states/rectification.py) of the fixture's hospital, each opened by a
    handler for a violation, with its clock running on 2026-02-25 11:00: one notified of its interview (to
    2 March), one ordered to rectify on 12 February (15 working days, to 11 March), one told of the intended
    sanction after two rounds with no-shows (5 working days, to 3 March)."""
    interview = {"place": "郑州市医疗保障局三楼约谈室", "matters": "通报检查发现的问题，听取情况说明", "attendees": "法定代表人"}

    def open_(when):
        with frozen_at(at(when)):
            return svc.cases.open("rectification", "alice", {"reason": "violation", "facts": "2025年重复收取诊查费31笔"},
                                  subject=HOSPITAL_USCC)["case_id"]

    def act(case, trigger, when, **inputs):
        with frozen_at(at(when)):
            svc.cases.act(case, trigger, "alice", inputs)

    defence = open_("2026-01-05 09:00")
    act(defence, "notify_interview", "2026-01-05 10:00", interview_on="2026-01-08", **interview)
    act(defence, "no_show", "2026-01-08 16:00")
    act(defence, "notify_interview", "2026-01-09 10:00", interview_on="2026-01-14", **interview)
    act(defence, "no_show", "2026-01-14 16:00")
    act(defence, "notify_defence", "2026-02-25 09:20", sanction="penalty_referral")
    rectifying = open_("2026-02-09 09:00")
    act(rectifying, "notify_interview", "2026-02-09 10:00", interview_on="2026-02-12", **interview)
    act(rectifying, "record_interview", "2026-02-12 10:00", record="法定代表人到场，承认问题属实")
    act(rectifying, "order_rectification", "2026-02-12 11:00", matters="退回违规收取的费用")
    notified = open_("2026-02-25 09:00")
    act(notified, "notify_interview", "2026-02-25 09:10", interview_on="2026-03-02", **interview)
    found[("rectification", "interview_notified")] = notified
    found[("rectification", "rectifying")] = rectifying
    found[("rectification", "defence")] = defence
    for case, timer in ((notified, "interview"), (rectifying, "rectification"), (defence, "defence")):
        assert _timer(svc, case, timer).status == "running", (case, timer)


def _frauds(svc, found) -> None:
    """Three fraud cases (states/fraud.py) of the fixture's hospital, each with its clock running on 2026-02-25 11:00: a
    clue registered that day (its filing decision, 15 working days), a case filed on 2026-02-03 (its 90 days), and a
    case whose penalty (decided on 2026-01-15 after the advance notice's period ran out) was served on 2026-01-16 (the
    penalty decision's 6 months to challenge it)."""
    def act(case, trigger, actor, when, **inputs):
        with frozen_at(at(when)):
            return svc.cases.act(case, trigger, actor, inputs)

    def clue(when):
        with frozen_at(at(when)):
            return svc.cases.open("fraud", "alice", {"source": "monitoring", "facts": "智能监控发现虚构住院病历"},
                                  subject=HOSPITAL_USCC)["case_id"]

    def filed(opened, day):
        case = clue(f"{opened} 09:00")
        act(case, "propose_file", "alice", f"{opened} 10:00", findings="线索具体，符合立案标准")
        act(case, "approve", "bob", f"{day} 10:00")
        act(case, "assign_officers", "alice", f"{day} 11:00", officers="张敏,刘洋")
        return case

    penalised = filed("2026-01-05", "2026-01-05")
    act(penalised, "notify_intended_penalty", "alice", "2026-01-06 10:00", penalty="责令退回并处2倍罚款", facts="虚构住院病历")
    with frozen_at(at("2026-01-14 00:00")):
        svc.sweep.fire_case(penalised, at("2026-01-14 00:00"))  # the 5 working days ran out on 2026-01-13
    act(penalised, "propose_outcomes", "alice", "2026-01-15 10:00", outcomes="penalty", suspected_crime="false",
        findings="虚构住院病历骗取医保基金2万元", amount="20000", fine_multiple="2", category="fictitious_services",
        address="郑州市金水区示例路1号")
    (penalty,) = [o["case_id"] for o in act(penalised, "approve", "bob", "2026-01-15 15:00")["opened"]]
    act(penalty, "serve_decision", "alice", "2026-01-16 10:00", method="direct")
    investigating = filed("2026-02-02", "2026-02-03")
    found[("fraud", "clue")] = clue("2026-02-25 09:00")
    found[("fraud", "investigating")] = investigating
    found[("fraud", "decided")] = penalised
    found[("penalty_decision", "served")] = penalty
    for case, timer in ((found[("fraud", "clue")], "filing_decision"), (investigating, "case_deadline"),
                        (penalty, "challenge")):
        assert _timer(svc, case, timer).status == "running", (case, timer)


# The steps that lead a fraud case's transfer or referral (opened by the fraud case's decision on 2026-02-24) to each
# state a system trigger is declared from, on 2026-02-25 before 11:00; the clock each state runs.
_TRANSFER_TEAM = {"team": "张敏,刘洋", "report": "经核实涉嫌诈骗罪，建议移送公安机关"}
_TRANSFER_PATHS = {
    "opened": ((), None),
    "reported": ((("report", "alice", _TRANSFER_TEAM),), "approval"),
    "approved": ((("report", "alice", _TRANSFER_TEAM), ("approve_transfer", "bob", {})), "transfer"),
    "police_reviewing": ((("report", "alice", _TRANSFER_TEAM), ("approve_transfer", "bob", {}),
                          ("send", "alice", {"enclosures": "transfer_letter,investigation_report,items_list,appraisal,"
                                                           "other_material"}),
                          ("receipt_signed", "alice", {"signed_on": "2026-02-25"})), "police_review"),
}
_DECLINED = (*_TRANSFER_PATHS["police_reviewing"][0],
             ("police_declined", "alice", {"notified_on": "2026-02-25", "reasons": "不认为有犯罪事实"}))
_RECONSIDERATION = (*_DECLINED, ("ask_reconsideration", "alice", {"grounds": "病历系伪造"}))
_TRANSFER_PATHS.update({
    "declined": (_DECLINED, "reconsideration_request"),
    "reconsideration": (_RECONSIDERATION, "reconsideration_answer"),
    "reconsideration_declined": ((*_RECONSIDERATION, ("reconsideration_declined", "alice", {
        "notified_on": "2026-02-25", "reasons": "复议仍不予立案"})), "procuratorate_request"),
    "filed": ((*_TRANSFER_PATHS["police_reviewing"][0], ("police_filed", "alice", {"notified_on": "2026-02-25"})),
              "handover"),
})
_REFERRAL_PATHS = {
    "opened": ((), None),
    "sent": ((("send", "alice", {"materials": "举报材料复印件"}),), "answer"),
}


def _fraud_child(svc, found, kind, state) -> int:
    """A fraud case of the fixture's hospital (states/fraud.py) filed on 2026-02-03 whose review meeting of 2026-02-24
    decides a police transfer and a discipline transfer: its `kind` child, driven to `state` (its clock running)."""
    def act(case, trigger, actor, when, inputs):
        with frozen_at(at(when)):
            return svc.cases.act(case, trigger, actor, inputs)

    with frozen_at(at("2026-02-02 09:00")):
        fraud = svc.cases.open("fraud", "alice", {"source": "inspection_special", "facts": "专项检查发现虚构住院病历"},
                               subject=HOSPITAL_USCC)["case_id"]
    act(fraud, "propose_file", "alice", "2026-02-02 10:00", {"findings": "线索具体"})
    act(fraud, "approve", "bob", "2026-02-03 10:00", {})
    act(fraud, "propose_outcomes", "alice", "2026-02-24 10:00", {
        "outcomes": "police_transfer,discipline_transfer", "suspected_crime": "true", "findings": "涉嫌诈骗罪",
        "police_organ": "郑州市公安局", "crime_facts": "诈骗罪：虚构住院病历骗取医保基金38.6万元", "amount": "386000",
        "discipline_body": "郑州市纪律检查委员会", "matters": "院长授意虚构住院病历，涉嫌职务违法"})
    opened = act(fraud, "approve", "bob", "2026-02-24 11:00", {})["opened"]
    (case,) = [o["case_id"] for o in opened if o["kind"] == kind]
    steps, clock = (_TRANSFER_PATHS if kind == "transfer" else _REFERRAL_PATHS)[state]
    for n, (trigger, actor, inputs) in enumerate(steps):
        act(case, trigger, actor, f"2026-02-25 09:{n * 5:02d}", inputs)
    if clock is not None:
        assert _timer(svc, case, clock).status == "running", (kind, state, clock)
    found[(kind, state)] = case
    return case


def test_every_system_trigger_is_covered():
    # A new procedure's system triggers must be reachable by the test below (it fails loudly otherwise).
    assert {("evaluation", "window_expired"), ("objection", "handling_overdue"),
            ("objection", "completion_expired"), ("repair", "decision_overdue"),
            ("repair", "public_notice_expired")} <= set(SYSTEM_TRIGGERS)


@pytest.mark.parametrize(("kind", "trigger"), SYSTEM_TRIGGERS)
def test_no_person_fires_a_system_trigger_by_any_route(svc, kind, trigger):
    found = _states(svc)
    case_id = _case_for(svc, found, kind, trigger)
    before = _counts(svc)
    for actor in ("alice", "bob", "carol", "system"):
        with frozen_at(at("2026-02-25 11:00")), pytest.raises(Refused) as info:
            svc.cases.act(case_id, trigger, actor, {})
        assert info.value.code in ("CLOCK-SYSTEM-TRIGGER", "CLOCK-ACTOR"), (actor, info.value.code)
        assert info.value.article.startswith("creditflow policy")
    # The engine itself, handed a request that claims no timer, refuses as well.
    with svc.uow() as uow, frozen_at(at("2026-02-25 11:00")), pytest.raises(Refused):
        svc.engine.advance(uow.conn, case_id, Request(trigger, "system", {}))
    assert _counts(svc) == before


def test_system_is_not_a_user_for_any_trigger(svc):
    found = _states(svc)
    with frozen_at(at("2026-02-25 11:00")), pytest.raises(Refused) as info:
        svc.cases.act(found[("objection", "received")], "accept", "system", {})
    assert info.value.code == "CLOCK-ACTOR"


def test_the_cli_refuses_system_triggers_with_exit_3(svc, db_url, tmp_path, monkeypatch, capsys):
    from workflows.cli import main

    found = _states(svc)
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)
    before = _counts(svc)
    ev = found[("evaluation", "under_objection")]
    for actor in ("system", "carol"):
        with pytest.raises(SystemExit) as code:
            main(["case", "act", str(ev), "objection_closed", "--as", actor, "--json"])
        assert code.value.code == 3
        err = json.loads(capsys.readouterr().out)["error"]
        assert err["code"] in ("CLOCK-ACTOR", "CLOCK-SYSTEM-TRIGGER") and err["article"]
    assert _counts(svc) == before


def _timer(svc, case_id, name):
    with svc.db.connect() as conn:
        return conn.execute(select(timers).where(timers.c.case_id == case_id, timers.c.name == name)).one()


def test_a_timer_fires_only_when_due_and_only_through_its_own_expiry(svc):
    found = _states(svc)
    obj = found[("objection", "received")]
    handling = _timer(svc, obj, "handling")
    before = _counts(svc)
    # handling_overdue on day 0 of 15: refused, even with the timer named
    with svc.uow() as uow, frozen_at(at("2026-02-25 12:00")), pytest.raises(Refused) as info:
        svc.engine.advance(uow.conn, obj, Request("handling_overdue", "system", {}, fired_timer=handling.id))
    assert info.value.code == "CLOCK-NOT-DUE"
    # a due timer consumed by another trigger than its on_expiry: refused
    with svc.uow() as uow, frozen_at(at("2026-04-01 00:00")), pytest.raises(Refused) as info:
        svc.engine.advance(uow.conn, obj, Request("completion_expired", "system", {}, fired_timer=handling.id))
    assert info.value.code in ("CLOCK-WRONG-TIMER", "TRIGGER")
    assert _counts(svc) == before
    # a sweep before the due instant fires nothing
    assert [f for f in svc.sweep.run_once(at("2026-03-16 23:59:59"))["fired"] if f["case_id"] == obj] == []
    assert [f["trigger"] for f in svc.sweep.run_once(at("2026-03-17 00:00"))["fired"] if f["case_id"] == obj] == \
        ["handling_overdue"]


def test_sweep_may_not_run_ahead_of_the_clock(svc):
    _states(svc)
    strict = Services(svc.db, replace(svc.settings, allow_clock_override=False), svc.registry)
    future = datetime.now(timezone.utc) + timedelta(days=30)
    before = _counts(svc)
    with pytest.raises(BadInput) as info:
        strict.sweep.run_once(future)
    assert info.value.code == "as_of_in_future"
    assert _counts(svc) == before


def test_sweep_ahead_with_override_marks_every_row_overridden(svc):
    found = _states(svc)
    obj = found[("objection", "received")]
    # the real clock is earlier: sweeping as of a later instant runs with the clock set to that instant
    with freeze_time("2026-03-01 00:00:00"):
        out = svc.sweep.run_once(at("2026-03-17 00:00"))
    assert obj in [f["case_id"] for f in out["fired"]]
    log = svc.audit.log(obj)[-1]
    assert log["trigger"] == "handling_overdue" and log["clock_overridden"] is True
    notice = svc.documents.show(log["notice_number"])
    assert notice["issued_at"].startswith("2026-03-17")  # dated when produced: the overridden clock


# -- the production path, on the real clock (frozen by freezegun) ------------------------------------------

def _published_2026_02_06(svc) -> int:
    sid = str(svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"])
    with freeze_time("2026-02-06 01:00:00"):  # 09:00 Asia/Shanghai
        return publish(svc, sid, 2025, "78.5", "alice")["case_id"]


def test_sweep_without_as_of_reads_the_system_clock(svc):
    ev = _published_2026_02_06(svc)
    with freeze_time("2026-03-05 15:59:59"):  # 23:59:59 on the last day: not yet
        assert svc.sweep.run_once()["fired"] == []
    with freeze_time("2026-03-05 16:00:01"):  # 00:00:01 the day after
        out = svc.sweep.run_once()
    assert [(f["case_id"], f["state"]) for f in out["fired"]] == [(ev, "final")]
    log = svc.audit.log(ev)[-1]
    assert log["clock_overridden"] is False and log["effective_at"].startswith("2026-03-06T00:00:00")


def test_late_sweep_on_the_system_clock_is_never_backdated(svc):
    ev = _published_2026_02_06(svc)
    with freeze_time("2026-03-12 02:00:00"):  # six days late, 10:00 Asia/Shanghai
        svc.sweep.run_once()
    log = svc.audit.log(ev)[-1]
    assert log["effective_at"].startswith("2026-03-06T00:00:00")  # the legal effect: the due instant
    assert log["recorded_at"].startswith("2026-03-12")
    notice = svc.documents.show(log["notice_number"])
    assert notice["issued_at"].startswith("2026-03-12")  # dated the day it was produced
    assert "2026年3月12日" in notice["text"]
    subject = svc.deployment.show_subject(HOSPITAL_USCC)
    assert [e["determined_on"] for e in subject["archive"]] == ["2026-03-06"]


def test_reminders_on_the_system_clock(svc):
    ev = _published_2026_02_06(svc)
    with freeze_time("2026-02-25 01:00:00"):
        obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": "2026-02-24",
                                                    "materials": "异议申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
        svc.cases.act(obj, "accept", "alice", {})
    remind_at = _timer(svc, obj, "handling").remind_at  # 3 working days before 2026-03-16
    assert remind_at.astimezone(at("2026-01-01 00:00").tzinfo).date().isoformat() == "2026-03-11"
    with freeze_time(remind_at - timedelta(seconds=1)):
        assert svc.sweep.run_once()["reminded"] == []
    with freeze_time(remind_at + timedelta(minutes=1)):
        out = svc.sweep.run_once()
    assert [r["case_id"] for r in out["reminded"]] == [obj]
    with freeze_time(remind_at + timedelta(hours=1)):
        assert svc.sweep.run_once()["reminded"] == []  # once per deadline


def test_the_served_start_up_sweep_reads_the_system_clock(svc, db_url, tmp_path, monkeypatch):
    """`creditflow serve` sweeps at start-up through the `sweep-deadlines` flow with no `as_of`."""
    from workflows import flows

    ev = _published_2026_02_06(svc)
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)
    monkeypatch.setattr(flows, "get_run_logger", lambda: logging.getLogger("test-flow"))
    with freeze_time("2026-03-04 02:00:00"):
        assert flows.sweep_deadlines.fn()["fired"] == 0
    with freeze_time("2026-03-09 02:00:00"):
        summary = flows.sweep_deadlines.fn()
    assert summary["fired"] == 1 and summary["as_of"].startswith("2026-03-09")
    assert svc.cases.show(ev)["state"] == "final"
    assert svc.audit.log(ev)[-1]["clock_overridden"] is False
