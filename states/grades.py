"""Scores and grades (Henan measure Art. 22) and what a grade means for inspections (Art. 33)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

GRADE_RULE = "河南省医疗保障基金使用信用管理办法 Art. 22"


def parse_score(value) -> Decimal:
    """A score out of 100 with at most two decimals; anything else is refused."""
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"得分 {value!r} 不是数字：请填写0至100之间的分值，如 85.5（百分制）") from None
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        raise ValueError(f"得分 {value} 超出0至100的范围（百分制）；请核对评分")
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(f"得分 {value} 的小数超过两位：请保留至多两位小数，如 85.25")
    return score.quantize(Decimal("0.01"))


def grade_for(score: Decimal) -> str:
    """A >= 90; B 80 <= s < 90; C 70 <= s < 80; D < 70. Boundaries are exact (89.99 is B, 70 is C)."""
    if score >= 90:
        return "A"
    if score >= 80:
        return "B"
    if score >= 70:
        return "C"
    return "D"


GRADE_LABELS = {"A": "A级（守信）", "B": "B级（守信）", "C": "C级", "D": "D级（失信）"}
