"""The Prefect flows that drive the clocks. Thin: each calls one use case and logs a short summary.

* ``sweep-deadlines``: ``svc.sweep.run_once`` for the current instant (or an explicit ``as_of``), in
  batches, one transaction per batch with each case under its own savepoint (docs/sweep.md); failures
  become incidents retried later with back-off; a lost store fails the run with one line (the next run catches up);
  reminders go out before agency-side deadlines. The sweep also writes the day's audit checkpoint.
* ``audit-checkpoint``: ``svc.audit.daily_checkpoint`` on its own daily schedule (idempotent per day),
  so the seal is written even on a day when nothing is swept.

Deadlines live in the database; Prefect holds no timer per deadline. Served by ``creditflow serve``
(one machine) or deployed to a process work pool by ``creditflow deploy`` (several machines).
The app's store comes from the environment of the process running the flow
(``CREDITFLOW_DATABASE_URL`` / ``CREDITFLOW_HOME``), never from flow parameters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger

SWEEP_FLOW = "sweep-deadlines"
CHECKPOINT_FLOW = "audit-checkpoint"
CHECKPOINT_CRON = "5 0 * * *"  # 00:05 every day ...
CHECKPOINT_TIMEZONE = "Asia/Shanghai"  # ... where every deadline is counted
DEFAULT_BATCH = 500
SUMMARY_COUNTS = ("fired", "reminded", "failed", "deferred", "incidents")


def _services():
    from sqlalchemy.exc import InterfaceError, OperationalError

    from .errors import Unavailable, unreachable_message
    from .services import Services

    try:
        return Services.from_settings()  # reads the schema revision: the first touch of the store
    except (OperationalError, InterfaceError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise Unavailable(unreachable_message(detail[0] if detail else type(exc).__name__)) from None


def _count(value: Any) -> int:
    """A count from a sweep result entry, whether it holds the items themselves or their number."""
    if value is None:
        return 0
    if isinstance(value, int):
        return int(value)
    return len(value)


def summarize(result: dict) -> dict:
    """The flow's return value: counts, not the full lists (they are in the log and the database)."""
    counts = result.get("counts") or {}
    summary: dict = {"as_of": result["as_of"]}
    for key in SUMMARY_COUNTS:
        summary[key] = int(counts[key]) if key in counts else _count(result.get(key))
    if result.get("skipped"):
        summary["skipped"] = result["skipped"]  # e.g. another SQLite sweeper holds the lease
    checkpoint = result.get("checkpoint")
    summary["checkpoint"] = checkpoint.get("id") if isinstance(checkpoint, dict) else None
    return summary


@flow(name=SWEEP_FLOW, log_prints=False, retries=0, persist_result=False,
      description="Fire every deadline that has fallen due, in batches (one transaction each, a savepoint per case).")
def sweep_deadlines(as_of: datetime | None = None, batch: int = DEFAULT_BATCH) -> dict:
    """Sweep as of `as_of` (default: now by the deployment's clock)."""
    from . import clock

    from prefect.states import Failed

    from .errors import CreditflowError

    logger = get_run_logger()
    try:
        services = _services()
        try:
            result = services.sweep.run_once(as_of or clock.now(), batch)
        finally:
            services.db.dispose()
    except CreditflowError as exc:
        # e.g. the store lost mid-sweep: one line, no traceback; the run fails and the served loop goes on
        logger.error(exc.message)
        return Failed(message=exc.message)
    summary = summarize(result)
    logger.info("sweep as of %s: %s; checkpoint %s", summary["as_of"],
                ", ".join(f"{key} {summary[key]}" for key in SUMMARY_COUNTS), summary["checkpoint"])
    if "skipped" in summary:
        logger.info("sweep skipped: %s", summary["skipped"])
    for failure in (result.get("failed") or [])[:20]:
        if isinstance(failure, dict):
            logger.warning("failed: %s", ", ".join(f"{k}={v}" for k, v in failure.items() if k != "traceback"))
    return summary


@flow(name=CHECKPOINT_FLOW, log_prints=False, retries=2, retry_delay_seconds=60, persist_result=False,
      description="Write the day's audit checkpoint (idempotent per day).")
def audit_checkpoint() -> dict:
    logger = get_run_logger()
    services = _services()
    try:
        written = services.audit.daily_checkpoint()
    finally:
        services.db.dispose()
    if written is None:
        logger.info("today's audit checkpoint exists already")
        return {"written": False, "checkpoint": None}
    logger.info("audit checkpoint %s written: %s cases, %s log rows", written["id"], written["case_count"],
                written["row_count"])
    return {"written": True, "checkpoint": written["id"]}
