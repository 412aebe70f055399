"""Prefect deployments of the clocks' flows.

* ``deploy(pool)``: the sweep and the daily checkpoint as deployments on a **process work pool**
  (``creditflow deploy --pool NAME``); workers on any number of machines run them. On PostgreSQL
  several workers share a sweep safely: each claims a case with ``FOR UPDATE SKIP LOCKED`` and
  re-checks the timer in the transaction that fires it (docs/sweep.md).
* ``served_deployments(interval)``: the same two flows for ``creditflow serve`` (one machine).
* ``drop_missed_runs(names)``: the scheduled runs a stopped service missed; ``serve`` deletes them
  before it starts, because its start-up sweep has caught up already.

Import this module only where Prefect is needed (it imports Prefect, ~1 s).
"""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron, Interval
from prefect.settings import PREFECT_API_URL

from .errors import BadInput
from .flows import (
    CHECKPOINT_CRON,
    CHECKPOINT_FLOW,
    CHECKPOINT_TIMEZONE,
    SWEEP_FLOW,
    audit_checkpoint,
    sweep_deadlines,
)
from .prefect_server import api_healthy

SERVED_NAME = "creditflow-serve"  # deployments of `creditflow serve`
DEFAULT_NAME = "creditflow"  # deployments of `creditflow deploy`
_PAGE = 200
ENTRYPOINTS = {
    SWEEP_FLOW: "workflows/flows.py:sweep_deadlines",
    CHECKPOINT_FLOW: "workflows/flows.py:audit_checkpoint",
}


def code_root() -> Path:
    """The folder that holds the `workflows` package (the repository, or site-packages)."""
    return Path(__file__).resolve().parent.parent


def sweep_schedule(interval_seconds: int) -> Interval:
    return Interval(timedelta(seconds=interval_seconds))


def checkpoint_schedule() -> Cron:
    return Cron(CHECKPOINT_CRON, timezone=CHECKPOINT_TIMEZONE)


def require_api() -> str:
    """The Prefect server's API URL; refuses the ephemeral in-process API (it cannot run schedules)."""
    url = PREFECT_API_URL.value()
    if not url:
        raise BadInput("PREFECT_API_URL is not set: deployments live on a Prefect server; "
                       "set it to the server's API, e.g. http://prefect.example:4200/api")
    if not api_healthy(url):
        raise BadInput(f"the Prefect server at PREFECT_API_URL={url} does not answer")
    return url


def ensure_process_pool(pool: str) -> dict:
    """Create the work pool (type process, Prefect's default job template) unless it exists."""
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            existing = client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type=ProcessWorker.type,
                base_job_template=ProcessWorker.get_default_base_job_template(),
                description="creditflow: the deadline sweep and the daily audit checkpoint"))
            return {"name": pool, "type": ProcessWorker.type, "created": True}
    if existing.type != ProcessWorker.type:
        raise BadInput(f"work pool {pool!r} has type {existing.type!r}; creditflow deploys to a "
                       f"process work pool (choose another name or create one with --type process)")
    return {"name": pool, "type": existing.type, "created": False}


def deploy(pool: str, *, name: str = DEFAULT_NAME, source: str | Path | None = None,
           interval_seconds: int = 60, schedule: bool = True) -> dict:
    """Deploy both flows to the process work pool `pool`; returns what was deployed.

    `source` is where the workers find the code (the folder holding `workflows/`; default: this
    installation's). Workers read the app's store from their own environment
    (``CREDITFLOW_DATABASE_URL``), so the database password never goes into Prefect.
    """
    api = require_api()
    root = Path(source).resolve() if source else code_root()
    if not (root / ENTRYPOINTS[SWEEP_FLOW].split(":")[0]).is_file():
        raise BadInput(f"{root} does not hold workflows/flows.py; give the folder that holds the "
                       "`workflows` package with --source")
    pool_info = ensure_process_pool(pool)
    plans = [
        (SWEEP_FLOW, sweep_deadlines, [sweep_schedule(interval_seconds)] if schedule else [],
         "Fire every deadline that has fallen due (FOR UPDATE SKIP LOCKED on PostgreSQL)."),
        (CHECKPOINT_FLOW, audit_checkpoint, [checkpoint_schedule()] if schedule else [],
         "Write the day's audit checkpoint (00:05 Asia/Shanghai)."),
    ]
    deployed = []
    for flow_name, flow_obj, schedules, description in plans:
        loaded = flow_obj.from_source(source=str(root), entrypoint=ENTRYPOINTS[flow_name])
        with contextlib.redirect_stdout(sys.stderr):  # Prefect prints a table; stdout is ours (--json)
            deployment_id = loaded.deploy(name=name, work_pool_name=pool, build=False, push=False,
                                          schedules=schedules, description=description,
                                          print_next_steps=False, ignore_warnings=True)
        deployed.append({"name": f"{flow_name}/{name}", "id": str(deployment_id),
                         "schedule": _describe(schedules)})
    return {"api_url": api, "pool": pool_info, "source": str(root), "deployments": deployed}


def served_deployments(interval_seconds: int) -> list:
    """The two flows as deployments for `prefect.serve` (`creditflow serve`)."""
    return [
        sweep_deadlines.to_deployment(name=SERVED_NAME, schedules=[sweep_schedule(interval_seconds)]),
        audit_checkpoint.to_deployment(name=SERVED_NAME, schedules=[checkpoint_schedule()]),
    ]


def drop_missed_runs(deployment_names: list[str], before: datetime | None = None) -> int:
    """Delete the runs of these deployments still waiting although they were due before `before`
    (default now): a restarted service catches up with one sweep instead of replaying each."""
    before = before or datetime.now(timezone.utc)
    dropped = 0
    with get_client(sync_client=True) as client:
        for full_name in deployment_names:
            try:
                deployment = client.read_deployment_by_name(full_name)
            except ObjectNotFound:
                continue
            flow_run_filter = FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                expected_start_time=FlowRunFilterExpectedStartTime(before_=before))
            kept = 0
            while True:
                runs = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                    flow_run_filter=flow_run_filter, limit=_PAGE, offset=kept)
                for run in runs:
                    if run.auto_scheduled and run.run_count == 0:
                        client.delete_flow_run(run.id)
                        dropped += 1
                    else:
                        kept += 1  # a run somebody asked for: leave it
                if len(runs) < _PAGE:
                    break
    return dropped


def _describe(schedules: list) -> str | None:
    if not schedules:
        return None
    s = schedules[0]
    if s.interval is not None:
        return f"every {int(s.interval.total_seconds())} s"
    return f"cron {s.cron} {s.timezone}"
