"""What an objection is about, and when a person's window starts (docs/rules.md §2.3, §3.8, §3.9):

* an objection to an archive entry (Henan measure Art. 24 (1), (3)-(6)): the entry is marked disputed and
  not used while it is handled (Art. 31); corrected (a new entry supersedes it, same determination day and
  disclosure period), withdrawn from use, or kept (dismissed, refused, withdrawn by the subject);
* a partial uphold (异议部分成立) of a result or of an entry: what changes, with the remedies;
* a person's A/B/C result is not published (Art. 29): its window runs from service of the result notice
  (policy flag objection_window_from_service_for_persons), an institution's and a D result's from publication.

Every story runs on SQLite and PostgreSQL (the `svc` fixture) and reads the notices it issued: they state
only what is so.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from conftest import HOSPITAL_USCC, PERSON_ID, at, make_services, publish as publish_evaluation
from notices.render import date_zh
from states.archive import KINDS
from workflows.clock import frozen_at
from workflows.errors import Refused
from workflows.store.tables import archive_entries, archive_status, cases, notices, transitions

HOSPITAL = "郑州市示例医院"
PERSON = "张三"
REMEDIES = "可以自收到本告知书之日起六十日内向郑州市人民政府申请行政复议"


# -- helpers ------------------------------------------------------------------------------------------------

def hospital(svc) -> str:
    svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)
    return HOSPITAL_USCC


def person(svc, subject_type="practitioner") -> str:
    svc.deployment.add_subject(PERSON, subject_type, None, PERSON_ID)
    return PERSON_ID


def publish(svc, key, score, when="2026-02-06 09:00", year=2025) -> dict:
    with frozen_at(at(when)):
        return publish_evaluation(svc, key, year, score, "alice")


def sweep(svc, when):
    with frozen_at(at(when)):
        return svc.sweep.run_once(at(when))


def act(svc, case, trigger, actor, when, **inputs):
    with frozen_at(at(when)):
        return svc.cases.act(case, trigger, actor, inputs)


def text(svc, outcome_or_number) -> str:
    number = outcome_or_number["notice"] if isinstance(outcome_or_number, dict) else outcome_or_number
    return svc.documents.show(number)["text"]


def archive(svc, key) -> list[dict]:
    return svc.deployment.show_subject(key)["archive"]


def counts(svc):
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (cases, transitions, notices, archive_entries, archive_status))


def d_entry(svc) -> tuple[int, dict]:
    """A hospital's 2025 D result (65), its window run out: final on 6 March 2026; its 失信 record
    (states/record.py) holds the bad-information entry, disclosed until 6 March 2027. Returns the
    evaluation case and the record's entry (the evaluation's own entry is the year's result as such)."""
    ev = publish(svc, hospital(svc), "65")["case_id"]
    sweep(svc, "2026-03-06 00:00")
    result, entry = archive(svc, HOSPITAL_USCC)
    assert (result["case_id"], result["kind"], result["disclosed_until"]) == (ev, "evaluation", None)
    assert (entry["kind"], entry["in_use"], entry["determined_on"], entry["disclosed_until"]) == (
        "bad", True, "2026-03-06", "2027-03-06")
    assert entry["case_id"] != ev and svc.cases.show(entry["case_id"])["kind"] == "record"
    return ev, entry


def bad(svc, key=HOSPITAL_USCC) -> list[dict]:
    """The subject's bad-information entries (the D record's), oldest first."""
    return [e for e in archive(svc, key) if e["kind"] == "bad"]


def object_to_entry(svc, entry_id, when="2026-03-09 09:00", received="2026-03-09", grounds="1", **extra) -> dict:
    inputs = {"grounds": grounds, "received": received, "materials": "信用信息异议申请书,整改报告",
              "reason": "档案记录所载信息与事实不符", **extra}
    with frozen_at(at(when)):
        return svc.cases.open("objection", "alice", inputs, entry=entry_id)


def object_to_result(svc, ev, when="2026-02-25 09:00", received="2026-02-24", **extra) -> dict:
    inputs = {"grounds": "1,2", "received": received, "materials": "异议申请表,检查记录", "reason": "扣分缺少依据", **extra}
    with frozen_at(at(when)):
        return svc.cases.open("objection", "alice", inputs, parent=ev)


def refused(code, call, *args, **kwargs):
    with pytest.raises(Refused) as info:
        call(*args, **kwargs)
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


def window(svc, ev) -> dict | None:
    return next((t for t in svc.cases.show(ev)["timers"] if t["name"] == "objection_window"), None)


# -- the archive kinds the notices name ---------------------------------------------------------------------

def test_the_notices_name_the_archive_kinds_as_the_archive_does():
    from notices.render import environment

    assert environment().get_template("objection/_target.html.j2").module.KIND_LABELS == KINDS


# -- (1) objections to an archive entry -----------------------------------------------------------------------

def test_an_entry_corrected_is_superseded_with_its_day_and_period(svc, cal):
    ev, entry = d_entry(svc)
    opened = object_to_entry(svc, entry["id"], grounds="1,5")
    obj = opened["case_id"]
    assert opened["state"] == "received" and "parent" not in opened  # the evaluation is not touched
    assert svc.cases.show(ev)["state"] == "final"
    shown = svc.cases.show(obj)
    assert shown["entry"] == entry["id"] and shown["parent"] is None
    assert shown["data"]["entry"] == {k: entry[k] for k in ("id", "kind", "category", "facts", "determined_on",
                                                            "disclosed_until", "collected_by", "in_use")}
    assert "evaluation" not in shown["data"]
    handling = next(t for t in shown["timers"] if t["name"] == "handling")
    assert handling["last_day"] == cal.nth_working_day_after(date(2026, 3, 9), 15).isoformat()
    # while it is handled, the entry is marked disputed and not used (Art. 31)
    (disputed,) = bad(svc)
    assert (disputed["statuses"], disputed["in_use"]) == (["disputed"], False)
    receipt = text(svc, opened)
    assert (f"你单位对本局记入你单位信用档案的不良信息（档案记录编号{entry['id']}，2026年3月6日确定，公开期限至2027年3月6日）"
            f"“2025年度医疗保障基金使用信用评价结果：65.00分，D级”提出的书面异议") in receipt
    assert "异议处理期间，本局对该档案记录作异议标注，暂停使用（《办法》第三十一条）" in receipt
    assert "异议期" not in receipt and "评价结果无异议" not in receipt  # Art. 26's window is for results
    assert f"即{date_zh(handling['last_day'])}前作出处理" in receipt

    act(svc, obj, "accept", "alice", "2026-03-09 10:00")
    corrected = "2025年度医疗保障基金使用信用评价结果：65.00分，D级（所涉违规行为已于2026年3月整改完毕）"
    proposal = act(svc, obj, "propose_correction", "carol", "2026-03-10 10:00", facts=corrected,
                   findings="违规行为已整改，应予记载")
    assert proposal["state"] == "uphold_proposed"
    assert f"拟办意见：异议成立，建议依照《河南省医疗保障基金使用信用管理办法》（以下简称《办法》）第二十四条、第二十六条将该档案记录更正为“{corrected}”" \
        in text(svc, proposal)
    refused("FOUR-EYES", act, svc, obj, "approve", "carol", "2026-03-10 11:00")
    decided = act(svc, obj, "approve", "bob", "2026-03-11 10:00")
    assert decided["state"] == "upheld"
    old, new = bad(svc)
    assert (old["id"], old["in_use"], old["superseded_by"]) == (entry["id"], False, new["id"])
    assert old["facts"] == entry["facts"]  # append-only: the old entry is still there, unchanged
    assert (new["facts"], new["kind"], new["category"], new["in_use"]) == (corrected, "bad", "evaluation_d", True)
    assert (new["determined_on"], new["disclosed_until"]) == ("2026-03-06", "2027-03-06")  # a correction restarts neither
    assert svc.cases.show(ev)["state"] == "final"
    notice = text(svc, decided)
    assert (f"你单位的异议成立。本局依照第二十四条、第二十六条更正该档案记录：原记录“{entry['facts']}”更正为“{corrected}”。"
            "更正后的记录自2026年3月11日起取代原记录，确定日期（2026年3月6日）和公开期限（至2027年3月6日）不变；原记录不再使用。") in notice
    assert "行政复议" not in notice and "异议期" not in notice
    # the superseded entry is no longer objected to; the new one is
    before = counts(svc)
    refused("OBJ-ENTRY", object_to_entry, svc, entry["id"], when="2026-03-12 09:00", received="2026-03-12")
    assert counts(svc) == before
    assert object_to_entry(svc, new["id"], when="2026-03-12 09:00", received="2026-03-12")["state"] == "received"


def test_an_entry_withdrawn_is_no_longer_used(svc):
    ev, entry = d_entry(svc)
    obj = object_to_entry(svc, entry["id"], grounds="3", reason="该信息依法不应归集")["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-09 10:00")
    proposal = act(svc, obj, "propose_withdrawal", "alice", "2026-03-10 10:00", findings="该记录依法不应归集，应予撤销")
    assert "拟办意见：异议成立，建议依照" in text(svc, proposal) and "撤销该档案记录，撤销后不再使用" in text(svc, proposal)
    decided = act(svc, obj, "approve", "bob", "2026-03-11 10:00")
    assert decided["state"] == "upheld"
    (withdrawn,) = bad(svc)  # no new entry
    assert withdrawn["id"] == entry["id"] and "withdrawn" in withdrawn["statuses"] and not withdrawn["in_use"]
    assert withdrawn["superseded_by"] is None
    notice = text(svc, decided)
    assert "你单位的异议成立。本局依照第二十四条、第二十六条撤销该档案记录，该记录自2026年3月11日起不再使用。" in notice
    assert "行政复议" not in notice and "更正为" not in notice
    refused("OBJ-ENTRY", object_to_entry, svc, entry["id"], when="2026-03-12 09:00", received="2026-03-12")


def test_an_entry_kept_after_a_dismissal_is_used_again(svc):
    ev, entry = d_entry(svc)
    obj = object_to_entry(svc, entry["id"])["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-09 10:00")
    act(svc, obj, "propose_dismiss", "alice", "2026-03-10 10:00", findings="记录与评价结果一致")
    decided = act(svc, obj, "approve", "bob", "2026-03-11 10:00")
    assert decided["state"] == "dismissed"
    (kept,) = bad(svc)
    assert (kept["id"], kept["statuses"], kept["in_use"]) == (entry["id"], [], True)  # dispute_closed
    assert (kept["determined_on"], kept["disclosed_until"], kept["facts"]) == ("2026-03-06", "2027-03-06", entry["facts"])
    notice = text(svc, decided)
    assert ("你单位的异议不成立。本局维持该档案记录：该记录内容不变，异议标注自2026年3月11日起撤除，恢复使用，"
            "确定日期（2026年3月6日）和公开期限（至2027年3月6日）不变") in notice
    assert REMEDIES in notice and "不停止执行" not in notice


@pytest.mark.parametrize("how", ["refuse", "withdraw"])
def test_an_entry_kept_after_a_refusal_or_withdrawal(svc, how):
    ev, entry = d_entry(svc)
    obj = object_to_entry(svc, entry["id"], materials="", reason="")["case_id"]
    if how == "refuse":
        out = act(svc, obj, "refuse", "alice", "2026-03-10 10:00", reason="未说明理由，未提供证明材料")
    else:
        out = act(svc, obj, "withdraw", "alice", "2026-03-10 10:00", statement="书面撤回")
    assert out["state"] == ("refused" if how == "refuse" else "withdrawn") and "parent" not in out
    (kept,) = bad(svc)
    assert (kept["statuses"], kept["in_use"]) == ([], True)
    notice = text(svc, out)
    assert "该记录内容不变，异议标注自2026年3月10日起撤除，恢复使用，确定日期（2026年3月6日）和公开期限（至2027年3月6日）不变" in notice
    assert "该记录未被更正或者撤销的，你单位仍可依照第二十四条至第二十六条的规定重新提出符合要求的书面异议" in notice
    assert "异议期" not in notice and "原评价结果" not in notice
    assert (REMEDIES in notice) == (how == "refuse")
    # a new objection on the same entry is registered (no window: it may be objected to while it stands)
    assert object_to_entry(svc, entry["id"], when="2026-03-12 09:00", received="2026-03-12")["state"] == "received"


def test_an_entry_past_its_period_is_not_used_again_after_the_objection(svc):
    """Ground (4): bad information used beyond its period. Dismissed after the period ended, the entry is not
    'back in use': information past its period is not used (Art. 31)."""
    ev, entry = d_entry(svc)
    obj = object_to_entry(svc, entry["id"], when="2027-03-10 09:00", received="2027-03-10", grounds="4",
                          reason="该不良信息已超过公开期限")["case_id"]
    act(svc, obj, "accept", "alice", "2027-03-10 10:00")
    act(svc, obj, "propose_dismiss", "alice", "2027-03-11 10:00", findings="该记录公开期限届满后未再使用")
    decided = act(svc, obj, "approve", "bob", "2027-03-12 10:00")
    with frozen_at(at("2027-03-12 11:00")):  # what is in use depends on the day it is read
        (kept,) = bad(svc)
    assert kept["statuses"] == [] and not kept["in_use"]
    notice = text(svc, decided)
    assert "异议标注自2027年3月12日起撤除；其公开期限已于2027年3月6日届满，依照《办法》第三十一条不再使用" in notice
    assert "恢复使用" not in notice


def test_what_an_objection_to_an_entry_cannot_be(svc):
    ev, entry = d_entry(svc)
    before = counts(svc)
    error = refused("OBJ-GROUNDS", object_to_entry, svc, entry["id"], grounds="2")  # a grade: object to the result
    assert "--parent" in error.message
    refused("OBJ-GROUNDS", object_to_entry, svc, entry["id"], grounds="1,2")
    refused("OBJ-DATE", object_to_entry, svc, entry["id"], received="2026-03-10")  # in the future
    assert counts(svc) == before
    obj = object_to_entry(svc, entry["id"])["case_id"]
    # one objection at a time on an entry
    before = counts(svc)
    refused("OBJ-PENDING", object_to_entry, svc, entry["id"], when="2026-03-09 11:00", received="2026-03-09",
            grounds="5")
    assert counts(svc) == before
    act(svc, obj, "accept", "alice", "2026-03-09 10:00")
    # an entry is corrected or withdrawn, never re-scored
    error = refused("OBJ-TARGET", act, svc, obj, "propose_uphold", "alice", "2026-03-10 10:00", score="80",
                    findings="x")
    assert "propose_correction" in error.message
    refused("OBJ-PARTIAL", act, svc, obj, "propose_partial", "alice", "2026-03-10 10:00", score="80", findings="x")
    assert svc.cases.show(obj)["state"] == "under_review"


def test_a_result_is_re_scored_never_corrected_as_an_entry(svc):
    ev = publish(svc, hospital(svc), "78.5")["case_id"]
    obj = object_to_result(svc, ev)["case_id"]
    act(svc, obj, "accept", "alice", "2026-02-25 10:00")
    error = refused("OBJ-TARGET", act, svc, obj, "propose_correction", "alice", "2026-02-26 10:00", facts="x",
                    findings="y")
    assert "propose_uphold" in error.message
    refused("OBJ-TARGET", act, svc, obj, "propose_withdrawal", "alice", "2026-02-26 10:00", findings="y")
    assert svc.cases.show(obj)["state"] == "under_review"


# -- (2) partial uphold (异议部分成立) -----------------------------------------------------------------------------

def test_a_partial_uphold_corrects_the_result_as_far_as_the_objection_holds(svc):
    ev = publish(svc, hospital(svc), "76")["case_id"]  # C
    obj = object_to_result(svc, ev, reason="两项扣分均缺少依据，得分应为85分")["case_id"]
    act(svc, obj, "accept", "alice", "2026-02-25 10:00")
    error = refused("OBJ-PARTIAL", act, svc, obj, "propose_partial", "alice", "2026-02-26 10:00",
                    findings="一项成立，一项不成立")
    assert "score" in error.message
    refused("OBJ-PARTIAL", act, svc, obj, "propose_partial", "alice", "2026-02-26 10:00", findings="一项成立",
            facts="只给了信息")  # a result needs the corrected score
    findings = "“超标准收费”一项扣分应予撤销；“重复收费”一项扣分依据充分，该部分异议不成立"
    proposal = act(svc, obj, "propose_partial", "carol", "2026-02-26 10:00", score="80", findings=findings)
    assert proposal["state"] == "partial_proposed"
    assert ("拟办意见：异议部分成立，成立与不成立的部分见上述审查意见。建议依照《河南省医疗保障基金使用信用管理办法》（以下简称《办法》）"
            "第二十六条，在异议成立的范围内将评价得分由76.00分更正为80.00分（信用等级由C级更正为B级）") in text(svc, proposal)
    refused("FOUR-EYES", act, svc, obj, "approve", "carol", "2026-02-27 10:00")
    decided = act(svc, obj, "approve", "bob", "2026-02-27 10:00")
    assert decided["state"] == "partially_upheld" and decided["parent"]["state"] == "final"
    data = svc.cases.show(ev)["data"]
    assert (data["score"], data["grade"]) == ("80.00", "B")
    (adjustment,) = data["adjustments"]
    assert (adjustment["outcome"], adjustment["new_score"], adjustment["score"], adjustment["child_case"]) == (
        "partial", "80.00", "76.00", obj)
    (entry,) = archive(svc, HOSPITAL_USCC)
    assert (entry["kind"], entry["facts"], entry["determined_on"]) == (
        "good", "2025年度医疗保障基金使用信用评价结果：80.00分，B级", "2026-02-27")
    notice = text(svc, decided)
    assert f"审查意见：{findings}。" in notice
    assert ("你单位的异议部分成立：审查意见认定成立的部分，本局予以采纳；其余部分不成立，不予采纳。本局依照第二十六条将你单位2025年度"
            "评价得分由76.00分更正为80.00分，信用等级由C级更正为B级。") in notice
    assert REMEDIES in notice and "不停止执行" not in notice  # the part not upheld: a decision against the subject
    adjusted = text(svc, decided["parent"])
    assert f"（异议案件编号{obj}），经本局审查，异议部分成立" in adjusted and "异议成立。" not in adjusted
    assert "在异议成立的范围内对你单位的评价结果予以更正：原评价得分76.00分、信用等级C级，更正为评价得分80.00分、信用等级B级" \
        in adjusted
    assert "自2026年2月27日起确定" in adjusted


def test_a_partial_uphold_to_a_d_grade_says_the_result_is_executed(svc):
    ev = publish(svc, hospital(svc), "60")["case_id"]
    obj = object_to_result(svc, ev)["case_id"]
    act(svc, obj, "accept", "alice", "2026-02-25 10:00")
    act(svc, obj, "propose_partial", "alice", "2026-02-26 10:00", score="66", findings="一项扣分应予撤销，其余成立")
    decided = act(svc, obj, "approve", "bob", "2026-02-27 10:00")
    adjusted = text(svc, decided["parent"])
    assert "异议部分成立" in adjusted and "行政复议或者行政诉讼期间，更正后的评价结果不停止执行" in adjusted
    assert "不停止执行" not in text(svc, decided)


def test_a_partial_uphold_of_an_entry_corrects_it_in_part(svc):
    ev, entry = d_entry(svc)
    obj = object_to_entry(svc, entry["id"], grounds="5", reason="两项违规行为均已整改")["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-09 10:00")
    refused("OBJ-PARTIAL", act, svc, obj, "propose_partial", "alice", "2026-03-10 10:00", findings="一项成立")
    refused("OBJ-PARTIAL", act, svc, obj, "propose_partial", "alice", "2026-03-10 10:00", findings="一项成立",
            score="70")  # an entry needs the corrected information
    corrected = "2025年度医疗保障基金使用信用评价结果：65.00分，D级（其中一项违规行为已于2026年3月整改完毕）"
    proposal = act(svc, obj, "propose_partial", "alice", "2026-03-10 10:00", facts=corrected,
                   findings="一项已整改，应予记载；另一项未整改，该部分异议不成立")
    assert proposal["state"] == "partial_proposed"
    assert f"在异议成立的范围内将该档案记录更正为“{corrected}”" in text(svc, proposal)
    decided = act(svc, obj, "approve", "bob", "2026-03-11 10:00")
    assert decided["state"] == "partially_upheld" and "parent" not in decided
    old, new = bad(svc)
    assert (old["superseded_by"], old["in_use"]) == (new["id"], False)
    assert (new["facts"], new["determined_on"], new["disclosed_until"], new["in_use"]) == (
        corrected, "2026-03-06", "2027-03-06", True)
    assert svc.cases.show(ev)["data"]["score"] == "65.00"  # the result itself is not re-scored
    notice = text(svc, decided)
    assert "你单位的异议部分成立：审查意见认定成立的部分，本局予以采纳；其余部分不成立，不予采纳。" in notice
    assert f"在异议成立的范围内更正该档案记录：原记录“{entry['facts']}”更正为“{corrected}”" in notice
    assert "确定日期（2026年3月6日）和公开期限（至2027年3月6日）不变" in notice
    assert REMEDIES in notice and "不停止执行" not in notice


# -- (3) a person's window runs from service -------------------------------------------------------------------

def test_a_persons_b_result_has_its_window_from_service(svc, cal):
    key = person(svc)
    out = publish(svc, key, "85")
    ev, number = out["case_id"], out["notice"]
    shown = svc.cases.show(ev)
    assert shown["timers"] == [] and shown["data"]["window_from_service"] is True
    assert "异议期尚未起算" in shown["objection_window"] and "notice served" in shown["objection_window"]
    published = text(svc, number)
    assert "应当自收到本告知书之日起15个工作日内（该评价结果依第二十九条不向社会公开，异议期自本告知书送达之日起计算）" in published
    assert "公布之日起15个工作日内" not in published
    assert sweep(svc, "2026-03-06 00:00")["fired"] == []  # nothing runs before service
    assert svc.cases.show(ev)["state"] == "published"

    with frozen_at(at("2026-03-10 09:00")):
        served = svc.documents.serve(number, "post", "2026-03-09", "alice")
    last = cal.nth_working_day_after(date(2026, 3, 9), 15)
    assert (window(svc, ev)["start_day"], window(svc, ev)["last_day"], window(svc, ev)["status"]) == (
        "2026-03-09", last.isoformat(), "running")
    assert "objection_window" not in svc.cases.show(ev)
    assert svc.cases.show(ev)["data"]["result_served_on"] == "2026-03-09"
    record = svc.documents.show(served["case"]["notice"])
    assert (record["template"], record["audience"], record["title"]) == (
        "evaluation/window_from_service.html.j2", "internal", "信用评价结果告知书送达及异议期起算记录")
    assert "已于2026年3月9日以邮寄送达方式送达张三" in record["text"]
    assert f"最后一日为{date_zh(last)}" in record["text"]
    assert "信用主体可以在该日前（含当日）提出书面异议" in record["text"]

    # a later service restarts nothing
    with frozen_at(at("2026-03-12 09:00")):
        again = svc.documents.serve(number, "direct", "2026-03-12", "alice")
    assert window(svc, ev)["last_day"] == last.isoformat() and window(svc, ev)["start_day"] == "2026-03-09"
    second = svc.documents.show(again["case"]["notice"])
    assert second["template"] == "common/served.html.j2" and "本次送达不重新起算" in second["text"]

    assert [f for f in sweep(svc, f"{last.isoformat()} 23:59")["fired"] if f["case_id"] == ev] == []
    end = cal.nth_working_day_after(last, 1)  # any instant after 24:00 of the last day
    fired = [f for f in sweep(svc, f"{end.isoformat()} 00:00")["fired"] if f["case_id"] == ev]
    assert [(f["trigger"], f["state"]) for f in fired] == [("window_expired", "final")]
    final = text(svc, fired[0])
    assert "评价结果告知书于2026年3月9日送达（该结果不向社会公开，异议期自送达之日起计算）" in final
    assert f"异议期已于{date_zh(last)}届满" in final
    assert "公布你" not in final
    (entry,) = archive(svc, key)
    assert entry["kind"] == "good" and entry["in_use"]


def test_an_institutions_result_has_its_window_from_publication(svc, cal):
    out = publish(svc, hospital(svc), "85")
    ev = out["case_id"]
    assert window(svc, ev)["start_day"] == "2026-02-06"
    assert window(svc, ev)["last_day"] == cal.nth_working_day_after(date(2026, 2, 6), 15).isoformat()
    assert svc.cases.show(ev)["data"]["window_from_service"] is False and "objection_window" not in svc.cases.show(ev)
    with frozen_at(at("2026-02-10 09:00")):
        served = svc.documents.serve(out["notice"], "post", "2026-02-09", "alice")
    record = svc.documents.show(served["case"]["notice"])
    assert record["template"] == "common/served.html.j2" and "异议期" not in record["text"]
    assert "已于2026年2月9日以邮寄送达方式送达郑州市示例医院（统一社会信用代码：91350100M000100Y43）" in record["text"]
    assert window(svc, ev)["start_day"] == "2026-02-06"  # service changes nothing


@pytest.mark.parametrize("subject_type", ["practitioner", "insured"])
def test_a_persons_d_result_has_its_window_from_publication(svc, cal, subject_type):
    """Art. 29 publishes the D list: a person's D result is published, its window runs from publication."""
    out = publish(svc, person(svc, subject_type), "65")
    assert window(svc, out["case_id"])["start_day"] == "2026-02-06"
    assert svc.cases.show(out["case_id"])["data"]["window_from_service"] is False
    assert "应当自评价结果公布之日起15个工作日内" in text(svc, out)


def test_an_objection_before_service_then_withdrawn_leaves_no_window(svc, cal):
    key = person(svc)
    out = publish(svc, key, "72")
    ev, number = out["case_id"], out["notice"]
    opened = object_to_result(svc, ev, when="2026-02-10 09:00", received="2026-02-10")
    assert opened["state"] == "received" and opened["parent"]["state"] == "under_objection"
    receipt = text(svc, opened)
    assert "该异议于评价结果告知书登记送达前提出" in receipt and "该异议于异议期内提出" not in receipt
    assert "你对本局作出的2025年度医疗保障基金使用信用评价结果（72.00分，C级）" in receipt
    out = act(svc, opened["case_id"], "withdraw", "alice", "2026-02-11 10:00", statement="书面撤回")
    assert out["parent"]["state"] == "published"
    assert svc.cases.show(ev)["timers"] == [] and "异议期尚未起算" in svc.cases.show(ev)["objection_window"]
    restored = text(svc, out["parent"])
    assert "告知书尚未登记送达，异议期尚未起算，不予受理或者撤回不影响异议期" in restored
    withdrawn = text(svc, out)
    assert "告知书尚未登记送达，异议期尚未起算" in withdrawn and "异议期至" not in withdrawn
    # served afterwards: the window starts from that day
    with frozen_at(at("2026-02-13 09:00")):
        served = svc.documents.serve(number, "direct", "2026-02-13", "alice")
    assert svc.documents.show(served["case"]["notice"])["template"] == "evaluation/window_from_service.html.j2"
    assert window(svc, ev)["last_day"] == cal.nth_working_day_after(date(2026, 2, 13), 15).isoformat()


@pytest.mark.parametrize("withdrawn_on", ["2026-02-16 10:00", "2026-03-16 10:00"])
def test_a_result_served_while_its_objection_is_handled(svc, cal, withdrawn_on):
    """Served while an objection filed before service is handled, the window counts from the service day and
    waits; withdrawn while that window would still run, it runs on to its last day; after, the result is final."""
    key = person(svc)
    out = publish(svc, key, "72")
    ev, number = out["case_id"], out["notice"]
    obj = object_to_result(svc, ev, when="2026-02-10 09:00", received="2026-02-10")["case_id"]
    with frozen_at(at("2026-02-11 09:00")):
        served = svc.documents.serve(number, "direct", "2026-02-11", "alice")
    last = cal.nth_working_day_after(date(2026, 2, 11), 15)
    assert (window(svc, ev)["start_day"], window(svc, ev)["last_day"], window(svc, ev)["status"]) == (
        "2026-02-11", last.isoformat(), "stopped")
    record = text(svc, served["case"])
    assert f"最后一日为{date_zh(last)}" in record and "告知书送达前，信用主体已对该评价结果提出书面异议，该异议正在处理" in record
    out = act(svc, obj, "withdraw", "alice", withdrawn_on, statement="书面撤回")
    if withdrawn_on < last.isoformat():
        assert out["parent"]["state"] == "published"
        assert (window(svc, ev)["status"], window(svc, ev)["last_day"]) == ("running", last.isoformat())
        assert f"异议期至{date_zh(last)}届满" in text(svc, out)
        assert (f"异议期自评价结果告知书送达之日（2026年2月11日）起计算15个工作日（第二十六条）。不予受理或者撤回不缩短异议期："
                f"异议期计算至{date_zh(last)}届满") in text(svc, out["parent"])
    else:
        assert out["parent"]["state"] == "final"
        assert f"异议期已于{date_zh(last)}届满" in text(svc, out)
        assert f"异议期已于{date_zh(last)}届满" in text(svc, out["parent"])


def test_with_the_flag_off_a_persons_window_runs_from_publication(db_url, tmp_path, cal):
    from states import build_registry
    from states.policy import HENAN_2023
    from states.spec import Policy, PolicyNumber

    reg = build_registry(policy=HENAN_2023.overlaid(Policy("off", {
        "objection_window_from_service_for_persons": PolicyNumber(False, "flag", "test")})))
    s = make_services(db_url, tmp_path, registry=reg)
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                      court="郑州铁路运输法院")
    s.deployment.add_user("alice", ["handler"])
    try:
        out = publish(s, person(s), "85")
        ev = out["case_id"]
        assert window(s, ev)["start_day"] == "2026-02-06"
        assert window(s, ev)["last_day"] == cal.nth_working_day_after(date(2026, 2, 6), 15).isoformat()
        assert s.cases.show(ev)["data"]["window_from_service"] is False and "objection_window" not in s.cases.show(ev)
        assert "应当自评价结果公布之日起15个工作日内" in text(s, out)
        with frozen_at(at("2026-02-10 09:00")):
            served = s.documents.serve(out["notice"], "direct", "2026-02-09", "alice")
        assert s.documents.show(served["case"]["notice"])["template"] == "common/served.html.j2"
        assert window(s, ev)["start_day"] == "2026-02-06"
    finally:
        s.db.dispose()


def test_next_years_result_supersedes_a_corrected_c_entry(svc):
    """A C result's entry corrected after an objection is still that year's result: the next year's
    result supersedes it (its year is the year of the entry it corrected)."""
    ev = publish(svc, hospital(svc), "75")["case_id"]
    sweep(svc, "2026-03-06 00:00")
    (entry,) = archive(svc, HOSPITAL_USCC)
    assert entry["kind"] == "evaluation" and svc.cases.show(ev)["state"] == "final"
    obj = object_to_entry(svc, entry["id"])["case_id"]
    act(svc, obj, "accept", "alice", "2026-03-09 10:00")
    act(svc, obj, "propose_correction", "carol", "2026-03-10 10:00", facts="2025年度评价结果：75.00分，C级（已更正）",
        findings="记载有误")
    act(svc, obj, "approve", "bob", "2026-03-11 10:00")
    old, corrected = archive(svc, HOSPITAL_USCC)
    assert corrected["in_use"] and not old["in_use"]
    nxt = publish(svc, HOSPITAL_USCC, "92", when="2027-02-05 09:00", year=2026)["case_id"]
    sweep(svc, "2027-03-06 00:00")
    assert svc.cases.show(nxt)["state"] == "final"
    with frozen_at(at("2027-03-08 09:00")):
        entries = {e["id"]: e for e in archive(svc, HOSPITAL_USCC)}
    assert entries[corrected["id"]]["in_use"] is False
    assert entries[corrected["id"]]["superseded_by"] == max(entries)
    assert [e["kind"] for e in entries.values() if e["in_use"]] == ["good"]
