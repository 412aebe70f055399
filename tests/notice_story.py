"""Every transition of every procedure, driven through the services with realistic data, so that
every notice the system issues exists once (tests/test_notices.py, docs/notices/ PNGs).

`run(svc)` returns one entry per issued notice: its number, template, title, the subject's name and
the deadline the notice names (the `deadline` key: the timer whose last day it must print).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, timedelta

from conftest import HOSPITAL_USCC, PERSON_ID, at, publish as publish_evaluation
from workflows.clock import frozen_at

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
    "repair/repaired.html.j2": ("own", "public_notice"),
    "rectification/interview_notice.html.j2": ("own", "interview"),
    "rectification/order.html.j2": ("own", "rectification"),
    "rectification/defence_notice.html.j2": ("own", "defence"),
    "rectification/interview_overdue.html.j2": ("own", "interview"),
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
                     "against_subject": "申请行政复议" in n["text"], "text": n["text"]}
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
        path = override_dir / "calendar-2027.toml"
        path.write_text(CALENDAR_2027, encoding="utf-8")
        with frozen_at(at("2026-12-29 09:00")):
            for moved in svc.sweep.reload_calendar(str(path))["moved"]:
                n = svc.cases.show(moved["case_id"])
                record({"notice": moved["notice"]}, moved["case_id"], n["parent"])
    return notices
