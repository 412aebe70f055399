"""A fraud case from the command line, on SQLite and PostgreSQL (docs/rules.md §6): a named report → the clue filed
(15 working days) → the advance notice (5 working days) → a hearing asked for and held (notified 7 working days
ahead; the 90-day case deadline suspended meanwhile) → the review meeting decides a penalty and a police transfer
in one approval → the transfer: the head's 3 days, the 24 hours to send, the police's 3 days to review, their
decline, the bureau's 3 days to ask for reconsideration ending in the National Day holiday, the reconsideration's
3 days, the filing, the 3 days to hand the files over → the penalty served and not challenged for 6 months → its
record opens and the reporter gets good information → the fraud case closes after its children.

Every day and hour period is checked against the working calendar (Civil Code Art. 201-203; 行政处罚法 Art. 85 for
its 5 and 7 days; Order 310's 3 days calendar days; 24 hours from the instant), not typed in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from calendars import SHANGHAI, compute
from calendars.periods import add_months
from conftest import HOSPITAL_USCC
from workflows.demo import demo_id_number
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)

REPORTER_ID = demo_id_number("19800305", "021")
REPORTER = "赵举报，电话13800000000"


def wd(cal, start: date, n: int) -> date:
    return compute(cal, start, "working_days", n).last_day


def days(cal, start: date, n: int) -> date:
    return compute(cal, start, "days", n).last_day


def instant(day: date, hm: str = "10:00") -> str:
    return f"{day.isoformat()}T{hm}:00+08:00"


def midnight_after(day: date) -> str:
    return instant(day + timedelta(days=1), "00:00")


def timers(cf, case: int) -> dict:
    return {t["name"]: t for t in cf("case", "show", str(case)).json["timers"]}


def fired(out: dict) -> list[tuple[int, str]]:
    return [(f["case_id"], f["trigger"]) for f in out["fired"]]


def act(cf, case: int, trigger: str, when: str, actor: str, **inputs):
    args = ["case", "act", str(case), trigger]
    for k, v in inputs.items():
        args += ["--set", f"{k}={v}"]
    return cf(*args, "--as", actor, now=when)


def test_a_report_ends_in_a_penalty_and_a_transfer_and_the_case_closes_after_its_children(cli, cal, db_url,
                                                                                          monkeypatch):
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)  # the same story on each backend
    cf = cli
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", "--reconsideration-body", "郑州市人民政府",
       "--court", "郑州铁路运输法院")
    for user, role in (("alice", "handler"), ("bob", "approver"), ("carol", "approver")):
        cf("user", "add", user, "--role", role)
    cf("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")
    cf("subject", "add", "--name", "赵举报", "--id-number", REPORTER_ID, "--type", "insured")

    # The clue: a named report; the reporter is sealed (the log keeps a reference and a digest only).
    registered = date(2026, 7, 1)
    out = cf("case", "open", "fraud", "--subject", "1", "--set", "source=report", "--set",
             "facts=举报反映该院为未住院的参保人虚构住院病历结算医保基金", "--set", f"reporter={REPORTER}", "--set",
             f"reporter_id={REPORTER_ID}", "--as", "alice", now=instant(registered, "09:00")).json
    case = out["case_id"]
    assert (out["kind"], out["state"]) == ("fraud", "clue")
    assert timers(cf, case)["filing_decision"]["last_day"] == wd(cal, registered, 15).isoformat()
    shown = cf("case", "show", str(case)).json
    assert REPORTER not in str(shown) and REPORTER_ID not in str(shown) and shown["reported"]
    log = cf("audit", "log", str(case)).json["entries"]
    assert REPORTER not in str(log) and REPORTER_ID not in str(log)

    # Filed on 2026-07-07: 90 days to decide, ending in the National Day holiday (10-05), so on 10-08.
    act(cf, case, "propose_file", instant(date(2026, 7, 6)), "alice", findings="举报具体，经核对结算数据属实，符合立案标准")
    act(cf, case, "approve", instant(date(2026, 7, 7)), "bob")
    filed = date(2026, 7, 7)
    deadline = days(cal, filed, 90)
    assert filed + timedelta(days=90) == date(2026, 10, 5) and deadline == date(2026, 10, 8)
    assert timers(cf, case)["case_deadline"]["last_day"] == deadline.isoformat()
    assert timers(cf, case)["filing_decision"]["status"] == "stopped"
    act(cf, case, "assign_officers", instant(date(2026, 7, 8)), "alice", officers="alice,dave")
    act(cf, case, "add_evidence", instant(date(2026, 7, 9)), "alice", what="住院病历38份、结算单据38份",
        collected_by="dave", collected_on="2026-07-09")

    # The advance notice: 5 working days to ask for a hearing (APL Art. 64(1), 85), stated by its last day.
    notified = date(2026, 9, 1)
    out = act(cf, case, "notify_intended_penalty", instant(notified), "alice",
              penalty="责令退回骗取的医保基金462,000元，处3倍罚款1,386,000元，暂停住院部6个月涉及医保基金使用的医药服务",
              facts="该院伪造住院病历38份，骗取医保基金462,000元").json
    until = wd(cal, notified, 5)
    assert until == date(2026, 9, 8) and timers(cf, case)["defence"]["last_day"] == until.isoformat()
    advance = cf("notice", "show", out["notice"]).json
    assert f"最后一日为{until.year}年{until.month}月{until.day}日" in advance["text"]
    assert "赵举报" not in advance["text"] and "举报" not in advance["text"]

    # A hearing asked for in time, notified 7 working days ahead (not 6), chaired by someone who did not investigate.
    act(cf, case, "request_hearing", instant(date(2026, 9, 3)), "alice", received="2026-09-03")
    hearing_notified = date(2026, 9, 4)
    hearing = wd(cal, hearing_notified, 7)
    assert hearing == date(2026, 9, 15)
    err = cf("case", "act", str(case), "notify_hearing", "--set", f"hearing_on={wd(cal, hearing_notified, 6)}",
             "--set", "place=本局听证室", "--set", "chair=bob", "--as", "alice", now=instant(hearing_notified),
             expect=3).error
    assert err["code"] == "FRAUD-HEARING" and "2026年9月15日" in err["message"]
    act(cf, case, "notify_hearing", instant(hearing_notified), "alice", hearing_on=hearing.isoformat(),
        place="本局听证室", chair="bob")
    act(cf, case, "suspend", instant(hearing_notified, "11:00"), "alice", reason="hearing", note="听证期间不计入办案期限")
    act(cf, case, "record_hearing", instant(hearing, "16:00"), "alice", record="当事人对虚构病历事实无异议，请求从轻处罚")
    resumed = hearing + timedelta(days=1)
    act(cf, case, "resume", instant(resumed), "alice")
    suspended = (resumed - hearing_notified).days
    assert suspended == 12
    deadline = days(cal, filed, 90 + suspended)
    assert deadline == date(2026, 10, 19)  # 10-17 is a Saturday
    assert timers(cf, case)["case_deadline"]["last_day"] == deadline.isoformat()

    # The review meeting: a penalty and a police transfer at once; a major decision, reviewed and discussed.
    act(cf, case, "propose_outcomes", instant(date(2026, 9, 16)), "alice", outcomes="penalty,police_transfer",
        findings="该院伪造住院病历38份、虚构医药服务项目，骗取医保基金462,000元，涉嫌诈骗罪", suspected_crime="true",
        amount="462000", fine_multiple="3", suspend_months="6", category="fictitious_services",
        address="郑州市金水区示例路1号", police_organ="郑州市公安局", crime_facts="涉嫌诈骗罪：伪造住院病历骗取医保基金462,000元",
        discussion="2026年9月16日局长办公会集体讨论同意")
    assert cf("case", "act", str(case), "approve", "--as", "bob", now=instant(date(2026, 9, 17)),
              expect=3).error["code"] == "FRAUD-LEGAL"
    act(cf, case, "legal_review", instant(date(2026, 9, 17)), "carol", opinion="事实清楚，依据正确，程序合法", result="passed")
    decided = date(2026, 9, 18)
    out = act(cf, case, "approve", instant(decided), "bob").json
    assert out["state"] == "decided"
    kids = {c["kind"]: c["id"] for c in cf("case", "show", str(case)).json["children"]}
    assert set(kids) == {"transfer", "penalty_decision"}
    xfer, pen = kids["transfer"], kids["penalty_decision"]
    assert timers(cf, case)["case_deadline"]["status"] == "stopped"
    assert cf("case", "act", str(case), "close", "--set", "summary=x", "--as", "bob", now=instant(decided, "15:00"),
              expect=3).error["code"] == "FRAUD-CHILDREN"

    # The transfer report; the head has 3 days (calendar days, Order 310 Art. 5).
    reported = date(2026, 9, 21)
    act(cf, xfer, "report", instant(reported), "alice", team="alice,dave", report="经核实，涉嫌诈骗罪，涉案金额462,000元")
    assert timers(cf, xfer)["approval"]["last_day"] == days(cal, reported, 3).isoformat() == "2026-09-24"
    # Approved at 10:00 on 09-22: 24 hours to send, from the instant to the instant, never moved.
    act(cf, xfer, "approve_transfer", instant(date(2026, 9, 22)), "bob")
    t = timers(cf, xfer)["transfer"]
    ends = datetime.fromisoformat(t["ends_at"])
    assert ends == datetime(2026, 9, 23, 10, 0, tzinfo=SHANGHAI)
    assert fired(cf("sweep", "--as-of", instant(date(2026, 9, 23), "09:59"),
                    now=instant(date(2026, 9, 23), "09:59")).json) == []
    act(cf, xfer, "send", instant(date(2026, 9, 23), "09:30"), "alice",
        enclosures="transfer_letter,investigation_report,items_list,appraisal,other_material")
    # The police sign on 09-23 and review within 3 days: 09-26 is a Saturday, so 09-28.
    act(cf, xfer, "receipt_signed", instant(date(2026, 9, 23), "11:00"), "alice", signed_on="2026-09-23")
    assert timers(cf, xfer)["police_review"]["last_day"] == days(cal, date(2026, 9, 23), 3).isoformat() == "2026-09-28"
    # They decline on 09-28: 3 days to ask for reconsideration, the 3rd day (10-01) in the National Day holiday, so
    # the period ends on 10-08; nothing fires before its end.
    declined = date(2026, 9, 28)
    act(cf, xfer, "police_declined", instant(declined), "alice", notified_on=declined.isoformat(),
        reasons="现有证据不足以证明具有非法占有目的")
    last = days(cal, declined, 3)
    assert declined + timedelta(days=3) == date(2026, 10, 1) and last == date(2026, 10, 8)
    assert timers(cf, xfer)["reconsideration_request"]["last_day"] == "2026-10-08"
    explained = cf("calendar", "deadline", "--from", "2026-09-28", "--days", "3").json
    assert (explained["last_day"], explained["ends_at"]) == ("2026-10-08", "2026-10-09T00:00:00+08:00")
    hours = cf("calendar", "deadline", "--from", "2026-09-30T15:00:00+08:00", "--hours", "24").json
    assert hours["ends_at"] == "2026-10-01T15:00:00+08:00"  # into the holiday, never moved
    # `case show` of the fraud case lists its children with their running clocks
    listed = {c["kind"]: c for c in cf("case", "show", str(case)).json["children"]}
    assert [(x["name"], x["last_day"]) for x in listed["transfer"]["timers"]] == [("reconsideration_request", "2026-10-08")]
    assert listed["transfer"]["state"] == "declined"
    assert fired(cf("sweep", "--as-of", instant(date(2026, 10, 8), "23:59"),
                    now=instant(date(2026, 10, 8), "23:59")).json) == []
    # Asked on the last day: in time. The police answer within 3 days: 10-11 is a Sunday, so 10-12.
    act(cf, xfer, "ask_reconsideration", instant(date(2026, 10, 8), "15:00"), "alice",
        grounds="病历系伪造，结算资金已转入院长个人账户，具有非法占有目的")
    assert timers(cf, xfer)["reconsideration_answer"]["last_day"] == days(cal, date(2026, 10, 8), 3).isoformat() \
        == "2026-10-12"
    # Filed on reconsideration; the fraud case is told. The files go over within 3 days (Art. 12).
    out = act(cf, xfer, "reconsideration_filed", instant(date(2026, 10, 12)), "alice", notified_on="2026-10-12",
              notice_no="郑公（经）立字〔2026〕31号").json
    assert out["parent"]["case_id"] == case
    assert cf("case", "show", str(case)).json["data"]["transfers"][-1]["event"] == "filed"
    assert timers(cf, xfer)["handover"]["last_day"] == days(cal, date(2026, 10, 12), 3).isoformat() == "2026-10-15"
    act(cf, xfer, "files_handed_over", instant(date(2026, 10, 14)), "alice", handed_over_on="2026-10-14",
        items="住院病历原件38份、结算单据38份")
    assert cf("case", "show", str(xfer)).json["state"] == "closed"

    # The penalty served on 09-21: 6 months end on 2027-03-21, a Sunday, so the last day is 03-22.
    served = date(2026, 9, 21)
    act(cf, pen, "serve_decision", instant(served, "15:00"), "alice", method="direct", served_on=served.isoformat())
    end = add_months(served, 6)
    challenge = days(cal, served, (end - served).days)
    assert end == date(2027, 3, 21) and challenge == date(2027, 3, 22)
    assert timers(cf, pen)["challenge"]["last_day"] == challenge.isoformat()
    assert fired(cf("sweep", "--as-of", instant(challenge, "23:59"), now=instant(challenge, "23:59")).json) == []
    out = cf("sweep", "--as-of", midnight_after(challenge), now=midnight_after(challenge)).json
    assert (pen, "challenge_expired") in fired(out)
    (record,) = next(f for f in out["fired"] if f["case_id"] == pen)["opened"]
    shown = cf("case", "show", str(record["case_id"])).json
    assert (shown["kind"], shown["category"], shown["determined_on"]) == (
        "record", "fictitious_services", (challenge + timedelta(days=1)).isoformat())
    archive = cf("subject", "show", "2").json["archive"]
    assert [(e["kind"], e["category"]) for e in archive if e["kind"] == "good"] == [("good", "report_confirmed")]

    # Every child closed: the fraud case closes. The reporter is read by an approver only, and the reading is logged.
    closed = challenge + timedelta(days=1)
    act(cf, case, "close", instant(closed), "bob", summary="已移送公安机关立案侦查；罚没款已缴纳，医保基金已退回，暂停服务已执行")
    assert cf("case", "show", str(case)).json["state"] == "closed"
    assert cf("case", "reporter", str(case), "--as", "alice", now=instant(closed, "11:00"), expect=3).error["code"] == "ROLE"
    read = cf("case", "reporter", str(case), "--as", "bob", now=instant(closed, "11:00")).json
    assert {s["name"]: s["value"] for s in read["sealed"]} == {"reporter": REPORTER, "reporter_id": REPORTER_ID}
    assert [e["trigger"] for e in cf("audit", "log", str(case)).json["entries"]][-1] == "sealed_read"
    assert cf("audit", "verify").json["ok"]
