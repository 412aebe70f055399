"""Pure package: each procedure as a declaration, validated when loaded, run on `transitions`.

Adding a procedure means adding one module with a `PROCEDURE`, its templates in `notices/`,
and its tests; list the module here (the registration line). `REGISTRY` is the registry a
deployment runs; tests build their own with `Registry(...)`.
"""

from __future__ import annotations

from types import MappingProxyType

from . import evaluation, objection, record, rectification, repair
from .archive import check_bad_disclosure, check_good_disclosure
from .machine import ProcedureMachine, Refusal
from .policy import DEFAULT_POLICY, DEFAULT_SCHEDULE, SEVERITIES, PolicySchedule
from .registry import Registry, UnknownProcedure
from .spec import NEW, DeclarationError, Procedure, validate

PROCEDURE_MODULES = (evaluation, objection, record, repair, rectification)


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
    # Interview and rectification (states/rectification.py): the legal bounds of the sanctions.
    suspension = "医疗保障基金使用监督管理条例 Art. 38（暂停6个月以上1年以下）"
    _within(policy, "suspend_service_min_months", 6, 12, suspension)
    _within(policy, "suspend_service_max_months", policy["suspend_service_min_months"], 12, suspension)
    if policy["rectification_rounds"] < 1:
        raise ValueError(f"rectification_rounds 应不小于1，{policy['rectification_rounds']}不可采用（至少进行一轮约谈整改）")
    for key in rectification.SANCTION_LISTS.values():
        unknown = [c for c in policy[key] if c not in rectification.SANCTIONS]
        if unknown:
            raise ValueError(f"{key}：未知的处理措施 {'、'.join(map(str, unknown))}；可选：{'、'.join(rectification.SANCTIONS)}")
        if key != "rectification_sanctions_designated" and "suspend_service" in policy[key]:
            raise ValueError(f"{key}：暂停相关责任部门医药服务只适用于定点医药机构（{suspension}）")


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
