"""Policy numbers with their legal source, as profiles that take effect on a date.

A profile is the complete set of numbers a jurisdiction applies from its `effective_from` day:
`henan-2023` (the Henan measure as written) and `henan-2026` (from 2026-04-01, our reading that the
national 失信 classes and minimum periods prevail, Henan measure Art. 38: "法律、法规、规章另有规定的从其规定").
Which day picks the profile is declared per number (`dated_by`): periods attached to a determination
follow the profile in force on the determination day (a determination keeps the law it was made
under); every other number follows the profile in force on the day the step is taken. Another
province's numbers are another schedule of profiles, not code. A deployment overrides a number in its
settings file (`[policy]`, a reason per number): `PolicySchedule.with_overrides`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .spec import Policy, PolicyNumber

HENAN = "河南省医疗保障基金使用信用管理办法"  # issued by 河南省医疗保障局, in force 2023-01-01 (Art. 44); docs/rules.md
NATIONAL_CLASSES = "国务院办公厅《关于进一步完善信用修复制度的意见》（国办发〔2025〕22号）第二部分"
NATIONAL_REPAIR = "国家发展改革委《信用修复管理办法》（2025年第36号令，2026年4月1日起施行）"
ORDER_735 = "医疗保障基金使用监督管理条例 (State Council Order No. 735)"
SEVERITIES = {"minor": "轻微", "general": "一般", "serious": "严重"}
DETERMINATION = "determination"  # dated_by: the profile in force on the determination day
STEP = "step"  # dated_by: the profile in force on the day the step is taken


def _by_determination(value, unit, source) -> PolicyNumber:
    return PolicyNumber(value, unit, source, dated_by=DETERMINATION)


def _henan_bad(bound: str, value: int) -> PolicyNumber:
    word = "下限6个月" if bound == "min" else "上限1年"
    return _by_determination(value, "months", f"{HENAN} Art. 30(3)（不良信息公开期限6个月至1年，{word}；不分失信程度）")


HENAN_2023 = Policy(
    name="henan-2023",
    numbers={
        "objection_window": PolicyNumber(15, "working_days", f"{HENAN} Art. 26（结果公布之日起15个工作日内提出异议）"),
        "objection_handling": PolicyNumber(15, "working_days", f"{HENAN} Art. 26（收到书面材料之日起15个工作日内处理）"),
        "objection_completion": PolicyNumber(5, "working_days", "our choice: 5 working days to supply missing material (补正) before an objection is refused for form (Art. 26 未按要求提出)"),
        "good_disclosure_months": _by_determination(12, "months", f"{HENAN} Art. 30(2)（守信信息公开期限一般为1年）"),
        "bad_disclosure_months": _by_determination(12, "months", f"{HENAN} Art. 30(3)（不良信息6个月至1年，由归集部门确定；本局取1年）"),
        **{f"bad_disclosure_{bound}_months_{severity}": _henan_bad(bound, 6 if bound == "min" else 12)
           for severity in SEVERITIES for bound in ("min", "max")},
        **{f"repair_wait_months_{severity}": _by_determination(
            6, "months", f"{HENAN} Art. 39(1)（自失信行为认定之日起不满6个月的，不予修复；不分失信程度）")
           for severity in SEVERITIES},
        "repair_decision": PolicyNumber(15, "working_days", f"{HENAN} Art. 41（受理之日起15个工作日内作出决定）"),
        "repair_extension": PolicyNumber(15, "working_days", f"{HENAN} Art. 41（情况复杂的，可延长一次，最长不超过15个工作日）"),
        "repair_public_notice": PolicyNumber(5, "working_days", f"{HENAN} Art. 41（同意修复的，在官方网站公示5个工作日）"),
        "repair_remind_before": PolicyNumber(3, "working_days", "our choice: remind handlers 3 working days before the repair decision's last day"),
        "repair_ban_months": PolicyNumber(36, "months", f"{HENAN} Art. 40（提供虚假材料或违背承诺的，3年内不予受理其信用修复申请）"),
        "objection_remind_before": PolicyNumber(3, "working_days", "our choice: remind handlers 3 working days before an agency deadline"),
        "objection_window_from_service_for_persons": PolicyNumber(
            True, "flag", "our reading of 河南省医疗保障基金使用信用管理办法 Art. 26 and 29: Art. 29 publishes institutions' "
                          "results and the D list only; for a person's result that is not published, the 15 working days "
                          "of Art. 26 run from service of the result (送达), not from a publication that never happens"),
        # Interview and rectification (约谈整改, states/rectification.py; docs/rules.md §5). No national text gives
        # interview time limits: the lead time, the deadline and the number of rounds are ours.
        "rectification_for_d_grade": PolicyNumber(
            True, "flag", f"{HENAN} Art. 35(1)（对D级信用主体“可”给予警示约谈，要求限期整改）; our choice: on (a D grade "
                          "that becomes final opens a warning-interview case)"),
        "interview_notice_lead": PolicyNumber(
            3, "working_days", "our choice: the interview notice (约谈通知书) goes out at least 3 working days before the "
                               "interview day (no national text gives a lead time)"),
        "rectification_deadline": PolicyNumber(
            15, "working_days", f"our choice: 15 working days from the order to rectify (责令限期整改) to the report, "
                                f"as the Henan measure's other periods (Art. 26, 41); {ORDER_735} Art. 38-39 and "
                                "Hongqiao plan §19 say 限期 without a number"),
        "rectification_rounds": PolicyNumber(
            2, "rounds", "our choice: 2 rounds counted from the case's first (a reminder interview then a warning "
                         "interview, Hongqiao plan §19; a D grade's first round is already a warning interview) before "
                         "the sanction"),
        "defence_period": PolicyNumber(
            5, "working_days", "NHSA Order No. 4 (医疗保障行政处罚程序暂行规定) gives 5 working days to state a defence "
                               "after a penalty's advance notice; applied by analogy (secondary source, not verified in "
                               f"the text) to the hearing before a 行政处理决定 ({ORDER_735} Art. 31)"),
        "suspend_service_min_months": PolicyNumber(
            6, "months", f"{ORDER_735} Art. 38（拒不改正的，暂停相关责任部门6个月以上1年以下涉及医疗保障基金使用的医药服务）"),
        "suspend_service_max_months": PolicyNumber(
            12, "months", f"{ORDER_735} Art. 38（拒不改正的，暂停相关责任部门6个月以上1年以下涉及医疗保障基金使用的医药服务）"),
        "suspend_agreement_months": PolicyNumber(
            6, "months", f"our choice: 6 months, within what the service agreement provides ({ORDER_735} Art. 13: 按照服务"
                         "协议约定…中止…直至解除服务协议); for a practitioner the suspension of the payment qualification "
                         "(医保发〔2024〕23号, secondary source)"),
        "rectification_sanctions_designated": PolicyNumber(
            ["suspend_service", "suspend_agreement", "penalty_referral", "fraud_case"], "codes",
            f"{ORDER_735} Art. 13, 38-40: a designated medical institution or pharmacy (定点医药机构)"),
        "rectification_sanctions_institution": PolicyNumber(
            ["penalty_referral", "fraud_case"], "codes",
            f"our choice: other institutions (employers, agencies) hold no service agreement of Art. 13 and are not "
            f"定点医药机构 of Art. 38; {ORDER_735} Chapter 4"),
        "rectification_sanctions_practitioner": PolicyNumber(
            ["suspend_agreement", "penalty_referral", "fraud_case"], "codes",
            "医保发〔2024〕23号（定点医药机构相关人员医保支付资格管理：暂停医保支付资格; secondary source, not verified in "
            f"the text); {HENAN} Art. 35(5)（医务人员暂停医保服务资格）"),
        "rectification_sanctions_person": PolicyNumber(
            ["penalty_referral"], "codes", f"our choice: an insured or other person: a penalty referral only ({ORDER_735} "
                                           "Art. 41)"),
    },
)

_READING = ("our reading: 河南省医疗保障基金使用信用管理办法 Art. 38 defers to 法律、法规、规章; for determinations from "
            "2026-04-01 the national classes prevail over Art. 30(3) and 39(1)")
HENAN_2026 = Policy("henan-2026", {**HENAN_2023.numbers, **{
    "bad_disclosure_min_months_minor": _by_determination(
        1, "months", f"{NATIONAL_CLASSES}（轻微失信信息原则上不公示，公示的最长3个月）; our choice: a disclosed minor record is "
                     "disclosed at least 1 month (one not to be disclosed is not recorded as disclosed); " + _READING),
    "bad_disclosure_max_months_minor": _by_determination(3, "months", f"{NATIONAL_CLASSES}（轻微失信信息公示期最长3个月；published text）; {_READING}"),
    "bad_disclosure_min_months_general": _by_determination(3, "months", f"{NATIONAL_CLASSES}（一般失信信息公示期3个月至1年；published text）; {_READING}"),
    "bad_disclosure_max_months_general": _by_determination(12, "months", f"{NATIONAL_CLASSES}（一般失信信息公示期3个月至1年；published text）; {_READING}"),
    "bad_disclosure_min_months_serious": _by_determination(12, "months", f"{NATIONAL_CLASSES}（严重失信信息公示期1年至3年；published text）; {_READING}"),
    "bad_disclosure_max_months_serious": _by_determination(36, "months", f"{NATIONAL_CLASSES}（严重失信信息公示期1年至3年；published text）; {_READING}"),
    "repair_wait_months_minor": _by_determination(0, "months", f"{NATIONAL_REPAIR}（轻微失信信息履行义务后即可申请修复；secondary reports, not verified in the text）; {_READING}"),
    "repair_wait_months_general": _by_determination(3, "months", f"{NATIONAL_REPAIR}（一般失信信息最短公示期3个月后可申请修复；secondary reports, not verified in the text）; {_READING}"),
    "repair_wait_months_serious": _by_determination(12, "months", f"{NATIONAL_REPAIR}（严重失信信息最短公示期1年后可申请修复；secondary reports, not verified in the text）; {_READING}"),
}})


@dataclass(frozen=True)
class Profile:
    """A complete set of policy numbers and the day it takes effect."""

    name: str
    effective_from: date
    policy: Policy
    reading: str = ""  # why this profile applies from that day


HENAN_PROFILES = (
    Profile("henan-2023", date(2023, 1, 1), HENAN_2023, f"{HENAN}，2023年1月1日起施行（Art. 44）"),
    Profile("henan-2026", date(2026, 4, 1), HENAN_2026, f"{NATIONAL_REPAIR}施行之日起; {_READING}"),
)


class PolicySchedule:
    """Profiles by effective date, with the deployment's overrides laid over each of them."""

    def __init__(self, profiles: tuple[Profile, ...], overrides: Policy | None = None):
        if not profiles:
            raise ValueError("a policy schedule needs at least one profile")
        self.profiles = tuple(sorted(profiles, key=lambda p: p.effective_from))
        self.overrides = overrides

    @classmethod
    def single(cls, policy: Policy) -> "PolicySchedule":
        return cls((Profile(policy.name, date.min, policy),))

    def with_overrides(self, overrides: Policy | None) -> "PolicySchedule":
        return PolicySchedule(self.profiles, overrides)

    def in_force(self, on: date) -> Profile:
        """The profile in force on `on` (the first one before any takes effect)."""
        current = self.profiles[0]
        for profile in self.profiles:
            if profile.effective_from <= on:
                current = profile
        return current

    def policy_on(self, on: date) -> Policy:
        return self.in_force(on).policy.overlaid(self.overrides)

    def policies(self) -> list[Policy]:
        """Every profile's numbers with the overrides: what the build validates."""
        return [p.policy.overlaid(self.overrides) for p in self.profiles]

    def overridden(self, key: str) -> bool:
        return self.overrides is not None and key in self.overrides


DEFAULT_POLICY = HENAN_2023
DEFAULT_SCHEDULE = PolicySchedule(HENAN_PROFILES)
