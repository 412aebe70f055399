"""Credit repair (信用修复) of a 失信 record: Henan measure Art. 37-41, Tianjin Hongqiao plan §18 (docs/rules.md §4).

Opened under the record to be repaired (`case open repair --parent RECORD`) with the day the written
application was received and the materials it came with (Art. 40: application form 附件3, repair
commitment, proof of correction; HQ §18 names further ways: a credit commitment, completed
rectification, a passed credit check, special training, a credit report). Admissibility is judged by
the day received: refused at once, with the rule named and nothing stored, while the waiting period
since the determination runs (Art. 39(1)), when a 失信 record of the same category was determined
after this one and is still disclosed (39(2)), while the subject is under the 3-year ban for false
material or a broken commitment (Art. 40), and when the record is no longer disclosed.

Material still missing blocks acceptance; the handler records 补正 material (`supplement`) or does not
accept the application (`not_accept`, the notice lists what is missing). Once accepted the department
decides within 15 working days, extended once by up to 15 working days for a complex case (Art. 41);
a decision is prepared by one person and approved by another (four eyes, docs/rules.md §8.6). An
approved repair is published for 5 working days (公示); an objection raised meanwhile stops it and the
case is reviewed again (our choice, Art. 41 "公示期满无异议的"). When the public notice ends with no
objection the repair takes effect: notice 附件5, the record is withdrawn from disclosure at once, the
sanctions tied to it end (HQ §18) and the repair is reported to the same-level credit management
department (Art. 41). A refusal is notice 附件4 with its reasons. False material or a broken commitment
found at any point, after the repair took effect too, refuses (or revokes) the repair and opens a new
失信 record of category `false_commitment`, which runs the 3-year ban (Art. 40).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from calendars.periods import add_months
from notices.render import date_zh

from . import common
from . import record as _record
from .common import correction
from .policy import HENAN, SEVERITIES
from .spec import (NAME_LENGTH, NEW, PUBLIC_ROLE, SEALED_READ_TRIGGER, Guard, Input, Notice, Notify, Open, Procedure,
                   State, TimerEffect, TimerSpec, Transition)

KIND = "repair"
RECORD_KIND = "record"
SERIES = "信修"  # to the subject
RECORD_SERIES = "信修记"  # internal records
PUBLIC_SERIES = "信修公"  # public notices (公示)
OVERDUE_SERIES = "督"  # supervision (督办), as the objection's
HONGQIAO = "天津市红桥区关于医保领域诚信体系建设实施方案"
FALSE_COMMITMENT = "false_commitment"  # the record category of Art. 40 (false material, a false or broken commitment)
# Art. 41: the repair is reported to the same-level credit management department; the measure names it by its
# function, and so does the case (the deployment knows no other name for it).
CREDIT_DEPARTMENT = "同级信用管理部门"
# Why a record stopped being disclosed, as the record names it (states/record.py).
WITHDRAWN_REASONS = _record.WITHDRAWN_REASONS

# Material codes and their labels: Art. 40 (一)-(二), then the ways HQ §18 names.
MATERIALS = {
    "application_form": "信用修复申请表（附件3）",
    "commitment": "信用修复承诺书",
    "proof": "纠正、整改证明材料",
    "credit_commitment": "信用承诺书",
    "rectification_done": "信用整改完成证明",
    "check_passed": "信用核查通过证明",
    "training": "专题培训证明",
    "credit_report": "信用报告",
}
REQUIRED = ("application_form", "commitment", "proof")  # Art. 40 (一)、(二)
MATERIAL_SOURCES = {code: (f"{HENAN} Art. 40" if code in REQUIRED else f"{HONGQIAO} §18") for code in MATERIALS}

# Cases whose decision clock runs (Art. 41), and every state a case is open in.
DECIDING = ("under_review", "approve_proposed", "refuse_proposed")
OPEN = ("received", *DECIDING, "public_notice", "re_review", "confirm_proposed")

STATES = (
    State("received", "已登记（待受理审查）"),
    State("under_review", "已受理，审查中"),
    State("approve_proposed", "拟同意修复（待审核）"),
    State("refuse_proposed", "拟不予修复（待审核）"),
    State("public_notice", "公示中"),
    State("re_review", "公示期间有异议，重新审查"),
    State("confirm_proposed", "拟维持修复（待审核）"),
    State("repaired", "已修复", final=True),
    State("refused", "不予修复", final=True),
    State("not_accepted", "不予受理", final=True),
)

TIMERS = (
    TimerSpec(
        name="decision",
        unit="working_days",
        amount="repair_decision",
        side="agency",
        on_expiry="decision_overdue",
        label="信用修复处理期限（受理之日起15个工作日）",
        remind_before="repair_remind_before",
    ),
    TimerSpec(
        name="public_notice",
        unit="working_days",
        amount="repair_public_notice",
        side="subject",
        on_expiry="public_notice_expired",
        label="信用修复公示期（5个工作日）",
        public=True,  # on the public board while it runs, open to the public's objection (Art. 29, 41)
    ),
)


# -- materials ---------------------------------------------------------------------------------------

def material_code(value: str) -> str | None:
    """A material as the form gives it: its code, or its label (in full, without the bracket, or without
    the 、 that the list input reads as a separator)."""
    value = (value or "").strip()
    if value in MATERIALS:
        return value
    for code, label in MATERIALS.items():
        short = label.split("（")[0]
        if value in (label, short, label.replace("、", ""), short.replace("、", "")):
            return code
    return None


def _given(ctx) -> list[str]:
    return list(ctx.inputs.get("materials") or [])


def _missing(codes) -> list[str]:
    return [c for c in REQUIRED if c not in codes]


def _labels(codes) -> str:
    return "、".join(MATERIALS[c] for c in codes)


def _day(value) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def _zh(value) -> str:
    """A day as a refusal names it, as the notices write it (2026年7月6日)."""
    return date_zh(value) if value else "?"


# -- guards (pure functions of states.context.Context) -------------------------------------------------

def _received_not_future(ctx) -> bool:
    return ctx.inputs["received"] <= ctx.today


def _record_disclosed(ctx) -> bool:
    """Only a 失信 record still disclosed can be repaired (Art. 37: repair stops its disclosure)."""
    record = ctx.parent
    if record is not None and record.state == "disclosed":
        return True
    reason = record.data.get("withdrawn_reason") if record is not None else None
    ctx.details["reason"] = WITHDRAWN_REASONS.get(reason, reason) or "已停止公示"
    return False


def _received_after_determination(ctx) -> bool:
    determined = _day(ctx.parent.data.get("determined_on"))
    ctx.details["determined_on"] = _zh(determined)
    return determined is not None and ctx.inputs["received"] >= determined


def _waiting_over(ctx) -> bool:
    """Art. 39(1): not before the record's first admissible day (the record computes it by the law in force
    on its determination day)."""
    eligible = _day(ctx.parent.data.get("eligible_from"))
    ctx.details.update(eligible_from=_zh(eligible), determined_on=_zh(ctx.parent.data.get("determined_on")))
    return eligible is not None and ctx.inputs["received"] >= eligible


def _no_recurrence(ctx) -> bool:
    """Art. 39(2): a 失信 record of the same category, determined after this one and still disclosed."""
    parent = ctx.parent
    determined = _day(parent.data.get("determined_on"))
    for other in ctx.subject_cases(RECORD_KIND):
        if other.id == parent.id or other.state != "disclosed":
            continue
        if other.data.get("category") != parent.data.get("category"):
            continue
        later = _day(other.data.get("determined_on"))
        if later is not None and determined is not None and later > determined:
            ctx.details.update(record=other.id, determined_on=_zh(later),
                               category=other.data.get("category_label") or other.data.get("category"))
            return False
    return True


def _banned_until(ctx, on: date) -> tuple[int, date] | None:
    """The subject's 3-year ban running on `on` (Art. 40: from the day the false material was established to
    its last day), as (record, last day of the ban). An application received before that day was made while
    the subject could still apply."""
    for other in ctx.subject_cases(RECORD_KIND):
        if other.data.get("category") != FALSE_COMMITMENT:
            continue
        since, until = _day(other.data.get("determined_on")), _day(other.data.get("ban_until"))
        ban = other.timers.get("ban")
        if until is None or until < on or (since is not None and on < since) or (
                ban is not None and ban.status in ("fired", "stopped")):
            continue
        return other.id, until
    return None


def _not_banned(ctx) -> bool:
    found = _banned_until(ctx, ctx.inputs["received"])
    if found is None:
        return True
    record, until = found
    ctx.details.update(record=record, ban_until=_zh(until), first_day=_zh(until + timedelta(days=1)))
    return False


def _materials_known(ctx) -> bool:
    unknown = [m for m in _given(ctx) if material_code(m) is None]
    if unknown:
        ctx.details.update(unknown="、".join(unknown),
                           known="；".join(f"{code}（{label}）" for code, label in MATERIALS.items()))
    return not unknown


def _not_pending(ctx) -> bool:
    """One application per record at a time (our choice): a second one waits for the first's decision."""
    for other in ctx.siblings:
        if other.state in OPEN:
            ctx.details["case"] = other.id
            return False
    return True


def _supplement_dated(ctx) -> bool:
    received = ctx.inputs.get("received") or ctx.today
    ctx.details["received_on"] = _zh(ctx.data.get("received_on"))
    return _day(ctx.data.get("received_on")) <= received <= ctx.today


def _materials_complete(ctx) -> bool:
    missing = list(ctx.data.get("missing") or [])
    ctx.details["missing"] = _labels(missing)
    return not missing


def _record_still_disclosed(ctx) -> bool:
    return _record_disclosed(ctx)


def _not_extended_before(ctx) -> bool:
    ext = ctx.data.get("extension")
    if ext:
        ctx.details.update(on=_zh(ext.get("on")), last_day=_zh(ext.get("last_day")))
    return not ext


def _decision_running(ctx) -> bool:
    t = ctx.case.timers.get("decision")
    if t is not None:
        ctx.details["last_day"] = _zh(t.last_day)
    return t is not None and t.status == "running"


# A way to reach the objector with the result of the review: a mainland mobile or fixed-line number, or an email.
_PHONE = re.compile(r"(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)")
_EMAIL = re.compile(r"[^@\s，,；;]+@[^@\s，,；;]+\.[A-Za-z]{2,}")


def _contact_reachable(ctx) -> bool:
    value = (ctx.sealed("contact") or "").strip()
    return bool(_PHONE.fullmatch(value.replace(" ", "")) or _EMAIL.fullmatch(value))


def _public_notice_open(ctx) -> bool:
    """The public may object only until the end of the notice's last day (the sweep may close it a little later)."""
    t = ctx.case.timers.get("public_notice")
    if t is not None:
        ctx.details["last_day"] = _zh(t.last_day)
    return t is not None and t.status == "running" and ctx.now < t.ends_at


def _contact_sealed(ctx) -> bool:
    """There is an objector's contact to read: one objected on the public board."""
    return any(o.get("channel") == "public_board" for o in ctx.data.get("public_objections") or [])


# -- conditions ----------------------------------------------------------------------------------------

def _after_public_objection(ctx) -> bool:
    """The proposal was made in the review after an objection to the public notice: a return goes back there."""
    return bool(ctx.data.get("public_objections"))


# -- effects -------------------------------------------------------------------------------------------

def _record_application(ctx) -> dict:
    codes = list(dict.fromkeys(material_code(m) for m in _given(ctx)))
    r = ctx.parent
    return {"data": {
        "received_on": ctx.inputs["received"].isoformat(),
        "materials": codes,
        "missing": _missing(codes),
        "supplements": [],
        "record": {"id": r.id, **{k: r.data.get(k) for k in ("category", "category_label", "severity",
                                                              "determined_on", "eligible_from", "disclosed_until")}},
    }}


def _record_supplement(ctx) -> dict:
    added = [material_code(m) for m in _given(ctx)]
    codes = list(dict.fromkeys(list(ctx.data.get("materials") or []) + added))
    received = ctx.inputs.get("received") or ctx.today
    supplements = list(ctx.data.get("supplements") or []) + [
        {"materials": list(dict.fromkeys(added)), "received_on": received.isoformat(), "recorded_on": ctx.today.isoformat()}]
    return {"data": {"materials": codes, "missing": _missing(codes), "supplements": supplements}}


def _record_acceptance(ctx) -> dict:
    return {"data": {"accepted_on": ctx.today.isoformat()}}


def _record_not_accepted(ctx) -> dict:
    return {"data": {"not_accepted": {"reason": ctx.inputs["reason"], "missing": list(ctx.data.get("missing") or []),
                                      "on": ctx.today.isoformat()}}}


def _record_extension(ctx) -> dict:
    before = ctx.case.timers["decision"].last_day
    last = ctx.calendar.nth_working_day_after(before, ctx.policy["repair_extension"])
    return {"data": {"extension": {"reason": ctx.inputs["reason"], "on": ctx.today.isoformat(),
                                   "last_day_before": before.isoformat(), "last_day": last.isoformat(),
                                   "working_days": ctx.policy["repair_extension"]}}}


def _clear_proposal(ctx) -> dict:
    returned = list(ctx.data.get("returned", [])) + [{**ctx.data.get("proposal", {}), "returned_by": ctx.actor.name,
                                                      "return_reason": ctx.inputs["reason"],
                                                      "returned_on": ctx.today.isoformat()}]
    return {"data": {"proposal": None, "returned": returned}}


def _record_decision(ctx) -> dict:
    proposal = ctx.data["proposal"]
    decisions = list(ctx.data.get("decisions") or []) + [
        {**proposal["inputs"], "trigger": proposal["trigger"], "proposed_by": proposal["by"],
         "approved_by": ctx.actor.name, "on": ctx.today.isoformat()}]
    return {"data": {"decision": decisions[-1], "decisions": decisions}}


def _record_publication(ctx) -> dict:
    rounds = list(ctx.data.get("public_notices") or []) + [{"published_on": ctx.today.isoformat()}]
    return {"data": {"public_notices": rounds}}


def _record_public_objection(ctx) -> dict:
    objections = list(ctx.data.get("public_objections") or []) + [
        {"objector": ctx.inputs["objector"], "reason": ctx.inputs["reason"], "on": ctx.today.isoformat(),
         "recorded_by": ctx.actor.name}]
    return {"data": {"public_objections": objections}}


def _record_board_objection(ctx) -> dict:
    """An objection raised by the public on the public board: as one the handler registers, with the channel and the
    reference of the objector's sealed contact details (the value itself stays in the sealed inputs)."""
    out = _record_public_objection(ctx)
    out["data"]["public_objections"][-1].update(channel="public_board", contact=ctx.inputs["contact"])
    return out


def _record_contact_reading(ctx) -> dict:
    readings = list(ctx.data.get("contact_readings") or []) + [{"by": ctx.actor.name, "on": ctx.today.isoformat()}]
    return {"data": {"contact_readings": readings}}


def _complete_repair(ctx) -> dict:
    """The repair takes effect when the public notice ends with no objection (Art. 41): on that day, however
    late the sweep runs; the report to the credit management department is made with the notice 附件5."""
    return {"data": {"repaired_on": ctx.today.isoformat(),
                     "reported_to": {"department": CREDIT_DEPARTMENT, "on": ctx.today.isoformat(),
                                     "rule": f"{HENAN} Art. 41"}}}


def _record_false_material(ctx) -> dict:
    """Art. 40: false material or a false or broken commitment is recorded (a new 失信 record, opened with
    this transition) and bars the subject from repair for 3 years from the day it is established."""
    months = ctx.policy["repair_ban_months"]
    return {"data": {"false_material": {
        "facts": ctx.inputs["facts"], "on": ctx.today.isoformat(), "by": ctx.actor.name,
        "ban_months": months, "ban_until": add_months(ctx.today, months).isoformat(),
        "revoked_repair": ctx.case.state == "repaired"}}}


def _flag_overdue(ctx) -> dict:
    return {"overdue": True}


def _decided(ctx) -> dict:
    """The decision is made (a repair approved for public notice): the case is no longer waiting for it, so a
    supervision flag (督办) set when the period ran out is lifted; the log keeps both."""
    return {"overdue": False}


def _false_commitment_record(ctx) -> dict:
    return {"category": FALSE_COMMITMENT, "determined_on": ctx.today,
            "disclosure_months": ctx.policy["bad_disclosure_months"], "severity": "general",
            "facts": ctx.inputs["facts"], "basis": f"信用修复案件{ctx.after.id}"}


def _repaired_inputs(ctx) -> dict:
    return {"repair_case": ctx.after.id}


# -- notices -------------------------------------------------------------------------------------------

RECEIPT = Notice("repair/registered.html.j2", "信用修复申请接收回执", SERIES, "subject")
SUPPLEMENTED = Notice("repair/supplemented.html.j2", "信用修复补正材料接收回执", SERIES, "subject")
ACCEPTED = Notice("repair/accepted.html.j2", "信用修复申请受理通知书", SERIES, "subject")
NOT_ACCEPTED = Notice("repair/not_accepted.html.j2", "信用修复申请不予受理告知书", SERIES, "subject", against_subject=True)
EXTENDED = Notice("repair/extended.html.j2", "信用修复处理期限延长通知书", SERIES, "subject")
PROPOSAL = Notice("repair/proposal.html.j2", "信用修复拟办意见", RECORD_SERIES, "internal")
RETURNED = Notice("repair/returned.html.j2", "信用修复拟办意见退回重审记录", RECORD_SERIES, "internal")
PUBLISHED = Notice("repair/public_notice.html.j2", "信用修复公示", PUBLIC_SERIES, "public")
OBJECTED = Notice("repair/public_objection.html.j2", "信用修复公示期间异议告知书", SERIES, "subject")
OBJECTED_ON_BOARD = Notice("repair/board_objection.html.j2", "信用修复公示期间异议告知书", SERIES, "subject")
CONTACT_READ = Notice("repair/contact_read.html.j2", "公示异议人联系方式查阅记录", RECORD_SERIES, "internal")
REPAIRED = Notice("repair/repaired.html.j2", "信用修复决定书", SERIES, "subject")
REFUSED = Notice("repair/refused.html.j2", "不予信用修复决定书", SERIES, "subject", against_subject=True)
FALSE_REFUSED = Notice("repair/false_material.html.j2", "不予信用修复决定书", SERIES, "subject", against_subject=True)
REVOKED = Notice("repair/false_material.html.j2", "撤销信用修复决定书", SERIES, "subject", against_subject=True)
OVERDUE = Notice("repair/overdue.html.j2", "信用修复处理超期督办通知", OVERDUE_SERIES, "approvers")

MATERIALS_INPUT_LABEL = "申请材料（代码或名称，逗号分隔：" + "、".join(MATERIALS) + "）"
OPEN_INPUTS = (
    Input("received", "date", label="收到书面申请日期"),
    Input("materials", "str_list", required=False, label=MATERIALS_INPUT_LABEL),
)
RECORD_DISCLOSED = Guard(
    "record_disclosed", "REP-RECORD", f"{HENAN} Art. 37, 38",
    "该失信记录已不在公示中（{reason}），信用修复是停止公示失信记录的程序，无需也不能再申请修复；请核对所申请修复的记录")
MATERIALS_KNOWN = Guard(
    "materials_known", "REP-MATERIALS", f"{HENAN} Art. 40; {HONGQIAO} §18",
    "申请材料“{unknown}”不是可登记的材料；请填写以下代码或名称：{known}")
OPEN_GUARDS = (
    Guard("received_not_future", "REP-DATE", f"{HENAN} Art. 38, 41",
          "收到日期不能晚于今天；请填写实际收到书面修复申请的日期"),
    RECORD_DISCLOSED,
    Guard("received_after_determination", "REP-DATE", f"{HENAN} Art. 38, 39",
          "收到日期早于该失信记录的认定日期（{determined_on}）；请核对日期"),
    Guard("waiting_over", "REP-WAIT", f"{HENAN} Art. 39(1)",
          "该失信记录于{determined_on}认定，依《河南省医疗保障基金使用信用管理办法》第三十九条第（一）项（按认定之日施行的规定），"
          "自{eligible_from}起方可申请信用修复；此前收到的申请不予受理，申请人可于{eligible_from}起重新申请"),
    Guard("no_recurrence", "REP-RECUR", f"{HENAN} Art. 39(2)",
          "该主体于{determined_on}再次被认定同类失信行为（{category}，失信记录案件 {record}），且该记录仍在公示中；"
          "依《河南省医疗保障基金使用信用管理办法》第三十九条第（二）项，不予信用修复"),
    Guard("not_banned", "REP-BAN", f"{HENAN} Art. 40",
          "该主体因提供虚假材料、信用承诺不实或者不履行承诺被记入信用记录（失信记录案件 {record}），"
          "依《河南省医疗保障基金使用信用管理办法》第四十条，至{ban_until}不得申请信用修复；自{first_day}起方可申请"),
    MATERIALS_KNOWN,
    Guard("not_pending", "REP-PENDING", "creditflow policy: 同一失信记录同一时间只办理一件信用修复申请",
          "该失信记录已有信用修复申请正在办理（案件 {case}）；请在该案件作出决定后再登记新的申请"),
)


TRANSITIONS = (
    Transition(
        trigger="open", source=(NEW,), dest="received", role="handler", label="登记信用修复申请",
        notice=RECEIPT, inputs=OPEN_INPUTS, guards=OPEN_GUARDS, effects=("record_application",),
    ),
    Transition(
        trigger="supplement", source=("received",), dest=None, role="handler", label="登记补正材料",
        notice=SUPPLEMENTED,
        inputs=(Input("materials", "str_list", label="补正的材料（代码或名称，逗号分隔）"),
                Input("received", "date", required=False, label="收到补正材料日期（默认今天）")),
        guards=(MATERIALS_KNOWN,
                Guard("supplement_dated", "REP-DATE", f"{HENAN} Art. 40",
                      "收到补正材料的日期应在收到申请之日（{received_on}）至今天之间；请核对日期")),
        effects=("record_supplement",),
    ),
    Transition(
        trigger="accept", source=("received",), dest="under_review", role="handler", label="受理",
        notice=ACCEPTED,
        guards=(Guard("materials_complete", "REP-MATERIALS", f"{HENAN} Art. 40",
                      "申请材料不全，尚缺：{missing}；请以 supplement 登记补正的材料，或以 not_accept 不予受理"),
                Guard("record_still_disclosed", "REP-RECORD", f"{HENAN} Art. 37, 38",
                      "该失信记录已不在公示中（{reason}），无需修复；请以 not_accept 不予受理并说明理由")),
        timers=(TimerEffect("start", "decision"),), effects=("record_acceptance",),
    ),
    Transition(
        trigger="not_accept", source=("received",), dest="not_accepted", role="handler", label="不予受理",
        notice=NOT_ACCEPTED, inputs=(Input("reason", "text", label="不予受理的理由"),),
        effects=("record_not_accepted",),
    ),
    Transition(
        trigger="extend", source=DECIDING, dest=None, role="handler", label="延长处理期限（情况复杂）",
        notice=EXTENDED, inputs=(Input("reason", "text", label="情况复杂需要延长的理由"),),
        guards=(Guard("not_extended_before", "REP-EXTEND", f"{HENAN} Art. 41",
                      "处理期限已于{on}延长过一次（至{last_day}）；第四十一条规定延长期限最多不超过15个工作日，不能再次延长"),
                Guard("decision_running", "REP-CLOCK", f"{HENAN} Art. 41",
                      "处理期限已届满或未在计算中，不能延长；期限届满前方可延长")),
        timers=(TimerEffect("extend", "decision", amount="repair_extension"),), effects=("record_extension",),
    ),
    Transition(
        trigger="propose_approve", source=("under_review",), dest="approve_proposed", role="handler",
        label="拟同意信用修复", notice=PROPOSAL, proposal=True, inputs=(Input("findings", "text", label="审查意见"),),
    ),
    Transition(
        trigger="propose_refuse", source=("under_review", "re_review"), dest="refuse_proposed", role="handler",
        label="拟不予信用修复", notice=PROPOSAL, proposal=True,
        inputs=(Input("findings", "text", label="审查意见（不予修复的理由）"),),
    ),
    Transition(
        trigger="propose_confirm", source=("re_review",), dest="confirm_proposed", role="handler",
        label="拟维持信用修复（公示异议不成立）", notice=PROPOSAL, proposal=True,
        inputs=(Input("findings", "text", label="复核意见（公示异议不成立的理由）"),),
    ),
    Transition(
        trigger="approve", source=("approve_proposed",), dest="public_notice", role="approver",
        label="审核同意：予以信用修复，公示", notice=PUBLISHED, decision=True,
        timers=(TimerEffect("stop", "decision"), TimerEffect("start", "public_notice")),
        effects=("record_decision", "record_publication", "decided"),
    ),
    Transition(
        trigger="approve", source=("confirm_proposed",), dest="public_notice", role="approver",
        label="审核同意：维持信用修复，重新公示", notice=PUBLISHED, decision=True,
        timers=(TimerEffect("start", "public_notice"),),
        effects=("record_decision", "record_publication"),
    ),
    Transition(
        trigger="approve", source=("refuse_proposed",), dest="refused", role="approver",
        label="审核同意：不予信用修复", notice=REFUSED, decision=True, timers=(TimerEffect("stop", "decision"),),
        effects=("record_decision",),
    ),
    Transition(
        trigger="return", source=("confirm_proposed", "refuse_proposed"), dest="re_review", role="approver",
        when="after_public_objection", label="退回重新复核", notice=RETURNED, decision=True,
        inputs=(Input("reason", "text", label="退回理由"),), effects=("clear_proposal",),
    ),
    Transition(
        trigger="return", source=("approve_proposed", "refuse_proposed"), dest="under_review", role="approver",
        label="退回重新审查", notice=RETURNED, decision=True,
        inputs=(Input("reason", "text", label="退回理由"),), effects=("clear_proposal",),
    ),
    Transition(
        trigger="public_objection", source=("public_notice",), dest="re_review", role="handler",
        label="登记公示期间收到的异议", notice=OBJECTED,
        inputs=(Input("objector", "str", label="异议人", max_length=NAME_LENGTH),
                Input("reason", "text", label="异议理由")),
        timers=(TimerEffect("stop", "public_notice"),), effects=("record_public_objection",),
    ),
    Transition(
        trigger="board_objection", source=("public_notice",), dest="re_review", role=PUBLIC_ROLE,
        label="公众在公示栏提出异议", notice=OBJECTED_ON_BOARD,
        inputs=(Input("objector", "str", label="异议人姓名或名称", max_length=NAME_LENGTH),
                Input("contact", "str", label="联系方式（手机、固定电话或电子邮箱；不公开）", max_length=NAME_LENGTH,
                      sealed=True),
                Input("reason", "text", label="异议理由")),
        guards=(Guard("public_notice_open", "REP-PUBLIC", f"{HENAN} Art. 41",
                      "该信用修复的公示期已于{last_day}届满或已停止，不再接受公示异议；对信用信息有异议的，"
                      "可向本局书面提出"),
                Guard("contact_reachable", "REP-CONTACT", f"{HENAN} Art. 28, 41",
                      "联系方式须为手机号码、固定电话（如0371-12345678）或电子邮箱，以便告知异议复核结果；请重新填写")),
        timers=(TimerEffect("stop", "public_notice"),), effects=("record_board_objection",),
    ),
    Transition(
        trigger=SEALED_READ_TRIGGER, source=tuple(s.name for s in STATES), dest=None, role="handler|approver",
        label="查阅公示异议人的联系方式", notice=CONTACT_READ, effects=("record_contact_reading",),
        guards=(Guard("contact_sealed", "REP-SEALED", f"{HENAN} Art. 28, 41",
                      "本案没有在公示栏提出异议的异议人，没有可查阅的联系方式"),),
    ),
    Transition(
        trigger="public_notice_expired", source=("public_notice",), dest="repaired", role="system",
        label="公示期满无异议，信用修复", notice=REPAIRED, order=10, effects=("complete_repair",),
        notifies=(Notify("parent", "repaired", kind=RECORD_KIND, inputs=_repaired_inputs),),
    ),
    Transition(
        trigger="decision_overdue", source=DECIDING, dest=None, role="system", label="处理期限届满，督办",
        notice=OVERDUE, effects=("flag_overdue",), order=50,
    ),
    Transition(
        trigger="false_material", source=OPEN, dest="refused", role="handler",
        label="认定提供虚假材料或者违背信用承诺，不予修复", notice=FALSE_REFUSED,
        inputs=(Input("facts", "text", label="认定的事实（虚假材料、承诺不实或者不履行承诺）"),),
        effects=("record_false_material",),
        opens=(Open(RECORD_KIND, "determine", relation="linked", inputs=_false_commitment_record),),
    ),
    Transition(
        trigger="false_material", source=("repaired",), dest="refused", role="handler", reopens=True,
        label="认定提供虚假材料或者违背信用承诺，撤销信用修复", notice=REVOKED,
        inputs=(Input("facts", "text", label="认定的事实（虚假材料、承诺不实或者不履行承诺）"),),
        effects=("record_false_material",),
        opens=(Open(RECORD_KIND, "determine", relation="linked", inputs=_false_commitment_record),),
        notifies=(Notify("parent", "repair_revoked", kind=RECORD_KIND),),
    ),
    correction(SERIES, STATES),
    common.reminder(RECORD_SERIES, STATES),
    *common.recomputed(SERIES, RECORD_SERIES, STATES),
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    data = case.data
    return {"record": (data.get("record") or {}).get("id"), "received_on": data.get("received_on"),
            "materials": data.get("materials"), "missing": data.get("missing")}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="信用修复",
    states=STATES,
    initial="received",
    transitions=TRANSITIONS,
    timers=TIMERS,
    parent_kinds=(RECORD_KIND,),
    opens_on=("parent",),
    guards={**common.GUARDS, 
        "received_not_future": _received_not_future,
        "record_disclosed": _record_disclosed,
        "received_after_determination": _received_after_determination,
        "waiting_over": _waiting_over,
        "no_recurrence": _no_recurrence,
        "not_banned": _not_banned,
        "materials_known": _materials_known,
        "not_pending": _not_pending,
        "supplement_dated": _supplement_dated,
        "materials_complete": _materials_complete,
        "record_still_disclosed": _record_still_disclosed,
        "not_extended_before": _not_extended_before,
        "decision_running": _decision_running,
        "public_notice_open": _public_notice_open,
        "contact_reachable": _contact_reachable,
        "contact_sealed": _contact_sealed,
    },
    conditions={"after_public_objection": _after_public_objection, **common.CONDITIONS},
    effects={
        "record_application": _record_application,
        "record_supplement": _record_supplement,
        "record_acceptance": _record_acceptance,
        "record_not_accepted": _record_not_accepted,
        "record_extension": _record_extension,
        "clear_proposal": _clear_proposal,
        "record_decision": _record_decision,
        "record_publication": _record_publication,
        "record_public_objection": _record_public_objection,
        "record_board_objection": _record_board_objection,
        "record_contact_reading": _record_contact_reading,
        "complete_repair": _complete_repair,
        "record_false_material": _record_false_material,
        "flag_overdue": _flag_overdue,
        "decided": _decided,
        **common.EFFECTS,
    },
    summary=_summary,
    notice_context={"measure": HENAN, "hongqiao": HONGQIAO, "materials": MATERIALS, "required_materials": REQUIRED,
                    "credit_department": CREDIT_DEPARTMENT, "severities": SEVERITIES,
                    "withdrawn_reasons": WITHDRAWN_REASONS},
)
from .repair_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
