"""Torture (PostgreSQL): 8 handler processes fire random allowed triggers on a few hundred cases of every procedure
in `TORTURE_MIX` while 2 sweeper processes fire what falls due on a shared simulated clock; afterwards every log
chain verifies, every timer fired at most once and every due one exactly once, every case equals the replay of
its log, document numbers per series have no gap and no duplicate, and no incident is open.

Short by default (CI); `CREDITFLOW_TORTURE_LONG=1` runs 1,000 cases for longer (figures in docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from conftest import at, make_services
from states.identifiers import id_check_digit, uscc_check_char
from workflows import clock
from workflows.errors import CreditflowError
from workflows.store.tables import cases, incidents, notices, number_sequences, timers, transitions

DRIVER = Path(__file__).with_name("torture_driver.py")
LONG = os.environ.get("CREDITFLOW_TORTURE_LONG") == "1"
T0 = at("2026-03-02 09:00")  # a Monday; the simulated clock starts here
SPEED = 86400.0 / (2.0 if LONG else 1.0)  # simulated seconds per real second: a day a second (two when long)
HANDLERS, SWEEPERS = 8, 2
RUN_SECONDS = int(os.environ.get("CREDITFLOW_TORTURE_SECONDS", 240 if LONG else 40))
SUBJECTS = 177 if LONG else 50  # each subject gets the mix's subject-level cases, and the children below


@dataclass(frozen=True)
class Mix:
    """One procedure in the torture: how its cases are opened (on a subject, or under a case of `parent`)."""

    kind: str
    inputs: Callable[[random.Random, date], dict]
    parent: str | None = None  # opened under each case of this kind (else on each subject)
    subjects: str = "all"  # "institutions" | "persons" | "all"


# Adding a procedure to the torture is one line here: its kind and the inputs of its opening transition. A kind
# only other cases open (penalty_decision, transfer, referral: a fraud case's decision) is reached through them;
# test_every_procedure_is_in_the_torture_mix checks that every declared procedure is one or the other.
TORTURE_MIX = (
    Mix("evaluation", lambda rng, day: {"year": 2025, "score": rng.choice(["45", "66", "72", "81", "93"])}),
    Mix("objection", lambda rng, day: {"grounds": "1,2", "received": day.isoformat(), "materials": "申请表,检查记录",
                                       "reason": "扣分依据有误"}, parent="evaluation"),
    Mix("record", lambda rng, day: {"category": "fraudulent_billing", "determined": (day - timedelta(days=200)).isoformat(),
                                    "disclosure_months": "12", "facts": "虚假结算医保基金"}),
    Mix("repair", lambda rng, day: {"received": day.isoformat(), "materials": "application_form,commitment,proof"},
        parent="record"),
    Mix("rectification", lambda rng, day: {"reason": "violation", "facts": "超标准收费", "level": "warning"},
        subjects="institutions"),
    Mix("fraud", lambda rng, day: {"source": "report", "facts": "冒名就医购药", "reporter": "王某 13800000000"}),
)


def _subjects(svc, n: int) -> list[tuple[int, bool]]:
    out = []
    for i in range(n):
        if i % 3:
            first17 = f"91410100{i:09d}"
            row = svc.deployment.add_subject(f"郑州市第{i}医院", "hospital", first17 + uscc_check_char(first17), None)
            out.append((row["id"], True))
        else:
            first17 = f"41010519800101{i % 1000:03d}"[:17]
            row = svc.deployment.add_subject(f"参保人{i}", "insured", None, first17 + id_check_digit(first17))
            out.append((row["id"], False))
    return out


def open_mix(svc, subject_count: int, seed: int = 7) -> Counter:
    """Open the mix's cases at T0: every subject-level kind on each subject it fits, each child kind under every
    case of its parent kind. A refused opening (a policy's bound) is counted, never hidden."""
    rng = random.Random(seed)
    opened: dict[str, list[int]] = {}
    counts: Counter = Counter()
    subjects = _subjects(svc, subject_count)
    with clock.frozen_at(T0):
        day = clock.today()
        for mix in TORTURE_MIX:
            if mix.parent is None:
                targets = [("subject", sid) for sid, inst in subjects
                           if mix.subjects == "all" or (mix.subjects == "institutions") == inst]
            else:
                targets = [("parent", cid) for cid in opened.get(mix.parent, [])]
            for how, target in targets:
                try:
                    out = svc.cases.open(mix.kind, "alice", mix.inputs(rng, day), **{how: target})
                except CreditflowError as exc:
                    counts[f"{mix.kind} refused: {exc.code}"] += 1
                    continue
                opened.setdefault(mix.kind, []).append(out["case_id"])
                counts[mix.kind] += 1
    return counts


def _users(svc) -> None:
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                        court="郑州铁路运输法院")
    for name, roles in (("alice", ["handler"]), ("carol", ["handler", "approver"]), ("bob", ["approver"]),
                        ("dave", ["approver"])):
        svc.deployment.add_user(name, roles)


def _spawn(role: str, url: str, home: Path, seed: int, env=None) -> subprocess.Popen:
    argv = [sys.executable, str(DRIVER), role, url, str(home), "--seed", str(seed), "--t0", T0.isoformat(),
            "--speed", str(SPEED), "--batch", "50"]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def check_invariants(svc, as_of) -> dict:
    """The invariants after a torture or a crash, the store swept up to `as_of` by the caller. Returns figures."""
    verified = svc.audit.verify()
    assert verified["ok"], verified["first_break"]
    with svc.db.connect() as conn:
        log = conn.execute(select(transitions.c.case_id, transitions.c.timer_effects)).all()
        fired = Counter((cid, e["timer"], e["last_day"]) for cid, effects in log for e in effects or []
                        if e.get("op") == "fired")
        reminded = Counter((cid, e["timer"], e["last_day"]) for cid, effects in log for e in effects or []
                           if e.get("op") == "reminded")
        twice = [("fired", k) for k, n in fired.items() if n > 1] + [("reminded", k) for k, n in reminded.items() if n > 1]
        assert not twice, f"fired or reminded more than once: {twice[:5]}"
        rows = conn.execute(select(timers)).all()
        still_due = [(r.case_id, r.name) for r in rows if r.status == "running" and r.ends_at <= as_of]
        if still_due:  # say why: an incident in back-off holds its case out of the sweep
            held = conn.execute(select(incidents.c.case_id, incidents.c.status, incidents.c.error_code,
                                       incidents.c.message).where(
                incidents.c.case_id.in_([c for c, _ in still_due[:5]]))).all()
            raise AssertionError(f"due but not fired: {still_due[:5]}; their incidents: {[tuple(r) for r in held]}")
        unreminded = [(r.case_id, r.name) for r in rows if r.status == "running" and r.remind_at is not None
                      and r.remind_at <= as_of]
        assert not unreminded, f"reminder due but not sent: {unreminded[:5]}"
        fired_rows = [r for r in rows if r.status == "fired"]
        for r in fired_rows:  # every fired timer was fired by exactly one logged transition
            assert fired[(r.case_id, r.name, r.last_day.isoformat())] == 1, (r.case_id, r.name)
        for seq_row in conn.execute(select(number_sequences)).all():
            taken = conn.execute(select(notices.c.seq).where(
                notices.c.department == seq_row.department, notices.c.series == seq_row.series,
                notices.c.year == seq_row.year).order_by(notices.c.seq)).scalars().all()
            assert taken == list(range(1, seq_row.last + 1)), (seq_row.series, seq_row.year, len(taken), seq_row.last)
        numbered = conn.execute(select(func.count()).select_from(notices)).scalar_one()
        assert numbered == conn.execute(select(func.sum(number_sequences.c.last))).scalar_one()
        still_open = conn.execute(select(incidents).where(incidents.c.status == "open")).all()
        assert not still_open, [(i.case_id, i.trigger, i.message) for i in still_open[:5]]
        case_count = conn.execute(select(func.count()).select_from(cases)).scalar_one()
    began = time.perf_counter()
    replayed = svc.replay.run()
    assert replayed["ok"], replayed["first_difference"]
    return {"cases": case_count, "log_rows": len(log), "notices": numbered, "fired": sum(fired.values()),
            "reminded": sum(reminded.values()), "replayed_transitions": replayed["transitions"],
            "replay_seconds": round(time.perf_counter() - began, 1)}


def test_torture(pg_url, tmp_path):
    svc = make_services(pg_url, tmp_path)
    _users(svc)
    opened = open_mix(svc, SUBJECTS)
    for mix in TORTURE_MIX:
        assert opened[mix.kind] > 0, f"no {mix.kind} case could be opened: {dict(opened)}"
    started = time.time()
    procs = [_spawn("handler", pg_url, tmp_path, i) for i in range(HANDLERS)]
    procs += [_spawn("sweeper", pg_url, tmp_path, 100 + i) for i in range(SWEEPERS)]
    while len(list(tmp_path.glob("ready-*"))) < len(procs):  # imports done and calendars built, in every process
        assert all(p.poll() is None for p in procs), [p.communicate()[1][-2000:] for p in procs if p.poll() is not None]
        assert time.time() - started < 300, "the torture processes did not get ready"
        time.sleep(0.1)
    start = time.time() + 1
    until = start + RUN_SECONDS
    (tmp_path / "go.json").write_text(json.dumps({"start": start, "until": until}))
    results = []
    for p in procs:
        out, err = p.communicate(timeout=RUN_SECONDS + 300)
        assert p.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    handlers, sweepers = results[:HANDLERS], results[HANDLERS:]
    for r in results:
        assert r["errors"] == 0, "\n".join(r["error_samples"])
    end = T0 + timedelta(seconds=(until - start) * SPEED)
    # the next sweep catches up to the clock's last instant: the sweepers stopped mid-way
    out = svc.sweep.run_once(end, batch=500)
    assert out["counts"]["failed"] == 0, out
    assert svc.sweep.run_once(end)["counts"] == {"fired": 0, "reminded": 0, "failed": 0, "deferred": 0}
    figures = check_invariants(svc, end)
    done = sum(r["done"] for r in handlers)
    fired = sum(r["fired"] + r["reminded"] for r in sweepers)
    assert done > 50 and fired > 0, (handlers, sweepers)
    report = {"opened": dict(opened), "handler_transitions": done, "refused": sum(r["refused"] for r in handlers),
              "bad": sum(r["bad"] for r in handlers), "conflicts": sum(r["conflict"] for r in handlers),
              "swept": fired, "final_sweep": out["counts"], "seconds": round(time.time() - started, 1),
              "simulated_days": round((end - T0).total_seconds() / 86400, 1), **figures,
              "load": os.getloadavg()}
    print("TORTURE", json.dumps(report, ensure_ascii=False))
    (tmp_path / "torture.json").write_text(json.dumps(report, ensure_ascii=False))
    if LONG:
        Path(os.environ.get("CREDITFLOW_TORTURE_REPORT", "/tmp/torture-long.json")).write_text(
            json.dumps(report, ensure_ascii=False, indent=1))



def test_every_procedure_is_in_the_torture_mix():
    """Every declared procedure is opened by the torture, or opened by a declared effect of one that is."""
    from states import PROCEDURES

    mixed = {m.kind for m in TORTURE_MIX}
    reached, frontier = set(mixed), list(mixed)
    while frontier:
        for t in PROCEDURES[frontier.pop()].transitions:
            for o in t.opens:
                if o.kind not in reached:
                    reached.add(o.kind)
                    frontier.append(o.kind)
    for kind, proc in PROCEDURES.items():
        assert kind in mixed or (proc.opening_trigger() is None and kind in reached), (
            f"{kind}: add it to TORTURE_MIX (one line: its kind and its opening inputs)")
