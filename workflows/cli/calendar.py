"""`creditflow calendar …`: deadlines, explanations and the year list (no database), and `reload`,
which recomputes the stored provisional deadlines after new calendar data arrives."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .output import emit

app = typer.Typer(help="Working-day calendar and legal deadlines.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
FromOpt = Annotated[str, typer.Option("--from", help=(
    "Start day YYYY-MM-DD (not counted); with --hours the instant with its offset, e.g. 2026-09-30T15:00:00+08:00."))]
WorkingDaysOpt = Annotated[Optional[int], typer.Option("--working-days")]
DaysOpt = Annotated[Optional[int], typer.Option("--days")]
MonthsOpt = Annotated[Optional[int], typer.Option("--months")]
HoursOpt = Annotated[Optional[int], typer.Option("--hours", help="N hours from the instant to the instant (never moved).")]

HOURS_ARTICLE = "民法典第二百零一条第二款"


def _start_instant(value: str):
    """The instant an hour period runs from: ISO 8601 with its UTC offset (a day alone says no time)."""
    from datetime import date, datetime

    from ..errors import BadInput

    text = value.strip()
    try:
        date.fromisoformat(text)
    except ValueError:
        pass
    else:
        raise BadInput(f"--from {text}：按小时计算的期间自某一时刻起算（{HOURS_ARTICLE}），只有日期无法确定起算时刻；"
                       "请写明时刻和时区，如 --from 2026-09-30T15:00:00+08:00", code="bad_instant")
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--from {text!r} 不是 ISO 8601 时刻；请写成如 2026-09-30T15:00:00+08:00 的形式",
                       code="bad_instant") from None
    if instant.tzinfo is None:
        raise BadInput(f"--from {text} 没有时区；请加上时区，如 2026-09-30T15:00:00+08:00", code="bad_instant")
    return instant


def _refuse_instant_for_days(value: str, unit: str) -> None:
    """A period of days, working days or months starts from a day (the day itself not counted), not an instant."""
    from datetime import datetime

    from ..errors import BadInput

    text = value.strip()
    if len(text) <= 10:
        return  # a day, or not a date at all (the calendar says so)
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return
    option = {"working_days": "--working-days", "days": "--days", "months": "--months"}[unit]
    raise BadInput(f"--from {text} 是一个时刻：{option} 的期间自某一日起算，开始的当日不计入（民法典第二百零一条第一款）；"
                   f"请只写日期，如 --from {text[:10]}；按小时计算请用 --hours", code="bad_date")


def _period(start: str, working_days, days, months, hours=None):
    from calendars import compute, hours_period

    from ..errors import BadInput
    from ..settings import calendar

    given = [(u, v) for u, v in (("working_days", working_days), ("days", days), ("months", months),
                                 ("hours", hours)) if v is not None]
    if len(given) != 1:
        raise BadInput("请给出且只给出一个期间长度：--working-days N（工作日）、--days N（日）、--months N（月）或 --hours N（小时）",
                       code="bad_period")
    unit, amount = given[0]
    if unit == "hours":
        instant = _start_instant(start)
        cal = calendar()
        return cal, hours_period(cal, instant, amount)
    _refuse_instant_for_days(start, unit)
    cal = calendar()
    return cal, compute(cal, start, unit, amount)


def _deadline_text(p) -> str:
    if p.unit == "hours":
        return f"{p.to_dict()['ends_at']} 届满（按小时计算，自 {p.to_dict()['from']} 起 {p.amount} 小时，不因节假日顺延）"
    flag = "（含未经国务院通知确认的年份，为暂定日期）" if p.provisional else ""
    return f"{p.last_day.isoformat()}  截止于 {p.ends_at.isoformat()}{flag}"


@app.command()
def deadline(
    start: FromOpt,
    working_days: WorkingDaysOpt = None,
    days: DaysOpt = None,
    months: MonthsOpt = None,
    hours: HoursOpt = None,
    as_json: JsonOpt = False,
):
    """The last day of a period and the instant it ends (24:00 Asia/Shanghai; an hour period: its end instant)."""
    _, p = _period(start, working_days, days, months, hours)
    emit(p.to_dict(), as_json, lambda: _deadline_text(p))


@app.command()
def explain(
    start: FromOpt,
    working_days: WorkingDaysOpt = None,
    days: DaysOpt = None,
    months: MonthsOpt = None,
    hours: HoursOpt = None,
    as_json: JsonOpt = False,
):
    """Every day from the start to the last day: counted or not, and why (an hour period: the hours of each day)."""
    from calendars import explain as explain_period

    cal, p = _period(start, working_days, days, months, hours)
    e = explain_period(cal, p)

    def text() -> str:
        lines = [f"{d.date.isoformat()}  {'计入' if d.counted else '不计'}  {d.label}" for d in e.days]
        last = "期间届满" if p.unit == "hours" else "期间最后一日"
        return "\n".join(lines + [f"{last}：{_deadline_text(p)}"])

    emit(e.to_dict(), as_json, text)


def day_dict(info) -> dict:
    """One day of the calendar as `calendar is-working-day --json` prints it (and the API returns it)."""
    return {"date": info.date.isoformat(), "working_day": info.working, "reason": info.kind.value, "name": info.name,
            "label": info.label, "confirmed": info.confirmed}


def years_dict(cal) -> dict:
    """The calendar's years as `calendar years --json` prints them (and the API returns them)."""
    return {"calendar_version": cal.version, "package_version": cal.package_version,
            "years": [{"year": y.year, "confirmed": y.confirmed, "source": y.source} for y in cal.years()]}


@app.command("is-working-day")
def is_working_day(day: Annotated[str, typer.Argument(help="YYYY-MM-DD")], as_json: JsonOpt = False):
    """Whether a day is a working day, and why."""
    from ..settings import calendar

    info = calendar().day(day)
    payload = day_dict(info)
    emit(payload, as_json, f"{info.date.isoformat()}  {'工作日' if info.working else '休息日'}  {info.label}")


@app.command()
def years(as_json: JsonOpt = False):
    """Each supported year, whether its official schedule is confirmed, and the source."""
    from ..settings import calendar

    payload = years_dict(calendar())
    rows = payload["years"]
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
