"""workflows.store.hot: the engine's statements on the DBAPI cursor store exactly what SQLAlchemy
would, a failed guard stops its batch, and failures surface as SQLAlchemy errors (both backends)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from conftest import make_services
from workflows.store import hot
from workflows.store.types import UTCDateTime

md = MetaData()
things = Table(
    "hot_things", md,
    Column("id", Integer, primary_key=True),
    Column("name", String(16), nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    Column("data", JSON, nullable=False),
    Column("on", Date, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("flag", Boolean, nullable=False, default=False),
    Column("n", Integer, nullable=False, default=lambda: 5),
)
INSERT = hot.HotStatement(insert(things))
BUMP = hot.HotStatement(update(things).where(things.c.id == bindparam("b_id"))
                        .where(things.c.version == bindparam("b_version")))
READ = hot.HotStatement(select(things).where(things.c.id == bindparam("id")))
AT = datetime(2026, 2, 6, 1, 2, 3, 456789, tzinfo=timezone.utc)


@pytest.fixture
def db(db_url, tmp_path):
    svc = make_services(db_url, tmp_path)
    md.create_all(svc.db)
    yield svc.db
    svc.db.dispose()


def row(name, **extra):
    return {"name": name, "version": 0, "data": {"键": [1, "二"]}, "on": date(2026, 2, 6), "at": AT, "n": 3, **extra}


def test_values_round_trip_as_with_sqlalchemy(db):
    with db.begin() as conn:
        hot.run(conn, [hot.Call(INSERT, {"id": 1, **row("hot")})])  # flag: its column default
        conn.execute(insert(things), {"id": 2, **row("core")})
    with db.begin() as conn:
        stored = [conn.execute(select(things).where(things.c.id == i)).one() for i in (1, 2)]
        (call,) = hot.run(conn, [hot.Call(READ, {"id": 1})])
    assert stored[0][2:] == stored[1][2:]
    assert tuple(call.rows[0]) == tuple(stored[0])
    assert call.rows[0].at == AT and call.rows[0].flag is False


def test_a_failed_guard_stops_the_batch(db):
    with db.begin() as conn:
        hot.run(conn, [hot.Call(INSERT, {"id": 1, **row("one")})])
    with db.connect() as conn:
        with conn.begin():
            # stale version: the guard changes nothing, and the duplicate name after it is not tried
            calls = hot.run(conn, [hot.Call(BUMP, {"b_id": 1, "b_version": 7, "version": 8}),
                                   hot.Call(INSERT, {"id": 2, **row("one")})], guard=True)
            assert calls[0].rowcount == 0
            conn.rollback()
        with conn.begin():
            with pytest.raises(IntegrityError):  # no guard failed: the failure is reported as SQLAlchemy would
                hot.run(conn, [hot.Call(BUMP, {"b_id": 1, "b_version": 0, "version": 1}),
                               hot.Call(INSERT, {"id": 2, **row("one")})], guard=True)
            conn.rollback()
    with db.connect() as conn:
        assert conn.execute(select(things.c.id, things.c.version)).all() == [(1, 0)]


def test_a_missing_value_with_a_callable_default_is_refused(db):
    values = row("x")
    del values["n"]
    with db.begin() as conn, pytest.raises(TypeError, match="give a value for 'n'"):
        hot.run(conn, [hot.Call(INSERT, {"id": 1, **values})])
