"""Pure package: each procedure as a declaration, validated when loaded, run on `transitions`.

Adding a procedure means adding one module with a `PROCEDURE`, its templates in `notices/`,
and its tests; list the module here (the registration line). `REGISTRY` is the registry a
deployment runs; tests build their own with `Registry(...)`.
"""

from __future__ import annotations

from types import MappingProxyType

from . import evaluation, fraud, objection, penalty_decision, record, rectification, referral, repair, transfer
from .archive import check_bad_disclosure, check_good_disclosure
from .machine import ProcedureMachine, Refusal
from .policy import DEFAULT_POLICY, DEFAULT_SCHEDULE, SEVERITIES, PolicySchedule
from .registry import Registry, UnknownProcedure
from .spec import NEW, DeclarationError, Procedure, validate

PROCEDURE_MODULES = (evaluation, objection, record, repair, rectification, fraud, transfer, referral, penalty_decision)


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
    _check_fraud_policy(policy)


def _check_fraud_policy(policy) -> None:
    """Fraud cases and penalty decisions (states/fraud.py, states/penalty_decision.py): the legal bounds."""
    order_4 = "医疗保障行政处罚程序暂行规定（国家医疗保障局令第4号）"
    penalty_law, order_735 = "中华人民共和国行政处罚法", "医疗保障基金使用监督管理条例"
    _within(policy, "fraud_filing_decision", 1, 15, f"{order_4}（15个工作日内决定是否立案）")
    _within(policy, "fraud_filing_extension", 0, 15, f"{order_4}（可以延长15个工作日）")
    _within(policy, "fraud_case_days", 1, 90, f"{penalty_law} Art. 60（自立案之日起九十日内作出行政处罚决定）")
    _within(policy, "fraud_case_extension", 0, 30, f"{order_4}（经本部门负责人批准可以延长30日）")
    _within(policy, "fraud_case_further_max", 1, 365, "本局规定：集体讨论决定再次延长的，每次不超过一年")
    # the party's periods may be longer than the law's, never shorter; the bureau's never longer
    _within(policy, "fraud_defence_period", 5, 15, f"{penalty_law} Art. 64(1)（告知后五日内提出听证要求，不得缩短）")
    _within(policy, "fraud_hearing_notice", 7, 30, f"{penalty_law} Art. 64(2)（举行听证的七日前通知，不得缩短）")
    _within(policy, "fraud_preservation_decision", 1, 7, f"{penalty_law} Art. 56（七日内作出处理决定）")
    _within(policy, "fraud_service_days", 1, 7, f"{penalty_law} Art. 61（七日内送达）")
    _within(policy, "fraud_reporter_reply", 1, 5, "医疗保障基金使用监督管理举报处理暂行办法（5个工作日内告知举报人）")
    fine = f"{order_735} Art. 37, 40, 41（骗取金额2倍以上5倍以下的罚款）"
    _within(policy, "fraud_fine_min_multiple", 2, 5, fine)
    _within(policy, "fraud_fine_max_multiple", policy["fraud_fine_min_multiple"], 5, fine)
    suspension = f"{order_735} Art. 40（暂停6个月以上1年以下）"
    _within(policy, "fraud_suspend_min_months", 6, 12, suspension)
    _within(policy, "fraud_suspend_max_months", policy["fraud_suspend_min_months"], 12, suspension)
    settlement = f"{order_735} Art. 41(1)（暂停联网结算3个月至12个月）"
    _within(policy, "fraud_settlement_min_months", 3, 12, settlement)
    _within(policy, "fraud_settlement_max_months", policy["fraud_settlement_min_months"], 12, settlement)
    for key in ("fraud_major_fine_institution", "fraud_major_fine_person"):
        if policy[key] < 1:
            raise ValueError(f"{key} 应为正整数（元），{policy[key]}不可采用（{penalty_law} Art. 57(2), 58）")
    if policy["fraud_record_severity"] not in SEVERITIES:
        raise ValueError(f"fraud_record_severity：未知的失信程度 {policy['fraud_record_severity']}；可选：{'、'.join(SEVERITIES)}")
    check_bad_disclosure(policy["fraud_record_months"], policy=policy, severity=policy["fraud_record_severity"])
    _within(policy, "penalty_payment_days", 15, 15, f"{penalty_law} Art. 67(3)（收到行政处罚决定书之日起十五日内缴纳罚款）")
    _within(policy, "penalty_return_days", 1, 60, "本局规定：责令退回的期限")
    _within(policy, "penalty_challenge_months", 6, 6, "中华人民共和国行政诉讼法 Art. 46(1)（六个月内提起诉讼）")


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
