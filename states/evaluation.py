"""Evaluation (信用评价结果): published → final, or published → under objection → final.

Henan measure (seeds/003_0af6d573779fb0f0.txt) Art. 20-23, 26: a result is published with its
score and grade (Art. 22); anyone evaluated may object within 15 working days (Art. 26); the
result becomes final and enters the credit archive when the window ends with no valid objection,
or when the objection on it is decided (Art. 23, 26), adjusted if the objection was upheld.
"""

from __future__ import annotations

from .grades import GRADE_RULE, grade_for, parse_score
from .objection import GROUNDS
from .policy import HENAN
from . import common
from .common import correction
from .spec import NEW, Guard, Input, Notice, Procedure, State, TimerEffect, TimerSpec, Transition

KIND = "evaluation"
SERIES = "信评"
RECORD_SERIES = "信评记"  # internal records (期限变更提示)

STATES = (
    State("published", "已公布（异议期内）"),
    State("under_objection", "异议处理中"),
    State("final", "已确定", final=True),
)

TIMERS = (
    TimerSpec(
        name="objection_window",
        unit="working_days",
        amount="objection_window",
        side="subject",
        on_expiry="window_expired",
        label="异议期（结果公布之日起15个工作日）",
    ),
)


def _year_plausible(ctx) -> bool:
    return 2000 <= ctx.inputs["year"] <= ctx.today.year


def _no_duplicate(ctx) -> bool:
    return not any(c.data.get("year") == ctx.inputs["year"] for c in ctx.siblings)


def _upheld(ctx) -> bool:
    return ctx.inputs.get("outcome") == "upheld"


def _record_publication(ctx) -> dict:
    score = parse_score(ctx.inputs["score"])
    return {"data": {"year": ctx.inputs["year"], "score": str(score), "grade": grade_for(score),
                     "published_on": ctx.today.isoformat(), "adjustments": []}}


def _apply_adjustment(ctx) -> dict:
    new = parse_score(ctx.inputs["score"])
    old = {"score": ctx.data["score"], "grade": ctx.data["grade"]}
    record = {**old, "new_score": str(new), "new_grade": grade_for(new), "child_case": ctx.inputs.get("child_case"),
              "on": ctx.today.isoformat(), "rule": f"{HENAN} Art. 26; {GRADE_RULE}"}
    return {"data": {"score": str(new), "grade": grade_for(new), "previous": old,
                     "adjustments": list(ctx.data.get("adjustments", [])) + [record]}}


def _archive_result(ctx) -> dict:
    score = ctx.data.get("score")
    grade = ctx.data.get("grade")
    if ctx.inputs.get("outcome") == "upheld":
        score = str(parse_score(ctx.inputs["score"]))
        grade = grade_for(parse_score(score))
    category = "evaluation_grade"
    kind = "bad" if grade == "D" else ("good" if grade in ("A", "B") else "basic")
    return {"archive": [{
        "kind": kind,
        "category": category,
        "facts": f"{ctx.data['year']}年度医疗保障基金使用信用评价结果：{score}分，{grade}级",
        "determined_on": ctx.today.isoformat(),
        "rule": f"{HENAN} Art. 23, 26",
    }]}


PUBLISHED = Notice("evaluation/published.html.j2", "医疗保障基金使用信用评价结果告知书", SERIES, "subject")
FINAL = Notice("evaluation/finalized.html.j2", "信用评价结果确定通知书", SERIES, "subject")
REGISTERED = Notice("evaluation/objection_registered.html.j2", "信用评价结果异议登记记录", "信评记", "internal")
ADJUSTED = Notice("evaluation/adjusted.html.j2", "信用评价结果更正告知书", SERIES, "subject")

TRANSITIONS = (
    Transition(
        trigger="publish", source=(NEW,), dest="published", role="handler", label="公布评价结果",
        notice=PUBLISHED,
        inputs=(Input("year", "int", label="评价年度"), Input("score", "score", label="评价得分")),
        guards=(
            Guard("year_plausible", "EVAL-YEAR", f"{HENAN} Art. 21", "评价年度应为2000年至今年之间的年度（按年度开展评价）"),
            Guard("no_duplicate", "EVAL-DUP", f"{HENAN} Art. 21",
                  "该主体本年度已有本部门的评价结果；如需更正，请通过异议程序处理"),
        ),
        timers=(TimerEffect("start", "objection_window"),),
        effects=("record_publication",),
    ),
    Transition(
        trigger="window_expired", source=("published",), dest="final", role="system",
        label="异议期届满，结果确定", notice=FINAL, effects=("archive_result",), order=10,
    ),
    Transition(
        trigger="objection_filed", source=("published", "final"), dest="under_objection", role="system",
        label="收到异议，结果暂缓确定", notice=REGISTERED, reopens=True,
        timers=(TimerEffect("stop", "objection_window"),),
    ),
    Transition(
        trigger="objection_closed", source=("under_objection",), dest="final", role="system",
        label="异议处理完毕，依决定更正评价结果", when="upheld", notice=ADJUSTED,
        inputs=(Input("outcome", "str"), Input("score", "score", required=False)),
        effects=("apply_adjustment", "archive_result"),
    ),
    Transition(
        trigger="objection_closed", source=("under_objection",), dest="final", role="system",
        label="异议处理完毕，维持评价结果", notice=FINAL,
        inputs=(Input("outcome", "str"), Input("score", "score", required=False)),
        effects=("archive_result",),
    ),
    correction(SERIES, STATES),
    *common.recomputed(SERIES, RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    return {"score": case.data.get("score"), "grade": case.data.get("grade"), "year": case.data.get("year")}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="医疗保障信用评价",
    states=STATES,
    initial="published",
    transitions=TRANSITIONS,
    timers=TIMERS,
    guards={"year_plausible": _year_plausible, "no_duplicate": _no_duplicate},
    conditions={"upheld": _upheld, **common.CONDITIONS},
    effects={"record_publication": _record_publication, "apply_adjustment": _apply_adjustment,
             "archive_result": _archive_result},
    summary=_summary,
    notice_context={"measure": HENAN, "grounds": GROUNDS},  # the form 附件1 lists the Art. 24 grounds
)
