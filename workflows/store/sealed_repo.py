"""Sealed inputs (`states.spec.Input(sealed=True)`): written once with the transition that took them, read
only by an effect of the same case (`ctx.sealed`) and by the case's declared reading transition. Never
commits; nothing here updates or deletes a row (the table is append-only, migration 0009).

What is hashed: HMAC-SHA256, keyed with 32 random bytes drawn for each value, over the UTF-8 bytes of
``"<input name>\\x1f<value>"``. The key is stored with the value, never in the log: the log's reference
``{"sealed": id, "sha256": digest}`` binds the value to the hash chain without letting anyone who reads
only the log test guesses against it (a plain SHA-256 of a short name falls to a list of names).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, insert, select
from sqlalchemy.engine import Connection

from .tables import sealed_inputs


@dataclass(frozen=True)
class Sealed:
    """A sealed value before it is stored: the value, its key and its digest (what the log shows)."""

    name: str
    value: str
    key: str  # hex
    digest: str

    @classmethod
    def of(cls, name: str, value: str) -> "Sealed":
        key = secrets.token_bytes(32)
        return cls(name, value, key.hex(), digest(key, name, value))

    def reference(self, row_id: int | None) -> dict:
        """How the input appears everywhere but the sealed table (the row id once it is written)."""
        return {"sealed": row_id, "sha256": self.digest}


def digest(key: bytes, name: str, value: str) -> str:
    return hmac.new(key, f"{name}\x1f{value}".encode("utf-8"), hashlib.sha256).hexdigest()


def intact(row) -> bool:
    """The stored value still gives the digest the log recorded for it."""
    return hmac.compare_digest(digest(bytes.fromhex(row.key), row.name, row.value), row.digest)


def add(conn: Connection, *, case_id: int, seq: int, sealed: Sealed, recorded_at: datetime,
        recorded_by: str) -> int:
    return conn.execute(insert(sealed_inputs).values(
        case_id=case_id, transition_seq=seq, name=sealed.name, value=sealed.value, key=sealed.key,
        digest=sealed.digest, recorded_at=recorded_at, recorded_by=recorded_by)
        .returning(sealed_inputs.c.id)).scalar_one()


def latest(conn: Connection, case_id: int, name: str):
    """The case's latest sealed value of `name` (a later transition may record it again), or None."""
    return conn.execute(select(sealed_inputs).where(and_(sealed_inputs.c.case_id == case_id,
                                                         sealed_inputs.c.name == name))
                        .order_by(sealed_inputs.c.id.desc()).limit(1)).first()


def of_case(conn: Connection, case_id: int):
    """Every sealed value of a case, in the order recorded."""
    return conn.execute(select(sealed_inputs).where(sealed_inputs.c.case_id == case_id)
                        .order_by(sealed_inputs.c.id)).all()
