"""Parse a trigger's inputs (`--set key=value`, form fields, JSON) by its declaration. Bad input changes nothing."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

from calendars import CalendarError, check_date
from states.grades import parse_score
from states.spec import TEXT_LENGTH, Input

from .errors import BadInput


# Length limits are states.spec's (Input.limit); this names their source in a refusal.
LENGTH_RULE = "creditflow policy: 表单字段长度上限，超长的内容不予保存"
# One-line fields hold no control characters (Unicode Cc) and no line or paragraph separator;
# multi-line text may hold line feeds (CR LF is normalised to LF) and tabs, nothing else of these.
_SEPARATORS = ("\u2028", "\u2029")


def _where(spec: Input, trigger: str, item: int | None = None) -> str:
    name = f"{spec.name}（{spec.label}）" if spec.label else spec.name
    return f"{trigger}：输入项 {name}" + (f" 第 {item} 项" if item is not None else "")


def _refuse_controls(value: str, where: str, multiline: bool) -> None:
    allowed = "\n\t" if multiline else ""
    for i, ch in enumerate(value, 1):
        if ch in allowed:
            continue
        if unicodedata.category(ch) == "Cc" or ch in _SEPARATORS:
            what = "多行文本只允许换行和制表符" if multiline else "单行字段不能含换行、制表符等控制字符"
            raise BadInput(f"{where}第 {i} 个字符是控制字符 U+{ord(ch):04X}：{what}；请删去该字符后重新提交",
                           code="control_character")


def _line(spec: Input, raw, where: str, *, multiline: bool = False) -> str:
    return clean_text(raw, where, limit=spec.limit, multiline=multiline)


def clean_text(raw, where: str, *, limit: int | None, multiline: bool = False) -> str:
    """Free text: control characters refused, surrounding blanks trimmed, at most `limit` characters.

    `where` names the field in the message (Chinese), e.g. "subject add：--name（信用主体名称）"."""
    value = str(raw)
    if multiline:
        value = value.replace("\r\n", "\n")
    _refuse_controls(value, where, multiline)
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise BadInput(f"{where}过长：{len(value)} 个字符，上限 {limit} 个字符（{LENGTH_RULE}）；请精简到 {limit} 个字符以内",
                       code="too_long")
    return value


def choose(raw, options: dict, where: str, *, code: str = "bad_choice") -> str:
    """A value from a set of codes with Chinese labels: the code or its label is accepted; the error
    lists both ("hospital（定点医疗机构）、…")."""
    value = str(raw).strip()
    if value in options:
        return value
    for key, label in options.items():
        if label and (value == label or value == label.split("（")[0]):
            return key
    listed = "、".join(f"{k}（{label}）" if label else k for k, label in options.items())
    raise BadInput(f"{where}的值 {value!r} 不在可选范围内；可选：{listed}（填写代码或中文名称均可）", code=code,
                   allowed=list(options))


def _split(raw) -> list:
    if isinstance(raw, (list, tuple)):
        return list(raw)
    return str(raw).replace("，", ",").replace("、", ",").split(",")


def _convert(spec: Input, raw, trigger: str):
    where = _where(spec, trigger)
    t = spec.type
    if t in ("str", "text"):
        value = _line(spec, raw, where, multiline=t == "text")
        if spec.required and not value:
            raise BadInput(f"{where}不能为空；请填写{spec.label or spec.name}")
        return value
    if t == "date":
        if isinstance(raw, date):
            return raw
        try:
            return check_date(str(raw), spec.name)
        except CalendarError as exc:
            raise BadInput(f"{where}：{exc}") from None
    if t == "score":
        try:
            return parse_score(raw)
        except ValueError as exc:
            raise BadInput(f"{where}：{exc}", article="河南省医疗保障基金使用信用管理办法 Art. 22") from None
    if t == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        try:
            return int(str(raw).strip())
        except ValueError:
            raise BadInput(f"{where}：{raw!r} 不是整数；请填写整数，如 3") from None
    if t == "int_list":
        items = [p for p in _split(raw) if str(p).strip()]
        try:
            values = [p if isinstance(p, int) and not isinstance(p, bool) else int(str(p).strip()) for p in items]
        except ValueError:
            raise BadInput(f"{where}：{raw!r} 不是以逗号分隔的整数列表；请写成如 1,3 的形式") from None
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise BadInput(f"{where}中 {'、'.join(map(str, repeated))} 重复出现：每项只能填一次；"
                           f"请改为不重复的列表，如 {','.join(map(str, dict.fromkeys(values)))}", code="repeated_value")
        return values
    if t == "str_list":
        out = []
        for n, p in enumerate(_split(raw), 1):
            value = _line(spec, p, _where(spec, trigger, n))
            if value:
                out.append(value)
        total = sum(len(v) for v in out)
        if total > TEXT_LENGTH:  # each item is one line; the whole list is no longer than a text
            raise BadInput(f"{where}合计过长：{total} 个字符，上限 {TEXT_LENGTH} 个字符（{LENGTH_RULE}）；请精简",
                           code="too_long")
        return out
    if t == "choice":
        labels = dict(spec.choice_labels)
        return choose(_line(spec, raw, where), {c: labels.get(c, "") for c in spec.choices}, where,
                      code=BadInput.code)
    raise BadInput(f"{where}：不支持的输入类型 {t}")


def parse_inputs(specs: tuple[Input, ...], raw: dict, trigger: str) -> dict:
    known = {s.name: s for s in specs}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        expected = "、".join(known) or "无"
        raise BadInput(f"{trigger}：未知的输入项 {'、'.join(unknown)}；该操作接受的输入项：{expected}", allowed=list(known))
    out = {}
    for spec in specs:
        if spec.name not in raw or raw[spec.name] is None or raw[spec.name] == "":
            if spec.required:
                raise BadInput(f"{_where(spec, trigger)}为必填项，未给出；请填写该项（命令行用 --set {spec.name}=…）",
                               allowed=[s.name for s in specs])
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
