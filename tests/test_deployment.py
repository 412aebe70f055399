"""The deployment's identity (workflows/deployment.py): nothing fictional in a real notice, the
reconsideration body derived where 行政复议法 Art. 24 settles it, decisions refused until it is set,
renames refused without --rename and recorded, hash-chained, in `settings_changes` that `audit verify`
checks. SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from jinja2 import DictLoader, Environment
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from conftest import HOSPITAL_USCC, PERSON_ID, at, make_services, publish
from states.spec import Notice
from workflows import clock, deployment
from workflows.audit import SETTINGS_CHANGE_FIELDS, settings_change_hash
from workflows.auditing import APPEND_ONLY_TRIGGERS
from workflows.deployment import GENERIC_COURT, derive_reconsideration_body, require_for_notice
from workflows.errors import BadInput, Refused
from workflows.store.tables import cases, deployment as deployment_table, notices, settings_changes

ZHENGZHOU = {"department_name": "郑州市医疗保障局", "number_prefix": "郑医保"}


@pytest.fixture
def fresh(db_url, tmp_path):
    s = make_services(db_url, tmp_path)
    yield s
    s.db.dispose()


def users(s):
    for name, roles in (("alice", ["handler"]), ("bob", ["approver"]), ("audrey", ["auditor"])):
        s.deployment.add_user(name, roles)


def dismissed(s, person: bool = False) -> dict:
    """A subject, its evaluation and an objection dismissed by bob: the dismissal carries the remedies."""
    key = PERSON_ID if person else HOSPITAL_USCC
    if person:
        s.deployment.add_subject("张三", "insured", None, PERSON_ID)
    else:
        s.deployment.add_subject("郑州市第一人民医院", "hospital", HOSPITAL_USCC, None)
    with clock.frozen_at(at("2026-02-06 09:00")):
        ev = publish(s, key, 2025, "72", "alice")["case_id"]
    with clock.frozen_at(at("2026-02-10 09:00")):
        obj = s.cases.open("objection", "alice", {"grounds": "1,2", "received": "2026-02-10",
                                                  "materials": "评分细则,复核申请", "reason": "扣分有误"}, parent=ev)["case_id"]
        s.cases.act(obj, "accept", "alice", {})
    with clock.frozen_at(at("2026-02-12 10:00")):
        s.cases.act(obj, "propose_dismiss", "alice", {"findings": "扣分依据充分"})
    return {"ev": ev, "obj": obj}


def approve(s, obj) -> dict:
    with clock.frozen_at(at("2026-02-13 15:00")):
        out = s.cases.act(obj, "approve", "bob", {})
    return s.documents.show(out["notice"])


def count(s, table) -> int:
    with s.db.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def stored(s) -> dict:
    with s.db.connect() as conn:
        return {r.key: r.value for r in conn.execute(select(deployment_table))}


def raw(s, *statements) -> None:
    with s.db.begin() as conn:
        for st in statements:
            conn.exec_driver_sql(st) if isinstance(st, str) else conn.execute(st)


def drop_settings_triggers(s) -> None:
    if s.db.dialect.name == "postgresql":
        raw(s, "DROP TRIGGER settings_changes_append_only ON settings_changes",
            "DROP TRIGGER settings_changes_no_truncate ON settings_changes")
    else:
        raw(s, "DROP TRIGGER settings_changes_no_update", "DROP TRIGGER settings_changes_no_delete")


# -- the reconsideration body, derived only where the law settles it -------------------------------------------

@pytest.mark.parametrize("department, body", [
    ("郑州市医疗保障局", "郑州市人民政府"),
    ("郑州市金水区医疗保障局", "郑州市金水区人民政府"),
    ("巩义市医疗保障局", "巩义市人民政府"),  # a county-level city
    ("中牟县医疗保障局", "中牟县人民政府"),
    ("分宜县医疗保障局", "分宜县人民政府"),  # 分 in a place name is not a 分局
    ("北京市医疗保障局", "北京市人民政府"),  # a municipality: its working department, Art. 24(1)(1)
    ("延边朝鲜族自治州医疗保障局", "延边朝鲜族自治州人民政府"),
    ("长阳土家族自治县医疗保障局", "长阳土家族自治县人民政府"),
    ("鄂托克旗医疗保障局", "鄂托克旗人民政府"),
    ("鄂伦春自治旗医疗保障局", "鄂伦春自治旗人民政府"),
    (" 郑州市医疗保障局 ", "郑州市人民政府"),
    ("河南省医疗保障局", None),  # provincial level: stated by the deployment
    ("广西壮族自治区医疗保障局", None),
    ("锡林郭勒盟医疗保障局", None),  # 盟 and 地区 have 行政公署, not people's governments
    ("阿克苏地区医疗保障局", None),
    ("郑州医疗保障局", None),  # no 州 today is not an 自治州: a city without its 市
    ("郑州市医疗保障局金水分局", None),  # an agency of a department (Art. 24(4))
    ("郑州市医疗保障局高新区分局", None),
    ("郑州航空港经济综合实验区医疗保障局", None),  # a zone's management committee
    ("郑州高新技术产业开发区医疗保障局", None),
    ("上海市浦东新区医疗保障局", None),
    ("示例市医疗保障局（演示数据）", None),
    ("市医疗保障局", None),
    ("郑州市医疗保险事业管理中心", None),
    ("郑州市 医疗保障局", None),
    ("", None),
    (None, None),
])
def test_the_body_is_derived_only_where_article_24_settles_it(department, body):
    assert derive_reconsideration_body(department) == body


def test_which_templates_name_the_remedies_bodies():
    env = Environment(loader=DictLoader({
        "base": "{% macro remedies() %}{{ department.reconsideration_body }}{% endmacro %}"
                "{% block remedies %}{% if notice.against_subject %}{{ remedies() }}{% endif %}{% endblock %}",
        "plain": "{% extends 'base' %}",
        "d_grade": "{% extends 'base' %}{% block remedies %}{% if notice.against_subject or grade == 'D' %}"
                   "{{ remedies() }}{% endif %}{% endblock %}",
        "direct": "{% extends 'base' %}{% block body %}{{ department['court'] }}{% endblock %}",
        "part": "{{ remedies() }}",
        "includes": "{% extends 'base' %}{% block body %}{% include 'part' %}{% endblock %}",
        "else_branch": "{% if notice.against_subject %}{{ remedies() }}{% else %}{{ remedies() }}{% endif %}",
    }))
    found = {name: deployment.template_names_remedies(env, name)
             for name in ("plain", "d_grade", "direct", "includes", "else_branch")}
    assert found == {"plain": False, "d_grade": True, "direct": True, "includes": True, "else_branch": True}
    # the real templates: a final or adjusted grade may be a D (remedies); the rest only when declared
    assert deployment.needs_remedies(Notice("evaluation/finalized.html.j2", "t", "信评", "subject"))
    assert deployment.needs_remedies(Notice("evaluation/adjusted.html.j2", "t", "信评", "subject"))
    assert not deployment.needs_remedies(Notice("evaluation/published.html.j2", "t", "信评", "subject"))
    assert deployment.needs_remedies(Notice("objection/decided.html.j2", "t", "信异", "subject", against_subject=True))
    assert not deployment.needs_remedies(Notice("objection/accepted.html.j2", "t", "信异", "subject"))


def test_require_for_notice():
    full = {**ZHENGZHOU, "reconsideration_body": "郑州市人民政府", "court": GENERIC_COURT}
    decision = Notice("objection/decided.html.j2", "信用评价结果异议处理结果告知书", "信异", "subject", against_subject=True)
    finalized = Notice("evaluation/finalized.html.j2", "信用评价结果告知书", "信评", "subject")
    published = Notice("evaluation/published.html.j2", "信用评价结果告知书", "信评", "subject")
    require_for_notice(full, decision)
    for notice in (decision, finalized):
        with pytest.raises(Refused) as info:
            require_for_notice({**full, "reconsideration_body": ""}, notice)
        e = info.value
        assert (e.code, e.article, e.exit_code) == ("DEPLOY-REMEDIES", "中华人民共和国行政复议法 Art. 24", 3)
        assert "creditflow init --reconsideration-body" in e.message
    require_for_notice({**full, "reconsideration_body": ""}, published)  # no remedies: issued
    # the fictitious body the old init filled in is no body for a real department ...
    with pytest.raises(Refused, match="旧版本默认填入的虚构名称"):
        require_for_notice({**full, "reconsideration_body": "示例市人民政府"}, decision)
    # ... but the fictitious bureau may name its fictitious government
    require_for_notice({**full, "department_name": "示例市医疗保障局", "reconsideration_body": "示例市人民政府"}, decision)
    with pytest.raises(Refused) as info:
        require_for_notice({**full, "court": ""}, decision)
    assert info.value.code == "DEPLOY-REMEDIES" and info.value.article == "中华人民共和国行政诉讼法 Art. 18"
    for key in ("department_name", "number_prefix"):
        with pytest.raises(Refused) as info:
            require_for_notice({**full, key: ""}, published)
        assert info.value.code == "DEPLOY-IDENTITY"
        assert "creditflow init --department" in info.value.message and "--prefix" in info.value.message


# -- init ------------------------------------------------------------------------------------------------------------

def test_a_bare_init_sets_nothing_fictional_and_every_transition_is_refused(fresh):
    out = fresh.deployment.init()
    assert set(out) == {"schema", "deployment", "database", "renamed"} and out["renamed"] is None
    d = out["deployment"]
    assert (d["department_name"], d["number_prefix"], d["reconsideration_body"], d["court"]) == \
        (None, None, None, GENERIC_COURT)
    assert not any("示例" in v for v in stored(fresh).values())
    users(fresh)
    fresh.deployment.add_subject("郑州市第一人民医院", "hospital", HOSPITAL_USCC, None)
    with clock.frozen_at(at("2026-02-06 09:00")), pytest.raises(Refused) as info:
        publish(fresh, HOSPITAL_USCC, 2025, "72", "alice")
    assert info.value.code == "DEPLOY-IDENTITY" and "creditflow init --department" in info.value.message
    assert count(fresh, cases) == 0 and count(fresh, notices) == 0  # nothing written

    # the README's sequence: `init`, then `init --department …` (no case yet: no --rename, nothing recorded)
    out = fresh.deployment.init(department_name="郑州市医疗保障局")
    assert out["deployment"]["reconsideration_body"] == "郑州市人民政府" and out["deployment"]["number_prefix"] is None
    out = fresh.deployment.init(department_name="开封市医疗保障局", number_prefix="汴医保")
    assert (out["deployment"]["department_name"], out["deployment"]["reconsideration_body"]) == \
        ("开封市医疗保障局", "开封市人民政府")  # the body follows the department
    assert out["renamed"] is None and count(fresh, settings_changes) == 0
    with clock.frozen_at(at("2026-02-06 09:00")):  # the same Services: the engine reads the new settings
        assert publish(fresh, HOSPITAL_USCC, 2025, "72", "alice")["notice"].startswith("汴医保")


def test_a_department_only_init_names_its_own_government_in_decisions(fresh):
    """The bug: `init --department 郑州市医疗保障局` used to issue decisions naming 示例市人民政府."""
    fresh.deployment.init(**ZHENGZHOU)
    users(fresh)
    ids = dismissed(fresh)
    text = approve(fresh, ids["obj"])["text"]
    assert "向郑州市人民政府申请行政复议" in text and f"直接向{GENERIC_COURT}提起行政诉讼" in text
    assert "示例" not in text
    assert fresh.audit.verify()["ok"]


def test_decisions_wait_for_a_body_the_name_does_not_settle(fresh):
    fresh.deployment.init(department_name="河南省医疗保障局", number_prefix="豫医保")
    users(fresh)
    ids = dismissed(fresh)  # publish, open, accept, propose: no remedies, issued
    with clock.frozen_at(at("2026-02-13 15:00")), pytest.raises(Refused) as info:
        fresh.cases.act(ids["obj"], "approve", "bob", {})
    e = info.value
    assert (e.code, e.article) == ("DEPLOY-REMEDIES", "中华人民共和国行政复议法 Art. 24")
    assert "河南省医疗保障局" in e.message and "creditflow init --reconsideration-body" in e.message
    assert fresh.cases.show(ids["obj"])["state"] == "dismiss_proposed"

    # filling the unset body once cases exist: no --rename, but signed by an approver and recorded
    with pytest.raises(BadInput) as missing:
        fresh.deployment.init(reconsideration_body="河南省人民政府")
    assert missing.value.code == "actor_required"
    out = fresh.deployment.init(reconsideration_body="河南省人民政府", actor="bob")
    change = out["renamed"]
    assert change["seq"] == 1 and change["actor"] == "bob" and change["prev_hash"] == ""
    assert change["old"]["reconsideration_body"] is None and change["new"]["reconsideration_body"] == "河南省人民政府"
    assert "向河南省人民政府申请行政复议" in approve(fresh, ids["obj"])["text"]
    report = fresh.audit.verify()
    assert report["ok"], report["first_break"]
    assert report["checked"]["settings_changes"] == 1


def test_a_rename_once_cases_exist_needs_rename_and_an_approver(svc):
    dismissed(svc)
    before = stored(svc)
    with pytest.raises(Refused) as info:
        svc.deployment.init(department_name="开封市医疗保障局", number_prefix="汴医保")
    e = info.value
    assert e.code == "DEPLOY-RENAME" and e.exit_code == 3 and "--rename" in e.message and "--as" in e.message
    assert "郑州市医疗保障局" in e.message and "开封市医疗保障局" in e.message
    for values in ({"reconsideration_body": "河南省人民政府"}, {"court": GENERIC_COURT}):
        with pytest.raises(Refused, match="--rename"):
            svc.deployment.init(**values)
    assert stored(svc) == before

    new = {"department_name": "开封市医疗保障局", "number_prefix": "汴医保"}
    with pytest.raises(BadInput) as info:
        svc.deployment.init(**new, rename=True)
    assert info.value.code == "actor_required"
    with pytest.raises(BadInput) as info:
        svc.deployment.init(**new, rename=True, actor="nobody")
    assert info.value.code == "unknown_user"
    with pytest.raises(Refused) as info:
        svc.deployment.init(**new, rename=True, actor="alice")  # a handler
    assert info.value.code == "ROLE"
    with pytest.raises(Refused) as info:
        svc.deployment.init(**new, rename=True, actor="audrey")
    assert info.value.code == "READ-ONLY"
    assert stored(svc) == before and count(svc, settings_changes) == 0

    # stating what is set already changes nothing and needs nothing
    assert svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")["renamed"] is None

    out = svc.deployment.init(**new, rename=True, actor="bob")
    change = out["renamed"]
    assert change["old"] == {"department_name": "郑州市医疗保障局", "number_prefix": "郑医保",
                             "reconsideration_body": "郑州市人民政府", "court": "郑州铁路运输法院"}
    # the remedies bodies follow the department: derived anew, the court back to the generic wording
    assert change["new"] == {"department_name": "开封市医疗保障局", "number_prefix": "汴医保",
                             "reconsideration_body": "开封市人民政府", "court": GENERIC_COURT}
    assert out["deployment"]["department_name"] == "开封市医疗保障局"
    with svc.db.connect() as conn:
        row = conn.execute(select(settings_changes)).one()
    assert settings_change_hash({f: getattr(row, f) for f in SETTINGS_CHANGE_FIELDS}) == row.hash == change["hash"]

    ids = dismissed(svc, person=True)
    notice = approve(svc, ids["obj"])
    assert notice["number"].startswith("汴医保") and "向开封市人民政府申请行政复议" in notice["text"]
    report = svc.audit.verify()
    assert report["ok"], report["first_break"]

    out = svc.deployment.init(court="开封市中级人民法院", rename=True, actor="bob")
    assert out["renamed"]["seq"] == 2 and out["renamed"]["prev_hash"] == change["hash"]
    assert svc.audit.verify()["ok"]


# -- the audit trail of the settings -----------------------------------------------------------------------------

@pytest.fixture
def renamed(svc):
    """Two recorded changes: the department (and prefix) and then the court."""
    dismissed(svc)
    svc.deployment.init(department_name="开封市医疗保障局", number_prefix="汴医保", rename=True, actor="bob")
    svc.deployment.add_subject("张三", "insured", None, PERSON_ID)
    with clock.frozen_at(at("2026-02-16 09:00")):
        assert publish(svc, PERSON_ID, 2025, "88", "alice")["notice"].startswith("汴医保")
    svc.deployment.init(court="开封市中级人民法院", rename=True, actor="bob")
    assert svc.audit.verify()["ok"]
    return svc


def first(report) -> tuple:
    b = report["first_break"]
    return (b["seq"], b["check"])


def test_the_settings_changes_are_append_only_and_their_triggers_checked(renamed):
    for statement in ("UPDATE settings_changes SET actor = 'mallory'", "DELETE FROM settings_changes"):
        with pytest.raises(DBAPIError, match="append-only"):
            raw(renamed, statement)
    names = APPEND_ONLY_TRIGGERS[renamed.db.dialect.name]
    for table in ("archive_entries", "archive_status", "settings_changes", "notice_pdfs", "notice_services"):
        assert any(n.startswith(table + "_") for n in names)
    drop_settings_triggers(renamed)
    report = renamed.audit.verify()
    assert report["ok"] and any("settings_changes_" in w for w in report["warnings"])


def test_an_edited_settings_change_is_caught(renamed):
    drop_settings_triggers(renamed)
    raw(renamed, update(settings_changes).where(settings_changes.c.seq == 1).values(actor="mallory"))
    report = renamed.audit.verify()
    assert not report["ok"] and first(report) == (1, "settings_hash")
    assert "settings change #1" in report["first_break"]["message"]


def test_an_edited_and_rehashed_settings_change_breaks_the_chain(renamed):
    drop_settings_triggers(renamed)
    with renamed.db.connect() as conn:
        row = conn.execute(select(settings_changes).where(settings_changes.c.seq == 1)).one()
    forged = {f: getattr(row, f) for f in SETTINGS_CHANGE_FIELDS} | {"actor": "mallory"}
    raw(renamed, update(settings_changes).where(settings_changes.c.seq == 1)
        .values(actor="mallory", hash=settings_change_hash(forged)))
    assert first(renamed.audit.verify()) == (2, "settings_chain")


@pytest.mark.parametrize("seq, check", [(1, "settings_missing"), (2, "settings_current")])  # the last: where it was
def test_a_deleted_settings_change_is_caught(renamed, seq, check):
    drop_settings_triggers(renamed)
    raw(renamed, delete(settings_changes).where(settings_changes.c.seq == seq))
    report = renamed.audit.verify()
    assert not report["ok"] and (seq, check) in {(b["seq"], b["check"]) for b in report["details"]}
    if seq == 1:  # the first change held the only record of the prefix 郑医保, which numbered notices
        assert first(report) == (None, "settings_unrecorded") and report["first_break"]["found"] == "郑医保"


def test_settings_changed_behind_inits_back_are_caught(renamed):
    raw(renamed, update(deployment_table).where(deployment_table.c.key == "reconsideration_body").values(value="某人民政府"))
    report = renamed.audit.verify()
    assert first(report) == (3, "settings_current") and "某人民政府" in report["first_break"]["found"]


def test_a_wiped_settings_history_is_caught_by_the_notice_prefixes(renamed):
    """The attacker deletes every settings change and puts the old settings back: the notices numbered
    under the new prefix remain, and no recorded setting ever had it."""
    drop_settings_triggers(renamed)
    raw(renamed, delete(settings_changes),
        *[update(deployment_table).where(deployment_table.c.key == k).values(value=v) for k, v in {
            **ZHENGZHOU, "reconsideration_body": "郑州市人民政府", "court": "郑州铁路运输法院"}.items()])
    report = renamed.audit.verify()
    assert not report["ok"] and first(report) == (None, "settings_unrecorded")
    assert report["first_break"]["found"] == "汴医保"


# -- the command line -----------------------------------------------------------------------------------------------

@pytest.fixture
def cli(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_ALLOW_CLOCK_OVERRIDE", "1")

    def run(*args, json_out=True):
        from workflows.cli import main

        capsys.readouterr()
        argv = list(args) + (["--json"] if json_out else [])
        with pytest.raises(SystemExit) as info:
            main(argv)
        out = capsys.readouterr()
        return info.value.code or 0, (json.loads(out.out) if json_out and out.out.strip() else out.out)

    return run


def test_cli_init(cli):
    code, out = cli("init")
    assert code == 0 and set(out) == {"schema", "deployment", "database", "renamed"} and out["renamed"] is None
    assert out["deployment"]["department_name"] is None and out["deployment"]["court"] == GENERIC_COURT
    code, text = cli("init", json_out=False)
    assert code == 0 and "未设置" in text and "creditflow init --department" in text
    for args in (("user", "add", "alice", "--role", "handler"), ("user", "add", "bob", "--role", "approver"),
                 ("subject", "add", "--name", "郑州市第一人民医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")):
        assert cli(*args)[0] == 0
    code, out = cli("--now", "2026-02-06T09:00:00+08:00", "evaluation", "publish", "--subject", HOSPITAL_USCC,
                    "--year", "2025", "--score", "72", "--as", "alice")
    assert code == 3 and out["error"]["code"] == "DEPLOY-IDENTITY"

    code, text = cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", json_out=False)
    assert code == 0 and "郑州市人民政府（依行政复议法第二十四条由发文机关名称确定）" in text
    code, out = cli("--now", "2026-02-06T09:00:00+08:00", "evaluation", "publish", "--subject", HOSPITAL_USCC,
                    "--year", "2025", "--score", "72", "--as", "alice")
    assert code == 0

    code, out = cli("init", "--department", "开封市医疗保障局")
    assert code == 3 and out["error"]["code"] == "DEPLOY-RENAME" and "--rename" in out["error"]["message"]
    code, out = cli("init", "--department", "开封市医疗保障局", "--rename")
    assert code == 2 and out["error"]["code"] == "actor_required"
    code, out = cli("init", "--department", "开封市医疗保障局", "--rename", "--as", "bob")
    assert code == 0 and out["renamed"]["new"]["department_name"] == "开封市医疗保障局"
    assert out["renamed"]["new"]["reconsideration_body"] == "开封市人民政府"
    code, text = cli("init", "--court", "开封市中级人民法院", "--rename", "--as", "bob", json_out=False)
    assert code == 0 and "设置变更已记入审计日志（第 2 条，bob 署名）" in text and "开封市中级人民法院" in text
    code, out = cli("audit", "verify")
    assert code == 0 and out["ok"] and out["checked"]["settings_changes"] == 2


def test_the_demo_sets_its_own_bureau_after_a_bare_init(fresh):
    """The README's quick start: `creditflow init`, then `creditflow serve --demo` on the empty store."""
    from workflows.demo import DEPARTMENT, fill_demo

    fresh.deployment.init()
    out = fill_demo(fresh, date(2026, 3, 10))
    assert out["department"]["department_name"] == "示例市医疗保障局（演示数据）" == DEPARTMENT["department_name"]
    assert out["department"]["number_prefix"] == "示医保"
    assert count(fresh, settings_changes) == 0  # set on the empty store: nothing to record
    assert fresh.audit.verify()["ok"]
