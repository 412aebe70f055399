"""Sealed inputs, notices to an authority, and archive entries on another subject, through the real engine
with procedures declared only here (`seal_drill`, `plain_drill`).

A sealed input (a reporter's name and ID number) never reaches the case's data, the inputs guards and
effects see, the log, the notices or `case show`: it is a row of `sealed_inputs`, referred to everywhere else
by id and keyed digest. An approver reads it only through the declared reading transition
(`creditflow case reporter`), which is logged in the same transaction. An effect reads it with `ctx.sealed`
and may write good information on the reporter's own registered subject (`"subject_id"`, `ctx.find_subject`).
A notice to an authority names its declared addressee and the subject in full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from conftest import PERSON_ID, at, make_services
from test_cli_input import cli  # noqa: F401  (the in-process command line fixture)
from notices import environment, render
from states import REGISTRY, NEW, Registry
from states.spec import SEALED_READ_TRIGGER, DeclarationError, Input, Notice, Procedure, State, Transition
from workflows.clock import frozen_at
from workflows.errors import CreditflowError, Refused
from workflows.store import sealed_repo
from workflows.store.tables import metadata, sealed_inputs

REPORTER, REPORTER_ID = "王秀英", "41010519880315002X"
_BODY = ('{% extends "base.html.j2" %}{% block body %}<p>{{ transition.label }}：{{ party() }}；'
         '{{ case.data.get("facts", "") }}；{{ inputs | tojson }}</p>{% endblock %}')
TEMPLATES = {"seal/any.html.j2": _BODY}
N = Notice("seal/any.html.j2", "演练告知书", "演", "subject")
R = Notice("seal/any.html.j2", "演练记录", "演记", "internal")
TO_POLICE = Notice("seal/any.html.j2", "涉嫌犯罪案件移送书", "演移", "authority",
                   addressee=lambda ctx: ctx.data["organ"])
STATES = (State("clue", "线索登记"), State("confirmed", "举报属实"), State("closed", "已办结", final=True))
REPORTER_INPUTS = (Input("reporter", "str", required=False, label="举报人", sealed=True),
                   Input("reporter_id", "str", required=False, label="举报人身份证号码", sealed=True))


def _good_for_reporter(ctx):
    """The reporter's report was confirmed: good information on the reporter's own subject, if registered."""
    reporter = ctx.find_subject(ctx.sealed("reporter_id") or "")
    if reporter is None:
        return {"data": {"reporter_rewarded": False}}
    return {"data": {"reporter_rewarded": True},
            "archive": [{"subject_id": reporter, "kind": "good", "category": "report_confirmed",
                         "facts": f"举报经案件{ctx.case.id}查证属实", "determined_on": ctx.today.isoformat(),
                         "rule": "河南省医疗保障基金使用信用管理办法 Art. 10"}]}


def _seal_drill(**changes) -> Procedure:
    proc = Procedure(
        kind="seal_drill", version=1, label="举报演练", states=STATES, initial="clue", timers=(),
        transitions=(
            Transition("register", (NEW,), "clue", "handler", "登记线索", R,
                       inputs=(Input("facts", "text", label="线索内容"), *REPORTER_INPUTS),
                       effects=("record_facts",)),
            Transition("add_reporter", ("clue",), None, "handler", "补充举报人", R, inputs=REPORTER_INPUTS),
            Transition("transfer", ("clue",), None, "handler", "移送公安机关", TO_POLICE,
                       inputs=(Input("organ", "str", label="接收机关"),), effects=("record_organ",)),
            Transition("confirm", ("clue",), "confirmed", "approver", "举报查证属实", N, effects=("good_for_reporter",)),
            Transition("close", ("clue", "confirmed"), "closed", "approver", "办结", N),
            Transition(SEALED_READ_TRIGGER, ("clue", "confirmed", "closed"), None, "approver", "查阅保密登记事项",
                       Notice("seal/any.html.j2", "保密登记事项查阅记录", "演记", "internal")),
        ),
        guards={}, conditions={},
        effects={"record_facts": lambda ctx: {"data": {"facts": ctx.inputs["facts"]}},
                 "record_organ": lambda ctx: {"data": {"organ": ctx.inputs["organ"]}},
                 "good_for_reporter": _good_for_reporter},
    )
    return replace(proc, **changes)


PLAIN = _seal_drill(kind="plain_drill", label="无保密事项演练", transitions=(
    Transition("register", (NEW,), "clue", "handler", "登记线索", R, inputs=(Input("facts", "text"),)),
    Transition("close", ("clue",), "closed", "approver", "办结", N),
    Transition("confirm", ("clue",), "confirmed", "approver", "查证", N),
    Transition("reopen_close", ("confirmed",), "closed", "approver", "办结", N)), effects={})


def registry(*procs) -> Registry:
    return Registry([*REGISTRY.all_versions(), *(procs or (_seal_drill(), PLAIN))], policy=REGISTRY.base_policy)


@pytest.fixture
def templates(monkeypatch):
    env = environment()
    monkeypatch.setattr(env, "loader", ChoiceLoader([env.loader, DictLoader(TEMPLATES)]))


@pytest.fixture
def drill(db_url, tmp_path, templates):
    s = make_services(db_url, tmp_path, registry=registry())
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                      court="郑州铁路运输法院")
    s.deployment.add_user("alice", ["handler"])
    s.deployment.add_user("bob", ["approver"])
    sid = s.deployment.add_subject("李建华", "practitioner", None, PERSON_ID)["id"]
    yield s, sid
    s.db.dispose()


def _register(s, sid, **extra):
    with frozen_at(at("2026-09-28 09:00")):
        return s.cases.open("seal_drill", "alice", {"facts": "串换药品", "reporter": REPORTER,
                                                    "reporter_id": REPORTER_ID, **extra}, subject=str(sid))


def _every_text(s) -> dict[str, str]:
    """Every table's rows as text (JSON columns included), by table name."""
    out = {}
    with s.uow() as uow:
        for table in metadata.sorted_tables:
            rows = uow.conn.execute(select(table)).all()
            out[table.name] = json.dumps([[str(v) for v in r] for r in rows], ensure_ascii=False)
    return out


# -- declarations -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("broken, message", [
    (lambda p: replace(p, transitions=p.transitions + (
        Transition("x", ("clue",), None, "handler", "x", Notice("seal/any.html.j2", "移送书", "演移", "authority")),)),
     "names its addressee"),
    (lambda p: replace(p, transitions=p.transitions + (
        Transition("x", ("clue",), None, "handler", "x", R, inputs=(Input("when", "date", sealed=True),)),)),
     "only str, text inputs may be sealed"),
    (lambda p: replace(p, transitions=p.transitions + (
        Transition("x", ("clue",), None, "handler", "x", R, inputs=(Input("reporter", "str"),)),)),
     "sealed elsewhere in the procedure"),
    (lambda p: replace(p, transitions=p.transitions + (
        Transition(SEALED_READ_TRIGGER, ("clue",), "closed", "approver", "x", R),)),
     "reading of sealed inputs"),
])
def test_broken_declarations_are_refused_at_load(templates, broken, message):
    with pytest.raises(DeclarationError, match=message):
        registry(broken(_seal_drill()))


# -- sealed inputs ---------------------------------------------------------------------------------------------------

def test_a_sealed_input_is_stored_only_in_its_own_table(drill):
    s, sid = drill
    case = _register(s, sid)["case_id"]
    texts = _every_text(s)
    for value in (REPORTER, REPORTER_ID):
        holding = sorted(name for name, text in texts.items() if value in text)
        assert holding == ["sealed_inputs"], (value, holding)
    # the log refers to each value by its row id and keyed digest, and is still a valid chain
    (opened,) = s.audit.log(case)
    with s.uow() as uow:
        rows = {r.name: r for r in uow.conn.execute(select(sealed_inputs)).all()}
    assert opened["inputs"]["reporter"] == {"sealed": rows["reporter"].id, "sha256": rows["reporter"].digest}
    assert opened["inputs"]["reporter_id"] == {"sealed": rows["reporter_id"].id, "sha256": rows["reporter_id"].digest}
    assert opened["inputs"]["facts"] == "串换药品"
    assert rows["reporter"].transition_seq == opened["seq"] and rows["reporter"].recorded_by == "alice"
    # keyed: not a plain hash of the value a list of names could find, and each row has its own key
    for plain in (REPORTER, f"reporter\x1f{REPORTER}"):
        assert rows["reporter"].digest != hashlib.sha256(plain.encode()).hexdigest()
    assert rows["reporter"].key != rows["reporter_id"].key and sealed_repo.intact(rows["reporter"])
    shown = s.cases.show(case)
    assert REPORTER not in json.dumps(shown, ensure_ascii=False) and shown["data"] == {"facts": "串换药品"}
    assert s.audit.verify()["ok"] is True


def test_the_table_is_append_only(drill):
    s, sid = drill
    _register(s, sid)
    with pytest.raises(Exception, match="append-only"):
        with s.db.begin() as conn:
            conn.execute(sealed_inputs.update().values(value="改动"))
    with pytest.raises(Exception, match="append-only"):
        with s.db.begin() as conn:
            conn.execute(sealed_inputs.delete())


def test_reading_is_an_approvers_logged_transition(drill):
    s, sid = drill
    case = _register(s, sid)["case_id"]
    with frozen_at(at("2026-09-29 10:00")):
        s.cases.act(case, "add_reporter", "alice", {"reporter": "王秀英（补正）"})
    with pytest.raises(Refused) as refused:  # a handler may not read it
        s.cases.read_sealed(case, "alice")
    assert refused.value.code == "ROLE"
    assert [e["trigger"] for e in s.audit.log(case)] == ["register", "add_reporter"]
    with frozen_at(at("2026-09-30 11:00")):
        out = s.cases.read_sealed(case, "bob")
    assert [(e["name"], e["value"]) for e in out["sealed"]] == [
        ("reporter", REPORTER), ("reporter_id", REPORTER_ID), ("reporter", "王秀英（补正）")]
    log = s.audit.log(case)
    assert [e["trigger"] for e in log] == ["register", "add_reporter", SEALED_READ_TRIGGER]
    assert log[-1]["actor"] == "bob" and log[-1]["notice_number"] == out["notice"]
    notice = s.documents.show(out["notice"])
    assert notice["audience"] == "internal" and REPORTER not in notice["text"]
    assert s.audit.verify()["ok"] is True
    # the effect of a later transition reads the latest value; the table holds every value it was given
    texts = _every_text(s)
    assert sorted(n for n, t in texts.items() if "王秀英" in t) == ["sealed_inputs"]


def test_a_refused_transition_leaves_no_sealed_row(drill):
    s, sid = drill
    case = _register(s, sid)["case_id"]
    with pytest.raises(Refused):  # an approver does not add reporters: the value given is not kept
        s.cases.act(case, "add_reporter", "bob", {"reporter": "张某某"})
    with pytest.raises(CreditflowError):
        s.cases.act(case, "add_reporter", "alice", {"reporter": "x" * 501})  # too long: refused, nothing stored
    with s.uow() as uow:
        assert len(uow.conn.execute(select(sealed_inputs)).all()) == 2
    assert "张某某" not in json.dumps(_every_text(s), ensure_ascii=False)
    assert [e["trigger"] for e in s.audit.log(case)] == ["register"]


def test_an_effect_that_copies_a_sealed_value_is_stopped(db_url, tmp_path, templates):
    leaky = _seal_drill(effects={**_seal_drill().effects,
                                 "record_facts": lambda ctx: {"data": {"facts": ctx.inputs["facts"],
                                                                       "who": ctx.sealed("reporter")}}})
    s = make_services(db_url, tmp_path, registry=registry(leaky))
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    s.deployment.add_user("alice", ["handler"])
    sid = s.deployment.add_subject("李建华", "practitioner", None, PERSON_ID)["id"]
    with pytest.raises(CreditflowError) as stopped:
        _register(s, sid)
    assert stopped.value.code == "sealed_copied" and stopped.value.exit_code == 1
    assert REPORTER not in json.dumps(_every_text(s), ensure_ascii=False)
    s.db.dispose()


def test_a_confirmed_report_is_good_information_on_the_reporters_subject(drill):
    s, sid = drill
    reporter = s.deployment.add_subject(REPORTER, "insured", None, REPORTER_ID)["id"]
    case = _register(s, sid)["case_id"]
    with frozen_at(at("2026-10-09 09:00")):
        out = s.cases.act(case, "confirm", "bob", {})
    assert out["state"] == "confirmed" and s.cases.show(case)["data"]["reporter_rewarded"] is True
    with frozen_at(at("2026-10-09 10:00")):
        good = s.deployment.show_subject(str(reporter))["archive"]
        own = s.deployment.show_subject(str(sid))["archive"]
    assert [(e["kind"], e["case_id"], e["in_use"]) for e in good] == [("good", case, True)]
    assert own == []  # nothing on the case's own subject
    # an unregistered reporter: nothing is written, and nobody is guessed
    other = _register(s, sid, reporter_id="410105199001010011")["case_id"]
    with frozen_at(at("2026-10-09 11:00")):
        s.cases.act(other, "confirm", "bob", {})
    assert s.cases.show(other)["data"]["reporter_rewarded"] is False


# -- notices to an authority ------------------------------------------------------------------------------------------

def test_a_notice_to_an_authority_names_its_addressee_and_the_subject_in_full(drill, monkeypatch):
    import workflows.engine.core as engine_module

    s, sid = drill
    case = _register(s, sid)["case_id"]
    captured = {}

    def capture(template, context):
        captured[context["notice"]["audience"]] = context
        return render(template, context)

    monkeypatch.setattr(engine_module, "render", capture)
    with frozen_at(at("2026-09-29 09:00")):
        out = s.cases.act(case, "transfer", "alice", {"organ": "郑州市公安局金水分局"})
    notice = s.documents.show(out["notice"])
    assert notice["audience"] == "authority" and notice["addressee"] == "郑州市公安局金水分局"
    assert "郑州市公安局金水分局：" in notice["text"]
    assert "李建华" in notice["text"] and PERSON_ID in notice["text"]  # Order 310 Art. 6: named in full
    context = captured["authority"]
    assert context["notice"]["addressee"] == "郑州市公安局金水分局"
    for audience in ("public", "third_party"):  # the one masking rule still holds for everyone else
        html = render("seal/any.html.j2", {**context, "notice": {**context["notice"], "audience": audience}}).html
        assert "李建华" not in html and PERSON_ID not in html


def test_an_authority_notice_without_its_addressee_is_refused(drill):
    s, sid = drill
    case = _register(s, sid)["case_id"]
    broken = _seal_drill(effects={**_seal_drill().effects, "record_organ": lambda ctx: {}})
    s.registry = registry(broken)  # the same store under a declaration whose effect forgets the organ
    s.engine.registry = s.registry
    with frozen_at(at("2026-09-29 09:00")), pytest.raises(CreditflowError) as refused:
        s.cases.act(case, "transfer", "alice", {"organ": "郑州市公安局"})
    assert refused.value.code == "no_addressee" and refused.value.exit_code == 2
    assert [e["trigger"] for e in s.audit.log(case)] == ["register"]


# -- the command line ---------------------------------------------------------------------------------------------------

def test_case_reporter_on_the_command_line(cli, monkeypatch, templates):
    import workflows.services as services_module

    monkeypatch.setattr(services_module, "REGISTRY", registry())
    cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cli("user", "add", "alice", "--role", "handler")
    cli("user", "add", "bob", "--role", "approver")
    cli("subject", "add", "--name", "李建华", "--type", "practitioner", "--id-number", PERSON_ID)
    case = cli("case", "open", "seal_drill", "--subject", "1", "--set", "facts=串换药品", "--set", f"reporter={REPORTER}",
               "--set", f"reporter_id={REPORTER_ID}", "--as", "alice", now="2026-09-28T09:00:00+08:00").json["case_id"]
    plain = cli("case", "open", "plain_drill", "--subject", "1", "--set", "facts=x", "--as", "alice").json["case_id"]
    shown = cli("case", "show", str(case)).out
    log = cli("audit", "log", str(case)).out
    assert REPORTER not in shown + log and REPORTER_ID not in shown + log
    refused = cli("case", "reporter", str(case), "--as", "alice", expect=3, as_json=False)
    assert "没有该角色" in refused.line
    none = cli("case", "reporter", str(plain), "--as", "bob", expect=3, as_json=False)
    assert "不设查阅" in none.line
    out = cli("case", "reporter", str(case), "--as", "bob", now="2026-09-30T10:00:00+08:00").json
    assert out["case_id"] == case
    assert [(e["name"], e["value"]) for e in out["sealed"]] == [("reporter", REPORTER), ("reporter_id", REPORTER_ID)]
    assert set(out["sealed"][0]) >= {"name", "value", "sha256", "recorded_at"}
    text = cli("case", "reporter", str(case), "--as", "bob", as_json=False).out
    assert f"举报人：{REPORTER}" in text and "查阅记录" in text
    entries = cli("audit", "log", str(case)).json["entries"]
    assert [e["trigger"] for e in entries].count(SEALED_READ_TRIGGER) == 2
    assert cli("audit", "verify").json["ok"] is True

