"""The JSON API under /api: the command line's operations with the same meanings and the same JSON.

Every endpoint needs a user (session cookie with `X-CSRF-Token` on writes, or `Authorization: Bearer`), checks
the role, calls the same service the command line calls and lets errors propagate to the one mapping
(errors.py: 400 bad input, 401, 403, 404 unknown, 409 refused or conflict, 503). docs/web.md lists them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Optional

from fastapi import APIRouter, Body, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import MAX_ID, BadInput
from .csrf import session_of
from .deps import WebUser, api_user, optional_user, require_roles, services

router = APIRouter(prefix="/api", tags=["cases"])

CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="案件编号")]
Trigger = Annotated[str, Path(min_length=1, max_length=64, description="操作（trigger）代码")]
NoticeNumber = Annotated[str, Path(min_length=1, max_length=100, description="文书文号")]
Count = Annotated[Optional[int], Query(ge=1, le=MAX_ID)]
Staff = Annotated[WebUser, Depends(api_user)]
Approver = Annotated[WebUser, Depends(require_roles("approver"))]
Worker = Annotated[WebUser, Depends(require_roles("handler", "approver"))]
Reader = Annotated[WebUser, Depends(require_roles("approver", "auditor"))]


class OpenCase(BaseModel):
    """`case open KIND (--subject S | --parent CASE | --entry ENTRY) --set NAME=VALUE …`"""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=1, max_length=64, description="案件类型：代码或中文名称")
    subject: Optional[str | int] = Field(None, description="信用主体编号、统一社会信用代码或身份证号码")
    parent: Optional[int] = Field(None, ge=1, le=MAX_ID, description="上级案件编号")
    entry: Optional[int] = Field(None, ge=1, le=MAX_ID, description="信用档案记录编号")
    inputs: dict[str, Any] = Field(default_factory=dict, description="立案操作声明的输入项（case inputs KIND）")


class Assign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=64, description="承办人（经办人）的用户名")
    expected_version: Optional[int] = Field(None, ge=1, le=MAX_ID)


class NewSubject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=32, description="信用主体类型：代码或中文名称")
    uscc: Optional[str] = Field(None, max_length=18)
    id_number: Optional[str] = Field(None, max_length=18)


# -- who is here ---------------------------------------------------------------------------------------------

@router.get("/session", tags=["session"])
def session(request: Request):
    """The logged-in user (or null) and this session's CSRF token, to send as `X-CSRF-Token` on writes."""
    user = optional_user(request)
    out = {"user": None, "csrf_token": session_of(request).csrf_token}
    if user is not None:
        out["user"] = {"name": user.name, "roles": sorted(user.roles), "via": user.via}
    return out


# -- cases ---------------------------------------------------------------------------------------------------

@router.get("/cases")
def list_cases(user: Staff, svc=Depends(services),
               kind: Annotated[Optional[str], Query(max_length=64)] = None,
               state: Annotated[Optional[str], Query(max_length=64)] = None,
               overdue: bool = False, due_within: Count = None,
               limit: Annotated[int, Query(ge=1, le=MAX_ID)] = 500,
               mine: Annotated[bool, Query(description="本人的案件在前，其后为未分派的案件")] = False):
    """`case list [--kind K] [--state S] [--overdue] [--due-within N] [--limit N] [--mine]`: open cases, most urgent first."""
    return {"cases": svc.cases.list(kind, state, overdue, due_within, limit, mine=user.name if mine else None)}


@router.post("/cases", status_code=201)
def open_case(body: OpenCase, user: Staff, svc=Depends(services)):
    """`case open`: a case of `kind` on exactly one of subject, parent, entry, with the opening trigger's inputs."""
    from ..cli.cases import _check_input_names, _check_target, resolve_kind

    kind = resolve_kind(svc.registry, body.kind)
    proc = svc.registry.procedure(kind)
    trigger = proc.opening_trigger()
    if trigger is None:
        raise BadInput(f"{proc.label}案件只能由其他案件依程序开启，不能直接立案", code="not_openable")
    target = _check_target(svc.registry, proc, kind, {"subject": body.subject, "parent": body.parent,
                                                      "entry": body.entry})
    _check_input_names(proc, kind, trigger, body.inputs)
    return svc.cases.open(kind, user.name, body.inputs, **target)


@router.get("/cases/{case_id}")
def show_case(case_id: CaseId, user: Staff, svc=Depends(services)):
    """`case show --json`."""
    return svc.cases.show(case_id)


@router.get("/cases/{case_id}/actions")
def case_actions(case_id: CaseId, user: Staff, svc=Depends(services)):
    """`case actions --json`: what this user may do on the case now, each action with its declared inputs."""
    return {"case_id": case_id, "actions": svc.cases.actions(case_id, user.name, detailed=True)}


@router.post("/cases/{case_id}/actions/{trigger}")
def act(case_id: CaseId, trigger: Trigger, user: Staff, svc=Depends(services),
        body: Annotated[dict[str, Any], Body(description="该操作声明的输入项，及可选的 expected_version")] = None):
    """`case act CASE TRIGGER --set NAME=VALUE … [--expected-version V]`: the body holds the trigger's inputs."""
    inputs = dict(body or {})
    expected = inputs.pop("expected_version", None)
    if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool)
                                 or not 1 <= expected <= MAX_ID):
        raise BadInput(f"expected_version 须为 1 至 {MAX_ID} 的整数（案件的版本号，见 case show）", code="bad_number")
    return svc.cases.act(case_id, trigger, user.name, inputs, expected)


@router.post("/cases/{case_id}/assign")
def assign(case_id: CaseId, body: Assign, user: Staff, svc=Depends(services)):
    """`case assign CASE USER`: an approver gives the case to a handler."""
    return svc.cases.assign(case_id, body.assignee, user.name, body.expected_version)


@router.post("/cases/{case_id}/attachments", status_code=201)
def attach(case_id: CaseId, user: Staff, svc=Depends(services), file: UploadFile = File(...),
           description: Annotated[Optional[str], Form(max_length=500)] = None,
           expected_version: Annotated[Optional[int], Form(ge=1, le=MAX_ID)] = None):
    """`case attach CASE FILE [--description TEXT]` (multipart: `file`, `description`, `expected_version`)."""
    from states.common import ATTACHMENT_MAX_BYTES

    name = FilePath((file.filename or "").replace("\\", "/")).name.strip()
    if not name or name in (".", "..") or len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise BadInput("材料文件须有文件名（至多 200 个字符，不含控制字符）；请重新选择文件", code="bad_filename")
    folder = tempfile.mkdtemp(prefix="creditflow-upload-")
    try:
        path = FilePath(folder) / name
        with path.open("wb") as out:  # at most one byte past the cap: the service refuses it by its size
            shutil.copyfileobj(_capped(file.file, ATTACHMENT_MAX_BYTES + 1), out)
        return svc.cases.attach(case_id, path, user.name, description, expected_version)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _capped(stream, limit: int):
    class Capped:
        left = limit

        def read(self, n: int = -1) -> bytes:
            if self.left <= 0:
                return b""
            chunk = stream.read(min(n if n > 0 else self.left, self.left))
            self.left -= len(chunk)
            return chunk

    return Capped()


@router.post("/cases/{case_id}/sealed")
def read_sealed(case_id: CaseId, user: Staff, svc=Depends(services)):
    """`case reporter CASE --json`: the case's sealed entries (a reporter's identity), for a user its procedure lets
    read them; the reading is itself a logged transition (hence POST)."""
    out = svc.cases.read_sealed(case_id, user.name)
    return {"case_id": out["case_id"], "notice": out["notice"],
            "sealed": [{k: e[k] for k in ("name", "label", "value", "sha256", "recorded_at")} for e in out["sealed"]]}


@router.get("/cases/{case_id}/timers/{timer}/explain")
def explain_timer(case_id: CaseId, timer: Annotated[str, Path(min_length=1, max_length=100)], user: Staff,
                  svc=Depends(services)):
    """`case explain CASE TIMER`: every day the deadline counted or skipped, and why."""
    return svc.cases.explain_timer(case_id, timer)


@router.get("/cases/{case_id}/log", tags=["audit"])
def case_log(case_id: CaseId, user: Staff, svc=Depends(services)):
    """`audit log CASE --json`: the case's transition log, oldest first."""
    return {"case_id": case_id, "entries": svc.audit.log(case_id)}


# -- notices -------------------------------------------------------------------------------------------------

@router.get("/notices/{number}", tags=["notices"])
def show_notice(number: NoticeNumber, user: Staff, svc=Depends(services)):
    """`notice show NUMBER --json`: the notice's text, HTML and metadata, its PDF's hash, its services."""
    return svc.documents.show(number)


@router.get("/notices/{number}/pdf", tags=["notices"], response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def notice_pdf(number: NoticeNumber, user: Staff, svc=Depends(services)):
    """`notice pdf NUMBER`: the PDF, the same bytes on every export (stored at the first one)."""
    from urllib.parse import quote

    out = svc.documents.pdf(number)
    return Response(out["pdf"], media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(out['number'])}.pdf",
        "X-Content-SHA256": out["sha256"]})


# -- audit ---------------------------------------------------------------------------------------------------

@router.get("/audit/verify", tags=["audit"])
def audit_verify(user: Reader, svc=Depends(services)):
    """`audit verify --json`: the hash chains of the log, the notices and the settings, and the checkpoints."""
    return svc.audit.verify()


@router.get("/audit/checkpoints", tags=["audit"])
def audit_checkpoints(user: Reader, svc=Depends(services)):
    """The audit checkpoints written so far (what `audit verify` compares with)."""
    return {"checkpoints": svc.audit.list_checkpoints()}


# -- incidents -----------------------------------------------------------------------------------------------

@router.get("/incidents", tags=["incidents"])
def list_incidents(user: Staff, svc=Depends(services), all: bool = False):  # noqa: A002 - the CLI's --all
    """`incidents [--all] --json`: timers whose expiry or reminder failed."""
    return {"incidents": svc.sweep.list_incidents(include_resolved=all)}


@router.post("/incidents/{incident_id}/retry", tags=["incidents"])
def retry_incident(incident_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: Approver, svc=Depends(services)):
    """`incidents retry ID --json` (approvers): retry now, without waiting for the back-off."""
    return svc.sweep.retry_incident(incident_id)


# -- users ------------------------------------------------------------------------------------------------------

@router.get("/users", tags=["users"])
def list_users(user: Staff, svc=Depends(services)):
    """`user list --json`: the users and their roles (whom a case may be assigned to)."""
    return {"users": svc.deployment.list_users()}


# -- subjects ------------------------------------------------------------------------------------------------

@router.get("/subjects", tags=["subjects"])
def list_subjects(user: Staff, svc=Depends(services)):
    """`subject list --json`."""
    return {"subjects": svc.deployment.list_subjects()}


@router.get("/subjects/{key}", tags=["subjects"])
def show_subject(key: Annotated[str, Path(min_length=1, max_length=64, description="主体编号或证件号码")],
                 user: Staff, svc=Depends(services)):
    """`subject show ID_OR_CODE --json`: the subject, its cases and its credit archive."""
    return svc.deployment.show_subject(key)


@router.post("/subjects", tags=["subjects"], status_code=201)
def add_subject(body: NewSubject, user: Worker, svc=Depends(services)):
    """`subject add --name N --type T (--uscc C | --id-number N) --json` (handlers and approvers)."""
    return svc.deployment.add_subject(body.name, body.type, body.uscc, body.id_number)


# -- the calendar (no case, no store) ------------------------------------------------------------------------

@router.get("/calendar/deadline", tags=["calendar"])
def calendar_deadline(user: Staff, start: Annotated[str, Query(alias="from", min_length=1, max_length=40)],
                      working_days: Count = None, days: Count = None, months: Count = None, hours: Count = None):
    """`calendar deadline --from D (--working-days N | --days N | --months N | --hours N) --json`."""
    from ..cli.calendar import _period

    return _period(start, working_days, days, months, hours)[1].to_dict()


@router.get("/calendar/explain", tags=["calendar"])
def calendar_explain(user: Staff, start: Annotated[str, Query(alias="from", min_length=1, max_length=40)],
                     working_days: Count = None, days: Count = None, months: Count = None, hours: Count = None):
    """`calendar explain …  --json`: every day counted or not, and why."""
    from calendars import explain

    from ..cli.calendar import _period

    cal, period = _period(start, working_days, days, months, hours)
    return explain(cal, period).to_dict()
