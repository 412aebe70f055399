"""Database commands: init, users, subjects, evaluations, cases, audit log, sweep (notices: notices.py).

Each command parses, calls one service function, and prints; errors are mapped in `main()`.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .output import emit

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
AsOpt = Annotated[str, typer.Option("--as", help="The user acting (the log records it).")]


def svc(check_schema: bool = True):
    from ..services import Services

    return Services.from_settings(check_schema=check_schema)


def parse_sets(values: list[str] | None) -> dict:
    from ..errors import BadInput

    out = {}
    for item in values or []:
        if "=" not in item:
            raise BadInput(f"--set takes key=value, got {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out


# -- init ------------------------------------------------------------------------------------------

def init(
    department: Annotated[Optional[str], typer.Option(help="Issuing department, e.g. 郑州市医疗保障局")] = None,
    prefix: Annotated[Optional[str], typer.Option(help="Document-number prefix, e.g. 郑医保")] = None,
    reconsideration_body: Annotated[Optional[str], typer.Option(help="Body named for 行政复议")] = None,
    court: Annotated[Optional[str], typer.Option(help="Court named for 行政诉讼")] = None,
    calendar_overrides: Annotated[Optional[str], typer.Option(help="Calendar override file (TOML)")] = None,
    font: Annotated[Optional[list[str]], typer.Option(
        "--font", help="Licensed typeface for notices, role=family (fangsong, xiaobiaosong, heiti, kaiti, songti); "
                       "default Noto CJK SC. Repeatable.")] = None,
    as_json: JsonOpt = False,
):
    """Create or upgrade the schema and the deployment's settings."""
    from ..settings import load_settings, write_settings_file

    if calendar_overrides:
        from calendars import load_overrides

        load_overrides(calendar_overrides)  # refuse a bad file before recording it
        write_settings_file(load_settings(), calendar_overrides=calendar_overrides)
    from ..documents import font_settings

    fonts = font_settings(font)  # refuse a font that is not installed before recording anything
    out = svc(check_schema=False).init(department_name=department, number_prefix=prefix,
                                       reconsideration_body=reconsideration_body, court=court, **fonts)
    d = out["deployment"]
    emit(out, as_json, f"数据库已就绪（{out['database']}，版本 {out['schema']}）：{d['department_name']}，文号前缀 {d['number_prefix']}")


# -- users -------------------------------------------------------------------------------------------

user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)


@user_app.command("add")
def user_add(name: str, role: Annotated[str, typer.Option("--role", help="handler,approver,auditor")], as_json: JsonOpt = False):
    out = svc().add_user(name, [r.strip() for r in role.split(",") if r.strip()])
    emit(out, as_json, f"已添加用户 {out['name']}（{','.join(out['roles'])}）")


@user_app.command("list")
def user_list(as_json: JsonOpt = False):
    users = svc().list_users()
    emit({"users": users}, as_json, lambda: "\n".join(f"{u['name']}\t{','.join(u['roles'])}" for u in users))


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
    out = svc().add_subject(name, subject_type, uscc, id_number)
    emit(out, as_json, f"已登记信用主体 {out['id']}：{out['name']}（{out['identifier']}）")


@subject_app.command("show")
def subject_show(key: Annotated[str, typer.Argument(metavar="ID_OR_CODE")], as_json: JsonOpt = False):
    out = svc().show_subject(key)
    emit(out, as_json, lambda: f"{out['id']} {out['name']} {out['type_label']} {out['identifier']}\n" +
         "\n".join(f"  案件 {c['id']} {c['kind']} {c['state']}" for c in out["cases"]))


@subject_app.command("list")
def subject_list(as_json: JsonOpt = False):
    rows = svc().list_subjects()
    emit({"subjects": rows}, as_json, lambda: "\n".join(f"{s['id']}\t{s['name']}\t{s['type']}\t{s['identifier']}" for s in rows))


# -- evaluations --------------------------------------------------------------------------------------------

evaluation_app = typer.Typer(help="Evaluation results (信用评价结果).", no_args_is_help=True)


@evaluation_app.command("publish")
def evaluation_publish(
    subject: Annotated[str, typer.Option("--subject")],
    year: Annotated[int, typer.Option("--year")],
    score: Annotated[str, typer.Option("--score")],
    actor: AsOpt,
    as_json: JsonOpt = False,
):
    """Publish a result today (by the clock); the 15-working-day objection window starts."""
    out = svc().publish_evaluation(subject, year, score, actor)
    show = svc().show_case(out["case_id"])
    out = {**out, "grade": show["grade"], "score": show["score"],
           "objection_window": next(t for t in show["timers"] if t["name"] == "objection_window")}
    emit(out, as_json, f"评价结果已公布：案件 {out['case_id']}，{out['score']}分 {out['grade']}级，"
                       f"异议期至 {out['objection_window']['last_day']}，告知书 {out['notice']}")


# -- cases ---------------------------------------------------------------------------------------------------

case_app = typer.Typer(help="Cases: open, act, inspect.", no_args_is_help=True)


@case_app.command("open")
def case_open(
    kind: str,
    actor: AsOpt,
    evaluation: Annotated[Optional[int], typer.Option("--evaluation", help="The evaluation case objected to")] = None,
    parent: Annotated[Optional[int], typer.Option("--parent")] = None,
    grounds: Annotated[Optional[str], typer.Option("--grounds", help="Art. 24 grounds, e.g. 1,2")] = None,
    received: Annotated[Optional[str], typer.Option("--received", help="Day the written material was received")] = None,
    materials: Annotated[Optional[str], typer.Option("--materials", help="Comma-separated list")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason")] = None,
    sets: Annotated[Optional[list[str]], typer.Option("--set", help="key=value, repeatable")] = None,
    as_json: JsonOpt = False,
):
    """Open a case (e.g. `case open objection --evaluation 3 --grounds 1,2 --received 2026-03-02`)."""
    inputs = parse_sets(sets)
    for key, value in (("grounds", grounds), ("received", received), ("materials", materials), ("reason", reason)):
        if value is not None:
            inputs[key] = value
    out = svc().open_case(kind, evaluation if evaluation is not None else parent, actor, inputs)
    emit(out, as_json, f"已立案 {out['case_id']}：{out['state']}，文书 {out['notice']}")


@case_app.command("act")
def case_act(
    case_id: int,
    trigger: str,
    actor: AsOpt,
    sets: Annotated[Optional[list[str]], typer.Option("--set", help="key=value, repeatable")] = None,
    expected_version: Annotated[Optional[int], typer.Option("--expected-version")] = None,
    as_json: JsonOpt = False,
):
    """Fire TRIGGER on CASE as a user (refused with the rule if not allowed now)."""
    out = svc().act(case_id, trigger, actor, parse_sets(sets), expected_version)
    emit(out, as_json, f"案件 {out['case_id']} → {out['state']}（版本 {out['version']}），文书 {out['notice']}")


@case_app.command("actions")
def case_actions(case_id: int, actor: AsOpt, as_json: JsonOpt = False):
    actions = svc().actions(case_id, actor)
    emit({"case_id": case_id, "actions": actions}, as_json, " ".join(actions) or "（当前无可办理事项）")


@case_app.command("show")
def case_show(case_id: int, as_json: JsonOpt = False):
    out = svc().show_case(case_id)

    def text() -> str:
        lines = [f"案件 {out['id']} {out['label']}：{out['state_label']}（{out['state']}，版本 {out['version']}）"
                 + ("【已超期】" if out["overdue"] else "")]
        lines += [f"  期限 {t['name']}：{t['status']}，最后一日 {t['last_day']}" + ("（暂定）" if t["provisional"] else "")
                  for t in out["timers"]]
        lines += [f"  文书 {n['number']} {n['title']}" for n in out["notices"]]
        return "\n".join(lines)

    emit(out, as_json, text)


@case_app.command("explain")
def case_explain(case_id: int, timer: str, as_json: JsonOpt = False):
    out = svc().explain_timer(case_id, timer)
    emit(out, as_json, lambda: "\n".join(f"{d['date']}  {'计入' if d['counted'] else '不计'}  {d['label']}" for d in out["days"])
         + f"\n最后一日：{out['last_day']}（截止 {out['ends_at']}）")


@case_app.command("list")
def case_list(
    kind: Annotated[Optional[str], typer.Option("--kind")] = None,
    state: Annotated[Optional[str], typer.Option("--state")] = None,
    overdue: Annotated[bool, typer.Option("--overdue")] = False,
    due_within: Annotated[Optional[int], typer.Option("--due-within", help="Working days")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, most urgent first")] = 500,
    as_json: JsonOpt = False,
):
    """Open cases, most urgent first (overdue, then by the next deadline)."""
    rows = svc().list_cases(kind, state, overdue, due_within, limit)
    emit({"cases": rows}, as_json, lambda: "\n".join(
        f"{c['id']}\t{c['kind']}\t{c['state']}\t{'超期' if c['overdue'] else ''}\t"
        f"{c['next_deadline']['last_day'] if c['next_deadline'] else ''}" for c in rows))


# -- audit, sweep, notices ----------------------------------------------------------------------------------------

audit_app = typer.Typer(help="The transition log.", no_args_is_help=True)


@audit_app.command("log")
def audit_log(case_id: int, as_json: JsonOpt = False):
    entries = svc().audit_log(case_id)
    emit({"case_id": case_id, "entries": entries}, as_json, lambda: "\n".join(
        f"{e['seq']}\t{e['effective_at']}\t{e['actor']}\t{e['trigger']}\t{e['from_state']} → {e['to_state']}\t{e['notice_number']}"
        for e in entries))


def sweep(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="ISO 8601 instant; default now")] = None,
    batch: Annotated[int, typer.Option("--batch", help="Due items selected per round")] = 500,
    as_json: JsonOpt = False,
):
    """Fire every timer and reminder due as of an instant (catch-up after downtime), each in its own transaction."""
    from ..clock import now

    instant = _instant(as_of) if as_of else now()
    out = svc().sweep(instant, batch=batch)
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
    rows = svc().list_incidents(include_resolved=all_)
    emit({"incidents": rows}, as_json, lambda: "\n".join(
        [f"异常事件 {len(rows)} 件"] + [
            f"  {r['id']}\t案件 {r['case_id']}\t{r['timer']}/{r['work']}\t{r['status']}\t第{r['attempts']}次失败\t"
            f"下次重试 {r['next_attempt_at']}\t{r['message']}" for r in rows]))


@incidents_app.command("retry")
def incidents_retry(incident_id: int, as_json: JsonOpt = False):
    """Retry one incident now, without waiting for its back-off."""
    out = svc().retry_incident(incident_id)
    inc = out["incident"]
    emit(out, as_json, lambda: f"异常事件 {inc['id']}：{'已解决' if inc['status'] == 'resolved' else '仍未解决'}"
                               f"（{inc['resolution'] or inc['message']}）")
    return 0 if inc["status"] == "resolved" else 1


from .notices import notice_app  # noqa: E402,F401  (show, pdf, served: workflows/cli/notices.py)


def _instant(value: str):
    from datetime import datetime

    from ..errors import BadInput

    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value!r} is not an ISO 8601 instant, e.g. 2026-03-02T09:00:00+08:00") from None
    if instant.tzinfo is None:
        raise BadInput(f"{value!r} has no time zone; add one, e.g. +08:00")
    return instant
