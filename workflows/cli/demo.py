"""`creditflow demo`: fill an empty database with the labelled demo bureau (workflows/demo.py).

Dated relative to today by the clock (`creditflow --now … demo` with CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1
dates it elsewhere). Refused with exit 2, changing nothing, when the database already has cases or
subjects. Timers due since the demo's last simulated sweep are left for `creditflow sweep`.
"""

from __future__ import annotations

from .cases import JsonOpt, svc
from .output import emit

def demo(as_json: JsonOpt = False):
    """Fill an EMPTY database with a fictitious, clearly labelled demo bureau dated relative to today."""
    from ..demo import fill_demo

    services = svc(check_schema=False)
    out = fill_demo(services)
    emit(out, as_json, lambda: summary_text(out, services.registry))


def summary_text(out: dict, registry) -> str:
    """What the demo holds, for a person: the bureau, users, subjects, cases by state, what falls due."""

    d = out["department"]
    lines = [f"演示数据已生成 demo bureau created: {d['department_name']}，文号前缀 {d['number_prefix']}，"
             f"基准日 today {out['today']}",
             "用户 users: " + "，".join(f"{u['name']}（{u['display_name']}，{u['post']}）" for u in out["users"]),
             f"信用主体 subjects: {out['subjects']['total']}（"
             + "，".join(f"{out['subjects']['type_labels'][k]} {n}" for k, n in out["subjects"]["by_type"].items())
             + "）",
             f"案件 cases: {out['cases']['total']}，文书 notices: {out['notices']}"]
    for kind, states in out["cases"]["by_kind"].items():
        proc = registry.procedure(kind)
        lines.append(f"  {proc.label} {kind}: "
                     + "，".join(f"{proc.state(s).label} {s} {n}" for s, n in states.items()))
    lines.append("3个工作日内到期 due within 3 working days:")
    lines += [f"  案件 {t['case_id']} {t['subject']} {t['timer']} 最后一日 {t['last_day']}" for t in out["due_soon"]]
    lines.append("已超期 overdue:")
    lines += [f"  案件 {t['case_id']} {t['subject']} {t['timer']} 最后一日 {t['last_day']}"
              + ("（已督办 flagged）" if t["flagged"] else "")
              + ("（待定时任务处理 due for the sweep）" if t["due_for_sweep"] else "") for t in out["overdue"]]
    lines.append("下一步 next: creditflow sweep ; creditflow case list --overdue ; creditflow case list --due-within 3")
    return "\n".join(lines)
