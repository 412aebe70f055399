"""Server-rendered pages: one Jinja2 environment (autoescape on) over workflows/web/templates.

Every template extends base.html.j2 (blocks `title`, `content`, optional `head`) and sees `user` (WebUser or
None), `csrf_token`, `request`, the global `csrf_field()` (the hidden input every POST form carries) and the
filters `bj` ("2026-12-01 21:30", Beijing time) and `bj_date` ("2026-12-01").
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, pass_context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from calendars import SHANGHAI

NAV = (("我的待办", "/"), ("待审批", "/approvals"), ("概览", "/dashboard"), ("审计", "/audit"),
       ("异常", "/incidents"), ("公示栏", "/public"), ("信用查询", "/credit"))


def _instant(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:  # the store's instants are UTC; a naive one is read as such
            from datetime import timezone

            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(SHANGHAI)
    return None


def bj(value) -> str:
    """An instant (aware datetime or ISO string) in Beijing time, to the minute; a date as itself."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 10:
        return value
    instant = _instant(value)
    return instant.strftime("%Y-%m-%d %H:%M") if instant is not None else ""


def bj_date(value) -> str:
    """The Beijing calendar day of an instant, or a date (or ISO date string) as itself."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 10:
        return value
    instant = _instant(value)
    return instant.date().isoformat() if instant is not None else ""


@pass_context
def csrf_field(context) -> Markup:
    token = context.get("csrf_token") or ""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(token)}">')


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("workflows.web", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["bj"] = bj
    env.filters["bj_date"] = bj_date
    env.globals["csrf_field"] = csrf_field
    env.globals["NAV"] = NAV
    return env


def base_context(request: Request) -> dict:
    from .deps import optional_user

    session = request.scope.get("creditflow.session")
    try:
        user = optional_user(request) if "app" in request.scope else None
    except Exception:  # noqa: BLE001 - an error page must render even when the store cannot say who is here
        user = None
    return {"request": request, "user": user, "csrf_token": session.csrf_token if session is not None else "",
            "path": request.url.path}


def page(request: Request, template: str, *, status_code: int = 200, **context) -> HTMLResponse:
    """Render `template` with the base context (user, csrf_token, request) and `context`."""
    html = environment().get_template(template).render({**base_context(request), **context})
    return HTMLResponse(html, status_code=status_code)
