"""The declaration format of a procedure: states, triggers, roles, guards, timers, notices.

A procedure module builds one `Procedure` from these dataclasses; `validate()` checks it when it
is loaded (as python-statemachine does): one initial state, every state reachable, every
non-final state has a way out, and every guard, condition, effect, template, role, policy number
and calendar rule it names exists. The engine, the web actions, the diagram and the docs all
read the same declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# The pseudo-state a case is in before its opening transition: never stored, never shown.
NEW = "__new__"

ROLES = ("handler", "approver", "auditor", "system", "public")
# `public`: a member of the public without an account, acting through the bureau's public board (公示栏, the web's
# /public): the board fires a transition of this role as the account `PUBLIC_ACTOR` (created by the board, with no
# password: nobody logs in as it) on a case while one of its `public` clocks runs (Henan measure Art. 41: an
# objection raised while a repair is publicly noticed). Such a transition stops that clock and is no decision.
PUBLIC_ROLE = "public"
PUBLIC_ACTOR = "public"
# `authority`: the public security organ, the procuratorate or the discipline inspectors a case is
# transferred to (公安机关、检察机关、纪检监察机关). A transfer letter names the suspect in full
# (行政执法机关移送涉嫌犯罪案件的规定 Art. 6), so these notices are not masked (notices/privacy.py), and
# each names its addressee (`Notice.addressee`).
AUDIENCES = ("subject", "internal", "public", "approvers", "handlers", "authority")
# Audiences whose notice names a body the declaration gives (主送机关): `Notice.addressee` is required.
ADDRESSED_AUDIENCES = ("authority",)
# System triggers the engine fires on its own: a reminder before an agency deadline, and a deadline
# moved by new calendar data (states/common.py declares both for every procedure with timers).
REMINDER_TRIGGER = "deadline_reminder"
RECOMPUTE_TRIGGER = "deadline_recomputed"
UNITS = ("working_days", "days", "months", "hours")
# A notice reached its addressee (送达): every procedure records service as a transition (states/common.py),
# and a declaration may start a subject-side period on it.
SERVED_TRIGGER = "notice_served"
# Where a case may be opened: on a subject, under a parent case, or on an archive entry it disputes.
OPENS_ON = ("subject", "parent", "entry")
RELATIONS = ("child", "linked")  # an opened case is the opener's child (its parent) or only linked to it
# the parent, the children, the opener, the cases this one opened, or the case that wrote the archive entry
# this case is about (an objection to a record's entry tells the record)
NOTIFY_TARGETS = ("parent", "children", "opener", "opened", "entry")
INPUT_TYPES = ("str", "text", "date", "score", "int", "int_list", "str_list", "choice")
SEALED_TYPES = ("str", "text")  # what a sealed input may be (a name, a statement): free text only
# The trigger a procedure declares for reading its sealed inputs (`creditflow case reporter CASE`): the
# reading is a transition of its own, so every reading is in the hash-chained log.
SEALED_READ_TRIGGER = "sealed_read"


class DeclarationError(Exception):
    """A procedure declaration that is inconsistent; the service refuses to start."""


@dataclass(frozen=True)
class State:
    name: str
    label: str  # Chinese, as staff call it
    final: bool = False


@dataclass(frozen=True)
class Guard:
    """A rule that must hold for a transition; a refusal cites `code` and `article`."""

    name: str  # function in the procedure's guard table
    code: str  # rule code, e.g. "OBJ-FORM"
    article: str  # e.g. "河南省医疗保障基金使用信用管理办法 Art. 26"
    message: str  # Chinese, says what is wrong and what to do


# Length limits of free text, in characters (creditflow policy: what a bureau's forms hold; a longer
# value is refused, never stored): a name, a one-line field (each item of a list), a multi-line text.
NAME_LENGTH = 200
LINE_LENGTH = 500
TEXT_LENGTH = 5000


@dataclass(frozen=True)
class Input:
    """A value a trigger takes (`--set name=value`).

    `str` and each item of `str_list` are one line (no control characters); `text` may hold newlines.
    `max_length` overrides the type's limit (e.g. NAME_LENGTH for a name). A `choice` lists its codes
    in `choices` and may give each a Chinese label in `choice_labels` ((code, label) pairs): either is
    accepted as input.

    `sealed` (str and text only): a value kept out of the case's data, `ctx.inputs`, the log, the notices
    and `case show` (a reporter's identity). The engine stores it in the append-only `sealed_inputs` table
    in the transition's transaction; everywhere else the input reads `{"sealed": row id, "sha256": keyed
    digest}` (the id is None while guards run: the row is written with the transition, before its effects).
    An effect of the same case reads the value with `ctx.sealed(name)`; people read it only through the
    procedure's `SEALED_READ_TRIGGER` transition (`creditflow case reporter`)."""

    name: str
    type: str = "str"
    required: bool = True
    label: str = ""
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    choice_labels: tuple[tuple[str, str], ...] = ()
    sealed: bool = False

    def describe(self) -> dict:
        """The input as forms and `case inputs` / `case actions` show it: name, type, label, required, and each
        choice's code with its label."""
        labels = dict(self.choice_labels)
        return {"name": self.name, "type": self.type, "label": self.label, "required": self.required,
                "choices": [{"code": c, "label": labels.get(c, c)} for c in self.choices]}

    @property
    def limit(self) -> int | None:
        """The most characters this input takes (per item for a list); None for non-text types."""
        if self.max_length is not None:
            return self.max_length
        return {"str": LINE_LENGTH, "str_list": LINE_LENGTH, "text": TEXT_LENGTH}.get(self.type)


@dataclass(frozen=True)
class TimerSpec:
    """A clock a procedure runs. `amount` names a policy number, or `data:NAME` a whole number the case
    recorded (a period fixed per case, e.g. a record's disclosure months); `on_expiry` is the system trigger."""

    name: str
    unit: str
    amount: str  # policy key, or "data:NAME"
    side: str  # "subject": expiry decides automatically; "agency": expiry flags overdue (督办)
    on_expiry: str
    label: str
    remind_before: str | None = None  # policy key: working days before an agency deadline to remind
    # a clock the case's closing does not stop: it runs to its end and fires on the closed case (the 3-year
    # ban of Henan Art. 40 outlives the disclosure of the record it came from); stop it explicitly
    outlives_case: bool = False
    # a public notice period (公示期, e.g. a repair's 5 working days, Henan measure Art. 41): while this clock runs
    # (from its start to the end of its last day) the case is on the public board (公示栏) with its latest notice
    # to the public, and the public may fire the case's `public` transitions from its state
    public: bool = False


@dataclass(frozen=True)
class TimerEffect:
    """What a transition does to one clock.

    `anchor` (start): where the period starts: "today", "input:NAME" (a date input; a bare NAME means
    the same), "data:NAME" (a date the case recorded, e.g. the determination day), "parent:NAME" (a date
    in the parent case's data), or "event" (the day of the event the transition records: the day a
    notice was served). `until` (start): "input:NAME" — the clock ends on that date (an appointment)
    instead of after the timer's amount."""

    op: str  # start | stop | suspend | resume | extend | restore (a stopped clock runs on to its same last day)
    timer: str
    anchor: str = "today"
    amount: str | None = None  # extend: policy key for the number of working days
    until: str | None = None

    @property
    def anchor_source(self) -> tuple[str, str]:
        """("today"|"event"|"input"|"data"|"parent", name)."""
        if self.anchor in ("today", "event"):
            return self.anchor, ""
        source, sep, name = self.anchor.partition(":")
        return (source, name) if sep else ("input", self.anchor)


@dataclass(frozen=True)
class Notice:
    template: str  # path under notices/templates, e.g. "objection/accepted.html.j2"
    title: str  # Chinese title of the document
    series: str  # numbering series (发文字号 kind), e.g. "信异"
    audience: str  # one of AUDIENCES
    against_subject: bool = False  # a decision against the subject: remedies block required
    # (condition, title) pairs: the title the notice takes when the procedure's condition holds (first
    # wins), e.g. an objection to an archive entry is not about an evaluation result
    titles: tuple[tuple[str, str], ...] = ()
    # The body the notice is addressed to (主送机关), e.g. `lambda ctx: ctx.data["police_organ"]`: required
    # for an `authority` notice. Called with the context as the transition leaves the case (`ctx.data` is
    # the data after its effects, `ctx.inputs` its inputs); the stored notice and its 主送 line name it.
    addressee: Callable[[Any], str] | None = None

    def title_for(self, conditions: dict, ctx) -> str:
        return next((title for name, title in self.titles if conditions[name](ctx)), self.title)


@dataclass(frozen=True)
class Link:
    """After this transition, fire `trigger` on the parent case in the same database transaction."""

    trigger: str
    inputs: Callable[[Any], dict] | None = None  # ctx -> inputs for the parent's transition


@dataclass(frozen=True)
class Open:
    """Open a case of `kind` in the same transaction (declared effect): as this case's child (its
    parent) or as a linked case (it names this case as its opener only). `trigger` is the new case's
    system opening transition; `inputs` (ctx -> dict) its inputs, read from `ctx.after` (this case as the
    transition leaves it) or `ctx.inputs`; `when` a condition of this procedure."""

    kind: str
    trigger: str
    relation: str = "child"
    inputs: Callable[[Any], dict] | None = None
    when: str | None = None


@dataclass(frozen=True)
class Notify:
    """Fire `trigger` on related cases in the same transaction (declared effect): the parent, the
    children, the opener, or the cases this one opened (of `kind`, when given). A related case whose
    state does not take the trigger is left alone (it is closed already, or was never concerned)."""

    target: str
    trigger: str
    kind: str | None = None
    inputs: Callable[[Any], dict] | None = None
    when: str | None = None


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: tuple[str, ...]  # (NEW,) for the opening transition
    dest: str | None  # None: stays in the same state (an internal transition)
    role: str  # who fires it; "handler|approver" lets either
    label: str
    notice: Notice
    guards: tuple[Guard, ...] = ()
    when: str | None = None  # routing condition among transitions of the same trigger
    inputs: tuple[Input, ...] = ()
    timers: tuple[TimerEffect, ...] = ()
    effects: tuple[str, ...] = ()  # functions in the procedure's effect table
    decision: bool = False  # a decision: the approver may not be who proposed it (FOUR-EYES, docs/rules.md §8.6)
    proposal: bool = False  # a proposal: records who prepared the decision
    parent: Link | None = None
    opens: tuple[Open, ...] = ()  # related cases this transition opens
    notifies: tuple[Notify, ...] = ()  # related cases this transition tells
    reopens: bool = False  # leaves a final state (a timely objection registered late)
    order: int = 100  # among several due timers / automatic transitions, lower fires first

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.role.split("|"))


@dataclass(frozen=True)
class PolicyNumber:
    value: Any
    unit: str
    source: str  # the article that fixes it, or "our choice: …"
    # which day picks the profile this number is taken from: "step" (the day the step is taken) or
    # "determination" (a period attached to a determination keeps the law of its determination day)
    dated_by: str = "step"


@dataclass(frozen=True)
class Policy:
    name: str
    numbers: dict[str, PolicyNumber]

    def __getitem__(self, key: str):
        return self.numbers[key].value

    def __contains__(self, key: str) -> bool:
        return key in self.numbers

    def source(self, key: str) -> str:
        return self.numbers[key].source

    def overlaid(self, *others: "Policy | None") -> "Policy":
        """This policy with the numbers of `others` laid over it (later ones win)."""
        numbers = dict(self.numbers)
        names = [self.name]
        for other in others:
            if other is not None:
                numbers.update(other.numbers)
                names.append(other.name)
        return self if len(names) == 1 else Policy("+".join(names), numbers)


@dataclass(frozen=True)
class Procedure:
    kind: str
    version: int
    label: str
    states: tuple[State, ...]
    initial: str  # the state the opening transition leads to (first route's default)
    transitions: tuple[Transition, ...]
    timers: tuple[TimerSpec, ...]
    guards: dict[str, Callable[[Any], bool]]
    conditions: dict[str, Callable[[Any], bool]] = field(default_factory=dict)
    effects: dict[str, Callable[[Any], dict]] = field(default_factory=dict)
    parent_kinds: tuple[str, ...] = ()  # the kinds a parent may be (opened under one of them)
    opens_on: tuple[str, ...] = ("subject",)  # subject | parent | entry: what `case open` names
    policy: Policy | None = None  # this procedure's own numbers, laid over the deployment's policy
    summary: Callable[[Any], dict] | None = None  # extra fields shown by `case show`
    notice_context: dict[str, Any] = field(default_factory=dict)  # extra names the templates use

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def timer(self, name: str) -> TimerSpec:
        for t in self.timers:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def final_states(self) -> set[str]:
        return {s.name for s in self.states if s.final}

    def transitions_for(self, trigger: str, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.trigger == trigger and state in t.source]

    def openings(self) -> list[Transition]:
        return [t for t in self.transitions if NEW in t.source]

    def opening_trigger(self) -> str | None:
        """The trigger a person opens a case with (None: only other cases open this kind)."""
        return next((t.trigger for t in self.openings() if t.role != "system"), None)

    @cached_property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))


def validate(proc: Procedure, policy: Policy, template_exists: Callable[[str], bool]) -> None:
    """Refuse an inconsistent declaration; the message names the procedure and what is wrong."""
    where = f"procedure {proc.kind!r} v{proc.version}"
    problems: list[str] = []
    names = [s.name for s in proc.states]
    if len(set(names)) != len(names):
        problems.append("duplicate state names")
    known = set(names)
    openings = proc.openings()
    if not openings:
        problems.append("no opening transition (source NEW)")
    opening_dests = {t.dest for t in openings}
    if proc.initial not in known:
        problems.append(f"initial state {proc.initial!r} is not declared")
    if proc.initial not in opening_dests:
        problems.append(f"initial state {proc.initial!r} is not where an opening transition leads")
    if len({t.trigger for t in openings if t.role != "system"}) > 1:
        problems.append("at most one opening trigger for people expected")
    for o in proc.opens_on:
        if o not in OPENS_ON:
            problems.append(f"opens_on {o!r}: expected one of {', '.join(OPENS_ON)}")
    if "parent" in proc.opens_on and not proc.parent_kinds:
        problems.append("opens under a parent but names no parent kinds")
    if proc.parent_kinds and "parent" not in proc.opens_on and not any(
            t.role == "system" for t in openings):
        problems.append("names parent kinds but neither opens under a parent nor is opened by another case")
    timers = {t.name for t in proc.timers}
    if proc.timers and not any(t.trigger == RECOMPUTE_TRIGGER and t.role == "system" for t in proc.transitions):
        problems.append(f"has timers but no system transition {RECOMPUTE_TRIGGER!r} for deadlines moved by new "
                        "calendar data (states.common.recomputed)")
    for spec in proc.timers:
        if spec.unit not in UNITS:
            problems.append(f"timer {spec.name}: unknown calendar rule {spec.unit!r}")
        if spec.unit == "hours" and spec.remind_before:
            problems.append(f"timer {spec.name}: an hour clock has no working-day reminder")
        if spec.amount.startswith("data:"):
            if spec.unit not in ("days", "months") or not spec.amount[5:]:
                problems.append(f"timer {spec.name}: an amount from the case's data ({spec.amount!r}) is for day or "
                                "month periods")
        elif spec.amount not in policy.numbers:
            problems.append(f"timer {spec.name}: policy number {spec.amount!r} missing from policy {policy.name}")
        if spec.remind_before and spec.remind_before not in policy.numbers:
            problems.append(f"timer {spec.name}: policy number {spec.remind_before!r} missing")
        if spec.remind_before and spec.side != "agency":
            problems.append(f"timer {spec.name}: reminders are for agency-side deadlines only")
        if spec.remind_before and spec.unit != "working_days":
            problems.append(f"timer {spec.name}: a reminder counts working days; the timer must too")
        if spec.remind_before and not any(t.trigger == REMINDER_TRIGGER and t.role == "system" for t in proc.transitions):
            problems.append(f"timer {spec.name}: has a reminder but no system transition {REMINDER_TRIGGER!r} "
                            "(states.common.reminder)")
        if spec.side not in ("subject", "agency"):
            problems.append(f"timer {spec.name}: side must be subject or agency")
        if spec.outlives_case and not any(t.trigger == spec.on_expiry and t.role == "system" and
                                          set(t.source) & proc.final_states for t in proc.transitions):
            problems.append(f"timer {spec.name}: outlives its case, so its expiry {spec.on_expiry!r} must be "
                            "declared from a final state too")
        if not any(t.trigger == spec.on_expiry and t.role == "system" for t in proc.transitions):
            problems.append(f"timer {spec.name}: expiry trigger {spec.on_expiry!r} is not a system transition")
        if spec.public and not any(t.notice.audience == "public" and any(
                te.op == "start" and te.timer == spec.name for te in t.timers) for t in proc.transitions):
            problems.append(f"timer {spec.name}: a public notice period is started by a transition that issues "
                            "the notice to the public (audience 'public')")
    for t in proc.transitions:
        spot = f"transition {t.trigger!r} from {','.join(t.source)}"
        for s in t.source:
            if s != NEW and s not in known:
                problems.append(f"{spot}: unknown source state {s!r}")
        if t.dest is not None and t.dest not in known:
            problems.append(f"{spot}: unknown destination {t.dest!r}")
        if any(r not in ROLES or r == "auditor" for r in t.roles) or (
                len(t.roles) > 1 and {"system", PUBLIC_ROLE} & set(t.roles)):
            problems.append(f"{spot}: role {t.role!r} cannot fire transitions")
        if PUBLIC_ROLE in t.roles:
            public_clocks = {s.name for s in proc.timers if s.public}
            if NEW in t.source or t.decision or t.proposal or t.reopens:
                problems.append(f"{spot}: the public neither opens a case nor proposes, decides or reopens anything")
            if not any(te.op == "stop" and te.timer in public_clocks for te in t.timers):
                problems.append(f"{spot}: a transition of the public stops the public notice period it is raised in "
                                "(a timer declared public)")
        for g in t.guards:
            if g.name not in proc.guards:
                problems.append(f"{spot}: guard {g.name!r} has no function")
            if not g.code or not g.article or not g.message:
                problems.append(f"{spot}: guard {g.name!r} needs a rule code, an article and a message")
        if t.when and t.when not in proc.conditions:
            problems.append(f"{spot}: condition {t.when!r} has no function")
        for e in t.effects:
            if e not in proc.effects:
                problems.append(f"{spot}: effect {e!r} has no function")
        for te in t.timers:
            if te.timer not in timers:
                problems.append(f"{spot}: timer {te.timer!r} is not declared")
            if te.op not in ("start", "stop", "suspend", "resume", "extend", "restore"):
                problems.append(f"{spot}: unknown timer operation {te.op!r}")
            if te.op == "extend" and (te.amount is None or te.amount not in policy.numbers):
                problems.append(f"{spot}: extension needs a policy number")
            source, name = te.anchor_source
            input_names = {i.name for i in t.inputs}
            if te.op == "start" and source == "input" and name not in input_names:
                problems.append(f"{spot}: timer anchor {te.anchor!r} is not an input")
            if te.op == "start" and source not in ("today", "event", "input", "data", "parent"):
                problems.append(f"{spot}: timer anchor {te.anchor!r}: expected today, event, input:, data: or parent:")
            if source == "event" and t.trigger != SERVED_TRIGGER:
                problems.append(f"{spot}: only {SERVED_TRIGGER} records an event a timer can start on")
            if te.until is not None:
                until_source, until_name = te.until.partition(":")[::2]
                if te.op != "start" or until_source != "input" or until_name not in input_names:
                    problems.append(f"{spot}: timer {te.timer!r} until {te.until!r} must name a date input of a start")
        for o in t.opens:
            if o.relation not in RELATIONS:
                problems.append(f"{spot}: opens {o.kind!r} as {o.relation!r}: expected child or linked")
            if o.when and o.when not in proc.conditions:
                problems.append(f"{spot}: condition {o.when!r} of opening {o.kind!r} has no function")
        for n in t.notifies:
            if n.target not in NOTIFY_TARGETS:
                problems.append(f"{spot}: notifies {n.target!r}: expected one of {', '.join(NOTIFY_TARGETS)}")
            if n.when and n.when not in proc.conditions:
                problems.append(f"{spot}: condition {n.when!r} of notifying {n.target} has no function")
        for i in t.inputs:
            if i.type not in INPUT_TYPES:
                problems.append(f"{spot}: input {i.name!r} has unknown type {i.type!r}")
            if i.sealed and i.type not in SEALED_TYPES:
                problems.append(f"{spot}: input {i.name!r} is sealed but of type {i.type!r}: only "
                                f"{', '.join(SEALED_TYPES)} inputs may be sealed")
        if t.notice.audience not in AUDIENCES:
            problems.append(f"{spot}: notice audience {t.notice.audience!r}")
        if t.notice.audience in ADDRESSED_AUDIENCES and t.notice.addressee is None:
            problems.append(f"{spot}: a notice to an {t.notice.audience!r} names its addressee (Notice.addressee)")
        if t.trigger == SEALED_READ_TRIGGER and (t.dest is not None or "system" in t.roles or t.inputs or
                                                 NEW in t.source):
            problems.append(f"{spot}: the reading of sealed inputs is a person's internal transition (dest None) "
                            "without inputs")
        for name, _ in t.notice.titles:
            if name not in proc.conditions:
                problems.append(f"{spot}: notice title condition {name!r} has no function")
        if not template_exists(t.notice.template):
            problems.append(f"{spot}: notice template {t.notice.template!r} does not exist")
        for s in t.source:
            if s in proc.final_states and not t.reopens and t.dest not in (None, s):
                problems.append(f"{spot}: leaves final state {s!r} without being marked reopens")
    # A name sealed on one transition is sealed on every one that takes it: one unsealed route would log it.
    sealed = {i.name for t in proc.transitions for i in t.inputs if i.sealed}
    for t in proc.transitions:
        for i in t.inputs:
            if i.name in sealed and not i.sealed:
                problems.append(f"transition {t.trigger!r}: input {i.name!r} is sealed elsewhere in the procedure "
                                "and must be sealed here too")
    # reachability from the openings
    reach = set(opening_dests) - {None}
    changed = True
    while changed:
        changed = False
        for t in proc.transitions:
            if t.dest and t.dest not in reach and any(s in reach for s in t.source):
                reach.add(t.dest)
                changed = True
    for s in proc.states:
        if s.name not in reach:
            problems.append(f"state {s.name!r} is unreachable")
        if not s.final:
            exits = [t for t in proc.transitions if s.name in t.source and t.dest not in (None, s.name)]
            if not exits:
                problems.append(f"non-final state {s.name!r} has no way out")
    if problems:
        raise DeclarationError(f"{where}: " + "; ".join(problems))
