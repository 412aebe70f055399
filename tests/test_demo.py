"""`fill_demo` and `creditflow demo`: the labelled demo bureau, dated on the working calendar (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from calendars import SHANGHAI
from conftest import HOSPITAL_USCC, at, make_services
from states import PROCEDURES, REGISTRY
from states.identifiers import validate_subject
from workflows.clock import frozen_at
from workflows.demo import SUBJECTS, USERS, Stage, fill_demo, org_code_check, working_days_back
from workflows.errors import BadInput, CreditflowError
from workflows.store.tables import cases, notices, subjects, timers, transitions, users

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]
TABLES = (cases, transitions, notices, timers, subjects, users)


@pytest.fixture
def fresh(db_url, tmp_path):
    """Services on an empty database (no schema yet)."""
    s = make_services(db_url, tmp_path)
    yield s
    s.db.dispose()


def counts(svc) -> tuple:
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def test_identifiers_are_generated_with_their_check_characters():
    assert org_code_check(HOSPITAL_USCC[8:16]) == HOSPITAL_USCC[16]  # the GB 32100 example's organization code
    seen = set()
    for subj in SUBJECTS:
        kind, identifier = validate_subject(subj.type, subj.uscc, subj.id_number, today=date(2026, 3, 10))
        if kind == "uscc":
            assert org_code_check(identifier[8:16]) == identifier[16]
        division = identifier[2:8] if kind == "uscc" else identifier[:6]
        assert division == "419900"
        seen.add(identifier)
    assert len(seen) == len(SUBJECTS)
    assert {"hospital", "pharmacy", "employer", "practitioner", "insured"} <= {s.type for s in SUBJECTS}


def test_demo_bureau_has_every_state_and_a_verified_audit_trail(fresh):
    with frozen_at(at("2026-03-10 12:00")):  # today defaults to the clock's day
        out = fill_demo(fresh)
    assert out["today"] == "2026-03-10" and out["demo"] is True
    assert "演示" in out["department"]["department_name"] and out["department"]["number_prefix"] == "示医保"

    # Every registered procedure played its scene, and every state of every procedure is reached.
    assert out["scenes"] == list(REGISTRY.scenes) == list(REGISTRY.kinds)
    assert list(out["cases"]["by_kind"]) == list(REGISTRY.kinds)
    for proc in REGISTRY.procedures():
        by_state = out["cases"]["by_kind"][proc.kind]
        assert list(by_state) == [s.name for s in proc.states]
        assert all(n >= 1 for n in by_state.values()), (proc.kind, by_state)
        for state, n in by_state.items():  # the summary tells the truth about the store
            assert len(fresh.cases.list(kind=proc.kind, state=state)) == n
    assert sum(n for states in out["cases"]["by_kind"].values() for n in states.values()) == out["cases"]["total"]
    assert out["cases"]["total"] == counts(fresh)[0]
    assert sorted(s["identifier"] for s in fresh.deployment.list_subjects()) == sorted(s.uscc or s.id_number for s in SUBJECTS)
    assert {u["name"] for u in fresh.deployment.list_users()} == {u[0] for u in USERS} | {"system"}

    report = fresh.audit.verify()
    assert report["ok"], report["first_break"]
    assert report["checked"]["notices"] == out["notices"] > 0

    # People acted on working days, all before today; only the timers (system) act at midnight.
    cal = fresh.engine.calendar
    with fresh.db.connect() as conn:
        log = conn.execute(select(transitions.c.actor, transitions.c.effective_at, transitions.c.clock_overridden)).all()
    assert all(r.effective_at < start_of(date(2026, 3, 10)) for r in log)
    people = [r for r in log if r.actor != "system"]
    assert people and all(cal.is_working_day(r.effective_at.astimezone(SHANGHAI).date()) for r in people)
    assert all(r.clock_overridden for r in people)

    # The upheld objections corrected their evaluation (in whole or in part) or their archive entry; the
    # flagged one issued a 督办 notice to approvers.
    upheld = [c for c in fresh.cases.list(kind="objection", state="upheld") if c["parent"]]
    assert len(upheld) == 1
    evaluation = fresh.cases.show(upheld[0]["parent"])
    assert (evaluation["state"], evaluation["grade"], evaluation["score"]) == ("final", "B", "82.00")
    partial = fresh.cases.list(kind="objection", state="partially_upheld")[0]
    assert (fresh.cases.show(partial["parent"])["grade"], fresh.cases.show(partial["parent"])["score"]) == ("C", "73.00")
    on_entries = [fresh.cases.show(c["id"]) for c in fresh.cases.list(kind="objection", state="upheld")
                  if not c["parent"]]
    assert len(on_entries) == 2 and all(o["entry"] for o in on_entries)
    triggers = {e["trigger"] for o in on_entries for e in fresh.audit.log(o["id"])}
    assert {"propose_correction", "propose_withdrawal"} <= triggers
    archive = {e["id"]: e for o in on_entries for e in fresh.deployment.show_subject(str(o["subject_id"]))["archive"]}
    assert {bool(archive[o["entry"]]["superseded_by"]) for o in on_entries} == {True, False}  # corrected, withdrawn
    assert not any(archive[o["entry"]]["in_use"] for o in on_entries)
    pending = fresh.cases.show(fresh.cases.list(kind="objection", state="partial_proposed")[0]["id"])
    assert pending["entry"] and "disputed" in next(
        e for e in fresh.deployment.show_subject(str(pending["subject_id"]))["archive"]
        if e["id"] == pending["entry"])["statuses"]
    # A person's result waits for service: one served (its window ran from that day), one not yet.
    published = [fresh.cases.show(c["id"]) for c in fresh.cases.list(kind="evaluation", state="published")]
    served = [c for c in published if c["data"].get("result_served_on")]
    waiting = [c for c in published if c["data"].get("window_from_service") and not c["timers"]]
    assert served and served[0]["timers"][0]["name"] == "objection_window"
    assert waiting and "尚未起算" in waiting[0]["objection_window"]
    # A fraud case decided to go to the police has its transfer open, listed under it; a penalty that became final
    # opened the subject's 失信 record by itself (states/penalty_decision.py, Henan measure Art. 10).
    transfer_final = REGISTRY.procedure("transfer").final_states
    open_transfers = [k for c in fresh.cases.list(kind="fraud", state="decided")
                      for k in fresh.cases.show(c["id"])["children"]
                      if k["kind"] == "transfer" and k["state"] not in transfer_final]
    assert open_transfers
    finals = [fresh.cases.show(c["id"]) for c in fresh.cases.list(kind="penalty_decision", state="final")]
    assert finals and all(any(k["kind"] == "record" and k["relation"] == "linked" for k in p["children"])
                          for p in finals)
    flagged = [o for o in out["overdue"] if o["flagged"]]
    assert flagged and all(fresh.cases.show(o["case_id"])["overdue"] for o in flagged)
    titles = {"objection": "异议处理超期督办通知", "repair": "信用修复处理超期督办通知",
              "rectification": "约谈情况逾期未登记督办提示", "transfer": "涉嫌犯罪案件移送期限届满督办提示"}
    # an objection, a repair decision, an interview, the police's review of a transfer: each 督办
    assert {o["kind"] for o in flagged} == set(titles)
    for o in flagged:
        assert any(n["title"] == titles[o["kind"]] for n in fresh.cases.show(o["case_id"])["notices"])


# today -> (last day due soon, last day of the timers due for the sweep, last day of the flagged one): the clocks in
# working days (evaluation, objection, repair, rectification)
DATES = {
    "2026-03-10": ("2026-03-12", "2026-03-09", "2026-03-02"),  # an ordinary Tuesday
    "2026-02-24": ("2026-02-26", "2026-02-14", "2026-02-09"),  # first working day after the Spring Festival
    "2026-02-17": ("2026-02-25", "2026-02-13", "2026-02-06"),  # inside it (holiday 02-15..02-23; 02-14 worked)
}
# today -> the transfers' clocks (timer, last day) due soon, due for the sweep, flagged. Order 310 counts calendar days
# (the start day not counted, a last day on a rest day or holiday moved to the next working day) and 24 hours from the
# instant, which no holiday moves. The five 3-day periods start on W(1) (states/transfer_scene.py); the approval of
# W(1) 16:30 gives 24 hours to send; the police received a case on W(10) and their 3 days ran out before the sweep of
# W(3) 00:05 (02-28 and 02-14 are make-up working days).
THREE_DAYS = ("approval", "reconsideration_request", "reconsideration_answer", "procuratorate_request", "handover")
TRANSFER_DATES = {
    # W(1) 03-09 (Mon) + 3 = 03-12; 03-09 16:30 + 24 h = today 16:30; W(10) 02-25 + 3 = 02-28
    "2026-03-10": ({(t, "2026-03-12") for t in THREE_DAYS} | {("transfer", "2026-03-10")}, set(),
                   {("police_review", "2026-02-28")}),
    # W(1) 02-14 + 3 = 02-17, a holiday: 02-24; 02-14 16:30 + 24 h = 02-15, not moved; W(10) 02-03 + 3 = 02-06
    "2026-02-24": ({(t, "2026-02-24") for t in THREE_DAYS}, {("transfer", "2026-02-15")},
                   {("police_review", "2026-02-06")}),
    # W(1) 02-13 + 3 = 02-16, a holiday: 02-24; 02-13 16:30 + 24 h = 02-14; W(10) 02-02 + 3 = 02-05
    "2026-02-17": ({(t, "2026-02-24") for t in THREE_DAYS}, {("transfer", "2026-02-14")},
                   {("police_review", "2026-02-05")}),
}


def by_calendar(entries: list, transfers: bool) -> list:
    """The summary's timers of the transfers (Order 310's calendar days and hours) or of the other kinds."""
    return [t for t in entries if (t["kind"] == "transfer") == transfers]


def transfer_clocks(entries: list) -> set:
    return {(t["timer"], t["last_day"]) for t in by_calendar(entries, True)}


@pytest.mark.parametrize("today", DATES)
def test_clocks_due_soon_and_overdue_are_counted_on_the_working_calendar(fresh, today):
    today = date.fromisoformat(today)
    soon_day, sweep_day, flagged_day = DATES[today.isoformat()]
    transfer_soon, transfer_due, transfer_flagged = TRANSFER_DATES[today.isoformat()]
    out = fill_demo(fresh, today)
    cal = fresh.engine.calendar
    limit = cal.nth_working_day_after(today, 3)

    assert out["due_soon"], out
    assert {t["last_day"] for t in by_calendar(out["due_soon"], False)} == {soon_day}
    assert {t["kind"] for t in out["due_soon"]} == {"evaluation", "objection", "transfer"}
    assert transfer_clocks(out["due_soon"]) == transfer_soon
    for t in out["due_soon"]:
        assert today <= date.fromisoformat(t["last_day"]) <= limit
    morning = datetime.combine(today, time(8), tzinfo=SHANGHAI)
    with frozen_at(morning):
        listed = {c["id"] for c in fresh.cases.list(due_within=3)}
    assert {t["case_id"] for t in out["due_soon"]} <= listed

    due = [t for t in out["overdue"] if t["due_for_sweep"]]
    flagged = [t for t in out["overdue"] if t["flagged"]]
    assert {t["last_day"] for t in by_calendar(due, False)} == {sweep_day}
    assert {t["last_day"] for t in by_calendar(flagged, False)} == {flagged_day}
    assert {(t["kind"], t["timer"]) for t in by_calendar(due, False)} == {("evaluation", "objection_window"),
                                                                         ("objection", "handling")}
    assert transfer_clocks(due) == transfer_due and transfer_clocks(flagged) == transfer_flagged
    assert not any(fresh.cases.show(t["case_id"])["overdue"] for t in due)  # left for the sweep
    expired = next(t for t in due if t["kind"] == "evaluation")
    assert fresh.cases.show(expired["case_id"])["state"] == "published"

    # The caller's sweep fires exactly the timers reported due, and nothing else.
    def fired() -> set:
        with fresh.db.connect() as conn:
            return {(r.case_id, r.name) for r in conn.execute(select(timers).where(timers.c.status == "fired"))}

    before = fired()
    fresh.sweep.run_once(morning)
    assert fired() - before == {(t["case_id"], t["timer"]) for t in due}
    assert fresh.cases.show(expired["case_id"])["state"] == "final"
    late = next(t for t in due if t["kind"] == "objection")
    assert fresh.cases.show(late["case_id"])["overdue"] is True
    for t in by_calendar(due, True):  # 24 hours to send ran out over the holiday: flagged, still to be sent
        shown = fresh.cases.show(t["case_id"])
        assert (shown["overdue"], shown["state"]) == (True, "approved")
        assert any(n["title"] == "涉嫌犯罪案件移送期限届满督办提示" for n in shown["notices"])
    assert fresh.audit.verify()["ok"]


def test_scenes_are_pure_and_plan_only(fresh):
    """A scene lives beside its declaration in states/, imports nothing of the shell, and only plans: nothing
    runs until every scene has planned, and a step after today, outside `at`, or of an unknown kind is refused."""
    import importlib
    import inspect as pyinspect
    import re

    for kind, scene in REGISTRY.scenes.items():
        module = importlib.import_module(scene.__module__)
        assert module.__name__.startswith("states.") and module.SCENE is scene
        source = pyinspect.getsource(module)
        assert not re.search(r"^\s*(from|import)\s+(workflows|sqlalchemy)", source, re.M), kind
    stage = Stage(fresh, date(2026, 3, 10), {})
    for scene in REGISTRY.scenes.values():
        with pytest.raises(CreditflowError, match="no subject"):  # the cast is empty: planning fails, nothing ran
            scene(stage)
    with pytest.raises(CreditflowError, match="not before today"):
        with stage.at(start_of(date(2026, 3, 10))):
            pass
    with pytest.raises(CreditflowError, match="inside"):
        stage.serve("示医保信评〔2026〕1号", "direct", date(2026, 3, 9), "zhangmin")
    with stage.at(1, "09:00"), pytest.raises(CreditflowError, match="no registered procedure"):
        stage.open("parking", "zhangmin", {})


def test_working_days_back_skips_the_spring_festival(cal):
    ladder = working_days_back(cal, date(2026, 2, 24), 3)
    assert ladder == [date(2026, 2, 24), date(2026, 2, 14), date(2026, 2, 13), date(2026, 2, 12)]
    assert working_days_back(cal, date(2026, 2, 22), 0) == [date(2026, 2, 14)]


def test_a_second_fill_is_refused_and_changes_nothing(fresh):
    fill_demo(fresh, date(2026, 3, 10))
    before = counts(fresh)
    with pytest.raises(BadInput) as info:
        fill_demo(fresh, date(2026, 3, 11))
    assert info.value.code == "not_empty" and "nothing was changed" in info.value.message
    assert counts(fresh) == before


@pytest.mark.parametrize("existing", ["subject", "user"])
def test_a_database_in_use_is_refused_before_init(fresh, existing):
    fresh.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    if existing == "subject":
        fresh.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    else:
        fresh.deployment.add_user("zhaolei", ["handler"])  # a real user of that name, without the demo's auditor role
    before = counts(fresh)
    with pytest.raises(BadInput) as info:
        fill_demo(fresh, date(2026, 3, 10))
    assert info.value.code == "not_empty"
    assert counts(fresh) == before
    assert fresh.deployment.init()["deployment"]["department_name"] == "郑州市医疗保障局"  # not relabelled


def test_cli_demo(db_url, tmp_path):
    env = {**os.environ, "CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_DATABASE_URL": db_url}
    r = subprocess.run(CLI + ["demo", "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["cases"]["by_kind"]["objection"]) == {s.name for s in PROCEDURES["objection"].states}
    assert out["due_soon"] and out["overdue"] and out["department"]["department_name"] == "示例市医疗保障局（演示数据）"

    again = subprocess.run(CLI + ["demo", "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 2 and json.loads(again.stdout)["error"]["code"] == "not_empty"

    text_home = tmp_path / "text"
    env_text = {**env, "CREDITFLOW_HOME": str(text_home), "CREDITFLOW_DATABASE_URL": f"sqlite:///{text_home / 'c.db'}"}
    text_home.mkdir()
    r = subprocess.run(CLI + ["demo"], capture_output=True, text=True, env=env_text, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "示例市医疗保障局（演示数据）" in r.stdout and "overdue" in r.stdout and "due within 3 working days" in r.stdout
