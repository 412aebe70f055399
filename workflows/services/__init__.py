"""Use cases, by area. Each public method owns one transaction (unit of work, store/uow.py) and returns
plain data, unless it documents why it needs more; interfaces (command line, HTTP, Prefect flows) are
thin adapters over them.

`Services` is the composition root only: the database, the settings, the registry of procedures, the
engine (built on first use: the calendar takes a moment) and the units of work, handed explicitly to
the areas:

* `svc.deployment`: init, users, subjects (deployment.py)
* `svc.accounts`: passwords, API tokens, the web's rate limits and session key (accounts.py)
* `svc.cases`: open, act, actions, show, list, explain a deadline (cases.py)
* `svc.documents`: notices after issue: show, PDF, service, correction (documents.py)
* `svc.sweep`: the deadline sweep, incidents, new calendar data (sweep.py)
* `svc.audit`: a case's log, verification, checkpoints, exports (audit.py)
* `svc.replay`: every case's log re-executed through the engine and compared with the store (replay.py)
* `svc.exports`, `svc.reports`: the lists and statistics a bureau files, the monthly report (exports.py, reports.py)
* `svc.imports`: a year's scored results from a spreadsheet, validated whole, then published (imports.py)
* `svc.board`: the public board (公示栏), the credit query and the public's objection (board.py)
* `svc.worklist`: the staff pages' reads: worklist, approver's queue, dashboard, log across cases (worklist.py)
* `svc.materials`: a case's attached material read back for download (materials.py)

`svc.schedule` is the policy in force by date with the settings file's overrides (policy.py).
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.engine import Engine as DbEngine

from states import REGISTRY
from states.registry import Registry

from ..engine import Engine
from ..settings import Settings, load_settings
from ..store import schema
from ..store.db import engine_for
from ..store.uow import UnitOfWork
from .accounts import AccountService
from .audit import AuditService
from .board import BoardService
from .cases import CaseService
from .deployment import DeploymentService
from .documents import DocumentService
from .exports import ExportService
from .imports import ImportService
from .materials import MaterialService
from .policy import deployment_schedule
from .replay import ReplayService
from .reports import ReportService
from .sweep import SweepService
from .worklist import WorklistService

__all__ = ["AuditService", "CaseService", "DeploymentService", "DocumentService", "Services", "SweepService"]


class Services:
    def __init__(self, db: DbEngine, settings: Settings, registry: Registry | None = None):
        registry = registry if registry is not None else REGISTRY
        self.db = db
        self.settings = settings
        self.registry = registry
        self.audit = AuditService(db, self.uow)
        self.accounts = AccountService(self.uow)
        self.deployment = DeploymentService(db, self.uow, registry, database_url=settings.database_url,
                                            settings_changed=self._settings_changed)
        self.cases = CaseService(self.uow, self._engine, registry)
        self.documents = DocumentService(self.uow, self._engine)
        self.exports = ExportService(self.uow, self._engine, registry)
        self.reports = ReportService(self.uow, self._engine, registry)
        self.imports = ImportService(self.uow, self._engine, registry)
        self.board = BoardService(self.uow, self._engine, registry, self.exports)
        self.replay = ReplayService(db, self._engine)  # `audit replay`: the log re-executed and compared (replay.py)
        self.sweep = SweepService(self.uow, self._engine, registry, self.audit, settings,
                                  sqlite=db.dialect.name == "sqlite")
        self.worklist = WorklistService(self.uow, self._engine, registry)
        self.materials = MaterialService(self.uow)  # a case's attached material read back (materials.py)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, check_schema: bool = True,
                      registry: Registry | None = None) -> "Services":
        settings = settings or load_settings()
        svc = cls(engine_for(settings.database_url), settings, registry)
        svc.schedule  # noqa: B018  (a bad [policy] override stops the command here, before anything runs)
        if check_schema:
            schema.require_current(svc.db)
        return svc

    @cached_property
    def schedule(self):
        """The dated policy profiles with this deployment's overrides (settings.toml [policy]), checked once."""
        return deployment_schedule(self.registry, self.settings.policy_overrides)

    @cached_property
    def engine(self) -> Engine:
        from calendars import default_calendar

        return Engine(default_calendar(self.settings.calendar_overrides), registry=self.registry,
                      schedule=self.schedule)

    def _engine(self) -> Engine:
        return self.engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db)

    def _settings_changed(self) -> None:
        if "engine" in self.__dict__:
            self.engine.forget_settings()  # this process's next transition reads the new settings
