"""The engine for a batch of system transitions in one database transaction (the batched sweep).

The sweep fires up to a batch of due timers in one transaction instead of one transaction each, so
a fired timer costs no commit of its own. Each transition is still the engine's one way
(`Engine.advance`, the same checks, effects, timer plan, notice and related cases); what differs is
only where its writes go and when its document number is taken:

1. `item(conn)` runs one case's transition under its own SAVEPOINT. Inside it the transition writes
   the case (optimistic version check, new state and data, `log_seq`; the chain head waits), its
   timers, archive rows and service record, and the related cases it opens or notifies (the same
   way, inside the same savepoint). Its notice (rendered with the number placeholder) and its log row
   (without number and hashes) are held in memory as `Pending`. A failure rolls back to the savepoint
   and drops whatever the transition held; the batch goes on.
2. `finish(conn)` then numbers the held transitions: one counter update per (department, series, year),
   the counters taken in sorted order,
   moving the counter by the number of notices that series holds (`notices_repo.take_numbers`), and
   the numbers given out in the order the transitions were written. Only then are the notices and log
   rows written (each log row chained on the one before it for the same case, within the batch too),
   and each touched case's chain head set once. A transition rolled back to its savepoint never
   reached `finish`, so it never consumed a number; a crash or failed commit rolls back the counter
   with everything else.

Memory: at most one batch of held transitions (a notice's HTML and text each). Locks: the claimed
cases and timers from the claim to the batch's commit; the number rows from `finish` to the commit.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection

from ..store import hot, notices_repo
from ..store.tables import cases, notices, transitions
from .core import _UPDATE_CASE, Engine, Pending

_SET_CHAIN_HEAD = update(cases).where(cases.c.id == bindparam("b_id")).values(chain_head=bindparam("b_head"))


class BatchEngine(Engine):
    """An `Engine` (same calendar, registry, policy and settings) whose transitions hold their notice and
    log row until `finish`. One per batch; not shared between threads."""

    def __init__(self, engine: Engine):
        super().__init__(engine.calendar, engine.registry, profile=engine.profile, schedule=engine.schedule)
        self._settings = engine._settings  # the deployment's settings, read once per engine
        self.pending: list[Pending] = []

    def _store(self, conn, p: Pending, settings: dict) -> None:
        calls = [hot.Call(_UPDATE_CASE, p.case)] + [hot.Call(stmt, params) for stmt, params in p.timer_writes]
        if hot.run(conn, calls, guard=True)[0].rowcount != 1:
            raise p.conflict()
        self.pending.append(p)

    @contextmanager
    def item(self, conn: Connection):
        """One case's transition (with its related cases) under a savepoint: kept when the block ends,
        rolled back with everything it held when the block raises."""
        mark = len(self.pending)
        savepoint = conn.begin_nested()
        try:
            yield
        except BaseException:
            del self.pending[mark:]
            savepoint.rollback()
            raise
        savepoint.commit()  # RELEASE SAVEPOINT

    def finish(self, conn: Connection) -> int:
        """Number the held transitions, then write their notices, log rows and the cases' chain heads.
        Returns how many transitions were written."""
        held, self.pending = self.pending, []
        if not held:
            return 0
        series: dict[tuple[str, str, int], list[Pending]] = {}
        for p in held:
            series.setdefault((p.notice["department"], p.series, p.year), []).append(p)
        numbers: dict[int, tuple[str, int]] = {}  # id(pending) -> (number, n)
        # in one fixed order (sorted), so two sweepers' batches never hold counters the other waits for
        for (department, name, year), group in sorted(series.items()):
            for p, n in zip(group, notices_repo.take_numbers(conn, department, name, year, len(group))):
                numbers[id(p)] = (notices_repo.number_text(department, name, year, n), n)
        heads: dict[int, str] = {}  # case -> its chain head after the batch's rows so far
        notice_rows, log_rows = [], []
        for p in held:  # in the order written, so a case's rows chain in their seq order
            number, n = numbers[id(p)]
            notice, log = p.numbered(number, n, heads.get(p.case_id, p.prev_hash))
            heads[p.case_id] = log["hash"]
            notice_rows.append(notice)
            log_rows.append(log)
            p.outcome.notice = number
        conn.execute(insert(notices), notice_rows)
        conn.execute(insert(transitions), log_rows)
        conn.execute(_SET_CHAIN_HEAD, [{"b_id": case_id, "b_head": head} for case_id, head in heads.items()])
        return len(held)
