"""Referrals of clues and matters to the discipline inspectors, the health authority or another body (states/
referral.py; docs/rules.md §6), on SQLite and PostgreSQL: opened by the fraud case's decision in the same
transaction, one per body; the referral letter (移送函) names the subject in full to the body it is addressed to;
the body's receipt and its answer are recorded; the answer period (30 days, our choice) passing flags the case and
tells the approvers, and decides nothing."""

from __future__ import annotations

from datetime import date, timedelta

from calendars import compute
from conftest import HOSPITAL_USCC, PERSON_ID, at, capture_notice_contexts, act_at as act, refused_at as refused
from states import referral as referral_module
from workflows.clock import frozen_at
from workflows.errors import BadInput

DISCIPLINE = "中共郑州市纪律检查委员会、郑州市监察委员会"
HEALTH = "郑州市卫生健康委员会"
OTHER = "郑州市市场监督管理局"
MATTERS = "该院院长授意医保科虚构住院病历，涉嫌职务违法；涉事医师伪造病程记录，涉及执业行为"
SUBJECTS = {"hospital": ("郑州市示例医院", "hospital", HOSPITAL_USCC, None),
            "practitioner": ("李建华", "practitioner", None, PERSON_ID)}
BODIES = {"discipline_transfer": ("discipline_body", DISCIPLINE, "discipline"),
          "health_referral": ("health_body", HEALTH, "health"),
          "other_referral": ("other_body", OTHER, "other")}








def show(svc, case) -> dict:
    return svc.cases.show(case)


def timer(svc, case, name="answer") -> dict:
    return next(t for t in show(svc, case)["timers"] if t["name"] == name)


def fired(svc, when: str, case: int) -> list[str]:
    return [f["trigger"] for f in svc.sweep.run_once(at(when))["fired"] if f["case_id"] == case]


def subject(svc, key="hospital") -> str:
    name, kind, uscc, id_number = SUBJECTS[key]
    try:
        svc.deployment.add_subject(name, kind, uscc, id_number)
    except BadInput:
        pass
    return uscc or id_number


def decided(svc, outcomes=("discipline_transfer",), key="hospital") -> tuple[int, dict[str, int]]:
    """A fraud case whose review meeting of 25 September decides the referrals `outcomes`: (fraud, {target: case})."""
    with frozen_at(at("2026-09-01 09:00")):
        fraud = svc.cases.open("fraud", "alice", {"source": "report", "facts": "举报反映该院虚构住院病历"},
                               subject=subject(svc, key))["case_id"]
    act(svc, fraud, "propose_file", "alice", "2026-09-01 10:00", findings="举报线索具体")
    act(svc, fraud, "approve", "bob", "2026-09-02 10:00")
    bodies = {BODIES[o][0]: BODIES[o][1] for o in outcomes}
    act(svc, fraud, "propose_outcomes", "alice", "2026-09-25 10:00", outcomes=",".join(outcomes), suspected_crime="false",
        findings="涉及公职人员职务违法和医师执业行为，依法移送", matters=MATTERS, **bodies)
    out = act(svc, fraud, "approve", "bob", "2026-09-25 15:00")
    children = {show(svc, o["case_id"])["target"]: o["case_id"] for o in out.get("opened", []) if o["kind"] == "referral"}
    return fraud, children


def sent(svc, key="hospital", when="2026-09-28 10:00") -> tuple[int, int]:
    fraud, children = decided(svc, key=key)
    case = children["discipline"]
    act(svc, case, "send", "alice", when, materials="举报材料复印件、现场检查笔录、住院病历复印件127份")
    return fraud, case


def test_one_decision_opens_one_referral_per_body_in_the_same_transaction(svc):
    fraud, children = decided(svc, outcomes=tuple(BODIES))
    assert set(children) == {"discipline", "health", "other"}
    for outcome, (_, body, target) in BODIES.items():
        shown = show(svc, children[target])
        assert (shown["kind"], shown["state"], shown["parent"], shown["body"]) == ("referral", "opened", fraud, body)
        assert shown["data"]["matters"] == MATTERS
        log = svc.audit.log(children[target])
        assert log[0]["trigger"] == "open" and log[0]["inputs"]["caused_by"]["case"] == fraud
        assert log[0]["effective_at"] == svc.audit.log(fraud)[-1]["effective_at"]
        opened = svc.documents.show(show(svc, children[target])["notices"][0]["number"])
        assert (opened["title"], opened["audience"]) == ("移送立案记录", "internal")
        assert opened["number"].startswith("郑医保移函记〔2026〕")
    assert "第十九条" in svc.documents.show(show(svc, children["discipline"])["notices"][0]["number"])["text"]
    assert "第二十二条" in svc.documents.show(show(svc, children["health"])["notices"][0]["number"])["text"]
    assert sorted(c["kind"] for c in show(svc, fraud)["children"]) == ["referral"] * 3


def test_the_letter_names_the_subject_in_full_to_its_body_and_starts_the_answer_period(svc, cal):
    _, children = decided(svc, outcomes=("discipline_transfer", "health_referral"), key="practitioner")
    out = act(svc, children["discipline"], "send", "alice", "2026-09-28 10:00", materials="举报材料复印件")
    letter = svc.documents.show(out["notice"])
    assert (letter["title"], letter["audience"], letter["addressee"]) == ("问题线索移送函", "authority", DISCIPLINE)
    assert letter["number"].startswith("郑医保移函〔2026〕")
    assert f"{DISCIPLINE}：" in letter["text"] and f"李建华（公民身份号码：{PERSON_ID}）" in letter["text"]
    assert "可能涉嫌违纪或者职务违法、职务犯罪" in letter["text"] and "依纪依法处理" in letter["text"]
    t = timer(svc, children["discipline"])
    expected = compute(cal, date(2026, 9, 28), "days", 30).last_day.isoformat()
    assert (t["start_day"], t["last_day"], t["side"]) == ("2026-09-28", expected, "agency")
    assert f"请你单位签收，并于{expected[:4]}年{int(expected[5:7])}月{int(expected[8:])}日前将处理结果书面反馈本局" in letter["text"]
    out = act(svc, children["health"], "send", "alice", "2026-09-28 11:00", materials="病程记录复印件")
    letter = svc.documents.show(out["notice"])
    assert (letter["title"], letter["addressee"]) == ("案件线索移送函", HEALTH)
    assert "《医疗保障基金使用监督管理条例》第二十二条关于建立案件移送机制的规定" in letter["text"]


def test_the_receipt_and_the_answer_are_dated_and_close_the_referral(svc):
    _, case = sent(svc)
    for day in ("2026-09-27", "2026-09-30"):
        err = refused(svc, case, "acknowledged", "alice", "2026-09-29 10:00", acknowledged_on=day)
        assert (err.code, err.article) == ("REF-DATE", "医疗保障基金使用监督管理条例 Art. 22; creditflow policy")
        assert "发出移送函之日（2026年9月28日）至今天（2026年9月29日）" in err.message
    assert refused(svc, case, "feedback", "alice", "2026-09-29 10:00", feedback="已立案审查",
                   received_on="2026-09-29").code == "TRIGGER"
    out = act(svc, case, "acknowledged", "alice", "2026-09-29 10:00", acknowledged_on="2026-09-29")
    assert out["state"] == "acknowledged" and timer(svc, case)["status"] == "running"
    record = svc.documents.show(out["notice"])
    assert record["audience"] == "internal" and "已于2026年9月29日签收" in record["text"]
    err = refused(svc, case, "feedback", "alice", "2026-10-20 10:00", feedback="已立案审查", received_on="2026-09-28")
    assert err.code == "REF-DATE" and "受移送机关签收之日（2026年9月29日）" in err.message
    out = act(svc, case, "feedback", "alice", "2026-10-20 10:00", feedback="经初步核实，已对该院院长立案审查调查",
              received_on="2026-10-19")
    shown = show(svc, case)
    assert (out["state"], shown["final"], shown["feedback_on"]) == ("closed", True, "2026-10-19")
    assert timer(svc, case)["status"] == "stopped"
    text = svc.documents.show(out["notice"])["text"]
    assert "经初步核实，已对该院院长立案审查调查" in text and "晚于该期限" not in text


def test_the_answer_period_passing_flags_the_case_and_decides_nothing(svc):
    _, case = sent(svc)
    last = timer(svc, case)["last_day"]
    nxt = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    assert fired(svc, f"{last} 23:59", case) == []
    assert fired(svc, f"{nxt} 00:00", case) == ["answer_overdue"]
    shown = show(svc, case)
    assert (shown["state"], shown["overdue"]) == ("sent", True)
    overdue = svc.documents.show(shown["notices"][-1]["number"])
    assert (overdue["title"], overdue["audience"]) == ("移送处理结果反馈逾期督办提示", "approvers")
    assert "案件中尚未登记" in overdue["text"] and "本提示不代替本局作出任何处理决定" in overdue["text"]
    act(svc, case, "acknowledged", "alice", f"{nxt} 10:00", acknowledged_on="2026-09-30")
    assert show(svc, case)["overdue"]  # still no answer
    out = act(svc, case, "feedback", "alice", f"{nxt} 11:00", feedback="已转交属地纪委处理", received_on=nxt)
    assert show(svc, case)["overdue"] is False and "本次反馈晚于该期限" in svc.documents.show(out["notice"])["text"]
    # acknowledged first, the period passing later
    _, other = sent(svc, key="practitioner")
    act(svc, other, "acknowledged", "alice", "2026-09-29 10:00", acknowledged_on="2026-09-29")
    assert fired(svc, f"{nxt} 00:00", other) == ["answer_overdue"]
    text = svc.documents.show(show(svc, other)["notices"][-1]["number"])["text"]
    assert "已于2026年9月29日签收" in text and show(svc, other)["state"] == "acknowledged"


def test_no_person_fires_the_system_steps_and_an_auditor_changes_nothing(svc):
    _, case = sent(svc)
    for trigger in ("open", "answer_overdue"):
        assert refused(svc, case, trigger, "bob", "2026-09-29 10:00").code in ("CLOCK-SYSTEM-TRIGGER", "TRIGGER")
    assert refused(svc, case, "acknowledged", "audrey", "2026-09-29 10:00",
                   acknowledged_on="2026-09-29").code == "READ-ONLY"
    assert refused(svc, case, "acknowledged", "bob", "2026-09-29 10:00", acknowledged_on="2026-09-29").code == "ROLE"


def test_the_letter_is_served_and_the_service_recorded(svc):
    _, case = sent(svc)
    letter = show(svc, case)["notices"][-1]["number"]
    with frozen_at(at("2026-09-29 10:00")):
        out = svc.documents.serve(letter, "direct", "2026-09-29", "alice")
    assert out["case"]["state"] == "sent" and show(svc, case)["data"]["services"][letter] == "2026-09-29"
    assert svc.documents.show(letter)["services"][0]["addressee"] == DISCIPLINE


def test_a_provisional_answer_period_moved_by_new_calendar_data_is_told_to_the_handlers(svc, tmp_path):
    _, case = sent(svc, when="2026-12-10 10:00")
    before = timer(svc, case)
    assert before["provisional"] and before["last_day"].startswith("2027-01")
    path = tmp_path / "calendar-2027.toml"
    path.write_text('[[year]]\nyear = 2027\nnotice = "测试数据"\nmode = "patch"\nconfirmed = true\n'
                    f'days_off = [ {{ date = {before["last_day"]}, name = "测试用调整" }} ]\n', encoding="utf-8")
    with frozen_at(at("2026-12-11 09:00")):
        moved = svc.sweep.reload_calendar(str(path))["moved"]
    assert [(m["case_id"], m["timer"]) for m in moved] == [(case, "answer")]
    assert timer(svc, case)["last_day"] > before["last_day"]
    assert svc.documents.show(moved[0]["notice"])["audience"] == "handlers"


def test_every_declared_route_is_driven_by_this_file():
    proc = referral_module.PROCEDURE
    # `assign` (every procedure's, states/common.py) is driven in tests/test_assignment.py
    assert {t.trigger for t in proc.transitions} - {"assign", "attach"} == {"open", "send", "acknowledged", "feedback", "answer_overdue",
                                                     "deadline_recomputed", "notice_served"}
    assert [(t.name, t.unit, t.amount, t.side, t.on_expiry) for t in proc.timers] == [
        ("answer", "days", "referral_answer_days", "agency", "answer_overdue")]
    assert [s.name for s in proc.states] == ["opened", "sent", "acknowledged", "closed"]
    assert proc.final_states == {"closed"}
    assert (proc.parent_kinds, proc.opens_on, proc.opening_trigger()) == (("fraud",), (), None)
    number = proc.policy.numbers["referral_answer_days"]
    assert (number.value, number.unit) == (30, "days") and number.source.startswith("our choice: ")


def test_every_referral_notice_masks_a_person_for_the_public_and_third_parties(svc, monkeypatch):
    from notices import render
    from notices.privacy import mask_id

    contexts = capture_notice_contexts(monkeypatch, "referral/")
    _, case = sent(svc, key="practitioner")
    act(svc, case, "acknowledged", "alice", "2026-09-29 10:00", acknowledged_on="2026-09-29")
    svc.sweep.run_once(at("2026-10-29 00:00"))
    act(svc, case, "feedback", "alice", "2026-10-29 10:00", feedback="已立案审查", received_on="2026-10-29")
    declared = {t.notice.template for t in referral_module.PROCEDURE.transitions
                if t.notice.template.startswith("referral/")}
    assert set(contexts) == declared
    for template, context in contexts.items():
        for audience in ("public", "third_party"):
            html = render(template, {**context, "notice": {**context["notice"], "audience": audience,
                                                           "addressee": DISCIPLINE}}).html
            assert PERSON_ID not in html and "李建华" not in html, (template, audience)
            if audience == "public":
                assert mask_id(PERSON_ID) in html
        own = render(template, context).html
        assert PERSON_ID in own and "李建华" in own, template
