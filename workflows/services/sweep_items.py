"""The sweep's small pure parts: what one due item asks the engine, whether it is still due, the back-off
of a failing item, and the plain data a sweep returns (workflows/services/sweep.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from states.registry import Registry
from states.spec import REMINDER_TRIGGER

from .. import clock
from ..engine import Request
from ..store.sweep_repo import DueWork

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
REPORT_LIMIT = 1000  # a sweep's result lists at most this many items of each kind; the counts are exact


def backoff(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min, … after the n-th failure, at most 6 hours."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def declared_order(registry: Registry, item: DueWork) -> int:
    """Among items due at the same instant, the declared order of the transition each fires (lower first),
    in the declaration the case runs under."""
    if item.kind not in registry:
        return 100
    proc = registry.procedure(item.kind, item.version)
    return min((t.order for t in proc.transitions if t.trigger == item.trigger), default=100)


def still_due(row, item: DueWork, as_of: datetime) -> bool:
    """The locked timer row still holds the work `item` found (running; its instant passed)."""
    if row.status != "running":
        return False
    if item.work == "expiry":
        return row.ends_at <= as_of
    return row.remind_at is not None and row.remind_at <= as_of


def fire_request(item: DueWork, row, calendar, registry: Registry) -> Request:
    """The system's request for a due item: the timer's own expiry trigger at its due instant, or the
    reminder with what is left of the period (the timer's label from the case's declaration)."""
    if item.work == "expiry":
        return Request(trigger=row.on_expiry, actor="system", inputs={}, effective_at=row.ends_at, fired_timer=row.id)
    spec = registry.procedure(row.kind, row.declaration_version).timer(row.name)
    remind_day = clock.today(row.remind_at)
    left = calendar.working_days_in(remind_day + timedelta(days=1), row.last_day + timedelta(days=1))
    return Request(trigger=REMINDER_TRIGGER, actor="system", effective_at=row.remind_at, fired_reminder=row.id,
                   inputs={"timer": row.name, "timer_label": spec.label, "last_day": row.last_day,
                           "working_days_left": left})


# PostgreSQL's "try again" errors (deadlock, serialization failure, lock not available): a batch item that
# meets one is deferred to the next sweep like a person's concurrent change, not made an incident.
_TRY_AGAIN = ("40P01", "40001", "55P03")


def try_again(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _TRY_AGAIN


def store_lost(exc: BaseException) -> bool:
    """The database went away or cannot be reached (connection refused or broken, server shutting down):
    not one item's fault, so the sweep stops and says so instead of recording incidents."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (OperationalError, InterfaceError)) and hasattr(exc.orig, "sqlstate"):  # PostgreSQL
        state = exc.orig.sqlstate  # None: no answer from a server at all (refused, reset)
        return state is None or state[:2] in ("08", "57")  # connection exception; operator intervention
    return False


def lost_detail(exc: BaseException) -> str:
    """The driver's first line about it (e.g. "connection refused", "terminating connection …")."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:200]


def message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"


def incident_dict(r) -> dict:
    """An incident row (with its timer's `timer` name and `timer_status`) as plain data."""
    return {"id": r.id, "timer_id": r.timer_id, "timer": r.timer, "timer_status": r.timer_status, "case_id": r.case_id,
            "work": r.work, "trigger": r.trigger, "status": r.status, "attempts": r.attempts,
            "error_code": r.error_code, "message": r.message, "first_failed_at": clock.local(r.first_failed_at),
            "last_failed_at": clock.local(r.last_failed_at), "next_attempt_at": clock.local(r.next_attempt_at),
            "resolved_at": clock.local(r.resolved_at) if r.resolved_at else None, "resolution": r.resolution}


class SweepReport:
    """What a sweep did: exact counts, and the first REPORT_LIMIT items of each kind."""

    def __init__(self):
        self.counts = {"fired": 0, "reminded": 0, "failed": 0, "deferred": 0}
        self.items = {k: [] for k in self.counts}

    def add(self, kind: str, item: dict) -> None:
        self.counts[kind] += 1
        if len(self.items[kind]) < REPORT_LIMIT:
            self.items[kind].append(item)
