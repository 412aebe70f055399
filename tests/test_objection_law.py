"""The objection procedure as the Henan measure reads (Art. 23-26, 30-31): the window is never
shortened, missing material is asked for (补正), posted objections count from posting, a refused
filing is not registered twice, and an upheld objection really changes the archive."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from conftest import HOSPITAL_USCC, PERSON_ID, at, publish as publish_evaluation
from states.archive import DisclosureError, check_bad_disclosure, check_good_disclosure, disclosed_until, in_use
from workflows.clock import frozen_at
from workflows.errors import Refused
from workflows.store.tables import archive_entries, archive_status, cases, notices, transitions


def publish(svc, when="2026-02-06 09:00", score="78.5", year=2025, key=HOSPITAL_USCC):
    try:
        svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)
    except Exception:  # noqa: BLE001 - registered by an earlier call
        pass
    with frozen_at(at(when)):
        return publish_evaluation(svc, key, year, score, "alice")["case_id"]


def objection(svc, ev, when="2026-02-25 09:00", received="2026-02-24", **extra):
    inputs = {"grounds": "1,2", "received": received, "materials": "异议申请表,检查记录", "reason": "扣分缺少依据", **extra}
    with frozen_at(at(when)):
        return svc.cases.open("objection", "alice", inputs, parent=ev)


def act(svc, case, trigger, actor, when, **inputs):
    with frozen_at(at(when)):
        return svc.cases.act(case, trigger, actor, inputs)


def window(svc, ev):
    return next(t for t in svc.cases.show(ev)["timers"] if t["name"] == "objection_window")


def counts(svc):
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (cases, transitions, notices, archive_entries, archive_status))


# -- the window is not shortened (Art. 26) ------------------------------------------------------------------

def test_refusal_for_form_while_the_window_runs_restores_it_to_its_last_day(svc):
    ev = publish(svc)  # window: 15 working days from 2026-02-06 -> 2026-03-05
    obj = objection(svc, ev, materials="", reason="")["case_id"]
    assert window(svc, ev)["status"] == "stopped"
    out = act(svc, obj, "refuse", "alice", "2026-02-26 10:00", reason="未说明理由")
    assert out["parent"]["state"] == "published"
    assert (window(svc, ev)["status"], window(svc, ev)["last_day"]) == ("running", "2026-03-05")
    text = svc.documents.show(out["notice"])["text"]
    assert "自即日起确定" not in text
    # the subject may object again within the same window, and it is timely
    again = objection(svc, ev, when="2026-03-05 16:00", received="2026-03-05")
    assert again["state"] == "received" and again["parent"]["state"] == "under_objection"


def test_withdrawal_after_the_window_ended_makes_the_result_final_at_that_moment(svc):
    ev = publish(svc)
    obj = objection(svc, ev)["case_id"]
    act(svc, obj, "accept", "alice", "2026-02-25 10:00")
    out = act(svc, obj, "withdraw", "alice", "2026-03-10 10:00", statement="书面撤回")
    assert out["parent"]["state"] == "final"
    log = svc.audit.log(ev)[-1]
    assert log["trigger"] == "objection_closed" and log["effective_at"].startswith("2026-03-10T10:00")
    archive = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert [(e["determined_on"], e["in_use"]) for e in archive] == [("2026-03-10", True)]


# -- 补正: asking for the missing material --------------------------------------------------------------------

def test_request_completion_then_complete_then_accept(svc):
    ev = publish(svc)
    obj = objection(svc, ev, materials="", reason="")["case_id"]
    out = act(svc, obj, "request_completion", "alice", "2026-02-25 10:00", missing="异议理由说明及证明材料")
    assert out["state"] == "completion_requested"
    show = svc.cases.show(obj)
    timers = {t["name"]: t for t in show["timers"]}
    assert timers["completion"]["last_day"] == "2026-03-03"  # 5 working days from 02-25 (Saturday 02-28 is worked)
    assert timers["handling"]["status"] == "running"  # the handling clock keeps running
    text = svc.documents.show(out["notice"])["text"]
    assert "补正" in text and "2026年3月3日" in text
    act(svc, obj, "complete", "alice", "2026-03-02 10:00", materials="异议申请表,扣分明细", reason="扣分缺少依据")
    show = svc.cases.show(obj)
    assert show["state"] == "received" and show["data"]["materials"] == ["异议申请表", "扣分明细"]
    assert {t["name"]: t["status"] for t in show["timers"]}["completion"] == "stopped"
    assert act(svc, obj, "accept", "alice", "2026-03-02 11:00")["state"] == "under_review"


def test_completion_deadline_expiry_refuses_for_form_by_itself(svc):
    ev = publish(svc)
    obj = objection(svc, ev, materials="", reason="")["case_id"]
    act(svc, obj, "request_completion", "alice", "2026-02-25 10:00", missing="证明材料")
    assert [f for f in svc.sweep.run_once(at("2026-03-03 23:59"))["fired"] if f["case_id"] == obj] == []
    out = svc.sweep.run_once(at("2026-03-04 00:00"))
    fired = [(f["case_id"], f["trigger"], f["state"]) for f in out["fired"]]
    assert (obj, "completion_expired", "refused") in fired
    # the window still runs (its last day is 03-05): the result waits for it, then becomes final
    assert svc.cases.show(ev)["state"] == "published" and window(svc, ev)["status"] == "running"
    svc.sweep.run_once(at("2026-03-06 00:00"))
    assert svc.cases.show(ev)["state"] == "final"
    refusal = next(n for n in svc.cases.show(obj)["notices"] if n["title"] == "信用评价结果异议不予受理告知书")
    text = svc.documents.show(refusal["number"])["text"]
    assert "补正期限已于2026年3月3日届满" in text and "行政复议" in text


# -- posted objections (Civil Procedure Law Art. 85 by analogy) -----------------------------------------------

def test_an_objection_posted_within_the_window_is_timely_though_received_after_it(svc):
    ev = publish(svc)
    svc.sweep.run_once(at("2026-03-06 00:00"))  # the window ended on 03-05: final
    out = objection(svc, ev, when="2026-03-09 09:00", received="2026-03-09", posted="2026-03-05")
    assert out["state"] == "received" and out["parent"]["state"] == "under_objection"
    data = svc.cases.show(out["case_id"])["data"]
    assert (data["posted_on"], data["filed_on"], data["received_on"]) == ("2026-03-05", "2026-03-05", "2026-03-09")
    handling = next(t for t in svc.cases.show(out["case_id"])["timers"] if t["name"] == "handling")
    assert handling["start_day"] == "2026-03-09"  # handled within 15 working days of receipt


def test_posted_after_the_window_is_late_and_posted_after_receipt_is_refused(svc):
    ev = publish(svc)
    svc.sweep.run_once(at("2026-03-06 00:00"))
    late = objection(svc, ev, when="2026-03-09 09:00", received="2026-03-09", posted="2026-03-06")
    assert late["state"] == "refused"
    before = counts(svc)
    with pytest.raises(Refused) as info:
        objection(svc, ev, when="2026-03-09 09:00", received="2026-03-06", posted="2026-03-07")
    assert info.value.code == "OBJ-DATE" and "民事诉讼法" in info.value.article
    assert counts(svc) == before


def test_the_same_late_filing_is_not_registered_twice(svc):
    ev = publish(svc)
    svc.sweep.run_once(at("2026-03-06 00:00"))
    first = objection(svc, ev, when="2026-03-09 09:00", received="2026-03-09")
    assert first["state"] == "refused"
    before = counts(svc)
    with pytest.raises(Refused) as info:
        objection(svc, ev, when="2026-03-09 10:00", received="2026-03-09", grounds="2,1")
    assert info.value.code == "OBJ-REPEAT" and str(first["case_id"]) in info.value.message
    assert counts(svc) == before
    # another filing (other grounds) is registered, and refused as late on its own
    assert objection(svc, ev, when="2026-03-09 11:00", received="2026-03-09", grounds="3")["state"] == "refused"


# -- the archive: disclosure periods and corrections (Art. 10, 23, 30-31) -----------------------------------

def test_disclosure_periods_follow_art_30():
    assert check_bad_disclosure(6) == 6 and check_bad_disclosure(12) == 12
    for months in (5, 13, 0, -1):
        with pytest.raises(DisclosureError):
            check_bad_disclosure(months)
    with pytest.raises(DisclosureError):
        check_bad_disclosure(8, penalty_term_months=9)  # never shorter than the penalty's term
    assert check_bad_disclosure(18, penalty_term_months=18) == 18
    assert check_good_disclosure(12) == 12
    with pytest.raises(DisclosureError):
        check_good_disclosure(13)
    assert disclosed_until("bad", date(2025, 8, 31), 6) == date(2026, 2, 28)  # Civil Code Art. 202
    assert disclosed_until("evaluation", date(2026, 3, 6), None) is None
    assert in_use(date(2026, 3, 6), set(), date(2026, 3, 6)) and not in_use(date(2026, 3, 6), set(), date(2026, 3, 7))
    assert not in_use(None, {"superseded"}, date(2026, 3, 7))


@pytest.mark.parametrize(("score", "kind", "until"), [("92", "good", "2027-03-06"), ("85", "good", "2027-03-06"),
                                                      ("75", "evaluation", None), ("65", "evaluation", None)])
def test_every_final_grade_enters_the_archive_with_its_period(svc, score, kind, until):
    """A D result is the year's result as such (like a C); its bad information is its record's entry
    (states/record.py, tests/test_records.py), so nothing is counted twice."""
    publish(svc, score=score)
    svc.sweep.run_once(at("2026-03-06 00:00"))
    entry, *record = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert {k: entry[k] for k in ("kind", "category", "determined_on", "disclosed_until", "in_use", "superseded_by")} == {
        "kind": kind, "category": "evaluation_grade", "determined_on": "2026-03-06", "disclosed_until": until,
        "in_use": True, "superseded_by": None}
    assert "facts" in entry
    assert [(e["kind"], e["category"], e["determined_on"], e["disclosed_until"], e["in_use"]) for e in record] == (
        [("bad", "evaluation_d", "2026-03-06", "2027-03-06", True)] if score == "65" else [])


def test_an_upheld_objection_after_finality_supersedes_the_d_entry_at_once(svc):
    ev = publish(svc, score="65")  # D
    svc.sweep.run_once(at("2026-03-06 00:00"))
    d_entry, bad = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert (d_entry["kind"], d_entry["in_use"], bad["kind"], bad["in_use"]) == ("evaluation", True, "bad", True)
    # received on the window's last day, registered after the result became final: reopens it
    obj = objection(svc, ev, when="2026-03-06 09:00", received="2026-03-05")["case_id"]
    entries = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert [(e["in_use"], e["statuses"]) for e in entries] == [(False, ["disputed"])] * 2  # not used while handled
    act(svc, obj, "accept", "alice", "2026-03-06 10:00")
    act(svc, obj, "propose_uphold", "alice", "2026-03-09 10:00", score="72", findings="两项扣分缺少依据")
    act(svc, obj, "approve", "bob", "2026-03-10 10:00")
    old, bad, new = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert (old["in_use"], old["superseded_by"]) == (False, new["id"])
    assert (new["kind"], new["in_use"], new["disclosed_until"]) == ("evaluation", True, None)
    assert "72.00分，C级" in new["facts"]
    # the D is gone: its record is withdrawn (corrected) and its bad information no longer used
    assert (bad["in_use"], "withdrawn" in bad["statuses"]) == (False, True)
    # append-only: the old entry is still there, unchanged
    assert old["facts"] == d_entry["facts"] and old["kind"] == "evaluation"


def test_next_years_result_supersedes_last_years_c(svc):
    publish(svc, score="75", year=2024, when="2025-02-10 09:00")
    svc.sweep.run_once(at("2025-03-10 00:00"))
    publish(svc, score="95", year=2025)
    svc.sweep.run_once(at("2026-03-06 00:00"))
    c_entry, a_entry = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    assert (c_entry["kind"], c_entry["in_use"], c_entry["superseded_by"]) == ("evaluation", False, a_entry["id"])
    assert (a_entry["kind"], a_entry["in_use"]) == ("good", True)


def test_the_archive_is_append_only_in_the_database(svc):
    publish(svc)
    svc.sweep.run_once(at("2026-03-06 00:00"))
    for stmt in (update(archive_entries).values(facts="改写"), delete(archive_entries)):
        with pytest.raises(DBAPIError):
            with svc.db.begin() as conn:
                conn.execute(stmt)
    assert svc.deployment.show_subject(HOSPITAL_USCC)["archive"][0]["facts"].endswith("C级")


def test_subject_show_lists_the_archive_for_a_person(svc):
    svc.deployment.add_subject("张三", "practitioner", None, PERSON_ID)
    with frozen_at(at("2026-02-06 09:00")):
        publish_evaluation(svc, PERSON_ID, 2025, "60", "alice")
    svc.sweep.run_once(at("2026-03-06 00:00"))
    out = svc.deployment.show_subject(PERSON_ID)
    result, entry = out["archive"]
    assert set(entry) >= {"kind", "category", "facts", "determined_on", "disclosed_until", "in_use", "superseded_by"}
    assert (result["kind"], result["disclosed_until"]) == ("evaluation", None)
    assert entry["kind"] == "bad" and entry["disclosed_until"] == "2027-03-06"  # the D's record


def test_every_rule_cites_a_real_source():
    """A refusal names a legal article, or says it is our own policy; never a design document."""
    from states import PROCEDURES
    from states.machine import FOUR_EYES_ARTICLE, ROLE_ARTICLE, STATE_ARTICLE
    from workflows.engine import CLOCK_ARTICLE

    sources = ("河南省医疗保障基金使用信用管理办法", "医疗保障基金使用监督管理条例", "中华人民共和国", "creditflow policy",
               "行政执法机关移送涉嫌犯罪案件的规定", "医疗保障行政处罚程序暂行规定")
    articles = [g.article for p in PROCEDURES.values() for t in p.transitions for g in t.guards]
    articles += [FOUR_EYES_ARTICLE, ROLE_ARTICLE, STATE_ARTICLE, CLOCK_ARTICLE]
    for article in articles:
        assert article.startswith(sources), article
        assert not any(word in article for word in ("RULES", "DESIGN", "shared", "seeds", "docs/", "[S]", "[U]")), article


@pytest.mark.parametrize("outcome", ["dismissed", "withdrawn"])
def test_a_result_maintained_after_reopening_keeps_its_entry_and_its_day(svc, outcome):
    """A timely objection registered after the window made the result final, then dismissed (or
    withdrawn): nothing is re-determined; the original entry is in use again with its original day."""
    ev = publish(svc, score="65")  # D, final on 2026-03-06
    svc.sweep.run_once(at("2026-03-06 00:00"))
    original, record = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]
    obj = objection(svc, ev, when="2026-03-06 09:00", received="2026-03-05")["case_id"]
    if outcome == "dismissed":
        act(svc, obj, "accept", "alice", "2026-03-06 10:00")
        act(svc, obj, "propose_dismiss", "alice", "2026-03-09 10:00", findings="扣分依据充分")
        out = act(svc, obj, "approve", "bob", "2026-03-10 10:00")
    else:
        out = act(svc, obj, "withdraw", "alice", "2026-03-10 10:00", statement="书面撤回")
    assert out["parent"]["state"] == "final"
    entry, bad = svc.deployment.show_subject(HOSPITAL_USCC)["archive"]  # no second entry
    assert entry["id"] == original["id"] and entry["in_use"] and entry["statuses"] == []
    assert (entry["determined_on"], entry["disclosed_until"]) == ("2026-03-06", None)
    # the D's record keeps its entry and its day: the dispute ended, nothing re-determined
    assert (bad["id"], bad["in_use"], bad["determined_on"], bad["disclosed_until"]) == (
        record["id"], True, "2026-03-06", "2027-03-06")
    texts = [svc.documents.show(n["number"])["text"] for n in svc.cases.show(ev)["notices"][-1:]]
    texts.append(svc.documents.show(out["notice"])["text"])
    for text in texts:
        assert "2026年3月6日确定" in text and "确定日期不变" in text
        assert "自2026年3月10日起确定" not in text and "自2026年3月10日起记入" not in text
