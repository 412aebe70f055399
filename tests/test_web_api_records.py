"""The JSON API's evaluations, 失信 records, notices' service and correction, declarations, policy, calendar and
`user add` (workflows/web/api_records.py): the same JSON as the command line on the same store, the roles,
bad input 400 with nothing changed, unknown 404 (both backends)."""

from __future__ import annotations

import json

import pytest

from conftest import HOSPITAL_USCC, stored_counts
from test_cli_input import cli
from test_web_api import _error
from web_fixtures import login, web_app
from workflows import clock
from workflows.demo import demo_uscc
from workflows.errors import MAX_ID

FIXTURES = (cli, web_app)  # pytest finds them here: the in-process command line, the app on both backends
PHARMACY_USCC = demo_uscc("91", "MA9X0A1B")  # a second institution: the command line's own write
FACTS = "2026年对住院病人虚记诊疗项目，骗取医保基金"
PENALTY = "郑医保罚〔2026〕3号行政处罚决定书"



def _json(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


@pytest.fixture
def desk(web_app, cli, db_url, monkeypatch):
    """The web app, its services, logged-in clients, and the command line on the same store."""
    client_for, svc = web_app
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)  # the command line reads the web app's store
    hospital = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    pharmacy = svc.deployment.add_subject("郑州市示例药房", "pharmacy", PHARMACY_USCC, None)
    clients = {name: login(client_for(), name) for name in ("alice", "bob", "carol", "audrey")}
    return {"client_for": client_for, "svc": svc, "cli": cli, "hospital": hospital["id"], "pharmacy": pharmacy["id"],
            "pharmacy_uscc": PHARMACY_USCC, **clients}


def _record_body(**extra) -> dict:
    return {"subject": HOSPITAL_USCC, "category": "fraudulent_billing", "determined": clock.today().isoformat(),
            "disclosure_months": 6, "basis": PENALTY, "facts": FACTS, **extra}


def _without(out: dict, *keys) -> dict:
    return {k: v for k, v in out.items() if k not in keys}


# -- evaluations -----------------------------------------------------------------------------------------------

def test_publishing_an_evaluation_gives_what_the_command_line_prints(desk):
    svc, alice, cli = desk["svc"], desk["alice"], desk["cli"]
    response = alice.post("/api/evaluations", json={"subject": HOSPITAL_USCC, "year": 2025, "score": 78.5})
    assert response.status_code == 201, response.text
    out = response.json()
    show = svc.cases.show(out["case_id"])
    assert (out["grade"], out["score"], out["state"], out["kind"]) == (show["grade"], show["score"], show["state"],
                                                                       "evaluation")
    assert out["objection_window"] == _json(next(t for t in show["timers"] if t["name"] == "objection_window"))
    printed = cli("evaluation", "publish", "--subject", desk["pharmacy_uscc"], "--year", "2025", "--score", "78.5",
                  "--as", "alice").json
    assert set(printed) == set(out)  # the same JSON, key for key; the values of another subject's case
    assert (printed["grade"], printed["objection_window"]["last_day"]) == (out["grade"], out["objection_window"]["last_day"])
    assert svc.audit.log(out["case_id"])[-1]["actor"] == "alice"


def test_publishing_bad_input_is_400_and_changes_nothing(desk):
    svc, alice = desk["svc"], desk["alice"]
    before = stored_counts(svc)
    _error(alice.post("/api/evaluations", json={"subject": HOSPITAL_USCC, "year": 2025, "score": 170}), 400)
    _error(alice.post("/api/evaluations", json={"subject": HOSPITAL_USCC, "year": 0, "score": 70}), 400, "bad_request")
    _error(alice.post("/api/evaluations", json={"subject": HOSPITAL_USCC, "year": 2025}), 400, "bad_request")
    _error(alice.post("/api/evaluations", json={"subject": HOSPITAL_USCC, "year": 2025, "score": 70, "x": 1}), 400,
           "bad_request")
    _error(alice.post("/api/evaluations", json={"subject": "91410100MA00000000", "year": 2025, "score": 70}), 404,
           "unknown_subject")
    assert stored_counts(svc) == before


def _sheet(tmp_path, rows: list[str], name: str = "results.csv"):
    path = tmp_path / name
    path.write_text("\n".join(["名称,类型,证件号码,得分", *rows]) + "\n", encoding="utf-8")
    return path


def test_importing_results_checks_first_then_publishes(desk, tmp_path):
    svc, carol = desk["svc"], desk["carol"]
    path = _sheet(tmp_path, [f"郑州市示例医院,hospital,{HOSPITAL_USCC},95",
                             f"郑州市示例药房,pharmacy,{desk['pharmacy_uscc']},59"])
    content = path.read_bytes()
    before = stored_counts(svc)
    rehearsed = carol.post("/api/evaluations/imports", files={"file": ("results.csv", content, "text/csv")},
                           data={"year": "2025", "dry_run": "true"})
    assert rehearsed.status_code == 200, rehearsed.text
    expected = svc.imports.results(path, kind="evaluation", year=2025, actor="carol", dry_run=True)
    assert rehearsed.json() == _json({**expected, "file": "results.csv"})
    assert stored_counts(svc) == before  # a dry run writes nothing
    done = carol.post("/api/evaluations/imports", files={"file": ("results.csv", content, "text/csv")},
                      data={"year": "2025"})
    assert done.status_code == 200, done.text
    out = done.json()
    assert (out["published"], out["by_grade"]["A"], out["by_grade"]["D"], out["errors"]) == (2, 1, 1, [])
    again = carol.post("/api/evaluations/imports", files={"file": ("results.csv", content, "text/csv")},
                       data={"year": "2025"}).json()
    assert (again["published"], again["skipped"]) == (0, 2)  # importing again publishes nothing new


def test_a_bad_sheet_is_400_with_its_rows_and_writes_nothing(desk, tmp_path, monkeypatch):
    svc, carol = desk["svc"], desk["carol"]
    before = stored_counts(svc)
    bad = _sheet(tmp_path, [f"郑州市示例医院,hospital,{HOSPITAL_USCC},101", "郑州市示例药房,pharmacy,123,59"]).read_bytes()
    body = _error(carol.post("/api/evaluations/imports", files={"file": ("results.csv", bad, "text/csv")},
                             data={"year": "2025"}), 400, "bad_rows")
    assert "第 2 行 得分" in body["error"]["message"] and "第 3 行" in body["error"]["message"]
    assert not list(tmp_path.glob("*.errors.xlsx"))
    _error(carol.post("/api/evaluations/imports", files={"file": ("results.xls", b"\xd0\xcf\x11\xe0", "x")},
                      data={"year": "2025"}), 400)
    _error(carol.post("/api/evaluations/imports", files={"file": ("", bad, "text/csv")}, data={"year": "2025"}), 400)
    _error(carol.post("/api/evaluations/imports", files={"file": ("results.csv", bad, "text/csv")}), 400, "bad_request")
    from workflows.web import api_records

    monkeypatch.setattr(api_records, "IMPORT_MAX_BYTES", 64)
    _error(carol.post("/api/evaluations/imports", files={"file": ("results.csv", bad + b" " * 64, "text/csv")},
                      data={"year": "2025"}), 400, "file_too_large")
    assert stored_counts(svc) == before


# -- 失信 records ---------------------------------------------------------------------------------------------------

def test_record_add_list_and_revoke_give_the_command_lines_json(desk):
    svc, alice, cli = desk["svc"], desk["alice"], desk["cli"]
    added = alice.post("/api/records", json=_record_body(severity="general"))
    assert added.status_code == 201, added.text
    out = added.json()
    d = svc.cases.show(out["case_id"])["data"]
    assert out["state"] == "disclosed" and out["disclosed_until"] == d["disclosed_until"]
    assert out["eligible_from"] == d["eligible_from"] and out["category_label"] == "虚假结算"
    printed = cli("record", "add", "--subject", HOSPITAL_USCC, "--category", "fraudulent_billing", "--determined",
                  clock.today().isoformat(), "--disclosure-months", "6", "--severity", "general", "--basis", PENALTY,
                  "--facts", FACTS, "--as", "alice").json
    assert _without(printed, "case_id", "notice") == _without(out, "case_id", "notice")

    listed = alice.get("/api/records", params={"subject": HOSPITAL_USCC})
    assert listed.status_code == 200
    assert listed.json() == cli("record", "list", "--subject", HOSPITAL_USCC).json
    assert [r["disclosed"] for r in listed.json()["records"]] == [True, True]

    revoked = alice.post(f"/api/records/{out['case_id']}/revoke", json={"basis": "郑州市人民政府郑政复决〔2026〕8号"})
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["state"], revoked.json()["withdrawn_reason"]) == ("withdrawn", "revoked")
    printed = cli("record", "revoke", str(printed["case_id"]), "--basis", "郑州市人民政府郑政复决〔2026〕8号",
                  "--as", "alice").json
    assert set(printed) == set(revoked.json()) and printed["withdrawn_reason"] == "revoked"
    listed = alice.get("/api/records", params={"subject": "1"}).json()
    assert listed == cli("record", "list", "--subject", "1").json
    assert [r["disclosed"] for r in listed["records"]] == [False, False]


def test_record_bad_input_refusals_and_unknowns(desk):
    svc, alice, bob = desk["svc"], desk["alice"], desk["bob"]
    evaluation = alice.post("/api/evaluations", json={"subject": HOSPITAL_USCC, "year": 2025, "score": 90}).json()
    before = stored_counts(svc)
    _error(alice.post("/api/records", json=_record_body(disclosure_months=0)), 400, "bad_request")
    _error(alice.post("/api/records", json=_record_body(category="parking")), 400)
    _error(alice.post("/api/records", json=_record_body(determined="2026-02-30")), 400)
    _error(alice.post("/api/records", json=_record_body(colour="red")), 400, "bad_request")
    _error(alice.post("/api/records", json=_record_body(facts="x" * 5001)), 400, "bad_request")
    _error(alice.post("/api/records", json=_record_body(disclosure_months=2)), 409, "REC-DISCLOSURE")
    _error(alice.post("/api/records", json=_record_body(subject="12345")), 404, "unknown_subject")
    _error(alice.post(f"/api/records/{evaluation['case_id']}/revoke", json={"basis": "x"}), 400, "bad_target")
    _error(alice.post("/api/records/999/revoke", json={"basis": "x"}), 404, "unknown_case")
    _error(alice.post("/api/records/0/revoke", json={"basis": "x"}), 400, "bad_request")
    _error(alice.post(f"/api/records/{MAX_ID + 1}/revoke", json={"basis": "x"}), 400, "bad_request")
    _error(alice.post(f"/api/records/{evaluation['case_id']}/revoke", json={}), 400, "bad_request")
    _error(alice.get("/api/records", params={"subject": "12345"}), 404, "unknown_subject")
    _error(alice.get("/api/records"), 400, "bad_request")
    assert stored_counts(svc) == before
    case = alice.post("/api/records", json=_record_body()).json()["case_id"]
    before = stored_counts(svc)
    _error(bob.post(f"/api/records/{case}/revoke", json={"basis": "郑政复决〔2026〕8号"}), 409, "ROLE")  # the engine's rule
    assert stored_counts(svc) == before and svc.cases.show(case)["state"] == "disclosed"


# -- notices -------------------------------------------------------------------------------------------------------

def test_serving_and_correcting_a_notice(desk):
    svc, alice, cli = desk["svc"], desk["alice"], desk["cli"]
    case = alice.post("/api/records", json=_record_body()).json()
    number = case["notice"]
    before = stored_counts(svc)
    for body, code in (({"method": "pigeon", "on": clock.today().isoformat()}, "bad_method"),
                       ({"method": "direct", "on": "yesterday"}, "bad_date"),
                       ({"method": "direct"}, "bad_request"), ({"method": "direct", "on": "x", "by": 1}, "bad_request")):
        _error(alice.post(f"/api/notices/{number}/services", json=body), 400, code)
    _error(alice.post("/api/notices/郑医保信记〔2026〕999号/services",
                      json={"method": "direct", "on": clock.today().isoformat()}), 404, "unknown_notice")
    _error(alice.post(f"/api/notices/{number}/corrections", json={"correction": ""}), 400, "bad_request")
    _error(alice.post("/api/notices/郑医保信记〔2026〕999号/corrections", json={"correction": "错字"}), 404,
           "unknown_notice")
    assert stored_counts(svc) == before

    served = alice.post(f"/api/notices/{number}/services", json={"method": "直接送达", "on": clock.today().isoformat()})
    assert served.status_code == 201, served.text
    out = served.json()
    assert (out["number"], out["method"], out["served_on"], out["actor"]) == (
        number, "direct", clock.today().isoformat(), "alice")
    shown = svc.documents.show(number)["services"]
    assert [(s["method"], s["served_on"]) for s in shown] == [("direct", out["served_on"])]
    assert cli("notice", "show", number).json["services"] == alice.get(f"/api/notices/{number}").json()["services"]

    corrected = alice.post(f"/api/notices/{number}/corrections", json={"correction": "认定日期笔误，应为本日"})
    assert corrected.status_code == 201, corrected.text
    out = corrected.json()
    assert out["corrects"] == number and out["notice"] != number
    assert svc.documents.show(out["notice"])["number"] == out["notice"]
    printed = cli("notice", "correct", number, "--correction", "另一处笔误", "--as", "alice").json
    assert set(printed) == set(out) and printed["corrects"] == number


# -- declarations, policy, calendar (no store) ----------------------------------------------------------------------

def test_declarations_policy_and_calendar_are_the_command_lines_json(desk):
    alice, cli = desk["alice"], desk["cli"]

    def same(path, *command, params=None):
        response = alice.get(path, params=params)
        assert response.status_code == 200, response.text
        assert response.json() == cli(*command).json
        return response.json()

    procedures = same("/api/procedures", "procedure", "list")["procedures"]
    assert {p["kind"] for p in procedures} >= {"evaluation", "objection", "record"}
    for p in procedures:
        same(f"/api/procedures/{p['kind']}", "procedure", "show", p["kind"])
    same("/api/procedures/evaluation/inputs", "case", "inputs", "evaluation")
    same("/api/procedures/医疗保障信用评价/inputs", "case", "inputs", "evaluation")  # by its label too
    same("/api/procedures/objection/inputs", "case", "inputs", "objection", "--trigger", "suspend",
         params={"trigger": "suspend"})
    same("/api/policy", "policy", "show")
    same("/api/policy", "policy", "show", "--on", "2026-03-01", params={"on": "2026-03-01"})
    same("/api/calendar/working-day", "calendar", "is-working-day", "2026-10-01", params={"day": "2026-10-01"})
    same("/api/calendar/working-day", "calendar", "is-working-day", "2026-02-28", params={"day": "2026-02-28"})
    same("/api/calendar/years", "calendar", "years")


def test_declarations_policy_and_calendar_bad_input(desk):
    alice = desk["alice"]
    _error(alice.get("/api/procedures/parking"), 400, "unknown_kind")
    _error(alice.get("/api/procedures/parking/inputs"), 400, "unknown_kind")
    body = _error(alice.get("/api/procedures/objection/inputs", params={"trigger": "fly"}), 400, "unknown_trigger")
    assert "suspend" in body["error"]["allowed"]
    _error(alice.get("/api/procedures/" + "x" * 65), 400, "bad_request")
    for kind in desk["svc"].registry.kinds:  # a kind only other cases open: the command line's refusal
        if desk["svc"].registry.procedure(kind).opening_trigger() is None:
            _error(alice.get(f"/api/procedures/{kind}/inputs"), 400, "not_openable")
    _error(alice.get("/api/policy", params={"on": "2026-02-30"}), 400, "bad_request")
    _error(alice.get("/api/calendar/working-day", params={"day": "2026-02-30"}), 400)
    _error(alice.get("/api/calendar/working-day", params={"day": "1850-01-01"}), 400)
    _error(alice.get("/api/calendar/working-day"), 400, "bad_request")


# -- users -----------------------------------------------------------------------------------------------------------

def test_adding_a_user_is_an_approvers_act(desk):
    svc, bob, alice, cli = desk["svc"], desk["bob"], desk["alice"], desk["cli"]
    users = svc.deployment.list_users()
    _error(alice.post("/api/users", json={"name": "dave", "roles": ["handler"]}), 403, "ROLE")
    for body, status in (({"name": "dave", "roles": []}, 400), ({"name": "dave", "roles": ["janitor"]}, 400),
                         ({"name": "dave", "roles": ["handler", "handler"]}, 400), ({"name": "system", "roles": ["handler"]}, 400),
                         ({"name": "alice", "roles": ["handler"]}, 400), ({"name": "", "roles": ["handler"]}, 400),
                         ({"name": "x" * 65, "roles": ["handler"]}, 400), ({"name": "dave"}, 400),
                         ({"name": "dave", "roles": ["handler"], "password": "x"}, 400)):
        _error(bob.post("/api/users", json=body), status)
    assert svc.deployment.list_users() == users
    added = bob.post("/api/users", json={"name": "dave", "roles": ["handler", "审核人"]})
    assert added.status_code == 201, added.text
    assert added.json() == {"name": "dave", "roles": ["handler", "approver"]}
    printed = cli("user", "add", "erin", "--role", "handler,审核人").json
    assert _without(printed, "name") == _without(added.json(), "name")
    assert {"name": "dave", "roles": ["handler", "approver"]} in svc.deployment.list_users()


# -- who may call them -------------------------------------------------------------------------------------------------

ENDPOINTS = [
    ("post", "/api/evaluations", {"json": {"subject": HOSPITAL_USCC, "year": 2025, "score": 70}}),
    ("post", "/api/evaluations/imports", {"files": {"file": ("r.csv", b"x", "text/csv")}, "data": {"year": "2025"}}),
    ("post", "/api/records", {"json": _record_body()}),
    ("get", "/api/records?subject=1", {}),
    ("post", "/api/records/1/revoke", {"json": {"basis": "x"}}),
    ("post", "/api/notices/n/services", {"json": {"method": "direct", "on": "2026-01-05"}}),
    ("post", "/api/notices/n/corrections", {"json": {"correction": "x"}}),
    ("get", "/api/procedures", {}),
    ("get", "/api/procedures/evaluation", {}),
    ("get", "/api/procedures/evaluation/inputs", {}),
    ("get", "/api/policy", {}),
    ("get", "/api/calendar/working-day?day=2026-10-01", {}),
    ("get", "/api/calendar/years", {}),
    ("post", "/api/users", {"json": {"name": "dave", "roles": ["handler"]}}),
]


def test_every_endpoint_needs_a_login_and_an_auditor_changes_nothing(desk):
    svc, audrey = desk["svc"], desk["audrey"]
    anonymous = desk["client_for"]()
    users = svc.deployment.list_users()
    before = stored_counts(svc)
    # writes carry the anonymous session's CSRF token: it is the missing login that refuses them
    anonymous.headers["X-CSRF-Token"] = anonymous.get("/api/session").json()["csrf_token"]
    forged = desk["client_for"](headers={"Authorization": "Bearer cft_not-a-token"})
    for method, path, kwargs in ENDPOINTS:
        _error(getattr(anonymous, method)(path, **kwargs), 401, "not_authenticated")
        _error(getattr(forged, method)(path, **kwargs), 401, "bad_token")
        response = getattr(audrey, method)(path, **kwargs)
        if method == "post":  # a write: refused before any service runs
            _error(response, 403, "READ-ONLY" if path != "/api/users" else None)
        else:  # the auditor reads
            assert response.status_code == 200, (path, response.text[:300])
    assert stored_counts(svc) == before and svc.deployment.list_users() == users


def test_the_endpoints_are_in_the_openapi_document(desk):
    paths = desk["client_for"]().get("/api/openapi.json").json()["paths"]
    for method, template in (("post", "/api/evaluations"), ("post", "/api/evaluations/imports"),
                             ("post", "/api/records"), ("get", "/api/records"),
                             ("post", "/api/records/{case_id}/revoke"), ("post", "/api/notices/{number}/services"),
                             ("post", "/api/notices/{number}/corrections"), ("get", "/api/procedures"),
                             ("get", "/api/procedures/{kind}"), ("get", "/api/procedures/{kind}/inputs"),
                             ("get", "/api/policy"), ("get", "/api/calendar/working-day"),
                             ("get", "/api/calendar/years"), ("post", "/api/users")):
        description = paths[template][method]["description"]
        assert description.startswith("`"), (template, description)  # it names the command it mirrors
    assert len(ENDPOINTS) == 14  # every endpoint above is also in the role checks
