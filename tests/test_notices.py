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
from conftest import HOSPITAL_USCC, PERSON_ID, at, make_services, publish
from notices import render
from notices.privacy import mask_id, mask_name, needs_masking, party_view
from notices.render import date_zh, html_to_text, typefaces
from states import PROCEDURES
from states.spec import NEW, RECOMPUTE_TRIGGER
from workflows.clock import frozen_at
from workflows.errors import BadInput, Refused
from workflows.services.deployment import font_settings

DECLARED = {t.notice.template for p in PROCEDURES.values() for t in p.transitions}
# 发文字号 (GB/T 9704 7.2.5): the prefix, a series every procedure declares, 〔year〕, a number without padding
SERIES = sorted({t.notice.series for p in PROCEDURES.values() for t in p.transitions}, key=len, reverse=True)
NUMBER = re.compile(rf"^郑医保({'|'.join(map(re.escape, SERIES))})〔20\d\d〕[1-9]\d*号$")


def pdf_text(pdf: bytes, *args: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed (bash .ci/setup installs it)")
    return subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def flat(text: str) -> str:
    """pdftotext's lines joined: drops line breaks and the page-number lines between pages."""
    lines = [line for line in text.splitlines() if not re.fullmatch(r"\s*—\s*\d+\s*—\s*", line)]
    return re.sub(r"\s+", "", "".join(lines))


def _users(s):
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
           court="郑州铁路运输法院")
    for name, roles in (("alice", ["handler"]), ("bob", ["approver"]), ("carol", ["handler", "approver"]),
                        ("audrey", ["auditor"])):
        s.deployment.add_user(name, roles)


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
    import workflows.engine.core as engine_module

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
            out[key] = (e, story["svc"].documents.pdf(e["number"]))
    return out


# -- every transition, every notice ------------------------------------------------------------------------

def test_the_story_fires_every_declared_transition(story):
    """Every declared route fires once at least: its trigger from one of its sources to its destination,
    issuing its own notice; an opening on an archive entry (when targets_entry) on a case opened on an entry."""
    s = story["svc"]
    fired = set()
    for case in range(1, 200):
        try:
            shown = s.cases.show(case)
        except BadInput:
            break
        on_entry = shown["entry"] is not None
        fired |= {(shown["kind"], e["trigger"], e["from_state"], e["to_state"],
                   s.documents.show(e["notice_number"])["template"] if e["notice_number"] else None, on_entry)
                  for e in s.audit.log(case)}
    for kind, proc in PROCEDURES.items():
        for t in proc.transitions:
            if t.trigger == RECOMPUTE_TRIGGER and all(spec.unit == "months" for spec in proc.timers):
                continue  # month periods are never moved by calendar data (docs/rules.md §7.3): it cannot fire
            sources = {None if src == NEW else src for src in t.source}
            assert any(k == kind and trig == t.trigger and src in sources and (t.dest is None or dest == t.dest)
                       and template == t.notice.template and (t.when != "targets_entry" or on_entry)
                       for k, trig, src, dest, template, on_entry in fired), \
                f"{kind}: {t.trigger} {'/'.join(map(str, sources))} → {t.dest} ({t.when or 'default'}) never fired"
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
        html = story["svc"].documents.show(e["number"])["html"]
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
    to_state = {(e["case_id"], entry["notice_number"]): entry["to_state"] for e in story["entries"]
                for entry in story["svc"].audit.log(e["case_id"]) if entry["notice_number"] == e["number"]}
    for e in story["entries"]:
        # the state the notice's transition left the case in (a record is withdrawn later, its determination
        # notice stays one against the subject)
        state = to_state.get((e["case_id"], e["number"])) or story["svc"].cases.show(e["case_id"])["state"]
        grade_d = "信用等级D级" in e["text"] and e["template"].startswith(("evaluation/finalized", "evaluation/adjusted"))
        expected = any(tpl == e["template"] and dest in (state, None) for tpl, dest in declared_against) or grade_d
        if e["template"] == "objection/decided.html.j2":  # dismissed, or partly upheld (the rest is dismissed)
            expected = state in ("dismissed", "partially_upheld")
            assert ("异议不成立" in e["text"] or "异议部分成立" in e["text"]) == expected, e["number"]
        assert e["against_subject"] == expected, (e["number"], e["template"])
        if expected:
            doc = _this_document(e["title"])
            assert f"如对{doc}不服，可以自收到{doc}之日起六十日内向郑州市人民政府申请行政复议" in e["text"], e["number"]
            assert f"自收到{doc}之日起六个月内直接向郑州铁路运输法院提起行政诉讼" in e["text"], e["number"]
            assert "《中华人民共和国行政复议法》第二十条第一款、《中华人民共和国行政诉讼法》第四十六条第一款" in e["text"]
        # 不停止执行 only where something is put into effect against the subject: a D grade made final or
        # corrected, a repair refused or revoked for false material (Art. 40: the 3-year disqualification, and a
        # revoked repair's record disclosed again); never on a refusal of an objection or a dismissal, nor on a
        # repair not accepted or refused on review (nothing to execute).
        false_material = e["template"] == "repair/false_material.html.j2"
        # a rectification order (责令限期整改), a sanction decision and a penalty decision (行政处罚法 Art. 73) put
        # their measure into effect as well
        ordered = e["template"] in ("rectification/order.html.j2", "rectification/sanctioned.html.j2",
                                    "penalty_decision/decision.html.j2")
        # (a record in the file may note as a fact that a challenge suspends nothing, 行政处罚法 Art. 73)
        if e["audience"] in ("subject", "public"):
            assert ("不停止执行" in e["text"]) == (grade_d or false_material or ordered), (e["number"], e["template"])
        if grade_d:
            assert ("行政复议或者行政诉讼期间，上述评价结果不停止执行" in e["text"]
                    or "行政复议或者行政诉讼期间，更正后的评价结果不停止执行" in e["text"])
        if false_material:
            assert "行政复议或者行政诉讼期间，上述决定不停止执行" in e["text"], e["number"]
        if ordered:
            assert ("行政复议或者行政诉讼期间，责令限期整改的要求不停止执行" in e["text"]
                    or "行政复议或者行政诉讼期间，上述处理决定不停止执行" in e["text"]
                    or "行政复议或者行政诉讼期间，上述行政处罚决定不停止执行" in e["text"]), e["number"]
        if grade_d or false_material or ordered:
            assert "（《中华人民共和国行政复议法》第四十二条、《中华人民共和国行政诉讼法》第五十六条）" in e["text"]


def _this_document(title: str) -> str:
    """How a notice names itself in its own text, by its title's last characters."""
    return next((f"本{end}" for end in ("决定书", "通知书", "告知书") if title.endswith(end)), "本文书")


def test_the_remedies_name_the_document_they_are_in(story):
    """The remedies clause names the notice by its title (本告知书 / 本通知书 / 本决定书, else 本文书),
    also for titles no declared notice has yet."""
    number, context = next((n, c) for n, c in story["contexts"].items()
                           if story["svc"].documents.show(n)["template"] == "objection/refused_late.html.j2")
    for title, doc in (("信用评价结果异议不予受理决定书", "本决定书"), ("信用评价结果异议不予受理通知书", "本通知书"),
                       ("信用评价结果异议不予受理告知书", "本告知书"), ("异议处理记录", "本文书")):
        text = render("objection/refused_late.html.j2", {**context, "notice": {**context["notice"], "title": title}}).text
        assert f"如对{doc}不服，可以自收到{doc}之日起六十日内" in text and f"自收到{doc}之日起六个月内" in text, title
        assert "不停止执行" not in text and "本决定不服" not in text, title
    finalized = [e for e in story["entries"] if e["template"] == "evaluation/finalized.html.j2"]
    assert any("如对本通知书不服" in e["text"] for e in finalized)  # 信用评价结果确定通知书
    assert not any("本告知书" in e["text"] for e in finalized)


# -- the measure's text, quoted and cited as it is ---------------------------------------------------------------

MEASURE = "《河南省医疗保障基金使用信用管理办法》"
SHORT = "《办法》"

# 《河南省医疗保障基金使用信用管理办法》(2023-01-01) 第二十四条, items (一)-(六), as published.
ART_24 = {
    1: "认为信用主体的信息与事实不符，存在记载错误或者遗漏的",
    2: "对信用评价结果存在异议的",
    3: "认为信用信息归集涉及国家秘密、与申请人相关的商业秘密、其个人隐私或存在依法不应进行归集的情形的",
    4: "认为其不良行为信息被超期限使用的",
    5: "违法失信行为已纠正，依法依规应当变更其信用信息的",
    6: "其他法定应当变更信用信息情形的",
}
NUMERALS = "一二三四五六"


def _main_and_annex(text: str) -> tuple[str, str]:
    """A notice's text split at its first annex (the line 附件 on a page of its own)."""
    main, _, annex = text.partition("\n附件\n")
    return main, annex


def test_the_measure_is_cited_in_full_once_then_as_banfa(story):
    for e in story["entries"]:
        main, annex = _main_and_annex(e["text"])
        where = (e["number"], e["template"])
        if MEASURE not in main:
            assert SHORT not in main, where  # never the short form without the full title before it
            continue
        assert main.count(MEASURE) == 1, where
        first = main.index(MEASURE)
        assert main[first:].startswith(MEASURE + "（以下简称《办法》）"), where
        assert SHORT not in main[:first], where
        if annex:  # the form 附件1 is a document of its own: the full title again, never 《办法》
            assert f"（{MEASURE}附件1）" in annex and f"（{MEASURE}第二十六条）" in annex, where
            assert SHORT not in annex, where
    assert sum(SHORT in e["text"] for e in story["entries"]) > 20


def test_the_art_24_grounds_are_quoted_verbatim(story):
    from states.objection import GROUNDS

    assert GROUNDS == ART_24
    listed = 0
    for e in story["entries"]:
        context = story["contexts"][e["number"]]
        if "异议情形：" in e["text"] and context["case"]["kind"] == "objection":
            grounds = context["case"]["data"]["grounds"]
            quoted = "、".join(f"第（{NUMERALS[g - 1]}）项“{ART_24[g]}”" for g in grounds)
            assert f"异议情形：{MEASURE}（以下简称《办法》）第二十四条{quoted}。" in e["text"], e["number"]
            listed += 1
        if e["template"] == "evaluation/published.html.j2":  # the form lists all six, to tick
            for g, ground in ART_24.items():
                assert f"□（{NUMERALS[g - 1]}）{ground}" in e["text"], (e["number"], g)
    assert listed > 10
    # No template words a ground itself: they all print GROUNDS.
    root = os.path.join(os.path.dirname(sys.modules["notices.render"].__file__), "templates")
    for folder, _dirs, files in os.walk(root):
        for name in files:
            source = open(os.path.join(folder, name), encoding="utf-8").read()
            for fragment in ("记载错误", "存在异议的", "国家秘密", "超期限使用", "违法失信行为已纠正", "其他法定应当变更"):
                assert fragment not in source, (name, fragment)


# -- what each notice says happened ---------------------------------------------------------------------------------

def _entries(story, template):
    return [e for e in story["entries"] if e["template"] == template]


def test_the_objection_registration_record_states_only_what_is_so(story):
    records = _entries(story, "evaluation/objection_registered.html.j2")
    assert records
    reopened = 0
    for e in records:
        context = story["contexts"][e["number"]]
        child = context["cause"]["case"]
        text = e["text"]
        assert f"提出书面异议，本局已收到并登记为异议案件（案件编号{child}）" in text
        assert "计算终止" not in text and "暂缓确定" not in text and "暂停记入" not in text
        assert (f"依照{SHORT}第二十六条，本局应当自收到书面材料之日起15个工作日内完成处理，将处理结果书面告知信用主体"
                f"（{SHORT}附件2），并根据处理结果及时调整信用评价结果") in text
        assert f"处理期限以异议案件{child}的记录为准" in text
        if context["transition"]["from_state"] == "final":
            reopened += 1
            window = date_zh(context["deadlines"]["objection_window"]["last_day"])
            assert f"该异议的书面材料系在异议期内（至{window}届满）收到或者交邮" in text
            assert "以收到书面材料的日期和交邮日期中较早者为准" in text
            assert "登记时异议期已经届满，该评价结果已作为无异议的结果确定并记入信用档案" in text
            assert "其档案记录在异议处理期间作异议标注" in text
        else:
            assert f"依照{MEASURE}（以下简称《办法》）第二十三条，评价结果无异议的，记入信用主体的信用档案。" \
                   "该异议处理期间，上述评价结果不记入信用档案。" in text
    assert reopened == 2 and len(records) > reopened  # B and P (a D result, its record's entry regraded)
    # The receipt to the subject says the same.
    receipts = [e for e in _entries(story, "objection/registered.html.j2")
                if story["contexts"][e["number"]]["case"]["data"].get("entry") is None]
    before_service = [e for e in receipts if "于评价结果告知书登记送达前提出" in e["text"]]
    assert len(before_service) == 1  # N: a person's result, its notice not yet served: no window yet
    assert "按期限内提出的异议予以登记" in before_service[0]["text"]
    assert all("暂缓确定" not in e["text"] and "该异议于异议期内提出" in e["text"]
               for e in receipts if e not in before_service)
    assert sum("异议处理期间该档案记录作异议标注" in e["text"] for e in receipts) == 2  # B and P: final D results reopened
    # An objection to an archive entry has no window (Art. 26's is for results): its receipt names none.
    on_entries = [e for e in _entries(story, "objection/registered.html.j2") if e not in receipts]
    assert len(on_entries) == 4  # M1-M3, and P4 (a 失信 record's entry)
    for e in on_entries:
        assert "异议期" not in e["text"], e["number"]
        assert "异议处理期间，本局对该档案记录作异议标注，暂停使用（《办法》第三十一条）" in e["text"], e["number"]


def test_a_posted_objection_is_described_by_its_posting_and_receipt_days(tmp_path):
    """Timeliness is the earlier of posting and receipt: a receipt never says 于异议期内收到 for a filing
    received after the window, and a late refusal names both days."""
    s = make_services(f"sqlite:///{tmp_path / 'posted.db'}", tmp_path)
    _users(s)
    sid = s.deployment.add_subject(notice_story.HOSPITAL, "hospital", HOSPITAL_USCC, None)["id"]
    with frozen_at(at("2026-02-06 09:00")):
        ev = publish(s, str(sid), 2025, "78.5", "alice")["case_id"]  # window to 5 March
        late_ev = publish(s, str(sid), 2024, "78.5", "alice")["case_id"]
    inputs = {"grounds": "2", "materials": "信用评价结果异议申请表", "reason": "扣分缺少依据"}
    with frozen_at(at("2026-03-09 09:00")):
        timely = s.cases.open("objection", "alice", {**inputs, "received": "2026-03-09", "posted": "2026-03-05"}, parent=ev)
        late = s.cases.open("objection", "alice", {**inputs, "received": "2026-03-09", "posted": "2026-03-06"}, parent=late_ev)
    receipt = s.documents.show(timely["notice"])["text"]
    assert "于2026年3月5日交邮，本局于2026年3月9日收到" in receipt
    assert "该异议于异议期内提出（异议是否逾期，以交邮日期和收到日期中较早者为准），本局已予登记" in receipt
    assert "于异议期内收到" not in receipt
    refusal = s.documents.show(late["notice"])["text"]
    assert "于2026年3月6日交邮，本局于2026年3月9日收到" in refusal
    assert "异议期至2026年3月5日届满，你单位的书面异议交邮日期和本局收到日期均在异议期届满之后" in refusal
    s.db.dispose()


def _final_notice(home, subject_type: str, score: str) -> str:
    """The finalization notice of a result of `score` for a subject of `subject_type`, through the services:
    published, its window run out, the sweep on time."""
    from states.identifiers import INSTITUTION_TYPES

    s = make_services(f"sqlite:///{home / 'effects.db'}", home)
    _users(s)
    if subject_type in INSTITUTION_TYPES:
        sid = s.deployment.add_subject(notice_story.HOSPITAL, subject_type, HOSPITAL_USCC, None)["id"]
    else:
        sid = s.deployment.add_subject(notice_story.PERSON, subject_type, None, PERSON_ID)["id"]
    with frozen_at(at("2026-02-06 09:00")):
        out = publish(s, str(sid), 2025, score, "alice")
        if subject_type not in INSTITUTION_TYPES:  # a person's window runs from service: served that day
            s.documents.serve(out["notice"], "direct", "2026-02-06", "alice")
    with frozen_at(at("2026-03-06 00:00")):
        fired = s.sweep.run_once(at("2026-03-06 00:00"))["fired"]
    text = s.documents.show(fired[0]["notice"])["text"]
    s.db.dispose()
    return text


# What Art. 33-35 give each class (Art. 6): present / absent in the finalization notice.
INSPECTION = "“双随机、一公开”监管中引用信用评价结果"
EFFECTS = {
    ("hospital", "93"): (["原则上抽查比例不高于原抽查比例的30%", "A级信用主体视为守信，医疗保障部门可以给予下列激励",
                          "公示宣传（第三十四条第（一）项）", "提高医疗保障基金预拨付额度等措施（第三十四条第（二）项）"],
                         ["信用就医", "惩戒"]),
    ("hospital", "84"): (["原则上抽查比例为原抽查比例的50%", "B级信用主体视为守信，医疗保障部门可以给予下列激励"],
                         ["信用就医", "惩戒"]),
    ("insured", "93"): (["A级信用主体视为守信，医疗保障部门可以给予下列激励", "提供信用就医、容缺受理服务等措施（第三十四条第（三）项）"],
                        [INSPECTION, "抽查比例", "减少检查频次", "预拨付", "惩戒"]),
    ("hospital", "75"): (["对C级信用主体的抽查比例保持不变"], ["激励", "惩戒", "信用修复"]),
    ("practitioner", "75"): ([], [INSPECTION, "抽查比例", "激励", "惩戒", "信用修复"]),
    ("hospital", "65"): (["对D级信用主体进行全覆盖检查", "医疗保障部门可以给予下列惩戒",
                          "在医疗保障部门官方网站向社会公开失信信息（第三十五条第（二）项）",
                          "列为重点监控和监督检查对象，作为日常监督检查或者抽查的重点，增加检查频次（第三十五条第（三）项）"],
                         ["暂停医保服务资格", "激励"]),
    ("practitioner", "65"): (["医疗保障部门可以给予下列惩戒", "暂停医保服务资格（第三十五条第（五）项）"],
                             [INSPECTION, "全覆盖检查", "向社会公开", "重点监控", "激励"]),
    ("insured", "65"): (["医疗保障部门可以给予下列惩戒", "警示约谈，要求限期整改（第三十五条第（一）项）"],
                        [INSPECTION, "全覆盖检查", "向社会公开", "重点监控", "暂停医保服务资格", "激励"]),
}


@pytest.mark.parametrize("subject_type,score", sorted(EFFECTS))
def test_what_a_final_grade_may_bring_by_subject_class(tmp_path, subject_type, score):
    text = _final_notice(tmp_path, subject_type, score)
    present, absent = EFFECTS[(subject_type, score)]
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase
    # Art. 34 and 35 permit (可给予): nothing is announced as certain.
    for certain in ("本局将对", "约谈时间、地点另行书面通知", "将在本局官方网站", "可以依法暂停"):
        assert certain not in text, certain
    if score == "65":
        # when repair may be applied for depends on the profile in force on the determination day: the record's
        # own notice (失信信息告知书) states it, the finalization notice refers to it and names no waiting period
        assert "可以依照《办法》第三十八条、第四十条向本局提出书面信用修复申请" in text
        assert "见本局就该失信信息另行出具的《失信信息告知书》" in text
        assert "满6个月后" not in text and "未满6个月" not in text


def test_a_refusal_or_withdrawal_in_the_window_leaves_the_result_open(story):
    s = story["svc"]
    refused = _entries(story, "objection/refused_form.html.j2")
    withdrawn = _entries(story, "objection/withdrawn.html.j2")
    assert len(refused) == 1 and len(withdrawn) == 3
    # N (withdrawn 11 May): the person's result notice was served on 8 May, while the objection was handled:
    # the window counts from service (15 working days: to 28 May, Saturday 9 May worked) and runs on after the withdrawal.
    served_late = withdrawn.pop()
    assert ("原评价结果（86.00分，B级）不变；异议期至2026年5月28日届满，期满前你仍可依照《办法》第二十六条重新提出"
            "符合要求的书面异议" in served_late["text"]), served_late["number"]
    parent = s.cases.show(served_late["case_id"])["parent"]
    assert s.cases.show(parent)["state"] == "published"
    assert [(t["start_day"], t["last_day"], t["status"]) for t in s.cases.show(parent)["timers"]] == [
        ("2026-05-08", "2026-05-28", "running")]
    for e in refused + withdrawn:
        assert "即日" not in e["text"]
    running = [refused[0], withdrawn[0]]  # D (refused 3 April) and E (withdrawn 7 April): window to 23 April
    for e, you in zip(running, ("你单位", "你")):
        grade = "91.50分，A级" if e is refused[0] else "72.00分，C级"
        assert (f"原评价结果（{grade}）不变；异议期至2026年4月23日届满，期满前{you}仍可依照《办法》第二十六条重新提出"
                f"符合要求的书面异议；期满无异议的，评价结果确定并记入{you}的信用档案") in e["text"], e["number"]
        assert "起确定并记入" not in e["text"]
        parent = s.cases.show(e["case_id"])["parent"]
        assert s.cases.show(parent)["state"] == "published"  # what the notice says: not final
    assert "视为无异议。" in refused[0]["text"] and "本局对该异议不予受理" in refused[0]["text"]
    # I: withdrawn on 27 April, after the window ended on 23 April: final as of the withdrawal.
    late = withdrawn[1]
    assert ("异议期已于2026年4月23日届满，原评价结果（75.00分，C级）不变，自2026年4月27日起确定并记入你的信用档案"
            in late["text"])
    parent = s.cases.show(late["case_id"])["parent"]
    assert s.cases.show(parent)["state"] == "final"


def test_a_late_sweep_is_dated_when_it_runs_and_says_when_the_period_ended(story):
    s = story["svc"]
    # H: the window ended on 23 March (24:00); the sweep that found it ran on 27 March.
    e = next(e for e in _entries(story, "evaluation/finalized.html.j2") if "2021年度" in e["text"])
    html = s.documents.show(e["number"])["html"]
    assert '<div class="date">2026年3月27日</div>' in html  # never backdated
    assert "异议期已于2026年3月23日届满，本局未登记你单位在异议期内提出的书面异议" in e["text"]
    assert "该结果自异议期届满之次日（2026年3月24日）起记入你单位的信用档案" in e["text"]
    subject = s.cases.show(e["case_id"])["subject_id"]
    entry = next(a for a in s.deployment.show_subject(str(subject))["archive"] if a["case_id"] == e["case_id"])
    assert entry["determined_on"] == "2026-03-24"  # what the notice says
    # The late reminder (due 23 March, produced 27 March) counts from its due day and says so.
    reminder = _entries(story, "common/deadline_reminder.html.j2")[0]
    assert "自2026年3月23日（提醒日）起至届满之日尚余3个工作日" in reminder["text"]
    assert "本提醒生成时，该期限已经届满" in reminder["text"]
    assert '<div class="date">2026年3月27日</div>' in s.documents.show(reminder["number"])["html"]
    # No notice claims an effect "from today" or "from the day of this notice".
    for e in story["entries"]:
        for claim in ("即日", "本通知书作出之日", "本告知书作出之日", "本决定书作出之日"):
            assert claim not in e["text"], (e["number"], claim)


# -- PDF: long words ----------------------------------------------------------------------------------------------

def test_a_long_word_wraps_within_the_type_area(tmp_path):
    """Free text without break opportunities (3,000 characters, no spaces) stays inside the 156 mm type area
    and is printed whole, across lines and pages."""
    s = make_services(f"sqlite:///{tmp_path / 'long.db'}", tmp_path)
    _users(s)
    sid = s.deployment.add_subject(notice_story.HOSPITAL, "hospital", HOSPITAL_USCC, None)["id"]
    with frozen_at(at("2026-02-06 09:00")):
        ev = publish(s, str(sid), 2025, "78.5", "alice")["case_id"]
    token = "abc123" * 500
    assert len(token) == 3000
    with frozen_at(at("2026-02-09 09:00")):
        out = s.cases.open("objection", "alice", {"grounds": "2", "received": "2026-02-09",
                                                  "materials": "信用评价结果异议申请表", "reason": token}, parent=ev)
    pdf = s.documents.pdf(out["notice"])["pdf"]
    s.db.dispose()
    assert token in flat(pdf_text(pdf))  # nothing cut off at the page edge
    # Every word box ends within the type area: A4 595.28 pt wide, right margin 26 mm (73.70 pt).
    boxes = [float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', pdf_text(pdf, "-bbox"))]
    assert len(boxes) > 60
    assert max(boxes) <= 595.28 - 26 / 25.4 * 72 + 1.0, max(boxes)
    lines = [line for line in pdf_text(pdf, "-layout").splitlines() if "abc123" in line]
    assert len(lines) >= 3000 // 60  # split across many lines (about 50 such characters to a line)


# -- privacy --------------------------------------------------------------------------------------------------

PERSON = {"name": "李建华", "identifier": PERSON_ID, "type": "practitioner", "type_label": "医保医师、护士、药师等从业人员",
          "is_person": True}


@pytest.mark.parametrize("template", sorted(DECLARED))
@pytest.mark.parametrize("audience", ["public", "third_party"])
def test_masking_on_every_template(story, template, audience):
    number, context = next((n, c) for n, c in story["contexts"].items()
                           if story["svc"].documents.show(n)["template"] == template)
    context = {**context, "subject": PERSON,
               "notice": {**context["notice"], "audience": audience, "addressee": "郑州市公安局"}}
    html = render(template, context).html
    assert PERSON_ID not in html and "李建华" not in html, f"{template} leaks personal data to {audience}"
    if audience == "public":  # the public notice names its subject, masked (公示对象)
        assert mask_id(PERSON_ID) in html and "李**" in html
    own = render(template, {**context, "notice": {**context["notice"], "audience": "subject"}}).html
    assert PERSON_ID in own and "李建华" in own  # the subject's own notice carries them in full


def test_masking_on_the_entry_partial_and_service_branches(story):
    """The branches for an objection to an archive entry, a partial uphold and a result served while its
    objection is handled mask personal data as every template's first notice does."""
    rendered = 0
    for number, context in story["contexts"].items():
        case = context["case"]
        if not (case["data"].get("entry") or case["state"] == "partially_upheld"
                or context["inputs"].get("outcome") == "partial"
                or (context["transition"]["trigger"] == "notice_served" and case["state"] == "under_objection")):
            continue
        template = story["svc"].documents.show(number)["template"]
        for audience in ("public", "third_party"):
            masked = {**context, "subject": PERSON,
                      "notice": {**context["notice"], "audience": audience, "addressee": "郑州市公安局"}}
            html = render(template, masked).html
            assert PERSON_ID not in html and "李建华" not in html, f"{number} ({template}) leaks to {audience}"
        rendered += 1
    assert rendered >= 15


def test_objections_to_entries_and_partial_upholds_in_the_story(story):
    """L (partial uphold of a result), M (objections to archive entries), N (served while the objection is
    handled): the notices say what the archive and the cases show."""
    s = story["svc"]
    person = s.deployment.show_subject(PERSON_ID)["archive"]
    hospital = s.deployment.show_subject(HOSPITAL_USCC)["archive"]
    decided = [e for e in _entries(story, "objection/decided.html.j2")
               if story["contexts"][e["number"]]["case"]["data"].get("entry")]
    assert [s.cases.show(e["case_id"])["state"] for e in decided] == ["upheld", "upheld", "partially_upheld", "upheld"]
    corrected, withdrawn, partial, record_withdrawn = decided  # M1-M3; P4: a 失信 record's entry withdrawn
    assert "撤销该档案记录" in record_withdrawn["text"]
    # M1: the D entry corrected: a new entry with its day and period
    new = next(a for a in person if a["facts"].endswith("违规费用已全额退回医保基金）"))
    old = next(a for a in person if a["superseded_by"] == new["id"])
    assert (new["kind"], new["determined_on"], new["disclosed_until"], new["in_use"]) == (
        "bad", old["determined_on"], old["disclosed_until"], True)
    assert f"原记录“{old['facts']}”更正为“{new['facts']}”" in corrected["text"] and not corrected["against_subject"]
    # M2: the C entry withdrawn
    gone = next(a for a in person if "withdrawn" in a["statuses"])
    assert not gone["in_use"] and "2022年度" in gone["facts"]
    assert "撤销该档案记录，该记录自2026年5月12日起不再使用" in withdrawn["text"] and not withdrawn["against_subject"]
    # M3: the B entry corrected in part, with the remedies
    in_part = next(a for a in hospital if "超标准收费" in a["facts"])
    assert in_part["in_use"] and in_part["kind"] == "good"
    assert "你单位的异议部分成立" in partial["text"] and partial["against_subject"]
    # L: the result corrected in part (C → B); the adjustment says 部分成立
    adjusted = [e for e in _entries(story, "evaluation/adjusted.html.j2") if "2019年度" in e["text"]]
    assert len(adjusted) == 1 and "异议部分成立" in adjusted[0]["text"] and "异议成立。" not in adjusted[0]["text"]
    ev = s.cases.show(adjusted[0]["case_id"])
    assert (ev["data"]["score"], ev["data"]["grade"], ev["data"]["adjustments"][-1]["outcome"]) == ("80.00", "B", "partial")
    # every record of a service names the notice, the day and the way it was served
    for e in _entries(story, "common/served.html.j2") + _entries(story, "evaluation/window_from_service.html.j2"):
        event = story["contexts"][e["number"]]["event"]
        assert f"（{event['notice']}）已于{date_zh(event['served_on'])}以" in e["text"], e["number"]
        assert ("本次送达不重新起算" in e["text"]) == (not event["first"]), e["number"]


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
        font_settings(["fangsong=No Such Font 12345"])
    with pytest.raises(BadInput):
        font_settings(["lishu=Noto Serif CJK SC"])
    assert font_settings(["heiti=Noto Sans CJK SC"]) == {"font_heiti": "Noto Sans CJK SC"}


# -- stored PDFs: the same bytes on every export ------------------------------------------------------------------

def test_exports_are_byte_identical_and_rendering_is_deterministic(story, monkeypatch):
    from notices.pdf import render_pdf

    s = story["svc"]
    number = story["entries"][0]["number"]
    first = s.documents.pdf(number)
    again = s.documents.pdf(number)
    assert again["rendered_now"] is False and again["pdf"] == first["pdf"]
    assert again["renderer"]["weasyprint"] and again["html_hash"] == s.documents.show(number)["hash"]
    shown = s.documents.show(number)
    assert shown["pdf"]["sha256"] == hashlib.sha256(first["pdf"]).hexdigest()
    # the renderer alone is deterministic too: the stored HTML renders to the same bytes again
    stored = s.documents.show(number)
    assert render_pdf(stored["html"], number, stored["issued_at"]) == first["pdf"]


def test_a_stored_notice_is_never_re_rendered(story, monkeypatch):
    renderer = sys.modules["notices.render"]  # (the package re-exports a function of the same name)

    def boom(*args, **kwargs):
        raise AssertionError("a template was rendered for an issued notice")

    monkeypatch.setattr(renderer, "render", boom)
    monkeypatch.setattr(renderer, "environment", boom)
    e = next(e for e in reversed(story["entries"]) if story["svc"].documents.show(e["number"])["pdf"] is None)
    out = story["svc"].documents.pdf(e["number"])
    assert out["rendered_now"] and e["number"] in flat(pdf_text(out["pdf"]))


# -- storage and service on both backends -------------------------------------------------------------------------

def _published(svc):
    sid = str(svc.deployment.add_subject("李建华", "practitioner", None, PERSON_ID)["id"])
    with frozen_at(at("2026-02-06 09:00")):
        return publish(svc, sid, 2025, "65", "alice")


def test_pdf_rows_and_service_rows_are_append_only(svc):
    number = _published(svc)["notice"]
    svc.documents.pdf(number)
    with frozen_at(at("2026-02-09 09:00")):
        svc.documents.serve(number, "direct", "2026-02-09", "alice")
    for statement in ("UPDATE notice_pdfs SET sha256 = 'x'", "DELETE FROM notice_pdfs",
                      "UPDATE notice_services SET method = 'post'", "DELETE FROM notice_services"):
        with pytest.raises(DBAPIError, match="append-only"):
            with svc.db.begin() as conn:
                conn.execute(sql(statement))
    assert svc.documents.pdf(number)["rendered_now"] is False


def test_service_is_recorded_and_shown(svc):
    number = _published(svc)["notice"]
    with frozen_at(at("2026-02-10 09:00")):
        out = svc.documents.serve(number, "post", "2026-02-09", "alice")
        svc.documents.serve(number, "electronic", date(2026, 2, 6), "bob")
    assert out["addressee"] == "李建华" and out["method_label"] == "邮寄送达"
    shown = svc.documents.show(number)
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
                svc.documents.serve(number, method, on, actor)
            assert info.value.code == code, (method, on, actor)
        with pytest.raises(BadInput, match="没有文号为"):
            svc.documents.serve("郑医保信评〔2026〕99号", "post", "2026-02-09", "alice")
        with pytest.raises(Refused) as info:
            svc.documents.serve(number, "post", "2026-02-09", "audrey")
        assert info.value.exit_code == 3
    assert svc.documents.show(number)["services"] == []


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
             "import workflows.services.documents, notices\n"
             "assert 'weasyprint' not in sys.modules, 'weasyprint imported'\n")
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, timeout=60)
