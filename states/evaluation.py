"""Evaluation (信用评价结果): published → final, or published → under objection → final.

Henan measure (《河南省医疗保障基金使用信用管理办法》, in force 2023-01-01; docs/rules.md §2)
Art. 20-23, 26: a result is published with its score and grade (Art. 22); anyone evaluated may
object within 15 working days (Art. 26); the result becomes final and enters the credit archive
when the window ends with no valid objection, or when the objection on it is decided (Art. 23, 26),
adjusted if the objection was upheld.

A result that becomes final with grade D is a 失信 determination (Art. 35): it opens its record (states/record.py,
category `evaluation_d`), which owns the subject's bad-information entry, its disclosure and its repair; the
evaluation's own entry is the year's result as such (kind "evaluation", superseded by the next year's, like a
C). An objection upheld that changes a final D away from D corrects the record (withdrawn); while an objection
on a final D is handled, the record's entry is marked disputed too.
"""

from __future__ import annotations

from .archive import check_good_disclosure, disclosed_until
from .grades import GRADE_RULE, grade_for, parse_score
from .objection import GROUNDS
from .policy import HENAN
from . import common
from .common import correction
from .spec import (NEW, SERVED_TRIGGER, Guard, Input, Notice, Notify, Open, Procedure, State, TimerEffect, TimerSpec,
                   Transition)

KIND = "evaluation"
SERIES = "信评"
RECORD_SERIES = "信评记"  # internal records (期限变更提示)
ARCHIVE_CATEGORY = "evaluation_grade"
RECORD_KIND = "record"  # states/record.py: the 失信 record a final D opens
RECORD_CATEGORY = "evaluation_d"

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
    """Upheld in whole or in part (部分成立): either way the decision sets the new score."""
    return ctx.inputs.get("outcome") in ("upheld", "partial")


def _window_still_open(ctx) -> bool:
    """A refused or withdrawn objection leaves no valid objection: if the window has not ended yet (or, for a
    result served on a person, has not even started), the result goes back to waiting for it (Art. 26 gives
    the subject the whole 15 working days)."""
    if ctx.inputs.get("outcome") not in ("refused", "withdrawn"):
        return False
    window = ctx.case.timers.get("objection_window")
    if window is None:
        return bool(ctx.data.get("window_from_service"))
    return window.status == "stopped" and window.ends_at > ctx.now


def _window_from_service(ctx) -> bool:
    """A person's result that is not published (Art. 29 publishes institutions' results and the D list only):
    its objection window runs from service of the result (policy flag; our reading of Art. 26 and 29)."""
    return (bool(ctx.policy["objection_window_from_service_for_persons"]) and ctx.subject is not None
            and ctx.subject.is_person and grade_for(parse_score(ctx.inputs["score"])) != "D")


def _result_served(ctx) -> bool:
    """The first service of the result notice on a person whose window waits for it."""
    return (bool(ctx.data.get("window_from_service")) and "objection_window" not in ctx.case.timers
            and ctx.event["issued_by"] == "publish" and ctx.event["first"])


def _record_publication(ctx) -> dict:
    score = parse_score(ctx.inputs["score"])
    return {"data": {"year": ctx.inputs["year"], "score": str(score), "grade": grade_for(score),
                     "published_on": ctx.today.isoformat(), "adjustments": [],
                     "window_from_service": _window_from_service(ctx)}}


def _record_window_start(ctx) -> dict:
    return {"data": {"result_served_on": ctx.event["served_on"].isoformat()}}


def _apply_adjustment(ctx) -> dict:
    new = parse_score(ctx.inputs["score"])
    old = {"score": ctx.data["score"], "grade": ctx.data["grade"]}
    record = {**old, "new_score": str(new), "new_grade": grade_for(new), "child_case": (ctx.cause or {}).get("case"),
              "outcome": ctx.inputs.get("outcome"), "on": ctx.today.isoformat(), "rule": f"{HENAN} Art. 26; {GRADE_RULE}"}
    return {"data": {"score": str(new), "grade": grade_for(new), "previous": old,
                     "adjustments": list(ctx.data.get("adjustments", [])) + [record]}}


def _archive_result(ctx) -> dict:
    """The final result enters the archive (Art. 23, 26) with its disclosure period (Art. 30): A/B good
    information; C and D an evaluation result kept until the next year's supersedes it (a D's bad information
    is its record's entry: states/record.py, so nothing is counted twice).
    It supersedes what this case entered before (a result corrected after it was final) and the
    subject's earlier years' C results.

    A result that was final already and is maintained after a timely objection (dismissed, refused,
    withdrawn) keeps its entry and its determination day: the dispute ends and the entry is in use
    again; nothing is re-determined."""
    upheld = _upheld(ctx)
    if ctx.data.get("final_on") and not upheld:
        return {"archive_status": [{"scope": "case", "status": "dispute_closed",
                                    "reason": f"异议案件{(ctx.cause or {}).get('case', '')}处理完毕，维持原评价结果"}]}
    score = ctx.data.get("score")
    grade = ctx.data.get("grade")
    if upheld:
        score = str(parse_score(ctx.inputs["score"]))
        grade = grade_for(parse_score(score))
    if grade in ("A", "B"):
        kind, months = "good", check_good_disclosure(ctx.policy["good_disclosure_months"])
    else:
        kind, months = "evaluation", None
    determined = ctx.today  # the effective day, however late the sweep ran
    until = disclosed_until(kind, determined, months)
    return {"data": {"final_on": determined.isoformat()}, "archive": [{
        "kind": kind,
        "category": ARCHIVE_CATEGORY,
        "facts": f"{ctx.data['year']}年度医疗保障基金使用信用评价结果：{score}分，{grade}级",
        "determined_on": determined.isoformat(),
        "disclosed_until": until.isoformat() if until else None,
        "rule": f"{HENAN} Art. 23, 26, 30",
        "supersedes": [
            {"scope": "case", "reason": "评价结果依异议处理决定重新确定"},
            {"scope": "subject", "kind": "evaluation", "category": ARCHIVE_CATEGORY, "case_kind": KIND,
             "year_before": ctx.data["year"], "reason": f"{ctx.data['year']}年度评价结果已确定"},
        ],
    }]}


def _dispute_entry(ctx) -> dict:
    """A timely objection reopens a final result: its archive entry is not used while it is handled."""
    if ctx.case.state != "final":
        return {}
    return {"archive_status": [{"scope": "case", "status": "disputed",
                                "reason": f"异议案件{(ctx.cause or {}).get('case', '')}处理中"}]}


def _after(ctx):
    return ctx.after if ctx.after is not None else ctx.case


def _grade_d(ctx) -> bool:
    """The result is final with grade D and no record of it is disclosed yet (a final D reopened by a timely
    objection and maintained keeps the record it opened)."""
    after = _after(ctx)
    return (after is not None and after.data.get("grade") == "D"
            and not any(c.kind == RECORD_KIND and c.state == "disclosed" for c in ctx.children))


def _d_corrected_away(ctx) -> bool:
    """An upheld objection changed a D into another grade: the 失信 determination is corrected."""
    after = _after(ctx)
    return ctx.data.get("grade") == "D" and after is not None and after.data.get("grade") != "D"


def _final_d(ctx) -> bool:
    """A final D reopened by a timely objection (its record's entry is disputed while it is handled)."""
    return ctx.case is not None and ctx.case.state == "final" and ctx.data.get("grade") == "D"


def _d_maintained(ctx) -> bool:
    """The objection on a final D is closed and the grade is still D: the record's dispute ends."""
    after = _after(ctx)
    return (bool(ctx.data.get("final_on")) and ctx.data.get("grade") == "D" and after is not None
            and after.data.get("grade") == "D")


def _record_inputs(ctx) -> dict:
    """The record of a final D: determined on the day the result became final (the Asia/Shanghai day of the
    instant, however late the sweep ran), disclosed for the policy's `bad_disclosure_months`, severity 一般."""
    data = _after(ctx).data
    policy_on = getattr(ctx, "policy_on", None)
    policy = policy_on(ctx.today) if policy_on is not None else ctx.policy
    return {"category": RECORD_CATEGORY, "determined_on": ctx.today, "severity": "general",
            "disclosure_months": policy["bad_disclosure_months"],
            "facts": _record_facts(data),
            "basis": f"{data['year']}年度医疗保障基金使用信用评价结果（评价案件{_after(ctx).id}）"}


def _record_facts(data: dict) -> str:
    return f"{data['year']}年度医疗保障基金使用信用评价结果：{data['score']}分，D级"


def _regrade_inputs(ctx) -> dict:
    """Still D after an upheld objection, with another score: the record's entry states the new score (its
    determination day and disclosure period stay)."""
    return {"decision_case": (ctx.cause or {}).get("case"), "facts": _record_facts(_after(ctx).data)}


def _correction_inputs(ctx) -> dict:
    after = _after(ctx)
    return {"decision_case": (ctx.cause or {}).get("case"),
            "reason": f"{after.data['year']}年度评价结果依异议处理决定更正为{after.data['grade']}级"}


OPEN_RECORD = Open(RECORD_KIND, "determine", relation="child", inputs=_record_inputs, when="grade_d")
CORRECT_RECORD = Notify("opened", "corrected", kind=RECORD_KIND, inputs=_correction_inputs, when="d_corrected_away")
DISPUTE_RECORD = Notify("opened", "disputed", kind=RECORD_KIND, when="final_d")
CLOSE_RECORD_DISPUTE = Notify("opened", "dispute_closed", kind=RECORD_KIND, when="d_maintained")
REGRADE_RECORD = Notify("opened", "result_corrected", kind=RECORD_KIND, inputs=_regrade_inputs, when="d_maintained")

PUBLISHED = Notice("evaluation/published.html.j2", "医疗保障基金使用信用评价结果告知书", SERIES, "subject")
FINAL = Notice("evaluation/finalized.html.j2", "信用评价结果确定通知书", SERIES, "subject")
REGISTERED = Notice("evaluation/objection_registered.html.j2", "信用评价结果异议登记记录", "信评记", "internal")
ADJUSTED = Notice("evaluation/adjusted.html.j2", "信用评价结果更正告知书", SERIES, "subject")
RESTORED = Notice("evaluation/window_restored.html.j2", "信用评价结果异议期继续计算记录", RECORD_SERIES, "internal")
WINDOW_FROM_SERVICE = Notice("evaluation/window_from_service.html.j2", "信用评价结果告知书送达及异议期起算记录",
                             RECORD_SERIES, "internal")
PUBLISH_INPUTS = (Input("year", "int", label="评价年度"), Input("score", "score", label="评价得分"))
PUBLISH_GUARDS = (
    Guard("year_plausible", "EVAL-YEAR", f"{HENAN} Art. 21", "评价年度应为2000年至今年之间的年度（按年度开展评价）"),
    Guard("no_duplicate", "EVAL-DUP", f"{HENAN} Art. 21",
          "该主体本年度已有本部门的评价结果；如需更正，请通过异议程序处理"),
)

TRANSITIONS = (
    Transition(
        trigger="publish", source=(NEW,), dest="published", role="handler", when="window_from_service",
        label="作出评价结果并书面告知（不公开，异议期自送达之日起计算）", notice=PUBLISHED,
        inputs=PUBLISH_INPUTS, guards=PUBLISH_GUARDS, effects=("record_publication",),
    ),
    Transition(
        trigger="publish", source=(NEW,), dest="published", role="handler", label="公布评价结果",
        notice=PUBLISHED, inputs=PUBLISH_INPUTS, guards=PUBLISH_GUARDS,
        timers=(TimerEffect("start", "objection_window"),),
        effects=("record_publication",),
    ),
    Transition(
        trigger="window_expired", source=("published",), dest="final", role="system",
        label="异议期届满，结果确定", notice=FINAL, effects=("archive_result",), order=10, opens=(OPEN_RECORD,),
    ),
    Transition(
        trigger="objection_filed", source=("published", "final"), dest="under_objection", role="system",
        label="收到异议，待异议处理后确定结果", notice=REGISTERED, reopens=True,
        timers=(TimerEffect("stop", "objection_window"),), effects=("dispute_entry",), notifies=(DISPUTE_RECORD,),
    ),
    Transition(
        trigger="objection_closed", source=("under_objection",), dest="final", role="system",
        label="异议处理完毕，依决定更正评价结果", when="upheld", notice=ADJUSTED,
        inputs=(Input("outcome", "str"), Input("score", "score", required=False)),
        effects=("apply_adjustment", "archive_result"), opens=(OPEN_RECORD,),
        notifies=(CORRECT_RECORD, REGRADE_RECORD),
    ),
    Transition(
        trigger="objection_closed", source=("under_objection",), dest="published", role="system",
        label="异议不予受理或撤回，异议期继续计算至原届满日", when="window_still_open", notice=RESTORED,
        inputs=(Input("outcome", "str"), Input("score", "score", required=False)),
        timers=(TimerEffect("restore", "objection_window"),),
    ),
    Transition(
        trigger="objection_closed", source=("under_objection",), dest="final", role="system",
        label="异议处理完毕，维持评价结果", notice=FINAL,
        inputs=(Input("outcome", "str"), Input("score", "score", required=False)),
        effects=("archive_result",), opens=(OPEN_RECORD,), notifies=(CLOSE_RECORD_DISPUTE,),
    ),
    correction(SERIES, STATES),
    *common.recomputed(SERIES, RECORD_SERIES, STATES),
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES, Transition(
        trigger=SERVED_TRIGGER, source=("published",), dest=None, role="handler|approver", when="result_served",
        label="登记评价结果告知书送达，异议期起算", notice=WINDOW_FROM_SERVICE, inputs=common.SERVED_INPUTS,
        timers=(TimerEffect("start", "objection_window", anchor="event"),),
        effects=("record_service", "record_window_start"),
    ), Transition(
        # Served while an objection filed before service is handled: the window counts from the service day
        # and waits at once, as a published result's window does while an objection is handled
        # (objection_filed); a refusal or withdrawal then restores it to that same last day (or, once that
        # day has passed, leaves the result final).
        trigger=SERVED_TRIGGER, source=("under_objection",), dest=None, role="handler|approver",
        when="result_served", label="登记评价结果告知书送达（异议处理中），异议期自送达之日起计算",
        notice=WINDOW_FROM_SERVICE, inputs=common.SERVED_INPUTS,
        timers=(TimerEffect("start", "objection_window", anchor="event"), TimerEffect("stop", "objection_window")),
        effects=("record_service", "record_window_start"),
    )),
)


def _summary(case) -> dict:
    out = {"score": case.data.get("score"), "grade": case.data.get("grade"), "year": case.data.get("year")}
    if case.data.get("window_from_service") and not case.data.get("result_served_on") and case.state == "published":
        out["objection_window"] = ("评价结果告知书尚未登记送达，异议期尚未起算（该结果依河南省医疗保障基金使用信用管理办法"
                                   "第二十九条不公开，异议期自送达之日起计算）；送达后请用 creditflow notice served 登记")
    return out


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="医疗保障信用评价",
    states=STATES,
    initial="published",
    transitions=TRANSITIONS,
    timers=TIMERS,
    guards={**common.GUARDS, "year_plausible": _year_plausible, "no_duplicate": _no_duplicate},
    conditions={"upheld": _upheld, "window_still_open": _window_still_open,
                "window_from_service": _window_from_service, "result_served": _result_served, "grade_d": _grade_d,
                "d_corrected_away": _d_corrected_away, "final_d": _final_d, "d_maintained": _d_maintained,
                **common.CONDITIONS},
    effects={"record_publication": _record_publication, "apply_adjustment": _apply_adjustment,
             "archive_result": _archive_result, "dispute_entry": _dispute_entry,
             "record_window_start": _record_window_start, **common.EFFECTS},
    summary=_summary,
    # the form 附件1 lists the Art. 24 grounds; notices name the grade of a score
    notice_context={"measure": HENAN, "grounds": GROUNDS, "grade_for": lambda s: grade_for(parse_score(s))},
)
from .evaluation_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
