"""The whole objection story from the command line, as a handler would run it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import HOSPITAL_USCC

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]


@pytest.fixture
def cf(db_url, tmp_path):
    env = {**os.environ, "CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_DATABASE_URL": db_url,
           "CREDITFLOW_ALLOW_CLOCK_OVERRIDE": "1"}

    def run(*args, now=None, expect=0):
        argv = (["--now", now] if now else []) + list(args) + ["--json"]
        r = subprocess.run(CLI + argv, capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == expect, (args, r.stdout, r.stderr)
        return json.loads(r.stdout) if r.stdout.strip() else None

    run.env = env
    return run


def test_objection_story_end_to_end(cf):
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", "--reconsideration-body", "郑州市人民政府",
       "--court", "郑州铁路运输法院")
    cf("user", "add", "alice", "--role", "handler")
    cf("user", "add", "bob", "--role", "approver")
    cf("user", "add", "carol", "--role", "handler,approver")
    sid = cf("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")["id"]
    assert cf("subject", "show", HOSPITAL_USCC)["id"] == sid

    ev = cf("evaluation", "publish", "--subject", str(sid), "--year", "2025", "--score", "78.5", "--as", "alice",
            now="2026-02-06T09:00:00+08:00")
    assert (ev["state"], ev["grade"]) == ("published", "C")
    ev_id = ev["case_id"]

    obj = cf("case", "open", "objection", "--evaluation", str(ev_id), "--grounds", "1,2", "--received", "2026-02-24",
             "--materials", "异议申请表,检查记录", "--reason", "两项扣分缺少依据", "--as", "alice",
             now="2026-02-25T09:00:00+08:00")
    assert obj["state"] == "received"
    case = obj["case_id"]
    step = lambda trig, who, when, *sets, expect=0: cf(  # noqa: E731
        "case", "act", str(case), trig, "--as", who, *[x for s in sets for x in ("--set", s)],
        now=f"2026-{when}+08:00", expect=expect)

    assert step("accept", "alice", "02-25T10:00:00")["state"] == "under_review"
    assert step("suspend", "alice", "02-26T10:00:00", "reason=expert_review")["state"] == "suspended"
    assert step("resume", "alice", "03-04T10:00:00")["state"] == "under_review"
    assert step("propose_uphold", "carol", "03-05T10:00:00", "score=81", "findings=两项扣分缺少依据")["version"] == 5
    refusal = step("approve", "carol", "03-05T11:00:00", expect=3)
    assert refusal["error"]["code"] == "FOUR-EYES" and refusal["error"]["article"]
    actions = cf("case", "actions", str(case), "--as", "bob")["actions"]
    # service: any notice, any time; an approver (re)assigns an open case
    assert [a["trigger"] for a in actions] == ["approve", "return", "assign", "attach", "notice_served"]
    assert actions[1]["inputs"] == [{"name": "reason", "type": "text", "label": "退回理由", "required": True,
                                     "choices": []}]
    assert step("return", "bob", "03-05T12:00:00", "reason=请补充现场检查记录")["state"] == "under_review"
    step("propose_uphold", "carol", "03-06T10:00:00", "score=81", "findings=补充记录后确认两项扣分缺少依据")
    done = step("approve", "bob", "03-06T11:00:00")
    assert done["state"] == "upheld" and done["notice"].startswith("郑医保信异〔2026〕")

    evaluation = cf("case", "show", str(ev_id))
    assert (evaluation["state"], evaluation["score"], evaluation["grade"]) == ("final", "81.00", "B")
    assert [c["id"] for c in evaluation["children"]] == [case]
    shown = cf("case", "show", str(case))
    assert shown["timers"][0]["status"] == "stopped" and shown["timers"][0]["last_day"] == "2026-03-23"
    assert len(shown["notices"]) == 8 and all(len(n["hash"]) == 64 for n in shown["notices"])
    explained = cf("case", "explain", str(case), "handling")
    assert sum(d["reason"] == "suspended" for d in explained["days"]) == 6

    log = cf("audit", "log", str(case))["entries"]
    assert [e["trigger"] for e in log] == ["open", "accept", "suspend", "resume", "propose_uphold", "return",
                                           "propose_uphold", "approve"]
    assert all(e["clock_overridden"] for e in log)
    assert all(log[i]["prev_hash"] == log[i - 1]["hash"] for i in range(1, len(log)))

    notice = cf("notice", "show", done["notice"])
    assert notice["title"] == "信用评价结果异议处理结果告知书" and "异议成立" in notice["text"]
    adjusted = cf("notice", "show", evaluation["notices"][-1]["number"])
    assert adjusted["title"] == "信用评价结果更正告知书" and "81.00" in adjusted["text"]


def test_cli_errors_and_exit_codes(cf):
    assert cf("case", "list", expect=2)["error"]["code"] == "schema_not_current"
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cf("user", "add", "alice", "--role", "handler")
    bad = cf("subject", "add", "--name", "某医院", "--uscc", "91350100M000100Y44", "--type", "hospital", expect=2)
    assert "校验码" in bad["error"]["message"]
    assert cf("subject", "list")["subjects"] == []
    sid = cf("subject", "add", "--name", "某医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")["id"]
    ev = cf("evaluation", "publish", "--subject", str(sid), "--year", "2025", "--score", "91", "--as", "alice",
            now="2026-02-06T09:00:00+08:00")
    assert cf("case", "act", str(ev["case_id"]), "fly", "--as", "alice", expect=2)["error"]["code"] == "unknown_trigger"
    assert cf("case", "act", str(ev["case_id"]), "window_expired", "--as", "alice", expect=3)["error"]["article"]
    conflict = cf("case", "act", "1", "window_expired", "--as", "alice", "--expected-version", "7", expect=4)
    assert conflict["error"]["code"] == "conflict"
    assert cf("case", "show", "99", expect=2)["error"]["code"] == "unknown_case"
    swept = cf("sweep", "--as-of", "2026-03-06T00:00:00+08:00")
    assert [f["state"] for f in swept["fired"]] == ["final"]
    assert cf("sweep", "--as-of", "2026-03-06T00:00:00+08:00")["fired"] == []
    env = {k: v for k, v in cf.env.items() if k != "CREDITFLOW_ALLOW_CLOCK_OVERRIDE"}
    r = subprocess.run(CLI + ["--now", "2026-01-01T00:00:00+08:00", "case", "list"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 2 and "clock override" in r.stderr


def test_incidents_and_calendar_reload_from_the_command_line(cf, tmp_path):
    from notice_story import CALENDAR_2027

    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cf("user", "add", "alice", "--role", "handler")
    sid = cf("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")["id"]
    ev = cf("evaluation", "publish", "--subject", str(sid), "--year", "2025", "--score", "78.5", "--as", "alice",
            now="2026-12-15T09:00:00+08:00")["case_id"]
    assert cf("incidents") == {"incidents": []}
    err = cf("incidents", "retry", "99", expect=2)["error"]
    assert err["code"] == "unknown_incident" and "creditflow incidents" in err["message"]
    assert cf("calendar", "reload", now="2026-12-16T09:00:00+08:00")["moved"] == []  # nothing new yet

    override = tmp_path / "calendar-2027.toml"
    override.write_text(CALENDAR_2027, encoding="utf-8")
    cf.env["CREDITFLOW_CALENDAR_OVERRIDES"] = str(override)
    out = cf("calendar", "reload", now="2026-12-18T09:00:00+08:00")
    assert [(m["case_id"], m["old_last_day"], m["new_last_day"]) for m in out["moved"]] == [(ev, "2027-01-06", "2027-01-07")]
    assert cf("calendar", "reload", now="2026-12-18T09:05:00+08:00")["moved"] == []
    swept = cf("sweep", "--as-of", "2027-01-08T00:00:00+08:00")
    assert swept["counts"]["fired"] == 1 and swept["fired"][0]["due_at"] == "2027-01-08T00:00:00+08:00"
