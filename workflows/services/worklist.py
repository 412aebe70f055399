"""The staff pages' read use cases: a user's worklist, the approver's queue, the dashboard's figures and the
log across cases (workflows/web/pages_staff.py shows them). Each reads in one transaction with one statement per
list (workflows/store/worklist_repo.py); what a row means comes from the declarations: procedure, state, clock
and trigger labels, which states await an approver's decision, which states are final. Nothing here names a
procedure.

Urgency is the working days left to the last day of the case's nearest running clock, counted on the engine's
calendar from today (Asia/Shanghai): "overdue" when the case is flagged overdue or that clock has already ended,
"soon" when at most `SOON_WORKING_DAYS` working days are left (the last day itself counting as 0 left).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from calendars import SHANGHAI, CalendarError
from notices.privacy import mask_id
from states.registry import Registry, UnknownProcedure

from .. import clock
from ..engine import Engine
from ..errors import BadInput
from ..inputs import choose
from ..store import people_repo, repo, worklist_repo
from ..store.uow import UnitOfWork

SOON_WORKING_DAYS = 3  # issue 17: due within 3 working days is shown in amber
PER_PAGE = 50
MAX_PER_PAGE = 200
SEARCH_LENGTH = 100
CHART_MONTHS = 12


class WorklistService:
    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable[[], Engine], registry: Registry):
        self.uow = uow
        self._engine = engine  # the calendar counts the working days left
        self.registry = registry

    # -- the declarations, read generically ----------------------------------------------------------------

    def _versions(self):
        seen = {}
        for p in [*self.registry.procedures(), *self.registry.all_versions()]:
            seen.setdefault((p.kind, p.version), p)
        return list(seen.values())

    def _proc(self, kind: str, version: int):
        try:
            return self.registry.procedure(kind, version)
        except UnknownProcedure:
            return None

    def kind_label(self, kind: str) -> str:
        return self.registry.label(kind) if kind in self.registry else kind

    def _kind_versions(self, kind: str) -> list[int]:
        return [p.version for p in self._versions() if p.kind == kind]

    def state_label(self, kind: str, version: int | None, state: str | None) -> str:
        if state is None:
            return ""
        proc = self._proc(kind, version)
        try:
            return proc.state(state).label if proc is not None else state
        except KeyError:
            return state

    def _timer_label(self, kind: str, version: int, name: str) -> str:
        proc = self._proc(kind, version)
        try:
            return proc.timer(name).label if proc is not None else name
        except KeyError:
            return name

    def _trigger_label(self, kind: str, version: int, trigger: str, from_state: str | None = None) -> str:
        proc = self._proc(kind, version)
        if proc is None:
            return trigger
        found = [t for t in proc.transitions if t.trigger == trigger]
        exact = [t for t in found if from_state in t.source]
        return (exact or found)[0].label if found else trigger

    def awaiting_decision(self) -> set[tuple[str, int, str]]:
        """(kind, version, state) where a transition declared as an approver's decision may be taken."""
        return {(p.kind, p.version, s) for p in self._versions() for t in p.transitions
                if t.decision and "approver" in t.roles for s in t.source}

    def final_states(self) -> set[tuple[str, int, str]]:
        return {(p.kind, p.version, s.name) for p in self._versions() for s in p.states if s.final}

    def filters(self) -> dict:
        """The choices of the procedure and state filters: every procedure with its states, as declared."""
        return {"kinds": [{"kind": p.kind, "label": p.label,
                           "states": [{"state": s.name, "label": s.label} for s in p.states if not s.final]}
                          for p in self.registry.procedures()]}

    def _kind(self, kind: str | None) -> str | None:
        if kind is None or not str(kind).strip():
            return None
        return choose(kind, self.registry.labels(), "案件类型筛选", code="unknown_kind")

    def _state(self, kind: str | None, state: str | None) -> str | None:
        if state is None or not str(state).strip():
            return None
        known: dict[str, str] = {}
        for p in self._versions():
            if kind is None or p.kind == kind:
                for st in p.states:
                    known.setdefault(st.name, st.label)
        of = f"{self.kind_label(kind)}案件的" if kind is not None else "案件"
        return choose(state, known, f"{of}状态筛选", code="unknown_state")

    # -- rows --------------------------------------------------------------------------------------------------

    def _left(self, last_day: date, today: date) -> int | None:
        """Working days after today up to the last day (0: the last day is today); negative: working days since."""
        cal = self._engine().calendar
        try:
            if last_day >= today:
                return cal.working_days_in(today + timedelta(days=1), last_day + timedelta(days=1))
            return -cal.working_days_in(last_day + timedelta(days=1), today + timedelta(days=1))
        except CalendarError:  # beyond the calendar's years: no count, the date still shows
            return None

    def _row(self, r, user: str | None, now: datetime, today: date) -> dict:
        person = r.identifier_kind == "id_number"
        code = r.identifier or ""
        deadline = None
        ended = False
        if r.timer_name is not None:
            ended = r.timer_ends_at <= now
            deadline = {"name": r.timer_name, "label": self._timer_label(r.kind, r.declaration_version, r.timer_name),
                        "side": r.timer_side, "last_day": r.timer_last_day.isoformat(),
                        "ends_at": clock.local(r.timer_ends_at), "ended": ended,
                        "working_days_left": self._left(r.timer_last_day, today)}
        left = deadline["working_days_left"] if deadline else None
        if r.overdue or ended:
            urgency = "overdue"
        elif left is not None and left <= SOON_WORKING_DAYS:
            urgency = "soon"
        else:
            urgency = None
        return {"id": r.id, "kind": r.kind, "label": self.kind_label(r.kind), "state": r.state,
                "state_label": self.state_label(r.kind, r.declaration_version, r.state), "version": r.version,
                "assignee": r.assignee, "mine": user is not None and r.assignee == user, "overdue": bool(r.overdue),
                "opened_at": clock.local(r.opened_at), "subject_id": r.subject_id, "subject_name": r.subject_name,
                # an individual's ID number is personal data: staff lists show it masked (notices/privacy.py)
                "subject_code": mask_id(code) if person else code, "subject_is_person": person,
                "deadline": deadline, "urgency": urgency}

    # -- the worklist ----------------------------------------------------------------------------------------

    def worklist(self, user: str, *, kind: str | None = None, state: str | None = None, search: str | None = None,
                 page: int = 1, per_page: int = PER_PAGE) -> dict:
        """The user's open cases and the unassigned ones, the user's own first, each group most urgent first."""
        kind = self._kind(kind)
        state = self._state(kind, state)
        search = (search or "").strip()
        if len(search) > SEARCH_LENGTH:
            raise BadInput(f"搜索内容超过 {SEARCH_LENGTH} 个字符；请填写主体名称的一部分或统一社会信用代码/身份证号码",
                           code="search_too_long")
        page, per_page = _paging(page, per_page)
        now, today = clock.now(), clock.today()
        with self.uow() as uow:
            if repo.user_row(uow.conn, user) is None:
                raise BadInput(f"没有用户 {user!r}", code="unknown_user")
            rows = worklist_repo.worklist(uow.conn, user, kind=kind, state=state, search=search or None,
                                          limit=per_page, offset=(page - 1) * per_page)
            if not rows and page > 1:  # past the last page: still say how many there are
                rows_total = worklist_repo.worklist(uow.conn, user, kind=kind, state=state, search=search or None,
                                                    limit=1, offset=0)
            else:
                rows_total = rows
        total = rows_total[0].total if rows_total else 0
        return {"user": user, "rows": [self._row(r, user, now, today) for r in rows], "total": total,
                "page": page, "per_page": per_page, "pages": _pages(total, per_page),
                "filters": {"kind": kind, "state": state, "search": search}, "today": today.isoformat()}

    # -- the approver's queue -----------------------------------------------------------------------------------

    def approvals(self, approver: str, *, page: int = 1, per_page: int = PER_PAGE) -> dict:
        """Every open case awaiting an approver's decision that `approver` did not bring into its state (who
        prepared it: the actor of the log row that entered the state), most urgent first, a page at a time."""
        page, per_page = _paging(page, per_page)
        now, today = clock.now(), clock.today()
        awaiting = self.awaiting_decision()
        with self.uow() as uow:
            rows = worklist_repo.approvals(uow.conn, approver, awaiting, limit=per_page, offset=(page - 1) * per_page)
            if not rows and page > 1:
                rows_total = worklist_repo.approvals(uow.conn, approver, awaiting, limit=1, offset=0)
            else:
                rows_total = rows
        total = rows_total[0].total if rows_total else 0
        out = []
        for r in rows:
            row = self._row(r, None, now, today)
            proc = self._proc(r.kind, r.declaration_version)
            decisions = [] if proc is None else list(dict.fromkeys(
                t.label for t in proc.transitions if t.decision and "approver" in t.roles and r.state in t.source))
            row.update(prepared_by=r.prepared_by, prepared_at=clock.local(r.prepared_at),
                       prepared_label=self._trigger_label(r.kind, r.declaration_version, r.prepared_trigger)
                       if r.prepared_trigger else None, decisions=decisions)
            out.append(row)
        return {"rows": out, "total": total, "page": page, "per_page": per_page, "pages": _pages(total, per_page)}

    # -- the dashboard -----------------------------------------------------------------------------------------

    def dashboard(self, months: int = CHART_MONTHS) -> dict:
        """Cases by procedure and state, open ones overdue and due this week, open incidents, and cases opened
        and closed in each of the last `months` months (Beijing time)."""
        now, today = clock.now(), clock.today()
        week_end = datetime.combine(today + timedelta(days=6 - today.weekday() + 1), time(0), tzinfo=SHANGHAI)
        spans = _month_spans(today, months)
        with self.uow() as uow:
            by_state = worklist_repo.counts_by_state(uow.conn)
            overdue, due_week = worklist_repo.deadline_figures(uow.conn, now, week_end)
            incidents = worklist_repo.open_incidents(uow.conn)
            opened, closed = worklist_repo.per_month(uow.conn, [(a, b) for _, a, b in spans], self.final_states())
        procedures: dict[str, dict] = {}
        for p in self.registry.procedures():  # declared order; a kind no longer declared is added after
            procedures[p.kind] = {"kind": p.kind, "label": p.label, "open_count": 0, "closed_count": 0,
                                  "states": {s.name: {"state": s.name, "label": s.label, "final": s.final, "n": 0}
                                             for s in p.states}}
        finals = self.final_states()
        for r in by_state:
            entry = procedures.setdefault(r.kind, {"kind": r.kind, "label": self.kind_label(r.kind), "open_count": 0,
                                                   "closed_count": 0, "states": {}})
            final = any((r.kind, v, r.state) in finals for v in self._kind_versions(r.kind))
            st = entry["states"].setdefault(r.state, {"state": r.state, "final": final, "n": 0,
                                                      "label": self.state_label(r.kind, None, r.state)})
            st["n"] += r.n
            entry["closed_count" if final else "open_count"] += r.n
        listed = [{**p, "states": [s for s in p["states"].values() if s["n"]]} for p in procedures.values()]
        return {"as_of": clock.local(now), "procedures": listed,
                "open_count": sum(p["open_count"] for p in listed),
                "closed_count": sum(p["closed_count"] for p in listed),
                "overdue": overdue, "due_this_week": due_week, "week_ends_on": (week_end.date() - timedelta(days=1)).isoformat(),
                "open_incidents": incidents,
                "months": [{"month": label, "opened": o, "closed": c} for (label, _, _), o, c in zip(spans, opened, closed)]}

    # -- the log across cases -----------------------------------------------------------------------------------

    def log(self, *, actor: str | None = None, kind: str | None = None, since: str | date | None = None,
            until: str | date | None = None, overridden: bool = False, overdue: bool = False, page: int = 1,
            per_page: int = PER_PAGE) -> dict:
        """Log rows across cases, newest first, filtered by actor, procedure, effective day (Beijing, inclusive),
        a clock override, or the case being overdue."""
        kind = self._kind(kind)
        actor = (actor or "").strip() or None
        first = parse_day(since, "起始日期")
        last = parse_day(until, "截止日期")
        if first and last and first > last:
            raise BadInput(f"起始日期 {first.isoformat()} 晚于截止日期 {last.isoformat()}；请把起始日期改为不晚于截止日期的日子",
                           code="bad_date_range")
        page, per_page = _paging(page, per_page)
        bounds = (datetime.combine(first, time(0), tzinfo=SHANGHAI) if first else None,
                  datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI) if last else None)
        with self.uow() as uow:
            rows = worklist_repo.log_search(uow.conn, actor=actor, kind=kind, bounds=bounds, overridden=overridden,
                                            overdue=overdue, limit=per_page + 1, offset=(page - 1) * per_page)
            users = [u.name for u in people_repo.list_users(uow.conn)]
        more = len(rows) > per_page
        return {"rows": [{"id": r.id, "case_id": r.case_id, "seq": r.seq, "kind": r.kind,
                          "label": self.kind_label(r.kind), "trigger": r.trigger,
                          "trigger_label": self._trigger_label(r.kind, r.declaration_version, r.trigger, r.from_state),
                          "from_state": r.from_state,
                          "from_state_label": self.state_label(r.kind, r.declaration_version, r.from_state),
                          "to_state": r.to_state, "to_state_label": self.state_label(r.kind, r.declaration_version, r.to_state),
                          "actor": r.actor, "role": r.role, "effective_at": clock.local(r.effective_at),
                          "recorded_at": clock.local(r.recorded_at), "clock_overridden": bool(r.clock_overridden),
                          "notice_number": r.notice_number, "rules": [x.get("code") for x in (r.rules or [])
                                                                      if isinstance(x, dict)],
                          "overdue_case": bool(r.overdue), "hash": r.hash} for r in rows[:per_page]],
                "page": page, "per_page": per_page, "more": more, "actors": users,
                "filters": {"actor": actor, "kind": kind, "since": first.isoformat() if first else None,
                            "until": last.isoformat() if last else None, "overridden": overridden, "overdue": overdue}}


def _paging(page, per_page) -> tuple[int, int]:
    try:
        page, per_page = int(page), int(per_page)
    except (TypeError, ValueError):
        raise BadInput("页码和每页条数须为整数；请改为如 1 和 50", code="bad_page") from None
    if page < 1:
        raise BadInput(f"页码 {page} 无效：页码从 1 开始；请改为不小于 1 的整数", code="bad_page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadInput(f"每页条数 {per_page} 无效：须在 1 到 {MAX_PER_PAGE} 之间", code="bad_page")
    return page, per_page


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def parse_day(value, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(f"{what} {value!r} 不是日期；请按 2026-03-02 的格式填写", code="bad_date") from None


def _month_spans(today: date, months: int) -> list[tuple[str, datetime, datetime]]:
    """The last `months` calendar months up to this one: ("2026-03", first instant, next month's first instant)."""
    y, m = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out = []
    for y, m in reversed(starts):
        ny, nm = (y, m + 1) if m < 12 else (y + 1, 1)
        out.append((f"{y:04d}-{m:02d}", datetime(y, m, 1, tzinfo=SHANGHAI), datetime(ny, nm, 1, tzinfo=SHANGHAI)))
    return out
