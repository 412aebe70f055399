"""The web's accounts: passwords, API tokens, sessions, rate-limit rows, the session signing key (all SQL; never
commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from .tables import api_tokens, deployment, rate_limit_hits, user_passwords, users, web_sessions

SESSION_KEY = "web_session_key"  # the row of `deployment` holding the cookies' signing key


def session_key(conn: Connection) -> str | None:
    return conn.execute(select(deployment.c.value).where(deployment.c.key == SESSION_KEY)).scalar_one_or_none()


def set_session_key(conn: Connection, key: str) -> None:
    conn.execute(insert(deployment).values(key=SESSION_KEY, value=key))


def password_of(conn: Connection, name: str):
    """(user row fields, password_hash or None) of the user `name`, or None for no such user."""
    return conn.execute(
        select(users.c.id, users.c.name, users.c.roles, user_passwords.c.password_hash)
        .select_from(users.outerjoin(user_passwords, user_passwords.c.user_id == users.c.id))
        .where(users.c.name == name)).first()


def set_password(conn: Connection, user_id: int, password_hash: str, now: datetime) -> None:
    done = conn.execute(update(user_passwords).where(user_passwords.c.user_id == user_id)
                        .values(password_hash=password_hash, changed_at=now)).rowcount
    if not done:
        conn.execute(insert(user_passwords).values(user_id=user_id, password_hash=password_hash, changed_at=now))


def add_token(conn: Connection, user_id: int, token_hash: str, now: datetime) -> int:
    return conn.execute(insert(api_tokens).values(user_id=user_id, token_hash=token_hash, created_at=now)
                        .returning(api_tokens.c.id)).scalar_one()


def tokens_of(conn: Connection, user_id: int):
    return conn.execute(select(api_tokens.c.id, api_tokens.c.created_at, api_tokens.c.revoked_at)
                        .where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)).all()


def revoke_token(conn: Connection, user_id: int, token_id: int, now: datetime) -> int:
    """Revokes the user's token `token_id` if it is live; returns how many rows changed (0 or 1)."""
    return conn.execute(update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.user_id == user_id,
                                                 api_tokens.c.revoked_at.is_(None))
                        .values(revoked_at=now)).rowcount


def token_user(conn: Connection, token_hash: str):
    """The user a live token belongs to (name, roles), or None."""
    return conn.execute(
        select(users.c.name, users.c.roles)
        .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
        .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))).first()


def count_hits(conn: Connection, bucket: str, key: str, since: datetime) -> int:
    return conn.execute(select(func.count()).select_from(rate_limit_hits).where(
        rate_limit_hits.c.bucket == bucket, rate_limit_hits.c.key == key, rate_limit_hits.c.at > since)).scalar_one()


def add_hit(conn: Connection, bucket: str, key: str, now: datetime) -> None:
    conn.execute(insert(rate_limit_hits).values(bucket=bucket, key=key, at=now))


def prune_hits(conn: Connection, bucket: str, before: datetime) -> None:
    """Forgets the bucket's attempts that no longer count, of every key (the table stays as small as the window:
    names sprayed once by a guesser do not pile up)."""
    conn.execute(delete(rate_limit_hits).where(rate_limit_hits.c.bucket == bucket, rate_limit_hits.c.at <= before))


def add_session(conn: Connection, session_hash: str, user_id: int, now: datetime) -> None:
    conn.execute(insert(web_sessions).values(id=session_hash, user_id=user_id, created_at=now))


def session_user(conn: Connection, session_hash: str, since: datetime):
    """The user (name, roles) of a live session opened after `since`, or None."""
    return conn.execute(
        select(users.c.name, users.c.roles)
        .select_from(web_sessions.join(users, users.c.id == web_sessions.c.user_id))
        .where(web_sessions.c.id == session_hash, web_sessions.c.ended_at.is_(None),
               web_sessions.c.created_at > since)).first()


def end_session(conn: Connection, session_hash: str, now: datetime) -> None:
    conn.execute(update(web_sessions).where(web_sessions.c.id == session_hash, web_sessions.c.ended_at.is_(None))
                 .values(ended_at=now))


def end_sessions_of(conn: Connection, user_id: int, now: datetime) -> None:
    conn.execute(update(web_sessions).where(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))
                 .values(ended_at=now))


def prune_sessions(conn: Connection, user_id: int, before: datetime) -> None:
    """Forgets the user's sessions opened before `before` (expired, whether ended or not)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id, web_sessions.c.created_at <= before))
