"""The content of material attached to cases, keyed by its SHA-256 (append-only). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .tables import attachment_blobs, transitions


def store(conn: Connection, sha256: str, size: int, media_type: str, content: bytes, now: datetime) -> bool:
    """Keep the content once: a content already stored (the same hash) is left as it is. True if it was new."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(attachment_blobs).values(sha256=sha256, size=size, media_type=media_type,
                                                   content=content, stored_at=now)
    return conn.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"])).rowcount == 1


def blob(conn: Connection, sha256: str):
    return conn.execute(select(attachment_blobs).where(attachment_blobs.c.sha256 == sha256)).first()


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(attachment_blobs)).scalar_one()


def log_rows(conn: Connection, case_id: int, trigger: str):
    """The case's log rows of `trigger`, in order (the log is where attachments are recorded)."""
    return conn.execute(select(transitions).where(transitions.c.case_id == case_id, transitions.c.trigger == trigger)
                        .order_by(transitions.c.seq)).all()
