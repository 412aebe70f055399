"""`audit replay`: every case's log re-executed in global order through the engine matches the store; a stored
case, timer or archive row that its log does not produce is named (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import select, text, update

from conftest import HOSPITAL_USCC, PERSON_ID, at, publish
from workflows import clock
from workflows.store.tables import archive_entries, cases, timers

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]


def _gap(svc) -> None:
    """A PostgreSQL sequence value a rolled-back transaction took: ids are not re-derivable from order alone."""
    if svc.db.dialect.name == "postgresql":
        with svc.db.begin() as conn:
            for table in ("cases", "archive_entries", "timers"):
                conn.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))"))


def story(svc) -> dict:
    """A hospital's objection dismissed by four eyes; a person's D grade that becomes final when its window ends
    (the sweep fires it; the grade opens the 失信 record and the rectification by declared effect)."""
    svc.deployment.add_subject("郑州市第一人民医院", "hospital", HOSPITAL_USCC, None)
    svc.deployment.add_subject("张三", "insured", None, PERSON_ID)
    with clock.frozen_at(at("2026-02-06 09:00")):
        ev = publish(svc, HOSPITAL_USCC, 2025, "72", "alice")["case_id"]
        _gap(svc)
        person = publish(svc, PERSON_ID, 2025, "40", "alice")["case_id"]
    with clock.frozen_at(at("2026-02-10 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "1,2", "received": "2026-02-10",
                                                    "materials": "评分细则,复核申请", "reason": "扣分有误"}, parent=ev)["case_id"]
        svc.cases.act(obj, "accept", "alice", {})
        svc.cases.act(obj, "suspend", "alice", {"reason": "appraisal"})
    with clock.frozen_at(at("2026-02-12 10:00")):
        svc.cases.act(obj, "resume", "alice", {})
        svc.cases.act(obj, "propose_dismiss", "alice", {"findings": "扣分依据充分"})
    _gap(svc)
    with clock.frozen_at(at("2026-02-13 15:00")):
        svc.cases.act(obj, "approve", "bob", {})
    out = svc.sweep.run_once(at("2026-04-01 09:00"))  # the person's window, the reminders, the record's clocks
    assert out["counts"]["fired"] >= 1 and out["counts"]["failed"] == 0, out
    return {"ev": ev, "person": person, "obj": obj}


def test_every_case_matches_its_replay(svc):
    s = story(svc)
    out = svc.replay.run()
    assert out["ok"], out["first_difference"]
    kinds = {r["kind"] for r in out["results"]}
    assert {"evaluation", "objection", "record"} <= kinds  # the D grade's related cases were replayed too
    with svc.db.connect() as conn:
        assert out["cases"] == conn.execute(select(cases.c.id)).all().__len__()
        opened_by_effect = conn.execute(select(cases.c.id).where(cases.c.opened_by.is_not(None))).scalars().all()
    assert opened_by_effect  # the effects opened cases, with the ids they got the first time
    assert out["transitions"] > out["replayed"]  # related transitions were performed by the replayed ones
    only = svc.replay.run(s["obj"])
    assert only["ok"] and [r["case_id"] for r in only["results"]] == [s["obj"]]


def test_a_stored_state_or_data_its_log_does_not_give_is_named(svc):
    s = story(svc)
    with svc.db.begin() as conn:
        row = conn.execute(select(cases.c.data).where(cases.c.id == s["obj"])).scalar_one()
        key = sorted(k for k, v in row.items() if isinstance(v, str))[0]
        conn.execute(update(cases).where(cases.c.id == s["obj"]).values(data={**row, key: "改过的内容"}))
    out = svc.replay.run()
    assert not out["ok"]
    assert out["first_difference"] == {"case_id": s["obj"], "field": f"data.{key}", "stored": "改过的内容",
                                       "replayed": row[key]}
    assert [r["case_id"] for r in out["results"] if not r["ok"]] == [s["obj"]]
    with svc.db.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == s["obj"]).values(data=row))
        conn.execute(update(cases).where(cases.c.id == s["ev"]).values(state="published"))
    first = svc.replay.run()["first_difference"]
    assert (first["case_id"], first["field"], first["stored"]) == (s["ev"], "state", "published")


def test_a_moved_deadline_and_a_changed_archive_entry_are_named(svc):
    s = story(svc)
    with svc.db.begin() as conn:
        timer = conn.execute(select(timers).where(timers.c.case_id == s["person"])).first()
        conn.execute(update(timers).where(timers.c.id == timer.id).values(last_day=timer.last_day.replace(year=2030)))
    first = svc.replay.run()["first_difference"]
    assert (first["case_id"], first["field"]) == (s["person"], f"timers.{timer.name}.last_day")
    assert first["stored"].startswith("2030-") and first["replayed"] == timer.last_day.isoformat()
    with svc.db.begin() as conn:
        conn.execute(update(timers).where(timers.c.id == timer.id).values(last_day=timer.last_day))
        entry = conn.execute(select(archive_entries).order_by(archive_entries.c.id)).first()
    # archive entries are append-only (database triggers): drop the guard for this one edit, as an attacker would
    if svc.db.dialect.name == "postgresql":
        with svc.db.begin() as conn:
            conn.execute(text("ALTER TABLE archive_entries DISABLE TRIGGER USER"))
            conn.execute(update(archive_entries).where(archive_entries.c.id == entry.id).values(facts="改写的事实"))
    else:
        with svc.db.begin() as conn:
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='archive_entries'")).scalars().all()
            for name in names:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            conn.execute(update(archive_entries).where(archive_entries.c.id == entry.id).values(facts="改写的事实"))
    first = svc.replay.run()["first_difference"]
    assert (first["case_id"], first["field"]) == (entry.case_id, "archive")
    assert "改写的事实" in json.dumps(first["stored"], ensure_ascii=False)
    assert "改写的事实" not in json.dumps(first["replayed"], ensure_ascii=False)


def test_the_command_exits_0_when_all_match_and_1_naming_the_first_case(svc, tmp_path):
    s = story(svc)
    env = {**os.environ, "CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_DATABASE_URL": svc.settings.database_url}
    ok = subprocess.run(CLI + ["audit", "replay"], capture_output=True, text=True, env=env, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "均与重放结果一致" in ok.stdout and ok.stderr == ""
    with svc.db.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == s["obj"]).values(state="accepted"))
    bad = subprocess.run(CLI + ["audit", "replay"], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 1
    line = bad.stdout.strip()
    assert "\n" not in line and "Traceback" not in bad.stderr
    assert f"案件 {s['obj']} 的 state 存储为 accepted" in line
    as_json = subprocess.run(CLI + ["audit", "replay", "--case", str(s["ev"]), "--json"], capture_output=True,
                             text=True, env=env, timeout=300)
    assert as_json.returncode == 0, as_json.stdout  # that case itself matches
    body = json.loads(as_json.stdout)
    assert body["ok"] and body["results"] == [{"case_id": s["ev"], "kind": "evaluation", "ok": True, "differences": []}]
    unknown = subprocess.run(CLI + ["audit", "replay", "--case", "999999"], capture_output=True, text=True, env=env,
                             timeout=300)
    assert unknown.returncode == 2 and "999999" in unknown.stderr and "Traceback" not in unknown.stderr


def test_the_demo_bureau_replays_clean(db_url, tmp_path):
    """Every procedure in every state (sealed reporters, entry objections, service of notices, assignments,
    attachments, related cases opened and notified): each case equals the replay of its log."""
    from conftest import make_services
    from workflows.demo import fill_demo

    fresh = make_services(db_url, tmp_path)
    with clock.frozen_at(at("2026-03-10 12:00")):
        fill_demo(fresh)
    out = fresh.replay.run()
    assert out["ok"], out["first_difference"]
    kinds = {r["kind"] for r in out["results"]}
    from states import PROCEDURES

    assert kinds == set(PROCEDURES)  # the demo reaches every declared procedure
    fresh.db.dispose()
