"""Stored notices after issue: the notice rows, their stored PDFs and their service records. Never commits.

All three tables are append-only (migrations 0002 and 0003): nothing here updates or deletes a row.
"""

from __future__ import annotations

from sqlalchemy import Integer, insert, select, text
from sqlalchemy.engine import Connection

from . import hot
from .tables import notice_pdfs, notice_services, notices

_PDF_INFO = (notice_pdfs.c.sha256, notice_pdfs.c.size, notice_pdfs.c.rendered_at, notice_pdfs.c.html_hash,
             notice_pdfs.c.renderer)


def by_number(conn: Connection, number: str):
    return conn.execute(select(notices).where(notices.c.number == number)).first()


def of_case(conn: Connection, case_id: int):
    return conn.execute(select(notices).where(notices.c.case_id == case_id).order_by(notices.c.id)).all()


def pdf(conn: Connection, number: str):
    """The stored PDF row (with its bytes), or None before the first export."""
    return conn.execute(select(notice_pdfs).where(notice_pdfs.c.number == number)).first()


def pdf_info(conn: Connection, number: str):
    """The stored PDF's hash, size and renderer, without its bytes; None before the first export."""
    return conn.execute(select(*_PDF_INFO).where(notice_pdfs.c.number == number)).first()


def add_pdf(conn: Connection, **values) -> None:
    """Store a notice's PDF; IntegrityError when another export stored it first."""
    conn.execute(insert(notice_pdfs).values(**values))


def services_of(conn: Connection, number: str):
    """The notice's recorded services, the first service first."""
    return conn.execute(select(notice_services).where(notice_services.c.number == number)
                        .order_by(notice_services.c.served_on, notice_services.c.id)).all()


def last_service(conn: Connection, number: str):
    """The service recorded last (by id) for the notice, or None."""
    return conn.execute(select(notice_services).where(notice_services.c.number == number)
                        .order_by(notice_services.c.id.desc()).limit(1)).first()


# A batch's numbers in one statement per series: the counter moves by the number of notices at once.
_TAKE_NUMBERS = hot.HotStatement(text(
    "INSERT INTO number_sequences (department, series, year, last) VALUES (:dept, :series, :year, :count) "
    "ON CONFLICT (department, series, year) DO UPDATE SET last = number_sequences.last + :count RETURNING last"
).columns(last=Integer))


def take_numbers(conn: Connection, department: str, series: str, year: int, count: int) -> range:
    """The next `count` sequence numbers of (department, series, year), in one counter update: gapless
    because the increment rolls back with the transaction, race-free because the upsert locks the row
    until commit. Formatted as `workflows.store.repo.next_notice_number` formats one."""
    if count < 1:
        raise ValueError("take at least one number")
    (call,) = hot.run(conn, [hot.Call(_TAKE_NUMBERS, {"dept": department, "series": series, "year": year,
                                                       "count": count})])
    (last,) = call.rows[0]
    return range(last - count + 1, last + 1)


def number_text(department: str, series: str, year: int, n: int) -> str:
    """A document number as it is written (郑医保信评〔2026〕12号), whichever path took it: one format."""
    return f"{department}{series}〔{year}〕{n}号"
