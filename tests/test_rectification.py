"""The interview-and-rectification loop (约谈整改, states/rectification.py; docs/rules.md §5), on SQLite and
PostgreSQL: opened by a D grade's record in the same transaction (Henan measure Art. 35(1)) or by a handler for a
violation (Hongqiao plan §19); a round (interview notice with its lead time, the interview record in the credit
archive or a no-show, the order to rectify by a deadline, the report, its verification with four eyes); failed
rounds escalating (reminder → warning) up to the policy's number of rounds; then the sanction heard first (the
陈述申辩 period, Order 735 Art. 31) and decided with the remedies; and the case ending by itself when the 失信
behind it is lifted (repaired, corrected, annulled), not when its disclosure merely expires."""

from __future__ import annotations

from datetime import date

import pytest

from calendars import compute
from conftest import (HOSPITAL_USCC, PERSON_ID, assert_person_masked_outside, at, capture_notice_contexts, make_services,
                      publish, stored_counts as counts, act_at as act, refused_at as refused)
from states.rectification import SANCTIONS
from workflows.clock import frozen_at
from workflows.demo import demo_id_number, demo_uscc
from workflows.errors import BadInput, Refused
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)

INSURED_ID = demo_id_number("19620118", "015")
EMPLOYER_USCC = demo_uscc("91", "MA9X0D5A")
SUBJECTS = {
    "hospital": ("郑州市示例医院", "hospital", HOSPITAL_USCC, None),
    "practitioner": ("李建华", "practitioner", None, PERSON_ID),
    "insured": ("王秀英", "insured", None, INSURED_ID),
    "employer": ("郑州市示例机械制造有限公司", "employer", EMPLOYER_USCC, None),
}
FACTS = "2025年第四季度超标准收取一次性医用耗材费用46笔，涉及医保基金1.38万元"
PLACE = "郑州市医疗保障局三楼约谈室"
INTERVIEW = {"place": PLACE, "matters": "通报检查发现的超标准收费问题，听取情况说明", "attendees": "法定代表人及医保管理部门负责人"}


# -- helpers -------------------------------------------------------------------------------------------------

def subject(svc, key: str = "hospital") -> str:
    name, kind, uscc, id_number = SUBJECTS[key]
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


def wd(cal, start: date, n: int) -> date:
    return compute(cal, start, "working_days", n).last_day


def violation(svc, key="hospital", when="2026-03-25 09:00", **extra) -> int:
    inputs = {"reason": "violation", "facts": FACTS, **extra}
    with frozen_at(at(when)):
        return svc.cases.open("rectification", "alice", inputs, subject=subject(svc, key))["case_id"]


def notify(svc, case, when="2026-04-01 10:00", interview="2026-04-07", **extra) -> dict:
    return act(svc, case, "notify_interview", "alice", when, interview_on=interview, **{**INTERVIEW, **extra})


def interviewed(svc, key="hospital", **extra) -> int:
    """A violation case whose first interview (notified 2026-04-01 for 2026-04-07, across Qingming) is recorded."""
    case = violation(svc, key, **extra)
    notify(svc, case)
    act(svc, case, "record_interview", "alice", "2026-04-07 15:00", record="法定代表人到场，承认问题属实，表示立即整改")
    return case


def ordered(svc, key="hospital", **extra) -> int:
    """… ordered to rectify on 2026-04-07: 15 working days, to 2026-04-28."""
    case = interviewed(svc, key, **extra)
    act(svc, case, "order_rectification", "alice", "2026-04-07 16:00", matters="全额退回违规收取的费用，建立收费自查制度")
    return case


def reported(svc, key="hospital", **extra) -> int:
    case = ordered(svc, key, **extra)
    act(svc, case, "submit_report", "alice", "2026-04-20 10:00", received="2026-04-20")
    return case


def awaiting(svc, key="hospital", **extra) -> int:
    """Two rounds, both no-shows (2026-04-07, 2026-04-13): the case waits for the sanction."""
    case = violation(svc, key, **extra)
    notify(svc, case)
    act(svc, case, "no_show", "alice", "2026-04-07 16:00")
    notify(svc, case, when="2026-04-08 10:00", interview="2026-04-13")
    out = act(svc, case, "no_show", "alice", "2026-04-13 16:00", note="第二次仍未到场")
    assert out["state"] == "awaiting_sanction"
    return case


def d_grade(svc, years=(2025,), key="hospital") -> list[tuple[int, int, int]]:
    """D results published on 2026-03-02, final when their windows end (2026-03-23): (evaluation, record,
    rectification) each, opened by the sweep of 2026-03-24 00:00."""
    sid = subject(svc, key)
    with frozen_at(at("2026-03-02 09:00")):
        evs = [publish(svc, sid, year, "65", "alice") for year in years]
        for ev in evs:
            if not show(svc, ev["case_id"])["timers"]:  # a person's result: its window runs from service
                svc.documents.serve(ev["notice"], "direct", "2026-03-02", "alice")
    evs = [ev["case_id"] for ev in evs]
    svc.sweep.run_once(at("2026-03-24 00:00"))
    out = []
    for ev in evs:
        (record,) = [c["id"] for c in show(svc, ev)["children"] if c["kind"] == "record"]
        (rect,) = [c["id"] for c in show(svc, record)["children"] if c["kind"] == "rectification"]
        out.append((ev, record, rect))
    return out


# -- opening -------------------------------------------------------------------------------------------------

def test_a_final_d_grade_opens_its_record_and_a_warning_interview_in_the_same_transaction(svc):
    sid = subject(svc)
    with frozen_at(at("2026-03-02 09:00")):
        ev = publish(svc, sid, 2025, "65", "alice")["case_id"]
    out = svc.sweep.run_once(at("2026-03-24 00:00"))
    (fired,) = out["fired"]
    (record,) = fired["opened"]
    (rect,) = record["opened"]
    assert (fired["case_id"], fired["state"], record["kind"], rect["kind"], rect["state"]) == (
        ev, "final", "record", "rectification", "opened")
    shown = show(svc, rect["case_id"])
    assert shown["parent"] == record["case_id"] and shown["final"] is False
    assert [(c["id"], c["kind"], c["relation"]) for c in show(svc, record["case_id"])["children"]] == [
        (rect["case_id"], "rectification", "child")]
    assert (shown["reason"], shown["level"], shown["round"], shown["record"]) == ("d_grade", "warning", 1, record["case_id"])
    assert shown["rounds"] == [{"round": 1, "level": "warning", "interview_on": None, "deadline": None, "outcome": None}]
    assert shown["data"]["record"]["determined_on"] == "2026-03-24" and shown["timers"] == []
    # one transaction: the three log rows carry the same effective instant, each caused by the one before
    logs = [svc.audit.log(c)[-1] for c in (ev, record["case_id"], rect["case_id"])]
    assert {entry["effective_at"][:19] for entry in logs} == {"2026-03-24T00:00:00"}
    assert logs[2]["trigger"] == "open_on_d_grade" and logs[2]["inputs"]["caused_by"]["case"] == record["case_id"]
    opened = svc.documents.show(rect["notice"])
    assert opened["title"] == "约谈整改立案记录" and opened["audience"] == "internal"
    assert "第三十五条第（一）项" in opened["text"] and "首轮为警示约谈" in opened["text"]
    assert opened["number"].startswith("郑医保信约记〔2026〕")


def test_with_the_policy_flag_off_a_d_grade_opens_no_rectification(db_url, tmp_path):
    from states import build_registry
    from states.policy import HENAN_2023
    from states.spec import Policy, PolicyNumber

    reg = build_registry(policy=HENAN_2023.overlaid(Policy("off", {
        "rectification_for_d_grade": PolicyNumber(False, "flag", "test: Art. 35(1) 可以, not used")})))
    s = make_services(db_url, tmp_path, registry=reg)
    try:
        s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府")
        s.deployment.add_user("alice", ["handler"])
        sid = subject(s)
        with frozen_at(at("2026-03-02 09:00")):
            ev = publish(s, sid, 2025, "65", "alice")["case_id"]
        s.sweep.run_once(at("2026-03-24 00:00"))
        (record,) = [c["id"] for c in s.cases.show(ev)["children"]]
        assert s.cases.show(record)["state"] == "disclosed" and s.cases.show(record)["children"] == []
        assert s.cases.list(kind="rectification") == []
    finally:
        s.db.dispose()


def test_a_handler_opens_a_violation_case_a_reminder_interview_unless_warning(svc):
    case = violation(svc)
    shown = show(svc, case)
    assert (shown["state"], shown["reason"], shown["level"], shown["parent"]) == ("opened", "violation", "reminder", None)
    assert shown["data"]["facts"] == FACTS
    warning = violation(svc, when="2026-03-25 10:00", level="warning", basis="郑医保检〔2026〕12号现场检查记录")
    assert show(svc, warning)["level"] == "warning" and show(svc, warning)["rounds"][0]["level"] == "warning"
    assert "郑医保检〔2026〕12号" in text(svc, show(svc, warning)["notices"][0]["number"])
    before = counts(svc)
    with frozen_at(at("2026-03-25 11:00")), pytest.raises(Refused) as info:
        svc.cases.open("rectification", "alice", {"reason": "d_grade", "facts": FACTS}, subject=HOSPITAL_USCC)
    assert info.value.code == "RECT-REASON" and "reason=violation" in info.value.message
    with frozen_at(at("2026-03-25 11:00")), pytest.raises(BadInput):
        svc.cases.open("rectification", "alice", {"reason": "violation"}, subject=HOSPITAL_USCC)  # facts required
    with frozen_at(at("2026-03-25 11:00")), pytest.raises(BadInput):
        svc.cases.open("rectification", "alice", {"reason": "violation", "facts": FACTS}, parent=case)  # on a subject
    assert counts(svc) == before


# -- the interview --------------------------------------------------------------------------------------------

def test_the_interview_notice_comes_at_least_three_working_days_ahead(svc, cal):
    case = violation(svc)
    # notified on Wednesday 1 April: the Qingming holiday (4-6 April) does not count; the earliest day is 7 April
    assert wd(cal, date(2026, 4, 1), 3) == date(2026, 4, 7)
    err = refused(svc, case, "notify_interview", "alice", "2026-04-01 10:00", interview_on="2026-04-06", **INTERVIEW)
    assert err.code == "RECT-LEAD" and "2026年4月7日" in err.message and "3个工作日" in err.message
    out = notify(svc, case)
    assert out["state"] == "interview_notified"
    t = timer(svc, case, "interview")
    assert (t["status"], t["side"], t["start_day"], t["last_day"]) == ("running", "agency", "2026-04-01", "2026-04-07")
    n = svc.documents.show(out["notice"])
    assert n["title"] == "提示约谈通知书" and n["number"].startswith("郑医保信约〔2026〕")
    assert "约谈时间：2026年4月7日" in n["text"] and PLACE in n["text"] and "第19项" in n["text"]
    assert "第三十八条、第三十九条" in n["text"] and "进入下一轮警示约谈" in n["text"]
    assert show(svc, case)["rounds"][0]["interview_on"] == "2026-04-07"


def test_the_interview_clock_is_explained_day_by_day_to_the_interview_day(svc):
    case = violation(svc)
    notify(svc, case)  # notified on 2026-04-01 for an interview on 2026-04-07 (across Qingming, 4-6 April)
    out = svc.cases.explain_timer(case, "interview")
    assert (out["timer"], out["last_day"]) == ("interview", "2026-04-07")
    days = out["days"]
    assert days[0]["date"] == "2026-04-01" and not days[0]["counted"]
    assert [d["date"] for d in days[1:]] == [f"2026-04-0{n}" for n in range(2, 8)]
    assert "约定的日期，至该日24时届满" in days[-1]["label"] and "清明节" in days[4]["label"]


def test_the_interview_record_goes_into_the_credit_archive(svc):
    case = violation(svc)
    notify(svc, case)
    err = refused(svc, case, "record_interview", "alice", "2026-04-03 10:00", record="提前约谈")
    assert err.code == "RECT-DATE" and "2026年4月7日" in err.message
    assert refused(svc, case, "no_show", "alice", "2026-04-03 10:00").code == "RECT-DATE"
    err = refused(svc, case, "order_rectification", "alice", "2026-04-03 10:00", matters="整改")
    assert err.code == "RECT-INTERVIEW"
    out = act(svc, case, "record_interview", "alice", "2026-04-07 15:00", record="法定代表人到场，承认问题属实")
    assert out["state"] == "interview_notified"  # the order is the next step
    assert timer(svc, case, "interview")["status"] == "stopped"
    record = svc.documents.show(out["notice"])
    assert record["title"] == "约谈记录" and record["audience"] == "internal" and "法定代表人到场" in record["text"]
    assert "信用信息共享平台" in record["text"]
    with frozen_at(at("2026-04-07 16:00")):
        archive = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    (entry,) = archive
    assert (entry["kind"], entry["kind_label"], entry["category"], entry["case_id"]) == (
        "supervision", "监管记录", "interview_record", case)
    assert (entry["determined_on"], entry["disclosed_until"], entry["in_use"]) == ("2026-04-07", None, True)
    assert "提示约谈" in entry["facts"] and "法定代表人到场" in entry["facts"] and "§19" in entry["rule"]
    assert refused(svc, case, "record_interview", "alice", "2026-04-07 16:00", record="再记一次").code == "RECT-INTERVIEW"
    assert refused(svc, case, "no_show", "alice", "2026-04-07 16:00").code == "RECT-INTERVIEW"


def test_the_interview_day_passing_unrecorded_flags_the_case_to_the_handlers(svc):
    case = violation(svc)
    notify(svc, case)
    assert [f for f in svc.sweep.run_once(at("2026-04-07 23:59"))["fired"] if f["case_id"] == case] == []
    out = svc.sweep.run_once(at("2026-04-08 00:00"))
    assert [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]] == [
        (case, "interview_overdue", "interview_notified")]
    shown = show(svc, case)
    assert shown["overdue"] and timer(svc, case, "interview")["status"] == "fired"
    flag = notice(svc, case, "约谈情况逾期未登记督办提示")
    assert flag["audience"] == "handlers" and flag["number"].startswith("郑医保督〔2026〕")
    assert "2026年4月7日" in flag["text"] and "不代替本局作出任何处理决定" in flag["text"]
    act(svc, case, "record_interview", "alice", "2026-04-08 10:00", record="约谈已于4月7日进行，补登记")
    assert not show(svc, case)["overdue"]


def test_a_no_show_fails_the_round_and_the_next_is_a_warning_interview(svc):
    case = violation(svc)
    notify(svc, case)
    out = act(svc, case, "no_show", "alice", "2026-04-07 16:00", note="经电话联系，称未安排人员")
    assert out["state"] == "opened"
    shown = show(svc, case)
    assert shown["rounds"] == [
        {"round": 1, "level": "reminder", "interview_on": "2026-04-07", "deadline": None, "outcome": "failed_no_show"},
        {"round": 2, "level": "warning", "interview_on": None, "deadline": None, "outcome": None}]
    assert (shown["round"], shown["level"]) == (2, "warning") and timer(svc, case, "interview")["status"] == "stopped"
    body = text(svc, out["notice"])
    assert "未按通知到场接受约谈（经电话联系，称未安排人员）" in body and "第2轮警示约谈" in body
    second = notify(svc, case, when="2026-04-08 10:00", interview="2026-04-13")
    assert svc.documents.show(second["notice"])["title"] == "警示约谈通知书"
    assert "第1轮提示约谈（约谈日期2026年4月7日）：未按约谈通知到场" in text(svc, second["notice"])
    assert timer(svc, case, "interview")["last_day"] == "2026-04-13"
    last = act(svc, case, "no_show", "alice", "2026-04-13 16:00")
    assert last["state"] == "awaiting_sanction"  # the policy's 2 rounds, counted from the first
    assert "本案已进行2轮约谈整改（本局规定最多进行2轮）" in text(svc, last["notice"])
    assert [r["outcome"] for r in show(svc, case)["rounds"]] == ["failed_no_show", "failed_no_show"]


# -- the order, the report, the verification ---------------------------------------------------------------------

def test_the_order_runs_fifteen_working_days_and_states_the_defence_right_and_remedies(svc, cal):
    case = ordered(svc)
    t = timer(svc, case, "rectification")
    assert (t["status"], t["side"], t["last_day"]) == ("running", "subject", wd(cal, date(2026, 4, 7), 15).isoformat())
    assert t["last_day"] == "2026-04-28" and show(svc, case)["rounds"][0]["deadline"] == "2026-04-28"
    order = notice(svc, case, "责令限期整改通知书")
    body = order["text"]
    assert "自2026年4月7日起15个工作日（该日不计入），即至2026年4月28日届满" in body
    assert "第三十一条" in body and "陈述、申辩" in body and "整改事项和要求" in body
    assert "郑州市人民政府申请行政复议" in body and "郑州铁路运输法院提起行政诉讼" in body


def test_the_report_is_dated_between_the_order_and_today_within_the_deadline(svc):
    case = ordered(svc)
    assert refused(svc, case, "submit_report", "alice", "2026-04-20 10:00", received="2026-04-21").code == "RECT-DATE"
    err = refused(svc, case, "submit_report", "alice", "2026-04-20 10:00", received="2026-04-06")
    assert err.code == "RECT-DATE" and "2026年4月7日" in err.message
    # the sweep has not run yet: a report received after the last day is not taken as in time
    err = refused(svc, case, "submit_report", "alice", "2026-04-29 10:00", received="2026-04-29")
    assert err.code == "RECT-DATE" and "2026年4月28日" in err.message
    out = act(svc, case, "submit_report", "alice", "2026-04-29 11:00", received="2026-04-28")
    assert out["state"] == "report_received" and timer(svc, case, "rectification")["status"] == "stopped"
    assert "2026年4月28日收到" in text(svc, out["notice"])


def test_the_deadline_passing_with_no_report_fails_the_round_by_itself(svc):
    case = ordered(svc)
    assert [f for f in svc.sweep.run_once(at("2026-04-28 23:59"))["fired"] if f["case_id"] == case] == []
    out = svc.sweep.run_once(at("2026-04-29 00:00"))
    assert [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]] == [(case, "rectification_expired", "opened")]
    rounds = show(svc, case)["rounds"]
    assert [(r["outcome"], r["deadline"]) for r in rounds] == [("failed_no_report", "2026-04-28"), (None, None)]
    lapsed = notice(svc, case, "逾期未提交整改报告告知书")
    assert "整改期限至2026年4月28日届满" in lapsed["text"] and "第2轮警示约谈" in lapsed["text"]
    assert refused(svc, case, "rectification_expired", "alice", "2026-04-29 10:00").code == "CLOCK-SYSTEM-TRIGGER"


def test_the_last_round_lapsing_waits_for_the_sanction(svc, cal):
    case = violation(svc)
    notify(svc, case)
    act(svc, case, "no_show", "alice", "2026-04-07 16:00")
    notify(svc, case, when="2026-04-08 10:00", interview="2026-04-13")
    act(svc, case, "record_interview", "alice", "2026-04-13 15:00", record="到场")
    act(svc, case, "order_rectification", "alice", "2026-04-13 16:00", matters="退回违规费用")
    last = wd(cal, date(2026, 4, 13), 15)
    assert timer(svc, case, "rectification")["last_day"] == last.isoformat() == "2026-05-07"  # across Labour Day
    assert [f for f in svc.sweep.run_once(at("2026-05-07 23:59"))["fired"] if f["case_id"] == case] == []
    svc.sweep.run_once(at("2026-05-08 00:00"))
    assert show(svc, case)["state"] == "awaiting_sanction"
    assert "本案已进行2轮约谈整改" in notice(svc, case, "逾期未提交整改报告告知书")["text"]


def test_verification_is_proposed_and_approved_by_another_person(svc):
    case = reported(svc)
    out = act(svc, case, "propose_pass", "carol", "2026-04-21 10:00", findings="违规费用已全额退回，收费自查制度已建立")
    assert out["state"] == "pass_proposed"
    assert refused(svc, case, "approve", "carol", "2026-04-21 11:00").code == "FOUR-EYES"
    assert refused(svc, case, "approve", "alice", "2026-04-21 11:00").code == "ROLE"
    returned = act(svc, case, "return", "bob", "2026-04-21 15:00", reason="请附退费银行凭证")
    assert returned["state"] == "report_received" and "请附退费银行凭证" in text(svc, returned["notice"])
    assert show(svc, case)["data"]["proposal"] is None
    act(svc, case, "propose_pass", "alice", "2026-04-22 10:00", findings="已附退费银行凭证，违规费用已全额退回")
    done = act(svc, case, "approve", "carol", "2026-04-22 15:00")
    assert done["state"] == "passed" and show(svc, case)["final"]
    assert show(svc, case)["rounds"][0]["outcome"] == "passed"
    result = svc.documents.show(done["notice"])
    assert result["title"] == "整改核查结果告知书" and "已按要求完成整改" in result["text"]
    assert "已附退费银行凭证" in result["text"] and "申请行政复议" not in result["text"]
    assert show(svc, case)["data"]["rounds"][0]["verification"]["approved_by"] == "carol"


def test_a_failed_verification_opens_the_next_round(svc):
    case = reported(svc)
    act(svc, case, "propose_fail", "alice", "2026-04-21 10:00", findings="退费仅完成三成")
    returned = act(svc, case, "return", "bob", "2026-04-21 11:00", reason="请写明未退费金额")
    assert returned["state"] == "report_received"
    act(svc, case, "propose_fail", "alice", "2026-04-21 14:00", findings="应退1.38万元，已退0.41万元，其余未退")
    out = act(svc, case, "approve", "bob", "2026-04-21 15:00")
    assert out["state"] == "opened"
    assert [r["outcome"] for r in show(svc, case)["rounds"]] == ["failed_verification", None]
    failed = svc.documents.show(out["notice"])
    assert failed["title"] == "整改核查不合格告知书" and "其余未退" in failed["text"] and "第2轮警示约谈" in failed["text"]


# -- the sanction ----------------------------------------------------------------------------------------------

def test_the_sanction_is_chosen_from_the_subjects_list_with_its_months(svc):
    case = awaiting(svc)
    for sanction, months, code in (("suspend_service", None, "RECT-MONTHS"), ("suspend_service", "5", "RECT-MONTHS"),
                                   ("suspend_service", "13", "RECT-MONTHS"), ("penalty_referral", "6", "RECT-MONTHS"),
                                   ("suspend_agreement", "6", "RECT-MONTHS")):
        inputs = {"sanction": sanction, **({"months": months} if months else {})}
        err = refused(svc, case, "notify_defence", "alice", "2026-04-14 10:00", **inputs)
        assert err.code == code, (sanction, months, err.code)
    assert "6至12个月" in err.message
    employer = awaiting(svc, "employer")
    err = refused(svc, employer, "notify_defence", "alice", "2026-04-14 10:00", sanction="suspend_service", months="6")
    assert err.code == "RECT-SANCTION" and "penalty_referral" in err.message and "fraud_case" in err.message
    insured = awaiting(svc, "insured")
    err = refused(svc, insured, "notify_defence", "alice", "2026-04-14 10:00", sanction="suspend_agreement")
    assert err.code == "RECT-SANCTION" and "可选：penalty_referral（转入行政处罚程序）" in err.message
    assert act(svc, insured, "notify_defence", "alice", "2026-04-14 10:00", sanction="转入行政处罚程序")["state"] == "defence"
    practitioner = awaiting(svc, "practitioner")
    out = act(svc, practitioner, "notify_defence", "alice", "2026-04-14 10:00", sanction="suspend_agreement")
    s = show(svc, practitioner)["data"]["sanction"]
    assert (s["label"], s["months"], s["hearing"]) == ("暂停医保支付资格", 6, True)  # suspend_agreement_months
    assert "暂停你的医保支付资格6个月" in text(svc, out["notice"]) and "要求听证" in text(svc, out["notice"])
    assert set(SANCTIONS) == {"suspend_service", "suspend_agreement", "penalty_referral", "fraud_case"}


def test_a_suspension_is_heard_then_decided_with_the_remedies(svc, cal):
    case = awaiting(svc)
    out = act(svc, case, "notify_defence", "alice", "2026-04-14 10:00", sanction="suspend_service", months="6")
    assert out["state"] == "defence"
    t = timer(svc, case, "defence")
    assert (t["side"], t["last_day"]) == ("subject", wd(cal, date(2026, 4, 14), 5).isoformat()) == ("subject", "2026-04-21")
    n = svc.documents.show(out["notice"])
    assert n["title"] == "拟作出处理决定告知书"
    assert "自2026年4月14日起5个工作日内（该日不计入），即2026年4月21日前" in n["text"] and "第三十一条" in n["text"]
    assert "暂停相关责任部门6个月涉及医疗保障基金使用的医药服务" in n["text"]
    assert "要求听证" in n["text"] and "第六十三条、第六十四条" in n["text"]
    err = refused(svc, case, "propose_sanction", "alice", "2026-04-15 10:00", findings="拒不改正")
    assert err.code == "RECT-DEFENCE" and "2026年4月21日" in err.message
    assert refused(svc, case, "record_defence", "alice", "2026-04-15 10:00", statement="申辩",
                   received="2026-04-13").code == "RECT-DATE"
    assert refused(svc, case, "record_defence", "alice", "2026-04-15 10:00", statement="申辩",
                   received="2026-04-16").code == "RECT-DATE"
    got = act(svc, case, "record_defence", "alice", "2026-04-16 10:00", statement="请求从轻处理", received="2026-04-15")
    assert got["state"] == "defence" and timer(svc, case, "defence")["status"] == "stopped"
    assert "2026年4月15日收到你单位的陈述、申辩意见" in text(svc, got["notice"])
    assert refused(svc, case, "record_defence", "alice", "2026-04-16 11:00", statement="再申辩",
                   received="2026-04-16").code == "RECT-DEFENCE"
    act(svc, case, "propose_sanction", "alice", "2026-04-17 10:00", findings="申辩理由不成立")
    back = act(svc, case, "return", "bob", "2026-04-17 11:00", reason="请写明对申辩的复核意见")
    assert back["state"] == "defence" and "重新提出处理意见" in text(svc, back["notice"])
    act(svc, case, "propose_sanction", "alice", "2026-04-20 10:00",
        findings="申辩称已部分退费，经核实仍有1.2万元未退，申辩理由不成立；经两轮约谈拒不改正")
    assert refused(svc, case, "approve", "alice", "2026-04-20 11:00").code == "ROLE"
    done = act(svc, case, "approve", "bob", "2026-04-21 10:00")
    assert done["state"] == "sanctioned" and show(svc, case)["final"]
    decision = svc.documents.show(done["notice"])
    assert decision["title"] == "约谈整改处理决定书"
    body = decision["text"]
    assert "本局决定：依照《医疗保障基金使用监督管理条例》第三十八条，责令你单位暂停相关责任部门6个月" in body
    assert "2026年4月15日提出陈述、申辩，本局已进行复核" in body and "暂停期限自本决定书送达之日起计算" in body
    assert "郑州市人民政府申请行政复议" in body and "上述处理决定不停止执行" in body
    d = show(svc, case)["data"]["decision"]
    assert (d["code"], d["months"], d["proposed_by"], d["approved_by"]) == ("suspend_service", 6, "alice", "bob")


def test_the_defence_period_running_out_lets_the_sanction_be_proposed(svc):
    case = awaiting(svc, "employer")
    act(svc, case, "notify_defence", "alice", "2026-04-14 10:00", sanction="penalty_referral")
    assert "听证" not in notice(svc, case, "拟作出处理决定告知书")["text"]
    out = svc.sweep.run_once(at("2026-04-22 00:00"))
    assert [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]] == [(case, "defence_expired", "defence")]
    lapse = notice(svc, case, "陈述申辩期限届满记录")
    assert lapse["audience"] == "internal" and "2026年4月21日届满" in lapse["text"]
    err = refused(svc, case, "record_defence", "alice", "2026-04-22 10:00", statement="迟到的申辩", received="2026-04-21")
    assert err.code == "RECT-DEFENCE" and "2026年4月21日届满" in err.message
    act(svc, case, "propose_sanction", "alice", "2026-04-22 10:00", findings="经两轮约谈未到场，期限内未陈述申辩")
    done = act(svc, case, "approve", "bob", "2026-04-22 15:00")
    body = text(svc, done["notice"])
    assert "转入行政处罚程序" in body and "在陈述申辩期限（至2026年4月21日）内未提出陈述、申辩" in body
    assert "第四十四条" in body and "申请行政复议" in body


def test_a_fraud_case_sanction_opens_a_fraud_case_linked_to_this_one(svc):
    """The approval of the `fraud_case` sanction registers the clue of a fraud case (states/fraud.py) on the subject,
    in the same transaction, linked to this case (source rectification_failed): its filing decision runs from then."""
    case = awaiting(svc)
    act(svc, case, "notify_defence", "alice", "2026-04-14 10:00", sanction="fraud_case")
    act(svc, case, "record_defence", "alice", "2026-04-15 10:00", statement="否认骗保", received="2026-04-15")
    act(svc, case, "propose_sanction", "alice", "2026-04-16 10:00", findings="涉嫌虚构医药服务，移送欺诈骗保案件办理")
    before = counts(svc)
    done = act(svc, case, "approve", "bob", "2026-04-16 15:00")
    assert counts(svc)[0] == before[0] + 1  # the fraud case, in the same transaction
    (fraud,) = done["opened"]
    assert (fraud["kind"], fraud["state"]) == ("fraud", "clue")
    assert [(c["id"], c["kind"], c["relation"]) for c in show(svc, case)["children"]] == [
        (fraud["case_id"], "fraud", "linked")]
    opened = show(svc, fraud["case_id"])
    assert (opened["parent"], opened["source"], opened["rectification"]) == (case, "rectification_failed", case)
    assert opened["subject_id"] == show(svc, case)["subject_id"]
    assert "涉嫌虚构医药服务" in opened["data"]["facts"] and "未按约谈通知到场" in opened["data"]["facts"]
    assert timer(svc, fraud["case_id"], "filing_decision")["status"] == "running"
    assert "decision" in show(svc, case)["data"] and "referral" not in show(svc, case)["data"]["decision"]
    body = text(svc, done["notice"])
    assert "移送本局欺诈骗保案件办理程序" in body and "作为欺诈骗保线索登记" in body and "决定是否立案调查" in body
    registered = text(svc, show(svc, fraud["case_id"])["notices"][0]["number"])
    assert f"约谈整改案件{case}移送" in registered
    # a second clue for the same rectification case is refused
    with frozen_at(at("2026-04-17 09:00")):
        with pytest.raises(Refused) as info:
            svc.cases.open("fraud", "alice", {"source": "rectification_failed", "facts": "重复登记",
                                              "rectification_case": str(case)}, subject=subject(svc, "hospital"))
    assert info.value.code == "FRAUD-SOURCE" and str(fraud["case_id"]) in info.value.message


# -- the case ends when the 失信 behind it is lifted ------------------------------------------------------------

def _drive(svc, rect, state: str) -> None:
    """A D grade's case (notified from 2026-03-25) driven to `state`."""
    if state == "opened":
        return
    notify(svc, rect, when="2026-03-25 10:00", interview="2026-03-30")
    if state == "interview_notified":
        return
    if state in ("awaiting_sanction", "defence", "sanction_proposed"):
        act(svc, rect, "no_show", "alice", "2026-03-30 16:00")
        notify(svc, rect, when="2026-03-31 10:00", interview="2026-04-03")
        act(svc, rect, "no_show", "alice", "2026-04-03 16:00")
        if state == "awaiting_sanction":
            return
        act(svc, rect, "notify_defence", "alice", "2026-04-07 10:00", sanction="suspend_service", months="6")
        if state == "defence":
            return
        act(svc, rect, "record_defence", "alice", "2026-04-08 10:00", statement="无异议", received="2026-04-08")
        act(svc, rect, "propose_sanction", "alice", "2026-04-08 11:00", findings="拒不改正")
        return
    act(svc, rect, "record_interview", "alice", "2026-03-30 15:00", record="到场")
    act(svc, rect, "order_rectification", "alice", "2026-03-30 16:00", matters="退回违规费用")
    if state == "rectifying":
        return
    act(svc, rect, "submit_report", "alice", "2026-04-08 10:00", received="2026-04-08")
    if state == "report_received":
        return
    act(svc, rect, "propose_pass" if state == "pass_proposed" else "propose_fail", "alice", "2026-04-08 11:00",
        findings="核查意见")


OPEN_STATES = ("opened", "interview_notified", "rectifying", "report_received", "pass_proposed", "fail_proposed",
               "awaiting_sanction", "defence", "sanction_proposed")


def test_an_annulled_d_grade_ends_its_case_from_every_open_state(svc):
    stories = d_grade(svc, years=tuple(range(2025, 2025 - len(OPEN_STATES), -1)))
    for (ev, record, rect), state in zip(stories, OPEN_STATES):
        _drive(svc, rect, state)
        assert show(svc, rect)["state"] == state
    for (ev, record, rect), state in zip(stories, OPEN_STATES):
        out = act(svc, record, "revoke", "alice", "2026-04-09 10:00", basis="郑州市人民政府郑政复决〔2026〕8号行政复议决定书")
        assert [(n["case_id"], n["kind"], n["state"]) for n in out["notified"]] == [(rect, "rectification", "ended")]
        shown = show(svc, rect)
        assert shown["final"] and all(t["status"] in ("stopped", "fired") for t in shown["timers"]), state
        assert (shown["data"]["ended"]["reason"], shown["data"]["ended"]["state_before"]) == ("revoked", state)
        ended = notice(svc, rect, "约谈整改终止告知书")
        assert f"失信记录案件编号{record}" in ended["text"] and "依行政复议决定或者人民法院裁判撤销" in ended["text"]
        assert "终止本案约谈整改" in ended["text"]


def test_a_d_grade_withdrawn_on_an_objection_ends_its_case(svc):
    ((ev, record, rect),) = d_grade(svc)
    _drive(svc, rect, "rectifying")
    with frozen_at(at("2026-03-31 09:00")):
        entry = next(e["id"] for e in svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
                     if e["case_id"] == record and e["in_use"])
        obj = svc.cases.open("objection", "alice", {"grounds": "3", "received": "2026-03-31", "materials": "异议申请书",
                                                    "reason": "依法不应归集"}, entry=entry)["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-31 10:00")
    act(svc, obj, "propose_withdrawal", "alice", "2026-03-31 11:00", findings="该记录依法不应归集")
    act(svc, obj, "approve", "bob", "2026-03-31 15:00")
    assert show(svc, record)["data"]["withdrawn_reason"] == "corrected"
    shown = show(svc, rect)
    assert shown["state"] == "ended" and shown["data"]["ended"]["reason"] == "corrected"
    assert timer(svc, rect, "rectification")["status"] == "stopped"
    ended = notice(svc, rect, "约谈整改终止告知书")["text"]
    assert "无需再依本案提交整改报告" in ended and "依异议处理决定更正，予以撤销" in ended


def test_a_repaired_d_grade_ends_its_case_and_an_expired_one_does_not(svc):
    (first, second) = d_grade(svc, years=(2025, 2024))
    # the first record repaired: eligible from 2026-09-25 (6 months, Henan Art. 39(1)), published 5 working days
    with frozen_at(at("2026-09-25 10:00")):
        repair = svc.cases.open("repair", "alice", {"received": "2026-09-25",
                                                    "materials": "application_form,commitment,proof"},
                                parent=first[1])["case_id"]
    act(svc, repair, "accept", "alice", "2026-09-25 11:00")
    act(svc, repair, "propose_approve", "alice", "2026-09-28 10:00", findings="已整改")
    act(svc, repair, "approve", "bob", "2026-09-29 10:00")
    svc.sweep.run_once(at("2026-10-13 00:00"))
    assert show(svc, first[1])["state"] == "withdrawn" and show(svc, first[2])["state"] == "ended"
    assert show(svc, first[2])["data"]["ended"]["reason"] == "repaired"
    assert "经信用修复停止公开" in notice(svc, first[2], "约谈整改终止告知书")["text"]
    # the second record's 12 months of disclosure end: the rectification goes on
    svc.sweep.run_once(at("2027-03-25 00:00"))
    assert show(svc, second[1])["data"]["withdrawn_reason"] == "expired"
    assert show(svc, second[2])["state"] == "opened"
    # … until the determination itself is annulled (a record no longer disclosed, revoked)
    out = act(svc, second[1], "revoke", "alice", "2027-03-26 10:00", basis="郑州铁路运输法院（2027）豫7101行初3号判决书")
    assert [(n["case_id"], n["state"]) for n in out["notified"]] == [(second[2], "ended")]
    assert show(svc, second[2])["data"]["ended"]["reason"] == "revoked"


# -- shared transitions: correction, service, recomputed deadlines ------------------------------------------------

def test_notices_are_corrected_and_served(svc):
    case = ordered(svc)
    order = notice(svc, case, "责令限期整改通知书")["number"]
    with frozen_at(at("2026-04-08 10:00")):
        served = svc.documents.serve(order, "direct", "2026-04-08", "alice")
        fixed = svc.documents.correct(order, "整改事项第一项所载金额应为1.38万元", "alice")
    assert served["case"]["state"] == "rectifying" and show(svc, case)["data"]["services"][order] == "2026-04-08"
    assert svc.documents.show(fixed["notice"])["title"] == "文书更正通知书"


def test_a_provisional_deadline_moved_by_new_calendar_data_is_told_and_restated(svc, tmp_path):
    case = violation(svc, when="2026-12-10 09:00")
    notify(svc, case, when="2026-12-11 10:00", interview="2026-12-16")
    act(svc, case, "record_interview", "alice", "2026-12-16 15:00", record="到场")
    act(svc, case, "order_rectification", "alice", "2026-12-16 16:00", matters="退回违规费用")
    before = timer(svc, case, "rectification")
    assert before["provisional"] and before["last_day"].startswith("2027-01")
    path = tmp_path / "calendar-2027.toml"
    path.write_text('[[year]]\nyear = 2027\nnotice = "测试数据"\nmode = "patch"\nconfirmed = true\n'
                    f'days_off = [ {{ date = {before["last_day"]}, name = "测试用调整" }} ]\n', encoding="utf-8")
    with frozen_at(at("2026-12-17 09:00")):
        moved = svc.sweep.reload_calendar(str(path))["moved"]
    assert [(m["case_id"], m["timer"]) for m in moved] == [(case, "rectification")]
    after = timer(svc, case, "rectification")
    assert after["last_day"] > before["last_day"]
    assert show(svc, case)["rounds"][0]["deadline"] == after["last_day"]
    told = svc.documents.show(moved[0]["notice"])
    assert told["title"] == "期限变更告知书" and told["audience"] == "subject"


# -- who fires what; every route is driven here ----------------------------------------------------------------

def test_no_person_fires_the_system_steps(svc):
    case = violation(svc)
    for trigger in ("interview_overdue", "rectification_expired", "defence_expired", "basis_lifted", "open_on_d_grade"):
        err = refused(svc, case, trigger, "alice", "2026-03-25 10:00")
        assert err.code in ("CLOCK-SYSTEM-TRIGGER", "TRIGGER"), trigger
    assert refused(svc, case, "approve", "bob", "2026-03-25 10:00").code == "TRIGGER"
    assert refused(svc, case, "notify_interview", "audrey", "2026-03-25 10:00", interview_on="2026-04-07",
                   **INTERVIEW).code == "READ-ONLY"


def test_every_declared_route_is_driven_by_this_file():
    from states import PROCEDURES

    proc = PROCEDURES["rectification"]
    # `assign` (every procedure's, states/common.py) is driven in tests/test_assignment.py
    assert {t.trigger for t in proc.transitions} - {"assign", "attach"} == {
        "open", "open_on_d_grade", "notify_interview", "record_interview", "no_show", "interview_overdue",
        "order_rectification", "submit_report", "rectification_expired", "propose_pass", "propose_fail", "approve",
        "return", "notify_defence", "record_defence", "defence_expired", "propose_sanction", "basis_lifted",
        "correct_notice", "deadline_recomputed", "notice_served"}
    assert [t.name for t in proc.timers] == ["interview", "rectification", "defence"]
    assert [(t.name, t.side) for t in proc.timers] == [("interview", "agency"), ("rectification", "subject"),
                                                      ("defence", "subject")]
    assert [s.name for s in proc.states] == [
        "opened", "interview_notified", "rectifying", "report_received", "pass_proposed", "fail_proposed",
        "awaiting_sanction", "defence", "sanction_proposed", "passed", "sanctioned", "ended"]
    assert proc.final_states == {"passed", "sanctioned", "ended"}
    assert (proc.parent_kinds, proc.opens_on) == (("record",), ("subject",))


# -- privacy on every rectification notice -------------------------------------------------------------------------

def test_every_rectification_notice_masks_a_person_for_the_public_and_third_parties(svc, monkeypatch):
    """Every rectification template, rendered from the context it was issued with for a person, then for the
    public and a third party: no full name or ID number survives there; the person's own notice carries them."""
    contexts = capture_notice_contexts(monkeypatch, "rectification/")
    (_, _, rect), (_, record, kept) = d_grade(svc, years=(2025, 2024), key="practitioner")
    _drive(svc, rect, "rectifying")  # ordered on 2026-03-30: to 2026-04-21
    svc.sweep.run_once(at("2026-04-22 00:00"))  # no report: round 2
    notify(svc, rect, when="2026-04-22 10:00", interview="2026-04-27", attendees="本人")
    svc.sweep.run_once(at("2026-04-28 00:00"))  # the interview day passed unrecorded: 督办
    act(svc, rect, "record_interview", "alice", "2026-04-28 10:00", record="本人到场")
    act(svc, rect, "order_rectification", "alice", "2026-04-28 11:00", matters="退回违规费用")
    act(svc, rect, "submit_report", "alice", "2026-04-29 10:00", received="2026-04-29")
    act(svc, rect, "propose_fail", "alice", "2026-04-29 11:00", findings="未退费")
    act(svc, rect, "return", "bob", "2026-04-29 12:00", reason="补充核查")
    act(svc, rect, "propose_fail", "alice", "2026-04-29 14:00", findings="仍未退费")
    act(svc, rect, "approve", "bob", "2026-04-29 15:00")
    act(svc, rect, "notify_defence", "alice", "2026-04-30 10:00", sanction="suspend_agreement")  # to 2026-05-11
    svc.sweep.run_once(at("2026-05-12 00:00"))
    act(svc, rect, "propose_sanction", "alice", "2026-05-12 10:00", findings="拒不改正")
    act(svc, rect, "approve", "bob", "2026-05-12 15:00")
    other = violation(svc, "practitioner", when="2026-05-13 09:00")
    notify(svc, other, when="2026-05-13 10:00", interview="2026-05-18", attendees="本人")
    act(svc, other, "no_show", "alice", "2026-05-18 16:00")
    notify(svc, other, when="2026-05-19 10:00", interview="2026-05-22", attendees="本人")
    act(svc, other, "record_interview", "alice", "2026-05-22 10:00", record="到场")
    act(svc, other, "order_rectification", "alice", "2026-05-22 11:00", matters="整改")
    act(svc, other, "submit_report", "alice", "2026-05-25 10:00", received="2026-05-25")
    act(svc, other, "propose_pass", "alice", "2026-05-25 11:00", findings="已整改")
    act(svc, other, "approve", "bob", "2026-05-25 15:00")
    third = awaiting(svc, "practitioner")
    act(svc, third, "notify_defence", "alice", "2026-04-14 10:00", sanction="fraud_case")
    act(svc, third, "record_defence", "alice", "2026-04-15 10:00", statement="否认", received="2026-04-15")
    act(svc, record, "revoke", "alice", "2026-06-10 10:00", basis="复议决定书")  # ends `kept`, still opened
    assert show(svc, kept)["state"] == "ended"
    assert_person_masked_outside(contexts, "rectification", PERSON_ID, "李建华", "李**")


# -- the command line -----------------------------------------------------------------------------------------------

def test_the_command_line_opens_a_violation_case_as_the_issue_spells_it(cli):
    cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", "--reconsideration-body", "郑州市人民政府")
    cli("user", "add", "alice", "--role", "handler")
    cli("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")
    out = cli("case", "open", "rectification", "--subject", "1", "--set", "reason=violation", "--set", f"facts={FACTS}",
              "--as", "alice", now="2026-03-25T09:00:00+08:00").json
    assert (out["kind"], out["state"]) == ("rectification", "opened")
    err = cli("case", "open", "rectification", "--subject", "1", "--set", "reason=d_grade", "--set", f"facts={FACTS}",
              "--as", "alice", now="2026-03-25T09:00:00+08:00", expect=3).error
    assert err["code"] == "RECT-REASON"
    inputs = cli("case", "inputs", "rectification").json
    assert [i["name"] for i in inputs["inputs"]] == ["reason", "facts", "level", "basis"]
    assert inputs["opens_on"] == ["subject"]
    shown = cli("case", "show", str(out["case_id"])).json
    assert shown["rounds"] == [{"round": 1, "level": "reminder", "interview_on": None, "deadline": None, "outcome": None}]
    actions = cli("case", "actions", str(out["case_id"]), "--as", "alice").json["actions"]
    assert [a["trigger"] for a in actions][:1] == ["notify_interview"]
