"""The migrations build exactly the schema the code declares (workflows/store/tables.py)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from workflows.store.tables import metadata


def test_migrations_build_the_declared_schema(svc):
    """Alembic's own comparison finds no table, column, index or constraint that differs after `init`."""
    with svc.db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_due_work_indexes_end_with_the_timer_id(svc):
    """The sweep reads due work in (instant, id) order; the indexes serve that order whole, so a LIMIT
    stops after `limit` entries even when thousands of deadlines share one instant."""
    with svc.db.connect() as conn:
        indexes = {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("timers")}
    assert indexes["ix_timers_due"] == ["status", "ends_at", "id"]
    assert indexes["ix_timers_remind"] == ["status", "remind_at", "id"]
