"""Schema management with Alembic: upgrade to head, and refuse to run on a schema that is not current."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.engine import Engine

from ..errors import BadInput


def _config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("workflows").joinpath("migrations")))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")


def require_current(engine: Engine) -> None:
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        state = "尚未建立" if current is None else f"为第 {current} 版，当前程序需要第 {head} 版"
        raise BadInput(f"数据库结构{state}；请先运行 creditflow init", code="schema_not_current")
