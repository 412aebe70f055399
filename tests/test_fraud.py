"""Fraud cases (欺诈骗保案件, states/fraud.py) and their penalty decisions (states/penalty_decision.py), on SQLite
and PostgreSQL (docs/rules.md §6): the clue and its filing decision (15 working days, extended once), the
90-day case deadline (extended, suspended for a hearing), two or more officers, recusal, evidence and 先行登记保存,
the advance notice with its 5 working days, the hearing (7 working days ahead, a chair who did not investigate),
the review meeting's outcomes with the fine's multiple, the legal review and the collective discussion of a major
decision, Order 310 Art. 11 (no penalty in place of a due transfer), the children opened in the same transaction,
the penalty decision's service, challenge period and the record it becomes, the reporter sealed out of every notice,
and `close` refused while a child is open."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from calendars import compute
from calendars.periods import add_months
from conftest import (HOSPITAL_USCC, PERSON_ID, act_at as act, assert_person_masked_outside, at, capture_notice_contexts,
                      refused_at as refused, stored_counts as counts)
from workflows.clock import frozen_at
from workflows.demo import demo_id_number
from workflows.errors import BadInput, Refused
from workflows.store.tables import archive_entries, cases, notices, transitions

INSURED_ID = demo_id_number("19620118", "015")
REPORTER_ID = demo_id_number("19800305", "021")
FACTS = "智能监控发现该院2026年5月为未住院的参保人虚构住院病历38份，结算医保基金46.2万元"
FINDINGS = "经查，该院伪造住院病历38份、虚构医药服务项目，骗取医保基金462,000元，事实清楚，证据确凿"
OFFICERS = "alice,dave"


# -- helpers -------------------------------------------------------------------------------------------------

def subject(svc, key: str = "hospital") -> str:
    rows = {"hospital": ("郑州市示例医院", "hospital", HOSPITAL_USCC, None),
            "insured": ("王秀英", "insured", None, INSURED_ID),
            "practitioner": ("李建华", "practitioner", None, PERSON_ID),
            "reporter": ("赵举报", "insured", None, REPORTER_ID)}
    name, kind, uscc, id_number = rows[key]
    try:
        svc.deployment.add_subject(name, kind, uscc, id_number)
    except BadInput:  # registered by an earlier call
        pass
    return uscc or id_number










def show(svc, case) -> dict:
    return svc.cases.show(case)


def timer(svc, case, name) -> dict:
    return next(t for t in show(svc, case)["timers"] if t["name"] == name)


def text(svc, number) -> str:
    return svc.documents.show(number)["text"]


def notice(svc, case, title) -> dict:
    number = [n["number"] for n in show(svc, case)["notices"] if n["title"] == title][-1]
    return svc.documents.show(number)


def titles(svc, case) -> list[str]:
    return [n["title"] for n in show(svc, case)["notices"]]


def wd(cal, start: date, n: int) -> date:
    return compute(cal, start, "working_days", n).last_day


def days(cal, start: date, n: int) -> date:
    return compute(cal, start, "days", n).last_day


def children(svc, case) -> dict:
    return {c["kind"]: c for c in show(svc, case)["children"]}


def clue(svc, key="hospital", when="2026-06-01 09:00", **extra) -> int:
    inputs = {"source": "monitoring", "facts": FACTS, **extra}
    with frozen_at(at(when)):
        return svc.cases.open("fraud", "alice", inputs, subject=subject(svc, key))["case_id"]


def filed(svc, key="hospital", **extra) -> int:
    """A clue of 2026-06-01, proposed for filing on 06-03 and filed on 06-04 (the 90 days run from 06-04)."""
    case = clue(svc, key, **extra)
    act(svc, case, "propose_file", "alice", "2026-06-03 10:00", findings="线索具体，涉嫌骗取医保基金，符合立案标准")
    act(svc, case, "approve", "bob", "2026-06-04 10:00")
    return case


def investigated(svc, key="hospital", **extra) -> int:
    case = filed(svc, key, **extra)
    act(svc, case, "assign_officers", "alice", "2026-06-05 09:00", officers=OFFICERS)
    act(svc, case, "add_evidence", "alice", "2026-06-10 10:00", what="住院病历38份、结算单据38份", collected_by="alice",
        collected_on="2026-06-10")
    return case


def notified(svc, key="hospital", **extra) -> int:
    """… the advance notice on 2026-07-01 (Wednesday): 5 working days, to 2026-07-08."""
    case = investigated(svc, key, **extra)
    act(svc, case, "notify_intended_penalty", "alice", "2026-07-01 10:00",
        penalty="责令退回骗取的医保基金462,000元，处骗取金额3倍的罚款1,386,000元，暂停住院部6个月涉及医保基金使用的医药服务",
        facts=FINDINGS)
    return case


def lapsed(svc, key="hospital", **extra) -> int:
    """… no hearing asked for: the period ends at 24:00 on 2026-07-08 and the sweep records it."""
    case = notified(svc, key, **extra)
    svc.sweep.run_once(at("2026-07-09 00:00"))
    return case


PENALTY = {"outcomes": "penalty", "findings": FINDINGS, "suspected_crime": "false", "amount": "462000",
           "fine_multiple": "3", "category": "fictitious_services", "address": "郑州市金水区示例路1号"}
MAJOR = {**PENALTY, "suspend_months": "6",
         "discussion": "2026年7月10日局长办公会集体讨论：同意按骗取金额3倍处罚款，暂停住院部医药服务6个月"}
TRANSFER = {"outcomes": "penalty,police_transfer", "suspected_crime": "true", "police_organ": "郑州市公安局",
            "crime_facts": "涉嫌诈骗罪：伪造住院病历骗取医保基金462,000元"}


def decided(svc, key="hospital", outcomes=None, **extra) -> int:
    """… outcomes proposed on 2026-07-10, reviewed by carol, approved by bob on 2026-07-13."""
    case = lapsed(svc, key, **extra)
    act(svc, case, "propose_outcomes", "alice", "2026-07-10 10:00", **(outcomes or MAJOR))
    act(svc, case, "legal_review", "carol", "2026-07-13 09:00", opinion="事实清楚，证据确凿，适用依据正确，程序合法",
        result="passed")
    act(svc, case, "approve", "bob", "2026-07-13 10:00")
    return case


# -- the clue and the filing decision ----------------------------------------------------------------------------

def test_a_clue_is_registered_and_its_filing_decision_runs_fifteen_working_days(svc, cal):
    case = clue(svc)
    shown = show(svc, case)
    assert (shown["state"], shown["source"], shown["reported"]) == ("clue", "monitoring", False)
    t = timer(svc, case, "filing_decision")
    assert (t["last_day"], t["side"]) == (wd(cal, date(2026, 6, 1), 15).isoformat(), "agency")
    assert titles(svc, case) == ["欺诈骗保线索登记表"]
    # extended once by an approver: +15 working days, never twice
    refused(svc, case, "extend_filing", "alice", "2026-06-10 10:00", reason="需调取外地病历")
    act(svc, case, "extend_filing", "bob", "2026-06-10 10:00", reason="需调取外地病历")
    assert timer(svc, case, "filing_decision")["last_day"] == wd(cal, date(2026, 6, 1), 30).isoformat()
    assert refused(svc, case, "extend_filing", "bob", "2026-06-11 10:00", reason="再次延长").code == "FRAUD-EXTEND"
    # the extended period passes: flagged to the approvers, nothing decided
    last = wd(cal, date(2026, 6, 1), 30)
    out = svc.sweep.run_once(at(f"{last + timedelta(days=1)} 00:00"))
    assert (case, "filing_overdue") in [(f["case_id"], f["trigger"]) for f in out["fired"]]
    assert show(svc, case)["overdue"] and show(svc, case)["state"] == "clue"
    assert "立案核查期限已于" in notice(svc, case, "立案核查期限届满督办通知")["text"]


def test_filing_and_no_filing_are_decided_by_another_person(svc, cal):
    case = clue(svc)
    act(svc, case, "propose_file", "alice", "2026-06-03 10:00", findings="符合立案标准")
    assert refused(svc, case, "approve", "alice", "2026-06-03 11:00").code == "ROLE"
    act(svc, case, "return", "bob", "2026-06-03 15:00", reason="请补充调取结算明细")
    assert show(svc, case)["state"] == "clue"
    act(svc, case, "propose_file", "carol", "2026-06-04 09:00", findings="结算明细已调取，符合立案标准")
    assert refused(svc, case, "approve", "carol", "2026-06-04 10:00").code == "FOUR-EYES"
    out = act(svc, case, "approve", "bob", "2026-06-04 10:00")
    assert out["state"] == "investigating"
    assert timer(svc, case, "filing_decision")["status"] == "stopped"
    t = timer(svc, case, "case_deadline")
    assert (t["last_day"], t["side"]) == (days(cal, date(2026, 6, 4), 90).isoformat(), "agency")
    assert show(svc, case)["case_until"] == t["last_day"]

    other = clue(svc, when="2026-06-01 10:00")
    act(svc, other, "propose_no_case", "alice", "2026-06-05 10:00", findings="经核查，病历系真实住院，线索不实")
    out = act(svc, other, "approve", "bob", "2026-06-05 11:00")
    assert out["state"] == "no_case" and show(svc, other)["final"]
    assert titles(svc, other)[-2:] == ["不予立案审批表", "不予立案决定记录"]


# -- the case deadline -------------------------------------------------------------------------------------------

def test_the_case_deadline_is_extended_once_by_the_head_then_only_by_collective_discussion(svc, cal):
    case = filed(svc)
    base = days(cal, date(2026, 6, 4), 90)
    assert refused(svc, case, "extend_case", "alice", "2026-08-20 10:00", reason="案情复杂").code == "ROLE"
    assert refused(svc, case, "extend_case", "bob", "2026-08-20 10:00", reason="案情复杂", days="20").code == "FRAUD-EXTEND"
    act(svc, case, "extend_case", "bob", "2026-08-20 10:00", reason="涉及多家关联药店，需延伸调查")
    assert timer(svc, case, "case_deadline")["last_day"] == days(cal, date(2026, 6, 4), 120).isoformat()
    body = notice(svc, case, "办案期限延长审批记录")["text"]
    assert f"原办案期限至{base.year}年{base.month}月{base.day}日" in body and "延长30日" in body
    # a second extension needs the heads' collective discussion and its days
    err = refused(svc, case, "extend_case", "bob", "2026-09-20 10:00", reason="仍需鉴定", days="30")
    assert err.code == "FRAUD-EXTEND" and "集体讨论" in err.message
    assert refused(svc, case, "extend_case", "bob", "2026-09-20 10:00", reason="仍需鉴定", days="61",
                   discussion="局长办公会讨论同意").code == "FRAUD-EXTEND"
    act(svc, case, "extend_case", "bob", "2026-09-20 10:00", reason="仍需鉴定", days="30",
        discussion="2026年9月18日局长办公会集体讨论，同意再延长30日")
    assert timer(svc, case, "case_deadline")["last_day"] == days(cal, date(2026, 6, 4), 150).isoformat()
    assert [e["basis"] for e in show(svc, case)["data"]["extensions"]] == ["head", "collective"]


def test_a_suspension_for_a_hearing_or_appraisal_is_not_counted_and_an_overdue_case_is_flagged(svc, cal):
    case = filed(svc)
    act(svc, case, "suspend", "alice", "2026-07-06 10:00", reason="appraisal", note="委托司法鉴定病历真实性")
    assert timer(svc, case, "case_deadline")["status"] == "stopped"
    assert refused(svc, case, "suspend", "alice", "2026-07-07 10:00", reason="hearing").code == "FRAUD-SUSPENDED"
    assert refused(svc, case, "extend_case", "bob", "2026-07-08 10:00", reason="x").code == "FRAUD-SUSPENDED"
    assert refused(svc, case, "propose_outcomes", "alice", "2026-07-08 10:00", **PENALTY).code == "FRAUD-SUSPENDED"
    act(svc, case, "resume", "alice", "2026-07-16 10:00")
    # 2026-07-06 to 07-15 (10 days) are not counted: the 90 days end 10 days later
    assert timer(svc, case, "case_deadline")["last_day"] == days(cal, date(2026, 6, 4), 100).isoformat()
    assert show(svc, case)["data"]["suspensions"][0]["days"] == 10
    assert "中止期间共10日" in notice(svc, case, "办案期限恢复计算记录")["text"]
    assert refused(svc, case, "resume", "alice", "2026-07-17 10:00").code == "FRAUD-SUSPENDED"
    last = days(cal, date(2026, 6, 4), 100)
    assert [f for f in svc.sweep.run_once(at(f"{last} 23:59"))["fired"] if f["case_id"] == case] == []
    out = svc.sweep.run_once(at(f"{last + timedelta(days=1)} 00:00"))
    assert (case, "case_overdue") in [(f["case_id"], f["trigger"]) for f in out["fired"]]
    assert show(svc, case)["overdue"] and show(svc, case)["state"] == "investigating"
    # a clock that has run out is not extended any more
    assert refused(svc, case, "extend_case", "bob", f"{last + timedelta(days=1)} 10:00",
                   reason="x").code == "FRAUD-EXTEND"


# -- investigation -----------------------------------------------------------------------------------------------

def test_two_officers_recusal_and_evidence_with_its_preservation(svc, cal):
    case = filed(svc)
    assert refused(svc, case, "add_evidence", "alice", "2026-06-05 09:00", what="病历", collected_by="alice",
                   collected_on="2026-06-05").code == "FRAUD-OFFICERS"
    assert refused(svc, case, "assign_officers", "alice", "2026-06-05 09:00", officers="alice").code == "FRAUD-OFFICERS"
    assert refused(svc, case, "assign_officers", "alice", "2026-06-05 09:00",
                   officers="alice,alice").code == "FRAUD-OFFICERS"
    act(svc, case, "assign_officers", "alice", "2026-06-05 09:00", officers=OFFICERS)
    assert show(svc, case)["officers"] == ["alice", "dave"]
    assert refused(svc, case, "record_recusal", "bob", "2026-06-06 09:00", officer="erin", applicant="party",
                   decision="recused", reason="x").code == "FRAUD-RECUSAL"
    act(svc, case, "record_recusal", "bob", "2026-06-08 09:00", officer="dave", applicant="party", decision="recused",
        reason="当事人称该执法人员系其院长的近亲属，经查属实")
    assert show(svc, case)["officers"] == ["alice"]
    assert "不足两人" in notice(svc, case, "回避决定记录")["text"]
    assert refused(svc, case, "notify_intended_penalty", "alice", "2026-06-08 10:00", penalty="罚款",
                   facts="x").code == "FRAUD-OFFICERS"
    act(svc, case, "assign_officers", "alice", "2026-06-08 10:00", officers="alice,erin")

    assert refused(svc, case, "add_evidence", "alice", "2026-06-09 10:00", what="病历", collected_by="alice",
                   collected_on="2026-06-10").code == "FRAUD-EVIDENCE"
    act(svc, case, "add_evidence", "alice", "2026-06-09 10:00", what="结算明细", collected_by="erin",
        collected_on="2026-06-09")
    assert refused(svc, case, "add_evidence", "alice", "2026-06-09 11:00", what="病历原件38份", collected_by="alice",
                   collected_on="2026-06-09", preserve="yes").code == "FRAUD-PRESERVE"
    out = act(svc, case, "add_evidence", "alice", "2026-06-09 11:00", what="住院病历原件38份", collected_by="alice",
              collected_on="2026-06-09", preserve="yes", approved_by="bob")
    preserved = svc.documents.show(out["notice"])
    due = wd(cal, date(2026, 6, 9), 7)
    assert preserved["title"] == "先行登记保存证据通知书" and preserved["audience"] == "subject"
    assert f"{due.year}年{due.month}月{due.day}日前" in preserved["text"]
    assert [(e["preserved"], e["decide_by"]) for e in show(svc, case)["data"]["evidence"]] == [
        (False, None), (True, due.isoformat())]
    # the advance notice waits for the decision on preserved evidence
    assert refused(svc, case, "notify_intended_penalty", "alice", "2026-06-10 10:00", penalty="罚款",
                   facts="x").code == "FRAUD-PRESERVE"
    assert refused(svc, case, "decide_preservation", "alice", "2026-06-10 10:00", item="1",
                   decision="退还").code == "FRAUD-PRESERVE"
    act(svc, case, "decide_preservation", "alice", "2026-06-10 10:00", item="2",
        decision="病历原件经复制、当事人签字确认后退还")
    assert refused(svc, case, "decide_preservation", "alice", "2026-06-10 11:00", item="2",
                   decision="再次").code == "FRAUD-PRESERVE"
    assert titles(svc, case)[-1] == "先行登记保存证据处理决定书"


# -- the advance notice and the hearing --------------------------------------------------------------------------

def test_the_advance_notice_states_the_last_day_to_ask_for_a_hearing(svc, cal):
    case = notified(svc)
    until = wd(cal, date(2026, 7, 1), 5)
    t = timer(svc, case, "defence")
    assert (t["last_day"], t["side"]) == (until.isoformat(), "subject")
    n = notice(svc, case, "行政处罚事先告知书")
    assert n["audience"] == "subject"
    assert f"最后一日为{until.year}年{until.month}月{until.day}日" in n["text"] and "要求听证" in n["text"]
    assert "不因你单位陈述、申辩而给予更重的处罚" in n["text"]
    # no penalty before the period has run out
    err = refused(svc, case, "propose_outcomes", "alice", "2026-07-03 10:00", **PENALTY)
    assert err.code == "FRAUD-NOTICE" and "尚未届满" in err.message
    act(svc, case, "record_statement", "alice", "2026-07-03 10:00", statement="该院称部分病历系录入错误",
        received="2026-07-02")
    assert refused(svc, case, "record_statement", "alice", "2026-07-03 11:00", statement="x",
                   received="2026-06-30").code == "FRAUD-DATE"
    assert [f for f in svc.sweep.run_once(at(f"{until} 23:59"))["fired"] if f["case_id"] == case] == []
    out = svc.sweep.run_once(at(f"{until + timedelta(days=1)} 00:00"))
    assert (case, "defence_expired") in [(f["case_id"], f["trigger"]) for f in out["fired"]]
    assert show(svc, case)["data"]["intended"]["lapsed_on"] == until.isoformat()
    # a hearing asked for after the period is refused
    assert refused(svc, case, "request_hearing", "alice", f"{until + timedelta(days=1)} 10:00",
                   received=(until + timedelta(days=1)).isoformat()).code == "FRAUD-HEARING"


def test_a_hearing_asked_for_in_time_is_notified_seven_working_days_ahead_and_chaired_by_a_non_investigator(svc, cal):
    case = notified(svc)
    assert refused(svc, case, "request_hearing", "alice", "2026-07-03 10:00",
                   received="2026-06-30").code == "FRAUD-HEARING"
    act(svc, case, "request_hearing", "alice", "2026-07-03 10:00", received="2026-07-03")
    assert show(svc, case)["state"] == "hearing" and timer(svc, case, "defence")["status"] == "stopped"
    earliest = wd(cal, date(2026, 7, 6), 7)
    err = refused(svc, case, "notify_hearing", "alice", "2026-07-06 10:00",
                  hearing_on=(earliest - timedelta(days=1)).isoformat(), place="本局听证室", chair="bob")
    assert err.code == "FRAUD-HEARING" and f"{earliest.month}月{earliest.day}日" in err.message
    assert refused(svc, case, "notify_hearing", "alice", "2026-07-06 10:00", hearing_on=earliest.isoformat(),
                   place="本局听证室", chair="dave").code == "FRAUD-CHAIR"
    out = act(svc, case, "notify_hearing", "alice", "2026-07-06 10:00", hearing_on=earliest.isoformat(),
              place="本局听证室", chair="bob")
    body = text(svc, out["notice"])
    assert f"定于{earliest.year}年{earliest.month}月{earliest.day}日" in body and "视为放弃听证权利" in body
    assert refused(svc, case, "record_hearing", "alice", f"{earliest - timedelta(days=1)} 10:00",
                   record="x").code == "FRAUD-HEARING"
    err = refused(svc, case, "propose_outcomes", "alice", f"{earliest} 09:00", **PENALTY)
    assert err.code == "FRAUD-NOTICE" and "听证尚未举行" in err.message
    act(svc, case, "record_hearing", "alice", f"{earliest} 16:00", record="当事人对虚构病历事实无异议，请求从轻处罚")
    assert refused(svc, case, "record_hearing", "alice", f"{earliest} 17:00", record="x").code == "FRAUD-HEARING"
    out = act(svc, case, "propose_outcomes", "alice", f"{earliest + timedelta(days=1)} 10:00", **PENALTY)
    assert out["state"] == "outcomes_proposed"


# -- the review meeting's outcomes --------------------------------------------------------------------------------

def test_outcomes_are_checked_against_the_regulation(svc):
    case = lapsed(svc)
    when = "2026-07-10 10:00"

    def code(**inputs):
        return refused(svc, case, "propose_outcomes", "alice", when, **{**PENALTY, **inputs}).code

    assert code(outcomes="penalty,fine") == "FRAUD-OUTCOMES"
    assert code(outcomes="no_case,penalty") == "FRAUD-OUTCOMES"
    assert code(outcomes="penalty,penalty") == "FRAUD-OUTCOMES"
    assert code(fine_multiple="1.5") == "FRAUD-FINE"  # Order 735 Art. 40: 2 to 5 times
    assert code(fine_multiple="5.5") == "FRAUD-FINE"
    assert code(fine_multiple="2.555") == "FRAUD-FINE"
    assert code(fine_multiple="三倍") == "FRAUD-FINE"
    assert code(amount="0") == "FRAUD-FINE"
    assert code(category="") == "FRAUD-FINE"
    assert code(address="") == "FRAUD-FINE"
    assert code(suspend_months="13") == "FRAUD-SUSPEND"  # Art. 40: 6 to 12 months
    assert code(suspend_months="5") == "FRAUD-SUSPEND"
    assert code(outcomes="police_transfer", suspected_crime="false", police_organ="郑州市公安局",
                crime_facts="涉嫌诈骗罪") == "FRAUD-CRIME"
    assert code(outcomes="police_transfer", suspected_crime="true", police_organ="郑州市公安局") == "FRAUD-CRIME"
    assert code(police_organ="郑州市公安局") == "FRAUD-CRIME"  # no transfer chosen, no police organ
    assert code(outcomes="penalty,discipline_transfer", matters="院长涉嫌职务违法线索") == "FRAUD-REFERRAL"
    assert code(outcomes="penalty,health_referral", health_body="郑州市卫生健康委员会") == "FRAUD-REFERRAL"
    assert code(other_body="郑州市市场监督管理局") == "FRAUD-REFERRAL"
    out = act(svc, case, "propose_outcomes", "alice", when, **{**PENALTY, "fine_multiple": "2.5"})
    assert show(svc, case)["data"]["outcomes_proposal"]["penalty"]["fine"] == 1155000


def test_a_person_is_suspended_from_network_settlement_three_to_twelve_months(svc):
    case = lapsed(svc, "insured")
    when = "2026-07-10 10:00"
    person = {**PENALTY, "amount": "3800", "category": "impersonation"}
    assert refused(svc, case, "propose_outcomes", "alice", when, **person, suspend_months="2").code == "FRAUD-SUSPEND"
    assert refused(svc, case, "propose_outcomes", "alice", when, **person,
                   terminate_agreement="yes").code == "FRAUD-SUSPEND"
    act(svc, case, "propose_outcomes", "alice", when, **person, suspend_months="3")
    p = show(svc, case)["data"]["outcomes_proposal"]
    assert (p["penalty"]["fine"], p["penalty"]["basis"], p["major"]) == (11400, "《医疗保障基金使用监督管理条例》第四十一条", True)
    practitioner = lapsed(svc, "practitioner")
    assert refused(svc, practitioner, "propose_outcomes", "alice", when, **person,
                   suspend_months="6").code == "FRAUD-SUSPEND"


def test_a_penalty_never_replaces_a_due_transfer(svc):
    """Order 310 Art. 11: suspected of a crime, the case is transferred; a penalty alone is refused."""
    case = lapsed(svc)
    act(svc, case, "propose_outcomes", "alice", "2026-07-10 10:00", **{**PENALTY, "suspected_crime": "true"})
    err = refused(svc, case, "approve", "bob", "2026-07-10 15:00")
    assert err.code == "FRAUD-TRANSFER" and "行政执法机关移送涉嫌犯罪案件的规定" in err.article
    assert "不得以行政处罚代替移送" in err.message
    act(svc, case, "return", "bob", "2026-07-10 15:30", reason="涉嫌犯罪，应当移送公安机关")
    assert show(svc, case)["state"] == "investigating"
    act(svc, case, "propose_outcomes", "alice", "2026-07-11 10:00", **{**MAJOR, **TRANSFER})
    act(svc, case, "legal_review", "carol", "2026-07-13 09:00", opinion="同意", result="passed")
    out = act(svc, case, "approve", "bob", "2026-07-13 10:00")
    assert out["state"] == "decided"


def test_a_major_decision_needs_an_independent_legal_review_and_the_collective_discussion(svc):
    case = lapsed(svc)
    act(svc, case, "propose_outcomes", "alice", "2026-07-10 10:00", **{**MAJOR, "discussion": ""})
    err = refused(svc, case, "approve", "bob", "2026-07-10 15:00")
    assert err.code == "FRAUD-LEGAL" and "1,386,000元" in err.message
    assert refused(svc, case, "legal_review", "alice", "2026-07-10 15:00", opinion="同意",
                   result="passed").code == "FRAUD-REVIEW"  # the proposer
    act(svc, case, "legal_review", "carol", "2026-07-10 16:00", opinion="处罚幅度需说明理由", result="failed")
    assert refused(svc, case, "approve", "bob", "2026-07-13 10:00").code == "FRAUD-LEGAL"
    act(svc, case, "legal_review", "bob", "2026-07-13 10:30", opinion="已补充说明，同意", result="passed")
    assert refused(svc, case, "legal_review", "carol", "2026-07-13 11:00", opinion="x",
                   result="passed").code == "FRAUD-REVIEW"  # passed already
    assert refused(svc, case, "approve", "carol", "2026-07-13 11:00").code == "FRAUD-DISCUSSION"  # APL Art. 57(2)
    act(svc, case, "return", "carol", "2026-07-13 11:30", reason="请附集体讨论记录")
    act(svc, case, "propose_outcomes", "alice", "2026-07-14 10:00", **MAJOR)
    assert show(svc, case)["data"]["outcomes_proposal"]["legal_review"] is None  # a new proposal, a new review
    assert refused(svc, case, "approve", "bob", "2026-07-14 11:00").code == "FRAUD-LEGAL"


def test_an_officer_may_not_do_the_legal_review(svc, db_url, tmp_path):
    case = lapsed(svc)
    svc.deployment.add_user("dave", ["handler", "approver"])
    act(svc, case, "propose_outcomes", "alice", "2026-07-10 10:00", **MAJOR)
    err = refused(svc, case, "legal_review", "dave", "2026-07-10 11:00", opinion="同意", result="passed")
    assert err.code == "FRAUD-REVIEW" and "dave" in err.message


def test_a_small_penalty_needs_no_legal_review(svc):
    case = lapsed(svc)
    act(svc, case, "propose_outcomes", "alice", "2026-07-10 10:00", **{**PENALTY, "amount": "20000", "fine_multiple": "2"})
    assert not show(svc, case)["data"]["outcomes_proposal"]["major"]
    assert act(svc, case, "approve", "bob", "2026-07-10 15:00")["state"] == "decided"


def test_approval_opens_every_outcome_as_a_child_in_the_same_transaction(svc):
    case = lapsed(svc)
    act(svc, case, "propose_outcomes", "alice", "2026-07-10 10:00", **{
        **MAJOR, **TRANSFER, "outcomes": "penalty,police_transfer,discipline_transfer,health_referral,other_referral",
        "discipline_body": "郑州市纪委监委", "health_body": "郑州市卫生健康委员会", "other_body": "郑州市市场监督管理局",
        "matters": "院长涉嫌指使伪造病历的问题线索及执业医师参与情况"})
    act(svc, case, "legal_review", "carol", "2026-07-13 09:00", opinion="同意", result="passed")
    before = counts(svc)
    out = act(svc, case, "approve", "bob", "2026-07-13 10:00")
    assert counts(svc)[0] == before[0] + 5  # five children, one transaction
    kids = show(svc, case)["children"]
    assert sorted(c["kind"] for c in kids) == ["penalty_decision", "referral", "referral", "referral", "transfer"]
    assert all(c["relation"] == "child" for c in kids)
    assert sorted(k["kind"] for k in out["opened"]) == sorted(c["kind"] for c in kids)
    transfer = next(c for c in kids if c["kind"] == "transfer")
    t = show(svc, transfer["id"])["data"]
    assert (t["police_organ"], t["amount"]) == ("郑州市公安局", 462000)
    referrals = sorted((show(svc, c["id"])["data"]["target"], show(svc, c["id"])["data"]["body"])
                       for c in kids if c["kind"] == "referral")
    assert referrals == [("discipline", "郑州市纪委监委"), ("health", "郑州市卫生健康委员会"), ("other", "郑州市市场监督管理局")]
    penalty = next(c for c in kids if c["kind"] == "penalty_decision")
    assert penalty["state"] == "decided"
    decision = notice(svc, penalty["id"], "行政处罚决定书")
    assert decision["audience"] == "subject"
    for words in ("郑州市金水区示例路1号", "责令退回骗取的医疗保障基金462,000元", "处骗取金额3倍的罚款1,386,000元",
                  "暂停相关责任部门6个月", "《医疗保障基金使用监督管理条例》第四十条", "15日内", "行政复议", "郑州铁路运输法院"):
        assert words in decision["text"], words
    # the parent cannot close while a child is open
    err = refused(svc, case, "close", "bob", "2026-07-14 10:00", summary="x")
    assert err.code == "FRAUD-CHILDREN" and str(penalty["id"]) in err.message
    assert refused(svc, case, "propose_outcomes", "alice", "2026-07-14 10:00", **PENALTY).code == "FRAUD-DECIDED"


def test_no_penalty_closes_the_case_with_a_decision_to_the_subject(svc):
    case = lapsed(svc)
    act(svc, case, "propose_outcomes", "alice", "2026-07-10 10:00", outcomes="no_case", suspected_crime="false",
        findings="经听取陈述申辩并复核，现有证据不足以认定骗取医保基金")
    out = act(svc, case, "approve", "bob", "2026-07-10 15:00")
    assert out["state"] == "no_case" and show(svc, case)["final"]
    n = svc.documents.show(out["notice"])
    assert (n["title"], n["audience"]) == ("不予行政处罚决定书", "subject")
    assert "证据不足" in n["text"] and all(t["status"] != "running" for t in show(svc, case)["timers"])


# -- the penalty decision ------------------------------------------------------------------------------------------

def penalty_of(svc, case) -> int:
    return children(svc, case)["penalty_decision"]["id"]


def test_a_penalty_not_challenged_within_six_months_of_service_becomes_a_record(svc, cal):
    case = decided(svc, source="report", reporter="赵举报，电话13800000000", reporter_id=REPORTER_ID)
    subject(svc, "reporter")
    pen = penalty_of(svc, case)
    assert refused(svc, pen, "serve_decision", "alice", "2026-07-14 10:00", method="post",
                   served_on="2026-07-12").code == "PEN-SERVED"
    assert refused(svc, pen, "serve_decision", "alice", "2026-07-14 10:00", method="post",
                   served_on="2026-07-15").code == "PEN-SERVED"
    act(svc, pen, "serve_decision", "alice", "2026-07-16 10:00", method="post", served_on="2026-07-15")
    end = add_months(date(2026, 7, 15), 6)  # 2027-01-15, the corresponding day (Civil Code Art. 202)
    t = timer(svc, pen, "challenge")
    assert (t["last_day"], t["side"]) == (days(cal, date(2026, 7, 15), (end - date(2026, 7, 15)).days).isoformat(),
                                          "subject")
    assert t["last_day"] == end.isoformat()  # a Friday: not moved
    assert show(svc, pen)["service_due"] == wd(cal, date(2026, 7, 13), 7).isoformat()
    # the fraud case lists its child with the running clock
    listed = children(svc, case)["penalty_decision"]
    assert [(c["name"], c["last_day"]) for c in listed["timers"]] == [("challenge", end.isoformat())]
    assert [f for f in svc.sweep.run_once(at(f"{end} 23:59"))["fired"] if f["case_id"] == pen] == []
    out = svc.sweep.run_once(at(f"{end + timedelta(days=1)} 00:00"))
    fired = next(f for f in out["fired"] if f["case_id"] == pen)
    assert (fired["trigger"], fired["state"]) == ("challenge_expired", "final")
    (record,) = fired["opened"]
    assert record["kind"] == "record"
    r = show(svc, record["case_id"])
    assert (r["category"], r["determined_on"], r["parent"]) == ("fictitious_services", (end + timedelta(days=1)).isoformat(),
                                                               pen)
    assert "处骗取金额3倍的罚款1,386,000元" in r["data"]["facts"]
    assert titles(svc, record["case_id"]) == ["失信信息告知书"]
    # the fraud case was told: the report is confirmed, and the registered reporter gets good information
    assert show(svc, case)["data"]["penalties"][-1]["how"] == "unchallenged"
    good = [e for e in svc.deployment.show_subject(REPORTER_ID)["archive"] if e["kind"] == "good"]
    assert [(e["category"], e["case_id"]) for e in good] == [("report_confirmed", case)]
    assert "郑州市示例医院" not in good[0]["facts"]
    final = notice(svc, case, "行政处罚决定生效登记记录")["text"]
    assert "守信信息" in final and "赵举报" not in final and "13800000000" not in final
    # every child closed: the case closes
    act(svc, case, "close", "bob", "2027-01-18 10:00", summary="罚没款已缴纳，医保基金已退回，暂停服务已执行")
    assert show(svc, case)["state"] == "closed" and show(svc, case)["final"]


def test_a_challenged_penalty_becomes_a_record_only_when_upheld(svc, cal):
    case = decided(svc)
    pen = penalty_of(svc, case)
    act(svc, pen, "serve_decision", "alice", "2026-07-14 10:00", method="direct")
    assert refused(svc, pen, "challenge_filed", "alice", "2026-07-20 10:00", kind="reconsideration",
                   body="郑州市人民政府", filed_on="2026-07-13").code == "PEN-CHALLENGE"
    act(svc, pen, "challenge_filed", "alice", "2026-07-20 10:00", kind="reconsideration", body="郑州市人民政府",
        filed_on="2026-07-20")
    assert timer(svc, pen, "challenge")["status"] == "stopped"
    assert refused(svc, pen, "ruling_upheld", "alice", "2026-09-10 10:00", ruling="郑政复决〔2026〕88号",
                   ruled_on="2026-07-19").code == "PEN-RULING"
    out = act(svc, pen, "ruling_upheld", "alice", "2026-09-10 10:00", ruling="郑政复决〔2026〕88号", ruled_on="2026-09-08")
    assert out["state"] == "final" and [o["kind"] for o in out["opened"]] == ["record"]
    assert out["parent"]["state"] == "decided" and show(svc, case)["data"]["penalties"][-1]["how"] == "upheld"


def test_an_overturned_penalty_is_never_bad_information(svc):
    case = decided(svc)
    pen = penalty_of(svc, case)
    act(svc, pen, "serve_decision", "alice", "2026-07-14 10:00", method="direct")
    act(svc, pen, "challenge_filed", "alice", "2026-08-01 10:00", kind="lawsuit", body="郑州铁路运输法院",
        filed_on="2026-07-31")
    before = counts(svc)[0]
    out = act(svc, pen, "ruling_overturned", "alice", "2026-12-01 10:00", ruling="（2026）豫7101行初55号判决书",
              ruled_on="2026-11-20")
    assert out["state"] == "overturned" and out.get("opened") in (None, []) and counts(svc)[0] == before
    assert show(svc, case)["data"]["penalties"][-1]["event"] == "penalty_overturned"
    assert all(e["kind"] != "bad" for e in svc.deployment.show_subject(HOSPITAL_USCC)["archive"])
    assert "已被撤销" in notice(svc, case, "行政处罚决定被撤销登记记录")["text"]


# -- the transfer to the police and what comes back -----------------------------------------------------------------

ENCLOSURES = "transfer_letter,investigation_report,items_list,appraisal,other_material"


def transferred_only(svc) -> tuple[int, int]:
    """A case decided on 2026-07-13 as a police transfer only (suspected of a crime), and its transfer child."""
    case = decided(svc, outcomes={"outcomes": "police_transfer", "findings": FINDINGS, "amount": "462000",
                                  **{k: v for k, v in TRANSFER.items() if k != "outcomes"}})
    return case, children(svc, case)["transfer"]["id"]


def test_a_declined_transfer_comes_back_and_the_bureau_decides_the_penalty_itself(svc):
    case, xfer = transferred_only(svc)
    assert "penalty_decision" not in children(svc, case)
    act(svc, xfer, "report", "alice", "2026-07-14 09:00", team="alice,dave", report="经核实，涉案金额462,000元，涉嫌诈骗罪")
    act(svc, xfer, "approve_transfer", "bob", "2026-07-14 15:00")
    act(svc, xfer, "send", "alice", "2026-07-15 09:00", enclosures=ENCLOSURES)
    act(svc, xfer, "receipt_signed", "alice", "2026-07-15 11:00", signed_on="2026-07-15")
    act(svc, xfer, "police_declined", "alice", "2026-07-17 10:00", notified_on="2026-07-17",
        reasons="现有证据不足以证明具有非法占有目的")
    # the fraud case waits: it may not decide again, nor close, while the transfer runs
    assert refused(svc, case, "propose_outcomes", "alice", "2026-07-17 11:00", **PENALTY).code == "FRAUD-DECIDED"
    assert refused(svc, case, "close", "bob", "2026-07-17 11:00", summary="x").code == "FRAUD-CHILDREN"
    out = act(svc, xfer, "handle_ourselves", "alice", "2026-07-20 10:00", reason="不再提请复议，由本局依法给予行政处罚")
    assert out["state"] == "returned" and out["parent"]["case_id"] == case
    back = show(svc, case)
    assert back["reopened"] and back["data"]["reopened"]["route"] == "declined"
    assert "本局依法处理" in notice(svc, case, "移送案件退回本局依法处理记录")["text"]
    # Order 310 Art. 10: the bureau handles it before closing
    assert refused(svc, case, "close", "bob", "2026-07-20 11:00", summary="x").code == "FRAUD-RETURNED"
    # Art. 11 lets a penalty pass now that the transfer came back; still suspected, no new transfer
    act(svc, case, "propose_outcomes", "alice", "2026-07-21 10:00", **{**MAJOR, "suspected_crime": "true"})
    act(svc, case, "legal_review", "carol", "2026-07-21 15:00", opinion="同意", result="passed")
    out = act(svc, case, "approve", "bob", "2026-07-22 10:00")
    assert out["state"] == "decided" and [o["kind"] for o in out["opened"]] == ["penalty_decision"]
    decided_ = show(svc, case)["data"]["decisions"]
    assert [d["outcomes"] for d in decided_] == [["police_transfer"], ["penalty"]]
    assert decided_[-1]["after_return"] and not show(svc, case)["reopened"]
    assert refused(svc, case, "close", "bob", "2026-07-22 11:00", summary="x").code == "FRAUD-CHILDREN"


def test_a_refused_transfer_is_recorded_and_the_bureau_handles_the_case(svc):
    case, xfer = transferred_only(svc)
    act(svc, xfer, "report", "alice", "2026-07-14 09:00", team="alice,dave", report="经核实，涉嫌诈骗罪")
    act(svc, xfer, "refuse_transfer", "bob", "2026-07-15 10:00", reasons="涉案金额系重复计算，未达追诉标准")
    d = show(svc, case)["data"]
    assert d["reopened"]["event"] == "refused" and d["transfers"][-1]["reason"] == "涉案金额系重复计算，未达追诉标准"
    assert "不予批准的理由已记录在案" in notice(svc, case, "不批准移送记录")["text"]
    # a new advance notice from `decided`, then the decision
    act(svc, case, "notify_intended_penalty", "alice", "2026-07-16 10:00", penalty="责令退回并处2倍罚款", facts=FINDINGS)
    assert show(svc, case)["state"] == "defence"


def test_a_filing_by_the_police_is_recorded_on_the_fraud_case(svc):
    case, xfer = transferred_only(svc)
    act(svc, xfer, "report", "alice", "2026-07-14 09:00", team="alice,dave", report="经核实，涉嫌诈骗罪")
    act(svc, xfer, "approve_transfer", "bob", "2026-07-14 15:00")
    act(svc, xfer, "send", "alice", "2026-07-15 09:00", enclosures=ENCLOSURES)
    act(svc, xfer, "receipt_signed", "alice", "2026-07-15 11:00", signed_on="2026-07-15")
    act(svc, xfer, "police_filed", "alice", "2026-07-17 10:00", notified_on="2026-07-17", notice_no="郑公（经）立字〔2026〕31号")
    filed_ = show(svc, case)["data"]["transfers"][-1]
    assert (filed_["event"], filed_["organ"], filed_["filed_on"], filed_["notice"]) == (
        "filed", "郑州市公安局", "2026-07-17", "郑公（经）立字〔2026〕31号")
    assert not show(svc, case)["reopened"]
    act(svc, xfer, "files_handed_over", "alice", "2026-07-20 10:00", handed_over_on="2026-07-20", items="病历原件38份")
    act(svc, case, "close", "bob", "2026-07-21 10:00", summary="已移送公安机关立案侦查，涉案材料已移交")
    assert show(svc, case)["state"] == "closed"


# -- the reporter --------------------------------------------------------------------------------------------------

REPORTER = "赵举报，电话13800000000"


def test_the_reporter_is_sealed_out_of_the_data_the_log_and_every_notice(svc):
    case = decided(svc, source="report", reporter=REPORTER, reporter_id=REPORTER_ID)
    pen = penalty_of(svc, case)
    with svc.db.connect() as conn:
        stored = [str(row) for table in (cases, transitions, notices, archive_entries)
                  for row in conn.execute(select(table)).all()]
    assert not any("13800000000" in row or REPORTER_ID in row or "赵举报" in row for row in stored)
    assert show(svc, case)["reported"] is True
    for c in (case, pen):
        for n in show(svc, c)["notices"]:
            doc = svc.documents.show(n["number"])
            assert "赵举报" not in doc["text"] and "13800000000" not in doc["text"] and REPORTER_ID not in doc["text"]
    # an approver reads it, and the reading is itself logged with an internal record
    with pytest.raises(Refused) as info:
        svc.cases.read_sealed(case, "alice")
    assert info.value.code == "ROLE"
    before = len(show(svc, case)["notices"])
    read = svc.cases.read_sealed(case, "bob")
    assert {s["name"]: s["value"] for s in read["sealed"]} == {"reporter": REPORTER, "reporter_id": REPORTER_ID}
    assert len(show(svc, case)["notices"]) == before + 1 and titles(svc, case)[-1] == "举报人信息查阅记录"
    assert "bob" in text(svc, read["notice"]) and "赵举报" not in text(svc, read["notice"])
    assert show(svc, case)["data"]["reporter_readings"][-1]["by"] == "bob"


def test_an_unregistered_reporter_gets_no_archive_entry(svc):
    case = decided(svc, source="report", reporter=REPORTER)
    pen = penalty_of(svc, case)
    act(svc, pen, "serve_decision", "alice", "2026-07-14 10:00", method="direct")
    end = add_months(date(2026, 7, 14), 6)
    svc.sweep.run_once(at(f"{end + timedelta(days=5)} 00:00"))
    d = show(svc, case)["data"]
    assert d["reporter_confirmed_on"] and d["reporter_rewarded_on"] is None
    assert "未登记为信用主体" in notice(svc, case, "行政处罚决定生效登记记录")["text"]


def test_a_rectification_clue_names_its_case(svc):
    with frozen_at(at("2026-06-01 09:00")):
        with pytest.raises(Refused) as info:
            svc.cases.open("fraud", "alice", {"source": "rectification_failed", "facts": FACTS},
                           subject=subject(svc))
        assert info.value.code == "FRAUD-SOURCE"
        with pytest.raises(Refused) as info:
            svc.cases.open("fraud", "alice", {"source": "rectification_failed", "facts": FACTS,
                                              "rectification_case": "99"}, subject=subject(svc))
        assert info.value.code == "FRAUD-SOURCE"
        with pytest.raises(Refused) as info:
            svc.cases.open("fraud", "alice", {"source": "monitoring", "facts": FACTS, "rectification_case": "1"},
                           subject=subject(svc))
        assert info.value.code == "FRAUD-SOURCE"


# -- masking -------------------------------------------------------------------------------------------------------

def test_a_persons_name_and_id_number_stay_masked_outside_their_own_notices(svc, monkeypatch):
    """Every fraud and penalty-decision template, rendered for the public or a third party with an insured person as
    the subject, masks the name and the ID number; the person's own notice carries both."""
    fraud = capture_notice_contexts(monkeypatch, "fraud/")
    case = investigated(svc, "insured", source="report", reporter=REPORTER)
    act(svc, case, "extend_case", "bob", "2026-06-20 10:00", reason="需调取异地结算记录")
    act(svc, case, "suspend", "alice", "2026-06-21 10:00", reason="testing")
    act(svc, case, "resume", "alice", "2026-06-24 10:00")
    act(svc, case, "record_recusal", "bob", "2026-06-24 11:00", officer="dave", applicant="officer", decision="not_recused",
        reason="无利害关系")
    act(svc, case, "add_evidence", "alice", "2026-06-25 10:00", what="医保卡1张", collected_by="alice",
        collected_on="2026-06-25", preserve="yes", approved_by="bob")
    act(svc, case, "decide_preservation", "alice", "2026-06-26 10:00", item="2", decision="复制后退还")
    act(svc, case, "notify_intended_penalty", "alice", "2026-07-01 10:00", penalty="责令退回3,800元并处2倍罚款", facts=FINDINGS)
    act(svc, case, "record_statement", "alice", "2026-07-02 10:00", statement="承认", received="2026-07-02")
    act(svc, case, "request_hearing", "alice", "2026-07-03 10:00", received="2026-07-03")
    act(svc, case, "notify_hearing", "alice", "2026-07-03 11:00", hearing_on="2026-07-14", place="本局听证室", chair="bob")
    act(svc, case, "record_hearing", "alice", "2026-07-14 16:00", record="当事人承认冒名就医")
    person = {**PENALTY, "amount": "3800", "category": "impersonation", "fine_multiple": "2"}
    act(svc, case, "propose_outcomes", "alice", "2026-07-15 10:00", **person)
    act(svc, case, "return", "bob", "2026-07-15 11:00", reason="补充说明")
    act(svc, case, "propose_outcomes", "alice", "2026-07-15 14:00", **person)
    act(svc, case, "legal_review", "carol", "2026-07-15 15:00", opinion="同意", result="passed")
    act(svc, case, "approve", "bob", "2026-07-15 16:00")
    act(svc, penalty_of(svc, case), "serve_decision", "alice", "2026-07-16 10:00", method="direct")
    svc.sweep.run_once(at("2027-01-20 00:00"))  # the penalty is final (and the clues below run out)
    act(svc, case, "close", "bob", "2027-01-20 10:00", summary="已执行")
    svc.cases.read_sealed(case, "bob")
    other = clue(svc, "insured", when="2026-06-02 09:00")
    act(svc, other, "extend_filing", "bob", "2026-06-03 09:00", reason="需调取异地结算记录")
    act(svc, other, "propose_no_case", "alice", "2026-06-03 10:00", findings="不实")
    act(svc, other, "approve", "bob", "2026-06-03 11:00")
    third = lapsed(svc, "insured", when="2026-06-01 10:00")
    act(svc, third, "propose_outcomes", "alice", "2026-07-10 10:00", outcomes="no_case", suspected_crime="false",
        findings="证据不足")
    act(svc, third, "approve", "bob", "2026-07-10 11:00")
    fourth = decided(svc, "insured", outcomes={"outcomes": "police_transfer", "findings": FINDINGS, "amount": "3800",
                                               **{k: v for k, v in TRANSFER.items() if k != "outcomes"}},
                     when="2026-06-01 11:00")
    xfer = children(svc, fourth)["transfer"]["id"]
    act(svc, xfer, "report", "alice", "2026-07-14 09:00", team="alice,dave", report="经核实，涉嫌诈骗罪")
    act(svc, xfer, "refuse_transfer", "bob", "2026-07-15 10:00", reasons="未达追诉标准")
    clue(svc, "insured", when="2026-06-03 09:00")
    svc.sweep.run_once(at("2026-06-26 00:00"))  # its filing decision (15 working days) ran out on 06-25
    assert_person_masked_outside(fraud, "fraud", INSURED_ID, "王秀英", "王**")


def test_the_penalty_decisions_notices_mask_a_person_outside_their_own(svc, monkeypatch):
    contexts = capture_notice_contexts(monkeypatch, "penalty_decision/")
    person = {**PENALTY, "amount": "3800", "category": "impersonation", "fine_multiple": "2", "suspend_months": "3",
              "discussion": "局长办公会集体讨论同意"}
    for when, route in (("2026-06-01 09:00", "final"), ("2026-06-01 10:00", "overturned")):
        case = decided(svc, "insured", outcomes=person, when=when)
        pen = penalty_of(svc, case)
        act(svc, pen, "serve_decision", "alice", "2026-07-14 10:00", method="direct")
        act(svc, pen, "challenge_filed", "alice", "2026-07-20 10:00", kind="lawsuit", body="郑州铁路运输法院",
            filed_on="2026-07-20")
        act(svc, pen, f"ruling_{'upheld' if route == 'final' else 'overturned'}", "alice", "2026-09-10 10:00",
            ruling="（2026）豫7101行初1号", ruled_on="2026-09-08")
    assert "暂停医疗费用联网结算3个月" in notice(svc, pen, "行政处罚决定书")["text"]
    assert_person_masked_outside(contexts, "penalty_decision", INSURED_ID, "王秀英", "王**")


# -- the shared transitions: reminder, service, correction, new calendar data ----------------------------------------

def test_the_handlers_are_reminded_and_a_notice_is_served_and_corrected(svc, cal):
    case = clue(svc)
    last = wd(cal, date(2026, 6, 1), 15)
    remind = cal.nth_working_day_before(last, 3)
    assert [f for f in svc.sweep.run_once(at(f"{remind - timedelta(days=1)} 23:59"))["reminded"]
            if f["case_id"] == case] == []
    out = svc.sweep.run_once(at(f"{remind} 00:00"))
    assert [r["trigger"] for r in out["reminded"] if r["case_id"] == case] == ["deadline_reminder"]
    assert titles(svc, case)[-1] == "办理期限即将届满提醒"
    case = notified(svc, when="2026-06-01 10:00")
    advance = notice(svc, case, "行政处罚事先告知书")["number"]
    with frozen_at(at("2026-07-02 10:00")):
        svc.documents.serve(advance, "post", date(2026, 7, 2), "alice")
        svc.documents.correct(advance, "拟作出的罚款金额应为1,386,000元", "alice")
    assert show(svc, case)["data"]["services"][advance] == "2026-07-02"
    assert titles(svc, case)[-2:] == ["文书送达记录", "文书更正通知书"]


def test_new_calendar_data_moves_the_provisional_deadlines_and_the_case_states_them(svc, tmp_path):
    """A clue of 14 December 2026 (the bureau's 15 working days to 5 January 2027), an advance notice of 28 December
    (the subject's 5 working days to 5 January) and a penalty served on 3 July (6 months to Monday 4 January): all
    provisional; a 2027 schedule making 4 January a day off moves each by one day and tells whom it binds."""
    from notice_story import CALENDAR_2027

    late = clue(svc, when="2026-12-14 09:00")
    case = filed(svc, when="2026-06-01 10:00")
    act(svc, case, "assign_officers", "alice", "2026-12-02 10:00", officers=OFFICERS)
    act(svc, case, "notify_intended_penalty", "alice", "2026-12-28 10:00", penalty="罚款", facts=FINDINGS)
    early = investigated(svc, when="2026-06-01 11:00")
    act(svc, early, "notify_intended_penalty", "alice", "2026-06-11 10:00", penalty="罚款", facts=FINDINGS)
    svc.sweep.fire_case(early, at("2026-06-19 00:00"))  # the 5 working days ran out on 06-18
    act(svc, early, "propose_outcomes", "alice", "2026-06-22 10:00", **{**PENALTY, "amount": "20000", "fine_multiple": "2"})
    act(svc, early, "approve", "bob", "2026-06-22 15:00")
    pen = penalty_of(svc, early)
    act(svc, pen, "serve_decision", "alice", "2026-07-06 10:00", method="post", served_on="2026-07-03")
    before = {(late, "filing_decision"): "2027-01-05", (case, "defence"): "2027-01-05", (pen, "challenge"): "2027-01-04"}
    for (c, name), day in before.items():
        t = timer(svc, c, name)
        assert (t["last_day"], t["provisional"]) == (day, True), (c, name)
    path = tmp_path / "calendar-2027.toml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    with frozen_at(at("2026-12-29 09:00")):
        moved = {(m["case_id"], m["timer"]) for m in svc.sweep.reload_calendar(str(path))["moved"]}
    assert set(before) <= moved
    for (c, name), day in before.items():
        assert timer(svc, c, name)["last_day"] == (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    assert show(svc, case)["data"]["intended"]["defence_until"] == "2027-01-06"
    assert notice(svc, case, "期限变更告知书")["audience"] == "subject"
    assert notice(svc, late, "办理期限变更提示")["audience"] == "handlers"
    assert "2027年1月5日" in notice(svc, pen, "期限变更告知书")["text"]


def test_every_rule_code_is_in_the_rule_code_table():
    from pathlib import Path

    from states import PROCEDURES

    table = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    codes = {g.code for kind in ("fraud", "penalty_decision") for t in PROCEDURES[kind].transitions for g in t.guards}
    assert codes and all(f"| `{code}` |" in table for code in codes), sorted(c for c in codes if f"| `{c}` |" not in table)
