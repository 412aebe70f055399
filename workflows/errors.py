"""The shell's error kinds, each with its exit code. Interfaces map them in one place."""

from __future__ import annotations

MAX_ID = 2_147_483_647  # PostgreSQL integer: the largest id (and count) a row or command can hold


class CreditflowError(Exception):
    """Base: a message that says what was wrong, the rule it applies, and what to do."""

    exit_code = 1
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, article: str = "", allowed: list[str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.article = article
        self.allowed = allowed or []

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "article": self.article, "allowed": self.allowed}}


class BadInput(CreditflowError):
    """Malformed value, unknown id, wrong identifier: exit 2."""

    exit_code = 2
    code = "bad_input"


class Refused(CreditflowError):
    """A transition the rules do not allow now: exit 3."""

    exit_code = 3
    code = "refused"


class Conflict(CreditflowError):
    """Someone else changed the case first (stale version): exit 4."""

    exit_code = 4
    code = "conflict"


class Unavailable(CreditflowError):
    """The store cannot be reached or opened (not the user's input): exit 1."""

    exit_code = 1
    code = "store_unreachable"


def unreachable_message(detail: str) -> str:
    """The one line a handler reads when the store cannot be reached (Chinese: what, and what to do)."""
    return (f"无法连接案件数据库（{detail}）：数据库不可达或无法打开，未作任何更改；"
            "请检查 CREDITFLOW_DATABASE_URL（或 CREDITFLOW_HOME）指向的数据库是否存在并可访问")


def no_such_case(case_id: int) -> BadInput:
    """The one refusal of a case id that names no case (engine, services and audit export alike)."""
    return BadInput(f"没有编号为 {case_id} 的案件；请用 creditflow case list 查看", code="unknown_case")
