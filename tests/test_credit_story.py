"""The whole story of a 失信 determination, from the command line, on SQLite and PostgreSQL (docs/rules.md §4):
a D grade becomes final → its record opens by itself → the eligibility notice on the first admissible day →
a repair application → `extend` → approval → a public notice across the National Day holiday → a public
objection → re-review and confirmation → a second public notice → repaired, and the record no longer
disclosed. Every date is checked against the working calendar and the Civil Code counting rules, not typed in."""

from __future__ import annotations

from datetime import date, timedelta

from calendars import compute
from calendars.periods import add_months
from conftest import HOSPITAL_USCC
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)


def wd(cal, start: date, n: int) -> date:
    """The last day of n working days counted from `start` (the starting day not counted, Civil Code Art. 201)."""
    return compute(cal, start, "working_days", n).last_day


def timers(cli, case: int) -> dict:
    return {t["name"]: t for t in cli("case", "show", str(case)).json["timers"]}


def fired(out: dict) -> list[tuple[int, str]]:
    return [(f["case_id"], f["trigger"]) for f in out["fired"]]


def test_a_d_grade_record_is_repaired_across_the_national_day_holiday(cli, cal, db_url, monkeypatch):
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", db_url)  # the same story on each backend
    cf = cli
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cf("user", "add", "alice", "--role", "handler")
    cf("user", "add", "bob", "--role", "approver")
    cf("subject", "add", "--name", "郑州市示例医院", "--uscc", HOSPITAL_USCC, "--type", "hospital")

    # A D result published on 2026-03-02: its 15-working-day window ends on 2026-03-23 (Henan Art. 26).
    published = date(2026, 3, 2)
    ev = cf("evaluation", "publish", "--subject", "1", "--year", "2025", "--score", "65", "--as", "alice",
            now="2026-03-02T09:00:00+08:00").json
    assert ev["grade"] == "D" and ev["objection_window"]["last_day"] == wd(cal, published, 15).isoformat() == "2026-03-23"

    # Not before 24:00 of the last day; at 2026-03-24T00:00+08:00 the result is final and its record opens.
    assert fired(cf("sweep", "--as-of", "2026-03-23T23:59:00+08:00", now="2026-03-23T23:59:00+08:00").json) == []
    out = cf("sweep", "--as-of", "2026-03-24T00:00:00+08:00", now="2026-03-24T00:00:00+08:00").json
    assert fired(out) == [(ev["case_id"], "window_expired")]
    (record,) = [c["case_id"] for c in out["fired"][0]["opened"]]
    shown = cf("case", "show", str(ev["case_id"])).json
    assert [(c["id"], c["kind"], c["state"]) for c in shown["children"]] == [(record, "record", "disclosed")]
    rec = cf("case", "show", str(record)).json
    assert rec["parent"] == ev["case_id"]
    determined = date(2026, 3, 24)  # the Asia/Shanghai day of the instant the result became final
    waiting_ends = add_months(determined, 6)  # henan-2023 (in force on 2026-03-24): 6 months, Art. 39(1)
    assert (rec["data"]["determined_on"], rec["data"]["category"]) == (determined.isoformat(), "evaluation_d")
    assert rec["data"]["eligible_from"] == (waiting_ends + timedelta(days=1)).isoformat() == "2026-09-25"
    assert rec["data"]["disclosed_until"] == add_months(determined, 12).isoformat()  # bad_disclosure_months
    assert timers(cf, record)["eligibility"]["last_day"] == waiting_ends.isoformat()
    listed = cf("record", "list", "--subject", "1").json["records"]
    assert [(r["case_id"], r["disclosed"], r["eligible_from"], r["withdrawn_reason"]) for r in listed] == [
        (record, True, "2026-09-25", None)]

    # Too early: refused with the rule and the first admissible day; nothing stored.
    cases_before = len(cf("case", "list").json["cases"])
    err = cf("case", "open", "repair", "--parent", str(record), "--set", "received=2026-09-24",
             "--set", "materials=application_form,commitment,proof", "--as", "alice",
             now="2026-09-24T10:00:00+08:00", expect=3).error
    assert err["code"] == "REP-WAIT" and "2026年9月25日" in err["message"]
    assert len(cf("case", "list").json["cases"]) == cases_before

    # The eligibility notice goes out on the first admissible day, not before.
    assert fired(cf("sweep", "--as-of", "2026-09-24T23:59:00+08:00", now="2026-09-24T23:59:00+08:00").json) == []
    out = cf("sweep", "--as-of", "2026-09-25T00:00:00+08:00", now="2026-09-25T00:00:00+08:00").json
    assert fired(out) == [(record, "eligibility_reached")]
    notice = cf("notice", "show", out["fired"][0]["notice"]).json
    assert "2026年9月25日" in notice["text"]

    # The application, received on 2026-09-25 with every required material, accepted the same day.
    repair = cf("case", "open", "repair", "--parent", str(record), "--set", "received=2026-09-25",
                "--set", "materials=application_form,commitment,proof", "--as", "alice",
                now="2026-09-25T10:00:00+08:00").json["case_id"]
    cf("case", "act", str(repair), "accept", "--as", "alice", now="2026-09-25T11:00:00+08:00")
    decision = wd(cal, date(2026, 9, 25), 15)  # Art. 41: 15 working days from acceptance
    assert timers(cf, repair)["decision"]["last_day"] == decision.isoformat()
    # A complex case: extended once by 15 working days added to the current last day; a second is refused.
    cf("case", "act", str(repair), "extend", "--set", "reason=涉及多份病历需逐份复核", "--as", "alice",
       now="2026-09-28T09:00:00+08:00")
    assert timers(cf, repair)["decision"]["last_day"] == wd(cal, decision, 15).isoformat()
    assert cf("case", "act", str(repair), "extend", "--set", "reason=再次延长", "--as", "alice",
              now="2026-09-28T09:30:00+08:00", expect=3).error["code"] == "REP-EXTEND"

    # Proposed by alice, approved by bob on 2026-09-29: 5 working days of public notice, the day of approval
    # not counted, across the National Day holiday (1-7 October 2026, 10 October worked): last day 2026-10-12.
    cf("case", "act", str(repair), "propose_approve", "--set", "findings=已退回违规费用并完成整改", "--as", "alice",
       now="2026-09-28T15:00:00+08:00")
    assert cf("case", "act", str(repair), "approve", "--as", "alice", now="2026-09-29T09:00:00+08:00",
              expect=3).error["code"] in ("ROLE", "FOUR-EYES")
    cf("case", "act", str(repair), "approve", "--as", "bob", now="2026-09-29T10:00:00+08:00")
    t = timers(cf, repair)
    assert t["public_notice"]["last_day"] == wd(cal, date(2026, 9, 29), 5).isoformat() == "2026-10-12"
    assert t["decision"]["status"] == "stopped"  # the decision clock stops at the public notice

    # An objection during the public notice: the notice stops, the case goes back to review.
    cf("case", "act", str(repair), "public_objection", "--set", "objector=群众来信", "--set", "reason=反映整改不到位",
       "--as", "alice", now="2026-10-09T10:00:00+08:00")
    assert cf("case", "show", str(repair)).json["state"] == "re_review"
    assert timers(cf, repair)["public_notice"]["status"] == "stopped"
    assert fired(cf("sweep", "--as-of", "2026-10-13T00:00:00+08:00", now="2026-10-13T00:00:00+08:00").json) == []
    # Confirmed after re-review, approved on 2026-10-13: a new public notice counted from that day.
    cf("case", "act", str(repair), "propose_confirm", "--set", "findings=经核查，反映情况不属实", "--as", "alice",
       now="2026-10-12T10:00:00+08:00")
    cf("case", "act", str(repair), "approve", "--as", "bob", now="2026-10-13T10:00:00+08:00")
    second = wd(cal, date(2026, 10, 13), 5)
    assert timers(cf, repair)["public_notice"]["last_day"] == second.isoformat() == "2026-10-20"

    # The public notice ends with no objection: repaired, and the record stops being disclosed at once.
    end = f"{(second + timedelta(days=1)).isoformat()}T00:00:00+08:00"
    assert fired(cf("sweep", "--as-of", f"{second.isoformat()}T23:59:00+08:00",
                    now=f"{second.isoformat()}T23:59:00+08:00").json) == []
    out = cf("sweep", "--as-of", end, now=end).json
    assert fired(out) == [(repair, "public_notice_expired")]
    assert [(p["case_id"], p["state"]) for p in out["fired"][0].get("notified", [])] == [(record, "withdrawn")]
    assert cf("case", "show", str(repair)).json["state"] == "repaired"
    listed = cf("record", "list", "--subject", "1").json["records"]
    assert [(r["case_id"], r["disclosed"], r["withdrawn_reason"]) for r in listed] == [(record, False, "repaired")]
    assert not [e for e in cf("subject", "show", "1").json["archive"] if e["in_use"] and e["kind"] == "bad"]
    assert all(t["status"] != "running" for t in timers(cf, record).values())
    assert cf("audit", "verify").json["ok"]
