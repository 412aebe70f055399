"""`creditflow procedure …`: the declared procedures, as data, a table or a diagram (no database)."""

from __future__ import annotations

from typing import Annotated

import typer

from .output import emit

app = typer.Typer(help="Declared procedures (states, triggers, guards, timers, notices).", no_args_is_help=True)


@app.command("list")
def procedure_list(as_json: Annotated[bool, typer.Option("--json")] = False):
    """List the declared procedures (case kinds) with their versions."""
    from states import REGISTRY

    from ..services.cases import declared_procedures

    rows = declared_procedures(REGISTRY)
    emit({"procedures": rows}, as_json, lambda: "\n".join(f"{r['kind']}\tv{r['version']}\t{r['label']}" for r in rows))


@app.command("show")
def procedure_show(
    kind: str,
    mermaid: Annotated[bool, typer.Option("--mermaid", help="Print the state diagram (Mermaid).")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """One procedure's declaration: states, triggers, roles, guards, timers and notices."""
    from states import REGISTRY, describe

    from ..services.cases import resolve_kind

    kind = resolve_kind(REGISTRY, kind)  # its code or its Chinese name; unknown: one line naming the known ones
    proc = REGISTRY.procedure(kind)
    policy = REGISTRY.policy(kind)  # the numbers it runs under: the deployment's, with the procedure's own
    emit(describe.as_dict(proc, policy), as_json,
         lambda: describe.mermaid(proc) if mermaid else describe.markdown(proc, policy))
