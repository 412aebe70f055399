"""Where this deployment keeps its things, read from the environment (and var/settings.toml).

* ``CREDITFLOW_HOME``: the folder for the embedded database and settings (default ``./var``).
* ``CREDITFLOW_DATABASE_URL``: the store; default ``sqlite:///$CREDITFLOW_HOME/creditflow.db``.
* ``CREDITFLOW_CALENDAR_OVERRIDES``: the calendar override file (wins over settings.toml).
* ``CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1``: allow ``--now`` (demos and tests only).
* ``CREDITFLOW_SWEEP_INTERVAL``: seconds between two deadline sweeps under ``creditflow serve`` and in the
  deployment made by ``creditflow deploy`` (default 60).

The ``[policy]`` table of settings.toml overrides policy numbers, each with its reason (the bureau's
decision that sets it), e.g. ``repair_wait_months_general = {value = 6, reason = "本局继续适用河南办法6个月"}``;
``creditflow policy show`` marks them. A number not known, of the wrong type or outside its legal bounds
stops every command with one line.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

POLICY_TABLE = "policy"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    calendar_overrides: str | None
    allow_clock_override: bool
    sweep_interval: int = 60
    # (key, value, reason) for each number the deployment overrides (settings.toml [policy])
    policy_overrides: tuple[tuple[str, object, str], ...] = ()

    @property
    def settings_file(self) -> Path:
        return self.home / "settings.toml"


def load_settings() -> Settings:
    home = Path(os.environ.get("CREDITFLOW_HOME") or Path.cwd() / "var")
    file_values: dict = {}
    settings_file = home / "settings.toml"
    if settings_file.exists():
        with settings_file.open("rb") as fh:
            file_values = tomllib.load(fh)
    url = os.environ.get("CREDITFLOW_DATABASE_URL") or file_values.get("database_url") or f"sqlite:///{home / 'creditflow.db'}"
    overrides = os.environ.get("CREDITFLOW_CALENDAR_OVERRIDES") or file_values.get("calendar_overrides") or None
    allow = os.environ.get("CREDITFLOW_ALLOW_CLOCK_OVERRIDE", "") in ("1", "true", "yes")
    interval = _seconds("CREDITFLOW_SWEEP_INTERVAL",
                        os.environ.get("CREDITFLOW_SWEEP_INTERVAL") or file_values.get("sweep_interval") or 60)
    return Settings(home=home, database_url=url, calendar_overrides=overrides, allow_clock_override=allow,
                    sweep_interval=interval, policy_overrides=_policy_overrides(file_values.get(POLICY_TABLE), settings_file))


def _policy_overrides(table, where: Path) -> tuple[tuple[str, object, str], ...]:
    """The [policy] table's entries, in file order; their keys, types and bounds are checked against the
    procedures' numbers when the services start (workflows/services/policy.py)."""
    from .errors import BadInput

    if table is None:
        return ()
    if not isinstance(table, dict):
        raise BadInput(f"{where}：[policy] 应为一张表，每项写作 键 = {{value = 数值, reason = \"理由\"}}", code="bad_settings")
    out = []
    for key, entry in table.items():
        if not isinstance(entry, dict) or "value" not in entry or not str(entry.get("reason", "")).strip():
            raise BadInput(f"{where}：[policy] {key} 应写作 {key} = {{value = 数值, reason = \"本局决定的依据\"}}，"
                           "每个调整的数值须写明理由", code="bad_settings")
        out.append((key, entry["value"], str(entry["reason"]).strip()))
    return tuple(out)


def _seconds(name: str, value) -> int:
    try:
        seconds = int(str(value).strip())
    except ValueError:
        seconds = 0
    if seconds < 1:
        from .errors import BadInput

        raise BadInput(f"{name} is a whole number of seconds >= 1, got {value!r}")
    return seconds


def calendar():
    """The deployment's working calendar (with its override file, if any)."""
    from calendars import default_calendar

    return default_calendar(load_settings().calendar_overrides)


def write_settings_file(settings: Settings, **values) -> None:
    """Record machine-level settings (e.g. the calendar override file) in $CREDITFLOW_HOME/settings.toml."""
    current: dict = {}
    if settings.settings_file.exists():
        with settings.settings_file.open("rb") as fh:
            current = tomllib.load(fh)
    current.update({k: v for k, v in values.items() if v is not None})
    settings.home.mkdir(parents=True, exist_ok=True)
    policy = current.pop(POLICY_TABLE, None)
    lines = [f"{k} = {_toml_string(str(v))}" for k, v in sorted(current.items())]
    if isinstance(policy, dict):  # kept as written: the bureau's overrides and their reasons
        lines += ["", f"[{POLICY_TABLE}]"] + [
            f"{k} = {{value = {_toml_value(e.get('value'))}, reason = {_toml_string(str(e.get('reason', '')))}}}"
            for k, e in policy.items() if isinstance(e, dict)]
    settings.settings_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return _toml_string(str(value))


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
