"""The case page (issue 17 案件页), opening a case from the web, and the notice pages, through the app.

Each test drives the pages as a browser would (forms with their CSRF field, redirects) and checks what the
page shows against what the services say: the state, the log, the clocks and the calendar's explanation,
the actions `actions()` offers. Refusals and bad input are shown on the page with their status and change
nothing (conftest's `stored_counts`).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from markupsafe import escape

from conftest import HOSPITAL_USCC, publish, stored_counts
from web_fixtures import PASSWORDS, csrf_token, web_app  # noqa: F401  (web_app is a fixture)
from workflows import clock
from workflows.errors import Refused

XSS = "<script>alert(1)</script>"
_FORM = re.compile(r'<form method="post" action="/cases/(\d+)/actions/([a-z_]+)" class="action"')
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client_for, name: str):
    """A browser session of `name`: logged in through the form; it posts forms with the page's csrf_token."""
    client = client_for()
    token = csrf_token(client)
    response = client.post("/login", data={"username": name, "password": PASSWORDS[name], "csrf_token": token})
    assert response.status_code == 303, response.text[:300]
    return client


def post_form(client, page_path: str, action: str, data: dict, files=None):
    """Post a form the way the page does: its csrf_token field read from the page (no header)."""
    page = client.get(page_path)
    assert page.status_code == 200, page.text[:300]
    token = _CSRF_FIELD.search(page.text).group(1)
    return client.post(action, data={"csrf_token": token, **data}, files=files)


def offered(page_html: str, case_id: int) -> set[str]:
    """The triggers the page offers as action forms for the case."""
    return {t for c, t in _FORM.findall(page_html) if int(c) == case_id}


def open_objection(svc, actor="alice", reason="扣分依据有误"):
    """An evaluation published today and an objection to it registered today (the real clock: the app's)."""
    subject = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    evaluation = publish(svc, subject["id"], 2025, 78.5, actor)
    today = clock.today().isoformat()
    out = svc.cases.open("objection", actor, {"grounds": "1,2", "received": today, "materials": "异议申请表,检查记录",
                                              "reason": reason}, parent=evaluation["case_id"])
    return evaluation["case_id"], out["case_id"]


def test_the_case_page_shows_state_subject_timeline_clocks_and_exactly_the_actions(web_app):
    client_for, svc = web_app
    parent_id, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    shown = svc.cases.show(case_id)
    assert f'<span class="state" id="current-state">{shown["state_label"]}</span>' in page.text
    assert "郑州市示例医院" in page.text and HOSPITAL_USCC in page.text  # staff read the file in full
    # the timeline: one row per log entry, with who, when (Beijing time) and the rule codes it was checked by
    log = svc.audit.log(case_id)
    rows = re.findall(r'<tr class="step" data-seq="(\d+)">(.*?)</tr>', page.text, re.S)
    assert [int(seq) for seq, _ in rows] == [e["seq"] for e in log]
    first = rows[0][1]
    assert "alice（经办人）" in first and log[0]["effective_at"][:16].replace("T", " ") in first
    assert {r["code"] for r in log[0]["rules"]} <= set(re.findall(r"<code>([A-Z0-9-]+)</code>", first))
    # each running clock: its last day, what is left, and every day of the calendar's explanation
    running = [t for t in shown["timers"] if t["status"] == "running"]
    assert running
    for t in running:
        block = page.text.split(f'data-timer="{t["name"]}"', 1)[1].split("</details>", 1)[0]
        assert f'<strong class="last-day">{t["last_day"]}</strong>' in block
        explained = svc.cases.explain_timer(case_id, t["name"])
        for d in explained["days"]:
            assert f"<td>{d['date']}</td><td>{'计入' if d['counted'] else '不计'}</td><td>{d['label']}</td>" in block
        assert "这个日期是怎么算出来的" in block
    # the action forms are exactly what actions() offers alice now
    assert offered(page.text, case_id) == {a["trigger"] for a in svc.cases.actions(case_id, "alice", detailed=True)}
    # the diagram marks the current state; parent linked
    assert re.search(rf'<g id="state-{shown["state"]}" class="node state [^"]*current', page.text)
    assert f'<a href="/cases/{parent_id}">' in page.text
    for n in shown["notices"]:
        assert f'href="/notices/{quote(n["number"], safe="")}"' in page.text.replace("%2F", "/")


def test_posting_an_action_advances_the_case_and_its_notice_appears(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    before = svc.cases.show(case_id)
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/accept",
                         {"expected_version": str(before["version"])})
    assert response.status_code == 303
    after = svc.cases.show(case_id)
    assert after["version"] == before["version"] + 1 and after["state"] != before["state"]
    new_notice = after["notices"][-1]
    assert new_notice["number"] not in {n["number"] for n in before["notices"]}
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert f'id="current-state">{after["state_label"]}</span>' in page.text
    done = re.search(r'<p class="notice-ok" role="status" id="done">(.*?)</p>', page.text, re.S).group(1)
    assert "受理" in done and new_notice["number"] in done  # the step's own label and notice, from the log
    # the notice in HTML, and its PDF
    notice_page = client.get(f"/notices/{quote(new_notice['number'], safe='')}")
    assert notice_page.status_code == 200
    assert new_notice["title"] in notice_page.text
    stored = svc.documents.show(new_notice["number"])
    assert str(escape(stored["html"])) in notice_page.text  # the stored document, in a sandboxed frame
    assert '<iframe class="notice-text"' in notice_page.text and 'sandbox=""' in notice_page.text
    pdf = client.get(f"/notices/{quote(new_notice['number'], safe='')}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.content == svc.documents.pdf(new_notice["number"])["pdf"]  # the stored bytes, every time
    # the same notice under its case's address
    assert client.get(f"/cases/{case_id}/notices/{quote(new_notice['number'], safe='')}").status_code == 200


def test_a_refused_action_shows_the_rule_code_and_article_with_409_and_changes_nothing(web_app):
    client_for, svc = web_app
    parent_id, _ = open_objection(svc)
    client = sign_in(client_for, "alice")
    expiry = svc.registry.procedure("evaluation").timers[0].on_expiry  # only the clock fires it
    before = stored_counts(svc)
    response = post_form(client, f"/cases/{parent_id}", f"/cases/{parent_id}/actions/{expiry}", {})
    assert response.status_code == 409
    assert stored_counts(svc) == before
    with pytest.raises(Refused) as info:  # the same refusal, as the service gives it
        svc.cases.act(parent_id, expiry, "alice", {})
    assert stored_counts(svc) == before
    box = re.search(r'<div class="refusal" role="alert" id="refusal">(.*?)</div>', response.text, re.S).group(1)
    assert f'<code class="rule-code">{info.value.code}</code>' in box
    assert str(escape(info.value.article)) in box and str(escape(info.value.message)) in box
    assert "Traceback" not in response.text
    assert '<span class="state" id="current-state">' in response.text  # the case page itself, with its forms


def test_a_handler_cannot_approve_their_own_proposal(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc, actor="carol")
    svc.cases.act(case_id, "accept", "carol", {})
    svc.cases.act(case_id, "propose_uphold", "carol", {"score": "81", "findings": "两项扣分缺少依据"})
    client = sign_in(client_for, "carol")
    page = client.get(f"/cases/{case_id}")
    assert "approve" not in offered(page.text, case_id)
    assert offered(page.text, case_id) == {a["trigger"] for a in svc.cases.actions(case_id, "carol", detailed=True)}
    state, before = svc.cases.show(case_id)["state"], stored_counts(svc)
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/approve", {})
    assert response.status_code == 409
    assert '<code class="rule-code">FOUR-EYES</code>' in response.text
    assert stored_counts(svc) == before and svc.cases.show(case_id)["state"] == state
    # another approver may
    bob = sign_in(client_for, "bob")
    assert "approve" in offered(bob.get(f"/cases/{case_id}").text, case_id)
    assert post_form(bob, f"/cases/{case_id}", f"/cases/{case_id}/actions/approve", {}).status_code == 303
    assert svc.cases.show(case_id)["final"]


def test_an_auditor_sees_no_action_form_and_a_post_is_refused(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc)
    client = sign_in(client_for, "audrey")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert offered(page.text, case_id) == set() and "只能查阅案件，不能办理" in page.text
    before = stored_counts(svc)
    token = csrf_token(client, f"/cases/{case_id}")
    response = client.post(f"/cases/{case_id}/actions/accept", data={"csrf_token": token})
    assert response.status_code == 403
    assert stored_counts(svc) == before


def test_bad_input_is_shown_on_the_page_with_400_and_changes_nothing(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc)
    svc.cases.act(case_id, "accept", "alice", {})
    client = sign_in(client_for, "alice")
    before = stored_counts(svc)
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/propose_uphold",
                         {"score": "一百零一", "findings": "两项扣分缺少依据"})
    assert response.status_code == 400
    assert stored_counts(svc) == before
    assert 'id="refusal"' in response.text and "Traceback" not in response.text
    # what was typed is kept in the form it was typed in
    form = response.text.split('data-trigger="propose_uphold"', 1)[1].split("</form>", 1)[0]
    assert "两项扣分缺少依据" in form


def test_a_stale_version_is_a_conflict_with_the_current_version(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    page = client.get(f"/cases/{case_id}")
    version = svc.cases.show(case_id)["version"]
    svc.cases.act(case_id, "accept", "alice", {})  # someone else, meanwhile
    token = _CSRF_FIELD.search(page.text).group(1)
    before = stored_counts(svc)
    response = client.post(f"/cases/{case_id}/actions/suspend",
                           data={"csrf_token": token, "expected_version": str(version), "reason": "expert_review"})
    assert response.status_code == 409 and stored_counts(svc) == before
    assert f"当前版本 {version + 1}" in response.text


def test_free_text_with_a_script_is_shown_escaped(web_app):
    client_for, svc = web_app
    subject = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    evaluation = publish(svc, subject["id"], 2025, 78.5, "alice")
    client = sign_in(client_for, "alice")
    # opened from the web, the payload typed into the reason
    form = client.get(f"/cases/new?kind=objection&parent={evaluation['case_id']}")
    assert form.status_code == 200 and 'name="parent" value="%d"' % evaluation["case_id"] in form.text
    response = post_form(client, "/cases/new", "/cases/new", {
        "kind": "objection", "parent": str(evaluation["case_id"]), "grounds": "1", "received": clock.today().isoformat(),
        "materials": "异议申请表", "reason": XSS})
    assert response.status_code == 303, response.text[:500]
    case_id = int(re.match(r"/cases/(\d+)", response.headers["location"]).group(1))
    assert svc.cases.show(case_id)["data"]["reason"] == XSS
    page = client.get(response.headers["location"])
    assert XSS not in page.text
    assert str(escape(XSS)) in page.text
    # and typed into an action's text input
    post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/accept", {})
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/propose_dismiss", {"findings": XSS})
    page = client.get(response.headers.get("location", f"/cases/{case_id}"))
    assert XSS not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_opening_a_case_from_the_web_by_its_declared_inputs(web_app):
    client_for, svc = web_app
    subject = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    client = sign_in(client_for, "alice")
    chooser = client.get("/cases/new")
    openable = {p.kind for p in svc.registry.procedures() if p.opening_trigger() is not None}
    assert set(re.findall(r'<option value="([a-z_]+)"', chooser.text)) == openable
    form = client.get("/cases/new?kind=evaluation")
    proc = svc.registry.procedure("evaluation")
    declared = {i.name for t in proc.openings() if t.role != "system" for i in t.inputs}
    assert declared and declared <= set(re.findall(r'name="([a-z_]+)"', form.text))
    # no target given: refused on the page, nothing stored
    before = stored_counts(svc)
    response = post_form(client, "/cases/new", "/cases/new", {"kind": "evaluation", "year": "2025", "score": "88"})
    assert response.status_code == 400 and stored_counts(svc) == before and 'id="refusal"' in response.text
    response = post_form(client, "/cases/new", "/cases/new",
                         {"kind": "evaluation", "subject": HOSPITAL_USCC, "year": "2025", "score": "88"})
    assert response.status_code == 303
    case_id = int(re.match(r"/cases/(\d+)", response.headers["location"]).group(1))
    shown = svc.cases.show(case_id)
    assert shown["kind"] == "evaluation" and shown["subject_id"] == subject["id"] and shown["assignee"] == "alice"
    page = client.get(response.headers["location"])
    assert 'id="done"' in page.text and shown["notices"][0]["number"] in page.text


def test_upload_an_attachment_and_reassign_on_the_case_page(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/attach",
                         {"description": "检查记录扫描件"}, files={"file": ("检查记录.pdf", content, "application/pdf")})
    assert response.status_code == 303, response.text[:500]
    attached = svc.cases.show(case_id)["attachments"]
    assert [(a["filename"], a["size"], a["media_type"]) for a in attached] == [("检查记录.pdf", len(content),
                                                                              "application/pdf")]
    import hashlib

    assert attached[0]["sha256"] == hashlib.sha256(content).hexdigest()
    assert attached[0]["sha256"] in client.get(f"/cases/{case_id}").text
    # a file that is not an allowed type: 400 on the page, nothing stored
    before = stored_counts(svc)
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/attach", {},
                         files={"file": ("a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert response.status_code == 400 and stored_counts(svc) == before
    assert "file_type" in response.text
    # an approver gives the case to another handler
    bob = sign_in(client_for, "bob")
    page = bob.get(f"/cases/{case_id}")
    assign_form = page.text.split('data-trigger="assign"', 1)[1].split("</form>", 1)[0]
    assert set(re.findall(r'<option value="([a-z]+)"', assign_form)) == {"alice", "carol"}  # the handlers
    response = post_form(bob, f"/cases/{case_id}", f"/cases/{case_id}/actions/assign", {"assignee": "carol"})
    assert response.status_code == 303
    assert svc.cases.show(case_id)["assignee"] == "carol"
    assert "承办人：carol" in bob.get(f"/cases/{case_id}").text


def test_unknown_case_and_notice_are_404_pages(web_app):
    client_for, svc = web_app
    client = sign_in(client_for, "alice")
    assert client.get("/cases/999").status_code == 404
    assert client.get("/cases/abc").status_code == 404
    assert client.get("/notices/" + quote("郑医保信异〔2026〕999号", safe="")).status_code == 404


def test_the_case_page_needs_a_login(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc)
    response = client_for().get(f"/cases/{case_id}")
    assert response.status_code == 303 and unquote(response.headers["location"]).startswith("/login?next=/cases/")


def test_a_sealed_reporter_is_never_on_the_page_until_an_entitled_user_reads_it_and_the_reading_is_logged(web_app):
    client_for, svc = web_app
    subject = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    proc = svc.registry.procedure("fraud")
    opening = next(t for t in proc.openings() if t.role != "system")
    source = next(i for i in opening.inputs if i.name == "source").choices[0]
    client = sign_in(client_for, "alice")
    response = post_form(client, "/cases/new?kind=fraud", "/cases/new", {
        "kind": "fraud", "subject": str(subject["id"]), "source": source, "facts": "串换药品", "reporter": "王小明",
        "reporter_id": "11010519491231002X"})
    assert response.status_code == 303, response.text[:500]
    case_id = int(re.match(r"/cases/(\d+)", response.headers["location"]).group(1))
    page = client.get(f"/cases/{case_id}")
    assert "王小明" not in page.text and "11010519491231002X" not in page.text
    bob = sign_in(client_for, "bob")
    page = bob.get(f"/cases/{case_id}")
    assert "王小明" not in page.text
    assert "sealed_read" in offered(page.text, case_id)
    log_before = len(svc.audit.log(case_id))
    response = post_form(bob, f"/cases/{case_id}", f"/cases/{case_id}/actions/sealed_read", {})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    sealed = re.search(r'<div class="notice-ok" role="status" id="sealed">(.*?)</div>', response.text, re.S).group(1)
    assert "王小明" in sealed and "11010519491231002X" in sealed
    log = svc.audit.log(case_id)
    assert len(log) == log_before + 1 and log[-1]["actor"] == "bob" and log[-1]["notice_number"] in sealed
    assert "王小明" not in bob.get(f"/cases/{case_id}").text  # shown once, to the reader, not kept on the page


def test_an_oversized_upload_is_refused_on_the_page_and_nothing_is_stored(web_app, monkeypatch):
    from workflows.services import attachments

    client_for, svc = web_app
    _, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    monkeypatch.setattr(attachments, "ATTACHMENT_MAX_BYTES", 1000)  # the service's limit, lowered for the test
    before = stored_counts(svc)
    for size in (1001, 1000 + 2 * 1024 * 1024):  # read and refused by the service; refused by its length, unread
        content = b"%PDF-1.4\n" + b"0" * (size - 9)
        response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/attach", {},
                             files={"file": ("大文件.pdf", content, "application/pdf")})
        assert response.status_code == 400
        assert "file_too_large" in response.text and "上限" in response.text
        assert stored_counts(svc) == before and svc.cases.show(case_id)["attachments"] == []


def test_the_success_line_is_read_from_the_log_not_from_the_address(web_app):
    client_for, svc = web_app
    _, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    assert 'id="done"' not in client.get(f"/cases/{case_id}?done=999").text
    assert 'id="done"' not in client.get(f"/cases/{case_id}?done=<b>x</b>").text
    first = svc.audit.log(case_id)[0]
    page = client.get(f"/cases/{case_id}?done={first['seq']}").text
    assert first["notice_number"] in page.split('id="done"', 1)[1].split("</p>", 1)[0]


def test_a_correction_notice_from_the_page_cites_a_notice_of_this_case_only(web_app):
    client_for, svc = web_app
    parent_id, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    own = svc.cases.show(case_id)["notices"][0]["number"]
    other = svc.cases.show(parent_id)["notices"][0]["number"]
    before = stored_counts(svc)
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/correct_notice",
                         {"notice": other, "correction": "更正内容"})
    assert response.status_code == 400 and "other_case_notice" in response.text and stored_counts(svc) == before
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/correct_notice",
                         {"notice": own, "correction": "收件日期更正为前一日"})
    assert response.status_code == 303
    notices = svc.cases.show(case_id)["notices"]
    assert len(notices) == 2 and svc.documents.show(notices[-1]["number"])["title"] == "文书更正通知书"
    assert own in svc.documents.show(notices[-1]["number"])["text"]  # it cites the notice it corrects


def _declared_labels(svc, kind: str) -> dict[str, str]:
    """Every declared input's label of the kind, by name (read from the declaration here, not from the page)."""
    labels: dict[str, str] = {}
    for t in svc.registry.procedure(kind).transitions:
        for i in t.inputs:
            if i.label:
                labels.setdefault(i.name, i.label)
    return labels


def _fact_sections(html: str) -> tuple[dict[str, str], dict[str, str]]:
    """The facts table's rows (data key → its label) and the collapsed 系统记录的其他数据 rows (key → its cell)."""
    section = html.split('<section id="subject">', 1)[1].split("</section>", 1)[0]
    main, _, recorded = section.partition('<details id="recorded">')
    facts = dict(re.findall(r'<tr data-key="([^"]+)"><th>(.*?)</th>', main, re.S))
    others = {}
    for chunk in recorded.split('<tr data-key="')[1:]:  # a row's cell may hold nested rows of its own
        key, _, rest = chunk.partition('"><th><code class="field">')
        assert rest.startswith(f"{key}</code></th><td>"), chunk[:200]
        others[key] = rest
    return facts, others


def test_the_facts_read_in_chinese_and_the_recorded_data_is_listed_by_field_name(web_app):
    client_for, svc = web_app
    parent_id, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    for cid in (case_id, parent_id):
        shown = svc.cases.show(cid)
        labels = _declared_labels(svc, shown["kind"])
        facts, others = _fact_sections(client.get(f"/cases/{cid}").text)
        assert facts, "a case has declared facts"
        for key, label in facts.items():  # each row labelled by its declared input (or the date input it records)
            assert label == labels.get(key, labels.get(key.removesuffix("_on"))), (key, label)
            assert label != key and not re.search(r"\b[a-z]+_[a-z_]+\b", label.split("（")[0])
        for key, value in shown["data"].items():
            declared = key in labels or key.removesuffix("_on") in labels
            if declared:
                assert key in facts and key not in others
            elif value not in (None, "", [], {}):  # nothing the file records is hidden from staff
                assert key in others and key not in facts, key
            else:
                assert key not in facts and key not in others
        assert "declaration_version" not in facts and "declaration_version" not in others  # shown in the head
    # the objection: its typed facts by their labels and values; the evaluation it contests as nested rows
    shown = svc.cases.show(case_id)
    page = client.get(f"/cases/{case_id}").text
    facts, others = _fact_sections(page)
    assert facts["grounds"] == "异议理由（第二十四条第一至六项）" and facts["received_on"] == "收到书面材料日期"
    assert "<td>异议申请表、检查记录</td>" in page and "<th>证明材料</th>" in page
    assert "filed_on" in others and "evaluation" in others and "<summary>系统记录的其他数据" in page
    evaluation = shown["data"]["evaluation"]
    for k, v in evaluation.items():
        text = ("是" if v else "否") if isinstance(v, bool) else str(v)
        assert re.search(rf'<code class="field">{k}</code>(?: <span class="hint">[^<]*</span>)?</th><td>{re.escape(text)}</td>',
                         others["evaluation"]), (k, v)
    assert "score：" not in page  # no more "key：value；key：value" runs
    assert f"按第 {shown['declaration_version']} 版程序办理" in page


def test_an_attachment_downloads_with_its_stored_bytes_only_from_its_own_case(web_app):
    import hashlib

    client_for, svc = web_app
    parent_id, case_id = open_objection(svc)
    client = sign_in(client_for, "alice")
    content = b"%PDF-1.4\n% material of the objection\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/actions/attach", {},
                         files={"file": ("异议申请表.pdf", content, "application/pdf")})
    assert response.status_code == 303, response.text[:500]
    sha = hashlib.sha256(content).hexdigest()
    page = client.get(f"/cases/{case_id}").text
    href = re.search(r'<a class="download" href="([^"]+)" download>异议申请表.pdf</a>', page).group(1)
    assert href == f"/cases/{case_id}/attachments/{sha}"
    listed = page.split('<section id="attachments">', 1)[1].split("</section>", 1)[0]
    assert "<td>PDF</td>" in listed and "application/pdf" not in listed  # the type by its declared label
    assert "alice（经办人）" in page.split('<section id="timeline">', 1)[1]
    got = client.get(href)
    assert got.status_code == 200 and got.content == content
    assert got.headers["content-type"] == "application/pdf"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;") and quote("异议申请表.pdf", safe="") in disposition
    assert got.headers["x-content-type-options"] == "nosniff"
    audrey = sign_in(client_for, "audrey")  # every member of staff may read the file, the auditor too
    assert audrey.get(href).content == content
    # another case's material (its hash exists in the store) is not this case's: 404, and the reverse too
    other = b"%PDF-1.4\n% material of the evaluation\ntrailer<<>>\n%%EOF\n"
    response = post_form(client, f"/cases/{parent_id}", f"/cases/{parent_id}/actions/attach", {},
                         files={"file": ("评价表.pdf", other, "application/pdf")})
    assert response.status_code == 303, response.text[:500]
    other_sha = hashlib.sha256(other).hexdigest()
    refused = client.get(f"/cases/{case_id}/attachments/{other_sha}")
    assert refused.status_code == 404 and f"案件 {case_id} 没有 SHA-256 为 {other_sha}" in refused.text
    assert other not in refused.content
    assert client.get(f"/cases/{parent_id}/attachments/{sha}").status_code == 404
    assert client.get(f"/cases/{parent_id}/attachments/{other_sha}").content == other
    assert client.get(f"/cases/{case_id}/attachments/{'0' * 64}").status_code == 404
    assert client.get(f"/cases/999/attachments/{sha}").status_code == 404
    # not logged in: the login page, never the bytes
    anonymous = client_for()
    response = anonymous.get(href, follow_redirects=False)
    assert response.status_code in (302, 303, 307) and "/login" in response.headers["location"]


def test_facts_and_step_inputs_are_shown_by_their_declared_labels():
    """On the real declarations: a choice code by its choice label, a day `x_on` by input x's label, a code
    recorded beside its `_label` once, an instant in Beijing time, a sealed value masked, a summary field
    that repeats the data once; undeclared keys go to the recorded list under their names."""
    from states import REGISTRY
    from workflows.web import case_page

    proc, spec = next((p, i) for p in REGISTRY.procedures() for t in p.transitions for i in t.inputs
                      if i.type == "choice" and i.choice_labels and i.label)
    code, choice_label = spec.choice_labels[-1]
    date_input = next(i for t in proc.transitions for i in t.inputs if i.label and i.type == "date")
    shown = {"declaration_version": proc.version, "data": {
        spec.name: code, f"{date_input.name}_on": "2026-11-03", "internal_flag_of_effect": True,
        "sent": {"at": "2026-11-18T06:00:00+00:00", "by": "alice"}, "sealed_thing": {"sealed": 3, "sha256": "ab"},
        "empty_record": []}}
    shown[spec.name] = code  # a summary field equal to the data: shown once
    declared, recorded = case_page.facts(proc, shown)
    rows = {r["name"]: r for r in declared}
    assert rows[spec.name]["label"] == spec.label and rows[spec.name]["value"] == {"text": choice_label}
    assert rows[f"{date_input.name}_on"]["label"] == date_input.label
    assert [r["name"] for r in declared].count(spec.name) == 1
    others = {r["name"]: r["value"] for r in recorded}
    assert set(others) == {"internal_flag_of_effect", "sent", "sealed_thing"}  # the empty record left out
    assert others["internal_flag_of_effect"] == {"text": "是"}
    sent = {r["key"]: r["value"]["text"] for r in others["sent"]["rows"]}
    assert sent == {"at": "2026-11-18 14:00", "by": "alice"}  # 06:00 UTC is 14:00 in Beijing
    assert others["sealed_thing"] == {"text": case_page.SEALED_TEXT}
    # a reminder's step: the timer's code is not shown beside its label; a clock's side by its Chinese name
    specs = case_page.input_specs(proc)
    shown_inputs = case_page.step_inputs(specs, {"timer": "handling", "timer_label": "办理期限", "side": "agency"})
    assert [r["value"] for r in shown_inputs] == ["办理期限", case_page.SIDE_LABELS["agency"]]
    assert "handling" not in str(shown_inputs)
    assert case_page.role_label("handler|approver") == "经办人、审核人" and case_page.role_label("system") == "系统"
