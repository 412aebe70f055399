"""The engine: the one way state changes, for people and timers alike (one transition, one transaction).

`Engine.open` / `Engine.advance` work inside a transaction owned by the caller (a service's unit of
work) and never commit. Steps: load the case and its timers; restore its state on the kind's shared
machine (reading a column, nothing runs); check trigger, role, four-eyes rule and guards (a refusal
raises and changes nothing); claim the case version (optimistic lock); compute effects and timers
from the calendar; render and number the notice; write timers, notice, log row (hash-chained),
case and archive entries. A parent link fires the parent's transition in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, insert, update
from sqlalchemy.engine import Connection

from calendars import SHANGHAI, Clock, WorkingCalendar
from notices import render
from states import MACHINES, NEW, PROCEDURES, Refusal
from states.context import Actor, CaseView, Context, TimerView
from states.grades import grade_for, parse_score
from states.identifiers import INSTITUTION_TYPES, SUBJECT_TYPES
from states.policy import DEFAULT_POLICY
from states.spec import RECOMPUTE_TRIGGER, REMINDER_TRIGGER, Procedure, Transition
from states.timers import TimerGone, TimerInsert, TimerNotRunning, TimerState, plan_timers

from . import clock
from .audit import row_hash
from .auditing import refuse_read_only
from .deployment import require_for_notice
from .errors import BadInput, Conflict
from .errors import Refused as RefusedError
from .inputs import parse_inputs, to_json
from .store import hot, repo
from .store import archive as archive_repo
from .store.tables import cases, notices, transitions

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
    caused_by: dict | None = None  # {"case": id, "seq": n} for a transition fired by a child

    @property
    def from_the_clock(self) -> bool:
        """Fired by the sweep, the calendar recompute or a child case's link, never by a person."""
        return (self.fired_timer is not None or self.fired_reminder is not None or self.recompute_timer is not None
                or self.caused_by is not None)


SYSTEM_ACTOR = "system"
# Nobody forges the clock: a deadline's expiry decides for or against the subject by itself, so only
# the sweep may fire it, and only once it is due.
CLOCK_ARTICLE = ("creditflow policy: 期限届满、到期提醒和期限重算只由系统按日历自动处理，"
                 "任何人不得代为触发")


def _timer_view(row) -> TimerView:
    return TimerView(row.name, row.status, row.start_day, row.last_day, row.ends_at, row.provisional)


def _view(row, timer_rows) -> CaseView:
    return CaseView(row.id, row.kind, row.state, row.version, dict(row.data), row.subject_id,
                    {t.name: _timer_view(t) for t in timer_rows})


def _refused(r: Refusal) -> RefusedError:
    return RefusedError(r.message, code=r.code, article=r.article, allowed=r.allowed)


class Engine:
    """Holds what every transition needs that does not change per call."""

    def __init__(self, calendar: WorkingCalendar, policy=DEFAULT_POLICY):
        self.calendar = calendar
        self.policy = policy
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
             parent_id: int | None = None) -> Outcome:
        proc = self._procedure(kind)
        parent = None
        if proc.parent_kind:
            if parent_id is None:
                raise BadInput(f"{proc.label}案件须指明所属的{PROCEDURES[proc.parent_kind].label}案件（--parent 或 --evaluation 案件编号）")
            parent = repo.case_row(conn, parent_id)
            if parent is None or parent.kind != proc.parent_kind:
                raise BadInput(f"案件 {parent_id} 不是{PROCEDURES[proc.parent_kind].label}案件；请核对案件编号")
            subject_id = parent.subject_id
        subject = repo.subject_row(conn, subject_id) if subject_id is not None else None
        if subject is None:
            raise BadInput(f"没有编号为 {subject_id} 的信用主体；请用 creditflow subject list 查看")
        return self._apply(conn, proc, None, [], request, subject_id=subject_id, parent=parent, subject=subject)

    def advance(self, conn: Connection, case_id: int, request: Request) -> Outcome:
        found = repo.for_transition(conn, case_id, request.actor)  # case, subject, user, timers: one query
        if found is None:
            raise BadInput(f"没有编号为 {case_id} 的案件；请用 creditflow case list 查看", code="unknown_case")
        row, subject, user, timer_rows = found
        proc = self._procedure(row.kind, row.declaration_version)
        if request.expected_version is not None and request.expected_version != row.version:
            raise Conflict(f"案件 {case_id} 当前为第 {row.version} 版，不是第 {request.expected_version} 版："
                           "已有他人先行办理；请重新查看案件后再办理")
        return self._apply(conn, proc, row, timer_rows, request, subject_id=row.subject_id, parent=None,
                           subject=subject, user=user)

    def available(self, conn: Connection, case_id: int, actor_name: str) -> list[str]:
        row = repo.case_row(conn, case_id)
        if row is None:
            raise BadInput(f"没有编号为 {case_id} 的案件；请用 creditflow case list 查看", code="unknown_case")
        proc = self._procedure(row.kind)
        now = clock.now()
        ctx = self._context(conn, proc, _view(row, repo.timers_of(conn, case_id)), row.parent_id, row.subject_id,
                            self._actor(conn, actor_name), {}, now, None)
        return MACHINES[row.kind].available(row.state, ctx)

    # -- helpers ------------------------------------------------------------------------------------

    def _procedure(self, kind: str, version: int | None = None) -> Procedure:
        proc = PROCEDURES.get(kind)
        if proc is None:
            raise BadInput(f"未知的案件类型 {kind!r}；可选：{'、'.join(PROCEDURES)}", allowed=list(PROCEDURES))
        if version is not None and version != proc.version:
            raise BadInput(f"该案件按{kind}程序第{version}版办理，本版本程序未包含该版本；请使用对应版本的 creditflow")
        return proc

    def _actor(self, conn: Connection, name: str, row=_UNREAD) -> Actor:
        if row is _UNREAD:
            row = repo.user_row(conn, name)
        if row is None:
            raise BadInput(f"没有用户 {name!r}；请先用 creditflow user add {name} --role handler 添加",
                           code="unknown_user")
        return Actor(row.name, frozenset(r for r in row.roles.split(",") if r))

    def _context(self, conn, proc, case_view, parent_id, subject_id, actor, inputs, now, parent_row) -> Context:
        def load_parent():
            row = parent_row if parent_row is not None else (repo.case_row(conn, parent_id) if parent_id else None)
            return _view(row, repo.timers_of(conn, row.id)) if row is not None else None

        def load_siblings():
            own = case_view.id if case_view else None
            rows = repo.children_of(conn, parent_id, proc.kind) if parent_id else \
                repo.cases_of_subject(conn, subject_id, proc.kind)
            return [_view(r, repo.timers_of(conn, r.id)) for r in rows if r.id != own]

        def load_children():
            if case_view is None:
                return []
            return [_view(r, repo.timers_of(conn, r.id)) for r in repo.children_of(conn, case_view.id)]

        return Context(case=case_view, actor=actor, inputs=inputs, today=clock.today(now), now=now,
                       calendar=self.calendar, policy=self.policy, load_parent=load_parent,
                       load_siblings=load_siblings, load_children=load_children)

    # -- the transition ----------------------------------------------------------------------------

    def _apply(self, conn, proc: Procedure, row, timer_rows, req: Request, *, subject_id, parent,
               subject=None, user=_UNREAD) -> Outcome:
        machine = MACHINES[proc.kind]
        state = row.state if row is not None else NEW
        if not any(t.trigger == req.trigger for t in proc.transitions):
            allowed = [t for t in machine.triggers_from(state) if not machine.system_only(t)]
            raise BadInput(f"{proc.label}没有操作“{req.trigger}”；当前可用的操作：{'、'.join(allowed) or '无'}",
                           code="unknown_trigger", allowed=allowed)
        candidates = proc.transitions_for(req.trigger, state)
        self._check_origin(proc, candidates or [t for t in proc.transitions if t.trigger == req.trigger], req,
                           timer_rows)
        if not candidates:
            try:
                machine.fire(state, req.trigger, None)  # raises the refusal naming what is allowed
            except Refusal as r:
                raise _refused(r) from None
        actor = self._actor(conn, req.actor, user)
        refuse_read_only(actor.name, actor.roles)  # the auditor reads everything and changes nothing
        specs = {}
        for t in candidates:
            for spec in t.inputs:
                specs.setdefault(spec.name, spec)
        raw = dict(req.inputs)
        child_case = raw.pop("child_case", None) if req.caused_by else None
        inputs = parse_inputs(tuple(specs.values()), raw, req.trigger)
        if child_case is not None:
            inputs["child_case"] = child_case  # which child case caused this parent transition
        now = req.effective_at or clock.now()
        case_view = _view(row, timer_rows) if row is not None else None
        parent_id = parent.id if parent is not None else (row.parent_id if row is not None else None)
        ctx = self._context(conn, proc, case_view, parent_id, subject_id, actor, inputs, now, parent)
        try:
            model = machine.fire(state, req.trigger, ctx)
        except Refusal as r:
            raise _refused(r) from None
        t: Transition = model.chosen
        dest = t.dest or state

        # Effects are pure functions: data changes, archive entries, flags.
        data = dict(ctx.data)
        archive, archive_changes, overdue = [], [], (row.overdue if row is not None else False)
        for name in t.effects:
            result = proc.effects[name](ctx)
            data.update(result.get("data", {}))
            archive.extend(result.get("archive", []))
            archive_changes.extend(result.get("archive_status", []))
            overdue = result.get("overdue", overdue)
        if t.proposal:
            data["proposal"] = {"by": actor.name, "trigger": t.trigger, "inputs": to_json(inputs),
                                "on": ctx.today.isoformat()}
        if dest in proc.final_states:
            overdue = False

        if row is None:
            case_id = conn.execute(_INSERT_CASE, dict(
                kind=proc.kind, declaration_version=proc.version, state=dest, version=0, parent_id=parent_id,
                subject_id=subject_id, data={}, is_final=False, overdue=False, log_seq=0, chain_head="",
                opened_at=now, updated_at=now)).scalar_one()
            version, seq, prev_hash = 0, 0, ""
        else:
            case_id, version, seq, prev_hash = row.id, row.version, row.log_seq, row.chain_head

        timers_after, timer_writes, timer_log = self._timers(proc, t, case_id, {r.name: r for r in timer_rows},
                                                             inputs, ctx, req, closing=dest in proc.final_states)
        case_after = CaseView(case_id, proc.kind, dest, version + 1, data, subject_id,
                              {name: _timer_view(v) for name, v in timers_after.items()})

        # The notice: rendered, then numbered (gapless: the increment rolls back with this transaction;
        # taken last, so the number row stays locked only for the writes and the commit).
        settings = self.settings(conn)
        require_for_notice(settings, t.notice)  # no notice without its issuer, no decision without its remedies bodies
        # Never backdated: a notice is dated the day it is produced (a late sweep's notice states the day
        # the period ended); the legal effect (state, effective instant, archive dates) stays `now`.
        issued_at = clock.now()
        issued_on = clock.today(issued_at)
        if subject is None:
            subject = repo.subject_row(conn, subject_id)
        context = self._notice_context(conn, proc, t, settings, NUMBER_PLACEHOLDER, issued_at, subject, case_after,
                                       timers_after, state, ctx, inputs, actor)
        draft = render(t.notice.template, context)
        number, n = repo.next_notice_number(conn, settings, t.notice.series, issued_on.year)
        rendered = draft.numbered(NUMBER_PLACEHOLDER, number)

        # The log row, chained to the case's previous row.
        log = {
            "case_id": case_id, "seq": seq + 1, "trigger": t.trigger, "from_state": None if state == NEW else state,
            "to_state": dest, "actor": actor.name, "role": t.role, "effective_at": now,
            "recorded_at": clock.real_now(), "clock_overridden": clock.overridden(),
            "inputs": to_json({**raw, **inputs, **({"caused_by": req.caused_by} if req.caused_by else {})}),
            "rules": model.rules, "timer_effects": timer_log, "notice_number": number,
            "notice_hash": rendered.content_hash, "prev_hash": prev_hash,
        }
        log["hash"] = row_hash(log)

        # Write the case under the optimistic version check before anything else of this transition:
        # a concurrent transition on the same case waits on the row (PostgreSQL) or the write lock
        # (SQLite) and then finds the version moved on — a conflict, never a silent overwrite. The
        # case update guards the rest of the writes: they only run when it changed the row.
        writes = [hot.Call(_UPDATE_CASE, dict(
            b_id=case_id, b_version=version, state=dest, version=version + 1, data=to_json(data),
            is_final=dest in proc.final_states, overdue=overdue, log_seq=seq + 1, chain_head=log["hash"],
            updated_at=now))]
        writes += [hot.Call(stmt, params) for stmt, params in timer_writes]
        writes.append(hot.Call(_INSERT_NOTICE, dict(
            number=number, department=settings["number_prefix"], series=t.notice.series, year=issued_on.year, seq=n,
            case_id=case_id, transition_seq=seq + 1, template=t.notice.template, title=t.notice.title,
            audience=t.notice.audience, addressee=_addressee(t.notice.audience, subject, settings),
            html=rendered.html, text=rendered.text, content_hash=rendered.content_hash, issued_at=issued_at)))
        writes.append(hot.Call(_INSERT_LOG, log))
        if hot.run(conn, writes, guard=True)[0].rowcount != 1:
            raise Conflict(f"办理期间案件 {case_id} 已被他人更改，本次办理未执行；请重新查看案件后再办理")
        if archive or archive_changes:
            self._write_archive(conn, subject_id, case_id, settings["department_name"], archive, archive_changes,
                                ctx.today, now)

        outcome = Outcome(case_id, dest, version + 1, number, seq + 1, proc.kind)
        if t.parent is not None and parent_id is not None:
            link_inputs = dict(t.parent.inputs(ctx)) if t.parent.inputs else {}
            link_inputs["child_case"] = case_id
            outcome.parent = self.advance(conn, parent_id, Request(
                trigger=t.parent.trigger, actor="system", inputs=link_inputs, effective_at=now,
                caused_by={"case": case_id, "seq": seq + 1}))
        return outcome

    @staticmethod
    def _write_archive(conn, subject_id: int, case_id: int, collected_by: str, entries: list[dict],
                       changes: list[dict], effective_on: date, now: datetime) -> None:
        """Append the transition's archive entries, and the status rows of the entries they supersede or
        the effects mark (append-only: a correction is a new entry, never an edit)."""
        new_ids: set[int] = set()
        for change in changes:
            for old in archive_repo.select_entries(conn, subject_id=subject_id, case_id=case_id, selector=change,
                                                   collected_by=collected_by, today=effective_on, exclude=new_ids):
                archive_repo.add_status(conn, entry_id=old.id, status=change["status"], by_entry_id=None,
                                        case_id=case_id, effective_on=effective_on, reason=change["reason"],
                                        created_at=now)
        for entry in entries:
            entry_id = archive_repo.add_entry(conn, subject_id=subject_id, case_id=case_id, collected_by=collected_by,
                                              entry=entry, created_at=now)
            new_ids.add(entry_id)
            for selector in entry.get("supersedes", ()):
                for old in archive_repo.select_entries(conn, subject_id=subject_id, case_id=case_id, selector=selector,
                                                       collected_by=collected_by, today=effective_on, exclude=new_ids):
                    archive_repo.add_status(conn, entry_id=old.id, status="superseded", by_entry_id=entry_id,
                                            case_id=case_id, effective_on=effective_on, reason=selector["reason"],
                                            created_at=now)

    def _check_origin(self, proc: Procedure, candidates: list[Transition], req: Request, timer_rows) -> None:
        """Only the clock fires system transitions, and a timer's expiry only through its own `on_expiry`
        once it is due; `system` is never a person's name (refusals change nothing)."""
        if not req.from_the_clock:
            if req.actor.casefold() == SYSTEM_ACTOR:
                raise RefusedError("“system”是系统定时任务的执行者，不是用户，不能以其名义办理；请以本人用户名办理（--as 用户名）",
                                   code="CLOCK-ACTOR", article=CLOCK_ARTICLE)
            if candidates and all(t.role == "system" for t in candidates):
                raise RefusedError(f"“{candidates[0].label}”只能由系统在期限届满时自动处理，不能人工触发；"
                                   "到期事项由定时任务（creditflow sweep）处理",
                                   code="CLOCK-SYSTEM-TRIGGER", article=CLOCK_ARTICLE)
            return
        if req.actor != SYSTEM_ACTOR or any(t.role != "system" for t in candidates):
            raise RefusedError(f"{req.trigger}：系统触发只用于系统操作", code="CLOCK-ORIGIN", article=CLOCK_ARTICLE)
        now = clock.now()
        by_id = {r.id: r for r in timer_rows}
        if req.fired_timer is not None:
            timer = by_id.get(req.fired_timer)
            if timer is None or timer.on_expiry != req.trigger:
                raise RefusedError(f"{req.trigger} 不是该期限届满时的处理", code="CLOCK-WRONG-TIMER", article=CLOCK_ARTICLE)
            if timer.ends_at > now:
                raise RefusedError(f"期限 {timer.name} 至 {timer.ends_at.astimezone(SHANGHAI).isoformat()} 才届满，现在不能按届满处理",
                                   code="CLOCK-NOT-DUE", article=CLOCK_ARTICLE)
        if req.fired_reminder is not None:
            timer = by_id.get(req.fired_reminder)
            if timer is None or req.trigger != REMINDER_TRIGGER:
                raise RefusedError(f"{req.trigger} 不是到期提醒", code="CLOCK-WRONG-TIMER", article=CLOCK_ARTICLE)
            if timer.remind_at is not None and timer.remind_at > now:
                raise RefusedError(f"期限 {timer.name} 的提醒至 {timer.remind_at.astimezone(SHANGHAI).isoformat()} 才到期",
                                   code="CLOCK-NOT-DUE", article=CLOCK_ARTICLE)
        if req.recompute_timer is not None and req.trigger != RECOMPUTE_TRIGGER:
            raise RefusedError(f"{req.trigger} 不是期限重算", code="CLOCK-WRONG-TIMER", article=CLOCK_ARTICLE)

    # -- timers ---------------------------------------------------------------------------------------

    def _timers(self, proc: Procedure, t: Transition, case_id: int, existing: dict, inputs: dict,
                ctx: Context, req: Request, closing: bool = False) -> tuple[dict, list, list[dict]]:
        """The transition's timer effects (planned by `states.timers.plan_timers`, which is pure): the
        case's timers afterwards (name -> `TimerState`), the writes to make once the case is claimed,
        and the log entries (old and new last day, the rule).

        Besides the declared effects: the expiry, reminder or recompute this transition consumes, and
        on closing the case, every clock still live is stopped (with its pending reminder)."""
        consumes = req.fired_timer is not None or req.fired_reminder is not None
        try:
            plan = plan_timers(proc, t, {name: TimerState.of(r) for name, r in existing.items()}, inputs,
                               today=ctx.today, now=ctx.now, calendar=self.calendar, policy=self.policy,
                               fired=req.fired_timer, reminded=req.fired_reminder, recompute=req.recompute_timer,
                               closing=closing, processed_at=clock.real_now() if consumes else None)
        except TimerGone as exc:
            raise Conflict(exc.message) from None
        except TimerNotRunning as exc:
            raise RefusedError(exc.message, code=exc.code, article=exc.article) from None
        writes = [(repo.INSERT_TIMER, {"case_id": case_id, **c.values}) if isinstance(c, TimerInsert) else
                  (repo.UPDATE_TIMER, {"b_case_id": case_id, "b_name": c.name, **c.values}) for c in plan.changes]
        return dict(plan.timers), writes, list(plan.log)

    # -- notices --------------------------------------------------------------------------------------

    def _deadlines(self, timer_rows, today: date) -> dict:
        out = {}
        for r in timer_rows:
            suspended = 0
            if r.unit == "working_days":
                suspended = Clock.from_dict(r.clock).suspended_working_days(self.calendar, today)
            out[r.name] = {"last_day": r.last_day, "ends_at": r.ends_at, "provisional": r.provisional,
                           "status": r.status, "suspended_working_days": suspended}
        return out

    def _notice_context(self, conn, proc, t, settings, number, issued_at, subject, case_after, timers_after,
                        from_state, ctx, inputs, actor) -> dict:
        issued_on = clock.today(issued_at)
        def parent():
            p = ctx.parent
            return None if p is None else {"id": p.id, "kind": p.kind, "state": p.state, "data": p.data}

        def parent_deadlines():
            p = ctx.parent
            return {} if p is None else self._deadlines(repo.timers_of(conn, p.id), issued_on)

        return {
            "department": {"name": settings["department_name"], "prefix": settings["number_prefix"],
                           "reconsideration_body": settings["reconsideration_body"], "court": settings["court"],
                           "fonts": {k[5:]: v for k, v in settings.items() if k.startswith("font_") and v}},
            "notice": {"number": number, "title": t.notice.title, "audience": t.notice.audience,
                       "series": t.notice.series, "issued_on": issued_on, "against_subject": t.notice.against_subject,
                       "issued_at": issued_at.astimezone(SHANGHAI).replace(microsecond=0).isoformat(),
                       "effective_on": ctx.today},
            "subject": {"name": subject.name, "identifier": subject.identifier, "type": subject.subject_type,
                        "type_label": SUBJECT_TYPES[subject.subject_type],
                        "is_person": subject.subject_type not in INSTITUTION_TYPES},
            "case": {"id": case_after.id, "kind": proc.kind, "label": proc.label, "state": case_after.state,
                     "state_label": proc.state(case_after.state).label, "data": to_json(case_after.data)},
            "parent": _Lazy(parent),
            "parent_deadlines": _Lazy(parent_deadlines),
            "deadlines": self._deadlines(timers_after.values(), issued_on),
            "inputs": to_json(inputs),
            "transition": {"trigger": t.trigger, "label": t.label,
                           "from_state": None if from_state == NEW else from_state, "to_state": case_after.state},
            "actor": {"name": actor.name},
            "grade_for": lambda s: grade_for(parse_score(s)),
            **proc.notice_context,
        }


class _Lazy:
    """A template value loaded on first attribute access (most notices never look at the parent)."""

    def __init__(self, load):
        self._load = load
        self._value = None
        self._loaded = False

    def _get(self):
        if not self._loaded:
            self._value, self._loaded = self._load(), True
        return self._value

    def __getattr__(self, name):
        return self._get()[name]

    def __getitem__(self, key):
        return self._get()[key]

    def __bool__(self):
        return bool(self._get())


def _addressee(audience: str, subject, settings) -> str:
    if audience == "subject":
        return subject.name
    if audience == "public":
        return "社会公众"
    if audience == "approvers":
        return f"{settings['department_name']}审核人员"
    return "案卷"
