"""Staff pages: 我的待办 (the worklist, `/`), 待审批 (the approver's queue), 审计 (the log across cases, the chain's
status, checkpoints, export), 概览 (the dashboard) and 异常 (the incidents, with retry for approvers).

Thin adapters over the services (`svc.worklist`, `svc.audit`, `svc.sweep`), as the command line is; errors
propagate to the one mapping in errors.py. Who may see what: every logged-in user has a worklist and the
dashboard; the approver's queue is the approvers'; the audit view is the auditors' and the approvers'; the
incidents are read by approvers and auditors and retried by approvers only (the auditor changes nothing: the
user dependencies refuse an auditor's POST before anything runs).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from .. import clock
from ..errors import MAX_ID, BadInput
from ..services.worklist import PER_PAGE, parse_day
from .deps import WebUser, page_user, require_roles
from .deps import services as services_dep
from .render import page

router = APIRouter()

AUDIT_READERS = ("auditor", "approver")
EXPORT_FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


def _query(**values) -> str:
    """A query string of the filters that are set (for pagination links)."""
    return urlencode({k: v for k, v in values.items() if v not in (None, "", False)})


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


# -- 我的待办 --------------------------------------------------------------------------------------------------

@router.get("/", name="worklist")
def worklist(request: Request, kind: str | None = None, state: str | None = None, q: str | None = None,
             user: WebUser = Depends(page_user), svc=Depends(services_dep)):
    per_page = request.query_params.get("per_page", str(PER_PAGE))
    result = svc.worklist.worklist(user.name, kind=kind, state=state, search=q,
                                   page=request.query_params.get("page", "1"), per_page=per_page)
    f = result["filters"]
    link = _query(kind=f["kind"], state=f["state"], q=f["search"],
                  per_page=result["per_page"] if result["per_page"] != PER_PAGE else None)
    return page(request, "worklist.html.j2", result=result, choices=svc.worklist.filters(), link=link)


# -- 待审批 ----------------------------------------------------------------------------------------------------

@router.get("/approvals", name="approvals")
def approvals(request: Request, user: WebUser = Depends(require_roles("approver")), svc=Depends(services_dep)):
    result = svc.worklist.approvals(user.name, page=request.query_params.get("page", "1"))
    return page(request, "approvals.html.j2", result=result)


# -- 审计 -------------------------------------------------------------------------------------------------------

@router.get("/audit", name="audit")
def audit(request: Request, actor: str | None = None, kind: str | None = None, since: str | None = None,
          until: str | None = None, overridden: str | None = None, overdue: str | None = None,
          verify: str | None = None, user: WebUser = Depends(require_roles(*AUDIT_READERS)),
          svc=Depends(services_dep)):
    """The log across cases; the chain's verification when asked (`verify=1`): it recomputes every hash of the
    whole trail (about 7 s per 100,000 log rows, docs/benchmarks.md), too much for every look at the page."""
    log = svc.worklist.log(actor=actor, kind=kind, since=since, until=until, overridden=_flag(overridden),
                           overdue=_flag(overdue), page=request.query_params.get("page", "1"))
    f = log["filters"]
    link = _query(actor=f["actor"], kind=f["kind"], since=f["since"], until=f["until"],
                  overridden="1" if f["overridden"] else None, overdue="1" if f["overdue"] else None)
    checkpoints = list(reversed(svc.audit.list_checkpoints()))
    verified = svc.audit.verify() if _flag(verify) else None
    return page(request, "audit.html.j2", log=log, link=link, verify=verified, checkpoints=checkpoints[:20],
                checkpoint_count=len(checkpoints), choices=svc.worklist.filters(), formats=list(EXPORT_FORMATS))


@router.get("/audit/export", name="audit_export")
def audit_export(format: str = "jsonl", since: str | None = None, case: str | None = None,  # noqa: A002
                 user: WebUser = Depends(require_roles(*AUDIT_READERS)), svc=Depends(services_dep)):
    """The log as `audit export` writes it (every field of every row, or of one case, or since a day)."""
    fmt = (format or "").strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"导出格式 {format!r} 无效；可选：{'、'.join(EXPORT_FORMATS)}", code="bad_format",
                       allowed=list(EXPORT_FORMATS))
    case_id = None
    if case not in (None, ""):
        if not case.strip().isdigit() or not 1 <= int(case) <= MAX_ID:
            raise BadInput(f"案件编号 {case!r} 无效；请填写正整数的案件编号，或留空导出全部案件", code="bad_case_id")
        case_id = int(case)
    folder = Path(tempfile.mkdtemp(prefix="creditflow-export-"))
    try:
        name = f"creditflow-log-{clock.today().strftime('%Y%m%d')}" + (f"-case{case_id}" if case_id else "") + f".{fmt}"
        svc.audit.export_log(str(folder / name), fmt, parse_day(since, "起始日期"), case_id)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(folder / name, media_type=EXPORT_FORMATS[fmt], filename=name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


# -- 概览 -------------------------------------------------------------------------------------------------------

CHART = {"width": 760, "height": 260, "left": 44, "right": 12, "top": 16, "bottom": 40}


def month_chart(months: list[dict]) -> dict:
    """Bars of cases opened and closed per month, laid out for an inline SVG (the template draws them)."""
    c = CHART
    top = max([m["opened"] for m in months] + [m["closed"] for m in months] + [1])
    # about five grid lines at round numbers (1, 2, 5, 10, 20, 50, …)
    step = next(s * 10 ** k for k in range(0, 15) for s in (1, 2, 5) if top / (s * 10 ** k) <= 5)
    ceiling = -(-top // step) * step
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    slot = plot_w / len(months)
    bar = slot * 0.36

    def y(v):
        return round(c["top"] + plot_h - plot_h * v / ceiling, 1)

    bars = []
    for i, m in enumerate(months):
        x0 = c["left"] + i * slot + slot * 0.12
        bars.append({"month": m["month"], "label": m["month"][2:].replace("-", "."),
                     "x_label": round(c["left"] + i * slot + slot / 2, 1),
                     "opened": {"n": m["opened"], "x": round(x0, 1), "y": y(m["opened"]),
                                "h": round(y(0) - y(m["opened"]), 1)},
                     "closed": {"n": m["closed"], "x": round(x0 + bar, 1), "y": y(m["closed"]),
                                "h": round(y(0) - y(m["closed"]), 1)}})
    grid = [{"v": v, "y": y(v)} for v in range(0, ceiling + 1, step)]
    return {**c, "bars": bars, "grid": grid, "bar_w": round(bar, 1), "base_y": y(0),
            "plot_right": c["width"] - c["right"]}


@router.get("/dashboard", name="dashboard")
def dashboard(request: Request, user: WebUser = Depends(page_user), svc=Depends(services_dep)):
    figures = svc.worklist.dashboard()
    return page(request, "dashboard.html.j2", d=figures, chart=month_chart(figures["months"]))


# -- 异常 -------------------------------------------------------------------------------------------------------

def _incidents_page(request: Request, svc, user: WebUser, *, show_all: bool, retried: dict | None = None):
    return page(request, "incidents.html.j2", incidents=svc.sweep.list_incidents(include_resolved=show_all),
                show_all=show_all, retried=retried, may_retry=user.has("approver"),
                labels={"expiry": "期限届满处理", "reminder": "期限提醒"})


@router.get("/incidents", name="incidents")
def incidents(request: Request, all: str | None = None,  # noqa: A002 - the command line's --all
              user: WebUser = Depends(require_roles(*AUDIT_READERS)), svc=Depends(services_dep)):
    return _incidents_page(request, svc, user, show_all=_flag(all))


@router.post("/incidents/{incident_id}/retry", name="incident_retry")
def incident_retry(request: Request, incident_id: str, user: WebUser = Depends(require_roles("approver")),
                   svc=Depends(services_dep)):
    if not incident_id.isdigit() or not 1 <= int(incident_id) <= MAX_ID:
        raise BadInput(f"异常编号 {incident_id!r} 无效；请从异常列表中选择", code="unknown_incident")
    out = svc.sweep.retry_incident(int(incident_id))
    return _incidents_page(request, svc, user, show_all=False, retried=out)
