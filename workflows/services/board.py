"""The public board (公示栏) and the credit query (信用查询): what the bureau publishes, read for anyone, and the
public's objection to a repair under public notice.

Henan measure Art. 29 lets the bureau publish institutions' evaluation results (29(1)) and the list of D-grade
subjects (29(2)); Art. 41 publishes a repair for 5 working days before it takes effect. Each item is shown for
its own period and no longer:

* `results`: an institution's evaluation result while its archive entry is in use (Art. 30, 31:
  `states.archive.in_use`; an A or B for the good information's disclosure period, a C or D until the next year's
  result supersedes it), the score and grade as the result stands (corrected on an objection);
* `d_list`: the D list exactly as `export d-list` reads it (`ExportService`: entries in use, persons masked), for
  every year that has one;
* `notices`: every case with a clock declared `public` (`TimerSpec.public`, states/spec.py) running now, until the
  end of its last day, with its latest notice to the public, and the transitions of the `public` role the case
  takes now (the objection form).

The first two are the lists exports.py publishes, read through the same declarations (its `EVALUATION`,
`D_RECORD`, `D_CATEGORY`); the third is generic. A person's name and ID number are masked by the one masking rule
(Art. 4, 28: `notices.privacy.party_view` for the public); the credit query finds institutions only (Art. 32),
never a person: a query that looks like a resident ID number, or any name, never reaches a person's record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from notices.privacy import mask_id, party_view
from states.archive import current_statuses, in_use
from states.identifiers import INSTITUTION_TYPES, SUBJECT_TYPES
from states.policy import HENAN
from states.registry import Registry, UnknownProcedure
from states.spec import NAME_LENGTH, PUBLIC_ACTOR, PUBLIC_ROLE

from .. import clock
from ..engine import Engine, Request
from ..errors import BadInput, Refused, Unavailable
from ..inputs import clean_text
from ..store import board_repo
from ..store.archive import correction_owners
from ..store.uow import UnitOfWork
from . import exports
from .common import outcome_dict

RESULTS_ARTICLE = f"{HENAN} Art. 29(1), 30, 31"
D_LIST_ARTICLE = f"{HENAN} Art. 28, 29(2), 31"
NOTICE_ARTICLE = f"{HENAN} Art. 28, 29, 41"
QUERY_ARTICLE = f"{HENAN} Art. 28, 32"
# A resident ID number (18 characters, the last a digit or X; or the old 15 digits): never looked up in public.
_ID_NUMBER = re.compile(r"\d{17}[\dXx]|\d{15}")
QUERY_LIMIT = 20  # institutions shown for one query
PERSONS_NOT_SEARCHABLE = ("信用查询只提供机构类信用主体（定点医疗机构、定点零售药店、参保单位等）的公开信用信息；"
                          "个人的信用信息不对外公开查询，按姓名或公民身份号码查询不到任何结果"
                          f"（《{HENAN}》第二十八条、第三十二条）。本人查询自己的信用信息，请持身份证件到本局办理")


def _day(value) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


class BoardService:
    """`board()`: the public board; `notice(number)`: one notice on it; `query(text)`: the credit query;
    `object(case_id, inputs)`: the public's objection to a case on the board (one transaction)."""

    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable[[], Engine], registry: Registry,
                 exports_service: exports.ExportService):
        self.uow = uow
        self._engine = engine
        self.registry = registry
        self.exports = exports_service

    # -- what is published ----------------------------------------------------------------------------

    def public_clocks(self) -> set[tuple[str, str]]:
        """(kind, timer) of every clock a declaration marks public (any registered version)."""
        return {(p.kind, s.name) for p in self.registry.all_versions() for s in p.timers if s.public}

    def _public_routes(self, kind: str, version: int, state: str) -> list:
        try:
            proc = self.registry.procedure(kind, version)
        except UnknownProcedure:
            return []
        return [t for t in proc.transitions if t.role == PUBLIC_ROLE and state in t.source]

    def board(self) -> dict:
        """Everything the board shows now: {"as_of", "results", "d_list", "notices"} (each a list of plain dicts)."""
        now = clock.now()
        with self.uow() as uow:
            conn = uow.conn
            results = self._results(conn, now)
            d_list = self._d_list(conn, now)
            on_notice = self._notices(conn, now)
        return {"as_of": clock.local(now), "results": results, "d_list": d_list, "notices": on_notice,
                "articles": {"results": RESULTS_ARTICLE, "d_list": D_LIST_ARTICLE, "notices": NOTICE_ARTICLE}}

    def _results(self, conn, now: datetime) -> list[dict]:
        if exports.EVALUATION not in self.registry:
            return []
        today = clock.today(now)
        category = exports.evaluation_declaration.ARCHIVE_CATEGORY
        rows, written = board_repo.archive_results(conn, category, INSTITUTION_TYPES)
        live = [r for r in rows if in_use(r.disclosure_until, current_statuses(written.get(r.id, ())), today)]
        owners = correction_owners(conn, {r.id: r.case_id for r in live}) if live else {}
        results = board_repo.case_data(conn, [owners.get(r.id, r.case_id) for r in live])
        out = []
        for r in live:
            result = results.get(owners.get(r.id, r.case_id))
            data = (result.data or {}) if result is not None and result.kind == exports.EVALUATION else None
            if data is None:
                continue  # an entry of this category no evaluation owns is not a published result
            out.append({"subject_id": r.subject_id, "name": r.subject_name, "identifier": r.identifier,
                        "identifier_label": "统一社会信用代码", "type": r.subject_type,
                        "type_label": SUBJECT_TYPES.get(r.subject_type, r.subject_type),
                        "year": data.get("year"), "score": data.get("score"), "grade": data.get("grade"),
                        "adjusted": bool(data.get("adjustments")),
                        "determined_on": r.determined_on.isoformat(),
                        "until": r.disclosure_until.isoformat() if r.disclosure_until else None,
                        "period": self._period(r.determined_on, r.disclosure_until)})
        out.sort(key=lambda x: (-(x["year"] or 0), x["name"]))
        return out

    @staticmethod
    def _period(start: date, until: date | None) -> str:
        if until is None:
            return f"{start.isoformat()} 起，至下一年度评价结果确定时止"
        return f"{start.isoformat()} 至 {until.isoformat()}"

    def _d_list(self, conn, now: datetime) -> list[dict]:
        """The D list of every year that has one, as `export d-list` reads it (entries in use, persons masked)."""
        if exports.EVALUATION not in self.registry or exports.D_RECORD not in self.registry:
            return []
        out = []
        for year in board_repo.years_with_records(conn, exports.D_RECORD, exports.EVALUATION):
            for sheet in self.exports.d_list_rows(conn, year, now):  # the export's own reading, this connection
                for (name, id_label, identifier, type_label, y, score, grade, determined, until) in sheet.rows:
                    out.append({"name": name, "identifier_label": id_label, "identifier": identifier,
                                "type_label": type_label, "year": y, "score": str(score) if score is not None else None,
                                "grade": grade, "determined_on": determined.isoformat() if determined else None,
                                "until": until.isoformat() if until else None,
                                "period": f"{determined.isoformat() if determined else '?'} 至 "
                                          f"{until.isoformat() if until else '?'}"})
        out.sort(key=lambda x: (-(x["year"] or 0), x["name"]))
        return out

    def _notices(self, conn, now: datetime, case_id: int | None = None) -> list[dict]:
        clocks = board_repo.running_clocks(conn, self.public_clocks(), now, case_id)
        found = board_repo.latest_public_notices(conn, [c.case_id for c in clocks])
        out = []
        for c in clocks:
            n = found.get(c.case_id)
            if n is None:
                continue  # nothing was published to the public: nothing to show
            proc = self.registry.procedure(c.kind, c.declaration_version)
            routes = self._public_routes(c.kind, c.declaration_version, c.state)
            shown = party_view({"name": c.subject_name, "identifier": c.identifier,
                                "is_person": c.subject_type not in INSTITUTION_TYPES}, "public")
            out.append({"case_id": c.case_id, "kind": c.kind, "kind_label": proc.label,
                        "timer_label": proc.timer(c.name).label, "subject": shown, "subject_id": c.subject_id,
                        "type_label": SUBJECT_TYPES.get(c.subject_type, c.subject_type),
                        "title": n.title, "number": n.number, "issued_at": clock.local(n.issued_at),
                        "start_day": c.start_day.isoformat(), "last_day": c.last_day.isoformat(),
                        "ends_at": clock.local(c.ends_at),
                        "period": f"{c.start_day.isoformat()} 至 {c.last_day.isoformat()}",
                        "public_actions": [{"trigger": t.trigger, "label": t.label, "inputs": [
                            {"name": i.name, "type": i.type, "label": i.label, "required": i.required,
                             "limit": i.limit, "sealed": i.sealed} for i in t.inputs]} for t in routes[:1]]})
        return out

    def on_notice(self, case_id: int) -> dict | None:
        """The board's item of one case under public notice now (as in `board()["notices"]`), or None."""
        with self.uow() as uow:
            items = self._notices(uow.conn, clock.now(), case_id)
        return items[0] if items else None

    def notice(self, number: str) -> dict:
        """A notice to the public of a case on the board now (its stored HTML); anything else is unknown here."""
        now = clock.now()
        with self.uow() as uow:
            n = board_repo.public_notice(uow.conn, number)
            shown = n is not None and n.audience == "public" and any(
                item["number"] == n.number for item in self._notices(uow.conn, now, n.case_id))
        if not shown:
            raise BadInput(f"公示栏没有文号为 {number} 的公示；公示期已满的公示不再展示，请返回公示栏查看",
                           code="unknown_notice")
        return {"number": n.number, "title": n.title, "html": n.html}

    # -- the credit query (Art. 32) -----------------------------------------------------------------------

    def query(self, text: str) -> dict:
        """Institutions by USCC or a part of the name, each with what the board shows of it now."""
        q = clean_text(text or "", "查询内容", limit=NAME_LENGTH)
        if not q:
            raise BadInput("请填写要查询的机构名称或统一社会信用代码", code="empty_query")
        note = PERSONS_NOT_SEARCHABLE
        with self.uow() as uow:
            conn = uow.conn
            exact = board_repo.institutions(conn, identifier=q.upper(), types=INSTITUTION_TYPES)
            if exact:
                found = exact
            elif _ID_NUMBER.fullmatch(q):
                # never said whether such a person is registered: the same answer either way, and the number
                # typed is not echoed in full (the page may be seen over a shoulder or cached)
                return {"query": mask_id(q), "institutions": [], "refused": "id_number", "note": note,
                        "article": QUERY_ARTICLE}
            elif len(q) < 2:
                raise BadInput("请至少填写机构名称中的两个字，或完整的统一社会信用代码", code="short_query")
            else:
                found = board_repo.institutions(conn, name_part=q, types=INSTITUTION_TYPES, limit=QUERY_LIMIT + 1)
            now = clock.now()
            ids = {r.id for r in found[:QUERY_LIMIT]}
            results = [x for x in self._results(conn, now) if x["subject_id"] in ids]
            by_code = {r.identifier: r.id for r in found}
            d_list = [x for x in self._d_list(conn, now) if x["identifier"] in by_code]
            on_notice = [x for x in self._notices(conn, now) if x["subject_id"] in ids]
        out = []
        for r in found[:QUERY_LIMIT]:
            out.append({"id": r.id, "name": r.name, "identifier": r.identifier,
                        "type_label": SUBJECT_TYPES.get(r.subject_type, r.subject_type),
                        "results": [x for x in results if x["subject_id"] == r.id],
                        "d_list": [x for x in d_list if x["identifier"] == r.identifier],
                        "notices": [x for x in on_notice if x["subject_id"] == r.id]})
        return {"query": q, "institutions": out, "more": len(found) > QUERY_LIMIT, "refused": None, "note": note,
                "article": QUERY_ARTICLE}

    # -- the public's objection -----------------------------------------------------------------------------

    def object(self, case_id: int, inputs: dict, trigger: str | None = None) -> dict:
        """Raise the public's objection on a case on the board: its declared `public` transition, fired as the
        board's account (PUBLIC_ACTOR), in one transaction. Every refusal is bad input for the public (400): the
        form's line says what to change; nothing is stored."""
        now = clock.now()
        with self.uow() as uow:
            conn = uow.conn
            items = self._notices(conn, now, case_id)
            if not items or not items[0]["public_actions"]:
                raise BadInput(f"案件 {case_id} 不在公示期内，不接受公示异议；请返回公示栏查看正在公示的事项",
                               code="not_on_board")
            route = items[0]["public_actions"][0]
            if trigger is not None and trigger != route["trigger"]:
                raise BadInput("该公示只接受公示异议", code="unknown_trigger", allowed=[route["trigger"]])
            given = self._form(route, inputs)
            if not board_repo.ensure_public_actor(conn, clock.real_now()):
                raise Unavailable(f"账户“{PUBLIC_ACTOR}”已被其他用户占用，公示栏暂不能受理异议；请电话或书面向本局提出",
                                  code="public_actor_taken")
            try:
                out = self._engine().advance(conn, case_id, Request(route["trigger"], PUBLIC_ACTOR, given, from_the_board=True))
            except Refused as exc:
                raise BadInput(exc.message, code=exc.code, article=exc.article) from None
            uow.commit()
        result = outcome_dict(out)
        return {"case_id": case_id, "state": result["state"], "notice": result["notice"],
                "received_at": clock.local(now)}

    @staticmethod
    def _form(route: dict, inputs: dict) -> dict:
        """The form's fields by the transition's declared inputs: each required one given, none too long, no other."""
        known = {i["name"]: i for i in route["inputs"]}
        unknown = sorted(set(inputs) - set(known))
        if unknown:
            raise BadInput(f"公示异议表单不含“{'、'.join(unknown)}”；请使用公示栏上的表单提交", code="unknown_input")
        out = {}
        for name, spec in known.items():
            value = clean_text(inputs.get(name) or "", f"“{spec['label'].split('（')[0]}”", limit=spec["limit"],
                               multiline=spec["type"] == "text")
            if not value and spec["required"]:
                raise BadInput(f"请填写“{spec['label'].split('（')[0]}”后再提交", code="missing_input")
            if value:
                out[name] = value
        return out
