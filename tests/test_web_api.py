"""The JSON API: the command line's operations with the same JSON, roles, four-eyes, and the one error
mapping (400 bad input, 401, 403, 404 unknown, 409 refused or conflict; never a 5xx for junk)."""

from __future__ import annotations

import json

import pytest

from conftest import HOSPITAL_USCC, stored_counts
from web_fixtures import login, web_app  # noqa: F401
from workflows import clock
from workflows.errors import MAX_ID

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:400])
    body = response.json()
    assert set(body["error"]) == {"code", "message", "article", "allowed"}
    assert body["error"]["message"] and "Traceback" not in response.text
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


@pytest.fixture
def story(web_app):
    """A published evaluation (carol's) and an objection to it that carol has accepted and proposed to uphold."""
    client_for, svc = web_app
    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    carol = login(client_for(), "carol")
    evaluation = carol.post("/api/cases", json={"kind": "evaluation", "subject": HOSPITAL_USCC,
                                                "inputs": {"year": 2025, "score": 78.5}})
    assert evaluation.status_code == 201
    ev = evaluation.json()["case_id"]
    objection = carol.post("/api/cases", json={"kind": "objection", "parent": ev, "inputs": {
        "grounds": [1], "received": clock.today().isoformat(), "materials": "异议申请表", "reason": "扣分依据有误"}})
    assert objection.status_code == 201, objection.text
    ob = objection.json()["case_id"]
    assert carol.post(f"/api/cases/{ob}/actions/accept", json={}).status_code == 200
    proposed = carol.post(f"/api/cases/{ob}/actions/propose_uphold", json={"score": 81, "findings": "两项扣分缺少依据"})
    assert proposed.status_code == 200 and proposed.json()["state"] == "uphold_proposed"
    return client_for, svc, carol, ev, ob


def test_reading_gives_the_same_json_as_the_command_line(story):
    client_for, svc, carol, ev, ob = story
    def same(response, expected):
        assert response.status_code == 200
        assert response.json() == json.loads(json.dumps(expected, ensure_ascii=False, default=str))

    same(carol.get(f"/api/cases/{ob}"), svc.cases.show(ob))
    same(carol.get(f"/api/cases/{ob}/actions"), {"case_id": ob, "actions": svc.cases.actions(ob, "carol", detailed=True)})
    same(carol.get(f"/api/cases/{ob}/log"), {"case_id": ob, "entries": svc.audit.log(ob)})
    same(carol.get("/api/cases"), {"cases": svc.cases.list()})
    same(carol.get("/api/cases?kind=objection&state=uphold_proposed"),
         {"cases": svc.cases.list("objection", "uphold_proposed")})
    same(carol.get("/api/cases?mine=true&limit=1"), {"cases": svc.cases.list(limit=1, mine="carol")})
    same(carol.get("/api/cases?overdue=true"), {"cases": []})
    timer = svc.cases.show(ev)["timers"][0]["name"]
    same(carol.get(f"/api/cases/{ev}/timers/{timer}/explain"), svc.cases.explain_timer(ev, timer))
    number = svc.cases.show(ob)["notices"][0]["number"]
    same(carol.get(f"/api/notices/{number}"), svc.documents.show(number))
    same(carol.get(f"/api/subjects/{HOSPITAL_USCC}"), svc.deployment.show_subject(HOSPITAL_USCC))
    same(carol.get("/api/subjects"), {"subjects": svc.deployment.list_subjects()})
    same(carol.get("/api/incidents?all=true"), {"incidents": svc.sweep.list_incidents(include_resolved=True)})
    same(carol.get("/api/users"), {"users": svc.deployment.list_users()})
    _error(carol.post(f"/api/cases/{ev}/sealed"), 409, "SEALED-READ")  # a kind without sealed entries: no reading
    deadline = carol.get("/api/calendar/deadline", params={"from": "2026-02-06", "working_days": 15}).json()
    assert deadline["last_day"] == "2026-03-05"  # the Spring Festival 2026 skipped, as `calendar deadline` says
    explained = carol.get("/api/calendar/explain", params={"from": "2026-02-06", "working_days": 15}).json()
    assert sum(d["counted"] for d in explained["days"]) == 15


def test_a_handler_cannot_approve_their_own_proposal_through_the_api(story):
    client_for, svc, carol, ev, ob = story
    before = stored_counts(svc)
    body = _error(carol.post(f"/api/cases/{ob}/actions/approve", json={}), 409, "FOUR-EYES")
    assert body["error"]["article"] and "carol" in body["error"]["message"]
    assert stored_counts(svc) == before and svc.cases.show(ob)["state"] == "uphold_proposed"
    bob = login(client_for(), "bob")
    approved = bob.post(f"/api/cases/{ob}/actions/approve", json={})
    assert approved.status_code == 200 and approved.json()["state"] != "uphold_proposed"
    assert svc.audit.log(ob)[-1]["actor"] == "bob"


def test_a_stale_version_is_a_conflict_with_the_current_version(story):
    client_for, svc, carol, ev, ob = story
    version = svc.cases.show(ob)["version"]
    bob = login(client_for(), "bob")
    body = _error(bob.post(f"/api/cases/{ob}/actions/approve", json={"expected_version": version - 1}), 409, "conflict")
    assert body["current_version"] == version
    for bad in ("3", 0, -1, MAX_ID + 1, True, 1.5):
        _error(bob.post(f"/api/cases/{ob}/actions/approve", json={"expected_version": bad}), 400, "bad_number")
    assert bob.post(f"/api/cases/{ob}/actions/approve", json={"expected_version": version}).status_code == 200


def test_refusals_name_the_rule(story):
    client_for, svc, carol, ev, ob = story
    alice = login(client_for(), "alice")
    body = _error(alice.post(f"/api/cases/{ob}/actions/approve", json={}), 409)
    assert body["error"]["code"] and body["error"]["article"]
    body = _error(carol.post(f"/api/cases/{ob}/actions/no_such_trigger", json={}), 400, "unknown_trigger")
    assert "approve" in body["error"]["allowed"]  # what may be fired now, as the command line says
    # the sweep's own triggers are the clock's: no person fires them through the API either
    body = _error(carol.post(f"/api/cases/{ev}/actions/window_expired", json={}), 409)
    assert body["error"]["code"]


def test_open_assign_and_attach(story):
    client_for, svc, carol, ev, ob = story
    bob = login(client_for(), "bob")
    assigned = bob.post(f"/api/cases/{ob}/assign", json={"assignee": "alice"})
    assert assigned.status_code == 200 and svc.cases.show(ob)["assignee"] == "alice"
    _error(bob.post(f"/api/cases/{ob}/assign", json={"assignee": "nobody"}), 400, "unknown_user")
    _error(carol.post(f"/api/cases/{ob}/assign", json={"assignee": "alice"}), 409)  # same person: refused

    before = stored_counts(svc)
    attached = carol.post(f"/api/cases/{ob}/attachments", files={"file": ("异议申请表.pdf", PDF, "application/pdf")},
                          data={"description": "扫描件"})
    assert attached.status_code == 201, attached.text
    out = attached.json()
    assert out["filename"] == "异议申请表.pdf" and out["media_type"] == "application/pdf" and out["size"] == len(PDF)
    assert [a["sha256"] for a in svc.cases.show(ob)["attachments"]] == [out["sha256"]]
    after = stored_counts(svc)
    for name, content, code in (("x.pdf", b"MZ not a pdf", "file_type"), ("empty.pdf", b"", "empty_file"),
                                ("", PDF, None)):
        response = carol.post(f"/api/cases/{ob}/attachments", files={"file": (name, content, "application/pdf")})
        assert 400 <= response.status_code < 500, response.text
        if code:
            assert response.json()["error"]["code"] == code
    assert stored_counts(svc) == after and after != before
    _error(carol.post(f"/api/cases/{ob}/actions/attach", json={"filename": "a.pdf"}), 400, "attach_by_file")


def test_opening_is_checked_as_on_the_command_line(web_app):
    client_for, svc = web_app
    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    alice = login(client_for(), "alice")
    before = stored_counts(svc)
    _error(alice.post("/api/cases", json={"kind": "nonsense", "subject": HOSPITAL_USCC}), 400, "unknown_kind")
    _error(alice.post("/api/cases", json={"kind": "evaluation", "subject": HOSPITAL_USCC, "parent": 1,
                                          "inputs": {"year": 2025, "score": 70}}), 400, "bad_target")
    _error(alice.post("/api/cases", json={"kind": "evaluation", "inputs": {"year": 2025, "score": 70}}), 400, "bad_target")
    _error(alice.post("/api/cases", json={"kind": "evaluation", "subject": HOSPITAL_USCC,
                                          "inputs": {"year": 2025, "score": 70, "colour": "red"}}), 400, "unknown_input")
    _error(alice.post("/api/cases", json={"kind": "evaluation", "subject": HOSPITAL_USCC,
                                          "inputs": {"year": 2025, "score": 170}}), 400)
    _error(alice.post("/api/cases", json={"kind": "evaluation", "subject": "91410100MA00000000",
                                          "inputs": {"year": 2025, "score": 70}}), 404, "unknown_subject")
    _error(alice.post("/api/cases", json={"kind": "evaluation", "subject": HOSPITAL_USCC, "extra": 1}), 400, "bad_request")
    assert stored_counts(svc) == before
    opened = alice.post("/api/cases", json={"kind": "医疗保障信用评价", "subject": HOSPITAL_USCC,
                                            "inputs": {"year": "2025", "score": "70"}})
    assert opened.status_code == 201 and svc.cases.show(opened.json()["case_id"])["assignee"] == "alice"


def test_unknown_things_are_404_and_bad_ids_400(web_app):
    client_for, _ = web_app
    alice = login(client_for(), "alice")
    _error(alice.get("/api/cases/7"), 404, "unknown_case")
    _error(alice.get("/api/cases/7/actions"), 404, "unknown_case")
    _error(alice.post("/api/cases/7/actions/accept", json={}), 404, "unknown_case")
    _error(alice.get("/api/notices/郑医保信评〔2026〕99号"), 404, "unknown_notice")
    _error(alice.get("/api/notices/nothing/pdf"), 404, "unknown_notice")
    _error(alice.get("/api/subjects/12345"), 404, "unknown_subject")
    _error(alice.get("/api/no/such/thing"), 404, "unknown_route")
    _error(alice.delete("/api/cases"), 405, "method_not_allowed")
    for path in ("/api/cases/abc", "/api/cases/0", "/api/cases/-3", f"/api/cases/{MAX_ID + 1}",
                 f"/api/cases/{10 ** 30}/actions", "/api/cases?limit=0", "/api/cases?overdue=perhaps",
                 f"/api/cases?due_within={MAX_ID + 1}"):
        body = _error(alice.get(path), 400)
        assert body["error"]["code"] == "bad_request" and "未作任何更改" in body["error"]["message"]


def test_junk_never_gets_a_5xx(web_app):
    client_for, svc = web_app
    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    alice = login(client_for(raise_server_exceptions=False), "alice")
    gets = ["/api/cases?kind=%00", "/api/cases?state=" + "z" * 65, f"/api/cases?due_within={MAX_ID}",
            "/api/cases/1/timers/%00/explain", "/api/notices/%E9%83%91%00", f"/api/subjects/{MAX_ID * 10}",
            "/api/subjects/%00", "/api/calendar/deadline?from=2026-02-06", "/api/calendar/deadline?from=x&days=1",
            f"/api/calendar/deadline?from=2026-02-06&days={MAX_ID}",
            f"/api/calendar/deadline?from=2026-02-06T10:00:00%2B08:00&hours={MAX_ID}",
            f"/api/calendar/explain?from=2026-02-06&months={MAX_ID}", "/api/calendar/deadline?from=2026-02-06T10:00&hours=3"]
    for path in gets:
        response = alice.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:300])
        assert set(response.json()["error"]) == {"code", "message", "article", "allowed"}
    posts = [("/api/cases", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
             ("/api/cases", {"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}}),
             ("/api/cases", {"json": [1, 2]}), ("/api/cases", {"json": {"kind": 3}}),
             ("/api/cases", {"content": ('{"kind": "evaluation", "subject": "%s", "inputs": {"year": 1e400, '
                                         '"score": %d}}' % (HOSPITAL_USCC, 10 ** 30)).encode(),
                             "headers": {"content-type": "application/json"}}),
             ("/api/cases", {"json": {"kind": "evaluation", "subject": 10 ** 30, "inputs": {}}}),
             ("/api/cases", {"json": {"kind": "evaluation", "subject": HOSPITAL_USCC,
                                      "inputs": {"year": {"a": 1}, "score": [1, 2]}}}),
             ("/api/cases/1/actions/x", {"json": {"a": "\x00" * 10}}), ("/api/cases/1/actions/x", {"json": "text"}),
             ("/api/cases", {"json": {"kind": "evaluation", "subject": "9\x00", "inputs": {"year": 2025, "score": 1}}}),
             ("/api/subjects", {"json": {"name": "甲\x00", "type": "hospital", "uscc": HOSPITAL_USCC[:-1] + "\x00"}}),
             ("/api/cases/1/assign", {"json": {"assignee": ""}}),
             ("/api/subjects", {"json": {"name": "\x1b", "type": "hospital", "uscc": HOSPITAL_USCC}}),
             ("/api/subjects", {"json": {"name": "甲", "type": "nonsense", "id_number": "x"}}),
             ("/api/cases/1/attachments", {"data": {"description": "no file"}}),
             ("/api/cases/1/attachments", {"files": {"file": ("../../etc/passwd", PDF)}}),
             ("/api/incidents/0/retry", {})]
    before = stored_counts(svc)
    for path, kwargs in posts:
        response = alice.post(path, **kwargs)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:300])
    assert stored_counts(svc) == before


def test_the_openapi_document_lists_the_api_only(web_app):
    client_for, _ = web_app
    schema = client_for().get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/actions",
            "/api/cases/{case_id}/actions/{trigger}"} <= paths
    assert all(p.startswith("/api/") for p in paths)  # the pages and /login are not API
    docs = client_for().get("/api/docs")
    assert docs.status_code == 200
    # the docs page loads its script and style from the package, not from a CDN (an intranet has none)
    import re

    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert "/static/swagger/swagger-ui-bundle.js" in sources and "/static/swagger/swagger-ui.css" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    bundle = client_for().get("/static/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000


def test_the_one_mapping_of_error_kinds():
    from starlette.requests import Request

    from workflows.errors import BadInput, Conflict, Refused, Unavailable
    from workflows.web.errors import NOT_FOUND_CODES, Forbidden, NotAuthenticated, classify

    request = Request({"type": "http", "method": "GET", "path": "/api/x", "headers": [], "query_string": b"",
                       "path_params": {}})
    for code in NOT_FOUND_CODES - {"unknown_route"}:
        assert classify(request, BadInput("没有", code=code))[0] == 404
    cases = [(BadInput("错", code="unknown_user"), 400), (Refused("不许", code="X-1", article="Art. 1"), 409),
             (Conflict("已变"), 409), (Unavailable("不可达"), 503), (NotAuthenticated("未登录"), 401),
             (Forbidden("无权", code="ROLE"), 403), (OverflowError("big"), 400)]
    for exc, status in cases:
        got, body = classify(request, exc)
        assert got == status and set(body["error"]) == {"code", "message", "article", "allowed"}
    assert classify(request, Refused("不许", code="X-1", article="Art. 1"))[1]["error"]["article"] == "Art. 1"
    assert "current_version" in classify(request, Conflict("已变"))[1]
