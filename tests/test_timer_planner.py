"""The timer planner (states/timers.py), pure: no database, no clock. Dates around the 2026 Spring Festival
(2026-02-15..23 off; Saturdays 02-14 and 02-28 are working days)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars import SHANGHAI, Clock, WorkingCalendar, parse_overrides
from calendars.periods import RULE_DAYS, RULE_MONTHS, RULE_WORKING_DAYS
from states.spec import NEW, Input, Notice, Policy, PolicyNumber, Procedure, State, TimerEffect, TimerSpec, Transition
from states.timers import (
    NOT_RUNNING_ARTICLE,
    TimerGone,
    TimerInsert,
    TimerNotRunning,
    TimerPlan,
    TimerState,
    TimerUpdate,
    plan_timers,
    remind_at,
    timer_period,
)

CAL = WorkingCalendar()
SUSPENDED = "; suspension per Henan measure Art. 26"
PATCH_2026 = """
[[year]]
year = 2026
notice = "某市临时调整（测试）"
days_off = [ { date = 2026-03-03, name = "临时休息日" } ]
"""

_NOTICE = Notice("drill/any.html.j2", "通知书", "演", "subject")
_STATES = (State("open", "办理中"), State("closed", "已结案", final=True))
PROC = Procedure(
    kind="drill", version=1, label="演练程序", states=_STATES, initial="open",
    timers=(TimerSpec("handling", "working_days", "drill_handling", "agency", "handling_overdue", "办理期限",
                      remind_before="drill_remind"),
            TimerSpec("reply", "working_days", "drill_reply", "subject", "reply_expired", "答复期限"),
            TimerSpec("notice_period", "days", "drill_days", "subject", "notice_expired", "公告期"),
            TimerSpec("disclosure", "months", "drill_months", "subject", "disclosure_ended", "公开期限")),
    transitions=(
        Transition("open", (NEW,), "open", "handler", "立案", _NOTICE, timers=(TimerEffect("start", "handling"),)),
        Transition("extend", ("open",), None, "approver", "延长办理期限", _NOTICE,
                   timers=(TimerEffect("extend", "handling", amount="drill_extension"),)),
    ),
    guards={})
# The Chinese label a suspension records comes from the transition's declared `reason` choice.
_REASON = Input("reason", "choice", required=False, choices=("expert_review",),
                choice_labels=(("expert_review", "专家评审"),))
POLICY = Policy("drill", {
    "drill_handling": PolicyNumber(15, "working_days", "test: 15 working days to handle"),
    "drill_reply": PolicyNumber(5, "working_days", "test: 5 working days to reply"),
    "drill_days": PolicyNumber(10, "days", "test: 10 days"),
    "drill_months": PolicyNumber(6, "months", "test: 6 months"),
    "drill_remind": PolicyNumber(3, "working_days", "test: remind 3 working days before"),
    "drill_extension": PolicyNumber(10, "working_days", "test: extend once by 10 working days"),
})
SOURCE = {t.name: POLICY.source(t.amount) for t in PROC.timers}


def d(text: str) -> date:
    return date.fromisoformat(text)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def midnight(day: str) -> datetime:
    return datetime.combine(d(day), time(0), tzinfo=SHANGHAI)


def tr(*effects: TimerEffect, label: str = "办理") -> Transition:
    return Transition("act", ("open",), None, "handler", label, _NOTICE, timers=effects, inputs=(_REASON,))


def plan(*effects, existing=(), inputs=None, today="2026-02-06", calendar=CAL, transition=None, **kw) -> TimerPlan:
    today_ = d(today)
    return plan_timers(PROC, transition or tr(*effects), {t.name: t for t in existing}, inputs or {},
                       today=today_, now=kw.pop("now", datetime.combine(today_, time(9), tzinfo=SHANGHAI)),
                       calendar=calendar, policy=POLICY, **kw)


def stored(name="handling", start="2026-02-06", *, id=1, status="running", calendar=CAL, clock=None,
           reminded_for=None, fired_at=None, as_of=None) -> TimerState:
    """A stored timer as the engine would have left it (its period computed by `calendar`)."""
    spec = PROC.timer(name)
    if clock is None:
        clock = Clock.started(d(start), POLICY[spec.amount]).to_dict() if spec.unit == "working_days" else \
            {"start": start, "amount": POLICY[spec.amount]}
    period = timer_period(calendar, spec.unit, clock, d(as_of or start))
    return TimerState(id, name, spec.unit, status, clock, period.start, period.last_day, period.ends_at,
                      period.provisional, fired_at,
                      remind_at(spec, status, period, reminded_for, calendar=calendar, policy=POLICY),
                      reminded_for, calendar.version)


def only(p: TimerPlan):
    assert len(p.changes) == 1 and len(p.log) == 1, (p.changes, p.log)
    return p.changes[0], p.log[0]


# -- start ---------------------------------------------------------------------------------------------


def test_start_anchored_today_counts_15_working_days_across_the_spring_festival():
    now = instant("2026-02-06 09:00")
    p = plan(TimerEffect("start", "handling"), now=now)
    change, entry = only(p)
    assert isinstance(change, TimerInsert) and change.name == "handling"
    clock = {"start": "2026-02-06", "working_days": 15, "suspensions": [], "extensions": []}
    assert change.values == {
        "name": "handling", "side": "agency", "on_expiry": "handling_overdue", "unit": "working_days",
        "status": "running", "clock": clock, "start_day": d("2026-02-06"), "last_day": d("2026-03-05"),
        "ends_at": midnight("2026-03-06"), "provisional": False, "calendar_version": CAL.version, "updated_at": now,
        "fired_at": None, "remind_at": midnight("2026-03-02"), "reminded_for": None}
    assert list(change.values) == ["name", "side", "on_expiry", "unit", "status", "clock", "start_day", "last_day",
                                   "ends_at", "provisional", "calendar_version", "updated_at", "fired_at",
                                   "remind_at", "reminded_for"]  # the INSERT's columns, in the engine's order
    assert entry == {"timer": "handling", "op": "start", "last_day_before": None, "last_day": "2026-03-05",
                     "ends_at": "2026-03-06T00:00:00+08:00", "provisional": False,
                     "rule": f"{RULE_WORKING_DAYS}; test: 15 working days to handle"}
    after = p.timers["handling"]
    assert (after.id, after.status, after.last_day, after.remind_at, dict(after.clock)) == (
        None, "running", d("2026-03-05"), midnight("2026-03-02"), clock)


def test_start_anchored_on_an_input_day():
    # received on Friday 02-13: Saturday 02-14 is a working day, then the festival, then 02-24..27
    p = plan(TimerEffect("start", "reply", anchor="received"), inputs={"received": d("2026-02-13")},
             today="2026-02-25")
    change, entry = only(p)
    assert change.values["clock"]["start"] == "2026-02-13" and change.values["start_day"] == d("2026-02-13")
    assert change.values["last_day"] == d("2026-02-27") and change.values["remind_at"] is None  # no reminder declared
    assert entry["last_day"] == "2026-02-27" and entry["rule"].endswith("test: 5 working days to reply")


@pytest.mark.parametrize("name,start,last,rule,clock", [
    ("handling", "2026-02-06", "2026-03-05", RULE_WORKING_DAYS,
     {"start": "2026-02-06", "working_days": 15, "suspensions": [], "extensions": []}),
    ("notice_period", "2026-02-06", "2026-02-24", RULE_DAYS,  # 02-16 is in the festival: moved to 02-24
     {"start": "2026-02-06", "amount": 10}),
    ("disclosure", "2025-08-31", "2026-02-28", RULE_MONTHS,  # no 31 February: the month's last day
     {"start": "2025-08-31", "amount": 6}),
])
def test_each_unit_starts_stops_and_restores(name, start, last, rule, clock):
    started = plan(TimerEffect("start", name, anchor="on"), inputs={"on": d(start)}, today="2026-02-06")
    change, entry = only(started)
    assert change.values["clock"] == clock and change.values["unit"] == PROC.timer(name).unit
    assert change.values["last_day"] == d(last) and change.values["ends_at"] == midnight(last) + timedelta(days=1)
    assert entry["rule"] == f"{rule}; {SOURCE[name]}"
    timer = stored(name, start, id=4)
    assert timer.last_day == d(last)

    stopped = plan(TimerEffect("stop", name), existing=[timer], today="2026-02-10")
    change, entry = only(stopped)
    assert isinstance(change, TimerUpdate) and change.name == name
    assert (change.values["status"], change.values["last_day"], change.values["remind_at"]) == ("stopped", d(last), None)
    assert change.values["clock"] == clock
    assert (entry["op"], entry["last_day_before"], entry["last_day"]) == ("stop", last, last)

    restored = plan(TimerEffect("restore", name), existing=[stopped.timers[name]], today="2026-02-12")
    change, entry = only(restored)
    assert (change.values["status"], change.values["last_day"], change.values["clock"]) == ("running", d(last), clock)
    assert (entry["op"], entry["last_day_before"], entry["last_day"]) == ("restore", last, last)
    assert restored.timers[name].id == 4


def test_a_second_start_restarts_the_clock_and_forgets_the_reminder():
    old = stored(start="2026-01-05", reminded_for=d("2026-01-26"))
    p = plan(TimerEffect("start", "handling"), existing=[old], today="2026-02-06")
    change, entry = only(p)
    assert isinstance(change, TimerUpdate) and change.values["reminded_for"] is None
    assert change.values["remind_at"] == midnight("2026-03-02") and entry["last_day_before"] == old.last_day.isoformat()


# -- stop, suspend, resume, extend, restore ------------------------------------------------------------------


def test_stop_of_a_timer_not_running_does_nothing():
    for timer in (stored(status="stopped"), stored(status="fired")):
        p = plan(TimerEffect("stop", "handling"), existing=[timer], today="2026-02-10")
        assert p.changes == () and p.log == () and p.timers == {"handling": timer}
    assert plan(TimerEffect("stop", "handling")).changes == ()  # never started


def test_suspend_pauses_the_clock_and_its_reminder():
    timer = stored()
    p = plan(TimerEffect("suspend", "handling"), existing=[timer], inputs={"reason": "expert_review"},
             today="2026-02-13")
    change, entry = only(p)
    assert change.values["status"] == "suspended" and change.values["remind_at"] is None
    assert change.values["clock"]["suspensions"] == [{"start": "2026-02-13", "resumed": None, "reason": "专家评审"}]
    # while suspended, the earliest last day: the suspension day itself does not count
    assert change.values["last_day"] == d("2026-03-06")
    assert entry == {"timer": "handling", "op": "suspend", "last_day_before": "2026-03-05", "last_day": "2026-03-06",
                     "ends_at": "2026-03-07T00:00:00+08:00", "provisional": False,
                     "rule": f"{RULE_WORKING_DAYS}{SUSPENDED}; test: 15 working days to handle"}
    # a reason the procedure does not name is kept as given; none at all reads 中止
    other = plan(TimerEffect("suspend", "handling"), existing=[timer], inputs={"reason": "检验"}, today="2026-02-13")
    assert other.changes[0].values["clock"]["suspensions"][0]["reason"] == "检验"
    bare = plan(TimerEffect("suspend", "handling"), existing=[timer], today="2026-02-13")
    assert bare.changes[0].values["clock"]["suspensions"][0]["reason"] == "中止"


def test_resume_moves_the_last_day_by_the_working_days_suspended():
    suspended = plan(TimerEffect("suspend", "handling"), existing=[stored()], inputs={"reason": "expert_review"},
                     today="2026-02-13").timers["handling"]
    p = plan(TimerEffect("resume", "handling"), existing=[suspended], today="2026-02-25")
    change, entry = only(p)
    # [02-13, 02-25): Friday 13, Saturday 14 (a working day) and Tuesday 24: three working days
    assert (change.values["status"], change.values["last_day"]) == ("running", d("2026-03-10"))
    assert change.values["clock"]["suspensions"][0]["resumed"] == "2026-02-25"
    assert change.values["remind_at"] == midnight("2026-03-05")
    assert (entry["op"], entry["last_day_before"], entry["last_day"]) == ("resume", "2026-03-06", "2026-03-10")


def test_extend_adds_the_policy_number_of_working_days():
    extend = PROC.transitions[1]
    p = plan(existing=[stored()], transition=extend, today="2026-02-25")
    change, entry = only(p)
    assert change.values["clock"]["extensions"] == [{"working_days": 10, "on": "2026-02-25", "reason": "延长办理期限"}]
    assert change.values["last_day"] == d("2026-03-19") and change.values["status"] == "running"
    assert entry["op"] == "extend" and (entry["last_day_before"], entry["last_day"]) == ("2026-03-05", "2026-03-19")
    with_reason = plan(existing=[stored()], transition=extend, today="2026-02-25", inputs={"reason": "案情复杂"})
    assert with_reason.changes[0].values["clock"]["extensions"][0]["reason"] == "案情复杂"


def test_restore_of_a_fired_running_or_missing_timer_does_nothing():
    for existing in ([stored(status="fired")], [stored()], []):
        p = plan(TimerEffect("restore", "handling"), existing=existing, today="2026-02-12")
        assert p.changes == () and p.log == ()


def test_restore_keeps_the_reminder_already_sent_for_the_same_deadline():
    stopped = stored(status="stopped", reminded_for=d("2026-03-05"))
    change, _ = only(plan(TimerEffect("restore", "handling"), existing=[stopped], today="2026-03-03"))
    assert change.values["reminded_for"] == d("2026-03-05") and change.values["remind_at"] is None


@pytest.mark.parametrize("op", ["suspend", "resume", "extend"])
@pytest.mark.parametrize("status", ["stopped", "fired", None])
def test_only_a_running_clock_is_suspended_resumed_or_extended(op, status):
    existing = [] if status is None else [stored(status=status)]
    with pytest.raises(TimerNotRunning) as info:
        plan(TimerEffect(op, "handling", amount="drill_extension"), existing=existing, today="2026-02-25")
    label = {"suspend": "中止", "resume": "恢复", "extend": "延长"}[op]
    assert info.value.message == f"期限 handling 未在计算中，不能{label}"
    assert (info.value.code, info.value.article) == ("TIMER", NOT_RUNNING_ARTICLE)
    assert NOT_RUNNING_ARTICLE == "creditflow policy: 只有正在计算的期限可以中止、恢复或延长"


# -- what the clock consumes: expiry, reminder, recompute ----------------------------------------------------


def test_expiry_fires_the_timer_once():
    timer = stored("reply", "2026-02-13", id=7)  # last day 02-27
    late = midnight("2026-02-28") + timedelta(minutes=5)
    p = plan(existing=[timer], fired=7, processed_at=late, today="2026-02-28", now=midnight("2026-02-28"))
    change, entry = only(p)
    assert change == TimerUpdate("reply", {"status": "fired", "fired_at": late, "updated_at": midnight("2026-02-28")})
    assert entry == {"timer": "reply", "op": "fired", "last_day": "2026-02-27", "due_at": "2026-02-28T00:00:00+08:00",
                     "lateness_seconds": 300}
    assert (p.timers["reply"].status, p.timers["reply"].fired_at) == ("fired", late)
    with pytest.raises(TimerGone, match=r"^期限 7 已不在计算中（已处理过）$"):
        plan(existing=[p.timers["reply"]], fired=7, processed_at=late, today="2026-02-28")
    with pytest.raises(TimerGone, match="期限 8 已不在计算中"):
        plan(existing=[timer], fired=8, processed_at=late, today="2026-02-28")
    with pytest.raises(ValueError):
        plan(existing=[timer], fired=7, today="2026-02-28")  # the processing instant is the caller's


def test_an_expiry_that_closes_the_case_stops_the_other_clocks():
    reply, handling = stored("reply", "2026-02-13", id=7), stored(id=8)
    processed = midnight("2026-02-28")
    p = plan(existing=[reply, handling], fired=7, processed_at=processed, closing=True, today="2026-02-28")
    assert [(type(c).__name__, c.name, c.values.get("status")) for c in p.changes] == [
        ("TimerUpdate", "reply", "fired"), ("TimerUpdate", "handling", "stopped")]
    assert [e["op"] for e in p.log] == ["fired", "stop"]
    assert {n: t.status for n, t in p.timers.items()} == {"reply": "fired", "handling": "stopped"}


def test_reminder_is_consumed_once_per_deadline():
    timer = stored(id=3)
    assert timer.remind_at == midnight("2026-03-02")  # 3, 4 and 5 March are the three working days left
    sent = instant("2026-03-02 00:01")
    p = plan(existing=[timer], reminded=3, processed_at=sent, today="2026-03-02", now=midnight("2026-03-02"))
    change, entry = only(p)
    assert change == TimerUpdate("handling", {"remind_at": None, "reminded_for": d("2026-03-05"),
                                              "updated_at": midnight("2026-03-02")})
    assert entry == {"timer": "handling", "op": "reminded", "last_day": "2026-03-05",
                     "due_at": "2026-03-02T00:00:00+08:00", "lateness_seconds": 60}
    reminded = p.timers["handling"]
    with pytest.raises(TimerGone, match=r"^期限 3 的提醒已不再到期（已处理过）$"):
        plan(existing=[reminded], reminded=3, processed_at=sent, today="2026-03-02")
    # the same deadline restored or recomputed unchanged: no second reminder
    stopped = plan(TimerEffect("stop", "handling"), existing=[reminded], today="2026-03-03").timers["handling"]
    restored = plan(TimerEffect("restore", "handling"), existing=[stopped], today="2026-03-03")
    assert restored.timers["handling"].remind_at is None
    # a deadline moved later gets one new reminder
    suspended = plan(TimerEffect("suspend", "handling"), existing=[reminded], today="2026-03-03").timers["handling"]
    resumed = plan(TimerEffect("resume", "handling"), existing=[suspended], today="2026-03-05").timers["handling"]
    # [03-03, 03-05) suspended: two working days, so 9 March; remind 3 working days before (5, 6, 9 left)
    assert (resumed.last_day, resumed.reminded_for) == (d("2026-03-09"), d("2026-03-05"))
    assert resumed.remind_at == midnight("2026-03-04")


def test_recompute_with_new_calendar_data_moves_the_deadline():
    patched = WorkingCalendar(parse_overrides(PATCH_2026, "patch.toml"))  # Tuesday 03-03 made a day off
    timer = stored(id=5)
    assert timer.calendar_version == CAL.version != patched.version
    now = instant("2026-02-26 09:00")
    p = plan(existing=[timer], recompute="handling", calendar=patched, today="2026-02-26", now=now)
    change, entry = only(p)
    assert change == TimerUpdate("handling", {
        "start_day": d("2026-02-06"), "last_day": d("2026-03-06"), "ends_at": midnight("2026-03-07"),
        "provisional": False, "calendar_version": patched.version, "updated_at": now,
        "remind_at": midnight("2026-03-02")})
    assert entry == {"timer": "handling", "op": "recomputed", "last_day_before": "2026-03-05", "last_day": "2026-03-06",
                     "ends_at": "2026-03-07T00:00:00+08:00", "provisional": False,
                     "calendar_version_before": CAL.version, "calendar_version": patched.version,
                     "rule": RULE_WORKING_DAYS}
    after = p.timers["handling"]
    assert (after.last_day, after.calendar_version, after.status) == (d("2026-03-06"), patched.version, "running")
    # a suspended clock is recomputed too, and keeps no reminder
    suspended = stored(clock=Clock.started(d("2026-02-06"), 15).suspend(d("2026-02-26"), "检验").to_dict(),
                       status="suspended", as_of="2026-02-26")
    moved = plan(existing=[suspended], recompute="handling", calendar=patched, today="2026-02-26")
    assert moved.changes[0].values["remind_at"] is None and moved.log[0]["rule"].endswith(SUSPENDED)
    for status in ("stopped", "fired"):
        with pytest.raises(TimerGone, match=r"^期限 handling 已结束，无需重新计算$"):
            plan(existing=[stored(status=status)], recompute="handling", calendar=patched, today="2026-02-26")
    with pytest.raises(TimerGone):
        plan(recompute="handling", calendar=patched, today="2026-02-26")


# -- closing ------------------------------------------------------------------------------------------


def test_closing_stops_every_live_clock_and_cancels_its_reminder():
    running = stored(id=1)
    suspended = stored("reply", id=2, status="suspended",
                       clock=Clock.started(d("2026-02-06"), 5).suspend(d("2026-02-10"), "检验").to_dict(),
                       as_of="2026-02-10")
    stopped = stored("notice_period", id=3, status="stopped")
    fired = stored("disclosure", "2025-08-31", id=4, status="fired", fired_at=midnight("2026-03-01"))
    now = instant("2026-02-12 10:00")
    p = plan(existing=[running, suspended, stopped, fired], closing=True, today="2026-02-12", now=now)
    assert p.changes == (TimerUpdate("handling", {"status": "stopped", "remind_at": None, "updated_at": now}),
                         TimerUpdate("reply", {"status": "stopped", "remind_at": None, "updated_at": now}))
    assert p.log == ({"timer": "handling", "op": "stop", "last_day": "2026-03-05", "reason": "case closed"},
                     {"timer": "reply", "op": "stop", "last_day": suspended.last_day.isoformat(),
                      "reason": "case closed"})
    assert [(n, t.status, t.remind_at) for n, t in p.timers.items()] == [
        ("handling", "stopped", None), ("reply", "stopped", None), ("notice_period", "stopped", None),
        ("disclosure", "fired", None)]


def test_closing_after_the_declared_effects_stops_a_clock_started_by_them():
    p = plan(TimerEffect("start", "handling"), closing=True)
    assert [type(c) for c in p.changes] == [TimerInsert, TimerUpdate]
    assert [e["op"] for e in p.log] == ["start", "stop"] and p.timers["handling"].status == "stopped"


def test_the_plan_leaves_its_input_alone():
    timer = stored()
    existing = {"handling": timer}
    p = plan_timers(PROC, tr(TimerEffect("suspend", "handling")), existing, {}, today=d("2026-02-13"),
                    now=instant("2026-02-13 09:00"), calendar=CAL, policy=POLICY, closing=True)
    assert existing == {"handling": timer} and timer.status == "running" and timer.clock["suspensions"] == []
    assert p.timers["handling"].status == "stopped"
    with pytest.raises(TypeError):
        timer.clock["start"] = "2026-01-01"  # the view is read-only


# -- the engine's translation (no database: the planner's changes become its hot statements) ----------------


def test_the_engine_turns_the_plan_into_its_statements_and_errors():
    from states import REGISTRY, Registry
    from states.context import Context
    from workflows.engine import Engine, Request
    from workflows.engine.core import _Step
    from workflows.errors import Conflict, Refused
    from workflows.store import repo

    engine = Engine(CAL, Registry([*REGISTRY.all_versions()], policy=REGISTRY.base_policy))
    row = stored(id=9)

    def step(t, timer_rows, req):
        s = _Step(PROC, None, timer_rows, req, None, 1, None, None, None)
        s.t, s.inputs = t, {}
        s.ctx = Context(case=None, actor=None, inputs={}, today=d("2026-02-13"), now=instant("2026-02-13 09:00"),
                        calendar=CAL, policy=POLICY)
        return s

    after, writes, log = engine._timers(step(tr(TimerEffect("suspend", "handling"), TimerEffect("start", "reply")),
                                             [row], Request("act", "alice", {})), 42, {})
    assert [w[0] for w in writes] == [repo.UPDATE_TIMER, repo.INSERT_TIMER]
    assert list(writes[0][1])[:3] == ["b_case_id", "b_name", "status"] and writes[0][1]["b_case_id"] == 42
    assert list(writes[1][1])[:2] == ["case_id", "name"] and writes[1][1]["case_id"] == 42
    assert isinstance(log, list) and [e["op"] for e in log] == ["suspend", "start"] and set(after) == {"handling", "reply"}
    with pytest.raises(Refused) as info:
        engine._timers(step(tr(TimerEffect("resume", "reply")), [], Request("act", "alice", {})), 42, {})
    assert (info.value.code, info.value.article, info.value.message) == (
        "TIMER", NOT_RUNNING_ARTICLE, "期限 reply 未在计算中，不能恢复")
    with pytest.raises(Conflict) as info:
        engine._timers(step(tr(), [row], Request("handling_overdue", "system", {}, fired_timer=10)), 42, {})
    assert info.value.message == "期限 10 已不在计算中（已处理过）"
    with pytest.raises(Refused) as info:  # a start on a day the case does not hold
        engine._timers(step(tr(TimerEffect("start", "reply", anchor="data:determined_on")), [],
                            Request("act", "alice", {})), 42, {})
    assert info.value.code == "TIMER-ANCHOR"


# -- property ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(start=st.dates(date(2026, 1, 20), date(2026, 2, 28)), amount=st.integers(1, 30),
       suspend_after=st.integers(1, 60), length=st.integers(0, 40))
def test_suspend_then_resume_moves_the_last_day_by_the_working_days_suspended(start, amount, suspend_after, length):
    """Suspended on day S (after the start day) and resumed on R: the last day moves later by exactly
    the working days in [S, R) (docs/rules.md §7.7)."""
    s, r = start + timedelta(days=suspend_after), start + timedelta(days=suspend_after + length)
    timer = stored(clock=Clock.started(start, amount).to_dict(), start=start.isoformat())
    suspended = plan(TimerEffect("suspend", "handling"), existing=[timer], today=s.isoformat()).timers["handling"]
    resumed = plan(TimerEffect("resume", "handling"), existing=[suspended], today=r.isoformat()).timers["handling"]
    k = sum(CAL.is_working_day(s + timedelta(days=i)) for i in range((r - s).days))
    assert resumed.status == "running" and resumed.start_day == start
    expected = CAL.nth_working_day_after(timer.last_day, k) if k else timer.last_day
    assert resumed.last_day == expected
    assert resumed.last_day - timer.last_day >= timedelta(days=k)
