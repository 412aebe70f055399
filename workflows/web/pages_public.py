"""The public pages (no login): 公示栏 /public, 信用查询 /credit, and the objection to a case under public notice.

Thin adapters over `svc.board` (workflows/services/board.py): what is shown and for how long comes from there.
The objection form is rate-limited per address and per case (rows, `ratelimit.hit`: every web process counts the
same attempts) and carries the CSRF token like every form (the middleware refuses a post without it: 403).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from ..errors import CreditflowError
from . import ratelimit
from .deps import services
from .errors import classify
from .render import page

router = APIRouter(include_in_schema=False)

# creditflow policy: a public form is not a channel for floods. An address may raise 5 objections an hour; a case
# takes 20 an hour from everyone (an objection stops its notice, so a real one needs only one).
OBJECTION_ADDRESS = ("public_objection_address", 5, 60 * 60)
OBJECTION_CASE = ("public_objection_case", 20, 60 * 60)
RATE_ARTICLE = "creditflow policy: 公示栏在线异议按来源地址和案件限次，防止滥用"


@router.get("/public")
def board(request: Request, svc=Depends(services)):
    return page(request, "public.html.j2", board=svc.board.board())


@router.get("/public/notices/{number}")
def notice(number: str, request: Request, svc=Depends(services)):
    return page(request, "public_notice.html.j2", notice=svc.board.notice(number))


def _item(svc, case_id: int) -> dict | None:
    item = svc.board.on_notice(case_id)
    return item if item is not None and item["public_actions"] else None


@router.get("/public/objections/{case_id}")
def objection_form(case_id: int, request: Request, svc=Depends(services)):
    item = _item(svc, case_id)
    return page(request, "public_objection.html.j2", item=item, values={}, error=None,
                status_code=200 if item is not None else 404)


@router.post("/public/objections/{case_id}")
async def raise_objection(case_id: int, request: Request, svc=Depends(services)):
    form = await request.form()
    values = {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    # the store is reached synchronously: off the event loop, as FastAPI runs a plain `def` route
    return await run_in_threadpool(_raise_objection, case_id, request, svc, values)


def _raise_objection(case_id: int, request: Request, svc, values: dict):
    for (bucket, limit, window), key in ((OBJECTION_ADDRESS, ratelimit.client_address(request)),
                                         (OBJECTION_CASE, str(case_id))):
        if not ratelimit.hit(svc, bucket, key, limit=limit, window_seconds=window):
            who = "您所在的网络地址" if bucket == OBJECTION_ADDRESS[0] else "该公示"
            error = {"code": "rate_limited", "article": RATE_ARTICLE,
                     "message": f"{who}一小时内提交的异议已达 {limit} 次，暂停受理；请一小时后再试，或书面向本局提出异议"}
            return page(request, "public_objection.html.j2", status_code=429, item=_item(svc, case_id),
                        values=values, error=error)
    try:
        out = svc.board.object(case_id, values)
    except CreditflowError as exc:
        status, body = classify(request, exc)
        return page(request, "public_objection.html.j2", status_code=status, item=_item(svc, case_id),
                    values=values, error=body["error"])
    return page(request, "public_objection.html.j2", status_code=201, item=None, values={}, error=None, done=out)


@router.get("/credit")
def credit(request: Request, q: str = "", svc=Depends(services)):
    if not q.strip():
        return page(request, "credit.html.j2", answer=None, q="", error=None)
    try:
        answer = svc.board.query(q)
    except CreditflowError as exc:
        status, body = classify(request, exc)
        return page(request, "credit.html.j2", status_code=status, answer=None, q=q, error=body["error"])
    return page(request, "credit.html.j2", answer=answer, q=answer["query"], error=None)
