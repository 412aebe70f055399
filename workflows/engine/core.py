"""The engine: the one way state changes, for people, timers and related cases alike.

`Engine.open` / `Engine.advance` work inside a transaction owned by the caller (a service's unit of
work) and never commit. One transition, in order:

1. load the case and its timers (one query) and the declaration version it was opened under;
2. check who fires it (`origin.check_origin`: nobody forges the clock), then trigger, role, four-eyes
   rule and guards on the kind's shared machine (a refusal raises and changes nothing);
3. run the declared effects (pure functions) and plan the timers (`states.timers.plan_timers`, pure);
4. render and number the notice; write case (optimistic lock), timers, notice and the hash-chained
   log row; then the archive rows and the service record the transition declares;
5. perform the declared effects on related cases in the same transaction: the parent's link, the
   cases it opens (as children or linked), the related cases it notifies.

Nothing here knows a procedure by name: everything comes from the registry's declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, insert, update
from sqlalchemy.engine import Connection

from calendars import WorkingCalendar
from notices import render
from states import REGISTRY, NEW, PolicySchedule, Refusal, Registry, UnknownProcedure
from states.common import ASSIGN_TRIGGER, OWNER_KEY
from states.context import Actor, CaseView, Context, SubjectView, TimerView
from states.identifiers import INSTITUTION_TYPES
from states.spec import SERVED_TRIGGER, Open, Procedure, Transition
from states.timers import AnchorMissing, TimerGone, TimerInsert, TimerNotRunning, TimerState, plan_timers

from .. import clock
from ..audit import row_hash
from ..auditing import refuse_read_only
from ..deployment import require_for_notice
from ..errors import BadInput, Conflict, CreditflowError, no_such_case
from ..errors import Refused as RefusedError
from ..inputs import parse_inputs, to_json
from ..store import archive as archive_repo
from ..store import hot, repo, sealed_repo
from ..store.people_repo import subject_by_identifier
from ..store.tables import cases, notices, transitions
from . import records
from .notice import addressee, notice_context
from .origin import SYSTEM_ACTOR, check_origin

_INSERT_NOTICE = hot.HotStatement(insert(notices))
_INSERT_LOG = hot.HotStatement(insert(transitions))
_INSERT_CASE = insert(cases).returning(cases.c.id)
_UPDATE_CASE = hot.HotStatement(
    update(cases).where(and_(cases.c.id == bindparam("b_id"), cases.c.version == bindparam("b_version"))))
_UNREAD = object()  # "not read yet" (None means "read: there is no such row")
NUMBER_PLACEHOLDER = "\ue000文号\ue000"  # private-use marks: never in a template or in a case's data


@dataclass
class Outcome:
    case_id: int
    state: str
    version: int
    notice: str
    seq: int
    kind: str = ""
    parent: "Outcome | None" = None
    opened: list["Outcome"] = field(default_factory=list)  # cases this transition opened
    notified: list["Outcome"] = field(default_factory=list)  # related cases it told


@dataclass
class Request:
    trigger: str
    actor: str
    inputs: dict
    expected_version: int | None = None
    effective_at: datetime | None = None  # default: the clock's now
    fired_timer: int | None = None  # the timer this expiry consumes
    fired_reminder: int | None = None  # the timer whose reminder this sends (once per deadline)
    recompute_timer: str | None = None  # the timer new calendar data moves (deadline_recomputed)
    caused_by: dict | None = None  # {"case", "kind", "seq", "trigger"}: a transition fired by another case
    from_the_board: bool = False  # the public's objection taken by the public board (公示栏), as its account

    @property
    def from_the_clock(self) -> bool:
        """Fired by the sweep, the calendar recompute or another case's declared effect, never by a person."""
        return (self.fired_timer is not None or self.fired_reminder is not None or self.recompute_timer is not None
                or self.caused_by is not None)


@dataclass
class Pending:
    """One transition's writes once decided: the case update (without its new chain head), the timer
    writes, the notice rendered with `NUMBER_PLACEHOLDER` and the log row without its number and hashes."""

    case_id: int
    series: str
    year: int
    draft: object  # notices.RenderedNotice with the placeholder
    prev_hash: str  # the case's chain head as read (the batch engine chains a case's rows within a batch)
    log: dict
    case: dict
    timer_writes: list
    notice: dict  # the notice row's columns but number, seq, html, text, content_hash
    outcome: Outcome

    def numbered(self, number: str, n: int, prev_hash: str) -> tuple[dict, dict]:
        """The notice row and the chained log row with document number `number` (seq `n` in its series)."""
        rendered = self.draft.numbered(NUMBER_PLACEHOLDER, number)
        log = {**self.log, "notice_number": number, "notice_hash": rendered.content_hash, "prev_hash": prev_hash}
        log["hash"] = row_hash(log)
        notice = {**self.notice, "number": number, "seq": n, "html": rendered.html, "text": rendered.text,
                  "content_hash": rendered.content_hash}
        return notice, log

    def conflict(self) -> Conflict:
        return Conflict(f"办理期间案件 {self.case_id} 已被他人更改，本次办理未执行；请重新查看案件后再办理")


@dataclass
class _Step:
    """One transition in progress: what was read and decided, for the steps that write it."""

    proc: Procedure
    row: object  # the case row, None while opening
    timer_rows: list
    req: Request
    subject: object
    subject_id: int
    parent_id: int | None
    entry_id: int | None
    opened_by: int | None
    ctx: Context = None
    t: Transition = None
    rules: list = None
    inputs: dict = None
    raw: dict = None
    sealed: dict = field(default_factory=dict)  # name -> sealed_repo.Sealed: this transition's sealed inputs


def _timer_view(row) -> TimerView:
    return TimerView(row.name, row.status, row.start_day, row.last_day, row.ends_at, row.provisional)


def _view(row, timer_rows) -> CaseView:
    return CaseView(row.id, row.kind, row.state, row.version, dict(row.data), row.subject_id,
                    {t.name: _timer_view(t) for t in timer_rows}, final=row.is_final)


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _refuse_sealed_copies(step: _Step, data: dict, archive: list) -> None:
    """A declaration bug, caught before anything is stored: an effect copied a sealed value (this transition's,
    or one it read with `ctx.sealed`) into the case's data or an archive entry."""
    values = {s.value for s in step.sealed.values()} | step.ctx.sealed_read
    if values and any(isinstance(v, str) and v in values for v in _leaves([data, archive])):
        raise CreditflowError(f"{step.proc.label}“{step.t.label}”：保密登记的内容不得写入案件数据或信用档案，"
                              "本次办理未执行；请联系系统管理员修正程序声明", code="sealed_copied")


def _refused(r: Refusal) -> RefusedError:
    return RefusedError(r.message, code=r.code, article=r.article, allowed=r.allowed)


class Engine:
    """Holds what every transition needs that does not change per call: calendar, registry, settings."""

    def __init__(self, calendar: WorkingCalendar, registry: Registry | None = None, *, profile: str | None = None,
                 schedule: PolicySchedule | None = None):
        self.calendar = calendar
        self.registry = registry or REGISTRY
        self.profile = profile  # the office profile laid over the dated numbers (None: none)
        # The dated profiles with this deployment's overrides (settings.toml [policy]); default the registry's.
        self.schedule = schedule or self.registry.schedule
        self._settings: dict | None = None

    def settings(self, conn: Connection) -> dict:
        """The deployment's settings, read once per engine (`creditflow init` changes need a restart)."""
        if self._settings is None:
            self._settings = repo.deployment_settings(conn)
        return self._settings

    def forget_settings(self) -> None:
        """Read the settings afresh on the next transition (after this process's own `init`)."""
        self._settings = None

    # -- entry points ------------------------------------------------------------------------

    def open(self, conn: Connection, kind: str, request: Request, *, subject_id: int | None = None,
             parent_id: int | None = None, entry_id: int | None = None, opened_by: int | None = None) -> Outcome:
        """Open a case of `kind` on a subject, under a parent case, or on an archive entry, as its
        declaration allows (`opens_on`); a case opened by another case's declared effect names it
        as `opened_by`."""
        proc = self._procedure(kind)
        by_case = request.caused_by is not None
        parent = None
        if parent_id is not None:
            if "parent" not in proc.opens_on and not by_case:
                raise BadInput(f"{proc.label}案件不在其他案件之下立案；{self._where(proc)}", code="bad_target")
            parent = repo.case_row(conn, parent_id, lock="update")
            if parent is None or parent.kind not in proc.parent_kinds:
                raise BadInput(f"案件 {parent_id} 不是{self._kinds_zh(proc.parent_kinds)}案件；请核对案件编号",
                               code="bad_target")
            subject_id = parent.subject_id
        elif entry_id is not None:
            if "entry" not in proc.opens_on:
                raise BadInput(f"{proc.label}案件不针对信用档案记录立案；{self._where(proc)}", code="bad_target")
            entry = archive_repo.entry(conn, entry_id, clock.today())
            if entry is None:
                raise BadInput(f"没有编号为 {entry_id} 的信用档案记录；请用 creditflow subject show 查看该主体的档案",
                               code="unknown_entry")
            subject_id = entry.subject_id
        elif "subject" not in proc.opens_on and not by_case:
            raise BadInput(f"{proc.label}案件须指明{self._where(proc)}", code="bad_target")
        # an opening on the subject itself takes its turn there (its siblings are the subject's cases of its kind)
        subject = repo.subject_row(conn, subject_id, lock="update" if parent_id is None else None) \
            if subject_id is not None else None
        if subject is None:
            raise BadInput(f"没有编号为 {subject_id} 的信用主体；请用 creditflow subject list 查看", code="unknown_subject")
        step = _Step(proc, None, [], request, subject, subject_id, parent_id, entry_id, opened_by)
        return self._apply(step, conn, parent_row=parent)

    def advance(self, conn: Connection, case_id: int, request: Request) -> Outcome:
        found = repo.for_transition(conn, case_id, request.actor)  # case, subject, user, timers: one query
        if found is None:
            raise no_such_case(case_id)
        row, subject, user, timer_rows = found
        proc = self._procedure(row.kind, row.declaration_version)
        if request.expected_version is not None and request.expected_version != row.version:
            raise Conflict(f"案件 {case_id} 当前为第 {row.version} 版，不是第 {request.expected_version} 版："
                           "已有他人先行办理；请重新查看案件后再办理")
        step = _Step(proc, row, timer_rows, request, subject, row.subject_id, row.parent_id, row.entry_id,
                     row.opened_by)
        return self._apply(step, conn, user=user)

    def available(self, conn: Connection, case_id: int, actor_name: str) -> list[str]:
        """The triggers `actor_name` may fire on the case now (role, four-eyes, input-independent guards)."""
        proc, row, ctx = self._reading_context(conn, case_id, actor_name)
        return self.registry.machine(row.kind, row.declaration_version).available(row.state, ctx)

    def actions(self, conn: Connection, case_id: int, actor_name: str) -> list[dict]:
        """Each allowed trigger with its label and declared inputs (what a form renders)."""
        proc, row, ctx = self._reading_context(conn, case_id, actor_name)
        out = []
        for trigger in self.registry.machine(row.kind, row.declaration_version).available(row.state, ctx):
            routes = proc.transitions_for(trigger, row.state)
            specs = {}
            for t in routes:
                for spec in t.inputs:
                    specs.setdefault(spec.name, spec)
            out.append({"trigger": trigger, "label": routes[0].label,
                        "inputs": [s.describe() for s in specs.values()]})
        return out

    # -- helpers ------------------------------------------------------------------------------------

    def _procedure(self, kind: str, version: int | None = None) -> Procedure:
        try:
            return self.registry.procedure(kind, version)
        except UnknownProcedure as exc:
            if kind in self.registry:
                raise BadInput(f"该案件按{self.registry.label(kind)}程序第{version}版办理，本版本程序未包含该版本；"
                               "请使用包含该版本的 creditflow", code="unknown_version") from None
            raise BadInput(f"未知的案件类型 {kind!r}；可选：{'、'.join(exc.known)}", code="unknown_kind",
                           allowed=list(exc.known)) from None

    def _kinds_zh(self, kinds) -> str:
        return "或".join(self.registry.label(k) for k in kinds)

    def _where(self, proc: Procedure) -> str:
        ways = {"subject": "信用主体（--subject 主体编号）",
                "parent": f"所属的{self._kinds_zh(proc.parent_kinds)}案件（--parent 案件编号）",
                "entry": "所针对的信用档案记录（--entry 记录编号）"}
        return "或".join(ways[o] for o in proc.opens_on)

    def _policy(self, proc: Procedure, on=None):
        """The numbers in force on day `on` (default today by the clock) for `proc`."""
        return self.registry.policy_for(proc, self.profile, on=on or clock.today(), schedule=self.schedule)

    def _actor(self, conn: Connection, name: str, row=_UNREAD) -> Actor:
        if row is _UNREAD:
            row = repo.user_row(conn, name)
        if row is None:
            raise BadInput(f"没有用户 {name!r}；请先用 creditflow user add {name} --role handler 添加",
                           code="unknown_user")
        return Actor(row.name, frozenset(r for r in row.roles.split(",") if r))

    def _reading_context(self, conn, case_id: int, actor_name: str):
        row = repo.case_row(conn, case_id)
        if row is None:
            raise no_such_case(case_id)
        proc = self._procedure(row.kind, row.declaration_version)
        subject = repo.subject_row(conn, row.subject_id) if row.subject_id is not None else None
        step = _Step(proc, row, [], Request("", actor_name, {}), subject, row.subject_id, row.parent_id,
                     row.entry_id, row.opened_by)
        ctx = self._context(conn, step, _view(row, repo.timers_of(conn, case_id)), self._actor(conn, actor_name), {},
                            clock.now(), None)
        return proc, row, ctx

    def _context(self, conn, step: _Step, case_view, actor, inputs, now, parent_row, event=None) -> Context:
        proc, parent_id, subject_id = step.proc, step.parent_id, step.subject_id

        # Related cases are read under a share lock held to the commit (store/repo.py `_LOCKS`): what a guard
        # or an effect saw of them still stands when this transition commits.
        def load_parent():
            row = parent_row if parent_row is not None else (
                repo.case_row(conn, parent_id, lock="share") if parent_id else None)
            return _view(row, repo.timers_of(conn, row.id)) if row is not None else None

        def load_siblings():
            own = case_view.id if case_view else None
            if parent_id:
                rows = repo.children_of(conn, parent_id, proc.kind, lock="share")
            elif step.entry_id:
                rows = repo.cases_on_entry(conn, step.entry_id, proc.kind, lock="share")
            else:
                rows = repo.cases_of_subject(conn, subject_id, proc.kind, lock="share")
            return [_view(r, repo.timers_of(conn, r.id)) for r in rows if r.id != own]

        def load_children():
            if case_view is None:
                return []
            return [_view(r, repo.timers_of(conn, r.id)) for r in repo.children_of(conn, case_view.id, lock="share")]

        def load_entry():
            if step.entry_id is None:
                return None
            e = archive_repo.entry(conn, step.entry_id, clock.today(now), lock="share")
            return None if e is None else {**e.to_dict(), "subject_id": e.subject_id}

        def load_subject_cases(kind):
            own = case_view.id if case_view else None
            rows = repo.cases_of_subject(conn, subject_id, kind, lock="share") if subject_id is not None else []
            return [_view(r, repo.timers_of(conn, r.id)) for r in rows if r.id != own]

        def load_sealed(name):
            found = sealed_repo.latest(conn, case_view.id, name) if case_view is not None else None
            return found.value if found is not None else None

        def find_subject(identifier):
            found = subject_by_identifier(conn, identifier)
            return found.id if found is not None else None

        s = step.subject
        subject = SubjectView(s.id, s.name, s.subject_type, s.subject_type not in INSTITUTION_TYPES) if s else None
        today = clock.today(now)
        return Context(case=case_view, actor=actor, inputs=inputs, today=today, now=now,
                       calendar=self.calendar, policy=self._policy(proc, today), load_parent=load_parent,
                       load_siblings=load_siblings, load_children=load_children, load_entry=load_entry,
                       subject=subject, cause=step.req.caused_by, event=event,
                       policy_on=lambda day: self._policy(proc, day), profile_on=self.schedule.in_force,
                       load_subject_cases=load_subject_cases, load_sealed=load_sealed, find_subject=find_subject,
                       sealed_now={name: v.value for name, v in step.sealed.items()})

    # -- the transition ----------------------------------------------------------------------------

    def _apply(self, step: _Step, conn, *, parent_row=None, user=_UNREAD) -> Outcome:
        proc, row, req = step.proc, step.row, step.req
        state = row.state if row is not None else NEW
        actor = self._actor(conn, req.actor, user)  # an unknown user is bad input before any rule is weighed
        candidates = self._candidates(proc, state, req, step.timer_rows)
        refuse_read_only(actor.name, actor.roles)  # the auditor reads everything and changes nothing
        specs = {}
        for t in candidates:
            for spec in t.inputs:
                specs.setdefault(spec.name, spec)
        raw = dict(req.inputs)
        inputs = parse_inputs(tuple(specs.values()), raw, req.trigger)
        # A sealed input leaves the inputs here: guards, effects, notices and the log see its reference only
        # (its row id is filled in when the transition is written), and the raw value is dropped.
        for name in [n for n, spec in specs.items() if spec.sealed]:
            raw.pop(name, None)
            if name in inputs:
                step.sealed[name] = sealed_repo.Sealed.of(name, inputs[name])
                inputs[name] = step.sealed[name].reference(None)
        now = req.effective_at or clock.now()
        event = records.service_event(conn, row, inputs) if req.trigger == SERVED_TRIGGER else None
        if req.trigger == ASSIGN_TRIGGER and row is not None:
            event = self._assignment_event(conn, row, inputs)
        case_view = _view(row, step.timer_rows) if row is not None else None
        ctx = self._context(conn, step, case_view, actor, inputs, now, parent_row, event)
        try:
            model = self.registry.machine(proc.kind, proc.version).fire(state, req.trigger, ctx)
        except Refusal as r:
            raise _refused(r) from None
        step.ctx, step.t, step.rules, step.inputs, step.raw = ctx, model.chosen, model.rules, inputs, raw
        return self._write(conn, step, state, actor, now)

    def _assignment_event(self, conn, row, inputs: dict) -> dict:
        """The facts a change of owner is judged on: the assignee as the store holds them, and the owner before."""
        name = inputs.get("assignee")
        user = repo.user_row(conn, name) if name else None
        if user is None:
            raise BadInput(f"没有用户 {name!r}；请用 creditflow user list 查看可分派的承办人", code="unknown_user")
        return {"assignee": user.name, "assignee_roles": [r for r in user.roles.split(",") if r],
                "previous": row.assignee}

    def _candidates(self, proc: Procedure, state: str, req: Request, timer_rows) -> list[Transition]:
        """The transitions `req.trigger` may take from `state`, once its origin is checked."""
        machine = self.registry.machine(proc.kind, proc.version)
        if req.trigger not in proc.triggers:
            allowed = [t for t in machine.triggers_from(state) if not machine.system_only(t)]
            raise BadInput(f"{proc.label}没有操作“{req.trigger}”；当前可用的操作：{'、'.join(allowed) or '无'}",
                           code="unknown_trigger", allowed=allowed)
        candidates = proc.transitions_for(req.trigger, state)
        check_origin(candidates or [t for t in proc.transitions if t.trigger == req.trigger], req, timer_rows)
        if not candidates:
            try:
                machine.fire(state, req.trigger, None)  # raises the refusal naming what is allowed
            except Refusal as r:
                raise _refused(r) from None
        return candidates

    def _effects(self, step: _Step, opener: str | None) -> tuple[dict, list, list, bool, str | None]:
        """The declared effects' data changes, archive entries, archive status rows, overdue flag and owner
        (`OWNER_KEY`; a new case's is its `opener`)."""
        proc, t, ctx, row = step.proc, step.t, step.ctx, step.row
        data = dict(ctx.data)
        archive, archive_changes, overdue = [], [], (row.overdue if row is not None else False)
        owner = row.assignee if row is not None else opener
        for name in t.effects:
            result = proc.effects[name](ctx)
            data.update(result.get("data", {}))
            archive.extend(result.get("archive", []))
            archive_changes.extend(result.get("archive_status", []))
            overdue = result.get("overdue", overdue)
            owner = result.get(OWNER_KEY, owner)
        if t.proposal:
            data["proposal"] = {"by": ctx.actor.name, "trigger": t.trigger, "inputs": to_json(step.inputs),
                                "on": ctx.today.isoformat()}
        if (t.dest or (row.state if row is not None else None)) in proc.final_states:
            overdue = False
        return data, archive, archive_changes, overdue, owner

    def _write(self, conn, step: _Step, state: str, actor: Actor, now: datetime) -> Outcome:
        proc, t, ctx, row, req, inputs = step.proc, step.t, step.ctx, step.row, step.req, step.inputs
        dest = t.dest or state
        # a case a person opens is theirs; one the system opens belongs to no one until an approver assigns it
        opener = None if actor.name == SYSTEM_ACTOR else actor.name
        if row is None:
            case_id = conn.execute(_INSERT_CASE, dict(
                kind=proc.kind, declaration_version=proc.version, state=dest, version=0, parent_id=step.parent_id,
                subject_id=step.subject_id, opened_by=step.opened_by, entry_id=step.entry_id, data={},
                assignee=opener,
                is_final=False, overdue=False, log_seq=0, chain_head="", opened_at=now, updated_at=now)).scalar_one()
            version, seq, prev_hash = 0, 0, ""
        else:
            case_id, version, seq, prev_hash = row.id, row.version, row.log_seq, row.chain_head
        # Sealed values go to their own append-only table first (the log row refers to them by id); a refusal
        # or conflict later in this transition rolls them back with the rest.
        for name, sealed in step.sealed.items():
            row_id = sealed_repo.add(conn, case_id=case_id, seq=seq + 1, sealed=sealed, recorded_at=clock.real_now(),
                                     recorded_by=actor.name)
            inputs[name]["sealed"] = row_id
        data, archive, archive_changes, overdue, owner = self._effects(step, opener)
        _refuse_sealed_copies(step, data, archive)
        timers_after, timer_writes, timer_log = self._timers(step, case_id, data, closing=dest in proc.final_states)
        case_after = CaseView(case_id, proc.kind, dest, version + 1, data, step.subject_id,
                              {name: _timer_view(v) for name, v in timers_after.items()}, final=dest in proc.final_states)
        ctx.after = case_after

        # The notice: rendered, then numbered (gapless: the increment rolls back with this transaction;
        # taken last, so the number row stays locked only for the writes and the commit).
        settings = self.settings(conn)
        require_for_notice(settings, t.notice)  # no notice without its issuer, no decision without its remedies bodies
        # Never backdated: a notice is dated the day it is produced (a late sweep's notice states the day
        # the period ended); the legal effect (state, effective instant, archive dates) stays `now`.
        issued_at = clock.now()
        issued_on = clock.today(issued_at)
        subject = step.subject if step.subject is not None else repo.subject_row(conn, step.subject_id)
        addressed_to = addressee(t.notice, subject, settings, ctx)
        context = notice_context(conn, calendar=self.calendar, proc=proc, t=t, settings=settings,
                                 number=NUMBER_PLACEHOLDER, issued_at=issued_at, subject=subject,
                                 case_after=case_after, timers_after=timers_after, from_state=state, ctx=ctx,
                                 inputs=inputs, actor=actor, addressed_to=addressed_to)
        draft = render(t.notice.template, context)

        # The log row without what depends on the document number (notice_number, notice_hash) and on the
        # chain (prev_hash, hash): `_store` fills those in when it numbers the notice.
        log = {
            "case_id": case_id, "seq": seq + 1, "trigger": t.trigger, "from_state": None if state == NEW else state,
            "to_state": dest, "actor": actor.name, "role": t.role, "effective_at": now,
            "recorded_at": clock.real_now(), "clock_overridden": clock.overridden(),
            "inputs": to_json({**step.raw, **inputs, **({"caused_by": req.caused_by} if req.caused_by else {})}),
            "rules": step.rules, "timer_effects": timer_log,
        }
        outcome = Outcome(case_id, dest, version + 1, "", seq + 1, proc.kind)
        self._store(conn, Pending(
            case_id=case_id, series=t.notice.series, year=issued_on.year, draft=draft, prev_hash=prev_hash, log=log,
            case=dict(b_id=case_id, b_version=version, state=dest, version=version + 1, data=to_json(data),
                      assignee=owner, is_final=dest in proc.final_states, overdue=overdue, log_seq=seq + 1,
                      updated_at=now),
            timer_writes=timer_writes,
            notice=dict(department=settings["number_prefix"], series=t.notice.series, year=issued_on.year,
                        case_id=case_id, transition_seq=seq + 1, template=t.notice.template,
                        title=context["notice"]["title"], audience=t.notice.audience, addressee=addressed_to,
                        issued_at=issued_at),
            outcome=outcome), settings)
        if archive or archive_changes:
            records.write_archive(conn, step.ctx.today, step.subject_id, step.entry_id, case_id,
                                  settings["department_name"], archive, archive_changes, now)
        if ctx.event is not None and t.trigger == SERVED_TRIGGER:
            records.write_service(conn, ctx.event, actor.name)

        self._related(conn, step, case_id, seq + 1, now, outcome)
        return outcome

    def _store(self, conn, p: "Pending", settings: dict) -> None:
        """Number the notice and write the transition: case (optimistic lock), timers, notice, log row.

        The number is taken last, so the number row stays locked only for the writes and the commit
        (gapless: the increment rolls back with this transaction). The batch engine
        (workflows/engine/batch.py) overrides this to number a whole batch at once."""
        number, n = repo.next_notice_number(conn, settings, p.series, p.year)
        notice, log = p.numbered(number, n, p.prev_hash)
        # Write the case under the optimistic version check before anything else of this transition:
        # a concurrent transition on the same case waits on the row (PostgreSQL) or the write lock
        # (SQLite) and then finds the version moved on — a conflict, never a silent overwrite. The
        # case update guards the rest of the writes: they only run when it changed the row.
        writes = [hot.Call(_UPDATE_CASE, {**p.case, "chain_head": log["hash"]})]
        writes += [hot.Call(stmt, params) for stmt, params in p.timer_writes]
        writes.append(hot.Call(_INSERT_NOTICE, notice))
        writes.append(hot.Call(_INSERT_LOG, log))
        if hot.run(conn, writes, guard=True)[0].rowcount != 1:
            raise p.conflict()
        p.outcome.notice = number

    # -- declared effects on related cases ------------------------------------------------------------

    def _related(self, conn, step: _Step, case_id: int, seq: int, now: datetime, outcome: Outcome) -> None:
        """The parent's link, the cases this transition opens, and the related cases it notifies, each a
        system transition caused by this one, in this database transaction."""
        t, ctx, proc = step.t, step.ctx, step.proc
        cause = {"case": case_id, "kind": proc.kind, "seq": seq, "trigger": t.trigger}

        def system(trigger, inputs):
            return Request(trigger=trigger, actor=SYSTEM_ACTOR, inputs=inputs, effective_at=now, caused_by=cause)

        if t.parent is not None and step.parent_id is not None:
            inputs = dict(t.parent.inputs(ctx)) if t.parent.inputs else {}
            outcome.parent = self.advance(conn, step.parent_id, system(t.parent.trigger, inputs))
        for o in t.opens:
            if o.when and not proc.conditions[o.when](ctx):
                continue
            outcome.opened.append(self._open_related(conn, o, step, case_id, system(o.trigger, o.inputs(ctx) if o.inputs else {})))
        for n in t.notifies:
            if n.when and not proc.conditions[n.when](ctx):
                continue
            for other in self._targets(conn, n.target, step, case_id):
                if n.kind and other.kind != n.kind:
                    continue
                other_proc = self._procedure(other.kind, other.declaration_version)
                if not other_proc.transitions_for(n.trigger, other.state):
                    continue  # closed already, or not concerned
                outcome.notified.append(self.advance(conn, other.id, system(n.trigger, n.inputs(ctx) if n.inputs else {})))

    def _open_related(self, conn, o: Open, step: _Step, case_id: int, request: Request) -> Outcome:
        if o.relation == "child":
            return self.open(conn, o.kind, request, parent_id=case_id, opened_by=case_id)
        return self.open(conn, o.kind, request, subject_id=step.subject_id, opened_by=case_id)

    @staticmethod
    def _targets(conn, target: str, step: _Step, case_id: int) -> list:
        if target == "entry":  # the case that owns the entry's information (through any corrections of it)
            owner_id = archive_repo.entry_owner(conn, step.entry_id) if step.entry_id else None
            owner = repo.case_row(conn, owner_id) if owner_id is not None else None
            return [owner] if owner is not None else []
        if target == "parent":
            return [r for r in [repo.case_row(conn, step.parent_id)] if r is not None] if step.parent_id else []
        if target == "opener":
            return [r for r in [repo.case_row(conn, step.opened_by)] if r is not None] if step.opened_by else []
        if target == "children":
            return list(repo.children_of(conn, case_id))
        return list(repo.opened_by(conn, case_id))  # "opened"

    # -- timers ---------------------------------------------------------------------------------------

    def _timers(self, step: _Step, case_id: int, data: dict, closing: bool = False) -> tuple[dict, list, list[dict]]:
        """The transition's timer plan (`states.timers.plan_timers`, pure): the case's timers afterwards,
        the writes to make once the case is claimed, and the log entries."""
        req, ctx = step.req, step.ctx
        consumes = req.fired_timer is not None or req.fired_reminder is not None
        parent_data = ctx.parent.data if any(e.anchor.startswith("parent:") for e in step.t.timers) and ctx.parent \
            else {}
        try:
            plan = plan_timers(step.proc, step.t, {r.name: TimerState.of(r) for r in step.timer_rows}, step.inputs,
                               today=ctx.today, now=ctx.now, calendar=self.calendar, policy=ctx.policy,
                               fired=req.fired_timer, reminded=req.fired_reminder, recompute=req.recompute_timer,
                               closing=closing, processed_at=clock.real_now() if consumes else None,
                               data=data, parent_data=parent_data,
                               event_day=ctx.event["served_on"] if ctx.event and req.trigger == SERVED_TRIGGER else None)
        except TimerGone as exc:
            raise Conflict(exc.message) from None
        except TimerNotRunning as exc:
            raise RefusedError(exc.message, code=exc.code, article=exc.article) from None
        except AnchorMissing as exc:
            raise RefusedError(exc.message, code="TIMER-ANCHOR",
                               article="creditflow policy: 期限须有明确的起算日") from None
        writes = [(repo.INSERT_TIMER, {"case_id": case_id, **c.values}) if isinstance(c, TimerInsert) else
                  (repo.UPDATE_TIMER, {"b_case_id": case_id, "b_name": c.name, **c.values}) for c in plan.changes]
        return dict(plan.timers), writes, list(plan.log)
