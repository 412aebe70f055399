"""The command line's input contract: every bad value is refused with exit 2 and one line, the machine's
failures are exit 1 with one line, and plain output speaks the handler's language (SQLite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from conftest import HOSPITAL_USCC

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]
# Written in pieces, so this file does not itself trip tests/test_standalone.py.
FORBIDDEN = ("RULES" + " §", "RULES" + ".md", "DES" + "IGN", "../" + "shared", "Traceback")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self):
        return json.loads(self.out) if self.out.strip() else None

    @property
    def error(self) -> dict:
        return self.json["error"]

    @property
    def line(self) -> str:
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        return lines[0]


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Runs `workflows.cli.main` in-process on a fresh SQLite store; the clock override is reset after each call."""
    from workflows import clock
    from workflows.cli import main

    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'creditflow.db'}")
    monkeypatch.setenv("CREDITFLOW_ALLOW_CLOCK_OVERRIDE", "1")
    monkeypatch.delenv("CREDITFLOW_DEBUG", raising=False)
    monkeypatch.delenv("CREDITFLOW_CALENDAR_OVERRIDES", raising=False)

    def run(*args, now=None, expect=0, as_json=True) -> Result:
        argv = (["--now", now] if now else []) + list(args) + (["--json"] if as_json else [])
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code
        finally:
            clock.set_override(None)
        out, err = capsys.readouterr()
        assert code == expect, (args, code, out, err)
        for word in FORBIDDEN:
            assert word not in out + err, (word, out, err)
        if code:
            assert len(err.strip().splitlines()) == 1, err  # one line on stderr, whatever went wrong
        return Result(code, out, err)

    run.tmp = tmp_path
    return run


def story(cf, materials=True) -> int:
    """A published evaluation (case 1) and an objection to it (case 2), as a handler would type them."""
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cf("user", "add", "alice", "--role", "handler")
    cf("user", "add", "bob", "--role", "approver")
    cf("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")
    cf("evaluation", "publish", "--subject", "1", "--year", "2025", "--score", "78.5", "--as", "alice",
       now="2026-02-06T09:00:00+08:00")
    extra = ["--materials", "异议申请表,检查记录", "--reason", "两项扣分缺少依据"] if materials else []
    return cf("case", "open", "objection", "--evaluation", "1", "--grounds", "1,2", "--received", "2026-02-24",
              *extra, "--as", "alice", now="2026-02-25T09:00:00+08:00").json["case_id"]


def log_length(cf, case_id: int) -> int:
    return len(cf("audit", "log", str(case_id)).json["entries"])


# -- 1. ids -------------------------------------------------------------------------------------------------

BAD_IDS = ["99999999999999999999999", "2.0", "-1", "0", "abc"]


def test_every_id_is_a_positive_database_integer(cli):
    case = story(cli)
    before = log_length(cli, case)
    out = str(cli.tmp / "export.jsonl")
    commands = [
        lambda v: ("case", "act", v, "accept", "--as", "alice"),
        lambda v: ("case", "show", v),
        lambda v: ("case", "explain", v, "handling"),
        lambda v: ("case", "actions", v, "--as", "alice"),
        lambda v: ("audit", "log", v),
        lambda v: ("incidents", "retry", v),
        lambda v: ("audit", "export", "--case", v, "-o", out),
        lambda v: ("audit", "export-checkpoint", "--id", v, "-o", out),
        lambda v: ("case", "open", "objection", "--evaluation", v, "--grounds", "1", "--received", "2026-02-24",
                   "--as", "alice"),
        lambda v: ("case", "open", "objection", "--parent", v, "--grounds", "1", "--received", "2026-02-24",
                   "--as", "alice"),
        lambda v: ("case", "list", "--limit", v),
        lambda v: ("case", "list", "--due-within", v),
        lambda v: ("case", "act", str(case), "accept", "--as", "alice", "--expected-version", v),
    ]
    for make in commands:
        for value in BAD_IDS:
            r = cli(*make(value), expect=2)
            if value == "-1" and r.error["code"] == "usage":  # a positional "-1" reads as an unknown option
                assert "-1" in r.error["message"]
                continue
            assert r.error["code"] == "bad_number" and "2147483647" in r.error["message"], r.error
        plain = cli(*make("2.0"), expect=2, as_json=False)
        assert plain.out == "" and "'2.0'" in plain.line and plain.line.startswith("error: ")
    assert log_length(cli, case) == before  # nothing acted: `2.0` is not case 2
    assert cli("case", "show", str(case)).json["state"] == "received"
    assert not os.path.exists(out)
    assert cli("case", "show", "2147483647", expect=2).error["code"] == "unknown_case"  # the largest id is an id
    assert cli("case", "show", "--", "-1", expect=2).error["code"] == "bad_number"
    # a subject is named by id or by code: an id beyond the database's integer is simply not there
    for value in ("99999999999999999", "2147483648", "0"):
        assert cli("subject", "show", value, expect=2).error["code"] == "unknown_subject"
        assert cli("evaluation", "publish", "--subject", value, "--year", "2025", "--score", "80", "--as", "alice",
                   expect=2).error["code"] == "unknown_subject"


# -- 2. undecodable arguments ------------------------------------------------------------------------------------

def test_an_argument_that_is_not_utf8_is_refused_naming_its_position(tmp_path):
    env = {**os.environ, "CREDITFLOW_HOME": str(tmp_path),
           "CREDITFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'creditflow.db'}"}
    argv = [a.encode() for a in CLI] + [b"case", b"act", b"2", b"suspend", b"--set", b"reason=\xff\xfe", b"--as",
                                        b"alice"]
    r = subprocess.run(argv, capture_output=True, env=env, timeout=60)
    assert r.returncode == 2 and r.stdout == b""
    lines = r.stderr.decode("utf-8").strip().splitlines()
    assert len(lines) == 1 and "第 6 个" in lines[0] and "UTF-8" in lines[0], lines
    r = subprocess.run(argv + [b"--json"], capture_output=True, env=env, timeout=60)
    assert r.returncode == 2 and json.loads(r.stdout)["error"]["code"] == "bad_encoding"
    assert not (tmp_path / "creditflow.db").exists()  # refused before anything was opened


# -- 3. free text --------------------------------------------------------------------------------------------------

def test_free_text_limits_and_control_characters(cli):
    case = story(cli)
    act = lambda trig, *sets, expect=0: cli(  # noqa: E731
        "case", "act", str(case), trig, "--as", "alice", *[x for s in sets for x in ("--set", s)],
        now="2026-02-26T10:00:00+08:00", expect=expect)
    act("accept")
    before = log_length(cli, case)

    too_long = act("propose_dismiss", "findings=" + "查" * 5001, expect=2).error
    assert too_long["code"] == "too_long"
    assert all(s in too_long["message"] for s in ("findings", "审查意见", "5000", "5001"))
    act("propose_dismiss", "findings=" + "查" * 5000 + "\r\n", expect=0)  # at the limit, trailing CR LF trimmed
    act("return", "reason=请补充", expect=3)  # alice is no approver; the proposal stays
    assert log_length(cli, case) == before + 1

    # A one-line choice: control characters refused; code or Chinese label accepted; both listed when wrong.
    case2 = _second_objection(cli)
    act2 = lambda trig, *sets, expect=0: cli(  # noqa: E731
        "case", "act", str(case2), trig, "--as", "alice", *[x for s in sets for x in ("--set", s)],
        now="2026-02-26T11:00:00+08:00", expect=expect)
    act2("accept")
    wrong = act2("suspend", "reason=lunch", expect=2).error
    assert "可选：inspection（检验）、testing（检测）" in wrong["message"] and "expert_review" in wrong["allowed"]
    assert act2("suspend", "reason=检\u0007验", expect=2).error["code"] == "control_character"
    assert act2("suspend", "reason=专家评审").json["state"] == "suspended"
    assert cli("case", "show", str(case2)).json["data"]["suspension_reason"] == "专家评审"


def _second_objection(cli) -> int:
    sid = cli("subject", "add", "--name", "张某", "--type", "insured", "--id-number", "11010519491231002X").json["id"]
    cli("evaluation", "publish", "--subject", str(sid), "--year", "2025", "--score", "70", "--as", "alice",
        now="2026-02-06T09:00:00+08:00")
    ev = max(c["id"] for c in cli("case", "list", "--kind", "evaluation").json["cases"])
    return cli("case", "open", "objection", "--evaluation", str(ev), "--grounds", "2", "--received", "2026-02-24",
               "--materials", "申请表", "--reason", "得分有误", "--as", "alice",
               now="2026-02-25T09:00:00+08:00").json["case_id"]


def test_open_inputs_one_line_lists_and_normalised_text(cli):
    story(cli, materials=False)  # case 2 exists; a second objection to the same evaluation is refused anyway
    cli("subject", "add", "--name", "第三医院", "--type", "insured", "--id-number", "11010519491231002X")
    cli("evaluation", "publish", "--subject", "2", "--year", "2025", "--score", "70", "--as", "alice",
        now="2026-02-06T09:00:00+08:00")
    opened = lambda *extra, expect=0: cli(  # noqa: E731
        "case", "open", "objection", "--evaluation", "3", "--received", "2026-02-24", *extra, "--as", "alice",
        now="2026-02-25T09:00:00+08:00", expect=expect)
    count = len(cli("case", "list").json["cases"])

    rep = opened("--grounds", "1,1", expect=2).error
    assert rep["code"] == "repeated_value" and "grounds" in rep["message"]
    item = opened("--grounds", "1", "--materials", "表," + "材" * 501, expect=2).error
    assert item["code"] == "too_long" and "第 2 项" in item["message"] and "500" in item["message"]
    for bad in ("检查\n记录", "检查\t记录", "检查\u2028记录", "检查\x1b记录"):
        assert opened("--grounds", "1", "--materials", bad, expect=2).error["code"] == "control_character"
    assert opened("--grounds", "1", "--reason", "第一行\x00", expect=2).error["code"] == "control_character"
    assert opened("--grounds", "1", "--reason", "x" * 5001, expect=2).error["code"] == "too_long"
    assert len(cli("case", "list").json["cases"]) == count  # bad input changed nothing

    case = opened("--grounds", "1，2", "--materials", "申请表，检查记录", "--reason", "第一行\r\n第二行\t附注\n").json["case_id"]
    data = cli("case", "show", str(case)).json["data"]
    assert data["reason"] == "第一行\n第二行\t附注" and data["materials"] == ["申请表", "检查记录"]
    assert data["grounds"] == [1, 2]


def test_subject_names_are_one_line_of_at_most_200(cli):
    cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    add = lambda name, expect=0: cli("subject", "add", "--name", name, "--uscc", HOSPITAL_USCC,  # noqa: E731
                                     "--type", "hospital", expect=expect)
    assert "200" in add("院" * 201, expect=2).error["message"]
    assert add("某\x07医院", expect=2).error["code"] == "control_character"
    assert add("某\n医院", expect=2).error["code"] == "control_character"
    assert cli("subject", "list").json["subjects"] == []
    assert add("院" * 200).json["name"] == "院" * 200


# -- 4. repeated and contradictory values --------------------------------------------------------------------

@pytest.mark.parametrize("option,value", [("--grounds", "1"), ("--received", "2026-02-24"),
                                          ("--materials", "申请表"), ("--reason", "有误")])
def test_a_dedicated_option_and_set_of_the_same_key_are_refused(cli, option, value):
    story(cli)
    cli("subject", "add", "--name", "某人", "--type", "insured", "--id-number", "11010519491231002X")
    cli("evaluation", "publish", "--subject", "2", "--year", "2025", "--score", "70", "--as", "alice",
        now="2026-02-06T09:00:00+08:00")
    base = {"--grounds": "1", "--received": "2026-02-24"}
    args = [x for k, v in base.items() if k != option for x in (k, v)]
    r = cli("case", "open", "objection", "--evaluation", "3", *args, option, value,
            "--set", f"{option[2:]}={value}", "--as", "alice", now="2026-02-25T09:00:00+08:00", expect=2)
    assert r.error["code"] == "repeated_input" and option in r.error["message"]
    assert [c["id"] for c in cli("case", "list", "--kind", "objection").json["cases"]] == [2]


def test_the_same_set_key_twice_is_refused(cli):
    case = story(cli)
    r = cli("case", "act", str(case), "refuse", "--set", "reason=一", "--set", "reason=二", "--as", "alice",
            expect=2)
    assert r.error["code"] == "repeated_input" and "reason" in r.error["message"]
    assert cli("case", "show", str(case)).json["state"] == "received"


# -- 5. case list filters ----------------------------------------------------------------------------------

def test_case_list_refuses_unknown_kinds_and_states_listing_the_allowed(cli):
    story(cli)
    kind = cli("case", "list", "--kind", "apple", expect=2).error
    from states import REGISTRY

    assert set(kind["allowed"]) == set(REGISTRY.kinds) and "objection（信用评价结果异议）" in kind["message"]
    state = cli("case", "list", "--state", "pear", expect=2).error
    assert {"published", "received", "upheld"} <= set(state["allowed"]) and "under_review（审查中）" in state["message"]
    other = cli("case", "list", "--kind", "objection", "--state", "published", expect=2).error
    assert "published" not in other["allowed"] and "received" in other["allowed"]
    assert [c["id"] for c in cli("case", "list", "--kind", "objection", "--state", "received").json["cases"]] == [2]


# -- 6. the machine's failures: exit 1, one line ------------------------------------------------------------------

def test_an_unreachable_store_is_exit_1_naming_the_setting(cli, monkeypatch):
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x")
    r = cli("case", "list", expect=1, as_json=False)
    assert "CREDITFLOW_DATABASE_URL" in r.line and "无法连接" in r.line
    missing = cli.tmp / "no" / "such" / "folder"
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", f"sqlite:///{missing / 'creditflow.db'}")
    r = cli("case", "show", "1", expect=1)
    assert r.error["code"] == "store_unreachable" and "CREDITFLOW_DATABASE_URL" in r.error["message"]
    assert not (cli.tmp / "no").exists()  # no folder was made on the way


def test_an_unwritable_output_file_is_exit_1_and_nothing_is_half_written(cli, monkeypatch):
    story(cli)
    folder = cli.tmp / "a-folder"
    folder.mkdir()
    for target in ("/proc/x", str(folder)):
        r = cli("audit", "export", "-o", target, expect=1)
        assert r.error["code"] == "io_error" and target in r.error["message"]
        assert cli("audit", "checkpoint", "-o", target, expect=1).error["code"] == "io_error"
        assert cli("audit", "checkpoints").json["checkpoints"] == []  # refused before the checkpoint was written
        notice = cli("case", "show", "2").json["notices"][0]["number"]
        assert cli("notice", "pdf", notice, "-o", target, expect=1).error["code"] == "io_error"
    cli("audit", "checkpoint")
    assert cli("audit", "export-checkpoint", "-o", "/proc/x", expect=1, as_json=False).line.startswith("error: 无法读写文件")

    # A disk that fills up mid-export: the old file stays as it was, no temporary file is left.
    import workflows.auditing as auditing

    kept = cli.tmp / "kept.jsonl"
    kept.write_text("old\n", encoding="utf-8")
    calls = []

    def failing_line(obj):
        calls.append(obj)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return json.dumps(obj) + "\n"

    monkeypatch.setattr(auditing, "_line", failing_line)
    r = cli("audit", "export", "-o", str(kept), expect=1)
    assert "磁盘空间已满" in r.error["message"] and str(kept) in r.error["message"]
    assert kept.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in cli.tmp.iterdir() if p.name.startswith(".kept")) == []


def test_an_internal_error_is_one_line_and_a_traceback_only_when_debugging(cli, monkeypatch):
    story(cli)
    from workflows.services import CaseService

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(CaseService, "list", boom)
    r = cli("case", "list", expect=1, as_json=False)
    assert r.line == "error: 内部错误：RuntimeError: boom，请设置 CREDITFLOW_DEBUG=1 查看详情"
    assert cli("case", "list", expect=1).error["code"] == "internal_error"


def test_debug_shows_the_traceback(tmp_path):
    env = {**os.environ, "CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_DEBUG": "1",
           "CREDITFLOW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    r = subprocess.run(CLI + ["case", "list"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1 and "Traceback" in r.stderr and r.stderr.strip().splitlines()[-1].startswith("error: ")
    env.pop("CREDITFLOW_DEBUG")
    r = subprocess.run(CLI + ["case", "list"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


# -- 7. refusals name their rule and article ------------------------------------------------------------------

def test_a_refusal_prints_its_rule_and_article_in_plain_mode(cli):
    case = story(cli, materials=False)
    r = cli("case", "act", str(case), "accept", "--as", "alice", now="2026-02-25T10:00:00+08:00", expect=3,
            as_json=False)
    js = cli("case", "act", str(case), "accept", "--as", "alice", now="2026-02-25T10:00:00+08:00", expect=3).error
    assert js["code"] == "OBJ-FORM" and js["article"].startswith("河南省医疗保障基金使用信用管理办法 Art. 25")
    assert r.line == f"error: {js['message']}（规则 OBJ-FORM；依据 {js['article']}）", r.line


def test_a_calendar_error_cites_the_civil_code(cli):
    r = cli("calendar", "deadline", "--from", "2026-02-30", "--working-days", "3", expect=2)
    assert r.error["article"].startswith("中华人民共和国民法典 Art. 201-203")


# -- 8. sweep --as-of --------------------------------------------------------------------------------------

def test_sweep_as_of_is_an_instant_not_later_than_now_unless_the_clock_may_be_set(cli, monkeypatch):
    case = story(cli)
    assert cli("sweep", "--as-of", "", expect=2).error["code"] == "bad_instant"
    assert cli("sweep", "--as-of", "   ", expect=2).error["code"] == "bad_instant"
    from calendars import SHANGHAI

    future = (datetime.now(SHANGHAI) + timedelta(days=400)).replace(microsecond=0).isoformat()
    before = log_length(cli, case)
    monkeypatch.delenv("CREDITFLOW_ALLOW_CLOCK_OVERRIDE")
    assert cli("sweep", "--as-of", future, expect=2).error["code"] == "as_of_in_future"
    assert log_length(cli, case) == before

    monkeypatch.setenv("CREDITFLOW_ALLOW_CLOCK_OVERRIDE", "1")
    swept = cli("sweep", "--as-of", future).json
    assert swept["counts"]["fired"] >= 1
    entries = cli("audit", "log", str(case)).json["entries"]
    written = entries[before:]
    assert written and all(e["clock_overridden"] for e in written)


# -- 9. plain output in the handler's language ---------------------------------------------------------------

def test_plain_output_speaks_chinese(cli):
    empty = lambda *a: cli(*a, as_json=False).out.strip()  # noqa: E731
    cli("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    assert empty("case", "list") == "没有符合条件的案件"
    assert empty("subject", "list") == "尚无信用主体"
    assert empty("incidents") == "没有未解决的异常事件"
    case = story(cli)

    listed = cli("case", "list", as_json=False).out.splitlines()
    assert listed[0].startswith("案件\t类型\t状态\t信用主体")
    row = next(line for line in listed if line.startswith(f"{case}\t"))
    assert "信用评价结果异议" in row and "已登记（待形式审查）" in row and "郑州市示例医院" in row and "异议处理期限" in row
    shown = cli("case", "show", str(case), as_json=False).out
    assert "已登记（待形式审查）" in shown and "郑州市示例医院" in shown
    assert "期限 异议处理期限（收到书面材料之日起15个工作日）：计算中" in shown and "running" not in shown
    assert cli("user", "list", as_json=False).out.splitlines()[:2] == ["用户名\t角色", "system\t系统"]
    assert cli("subject", "list", as_json=False).out.splitlines()[0] == "编号\t名称\t类型\t代码"

    assert cli("case", "show", str(case)).json["subject_name"] == "郑州市示例医院"
    assert {c["subject_name"] for c in cli("case", "list").json["cases"]} == {"郑州市示例医院"}
    by_name = cli("case", "explain", str(case), "handling").json
    for key in ("异议处理期限", "异议处理期限（收到书面材料之日起15个工作日）"):
        by_label = cli("case", "explain", str(case), key).json
        assert (by_label["timer"], by_label["last_day"]) == ("handling", by_name["last_day"])
    wrong = cli("case", "explain", str(case), "异议期", expect=2).error
    assert wrong["allowed"] == ["handling"] and "异议处理期限" in wrong["message"]


def test_every_command_and_group_has_help():
    import typer

    from workflows.cli import app

    missing = []

    def walk(command, path):
        if not (command.help or command.short_help or "").strip():
            missing.append(" ".join(path))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, path + [name])

    walk(typer.main.get_command(app), ["creditflow"])
    assert missing == []


# -- 10. instants in Asia/Shanghai ------------------------------------------------------------------------------

def test_every_instant_is_given_in_shanghai_time(cli):
    case = story(cli)
    shown = cli("case", "show", str(case)).json
    assert shown["notices"] and all(n["issued_at"].endswith("+08:00") for n in shown["notices"])
    assert shown["notices"][0]["issued_at"] == "2026-02-25T09:00:00+08:00"
    entries = cli("audit", "log", str(case)).json["entries"]
    assert all(e["effective_at"].endswith("+08:00") and e["recorded_at"].endswith("+08:00") for e in entries)
    assert cli("notice", "show", shown["notices"][0]["number"]).json["issued_at"] == "2026-02-25T09:00:00+08:00"
    plain = cli("audit", "log", str(case), as_json=False).out
    assert "2026-02-25T09:00:00+08:00" in plain and "+00:00" not in plain


def test_options_given_twice_are_refused_not_resolved(cli):
    story(cli)
    before = [u["name"] for u in cli("user", "list").json["users"]]
    r = cli("user", "add", "dora", "--role", "handler", "--role", "approver", expect=2)
    assert r.error["code"] == "repeated_option" and "--role" in r.error["message"]
    r = cli("case", "list", "--limit", "5", "--limit", "6", expect=2)
    assert r.error["code"] == "repeated_option"
    assert cli("user", "add", "dora", "--role", "handler,handler", expect=2).error["code"] == "repeated_value"
    assert [u["name"] for u in cli("user", "list").json["users"]] == before
    # a role, a subject type, a kind and a state are accepted by their code or their Chinese label
    assert cli("user", "add", "dora", "--role", "经办人,审核人").json["roles"] == ["handler", "approver"]
    r = cli("user", "add", "erin", "--role", "主任", expect=2)
    assert r.error["code"] == "unknown_role" and "handler（经办人）" in r.error["message"]
    assert cli("case", "list", "--state", "审查中").json["cases"] == []
    r = cli("case", "list", "--kind", "停车", expect=2)
    assert r.error["code"] == "unknown_kind" and "objection（信用评价结果异议）" in r.error["message"]


def test_names_of_the_deployment_and_users_are_one_line(cli):
    for args in (("init", "--department", "郑州市\n医疗保障局"), ("init", "--prefix", "郑\x1b医保"),
                 ("init", "--court", "法" * 201)):
        assert cli(*args, expect=2).error["code"] in ("control_character", "too_long"), args
    assert cli("user", "add", "bad\x1bname", "--role", "handler", expect=2).error["code"] == "control_character"
    assert cli("user", "add", "System", "--role", "handler", expect=2).error["code"] == "bad_input"
