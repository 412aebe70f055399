"""A living demo bureau (issue 7): `fill_demo` fills an empty database with a clearly labelled,
fictitious prefecture bureau whose cases are dated relative to `today`.

This module sets up the bureau (the department, its users and its subjects: the cast), then lets
every registered procedure play its own scene (`registry.scenes`, `SCENE(stage)` in the module beside
each declaration: states/evaluation_scene.py, states/objection_scene.py), in registration order,
and summarises what the store then holds. It names no procedure: kinds, states and labels come
from the registry.

A scene is pure: it plans steps on the `Stage` (open, act, serve, sweep, each at an instant
`stage.at(...)` on the working-day ladder) and never touches the database. Once every scene has
planned, the stage plays all their steps in time order (ties in planning order) through the real
services, each inside `clock.frozen_at` of its instant, so every notice, log row, timer and
archive entry is what the system itself would have written; the audit trail verifies. Dates are
counted on the deployment's working calendar (`services.engine.calendar`): W(n) is the n-th working
day before `today` (W(0): `today` if it is a working day, else the last working day before it), so
the story keeps its shape across weekends, the Spring Festival and make-up working days.

The simulated deadline sweeps (the bureau's, not a scene's) last ran in the small hours of W(3), as
after a few days of downtime: timers due since then are left running on purpose, for the sweep of
whoever calls (`creditflow serve` sweeps at start-up; or `creditflow sweep`). The summary names them.

Demo users (pinyin user names; the users table holds only the user name and roles):
zhangmin 张敏 and liuyang 刘洋 (handlers, 信用管理科经办人), wangfang 王芳 (approver, 科长),
zhougang 周刚 (handler and approver, 副科长), zhaolei 赵磊 (auditor, read only). Each logs in to the web
app with the documented demo password `demo-<user name>` (`DEMO_PASSWORD`), e.g. zhangmin / demo-zhangmin.

Subjects are fictitious: names say 示例 or are the placeholder names 张三、李四、王五、赵六、钱七、孙八、周九;
identifiers use the unassigned division code 419900 and carry valid check characters (GB 32100-2015
USCC with a GB 11714 organization code inside; GB 11643-1999 resident ID numbers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, inspect, select

from calendars import SHANGHAI, WorkingCalendar
from states.identifiers import SUBJECT_TYPES, id_check_digit, uscc_check_char

from . import clock
from .errors import BadInput, CreditflowError
from .store.tables import cases, notices, subjects, timers, users

DEPARTMENT = {
    "department_name": "示例市医疗保障局（演示数据）",
    "number_prefix": "示医保",
    "reconsideration_body": "示例市人民政府",
    "court": "示例市城区人民法院",
}
DEMO_DIVISION = "419900"  # fictitious: 41 is Henan, 9900 is no assigned division

USERS = (
    ("zhangmin", "张敏", ("handler",), "信用管理科经办人"),
    ("liuyang", "刘洋", ("handler",), "信用管理科经办人"),
    ("wangfang", "王芳", ("approver",), "信用管理科科长"),
    ("zhougang", "周刚", ("handler", "approver"), "信用管理科副科长"),
    ("zhaolei", "赵磊", ("auditor",), "审计监督人员（只读）"),
)

DEMO_PASSWORD = "demo-{name}"  # documented (README, docs/web.md): a demo, never a real deployment

DUE_SOON_WORKING_DAYS = 3
SWEEPS_AT = (22, 3)  # W(n) 00:05: the simulated nightly sweeps that ran before the "downtime"
LADDER = 220  # how many working days back a scene may date a step (a record determined 10 months ago)


# -- identifiers ----------------------------------------------------------------------------------------

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(first8: str) -> str:
    """GB 11714-1997 organization code check character (the 9th character, positions 9-17 of a USCC)."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def demo_uscc(registry: str, org8: str) -> str:
    """A USCC in the demo division: registry and category (e.g. 12 public institution, 91 company)."""
    first17 = registry + DEMO_DIVISION + org8 + org_code_check(org8)
    return first17 + uscc_check_char(first17)


def demo_id_number(birth: str, sequence: str) -> str:
    """A resident ID number in the demo division; an odd sequence is a man, an even one a woman."""
    first17 = DEMO_DIVISION + birth + sequence
    return first17 + id_check_digit(first17)


@dataclass(frozen=True)
class _Subject:
    key: str
    name: str
    type: str
    uscc: str | None = None
    id_number: str | None = None


@dataclass(frozen=True)
class Subject:
    """A subject of the demo bureau as a scene sees it (`stage.subject(key)`)."""

    key: str
    id: int
    name: str
    type: str
    person: bool  # identified by a resident ID number (its result is served, not published)


SUBJECTS = (
    _Subject("first_hospital", "示例市第一人民医院", "hospital", uscc=demo_uscc("12", "41990001")),
    _Subject("tcm_hospital", "示例市中医院", "hospital", uscc=demo_uscc("12", "41990002")),
    _Subject("second_hospital", "示例市第二人民医院", "hospital", uscc=demo_uscc("12", "41990003")),
    _Subject("kangning", "示例市康宁医院有限公司", "hospital", uscc=demo_uscc("91", "MA9X0K1N")),
    _Subject("county_hospital", "示例县人民医院", "hospital", uscc=demo_uscc("12", "41990105")),
    _Subject("baicaotang", "示例市百草堂大药房有限公司", "pharmacy", uscc=demo_uscc("91", "MA9X0B2C")),
    _Subject("renhe", "示例市仁和药店", "pharmacy", uscc=demo_uscc("92", "MA9X0R3H")),
    _Subject("huimin", "示例市惠民大药房连锁有限公司第三分店", "pharmacy", uscc=demo_uscc("91", "MA9X0H4M")),
    _Subject("hongda", "示例市宏达机械制造有限公司", "employer", uscc=demo_uscc("91", "MA9X0D5A")),
    _Subject("agency", "示例市健保通医疗费用审核服务有限公司", "agency", uscc=demo_uscc("91", "MA9X0J6B")),
    _Subject("zhangsan", "张三", "practitioner", id_number=demo_id_number("19780512", "031")),
    _Subject("lisi", "李四", "practitioner", id_number=demo_id_number("19850923", "042")),
    _Subject("wangwu", "王五", "practitioner", id_number=demo_id_number("19910307", "064")),
    _Subject("zhaoliu", "赵六", "insured", id_number=demo_id_number("19620118", "015")),
    _Subject("qianqi", "钱七", "insured", id_number=demo_id_number("19990630", "028")),
    _Subject("jishitang", "示例市济世堂医药有限公司", "pharmacy", uscc=demo_uscc("91", "MA9X0J7T")),
    _Subject("sunba", "孙八", "practitioner", id_number=demo_id_number("19880214", "053")),
    _Subject("zhoujiu", "周九", "insured", id_number=demo_id_number("19750809", "076")),
)

# -- the working-day ladder -------------------------------------------------------------------------------

def working_days_back(cal: WorkingCalendar, today: date, count: int) -> list[date]:
    """[W(0), W(1), ..., W(count)]: W(0) is `today` if it is a working day, else the last one before it."""
    day = today
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    ladder = [day]
    while len(ladder) <= count:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            ladder.append(day)
    return ladder


# -- the stage: what a scene plays with -------------------------------------------------------------------------

@dataclass(eq=False)
class Case:
    """A case a scene opened: its id and opening notice are known once the stage has played that step."""

    kind: str
    note: str
    inputs: dict
    subject: Subject | None = None
    id: int | None = None
    notice: str | None = None  # the notice its opening issued


@dataclass(frozen=True)
class EntryOf:
    """The credit-archive entry in use that a case collected, found when the step that needs it plays."""

    case: Case


@dataclass(order=True)
class _Step:
    instant: datetime
    seq: int
    scene: str = field(compare=False)
    what: str = field(compare=False)
    run: Callable[[], None] = field(compare=False)


class Stage:
    """The driver a scene plans on (`SCENE(stage)`): the ladder of working days, the cast, and steps.

    Time: `day(n)` is W(n), `when(n, "09:30")` an instant of it, `at(n, "09:30")` (or `at(instant)`) the
    instant the steps planned inside it happen at. Cast: `subject(key)`. Steps (planned, played later in
    time order): `open(kind, actor, inputs, subject=|parent=|entry=, note=)` returns a `Case`;
    `act(case, trigger, actor, inputs)`; `opened(case, kind)` the `Case` of `kind` a step on `case` opens
    (a fraud case's approval opens its penalty decision), known once that step has played;
    `serve(case_or_number, method, on, actor)` records service of a notice (a `Case`: the notice its
    opening issued); `sweep(as_of)` runs the deadline sweep;
    `entry(case)` names the archive entry in use that `case` collected, for `open(..., entry=)`."""

    def __init__(self, services, today: date, cast: dict[str, Subject]):
        self.services = services
        self.registry = services.registry
        self.calendar: WorkingCalendar = services.engine.calendar
        self.today = today
        self.ladder = working_days_back(self.calendar, today, LADDER)
        self.cast = cast
        self.cases: list[Case] = []
        self.scene = "bureau"
        self._steps: list[_Step] = []
        self._instant: datetime | None = None
        self._sweeps: set[datetime] = set()
        self._awaited: list[tuple[Case, Case]] = []  # (case, the case of a kind a step on it opens)

    # -- time ------------------------------------------------------------------------------------------------

    def day(self, n: int) -> date:
        if not 0 <= n <= LADDER:
            raise CreditflowError(f"demo scene {self.scene}: W({n}) is outside the ladder W(0)..W({LADDER})")
        return self.ladder[n]

    def when(self, n: int, hm: str) -> datetime:
        return datetime.combine(self.day(n), time.fromisoformat(hm), tzinfo=SHANGHAI)

    @contextmanager
    def at(self, when: int | datetime, hm: str | None = None):
        """The steps planned inside happen at this instant: W(when) at hm, or the datetime `when`."""
        instant = when if isinstance(when, datetime) else self.when(when, hm or "09:00")
        if instant >= datetime.combine(self.today, time(0), tzinfo=SHANGHAI):
            raise CreditflowError(f"demo scene {self.scene}: {instant.isoformat()} is not before today; "
                                  "the demo only plays what has already happened")
        outer, self._instant = self._instant, instant
        try:
            yield instant
        finally:
            self._instant = outer

    # -- the cast ----------------------------------------------------------------------------------------------

    def subject(self, key: str) -> Subject:
        if key not in self.cast:
            raise CreditflowError(f"demo scene {self.scene}: no subject {key!r} in the demo bureau; "
                                  f"known: {', '.join(self.cast)}")
        return self.cast[key]

    def entry(self, case: Case) -> EntryOf:
        return EntryOf(case)

    # -- steps -----------------------------------------------------------------------------------------------------

    def open(self, kind: str, actor: str, inputs: dict, *, subject: Subject | None = None,
             parent: Case | None = None, entry: EntryOf | None = None, note: str = "") -> Case:
        proc = self._procedure(kind)
        on = subject if subject is not None else parent.subject if parent else entry.case.subject if entry else None
        case = Case(kind, note, dict(inputs), on)
        self.cases.append(case)

        def run():
            out = self.services.cases.open(
                kind, actor, case.inputs, subject=str(subject.id) if subject is not None else None,
                parent=self._id(parent) if parent is not None else None,
                entry=self._entry_id(entry) if entry is not None else None)
            case.id, case.notice = out["case_id"], out["notice"]

        self._plan(f"open {proc.label} ({kind})", run)
        return case

    def act(self, case: Case, trigger: str, actor: str, inputs: dict | None = None) -> None:
        if trigger not in self._procedure(case.kind).triggers:
            raise CreditflowError(f"demo scene {self.scene}: {case.kind} declares no trigger {trigger!r}")
        def run():
            out = self.services.cases.act(self._id(case), trigger, actor, dict(inputs or {}))
            taken = {c.id for _, c in self._awaited}
            for opener, child in self._awaited:
                if opener is case and child.id is None:
                    found = next((o for o in out.get("opened") or [] if o["kind"] == child.kind
                                  and o["case_id"] not in taken), None)
                    if found is not None:
                        child.id, child.notice = found["case_id"], found["notice"]
                        taken.add(child.id)

        self._plan(f"{trigger} on a {case.kind} case", run)

    def opened(self, case: Case, kind: str, note: str = "") -> Case:
        """The case of `kind` that a later-played step on `case` opens (its id is known once that step has played):
        a scene acts on it like on a case it opened itself."""
        self._procedure(kind)
        child = Case(kind, note, {}, case.subject)
        self.cases.append(child)
        self._awaited.append((case, child))
        return child

    def serve(self, notice: Case | str, method: str, on: date, actor: str) -> None:
        def run():
            number = notice if isinstance(notice, str) else notice.notice
            self.services.documents.serve(number, method, on, actor)

        self._plan(f"service of {notice if isinstance(notice, str) else 'the opening notice of a ' + notice.kind}",
                   run)

    def sweep(self, as_of: datetime) -> None:
        """The deadline sweep as of `as_of` (once per instant, whoever asks)."""
        if as_of in self._sweeps:
            return
        self._sweeps.add(as_of)

        def run():
            out = self.services.sweep.run_once(as_of)
            trouble = out.get("skipped") or out.get("failed")
            if trouble:  # the story after it would not be the one told: stop here
                raise CreditflowError(f"the demo's deadline sweep of {as_of.isoformat()} did not run cleanly: {trouble}")

        with self.at(as_of):
            self._plan("the deadline sweep", run)

    # -- playing -------------------------------------------------------------------------------------------------

    def play_scenes(self) -> None:
        """Let every registered scene plan, in registration order, then play everything in time order."""
        for kind, scene in self.registry.scenes.items():
            self.scene = kind
            scene(self)
        self.scene = "bureau"
        for step in sorted(self._steps):
            with clock.frozen_at(step.instant):
                try:
                    step.run()
                except CreditflowError as exc:
                    raise CreditflowError(f"demo scene {step.scene}, {step.what} at {step.instant.isoformat()}: "
                                          f"{exc.message}", code=exc.code, article=exc.article) from exc

    def _plan(self, what: str, run: Callable[[], None]) -> None:
        if self._instant is None:
            raise CreditflowError(f"demo scene {self.scene}: plan {what} inside `with stage.at(...)`")
        self._steps.append(_Step(self._instant, len(self._steps), self.scene, what, run))

    def _procedure(self, kind: str):
        if kind not in self.registry:
            raise CreditflowError(f"demo scene {self.scene}: no registered procedure {kind!r}")
        return self.registry.procedure(kind)

    @staticmethod
    def _id(case: Case) -> int:
        if case.id is None:
            raise CreditflowError(f"a step on a {case.kind} case was planned before the step that opens it")
        return case.id

    def _entry_id(self, ref: EntryOf) -> int:
        case_id = self._id(ref.case)
        subject_id = self.services.cases.show(case_id)["subject_id"]
        held = [e for e in self.services.deployment.show_subject(str(subject_id))["archive"]
                if e["case_id"] == case_id and e["in_use"]]
        if not held:
            raise CreditflowError(f"case {case_id} holds no archive entry in use (yet)")
        return held[-1]["id"]


# -- the use case ----------------------------------------------------------------------------------------------

def _refuse_unless_empty(services) -> None:
    """Refuse, changing nothing, unless the store holds no cases and no subjects (or has no schema yet)."""
    insp = inspect(services.db)
    if not insp.has_table("cases"):
        return
    with services.db.connect() as conn:
        n_cases = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        n_subjects = conn.execute(select(func.count()).select_from(subjects)).scalar_one()
        existing = {r.name: set(r.roles.split(",")) for r in conn.execute(select(users))}
    if n_cases or n_subjects:
        raise BadInput(f"the database already holds {n_cases} case(s) and {n_subjects} subject(s); the demo bureau "
                       "is filled only into an empty database, and nothing was changed "
                       "(use a fresh CREDITFLOW_HOME or CREDITFLOW_DATABASE_URL)", code="not_empty")
    clash = [(name, roles) for name, _, roles, _ in USERS if name in existing and not set(roles) <= existing[name]]
    if clash:
        wanted = "; ".join(f"{name} as {'+'.join(roles)}" for name, roles in clash)
        raise BadInput(f"demo user(s) exist already with other roles (the demo needs {wanted}); nothing was changed",
                       code="not_empty")


def fill_demo(services, today: date | None = None) -> dict:
    """Fill an empty database with the demo bureau as of `today` (default: the clock's today); a summary.

    Refuses with BadInput, changing nothing, when the database holds cases or subjects. Otherwise
    runs `init` with the demo department (relabelling an initialised but empty deployment), adds the
    demo users and subjects, plans the bureau's nightly sweeps and plays every registered scene.
    Timers due since the last simulated sweep are left running: the summary lists them under
    `overdue` (`due_for_sweep`)."""
    today = today or clock.today()
    _refuse_unless_empty(services)
    working_days_back(services.engine.calendar, today, LADDER)  # a date outside the calendar fails here, first
    init = services.deployment.init(**DEPARTMENT)
    present = {u["name"] for u in services.deployment.list_users()}
    for name, _, roles, _ in USERS:
        if name not in present:
            services.deployment.add_user(name, list(roles))
        services.accounts.set_password(name, DEMO_PASSWORD.format(name=name))
    cast = {}
    for subj in SUBJECTS:
        sid = services.deployment.add_subject(subj.name, subj.type, subj.uscc, subj.id_number)["id"]
        cast[subj.key] = Subject(subj.key, sid, subj.name, subj.type, person=subj.id_number is not None)
    stage = Stage(services, today, cast)
    for n in SWEEPS_AT:
        stage.sweep(stage.when(n, "00:05"))
    stage.play_scenes()
    return _summary(services, stage, init["deployment"])


def _summary(services, stage: Stage, deployment: dict) -> dict:
    cal, today, registry = stage.calendar, stage.today, services.registry
    soon_limit = cal.nth_working_day_after(today, DUE_SOON_WORKING_DAYS)
    names = {s.id: s.name for s in stage.cast.values()}
    notes = {c.id: c.note for c in stage.cases if c.id is not None}
    with services.db.connect() as conn:
        case_rows = conn.execute(select(cases).order_by(cases.c.id)).all()
        timer_rows = conn.execute(select(timers).order_by(timers.c.last_day, timers.c.case_id)).all()
        n_notices = conn.execute(select(func.count()).select_from(notices)).scalar_one()
    by_id = {c.id: c for c in case_rows}
    # Every registered kind, every declared state (in the declaration's order), with how many cases are in it.
    by_kind = {p.kind: {s.name: 0 for s in p.states} for p in registry.procedures()}
    for c in case_rows:
        counts = by_kind.setdefault(c.kind, {})
        counts[c.state] = counts.get(c.state, 0) + 1

    def entry(t) -> dict:
        c = by_id[t.case_id]
        return {"case_id": c.id, "kind": c.kind, "state": c.state, "subject": names.get(c.subject_id),
                "timer": t.name, "status": t.status, "last_day": t.last_day.isoformat(),
                "ends_at": t.ends_at.astimezone(SHANGHAI).isoformat()}

    due_soon, overdue = [], []
    for t in timer_rows:
        if t.status == "running" and today <= t.last_day <= soon_limit:
            after = cal.working_days_in(today + timedelta(days=1), t.last_day + timedelta(days=1))
            due_soon.append({**entry(t), "working_days_after_today": after})
        elif t.status == "running" and t.last_day < today:
            overdue.append({**entry(t), "flagged": by_id[t.case_id].overdue, "due_for_sweep": True})
        elif t.status == "fired" and by_id[t.case_id].overdue:
            overdue.append({**entry(t), "flagged": True, "due_for_sweep": False})
    subject_types = Counter(s.type for s in stage.cast.values())
    return {
        "demo": True,
        "today": today.isoformat(),
        "department": deployment,
        "users": [{"name": n, "display_name": d, "roles": list(r), "post": p} for n, d, r, p in USERS],
        "subjects": {"total": len(stage.cast), "by_type": dict(subject_types),
                     "type_labels": {k: SUBJECT_TYPES[k] for k in subject_types}},
        "scenes": list(registry.scenes),
        "cases": {"total": len(case_rows), "by_kind": by_kind},
        "notices": n_notices,
        "last_sweep": stage.when(SWEEPS_AT[-1], "00:05").isoformat(),
        "due_soon": due_soon,
        "overdue": overdue,
        "stories": [{"case_id": c.id, "kind": c.kind, "state": c.state, "parent": c.parent_id,
                     "subject": names.get(c.subject_id), "note": notes.get(c.id, "")} for c in case_rows],
    }
