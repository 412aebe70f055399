"""The sweep's reads and writes: due work, the locked timer, incidents, the SQLite lease, deadlines to
recompute. Never commits; `workflows/services/sweep.py` owns the transactions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from calendars import SHANGHAI
from states.spec import REMINDER_TRIGGER

from .tables import cases, incidents, sweep_leases, timers

# incidents.status: open (waiting for a retry) | resolved. Not a procedure's trigger of the same name.
INCIDENT_OPEN, INCIDENT_RESOLVED = "open", "resolved"
LEASE = "sweep"  # the one row of sweep_leases


@dataclass(frozen=True)
class DueWork:
    timer_id: int
    case_id: int
    kind: str  # the case kind
    version: int  # the declaration version the case runs under
    work: str  # expiry | reminder
    due_at: datetime
    trigger: str

    def to_dict(self) -> dict:
        return {"timer_id": self.timer_id, "case_id": self.case_id, "work": self.work, "trigger": self.trigger,
                "due_at": self.due_at.astimezone(SHANGHAI).isoformat()}


# -- due work -------------------------------------------------------------------------------------------

def _blocked_cases(now: datetime):
    """Cases with an incident waiting for its next attempt."""
    return select(incidents.c.case_id).where(and_(incidents.c.status == INCIDENT_OPEN, incidents.c.next_attempt_at > now))


def due_queries(as_of: datetime, now: datetime, limit: int, case_id: int | None = None, *,
                exclude: frozenset[int] = frozenset(), claim: bool = False):
    """Expiries and reminders due as of `as_of`, each by its own index (status, ends_at / remind_at, id);
    cases in `exclude` left out. With `claim` (PostgreSQL; the batched sweep) the rows found are locked
    with their cases until the transaction ends, skipping those another transaction holds, so two
    sweepers take different batches (``FOR UPDATE OF cases, timers SKIP LOCKED``)."""
    scope = timers.c.case_id == case_id if case_id is not None else timers.c.case_id.not_in(_blocked_cases(now))
    if exclude:
        scope = and_(scope, timers.c.case_id.not_in(sorted(exclude)))

    def due(column):
        q = select(timers.c.id, timers.c.case_id, cases.c.kind, cases.c.declaration_version, timers.c.on_expiry,
                   column.label("due_at")) \
            .join(cases, cases.c.id == timers.c.case_id) \
            .where(timers.c.status == "running", column <= as_of, scope).order_by(column, timers.c.id).limit(limit)
        return q.with_for_update(of=(cases, timers), skip_locked=True) if claim else q

    return due(timers.c.ends_at), due(timers.c.remind_at)


def due_work(conn: Connection, as_of: datetime, now: datetime, limit: int, case_id: int | None = None, *,
             exclude: frozenset[int] = frozenset(), claim: bool = False) -> list[DueWork]:
    """Up to `limit` expiries and up to `limit` reminders, unsorted (the caller orders them)."""
    expiries, reminders = due_queries(as_of, now, limit, case_id, exclude=exclude,
                                      claim=claim and conn.dialect.name == "postgresql")
    items = [DueWork(r.id, r.case_id, r.kind, r.declaration_version, "expiry", r.due_at, r.on_expiry)
             for r in conn.execute(expiries)]
    items += [DueWork(r.id, r.case_id, r.kind, r.declaration_version, "reminder", r.due_at, REMINDER_TRIGGER)
              for r in conn.execute(reminders)]
    return items


def locked_timer(conn: Connection, timer_id: int, *, skip_locked: bool):
    """The timer row with its case's kind and declaration version, in one statement that locks the case and
    the timer (PostgreSQL; SQLite's write lock covers it). Locking the timer too makes PostgreSQL return
    its latest committed version, so a timer another sweeper fired a moment ago reads as fired (locking
    only the case would return the timer as of the statement's snapshot). None when `skip_locked` and
    another holds them."""
    q = select(timers, cases.c.kind, cases.c.declaration_version) \
        .join(cases, cases.c.id == timers.c.case_id).where(timers.c.id == timer_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(of=(cases, timers), skip_locked=skip_locked)
    return conn.execute(q).first()


def lock_timers(conn: Connection, timer_ids: list[int]) -> dict:
    """A batch's claim, in one statement: the timer rows (as `locked_timer` returns them) by id, their cases
    and timers locked until the batch's transaction ends (PostgreSQL ``FOR UPDATE … SKIP LOCKED``: a timer
    missing from the result is held by another sweeper, or gone; SQLite's write lock covers the batch)."""
    if not timer_ids:
        return {}
    q = select(timers, cases.c.kind, cases.c.declaration_version) \
        .join(cases, cases.c.id == timers.c.case_id).where(timers.c.id.in_(timer_ids)).order_by(timers.c.id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(of=(cases, timers), skip_locked=True)
    return {r.id: r for r in conn.execute(q)}


# -- incidents --------------------------------------------------------------------------------------------

def open_incident(conn: Connection, timer_id: int, work: str):
    return conn.execute(select(incidents).where(and_(
        incidents.c.timer_id == timer_id, incidents.c.work == work, incidents.c.status == INCIDENT_OPEN))).first()


def open_incident_keys(conn: Connection) -> set[tuple[int, str]]:
    return set(conn.execute(select(incidents.c.timer_id, incidents.c.work)
                            .where(incidents.c.status == INCIDENT_OPEN)).all())


def count_open_incidents(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(incidents)
                        .where(incidents.c.status == INCIDENT_OPEN)).scalar_one()


def record_failure(conn: Connection, item: DueWork, *, error_code: str, message: str, detail: str, now: datetime,
                   backoff: Callable[[int], timedelta]) -> int:
    """A failed item as an incident: a new one (first attempt), or its open one with one attempt more; the
    next attempt `backoff(attempts)` from now. Returns the incident's id."""
    row = open_incident(conn, item.timer_id, item.work)
    values = dict(error_code=error_code, message=message, detail=detail, last_failed_at=now)
    if row is None:
        return conn.execute(insert(incidents).values(
            timer_id=item.timer_id, case_id=item.case_id, work=item.work, trigger=item.trigger, status=INCIDENT_OPEN,
            attempts=1, first_failed_at=now, next_attempt_at=now + backoff(1), **values)
            .returning(incidents.c.id)).scalar_one()
    update_incident(conn, row.id, attempts=row.attempts + 1, next_attempt_at=now + backoff(row.attempts + 1), **values)
    return row.id


def update_incident(conn: Connection, incident_id: int, **values) -> None:
    conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**values))


def resolve_incident(conn: Connection, timer_id: int, work: str, *, at: datetime, resolution: str) -> None:
    conn.execute(update(incidents).where(and_(
        incidents.c.timer_id == timer_id, incidents.c.work == work, incidents.c.status == INCIDENT_OPEN)).values(
        status=INCIDENT_RESOLVED, resolved_at=at, resolution=resolution))


def resolve_obsolete_incidents(conn: Connection, *, at: datetime) -> None:
    """An incident whose timer a person has since stopped (or whose reminder went) has nothing left to retry."""
    gone = select(timers.c.id).where(timers.c.status != "running")
    conn.execute(update(incidents).where(and_(incidents.c.status == INCIDENT_OPEN, or_(
        incidents.c.timer_id.in_(gone),
        and_(incidents.c.work == "reminder",
             incidents.c.timer_id.in_(select(timers.c.id).where(timers.c.remind_at.is_(None)))))))
        .values(status=INCIDENT_RESOLVED, resolved_at=at, resolution="timer no longer due"))


def incident_row(conn: Connection, incident_id: int):
    return conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()


def incidents_listing(conn: Connection, *, include_resolved: bool = False, incident_id: int | None = None):
    """Incidents with their timer's name and status (`timer`, `timer_status`), oldest first."""
    q = select(incidents, timers.c.name.label("timer"), timers.c.status.label("timer_status")) \
        .join(timers, timers.c.id == incidents.c.timer_id).order_by(incidents.c.id)
    if incident_id is not None:
        q = q.where(incidents.c.id == incident_id)
    elif not include_resolved:
        q = q.where(incidents.c.status == INCIDENT_OPEN)
    return conn.execute(q).all()


# -- the SQLite lease ---------------------------------------------------------------------------------------

def take_lease(conn: Connection, holder: str, *, now: datetime, ttl: timedelta):
    """Take the lease, or renew it (keeping when it was first acquired), for `ttl` from `now`; None when
    taken, else the other holder's unexpired lease row (and nothing is written)."""
    row = conn.execute(select(sweep_leases).where(sweep_leases.c.name == LEASE)).first()
    if row is not None and row.holder != holder and row.expires_at > now:
        return row
    if row is None:
        conn.execute(insert(sweep_leases).values(name=LEASE, holder=holder, acquired_at=now, expires_at=now + ttl))
    else:
        acquired = row.acquired_at if row.holder == holder else now
        conn.execute(update(sweep_leases).where(sweep_leases.c.name == LEASE).values(
            holder=holder, acquired_at=acquired, expires_at=now + ttl))
    return None


def drop_lease(conn: Connection, holder: str) -> None:
    conn.execute(delete(sweep_leases).where(and_(sweep_leases.c.name == LEASE, sweep_leases.c.holder == holder)))


# -- deadlines computed on another calendar ------------------------------------------------------------------

def provisional_timers(conn: Connection, *, after_id: int, not_version: str, limit: int) -> list[int]:
    """Ids of live provisional timers computed with another calendar version, in id order after `after_id`."""
    return [r.id for r in conn.execute(select(timers.c.id).where(and_(
        timers.c.id > after_id, timers.c.status.in_(("running", "suspended")),
        timers.c.provisional.is_(True), timers.c.calendar_version != not_version))
        .order_by(timers.c.id).limit(limit))]


def set_timer_calendar(conn: Connection, timer_id: int, *, version: str, provisional: bool, at: datetime) -> None:
    conn.execute(update(timers).where(timers.c.id == timer_id).values(
        calendar_version=version, provisional=provisional, updated_at=at))
