"""The public board's reads (公示栏, 信用查询) and the board's own account: plain SQL on a connection; never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from states.spec import PUBLIC_ACTOR, PUBLIC_ROLE

from . import repo
from .tables import archive_entries, archive_status, cases, notices, subjects, timers, users


def ensure_public_actor(conn: Connection, now: datetime) -> bool:
    """The account the board acts as for the public (no password: nobody logs in as it). False when the name is
    held by an account without the public role (the board then takes no objection rather than act as someone)."""
    row = repo.user_row(conn, PUBLIC_ACTOR)
    if row is None:
        conn.execute(insert(users).values(name=PUBLIC_ACTOR, roles=PUBLIC_ROLE, created_at=now))
        return True
    return row.roles.split(",") == [PUBLIC_ROLE]


def running_clocks(conn: Connection, pairs: set[tuple[str, str]], now: datetime, case_id: int | None = None):
    """The clocks named by (kind, timer name) `pairs` that run at `now` (their last day not over), with their case
    and subject (one query)."""
    if not pairs:
        return []
    q = (select(timers.c.case_id, timers.c.name, timers.c.start_day, timers.c.last_day, timers.c.ends_at,
                cases.c.kind, cases.c.declaration_version, cases.c.state, cases.c.version, subjects.c.id.label("subject_id"),
                subjects.c.name.label("subject_name"), subjects.c.subject_type, subjects.c.identifier)
         .join(cases, cases.c.id == timers.c.case_id).join(subjects, subjects.c.id == cases.c.subject_id)
         .where(timers.c.status == "running", timers.c.ends_at > now, cases.c.is_final.is_(False),
                timers.c.name.in_(sorted({t for _, t in pairs})), cases.c.kind.in_(sorted({k for k, _ in pairs})))
         .order_by(timers.c.ends_at, timers.c.case_id))
    if case_id is not None:
        q = q.where(timers.c.case_id == case_id)
    return [r for r in conn.execute(q) if (r.kind, r.name) in pairs]


def latest_public_notices(conn: Connection, case_ids: list[int]) -> dict:
    """Each case's latest notice to the public (audience `public`), by case."""
    if not case_ids:
        return {}
    last = (select(notices.c.case_id, func.max(notices.c.id).label("id"))
            .where(notices.c.case_id.in_(case_ids), notices.c.audience == "public")
            .group_by(notices.c.case_id).subquery())
    rows = conn.execute(select(notices.c.case_id, notices.c.number, notices.c.title, notices.c.issued_at,
                               notices.c.text, notices.c.html)
                        .join(last, last.c.id == notices.c.id))
    return {r.case_id: r for r in rows}


def public_notice(conn: Connection, number: str):
    return conn.execute(select(notices.c.case_id, notices.c.number, notices.c.title, notices.c.html,
                               notices.c.audience).where(notices.c.number == number)).first()


def archive_results(conn: Connection, category: str, subject_types):
    """The archive entries of `category` about subjects of `subject_types`, with the subject, and every status row
    written on them in order (entry id -> statuses)."""
    rows = conn.execute(
        select(archive_entries.c.id, archive_entries.c.case_id, archive_entries.c.determined_on,
               archive_entries.c.disclosure_until, archive_entries.c.kind, subjects.c.id.label("subject_id"),
               subjects.c.name.label("subject_name"), subjects.c.subject_type, subjects.c.identifier)
        .join(subjects, subjects.c.id == archive_entries.c.subject_id)
        .where(archive_entries.c.category == category, subjects.c.subject_type.in_(sorted(subject_types)))
        .order_by(archive_entries.c.id)).all()
    written: dict[int, list[str]] = {}
    if rows:
        for s in conn.execute(select(archive_status.c.entry_id, archive_status.c.status)
                              .join(archive_entries, archive_entries.c.id == archive_status.c.entry_id)
                              .where(archive_entries.c.category == category).order_by(archive_status.c.id)):
            written.setdefault(s.entry_id, []).append(s.status)
    return rows, written


def case_data(conn: Connection, case_ids) -> dict:
    if not case_ids:
        return {}
    return {r.id: r for r in conn.execute(select(cases.c.id, cases.c.kind, cases.c.data)
                                          .where(cases.c.id.in_(sorted(set(case_ids)))))}


def years_with_records(conn: Connection, record_kind: str, result_kind: str) -> list[int]:
    """The years of the results (cases of `result_kind`) under which a record (a case of `record_kind`) was opened."""
    result = aliased(cases)
    year = result.c.data["year"].as_integer()
    q = (select(year.label("year")).select_from(cases).join(result, result.c.id == cases.c.parent_id)
         .where(and_(cases.c.kind == record_kind, result.c.kind == result_kind)).distinct())
    return sorted(y for (y,) in conn.execute(q) if isinstance(y, int))


def institutions(conn: Connection, *, identifier: str | None = None, name_part: str | None = None,
                 types=(), limit: int = 20):
    """Institutions (subjects of `types`) by exact identifier or by a part of the name."""
    q = select(subjects.c.id, subjects.c.name, subjects.c.subject_type, subjects.c.identifier).where(
        subjects.c.subject_type.in_(sorted(types)))
    if identifier is not None:
        q = q.where(subjects.c.identifier == identifier)
    else:
        escaped = name_part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        q = q.where(subjects.c.name.like(f"%{escaped}%", escape="\\"))
    return conn.execute(q.order_by(subjects.c.name, subjects.c.id).limit(limit)).all()
