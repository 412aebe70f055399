"""Web test helpers (other web tests import them): an app on a fresh store, and a logged-in client.

    from web_fixtures import web_app, login, PASSWORDS   # `web_app` is a fixture: import it into the test module

    def test_x(web_app):
        client_for, svc = web_app           # svc: initialised, users alice, bob, carol, audrey with passwords
        client = login(client_for(), "alice")  # session cookie set, X-CSRF-Token header set
        client.post("/api/cases/1/actions/accept", json={})
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import make_services

# The users of conftest's `svc` fixture, each with a password here.
USERS = {"alice": ["handler"], "bob": ["approver"], "carol": ["handler", "approver"], "audrey": ["auditor"]}
PASSWORDS = {name: f"pw-{name}-2026" for name in USERS}

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def make_web(url: str, home, **settings_values):
    """(client factory, services) on a new store at `url`: initialised, the four users with passwords."""
    from workflows.web.app import create_app

    svc = make_services(url, home, **settings_values)
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                        court="郑州铁路运输法院")
    for name, roles in USERS.items():
        svc.deployment.add_user(name, roles)
        svc.accounts.set_password(name, PASSWORDS[name])
    app = create_app(svc)

    def client_for(**kwargs) -> TestClient:
        kwargs.setdefault("follow_redirects", False)
        return TestClient(app, **kwargs)

    return client_for, svc


def cheap_hashing(monkeypatch) -> None:
    """argon2 with the least work (still argon2id): the tests check what is hashed, not how slowly; the
    deployment's parameters (argon2-cffi's defaults) take about a second a hash on a loaded machine."""
    from argon2 import PasswordHasher

    from workflows.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def web_app(db_url, tmp_path, monkeypatch):
    """(client factory, services), on SQLite and on PostgreSQL (the `db_url` backends)."""
    cheap_hashing(monkeypatch)
    client_for, svc = make_web(db_url, tmp_path)
    yield client_for, svc
    svc.db.dispose()


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a page's <meta name="csrf-token"> (the page also sets the cookie)."""
    response = client.get(path)
    found = _CSRF_META.search(response.text)
    assert found, f"no csrf-token meta on {path} ({response.status_code})"
    return found.group(1)


def login(client: TestClient, name: str, password: str | None = None) -> TestClient:
    """Log `client` in as `name` (its password from PASSWORDS unless given); afterwards the client sends the
    new session's CSRF token as X-CSRF-Token on every request."""
    token = csrf_token(client)
    response = client.post("/login", data={"username": name, "password": password or PASSWORDS[name],
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, f"login as {name} failed: {response.status_code} {response.text[:300]}"
    client.headers["X-CSRF-Token"] = client.get("/api/session").json()["csrf_token"]
    return client
