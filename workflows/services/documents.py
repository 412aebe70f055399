"""The documents area: written notices after issue. Show, PDF export, service (送达), correction.
Issue 6; docs/rules.md §1.3 (privacy), §8.

* A stored notice is immutable. Its HTML was rendered and hashed in the transition that issued it
  (the log row repeats the hash), and `notices` is append-only. Nothing here re-renders a template.
* PDF: made from the stored HTML on the first export, outside any transaction (a render takes
  ~0.2 s; doing it in the engine's transaction would cap transition throughput), and stored with its
  sha256 and the renderer versions in the append-only `notice_pdfs`. Every later export returns the
  stored bytes, so every export of a notice is byte-identical, whatever the renderer stack becomes.
  Two first exports racing: both render, one insert wins, the other returns the winner's bytes.
* Service is a transition (`notice_served`, states/spec.py SERVED_TRIGGER) of the notice's case: the
  engine records it in `notice_services` (how: direct | post | electronic; when: the day it reached
  the addressee; who recorded it), logs and chains it, and starts what the declaration starts on it
  (the subject's periods: 行政复议 60 days, 行政诉讼 6 months). A notice may be served more than once
  (e.g. electronically, then by post); periods run from the first recorded service (`served_on`).
* Correction: a correction notice (更正通知书) on the case of an earlier notice; the old one never changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from sqlalchemy.exc import IntegrityError

from calendars import SHANGHAI
from states import common
from states.spec import SERVED_TRIGGER

from .. import clock
from ..engine import Engine, Request
from ..errors import BadInput
from ..errors import Refused as RefusedError
from ..inputs import choose
from ..store import notices_repo
from ..store.uow import UnitOfWork
from .common import outcome_dict

SERVICE_METHODS = dict(common.SERVICE_METHODS)  # as the `notice_served` transition declares them
CORRECTION_TRIGGER = "correct_notice"  # states/common.py: every procedure declares it


class DocumentService:
    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable[[], Engine]):
        self.uow = uow
        self._engine = engine  # built on first use: showing a notice needs no calendar

    @property
    def engine(self) -> Engine:
        return self._engine()

    def show(self, number: str) -> dict:
        """The notice's text and metadata, with its stored PDF's hash (once exported) and its services."""
        with self.uow() as uow:
            r = _notice(uow.conn, number)
            pdf = notices_repo.pdf_info(uow.conn, r.number)
            services = [_service_dict(s) for s in notices_repo.services_of(uow.conn, r.number)]
        return {"number": r.number, "title": r.title, "case_id": r.case_id, "transition_seq": r.transition_seq,
                "audience": r.audience, "addressee": r.addressee, "template": r.template,
                "issued_at": clock.local(r.issued_at), "hash": r.content_hash, "text": r.text, "html": r.html,
                "pdf": _pdf_info(pdf), "services": services,
                "served_on": services[0]["served_on"] if services else None}

    def pdf(self, number: str) -> dict:
        """The notice's PDF: the stored bytes, or rendered now from the stored HTML and stored.

        Up to three transactions, on purpose: read the notice; render outside any transaction; store the
        PDF (or, when another export stored it first, read the stored one)."""
        with self.uow() as uow:
            row = _notice(uow.conn, number)
            stored = notices_repo.pdf(uow.conn, row.number)
        if stored is not None:
            return {"number": row.number, "pdf": stored.pdf, "rendered_now": False, **_pdf_info(stored)}

        from notices.pdf import render_pdf, renderer_versions  # WeasyPrint: only here

        if hashlib.sha256(row.html.encode("utf-8")).hexdigest() != row.content_hash:
            raise RefusedError(f"notice {row.number}: its stored HTML does not match its recorded hash; "
                               "run `creditflow audit verify` before exporting it", code="NOTICE-HASH",
                               article="creditflow policy: 已印发文书不可更改，导出前须与记录的哈希一致")
        pdf = render_pdf(row.html, row.number, row.issued_at)
        values = dict(number=row.number, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf),
                      html_hash=row.content_hash, renderer=renderer_versions(), rendered_at=clock.real_now())
        try:
            with self.uow() as uow:
                notices_repo.add_pdf(uow.conn, **values)
                uow.commit()
        except IntegrityError:  # another export stored it first: serve those bytes
            with self.uow() as uow:
                stored = notices_repo.pdf(uow.conn, row.number)
            return {"number": row.number, "pdf": stored.pdf, "rendered_now": False, **_pdf_info(stored)}
        return {"number": row.number, "pdf": pdf, "rendered_now": True,
                **{k: values[k] for k in ("sha256", "size", "html_hash", "renderer")},
                "rendered_at": clock.local(values["rendered_at"])}

    def serve(self, number: str, method: str, on: str | date, actor: str) -> dict:
        """Record that a notice reached its addressee (how, on which day, recorded by whom), as the
        `notice_served` transition of its case; `case` is that transition's outcome."""
        method = choose(method or "", SERVICE_METHODS, "notice served：--method 送达方式", code="bad_method")
        if isinstance(on, str):
            try:
                on = date.fromisoformat(on.strip())
            except ValueError:
                raise BadInput(f"--on {on!r} 不是日期；请按 YYYY-MM-DD 填写送达回证上的送达日期，如 2026-02-09",
                               code="bad_date") from None
        with self.uow() as uow:
            conn = uow.conn
            row = _notice(conn, number)
            # The engine checks the rest, as for `case act … notice_served`: the user and their role (handler
            # or approver), an internal record (not served), a day before the issue or still to come.
            out = self.engine.advance(conn, row.case_id, Request(
                SERVED_TRIGGER, actor, {"notice": row.number, "method": method, "served_on": on}))
            recorded = notices_repo.last_service(conn, row.number)  # the engine wrote it
            uow.commit()
        return {"number": row.number, "method": method, "method_label": SERVICE_METHODS[method],
                "served_on": on.isoformat(), "addressee": row.addressee, "actor": actor,
                "recorded_at": clock.local(recorded.recorded_at) if recorded is not None else None,
                "case": outcome_dict(out)}

    def correct(self, number: str, correction: str, actor: str, expected_version: int | None = None) -> dict:
        """Issue a correction notice (更正通知书) on the case of an earlier notice; the old one never changes."""
        with self.uow() as uow:
            row = _notice(uow.conn, number)
            if row.audience != "subject":
                raise BadInput(f"文书 {row.number} 是内部记录，不是送达当事人的文书，不能以更正通知书更正；"
                               "内部记录有误的，请在案卷中另行制作记录说明", code="not_correctable")
            out = self.engine.advance(uow.conn, row.case_id, Request(CORRECTION_TRIGGER, actor, {
                "notice": row.number, "correction": correction, "corrected_title": row.title,
                "corrected_issued_on": row.issued_at.astimezone(SHANGHAI).date()}, expected_version))
            uow.commit()
        return {**outcome_dict(out), "corrects": row.number}


def _notice(conn, number: str):
    row = notices_repo.by_number(conn, (number or "").strip())
    if row is None:
        raise BadInput(f"没有文号为 {number!r} 的文书；请核对文号", code="unknown_notice")
    return row


def _pdf_info(row) -> dict | None:
    if row is None:
        return None
    return {"sha256": row.sha256, "size": row.size, "rendered_at": row.rendered_at.astimezone(SHANGHAI).isoformat(),
            "html_hash": row.html_hash, "renderer": row.renderer}


def _service_dict(row) -> dict:
    return {"method": row.method, "method_label": SERVICE_METHODS[row.method], "served_on": row.served_on.isoformat(),
            "addressee": row.addressee, "actor": row.actor, "recorded_at": row.recorded_at.astimezone(SHANGHAI).isoformat(),
            "clock_overridden": row.clock_overridden}
