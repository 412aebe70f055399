"""What a notice's template sees: the department, the notice (with its addressee), the subject, the case
after the transition, its deadlines, the inputs, the cause and the procedure's own names (`notice_context`).

Related cases are loaded only when a template looks at them (most never do).
"""

from __future__ import annotations

import copy
from datetime import date

from calendars import SHANGHAI, Clock
from states.identifiers import INSTITUTION_TYPES, SUBJECT_TYPES
from states.spec import NEW

from .. import clock
from ..errors import BadInput
from ..inputs import to_json
from ..store import repo

ADDRESSEE_LENGTH = 256  # the notices table's addressee column


def deadlines(calendar, timers, today: date) -> dict:
    """Each timer's last day, end, status and the working days it was suspended, as of `today`."""
    out = {}
    for r in timers:
        suspended = 0
        if r.unit == "working_days":
            suspended = Clock.from_dict(r.clock).suspended_working_days(calendar, today)
        out[r.name] = {"last_day": r.last_day, "ends_at": r.ends_at, "provisional": r.provisional,
                       "status": r.status, "suspended_working_days": suspended}
    return out


def notice_context(conn, *, calendar, proc, t, settings, number, issued_at, subject, case_after, timers_after,
                   from_state, ctx, inputs, actor, addressed_to: str) -> dict:
    issued_on = clock.today(issued_at)

    def parent():
        p = ctx.parent
        return None if p is None else {"id": p.id, "kind": p.kind, "state": p.state, "data": p.data}

    def parent_deadlines():
        p = ctx.parent
        return {} if p is None else deadlines(calendar, repo.timers_of(conn, p.id), issued_on)

    return {
        "department": {"name": settings["department_name"], "prefix": settings["number_prefix"],
                       "reconsideration_body": settings["reconsideration_body"], "court": settings["court"],
                       "fonts": {k[5:]: v for k, v in settings.items() if k.startswith("font_") and v}},
        "notice": {"number": number, "title": t.notice.title_for(proc.conditions, ctx), "audience": t.notice.audience,
                   "series": t.notice.series, "issued_on": issued_on, "against_subject": t.notice.against_subject,
                   "addressee": addressed_to,
                   "issued_at": issued_at.astimezone(SHANGHAI).replace(microsecond=0).isoformat(),
                   "effective_on": ctx.today},
        "subject": {"name": subject.name, "identifier": subject.identifier, "type": subject.subject_type,
                    "type_label": SUBJECT_TYPES[subject.subject_type],
                    "is_person": subject.subject_type not in INSTITUTION_TYPES},
        "case": {"id": case_after.id, "kind": proc.kind, "label": proc.label, "state": case_after.state,
                 "state_label": proc.state(case_after.state).label, "data": to_json(case_after.data)},
        "parent": Lazy(parent),
        "parent_deadlines": Lazy(parent_deadlines),
        "entry": ctx.entry,
        "cause": ctx.cause or {},
        "event": to_json(ctx.event) if ctx.event else {},
        "deadlines": deadlines(calendar, timers_after.values(), issued_on),
        "inputs": to_json(inputs),
        "transition": {"trigger": t.trigger, "label": t.label,
                       "from_state": None if from_state == NEW else from_state, "to_state": case_after.state},
        "actor": {"name": actor.name},
        **proc.notice_context,
    }


class Lazy:
    """A template value loaded on first attribute access."""

    def __init__(self, load):
        self._load = load
        self._value = None
        self._loaded = False

    def _get(self):
        if not self._loaded:
            self._value, self._loaded = self._load(), True
        return self._value

    def __getattr__(self, name):
        value = self._get()
        if name.startswith("_") or not value or name not in value:
            raise AttributeError(name)  # a template reads it as undefined
        return value[name]

    def __getitem__(self, key):
        return self._get()[key]

    def get(self, key, default=None):
        value = self._get()
        return default if not value else value.get(key, default)

    def __bool__(self):
        return bool(self._get())


def addressee(notice, subject, settings, ctx) -> str:
    """Who the notice is addressed to (主送): the body its declaration names (`Notice.addressee`, asked with the
    case as the transition leaves it), else by its audience."""
    if notice.addressee is not None:
        after = copy.copy(ctx)  # the same transition, but `data` is the case's data after its effects
        if ctx.after is not None:
            after.case = ctx.after
        try:
            name = notice.addressee(after)
        except (KeyError, TypeError, AttributeError) as exc:
            name, missing = None, exc
        else:
            missing = None
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > ADDRESSEE_LENGTH:
            why = f"（缺少 {missing}）" if missing is not None else ""
            raise BadInput(f"《{notice.title}》须写明主送机关，但本次办理未能确定{why}；请先在案件中登记接收机关的全称"
                           f"（不超过 {ADDRESSEE_LENGTH} 个字符）后再办理", code="no_addressee")
        return name
    audience = notice.audience
    if audience == "subject":
        return subject.name
    if audience == "public":
        return "社会公众"
    if audience == "approvers":
        return f"{settings['department_name']}审核人员"
    return "案卷"
