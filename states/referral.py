"""Referral of clues or matters to another body (移送纪检监察机关、卫生健康部门或者其他部门): the simple child case a
fraud case opens when its review meeting decides a discipline transfer or a referral (docs/rules.md §6).

Sources: clues of duty violations or duty crimes of public officials go to the 纪检监察机关 (监察机关) — 行政执法机关
移送涉嫌犯罪案件的规定 (State Council Order No. 310, revised by Order No. 730) Art. 19 [V], and the NHSA notice on
transferring clues found in fund supervision to the discipline inspection and supervision organs that the Zigong plan
cites (ZG measure 6) [S]; matters for the health authority (practitioners' licences) or other regulators go to them
under the case-transfer mechanism of 医疗保障基金使用监督管理条例 (Order No. 735) Art. 22 [V].

Opened only by the fraud case (states/fraud.py `approve` of the outcomes, in the same transaction: system trigger
`open` with `target` discipline|health|other, `body`, `matters`). Then `send` (the 移送函 to the body, naming the
subject in full: audience `authority`) starts the `answer` clock (30 days, our choice: no text fixes the receiving
body's answer; agency side: its expiry flags the case overdue and sends the approvers a supervision notice, it
decides nothing); `acknowledged` records the body's receipt; `feedback` records its answer and closes the case.
"""

from __future__ import annotations

from . import common
from .spec import NAME_LENGTH, NEW, Guard, Input, Notice, Policy, PolicyNumber, Procedure, State, TimerEffect, \
    TimerSpec, Transition

KIND = "referral"
PARENT_KIND = "fraud"
SERIES = "移函"  # the referral letters
RECORD_SERIES = "移函记"  # internal records
OVERDUE_SERIES = "督"  # supervision (督办), as the other procedures'
ORDER_310 = "行政执法机关移送涉嫌犯罪案件的规定"
ORDER_735 = "医疗保障基金使用监督管理条例"
ZIGONG = "自贡市关于推进医疗保障基金监管制度体系改革的实施方案"

TARGETS = {
    "discipline": "纪检监察机关",
    "health": "卫生健康部门",
    "other": "其他有关部门",
}
# The basis each target's letter cites.
TARGET_BASIS = {
    "discipline": f"《{ORDER_310}》第十九条和{ZIGONG}（第二部分第六项重点改革举措）",
    "health": f"《{ORDER_735}》第二十二条",
    "other": f"《{ORDER_735}》第二十二条",
}

POLICY = Policy("referral", {
    "referral_answer_days": PolicyNumber(
        30, "days", "our choice: 30 days from the letter for the receiving body's written answer (no national text fixes "
                    f"it; {ORDER_735} Art. 22 asks for case-transfer mechanisms without a period): its expiry only flags the "
                    "case for a follow-up (督办) and decides nothing; calendar days with the Civil Code's last-day rule "
                    "(Art. 201, 203)"),
})

STATES = (
    State("opened", "已决定移送（待发出移送函）"),
    State("sent", "已移送（待受移送机关签收）"),
    State("acknowledged", "受移送机关已签收（待反馈处理结果）"),
    State("closed", "已反馈处理结果，结案", final=True),
)

TIMERS = (
    TimerSpec("answer", "days", "referral_answer_days", "agency", "answer_overdue",
              "受移送机关反馈期限（自发出移送函之日起30日，本局规定）"),
)


_day, _zh = common.day_of, common.day_zh  # a day from data or input, and as a refusal names it


# -- guards ------------------------------------------------------------------------------------------------------

def _dated(name: str, since_of, since_label: str):
    def guard(ctx) -> bool:
        since = _day(since_of(ctx.data))
        ctx.details.update(since=_zh(since), since_label=since_label, today=_zh(ctx.today))
        return since is not None and since <= ctx.inputs[name] <= ctx.today

    return guard


# -- conditions ----------------------------------------------------------------------------------------------------

def _target(code: str):
    def condition(ctx) -> bool:
        case = ctx.after if ctx.after is not None else ctx.case
        return case is not None and case.data.get("target") == code

    return condition


# -- effects --------------------------------------------------------------------------------------------------------

def _record_opening(ctx) -> dict:
    parent = ctx.parent
    target = ctx.inputs["target"]
    return {"data": {"target": target, "target_label": TARGETS[target], "body": ctx.inputs["body"].strip(),
                     "matters": ctx.inputs["matters"].strip(), "opened_on": ctx.today.isoformat(),
                     "fraud_case": parent.id if parent is not None else None, "overdue_periods": []}}


def _record_sending(ctx) -> dict:
    return {"data": {"sent": {"on": ctx.today.isoformat(), "by": ctx.actor.name, "materials": ctx.inputs["materials"],
                              "answer_days": ctx.policy["referral_answer_days"]}}}


def _record_acknowledgement(ctx) -> dict:
    return {"data": {"acknowledged": {"on": ctx.inputs["acknowledged_on"].isoformat(), "recorded_by": ctx.actor.name,
                                      "recorded_on": ctx.today.isoformat()}}}


def _record_feedback(ctx) -> dict:
    return {"data": {"feedback": {"text": ctx.inputs["feedback"], "received_on": ctx.inputs["received_on"].isoformat(),
                                  "recorded_by": ctx.actor.name, "recorded_on": ctx.today.isoformat()}},
            "overdue": False}


def _flag_overdue(ctx) -> dict:
    t = ctx.case.timers.get("answer")
    periods = list(ctx.data.get("overdue_periods") or [])
    periods.append({"timer": "answer", "last_day": t.last_day.isoformat() if t else None,
                    "flagged_on": ctx.today.isoformat()})
    return {"data": {"overdue_periods": periods}, "overdue": True}


# -- notices --------------------------------------------------------------------------------------------------------

OPENED = Notice("referral/opened.html.j2", "移送立案记录", RECORD_SERIES, "internal")
LETTER = Notice("referral/letter.html.j2", "案件线索移送函", SERIES, "authority", addressee=lambda ctx: ctx.data["body"],
                titles=(("to_discipline", "问题线索移送函"),))
ACKNOWLEDGED = Notice("referral/acknowledged.html.j2", "移送函签收登记", RECORD_SERIES, "internal")
FEEDBACK = Notice("referral/feedback.html.j2", "移送处理结果反馈登记", RECORD_SERIES, "internal")
OVERDUE = Notice("referral/overdue.html.j2", "移送处理结果反馈逾期督办提示", OVERDUE_SERIES, "approvers")

TRANSITIONS = (
    Transition(
        trigger="open", source=(NEW,), dest="opened", role="system",
        label="欺诈骗保案件决定移送，立案办理移送", notice=OPENED,
        inputs=(Input("target", "choice", label="受移送机关类别", choices=tuple(TARGETS),
                      choice_labels=tuple(TARGETS.items())),
                Input("body", "str", label="受移送机关名称", max_length=NAME_LENGTH),
                Input("matters", "text", label="移送的问题线索或者事项")),
        effects=("record_opening",),
    ),
    Transition(
        trigger="send", source=("opened",), dest="sent", role="handler", label="发出移送函（附问题线索材料）",
        notice=LETTER, inputs=(Input("materials", "text", label="随函移送的材料"),),
        timers=(TimerEffect("start", "answer"),), effects=("record_sending",),
    ),
    Transition(
        trigger="acknowledged", source=("sent",), dest="acknowledged", role="handler",
        label="登记受移送机关签收", notice=ACKNOWLEDGED,
        inputs=(Input("acknowledged_on", "date", label="签收日期"),),
        guards=(Guard("acknowledgement_dated", "REF-DATE", f"{ORDER_735} Art. 22; creditflow policy",
                      "签收日期应在发出移送函之日（{since}）至今天（{today}）之间；请核对签收回执上的日期"),),
        effects=("record_acknowledgement",),
    ),
    Transition(
        trigger="feedback", source=("acknowledged",), dest="closed", role="handler",
        label="登记受移送机关反馈的处理结果，结案", notice=FEEDBACK,
        inputs=(Input("feedback", "text", label="受移送机关反馈的处理结果"),
                Input("received_on", "date", label="收到反馈之日")),
        guards=(Guard("feedback_dated", "REF-DATE", f"{ORDER_735} Art. 22; creditflow policy",
                      "收到反馈之日应在受移送机关签收之日（{since}）至今天（{today}）之间；请核对收到反馈的日期"),),
        timers=(TimerEffect("stop", "answer"),), effects=("record_feedback",),
    ),
    Transition(
        trigger="answer_overdue", source=("sent", "acknowledged"), dest=None, role="system",
        label="受移送机关反馈期限届满，尚未反馈处理结果，督办", notice=OVERDUE, effects=("flag_overdue",), order=50,
    ),
    common.recomputed(RECORD_SERIES, RECORD_SERIES, STATES)[1],
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    d = case.data
    return {"target": d.get("target"), "body": d.get("body"), "fraud_case": d.get("fraud_case"),
            "sent_on": (d.get("sent") or {}).get("on"), "acknowledged_on": (d.get("acknowledged") or {}).get("on"),
            "feedback_on": (d.get("feedback") or {}).get("received_on")}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="问题线索和案件移送",
    states=STATES,
    initial="opened",
    transitions=TRANSITIONS,
    timers=TIMERS,
    parent_kinds=(PARENT_KIND,),
    opens_on=(),
    policy=POLICY,
    guards={**common.GUARDS, 
        "acknowledgement_dated": _dated("acknowledged_on", lambda d: (d.get("sent") or {}).get("on"), "发出移送函之日"),
        "feedback_dated": _dated("received_on", lambda d: (d.get("acknowledged") or {}).get("on"), "受移送机关签收之日"),
    },
    conditions={"to_discipline": _target("discipline")},
    effects={
        "record_opening": _record_opening,
        "record_sending": _record_sending,
        "record_acknowledgement": _record_acknowledgement,
        "record_feedback": _record_feedback,
        "flag_overdue": _flag_overdue,
        **common.EFFECTS,
    },
    summary=_summary,
    notice_context={"targets": TARGETS, "target_basis": TARGET_BASIS, "order_310": ORDER_310, "order_735": ORDER_735},
)
from .referral_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
