"""The 失信 record (states/record.py): a determination, its bad-information entry, its disclosure and when its
repair may be applied for (Henan measure Art. 10, 30-31, 37-41; 国办发〔2025〕22号 from 2026-04-01).

* `record add` by a decision document, its notice (the period, the first admissible repair day, how to apply);
  every refusal (bounds by the profile in force on the determination day, the penalty's term, a future day,
  information already past its period, an unknown category) changes nothing;
* month arithmetic at month ends (Civil Code Art. 201-202), the eligibility notice on the first admissible day
  and not before, disclosure ending by itself, an annulment (revoke);
* an evaluation final with grade D opens its record (child), an objection that changes the D withdraws it;
* an objection to the record's own entry; the repair case's notifications (repaired, repair_revoked);
* Art. 31: withdrawn or expired information is used by no reader;
* the command line (`record add|list|revoke`).

Every story runs on SQLite and PostgreSQL (the `svc` fixture).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from calendars.periods import add_months
from conftest import HOSPITAL_USCC, at, publish as publish_evaluation
from states.record import CATEGORIES
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)
from workflows.clock import frozen_at
from workflows.engine import Request
from workflows.errors import BadInput, Refused
from workflows.store.tables import archive_entries, archive_status, cases, notices, timers, transitions

HOSPITAL = "郑州市示例医院"
PENALTY = "郑医保罚〔2026〕3号行政处罚决定书"
FACTS = "2025年通过虚构住院记录结算医保基金12.6万元"
REMEDIES = "可以自收到本告知书之日起六十日内向郑州市人民政府申请行政复议"


# -- helpers --------------------------------------------------------------------------------------------------

def hospital(svc) -> str:
    svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)
    return HOSPITAL_USCC


def add(svc, when, determined, months, subject=HOSPITAL_USCC, category="fraudulent_billing", **extra) -> dict:
    inputs = {"category": category, "determined": determined, "disclosure_months": months, "basis": PENALTY,
              "facts": FACTS, **extra}
    with frozen_at(at(when)):
        return svc.cases.open("record", "alice", inputs, subject=subject)


def sweep(svc, when) -> dict:
    with frozen_at(at(when)):
        return svc.sweep.run_once(at(when))


def act(svc, case, trigger, actor, when, **inputs):
    with frozen_at(at(when)):
        return svc.cases.act(case, trigger, actor, inputs)


def system(svc, case, trigger, when, cause_kind="repair", cause_case=999, **inputs):
    """A system trigger another case's declared effect fires (what states/repair.py's Notify does)."""
    with frozen_at(at(when)):
        with svc.uow() as uow:
            out = svc.engine.advance(uow.conn, case, Request(trigger, "system", inputs, caused_by={
                "case": cause_case, "kind": cause_kind, "seq": 1, "trigger": "test"}))
            uow.commit()
    return out


def text(svc, number) -> str:
    return svc.documents.show(number)["text"]


def data(svc, case) -> dict:
    return svc.cases.show(case)["data"]


def timers_of(svc, case) -> dict:
    return {t["name"]: t for t in svc.cases.show(case)["timers"]}


def archive(svc, when, key=HOSPITAL_USCC) -> list[dict]:
    with frozen_at(at(when)):
        return svc.deployment.show_subject(key)["archive"]


def entry_of(svc, case, when) -> dict:
    (entry,) = [e for e in archive(svc, when) if e["case_id"] == case]
    return entry


def counts(svc):
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (cases, transitions, notices, archive_entries, archive_status, timers))


def refused(code, call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as info:
        call(*args, **kwargs)
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


def fired(out: dict) -> list[tuple[int, str]]:
    return [(f["case_id"], f["trigger"]) for f in out["fired"]]


# -- record add ------------------------------------------------------------------------------------------------

def test_record_add_states_the_period_the_first_repair_day_and_how_to_apply(svc):
    hospital(svc)
    out = add(svc, "2026-04-02 09:00", "2026-04-02", "6", severity="general")
    assert out["state"] == "disclosed" and out["notice"].startswith("郑医保信记〔2026〕")
    d = data(svc, out["case_id"])
    # henan-2026 (from 2026-04-01): a general record waits 3 months; 6 months from 2 April end on 2 October
    assert (d["category"], d["category_label"], d["severity"], d["determined_on"], d["basis"]) == (
        "fraudulent_billing", "虚假结算", "general", "2026-04-02", PENALTY)
    assert (d["disclosure_months"], d["disclosed_until"], d["waiting_months"], d["eligible_from"]) == (
        6, "2026-10-02", 3, "2026-07-03")
    assert (d["withdrawn_reason"], d["ban_until"], d["profile"]) == (None, None, "henan-2026")
    t = timers_of(svc, out["case_id"])
    assert set(t) == {"disclosure", "eligibility"}  # no ban: not a false commitment
    assert t["disclosure"]["last_day"] == d["disclosed_until"]
    assert date.fromisoformat(t["eligibility"]["last_day"]) + timedelta(days=1) == date.fromisoformat(d["eligible_from"])
    (entry,) = archive(svc, "2026-04-02 10:00")
    assert (entry["case_id"], entry["kind"], entry["category"], entry["facts"], entry["determined_on"],
            entry["disclosed_until"], entry["in_use"]) == (out["case_id"], "bad", "fraudulent_billing", FACTS,
                                                           "2026-04-02", "2026-10-02", True)
    notice = text(svc, out["notice"])
    assert "失信信息告知书" in notice
    assert f"本局依据{PENALTY}，认定你单位存在下列失信行为：{FACTS}。该认定于2026年4月2日作出。" in notice
    assert "该不良信息的公开期限为6个月，自认定之日起计算，至2026年10月2日届满" in notice
    assert "国办发〔2025〕22号" in notice and "失信程度：一般" in notice
    assert "你单位自2026年7月3日起可以依照《办法》第三十七条至第四十一条向本局书面申请信用修复" in notice
    assert "至2026年7月2日届满，次日起可以申请" in notice
    assert "提交信用修复申请表（附件3）和信用修复承诺书" in notice and "公示5个工作日" in notice
    assert "3年内取消申请信用修复的资格（第四十条第二款）" in notice
    assert REMEDIES in notice and "不停止执行" not in notice
    assert "《河南省医疗保障基金使用信用管理办法》（以下简称《办法》）" in notice


def test_before_april_2026_the_henan_measure_applies(svc):
    hospital(svc)
    out = add(svc, "2026-03-16 09:00", "2026-03-15", "12", severity="serious")
    d = data(svc, out["case_id"])
    assert (d["profile"], d["waiting_months"], d["eligible_from"], d["disclosed_until"]) == (
        "henan-2023", 6, "2026-09-16", "2027-03-15")
    notice = text(svc, out["notice"])
    assert "依照第三十九条第（一）项，自被认定为失信行为之日起未满6个月的，不予信用修复" in notice
    assert "失信程度" not in notice and "第二部分" not in notice  # the classes of 2026 do not apply


@pytest.mark.parametrize("determined, severity, months, ok, article", [
    # determined on 15 March 2026: henan-2023, 6 to 12 months whatever the severity
    ("2026-03-15", "general", "5", False, "河南省医疗保障基金使用信用管理办法 Art. 30(3)"),
    ("2026-03-15", "general", "6", True, None),
    ("2026-03-15", "serious", "12", True, None),
    ("2026-03-15", "serious", "13", False, "河南省医疗保障基金使用信用管理办法 Art. 30(3)"),
    ("2026-03-15", "minor", "3", False, "河南省医疗保障基金使用信用管理办法 Art. 30(3)"),
    # determined on 2 April 2026: henan-2026, general 3-12, serious 12-36, minor 1-3
    ("2026-04-02", "general", "2", False, "国办发〔2025〕22号"),
    ("2026-04-02", "general", "3", True, None),
    ("2026-04-02", "general", "13", False, "国办发〔2025〕22号"),
    ("2026-04-02", "serious", "11", False, "国办发〔2025〕22号"),
    ("2026-04-02", "serious", "36", True, None),
    ("2026-04-02", "serious", "37", False, "国办发〔2025〕22号"),
    ("2026-04-02", "minor", "1", True, None),
    ("2026-04-02", "minor", "4", False, "国办发〔2025〕22号"),
])
def test_disclosure_bounds_by_the_profile_in_force_on_the_determination_day(svc, determined, severity, months, ok,
                                                                          article):
    hospital(svc)
    before = counts(svc)
    call = lambda: add(svc, "2026-04-03 09:00", determined, months, severity=severity)  # noqa: E731
    if ok:
        assert call()["state"] == "disclosed"
        return
    refusal = refused("REC-DISCLOSURE", call)
    assert article in refusal.article
    assert f"{months}个月不在此范围内" in refusal.message and "?" not in refusal.message
    assert counts(svc) == before


def test_the_penalty_term_raises_the_bounds(svc):
    hospital(svc)
    before = counts(svc)
    refusal = refused("REC-DISCLOSURE", add, svc, "2026-03-16 09:00", "2026-03-15", "12", penalty_term_months="18")
    assert "应为18至18个月，且不得低于相关行政处罚期限18个月" in refusal.message
    refused("REC-DISCLOSURE", add, svc, "2026-03-16 09:00", "2026-03-15", "8", penalty_term_months="9")
    refused("REC-PENALTY", add, svc, "2026-03-16 09:00", "2026-03-15", "8", penalty_term_months="0")
    assert counts(svc) == before
    out = add(svc, "2026-03-16 09:00", "2026-03-15", "18", penalty_term_months="18")
    d = data(svc, out["case_id"])
    assert (d["penalty_term_months"], d["disclosed_until"]) == (18, "2027-09-15")
    assert "（不低于相关行政处罚期限18个月）" in text(svc, out["notice"])


def test_a_future_day_information_already_past_and_an_unknown_category_are_refused(svc):
    hospital(svc)
    before = counts(svc)
    refused("REC-DATE", add, svc, "2026-04-02 09:00", "2026-04-03", "6")
    refusal = refused("REC-EXPIRED", add, svc, "2026-04-02 09:00", "2025-03-01", "12")  # ended 1 March 2026
    assert "2026-03-01" in refusal.message and refusal.article.endswith("Art. 31")
    with pytest.raises(BadInput) as unknown:
        add(svc, "2026-04-02 09:00", "2026-04-02", "6", category="parking")
    assert "parking" in unknown.value.message and "fraudulent_billing（虚假结算）" in unknown.value.message
    assert "\n" not in unknown.value.message
    assert counts(svc) == before
    # by its Chinese label too; a record whose period ends today is still recorded
    assert add(svc, "2026-04-02 09:00", "2025-10-02", "6", category="串换药品")["state"] == "disclosed"
    assert set(CATEGORIES) >= {"fraudulent_billing", "split_hospitalisation", "false_commitment", "evaluation_d"}


# -- month arithmetic, the eligibility notice, disclosure ending -------------------------------------------------

@pytest.mark.parametrize("when, determined, months, until, eligible", [
    ("2025-09-01 09:00", "2025-08-31", "12", "2026-08-31", "2026-03-01"),  # +6 → 28 Feb, admissible 1 March
    ("2024-03-01 09:00", "2024-02-29", "12", "2025-02-28", "2024-08-30"),  # a leap day + 12 → 28 Feb 2025
    ("2024-09-01 09:00", "2024-08-31", "6", "2025-02-28", "2025-03-01"),
])
def test_months_at_month_ends(svc, when, determined, months, until, eligible):
    hospital(svc)
    case = add(svc, when, determined, months)["case_id"]
    d = data(svc, case)
    assert (d["disclosed_until"], d["eligible_from"]) == (until, eligible)
    t = timers_of(svc, case)
    assert t["disclosure"]["last_day"] == until == add_months(date.fromisoformat(determined), int(months)).isoformat()
    if eligible <= until:
        assert (date.fromisoformat(t["eligibility"]["last_day"]) + timedelta(days=1)).isoformat() == eligible
    else:
        assert "eligibility" not in t  # no repair while disclosed: no clock for it


def test_the_eligibility_notice_comes_on_the_first_admissible_day_and_not_before(svc):
    hospital(svc)
    case = add(svc, "2025-09-01 09:00", "2025-08-31", "12")["case_id"]
    assert fired(sweep(svc, "2026-02-28 23:59")) == []
    out = sweep(svc, "2026-03-01 00:00")
    assert fired(out) == [(case, "eligibility_reached")]
    notice = text(svc, out["fired"][0]["notice"])
    assert "信用修复申请提示书" in notice
    assert "该期间自认定之日起计算，已于2026年2月28日届满。自2026年3月1日起，该信息满足上述期限条件" in notice
    assert "本局在信用修复申请等待期届满之日主动书面提示" in notice  # our choice, said so
    assert svc.cases.show(case)["state"] == "disclosed"
    assert timers_of(svc, case)["eligibility"]["status"] == "fired"
    # disclosure ends by itself at 24:00 of its last day
    assert fired(sweep(svc, "2026-08-31 23:59")) == []
    out = sweep(svc, "2026-09-01 00:00")
    assert fired(out) == [(case, "disclosure_expired")]
    shown = svc.cases.show(case)
    assert (shown["state"], shown["data"]["withdrawn_reason"], shown["data"]["withdrawn_on"]) == (
        "withdrawn", "expired", "2026-09-01")
    entry = entry_of(svc, case, "2026-09-01 09:00")
    assert entry["statuses"] == ["withdrawn"] and not entry["in_use"]
    notice = text(svc, out["fired"][0]["notice"])
    assert "信用信息公开期满告知书" in notice and "已于2026年8月31日届满" in notice
    assert "本局自2026年9月1日起停止公开该信息" in notice and "行政复议" not in notice


def test_no_waiting_period_no_eligibility_clock(svc):
    hospital(svc)
    # henan-2026 minor: repair may be applied for from the day after the determination day
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "2", severity="minor")["case_id"]
    d = data(svc, case)
    assert (d["waiting_months"], d["eligible_from"], d["waiting_ends_on"]) == (0, "2026-04-03", None)
    assert set(timers_of(svc, case)) == {"disclosure"}
    notice = text(svc, svc.cases.show(case)["notices"][0]["number"])
    assert "轻微失信信息在纠正失信行为、履行相关义务后即可申请信用修复" in notice
    assert "你单位自2026年4月3日起可以" in notice
    # determined the day before: admissible today already
    other = add(svc, "2026-04-02 09:00", "2026-04-01", "1", severity="minor")
    assert "你单位现在即可依照" in text(svc, other["notice"])
    assert set(timers_of(svc, other["case_id"])) == {"disclosure"}


def test_revoke_withdraws_at_once(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    refused("ROLE", act, svc, case, "revoke", "bob", "2026-05-06 10:00", basis="郑州市人民政府郑政复决〔2026〕8号行政复议决定书")
    out = act(svc, case, "revoke", "alice", "2026-05-06 10:00", basis="郑州市人民政府郑政复决〔2026〕8号行政复议决定书")
    assert out["state"] == "withdrawn"
    d = data(svc, case)
    assert (d["withdrawn_reason"], d["revoked"]["basis"], d["withdrawn_on"]) == (
        "revoked", "郑州市人民政府郑政复决〔2026〕8号行政复议决定书", "2026-05-06")
    assert all(t["status"] == "stopped" for t in timers_of(svc, case).values())
    assert not entry_of(svc, case, "2026-05-06 11:00")["in_use"]
    notice = text(svc, out["notice"])
    assert "根据郑州市人民政府郑政复决〔2026〕8号行政复议决定书，该失信认定已被依法撤销" in notice
    assert "本局自2026年5月6日起撤销该记录，停止公开该信息，不再使用" in notice
    refused("REC-REVOKED", act, svc, case, "revoke", "alice", "2026-05-07 10:00", basis="再次")
    # the eligibility day passes: no notice for a withdrawn record (its clocks stopped)
    assert fired(sweep(svc, "2026-07-04 00:00")) == []


def test_an_expired_record_annulled_later_is_registered_as_revoked(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "1", severity="minor")["case_id"]
    sweep(svc, "2026-05-03 00:00")
    assert data(svc, case)["withdrawn_reason"] == "expired"
    out = act(svc, case, "revoke", "alice", "2026-05-06 10:00", basis="郑州铁路运输法院（2026）豫7101行初5号行政判决书")
    assert out["state"] == "withdrawn"
    d = data(svc, case)
    assert (d["withdrawn_reason"], d["revoked"]["earlier_reason"]) == ("revoked", "expired")
    assert "该信息已于2026年5月3日因公开期限届满停止公开" in text(svc, out["notice"])


# -- an evaluation final with grade D -----------------------------------------------------------------------------

def _d_result(svc, cal) -> int:
    """A hospital's 2025 result of 65 (D), published on 2 March 2026: its window's last day is 23 March."""
    hospital(svc)
    with frozen_at(at("2026-03-02 09:00")):
        ev = publish_evaluation(svc, HOSPITAL_USCC, 2025, "65", "alice")["case_id"]
    window = next(t for t in svc.cases.show(ev)["timers"] if t["name"] == "objection_window")
    assert window["last_day"] == "2026-03-23" == cal.nth_working_day_after(date(2026, 3, 2), 15).isoformat()
    return ev


def test_a_final_d_opens_its_record(svc, cal):
    ev = _d_result(svc, cal)
    assert fired(sweep(svc, "2026-03-23 23:59")) == []
    out = sweep(svc, "2026-03-25 08:00")  # a late sweep: the record is determined on the day the result became final
    assert fired(out) == [(ev, "window_expired")]
    (opened,) = out["fired"][0]["opened"]
    record = opened["case_id"]
    assert (opened["kind"], opened["state"]) == ("record", "disclosed")
    d = data(svc, record)
    assert (d["category"], d["severity"], d["determined_on"], d["disclosure_months"]) == (
        "evaluation_d", "general", "2026-03-24", 12)
    assert (d["eligible_from"], d["disclosed_until"], d["profile"]) == ("2026-09-25", "2027-03-24", "henan-2023")
    t = timers_of(svc, record)
    assert t["eligibility"]["last_day"] == "2026-09-24" and t["disclosure"]["last_day"] == "2027-03-24"
    shown = svc.cases.show(ev)
    assert [(c["id"], c["kind"], c["relation"]) for c in shown["children"]] == [(record, "record", "child")]
    assert svc.cases.show(record)["parent"] == ev
    # the split: the record's entry is the bad information, the evaluation's the year's result as such
    entries = {e["case_id"]: e for e in archive(svc, "2026-03-25 09:00")}
    assert (entries[ev]["kind"], entries[ev]["disclosed_until"], entries[ev]["in_use"]) == ("evaluation", None, True)
    assert (entries[record]["kind"], entries[record]["category"], entries[record]["determined_on"],
            entries[record]["disclosed_until"]) == ("bad", "evaluation_d", "2026-03-24", "2027-03-24")
    notice = text(svc, opened["notice"])
    assert "你单位2025年度医疗保障基金使用信用评价结果（评价案件" in notice and "已于2026年3月24日确定为D级" in notice
    assert "自2026年9月25日起可以依照" in notice and "至2027年3月24日届满" in notice


def test_an_objection_that_changes_a_final_d_withdraws_its_record(svc, cal):
    ev = _d_result(svc, cal)
    record = sweep(svc, "2026-03-24 00:00")["fired"][0]["opened"][0]["case_id"]
    # a timely objection (received in the window) registered after the result became final reopens it
    with frozen_at(at("2026-03-25 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "2", "received": "2026-03-20",
                                                    "materials": "异议申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
    assert svc.cases.show(record)["state"] == "disclosed"
    assert entry_of(svc, record, "2026-03-25 10:00")["statuses"] == ["disputed"]  # not used while handled
    act(svc, obj, "accept", "alice", "2026-03-25 10:00")
    act(svc, obj, "propose_uphold", "alice", "2026-03-26 10:00", score="75", findings="两项扣分缺少依据")
    out = act(svc, obj, "approve", "bob", "2026-03-27 10:00")
    assert out["parent"]["state"] == "final"
    (told,) = out["parent"]["notified"]
    assert (told["case_id"], told["state"]) == (record, "withdrawn")
    d = data(svc, record)
    assert (d["withdrawn_reason"], d["corrected"]["case"]) == ("corrected", obj)
    assert not entry_of(svc, record, "2026-03-27 11:00")["in_use"]
    assert all(t["status"] == "stopped" for t in timers_of(svc, record).values())
    notice = text(svc, told["notice"])
    assert "失信信息撤销告知书" in notice and "更正为C级，不再为D级" in notice
    assert "本局自2026年3月27日起撤销该失信记录" in notice
    # the grade is C now: no record is opened for it, nothing counted twice
    assert [c["kind"] for c in svc.cases.show(ev)["children"]] == ["record", "objection"]
    assert [e["kind"] for e in archive(svc, "2026-03-27 11:00") if e["in_use"]] == ["evaluation"]


def test_an_objection_that_maintains_a_final_d_keeps_its_record(svc, cal):
    ev = _d_result(svc, cal)
    record = sweep(svc, "2026-03-24 00:00")["fired"][0]["opened"][0]["case_id"]
    with frozen_at(at("2026-03-25 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "2", "received": "2026-03-20",
                                                    "materials": "异议申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-25 10:00")
    act(svc, obj, "propose_dismiss", "alice", "2026-03-26 10:00", findings="扣分依据充分")
    act(svc, obj, "approve", "bob", "2026-03-27 10:00")
    assert svc.cases.show(record)["state"] == "disclosed"
    entry = entry_of(svc, record, "2026-03-27 11:00")
    assert (entry["in_use"], entry["determined_on"]) == (True, "2026-03-24")  # the dispute ended; nothing re-determined
    assert [c["kind"] for c in svc.cases.show(ev)["children"]].count("record") == 1


def test_a_final_d_corrected_to_another_d_score_keeps_its_record_with_the_new_score(svc, cal):
    ev = _d_result(svc, cal)
    record = sweep(svc, "2026-03-24 00:00")["fired"][0]["opened"][0]["case_id"]
    first = entry_of(svc, record, "2026-03-24 09:00")
    assert first["facts"] == "2025年度医疗保障基金使用信用评价结果：65.00分，D级"
    with frozen_at(at("2026-03-25 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "2", "received": "2026-03-20",
                                                    "materials": "异议申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-25 10:00")
    act(svc, obj, "propose_uphold", "alice", "2026-03-26 10:00", score="68", findings="一项扣分缺少依据")
    out = act(svc, obj, "approve", "bob", "2026-03-27 10:00")
    assert [(n["case_id"], n["state"]) for n in out["parent"]["notified"]] == [(record, "disclosed")]
    assert "opened" not in out["parent"]  # no second record: nothing counted twice
    bad = [e for e in archive(svc, "2026-03-27 11:00") if e["kind"] == "bad"]
    assert [(e["id"], e["in_use"]) for e in bad] == [(first["id"], False), (bad[1]["id"], True)]
    assert (bad[1]["case_id"], bad[1]["facts"], bad[1]["determined_on"], bad[1]["disclosed_until"]) == (
        record, "2025年度医疗保障基金使用信用评价结果：68.00分，D级", "2026-03-24", "2027-03-24")
    assert bad[0]["superseded_by"] == bad[1]["id"]
    d = data(svc, record)
    assert (d["facts"], d["determined_on"], d["eligible_from"]) == (bad[1]["facts"], "2026-03-24", "2026-09-25")


def test_case_show_of_a_record(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    shown = svc.cases.show(case)
    assert (shown["kind"], shown["label"], shown["state_label"], shown["parent"]) == ("record", "失信信用记录", "公开中", None)
    assert {k: shown[k] for k in ("category", "category_label", "severity", "determined_on", "disclosed_until",
                                  "eligible_from", "withdrawn_reason")} == {
        "category": "fraudulent_billing", "category_label": "虚假结算", "severity": "general",
        "determined_on": "2026-04-02", "disclosed_until": "2026-10-02", "eligible_from": "2026-07-03",
        "withdrawn_reason": None}


def test_an_objection_during_the_window_upheld_to_d_opens_the_record_on_that_day(svc, cal):
    ev = _d_result(svc, cal)
    with frozen_at(at("2026-03-05 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "2", "received": "2026-03-05",
                                                    "materials": "异议申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-05 10:00")
    act(svc, obj, "propose_uphold", "alice", "2026-03-06 10:00", score="60", findings="另有一项违规未计分")
    out = act(svc, obj, "approve", "bob", "2026-03-09 10:00")
    (opened,) = out["parent"]["opened"]
    assert data(svc, opened["case_id"])["determined_on"] == "2026-03-09"


# -- objections to the record's own entry -------------------------------------------------------------------------

def _object_to_entry(svc, entry_id, when="2026-04-07 09:00"):
    with frozen_at(at(when)):
        return svc.cases.open("objection", "alice", {"grounds": "1", "received": when[:10], "materials": "异议申请书",
                                                     "reason": "记载有误"}, entry=entry_id)["case_id"]


def test_an_entry_withdrawn_on_objection_withdraws_the_record(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    obj = _object_to_entry(svc, entry_of(svc, case, "2026-04-07 08:00")["id"])
    act(svc, obj, "accept", "alice", "2026-04-07 10:00")
    act(svc, obj, "propose_withdrawal", "alice", "2026-04-08 10:00", findings="处罚决定所认定的事实与本主体无关")
    out = act(svc, obj, "approve", "bob", "2026-04-09 10:00")
    assert [(n["case_id"], n["state"]) for n in out["notified"]] == [(case, "withdrawn")]
    d = data(svc, case)
    assert (d["withdrawn_reason"], d["corrected"]["case"]) == ("corrected", obj)
    assert "本局决定撤销该档案记录" in text(svc, out["notified"][0]["notice"])


def test_an_entry_corrected_on_objection_keeps_the_record_disclosed(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    obj = _object_to_entry(svc, entry_of(svc, case, "2026-04-07 08:00")["id"])
    act(svc, obj, "accept", "alice", "2026-04-07 10:00")
    corrected = "2025年通过虚构住院记录结算医保基金12.6万元（已于2026年3月全额退回）"
    act(svc, obj, "propose_correction", "alice", "2026-04-08 10:00", facts=corrected, findings="退回情况应予记载")
    out = act(svc, obj, "approve", "bob", "2026-04-09 10:00")
    assert [(n["case_id"], n["state"]) for n in out["notified"]] == [(case, "disclosed")]
    d = data(svc, case)
    assert (d["facts"], d["withdrawn_reason"], d["corrections"][0]["case"]) == (corrected, None, obj)
    (entry,) = [e for e in archive(svc, "2026-04-09 11:00") if e["in_use"]]
    assert (entry["facts"], entry["determined_on"], entry["disclosed_until"]) == (corrected, "2026-04-02", "2026-10-02")


def test_a_corrected_entry_is_withdrawn_when_its_record_is(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    obj = _object_to_entry(svc, entry_of(svc, case, "2026-04-07 08:00")["id"])
    act(svc, obj, "accept", "alice", "2026-04-07 10:00")
    act(svc, obj, "propose_correction", "alice", "2026-04-08 10:00", facts="更正后的事实", findings="应予更正")
    act(svc, obj, "approve", "bob", "2026-04-09 10:00")
    act(svc, case, "revoke", "alice", "2026-05-06 10:00", basis="行政复议决定书")
    assert [e for e in archive(svc, "2026-05-06 11:00") if e["in_use"]] == []


def test_an_objection_to_a_corrected_entry_still_tells_its_record(svc):
    """The corrected entry is the objection's writing, but the record's information: a second objection that
    withdraws it withdraws the record (Notify target "entry" follows the correction to its owner)."""
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    first = _object_to_entry(svc, entry_of(svc, case, "2026-04-07 08:00")["id"])
    act(svc, first, "accept", "alice", "2026-04-07 10:00")
    act(svc, first, "propose_correction", "alice", "2026-04-08 10:00", facts="更正后的事实", findings="应予更正")
    act(svc, first, "approve", "bob", "2026-04-09 10:00")
    (corrected,) = [e for e in archive(svc, "2026-04-10 09:00") if e["in_use"]]
    assert corrected["case_id"] == first and corrected["facts"] == "更正后的事实"
    assert svc.cases.show(case)["state"] == "disclosed"
    second = _object_to_entry(svc, corrected["id"], "2026-04-13 09:00")
    act(svc, second, "accept", "alice", "2026-04-13 10:00")
    act(svc, second, "propose_withdrawal", "alice", "2026-04-14 10:00", findings="处罚决定已被撤销")
    out = act(svc, second, "approve", "bob", "2026-04-15 10:00")
    assert [(n["case_id"], n["state"]) for n in out["notified"]] == [(case, "withdrawn")]
    assert (data(svc, case)["withdrawn_reason"], data(svc, case)["corrected"]["case"]) == ("corrected", second)
    assert [e for e in archive(svc, "2026-04-15 11:00") if e["in_use"]] == []


# -- what the repair case tells the record ------------------------------------------------------------------------

def test_repaired_and_a_repair_revoked_within_the_period(svc):
    hospital(svc)
    case = add(svc, "2025-09-01 09:00", "2025-08-31", "12")["case_id"]
    sweep(svc, "2026-03-01 00:00")  # eligible
    out = system(svc, case, "repaired", "2026-04-20 10:00", repair_case=999, notice="郑医保信修〔2026〕9号")
    assert out.state == "withdrawn"
    d = data(svc, case)
    assert (d["withdrawn_reason"], d["repair_case"], d["withdrawn_on"]) == ("repaired", 999, "2026-04-20")
    assert timers_of(svc, case)["disclosure"]["status"] == "stopped"
    first = entry_of(svc, case, "2026-04-20 11:00")
    assert not first["in_use"] and "withdrawn" in first["statuses"]
    # the repair is revoked (false material) while the period runs: disclosed again to its original end
    out = system(svc, case, "repair_revoked", "2026-05-11 10:00")
    assert out.state == "disclosed"
    d = data(svc, case)
    assert (d["withdrawn_reason"], d["repair_revoked"]["earlier_repair"]) == (None, 999)
    disclosure = timers_of(svc, case)["disclosure"]
    assert (disclosure["status"], disclosure["last_day"]) == ("running", "2026-08-31")
    live = [e for e in archive(svc, "2026-05-11 11:00") if e["in_use"]]
    assert [(e["case_id"], e["facts"], e["determined_on"], e["disclosed_until"]) for e in live] == [
        (case, FACTS, "2025-08-31", "2026-08-31")]
    assert live[0]["id"] != first["id"]
    assert "恢复公开，公开期限仍至2026年8月31日届满" in text(svc, out.notice)
    assert fired(sweep(svc, "2026-09-01 00:00")) == [(case, "disclosure_expired")]


def test_a_repair_revoked_after_the_period_leaves_the_record_expired(svc):
    hospital(svc)
    case = add(svc, "2025-09-01 09:00", "2025-08-31", "12")["case_id"]
    system(svc, case, "repaired", "2026-04-20 10:00", repair_case=999)
    out = system(svc, case, "repair_revoked", "2026-09-10 10:00")
    assert out.state == "withdrawn" and data(svc, case)["withdrawn_reason"] == "expired"
    assert [e for e in archive(svc, "2026-09-10 11:00") if e["in_use"]] == []
    # a record withdrawn for another reason is not disclosed again
    other = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    act(svc, other, "revoke", "alice", "2026-04-03 10:00", basis="行政复议决定书")
    assert system(svc, other, "repair_revoked", "2026-04-04 10:00").state == "withdrawn"
    assert data(svc, other)["withdrawn_reason"] == "revoked"


def test_nobody_fires_the_repair_triggers_by_hand(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    refused("CLOCK-SYSTEM-TRIGGER", act, svc, case, "repaired", "alice", "2026-04-03 10:00")


def test_a_false_commitment_runs_the_3_year_ban(svc):
    hospital(svc)
    case = add(svc, "2026-04-02 09:00", "2026-04-02", "36", category="false_commitment", severity="serious")["case_id"]
    d = data(svc, case)
    assert (d["ban_until"], d["disclosed_until"], d["repair_barred_until"]) == ("2029-04-02", "2029-04-02", "2029-04-02")
    # no application is admissible before the ban ends (Art. 40(2)), and by then the disclosure has ended: the
    # record can never be repaired, so it has no eligibility clock and its notice does not offer a repair
    assert d["eligible_from"] == "2029-04-03"
    t = timers_of(svc, case)
    assert t["ban"]["last_day"] == d["ban_until"] and "eligibility" not in t
    notice = text(svc, svc.cases.show(case)["notices"][0]["number"])
    assert "自认定之日起3年内被取消申请信用修复的资格，至2029年4月2日届满" in notice
    assert "届满前你单位不能申请信用修复" in notice and "起可以依照" not in notice
    # the eligibility notice of another record states the ban (it would be false to say "you may apply now")
    other = add(svc, "2026-04-02 09:00", "2026-04-02", "12")["case_id"]
    out = sweep(svc, "2026-07-03 00:00")
    assert fired(out) == [(other, "eligibility_reached")]
    assert "但你单位因提供虚假证明材料" in text(svc, out["fired"][0]["notice"])
    # a late sweep catches up in time order: on the same instant the ban ends first and the disclosure after it
    out = sweep(svc, "2029-04-03 00:00")
    mine = [f for f in out["fired"] if f["case_id"] == case]
    assert [f["trigger"] for f in mine] == ["ban_ended", "disclosure_expired"]
    assert "该期限已于2029年4月2日届满" in text(svc, mine[0]["notice"])


def test_the_ban_outlives_the_disclosure_of_its_record(svc):
    """Art. 40(2) fixes the disqualification at 3 years: the false-commitment record's 12-month disclosure ends
    (Art. 31: the information is no longer used) but the ban runs on to its own end, and then it is told."""
    hospital(svc)
    ban = add(svc, "2026-04-02 09:00", "2026-04-02", "12", category="false_commitment")["case_id"]
    out = sweep(svc, "2027-04-03 00:00")
    assert (ban, "disclosure_expired") in fired(out)
    assert svc.cases.show(ban)["state"] == "withdrawn"
    t = timers_of(svc, ban)
    assert (t["disclosure"]["status"], t["ban"]["status"], t["ban"]["last_day"]) == ("fired", "running", "2029-04-02")
    assert "至2029年4月2日届满；期满前不得申请信用修复" in text(svc, out["fired"][-1]["notice"])
    # another record's eligibility notice still states the ban
    other = add(svc, "2027-05-06 09:00", "2027-05-06", "12")["case_id"]
    out = sweep(svc, "2027-08-07 00:00")
    assert fired(out) == [(other, "eligibility_reached")]
    assert "至2029年4月2日届满" in text(svc, out["fired"][0]["notice"])
    assert fired(sweep(svc, "2029-04-02 23:59")) == [(other, "disclosure_expired")]  # it was disclosed to 2028-05-06
    out = sweep(svc, "2029-04-03 00:00")
    assert fired(out) == [(ban, "ban_ended")]
    assert "该期限已于2029年4月2日届满" in text(svc, out["fired"][0]["notice"])
    assert svc.cases.show(ban)["state"] == "withdrawn"


def test_a_withdrawn_false_commitment_bars_nothing(svc):
    """Art. 31: a ban from a record no longer disclosed is not used by the eligibility notice."""
    hospital(svc)
    ban = add(svc, "2026-04-02 09:00", "2026-04-02", "12", category="false_commitment")["case_id"]
    act(svc, ban, "revoke", "alice", "2026-04-03 10:00", basis="行政复议决定书")
    other = add(svc, "2026-04-02 09:00", "2026-04-02", "12")["case_id"]
    out = sweep(svc, "2026-07-03 00:00")
    assert fired(out) == [(other, "eligibility_reached")]
    assert "取消申请信用修复的资格，至" not in text(svc, out["fired"][0]["notice"])


# -- Art. 31: the register and the archive -------------------------------------------------------------------------

def test_the_register_lists_every_record_and_the_archive_uses_none_past_its_period(svc):
    from workflows.cli.records import _entry

    hospital(svc)
    live = add(svc, "2026-04-02 09:00", "2026-04-02", "6")["case_id"]
    short = add(svc, "2026-04-02 09:00", "2026-04-02", "1", severity="minor")["case_id"]
    revoked = add(svc, "2026-04-02 09:00", "2026-04-02", "3")["case_id"]
    act(svc, revoked, "revoke", "alice", "2026-04-03 10:00", basis="行政复议决定书")
    # 3 May: the short record's period ended on 2 May, before any sweep closed it: not disclosed, not in use
    today = "2026-05-03"
    rows = {r["case_id"]: r for r in (_entry(svc.cases.show(c), today) for c in (live, short, revoked))}
    assert [rows[c]["disclosed"] for c in (live, short, revoked)] == [True, False, False]
    assert (rows[revoked]["withdrawn_reason"], rows[short]["withdrawn_reason"]) == ("revoked", None)
    in_use = {e["case_id"]: e["in_use"] for e in archive(svc, "2026-05-03 09:00")}
    assert in_use == {live: True, short: False, revoked: False}
    sweep(svc, "2026-05-03 09:00")
    assert data(svc, short)["withdrawn_reason"] == "expired"


# -- the command line -----------------------------------------------------------------------------------------------

def test_record_commands(cli):
    def run(*args, now="2026-04-02T09:00:00+08:00", expect=0, as_json=True):
        r = cli(*args, now=now, expect=expect, as_json=as_json)  # one line on stderr for any failure
        return r.json if as_json else r.out

    run("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    run("user", "add", "alice", "--role", "handler")
    run("subject", "add", "--name", HOSPITAL, "--type", "hospital", "--uscc", HOSPITAL_USCC)
    args = ("record", "add", "--subject", "1", "--category", "fraudulent_billing", "--determined", "2026-04-02",
            "--facts", FACTS, "--basis", PENALTY, "--as", "alice")
    out = run(*args, "--disclosure-months", "6")
    assert {"case_id", "state", "eligible_from", "disclosed_until", "notice"} <= set(out)
    assert (out["state"], out["eligible_from"], out["disclosed_until"]) == ("disclosed", "2026-07-03", "2026-10-02")
    plain = run(*args, "--disclosure-months", "12", as_json=False)
    assert "公开至 2027-04-02" in plain and "自 2026-07-03 起可申请信用修复" in plain
    # bad input: exit 2, one line, nothing written
    before = run("case", "list")["cases"]
    err = run(*args, "--disclosure-months", "0", expect=2)["error"]
    assert err["code"] == "bad_number"
    err = run("record", "add", "--subject", "1", "--category", "parking", "--determined", "2026-04-02",
              "--disclosure-months", "6", "--facts", FACTS, "--as", "alice", expect=2)["error"]
    assert "parking" in err["message"]
    assert run(*args, "--disclosure-months", "2", expect=3)["error"]["code"] == "REC-DISCLOSURE"
    assert run("case", "list")["cases"] == before
    revoked = run("record", "revoke", str(out["case_id"]), "--basis", "郑政复决〔2026〕8号", "--as", "alice",
                  now="2026-04-03T10:00:00+08:00")
    assert (revoked["state"], revoked["withdrawn_reason"]) == ("withdrawn", "revoked")
    listed = run("record", "list", "--subject", HOSPITAL_USCC, now="2026-04-03T11:00:00+08:00")["records"]
    assert [(r["case_id"], r["disclosed"], r["withdrawn_reason"]) for r in listed] == [
        (out["case_id"], False, "revoked"), (out["case_id"] + 1, True, None)]
    assert {"case_id", "category", "category_label", "severity", "state", "basis", "determined_on", "disclosed",
            "disclosed_until", "eligible_from", "withdrawn_reason"} <= set(listed[0])
    plain = run("record", "list", "--subject", "1", now="2026-04-03T11:00:00+08:00", as_json=False)
    assert "已停止公开（依复议决定或者裁判撤销）" in plain and "公开中" in plain
    assert run("record", "revoke", "99", "--basis", "x", "--as", "alice", expect=2)["error"]["code"]
