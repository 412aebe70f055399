"""The staff pages through HTTP (workflows/web/pages_staff.py), on SQLite and PostgreSQL: 我的待办 in the right
order with overdue rows red and those due within 3 working days amber, its filters, search and masking; 待审批
with proposals prepared by others only; 审计 with the chain status, its filters and the export; 概览 with its
figures and chart; 异常 with retry for approvers only. The pages read the real clock (the app runs in another
thread than the test), so the cases are opened relative to today."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

from conftest import HOSPITAL_USCC, PERSON_ID, at
from web_fixtures import csrf_token, login, web_app  # noqa: F401  (web_app is a fixture)
from workflows import clock
from workflows.clock import frozen_at

FACTS = "智能监控发现该院2026年5月为未住院的参保人虚构住院病历38份，结算医保基金46.2万元"
HOSPITAL = "郑州市<b>示例</b>医院"  # markup in a free-text field: shown escaped, never as markup
PERSON = "李建华"


def subjects(svc) -> None:
    svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)
    svc.deployment.add_subject(PERSON, "practitioner", None, PERSON_ID)


def clue(svc, actor, subject, day=None) -> int:
    """A fraud clue registered by `actor` on `day` (a date; today on the real clock when None)."""
    inputs = {"source": "monitoring", "facts": FACTS}
    if day is None:
        return svc.cases.open("fraud", actor, inputs, subject=subject)["case_id"]
    with frozen_at(at(f"{day.isoformat()} 09:00")):
        return svc.cases.open("fraud", actor, inputs, subject=subject)["case_id"]


def act(svc, case, trigger, actor, **inputs):
    return svc.cases.act(case, trigger, actor, inputs)


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="case-(\d+)"', html)]


def row_class(html: str, case: int) -> str:
    return re.search(rf'<tr id="case-{case}" class="([^"]*)"', html).group(1)


def test_the_worklist_in_order_with_red_and_amber_rows(web_app):
    client_for, svc = web_app
    subjects(svc)
    cal = svc.engine.calendar
    today = clock.today()
    fresh = clue(svc, "alice", PERSON_ID)  # today: 15 working days ahead
    soon = clue(svc, "alice", HOSPITAL_USCC, cal.nth_working_day_before(today, 13))
    late = clue(svc, "alice", HOSPITAL_USCC, today - timedelta(days=60))  # its clock ended weeks ago, not swept
    carols = clue(svc, "carol", HOSPITAL_USCC)
    expected = {r["id"]: r["urgency"] for r in svc.worklist.worklist("alice")["rows"]}
    assert expected == {late: "overdue", soon: "soon", fresh: None}

    alice = login(client_for(), "alice")
    page = alice.get("/")
    assert page.status_code == 200 and "我的待办" in page.text
    assert row_ids(page.text) == [late, soon, fresh]  # most urgent first; not carol's
    assert carols not in row_ids(page.text)
    assert row_class(page.text, late) == "overdue" and "已届满" in page.text
    assert row_class(page.text, soon) == "due-soon" and row_class(page.text, fresh) == ""
    assert "欺诈骗保案件" in page.text and "线索核查中（待决定是否立案）" in page.text  # labels from the declaration
    assert f'href="/cases/{late}"' in page.text
    assert "郑州市&lt;b&gt;示例&lt;/b&gt;医院" in page.text and HOSPITAL not in page.text  # escaped
    assert PERSON_ID not in page.text and "1101**********002X" in page.text  # the ID number masked

    # filters and search narrow the list
    assert row_ids(alice.get("/", params={"q": PERSON_ID[:8]}).text) == [fresh]
    assert row_ids(alice.get("/", params={"q": "示例"}).text) == [late, soon]
    assert row_ids(alice.get("/", params={"kind": "fraud", "state": "clue"}).text) == [late, soon, fresh]
    act(svc, soon, "propose_file", "alice", findings="线索具体，符合立案标准")
    assert row_ids(alice.get("/", params={"kind": "fraud", "state": "clue"}).text) == [late, fresh]
    assert row_ids(alice.get("/", params={"state": "filing_proposed"}).text) == [soon]
    assert row_ids(alice.get("/", params={"kind": "record"}).text) == []
    # pages of one row each, and the pager's links keep the filters
    first = alice.get("/", params={"kind": "fraud", "page": "1"})
    assert row_ids(first.text) == [late, soon, fresh]
    bad = alice.get("/", params={"kind": "nosuch"})
    assert bad.status_code == 400 and "nosuch" in bad.text and "Traceback" not in bad.text
    assert alice.get("/", params={"page": "0"}).status_code == 400

    carol = login(client_for(), "carol")
    assert row_ids(carol.get("/").text) == [carols]
    assert client_for().get("/").status_code in (302, 303, 307)  # not logged in: to the login page


def test_the_worklist_pages(web_app):
    client_for, svc = web_app
    subjects(svc)
    opened = [clue(svc, "alice", HOSPITAL_USCC) for _ in range(3)]
    alice = login(client_for(), "alice")
    assert row_ids(alice.get("/").text) == opened  # the same last day: by case number
    first = alice.get("/", params={"q": "示例", "per_page": "1"}).text
    assert row_ids(first) == opened[:1] and "第 1 / 3 页" in first
    assert 'href="/?q=%E7%A4%BA%E4%BE%8B&amp;per_page=1&amp;page=2" rel="next"' in first  # keeps the search
    second = alice.get("/", params={"q": "示例", "per_page": "1", "page": "2"}).text
    assert row_ids(second) == opened[1:2] and 'rel="prev"' in second
    last = alice.get("/", params={"q": "示例", "per_page": "1", "page": "3"}).text
    assert row_ids(last) == opened[2:] and 'rel="next"' not in last


def test_the_approvers_queue(web_app):
    client_for, svc = web_app
    subjects(svc)
    alices = clue(svc, "alice", HOSPITAL_USCC)
    carols = clue(svc, "carol", PERSON_ID)
    act(svc, alices, "propose_file", "alice", findings="线索具体，符合立案标准")
    act(svc, carols, "propose_no_case", "carol", findings="经核查，线索不实")

    bob = login(client_for(), "bob").get("/approvals")
    assert bob.status_code == 200 and row_ids(bob.text) == sorted([alices, carols])
    assert f'href="/cases/{alices}"' in bob.text and "提出立案意见" in bob.text and "批准立案" in bob.text
    carol = login(client_for(), "carol").get("/approvals")
    assert row_ids(carol.text) == [alices]  # not the one she prepared herself
    assert login(client_for(), "alice").get("/approvals").status_code == 403  # a handler has no queue
    assert login(client_for(), "audrey").get("/approvals").status_code == 403


def test_the_audit_view_reads_filters_and_exports(web_app):
    client_for, svc = web_app
    subjects(svc)
    a = clue(svc, "alice", HOSPITAL_USCC)
    c = clue(svc, "carol", PERSON_ID, clock.today() - timedelta(days=40))
    act(svc, a, "propose_file", "alice", findings="线索具体，符合立案标准")
    svc.audit.write_checkpoint()

    audrey = login(client_for(), "audrey")
    page = audrey.get("/audit")
    assert page.status_code == 200 and "校验通过" not in page.text and "立即校验" in page.text  # verified when asked
    verified = audrey.get("/audit", params={"verify": "1"}).text
    assert re.search(r'id="chain-status">校验通过', verified) and "日志记录 3" in verified
    assert re.search(r"<td>1</td><td>[0-9-]+ [0-9:]+</td><td>2</td><td>3</td>", page.text)  # the checkpoint
    log_rows = re.findall(r'<tr id="log-(\d+)"', page.text)
    assert len(log_rows) == 3 and "提出立案意见" in page.text
    carol_only = audrey.get("/audit", params={"actor": "carol"}).text
    assert len(re.findall(r'<tr id="log-', carol_only)) == 1 and f'href="/cases/{c}"' in carol_only
    assert f'href="/cases/{a}"' not in carol_only
    today = clock.today().isoformat()
    recent = audrey.get("/audit", params={"since": today, "until": today}).text
    assert f'href="/cases/{c}"' not in recent and len(re.findall(r'<tr id="log-', recent)) == 2
    overridden = audrey.get("/audit", params={"overridden": "1"}).text  # carol's clue was opened on a set clock
    assert len(re.findall(r'<tr id="log-', overridden)) == 1 and "设定时钟" in overridden
    assert audrey.get("/audit", params={"since": "2026-06-05", "until": "2026-06-01"}).status_code == 400

    jsonl = audrey.get("/audit/export", params={"format": "jsonl"})
    assert jsonl.status_code == 200 and "attachment" in jsonl.headers["content-disposition"]
    lines = [json.loads(x) for x in jsonl.text.splitlines()]
    assert [(r["case_id"], r["seq"]) for r in lines] == sorted([(a, 1), (a, 2), (c, 1)])
    one = audrey.get("/audit/export", params={"format": "csv", "case": str(a)})
    rows = list(csv.DictReader(io.StringIO(one.text)))
    assert [r["trigger"] for r in rows] == ["open", "propose_file"] and one.headers["content-type"].startswith("text/csv")
    assert audrey.get("/audit/export", params={"format": "xml"}).status_code == 400

    # the auditor reads; a POST is refused and changes nothing
    before = svc.audit.list_checkpoints()
    assert audrey.post("/audit", data={"csrf_token": csrf_token(audrey, "/audit")}).status_code in (403, 405)
    assert svc.audit.list_checkpoints() == before
    assert login(client_for(), "bob").get("/audit").status_code == 200  # approvers read it too
    assert login(client_for(), "alice").get("/audit").status_code == 403
    assert login(client_for(), "alice").get("/audit/export").status_code == 403


def test_the_dashboard(web_app):
    client_for, svc = web_app
    subjects(svc)
    clue(svc, "alice", HOSPITAL_USCC)
    late = clue(svc, "alice", PERSON_ID, clock.today() - timedelta(days=60))
    closed = clue(svc, "carol", HOSPITAL_USCC)
    act(svc, closed, "propose_no_case", "carol", findings="经核查，线索不实")
    act(svc, closed, "approve", "bob")
    figures = svc.worklist.dashboard()
    assert (figures["open_count"], figures["closed_count"], figures["overdue"]) == (2, 1, 1)

    page = login(client_for(), "alice").get("/dashboard")
    assert page.status_code == 200
    assert re.search(r'id="fig-open">.*?<div class="n">2</div>', page.text, re.S)
    assert re.search(r'id="fig-overdue">.*?>1</div>', page.text, re.S)
    assert re.search(r'id="fig-closed">.*?<div class="n">1</div>', page.text, re.S)
    month = clock.today().strftime("%Y-%m")
    earlier = (clock.today() - timedelta(days=60)).strftime("%Y-%m")  # another month, within the chart's twelve
    assert f"<title>{month} 登记 2 件</title>" in page.text and f"<title>{month} 办结 1 件</title>" in page.text
    assert f"<title>{earlier} 登记 1 件</title>" in page.text and f"<title>{earlier} 办结 0 件</title>" in page.text
    assert "<svg" in page.text and "<script" not in page.text.split("<main")[1]  # drawn on the server, no JS
    assert "欺诈骗保案件：未办结 2 件，已办结 1 件" in page.text
    assert svc.worklist.worklist("alice")["rows"][0]["id"] == late  # the overdue one counted above


def _incident(svc, monkeypatch) -> int:
    """An evaluation whose expiry fails in the sweep (its notice cannot be rendered): an open incident."""
    import workflows.engine.core as engine_module

    with frozen_at(at("2026-02-06 09:00")):
        case = svc.cases.open("evaluation", "alice", {"year": 2025, "score": 80}, subject=HOSPITAL_USCC)["case_id"]
    real_render = engine_module.render

    def failing(template, context):
        if template.startswith("evaluation/finalized"):
            raise RuntimeError("模板服务器不可用（测试）")
        return real_render(template, context)

    monkeypatch.setattr(engine_module, "render", failing)
    with frozen_at(at("2026-03-06 00:00")):
        svc.sweep.run_once(at("2026-03-06 00:00"))
    monkeypatch.setattr(engine_module, "render", real_render)  # repaired: a retry now succeeds
    (incident,) = svc.sweep.list_incidents()
    return incident["id"]


def test_incidents_are_retried_by_approvers_only(web_app, monkeypatch):
    client_for, svc = web_app
    subjects(svc)
    incident = _incident(svc, monkeypatch)

    alice = login(client_for(), "alice")
    assert alice.get("/incidents").status_code == 403
    refused = alice.post(f"/incidents/{incident}/retry", data={"csrf_token": csrf_token(alice, "/")})
    assert refused.status_code == 403 and "审核人" in refused.text
    audrey = login(client_for(), "audrey")
    listed = audrey.get("/incidents")
    assert listed.status_code == 200 and f'id="incident-{incident}"' in listed.text and "模板服务器不可用" in listed.text
    assert "/retry" not in listed.text and "<button" not in listed.text.split("<table")[1]  # the auditor reads only
    assert audrey.post(f"/incidents/{incident}/retry",
                       data={"csrf_token": csrf_token(audrey, "/incidents")}).status_code == 403
    assert [i["attempts"] for i in svc.sweep.list_incidents()] == [1]  # nobody retried it

    bob = login(client_for(), "bob")
    page = bob.get("/incidents")
    assert f'action="/incidents/{incident}/retry"' in page.text and 'name="csrf_token"' in page.text
    token = csrf_token(bob, "/incidents")
    del bob.headers["X-CSRF-Token"]
    assert bob.post(f"/incidents/{incident}/retry", data={}).status_code == 403  # no CSRF token: refused
    assert [i["attempts"] for i in svc.sweep.list_incidents()] == [1]
    done = bob.post(f"/incidents/{incident}/retry", data={"csrf_token": token})
    assert done.status_code == 200 and 'id="retry-result"' in done.text and "已解决" in done.text
    assert svc.sweep.list_incidents() == []
    assert bob.post(f"/incidents/{incident}/retry", data={"csrf_token": token}).status_code == 400  # resolved already
    assert bob.post("/incidents/99999/retry", data={"csrf_token": token}).status_code == 404


def test_a_broken_chain_is_shown_red_with_its_first_break(web_app):
    from test_audit import drop_triggers, raw

    client_for, svc = web_app
    subjects(svc)
    case = clue(svc, "alice", HOSPITAL_USCC)
    act(svc, case, "propose_file", "alice", findings="线索具体，符合立案标准")
    drop_triggers(svc)  # what someone with the database's DDL rights does first
    raw(svc, f"UPDATE transitions SET actor = 'mallory' WHERE case_id = {case} AND seq = 2")

    page = login(client_for(), "audrey").get("/audit", params={"verify": "1"}).text
    status = re.search(r'<p class="alert (\w+)" id="chain-status">(.*?)</p>', page, re.S)
    assert status.group(1) == "error" and "校验通过" not in page
    assert f"首处：案件 {case} 第 2 条" in status.group(2) and "处断裂" in status.group(2)
