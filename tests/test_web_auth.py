"""Who may log in and how: argon2 passwords, signed server-backed sessions, logout, CSRF on every unsafe
request, bearer tokens, login rate limits as rows; the `user password` / `user token` commands; migration 0012."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, insert, inspect, select

from conftest import HOSPITAL_USCC, make_services, stored_counts
from web_fixtures import PASSWORDS, cheap_hashing, csrf_token, login, web_app  # noqa: F401
from workflows.store.tables import api_tokens, deployment, rate_limit_hits, user_passwords, users, web_sessions

EVALUATION = {"kind": "evaluation", "subject": HOSPITAL_USCC, "inputs": {"year": 2025, "score": 78.5}}


def _post_login(client, name, password, token=None):
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": token if token is not None else csrf_token(client)})


def _set_cookie(response) -> str:
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1, cookies
    return cookies[0]


def _me(client):
    return client.get("/api/session").json()["user"]


# -- login, session, logout ----------------------------------------------------------------------------------

def test_login_opens_a_signed_http_only_session_that_logout_ends_everywhere(web_app):
    client_for, svc = web_app
    client = client_for()
    first = client.get("/login")
    assert first.status_code == 200 and 'name="csrf_token"' in first.text
    anonymous = _set_cookie(first)
    assert "HttpOnly" in anonymous and "SameSite=Lax" in anonymous and "Secure" not in anonymous
    assert _me(client) is None

    response = _post_login(client, "alice", PASSWORDS["alice"])
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert _me(client) == {"name": "alice", "roles": ["handler"], "via": "session"}
    with svc.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(web_sessions)
                            .where(web_sessions.c.ended_at.is_(None))).scalar_one() == 1
    stolen = dict(client.cookies)  # a copy of the logged-in cookie, as if taken from the browser

    assert client.post("/logout").status_code == 403  # logout is a form too: no token, no logout
    token = client.get("/api/session").json()["csrf_token"]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and _me(client) is None
    replay = client_for(cookies=stolen)
    assert _me(replay) is None  # ended on the server: the copy is worth nothing
    assert replay.get("/api/cases").status_code == 401


def test_the_cookie_is_secure_over_https(web_app):
    client_for, _ = web_app
    response = client_for(base_url="https://testserver").get("/login")
    cookie = _set_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_tampered_cookie_is_no_session(web_app):
    client_for, _ = web_app
    client = login(client_for(), "alice")
    value = client.cookies["creditflow_session"]
    forged = client_for(cookies={"creditflow_session": value[:-2] + ("AA" if value[-2:] != "AA" else "BB")})
    assert _me(forged) is None and forged.get("/api/cases").status_code == 401


def test_wrong_password_unknown_user_no_password_and_system_get_the_same_answer(web_app):
    client_for, svc = web_app
    svc.deployment.add_user("dave", ["handler"])  # no password set
    with svc.db.begin() as conn:  # even a hash planted for `system` does not let it in
        from argon2 import PasswordHasher

        from workflows import clock

        system = conn.execute(select(users.c.id).where(users.c.name == "system")).scalar_one()
        conn.execute(insert(user_passwords).values(user_id=system, password_hash=PasswordHasher().hash("system-pass"),
                                                   changed_at=clock.real_now()))
    client = client_for()
    answers = set()
    for name, password in (("alice", "wrong-password"), ("nobody", "whatever-1"), ("dave", "anything-1"),
                           ("system", "system-pass"), ("alice", ""), ("", PASSWORDS["alice"]),
                           ("ali\x00ce", PASSWORDS["alice"]), ("x" * 5000, "y" * 5000)):
        response = _post_login(client, name, password)
        assert response.status_code == 401, (name, response.status_code)
        assert "用户名或口令不正确" in response.text
        answers.add(response.text.split('role="alert">')[1].split("<")[0])
        assert _me(client) is None
    assert len(answers) == 1


def test_passwords_are_argon2_and_refused_for_system_and_when_short(web_app):
    _, svc = web_app
    with svc.db.connect() as conn:
        stored = conn.execute(select(user_passwords.c.password_hash)).scalars().all()
    assert len(stored) == 4 and all(h.startswith("$argon2id$") for h in stored)
    assert not any(p in h for h in stored for p in PASSWORDS.values())
    from workflows.errors import BadInput

    for name, password, code in (("system", "long-enough-1", "system_user"), ("alice", "short", "bad_password"),
                                 ("alice", "with\nnewline", "bad_password"), ("nobody", "long-enough-1", "unknown_user")):
        with pytest.raises(BadInput) as info:
            svc.accounts.set_password(name, password)
        assert info.value.code == code
    with pytest.raises(BadInput):
        svc.accounts.issue_token("system")
    # `public`, the account the public board acts as, is no person either: no user of that name, no password
    for attempt in (lambda: svc.deployment.add_user("public", ["handler"]),
                    lambda: svc.accounts.set_password("public", "long-enough-1"),
                    lambda: svc.accounts.issue_token("Public")):
        with pytest.raises(BadInput):
            attempt()


def test_a_new_password_ends_the_users_sessions(web_app):
    client_for, svc = web_app
    client = login(client_for(), "alice")
    other = login(client_for(), "bob")
    svc.accounts.set_password("alice", "a-new-password-9")
    assert _me(client) is None and _me(other)["name"] == "bob"
    assert _post_login(client_for(), "alice", PASSWORDS["alice"]).status_code == 401
    assert _post_login(client_for(), "alice", "a-new-password-9").status_code == 303


def test_after_login_only_a_path_of_this_site(web_app):
    client_for, _ = web_app
    for target, expected in (("/cases/3?tab=log", "/cases/3?tab=log"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil", "/")):
        client = client_for()
        response = client.post("/login", data={"username": "alice", "password": PASSWORDS["alice"],
                                               "csrf_token": csrf_token(client), "next": target})
        assert response.status_code == 303 and response.headers["location"] == expected
    response = client_for().get("/dashboard")  # a page asks a visitor to log in first, and comes back after
    if response.status_code == 303:
        assert response.headers["location"] == "/login?next=/dashboard"


# -- rate limits ---------------------------------------------------------------------------------------------

def test_login_is_rate_limited_per_account_and_per_address_across_processes(web_app, monkeypatch):
    from workflows.web import app as app_module, ratelimit

    client_for, svc = web_app
    monkeypatch.setattr(ratelimit, "LOGIN_ACCOUNT", ("login_account", 3, 900))
    monkeypatch.setattr(ratelimit, "LOGIN_ADDRESS", ("login_address", 6, 900))
    # A second web process on the same store: its own Services and app; the counts are rows, so it sees them.
    second = make_services(svc.settings.database_url, svc.settings.home)
    from fastapi.testclient import TestClient

    other_process = TestClient(app_module.create_app(second), follow_redirects=False)
    try:
        client = client_for()
        for _ in range(2):
            assert _post_login(client, "alice", "wrong-password").status_code == 401
        assert _post_login(other_process, "alice", "wrong-password").status_code == 401
        refused = _post_login(client, "alice", PASSWORDS["alice"])  # the right password, too late
        assert refused.status_code == 429 and "过于频繁" in refused.text and _me(client) is None
        assert _post_login(other_process, "alice", PASSWORDS["alice"]).status_code == 429
        # Another account from the same address is still let in, until the address's own limit.
        assert _post_login(client, "bob", PASSWORDS["bob"]).status_code == 303
        assert _post_login(client_for(), "carol", "wrong-password").status_code == 429  # the address has had 6
        with svc.db.connect() as conn:
            counted = dict(conn.execute(select(rate_limit_hits.c.bucket, func.count())
                                        .group_by(rate_limit_hits.c.bucket)).all())
        assert counted == {"login_account": 4, "login_address": 6}  # refused attempts are not recorded
    finally:
        second.db.dispose()


def test_rate_limit_window_forgets_old_attempts(web_app):
    from datetime import timedelta

    from workflows import clock
    from workflows.web import ratelimit

    _, svc = web_app
    assert [ratelimit.hit(svc, "t", "k", limit=2, window_seconds=60) for _ in range(3)] == [True, True, False]
    assert ratelimit.hit(svc, "t", "other", limit=2, window_seconds=60)
    with svc.db.begin() as conn:  # the two attempts happened two minutes ago
        conn.execute(rate_limit_hits.update().where(rate_limit_hits.c.key == "k")
                     .values(at=clock.real_now() - timedelta(minutes=2)))
    assert ratelimit.hit(svc, "t", "k", limit=2, window_seconds=60)
    with svc.db.connect() as conn:  # the old rows were pruned
        assert conn.execute(select(func.count()).select_from(rate_limit_hits)
                            .where(rate_limit_hits.c.key == "k")).scalar_one() == 1
    with svc.db.begin() as conn:  # a key never seen again is forgotten too, once its window is over
        conn.execute(rate_limit_hits.update().where(rate_limit_hits.c.key == "other")
                     .values(at=clock.real_now() - timedelta(minutes=2)))
    assert ratelimit.hit(svc, "t", "k", limit=2, window_seconds=60)
    with svc.db.connect() as conn:
        assert conn.execute(select(rate_limit_hits.c.key).where(rate_limit_hits.c.bucket == "t")).scalars().all() == ["k", "k"]


# -- CSRF ----------------------------------------------------------------------------------------------------

def test_a_form_without_its_csrf_token_is_refused(web_app):
    client_for, _ = web_app
    client = client_for()
    token = csrf_token(client)
    for data in ({"username": "alice", "password": PASSWORDS["alice"]},
                 {"username": "alice", "password": PASSWORDS["alice"], "csrf_token": ""},
                 {"username": "alice", "password": PASSWORDS["alice"], "csrf_token": token[:-1] + "x"}):
        response = client.post("/login", data=data)
        assert response.status_code == 403 and "CSRF" in response.text and _me(client) is None
    # Another visitor's token does not fit this session; nor does any token without a session cookie.
    elsewhere = csrf_token(client_for())
    assert _post_login(client, "alice", PASSWORDS["alice"], token=elsewhere).status_code == 403
    assert client_for().post("/login", data={"username": "alice", "password": PASSWORDS["alice"],
                                             "csrf_token": token}).status_code == 403
    # multipart forms are checked the same way
    response = client.post("/login", files={"username": (None, "alice"), "password": (None, PASSWORDS["alice"])})
    assert response.status_code == 403
    response = client.post("/login", files={"username": (None, "alice"), "password": (None, PASSWORDS["alice"]),
                                            "csrf_token": (None, token)})
    assert response.status_code == 303


def test_an_api_call_with_a_session_needs_the_csrf_header(web_app):
    client_for, svc = web_app
    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    client = login(client_for(), "alice")
    token = client.headers.pop("X-CSRF-Token")
    before = stored_counts(svc)
    response = client.post("/api/cases", json=EVALUATION)
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf"
    response = client.post("/api/cases", json=EVALUATION, headers={"X-CSRF-Token": "not-the-token"})
    assert response.status_code == 403
    # a form field does not stand in for the header under /api
    assert client.post("/api/cases/1/actions/accept", data={"csrf_token": token}).status_code == 403
    assert stored_counts(svc) == before
    response = client.post("/api/cases", json=EVALUATION, headers={"X-CSRF-Token": token})
    assert response.status_code == 201 and response.json()["state"] == "published"


def test_bearer_tokens_need_no_csrf_token_and_a_revoked_one_is_refused(web_app):
    client_for, svc = web_app
    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    issued = svc.accounts.issue_token("alice")
    with svc.db.connect() as conn:
        kept = conn.execute(select(api_tokens.c.token_hash)).scalar_one()
    assert issued["token"] not in kept and len(kept) == 64
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    client = client_for()
    assert client.get("/api/session", headers=bearer).json()["user"] == {"name": "alice", "roles": ["handler"],
                                                                         "via": "token"}
    response = client.post("/api/cases", json=EVALUATION, headers=bearer)
    assert response.status_code == 201
    # a bearer request counts only its token, never a session cookie beside it
    logged_in = login(client_for(), "bob")
    assert logged_in.get("/api/session", headers=bearer).json()["user"]["name"] == "alice"

    svc.accounts.revoke_token("alice", issued["id"])
    response = client.get("/api/cases", headers=bearer)
    assert response.status_code == 401 and response.json()["error"]["code"] == "bad_token"
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/cases", headers={"Authorization": "Bearer " + "x" * 5000}).status_code == 401
    assert client.get("/api/cases").status_code == 401


# -- roles ---------------------------------------------------------------------------------------------------

def test_the_auditor_reads_but_every_write_is_refused(web_app):
    client_for, svc = web_app
    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    case = svc.cases.open("evaluation", "alice", {"year": 2025, "score": 78.5}, subject=HOSPITAL_USCC)["case_id"]
    auditor = login(client_for(), "audrey")
    assert auditor.get(f"/api/cases/{case}").status_code == 200
    assert auditor.get("/api/audit/verify").json()["ok"] is True
    before = stored_counts(svc)
    for path, body in (("/api/cases", EVALUATION), (f"/api/cases/{case}/actions/correct_notice", {}),
                       (f"/api/cases/{case}/assign", {"assignee": "alice"}),
                       ("/api/subjects", {"name": "郑州市另一医院", "type": "hospital", "uscc": "91410100MA00000000"})):
        response = auditor.post(path, json=body)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "READ-ONLY" and response.json()["error"]["article"]
    assert stored_counts(svc) == before
    token = svc.accounts.issue_token("audrey")["token"]  # the same through a token
    response = client_for().post("/api/cases", json=EVALUATION, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "READ-ONLY"
    # logging out is no write to the store's cases: the auditor may
    assert auditor.post("/logout", data={"csrf_token": auditor.headers["X-CSRF-Token"]}).status_code == 303


def test_endpoints_check_the_role(web_app):
    client_for, svc = web_app
    handler = login(client_for(), "alice")
    response = handler.post("/api/incidents/1/retry")
    assert response.status_code == 403 and response.json()["error"]["code"] == "ROLE"
    assert handler.get("/api/audit/verify").status_code == 403
    approver = login(client_for(), "bob")
    assert approver.post("/api/incidents/1/retry").status_code == 404  # allowed; there is no incident 1
    assert approver.get("/api/audit/verify").status_code == 200


# -- the session key -----------------------------------------------------------------------------------------

def test_the_session_key_is_made_once_shared_and_never_shown(web_app):
    client_for, svc = web_app
    with svc.db.connect() as conn:
        keys = conn.execute(select(deployment.c.value).where(deployment.c.key == "web_session_key")).scalars().all()
    assert len(keys) == 1 and len(keys[0]) >= 48
    out = svc.deployment.init()
    assert "web_session_key" not in out["deployment"] and keys[0] not in json.dumps(out, ensure_ascii=False)
    assert svc.accounts.session_key() == keys[0]  # init again keeps it
    # A cookie signed by one process is read by another on the same store.
    client = login(client_for(), "alice")
    second = make_services(svc.settings.database_url, svc.settings.home)
    try:
        from fastapi.testclient import TestClient

        from workflows.web.app import create_app

        other = TestClient(create_app(second), cookies=dict(client.cookies))
        assert _me(other)["name"] == "alice"
    finally:
        second.db.dispose()


def test_migration_0012_down_and_up(web_app):
    from alembic import command

    from workflows.store.schema import _config

    client_for, svc = web_app
    login(client_for(), "alice")
    with svc.db.begin() as conn:
        command.downgrade(_config(conn), "0011")
    with svc.db.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert not tables & {"user_passwords", "api_tokens", "web_sessions", "rate_limit_hits"}
        assert conn.execute(select(deployment.c.key).where(deployment.c.key == "web_session_key")).first() is None
    with svc.db.begin() as conn:
        command.upgrade(_config(conn), "head")
    with svc.db.connect() as conn:
        assert {"user_passwords", "api_tokens", "web_sessions", "rate_limit_hits"} <= set(inspect(conn).get_table_names())
        assert conn.execute(select(deployment.c.value).where(deployment.c.key == "web_session_key")).scalar_one()
    assert svc.audit.verify()["ok"]


# -- the command line ----------------------------------------------------------------------------------------

@pytest.fixture
def cli(db_url, tmp_path, monkeypatch, capsys):
    cheap_hashing(monkeypatch)
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))

    def run(*args, stdin: str | None = None, json_out: bool = True):
        from workflows.cli import main

        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(list(args) + (["--json"] if json_out else []))
        out = capsys.readouterr()
        return info.value.code or 0, (json.loads(out.out) if json_out and out.out.strip() else out.out), out.err

    return run


def test_user_password_from_stdin_and_user_token(cli, db_url, tmp_path):
    assert cli("init")[0] == 0
    assert cli("user", "add", "alice", "--role", "handler")[0] == 0
    code, out, _ = cli("user", "password", "alice", "--stdin", stdin="correct horse battery\n")
    assert code == 0 and out == {"name": "alice", "password_set": True}
    svc = make_services(db_url, tmp_path)
    try:
        assert svc.accounts.authenticate("alice", "correct horse battery")["name"] == "alice"
        assert svc.accounts.authenticate("alice", "correct horse battery\n") is None
    finally:
        svc.db.dispose()
    code, out, err = cli("user", "password", "alice", "--stdin", stdin="short\n")
    assert code == 2 and out["error"]["code"] == "bad_password" and "8" in err
    code, out, err = cli("user", "password", "system", "--stdin", stdin="long-enough-1\n")
    assert code == 2 and out["error"]["code"] == "system_user"
    code, out, err = cli("user", "password", "alice", stdin="not a terminal\n")  # no --stdin, no terminal
    assert code == 2 and out["error"]["code"] == "no_terminal"

    code, issued, _ = cli("user", "token", "alice")
    assert code == 0 and issued["token"].startswith("cft_") and issued["id"] == 1
    code, listed, _ = cli("user", "token", "alice", "--list")
    assert code == 0 and [t["id"] for t in listed["tokens"]] == [1] and issued["token"] not in json.dumps(listed)
    assert listed["tokens"][0]["revoked_at"] is None
    code, text, _ = cli("user", "token", "alice", json_out=False)
    assert code == 0 and "只显示这一次" in text and "cft_" in text
    assert cli("user", "token", "alice", "--revoke", "1")[1] == {"name": "alice", "id": 1, "revoked": True}
    code, out, _ = cli("user", "token", "alice", "--revoke", "1")  # already revoked
    assert code == 2 and out["error"]["code"] == "unknown_token"
    code, out, _ = cli("user", "token", "alice", "--revoke", "0")
    assert code == 2
    code, out, _ = cli("user", "token", "nobody")
    assert code == 2 and out["error"]["code"] == "unknown_user"


# -- the demo ------------------------------------------------------------------------------------------------

def test_the_demo_users_log_in_with_their_documented_passwords(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from workflows.demo import DEMO_PASSWORD, USERS, fill_demo
    from workflows.web.app import create_app

    cheap_hashing(monkeypatch)
    svc = make_services(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)
    try:
        fill_demo(svc)
        app = create_app(svc)
        for name, _, roles, _ in USERS:
            assert DEMO_PASSWORD.format(name=name) == f"demo-{name}"  # as README and docs/web.md say
            client = TestClient(app, follow_redirects=False)
            assert _post_login(client, name, f"demo-{name}").status_code == 303, name
            assert _me(client) == {"name": name, "roles": sorted(roles), "via": "session"}
        assert _post_login(TestClient(app, follow_redirects=False), "zhangmin", "demo-liuyang").status_code == 401
    finally:
        svc.db.dispose()
