"""The interview-and-rectification loop from the command line, on SQLite and PostgreSQL (docs/rules.md §5): a D
grade becomes final → its record and a warning-interview case open by themselves → the interview notice (3
working days ahead) → the subject does not come → a second warning interview is held and recorded in the credit
archive → the order to rectify (15 working days, across the Qingming holiday) → the report fails verification
(first story), or the deadline passes with no report (second story) → the case waits for the sanction → the
陈述申辩 notice (5 working days) → the period runs out → the suspension of services for 6 months is proposed
and approved by another person. Every date is checked against the working calendar, not typed in."""

from __future__ import annotations

from datetime import date, timedelta

from calendars import compute
from conftest import HOSPITAL_USCC
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)


def wd(cal, start: date, n: int) -> date:
    """The last day of n working days counted from `start` (the starting day not counted, Civil Code Art. 201)."""
    return compute(cal, start, "working_days", n).last_day


def instant(day: date, hm: str = "10:00") -> str:
    return f"{day.isoformat()}T{hm}:00+08:00"


def midnight_after(day: date) -> str:
    return instant(day + timedelta(days=1), "00:00")


def timers(cf, case: int) -> dict:
    return {t["name"]: t for t in cf("case", "show", str(case)).json["timers"]}


def fired(out: dict) -> list[tuple[int, str]]:
    return [(f["case_id"], f["trigger"]) for f in out["fired"]]


def titles(cf, case: int) -> list[str]:
    return [n["title"] for n in cf("case", "show", str(case)).json["notices"]]


def second_round_ordered(cf, cal) -> tuple[int, int, date]:
    """The common beginning of both stories: (record, rectification, the second round's deadline)."""
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", "--court", "郑州铁路运输法院")
    cf("user", "add", "alice", "--role", "handler")
    cf("user", "add", "bob", "--role", "approver")
    cf("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")

    # A D result published on 2026-03-02: its window ends on 2026-03-23 (Henan Art. 26); at 24:00 the result is
    # final, and in the same transaction its record and a warning-interview case open (Henan Art. 35(1)).
    published = date(2026, 3, 2)
    window = wd(cal, published, 15)
    ev = cf("evaluation", "publish", "--subject", "1", "--year", "2025", "--score", "65", "--as", "alice",
            now=instant(published, "09:00")).json
    assert ev["objection_window"]["last_day"] == window.isoformat() == "2026-03-23"
    out = cf("sweep", "--as-of", midnight_after(window), now=midnight_after(window)).json
    assert fired(out) == [(ev["case_id"], "window_expired")]
    (record,) = out["fired"][0]["opened"]
    (rect,) = record["opened"]
    record, rect = record["case_id"], rect["case_id"]
    assert [(c["id"], c["kind"], c["relation"]) for c in cf("case", "show", str(record)).json["children"]] == [
        (rect, "rectification", "child")]
    shown = cf("case", "show", str(rect)).json
    assert (shown["parent"], shown["state"], shown["reason"], shown["level"]) == (record, "opened", "d_grade", "warning")
    assert [e["trigger"] for e in cf("audit", "log", str(rect)).json["entries"]] == ["open_on_d_grade"]

    # The interview notice: at least 3 working days ahead (our choice); too early a day is refused.
    notified = date(2026, 3, 25)
    interview = wd(cal, notified, 3)
    assert interview == date(2026, 3, 30)
    err = cf("case", "act", str(rect), "notify_interview", "--set", f"interview_on={interview - timedelta(days=3)}",
             "--set", "place=本局三楼约谈室", "--set", "matters=通报D级评价结果的扣分事项", "--set", "attendees=法定代表人",
             "--as", "alice", now=instant(notified), expect=3).error
    assert err["code"] == "RECT-LEAD" and "2026年3月30日" in err["message"]
    cf("case", "act", str(rect), "notify_interview", "--set", f"interview_on={interview}", "--set", "place=本局三楼约谈室",
       "--set", "matters=通报D级评价结果的扣分事项", "--set", "attendees=法定代表人", "--as", "alice", now=instant(notified))
    assert timers(cf, rect)["interview"]["last_day"] == interview.isoformat()

    # Nobody comes: the round fails, the next one is a warning interview again.
    out = cf("case", "act", str(rect), "no_show", "--set", "note=经电话联系，称未安排人员", "--as", "alice",
             now=instant(interview, "16:00")).json
    assert out["state"] == "opened"
    assert cf("case", "show", str(rect)).json["round"] == 2

    # The second interview, held and recorded: the record goes into the subject's credit archive.
    notified2 = interview + timedelta(days=1)
    interview2 = wd(cal, notified2, 3)
    cf("case", "act", str(rect), "notify_interview", "--set", f"interview_on={interview2}", "--set", "place=本局三楼约谈室",
       "--set", "matters=第二次警示约谈：核实整改意愿", "--set", "attendees=法定代表人及医保管理部门负责人", "--as", "alice",
       now=instant(notified2))
    cf("case", "act", str(rect), "record_interview", "--set", "record=法定代表人到场，承认扣分事项属实，承诺整改", "--as", "alice",
       now=instant(interview2, "15:00"))
    archive = cf("subject", "show", "1", now=instant(interview2, "15:30")).json["archive"]
    assert [(e["kind"], e["category"], e["determined_on"]) for e in archive if e["case_id"] == rect] == [
        ("supervision", "interview_record", interview2.isoformat())]

    # The order: 15 working days from its day, across the Qingming holiday (4-6 April 2026).
    cf("case", "act", str(rect), "order_rectification", "--set", "matters=全额退回违规费用，完善收费管理制度", "--as", "alice",
       now=instant(interview2, "16:00"))
    deadline = wd(cal, interview2, 15)
    assert timers(cf, rect)["rectification"]["last_day"] == deadline.isoformat()
    assert timers(cf, rect)["rectification"]["side"] == "subject"
    return record, rect, deadline


def test_a_report_that_fails_verification_after_two_rounds_waits_for_the_sanction(cli, cal, db_url, monkeypatch):
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)  # the same story on each backend
    cf = cli
    record, rect, deadline = second_round_ordered(cf, cal)
    received = deadline - timedelta(days=6)
    while not cal.is_working_day(received):
        received -= timedelta(days=1)
    cf("case", "act", str(rect), "submit_report", "--set", f"received={received}", "--as", "alice", now=instant(received))
    assert timers(cf, rect)["rectification"]["status"] == "stopped"
    cf("case", "act", str(rect), "propose_fail", "--set", "findings=违规费用仅退回三成，收费管理制度未修订", "--as", "alice",
       now=instant(received, "15:00"))
    assert cf("case", "act", str(rect), "approve", "--as", "alice", now=instant(received, "16:00"),
              expect=3).error["code"] in ("ROLE", "FOUR-EYES")
    out = cf("case", "act", str(rect), "approve", "--as", "bob", now=instant(received, "16:30")).json
    assert out["state"] == "awaiting_sanction"
    shown = cf("case", "show", str(rect)).json
    assert shown["rounds"] == [
        {"round": 1, "level": "warning", "interview_on": "2026-03-30", "deadline": None, "outcome": "failed_no_show"},
        {"round": 2, "level": "warning", "interview_on": shown["rounds"][1]["interview_on"],
         "deadline": deadline.isoformat(), "outcome": "failed_verification"}]
    assert titles(cf, rect) == ["约谈整改立案记录", "警示约谈通知书", "未按通知接受约谈告知书", "警示约谈通知书", "约谈记录",
                                "责令限期整改通知书", "整改报告接收回执", "约谈整改拟办意见", "整改核查不合格告知书"]
    failed = cf("notice", "show", out["notice"]).json
    assert "违规费用仅退回三成" in failed["text"] and "本案已进行2轮约谈整改" in failed["text"]
    assert cf("case", "show", str(record)).json["state"] == "disclosed"
    assert cf("audit", "verify").json["ok"]


def test_a_deadline_passing_twice_ends_in_a_six_month_suspension_of_services(cli, cal, db_url, monkeypatch):
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)
    cf = cli
    record, rect, deadline = second_round_ordered(cf, cal)

    # No report by 24:00 of the last day: the round fails by itself, and it was the last (the policy's 2 rounds).
    assert fired(cf("sweep", "--as-of", instant(deadline, "23:59"), now=instant(deadline, "23:59")).json) == []
    out = cf("sweep", "--as-of", midnight_after(deadline), now=midnight_after(deadline)).json
    assert fired(out) == [(rect, "rectification_expired")] and out["fired"][0]["state"] == "awaiting_sanction"
    assert cf("case", "show", str(rect)).json["rounds"][1]["outcome"] == "failed_no_report"
    lapse = cf("notice", "show", out["fired"][0]["notice"]).json
    assert f"整改期限至{deadline.year}年{deadline.month}月{deadline.day}日届满" in lapse["text"]

    # The 陈述申辩 notice: suspension of the responsible department's services for 6 months (Order 735 Art. 38),
    # 5 working days to state a defence, and the right to ask for a hearing.
    notified = deadline + timedelta(days=1)
    while not cal.is_working_day(notified):
        notified += timedelta(days=1)
    err = cf("case", "act", str(rect), "notify_defence", "--set", "sanction=suspend_service", "--set", "months=13",
             "--as", "alice", now=instant(notified), expect=3).error
    assert err["code"] == "RECT-MONTHS"
    out = cf("case", "act", str(rect), "notify_defence", "--set", "sanction=suspend_service", "--set", "months=6",
             "--as", "alice", now=instant(notified)).json
    assert out["state"] == "defence"
    defence = wd(cal, notified, 5)
    assert timers(cf, rect)["defence"]["last_day"] == defence.isoformat()
    body = cf("notice", "show", out["notice"]).json["text"]
    assert "要求听证" in body and f"{defence.year}年{defence.month}月{defence.day}日前" in body
    assert cf("case", "act", str(rect), "propose_sanction", "--set", "findings=拒不改正", "--as", "alice",
              now=instant(notified, "15:00"), expect=3).error["code"] == "RECT-DEFENCE"

    # The period runs out with nothing received; the suspension is proposed and approved by another person.
    assert fired(cf("sweep", "--as-of", instant(defence, "23:59"), now=instant(defence, "23:59")).json) == []
    out = cf("sweep", "--as-of", midnight_after(defence), now=midnight_after(defence)).json
    assert fired(out) == [(rect, "defence_expired")]
    decided = defence + timedelta(days=1)
    while not cal.is_working_day(decided):
        decided += timedelta(days=1)
    cf("case", "act", str(rect), "propose_sanction", "--set",
       "findings=该院经两轮警示约谈，逾期未提交整改报告，陈述申辩期限内未提出陈述申辩，依照条例第三十八条暂停相关责任部门医药服务6个月",
       "--as", "alice", now=instant(decided))
    out = cf("case", "act", str(rect), "approve", "--as", "bob", now=instant(decided, "15:00")).json
    assert out["state"] == "sanctioned"
    shown = cf("case", "show", str(rect)).json
    assert shown["final"] and shown["sanction"] == "suspend_service"
    assert (shown["data"]["decision"]["months"], shown["data"]["decision"]["approved_by"]) == (6, "bob")
    decision = cf("notice", "show", out["notice"]).json
    assert decision["title"] == "约谈整改处理决定书"
    assert "暂停相关责任部门6个月涉及医疗保障基金使用的医药服务" in decision["text"]
    assert "行政复议" in decision["text"] and "郑州铁路运输法院" in decision["text"]
    assert all(t["status"] != "running" for t in timers(cf, rect).values())
    assert cf("audit", "verify").json["ok"]
