"""Hot-path statements: Core statements compiled once per dialect and run on the DBAPI cursor.

SQLAlchemy's per-call execution machinery (execution context, result set-up, events) costs about
0.1 ms per statement, as much as a SQLite write itself, and a transition runs half a dozen of them.
A `HotStatement` skips only that machinery: its SQL is SQLAlchemy's own compilation for the
connection's dialect, and every value goes through the same bind and result processors of the
column types (`TypeEngine.dialect_impl(dialect).bind_processor(dialect)`), so what is stored and
read back is exactly what `Connection.execute` would have stored and read. Runs inside the caller's
transaction (a SQLAlchemy `Connection` in a transaction); never commits. No SQLAlchemy events
fire for these statements, and `echo` does not log them.

Measured and dropped: sending a transition's writes in one psycopg pipeline (one round trip
instead of four on PostgreSQL). On the loopback connection of the benchmark the pipeline's own
client work cost more than the three round trips it saved (docs/benchmarks.md).
"""

from __future__ import annotations

import weakref
from collections import namedtuple

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError


class _Plan:
    __slots__ = ("sql", "positional", "names", "binds", "defaults", "row", "results")

    def __init__(self, stmt, dialect, keys):
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
        self.sql = compiled.string
        self.positional = dialect.positional
        names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
        # (name, processor or None) per bind parameter, in the order the DBAPI wants them.
        self.binds = [(n, compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect)) for n in names]
        self.names = names if not any(p for _, p in self.binds) else None  # no processing at all: plain lookups
        self.defaults = _scalar_defaults(stmt, compiled, names, keys)
        self.row = self.results = None
        if stmt.is_select:
            cols = list(stmt.selected_columns)
            self.row = namedtuple("HotRow", [c.key for c in cols])
            self.results = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in cols]

    def params(self, values: dict):
        if self.defaults:
            values = {**self.defaults, **values}
        if self.positional:
            if self.names is not None:
                return tuple([values[n] for n in self.names])
            return tuple([values[n] if p is None else p(values[n]) for n, p in self.binds])
        return {n: values[n] if p is None else p(values[n]) for n, p in self.binds}

    def rows(self, raw_rows) -> list:
        procs, make = self.results, self.row._make
        if not any(procs):
            return [make(r) for r in raw_rows]
        return [make([v if p is None else p(v) for p, v in zip(procs, r)]) for r in raw_rows]


def _scalar_defaults(stmt, compiled, names, keys) -> dict:
    """Column defaults SQLAlchemy would fill in for columns not given (INSERT default, UPDATE
    onupdate); only constant ones can be, anything else has to be passed by the caller."""
    missing = [n for n in names if n not in keys]
    if not missing:
        return {}
    table = getattr(stmt, "table", None)
    out = {}
    for name in missing:
        col = table.c.get(name) if table is not None else None
        default = None
        if col is not None:
            default = col.onupdate if stmt.is_update else col.default
        if default is None or not default.is_scalar:
            raise TypeError(f"hot statement {compiled.string[:60]!r}...: give a value for {name!r}")
        out[name] = default.arg
    return out


class HotStatement:
    """One Core statement (SELECT, INSERT or UPDATE with bind parameters) for the hot path.

    Values not given must have a constant column default (callable defaults are not run here)."""

    def __init__(self, stmt):
        self.stmt = stmt
        # dialect -> {sorted parameter names -> plan}: INSERT/UPDATE compile to the columns given,
        # as `Connection.execute` does.
        self._plans: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def plan(self, dialect, values: dict) -> _Plan:
        keys = tuple(sorted(values))
        by_keys = self._plans.get(dialect)
        if by_keys is None:
            by_keys = self._plans[dialect] = {}
        plan = by_keys.get(keys)
        if plan is None:
            plan = by_keys[keys] = _Plan(self.stmt, dialect, keys)
        return plan


class Call:
    """One statement of a batch and, once run, its outcome: `rowcount`, and `rows` for a SELECT."""

    __slots__ = ("statement", "values", "plan", "rowcount", "rows")

    def __init__(self, statement: HotStatement, values: dict):
        if not isinstance(statement, HotStatement):  # e.g. a plain insert(...) planned by _timers
            raise TypeError(f"wrap {statement!r} in hot.HotStatement once, at module level")
        self.statement, self.values = statement, values
        self.plan = self.rows = None
        self.rowcount = -1


def run(conn: Connection, calls: list[Call], *, guard: bool = False) -> list[Call]:
    """Run `calls` in order in the connection's transaction.

    With `guard`, the first call is a guard: unless it changed exactly one row, the rest are not
    run and `calls[0].rowcount` says so."""
    dialect = conn.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    cur = conn.connection.driver_connection.cursor()
    try:
        for i, c in enumerate(calls):
            plan = c.plan = c.statement.plan(dialect, c.values)
            try:
                cur.execute(plan.sql, plan.params(c.values))
            except dbapi_error as exc:  # raised as Connection.execute would (IntegrityError, ...)
                raise DBAPIError.instance(plan.sql, c.values, exc, dbapi_error) from exc
            c.rowcount = cur.rowcount
            if plan.row is not None:
                c.rows = plan.rows(cur.fetchall())
            if guard and i == 0 and c.rowcount != 1:
                break
    finally:
        cur.close()
    return calls
