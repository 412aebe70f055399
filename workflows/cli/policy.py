"""`creditflow policy show [--on YYYY-MM-DD] [--json]`: every policy number in force on a day, with its
source, and which ones this deployment overrides (settings.toml [policy]). No database."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .output import emit

app = typer.Typer(help="Policy numbers in force (政策数值及其依据).", no_args_is_help=True)

UNITS_ZH = {"working_days": "个工作日", "days": "日", "months": "个月", "hours": "小时", "flag": "", "rounds": "轮",
            "codes": ""}
DATED_BY_ZH = {"determination": "按认定之日适用", "step": "按办理之日适用"}


@app.command("show")
def policy_show(
    on: Annotated[Optional[str], typer.Option("--on", help="The day (YYYY-MM-DD); default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """The profile in force on a day and every number it holds, with its source."""
    from states import REGISTRY

    from datetime import date

    from .. import clock
    from ..errors import BadInput
    from ..services.policy import deployment_schedule, policy_in_force
    from ..settings import load_settings

    try:
        day = date.fromisoformat(on) if on is not None else clock.today()
    except ValueError:
        raise BadInput(f"--on 应为日期 YYYY-MM-DD，不是 {on!r}；例如 --on 2026-04-01", code="bad_date") from None
    out = policy_in_force(REGISTRY, deployment_schedule(REGISTRY, load_settings().policy_overrides), day)

    def text() -> str:
        lines = [f"{out['on']} 适用的政策：{out['profile']}（自 {out['effective_from']} 起）"]
        for n in out["numbers"]:
            mark = " 〔本局调整〕" if n["overridden"] else ""
            value = n["value"]
            if n["unit"] == "flag":
                value = "是" if value else "否"
            elif isinstance(value, (list, tuple)):  # a list of codes, e.g. the sanctions a class of subject may get
                value = "、".join(str(v) for v in value)
            lines.append(f"  {n['key']} = {value}{UNITS_ZH.get(n['unit'], n['unit'])}"
                         f"（{DATED_BY_ZH[n['dated_by']]}）{mark}\n      依据：{n['source']}")
        return "\n".join(lines)

    emit(out, as_json, text)
