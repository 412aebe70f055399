"""Deadlines moved by new calendar data (`svc.sweep.recompute_deadlines`, `reload_calendar`).

A deadline whose last day moves gets a `deadline_recomputed` transition (logged with the old and new
last day and both calendar versions, with a notice to whoever it binds); one that stays put is brought
up to the current version (and loses its provisional mark once its years are confirmed). One
transaction per timer: a failure is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable

from states.registry import Registry
from states.spec import RECOMPUTE_TRIGGER
from states.timers import timer_period

from .. import clock
from ..engine import Engine, Request
from ..errors import CreditflowError
from ..store import sweep_repo
from ..store.uow import UnitOfWork


class Recompute:
    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable[[], Engine], registry: Registry):
        self.uow = uow
        self._engine = engine
        self.registry = registry

    def run(self, batch: int = 500) -> dict:
        """Every open deadline that was provisional and computed with another calendar version."""
        cal = self._engine().calendar
        moved, confirmed, unchanged, failed = [], [], 0, []
        last_id = 0
        while True:
            with self.uow() as uow:
                ids = sweep_repo.provisional_timers(uow.conn, after_id=last_id, not_version=cal.version, limit=batch)
            if not ids:
                break
            for timer_id in ids:
                last_id = timer_id
                try:
                    outcome = self.one(timer_id)
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

    def one(self, timer_id: int) -> dict | None:
        engine = self._engine()
        cal = engine.calendar
        with self.uow() as uow:
            conn = uow.conn
            t = sweep_repo.locked_timer(conn, timer_id, skip_locked=False)
            if t.status not in ("running", "suspended") or t.calendar_version == cal.version:
                return None
            period = timer_period(cal, t.unit, t.clock, clock.today())
            base = {"case_id": t.case_id, "timer": t.name, "old_last_day": t.last_day.isoformat(),
                    "new_last_day": period.last_day.isoformat(), "provisional": period.provisional,
                    "calendar_version_before": t.calendar_version, "calendar_version": cal.version}
            if period.last_day == t.last_day:
                sweep_repo.set_timer_calendar(conn, timer_id, version=cal.version, provisional=period.provisional,
                                              at=clock.real_now())
                uow.commit()
                return {**base, "moved": False, "confirmed": t.provisional and not period.provisional}
            spec = self.registry.procedure(t.kind, t.declaration_version).timer(t.name)
            # The schedule that moved it: the newly published years are the late ones (a schedule is
            # published for the coming year), i.e. those of the old and new last days. Named by the
            # announcing notice only: a local override file's path is no business of the addressee.
            years = range(min(period.last_day, t.last_day).year, max(period.last_day, t.last_day).year + 1)
            source = "、".join(dict.fromkeys(cal.year(y).source.split("；覆盖文件")[0] for y in years
                                             if cal.year(y).confirmed)) or "本局采用的最新日历数据"
            out = engine.advance(conn, t.case_id, Request(
                trigger=RECOMPUTE_TRIGGER, actor="system", recompute_timer=t.name, inputs={
                    "timer": t.name, "timer_label": spec.label, "side": spec.side, "old_last_day": t.last_day,
                    "new_last_day": period.last_day, "old_calendar_version": t.calendar_version,
                    "calendar_version": cal.version, "provisional": "是" if period.provisional else "否",
                    "calendar_source": source}))
            uow.commit()
        return {**base, "moved": True, "confirmed": not period.provisional, "notice": out.notice}
