"""Interview and rectification (约谈整改), round by round, to a sanction (docs/rules.md §5).

Sources: Henan measure Art. 35(1) (a D-grade subject: 警示约谈，要求限期整改); Tianjin Hongqiao plan §11
and §19 (整改不到位的, "谁认定、谁约谈": the department that made the finding starts a reminder interview
提示约谈 or a warning interview 警示约谈; the interview record goes into the subject's credit record and
to the credit sharing platform); 医疗保障基金使用监督管理条例 (State Council Order No. 735) Art. 38-39
(责令改正, "可以约谈有关负责人"; 拒不改正: the responsible department's fund-related services suspended
6 to 12 months, Art. 38, or a fine, Art. 39), Art. 13 (the service agreement's own measures, with the
right to 陈述、申辩) and Art. 31 (before a 行政处理决定 the party is heard; the decision states the
reconsideration and litigation rights). No national text gives interview time limits: the interview
notice's lead time, the rectification deadline and the number of rounds are policy numbers (our choice).

Opened three ways, one case for all its rounds (`data.rounds`, shown by `case show`):

* by the subject's 失信 record (states/record.py `determine`, category `evaluation_d`) when a D grade
  becomes final, in the same transaction, as the record's child (`open_on_d_grade`: a warning interview,
  policy flag `rectification_for_d_grade`, Art. 35(1) "可以");
* by a handler for a violation finding (`case open rectification --subject S --set reason=violation
  --set facts=…`, a reminder interview unless `--set level=warning`);
* by escalation within the case: a failed round opens the next one level higher (reminder → warning;
  after a warning round another warning round), up to the policy's number of rounds counted from the
  case's first round.

A round: `notify_interview` (约谈通知书: date at least the lead time ahead, place, matters, who attends;
the clock `interview` runs to 24:00 of that day, agency side: passing it with nothing recorded flags the
case 督办 to the handlers) → `record_interview` (约谈记录, written into the subject's credit archive as a
`supervision` entry, category `interview_record`: long-term, not published; the repair and evaluation
procedures see it through `ctx.subject_cases("rectification")` and the subject's archive) or `no_show`
(the round fails) → `order_rectification` (责令限期整改通知书: the deadline, clock `rectification`,
subject side; the statement-and-defence right and the remedies, Order 735 Art. 31) → `submit_report`
(the deadline passing first fails the round by itself) → `propose_pass` / `propose_fail` (the handler's
verification, 核查) → `approve` / `return` (another person, approver: four eyes).

After the last round the case waits for the sanction (`awaiting_sanction`): a handler notifies the
intended sanction with the 陈述申辩 period (`notify_defence`, clock `defence`, 5 working days, subject
side; a suspension states the right to ask for a hearing), records the statement (`record_defence`) or
lets the period run out, proposes (`propose_sanction`) and an approver decides (`approve`, with the
remedies). Sanctions: `suspend_service` (Order 735 Art. 38, 6-12 months), `suspend_agreement` (the
service agreement's own measure, Art. 13; for a practitioner 暂停医保支付资格; its period a policy
number), `penalty_referral` (the administrative-penalty procedure, which gives its own notice and
hearing), `fraud_case` (the approval opens a fraud case on the subject in the same transaction, linked to this
one: states/fraud.py `open_on_rectification`, source `rectification_failed`). Which ones a subject may get is the
policy's list for its class.

The 失信 record behind a D-grade case withdrawn because the D was corrected, repaired or annulled
(`repaired`, `corrected`, `revoke` on the record) ends the case by itself (`basis_lifted` → `ended`),
with a notice; a record whose disclosure merely expires does not end it.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date

from . import common
from .common import correction
from .policy import HENAN
from .spec import NAME_LENGTH, NEW, Guard, Input, Notice, Open, Procedure, State, TimerEffect, TimerSpec, Transition

KIND = "rectification"
RECORD_KIND = "record"
FRAUD_KIND = "fraud"
SERIES = "信约"  # to the subject
RECORD_SERIES = "信约记"  # internal records
OVERDUE_SERIES = "督"  # supervision (督办), as the objection's and the repair's
ORDER_735 = "医疗保障基金使用监督管理条例"  # State Council Order No. 735, 2021-01-15, in force 2021-05-01
HONGQIAO = "天津市红桥区关于医保领域诚信体系建设实施方案"
PENALTY_LAW = "中华人民共和国行政处罚法"
NHSA_ORDER_4 = "医疗保障行政处罚程序暂行规定（国家医疗保障局令第4号）"
# The 2024 national rules on practitioners' payment qualification (secondary source: not verified in the text).
PAYMENT_RULES = "《关于建立定点医药机构相关人员医保支付资格管理制度的指导意见》（医保发〔2024〕23号）"
D_GRADE_CATEGORY = "evaluation_d"  # states/record.py: the record a final D opens
ARCHIVE_KIND = "supervision"  # states/archive.py KINDS
ARCHIVE_CATEGORY = "interview_record"

REASONS = {"violation": "违法违规行为认定", "d_grade": "信用评价结果为D级"}
LEVELS = {"reminder": "提示约谈", "warning": "警示约谈"}
OUTCOMES = {"passed": "整改合格", "failed_no_show": "未按约谈通知到场", "failed_no_report": "整改期限届满未提交整改报告",
            "failed_verification": "整改核查不合格"}
SANCTIONS = {
    "suspend_service": "暂停相关责任部门涉及医疗保障基金使用的医药服务",
    "suspend_agreement": "暂停医保服务协议",
    "penalty_referral": "转入行政处罚程序",
    "fraud_case": "移送欺诈骗保案件办理",
}
# A practitioner holds no service agreement of its own: the agreement's measure for a person is the payment
# qualification the institution's agreement manages (the 2024 national rules; secondary source).
PERSON_LABELS = {"suspend_agreement": "暂停医保支付资格"}
SUSPENSIONS = ("suspend_service", "suspend_agreement")  # a hearing may be asked for (our reading of the APL Art. 63)
# The policy list each subject type's sanctions come from (states/policy.py).
SANCTION_LISTS = {
    "hospital": "rectification_sanctions_designated", "pharmacy": "rectification_sanctions_designated",
    "employer": "rectification_sanctions_institution", "agency": "rectification_sanctions_institution",
    "other_institution": "rectification_sanctions_institution",
    "practitioner": "rectification_sanctions_practitioner",
    "insured": "rectification_sanctions_person", "other_person": "rectification_sanctions_person",
}
LIFTED = {"repaired": "信用修复", "corrected": "依异议处理决定更正", "revoked": "依复议决定或者裁判撤销"}

# Every state a case is open in.
OPEN = ("opened", "interview_notified", "rectifying", "report_received", "pass_proposed", "fail_proposed",
        "awaiting_sanction", "defence", "sanction_proposed")

STATES = (
    State("opened", "已立案（待发出约谈通知）"),
    State("interview_notified", "已通知约谈（待约谈、待责令整改）"),
    State("rectifying", "限期整改中"),
    State("report_received", "已收到整改报告（待核查）"),
    State("pass_proposed", "拟认定整改合格（待审核）"),
    State("fail_proposed", "拟认定整改不合格（待审核）"),
    State("awaiting_sanction", "约谈整改轮次已满（待拟定处理措施）"),
    State("defence", "已告知拟处理措施（陈述申辩）"),
    State("sanction_proposed", "拟作出处理决定（待审核）"),
    State("passed", "整改合格，已结案", final=True),
    State("sanctioned", "已作出处理决定", final=True),
    State("ended", "失信依据已撤销、更正或者修复，终止", final=True),
)

TIMERS = (
    # A clock to the interview day (`until`): it ends at 24:00 of the date the notice fixes; its amount
    # names the lead time only because a declared clock names a policy number.
    TimerSpec(
        name="interview", unit="days", amount="interview_notice_lead", side="agency", on_expiry="interview_overdue",
        label="约谈日期（约谈通知书确定之日24时届满；届满未登记约谈情况的，督办）",
    ),
    TimerSpec(
        name="rectification", unit="working_days", amount="rectification_deadline", side="subject",
        on_expiry="rectification_expired", label="整改期限（责令限期整改通知书作出之日起15个工作日）",
    ),
    TimerSpec(
        name="defence", unit="working_days", amount="defence_period", side="subject", on_expiry="defence_expired",
        label="陈述申辩期限（拟作出处理决定告知书作出之日起5个工作日）",
    ),
)


# -- helpers -----------------------------------------------------------------------------------------

_day, _zh = common.day_of, common.day_zh  # a day from data or input, and as a refusal names it


def _rounds(ctx) -> list[dict]:
    """The case's rounds, as a copy the effects may change."""
    return copy.deepcopy(list(ctx.data.get("rounds") or []))


def _current(ctx) -> dict:
    rounds = ctx.data.get("rounds") or [{}]
    return rounds[-1]


def sanctions_for(policy, subject_type: str) -> list[str]:
    """The sanctions the policy allows for a subject of this type (its class's list)."""
    return list(policy[SANCTION_LISTS.get(subject_type, "rectification_sanctions_person")])


def sanction_label(code: str, subject_type: str | None = None) -> str:
    if subject_type == "practitioner" and code in PERSON_LABELS:
        return PERSON_LABELS[code]
    return SANCTIONS.get(code, code)


# -- guards (pure functions of states.context.Context) -------------------------------------------------

def _reason_violation(ctx) -> bool:
    """A handler opens a case for a violation finding; a D grade's case is opened by its record."""
    return ctx.inputs.get("reason") == "violation"


def _interview_lead(ctx) -> bool:
    lead = ctx.policy["interview_notice_lead"]
    earliest = ctx.calendar.nth_working_day_after(ctx.today, lead)
    ctx.details.update(lead=lead, earliest=_zh(earliest))
    return ctx.inputs["interview_on"] >= earliest


def _interview_day_reached(ctx) -> bool:
    day = _day(_current(ctx).get("interview_on"))
    ctx.details["interview_on"] = _zh(day)
    return day is not None and ctx.today >= day


def _interview_not_recorded(ctx) -> bool:
    r = _current(ctx)
    if r.get("interview"):
        ctx.details["held"] = f"已于{_zh(r['interview'].get('recorded_on'))}登记约谈记录"
        return False
    return True


def _interview_recorded(ctx) -> bool:
    r = _current(ctx)
    ctx.details["interview_on"] = _zh(r.get("interview_on"))
    return bool(r.get("interview"))


def _report_dated(ctx) -> bool:
    r = _current(ctx)
    ordered, deadline = _day((r.get("order") or {}).get("ordered_on")), _day(r.get("deadline"))
    ctx.details.update(ordered_on=_zh(ordered), deadline=_zh(deadline))
    received = ctx.inputs["received"]
    return ordered is not None and ordered <= received <= ctx.today and (deadline is None or received <= deadline)


def _sanction_allowed(ctx) -> bool:
    subject_type = ctx.subject.type if ctx.subject is not None else "other_person"
    allowed = sanctions_for(ctx.policy, subject_type)
    code = ctx.inputs["sanction"]
    ctx.details.update(sanction=sanction_label(code, subject_type),
                       allowed="；".join(f"{c}（{sanction_label(c, subject_type)}）" for c in allowed) or "无")
    return code in allowed


def _months_valid(ctx) -> bool:
    code, months = ctx.inputs["sanction"], ctx.inputs.get("months")
    low, high = ctx.policy["suspend_service_min_months"], ctx.policy["suspend_service_max_months"]
    ctx.details.update(low=low, high=high, months=months if months is not None else "未填写",
                       agreement=ctx.policy["suspend_agreement_months"])
    if code == "suspend_service":
        return months is not None and low <= months <= high
    return months is None


def _defence_open(ctx) -> bool:
    defence = ctx.data.get("defence")
    if defence:
        ctx.details["closed"] = (f"已于{_zh(defence.get('recorded_on'))}登记陈述申辩" if defence.get("statement")
                                 else f"陈述申辩期限已于{_zh(defence.get('last_day'))}届满")
        return False
    return True


def _defence_dated(ctx) -> bool:
    s = ctx.data.get("sanction") or {}
    notified, until = _day(s.get("notified_on")), _day(s.get("defence_until"))
    ctx.details.update(notified_on=_zh(notified), until=_zh(until))
    received = ctx.inputs["received"]
    return notified is not None and notified <= received <= ctx.today and (until is None or received <= until)


def _defence_closed(ctx) -> bool:
    s = ctx.data.get("sanction") or {}
    ctx.details["until"] = _zh(s.get("defence_until"))
    return bool(ctx.data.get("defence"))


# -- conditions ----------------------------------------------------------------------------------------

def _more_rounds(ctx) -> bool:
    """The failed round is not the last: the next one opens (the policy's number, counted from the first)."""
    return int(ctx.data.get("round") or 1) < ctx.policy["rectification_rounds"]


def _warning_level(ctx) -> bool:
    case = ctx.after if ctx.after is not None else ctx.case
    return case is not None and case.data.get("level") == "warning"


def _reminder_level(ctx) -> bool:
    case = ctx.after if ctx.after is not None else ctx.case
    return case is not None and case.data.get("level") == "reminder"


# -- effects -------------------------------------------------------------------------------------------

def _new_round(number: int, level: str, today: date) -> dict:
    return {"round": number, "level": level, "opened_on": today.isoformat(), "interview_on": None, "deadline": None,
            "outcome": None}


def _record_opening(ctx) -> dict:
    reason = ctx.inputs["reason"]
    level = ctx.inputs.get("level") or ("warning" if reason == "d_grade" else "reminder")
    data = {"reason": reason, "reason_label": REASONS[reason], "facts": ctx.inputs["facts"].strip(),
            "basis": (ctx.inputs.get("basis") or "").strip() or None, "opened_on": ctx.today.isoformat(),
            "round": 1, "level": level, "rounds": [_new_round(1, level, ctx.today)],
            "rounds_allowed": ctx.policy["rectification_rounds"], "record": None}
    record = ctx.parent
    if record is not None:
        data["record"] = {"id": record.id, **{k: record.data.get(k) for k in (
            "category", "category_label", "determined_on", "basis", "disclosed_until")}}
    return {"data": data}


def _record_interview_notice(ctx) -> dict:
    rounds = _rounds(ctx)
    rounds[-1].update({
        "interview_on": ctx.inputs["interview_on"].isoformat(), "place": ctx.inputs["place"],
        "matters": ctx.inputs["matters"], "attendees": ctx.inputs["attendees"], "notified_on": ctx.today.isoformat(),
        "lead_working_days": ctx.policy["interview_notice_lead"]})
    return {"data": {"rounds": rounds}}


def _record_interview(ctx) -> dict:
    """The interview held on the day notified: its record goes into the subject's credit archive (HQ §19) as
    supervision information (long-term, not published), and is to be collected to the sharing platform."""
    rounds = _rounds(ctx)
    r = rounds[-1]
    r["interview"] = {"held_on": r["interview_on"], "record": ctx.inputs["record"], "recorded_on": ctx.today.isoformat(),
                      "recorded_by": ctx.actor.name}
    facts = (f"{LEVELS[r['level']]}（约谈整改案件{ctx.case.id}第{r['round']}轮，{_zh(r['interview_on'])}）："
             f"约谈事项：{r['matters'].strip().rstrip('。')}。约谈记录：{ctx.inputs['record'].strip()}")
    return {"data": {"rounds": rounds}, "overdue": False, "archive": [{
        "kind": ARCHIVE_KIND, "category": ARCHIVE_CATEGORY, "facts": facts, "determined_on": r["interview_on"],
        "disclosed_until": None,
        "rule": f"{HONGQIAO} §19; " + (f"{HENAN} Art. 35(1)" if ctx.data.get("reason") == "d_grade"
                                       else f"{ORDER_735} Art. 38, 39"),
    }]}


def _fail_round(outcome: str, extra):
    def effect(ctx) -> dict:
        rounds = _rounds(ctx)
        rounds[-1]["outcome"] = outcome
        rounds[-1].update(extra(ctx))
        rounds[-1]["closed_on"] = ctx.today.isoformat()
        return {"data": {"rounds": rounds, "rounds_allowed": ctx.policy["rectification_rounds"]}, "overdue": False}

    return effect


_record_no_show = _fail_round("failed_no_show", lambda ctx: {"no_show": {
    "recorded_on": ctx.today.isoformat(), "note": (ctx.inputs.get("note") or "").strip() or None}})
_record_no_report = _fail_round("failed_no_report", lambda ctx: {"no_report": {
    "last_day": (ctx.case.timers["rectification"].last_day.isoformat() if "rectification" in ctx.case.timers
                 else _current(ctx).get("deadline"))}})


_record_verification_failed = _fail_round("failed_verification", lambda ctx: {"verification": {
    **ctx.data["proposal"]["inputs"], "proposed_by": ctx.data["proposal"]["by"], "approved_by": ctx.actor.name,
    "on": ctx.today.isoformat()}})


def _open_next_round(fail):
    def effect(ctx) -> dict:
        out = fail(ctx)
        rounds = out["data"]["rounds"]
        number = int(ctx.data.get("round") or len(rounds)) + 1
        rounds.append(_new_round(number, "warning", ctx.today))
        out["data"].update({"round": number, "level": "warning"})
        return out

    return effect


def _await_sanction(fail):
    def effect(ctx) -> dict:
        out = fail(ctx)
        out["data"]["rounds_completed_on"] = ctx.today.isoformat()
        return out

    return effect


def _record_order(ctx) -> dict:
    rounds = _rounds(ctx)
    n = ctx.policy["rectification_deadline"]
    rounds[-1]["order"] = {"matters": ctx.inputs["matters"], "ordered_on": ctx.today.isoformat(), "working_days": n}
    rounds[-1]["deadline"] = ctx.calendar.nth_working_day_after(ctx.today, n).isoformat()
    return {"data": {"rounds": rounds}}


def _record_report(ctx) -> dict:
    rounds = _rounds(ctx)
    rounds[-1]["report"] = {"received": ctx.inputs["received"].isoformat(), "recorded_on": ctx.today.isoformat()}
    return {"data": {"rounds": rounds}}


def _record_pass(ctx) -> dict:
    proposal = ctx.data["proposal"]
    rounds = _rounds(ctx)
    rounds[-1].update({"outcome": "passed", "closed_on": ctx.today.isoformat(), "verification": {
        **proposal["inputs"], "proposed_by": proposal["by"], "approved_by": ctx.actor.name, "on": ctx.today.isoformat()}})
    return {"data": {"rounds": rounds, "passed_on": ctx.today.isoformat()}}


def _clear_proposal(ctx) -> dict:
    returned = list(ctx.data.get("returned", [])) + [{**ctx.data.get("proposal", {}), "returned_by": ctx.actor.name,
                                                      "return_reason": ctx.inputs["reason"],
                                                      "returned_on": ctx.today.isoformat()}]
    return {"data": {"proposal": None, "returned": returned}}


def _flag_overdue(ctx) -> dict:
    return {"overdue": True}


def _record_sanction_notice(ctx) -> dict:
    code = ctx.inputs["sanction"]
    subject_type = ctx.subject.type if ctx.subject is not None else None
    n = ctx.policy["defence_period"]
    months = ctx.inputs.get("months")
    if code == "suspend_agreement":
        months = ctx.policy["suspend_agreement_months"]
    return {"data": {"sanction": {
        "code": code, "label": sanction_label(code, subject_type), "months": months, "notified_on": ctx.today.isoformat(),
        "defence_working_days": n, "defence_until": ctx.calendar.nth_working_day_after(ctx.today, n).isoformat(),
        "hearing": code in SUSPENSIONS}, "defence": None}}


def _record_defence(ctx) -> dict:
    return {"data": {"defence": {"statement": ctx.inputs["statement"], "received": ctx.inputs["received"].isoformat(),
                                 "recorded_on": ctx.today.isoformat(), "recorded_by": ctx.actor.name}}}


def _record_defence_lapse(ctx) -> dict:
    timer = ctx.case.timers.get("defence")
    last = timer.last_day.isoformat() if timer is not None else (ctx.data.get("sanction") or {}).get("defence_until")
    return {"data": {"defence": {"statement": None, "last_day": last, "recorded_on": ctx.today.isoformat()}}}


def _record_sanction(ctx) -> dict:
    proposal = ctx.data["proposal"]
    s = ctx.data["sanction"]
    decision = {**s, "findings": proposal["inputs"]["findings"], "proposed_by": proposal["by"],
                "approved_by": ctx.actor.name, "on": ctx.today.isoformat()}
    return {"data": {"decision": decision, "sanctioned_on": ctx.today.isoformat()}}


def _fraud_case_decided(ctx) -> bool:
    case = ctx.after if ctx.after is not None else ctx.case
    return case is not None and ((case.data.get("decision") or {}).get("code") == "fraud_case")


def _fraud_case_inputs(ctx) -> dict:
    """The clue the fraud case registers: what the rounds found, and this case (states/fraud.py checks it)."""
    d = ctx.after.data
    rounds = "；".join(f"第{r['round']}轮{LEVELS[r['level']]}：{OUTCOMES.get(r.get('outcome'), '办理中')}"
                      for r in d.get("rounds") or [])
    return {"source": "rectification_failed", "rectification_case": ctx.after.id, "sanctioned_on": ctx.today,
            "facts": f"{d['facts'].rstrip('。')}。经约谈整改（{rounds}）仍未改正；处理意见：{d['decision']['findings']}"}


OPEN_FRAUD_CASE = Open(FRAUD_KIND, "open_on_rectification", relation="linked", inputs=_fraud_case_inputs,
                       when="fraud_case_decided")


def _record_end(ctx) -> dict:
    return {"data": {"ended": {"reason": ctx.inputs["reason"], "reason_label": LIFTED[ctx.inputs["reason"]],
                               "record_case": ctx.inputs.get("record_case") or (ctx.cause or {}).get("case"),
                               "on": ctx.today.isoformat(), "state_before": ctx.case.state}}}


def _sync_deadline(ctx) -> dict:
    """New official calendar data moved a provisional deadline: the round (or the sanction) states the new day."""
    timer, new = ctx.inputs.get("timer"), ctx.inputs.get("new_last_day")
    if timer == "rectification" and ctx.data.get("rounds"):
        rounds = _rounds(ctx)
        rounds[-1]["deadline"] = new.isoformat()
        return {"data": {"rounds": rounds}}
    if timer == "defence" and ctx.data.get("sanction"):
        return {"data": {"sanction": {**ctx.data["sanction"], "defence_until": new.isoformat()}}}
    return {}


# -- notices -------------------------------------------------------------------------------------------

OPENED = Notice("rectification/opened.html.j2", "约谈整改立案记录", RECORD_SERIES, "internal")
INTERVIEW_NOTICE = Notice("rectification/interview_notice.html.j2", "约谈通知书", SERIES, "subject",
                          titles=(("warning_level", "警示约谈通知书"), ("reminder_level", "提示约谈通知书")))
INTERVIEW_RECORD = Notice("rectification/interview_record.html.j2", "约谈记录", RECORD_SERIES, "internal")
NO_SHOW = Notice("rectification/no_show.html.j2", "未按通知接受约谈告知书", SERIES, "subject")
ORDER = Notice("rectification/order.html.j2", "责令限期整改通知书", SERIES, "subject", against_subject=True)
REPORT_RECEIVED = Notice("rectification/report_received.html.j2", "整改报告接收回执", SERIES, "subject")
PROPOSAL = Notice("rectification/proposal.html.j2", "约谈整改拟办意见", RECORD_SERIES, "internal")
RETURNED = Notice("rectification/returned.html.j2", "约谈整改拟办意见退回重审记录", RECORD_SERIES, "internal")
PASSED = Notice("rectification/passed.html.j2", "整改核查结果告知书", SERIES, "subject")
FAILED = Notice("rectification/failed.html.j2", "整改核查不合格告知书", SERIES, "subject")
EXPIRED = Notice("rectification/expired.html.j2", "逾期未提交整改报告告知书", SERIES, "subject")
OVERDUE = Notice("rectification/interview_overdue.html.j2", "约谈情况逾期未登记督办提示", OVERDUE_SERIES, "handlers")
DEFENCE_NOTICE = Notice("rectification/defence_notice.html.j2", "拟作出处理决定告知书", SERIES, "subject")
DEFENCE_RECEIVED = Notice("rectification/defence_received.html.j2", "陈述申辩材料接收回执", SERIES, "subject")
DEFENCE_EXPIRED = Notice("rectification/defence_expired.html.j2", "陈述申辩期限届满记录", RECORD_SERIES, "internal")
SANCTIONED = Notice("rectification/sanctioned.html.j2", "约谈整改处理决定书", SERIES, "subject", against_subject=True)
ENDED = Notice("rectification/ended.html.j2", "约谈整改终止告知书", SERIES, "subject")

LEVEL_INPUT = Input("level", "choice", required=False, label="首轮约谈类别（默认提示约谈）", choices=tuple(LEVELS),
                    choice_labels=tuple(LEVELS.items()))
REASON_INPUT = Input("reason", "choice", label="立案事由", choices=tuple(REASONS), choice_labels=tuple(REASONS.items()))
FACTS_INPUT = Input("facts", "text", label="认定的违法违规事实（或D级评价结果）")
BASIS_INPUT = Input("basis", "str", required=False, label="认定依据（文书及文号）")
SANCTION_INPUT = Input("sanction", "choice", label="拟作出的处理措施", choices=tuple(SANCTIONS),
                       choice_labels=tuple(SANCTIONS.items()))

INTERVIEW_DATE = Guard("interview_day_reached", "RECT-DATE", f"creditflow policy: 约谈情况在约谈日期届至后登记; {HONGQIAO} §19",
                       "约谈通知书确定的约谈日期为{interview_on}，尚未届至，不能登记约谈情况；请在约谈日期当日或者之后登记")
INTERVIEW_PENDING = Guard("interview_not_recorded", "RECT-INTERVIEW", f"creditflow policy: 每轮约谈登记一次约谈情况; {HONGQIAO} §19",
                          "本轮约谈情况{held}，不能重复登记")
TRANSITIONS = (
    Transition(
        trigger="open", source=(NEW,), dest="opened", role="handler", label="登记违法违规行为，立案约谈整改",
        notice=OPENED, inputs=(REASON_INPUT, FACTS_INPUT, LEVEL_INPUT, BASIS_INPUT),
        guards=(Guard("reason_violation", "RECT-REASON", f"{HENAN} Art. 35(1); {HONGQIAO} §19",
                      "D级评价结果确定后，由其失信信用记录依程序自动开启警示约谈整改案件（本局政策 rectification_for_d_grade）；"
                      "人工立案仅用于违法违规行为的认定，请填写 reason=violation"),),
        effects=("record_opening",),
    ),
    Transition(
        trigger="open_on_d_grade", source=(NEW,), dest="opened", role="system",
        label="D级评价结果确定，依失信记录立案警示约谈", notice=OPENED,
        inputs=(REASON_INPUT, FACTS_INPUT, LEVEL_INPUT, BASIS_INPUT,
                Input("determined_on", "date", required=False, label="D级评价结果确定之日")),
        effects=("record_opening",),
    ),
    Transition(
        trigger="notify_interview", source=("opened",), dest="interview_notified", role="handler",
        label="发出约谈通知书", notice=INTERVIEW_NOTICE,
        inputs=(Input("interview_on", "date", label="约谈日期"), Input("place", "str", label="约谈地点"),
                Input("matters", "text", label="约谈事项"),
                Input("attendees", "str", label="应到场人员（如法定代表人、医保管理部门负责人）", max_length=NAME_LENGTH)),
        guards=(Guard("interview_lead", "RECT-LEAD", "creditflow policy: 约谈通知书至迟于约谈日期前3个工作日发出",
                      "约谈日期距今不足{lead}个工作日：约谈通知书应至迟于约谈日期前{lead}个工作日发出，"
                      "约谈日期最早为{earliest}；请另定约谈日期"),),
        timers=(TimerEffect("start", "interview", until="input:interview_on"),),
        effects=("record_interview_notice",),
    ),
    Transition(
        trigger="record_interview", source=("interview_notified",), dest=None, role="handler",
        label="登记约谈记录（记入信用档案）", notice=INTERVIEW_RECORD,
        inputs=(Input("record", "text", label="约谈记录（约谈情况、被约谈方陈述及承诺）"),),
        guards=(INTERVIEW_DATE, INTERVIEW_PENDING),
        timers=(TimerEffect("stop", "interview"),), effects=("record_interview",),
    ),
    Transition(
        trigger="no_show", source=("interview_notified",), dest="opened", role="handler", when="more_rounds",
        label="登记未按通知到场，本轮不合格，进入下一轮警示约谈", notice=NO_SHOW,
        inputs=(Input("note", "text", required=False, label="情况说明"),), guards=(INTERVIEW_DATE, INTERVIEW_PENDING),
        timers=(TimerEffect("stop", "interview"),), effects=("no_show_next_round",),
    ),
    Transition(
        trigger="no_show", source=("interview_notified",), dest="awaiting_sanction", role="handler",
        label="登记未按通知到场，约谈整改轮次已满，待拟定处理措施", notice=NO_SHOW,
        inputs=(Input("note", "text", required=False, label="情况说明"),), guards=(INTERVIEW_DATE, INTERVIEW_PENDING),
        timers=(TimerEffect("stop", "interview"),), effects=("no_show_last_round",),
    ),
    Transition(
        trigger="interview_overdue", source=("interview_notified",), dest=None, role="system",
        label="约谈日期已过，未登记约谈情况，督办", notice=OVERDUE, effects=("flag_overdue",), order=50,
    ),
    Transition(
        trigger="order_rectification", source=("interview_notified",), dest="rectifying", role="handler",
        label="责令限期整改", notice=ORDER, inputs=(Input("matters", "text", label="整改事项和要求"),),
        guards=(Guard("interview_recorded", "RECT-INTERVIEW", f"{ORDER_735} Art. 31; {HONGQIAO} §19",
                      "本轮约谈（约谈日期{interview_on}）尚未登记约谈记录：请先以 record_interview 登记约谈记录"
                      "（被约谈方未到场的，以 no_show 登记），再责令限期整改"),),
        timers=(TimerEffect("start", "rectification"),), effects=("record_order",),
    ),
    Transition(
        trigger="submit_report", source=("rectifying",), dest="report_received", role="handler",
        label="收到整改报告", notice=REPORT_RECEIVED,
        inputs=(Input("received", "date", label="收到书面整改报告日期"),),
        guards=(Guard("report_dated", "RECT-DATE", f"creditflow policy: 整改报告在整改期限内收到; {HONGQIAO} §19",
                      "收到日期应在责令限期整改通知书作出之日（{ordered_on}）至今天之间，且不晚于整改期限最后一日（{deadline}）；"
                      "请核对收到日期"),),
        timers=(TimerEffect("stop", "rectification"),), effects=("record_report",),
    ),
    Transition(
        trigger="rectification_expired", source=("rectifying",), dest="opened", role="system", when="more_rounds",
        label="整改期限届满未提交整改报告，本轮不合格，进入下一轮警示约谈", notice=EXPIRED, order=30,
        effects=("no_report_next_round",),
    ),
    Transition(
        trigger="rectification_expired", source=("rectifying",), dest="awaiting_sanction", role="system",
        label="整改期限届满未提交整改报告，约谈整改轮次已满，待拟定处理措施", notice=EXPIRED, order=30,
        effects=("no_report_last_round",),
    ),
    Transition(
        trigger="propose_pass", source=("report_received",), dest="pass_proposed", role="handler",
        label="拟认定整改合格", notice=PROPOSAL, proposal=True, inputs=(Input("findings", "text", label="核查意见"),),
    ),
    Transition(
        trigger="propose_fail", source=("report_received",), dest="fail_proposed", role="handler",
        label="拟认定整改不合格", notice=PROPOSAL, proposal=True,
        inputs=(Input("findings", "text", label="核查意见（不合格的事项和理由）"),),
    ),
    Transition(
        trigger="approve", source=("pass_proposed",), dest="passed", role="approver", label="审核同意：整改合格，结案",
        notice=PASSED, decision=True, effects=("record_pass",),
    ),
    Transition(
        trigger="approve", source=("fail_proposed",), dest="opened", role="approver", when="more_rounds",
        label="审核同意：整改不合格，进入下一轮警示约谈", notice=FAILED, decision=True, effects=("failed_next_round",),
    ),
    Transition(
        trigger="approve", source=("fail_proposed",), dest="awaiting_sanction", role="approver",
        label="审核同意：整改不合格，约谈整改轮次已满，待拟定处理措施", notice=FAILED, decision=True,
        effects=("failed_last_round",),
    ),
    Transition(
        trigger="return", source=("pass_proposed", "fail_proposed"), dest="report_received", role="approver",
        label="退回重新核查", notice=RETURNED, decision=True, inputs=(Input("reason", "text", label="退回理由"),),
        effects=("clear_proposal",),
    ),
    Transition(
        trigger="notify_defence", source=("awaiting_sanction",), dest="defence", role="handler",
        label="告知拟作出的处理措施及陈述申辩权利", notice=DEFENCE_NOTICE,
        inputs=(SANCTION_INPUT, Input("months", "int", required=False, label="暂停期限（月，暂停医药服务的填写）")),
        guards=(Guard("sanction_allowed", "RECT-SANCTION",
                      f"creditflow policy: 各类信用主体可适用的处理措施; {ORDER_735} Art. 13, 38, 41",
                      "“{sanction}”不是本局政策对该类信用主体可适用的处理措施；可选：{allowed}"),
                Guard("months_valid", "RECT-MONTHS", f"{ORDER_735} Art. 38, 13",
                      "暂停相关责任部门涉及医疗保障基金使用的医药服务的期限应为{low}至{high}个月（《医疗保障基金使用监督管理条例》"
                      "第三十八条：6个月以上1年以下），{months}不可采用；其他处理措施不填写期限（暂停医保服务协议的期限按服务协议约定，"
                      "本局政策为{agreement}个月）"),),
        timers=(TimerEffect("start", "defence"),), effects=("record_sanction_notice",),
    ),
    Transition(
        trigger="record_defence", source=("defence",), dest=None, role="handler", label="登记陈述申辩",
        notice=DEFENCE_RECEIVED,
        inputs=(Input("statement", "text", label="陈述申辩的内容（书面材料摘要或口头陈述记录）"),
                Input("received", "date", label="收到陈述申辩日期")),
        guards=(Guard("defence_open", "RECT-DEFENCE", f"{ORDER_735} Art. 31",
                      "陈述申辩阶段已经结束（{closed}），不能再登记；请以 propose_sanction 提出处理意见"),
                Guard("defence_dated", "RECT-DATE", f"{ORDER_735} Art. 31; {NHSA_ORDER_4}（参照）",
                      "收到日期应在告知书作出之日（{notified_on}）至今天之间，且不晚于陈述申辩期限最后一日（{until}）；请核对收到日期")),
        timers=(TimerEffect("stop", "defence"),), effects=("record_defence",),
    ),
    Transition(
        trigger="defence_expired", source=("defence",), dest=None, role="system",
        label="陈述申辩期限届满，未收到陈述申辩", notice=DEFENCE_EXPIRED, order=30, effects=("record_defence_lapse",),
    ),
    Transition(
        trigger="propose_sanction", source=("defence",), dest="sanction_proposed", role="handler",
        label="提出处理意见", notice=PROPOSAL, proposal=True,
        inputs=(Input("findings", "text", label="处理意见（事实、理由、对陈述申辩的复核意见）"),),
        guards=(Guard("defence_closed", "RECT-DEFENCE", f"{ORDER_735} Art. 31; {PENALTY_LAW} Art. 45",
                      "陈述申辩期限（至{until}）尚未届满，也未登记陈述申辩：作出处理决定前应当听取当事人的陈述、申辩；"
                      "请登记陈述申辩（record_defence）或者待期限届满后再提出处理意见"),),
    ),
    Transition(
        trigger="approve", source=("sanction_proposed",), dest="sanctioned", role="approver",
        label="审核同意：作出处理决定", notice=SANCTIONED, decision=True, effects=("record_sanction",),
        opens=(OPEN_FRAUD_CASE,),
    ),
    Transition(
        trigger="return", source=("sanction_proposed",), dest="defence", role="approver",
        label="退回重新提出处理意见", notice=RETURNED, decision=True, inputs=(Input("reason", "text", label="退回理由"),),
        effects=("clear_proposal",),
    ),
    Transition(
        trigger="basis_lifted", source=OPEN, dest="ended", role="system",
        label="失信记录因信用修复、更正或者撤销停止公开，约谈整改终止", notice=ENDED, order=5,
        inputs=(Input("reason", "choice", label="失信记录停止公开的原因", choices=tuple(LIFTED),
                      choice_labels=tuple(LIFTED.items())),
                Input("record_case", "int", required=False, label="失信记录案件编号")),
        effects=("record_end",),
    ),
    correction(SERIES, STATES),
    # New calendar data moves only the subject's clocks (the agency's interview clock ends on the day the notice
    # fixed): the subject is told, and the round (or the sanction) states the new day.
    replace(common.recomputed(SERIES, RECORD_SERIES, STATES)[0], when=None, effects=("sync_deadline",)),
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    d = case.data
    return {"reason": d.get("reason"), "level": d.get("level"), "round": d.get("round"),
            "rounds": [{k: r.get(k) for k in ("round", "level", "interview_on", "deadline", "outcome")}
                       for r in d.get("rounds") or []],
            "sanction": (d.get("sanction") or {}).get("code"), "record": (d.get("record") or {}).get("id")}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="约谈整改",
    states=STATES,
    initial="opened",
    transitions=TRANSITIONS,
    timers=TIMERS,
    parent_kinds=(RECORD_KIND,),
    opens_on=("subject",),
    guards={**common.GUARDS, 
        "reason_violation": _reason_violation,
        "interview_lead": _interview_lead,
        "interview_day_reached": _interview_day_reached,
        "interview_not_recorded": _interview_not_recorded,
        "interview_recorded": _interview_recorded,
        "report_dated": _report_dated,
        "sanction_allowed": _sanction_allowed,
        "months_valid": _months_valid,
        "defence_open": _defence_open,
        "defence_dated": _defence_dated,
        "defence_closed": _defence_closed,
    },
    conditions={"more_rounds": _more_rounds, "warning_level": _warning_level, "reminder_level": _reminder_level,
                "fraud_case_decided": _fraud_case_decided, **common.CONDITIONS},
    effects={
        "record_opening": _record_opening,
        "record_interview_notice": _record_interview_notice,
        "record_interview": _record_interview,
        "no_show_next_round": _open_next_round(_record_no_show),
        "no_show_last_round": _await_sanction(_record_no_show),
        "no_report_next_round": _open_next_round(_record_no_report),
        "no_report_last_round": _await_sanction(_record_no_report),
        "failed_next_round": _open_next_round(_record_verification_failed),
        "failed_last_round": _await_sanction(_record_verification_failed),
        "record_order": _record_order,
        "record_report": _record_report,
        "record_pass": _record_pass,
        "clear_proposal": _clear_proposal,
        "flag_overdue": _flag_overdue,
        "record_sanction_notice": _record_sanction_notice,
        "record_defence": _record_defence,
        "record_defence_lapse": _record_defence_lapse,
        "record_sanction": _record_sanction,
        "record_end": _record_end,
        "sync_deadline": _sync_deadline,
        **common.EFFECTS,
    },
    summary=_summary,
    notice_context={"measure": HENAN, "order_735": ORDER_735, "hongqiao": HONGQIAO, "penalty_law": PENALTY_LAW,
                    "nhsa_order_4": NHSA_ORDER_4, "payment_rules": PAYMENT_RULES, "levels": LEVELS, "reasons": REASONS,
                    "outcomes": OUTCOMES, "sanction_label": sanction_label, "lifted": LIFTED,
                    "designated_types": ("hospital", "pharmacy")},
)
from .rectification_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
