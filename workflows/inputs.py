"""Parse a trigger's inputs (`--set key=value`, form fields, JSON) by its declaration. Bad input changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from calendars import CalendarError, check_date
from states.grades import parse_score
from states.spec import Input

from .errors import BadInput


def _convert(spec: Input, raw, trigger: str):
    where = f"{trigger}: input '{spec.name}'"
    t = spec.type
    if t in ("str", "text"):
        value = str(raw).strip()
        if spec.required and not value:
            raise BadInput(f"{where} must not be empty")
        return value
    if t == "date":
        if isinstance(raw, date):
            return raw
        try:
            return check_date(str(raw), spec.name)
        except CalendarError as exc:
            raise BadInput(f"{where}: {exc}") from None
    if t == "score":
        try:
            return parse_score(raw)
        except ValueError as exc:
            raise BadInput(f"{where}: {exc}", article="河南省医疗保障基金使用信用管理办法 Art. 22") from None
    if t == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        try:
            return int(str(raw).strip())
        except ValueError:
            raise BadInput(f"{where}: {raw!r} is not a whole number") from None
    if t == "int_list":
        items = raw if isinstance(raw, (list, tuple)) else [p for p in str(raw).replace("，", ",").split(",") if p.strip()]
        try:
            return [int(str(p).strip()) for p in items]
        except ValueError:
            raise BadInput(f"{where}: {raw!r} is not a comma-separated list of whole numbers, e.g. 1,3") from None
    if t == "str_list":
        items = raw if isinstance(raw, (list, tuple)) else str(raw).replace("，", ",").split(",")
        return [str(p).strip() for p in items if str(p).strip()]
    if t == "choice":
        value = str(raw).strip()
        if value not in spec.choices:
            raise BadInput(f"{where}: {value!r} is not one of {', '.join(spec.choices)}", allowed=list(spec.choices))
        return value
    raise BadInput(f"{where}: unsupported type {t}")


def parse_inputs(specs: tuple[Input, ...], raw: dict, trigger: str) -> dict:
    known = {s.name: s for s in specs}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        expected = ", ".join(known) or "none"
        raise BadInput(f"{trigger}: unknown input {', '.join(unknown)}; it takes: {expected}", allowed=list(known))
    out = {}
    for spec in specs:
        if spec.name not in raw or raw[spec.name] is None or raw[spec.name] == "":
            if spec.required:
                raise BadInput(f"{trigger}: input '{spec.name}' ({spec.label or spec.type}) is required; "
                               f"give it with --set {spec.name}=…", allowed=[s.name for s in specs])
            continue
        out[spec.name] = _convert(spec, raw[spec.name], trigger)
    return out


def to_json(value):
    """Inputs as JSON-native values for the log and case data."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
