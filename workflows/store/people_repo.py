"""The users and the credit subjects (信用主体): plain reads and writes on a connection; never commits.

`repo.user_row` and `repo.subject_row` (the engine's hot reads by name and id) stay in `store/repo.py`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ..audit import subject_change_hash
from . import repo
from .tables import subject_changes, subjects, users

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


_INSERT_SUBJECT = insert(subjects).returning(subjects.c.id)  # built once: an import registers thousands


def add_subject(conn: Connection, *, name: str, subject_type: str, identifier_kind: str, identifier: str,
                now: datetime) -> int:
    return conn.execute(_INSERT_SUBJECT, dict(
        name=name, subject_type=subject_type, identifier_kind=identifier_kind, identifier=identifier,
        created_at=now)).scalar_one()


def list_subjects(conn: Connection):
    return conn.execute(select(subjects).order_by(subjects.c.id)).all()


def subjects_by_identifiers(conn: Connection, identifiers) -> dict:
    """The registered subjects among `identifiers`, by identifier (read in chunks: a year's file holds thousands)."""
    wanted = sorted(set(identifiers))
    found = {}
    for i in range(0, len(wanted), 500):
        for r in conn.execute(select(subjects).where(subjects.c.identifier.in_(wanted[i:i + 500]))):
            found[r.identifier] = r
    return found


def change_subject(conn: Connection, subject_id: int, *, actor: str, new: dict, reason: str, now: datetime,
                   clock_overridden: bool) -> dict:
    """Change a subject's `new` fields (e.g. {"name": ...}) and append the change, hash-chained, to
    `subject_changes` (workflows/audit.py). Returns the recorded row. A concurrent change taking the same
    seq fails on the unique constraint (IntegrityError): the caller's transaction then changes nothing."""
    row = repo.subject_row(conn, subject_id)
    old = {field: getattr(row, field) for field in new}
    conn.execute(update(subjects).where(subjects.c.id == subject_id).values(**new))
    last = conn.execute(select(subject_changes.c.seq, subject_changes.c.hash)
                        .order_by(subject_changes.c.seq.desc()).limit(1)).first()
    change = {"seq": (last.seq if last else 0) + 1, "subject_id": subject_id, "actor": actor, "changed_at": now,
              "clock_overridden": clock_overridden, "old": old, "new": dict(new), "reason": reason,
              "prev_hash": last.hash if last else ""}
    change["hash"] = subject_change_hash(change)
    conn.execute(insert(subject_changes).values(**change))
    return change
