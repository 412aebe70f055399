"""The public board (公示栏), the credit query (信用查询) and the public's objection (services/board.py), on both
backends: each item appears for its own period and is gone after it (Henan measure Art. 29, 31, 41), persons are
masked (Art. 28), the query finds institutions only (Art. 32), and an objection on the board goes into the repair
case (re_review) with the objector's contact sealed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from conftest import HOSPITAL_USCC, PERSON_ID, at, stored_counts
from notices.privacy import mask_id, mask_name
from workflows.clock import frozen_at
from workflows.demo import demo_uscc
from workflows.errors import BadInput
from workflows.store.tables import cases, notices, sealed_inputs, transitions, users

HOSPITAL = "郑州市示例医院"
PHARMACY = "郑州市示例大药房有限公司"
PHARMACY_USCC = demo_uscc("91", "MA9X0A1B")
PERSON = "李建华"
CONTACT = "13812345678"
FULL = "application_form,commitment,proof"


def at_(when: str):
    return frozen_at(at(when))


def board_at(svc, when: str) -> dict:
    with at_(when):
        return svc.board.board()


@pytest.fixture
def bureau(svc):
    return fill(svc)


def fill(svc) -> dict:
    """2025 results published on 2026-03-02 and final on 2026-03-24 (the sweep after the 15 working days): the
    hospital 85 (B: good information for 12 months), the pharmacy 64 and the person 60 (D: each opens its 失信
    record). A repair of another record of the hospital approved on 2026-09-29: under public notice to 12 October."""
    ids = {"hospital": svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)["id"],
           "pharmacy": svc.deployment.add_subject(PHARMACY, "pharmacy", PHARMACY_USCC, None)["id"],
           "person": svc.deployment.add_subject(PERSON, "insured", None, PERSON_ID)["id"]}
    with at_("2026-03-02 09:00"):
        for key, score in (("hospital", "85"), ("pharmacy", "64"), ("person", "60")):
            svc.cases.open("evaluation", "alice", {"year": 2025, "score": score}, subject=str(ids[key]))
    with at_("2026-03-24 00:00"):
        svc.sweep.run_once(at("2026-03-24 00:00"))
    with at_("2026-01-06 09:00"):
        rec = svc.cases.open("record", "alice", {
            "category": "excessive_charges", "determined": "2026-01-05", "disclosure_months": 12,
            "severity": "general", "facts": "2025年10月超标准收费12笔", "basis": "郑医保罚〔2026〕3号"},
            subject=HOSPITAL_USCC)["case_id"]
    with at_("2026-09-11 09:00"):
        rep = svc.cases.open("repair", "alice", {"received": "2026-09-10", "materials": FULL}, parent=rec)["case_id"]
    for trigger, actor, when, inputs in (("accept", "alice", "2026-09-14 10:00", {}),
                                         ("propose_approve", "alice", "2026-09-21 10:00", {"findings": "整改到位"}),
                                         ("approve", "bob", "2026-09-29 10:00", {})):
        with at_(when):
            svc.cases.act(rep, trigger, actor, inputs)
    return {"svc": svc, "ids": ids, "record": rec, "repair": rep}


def test_an_institutions_result_is_shown_for_its_archive_period_and_a_persons_never(bureau):
    svc = bureau["svc"]
    shown = board_at(svc, "2026-04-01 10:00")
    results = {r["name"]: r for r in shown["results"]}
    assert set(results) == {HOSPITAL, PHARMACY}  # Art. 29(1): institutions' results, never a person's
    b = results[HOSPITAL]
    assert (b["identifier"], b["year"], b["score"], b["grade"]) == (HOSPITAL_USCC, 2025, "85.00", "B")
    assert (b["determined_on"], b["until"]) == ("2026-03-24", "2027-03-24")  # good information: 12 months
    assert results[PHARMACY]["grade"] == "D" and results[PHARMACY]["until"] is None  # until next year's result
    assert HOSPITAL in {r["name"] for r in board_at(svc, "2027-03-24 23:00")["results"]}  # its last day
    later = {r["name"] for r in board_at(svc, "2027-03-25 00:10")["results"]}
    assert later == {PHARMACY}  # the B's disclosure period has ended: gone


def test_the_d_list_masks_the_person_and_each_entry_goes_when_its_period_ends(bureau):
    svc = bureau["svc"]
    shown = board_at(svc, "2026-04-01 10:00")
    d = {r["name"]: r for r in shown["d_list"]}
    assert set(d) == {PHARMACY, mask_name(PERSON)}
    assert d[mask_name(PERSON)]["identifier"] == mask_id(PERSON_ID)
    assert d[PHARMACY]["identifier"] == PHARMACY_USCC and d[PHARMACY]["grade"] == "D"
    text = json.dumps(shown, ensure_ascii=False)
    assert PERSON_ID not in text and PERSON not in text  # Art. 28: never in full on the board
    # the same rows as `export d-list` (one reading)
    assert len(shown["d_list"]) == len(svc.exports.sheets("d_list", 2025)[0].rows)
    until = d[PHARMACY]["until"]
    from datetime import date, timedelta

    day_after = (date.fromisoformat(until) + timedelta(days=1)).isoformat()
    assert PHARMACY in {r["name"] for r in board_at(svc, f"{until} 12:00")["d_list"]}
    assert PHARMACY not in {r["name"] for r in board_at(svc, f"{day_after} 12:00")["d_list"]}  # Art. 31


def test_a_repair_is_on_the_board_for_its_five_working_days_then_gone(bureau):
    svc = bureau["svc"]
    items = board_at(svc, "2026-10-09 10:00")["notices"]
    assert [i["case_id"] for i in items] == [bureau["repair"]]
    item = items[0]
    assert (item["start_day"], item["last_day"]) == ("2026-09-29", "2026-10-12")  # 5 working days over National Day
    assert item["title"] == "信用修复公示" and item["subject"]["name"] == HOSPITAL
    assert [o["trigger"] for o in item["public_actions"]] == ["board_objection"]
    assert {i["name"] for i in item["public_actions"][0]["inputs"]} == {"objector", "contact", "reason"}
    with at_("2026-10-09 10:00"):
        assert "信用修复公示" in svc.board.notice(item["number"])["html"]
    assert board_at(svc, "2026-10-12 23:59")["notices"]
    assert not board_at(svc, "2026-10-13 00:00")["notices"]  # the period is over, swept or not
    with at_("2026-10-13 00:01"), pytest.raises(BadInput):
        svc.board.notice(item["number"])  # its notice is no longer on the board either


def test_an_objection_on_the_board_moves_the_repair_to_re_review_and_seals_the_contact(bureau):
    svc, rep = bureau["svc"], bureau["repair"]
    with at_("2026-10-09 10:00"):
        out = svc.board.object(rep, {"objector": "张某", "contact": CONTACT, "reason": "该院2026年9月仍有超标准收费"})
    assert out["state"] == "re_review"
    case = svc.cases.show(rep)
    assert case["state"] == "re_review"
    assert {t["name"]: t["status"] for t in case["timers"]}["public_notice"] == "stopped"
    objection = case["data"]["public_objections"][-1] if "data" in case else None
    log = svc.audit.log(rep)
    assert log[-1]["trigger"] == "board_objection" and log[-1]["actor"] == "public"
    notice = svc.documents.show(out["notice"])
    assert notice["audience"] == "subject" and "通过公示栏收到公众在线提出的异议" in notice["text"]
    assert "该院2026年9月仍有超标准收费" in notice["text"] and "张某" not in notice["text"]
    with svc.db.connect() as conn:  # the contact is in the sealed inputs only
        sealed = conn.execute(select(sealed_inputs.c.name, sealed_inputs.c.value)
                              .where(sealed_inputs.c.case_id == rep)).all()
        assert [(r.name, r.value) for r in sealed] == [("contact", CONTACT)]
        stored = [json.dumps(r.data, ensure_ascii=False) for r in conn.execute(select(cases.c.data))]
        stored += [json.dumps(r.inputs, ensure_ascii=False) for r in conn.execute(select(transitions.c.inputs))]
        stored += [r.html + r.text for r in conn.execute(select(notices.c.html, notices.c.text))]
        assert not any(CONTACT in s for s in stored)
        assert conn.execute(select(users.c.roles).where(users.c.name == "public")).scalar_one() == "public"
    assert objection is None or objection["channel"] == "public_board"
    assert not board_at(svc, "2026-10-09 11:00")["notices"]  # the notice stopped: off the board
    read = svc.cases.read_sealed(rep, "alice")  # the handler reads it to tell the objector, logged
    assert [s["value"] for s in read["sealed"]] == [CONTACT]
    assert svc.audit.log(rep)[-1]["trigger"] == "sealed_read"


@pytest.mark.parametrize("inputs,code", [
    ({"objector": "张某", "contact": "电话请联系我", "reason": "仍有违规"}, "REP-CONTACT"),
    ({"objector": "张某", "contact": CONTACT, "reason": "  "}, "missing_input"),
    ({"objector": "", "contact": CONTACT, "reason": "仍有违规"}, "missing_input"),
    ({"objector": "张某", "contact": CONTACT, "reason": "仍有违规", "state": "repaired"}, "unknown_input"),
    ({"objector": "张" * 201, "contact": CONTACT, "reason": "仍有违规"}, "too_long"),
])
def test_bad_objection_input_is_one_chinese_line_and_stores_nothing(bureau, inputs, code):
    svc, rep = bureau["svc"], bureau["repair"]
    before = stored_counts(svc)
    with at_("2026-10-09 10:00"), pytest.raises(BadInput) as info:
        svc.board.object(rep, inputs)
    assert info.value.code == code and "\n" not in info.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
    assert stored_counts(svc) == before
    with svc.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sealed_inputs)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(users).where(users.c.name == "public")).scalar_one() == 0
    assert svc.cases.show(rep)["state"] == "public_notice"


def test_no_objection_on_the_board_outside_the_public_notice(bureau):
    svc, rep = bureau["svc"], bureau["repair"]
    form = {"objector": "张某", "contact": "zhang@example.cn", "reason": "仍有违规"}
    for when, case in (("2026-10-13 00:00", rep), ("2026-10-09 10:00", bureau["record"])):
        before = stored_counts(svc)
        with at_(when), pytest.raises(BadInput) as info:
            svc.board.object(case, form)
        assert info.value.code == "not_on_board" and stored_counts(svc) == before


def test_the_credit_query_finds_institutions_and_never_a_person(bureau):
    svc = bureau["svc"]
    with at_("2026-10-09 10:00"):
        by_code = svc.board.query(HOSPITAL_USCC.lower())
        by_name = svc.board.query("示例")
        by_id = svc.board.query(PERSON_ID)
        by_person = svc.board.query(PERSON)
        with pytest.raises(BadInput):
            svc.board.query("  ")
    [found] = by_code["institutions"]
    assert (found["name"], found["identifier"]) == (HOSPITAL, HOSPITAL_USCC)
    assert [(r["year"], r["grade"]) for r in found["results"]] == [(2025, "B")]
    assert [n["case_id"] for n in found["notices"]] == [bureau["repair"]]
    assert {i["name"] for i in by_name["institutions"]} == {HOSPITAL, PHARMACY}
    pharmacy = next(i for i in by_name["institutions"] if i["name"] == PHARMACY)
    assert [d["grade"] for d in pharmacy["d_list"]] == ["D"]
    for answer in (by_id, by_person):  # Art. 28, 32: an individual is never searchable publicly
        assert answer["institutions"] == [] and "个人的信用信息不对外公开查询" in answer["note"]
        assert PERSON_ID not in json.dumps(answer, ensure_ascii=False)
    assert by_id["refused"] == "id_number"


def test_only_the_board_raises_the_publics_objection(bureau):
    """A handler cannot pose as the public (role `public`, states/spec.py), and the contact is read only where there
    is one (REP-SEALED); the public's account acts on nothing else."""
    from workflows.errors import Refused

    svc, rep = bureau["svc"], bureau["repair"]
    before = stored_counts(svc)
    with at_("2026-10-09 10:00"):
        with pytest.raises(Refused) as info:
            svc.cases.act(rep, "board_objection", "alice", {"objector": "张某", "contact": CONTACT, "reason": "x"})
        assert info.value.code == "ROLE"
        with pytest.raises(Refused) as info:
            svc.cases.read_sealed(rep, "alice")
        assert info.value.code == "REP-SEALED"
        assert "board_objection" not in svc.cases.actions(rep, "alice")
        svc.board.object(rep, {"objector": "张某", "contact": CONTACT, "reason": "仍有违规"})
        assert svc.cases.actions(rep, "public") == []  # re_review: nothing the public may do
        with pytest.raises(Refused) as info:
            svc.cases.act(rep, "propose_confirm", "public", {"findings": "异议不成立"})
        assert info.value.code == "PUBLIC-ACTOR"  # no one acts in the public's name but the board
    assert stored_counts(svc)[1] == before[1] + 1  # only the objection was written




def test_no_person_acts_in_the_publics_name(bureau):
    """`public` is the board's account: before the board made it, `--as public` is an unknown user; once it
    exists, a person acting under it (the CLI's `--as public`, any caller of the case services) is refused, and
    so is a request marked as the board's under another name; nothing is stored either way."""
    from workflows.engine.core import Request
    from workflows.errors import BadInput, Refused

    svc, rep = bureau["svc"], bureau["repair"]
    objection = {"objector": "张某", "contact": CONTACT, "reason": "仍有违规"}
    with at_("2026-10-09 10:00"):
        before = stored_counts(svc)
        with pytest.raises(BadInput) as unknown:
            svc.cases.act(rep, "board_objection", "public", objection)
        assert unknown.value.code == "unknown_user" and stored_counts(svc) == before
        svc.board.object(rep, objection)  # the board itself may (and makes its account)
        assert svc.cases.show(rep)["state"] == "re_review"
        after = stored_counts(svc)
        with pytest.raises(Refused) as posed:
            svc.cases.act(rep, "propose_confirm", "public", {"findings": "异议不成立"})
        assert posed.value.code == "PUBLIC-ACTOR" and "公示栏" in posed.value.message
        with svc.uow() as uow, pytest.raises(Refused) as forged:
            svc.engine.advance(uow.conn, rep, Request("propose_confirm", "alice", {"findings": "异议不成立"},
                                                      from_the_board=True))
        assert forged.value.code == "PUBLIC-ACTOR"
        assert stored_counts(svc) == after
    replayed = svc.replay.run()  # the log's `public` row replays as the board's, through the same check
    assert replayed["ok"], replayed["first_difference"]
