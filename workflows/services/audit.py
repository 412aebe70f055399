"""The audit area: a case's log, verification of the whole trail, checkpoints and exports.

The work itself is `workflows/auditing.py` (verification, checkpoints, export; docs/audit.md). Its
reads run in one read-only snapshot each (`auditing.reading`); a checkpoint is written in one
transaction of its own (REPEATABLE READ on PostgreSQL, so the heads hashed are the heads stored).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.engine import Engine as DbEngine

from .. import auditing, clock
from ..store import cases_repo
from ..store.uow import UnitOfWork
from .common import require_case


class AuditService:
    def __init__(self, db: DbEngine, uow: Callable[[], UnitOfWork]):
        self.db = db
        self.uow = uow

    def log(self, case_id: int) -> list[dict]:
        """A case's transition log, oldest first, every field with its chain hashes."""
        with self.uow() as uow:
            require_case(uow.conn, case_id)
            rows = cases_repo.log_of(uow.conn, case_id)
        return [{"seq": r.seq, "trigger": r.trigger, "from_state": r.from_state, "to_state": r.to_state,
                 "actor": r.actor, "role": r.role, "effective_at": clock.local(r.effective_at),
                 "recorded_at": clock.local(r.recorded_at), "clock_overridden": r.clock_overridden,
                 "inputs": r.inputs, "rules": r.rules, "timer_effects": r.timer_effects,
                 "notice_number": r.notice_number, "notice_hash": r.notice_hash, "hash": r.hash,
                 "prev_hash": r.prev_hash} for r in rows]

    def verify(self, checkpoint_file: str | None = None) -> dict:
        """Recompute every chain and notice hash; compare with the latest checkpoint (or a file kept elsewhere)."""
        return auditing.verify(self.db, checkpoint_file)

    def write_checkpoint(self) -> dict:
        return auditing.write_checkpoint(self.db)

    def daily_checkpoint(self) -> dict | None:
        """Write a checkpoint unless today (Asia/Shanghai) has one: a read, then (if needed) the write's own
        transaction; None when there is one already, or another worker wrote it at the same moment."""
        return auditing.daily_checkpoint(self.db)

    def list_checkpoints(self) -> list[dict]:
        return auditing.list_checkpoints(self.db)

    def export_checkpoint(self, path: str, checkpoint_id: int | None = None) -> dict:
        return auditing.export_checkpoint(self.db, path, checkpoint_id)

    def export_log(self, path: str, fmt: str = "jsonl", since: date | None = None, case_id: int | None = None) -> dict:
        return auditing.export_log(self.db, path, fmt, since, case_id)
