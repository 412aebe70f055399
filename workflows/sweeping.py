"""The deadline sweep (到期处理): expiries, reminders, incidents, and deadlines moved by new calendar data.

Shaped like Prefect's own late-runs service: select due rows by time with a limit, handle each in its
own transaction, safe to repeat. Details that matter:

* Due work is a timer's expiry (`ends_at` passed) or its reminder (`remind_at` passed). The unit of
  claiming is the case: the sweeper locks the case row (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
  several sweepers share the work with no overlap), then fires that case's due work one item per
  transaction in due order (due instant, then the declared `order`), re-reading the case each time. So
  an expiry that closes the case stops its clocks and the reminders behind it never fire.
* Exactly once: each item re-checks its timer inside its transaction (still running, reminder still
  pending) and consumes it there; a repeat finds nothing to do.
* Catch-up: an item takes effect at its due instant (state, effective instant, archive dates, derived
  deadlines as if on time); its notice is dated the day it is produced and states the day the period
  ended (never backdated); the log row records the processing instant and the lateness.
* Only the sweep fires a timer, only through its own `on_expiry` and only once it is due by the clock
  (the engine refuses anything else); `as_of` may not run ahead of the clock unless clock override is on.
* A failure rolls its transaction back and becomes an incident (in a transaction of its own), retried by
  later sweeps with exponential back-off; the rest of the batch goes on. A case with an incident waiting
  for its next attempt is left alone entirely, so its items never fire out of order.
* SQLite: one sweeper at a time, by a lease row (`sweep_leases`) taken under SQLite's single write lock.
"""

from __future__ import annotations

import os
import socket
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update

from calendars import SHANGHAI
from states import PROCEDURES
from states.spec import RECOMPUTE_TRIGGER, REMINDER_TRIGGER
from states.timers import timer_period

from . import clock
from .engine import Request
from .errors import BadInput, Conflict, CreditflowError
from .store.tables import cases, incidents, sweep_leases, timers

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
LEASE_TTL = timedelta(minutes=5)
REPORT_LIMIT = 1000  # a sweep's result lists at most this many items of each kind; the counts are exact


def declared_order(kind: str, trigger: str) -> int:
    """Among items due at the same instant, the declared order of the transition each fires (lower first)."""
    proc = PROCEDURES.get(kind)
    return min((t.order for t in proc.transitions if t.trigger == trigger), default=100) if proc else 100


def backoff(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min, … after the n-th failure, at most 6 hours."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


@dataclass(frozen=True)
class DueWork:
    timer_id: int
    case_id: int
    kind: str  # the case kind
    work: str  # expiry | reminder
    due_at: datetime
    trigger: str

    @property
    def sort_key(self):
        return self.due_at, declared_order(self.kind, self.trigger), self.case_id, self.timer_id


def _blocked_cases(now: datetime):
    """Cases with an incident waiting for its next attempt."""
    return select(incidents.c.case_id).where(and_(incidents.c.status == "open", incidents.c.next_attempt_at > now))


def _due_queries(as_of: datetime, now: datetime, limit: int, case_id: int | None = None):
    """Expiries and reminders due as of `as_of`, each by its own index (status, ends_at / remind_at, id)."""
    scope = timers.c.case_id == case_id if case_id is not None else timers.c.case_id.not_in(_blocked_cases(now))

    def due(column):
        return select(timers.c.id, timers.c.case_id, cases.c.kind, timers.c.on_expiry, column.label("due_at")) \
            .join(cases, cases.c.id == timers.c.case_id) \
            .where(timers.c.status == "running", column <= as_of, scope).order_by(column, timers.c.id).limit(limit)

    return due(timers.c.ends_at), due(timers.c.remind_at)


def _due_work(conn, as_of: datetime, now: datetime, limit: int, case_id: int | None = None) -> list[DueWork]:
    expiries, reminders = _due_queries(as_of, now, limit, case_id)
    items = [DueWork(r.id, r.case_id, r.kind, "expiry", r.due_at, r.on_expiry) for r in conn.execute(expiries)]
    items += [DueWork(r.id, r.case_id, r.kind, "reminder", r.due_at, REMINDER_TRIGGER) for r in conn.execute(reminders)]
    items.sort(key=lambda w: w.sort_key)
    return items[:limit]


class _Report:
    """What a sweep did: exact counts, and the first REPORT_LIMIT items of each kind."""

    def __init__(self):
        self.counts = {"fired": 0, "reminded": 0, "failed": 0, "deferred": 0}
        self.items = {k: [] for k in self.counts}

    def add(self, kind: str, item: dict) -> None:
        self.counts[kind] += 1
        if len(self.items[kind]) < REPORT_LIMIT:
            self.items[kind].append(item)


class SweepServices:
    """Mixed into `workflows.services.Services` (needs `uow()`, `engine`, `daily_checkpoint()`)."""

    # -- due work --------------------------------------------------------------------------------------

    def due_work(self, as_of: datetime, limit: int = 500) -> list[DueWork]:
        """What is due as of `as_of`, earliest first (cases with an incident in back-off left out)."""
        with self.uow() as uow:
            return _due_work(uow.conn, as_of, clock.real_now(), limit)

    def fire_case(self, case_id: int, as_of: datetime, report: _Report | None = None) -> _Report:
        """Fire one case's due work in due order, one item per transaction, until none is left, the case
        is locked by another sweeper, or an item fails (then an incident records it)."""
        report = report or _Report()
        while True:
            with self.uow() as uow:
                work = _due_work(uow.conn, as_of, clock.real_now(), 100, case_id=case_id)
            if not work or not self._fire_items(work, as_of, report, self._open_incidents()):
                return report

    def _fire_items(self, items: list[DueWork], as_of: datetime, report: _Report, open_incidents: set) -> bool:
        """Fire one case's items (earliest first), each in its own transaction. False when the case must
        wait: locked elsewhere, a person's change in between, or a failure (now an incident)."""
        for item in items:
            outcome = self._fire_item(item, as_of, report, (item.timer_id, item.work) in open_incidents)
            if outcome != "done":
                return False
        return True

    def _fire_item(self, item: DueWork, as_of: datetime, report: _Report, has_incident: bool) -> str:
        failure = None
        with self.uow() as uow:
            conn = uow.conn
            # SKIP LOCKED leaves a case another sweeper (or a person) holds to them.
            row = _locked_timer(conn, item.timer_id, skip_locked=True)
            if row is None:
                return "locked"
            if not _still_due(row, item, as_of):
                return "done"  # fired already, or cancelled by an earlier item of this case (closing it)
            try:
                result = self._fire(conn, item, row)
                if has_incident:
                    conn.execute(update(incidents).where(and_(
                        incidents.c.timer_id == item.timer_id, incidents.c.work == item.work,
                        incidents.c.status == "open")).values(
                        status="resolved", resolved_at=clock.real_now(), resolution="fired by a later sweep"))
                uow.commit()
            except Conflict as exc:  # a person changed the case meanwhile: the next sweep retries
                report.add("deferred", {**_item_dict(item), "error": exc.message})
                return "deferred"
            except Exception as exc:  # noqa: BLE001 - any failure of one item becomes an incident
                failure = (exc, traceback.format_exc())
        if failure is not None:
            incident = self._record_incident(item, *failure)
            report.add("failed", {**_item_dict(item), "error": _message(failure[0]),
                                  "code": getattr(failure[0], "code", type(failure[0]).__name__),
                                  "incident": incident})
            return "failed"
        report.add("reminded" if item.work == "reminder" else "fired", result)
        return "done"

    def _open_incidents(self) -> set[tuple[int, str]]:
        with self.uow() as uow:
            return set(uow.conn.execute(select(incidents.c.timer_id, incidents.c.work)
                                        .where(incidents.c.status == "open")).all())

    def _fire(self, conn, item: DueWork, row) -> dict:
        if item.work == "expiry":
            request = Request(trigger=row.on_expiry, actor="system", inputs={}, effective_at=row.ends_at,
                              fired_timer=row.id)
        else:
            cal = self.engine.calendar
            spec = PROCEDURES[item.kind].timer(row.name)
            remind_day = clock.today(row.remind_at)
            left = cal.working_days_in(remind_day + timedelta(days=1), row.last_day + timedelta(days=1))
            request = Request(trigger=REMINDER_TRIGGER, actor="system", effective_at=row.remind_at,
                              fired_reminder=row.id, inputs={
                                  "timer": row.name, "timer_label": spec.label, "last_day": row.last_day,
                                  "working_days_left": left})
        out = self.engine.advance(conn, row.case_id, request)
        return {**_item_dict(item), "timer": row.name, "processed_at": clock.local(clock.real_now()),
                "lateness_seconds": int((clock.real_now() - item.due_at).total_seconds()),
                **self._outcome(out)}

    # -- the sweep -----------------------------------------------------------------------------------------

    def sweep(self, as_of: datetime | None = None, batch: int = 500, holder: str | None = None) -> dict:
        """Fire everything due as of `as_of` (default now), batch by batch, each item in its own transaction.

        Returns exact counts and the first items of each kind; `skipped` says why nothing ran (another
        SQLite sweeper holds the lease)."""
        as_of = as_of or clock.now()
        if batch < 1:
            raise BadInput("the sweep batch size must be at least 1")
        if as_of > clock.now():
            # Nobody forges the clock: a sweep "as of" a later instant would fire deadlines not yet due.
            # With clock override (demos, tests) it runs with the clock set to that instant, so every row
            # it writes is marked overridden and nothing is dated before it happened.
            if not self.settings.allow_clock_override:
                raise BadInput(f"--as-of {as_of.astimezone(SHANGHAI).isoformat()} 晚于当前时间：清理到期事项不能提前进行"
                               "（只能补办已经到期的事项）；请去掉 --as-of 或给出不晚于现在的时刻",
                               code="as_of_in_future")
            with clock.frozen_at(as_of):
                return self.sweep(as_of, batch=batch, holder=holder)
        holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        sqlite = self.db.dialect.name == "sqlite"
        if sqlite:
            other = self._take_lease(holder)
            if other is not None:
                nothing = _Report()
                return {"as_of": clock.local(as_of), "skipped": f"另一次扫描正在进行（{other}）",
                        "counts": nothing.counts, **nothing.items, "incidents": None, "checkpoint": None}
        report = _Report()
        passed = set()  # cases that must wait (locked elsewhere, changed meanwhile, failed): not retried in this sweep
        try:
            self._close_obsolete_incidents()
            while True:
                with self.uow() as uow:
                    work = _due_work(uow.conn, as_of, clock.real_now(), batch + len(passed))
                by_case: dict[int, list[DueWork]] = {}
                for w in work:
                    if w.case_id not in passed:
                        by_case.setdefault(w.case_id, []).append(w)
                if not by_case:
                    break
                open_incidents = self._open_incidents()
                for case_id, items in by_case.items():
                    # The batch is in due order, so a case's earlier items are never left outside it;
                    # its later ones (beyond the batch) come with the next query.
                    if not self._fire_items(items, as_of, report, open_incidents):
                        passed.add(case_id)
                if sqlite:
                    self._take_lease(holder)  # renew
        finally:
            if sqlite:
                self._release_lease(holder)
        checkpoint = self.daily_checkpoint()  # the audit trail's daily seal (workflows/auditing.py)
        with self.uow() as uow:
            still_open = uow.conn.execute(select(func.count()).select_from(incidents)
                                          .where(incidents.c.status == "open")).scalar_one()
        return {"as_of": clock.local(as_of), "counts": report.counts, **report.items, "incidents": still_open,
                "checkpoint": checkpoint}

    # -- the SQLite lease ------------------------------------------------------------------------------------

    def _take_lease(self, holder: str) -> str | None:
        """Take or renew the sweep lease; the other holder's description when it is theirs."""
        now = clock.real_now()
        with self.uow() as uow:  # BEGIN IMMEDIATE: the read and the write below are one atomic step
            row = uow.conn.execute(select(sweep_leases).where(sweep_leases.c.name == "sweep")).first()
            if row is not None and row.holder != holder and row.expires_at > now:
                return f"{row.holder}，自 {clock.local(row.acquired_at)} 起，租约至 {clock.local(row.expires_at)}"
            if row is None:
                uow.conn.execute(insert(sweep_leases).values(name="sweep", holder=holder, acquired_at=now,
                                                             expires_at=now + LEASE_TTL))
            else:
                acquired = row.acquired_at if row.holder == holder else now
                uow.conn.execute(update(sweep_leases).where(sweep_leases.c.name == "sweep").values(
                    holder=holder, acquired_at=acquired, expires_at=now + LEASE_TTL))
            uow.commit()
        return None

    def _release_lease(self, holder: str) -> None:
        with self.uow() as uow:
            uow.conn.execute(delete(sweep_leases).where(and_(sweep_leases.c.name == "sweep",
                                                             sweep_leases.c.holder == holder)))
            uow.commit()

    # -- incidents -----------------------------------------------------------------------------------------------

    def _record_incident(self, item: DueWork, exc: BaseException, detail: str) -> int:
        now = clock.real_now()
        with self.uow() as uow:
            conn = uow.conn
            row = conn.execute(select(incidents).where(and_(
                incidents.c.timer_id == item.timer_id, incidents.c.work == item.work,
                incidents.c.status == "open"))).first()
            code = getattr(exc, "code", None) or type(exc).__name__
            values = dict(error_code=str(code)[:64], message=_message(exc), detail=detail[-20000:], last_failed_at=now)
            if row is None:
                incident_id = conn.execute(insert(incidents).values(
                    timer_id=item.timer_id, case_id=item.case_id, work=item.work, trigger=item.trigger, status="open",
                    attempts=1, first_failed_at=now, next_attempt_at=now + backoff(1), **values)
                    .returning(incidents.c.id)).scalar_one()
            else:
                incident_id = row.id
                conn.execute(update(incidents).where(incidents.c.id == row.id).values(
                    attempts=row.attempts + 1, next_attempt_at=now + backoff(row.attempts + 1), **values))
            uow.commit()
        return incident_id

    def _close_obsolete_incidents(self) -> None:
        """An incident whose timer a person has since stopped (or whose reminder went) has nothing left to retry."""
        gone = select(timers.c.id).where(timers.c.status != "running")
        with self.uow() as uow:
            uow.conn.execute(update(incidents).where(and_(incidents.c.status == "open", or_(
                incidents.c.timer_id.in_(gone),
                and_(incidents.c.work == "reminder",
                     incidents.c.timer_id.in_(select(timers.c.id).where(timers.c.remind_at.is_(None)))))))
                .values(status="resolved", resolved_at=clock.real_now(), resolution="timer no longer due"))
            uow.commit()

    def list_incidents(self, include_resolved: bool = False) -> list[dict]:
        with self.uow() as uow:
            q = select(incidents, timers.c.name.label("timer"), timers.c.status.label("timer_status")) \
                .join(timers, timers.c.id == incidents.c.timer_id).order_by(incidents.c.id)
            if not include_resolved:
                q = q.where(incidents.c.status == "open")
            return [_incident_dict(r) for r in uow.conn.execute(q)]

    def retry_incident(self, incident_id: int) -> dict:
        """Retry an incident now, without waiting for its back-off; the result says how it went."""
        with self.uow() as uow:
            row = uow.conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
            if row is None:
                raise BadInput(f"unknown incident {incident_id}; list them with `creditflow incidents`",
                               code="unknown_incident")
            if row.status != "open":
                raise BadInput(f"incident {incident_id} is {row.status} already ({row.resolution})",
                               code="incident_resolved")
            uow.conn.execute(update(incidents).where(incidents.c.id == incident_id)
                             .values(next_attempt_at=clock.real_now()))
            uow.commit()
        self._close_obsolete_incidents()
        report = self.fire_case(row.case_id, clock.now())
        with self.uow() as uow:
            after = uow.conn.execute(select(incidents, timers.c.name.label("timer"), timers.c.status.label("timer_status"))
                                     .join(timers, timers.c.id == incidents.c.timer_id)
                                     .where(incidents.c.id == incident_id)).first()
        return {"incident": _incident_dict(after), "counts": report.counts, **report.items}

    # -- new calendar data ----------------------------------------------------------------------------------------

    def reload_calendar(self, override_file: str | None = None) -> dict:
        """Re-read the calendar (the override file, else the deployment's; newer `holidays` data) and
        recompute the provisional deadlines."""
        from calendars import default_calendar

        before = self.engine.calendar.version
        self.engine.calendar = default_calendar(override_file or self.settings.calendar_overrides)
        return {"calendar_version_before": before, **self.recompute_deadlines()}

    def recompute_deadlines(self, batch: int = 500) -> dict:
        """Recompute every open deadline that was provisional and computed with another calendar version.

        A deadline whose last day moves gets a `deadline_recomputed` transition (logged with the old and
        new last day and both calendar versions, with a notice to whoever it binds); one that stays put is
        brought up to the current version (and loses its provisional mark once its years are confirmed)."""
        cal = self.engine.calendar
        moved, confirmed, unchanged, failed = [], [], 0, []
        last_id = 0
        while True:
            with self.uow() as uow:
                rows = uow.conn.execute(select(timers.c.id).where(and_(
                    timers.c.id > last_id, timers.c.status.in_(("running", "suspended")),
                    timers.c.provisional.is_(True), timers.c.calendar_version != cal.version))
                    .order_by(timers.c.id).limit(batch)).all()
            if not rows:
                break
            for (timer_id,) in rows:
                last_id = timer_id
                try:
                    outcome = self._recompute_one(timer_id)
                except CreditflowError as exc:
                    failed.append({"timer_id": timer_id, "error": exc.message})
                    continue
                if outcome is None:
                    continue
                if outcome["moved"]:
                    moved.append(outcome)
                elif outcome["confirmed"]:
                    confirmed.append(outcome)
                else:
                    unchanged += 1
        return {"calendar_version": cal.version, "moved": moved, "confirmed": confirmed, "unchanged": unchanged,
                "failed": failed}

    def _recompute_one(self, timer_id: int) -> dict | None:
        cal = self.engine.calendar
        with self.uow() as uow:
            conn = uow.conn
            t = _locked_timer(conn, timer_id, skip_locked=False)
            if t.status not in ("running", "suspended") or t.calendar_version == cal.version:
                return None
            period = timer_period(cal, t.unit, t.clock, clock.today())
            base = {"case_id": t.case_id, "timer": t.name, "old_last_day": t.last_day.isoformat(),
                    "new_last_day": period.last_day.isoformat(), "provisional": period.provisional,
                    "calendar_version_before": t.calendar_version, "calendar_version": cal.version}
            if period.last_day == t.last_day:
                conn.execute(update(timers).where(timers.c.id == timer_id).values(
                    calendar_version=cal.version, provisional=period.provisional, updated_at=clock.real_now()))
                uow.commit()
                return {**base, "moved": False, "confirmed": t.provisional and not period.provisional}
            spec = PROCEDURES[t.kind].timer(t.name)
            # The schedule that moved it: the newly published years are the late ones (a schedule is
            # published for the coming year), i.e. those of the old and new last days. Named by the
            # announcing notice only: a local override file's path is no business of the addressee.
            years = range(min(period.last_day, t.last_day).year, max(period.last_day, t.last_day).year + 1)
            source = "、".join(dict.fromkeys(cal.year(y).source.split("；覆盖文件")[0] for y in years
                                             if cal.year(y).confirmed)) or "本局采用的最新日历数据"
            out = self.engine.advance(conn, t.case_id, Request(
                trigger=RECOMPUTE_TRIGGER, actor="system", recompute_timer=t.name, inputs={
                    "timer": t.name, "timer_label": spec.label, "side": spec.side, "old_last_day": t.last_day,
                    "new_last_day": period.last_day, "old_calendar_version": t.calendar_version,
                    "calendar_version": cal.version, "provisional": "是" if period.provisional else "否",
                    "calendar_source": source}))
            uow.commit()
        return {**base, "moved": True, "confirmed": not period.provisional, "notice": out.notice}


def _locked_timer(conn, timer_id: int, *, skip_locked: bool):
    """The timer row with its case's kind, in one statement that locks the case and the timer (PostgreSQL;
    SQLite's write lock covers it). Locking the timer too makes PostgreSQL return its latest committed
    version, so a timer another sweeper fired a moment ago reads as fired (locking only the case would
    return the timer as of the statement's snapshot). None when `skip_locked` and another holds them."""
    q = select(timers, cases.c.kind).join(cases, cases.c.id == timers.c.case_id).where(timers.c.id == timer_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(of=(cases, timers), skip_locked=skip_locked)
    return conn.execute(q).first()


def _still_due(row, item: DueWork, as_of: datetime) -> bool:
    if row.status != "running":
        return False
    if item.work == "expiry":
        return row.ends_at <= as_of
    return row.remind_at is not None and row.remind_at <= as_of


def _item_dict(item: DueWork) -> dict:
    return {"timer_id": item.timer_id, "case_id": item.case_id, "work": item.work, "trigger": item.trigger,
            "due_at": item.due_at.astimezone(SHANGHAI).isoformat()}


def _message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"


def _incident_dict(r) -> dict:
    return {"id": r.id, "timer_id": r.timer_id, "timer": r.timer, "timer_status": r.timer_status, "case_id": r.case_id,
            "work": r.work, "trigger": r.trigger, "status": r.status, "attempts": r.attempts,
            "error_code": r.error_code, "message": r.message, "first_failed_at": clock.local(r.first_failed_at),
            "last_failed_at": clock.local(r.last_failed_at), "next_attempt_at": clock.local(r.next_attempt_at),
            "resolved_at": clock.local(r.resolved_at) if r.resolved_at else None, "resolution": r.resolution}
