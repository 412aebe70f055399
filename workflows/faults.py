"""Injected kill points, for the crash tests (tests/test_crash.py): a process told to die at a point dies there
with SIGKILL, as a power cut or `kill -9` would stop it, leaving the database to its own recovery.

`CREDITFLOW_FAULT=before_commit:<n>` kills the process at its n-th unit-of-work commit (`UnitOfWork.commit`,
counted from 1 per process), after that transaction's writes and before its COMMIT: the handler's transition,
or the sweeper's batch, that was being committed is lost as a whole. Read once at import; unset (production),
`before_commit()` is one comparison with None.
"""

from __future__ import annotations

import os
import signal

_POINTS = ("before_commit",)


def _plan(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    name, _, count = text.partition(":")
    if name not in _POINTS or not count.isdigit() or int(count) < 1:
        # a test's mistake, never a user's: say so rather than run without the fault it asked for
        raise RuntimeError(f"CREDITFLOW_FAULT={text!r}: expected one of {', '.join(_POINTS)} followed by :<n>, n >= 1")
    return name, int(count)


_PLAN = _plan(os.environ.get("CREDITFLOW_FAULT"))
_seen = 0


def before_commit() -> None:
    """Called by `UnitOfWork.commit` just before COMMIT."""
    global _seen
    if _PLAN is None:
        return
    _seen += 1
    if _seen == _PLAN[1]:
        os.kill(os.getpid(), signal.SIGKILL)
