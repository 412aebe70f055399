"""Objection (异议) to a published evaluation result: Henan measure Art. 24-26 (docs/rules.md §3).

Opened with grounds (Art. 24 (1)-(6)), the day the written material was received, the
supporting materials and a reason (Art. 25, form 附件1). Timeliness is judged by the day received:
after the 15-working-day window it counts as "no objection" (视为无异议) and is refused at once;
within it, the evaluation waits (and is reopened if the window already made it final). The
department decides within 15 working days of receipt (Art. 26), not counting time spent on
inspection, testing, quarantine, appraisal or expert review; a decision is prepared by one person
and approved by another (four eyes, docs/rules.md §8.6), and ends with notice 附件2.
"""

from __future__ import annotations

from datetime import date

from .grades import grade_for, parse_score
from .policy import HENAN
from . import common
from .common import correction
from .spec import NEW, Guard, Input, Link, Notice, Notify, Procedure, State, TimerEffect, TimerSpec, Transition

KIND = "objection"
SERIES = "信异"
RECORD_SERIES = "信异记"

GROUNDS = {  # Art. 24 (一)-(六), verbatim
    1: "认为信用主体的信息与事实不符，存在记载错误或者遗漏的",
    2: "对信用评价结果存在异议的",
    3: "认为信用信息归集涉及国家秘密、与申请人相关的商业秘密、其个人隐私或存在依法不应进行归集的情形的",
    4: "认为其不良行为信息被超期限使用的",
    5: "违法失信行为已纠正，依法依规应当变更其信用信息的",
    6: "其他法定应当变更信用信息情形的",
}

# Art. 26: time for these is not counted in the handling period.
SUSPENSION_REASONS = {
    "inspection": "检验",
    "testing": "检测",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
}

ACTIVE = ("received", "completion_requested", "under_review", "uphold_proposed", "dismiss_proposed",
          "partial_proposed")
# Art. 24 grounds about information rather than a grade: an objection to an archive entry names these.
ENTRY_GROUNDS = (1, 3, 4, 5, 6)

STATES = (
    State("received", "已登记（待形式审查）"),
    State("completion_requested", "待补正材料"),
    State("under_review", "审查中"),
    State("suspended", "中止计时（检验、检测、检疫、鉴定、专家评审）"),
    State("uphold_proposed", "拟认定异议成立（待审核）"),
    State("dismiss_proposed", "拟认定异议不成立（待审核）"),
    State("partial_proposed", "拟认定异议部分成立（待审核）"),
    State("upheld", "异议成立", final=True),
    State("partially_upheld", "异议部分成立", final=True),
    State("dismissed", "异议不成立", final=True),
    State("refused", "不予受理（视为无异议）", final=True),
    State("withdrawn", "已撤回", final=True),
)

TIMERS = (
    TimerSpec(
        name="handling",
        unit="working_days",
        amount="objection_handling",
        side="agency",
        on_expiry="handling_overdue",
        label="异议处理期限（收到书面材料之日起15个工作日）",
        remind_before="objection_remind_before",
    ),
    TimerSpec(
        name="completion",
        unit="working_days",
        amount="objection_completion",
        side="subject",
        on_expiry="completion_expired",
        label="补正期限（发出补正通知之日起5个工作日）",
    ),
)

# -- guards and conditions (pure functions of states.context.Context) -----------------------


def _grounds_valid(ctx) -> bool:
    grounds = ctx.inputs.get("grounds") or []
    return bool(grounds) and all(g in GROUNDS for g in grounds)


def filed_on(inputs: dict) -> date:
    """The day an objection counts as filed: the earlier of posting and receipt (Civil Procedure Law
    Art. 85 applied by analogy: a document posted before the period ends is not late)."""
    posted = inputs.get("posted")
    return min(posted, inputs["received"]) if posted is not None else inputs["received"]


def _received_not_future(ctx) -> bool:
    return ctx.inputs["received"] <= ctx.today


def _posted_not_after_receipt(ctx) -> bool:
    posted = ctx.inputs.get("posted")
    return posted is None or posted <= ctx.inputs["received"]


def _on_entry(ctx) -> bool:
    """The objection is about an archive entry (Art. 24 (1), (3)-(6)), not about a published result."""
    return ctx.entry is not None or bool(ctx.data.get("entry"))


def _on_result(ctx) -> bool:
    return not _on_entry(ctx)


def _entry_grounds(ctx) -> bool:
    grounds = ctx.inputs.get("grounds") or []
    return bool(grounds) and all(g in ENTRY_GROUNDS for g in grounds)


def _entry_live(ctx) -> bool:
    """An entry can be objected to while it stands (in use, disputed or past its period: ground (4) is about
    use beyond the period), not once it is superseded or withdrawn."""
    return not {"superseded", "withdrawn"} & set(ctx.entry["statuses"])


def _entry_not_pending(ctx) -> bool:
    return not any(s.state in ACTIVE + ("suspended",) for s in ctx.siblings)


def _partial_complete(ctx) -> bool:
    """A partial uphold states what changes: the new score for a result, the corrected information for an entry."""
    if _on_entry(ctx):
        return bool((ctx.inputs.get("facts") or "").strip())
    return ctx.inputs.get("score") is not None


def _received_after_publication(ctx) -> bool:
    return filed_on(ctx.inputs) >= date.fromisoformat(ctx.parent.data["published_on"])


def _evaluation_open(ctx) -> bool:
    return ctx.parent.state in ("published", "final")


def _not_decided_before(ctx) -> bool:
    return not any(s.state in ("upheld", "dismissed") for s in ctx.siblings)


def _filed_after_window(ctx) -> bool:
    if ctx.entry is not None or ctx.parent is None:
        return False  # the window of Art. 26 is for results; an entry may be objected to while it is used
    window = ctx.parent.timers.get("objection_window")
    return window is not None and filed_on(ctx.inputs) > window.last_day


def _not_a_repeat_of_refused(ctx) -> bool:
    """The same filing (same result, receipt and posting day, grounds) registered again after it was refused."""
    key = (ctx.inputs["received"].isoformat(), (ctx.inputs.get("posted") or ctx.inputs["received"]).isoformat(),
           sorted(ctx.inputs.get("grounds") or []))
    for s in ctx.siblings:
        if s.state == "refused" and (s.data.get("received_on"), s.data.get("posted_on") or s.data.get("received_on"),
                                     sorted(s.data.get("grounds") or [])) == key:
            ctx.details["first_case"] = s.id
            return False
    return True


def _in_form(ctx) -> bool:
    return bool(ctx.data.get("materials")) and bool((ctx.data.get("reason") or "").strip())


def _handling_running(ctx) -> bool:
    t = ctx.case.timers.get("handling")
    return t is not None and t.status == "running"


# -- effects -------------------------------------------------------------------------------


def _record_objection(ctx) -> dict:
    data = {
        "grounds": ctx.inputs["grounds"],
        "received_on": ctx.inputs["received"].isoformat(),
        "posted_on": ctx.inputs["posted"].isoformat() if ctx.inputs.get("posted") else None,
        "filed_on": filed_on(ctx.inputs).isoformat(),
        "materials": ctx.inputs.get("materials") or [],
        "reason": ctx.inputs.get("reason") or "",
    }
    if ctx.entry is not None:
        e = ctx.entry
        data["entry"] = {k: e[k] for k in ("id", "kind", "category", "facts", "determined_on", "disclosed_until",
                                           "collected_by", "in_use")}
        return {"data": data}
    return {"data": {**data,
                     "evaluation": {"score": ctx.parent.data.get("score"), "grade": ctx.parent.data.get("grade"),
                                    "year": ctx.parent.data.get("year"),
                                    # told, not published (Art. 29): its notices say 作出, not 公布
                                    "window_from_service": bool(ctx.parent.data.get("window_from_service"))},
                     "reopened_final": ctx.parent.state == "final"}}


def _dispute_target(ctx) -> dict:
    """While an objection to an entry is handled, the entry is marked disputed (异议标注) and not used."""
    return {"archive_status": [{"scope": "target", "status": "disputed", "reason": _reason(ctx, "处理中")}]}


def _reason(ctx, what: str) -> str:
    case = ctx.case.id if ctx.case is not None else "（本案）"
    return f"异议案件{case}{what}"


def _keep_entry(ctx) -> dict:
    """The objection ends without a change (refused, withdrawn, dismissed): the entry is used again as it was."""
    if not _on_entry(ctx):
        return {}
    return {"archive_status": [{"scope": "target", "status": "dispute_closed", "reason": _reason(ctx, "处理完毕，维持该记录")}]}


def _settle_entry(ctx) -> dict:
    """The approved decision on an entry: corrected (a new entry supersedes it; in whole or in part) or
    withdrawn from use (撤销), with the reason; the new entry keeps the old one's determination day and
    disclosure period (a correction does not restart them)."""
    if not _on_entry(ctx):
        return {}
    proposal = ctx.data["proposal"]
    entry = ctx.data["entry"]
    if proposal["trigger"] == "propose_withdrawal":
        return {"archive_status": [{"scope": "target", "status": "withdrawn",
                                    "reason": _reason(ctx, f"决定撤销该记录：{proposal['inputs']['findings']}")}]}
    return {"archive": [{
        "kind": entry["kind"], "category": entry["category"], "facts": proposal["inputs"]["facts"],
        "determined_on": entry["determined_on"], "disclosed_until": entry["disclosed_until"],
        "rule": f"{HENAN} Art. 24, 26",
        "supersedes": [{"scope": "target", "reason": _reason(ctx, "决定更正该记录" if proposal["trigger"] == "propose_correction"
                                                            else "决定部分更正该记录")}],
    }]}


def _record_completion_request(ctx) -> dict:
    return {"data": {"completion": {"missing": ctx.inputs["missing"], "requested_on": ctx.today.isoformat()}}}


def _record_completion(ctx) -> dict:
    materials = list(dict.fromkeys(list(ctx.data.get("materials") or []) + list(ctx.inputs["materials"])))
    reason = ctx.inputs.get("reason") or ctx.data.get("reason") or ""
    completion = {**(ctx.data.get("completion") or {}), "materials": ctx.inputs["materials"],
                  "completed_on": ctx.today.isoformat()}
    return {"data": {"materials": materials, "reason": reason, "completion": completion}}


def _record_suspension(ctx) -> dict:
    return {"data": {"suspension_reason": SUSPENSION_REASONS[ctx.inputs["reason"]]}}


def _outcome_upheld(ctx) -> dict:
    return {"outcome": "upheld", "score": ctx.data["proposal"]["inputs"]["score"]}


def _outcome_partial(ctx) -> dict:
    return {"outcome": "partial", "score": ctx.data["proposal"]["inputs"]["score"]}


def _outcome(name: str):
    def inputs(ctx) -> dict:
        return {"outcome": name}

    return inputs


def _entry_withdrawn(ctx) -> bool:
    """The decision withdraws the entry objected to (撤销): the case that wrote it (a 失信 record) is withdrawn."""
    return _on_entry(ctx) and (ctx.data.get("proposal") or {}).get("trigger") == "propose_withdrawal"


def _entry_corrected(ctx) -> bool:
    """The decision corrects the entry (in whole or in part): the case that wrote it keeps it, corrected."""
    return _on_entry(ctx) and (ctx.data.get("proposal") or {}).get("trigger") in ("propose_correction", "propose_partial")


def _entry_decision(ctx) -> dict:
    proposal = ctx.data["proposal"]
    return {"decision_case": ctx.case.id, "reason": f"异议案件{ctx.case.id}决定撤销该档案记录：{proposal['inputs']['findings']}"}


def _entry_correction(ctx) -> dict:
    return {"decision_case": ctx.case.id, "facts": ctx.data["proposal"]["inputs"]["facts"]}


# The case that wrote the entry is told of the decision (states/record.py: a 失信 record's entry).
WITHDRAW_ENTRY_CASE = Notify("entry", "corrected", kind="record", inputs=_entry_decision, when="entry_withdrawn")
CORRECT_ENTRY_CASE = Notify("entry", "entry_corrected", kind="record", inputs=_entry_correction, when="entry_corrected")


# -- notices ---------------------------------------------------------------------------------

def _notice(template: str, title: str, series: str, audience: str, against_subject: bool = False) -> Notice:
    """An objection notice; for an objection to an archive entry its title names the information, not a result."""
    entry_title = title.replace("信用评价结果异议", "信用信息异议")
    titles = (("targets_entry", entry_title),) if entry_title != title else ()
    return Notice(template, title, series, audience, against_subject=against_subject, titles=titles)


RECEIPT = _notice("objection/registered.html.j2", "信用评价结果异议申请接收回执", SERIES, "subject")
LATE = _notice("objection/refused_late.html.j2", "信用评价结果异议不予受理告知书", SERIES, "subject", against_subject=True)
ACCEPTED = _notice("objection/accepted.html.j2", "信用评价结果异议受理通知书", SERIES, "subject")
FORM = _notice("objection/refused_form.html.j2", "信用评价结果异议不予受理告知书", SERIES, "subject", against_subject=True)
SUSPENDED = _notice("objection/suspended.html.j2", "异议处理期限中止计算告知书", SERIES, "subject")
RESUMED = _notice("objection/resumed.html.j2", "异议处理期限恢复计算告知书", SERIES, "subject")
COMPLETION = _notice("objection/completion_requested.html.j2", "信用评价结果异议材料补正通知书", SERIES, "subject")
COMPLETED = _notice("objection/completion_received.html.j2", "信用评价结果异议补正材料接收回执", SERIES, "subject")
COMPLETION_LAPSED = _notice("objection/refused_completion.html.j2", "信用评价结果异议不予受理告知书", SERIES, "subject",
                           against_subject=True)
PROPOSAL = _notice("objection/proposal.html.j2", "信用评价结果异议处理拟办意见", RECORD_SERIES, "internal")
RETURNED = _notice("objection/returned.html.j2", "异议处理意见退回重审记录", RECORD_SERIES, "internal")
UPHELD = _notice("objection/decided.html.j2", "信用评价结果异议处理结果告知书", SERIES, "subject")
DISMISSED = _notice("objection/decided.html.j2", "信用评价结果异议处理结果告知书", SERIES, "subject", against_subject=True)
PARTIAL = _notice("objection/decided.html.j2", "信用评价结果异议处理结果告知书", SERIES, "subject", against_subject=True)
WITHDRAWN = _notice("objection/withdrawn.html.j2", "撤回信用评价结果异议确认书", SERIES, "subject")
OVERDUE = Notice("objection/overdue.html.j2", "异议处理超期督办通知", "督", "approvers")

OPEN_INPUTS = (
    Input("grounds", "int_list", label="异议理由（第二十四条第一至六项）"),
    Input("received", "date", label="收到书面材料日期"),
    Input("posted", "date", required=False, label="交邮日期（邮寄的，以邮戳日期为准）"),
    Input("materials", "str_list", required=False, label="证明材料"),
    Input("reason", "text", required=False, label="异议理由说明"),
)
OPEN_GUARDS = (
    Guard("grounds_valid", "OBJ-GROUNDS", f"{HENAN} Art. 24", "异议理由须为第二十四条第（一）至（六）项中的一项或多项（填写1-6）"),
    Guard("received_not_future", "OBJ-DATE", f"{HENAN} Art. 26", "收到日期不能晚于今天；请填写实际收到书面材料的日期"),
    Guard("posted_not_after_receipt", "OBJ-DATE", "中华人民共和国民事诉讼法 Art. 85（参照适用）",
          "交邮日期不能晚于收到日期；请按邮戳核对交邮日期"),
    Guard("received_after_publication", "OBJ-DATE", f"{HENAN} Art. 26", "收到（或交邮）日期早于评价结果公布日期；请核对日期"),
    Guard("not_a_repeat_of_refused", "OBJ-REPEAT", f"{HENAN} Art. 26; creditflow policy: 同一份异议不重复登记",
          "该异议与已不予受理的异议案件 {first_case} 相同（同一评价结果、同一收到和交邮日期、同一异议理由），不再重复登记；"
          "请查看案件 {first_case} 的不予受理告知书"),
    Guard("evaluation_open", "OBJ-PENDING", f"{HENAN} Art. 26", "该评价结果已有异议正在处理，不能重复登记"),
    Guard("not_decided_before", "OBJ-DECIDED", f"{HENAN} Art. 26", "该评价结果的异议已作出处理决定，评价结果已据此确定"),
)

ENTRY_GUARDS = (
    Guard("entry_grounds", "OBJ-GROUNDS", f"{HENAN} Art. 24",
          "对信用档案记录的异议，理由须为第二十四条第（一）、（三）至（六）项中的一项或多项（填写1、3、4、5、6）；"
          "对评价结果的异议请针对评价案件登记（--parent 评价案件编号）"),
    OPEN_GUARDS[1], OPEN_GUARDS[2],
    Guard("entry_live", "OBJ-ENTRY", f"{HENAN} Art. 24, 31", "该信用档案记录已被更正或撤销，不再使用；请针对现行的记录提出异议"),
    OPEN_GUARDS[4],
    Guard("entry_not_pending", "OBJ-PENDING", f"{HENAN} Art. 26", "该信用档案记录已有异议正在处理，不能重复登记"),
)
ON_RESULT = Guard("on_result", "OBJ-TARGET", f"{HENAN} Art. 24, 26",
                  "该异议针对信用档案记录，不涉及评价得分；请以 propose_correction（更正）、propose_withdrawal（撤销）"
                  "或 propose_partial（部分成立）提出拟办意见")
ON_ENTRY = Guard("on_entry", "OBJ-TARGET", f"{HENAN} Art. 24, 26",
                 "该异议针对信用评价结果；异议成立的，请以 propose_uphold 提出更正后的评价得分")

TRANSITIONS = (
    Transition(
        trigger="open", source=(NEW,), dest="received", role="handler", when="targets_entry",
        label="登记对信用档案记录的异议", notice=RECEIPT, inputs=OPEN_INPUTS, guards=ENTRY_GUARDS,
        effects=("record_objection", "dispute_target"),
        timers=(TimerEffect("start", "handling", anchor="input:received"),),
    ),
    Transition(
        trigger="open", source=(NEW,), dest="refused", role="handler", when="filed_after_window",
        label="登记异议：超过异议期，视为无异议", notice=LATE, inputs=OPEN_INPUTS, guards=OPEN_GUARDS,
        effects=("record_objection",),
    ),
    Transition(
        trigger="open", source=(NEW,), dest="received", role="handler", label="登记异议",
        notice=RECEIPT, inputs=OPEN_INPUTS, guards=OPEN_GUARDS, effects=("record_objection",),
        timers=(TimerEffect("start", "handling", anchor="received"),),
        parent=Link("objection_filed"),
    ),
    Transition(
        trigger="accept", source=("received",), dest="under_review", role="handler", label="受理（形式审查通过）",
        notice=ACCEPTED,
        guards=(Guard("in_form", "OBJ-FORM", f"{HENAN} Art. 25, 26",
                      "异议申请未说明理由或未提供证明材料，不符合书面申请的形式要求；请以 request_completion 通知补正，"
                      "或以 refuse 不予受理"),),
    ),
    Transition(
        trigger="request_completion", source=("received",), dest="completion_requested", role="handler",
        label="通知补正材料", notice=COMPLETION, inputs=(Input("missing", "text", label="需补正的材料或事项"),),
        timers=(TimerEffect("start", "completion"),), effects=("record_completion_request",),
    ),
    Transition(
        trigger="complete", source=("completion_requested",), dest="received", role="handler",
        label="收到补正材料", notice=COMPLETED,
        inputs=(Input("materials", "str_list", label="补正的证明材料"),
                Input("reason", "text", required=False, label="补充的异议理由说明")),
        timers=(TimerEffect("stop", "completion"),), effects=("record_completion",),
    ),
    Transition(
        trigger="completion_expired", source=("completion_requested",), dest="refused", role="system",
        label="补正期限届满未补正，不予受理", notice=COMPLETION_LAPSED, order=30,
        timers=(TimerEffect("stop", "handling"),), parent=Link("objection_closed", _outcome("refused")),
        effects=("keep_entry",),
    ),
    Transition(
        trigger="refuse", source=("received",), dest="refused", role="handler", label="不予受理（不符合形式要求）",
        notice=FORM, inputs=(Input("reason", "text", label="不予受理的理由"),),
        timers=(TimerEffect("stop", "handling"),), parent=Link("objection_closed", _outcome("refused")),
        effects=("keep_entry",),
    ),
    Transition(
        trigger="suspend", source=("under_review",), dest="suspended", role="handler", label="中止计算处理期限",
        notice=SUSPENDED,
        inputs=(Input("reason", "choice", label="中止原因", choices=tuple(SUSPENSION_REASONS),
                      choice_labels=tuple(SUSPENSION_REASONS.items())),),
        guards=(Guard("handling_running", "OBJ-CLOCK", f"{HENAN} Art. 26", "处理期限已届满或未在计算中，不能中止计算"),),
        timers=(TimerEffect("suspend", "handling"),), effects=("record_suspension",),
    ),
    Transition(
        trigger="resume", source=("suspended",), dest="under_review", role="handler", label="恢复计算处理期限",
        notice=RESUMED, timers=(TimerEffect("resume", "handling"),),
    ),
    Transition(
        trigger="propose_uphold", source=("under_review",), dest="uphold_proposed", role="handler",
        label="拟认定异议成立", notice=PROPOSAL, proposal=True, guards=(ON_RESULT,),
        inputs=(Input("score", "score", label="更正后的评价得分"), Input("findings", "text", label="审查意见")),
    ),
    Transition(
        trigger="propose_correction", source=("under_review",), dest="uphold_proposed", role="handler",
        label="拟认定异议成立：更正档案记录", notice=PROPOSAL, proposal=True, guards=(ON_ENTRY,),
        inputs=(Input("facts", "text", label="更正后的信息"), Input("findings", "text", label="审查意见")),
    ),
    Transition(
        trigger="propose_withdrawal", source=("under_review",), dest="uphold_proposed", role="handler",
        label="拟认定异议成立：撤销档案记录", notice=PROPOSAL, proposal=True, guards=(ON_ENTRY,),
        inputs=(Input("findings", "text", label="审查意见（撤销的理由）"),),
    ),
    Transition(
        trigger="propose_partial", source=("under_review",), dest="partial_proposed", role="handler",
        label="拟认定异议部分成立", notice=PROPOSAL, proposal=True,
        guards=(Guard("partial_complete", "OBJ-PARTIAL", f"{HENAN} Art. 26",
                      "异议部分成立的，须写明更正的内容：评价结果异议填写更正后的评价得分（--set score=…），"
                      "档案记录异议填写更正后的信息（--set facts=…）"),),
        inputs=(Input("findings", "text", label="审查意见（成立与不成立的部分）"),
                Input("score", "score", required=False, label="更正后的评价得分（评价结果异议）"),
                Input("facts", "text", required=False, label="更正后的信息（档案记录异议）")),
    ),
    Transition(
        trigger="propose_dismiss", source=("under_review",), dest="dismiss_proposed", role="handler",
        label="拟认定异议不成立", notice=PROPOSAL, proposal=True, inputs=(Input("findings", "text", label="审查意见"),),
    ),
    Transition(
        trigger="approve", source=("uphold_proposed",), dest="upheld", role="approver", label="审核同意：异议成立",
        notice=UPHELD, decision=True, timers=(TimerEffect("stop", "handling"),),
        effects=("record_decision", "settle_entry"), parent=Link("objection_closed", _outcome_upheld),
        notifies=(WITHDRAW_ENTRY_CASE, CORRECT_ENTRY_CASE),
    ),
    Transition(
        trigger="approve", source=("partial_proposed",), dest="partially_upheld", role="approver",
        label="审核同意：异议部分成立", notice=PARTIAL, decision=True, timers=(TimerEffect("stop", "handling"),),
        effects=("record_decision", "settle_entry"), parent=Link("objection_closed", _outcome_partial),
        notifies=(CORRECT_ENTRY_CASE,),
    ),
    Transition(
        trigger="approve", source=("dismiss_proposed",), dest="dismissed", role="approver", label="审核同意：异议不成立",
        notice=DISMISSED, decision=True, timers=(TimerEffect("stop", "handling"),),
        effects=("record_decision", "keep_entry"), parent=Link("objection_closed", _outcome("dismissed")),
    ),
    Transition(
        trigger="return", source=("uphold_proposed", "dismiss_proposed", "partial_proposed"), dest="under_review", role="approver",
        label="退回重新审查", notice=RETURNED, decision=True, inputs=(Input("reason", "text", label="退回理由"),),
        effects=("clear_proposal",),
    ),
    Transition(
        trigger="withdraw", source=ACTIVE + ("suspended",), dest="withdrawn", role="handler", label="登记书面撤回",
        notice=WITHDRAWN, inputs=(Input("statement", "text", label="书面撤回申请摘要"),),
        timers=(TimerEffect("stop", "handling"),), parent=Link("objection_closed", _outcome("withdrawn")),
        effects=("keep_entry",),
    ),
    Transition(
        trigger="handling_overdue", source=ACTIVE, dest=None, role="system", label="处理期限届满，督办",
        notice=OVERDUE, effects=("flag_overdue",), order=50,
    ),
    correction(SERIES, STATES),
    common.reminder(RECORD_SERIES, STATES),
    *common.recomputed(SERIES, RECORD_SERIES, STATES),
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _clear_proposal(ctx) -> dict:
    returned = list(ctx.data.get("returned", [])) + [{**ctx.data.get("proposal", {}), "returned_by": ctx.actor.name,
                                                      "return_reason": ctx.inputs["reason"],
                                                      "returned_on": ctx.today.isoformat()}]
    return {"data": {"proposal": None, "returned": returned}}


def _record_decision(ctx) -> dict:
    proposal = ctx.data["proposal"]
    return {"data": {"decision": {**proposal["inputs"], "proposed_by": proposal["by"], "approved_by": ctx.actor.name,
                                  "on": ctx.today.isoformat()}}}


def _flag_overdue(ctx) -> dict:
    return {"overdue": True}


def _summary(case) -> dict:
    return {"grounds": case.data.get("grounds"), "received_on": case.data.get("received_on"),
            "posted_on": case.data.get("posted_on")}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="信用评价结果异议",
    states=STATES,
    initial="received",
    transitions=TRANSITIONS,
    timers=TIMERS,
    parent_kinds=("evaluation",),
    opens_on=("parent", "entry"),
    guards={**common.GUARDS, 
        "grounds_valid": _grounds_valid,
        "received_not_future": _received_not_future,
        "posted_not_after_receipt": _posted_not_after_receipt,
        "not_a_repeat_of_refused": _not_a_repeat_of_refused,
        "received_after_publication": _received_after_publication,
        "evaluation_open": _evaluation_open,
        "not_decided_before": _not_decided_before,
        "in_form": _in_form,
        "handling_running": _handling_running,
        "entry_grounds": _entry_grounds,
        "entry_live": _entry_live,
        "entry_not_pending": _entry_not_pending,
        "on_result": _on_result,
        "on_entry": _on_entry,
        "partial_complete": _partial_complete,
    },
    conditions={"filed_after_window": _filed_after_window, "targets_entry": _on_entry,
                "entry_withdrawn": _entry_withdrawn, "entry_corrected": _entry_corrected, **common.CONDITIONS},
    effects={
        "record_objection": _record_objection,
        "record_suspension": _record_suspension,
        "record_completion_request": _record_completion_request,
        "record_completion": _record_completion,
        "clear_proposal": _clear_proposal,
        "record_decision": _record_decision,
        "flag_overdue": _flag_overdue,
        "dispute_target": _dispute_target,
        "keep_entry": _keep_entry,
        "settle_entry": _settle_entry,
        **common.EFFECTS,
    },
    summary=_summary,
    notice_context={"measure": HENAN, "grounds": GROUNDS, "suspension_reasons": SUSPENSION_REASONS,
                    "grade_for": lambda s: grade_for(parse_score(s))},
)
from .objection_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
