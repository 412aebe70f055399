"""The one clock all code reads. Production: the system clock. Demos and tests may set it
(`--now`, refused unless CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1; freezegun in tests)."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone

from calendars import SHANGHAI

_override: ContextVar[datetime | None] = ContextVar("creditflow_now", default=None)


def real_now() -> datetime:
    return datetime.now(timezone.utc)


def now() -> datetime:
    return _override.get() or real_now()


def overridden() -> bool:
    return _override.get() is not None


def today(at: datetime | None = None) -> date:
    """The calendar day in Asia/Shanghai, where every deadline is counted."""
    return (at or now()).astimezone(SHANGHAI).date()


def local(instant: datetime | None) -> str | None:
    """An instant as people read it: ISO 8601 in Asia/Shanghai (+08:00); None stays None."""
    return instant.astimezone(SHANGHAI).isoformat() if instant is not None else None


def set_override(instant: datetime | None) -> None:
    if instant is not None and instant.tzinfo is None:
        raise ValueError("the clock override must carry a time zone, e.g. 2026-03-02T09:00:00+08:00")
    _override.set(instant)


@contextmanager
def frozen_at(instant: datetime):
    token = _override.set(instant)
    try:
        yield
    finally:
        _override.reset(token)


def override_token():
    """The current override, to put back with `restore` when a command that may set one ends."""
    return _override.get()


def restore(previous: datetime | None) -> None:
    _override.set(previous)
