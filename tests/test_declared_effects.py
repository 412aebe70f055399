"""Every declared effect through the real engine, with procedures declared only here.

`drill_source` (a source case) opens a child (`drill_follow`) and a linked case (`drill_watch`) when it
is decided, tells the linked case when the decision is corrected (it closes), writes an archive entry
and withdraws it with a reason; its clocks start from its own data, from an event (the service of its
opening notice) and end on an input date (an appointment); the child's clock starts from the parent's
data; an hour clock runs from the instant. A second declaration version ships while a version-1 case
is open: that case goes on under version 1, new cases open under version 2. Policy numbers come per
procedure and per profile through the registry. Nothing here monkeypatches a procedure global.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from conftest import HOSPITAL_USCC, at, make_services
from notices import environment
from states import REGISTRY, NEW, Registry, common
from states.spec import (SERVED_TRIGGER, DeclarationError, Input, Notice, Open, Notify, Policy, PolicyNumber,
                         Procedure, State, TimerEffect, TimerSpec, Transition)
from workflows.clock import frozen_at
from workflows.engine import Engine
from workflows.errors import BadInput, Refused
from workflows.store import archive as archive_repo
from workflows.store.tables import notice_services

_BODY = '{% extends "base.html.j2" %}{% block body %}<p>{{ transition.label }}（案件{{ case.id }}）。</p>{% endblock %}'
TEMPLATES = {f"drill/{name}.html.j2": _BODY for name in ("any", "served")}
N = Notice("drill/any.html.j2", "演练文书", "演", "subject")
R = Notice("drill/any.html.j2", "演练记录", "演记", "internal")

SOURCE_POLICY = Policy("drill", {
    "drill_eligibility": PolicyNumber(6, "months", "test: 6 months from the determination day"),
    "drill_appointment": PolicyNumber(1, "days", "test: unused amount of an appointment clock"),
    "drill_reply": PolicyNumber(5, "working_days", "test: 5 working days from service"),
    "drill_urgent": PolicyNumber(24, "hours", "test: 24 hours"),
    "drill_follow": PolicyNumber(10, "working_days", "test: 10 working days from the parent's determination day"),
})
STRICT = Policy("strict", {"drill_reply": PolicyNumber(3, "working_days", "test: a stricter office, 3 working days")})


def _source(version: int) -> Procedure:
    decided = "decided" if version == 1 else "reviewed"  # version 2 renames the decided state
    states = (State("open", "办理中"), State(decided, "已决定" if version == 1 else "已复核", final=True))
    opening_served = Transition(
        SERVED_TRIGGER, ("open",), None, "handler|approver", "登记立案通知书送达，答复期起算", R,
        when="opening_served", inputs=common.SERVED_INPUTS, effects=("record_service",),
        timers=(TimerEffect("start", "reply", anchor="event"),))
    return Procedure(
        kind="drill_source", version=version, label="来源程序", states=states, initial="open",
        policy=SOURCE_POLICY,
        timers=(TimerSpec("eligibility", "months", "drill_eligibility", "subject", "eligible", "可申请期"),
                TimerSpec("appointment", "days", "drill_appointment", "subject", "missed", "约谈日"),
                TimerSpec("reply", "working_days", "drill_reply", "subject", "reply_expired", "答复期"),
                TimerSpec("urgent", "hours", "drill_urgent", "agency", "urgent_overdue", "紧急处置时限")),
        transitions=(
            Transition("open", (NEW,), "open", "handler", "立案", N,
                       inputs=(Input("determined", "date", label="认定日"), Input("appointment", "date", label="约谈日")),
                       effects=("record_determination",),
                       timers=(TimerEffect("start", "eligibility", anchor="data:determined_on"),
                               TimerEffect("start", "appointment", until="input:appointment"))),
            Transition("escalate", ("open",), None, "handler", "紧急处置", R,
                       timers=(TimerEffect("start", "urgent"),)),
            Transition("decide", ("open",), decided, "approver", "作出决定", N, effects=("withdraw_entry",),
                       opens=(Open("drill_follow", "opened_by_source", "child",
                                   inputs=lambda ctx: {"note": f"来源案件{ctx.after.id}已{ctx.after.state}"}),
                              Open("drill_watch", "opened_by_source", "linked", when="watch_needed"))),
            Transition("correct", (decided,), None, "handler", "更正决定", N,
                       inputs=(Input("correction", "text", label="更正内容"),),
                       notifies=(Notify("opened", "source_corrected", kind="drill_watch",
                                        inputs=lambda ctx: {"correction": ctx.inputs["correction"]}),)),
            Transition("eligible", ("open",), None, "system", "可申请期届满", R),
            Transition("missed", ("open",), None, "system", "约谈日届满", R),
            Transition("reply_expired", ("open",), None, "system", "答复期届满", R),
            Transition("urgent_overdue", ("open",), None, "system", "紧急处置超时", R),
            *common.recomputed("演", "演记", states),
            *common.served("演记", states, opening_served),
        ),
        guards={},
        conditions={"watch_needed": lambda ctx: True,
                    "opening_served": lambda ctx: ctx.event["issued_by"] == "open" and ctx.event["first"],
                    **common.CONDITIONS},
        effects={"record_determination": lambda ctx: {
                     "data": {"determined_on": ctx.inputs["determined"].isoformat()},
                     "archive": [{"kind": "bad", "category": "drill", "facts": "演练不良信息",
                                  "determined_on": ctx.inputs["determined"].isoformat(),
                                  "disclosed_until": (ctx.inputs["determined"] + timedelta(days=200)).isoformat(),
                                  "rule": "test"}]},
                 "withdraw_entry": lambda ctx: {"archive_status": [
                     {"scope": "case", "status": "withdrawn", "reason": f"案件{ctx.case.id}决定撤销该记录"}]},
                 **common.EFFECTS},
    )


FOLLOW = Procedure(
    kind="drill_follow", version=1, label="跟进程序", parent_kinds=("drill_source",), opens_on=("parent",),
    states=(State("following", "跟进中"), State("done", "已办结", final=True)), initial="following",
    policy=SOURCE_POLICY,
    timers=(TimerSpec("follow", "working_days", "drill_follow", "agency", "follow_overdue", "跟进期限"),),
    transitions=(
        Transition("opened_by_source", (NEW,), "following", "system", "依来源案件决定立案", R,
                   inputs=(Input("note", "str", label="说明"),),
                   timers=(TimerEffect("start", "follow", anchor="parent:determined_on"),)),
        Transition("finish", ("following",), "done", "handler", "办结", N),
        Transition("follow_overdue", ("following",), None, "system", "跟进超期", R),
        *common.recomputed("演", "演记", (State("following", "跟进中"),)),
    ),
    guards={}, conditions=dict(common.CONDITIONS))

WATCH = Procedure(
    kind="drill_watch", version=1, label="关注程序",
    states=(State("watching", "关注中"), State("closed", "已结束", final=True)), initial="watching",
    opens_on=(),
    transitions=(
        Transition("opened_by_source", (NEW,), "watching", "system", "依来源案件决定列入关注", R),
        Transition("source_corrected", ("watching",), "closed", "system", "来源决定已更正，结束关注", N,
                   inputs=(Input("correction", "text", label="更正内容"),)),
        Transition("stop_watching", ("watching",), "closed", "handler", "人工结束关注", N),
    ),
    timers=(), guards={})


def registry(*extra: Procedure, profiles=None) -> Registry:
    return Registry([*REGISTRY.all_versions(), _source(1), FOLLOW, WATCH, *extra], policy=REGISTRY.base_policy,
                    profiles=profiles)


@pytest.fixture
def templates(monkeypatch):
    env = environment()
    monkeypatch.setattr(env, "loader", ChoiceLoader([env.loader, DictLoader(TEMPLATES)]))


def _services(db_url, home, reg):
    s = make_services(db_url, home, registry=reg)
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                      court="郑州铁路运输法院")
    s.deployment.add_user("alice", ["handler"])
    s.deployment.add_user("bob", ["approver"])
    return s


@pytest.fixture
def drill(db_url, tmp_path, templates):
    s = _services(db_url, tmp_path, registry())
    sid = s.deployment.add_subject("郑州市某某医院", "hospital", HOSPITAL_USCC, None)["id"]
    yield s, sid
    s.db.dispose()


def _open(s, sid, **inputs):
    with frozen_at(at("2026-03-02 09:00")):
        return s.cases.open("drill_source", "alice", {"determined": "2026-02-27", "appointment": "2026-03-20", **inputs},
                            subject=str(sid))


def _timers(s, case_id):
    return {t["name"]: t for t in s.cases.show(case_id)["timers"]}


def test_timers_from_data_and_to_an_input_date(drill):
    s, sid = drill
    case = _open(s, sid)["case_id"]
    t = _timers(s, case)
    # from the case's data (the determination day, 27 Feb): 6 months, Civil Code Art. 202
    assert t["eligibility"]["start_day"] == "2026-02-27" and t["eligibility"]["last_day"] == "2026-08-27"
    # to the input date: the appointment day, ending at its 24:00
    assert t["appointment"]["last_day"] == "2026-03-20"
    assert t["appointment"]["ends_at"] == "2026-03-21T00:00:00+08:00"
    assert "reply" not in t  # runs from service only


def test_a_timer_from_the_service_of_a_notice(drill):
    s, sid = drill
    out = _open(s, sid)
    with frozen_at(at("2026-03-04 10:00")):
        served = s.documents.serve(out["notice"], "post", "2026-03-03", "alice")
    t = _timers(s, out["case_id"])
    # 5 working days after 3 March (the service day not counted)
    assert t["reply"]["start_day"] == "2026-03-03" and t["reply"]["last_day"] == "2026-03-10"
    log = s.audit.log(out["case_id"])
    assert log[-1]["trigger"] == SERVED_TRIGGER and log[-1]["prev_hash"] == log[-2]["hash"]
    assert s.audit.verify()["ok"] is True
    with s.uow() as uow:
        rows = uow.conn.execute(select(notice_services).where(notice_services.c.number == out["notice"])).all()
    assert [(r.method, r.served_on) for r in rows] == [("post", date(2026, 3, 3))]
    assert served["served_on"] == "2026-03-03"
    # a second service of the same notice is recorded but restarts nothing
    with frozen_at(at("2026-03-05 10:00")):
        s.documents.serve(out["notice"], "direct", "2026-03-05", "alice")
    assert _timers(s, out["case_id"])["reply"]["last_day"] == "2026-03-10"
    assert s.cases.show(out["case_id"])["data"]["services"] == {out["notice"]: "2026-03-03"}


def test_an_hour_clock_runs_from_the_instant(drill):
    s, sid = drill
    case = _open(s, sid)["case_id"]
    with frozen_at(at("2026-03-02 15:30")):
        s.cases.act(case, "escalate", "alice", {})
    urgent = _timers(s, case)["urgent"]
    assert urgent["ends_at"] == "2026-03-03T15:30:00+08:00" and urgent["last_day"] == "2026-03-03"
    with frozen_at(at("2026-03-03 15:29")):
        assert s.sweep.run_once()["counts"]["fired"] == 0
    with frozen_at(at("2026-03-03 15:31")):
        fired = s.sweep.run_once()["fired"]
    assert [f["trigger"] for f in fired] == ["urgent_overdue"]


def test_deciding_opens_a_child_and_a_linked_case_and_a_correction_closes_the_linked_one(drill):
    s, sid = drill
    case = _open(s, sid)["case_id"]
    with frozen_at(at("2026-03-02 10:00")):
        entries = [e for e in s.deployment.show_subject(str(sid))["archive"] if e["case_id"] == case]
    assert [(e["kind"], e["in_use"]) for e in entries] == [("bad", True)]
    with frozen_at(at("2026-03-09 09:00")):
        out = s.cases.act(case, "decide", "bob", {})
    assert out["state"] == "decided"
    opened = {o["kind"]: o for o in out["opened"]}
    assert set(opened) == {"drill_follow", "drill_watch"}
    shown = s.cases.show(case)
    assert sorted((c["kind"], c["relation"], c["state"]) for c in shown["children"]) == [
        ("drill_follow", "child", "following"), ("drill_watch", "linked", "watching")]
    for o in opened.values():
        assert s.cases.show(o["case_id"])["parent"] == case
        assert s.audit.log(o["case_id"])[0]["inputs"]["caused_by"]["case"] == case
    child = s.cases.show(opened["drill_follow"]["case_id"])
    # the opening inputs read the opener as the transition leaves it
    assert s.audit.log(child["id"])[0]["inputs"]["note"] == f"来源案件{case}已decided"
    # the child's clock from the parent's data: 10 working days after 27 February (Saturday 28 February
    # is a make-up working day in the State Council's 2026 schedule)
    follow = {t["name"]: t for t in child["timers"]}["follow"]
    assert follow["start_day"] == "2026-02-27" and follow["last_day"] == "2026-03-12"
    assert child["data"] == {}
    # the archive status change, append-only, with its reason
    with frozen_at(at("2026-03-09 10:00")):
        entry = [e for e in s.deployment.show_subject(str(sid))["archive"] if e["case_id"] == case][0]
    assert entry["statuses"] == ["withdrawn"] and entry["in_use"] is False
    with s.uow() as uow:
        rows = archive_repo.entries_of(uow.conn, sid, date(2026, 3, 9))
    assert [r.statuses for r in rows if r.case_id == case] == [frozenset({"withdrawn"})]

    with frozen_at(at("2026-03-10 09:00")):
        corrected = s.cases.act(case, "correct", "alice", {"correction": "认定日更正"})
    assert [(n["kind"], n["state"]) for n in corrected["notified"]] == [("drill_watch", "closed")]
    assert s.cases.show(opened["drill_follow"]["case_id"])["state"] == "following"  # not concerned
    with frozen_at(at("2026-03-11 09:00")):
        again = s.cases.act(case, "correct", "alice", {"correction": "再次更正"})
    assert again.get("notified", []) == []  # the linked case is closed: left alone


def test_nobody_opens_a_system_opened_kind_or_fires_its_link_by_hand(drill):
    s, sid = drill
    with pytest.raises(BadInput):
        s.cases.open("drill_watch", "alice", {}, subject=str(sid))
    case = _open(s, sid)["case_id"]
    with frozen_at(at("2026-03-09 09:00")):
        out = s.cases.act(case, "decide", "bob", {})
    watch = next(o["case_id"] for o in out["opened"] if o["kind"] == "drill_watch")
    with pytest.raises(Refused) as refused:
        s.cases.act(watch, "source_corrected", "alice", {"correction": "伪造"})
    assert refused.value.code == "CLOCK-SYSTEM-TRIGGER"


def test_a_second_declaration_version_leaves_open_cases_on_their_own(db_url, tmp_path, templates):
    first = _services(db_url, tmp_path, registry())
    sid = first.deployment.add_subject("郑州市某某医院", "hospital", HOSPITAL_USCC, None)["id"]
    old = _open(first, sid)["case_id"]
    first.db.dispose()
    second = make_services(db_url, tmp_path, registry=registry(_source(2)))  # version 2 ships
    with frozen_at(at("2026-03-09 09:00")):
        assert second.cases.act(old, "decide", "bob", {})["state"] == "decided"  # still version 1
        new = second.cases.open("drill_source", "alice", {"determined": "2026-03-06", "appointment": "2026-03-27"},
                                subject=str(sid))["case_id"]
        assert second.cases.act(new, "decide", "bob", {})["state"] == "reviewed"  # version 2
    shown = second.cases.show(old)
    assert shown["state"] == "decided"
    second.db.dispose()
    # a store with a version-1 case and a build without version 1 says so, and changes nothing
    third = make_services(db_url, tmp_path, registry=Registry(
        [*REGISTRY.all_versions(), _source(2), FOLLOW, WATCH], policy=REGISTRY.base_policy))
    with pytest.raises(BadInput) as missing:
        third.cases.act(old, "correct", "alice", {"correction": "x"})
    assert missing.value.code == "unknown_version"
    third.db.dispose()


def test_policy_numbers_per_procedure_and_per_profile(cal, templates):
    reg = registry(profiles={"strict": STRICT})
    assert reg.policy("drill_source")["drill_reply"] == 5
    assert reg.policy("drill_source", profile="strict")["drill_reply"] == 3
    assert reg.policy("drill_source", profile="strict").source("drill_reply").startswith("test: a stricter")
    assert "drill_reply" not in reg.policy("evaluation")  # a procedure's own numbers are its own
    assert reg.policy("evaluation")["objection_window"] == 15
    assert Engine(cal, reg, profile="strict")._policy(reg.procedure("drill_source"))["drill_reply"] == 3


def test_the_strict_profile_runs_its_own_number(db_url, tmp_path, templates):
    s = make_services(db_url, tmp_path, registry=registry(profiles={"strict": STRICT}))
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    s.deployment.add_user("alice", ["handler"])
    s.engine.profile = "strict"
    sid = s.deployment.add_subject("郑州市某某医院", "hospital", HOSPITAL_USCC, None)["id"]
    out = _open(s, sid)
    with frozen_at(at("2026-03-04 10:00")):
        s.documents.serve(out["notice"], "direct", "2026-03-03", "alice")
    assert _timers(s, out["case_id"])["reply"]["last_day"] == "2026-03-06"  # 3 working days
    s.db.dispose()


@pytest.mark.parametrize("broken, message", [
    (lambda p: replace(p, transitions=p.transitions + (
        Transition("x", ("open",), None, "handler", "x", N, opens=(Open("drill_follow", "opened_by_source", "sideways"),)),)),
     "expected child or linked"),
    (lambda p: replace(p, transitions=p.transitions + (
        Transition("x", ("open",), None, "handler", "x", N, timers=(TimerEffect("start", "reply", anchor="event"),)),)),
     "only notice_served records an event"),
    (lambda p: replace(p, transitions=p.transitions + (
        Transition("x", ("open",), None, "handler", "x", N, timers=(TimerEffect("start", "appointment", until="input:day"),)),)),
     "must name a date input"),
])
def test_broken_effect_declarations_are_refused_at_load(templates, broken, message):
    with pytest.raises(DeclarationError, match=message):
        registry(broken(_source(3)))


def test_relations_are_checked_across_procedures(templates):
    orphan = replace(FOLLOW, kind="drill_orphan", parent_kinds=("nowhere",))
    with pytest.raises(DeclarationError, match="parent kind 'nowhere' is not registered"):
        registry(orphan)
    bad_open = replace(_source(3), transitions=_source(3).transitions + (
        Transition("y", ("open",), None, "handler", "y", N, opens=(Open("drill_watch", "opened_by_source", "child"),)),))
    with pytest.raises(DeclarationError, match="is not among its parent kinds"):
        registry(bad_open)


def test_the_docs_show_the_declared_effects(templates):
    from states.describe import as_dict, markdown

    reg = registry()
    proc = reg.procedure("drill_source")
    decide = next(t for t in as_dict(proc, reg.policy("drill_source"))["transitions"] if t["trigger"] == "decide")
    assert decide["opens"] == [{"kind": "drill_follow", "trigger": "opened_by_source", "relation": "child", "when": None},
                               {"kind": "drill_watch", "trigger": "opened_by_source", "relation": "linked",
                                "when": "watch_needed"}]
    text = markdown(proc, reg.policy("drill_source"))
    assert "opens `drill_follow` (child), opens `drill_watch` (linked)" in text
    assert "notifies opened `drill_watch`: `source_corrected`" in text
    assert "start reply from event" in text and "start appointment until input:appointment" in text
