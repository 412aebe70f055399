"""Describe a declared procedure for people: a table of its transitions and a Mermaid state diagram.

The docs (docs/procedures.md), the command line (`creditflow procedure KIND`) and the web page's
diagram all read the same declaration through these functions. Regenerate the docs with
``python -m states.describe > docs/procedures.md``; a test checks they are current.
"""

from __future__ import annotations

from .policy import DEFAULT_POLICY
from .timers import amount_source
from .spec import NEW, Procedure


def _amount(timer, policy):
    """A clock's amount as the docs show it: the policy number, or the case's data it is read from."""
    return f"({timer.amount})" if timer.amount.startswith("data:") else policy[timer.amount]


def _policy(proc: Procedure, policy):
    """The numbers a procedure runs under: the deployment's policy with the procedure's own laid over it."""
    return (policy or DEFAULT_POLICY).overlaid(proc.policy)


def as_dict(proc: Procedure, policy=None) -> dict:
    policy = _policy(proc, policy)
    return {
        "kind": proc.kind,
        "version": proc.version,
        "label": proc.label,
        "parent_kind": proc.parent_kinds[0] if proc.parent_kinds else None,
        "parent_kinds": list(proc.parent_kinds),
        "opens_on": list(proc.opens_on),
        "states": [{"name": s.name, "label": s.label, "final": s.final} for s in proc.states],
        "timers": [{"name": t.name, "unit": t.unit, "amount": _amount(t, policy), "source": amount_source(t, policy),
                    "side": t.side, "on_expiry": t.on_expiry, "label": t.label} for t in proc.timers],
        "transitions": [{
            "trigger": t.trigger, "source": [s for s in t.source if s != NEW], "opening": NEW in t.source,
            "dest": t.dest, "role": t.role, "label": t.label, "when": t.when, "decision": t.decision,
            "inputs": [{"name": i.name, "type": i.type, "required": i.required, "label": i.label,
                        "choices": list(i.choices)} for i in t.inputs],
            "guards": [{"code": g.code, "article": g.article, "message": g.message} for g in t.guards],
            "timers": [{"op": e.op, "timer": e.timer, "anchor": e.anchor, "until": e.until} for e in t.timers],
            "notice": {"template": t.notice.template, "title": t.notice.title, "series": t.notice.series,
                       "audience": t.notice.audience, "titles": [{"when": c, "title": x} for c, x in t.notice.titles]},
            "parent": t.parent.trigger if t.parent else None,
            "opens": [{"kind": o.kind, "trigger": o.trigger, "relation": o.relation, "when": o.when} for o in t.opens],
            "notifies": [{"target": n.target, "kind": n.kind, "trigger": n.trigger, "when": n.when}
                         for n in t.notifies],
            "effects": list(t.effects),
        } for t in proc.transitions],
    }


def mermaid(proc: Procedure, current: str | None = None) -> str:
    """A Mermaid stateDiagram; `current` marks the case's state."""
    lines = ["stateDiagram-v2"]
    for s in proc.states:
        lines.append(f'    {s.name} : {s.label}')
    seen = set()
    for t in proc.transitions:
        for src in t.source:
            a = "[*]" if src == NEW else src
            b = t.dest or src
            key = (a, b, t.trigger)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"    {a} --> {b} : {t.trigger}")
    for s in proc.states:
        if s.final:
            lines.append(f"    {s.name} --> [*]")
    if current:
        lines.append("    classDef current fill:#fde68a,stroke:#b45309,stroke-width:2px")
        lines.append(f"    class {current} current")
    return "\n".join(lines)


_ROLE = {"handler": "经办人", "approver": "审核人", "system": "系统", "public": "公众（公示栏）"}


def markdown(proc: Procedure, policy=None) -> str:
    policy = _policy(proc, policy)
    out = [f"## {proc.kind} — {proc.label} (v{proc.version})", ""]
    if proc.parent_kinds:
        out += [f"Child of a {' or '.join(f'`{k}`' for k in proc.parent_kinds)} case.", ""]
    out += [f"Opened on: {', '.join(proc.opens_on)}.", ""]
    out += ["```mermaid", mermaid(proc), "```", "", "| state | label | final |", "|---|---|---|"]
    out += [f"| `{s.name}` | {s.label} | {'yes' if s.final else ''} |" for s in proc.states]
    out += ["", "| timer | rule | side | on expiry | source |", "|---|---|---|---|---|"]
    out += [f"| `{t.name}` | {_amount(t, policy)} {t.unit} | {t.side} | `{t.on_expiry}` | {amount_source(t, policy)} |"
            for t in proc.timers]
    out += ["", "| trigger | from → to | role | inputs | guards (rule, article) | timers | notice | related cases |",
            "|---|---|---|---|---|---|---|---|"]
    for t in proc.transitions:
        src = ", ".join("(new)" if s == NEW else s for s in t.source)
        dest = t.dest or "(stays)"
        when = f" when `{t.when}`" if t.when else ""
        inputs = ", ".join(f"{i.name}{'' if i.required else '?'}{' (sealed)' if i.sealed else ''}" for i in t.inputs)
        guards = "; ".join(f"{g.code} ({g.article})" for g in t.guards)
        if t.decision:
            guards = ("FOUR-EYES; " + guards).rstrip("; ")
        timers = ", ".join(f"{e.op} {e.timer}" + (f" from {e.anchor}" if e.op == "start" and e.anchor != "today" else "")
                           + (f" until {e.until}" if e.until else "") for e in t.timers)
        related = [f"parent: `{t.parent.trigger}`"] if t.parent else []
        related += [f"opens `{o.kind}` ({o.relation})" for o in t.opens]
        related += [f"notifies {n.target}{' `' + n.kind + '`' if n.kind else ''}: `{n.trigger}`" for n in t.notifies]
        title = t.notice.title + "".join(f"; when `{c}`: {x}" for c, x in t.notice.titles)
        out.append(f"| `{t.trigger}`{when} | {src} → {dest} | {'/'.join(_ROLE.get(r, r) for r in t.roles)} | {inputs} | {guards} | "
                   f"{timers} | {title} ({t.notice.audience}) | {', '.join(related)} |")
    return "\n".join(out) + "\n"


def document() -> str:
    from . import PROCEDURES

    head = ["# Procedures", "",
            "Generated from the declarations in `states/` by `python -m states.describe > docs/procedures.md`.",
            "Each procedure is one module; the engine, the command line, the web page and this page read it.", ""]
    return "\n".join(head) + "\n".join(markdown(p) for p in PROCEDURES.values())


if __name__ == "__main__":
    print(document(), end="")
