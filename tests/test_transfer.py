"""The transfer of a suspected crime to the public security organ (涉嫌犯罪案件移送公安机关, states/transfer.py;
docs/rules.md §6), on SQLite and PostgreSQL: opened by the fraud case's decision in the same transaction; the case
team of two or more and its report (Order 310 Art. 5(1)); the head's decision within 3 calendar days, a refusal's
reasons recorded (Art. 5(2)); the transfer within 24 hours, instant to instant, with the five enclosures (Art. 5-6);
the receipt or the forwarding (Art. 7); the police's review within 3 days (Art. 8); a decline contested by
reconsideration or the procuratorate (Art. 9) or handled by the bureau itself (Art. 10); the files handed over within
3 days of a filing notice (Art. 12); a case sent back (Art. 13). Every period that passes flags the case and tells
the approvers; none decides anything."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from calendars import compute
from conftest import HOSPITAL_USCC, PERSON_ID, at, act_at as act, refused_at as refused, bad_at as bad
from states import transfer as transfer_module
from workflows.clock import frozen_at
from workflows.errors import BadInput, Refused
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)

POLICE = "郑州市公安局"
COMPETENT = "郑州市公安局金水分局"
PROCURATORATE = "郑州市人民检察院"
CRIME = "诈骗罪：2025年1月至12月虚构住院病历127份，骗取医保基金38.6万元"
AMOUNT = 386000
TEAM = "张敏,刘洋"
REPORT = "经核实，该院2025年虚构住院病历127份，骗取医保基金38.6万元，达到诈骗罪的追诉标准，建议移送公安机关"
ALL_FIVE = "transfer_letter,investigation_report,items_list,appraisal,other_material"
SUBJECTS = {"hospital": ("郑州市示例医院", "hospital", HOSPITAL_USCC, None),
            "practitioner": ("李建华", "practitioner", None, PERSON_ID)}


# -- helpers -------------------------------------------------------------------------------------------------









def show(svc, case) -> dict:
    return svc.cases.show(case)


def timer(svc, case, name) -> dict:
    return next(t for t in show(svc, case)["timers"] if t["name"] == name)


def last_notice(svc, case) -> dict:
    return svc.documents.show(show(svc, case)["notices"][-1]["number"])


def days(cal, start: str, n: int) -> str:
    return compute(cal, date.fromisoformat(start), "days", n).last_day.isoformat()


def after(day: str, n: int = 1) -> str:
    """The day `n` days after `day` (ISO)."""
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()


def fired(svc, when: str, case: int) -> list[str]:
    return [f["trigger"] for f in svc.sweep.run_once(at(when))["fired"] if f["case_id"] == case]


def subject(svc, key="hospital") -> str:
    name, kind, uscc, id_number = SUBJECTS[key]
    try:
        svc.deployment.add_subject(name, kind, uscc, id_number)
    except BadInput:  # registered by an earlier call
        pass
    return uscc or id_number


def decided(svc, key="hospital", when="2026-09-25") -> tuple[int, int]:
    """A fraud case filed on 2 September whose review meeting decides, on `when`, a police transfer: (fraud, transfer)."""
    with frozen_at(at("2026-09-01 09:00")):
        fraud = svc.cases.open("fraud", "alice", {"source": "inspection_special", "facts": "专项检查发现虚构住院病历"},
                               subject=subject(svc, key))["case_id"]
    act(svc, fraud, "propose_file", "alice", "2026-09-01 10:00", findings="线索具体，涉嫌虚构医药服务骗取医保基金")
    act(svc, fraud, "approve", "bob", "2026-09-02 10:00")
    act(svc, fraud, "propose_outcomes", "alice", f"{when} 10:00", outcomes="police_transfer", suspected_crime="true",
        findings="虚构住院病历127份，骗取医保基金38.6万元，涉嫌诈骗罪", police_organ=POLICE, crime_facts=CRIME,
        amount=str(AMOUNT))
    out = act(svc, fraud, "approve", "bob", f"{when} 15:00")
    (child,) = [o for o in out.get("opened", []) if o["kind"] == "transfer"]
    return fraud, child["case_id"]


def reported(svc, key="hospital", when="2026-09-28 10:00") -> tuple[int, int]:
    fraud, case = decided(svc, key)
    act(svc, case, "report", "alice", when, team=TEAM, report=REPORT)
    return fraud, case


def approved(svc, key="hospital", when="2026-09-30 15:00") -> tuple[int, int]:
    fraud, case = reported(svc, key)
    act(svc, case, "approve_transfer", "bob", when)
    return fraud, case


def sent(svc, key="hospital", when="2026-10-01 10:00") -> tuple[int, int]:
    fraud, case = approved(svc, key)
    act(svc, case, "send", "alice", when, enclosures=ALL_FIVE)
    return fraud, case


def reviewing(svc, key="hospital") -> tuple[int, int]:
    """Sent on 1 October 10:00, the receipt signed that day: the police review to 8 October (3 days, 4 October a
    holiday: the next working day)."""
    fraud, case = sent(svc, key)
    act(svc, case, "receipt_signed", "alice", "2026-10-01 16:00", signed_on="2026-10-01")
    return fraud, case


def declined(svc, key="hospital") -> tuple[int, int]:
    """The police's decline notice received on 9 October."""
    fraud, case = reviewing(svc, key)
    act(svc, case, "police_declined", "alice", "2026-10-09 10:00", notified_on="2026-10-09", notice_no="郑公不立字〔2026〕15号",
        reasons="现有证据不足以证明其具有非法占有目的，不认为有犯罪事实")
    return fraud, case


def parent_log(svc, fraud) -> list[str]:
    return [e["trigger"] for e in svc.audit.log(fraud)]


# -- opening ---------------------------------------------------------------------------------------------------

def test_a_police_transfer_decided_in_the_fraud_case_opens_the_transfer_in_the_same_transaction(svc):
    fraud, case = decided(svc)
    shown = show(svc, case)
    assert (shown["kind"], shown["state"], shown["parent"]) == ("transfer", "opened", fraud)
    assert (shown["police_organ"], shown["suspected_crime"], shown["amount"]) == (POLICE, CRIME, AMOUNT)
    assert shown["data"]["numbers"] == {k: n.value for k, n in transfer_module.POLICY.numbers.items()}
    assert [(c["id"], c["kind"], c["state"]) for c in show(svc, fraud)["children"]] == [(case, "transfer", "opened")]
    log = svc.audit.log(case)
    assert log[0]["trigger"] == "open" and log[0]["inputs"]["caused_by"]["case"] == fraud
    assert log[0]["effective_at"] == svc.audit.log(fraud)[-1]["effective_at"]  # one transaction, one instant
    opened = last_notice(svc, case)
    assert (opened["title"], opened["audience"]) == ("涉嫌犯罪案件移送立案记录", "internal")
    assert "应当立即指定2名或者2名以上行政执法人员组成专案组" in opened["text"] and "不得以行政处罚代替移送" in opened["text"]
    assert opened["number"].startswith("郑医保移记〔2026〕")


def test_nobody_opens_a_transfer_by_hand(svc):
    fraud, _ = decided(svc)
    with frozen_at(at("2026-09-26 09:00")), pytest.raises((BadInput, Refused)):
        svc.cases.open("transfer", "alice", {"police_organ": POLICE, "suspected_crime": CRIME, "amount": AMOUNT},
                       parent=fraud)


# -- the report and the head's decision (Art. 5) ------------------------------------------------------------------

def test_the_case_team_is_two_or_more_officers(svc):
    _, case = decided(svc)
    err = refused(svc, case, "report", "alice", "2026-09-28 10:00", team="张敏", report=REPORT)
    assert (err.code, err.article) == ("XFER-TEAM", "行政执法机关移送涉嫌犯罪案件的规定 Art. 5(1)")
    assert "专案组成员为1名（张敏）" in err.message and "2名或者2名以上" in err.message
    err = refused(svc, case, "report", "alice", "2026-09-28 10:00", team="张敏,张敏", report=REPORT)
    assert "专案组成员为1名" in err.message  # the same officer twice is one officer
    out = act(svc, case, "report", "alice", "2026-09-28 10:00", team="张敏、刘洋，王立", report=REPORT)
    assert out["state"] == "reported" and show(svc, case)["team"] == ["张敏", "刘洋", "王立"]
    notice = svc.documents.show(out["notice"])
    assert (notice["title"], notice["audience"]) == ("移送涉嫌犯罪案件的报告", "approvers")
    assert "专案组成员：张敏、刘洋、王立（共3名行政执法人员）" in notice["text"] and REPORT in notice["text"]


def test_the_head_decides_within_three_calendar_days_the_national_day_moving_the_last_day(svc):
    _, case = reported(svc)  # 28 September: 29, 30 September, 1 October (a holiday) → the next working day
    t = timer(svc, case, "approval")
    assert (t["start_day"], t["last_day"], t["side"]) == ("2026-09-28", "2026-10-08", "agency")
    assert t["ends_at"] == "2026-10-09T00:00:00+08:00"
    assert "请本局正职负责人或者主持工作的负责人自接到本报告之日起3日内，即于2026年10月8日前" in last_notice(svc, case)["text"]
    explained = svc.cases.explain_timer(case, "approval")
    assert explained["last_day"] == "2026-10-08"
    assert [d["date"] for d in explained["days"] if d["counted"]][:3] == ["2026-09-29", "2026-09-30", "2026-10-01"]
    assert fired(svc, "2026-10-08 23:59:59", case) == []
    assert fired(svc, "2026-10-09 00:00", case) == ["approval_overdue"]
    shown = show(svc, case)
    assert (shown["state"], shown["overdue"], shown["overdue_periods"]) == ("reported", True, ["approval"])
    overdue = last_notice(svc, case)
    assert (overdue["title"], overdue["audience"]) == ("涉嫌犯罪案件移送期限届满督办提示", "approvers")
    assert "该期限已于2026年10月8日届满，案件中尚未登记审批决定" in overdue["text"]
    assert "本提示不代替本局作出任何处理决定" in overdue["text"]
    out = act(svc, case, "approve_transfer", "bob", "2026-10-09 09:00")  # late, but not barred: the case goes on
    assert out["state"] == "approved" and show(svc, case)["overdue"] is False


def test_the_head_is_another_person_than_who_submitted_the_report(svc):
    _, case = decided(svc)
    act(svc, case, "report", "carol", "2026-09-28 10:00", team=TEAM, report=REPORT)
    assert refused(svc, case, "approve_transfer", "carol", "2026-09-28 11:00").code == "FOUR-EYES"
    assert refused(svc, case, "refuse_transfer", "carol", "2026-09-28 11:00", reasons="证据不足").code == "FOUR-EYES"
    assert refused(svc, case, "approve_transfer", "alice", "2026-09-28 11:00").code == "ROLE"
    assert refused(svc, case, "send", "alice", "2026-09-28 11:00", enclosures=ALL_FIVE).code == "TRIGGER"


def test_a_refusal_records_its_reasons_and_tells_the_fraud_case(svc):
    fraud, case = reported(svc)
    assert "不予批准的理由" in bad(svc, case, "refuse_transfer", "bob", "2026-09-29 10:00", reasons="  ").message
    out = act(svc, case, "refuse_transfer", "bob", "2026-09-29 10:00", reasons="涉案金额系按抽样推算，证据尚需补强")
    assert out["state"] == "not_transferred" and out["parent"]["case_id"] == fraud
    assert parent_log(svc, fraud)[-1] == "transfer_refused"
    assert svc.audit.log(fraud)[-1]["inputs"]["reason"] == "涉案金额系按抽样推算，证据尚需补强"
    shown = show(svc, case)
    assert shown["final"] and timer(svc, case, "approval")["status"] == "stopped"
    record = svc.documents.show(out["notice"])
    assert record["title"] == "不批准移送涉嫌犯罪案件决定记录"
    assert "不予批准的理由：涉案金额系按抽样推算，证据尚需补强" in record["text"] and "上述理由记录在案" in record["text"]


# -- the transfer: 24 hours, five enclosures (Art. 5-6) -------------------------------------------------------------

def test_approved_the_case_goes_within_24_hours_instant_to_instant(svc):
    _, case = approved(svc)  # 30 September 15:00: to 1 October 15:00, a holiday, never moved
    t = timer(svc, case, "transfer")
    assert (t["last_day"], t["ends_at"]) == ("2026-10-01", "2026-10-01T15:00:00+08:00")
    explained = svc.cases.explain_timer(case, "transfer")
    assert (explained["unit"], explained["hours"], explained["from"], explained["ends_at"]) == (
        "hours", 24, "2026-09-30T15:00:00+08:00", "2026-10-01T15:00:00+08:00")
    assert timer(svc, case, "approval")["status"] == "stopped"
    text = last_notice(svc, case)["text"]
    assert "于2026年9月30日15时00分决定批准移送" in text and "即于2026年10月1日15时00分前，向郑州市公安局移送" in text
    assert fired(svc, "2026-10-01 14:59:59", case) == []
    assert fired(svc, "2026-10-01 15:00", case) == ["transfer_overdue"]
    assert show(svc, case)["overdue"] and show(svc, case)["state"] == "approved"
    assert "该期限已于2026年10月1日15时00分届满，案件中尚未登记移送" in last_notice(svc, case)["text"]
    out = act(svc, case, "send", "alice", "2026-10-01 16:30", enclosures=ALL_FIVE)
    assert out["state"] == "sent" and show(svc, case)["overdue"] is False
    assert show(svc, case)["data"]["sent"]["within_hours"] is False


def test_sending_is_refused_while_one_of_the_five_enclosures_is_missing(svc):
    _, case = approved(svc)
    err = refused(svc, case, "send", "alice", "2026-10-01 10:00",
                  enclosures="transfer_letter,investigation_report,items_list,other_material")
    assert (err.code, err.article) == ("XFER-ENCLOSURES", "行政执法机关移送涉嫌犯罪案件的规定 Art. 6")
    assert "尚缺：有关检验报告或者鉴定结论（appraisal）" in err.message
    err = refused(svc, case, "send", "alice", "2026-10-01 10:00", enclosures=ALL_FIVE + ",photos")
    assert err.code == "XFER-ENCLOSURES" and "“photos”不是可登记的材料" in err.message
    # the labels of Art. 6 are accepted as well as the codes
    out = act(svc, case, "send", "alice", "2026-10-01 10:00",
              enclosures="涉嫌犯罪案件移送书,涉嫌犯罪案件情况的调查报告,涉案物品清单,有关检验报告或者鉴定结论,其他有关涉嫌犯罪的材料")
    assert out["state"] == "sent" and show(svc, case)["enclosures"] == list(transfer_module.ENCLOSURES)
    assert timer(svc, case, "transfer")["status"] == "stopped"
    assert show(svc, case)["data"]["sent"]["within_hours"] is True


def test_the_transfer_letter_names_the_suspect_in_full_to_the_police(svc):
    _, case = approved(svc, key="practitioner")
    out = act(svc, case, "send", "alice", "2026-10-01 10:00", enclosures=ALL_FIVE, note="涉案病历原件127份已封存")
    letter = svc.documents.show(out["notice"])
    assert (letter["title"], letter["audience"], letter["addressee"]) == ("涉嫌犯罪案件移送书", "authority", POLICE)
    assert letter["number"].startswith("郑医保移〔2026〕")
    text = letter["text"]
    assert f"{POLICE}：" in text and "李建华（公民身份号码：" + PERSON_ID + "）" in text  # not masked (Art. 6)
    assert "《中华人民共和国行政处罚法》第二十七条第一款" in text and "经本局负责人批准，现将该案移送你局" in text
    assert "附件：1.涉嫌犯罪案件情况的调查报告" in text  # the 移送书 itself is the first of Art. 6's five
    for label in transfer_module.ENCLOSURES.values():
        assert label in text
    assert "请你局依照《行政执法机关移送涉嫌犯罪案件的规定》第七条在本移送书的回执上签字" in text
    assert "请在24小时内转送有管辖权的机关" in text and "自接受之日起3日内" in text
    assert "材料说明：涉案病历原件127份已封存" in text


# -- receipt, forwarding, the police's review (Art. 7-8) --------------------------------------------------------------

def test_the_receipt_starts_the_police_review_and_its_expiry_only_flags_the_case(svc):
    _, case = sent(svc)
    for day in ("2026-09-30", "2026-10-02"):  # before the transfer; after today
        err = refused(svc, case, "receipt_signed", "alice", "2026-10-01 16:00", signed_on=day)
        assert err.code == "XFER-DATE" and "移送之日（2026年10月1日）至今天（2026年10月1日）" in err.message
    act(svc, case, "receipt_signed", "alice", "2026-10-01 16:00", signed_on="2026-10-01")
    t = timer(svc, case, "police_review")
    assert (t["start_day"], t["last_day"], t["side"]) == ("2026-10-01", "2026-10-08", "agency")
    assert "即至2026年10月8日，对所移送的案件进行审查" in last_notice(svc, case)["text"]
    assert fired(svc, "2026-10-08 23:59", case) == []
    assert fired(svc, "2026-10-09 00:00", case) == ["police_review_overdue"]
    shown = show(svc, case)
    assert (shown["state"], shown["overdue"]) == ("police_reviewing", True)
    overdue = last_notice(svc, case)
    assert overdue["audience"] == "approvers" and "第十七条" in overdue["text"] and "请审核人督促承办人向郑州市公安局催办" in overdue["text"]
    out = act(svc, case, "police_filed", "alice", "2026-10-10 10:00", notified_on="2026-10-10")
    assert out["state"] == "filed" and show(svc, case)["overdue"] is False


def test_a_case_forwarded_to_the_competent_organ_is_reviewed_there(svc, cal):
    _, case = sent(svc)
    err = refused(svc, case, "forwarded", "alice", "2026-10-02 10:00", organ=POLICE, forwarded_on="2026-10-02")
    assert (err.code, err.article) == ("XFER-FORWARD", "行政执法机关移送涉嫌犯罪案件的规定 Art. 7")
    assert refused(svc, case, "forwarded", "alice", "2026-10-02 10:00", organ=COMPETENT,
                   forwarded_on="2026-10-03").code == "XFER-DATE"
    act(svc, case, "forwarded", "alice", "2026-10-02 10:00", organ=COMPETENT, forwarded_on="2026-10-02")
    shown = show(svc, case)
    assert (shown["state"], shown["police_organ"]) == ("police_reviewing", COMPETENT)
    assert shown["data"]["forwarded"]["from_organ"] == POLICE
    assert timer(svc, case, "police_review")["last_day"] == days(cal, "2026-10-02", 3)
    record = last_notice(svc, case)
    assert "已于2026年10月2日转送有管辖权的郑州市公安局金水分局" in record["text"] and "应当在24小时内转送" in record["text"]
    # from now on the case is the competent organ's: the reconsideration request goes there
    act(svc, case, "police_declined", "alice", "2026-10-09 10:00", notified_on="2026-10-09", reasons="不认为有犯罪事实")
    out = act(svc, case, "ask_reconsideration", "alice", "2026-10-09 15:00", grounds="病历系伪造，已有鉴定意见证实")
    assert svc.documents.show(out["notice"])["addressee"] == COMPETENT


# -- filing and the hand-over (Art. 8, 12) -----------------------------------------------------------------------------

def test_a_filing_tells_the_fraud_case_and_the_files_go_over_within_three_days(svc, cal):
    fraud, case = reviewing(svc)
    err = refused(svc, case, "police_filed", "alice", "2026-10-09 10:00", notified_on="2026-09-30")
    assert err.code == "XFER-DATE" and "公安机关接受移送之日（2026年10月1日）" in err.message
    out = act(svc, case, "police_filed", "alice", "2026-10-09 10:00", notified_on="2026-10-09",
              notice_no="郑公立字〔2026〕88号")
    assert out["state"] == "filed" and out["parent"]["case_id"] == fraud
    assert parent_log(svc, fraud)[-1] == "transfer_filed"
    told = svc.audit.log(fraud)[-1]["inputs"]
    assert (told["organ"], told["filed_on"], told["notice"], told["caused_by"]["case"]) == (
        POLICE, "2026-10-09", "郑公立字〔2026〕88号", case)
    assert timer(svc, case, "police_review")["status"] == "stopped"
    handover = timer(svc, case, "handover")
    assert handover["last_day"] == days(cal, "2026-10-09", 3)
    text = last_notice(svc, case)["text"]
    assert "依法决定立案，本局于2026年10月9日接到立案通知书（郑公立字〔2026〕88号）" in text
    last = handover["last_day"]
    assert fired(svc, f"{last} 23:59", case) == []
    assert fired(svc, f"{after(last)} 00:00", case) == ["handover_overdue"]
    assert show(svc, case)["overdue"] and "尚未登记移交" in last_notice(svc, case)["text"]
    when = f"{after(last)} 10:00"
    assert refused(svc, case, "files_handed_over", "alice", when, handed_over_on="2026-10-08",
                   items="涉案病历原件127份").code == "XFER-DATE"
    out = act(svc, case, "files_handed_over", "alice", when, handed_over_on=after(last),
              items="涉案病历原件127份、结算明细光盘1张", receiver="王警官")
    shown = show(svc, case)
    assert (out["state"], shown["final"], shown["overdue"]) == ("closed", True, False)
    record = svc.documents.show(out["notice"])
    assert "本次移交晚于该期限" in record["text"] and "（接收人：王警官）" in record["text"]


# -- a decline contested (Art. 9) or handled by the bureau (Art. 10) ---------------------------------------------------

def test_a_decline_is_contested_by_reconsideration_and_filed_on_it(svc, cal):
    fraud, case = declined(svc)
    t = timer(svc, case, "reconsideration_request")
    assert (t["start_day"], t["last_day"]) == ("2026-10-09", days(cal, "2026-10-09", 3))
    record = last_notice(svc, case)
    assert "现有证据不足以证明其具有非法占有目的" in record["text"] and "相应退回案卷材料" in record["text"]
    assert fired(svc, f"{t['last_day']} 23:59", case) == []
    nxt = after(t["last_day"])
    assert fired(svc, f"{nxt} 00:00", case) == ["reconsideration_request_overdue"]
    assert show(svc, case)["state"] == "declined" and show(svc, case)["overdue"]
    out = act(svc, case, "ask_reconsideration", "alice", f"{nxt} 10:00", grounds="病历系伪造，已有司法鉴定意见证实")
    letter = svc.documents.show(out["notice"])
    assert (letter["title"], letter["audience"], letter["addressee"]) == ("涉嫌犯罪案件提请复议书", "authority", POLICE)
    assert "现提请你局复议" in letter["text"] and "自收到本提请复议书之日起3日内" in letter["text"]
    answer = timer(svc, case, "reconsideration_answer")
    assert (answer["start_day"], answer["last_day"]) == (nxt, days(cal, nxt, 3))
    assert show(svc, case)["overdue"] is False
    end = after(answer["last_day"])
    assert fired(svc, f"{end} 00:00", case) == ["reconsideration_answer_overdue"]
    assert show(svc, case)["state"] == "reconsideration"
    err = refused(svc, case, "reconsideration_filed", "alice", f"{end} 10:00", notified_on="2026-10-09")
    assert err.code == "XFER-DATE" and "提请复议之日" in err.message
    out = act(svc, case, "reconsideration_filed", "alice", f"{end} 10:00", notified_on=end)
    assert out["state"] == "filed" and parent_log(svc, fraud)[-1] == "transfer_filed"
    assert show(svc, case)["filed_by"] == "reconsideration"
    assert "经复议决定立案" in svc.documents.show(out["notice"])["text"]


def test_a_declined_reconsideration_goes_to_the_procuratorate_and_ends_in_a_filing(svc, cal):
    fraud, case = declined(svc)
    act(svc, case, "ask_reconsideration", "alice", "2026-10-10 10:00", grounds="病历系伪造")
    act(svc, case, "reconsideration_declined", "alice", "2026-10-12 10:00", notified_on="2026-10-12",
        reasons="复议认为仍不符合立案条件")
    t = timer(svc, case, "procuratorate_request")
    assert (t["start_day"], t["last_day"]) == ("2026-10-12", days(cal, "2026-10-12", 3))
    assert "建议人民检察院依法进行立案监督（《行政执法机关移送涉嫌犯罪案件的规定》第九条第二款）" in last_notice(svc, case)["text"]
    nxt = after(t["last_day"])
    assert fired(svc, f"{nxt} 00:00", case) == ["procuratorate_request_overdue"]
    out = act(svc, case, "refer_procuratorate", "alice", f"{nxt} 10:00", procuratorate=PROCURATORATE,
              grounds="鉴定意见证实病历系伪造，公安机关不予立案理由不能成立")
    letter = svc.documents.show(out["notice"])
    assert (letter["title"], letter["audience"], letter["addressee"]) == ("立案监督建议书", "authority", PROCURATORATE)
    assert "依照《行政执法机关移送涉嫌犯罪案件的规定》第九条第二款，建议你院依法进行立案监督" in letter["text"]
    assert "复议决定仍不予立案" in letter["text"]
    assert timer(svc, case, "procuratorate_request")["status"] == "fired" and not show(svc, case)["overdue"]
    out = act(svc, case, "procuratorate_filed", "alice", f"{after(nxt, 5)} 10:00", notified_on=after(nxt, 5))
    assert out["state"] == "filed" and show(svc, case)["filed_by"] == "procuratorate"
    assert parent_log(svc, fraud)[-1] == "transfer_filed"
    assert "经立案监督" in svc.documents.show(out["notice"])["text"]


def test_a_decline_goes_straight_to_the_procuratorate_which_does_not_intervene(svc):
    fraud, case = declined(svc)
    out = act(svc, case, "refer_procuratorate", "alice", "2026-10-10 10:00", procuratorate=PROCURATORATE,
              grounds="鉴定意见证实病历系伪造")
    assert "第九条第一款，建议你院依法进行立案监督" in svc.documents.show(out["notice"])["text"]
    assert timer(svc, case, "reconsideration_request")["status"] == "stopped"
    err = refused(svc, case, "procuratorate_declined", "alice", "2026-10-20 10:00", notified_on="2026-10-09",
                  reasons="公安机关不予立案理由成立")
    assert err.code == "XFER-DATE" and "建议立案监督之日（2026年10月10日）" in err.message
    out = act(svc, case, "procuratorate_declined", "alice", "2026-10-20 10:00", notified_on="2026-10-20",
              reasons="公安机关不予立案理由成立")
    assert (out["state"], out["parent"]["case_id"]) == ("returned", fraud)
    entry = svc.audit.log(fraud)[-1]
    assert (entry["trigger"], entry["inputs"]["route"], entry["inputs"]["reason"]) == (
        "transfer_returned", "procuratorate_declined", "公安机关不予立案理由成立")
    shown = show(svc, case)
    assert shown["final"] and shown["returned"] == "procuratorate_declined"
    assert "第十条" in svc.documents.show(out["notice"])["text"]


def test_the_bureau_handles_the_case_itself_after_a_decline_or_a_declined_reconsideration(svc):
    fraud, case = declined(svc)
    out = act(svc, case, "handle_ourselves", "alice", "2026-10-10 10:00", reason="公安机关不予立案理由成立，依法给予行政处罚")
    assert out["state"] == "returned" and timer(svc, case, "reconsideration_request")["status"] == "stopped"
    entry = svc.audit.log(fraud)[-1]
    assert (entry["trigger"], entry["inputs"]["route"]) == ("transfer_returned", "declined")
    assert "本局决定不提请复议、不建议人民检察院立案监督" in svc.documents.show(out["notice"])["text"]
    fraud2, other = declined(svc, key="practitioner")
    act(svc, other, "ask_reconsideration", "alice", "2026-10-10 10:00", grounds="病历系伪造")
    act(svc, other, "reconsideration_declined", "alice", "2026-10-12 10:00", notified_on="2026-10-12",
        reasons="复议认为仍不符合立案条件")
    out = act(svc, other, "handle_ourselves", "alice", "2026-10-13 10:00", reason="不再建议立案监督，依法给予行政处罚")
    assert out["state"] == "returned" and timer(svc, other, "procuratorate_request")["status"] == "stopped"
    assert svc.audit.log(fraud2)[-1]["inputs"]["route"] == "declined"
    assert "本局决定不再建议人民检察院立案监督" in svc.documents.show(out["notice"])["text"]


def test_the_police_send_back_a_case_with_administrative_liability_only(svc):
    fraud, case = reviewing(svc)
    out = act(svc, case, "sent_back", "alice", "2026-10-05 10:00", notified_on="2026-10-05",
              reason="犯罪事实显著轻微，不需要追究刑事责任，依法应当追究行政责任")
    assert out["state"] == "returned" and timer(svc, case, "police_review")["status"] == "stopped"
    assert svc.audit.log(fraud)[-1]["inputs"]["route"] == "sent_back"
    text = svc.documents.show(out["notice"])["text"]
    assert "经审查，于2026年10月5日将本案移送本局" in text and "第十三条" in text
    fraud2, filed = reviewing(svc, key="practitioner")
    act(svc, filed, "police_filed", "alice", "2026-10-09 10:00", notified_on="2026-10-09")
    out = act(svc, filed, "sent_back", "alice", "2026-10-10 10:00", notified_on="2026-10-10",
              reason="立案侦查后认为犯罪事实显著轻微")
    assert out["state"] == "returned" and timer(svc, filed, "handover")["status"] == "stopped"
    assert "立案侦查后，于2026年10月10日将本案移送本局" in svc.documents.show(out["notice"])["text"]


# -- who fires what; the declaration ------------------------------------------------------------------------------------

SYSTEM = ("open", "approval_overdue", "transfer_overdue", "police_review_overdue", "reconsideration_request_overdue",
          "reconsideration_answer_overdue", "procuratorate_request_overdue", "handover_overdue")


def test_no_person_fires_the_system_steps(svc):
    _, case = reported(svc)
    for trigger in SYSTEM:
        err = refused(svc, case, trigger, "bob", "2026-09-28 11:00")
        assert err.code in ("CLOCK-SYSTEM-TRIGGER", "TRIGGER"), trigger
    assert refused(svc, case, "approve_transfer", "audrey", "2026-09-28 11:00").code == "READ-ONLY"


def test_every_declared_route_is_driven_by_this_file():
    proc = transfer_module.PROCEDURE
    # `assign` (every procedure's, states/common.py) is driven in tests/test_assignment.py
    assert {t.trigger for t in proc.transitions} - {"assign", "attach"} == {
        *SYSTEM, "report", "approve_transfer", "refuse_transfer", "send", "receipt_signed", "forwarded", "police_filed",
        "police_declined", "ask_reconsideration", "reconsideration_filed", "reconsideration_declined",
        "refer_procuratorate", "procuratorate_filed", "procuratorate_declined", "handle_ourselves", "sent_back",
        "files_handed_over", "deadline_recomputed", "notice_served"}
    assert [(t.name, t.unit, t.side, t.on_expiry) for t in proc.timers] == [
        ("approval", "days", "agency", "approval_overdue"), ("transfer", "hours", "agency", "transfer_overdue"),
        ("police_review", "days", "agency", "police_review_overdue"),
        ("reconsideration_request", "days", "agency", "reconsideration_request_overdue"),
        ("reconsideration_answer", "days", "agency", "reconsideration_answer_overdue"),
        ("procuratorate_request", "days", "agency", "procuratorate_request_overdue"),
        ("handover", "days", "agency", "handover_overdue")]
    assert transfer_module.POLICE_SIDE == ("police_review", "reconsideration_answer")
    assert [s.name for s in proc.states] == [
        "opened", "reported", "approved", "sent", "police_reviewing", "declined", "reconsideration",
        "reconsideration_declined", "procuratorate", "filed", "closed", "returned", "not_transferred"]
    assert proc.final_states == {"closed", "returned", "not_transferred"}
    assert (proc.parent_kinds, proc.opens_on, proc.opening_trigger()) == (("fraud",), (), None)
    assert {t.parent.trigger for t in proc.transitions if t.parent} == {"transfer_filed", "transfer_returned",
                                                                         "transfer_refused"}


def test_every_number_names_its_article_and_counts_calendar_days_or_hours():
    numbers = transfer_module.POLICY.numbers
    assert {k: (n.value, n.unit) for k, n in numbers.items()} == {
        "transfer_team_min": (2, "persons"), "transfer_approval_days": (3, "days"), "transfer_hours": (24, "hours"),
        "transfer_forward_hours": (24, "hours"), "transfer_police_review_days": (3, "days"),
        "transfer_reconsideration_request_days": (3, "days"), "transfer_reconsideration_answer_days": (3, "days"),
        "transfer_procuratorate_request_days": (3, "days"), "transfer_handover_days": (3, "days")}
    for key, n in numbers.items():
        assert n.source.startswith("行政执法机关移送涉嫌犯罪案件的规定 Art. "), key
    for spec in transfer_module.TIMERS:
        assert numbers[spec.amount].unit == spec.unit, spec.name


def test_notices_are_served_and_a_provisional_deadline_moved_by_new_calendar_data_is_told(svc, tmp_path):
    _, case = sent(svc)
    letter = show(svc, case)["notices"][-1]["number"]
    with frozen_at(at("2026-10-01 16:00")):
        served = svc.documents.serve(letter, "direct", "2026-10-01", "alice")
    assert served["case"]["state"] == "sent" and show(svc, case)["data"]["services"][letter] == "2026-10-01"
    assert svc.documents.show(letter)["services"][0]["addressee"] == POLICE
    # a police review running into 2027, whose schedule is not yet confirmed
    _, late = decided(svc, key="practitioner", when="2026-12-28")
    act(svc, late, "report", "alice", "2026-12-29 10:00", team=TEAM, report=REPORT)
    act(svc, late, "approve_transfer", "bob", "2026-12-29 15:00")
    act(svc, late, "send", "alice", "2026-12-30 10:00", enclosures=ALL_FIVE)
    act(svc, late, "receipt_signed", "alice", "2026-12-30 16:00", signed_on="2026-12-30")
    before = timer(svc, late, "police_review")
    assert before["provisional"] and before["last_day"].startswith("2027-01")
    path = tmp_path / "calendar-2027.toml"
    path.write_text('[[year]]\nyear = 2027\nnotice = "测试数据"\nmode = "patch"\nconfirmed = true\n'
                    f'days_off = [ {{ date = {before["last_day"]}, name = "测试用调整" }} ]\n', encoding="utf-8")
    with frozen_at(at("2026-12-31 09:00")):
        moved = svc.sweep.reload_calendar(str(path))["moved"]
    assert [(m["case_id"], m["timer"]) for m in moved] == [(late, "police_review")]
    assert timer(svc, late, "police_review")["last_day"] > before["last_day"]
    told = svc.documents.show(moved[0]["notice"])
    assert (told["title"], told["audience"]) == ("办理期限变更提示", "handlers")


def test_every_transfer_notice_masks_a_person_for_the_public_and_third_parties(svc, monkeypatch):
    """Rendered from the context it was issued with for a person, then for the public and a third party: no full
    name or ID number survives there; the file's and the authorities' notices carry them in full."""
    from conftest import capture_notice_contexts
    from notices import render
    from notices.privacy import mask_id

    contexts = capture_notice_contexts(monkeypatch, "transfer/")
    _drive_every_route(svc, "practitioner")
    declared = {t.notice.template for t in transfer_module.PROCEDURE.transitions
                if t.notice.template.startswith("transfer/")}
    assert set(contexts) == declared
    for template, context in contexts.items():
        for audience in ("public", "third_party"):
            masked = {**context, "notice": {**context["notice"], "audience": audience, "addressee": POLICE}}
            html = render(template, masked).html
            assert PERSON_ID not in html and "李建华" not in html, (template, audience)
            if audience == "public":
                assert mask_id(PERSON_ID) in html
        own = render(template, context).html
        assert PERSON_ID in own and "李建华" in own, template


def _drive_every_route(svc, key) -> None:
    """Every transfer template issued once for the subject `key`."""
    _, a = declined(svc, key)  # opened, report, approved, letter, receipt, declined
    act(svc, a, "ask_reconsideration", "alice", "2026-10-10 10:00", grounds="病历系伪造")
    act(svc, a, "reconsideration_declined", "alice", "2026-10-12 10:00", notified_on="2026-10-12", reasons="仍不立案")
    act(svc, a, "refer_procuratorate", "alice", "2026-10-13 10:00", procuratorate=PROCURATORATE, grounds="理由不成立")
    act(svc, a, "procuratorate_filed", "alice", "2026-10-20 10:00", notified_on="2026-10-20")
    act(svc, a, "files_handed_over", "alice", "2026-10-21 10:00", handed_over_on="2026-10-21", items="病历原件")
    _, b = reported(svc, key)
    act(svc, b, "refuse_transfer", "bob", "2026-09-29 10:00", reasons="证据不足")
    _, c = sent(svc, key)
    act(svc, c, "forwarded", "alice", "2026-10-02 10:00", organ=COMPETENT, forwarded_on="2026-10-02")
    act(svc, c, "sent_back", "alice", "2026-10-05 10:00", notified_on="2026-10-05", reason="不构成犯罪")
    _, d = approved(svc, key)
    svc.sweep.run_once(at("2026-10-01 15:00"))  # the supervision notice


# -- the command line ---------------------------------------------------------------------------------------------------

def test_the_transfer_runs_from_the_command_line_with_its_exit_codes(cli):
    cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", "--reconsideration-body", "郑州市人民政府")
    cli("user", "add", "alice", "--role", "handler")
    cli("user", "add", "bob", "--role", "approver")
    cli("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")
    fraud = cli("case", "open", "fraud", "--subject", "1", "--set", "source=inspection_special",
                "--set", "facts=专项检查发现虚构住院病历", "--as", "alice", now="2026-09-01T09:00:00+08:00").json["case_id"]

    def act_(case, trigger, who, now, *sets, expect=0):
        return cli("case", "act", str(case), trigger, "--as", who, *[x for s in sets for x in ("--set", s)], now=now,
                   expect=expect)

    act_(fraud, "propose_file", "alice", "2026-09-01T10:00:00+08:00", "findings=线索具体")
    act_(fraud, "approve", "bob", "2026-09-02T10:00:00+08:00")
    act_(fraud, "propose_outcomes", "alice", "2026-09-25T10:00:00+08:00", "outcomes=police_transfer",
         "suspected_crime=true", "findings=涉嫌诈骗罪", f"police_organ={POLICE}", f"crime_facts={CRIME}",
         f"amount={AMOUNT}")
    out = act_(fraud, "approve", "bob", "2026-09-25T15:00:00+08:00").json
    (case,) = [o["case_id"] for o in out["opened"] if o["kind"] == "transfer"]
    assert act_(case, "report", "alice", "2026-09-28T10:00:00+08:00", "team=张敏", f"report={REPORT}",
                expect=3).error["code"] == "XFER-TEAM"
    act_(case, "report", "alice", "2026-09-28T10:00:00+08:00", f"team={TEAM}", f"report={REPORT}")
    explained = cli("case", "explain", str(case), "approval").json
    assert explained["last_day"] == "2026-10-08"
    act_(case, "refuse_transfer", "bob", "2026-09-29T10:00:00+08:00", "reasons=", expect=2)
    act_(case, "approve_transfer", "bob", "2026-09-30T15:00:00+08:00")
    shown = cli("case", "show", str(case)).json
    assert next(t for t in shown["timers"] if t["name"] == "transfer")["ends_at"] == "2026-10-01T15:00:00+08:00"
    assert act_(case, "send", "alice", "2026-10-01T10:00:00+08:00", "enclosures=transfer_letter",
                expect=3).error["code"] == "XFER-ENCLOSURES"
    assert act_(case, "send", "alice", "2026-10-01T10:00:00+08:00", f"enclosures={ALL_FIVE}").json["state"] == "sent"
    children = cli("case", "show", str(fraud)).json["children"]
    assert [(c["id"], c["kind"], c["state"]) for c in children] == [(case, "transfer", "sent")]
