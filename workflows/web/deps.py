"""What a route depends on: the services, the user (session cookie or bearer token), the roles.

`page_user` sends a visitor who is not logged in to /login; `api_user` answers 401. For an unsafe request
(POST …) every user dependency also refuses a user whose roles are all read-only (the auditor): 403 with the
engine's own rule code `READ-ONLY`, before any service runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from ..auditing import READ_ONLY_ROLES
from .csrf import SESSION_MAX_AGE, UNSAFE, bearer_token
from .errors import Forbidden, LoginRequired, NotAuthenticated, ROLE_ARTICLE, is_api

ROLE_LABELS = {"handler": "经办人", "approver": "审核人", "auditor": "审计人员"}
READ_ONLY_ARTICLE = "creditflow policy: 审计人员只读，不办理任何案件"


@dataclass(frozen=True)
class WebUser:
    name: str
    roles: frozenset[str]
    display_name: str | None = None
    via: Literal["session", "token"] = "session"

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def read_only(self) -> bool:
        return bool(self.roles) and self.roles <= READ_ONLY_ROLES

    @property
    def role_labels(self) -> str:
        return "、".join(ROLE_LABELS.get(r, r) for r in sorted(self.roles))


def services(request: Request):
    """The app's one `Services`."""
    return request.app.state.services


_UNSET = object()


def optional_user(request: Request) -> WebUser | None:
    """The user of this request, or None: a bearer token (if the request carries one, only it counts), else
    the session cookie. Read once per request (roles and password as stored now)."""
    cached = getattr(request.state, "web_user", _UNSET)
    if cached is not _UNSET:
        return cached
    svc = services(request)
    token = bearer_token(request.headers)
    user = None
    if token is not None:
        found = svc.accounts.token_user(token)
        if found is not None:
            user = WebUser(found["name"], frozenset(found["roles"]), via="token")
    else:
        session = request.scope.get("creditflow.session")
        if session is not None and session.secret:
            found = svc.accounts.session_user(session.secret, max_age_seconds=SESSION_MAX_AGE)
            if found is not None:
                user = WebUser(found["name"], frozenset(found["roles"]), via="session")
            else:
                session.logout()  # ended elsewhere, expired, or a new password: the cookie forgets it
    request.state.web_user = user
    return user


def _writable(request: Request, user: WebUser) -> WebUser:
    if request.method in UNSAFE and user.read_only:
        raise Forbidden(f"审计人员只能查阅，不能办理：用户 {user.name} 仅有审计角色，本操作未执行",
                        code="READ-ONLY", article=READ_ONLY_ARTICLE)
    return user


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def page_user(request: Request) -> WebUser:
    """A logged-in user, or a redirect to /login?next=<this page>."""
    user = optional_user(request)
    if user is None:
        raise LoginRequired(_here(request))
    return _writable(request, user)


def api_user(request: Request) -> WebUser:
    """A user by session cookie or `Authorization: Bearer <token>`, or 401."""
    user = optional_user(request)
    if user is None:
        if bearer_token(request.headers) is not None:
            raise NotAuthenticated("令牌无效或已吊销；请用 creditflow user token NAME 重新签发", code="bad_token")
        raise NotAuthenticated("未登录：请先登录（/login），或带请求头 Authorization: Bearer <令牌>")
    return _writable(request, user)


def require_roles(*roles: str):
    """A dependency: the user (page_user under pages, api_user under /api), refused 403 unless they hold
    one of `roles`."""
    wanted = frozenset(roles)

    def dependency(request: Request) -> WebUser:
        user = api_user(request) if is_api(request) else page_user(request)
        if not user.roles & wanted:
            need = "或".join(ROLE_LABELS.get(r, r) for r in roles)
            raise Forbidden(f"此操作须由{need}办理；用户 {user.name} 没有该角色", code="ROLE", article=ROLE_ARTICLE,
                            allowed=sorted(wanted))
        return user

    return dependency
