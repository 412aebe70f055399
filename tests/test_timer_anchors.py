"""The timer planner's starts (pure, no database): from today, an input, the case's data, the parent's
data, an event; to an input date; hour clocks; and the ops an hour or appointment clock refuses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from calendars import SHANGHAI, WorkingCalendar
from states.spec import NEW, Input, Notice, Policy, PolicyNumber, Procedure, State, TimerEffect, TimerSpec, Transition
from states.timers import AnchorMissing, TimerNotRunning, TimerState, anchor_day, plan_timers, timer_period

CAL = WorkingCalendar()
_N = Notice("drill/any.html.j2", "通知书", "演", "subject")
PROC = Procedure(
    kind="drill", version=1, label="演练程序", states=(State("open", "办理中"),), initial="open",
    timers=(TimerSpec("wd", "working_days", "n_wd", "subject", "wd_expired", "工作日期限"),
            TimerSpec("m", "months", "n_m", "subject", "m_expired", "月期限"),
            TimerSpec("h", "hours", "n_h", "agency", "h_expired", "小时时限"),
            TimerSpec("appt", "days", "n_d", "subject", "appt_missed", "约定日")),
    transitions=(Transition("open", (NEW,), "open", "handler", "立案", _N),), guards={})
POLICY = Policy("drill", {"n_wd": PolicyNumber(15, "working_days", "test"), "n_m": PolicyNumber(6, "months", "test"),
                          "n_h": PolicyNumber(24, "hours", "test"), "n_d": PolicyNumber(1, "days", "test")})
NOW = datetime(2026, 2, 6, 9, 30, tzinfo=SHANGHAI)


def plan(effect, *, inputs=None, data=None, parent_data=None, event_day=None, existing=()):
    t = Transition("act", ("open",), None, "handler", "办理", _N, timers=(effect,),
                   inputs=(Input("day", "date"), Input("until", "date")))
    return plan_timers(PROC, t, {s.name: s for s in existing}, inputs or {}, today=NOW.date(), now=NOW, calendar=CAL,
                       policy=POLICY, data=data, parent_data=parent_data, event_day=event_day)


@pytest.mark.parametrize("anchor, kwargs, start", [
    ("today", {}, "2026-02-06"),
    ("day", {"inputs": {"day": date(2026, 2, 2)}}, "2026-02-02"),  # a bare name is an input
    ("input:day", {"inputs": {"day": date(2026, 2, 3)}}, "2026-02-03"),
    ("data:determined_on", {"data": {"determined_on": "2026-01-30"}}, "2026-01-30"),
    ("parent:final_on", {"parent_data": {"final_on": "2026-01-29"}}, "2026-01-29"),
    ("event", {"event_day": date(2026, 2, 4)}, "2026-02-04"),
])
def test_a_start_counts_from_its_declared_day(anchor, kwargs, start):
    p = plan(TimerEffect("start", "wd", anchor=anchor), **kwargs)
    (change,) = p.changes
    assert change.values["start_day"] == date.fromisoformat(start)
    # the start day itself is not counted (Civil Code Art. 201): the same 15 working days from that day
    assert change.values["last_day"] == CAL.nth_working_day_after(date.fromisoformat(start), 15)


def test_months_from_data_take_the_corresponding_day():
    p = plan(TimerEffect("start", "m", anchor="data:determined_on"), data={"determined_on": "2025-08-31"})
    assert p.changes[0].values["last_day"] == date(2026, 2, 28)  # Civil Code Art. 202: the month's last day


@pytest.mark.parametrize("anchor, kwargs", [
    ("data:determined_on", {"data": {}}),
    ("parent:final_on", {"parent_data": {"final_on": "not a day"}}),
    ("event", {}),
])
def test_a_missing_start_day_is_refused_not_guessed(anchor, kwargs):
    with pytest.raises(AnchorMissing):
        plan(TimerEffect("start", "wd", anchor=anchor), **kwargs)


def test_a_clock_to_an_input_date_ends_at_24_00_of_that_day():
    p = plan(TimerEffect("start", "appt", until="input:until"), inputs={"until": date(2026, 2, 27)})
    values = p.changes[0].values
    assert values["clock"] == {"start": "2026-02-06", "until": "2026-02-27"}
    assert values["last_day"] == date(2026, 2, 27)
    assert values["ends_at"] == datetime(2026, 2, 28, 0, 0, tzinfo=SHANGHAI)
    assert p.log[0]["rule"].startswith("ends on the day given")


def test_an_hour_clock_runs_from_the_instant_to_the_instant():
    p = plan(TimerEffect("start", "h"))
    values = p.changes[0].values
    assert values["ends_at"] == datetime(2026, 2, 7, 9, 30, tzinfo=SHANGHAI)
    assert values["last_day"] == date(2026, 2, 7) and values["provisional"] is False
    assert p.log[0]["rule"].startswith("hours: Civil Code Art. 201")
    # an hour clock anchored on a day runs from 24:00 of that day
    anchored = plan(TimerEffect("start", "h", anchor="input:day"), inputs={"day": date(2026, 2, 6)}).changes[0].values
    assert anchored["ends_at"] == datetime(2026, 2, 8, 0, 0, tzinfo=SHANGHAI)
    # a clock ending at 00:00 exactly has its last day the day before
    period = timer_period(CAL, "hours", {"start_at": "2026-02-06T00:00:00+08:00", "amount": 24}, date(2026, 2, 6))
    assert period.last_day == date(2026, 2, 6)


@pytest.mark.parametrize("op", ["suspend", "extend"])
def test_hour_and_appointment_clocks_are_not_suspended_or_extended(op):
    for start in (TimerEffect("start", "h"), TimerEffect("start", "appt", until="input:until")):
        first = plan(start, inputs={"until": date(2026, 2, 27)})
        (change,) = first.changes
        stored = TimerState(7, change.values["name"], change.values["unit"], "running", change.values["clock"],
                            change.values["start_day"], change.values["last_day"], change.values["ends_at"], False,
                            None, None, None, CAL.version)
        with pytest.raises(TimerNotRunning):
            plan(TimerEffect(op, stored.name, amount="n_wd"), existing=[stored])


def test_anchor_day_reads_instants_in_shanghai():
    effect = TimerEffect("start", "wd", anchor="data:at")
    at = datetime(2026, 2, 5, 17, 0, tzinfo=SHANGHAI).astimezone(tz=None)
    assert anchor_day(effect, today=date(2026, 2, 6), inputs={}, data={"at": at}, parent_data={},
                      event_day=None) == date(2026, 2, 5)
