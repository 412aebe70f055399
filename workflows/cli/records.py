"""The `creditflow record` commands: 失信 records (states/record.py), as thin adapters over the cases services.

* `record add --subject ID --category CODE --determined YYYY-MM-DD --disclosure-months N
  [--penalty-term-months M] [--severity minor|general|serious] [--basis DOCUMENT] --facts TEXT --as USER`
  = `case open record --subject ID --set category=… --set determined=… …` (and prints the record's
  first admissible repair day and the last day of its disclosure);
* `record list --subject ID`: the subject's records, the register: withdrawn ones too, with `disclosed: false`;
* `record revoke CASE --basis DOCUMENT --as USER` = `case act CASE revoke --set basis=…` on a record.

Like cli/aliases.py this file names a procedure (tests/test_layout.py allows it); errors are mapped in `main()`.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .output import emit
from .params import CaseArg, id_option

RECORD = "record"
ADD = "add"
REVOKE = "revoke"

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
AsOpt = Annotated[str, typer.Option("--as", help="The user acting (the log records it).")]

app = typer.Typer(name=RECORD, help="失信 records (信用记录): bad information, its disclosure and repair eligibility.",
                  no_args_is_help=True)


def _record(services, case_id: int) -> dict:
    """A record case as `case show` gives it, or a refusal (exit 2) for a case of another kind."""
    from ..errors import BadInput

    shown = services.cases.show(case_id)
    if shown["kind"] != RECORD:
        raise BadInput(f"案件 {case_id} 是{shown['label']}案件，不是{services.registry.label(RECORD)}案件；"
                       f"请用 creditflow record list --subject 主体编号 查看该主体的失信记录", code="bad_target")
    return shown


def _entry(shown: dict, today: str) -> dict:
    d = shown["data"]
    until = d.get("disclosed_until")
    return {"case_id": shown["id"], "category": d.get("category"), "category_label": d.get("category_label"),
            "severity": d.get("severity"), "state": shown["state"], "basis": d.get("basis"),
            "determined_on": d.get("determined_on"),
            # Art. 31: past its period it is not disclosed, even before the sweep has closed the record
            "disclosed": shown["state"] == "disclosed" and until is not None and today <= until,
            "disclosed_until": until, "eligible_from": d.get("eligible_from"), "ban_until": d.get("ban_until"),
            "withdrawn_reason": d.get("withdrawn_reason"), "parent": shown["parent"]}


def add_record(services, subject, inputs: dict, actor: str) -> dict:
    """`case open record` with what the record determined (the JSON of `record add`, and of the API's)."""
    out = services.cases.open(RECORD, actor, inputs, subject=subject)
    d = services.cases.show(out["case_id"])["data"]
    return {**out, **{k: d.get(k) for k in ("category", "category_label", "severity", "determined_on",
                                            "disclosure_months", "disclosed_until", "eligible_from", "ban_until")}}


def revoke_record(services, case_id: int, basis: str, actor: str) -> dict:
    """The record's `revoke`, refused for a case of another kind (the JSON of `record revoke`, and of the API's)."""
    _record(services, case_id)
    out = services.cases.act(case_id, REVOKE, actor, {"basis": basis})
    return {**out, "withdrawn_reason": services.cases.show(case_id)["data"].get("withdrawn_reason")}


@app.command(ADD)
def record_add(
    subject: Annotated[str, typer.Option("--subject", help="The credit subject (number, USCC or ID number)")],
    category: Annotated[str, typer.Option("--category", help="The category code or its Chinese label")],
    determined: Annotated[str, typer.Option("--determined", help="The day of the determination, YYYY-MM-DD")],
    disclosure_months: Annotated[int, id_option(
        "--disclosure-months", label="--disclosure-months（公开期限，月）", help="Months disclosed")],
    facts: Annotated[str, typer.Option("--facts", help="The facts determined")],
    actor: AsOpt,
    penalty_term_months: Annotated[Optional[int], id_option(
        "--penalty-term-months", label="--penalty-term-months（相关行政处罚期限，月）",
        help="The related penalty's term in months (the disclosure is never shorter)")] = None,
    severity: Annotated[Optional[str], typer.Option(
        "--severity", help="minor|general|serious (轻微/一般/严重; default general)")] = None,
    basis: Annotated[Optional[str], typer.Option(
        "--basis", help="The decision document, e.g. a penalty decision's number")] = None,
    as_json: JsonOpt = False,
):
    """Record a 失信 determination made by a decision document: `case open record --subject ID --set …`."""
    from .cases import svc

    inputs = {"category": category, "determined": determined, "disclosure_months": disclosure_months,
              "penalty_term_months": penalty_term_months, "severity": severity, "basis": basis, "facts": facts}
    out = add_record(svc(), subject, {k: v for k, v in inputs.items() if v is not None}, actor)
    emit(out, as_json, lambda: f"已记载失信信息：案件 {out['case_id']}，{out['category_label']}，认定于 {out['determined_on']}，"
                               f"公开至 {out['disclosed_until']}，自 {out['eligible_from']} 起可申请信用修复，"
                               f"告知书 {out['notice']}")


@app.command("list")
def record_list(
    subject: Annotated[str, typer.Option("--subject", help="The credit subject (number, USCC or ID number)")],
    as_json: JsonOpt = False,
):
    """The subject's 失信 records, oldest first: disclosed ones and those no longer disclosed (the register)."""
    from states.record import WITHDRAWN_REASONS as REASONS

    from .. import clock
    from .cases import svc

    services = svc()
    cases = [c for c in services.deployment.show_subject(subject)["cases"] if c["kind"] == RECORD]
    today = clock.today().isoformat()
    records = [_entry(services.cases.show(c["id"]), today) for c in cases]

    def text() -> str:
        if not records:
            return "该主体没有失信记录"
        lines = ["案件\t类别\t认定日期\t公开至\t可申请修复\t状态"]
        for r in records:
            status = "公开中" if r["disclosed"] else "已停止公开" + (
                f"（{REASONS.get(r['withdrawn_reason'], r['withdrawn_reason'])}）" if r["withdrawn_reason"] else
                "（公开期限已届满）")
            lines.append(f"{r['case_id']}\t{r['category_label']}\t{r['determined_on']}\t{r['disclosed_until']}\t"
                         f"{r['eligible_from']}\t{status}")
        return "\n".join(lines)

    emit({"records": records}, as_json, text)


@app.command(REVOKE)
def record_revoke(
    case_id: CaseArg,
    basis: Annotated[str, typer.Option("--basis", help="The reconsideration decision or judgment that annulled it")],
    actor: AsOpt,
    as_json: JsonOpt = False,
):
    """Record that a reconsideration decision or a court annulled the determination: withdrawn at once."""
    from .cases import svc

    out = revoke_record(svc(), case_id, basis, actor)
    emit(out, as_json, lambda: f"案件 {out['case_id']}：失信认定已登记撤销，停止公开，告知书 {out['notice']}")
