"""What a transition writes besides its case, timers, notice and log row: archive entries and their
status rows (append-only), and the service (送达) of a notice it records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, insert, select

from calendars import SHANGHAI

from .. import clock
from ..errors import BadInput
from ..store import archive as archive_repo
from ..store import repo
from ..store.tables import notice_services, notices, transitions


def write_archive(conn, effective_on: date, subject_id: int, target_id: int | None, case_id: int, collected_by: str,
                  entries: list[dict], changes: list[dict], now: datetime) -> None:
    """Append the transition's archive entries, and the status rows of the entries they supersede or
    the effects mark (append-only: a correction is a new entry, never an edit). `target_id`: the entry
    the case is about, for the `{"scope": "target"}` selector. An entry (and a status change's selection) is on
    `subject_id` (the case's subject) unless it names another registered subject as its "subject_id"."""
    new_ids: set[int] = set()

    def chosen(selector, on=subject_id):
        return archive_repo.select_entries(conn, subject_id=on, case_id=case_id, selector=selector,
                                           collected_by=collected_by, today=effective_on, exclude=new_ids,
                                           target_id=target_id)

    for change in changes:
        for old in chosen(change, _subject(conn, change, subject_id)):
            archive_repo.add_status(conn, entry_id=old.id, status=change["status"], by_entry_id=None,
                                    case_id=case_id, effective_on=effective_on, reason=change["reason"],
                                    created_at=now)
    for entry in entries:
        # An entry may be on another registered subject ("subject_id": e.g. the good information of a reporter
        # whose report the case confirmed, Henan measure Art. 10).
        on = _subject(conn, entry, subject_id)
        entry_id = archive_repo.add_entry(conn, subject_id=on, case_id=case_id, collected_by=collected_by,
                                          entry=entry, created_at=now)
        new_ids.add(entry_id)
        for selector in entry.get("supersedes", ()):
            for old in chosen(selector, on):  # what it supersedes is on the same subject as the entry
                archive_repo.add_status(conn, entry_id=old.id, status="superseded", by_entry_id=entry_id,
                                        case_id=case_id, effective_on=effective_on, reason=selector["reason"],
                                        created_at=now)


def _subject(conn, item: dict, default: int) -> int:
    """The subject an archive entry or status change is on: its "subject_id" (a registered subject), else the case's."""
    on = item.get("subject_id", default)
    if on != default and (not isinstance(on, int) or isinstance(on, bool) or repo.subject_row(conn, on) is None):
        raise BadInput(f"信用档案记录所属的信用主体 {on!r} 未登记；请先用 creditflow subject add 登记该主体",
                       code="unknown_subject")
    return on


def service_event(conn, row, inputs: dict) -> dict:
    """The service (送达) a `notice_served` transition records: of a notice of this case addressed to
    someone, on a day between its issue and today. The facts go to the declaration as `ctx.event`."""
    number = inputs.get("notice")
    notice = conn.execute(select(notices).where(notices.c.number == number)).first() if number else None
    if row is None or notice is None or notice.case_id != row.id:
        raise BadInput(f"案件没有文号为 {number!r} 的文书；请核对文号", code="unknown_notice")
    if notice.audience == "internal":
        raise BadInput(f"文书 {notice.number} 是案卷内部记录，不需要送达", code="not_served")
    served_on: date = inputs["served_on"]
    issued_on = notice.issued_at.astimezone(SHANGHAI).date()
    if served_on < issued_on:
        raise BadInput(f"送达日期 {served_on.isoformat()} 早于文书印发日期 {issued_on.isoformat()}；请核对送达回证上的日期",
                       code="bad_date", article="creditflow policy: 送达日期不早于文书印发日期")
    if served_on > clock.today():
        raise BadInput(f"送达日期 {served_on.isoformat()} 晚于今天（{clock.today().isoformat()}）；送达完成后再登记",
                       code="bad_date")
    issuing = conn.execute(select(transitions.c.trigger).where(and_(
        transitions.c.case_id == row.id, transitions.c.seq == notice.transition_seq))).scalar_one()
    first = conn.execute(select(notice_services.c.id).where(notice_services.c.number == notice.number)).first() is None
    return {"notice": notice.number, "method": inputs["method"], "served_on": served_on,
            "addressee": notice.addressee, "issued_by": issuing, "title": notice.title, "first": first}


def write_service(conn, event: dict, actor: str) -> None:
    conn.execute(insert(notice_services).values(
        number=event["notice"], method=event["method"], served_on=event["served_on"], addressee=event["addressee"],
        actor=actor, recorded_at=clock.real_now(), clock_overridden=clock.overridden()))
