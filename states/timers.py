"""Timer planning: what one transition does to a case's timers, as plain data (docs/rules.md §7).

Pure: no database and no clock reads. Everything comes in as arguments (the procedure and the
transition, the stored timers, the parsed inputs, the effective day and instant, the calendar and
the policy, and the instant the clock processes an expiry or reminder); `plan_timers` returns a
`TimerPlan`: the timers after the transition, the changes to store (`TimerInsert`, `TimerUpdate`,
in order) and the entries the transition's log row records under `timer_effects`.

Besides the transition's declared `TimerEffect`s, a plan covers the expiry (`fired`), the reminder
(`reminded`, once per deadline) or the recompute (`recompute`, new calendar data) the transition
consumes, and on closing the case stops every clock still live, with its pending reminder.
A timer that cannot take its operation raises `TimerGone` (already consumed: a conflict) or
`TimerNotRunning` (a refusal with its rule code and article); the caller turns them into its own errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Mapping

from calendars import SHANGHAI, Clock, Period, WorkingCalendar, compute
from calendars.periods import RULE_HOURS, hours_after

from .spec import Policy, Procedure, TimerSpec, Transition

LIVE = ("running", "suspended")
_OP_LABELS = {"suspend": "中止", "resume": "恢复", "extend": "延长"}
NOT_RUNNING_ARTICLE = "creditflow policy: 只有正在计算的期限可以中止、恢复或延长"


class TimerGone(Exception):
    """The expiry, reminder or recompute a transition consumes is no longer due (handled already)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TimerNotRunning(Exception):
    """A suspend, resume or extend of a timer that is not running (a refusal: `code`, `article`)."""

    def __init__(self, message: str, *, code: str = "TIMER", article: str = NOT_RUNNING_ARTICLE):
        super().__init__(message)
        self.message = message
        self.code = code
        self.article = article


@dataclass(frozen=True)
class TimerState:
    """A stored timer as the planner sees it (read-only: a plan makes a new one for each change)."""

    id: int | None
    name: str
    unit: str
    status: str
    clock: Mapping[str, Any]
    start_day: date
    last_day: date
    ends_at: datetime
    provisional: bool
    fired_at: datetime | None
    remind_at: datetime | None
    reminded_for: date | None
    calendar_version: str

    def __post_init__(self):
        if not isinstance(self.clock, MappingProxyType):
            object.__setattr__(self, "clock", MappingProxyType(dict(self.clock)))

    @classmethod
    def of(cls, row) -> "TimerState":
        """From anything with the timer row's attributes (a database row, a namedtuple)."""
        return cls(row.id, row.name, row.unit, row.status, row.clock, row.start_day, row.last_day, row.ends_at,
                   row.provisional, row.fired_at, row.remind_at, row.reminded_for, row.calendar_version)


_STATE_FIELDS = frozenset(f.name for f in fields(TimerState))


@dataclass(frozen=True)
class TimerInsert:
    """Store a new timer: `values` holds every column but the case (name, side, on_expiry, unit, status, …)."""

    values: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.values["name"]


@dataclass(frozen=True)
class TimerUpdate:
    """Change the named timer of the case: `values` holds the changed columns only."""

    name: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class TimerPlan:
    timers: Mapping[str, TimerState]  # name -> the timer after the transition (stored order, new ones last)
    changes: tuple[TimerInsert | TimerUpdate, ...] = ()
    log: tuple[dict, ...] = field(default=())  # the log row's `timer_effects`, in order


RULE_UNTIL = "ends on the day given (an appointment): 24:00 of that day"


@dataclass(frozen=True)
class InstantPeriod:
    """A period that ends at an instant, not at 24:00 of a day: an hour clock (Civil Code Art. 201)."""

    start: date
    unit: str
    amount: int
    last_day: date
    ends_at: datetime
    provisional: bool
    rule: str
    calendar_version: str = ""


def timer_period(cal: WorkingCalendar, unit: str, clock_json: Mapping, as_of: date) -> Period | InstantPeriod:
    """A stored timer's current period: a clock ending on a given day, an hour clock, a working-day clock
    (with suspensions), or a day/month period."""
    if "until" in clock_json:
        start, until = date.fromisoformat(clock_json["start"]), date.fromisoformat(clock_json["until"])
        return Period(start, unit, 0, until, cal.any_provisional(start + timedelta(days=1), until) if until > start
                      else False, RULE_UNTIL, cal.version)
    if unit == "hours":
        start_at = datetime.fromisoformat(clock_json["start_at"])
        ends = hours_after(start_at, clock_json["amount"])
        return InstantPeriod(start_at.astimezone(SHANGHAI).date(), unit, clock_json["amount"],
                             (ends - timedelta(microseconds=1)).astimezone(SHANGHAI).date(), ends, False, RULE_HOURS,
                             cal.version)
    if unit == "working_days":
        return Clock.from_dict(clock_json).period(cal, as_of)
    return compute(cal, date.fromisoformat(clock_json["start"]), unit, clock_json["amount"])


class AnchorMissing(Exception):
    """A timer's declared start (or end) day is not in the data it names: the declaration and the case disagree."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _day(value, where: str) -> date:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise AnchorMissing(f"期限起算日 {where} 没有有效日期（{value!r}）")


def timer_amount(spec: TimerSpec, policy: Policy, data: Mapping) -> int:
    """A clock's amount: its policy number, or (`data:NAME`) the whole number the case recorded."""
    if not spec.amount.startswith("data:"):
        return policy[spec.amount]
    name = spec.amount[5:]
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AnchorMissing(f"期限 {spec.name} 的期间应记载于案件数据 {name}，但案件中没有该数值")
    return value


def amount_source(spec: TimerSpec, policy: Policy) -> str:
    if spec.amount.startswith("data:"):
        return f"期间依案件记载（{spec.amount[5:]}）"
    return policy.source(spec.amount)


def anchor_day(effect, *, today: date, inputs: Mapping, data: Mapping, parent_data: Mapping,
               event_day: date | None) -> date:
    """The day a started clock counts from (the day itself not counted: Civil Code Art. 201)."""
    source, name = effect.anchor_source
    if source == "today":
        return today
    if source == "event":
        if event_day is None:
            raise AnchorMissing("该期限自送达之日起算，但本次办理没有送达日期")
        return event_day
    table = {"input": inputs, "data": data, "parent": parent_data}[source]
    return _day(table.get(name), effect.anchor)


def remind_at(spec: TimerSpec, status: str, period: Period, reminded_for: date | None, *,
              calendar: WorkingCalendar, policy: Policy) -> datetime | None:
    """When to remind the handlers: 00:00 of the working day `remind_before` working days before the
    last day (never before the clock started); none for a paused clock or a deadline already announced."""
    if not spec.remind_before or status != "running" or reminded_for == period.last_day:
        return None
    day = calendar.nth_working_day_before(period.last_day, policy[spec.remind_before])
    return datetime.combine(max(day, period.start), time(0), tzinfo=SHANGHAI)


def suspension_reason(inputs: Mapping, transition: Transition) -> str:
    """Why a clock is suspended, as staff read it: the Chinese label of the declared `reason` choice."""
    reason = inputs.get("reason") or "中止"
    labels = {code: label for spec in transition.inputs if spec.name == "reason" for code, label in spec.choice_labels}
    return labels.get(reason, reason)


def plan_timers(proc: Procedure, transition: Transition, existing: Mapping[str, TimerState], inputs: Mapping, *,
                today: date, now: datetime, calendar: WorkingCalendar, policy: Policy,
                fired: int | None = None, reminded: int | None = None, recompute: str | None = None,
                closing: bool = False, processed_at: datetime | None = None, data: Mapping | None = None,
                parent_data: Mapping | None = None, event_day: date | None = None) -> TimerPlan:
    """Plan `transition`'s timer effects on the case's `existing` timers (name -> `TimerState`).

    `today`/`now`: the transition's effective day and instant (clocks count from `today`, rows are
    `updated_at=now`); `fired`/`reminded`: the id of the timer whose expiry/reminder this transition
    consumes; `recompute`: the name of the timer new calendar data moves; `closing`: the case reaches
    a final state; `processed_at`: the real instant the expiry or reminder is processed (its `fired_at`
    and lateness), required with `fired` or `reminded`; `data`/`parent_data`/`event_day`: where a start
    declared on the case's data, the parent's data or the recorded event finds its day."""
    if (fired is not None or reminded is not None) and processed_at is None:
        raise ValueError("an expiry or reminder needs the instant it is processed (processed_at)")
    cal = calendar
    after: dict[str, TimerState] = dict(existing)
    changes: list[TimerInsert | TimerUpdate] = []
    log: list[dict] = []

    def update(name: str, values: dict) -> None:
        changes.append(TimerUpdate(name, values))
        after[name] = replace(after[name], **{k: v for k, v in values.items() if k in _STATE_FIELDS})

    def reminder(spec, status, period, reminded_for):
        return remind_at(spec, status, period, reminded_for, calendar=cal, policy=policy)

    if fired is not None:
        timer = next((r for r in after.values() if r.id == fired), None)
        if timer is None or timer.status != "running":
            raise TimerGone(f"期限 {fired} 已不在计算中（已处理过）")
        update(timer.name, {"status": "fired", "fired_at": processed_at, "updated_at": now})
        log.append({"timer": timer.name, "op": "fired", "last_day": timer.last_day.isoformat(),
                    "due_at": timer.ends_at.astimezone(SHANGHAI).isoformat(),
                    "lateness_seconds": int((processed_at - timer.ends_at).total_seconds())})
    if reminded is not None:
        timer = next((r for r in after.values() if r.id == reminded), None)
        if timer is None or timer.status != "running" or timer.remind_at is None:
            raise TimerGone(f"期限 {reminded} 的提醒已不再到期（已处理过）")
        log.append({"timer": timer.name, "op": "reminded", "last_day": timer.last_day.isoformat(),
                    "due_at": timer.remind_at.astimezone(SHANGHAI).isoformat(),
                    "lateness_seconds": int((processed_at - timer.remind_at).total_seconds())})
        update(timer.name, {"remind_at": None, "reminded_for": timer.last_day, "updated_at": now})
    if recompute is not None:
        moved = after.get(recompute)
        if moved is None or moved.status not in LIVE:
            raise TimerGone(f"期限 {recompute} 已结束，无需重新计算")
        spec = proc.timer(moved.name)
        period = timer_period(cal, spec.unit, moved.clock, today)
        update(moved.name, dict(start_day=period.start, last_day=period.last_day, ends_at=period.ends_at,
                                provisional=period.provisional, calendar_version=cal.version, updated_at=now,
                                remind_at=reminder(spec, moved.status, period, moved.reminded_for)))
        log.append({"timer": moved.name, "op": "recomputed", "last_day_before": moved.last_day.isoformat(),
                    "last_day": period.last_day.isoformat(), "ends_at": period.ends_at.isoformat(),
                    "provisional": period.provisional, "calendar_version_before": moved.calendar_version,
                    "calendar_version": cal.version, "rule": period.rule})
    for effect in transition.timers:
        spec = proc.timer(effect.timer)
        current = after.get(spec.name)
        before = current.last_day.isoformat() if current is not None else None
        if effect.op == "start":
            start = anchor_day(effect, today=today, inputs=inputs, data=data or {}, parent_data=parent_data or {},
                               event_day=event_day)
            amount = timer_amount(spec, policy, data or {})
            if effect.until is not None:
                until = _day(inputs.get(effect.until.partition(":")[2]), effect.until)
                clock_json = {"start": start.isoformat(), "until": until.isoformat()}
            elif spec.unit == "hours":
                start_at = now if effect.anchor == "today" else datetime.combine(start + timedelta(days=1), time(0),
                                                                                 tzinfo=SHANGHAI)
                clock_json = {"start_at": start_at.astimezone(SHANGHAI).isoformat(), "amount": amount}
            elif spec.unit == "working_days":
                clock_json = Clock.started(start, amount).to_dict()
            else:
                clock_json = {"start": start.isoformat(), "amount": amount}
            status = "running"
        elif effect.op == "restore":
            if current is None or current.status != "stopped":
                continue  # nothing stopped to restore (e.g. a window that had already run out)
            clock_json, status = dict(current.clock), "running"  # the same clock: the same last day
        elif current is None or current.status in ("stopped", "fired"):
            if effect.op == "stop":
                continue
            raise TimerNotRunning(f"期限 {spec.name} 未在计算中，不能{_OP_LABELS.get(effect.op, effect.op)}")
        else:
            clock_json, status = dict(current.clock), current.status
            if effect.op in ("suspend", "resume", "extend") and (spec.unit != "working_days" or "until" in clock_json):
                raise TimerNotRunning(f"期限 {spec.name} 不按工作日计算，不能{_OP_LABELS.get(effect.op, effect.op)}")
            if effect.op == "stop":
                status = "stopped"
            elif effect.op == "suspend":
                clock_json = Clock.from_dict(clock_json).suspend(today, suspension_reason(inputs, transition)).to_dict()
                status = "suspended"
            elif effect.op == "resume":
                clock_json = Clock.from_dict(clock_json).resume(today).to_dict()
                status = "running"
            elif effect.op == "extend":
                clock_json = Clock.from_dict(clock_json).extend(policy[effect.amount], today,
                                                                inputs.get("reason", transition.label)).to_dict()
        period = timer_period(cal, spec.unit, clock_json, today)
        reminded_for = None if effect.op == "start" or current is None else current.reminded_for
        values = dict(status=status, clock=clock_json, start_day=period.start, last_day=period.last_day,
                      ends_at=period.ends_at, provisional=period.provisional,
                      calendar_version=cal.version, updated_at=now, fired_at=None,
                      remind_at=reminder(spec, status, period, reminded_for), reminded_for=reminded_for)
        if current is None:
            changes.append(TimerInsert(dict(name=spec.name, side=spec.side, on_expiry=spec.on_expiry, unit=spec.unit,
                                            **values)))
            after[spec.name] = TimerState(id=None, name=spec.name, unit=spec.unit,
                                          **{k: v for k, v in values.items() if k in _STATE_FIELDS})
        else:
            update(spec.name, values)
        log.append({"timer": spec.name, "op": effect.op, "last_day_before": before,
                    "last_day": period.last_day.isoformat(), "ends_at": period.ends_at.isoformat(),
                    "provisional": period.provisional, "rule": f"{period.rule}; {amount_source(spec, policy)}"})
    if closing:
        # A closed case has no live clock (but one declared to outlive it): stopping it also cancels any
        # reminder behind it.
        for left in list(after.values()):
            if left.status in LIVE and not proc.timer(left.name).outlives_case:
                update(left.name, {"status": "stopped", "remind_at": None, "updated_at": now})
                log.append({"timer": left.name, "op": "stop", "last_day": left.last_day.isoformat(),
                            "reason": "case closed"})
    return TimerPlan(timers=after, changes=tuple(changes), log=tuple(log))
