"""Shared fixtures. Database tests run on SQLite always and on PostgreSQL whenever it is reachable
(CREDITFLOW_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres as admin URL);
each PostgreSQL test gets a fresh database, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from calendars import SHANGHAI, WorkingCalendar

PG_ADMIN_URL = os.environ.get("CREDITFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _clock_override_holds_for_one_test():
    """A test that sets the clock override (as `--now` does) must not leak it into the next test."""
    from workflows import clock

    yield
    leaked = clock.override_token()
    clock.restore(None)
    assert leaked is None, f"the clock override leaked out of this test: {leaked}"


@pytest.fixture(scope="session")
def cal() -> WorkingCalendar:
    """The calendar without overrides (built once: it is immutable)."""
    return WorkingCalendar()


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable here"
        return False


PG_AVAILABLE = _pg_reachable()


def _admin_url() -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return base + "/postgres"


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test (skipped when PostgreSQL is unreachable)."""
    if not PG_AVAILABLE:
        pytest.skip("PostgreSQL not reachable")
    import psycopg

    name = f"cf_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each database test runs once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'creditflow.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def make_services(url: str, home: Path, registry=None, **settings_values):
    """Services on `url` (no schema yet); `registry`: the procedures it runs (default states.REGISTRY)."""
    from workflows.services import Services
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    values = {"calendar_overrides": None, "allow_clock_override": True, **settings_values}
    settings = Settings(home=home, database_url=url, **values)
    return Services(make_engine(url), settings, registry=registry)


@pytest.fixture
def svc(db_url, tmp_path):
    """Initialised services with users: alice (handler), bob (approver), carol (handler+approver), audrey (auditor)."""
    s = make_services(db_url, tmp_path)
    s.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
           court="郑州铁路运输法院")
    s.deployment.add_user("alice", ["handler"])
    s.deployment.add_user("bob", ["approver"])
    s.deployment.add_user("carol", ["handler", "approver"])
    s.deployment.add_user("audrey", ["auditor"])
    yield s
    s.db.dispose()


def at(text: str) -> datetime:
    """An instant in Asia/Shanghai: at('2026-02-06 09:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


HOSPITAL_USCC = "91350100M000100Y43"
PERSON_ID = "11010519491231002X"


def publish(svc, subject, year, score, actor: str) -> dict:
    """Publish an evaluation result on a subject (its number or identifier): `evaluation publish`."""
    return svc.cases.open("evaluation", actor, {"year": year, "score": score}, subject=subject)


def capture_notice_contexts(monkeypatch, prefix: str) -> dict:
    """Record, per template under `prefix` (e.g. "repair/"), the context the engine first rendered it with."""
    import copy

    import workflows.engine.core as engine_module
    from notices import render

    contexts: dict = {}

    def capture(template, context):
        if template.startswith(prefix):
            contexts.setdefault(template, {k: (v._get() if hasattr(v, "_get") else copy.deepcopy(v))
                                           for k, v in context.items()})
        return render(template, context)

    monkeypatch.setattr(engine_module, "render", capture)
    return contexts


def assert_person_masked_outside(contexts: dict, kind: str, id_number: str, name: str, masked_name: str) -> None:
    """Every template of `kind` was captured; rendered for the public or a third party none shows the person's
    ID number or name (the public sees them masked); the person's own notice carries both."""
    from notices import render
    from notices.privacy import mask_id
    from states import PROCEDURES

    declared = {t.notice.template for t in PROCEDURES[kind].transitions if t.notice.template.startswith(f"{kind}/")}
    assert set(contexts) == declared
    for template, context in contexts.items():
        for audience in ("public", "third_party"):
            masked = {**context, "notice": {**context["notice"], "audience": audience, "addressee": "郑州市公安局"}}
            html = render(template, masked).html
            assert id_number not in html and name not in html, f"{template} leaks personal data to {audience}"
            if audience == "public":
                assert mask_id(id_number) in html and masked_name in html
        own = render(template, {**context, "notice": {**context["notice"], "audience": "subject"}}).html
        assert id_number in own and name in own


# -- acting on a case at an instant (the procedure test files share these) ----------------------------------

def stored_counts(svc) -> tuple[int, ...]:
    """How many rows the tables a transition writes hold: a refused or bad call must leave them as they were."""
    from sqlalchemy import func, select

    from workflows.store.tables import archive_entries, cases, notices, timers, transitions

    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (cases, transitions, notices, timers, archive_entries))


def act_at(svc, case, trigger, actor, when, **inputs) -> dict:
    """Fire `trigger` on `case` as `actor` at the Asia/Shanghai instant `when` ('2026-03-02 10:00')."""
    from workflows.clock import frozen_at

    with frozen_at(at(when)):
        return svc.cases.act(case, trigger, actor, inputs)


def _fails(error, svc, case, trigger, actor, when, **inputs):
    before = stored_counts(svc)
    with pytest.raises(error) as info:
        act_at(svc, case, trigger, actor, when, **inputs)
    assert stored_counts(svc) == before  # a refusal or bad input stores nothing
    return info.value


def refused_at(svc, case, trigger, actor, when, **inputs):
    """`act_at` refused (a rule, the role, the state); nothing stored."""
    from workflows.errors import Refused

    return _fails(Refused, svc, case, trigger, actor, when, **inputs)


def bad_at(svc, case, trigger, actor, when, **inputs):
    """`act_at` with bad input; nothing stored."""
    from workflows.errors import BadInput

    return _fails(BadInput, svc, case, trigger, actor, when, **inputs)
