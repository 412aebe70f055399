"""Run declared procedures on `transitions`: one shared Machine per case kind, never one per case.

A case is restored by reading its state column into a tiny model object; nothing runs on restore.
Firing is ``machine.events[trigger].trigger(model)``: the machine picks the route (the first
transition from the current state whose `when` condition holds), then a `before` callback checks
the role, the four-eyes rule and every guard and raises `Refusal` naming the rule; only then does
the state change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from transitions import Machine

from .context import Context
from .spec import NEW, Procedure, Transition


class Refusal(Exception):
    """A transition the rules do not allow now. Nothing changes."""

    def __init__(self, message: str, code: str, article: str = "", allowed: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.article = article
        self.allowed = allowed or []


STATE_ARTICLE = "creditflow policy: 每一状态下可办理的操作以程序声明为准（creditflow procedure show）"
ROLE_ARTICLE = "creditflow policy: 各操作须由具有相应岗位角色的用户办理（经办人、审核人；审计人员只读）"
FOUR_EYES_ARTICLE = "creditflow policy: 不相容岗位分离，拟办与审核不得为同一人（参照遂宁市持续开展打击欺诈骗取医疗保险基金专项行动实施方案 §四(一)）"


@dataclass
class CaseModel:
    """What the shared machine operates on: the state column and this call's context."""

    state: str
    ctx: Context
    chosen: Transition | None = None
    rules: list[dict] = field(default_factory=list)


def check(proc: Procedure, t: Transition, ctx: Context) -> list[dict]:
    """Role, four-eyes and guards for one transition. Returns the rules applied, or raises Refusal."""
    actor = ctx.actor
    if not set(t.roles) & actor.roles:
        who = "或".join(_ROLE_ZH.get(r, r) for r in t.roles)
        raise Refusal(f"“{t.label}”须由{who}办理；用户 {actor.name} 没有该角色",
                      "ROLE", ROLE_ARTICLE, [])
    applied = []
    if t.decision:
        proposer = (ctx.data.get("proposal") or {}).get("by")
        if proposer == actor.name:
            raise Refusal(f"提出拟办意见的 {actor.name} 不能审核同一决定（不相容岗位分离），请由其他审核人办理",
                          "FOUR-EYES", FOUR_EYES_ARTICLE)
        applied.append({"code": "FOUR-EYES", "article": FOUR_EYES_ARTICLE})
    for g in t.guards:
        if not proc.guards[g.name](ctx):
            raise Refusal(g.message.format_map(_Details(ctx.details)) if "{" in g.message else g.message,
                          g.code, g.article)
        applied.append({"code": g.code, "article": g.article})
    return applied


class _Details(dict):
    """A guard's findings for its message; a name it did not find reads as "?"."""

    def __missing__(self, key):
        return "?"


_ROLE_ZH = {"handler": "经办人", "approver": "审核人", "system": "系统（定时）", "auditor": "审计人员",
            "public": "公众（通过公示栏）"}


def _condition(fn, event_data) -> bool:
    return bool(fn(event_data.model.ctx))


def _before(proc: Procedure, t: Transition, event_data) -> None:
    model = event_data.model
    model.rules = check(proc, t, model.ctx)
    model.chosen = t


class ProcedureMachine:
    """The one `transitions.Machine` of a case kind, and the declaration it runs."""

    def __init__(self, proc: Procedure):
        self.proc = proc
        self.machine = Machine(
            model=None,
            states=[NEW] + [s.name for s in proc.states],
            initial=NEW,
            auto_transitions=False,
            send_event=True,
        )
        # Routed transitions first, so a conditional route wins over the default one.
        for t in sorted(proc.transitions, key=lambda t: t.when is None):
            self.machine.add_transition(
                t.trigger,
                list(t.source),
                t.dest,  # None: internal transition, the state stays
                conditions=[partial(_condition, proc.conditions[t.when])] if t.when else [],
                before=[partial(_before, proc, t)],
            )

    def triggers_from(self, state: str) -> list[str]:
        seen = []
        for t in self.proc.transitions:
            if state in t.source and t.trigger not in seen:
                seen.append(t.trigger)
        return seen

    def fire(self, state: str, trigger: str, ctx: Context) -> CaseModel:
        """Fire `trigger` on a case in `state`; returns the model with the new state and the chosen transition."""
        allowed = self.triggers_from(state)
        if trigger not in allowed:
            known = trigger in self.machine.events
            what = f"当前状态“{self._label(state)}”下不能执行 {trigger}" if known else f"{self.proc.label}没有操作 {trigger}"
            raise Refusal(what, "TRIGGER", STATE_ARTICLE, [t for t in allowed if not self.system_only(t)])
        model = CaseModel(state=state, ctx=ctx)
        if not self.machine.events[trigger].trigger(model) or model.chosen is None:
            raise Refusal(f"{trigger}：当前条件下没有可适用的处理路径", "NO-ROUTE", STATE_ARTICLE, allowed)
        return model

    def system_only(self, trigger: str) -> bool:
        return all(t.role == "system" for t in self.proc.transitions if t.trigger == trigger)

    def _label(self, state: str) -> str:
        return "新建" if state == NEW else self.proc.state(state).label

    def available(self, state: str, ctx: Context) -> list[str]:
        """Triggers this actor may fire now (role, four-eyes and input-independent guards)."""
        out = []
        for trigger in self.triggers_from(state):
            for t in self.proc.transitions_for(trigger, state):
                try:
                    if t.when and not self.proc.conditions[t.when](ctx):
                        continue
                    check(self.proc, t, ctx)
                except Refusal:
                    continue
                except (KeyError, TypeError, AttributeError):
                    pass  # a guard that needs this trigger's inputs: allowed as far as we can tell
                if t.role != "system" and trigger not in out:
                    out.append(trigger)
                break
        return out
