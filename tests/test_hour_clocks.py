"""Hour clocks through the engine, the sweep and `case explain`, and the running clocks of a case's children in
`case show`, with procedures declared only here (`hour_drill` and its child `hour_follow`).

A clock of hours started "today" runs from the transition's instant to the same instant N hours later
(Civil Code Art. 201(2)): a 24-hour period from 15:00 on 30 September ends at 15:00 on 1 October, a holiday,
and is not moved. The child's 3-day period from 30 September ends on 3 October, a holiday, and moves to the
next working day, 8 October (Art. 203).
"""

from __future__ import annotations

import pytest
from jinja2 import ChoiceLoader, DictLoader

from conftest import HOSPITAL_USCC, at, make_services
from notices import environment
from states import REGISTRY, NEW, Registry, common
from states.spec import Notice, Open, Policy, PolicyNumber, Procedure, State, TimerEffect, TimerSpec, Transition
from test_cli_input import cli  # noqa: F401  (the in-process command line fixture)
from workflows.clock import frozen_at

TEMPLATES = {"hours/any.html.j2": '{% extends "base.html.j2" %}{% block body %}<p>{{ transition.label }}</p>'
                                  '{% endblock %}'}
N = Notice("hours/any.html.j2", "演练文书", "演", "subject")
R = Notice("hours/any.html.j2", "演练记录", "演记", "internal")
POLICY = Policy("hours_drill", {
    "drill_transfer_hours": PolicyNumber(24, "hours", "test: 24 hours, instant to instant"),
    "drill_answer_days": PolicyNumber(3, "days", "test: 3 days"),
    "drill_ack_hours": PolicyNumber(48, "hours", "test: 48 hours"),
})
PARENT_STATES = (State("open", "办理中"), State("approved", "已批准"), State("closed", "已办结", final=True))
CHILD_STATES = (State("sent", "已发出"), State("done", "已办结", final=True))

PARENT = Procedure(
    kind="hour_drill", version=1, label="时限演练", states=PARENT_STATES, initial="open", policy=POLICY,
    timers=(TimerSpec("transfer", "hours", "drill_transfer_hours", "agency", "transfer_overdue", "移送时限（24小时）"),),
    transitions=(
        Transition("register", (NEW,), "open", "handler", "立案", R),
        Transition("approve", ("open",), "approved", "approver", "批准移送", N,
                   timers=(TimerEffect("start", "transfer"),),
                   opens=(Open("hour_follow", "opened"),)),
        Transition("send", ("approved",), None, "handler", "移送", R, timers=(TimerEffect("stop", "transfer"),)),
        Transition("transfer_overdue", ("approved",), None, "system", "移送超时", R,
                   effects=("flag_overdue",)),
        Transition("close", ("approved",), "closed", "approver", "办结", N),
        *common.recomputed("演", "演记", PARENT_STATES),
    ),
    guards={}, conditions=dict(common.CONDITIONS),
    effects={"flag_overdue": lambda ctx: {"overdue": True}},
)
CHILD = Procedure(
    kind="hour_follow", version=1, label="时限跟进", states=CHILD_STATES, initial="sent", policy=POLICY,
    parent_kinds=("hour_drill",), opens_on=("parent",),
    timers=(TimerSpec("answer", "days", "drill_answer_days", "agency", "answer_overdue", "答复期限"),
            TimerSpec("ack", "hours", "drill_ack_hours", "agency", "ack_overdue", "签收时限")),
    transitions=(
        Transition("opened", (NEW,), "sent", "system", "依批准开启", R,
                   timers=(TimerEffect("start", "answer"), TimerEffect("start", "ack"))),
        Transition("acknowledged", ("sent",), None, "handler", "签收", R, timers=(TimerEffect("stop", "ack"),)),
        Transition("finish", ("sent",), "done", "handler", "办结", N),
        Transition("answer_overdue", ("sent",), None, "system", "答复超期", R),
        Transition("ack_overdue", ("sent",), None, "system", "签收超时", R),
        *common.recomputed("演", "演记", CHILD_STATES),
    ),
    guards={}, conditions=dict(common.CONDITIONS),
)


def registry() -> Registry:
    return Registry([*REGISTRY.all_versions(), PARENT, CHILD], policy=REGISTRY.base_policy)


@pytest.fixture
def templates(monkeypatch):
    env = environment()
    monkeypatch.setattr(env, "loader", ChoiceLoader([env.loader, DictLoader(TEMPLATES)]))


@pytest.fixture
def drill(db_url, tmp_path, templates):
    s = make_services(db_url, tmp_path, registry=registry())
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    s.deployment.add_user("alice", ["handler"])
    s.deployment.add_user("bob", ["approver"])
    sid = s.deployment.add_subject("郑州市某某医院", "hospital", HOSPITAL_USCC, None)["id"]
    with frozen_at(at("2026-09-28 09:00")):
        case = s.cases.open("hour_drill", "alice", {}, subject=str(sid))["case_id"]
    with frozen_at(at("2026-09-30 15:00")):
        child = s.cases.act(case, "approve", "bob", {})["opened"][0]["case_id"]
    yield s, case, child
    s.db.dispose()


def test_an_hour_clock_runs_from_the_transitions_instant_through_a_holiday(drill):
    s, case, child = drill
    (transfer,) = s.cases.show(case)["timers"]
    assert transfer["start_day"] == "2026-09-30"
    assert transfer["ends_at"] == "2026-10-01T15:00:00+08:00" and transfer["last_day"] == "2026-10-01"
    assert transfer["provisional"] is False
    # the child opened in the same transition runs its hour clock from the same instant
    ack = {t["name"]: t for t in s.cases.show(child)["timers"]}["ack"]
    assert ack["ends_at"] == "2026-10-02T15:00:00+08:00"
    with frozen_at(at("2026-10-01 14:59")):
        assert s.sweep.run_once()["counts"]["fired"] == 0
    with frozen_at(at("2026-10-01 15:00")):
        fired = s.sweep.run_once()["fired"]
    assert [(f["case_id"], f["trigger"]) for f in fired] == [(case, "transfer_overdue")]
    assert s.cases.show(case)["overdue"] is True
    expiry = s.audit.log(case)[-1]["timer_effects"][0]
    assert expiry["op"] == "fired" and expiry["due_at"] == "2026-10-01T15:00:00+08:00"


def test_case_explain_explains_an_hour_clock_and_a_moved_day_period(drill):
    s, case, child = drill
    out = s.cases.explain_timer(case, "transfer")
    assert out["unit"] == "hours" and out["hours"] == 24
    assert out["from"] == "2026-09-30T15:00:00+08:00" and out["ends_at"] == "2026-10-01T15:00:00+08:00"
    assert [(d["date"], d["reason"]) for d in out["days"]] == [("2026-09-30", "hour_start"), ("2026-10-01", "hour_end")]
    assert all(d["counted"] for d in out["days"]) and "国庆节" in out["days"][1]["label"]
    assert "不顺延" in out["days"][1]["label"] and "15:00" in out["days"][1]["label"]
    assert s.cases.explain_timer(case, "移送时限")["timer"] == "transfer"  # by its label too
    days = s.cases.explain_timer(child, "answer")
    assert days["last_day"] == "2026-10-08"  # 3 days: 3 October is a holiday, moved (Civil Code Art. 203)
    counted = [d["date"] for d in days["days"] if d["counted"]]
    assert counted[:3] == ["2026-10-01", "2026-10-02", "2026-10-03"] and counted[-1] == "2026-10-08"


def test_case_show_lists_the_running_clocks_of_each_child(drill):
    s, case, child = drill
    (shown,) = s.cases.show(case)["children"]
    assert (shown["id"], shown["kind"], shown["state"], shown["relation"]) == (child, "hour_follow", "sent", "child")
    assert shown["timers"] == [
        {"name": "answer", "label": "答复期限", "side": "agency", "last_day": "2026-10-08",
         "ends_at": "2026-10-09T00:00:00+08:00"},
        {"name": "ack", "label": "签收时限", "side": "agency", "last_day": "2026-10-02",
         "ends_at": "2026-10-02T15:00:00+08:00"}]
    with frozen_at(at("2026-10-01 10:00")):
        s.cases.act(child, "acknowledged", "alice", {})
    assert [t["name"] for t in s.cases.show(case)["children"][0]["timers"]] == ["answer"]  # running ones only
    with frozen_at(at("2026-10-08 10:00")):
        s.cases.act(child, "finish", "alice", {})
    (done,) = s.cases.show(case)["children"]
    assert done["state"] == "done" and done["timers"] == []


def test_show_and_explain_on_the_command_line(cli, monkeypatch, templates):
    import workflows.services as services_module

    monkeypatch.setattr(services_module, "REGISTRY", registry())
    cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cli("user", "add", "alice", "--role", "handler")
    cli("user", "add", "bob", "--role", "approver")
    cli("subject", "add", "--name", "郑州市某某医院", "--type", "hospital", "--uscc", HOSPITAL_USCC)
    case = cli("case", "open", "hour_drill", "--subject", "1", "--as", "alice",
               now="2026-09-28T09:00:00+08:00").json["case_id"]
    child = cli("case", "act", str(case), "approve", "--as", "bob",
                now="2026-09-30T15:00:00+08:00").json["opened"][0]["case_id"]
    shown = cli("case", "show", str(case), as_json=False).out
    assert f"下级案件 {child} 时限跟进：已发出" in shown
    assert "答复期限至 2026-10-08" in shown and "签收时限至 2026-10-02（2026-10-02T15:00:00+08:00 届满）" in shown
    explained = cli("case", "explain", str(case), "transfer", as_json=False).out.splitlines()
    assert explained[0].startswith("2026-09-30  计入  自 15:00 起算")
    assert explained[-1] == ("期间届满：2026-10-01T15:00:00+08:00（按小时计算，自 2026-09-30T15:00:00+08:00 起 24 小时，"
                             "不因节假日顺延）")
