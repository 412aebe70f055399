"""The accounts area: passwords (argon2), browser sessions, the API's bearer tokens, the web's rate limits, the
session signing key.

Each public method owns one transaction. `system` (the sweep's actor) never has a password or a token, so it
cannot log in; nor can `public`, the account the public board acts as. A token is shown once, when issued; only its SHA-256 is kept (it is random and long, so a
fast hash suffices and lets a request find its row by index), and it is revocable. A session is the same:
the cookie carries a random secret, the row its SHA-256; logout or a new password ends it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .. import clock
from ..errors import BadInput, MAX_ID, Unavailable
from ..store import accounts_repo
from states.spec import PUBLIC_ACTOR

from ..store.people_repo import SYSTEM_USER
from ..store.uow import UnitOfWork

PASSWORD_MIN, PASSWORD_MAX = 8, 256
# The accounts that are no person: the sweep's and the public board's. Neither logs in or holds a token.
NOT_PERSONS = frozenset({SYSTEM_USER, PUBLIC_ACTOR})
TOKEN_PREFIX = "cft_"
PASSWORD_RULE = "creditflow policy: 登录口令至少 8 个字符，以 argon2 散列保存"

_hasher = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile)
_dummy: dict[str, str] = {}


def _dummy_hash() -> str:
    """Verified when the user is unknown or has no password, so a wrong name takes as long as a wrong
    password (made on first use, with the hasher's parameters: an import costs nothing)."""
    key = repr(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash(secrets.token_hex(16))
    return _dummy[key]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_key() -> str:
    return secrets.token_urlsafe(48)


def ensure_session_key(conn) -> None:
    """Generates the session signing key once (called by `init`, inside its transaction)."""
    if accounts_repo.session_key(conn) is None:
        accounts_repo.set_session_key(conn, new_session_key())


class AccountService:
    def __init__(self, uow: Callable[[], UnitOfWork]):
        self.uow = uow

    # -- passwords and sessions -----------------------------------------------------------------------

    def set_password(self, name: str, password: str) -> dict:
        if not isinstance(password, str) or not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX):
            raise BadInput(f"口令须为 {PASSWORD_MIN} 至 {PASSWORD_MAX} 个字符，未作任何更改；请换一个更长的口令",
                           code="bad_password", article=PASSWORD_RULE)
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
            raise BadInput("口令不能含换行符等控制字符，未作任何更改；请重新输入", code="bad_password",
                           article=PASSWORD_RULE)
        with self.uow() as uow:
            row = self._person(uow.conn, name)
            now = clock.real_now()
            accounts_repo.set_password(uow.conn, row.id, _hasher.hash(password), now)
            accounts_repo.end_sessions_of(uow.conn, row.id, now)  # a new password logs every browser out
            uow.commit()
        return {"name": row.name, "password_set": True}

    def authenticate(self, name: str, password: str) -> dict | None:
        """The user (name, roles) if `password` is theirs; None otherwise (also for `system`, an unknown user
        and a user without a password: the caller says the same thing for all)."""
        name = (name or "").strip()
        with self.uow() as uow:
            row = accounts_repo.password_of(uow.conn, name) if _plausible(name) else None
        stored = row.password_hash if row is not None and row.name not in NOT_PERSONS else None
        try:
            ok = _hasher.verify(stored or _dummy_hash(), password or "") and stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            return None
        return {"name": row.name, "roles": _roles(row.roles)}

    def open_session(self, name: str, *, max_age_seconds: int) -> str:
        """A new session for the user (after `authenticate`): its secret, for the cookie; the row keeps its hash.
        The user's sessions older than `max_age_seconds` are forgotten on the way."""
        secret = secrets.token_urlsafe(32)
        now = clock.real_now()
        with self.uow() as uow:
            row = self._person(uow.conn, name)
            accounts_repo.prune_sessions(uow.conn, row.id, now - timedelta(seconds=max_age_seconds))
            accounts_repo.add_session(uow.conn, token_hash(secret), row.id, now)
            uow.commit()
        return secret

    def session_user(self, secret: str, *, max_age_seconds: int) -> dict | None:
        """The user of a live session (not ended, opened within `max_age_seconds`), or None."""
        if not secret or len(secret) > 200:
            return None
        since = clock.real_now() - timedelta(seconds=max_age_seconds)
        with self.uow() as uow:
            row = accounts_repo.session_user(uow.conn, token_hash(secret), since)
        if row is None or row.name in NOT_PERSONS:
            return None
        return {"name": row.name, "roles": _roles(row.roles)}

    def end_session(self, secret: str) -> None:
        """Logout: the session ends for every web process."""
        if not secret or len(secret) > 200:
            return
        with self.uow() as uow:
            accounts_repo.end_session(uow.conn, token_hash(secret), clock.real_now())
            uow.commit()

    def session_key(self) -> str:
        with self.uow() as uow:
            key = accounts_repo.session_key(uow.conn)
        if key is None:
            raise Unavailable("本库尚无网页会话签名密钥：请先运行 creditflow init（升级数据库并生成密钥），再启动网页服务",
                              code="no_session_key")
        return key

    # -- API tokens ------------------------------------------------------------------------------------

    def issue_token(self, name: str) -> dict:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.uow() as uow:
            row = self._person(uow.conn, name)
            token_id = accounts_repo.add_token(uow.conn, row.id, token_hash(token), clock.real_now())
            uow.commit()
        return {"name": row.name, "id": token_id, "token": token}

    def revoke_token(self, name: str, token_id: int) -> dict:
        if not 1 <= token_id <= MAX_ID:
            raise BadInput(f"令牌编号须为 1 至 {MAX_ID} 的整数", code="bad_number")
        with self.uow() as uow:
            row = self._person(uow.conn, name)
            if not accounts_repo.revoke_token(uow.conn, row.id, token_id, clock.real_now()):
                raise BadInput(f"用户 {row.name} 没有编号为 {token_id} 的有效令牌（不存在或已吊销）；"
                               f"请用 creditflow user token {row.name} --list 查看", code="unknown_token")
            uow.commit()
        return {"name": row.name, "id": token_id, "revoked": True}

    def list_tokens(self, name: str) -> dict:
        with self.uow() as uow:
            row = self._person(uow.conn, name)
            tokens = accounts_repo.tokens_of(uow.conn, row.id)
        return {"name": row.name, "tokens": [{"id": t.id, "created_at": clock.local(t.created_at),
                                              "revoked_at": clock.local(t.revoked_at)} for t in tokens]}

    def token_user(self, token: str) -> dict | None:
        if not token or len(token) > 200:
            return None
        with self.uow() as uow:
            row = accounts_repo.token_user(uow.conn, token_hash(token))
        if row is None or row.name in NOT_PERSONS:
            return None
        return {"name": row.name, "roles": _roles(row.roles)}

    # -- rate limits -----------------------------------------------------------------------------------

    def hit(self, bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
        """One attempt under (bucket, key): True and recorded if fewer than `limit` were recorded in the last
        `window_seconds`; False (not recorded, so a refused caller does not prolong the wait) otherwise.
        Real time, not the clock override: a limit is no legal fact."""
        now = clock.real_now()
        since = now - timedelta(seconds=window_seconds)
        # any text a caller typed, as a key the store can hold (PostgreSQL refuses NUL): control characters spelt out
        key = "".join(ch if ord(ch) >= 32 else f"\\x{ord(ch):02x}" for ch in key)[:200]
        with self.uow() as uow:
            accounts_repo.prune_hits(uow.conn, bucket, since)
            if accounts_repo.count_hits(uow.conn, bucket, key, since) >= limit:
                uow.commit()
                return False
            accounts_repo.add_hit(uow.conn, bucket, key, now)
            uow.commit()
        return True

    # -- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _person(conn, name: str):
        name = (name or "").strip()
        if name.casefold() == SYSTEM_USER:
            raise BadInput("“system”是系统定时任务的执行者，不能登录，也不能设置口令或令牌", code="system_user")
        if name.casefold() == PUBLIC_ACTOR:
            raise BadInput("“public”是公示栏代公众办理的账户，不能登录，也不能设置口令或令牌", code="public_user")
        row = accounts_repo.password_of(conn, name) if _plausible(name) else None
        if row is None:
            raise BadInput(f"未知用户 {name!r}；请先用 creditflow user add 登记", code="unknown_user")
        return row


def _roles(text: str) -> list[str]:
    return [r for r in text.split(",") if r]


def _plausible(name: str) -> bool:
    """A name a user could have (1-64 characters, no control character): only such a name is looked up."""
    return 0 < len(name) <= 64 and not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
