"""The JSON API under /api, continued: evaluations, 失信 records, notices' service and correction, the declared
procedures and inputs, the policy in force, the calendar's days and years, and adding a user (the command line's
`evaluation`, `record`, `notice served|correct`, `case inputs`, `procedure`, `policy`, `calendar`, `user add`
operations).

As in api.py: every endpoint needs a user, checks the role, calls the same service the command line calls and
returns the JSON that command prints with `--json`; errors propagate to the one mapping (errors.py). The kinds
these endpoints name come from the command line's own constants (cli/aliases.py, cli/records.py), never spelled here.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Optional, Union

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from ..errors import MAX_ID, BadInput
from .api import CaseId, NoticeNumber, _capped
from .deps import WebUser, api_user, require_roles, services

router = APIRouter(prefix="/api")

Staff = Annotated[WebUser, Depends(api_user)]
Approver = Annotated[WebUser, Depends(require_roles("approver"))]
Kind = Annotated[str, Path(min_length=1, max_length=64, description="案件类型：代码或中文名称")]
SubjectKey = Annotated[str, Query(min_length=1, max_length=64, description="信用主体编号、统一社会信用代码或身份证号码")]

# An uploaded results sheet: a prefecture's year (some thousands of rows) is well under this; a bigger upload is
# refused by its size before it is read, so one request cannot hold a worker for a huge file's rows.
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_ERRORS_SHOWN = 20  # the rows' errors the refusal lists; a dry run of the corrected file finds the rest


class Publish(BaseModel):
    """`evaluation publish --subject S --year Y --score X`"""

    model_config = ConfigDict(extra="forbid")
    subject: Union[Annotated[int, Field(ge=1, le=MAX_ID)], Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        description="信用主体编号、统一社会信用代码或身份证号码")
    year: int = Field(ge=1, le=MAX_ID, description="评价年度，如 2025")
    score: Union[Annotated[float, Field(allow_inf_nan=False)], Annotated[str, Field(min_length=1, max_length=16)]] = Field(
        description="得分（0-100，至多两位小数）")


class NewRecord(BaseModel):
    """`record add --subject S --category C --determined D --disclosure-months N [--penalty-term-months M]
    [--severity S] [--basis B] --facts F`"""

    model_config = ConfigDict(extra="forbid")
    subject: Union[Annotated[int, Field(ge=1, le=MAX_ID)], Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        description="信用主体编号、统一社会信用代码或身份证号码")
    category: str = Field(min_length=1, max_length=64, description="失信行为类别：代码或中文名称")
    determined: str = Field(min_length=1, max_length=40, description="失信行为认定日期（决定作出之日），YYYY-MM-DD")
    disclosure_months: int = Field(ge=1, le=MAX_ID, description="公开期限（月）")
    penalty_term_months: Optional[int] = Field(None, ge=1, le=MAX_ID, description="相关行政处罚期限（月）")
    severity: Optional[str] = Field(None, min_length=1, max_length=32, description="失信程度：minor|general|serious（默认一般）")
    basis: Optional[str] = Field(None, max_length=500, description="认定依据（决定文书及文号）")
    facts: str = Field(min_length=1, max_length=5000, description="失信行为事实")


class Revocation(BaseModel):
    """`record revoke CASE --basis B`"""

    model_config = ConfigDict(extra="forbid")
    basis: str = Field(min_length=1, max_length=500, description="撤销依据（行政复议决定书或者人民法院裁判文书及文号）")


class Service(BaseModel):
    """`notice served NUMBER --method M --on D`"""

    model_config = ConfigDict(extra="forbid")
    method: str = Field(min_length=1, max_length=32, description="送达方式：direct | post | electronic 或中文名称")
    on: str = Field(min_length=1, max_length=40, description="送达日期（送达回证上的日期），YYYY-MM-DD")


class Correction(BaseModel):
    """`notice correct NUMBER --correction TEXT`"""

    model_config = ConfigDict(extra="forbid")
    correction: str = Field(min_length=1, max_length=5000, description="原文书何处有误、应如何更正")


class NewUser(BaseModel):
    """`user add NAME --role R1,R2`"""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, description="用户名")
    roles: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        min_length=1, max_length=8, description="角色：handler（经办人）、approver（审核人）、auditor（审计人员），代码或中文名称")


# -- evaluations -----------------------------------------------------------------------------------------------

@router.post("/evaluations", tags=["evaluations"], status_code=201)
def publish_evaluation(body: Publish, user: Staff, svc=Depends(services)):
    """`evaluation publish --subject S --year Y --score X --json`: a result published today (= `case open` of the
    evaluation with `year` and `score`), with the grade it got and its objection window."""
    from ..cli.aliases import publish_evaluation

    out = publish_evaluation(svc, body.subject, body.year, body.score, user.name)
    out.pop("window_note")  # as the command prints it: a person's result is not published, its window null
    return out


@router.post("/evaluations/imports", tags=["evaluations"])
def import_evaluations(user: Staff,
                       file: Annotated[UploadFile, File(description="评价结果表：.xlsx（第一个工作表）或 .csv；第 1 行为表头")],
                       year: Annotated[int, Form(ge=1, le=MAX_ID, description="评价年度")],
                       svc=Depends(services),
                       dry_run: Annotated[bool, Form(description="只校验（并试写后回滚），不写入任何数据")] = False,
                       update_names: Annotated[bool, Form(description="已登记证件号码的名称不同时，以表中名称更正（记入日志）")] = False):
    """`evaluation import FILE --year Y [--dry-run] [--update-names] --json` (multipart: `file`, `year`, `dry_run`,
    `update_names`): every row checked first, then one transition per row. A file with bad rows writes nothing and is
    refused (400 `bad_rows`) listing the rows (row, column, reason); no error workbook is written on the server."""
    from ..cli.aliases import EVALUATION

    name = FilePath((file.filename or "").replace("\\", "/")).name.strip()
    if not name or name in (".", "..") or len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise BadInput("导入文件须有文件名（.xlsx 或 .csv，至多 200 个字符，不含控制字符）；请重新选择文件",
                       code="bad_filename")
    folder = tempfile.mkdtemp(prefix="creditflow-import-")
    try:
        path = FilePath(folder) / name
        with path.open("wb") as copy:  # at most one byte past the cap: enough to know it is too big
            shutil.copyfileobj(_capped(file.file, IMPORT_MAX_BYTES + 1), copy)
        if path.stat().st_size > IMPORT_MAX_BYTES:
            raise BadInput(f"导入文件 {name} 超过 {IMPORT_MAX_BYTES // (1024 * 1024)} MB，未读取、未写入任何数据；"
                           "请按年度或批次拆分后分别导入", code="file_too_large")
        out = svc.imports.results(path, kind=EVALUATION, year=year, actor=user.name, dry_run=dry_run,
                                  update_names=update_names)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out["file"] = name  # the upload's name, not the server's temporary copy
    if out["errors"]:
        errors = out["errors"]
        rows = sorted({e["row"] for e in errors})
        what = "表头有误" if rows == [1] else f"有 {len(rows)} 行错误（共 {len(errors)} 处）"
        listed = "；".join(f"第 {e['row']} 行 {e['column']}：{e['reason']}" for e in errors[:IMPORT_ERRORS_SHOWN])
        more = f"；另有 {len(errors) - IMPORT_ERRORS_SHOWN} 处未列出" if len(errors) > IMPORT_ERRORS_SHOWN else ""
        raise BadInput(f"导入文件 {name} {what}，未写入任何数据：{listed}{more}；请改正后重新导入（可先以 dry_run 校验）",
                       code="bad_rows")
    return out


# -- 失信 records --------------------------------------------------------------------------------------------------

@router.post("/records", tags=["records"], status_code=201)
def add_record(body: NewRecord, user: Staff, svc=Depends(services)):
    """`record add --subject S --category C --determined D --disclosure-months N … --facts F --json` (= `case open`
    of the 失信 record): with the record's first admissible repair day and the last day of its disclosure."""
    from ..cli.records import add_record as add

    return add(svc, body.subject, body.model_dump(exclude={"subject"}, exclude_none=True), user.name)


@router.get("/records", tags=["records"])
def list_records(subject: SubjectKey, user: Staff, svc=Depends(services)):
    """`record list --subject S --json`: the subject's 失信 records, oldest first, the withdrawn ones too (the
    register), each with `disclosed` as of today."""
    from .. import clock
    from ..cli.records import RECORD, _entry

    cases = [c for c in svc.deployment.show_subject(subject)["cases"] if c["kind"] == RECORD]
    today = clock.today().isoformat()
    return {"records": [_entry(svc.cases.show(c["id"]), today) for c in cases]}


@router.post("/records/{case_id}/revoke", tags=["records"])
def revoke_record(case_id: CaseId, body: Revocation, user: Staff, svc=Depends(services)):
    """`record revoke CASE --basis B --json`: a reconsideration decision or a court annulled the determination; the
    record is withdrawn at once."""
    from ..cli.records import revoke_record as revoke

    return revoke(svc, case_id, body.basis, user.name)  # a case of another kind: 400 bad_target, not acted on


# -- notices: service and correction -------------------------------------------------------------------------------

@router.post("/notices/{number}/services", tags=["notices"], status_code=201)
def serve_notice(number: NoticeNumber, body: Service, user: Staff, svc=Depends(services)):
    """`notice served NUMBER --method M --on D --json`: how and when the notice reached its addressee (the subject's
    periods run from service)."""
    return svc.documents.serve(number, body.method, body.on, user.name)


@router.post("/notices/{number}/corrections", tags=["notices"], status_code=201)
def correct_notice(number: NoticeNumber, body: Correction, user: Staff, svc=Depends(services)):
    """`notice correct NUMBER --correction TEXT --json`: a correction notice (更正通知书) citing NUMBER; the stored
    notice itself never changes."""
    return svc.documents.correct(number, body.correction, user.name)


# -- the declarations (no store) -----------------------------------------------------------------------------------

@router.get("/procedures", tags=["procedures"])
def list_procedures(user: Staff, svc=Depends(services)):
    """`procedure list --json`: the declared procedures (case kinds) with their versions."""
    from ..services.cases import declared_procedures

    return {"procedures": declared_procedures(svc.registry)}


@router.get("/procedures/{kind}", tags=["procedures"])
def show_procedure(kind: Kind, user: Staff, svc=Depends(services)):
    """`procedure show KIND --json`: states, triggers, roles, guards, timers, notices, and the numbers it runs under."""
    from ..services.cases import declared_procedure

    return declared_procedure(svc.registry, kind)


@router.get("/procedures/{kind}/inputs", tags=["procedures"])
def procedure_inputs(kind: Kind, user: Staff, svc=Depends(services),
                     trigger: Annotated[Optional[str], Query(min_length=1, max_length=64,
                                                             description="另一办理操作（默认：立案操作）")] = None):
    """`case inputs KIND [--trigger T] --json`: the inputs a trigger declares (name, type, label, required, choices);
    without `trigger`, those of the opening transition (`POST /api/cases`) and what the kind is opened on."""
    return svc.cases.inputs(kind, trigger)


@router.get("/policy", tags=["policy"])
def show_policy(user: Staff, svc=Depends(services),
                on: Annotated[Optional[date], Query(description="日期 YYYY-MM-DD（默认今日）")] = None):
    """`policy show [--on D] --json`: the profile in force on a day and every number it holds, with its source and
    whether this deployment overrides it."""
    from .. import clock
    from ..services.policy import policy_in_force

    return policy_in_force(svc.registry, svc.schedule, on if on is not None else clock.today())


@router.get("/calendar/working-day", tags=["calendar"])
def calendar_working_day(user: Staff, day: Annotated[str, Query(min_length=1, max_length=40, description="YYYY-MM-DD")]):
    """`calendar is-working-day D --json`: whether the day is a working day, and why."""
    from ..cli.calendar import day_dict
    from ..settings import calendar

    return day_dict(calendar().day(day))


@router.get("/calendar/years", tags=["calendar"])
def calendar_years(user: Staff):
    """`calendar years --json`: each supported year, whether its official schedule is confirmed, and the source."""
    from ..cli.calendar import years_dict
    from ..settings import calendar

    return years_dict(calendar())


# -- users ---------------------------------------------------------------------------------------------------------

@router.post("/users", tags=["users"], status_code=201)
def add_user(body: NewUser, user: Approver, svc=Depends(services)):
    """`user add NAME --role R1,R2 --json` (approvers: the command line is the operator's, on the server; through
    the API, adding a user is an administrative act). No password: the operator sets it (`user password`)."""
    return svc.deployment.add_user(body.name, body.roles)
