"""The web app's main journeys in a real browser (issue 17): Playwright for Python driving Debian's chromium
against a live server on the demo bureau (tests/web_live.py). Each journey checks what the page shows and
what the store then holds.

* a handler logs in, finds a case in the worklist, opens it, advances it through the form generated from the
  trigger's declared inputs, reads the notice it issued and downloads its PDF;
* another user (an approver) finds it in the approver's queue and decides it; the handler was not offered
  the decision;
* the public reads the board and raises an objection to a repair under public notice;
* the auditor reads the log across cases with the chain's status and changes nothing;
* a form submitted on an outdated page is refused on the page with the reason (409), never a stack trace.
"""

from __future__ import annotations

import subprocess

from web_live import bureau, browser, log_in, open_page  # noqa: F401 - the fixtures


def test_handler_advances_a_case_and_another_user_approves_it(open_page, bureau, tmp_path):
    live, svc = bureau
    # an objection under review that zhangmin handles (the demo has them; the worklist must show it)
    mine = [c for c in svc.cases.list(kind="objection", state="under_review", mine="zhangmin")
            if c["assignee"] == "zhangmin"]
    assert mine, "the demo bureau has an objection under review handled by zhangmin"
    case_id, subject = mine[0]["id"], mine[0]["subject_name"]
    version = svc.cases.show(case_id)["version"]

    page = open_page()
    log_in(page, "zhangmin")
    assert page.locator("h1").inner_text() == "我的待办"
    row = page.locator(f"tr#case-{case_id}")
    assert row.count() == 1 and subject in row.inner_text()

    # find it by the subject's name
    page.fill("#f-q", subject)
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**q=*")
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() >= 1
    assert all(subject in rows.nth(i).inner_text() for i in range(rows.count()))
    page.locator(f"tr#case-{case_id} a[href='/cases/{case_id}']").click()
    page.wait_for_url(f"**/cases/{case_id}")

    # the case page: the facts, the diagram, and exactly the actions zhangmin may take now
    assert subject in page.locator("#subject").inner_text()
    assert page.locator("#current-state").inner_text() == "审查中"
    assert page.locator("#diagram svg").count() == 1
    offered = set(page.locator("form.action").evaluate_all("fs => fs.map(f => f.dataset.trigger)"))
    assert offered == {a["trigger"] for a in svc.cases.actions(case_id, "zhangmin", detailed=True)}
    assert "approve" not in offered  # a handler decides nothing

    # advance it: the form generated from propose_dismiss's declared inputs (审查意见, a text)
    findings = "经核查，申请人所称扣分依据不实的理由不成立，扣分事实清楚（浏览器测试）"
    form = page.locator("form[data-trigger=propose_dismiss]")
    page.locator("details.action-box", has=form).locator("summary").click()
    assert form.locator("label[for='act-propose_dismiss-findings']").inner_text() == "审查意见"
    form.locator("#act-propose_dismiss-findings").fill(findings)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/cases/{case_id}?done=*")
    assert page.locator("#current-state").inner_text() == "拟认定异议不成立（待审核）"
    assert "已办理" in page.locator("#done").inner_text()
    shown = svc.cases.show(case_id)
    assert shown["state"] == "dismiss_proposed" and shown["version"] == version + 1
    assert findings in page.locator("#timeline").inner_text()

    # the notice this step issued: its page, its text, and its PDF
    number = shown["notices"][-1]["number"]
    page.locator("#done a").click()
    page.wait_for_url("**/notices/**")
    assert number in page.locator("#notice-meta").inner_text()
    frame = page.frame_locator("iframe.notice-text")
    assert findings in frame.locator("body").inner_text()
    href = page.locator("#pdf-link").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
    body = pdf.body()
    assert body.startswith(b"%PDF-")
    (tmp_path / "notice.pdf").write_bytes(body)
    text = subprocess.run(["pdftotext", str(tmp_path / "notice.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert number in text.replace("\n", "") and "扣分事实清楚" in text.replace("\n", "")

    # zhangmin prepared it: no decision is offered to her, and the approver's queue is not hers
    page.goto(f"/cases/{case_id}")
    assert page.locator("form[data-trigger=approve]").count() == 0

    # another user, the approver wangfang, finds it in her queue and approves it
    other = open_page()
    log_in(other, "wangfang", "/approvals")
    assert other.locator("h1").inner_text() == "待审批"
    queued = other.locator(f"table.approvals tr#case-{case_id}")
    assert queued.count() == 1 and "zhangmin" in queued.inner_text()
    queued.locator(f"a[href='/cases/{case_id}']").click()
    other.wait_for_url(f"**/cases/{case_id}")
    other.locator("form[data-trigger=approve] button[type=submit]").click()
    other.wait_for_url(f"**/cases/{case_id}?done=*")
    assert other.locator("#current-state").inner_text() == "异议不成立"
    decided = svc.cases.show(case_id)
    assert decided["state"] == "dismissed" and decided["final"]
    log = svc.audit.log(case_id)
    assert [(e["trigger"], e["actor"]) for e in log[-2:]] == [("propose_dismiss", "zhangmin"), ("approve", "wangfang")]
    # the decision's notice to the subject is listed on the page, with its PDF
    told = decided["notices"][-1]
    assert told["audience"] == "subject" and told["number"] in other.locator("#notices").inner_text()
    other.goto("/approvals")
    assert other.locator(f"tr#case-{case_id}").count() == 0  # decided: out of the queue
    assert not page.js_errors and not other.js_errors


def test_the_public_reads_the_board_and_raises_an_objection(open_page, bureau):
    live, svc = bureau
    under_notice = [c for c in svc.cases.list(kind="repair", state="public_notice")]
    assert under_notice, "the demo bureau has a repair under public notice"
    case_id = under_notice[0]["id"]

    page = open_page()  # no login
    page.goto("/public")
    assert page.locator("h1").inner_text() == "公示栏"
    item = page.locator(f"#public-notices tr[data-case='{case_id}']")
    assert item.count() == 1 and "信用修复" in item.inner_text()
    assert page.locator("#public-results tbody tr").count() >= 1  # institutions' results under disclosure
    item.locator(f"a[href='/public/objections/{case_id}']").click()
    page.wait_for_url(f"**/public/objections/{case_id}")

    contact = "13800138000"
    reason = "该单位仍有未整改的违规结算行为，不应予以信用修复（浏览器测试）"
    page.fill("#obj-objector", "王某某")
    page.fill("#obj-contact", contact)
    page.fill("#obj-reason", reason)
    page.locator("#objection-form button[type=submit]").click()
    assert page.locator("h1").inner_text() == "异议已收到"
    assert "已于" in page.locator("#objection-received").inner_text()

    shown = svc.cases.show(case_id)
    assert shown["state"] == "re_review"
    last = svc.audit.log(case_id)[-1]
    assert last["trigger"] == "board_objection"
    raised = shown["data"]["public_objections"][-1]
    assert raised["reason"] == reason and raised["channel"] == "public_board"
    assert contact not in str(shown["data"]) and contact not in str(last)  # sealed: only a reference is kept

    # the board no longer shows the stopped notice, and nowhere shows the objector's contact
    page.goto("/public")
    assert page.locator(f"#public-notices tr[data-case='{case_id}']").count() == 0
    assert contact not in page.content()
    assert not page.js_errors


def test_the_auditor_reads_the_log_and_is_offered_no_action(open_page, bureau):
    live, svc = bureau
    page = open_page()
    log_in(page, "zhaolei", "/audit")
    assert page.locator("h1").first.inner_text() == "审计"
    verify = svc.audit.verify()
    assert verify["ok"]
    page.locator("section[aria-labelledby=chain] button[type=submit]").click()  # 立即校验
    page.wait_for_url("**verify=1*")
    status = page.locator("#chain-status").inner_text()
    assert status.startswith("校验通过")
    assert f"日志记录 {verify['checked']['rows']}" in page.locator("section[aria-labelledby=chain]").inner_text()
    assert page.locator("table.log tbody tr").count() >= 1
    # filter the log by an actor: every row shown is that actor's
    page.select_option("#a-actor", "wangfang")
    page.locator("form[action='/audit'] button[type=submit]").click()
    page.wait_for_url("**actor=wangfang*")
    rows = page.locator("table.log tbody tr")
    assert rows.count() >= 1
    actors = rows.evaluate_all("rs => rs.map(r => r.cells[4].innerText.trim())")
    assert set(actors) == {"wangfang"}

    # on a case page the auditor reads everything and is offered nothing
    some_case = svc.cases.list(kind="objection", state="under_review")[0]["id"]
    page.goto(f"/cases/{some_case}")
    assert page.locator("#timeline tr.step").count() == len(svc.audit.log(some_case))
    assert page.locator("form.action").count() == 0
    assert "只能查阅" in page.locator("#actions").inner_text()
    assert not page.js_errors


def test_a_stale_form_is_refused_with_the_reason_on_the_page(open_page, bureau):
    """Two tabs of one handler on the same case: the first submission wins; the second, made on the older
    version, is refused on the page (what happened, the current version), never a stack trace, and stores nothing."""
    live, svc = bureau
    theirs = [c for c in svc.cases.list(kind="objection", state="under_review") if c["assignee"] == "liuyang"]
    assert theirs, "the demo bureau has an objection under review handled by liuyang"
    case_id = theirs[0]["id"]
    first = open_page()
    log_in(first, "liuyang")
    second = first.context.new_page()
    for tab in (first, second):
        tab.goto(f"/cases/{case_id}")
    version = svc.cases.show(case_id)["version"]

    form = first.locator("form[data-trigger=propose_dismiss]")
    first.locator("details.action-box", has=form).locator("summary").click()
    form.locator("#act-propose_dismiss-findings").fill("扣分事实清楚，异议理由不成立（第一个标签页）")
    form.locator("button[type=submit]").click()
    first.wait_for_url(f"**/cases/{case_id}?done=*")
    assert svc.cases.show(case_id)["version"] == version + 1

    stale = second.locator("form[data-trigger=propose_uphold]")
    second.locator("details.action-box", has=stale).locator("summary").click()
    stale.locator("#act-propose_uphold-score").fill("85")
    stale.locator("#act-propose_uphold-findings").fill("异议成立（第二个标签页，页面已过时）")
    with second.expect_response(lambda r: r.request.method == "POST") as answered:
        stale.locator("button[type=submit]").click()
    assert answered.value.status == 409  # the one mapping: a concurrent change
    refusal = second.locator("#refusal")
    refusal.wait_for()
    text = refusal.inner_text()
    assert text.startswith("未办理") and f"当前版本 {version + 1}" in text and "案件未作任何更改" in text
    assert "Traceback" not in second.content()
    shown = svc.cases.show(case_id)
    assert shown["state"] == "dismiss_proposed" and shown["version"] == version + 1
    assert [e["trigger"] for e in svc.audit.log(case_id)][-1] == "propose_dismiss"
