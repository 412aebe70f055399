"""What several areas share: the plain-data shapes they return, and finding a case or a subject by key."""

from __future__ import annotations

from calendars import SHANGHAI

from ..errors import MAX_ID, BadInput, no_such_case
from ..store import repo
from ..store.people_repo import subject_by_identifier


def outcome_dict(out) -> dict:
    """A transition's outcome (`workflows.engine.Outcome`) as plain data: the case, its state and notice,
    and, when there are any, the parent's transition and the cases it opened or told (same shape)."""
    result = {"case_id": out.case_id, "kind": out.kind, "state": out.state, "version": out.version,
              "notice": out.notice}
    if out.parent is not None:
        result["parent"] = outcome_dict(out.parent)
    if out.opened:
        result["opened"] = [outcome_dict(o) for o in out.opened]
    if out.notified:
        result["notified"] = [outcome_dict(o) for o in out.notified]
    return result


def timer_dict(t) -> dict:
    return {"name": t.name, "status": t.status, "side": t.side, "start_day": t.start_day.isoformat(),
            "last_day": t.last_day.isoformat(), "ends_at": t.ends_at.astimezone(SHANGHAI).isoformat(),
            "provisional": t.provisional, "calendar_version": t.calendar_version}


def subject_dict(r) -> dict:
    return {"id": r.id, "name": r.name, "type": r.subject_type, "identifier_kind": r.identifier_kind,
            "identifier": r.identifier}


def require_case(conn, case_id: int):
    row = repo.case_row(conn, case_id)
    if row is None:
        raise no_such_case(case_id)
    return row


def resolve_subject(conn, key):
    """A subject by its number or its identifier (unified social credit code / ID number)."""
    key = str(key).strip()
    unknown = BadInput(f"没有信用主体 {key!r}；请填写主体编号或统一社会信用代码/身份证号码", code="unknown_subject")
    if key.isdigit() and len(key) < 18:
        if not 1 <= int(key) <= MAX_ID:  # beyond the database's integer: no such subject
            raise unknown
        row = repo.subject_row(conn, int(key))
    else:
        row = subject_by_identifier(conn, key.upper())
    if row is None:
        raise unknown
    return row
