"""Unit of work (cosmicpython): one transaction per use case; rolled back unless committed.

A transaction PostgreSQL aborts to resolve a deadlock (SQLSTATE 40P01: two transitions lock the same case rows
and number series in opposite orders, e.g. a child's transition that advances its parent while the parent's own
transition numbers its notice) or a serialization failure (40001) was rolled back as a whole and changed
nothing: it leaves as `Conflict` (exit 4, "run it again"), as a stale version does, never as an internal error.
The sweep defers a conflicted item to its next run.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .. import faults
from ..errors import Conflict

ABORTED_FOR_CONCURRENCY = {"40P01": "数据库检测到死锁", "40001": "并发事务无法串行执行"}


def _sqlstate(exc: BaseException | None) -> str | None:
    orig = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    return getattr(orig, "sqlstate", None) if orig is not None else None


class UnitOfWork:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.conn: Connection | None = None
        self._tx = None
        self._committed = False

    def __enter__(self) -> "UnitOfWork":
        self.conn = self.engine.connect()
        self._tx = self.conn.begin()
        return self

    def commit(self) -> None:
        faults.before_commit()  # the crash tests' kill point (workflows/faults.py); inert unless CREDITFLOW_FAULT is set
        self._tx.commit()
        self._committed = True

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if not self._committed:
                self._tx.rollback()
        finally:
            self.conn.close()
        reason = ABORTED_FOR_CONCURRENCY.get(_sqlstate(exc))
        if reason is not None:
            raise Conflict(f"办理期间另一项办理同时锁定了相关案件或文号（{reason}），本次办理未执行、未作任何更改；"
                           "请稍后重新办理") from exc
