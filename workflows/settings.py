"""Where this deployment keeps its things, read from the environment (and var/settings.toml).

* ``CREDITFLOW_HOME``: the folder for the embedded database and settings (default ``./var``).
* ``CREDITFLOW_DATABASE_URL``: the store; default ``sqlite:///$CREDITFLOW_HOME/creditflow.db``.
* ``CREDITFLOW_CALENDAR_OVERRIDES``: the calendar override file (wins over settings.toml).
* ``CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1``: allow ``--now`` (demos and tests only).
* ``CREDITFLOW_SWEEP_INTERVAL``: seconds between two deadline sweeps under ``creditflow serve`` and in the
  deployment made by ``creditflow deploy`` (default 60).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    calendar_overrides: str | None
    allow_clock_override: bool
    sweep_interval: int = 60

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
                    sweep_interval=interval)


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
    lines = [f"{k} = {_toml_string(str(v))}" for k, v in sorted(current.items())]
    settings.settings_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
