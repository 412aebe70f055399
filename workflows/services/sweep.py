"""The sweep area (到期处理): expiries, reminders, incidents, and deadlines moved by new calendar data.

Shaped like Prefect's own loop services (its late-runs service): `run_once()` selects due rows by time
with a limit and handles them, safe to repeat; `loop_seconds` is how often a runner calls it
(`creditflow serve`, workflows/flows.py). A batch of due items is fired in one transaction, each case
under its own savepoint, numbers taken once per series at the end (`_fire_batch`,
workflows/engine/batch.py, docs/sweep.md); `mode="per-transition"` fires one item per transaction, the
way `fire_case` and `retry_incident` always do. Details that matter:

* Due work is a timer's expiry (`ends_at` passed) or its reminder (`remind_at` passed). The unit of
  claiming is the case: the sweeper locks the case row (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
  several sweepers share the work with no overlap), then fires that case's due work item by item in due
  order (due instant, then the declared `order`), re-reading the case each time. So
  an expiry that closes the case stops its clocks and the reminders behind it never fire.
* Exactly once: each item re-checks its timer inside its transaction (still running, reminder still
  pending) and consumes it there; a repeat finds nothing to do.
* Catch-up: an item takes effect at its due instant (state, effective instant, archive dates, derived
  deadlines as if on time); its notice is dated the day it is produced and states the day the period
  ended (never backdated); the log row records the processing instant and the lateness.
* Only the sweep fires a timer, only through its own `on_expiry` and only once it is due by the clock
  (the engine refuses anything else); `as_of` may not run ahead of the clock unless clock override is on.
* A failure rolls its transaction (in a batch: its savepoint) back and becomes an incident, retried by
  later sweeps with exponential back-off; the rest of the batch goes on. A lost database stops the sweep
  with `Unavailable` (one line); the batch in progress is lost whole and done again by the next sweep. A case with an incident waiting
  for its next attempt is left alone entirely, so its items never fire out of order.
* SQLite: one sweeper at a time, by a lease row (`sweep_leases`) taken under SQLite's single write lock.

Every public method here runs many transactions on purpose (one per batch or item, lease, incident or timer).
"""

from __future__ import annotations

import os
import socket
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from calendars import SHANGHAI
from states.registry import Registry

from .. import clock
from ..engine import Engine
from ..engine.batch import BatchEngine
from ..errors import BadInput, Conflict, Unavailable
from ..settings import Settings
from ..store import sweep_repo
from ..store.sweep_repo import DueWork
from ..store.uow import UnitOfWork
from .audit import AuditService
from .common import outcome_dict
from .recompute import Recompute
from .sweep_items import (SweepReport, backoff, declared_order, fire_request, incident_dict, lost_detail, message,
                          still_due, store_lost, try_again)

LEASE_TTL = timedelta(minutes=5)
MODES = ("batch", "per-transition")  # run_once: a batch per transaction (default), or one transaction per item


class SweepService:
    """Fires what is due; needs the units of work, the engine (built on first use), the registry (for
    the declared order and the timers' labels) and the audit service (the sweep's daily checkpoint)."""

    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable[[], Engine], registry: Registry,
                 audit: AuditService, settings: Settings, *, sqlite: bool):
        self.uow = uow
        self._engine = engine
        self.registry = registry
        self.audit = audit
        self.settings = settings
        self.sqlite = sqlite  # one sweeper at a time, by the lease
        self.loop_seconds = settings.sweep_interval
        self.recompute = Recompute(uow, engine, registry)

    @property
    def engine(self) -> Engine:
        return self._engine()

    # -- due work --------------------------------------------------------------------------------------

    def due_work(self, as_of: datetime, limit: int = 500) -> list[DueWork]:
        """What is due as of `as_of`, earliest first (cases with an incident in back-off left out)."""
        with self.uow() as uow:
            return self._due(uow.conn, as_of, limit)

    def _due(self, conn, as_of: datetime, limit: int, case_id: int | None = None, *,
             exclude: frozenset[int] = frozenset(), claim: bool = False) -> list[DueWork]:
        items = sweep_repo.due_work(conn, as_of, clock.real_now(), limit, case_id, exclude=exclude, claim=claim)
        items.sort(key=lambda w: (w.due_at, declared_order(self.registry, w), w.case_id, w.timer_id))
        return items[:limit]

    def fire_case(self, case_id: int, as_of: datetime, report: SweepReport | None = None) -> SweepReport:
        """Fire one case's due work in due order, one item per transaction, until none is left, the case
        is locked by another sweeper, or an item fails (then an incident records it)."""
        report = report or SweepReport()
        while True:
            with self.uow() as uow:
                work = self._due(uow.conn, as_of, 100, case_id=case_id)
            if not work or not self._fire_items(work, as_of, report, self._open_incidents()):
                return report

    def _fire_items(self, items: list[DueWork], as_of: datetime, report: SweepReport, open_incidents: set) -> bool:
        """Fire one case's items (earliest first), each in its own transaction. False when the case must
        wait: locked elsewhere, a person's change in between, or a failure (now an incident)."""
        return all(self._fire_item(item, as_of, report, (item.timer_id, item.work) in open_incidents) == "done"
                   for item in items)

    def _fire_item(self, item: DueWork, as_of: datetime, report: SweepReport, has_incident: bool) -> str:
        failure = None
        with self.uow() as uow:
            conn = uow.conn
            row = sweep_repo.locked_timer(conn, item.timer_id, skip_locked=True)  # SKIP LOCKED: held elsewhere
            if row is None:
                return "locked"
            if not still_due(row, item, as_of):
                return "done"  # fired already, or cancelled by an earlier item of this case (closing it)
            try:
                request = fire_request(item, row, self.engine.calendar, self.registry)
                out = self.engine.advance(conn, row.case_id, request)
                if has_incident:
                    sweep_repo.resolve_incident(conn, item.timer_id, item.work, at=clock.real_now(),
                                                resolution="fired by a later sweep")
                uow.commit()
            except Conflict as exc:  # a person changed the case meanwhile: the next sweep retries
                report.add("deferred", {**item.to_dict(), "error": exc.message})
                return "deferred"
            except Exception as exc:  # noqa: BLE001 - any failure of one item becomes an incident ...
                if try_again(exc):  # ... but a deadlock or a lock (nothing changed): the next sweep retries
                    report.add("deferred", {**item.to_dict(), "error": message(exc)})
                    return "deferred"
                failure = (exc, traceback.format_exc())
        if failure is not None:
            incident = self._record_incident(item, *failure)
            report.add("failed", {**item.to_dict(), "error": message(failure[0]),
                                  "code": getattr(failure[0], "code", type(failure[0]).__name__),
                                  "incident": incident})
            return "failed"
        report.add("reminded" if item.work == "reminder" else "fired", {
            **item.to_dict(), "timer": row.name, "processed_at": clock.local(clock.real_now()),
            "lateness_seconds": int((clock.real_now() - item.due_at).total_seconds()), **outcome_dict(out)})
        return "done"

    def _open_incidents(self) -> set[tuple[int, str]]:
        with self.uow() as uow:
            return sweep_repo.open_incident_keys(uow.conn)

    # -- the sweep -----------------------------------------------------------------------------------------

    def run_once(self, as_of: datetime | None = None, batch: int = 500, holder: str | None = None,
                 mode: str = "batch") -> dict:
        """Fire everything due as of `as_of` (default now), batch by batch; then the day's audit checkpoint.

        `mode` "batch" (default) fires each batch in one transaction, every case's transition under its own
        savepoint (`_fire_batch`); "per-transition" fires each item in its own transaction (the way a
        handler's transition runs; kept to compare, and used by `fire_case` and `retry_incident`).
        Returns exact counts and the first items of each kind; `skipped` says why nothing ran (another
        SQLite sweeper holds the lease). When the database goes away mid-sweep, raises `Unavailable` with
        one line saying what was kept: the batches committed before stay, the one in progress is rolled
        back whole and done again by the next sweep."""
        as_of = as_of or clock.now()
        if batch < 1:
            raise BadInput("每批处理的期限数（batch）至少为 1；请重新填写", code="bad_batch")
        if mode not in MODES:
            raise BadInput(f"没有扫描方式 {mode!r}；可选：{'、'.join(MODES)}", code="bad_mode", allowed=list(MODES))
        if as_of > clock.now():
            # Nobody forges the clock: a sweep "as of" a later instant would fire deadlines not yet due.
            # With clock override (demos, tests) it runs with the clock set to that instant, so every row
            # it writes is marked overridden and nothing is dated before it happened.
            if not self.settings.allow_clock_override:
                raise BadInput(f"--as-of {as_of.astimezone(SHANGHAI).isoformat()} 晚于当前时间：清理到期事项不能提前进行"
                               "（只能补办已经到期的事项）；请去掉 --as-of 或给出不晚于现在的时刻",
                               code="as_of_in_future")
            with clock.frozen_at(as_of):
                return self.run_once(as_of, batch=batch, holder=holder, mode=mode)
        report = SweepReport()
        try:
            return self._run(as_of, batch, holder or f"{socket.gethostname()}:{os.getpid()}", mode, report)
        except Exception as exc:
            if not store_lost(exc):
                raise
            c = report.counts
            raise Unavailable(
                f"到期事项扫描中断：无法连接案件数据库（{lost_detail(exc)}）；本次已提交到期处理 {c['fired']} 件、"
                f"提醒 {c['reminded']} 件，正在处理的一批已整批撤销（未发文号、未记日志），数据库恢复后下次扫描将重新处理；"
                "请检查数据库服务是否运行", code="store_unreachable") from None

    def _run(self, as_of: datetime, batch: int, holder: str, mode: str, report: SweepReport) -> dict:
        if self.sqlite:
            other = self._take_lease(holder)
            if other is not None:
                return {"as_of": clock.local(as_of), "skipped": f"另一次扫描正在进行（{other}）",
                        "counts": report.counts, **report.items, "incidents": None, "checkpoint": None}
        passed = set()  # cases that must wait (locked elsewhere, changed meanwhile, failed): not retried in this sweep
        try:
            self._close_obsolete_incidents()
            while mode == "batch":
                found, waiting = self._fire_batch(as_of, batch, frozenset(passed), report)
                if not found:
                    break
                passed |= waiting
                if self.sqlite:
                    self._take_lease(holder)  # renew
            while mode == "per-transition":
                with self.uow() as uow:
                    work = self._due(uow.conn, as_of, batch + len(passed))
                by_case: dict[int, list[DueWork]] = {}
                for w in work:
                    if w.case_id not in passed:
                        by_case.setdefault(w.case_id, []).append(w)
                if not by_case:
                    break
                open_incidents = self._open_incidents()
                # The batch is in due order, so a case's earlier items are never left outside it;
                # its later ones (beyond the batch) come with the next query.
                for case_id, items in by_case.items():
                    if not self._fire_items(items, as_of, report, open_incidents):
                        passed.add(case_id)
                if self.sqlite:
                    self._take_lease(holder)  # renew
        finally:
            if self.sqlite:
                self._release_lease(holder)
        checkpoint = self.audit.daily_checkpoint()  # the audit trail's daily seal
        with self.uow() as uow:
            still_open = sweep_repo.count_open_incidents(uow.conn)
        return {"as_of": clock.local(as_of), "counts": report.counts, **report.items, "incidents": still_open,
                "checkpoint": checkpoint}

    # -- the batch: one transaction, a savepoint per case ----------------------------------------------------

    def _fire_batch(self, as_of: datetime, batch: int, passed: frozenset[int],
                    report: SweepReport) -> tuple[bool, set[int]]:
        """Find, claim and fire up to `batch` due items (cases in `passed` left out) in one transaction
        (workflows/engine/batch.py): the due-work query claims them (PostgreSQL: ``FOR UPDATE … SKIP
        LOCKED``, so a second sweeper takes the next batch, not this one), each case's items in due order,
        each item's transition (with its related cases) under its own savepoint; a failure rolls back to
        its savepoint and is recorded as an incident in the same transaction, and that case waits.
        Numbers, notices and log rows are written once the items are done, then one commit. Returns
        whether any due work was found, and the cases that must wait.

        Should the batch itself fail to commit for any reason but a lost database (which propagates:
        the batch is lost whole and the next sweep does it again), its cases are fired again the
        per-transition way, so one bad item becomes its own incident instead of blocking the batch."""
        engine = BatchEngine(self.engine)
        waiting: set[int] = set()
        done: list[tuple[str, dict]] = []  # the report's entries, added once the batch has committed
        by_case: dict[int, list[DueWork]] = {}
        open_incidents: set = set()
        try:
            with self.uow() as uow:
                conn = uow.conn
                for w in self._due(conn, as_of, batch, exclude=passed, claim=True):
                    by_case.setdefault(w.case_id, []).append(w)
                if not by_case:
                    return False, waiting
                open_incidents = sweep_repo.open_incident_keys(conn)
                # the full timer rows, by id (already ours on PostgreSQL: claimed by the query above)
                claimed = sweep_repo.lock_timers(conn, [w.timer_id for items in by_case.values() for w in items])
                touched: set[int] = set()  # cases this batch changed: their claimed rows are stale
                for case_id, items in by_case.items():
                    for item in items:
                        row = claimed.get(item.timer_id)
                        if row is None:  # held by another sweeper (or gone): that case waits
                            waiting.add(case_id)
                            break
                        if case_id in touched:
                            row = sweep_repo.locked_timer(conn, item.timer_id, skip_locked=False)
                        if not still_due(row, item, as_of):
                            continue  # fired already, or cancelled by an earlier item of this case
                        outcome = self._fire_in_savepoint(engine, conn, item, row, as_of, open_incidents, done)
                        if outcome is None:
                            waiting.add(case_id)
                            break
                        touched |= _cases_of(outcome)
                engine.finish(conn)
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - the batch could not commit: item by item instead
            if store_lost(exc) or not by_case:
                raise
            waiting = set()  # nothing of the batch was kept (its incidents neither): every case once more
            for case_id, items in by_case.items():
                if not self._fire_items(items, as_of, report, open_incidents):
                    waiting.add(case_id)
            return True, waiting
        for kind, entry in done:
            report.add(kind, _entry(entry))
        return True, waiting

    def _fire_in_savepoint(self, engine: BatchEngine, conn, item: DueWork, row, as_of: datetime,
                           open_incidents: set, done: list):
        """One item under its savepoint; its outcome, or None when its case must wait (deferred, failed)."""
        try:
            with engine.item(conn):
                out = engine.advance(conn, row.case_id, fire_request(item, row, engine.calendar, self.registry))
                if (item.timer_id, item.work) in open_incidents:
                    sweep_repo.resolve_incident(conn, item.timer_id, item.work, at=clock.real_now(),
                                                resolution="fired by a later sweep")
        except Exception as exc:  # noqa: BLE001 - sorted out below
            if store_lost(exc):
                raise
            if isinstance(exc, Conflict) or try_again(exc):  # a person's change, a lock: the next sweep retries
                done.append(("deferred", {**item.to_dict(), "error": message(exc)}))
                return None
            code = getattr(exc, "code", None) or type(exc).__name__
            incident = sweep_repo.record_failure(conn, item, error_code=str(code)[:64], message=message(exc),
                                                 detail=traceback.format_exc()[-20000:], now=clock.real_now(),
                                                 backoff=backoff)
            done.append(("failed", {**item.to_dict(), "error": message(exc), "code": code, "incident": incident}))
            return None
        done.append(("reminded" if item.work == "reminder" else "fired", {
            **item.to_dict(), "timer": row.name, "_outcome": out,
            "lateness_seconds": int((clock.real_now() - item.due_at).total_seconds())}))
        return out

    # -- the SQLite lease ------------------------------------------------------------------------------------

    def _take_lease(self, holder: str) -> str | None:
        """Take or renew the sweep lease; the other holder's description when it is theirs."""
        with self.uow() as uow:  # BEGIN IMMEDIATE: the read and the write are one atomic step
            other = sweep_repo.take_lease(uow.conn, holder, now=clock.real_now(), ttl=LEASE_TTL)
            if other is not None:
                return f"{other.holder}，自 {clock.local(other.acquired_at)} 起，租约至 {clock.local(other.expires_at)}"
            uow.commit()
        return None

    def _release_lease(self, holder: str) -> None:
        with self.uow() as uow:
            sweep_repo.drop_lease(uow.conn, holder)
            uow.commit()

    # -- incidents -----------------------------------------------------------------------------------------------

    def _record_incident(self, item: DueWork, exc: BaseException, detail: str) -> int:
        """The failure as an incident (a new one, or the item's open one once more), in its own transaction."""
        code = getattr(exc, "code", None) or type(exc).__name__
        with self.uow() as uow:
            incident_id = sweep_repo.record_failure(uow.conn, item, error_code=str(code)[:64], message=message(exc),
                                                    detail=detail[-20000:], now=clock.real_now(), backoff=backoff)
            uow.commit()
        return incident_id

    def _close_obsolete_incidents(self) -> None:
        with self.uow() as uow:
            sweep_repo.resolve_obsolete_incidents(uow.conn, at=clock.real_now())
            uow.commit()

    def list_incidents(self, include_resolved: bool = False) -> list[dict]:
        with self.uow() as uow:
            return [incident_dict(r) for r in sweep_repo.incidents_listing(uow.conn, include_resolved=include_resolved)]

    def retry_incident(self, incident_id: int) -> dict:
        """Retry an incident now, without waiting for its back-off; the result says how it went."""
        with self.uow() as uow:
            row = sweep_repo.incident_row(uow.conn, incident_id)
            if row is None:
                raise BadInput(f"没有编号为 {incident_id} 的异常事件；请用 creditflow incidents 查看",
                               code="unknown_incident")
            if row.status != sweep_repo.INCIDENT_OPEN:
                raise BadInput(f"异常事件 {incident_id} 已经解决（{row.resolution}），无需重试",
                               code="incident_resolved")
            sweep_repo.update_incident(uow.conn, incident_id, next_attempt_at=clock.real_now())
            uow.commit()
        self._close_obsolete_incidents()
        report = self.fire_case(row.case_id, clock.now())
        with self.uow() as uow:
            (after,) = sweep_repo.incidents_listing(uow.conn, incident_id=incident_id)
        return {"incident": incident_dict(after), "counts": report.counts, **report.items}

    # -- new calendar data ----------------------------------------------------------------------------------------

    def reload_calendar(self, override_file: str | None = None) -> dict:
        """Re-read the calendar (the override file, else the deployment's; newer `holidays` data) and
        recompute the provisional deadlines."""
        from calendars import default_calendar

        before = self.engine.calendar.version
        self.engine.calendar = default_calendar(override_file or self.settings.calendar_overrides)
        return {"calendar_version_before": before, **self.recompute_deadlines()}

    def recompute_deadlines(self, batch: int = 500) -> dict:
        """Recompute every open deadline that was provisional and computed with another calendar version
        (workflows/services/recompute.py); one transaction per timer."""
        return self.recompute.run(batch)



def _cases_of(out) -> set[int]:
    """The cases a transition changed: its own and, recursively, its parent's, opened and notified ones."""
    found = {out.case_id}
    for other in ([out.parent] if out.parent is not None else []) + out.opened + out.notified:
        found |= _cases_of(other)
    return found


def _entry(entry: dict) -> dict:
    """A report entry once its batch committed: the outcome (numbered by now) as plain data."""
    out = entry.pop("_outcome", None)
    if out is None:
        return entry
    return {**entry, "processed_at": clock.local(clock.real_now()), **outcome_dict(out)}
