"""Repositories: plain reads and writes on a connection. They never commit; the unit of work does.

Hot-path statements are built once (with bind parameters) so each call only binds and runs.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, insert, select, text, update
from sqlalchemy.engine import Connection

from ..errors import BadInput
from .tables import cases, subjects, timers, users  # noqa: F401 (timers: the engine builds its INSERT from repo.timers)
from .tables import deployment as deployment_table

DEPLOYMENT_KEYS = ("department_name", "number_prefix", "reconsideration_body", "court")

_CASE = select(cases).where(cases.c.id == bindparam("id"))
_USER = select(users).where(users.c.name == bindparam("name"))
_SUBJECT = select(subjects).where(subjects.c.id == bindparam("id"))
_TIMERS = select(timers).where(timers.c.case_id == bindparam("case_id")).order_by(timers.c.id)
_CHILDREN = select(cases).where(cases.c.parent_id == bindparam("id")).order_by(cases.c.id)
_CHILDREN_OF_KIND = select(cases).where(and_(cases.c.parent_id == bindparam("id"), cases.c.kind == bindparam("kind"))) \
    .order_by(cases.c.id)
_OF_SUBJECT = select(cases).where(and_(cases.c.subject_id == bindparam("sid"), cases.c.kind == bindparam("kind"))) \
    .order_by(cases.c.id)
INSERT_TIMER = insert(timers)
UPDATE_TIMER = update(timers).where(and_(timers.c.case_id == bindparam("b_case_id"), timers.c.name == bindparam("b_name")))


def deployment_settings(conn: Connection) -> dict:
    values = {r.key: r.value for r in conn.execute(select(deployment_table))}
    missing = [k for k in DEPLOYMENT_KEYS if k not in values]
    if missing:
        raise BadInput(f"deployment settings missing ({', '.join(missing)}); run `creditflow init`")
    return values


def set_deployment(conn: Connection, values: dict) -> None:
    for key, value in values.items():
        if conn.execute(select(deployment_table.c.key).where(deployment_table.c.key == key)).first():
            conn.execute(update(deployment_table).where(deployment_table.c.key == key).values(value=value))
        else:
            conn.execute(insert(deployment_table).values(key=key, value=value))


def user_row(conn: Connection, name: str):
    return conn.execute(_USER, {"name": name}).first()


def subject_row(conn: Connection, subject_id: int):
    return conn.execute(_SUBJECT, {"id": subject_id}).first()


def case_row(conn: Connection, case_id: int):
    return conn.execute(_CASE, {"id": case_id}).first()


def children_of(conn: Connection, case_id: int, kind: str | None = None):
    if kind:
        return conn.execute(_CHILDREN_OF_KIND, {"id": case_id, "kind": kind}).all()
    return conn.execute(_CHILDREN, {"id": case_id}).all()


def cases_of_subject(conn: Connection, subject_id: int, kind: str):
    return conn.execute(_OF_SUBJECT, {"sid": subject_id, "kind": kind}).all()


def timers_of(conn: Connection, case_id: int):
    return conn.execute(_TIMERS, {"case_id": case_id}).all()


# One statement for both backends (SQLite >= 3.35 and PostgreSQL): text() is compiled once and cached,
# where the dialect-specific on_conflict constructs are recompiled on every call.
_SEQUENCE = text(
    "INSERT INTO number_sequences (department, series, year, last) VALUES (:dept, :series, :year, 1) "
    "ON CONFLICT (department, series, year) DO UPDATE SET last = number_sequences.last + 1 RETURNING last"
)


def next_notice_number(conn: Connection, settings: dict, series: str, year: int) -> tuple[str, int]:
    """Take the next document number of (department, series, year): gapless, because the
    increment rolls back with the transaction, and race-free, because the upsert locks the row."""
    dept = settings["number_prefix"]
    n = conn.execute(_SEQUENCE, {"dept": dept, "series": series, "year": year}).scalar_one()
    return f"{dept}{series}〔{year}〕{n}号", n
