"""The cases area: open a case, act on it, and read it (show, list, the actions open to a user, a
deadline explained day by day). Each method owns one transaction; nothing here knows a procedure by
name: kinds, opening triggers, states and timers come from the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from calendars import Clock, compute, end_of_day, explain, explain_clock, hours_period
from calendars.explain import explain_until
from states.common import ASSIGN_TRIGGER, ATTACH_TRIGGER
from states.registry import Registry, UnknownProcedure
from states.spec import SEALED_READ_TRIGGER

from .. import clock
from ..engine import Engine, Request
from ..errors import BadInput, CreditflowError, Refused
from ..inputs import choose
from ..store import attachments_repo, cases_repo, notices_repo, repo, sealed_repo
from ..store.uow import UnitOfWork
from . import attachments
from .common import outcome_dict, require_case, resolve_subject, timer_dict


# -- the declared inputs (no store: read from the registry's declarations) ------------------------------------

def resolve_kind(registry: Registry, kind: str) -> str:
    """A case kind by its code or its Chinese label."""
    return choose(kind, registry.labels(), "case 案件类型", code="unknown_kind")


def opening_specs(proc, trigger: str) -> dict:
    """The inputs a trigger declares (every route of it, by name, first declaration first)."""
    specs: dict = {}
    for t in proc.transitions:
        if t.trigger == trigger and t.role != "system":
            for spec in t.inputs:
                specs.setdefault(spec.name, spec)
    return specs


def declared_inputs(registry: Registry, kind: str, trigger: str | None = None) -> dict:
    """`case inputs KIND [--trigger T]`: the inputs a trigger of `kind` (by code or label) declares; without
    `trigger`, those of the opening transition `case open` fires, and what the kind is opened on."""
    kind = resolve_kind(registry, kind)
    proc = registry.procedure(kind)
    people = [t for t in dict.fromkeys(t.trigger for t in proc.transitions if t.role != "system")]
    if trigger is None:
        trigger = proc.opening_trigger()
        if trigger is None:
            raise BadInput(f"case inputs {kind}：{proc.label}案件只能由其他案件依程序开启，不能直接立案；"
                           f"请用 --trigger 指明一个办理操作：{'、'.join(people)}", code="not_openable", allowed=people)
    elif trigger.strip() not in people:
        raise BadInput(f"case inputs {kind}：{proc.label}程序没有由人办理的操作 {trigger!r}；可选：{'、'.join(people)}",
                       code="unknown_trigger", allowed=people)
    trigger = trigger.strip()
    routes = [t for t in proc.transitions if t.trigger == trigger and t.role != "system"]
    label = next((t.label for t in routes if t.when is None), routes[0].label)  # the default route's
    opening = trigger == proc.opening_trigger()
    return {"kind": kind, "label": proc.label, "trigger": trigger, "trigger_label": label,
            "opening": opening, "opens_on": list(proc.opens_on) if opening else [],
            "inputs": [s.describe() for s in opening_specs(proc, trigger).values()]}


def declared_procedures(registry: Registry) -> list[dict]:
    """`procedure list --json`: each declared procedure (case kind) with its version and its parent kinds."""
    return [{"kind": p.kind, "version": p.version, "label": p.label,
             "parent_kind": p.parent_kinds[0] if p.parent_kinds else None, "parent_kinds": list(p.parent_kinds)}
            for p in registry.procedures()]


def declared_procedure(registry: Registry, kind: str) -> dict:
    """`procedure show KIND --json`: the declaration of `kind` (by code or label) with the numbers it runs under."""
    from states import describe

    kind = resolve_kind(registry, kind)
    return describe.as_dict(registry.procedure(kind), registry.policy(kind))


class CaseService:
    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable[[], Engine], registry: Registry):
        self.uow = uow
        self._engine = engine  # built on first use: reading a case needs no calendar
        self.registry = registry

    @property
    def engine(self) -> Engine:
        return self._engine()

    # -- changing a case ----------------------------------------------------------------------------

    def open(self, kind: str, actor: str, inputs: dict, *, subject: str | int | None = None,
             parent: int | None = None, entry: int | None = None) -> dict:
        """Open a case of `kind` (its code or label) by its declared opening trigger: on a subject (its
        number or identifier), under a parent case, or on an archive entry, as the declaration allows."""
        kind = choose(kind, self.registry.labels(), "case open 案件类型", code="unknown_kind")
        proc = self.registry.procedure(kind)
        trigger = proc.opening_trigger()
        if trigger is None:
            raise BadInput(f"{proc.label}案件只能由其他案件依程序开启，不能直接立案", code="not_openable")
        with self.uow() as uow:
            subject_id = resolve_subject(uow.conn, subject).id if subject is not None else None
            out = self.engine.open(uow.conn, kind, Request(trigger, actor, inputs), subject_id=subject_id,
                                   parent_id=parent, entry_id=entry)
            uow.commit()
        return outcome_dict(out)

    def act(self, case_id: int, trigger: str, actor: str, inputs: dict, expected_version: int | None = None) -> dict:
        if trigger == ATTACH_TRIGGER:  # its inputs are computed from the stored content, never typed in
            raise BadInput("登记材料请用 creditflow case attach CASE FILE --as USER：系统保存文件内容并计算其 SHA-256",
                           code="attach_by_file")
        with self.uow() as uow:
            out = self.engine.advance(uow.conn, case_id, Request(trigger, actor, inputs, expected_version))
            uow.commit()
        return outcome_dict(out)

    def read_sealed(self, case_id: int, actor: str) -> dict:
        """The case's sealed inputs (a reporter's identity), read through the reading transition its procedure
        declares (`SEALED_READ_TRIGGER`: who may read, and the internal record of the reading). The reading and
        its log row are one transaction: nobody sees a sealed value without the log showing who read it, when.
        Each value is checked against the digest its transition's log row recorded."""
        with self.uow() as uow:
            conn = uow.conn
            row = require_case(conn, case_id)
            proc = self.registry.procedure(row.kind, row.declaration_version)
            if SEALED_READ_TRIGGER not in proc.triggers:
                raise Refused(f"{proc.label}案件没有保密登记事项，不设查阅；案件 {case_id} 不能按此查阅",
                              code="SEALED-READ", article="creditflow policy: 保密登记事项只能依程序声明的查阅操作查阅")
            out = self.engine.advance(conn, case_id, Request(SEALED_READ_TRIGGER, actor, {}))
            rows = sealed_repo.of_case(conn, case_id)
            logged = {e.seq: e.inputs for e in cases_repo.log_of(conn, case_id)}
            for r in rows:
                if not sealed_repo.intact(r) or logged.get(r.transition_seq, {}).get(r.name) != {
                        "sealed": r.id, "sha256": r.digest}:
                    raise CreditflowError(f"案件 {case_id} 的保密登记第 {r.id} 条与案卷日志记载的摘要不符，可能已被改动；"
                                          "本次查阅未执行，请报告系统管理员并运行 creditflow audit verify",
                                          code="sealed_mismatch")
            uow.commit()
        labels = {i.name: i.label for t in proc.transitions for i in t.inputs if i.sealed}
        return {"case_id": case_id, "notice": out.notice, "sealed": [
            {"name": r.name, "label": labels.get(r.name, r.name), "value": r.value, "sha256": r.digest,
             "recorded_at": clock.local(r.recorded_at), "recorded_by": r.recorded_by} for r in rows]}

    def actions(self, case_id: int, actor: str, *, detailed: bool = False) -> list:
        """The triggers `actor` may fire on the case now; `detailed`: each with its label and inputs."""
        with self.uow() as uow:
            if detailed:
                return self.engine.actions(uow.conn, case_id, actor)
            return self.engine.available(uow.conn, case_id, actor)

    # -- reading ----------------------------------------------------------------------------------------

    def inputs(self, kind: str, trigger: str | None = None) -> dict:
        """`case inputs KIND [--trigger T]` on this registry (`declared_inputs`)."""
        return declared_inputs(self.registry, kind, trigger)

    def show(self, case_id: int) -> dict:
        """A case as its declaration describes it, with its subject, deadlines, notices and related cases:
        `parent` is the case it belongs to (or the case that opened it), `children` the cases under it
        (relation "child") and those it opened as linked cases (relation "linked"), each with its running
        clocks (`timers`: name, label, side, last day, end instant)."""
        with self.uow() as uow:
            conn = uow.conn
            row = require_case(conn, case_id)
            subject = repo.subject_row(conn, row.subject_id) if row.subject_id is not None else None
            related = cases_repo.related(conn, row.id)
            clocks: dict[int, list] = {}
            for t in cases_repo.running_timers(conn, [c.id for c in related]):
                clocks.setdefault(t.case_id, []).append(t)
            timer_rows = repo.timers_of(conn, row.id)
            notice_rows = notices_repo.of_case(conn, row.id)
            attached = attachments_repo.log_rows(conn, row.id, ATTACH_TRIGGER)
        proc = self.registry.procedure(row.kind, row.declaration_version)
        out = {
            "id": row.id, "kind": row.kind, "declaration_version": row.declaration_version, "label": proc.label,
            "state": row.state,
            "state_label": proc.state(row.state).label, "final": row.is_final, "version": row.version,
            "overdue": row.overdue, "parent": row.parent_id if row.parent_id is not None else row.opened_by,
            "entry": row.entry_id, "subject_id": row.subject_id, "assignee": row.assignee,
            "subject_name": subject.name if subject is not None else None,
            "children": [{"id": c.id, "kind": c.kind, "state": c.state, "state_label": self._state_label(c),
                          "relation": "child" if c.parent_id == row.id else "linked",
                          "timers": [self._running(c, t) for t in clocks.get(c.id, [])]} for c in related],
            "timers": [timer_dict(t) for t in timer_rows],
            "notices": [{"number": n.number, "title": n.title, "hash": n.content_hash, "audience": n.audience,
                         "issued_at": clock.local(n.issued_at)} for n in notice_rows],
            # the log is the source of truth: each attachment as its transition recorded it
            "attachments": [{"filename": t.inputs["filename"], "sha256": t.inputs["sha256"], "size": t.inputs["size"],
                             "media_type": t.inputs["media_type"], "by": t.actor, "at": clock.local(t.effective_at),
                             "notice": t.notice_number} for t in attached],
            "data": dict(row.data),
        }
        if proc.summary:
            out.update(proc.summary(row))
        return out

    def _running(self, case_row, t) -> dict:
        """A related case's running clock, as `case show` lists it under `children`."""
        try:
            label = self.registry.procedure(case_row.kind, case_row.declaration_version).timer(t.name).label
        except (KeyError, UnknownProcedure):
            label = t.name
        return {"name": t.name, "label": label, "side": t.side, "last_day": t.last_day.isoformat(),
                "ends_at": clock.local(t.ends_at)}

    def _state_label(self, row) -> str:
        return self.registry.procedure(row.kind, row.declaration_version).state(row.state).label

    def explain_timer(self, case_id: int, timer_name: str) -> dict:
        """Every day one of the case's deadlines counted or skipped, and why (by its name or label)."""
        with self.uow() as uow:
            row = require_case(uow.conn, case_id)
            own = repo.timers_of(uow.conn, case_id)
        try:
            labels = {s.name: s.label for s in self.registry.procedure(row.kind, row.declaration_version).timers}
        except UnknownProcedure:
            labels = {}
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
        cal = self.engine.calendar
        if "until" in t.clock:  # a clock that ends on a given day (an appointment)
            e = explain_until(cal, date.fromisoformat(t.clock["start"]), date.fromisoformat(t.clock["until"]))
        elif t.unit == "hours":  # from the instant to the instant, never moved (Civil Code Art. 201(2))
            e = explain(cal, hours_period(cal, datetime.fromisoformat(t.clock["start_at"]), t.clock["amount"]))
        elif t.unit == "working_days":
            e = explain_clock(cal, Clock.from_dict(t.clock), clock.today())
        else:
            e = explain(cal, compute(cal, date.fromisoformat(t.clock["start"]), t.unit, t.clock["amount"]))
        return {"case_id": case_id, "timer": t.name, "status": t.status, "clock": t.clock, **e.to_dict()}

    def assign(self, case_id: int, assignee: str, actor: str, expected_version: int | None = None) -> dict:
        """Give the case to the handler `assignee` (user name) by the common `assign` transition (an approver's;
        its guards and internal record are declared in states/common.py)."""
        return self.act(case_id, ASSIGN_TRIGGER, actor, {"assignee": assignee}, expected_version)

    def attach(self, case_id: int, path, actor: str, description: str | None = None,
               expected_version: int | None = None) -> dict:
        """Attach the file at `path` to the case by the common `attach` transition: its content is stored once
        under its SHA-256 and the transition logs the hash, in one transaction (refused: nothing is stored)."""
        material = attachments.read(path)
        inputs = {"filename": material.filename, "sha256": material.sha256, "size": material.size,
                  "media_type": material.media_type}
        if description:
            inputs["description"] = description
        with self.uow() as uow:
            attachments_repo.store(uow.conn, material.sha256, material.size, material.media_type, material.content,
                                   clock.now())
            out = self.engine.advance(uow.conn, case_id, Request(ATTACH_TRIGGER, actor, inputs, expected_version))
            uow.commit()
        return {**outcome_dict(out), "sha256": material.sha256, "size": material.size,
                "media_type": material.media_type, "filename": material.filename}

    def list(self, kind: str | None = None, state: str | None = None, overdue: bool = False,
             due_within: int | None = None, limit: int = 500, mine: str | None = None) -> list[dict]:
        """Open cases (or those in `state`), most urgent first: overdue ones, then by the next deadline.
        `mine` (the acting user): that user's own cases first, then the unassigned ones."""
        if due_within is not None and due_within < 1:
            raise BadInput("--due-within 须为不小于 1 的工作日数；请改为如 3 的整数")
        if limit < 1:
            raise BadInput("--limit 须为不小于 1 的案件数；请改为如 50 的整数")
        if kind is not None:
            kind = choose(kind, self.registry.labels(), "--kind 案件类型", code="unknown_kind")
        if state is not None:
            known: dict[str, str] = {}
            for p in [*self.registry.procedures(), *self.registry.all_versions()]:  # the latest labels first
                if kind is None or p.kind == kind:
                    for st in p.states:
                        known.setdefault(st.name, st.label)
            of = f"{self.registry.label(kind)}案件的" if kind is not None else "案件"
            state = choose(state, known, f"--state {of}状态", code="unknown_state")
        due_by = None
        if due_within is not None:
            due_by = end_of_day(self.engine.calendar.nth_working_day_after(clock.today(), due_within))
        with self.uow() as uow:
            if mine is not None and repo.user_row(uow.conn, mine) is None:
                raise BadInput(f"没有用户 {mine!r}；--mine 列出 --as 所指用户的案件，请用 creditflow user list 查看用户",
                               code="unknown_user")
            rows = cases_repo.listing(uow.conn, kind=kind, state=state, overdue=overdue, due_by=due_by, limit=limit,
                                      mine=mine)
            nxt = cases_repo.next_deadlines(uow.conn, [r.id for r in rows if r.next_end is not None])
        return [{"id": r.id, "kind": r.kind, "state": r.state, "overdue": r.overdue, "version": r.version,
                 "subject_id": r.subject_id, "subject_name": r.subject_name, "parent": r.parent_id,
                 "assignee": r.assignee, "next_deadline": timer_dict(nxt[r.id]) if r.id in nxt else None} for r in rows]
