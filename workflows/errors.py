"""The shell's error kinds, each with its exit code. Interfaces map them in one place."""

from __future__ import annotations


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
