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

    def publish(subject_id, year, score, when):
        with frozen_at(at(when)):
            out = publish_evaluation(svc, str(subject_id), year, score, "alice")
            record(out, out["case_id"])
            if not any(t["name"] == "objection_window" for t in svc.cases.show(out["case_id"])["timers"]):
                # A person's result is not published: its window runs from service, here in person that day.
                served = svc.documents.serve(out["notice"], "direct", at(when).date(), "alice")
                record(served["case"], out["case_id"])
        return out["case_id"]

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
    ev = publish(hospital, 2025, "78.5", "2026-02-06 09:00")
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
    ev = publish(person, 2025, "65", "2026-02-06 09:00")
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
