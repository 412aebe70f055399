"""Reading cases for people: lists, related cases, a subject's cases, a case's log. Never commits.

The engine's reads of one case (`repo.case_row`, `repo.for_transition`, …) stay in `store/repo.py`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as when_then
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from .tables import cases, subjects, timers, transitions

LIVE = ("running", "suspended")  # a timer still counting (or paused): it has a deadline ahead


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(cases)).scalar_one()


def of_subject(conn: Connection, subject_id: int):
    """Every case of a subject, of every kind, oldest first."""
    return conn.execute(select(cases).where(cases.c.subject_id == subject_id).order_by(cases.c.id)).all()


def related(conn: Connection, case_id: int):
    """The cases under this one (its children) and those it opened as linked cases, oldest first."""
    return conn.execute(select(cases).where(or_(cases.c.parent_id == case_id, cases.c.opened_by == case_id))
                        .order_by(cases.c.id)).all()


def running_timers(conn: Connection, case_ids: list[int]):
    """The running timers of the given cases, by case id then timer id."""
    if not case_ids:
        return []
    return conn.execute(select(timers).where(timers.c.case_id.in_(case_ids), timers.c.status == "running")
                        .order_by(timers.c.case_id, timers.c.id)).all()


def log_of(conn: Connection, case_id: int):
    return conn.execute(select(transitions).where(transitions.c.case_id == case_id).order_by(transitions.c.seq)).all()


def listing(conn: Connection, *, kind: str | None, state: str | None, overdue: bool, due_by: datetime | None,
            limit: int, mine: str | None = None):
    """Open cases (or those in `state`), most urgent first: overdue ones, then by the next live deadline
    (`next_end`), each with its subject's name. One grouped query finds each case's next deadline, so the
    list costs the same however many timers have run out before. `mine` (a user name): only that user's
    cases and the unassigned ones, the user's own first."""
    live = select(timers.c.case_id, func.min(timers.c.ends_at).label("next_end")) \
        .where(timers.c.status.in_(LIVE)).group_by(timers.c.case_id).subquery()
    q = select(cases, live.c.next_end, subjects.c.name.label("subject_name")) \
        .outerjoin(live, live.c.case_id == cases.c.id).outerjoin(subjects, subjects.c.id == cases.c.subject_id)
    if kind:
        q = q.where(cases.c.kind == kind)
    q = q.where(cases.c.state == state) if state else q.where(cases.c.is_final.is_(False))
    if overdue:
        q = q.where(cases.c.overdue.is_(True))
    if due_by is not None:
        q = q.where(live.c.next_end <= due_by)
    order = [cases.c.overdue.desc(), live.c.next_end.asc().nulls_last(), cases.c.id]
    if mine is not None:
        q = q.where(or_(cases.c.assignee == mine, cases.c.assignee.is_(None)))
        order.insert(0, when_then((cases.c.assignee == mine, 0), else_=1))
    q = q.order_by(*order).limit(limit)
    return conn.execute(q).all()


def next_deadlines(conn: Connection, case_ids: list[int]) -> dict:
    """Each case's earliest live timer row, by case id."""
    nxt = {}
    for t in conn.execute(select(timers).where(timers.c.case_id.in_(case_ids), timers.c.status.in_(LIVE))
                          .order_by(timers.c.ends_at.desc(), timers.c.id.desc())):
        nxt[t.case_id] = t  # ends up with the earliest
    return nxt


def of_subjects(conn: Connection, subject_ids, kind: str):
    """The cases of `kind` on any of `subject_ids`, oldest first (read in chunks: a year's import names thousands)."""
    ids = sorted(set(subject_ids))
    rows = []
    for i in range(0, len(ids), 500):
        rows += conn.execute(select(cases).where(cases.c.kind == kind, cases.c.subject_id.in_(ids[i:i + 500]))
                             .order_by(cases.c.id)).all()
    return rows
