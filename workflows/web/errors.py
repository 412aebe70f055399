"""The one mapping of errors to HTTP responses, for the API (JSON) and the pages (error.html.j2).

| error | status | body |
|---|---|---|
| `BadInput` (and request validation, a calendar error, a number too large to compute with, a NUL character, a value the database refuses) | 400 | `{"error": {code, message, article, allowed}}` |
| `BadInput` naming an unknown case, notice, subject, incident, timer or attachment (`NOT_FOUND_CODES`), an unknown address | 404 | same |
| `NotAuthenticated` (no session, bad or revoked token) | 401 | same (pages: a redirect to /login) |
| `Forbidden` (the role; an auditor's write: code `READ-ONLY`), `CsrfRefused` (code `csrf`) | 403 | same |
| `Refused` (a rule: its code and article) | 409 | same |
| `Conflict` (a stale `expected_version`) | 409 | same, plus `"current_version"` |
| `Unavailable`, the store unreachable | 503 | same |
| anything else | 500 | `internal_error`, never a traceback |

Route code calls the services and lets errors propagate; nothing else turns an error into a response.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..errors import BadInput, Conflict, CreditflowError, Refused, Unavailable, unreachable_message
from .csrf import CSRF_ARTICLE, CsrfRefused

log = logging.getLogger("creditflow.web")

NOT_FOUND_CODES = frozenset({"unknown_case", "unknown_notice", "unknown_subject", "unknown_incident",
                             "unknown_timer", "unknown_attachment", "unknown_route", "unknown_checkpoint"})
ROLE_ARTICLE = "creditflow policy: 每个页面和接口按角色（经办人、审核人、审计人员）授权"


class NotAuthenticated(CreditflowError):
    """No logged-in user, or a bearer token that is unknown or revoked: 401."""

    code = "not_authenticated"


class Forbidden(CreditflowError):
    """The user's roles do not allow this page or endpoint: 403."""

    code = "forbidden"


class LoginRequired(Exception):
    """A page asked for by a visitor who is not logged in: a redirect to /login?next=…"""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def _payload(code: str, message: str, article: str = "", allowed: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "article": article, "allowed": list(allowed or [])}}


def classify(request: Request, exc: BaseException) -> tuple[int, dict]:
    """(status, error JSON) for `exc`: the table above."""
    from calendars import CalendarError

    if isinstance(exc, CsrfRefused):
        return 403, _payload("csrf", exc.message, CSRF_ARTICLE)
    if isinstance(exc, NotAuthenticated):
        return 401, exc.to_dict()
    if isinstance(exc, Forbidden):
        return 403, exc.to_dict()
    if isinstance(exc, Conflict):
        body = exc.to_dict()
        body["current_version"] = _current_version(request)
        return 409, body
    if isinstance(exc, Refused):
        return 409, exc.to_dict()
    if isinstance(exc, BadInput):
        return (404 if exc.code in NOT_FOUND_CODES else 400), exc.to_dict()
    if isinstance(exc, Unavailable):
        return 503, exc.to_dict()
    if isinstance(exc, CalendarError):
        from ..cli import CALENDAR_ARTICLES

        return 400, _payload(exc.code, str(exc), CALENDAR_ARTICLES.get(exc.code, CALENDAR_ARTICLES["calendar.invalid"]))
    if isinstance(exc, RequestValidationError):
        return 400, _validation_payload(exc)
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, _http_payload(exc)
    if isinstance(exc, OverflowError):  # a number so large that a date or a sum cannot hold it: the input's fault
        return 400, _payload("out_of_range", "请求中的数值过大，超出可计算的范围（日期须在 2000 至 2099 年之间），未作任何更改；"
                                             "请改用合理的数值后重试")
    if isinstance(exc, CreditflowError):  # an error of the store or the log found while answering
        log.error("creditflow error answering %s %s: %s", request.method, request.url.path, exc.message)
        return 500, exc.to_dict()
    db = _database_error(exc)
    if db is not None:
        return db
    log.exception("internal error answering %s %s", request.method, request.url.path, exc_info=exc)
    return 500, _payload("internal_error", f"内部错误（{type(exc).__name__}），未作任何更改；请稍后重试，"
                                           "如仍出现请报告系统管理员（服务日志中有详情）")


def _current_version(request: Request) -> int | None:
    """The case's version now, read afresh, for a client that sent a stale `expected_version`."""
    case_id = request.path_params.get("case_id")
    if case_id is None:
        return None
    try:
        return request.app.state.services.cases.show(int(case_id))["version"]
    except Exception:  # noqa: BLE001 - the conflict is the answer; the version is a courtesy
        return None


def _validation_payload(exc: RequestValidationError) -> dict:
    parts, names = [], []
    for err in exc.errors()[:5]:
        where = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "form")]
        name = "请求体" if err.get("type") == "json_invalid" else (".".join(where) or "请求体")
        names.append(name)
        parts.append(f"{name}：{_validation_reason(err)}")
    message = "请求内容有误，未作任何更改：" + "；".join(parts) + "；请按接口文档（/api/docs）改正后重试"
    return _payload("bad_request", message, "", names)


def _validation_reason(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "必填，未提供"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "须为整数"
    if kind in ("greater_than_equal", "greater_than"):
        return f"须不小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"须不大于 {ctx.get('le', ctx.get('lt'))}"
    if kind in ("bool_parsing", "bool_type"):
        return "须为 true 或 false"
    if kind in ("string_type",):
        return "须为文本"
    if kind in ("string_too_long",):
        return f"过长（上限 {ctx.get('max_length')} 个字符）"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "须为 JSON 对象"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    if kind == "extra_forbidden":
        return "不是本接口的字段"
    return "格式不正确"


def _http_payload(exc: StarletteHTTPException) -> dict:
    if exc.status_code == 404:
        return _payload("unknown_route", "没有这个地址；请检查网址（接口列表见 /api/docs）")
    if exc.status_code == 405:
        return _payload("method_not_allowed", "该地址不接受这种请求方法；请按接口文档（/api/docs）调用")
    detail = exc.detail if isinstance(exc.detail, str) else "请求无法处理"
    return _payload("http_error", detail)


def _database_error(exc: BaseException) -> tuple[int, dict] | None:
    try:
        from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        return None
    if isinstance(exc, DataError):  # the database refused a value (a NUL character, a number out of its range)
        return 400, _payload("bad_value", "请求中有无法保存的值（含空字符 NUL、过长或数值超出范围），未作任何更改；请改正后重试")
    if isinstance(exc, (OperationalError, InterfaceError)):
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        log.error("store unreachable: %s", detail[0] if detail else type(exc).__name__)
        return 503, _payload("store_unreachable", unreachable_message("数据库暂时无法访问"))
    if isinstance(exc, DBAPIError):
        log.exception("database error", exc_info=exc)
        return 500, _payload("store_error", "数据库操作失败，未作任何更改；请稍后重试，如仍出现请报告系统管理员")
    return None


def error_response(request: Request, exc: BaseException) -> Response:
    """The response for `exc`: JSON under /api (and for htmx), else the error page."""
    if isinstance(exc, LoginRequired):
        target = "/login?next=" + quote(exc.next_path, safe="/")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    status, body = classify(request, exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if is_api(request):
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401:  # a page: log in first
        return error_response(request, LoginRequired(_here(request)))
    from .render import page

    error = body["error"]
    return page(request, "error.html.j2", status_code=status, status=status, error=error,
                current_version=body.get("current_version"))


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def install(app: FastAPI) -> None:
    """Every error goes through `error_response`."""

    async def handle(request: Request, exc: Exception):
        return error_response(request, exc)

    from calendars import CalendarError
    from sqlalchemy.exc import DBAPIError

    # Specific kinds are answered by Starlette's ExceptionMiddleware; `Exception` (a real fault) by its
    # ServerErrorMiddleware, which answers the same way and then re-raises for the server's log.
    for kind in (CreditflowError, LoginRequired, CsrfRefused, RequestValidationError, StarletteHTTPException,
                 CalendarError, DBAPIError, OverflowError, Exception):
        app.add_exception_handler(kind, handle)
