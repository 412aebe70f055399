"""The users and the credit subjects (信用主体): plain reads and writes on a connection; never commits.

`repo.user_row` and `repo.subject_row` (the engine's hot reads by name and id) stay in `store/repo.py`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from . import repo
from .tables import subjects, users

SYSTEM_USER = "system"  # the sweep's actor; created by `init`, never a person


def ensure_system_user(conn: Connection, now: datetime) -> None:
    if repo.user_row(conn, SYSTEM_USER) is None:
        conn.execute(insert(users).values(name=SYSTEM_USER, roles=SYSTEM_USER, created_at=now))


def add_user(conn: Connection, name: str, roles: list[str], now: datetime) -> None:
    conn.execute(insert(users).values(name=name, roles=",".join(roles), created_at=now))


def list_users(conn: Connection):
    return conn.execute(select(users).order_by(users.c.id)).all()


def subject_by_identifier(conn: Connection, identifier: str):
    return conn.execute(select(subjects).where(subjects.c.identifier == identifier)).first()


def add_subject(conn: Connection, *, name: str, subject_type: str, identifier_kind: str, identifier: str,
                now: datetime) -> int:
    return conn.execute(insert(subjects).values(
        name=name, subject_type=subject_type, identifier_kind=identifier_kind, identifier=identifier,
        created_at=now).returning(subjects.c.id)).scalar_one()


def list_subjects(conn: Connection):
    return conn.execute(select(subjects).order_by(subjects.c.id)).all()
