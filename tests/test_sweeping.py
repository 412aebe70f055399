"""The deadline sweep: reminders, due order, catch-up, incidents, concurrent sweepers, new calendar data."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select, update

from calendars import SHANGHAI
from conftest import HOSPITAL_USCC, PERSON_ID, at, make_services, publish
from notice_story import CALENDAR_2027
from notices import environment, template_exists
from states import NEW, REGISTRY, Registry, common
from states.policy import HENAN_2023
from states.spec import Notice, Policy, PolicyNumber, Procedure, State, TimerEffect, TimerSpec, Transition
from workflows import clock
from workflows.clock import frozen_at
from workflows.demo import demo_uscc
from workflows.store.tables import incidents, sweep_leases, timers, transitions


def _institution(svc, n: int) -> int:
    """A pharmacy: its result is published, so its objection window runs from publication (a person's, from
    service of the result: states/evaluation.py)."""
    return svc.deployment.add_subject(f"测试药店{n}", "pharmacy", demo_uscc("92", f"{n:08d}"), None)["id"]


def _objection(svc, published="2026-03-02 09:00", received="2026-03-03"):
    """A person's evaluation and an accepted objection: its handling clock (15 working days) reminds 3 before."""
    sid = svc.deployment.add_subject("李建华", "practitioner", None, PERSON_ID)["id"]
    with frozen_at(at(published)):
        ev = publish(svc, str(sid), 2025, "72", "alice")["case_id"]
    with frozen_at(at(f"{received} 10:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": received,
                                                    "materials": "异议申请表", "reason": "扣分依据有误"}, parent=ev)["case_id"]
        svc.cases.act(obj, "accept", "alice", {})
    return ev, obj


def _log(svc, case_id):
    return svc.audit.log(case_id)


def _handling(svc, obj):
    with svc.uow() as uow:
        return uow.conn.execute(select(timers).where(timers.c.case_id == obj, timers.c.name == "handling")).one()


# -- reminders --------------------------------------------------------------------------------------


def test_reminder_fires_once_three_working_days_before_the_agency_deadline(svc, cal):
    _, obj = _objection(svc)
    t = _handling(svc, obj)
    assert t.last_day == cal.nth_working_day_after(date(2026, 3, 3), 15) == date(2026, 3, 24)
    remind_day = cal.nth_working_day_before(t.last_day, 3)
    assert remind_day == date(2026, 3, 19)  # Thu: 20, 23, 24 are the three working days left
    assert t.remind_at == datetime.combine(remind_day, time(0), tzinfo=SHANGHAI)

    assert svc.sweep.run_once(at("2026-03-18 23:59"))["counts"]["reminded"] == 0
    out = svc.sweep.run_once(at("2026-03-19 08:00"))
    assert [(r["case_id"], r["trigger"]) for r in out["reminded"]] == [(obj, "deadline_reminder")]
    assert out["fired"] == []
    assert svc.sweep.run_once(at("2026-03-20 08:00"))["counts"]["reminded"] == 0  # once
    notice = svc.documents.show(out["reminded"][0]["notice"])
    assert notice["audience"] == "handlers" and "2026年3月24日" in notice["text"] and "尚余3个工作日" in notice["text"]
    entry = _log(svc, obj)[-1]
    assert entry["trigger"] == "deadline_reminder" and entry["to_state"] == entry["from_state"] == "under_review"
    assert entry["timer_effects"][0]["op"] == "reminded"
    assert _handling(svc, obj).reminded_for == date(2026, 3, 24)


def test_a_moved_deadline_gets_one_new_reminder_and_a_paused_clock_none(svc, cal):
    _, obj = _objection(svc)
    svc.sweep.run_once(at("2026-03-19 08:00"))  # reminded for 24 March
    with frozen_at(at("2026-03-19 10:00")):
        svc.cases.act(obj, "suspend", "alice", {"reason": "expert_review"})
    assert _handling(svc, obj).remind_at is None
    assert svc.sweep.run_once(at("2026-04-30 08:00"))["counts"] == {"fired": 0, "reminded": 0, "failed": 0, "deferred": 0}
    with frozen_at(at("2026-03-26 10:00")):
        svc.cases.act(obj, "resume", "alice", {})
    t = _handling(svc, obj)
    assert t.last_day > date(2026, 3, 24) and t.reminded_for == date(2026, 3, 24)
    assert t.remind_at == datetime.combine(cal.nth_working_day_before(t.last_day, 3), time(0), tzinfo=SHANGHAI)
    out = svc.sweep.run_once(at("2026-03-27 08:00"))  # the new reminder day has passed
    new_last = f"{t.last_day.year}年{t.last_day.month}月{t.last_day.day}日"
    assert out["counts"]["reminded"] == 1 and new_last in svc.documents.show(out["reminded"][0]["notice"])["text"]
    assert svc.sweep.run_once(at("2026-03-27 09:00"))["counts"]["reminded"] == 0


# -- catch-up and due order --------------------------------------------------------------------------


def test_catch_up_after_downtime_equals_running_on_time(tmp_path):
    """One store swept every morning, the other once after a long outage, each on its real (frozen)
    clock: the same states, effective instants and deadlines; but no notice is backdated — the late
    one is dated the day it was produced and states the day the period ended.
    (Two stores side by side: SQLite; the other tests here cover both backends.)"""
    from freezegun import freeze_time

    stores = []
    for name in ("on_time", "late"):
        s = make_services(f"sqlite:///{tmp_path / name / 'creditflow.db'}", tmp_path / name)
        s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
        s.deployment.add_user("alice", ["handler"])
        stores.append(s)
    on_time, late = stores
    for s in stores:
        _objection(s)
    day = date(2026, 3, 4)
    while day <= date(2026, 3, 27):
        instant = datetime.combine(day, time(0, 5), tzinfo=SHANGHAI)
        with freeze_time(instant):
            on_time.sweep.run_once()
        day += timedelta(days=1)
    with freeze_time(at("2026-04-20 09:00")):
        out = late.sweep.run_once()
    assert [(f["trigger"], f["due_at"]) for f in out["reminded"] + out["fired"]] == [
        ("deadline_reminder", "2026-03-19T00:00:00+08:00"), ("handling_overdue", "2026-03-25T00:00:00+08:00")]
    assert all(f["lateness_seconds"] > 0 for f in out["reminded"] + out["fired"])

    def effect(s, case_id):
        return [(e["trigger"], e["from_state"], e["to_state"], e["effective_at"], e["notice_number"])
                for e in s.audit.log(case_id)]

    assert effect(late, 2) == effect(on_time, 2)
    assert late.cases.show(2)["timers"] == on_time.cases.show(2)["timers"]
    assert late.cases.show(2)["overdue"] is True
    fired = [e for e in late.audit.log(2) if e["trigger"] == "handling_overdue"][0]
    assert fired["effective_at"].startswith("2026-03-25T00:00:00")  # the due instant, 00:00 +08:00 on 25 March
    assert fired["timer_effects"][0]["due_at"] == "2026-03-25T00:00:00+08:00"
    assert fired["timer_effects"][0]["lateness_seconds"] > 0
    for trigger, on_time_day in (("deadline_reminder", "2026-03-19"), ("handling_overdue", "2026-03-25")):
        number = next(e["notice_number"] for e in late.audit.log(2) if e["trigger"] == trigger)
        early, tardy = on_time.documents.show(number), late.documents.show(number)
        assert early["issued_at"].startswith(on_time_day) and tardy["issued_at"].startswith("2026-04-20")
        assert "2026年4月20日" in tardy["text"] and "2026年4月20日" not in early["text"]
        assert "2026年3月24日" in tardy["text"]  # the period's last day, stated whenever the notice is made
    for s in stores:
        s.db.dispose()


DRILL_TEMPLATES = {
    "drill/opened.html.j2": '{% extends "base.html.j2" %}{% block body %}<p>演练案件{{ case.id }}已立案，'
                            '答复期限至{{ deadline("reply") }}，审查期限至{{ deadline("review") }}。</p>{% endblock %}',
    "drill/closed.html.j2": '{% extends "base.html.j2" %}{% block body %}<p>答复期限届满，演练案件{{ case.id }}'
                            '结案。</p>{% endblock %}',
    "drill/overdue.html.j2": '{% extends "base.html.j2" %}{% block body %}<p>审查期限届满。</p>{% endblock %}',
}


def _drill(reply: int, review: int) -> tuple[Procedure, Policy]:
    """A two-clock procedure: the subject's reply period closes the case when it ends (order 10); the
    department's review period reminds 3 working days before it ends (order 20)."""
    states = (State("open", "办理中"), State("closed", "已结案", final=True))
    proc = Procedure(
        kind="drill", version=1, label="演练程序", states=states, initial="open",
        timers=(TimerSpec("reply", "working_days", "drill_reply", "subject", "reply_expired", "答复期限"),
                TimerSpec("review", "working_days", "drill_review", "agency", "review_overdue", "审查期限",
                          remind_before="drill_remind")),
        transitions=(
            Transition("open", (NEW,), "open", "handler", "立案", Notice("drill/opened.html.j2", "立案通知书", "演", "subject"),
                       timers=(TimerEffect("start", "reply"), TimerEffect("start", "review"))),
            Transition("reply_expired", ("open",), "closed", "system", "答复期限届满，结案",
                       Notice("drill/closed.html.j2", "结案通知书", "演", "subject"), order=10),
            Transition("review_overdue", ("open",), None, "system", "审查期限届满",
                       Notice("drill/overdue.html.j2", "督办通知", "督", "approvers"), order=50),
            common.reminder("演记", states),
            *common.recomputed("演", "演记", states),
        ),
        guards={}, conditions=dict(common.CONDITIONS))
    policy = Policy("drill", {**HENAN_2023.numbers, "drill_reply": PolicyNumber(reply, "working_days", "test"),
                              "drill_review": PolicyNumber(review, "working_days", "test"),
                              "drill_remind": PolicyNumber(3, "working_days", "test")})
    return proc, policy


@pytest.fixture
def drill(db_url, tmp_path, monkeypatch):
    """`drill(reply, review)`: services whose registry holds the deployment's procedures and the drill
    (under a policy with the drill's numbers), and a drill case opened on 2 March; (services, case id)."""
    env = environment()
    monkeypatch.setattr(env, "loader", ChoiceLoader([env.loader, DictLoader(DRILL_TEMPLATES)]))
    built = []

    def install(reply: int, review: int):
        proc, policy = _drill(reply, review)
        registry = Registry([*REGISTRY.all_versions(), proc], policy=policy,
                            template_exists=lambda name: name in DRILL_TEMPLATES or template_exists(name))
        svc = make_services(db_url, tmp_path, registry=registry)
        built.append(svc)
        svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
        svc.deployment.add_user("alice", ["handler"])
        sid = svc.deployment.add_subject("李建华", "practitioner", None, PERSON_ID)["id"]
        with frozen_at(at("2026-03-02 09:00")):
            case = svc.cases.open("drill", "alice", {}, subject=sid)["case_id"]
        return svc, case

    yield install
    for svc in built:
        svc.db.dispose()


def test_several_overdue_items_of_a_case_fire_in_due_order_and_closing_cancels_the_rest(drill):
    svc, case = drill(reply=8, review=11)  # reminder 00:00 12 March, reply ends 00:00 13 March, review 00:00 18 March
    out = svc.sweep.run_once(at("2026-04-01 09:00"))  # all three are overdue after the outage
    assert [(f["trigger"], f["due_at"]) for f in out["reminded"]] == [("deadline_reminder", "2026-03-12T00:00:00+08:00")]
    assert [(f["trigger"], f["due_at"]) for f in out["fired"]] == [("reply_expired", "2026-03-13T00:00:00+08:00")]
    assert [e["trigger"] for e in svc.audit.log(case)] == ["open", "deadline_reminder", "reply_expired"]
    closing = svc.audit.log(case)[-1]
    assert {"timer": "review", "op": "stop", "last_day": "2026-03-17", "reason": "case closed"} in closing["timer_effects"]
    assert {t["name"]: t["status"] for t in svc.cases.show(case)["timers"]} == {"reply": "fired", "review": "stopped"}
    assert svc.sweep.run_once(at("2026-05-01 09:00"))["counts"] == {"fired": 0, "reminded": 0, "failed": 0, "deferred": 0}


def test_at_the_same_instant_the_declared_order_decides(drill):
    svc, case = drill(reply=7, review=11)
    with svc.uow() as uow:
        rows = {r.name: r for r in uow.conn.execute(select(timers).where(timers.c.case_id == case))}
    assert rows["review"].remind_at == rows["reply"].ends_at  # both due at 00:00 on 12 March
    out = svc.sweep.run_once(at("2026-03-12 00:00"))
    assert [f["trigger"] for f in out["fired"]] == ["reply_expired"] and out["reminded"] == []
    assert [e["trigger"] for e in svc.audit.log(case)] == ["open", "reply_expired"]  # the reminder never fired


# -- incidents ---------------------------------------------------------------------------------------------


def _due_evaluations(svc, n: int, year: int = 2025) -> list[int]:
    out = []
    for i in range(n):
        sid = _institution(svc, i)
        with frozen_at(at("2026-02-06 09:00")):
            out.append(publish(svc, str(sid), year, "80", "alice")["case_id"])
    return out


def test_a_failing_timer_becomes_an_incident_and_the_others_fire(svc, monkeypatch):
    import workflows.engine.core as engine_module

    cases = _due_evaluations(svc, 3)
    bad = cases[1]
    real_render = engine_module.render

    def render(template, context):
        if context["case"]["id"] == bad and template.startswith("evaluation/finalized"):
            raise RuntimeError("模板服务器不可用（测试）")
        return real_render(template, context)

    monkeypatch.setattr(engine_module, "render", render)
    out = svc.sweep.run_once(at("2026-03-06 00:00"))
    assert sorted(f["case_id"] for f in out["fired"]) == [cases[0], cases[2]]
    assert [(f["case_id"], f["code"]) for f in out["failed"]] == [(bad, "RuntimeError")]
    assert out["incidents"] == 1
    assert svc.cases.show(bad)["state"] == "published"  # rolled back: nothing half-written
    [incident] = svc.sweep.list_incidents()
    assert incident["case_id"] == bad and incident["attempts"] == 1 and "模板服务器不可用" in incident["message"]
    first_retry = datetime.fromisoformat(incident["next_attempt_at"])
    assert first_retry - datetime.fromisoformat(incident["last_failed_at"]) == timedelta(minutes=1)

    assert svc.sweep.run_once(at("2026-03-06 00:10"))["counts"]["failed"] == 0  # in back-off: not retried yet
    assert svc.sweep.list_incidents()[0]["attempts"] == 1

    again = svc.sweep.retry_incident(incident["id"])  # still failing: the back-off doubles
    assert again["incident"]["status"] == "open" and again["incident"]["attempts"] == 2
    assert datetime.fromisoformat(again["incident"]["next_attempt_at"]) - \
        datetime.fromisoformat(again["incident"]["last_failed_at"]) == timedelta(minutes=2)

    monkeypatch.setattr(engine_module, "render", real_render)  # the fault is repaired
    done = svc.sweep.retry_incident(incident["id"])
    assert done["incident"]["status"] == "resolved" and done["counts"]["fired"] == 1
    assert svc.sweep.list_incidents() == [] and len(svc.sweep.list_incidents(include_resolved=True)) == 1
    assert [e["trigger"] for e in svc.audit.log(bad)] == ["publish", "window_expired"]
    assert svc.audit.verify()["ok"]


def test_backed_off_incidents_are_retried_by_a_later_sweep(svc, monkeypatch):
    import workflows.engine.core as engine_module

    [case] = _due_evaluations(svc, 1)
    real_render = engine_module.render
    monkeypatch.setattr(engine_module, "render", lambda *a: (_ for _ in ()).throw(OSError("磁盘已满（测试）")))
    assert svc.sweep.run_once(at("2026-03-06 00:00"))["counts"]["failed"] == 1
    monkeypatch.setattr(engine_module, "render", real_render)
    with svc.uow() as uow:  # the back-off has passed
        uow.conn.execute(update(incidents).values(next_attempt_at=clock.real_now() - timedelta(seconds=1)))
        uow.commit()
    out = svc.sweep.run_once(at("2026-03-06 00:05"))
    assert [f["case_id"] for f in out["fired"]] == [case]
    assert svc.sweep.list_incidents(include_resolved=True)[0]["resolution"] == "fired by a later sweep"


def test_an_incident_on_a_timer_a_person_stopped_is_closed(svc, monkeypatch):
    import workflows.engine.core as engine_module

    _, obj = _objection(svc)
    real_render = engine_module.render
    monkeypatch.setattr(engine_module, "render", lambda t, c: (_ for _ in ()).throw(RuntimeError("x"))
                        if t.startswith("common/deadline_reminder") else real_render(t, c))
    assert svc.sweep.run_once(at("2026-03-19 08:00"))["counts"]["failed"] == 1
    with frozen_at(at("2026-03-19 10:00")):
        svc.cases.act(obj, "withdraw", "alice", {"statement": "申请人书面撤回"})
    svc.sweep.run_once(at("2026-03-19 11:00"))
    [incident] = svc.sweep.list_incidents(include_resolved=True)
    assert incident["status"] == "resolved" and incident["resolution"] == "timer no longer due"


def test_incident_commands_refuse_bad_input(svc):
    from workflows.errors import BadInput

    with pytest.raises(BadInput, match="没有编号为 99 的异常事件"):
        svc.sweep.retry_incident(99)


# -- several sweepers ---------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_two_concurrent_sweeps_on_postgresql_never_fire_a_timer_twice(pg_url, tmp_path):
    from workflows.store.db import make_engine

    svc = make_services(pg_url, tmp_path)
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    sweepers = [type(svc)(make_engine(pg_url), svc.settings) for _ in range(2)]
    subjects = [_institution(svc, i) for i in range(40)]
    for round_ in range(6):
        year = 2019 + round_
        with frozen_at(at("2026-02-06 09:00")):
            for sid in subjects:
                publish(svc, str(sid), year, "80", "alice")
        results, errors = [], []

        def run(s):
            try:
                results.append(s.sweep.run_once(at("2026-03-06 00:00"), batch=7))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(s,)) for s in sweepers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors
        assert sum(r["counts"]["fired"] for r in results) == len(subjects)
        assert [r["counts"]["failed"] for r in results] == [0, 0]  # no stale read of a timer the other fired
        assert svc.sweep.list_incidents(include_resolved=True) == []
        with svc.uow() as uow:
            fired = uow.conn.execute(select(transitions.c.case_id).where(transitions.c.trigger == "window_expired")).all()
        assert len(fired) == len(set(fired)) == len(subjects) * (round_ + 1)
    for s in sweepers:
        s.db.dispose()
    svc.db.dispose()


def test_on_sqlite_one_sweeper_at_a_time(tmp_path):
    svc = make_services(f"sqlite:///{tmp_path / 'creditflow.db'}", tmp_path)
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    [case] = _due_evaluations(svc, 1)
    assert svc.sweep._take_lease("other-host:4242") is None
    out = svc.sweep.run_once(at("2026-03-06 00:00"))
    assert "另一次扫描正在进行（other-host:4242" in out["skipped"] and out["fired"] == []
    with svc.uow() as uow:  # the other sweeper died: its lease runs out
        uow.conn.execute(update(sweep_leases).values(expires_at=clock.real_now() - timedelta(seconds=1)))
        uow.commit()
    assert [f["case_id"] for f in svc.sweep.run_once(at("2026-03-06 00:00"))["fired"]] == [case]
    with svc.uow() as uow:
        assert uow.conn.execute(select(sweep_leases)).all() == []  # released at the end
    svc.db.dispose()


# -- new calendar data ----------------------------------------------------------------------------------------


def test_new_calendar_data_moves_provisional_deadlines_once(svc, tmp_path):
    sid = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"]
    with frozen_at(at("2026-12-15 09:00")):
        ev = publish(svc, str(sid), 2025, "72", "alice")["case_id"]
    before = svc.cases.show(ev)["timers"][0]
    assert before["last_day"] == "2027-01-06" and before["provisional"] is True
    assert svc.sweep.recompute_deadlines()["moved"] == []  # same calendar: nothing to do

    path = tmp_path / "calendar-2027.toml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    with frozen_at(at("2026-12-18 09:00")):
        out = svc.sweep.reload_calendar(str(path))
    [moved] = out["moved"]
    assert (moved["case_id"], moved["old_last_day"], moved["new_last_day"]) == (ev, "2027-01-06", "2027-01-07")
    after = svc.cases.show(ev)["timers"][0]
    assert after["last_day"] == "2027-01-07" and after["provisional"] is False
    assert after["calendar_version"] == out["calendar_version"] != before["calendar_version"]
    entry = svc.audit.log(ev)[-1]
    assert entry["trigger"] == "deadline_recomputed" and entry["actor"] == "system"
    effect = entry["timer_effects"][0]
    assert (effect["op"], effect["last_day_before"], effect["last_day"]) == ("recomputed", "2027-01-06", "2027-01-07")
    assert effect["calendar_version_before"] == before["calendar_version"]
    notice = svc.documents.show(entry["notice_number"])
    assert notice["audience"] == "subject" and "2027年1月7日" in notice["text"] and "2027年1月6日" in notice["text"]
    assert str(tmp_path) not in notice["text"]  # the override file's path is not the addressee's business
    assert svc.sweep.reload_calendar(str(path))["moved"] == []  # idempotent
    assert svc.audit.verify()["ok"]
