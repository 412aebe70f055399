"""The JSON API under /api, continued: exports, the monthly report and the audit operations beyond verify
(the command line's `export`, `report`, `audit log|replay|checkpoint|export|export-checkpoint`).

Thin adapters as in api.py: parse, call the service the command line calls, let errors propagate to errors.py.
A file the command line writes (`-o FILE`) is a download here: written by the same service call to a temporary
folder, sent with its media type and a `Content-Disposition` file name, and the folder removed once sent.
The maker of a table (制表人, the command line's `--as`) is the logged-in user.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ..errors import MAX_ID, BadInput, Refused
from ..services.worklist import MAX_PER_PAGE, PER_PAGE
from . import pages_staff, ratelimit
from .api import Approver, Reader, Staff
from .deps import services

router = APIRouter(prefix="/api")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_MEDIA = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}
REPORT_MEDIA = {"xlsx": XLSX, "pdf": "application/pdf"}
JSONL = "application/x-ndjson"

# A replay re-executes the whole log (about 6 ms per log row on the demo bureau): a web user may start a few per
# window (rows of rate_limit_hits, shared by every web process); the command line is not limited.
REPLAY_LIMIT = ("audit_replay", 3, 10 * 60)
REPLAY_ARTICLE = "creditflow policy: 重放全部日志开销大，网页接口每位用户每 10 分钟至多 3 次；不限次数请用命令行 creditflow audit replay"

Year = Annotated[int, Query(ge=1, le=MAX_ID, description="年度（YYYY）")]
Day = Annotated[Optional[str], Query(max_length=40, description="日期（YYYY-MM-DD，北京时间）")]


def _format(value: str, media: dict[str, str]) -> str:
    """The `format` query parameter: one of the files the command writes, or json (what `--json` is for)."""
    fmt = value.strip().lower()
    allowed = [*media, "json"]
    if fmt not in allowed:
        raise BadInput(f"format 的值 {value!r} 无效：可选 {'、'.join(allowed)}；请改用其中之一", code="bad_format",
                       allowed=allowed)
    return fmt


def _download(suffix: str, media_type: str, write: Callable[[str], dict], name: Callable[[dict], str]) -> FileResponse:
    """`write(path)` (the command line's service call with `-o path`) into a temporary folder, then the file,
    named by `name(what write returned)`: after the service has checked the request, nothing typed is in a path."""
    folder = FilePath(tempfile.mkdtemp(prefix="creditflow-api-"))
    path = folder / f"out.{suffix}"
    try:
        out = write(str(path))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=media_type, filename=name(out),
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


def _export(svc, user, what: str, year: int | None, fmt: str):
    fmt = _format(fmt, EXPORT_MEDIA)
    if fmt == "json":
        return svc.exports.data(what, year, actor=user.name)
    return _download(fmt, EXPORT_MEDIA[fmt], lambda path: svc.exports.export(what, year, path, actor=user.name),
                     lambda out: f"creditflow-{what.replace('_', '-')}" + (f"-{year}" if year is not None else "")
                                 + f".{fmt}")


_FILES = {200: {"content": {XLSX: {}, "text/csv": {}, "application/json": {}},
                "description": "format=xlsx 或 csv：文件下载；format=json：各表的数据"}}
Format = Annotated[str, Query(max_length=16, description="xlsx（默认）、csv 或 json")]


# -- exports ---------------------------------------------------------------------------------------------------

@router.get("/exports/results", tags=["exports"], responses=_FILES)
def export_results(user: Staff, year: Year, svc=Depends(services), format: Format = "xlsx"):  # noqa: A002
    """`export results --year YYYY -o FILE.xlsx|.csv [--json]`: the year's evaluation results of institutions
    (Henan measure Art. 29(1)); `format=json` gives the sheets as data."""
    return _export(svc, user, "results", year, format)


@router.get("/exports/d-list", tags=["exports"], responses=_FILES)
def export_d_list(user: Staff, year: Year, svc=Depends(services), format: Format = "xlsx"):  # noqa: A002
    """`export d-list --year YYYY -o FILE [--json]`: the year's D-grade list (Art. 29(2)), entries in use only
    (Art. 31), persons masked (Art. 28)."""
    return _export(svc, user, "d_list", year, format)


@router.get("/exports/worklist", tags=["exports"], responses=_FILES)
def export_worklist(user: Staff, svc=Depends(services), format: Format = "xlsx",  # noqa: A002
                    year: Annotated[Optional[int], Query(ge=1, le=MAX_ID, description="只列该年度立案的案件")] = None):
    """`export worklist [--year YYYY] -o FILE [--json]`: the open cases, most urgent first (internal: it names
    persons in full)."""
    return _export(svc, user, "worklist", year, format)


@router.get("/exports/statistics", tags=["exports"], responses=_FILES)
def export_statistics(user: Staff, year: Year, svc=Depends(services), format: Format = "xlsx"):  # noqa: A002
    """`export statistics --year YYYY -o FILE [--json]`: the year's results by grade and type, cases and outcomes,
    decisions, deadlines met and missed, overdue cases."""
    return _export(svc, user, "statistics", year, format)


# -- the monthly report ----------------------------------------------------------------------------------------

@router.get("/reports/monthly", tags=["reports"],
            responses={200: {"content": {XLSX: {}, "application/pdf": {}, "application/json": {}},
                             "description": "format=xlsx 或 pdf：文件下载；format=json：月报的数据"}})
def report_monthly(user: Staff, month: Annotated[str, Query(min_length=1, max_length=16, description="月份 YYYY-MM")],
                   svc=Depends(services),
                   format: Annotated[str, Query(max_length=16, description="xlsx（默认）、pdf 或 json")] = "xlsx"):  # noqa: A002
    """`report monthly --month YYYY-MM -o FILE.xlsx|.pdf [--json]`: the month's casework figures with one chart;
    `format=json` gives the headline figures and every table as data."""
    fmt = _format(format, REPORT_MEDIA)
    if fmt == "json":
        return svc.reports.monthly_data(month, actor=user.name)
    return _download(fmt, REPORT_MEDIA[fmt], lambda path: svc.reports.monthly(month, path, actor=user.name),
                     lambda out: f"creditflow-monthly-{out['month']}.{fmt}")


# -- audit -----------------------------------------------------------------------------------------------------

@router.get("/audit/log", tags=["audit"])
def audit_log(user: Reader, svc=Depends(services),
              actor: Annotated[Optional[str], Query(max_length=64, description="办理人用户名")] = None,
              kind: Annotated[Optional[str], Query(max_length=64, description="案件类型：代码或中文名称")] = None,
              since: Day = None, until: Day = None,
              overridden: Annotated[bool, Query(description="只列模拟时钟下办理的记录")] = False,
              overdue: Annotated[bool, Query(description="只列超期案件的记录")] = False,
              page: Annotated[int, Query(ge=1, le=MAX_ID)] = 1,
              per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE):
    """The log across cases, newest first (the 审计 page's list; `audit log CASE` is /api/cases/{id}/log):
    filtered by actor, procedure, effective day (`since`/`until`, inclusive), clock override, overdue case."""
    return svc.worklist.log(actor=actor, kind=kind, since=since, until=until, overridden=overridden,
                            overdue=overdue, page=page, per_page=per_page)


@router.get("/audit/replay", tags=["audit"])
def audit_replay(user: Reader, svc=Depends(services),
                 case: Annotated[Optional[int], Query(ge=1, le=MAX_ID, description="只报告该案件")] = None):
    """`audit replay [--case N] --json`: every case's log re-executed in the log's global order and compared with
    the store (a read: it replays into a scratch store). The whole log each time: approvers and auditors only,
    at most 3 per user in 10 minutes (409 `REPLAY-RATE` beyond)."""
    bucket, limit, window = REPLAY_LIMIT
    if not ratelimit.hit(svc, bucket, user.name, limit=limit, window_seconds=window):
        raise Refused(f"用户 {user.name} 在 10 分钟内已重放 {limit} 次，本次未执行：重放全部日志开销大；请稍后再试，"
                      "或在服务器上用 creditflow audit replay", code="REPLAY-RATE", article=REPLAY_ARTICLE)
    return svc.replay.run(case)


@router.post("/audit/checkpoints", tags=["audit"], status_code=201)
def audit_checkpoint(user: Approver, svc=Depends(services)):
    """`audit checkpoint --json` (approvers): seal every case's chain head now; 409 when another checkpoint was
    written at the same moment. Download it with /api/audit/checkpoints/export."""
    return svc.audit.write_checkpoint()


@router.get("/audit/checkpoints/export", tags=["audit"], response_class=FileResponse,
            responses={200: {"content": {JSONL: {}}}})
def audit_export_checkpoint(user: Reader, svc=Depends(services),
                            id: Annotated[Optional[int], Query(ge=1, le=MAX_ID, description="检查点编号（默认最新）")] = None):  # noqa: A002
    """`audit export-checkpoint -o FILE [--id N]`: the checkpoint as JSON lines (the header, then one head per
    case), to keep outside the system; its SHA-256 in `X-Content-SHA256`."""
    written: dict = {}

    def write(path: str) -> dict:
        written.update(svc.audit.export_checkpoint(path, id))
        return written

    response = _download("jsonl", JSONL, write, lambda out: f"creditflow-checkpoint-{out['checkpoint']['id']}.jsonl")
    response.headers["X-Content-SHA256"] = written["sha256"]
    return response


@router.get("/audit/export", tags=["audit"], response_class=FileResponse,
            responses={200: {"content": {JSONL: {}, "text/csv": {}}}})
def audit_export(user: Reader, svc=Depends(services),
                 format: Annotated[str, Query(max_length=16, description="jsonl（默认）或 csv")] = "jsonl",  # noqa: A002
                 since: Annotated[Optional[str], Query(max_length=40, description="记录于该日（北京时间）及以后")] = None,
                 case: Annotated[Optional[int], Query(ge=1, le=MAX_ID, description="只导出该案件")] = None):
    """`audit export -o FILE [--format jsonl|csv] [--since DAY] [--case N]`: every field of every log row with its
    chain hashes, for re-verification outside the system (the 审计 page's export)."""
    return pages_staff.audit_export(format=format, since=since, case=None if case is None else str(case), user=user,
                                    svc=svc)
