"""The staff pages' reads (workflows/services/worklist.py): the worklist, the approver's queue, the dashboard's
figures and the log across cases. Each page is one statement: the rows joined with what they show (subject,
nearest running clock, who prepared a proposal), never a lookup per row. Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy import case as when_then
from sqlalchemy.engine import Connection

from .sweep_repo import INCIDENT_OPEN
from .tables import cases, incidents, subjects, timers, transitions

# (kind, declaration_version, state): one declared state of one procedure version
StateKey = tuple[str, int, str]


def _nearest_end(case_id_col):
    """When the case's running clock that ends first ends: a correlated lookup on the timers of one case."""
    return (select(func.min(timers.c.ends_at)).where(timers.c.case_id == case_id_col, timers.c.status == "running")
            .scalar_subquery())


def _nearest_timer(page):
    """Join condition: the running timer of the page's case that ends at its `nearest_end` (the lowest id among
    timers ending at the same instant); evaluated for the page's rows only."""
    t = timers.alias("tie")
    first = (select(func.min(t.c.id)).where(t.c.case_id == page.c.case_id, t.c.status == "running",
                                            t.c.ends_at == page.c.nearest_end).scalar_subquery())
    return timers.c.id == first


def _in_states(keys: Iterable[StateKey]):
    """cases in any of the (kind, version, state) keys, grouped by procedure version."""
    grouped: dict[tuple[str, int], set[str]] = {}
    for kind, version, state in keys:
        grouped.setdefault((kind, version), set()).add(state)
    if not grouped:
        return literal(False)
    return or_(*(and_(cases.c.kind == kind, cases.c.declaration_version == version, cases.c.state.in_(sorted(states)))
                 for (kind, version), states in sorted(grouped.items())))


def _search(text: str):
    """The subject's name containing `text`, or its code (USCC / ID number) starting with it, or the case number."""
    conds = [subjects.c.name.contains(text, autoescape=True),
             subjects.c.identifier.startswith(text.upper(), autoescape=True)]
    if text.isdigit() and len(text) < 10:
        conds.append(cases.c.id == int(text))
    return or_(*conds)


_ROW_COLUMNS = (cases.c.id, cases.c.kind, cases.c.declaration_version, cases.c.state, cases.c.version,
                cases.c.assignee, cases.c.overdue, cases.c.opened_at, cases.c.subject_id,
                subjects.c.name.label("subject_name"), subjects.c.identifier_kind, subjects.c.identifier,
                timers.c.name.label("timer_name"), timers.c.side.label("timer_side"),
                timers.c.last_day.label("timer_last_day"), timers.c.ends_at.label("timer_ends_at"))


def worklist(conn: Connection, user: str, *, kind: str | None, state: str | None, search: str | None,
             limit: int, offset: int):
    """One page of the user's open cases and the unassigned ones, the user's own first, then overdue, then by
    the nearest running clock's end; each row carries `total`, the number of rows of every page. The inner
    query orders the candidates by what it reads from `cases` and the timers index and keeps one page; only the
    page's rows are joined with their subject and clock."""
    nearest_end = _nearest_end(cases.c.id).label("nearest_end")  # ordered by its label: looked up once per case
    mine = when_then((cases.c.assignee == user, 0), else_=1).label("mine_first")
    inner = select(cases.c.id.label("case_id"), nearest_end, mine,
                   func.count().over().label("total")).where(
        cases.c.is_final.is_(False), or_(cases.c.assignee == user, cases.c.assignee.is_(None)))
    if kind:
        inner = inner.where(cases.c.kind == kind)
    if state:
        inner = inner.where(cases.c.state == state)
    if search:
        inner = inner.join(subjects, subjects.c.id == cases.c.subject_id, isouter=True).where(_search(search))
    inner = inner.order_by(mine, cases.c.overdue.desc(), nearest_end.asc().nulls_last(), cases.c.id) \
        .limit(limit).offset(offset)
    page = inner.subquery("page")
    q = (select(*_ROW_COLUMNS, page.c.total)
         .select_from(page.join(cases, cases.c.id == page.c.case_id)
                      .outerjoin(subjects, subjects.c.id == cases.c.subject_id)
                      .outerjoin(timers, _nearest_timer(page)))
         .order_by(page.c.mine_first, cases.c.overdue.desc(), page.c.nearest_end.asc().nulls_last(), cases.c.id))
    return conn.execute(q).all()


def approvals(conn: Connection, approver: str, awaiting: Iterable[StateKey], *, limit: int, offset: int):
    """Open cases in a state where an approver's decision is declared, with who brought the case into that
    state (`prepared_by`, `prepared_trigger`, `prepared_at`: the latest log row that entered it), unless it was
    `approver`; overdue first, then by the nearest running clock, then the longest waiting. Each row carries
    `total`, the number of rows of every page. As in `worklist`, only the page's rows are joined with their
    subject and clock."""
    e = transitions.alias("entry")
    entered = (select(e.c.id).where(e.c.case_id == cases.c.id, e.c.to_state == cases.c.state,
                                    or_(e.c.from_state.is_(None), e.c.from_state != e.c.to_state))
               .order_by(e.c.seq.desc()).limit(1).correlate(cases).scalar_subquery())
    nearest_end = _nearest_end(cases.c.id).label("nearest_end")
    inner = (select(cases.c.id.label("case_id"), nearest_end, transitions.c.actor.label("prepared_by"),
                    transitions.c.trigger.label("prepared_trigger"), transitions.c.effective_at.label("prepared_at"),
                    func.count().over().label("total"))
             .select_from(cases.outerjoin(transitions, transitions.c.id == entered))
             .where(cases.c.is_final.is_(False), _in_states(awaiting),
                    or_(transitions.c.actor.is_(None), transitions.c.actor != approver))
             .order_by(cases.c.overdue.desc(), nearest_end.asc().nulls_last(), transitions.c.effective_at, cases.c.id)
             .limit(limit).offset(offset)).subquery("waiting")
    q = (select(*_ROW_COLUMNS, inner.c.prepared_by, inner.c.prepared_trigger, inner.c.prepared_at, inner.c.total)
         .select_from(inner.join(cases, cases.c.id == inner.c.case_id)
                      .outerjoin(subjects, subjects.c.id == cases.c.subject_id)
                      .outerjoin(timers, _nearest_timer(inner)))
         .order_by(cases.c.overdue.desc(), inner.c.nearest_end.asc().nulls_last(), inner.c.prepared_at, cases.c.id))
    return conn.execute(q).all()


# -- the dashboard ------------------------------------------------------------------------------------------

def counts_by_state(conn: Connection):
    """(kind, state, n) for every state holding cases: read from the (kind, state) index alone."""
    return conn.execute(select(cases.c.kind, cases.c.state, func.count().label("n"))
                        .group_by(cases.c.kind, cases.c.state).order_by(cases.c.kind, cases.c.state)).all()


def deadline_figures(conn: Connection, now: datetime, week_end: datetime) -> tuple[int, int]:
    """(open cases overdue: flagged, or with a running clock already ended; open cases not overdue whose nearest
    running clock ends after now and by `week_end`). Reads the running clocks by the due index's ranges, not
    every open case."""
    flagged = conn.execute(select(func.count()).select_from(cases)
                           .where(cases.c.is_final.is_(False), cases.c.overdue.is_(True))).scalar_one()
    ended = (select(timers.c.case_id).where(timers.c.status == "running", timers.c.ends_at <= now))
    late = conn.execute(select(func.count(func.distinct(timers.c.case_id)))
                        .select_from(timers.join(cases, cases.c.id == timers.c.case_id))
                        .where(timers.c.status == "running", timers.c.ends_at <= now,
                               cases.c.is_final.is_(False), cases.c.overdue.is_(False))).scalar_one()
    due = conn.execute(select(func.count(func.distinct(timers.c.case_id)))
                       .select_from(timers.join(cases, cases.c.id == timers.c.case_id))
                       .where(timers.c.status == "running", timers.c.ends_at > now, timers.c.ends_at <= week_end,
                              cases.c.is_final.is_(False), cases.c.overdue.is_(False),
                              timers.c.case_id.not_in(ended))).scalar_one()
    return int(flagged) + int(late), int(due)


def open_incidents(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(incidents).where(incidents.c.status == INCIDENT_OPEN)).scalar_one()


def per_month(conn: Connection, months: list[tuple[datetime, datetime]], closing: Iterable[StateKey]) -> tuple[list, list]:
    """Cases opened, and cases closed (a log row entering a final state from a state that is not), in each
    [start, end) month; two statements of conditional sums, whatever the number of cases."""
    def sums(col):
        return [func.coalesce(func.sum(when_then((and_(col >= a, col < b), 1), else_=0)), 0) for a, b in months]

    first, last = months[0][0], months[-1][1]
    opened = conn.execute(select(*sums(cases.c.opened_at)).where(cases.c.opened_at >= first,
                                                                 cases.c.opened_at < last)).one()
    closing = list(closing)
    closed_rows = transitions.join(cases, cases.c.id == transitions.c.case_id)
    finals: dict[tuple[str, int], set[str]] = {}
    for kind, version, state in closing:
        finals.setdefault((kind, version), set()).add(state)
    into_final = or_(*(and_(cases.c.kind == k, cases.c.declaration_version == v, transitions.c.to_state.in_(sorted(s)),
                            or_(transitions.c.from_state.is_(None), transitions.c.from_state.not_in(sorted(s))))
                       for (k, v), s in sorted(finals.items()))) if finals else literal(False)
    closed = conn.execute(select(*sums(transitions.c.effective_at)).select_from(closed_rows)
                          .where(into_final, transitions.c.effective_at >= first, transitions.c.effective_at < last)).one()
    return [int(v) for v in opened], [int(v) for v in closed]


# -- the log across cases -------------------------------------------------------------------------------------

def log_search(conn: Connection, *, actor: str | None, kind: str | None, bounds: tuple[datetime | None, datetime | None],
               overridden: bool, overdue: bool, limit: int, offset: int):
    """Log rows across cases, newest first, with their case's kind and version; `bounds`: the instants
    [from, to) of the effective time (either may be None). Reads `limit` rows (the caller asks one more to
    know whether another page follows)."""
    q = (select(transitions.c.id, transitions.c.case_id, transitions.c.seq, transitions.c.trigger,
                transitions.c.from_state, transitions.c.to_state, transitions.c.actor, transitions.c.role,
                transitions.c.effective_at, transitions.c.recorded_at, transitions.c.clock_overridden,
                transitions.c.notice_number, transitions.c.rules, transitions.c.hash,
                cases.c.kind, cases.c.declaration_version, cases.c.overdue)
         .select_from(transitions.join(cases, cases.c.id == transitions.c.case_id)))
    if actor:
        q = q.where(transitions.c.actor == actor)
    if kind:
        q = q.where(cases.c.kind == kind)
    lo, hi = bounds
    if lo is not None:
        q = q.where(transitions.c.effective_at >= lo)
    if hi is not None:
        q = q.where(transitions.c.effective_at < hi)
    if overridden:
        q = q.where(transitions.c.clock_overridden.is_(True))
    if overdue:
        q = q.where(cases.c.overdue.is_(True))
    return conn.execute(q.order_by(transitions.c.id.desc()).limit(limit).offset(offset)).all()

