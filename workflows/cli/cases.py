"""Database commands: init, users, subjects, cases, audit log, sweep (notices: notices.py; the documented
aliases, the only commands that name a procedure: aliases.py).

Each command parses, calls one service function, and prints; errors are mapped in `main()`.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .aliases import with_open_aliases
from .output import emit
from .params import CaseArg, ExpectedVersionOpt, IncidentArg, id_option

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
AsOpt = Annotated[str, typer.Option("--as", help="The user acting (the log records it).")]


def svc(check_schema: bool = True):
    from ..services import Services
    from ..settings import load_settings

    settings = load_settings()
    if check_schema:  # only `init` and `demo` (check_schema=False) may create the store's folder
        _require_sqlite_folder(settings.database_url)
    return Services.from_settings(settings, check_schema=check_schema)


def _require_sqlite_folder(url: str) -> None:
    """A SQLite store in a folder that does not exist cannot be reached: exit 1, and no folder is made."""
    if not url.startswith("sqlite"):
        return
    from pathlib import Path

    from sqlalchemy.engine import make_url

    try:
        database = make_url(url).database
    except Exception:  # noqa: BLE001 - a malformed URL is reported where the store is opened
        return
    if database and database != ":memory:" and not Path(database).parent.is_dir():
        from ..errors import Unavailable, unreachable_message

        raise Unavailable(unreachable_message(f"SQLite 数据库所在目录 {Path(database).parent} 不存在"))


def parse_sets(values: list[str] | None) -> dict:
    """`--set key=value` pairs; a key given twice is refused (which value was meant is unknown)."""
    from ..errors import BadInput

    out = {}
    for item in values or []:
        if "=" not in item:
            raise BadInput(f"--set 须写成 键=值，收到 {item!r}；例如 --set reason=expert_review")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise BadInput(f"--set {item!r} 缺少键名；须写成 键=值，例如 --set reason=expert_review")
        if key in out:
            raise BadInput(f"--set {key}=… 给出了两次：同一输入项只能给一个值；请只保留其中一个",
                           code="repeated_input")
        out[key] = value
    return out


# -- init ------------------------------------------------------------------------------------------

def init(
    department: Annotated[Optional[str], typer.Option(help="Issuing department, e.g. 郑州市医疗保障局")] = None,
    prefix: Annotated[Optional[str], typer.Option(help="Document-number prefix, e.g. 郑医保")] = None,
    reconsideration_body: Annotated[Optional[str], typer.Option(
        help="Body named for 行政复议, e.g. 郑州市人民政府 (default: derived from the department where "
             "行政复议法 Art. 24 settles it, else unset and decisions are refused)")] = None,
    court: Annotated[Optional[str], typer.Option(help="Court named for 行政诉讼 (default: 有管辖权的人民法院)")] = None,
    calendar_overrides: Annotated[Optional[str], typer.Option(help="Calendar override file (TOML)")] = None,
    font: Annotated[Optional[list[str]], typer.Option(
        "--font", help="Licensed typeface for notices, role=family (fangsong, xiaobiaosong, heiti, kaiti, songti); "
                       "default Noto CJK SC. Repeatable.")] = None,
    rename: Annotated[bool, typer.Option(
        "--rename", help="Change a department, prefix or remedies body set already, on a store with cases "
                         "(recorded in the audit trail; needs --as)")] = False,
    actor: Annotated[Optional[str], typer.Option(
        "--as", help="The approver who signs a settings change on a store with cases")] = None,
    as_json: JsonOpt = False,
):
    """Create or upgrade the schema and the deployment's settings (workflows/deployment.py)."""
    from ..settings import load_settings, write_settings_file

    if calendar_overrides:
        from calendars import load_overrides

        load_overrides(calendar_overrides)  # refuse a bad file before recording it
        write_settings_file(load_settings(), calendar_overrides=calendar_overrides)
    from ..services.deployment import font_settings

    fonts = font_settings(font)  # refuse a font that is not installed before recording anything
    out = svc(check_schema=False).deployment.init(department_name=department, number_prefix=prefix,
                                       reconsideration_body=reconsideration_body, court=court, rename=rename,
                                       actor=actor, **fonts)

    def text() -> str:
        from ..deployment import LABELS, derive_reconsideration_body

        d, unset = out["deployment"], "（未设置）"
        body = d["reconsideration_body"]
        derived = body is not None and body == derive_reconsideration_body(d["department_name"])
        lines = [f"数据库已就绪（{out['database']}，版本 {out['schema']}）：{d['department_name'] or unset}，"
                 f"文号前缀 {d['number_prefix'] or unset}",
                 f"复议机关：{body or unset}" + ("（依行政复议法第二十四条由发文机关名称确定）" if derived else "")
                 + f"；人民法院：{d['court'] or unset}"]
        if not d["department_name"] or not d["number_prefix"]:
            lines.append("尚未设置发文机关或文号前缀：办理任何事项前请运行 creditflow init --department <发文机关全称> "
                         "--prefix <机关代字>（演示：creditflow demo 或 creditflow serve --demo 在空库中自行设置演示机关）")
        elif body is None:
            lines.append(f"复议机关未设置（无法由“{d['department_name']}”确定）：出具含行政复议、行政诉讼告知的决定前，"
                         "请运行 creditflow init --reconsideration-body <复议机关全称>；未设置前此类决定一律不予出具")
        change = out["renamed"]
        if change:
            diff = "；".join(f"{LABELS[k]}：{change['old'][k] or unset} → {change['new'][k] or unset}"
                             for k in change["new"] if change["old"].get(k) != change["new"][k])
            lines.append(f"设置变更已记入审计日志（第 {change['seq']} 条，{change['actor']} 署名）：{diff}")
        return "\n".join(lines)

    emit(out, as_json, text)


# -- users -------------------------------------------------------------------------------------------

user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)


ROLE_LABELS = {"handler": "经办人", "approver": "审核人", "auditor": "审计人员", "system": "系统"}


def _roles_zh(roles) -> str:
    return "、".join(ROLE_LABELS.get(r, r) for r in roles)


@user_app.command("add")
def user_add(name: str, role: Annotated[str, typer.Option("--role", help="handler,approver,auditor")], as_json: JsonOpt = False):
    """Add a user with one or more roles (handler 经办人, approver 审核人, auditor 审计人员)."""
    out = svc().deployment.add_user(name, [r.strip() for r in role.split(",") if r.strip()])
    emit(out, as_json, f"已添加用户 {out['name']}（{_roles_zh(out['roles'])}）")


@user_app.command("list")
def user_list(as_json: JsonOpt = False):
    """List the users and their roles."""
    users = svc().deployment.list_users()
    emit({"users": users}, as_json, lambda: "\n".join(
        ["用户名\t角色"] + [f"{u['name']}\t{_roles_zh(u['roles'])}" for u in users]) if users else "尚无用户")


# -- subjects ------------------------------------------------------------------------------------------

subject_app = typer.Typer(help="Credit subjects (信用主体).", no_args_is_help=True)


@subject_app.command("add")
def subject_add(
    name: Annotated[str, typer.Option("--name")],
    subject_type: Annotated[str, typer.Option("--type", help="hospital, pharmacy, employer, agency, other_institution, practitioner, insured, other_person")],
    uscc: Annotated[Optional[str], typer.Option("--uscc")] = None,
    id_number: Annotated[Optional[str], typer.Option("--id-number")] = None,
    as_json: JsonOpt = False,
):
    """Register a credit subject with its unified social credit code or ID number (checked)."""
    out = svc().deployment.add_subject(name, subject_type, uscc, id_number)
    emit(out, as_json, f"已登记信用主体 {out['id']}：{out['name']}（{out['identifier']}）")


@subject_app.command("show")
def subject_show(key: Annotated[str, typer.Argument(metavar="ID_OR_CODE", help="信用主体编号或统一社会信用代码/身份证号码")],
                 as_json: JsonOpt = False):
    """A credit subject with its cases and its credit archive (entries in use and not)."""
    out = svc().deployment.show_subject(key)

    def text() -> str:
        lines = [f"信用主体 {out['id']}：{out['name']}（{out['type_label']}，{out['identifier']}）",
                 "案件：" + ("" if out["cases"] else "无")]
        lines += [f"  {c['id']}\t{c['label']}\t{c['state_label']}" for c in out["cases"]]
        lines.append("信用档案：" + ("" if out["archive"] else "无"))
        for e in out["archive"]:
            status = "使用中" if e["in_use"] else (f"已被第{e['superseded_by']}条取代" if e["superseded_by"]
                                                 else "已停止使用")
            until = f"公开至{e['disclosed_until']}" if e["disclosed_until"] else "长期（至被取代）"
            lines.append(f"  {e['id']}\t{e['kind_label']}\t{e['facts']}\t认定于{e['determined_on']}\t{until}\t{status}")
        return "\n".join(lines)

    emit(out, as_json, text)


@subject_app.command("list")
def subject_list(as_json: JsonOpt = False):
    """List the registered credit subjects."""
    from states.identifiers import SUBJECT_TYPES

    rows = svc().deployment.list_subjects()
    emit({"subjects": rows}, as_json, lambda: "\n".join(
        ["编号\t名称\t类型\t代码"]
        + [f"{s['id']}\t{s['name']}\t{SUBJECT_TYPES.get(s['type'], s['type'])}\t{s['identifier']}" for s in rows])
        if rows else "尚无信用主体")


# -- cases ---------------------------------------------------------------------------------------------------

case_app = typer.Typer(help="Cases: open, act, inspect.", no_args_is_help=True)

# What a case is opened on (`Procedure.opens_on`): the option that names it, and how a handler says it.
TARGETS = {"subject": "--subject", "parent": "--parent", "entry": "--entry"}


def opened_on(registry, proc) -> str:
    """What a kind is opened on, as the refusal says it: "信用主体（--subject 主体编号或代码）或…"."""
    parents = "或".join(registry.label(k) for k in proc.parent_kinds if k in registry)
    ways = {"subject": "信用主体（--subject 主体编号或统一社会信用代码/身份证号码）",
            "parent": f"所属的{parents}案件（--parent 案件编号）",
            "entry": "所针对的信用档案记录（--entry 记录编号，见 creditflow subject show）"}
    return "或".join(ways[o] for o in proc.opens_on if o in ways)


# The declarations' readers live in the cases area (services/cases.py, shared with the web API); imported
# when called, so that commands which need no store import no SQLAlchemy.

def resolve_kind(registry, kind: str) -> str:
    from ..services.cases import resolve_kind as resolve

    return resolve(registry, kind)


def opening_specs(proc, trigger: str) -> dict:
    from ..services.cases import opening_specs as specs

    return specs(proc, trigger)


# How a handler reads an input type (the JSON keeps the codes).
INPUT_TYPES = {"str": "单行文本", "text": "多行文本", "date": "日期 YYYY-MM-DD", "score": "得分（0-100，至多两位小数）",
               "int": "整数", "int_list": "整数列表（逗号分隔）", "str_list": "列表（逗号分隔）", "choice": "选项"}


def input_line(i: dict) -> str:
    line = (f"  --set {i['name']}=…\t{i['label'] or i['name']}\t{INPUT_TYPES.get(i['type'], i['type'])}\t"
            + ("必填" if i["required"] else "选填"))
    if i["choices"]:
        line += "\t可选：" + "、".join(f"{c['code']}（{c['label']}）" if c["label"] != c["code"] else c["code"]
                                    for c in i["choices"])
    return line


def _check_target(registry, proc, kind: str, given: dict) -> dict:
    """Exactly one of --subject/--parent/--entry, and one the declaration's `opens_on` allows."""
    from ..errors import BadInput

    named = {k: v for k, v in given.items() if v is not None}
    if len(named) != 1:
        shown = "、".join(TARGETS[k] for k in named) or "未给出"
        raise BadInput(f"case open {kind}：须且只能给出 --subject、--parent、--entry 中的一个（收到：{shown}）；"
                       f"{proc.label}案件在{opened_on(registry, proc)}上立案", code="bad_target",
                       allowed=[TARGETS[o] for o in proc.opens_on])
    (target, _), = named.items()
    if target not in proc.opens_on:
        raise BadInput(f"case open {kind}：{proc.label}案件不以 {TARGETS[target]} 立案；"
                       f"它在{opened_on(registry, proc)}上立案", code="bad_target",
                       allowed=[TARGETS[o] for o in proc.opens_on])
    return named


def _check_input_names(proc, kind: str, trigger: str, inputs: dict) -> None:
    from ..errors import BadInput

    declared = opening_specs(proc, trigger)
    unknown = [name for name in inputs if name not in declared]
    if unknown:
        raise BadInput(f"case open {kind}：未知的输入项 {'、'.join(unknown)}；立案（{trigger}）接受的输入项："
                       f"{'、'.join(declared) or '无'}（各项的类型和说明：creditflow case inputs {kind}）",
                       code="unknown_input", allowed=list(declared))


@case_app.command("open")
@with_open_aliases  # `case open objection --evaluation … --grounds …` (workflows/cli/aliases.py)
def case_open(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="The case kind, by code or Chinese label")],
    actor: AsOpt,
    subject: Annotated[Optional[str], typer.Option(
        "--subject", help="The credit subject it is opened on (number, USCC or ID number)")] = None,
    parent: Annotated[Optional[int], id_option(
        "--parent", label="--parent（上级案件编号）", help="The case it is opened under")] = None,
    entry: Annotated[Optional[int], id_option(
        "--entry", label="--entry（信用档案记录编号）", help="The credit-archive entry it is opened on")] = None,
    sets: Annotated[Optional[list[str]], typer.Option(
        "--set", help="NAME=VALUE, an input of the opening transition; repeatable, each name once")] = None,
    as_json: JsonOpt = False,
):
    """Open a case of KIND on what its declaration allows (exactly one of --subject, --parent, --entry),
    by its opening transition, with that transition's declared inputs as --set NAME=VALUE.

    The inputs each kind takes (name, type, label, required, choices): `creditflow case inputs KIND`.
    Example: `case open objection --parent 1 --set grounds=1,2 --set received=2026-02-24 --as alice`."""
    from ..errors import BadInput

    inputs = parse_sets(sets)
    services = svc()
    registry = services.registry
    kind = resolve_kind(registry, kind)
    proc = registry.procedure(kind)
    trigger = proc.opening_trigger()
    if trigger is None:
        raise BadInput(f"case open {kind}：{proc.label}案件只能由其他案件依程序开启，不能直接立案", code="not_openable")
    target = _check_target(registry, proc, kind, {"subject": subject, "parent": parent, "entry": entry})
    _check_input_names(proc, kind, trigger, inputs)
    out = services.cases.open(kind, actor, inputs, **target)
    # 登记 (registered), not 立案: for a fraud clue, filing (立案) is a later decision of its own
    emit(out, as_json, lambda: f"已登记案件 {out['case_id']}（{proc.label}）：{state_label(registry, out['kind'], out['state'])}，"
                               f"文书 {out['notice']}")


@case_app.command("inputs")
def case_inputs(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="The case kind, by code or Chinese label")],
    trigger: Annotated[Optional[str], typer.Option(
        "--trigger", help="Another trigger of KIND (default: its opening trigger, what `case open` fires)")] = None,
    as_json: JsonOpt = False,
):
    """The inputs (--set NAME=VALUE) a trigger of KIND declares: name, type, label, required, choices.

    Without --trigger, those of the opening transition `case open KIND` fires, and what the kind is
    opened on. Read from the declaration (no database)."""
    from states import REGISTRY

    from ..services.cases import declared_inputs

    out = declared_inputs(REGISTRY, kind, trigger)
    kind, label, trigger, opening = out["kind"], out["trigger_label"], out["trigger"], out["opening"]
    proc = REGISTRY.procedure(kind)

    def text() -> str:
        head = f"{proc.label}（{kind}）{label}（{trigger}）"
        if opening:
            head += f"：creditflow case open {kind} 在{opened_on(REGISTRY, proc)}上立案"
        return "\n".join([head] + ([input_line(i) for i in out["inputs"]] or ["  （无输入项）"]))

    emit(out, as_json, text)


@case_app.command("act")
def case_act(
    case_id: CaseArg,
    trigger: str,
    actor: AsOpt,
    sets: Annotated[Optional[list[str]], typer.Option("--set", help="key=value, repeatable")] = None,
    expected_version: ExpectedVersionOpt = None,
    as_json: JsonOpt = False,
):
    """Fire TRIGGER on CASE as a user (refused with the rule if not allowed now)."""
    services = svc()
    out = services.cases.act(case_id, trigger, actor, parse_sets(sets), expected_version)
    emit(out, as_json, lambda: f"案件 {out['case_id']} → {state_label(services.registry, out['kind'], out['state'])}"
                               f"（版本 {out['version']}），文书 {out['notice']}")


# `case assign` (named by the function, as Typer does): fires the common trigger of states/common.py that every
# procedure declares, through the service.
@case_app.command()
def assign(
    case_id: CaseArg,
    user: Annotated[str, typer.Argument(metavar="USER", help="承办人的用户名")],
    actor: AsOpt,
    expected_version: ExpectedVersionOpt = None,
    as_json: JsonOpt = False,
):
    """Give CASE to the handler USER (an approver's act; logged with an internal record 案件分派记录)."""
    out = svc().cases.assign(case_id, user, actor, expected_version)
    emit(out, as_json, lambda: f"案件 {out['case_id']} 已分派给 {user}（版本 {out['version']}），分派记录 {out['notice']}")


# `case attach`: the common `attach` trigger of states/common.py, through the service, which stores the
# file's content under its SHA-256 and logs it in one transaction.
@case_app.command()
def attach(
    case_id: CaseArg,
    file: Annotated[str, typer.Argument(metavar="FILE", help="材料文件（PDF、图片或 Office 文档）")],
    actor: AsOpt,
    description: Annotated[Optional[str], typer.Option("--description", help="材料说明")] = None,
    expected_version: ExpectedVersionOpt = None,
    as_json: JsonOpt = False,
):
    """Attach FILE (scanned material, evidence) to CASE: kept by its SHA-256, logged with 材料登记记录."""
    out = svc().cases.attach(case_id, file, actor, description, expected_version)
    emit(out, as_json, lambda: f"案件 {out['case_id']} 已登记材料 {out['filename']}（{out['size']} 字节，"
                               f"SHA-256 {out['sha256']}），版本 {out['version']}，登记记录 {out['notice']}")


@case_app.command("actions")
def case_actions(case_id: CaseArg, actor: AsOpt, as_json: JsonOpt = False):
    """What USER may do on CASE now: each trigger with its label and declared inputs (what a form renders)."""
    actions = svc().cases.actions(case_id, actor, detailed=True)

    def text() -> str:
        if not actions:
            return "（当前无可办理事项）"
        lines = []
        for a in actions:
            lines.append(f"{a['trigger']}\t{a['label']}")
            lines += [input_line(i) for i in a["inputs"]]
        return "\n".join(lines)

    emit({"case_id": case_id, "actions": actions}, as_json, text)


@case_app.command("reporter")
def case_reporter(case_id: CaseArg, actor: AsOpt, as_json: JsonOpt = False):
    """The case's sealed entries (a reporter's identity), for a user its procedure lets read them: the reading
    is itself a transition of the case, logged and recorded (查阅记录) in the same transaction."""
    out = svc().cases.read_sealed(case_id, actor)

    def text() -> str:
        head = f"案件 {out['case_id']} 保密登记事项（本次查阅已记入案卷，查阅记录 {out['notice']}）："
        if not out["sealed"]:
            return head + "无"
        return "\n".join([head] + [f"  {e['label']}：{e['value']}（{e['recorded_at']} 由 {e['recorded_by']} 登记）"
                                    for e in out["sealed"]])

    emit({"case_id": out["case_id"], "notice": out["notice"],
          "sealed": [{k: e[k] for k in ("name", "label", "value", "sha256", "recorded_at")} for e in out["sealed"]]},
         as_json, text)


# Timer status as a handler says it (the JSON keeps the codes).
TIMER_STATUS = {"running": "计算中", "suspended": "中止计算", "stopped": "已停止", "fired": "已届满"}


def _procedure(registry, kind: str):
    """The latest declaration of `kind` in the services' registry, or None for a kind it does not hold."""
    return registry.procedure(kind) if kind in registry else None


def state_label(registry, kind: str, state: str) -> str:
    proc = _procedure(registry, kind)
    try:
        return proc.state(state).label if proc else state
    except KeyError:
        return state


def timer_label(registry, kind: str, name: str) -> str:
    proc = _procedure(registry, kind)
    try:
        return proc.timer(name).label if proc else name
    except KeyError:
        return name


@case_app.command("show")
def case_show(case_id: CaseArg, as_json: JsonOpt = False):
    """A case: its state, subject, deadlines and notices."""
    services = svc()
    out = services.cases.show(case_id)

    def text() -> str:
        subject = f"，信用主体 {out['subject_name']}" if out.get("subject_name") else ""
        lines = [f"案件 {out['id']} {out['label']}：{out['state_label']}（版本 {out['version']}{subject}）"
                 + ("【已超期】" if out["overdue"] else "")]
        lines.append(f"  承办人 {out['assignee']}" if out["assignee"] else "  承办人 未分派")
        lines += [f"  期限 {timer_label(services.registry, out['kind'], t['name'])}：{TIMER_STATUS.get(t['status'], t['status'])}，"
                  f"最后一日 {t['last_day']}" + ("（暂定）" if t["provisional"] else "")
                  for t in out["timers"]]
        lines += [f"  文书 {n['number']} {n['title']}（{n['issued_at']}）" for n in out["notices"]]
        for c in out["children"]:
            proc = _procedure(services.registry, c["kind"])
            relation = "下级案件" if c["relation"] == "child" else "关联案件"
            clocks = "；".join(f"{t['label']}至 {t['last_day']}" + (f"（{t['ends_at']} 届满）" if t["ends_at"][11:19] != "00:00:00"
                                                                  else "") for t in c["timers"])
            lines.append(f"  {relation} {c['id']} {proc.label if proc else c['kind']}：{c['state_label']}"
                         + (f"，{clocks}" if clocks else ""))
        return "\n".join(lines)

    emit(out, as_json, text)


@case_app.command("explain")
def case_explain(
    case_id: CaseArg,
    timer: Annotated[str, typer.Argument(metavar="TIMER", help="The timer's name or its Chinese label, e.g. handling or 异议处理期限")],
    as_json: JsonOpt = False,
):
    """Every day a case's deadline counted or skipped, and why."""
    out = svc().cases.explain_timer(case_id, timer)
    end = (f"期间届满：{out['ends_at']}（按小时计算，自 {out['from']} 起 {out['hours']} 小时，不因节假日顺延）"
           if out["unit"] == "hours" else f"最后一日：{out['last_day']}（截止 {out['ends_at']}）")
    emit(out, as_json, lambda: "\n".join(f"{d['date']}  {'计入' if d['counted'] else '不计'}  {d['label']}" for d in out["days"])
         + f"\n{end}")


@case_app.command("list")
def case_list(
    kind: Annotated[Optional[str], typer.Option("--kind", help="Only this kind, e.g. objection")] = None,
    state: Annotated[Optional[str], typer.Option("--state", help="Only cases in this state (final ones too)")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue cases (督办)")] = False,
    due_within: Annotated[Optional[int], id_option(
        "--due-within", label="--due-within（工作日数）", help="Due within this many working days")] = None,
    limit: Annotated[int, id_option(
        "--limit", label="--limit（最多列出的案件数）", help="At most this many, most urgent first")] = 500,
    mine: Annotated[bool, typer.Option("--mine", help="Only the --as user's own cases (first) and the unassigned ones")] = False,
    actor: Annotated[Optional[str], typer.Option("--as", help="The user whose cases --mine lists")] = None,
    as_json: JsonOpt = False,
):
    """Open cases, most urgent first (overdue, then by the next deadline); with --mine, the acting user's own
    cases first, then the unassigned ones."""
    if mine and not actor:
        from ..errors import BadInput
        raise BadInput("--mine 须与 --as 一同使用，指明列出哪位用户的案件；例如 creditflow case list --mine --as 张三")
    services = svc()
    rows = services.cases.list(kind, state, overdue, due_within, limit, mine=actor if mine else None)

    def text() -> str:
        if not rows:
            return "没有符合条件的案件"
        lines = ["案件\t类型\t状态\t信用主体\t承办人\t督办\t最近期限\t最后一日"]
        for c in rows:
            proc = _procedure(services.registry, c["kind"])
            d = c["next_deadline"]
            lines.append("\t".join([
                str(c["id"]), proc.label if proc else c["kind"], state_label(services.registry, c["kind"], c["state"]),
                c.get("subject_name") or "", c["assignee"] or "未分派", "超期" if c["overdue"] else "",
                timer_label(services.registry, c["kind"], d["name"]) if d else "",
                (d["last_day"] + ("（暂定）" if d["provisional"] else "")) if d else ""]))
        return "\n".join(lines)

    emit({"cases": rows}, as_json, text)


# -- audit, sweep, notices ----------------------------------------------------------------------------------------

audit_app = typer.Typer(help="The transition log.", no_args_is_help=True)


@audit_app.command("log")
def audit_log(case_id: CaseArg, as_json: JsonOpt = False):
    """A case's transition log, oldest first (instants in Asia/Shanghai)."""
    services = svc()
    entries = services.audit.log(case_id)

    def text() -> str:
        kind = services.cases.show(case_id)["kind"]
        proc = _procedure(services.registry, kind)
        def label(e) -> str:  # the declared transition that made this step (the route it took)
            routes = [t for t in (proc.transitions if proc else ())
                      if t.trigger == e["trigger"] and (t.dest or e["from_state"]) == e["to_state"]]
            # Two routes to the same state are told apart by a condition the log does not record: the
            # default route (no condition) names the step without claiming the condition held.
            route = next((t for t in routes if t.when is None), routes[0] if routes else None)
            return route.label if route else e["trigger"]

        return "\n".join(["序号\t生效时间\t办理人\t操作\t状态变化\t文书"] + [
            f"{e['seq']}\t{e['effective_at']}{'（模拟时钟）' if e['clock_overridden'] else ''}\t{e['actor']}\t"
            f"{label(e)}（{e['trigger']}）\t"
            f"{state_label(services.registry, kind, e['from_state']) if e['from_state'] else '（立案）'} → "
            f"{state_label(services.registry, kind, e['to_state'])}\t"
            f"{e['notice_number'] or ''}" for e in entries])

    emit({"case_id": case_id, "entries": entries}, as_json, text)


def sweep(
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", help="ISO 8601 instant, not later than now (later only with clock override); default now")] = None,
    batch: Annotated[int, id_option("--batch", label="--batch（每轮选取的到期事项数）",
                                    help="Due items selected per round")] = 500,
    as_json: JsonOpt = False,
):
    """Fire every timer and reminder due as of an instant (catch-up after downtime), in batches: one transaction per batch, each case under its own savepoint (docs/sweep.md)."""
    from .. import clock
    from ..errors import BadInput
    from ..settings import load_settings

    if as_of is None:
        instant = clock.now()
    else:
        if not as_of.strip():
            raise BadInput("--as-of 为空：须给出 ISO 8601 时刻，如 2026-03-06T00:00:00+08:00；"
                           "要按当前时间清理，请不写 --as-of", code="bad_instant")
        instant = _instant(as_of.strip(), "--as-of")
        if load_settings().allow_clock_override:
            # Demos and tests: the sweep runs with the clock at that instant, so every row it writes is
            # marked overridden and nothing is dated before it happened.
            clock.set_override(instant)
        elif instant > clock.real_now():
            from calendars import SHANGHAI

            raise BadInput(f"--as-of {instant.astimezone(SHANGHAI).isoformat()} 晚于当前时间：只能补办已经到期的事项，"
                           "不能提前清理（creditflow policy: 时钟不可伪造）；请去掉 --as-of 或给出不晚于现在的时刻",
                           code="as_of_in_future")
    out = svc().sweep.run_once(instant, batch=batch)
    if out.get("skipped"):
        emit(out, as_json, lambda: f"未执行：{out['skipped']}")
        return 0
    c = out["counts"]
    emit(out, as_json, lambda: "\n".join(
        [f"已处理到期事项 {c['fired']} 件，发出提醒 {c['reminded']} 件，失败 {c['failed']} 件（已记为异常事件），"
         f"顺延 {c['deferred']} 件"]
        + [f"  案件 {f['case_id']} {f['timer']} → {f['state']}（{f['notice']}）" for f in out["fired"]]
        + [f"  提醒：案件 {f['case_id']} {f['timer']}（{f['notice']}）" for f in out["reminded"]]
        + [f"  失败：案件 {f['case_id']} 计时器 {f['timer_id']}：{f['error']}（异常事件 {f['incident']}）"
           for f in out["failed"]]))
    return 0


incidents_app = typer.Typer(help="Timers whose expiry or reminder failed (异常事件), retried with back-off.",
                            invoke_without_command=True)


@incidents_app.callback()
def incidents_list(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved incidents")] = False,
    as_json: JsonOpt = False,
):
    """List open incidents (with --all, resolved ones too)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = svc().sweep.list_incidents(include_resolved=all_)
    emit({"incidents": rows}, as_json, lambda: "\n".join(
        [f"异常事件 {len(rows)} 件", "  编号\t案件\t期限/事项\t状态\t失败次数\t下次重试\t错误"] + [
            f"  {r['id']}\t案件 {r['case_id']}\t{r['timer']}/{r['work']}\t{r['status']}\t第{r['attempts']}次失败\t"
            f"下次重试 {r['next_attempt_at']}\t{r['message']}" for r in rows])
        if rows else ("没有异常事件" if all_ else "没有未解决的异常事件"))


@incidents_app.command("retry")
def incidents_retry(incident_id: IncidentArg, as_json: JsonOpt = False):
    """Retry one incident now, without waiting for its back-off."""
    out = svc().sweep.retry_incident(incident_id)
    inc = out["incident"]
    emit(out, as_json, lambda: f"异常事件 {inc['id']}：{'已解决' if inc['status'] == 'resolved' else '仍未解决'}"
                               f"（{inc['resolution'] or inc['message']}）")
    return 0 if inc["status"] == "resolved" else 1


from .notices import notice_app  # noqa: E402,F401  (show, pdf, served: workflows/cli/notices.py)


def _instant(value: str, option: str = "--now"):
    from datetime import datetime

    from ..errors import BadInput

    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{option} {value!r} 不是 ISO 8601 时刻；请写成如 2026-03-02T09:00:00+08:00 的形式",
                       code="bad_instant") from None
    if instant.tzinfo is None:
        raise BadInput(f"{option} {value!r} 没有时区；请加上时区，如 2026-03-02T09:00:00+08:00", code="bad_instant")
    return instant
