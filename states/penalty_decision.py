"""The penalty decision (行政处罚决定) of a fraud case: its document, service, the period to challenge it, and the
record it becomes (docs/rules.md §6).

Opened only by a fraud case's `approve` of a `penalty` outcome (states/fraud.py), as its child, in the same
transaction: `open` issues the 行政处罚决定书 with what 中华人民共和国行政处罚法 Art. 59 requires (the party and its
address, the facts and evidence, the penalty and its basis, how and by when it is performed, the remedies, the
bureau and the day). The penalties are those of 医疗保障基金使用监督管理条例 (State Council Order No. 735): the
funds returned, a fine of 2 to 5 times the amount (Art. 37, 40, 41(2)), a suspension (Art. 40: the responsible
department's services, 6-12 months; Art. 41(1): an insured person's 联网结算, 3-12 months), the termination of the
service agreement (Art. 40); the fraud case checked them before the approval.

`serve_decision` (handler: `method`, `served_on`) records service (APL Art. 61: within 7 working days when not
handed over on the spot) and starts `challenge` (subject side): the longer of the 60 days to apply for
reconsideration (行政复议法 Art. 20(1)) and the 6 months to sue (行政诉讼法 Art. 46(1)), from service. Six months
from day D end on the corresponding day (Civil Code Art. 202), and since a suit is an act to be done by then, a
last day on a rest day moves to the next working day (Art. 203): the clock is a day period of the months' length
in days (`challenge_days`, recorded at service), which the calendar rolls off rest days.

The period ending with no challenge makes the penalty final (`challenge_expired`); a challenge
(`challenge_filed`: reconsideration or suit, the body) stops the clock until the ruling: `ruling_upheld` (final)
or `ruling_overturned`. Only a final penalty is bad information (Henan measure Art. 10: 未在法定期限内申请行政复议
或行政诉讼，或经行政复议、行政诉讼后最终维持原决定的行政处罚信息): then the subject's 失信 record opens by itself
(states/record.py `determine`, linked; its category from the fraud case's findings, its disclosure and class the
policy's), and the fraud case is told (`penalty_final`), which gives a confirmed named reporter good information.
"""

from __future__ import annotations

from dataclasses import replace
from calendars.periods import add_months

from . import common
from .common import SERVICE_METHODS, correction
from .fraud import DESIGNATED, ORDER_735, PERSONS_INSURED
from .policy import HENAN, PENALTY_LAW
from .record import CATEGORIES
from .spec import NAME_LENGTH, NEW, Guard, Input, Link, Notice, Open, Procedure, State, TimerEffect, TimerSpec, Transition

KIND = "penalty_decision"
PARENT_KIND = "fraud"
RECORD_KIND = "record"
SERIES = "罚"  # the decision: 郑医保罚〔2026〕1号
RECORD_SERIES = "罚记"
RECONSIDERATION_LAW = "中华人民共和国行政复议法"
LITIGATION_LAW = "中华人民共和国行政诉讼法"
CHALLENGES = {"reconsideration": "申请行政复议", "lawsuit": "提起行政诉讼"}
YES_NO = (("yes", "是"), ("no", "否"))

STATES = (
    State("decided", "已作出行政处罚决定（待送达）"),
    State("served", "已送达（行政复议、行政诉讼期间）"),
    State("challenged", "行政复议或者行政诉讼中"),
    State("final", "行政处罚决定已确定（记入信用档案）", final=True),
    State("overturned", "行政处罚决定已被撤销", final=True),
)

TIMERS = (
    TimerSpec(
        name="challenge", unit="days", amount="data:challenge_days", side="subject", on_expiry="challenge_expired",
        label="申请行政复议、提起行政诉讼的期限（送达之日起6个月，期满日为休息日的顺延）",
    ),
)


_day, _zh = common.day_of, common.day_zh  # a day from data or input, and as a refusal names it


# -- guards --------------------------------------------------------------------------------------------

def _served_dated(ctx) -> bool:
    decided = _day(ctx.data.get("decided_on"))
    served = ctx.inputs.get("served_on") or ctx.today
    ctx.details.update(decided_on=_zh(decided))
    return decided is not None and decided <= served <= ctx.today


def _challenge_dated(ctx) -> bool:
    timer = ctx.case.timers.get("challenge")
    served, until = _day(ctx.data.get("served_on")), timer.last_day if timer else None
    ctx.details.update(served_on=_zh(served), until=_zh(until))
    filed = ctx.inputs["filed_on"]
    return served is not None and served <= filed <= ctx.today and (until is None or filed <= until)


def _ruling_dated(ctx) -> bool:
    filed = _day((ctx.data.get("challenge") or {}).get("filed_on"))
    ctx.details["filed_on"] = _zh(filed)
    return filed is not None and filed <= ctx.inputs["ruled_on"] <= ctx.today


# -- effects -------------------------------------------------------------------------------------------

def _record_decision(ctx) -> dict:
    i = ctx.inputs
    n = ctx.policy["fraud_service_days"]
    return {"data": {
        "amount": i["amount"], "fine_multiple": i["fine_multiple"], "fine": i["fine"],
        "suspend_months": i.get("suspend_months"), "terminate_agreement": i.get("terminate_agreement") or "no",
        "category": i["category"], "category_label": CATEGORIES[i["category"]], "facts": i["facts"].strip(),
        "basis": i["basis"], "address": i["address"], "hearing_held": i.get("hearing_held") or "no",
        "decided_on": ctx.today.isoformat(), "decided_by": (ctx.parent.data.get("decision") or {}).get("approved_by")
        if ctx.parent is not None else None,
        "service_due": ctx.calendar.nth_working_day_after(ctx.today, n).isoformat(), "service_working_days": n,
        "payment_days": ctx.policy["penalty_payment_days"], "return_days": ctx.policy["penalty_return_days"],
        "served_on": None, "challenge": None, "final_on": None, "outcome": None,
    }}


def _record_decision_service(ctx) -> dict:
    served = ctx.inputs.get("served_on") or ctx.today
    months = ctx.policy["penalty_challenge_months"]
    end = add_months(served, months)
    return {"data": {"served_on": served.isoformat(), "service_method": ctx.inputs["method"],
                     "served_in_time": served <= _day(ctx.data["service_due"]), "challenge_months": months,
                     "challenge_days": (end - served).days, "recorded_by": ctx.actor.name}}


def _record_challenge(ctx) -> dict:
    timer = ctx.case.timers.get("challenge")
    return {"data": {"challenge": {
        "kind": ctx.inputs["kind"], "label": CHALLENGES[ctx.inputs["kind"]], "body": ctx.inputs["body"],
        "filed_on": ctx.inputs["filed_on"].isoformat(), "recorded_on": ctx.today.isoformat(),
        "period_until": timer.last_day.isoformat() if timer else None}}}


def _final(how: str):
    def effect(ctx) -> dict:
        out = {"final_on": ctx.today.isoformat(), "outcome": how}
        if how == "unchallenged":
            timer = ctx.case.timers.get("challenge")
            out["challenge_until"] = timer.last_day.isoformat() if timer else None
        else:
            out["ruling"] = {"ruling": ctx.inputs["ruling"], "ruled_on": ctx.inputs["ruled_on"].isoformat(),
                             "recorded_on": ctx.today.isoformat(), "upheld": True}
        return {"data": out}

    return effect


def _record_overturned(ctx) -> dict:
    return {"data": {"outcome": "overturned", "overturned_on": ctx.today.isoformat(),
                     "ruling": {"ruling": ctx.inputs["ruling"], "ruled_on": ctx.inputs["ruled_on"].isoformat(),
                                "recorded_on": ctx.today.isoformat(), "upheld": False}}}


def penalty_text(d: dict, subject_type: str) -> str:
    """The penalties a decision imposes, as the documents state them."""
    parts = [f"责令退回骗取的医疗保障基金{d['amount']:,}元", f"处骗取金额{d['fine_multiple']}倍的罚款{d['fine']:,}元"]
    if d.get("suspend_months"):
        if subject_type in DESIGNATED:
            parts.append(f"责令暂停相关责任部门{d['suspend_months']}个月涉及医疗保障基金使用的医药服务")
        elif subject_type in PERSONS_INSURED:
            parts.append(f"暂停医疗费用联网结算{d['suspend_months']}个月")
    if d.get("terminate_agreement") == "yes":
        parts.append("由医疗保障经办机构解除医疗保障服务协议")
    return "；".join(parts)


# -- related cases -------------------------------------------------------------------------------------

def _record_inputs(ctx) -> dict:
    """The 失信 record of a final penalty (Henan Art. 10), determined on the day it became final."""
    d = ctx.after.data
    kind = ctx.subject.type if ctx.subject is not None else "other_person"
    return {"category": d["category"], "determined_on": ctx.today,
            "disclosure_months": ctx.policy["fraud_record_months"], "severity": ctx.policy["fraud_record_severity"],
            "facts": f"{d['facts'].rstrip('。')}。行政处罚：{penalty_text(d, kind)}",
            "basis": f"行政处罚决定书（行政处罚决定案件{ctx.after.id}，{_zh(d['decided_on'])}作出）"}


OPEN_RECORD = Open(RECORD_KIND, "determine", relation="linked", inputs=_record_inputs)
FINAL_UNCHALLENGED = Link("penalty_final", inputs=lambda ctx: {"how": "unchallenged"})
FINAL_UPHELD = Link("penalty_final", inputs=lambda ctx: {"how": "upheld"})
OVERTURNED = Link("penalty_overturned", inputs=lambda ctx: {"ruling": ctx.inputs["ruling"]})


# -- notices -------------------------------------------------------------------------------------------

DECISION = Notice("penalty_decision/decision.html.j2", "行政处罚决定书", SERIES, "subject", against_subject=True)
SERVED = Notice("penalty_decision/served.html.j2", "行政处罚决定书送达记录", RECORD_SERIES, "internal")
CHALLENGED = Notice("penalty_decision/challenged.html.j2", "行政复议、行政诉讼情况登记记录", RECORD_SERIES, "internal")
FINAL = Notice("penalty_decision/final.html.j2", "行政处罚决定确定记录", RECORD_SERIES, "internal")
OVERTURNED_NOTICE = Notice("penalty_decision/overturned.html.j2", "行政处罚决定撤销登记记录", RECORD_SERIES, "internal")

RULING_INPUTS = (Input("ruling", "str", label="行政复议决定书或者生效裁判文书及文号"),
                 Input("ruled_on", "date", label="复议决定或者裁判生效之日"))

TRANSITIONS = (
    Transition(
        trigger="open", source=(NEW,), dest="decided", role="system", label="作出行政处罚决定", notice=DECISION,
        inputs=(Input("amount", "int", label="骗取金额（元）"), Input("fine_multiple", "str", label="罚款倍数"),
                Input("fine", "int", label="罚款金额（元）"),
                Input("suspend_months", "int", required=False, label="暂停期限（月）"),
                Input("terminate_agreement", "choice", required=False, label="是否解除服务协议", choices=("yes", "no"),
                      choice_labels=YES_NO),
                Input("category", "choice", label="失信行为类别", choices=tuple(CATEGORIES),
                      choice_labels=tuple(CATEGORIES.items())),
                Input("facts", "text", label="违法事实和证据"), Input("basis", "str", label="处罚依据"),
                Input("address", "str", label="当事人地址"),
                Input("hearing_held", "choice", required=False, label="是否经过听证", choices=("yes", "no"),
                      choice_labels=YES_NO)),
        effects=("record_decision",),
    ),
    Transition(
        trigger="serve_decision", source=("decided",), dest="served", role="handler",
        label="登记行政处罚决定书送达", notice=SERVED,
        inputs=(Input("method", "choice", label="送达方式", choices=tuple(c for c, _ in SERVICE_METHODS),
                      choice_labels=SERVICE_METHODS),
                Input("served_on", "date", required=False, label="送达日期（送达回证记载的日期，默认今天）")),
        guards=(Guard("served_dated", "PEN-SERVED", f"{PENALTY_LAW} Art. 61",
                      "送达日期应在行政处罚决定作出之日（{decided_on}）至今天之间；请按送达回证核对日期"),),
        timers=(TimerEffect("start", "challenge", anchor="data:served_on"),), effects=("record_decision_service",),
    ),
    Transition(
        trigger="challenge_expired", source=("served",), dest="final", role="system",
        label="法定期限内未申请行政复议、未提起行政诉讼，行政处罚决定确定", notice=FINAL, order=30,
        effects=("final_unchallenged",), opens=(OPEN_RECORD,), parent=FINAL_UNCHALLENGED,
    ),
    Transition(
        trigger="challenge_filed", source=("served",), dest="challenged", role="handler",
        label="登记当事人申请行政复议或者提起行政诉讼", notice=CHALLENGED,
        inputs=(Input("kind", "choice", label="救济途径", choices=tuple(CHALLENGES), choice_labels=tuple(CHALLENGES.items())),
                Input("body", "str", label="复议机关或者人民法院", max_length=NAME_LENGTH),
                Input("filed_on", "date", label="申请或者起诉日期")),
        guards=(Guard("challenge_dated", "PEN-CHALLENGE", f"{RECONSIDERATION_LAW} Art. 20; {LITIGATION_LAW} Art. 46",
                      "申请或者起诉日期应在送达之日（{served_on}）至今天之间，且不晚于复议诉讼期限的最后一日（{until}）；请核对日期"),),
        timers=(TimerEffect("stop", "challenge"),), effects=("record_challenge",),
    ),
    Transition(
        trigger="ruling_upheld", source=("challenged",), dest="final", role="handler",
        label="登记复议决定或者生效裁判维持行政处罚决定", notice=FINAL, inputs=RULING_INPUTS,
        guards=(Guard("ruling_dated", "PEN-RULING", f"{RECONSIDERATION_LAW}; {LITIGATION_LAW}",
                      "复议决定或者裁判生效之日应在申请或者起诉之日（{filed_on}）至今天之间；请核对日期"),),
        effects=("final_upheld",), opens=(OPEN_RECORD,), parent=FINAL_UPHELD,
    ),
    Transition(
        trigger="ruling_overturned", source=("challenged",), dest="overturned", role="handler",
        label="登记复议决定或者生效裁判撤销行政处罚决定", notice=OVERTURNED_NOTICE, inputs=RULING_INPUTS,
        guards=(Guard("ruling_dated", "PEN-RULING", f"{RECONSIDERATION_LAW}; {LITIGATION_LAW}",
                      "复议决定或者裁判生效之日应在申请或者起诉之日（{filed_on}）至今天之间；请核对日期"),),
        effects=("record_overturned",), parent=OVERTURNED,
    ),
    correction(SERIES, STATES),
    # Its one clock binds the subject: new calendar data that moves it is told to the subject.
    replace(common.recomputed(SERIES, RECORD_SERIES, STATES)[0], when=None),
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    d = case.data
    return {"fine": d.get("fine"), "amount": d.get("amount"), "suspend_months": d.get("suspend_months"),
            "served_on": d.get("served_on"), "service_due": d.get("service_due"),
            "challenge": (d.get("challenge") or {}).get("kind"), "outcome": d.get("outcome"),
            "final_on": d.get("final_on")}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="行政处罚决定",
    states=STATES,
    initial="decided",
    transitions=TRANSITIONS,
    timers=TIMERS,
    parent_kinds=(PARENT_KIND,),
    opens_on=("parent",),
    guards={**common.GUARDS, "served_dated": _served_dated, "challenge_dated": _challenge_dated, "ruling_dated": _ruling_dated},
    conditions={**common.CONDITIONS},
    effects={"record_decision": _record_decision, "record_decision_service": _record_decision_service,
             "record_challenge": _record_challenge, "final_unchallenged": _final("unchallenged"),
             "final_upheld": _final("upheld"), "record_overturned": _record_overturned, **common.EFFECTS},
    summary=_summary,
    notice_context={"measure": HENAN, "order_735": ORDER_735, "penalty_law": PENALTY_LAW,
                    "reconsideration_law": RECONSIDERATION_LAW, "litigation_law": LITIGATION_LAW,
                    "challenges": CHALLENGES, "designated_types": DESIGNATED, "insured_types": PERSONS_INSURED,
                    "penalty_text": penalty_text},
)
from .penalty_decision_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
