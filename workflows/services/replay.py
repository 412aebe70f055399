"""Replay: every case's log re-executed from the beginning, in the log's global order, through the same engine
and declarations, and the result compared with what is stored (`creditflow audit replay`, docs/audit.md).

How: a scratch store (an in-memory SQLite database with the same tables) receives the deployment's settings,
the users and the subjects; then each log row that a person or the clock fired (not one another case's
declared effect caused: the engine performs those itself, in the same transaction, as it did the first time)
is fired again, in `transitions.id` order, by `Engine.open` / `Engine.advance` — the very code that fired it —
with the facts the row records:

* the instant: the row's `effective_at`, with the clock set to the instant its notice was issued at (the
  notice row, which the log row's `notice_hash` seals), so "today", the policy in force and the timer plan
  are those of that day;
* the inputs as logged (a sealed input's value from its append-only row, checked by its digest when it was
  taken), the timer an expiry or reminder consumed (named in the row's `timer_effects`), the reminder's own
  inputs, the cause of a related transition;
* the order: transactions in commit order, which is the order of each transaction's last log row (below);
* the ids it allocated: a case it opened and an archive entry it wrote get the ids they got the first time
  (PostgreSQL sequences leave gaps where a transaction rolled back, so ids are not re-derivable from order);
* numbers: the scratch store numbers notices afresh, in replay order, and each replayed row must carry the
  number the stored row carries — gapless numbering is thereby re-derived, not copied.

The users' roles are read from `users`, which no command changes once a user exists. Compared per case:
kind, state, version, data, final, overdue, owner, parent, opener, archive entry; each timer's status and
period; each log row's trigger, states, actor and notice number; the archive entries and status rows the case
wrote. Not compared: instants taken from the real clock (recorded_at, fired_at, updated_at) and a notice's
rendered text (templates are reworded between releases; its hash is `audit verify`'s business).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import MetaData, create_engine, event, insert, select
from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.dml import Insert

from states.spec import PUBLIC_ACTOR

from .. import auditing, clock
from ..engine import Engine, Request
from ..errors import CreditflowError
from ..store import tables
from ..store.tables import (archive_entries, archive_status, attachment_blobs, cases, deployment, notices,
                            sealed_inputs, subjects, timers, transitions, users)

COPIED = (deployment, users, subjects, attachment_blobs)  # what no transition writes: the stage the log plays on
ALIGNED = ("cases", "archive_entries")  # tables whose ids a replayed transition takes as the first time
CASE_FIELDS = ("kind", "declaration_version", "state", "version", "data", "is_final", "overdue", "assignee",
               "parent_id", "subject_id", "opened_by", "entry_id")
TIMER_FIELDS = ("status", "side", "on_expiry", "unit", "clock", "start_day", "last_day", "ends_at", "provisional",
                "remind_at", "reminded_for")
LOG_FIELDS = ("trigger", "from_state", "to_state", "actor", "role", "effective_at", "notice_number")
ENTRY_FIELDS = ("id", "subject_id", "kind", "category", "facts", "collected_by", "determined_on", "disclosure_until",
                "rule")
STATUS_FIELDS = ("entry_id", "status", "by_entry_id", "effective_on", "reason")
CONSUMED_OPS = {"fired": "fired_timer", "reminded": "fired_reminder", "recomputed": "recompute_timer"}


class _Stored:
    """What the store holds, read in one snapshot."""

    def __init__(self, conn):
        self.log = conn.execute(select(transitions).order_by(transitions.c.id)).all()
        self.cases = {r.id: r for r in conn.execute(select(cases))}
        self.timers = defaultdict(dict)
        for r in conn.execute(select(timers)):
            self.timers[r.case_id][r.name] = r
        self.issued = {(r.case_id, r.transition_seq): r.issued_at
                       for r in conn.execute(select(notices.c.case_id, notices.c.transition_seq, notices.c.issued_at))}
        self.sealed = {(r.case_id, r.transition_seq, r.name): r.value for r in conn.execute(select(sealed_inputs))}
        self.entries = conn.execute(select(archive_entries).order_by(archive_entries.c.id)).all()
        self.statuses = conn.execute(select(archive_status).order_by(archive_status.c.id)).all()
        self.copied = {t.name: [dict(r._mapping) for r in conn.execute(select(t))] for t in COPIED}


def _groups(log) -> list[list]:
    """The log in transactions as fired: a row a person or the clock fired, with every row it caused
    (`inputs.caused_by`, transitively), in global order."""
    group_of: dict[tuple[int, int], int] = {}
    groups: list[list] = []
    for row in log:
        cause = row.inputs.get("caused_by") if isinstance(row.inputs, dict) else None
        key = (cause["case"], cause["seq"]) if cause else None
        if key is not None and key in group_of:
            index = group_of[key]
        else:
            index = len(groups)
            groups.append([])
        groups[index].append(row)
        group_of[(row.case_id, row.seq)] = index
    # In commit order: a transaction's last log row is written just before its COMMIT, and one that waited for
    # another's lock (a case row, a number series) or read its committed writes writes its own rows after that
    # COMMIT. The first rows' ids need not be in that order: two transactions may start on unrelated cases and
    # then meet on a number series (a PostgreSQL id is taken at INSERT, not at COMMIT).
    return sorted(groups, key=lambda g: g[-1].id)


def _scratch() -> DbEngine:
    """An empty in-memory store with the same tables (no append-only triggers: nothing here is kept)."""
    md = MetaData()
    for t in tables.metadata.sorted_tables:
        t.to_metadata(md)
    db = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    md.create_all(db)
    return db


class _Ids:
    """The ids the next inserts into `ALIGNED` tables take: those the stored transaction's rows got."""

    def __init__(self, db: DbEngine):
        self.queues = {name: [] for name in ALIGNED}

        @event.listens_for(db, "before_execute", retval=True)
        def _take(conn, clause, multiparams, params, execution_options):
            if isinstance(clause, Insert) and clause.table.name in self.queues and self.queues[clause.table.name]:
                clause = clause.values(id=self.queues[clause.table.name].pop(0))
            return clause, multiparams, params


def _request(row, stored: _Stored, scratch_conn) -> Request:
    """The request that fired `row` the first time, from what the row and the store record."""
    inputs = {k: v for k, v in row.inputs.items() if k != "caused_by"}
    for name, value in list(inputs.items()):
        if isinstance(value, dict) and "sealed" in value:
            inputs[name] = stored.sealed.get((row.case_id, row.seq, name))
    # only the public board acts as its account (engine/origin.py), so a row of that actor came through it
    req = Request(trigger=row.trigger, actor=row.actor, inputs=inputs, effective_at=row.effective_at,
                  from_the_board=row.actor == PUBLIC_ACTOR)
    for effect in row.timer_effects or []:
        field = CONSUMED_OPS.get(effect.get("op"))
        if field is None:
            continue
        if field == "recompute_timer":
            req.recompute_timer = effect["timer"]
        else:
            found = scratch_conn.execute(select(timers.c.id).where(
                timers.c.case_id == row.case_id, timers.c.name == effect["timer"])).scalar_one_or_none()
            setattr(req, field, found if found is not None else -1)  # -1: no such timer, refused as such
    return req


def _fire(engine: Engine, conn, row, stored: _Stored) -> None:
    req = _request(row, stored, conn)
    if row.seq == 1:
        case = stored.cases[row.case_id]
        engine.open(conn, case.kind, req, subject_id=case.subject_id if case.parent_id is None else None,
                    parent_id=case.parent_id, entry_id=case.entry_id)
    else:
        engine.advance(conn, row.case_id, req)


def _plain(value):
    if isinstance(value, datetime):
        return clock.local(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _unsealed(value):
    """A sealed input's reference without its digest: the digest is keyed by a random key drawn when the value was
    taken (workflows/store/sealed_repo.py), so a replay draws another; the row it refers to must be the same."""
    if isinstance(value, dict):
        if set(value) == {"sealed", "sha256"}:
            return {"sealed": value["sealed"]}
        return {k: _unsealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsealed(v) for v in value]
    return value


def _diff(field: str, stored, replayed) -> dict:
    return {"field": field, "stored": _plain(stored), "replayed": _plain(replayed)}


def _compare_case(cid: int, stored: _Stored, got: dict, entries_of, statuses_of) -> list[dict]:
    s = stored.cases[cid]
    r = got["cases"].get(cid)
    if r is None:
        return [_diff("missing", "存在", "不存在")]
    out = []
    for f in CASE_FIELDS:
        if f == "data":
            sd, rd = _unsealed(s.data), _unsealed(r.data)
            out += [_diff(f"data.{k}", sd.get(k), rd.get(k)) for k in sorted(set(sd) | set(rd)) if sd.get(k) != rd.get(k)]
        elif getattr(s, f) != getattr(r, f):
            out.append(_diff(f, getattr(s, f), getattr(r, f)))
    st, rt = stored.timers.get(cid, {}), got["timers"].get(cid, {})
    for name in sorted(set(st) | set(rt)):
        if name not in st or name not in rt:
            out.append(_diff(f"timers.{name}", "存在" if name in st else "不存在", "存在" if name in rt else "不存在"))
            continue
        out += [_diff(f"timers.{name}.{f}", getattr(st[name], f), getattr(rt[name], f))
                for f in TIMER_FIELDS if getattr(st[name], f) != getattr(rt[name], f)]
    slog, rlog = got["stored_log"].get(cid, []), got["log_by_case"].get(cid, [])
    if len(slog) != len(rlog):
        out.append(_diff("log.rows", len(slog), len(rlog)))
    for a, b in zip(slog, rlog):
        out += [_diff(f"log[{a.seq}].{f}", getattr(a, f), getattr(b, f)) for f in LOG_FIELDS if getattr(a, f) != getattr(b, f)]
    for name, mine, theirs, fields in (("archive", entries_of(stored.entries, cid), entries_of(got["entries"], cid),
                                        ENTRY_FIELDS),
                                       ("archive_status", statuses_of(stored.statuses, cid),
                                        statuses_of(got["statuses"], cid), STATUS_FIELDS)):
        a = [tuple(getattr(e, f) for f in fields) for e in mine]
        b = [tuple(getattr(e, f) for f in fields) for e in theirs]
        if a != b:
            out.append(_diff(name, [list(map(_plain, x)) for x in a], [list(map(_plain, x)) for x in b]))
    return out


def replay(db: DbEngine, engine: Engine, case_id: int | None = None) -> dict:
    """Replay the whole log (up to the last transaction touching `case_id`, when given) and compare.
    Returns {"ok", "cases", "transitions", "replayed", "first_difference", "results": [...]} — per case
    {"case_id", "kind", "ok", "differences": [{"field", "stored", "replayed"}]}."""
    with auditing.reading(db) as conn:
        stored = _Stored(conn)
    if case_id is not None and case_id not in stored.cases:
        from ..errors import no_such_case

        raise no_such_case(case_id)
    groups = _groups(stored.log)
    if case_id is not None:
        last = max((i for i, g in enumerate(groups) if any(r.case_id == case_id for r in g)), default=-1)
        groups = groups[:last + 1]
    scratch = _scratch()
    ids = _Ids(scratch)
    # the same declarations, calendar and policy; the scratch store's own settings cache
    replayer = Engine(engine.calendar, engine.registry, profile=engine.profile, schedule=engine.schedule)
    failures: dict[int, dict] = {}
    entry_ids = defaultdict(list)
    for e in stored.entries:
        entry_ids[(e.case_id, e.created_at)].append(e.id)
    with scratch.connect() as sc:
        with sc.begin():
            for t in COPIED:
                if stored.copied[t.name]:
                    sc.execute(insert(t), stored.copied[t.name])
        for group in groups:
            head = group[0]
            ids.queues["cases"] = [r.case_id for r in group if r.seq == 1]
            ids.queues["archive_entries"] = sorted(i for r in group for i in entry_ids.get((r.case_id, r.effective_at), ()))
            issued = stored.issued.get((head.case_id, head.seq)) or head.effective_at
            try:
                with sc.begin(), clock.frozen_at(issued):
                    _fire(replayer, sc, head, stored)
            except Exception as exc:  # noqa: BLE001 - a refusal or any failure: the stored transaction did not replay
                said = exc.message if isinstance(exc, CreditflowError) else f"{type(exc).__name__}: {exc}"
                for r in group:
                    failures.setdefault(r.case_id, _diff(f"log[{r.seq}].replay", f"{r.trigger}（已办理）",
                                                         f"重放未能办理：{said}"))
        got = {"cases": {r.id: r for r in sc.execute(select(cases))}, "timers": defaultdict(dict),
               "entries": sc.execute(select(archive_entries).order_by(archive_entries.c.id)).all(),
               "statuses": sc.execute(select(archive_status).order_by(archive_status.c.id)).all(),
               "log_by_case": defaultdict(list), "stored_log": defaultdict(list)}
        for r in sc.execute(select(timers)):
            got["timers"][r.case_id][r.name] = r
        for r in sc.execute(select(transitions).order_by(transitions.c.case_id, transitions.c.seq)):
            got["log_by_case"][r.case_id].append(r)
    scratch.dispose()
    for r in stored.log:
        got["stored_log"][r.case_id].append(r)
    written: dict[int, dict] = {}  # per list of archive rows (stored, replayed): the rows each case wrote
    for rows in (stored.entries, got["entries"], stored.statuses, got["statuses"]):
        written[id(rows)] = defaultdict(list)
        for e in rows:
            written[id(rows)][e.case_id].append(e)

    def entries_of(rows, cid):  # the rows of `rows` that case `cid` wrote, in id order
        return written[id(rows)].get(cid, [])

    statuses_of = entries_of

    wanted = [case_id] if case_id is not None else sorted(stored.cases)
    results = []
    for cid in wanted:
        diffs = ([failures[cid]] if cid in failures else []) + _compare_case(cid, stored, got, entries_of, statuses_of)
        results.append({"case_id": cid, "kind": stored.cases[cid].kind, "ok": not diffs, "differences": diffs})
    # A transaction that did not replay is named first, the earliest in commit order: every later difference may
    # follow from it (a number it did not take shifts every later number of its series).
    failed = next((cid for cid in failures if cid in wanted), None)
    first = ({"case_id": failed, **failures[failed]} if failed is not None else
             next(({"case_id": r["case_id"], **r["differences"][0]} for r in results if not r["ok"]), None))
    return {"ok": first is None, "cases": len(results), "transitions": sum(len(g) for g in groups),
            "replayed": len(groups), "first_difference": first, "results": results}


class ReplayService:
    """`svc.replay`: the replay of the whole log against the store (read-only: it writes only a scratch store)."""

    def __init__(self, db: DbEngine, engine):
        self.db = db
        self._engine = engine

    def run(self, case_id: int | None = None) -> dict:
        return replay(self.db, self._engine(), case_id)
