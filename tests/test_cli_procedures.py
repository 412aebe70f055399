"""`creditflow procedure list|show` reads the declarations (no database needed)."""

import json
import subprocess
import sys

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]


def run(*args):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=60)


def test_procedure_show_json_lists_guards_with_articles():
    out = json.loads(run("procedure", "show", "objection", "--json").stdout)
    assert out["kind"] == "objection" and out["parent_kind"] == "evaluation"
    accept = next(t for t in out["transitions"] if t["trigger"] == "accept")
    assert accept["guards"][0]["code"] == "OBJ-FORM" and "Art. 25" in accept["guards"][0]["article"]
    assert {t["name"] for t in out["timers"]} == {"handling", "completion"}


def test_procedure_mermaid_and_unknown_kind():
    r = run("procedure", "show", "evaluation", "--mermaid")
    assert r.returncode == 0 and r.stdout.startswith("stateDiagram-v2")
    r = run("procedure", "show", "parking")
    assert r.returncode == 2 and "'parking' 不在可选范围内" in r.stderr and "evaluation（医疗保障信用评价）" in r.stderr
    listed = json.loads(run("procedure", "list", "--json").stdout)["procedures"]
    from states import REGISTRY

    assert [p["kind"] for p in listed][:3] == ["evaluation", "objection", "record"]
    assert [p["kind"] for p in listed] == list(REGISTRY.kinds)
