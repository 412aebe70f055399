"""Two simultaneous transitions on one case: exactly one wins, the other gets a conflict;
document numbers stay gapless under concurrent transitions (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from conftest import HOSPITAL_USCC, at, publish
from workflows.clock import frozen_at
from workflows.errors import Conflict
from workflows.store.tables import notices
from states.identifiers import id_check_digit


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def run(i, fn):
        barrier.wait()
        try:
            with frozen_at(at("2026-02-26 10:00")):
                results[i] = ("ok", fn())
        except Conflict as exc:
            results[i] = ("conflict", exc)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = ("error", repr(exc))

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _accepted(svc, subject_id):
    with frozen_at(at("2026-02-06 09:00")):
        ev = publish(svc, str(subject_id), 2025, "75", "alice")["case_id"]
    with frozen_at(at("2026-02-25 09:00")):
        obj = svc.cases.open("objection", "alice", {"grounds": "1", "received": "2026-02-24",
                                                    "materials": "申请表", "reason": "扣分有误"}, parent=ev)["case_id"]
        svc.cases.act(obj, "accept", "alice", {})
    return obj


def test_two_transitions_on_one_case_exactly_one_wins(svc):
    sid = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"]
    obj = _accepted(svc, sid)
    version = svc.cases.show(obj)["version"]
    for round_ in range(3):
        results = _race([
            lambda: svc.cases.act(obj, "suspend", "alice", {"reason": "testing"}, expected_version=version),
            lambda: svc.cases.act(obj, "propose_dismiss", "alice", {"findings": "依据充分"}, expected_version=version),
        ])
        kinds = sorted(r[0] for r in results)
        assert kinds == ["conflict", "ok"], results
        show = svc.cases.show(obj)
        assert show["version"] == version + 1
        assert len(svc.audit.log(obj)) == version + 1
        # put the case back under review for the next round
        with frozen_at(at("2026-02-26 11:00")):
            if show["state"] == "suspended":
                svc.cases.act(obj, "resume", "alice", {})
            else:
                svc.cases.act(obj, "return", "bob", {"reason": "重审"})
        version = svc.cases.show(obj)["version"]


def test_document_numbers_stay_gapless_under_concurrency(svc):
    objs = []
    for i in range(6):
        first17 = f"41010519800101{i:03d}"
        sid = svc.deployment.add_subject(f"参保人{i}", "insured", None, first17 + id_check_digit(first17))["id"]
        objs.append(_accepted(svc, sid))
    results = _race([lambda o=o: svc.cases.act(o, "suspend", "alice", {"reason": "appraisal"}) for o in objs]
                    + [lambda: svc.cases.act(objs[0], "resume", "alice", {}, expected_version=1)])  # stale: conflicts
    assert sorted(r[0] for r in results) == ["conflict"] + ["ok"] * 6, results
    with svc.db.connect() as conn:
        seqs = sorted(conn.execute(select(notices.c.seq).where(notices.c.series == "信异")).scalars())
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == 6 * 3  # receipt, acceptance and suspension notice per objection
