"""Written notices (issue 6): every notice of every transition in HTML and PDF, GB/T 9704 layout,
privacy masking on every template, remedies, immutable stored PDFs, service (送达), the CLI.

The rendering tests drive every transition once on SQLite (tests/notice_story.py) and render each
distinct notice to PDF once; the storage and service tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

import notice_story
from conftest import HOSPITAL_USCC, PERSON_ID, at, make_services
from notices import render
from notices.privacy import mask_id, mask_name, needs_masking, party_view
from notices.render import date_zh, html_to_text, typefaces
from states import PROCEDURES
from workflows import documents
from workflows.clock import frozen_at
from workflows.errors import BadInput, Refused

NUMBER = re.compile(r"^郑医保(信评|信异|信评记|信异记|督)〔20\d\d〕[1-9]\d*号$")
DECLARED = {t.notice.template for p in PROCEDURES.values() for t in p.transitions}


def pdf_text(pdf: bytes, *args: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed (bash .ci/setup installs it)")
    return subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def flat(text: str) -> str:
    """pdftotext's lines joined: drops line breaks and the page-number lines between pages."""
    lines = [line for line in text.splitlines() if not re.fullmatch(r"\s*—\s*\d+\s*—\s*", line)]
    return re.sub(r"\s+", "", "".join(lines))


def _users(s):
    s.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
           court="郑州铁路运输法院")
    for name, roles in (("alice", ["handler"]), ("bob", ["approver"]), ("carol", ["handler", "approver"]),
                        ("audrey", ["auditor"])):
        s.add_user(name, roles)


def _resolved(context: dict) -> dict:
    """A copy of a notice context with the engine's lazy values loaded (they need the live connection)."""
    out = {}
    for key, value in context.items():
        if hasattr(value, "_get"):
            value = value._get()
        out[key] = copy.deepcopy(value) if key != "grade_for" else value
    return out


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Every transition of both procedures on SQLite, with the context each notice was rendered from."""
    import workflows.engine as engine_module

    home = tmp_path_factory.mktemp("notices")
    s = make_services(f"sqlite:///{home / 'creditflow.db'}", home)
    _users(s)
    contexts: dict[str, dict] = {}

    class Captured:
        """The draft the engine numbers: remembers the context under the number it gets."""

        def __init__(self, draft, context):
            self.draft, self.context = draft, context

        def numbered(self, placeholder, number):
            self.context["notice"]["number"] = number
            contexts[number] = self.context
            return self.draft.numbered(placeholder, number)

    def capture(template, context):
        return Captured(render(template, context), _resolved(context))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine_module, "render", capture)
        entries = notice_story.run(s, override_dir=home)
    yield {"svc": s, "entries": entries, "contexts": contexts}
    s.db.dispose()


@pytest.fixture(scope="module")
def pdfs(story):
    """One PDF per distinct notice kind (template, and whether it carries the remedies)."""
    out = {}
    for e in story["entries"]:
        key = (e["template"], e["against_subject"], e["audience"])
        if key not in out:
            out[key] = (e, documents.notice_pdf(story["svc"], e["number"]))
    return out


# -- every transition, every notice ------------------------------------------------------------------------

def test_the_story_fires_every_declared_transition(story):
    s = story["svc"]
    fired = set()
    for case in range(1, 100):
        try:
            kind = s.show_case(case)["kind"]
        except BadInput:
            break
        fired |= {(kind, e["trigger"], e["to_state"]) for e in s.audit_log(case)}
    for kind, proc in PROCEDURES.items():
        for t in proc.transitions:
            assert any(k == kind and trig == t.trigger and (t.dest is None or dest == t.dest)
                       for k, trig, dest in fired), f"{kind}: {t.trigger} → {t.dest} never fired"
    assert {e["template"] for e in story["entries"]} == DECLARED


def test_every_pdf_carries_number_title_subject_and_deadline(pdfs):
    assert {key[0] for key in pdfs} == DECLARED
    for (template, against, audience), (entry, out) in pdfs.items():
        pdf = out["pdf"]
        assert pdf.startswith(b"%PDF-") and out["sha256"] == hashlib.sha256(pdf).hexdigest()
        text = flat(pdf_text(pdf))
        where = f"{entry['number']} ({template})"
        assert NUMBER.match(entry["number"]), where
        assert entry["number"] in text, where
        assert entry["title"] in text, where
        assert entry["subject"] in text, where
        if entry["deadline"]:
            assert date_zh(entry["deadline"]) in text, f"{where}: deadline {entry['deadline']}"
        assert "郑州市医疗保障局" in text
        if against:
            for phrase in ("行政复议", "六十日", "郑州市人民政府", "行政诉讼", "六个月", "郑州铁路运输法院"):
                assert phrase in text, f"{where}: {phrase}"


def test_pdf_layout_a4_page_numbers_and_issue_instant(pdfs, story):
    entry, out = pdfs[("evaluation/published.html.j2", False, "subject")]
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils not installed (bash .ci/setup installs it)")
    info = subprocess.run(["pdfinfo", "-isodates", "-"], input=out["pdf"], capture_output=True, check=True).stdout.decode()
    assert "A4" in info
    assert re.search(r"CreationDate:\s+2026-02-06T09:00:00\+08", info), info  # the issue instant, Shanghai
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    raw = pdf_text(out["pdf"])
    for n in range(1, pages + 1):
        assert re.search(rf"—\s*{n}\s*—", raw), f"page number {n}"
    first = flat(pdf_text(out["pdf"], "-f", "1", "-l", "1"))
    assert first.index("郑州市医疗保障局") < first.index(entry["number"]) < first.index(entry["title"])
    assert "根据《河南省医疗保障基金使用信用管理办法》" in first  # the body starts on page 1
    annex = flat(pdf_text(out["pdf"], "-f", str(pages), "-l", str(pages)))
    assert annex.startswith("附件信用评价结果异议申请表")  # 附件 on its own page, label then title
    assert "（《河南省医疗保障基金使用信用管理办法》附件1）" in annex and "2026年3月5日" in annex


def test_html_conventions(story):
    for e in story["entries"]:
        html = story["svc"].show_notice(e["number"])["html"]
        assert "\ue000" not in html and e["number"] in html  # numbered after rendering, nothing left over
        assert '<meta name="dcterms.created" content="2026-' in html
        assert "〔2026〕" in html and "[2026]" not in html
        assert re.search(r'<div class="date">2026年\d{1,2}月\d{1,2}日</div>', html)  # 成文日期, Arabic numerals
        assert "<link" not in html and "src=" not in html  # self-contained: style inline, nothing fetched
        assert "（单位）" not in html  # 你 / 你单位 by subject type
        assert "《医疗保障基金使用信用管理办法》" not in html  # the measure is cited by its title


def test_remedies_on_every_decision_against_the_subject(story):
    declared_against = {(t.notice.template, t.dest) for p in PROCEDURES.values() for t in p.transitions
                        if t.notice.against_subject}
    assert declared_against
    for e in story["entries"]:
        state = story["svc"].show_case(e["case_id"])["state"]
        grade_d = "信用等级D级" in e["text"] and e["template"].startswith(("evaluation/finalized", "evaluation/adjusted"))
        expected = any(tpl == e["template"] and dest in (state, None) for tpl, dest in declared_against) or grade_d
        if e["template"] == "objection/decided.html.j2":
            expected = "异议不成立" in e["text"]
        assert e["against_subject"] == expected, (e["number"], e["template"])
        if expected:
            doc = _this_document(e["title"])
            assert f"如对{doc}不服，可以自收到{doc}之日起六十日内向郑州市人民政府申请行政复议" in e["text"], e["number"]
            assert f"自收到{doc}之日起六个月内直接向郑州铁路运输法院提起行政诉讼" in e["text"], e["number"]
            assert "《中华人民共和国行政复议法》第二十条第一款、《中华人民共和国行政诉讼法》第四十六条第一款" in e["text"]
        # 不停止执行 only where something is put into effect against the subject: a D grade made final or
        # corrected; never on a refusal of an objection or a dismissal (nothing to execute).
        assert ("不停止执行" in e["text"]) == grade_d, (e["number"], e["template"])
        if grade_d:
            assert ("行政复议或者行政诉讼期间，上述评价结果不停止执行" in e["text"]
                    or "行政复议或者行政诉讼期间，更正后的评价结果不停止执行" in e["text"])
            assert "（《中华人民共和国行政复议法》第四十二条、《中华人民共和国行政诉讼法》第五十六条）" in e["text"]


# -- privacy --------------------------------------------------------------------------------------------------

PERSON = {"name": "李建华", "identifier": PERSON_ID, "type": "practitioner", "type_label": "医保医师、护士、药师等从业人员",
          "is_person": True}


@pytest.mark.parametrize("template", sorted(DECLARED))
@pytest.mark.parametrize("audience", ["public", "third_party"])
def test_masking_on_every_template(story, template, audience):
    number, context = next((n, c) for n, c in story["contexts"].items()
                           if story["svc"].show_notice(n)["template"] == template)
    context = {**context, "subject": PERSON,
               "notice": {**context["notice"], "audience": audience, "addressee": "郑州市公安局"}}
    html = render(template, context).html
    assert PERSON_ID not in html and "李建华" not in html, f"{template} leaks personal data to {audience}"
    if audience == "public":  # the public notice names its subject, masked (公示对象)
        assert mask_id(PERSON_ID) in html and "李**" in html
    own = render(template, {**context, "notice": {**context["notice"], "audience": "subject"}}).html
    assert PERSON_ID in own and "李建华" in own  # the subject's own notice carries them in full


def test_the_masking_rule():
    assert mask_id(PERSON_ID) == "1101**********002X"
    assert mask_name("张三丰") == "张**" and mask_name("李") == "*" and mask_name("") == ""
    assert needs_masking("public") and needs_masking("third_party")
    assert not needs_masking("subject") and not needs_masking("internal")
    hospital = {"name": "郑州康宁医院有限公司", "identifier": HOSPITAL_USCC, "is_person": False}
    assert party_view(hospital, "public")["identifier"] == HOSPITAL_USCC  # institutions are public by law
    assert party_view(PERSON, "public") == {"name": "李**", "identifier": "1101**********002X",
                                            "identifier_label": "公民身份号码", "masked": True}


@given(st.lists(st.sampled_from(["甲", "a", " ", "\t", "\n", "\r\n", "\u3000", "<p>", "</p>", "<br/>", "&amp;", "&#32;"]),
                max_size=40))
def test_the_text_form_collapses_blanks_per_line(pieces):
    markup = "<style>p { x: 1 }</style>" + "".join(pieces)
    out = html_to_text(markup)
    # The reference: tags to line breaks, entities decoded, each line's runs of spaces and tabs
    # collapsed and the line trimmed, empty lines dropped.
    body = re.sub(r"</p>|<br/>", "\n", "".join(pieces))
    body = re.sub(r"<[^>]+>", "", body).replace("&amp;", "&").replace("&#32;", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in body.splitlines()]
    assert out == "\n".join(line for line in lines if line)
    assert "x: 1" not in out and "  " not in out and "\t" not in out


def test_licensed_fonts_replace_the_standins():
    assert typefaces()["fangsong"]["family"] == '"Noto Serif CJK SC"'
    licensed = typefaces({"fangsong": "仿宋_GB2312", "xiaobiaosong": "方正小标宋简体"})
    assert licensed["fangsong"]["family"] == '"仿宋_GB2312", "Noto Serif CJK SC"'
    assert licensed["xiaobiaosong"]["weight"] == "normal" and typefaces()["xiaobiaosong"]["weight"] == "bold"
    with pytest.raises(ValueError):
        typefaces({"heiti": 'x"; } body { color: red'})
    with pytest.raises(BadInput):
        documents.font_settings(["fangsong=No Such Font 12345"])
    with pytest.raises(BadInput):
        documents.font_settings(["lishu=Noto Serif CJK SC"])
    assert documents.font_settings(["heiti=Noto Sans CJK SC"]) == {"font_heiti": "Noto Sans CJK SC"}


# -- stored PDFs: the same bytes on every export ------------------------------------------------------------------

def test_exports_are_byte_identical_and_rendering_is_deterministic(story, monkeypatch):
    from notices.pdf import render_pdf

    s = story["svc"]
    number = story["entries"][0]["number"]
    first = documents.notice_pdf(s, number)
    again = documents.notice_pdf(s, number)
    assert again["rendered_now"] is False and again["pdf"] == first["pdf"]
    assert again["renderer"]["weasyprint"] and again["html_hash"] == s.show_notice(number)["hash"]
    shown = documents.show_notice(s, number)
    assert shown["pdf"]["sha256"] == hashlib.sha256(first["pdf"]).hexdigest()
    # the renderer alone is deterministic too: the stored HTML renders to the same bytes again
    stored = s.show_notice(number)
    assert render_pdf(stored["html"], number, stored["issued_at"]) == first["pdf"]


def test_a_stored_notice_is_never_re_rendered(story, monkeypatch):
    renderer = sys.modules["notices.render"]  # (the package re-exports a function of the same name)

    def boom(*args, **kwargs):
        raise AssertionError("a template was rendered for an issued notice")

    monkeypatch.setattr(renderer, "render", boom)
    monkeypatch.setattr(renderer, "environment", boom)
    e = next(e for e in reversed(story["entries"]) if documents.show_notice(story["svc"], e["number"])["pdf"] is None)
    out = documents.notice_pdf(story["svc"], e["number"])
    assert out["rendered_now"] and e["number"] in flat(pdf_text(out["pdf"]))


# -- storage and service on both backends -------------------------------------------------------------------------

def _published(svc):
    sid = str(svc.add_subject("李建华", "practitioner", None, PERSON_ID)["id"])
    with frozen_at(at("2026-02-06 09:00")):
        return svc.publish_evaluation(sid, 2025, "65", "alice")


def test_pdf_rows_and_service_rows_are_append_only(svc):
    number = _published(svc)["notice"]
    documents.notice_pdf(svc, number)
    with frozen_at(at("2026-02-09 09:00")):
        documents.serve_notice(svc, number, "direct", "2026-02-09", "alice")
    for statement in ("UPDATE notice_pdfs SET sha256 = 'x'", "DELETE FROM notice_pdfs",
                      "UPDATE notice_services SET method = 'post'", "DELETE FROM notice_services"):
        with pytest.raises(DBAPIError, match="append-only"):
            with svc.db.begin() as conn:
                conn.execute(sql(statement))
    assert documents.notice_pdf(svc, number)["rendered_now"] is False


def test_service_is_recorded_and_shown(svc):
    number = _published(svc)["notice"]
    with frozen_at(at("2026-02-10 09:00")):
        out = documents.serve_notice(svc, number, "post", "2026-02-09", "alice")
        documents.serve_notice(svc, number, "electronic", date(2026, 2, 6), "bob")
    assert out["addressee"] == "李建华" and out["method_label"] == "邮寄送达"
    shown = documents.show_notice(svc, number)
    assert shown["served_on"] == "2026-02-06"  # periods run from the first service
    assert [(x["method"], x["served_on"], x["actor"]) for x in shown["services"]] == [
        ("electronic", "2026-02-06", "bob"), ("post", "2026-02-09", "alice")]
    assert shown["pdf"] is None and shown["addressee"] == "李建华"


def test_service_refusals(svc):
    number = _published(svc)["notice"]
    with frozen_at(at("2026-02-10 09:00")):
        for method, on, actor, code in (("fax", "2026-02-09", "alice", "bad_method"),
                                        ("post", "2026-02-30", "alice", "bad_date"),
                                        ("post", "2026-02-05", "alice", "bad_date"),  # before issue
                                        ("post", "2026-02-11", "alice", "bad_date"),  # in the future
                                        ("post", "2026-02-09", "mallory", "unknown_user")):
            with pytest.raises(BadInput) as info:
                documents.serve_notice(svc, number, method, on, actor)
            assert info.value.code == code, (method, on, actor)
        with pytest.raises(BadInput, match="unknown notice"):
            documents.serve_notice(svc, "郑医保信评〔2026〕99号", "post", "2026-02-09", "alice")
        with pytest.raises(Refused) as info:
            documents.serve_notice(svc, number, "post", "2026-02-09", "audrey")
        assert info.value.exit_code == 3
    assert documents.show_notice(svc, number)["services"] == []


# -- the command line ------------------------------------------------------------------------------------------------

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]


def test_cli_notice_pdf_show_and_served(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    s = make_services(url, tmp_path)
    _users(s)
    number = _published(s)["notice"]
    s.db.dispose()
    env = {**os.environ, "CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_DATABASE_URL": url,
           "CREDITFLOW_ALLOW_CLOCK_OVERRIDE": "1"}

    def cf(*args, expect=0, now="2026-02-10T09:00:00+08:00"):
        r = subprocess.run(CLI + ["--now", now, *args], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == expect, (args, r.stdout, r.stderr)
        return r

    cf("notice", "pdf", number, "-o", str(tmp_path / "a.pdf"))
    out = json.loads(cf("notice", "pdf", number, "-o", str(tmp_path / "b.pdf"), "--json").stdout)
    a, b = (tmp_path / "a.pdf").read_bytes(), (tmp_path / "b.pdf").read_bytes()
    assert a == b and out["sha256"] == hashlib.sha256(a).hexdigest() and out["rendered_now"] is False
    shown = json.loads(cf("notice", "show", number, "--json").stdout)
    assert shown["pdf"]["sha256"] == out["sha256"] and shown["title"] == "医疗保障基金使用信用评价结果告知书"
    assert "李建华" in cf("notice", "show", number).stdout

    served = json.loads(cf("notice", "served", number, "--method", "direct", "--on", "2026-02-09", "--as", "alice",
                           "--json").stdout)
    assert served["served_on"] == "2026-02-09"
    assert json.loads(cf("notice", "show", number, "--json").stdout)["services"][0]["method"] == "direct"
    cf("notice", "served", number, "--method", "pigeon", "--on", "2026-02-09", "--as", "alice", expect=2)
    cf("notice", "served", number, "--method", "post", "--on", "09/02/2026", "--as", "alice", expect=2)
    cf("notice", "served", number, "--method", "post", "--on", "2026-02-05", "--as", "alice", expect=2)
    cf("notice", "served", number, "--method", "post", "--on", "2026-02-11", "--as", "alice", expect=2)
    cf("notice", "served", "郑医保信评〔2026〕9号", "--method", "post", "--on", "2026-02-09", "--as", "alice", expect=2)
    cf("notice", "served", number, "--method", "post", "--on", "2026-02-09", "--as", "nobody", expect=2)
    refusal = cf("notice", "served", number, "--method", "post", "--on", "2026-02-09", "--as", "audrey", "--json",
                 expect=3)
    assert json.loads(refusal.stdout)["error"]["code"] == "READ-ONLY"
    cf("notice", "pdf", "郑医保信评〔2026〕9号", "-o", str(tmp_path / "c.pdf"), expect=2)


def test_weasyprint_is_imported_only_to_render():
    probe = ("import sys\nfrom workflows.cli import main\n"
             "try:\n    main(['notice', 'show', '--help'])\nexcept SystemExit:\n    pass\n"
             "import workflows.documents, notices\n"
             "assert 'weasyprint' not in sys.modules, 'weasyprint imported'\n")
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, timeout=60)
