"""The audit trail (issue 5): the database refuses edits to the log, the notices and the checkpoints;
with the triggers dropped (an attacker with DDL rights) every kind of tampering is caught by
`audit verify` at the right place; the export re-verifies outside the system with the documented
recipe; the auditor can change nothing. Runs on SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from workflows import clock
from workflows.audit import CHAINED_FIELDS, row_hash
from workflows.auditing import APPEND_ONLY_TABLES, EXPORT_COLUMNS
from workflows.store.tables import (
    archive_entries,
    archive_status,
    cases,
    checkpoint_heads,
    checkpoints,
    notices,
    timers,
    transitions,
)

from conftest import HOSPITAL_USCC, PERSON_ID, at, publish

ROOT = Path(__file__).resolve().parents[1]


# -- a real history, driven through the services ---------------------------------------------------------

def history(svc) -> dict:
    """Two subjects; the hospital objects to its grade and the objection is dismissed (four-eyes).

    Cases: the hospital's evaluation (3 rows: publish, objection_filed, objection_closed), the
    person's evaluation (1 row), the objection (4 rows: open, accept, propose_dismiss, approve)."""
    svc.deployment.add_subject("郑州市第一人民医院", "hospital", HOSPITAL_USCC, None)
    svc.deployment.add_subject("张三", "insured", None, PERSON_ID)
    with clock.frozen_at(at("2026-02-06 09:00")):
        ev = publish(svc, HOSPITAL_USCC, 2025, "72", "alice")["case_id"]
        other = publish(svc, PERSON_ID, 2025, "88", "alice")["case_id"]
    with clock.frozen_at(at("2026-02-10 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "1,2", "received": "2026-02-10",
                                                    "materials": "评分细则,复核申请", "reason": "扣分有误"}, parent=ev)["case_id"]
        svc.cases.act(obj, "accept", "alice", {})
    with clock.frozen_at(at("2026-02-12 10:00")):
        svc.cases.act(obj, "propose_dismiss", "alice", {"findings": "扣分依据充分"})
    with clock.frozen_at(at("2026-02-13 15:00")):
        svc.cases.act(obj, "approve", "bob", {})
    return {"ev": ev, "other": other, "obj": obj}


@pytest.fixture
def sealed(svc):
    """The history, sealed by a checkpoint."""
    ids = history(svc)
    ids["checkpoint"] = svc.audit.write_checkpoint()
    return ids


def raw(svc, *statements) -> None:
    """Run statements as the database owner would, in one transaction."""
    with svc.db.begin() as conn:
        for s in statements:
            if isinstance(s, str):
                conn.exec_driver_sql(s)
            else:
                conn.execute(s)


def drop_triggers(svc) -> None:
    """What an attacker with DDL rights does first."""
    if svc.db.dialect.name == "postgresql":
        raw(svc, *[f"DROP TRIGGER {t}_{k} ON {t}" for t in APPEND_ONLY_TABLES for k in ("append_only", "no_truncate")])
    else:
        raw(svc, *[f"DROP TRIGGER {t}_{k}" for t in APPEND_ONLY_TABLES for k in ("no_update", "no_delete")])


def first(report) -> tuple:
    b = report["first_break"]
    return (b["case_id"], b["seq"], b["check"])


def log_rows(svc, case_id):
    with svc.db.connect() as conn:
        return conn.execute(select(transitions).where(transitions.c.case_id == case_id)
                            .order_by(transitions.c.seq)).all()


# -- the database refuses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE transitions SET actor = 'mallory' WHERE seq = 1",
    "UPDATE transitions SET effective_at = recorded_at",
    "DELETE FROM transitions WHERE seq = 2",
    "DELETE FROM transitions",
    "UPDATE notices SET html = html || ' '",
    "DELETE FROM notices",
    "UPDATE checkpoints SET prev_hash = 'x'",
    "DELETE FROM checkpoint_heads",
    "DELETE FROM checkpoints",
])
def test_the_database_refuses_update_and_delete(sealed, svc, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        raw(svc, statement)
    report = svc.audit.verify()
    assert report["ok"] and report["checked"]["rows"] == 8 and report["warnings"] == []


def test_postgresql_refuses_truncate(sealed, svc):
    if svc.db.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    for table in APPEND_ONLY_TABLES:
        with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"):
            raw(svc, f"TRUNCATE {table} CASCADE")


def test_the_refusal_is_an_integrity_error_with_a_clear_message(sealed, svc):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as info:
        raw(svc, "UPDATE transitions SET actor = 'mallory'")
    assert "creditflow: transitions is append-only: UPDATE refused" in str(info.value)


def test_the_engine_still_appends_and_updates_cases(sealed, svc):
    """Only the log, notices and checkpoints are append-only: cases, timers and numbers still move."""
    with clock.frozen_at(at("2026-03-02 09:00")):
        out = svc.sweep.run_once(at("2026-03-02 09:00"))
    assert svc.audit.verify()["ok"]
    assert out["checkpoint"] is None or out["checkpoint"]["prev_hash"] == sealed["checkpoint"]["hash"]


# -- with the triggers dropped, every tampering is caught where it happened ----------------------------------

def test_clean_log_verifies(sealed, svc):
    report = svc.audit.verify()
    assert report["ok"] and report["breaks"] == 0 and report["first_break"] is None
    assert report["checked"] == {"cases": 3, "rows": 8, "notices": 8, "checkpoints": 1, "settings_changes": 0,
                                 "subject_changes": 0}
    assert report["checkpoint"]["id"] == sealed["checkpoint"]["id"]
    assert report["checkpoint"]["case_count"] == 3 and report["checkpoint"]["row_count"] == 8


def test_dropped_triggers_are_reported(sealed, svc):
    drop_triggers(svc)
    report = svc.audit.verify()
    assert report["ok"]  # nothing was changed yet: no broken link ...
    assert any("append-only triggers missing" in w for w in report["warnings"])  # ... but the guard is gone


def test_edited_row_is_caught(sealed, svc):
    """Somebody backdates the approval of the objection decision (case obj, seq 4)."""
    drop_triggers(svc)
    obj = sealed["obj"]
    raw(svc, update(transitions).where(transitions.c.case_id == obj, transitions.c.seq == 4)
        .values(effective_at=at("2026-02-11 09:00")))
    report = svc.audit.verify()
    assert not report["ok"]
    assert first(report) == (obj, 4, "row_hash")
    assert report["breaks"] == 1


def test_edited_and_rechained_log_is_caught_by_the_checkpoint(sealed, svc):
    """The attacker edits seq 2, recomputes every hash after it and the case's head: only the seal catches it."""
    drop_triggers(svc)
    obj = sealed["obj"]
    rows = [dict(r._mapping) for r in log_rows(svc, obj)]
    rows[1]["actor"] = "mallory"
    prev, statements = "", []
    for r in rows:
        r["prev_hash"] = prev
        r["hash"] = prev = row_hash(r)
        statements.append(update(transitions).where(transitions.c.id == r["id"])
                          .values(actor=r["actor"], prev_hash=r["prev_hash"], hash=r["hash"]))
    statements.append(update(cases).where(cases.c.id == obj).values(chain_head=prev))
    raw(svc, *statements)
    report = svc.audit.verify()
    assert first(report) == (obj, 4, "checkpoint")  # the head the checkpoint sealed no longer matches
    assert report["breaks"] == 1


def test_deleted_row_is_caught(sealed, svc):
    drop_triggers(svc)
    obj = sealed["obj"]
    raw(svc, delete(transitions).where(transitions.c.case_id == obj, transitions.c.seq == 2))
    report = svc.audit.verify()
    assert first(report) == (obj, 2, "row_missing")
    assert "row(s) 2..2 are missing" in report["first_break"]["message"]


def test_truncated_case_is_caught_even_with_its_head_fixed(sealed, svc):
    """The awkward decision (seq 4) is deleted with its notice, and the case's head is rewound to seq 3."""
    drop_triggers(svc)
    obj = sealed["obj"]
    rows = log_rows(svc, obj)
    raw(svc, delete(transitions).where(transitions.c.id == rows[3].id),
        delete(notices).where(notices.c.case_id == obj, notices.c.transition_seq == 4),
        update(cases).where(cases.c.id == obj).values(log_seq=3, chain_head=rows[2].hash, version=3))
    report = svc.audit.verify()
    assert first(report) == (obj, 4, "checkpoint")
    assert "sealed it at seq 4" in report["first_break"]["message"]
    assert "numbering" in {b["check"] for b in report["details"]}  # the number it used is now a hole


def test_reordered_chain_is_caught(sealed, svc):
    drop_triggers(svc)
    obj = sealed["obj"]
    where = (transitions.c.case_id == obj)
    raw(svc, update(transitions).where(where, transitions.c.seq == 2).values(seq=-2),
        update(transitions).where(where, transitions.c.seq == 3).values(seq=2),
        update(transitions).where(where, transitions.c.seq == -2).values(seq=3))
    report = svc.audit.verify()
    assert first(report)[:2] == (obj, 2)
    assert first(report)[2] in ("row_hash", "prev_hash")


def _delete_case(svc, case_id):
    """Everything of one case; archive_entries and archive_status are append-only too (migration 0006), so
    this needs drop_triggers first like the log."""
    entries = select(archive_entries.c.id).where(archive_entries.c.case_id == case_id)
    raw(svc, delete(archive_status).where((archive_status.c.case_id == case_id) | archive_status.c.entry_id.in_(entries)
                                          | archive_status.c.by_entry_id.in_(entries)),
        *[delete(t).where(t.c.case_id == case_id) for t in (transitions, notices, timers, archive_entries)],
        delete(cases).where(cases.c.id == case_id))


def test_deleted_whole_case_is_caught_by_the_checkpoint(sealed, svc):
    drop_triggers(svc)
    other = sealed["other"]
    _delete_case(svc, other)
    report = svc.audit.verify()
    assert first(report) == (other, 1, "case_deleted")
    assert f"case {other} was deleted as a whole" in report["first_break"]["message"]


def test_deleted_whole_case_is_caught_by_the_notice_numbers_before_any_checkpoint(svc):
    ids = history(svc)
    drop_triggers(svc)
    _delete_case(svc, ids["other"])
    report = svc.audit.verify()
    assert not report["ok"]
    assert first(report)[2] == "numbering"
    assert "number(s) 2 missing" in report["first_break"]["message"]


def test_deleted_case_and_deleted_checkpoints_are_caught_by_the_exported_checkpoint(sealed, svc, tmp_path):
    """The attacker deletes the case and every stored checkpoint; the copy kept elsewhere still holds."""
    kept = tmp_path / "checkpoint-1.jsonl"
    svc.audit.export_checkpoint(str(kept))
    drop_triggers(svc)
    other = sealed["other"]
    _delete_case(svc, other)
    raw(svc, delete(checkpoint_heads), delete(checkpoints))
    report = svc.audit.verify(str(kept))
    assert first(report) == (other, 1, "case_deleted")
    assert "checkpoint_missing" in {b["check"] for b in report["details"]}
    assert report["checkpoint"]["source"] == str(kept)


def test_altered_notice_is_caught(sealed, svc):
    drop_triggers(svc)
    obj = sealed["obj"]
    raw(svc, update(notices).where(notices.c.case_id == obj, notices.c.transition_seq == 4)
        .values(html=notices.c.html + "<p>附：异议成立。</p>"))
    report = svc.audit.verify()
    assert first(report) == (obj, 4, "notice_content")


def test_altered_notice_with_its_hash_recomputed_is_caught_by_the_log(sealed, svc):
    import hashlib

    drop_triggers(svc)
    obj = sealed["obj"]
    html = "<p>异议成立。</p>"
    raw(svc, update(notices).where(notices.c.case_id == obj, notices.c.transition_seq == 4)
        .values(html=html, content_hash=hashlib.sha256(html.encode()).hexdigest()))
    report = svc.audit.verify()
    assert first(report) == (obj, 4, "notice_hash")


def test_altered_checkpoint_is_caught(sealed, svc):
    drop_triggers(svc)
    raw(svc, update(checkpoint_heads).where(checkpoint_heads.c.case_id == sealed["obj"]).values(seq=3))
    report = svc.audit.verify()
    assert "checkpoint_heads" in {b["check"] for b in report["details"]}
    raw(svc, update(checkpoints).values(row_count=7))
    assert "checkpoint_hash" in {b["check"] for b in svc.audit.verify()["details"]}


# -- checkpoints ---------------------------------------------------------------------------------------------

def test_checkpoints_form_one_chain_and_the_sweep_writes_one_a_day(svc):
    history(svc)
    first_out = svc.sweep.run_once(at("2026-02-14 09:00"))
    assert first_out["checkpoint"] is not None  # the daily one
    assert svc.sweep.run_once(at("2026-02-14 09:00"))["checkpoint"] is None  # once a (real) day
    second = svc.audit.write_checkpoint()  # on demand, any time
    listed = svc.audit.list_checkpoints()
    assert [c["id"] for c in listed] == [first_out["checkpoint"]["id"], second["id"]]
    assert second["prev_hash"] == first_out["checkpoint"]["hash"]
    assert svc.audit.verify()["ok"]


def test_checkpoint_export_round_trips(sealed, svc, tmp_path):
    out = svc.audit.export_checkpoint(str(tmp_path / "c.jsonl"))
    lines = [json.loads(l) for l in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["checkpoint"]["hash"] == sealed["checkpoint"]["hash"] == out["checkpoint"]["hash"]
    assert [h["case_id"] for h in lines[1:]] == sorted([sealed["ev"], sealed["other"], sealed["obj"]])
    assert svc.audit.verify(str(tmp_path / "c.jsonl"))["ok"]


def test_exported_checkpoint_verifies_with_the_documented_recipe(sealed, svc, tmp_path):
    text = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    script = tmp_path / "check.py"
    script.write_text(re.search(r"<!-- checkpoint-recipe -->\s*```python\n(.*?)```", text, re.S).group(1), encoding="utf-8")
    path = tmp_path / "c.jsonl"
    svc.audit.export_checkpoint(str(path))
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and "holds (3 cases)" in done.stdout, done.stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # a head left out
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert done.returncode != 0 and "digest" in done.stderr


def test_an_altered_checkpoint_file_is_refused(sealed, svc, tmp_path):
    from workflows.errors import BadInput

    path = tmp_path / "c.jsonl"
    svc.audit.export_checkpoint(str(path))
    text = path.read_text(encoding="utf-8").replace('"row_count":8', '"row_count":9')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match="does not match its own hash"):
        svc.audit.verify(str(path))


# -- verification streams --------------------------------------------------------------------------------------

def synthetic_log(svc, n_cases: int, per_case: int) -> None:
    """Valid chained rows straight into the tables (no notices), as the benchmark does at scale."""
    now = at("2026-02-06 09:00")
    with svc.db.begin() as conn:
        start = conn.execute(select(cases.c.id).order_by(cases.c.id.desc()).limit(1)).scalar() or 0
        case_rows, log = [], []
        for cid in range(start + 1, start + n_cases + 1):
            prev = ""
            for seq in range(1, per_case + 1):
                row = {"case_id": cid, "seq": seq, "trigger": "step", "from_state": None if seq == 1 else "a",
                       "to_state": "a", "actor": "alice", "role": "handler", "effective_at": now, "recorded_at": now,
                       "clock_overridden": False, "inputs": {"n": seq, "note": "说明"}, "rules": [], "timer_effects": [],
                       "notice_number": None, "notice_hash": None, "prev_hash": prev}
                row["hash"] = prev = row_hash(row)
                log.append(row)
            case_rows.append({"id": cid, "kind": "evaluation", "declaration_version": 1, "state": "a", "version": per_case,
                              "parent_id": None, "subject_id": None, "data": {}, "is_final": False, "overdue": False,
                              "log_seq": per_case, "chain_head": prev, "opened_at": now, "updated_at": now})
        conn.execute(insert(cases), case_rows)
        conn.execute(insert(transitions), log)


def _peak(svc) -> int:
    tracemalloc.start()
    try:
        report = svc.audit.verify()
        return tracemalloc.get_traced_memory()[1], report
    finally:
        tracemalloc.stop()


def test_verification_memory_stays_flat(svc):
    synthetic_log(svc, 50, 50)  # 2,500 rows (more than one server-side batch)
    small, report = _peak(svc)
    assert report["ok"] and report["checked"]["rows"] == 2500
    synthetic_log(svc, 250, 50)  # 15,000 rows
    large, report = _peak(svc)
    assert report["ok"] and report["checked"]["rows"] == 15000
    assert large < small * 1.5 + 512 * 1024, (small, large)  # six times the rows, not six times the memory


# -- export and the documented recipe ----------------------------------------------------------------------------

def recipe() -> str:
    text = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    return re.search(r"<!-- recipe -->\s*```python\n(.*?)```", text, re.S).group(1)


def run_recipe(tmp_path, export: Path, *args) -> subprocess.CompletedProcess:
    script = tmp_path / "reverify.py"
    script.write_text(recipe(), encoding="utf-8")
    return subprocess.run([sys.executable, str(script), str(export), *map(str, args)], capture_output=True, text=True)


def test_export_jsonl_reverifies_with_the_documented_recipe(sealed, svc, tmp_path):
    out = svc.audit.export_log(str(tmp_path / "log.jsonl"), "jsonl")
    assert out["rows"] == 8 and out["cases"] == 3
    lines = (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()
    assert list(json.loads(lines[0])) == list(EXPORT_COLUMNS)  # every field, stable order
    ckpt = tmp_path / "checkpoint.jsonl"
    svc.audit.export_checkpoint(str(ckpt))
    done = run_recipe(tmp_path, tmp_path / "log.jsonl", ckpt)
    assert done.returncode == 0, done.stderr
    assert "8 rows in 3 cases verified" in done.stdout

    # the recipe catches an edit made to the exported file ...
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join([lines[0].replace('"alice"', '"mallory"', 1)] + lines[1:]) + "\n", encoding="utf-8")
    done = run_recipe(tmp_path, tampered)
    assert done.returncode != 0 and "line 1" in done.stderr
    # ... and a row left out of it, against the checkpoint
    short = tmp_path / "short.jsonl"
    short.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    done = run_recipe(tmp_path, short, ckpt)
    assert done.returncode != 0 and "checkpoint" in done.stderr


def test_export_csv_has_every_field_in_order_and_reverifies(sealed, svc, tmp_path):
    import csv
    import hashlib

    out = svc.audit.export_log(str(tmp_path / "log.csv"), "csv")
    with open(tmp_path / "log.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(EXPORT_COLUMNS) and len(rows) == out["rows"] == 8
    for r in rows:  # the CSV conversion documented in docs/audit.md
        row = {k: r[k] for k in CHAINED_FIELDS}
        row["case_id"], row["seq"] = int(row["case_id"]), int(row["seq"])
        row["clock_overridden"] = row["clock_overridden"] == "true"
        for k in ("inputs", "rules", "timer_effects"):
            row[k] = json.loads(row[k])
        for k in ("from_state", "notice_number", "notice_hash"):
            row[k] = row[k] or None
        text = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode()).hexdigest() == r["hash"]


def test_export_filters_by_case_and_day(sealed, svc, tmp_path):
    out = svc.audit.export_log(str(tmp_path / "obj.jsonl"), "jsonl", case_id=sealed["obj"])
    assert out["rows"] == 4 and out["cases"] == 1
    today = clock.today(clock.real_now())
    assert svc.audit.export_log(str(tmp_path / "a.jsonl"), "jsonl", since=today)["rows"] == 8  # recorded today
    assert svc.audit.export_log(str(tmp_path / "b.jsonl"), "jsonl", since=today + timedelta(days=1))["rows"] == 0


# -- the command line ---------------------------------------------------------------------------------------------

@pytest.fixture
def cli(svc, db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))

    def run(*args):
        from workflows.cli import main

        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(list(args))
        out = capsys.readouterr()
        payload = json.loads(out.out) if "--json" in args and out.out.strip() else None
        return info.value.code, payload, out

    return run


def test_cli_verify_exit_codes_and_json(sealed, svc, cli):
    code, out, _ = cli("audit", "verify", "--json")
    assert code == 0 and out["ok"] is True and out["checked"]["rows"] == 8
    code, _, printed = cli("audit", "verify")
    assert code == 0 and "审计日志完整" in printed.out
    drop_triggers(svc)
    raw(svc, update(transitions).where(transitions.c.case_id == sealed["obj"], transitions.c.seq == 3)
        .values(actor="mallory"))
    code, out, _ = cli("audit", "verify", "--json")
    assert code == 1 and out["ok"] is False
    assert out["first_break"]["case_id"] == sealed["obj"] and out["first_break"]["seq"] == 3
    code, _, printed = cli("audit", "verify")
    assert code == 1 and f"案件 {sealed['obj']} 第 3 条" in printed.out


def test_cli_checkpoint_export_and_verify_against_the_file(sealed, svc, cli, tmp_path):
    code, out, _ = cli("audit", "checkpoint", "-o", str(tmp_path / "c2.jsonl"), "--json")
    assert code == 0 and out["prev_hash"] == sealed["checkpoint"]["hash"] and out["exported"]["sha256"]
    code, out, _ = cli("audit", "checkpoints", "--json")
    assert code == 0 and len(out["checkpoints"]) == 2
    code, out, _ = cli("audit", "export-checkpoint", "--id", "1", "-o", str(tmp_path / "c1.jsonl"), "--json")
    assert code == 0 and out["checkpoint"]["id"] == 1
    code, out, _ = cli("audit", "verify", "--checkpoint", str(tmp_path / "c1.jsonl"), "--json")
    assert code == 0 and out["checkpoint"]["id"] == 1


def test_cli_export(sealed, cli, tmp_path):
    code, out, _ = cli("audit", "export", "--format", "csv", "--case", str(sealed["obj"]), "-o",
                       str(tmp_path / "x.csv"), "--json")
    assert code == 0 and out["rows"] == 4 and out["columns"] == list(EXPORT_COLUMNS)
    code, out, _ = cli("audit", "export", "--format", "jsonl", "--since", "2026-01-01", "-o",
                       str(tmp_path / "x.jsonl"), "--json")
    assert code == 0 and out["rows"] == 8


@pytest.mark.parametrize("args", [
    ("--format", "xml"),
    ("--since", "2026-13-01"),
    ("--case", "999"),
    ("--checkpoint-file",),
])
def test_cli_export_bad_input_exits_2(sealed, cli, tmp_path, args):
    code, out, _ = cli("audit", "export", *args, "-o", str(tmp_path / "x"), "--json")
    assert code == 2
    assert "error" in out


def test_cli_bad_checkpoint_file_exits_2(sealed, cli, tmp_path):
    (tmp_path / "bad.jsonl").write_text("not json\n", encoding="utf-8")
    code, out, _ = cli("audit", "verify", "--checkpoint", str(tmp_path / "bad.jsonl"), "--json")
    assert code == 2 and out["error"]["code"] == "bad_checkpoint_file"
    code, out, _ = cli("audit", "verify", "--checkpoint", str(tmp_path / "missing.jsonl"), "--json")
    assert code == 2


# -- the auditor reads everything and changes nothing ------------------------------------------------------------

def test_auditor_can_change_nothing(sealed, svc, cli):
    ev, other = str(sealed["ev"]), str(sealed["other"])
    with clock.frozen_at(at("2026-02-10 09:00")):
        pending = str(svc.cases.open("objection", "alice", {
            "grounds": "1", "received": "2026-02-10", "materials": "x"}, parent=sealed["other"])["case_id"])
    rows = svc.audit.verify()["checked"]["rows"]
    attempts = [  # each would be allowed now to a handler or an approver
        ("evaluation", "publish", "--subject", PERSON_ID, "--year", "2024", "--score", "90", "--as", "audrey"),
        ("case", "open", "objection", "--evaluation", ev, "--grounds", "1", "--received", "2026-02-10",
         "--materials", "x", "--as", "audrey"),
        ("case", "act", pending, "accept", "--as", "audrey"),
        ("case", "act", pending, "withdraw", "--set", "statement=撤回", "--as", "audrey"),
        ("case", "act", pending, "accept", "--set", "junk=1", "--as", "audrey"),  # refused before its inputs are read
    ]
    for args in attempts:
        code, out, _ = cli(*args, "--json")
        assert code == 3, args
        assert out["error"]["code"] == "READ-ONLY", (args, out)
    # a trigger the procedure does not have is bad input (exit 2), not a rule refusal
    code, out, _ = cli("case", "act", other, "no_such_trigger", "--as", "audrey", "--json")
    assert code == 2 and out["error"]["code"] == "unknown_trigger"
    assert svc.audit.verify()["checked"]["rows"] == rows  # nothing was written
    obj = pending

    # and reads everything
    for args in (("case", "show", obj), ("audit", "log", obj), ("audit", "verify"), ("case", "actions", obj, "--as", "audrey")):
        code, out, _ = cli(*args, "--json")
        assert code == 0, args
    assert out["actions"] == []


def test_auditor_refused_by_the_services_too(sealed, svc):
    from workflows.errors import Refused

    with clock.frozen_at(at("2026-02-10 09:00")):
        pending = svc.cases.open("objection", "alice", {
            "grounds": "1", "received": "2026-02-10", "materials": "x"}, parent=sealed["other"])["case_id"]
        with pytest.raises(Refused) as info:
            svc.cases.act(pending, "accept", "audrey", {})
    assert info.value.code == "READ-ONLY" and info.value.exit_code == 3


def test_a_user_with_auditor_and_handler_roles_may_still_handle(sealed, svc):
    svc.deployment.add_user("dora", ["auditor", "handler"])
    with clock.frozen_at(at("2026-02-06 09:00")):
        out = publish(svc, PERSON_ID, 2024, "90", "dora")
    assert out["state"] == "published"


# -- the migration ----------------------------------------------------------------------------------------------

def test_migration_0002_up_and_down(db_url, tmp_path):
    from alembic import command

    from workflows.store import schema
    from workflows.store.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(schema._config(conn), "0001")
        assert schema.current_revision(engine) == "0001"
        with engine.begin() as conn:
            command.upgrade(schema._config(conn), "0002")
        assert schema.current_revision(engine) == "0002"
        with engine.begin() as conn:  # a row to refuse deleting (row triggers fire per row)
            conn.execute(insert(cases), {"id": 1, "kind": "evaluation", "declaration_version": 1, "state": "a",
                                         "version": 1, "parent_id": None, "subject_id": None, "data": {},
                                         "is_final": False, "overdue": False, "log_seq": 0, "chain_head": "",
                                         "opened_at": at("2026-02-06 09:00"), "updated_at": at("2026-02-06 09:00")})
        with engine.begin() as conn:
            row = {"case_id": 1, "seq": 1, "trigger": "t", "from_state": None, "to_state": "a", "actor": "x",
                   "role": "handler", "effective_at": at("2026-02-06 09:00"), "recorded_at": at("2026-02-06 09:00"),
                   "clock_overridden": False, "inputs": {}, "rules": [], "timer_effects": [], "notice_number": None,
                   "notice_hash": None, "prev_hash": ""}
            conn.execute(insert(transitions), {**row, "hash": row_hash(row)})
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM transitions")
        with engine.begin() as conn:
            command.downgrade(schema._config(conn), "0001")
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM transitions")  # no trigger any more
        schema.upgrade(engine)  # and on to the head, whatever later migrations add
        assert schema.current_revision(engine) == schema.head_revision()
    finally:
        engine.dispose()
