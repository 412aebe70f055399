"""Transfer of a suspected crime to the public security organ (涉嫌犯罪案件移送公安机关): the child case a fraud
case opens when its review meeting decides a police transfer (docs/rules.md §6).

Source: 行政执法机关移送涉嫌犯罪案件的规定 (State Council Order No. 310 of 2001, as revised by Order No. 730 of
2020), cited as "Order 310 Art. N" [V]. Its periods of 3 days are calendar days (the Order has no working-day
clause), counted by the Civil Code (Art. 201: the day of the event not counted; Art. 203: a last day on a rest day
or holiday moves to the next working day); its 24 hours run from the instant to the instant (Art. 201(2)).

Opened only by the fraud case (states/fraud.py `approve` of the outcomes, in the same transaction: system trigger
`open` with `police_organ`, `suspected_crime`, `amount`). Then:

* `report` (handler): the case team of two or more officers, named at once, verifies the facts and writes the
  transfer report (Art. 5(1): `team`, at least `transfer_team_min` names; `report`); the head has 3 days from
  receiving it (`approval`, agency side) to
* `approve_transfer` or `refuse_transfer` (approver, not the one who submitted the report; a refusal records its
  reasons, Art. 5(2), and tells the fraud case `transfer_refused`); approved, the case goes to the same-level
  public security organ within 24 hours (`transfer`, unit hours, agency side) by
* `send` with the five enclosures of Art. 6 (`enclosures`: transfer_letter, investigation_report, items_list,
  appraisal, other_material; refused while one is missing): the 涉嫌犯罪案件移送书 to the police organ, naming the
  suspect in full (audience `authority`);
* the police sign the receipt (`receipt_signed`) or forward the case within 24 hours to the competent organ and
  say so in writing (`forwarded`, Art. 7); either way they review within 3 days (`police_review`, police side,
  Art. 8) and notify the filing (`police_filed`) or decline with reasons, returning the file (`police_declined`);
* on a decline the bureau may, within 3 days of the notice (`reconsideration_request`, agency side, Art. 9(1)), ask
  the police to reconsider (`ask_reconsideration`; they answer within 3 days: `reconsideration_answer`, police
  side, Art. 9(2)) or go to the procuratorate directly (`refer_procuratorate`, 建议立案监督); after a declined
  reconsideration (`reconsideration_declined`) the procuratorate within 3 days (`procuratorate_request`, agency
  side, Art. 9(2)); or the bureau handles the case itself (`handle_ourselves`, Art. 10); the procuratorate's
  supervision ends in a filing (`procuratorate_filed`) or not (`procuratorate_declined`: Art. 10 again);
* after any filing notice the bureau hands the items and the file over within 3 days (`handover`, agency side,
  Art. 12) and records it (`files_handed_over`): the case is closed. Every filing tells the fraud case
  `transfer_filed`;
* the police may send a case back with administrative liability but no crime (`sent_back`, Art. 13), while they
  review it or after filing it.

Every way back to the bureau (`handle_ourselves`, `procuratorate_declined`, `sent_back`) ends this case in
`returned` and tells the fraud case `transfer_returned` with the reason and the route (`RETURN_ROUTES`), so that it
may decide the penalty itself (Art. 10, 13; a fine already paid is offset later, Art. 11).

A period that passes — the bureau's own or the police's — flags the case overdue (督办) and sends the approvers a
supervision notice; it decides nothing (Art. 16 and 17 name who answers for a late transfer or a late decision).
"""

from __future__ import annotations

from datetime import datetime

from calendars import SHANGHAI

from . import common
from .spec import (NAME_LENGTH, NEW, Guard, Input, Link, Notice, Policy, PolicyNumber, Procedure, State, TimerEffect,
                   TimerSpec, Transition)

KIND = "transfer"
PARENT_KIND = "fraud"
SERIES = "移"  # documents to the police and the procuratorate (移送书, 提请复议书, 立案监督建议书)
RECORD_SERIES = "移记"  # internal records
OVERDUE_SERIES = "督"  # supervision (督办), as the other procedures'
ORDER_310 = "行政执法机关移送涉嫌犯罪案件的规定"  # State Council Order No. 310 (2001), revised by Order No. 730 (2020)

# The five enclosures of Art. 6, in its order.
ENCLOSURES = {
    "transfer_letter": "涉嫌犯罪案件移送书",
    "investigation_report": "涉嫌犯罪案件情况的调查报告",
    "items_list": "涉案物品清单",
    "appraisal": "有关检验报告或者鉴定结论",
    "other_material": "其他有关涉嫌犯罪的材料",
}
# How the case came back to the bureau (the `route` input of the fraud case's `transfer_returned`).
RETURN_ROUTES = {
    "declined": "公安机关决定不予立案（含复议后仍不予立案），本局不再提请复议或者建议立案监督，依法自行处理",
    "procuratorate_declined": "人民检察院未要求公安机关立案，本局依法自行处理",
    "sent_back": "公安机关认为没有犯罪事实或者犯罪事实显著轻微，但依法应当追究行政责任，将案件移送本局",
}
# Who filed the case (police_filed / reconsideration_filed / procuratorate_filed).
FILED_BY = {
    "police": "公安机关经审查决定立案",
    "reconsideration": "公安机关经复议决定立案",
    "procuratorate": "经人民检察院立案监督，公安机关决定立案",
}

# Order 310's numbers; the procedure's own (laid over the deployment's policy).
POLICY = Policy("order-310-2020", {
    "transfer_team_min": PolicyNumber(
        2, "persons", f"{ORDER_310} Art. 5(1)（应当立即指定2名或者2名以上行政执法人员组成专案组专门负责）"),
    "transfer_approval_days": PolicyNumber(
        3, "days", f"{ORDER_310} Art. 5(2)（正职负责人或者主持工作的负责人应当自接到报告之日起3日内作出批准移送或者不批准移送的决定）; "
                   "calendar days (the Order has no working-day clause), Civil Code Art. 201, 203"),
    "transfer_hours": PolicyNumber(
        24, "hours", f"{ORDER_310} Art. 5(2)（决定批准的，应当在24小时内向同级公安机关移送）; from the instant, Civil Code Art. 201(2)"),
    "transfer_forward_hours": PolicyNumber(
        24, "hours", f"{ORDER_310} Art. 7（不属于本机关管辖的，应当在24小时内转送有管辖权的机关，并书面告知移送案件的行政执法机关）"),
    "transfer_police_review_days": PolicyNumber(
        3, "days", f"{ORDER_310} Art. 8（公安机关应当自接受移送的涉嫌犯罪案件之日起3日内……进行审查）; calendar days, Civil Code "
                   "Art. 201, 203"),
    "transfer_reconsideration_request_days": PolicyNumber(
        3, "days", f"{ORDER_310} Art. 9(1)（可以自接到不予立案通知书之日起3日内，提请作出不予立案决定的公安机关复议）; calendar days, "
                   "Civil Code Art. 201, 203"),
    "transfer_reconsideration_answer_days": PolicyNumber(
        3, "days", f"{ORDER_310} Art. 9(2)（应当自收到行政执法机关提请复议的文件之日起3日内作出立案或者不予立案的决定）; calendar days, "
                   "Civil Code Art. 201, 203; counted from the day the bureau delivers its request (our reading: the request "
                   "is delivered the day it is made)"),
    "transfer_procuratorate_request_days": PolicyNumber(
        3, "days", f"{ORDER_310} Art. 9(2)（对复议决定仍有异议的，应当自收到复议决定通知书之日起3日内建议人民检察院依法进行立案监督）; "
                   "calendar days, Civil Code Art. 201, 203"),
    "transfer_handover_days": PolicyNumber(
        3, "days", f"{ORDER_310} Art. 12（应当自接到立案通知书之日起3日内将涉案物品以及与案件有关的其他材料移交公安机关）; calendar days, "
                   "Civil Code Art. 201, 203"),
})

STATES = (
    State("opened", "已决定移送（待专案组提出移送报告）"),
    State("reported", "移送报告待负责人审批"),
    State("approved", "已批准移送（待移送公安机关）"),
    State("sent", "已移送（待公安机关签收）"),
    State("police_reviewing", "公安机关审查中"),
    State("declined", "公安机关不予立案（可提请复议或者建议立案监督）"),
    State("reconsideration", "已提请复议（待公安机关复议决定）"),
    State("reconsideration_declined", "复议决定不予立案（可建议人民检察院立案监督）"),
    State("procuratorate", "已建议人民检察院立案监督"),
    State("filed", "已立案（待移交涉案物品和材料）"),
    State("closed", "已移交涉案物品和材料，结案", final=True),
    State("returned", "退回本局依法处理", final=True),
    State("not_transferred", "不批准移送", final=True),
)
OPEN = tuple(s.name for s in STATES if not s.final)

TIMERS = (
    TimerSpec("approval", "days", "transfer_approval_days", "agency", "approval_overdue",
              "移送审批期限（自接到移送报告之日起3日）"),
    TimerSpec("transfer", "hours", "transfer_hours", "agency", "transfer_overdue",
              "移送期限（自批准移送之时起24小时）"),
    # The police's periods: their expiry flags the case and tells the approvers, as the bureau's own do.
    TimerSpec("police_review", "days", "transfer_police_review_days", "agency", "police_review_overdue",
              "公安机关审查期限（自接受移送之日起3日，公安机关一方）"),
    TimerSpec("reconsideration_request", "days", "transfer_reconsideration_request_days", "agency",
              "reconsideration_request_overdue", "提请复议期限（自接到不予立案通知书之日起3日）"),
    TimerSpec("reconsideration_answer", "days", "transfer_reconsideration_answer_days", "agency",
              "reconsideration_answer_overdue", "公安机关复议期限（自收到提请复议文件之日起3日，公安机关一方）"),
    TimerSpec("procuratorate_request", "days", "transfer_procuratorate_request_days", "agency",
              "procuratorate_request_overdue", "建议立案监督期限（自收到复议决定通知书之日起3日）"),
    TimerSpec("handover", "days", "transfer_handover_days", "agency", "handover_overdue",
              "移交涉案物品和材料期限（自接到立案通知书之日起3日）"),
)
POLICE_SIDE = ("police_review", "reconsideration_answer")  # the police's periods among the timers


# -- helpers -------------------------------------------------------------------------------------------------

_day, _zh = common.day_of, common.day_zh  # a day from data or input, and as a refusal names it


def instant_zh(value) -> str:
    """An instant as a notice states it, in Asia/Shanghai: 2026年10月1日15时00分."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def enclosure_code(value: str) -> str | None:
    """An enclosure as the form gives it: its code or its label (Art. 6 wording)."""
    value = (value or "").strip()
    if value in ENCLOSURES:
        return value
    return next((code for code, label in ENCLOSURES.items() if value == label), None)


# -- guards ------------------------------------------------------------------------------------------------------

def _team_complete(ctx) -> bool:
    names = list(dict.fromkeys(n.strip() for n in ctx.inputs.get("team") or [] if n.strip()))
    low = ctx.policy["transfer_team_min"]
    ctx.details.update(low=low, count=len(names), names="、".join(names) or "无")
    return len(names) >= low


def _enclosures_known(ctx) -> bool:
    unknown = [e for e in ctx.inputs.get("enclosures") or [] if enclosure_code(e) is None]
    ctx.details.update(unknown="、".join(unknown),
                       known="；".join(f"{code}（{label}）" for code, label in ENCLOSURES.items()))
    return not unknown


def _enclosures_complete(ctx) -> bool:
    given = {enclosure_code(e) for e in ctx.inputs.get("enclosures") or []}
    missing = [code for code in ENCLOSURES if code not in given]
    ctx.details["missing"] = "、".join(f"{ENCLOSURES[c]}（{c}）" for c in missing)
    return not missing


def _dated(name: str, since_key, since_label: str):
    """The date input `name` lies between the day the case recorded under `since_key` (a callable of the data)
    and today."""
    def guard(ctx) -> bool:
        since = _day(since_key(ctx.data))
        ctx.details.update(since=_zh(since), since_label=since_label, today=_zh(ctx.today))
        value = ctx.inputs[name]
        return since is not None and since <= value <= ctx.today

    return guard


def _sent_day(data):
    return (data.get("sent") or {}).get("at")


def _review_from(data):
    return (data.get("review") or {}).get("from")


def _reconsideration_day(data):
    return (data.get("reconsideration") or {}).get("requested_on")


def _procuratorate_day(data):
    return (data.get("procuratorate") or {}).get("requested_on")


def _filed_day(data):
    return (data.get("filed") or {}).get("notified_on")


def _other_organ(ctx) -> bool:
    current = (ctx.data.get("police_organ") or "").strip()
    ctx.details["organ"] = current
    return ctx.inputs["organ"].strip() != current


# -- effects ------------------------------------------------------------------------------------------------------

def _record_opening(ctx) -> dict:
    parent = ctx.parent
    return {"data": {
        "police_organ": ctx.inputs["police_organ"].strip(), "suspected_crime": ctx.inputs["suspected_crime"].strip(),
        "amount": ctx.inputs["amount"], "opened_on": ctx.today.isoformat(),
        "fraud_case": parent.id if parent is not None else None, "team": [], "overdue_periods": [],
        # the numbers in force when the transfer was decided, as its notices state them (each with its source
        # in POLICY)
        "numbers": {key: ctx.policy[key] for key in POLICY.numbers}}}


def _record_report(ctx) -> dict:
    team = list(dict.fromkeys(n.strip() for n in ctx.inputs["team"] if n.strip()))
    return {"data": {"team": team, "report": {"text": ctx.inputs["report"], "by": ctx.actor.name,
                                              "on": ctx.today.isoformat()}}, "overdue": False}


def _record_approval(ctx) -> dict:
    return {"data": {"approval": {"by": ctx.actor.name, "on": ctx.today.isoformat(),
                                  "at": ctx.now.astimezone(SHANGHAI).isoformat(),
                                  "proposed_by": (ctx.data.get("proposal") or {}).get("by")}}, "overdue": False}


def _record_refusal(ctx) -> dict:
    return {"data": {"refusal": {"reasons": ctx.inputs["reasons"], "by": ctx.actor.name, "on": ctx.today.isoformat(),
                                 "proposed_by": (ctx.data.get("proposal") or {}).get("by")}}}


def _record_sending(ctx) -> dict:
    codes = [code for code in ENCLOSURES if code in {enclosure_code(e) for e in ctx.inputs["enclosures"]}]
    approved_at = datetime.fromisoformat(ctx.data["approval"]["at"])
    hours = ctx.policy["transfer_hours"]
    late = (ctx.now - approved_at).total_seconds() > hours * 3600
    return {"data": {"sent": {"at": ctx.now.astimezone(SHANGHAI).isoformat(), "by": ctx.actor.name, "enclosures": codes,
                              "enclosure_labels": [ENCLOSURES[c] for c in codes],
                              "note": (ctx.inputs.get("note") or "").strip() or None, "within_hours": not late,
                              "hours": hours}},
            "overdue": False}


def _record_receipt(ctx) -> dict:
    return {"data": {"receipt": {"signed_on": ctx.inputs["signed_on"].isoformat(), "recorded_by": ctx.actor.name,
                                 "recorded_on": ctx.today.isoformat()},
                     "review": {"from": ctx.inputs["signed_on"].isoformat(), "organ": ctx.data["police_organ"]}}}


def _record_forwarding(ctx) -> dict:
    organ = ctx.inputs["organ"].strip()
    forwarded = {"from_organ": ctx.data["police_organ"], "organ": organ,
                 "forwarded_on": ctx.inputs["forwarded_on"].isoformat(), "recorded_by": ctx.actor.name,
                 "recorded_on": ctx.today.isoformat(), "hours": ctx.policy["transfer_forward_hours"]}
    return {"data": {"police_organ": organ, "forwarded": forwarded,
                     "review": {"from": ctx.inputs["forwarded_on"].isoformat(), "organ": organ}}}


def _police_notice(ctx, outcome: str) -> dict:
    return {"outcome": outcome, "notified_on": ctx.inputs["notified_on"].isoformat(),
            "notice_no": (ctx.inputs.get("notice_no") or "").strip() or None,
            "reasons": (ctx.inputs.get("reasons") or "").strip() or None,
            "recorded_by": ctx.actor.name, "recorded_on": ctx.today.isoformat()}


def _filed(by: str):
    def effect(ctx) -> dict:
        notice = _police_notice(ctx, "filed")
        out = {"filed": {**notice, "by": by, "by_label": FILED_BY[by]}}
        if by == "police":
            out["police_decision"] = notice
        elif by == "reconsideration":
            out["reconsideration"] = {**ctx.data["reconsideration"], "decision": notice}
        else:
            out["procuratorate"] = {**ctx.data["procuratorate"], "decision": notice}
        return {"data": out, "overdue": False}

    return effect


def _record_police_decline(ctx) -> dict:
    return {"data": {"police_decision": _police_notice(ctx, "declined")}, "overdue": False}


def _record_reconsideration_request(ctx) -> dict:
    return {"data": {"reconsideration": {"requested_on": ctx.today.isoformat(), "grounds": ctx.inputs["grounds"],
                                         "organ": ctx.data["police_organ"], "by": ctx.actor.name}}, "overdue": False}


def _record_reconsideration_decline(ctx) -> dict:
    return {"data": {"reconsideration": {**ctx.data["reconsideration"], "decision": _police_notice(ctx, "declined")}},
            "overdue": False}


def _record_procuratorate_request(ctx) -> dict:
    after = "reconsideration" if ctx.case.state == "reconsideration_declined" else "police_decline"
    return {"data": {"procuratorate": {
        "name": ctx.inputs["procuratorate"].strip(), "requested_on": ctx.today.isoformat(),
        "grounds": ctx.inputs["grounds"], "after": after, "by": ctx.actor.name}}, "overdue": False}


def _record_handover(ctx) -> dict:
    return {"data": {"handover": {
        "handed_over_on": ctx.inputs["handed_over_on"].isoformat(), "items": ctx.inputs["items"],
        "receiver": (ctx.inputs.get("receiver") or "").strip() or None, "recorded_by": ctx.actor.name,
        "recorded_on": ctx.today.isoformat(), "organ": ctx.data["police_organ"]}}}


def _returned(route_of):
    def effect(ctx) -> dict:
        route = route_of(ctx)
        reason = ctx.inputs.get("reason") or ctx.inputs.get("reasons")
        out = {"returned": {"route": route, "route_label": RETURN_ROUTES[route], "reason": reason,
                            "on": ctx.today.isoformat(), "by": ctx.actor.name, "state_before": ctx.case.state,
                            "after_reconsideration": ctx.case.state == "reconsideration_declined"}}
        if route == "procuratorate_declined":
            out["procuratorate"] = {**ctx.data["procuratorate"], "decision": _police_notice(ctx, "declined")}
        if route == "sent_back":
            out["sent_back"] = {"notified_on": ctx.inputs["notified_on"].isoformat(), "reason": ctx.inputs["reason"],
                                "after_filing": ctx.case.state == "filed"}
        return {"data": out}

    return effect


def _filed_inputs(ctx) -> dict:
    """What the fraud case is told of a filing: the organ, the day the bureau received the notice, its number."""
    out = {"organ": ctx.data["police_organ"], "filed_on": ctx.inputs["notified_on"].isoformat()}
    if ctx.inputs.get("notice_no"):
        out["notice"] = ctx.inputs["notice_no"]
    return out


def _flag_overdue(timer: str):
    def effect(ctx) -> dict:
        t = ctx.case.timers.get(timer)
        periods = list(ctx.data.get("overdue_periods") or [])
        periods.append({"timer": timer, "last_day": t.last_day.isoformat() if t else None,
                        "ends_at": t.ends_at.astimezone(SHANGHAI).isoformat() if t else None,
                        "police_side": timer in POLICE_SIDE, "flagged_on": ctx.today.isoformat()})
        return {"data": {"overdue_periods": periods}, "overdue": True}

    return effect


# -- notices -------------------------------------------------------------------------------------------------------

def _police_organ(ctx) -> str:
    return ctx.data["police_organ"]


def _procuratorate(ctx) -> str:
    return ctx.data["procuratorate"]["name"]


OPENED = Notice("transfer/opened.html.j2", "涉嫌犯罪案件移送立案记录", RECORD_SERIES, "internal")
REPORT = Notice("transfer/report.html.j2", "移送涉嫌犯罪案件的报告", RECORD_SERIES, "approvers")
APPROVED = Notice("transfer/approved.html.j2", "批准移送涉嫌犯罪案件决定记录", RECORD_SERIES, "internal")
REFUSED = Notice("transfer/refused.html.j2", "不批准移送涉嫌犯罪案件决定记录", RECORD_SERIES, "internal")
LETTER = Notice("transfer/letter.html.j2", "涉嫌犯罪案件移送书", SERIES, "authority", addressee=_police_organ)
RECEIPT = Notice("transfer/receipt.html.j2", "涉嫌犯罪案件移送书回执登记", RECORD_SERIES, "internal")
FORWARDED = Notice("transfer/forwarded.html.j2", "公安机关转送案件登记", RECORD_SERIES, "internal")
FILED = Notice("transfer/filed.html.j2", "公安机关立案通知登记", RECORD_SERIES, "internal")
DECLINED = Notice("transfer/declined.html.j2", "公安机关不予立案通知登记", RECORD_SERIES, "internal")
RECONSIDERATION = Notice("transfer/reconsideration.html.j2", "涉嫌犯罪案件提请复议书", SERIES, "authority",
                         addressee=_police_organ)
RECONSIDERATION_DECLINED = Notice("transfer/reconsideration_declined.html.j2", "公安机关复议决定登记", RECORD_SERIES,
                                  "internal")
PROCURATORATE = Notice("transfer/procuratorate.html.j2", "立案监督建议书", SERIES, "authority", addressee=_procuratorate)
HANDOVER = Notice("transfer/handover.html.j2", "涉案物品和案件材料移交记录", RECORD_SERIES, "internal")
RETURNED = Notice("transfer/returned.html.j2", "涉嫌犯罪案件退回本局处理记录", RECORD_SERIES, "internal")
OVERDUE = Notice("transfer/overdue.html.j2", "涉嫌犯罪案件移送期限届满督办提示", OVERDUE_SERIES, "approvers")

# Inputs a police notice is registered with (立案通知书, 不予立案通知书, 复议决定通知书 …).
NOTIFIED_ON = Input("notified_on", "date", label="接到通知书之日")
NOTICE_NO = Input("notice_no", "str", required=False, label="通知书文号", max_length=NAME_LENGTH)
DECLINE_REASONS = Input("reasons", "text", label="不予立案的理由（通知书所载）")
# A reason the fraud case is told (its `reason` input is one line).
RETURN_REASON = Input("reason", "str", label="理由（一行）")


def _date_guard(name: str, code: str, article: str, what: str, hint: str) -> Guard:
    """A date input between the day the case recorded and today; the message names both days."""
    return Guard(name, code, article, what + "应在{since_label}（{since}）至今天（{today}）之间；请核对" + f"{what}（{hint}）")


GUARDS_BY_NAME = {
    "team_complete": _team_complete,
    "enclosures_known": _enclosures_known,
    "enclosures_complete": _enclosures_complete,
    "receipt_dated": _dated("signed_on", _sent_day, "移送之日"),
    "forward_dated": _dated("forwarded_on", _sent_day, "移送之日"),
    "other_organ": _other_organ,
    "police_notice_dated": _dated("notified_on", _review_from, "公安机关接受移送之日"),
    "reconsideration_notice_dated": _dated("notified_on", _reconsideration_day, "提请复议之日"),
    "procuratorate_notice_dated": _dated("notified_on", _procuratorate_day, "建议立案监督之日"),
    "handover_dated": _dated("handed_over_on", _filed_day, "接到立案通知书之日"),
}
RECEIPT_DATED = _date_guard("receipt_dated", "XFER-DATE", f"{ORDER_310} Art. 7, 8", "回执签收日期", "回执上公安机关签收的日期")
FORWARD_DATED = _date_guard("forward_dated", "XFER-DATE", f"{ORDER_310} Art. 7, 8", "转送日期", "公安机关书面告知所载的转送日期")
POLICE_NOTICE_DATED = _date_guard("police_notice_dated", "XFER-DATE", f"{ORDER_310} Art. 8, 9, 12", "接到通知书之日",
                                  "本局接到公安机关通知书的日期")
RECONSIDERATION_NOTICE_DATED = _date_guard("reconsideration_notice_dated", "XFER-DATE", f"{ORDER_310} Art. 9", "接到通知书之日",
                                           "本局接到复议决定通知书的日期")
PROCURATORATE_NOTICE_DATED = _date_guard("procuratorate_notice_dated", "XFER-DATE", f"{ORDER_310} Art. 9(3), 12",
                                         "接到通知书之日", "本局接到立案通知书或者人民检察院答复的日期")
HANDOVER_DATED = _date_guard("handover_dated", "XFER-DATE", f"{ORDER_310} Art. 12", "移交日期", "交接手续上的日期")


def _overdue(trigger: str, timer: str, source: tuple[str, ...], label: str) -> Transition:
    return Transition(trigger=trigger, source=source, dest=None, role="system", label=label, notice=OVERDUE,
                      effects=(f"flag_{timer}",), order=50)


TRANSITIONS = (
    Transition(
        trigger="open", source=(NEW,), dest="opened", role="system",
        label="欺诈骗保案件决定移送公安机关，立案办理移送", notice=OPENED,
        inputs=(Input("police_organ", "str", label="同级公安机关名称", max_length=NAME_LENGTH),
                Input("suspected_crime", "text", label="涉嫌罪名及主要事实"),
                Input("amount", "int", label="涉案金额（元）")),
        effects=("record_opening",),
    ),
    Transition(
        trigger="report", source=("opened",), dest="reported", role="handler", proposal=True,
        label="专案组提出移送涉嫌犯罪案件的书面报告，报负责人审批", notice=REPORT,
        inputs=(Input("team", "str_list", label="专案组成员（2名以上行政执法人员，逗号分隔）"),
                Input("report", "text", label="移送涉嫌犯罪案件的书面报告（核实的情况和移送意见）")),
        guards=(Guard("team_complete", "XFER-TEAM", f"{ORDER_310} Art. 5(1)",
                      "专案组成员为{count}名（{names}）：应当指定{low}名或者{low}名以上行政执法人员组成专案组专门负责"
                      "（《行政执法机关移送涉嫌犯罪案件的规定》第五条第一款）；请以逗号分隔填写全部成员姓名"),),
        timers=(TimerEffect("start", "approval"),), effects=("record_report",),
    ),
    Transition(
        trigger="approve_transfer", source=("reported",), dest="approved", role="approver", decision=True,
        label="负责人批准移送", notice=APPROVED,
        timers=(TimerEffect("stop", "approval"), TimerEffect("start", "transfer")), effects=("record_approval",),
    ),
    Transition(
        trigger="refuse_transfer", source=("reported",), dest="not_transferred", role="approver", decision=True,
        label="负责人不批准移送（理由记录在案）", notice=REFUSED,
        inputs=(Input("reasons", "str", label="不予批准的理由（记录在案，一行）"),),
        timers=(TimerEffect("stop", "approval"),), effects=("record_refusal",),
        parent=Link("transfer_refused", lambda ctx: {"reason": ctx.inputs["reasons"]}),
    ),
    Transition(
        trigger="send", source=("approved",), dest="sent", role="handler",
        label="向同级公安机关移送（附移送书等材料）", notice=LETTER,
        inputs=(Input("enclosures", "str_list", label="随案移送的材料（代码或名称，逗号分隔：" + "、".join(ENCLOSURES) + "）"),
                Input("note", "text", required=False, label="材料说明（如涉案物品的保存情况）")),
        guards=(Guard("enclosures_known", "XFER-ENCLOSURES", f"{ORDER_310} Art. 6",
                      "随案移送的材料“{unknown}”不是可登记的材料；请填写以下代码或名称：{known}"),
                Guard("enclosures_complete", "XFER-ENCLOSURES", f"{ORDER_310} Art. 6",
                      "移送涉嫌犯罪案件应当附有《行政执法机关移送涉嫌犯罪案件的规定》第六条所列的全部材料，尚缺：{missing}；"
                      "请备齐后再移送（无检验、鉴定的，以说明材料作为“有关检验报告或者鉴定结论”一并移送）")),
        timers=(TimerEffect("stop", "transfer"),), effects=("record_sending",),
    ),
    Transition(
        trigger="receipt_signed", source=("sent",), dest="police_reviewing", role="handler",
        label="登记公安机关在移送书回执上签字", notice=RECEIPT,
        inputs=(Input("signed_on", "date", label="回执签收日期"),),
        guards=(RECEIPT_DATED,),
        timers=(TimerEffect("start", "police_review", anchor="input:signed_on"),), effects=("record_receipt",),
    ),
    Transition(
        trigger="forwarded", source=("sent",), dest="police_reviewing", role="handler",
        label="登记公安机关转送有管辖权的机关的书面告知", notice=FORWARDED,
        inputs=(Input("organ", "str", label="接受转送的有管辖权的机关", max_length=NAME_LENGTH),
                Input("forwarded_on", "date", label="转送日期（书面告知所载）")),
        guards=(FORWARD_DATED,
                Guard("other_organ", "XFER-FORWARD", f"{ORDER_310} Art. 7",
                      "接受转送的机关与原受移送的{organ}相同：转送是公安机关将不属于本机关管辖的案件转送有管辖权的机关；"
                      "公安机关签收回执的，请登记 receipt_signed")),
        timers=(TimerEffect("start", "police_review", anchor="input:forwarded_on"),), effects=("record_forwarding",),
    ),
    Transition(
        trigger="police_filed", source=("police_reviewing",), dest="filed", role="handler",
        label="登记公安机关立案通知", notice=FILED, inputs=(NOTIFIED_ON, NOTICE_NO),
        guards=(POLICE_NOTICE_DATED,),
        timers=(TimerEffect("stop", "police_review"), TimerEffect("start", "handover", anchor="input:notified_on")),
        effects=("record_police_filed",), parent=Link("transfer_filed", _filed_inputs),
    ),
    Transition(
        trigger="police_declined", source=("police_reviewing",), dest="declined", role="handler",
        label="登记公安机关不予立案通知（理由，退回案卷材料）", notice=DECLINED,
        inputs=(NOTIFIED_ON, NOTICE_NO, DECLINE_REASONS),
        guards=(POLICE_NOTICE_DATED,),
        timers=(TimerEffect("stop", "police_review"),
                TimerEffect("start", "reconsideration_request", anchor="input:notified_on")),
        effects=("record_police_decline",),
    ),
    Transition(
        trigger="ask_reconsideration", source=("declined",), dest="reconsideration", role="handler",
        label="提请公安机关复议", notice=RECONSIDERATION,
        inputs=(Input("grounds", "text", label="认为依法应当由公安机关决定立案的理由"),),
        timers=(TimerEffect("stop", "reconsideration_request"), TimerEffect("start", "reconsideration_answer")),
        effects=("record_reconsideration_request",),
    ),
    Transition(
        trigger="reconsideration_filed", source=("reconsideration",), dest="filed", role="handler",
        label="登记公安机关复议决定立案", notice=FILED, inputs=(NOTIFIED_ON, NOTICE_NO),
        guards=(RECONSIDERATION_NOTICE_DATED,),
        timers=(TimerEffect("stop", "reconsideration_answer"),
                TimerEffect("start", "handover", anchor="input:notified_on")),
        effects=("record_reconsideration_filed",), parent=Link("transfer_filed", _filed_inputs),
    ),
    Transition(
        trigger="reconsideration_declined", source=("reconsideration",), dest="reconsideration_declined",
        role="handler", label="登记公安机关复议决定不予立案", notice=RECONSIDERATION_DECLINED,
        inputs=(NOTIFIED_ON, NOTICE_NO, DECLINE_REASONS),
        guards=(RECONSIDERATION_NOTICE_DATED,),
        timers=(TimerEffect("stop", "reconsideration_answer"),
                TimerEffect("start", "procuratorate_request", anchor="input:notified_on")),
        effects=("record_reconsideration_decline",),
    ),
    Transition(
        trigger="refer_procuratorate", source=("declined", "reconsideration_declined"), dest="procuratorate",
        role="handler", label="建议人民检察院依法进行立案监督", notice=PROCURATORATE,
        inputs=(Input("procuratorate", "str", label="人民检察院名称", max_length=NAME_LENGTH),
                Input("grounds", "text", label="建议立案监督的理由")),
        timers=(TimerEffect("stop", "reconsideration_request"), TimerEffect("stop", "procuratorate_request")),
        effects=("record_procuratorate_request",),
    ),
    Transition(
        trigger="procuratorate_filed", source=("procuratorate",), dest="filed", role="handler",
        label="登记经立案监督公安机关立案", notice=FILED, inputs=(NOTIFIED_ON, NOTICE_NO),
        guards=(PROCURATORATE_NOTICE_DATED,),
        timers=(TimerEffect("start", "handover", anchor="input:notified_on"),),
        effects=("record_procuratorate_filed",), parent=Link("transfer_filed", _filed_inputs),
    ),
    Transition(
        trigger="procuratorate_declined", source=("procuratorate",), dest="returned", role="handler",
        label="登记人民检察院未要求公安机关立案，案件退回本局依法处理", notice=RETURNED,
        inputs=(NOTIFIED_ON, NOTICE_NO, Input("reasons", "str", label="人民检察院答复的理由（一行）")),
        guards=(PROCURATORATE_NOTICE_DATED,),
        effects=("return_procuratorate_declined",),
        parent=Link("transfer_returned", lambda ctx: {"reason": ctx.inputs["reasons"], "route": "procuratorate_declined"}),
    ),
    Transition(
        trigger="handle_ourselves", source=("declined", "reconsideration_declined"), dest="returned", role="handler",
        label="不再提请复议或者建议立案监督，由本局依法处理", notice=RETURNED, inputs=(RETURN_REASON,),
        timers=(TimerEffect("stop", "reconsideration_request"), TimerEffect("stop", "procuratorate_request")),
        effects=("return_handle_ourselves",),
        parent=Link("transfer_returned", lambda ctx: {"reason": ctx.inputs["reason"], "route": "declined"}),
    ),
    Transition(
        trigger="sent_back", source=("police_reviewing", "filed"), dest="returned", role="handler",
        label="登记公安机关将案件移送本局追究行政责任", notice=RETURNED,
        inputs=(NOTIFIED_ON, Input("reason", "str", label="公安机关移送的理由（没有犯罪事实或者犯罪事实显著轻微，一行）")),
        guards=(POLICE_NOTICE_DATED,),
        effects=("return_sent_back",),
        parent=Link("transfer_returned", lambda ctx: {"reason": ctx.inputs["reason"], "route": "sent_back"}),
    ),
    Transition(
        trigger="files_handed_over", source=("filed",), dest="closed", role="handler",
        label="登记涉案物品和案件材料移交公安机关，办结交接手续", notice=HANDOVER,
        inputs=(Input("handed_over_on", "date", label="移交日期"),
                Input("items", "text", label="移交的涉案物品和与案件有关的其他材料"),
                Input("receiver", "str", required=False, label="公安机关接收人", max_length=NAME_LENGTH)),
        guards=(HANDOVER_DATED,),
        timers=(TimerEffect("stop", "handover"),), effects=("record_handover",),
    ),
    _overdue("approval_overdue", "approval", ("reported",), "移送审批期限届满，尚未作出决定，督办"),
    _overdue("transfer_overdue", "transfer", ("approved",), "批准移送后24小时届满，尚未移送，督办"),
    _overdue("police_review_overdue", "police_review", ("police_reviewing",), "公安机关审查期限届满，尚未通知立案与否，督办"),
    _overdue("reconsideration_request_overdue", "reconsideration_request", ("declined",),
             "提请复议期限届满，尚未提请复议或者作出处理，督办"),
    _overdue("reconsideration_answer_overdue", "reconsideration_answer", ("reconsideration",),
             "公安机关复议期限届满，尚未通知复议决定，督办"),
    _overdue("procuratorate_request_overdue", "procuratorate_request", ("reconsideration_declined",),
             "建议立案监督期限届满，尚未建议或者作出处理，督办"),
    _overdue("handover_overdue", "handover", ("filed",), "移交涉案物品和材料期限届满，尚未办结交接，督办"),
    # New calendar data moves only the bureau's and the police's day clocks: the handlers are told.
    common.recomputed(RECORD_SERIES, RECORD_SERIES, STATES)[1],
    common.assign(RECORD_SERIES, STATES),
    common.attach(RECORD_SERIES, STATES),
    *common.served(RECORD_SERIES, STATES),
)


def _summary(case) -> dict:
    d = case.data
    return {"police_organ": d.get("police_organ"), "suspected_crime": d.get("suspected_crime"), "amount": d.get("amount"),
            "fraud_case": d.get("fraud_case"), "team": d.get("team") or [],
            "enclosures": (d.get("sent") or {}).get("enclosures"),
            "filed_by": (d.get("filed") or {}).get("by"), "returned": (d.get("returned") or {}).get("route"),
            "overdue_periods": [p["timer"] for p in d.get("overdue_periods") or []]}


PROCEDURE = Procedure(
    kind=KIND,
    version=1,
    label="涉嫌犯罪案件移送公安机关",
    states=STATES,
    initial="opened",
    transitions=TRANSITIONS,
    timers=TIMERS,
    parent_kinds=(PARENT_KIND,),
    opens_on=(),
    policy=POLICY,
    guards={**GUARDS_BY_NAME, **common.GUARDS},
    conditions={},
    effects={
        "record_opening": _record_opening,
        "record_report": _record_report,
        "record_approval": _record_approval,
        "record_refusal": _record_refusal,
        "record_sending": _record_sending,
        "record_receipt": _record_receipt,
        "record_forwarding": _record_forwarding,
        "record_police_filed": _filed("police"),
        "record_police_decline": _record_police_decline,
        "record_reconsideration_request": _record_reconsideration_request,
        "record_reconsideration_filed": _filed("reconsideration"),
        "record_reconsideration_decline": _record_reconsideration_decline,
        "record_procuratorate_request": _record_procuratorate_request,
        "record_procuratorate_filed": _filed("procuratorate"),
        "return_procuratorate_declined": _returned(lambda ctx: "procuratorate_declined"),
        "return_handle_ourselves": _returned(lambda ctx: "declined"),
        "return_sent_back": _returned(lambda ctx: "sent_back"),
        "record_handover": _record_handover,
        **{f"flag_{t.name}": _flag_overdue(t.name) for t in TIMERS},
        **common.EFFECTS,
    },
    summary=_summary,
    notice_context={"instant_zh": instant_zh, "order_310": ORDER_310, "enclosures": ENCLOSURES,
                    "return_routes": RETURN_ROUTES, "filed_by": FILED_BY, "police_side": POLICE_SIDE,
                    "timer_labels": {t.name: t.label for t in TIMERS}},
)
from .transfer_scene import SCENE  # noqa: E402,F401  (the demo bureau's scene of this procedure)
