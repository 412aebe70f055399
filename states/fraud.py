"""Fraud cases (欺诈骗保案件): from the clue to the review meeting's outcomes and their children (docs/rules.md §6).

Sources: 中华人民共和国行政处罚法 (2021): at least two officers (Art. 42), recusal decided by the head (Art. 43),
the advance notice and the statement and defence (Art. 44, 45, 62), 先行登记保存 decided within 7 days (Art. 56),
collective discussion and legal review before major decisions (Art. 57-58), a decision within 90 days of filing
(Art. 60), the hearing asked for within 5 days of the notice, notified 7 days ahead and chaired by someone who
did not investigate (Art. 63-65), its 2/3/5/7-day periods working days (Art. 85); 医疗保障基金使用监督管理条例
(State Council Order No. 735): penalties (Art. 37, 40, 41), reports (Art. 35); 行政执法机关移送涉嫌犯罪案件的规定
(State Council Order 310, revised by Order 730): a penalty never replaces a due transfer (Art. 11), the bureau
handles a case the police decline or send back (Art. 10, 13); NHSA Order No. 4 (医疗保障行政处罚程序暂行规定) for the
filing decision (15 working days, +15 once) and the case's extension (+30 days once, further by collective
discussion) — secondary source, marked [S] in the policy; NHSA Order No. 5 for the reply to a named reporter [S].

A clue (线索) is registered with its source (`open`: a handler; `open_on_rectification`: a rectification case
whose `fraud_case` sanction was approved, linked to it). A reporter's identity is a sealed input: kept out of the
case data, the log and every notice; an approver reads it with `creditflow case reporter CASE` (`sealed_read`,
itself logged). The clue is checked within `filing_decision` (15 working days, `extend_filing` +15 once) and
filed or not (`propose_file` / `propose_no_case` → `approve`, four eyes). Filing starts `case_deadline` (90 days;
`extend_case` +30 once, further only with the heads' collective discussion; `suspend` / `resume` for hearings,
announcements, testing and appraisal, whose days are not counted). Investigation: `assign_officers` (two or
more), `record_recusal`, `add_evidence` (先行登记保存 with its 7-working-day decision, `decide_preservation`).
Before a penalty: `notify_intended_penalty` (行政处罚事先告知书, clock `defence`: 5 working days to state a case
and to ask for a hearing), `record_statement`, `request_hearing`, `notify_hearing` (7 working days ahead, a chair
who did not investigate), `record_hearing`. The review meeting: `propose_outcomes` (one or more of penalty,
police_transfer, discipline_transfer, health_referral, other_referral, no_case) → `legal_review` where the
decision is major → `approve`, which opens each outcome's child case in the same transaction: `transfer` (to the
police), `referral` (discipline inspectors, the health commission, another regulator), `penalty_decision`.

Children report back (`Link`): `transfer_filed`, `transfer_returned` and `transfer_refused` from a transfer (after
a return or a refusal the bureau handles the case itself, Order 310 Art. 10, and may propose outcomes again),
`penalty_final` and `penalty_overturned` from a penalty decision (a final penalty confirms a named report: the
reporter, if a registered subject, gets good information, Henan measure Art. 10). `close` (approver) is refused
while a child is open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from calendars import compute
from calendars.periods import add_months

from . import common
from .common import correction
from .policy import HENAN, NHSA_ORDER_4, NHSA_ORDER_5, PENALTY_LAW
from .record import CATEGORIES, CATEGORY_SOURCES
from .spec import (NAME_LENGTH, NEW, SEALED_READ_TRIGGER, Guard, Input, Notice, Open, Procedure, State, TimerEffect,
                   TimerSpec, Transition)

KIND = "fraud"
TRANSFER_KIND = "transfer"
REFERRAL_KIND = "referral"
PENALTY_KIND = "penalty_decision"
RECTIFICATION_KIND = "rectification"
SERIES = "罚告"  # to the subject: 郑医保罚告〔2026〕1号
RECORD_SERIES = "案"  # the case file's records
OVERDUE_SERIES = "督"  # supervision (督办), as the other procedures'
ORDER_735 = "医疗保障基金使用监督管理条例"  # State Council Order No. 735
ORDER_310 = "行政执法机关移送涉嫌犯罪案件的规定"  # State Council Order No. 310, revised by Order No. 730 (2020)
SOCIAL_INSURANCE_LAW = "中华人民共和国社会保险法"

SOURCES = {
    "monitoring": "智能监控", "report": "举报", "inspection_routine": "日常监督检查", "inspection_special": "专项检查",
    "inspection_flying": "飞行检查", "inspection_random": "“双随机、一公开”抽查", "referral": "有关部门移送",
    "rectification_failed": "约谈整改不到位转办",
}
OUTCOMES = {
    "penalty": "行政处罚", "police_transfer": "移送公安机关", "discipline_transfer": "移送纪检监察机关",
    "health_referral": "移送卫生健康主管部门", "other_referral": "移送其他有关部门",
    "no_case": "不予行政处罚",
}
# The referral outcomes and what the referral child is told: its target and the input naming the receiving body.
REFERRALS = {"discipline_transfer": ("discipline", "discipline_body"), "health_referral": ("health", "health_body"),
             "other_referral": ("other", "other_body")}
SUSPENSION_REASONS = {"hearing": "听证", "announcement": "公告", "testing": "检测、检验", "appraisal": "鉴定"}
RECUSAL_DECISIONS = {"recused": "决定回避", "not_recused": "决定不予回避"}
RECUSAL_APPLICANTS = {"party": "当事人申请", "officer": "执法人员自行申请", "head": "负责人决定"}
# How a transfer came back (the `route` of `transfer_returned`, given by the transfer child).
RETURN_ROUTES = {
    "declined": "公安机关决定不予立案（含复议后维持），本局依法处理",
    "procuratorate_declined": "人民检察院立案监督后公安机关仍不予立案，本局依法处理",
    "sent_back": "公安机关认为不需要追究刑事责任、依法应当追究行政责任，移送本局处理",
}
YES_NO = (("yes", "是"), ("no", "否"))
TRUE_FALSE = (("true", "是"), ("false", "否"))
DESIGNATED = ("hospital", "pharmacy")  # 定点医药机构 (Order 735 Art. 40)
PERSONS_INSURED = ("insured",)  # 参保人员 (Art. 41(1): suspension of 联网结算)
GOOD_CATEGORY = "report_confirmed"  # the reporter's good information (Henan Art. 10)
OPEN = ("clue", "filing_proposed", "investigating", "defence", "hearing", "outcomes_proposed", "decided")
INVESTIGATION = ("investigating", "defence", "hearing", "outcomes_proposed")

STATES = (
    State("clue", "线索核查中（待决定是否立案）"),
    State("filing_proposed", "拟立案或者不予立案（待审批）"),
    State("investigating", "已立案调查"),
    State("defence", "已告知拟作出的行政处罚（陈述申辩、听证申请期间）"),
    State("hearing", "听证程序中"),
    State("outcomes_proposed", "已提出案件处理意见（待审批）"),
    State("decided", "已作出处理决定（移送、处罚办理中）"),
    State("closed", "已结案", final=True),
    State("no_case", "不予立案或者不予行政处罚，已结案", final=True),
)

TIMERS = (
    TimerSpec(
        name="filing_decision", unit="working_days", amount="fraud_filing_decision", side="agency",
        on_expiry="filing_overdue", label="立案核查期限（线索登记之日起15个工作日，可延长15个工作日）",
        remind_before="fraud_remind_before",
    ),
    # A day period whose amount the case records (`case_days`): 90 days, plus the extensions and the days a
    # hearing, announcement, testing or appraisal took (not counted: the clock stops and restarts longer).
    TimerSpec(
        name="case_deadline", unit="days", amount="data:case_days", side="agency", on_expiry="case_overdue",
        label="办案期限（立案之日起90日；延长、听证检测鉴定等期间依案件记载）",
    ),
    TimerSpec(
        name="defence", unit="working_days", amount="fraud_defence_period", side="subject",
        on_expiry="defence_expired", label="陈述申辩和要求听证期限（事先告知书作出之日起5个工作日）",
    ),
)


# -- helpers -------------------------------------------------------------------------------------------

_day, _zh = common.day_of, common.day_zh  # a day from data or input, and as a refusal names it


def _yuan(amount) -> str:
    return f"{int(amount):,}元"


def _subject_type(ctx) -> str:
    return ctx.subject.type if ctx.subject is not None else "other_person"


def _is_person(ctx) -> bool:
    return ctx.subject.is_person if ctx.subject is not None else True


def _outcomes(ctx) -> list[str]:
    return list(ctx.inputs.get("outcomes") or [])


def _multiple(raw) -> Decimal | None:
    """A fine multiple as typed (2, 2.5, 3.25): at most two decimals; None if it is not a number."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return value


def _case_last_day(ctx, filed_on: date, days: int) -> date:
    return compute(ctx.calendar, filed_on, "days", days).last_day


def penalty_basis(subject_type: str) -> str:
    """The article that fixes a fraud penalty for this kind of subject (Order 735; the Social Insurance Law for
    an employer or another institution, which Order 735 does not name)."""
    if subject_type in DESIGNATED:
        return f"《{ORDER_735}》第四十条"
    if subject_type == "agency":
        return f"《{ORDER_735}》第三十七条"
    if subject_type in ("insured", "practitioner", "other_person"):
        return f"《{ORDER_735}》第四十一条"
    return f"《{SOCIAL_INSURANCE_LAW}》第八十八条"


def is_major(policy, penalty: dict, is_person: bool) -> bool:
    """A major decision (legal review, APL Art. 58; collective discussion, Art. 57(2)): a fine at or above the
    policy's threshold for the subject's class, a suspension, or the termination of the service agreement."""
    threshold = policy["fraud_major_fine_person" if is_person else "fraud_major_fine_institution"]
    return bool(penalty) and (int(penalty.get("fine") or 0) >= threshold or bool(penalty.get("suspend_months"))
                              or penalty.get("terminate_agreement") == "yes")


def _proposed(ctx) -> dict:
    return ctx.data.get("outcomes_proposal") or {}


# -- guards --------------------------------------------------------------------------------------------

def _rectification_referral(ctx) -> bool:
    """A clue from a failed rectification names the rectification case that decided the `fraud_case` sanction: a
    case of this subject, sanctioned so, not yet behind another fraud case. Other sources name none."""
    given = ctx.inputs.get("rectification_case")
    if ctx.inputs["source"] != "rectification_failed":
        ctx.details["why"] = "只有来源为约谈整改不到位转办（rectification_failed）的线索填写约谈整改案件编号"
        return given is None
    if given is None:
        ctx.details["why"] = "来源为约谈整改不到位转办的，请填写作出移送决定的约谈整改案件编号（rectification_case）"
        return False
    rect = next((c for c in ctx.subject_cases(RECTIFICATION_KIND) if c.id == given), None)
    if rect is None or (rect.data.get("decision") or {}).get("code") != "fraud_case":
        ctx.details["why"] = f"案件{given}不是该主体作出“移送欺诈骗保案件办理”处理决定的约谈整改案件；请核对案件编号"
        return False
    earlier = next((c for c in ctx.siblings if (c.data.get("rectification") or {}).get("id") == given), None)
    if earlier is not None:
        ctx.details["why"] = f"约谈整改案件{given}移送的线索已登记为欺诈骗保案件{earlier.id}，不能重复登记"
        return False
    return True


def _filing_not_extended(ctx) -> bool:
    ext = ctx.data.get("filing_extension")
    if ext:
        ctx.details["on"] = _zh(ext.get("on"))
        return False
    return True


def _officers_two(ctx) -> bool:
    officers = list(dict.fromkeys(ctx.inputs["officers"]))
    ctx.details["count"] = len(officers)
    return len(officers) >= 2


def _officer_assigned(ctx) -> bool:
    officers = ctx.data.get("officers") or []
    ctx.details.update(officer=ctx.inputs["officer"], officers="、".join(officers) or "无")
    return ctx.inputs["officer"] in officers


def _has_two_officers(ctx) -> bool:
    officers = ctx.data.get("officers") or []
    ctx.details.update(officers="、".join(officers) or "无", count=len(officers))
    return len(officers) >= 2


def _evidence_dated(ctx) -> bool:
    return ctx.inputs["collected_on"] <= ctx.today


def _preservation_approved(ctx) -> bool:
    return bool(ctx.inputs.get("approved_by")) == (ctx.inputs.get("preserve") == "yes")


def _preservation_pending(ctx) -> bool:
    n = ctx.inputs["item"]
    evidence = ctx.data.get("evidence") or []
    ctx.details.update(item=n, count=len(evidence))
    if not 1 <= n <= len(evidence):
        return False
    e = evidence[n - 1]
    return bool(e.get("preserved")) and not e.get("preservation_decision")


def _preservations_decided(ctx) -> bool:
    pending = [str(i) for i, e in enumerate(ctx.data.get("evidence") or [], 1)
               if e.get("preserved") and not e.get("preservation_decision")]
    ctx.details["items"] = "、".join(pending)
    return not pending


def _not_suspended(ctx) -> bool:
    s = ctx.data.get("suspended")
    if s:
        ctx.details.update(since=_zh(s.get("since")), reason=s.get("reason_label", ""))
        return False
    return True


def _suspended(ctx) -> bool:
    return bool(ctx.data.get("suspended"))


def _case_clock_running(ctx) -> bool:
    timer = ctx.case.timers.get("case_deadline") if ctx.case else None
    ctx.details["last_day"] = _zh(timer.last_day) if timer else "?"
    return timer is not None and timer.status == "running" and timer.last_day >= ctx.today


def _extension_allowed(ctx) -> bool:
    """The first extension: the head's approval (+30 days); any further one: the heads' collective discussion,
    recorded, with its days (at most the policy's number)."""
    first = not ctx.data.get("extensions")
    days, discussion = ctx.inputs.get("days"), (ctx.inputs.get("discussion") or "").strip()
    ctx.details.update(first=ctx.policy["fraud_case_extension"], most=ctx.policy["fraud_case_further_max"])
    if first:
        return days is None or days == ctx.policy["fraud_case_extension"]
    return bool(discussion) and days is not None and 1 <= days <= ctx.policy["fraud_case_further_max"]


def _statement_dated(ctx) -> bool:
    intended = ctx.data.get("intended") or {}
    notified = _day(intended.get("notified_on"))
    ctx.details.update(notified_on=_zh(notified))
    received = ctx.inputs["received"]
    return notified is not None and notified <= received <= ctx.today


def _hearing_request_in_time(ctx) -> bool:
    intended = ctx.data.get("intended") or {}
    notified, until = _day(intended.get("notified_on")), _day(intended.get("defence_until"))
    ctx.details.update(notified_on=_zh(notified), until=_zh(until))
    received = ctx.inputs["received"]
    return notified is not None and until is not None and notified <= received <= min(until, ctx.today)


def _hearing_lead(ctx) -> bool:
    n = ctx.policy["fraud_hearing_notice"]
    earliest = ctx.calendar.nth_working_day_after(ctx.today, n)
    ctx.details.update(n=n, earliest=_zh(earliest))
    return ctx.inputs["hearing_on"] >= earliest


def _chair_not_investigator(ctx) -> bool:
    officers = ctx.data.get("officers") or []
    ctx.details.update(chair=ctx.inputs["chair"], officers="、".join(officers) or "无")
    return ctx.inputs["chair"] not in officers


def _hearing_day_reached(ctx) -> bool:
    h = ctx.data.get("hearing") or {}
    day = _day(h.get("hearing_on"))
    ctx.details["hearing_on"] = _zh(day) if day else "（尚未通知听证）"
    return day is not None and ctx.today >= day and not h.get("record")


def _outcomes_valid(ctx) -> bool:
    chosen = _outcomes(ctx)
    unknown = [o for o in chosen if o not in OUTCOMES]
    ctx.details.update(unknown="、".join(unknown) or "无",
                       allowed="；".join(f"{c}（{label}）" for c, label in OUTCOMES.items()))
    if unknown or not chosen or len(set(chosen)) != len(chosen):
        return False
    return not ("no_case" in chosen and len(chosen) > 1)


def _heard_before_penalty(ctx) -> bool:
    """APL Art. 44, 62, 65: no penalty before the advance notice, the statement-and-defence period (or the hearing
    the party asked for, held and recorded)."""
    if "penalty" not in _outcomes(ctx):
        return True
    intended = ctx.data.get("intended")
    hearing = ctx.data.get("hearing") or {}
    if not intended:
        ctx.details["why"] = "尚未告知拟作出的行政处罚（notify_intended_penalty）"
        return False
    if hearing.get("requested_on") and not hearing.get("record"):
        ctx.details["why"] = f"当事人已于{_zh(hearing['requested_on'])}要求听证，听证尚未举行并登记听证笔录"
        return False
    if not hearing.get("requested_on") and not intended.get("lapsed_on"):
        ctx.details["why"] = f"陈述申辩和要求听证期限（至{_zh(intended.get('defence_until'))}）尚未届满"
        return False
    return True


def _penalty_terms(ctx) -> bool:
    """Order 735 Art. 37, 40, 41: the amount defrauded (returned), a fine of 2 to 5 times it; a suspension within
    the article's months (designated institutions: 6-12, the responsible department's services; insured persons:
    3-12, 联网结算); the termination of the agreement for a designated institution only."""
    if "penalty" not in _outcomes(ctx):
        return True
    amount, raw = ctx.inputs.get("amount"), ctx.inputs.get("fine_multiple")
    low, high = ctx.policy["fraud_fine_min_multiple"], ctx.policy["fraud_fine_max_multiple"]
    ctx.details.update(low=low, high=high, multiple=raw if raw is not None else "未填写",
                       amount=amount if amount is not None else "未填写")
    multiple = _multiple(raw) if raw is not None else None
    return (isinstance(amount, int) and amount >= 1 and multiple is not None
            and Decimal(low) <= multiple <= Decimal(high) and bool(ctx.inputs.get("category"))
            and bool(ctx.inputs.get("address")))


def _suspension_terms(ctx) -> bool:
    if "penalty" not in _outcomes(ctx):
        return True
    months, terminate = ctx.inputs.get("suspend_months"), ctx.inputs.get("terminate_agreement") == "yes"
    kind = _subject_type(ctx)
    if kind in DESIGNATED:
        low, high = ctx.policy["fraud_suspend_min_months"], ctx.policy["fraud_suspend_max_months"]
        what = "暂停相关责任部门涉及医疗保障基金使用的医药服务（第四十条）"
    elif kind in PERSONS_INSURED:
        low, high = ctx.policy["fraud_settlement_min_months"], ctx.policy["fraud_settlement_max_months"]
        what = "暂停医疗费用联网结算（第四十一条第一款）"
    else:
        low = high = None
        what = ""
    ctx.details.update(months=months if months is not None else "未填写", low=low or "-", high=high or "-",
                       what=what or "暂停（该类主体不适用）")
    if terminate and kind not in DESIGNATED:
        return False
    if months is None:
        return True
    return low is not None and low <= months <= high


def _police_transfer_inputs(ctx) -> bool:
    chosen = _outcomes(ctx)
    crime = ctx.inputs.get("suspected_crime") == "true"
    if "police_transfer" in chosen:
        ctx.details["why"] = "移送公安机关应当记载涉嫌犯罪（suspected_crime=true）、同级公安机关名称（police_organ）、" \
                             "涉嫌罪名及事实（crime_facts）和涉案金额（amount）"
        return crime and bool(ctx.inputs.get("police_organ")) and bool(ctx.inputs.get("crime_facts")) and \
            isinstance(ctx.inputs.get("amount"), int) and ctx.inputs["amount"] >= 1
    ctx.details["why"] = "未选择移送公安机关（police_transfer）时不填写公安机关名称和涉嫌罪名"
    return not ctx.inputs.get("police_organ") and not ctx.inputs.get("crime_facts")


def _referral_inputs(ctx) -> bool:
    chosen = _outcomes(ctx)
    missing = [name for outcome, (_, name) in REFERRALS.items() if outcome in chosen and not ctx.inputs.get(name)]
    extra = [name for outcome, (_, name) in REFERRALS.items() if outcome not in chosen and ctx.inputs.get(name)]
    needs_matters = any(o in chosen for o in REFERRALS)
    if needs_matters and not ctx.inputs.get("matters"):
        missing.append("matters")
    ctx.details.update(missing="、".join(missing) or "无", extra="、".join(extra) or "无")
    return not missing and not extra


def _no_transfer_open(ctx) -> bool:
    if "police_transfer" not in _outcomes(ctx):
        return True
    open_ = [c for c in ctx.children if c.kind == TRANSFER_KIND and _child_open(c)]
    ctx.details["case"] = "、".join(str(c.id) for c in open_)
    return not open_


def _may_decide_again(ctx) -> bool:
    """From `decided`, outcomes are proposed again only after a transfer came back (Order 310 Art. 10, 13) or was
    refused (Art. 5)."""
    if ctx.case is None or ctx.case.state != "decided":
        return True
    return bool(ctx.data.get("reopened"))


def _transfer_not_replaced(ctx) -> bool:
    """Order 310 Art. 11: a case suspected of a crime is transferred; a penalty never replaces the transfer. It may
    be decided without one only when the transfer was refused or came back (Art. 5, 10, 13)."""
    p = _proposed(ctx)
    if p.get("suspected_crime") != "true" or "police_transfer" in p.get("outcomes", []):
        return True
    back = ctx.data.get("reopened") or {}
    ctx.details["back"] = back.get("label", "")
    return bool(back)


def _legal_review_done(ctx) -> bool:
    p = _proposed(ctx)
    if not p.get("major"):
        return True
    review = p.get("legal_review")
    ctx.details.update(fine=_yuan(p["penalty"].get("fine") or 0))
    return bool(review) and review.get("result") == "passed"


def _discussion_recorded(ctx) -> bool:
    p = _proposed(ctx)
    return not p.get("major") or bool((p.get("discussion") or "").strip())


def _reviewer_independent(ctx) -> bool:
    proposer = (ctx.data.get("proposal") or {}).get("by")
    officers = ctx.data.get("officers") or []
    ctx.details.update(who=ctx.actor.name)
    return ctx.actor.name != proposer and ctx.actor.name not in officers


def _review_pending(ctx) -> bool:
    return not (_proposed(ctx).get("legal_review") or {}).get("result") == "passed"


def _child_open(case) -> bool:
    return not case.final


def _no_open_children(ctx) -> bool:
    open_ = [c for c in ctx.children if _child_open(c)]
    ctx.details["open"] = "、".join(f"{c.id}（{_KIND_LABELS.get(c.kind, c.kind)}）" for c in open_)
    return not open_


def _handled_after_return(ctx) -> bool:
    """Order 310 Art. 10: a case the police declined or sent back is handled by the bureau: a new decision (a
    penalty, or no penalty) before the case is closed."""
    back = ctx.data.get("reopened")
    ctx.details["back"] = (back or {}).get("label", "")
    return not back


_KIND_LABELS = {TRANSFER_KIND: "移送公安机关", REFERRAL_KIND: "移送有关部门", PENALTY_KIND: "行政处罚决定"}


# -- conditions ----------------------------------------------------------------------------------------

def _filing_chosen(ctx) -> bool:
    return (ctx.data.get("proposal") or {}).get("trigger") == "propose_file"


def _no_filing_chosen(ctx) -> bool:
    return (ctx.data.get("proposal") or {}).get("trigger") == "propose_no_case"


def _no_case_outcome(ctx) -> bool:
    return _proposed(ctx).get("outcomes") == ["no_case"]


def _preserving(ctx) -> bool:
    return ctx.inputs.get("preserve") == "yes"


def _after(ctx):
    return ctx.after if ctx.after is not None else ctx.case


def _decided(ctx, outcome: str) -> bool:
    case = _after(ctx)
    return case is not None and outcome in ((case.data.get("decision") or {}).get("outcomes") or [])


# -- effects -------------------------------------------------------------------------------------------

def _record_opening(ctx) -> dict:
    source = ctx.inputs["source"]
    reporter = ctx.inputs.get("reporter")
    data = {
        "source": source, "source_label": SOURCES[source], "facts": ctx.inputs["facts"].strip(),
        "opened_on": ctx.today.isoformat(), "opened_by": ctx.actor.name,
        "filing_working_days": ctx.policy["fraud_filing_decision"],
        # the sealed reporter: only the reference and digest the engine gives (never the name)
        "reported": reporter is not None, "reporter": reporter, "reporter_id": ctx.inputs.get("reporter_id"),
        "rectification": None, "officers": [], "recusals": [], "evidence": [], "extensions": [],
        "suspensions": [], "suspended": None, "intended": None, "statements": [], "hearing": None,
        "legal_reviews": [], "decisions": [], "transfers": [], "reopened": None, "penalties": [],
        "filing": None, "filing_extension": None, "filed_on": None, "case_days": None, "case_days_base": None,
        "case_until": None, "reporter_reply_until": None, "outcomes_proposal": None, "decision": None,
        "decided_on": None, "closed_on": None, "closing": None, "reporter_confirmed_on": None,
        "reporter_rewarded_on": None,
    }
    if ctx.inputs.get("rectification_case"):
        data["rectification"] = {"id": ctx.inputs["rectification_case"],
                                 "sanctioned_on": (ctx.inputs.get("sanctioned_on") or ctx.today).isoformat()}
    return {"data": data}


def _record_filing_extension(ctx) -> dict:
    return {"data": {"filing_extension": {"reason": ctx.inputs["reason"], "on": ctx.today.isoformat(),
                                          "by": ctx.actor.name,
                                          "working_days": ctx.policy["fraud_filing_extension"]}}}


def _record_filing(ctx) -> dict:
    proposal = ctx.data["proposal"]
    days = ctx.policy["fraud_case_days"]
    reply = ctx.calendar.nth_working_day_after(ctx.today, ctx.policy["fraud_reporter_reply"]) \
        if ctx.data.get("reported") else None
    return {"data": {
        "filing": {"findings": proposal["inputs"]["findings"], "proposed_by": proposal["by"],
                   "approved_by": ctx.actor.name, "on": ctx.today.isoformat(), "filed": True},
        "filed_on": ctx.today.isoformat(), "case_days": days, "case_days_base": days,
        "case_until": _case_last_day(ctx, ctx.today, days).isoformat(),
        "reporter_reply_until": reply.isoformat() if reply else None, "proposal": None}}


def _record_not_filed(ctx) -> dict:
    proposal = ctx.data["proposal"]
    reply = ctx.calendar.nth_working_day_after(ctx.today, ctx.policy["fraud_reporter_reply"]) \
        if ctx.data.get("reported") else None
    return {"data": {
        "filing": {"findings": proposal["inputs"]["findings"], "proposed_by": proposal["by"],
                   "approved_by": ctx.actor.name, "on": ctx.today.isoformat(), "filed": False},
        "reporter_reply_until": reply.isoformat() if reply else None, "closed_on": ctx.today.isoformat(),
        "proposal": None}}


def _clear_proposal(ctx) -> dict:
    returned = list(ctx.data.get("returned") or []) + [{
        **(ctx.data.get("proposal") or {}), "returned_by": ctx.actor.name, "return_reason": ctx.inputs["reason"],
        "returned_on": ctx.today.isoformat()}]
    return {"data": {"proposal": None, "outcomes_proposal": None, "returned": returned}}


def _flag_overdue(ctx) -> dict:
    return {"overdue": True}


def _restart_case_clock(ctx, days: int) -> dict:
    filed = _day(ctx.data["filed_on"])
    until = _case_last_day(ctx, filed, days)
    return {"case_days": days, "case_until": until.isoformat()}


def _record_case_extension(ctx) -> dict:
    first = not ctx.data.get("extensions")
    days = ctx.policy["fraud_case_extension"] if first else ctx.inputs["days"]
    total = int(ctx.data["case_days"]) + days
    extensions = list(ctx.data.get("extensions") or []) + [{
        "days": days, "reason": ctx.inputs["reason"], "on": ctx.today.isoformat(), "by": ctx.actor.name,
        "discussion": (ctx.inputs.get("discussion") or "").strip() or None,
        "until_before": ctx.data.get("case_until"), "basis": "head" if first else "collective"}]
    data = {"extensions": extensions, **_restart_case_clock(ctx, total)}
    extensions[-1]["until"] = data["case_until"]
    return {"data": data, "overdue": False}


def _record_suspension(ctx) -> dict:
    reason = ctx.inputs["reason"]
    return {"data": {"suspended": {"since": ctx.today.isoformat(), "reason": reason,
                                   "reason_label": SUSPENSION_REASONS[reason],
                                   "note": (ctx.inputs.get("note") or "").strip() or None, "by": ctx.actor.name,
                                   "until_before": ctx.data.get("case_until")}}}


def _record_resumption(ctx) -> dict:
    s = dict(ctx.data["suspended"])
    days = (ctx.today - _day(s["since"])).days  # the days in [since, today) are not counted
    total = int(ctx.data["case_days"]) + days
    data = _restart_case_clock(ctx, total)
    s.update({"resumed_on": ctx.today.isoformat(), "days": days, "until": data["case_until"]})
    return {"data": {"suspended": None, "suspensions": list(ctx.data.get("suspensions") or []) + [s], **data}}


def _record_officers(ctx) -> dict:
    officers = list(dict.fromkeys(ctx.inputs["officers"]))
    history = list(ctx.data.get("officer_history") or []) + [{"officers": officers, "on": ctx.today.isoformat(),
                                                              "by": ctx.actor.name}]
    return {"data": {"officers": officers, "officer_history": history}}


def _record_recusal(ctx) -> dict:
    officer, decision = ctx.inputs["officer"], ctx.inputs["decision"]
    officers = [o for o in ctx.data.get("officers") or [] if not (decision == "recused" and o == officer)]
    recusals = list(ctx.data.get("recusals") or []) + [{
        "officer": officer, "decision": decision, "applicant": ctx.inputs["applicant"], "reason": ctx.inputs["reason"],
        "on": ctx.today.isoformat(), "by": ctx.actor.name}]
    return {"data": {"officers": officers, "recusals": recusals}}


def _record_evidence(ctx) -> dict:
    preserved = ctx.inputs.get("preserve") == "yes"
    n = ctx.policy["fraud_preservation_decision"]
    item = {"what": ctx.inputs["what"], "collected_by": ctx.inputs["collected_by"],
            "collected_on": ctx.inputs["collected_on"].isoformat(), "recorded_on": ctx.today.isoformat(),
            "recorded_by": ctx.actor.name, "preserved": preserved, "approved_by": ctx.inputs.get("approved_by"),
            "decide_by": ctx.calendar.nth_working_day_after(ctx.today, n).isoformat() if preserved else None,
            "preservation_decision": None}
    return {"data": {"evidence": list(ctx.data.get("evidence") or []) + [item]}}


def _record_preservation_decision(ctx) -> dict:
    evidence = [dict(e) for e in ctx.data.get("evidence") or []]
    e = evidence[ctx.inputs["item"] - 1]
    e["preservation_decision"] = {"decision": ctx.inputs["decision"], "on": ctx.today.isoformat(),
                                  "by": ctx.actor.name, "in_time": ctx.today <= _day(e["decide_by"])}
    return {"data": {"evidence": evidence}}


def _record_intended(ctx) -> dict:
    n = ctx.policy["fraud_defence_period"]
    until = ctx.calendar.nth_working_day_after(ctx.today, n)
    earlier = ctx.data.get("intended")
    history = list(ctx.data.get("intended_history") or []) + ([earlier] if earlier else [])
    return {"data": {"intended": {
        "penalty": ctx.inputs["penalty"].strip(), "facts": ctx.inputs["facts"].strip(),
        "notified_on": ctx.today.isoformat(), "notified_by": ctx.actor.name, "working_days": n,
        "defence_until": until.isoformat(), "lapsed_on": None}, "intended_history": history, "hearing": None,
        "statements": []}}


def _record_statement(ctx) -> dict:
    statements = list(ctx.data.get("statements") or []) + [{
        "statement": ctx.inputs["statement"], "received": ctx.inputs["received"].isoformat(),
        "recorded_on": ctx.today.isoformat(), "recorded_by": ctx.actor.name}]
    return {"data": {"statements": statements}}


def _record_defence_lapse(ctx) -> dict:
    intended = dict(ctx.data.get("intended") or {})
    timer = ctx.case.timers.get("defence")
    intended["lapsed_on"] = (timer.last_day if timer else _day(intended.get("defence_until"))).isoformat()
    return {"data": {"intended": intended}}


def _record_hearing_request(ctx) -> dict:
    return {"data": {"hearing": {"requested_on": ctx.inputs["received"].isoformat(),
                                 "recorded_on": ctx.today.isoformat(), "recorded_by": ctx.actor.name,
                                 "hearing_on": None, "record": None}}}


def _record_hearing_notice(ctx) -> dict:
    hearing = dict(ctx.data.get("hearing") or {})
    hearing.update({"hearing_on": ctx.inputs["hearing_on"].isoformat(), "place": ctx.inputs["place"],
                    "chair": ctx.inputs["chair"], "notified_on": ctx.today.isoformat(),
                    "lead_working_days": ctx.policy["fraud_hearing_notice"],
                    "public": ctx.inputs.get("public") != "no"})
    return {"data": {"hearing": hearing}}


def _record_hearing(ctx) -> dict:
    hearing = dict(ctx.data.get("hearing") or {})
    hearing.update({"record": ctx.inputs["record"], "held_on": hearing.get("hearing_on"),
                    "recorded_on": ctx.today.isoformat(), "recorded_by": ctx.actor.name})
    return {"data": {"hearing": hearing}}


def _penalty_from_inputs(ctx) -> dict | None:
    if "penalty" not in _outcomes(ctx):
        return None
    amount = ctx.inputs["amount"]
    multiple = _multiple(ctx.inputs["fine_multiple"])
    fine = int((Decimal(amount) * multiple).to_integral_value())
    return {"amount": amount, "fine_multiple": str(multiple.normalize()), "fine": fine,
            "suspend_months": ctx.inputs.get("suspend_months"),
            "terminate_agreement": ctx.inputs.get("terminate_agreement") or "no",
            "category": ctx.inputs["category"], "category_label": CATEGORIES[ctx.inputs["category"]],
            "address": ctx.inputs["address"], "basis": penalty_basis(_subject_type(ctx))}


def _record_outcomes_proposal(ctx) -> dict:
    chosen = _outcomes(ctx)
    penalty = _penalty_from_inputs(ctx)
    referrals = [{"outcome": o, "target": target, "body": ctx.inputs[name], "matters": ctx.inputs["matters"]}
                 for o, (target, name) in REFERRALS.items() if o in chosen]
    transfer = None
    if "police_transfer" in chosen:
        transfer = {"police_organ": ctx.inputs["police_organ"], "suspected_crime": ctx.inputs["crime_facts"],
                    "amount": ctx.inputs["amount"]}
    return {"data": {"outcomes_proposal": {
        "outcomes": chosen, "labels": [OUTCOMES[o] for o in chosen], "suspected_crime": ctx.inputs["suspected_crime"],
        "findings": ctx.inputs["findings"], "discussion": (ctx.inputs.get("discussion") or "").strip() or None,
        "penalty": penalty, "transfer": transfer, "referrals": referrals,
        "major": is_major(ctx.policy, penalty or {}, _is_person(ctx)), "legal_review": None,
        "from_state": ctx.case.state, "by": ctx.actor.name, "on": ctx.today.isoformat()}}}


def _record_legal_review(ctx) -> dict:
    p = dict(_proposed(ctx))
    review = {"opinion": ctx.inputs["opinion"], "result": ctx.inputs["result"], "by": ctx.actor.name,
              "on": ctx.today.isoformat()}
    p["legal_review"] = review
    return {"data": {"outcomes_proposal": p,
                     "legal_reviews": list(ctx.data.get("legal_reviews") or []) + [review]}}


def _record_decision(ctx) -> dict:
    p = _proposed(ctx)
    proposal = ctx.data.get("proposal") or {}
    decision = {**p, "proposed_by": proposal.get("by"), "approved_by": ctx.actor.name, "on": ctx.today.isoformat(),
                "after_return": (ctx.data.get("reopened") or {}).get("label")}
    return {"data": {"decision": decision, "decisions": list(ctx.data.get("decisions") or []) + [decision],
                     "outcomes_proposal": None, "proposal": None, "reopened": None,
                     "decided_on": ctx.today.isoformat()}}


def _record_no_penalty(ctx) -> dict:
    out = _record_decision(ctx)
    out["data"]["closed_on"] = ctx.today.isoformat()
    return out


def _record_transfer_filed(ctx) -> dict:
    i = ctx.inputs
    entry = {"event": "filed", "child": (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
             "organ": i.get("organ"), "filed_on": i["filed_on"].isoformat() if i.get("filed_on") else None,
             "notice": i.get("notice")}
    return {"data": {"transfers": list(ctx.data.get("transfers") or []) + [entry]}}


def _record_transfer_back(event: str):
    def effect(ctx) -> dict:
        route = ctx.inputs.get("route")
        label = RETURN_ROUTES[route] if route else "本局负责人不批准移送，理由已记录在案"
        entry = {"event": event, "child": (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
                 "reason": ctx.inputs["reason"], "route": route, "label": label}
        return {"data": {"transfers": list(ctx.data.get("transfers") or []) + [entry], "reopened": entry}}

    return effect


def _record_penalty_final(ctx) -> dict:
    """A penalty became final (not challenged in time, or upheld): the report is confirmed (查实). A named reporter
    registered as a subject gets good information (Henan Art. 10: 举报他人涉嫌欺诈骗保行为，经医疗保障部门查实的)."""
    entry = {"event": "penalty_final", "child": (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
             "how": ctx.inputs.get("how")}
    out = {"data": {"penalties": list(ctx.data.get("penalties") or []) + [entry]}}
    if not ctx.data.get("reported") or ctx.data.get("reporter_rewarded_on"):
        return out
    identifier = ctx.sealed("reporter_id") if ctx.data.get("reporter_id") else None
    reporter = ctx.find_subject(identifier) if identifier else None  # the subject's id, None if not registered
    if reporter is None:
        out["data"]["reporter_confirmed_on"] = ctx.today.isoformat()
        return out
    months = ctx.policy["good_disclosure_months"]
    out["data"].update({"reporter_confirmed_on": ctx.today.isoformat(), "reporter_rewarded_on": ctx.today.isoformat()})
    out["archive"] = [{
        "subject_id": reporter, "kind": "good", "category": GOOD_CATEGORY,
        # nothing of the reported subject or the case: the reporter's archive may be disclosed (Order 735 Art. 35)
        "facts": "举报涉嫌欺诈骗取医疗保障基金的行为，经医疗保障部门查实",
        "determined_on": ctx.today.isoformat(), "disclosed_until": add_months(ctx.today, months).isoformat(),
        "rule": f"{HENAN} Art. 10, 30(2); {ORDER_735} Art. 35",
    }]
    return out


def _record_penalty_overturned(ctx) -> dict:
    entry = {"event": "penalty_overturned", "child": (ctx.cause or {}).get("case"), "on": ctx.today.isoformat(),
             "ruling": ctx.inputs.get("ruling")}
    return {"data": {"penalties": list(ctx.data.get("penalties") or []) + [entry]}}


def _record_close(ctx) -> dict:
    return {"data": {"closed_on": ctx.today.isoformat(), "closing": {
        "summary": ctx.inputs["summary"], "by": ctx.actor.name, "on": ctx.today.isoformat()}}}


def _record_reading(ctx) -> dict:
    readings = list(ctx.data.get("reporter_readings") or []) + [{"by": ctx.actor.name, "on": ctx.today.isoformat()}]
    return {"data": {"reporter_readings": readings}}


def _sync_deadline(ctx) -> dict:
    """New official calendar data moved a provisional deadline: the case states the new day."""
    timer, new = ctx.inputs.get("timer"), ctx.inputs.get("new_last_day")
    if timer == "defence" and ctx.data.get("intended"):
        return {"data": {"intended": {**ctx.data["intended"], "defence_until": new.isoformat()}}}
    if timer == "case_deadline" and ctx.data.get("case_until"):
        return {"data": {"case_until": new.isoformat()}}
    return {}


# -- the children's inputs (read from the case as the approval leaves it) ---------------------------------

def _transfer_inputs(ctx) -> dict:
    return dict(ctx.after.data["decision"]["transfer"])


def _referral_inputs_for(outcome: str):
    def inputs(ctx) -> dict:
        r = next(r for r in ctx.after.data["decision"]["referrals"] if r["outcome"] == outcome)
        return {"target": r["target"], "body": r["body"], "matters": r["matters"]}

    return inputs


def _penalty_inputs(ctx) -> dict:
    d = ctx.after.data["decision"]
    p = d["penalty"]
    return {"amount": p["amount"], "fine_multiple": p["fine_multiple"], "fine": p["fine"],
            "suspend_months": p.get("suspend_months"), "terminate_agreement": p["terminate_agreement"],
            "category": p["category"], "facts": d["findings"], "basis": p["basis"], "address": p["address"],
            "hearing_held": "yes" if (ctx.after.data.get("hearing") or {}).get("record") else "no"}


def _when(outcome: str):
    return lambda ctx: _decided(ctx, outcome)


OPENS = (
    Open(TRANSFER_KIND, "open", relation="child", inputs=_transfer_inputs, when="decided_police_transfer"),
    *(Open(REFERRAL_KIND, "open", relation="child", inputs=_referral_inputs_for(o), when=f"decided_{o}")
      for o in REFERRALS),
    Open(PENALTY_KIND, "open", relation="child", inputs=_penalty_inputs, when="decided_penalty"),
)


# -- notices -------------------------------------------------------------------------------------------

REGISTERED = Notice("fraud/registered.html.j2", "欺诈骗保线索登记表", RECORD_SERIES, "internal")
FILING_EXTENDED = Notice("fraud/filing_extended.html.j2", "立案核查期限延长审批记录", RECORD_SERIES, "internal")
FILING_PROPOSAL = Notice("fraud/filing_proposal.html.j2", "立案审批表", RECORD_SERIES, "internal")
NO_FILING_PROPOSAL = Notice("fraud/filing_proposal.html.j2", "不予立案审批表", RECORD_SERIES, "internal")
FILED = Notice("fraud/filed.html.j2", "立案决定记录", RECORD_SERIES, "internal")
NOT_FILED = Notice("fraud/not_filed.html.j2", "不予立案决定记录", RECORD_SERIES, "internal")
RETURNED = Notice("fraud/returned.html.j2", "拟办意见退回重审记录", RECORD_SERIES, "internal")
OVERDUE = Notice("fraud/overdue.html.j2", "立案核查期限届满督办通知", OVERDUE_SERIES, "approvers")
CASE_OVERDUE = Notice("fraud/overdue.html.j2", "办案期限届满督办通知", OVERDUE_SERIES, "approvers")
CASE_EXTENDED = Notice("fraud/case_extended.html.j2", "办案期限延长审批记录", RECORD_SERIES, "internal")
SUSPENDED = Notice("fraud/suspended.html.j2", "办案期限中止计算记录", RECORD_SERIES, "internal")
RESUMED = Notice("fraud/suspended.html.j2", "办案期限恢复计算记录", RECORD_SERIES, "internal")
OFFICERS = Notice("fraud/officers.html.j2", "指派执法人员记录", RECORD_SERIES, "internal")
RECUSAL = Notice("fraud/recusal.html.j2", "回避决定记录", RECORD_SERIES, "internal")
EVIDENCE = Notice("fraud/evidence.html.j2", "证据登记记录", RECORD_SERIES, "internal")
PRESERVATION = Notice("fraud/preservation.html.j2", "先行登记保存证据通知书", SERIES, "subject")
PRESERVATION_DECIDED = Notice("fraud/preservation_decided.html.j2", "先行登记保存证据处理决定书", SERIES, "subject")
ADVANCE_NOTICE = Notice("fraud/advance_notice.html.j2", "行政处罚事先告知书", SERIES, "subject")
STATEMENT_RECEIVED = Notice("fraud/statement_received.html.j2", "陈述申辩材料接收回执", SERIES, "subject")
HEARING_REQUESTED = Notice("fraud/hearing_requested.html.j2", "听证申请接收回执", SERIES, "subject")
DEFENCE_EXPIRED = Notice("fraud/defence_expired.html.j2", "陈述申辩和听证申请期限届满记录", RECORD_SERIES, "internal")
HEARING_NOTICE = Notice("fraud/hearing_notice.html.j2", "行政处罚听证通知书", SERIES, "subject")
HEARING_RECORD = Notice("fraud/hearing_record.html.j2", "听证笔录登记记录", RECORD_SERIES, "internal")
LEGAL_REVIEW = Notice("fraud/legal_review.html.j2", "法制审核意见书", RECORD_SERIES, "internal")
OUTCOMES_PROPOSAL = Notice("fraud/outcomes_proposal.html.j2", "案件处理审批表", RECORD_SERIES, "internal")
DECIDED = Notice("fraud/decided.html.j2", "案件处理决定记录", RECORD_SERIES, "internal")
NO_PENALTY = Notice("fraud/no_penalty.html.j2", "不予行政处罚决定书", SERIES, "subject")
TRANSFER_FILED = Notice("fraud/transfer_event.html.j2", "移送案件立案情况登记记录", RECORD_SERIES, "internal")
TRANSFER_RETURNED = Notice("fraud/transfer_event.html.j2", "移送案件退回本局依法处理记录", RECORD_SERIES, "internal")
TRANSFER_REFUSED = Notice("fraud/transfer_event.html.j2", "不批准移送记录", RECORD_SERIES, "internal")
PENALTY_FINAL = Notice("fraud/penalty_event.html.j2", "行政处罚决定生效登记记录", RECORD_SERIES, "internal")
PENALTY_OVERTURNED = Notice("fraud/penalty_event.html.j2", "行政处罚决定被撤销登记记录", RECORD_SERIES, "internal")
CLOSED = Notice("fraud/closed.html.j2", "结案审批记录", RECORD_SERIES, "internal")
REPORTER_READ = Notice("fraud/reporter_read.html.j2", "举报人信息查阅记录", RECORD_SERIES, "internal")

# -- inputs ---------------------------------------------------------------------------------------------

SOURCE_INPUT = Input("source", "choice", label="线索来源", choices=tuple(SOURCES), choice_labels=tuple(SOURCES.items()))
FACTS_INPUT = Input("facts", "text", label="线索反映的问题")
# The reporter's identity: sealed (never in the case data, the log or a notice; `creditflow case reporter`).
REPORTER_INPUTS = (
    Input("reporter", "str", required=False, label="举报人（姓名、联系方式；依法保密）", max_length=NAME_LENGTH, sealed=True),
    Input("reporter_id", "str", required=False, label="举报人的统一社会信用代码或者身份证号码（已登记为信用主体的；依法保密）",
          max_length=NAME_LENGTH, sealed=True),
)
FINDINGS_INPUT = Input("findings", "text", label="核查意见")
REASON_INPUT = Input("reason", "text", label="理由")
OUTCOME_INPUTS = (
    Input("outcomes", "str_list", label="处理意见（可多选，逗号分隔：penalty 行政处罚、police_transfer 移送公安机关、"
                                        "discipline_transfer 移送纪检监察机关、health_referral 移送卫生健康主管部门、"
                                        "other_referral 移送其他有关部门、no_case 不予行政处罚）"),
    Input("findings", "text", label="审理意见（认定的事实、证据、理由和依据）"),
    Input("suspected_crime", "choice", label="是否涉嫌犯罪（行政执法机关移送涉嫌犯罪案件的规定第三条）", choices=("true", "false"),
          choice_labels=TRUE_FALSE),
    Input("discussion", "text", required=False, label="集体讨论记录（时间、参加人员、讨论意见；重大案件必填）"),
    Input("amount", "int", required=False, label="骗取（涉案）金额（元）"),
    Input("fine_multiple", "str", required=False, label="罚款倍数（骗取金额的2至5倍，如 3 或 2.5）"),
    Input("suspend_months", "int", required=False, label="暂停期限（月：定点医药机构暂停相关责任部门医药服务，参保人员暂停联网结算）"),
    Input("terminate_agreement", "choice", required=False, label="是否由经办机构解除服务协议（定点医药机构）",
          choices=("yes", "no"), choice_labels=YES_NO),
    Input("category", "choice", required=False, label="失信行为类别（处罚生效后记入信用档案）", choices=tuple(CATEGORIES),
          choice_labels=tuple(CATEGORIES.items())),
    Input("address", "str", required=False, label="当事人地址（行政处罚决定书载明）"),
    Input("police_organ", "str", required=False, label="同级公安机关名称", max_length=NAME_LENGTH),
    Input("crime_facts", "str", required=False, label="涉嫌罪名及主要事实"),
    Input("discipline_body", "str", required=False, label="纪检监察机关名称", max_length=NAME_LENGTH),
    Input("health_body", "str", required=False, label="卫生健康主管部门名称", max_length=NAME_LENGTH),
    Input("other_body", "str", required=False, label="其他有关部门名称", max_length=NAME_LENGTH),
    Input("matters", "str", required=False, label="移送的问题线索或者事项"),
)

# -- guards (declared) ----------------------------------------------------------------------------------

SOURCE_GUARD = Guard("rectification_referral", "FRAUD-SOURCE",
                     f"creditflow policy: 约谈整改转办的线索对应作出移送决定的约谈整改案件; {ORDER_735} Art. 38",
                     "{why}")
OFFICERS_PRESENT = Guard("has_two_officers", "FRAUD-OFFICERS", f"{PENALTY_LAW} Art. 42",
                         "本案执法人员为{officers}（{count}人）：执法人员不得少于两人；请先以 assign_officers 指派两名以上执法人员")
NOT_SUSPENDED = Guard("not_suspended", "FRAUD-SUSPENDED", NHSA_ORDER_4,
                      "办案期限自{since}起因{reason}中止计算，尚未恢复；请先以 resume 恢复计算")
EVIDENCE_INPUTS = (
    Input("what", "text", label="证据名称、数量和特征"),
    Input("collected_by", "str", label="收集证据的执法人员", max_length=NAME_LENGTH),
    Input("collected_on", "date", label="收集日期"),
    Input("preserve", "choice", required=False, label="是否先行登记保存", choices=("yes", "no"), choice_labels=YES_NO),
    Input("approved_by", "str", required=False, label="批准先行登记保存的本局负责人", max_length=NAME_LENGTH),
)
EVIDENCE_DATED = Guard("evidence_dated", "FRAUD-EVIDENCE", f"{PENALTY_LAW} Art. 47",
                       "收集日期晚于今天：只能登记已经收集的证据；请核对日期")
PRESERVATION_APPROVED = Guard("preservation_approved", "FRAUD-PRESERVE", f"{PENALTY_LAW} Art. 56",
                              "先行登记保存证据应当经行政机关负责人批准：请填写批准的负责人（approved_by）；"
                              "不先行登记保存的不填写")
MAY_DECIDE_AGAIN = Guard("may_decide_again", "FRAUD-DECIDED", f"{ORDER_310} Art. 10",
                         "本案已作出处理决定；只有移送公安机关的案件被退回或者不批准移送后，才由本局依法重新处理")
TRANSFER_NOT_REPLACED = Guard("transfer_not_replaced", "FRAUD-TRANSFER", f"{ORDER_310} Art. 11",
                              "审理意见认定涉嫌犯罪（suspected_crime=true），但处理意见未包括移送公安机关（police_transfer）："
                              "行政执法机关对应当向公安机关移送的涉嫌犯罪案件，不得以行政处罚代替移送"
                              "（《行政执法机关移送涉嫌犯罪案件的规定》第十一条）；请退回并在处理意见中加入 police_transfer")

TRANSITIONS = (
    Transition(
        trigger="open", source=(NEW,), dest="clue", role="handler", label="登记欺诈骗保线索", notice=REGISTERED,
        inputs=(SOURCE_INPUT, FACTS_INPUT, *REPORTER_INPUTS,
                Input("rectification_case", "int", required=False, label="作出移送决定的约谈整改案件编号（约谈整改不到位转办的）")),
        guards=(SOURCE_GUARD,),
        timers=(TimerEffect("start", "filing_decision"),), effects=("record_opening",),
    ),
    Transition(
        trigger="open_on_rectification", source=(NEW,), dest="clue", role="system",
        label="约谈整改不到位，依约谈整改处理决定登记欺诈骗保线索", notice=REGISTERED,
        inputs=(SOURCE_INPUT, FACTS_INPUT, Input("rectification_case", "int", label="约谈整改案件编号"),
                Input("sanctioned_on", "date", required=False, label="约谈整改处理决定作出之日")),
        timers=(TimerEffect("start", "filing_decision"),), effects=("record_opening",),
    ),
    Transition(
        trigger="extend_filing", source=("clue", "filing_proposed"), dest=None, role="approver",
        label="批准延长立案核查期限", notice=FILING_EXTENDED, inputs=(REASON_INPUT,),
        guards=(Guard("filing_not_extended", "FRAUD-EXTEND", NHSA_ORDER_4,
                      "立案核查期限已于{on}延长一次，不能再次延长；请在延长后的期限内作出是否立案的决定"),),
        timers=(TimerEffect("extend", "filing_decision", amount="fraud_filing_extension"),),
        effects=("record_filing_extension",),
    ),
    Transition(
        trigger="propose_file", source=("clue",), dest="filing_proposed", role="handler", label="提出立案意见",
        notice=FILING_PROPOSAL, proposal=True, inputs=(FINDINGS_INPUT,),
    ),
    Transition(
        trigger="propose_no_case", source=("clue",), dest="filing_proposed", role="handler", label="提出不予立案意见",
        notice=NO_FILING_PROPOSAL, proposal=True, inputs=(FINDINGS_INPUT,),
    ),
    Transition(
        trigger="approve", source=("filing_proposed",), dest="investigating", role="approver", when="filing_chosen",
        label="批准立案", notice=FILED, decision=True,
        timers=(TimerEffect("stop", "filing_decision"), TimerEffect("start", "case_deadline")),
        effects=("record_filing",),
    ),
    Transition(
        trigger="approve", source=("filing_proposed",), dest="no_case", role="approver", when="no_filing_chosen",
        label="批准不予立案", notice=NOT_FILED, decision=True,
        timers=(TimerEffect("stop", "filing_decision"),), effects=("record_not_filed",),
    ),
    Transition(
        trigger="return", source=("filing_proposed",), dest="clue", role="approver", label="退回重新核查",
        notice=RETURNED, decision=True, inputs=(REASON_INPUT,), effects=("clear_proposal",),
    ),
    Transition(
        trigger="filing_overdue", source=("clue", "filing_proposed"), dest=None, role="system",
        label="立案核查期限届满，未作出是否立案的决定，督办", notice=OVERDUE, effects=("flag_overdue",), order=50,
    ),
    Transition(
        trigger="case_overdue", source=INVESTIGATION, dest=None, role="system",
        label="办案期限届满，未作出处理决定，督办", notice=CASE_OVERDUE, effects=("flag_overdue",), order=50,
    ),
    Transition(
        trigger="extend_case", source=INVESTIGATION, dest=None, role="approver", label="批准延长办案期限",
        notice=CASE_EXTENDED,
        inputs=(REASON_INPUT, Input("days", "int", required=False, label="延长天数（再次延长的填写）"),
                Input("discussion", "text", required=False, label="负责人集体讨论记录（再次延长的必填）")),
        guards=(NOT_SUSPENDED,
                Guard("case_clock_running", "FRAUD-EXTEND", f"{PENALTY_LAW} Art. 60; {NHSA_ORDER_4}",
                      "办案期限已于{last_day}届满：延长应当在期限届满前批准；请报负责人集体讨论处理超期问题"),
                Guard("extension_allowed", "FRAUD-EXTEND", NHSA_ORDER_4,
                      "首次延长经本部门负责人批准延长{first}日（不填写 days，或填写 {first}）；再次延长的，应当经负责人集体讨论决定，"
                      "填写集体讨论记录（discussion）和延长天数（days，1至{most}日，本局规定）")),
        timers=(TimerEffect("start", "case_deadline", anchor="data:filed_on"),), effects=("record_case_extension",),
    ),
    Transition(
        trigger="suspend", source=INVESTIGATION, dest=None, role="handler",
        label="办案期限中止计算（听证、公告、检测、鉴定）", notice=SUSPENDED,
        inputs=(Input("reason", "choice", label="中止计算的事由", choices=tuple(SUSPENSION_REASONS),
                      choice_labels=tuple(SUSPENSION_REASONS.items())),
                Input("note", "text", required=False, label="情况说明")),
        guards=(NOT_SUSPENDED,), timers=(TimerEffect("stop", "case_deadline"),), effects=("record_suspension",),
    ),
    Transition(
        trigger="resume", source=INVESTIGATION, dest=None, role="handler", label="办案期限恢复计算", notice=RESUMED,
        guards=(Guard("suspended", "FRAUD-SUSPENDED", NHSA_ORDER_4, "办案期限未中止计算，不需要恢复"),),
        timers=(TimerEffect("start", "case_deadline", anchor="data:filed_on"),), effects=("record_resumption",),
    ),
    Transition(
        trigger="assign_officers", source=INVESTIGATION, dest=None, role="handler", label="指派执法人员",
        notice=OFFICERS, inputs=(Input("officers", "str_list", label="执法人员（两人以上，逗号分隔）"),),
        guards=(Guard("officers_two", "FRAUD-OFFICERS", f"{PENALTY_LAW} Art. 42",
                      "指派的执法人员为{count}人：执法人员不得少于两人；请指派两名以上执法人员，如 officers=张敏,刘洋"),),
        effects=("record_officers",),
    ),
    Transition(
        trigger="record_recusal", source=INVESTIGATION, dest=None, role="approver", label="作出回避决定",
        notice=RECUSAL,
        inputs=(Input("officer", "str", label="申请回避或者被申请回避的执法人员", max_length=NAME_LENGTH),
                Input("applicant", "choice", label="回避的提出", choices=tuple(RECUSAL_APPLICANTS),
                      choice_labels=tuple(RECUSAL_APPLICANTS.items())),
                Input("decision", "choice", label="回避决定", choices=tuple(RECUSAL_DECISIONS),
                      choice_labels=tuple(RECUSAL_DECISIONS.items())),
                Input("reason", "text", label="申请理由和决定理由")),
        guards=(Guard("officer_assigned", "FRAUD-RECUSAL", f"{PENALTY_LAW} Art. 43",
                      "{officer}不是本案指派的执法人员（现为：{officers}）；请核对姓名"),),
        effects=("record_recusal",),
    ),
    Transition(
        trigger="add_evidence", source=INVESTIGATION, dest=None, role="handler", when="preserving",
        label="先行登记保存证据", notice=PRESERVATION,
        inputs=EVIDENCE_INPUTS, guards=(OFFICERS_PRESENT, EVIDENCE_DATED, PRESERVATION_APPROVED),
        effects=("record_evidence",),
    ),
    Transition(
        trigger="add_evidence", source=INVESTIGATION, dest=None, role="handler", label="登记证据", notice=EVIDENCE,
        inputs=EVIDENCE_INPUTS, guards=(OFFICERS_PRESENT, EVIDENCE_DATED, PRESERVATION_APPROVED),
        effects=("record_evidence",),
    ),
    Transition(
        trigger="decide_preservation", source=INVESTIGATION, dest=None, role="handler",
        label="对先行登记保存的证据作出处理决定", notice=PRESERVATION_DECIDED,
        inputs=(Input("item", "int", label="证据序号（证据登记的顺序号）"),
                Input("decision", "text", label="处理决定（如解除先行登记保存并退还、依法移送等）")),
        guards=(Guard("preservation_pending", "FRAUD-PRESERVE", f"{PENALTY_LAW} Art. 56",
                      "第{item}项证据（本案共登记{count}项）不是尚待处理的先行登记保存证据；请核对证据序号"),),
        effects=("record_preservation_decision",),
    ),
    Transition(
        trigger="notify_intended_penalty", source=("investigating", "decided"), dest="defence", role="handler",
        label="告知拟作出的行政处罚（事先告知）", notice=ADVANCE_NOTICE,
        inputs=(Input("penalty", "text", label="拟作出的行政处罚（种类和幅度）"),
                Input("facts", "text", label="认定的违法事实、证据、理由和依据")),
        guards=(MAY_DECIDE_AGAIN, OFFICERS_PRESENT,
                Guard("preservations_decided", "FRAUD-PRESERVE", f"{PENALTY_LAW} Art. 56",
                      "第{items}项先行登记保存的证据尚未作出处理决定；请先以 decide_preservation 作出处理决定")),
        timers=(TimerEffect("start", "defence"),), effects=("record_intended",),
    ),
    Transition(
        trigger="record_statement", source=INVESTIGATION, dest=None, role="handler", label="登记陈述申辩",
        notice=STATEMENT_RECEIVED,
        inputs=(Input("statement", "text", label="陈述申辩的内容（书面材料摘要或者口头陈述记录）"),
                Input("received", "date", label="收到陈述申辩日期")),
        guards=(Guard("statement_dated", "FRAUD-DATE", f"{PENALTY_LAW} Art. 45",
                      "收到日期应在事先告知书作出之日（{notified_on}）至今天之间；请核对收到日期"),),
        effects=("record_statement",),
    ),
    Transition(
        trigger="request_hearing", source=("defence",), dest="hearing", role="handler", label="登记听证申请",
        notice=HEARING_REQUESTED, inputs=(Input("received", "date", label="收到听证申请日期"),),
        guards=(Guard("hearing_request_in_time", "FRAUD-HEARING", f"{PENALTY_LAW} Art. 64(1), 85",
                      "听证申请应当在告知后五个工作日内提出：事先告知书于{notified_on}作出，期限至{until}；收到日期不在该期限内"
                      "（或晚于今天），不能按听证申请登记；逾期提出的，可以作为陈述申辩登记（record_statement）"),),
        timers=(TimerEffect("stop", "defence"),), effects=("record_hearing_request",),
    ),
    Transition(
        trigger="defence_expired", source=OPEN, dest=None, role="system",
        label="陈述申辩和要求听证期限届满，未要求听证", notice=DEFENCE_EXPIRED, order=30, effects=("record_defence_lapse",),
    ),
    Transition(
        trigger="notify_hearing", source=("hearing",), dest=None, role="handler", label="发出听证通知",
        notice=HEARING_NOTICE,
        inputs=(Input("hearing_on", "date", label="听证日期"), Input("place", "str", label="听证地点"),
                Input("chair", "str", label="听证主持人（非本案调查人员）", max_length=NAME_LENGTH),
                Input("public", "choice", required=False, label="是否公开举行（涉及国家秘密、商业秘密或者个人隐私的不公开）",
                      choices=("yes", "no"), choice_labels=YES_NO)),
        guards=(Guard("hearing_lead", "FRAUD-HEARING", f"{PENALTY_LAW} Art. 64(2), 85",
                      "听证通知应当在举行听证的七个工作日前发出：听证日期最早为{earliest}；请另定听证日期"),
                Guard("chair_not_investigator", "FRAUD-CHAIR", f"{PENALTY_LAW} Art. 64(4)",
                      "{chair}是本案执法人员（{officers}）：听证由行政机关指定的非本案调查人员主持；请另行指定主持人")),
        effects=("record_hearing_notice",),
    ),
    Transition(
        trigger="record_hearing", source=("hearing",), dest=None, role="handler", label="登记听证笔录",
        notice=HEARING_RECORD, inputs=(Input("record", "text", label="听证笔录（当事人的申辩、质证意见和主持人意见）"),),
        guards=(Guard("hearing_day_reached", "FRAUD-HEARING", f"{PENALTY_LAW} Art. 64(8), 65",
                      "听证日期为{hearing_on}：听证举行后登记听证笔录，每次听证登记一次；请在听证日期当日或者之后登记"),),
        effects=("record_hearing",),
    ),
    Transition(
        trigger="propose_outcomes", source=("investigating", "defence", "hearing", "decided"), dest="outcomes_proposed",
        role="handler", label="提出案件处理意见（会审、集体讨论）", notice=OUTCOMES_PROPOSAL, proposal=True,
        inputs=OUTCOME_INPUTS,
        guards=(MAY_DECIDE_AGAIN, NOT_SUSPENDED,
                Guard("outcomes_valid", "FRAUD-OUTCOMES", f"{PENALTY_LAW} Art. 57",
                      "处理意见应为下列一项或者多项（不重复；no_case 不与其他项并用）：{allowed}；未知项：{unknown}"),
                Guard("heard_before_penalty", "FRAUD-NOTICE", f"{PENALTY_LAW} Art. 44, 62, 65",
                      "不能提出行政处罚意见：{why}。行政机关在作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据，"
                      "并听取当事人的陈述、申辩；当事人要求听证的，听证结束后依听证笔录作出决定"),
                Guard("penalty_terms", "FRAUD-FINE", f"{ORDER_735} Art. 37, 40, 41",
                      "行政处罚意见应当填写骗取金额（amount：{amount}，正整数元）、罚款倍数（fine_multiple：{multiple}，{low}至{high}倍，"
                      "最多两位小数）、失信行为类别（category）和当事人地址（address）：《医疗保障基金使用监督管理条例》规定处骗取金额2倍以上5倍以下的罚款"),
                Guard("suspension_terms", "FRAUD-SUSPEND", f"{ORDER_735} Art. 40, 41",
                      "暂停期限{months}个月不可采用：{what}的期限为{low}至{high}个月；解除服务协议只适用于定点医药机构"),
                Guard("police_transfer_inputs", "FRAUD-CRIME", f"{ORDER_310} Art. 3, 5, 6", "{why}"),
                Guard("referral_inputs", "FRAUD-REFERRAL", f"{ORDER_310} Art. 19; 自贡市医疗保障局实施方案重点改革举措六",
                      "移送的处理意见应当填写受移送机关名称和移送的问题线索（缺：{missing}）；未选择的移送不填写受移送机关（多余：{extra}）"),
                Guard("no_transfer_open", "FRAUD-CHILDREN", f"{ORDER_310} Art. 9",
                      "本案移送公安机关的案件{case}尚在办理中；对不予立案有异议的，在该移送案件中提请复议或者建议检察机关立案监督")),
        effects=("record_outcomes_proposal",),
    ),
    Transition(
        trigger="legal_review", source=("outcomes_proposed",), dest=None, role="handler|approver",
        label="法制审核", notice=LEGAL_REVIEW,
        inputs=(Input("opinion", "text", label="法制审核意见"),
                Input("result", "choice", label="审核结论", choices=("passed", "failed"),
                      choice_labels=(("passed", "通过"), ("failed", "不通过")))),
        guards=(Guard("reviewer_independent", "FRAUD-REVIEW", f"{PENALTY_LAW} Art. 58",
                      "{who}是本案的执法人员或者处理意见的提出人：法制审核由从事行政处罚决定法制审核的人员进行；请由其他人员审核"),
                Guard("review_pending", "FRAUD-REVIEW", f"{PENALTY_LAW} Art. 58", "本处理意见已经法制审核通过，不需要重复审核")),
        effects=("record_legal_review",),
    ),
    Transition(
        trigger="approve", source=("outcomes_proposed",), dest="no_case", role="approver", when="no_case_outcome",
        label="审批同意：不予行政处罚，结案", notice=NO_PENALTY, decision=True,
        guards=(TRANSFER_NOT_REPLACED,), timers=(TimerEffect("stop", "case_deadline"),),
        effects=("record_no_penalty",),
    ),
    Transition(
        trigger="approve", source=("outcomes_proposed",), dest="decided", role="approver",
        label="审批同意：作出处理决定（移送、行政处罚）", notice=DECIDED, decision=True,
        guards=(TRANSFER_NOT_REPLACED,
                Guard("legal_review_done", "FRAUD-LEGAL", f"{PENALTY_LAW} Art. 58",
                      "本处理意见属于重大行政处罚决定（罚款{fine}，或者暂停、解除服务协议；本局规定的重大决定标准）："
                      "未经法制审核或者审核未通过的，不得作出决定；请先以 legal_review 进行法制审核"),
                Guard("discussion_recorded", "FRAUD-DISCUSSION", f"{PENALTY_LAW} Art. 57(2)",
                      "对情节复杂或者重大违法行为给予行政处罚，行政机关负责人应当集体讨论决定：处理意见未记载集体讨论记录；"
                      "请退回并在处理意见中填写 discussion")),
        timers=(TimerEffect("stop", "case_deadline"),), effects=("record_decision",), opens=OPENS,
    ),
    Transition(
        trigger="return", source=("outcomes_proposed",), dest="investigating", role="approver",
        when="proposed_from_investigation", label="退回重新提出处理意见", notice=RETURNED, decision=True,
        inputs=(REASON_INPUT,), effects=("clear_proposal",),
    ),
    Transition(
        trigger="return", source=("outcomes_proposed",), dest="decided", role="approver",
        label="退回重新提出处理意见（移送退回后的处理）", notice=RETURNED, decision=True,
        inputs=(REASON_INPUT,), effects=("clear_proposal",),
    ),
    # What the children report back (Link, in their transaction).
    Transition(
        trigger="transfer_filed", source=OPEN, dest=None, role="system", label="移送的案件已由公安机关或者检察机关立案",
        notice=TRANSFER_FILED,
        inputs=(Input("organ", "str", required=False, label="立案机关", max_length=NAME_LENGTH),
                Input("filed_on", "date", required=False, label="本局接到立案通知书之日"),
                Input("notice", "str", required=False, label="立案通知书文号")),
        effects=("record_transfer_filed",),
    ),
    Transition(
        trigger="transfer_returned", source=OPEN, dest=None, role="system",
        label="移送的案件不予立案或者退回，由本局依法处理", notice=TRANSFER_RETURNED,
        inputs=(Input("reason", "text", label="不予立案或者退回的理由"),
                Input("route", "choice", label="退回的情形", choices=tuple(RETURN_ROUTES),
                      choice_labels=tuple(RETURN_ROUTES.items()))),
        effects=("record_transfer_returned",),
    ),
    Transition(
        trigger="transfer_refused", source=OPEN, dest=None, role="system", label="本局负责人不批准移送",
        notice=TRANSFER_REFUSED, inputs=(Input("reason", "text", label="不批准移送的理由"),),
        effects=("record_transfer_refused",),
    ),
    Transition(
        trigger="penalty_final", source=OPEN, dest=None, role="system", label="行政处罚决定已生效（未被撤销）",
        notice=PENALTY_FINAL,
        inputs=(Input("how", "choice", required=False, label="生效的情形", choices=("unchallenged", "upheld"),
                      choice_labels=(("unchallenged", "法定期限内未申请行政复议、未提起行政诉讼"),
                                     ("upheld", "经行政复议或者行政诉讼维持"))),),
        effects=("record_penalty_final",),
    ),
    Transition(
        trigger="penalty_overturned", source=OPEN, dest=None, role="system", label="行政处罚决定被撤销",
        notice=PENALTY_OVERTURNED,
        inputs=(Input("ruling", "str", required=False, label="复议决定书或者裁判文书及文号"),),
        effects=("record_penalty_overturned",),
    ),
    Transition(
        trigger="close", source=("decided",), dest="closed", role="approver", label="批准结案", notice=CLOSED,
        inputs=(Input("summary", "text", label="结案报告（处理结果及执行情况）"),),
        guards=(Guard("no_open_children", "FRAUD-CHILDREN", "creditflow policy: 子案件办结前不得结案（移送、处罚决定的结果影响本案的处理）",
                      "本案尚有未办结的关联子案件：{open}；子案件全部办结后才能结案"),
                Guard("handled_after_return", "FRAUD-RETURNED", f"{ORDER_310} Art. 10, 13",
                      "移送的案件已退回本局（{back}）：行政执法机关对公安机关决定不予立案的案件应当依法作出处理；"
                      "请以 propose_outcomes 提出处理意见（行政处罚或者不予行政处罚）后再结案")),
        effects=("record_close",),
    ),
    Transition(
        trigger=SEALED_READ_TRIGGER, source=tuple(s.name for s in STATES), dest=None, role="approver",
        label="查阅举报人信息", notice=REPORTER_READ, effects=("record_reading",),
    ),
    correction(SERIES, STATES),
    *(replace(t, effects=("sync_deadline",)) for t in common.recomputed(SERIES, RECORD_SERIES, STATES)),
    common.reminder(OVERDUE_SERIES, STATES),
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    d = case.data
    decision = d.get("decision") or {}
    return {"source": d.get("source"), "reported": bool(d.get("reported")), "officers": d.get("officers") or [],
            "filed_on": d.get("filed_on"), "case_until": d.get("case_until"),
            "suspended": (d.get("suspended") or {}).get("reason"),
            "outcomes": decision.get("outcomes") or [], "reopened": bool(d.get("reopened")),
            "rectification": (d.get("rectification") or {}).get("id")}


def _proposed_from_investigation(ctx) -> bool:
    return _proposed(ctx).get("from_state") != "decided"


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="欺诈骗保案件",
    states=STATES,
    initial="clue",
    transitions=TRANSITIONS,
    timers=TIMERS,
    opens_on=("subject",),
    guards={**common.GUARDS, 
        "rectification_referral": _rectification_referral,
        "filing_not_extended": _filing_not_extended,
        "officers_two": _officers_two,
        "officer_assigned": _officer_assigned,
        "has_two_officers": _has_two_officers,
        "evidence_dated": _evidence_dated,
        "preservation_approved": _preservation_approved,
        "preservation_pending": _preservation_pending,
        "preservations_decided": _preservations_decided,
        "not_suspended": _not_suspended,
        "suspended": _suspended,
        "case_clock_running": _case_clock_running,
        "extension_allowed": _extension_allowed,
        "statement_dated": _statement_dated,
        "hearing_request_in_time": _hearing_request_in_time,
        "hearing_lead": _hearing_lead,
        "chair_not_investigator": _chair_not_investigator,
        "hearing_day_reached": _hearing_day_reached,
        "outcomes_valid": _outcomes_valid,
        "heard_before_penalty": _heard_before_penalty,
        "penalty_terms": _penalty_terms,
        "suspension_terms": _suspension_terms,
        "police_transfer_inputs": _police_transfer_inputs,
        "referral_inputs": _referral_inputs,
        "no_transfer_open": _no_transfer_open,
        "may_decide_again": _may_decide_again,
        "transfer_not_replaced": _transfer_not_replaced,
        "legal_review_done": _legal_review_done,
        "discussion_recorded": _discussion_recorded,
        "reviewer_independent": _reviewer_independent,
        "review_pending": _review_pending,
        "no_open_children": _no_open_children,
        "handled_after_return": _handled_after_return,
    },
    conditions={
        "filing_chosen": _filing_chosen, "no_filing_chosen": _no_filing_chosen, "no_case_outcome": _no_case_outcome,
        "preserving": _preserving, "proposed_from_investigation": _proposed_from_investigation,
        "decided_police_transfer": _when("police_transfer"), "decided_penalty": _when("penalty"),
        **{f"decided_{o}": _when(o) for o in REFERRALS},
        **common.CONDITIONS,
    },
    effects={
        "record_opening": _record_opening,
        "record_filing_extension": _record_filing_extension,
        "record_filing": _record_filing,
        "record_not_filed": _record_not_filed,
        "clear_proposal": _clear_proposal,
        "flag_overdue": _flag_overdue,
        "record_case_extension": _record_case_extension,
        "record_suspension": _record_suspension,
        "record_resumption": _record_resumption,
        "record_officers": _record_officers,
        "record_recusal": _record_recusal,
        "record_evidence": _record_evidence,
        "record_preservation_decision": _record_preservation_decision,
        "record_intended": _record_intended,
        "record_statement": _record_statement,
        "record_defence_lapse": _record_defence_lapse,
        "record_hearing_request": _record_hearing_request,
        "record_hearing_notice": _record_hearing_notice,
        "record_hearing": _record_hearing,
        "record_outcomes_proposal": _record_outcomes_proposal,
        "record_legal_review": _record_legal_review,
        "record_decision": _record_decision,
        "record_no_penalty": _record_no_penalty,
        "record_transfer_filed": _record_transfer_filed,
        "record_transfer_returned": _record_transfer_back("returned"),
        "record_transfer_refused": _record_transfer_back("refused"),
        "record_penalty_final": _record_penalty_final,
        "record_penalty_overturned": _record_penalty_overturned,
        "record_close": _record_close,
        "record_reading": _record_reading,
        "sync_deadline": _sync_deadline,
        **common.EFFECTS,
    },
    summary=_summary,
    notice_context={"measure": HENAN, "order_735": ORDER_735, "order_310": ORDER_310, "penalty_law": PENALTY_LAW,
                    "nhsa_order_4": NHSA_ORDER_4, "nhsa_order_5": NHSA_ORDER_5, "sources": SOURCES,
                    "outcome_labels": OUTCOMES, "suspension_reasons": SUSPENSION_REASONS,
                    "recusal_decisions": RECUSAL_DECISIONS, "recusal_applicants": RECUSAL_APPLICANTS,
                    "return_routes": RETURN_ROUTES, "categories": CATEGORIES, "category_sources": CATEGORY_SOURCES,
                    "designated_types": DESIGNATED, "insured_types": PERSONS_INSURED, "penalty_basis": penalty_basis},
)
from .fraud_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
