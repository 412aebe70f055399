"""Cross-cutting web security (issue 17), over real HTTP against a live server on the demo bureau:

* an XSS payload typed into free-text fields (a subject's name, an objection's reason, a handler's findings)
  is shown escaped on every page that shows it, and no script of it runs in a browser;
* a form posted without its CSRF token is refused with 403 and changes nothing (and so is an API call with a
  session cookie but no `X-CSRF-Token`; a bearer-token call needs none);
* nobody approves their own proposal, through the UI or the API (four eyes); a handler decides nothing;
* the auditor's POSTs are refused, through the UI and the API;
* the public board and the credit query never show a person's unmasked ID number.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from conftest import stored_counts
from web_live import bureau, browser, form_token, http_client, log_in, open_page  # noqa: F401 - the fixtures

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
XSS_NAME = f"示例{SCRIPT}医院{IMG}"
XSS_NAME_2 = f"示例{SCRIPT}二院{IMG}"
XSS_REASON = f"异议理由{SCRIPT}{IMG}说明"
XSS_FINDINGS = f"审查意见{IMG}{SCRIPT}结论"
RAW = (SCRIPT, IMG)


def bearer(svc, name: str) -> dict:
    return {"Authorization": f"Bearer {svc.accounts.issue_token(name)['token']}"}


@pytest.fixture(scope="module")
def xss(bureau):
    """Two hospitals whose names carry the payload, each with a published D-grade result and an objection to it
    whose reason carries it (all through the API), accepted, and a dismissal proposed through the case page's
    form with findings that carry it. The first stays awaiting approval (the approver's queue); the second is
    approved, so its result is final and on the public board. Returns the ids and numbers the pages show."""
    from workflows import clock
    from workflows.demo import demo_uscc

    live, svc = bureau
    api = http_client(live)
    api.headers.update(bearer(svc, "zhangmin"))
    handler, approver = http_client(live, "zhangmin"), http_client(live, "wangfang")

    def chain(name: str, org: str, *, approve: bool) -> dict:
        uscc = demo_uscc("12", org)
        r = api.post("/api/subjects", json={"name": name, "type": "hospital", "uscc": uscc})
        assert r.status_code == 201, r.text
        assert r.json()["name"] == name  # stored as typed: escaping is the pages' job
        r = api.post("/api/cases", json={"kind": "evaluation", "subject": uscc,
                                         "inputs": {"year": clock.today().year - 1, "score": "55"}})
        assert r.status_code == 201, r.text
        evaluation = r.json()["case_id"]
        r = api.post("/api/cases", json={"kind": "objection", "parent": evaluation, "inputs": {
            "grounds": "1", "received": clock.today().isoformat(), "reason": XSS_REASON,
            "materials": "信用评价结果异议申请表,营业执照（执业许可证）复印件"}})
        assert r.status_code == 201, r.text
        objection = r.json()["case_id"]
        r = api.post(f"/api/cases/{objection}/actions/accept", json={})
        assert r.status_code == 200, r.text
        version = svc.cases.show(objection)["version"]
        r = handler.post(f"/cases/{objection}/actions/propose_dismiss", data={
            "csrf_token": handler.csrf, "expected_version": str(version), "findings": XSS_FINDINGS})
        assert r.status_code == 303, r.text
        shown = svc.cases.show(objection)
        assert shown["state"] == "dismiss_proposed"
        out = {"uscc": uscc, "evaluation": evaluation, "objection": objection, "notice": shown["notices"][-1]["number"]}
        if approve:
            r = approver.post(f"/cases/{objection}/actions/approve", data={
                "csrf_token": approver.csrf, "expected_version": str(shown["version"])})
            assert r.status_code == 303, r.text
            assert svc.cases.show(evaluation)["state"] == "final"
        return out

    pending = chain(XSS_NAME, "41990098", approve=False)
    published = chain(XSS_NAME_2, "41990099", approve=True)
    return {**pending, "published": published}


def escaped_on(response, *payloads: str) -> None:
    """The page answered; no payload's markup is in it as markup; each payload is there as escaped text."""
    where = response.request.url
    assert response.status_code == 200, where
    html = response.text
    for raw in RAW:
        assert raw not in html, f"{where} shows {raw!r} unescaped"
    for p in payloads:
        assert str(escape(p)) in html, f"{where} does not show {p!r} (escaped)"


def test_xss_payload_is_escaped_on_every_page_that_shows_it(bureau, xss):
    live, svc = bureau
    objection = xss["objection"]
    zhangmin, wangfang, zhaolei = (http_client(live, n) for n in ("zhangmin", "wangfang", "zhaolei"))
    anonymous = http_client(live)

    worklist = zhangmin.get("/", params={"q": "示例"})
    assert f'id="case-{objection}"' in worklist.text
    escaped_on(worklist, XSS_NAME)

    escaped_on(zhangmin.get(f"/cases/{objection}"), XSS_NAME, XSS_REASON, XSS_FINDINGS)
    escaped_on(zhangmin.get(f"/cases/{xss['evaluation']}"), XSS_NAME)

    approvals = wangfang.get("/approvals")
    assert f'id="case-{objection}"' in approvals.text
    escaped_on(approvals, XSS_NAME)

    audit = zhaolei.get("/audit", params={"actor": "zhangmin"})
    assert f'href="/cases/{objection}"' in audit.text
    escaped_on(audit)  # the log view shows no free text of a case: nothing of the payload, raw or not

    # the internal notice quotes the findings: the notice's HTML escapes them, and the page escapes that HTML
    # again inside the sandboxed frame's srcdoc
    escaped_on(zhangmin.get(f"/notices/{xss['notice']}"), str(escape(XSS_FINDINGS)))

    board = anonymous.get("/public")
    escaped_on(board, XSS_NAME_2)
    escaped_on(anonymous.get("/credit", params={"q": xss["published"]["uscc"]}), XSS_NAME_2)


def test_xss_payload_runs_no_script_in_a_browser(open_page, bureau, xss):
    """The same pages in chromium: the payload is read as text, and no script of it ran (window.__xss unset)."""
    objection = xss["objection"]
    pages = {
        "zhangmin": ["/?q=示例", f"/cases/{objection}"],
        "wangfang": ["/approvals", f"/cases/{objection}"],
        None: ["/public", f"/credit?q={xss['published']['uscc']}"],
    }
    for name, paths in pages.items():
        page = open_page()
        if name is not None:
            log_in(page, name)
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__xss") is None, path
            text = page.inner_text("body")
            assert XSS_NAME in text or XSS_NAME_2 in text, path  # read as text
        assert not page.js_errors
    page = open_page()
    log_in(page, "zhangmin")
    page.goto(f"/notices/{xss['notice']}")
    frame = page.frame_locator("iframe.notice-text")
    assert XSS_FINDINGS in frame.locator("body").inner_text()
    assert page.evaluate("window.__xss") is None


# -- CSRF -------------------------------------------------------------------------------------------------------

def test_forms_posted_without_their_csrf_token_are_refused(bureau):
    live, svc = bureau
    before = stored_counts(svc)
    anonymous = http_client(live)
    # the login form
    r = anonymous.post("/login", data={"username": "zhangmin", "password": "demo-zhangmin"})
    assert r.status_code == 403
    assert anonymous.get("/").status_code == 303  # still not logged in: sent to /login
    r = anonymous.post("/login", data={"username": "zhangmin", "password": "demo-zhangmin", "csrf_token": "forged"})
    assert r.status_code == 403

    # a case's action form, by a logged-in handler
    zhangmin = http_client(live, "zhangmin")
    case = next(c for c in svc.cases.list(kind="objection", state="under_review", mine="zhangmin")
                if c["assignee"] == "zhangmin")
    version = svc.cases.show(case["id"])["version"]
    form = {"expected_version": str(version), "findings": "未带令牌提交"}
    r = zhangmin.post(f"/cases/{case['id']}/actions/propose_dismiss", data=form)
    assert r.status_code == 403 and "CSRF" in r.text
    r = zhangmin.post(f"/cases/{case['id']}/actions/propose_dismiss", data={**form, "csrf_token": anonymous.csrf})
    assert r.status_code == 403  # another session's token is not this session's
    assert svc.cases.show(case["id"])["version"] == version

    # the public objection form
    repair = svc.cases.list(kind="repair", state="public_notice")[0]["id"]
    r = anonymous.post(f"/public/objections/{repair}",
                       data={"objector": "王某", "contact": "13800138000", "reason": "未带令牌"})
    assert r.status_code == 403
    assert svc.cases.show(repair)["state"] == "public_notice"

    # the API with the session cookie: the header is required; with it the call reaches the service
    r = zhangmin.post(f"/api/cases/{case['id']}/actions/propose_dismiss", json={"findings": "未带请求头"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = zhangmin.post(f"/api/cases/{case['id']}/actions/no_such_step", json={},
                      headers={"X-CSRF-Token": zhangmin.csrf})
    assert r.status_code in (400, 409) and r.json()["error"]["code"] != "csrf"
    assert stored_counts(svc) == before

    # a bearer token needs no CSRF token
    token_client = http_client(live)
    token_client.cookies.clear()
    r = token_client.get(f"/api/cases/{case['id']}/actions", headers=bearer(svc, "zhangmin"))
    assert r.status_code == 200
    r = token_client.post(f"/api/cases/{case['id']}/actions/no_such_step", json={}, headers=bearer(svc, "zhangmin"))
    assert r.status_code in (400, 409) and r.json()["error"]["code"] != "csrf"


# -- four eyes -----------------------------------------------------------------------------------------------------

def own_proposal(svc, preparer: str) -> int:
    """A case awaiting approval whose proposal `preparer` made (the demo has one by zhougang)."""
    for row in svc.worklist.approvals("wangfang")["rows"]:
        if row["prepared_by"] == preparer:
            return row["id"]
    raise AssertionError(f"the demo bureau has a proposal by {preparer} awaiting approval")


def test_nobody_approves_their_own_proposal_through_the_ui_or_the_api(bureau):
    live, svc = bureau
    case_id = own_proposal(svc, "zhougang")  # zhougang is handler and approver
    shown = svc.cases.show(case_id)
    before = stored_counts(svc)

    zhougang = http_client(live, "zhougang")
    assert f'id="case-{case_id}"' not in zhougang.get("/approvals").text  # not in his own queue
    page = zhougang.get(f"/cases/{case_id}").text
    assert 'data-trigger="approve"' not in page  # not offered
    r = zhougang.post(f"/cases/{case_id}/actions/approve",
                      data={"csrf_token": form_token(page), "expected_version": str(shown["version"])})
    assert r.status_code == 409  # posted anyway: refused by the rule, shown on the page
    assert 'id="refusal"' in r.text and "未办理" in r.text
    r = zhougang.post(f"/api/cases/{case_id}/actions/approve", json={}, headers={"X-CSRF-Token": zhougang.csrf})
    assert r.status_code == 409
    refusal = r.json()["error"]
    assert refusal["code"] and refusal["article"] and refusal["message"]
    r = zhougang.post(f"/api/cases/{case_id}/actions/approve", json={}, headers=bearer(svc, "zhougang"))
    assert r.status_code == 409 and r.json()["error"]["code"] == refusal["code"]

    # a pure handler decides nothing, whoever prepared it
    zhangmin = http_client(live, "zhangmin")
    r = zhangmin.post(f"/api/cases/{case_id}/actions/approve", json={}, headers={"X-CSRF-Token": zhangmin.csrf})
    assert r.status_code in (403, 409)
    assert stored_counts(svc) == before and svc.cases.show(case_id)["state"] == shown["state"]

    # another approver may
    wangfang = http_client(live, "wangfang")
    assert f'id="case-{case_id}"' in wangfang.get("/approvals").text
    r = wangfang.post(f"/api/cases/{case_id}/actions/approve", json={"expected_version": shown["version"]},
                      headers={"X-CSRF-Token": wangfang.csrf})
    assert r.status_code == 200, r.text
    assert svc.cases.show(case_id)["state"] != shown["state"]
    assert svc.audit.log(case_id)[-1]["actor"] == "wangfang"


# -- the auditor ----------------------------------------------------------------------------------------------------

def test_the_auditors_posts_are_refused(bureau):
    live, svc = bureau
    zhaolei = http_client(live, "zhaolei")
    case = svc.cases.list(kind="objection", state="under_review")[0]
    version = svc.cases.show(case["id"])["version"]
    before = stored_counts(svc)

    page = zhaolei.get(f"/cases/{case['id']}")
    assert page.status_code == 200 and 'class="action"' not in page.text
    r = zhaolei.post(f"/cases/{case['id']}/actions/propose_dismiss",
                     data={"csrf_token": zhaolei.csrf, "expected_version": str(version), "findings": "审计人员"})
    assert r.status_code == 403 and "审计人员只能查阅" in r.text
    r = zhaolei.post(f"/cases/{case['id']}/actions/propose_dismiss", json={"findings": "审计人员"},
                     headers={"X-CSRF-Token": zhaolei.csrf})
    assert r.status_code == 403
    token = bearer(svc, "zhaolei")
    for path, body in ((f"/api/cases/{case['id']}/actions/propose_dismiss", {"findings": "审计人员"}),
                       ("/api/cases", {"kind": "evaluation", "subject": 1, "inputs": {"year": 2025, "score": "90"}}),
                       (f"/api/cases/{case['id']}/assign", {"assignee": "zhangmin"})):
        r = zhaolei.post(path, json=body, headers=token)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "READ-ONLY"
    assert stored_counts(svc) == before and svc.cases.show(case["id"])["version"] == version


# -- the public board masks people ------------------------------------------------------------------------------

ID_NUMBER = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{17}[0-9X](?![0-9A-Z])")


def test_the_public_board_never_shows_an_unmasked_id_number(bureau):
    from sqlalchemy import select

    from notices.privacy import mask_id, mask_name
    from workflows.store.tables import subjects

    live, svc = bureau
    with svc.db.connect() as conn:
        people = conn.execute(select(subjects.c.name, subjects.c.identifier)
                              .where(subjects.c.identifier_kind == "id_number")).all()
        codes = set(conn.execute(select(subjects.c.identifier).where(subjects.c.identifier_kind == "uscc")).scalars())
    assert people, "the demo bureau has people among its subjects"
    anonymous = http_client(live)
    board = anonymous.get("/public").text
    links = set(re.findall(r'href="(/public/(?:notices|objections)/[^"]+)"', board))
    assert links, "the board links its notices"
    published = [board] + [anonymous.get(link.replace("&amp;", "&")).text for link in links]
    queried = []
    for name, identifier in people:
        for q in (name, identifier, identifier[:6], identifier[-4:]):
            r = anonymous.get("/credit", params={"q": q})
            assert r.status_code in (200, 400)
            queried.append(r.text)
    for html in published + queried:
        for _, identifier in people:
            assert identifier not in html
        # nothing that even looks like an 18-character resident ID number, but institutions' codes (USCC)
        assert set(ID_NUMBER.findall(html)) <= codes
    for html in published:  # (the credit query echoes what was typed; the board never names a person in full)
        for name, _ in people:
            assert name not in html
    on_board = [(name, identifier) for name, identifier in people if mask_id(identifier) in board]
    assert on_board, "people on the D list appear on the board, masked"
    for name, _ in on_board:
        assert mask_name(name) in board
