"""The JSON API's exports, monthly report and audit operations (workflows/web/api_reports.py): the same files and
JSON as the command line's `export`, `report monthly`, `audit replay|checkpoint|export|export-checkpoint` and the
审计 page's log; the roles; bad input 400 with nothing changed; unknown 404. SQLite and PostgreSQL (`web_app`)."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from conftest import HOSPITAL_USCC, publish, stored_counts
from web_fixtures import login, web_app  # noqa: F401  (the fixture, used by `bureau`)
from workflows import clock
from workflows.errors import MAX_ID
from workflows.web.errors import NOT_FOUND_CODES

__all__ = ["web_app"]  # the imported fixture, for pytest (and for pyflakes: not an unused import)

YEAR = 2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _json(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:400])
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"] and "Traceback" not in response.text
    return body


def _cells(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's values but the 说明 sheet (it carries the instant the table was made)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets if ws.title != "说明"}


def _maker(data: bytes) -> str | None:
    notes = openpyxl.load_workbook(io.BytesIO(data))["说明"]
    return {r[0].value: r[1].value for r in notes.iter_rows(min_row=2)}.get("制表人")


def _checkpoints(svc) -> int:
    return len(svc.audit.list_checkpoints())


@pytest.fixture
def bureau(web_app):
    """Two published results (so every export has rows), logged in as a handler, an approver and an auditor."""
    client_for, svc = web_app
    svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    svc.deployment.add_subject("郑州市示例药房", "pharmacy", "91410100MA0000001X", None)
    first = publish(svc, HOSPITAL_USCC, YEAR, 78.5, "carol")
    publish(svc, "91410100MA0000001X", YEAR, 55, "alice")
    clients = {name: login(client_for(), name) for name in ("alice", "bob", "audrey")}
    return client_for, svc, clients, first["case_id"]


# -- exports -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,what,year", [("results", "results", YEAR), ("d-list", "d_list", YEAR),
                                            ("worklist", "worklist", None), ("statistics", "statistics", YEAR)])
def test_an_export_is_the_command_lines_file_or_its_json(bureau, tmp_path, path, what, year):
    client_for, svc, clients, _ = bureau
    alice = clients["alice"]
    params = {"year": year} if year is not None else {}
    before = stored_counts(svc)

    got = alice.get(f"/api/exports/{path}", params=params)  # xlsx by default
    assert got.status_code == 200, got.text[:300]
    assert got.headers["content-type"] == XLSX
    suffix = f"-{year}" if year is not None else ""
    assert got.headers["content-disposition"] == f'attachment; filename="creditflow-{path}{suffix}.xlsx"'
    expected = svc.exports.export(what, year, str(tmp_path / "cli.xlsx"), actor="alice")
    assert _cells(got.content) == _cells((tmp_path / "cli.xlsx").read_bytes())
    assert _maker(got.content) == "alice"  # the logged-in user made the table (the command line's --as)

    got = alice.get(f"/api/exports/{path}", params={**params, "format": "csv"})
    assert got.status_code == 200 and got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == f'attachment; filename="creditflow-{path}{suffix}.csv"'
    svc.exports.export(what, year, str(tmp_path / "cli.csv"), actor="alice")
    assert got.content == (tmp_path / "cli.csv").read_bytes() and got.content.startswith(b"\xef\xbb\xbf")

    got = alice.get(f"/api/exports/{path}", params={**params, "format": "json"})
    assert got.status_code == 200
    data = got.json()
    assert data == _json({**svc.exports.data(what, year, actor="alice"), "as_of": data["as_of"]})
    # the --json summary, without the file; each sheet with its rows as data
    assert {k: v for k, v in data.items() if k not in ("sheets", "as_of")} == \
        {k: v for k, v in expected.items() if k not in ("sheets", "as_of", "file", "format")} | {"format": "json"}
    assert [(s["name"], s["rows"], len(s["data"])) for s in data["sheets"]] == \
        [(s["name"], s["rows"], s["rows"]) for s in expected["sheets"]]
    assert stored_counts(svc) == before


def test_the_json_rows_are_the_sheets_rows(bureau):
    client_for, svc, clients, _ = bureau
    data = clients["bob"].get("/api/exports/results", params={"year": YEAR, "format": "json"}).json()
    sheet = svc.exports.sheets("results", YEAR)[0]
    assert data["sheets"][0]["columns"] == [c.title for c in sheet.columns]
    assert len(data["sheets"][0]["data"]) == len(sheet.rows) == 2
    names = {row[0] for row in data["sheets"][0]["data"]} | {row[1] for row in data["sheets"][0]["data"]}
    assert "郑州市示例医院" in names and "郑州市示例药房" in names


def test_exports_are_for_staff_and_bad_input_is_400(bureau):
    client_for, svc, clients, _ = bureau
    assert clients["audrey"].get("/api/exports/statistics", params={"year": YEAR}).status_code == 200  # staff read
    _error(client_for().get("/api/exports/results", params={"year": YEAR}), 401, "not_authenticated")
    before = stored_counts(svc)
    alice = clients["alice"]
    body = _error(alice.get("/api/exports/results", params={"year": YEAR, "format": "pdf"}), 400, "bad_format")
    assert body["error"]["allowed"] == ["xlsx", "csv", "json"]
    _error(alice.get("/api/exports/d-list", params={"year": 1999}), 400, "bad_year")
    _error(alice.get("/api/exports/d-list", params={"year": clock.today().year + 1, "format": "json"}), 400, "bad_year")
    _error(alice.get("/api/exports/statistics"), 400, "bad_request")  # --year is required
    _error(alice.get("/api/exports/results", params={"year": MAX_ID + 1}), 400, "bad_request")
    _error(alice.get("/api/exports/worklist", params={"year": "x"}), 400, "bad_request")
    _error(alice.get("/api/exports/no-such"), 404, "unknown_route")
    assert stored_counts(svc) == before


# -- the monthly report --------------------------------------------------------------------------------------------

def test_the_monthly_report(bureau, tmp_path):
    client_for, svc, clients, _ = bureau
    month = clock.today().strftime("%Y-%m")
    bob = clients["bob"]
    before = stored_counts(svc)

    got = bob.get("/api/reports/monthly", params={"month": month})
    assert got.status_code == 200 and got.headers["content-type"] == XLSX
    assert got.headers["content-disposition"] == f'attachment; filename="creditflow-monthly-{month}.xlsx"'
    cli = svc.reports.monthly(month, str(tmp_path / "m.xlsx"), actor="bob")
    assert _cells(got.content) == _cells((tmp_path / "m.xlsx").read_bytes()) and _maker(got.content) == "bob"

    got = bob.get("/api/reports/monthly", params={"month": month, "format": "pdf"})
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF") and got.headers["content-disposition"].endswith(f'-{month}.pdf"')

    data = bob.get("/api/reports/monthly", params={"month": month, "format": "json"}).json()
    assert data == _json({**svc.reports.monthly_data(month, actor="bob"), "as_of": data["as_of"]})
    assert {k: data[k] for k in cli if k not in ("file", "format", "as_of")} == \
        {k: v for k, v in cli.items() if k not in ("file", "format", "as_of")}
    assert data["opened"] == 2 and data["format"] == "json"
    assert [s["name"] for s in data["sheets"]] == [s.name for s in svc.reports.monthly_figures(month)["sheets"]]
    assert stored_counts(svc) == before

    assert clients["audrey"].get("/api/reports/monthly", params={"month": month, "format": "json"}).status_code == 200
    _error(client_for().get("/api/reports/monthly", params={"month": month}), 401, "not_authenticated")
    for bad in ("2026-13", "1999-12", "../../etc", f"{clock.today().year + 1}-01"):
        _error(bob.get("/api/reports/monthly", params={"month": bad}), 400, "bad_month")
    _error(bob.get("/api/reports/monthly", params={"month": month, "format": "csv"}), 400, "bad_format")
    _error(bob.get("/api/reports/monthly"), 400, "bad_request")
    assert stored_counts(svc) == before


# -- the log across cases -------------------------------------------------------------------------------------------

def test_the_log_across_cases_is_the_audit_pages_list(bureau):
    client_for, svc, clients, first = bureau
    bob = clients["bob"]
    today = clock.today().isoformat()
    for params, kwargs in (({}, {}), ({"actor": "carol"}, {"actor": "carol"}),
                           ({"kind": "evaluation", "since": today, "until": today, "per_page": 1, "page": 2},
                            {"kind": "evaluation", "since": today, "until": today, "per_page": 1, "page": 2}),
                           ({"overridden": "true", "overdue": "true"}, {"overridden": True, "overdue": True})):
        got = bob.get("/api/audit/log", params=params)
        assert got.status_code == 200, got.text[:300]
        assert got.json() == _json(svc.worklist.log(**kwargs))
    rows = bob.get("/api/audit/log", params={"actor": "carol"}).json()["rows"]
    assert rows and {r["actor"] for r in rows} == {"carol"} and first in {r["case_id"] for r in rows}
    assert clients["audrey"].get("/api/audit/log").status_code == 200


def test_the_log_across_cases_refuses_handlers_and_bad_filters(bureau):
    client_for, svc, clients, _ = bureau
    _error(clients["alice"].get("/api/audit/log"), 403, "ROLE")  # as the 审计 page: approvers and auditors
    _error(client_for().get("/api/audit/log"), 401, "not_authenticated")
    bob = clients["bob"]
    _error(bob.get("/api/audit/log", params={"since": "2026-02-30"}), 400, "bad_date")
    _error(bob.get("/api/audit/log", params={"since": "2026-03-02", "until": "2026-03-01"}), 400, "bad_date_range")
    _error(bob.get("/api/audit/log", params={"kind": "no_such_kind"}), 400, "unknown_kind")
    _error(bob.get("/api/audit/log", params={"per_page": 201}), 400, "bad_request")
    _error(bob.get("/api/audit/log", params={"page": 0}), 400, "bad_request")


# -- replay ---------------------------------------------------------------------------------------------------------

def test_replay_is_the_command_lines_json(bureau):
    client_for, svc, clients, first = bureau
    before = stored_counts(svc)
    got = clients["audrey"].get("/api/audit/replay")
    assert got.status_code == 200
    assert got.json() == _json(svc.replay.run()) and got.json()["ok"] is True and got.json()["cases"] == 2
    one = clients["bob"].get("/api/audit/replay", params={"case": first})
    assert one.status_code == 200 and one.json() == _json(svc.replay.run(first))
    assert [r["case_id"] for r in one.json()["results"]] == [first]
    assert stored_counts(svc) == before


def test_replay_is_for_readers_and_an_unknown_case_is_404(bureau):
    client_for, svc, clients, _ = bureau
    _error(clients["alice"].get("/api/audit/replay"), 403, "ROLE")
    _error(client_for().get("/api/audit/replay"), 401, "not_authenticated")
    _error(clients["bob"].get("/api/audit/replay", params={"case": 999}), 404, "unknown_case")
    _error(clients["bob"].get("/api/audit/replay", params={"case": 0}), 400, "bad_request")


def test_a_user_may_replay_three_times_in_ten_minutes(bureau):
    client_for, svc, clients, first = bureau
    audrey = clients["audrey"]
    for _ in range(3):
        assert audrey.get("/api/audit/replay", params={"case": first}).status_code == 200
    before = stored_counts(svc)
    body = _error(audrey.get("/api/audit/replay", params={"case": first}), 409, "REPLAY-RATE")
    assert "audrey" in body["error"]["message"] and "creditflow audit replay" in body["error"]["article"]
    assert stored_counts(svc) == before
    assert clients["bob"].get("/api/audit/replay", params={"case": first}).status_code == 200  # per user


# -- checkpoints ----------------------------------------------------------------------------------------------------

def test_an_approver_writes_a_checkpoint_and_readers_download_it(bureau, tmp_path):
    client_for, svc, clients, _ = bureau
    bob, audrey = clients["bob"], clients["audrey"]
    written = bob.post("/api/audit/checkpoints")
    assert written.status_code == 201, written.text[:300]
    assert written.json() == _json(svc.audit.list_checkpoints()[-1])
    assert written.json()["case_count"] == 2 and svc.audit.verify()["ok"]

    got = audrey.get("/api/audit/checkpoints/export")  # the latest, as `audit export-checkpoint` without --id
    assert got.status_code == 200 and got.headers["content-type"] == "application/x-ndjson"
    cid = written.json()["id"]
    assert got.headers["content-disposition"] == f'attachment; filename="creditflow-checkpoint-{cid}.jsonl"'
    cli = svc.audit.export_checkpoint(str(tmp_path / "c.jsonl"), cid)
    assert got.content == (tmp_path / "c.jsonl").read_bytes()
    assert got.headers["x-content-sha256"] == cli["sha256"]
    assert bob.get("/api/audit/checkpoints/export", params={"id": cid}).content == got.content
    # a checkpoint kept outside verifies the store, as `audit verify --checkpoint FILE`
    (tmp_path / "kept.jsonl").write_bytes(got.content)
    assert svc.audit.verify(str(tmp_path / "kept.jsonl"))["ok"]


def test_checkpoints_roles_and_unknown(bureau):
    client_for, svc, clients, _ = bureau
    before = (stored_counts(svc), _checkpoints(svc))
    _error(clients["audrey"].post("/api/audit/checkpoints"), 403, "READ-ONLY")  # an auditor changes nothing
    _error(clients["alice"].post("/api/audit/checkpoints"), 403, "ROLE")
    _error(client_for().post("/api/audit/checkpoints"), 401, "not_authenticated")
    _error(clients["alice"].get("/api/audit/checkpoints/export"), 403, "ROLE")
    status = 404 if "unknown_checkpoint" in NOT_FOUND_CODES else 400  # the one mapping decides
    _error(clients["bob"].get("/api/audit/checkpoints/export"), status, "unknown_checkpoint")  # none written yet
    _error(clients["bob"].get("/api/audit/checkpoints/export", params={"id": 5}), status, "unknown_checkpoint")
    _error(clients["bob"].get("/api/audit/checkpoints/export", params={"id": -1}), 400, "bad_request")
    assert (stored_counts(svc), _checkpoints(svc)) == before


# -- the log's export -----------------------------------------------------------------------------------------------

def test_the_log_export_is_the_command_lines_file(bureau, tmp_path):
    client_for, svc, clients, first = bureau
    audrey = clients["audrey"]
    today = clock.today()
    got = audrey.get("/api/audit/export")
    assert got.status_code == 200 and got.headers["content-type"] == "application/x-ndjson"
    svc.audit.export_log(str(tmp_path / "all.jsonl"), "jsonl")
    assert got.content == (tmp_path / "all.jsonl").read_bytes()
    assert {json.loads(line)["case_id"] for line in got.content.decode().splitlines()} == \
        {c["id"] for c in svc.cases.list()}
    got = audrey.get("/api/audit/export", params={"format": "csv", "case": first, "since": today.isoformat()})
    assert got.status_code == 200 and got.headers["content-type"] == "text/csv; charset=utf-8"
    assert f"-case{first}.csv" in got.headers["content-disposition"]
    svc.audit.export_log(str(tmp_path / "one.csv"), "csv", today, first)
    assert got.content == (tmp_path / "one.csv").read_bytes()


def test_the_log_export_roles_and_bad_input(bureau):
    client_for, svc, clients, _ = bureau
    bob = clients["bob"]
    _error(clients["alice"].get("/api/audit/export"), 403, "ROLE")
    _error(client_for().get("/api/audit/export"), 401, "not_authenticated")
    _error(bob.get("/api/audit/export", params={"format": "xml"}), 400, "bad_format")
    _error(bob.get("/api/audit/export", params={"since": "yesterday"}), 400, "bad_date")
    _error(bob.get("/api/audit/export", params={"case": 999}), 404, "unknown_case")
    _error(bob.get("/api/audit/export", params={"case": 0}), 400, "bad_request")


def test_the_operations_are_in_the_openapi(bureau):
    client_for, svc, clients, _ = bureau
    paths = client_for().get("/api/openapi.json").json()["paths"]
    for path, method in (("/api/exports/results", "get"), ("/api/exports/d-list", "get"),
                         ("/api/exports/worklist", "get"), ("/api/exports/statistics", "get"),
                         ("/api/reports/monthly", "get"), ("/api/audit/log", "get"), ("/api/audit/replay", "get"),
                         ("/api/audit/checkpoints", "post"), ("/api/audit/checkpoints/export", "get"),
                         ("/api/audit/export", "get")):
        assert "`" in paths[path][method]["description"], path  # the docstring names the command it mirrors
