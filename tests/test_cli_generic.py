"""The generic command line: `case open KIND (--subject|--parent|--entry) --set …`, `case inputs`,
`case actions --json`, and the documented aliases as spellings of them (SQLite, in-process)."""

from __future__ import annotations

from states import REGISTRY
from test_cli_input import cli, story  # noqa: F401  (the in-process command line on a fresh store)


def test_case_inputs_is_generated_from_the_declaration(cli):
    for proc in REGISTRY.procedures():
        trigger = proc.opening_trigger()
        if trigger is None:  # only other cases open it (a fraud case's transfer): no form to open one by hand
            refused = cli("case", "inputs", proc.kind, expect=2, as_json=False)
            assert "只能由其他案件依程序开启" in refused.err and "--trigger" in refused.err
            continue
        out = cli("case", "inputs", proc.kind).json
        assert (out["kind"], out["trigger"], out["opening"]) == (proc.kind, trigger, True)
        assert out["opens_on"] == list(proc.opens_on)
        declared = {s.name: s for t in proc.transitions if t.trigger == trigger for s in t.inputs}
        assert [i["name"] for i in out["inputs"]] == list(declared)
        for i in out["inputs"]:
            spec = declared[i["name"]]
            assert (i["type"], i["label"], i["required"]) == (spec.type, spec.label, spec.required)
        assert cli("case", "inputs", proc.label).json == out  # by its Chinese label too
        plain = cli("case", "inputs", proc.kind, as_json=False).out
        assert all(f"--set {name}=…" in plain for name in declared)
    suspend = cli("case", "inputs", "objection", "--trigger", "suspend").json["inputs"]
    assert suspend[0]["choices"][0] == {"code": "inspection", "label": "检验"} and suspend[0]["type"] == "choice"
    bad = cli("case", "inputs", "objection", "--trigger", "fly", expect=2).error
    assert bad["code"] == "unknown_trigger" and "suspend" in bad["allowed"]
    assert cli("case", "inputs", "parking", expect=2).error["code"] == "unknown_kind"
    assert "case inputs KIND" in cli("case", "open", "--help", as_json=False).out


def test_case_open_generic_targets_and_inputs(cli):
    case = story(cli)  # evaluation 1 (published), objection 2 (received)
    count = len(cli("case", "list").json["cases"])

    def refused(*args, code="bad_target"):
        r = cli("case", "open", *args, "--as", "alice", now="2026-02-25T09:30:00+08:00", expect=2)
        assert r.error["code"] == code, r.error
        return r.error["message"]

    # exactly one of --subject/--parent/--entry, one the declaration allows; the message says which
    assert "--parent" in refused("objection", "--subject", "1", "--set", "grounds=1")
    assert "收到：--parent、--entry" in refused("objection", "--parent", "1", "--entry", "1")
    assert "收到：未给出" in refused("objection", "--set", "grounds=1")
    assert "信用主体" in refused("evaluation", "--parent", "1", "--set", "year=2024")
    # unknown input names list the declared ones
    message = refused("evaluation", "--subject", "1", "--set", "year=2024", "--set", "scor=80", code="unknown_input")
    assert "scor" in message and "year、score" in message and "case inputs evaluation" in message
    # the aliases belong to their kind, and stand for --parent and --set
    assert refused("evaluation", "--subject", "1", "--grounds", "1", code="alias_not_for_kind")
    assert refused("objection", "--evaluation", "1", "--parent", "1", "--grounds", "1", code="repeated_input")
    assert len(cli("case", "list").json["cases"]) == count  # refused input changed nothing

    # the generic spelling opens a case by its declared opening trigger, by code or label
    ev = cli("case", "open", "医疗保障信用评价", "--subject", "1", "--set", "year=2024", "--set", "score=88",
             "--as", "alice", now="2026-02-25T10:00:00+08:00").json
    assert (ev["kind"], ev["state"]) == ("evaluation", "published")
    log = cli("audit", "log", str(ev["case_id"])).json["entries"]
    assert [e["trigger"] for e in log] == [REGISTRY.procedure("evaluation").opening_trigger()]
    obj = cli("case", "open", "objection", "--parent", str(ev["case_id"]), "--set", "grounds=1,2",
              "--set", "received=2026-02-25", "--set", "materials=异议申请表", "--set", "reason=得分有误",
              "--as", "alice", now="2026-02-25T11:00:00+08:00").json
    data = cli("case", "show", str(obj["case_id"])).json["data"]
    assert (data["grounds"], data["received_on"], data["materials"]) == ([1, 2], "2026-02-25", ["异议申请表"])
    assert obj["case_id"] != case


def test_case_open_on_an_archive_entry(cli):
    story(cli)
    for step, who, when, *sets in (("accept", "alice", "02-25T10:00"),
                                   ("propose_uphold", "alice", "02-26T10:00", "score=81", "findings=依据不足"),
                                   ("approve", "bob", "02-27T10:00")):
        cli("case", "act", "2", step, "--as", who, *[x for s in sets for x in ("--set", s)],
            now=f"2026-{when}:00+08:00")
    entry = cli("subject", "show", "1").json["archive"][0]
    opened = cli("case", "open", "objection", "--entry", str(entry["id"]), "--set", "grounds=1",
                 "--set", "received=2026-03-02", "--set", "materials=营业执照复印件", "--set", "reason=记载有误",
                 "--as", "alice", now="2026-03-02T09:00:00+08:00").json
    shown = cli("case", "show", str(opened["case_id"])).json
    assert (shown["entry"], shown["state"], shown["parent"]) == (entry["id"], "received", None)


def test_case_actions_lists_each_trigger_with_its_inputs(cli):
    case = story(cli)
    out = cli("case", "actions", str(case), "--as", "alice").json
    assert out["case_id"] == case
    by_trigger = {a["trigger"]: a for a in out["actions"]}
    assert {"accept", "request_completion", "refuse", "withdraw"} <= set(by_trigger)
    for a in out["actions"]:
        assert set(a) == {"trigger", "label", "inputs"} and a["label"]
        for i in a["inputs"]:
            assert set(i) == {"name", "type", "label", "required", "choices"}
    assert by_trigger["accept"]["inputs"] == []
    assert by_trigger["refuse"]["inputs"] == [{"name": "reason", "type": "text", "label": "不予受理的理由",
                                               "required": True, "choices": []}]
    plain = cli("case", "actions", str(case), "--as", "alice", as_json=False).out
    assert "refuse\t不予受理（不符合形式要求）" in plain and "--set reason=…\t不予受理的理由\t多行文本\t必填" in plain
    approver = {a["trigger"] for a in cli("case", "actions", str(case), "--as", "bob").json["actions"]}
    assert not approver & {"accept", "request_completion", "refuse", "withdraw"}  # the handler's, not the approver's
