"""Repositories: plain reads and writes on a connection. They never commit; the unit of work does.

Hot-path statements are built once (with bind parameters) so each call only binds and runs.
"""

from __future__ import annotations

from collections import namedtuple

from sqlalchemy import Integer, and_, bindparam, insert, select, text, update
from sqlalchemy.engine import Connection

from ..errors import BadInput
from . import hot, notices_repo
from .tables import cases, subjects, timers, users
from .tables import deployment as deployment_table

DEPLOYMENT_KEYS = ("department_name", "number_prefix", "reconsideration_body", "court")

_CASE = select(cases).where(cases.c.id == bindparam("id"))
_USER = select(users).where(users.c.name == bindparam("name"))
_SUBJECT = select(subjects).where(subjects.c.id == bindparam("id"))
_TIMERS = select(timers).where(timers.c.case_id == bindparam("case_id")).order_by(timers.c.id)
_CHILDREN = select(cases).where(cases.c.parent_id == bindparam("id")).order_by(cases.c.id)
_CHILDREN_OF_KIND = select(cases).where(and_(cases.c.parent_id == bindparam("id"), cases.c.kind == bindparam("kind"))) \
    .order_by(cases.c.id)
_OPENED_BY = select(cases).where(cases.c.opened_by == bindparam("id")).order_by(cases.c.id)
_ON_ENTRY = select(cases).where(and_(cases.c.entry_id == bindparam("id"), cases.c.kind == bindparam("kind"))) \
    .order_by(cases.c.id)
_OF_SUBJECT = select(cases).where(and_(cases.c.subject_id == bindparam("sid"), cases.c.kind == bindparam("kind"))) \
    .order_by(cases.c.id)
# The reads a transition's guards and effects weigh, locked until its commit (PostgreSQL; SQLite's one writer
# serializes anyway). FOR SHARE on a related case: a concurrent transition that would change it waits for this
# commit, so what a guard saw still stands when this transition commits (no write skew; commit order is an order
# in which every transaction saw what it decided on, which is what `audit replay` re-executes). FOR NO KEY
# UPDATE on the case or subject a new case is opened under: two openings there take turns, so each sees the
# other's case (one application per record at a time) while the new row's own foreign-key check still passes.
_LOCKS = {"share": dict(read=True), "update": dict(key_share=True)}
_LOCKED = {(name, lock): stmt.with_for_update(**how) for name, stmt in (
    ("case", _CASE), ("children", _CHILDREN), ("children_of_kind", _CHILDREN_OF_KIND), ("on_entry", _ON_ENTRY),
    ("of_subject", _OF_SUBJECT), ("subject", _SUBJECT)) for lock, how in _LOCKS.items()}
INSERT_TIMER = hot.HotStatement(insert(timers))
UPDATE_TIMER = hot.HotStatement(update(timers).where(and_(timers.c.case_id == bindparam("b_case_id"),
                                                          timers.c.name == bindparam("b_name"))))

# Everything a transition on an existing case reads, in one statement: the case, its subject, the
# acting user (by name) and the case's timers (one result row per timer, ordered by id).
_CASE_KEYS, _SUBJECT_KEYS, _TIMER_KEYS = tuple(cases.c.keys()), tuple(subjects.c.keys()), tuple(timers.c.keys())
CaseRow = namedtuple("CaseRow", _CASE_KEYS)
SubjectRow = namedtuple("SubjectRow", _SUBJECT_KEYS)
UserRow = namedtuple("UserRow", ("name", "roles"))
TimerRow = namedtuple("TimerRow", _TIMER_KEYS)
_FOR_TRANSITION = hot.HotStatement(
    select(*cases.c, *(subjects.c[k].label(f"subject__{k}") for k in _SUBJECT_KEYS),
           users.c.name.label("user__name"), users.c.roles.label("user__roles"),
           *(timers.c[k].label(f"timer__{k}") for k in _TIMER_KEYS))
    .select_from(cases.outerjoin(subjects, subjects.c.id == cases.c.subject_id)
                 .outerjoin(users, users.c.name == bindparam("actor"))
                 .outerjoin(timers, timers.c.case_id == cases.c.id))
    .where(cases.c.id == bindparam("id"))
    .order_by(timers.c.id))
_S0 = len(_CASE_KEYS)
_U0 = _S0 + len(_SUBJECT_KEYS)
_T0 = _U0 + 2


def deployment_settings(conn: Connection) -> dict:
    values = {r.key: r.value for r in conn.execute(select(deployment_table))}
    missing = [k for k in DEPLOYMENT_KEYS if k not in values]
    if missing:
        raise BadInput(f"本局的部署设置不全（缺少 {', '.join(missing)}）；请先运行 creditflow init", code="not_initialised")
    return values


def set_deployment(conn: Connection, values: dict) -> None:
    for key, value in values.items():
        if conn.execute(select(deployment_table.c.key).where(deployment_table.c.key == key)).first():
            conn.execute(update(deployment_table).where(deployment_table.c.key == key).values(value=value))
        else:
            conn.execute(insert(deployment_table).values(key=key, value=value))


def user_row(conn: Connection, name: str):
    return conn.execute(_USER, {"name": name}).first()


def subject_row(conn: Connection, subject_id: int, lock: str | None = None):
    return conn.execute(_LOCKED["subject", lock] if lock else _SUBJECT, {"id": subject_id}).first()


def case_row(conn: Connection, case_id: int, lock: str | None = None):
    """One case; `lock` "share" (a related case a guard reads) or "update" (the case a new one is opened under)."""
    return conn.execute(_LOCKED["case", lock] if lock else _CASE, {"id": case_id}).first()


def for_transition(conn: Connection, case_id: int, actor: str):
    """(case, subject, user, timers) for a transition on `case_id` by `actor`, in one round trip;
    None when the case does not exist. The subject and user are None when missing."""
    (call,) = hot.run(conn, [hot.Call(_FOR_TRANSITION, {"id": case_id, "actor": actor})])
    if not call.rows:
        return None
    first = call.rows[0]
    case = CaseRow._make(first[:_S0])
    subject = SubjectRow._make(first[_S0:_U0]) if first[_S0] is not None else None
    user = UserRow._make(first[_U0:_T0]) if first[_U0] is not None else None
    timer_rows = [TimerRow._make(r[_T0:]) for r in call.rows if r[_T0] is not None]
    return case, subject, user, timer_rows


def children_of(conn: Connection, case_id: int, kind: str | None = None, lock: str | None = None):
    if kind:
        stmt = _LOCKED["children_of_kind", lock] if lock else _CHILDREN_OF_KIND
        return conn.execute(stmt, {"id": case_id, "kind": kind}).all()
    return conn.execute(_LOCKED["children", lock] if lock else _CHILDREN, {"id": case_id}).all()


def opened_by(conn: Connection, case_id: int):
    """The cases a case's declared effects opened (children and linked cases)."""
    return conn.execute(_OPENED_BY, {"id": case_id}).all()


def cases_on_entry(conn: Connection, entry_id: int, kind: str, lock: str | None = None):
    return conn.execute(_LOCKED["on_entry", lock] if lock else _ON_ENTRY, {"id": entry_id, "kind": kind}).all()


def cases_of_subject(conn: Connection, subject_id: int, kind: str, lock: str | None = None):
    return conn.execute(_LOCKED["of_subject", lock] if lock else _OF_SUBJECT, {"sid": subject_id, "kind": kind}).all()


def timers_of(conn: Connection, case_id: int):
    return conn.execute(_TIMERS, {"case_id": case_id}).all()


# One statement for both backends (SQLite >= 3.35 and PostgreSQL): text() is compiled once and cached,
# where the dialect-specific on_conflict constructs are recompiled on every call.
_SEQUENCE = hot.HotStatement(text(
    "INSERT INTO number_sequences (department, series, year, last) VALUES (:dept, :series, :year, 1) "
    "ON CONFLICT (department, series, year) DO UPDATE SET last = number_sequences.last + 1 RETURNING last"
).columns(last=Integer))


def next_notice_number(conn: Connection, settings: dict, series: str, year: int) -> tuple[str, int]:
    """Take the next document number of (department, series, year): gapless, because the
    increment rolls back with the transaction, and race-free, because the upsert locks the row."""
    dept = settings["number_prefix"]
    (call,) = hot.run(conn, [hot.Call(_SEQUENCE, {"dept": dept, "series": series, "year": year})])
    (n,) = call.rows[0]
    return notices_repo.number_text(dept, series, year, n), n
