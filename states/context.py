"""What guards, conditions and effects see: plain data about the case, never a database.

Related cases (parent, siblings, children) are loaded on first use, so a transition whose guards
never look at them costs no query for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from .spec import Policy


@dataclass(frozen=True)
class TimerView:
    name: str
    status: str  # running | suspended | stopped | fired
    start_day: date
    last_day: date
    ends_at: datetime
    provisional: bool


@dataclass(frozen=True)
class CaseView:
    id: int
    kind: str
    state: str
    version: int
    data: dict
    subject_id: int | None
    timers: dict[str, TimerView] = field(default_factory=dict)
    final: bool = False  # in a final state of its procedure (closed: a parent waits for no more from it)


@dataclass(frozen=True)
class SubjectView:
    id: int
    name: str
    type: str  # a key of states.identifiers.SUBJECT_TYPES
    is_person: bool  # a person (参保人, 医药机构相关人员), not an institution


@dataclass(frozen=True)
class Actor:
    name: str
    roles: frozenset[str]


class Context:
    """One transition's view of the world. `case` is None while a case is being opened."""

    def __init__(self, *, case: CaseView | None, actor: Actor, inputs: dict[str, Any], today: date, now: datetime,
                 calendar: Any, policy: Policy, load_parent: Callable[[], CaseView | None] = lambda: None,
                 load_siblings: Callable[[], list[CaseView]] = list,
                 load_children: Callable[[], list[CaseView]] = list,
                 load_entry: Callable[[], dict | None] = lambda: None, subject: SubjectView | None = None,
                 cause: dict | None = None, event: dict | None = None,
                 policy_on: Callable[[date], Policy] | None = None, profile_on: Callable[[date], Any] | None = None,
                 load_subject_cases: Callable[[str], list[CaseView]] = lambda kind: [],
                 load_sealed: Callable[[str], str | None] = lambda name: None,
                 find_subject: Callable[[str], int | None] = lambda identifier: None,
                 sealed_now: dict[str, str] | None = None):
        self.case = case
        self.actor = actor
        self.inputs = inputs
        self.today = today
        self.now = now
        self.calendar = calendar
        # The numbers in force on the day the step is taken; `policy_on(day)` those in force on another day
        # (a period attached to a determination follows its determination day), `profile_on(day)` which
        # profile that is (`.name`, `.effective_from`).
        self.policy = policy
        self.policy_on = policy_on or (lambda day: policy)
        self.profile_on = profile_on or (lambda day: None)
        self._load_subject_cases = load_subject_cases
        self._subject_cases: dict[str, list[CaseView]] = {}
        self._load_parent = load_parent
        self._load_siblings = load_siblings
        self._load_children = load_children
        self._load_entry = load_entry
        self._load_sealed = load_sealed
        self._find_subject = find_subject
        self._sealed_now = dict(sealed_now or {})  # this transition's sealed inputs: name -> value
        # The sealed values this transition's effects read (`sealed`): the engine refuses to store any of them.
        self.sealed_read: set[str] = set()
        self.subject = subject
        # The case whose transition fired this one ({"case", "kind", "seq", "trigger"}), if another case did.
        self.cause = cause
        # The case as this transition leaves it (state, data, timers), set once its effects are known: what
        # the declared effects on related cases (opening, notifying) read.
        self.after: CaseView | None = None
        # The event this transition records (the service of a notice: {"notice", "served_on", "issued_by", …}).
        self.event = event
        # Facts a refusing guard found, for its message (e.g. the earlier case it repeats).
        self.details: dict[str, Any] = {}

    @cached_property
    def parent(self) -> CaseView | None:
        return self._load_parent()

    @cached_property
    def siblings(self) -> list[CaseView]:
        """The parent's other children of the same kind, or, for a root case, the subject's other cases of its kind."""
        return self._load_siblings()

    @cached_property
    def children(self) -> list[CaseView]:
        return self._load_children()

    def subject_cases(self, kind: str) -> list[CaseView]:
        """All the subject's cases of `kind` but this one (e.g. its other credit records), loaded on first use."""
        if kind not in self._subject_cases:
            self._subject_cases[kind] = self._load_subject_cases(kind)
        return self._subject_cases[kind]

    @cached_property
    def entry(self) -> dict | None:
        """The archive entry this case is about (an objection to an entry), with its statuses and use."""
        return self._load_entry()

    @property
    def data(self) -> dict:
        return self.case.data if self.case else {}

    def sealed(self, name: str) -> str | None:
        """The value of the case's sealed input `name` (`Input(sealed=True)`): this transition's, else the latest
        the case recorded; None if it has none. For an effect that needs it (e.g. to find the reporter's own
        subject with `find_subject`). It must never be copied into the case's data, an archive entry, the
        inputs of another case or anything a notice shows: everywhere else the input is only its reference
        ({"sealed": id, "sha256": digest}), and people read it through the procedure's reading transition."""
        value = self._sealed_now[name] if name in self._sealed_now else self._load_sealed(name)
        if value is not None:
            self.sealed_read.add(value)
        return value

    def find_subject(self, identifier: str) -> int | None:
        """A registered credit subject's id by its identifier (unified social credit code or ID number), or None:
        for an effect that writes an archive entry on another subject (the entry's "subject_id")."""
        key = (identifier or "").strip().upper()
        return self._find_subject(key) if key else None
