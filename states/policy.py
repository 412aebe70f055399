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


# Fraud cases (欺诈骗保案件, states/fraud.py) and their penalty decisions (states/penalty_decision.py); docs/rules.md §6.
# [V]: verified in the text in /work/shared/law; [S]: NHSA Order No. 4 (医疗保障行政处罚程序暂行规定, 2021) and Order
# No. 5 (举报处理暂行办法, 2022) figures as secondary sources report them, not verified in the text.
PENALTY_LAW = "中华人民共和国行政处罚法"
NHSA_ORDER_4 = "医疗保障行政处罚程序暂行规定（国家医疗保障局令第4号）"
NHSA_ORDER_5 = "医疗保障基金使用监督管理举报处理暂行办法（国家医疗保障局令第5号）"
FRAUD_NUMBERS = {
    "fraud_filing_decision": PolicyNumber(
        15, "working_days", f"{NHSA_ORDER_4}（发现线索或者收到材料之日起15个工作日内决定是否立案）[S]"),
    "fraud_filing_extension": PolicyNumber(
        15, "working_days", f"{NHSA_ORDER_4}（特殊情况经批准可以延长15个工作日，延长一次）[S]"),
    "fraud_remind_before": PolicyNumber(
        3, "working_days", "our choice: remind handlers 3 working days before the filing decision's last day"),
    "fraud_case_days": PolicyNumber(
        90, "days", f"{PENALTY_LAW} Art. 60（自立案之日起九十日内作出行政处罚决定）[V]; {NHSA_ORDER_4}（同）[S]"),
    "fraud_case_extension": PolicyNumber(
        30, "days", f"{NHSA_ORDER_4}（案情复杂不能在规定期限内作出决定的，经本部门负责人批准可以延长30日，延长一次）[S]"),
    "fraud_case_further_max": PolicyNumber(
        60, "days", f"our choice: a further extension decided by the heads' collective discussion ({NHSA_ORDER_4} [S]) "
                    "states its days, at most 60 at a time (the Order names no number)"),
    "fraud_defence_period": PolicyNumber(
        5, "working_days", f"{PENALTY_LAW} Art. 64(1), 85（当事人要求听证的，应当在行政机关告知后五日内提出；五日为工作日）[V]; "
                           f"{NHSA_ORDER_4}（告知后5个工作日内提出陈述、申辩或者要求听证）[S]"),
    "fraud_hearing_notice": PolicyNumber(
        7, "working_days", f"{PENALTY_LAW} Art. 64(2), 85（在举行听证的七日前通知当事人；七日为工作日）[V]"),
    "fraud_preservation_decision": PolicyNumber(
        7, "working_days", f"{PENALTY_LAW} Art. 56, 85（先行登记保存的，应当在七日内及时作出处理决定；七日为工作日）[V]"),
    "fraud_service_days": PolicyNumber(
        7, "working_days", f"{PENALTY_LAW} Art. 61, 85（当事人不在场的，在七日内送达行政处罚决定书；七日为工作日）[V]"),
    "fraud_reporter_reply": PolicyNumber(
        5, "working_days", f"{NHSA_ORDER_5}（实名举报的，自作出是否立案决定之日起5个工作日内告知举报人）[S]"),
    "fraud_fine_min_multiple": PolicyNumber(
        2, "times", f"{ORDER_735} Art. 37, 40, 41(2)（处骗取金额2倍以上5倍以下的罚款）[V]"),
    "fraud_fine_max_multiple": PolicyNumber(
        5, "times", f"{ORDER_735} Art. 37, 40, 41(2)（处骗取金额2倍以上5倍以下的罚款）[V]"),
    "fraud_suspend_min_months": PolicyNumber(
        6, "months", f"{ORDER_735} Art. 40（责令定点医药机构暂停相关责任部门6个月以上1年以下涉及医疗保障基金使用的医药服务）[V]"),
    "fraud_suspend_max_months": PolicyNumber(
        12, "months", f"{ORDER_735} Art. 40（责令定点医药机构暂停相关责任部门6个月以上1年以下涉及医疗保障基金使用的医药服务）[V]"),
    "fraud_settlement_min_months": PolicyNumber(
        3, "months", f"{ORDER_735} Art. 41(1)（属于参保人员的，暂停其医疗费用联网结算3个月至12个月）[V]"),
    "fraud_settlement_max_months": PolicyNumber(
        12, "months", f"{ORDER_735} Art. 41(1)（属于参保人员的，暂停其医疗费用联网结算3个月至12个月）[V]"),
    "fraud_major_fine_institution": PolicyNumber(
        100000, "yuan", f"our choice: a fine of 100,000 yuan or more on an institution is a major decision needing the "
                        f"legal review and the heads' collective discussion ({PENALTY_LAW} Art. 57(2), 58(1)); so is any "
                        "suspension or termination of the service agreement"),
    "fraud_major_fine_person": PolicyNumber(
        10000, "yuan", f"our choice: a fine of 10,000 yuan or more on a person is a major decision ({PENALTY_LAW} "
                       "Art. 57(2), 58(1))"),
    "fraud_record_severity": PolicyNumber(
        "general", "code", f"our choice: the 失信 record of a final fraud penalty is of the general class ({HENAN} Art. 10 "
                           "不良信息; 国办发〔2025〕22号 names the serious class for lists the law sets)"),
    "fraud_record_months": PolicyNumber(
        12, "months", f"our choice: the record of a final fraud penalty is disclosed 12 months: the longest {HENAN} "
                      "Art. 30(3) allows (6 months to 1 year), within the national general class (3 months to 1 year); "
                      "read on the day the penalty becomes final, which is its record's determination day"),
    "penalty_payment_days": PolicyNumber(
        15, "days", f"{PENALTY_LAW} Art. 67(3)（当事人应当自收到行政处罚决定书之日起十五日内缴纳罚款）[V]"),
    "penalty_return_days": PolicyNumber(
        15, "days", f"our choice: the funds ordered returned (责令退回, {ORDER_735} Art. 40, 45: 退回原医疗保障基金财政专户) "
                    "within 15 days of receiving the decision, as the fine (the regulation names no period)"),
    "penalty_challenge_months": PolicyNumber(
        6, "months", "中华人民共和国行政诉讼法 Art. 46(1)（自知道或者应当知道作出行政行为之日起六个月内提起诉讼）[V], the longer "
                     "of it and 中华人民共和国行政复议法 Art. 20(1)（六十日）[V]: a penalty not challenged by then is final "
                     f"({HENAN} Art. 10 不良信息)"),
}


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
        **FRAUD_NUMBERS,
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
