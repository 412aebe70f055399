"""Every transition of every procedure, driven through the services with realistic data, so that
every notice the system issues exists once (tests/test_notices.py, docs/notices/ PNGs).

`run(svc)` returns one entry per issued notice: its number, template, title, the subject's name and
the deadline the notice names (the `deadline` key: the timer whose last day it must print).
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from datetime import date, timedelta
from pathlib import Path

from conftest import HOSPITAL_USCC, PERSON_ID, at, publish as publish_evaluation
from workflows.clock import frozen_at
from workflows.demo import demo_id_number

HOSPITAL = "郑州康宁医院有限公司"
PERSON = "李建华"

# template -> (case whose timer the notice names: "own" | "parent", timer name) for notices that name a deadline
DEADLINES = {
    "evaluation/published.html.j2": ("own", "objection_window"),
    "objection/registered.html.j2": ("own", "handling"),
    "objection/accepted.html.j2": ("own", "handling"),
    "objection/resumed.html.j2": ("own", "handling"),
    "objection/proposal.html.j2": ("own", "handling"),
    "objection/returned.html.j2": ("own", "handling"),
    "objection/overdue.html.j2": ("own", "handling"),
    "objection/refused_late.html.j2": ("parent", "objection_window"),
    "objection/completion_requested.html.j2": ("own", "completion"),
    "objection/completion_received.html.j2": ("own", "handling"),
    "objection/refused_completion.html.j2": ("own", "completion"),
    "evaluation/window_restored.html.j2": ("own", "objection_window"),
    "evaluation/window_from_service.html.j2": ("own", "objection_window"),
    "record/determined.html.j2": ("own", "disclosure"),
    "record/eligible.html.j2": ("own", "eligibility"),
    "record/expired.html.j2": ("own", "disclosure"),
    "record/ban_ended.html.j2": ("own", "ban"),
    "repair/accepted.html.j2": ("own", "decision"),
    "repair/extended.html.j2": ("own", "decision"),
    "repair/proposal.html.j2": ("own", "decision"),
    "repair/returned.html.j2": ("own", "decision"),
    "repair/overdue.html.j2": ("own", "decision"),
    "repair/public_notice.html.j2": ("own", "public_notice"),
    "repair/public_objection.html.j2": ("own", "public_notice"),
    "repair/board_objection.html.j2": ("own", "public_notice"),
    "repair/repaired.html.j2": ("own", "public_notice"),
    "rectification/interview_notice.html.j2": ("own", "interview"),
    "rectification/order.html.j2": ("own", "rectification"),
    "rectification/defence_notice.html.j2": ("own", "defence"),
    "rectification/interview_overdue.html.j2": ("own", "interview"),
    "transfer/report.html.j2": ("own", "approval"),
    "transfer/approved.html.j2": ("own", "transfer"),
    "transfer/receipt.html.j2": ("own", "police_review"),
    "transfer/forwarded.html.j2": ("own", "police_review"),
    "transfer/declined.html.j2": ("own", "reconsideration_request"),
    "transfer/reconsideration_declined.html.j2": ("own", "procuratorate_request"),
    "transfer/filed.html.j2": ("own", "handover"),
    "referral/letter.html.j2": ("own", "answer"),
    "referral/acknowledged.html.j2": ("own", "answer"),
}
# Notices that name their deadline only while its timer runs: a repair's proposal or return once the decision is
# made (in the review after an objection to its public notice) or its period has run out names none.
WHILE_RUNNING = {"repair/proposal.html.j2", "repair/returned.html.j2"}
REMINDER = "common/deadline_reminder.html.j2"  # names the timer it reminds of (its inputs): the objection's, a repair's


def _last_day(svc, case_id: int, timer: str, running_only: bool = False) -> str | None:
    """The timer's last day; None while it has not started (a person's window waits for service), and with
    `running_only` when it no longer runs."""
    return next((t["last_day"] for t in svc.cases.show(case_id)["timers"]
                 if t["name"] == timer and (t["status"] == "running" or not running_only)), None)


# New official data for 2027 (a test arrangement, clearly not the real one): one more day off on
# Monday 4 January moves every provisional deadline that runs over it by one working day.
CALENDAR_2027 = """
[[year]]
year = 2027
notice = "国务院办公厅关于2027年部分节假日安排的通知（测试数据，非真实安排）"
mode = "patch"
confirmed = true
days_off = [ { date = 2027-01-04, name = "元旦（测试用调整）" } ]
"""


def run(svc, override_dir=None) -> list[dict]:
    notices: list[dict] = []
    names = {}

    def related(out: dict | None) -> list:
        """The cases a transition opened or told (and those their transitions opened or told), as the
        outcome lists them: their notices are issued in the same transaction."""
        if not out:
            return []
        found = []
        for o in (out.get("opened") or []) + (out.get("notified") or []):
            found += [(o, o["case_id"], svc.cases.show(o["case_id"])["parent"])] + related(o)
        return found + related(out.get("parent"))

    def record(out: dict, case_id: int, parent_id: int | None = None):
        for o, cid, pid in ((out, case_id, parent_id), (out.get("parent"), parent_id, None), *related(out)):
            if o is None:
                continue
            n = svc.documents.show(o["notice"])
            entry = {"number": n["number"], "template": n["template"], "title": n["title"], "audience": n["audience"],
                     "case_id": cid, "subject": names[svc.cases.show(cid)["subject_id"]], "deadline": None,
                     "against_subject": 'class="remedies"' in n["html"], "text": n["text"]}
            spec = DEADLINES.get(n["template"])
            if n["template"] == REMINDER:
                spec = ("own", next(e["inputs"]["timer"] for e in svc.audit.log(cid) if e["notice_number"] == n["number"]))
            if spec:
                entry["deadline"] = _last_day(svc, cid if spec[0] == "own" else pid, spec[1],
                                              running_only=n["template"] in WHILE_RUNNING)
            if n["template"] == "evaluation/finalized.html.j2" and svc.audit.log(cid)[-1]["trigger"] == "window_expired":
                entry["deadline"] = _last_day(svc, cid, "objection_window")
            notices.append(entry)
        return out

    def publish(subject_id, year, score, when, serve=True):
        with frozen_at(at(when)):
            out = publish_evaluation(svc, str(subject_id), year, score, "alice")
            record(out, out["case_id"])
            if serve and not any(t["name"] == "objection_window" for t in svc.cases.show(out["case_id"])["timers"]):
                # A person's result is not published: its window runs from service, here in person that day.
                served = svc.documents.serve(out["notice"], "direct", at(when).date(), "alice")
                record(served["case"], out["case_id"])
        return out["case_id"]

    def serve(number, method, on, when):
        """Record service of a notice (送达), on day `on`, at the instant `when`."""
        with frozen_at(at(when)):
            out = svc.documents.serve(number, method, on, "alice")
        case = out["case"]["case_id"]
        return record(out["case"], case, svc.cases.show(case)["parent"])

    def entry_of(subject_id, case_id, when=None):
        """The archive entry in use (at `when`, default the clock's now) that case `case_id` wrote for the subject."""
        with frozen_at(at(when)) if when else nullcontext():
            return next(e["id"] for e in svc.deployment.show_subject(str(subject_id))["archive"]
                        if e["case_id"] == case_id and e["in_use"])

    def object_to_entry(entry, when, received, **extra):
        inputs = {"received": received, "materials": "信用信息异议申请书,整改报告,退款凭证", **extra}
        with frozen_at(at(when)):
            out = svc.cases.open("objection", "alice", inputs, entry=entry)
        return record(out, out["case_id"])["case_id"]

    def object_to(ev, when, received, **extra):
        inputs = {"grounds": "1,2", "received": received, "materials": "信用评价结果异议申请表,现场检查笔录复印件,退款凭证",
                  "reason": "评价所扣“重复收取静脉输液费”一项中，98条结算明细已于2025年6月30日前全额退回医保基金", **extra}
        with frozen_at(at(when)):
            out = svc.cases.open("objection", "alice", inputs, parent=ev)
        return record(out, out["case_id"], ev)["case_id"]

    def act(case, parent, trigger, actor, when, **inputs):
        with frozen_at(at(when)):
            return record(svc.cases.act(case, trigger, actor, inputs), case, parent)

    def sweep(when):
        # The sweep runs at `when` by the clock: a notice is dated the day it is produced (never
        # backdated), so an item due before `when` is a late one (its notice states when the period ended).
        with frozen_at(at(when)):
            out = svc.sweep.run_once(at(when))
        for fired in out["reminded"] + out["fired"]:
            record(fired, fired["case_id"], svc.cases.show(fired["case_id"])["parent"])

    hospital = svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)["id"]
    person = svc.deployment.add_subject(PERSON, "practitioner", None, PERSON_ID)["id"]
    names.update({hospital: HOSPITAL, person: PERSON})

    # A. hospital, 2025: objection received, accepted, suspended for expert review, resumed, a dismissal
    #    proposal returned, upheld on approval: the evaluation is corrected (C → B).
    ev = ev_a = publish(hospital, 2025, "78.5", "2026-02-06 09:00")
    obj = object_to(ev, "2026-02-25 09:00", "2026-02-24")
    act(obj, ev, "accept", "alice", "2026-02-25 10:00")
    act(obj, ev, "suspend", "alice", "2026-02-26 10:00", reason="expert_review")
    act(obj, ev, "resume", "alice", "2026-03-04 10:00")
    act(obj, ev, "propose_dismiss", "alice", "2026-03-05 10:00", findings="扣分所依据的结算明细与现场检查笔录一致")
    act(obj, ev, "return", "bob", "2026-03-05 15:00", reason="退款凭证尚未核对，请调取财务记录后重新审查")
    act(obj, ev, "propose_uphold", "carol", "2026-03-09 10:00", score="81",
        findings="经核对财务记录，98条结算明细已于2025年6月30日前全额退回，该部分扣分事实认定有误，应予更正")
    act(obj, ev, "approve", "bob", "2026-03-09 15:00")

    # B. a practitioner, 2025: D grade, the window expires (final), a timely objection registered late
    #    reopens it, the handling deadline passes (supervision), the objection is dismissed.
    ev = ev_b = publish(person, 2025, "65", "2026-02-06 09:00")
    # H. hospital, 2021: A grade, window to 23 March 2026 (due at 24:00), found by the sweep of 27 March
    #    only: the late finalization notice is dated 27 March and states 23 March and 24 March.
    publish(hospital, 2021, "93", "2026-03-02 09:00")
    sweep("2026-03-06 00:00")
    obj = object_to(ev, "2026-03-09 09:00", "2026-03-05", grounds="2", materials="信用评价结果异议申请表,处方底方复印件",
                    reason="评价所依据的三次违规记录中，有两次系同一张处方的重复记录")
    act(obj, ev, "accept", "alice", "2026-03-09 10:00")
    sweep("2026-03-27 00:00")
    act(obj, ev, "propose_dismiss", "alice", "2026-03-27 10:00", findings="评价所依据的三次违规记录均有现场检查笔录和本人签字确认")
    act(obj, ev, "approve", "bob", "2026-03-27 15:00")

    # C. hospital, 2024: an objection received after the window: refused at once (视为无异议).
    ev = publish(hospital, 2024, "88", "2026-04-01 09:00")
    object_to(ev, "2026-04-27 09:00", "2026-04-24")

    # D. hospital, 2023: an objection without the form and materials: refused; the result stands.
    ev = publish(hospital, 2023, "91.5", "2026-04-01 09:00")
    obj = object_to(ev, "2026-04-03 09:00", "2026-04-02", materials="", reason="")
    act(obj, ev, "refuse", "alice", "2026-04-03 10:00", reason="未使用附件1《信用评价结果异议申请表》，且未附任何证明材料")

    # E. the practitioner, 2024: an objection withdrawn in writing.
    ev = publish(person, 2024, "72", "2026-04-01 09:00")
    obj = object_to(ev, "2026-04-03 09:00", "2026-04-02", grounds="1", materials="信用评价结果异议申请表",
                    reason="2025年5月的违规记录所涉处方并非本人开具")
    act(obj, ev, "withdraw", "alice", "2026-04-07 10:00", statement="申请人于2026年4月7日书面申请撤回异议")

    # I. the practitioner, 2022: an objection accepted within the window and withdrawn after it ended
    #    (23 April 2026): the result is final as of the withdrawal.
    ev2 = publish(person, 2022, "75", "2026-04-01 09:00")
    obj2 = object_to(ev2, "2026-04-03 09:00", "2026-04-02", grounds="1", materials="信用评价结果异议申请表",
                     reason="2024年3月的违规记录所涉结算系他人冒用本人医保医师编码")
    act(obj2, ev2, "accept", "alice", "2026-04-03 10:00")
    act(obj2, ev2, "withdraw", "alice", "2026-04-27 10:00", statement="申请人于2026年4月27日书面申请撤回异议")

    # J. hospital, 2020: an objection without materials: completion asked for, supplied, then accepted.
    ev3 = publish(hospital, 2020, "84", "2026-04-01 09:00")
    obj3 = object_to(ev3, "2026-04-03 09:00", "2026-04-02", materials="", reason="")
    act(obj3, ev3, "request_completion", "alice", "2026-04-03 10:00", missing="异议理由说明及相关证明材料")
    act(obj3, ev3, "complete", "alice", "2026-04-08 10:00", materials="信用评价结果异议申请表,退款凭证",
        reason="评价所扣“超标准收费”一项所涉费用已于2025年9月全额退回")
    act(obj3, ev3, "accept", "alice", "2026-04-08 11:00")

    # K. the practitioner, 2021: completion asked for and not supplied: the sweep refuses the objection
    #    when the completion period ends, and the evaluation's window runs on to its last day.
    ev4 = publish(person, 2021, "68", "2026-04-01 09:00")
    obj4 = object_to(ev4, "2026-04-03 09:00", "2026-04-02", grounds="2", materials="", reason="")
    act(obj4, ev4, "request_completion", "alice", "2026-04-03 10:00", missing="信用评价结果异议申请表及相关证明材料")
    sweep("2026-04-15 00:00")

    # F. a correction notice on that result's first notice: the stored notice itself never changes.
    with frozen_at(at("2026-04-08 10:00")):
        first = svc.cases.show(ev)["notices"][0]["number"]
        record(svc.documents.correct(first, "第二段所载评价年度应为2024年度", "alice"), ev, None)
        receipt = svc.cases.show(obj)["notices"][0]["number"]
        record(svc.documents.correct(receipt, "收到书面材料的日期应为2026年4月2日", "alice"), obj, ev)

    # Sections L-O run in May 2026 and sweep nothing: the results of D and E keep waiting for a sweep
    # (tests/test_notices.py reads them as the notices left them).

    # L. hospital, 2019: a partial uphold of a result (异议部分成立): one of the two disputed deductions was
    #    wrong; the result is corrected as far as the objection holds (C → B, not the 85 asked for).
    ev_l = publish(hospital, 2019, "76", "2026-05-06 09:00")
    obj_l = object_to(ev_l, "2026-05-07 09:00", "2026-05-07", grounds="2",
                      reason="评价所扣“超标准收费”“重复收费”两项均缺少依据，评价得分应为85分")
    act(obj_l, ev_l, "accept", "alice", "2026-05-07 10:00")
    act(obj_l, ev_l, "propose_partial", "alice", "2026-05-11 10:00", score="80",
        findings="“超标准收费”一项所涉12条结算明细经核对符合收费标准，该项扣分4分应予撤销；"
                 "“重复收费”一项有现场检查笔录和结算明细为证，扣分依据充分，该部分异议不成立")
    approved = act(obj_l, ev_l, "approve", "bob", "2026-05-12 10:00")

    # M. objections to archive entries (docs/rules.md §3.9): the person's 2025 D entry corrected (the violation
    #    was corrected: ground 5), the person's 2022 C entry withdrawn (should not have been collected: ground 3),
    #    the hospital's 2025 B entry corrected in part.
    record_b = next(c["id"] for c in svc.cases.show(ev_b)["children"] if c["kind"] == "record")  # the D's 失信 record
    m1 = object_to_entry(entry_of(person, record_b), "2026-05-07 09:00", "2026-05-07", grounds="5",
                         reason="评价所依据的三项违规行为已全部整改，违规费用已于2026年4月全额退回医保基金")
    act(m1, None, "accept", "alice", "2026-05-07 10:00")
    act(m1, None, "propose_correction", "alice", "2026-05-11 10:00",
        facts="2025年度医疗保障基金使用信用评价结果：65.00分，D级（所涉三项违规行为已于2026年4月整改完毕，违规费用已全额退回医保基金）",
        findings="经核对整改报告和退款凭证，三项违规行为均已整改，违规费用已全额退回，该记录应予更正注明")
    act(m1, None, "approve", "bob", "2026-05-12 10:00")
    m2 = object_to_entry(entry_of(person, ev2), "2026-05-07 09:00", "2026-05-07", grounds="3",
                         materials="信用信息异议申请书,公安机关立案告知书",
                         reason="2022年度评价所依据的违规结算系他人冒用本人医保医师编码所致，依法不应作为本人的信用信息归集")
    act(m2, None, "accept", "alice", "2026-05-07 10:00")
    act(m2, None, "propose_withdrawal", "alice", "2026-05-11 10:00",
        findings="公安机关立案告知书证实该年度违规结算系他人冒用其医保医师编码，该记录依法不应归集，应予撤销")
    act(m2, None, "approve", "bob", "2026-05-12 10:00")
    m3 = object_to_entry(entry_of(hospital, ev_a), "2026-05-07 09:00", "2026-05-07", grounds="1,5",
                         reason="评价所扣“超标准收费”“重复收费”两项所涉违规行为均已整改，档案记录未予记载")
    act(m3, None, "accept", "alice", "2026-05-07 10:00")
    act(m3, None, "propose_partial", "alice", "2026-05-11 10:00",
        facts="2025年度医疗保障基金使用信用评价结果：81.00分，B级（所涉“超标准收费”违规行为已于2026年3月整改完毕）",
        findings="“超标准收费”一项已整改并退回费用，应予记载；“重复收费”一项未提供退回费用的凭证，该部分异议不成立")
    act(m3, None, "approve", "bob", "2026-05-12 10:00")

    # N. the practitioner, 2020: a B result, not published: an objection before its notice is served; the
    #    notice is served while the objection is handled (the window counts from that day and waits); the
    #    objection withdrawn, the window runs to its last day counted from service.
    ev_n = publish(person, 2020, "86", "2026-05-06 09:00", serve=False)
    obj_n = object_to(ev_n, "2026-05-07 09:00", "2026-05-07", grounds="2", materials="信用评价结果异议申请表",
                      reason="评价所依据的2020年9月违规记录所涉处方系本人按诊疗规范开具")
    result_notice = svc.cases.show(ev_n)["notices"][0]["number"]
    serve(result_notice, "direct", "2026-05-08", "2026-05-08 15:00")
    act(obj_n, ev_n, "withdraw", "alice", "2026-05-11 10:00", statement="申请人于2026年5月11日书面申请撤回异议")

    # O. service of other notices: the institution's result (its window runs from publication), the person's
    #    result notice served again by post (periods run from the first service), a decision on an objection.
    serve(svc.cases.show(ev_l)["notices"][0]["number"], "post", "2026-05-08", "2026-05-08 16:00")
    serve(result_notice, "post", "2026-05-11", "2026-05-11 16:00")
    serve(approved["notice"], "direct", "2026-05-13", "2026-05-13 10:00")

    # P. 失信 records (states/record.py), each clock fired for its own case only (Sections L-O sweep nothing).
    def fire(case, when):
        """The sweep's work for one case at `when`: its reminders and expiries, each as the sweep fires it."""
        with frozen_at(at(when)):
            report = svc.sweep.fire_case(case, at(when))
        assert not report.items["failed"], report.items["failed"]
        for fired in report.items.get("reminded", []) + report.items.get("fired", []):
            record(fired, fired["case_id"], svc.cases.show(fired["case_id"])["parent"])

    def add_record(subject_id, when, **inputs):
        with frozen_at(at(when)):
            out = svc.cases.open("record", "alice", inputs, subject=str(subject_id))
        return record(out, out["case_id"])["case_id"]

    # P1. a penalty decision's record: served, its notice corrected, the eligibility notice on the first
    #     admissible day; then (Q1) repaired, the repair revoked (disclosed again), annulled on reconsideration.
    p1 = add_record(hospital, "2026-05-14 09:00", category="fraudulent_billing", determined="2026-04-02",
                    disclosure_months="6", severity="general", basis="郑医保罚〔2026〕3号行政处罚决定书",
                    facts="2025年通过虚构住院记录结算医保基金12.6万元")
    first = svc.cases.show(p1)["notices"][0]["number"]
    serve(first, "direct", "2026-05-15", "2026-05-15 10:00")
    with frozen_at(at("2026-05-15 11:00")):
        record(svc.documents.correct(first, "第一段所载处罚决定书文号应为郑医保罚〔2026〕3号", "alice"), p1)
    fire(p1, "2026-07-03 00:00")
    # P2. a minor record (henan-2026: no waiting period) whose one month runs out, annulled afterwards.
    p2 = add_record(person, "2026-05-14 09:00", category="impersonation", determined="2026-05-13", disclosure_months="1",
                    severity="minor", facts="将本人医疗保障凭证交由他人使用一次")
    fire(p2, "2026-06-14 00:00")
    act(p2, None, "revoke", "alice", "2026-06-15 10:00", basis="郑州铁路运输法院（2026）豫7101行初5号行政判决书")
    # P3. false material in a repair application (Art. 40(2)), determined in 2023 with a 36-month penalty term:
    #     the 3-year ban ends, then the disclosure.
    p3 = add_record(hospital, "2026-05-14 09:00", category="false_commitment", determined="2023-05-20",
                    disclosure_months="36", penalty_term_months="36", facts="信用修复申请中提交虚假的整改证明材料")
    fire(p3, "2026-05-21 00:00")
    # P4. an objection to a record's entry withdraws it: the record is withdrawn (corrected).
    p4 = add_record(hospital, "2026-05-14 09:00", category="split_hospitalisation", determined="2026-05-13",
                    disclosure_months="6", facts="2025年将一次住院分解为两次结算")
    p4_obj = object_to_entry(entry_of(hospital, p4, "2026-05-14 10:00"), "2026-05-14 10:00", "2026-05-14", grounds="1",
                             reason="所涉两次住院系不同病因，不属于分解住院")
    act(p4_obj, None, "accept", "alice", "2026-05-14 11:00")
    act(p4_obj, None, "propose_withdrawal", "alice", "2026-05-15 10:00", findings="病历证实两次住院系不同病因，该记录应予撤销")
    act(p4_obj, None, "approve", "bob", "2026-05-18 10:00")
    # P5. a D result made final, reopened by a timely objection and corrected to another D score: the record's
    #     entry states the new score.
    ev_p = publish(hospital, 2018, "62", "2026-05-14 09:00")
    window = _last_day(svc, ev_p, "objection_window")
    fire(ev_p, f"{date.fromisoformat(window) + timedelta(days=1)} 00:00")
    obj_p = object_to(ev_p, f"{date.fromisoformat(window) + timedelta(days=1)} 09:00", window, grounds="2")
    act(obj_p, ev_p, "accept", "alice", f"{date.fromisoformat(window) + timedelta(days=1)} 10:00")
    act(obj_p, ev_p, "propose_uphold", "alice", f"{date.fromisoformat(window) + timedelta(days=1)} 11:00", score="66",
        findings="一项扣分依据不足，应予撤销；其余扣分依据充分")
    act(obj_p, ev_p, "approve", "bob", f"{date.fromisoformat(window) + timedelta(days=1)} 15:00")

    # Q. credit repairs (states/repair.py) of 失信 records, each received on or after its record's first admissible
    #    day (`eligible_from`: Art. 39(1) by the profile in force on the determination day), each clock fired for
    #    its own case only. The hospital's two false-material findings (Q4, Q1) bar it from repair for 3 years
    #    (Art. 40): its applications come first; the practitioner's repairs run on into December (G).
    def apply(rec, when, received, materials="application_form,commitment,proof"):
        with frozen_at(at(when)):
            out = svc.cases.open("repair", "alice", {"received": received, "materials": materials}, parent=rec)
        return record(out, out["case_id"], rec)["case_id"]

    # Q1. the hospital's repair of P1 (eligible from 3 July): material supplied (补正), accepted, the period
    #     extended, a proposal returned, approved and published; an objection to the public notice, a
    #     confirmation returned, confirmed and published again; the public notice ends with no objection: repaired
    #     (P1 withdrawn). Broken commitment found after it took effect (after Q4): the repair revoked, P1 disclosed
    #     again, a false-commitment record opened; P1 itself annulled on reconsideration later.
    q1 = apply(p1, "2026-07-03 09:30", "2026-07-03", materials="application_form,commitment")
    act(q1, p1, "supplement", "alice", "2026-07-06 09:00", materials="proof", received="2026-07-06")
    act(q1, p1, "accept", "alice", "2026-07-06 10:00")  # decision by 27 July
    act(q1, p1, "extend", "alice", "2026-07-08 10:00",
        reason="所涉12.6万元医保基金的退回凭证和27份住院病历需向开户银行和病案室逐一核对")  # to 17 August
    act(q1, p1, "propose_approve", "alice", "2026-07-09 10:00",
        findings="该院已提交退回违规结算医保基金12.6万元的凭证和整改报告，申请材料齐全")
    act(q1, p1, "return", "bob", "2026-07-10 10:00", reason="退款凭证尚未经开户银行核实，请核实后重新审查")
    act(q1, p1, "propose_approve", "alice", "2026-07-13 10:00",
        findings="经开户银行核实，该院已于2026年6月退回违规结算的医保基金12.6万元；整改报告所列措施已落实，"
                 "失信行为的不良影响已基本消除")
    act(q1, p1, "approve", "bob", "2026-07-14 10:00")  # published to 21 July
    act(q1, p1, "public_objection", "alice", "2026-07-17 10:00", objector="王某（书面举报）",
        reason="反映该院2026年6月仍有虚构住院记录结算医保基金的行为")
    act(q1, p1, "propose_confirm", "alice", "2026-07-20 10:00",
        findings="经调取该院2026年6月全部住院结算记录并现场核查，所反映的住院均有真实病历和费用明细，异议不成立")
    act(q1, p1, "return", "bob", "2026-07-21 10:00", reason="请附现场核查记录和所核查的住院结算清单")
    act(q1, p1, "propose_confirm", "alice", "2026-07-22 10:00",
        findings="已附2026年7月20日现场核查记录和2026年6月住院结算清单，所反映的住院均真实发生，异议不成立")
    act(q1, p1, "approve", "carol", "2026-07-23 10:00")  # published again, to 30 July
    fire(q1, "2026-07-31 00:00")
    # Q2. the practitioner's minor record (henan-2026: no waiting period, eligible from the next day): the
    #     application lacks the commitment and the proof and is not accepted; the refusal notice corrected.
    q2_rec = add_record(person, "2026-06-02 09:00", category="drug_substitution", determined="2026-06-01",
                        disclosure_months="3", severity="minor", basis="郑医保罚〔2026〕15号行政处罚决定书",
                        facts="为参保人开具处方时将自费药品串换为医保目录内药品结算1次")
    q2 = apply(q2_rec, "2026-06-08 09:30", "2026-06-08", materials="application_form")
    refusal = act(q2, q2_rec, "not_accept", "alice", "2026-06-16 10:00",
                  reason="申请人于2026年6月15日书面说明，违规结算的医保基金尚未退回，无法提交信用修复承诺书和纠正、整改证明材料")
    with frozen_at(at("2026-06-18 10:00")):
        record(svc.documents.correct(refusal["notice"], "“不予受理的理由”所载申请人书面说明的日期“2026年6月15日”应为“2026年6月12日”",
                                     "alice"), q2, q2_rec)
    # Q3. the practitioner's general record (3 months' wait: eligible from 8 July): accepted, the handlers
    #     reminded, the period runs out (督办), a refusal proposed, returned, proposed again and approved (附件4);
    #     the decision served.
    q3_rec = add_record(person, "2026-04-08 09:00", category="fictitious_services", determined="2026-04-07",
                        disclosure_months="6", severity="general", basis="郑医保罚〔2026〕9号行政处罚决定书",
                        facts="2025年11月为未到诊的参保人开具诊疗项目并结算医保基金3次")
    fire(q3_rec, "2026-07-08 00:00")  # the eligibility notice
    q3 = apply(q3_rec, "2026-07-08 10:00", "2026-07-08", materials="application_form,commitment,proof,training")
    act(q3, q3_rec, "accept", "alice", "2026-07-09 10:00")  # decision by 30 July
    fire(q3, "2026-07-27 00:00")  # 3 working days before
    fire(q3, "2026-07-31 00:00")
    act(q3, q3_rec, "propose_refuse", "alice", "2026-07-31 10:00", findings="违规结算的医保基金尚未全部退回，未履行完毕法定责任")
    act(q3, q3_rec, "return", "bob", "2026-08-03 10:00", reason="请写明已退回和尚未退回的金额及核实方式")
    act(q3, q3_rec, "propose_refuse", "alice", "2026-08-04 10:00",
        findings="经向医院财务部门核实，3次违规结算的医保基金共1860元，申请人已退回620元，其余1240元尚未退回，"
                 "未履行完毕法定责任")
    decided = act(q3, q3_rec, "approve", "bob", "2026-08-05 10:00")
    serve(decided["notice"], "direct", "2026-08-07", "2026-08-07 15:00")
    # Q4. the hospital's general record (eligible from 9 July): accepted, then false material found while under
    #     review: refused, and a false-commitment record opened (the 3-year ban from 5 August).
    q4_rec = add_record(hospital, "2026-04-09 09:00", category="duplicate_charges", determined="2026-04-08",
                        disclosure_months="6", severity="general", basis="郑医保罚〔2026〕10号行政处罚决定书",
                        facts="2025年12月重复收取血液透析治疗费58人次")
    q4 = apply(q4_rec, "2026-07-20 09:30", "2026-07-20")
    act(q4, q4_rec, "accept", "alice", "2026-07-21 10:00")  # decision by 11 August
    act(q4, q4_rec, "false_material", "alice", "2026-08-05 10:00",
        facts="申请材料所附58人次的退费凭证经开户银行核实系伪造，重复收取的费用至今未退还")
    act(q1, p1, "false_material", "alice", "2026-08-10 10:00",
        facts="在信用修复承诺书中承诺不再发生同类失信行为，但经2026年8月专项检查，于2026年7月又虚构住院记录3份"
              "并结算医保基金2.3万元")
    act(p1, None, "revoke", "alice", "2026-08-20 10:00", basis="郑州市人民政府郑政复决〔2026〕8号行政复议决定书")

    # R. interview and rectification (states/rectification.py), September to November 2026, each clock fired for its
    #    own case only. A person's interview notice names who attends as 本人 (never the full name).
    def rectify(subject_id, when, **extra):
        inputs = {"reason": "violation", "facts": "2026年第二季度重复收取静脉输液费31笔，涉及医保基金0.62万元", **extra}
        with frozen_at(at(when)):
            out = svc.cases.open("rectification", "alice", inputs, subject=str(subject_id))
        return record(out, out["case_id"])["case_id"]

    def interview(case, when, on, attendees="法定代表人及医保管理部门负责人"):
        act(case, None, "notify_interview", "alice", when, interview_on=on, place="郑州市医疗保障局三楼约谈室",
            matters="通报专项检查发现的重复收费问题，听取情况说明", attendees=attendees)

    # R1. the hospital, a reminder interview: held, ordered (the order served and corrected), the report received, a
    #     pass proposed, returned, proposed again and approved.
    r1 = rectify(hospital, "2026-09-01 09:00", basis="郑医保检〔2026〕31号现场检查记录")
    interview(r1, "2026-09-01 10:00", "2026-09-04")
    act(r1, None, "record_interview", "alice", "2026-09-04 10:00", record="法定代表人到场，承认问题属实，承诺立即退费整改")
    order = act(r1, None, "order_rectification", "alice", "2026-09-04 11:00",
                matters="全额退回重复收取的费用，建立收费自查制度")  # to 24 September
    serve(order["notice"], "direct", "2026-09-07", "2026-09-07 10:00")
    with frozen_at(at("2026-09-07 11:00")):
        record(svc.documents.correct(order["notice"], "整改事项所载“静脉输液费”应为“静脉输液治疗费”", "alice"), r1)
    act(r1, None, "submit_report", "alice", "2026-09-21 10:00", received="2026-09-21")
    act(r1, None, "propose_pass", "alice", "2026-09-22 10:00", findings="重复收取的费用已全额退回")
    act(r1, None, "return", "bob", "2026-09-22 15:00", reason="请附退费银行凭证和收费自查制度文本")
    act(r1, None, "propose_pass", "alice", "2026-09-23 10:00",
        findings="已附退费银行凭证，重复收取的0.62万元已全额退回；收费自查制度已建立并执行")
    act(r1, None, "approve", "bob", "2026-09-23 15:00")
    # R2. the practitioner: the interview day passes unrecorded (督办), a no-show; the warning interview held, the
    #     deadline (10 October) passes with no report: the rounds are used up; the payment qualification's suspension
    #     notified, the defence period runs out; a proposal returned, proposed again and decided.
    r2 = rectify(person, "2026-09-02 09:00", facts="2026年第二季度为未到诊的参保人开具诊疗项目并结算医保基金2次")
    interview(r2, "2026-09-02 10:00", "2026-09-07", attendees="本人")
    fire(r2, "2026-09-08 00:00")
    act(r2, None, "no_show", "alice", "2026-09-08 10:00", note="经电话联系，本人称当日另有安排")
    interview(r2, "2026-09-08 11:00", "2026-09-14", attendees="本人")
    act(r2, None, "record_interview", "alice", "2026-09-14 10:00", record="本人到场，对问题无异议，承诺退回违规结算费用")
    act(r2, None, "order_rectification", "alice", "2026-09-14 11:00", matters="退回违规结算的医保基金，参加医保政策培训")
    fire(r2, "2026-10-11 00:00")
    act(r2, None, "notify_defence", "alice", "2026-10-12 10:00", sanction="suspend_agreement")  # to 19 October
    fire(r2, "2026-10-20 00:00")
    act(r2, None, "propose_sanction", "alice", "2026-10-20 10:00", findings="经两轮约谈未按期整改，期限内未陈述申辩")
    act(r2, None, "return", "bob", "2026-10-20 15:00", reason="请写明两轮约谈整改的经过")
    act(r2, None, "propose_sanction", "alice", "2026-10-21 10:00",
        findings="第1轮未按通知到场；第2轮约谈后整改期限届满未提交整改报告；陈述申辩期限内未提出陈述、申辩")
    act(r2, None, "approve", "bob", "2026-10-21 15:00")
    # R3. the hospital: the deadline (29 September) passes with no report, the warning interview missed; a 6 months'
    #     suspension notified, the statement recorded, proposed and decided.
    r3 = rectify(hospital, "2026-09-03 09:00", facts="2026年第二季度将门诊费用分解为住院结算12人次")
    interview(r3, "2026-09-03 10:00", "2026-09-08")
    act(r3, None, "record_interview", "alice", "2026-09-08 10:00", record="医保管理部门负责人到场，承认问题属实")
    act(r3, None, "order_rectification", "alice", "2026-09-08 11:00", matters="退回分解住院结算的医保基金")
    fire(r3, "2026-09-30 00:00")
    interview(r3, "2026-09-30 10:00", "2026-10-12")
    act(r3, None, "no_show", "alice", "2026-10-12 16:00")
    act(r3, None, "notify_defence", "alice", "2026-10-13 10:00", sanction="suspend_service", months="6")  # to 20 October
    act(r3, None, "record_defence", "alice", "2026-10-15 10:00", statement="请求从轻处理", received="2026-10-15")
    act(r3, None, "propose_sanction", "alice", "2026-10-16 10:00", findings="申辩理由不成立；经两轮约谈拒不改正")
    act(r3, None, "approve", "bob", "2026-10-16 15:00")
    # R4. the hospital, a warning interview from the first round: two reports, each found wanting (one proposal
    #     returned): the next round, then the rounds are used up.
    r4 = rectify(hospital, "2026-10-13 09:00", level="warning", facts="2026年第三季度超量开具中药饮片处方18张")
    interview(r4, "2026-10-13 10:00", "2026-10-16")
    act(r4, None, "record_interview", "alice", "2026-10-16 10:00", record="法定代表人到场，承认问题属实")
    act(r4, None, "order_rectification", "alice", "2026-10-16 11:00", matters="退回超量开具部分结算的医保基金")
    act(r4, None, "submit_report", "alice", "2026-10-26 10:00", received="2026-10-26")
    act(r4, None, "propose_fail", "alice", "2026-10-27 10:00", findings="退费仅完成三成")
    act(r4, None, "return", "bob", "2026-10-27 15:00", reason="请写明应退和已退的金额")
    act(r4, None, "propose_fail", "alice", "2026-10-28 10:00", findings="应退0.86万元，已退0.26万元，其余未退")
    act(r4, None, "approve", "bob", "2026-10-28 15:00")
    interview(r4, "2026-10-29 10:00", "2026-11-03")
    act(r4, None, "record_interview", "alice", "2026-11-03 10:00", record="法定代表人到场，承诺十日内退清")
    act(r4, None, "order_rectification", "alice", "2026-11-03 11:00", matters="退回其余0.60万元医保基金")
    act(r4, None, "submit_report", "alice", "2026-11-10 10:00", received="2026-11-10")
    act(r4, None, "propose_fail", "alice", "2026-11-11 10:00", findings="其余0.60万元仍未退回")
    act(r4, None, "approve", "bob", "2026-11-11 15:00")
    # R5. the D result of P5 annulled: its record revoked, the warning interview it opened ends by itself.
    p5_rec = next(c["id"] for c in svc.cases.show(ev_p)["children"] if c["kind"] == "record")
    act(p5_rec, None, "revoke", "alice", "2026-11-12 10:00", basis="郑州铁路运输法院（2026）豫7101行初27号行政判决书")

    # T. transfers to the police (states/transfer.py, Order 310) and referrals to other bodies (states/referral.py),
    #    each opened by a fraud case's decision, September to November 2026, each clock fired for its own case only.
    #    Order 310's 3-day periods are calendar days (the National Day holiday moves a last day), its 24 hours run
    #    from the instant to the instant.
    def transfer_decided(subject_id, opened, filed, decided_on, outcomes, **extra):
        """A fraud case registered on `opened`, filed on `filed`, whose review meeting decides `outcomes` on
        `decided_on`: (the fraud case, its children by kind, a referral by its target)."""
        with frozen_at(at(f"{opened} 09:00")):
            out = svc.cases.open("fraud", "alice", {"source": "inspection_special",
                                                    "facts": "专项检查发现虚构住院病历结算医保基金"}, subject=str(subject_id))
        fraud = record(out, out["case_id"])["case_id"]
        act(fraud, None, "propose_file", "alice", f"{opened} 10:00", findings="线索具体，涉嫌虚构医药服务骗取医保基金")
        act(fraud, None, "approve", "bob", f"{filed} 10:00")
        transfer_inputs = {"police_organ": "郑州市公安局", "amount": "386000",
                           "crime_facts": "诈骗罪：2025年1月至12月虚构住院病历127份，骗取医保基金38.6万元"}
        act(fraud, None, "propose_outcomes", "alice", f"{decided_on} 10:00", outcomes=",".join(outcomes),
            findings="虚构住院病历127份，骗取医保基金38.6万元", suspected_crime="true",
            **(transfer_inputs if "police_transfer" in outcomes else {}), **extra)
        out = act(fraud, None, "approve", "bob", f"{decided_on} 15:00")
        children = {}
        for o in out.get("opened", []):
            children[svc.cases.show(o["case_id"])["target"] if o["kind"] == "referral" else o["kind"]] = o["case_id"]
        return fraud, children

    def due(case, timer):
        """When the sweep finds the case's `timer` run out: 24:00 of a day clock's last day, an hour clock's instant."""
        t = next(t for t in svc.cases.show(case)["timers"] if t["name"] == timer)
        return t["ends_at"][:16].replace("T", " ")

    team = {"team": "张敏,刘洋", "report": "经核实，涉案病历系伪造，骗取医保基金38.6万元，达到诈骗罪的追诉标准，建议移送公安机关"}
    five = "transfer_letter,investigation_report,items_list,appraisal,other_material"
    # T1. the hospital: a police transfer, clues to the discipline inspectors and a matter for the health commission.
    #     The report of 28 September is decided within 3 days (to 8 October: 1 October is a holiday), approved on
    #     30 September at 15:00 and sent before 1 October 15:00 (24 hours, never moved); the letter served, the receipt
    #     signed; the police decline, the bureau asks for reconsideration, the police file on it; the files handed over.
    fr1, ch1 = transfer_decided(hospital, "2026-09-01", "2026-09-02", "2026-09-25",
                              ("police_transfer", "discipline_transfer", "health_referral"),
                              discipline_body="中共郑州市纪律检查委员会、郑州市监察委员会", health_body="郑州市卫生健康委员会",
                              matters="该院院长授意医保科虚构住院病历，涉嫌职务违法；涉事医师伪造病程记录")
    tr1 = ch1["transfer"]
    act(tr1, fr1, "report", "alice", "2026-09-28 10:00", **team)
    act(tr1, fr1, "approve_transfer", "bob", "2026-09-30 15:00")
    letter = act(tr1, fr1, "send", "alice", "2026-10-01 10:00", enclosures=five, note="涉案病历原件127份已封存")
    serve(letter["notice"], "direct", "2026-10-01", "2026-10-01 11:00")
    act(tr1, fr1, "receipt_signed", "alice", "2026-10-01 16:00", signed_on="2026-10-01")
    act(tr1, fr1, "police_declined", "alice", "2026-10-09 10:00", notified_on="2026-10-09", notice_no="郑公（经）不立字〔2026〕15号",
        reasons="现有证据不足以证明其具有非法占有目的，认为没有犯罪事实")
    act(tr1, fr1, "ask_reconsideration", "alice", "2026-10-10 10:00",
        grounds="司法鉴定意见证实127份住院病历系伪造，骗取的医保基金已转入院长个人账户，具有非法占有目的")
    act(tr1, fr1, "reconsideration_filed", "alice", "2026-10-13 10:00", notified_on="2026-10-13",
        notice_no="郑公（经）立字〔2026〕88号")
    act(tr1, fr1, "files_handed_over", "alice", "2026-10-15 10:00", handed_over_on="2026-10-15",
        items="涉案住院病历原件127份、结算明细光盘1张、司法鉴定意见书1份", receiver="郑州市公安局经侦支队民警王磊")
    dr1, hr1 = ch1["discipline"], ch1["health"]
    letter = act(dr1, fr1, "send", "alice", "2026-09-28 11:00", materials="举报材料复印件、现场检查笔录、院长签批的虚构病历指令复印件")
    serve(letter["notice"], "direct", "2026-09-29", "2026-09-29 09:00")
    act(dr1, fr1, "acknowledged", "alice", "2026-09-29 10:00", acknowledged_on="2026-09-29")
    act(dr1, fr1, "feedback", "alice", "2026-10-20 10:00", received_on="2026-10-19",
        feedback="经初步核实，已对该院院长立案审查调查，结果另行通报")
    act(hr1, fr1, "send", "alice", "2026-09-28 11:30", materials="涉事医师伪造的病程记录复印件12份")
    act(hr1, fr1, "acknowledged", "alice", "2026-09-30 10:00", acknowledged_on="2026-09-30")
    fire(hr1, due(hr1, "answer"))  # no answer within 30 days: 督办
    act(hr1, fr1, "feedback", "alice", "2026-11-02 10:00", received_on="2026-11-02",
        feedback="已对涉事医师作出暂停执业活动六个月的行政处罚")
    # T2. the practitioner: the head refuses the transfer, its reasons recorded; the fraud case goes on.
    fr2, ch2 = transfer_decided(person, "2026-09-01", "2026-09-02", "2026-09-25", ("police_transfer",))
    act(ch2["transfer"], fr2, "report", "alice", "2026-09-28 10:30", **team)
    act(ch2["transfer"], fr2, "refuse_transfer", "bob", "2026-09-29 10:00",
        reasons="涉案金额系按抽样推算，尚未逐笔核实，证据尚需补强")
    # T3. the hospital again: every step of the bureau late (approval, the 24 hours) and the police's review late, the
    #     case forwarded to the competent organ, declined, the reconsideration period lapsed, the procuratorate asked
    #     directly, which does not intervene: the case comes back; the other regulator answers.
    fr3, ch3 = transfer_decided(hospital, "2026-10-12", "2026-10-13", "2026-10-16", ("police_transfer", "other_referral"),
                              other_body="郑州市市场监督管理局", matters="该院药房购进的药品来源不明，涉嫌违反药品管理规定")
    tr3 = ch3["transfer"]
    act(tr3, fr3, "report", "alice", "2026-10-19 10:00", **team)
    fire(tr3, due(tr3, "approval"))
    act(tr3, fr3, "approve_transfer", "bob", "2026-10-23 10:00")
    fire(tr3, due(tr3, "transfer"))
    act(tr3, fr3, "send", "alice", "2026-10-24 14:00", enclosures=five)
    act(tr3, fr3, "forwarded", "alice", "2026-10-26 10:00", organ="郑州市公安局金水分局", forwarded_on="2026-10-25")
    fire(tr3, due(tr3, "police_review"))
    act(tr3, fr3, "police_declined", "alice", "2026-10-30 10:00", notified_on="2026-10-30", reasons="犯罪事实不清")
    fire(tr3, due(tr3, "reconsideration_request"))
    act(tr3, fr3, "refer_procuratorate", "alice", "2026-11-03 10:00", procuratorate="郑州市金水区人民检察院",
        grounds="司法鉴定意见证实住院病历系伪造，公安机关不予立案的理由不能成立")
    act(tr3, fr3, "procuratorate_declined", "alice", "2026-11-16 10:00", notified_on="2026-11-16",
        reasons="经审查，公安机关不予立案的理由成立")
    or3 = ch3["other"]
    act(or3, fr3, "send", "alice", "2026-10-19 11:00", materials="药品购进记录复印件")
    act(or3, fr3, "acknowledged", "alice", "2026-10-20 10:00", acknowledged_on="2026-10-20")
    act(or3, fr3, "feedback", "alice", "2026-11-10 10:00", received_on="2026-11-10", feedback="已立案调查药品来源")
    # T4. the practitioner: the police's reconsideration late, declined; the bureau late to the procuratorate, whose
    #     supervision ends in a filing; the hand-over late.
    fr4, ch4 = transfer_decided(person, "2026-10-12", "2026-10-13", "2026-10-16", ("police_transfer",))
    tr4 = ch4["transfer"]
    act(tr4, fr4, "report", "alice", "2026-10-19 10:30", **team)
    act(tr4, fr4, "approve_transfer", "bob", "2026-10-19 15:00")
    act(tr4, fr4, "send", "alice", "2026-10-20 10:00", enclosures=five)
    act(tr4, fr4, "receipt_signed", "alice", "2026-10-20 16:00", signed_on="2026-10-20")
    act(tr4, fr4, "police_declined", "alice", "2026-10-22 10:00", notified_on="2026-10-22", reasons="情节显著轻微")
    act(tr4, fr4, "ask_reconsideration", "alice", "2026-10-23 10:00", grounds="伪造病历12份，金额已达追诉标准")
    fire(tr4, due(tr4, "reconsideration_answer"))
    act(tr4, fr4, "reconsideration_declined", "alice", "2026-10-28 10:00", notified_on="2026-10-28", reasons="仍认为情节显著轻微")
    fire(tr4, due(tr4, "procuratorate_request"))
    act(tr4, fr4, "refer_procuratorate", "alice", "2026-11-02 10:00", procuratorate="郑州市人民检察院",
        grounds="涉案金额已达诈骗罪追诉标准")
    act(tr4, fr4, "procuratorate_filed", "alice", "2026-11-13 10:00", notified_on="2026-11-13")
    fire(tr4, due(tr4, "handover"))
    act(tr4, fr4, "files_handed_over", "alice", "2026-11-17 10:00", handed_over_on="2026-11-17", items="伪造的病程记录原件12份")
    # T5. the hospital: filed, then sent back by the police (no crime, administrative liability: Art. 13).
    fr5, ch5 = transfer_decided(hospital, "2026-10-12", "2026-10-13", "2026-10-16", ("police_transfer",))
    tr5 = ch5["transfer"]
    act(tr5, fr5, "report", "alice", "2026-10-19 11:00", **team)
    act(tr5, fr5, "approve_transfer", "bob", "2026-10-19 16:00")
    act(tr5, fr5, "send", "alice", "2026-10-20 11:00", enclosures=five)
    act(tr5, fr5, "receipt_signed", "alice", "2026-10-20 17:00", signed_on="2026-10-20")
    act(tr5, fr5, "police_filed", "alice", "2026-10-22 11:00", notified_on="2026-10-22")
    act(tr5, fr5, "sent_back", "alice", "2026-10-24 10:00", notified_on="2026-10-24",
        reason="立案侦查后认为犯罪事实显著轻微，不需要追究刑事责任，依法应当追究行政责任")
    # T6. the practitioner: declined, and the bureau handles the case itself (Art. 10).
    fr6, ch6 = transfer_decided(person, "2026-10-12", "2026-10-13", "2026-10-16", ("police_transfer",))
    tr6 = ch6["transfer"]
    act(tr6, fr6, "report", "alice", "2026-10-19 11:30", **team)
    act(tr6, fr6, "approve_transfer", "bob", "2026-10-19 16:30")
    act(tr6, fr6, "send", "alice", "2026-10-20 11:30", enclosures=five)
    act(tr6, fr6, "receipt_signed", "alice", "2026-10-20 17:30", signed_on="2026-10-20")
    act(tr6, fr6, "police_declined", "alice", "2026-10-22 11:30", notified_on="2026-10-22", reasons="没有犯罪事实")
    act(tr6, fr6, "handle_ourselves", "alice", "2026-10-23 10:00", reason="不予立案的理由成立，依法给予行政处罚")
    # T7 (with G). a referral letter of 5 December, answer due 4 January 2027, and a transfer report of 29 December,
    #     decision due 1 January → 4 January 2027: both provisional, both moved by the 2027 schedule G loads.
    if override_dir is not None:
        fr7, ch7 = transfer_decided(hospital, "2026-11-16", "2026-11-17", "2026-12-04", ("police_transfer", "other_referral"),
                                  other_body="郑州市市场监督管理局", matters="该院药房购进的药品来源不明")
        act(ch7["other"], fr7, "send", "alice", "2026-12-05 10:00", materials="药品购进记录复印件")
        act(ch7["transfer"], fr7, "report", "alice", "2026-12-29 08:30", **team)

    # U. fraud cases (states/fraud.py) and their penalty decisions (states/penalty_decision.py), May 2026 to March
    #    2027, each clock fired for its own case only. APL Art. 85 makes the 5- and 7-day periods working days; the
    #    90 days of Art. 60 are calendar days; the penalty's challenge period runs 6 months from service.
    cal = svc.cases.engine.calendar
    reporter_id = demo_id_number("19800305", "021")
    reporter = svc.deployment.add_subject("赵举报", "insured", None, reporter_id)["id"]
    names[reporter] = "赵举报"

    def fraud_clue(subject_id, when, **extra):
        inputs = {"source": "monitoring", "facts": "智能监控发现为未住院的参保人结算住院费用", **extra}
        with frozen_at(at(when)):
            out = svc.cases.open("fraud", "alice", inputs, subject=str(subject_id))
        return record(out, out["case_id"])["case_id"]

    def fraud_filed(subject_id, opened, filed, officers="张敏,刘洋", **extra):
        case = fraud_clue(subject_id, f"{opened} 09:00", **extra)
        act(case, None, "propose_file", "alice", f"{opened} 10:00", findings="线索具体，涉嫌骗取医保基金，符合立案标准")
        act(case, None, "approve", "bob", f"{filed} 10:00")
        act(case, None, "assign_officers", "alice", f"{filed} 11:00", officers=officers)
        return case

    def fraud_penalty(case, notified, proposed, decided, amount="23000", **extra):
        """The advance notice on `notified`, its period run out, a penalty proposed and decided: the decision case."""
        act(case, None, "notify_intended_penalty", "alice", f"{notified} 10:00",
            penalty=f"责令退回骗取的医保基金{amount}元，处骗取金额2倍的罚款", facts="伪造住院病历，骗取医保基金")
        fire(case, due(case, "defence"))
        act(case, None, "propose_outcomes", "alice", f"{proposed} 10:00", outcomes="penalty", suspected_crime="false",
            findings="伪造住院病历3份，骗取医保基金，事实清楚", amount=amount, fine_multiple="2",
            category="fraudulent_billing", address="郑州市二七区示例街8号", **extra)
        out = act(case, None, "approve", "bob", f"{decided} 15:00")
        return next(o["case_id"] for o in out["opened"] if o["kind"] == "penalty_decision")

    # U1. the hospital, a named report, April to December 2026: the filing decision's reminder, its extension, a
    #     proposal returned, filed; a recusal, evidence kept by 先行登记保存 and decided, the case deadline extended;
    #     the advance notice served, a statement, a hearing asked for, notified 7 working days ahead and held (the
    #     case deadline suspended meanwhile); a major penalty proposed, returned, proposed again, legally reviewed
    #     and decided; the decision served (and corrected), not challenged for 6 months: its record opens and the
    #     reporter gets good information; the case closes; the reporter is read by an approver.
    u1 = fraud_clue(hospital, "2026-04-13 09:00", source="report", reporter="赵举报，电话13800000000",
                    reporter_id=reporter_id)
    filing_last = date.fromisoformat(_last_day(svc, u1, "filing_decision"))
    reminded = cal.nth_working_day_before(filing_last, 3)  # the handlers reminded 3 working days ahead
    fire(u1, f"{reminded} 00:00")
    act(u1, None, "extend_filing", "bob", f"{reminded} 10:00", reason="需调取外地就医的结算明细")
    act(u1, None, "propose_file", "alice", "2026-04-29 14:00", findings="举报具体")
    act(u1, None, "return", "bob", "2026-04-29 15:00", reason="请附核对的结算明细")
    act(u1, None, "propose_file", "alice", "2026-04-30 10:00", findings="经核对结算明细，举报反映的虚构住院属实，符合立案标准")
    act(u1, None, "approve", "bob", "2026-04-30 15:00")
    act(u1, None, "assign_officers", "alice", "2026-05-06 10:00", officers="张敏,刘洋")
    act(u1, None, "record_recusal", "bob", "2026-05-07 10:00", officer="刘洋", applicant="party", decision="recused",
        reason="当事人称该执法人员系该院院长的近亲属，经查属实")
    act(u1, None, "assign_officers", "alice", "2026-05-07 11:00", officers="张敏,周刚")
    act(u1, None, "add_evidence", "alice", "2026-05-08 10:00", what="结算明细光盘1张", collected_by="张敏",
        collected_on="2026-05-08")
    act(u1, None, "add_evidence", "alice", "2026-05-08 11:00", what="住院病历原件38份", collected_by="周刚",
        collected_on="2026-05-08", preserve="yes", approved_by="王芳")
    act(u1, None, "decide_preservation", "alice", "2026-05-11 10:00", item="2", decision="复制并经当事人签字确认后退还原件")
    act(u1, None, "extend_case", "bob", "2026-05-12 10:00", reason="涉及关联药店，需延伸调查")
    advance = act(u1, None, "notify_intended_penalty", "alice", "2026-05-18 10:00",
                  penalty="责令退回骗取的医保基金462,000元，处骗取金额3倍的罚款1,386,000元，暂停住院部6个月涉及医保基金使用的医药服务",
                  facts="该院2026年1月至3月伪造住院病历38份，骗取医保基金462,000元")
    serve(advance["notice"], "direct", "2026-05-18", "2026-05-18 15:00")
    act(u1, None, "record_statement", "alice", "2026-05-19 10:00", statement="该院称部分病历系录入错误，请求从轻处罚",
        received="2026-05-19")
    act(u1, None, "request_hearing", "alice", "2026-05-20 10:00", received="2026-05-20")
    hearing_day = cal.nth_working_day_after(date(2026, 5, 20), 7)
    act(u1, None, "notify_hearing", "alice", "2026-05-20 11:00", hearing_on=hearing_day.isoformat(), place="本局听证室",
        chair="王芳")
    act(u1, None, "suspend", "alice", "2026-05-20 12:00", reason="hearing")
    act(u1, None, "record_hearing", "alice", f"{hearing_day} 16:00", record="当事人对伪造病历的事实无异议，请求从轻处罚")
    act(u1, None, "resume", "alice", f"{cal.next_working_day_on_or_after(hearing_day + timedelta(days=1))} 09:00")
    major = {"outcomes": "penalty", "suspected_crime": "false", "amount": "462000", "fine_multiple": "3",
             "suspend_months": "6", "category": "fictitious_services", "address": "郑州市金水区示例路1号",
             "findings": "该院伪造住院病历38份、虚构医药服务项目，骗取医保基金462,000元；听证中提出的录入错误不能成立",
             "discussion": "2026年6月2日局长办公会集体讨论同意"}
    act(u1, None, "propose_outcomes", "alice", "2026-06-01 10:00", **major)
    act(u1, None, "return", "bob", "2026-06-01 15:00", reason="请写明对听证意见的复核")
    act(u1, None, "propose_outcomes", "alice", "2026-06-02 10:00", **major)
    act(u1, None, "legal_review", "carol", "2026-06-02 15:00", opinion="事实清楚，证据确凿，依据正确，程序合法", result="passed")
    out = act(u1, None, "approve", "bob", "2026-06-03 10:00")
    pen1 = next(o["case_id"] for o in out["opened"] if o["kind"] == "penalty_decision")
    decision = svc.cases.show(pen1)["notices"][0]["number"]
    serve(decision, "direct", "2026-06-03", "2026-06-03 15:00")
    act(pen1, u1, "serve_decision", "alice", "2026-06-03 16:00", method="direct", served_on="2026-06-03")
    with frozen_at(at("2026-06-04 10:00")):
        record(svc.documents.correct(decision, "当事人地址“示例路1号”应为“示例路1号院”", "alice"), pen1, u1)
    fire(pen1, due(pen1, "challenge"))  # 3 December: final; its record opens, the fraud case is told
    act(u1, None, "close", "bob", "2026-12-07 10:00", summary="罚没款已缴纳，医保基金已退回，暂停服务已执行")
    with frozen_at(at("2026-12-07 11:00")):
        record({"notice": svc.cases.read_sealed(u1, "bob")["notice"]}, u1)
    # U2. the practitioner: no case to answer on the clue.
    u2 = fraud_clue(person, "2026-05-12 09:00")
    act(u2, None, "propose_no_case", "alice", "2026-05-13 10:00", findings="经核查，住院系真实发生，线索不实")
    act(u2, None, "approve", "bob", "2026-05-13 15:00")
    # U3. the practitioner: the filing decision's period passes (督办), filed; the case deadline passes (督办); the
    #     advance notice's period runs out; no penalty.
    u3 = fraud_clue(person, "2026-05-12 10:00")
    fire(u3, due(u3, "filing_decision"))
    act(u3, None, "propose_file", "alice", "2026-06-03 10:00", findings="符合立案标准")
    act(u3, None, "approve", "bob", "2026-06-03 15:00")
    act(u3, None, "assign_officers", "alice", "2026-06-04 10:00", officers="张敏,刘洋")
    fire(u3, due(u3, "case_deadline"))
    act(u3, None, "notify_intended_penalty", "alice", "2026-09-07 10:00", penalty="责令退回并处罚款", facts="伪造病程记录")
    fire(u3, due(u3, "defence"))
    act(u3, None, "propose_outcomes", "alice", "2026-09-15 10:00", outcomes="no_case", suspected_crime="false",
        findings="经复核陈述申辩，现有证据不足以认定骗取医保基金")
    act(u3, None, "approve", "bob", "2026-09-15 15:00")
    # U4. the practitioner's interview-and-rectification case ends in the fraud_case sanction: the fraud case opens.
    u4 = rectify(person, "2026-05-18 09:00", facts="2026年第一季度为未到诊的参保人开具处方并结算医保基金")
    interview(u4, "2026-05-18 10:00", "2026-05-21", attendees="本人")
    act(u4, None, "no_show", "alice", "2026-05-21 16:00")
    interview(u4, "2026-05-22 10:00", "2026-05-27", attendees="本人")
    act(u4, None, "no_show", "alice", "2026-05-27 16:00")
    act(u4, None, "notify_defence", "alice", "2026-05-28 10:00", sanction="fraud_case")
    act(u4, None, "record_defence", "alice", "2026-05-29 10:00", statement="否认开具虚假处方", received="2026-05-29")
    act(u4, None, "propose_sanction", "alice", "2026-06-01 10:00", findings="两轮约谈均未到场，涉嫌虚构医药服务，移送欺诈骗保案件办理")
    act(u4, None, "approve", "bob", "2026-06-01 15:00")
    # U5. the hospital: a police transfer only; the head refuses it, so the bureau decides itself; a penalty proposed,
    #     "no penalty" proposed, returned to the decided case, and the advance notice given from there.
    u5 = fraud_filed(hospital, "2026-06-01", "2026-06-02")
    act(u5, None, "propose_outcomes", "alice", "2026-06-10 10:00", outcomes="police_transfer", suspected_crime="true",
        findings="伪造病历骗取医保基金12.8万元，涉嫌诈骗罪", amount="128000", police_organ="郑州市公安局",
        crime_facts="涉嫌诈骗罪：伪造住院病历骗取医保基金12.8万元")
    out = act(u5, None, "approve", "bob", "2026-06-10 15:00")
    x5 = next(o["case_id"] for o in out["opened"] if o["kind"] == "transfer")
    act(x5, u5, "report", "alice", "2026-06-11 10:00", team="张敏,刘洋", report="经核实，涉嫌诈骗罪")
    act(x5, u5, "refuse_transfer", "bob", "2026-06-12 10:00", reasons="涉案金额系抽样推算，尚未逐笔核实")
    act(u5, None, "propose_outcomes", "alice", "2026-06-15 10:00", outcomes="no_case", suspected_crime="true",
        findings="涉案金额尚未逐笔核实，建议不予行政处罚")
    act(u5, None, "return", "bob", "2026-06-15 15:00", reason="已核实的12.8万元事实清楚，应当依法给予行政处罚")
    act(u5, None, "notify_intended_penalty", "alice", "2026-06-16 10:00", penalty="责令退回12.8万元并处2倍罚款",
        facts="伪造住院病历骗取医保基金12.8万元")
    # U6, U7. two penalties challenged: one upheld (its record opens), one overturned.
    u6 = fraud_filed(person, "2026-06-01", "2026-06-02")
    pen6 = fraud_penalty(u6, "2026-06-03", "2026-06-12", "2026-06-12", amount="4000")
    act(pen6, u6, "serve_decision", "alice", "2026-06-15 10:00", method="post", served_on="2026-06-14")
    act(pen6, u6, "challenge_filed", "alice", "2026-07-01 10:00", kind="reconsideration", body="郑州市人民政府",
        filed_on="2026-06-30")
    act(pen6, u6, "ruling_upheld", "alice", "2026-08-20 10:00", ruling="郑政复决〔2026〕77号行政复议决定书",
        ruled_on="2026-08-18")
    u7 = fraud_filed(hospital, "2026-06-01", "2026-06-02")
    pen7 = fraud_penalty(u7, "2026-06-03", "2026-06-12", "2026-06-12")
    act(pen7, u7, "serve_decision", "alice", "2026-06-15 11:00", method="direct")
    act(pen7, u7, "challenge_filed", "alice", "2026-07-02 10:00", kind="lawsuit", body="郑州铁路运输法院",
        filed_on="2026-07-02")
    act(pen7, u7, "ruling_overturned", "alice", "2026-11-20 10:00", ruling="（2026）豫7101行初66号行政判决书",
        ruled_on="2026-11-18")
    with frozen_at(at("2026-06-16 10:00")):
        advance7 = next(n["number"] for n in svc.cases.show(u7)["notices"] if n["title"] == "行政处罚事先告知书")
        record(svc.documents.correct(advance7, "拟作出的罚款为骗取金额的2倍即46,000元", "alice"), u7)
    # U8. the hospital: a penalty served on Friday 3 July: 6 months end on Sunday 3 January 2027, so on Monday 4
    #     January (provisional: G's schedule moves it, and the subject is told); it runs on past the story.
    u8 = fraud_filed(hospital, "2026-06-15", "2026-06-16")
    pen8 = fraud_penalty(u8, "2026-06-17", "2026-06-26", "2026-06-26")
    act(pen8, u8, "serve_decision", "alice", "2026-07-06 10:00", method="post", served_on="2026-07-03")

    # G. December 2026: deadlines running into 2027, whose schedule is not yet confirmed, are provisional.
    #    The 2027 schedule arrives (calendar reload): the subject's objection window and the department's
    #    handling period move; each change is logged and noticed to whoever the deadline binds.
    #    Two of the practitioner's repairs too: one's decision period (to 7 January), the other's public notice
    #    (approved on 28 December, to 5 January); the schedule arrives the day after that approval.
    if override_dir is not None:
        publish(person, 2023, "83", "2026-12-15 09:00")
        object_to(publish(hospital, 2022, "76", "2026-12-15 09:00"), "2026-12-16 09:00", "2026-12-16")
        g1_rec = add_record(person, "2026-06-11 09:00", category="forged_documents", determined="2026-06-10",
                            disclosure_months="12", severity="general", basis="郑医保罚〔2026〕18号行政处罚决定书",
                            facts="2026年5月为配合医保结算补写参保人住院病程记录2份")
        g2_rec = add_record(person, "2026-07-16 09:00", category="impersonation", determined="2026-07-15",
                            disclosure_months="12", severity="general", basis="郑医保罚〔2026〕21号行政处罚决定书",
                            facts="2026年6月使用其他医师的医保医师编码开具处方4张")
        g1 = apply(g1_rec, "2026-12-14 09:30", "2026-12-14")  # eligible from 11 September
        act(g1, g1_rec, "accept", "alice", "2026-12-16 10:00")  # decision by 7 January (provisional)
        g2 = apply(g2_rec, "2026-12-14 10:00", "2026-12-14")  # eligible from 16 October
        act(g2, g2_rec, "accept", "alice", "2026-12-14 11:00")
        act(g2, g2_rec, "propose_approve", "alice", "2026-12-24 10:00",
            findings="申请人已退回违规处方结算的医保基金，参加了医保政策专题培训，承诺书和证明材料齐全")
        act(g2, g2_rec, "approve", "bob", "2026-12-28 10:00")  # published to 5 January (provisional)
        # the hospital ordered to rectify on 16 December: 15 working days, to 7 January (provisional)
        g3 = rectify(hospital, "2026-12-10 09:00", facts="2026年第四季度重复收取血液透析治疗费9人次")
        interview(g3, "2026-12-11 10:00", "2026-12-16")
        act(g3, None, "record_interview", "alice", "2026-12-16 15:00", record="法定代表人到场，承认问题属实")
        act(g3, None, "order_rectification", "alice", "2026-12-16 16:00", matters="退回重复收取的费用")
        # a fraud clue of 14 December (its filing decision due 5 January, the bureau's) and an advance notice of 28
        # December (the hearing request due 5 January, the subject's): both provisional, both moved
        fraud_clue(hospital, "2026-12-14 09:00")
        g4 = fraud_filed(person, "2026-12-01", "2026-12-02")
        act(g4, None, "notify_intended_penalty", "alice", "2026-12-28 10:00", penalty="责令退回并处2倍罚款",
            facts="伪造病程记录2份，骗取医保基金0.9万元")
        path = override_dir / "calendar-2027.toml"
        path.write_text(CALENDAR_2027, encoding="utf-8")
        with frozen_at(at("2026-12-29 09:00")):
            for moved in svc.sweep.reload_calendar(str(path))["moved"]:
                n = svc.cases.show(moved["case_id"])
                record({"notice": moved["notice"]}, moved["case_id"], n["parent"])
        # The practitioner's repair under public notice (its last day moved by the schedule): a member of the public
        # objects on the public board (no account; the board acts as `public`), the contact details sealed; the
        # handler reads them, logged, to tell the objector the outcome of the review.
        with frozen_at(at("2026-12-29 09:30")):
            record(svc.board.object(g2, {"objector": "刘某", "contact": "0371-66123456",
                                         "reason": "该医师2026年12月仍使用其他医师的医保医师编码开具处方"}), g2, g2_rec)
        with frozen_at(at("2026-12-29 09:40")):
            record(svc.cases.read_sealed(g2, "alice"), g2, g2_rec)
    # V. an approver gives one open case of every kind to carol (分派/改派, docs/rules.md §8.7): a case the system
    #    opened had no owner yet, one a handler opened was theirs; the internal record says from whom to whom.
    with frozen_at(at("2026-12-29 10:00")):
        for kind in sorted({c["kind"] for c in svc.cases.list(limit=5000)}):
            case = next(c for c in svc.cases.list(kind=kind, limit=5000) if c["assignee"] != "carol")
            record(svc.cases.assign(case["id"], "carol", "bob"), case["id"], case["parent"])
    # VI. carol registers a small scanned PDF on one open case of every kind (材料登记, docs/rules.md §8.7): the
    #     content is kept once under its SHA-256, each registration is logged with its internal record.
    with tempfile.TemporaryDirectory(prefix="cf-story-") as folder, frozen_at(at("2026-12-29 11:00")):
        scan = Path(folder) / "询问笔录扫描件.pdf"
        scan.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        for kind in sorted({c["kind"] for c in svc.cases.list(limit=5000)}):
            case = next(c for c in svc.cases.list(kind=kind, limit=5000))
            record(svc.cases.attach(case["id"], scan, "carol"), case["id"], case["parent"])
    return notices
