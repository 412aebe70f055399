"""The repair procedure (信用修复) as the Henan measure reads (Art. 37-41) with the Hongqiao plan §18: who may
apply and when (Art. 38-40, judged by the day received), the materials (Art. 40, HQ §18), the 15 working days
after acceptance and the one extension (Art. 41), four eyes, the 5-working-day public notice and what an
objection to it does, the repair taking effect (附件5: the record withdrawn, the report to the credit
management department), a refusal (附件4), and false material (Art. 40: a new record and the 3-year ban)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from calendars import default_calendar
from conftest import HOSPITAL_USCC, PERSON_ID, assert_person_masked_outside, at, capture_notice_contexts
from states.repair import MATERIALS
from workflows.clock import frozen_at
from workflows.errors import Refused
from workflows.store.tables import cases, notices, transitions
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)

FULL = "application_form,commitment,proof"
FACTS = "2025年10月超标准收费12笔，涉及医保基金3600元"


# -- helpers -------------------------------------------------------------------------------------------------

def hospital(svc) -> str:
    try:
        svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    except Exception:  # noqa: BLE001 - registered by an earlier call
        pass
    return HOSPITAL_USCC


def person(svc) -> str:
    try:
        svc.deployment.add_subject("李建华", "insured", None, PERSON_ID)
    except Exception:  # noqa: BLE001
        pass
    return PERSON_ID


def record(svc, *, key=None, when="2026-01-06 09:00", determined="2026-01-05", category="excessive_charges",
           months=12, facts=FACTS) -> int:
    """A 失信 record opened by a handler (the record's `add` route): eligible for repair 6 months after
    its determination day (determined before 2026-04-01: the Henan measure as written)."""
    key = key or hospital(svc)
    with frozen_at(at(when)):
        return svc.cases.open("record", "alice", {
            "category": category, "determined": determined, "disclosure_months": months, "severity": "general",
            "facts": facts, "basis": "郑医保罚〔2026〕3号"}, subject=key)["case_id"]


def apply(svc, rec, when="2026-09-11 09:00", received="2026-09-10", materials=FULL) -> dict:
    inputs = {"received": received}
    if materials is not None:
        inputs["materials"] = materials
    with frozen_at(at(when)):
        return svc.cases.open("repair", "alice", inputs, parent=rec)


def act(svc, case, trigger, actor, when, **inputs) -> dict:
    with frozen_at(at(when)):
        return svc.cases.act(case, trigger, actor, inputs)


def refused(svc, fn, *args, **kwargs) -> Refused:
    before = counts(svc)
    with pytest.raises(Refused) as info:
        fn(svc, *args, **kwargs)
    assert counts(svc) == before  # a refusal stores nothing
    return info.value


def counts(svc):
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (cases, transitions, notices))


def timer(svc, case, name) -> dict:
    return next(t for t in svc.cases.show(case)["timers"] if t["name"] == name)


def text(svc, number) -> str:
    return svc.documents.show(number)["text"]


def notice(svc, case, title) -> dict:
    """The last notice of the case with that title, as stored."""
    number = [n["number"] for n in svc.cases.show(case)["notices"] if n["title"] == title][-1]
    return svc.documents.show(number)


def accepted(svc, **kwargs) -> tuple[int, int]:
    """A record and a repair accepted on Monday 2026-09-14: decided by 2026-10-10 (a make-up Saturday)."""
    rec = record(svc, **kwargs)
    rep = apply(svc, rec)["case_id"]
    act(svc, rep, "accept", "alice", "2026-09-14 10:00")
    return rec, rep


def published(svc, **kwargs) -> tuple[int, int]:
    """… proposed on 09-28 and approved on Tuesday 2026-09-29: published until 2026-10-12."""
    rec, rep = accepted(svc, **kwargs)
    act(svc, rep, "propose_approve", "alice", "2026-09-28 10:00", findings="已完成整改，退回违规费用，不良影响已基本消除")
    out = act(svc, rep, "approve", "bob", "2026-09-29 10:00")
    assert out["state"] == "public_notice"
    return rec, rep


def repaired(svc, **kwargs) -> tuple[int, int]:
    rec, rep = published(svc, **kwargs)
    svc.sweep.run_once(at("2026-10-13 00:00"))
    assert svc.cases.show(rep)["state"] == "repaired"
    return rec, rep


# -- admissibility, judged by the day received (Art. 38-40) ---------------------------------------------------

def test_before_the_waiting_period_ends_it_is_refused_naming_the_first_admissible_day(svc):
    rec = record(svc)  # determined 2026-01-05: 6 months end on 2026-07-05 (Civil Code Art. 202)
    assert svc.cases.show(rec)["data"]["eligible_from"] == "2026-07-06"
    err = refused(svc, apply, rec, when="2026-07-06 09:00", received="2026-07-05")
    assert err.code == "REP-WAIT" and "Art. 39(1)" in err.article
    assert "2026年7月6日" in err.message and "2026年1月5日" in err.message
    out = apply(svc, rec, when="2026-07-06 09:30", received="2026-07-06")  # the first admissible day
    assert out["state"] == "received"
    shown = svc.cases.show(out["case_id"])
    assert shown["parent"] == rec and shown["data"]["received_on"] == "2026-07-06"
    assert shown["data"]["record"]["id"] == rec and shown["data"]["materials"] == ["application_form", "commitment", "proof"]
    assert shown["timers"] == []  # the decision period runs from acceptance (Art. 41), not from receipt


def test_received_in_the_future_or_before_the_determination_is_refused(svc):
    rec = record(svc)
    assert refused(svc, apply, rec, when="2026-09-10 09:00", received="2026-09-11").code == "REP-DATE"
    err = refused(svc, apply, rec, when="2026-09-10 09:00", received="2026-01-04")
    assert err.code == "REP-DATE" and "2026年1月5日" in err.message


def test_a_later_record_of_the_same_category_still_disclosed_bars_repair(svc):
    rec = record(svc)
    later = record(svc, when="2026-03-03 09:00", determined="2026-03-02", facts="2026年2月超标准收费5笔")
    err = refused(svc, apply, rec)
    assert err.code == "REP-RECUR" and "Art. 39(2)" in err.article
    assert str(later) in err.message and "2026年3月2日" in err.message and "超标准收费" in err.message
    # the later record itself is not barred by the earlier one (only a later one of the same category bars)
    assert apply(svc, later, when="2026-09-11 09:00", received="2026-09-10")["state"] == "received"


def test_a_later_record_of_another_category_or_withdrawn_does_not_bar(svc):
    rec = record(svc)
    record(svc, when="2026-03-03 09:00", determined="2026-03-02", category="duplicate_charges", facts="重复收费3笔")
    withdrawn = record(svc, when="2026-03-04 09:00", determined="2026-03-03", facts="超标准收费2笔")
    act(svc, withdrawn, "revoke", "alice", "2026-04-01 10:00", basis="郑州市人民政府行政复议决定书郑政复决〔2026〕8号")
    assert svc.cases.show(withdrawn)["state"] == "withdrawn"
    assert apply(svc, rec)["state"] == "received"


def test_a_subject_under_the_three_year_ban_is_refused_until_the_ban_ends(svc):
    rec = record(svc)
    ban = record(svc, when="2026-02-02 09:00", determined="2026-02-02", category="false_commitment",
                 facts="信用修复申请中提供虚假整改证明")
    shown = svc.cases.show(ban)
    assert shown["data"]["ban_until"] == "2029-02-02" and timer(svc, ban, "ban")["status"] == "running"
    err = refused(svc, apply, rec)
    assert err.code == "REP-BAN" and "Art. 40" in err.article
    assert "2029年2月2日" in err.message and "2029年2月3日" in err.message and str(ban) in err.message


def test_the_ban_bars_applications_received_from_the_day_false_material_is_established(svc):
    """Art. 40: an application received before the ban began was made while the subject could still apply;
    one received from that day on is refused, even after the false-commitment record's disclosure ended."""
    rec = record(svc)
    ban = record(svc, when="2026-09-11 08:00", determined="2026-09-11", category="false_commitment",
                 facts="信用修复申请中提供虚假整改证明")
    assert apply(svc, rec, when="2026-09-11 09:00", received="2026-09-10")["state"] == "received"
    other = record(svc, when="2026-01-06 10:00", determined="2026-01-05", category="duplicate_charges")
    err = refused(svc, apply, other, when="2026-09-14 09:00", received="2026-09-14")
    assert err.code == "REP-BAN" and str(ban) in err.message
    later = record(svc, when="2027-03-01 10:00", determined="2027-03-01", category="drug_substitution")
    with frozen_at(at("2027-09-12 00:00")):  # the ban record's 12 months of disclosure are over; the ban is not
        svc.sweep.run_once(at("2027-09-12 00:00"))
    assert svc.cases.show(ban)["state"] == "withdrawn" and timer(svc, ban, "ban")["status"] == "running"
    err = refused(svc, apply, later, when="2027-09-13 09:00", received="2027-09-13")
    assert err.code == "REP-BAN" and "2029年9月11日" in err.message


def test_a_record_no_longer_disclosed_cannot_be_repaired(svc):
    rec = record(svc)
    act(svc, rec, "revoke", "alice", "2026-04-01 10:00", basis="郑州铁路运输法院（2026）豫7101行初12号判决书")
    err = refused(svc, apply, rec)
    assert err.code == "REP-RECORD" and "Art. 37" in err.article and "依复议决定或者裁判撤销" in err.message


def test_a_record_withdrawn_after_registration_is_not_accepted(svc):
    rec = record(svc)
    rep = apply(svc, rec)["case_id"]
    act(svc, rec, "revoke", "alice", "2026-09-11 10:00", basis="郑州市人民政府行政复议决定书郑政复决〔2026〕9号")
    with pytest.raises(Refused) as info:
        act(svc, rep, "accept", "alice", "2026-09-14 10:00")
    assert info.value.code == "REP-RECORD" and "not_accept" in info.value.message
    out = act(svc, rep, "not_accept", "alice", "2026-09-14 10:30", reason="该失信认定已被行政复议决定撤销，无需修复")
    assert out["state"] == "not_accepted" and "缺少以下材料" not in text(svc, out["notice"])


def test_one_application_per_record_at_a_time(svc):
    rec = record(svc)
    first = apply(svc, rec)["case_id"]
    err = refused(svc, apply, rec, when="2026-09-11 10:00")
    assert err.code == "REP-PENDING" and str(first) in err.message
    act(svc, first, "not_accept", "alice", "2026-09-11 11:00", reason="申请人书面表示暂不申请")
    assert apply(svc, rec, when="2026-09-11 12:00")["state"] == "received"  # a decided application does not bar


# -- materials (Art. 40, HQ §18) -----------------------------------------------------------------------------

def test_materials_by_code_or_label_and_unknown_ones_refused(svc):
    rec = record(svc)
    err = refused(svc, apply, rec, materials="application_form,营业执照")
    assert err.code == "REP-MATERIALS" and "营业执照" in err.message and "credit_report" in err.message
    out = apply(svc, rec, materials="信用修复申请表,信用修复承诺书,纠正整改证明材料,信用报告,training")
    assert svc.cases.show(out["case_id"])["data"]["materials"] == [
        "application_form", "commitment", "proof", "credit_report", "training"]
    assert set(MATERIALS) == {"application_form", "commitment", "proof", "credit_commitment", "rectification_done",
                              "check_passed", "training", "credit_report"}


def test_missing_material_blocks_acceptance_until_supplied(svc):
    rec = record(svc)
    out = apply(svc, rec, materials="application_form")
    rep = out["case_id"]
    receipt = text(svc, out["notice"])
    assert "尚未提交：信用修复承诺书、纠正、整改证明材料" in receipt and "第四十条" in receipt
    assert svc.cases.show(rep)["missing"] == ["commitment", "proof"]
    before = counts(svc)
    with pytest.raises(Refused) as info:
        act(svc, rep, "accept", "alice", "2026-09-11 10:00")
    assert info.value.code == "REP-MATERIALS" and "信用修复承诺书、纠正、整改证明材料" in info.value.message
    assert counts(svc) == before
    with pytest.raises(Refused) as info:
        act(svc, rep, "supplement", "alice", "2026-09-11 10:00", materials="commitment", received="2026-09-09")
    assert info.value.code == "REP-DATE"  # not before the application itself
    with pytest.raises(Refused) as info:
        act(svc, rep, "supplement", "alice", "2026-09-11 10:00", materials="commitment,公章")
    assert info.value.code == "REP-MATERIALS" and "公章" in info.value.message
    sup = act(svc, rep, "supplement", "alice", "2026-09-14 09:00", materials="commitment")
    assert sup["state"] == "received" and svc.cases.show(rep)["missing"] == ["proof"]
    assert "尚未提交：纠正、整改证明材料" in text(svc, sup["notice"])
    act(svc, rep, "supplement", "alice", "2026-09-14 09:30", materials="proof", received="2026-09-12")
    data = svc.cases.show(rep)["data"]
    assert data["missing"] == [] and [s["received_on"] for s in data["supplements"]] == ["2026-09-14", "2026-09-12"]
    assert act(svc, rep, "accept", "alice", "2026-09-14 10:00")["state"] == "under_review"


def test_not_accepted_lists_what_is_missing_with_the_remedies(svc):
    rec = record(svc)
    rep = apply(svc, rec, materials="application_form,credit_report")["case_id"]
    out = act(svc, rep, "not_accept", "alice", "2026-09-18 10:00", reason="经通知仍未补齐申请材料")
    assert out["state"] == "not_accepted"
    body = text(svc, out["notice"])
    assert svc.documents.show(out["notice"])["title"] == "信用修复申请不予受理告知书"
    assert "缺少以下材料：信用修复承诺书、纠正、整改证明材料" in body and "经通知仍未补齐申请材料" in body
    assert "行政复议" in body and "行政诉讼" in body
    assert svc.cases.show(rec)["state"] == "disclosed"


# -- the decision period (Art. 41) ------------------------------------------------------------------------------

def test_acceptance_starts_fifteen_working_days_with_a_reminder(svc, cal):
    rec, rep = accepted(svc)
    decision = timer(svc, rep, "decision")
    assert (decision["status"], decision["side"], decision["start_day"], decision["last_day"]) == (
        "running", "agency", "2026-09-14", "2026-10-10")  # across National Day; Saturday 10-10 is worked
    assert cal.nth_working_day_after(date(2026, 9, 14), 15) == date(2026, 10, 10)
    body = text(svc, notice(svc, rep, "信用修复申请受理通知书")["number"])
    assert "2026年10月10日前作出处理意见" in body and "第四十一条" in body
    out = svc.sweep.run_once(at("2026-09-30 00:00"))  # 3 working days before the last day
    assert out["counts"]["reminded"] == 1
    reminder = notice(svc, rep, "办理期限即将届满提醒")
    assert reminder["audience"] == "handlers" and "2026年10月10日" in reminder["text"]


def test_extension_once_by_fifteen_working_days_from_the_current_last_day(svc):
    rec, rep = accepted(svc)
    out = act(svc, rep, "extend", "alice", "2026-09-25 10:00", reason="涉及多家医疗机构的整改情况需要现场核查")
    assert out["state"] == "under_review"
    assert timer(svc, rep, "decision")["last_day"] == "2026-10-30"  # 2026-10-10 + 15 working days
    ext = svc.cases.show(rep)["data"]["extension"]
    assert (ext["last_day_before"], ext["last_day"], ext["on"]) == ("2026-10-10", "2026-10-30", "2026-09-25")
    body = text(svc, out["notice"])
    assert svc.documents.show(out["notice"])["title"] == "信用修复处理期限延长通知书"
    assert "原至2026年10月10日届满" in body and "延长后的处理期限至2026年10月30日届满" in body
    before = counts(svc)
    with pytest.raises(Refused) as info:
        act(svc, rep, "extend", "alice", "2026-10-20 10:00", reason="仍需核查")
    assert info.value.code == "REP-EXTEND" and "2026年10月30日" in info.value.message and counts(svc) == before
    # the extension holds while a proposal waits, too
    act(svc, rep, "propose_approve", "alice", "2026-10-26 10:00", findings="整改到位")
    assert timer(svc, rep, "decision")["last_day"] == "2026-10-30"


def test_the_period_running_out_flags_the_case_and_decides_nothing(svc):
    rec, rep = accepted(svc)
    assert [f for f in svc.sweep.run_once(at("2026-10-10 23:59"))["fired"] if f["case_id"] == rep] == []
    out = svc.sweep.run_once(at("2026-10-11 00:00"))
    assert (rep, "decision_overdue", "under_review") in [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]]
    shown = svc.cases.show(rep)
    assert shown["overdue"] and shown["state"] == "under_review" and timer(svc, rep, "decision")["status"] == "fired"
    supervision = notice(svc, rep, "信用修复处理超期督办通知")
    assert supervision["audience"] == "approvers" and "2026年10月10日届满" in supervision["text"]
    assert "不代替本局作出任何处理决定" in supervision["text"]
    with pytest.raises(Refused) as info:  # too late to extend
        act(svc, rep, "extend", "alice", "2026-10-12 10:00", reason="情况复杂")
    assert info.value.code == "REP-CLOCK"
    # the decision can still be made; once made, the case is no longer flagged
    act(svc, rep, "propose_approve", "alice", "2026-10-12 10:00", findings="整改到位")
    assert svc.cases.show(rep)["overdue"]
    act(svc, rep, "approve", "bob", "2026-10-13 10:00")
    assert not svc.cases.show(rep)["overdue"]


# -- proposals and four eyes ----------------------------------------------------------------------------------

def test_four_eyes_and_return(svc):
    rec, rep = accepted(svc)
    act(svc, rep, "propose_approve", "carol", "2026-09-28 10:00", findings="整改到位")
    with pytest.raises(Refused) as info:
        act(svc, rep, "approve", "carol", "2026-09-28 11:00")
    assert info.value.code == "FOUR-EYES"
    with pytest.raises(Refused) as info:
        act(svc, rep, "approve", "alice", "2026-09-28 11:00")
    assert info.value.code == "ROLE"
    with pytest.raises(Refused) as info:
        act(svc, rep, "return", "carol", "2026-09-28 11:00", reason="自行退回")
    assert info.value.code == "FOUR-EYES"
    out = act(svc, rep, "return", "bob", "2026-09-28 15:00", reason="整改证明未加盖公章")
    assert out["state"] == "under_review"
    data = svc.cases.show(rep)["data"]
    assert data["proposal"] is None and data["returned"][0]["return_reason"] == "整改证明未加盖公章"
    body = text(svc, out["notice"])
    assert "退回重新审查" in body and "仍至2026年10月10日届满" in body
    act(svc, rep, "propose_approve", "alice", "2026-09-28 16:00", findings="已补正加盖公章的整改证明")
    assert act(svc, rep, "approve", "carol", "2026-09-29 10:00")["state"] == "public_notice"  # another person
    assert svc.cases.show(rep)["data"]["decision"]["approved_by"] == "carol"


# -- the public notice (Art. 41) and the repair taking effect ---------------------------------------------------

def test_approval_publishes_for_five_working_days_across_national_day(svc, cal):
    rec, rep = published(svc)
    pub = timer(svc, rep, "public_notice")
    assert (pub["status"], pub["side"], pub["start_day"], pub["last_day"]) == (
        "running", "subject", "2026-09-29", "2026-10-12")
    assert cal.nth_working_day_after(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert timer(svc, rep, "decision")["status"] == "stopped"  # the decision is made
    shown = notice(svc, rep, "信用修复公示")
    assert shown["audience"] == "public" and shown["number"].startswith("郑医保信修公〔2026〕")
    assert "至2026年10月12日届满" in shown["text"] and "2026年9月29日的次日起计算" in shown["text"]
    assert "公示对象：郑州市示例医院" in shown["text"] and "超标准收费" in shown["text"]


def test_a_persons_public_notice_masks_name_and_id(svc):
    key = person(svc)
    rec, rep = published(svc, key=key)
    shown = notice(svc, rep, "信用修复公示")
    assert PERSON_ID not in shown["html"] and "李建华" not in shown["html"]
    assert "1101**********002X" in shown["text"] and "李**" in shown["text"]
    assert PERSON_ID in text(svc, notice(svc, rep, "信用修复申请受理通知书")["number"])  # the subject's own notice


def test_the_public_notice_ending_repairs_withdraws_the_record_and_reports_it(svc):
    rec, rep = published(svc)
    assert [f for f in svc.sweep.run_once(at("2026-10-12 23:59"))["fired"] if f["case_id"] == rep] == []
    out = svc.sweep.run_once(at("2026-10-13 00:00"))
    assert (rep, "public_notice_expired", "repaired") in [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]]
    shown = svc.cases.show(rep)
    assert shown["state"] == "repaired" and shown["final"]
    assert shown["data"]["repaired_on"] == "2026-10-13"
    assert shown["data"]["reported_to"] == {"department": "同级信用管理部门", "on": "2026-10-13",
                                            "rule": "河南省医疗保障基金使用信用管理办法 Art. 41"}
    record_case = svc.cases.show(rec)
    assert record_case["state"] == "withdrawn"
    assert record_case["data"]["withdrawn_reason"] == "repaired" and record_case["data"]["repair_case"] == rep
    assert record_case["data"]["withdrawn_on"] == "2026-10-13"
    log = svc.audit.log(rec)[-1]
    assert log["trigger"] == "repaired" and log["effective_at"].startswith("2026-10-13T00:00")
    with frozen_at(at("2026-10-13 09:00")):
        entries = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert [(e["kind"], e["in_use"]) for e in entries] == [("bad", False)]
    decision = notice(svc, rep, "信用修复决定书")
    body = decision["text"]
    assert "附件5" in body and "公示期于2026年10月12日届满，期间未收到异议" in body
    assert "自2026年10月13日起停止公示该失信记录" in body and "惩戒措施自2026年10月13日起终止" in body
    assert "抄送：同级信用管理部门" in body and "2026年9月29日在官方网站进行公示" in body


def test_a_record_whose_disclosure_ended_meanwhile_is_not_said_to_stop_now(svc):
    rec, rep = published(svc, when="2025-10-10 09:00", determined="2025-10-09")  # disclosed until 2026-10-09
    svc.sweep.run_once(at("2026-10-13 00:00"))
    assert svc.cases.show(rec)["data"]["withdrawn_reason"] == "expired"  # on 2026-10-10, before the repair
    assert svc.cases.show(rep)["state"] == "repaired"
    body = notice(svc, rep, "信用修复决定书")["text"]
    assert "该失信记录已停止公示（公开期限届满）" in body and "起停止公示该失信记录" not in body


def test_an_objection_during_the_public_notice_sends_the_case_back_to_review(svc):
    rec, rep = published(svc)
    out = act(svc, rep, "public_objection", "alice", "2026-10-09 10:00", objector="王某（举报人）",
              reason="该院2026年8月仍有超标准收费行为")
    assert out["state"] == "re_review"
    assert timer(svc, rep, "public_notice")["status"] == "stopped"
    body = text(svc, out["notice"])
    assert "2026年10月9日收到对公示内容的异议" in body and "王某" not in body and "停止该公示" in body
    assert svc.cases.show(rep)["data"]["public_objections"][0]["objector"] == "王某（举报人）"
    svc.sweep.run_once(at("2026-10-13 00:00"))  # the stopped public notice no longer ends in a repair
    assert svc.cases.show(rep)["state"] == "re_review"
    act(svc, rep, "propose_confirm", "alice", "2026-10-12 10:00", findings="经核查，8月的收费符合标准，异议不成立")
    returned = act(svc, rep, "return", "bob", "2026-10-12 15:00", reason="请附核查记录")
    assert returned["state"] == "re_review" and "退回重新复核" in text(svc, returned["notice"])
    act(svc, rep, "propose_confirm", "alice", "2026-10-13 09:00", findings="已附现场核查记录，异议不成立")
    again = act(svc, rep, "approve", "bob", "2026-10-13 10:00")
    assert again["state"] == "public_notice"
    assert timer(svc, rep, "public_notice")["last_day"] == "2026-10-20"  # counted afresh from the approval
    body = text(svc, again["notice"])
    assert "重新公示" in body and "至2026年10月20日届满" in body
    svc.sweep.run_once(at("2026-10-21 00:00"))
    assert svc.cases.show(rep)["state"] == "repaired" and svc.cases.show(rec)["state"] == "withdrawn"
    final = notice(svc, rep, "信用修复决定书")["text"]
    assert "公示期间收到异议，经复核异议不成立，于2026年10月13日重新公示" in final and "2026年10月20日届满" in final


def test_refusal_after_an_objection_to_the_public_notice(svc):
    rec, rep = published(svc)
    act(svc, rep, "public_objection", "alice", "2026-10-09 10:00", objector="张某", reason="整改未完成")
    act(svc, rep, "propose_refuse", "alice", "2026-10-12 10:00", findings="经核查，整改尚未完成")
    act(svc, rep, "return", "bob", "2026-10-12 11:00", reason="请写明核查日期")
    assert svc.cases.show(rep)["state"] == "re_review"  # back to the review after the objection
    act(svc, rep, "propose_refuse", "alice", "2026-10-12 14:00", findings="经2026年10月12日现场核查，整改尚未完成")
    out = act(svc, rep, "approve", "bob", "2026-10-13 10:00")
    assert out["state"] == "refused"
    body = text(svc, out["notice"])
    assert "公示期间收到异议" in body and "经2026年10月12日现场核查，整改尚未完成" in body and "行政复议" in body
    assert svc.cases.show(rec)["state"] == "disclosed"


# -- refusal (附件4) ------------------------------------------------------------------------------------------------

def test_refusal_gives_the_reasons_and_the_remedies(svc):
    rec, rep = accepted(svc)
    act(svc, rep, "propose_refuse", "alice", "2026-09-28 10:00", findings="违规费用尚未全部退回，不良影响未消除")
    with pytest.raises(Refused) as info:
        act(svc, rep, "approve", "alice", "2026-09-28 11:00")
    assert info.value.code == "ROLE"
    out = act(svc, rep, "approve", "bob", "2026-09-29 10:00")
    assert out["state"] == "refused"
    shown = svc.documents.show(out["notice"])
    assert shown["title"] == "不予信用修复决定书"
    body = shown["text"]
    assert "违规费用尚未全部退回，不良影响未消除" in body and "附件4" in body
    assert "郑州市人民政府申请行政复议" in body and "郑州铁路运输法院提起行政诉讼" in body
    assert "上述失信记录继续公示" in body
    assert {t["name"]: t["status"] for t in svc.cases.show(rep)["timers"]} == {"decision": "stopped"}
    assert svc.cases.show(rec)["state"] == "disclosed"


# -- false material (Art. 40) -------------------------------------------------------------------------------------

def _false_commitment(svc, rep) -> dict:
    (linked,) = [c for c in svc.cases.show(rep)["children"] if c["kind"] == "record"]
    assert linked["relation"] == "linked"
    return svc.cases.show(linked["id"])


def test_false_material_refuses_opens_a_record_and_bans_for_three_years(svc):
    rec, rep = accepted(svc)
    out = act(svc, rep, "false_material", "alice", "2026-09-21 10:00", facts="提交的整改报告系伪造，相关退款凭证不存在")
    assert out["state"] == "refused"
    (opened,) = out["opened"]
    assert opened["kind"] == "record" and opened["state"] == "disclosed"
    new = _false_commitment(svc, rep)
    assert new["id"] == opened["case_id"]
    assert {k: new["data"][k] for k in ("category", "determined_on", "disclosure_months", "severity", "ban_until")} == {
        "category": "false_commitment", "determined_on": "2026-09-21", "disclosure_months": 12,
        "severity": "general", "ban_until": "2029-09-21"}
    assert new["data"]["basis"] == f"信用修复案件{rep}"
    assert timer(svc, new["id"], "ban")["status"] == "running" and timer(svc, new["id"], "ban")["last_day"] == "2029-09-21"
    assert svc.cases.show(rep)["data"]["false_material"]["ban_until"] == "2029-09-21"
    assert {t["name"]: t["status"] for t in svc.cases.show(rep)["timers"]} == {"decision": "stopped"}
    shown = svc.documents.show(out["notice"])
    assert shown["title"] == "不予信用修复决定书"
    assert "提交的整改报告系伪造" in shown["text"] and "至2029年9月21日" in shown["text"] and "行政复议" in shown["text"]
    assert svc.cases.show(rec)["state"] == "disclosed"  # the record stays disclosed
    err = refused(svc, apply, rec, when="2026-10-12 09:00", received="2026-10-12")
    assert err.code == "REP-BAN" and "2029年9月21日" in err.message and "2029年9月22日" in err.message


def test_false_material_after_the_repair_took_effect_revokes_it(svc):
    rec, rep = repaired(svc)
    assert svc.cases.show(rec)["state"] == "withdrawn"
    out = act(svc, rep, "false_material", "alice", "2026-11-02 10:00", facts="承诺不再发生同类行为，2026年10月又超标准收费")
    assert out["state"] == "refused"
    assert [n["kind"] for n in out["notified"]] == ["record"] and out["notified"][0]["state"] == "disclosed"
    back = svc.cases.show(rec)
    assert back["state"] == "disclosed" and back["data"]["withdrawn_reason"] is None
    assert back["data"]["repair_revoked"]["case"] == rep
    new = _false_commitment(svc, rep)
    assert (new["data"]["category"], new["data"]["determined_on"], new["data"]["ban_until"]) == (
        "false_commitment", "2026-11-02", "2029-11-02")
    shown = svc.documents.show(out["notice"])
    assert shown["title"] == "撤销信用修复决定书"
    body = shown["text"]
    assert "自2026年10月13日起停止公示" in body and "撤销对上述失信记录的信用修复，自2026年11月2日起恢复公示" in body
    assert "至2029年11月2日" in body and "行政复议" in body
    with frozen_at(at("2026-11-02 11:00")):
        entries = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert sorted((e["category"], e["in_use"]) for e in entries) == [
        ("excessive_charges", False), ("excessive_charges", True), ("false_commitment", True)]


def test_false_material_during_the_public_notice(svc):
    rec, rep = published(svc)
    out = act(svc, rep, "false_material", "alice", "2026-10-09 10:00", facts="信用报告系伪造")
    assert out["state"] == "refused" and timer(svc, rep, "public_notice")["status"] == "stopped"
    svc.sweep.run_once(at("2026-10-13 00:00"))
    assert svc.cases.show(rep)["state"] == "refused" and svc.cases.show(rec)["state"] == "disclosed"


# -- who fires what ---------------------------------------------------------------------------------------------

def test_no_person_fires_the_expiries(svc):
    rec, rep = published(svc)
    for trigger in ("public_notice_expired", "decision_overdue"):
        with pytest.raises(Refused) as info:
            act(svc, rep, trigger, "alice", "2026-10-13 10:00")
        assert info.value.code in ("CLOCK-SYSTEM-TRIGGER", "TRIGGER")
    with pytest.raises(Refused) as info:
        act(svc, rep, "approve", "bob", "2026-10-01 10:00")
    assert info.value.code == "TRIGGER"


def test_every_declared_route_is_driven_by_this_file():
    """The triggers of the repair, each fired above (a new route needs a test here)."""
    from states import PROCEDURES

    proc = PROCEDURES["repair"]
    # `assign` (every procedure's, states/common.py) is driven in tests/test_assignment.py
    assert {t.trigger for t in proc.transitions} - {"assign", "attach"} == {
        "open", "supplement", "accept", "not_accept", "extend", "propose_approve", "propose_refuse", "propose_confirm",
        "approve", "return", "public_objection", "public_notice_expired", "decision_overdue", "false_material",
        "correct_notice", "deadline_reminder", "deadline_recomputed", "notice_served",
        "board_objection", "sealed_read"}  # the public board's objection and its contact's reading: tests/test_board.py
    assert {t.name for t in proc.timers} == {"decision", "public_notice"}
    assert {s.name for s in proc.states} == {"received", "under_review", "approve_proposed", "refuse_proposed",
                                             "public_notice", "re_review", "confirm_proposed", "repaired", "refused",
                                             "not_accepted"}
    assert default_calendar().nth_working_day_after(date(2026, 9, 29), 5) == date(2026, 10, 12)


# -- privacy on every repair notice (Art. 4, 28; notices/privacy.py) ------------------------------------------------

def test_every_repair_notice_masks_a_person_for_the_public_and_third_parties(svc, monkeypatch):
    """Every repair template, rendered from the context it was issued with for a person, then for the public and
    a third party: no full name or ID number survives there; the person's own notice carries them."""
    contexts = capture_notice_contexts(monkeypatch, "repair/")
    key = person(svc)
    rec1 = record(svc, key=key)
    rep1 = apply(svc, rec1, materials="application_form")["case_id"]
    act(svc, rep1, "supplement", "alice", "2026-09-11 10:00", materials="commitment,proof")
    act(svc, rep1, "accept", "alice", "2026-09-14 10:00")
    act(svc, rep1, "extend", "alice", "2026-09-15 10:00", reason="需现场核查")
    act(svc, rep1, "propose_approve", "alice", "2026-09-21 10:00", findings="整改到位")
    act(svc, rep1, "return", "bob", "2026-09-22 10:00", reason="补充核查记录")
    act(svc, rep1, "propose_approve", "alice", "2026-09-28 10:00", findings="整改到位，已附核查记录")
    act(svc, rep1, "approve", "bob", "2026-09-29 10:00")
    act(svc, rep1, "public_objection", "alice", "2026-10-09 10:00", objector="王某", reason="仍有违规")
    act(svc, rep1, "propose_confirm", "alice", "2026-10-12 10:00", findings="异议不成立")
    act(svc, rep1, "approve", "bob", "2026-10-13 10:00")
    with frozen_at(at("2026-10-13 11:00")):  # an objection on the public board, the contact read by the handler
        svc.board.object(rep1, {"objector": "赵某", "contact": "13912345678", "reason": "仍有违规"})
        svc.cases.read_sealed(rep1, "alice")
    act(svc, rep1, "propose_confirm", "alice", "2026-10-14 10:00", findings="异议不成立")
    act(svc, rep1, "approve", "bob", "2026-10-14 15:00")
    rec2 = record(svc, key=key, category="duplicate_charges", facts="重复收费3笔")
    rep2 = apply(svc, rec2, materials="application_form")["case_id"]
    act(svc, rep2, "not_accept", "alice", "2026-09-12 10:00", reason="未补齐材料")
    rec3 = record(svc, key=key, category="drug_substitution", facts="串换药品2笔")
    rep3 = apply(svc, rec3)["case_id"]
    act(svc, rep3, "accept", "alice", "2026-09-14 10:00")
    svc.sweep.run_once(at("2026-10-22 00:00"))  # rep3 overdue (10-10); rep1 repaired (10-21)
    act(svc, rep3, "propose_refuse", "alice", "2026-10-22 10:00", findings="违规费用尚未退回")  # after the sweep
    act(svc, rep3, "approve", "bob", "2026-10-23 10:00")
    act(svc, rep1, "false_material", "alice", "2026-11-02 10:00", facts="核查记录系伪造")
    assert_person_masked_outside(contexts, "repair", PERSON_ID, "李建华", "李**")


# -- the generic command line ------------------------------------------------------------------------------------

def test_the_command_line_opens_and_refuses_as_the_issue_spells_it(cli):
    cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", "--reconsideration-body", "郑州市人民政府")
    cli("user", "add", "alice", "--role", "handler")
    cli("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")
    rec = cli("case", "open", "record", "--subject", "1", "--set", "category=excessive_charges",
              "--set", "determined=2026-01-05", "--set", "disclosure_months=12", "--set", f"facts={FACTS}",
              "--as", "alice", now="2026-01-06T09:00:00+08:00").json["case_id"]
    early = cli("case", "open", "repair", "--parent", str(rec), "--set", "received=2026-07-03",
                "--set", "materials=application_form,commitment,proof", "--as", "alice",
                now="2026-07-03T09:00:00+08:00", expect=3).error
    assert early["code"] == "REP-WAIT" and "2026年7月6日" in early["message"]
    out = cli("case", "open", "repair", "--parent", str(rec), "--set", "received=2026-09-10",
              "--set", "materials=application_form,commitment,proof", "--as", "alice",
              now="2026-09-11T09:00:00+08:00").json
    assert (out["kind"], out["state"]) == ("repair", "received")
    cli("case", "act", str(out["case_id"]), "accept", "--as", "alice", now="2026-09-14T10:00:00+08:00")
    shown = cli("case", "show", str(out["case_id"])).json
    assert [(t["name"], t["last_day"]) for t in shown["timers"]] == [("decision", "2026-10-10")]
    inputs = cli("case", "inputs", "repair").json
    assert [i["name"] for i in inputs["inputs"]] == ["received", "materials"] and inputs["opens_on"] == ["parent"]
