"""What guards, conditions and effects see: plain data about the case, never a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
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


@dataclass(frozen=True)
class Actor:
    name: str
    roles: frozenset[str]


@dataclass
class Context:
    """One transition's view of the world. `case` is None while a case is being opened."""

    case: CaseView | None
    parent: CaseView | None
    siblings: list[CaseView]  # the parent's other children (e.g. earlier objections)
    children: list[CaseView]
    actor: Actor
    inputs: dict[str, Any]
    today: date
    now: datetime
    calendar: Any  # calendars.WorkingCalendar
    policy: Policy

    @property
    def data(self) -> dict:
        return self.case.data if self.case else {}
