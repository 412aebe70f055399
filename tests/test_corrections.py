"""A stored notice never changes: a correction is a new, numbered notice that cites the old one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import HOSPITAL_USCC, at, publish
from workflows.clock import frozen_at
from workflows.errors import BadInput, Refused
from workflows.store.tables import notices


def _published(svc):
    sid = svc.deployment.add_subject("郑州市示例医院", "hospital", HOSPITAL_USCC, None)["id"]
    with frozen_at(at("2026-02-06 09:00")):
        return publish(svc, str(sid), 2025, "78.5", "alice")


def test_correction_cites_the_old_notice_and_leaves_it_untouched(svc):
    ev = _published(svc)
    old = svc.documents.show(ev["notice"])
    with frozen_at(at("2026-02-09 10:00")):
        out = svc.documents.correct(ev["notice"], "第二段“评价得分”后的分值应为78.50分", "alice")
    assert out["corrects"] == ev["notice"] and out["state"] == "published" and out["version"] == 2
    new = svc.documents.show(out["notice"])
    assert new["title"] == "文书更正通知书" and out["notice"] == "郑医保信评〔2026〕2号"
    assert ev["notice"] in new["text"] and "2026年2月6日" in new["text"] and "78.50分" in new["text"]
    assert svc.documents.show(ev["notice"])["hash"] == old["hash"]
    log = svc.audit.log(ev["case_id"])
    assert log[-1]["trigger"] == "correct_notice" and log[-1]["inputs"]["notice"] == ev["notice"]
    assert svc.cases.show(ev["case_id"])["timers"][0]["last_day"] == "2026-03-05"  # deadlines unchanged


def test_correction_allowed_on_a_final_case_and_refusals(svc):
    ev = _published(svc)
    svc.sweep.run_once(at("2026-03-06 00:00"))
    with frozen_at(at("2026-03-09 10:00")):
        out = svc.documents.correct(ev["notice"], "抬头单位名称有误", "alice")
        assert svc.cases.show(ev["case_id"])["state"] == "final" and out["state"] == "final"
        with pytest.raises(BadInput, match="没有文号为"):
            svc.documents.correct("郑医保信评〔2026〕99号", "x", "alice")
        with pytest.raises(BadInput, match="correction"):
            svc.documents.correct(ev["notice"], " ", "alice")
        with pytest.raises(Refused) as info:
            svc.documents.correct(ev["notice"], "x", "bob")
        assert info.value.code == "ROLE"
    with svc.db.connect() as conn:
        assert conn.execute(select(notices.c.seq).where(notices.c.series == "信评").order_by(notices.c.seq)).scalars().all() == [1, 2, 3]
