"""Policy numbers with their legal source. Another province's numbers are a new Policy, not code."""

from __future__ import annotations

from .spec import Policy, PolicyNumber

HENAN = "河南省医疗保障基金使用信用管理办法"  # seeds/003_0af6d573779fb0f0.txt, in force 2023-01-01

HENAN_2023 = Policy(
    name="henan",
    numbers={
        "objection_window": PolicyNumber(15, "working_days", f"{HENAN} Art. 26（结果公布之日起15个工作日内提出异议）"),
        "objection_handling": PolicyNumber(15, "working_days", f"{HENAN} Art. 26（收到书面材料之日起15个工作日内处理）"),
        "objection_remind_before": PolicyNumber(3, "working_days", "our choice: remind handlers 3 working days before an agency deadline"),
    },
)

DEFAULT_POLICY = HENAN_2023
