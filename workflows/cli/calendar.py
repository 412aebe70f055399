"""`creditflow calendar …`: deadlines, explanations and the year list (no database), and `reload`,
which recomputes the stored provisional deadlines after new calendar data arrives."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .output import emit

app = typer.Typer(help="Working-day calendar and legal deadlines.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
FromOpt = Annotated[str, typer.Option("--from", help="Start day YYYY-MM-DD (not counted).")]


def _period(start: str, working_days, days, months, allow_months: bool = True):
    from calendars import compute

    from ..errors import BadInput
    from ..settings import calendar

    given = [(u, v) for u, v in (("working_days", working_days), ("days", days), ("months", months)) if v is not None]
    if len(given) != 1:
        units = "--working-days N, --days N" + (" or --months N" if allow_months else "")
        raise BadInput(f"give exactly one period length: {units}")
    unit, amount = given[0]
    cal = calendar()
    return cal, compute(cal, start, unit, amount)


def _deadline_text(p) -> str:
    flag = "（含未经国务院通知确认的年份，为暂定日期）" if p.provisional else ""
    return f"{p.last_day.isoformat()}  截止于 {p.ends_at.isoformat()}{flag}"


@app.command()
def deadline(
    start: FromOpt,
    working_days: Annotated[Optional[int], typer.Option("--working-days")] = None,
    days: Annotated[Optional[int], typer.Option("--days")] = None,
    months: Annotated[Optional[int], typer.Option("--months")] = None,
    as_json: JsonOpt = False,
):
    """The last day of a period and the instant it ends (24:00 Asia/Shanghai)."""
    _, p = _period(start, working_days, days, months)
    emit(p.to_dict(), as_json, lambda: _deadline_text(p))


@app.command()
def explain(
    start: FromOpt,
    working_days: Annotated[Optional[int], typer.Option("--working-days")] = None,
    days: Annotated[Optional[int], typer.Option("--days")] = None,
    months: Annotated[Optional[int], typer.Option("--months")] = None,
    as_json: JsonOpt = False,
):
    """Every day from the start to the last day: counted or not, and why."""
    from calendars import explain as explain_period

    cal, p = _period(start, working_days, days, months)
    e = explain_period(cal, p)

    def text() -> str:
        lines = [f"{d.date.isoformat()}  {'计入' if d.counted else '不计'}  {d.label}" for d in e.days]
        return "\n".join(lines + [f"期间最后一日：{_deadline_text(p)}"])

    emit(e.to_dict(), as_json, text)


@app.command("is-working-day")
def is_working_day(day: Annotated[str, typer.Argument(help="YYYY-MM-DD")], as_json: JsonOpt = False):
    """Whether a day is a working day, and why."""
    from ..settings import calendar

    info = calendar().day(day)
    payload = {
        "date": info.date.isoformat(),
        "working_day": info.working,
        "reason": info.kind.value,
        "name": info.name,
        "label": info.label,
        "confirmed": info.confirmed,
    }
    emit(payload, as_json, f"{info.date.isoformat()}  {'工作日' if info.working else '休息日'}  {info.label}")


@app.command()
def years(as_json: JsonOpt = False):
    """Each supported year, whether its official schedule is confirmed, and the source."""
    from ..settings import calendar

    cal = calendar()
    rows = [{"year": y.year, "confirmed": y.confirmed, "source": y.source} for y in cal.years()]
    payload = {"calendar_version": cal.version, "package_version": cal.package_version, "years": rows}
    emit(payload, as_json, lambda: "\n".join(
        f"{r['year']}  {'已确认' if r['confirmed'] else '暂定'}  {r['source']}" for r in rows))


@app.command()
def reload(as_json: JsonOpt = False):
    """Load new calendar data (the override file, a newer `holidays`) and recompute open provisional deadlines.

    Each deadline whose last day moves is logged like a transition and noticed to whoever it binds."""
    from ..services import Services

    out = Services.from_settings().sweep.reload_calendar()
    emit(out, as_json, lambda: "\n".join(
        [f"日历版本 {out['calendar_version_before']} → {out['calendar_version']}：期限变更 {len(out['moved'])} 件，"
         f"确认未变 {len(out['confirmed'])} 件，无变化 {out['unchanged']} 件，失败 {len(out['failed'])} 件"]
        + [f"  案件 {m['case_id']} {m['timer']}：{m['old_last_day']} → {m['new_last_day']}（{m['notice']}）"
           for m in out["moved"]]
        + [f"  失败：计时器 {f['timer_id']}：{f['error']}" for f in out["failed"]]))
    return 0
