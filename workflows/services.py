"""Use cases. Each function owns exactly one transaction (unit of work) and returns plain data.

Interfaces (command line, HTTP, Prefect flows) are thin adapters over these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine as DbEngine

from calendars import SHANGHAI, Clock, compute, end_of_day, explain, explain_clock
from states import PROCEDURES
from states.identifiers import IdentifierError, SUBJECT_TYPES, validate_subject

from . import clock
from .auditing import AuditServices
from .sweeping import SweepServices
from .engine import Engine, Outcome, Request
from .errors import BadInput
from .settings import Settings, load_settings
from .store import repo, schema
from .store.db import engine_for
from .store.tables import cases, notices, subjects, timers, transitions, users
from .store.uow import UnitOfWork

ROLES = ("handler", "approver", "auditor")
DEFAULT_DEPLOYMENT = {
    "department_name": "示例市医疗保障局",
    "number_prefix": "示医保",
    "reconsideration_body": "示例市人民政府",
    "court": "有管辖权的人民法院",
}


@dataclass
class Services(AuditServices, SweepServices):  # audit: workflows/auditing.py; sweep, incidents: workflows/sweeping.py
    db: DbEngine
    settings: Settings

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, check_schema: bool = True) -> "Services":
        settings = settings or load_settings()
        svc = cls(engine_for(settings.database_url), settings)
        if check_schema:
            schema.require_current(svc.db)
        return svc

    @cached_property
    def engine(self) -> Engine:
        from calendars import default_calendar

        return Engine(default_calendar(self.settings.calendar_overrides))

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db)

    # -- deployment ----------------------------------------------------------------------------

    def init(self, **values) -> dict:
        """Create or upgrade the schema and the deployment's settings (idempotent)."""
        schema.upgrade(self.db)
        with self.uow() as uow:
            current = {r.key: r.value for r in uow.conn.execute(select(repo.deployment_table))}
            wanted = {k: v for k, v in values.items() if v}
            merged = {**DEFAULT_DEPLOYMENT, **current, **wanted}
            repo.set_deployment(uow.conn, merged)
            if repo.user_row(uow.conn, "system") is None:
                uow.conn.execute(insert(users).values(name="system", roles="system", created_at=clock.real_now()))
            uow.commit()
        return {"schema": schema.head_revision(), "deployment": merged, "database": _safe_url(self.settings.database_url)}

    # -- users and subjects ----------------------------------------------------------------------

    def add_user(self, name: str, roles: list[str]) -> dict:
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise BadInput("a user name is 1-64 characters")
        if name == "system":
            raise BadInput("'system' is the timer actor and is created by init")
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            raise BadInput(f"unknown role {', '.join(bad) or '(none)'}; roles are {', '.join(ROLES)}", allowed=list(ROLES))
        with self.uow() as uow:
            if repo.user_row(uow.conn, name):
                raise BadInput(f"user {name!r} exists already")
            uow.conn.execute(insert(users).values(name=name, roles=",".join(dict.fromkeys(roles)), created_at=clock.real_now()))
            uow.commit()
        return {"name": name, "roles": list(dict.fromkeys(roles))}

    def list_users(self) -> list[dict]:
        with self.uow() as uow:
            return [{"name": r.name, "roles": r.roles.split(",")} for r in uow.conn.execute(select(users).order_by(users.c.id))]

    def add_subject(self, name: str, subject_type: str, uscc: str | None, id_number: str | None) -> dict:
        name = (name or "").strip()
        if not name:
            raise BadInput("a subject needs its name (--name)")
        try:
            kind, identifier = validate_subject(subject_type, uscc, id_number)
        except IdentifierError as exc:
            raise BadInput(str(exc), code="bad_identifier", article="河南省医疗保障基金使用信用管理办法 Art. 6, 10") from None
        with self.uow() as uow:
            if uow.conn.execute(select(subjects.c.id).where(subjects.c.identifier == identifier)).first():
                raise BadInput(f"a subject with identifier {identifier} exists already")
            sid = uow.conn.execute(insert(subjects).values(
                name=name, subject_type=subject_type, identifier_kind=kind, identifier=identifier,
                created_at=clock.real_now()).returning(subjects.c.id)).scalar_one()
            uow.commit()
        return {"id": sid, "name": name, "type": subject_type, "identifier": identifier}

    def _subject(self, conn, key: str):
        key = str(key).strip()
        q = select(subjects).where(subjects.c.identifier == key.upper())
        if key.isdigit() and len(key) < 18:
            q = select(subjects).where(subjects.c.id == int(key))
        row = conn.execute(q).first()
        if row is None:
            raise BadInput(f"unknown subject {key!r} (give its id or identifier)", code="unknown_subject")
        return row

    def show_subject(self, key: str) -> dict:
        with self.uow() as uow:
            row = self._subject(uow.conn, key)
            case_rows = uow.conn.execute(select(cases).where(cases.c.subject_id == row.id).order_by(cases.c.id)).all()
            return {**_subject_dict(row), "type_label": SUBJECT_TYPES[row.subject_type],
                    "cases": [{"id": c.id, "kind": c.kind, "state": c.state} for c in case_rows]}

    def list_subjects(self) -> list[dict]:
        with self.uow() as uow:
            return [_subject_dict(r) for r in uow.conn.execute(select(subjects).order_by(subjects.c.id))]

    # -- transitions -----------------------------------------------------------------------------------

    def publish_evaluation(self, subject: str, year, score, actor: str) -> dict:
        with self.uow() as uow:
            sid = self._subject(uow.conn, subject).id
            out = self.engine.open(uow.conn, "evaluation", Request("publish", actor, {"year": year, "score": score}),
                                   subject_id=sid)
            uow.commit()
        return self._outcome(out)

    def open_case(self, kind: str, parent: int | None, actor: str, inputs: dict) -> dict:
        proc = PROCEDURES.get(kind)
        if proc is None:
            raise BadInput(f"unknown case kind {kind!r}; known: {', '.join(PROCEDURES)}")
        trigger = proc.openings()[0].trigger
        with self.uow() as uow:
            out = self.engine.open(uow.conn, kind, Request(trigger, actor, inputs), parent_id=parent)
            uow.commit()
        return self._outcome(out)

    def act(self, case_id: int, trigger: str, actor: str, inputs: dict, expected_version: int | None = None) -> dict:
        with self.uow() as uow:
            out = self.engine.advance(uow.conn, case_id, Request(trigger, actor, inputs, expected_version))
            uow.commit()
        return self._outcome(out)

    def correct_notice(self, number: str, correction: str, actor: str, expected_version: int | None = None) -> dict:
        """Issue a correction notice (更正通知书) on the case of an earlier notice; the old one never changes."""
        with self.uow() as uow:
            row = uow.conn.execute(select(notices).where(notices.c.number == (number or "").strip())).first()
            if row is None:
                raise BadInput(f"unknown notice number {number!r}", code="unknown_notice")
            if row.audience != "subject":
                raise BadInput(f"notice {row.number} is not addressed to the subject ({row.audience}); "
                               "internal records are corrected by a new record in the case file", code="not_correctable")
            out = self.engine.advance(uow.conn, row.case_id, Request("correct_notice", actor, {
                "notice": row.number, "correction": correction, "corrected_title": row.title,
                "corrected_issued_on": row.issued_at.astimezone(SHANGHAI).date()}, expected_version))
            uow.commit()
        return {**self._outcome(out), "corrects": row.number}

    def actions(self, case_id: int, actor: str) -> list[str]:
        with self.uow() as uow:
            return self.engine.available(uow.conn, case_id, actor)

    @staticmethod
    def _outcome(out: Outcome) -> dict:
        result = {"case_id": out.case_id, "state": out.state, "version": out.version, "notice": out.notice}
        if out.parent is not None:
            result["parent"] = Services._outcome(out.parent)
        return result

    # -- reading -----------------------------------------------------------------------------------------

    def show_case(self, case_id: int) -> dict:
        with self.uow() as uow:
            conn = uow.conn
            row = repo.case_row(conn, case_id)
            if row is None:
                raise BadInput(f"unknown case {case_id}", code="unknown_case")
            proc = PROCEDURES[row.kind]
            out = {
                "id": row.id, "kind": row.kind, "label": proc.label, "state": row.state,
                "state_label": proc.state(row.state).label, "final": row.is_final, "version": row.version,
                "overdue": row.overdue, "parent": row.parent_id, "subject_id": row.subject_id,
                "children": [{"id": c.id, "kind": c.kind, "state": c.state} for c in repo.children_of(conn, row.id)],
                "timers": [_timer_dict(t) for t in repo.timers_of(conn, row.id)],
                "notices": [{"number": n.number, "title": n.title, "hash": n.content_hash, "audience": n.audience,
                             "issued_at": n.issued_at.isoformat()}
                            for n in conn.execute(select(notices).where(notices.c.case_id == row.id).order_by(notices.c.id))],
                "data": dict(row.data),
            }
            if proc.summary:
                out.update(proc.summary(row))
            return out

    def explain_timer(self, case_id: int, timer_name: str) -> dict:
        with self.uow() as uow:
            row = repo.case_row(uow.conn, case_id)
            if row is None:
                raise BadInput(f"unknown case {case_id}", code="unknown_case")
            found = [t for t in repo.timers_of(uow.conn, case_id) if t.name == timer_name]
            if not found:
                names = [t.name for t in repo.timers_of(uow.conn, case_id)]
                raise BadInput(f"case {case_id} has no timer {timer_name!r}; it has: {', '.join(names) or 'none'}",
                               allowed=names)
            t = found[0]
        cal = self.engine.calendar
        if t.unit == "working_days":
            e = explain_clock(cal, Clock.from_dict(t.clock), clock.today())
        else:
            e = explain(cal, compute(cal, date.fromisoformat(t.clock["start"]), t.unit, t.clock["amount"]))
        return {"case_id": case_id, "timer": timer_name, "status": t.status, "clock": t.clock, **e.to_dict()}

    def list_cases(self, kind: str | None = None, state: str | None = None, overdue: bool = False,
                   due_within: int | None = None, limit: int = 500) -> list[dict]:
        """Open cases (or those in `state`), most urgent first: overdue ones, then by the next deadline.

        One grouped query finds each case's next live deadline, so the list costs the same however many
        timers have run out before."""
        if due_within is not None and due_within < 1:
            raise BadInput("--due-within takes a number of working days >= 1")
        if limit < 1:
            raise BadInput("--limit takes a number of cases >= 1")
        live = select(timers.c.case_id, func.min(timers.c.ends_at).label("next_end")) \
            .where(timers.c.status.in_(("running", "suspended"))).group_by(timers.c.case_id).subquery()
        q = select(cases, live.c.next_end).outerjoin(live, live.c.case_id == cases.c.id)
        if kind:
            q = q.where(cases.c.kind == kind)
        q = q.where(cases.c.state == state) if state else q.where(cases.c.is_final.is_(False))
        if overdue:
            q = q.where(cases.c.overdue.is_(True))
        if due_within is not None:
            limit_day = self.engine.calendar.nth_working_day_after(clock.today(), due_within)
            q = q.where(live.c.next_end <= end_of_day(limit_day))
        q = q.order_by(cases.c.overdue.desc(), live.c.next_end.asc().nulls_last(), cases.c.id).limit(limit)
        with self.uow() as uow:
            rows = uow.conn.execute(q).all()
            ids = [r.id for r in rows if r.next_end is not None]
            nxt = {}
            for t in uow.conn.execute(select(timers).where(timers.c.case_id.in_(ids),
                                                           timers.c.status.in_(("running", "suspended")))
                                      .order_by(timers.c.ends_at.desc(), timers.c.id.desc())):
                nxt[t.case_id] = t  # ends up with the earliest
        return [{"id": r.id, "kind": r.kind, "state": r.state, "overdue": r.overdue, "version": r.version,
                 "subject_id": r.subject_id, "parent": r.parent_id,
                 "next_deadline": _timer_dict(nxt[r.id]) if r.id in nxt else None} for r in rows]

    def audit_log(self, case_id: int) -> list[dict]:
        with self.uow() as uow:
            if repo.case_row(uow.conn, case_id) is None:
                raise BadInput(f"unknown case {case_id}", code="unknown_case")
            rows = uow.conn.execute(select(transitions).where(transitions.c.case_id == case_id)
                                    .order_by(transitions.c.seq)).all()
        return [{"seq": r.seq, "trigger": r.trigger, "from_state": r.from_state, "to_state": r.to_state,
                 "actor": r.actor, "role": r.role, "effective_at": r.effective_at.isoformat(),
                 "recorded_at": r.recorded_at.isoformat(), "clock_overridden": r.clock_overridden,
                 "inputs": r.inputs, "rules": r.rules, "timer_effects": r.timer_effects,
                 "notice_number": r.notice_number, "notice_hash": r.notice_hash, "hash": r.hash,
                 "prev_hash": r.prev_hash} for r in rows]

    def show_notice(self, number: str) -> dict:
        with self.uow() as uow:
            r = uow.conn.execute(select(notices).where(notices.c.number == number.strip())).first()
            if r is None:
                raise BadInput(f"unknown notice number {number!r}", code="unknown_notice")
        return {"number": r.number, "title": r.title, "case_id": r.case_id, "transition_seq": r.transition_seq,
                "audience": r.audience, "addressee": r.addressee, "template": r.template, "issued_at": r.issued_at.isoformat(),
                "hash": r.content_hash, "text": r.text, "html": r.html}


def _subject_dict(r) -> dict:
    return {"id": r.id, "name": r.name, "type": r.subject_type, "identifier_kind": r.identifier_kind,
            "identifier": r.identifier}


def _timer_dict(t) -> dict:
    return {"name": t.name, "status": t.status, "side": t.side, "start_day": t.start_day.isoformat(),
            "last_day": t.last_day.isoformat(), "ends_at": t.ends_at.astimezone(SHANGHAI).isoformat(),
            "provisional": t.provisional, "calendar_version": t.calendar_version}


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url
