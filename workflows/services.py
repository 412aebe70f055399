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
from states.archive import KINDS as ARCHIVE_KINDS
from states.identifiers import IdentifierError, SUBJECT_TYPES, validate_subject
from states.spec import NAME_LENGTH

from . import clock, deployment
from .auditing import AuditServices
from .sweeping import SweepServices
from .engine import Engine, Outcome, Request
from .errors import MAX_ID, BadInput
from .inputs import choose, clean_text
from .settings import Settings, load_settings
from .store import archive as archive_repo
from .store import repo, schema
from .store.db import engine_for
from .store.tables import cases, notices, subjects, timers, transitions, users
from .store.uow import UnitOfWork

ROLES = {"handler": "经办人", "approver": "审核人", "auditor": "审计人员"}  # a person's roles (system is not one)
# What a fresh store starts with: nothing fictional. The department and prefix unset (every transition is
# refused until `creditflow init --department … --prefix …`), the reconsideration body derived from the
# department where the law settles it, the court's truthful generic wording (workflows/deployment.py).
DEFAULT_DEPLOYMENT = deployment.DEFAULTS


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

    def init(self, *, rename: bool = False, actor: str | None = None, **values) -> dict:
        """Create or upgrade the schema and the deployment's settings (idempotent; workflows/deployment.py).

        Once the store has a case, changing a set department, prefix or remedies body is refused unless
        `rename`; any such change is then signed by `actor` (an approver) and recorded, hash-chained, in
        `settings_changes` (returned as `renamed`, else None). Unset settings are None in `deployment`."""
        schema.upgrade(self.db)
        with self.uow() as uow:
            if repo.user_row(uow.conn, "system") is None:
                uow.conn.execute(insert(users).values(name="system", roles="system", created_at=clock.real_now()))
            merged, change = deployment.configure(uow.conn, values, rename=rename, actor=actor)
            uow.commit()
        if "engine" in self.__dict__:
            self.engine.forget_settings()  # this process's next transition reads the new settings
        shown = {**merged, **deployment.identity(merged)}
        return {"schema": schema.head_revision(), "deployment": shown, "database": _safe_url(self.settings.database_url),
                "renamed": change}

    # -- users and subjects ----------------------------------------------------------------------

    def add_user(self, name: str, roles: list[str]) -> dict:
        name = clean_text(name or "", "user add：用户名", limit=64)
        if not name:
            raise BadInput("用户名须为1至64个字符；请重新填写")
        if name.casefold() == "system":
            raise BadInput("“system”是系统定时任务的执行者，由 init 创建，不能作为用户名；请换一个用户名")
        if not roles:
            raise BadInput("user add：--role 未填写；可选：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items()),
                           allowed=list(ROLES))
        roles = [choose(r, ROLES, "user add：--role 角色", code="unknown_role") for r in roles]
        if len(set(roles)) != len(roles):
            raise BadInput("user add：--role 中同一角色出现了不止一次；每个角色只写一次，如 handler,approver",
                           code="repeated_value")
        with self.uow() as uow:
            if repo.user_row(uow.conn, name):
                raise BadInput(f"用户 {name!r} 已存在")
            uow.conn.execute(insert(users).values(name=name, roles=",".join(dict.fromkeys(roles)), created_at=clock.real_now()))
            uow.commit()
        return {"name": name, "roles": list(dict.fromkeys(roles))}

    def list_users(self) -> list[dict]:
        with self.uow() as uow:
            return [{"name": r.name, "roles": r.roles.split(",")} for r in uow.conn.execute(select(users).order_by(users.c.id))]

    def add_subject(self, name: str, subject_type: str, uscc: str | None, id_number: str | None) -> dict:
        name = clean_text(name or "", "信用主体名称（--name）", limit=NAME_LENGTH)
        subject_type = choose(subject_type or "", SUBJECT_TYPES, "subject add：--type 信用主体类型", code="bad_identifier")  # one line, at most 200
        if not name:
            raise BadInput("信用主体名称（--name）不能为空；请填写登记的名称或姓名")
        try:
            kind, identifier = validate_subject(subject_type, uscc, id_number, today=clock.today())
        except IdentifierError as exc:
            raise BadInput(str(exc), code="bad_identifier", article="河南省医疗保障基金使用信用管理办法 Art. 6, 10") from None
        with self.uow() as uow:
            if uow.conn.execute(select(subjects.c.id).where(subjects.c.identifier == identifier)).first():
                raise BadInput(f"证件号码为 {identifier} 的信用主体已登记；请用 creditflow subject show {identifier} 查看")
            sid = uow.conn.execute(insert(subjects).values(
                name=name, subject_type=subject_type, identifier_kind=kind, identifier=identifier,
                created_at=clock.real_now()).returning(subjects.c.id)).scalar_one()
            uow.commit()
        return {"id": sid, "name": name, "type": subject_type, "identifier": identifier}

    def _subject(self, conn, key: str):
        key = str(key).strip()
        q = select(subjects).where(subjects.c.identifier == key.upper())
        if key.isdigit() and len(key) < 18:
            if not 1 <= int(key) <= MAX_ID:  # beyond the database's integer: no such subject
                raise BadInput(f"没有信用主体 {key!r}；请填写主体编号或统一社会信用代码/身份证号码", code="unknown_subject")
            q = select(subjects).where(subjects.c.id == int(key))
        row = conn.execute(q).first()
        if row is None:
            raise BadInput(f"没有信用主体 {key!r}；请填写主体编号或统一社会信用代码/身份证号码", code="unknown_subject")
        return row

    def show_subject(self, key: str) -> dict:
        with self.uow() as uow:
            row = self._subject(uow.conn, key)
            case_rows = uow.conn.execute(select(cases).where(cases.c.subject_id == row.id).order_by(cases.c.id)).all()
            archive = archive_repo.entries_of(uow.conn, row.id, clock.today())
        return {**_subject_dict(row), "type_label": SUBJECT_TYPES[row.subject_type],
                "cases": [{"id": c.id, "kind": c.kind, "label": PROCEDURES[c.kind].label, "state": c.state,
                           "state_label": PROCEDURES[c.kind].state(c.state).label} for c in case_rows],
                # The credit archive (Art. 10, 30-31): every entry, with whether it is in use today.
                "archive": [{**e.to_dict(), "kind_label": ARCHIVE_KINDS[e.kind]} for e in archive]}

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
        kind = choose(kind, {k: p.label for k, p in PROCEDURES.items()}, "case open 案件类型", code="unknown_kind")
        proc = PROCEDURES[kind]
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
                raise BadInput(f"没有文号为 {number!r} 的文书；请核对文号", code="unknown_notice")
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
        result = {"case_id": out.case_id, "kind": out.kind, "state": out.state, "version": out.version,
                  "notice": out.notice}
        if out.parent is not None:
            result["parent"] = Services._outcome(out.parent)
        return result

    # -- reading -----------------------------------------------------------------------------------------

    def show_case(self, case_id: int) -> dict:
        with self.uow() as uow:
            conn = uow.conn
            row = repo.case_row(conn, case_id)
            if row is None:
                raise BadInput(f"没有编号为 {case_id} 的案件；请用 creditflow case list 查看", code="unknown_case")
            proc = PROCEDURES[row.kind]
            subject = repo.subject_row(conn, row.subject_id) if row.subject_id is not None else None
            out = {
                "id": row.id, "kind": row.kind, "label": proc.label, "state": row.state,
                "state_label": proc.state(row.state).label, "final": row.is_final, "version": row.version,
                "overdue": row.overdue, "parent": row.parent_id, "subject_id": row.subject_id,
                "subject_name": subject.name if subject is not None else None,
                "children": [{"id": c.id, "kind": c.kind, "state": c.state} for c in repo.children_of(conn, row.id)],
                "timers": [_timer_dict(t) for t in repo.timers_of(conn, row.id)],
                "notices": [{"number": n.number, "title": n.title, "hash": n.content_hash, "audience": n.audience,
                             "issued_at": clock.local(n.issued_at)}
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
                raise BadInput(f"没有编号为 {case_id} 的案件；请用 creditflow case list 查看", code="unknown_case")
            own = repo.timers_of(uow.conn, case_id)
            proc = PROCEDURES.get(row.kind)
            labels = {s.name: s.label for s in proc.timers} if proc else {}
            wanted = (timer_name or "").strip()

            def known_as(name: str) -> set[str]:  # its name, its label, and the label's short form before "（"
                label = labels.get(name, "")
                return {name, label, label.split("（")[0].strip()} - {""}

            found = [t for t in own if wanted in known_as(t.name)]
            if not found:
                names = [t.name for t in own]
                listed = "、".join(f"{n}（{labels[n].split('（')[0]}）" if n in labels else n for n in names) or "无"
                raise BadInput(f"案件 {case_id} 没有期限 {wanted!r}；可选：{listed}（填写名称或中文名称均可）",
                               code="unknown_timer", allowed=names)
            t = found[0]
            timer_name = t.name
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
            raise BadInput("--due-within 须为不小于 1 的工作日数；请改为如 3 的整数")
        if limit < 1:
            raise BadInput("--limit 须为不小于 1 的案件数；请改为如 50 的整数")
        if kind is not None:
            kind = choose(kind, {k: p.label for k, p in PROCEDURES.items()}, "--kind 案件类型", code="unknown_kind")
        if state is not None:
            procs = [PROCEDURES[kind]] if kind is not None else list(PROCEDURES.values())
            known = {}
            for p in procs:
                for st in p.states:
                    known.setdefault(st.name, st.label)
            of = f"{PROCEDURES[kind].label}案件的" if kind is not None else "案件"
            state = choose(state, known, f"--state {of}状态", code="unknown_state")
        live = select(timers.c.case_id, func.min(timers.c.ends_at).label("next_end")) \
            .where(timers.c.status.in_(("running", "suspended"))).group_by(timers.c.case_id).subquery()
        q = select(cases, live.c.next_end, subjects.c.name.label("subject_name")) \
            .outerjoin(live, live.c.case_id == cases.c.id).outerjoin(subjects, subjects.c.id == cases.c.subject_id)
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
                 "subject_id": r.subject_id, "subject_name": r.subject_name, "parent": r.parent_id,
                 "next_deadline": _timer_dict(nxt[r.id]) if r.id in nxt else None} for r in rows]

    def audit_log(self, case_id: int) -> list[dict]:
        with self.uow() as uow:
            if repo.case_row(uow.conn, case_id) is None:
                raise BadInput(f"没有编号为 {case_id} 的案件；请用 creditflow case list 查看", code="unknown_case")
            rows = uow.conn.execute(select(transitions).where(transitions.c.case_id == case_id)
                                    .order_by(transitions.c.seq)).all()
        return [{"seq": r.seq, "trigger": r.trigger, "from_state": r.from_state, "to_state": r.to_state,
                 "actor": r.actor, "role": r.role, "effective_at": clock.local(r.effective_at),
                 "recorded_at": clock.local(r.recorded_at), "clock_overridden": r.clock_overridden,
                 "inputs": r.inputs, "rules": r.rules, "timer_effects": r.timer_effects,
                 "notice_number": r.notice_number, "notice_hash": r.notice_hash, "hash": r.hash,
                 "prev_hash": r.prev_hash} for r in rows]

    def show_notice(self, number: str) -> dict:
        with self.uow() as uow:
            r = uow.conn.execute(select(notices).where(notices.c.number == number.strip())).first()
            if r is None:
                raise BadInput(f"没有文号为 {number!r} 的文书；请核对文号", code="unknown_notice")
        return {"number": r.number, "title": r.title, "case_id": r.case_id, "transition_seq": r.transition_seq,
                "audience": r.audience, "addressee": r.addressee, "template": r.template, "issued_at": clock.local(r.issued_at),
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
