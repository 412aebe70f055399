"""The public pages through HTTP (no login): 公示栏 /public, 信用查询 /credit and the objection form, on both
backends. What they show and for how long is tested on the service (tests/test_board.py); here: the pages show
it, never a full ID number, and the form is CSRF-protected, rate-limited and answers bad input with one Chinese
line and 400, storing nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conftest import HOSPITAL_USCC, PERSON_ID, at, stored_counts
from notices.privacy import mask_id, mask_name
from test_board import CONTACT, HOSPITAL, PERSON, PHARMACY, fill
from web_fixtures import csrf_token, web_app  # noqa: F401  (the fixture)
from workflows.clock import frozen_at
from workflows.store.tables import sealed_inputs
from workflows.web import pages_public

FORM = {"objector": "张某", "contact": CONTACT, "reason": "该院2026年9月仍有超标准收费"}


@pytest.fixture
def public(web_app):
    client_for, svc = web_app
    return client_for, svc, fill(svc)


def at_(when):
    return frozen_at(at(when))


def post_objection(client, case_id, form, token=True):
    data = dict(form)
    if token:
        data["csrf_token"] = csrf_token(client, f"/public/objections/{case_id}")
    return client.post(f"/public/objections/{case_id}", data=data)


def test_the_board_shows_results_the_d_list_and_the_repair_with_persons_masked(public):
    client_for, svc, b = public
    client = client_for()
    with at_("2026-10-09 10:00"):
        page = client.get("/public")
    assert page.status_code == 200 and "公示栏" in page.text
    results = page.text.split('id="public-results"')[1].split("</table>")[0]
    assert HOSPITAL in results and HOSPITAL_USCC in results and "B级" in results and "2027-03-24" in results
    d_list = page.text.split('id="public-d-list"')[1].split("</table>")[0]
    assert PHARMACY in d_list and mask_name(PERSON) in d_list and mask_id(PERSON_ID) in d_list
    notices = page.text.split('id="public-notices"')[1].split("</table>")[0]
    assert f'data-case="{b["repair"]}"' in notices and "2026-10-12" in notices
    assert f'/public/objections/{b["repair"]}' in notices
    assert PERSON_ID not in page.text and PERSON not in page.text  # Art. 28: never in full
    number = re.search(r'href="/public/notices/([^"]+)"', notices).group(1)
    with at_("2026-10-09 10:00"):
        shown = client.get(f"/public/notices/{number}")
    assert shown.status_code == 200 and "信用修复公示" in shown.text
    with at_("2026-10-13 00:00"):
        later = client.get("/public")
        gone = client.get(f"/public/notices/{number}")
    assert f'data-case="{b["repair"]}"' not in later.text and "目前没有正在公示的信用修复" in later.text
    assert gone.status_code == 404


def test_an_objection_posted_moves_the_repair_to_re_review_and_keeps_the_contact_sealed(public):
    client_for, svc, b = public
    client, rep = client_for(), b["repair"]
    with at_("2026-10-09 10:00"):
        form = client.get(f"/public/objections/{rep}")
        assert form.status_code == 200 and 'name="csrf_token"' in form.text
        assert all(f'name="{n}"' in form.text for n in ("objector", "contact", "reason"))
        answer = post_objection(client, rep, FORM)
    assert answer.status_code == 201 and "异议已收到" in answer.text
    assert svc.cases.show(rep)["state"] == "re_review"
    with svc.db.connect() as conn:
        assert conn.execute(select(sealed_inputs.c.value).where(sealed_inputs.c.case_id == rep)).scalars().all() == [CONTACT]
    with at_("2026-10-09 11:00"):
        for path in ("/public", f"/credit?q={HOSPITAL_USCC}"):
            assert CONTACT not in client.get(path).text


def test_a_post_without_its_csrf_token_is_refused(public):
    client_for, svc, b = public
    client = client_for()
    before = stored_counts(svc)
    with at_("2026-10-09 10:00"):
        client.get("/public")
        answer = post_objection(client, b["repair"], FORM, token=False)
    assert answer.status_code == 403
    assert stored_counts(svc) == before and svc.cases.show(b["repair"])["state"] == "public_notice"


def test_bad_input_is_one_chinese_line_400_and_stores_nothing(public):
    client_for, svc, b = public
    client = client_for()
    before = stored_counts(svc)
    with at_("2026-10-09 10:00"):
        answer = post_objection(client, b["repair"], {**FORM, "contact": "明天再说"})
        missing = post_objection(client, b["repair"], {**FORM, "reason": ""})
        xss = post_objection(client, b["repair"], {**FORM, "objector": "<script>alert(1)</script>", "contact": "x"})
    assert answer.status_code == 400 and "联系方式须为手机号码" in answer.text and "Traceback" not in answer.text
    assert missing.status_code == 400 and "请填写“异议理由”" in missing.text
    assert xss.status_code == 400 and "<script>alert(1)</script>" not in xss.text and "&lt;script&gt;" in xss.text
    assert stored_counts(svc) == before and svc.cases.show(b["repair"])["state"] == "public_notice"
    with svc.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sealed_inputs)).scalar_one() == 0


def test_the_form_is_rate_limited_per_address_with_a_chinese_line(public, monkeypatch):
    client_for, svc, b = public
    monkeypatch.setattr(pages_public, "OBJECTION_ADDRESS", ("public_objection_address", 2, 3600))
    client = client_for()
    with at_("2026-10-09 10:00"):
        codes = [post_objection(client, b["repair"], {**FORM, "contact": "bad"}).status_code for _ in range(2)]
        third = post_objection(client, b["repair"], FORM)
    assert codes == [400, 400]
    assert third.status_code == 429 and "一小时内提交的异议已达 2 次" in third.text
    assert svc.cases.show(b["repair"])["state"] == "public_notice"


def test_the_form_is_rate_limited_per_case(public, monkeypatch):
    client_for, svc, b = public
    monkeypatch.setattr(pages_public, "OBJECTION_CASE", ("public_objection_case", 1, 3600))
    with at_("2026-10-09 10:00"):
        first = post_objection(client_for(), b["repair"], {**FORM, "contact": "bad"})
        second = post_objection(client_for(), b["repair"], FORM)  # another visitor, the same case
    assert first.status_code == 400 and second.status_code == 429 and "该公示一小时内" in second.text


def test_the_credit_query_finds_an_institution_and_never_a_person(public):
    client_for, svc, b = public
    client = client_for()
    with at_("2026-10-09 10:00"):
        by_code = client.get("/credit", params={"q": HOSPITAL_USCC})
        by_name = client.get("/credit", params={"q": "大药房"})
        by_id = client.get("/credit", params={"q": PERSON_ID})
        by_person = client.get("/credit", params={"q": PERSON})
        empty = client.get("/credit")
    assert by_code.status_code == 200 and HOSPITAL in by_code.text and "B级" in by_code.text
    assert "信用修复公示中" in by_code.text
    assert PHARMACY in by_name.text and "D级" in by_name.text and HOSPITAL not in by_name.text
    for answer in (by_id, by_person):
        assert answer.status_code == 200 and "个人的信用信息不对外公开查询" in answer.text
        assert 'class="panel credit-institution"' not in answer.text
        assert PERSON_ID not in answer.text
    assert mask_id(PERSON_ID) in by_id.text
    assert empty.status_code == 200 and 'id="credit-q"' in empty.text
