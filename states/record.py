"""Record (信用记录): a 失信 determination, the bad information it puts in the credit archive, its disclosure
and when its repair may be applied for (Henan measure Art. 10, 12, 30-31, 37-41; docs/rules.md §1.5, §4).

A record is opened by a handler for a determination made by a decision document (`add`: a penalty
decision's number, `--basis`), or by another case (`determine`): an evaluation that becomes final with
grade D (states/evaluation.py), a repair that finds false material (states/repair.py, category
`false_commitment`, Art. 40). It owns the subject's bad-information entry (kind "bad") and tells the subject
in writing what was recorded, for how long it is disclosed, and when and how repair can be applied for
(失信信息告知书: 国办发〔2025〕22号 asks that the repair information be given with the decision).

The rules come from the policy profile in force on the determination day (`ctx.policy_on`): the disclosure
bounds of the record's severity (Henan Art. 30(3): 6 months to 1 year; from 2026-04-01 the national classes,
国办发〔2025〕22号 §二), never shorter than the related penalty's term; and the waiting period before repair
(Art. 39(1): 6 months; from 2026-04-01 by class). Months are counted by the Civil Code Art. 201-202: the
period from the determination day ends on the corresponding day (or the month's last day); the first
admissible day of a repair application is the day after the waiting period ends.

`disclosed` → `withdrawn` when the disclosure period ends (timer `disclosure`), when a repair takes effect
(`repaired`, from the repair case), when the determination is annulled by a reconsideration or court
decision (`revoke`), or when it is corrected away (`corrected`: the D grade changed by an objection, or the
entry withdrawn on an objection to it). A revoked repair (`repair_revoked`) discloses the record again to the
end of its original period, if that has not passed. Withdrawn information is never used again (Art. 31).
"""

from __future__ import annotations

from datetime import date, timedelta

from calendars import CalendarError
from calendars.periods import add_months

from . import common
from .archive import SEVERITIES, bad_disclosure_bounds
from .common import correction
from .policy import HENAN, NATIONAL_CLASSES, NATIONAL_REPAIR
from .spec import NEW, Guard, Input, Notice, Notify, Open, Procedure, State, TimerEffect, TimerSpec, Transition

KIND = "record"
SERIES = "信记"  # notices to the subject
RECORD_SERIES = "信记录"  # internal records

# The categories of 失信 behaviour a record names (code -> label): "the same type" of Art. 39(2) compares them.
# Sources: 医疗保障基金使用监督管理条例 Art. 38, 40, 41; Henan measure Art. 10, 35, 40.
CATEGORIES = {
    "fraudulent_billing": "虚假结算",
    "split_hospitalisation": "分解住院",
    "excessive_charges": "超标准收费",
    "duplicate_charges": "重复收费",
    "drug_substitution": "串换药品",
    "fictitious_services": "虚构医药服务",
    "forged_documents": "伪造变造医学文书或者票据",
    "impersonation": "冒名就医购药",
    "false_commitment": "虚假承诺",
    "evaluation_d": "D级评价结果",
}
CATEGORY_SOURCES = {
    "fraudulent_billing": "《医疗保障基金使用监督管理条例》第三十八条、第四十条",
    "split_hospitalisation": "《医疗保障基金使用监督管理条例》第三十八条第（一）项",
    "excessive_charges": "《医疗保障基金使用监督管理条例》第三十八条第（三）项",
    "duplicate_charges": "《医疗保障基金使用监督管理条例》第三十八条第（三）项",
    "drug_substitution": "《医疗保障基金使用监督管理条例》第三十八条第（四）项",
    "fictitious_services": "《医疗保障基金使用监督管理条例》第四十条第一款第（三）项",
    "forged_documents": "《医疗保障基金使用监督管理条例》第四十条第一款第（二）项",
    "impersonation": "《医疗保障基金使用监督管理条例》第四十一条",
    "false_commitment": "第十条、第四十条第二款",  # the Henan measure's own articles (the notices cite it by law())
    "evaluation_d": "第二十二条、第三十五条",
}
# Art. 40(2): false material, a false or broken commitment in a repair application bars repair for 3 years.
BAN_CATEGORY = "false_commitment"
EVALUATION_CATEGORY = "evaluation_d"
WITHDRAWN_REASONS = {"expired": "公开期限届满", "repaired": "信用修复", "corrected": "依异议处理决定更正",
                     "revoked": "依复议决定或者裁判撤销"}
PENALTY_TERM_MAX = 120  # creditflow policy: a penalty's term in months (the longest in 医保条例 is 5 years)
NATIONAL = "国办发〔2025〕22号"
NATIONAL_OPINION = "国务院办公厅《关于进一步完善信用修复制度的意见》（国办发〔2025〕22号）"

STATES = (
    State("disclosed", "公开中"),
    State("withdrawn", "已停止公开", final=True),
)

TIMERS = (
    TimerSpec(
        name="disclosure", unit="months", amount="data:disclosure_months", side="subject",
        on_expiry="disclosure_expired", label="不良信息公开期限（自认定之日起计算）",
    ),
    TimerSpec(
        name="eligibility", unit="months", amount="data:waiting_months", side="subject",
        on_expiry="eligibility_reached", label="信用修复申请等待期（自认定之日起计算，期满次日起可申请）",
    ),
    TimerSpec(
        name="ban", unit="months", amount="repair_ban_months", side="subject",
        on_expiry="ban_ended", label="取消信用修复申请资格期限（3年，第四十条第二款）",
        # Art. 40(2) fixes the disqualification at 3 years from the day the false material is established: a
        # sanction of its own, not a use of the information, so it runs on after the record's disclosure ends
        # (Art. 31) and ends early only when the determination is revoked or corrected (our reading)
        outlives_case=True,
    ),
)


# -- the terms of a determination (pure: from the inputs and the policy in force on its day) ---------------------

def _policy_on(ctx, day: date):
    return ctx.policy_on(day)


def _profile_name(ctx, day: date) -> str:
    profile = ctx.profile_on(day)
    return profile.name if profile is not None else ctx.policy_on(day).name


def _determined(ctx) -> date | None:
    return ctx.inputs.get("determined_on") or ctx.inputs.get("determined")


def _severity(ctx) -> str:
    return ctx.inputs.get("severity") or "general"


def terms(ctx) -> dict | None:
    """What the inputs determine, or None when they cannot be computed (a refusing guard says why):
    the policy, the bounds, the last day of disclosure, the waiting months, the first admissible day of a
    repair application and, for a false commitment, the last day of the ban."""
    day, severity = _determined(ctx), _severity(ctx)
    months, penalty = ctx.inputs.get("disclosure_months"), ctx.inputs.get("penalty_term_months")
    if day is None or not isinstance(months, int):
        return None
    try:
        policy = _policy_on(ctx, day)
        lower, upper = bad_disclosure_bounds(policy, severity, penalty)
        waiting = policy[f"repair_wait_months_{severity}"]
        until = add_months(day, months) if months >= 1 else None
        eligible = (add_months(day, waiting) if waiting else day) + timedelta(days=1)
        ban_until = add_months(day, ctx.policy["repair_ban_months"]) if ctx.inputs.get("category") == BAN_CATEGORY \
            else None
        if ban_until is not None:  # Art. 40(2): no application of this subject is admissible before its ban ends
            eligible = max(eligible, ban_until + timedelta(days=1))
    except (CalendarError, KeyError, TypeError, ValueError, OverflowError):
        return None
    return {"policy": policy, "day": day, "severity": severity, "months": months, "penalty": penalty,
            "lower": lower, "upper": upper, "until": until, "waiting": waiting, "eligible": eligible,
            "ban_until": ban_until}


def _national(policy, severity: str) -> bool:
    """The profile in force on the determination day applies the national classes (国办发〔2025〕22号)."""
    return NATIONAL in policy.source(f"bad_disclosure_max_months_{severity}")


# -- guards ---------------------------------------------------------------------------------------------------

def _not_future(ctx) -> bool:
    day = _determined(ctx)
    return day is not None and day <= ctx.today


def _penalty_term_valid(ctx) -> bool:
    penalty = ctx.inputs.get("penalty_term_months")
    return penalty is None or 1 <= penalty <= PENALTY_TERM_MAX


def _computable(ctx) -> bool:
    return terms(ctx) is not None


def _bounds(ctx, national: bool) -> bool:
    t = terms(ctx)
    if t is None:
        return True  # `computable` refused it
    if _national(t["policy"], t["severity"]) != national:
        return True  # the other profile's guard decides
    ok = t["lower"] <= t["months"] <= t["upper"] and t["until"] is not None
    if not ok:
        ctx.details.update(lower=t["lower"], upper=t["upper"], months=t["months"],
                           severity=SEVERITIES[t["severity"]], day=t["day"].isoformat(),
                           penalty=(f"，且不得低于相关行政处罚期限{t['penalty']}个月" if t["penalty"] else ""))
    return ok


def _bounds_henan(ctx) -> bool:
    return _bounds(ctx, national=False)


def _bounds_national(ctx) -> bool:
    return _bounds(ctx, national=True)


def _not_expired(ctx) -> bool:
    """Art. 31: information whose disclosure period has already ended is not used, so it is not recorded."""
    t = terms(ctx)
    if t is None or t["until"] is None:
        return True  # the bounds guard refuses it
    ctx.details.update(until=t["until"].isoformat())
    return t["until"] >= ctx.today


def _not_revoked(ctx) -> bool:
    return ctx.data.get("withdrawn_reason") != "revoked"


# -- routing conditions -----------------------------------------------------------------------------------------

def _eligibility_ahead(t: dict | None, today: date) -> bool:
    """The eligibility clock runs when there is a waiting period whose end is still ahead and a repair is
    possible while the information is disclosed (a months clock of 0 months is no period: then the opening
    notice, served with the determination, names the first admissible day)."""
    return (t is not None and t["waiting"] >= 1 and t["eligible"] > today and t["until"] is not None
            and t["eligible"] <= t["until"])


def _ban_ahead(t: dict | None, today: date) -> bool:
    return t is not None and t["ban_until"] is not None and t["ban_until"] >= today


def _route(eligibility: bool, ban: bool):
    def condition(ctx) -> bool:
        t = terms(ctx)
        return _eligibility_ahead(t, ctx.today) == eligibility and _ban_ahead(t, ctx.today) == ban

    return condition


def _in_period(ctx) -> bool:
    until = ctx.data.get("disclosed_until")
    return until is not None and date.fromisoformat(until) >= ctx.today


def _repair_undone_in_period(ctx) -> bool:
    return ctx.data.get("withdrawn_reason") == "repaired" and _in_period(ctx)


def _repair_undone_after_period(ctx) -> bool:
    return ctx.data.get("withdrawn_reason") == "repaired" and not _in_period(ctx)


# -- effects ----------------------------------------------------------------------------------------------------

def _live_bans(ctx, own: str | None) -> str | None:
    """The last day of the subject's 3-year ban (Art. 40(2)) from its false-commitment records whose ban still
    runs (it outlives their disclosure; a revoked or corrected determination stops it), this record's own
    included; None when no ban runs today."""
    days = [own] if own else []
    for other in ctx.subject_cases(KIND):
        until = other.data.get("ban_until")
        ban = other.timers.get("ban")
        if other.data.get("category") == BAN_CATEGORY and until and ban is not None and ban.status == "running":
            days.append(until)
    days = [d for d in days if d >= ctx.today.isoformat()]
    return max(days) if days else None


def _record_determination(ctx) -> dict:
    t = terms(ctx)
    category = ctx.inputs["category"]
    until, ban_until = t["until"].isoformat(), t["ban_until"].isoformat() if t["ban_until"] else None
    facts = ctx.inputs["facts"].strip()
    basis = (ctx.inputs.get("basis") or "").strip() or None
    return {"data": {
        "category": category, "category_label": CATEGORIES[category], "severity": t["severity"],
        "severity_label": SEVERITIES[t["severity"]], "determined_on": t["day"].isoformat(),
        "disclosure_months": t["months"], "penalty_term_months": t["penalty"], "disclosed_until": until,
        "waiting_months": t["waiting"], "eligible_from": t["eligible"].isoformat(), "ban_until": ban_until,
        "waiting_ends_on": (t["eligible"] - timedelta(days=1)).isoformat() if t["waiting"] else None,
        "basis": basis, "facts": facts, "profile": _profile_name(ctx, t["day"]),
        "national": _national(t["policy"], t["severity"]),
        "repair_barred_until": _live_bans(ctx, ban_until), "withdrawn_reason": None, "withdrawn_on": None,
    }, "archive": [{
        "kind": "bad", "category": category, "facts": facts, "determined_on": t["day"].isoformat(),
        "disclosed_until": until,
        "rule": f"{HENAN} Art. 10, 30, 31" + (f"; {NATIONAL_CLASSES}" if _national(t["policy"], t["severity"]) else ""),
    }]}


def _withdraw(reason: str, why):
    def effect(ctx) -> dict:
        data = {"withdrawn_reason": reason, "withdrawn_on": ctx.today.isoformat()}
        data.update(why(ctx)[1])
        return {"data": data, "archive_status": [{"scope": "case", "status": "withdrawn", "reason": why(ctx)[0]}]}

    return effect


def _case_ref(ctx) -> str:
    return f"案件{(ctx.cause or {}).get('case', '')}"


_withdraw_expired = _withdraw("expired", lambda ctx: (
    f"公开期限已于{ctx.data['disclosed_until']}届满，停止公开，不再使用（{HENAN} Art. 30, 31）", {}))
_withdraw_repaired = _withdraw("repaired", lambda ctx: (
    f"信用修复案件{ctx.inputs.get('repair_case') or (ctx.cause or {}).get('case', '')}修复生效，停止公开（{HENAN} Art. 41）",
    {"repair_case": ctx.inputs.get("repair_case") or (ctx.cause or {}).get("case"),
     "repair_notice": ctx.inputs.get("notice")}))
_withdraw_revoked = _withdraw("revoked", lambda ctx: (
    f"失信认定已依{ctx.inputs['basis']}撤销，撤销该记录", {"revoked": {"basis": ctx.inputs["basis"],
                                                              "on": ctx.today.isoformat(), "by": ctx.actor.name}}))
_withdraw_corrected = _withdraw("corrected", lambda ctx: (
    f"{ctx.inputs.get('reason') or '依异议处理决定更正'}（{_case_ref(ctx)}）",
    {"corrected": {"case": ctx.inputs.get("decision_case") or (ctx.cause or {}).get("case"),
                   "reason": ctx.inputs.get("reason"), "on": ctx.today.isoformat()}}))


def _revoke_after_withdrawal(ctx) -> dict:
    """A record no longer disclosed whose determination is annulled: the register says so (and a repair
    revoked later cannot disclose it again); its entry is out of use already."""
    return {"data": {"withdrawn_reason": "revoked", "revoked": {
        "basis": ctx.inputs["basis"], "on": ctx.today.isoformat(), "by": ctx.actor.name,
        "earlier_reason": ctx.data.get("withdrawn_reason"), "earlier_on": ctx.data.get("withdrawn_on")}}}


def _redisclose(ctx) -> dict:
    """A repair revoked within the disclosure period: the record is disclosed again to the end of its original
    period. A withdrawn entry is not used again, so a new entry with the same facts, determination day and
    disclosure period is written (superseding nothing: the old one stays withdrawn, as it was)."""
    return {"data": {"withdrawn_reason": None, "withdrawn_on": None,
                     "repair_revoked": {"case": (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
                                        "earlier_repair": ctx.data.get("repair_case")}},
            "archive": [{"kind": "bad", "category": ctx.data["category"], "facts": ctx.data["facts"],
                         "determined_on": ctx.data["determined_on"], "disclosed_until": ctx.data["disclosed_until"],
                         "rule": f"{HENAN} Art. 30, 31, 40; 信用修复撤销后恢复公开至原公开期限届满"}]}


def _expired_after_repair_revoked(ctx) -> dict:
    return {"data": {"withdrawn_reason": "expired",
                     "repair_revoked": {"case": (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
                                        "earlier_repair": ctx.data.get("repair_case")}}}


def _record_correction(ctx) -> dict:
    """The entry was corrected on an objection (a new entry supersedes it with the same determination day
    and disclosure period): the record stays disclosed and says what it records now."""
    corrections = list(ctx.data.get("corrections") or []) + [{
        "case": ctx.inputs.get("decision_case") or (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
        "old_facts": ctx.data.get("facts"), "facts": ctx.inputs["facts"]}]
    return {"data": {"facts": ctx.inputs["facts"], "corrections": corrections}}


def _record_regrade(ctx) -> dict:
    """The D result this record rests on was corrected to another D score: the record's entry is written
    again with the new facts (superseding its own; the dispute on it ends with it), same determination day
    and disclosure period."""
    corrections = list(ctx.data.get("corrections") or []) + [{
        "case": ctx.inputs.get("decision_case") or (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
        "old_facts": ctx.data.get("facts"), "facts": ctx.inputs["facts"]}]
    return {"data": {"facts": ctx.inputs["facts"], "corrections": corrections, "disputed_by": None},
            "archive": [{"kind": "bad", "category": ctx.data["category"], "facts": ctx.inputs["facts"],
                         "determined_on": ctx.data["determined_on"], "disclosed_until": ctx.data["disclosed_until"],
                         "rule": f"{HENAN} Art. 26, 30",
                         "supersedes": [{"scope": "case", "reason": f"评价结果依异议处理决定更正，仍为D级（{_case_ref(ctx)}）"}]}]}


def _mark_disputed(ctx) -> dict:
    return {"data": {"disputed_by": (ctx.cause or {}).get("case")},
            "archive_status": [{"scope": "case", "status": "disputed",
                                "reason": f"评价结果异议处理中（{_case_ref(ctx)}），暂停使用"}]}


def _close_dispute(ctx) -> dict:
    return {"data": {"disputed_by": None},
            "archive_status": [{"scope": "case", "status": "dispute_closed",
                                "reason": f"评价结果异议处理完毕，仍为D级（{_case_ref(ctx)}），恢复使用"}]}


def _record_eligibility(ctx) -> dict:
    return {"data": {"eligibility_notified_on": ctx.today.isoformat(),
                     "repair_barred_until": _live_bans(ctx, ctx.data.get("ban_until"))}}


def _record_ban_end(ctx) -> dict:
    return {"data": {"ban_ended_on": ctx.today.isoformat(), "repair_barred_until": _live_bans(ctx, None)}}


# -- related cases: the interview-and-rectification case of a D grade (states/rectification.py) -------------------

RECTIFICATION_KIND = "rectification"


def _rectification_for_d_grade(ctx) -> bool:
    """A D grade's record opens a warning-interview case (Art. 35(1) "可以": policy flag, on by default)."""
    after = ctx.after if ctx.after is not None else ctx.case
    return (after is not None and after.data.get("category") == EVALUATION_CATEGORY
            and bool(ctx.policy["rectification_for_d_grade"]))


def _rectification_inputs(ctx) -> dict:
    d = ctx.after.data
    return {"reason": "d_grade", "level": "warning", "facts": d["facts"], "basis": d.get("basis"),
            "determined_on": date.fromisoformat(d["determined_on"])}


def _basis_lifted_inputs(ctx) -> dict:
    return {"reason": ctx.after.data.get("withdrawn_reason"), "record_case": ctx.after.id}


OPEN_RECTIFICATION = Open(RECTIFICATION_KIND, "open_on_d_grade", relation="child", inputs=_rectification_inputs,
                          when="rectification_for_d_grade")
# The 失信 behind the record was lifted (repaired, corrected, annulled): its rectification case ends. A disclosure
# that merely expires does not end it.
END_RECTIFICATION = Notify("children", "basis_lifted", kind=RECTIFICATION_KIND, inputs=_basis_lifted_inputs)


# -- notices ----------------------------------------------------------------------------------------------------

DETERMINED = Notice("record/determined.html.j2", "失信信息告知书", SERIES, "subject", against_subject=True)
ELIGIBLE = Notice("record/eligible.html.j2", "信用修复申请提示书", SERIES, "subject")
EXPIRED = Notice("record/expired.html.j2", "信用信息公开期满告知书", SERIES, "subject")
REVOKED = Notice("record/revoked.html.j2", "失信信息撤销告知书", SERIES, "subject")
CORRECTED = Notice("record/corrected.html.j2", "失信信息撤销告知书", SERIES, "subject")
BAN_ENDED = Notice("record/ban_ended.html.j2", "信用修复申请资格恢复告知书", SERIES, "subject")
REPAIRED = Notice("record/repaired.html.j2", "失信信息停止公开记录", RECORD_SERIES, "internal")
REPAIR_REVOKED = Notice("record/repair_revoked.html.j2", "信用修复撤销后失信信息处理记录", RECORD_SERIES, "internal")
ENTRY_CORRECTED = Notice("record/entry_corrected.html.j2", "失信信息更正记录", RECORD_SERIES, "internal")
DISPUTED = Notice("record/disputed.html.j2", "失信信息异议标注记录", RECORD_SERIES, "internal")

CATEGORY_INPUT = Input("category", "choice", label="失信行为类别", choices=tuple(CATEGORIES),
                       choice_labels=tuple(CATEGORIES.items()))
SEVERITY_INPUT = Input("severity", "choice", required=False, label="失信程度（默认一般）", choices=tuple(SEVERITIES),
                       choice_labels=tuple(SEVERITIES.items()))
MONTHS_INPUT = Input("disclosure_months", "int", label="公开期限（月）")
FACTS_INPUT = Input("facts", "text", label="失信行为事实")
BASIS_INPUT = Input("basis", "str", required=False, label="认定依据（决定文书及文号）")
ADD_INPUTS = (CATEGORY_INPUT, Input("determined", "date", label="失信行为认定日期（决定作出之日）"), MONTHS_INPUT,
              Input("penalty_term_months", "int", required=False, label="相关行政处罚期限（月）"),
              SEVERITY_INPUT, BASIS_INPUT, FACTS_INPUT)
DETERMINE_INPUTS = (CATEGORY_INPUT, Input("determined_on", "date", label="失信行为认定日期"), MONTHS_INPUT,
                    SEVERITY_INPUT, FACTS_INPUT, BASIS_INPUT)

OPEN_GUARDS = (
    Guard("not_future", "REC-DATE", f"{HENAN} Art. 12; creditflow policy: 只记载已经作出的认定",
          "认定日期晚于今天：只能记载已经作出的失信认定；请填写决定作出之日"),
    Guard("penalty_term_valid", "REC-PENALTY", f"{HENAN} Art. 30(3)",
          f"相关行政处罚期限应为1至{PENALTY_TERM_MAX}个月的整数月；请按处罚决定书核对（无期限的处罚不填）"),
    Guard("computable", "REC-DISCLOSURE", "中华人民共和国民法典 Art. 201, 202",
          "按认定日期和公开期限计算的期间超出系统日历的范围（2000年至2099年）；请核对认定日期和公开期限"),
    Guard("bounds_henan", "REC-DISCLOSURE", f"{HENAN} Art. 30(3)",
          "认定于{day}的不良信息（失信程度：{severity}）公开期限应为{lower}至{upper}个月{penalty}，"
          "{months}个月不在此范围内；请在此范围内确定公开期限"),
    Guard("bounds_national", "REC-DISCLOSURE", f"{HENAN} Art. 30(3), 38; {NATIONAL_CLASSES}",
          "认定于{day}的{severity}失信信息公开期限应为{lower}至{upper}个月{penalty}（2026年4月1日起认定的，按失信程度确定），"
          "{months}个月不在此范围内；请在此范围内确定公开期限"),
    Guard("not_expired", "REC-EXPIRED", f"{HENAN} Art. 31",
          "该信息的公开期限已于{until}届满：超过公开期限的不良信息不得使用，不再记入；请核对认定日期和公开期限"),
)


def _openings(trigger: str, role: str, label: str, inputs: tuple[Input, ...], opens=()) -> tuple[Transition, ...]:
    """The opening routes: the disclosure clock always; the eligibility clock while its end is ahead; the ban
    clock for a false commitment (Art. 40(2)) while it runs. Conditional routes first, the default last."""
    routes = []
    for eligibility, ban in ((True, True), (True, False), (False, True), (False, False)):
        timers = [TimerEffect("start", "disclosure", anchor="data:determined_on")]
        if eligibility:
            timers.append(TimerEffect("start", "eligibility", anchor="data:determined_on"))
        if ban:
            timers.append(TimerEffect("start", "ban", anchor="data:determined_on"))
        when = None if not (eligibility or ban) else \
            f"{trigger}_{'eligibility' if eligibility else 'no_eligibility'}_{'ban' if ban else 'no_ban'}"
        routes.append(Transition(
            trigger=trigger, source=(NEW,), dest="disclosed", role=role, label=label, notice=DETERMINED,
            when=when, inputs=inputs, guards=OPEN_GUARDS, timers=tuple(timers), effects=("record_determination",),
            opens=opens,
        ))
    return tuple(routes)


ROUTES = {f"{trigger}_{'eligibility' if e else 'no_eligibility'}_{'ban' if b else 'no_ban'}": _route(e, b)
          for trigger in ("add", "determine") for e, b in ((True, True), (True, False), (False, True))}

DECISION_CASE = Input("decision_case", "int", required=False, label="作出决定的案件编号")

TRANSITIONS = (
    *_openings("add", "handler", "记载失信认定（依决定文书）", ADD_INPUTS),
    *_openings("determine", "system", "依关联案件记载失信认定", DETERMINE_INPUTS, opens=(OPEN_RECTIFICATION,)),
    Transition(
        trigger="disclosure_expired", source=("disclosed",), dest="withdrawn", role="system",
        label="公开期限届满，停止公开", notice=EXPIRED, effects=("withdraw_expired",), order=10,
    ),
    Transition(
        trigger="eligibility_reached", source=("disclosed",), dest=None, role="system",
        label="修复申请等待期届满，书面告知可以申请信用修复", notice=ELIGIBLE, effects=("record_eligibility",), order=20,
    ),
    Transition(
        trigger="ban_ended", source=("disclosed", "withdrawn"), dest=None, role="system",
        label="取消信用修复申请资格的3年期限届满", notice=BAN_ENDED, effects=("record_ban_end",), order=8,
    ),
    Transition(
        trigger="revoke", source=("disclosed",), dest="withdrawn", role="handler",
        label="登记复议决定或者裁判撤销失信认定", notice=REVOKED, effects=("withdraw_revoked",),
        timers=(TimerEffect("stop", "ban"),), notifies=(END_RECTIFICATION,),
        inputs=(Input("basis", "str", label="撤销依据（行政复议决定书或者人民法院裁判文书及文号）"),),
    ),
    Transition(
        trigger="revoke", source=("withdrawn",), dest=None, role="handler",
        label="登记复议决定或者裁判撤销失信认定（已停止公开的记录）", notice=REVOKED,
        effects=("revoke_after_withdrawal",), timers=(TimerEffect("stop", "ban"),), notifies=(END_RECTIFICATION,),
        inputs=(Input("basis", "str", label="撤销依据（行政复议决定书或者人民法院裁判文书及文号）"),),
        guards=(Guard("not_revoked", "REC-REVOKED", f"{HENAN} Art. 31",
                      "该失信认定已登记撤销，不需要重复登记"),),
    ),
    Transition(
        trigger="repaired", source=("disclosed",), dest="withdrawn", role="system",
        label="信用修复生效，停止公开", notice=REPAIRED, effects=("withdraw_repaired",), notifies=(END_RECTIFICATION,),
        inputs=(Input("repair_case", "int", required=False, label="信用修复案件编号"),
                Input("notice", "str", required=False, label="信用修复决定书文号")),
    ),
    Transition(
        trigger="repair_revoked", source=("withdrawn",), dest="disclosed", role="system", reopens=True,
        when="repair_undone_in_period", label="信用修复被撤销，恢复公开至原公开期限届满", notice=REPAIR_REVOKED,
        timers=(TimerEffect("restore", "disclosure"), TimerEffect("restore", "ban")), effects=("redisclose",),
    ),
    Transition(
        trigger="repair_revoked", source=("withdrawn",), dest=None, role="system",
        when="repair_undone_after_period", label="信用修复被撤销，原公开期限已届满，不再公开",
        notice=REPAIR_REVOKED, effects=("expired_after_repair_revoked",),
    ),
    Transition(
        trigger="repair_revoked", source=("withdrawn",), dest=None, role="system",
        label="信用修复被撤销，该记录已因其他原因停止公开，不再公开", notice=REPAIR_REVOKED,
    ),
    Transition(
        trigger="corrected", source=("disclosed",), dest="withdrawn", role="system",
        label="依异议处理决定更正，撤销失信记录", notice=CORRECTED, effects=("withdraw_corrected",),
        timers=(TimerEffect("stop", "ban"),), notifies=(END_RECTIFICATION,),
        inputs=(DECISION_CASE, Input("reason", "str", required=False, label="更正原因")),
    ),
    Transition(
        trigger="entry_corrected", source=("disclosed",), dest=None, role="system",
        label="依异议处理决定更正档案记录内容（认定日期和公开期限不变）", notice=ENTRY_CORRECTED,
        effects=("record_correction",), inputs=(DECISION_CASE, Input("facts", "text", label="更正后的信息")),
    ),
    Transition(
        trigger="result_corrected", source=("disclosed",), dest=None, role="system",
        label="评价结果依异议处理决定更正，仍为D级，更正档案记录内容（认定日期和公开期限不变）", notice=ENTRY_CORRECTED,
        effects=("record_regrade",), inputs=(DECISION_CASE, Input("facts", "text", label="更正后的信息")),
    ),
    Transition(
        trigger="disputed", source=("disclosed",), dest=None, role="system",
        label="评价结果异议处理中，作异议标注、暂停使用", notice=DISPUTED, effects=("mark_disputed",),
    ),
    Transition(
        trigger="dispute_closed", source=("disclosed",), dest=None, role="system",
        label="评价结果异议处理完毕，仍为D级，撤除异议标注", notice=DISPUTED, effects=("close_dispute",),
    ),
    correction(SERIES, STATES),
    *common.recomputed(SERIES, RECORD_SERIES, STATES),
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    d = case.data
    return {"category": d.get("category"), "category_label": d.get("category_label"), "severity": d.get("severity"),
            "determined_on": d.get("determined_on"), "disclosed_until": d.get("disclosed_until"),
            "eligible_from": d.get("eligible_from"), "ban_until": d.get("ban_until"),
            "withdrawn_reason": d.get("withdrawn_reason")}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="失信信用记录",
    states=STATES,
    initial="disclosed",
    transitions=TRANSITIONS,
    timers=TIMERS,
    parent_kinds=("evaluation",),
    opens_on=("subject",),
    guards={**common.GUARDS, "not_future": _not_future, "computable": _computable, "penalty_term_valid": _penalty_term_valid, "bounds_henan": _bounds_henan,
            "bounds_national": _bounds_national, "not_expired": _not_expired, "not_revoked": _not_revoked},
    conditions={**ROUTES, "repair_undone_in_period": _repair_undone_in_period,
                "rectification_for_d_grade": _rectification_for_d_grade,
                "repair_undone_after_period": _repair_undone_after_period, **common.CONDITIONS},
    effects={"record_determination": _record_determination, "withdraw_expired": _withdraw_expired,
             "withdraw_repaired": _withdraw_repaired, "withdraw_revoked": _withdraw_revoked,
             "withdraw_corrected": _withdraw_corrected, "revoke_after_withdrawal": _revoke_after_withdrawal,
             "redisclose": _redisclose, "expired_after_repair_revoked": _expired_after_repair_revoked,
             "record_correction": _record_correction, "record_regrade": _record_regrade,
             "mark_disputed": _mark_disputed,
             "close_dispute": _close_dispute, "record_eligibility": _record_eligibility,
             "record_ban_end": _record_ban_end, **common.EFFECTS},
    summary=_summary,
    notice_context={"measure": HENAN, "categories": CATEGORIES, "category_sources": CATEGORY_SOURCES,
                    "severities": SEVERITIES, "withdrawn_reasons": WITHDRAWN_REASONS,
                    "national_classes": NATIONAL_CLASSES, "national_repair": NATIONAL_REPAIR,
                    "national_opinion": NATIONAL_OPINION},
)
from .record_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
