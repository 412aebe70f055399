"""schemathesis fuzzes the HTTP API from its own OpenAPI (/api/openapi.json) on the demo bureau: whatever it
sends, in or out of the schema, the answer is never a 5xx (issue 17: bad input is 400, unknown 404, refused
409, never a 500). Calls go through the ASGI transport into `create_app(services)`, authenticated by a bearer
token of a handler and approver (zhougang), so the generated requests reach the services and not only the
401 of the login check. The number of examples per operation is bounded so the run stays short in CI.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from web_live import LiveServer, demo_bureau, http_client

EXAMPLES = 20  # per operation and per generation mode


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    from workflows.web.app import create_app

    svc = demo_bureau(tmp_path_factory.mktemp("fuzz"))
    app = create_app(svc)
    token = svc.accounts.issue_token("zhougang")["token"]
    yield schemathesis.openapi.from_asgi("/api/openapi.json", app), {"Authorization": f"Bearer {token}"}, svc
    svc.db.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzzed):
    return fuzzed[0]


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_request_makes_the_api_fail_with_a_server_error(fuzzed, mode):
    """Every operation of the schema, with requests that follow it (positive) and that break it (negative)."""
    schema, headers, _ = fuzzed
    failures: list[str] = []
    statuses: Counter = Counter()
    for operation in operations(schema):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def fuzz(case):
            response = case.call(headers=dict(headers))  # call() adds to the dict it is given
            statuses[response.status_code // 100] += 1
            case.validate_response(response, checks=[not_a_server_error])

        try:
            fuzz()
        except Unsatisfiable:  # nothing to break: an operation without parameters or body has no negative case
            assert mode is GenerationMode.NEGATIVE, operation.path
        except Exception as exc:  # noqa: BLE001 - collected: every failing operation is reported, not the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
    # the token let the requests through to the services: some succeeded, some were told what was wrong
    assert statuses[2] > 0 and statuses[4] > 0, statuses


def test_the_schema_lists_the_contract_operations(api_schema):
    """The fuzzing above covers the operations of the contract (issue 17), not an empty schema."""
    operations = {(op.method.upper(), op.path) for op in (r.ok() for r in api_schema.get_all_operations())}
    assert {("GET", "/api/cases"), ("POST", "/api/cases"), ("GET", "/api/cases/{case_id}"),
            ("GET", "/api/cases/{case_id}/actions"),
            ("POST", "/api/cases/{case_id}/actions/{trigger}")} <= operations


def test_unauthenticated_api_calls_are_401_not_5xx(fuzzed):
    """Without a token or a logged-in session every case operation answers 401 JSON and changes nothing (writes
    carry the anonymous session's CSRF token, so it is the missing login that refuses them, not the CSRF check)."""
    from workflows.web.app import create_app

    svc = fuzzed[2]
    before = svc.cases.list(limit=10_000)
    with LiveServer(create_app(svc)) as live:
        client = http_client(live)
        session = client.get("/api/session").json()
        assert session["user"] is None and session["csrf_token"] == client.csrf
        for method, path, body in (("GET", "/api/cases", None), ("GET", "/api/cases/1", None),
                                   ("GET", "/api/cases/1/actions", None),
                                   ("POST", "/api/cases", {"kind": "objection", "parent": 1, "inputs": {}}),
                                   ("POST", "/api/cases/1/actions/accept", {})):
            response = client.request(method, path, json=body, headers={"X-CSRF-Token": client.csrf})
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["error"]["message"]
    assert svc.cases.list(limit=10_000) == before
