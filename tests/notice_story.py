"""Every transition of every procedure, driven through the services with realistic data, so that
every notice the system issues exists once (tests/test_notices.py, docs/notices/ PNGs).

`run(svc)` returns one entry per issued notice: its number, template, title, the subject's name and
the deadline the notice names (the `deadline` key: the timer whose last day it must print).
"""

from __future__ import annotations

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
    "common/deadline_reminder.html.j2": ("own", "handling"),
    "objection/completion_requested.html.j2": ("own", "completion"),
    "objection/completion_received.html.j2": ("own", "handling"),
    "objection/refused_completion.html.j2": ("own", "completion"),
    "evaluation/window_restored.html.j2": ("own", "objection_window"),
    "evaluation/window_from_service.html.j2": ("own", "objection_window"),
}


def _last_day(svc, case_id: int, timer: str) -> str | None:
    """The timer's last day; None while it has not started (a person's window waits for service)."""
    return next((t["last_day"] for t in svc.cases.show(case_id)["timers"] if t["name"] == timer), None)


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

    def record(out: dict, case_id: int, parent_id: int | None = None):
        for o, cid, pid in ((out, case_id, parent_id), (out.get("parent"), parent_id, None)):
            if o is None:
                continue
            n = svc.documents.show(o["notice"])
            entry = {"number": n["number"], "template": n["template"], "title": n["title"], "audience": n["audience"],
                     "case_id": cid, "subject": names[svc.cases.show(cid)["subject_id"]], "deadline": None,
                     "against_subject": "行政复议" in n["text"], "text": n["text"]}
            spec = DEADLINES.get(n["template"])
            if spec:
                entry["deadline"] = _last_day(svc, cid if spec[0] == "own" else pid, spec[1])
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

    def entry_of(subject_id, case_id):
        """The archive entry in use that case `case_id` wrote for the subject."""
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
    m1 = object_to_entry(entry_of(person, ev_b), "2026-05-07 09:00", "2026-05-07", grounds="5",
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

    # G. December 2026: deadlines running into 2027, whose schedule is not yet confirmed, are provisional.
    #    The 2027 schedule arrives (calendar reload): the subject's objection window and the department's
    #    handling period move; each change is logged and noticed to whoever the deadline binds.
    if override_dir is not None:
        publish(person, 2023, "83", "2026-12-15 09:00")
        object_to(publish(hospital, 2022, "76", "2026-12-15 09:00"), "2026-12-16 09:00", "2026-12-16")
        path = override_dir / "calendar-2027.toml"
        path.write_text(CALENDAR_2027, encoding="utf-8")
        with frozen_at(at("2026-12-18 09:00")):
            for moved in svc.sweep.reload_calendar(str(path))["moved"]:
                n = svc.cases.show(moved["case_id"])
                record({"notice": moved["notice"]}, moved["case_id"], n["parent"])
    return notices
