"""The command line's documented convenience aliases: the one file of `workflows/` that names a procedure.

Each alias is a spelling of the generic commands, nothing more (the README's examples and the
bureau's habits use them):

* `creditflow evaluation publish --subject S --year Y --score X --as U`
  = `creditflow case open evaluation --subject S --set year=Y --set score=X --as U`
  (and prints the grade and the objection window the result got);
* `creditflow case open objection --evaluation CASE --grounds G --received D [--posted D] [--materials M]
  [--reason R] …` = `case open objection --parent CASE --set grounds=G --set received=D …`.

A dedicated option and `--set` of the same input are refused (exit 2, `repeated_input`): the two
may disagree, and guessing would record the wrong one. Dropping an alias is deleting it here (and
its line in `cli/__init__.py` or on `case open`); tests/test_layout.py allows this file alone.
"""

from __future__ import annotations

import functools
import inspect
from typing import Annotated, Optional

import typer

from .output import emit
from .params import id_option

EVALUATION = "evaluation"
OBJECTION = "objection"

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
AsOpt = Annotated[str, typer.Option("--as", help="The user acting (the log records it).")]


# -- evaluation publish ------------------------------------------------------------------------------------------

evaluation_app = typer.Typer(name=EVALUATION, help="Evaluation results (信用评价结果).", no_args_is_help=True)


def publish_evaluation(services, subject, year, score, actor: str) -> dict:
    """`case open evaluation` with the grade it got and its objection window (the JSON of `evaluation publish`,
    which the API returns too), plus `window_note`: the case's own words when the window has not started."""
    out = services.cases.open(EVALUATION, actor, {"year": year, "score": score}, subject=subject)
    show = services.cases.show(out["case_id"])
    # The window runs from publication, or (a person's result, not published) from service: then it has not
    # started yet, and the case says so.
    window = next((t for t in show["timers"] if t["name"] == "objection_window"), None)
    return {**out, "grade": show["grade"], "score": show["score"], "objection_window": window,
            "window_note": show.get("objection_window")}


@evaluation_app.command("publish")
def evaluation_publish(
    subject: Annotated[str, typer.Option("--subject")],
    year: Annotated[int, id_option("--year", label="--year（评价年度）", help="Evaluation year, e.g. 2025")],
    score: Annotated[str, typer.Option("--score")],
    actor: AsOpt,
    as_json: JsonOpt = False,
):
    """Publish a result today (by the clock): `case open evaluation --subject S --set year=Y --set score=X`."""
    from .cases import svc

    services = svc()
    out = publish_evaluation(services, subject, year, score, actor)
    window = out["objection_window"]
    when = f"异议期至 {window['last_day']}" if window else out["window_note"] or "异议期尚未起算"
    out.pop("window_note")
    done = "评价结果已公布" if window else "评价结果已作出（不公开，书面告知）"
    emit(out, as_json, f"{done}：案件 {out['case_id']}，{out['score']}分 {out['grade']}级，"
                       f"{when}，告知书 {out['notice']}")


# -- case open objection --evaluation … ----------------------------------------------------------------------------

# The options `case open` takes for an objection only: --evaluation names the parent (= --parent), the
# others are inputs of the opening transition (= --set NAME=VALUE).
OPEN_TARGET_ALIASES = {"evaluation": "parent"}
OPEN_ALIASES = {
    "evaluation": Annotated[Optional[int], id_option(
        "--evaluation", label="--evaluation（被提出异议的评价案件编号）",
        help="case open objection only: the evaluation case objected to (= --parent)")],
    "grounds": Annotated[Optional[str], typer.Option(
        "--grounds", help="case open objection only: Art. 24 grounds, e.g. 1,2 (= --set grounds=…)")],
    "received": Annotated[Optional[str], typer.Option(
        "--received", help="case open objection only: day the written material was received (= --set received=…)")],
    "posted": Annotated[Optional[str], typer.Option(
        "--posted", help="case open objection only: day a mailed objection was posted (postmark); timeliness "
                         "counts the earlier of the two (= --set posted=…)")],
    "materials": Annotated[Optional[str], typer.Option(
        "--materials", help="case open objection only: comma-separated list (= --set materials=…)")],
    "reason": Annotated[Optional[str], typer.Option(
        "--reason", help="case open objection only: the objection's reason (= --set reason=…)")],
}


def _expand(kind: str, aliased: dict, params: dict) -> dict:
    """The generic command's parameters the aliases stand for (`--parent`, more `--set`), or a refusal."""
    from states import REGISTRY

    from ..errors import BadInput
    from .cases import parse_sets, resolve_kind

    given = {name: value for name, value in aliased.items() if value is not None}
    if not given:
        return params
    flags = "、".join(f"--{name}" for name in given)
    if resolve_kind(REGISTRY, kind) != OBJECTION:
        raise BadInput(f"{flags} 只是 case open {OBJECTION} 的简写；其他案件类型请用 --parent/--subject/--entry 和 "
                       f"--set 名称=值（各项输入见 creditflow case inputs {kind}）", code="alias_not_for_kind")
    sets = list(params.get("sets") or [])
    present = parse_sets(sets)  # a malformed or repeated --set is refused here, as the generic command would
    for name, value in given.items():
        target = OPEN_TARGET_ALIASES.get(name)
        if target is not None:
            if params.get(target) is not None:
                raise BadInput(f"--{name} 是 --{target} 的简写：两者只能给出一个；请只用 --{name} 或 --{target}",
                               code="repeated_input")
            params[target] = value
            continue
        if name in present:
            raise BadInput(f"输入项 {name} 同时由 --{name} 和 --set {name}=… 给出：同一输入项只能给一次；"
                           f"请只用 --{name}", code="repeated_input")
        sets.append(f"{name}={value}")
    params["sets"] = sets
    return params


def with_open_aliases(generic):
    """`case open` (the generic command) with the objection's dedicated options added to the signature typer
    reads; they are expanded into `--parent` and `--set` before the generic command runs."""
    signature = inspect.signature(generic, eval_str=True)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
             for name, annotation in OPEN_ALIASES.items()]
    parameters = [*signature.parameters.values()]
    parameters = ([p for p in parameters if p.kind != p.KEYWORD_ONLY] + extra
                  + [p for p in parameters if p.kind == p.KEYWORD_ONLY])

    @functools.wraps(generic)
    def command(**params):
        aliased = {name: params.pop(name, None) for name in OPEN_ALIASES}
        return generic(**_expand(params["kind"], aliased, params))

    command.__signature__ = signature.replace(parameters=parameters)
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    return command
