"""Unit of work (cosmicpython): one transaction per use case; rolled back unless committed."""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine


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
        self._tx.commit()
        self._committed = True

    def __exit__(self, *exc) -> None:
        try:
            if not self._committed:
                self._tx.rollback()
        finally:
            self.conn.close()
