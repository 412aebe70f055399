"""Pure package: each procedure as a declaration, validated when loaded, run on `transitions`.

Adding a procedure means adding one module with a `PROCEDURE`, its templates in `notices/`,
and its tests; list the module here (the registration line). `REGISTRY` is the registry a
deployment runs; tests build their own with `Registry(...)`.
"""

from __future__ import annotations

from types import MappingProxyType

from . import evaluation, objection, record, repair
from .archive import check_bad_disclosure, check_good_disclosure
from .machine import ProcedureMachine, Refusal
from .policy import DEFAULT_POLICY, DEFAULT_SCHEDULE, SEVERITIES, PolicySchedule
from .registry import Registry, UnknownProcedure
from .spec import NEW, DeclarationError, Procedure, validate

PROCEDURE_MODULES = (evaluation, objection, record, repair)


def check_policy(policy) -> None:
    """Policy numbers with legal bounds, checked once when the registry is built, not first when a case
    needs them."""
    check_good_disclosure(policy["good_disclosure_months"])
    check_bad_disclosure(policy["bad_disclosure_months"], policy=policy)  # an evaluation's D record is `general`
    for severity in SEVERITIES:
        low, high = policy[f"bad_disclosure_min_months_{severity}"], policy[f"bad_disclosure_max_months_{severity}"]
        if not 0 <= low <= high:
            raise ValueError(f"{SEVERITIES[severity]}失信信息公开期限下限{low}个月不应大于上限{high}个月")
    _within(policy, "repair_decision", 1, 15, "河南省医疗保障基金使用信用管理办法 Art. 41（15个工作日内作出决定）")
    _within(policy, "repair_extension", 0, 15, "河南省医疗保障基金使用信用管理办法 Art. 41（延长最长不超过15个工作日）")
    _within(policy, "repair_ban_months", 1, 36, "河南省医疗保障基金使用信用管理办法 Art. 40（3年内不予受理）")


def _within(policy, key: str, low: int, high: int, rule: str) -> None:
    if not low <= policy[key] <= high:
        raise ValueError(f"{key} 应为{low}至{high}，{policy[key]}不在此范围内（{rule}）")


def build_registry(modules=PROCEDURE_MODULES, policy=None, schedule: PolicySchedule | None = None,
                   **kwargs) -> Registry:
    """A registry of the modules' procedures (every version a module lists in `VERSIONS`, else its
    `PROCEDURE`) and their demo scenes (`SCENE`)."""
    procedures = [p for m in modules for p in getattr(m, "VERSIONS", (m.PROCEDURE,))]
    scenes = {m.PROCEDURE.kind: m.SCENE for m in modules if getattr(m, "SCENE", None)}
    if policy is None and schedule is None:
        schedule = DEFAULT_SCHEDULE
    return Registry(procedures, policy=policy, schedule=schedule, scenes=scenes, check_policy=check_policy, **kwargs)


REGISTRY: Registry = build_registry()
# Read-only views of the latest declarations, for readers of declarations (docs, tests).
PROCEDURES = MappingProxyType({p.kind: p for p in REGISTRY.procedures()})

__all__ = ["DEFAULT_POLICY", "DEFAULT_SCHEDULE", "DeclarationError", "NEW", "PROCEDURES", "PolicySchedule", "Procedure",
           "ProcedureMachine", "REGISTRY",
           "Refusal", "Registry", "UnknownProcedure", "build_registry", "check_policy", "validate"]
