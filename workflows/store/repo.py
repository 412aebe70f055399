"""Repositories: plain reads and writes on a connection. They never commit; the unit of work does."""

from __future__ import annotations

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from ..errors import BadInput
from .tables import cases, number_sequences, subjects, timers, users
from .tables import deployment as deployment_table

DEPLOYMENT_KEYS = ("department_name", "number_prefix", "reconsideration_body", "court")


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
    return conn.execute(select(users).where(users.c.name == name)).first()


def subject_row(conn: Connection, subject_id: int):
    return conn.execute(select(subjects).where(subjects.c.id == subject_id)).first()


def case_row(conn: Connection, case_id: int):
    return conn.execute(select(cases).where(cases.c.id == case_id)).first()


def children_of(conn: Connection, case_id: int, kind: str | None = None):
    q = select(cases).where(cases.c.parent_id == case_id)
    if kind:
        q = q.where(cases.c.kind == kind)
    return conn.execute(q.order_by(cases.c.id)).all()


def cases_of_subject(conn: Connection, subject_id: int, kind: str):
    return conn.execute(select(cases).where(and_(cases.c.subject_id == subject_id, cases.c.kind == kind))
                        .order_by(cases.c.id)).all()


def timers_of(conn: Connection, case_id: int):
    return conn.execute(select(timers).where(timers.c.case_id == case_id).order_by(timers.c.id)).all()


def next_notice_number(conn: Connection, settings: dict, series: str, year: int) -> tuple[str, int]:
    """Take the next document number of (department, series, year): gapless, because the
    increment rolls back with the transaction, and race-free, because the upsert locks the row."""
    dept = settings["number_prefix"]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(number_sequences).values(department=dept, series=series, year=year, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["department", "series", "year"], set_={"last": number_sequences.c.last + 1}
    ).returning(number_sequences.c.last)
    n = conn.execute(stmt).scalar_one()
    return f"{dept}{series}〔{year}〕{n}号", n
