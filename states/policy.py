"""Policy numbers with their legal source. Another province's numbers are a new Policy, not code."""

from __future__ import annotations

from .spec import Policy, PolicyNumber

HENAN = "河南省医疗保障基金使用信用管理办法"  # issued by 河南省医疗保障局, in force 2023-01-01 (Art. 44); docs/rules.md

HENAN_2023 = Policy(
    name="henan",
    numbers={
        "objection_window": PolicyNumber(15, "working_days", f"{HENAN} Art. 26（结果公布之日起15个工作日内提出异议）"),
        "objection_handling": PolicyNumber(15, "working_days", f"{HENAN} Art. 26（收到书面材料之日起15个工作日内处理）"),
        "objection_completion": PolicyNumber(5, "working_days", "our choice: 5 working days to supply missing material (补正) before an objection is refused for form (Art. 26 未按要求提出)"),
        "good_disclosure_months": PolicyNumber(12, "months", "河南省医疗保障基金使用信用管理办法 Art. 30(2)（守信信息公开期限一般为1年）"),
        "bad_disclosure_months": PolicyNumber(12, "months", "河南省医疗保障基金使用信用管理办法 Art. 30(3)（不良信息6个月至1年，由归集部门确定；本局取1年）"),
        "objection_remind_before": PolicyNumber(3, "working_days", "our choice: remind handlers 3 working days before an agency deadline"),
        "objection_window_from_service_for_persons": PolicyNumber(
            True, "flag", "our reading of 河南省医疗保障基金使用信用管理办法 Art. 26 and 29: Art. 29 publishes institutions' "
                          "results and the D list only; for a person's result that is not published, the 15 working days "
                          "of Art. 26 run from service of the result (送达), not from a publication that never happens"),
    },
)

DEFAULT_POLICY = HENAN_2023
