"""How commands print: one JSON object with --json, else readable text (Chinese labels where shown to staff)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable


def dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str)


def emit(payload: dict, as_json: bool, text: str | Callable[[], str]) -> None:
    if as_json:
        sys.stdout.write(dumps(payload) + "\n")
    else:
        sys.stdout.write((text() if callable(text) else text).rstrip("\n") + "\n")
