"""The credit archive's repository: entries and their status rows (both append-only, migration 0006).

It never commits. An entry's current status is derived from its status rows and the day
(`states.archive.in_use`); nothing here updates or deletes a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from states.archive import current_statuses, in_use

from . import hot
from .tables import archive_entries, archive_status, cases


@dataclass(frozen=True)
class Entry:
    id: int
    subject_id: int
    case_id: int
    kind: str
    category: str
    facts: str
    collected_by: str
    determined_on: date
    disclosure_until: date | None
    rule: str
    statuses: frozenset[str]
    superseded_by: int | None
    in_use: bool

    def to_dict(self) -> dict:
        return {"id": self.id, "case_id": self.case_id, "kind": self.kind, "category": self.category,
                "facts": self.facts, "collected_by": self.collected_by,
                "determined_on": self.determined_on.isoformat(),
                "disclosed_until": self.disclosure_until.isoformat() if self.disclosure_until else None,
                "rule": self.rule, "statuses": sorted(self.statuses), "in_use": self.in_use,
                "superseded_by": self.superseded_by}


def add_entry(conn: Connection, *, subject_id: int, case_id: int, collected_by: str, entry: dict,
              created_at: datetime) -> int:
    until = entry.get("disclosed_until")
    return conn.execute(insert(archive_entries).values(
        subject_id=subject_id, case_id=case_id, collected_by=collected_by,
        determined_on=date.fromisoformat(entry["determined_on"]), kind=entry["kind"], category=entry["category"],
        facts=entry["facts"], disclosure_until=date.fromisoformat(until) if until else None, rule=entry["rule"],
        created_at=created_at).returning(archive_entries.c.id)).scalar_one()


def add_status(conn: Connection, *, entry_id: int, status: str, by_entry_id: int | None, case_id: int,
               effective_on: date, reason: str, created_at: datetime) -> None:
    # The entry row stands for its status: a transition that weighed the entry (`entry(lock="share")`) commits
    # before its status changes, or sees the change (PostgreSQL; SQLite has one writer at a time).
    conn.execute(_LOCK_ENTRY, {"id": entry_id})
    conn.execute(insert(archive_status).values(entry_id=entry_id, status=status, by_entry_id=by_entry_id,
                                               case_id=case_id, effective_on=effective_on, reason=reason,
                                               created_at=created_at))


# A subject's entries with their status rows in one statement (compiled once: every transition that writes or
# weighs the archive reads it): each entry once per status row, in entry then status order; an entry without
# status rows once, its status columns NULL.
_ENTRIES_OF = hot.HotStatement(
    select(archive_entries, archive_status.c.status.label("status_"),
           archive_status.c.by_entry_id.label("status_by_entry_id"))
    .select_from(archive_entries.outerjoin(archive_status, archive_status.c.entry_id == archive_entries.c.id))
    .where(archive_entries.c.subject_id == bindparam("subject_id"))
    .order_by(archive_entries.c.id, archive_status.c.id))


def entries_of(conn: Connection, subject_id: int, today: date) -> list[Entry]:
    """Every entry of a subject, oldest first, with its derived status as of `today`."""
    rows: dict[int, object] = {}
    written: dict[int, list[str]] = {}
    superseded_by: dict[int, int] = {}
    (call,) = hot.run(conn, [hot.Call(_ENTRIES_OF, {"subject_id": subject_id})])
    for r in call.rows:
        rows.setdefault(r.id, r)
        if r.status_ is None:
            continue
        written.setdefault(r.id, []).append(r.status_)
        if r.status_ == "superseded" and r.status_by_entry_id is not None:
            superseded_by.setdefault(r.id, r.status_by_entry_id)
    out = []
    for r in rows.values():
        s = frozenset(current_statuses(written.get(r.id, ())))
        out.append(Entry(r.id, r.subject_id, r.case_id, r.kind, r.category, r.facts, r.collected_by, r.determined_on,
                         r.disclosure_until, r.rule, s, superseded_by.get(r.id), in_use(r.disclosure_until, set(s), today)))
    return out


_ENTRY_SUBJECT = select(archive_entries.c.subject_id).where(archive_entries.c.id == bindparam("id"))
_ENTRY_SUBJECT_SHARED = _ENTRY_SUBJECT.with_for_update(read=True)
_LOCK_ENTRY = select(archive_entries.c.id).where(archive_entries.c.id == bindparam("id")).with_for_update(key_share=True)


def entry(conn: Connection, entry_id: int, today: date, lock: str | None = None) -> Entry | None:
    """One entry with its derived status as of `today`; None when there is none. `lock="share"`: what a guard
    weighs, held to the commit (a status change waits for it, `add_status`)."""
    row = conn.execute(_ENTRY_SUBJECT_SHARED if lock == "share" else _ENTRY_SUBJECT, {"id": entry_id}).first()
    if row is None:
        return None
    return next(e for e in entries_of(conn, row.subject_id, today) if e.id == entry_id)


def in_use_entries(conn: Connection, subject_id: int, today: date) -> list[Entry]:
    """What every reader (lists, eligibility, notices, evaluations) may use (Art. 31)."""
    return [e for e in entries_of(conn, subject_id, today) if e.in_use]


def select_entries(conn: Connection, *, subject_id: int, case_id: int, selector: dict, collected_by: str,
                   today: date, exclude: set[int], target_id: int | None = None) -> list[Entry]:
    """The entries a declared archive effect refers to, among those still live (not superseded or withdrawn):
    `{"scope": "case"}` this case's own earlier entries, with the entries that corrected them (an
    objection's correction supersedes the entry and is written by the objection: the record still owns it);
    `{"scope": "subject", "kind", "category",
    "case_kind", "year_before"}` the subject's entries of that kind and category, collected by this
    department, written by cases of `case_kind` for an earlier year; `{"scope": "target"}` the entry
    this case is about (an objection to an entry); `{"scope": "entry", "id": N}` one named entry."""
    live = [e for e in entries_of(conn, subject_id, today)
            if e.id not in exclude and not e.statuses & {"superseded", "withdrawn"}]
    if selector["scope"] == "case":
        others = [e for e in live if e.case_id != case_id]
        owners = correction_owners(conn, {e.id: e.case_id for e in others}) if others else {}
        return [e for e in live if e.case_id == case_id or owners.get(e.id) == case_id]
    if selector["scope"] in ("target", "entry"):
        wanted = target_id if selector["scope"] == "target" else selector["id"]
        return [e for e in live if e.id == wanted]
    if selector["scope"] != "subject":
        raise ValueError(f"unknown archive selector scope {selector['scope']!r}")
    found = [e for e in live if e.kind == selector["kind"] and e.category == selector["category"]
             and e.collected_by == collected_by and e.case_id != case_id]
    if "year_before" in selector and found:
        years = _years(conn, found, selector["case_kind"])
        found = [e for e in found if isinstance(years.get(e.id), int) and years[e.id] < selector["year_before"]]
    return found


def correction_owners(conn: Connection, writers: dict[int, int]) -> dict[int, int]:
    """Of `writers` (entry id -> the case that wrote it), the entries that corrected another entry (written by a
    case opened on that entry, an objection to it, superseding it) -> the case that owns their information:
    the writer of the entry first corrected, down a chain of corrections. Entries that corrected nothing are
    left out."""
    link = _corrected_entries(conn, writers)  # entry -> (the entry it corrected, its writer)
    owners: dict[int, int] = {}
    for _ in range(16):  # a correction of a correction …: a short chain
        if not link:
            break
        deeper = _corrected_entries(conn, {old: writer for old, writer in link.values()})
        for entry_id, (old, writer) in list(link.items()):
            if old in deeper:
                link[entry_id] = deeper[old]
            else:
                owners[entry_id] = writer
                del link[entry_id]
    return owners


def _corrected_entries(conn: Connection, writers: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Of `writers` (entry id -> the case that wrote it), those written by a case opened on an entry that they
    supersede: entry id -> (that entry, the case that wrote it)."""
    if not writers:
        return {}
    on_entry = {r.id: r.entry_id for r in conn.execute(
        select(cases.c.id, cases.c.entry_id).where(cases.c.id.in_(set(writers.values())), cases.c.entry_id.is_not(None)))}
    wanted = {entry_id: on_entry[case_id] for entry_id, case_id in writers.items() if case_id in on_entry}
    if not wanted:
        return {}
    rows = conn.execute(
        select(archive_status.c.by_entry_id, archive_status.c.entry_id, archive_entries.c.case_id)
        .join(archive_entries, archive_entries.c.id == archive_status.c.entry_id)
        .where(archive_status.c.status == "superseded", archive_status.c.by_entry_id.in_(set(wanted))))
    return {r.by_entry_id: (r.entry_id, r.case_id) for r in rows if wanted.get(r.by_entry_id) == r.entry_id}


def entry_owner(conn: Connection, entry_id: int) -> int | None:
    """The case that owns an entry's information: its writer, or for a correction the owner of what it corrected."""
    row = conn.execute(select(archive_entries.c.id, archive_entries.c.case_id)
                       .where(archive_entries.c.id == entry_id)).first()
    if row is None:
        return None
    return correction_owners(conn, {row.id: row.case_id}).get(row.id, row.case_id)


def _years(conn: Connection, entries: list[Entry], case_kind: str) -> dict[int, int | None]:
    """Each entry's year: that of the `case_kind` case that wrote it, or, for an entry that corrected
    another (an objection's correction supersedes it), the year of the entry it corrected."""
    origin = {e.id: e.id for e in entries}  # entry -> the entry whose writer's year it takes
    writer = {e.id: e.case_id for e in entries}
    years: dict[int, int | None] = {}
    for _ in range(16):  # a correction of a correction …: a short chain
        case_years = {r.id: (r.data or {}).get("year") for r in conn.execute(
            select(cases.c.id, cases.c.data).where(cases.c.id.in_(set(writer.values())), cases.c.kind == case_kind))}
        pending = {}
        for entry_id, case_id in writer.items():
            if case_id in case_years:
                years[entry_id] = case_years[case_id]
            else:
                pending[entry_id] = origin[entry_id]
        if not pending:
            break
        corrected = {r.by_entry_id: (r.entry_id, r.case_id) for r in conn.execute(
            select(archive_status.c.by_entry_id, archive_status.c.entry_id, archive_entries.c.case_id)
            .join(archive_entries, archive_entries.c.id == archive_status.c.entry_id)
            .where(archive_status.c.status == "superseded", archive_status.c.by_entry_id.in_(set(pending.values()))))}
        writer, origin = {}, {}
        for entry_id, via in pending.items():
            if via in corrected:
                origin[entry_id], writer[entry_id] = corrected[via]
        if not writer:
            break
    return years
