"""Connections: SQLite (WAL, synchronous=FULL, foreign keys, BEGIN IMMEDIATE) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from ..errors import BadInput


def normalise_url(url: str) -> str:
    """A plain postgresql:// URL uses the shipped psycopg 3 driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Take the write lock up front: two writers then queue instead of failing to upgrade.
        # A long read (audit verify, export) asks for a plain BEGIN instead: in WAL mode it reads
        # one consistent snapshot and never blocks a writer (execution option sqlite_begin="DEFERRED").
        mode = "DEFERRED" if conn.get_execution_options().get("sqlite_begin") == "DEFERRED" else "IMMEDIATE"
        # On the DBAPI connection: every transaction starts here, and exec_driver_sql costs as much
        # as the BEGIN itself.
        dbapi_conn = conn.connection.driver_connection
        try:
            dbapi_conn.execute(f"BEGIN {mode}")
        except sqlite3.Error as exc:  # raised as exec_driver_sql would (e.g. OperationalError: locked)
            raise DBAPIError.instance(f"BEGIN {mode}", (), exc, sqlite3.Error) from exc


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's URL
        raise BadInput(f"database URL {url!r} is not valid: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
    raise BadInput(f"unsupported database {parsed.get_backend_name()!r}; use sqlite:/// or postgresql://")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)
