"""Two simultaneous transitions on one case: exactly one wins, the other gets a conflict;
document numbers stay gapless under concurrent transitions (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from conftest import HOSPITAL_USCC, at, publish
from workflows.clock import frozen_at
from workflows.errors import Conflict
from workflows.store.tables import cases, notices, transitions
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


def _paused_before_numbering(monkeypatch, thread_name: str):
    """Hold the transition run by the thread `thread_name` after it has weighed its guards, before it numbers its
    notice and writes: (reached, go) events."""
    from workflows.store import repo

    reached, go = threading.Event(), threading.Event()
    real = repo.next_notice_number

    def paused(*args, **kwargs):
        if threading.current_thread().name == thread_name:
            reached.set()
            go.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(repo, "next_notice_number", paused)
    return reached, go


def _in_thread(name: str, when: str, fn, results: dict) -> threading.Thread:
    def run():
        try:
            with frozen_at(at(when)):
                results[name] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - compared below
            results[name] = (type(exc).__name__, getattr(exc, "code", repr(exc)))

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _second_waits_for_first(monkeypatch, first: tuple, second: tuple) -> dict:
    """Run `first` = (name, when, fn) in a thread held after it has weighed its guards, then `second` likewise
    unheld: `second` must still be waiting for `first`'s commit 2 s later (the rows `first` read are locked);
    then release `first`. Returns {name: ("ok", result) | (error type, code)}."""
    reached, go = _paused_before_numbering(monkeypatch, first[0])
    results: dict = {}
    held = _in_thread(*first, results)
    assert reached.wait(30), results
    waiting = _in_thread(*second, results)
    waiting.join(2)
    assert waiting.is_alive() and second[0] not in results, results
    go.set()
    held.join(30)
    waiting.join(30)
    return results


def test_a_guard_on_a_related_case_still_holds_when_the_transition_commits(svc, monkeypatch):
    """Write skew: a repair is accepted (guard REP-RECORD: the record still disclosed) while, at the same moment,
    the record is revoked. Whatever the timing, the store must hold what some one-at-a-time order gives — the
    revocation waits for the acceptance that read the record — and the replay in commit order agrees."""
    from test_repair import apply, record

    rec = record(svc)
    rep = apply(svc, rec)["case_id"]
    results = _second_waits_for_first(
        monkeypatch, ("accept", "2026-09-14 10:00", lambda: svc.cases.act(rep, "accept", "alice", {})),
        ("revoke", "2026-09-14 10:00", lambda: svc.cases.act(
            rec, "revoke", "alice", {"basis": "郑州市人民政府行政复议决定书郑政复决〔2026〕9号"})))
    assert results == {"accept": ("ok", results["accept"][1]), "revoke": ("ok", results["revoke"][1])}, results
    assert svc.cases.show(rep)["state"] == "under_review" and svc.cases.show(rec)["state"] == "withdrawn"
    with svc.db.connect() as conn:
        order = conn.execute(select(transitions.c.case_id).where(transitions.c.trigger.in_(["accept", "revoke"]))
                             .order_by(transitions.c.id)).scalars().all()
    assert order == [rep, rec]
    replayed = svc.replay.run()
    assert replayed["ok"], replayed["first_difference"]


def test_two_applications_on_one_record_take_turns(svc, monkeypatch):
    """Two repair applications for one record registered at the same moment: the second waits for the first and
    then sees it (REP-PENDING: one application per record at a time), never two open applications."""
    from test_repair import FULL, record

    rec = record(svc)

    def application():
        return svc.cases.open("repair", "alice", {"received": "2026-09-10", "materials": FULL}, parent=rec)

    results = _second_waits_for_first(monkeypatch, ("first", "2026-09-11 09:00", application),
                                      ("second", "2026-09-11 09:00", application))
    assert results["first"][0] == "ok" and results["second"][0] == "Refused", results
    with svc.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases).where(cases.c.kind == "repair")).scalar_one() == 1


def test_an_objection_to_an_entry_weighs_it_as_it_stands_at_commit(svc, monkeypatch):
    """An objection to an archive entry is registered (guard OBJ-ENTRY: the entry still in use) while its record
    is revoked (a status row on the entry): the status waits for the registration that weighed the entry."""
    from test_objection_targets import d_entry, object_to_entry

    ev, entry = d_entry(svc)
    record = entry["case_id"]
    results = _second_waits_for_first(
        monkeypatch, ("objection", "2026-03-09 09:00", lambda: object_to_entry(svc, entry["id"])),
        ("revoke", "2026-03-09 09:00", lambda: svc.cases.act(
            record, "revoke", "alice", {"basis": "郑州市人民政府行政复议决定书郑政复决〔2026〕9号"})))
    assert results["objection"][0] == "ok" and results["revoke"][0] == "ok", results
    replayed = svc.replay.run()
    assert replayed["ok"], replayed["first_difference"]
