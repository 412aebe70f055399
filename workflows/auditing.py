"""The audit trail end to end (docs/audit.md; docs/rules.md §8): checkpoints, verification, export.

Functions on a database engine, no service state: `workflows/services/audit.py` (`svc.audit`) calls them,
and the engine calls `refuse_read_only`.

Tamper-proof where the database can enforce it: migration 0002 puts triggers on `transitions`,
`notices`, `checkpoints` and `checkpoint_heads` that refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL). Tamper-evident where it cannot (an attacker with DDL rights drops the triggers):

* every log row carries the hash of its canonical content and its predecessor's hash
  (`workflows.audit`, the one definition of the hashes);
* every notice carries the hash of its HTML, which its log row repeats;
* a checkpoint seals every case's chain head and a hash over all of them, chained to the previous
  checkpoint; it can be exported and kept elsewhere, so a deleted or truncated case is caught too;
* notice numbers are gapless per department, series and year (docs/rules.md §8.2), so a deleted notice
  leaves a hole even before the first checkpoint;
* a change of the deployment's identity once cases exist (department, prefix, remedies bodies) is a
  row of `settings_changes`, chained like the log (workflows/deployment.py records it); the last one
  must match the deployment in force, and every prefix numbers were taken under must be known to it;
* a change of a registered subject's name is a row of `subject_changes`, chained the same way
  (workflows/store/people_repo.py records it); each subject's name in force must be its last change's.

Migrations 0003, 0006, 0008, 0009 and 0011 put the same triggers on `notice_pdfs`, `notice_services`, `archive_entries`,
`archive_status`, `settings_changes`, `subject_changes`, `sealed_inputs` and `attachment_blobs`; `verify` warns when any is missing (APPEND_ONLY_TABLES).

`verify` streams every table in (case, seq) order through server-side cursors, holding one case at
a time: memory stays flat however long the log is. It reports the first broken link
(case, seq, what differs) and how many there are.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time as dtime
from itertools import groupby
from pathlib import Path

from sqlalchemy import and_, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import IntegrityError

from calendars import SHANGHAI

from . import clock
from .audit import (
    CHAINED_FIELDS,
    CHECKPOINT_FIELDS,
    SETTINGS_CHANGE_FIELDS,
    SUBJECT_CHANGE_FIELDS,
    checkpoint_hash,
    head_line,
    instant,
    row_hash,
    settings_change_hash,
    subject_change_hash,
)
from .errors import BadInput, Conflict, no_such_case
from .errors import Refused as RefusedError
from .store.tables import (
    cases,
    checkpoint_heads,
    checkpoints,
    deployment,
    notices,
    number_sequences,
    settings_changes,
    subject_changes,
    subjects,
    transitions,
)

# Every table with append-only triggers, by migration: 0002 the log, notices and seals; 0003 the stored
# PDFs and service records; 0006 the credit archive, its status rows and the settings changes; 0008 the
# subject changes; 0009 the sealed inputs (a reporter's identity); 0011 the content of attached material.
APPEND_ONLY_TABLES = ("transitions", "notices", "checkpoints", "checkpoint_heads", "notice_pdfs", "notice_services",
                      "archive_entries", "archive_status", "settings_changes", "subject_changes", "sealed_inputs",
                      "attachment_blobs")
IDENTITY_KEYS = ("department_name", "number_prefix", "reconsideration_body", "court")  # = repo.DEPLOYMENT_KEYS
EXPORT_COLUMNS = ("id",) + CHAINED_FIELDS + ("hash",)
JSON_COLUMNS = ("inputs", "rules", "timer_effects")
NULLABLE_COLUMNS = ("from_state", "notice_number", "notice_hash")
EXPORT_FORMATS = ("jsonl", "csv")
READ_ONLY_ROLES = frozenset({"auditor"})
BATCH = 2000  # rows per round trip of a server-side cursor
KEEP = 100  # breaks detailed per pass in the report (all are counted; the first is always found)


# -- the auditor changes nothing ------------------------------------------------------------------------

def refuse_read_only(name: str, roles) -> None:
    """A user who holds only read-only roles (the auditor) may change nothing: exit 3.

    Called by the engine before anything else of a transition; any other command that changes state
    on behalf of a user (`--as`) calls it too."""
    roles = frozenset(roles)
    if roles and roles <= READ_ONLY_ROLES:
        raise RefusedError(f"审计人员只能查阅，不能办理：用户 {name} 仅有审计角色，不能改变任何案件、文书或记录",
                           code="READ-ONLY", article="creditflow policy: 审计人员只读，不办理任何案件")


# -- reading: one consistent snapshot, streamed -------------------------------------------------------------

@contextmanager
def reading(db: DbEngine) -> Iterator[Connection]:
    """A read-only transaction over one snapshot (PostgreSQL REPEATABLE READ; SQLite WAL deferred BEGIN)."""
    conn = db.connect()
    try:
        if db.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        else:
            conn.execution_options(sqlite_begin="DEFERRED")
        with conn.begin():
            if db.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn
    finally:
        conn.close()


def _stream(conn: Connection, stmt):
    return conn.execute(stmt.execution_options(yield_per=BATCH))


# -- checkpoints ------------------------------------------------------------------------------------------

def _checkpoint_dict(row) -> dict:
    return {"id": row.id, "created_at": instant(row.created_at), "case_count": row.case_count,
            "row_count": row.row_count, "heads_digest": row.heads_digest, "prev_hash": row.prev_hash,
            "hash": row.hash}


def latest_checkpoint(conn: Connection):
    return conn.execute(select(checkpoints).order_by(checkpoints.c.id.desc()).limit(1)).first()


def write_checkpoint(db: DbEngine) -> dict:
    """Seal every case's chain head now. One snapshot: the heads hashed are the heads stored."""
    conn = db.connect()
    try:
        if db.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            prev = latest_checkpoint(conn)
            digest, count, rows = hashlib.sha256(), 0, 0
            for r in _stream(conn, select(cases.c.id, cases.c.log_seq, cases.c.chain_head).order_by(cases.c.id)):
                digest.update(head_line(r.id, r.log_seq, r.chain_head))
                count += 1
                rows += r.log_seq
            header = {"created_at": clock.real_now(), "case_count": count, "row_count": rows,
                      "heads_digest": digest.hexdigest(), "prev_hash": prev.hash if prev is not None else ""}
            header["hash"] = checkpoint_hash(header)
            try:
                cid = conn.execute(insert(checkpoints).values(**header).returning(checkpoints.c.id)).scalar_one()
            except IntegrityError:
                raise Conflict("另一个审计检查点恰在同一时刻写入，本次未写入；请重试") from None
            conn.execute(insert(checkpoint_heads).from_select(
                ["checkpoint_id", "case_id", "seq", "head"],
                select(literal(cid), cases.c.id, cases.c.log_seq, cases.c.chain_head)))
            row = conn.execute(select(checkpoints).where(checkpoints.c.id == cid)).one()
    finally:
        conn.close()
    return _checkpoint_dict(row)


def daily_checkpoint(db: DbEngine) -> dict | None:
    """The sweep's checkpoint: write one unless today (Asia/Shanghai, real time) has one already."""
    with reading(db) as conn:
        last = latest_checkpoint(conn)
    if last is not None and clock.today(last.created_at) == clock.today(clock.real_now()):
        return None
    try:
        return write_checkpoint(db)
    except Conflict:
        return None  # another worker wrote it at the same moment


def list_checkpoints(db: DbEngine) -> list[dict]:
    with reading(db) as conn:
        return [_checkpoint_dict(r) for r in conn.execute(select(checkpoints).order_by(checkpoints.c.id))]


def export_checkpoint(db: DbEngine, path: str | Path, checkpoint_id: int | None = None) -> dict:
    """Write one checkpoint (default: the latest) as JSON lines: the header, then one head per case."""
    path = Path(path)
    with reading(db) as conn:
        q = select(checkpoints)
        q = q.where(checkpoints.c.id == checkpoint_id) if checkpoint_id is not None else \
            q.order_by(checkpoints.c.id.desc()).limit(1)
        row = conn.execute(q).first()
        if row is None:
            raise BadInput(f"没有编号为 {checkpoint_id} 的审计检查点；请用 creditflow audit checkpoints 查看"
                           if checkpoint_id is not None else
                           "还没有审计检查点；请先用 creditflow audit checkpoint 制作一个",
                           code="unknown_checkpoint")
        header = _checkpoint_dict(row)
        heads = _stream(conn, select(checkpoint_heads.c.case_id, checkpoint_heads.c.seq, checkpoint_heads.c.head)
                        .where(checkpoint_heads.c.checkpoint_id == row.id).order_by(checkpoint_heads.c.case_id))
        with _output(path) as fh:
            fh.write(_line({"checkpoint": header}))
            for h in heads:
                fh.write(_line({"case_id": h.case_id, "seq": h.seq, "head": h.head}))
    return {"file": str(path), "checkpoint": header, "sha256": _file_sha256(path)}


@dataclass
class _Checkpoint:
    header: dict
    heads: Iterator  # of (case_id, seq, head), ascending case id
    source: str  # "database" | file name


def _checkpoint_from_db(conn: Connection, row) -> _Checkpoint:
    heads = ((h.case_id, h.seq, h.head) for h in _stream(conn, select(
        checkpoint_heads.c.case_id, checkpoint_heads.c.seq, checkpoint_heads.c.head)
        .where(checkpoint_heads.c.checkpoint_id == row.id).order_by(checkpoint_heads.c.case_id)))
    return _Checkpoint(_checkpoint_dict(row), heads, "database")


def _checkpoint_from_file(fh, name: str) -> _Checkpoint:
    try:
        header = json.loads(fh.readline())["checkpoint"]
        for key in CHECKPOINT_FIELDS + ("id", "hash"):
            header[key]
    except (ValueError, KeyError, TypeError):
        raise BadInput(f"{name} 不是审计检查点文件（检查点文件由 creditflow audit export-checkpoint 导出）",
                       code="bad_checkpoint_file") from None

    def heads():
        last = None
        for n, line in enumerate(fh, 2):
            try:
                h = json.loads(line)
                item = (int(h["case_id"]), int(h["seq"]), str(h["head"]))
            except (ValueError, KeyError, TypeError):
                raise BadInput(f"{name} 第 {n} 行不是检查点的链头记录；文件可能已损坏，请重新导出", code="bad_checkpoint_file") from None
            if last is not None and item[0] <= last:
                raise BadInput(f"{name} 第 {n} 行：链头记录未按案件编号升序排列；文件已被改动，请重新导出", code="bad_checkpoint_file")
            last = item[0]
            yield item

    return _Checkpoint(header, heads(), name)


# -- verification ---------------------------------------------------------------------------------------

@dataclass
class Break:
    case_id: int | None
    seq: int | None
    check: str
    message: str
    expected: str | None = None
    found: str | None = None

    def key(self, order: int) -> tuple:
        return (self.case_id is None, self.case_id or 0, self.seq or 0, order)

    def to_dict(self) -> dict:
        return {"case_id": self.case_id, "seq": self.seq, "check": self.check, "message": self.message,
                "expected": self.expected, "found": self.found}


class _Report:
    """Counts every break, keeps the first one in (case, seq) order and up to KEEP per pass for detail."""

    def __init__(self):
        self.kept: list[tuple[tuple, Break]] = []
        self.first: tuple[tuple, Break] | None = None
        self.count = 0
        self.pass_kept = 0
        self.checked = {"cases": 0, "rows": 0, "notices": 0, "checkpoints": 0, "settings_changes": 0,
                        "subject_changes": 0}
        self.warnings: list[str] = []
        self.issued = 0  # log rows that name a notice
        self.linked = 0  # notices whose log row names them with their hash

    def start_pass(self) -> None:
        self.pass_kept = 0

    def add(self, b: Break) -> None:
        self.count += 1
        item = (b.key(self.count), b)
        if self.first is None or item[0] < self.first[0]:
            self.first = item
        if self.pass_kept < KEEP:
            self.pass_kept += 1
            self.kept.append(item)


def verify(db: DbEngine, checkpoint_file: str | Path | None = None) -> dict:
    """Recompute every chain and every notice hash; compare against the latest checkpoint (or a file)."""
    started = time.perf_counter()
    report = _Report()
    fh = None
    try:
        if checkpoint_file is not None:
            try:
                fh = open(checkpoint_file, encoding="utf-8")
            except OSError as exc:
                raise BadInput(f"无法读取检查点文件 {checkpoint_file}：{exc.strerror}；请核对路径", code="bad_checkpoint_file") from None
        with reading(db) as conn:
            _check_protection(conn, report)
            report.start_pass()
            ckpt = _checkpoints_pass(conn, report, fh, str(checkpoint_file) if fh else None)
            report.start_pass()
            _log_pass(conn, report, ckpt)
            report.start_pass()
            _notices_pass(conn, report)
            report.start_pass()
            _numbering_pass(conn, report)
            report.start_pass()
            _settings_pass(conn, report)
            report.start_pass()
            _subject_changes_pass(conn, report)
    finally:
        if fh is not None:
            fh.close()
    kept = [b for _, b in sorted(report.kept, key=lambda kb: kb[0])]
    return {
        "ok": report.count == 0,
        "first_break": report.first[1].to_dict() if report.first else None,
        "breaks": report.count,
        "details": [b.to_dict() for b in kept],
        "checked": report.checked,
        "checkpoint": ckpt.header | {"source": ckpt.source} if ckpt is not None else None,
        "warnings": report.warnings,
        "elapsed_seconds": round(time.perf_counter() - started, 3),
    }


APPEND_ONLY_TRIGGERS = {
    "postgresql": [f"{t}_{k}" for t in APPEND_ONLY_TABLES for k in ("append_only", "no_truncate")],
    "sqlite": [f"{t}_{k}" for t in APPEND_ONLY_TABLES for k in ("no_update", "no_delete")],
}


def _check_protection(conn: Connection, report: _Report) -> None:
    """The triggers themselves: missing or disabled ones are reported as a warning (not a broken link)."""
    if conn.dialect.name == "postgresql":
        present = {r[0] for r in conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")}
    else:
        present = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    missing = [t for t in APPEND_ONLY_TRIGGERS.get(conn.dialect.name, []) if t not in present]
    if missing:
        report.warnings.append(f"append-only triggers missing or disabled: {', '.join(missing)}; the database no "
                               "longer refuses edits (someone with DDL rights removed them)")


def _checkpoints_pass(conn: Connection, report: _Report, fh, name: str | None) -> _Checkpoint | None:
    """Each stored checkpoint's own hash and its link to the previous one; then pick what to verify against."""
    prev_hash, last = "", None
    for row in _stream(conn, select(checkpoints).order_by(checkpoints.c.id)):
        report.checked["checkpoints"] += 1
        header = _checkpoint_dict(row)
        if checkpoint_hash(header) != row.hash:
            report.add(Break(None, None, "checkpoint_hash", f"checkpoint #{row.id} ({header['created_at']}) does not "
                             "match its own hash: it was edited", row.hash, checkpoint_hash(header)))
        if row.prev_hash != prev_hash:
            report.add(Break(None, None, "checkpoint_chain", f"checkpoint #{row.id} does not follow the checkpoint "
                             "before it: a checkpoint was deleted or replaced", prev_hash, row.prev_hash))
        prev_hash, last = row.hash, row
    if fh is not None:
        ckpt = _checkpoint_from_file(fh, name)
        h = ckpt.header
        if checkpoint_hash(h) != h["hash"]:
            raise BadInput(f"{name}：检查点与其自身的哈希值不符，文件已被改动（the checkpoint does not match its own hash）",
                           code="bad_checkpoint_file")
        stored = conn.execute(select(checkpoints.c.id).where(checkpoints.c.hash == h["hash"])).first()
        if stored is None:
            report.add(Break(None, None, "checkpoint_missing", f"checkpoint #{h['id']} ({h['created_at']}) kept in "
                             f"{name} is not in the database: its checkpoints were deleted or replaced", h["hash"], None))
        return ckpt
    if last is None:
        report.warnings.append("no checkpoint yet: a case deleted as a whole can only be caught by the gap it leaves "
                               "in the notice numbers; write one with `creditflow audit checkpoint`")
        return None
    return _checkpoint_from_db(conn, last)


def _peek(it):
    return next(it, None)


def _log_pass(conn: Connection, report: _Report, ckpt: _Checkpoint | None) -> None:
    """Every chain in (case, seq) order, merged with the cases' heads and the checkpoint's heads."""
    # In the order of the (case_id, seq) unique index: the database streams it without sorting.
    log = _stream(conn, select(*[transitions.c[f] for f in CHAINED_FIELDS], transitions.c.hash)
                  .order_by(transitions.c.case_id, transitions.c.seq))
    case_rows = iter(_stream(conn, select(cases.c.id, cases.c.log_seq, cases.c.chain_head).order_by(cases.c.id)))
    heads = ckpt.heads if ckpt is not None else iter(())
    groups = groupby(log, key=lambda r: r.case_id)
    digest, sealed = hashlib.sha256(), 0
    c, h, g = _peek(case_rows), _peek(heads), _peek(groups)
    while c is not None or h is not None or g is not None:
        cid = min(x for x in (c.id if c is not None else None, h[0] if h is not None else None,
                              g[0] if g is not None else None) if x is not None)
        case = head = rows = None
        if c is not None and c.id == cid:
            case, c = c, _peek(case_rows)
        if h is not None and h[0] == cid:
            head, h = h, _peek(heads)
            digest.update(head_line(*head))
            sealed += 1
        if g is not None and g[0] == cid:
            rows = g[1]
        _check_case(report, cid, case, head, rows, ckpt)
        if rows is not None:
            g = _peek(groups)  # only after the case's rows were consumed
    if ckpt is not None and (digest.hexdigest() != ckpt.header["heads_digest"] or sealed != ckpt.header["case_count"]):
        report.add(Break(None, None, "checkpoint_heads", f"the heads stored for checkpoint #{ckpt.header['id']} do not "
                         f"match its digest ({sealed} heads, sealed {ckpt.header['case_count']}): they were altered",
                         ckpt.header["heads_digest"], digest.hexdigest()))


def _check_case(report: _Report, cid: int, case, head, rows, ckpt) -> None:
    report.checked["cases"] += 1
    last_seq, last_hash, hash_at_head, n = 0, "", None, 0
    for r in rows or ():
        n += 1
        report.checked["rows"] += 1
        if r.seq > last_seq + 1:
            report.add(Break(cid, last_seq + 1, "row_missing", f"case {cid}: row(s) {last_seq + 1}..{r.seq - 1} are "
                             f"missing (the log goes from seq {last_seq} to seq {r.seq})", str(last_seq + 1), str(r.seq)))
        elif r.seq <= last_seq:
            report.add(Break(cid, r.seq, "seq_order", f"case {cid}: seq {r.seq} after seq {last_seq}",
                             str(last_seq + 1), str(r.seq)))
        computed = row_hash(dict(zip(CHAINED_FIELDS, r)))  # the query selects CHAINED_FIELDS first
        if computed != r.hash:
            report.add(Break(cid, r.seq, "row_hash", f"case {cid} seq {r.seq}: the row's content does not match its "
                             "hash: a field was edited (or the row was moved)", r.hash, computed))
        elif r.seq == last_seq + 1 and r.prev_hash != last_hash:
            report.add(Break(cid, r.seq, "prev_hash", f"case {cid} seq {r.seq}: prev_hash does not match the hash of "
                             f"seq {last_seq}: the chain was broken here", last_hash, r.prev_hash))
        if r.notice_number is not None:
            report.issued += 1  # matched against the notices in _notices_pass
        if head is not None and r.seq == head[1]:
            hash_at_head = r.hash
        last_seq, last_hash = r.seq, r.hash

    if case is None and n:
        report.add(Break(cid, None, "case_missing", f"case {cid}: the case was deleted but {n} row(s) of its log remain",
                         f"case {cid}", None))
    elif case is not None and (case.log_seq, case.chain_head) != (last_seq, last_hash):
        if case.log_seq > last_seq:
            where, what = last_seq + 1, f"row(s) {last_seq + 1}..{case.log_seq} are missing: the case's head is at " \
                                        f"seq {case.log_seq}, its log ends at seq {last_seq}"
        elif case.log_seq < last_seq:
            where, what = case.log_seq + 1, f"the log runs to seq {last_seq} beyond the case's head at seq {case.log_seq}"
        else:
            where, what = last_seq, f"the case's chain head differs from the hash of its last row (seq {last_seq})"
        report.add(Break(cid, where, "case_head", f"case {cid}: {what}", f"{case.log_seq}:{case.chain_head}",
                         f"{last_seq}:{last_hash}"))
    if head is not None:
        _, sealed_seq, sealed_hash = head
        label = f"checkpoint #{ckpt.header['id']} ({ckpt.header['created_at']})"
        if case is None and not n:
            report.add(Break(cid, 1, "case_deleted", f"case {cid} was deleted as a whole: {label} sealed it at seq "
                             f"{sealed_seq}, and neither the case nor its log exist now", f"{sealed_seq}:{sealed_hash}", None))
        elif last_seq < sealed_seq:
            report.add(Break(cid, last_seq + 1, "checkpoint", f"case {cid}: the log ends at seq {last_seq} but {label} "
                             f"sealed it at seq {sealed_seq}: rows were deleted", f"{sealed_seq}:{sealed_hash}",
                             f"{last_seq}:{last_hash}"))
        elif hash_at_head != sealed_hash:
            report.add(Break(cid, sealed_seq, "checkpoint", f"case {cid} seq {sealed_seq}: the hash differs from the one "
                             f"{label} sealed: the chain up to here was rewritten", sealed_hash, hash_at_head))


def _notices_pass(conn: Connection, report: _Report) -> None:
    """Every stored notice: its HTML against its hash, and the log row that issued it (number and hash).

    Notice numbers are unique, so when every notice links to its own row and the counts agree, every
    log row's notice exists; only otherwise is the log searched for the missing ones."""
    rows = _stream(conn, select(
        notices.c.number, notices.c.case_id, notices.c.transition_seq, notices.c.html, notices.c.content_hash,
        transitions.c.notice_number.label("t_number"), transitions.c.notice_hash.label("t_hash"),
    ).select_from(notices.outerjoin(transitions, and_(transitions.c.case_id == notices.c.case_id,
                                                     transitions.c.seq == notices.c.transition_seq))))
    for r in rows:
        report.checked["notices"] += 1
        where = f"notice {r.number} (case {r.case_id} seq {r.transition_seq})"
        computed = hashlib.sha256(r.html.encode("utf-8")).hexdigest()
        if computed != r.content_hash:
            report.add(Break(r.case_id, r.transition_seq, "notice_content", f"{where}: its text does not match its "
                             "hash: the notice was altered", r.content_hash, computed))
        if r.t_number is None:
            report.add(Break(r.case_id, r.transition_seq, "notice_orphan", f"{where}: no log row issued it",
                             r.number, None))
        elif r.t_number != r.number:
            report.add(Break(r.case_id, r.transition_seq, "notice_link", f"{where}: that log row issued {r.t_number}",
                             r.number, r.t_number))
        elif r.t_hash != r.content_hash:
            report.add(Break(r.case_id, r.transition_seq, "notice_hash", f"{where}: its hash differs from the one the "
                             "log recorded: the notice was replaced", r.t_hash, r.content_hash))
        else:
            report.linked += 1
    if report.linked != report.issued:
        missing = conn.execute(
            select(transitions.c.case_id, transitions.c.seq, transitions.c.notice_number)
            .select_from(transitions.outerjoin(notices, notices.c.number == transitions.c.notice_number))
            .where(transitions.c.notice_number.is_not(None), notices.c.id.is_(None))
            .order_by(transitions.c.case_id, transitions.c.seq).limit(KEEP))
        for m in missing:
            report.add(Break(m.case_id, m.seq, "notice_missing", f"case {m.case_id} seq {m.seq}: notice "
                             f"{m.notice_number} is missing", m.notice_number, None))


def _numbering_pass(conn: Connection, report: _Report) -> None:
    """Document numbers are gapless per department, series and year (docs/rules.md §8.2): a hole is a deleted notice."""
    issued = {(r.department, r.series, r.year): r.last for r in conn.execute(select(number_sequences))}
    rows = _stream(conn, select(notices.c.department, notices.c.series, notices.c.year, notices.c.seq)
                   .order_by(notices.c.department, notices.c.series, notices.c.year, notices.c.seq))
    seen = set()
    for key, group in groupby(rows, key=lambda r: (r.department, r.series, r.year)):
        seen.add(key)
        expected = 1
        for r in group:
            if r.seq != expected:
                report.add(Break(None, None, "numbering", f"{key[0]}{key[1]}〔{key[2]}〕: number(s) {expected}"
                                 f"{'..' + str(r.seq - 1) if r.seq - 1 > expected else ''} missing: a notice was deleted",
                                 str(expected), str(r.seq)))
            expected = r.seq + 1
        if issued.get(key, 0) != expected - 1:
            report.add(Break(None, None, "numbering", f"{key[0]}{key[1]}〔{key[2]}〕: {issued.get(key, 0)} numbers were "
                             f"issued but the last notice is number {expected - 1}", str(issued.get(key, 0)),
                             str(expected - 1)))
    for key, last in issued.items():
        if key not in seen and last:
            report.add(Break(None, None, "numbering", f"{key[0]}{key[1]}〔{key[2]}〕: {last} numbers were issued but no "
                             "notice of the series remains", str(last), "0"))


def _settings_pass(conn: Connection, report: _Report) -> None:
    """The settings changes (workflows/deployment.py): one chain, seq 1, 2, 3... without gaps, each row's
    `old` the previous row's `new`, the last `new` the deployment in force; and every notice numbered
    with a prefix the recorded history knows (else a prefix change was not recorded, or its record deleted)."""
    prev_hash, last_seq, last_new = "", 0, None
    prefixes = set()
    for r in _stream(conn, select(settings_changes).order_by(settings_changes.c.seq, settings_changes.c.id)):
        report.checked["settings_changes"] += 1
        row = {f: getattr(r, f) for f in SETTINGS_CHANGE_FIELDS}
        where = f"settings change #{r.seq} ({instant(r.changed_at)}, by {r.actor})"
        if r.seq > last_seq + 1:
            report.add(Break(None, last_seq + 1, "settings_missing", f"settings change(s) #{last_seq + 1}..#{r.seq - 1} "
                             f"are missing (the changes go from #{last_seq} to #{r.seq}): a record was deleted",
                             str(last_seq + 1), str(r.seq)))
        elif r.seq <= last_seq:
            report.add(Break(None, r.seq, "settings_order", f"settings change #{r.seq} after #{last_seq}",
                             str(last_seq + 1), str(r.seq)))
        computed = settings_change_hash(row)
        if computed != r.hash:
            report.add(Break(None, r.seq, "settings_hash", f"{where}: its content does not match its hash: it was "
                             "edited", r.hash, computed))
        elif r.seq == last_seq + 1 and r.prev_hash != prev_hash:
            report.add(Break(None, r.seq, "settings_chain", f"{where}: prev_hash does not match the hash of change "
                             f"#{last_seq}: the chain was broken here", prev_hash, r.prev_hash))
        if last_new is not None and r.old != last_new:
            report.add(Break(None, r.seq, "settings_continuity", f"{where}: its old settings are not the new settings "
                             f"of change #{last_seq}: a change in between was not recorded", _json(last_new), _json(r.old)))
        for side in (r.old, r.new):
            if isinstance(side, dict) and side.get("number_prefix"):
                prefixes.add(side["number_prefix"])
        prev_hash, last_seq, last_new = r.hash, r.seq, r.new
    stored = {r.key: r.value for r in conn.execute(select(deployment).where(deployment.c.key.in_(IDENTITY_KEYS)))}
    current = {k: (stored.get(k) or "").strip() or None for k in IDENTITY_KEYS}
    if current["number_prefix"]:
        prefixes.add(current["number_prefix"])
    if last_new is not None and current != last_new:
        report.add(Break(None, last_seq + 1, "settings_current", f"the deployment's settings differ from the new "
                         f"settings of the last recorded change #{last_seq}: change #{last_seq + 1} was made without a "
                         "record, or its record was deleted", _json(last_new), _json(current)))
    # The prefixes numbers were taken under: number_sequences is small, and the numbering pass has checked it
    # against the notices themselves.
    for (prefix,) in conn.execute(select(number_sequences.c.department).distinct().order_by(number_sequences.c.department)):
        if prefix not in prefixes:
            report.add(Break(None, None, "settings_unrecorded", f"notices are numbered with the prefix {prefix}, which no "
                             "recorded setting ever had: a change of the prefix was not recorded (or its records were "
                             "deleted)", ", ".join(sorted(prefixes)) or None, prefix))


def _subject_changes_pass(conn: Connection, report: _Report) -> None:
    """The subject changes (workflows/store/people_repo.py): one chain, seq 1, 2, 3... without gaps; each
    change's `old` what the subject's previous change made it; each changed subject's fields in force what
    its last change recorded (else a change was made without a record, or its record was deleted)."""
    prev_hash, last_seq = "", 0
    latest: dict[int, tuple[int, dict]] = {}  # subject -> (seq, its fields after its changes so far)
    for r in _stream(conn, select(subject_changes).order_by(subject_changes.c.seq, subject_changes.c.id)):
        report.checked["subject_changes"] += 1
        row = {f: getattr(r, f) for f in SUBJECT_CHANGE_FIELDS}
        where = f"subject change #{r.seq} ({instant(r.changed_at)}, by {r.actor}, subject {r.subject_id})"
        if r.seq > last_seq + 1:
            report.add(Break(None, last_seq + 1, "subject_change_missing", f"subject change(s) #{last_seq + 1}.."
                             f"#{r.seq - 1} are missing (the changes go from #{last_seq} to #{r.seq}): a record was "
                             "deleted", str(last_seq + 1), str(r.seq)))
        elif r.seq <= last_seq:
            report.add(Break(None, r.seq, "subject_change_order", f"subject change #{r.seq} after #{last_seq}",
                             str(last_seq + 1), str(r.seq)))
        computed = subject_change_hash(row)
        if computed != r.hash:
            report.add(Break(None, r.seq, "subject_change_hash", f"{where}: its content does not match its hash: "
                             "it was edited", r.hash, computed))
        elif r.seq == last_seq + 1 and r.prev_hash != prev_hash:
            report.add(Break(None, r.seq, "subject_change_chain", f"{where}: prev_hash does not match the hash of "
                             f"change #{last_seq}: the chain was broken here", prev_hash, r.prev_hash))
        before = latest.get(r.subject_id)
        if before is not None and isinstance(r.old, dict):
            known = {k: before[1][k] for k in r.old if k in before[1]}
            if known != {k: r.old[k] for k in known}:
                report.add(Break(None, r.seq, "subject_change_continuity", f"{where}: its old values are not what "
                                 f"change #{before[0]} of the same subject made them: a change in between was not "
                                 "recorded", _json(known), _json({k: r.old[k] for k in known})))
        fields = dict(before[1]) if before is not None else {}
        if isinstance(r.new, dict):
            fields.update(r.new)
        latest[r.subject_id] = (r.seq, fields)
        prev_hash, last_seq = r.hash, r.seq
    ids = sorted(latest)
    for i in range(0, len(ids), 500):
        for s in conn.execute(select(subjects).where(subjects.c.id.in_(ids[i:i + 500])).order_by(subjects.c.id)):
            seq, fields = latest[s.id]
            current = {k: getattr(s, k) for k in fields if k in s._fields}
            if current != {k: fields[k] for k in current}:
                report.add(Break(None, seq, "subject_change_current", f"subject {s.id}: its data differ from what its "
                                 f"last recorded change #{seq} made them: a change was made without a record, or its "
                                 "record was deleted", _json({k: fields[k] for k in current}), _json(current)))


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- export -------------------------------------------------------------------------------------------------

def _export_value(column: str, value, fmt: str):
    if isinstance(value, datetime):
        return instant(value)
    if fmt == "csv":
        if value is None:
            return ""
        if column in JSON_COLUMNS:
            return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if isinstance(value, bool):
            return "true" if value else "false"
    return value


def export_log(db: DbEngine, path: str | Path, fmt: str = "jsonl", since: date | None = None,
               case_id: int | None = None) -> dict:
    """Every field of every log row (or of one case, or recorded since a day), in EXPORT_COLUMNS order."""
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"没有导出格式 {fmt!r}；可选：{'、'.join(EXPORT_FORMATS)}", code="bad_format", allowed=list(EXPORT_FORMATS))
    path = Path(path)
    q = select(*[transitions.c[c] for c in EXPORT_COLUMNS]).order_by(transitions.c.case_id, transitions.c.seq)
    if case_id is not None:
        q = q.where(transitions.c.case_id == case_id)
    if since is not None:
        q = q.where(transitions.c.recorded_at >= datetime.combine(since, dtime(0), tzinfo=SHANGHAI))
    n, case_ids, last_case = 0, 0, None
    with reading(db) as conn:
        if case_id is not None and conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None \
                and conn.execute(select(transitions.c.id).where(transitions.c.case_id == case_id).limit(1)).first() is None:
            raise no_such_case(case_id)
        with _output(path, newline="" if fmt == "csv" else None) as fh:
            writer = None
            if fmt == "csv":
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(EXPORT_COLUMNS)
            for r in _stream(conn, q):
                values = [_export_value(c, v, fmt) for c, v in zip(EXPORT_COLUMNS, r)]
                if writer is not None:
                    writer.writerow(values)
                else:
                    fh.write(_line(dict(zip(EXPORT_COLUMNS, values))))
                n += 1
                if r.case_id != last_case:
                    case_ids, last_case = case_ids + 1, r.case_id
    return {"file": str(path), "format": fmt, "rows": n, "cases": case_ids, "columns": list(EXPORT_COLUMNS),
            "since": since.isoformat() if since else None, "case_id": case_id, "sha256": _file_sha256(path)}


def _line(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


@contextmanager
def _output(path: Path, newline: str | None = None):
    """The export file, written all or nothing (workflows/files.py); OSError propagates (exit 1)."""
    from .files import atomic_output

    with atomic_output(path, "w", newline=newline) as fh:
        yield fh


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
