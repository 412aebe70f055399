"""Written notices after issue: show, PDF export, service (送达). Issue 6; docs/rules.md §1.3 (privacy), §8.

* A stored notice is immutable. Its HTML was rendered and hashed in the transition that issued it
  (the log row repeats the hash), and `notices` is append-only. Nothing here re-renders a template.
* PDF: made from the stored HTML on the first export, outside any transition (a render takes
  ~0.2 s; doing it in the engine's transaction would cap transition throughput), and stored with its
  sha256 and the renderer versions in the append-only `notice_pdfs`. Every later export returns the
  stored bytes, so every export of a notice is byte-identical, whatever the renderer stack becomes.
  Two first exports racing: both render, one insert wins, the other returns the winner's bytes.
* Service: `notice_services` records how (direct | post | electronic), when (the day it reached the
  addressee) and who recorded it; the subject's periods (行政复议 60 days, 行政诉讼 6 months) run from
  service. A notice may be served more than once (e.g. electronically, then by post); periods run
  from the first recorded service, which `served_on` reports.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from . import clock
from .auditing import refuse_read_only
from .errors import BadInput
from .inputs import choose
from .errors import Refused as RefusedError
from .store import repo
from .store.tables import notice_pdfs, notice_services, notices

SERVICE_METHODS = {"direct": "直接送达", "post": "邮寄送达", "electronic": "电子送达"}
SERVING_ROLES = frozenset({"handler", "approver"})


def _notice(conn, number: str):
    row = conn.execute(select(notices).where(notices.c.number == (number or "").strip())).first()
    if row is None:
        raise BadInput(f"没有文号为 {number!r} 的文书；请核对文号", code="unknown_notice")
    return row



def _pdf_info(row) -> dict | None:
    if row is None:
        return None
    from calendars import SHANGHAI

    return {"sha256": row.sha256, "size": row.size, "rendered_at": row.rendered_at.astimezone(SHANGHAI).isoformat(),
            "html_hash": row.html_hash, "renderer": row.renderer}


def _service_dict(row) -> dict:
    from calendars import SHANGHAI

    return {"method": row.method, "method_label": SERVICE_METHODS[row.method], "served_on": row.served_on.isoformat(),
            "addressee": row.addressee, "actor": row.actor, "recorded_at": row.recorded_at.astimezone(SHANGHAI).isoformat(),
            "clock_overridden": row.clock_overridden}


def show_notice(svc, number: str) -> dict:
    """The notice's text and metadata, with its stored PDF's hash (once exported) and its service."""
    out = svc.show_notice(number)
    with svc.uow() as uow:
        pdf = uow.conn.execute(select(notice_pdfs.c.sha256, notice_pdfs.c.size, notice_pdfs.c.rendered_at,
                                      notice_pdfs.c.html_hash, notice_pdfs.c.renderer)
                               .where(notice_pdfs.c.number == out["number"])).first()
        served = uow.conn.execute(select(notice_services).where(notice_services.c.number == out["number"])
                                  .order_by(notice_services.c.served_on, notice_services.c.id)).all()
    services = [_service_dict(r) for r in served]
    return {**out, "pdf": _pdf_info(pdf), "services": services,
            "served_on": services[0]["served_on"] if services else None}


def notice_pdf(svc, number: str) -> dict:
    """The notice's PDF: the stored bytes, or rendered now from the stored HTML and stored."""
    with svc.uow() as uow:
        row = _notice(uow.conn, number)
        stored = uow.conn.execute(select(notice_pdfs).where(notice_pdfs.c.number == row.number)).first()
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
        with svc.uow() as uow:
            uow.conn.execute(insert(notice_pdfs).values(**values))
            uow.commit()
    except IntegrityError:  # another export stored it first: serve those bytes
        with svc.uow() as uow:
            stored = uow.conn.execute(select(notice_pdfs).where(notice_pdfs.c.number == row.number)).one()
        return {"number": row.number, "pdf": stored.pdf, "rendered_now": False, **_pdf_info(stored)}
    return {"number": row.number, "pdf": pdf, "rendered_now": True,
            **{k: values[k] for k in ("sha256", "size", "html_hash", "renderer")},
            "rendered_at": clock.local(values["rendered_at"])}


def serve_notice(svc, number: str, method: str, on: str | date, actor: str) -> dict:
    """Record that a notice reached its addressee: how, on which day, recorded by whom."""
    method = choose(method or "", SERVICE_METHODS, "notice served：--method 送达方式", code="bad_method")
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on.strip())
        except ValueError:
            raise BadInput(f"--on {on!r} is not a date (YYYY-MM-DD)", code="bad_date") from None
    with svc.uow() as uow:
        conn = uow.conn
        user = repo.user_row(conn, actor)
        if user is None:
            raise BadInput(f"没有用户 {actor!r}；请先用 creditflow user add {actor} --role handler 添加",
                           code="unknown_user")
        roles = frozenset(r for r in user.roles.split(",") if r)
        refuse_read_only(user.name, roles)
        if not roles & SERVING_ROLES:
            raise RefusedError(f"用户 {user.name} 不是经办人或审核人，不能登记送达", code="ROLE",
                               article="creditflow policy: 送达由经办人或审核人登记", allowed=sorted(SERVING_ROLES))
        row = _notice(conn, number)
        if row.audience == "internal":
            raise BadInput(f"notice {row.number} is an internal record of the case file; it is not served",
                           code="not_served")
        from calendars import SHANGHAI

        issued_on = row.issued_at.astimezone(SHANGHAI).date()
        if on < issued_on:
            raise BadInput(f"service on {on.isoformat()} is before the notice was issued ({issued_on.isoformat()})",
                           code="bad_date", article="creditflow policy: 送达日期不早于文书印发日期")
        today = clock.today()
        if on > today:
            raise BadInput(f"service on {on.isoformat()} is in the future (today is {today.isoformat()}); "
                           "record service once it has happened", code="bad_date")
        values = dict(number=row.number, method=method, served_on=on, addressee=row.addressee, actor=user.name,
                      recorded_at=clock.real_now(), clock_overridden=clock.overridden())
        conn.execute(insert(notice_services).values(**values))
        uow.commit()
    return {"number": row.number, "method": method, "method_label": SERVICE_METHODS[method],
            "served_on": on.isoformat(), "addressee": row.addressee, "actor": user.name,
            "recorded_at": clock.local(values["recorded_at"])}


def font_settings(values: list[str] | None) -> dict:
    """`--font role=family` values as deployment settings (font_<role>), each an installed font.

    GB/T 9704 asks for 仿宋, 小标宋, 黑体, 楷体 and 宋体, none of them free; notices use Noto CJK SC in
    their place unless the deployment names licensed fonts installed on every machine that renders."""
    import shutil
    import subprocess

    from notices.render import TYPEFACES, check_font_family

    out = {}
    for item in values or []:
        role, sep, family = item.partition("=")
        role = role.strip()
        if not sep or role not in TYPEFACES:
            raise BadInput(f"--font takes role=family with a role of {', '.join(TYPEFACES)}; got {item!r}",
                           allowed=list(TYPEFACES))
        try:
            family = check_font_family(family)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if shutil.which("fc-list"):
            listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
            names = {name.strip() for line in listed.splitlines() for name in line.split(",")}
            if family not in names:
                raise BadInput(f"font family {family!r} is not installed here (fc-list); install the licensed font "
                               "first, on every machine that renders notices", code="font_missing")
        out[f"font_{role}"] = family
    return out
