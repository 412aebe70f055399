"""Login and logout (the form at /login: `username`, `password`, `csrf_token`).

Login is rate-limited per account and per address (ratelimit.py: rows, shared by every web process); a
wrong name, a wrong password, a user without a password and `system` all get the same answer.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse

from . import ratelimit
from .csrf import SESSION_MAX_AGE, session_of
from .deps import optional_user, services
from .render import page

router = APIRouter(include_in_schema=False)

BAD_LOGIN = "用户名或口令不正确，未登录；请核对后重试（口令区分大小写）"


def safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (`//evil`, `https://…`) after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(ch) < 32 for ch in target):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html.j2", next=safe_next(next))


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/"),
          svc=Depends(services)):
    name = username.strip()[:64]
    target = safe_next(next)
    bucket, limit, window = ratelimit.LOGIN_ADDRESS
    allowed = ratelimit.hit(svc, bucket, ratelimit.client_address(request), limit=limit, window_seconds=window)
    if allowed and name:
        bucket, limit, window = ratelimit.LOGIN_ACCOUNT
        allowed = ratelimit.hit(svc, bucket, name.casefold(), limit=limit, window_seconds=window)
    if not allowed:
        minutes = window // 60
        return page(request, "login.html.j2", status_code=429, username=name, next=target,
                    error=f"登录尝试过于频繁，已暂停受理；请 {minutes} 分钟后再试（creditflow policy: 登录按账户和地址限次）")
    found = svc.accounts.authenticate(name, password) if name and password else None
    if found is None:
        return page(request, "login.html.j2", status_code=401, username=name, next=target, error=BAD_LOGIN)
    session_of(request).login(svc.accounts.open_session(found["name"], max_age_seconds=SESSION_MAX_AGE))
    request.state.web_user = None  # the page after the redirect reads the new session
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, svc=Depends(services)):
    session = session_of(request)
    if session.secret:
        svc.accounts.end_session(session.secret)  # ended on the server: a copy of the cookie is worth nothing
    session.logout()
    return RedirectResponse("/login?out=1", status_code=303)
