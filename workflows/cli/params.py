"""Shared parsers of command-line values: ids and counts (one rule for every id argument and option).

Every id the store holds is a PostgreSQL `integer`, so an id or a count is a whole number from 1 to
2147483647, written in ASCII digits: `2.0`, `-1`, `0`, `abc` and 99999999999999999999999 are refused
with exit 2 before anything is read or written.
"""

from __future__ import annotations

import re
from typing import Annotated, Optional

import typer

from ..errors import MAX_ID  # light: no database, no services

_DIGITS = re.compile(r"[0-9]+")


def positive_int(label: str):
    """A typer parser for a whole number 1..MAX_ID; `label` names the value in the message (Chinese)."""

    def parse(value) -> int:
        from ..errors import BadInput

        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            number = int(text) if _DIGITS.fullmatch(text) and len(text) <= 12 else None
        if number is None or not 1 <= number <= MAX_ID:
            shown = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
            raise BadInput(f"{label} 的值 {shown!r} 无效：须为 1 至 {MAX_ID} 之间的整数（不带小数点、正负号或其他字符）；"
                           f"请改为如 2 这样的整数", code="bad_number")
        return number

    return parse


def id_argument(metavar: str, label: str, help: str) -> typer.models.ArgumentInfo:
    return typer.Argument(metavar=metavar, parser=positive_int(label), help=help, show_default=False)


def id_option(*names: str, label: str, help: str) -> typer.models.OptionInfo:
    return typer.Option(*names, parser=positive_int(label), help=help)


CaseArg = Annotated[int, id_argument("CASE", "案件编号 CASE", "案件编号（正整数）")]
IncidentArg = Annotated[int, id_argument("ID", "异常事件编号 ID", "异常事件编号（正整数，见 creditflow incidents）")]
ExpectedVersionOpt = Annotated[Optional[int], id_option(
    "--expected-version", label="--expected-version（预期版本）",
    help="Refuse (exit 4) unless the case is still at this version (>= 1).")]
