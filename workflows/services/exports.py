"""The exports a bureau files and publishes (`creditflow export …`), and the casework figures of a period.

This file is about one area, the published credit results, so it names the evaluation procedure and the
失信 record a final D opens, through their declarations (states/evaluation.py); everything else (kinds,
states, decisions, clocks) comes from the registry, so a new procedure appears in the statistics and the
worklist by itself.

* `results`: the year's evaluation results of institutional subjects (Henan measure Art. 29(1)).
* `d_list`: the year's D-grade subjects (Art. 29(2)), only entries in use (Art. 31: not superseded,
  disputed or withdrawn, and within their disclosure period, `states.archive.in_use`), persons' names and
  ID numbers masked by the one masking rule (Art. 4, 28; `notices.privacy.party_view` for the public).
* `worklist`: the open cases, most urgent first (internal: it names persons in full).
* `statistics`: the year's results by grade and subject type, the cases received and closed by outcome
  (the declared final states), the decisions (declared `decision` transitions), the agency-side clocks met
  and missed against their limits, and the cases that were overdue.

Each is a list of `Sheet`s written as XLSX (openpyxl: real dates, a 说明 sheet) or CSV (UTF-8 with BOM, so
Excel reads the Chinese) by the output's extension. Reads run in one transaction; nothing is written but
the file (all or nothing, workflows/files.py).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from calendars import SHANGHAI, Clock
from notices.privacy import party_view
from states import evaluation as evaluation_declaration
from states.archive import current_statuses, in_use
from states.grades import GRADE_LABELS, parse_score
from states.identifiers import INSTITUTION_TYPES, SUBJECT_TYPES
from states.policy import HENAN
from states.registry import Registry, UnknownProcedure
from states.spec import NEW, Transition

from .. import clock
from ..errors import BadInput
from ..files import atomic_output, check_writable
from ..store import repo
from ..store.archive import correction_owners
from ..store.people_repo import SYSTEM_USER
from ..store.tables import archive_entries, archive_status, cases, notices, subjects, timers, transitions
from ..store.tables import deployment as deployment_table
from ..store.uow import UnitOfWork

# What the published lists need from the evaluation's declaration.
EVALUATION = evaluation_declaration.KIND
D_RECORD = evaluation_declaration.RECORD_KIND  # the 失信 record a final D opens (states/record.py)
D_CATEGORY = evaluation_declaration.RECORD_CATEGORY
WINDOW = "objection_window"  # the evaluation's objection window (Art. 26)
BAD = "bad"  # states.archive.KINDS: bad information (不良信息)
AGENCY = "agency"  # states.spec.TimerSpec.side: a deadline the department keeps
LIVE = ("running", "suspended")
FORMATS = {".xlsx": "xlsx", ".csv": "csv"}
FORMAT_LABELS = {"xlsx": "Excel 工作簿", "csv": "UTF-8 编码的逗号分隔文件", "pdf": "PDF 文件"}
EARLIEST_YEAR = 2000  # as the evaluation's own year bound (EVAL-YEAR)


# -- sheets and their files ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    title: str  # the Chinese header
    kind: str = "text"  # text | int | decimal (one place) | score (two places) | date
    width: int = 12  # characters (a CJK character counts 2)


@dataclass
class Sheet:
    name: str  # the sheet's tab (and the section title of a CSV with several)
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)


NUMBER_FORMATS = {"date": "yyyy-mm-dd", "score": "0.00", "decimal": "0.0", "int": "0"}


def output_format(path: str, allowed: dict[str, str] = FORMATS) -> str:
    """The format an output file's extension names; another extension is bad input (exit 2)."""
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        given = f"扩展名 {suffix}" if suffix else "没有扩展名"
        options = "、".join(f"{ext}（{FORMAT_LABELS[fmt]}）" for ext, fmt in allowed.items())
        raise BadInput(f"输出文件 {path} {given}，不能导出：文件格式由扩展名决定，请改用 {options}",
                       code="bad_format", allowed=list(allowed))
    return allowed[suffix]


def _width(column: Column) -> float:
    shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in column.title)
    return max(column.width, shown + 2)


def fill_sheet(ws, sheet: Sheet) -> None:
    """One sheet of a workbook: a bold header in row 1 (frozen, filterable), the rows below, dates as dates."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([c.title for c in sheet.columns])
    header = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = header, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in sheet.rows:
        ws.append(list(row))
    for i, column in enumerate(sheet.columns, 1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = _width(column)
        fmt = NUMBER_FORMATS.get(column.kind)
        if fmt and sheet.rows:
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(sheet.rows) + 1, min_col=i, max_col=i):
                if cell.value is not None:
                    cell.number_format = fmt
    ws.freeze_panes = "A2"
    if sheet.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"


def new_workbook(title: str, creator: str):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = title
    wb.properties.creator = creator or "creditflow"
    wb.properties.created = clock.now().astimezone(timezone.utc)  # openpyxl writes it as UTC
    return wb


def notes_sheet(wb, notes: list[tuple[str, object]]) -> None:
    """The 说明 sheet: who made the table, when, from what, under which rule."""
    ws = wb.create_sheet("说明")
    fill_sheet(ws, Sheet("说明", (Column("项目", width=14), Column("内容", width=90)), [(k, v) for k, v in notes]))
    from openpyxl.styles import Alignment

    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(cell.value, date):
            cell.number_format = NUMBER_FORMATS["date"]


def save_workbook(wb, path: str) -> None:
    with atomic_output(path, "wb") as fh:
        wb.save(fh)


def write_csv(path: str, sheets: list[Sheet]) -> None:
    """UTF-8 with a BOM (Excel then reads the Chinese); one table, or several, each after a line naming it and
    followed by an empty line."""
    with atomic_output(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        for n, sheet in enumerate(sheets):
            if len(sheets) > 1:
                if n:
                    out.writerow([])
                out.writerow([f"【{sheet.name}】"])
            out.writerow([c.title for c in sheet.columns])
            out.writerows([_csv_value(v) for v in row] for row in sheet.rows)


def sheet_data(sheet: Sheet) -> dict:
    """A sheet as JSON: its name, column titles and rows (dates as YYYY-MM-DD, decimals as text, as the CSV)."""
    return {"name": sheet.name, "rows": len(sheet.rows), "columns": [c.title for c in sheet.columns],
            "data": [[_json_value(v) for v in row] for row in sheet.rows]}


def _json_value(value):
    if isinstance(value, (date, datetime, Decimal)):
        return _csv_value(value)
    return value


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


# -- small readers ---------------------------------------------------------------------------------------------

def _day(value) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def _local_day(instant: datetime | None) -> date | None:
    return instant.astimezone(SHANGHAI).date() if instant is not None else None


def _score(value) -> Decimal | None:
    try:
        return parse_score(value) if value is not None else None
    except ValueError:
        return None


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return start_of(date(year, 1, 1)), start_of(date(year + 1, 1, 1))


def check_year(year: int, what: str = "--year（年度）") -> int:
    this = clock.today().year
    if not isinstance(year, int) or not EARLIEST_YEAR <= year <= this:
        raise BadInput(f"{what} 的值 {year!r} 无效：须为 {EARLIEST_YEAR} 年至今年（{this} 年）之间的年度，如 {this - 1}",
                       code="bad_year")
    return year


def department_name(conn) -> str:
    values = {r.key: r.value for r in conn.execute(select(deployment_table))}
    return values.get("department_name") or ""


def check_actor(conn, name: str | None) -> str | None:
    """The user a table is made by (制表人), when given: a known user (any role: an auditor reads too)."""
    if name is None:
        return None
    if repo.user_row(conn, name) is None:
        raise BadInput(f"没有用户 {name!r}；请用 creditflow user list 查看已有用户（--as 填写制表人的用户名）",
                       code="unknown_user")
    return name


def _subject_type_label(code: str | None) -> str:
    return SUBJECT_TYPES.get(code or "", code or "")


def _type_order(code: str | None) -> int:
    order = list(SUBJECT_TYPES)
    return order.index(code) if code in order else len(order)


# -- what the log says happened in a period ----------------------------------------------------------------------

@dataclass
class _LogRow:
    seq: int
    trigger: str
    from_state: str | None
    to_state: str
    effective_at: datetime
    timer_effects: list


@dataclass
class _CaseLog:
    id: int
    kind: str
    version: int
    overdue: bool
    rows: list[_LogRow] = field(default_factory=list)


@dataclass
class AgencyClock:
    """A deadline the department keeps (an agency-side timer: handling, decision, …), with the instants its
    log gives: when it started, and when the work it times was done (the clock stopped, or, once it had run
    out, the first later step that the declaration says stops it or that closes the case)."""

    case_id: int
    kind: str
    name: str
    label: str
    unit: str
    clock: dict
    last_day: date
    ends_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    def ended_by(self, instant: datetime) -> bool:
        return self.ended_at is not None and self.ended_at <= instant

    def outcome(self, as_of: datetime) -> str:
        """met (done by 24:00 of the last day), missed (done later, or not done and the day has passed), or
        running (not done, the last day still ahead), as of `as_of`."""
        if self.ended_by(as_of):
            return "met" if self.ended_at <= self.ends_at else "missed"
        return "missed" if self.ends_at <= as_of else "running"

    def _clock(self) -> Clock | None:
        if self.unit != "working_days" or "working_days" not in self.clock:
            return None
        return Clock.from_dict(self.clock)

    def base(self) -> int | None:
        """The working days the clock was started with (its extensions aside); None if not counted in working days."""
        c = self._clock()
        return c.working_days if c is not None else None

    def extended(self) -> bool:
        c = self._clock()
        return bool(c and c.extensions)

    def suspended(self) -> bool:
        c = self._clock()
        return bool(c and c.suspensions)

    def used(self, cal, as_of: datetime) -> int | None:
        """Working days counted from the day after the start to the day the work was done (or `as_of`), not
        counting the days the clock stood still (Henan measure Art. 26)."""
        c = self._clock()
        if c is None:
            return None
        end = self._end_day(as_of)
        counted = cal.working_days_in(c.start + timedelta(days=1), end + timedelta(days=1))
        return max(counted - c.suspended_working_days(cal, as_of=end), 0)

    def _end_day(self, as_of: datetime) -> date:
        """The day the work was done, or the last day before `as_of` (a period's end is 24:00 of its last day)."""
        return _local_day(self.ended_at if self.ended_by(as_of) else as_of - timedelta(microseconds=1))

    def late_by(self, cal, as_of: datetime) -> int:
        """Working days after the last day until the work was done (or `as_of`)."""
        end = self._end_day(as_of)
        return cal.working_days_in(self.last_day + timedelta(days=1), end + timedelta(days=1))


class Casework:
    """The log of every case up to the end of a period, read once, with the declarations to read it by:
    cases opened and closed (by their declared final states), decisions (declared `decision` transitions),
    and the agency-side clocks. `as_of` is the end of the period or now, whichever is earlier."""

    def __init__(self, conn, registry: Registry, start: datetime, end: datetime, as_of: datetime):
        self.registry = registry
        self.start, self.end, self.as_of = start, end, min(end, as_of)
        self.cases: dict[int, _CaseLog] = {
            r.id: _CaseLog(r.id, r.kind, r.declaration_version, r.overdue)
            for r in conn.execute(select(cases.c.id, cases.c.kind, cases.c.declaration_version, cases.c.overdue)
                                  .where(cases.c.opened_at < end))}
        for r in conn.execute(select(transitions.c.case_id, transitions.c.seq, transitions.c.trigger,
                                     transitions.c.from_state, transitions.c.to_state,
                                     transitions.c.effective_at, transitions.c.timer_effects)
                              .where(transitions.c.effective_at < end)
                              .order_by(transitions.c.case_id, transitions.c.seq)):
            case = self.cases.get(r.case_id)
            if case is not None:
                case.rows.append(_LogRow(r.seq, r.trigger, r.from_state or None, r.to_state, r.effective_at,
                                         list(r.timer_effects or [])))
        self._timer_rows = conn.execute(
            select(timers).join(cases, cases.c.id == timers.c.case_id)
            .where(timers.c.side == AGENCY, cases.c.opened_at < end).order_by(timers.c.case_id, timers.c.id)).all()
        self._declared: dict[tuple, Transition | None] = {}

    # -- the declarations ---------------------------------------------------------------------------------

    def proc(self, case: _CaseLog):
        try:
            return self.registry.procedure(case.kind, case.version)
        except UnknownProcedure:
            return None

    def kinds(self) -> list[str]:
        """The registered kinds in their order, then any other kind the store holds."""
        seen = list(self.registry.kinds)
        return seen + sorted({c.kind for c in self.cases.values()} - set(seen))

    def label(self, kind: str) -> str:
        return self.registry.label(kind) if kind in self.registry else kind

    def state_label(self, kind: str, state: str) -> str:
        try:
            return self.registry.procedure(kind).state(state).label
        except (UnknownProcedure, KeyError):
            return state

    def final_states(self, kind: str) -> list[str]:
        try:
            return [s.name for s in self.registry.procedure(kind).states if s.final]
        except UnknownProcedure:
            return []

    def transition(self, case: _CaseLog, row: _LogRow) -> Transition | None:
        """The declared transition a log row took: its trigger, from its state, to its state."""
        key = (case.kind, case.version, row.trigger, row.from_state, row.to_state)
        if key not in self._declared:
            proc = self.proc(case)
            source = row.from_state or NEW
            self._declared[key] = None if proc is None else next(
                (t for t in proc.transitions
                 if t.trigger == row.trigger and source in t.source and (t.dest or source) == row.to_state), None)
        return self._declared[key]

    def _closes(self, case: _CaseLog, row: _LogRow) -> bool:
        proc = self.proc(case)
        if proc is None:
            return False
        finals = proc.final_states
        return row.to_state in finals and (row.from_state is None or row.from_state not in finals)

    def in_period(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    # -- figures -----------------------------------------------------------------------------------------------

    def opened(self) -> Counter:
        """Cases opened in the period, by kind."""
        return Counter(c.kind for c in self.cases.values() if c.rows and self.in_period(c.rows[0].effective_at))

    def closed(self) -> dict[str, Counter]:
        """Cases closed in the period and still closed at its end, by kind and the final state they are in then
        (a result made final, reopened by a timely objection and made final again counts once; one reopened and
        still open is not closed), so that received = closed + still open for the cases of the period."""
        out: dict[str, Counter] = defaultdict(Counter)
        for case in self.cases.values():
            proc = self.proc(case)
            rows = [r for r in case.rows if r.effective_at <= self.as_of]
            if proc is None or not rows or rows[-1].to_state not in proc.final_states:
                continue
            if any(self.in_period(r.effective_at) and self._closes(case, r) for r in rows):
                out[case.kind][rows[-1].to_state] += 1
        return out

    def open_at(self, instant: datetime) -> Counter:
        """Cases open at `instant` (opened before it, not in a final state then), by kind."""
        out = Counter()
        for case in self.cases.values():
            proc = self.proc(case)
            rows = [r for r in case.rows if r.effective_at <= instant]
            if proc is not None and rows and rows[-1].to_state not in proc.final_states:
                out[case.kind] += 1
        return out

    def decisions(self) -> Counter:
        """Decisions taken in the period (declared `decision` transitions: approvals and returns), by kind and
        the transition's label."""
        out = Counter()
        for case in self.cases.values():
            for row in case.rows:
                if self.in_period(row.effective_at):
                    t = self.transition(case, row)
                    if t is not None and t.decision:
                        out[(case.kind, t.label)] += 1
        return out

    def clocks(self) -> list[AgencyClock]:
        out = []
        for t in self._timer_rows:
            case = self.cases.get(t.case_id)
            if case is None:
                continue
            proc = self.proc(case)
            try:
                label = proc.timer(t.name).label if proc is not None else t.name
            except KeyError:
                label = t.name
            started, ended = self._clock_span(case, t.name)
            out.append(AgencyClock(case.id, case.kind, t.name, label, t.unit, dict(t.clock), t.last_day, t.ends_at,
                                   started, ended))
        return out

    def _clock_span(self, case: _CaseLog, name: str) -> tuple[datetime | None, datetime | None]:
        """When the clock's last run started, and when the work it timed was done (None: not yet)."""
        started = ended = None
        expired = False
        for row in case.rows:
            ops = {e.get("op") for e in row.timer_effects if e.get("timer") == name}
            if "start" in ops:  # a new run of the clock: the timer row holds the last one
                started, ended, expired = row.effective_at, None, False
            elif "restore" in ops:  # a stopped clock runs on to its same last day
                ended = None
            if started is None:
                continue
            if "stop" in ops:
                ended = ended or row.effective_at
            elif "fired" in ops:
                expired = True
            elif expired and ended is None:
                t = self.transition(case, row)
                if (t is not None and any(e.op == "stop" and e.timer == name for e in t.timers)) \
                        or self._closes(case, row):
                    ended = row.effective_at
        return started, ended

def notices_issued(conn, start: datetime, end: datetime) -> list[tuple[str, str, int]]:
    """Notices issued in [start, end): (kind of the case, title, count)."""
    q = (select(cases.c.kind, notices.c.title, func.count().label("n"))
         .join(cases, cases.c.id == notices.c.case_id)
         .where(notices.c.issued_at >= start, notices.c.issued_at < end)
         .group_by(cases.c.kind, notices.c.title))
    return [(r.kind, r.title, r.n) for r in conn.execute(q)]


# -- the service -----------------------------------------------------------------------------------------------------

class ExportService:
    """`export(what, year, path)`: the lists and the statistics as files; `sheets(what, year)` the same as data."""

    KINDS = ("results", "d_list", "worklist", "statistics")
    TITLES = {"results": "{year}年度机构类信用主体医疗保障信用评价结果",
              "d_list": "{year}年度医疗保障信用等级为差（D级）的信用主体名单",
              "worklist": "在办案件工作清单",
              "statistics": "{year}年度医疗保障信用管理工作统计"}

    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable, registry: Registry):
        self.uow = uow
        self._engine = engine  # the calendar (working days used and late): built on first use
        self.registry = registry

    @property
    def calendar(self):
        return self._engine().calendar

    def export(self, what: str, year: int | None, path: str, *, actor: str | None = None) -> dict:
        """Write one export to `path` (.xlsx or .csv); what it wrote: file, format, rows, sheets, as_of."""
        self._check_what(what)
        fmt = output_format(path)
        self._check_year(what, year)
        check_writable(path)  # before the work: an unwritable file changes nothing and costs nothing
        table = self._read(what, year, actor)
        if fmt == "csv":
            write_csv(path, table["sheets"])
        else:
            wb = new_workbook(table["title"], table["department"])
            for sheet in table["sheets"]:
                fill_sheet(wb.create_sheet(sheet.name), sheet)
            notes_sheet(wb, self._notes(what, table["title"], table["department"], table["maker"], table["as_of"]))
            save_workbook(wb, path)
        return self._summary(table, str(path), fmt)

    def data(self, what: str, year: int | None, *, actor: str | None = None) -> dict:
        """One export as JSON, no file: the summary `export` returns (without `file`, format "json"), each sheet
        with its column titles and rows (dates as YYYY-MM-DD, scores as decimal text)."""
        self._check_what(what)
        self._check_year(what, year)
        table = self._read(what, year, actor)
        out = self._summary(table, None, "json")
        del out["file"]
        out["sheets"] = [sheet_data(s) for s in table["sheets"]]
        return out

    def _check_what(self, what: str) -> None:
        if what not in self.KINDS:
            raise BadInput(f"没有导出项 {what!r}；可选：{'、'.join(self.KINDS)}", code="unknown_export",
                           allowed=list(self.KINDS))

    @staticmethod
    def _check_year(what: str, year: int | None) -> None:
        if year is not None or what != "worklist":
            check_year(year)

    def _read(self, what: str, year: int | None, actor: str | None) -> dict:
        """The export's tables, read in one transaction, with its title, department, maker and instant."""
        as_of = clock.now()
        with self.uow() as uow:
            conn = uow.conn
            maker = check_actor(conn, actor)
            department = department_name(conn)
            sheets = getattr(self, f"_{what}")(conn, year, as_of)
        title = self.TITLES[what].format(year=year) + (f"（{year}年立案）" if what == "worklist" and year else "")
        return {"what": what, "year": year, "title": title, "department": department, "maker": maker,
                "as_of": as_of, "sheets": sheets}

    @staticmethod
    def _summary(table: dict, file: str | None, fmt: str) -> dict:
        sheets = table["sheets"]
        return {"export": table["what"], "year": table["year"], "title": table["title"], "file": file, "format": fmt,
                "rows": sum(len(s.rows) for s in sheets), "sheets": [{"name": s.name, "rows": len(s.rows)} for s in sheets],
                "as_of": clock.local(table["as_of"]), "made_by": table["maker"]}

    def sheets(self, what: str, year: int | None) -> list[Sheet]:
        """The export's tables as data (no file)."""
        self._check_year(what, year)
        with self.uow() as uow:
            return getattr(self, f"_{what}")(uow.conn, year, clock.now())

    NOTES = {
        "results": (f"《{HENAN}》第二十九条第（一）项：机构类信用主体的医疗保障信用评价结果由省辖市医疗保障部门统一发布。"
                    "本表列出本部门作出的该年度机构类信用主体评价结果（得分和等级为现行结果，经异议更正的为更正后的结果）；"
                    "结果状态：已公布（异议期内）、异议处理中、已确定，或已确定（经异议更正）。"),
        "d_list": (f"《{HENAN}》第二十九条第（二）项：信用等级为差（D级）的信用主体名单由省辖市医疗保障部门统一发布。"
                   "只列出仍在使用的失信信息（第三十一条：不得使用超过公开期限的不良信用信息；已撤销、已被更正取代、"
                   "异议处理中暂停使用或公开期限已届满的不列入）。依第四条、第二十八条，个人的姓名和公民身份号码已作脱敏处理"
                   "（姓名保留姓氏，号码保留前4位和后4位）；机构名称和统一社会信用代码为公开登记信息，不作处理。"),
        "worklist": ("在办（未办结）的案件，超期督办的在前，其余按最近期限排列。本表含个人信息，仅供内部办理使用，"
                     f"不得对外公开或提供（《{HENAN}》第二十八条）。"),
        "statistics": ("评价结果按评价年度统计；案件、决定和处理期限按发生日期所在的自然年度统计（北京时间）。"
                       "处理期限为本部门须遵守的期限（异议处理、信用修复决定等），按期指在期限届满日24时前办结；"
                       "用时按工作日计算，起算日不计入，中止计算的期间不计入（《河南省医疗保障基金使用信用管理办法》第二十六条）。"
                       "本表不含个人信息。"),
    }

    def _notes(self, what: str, title: str, department: str, maker: str | None, as_of: datetime) -> list[tuple]:
        notes = [("表名", title), ("制表单位", department or "（未设置）"), ("制表日期", clock.today(as_of)),
                 ("数据截至", f"{clock.local(as_of)[:19].replace('T', ' ')}（北京时间）")]
        if maker:
            notes.append(("制表人", maker))
        notes.append(("说明", self.NOTES[what]))
        return notes

    # -- results (Art. 29(1)) -------------------------------------------------------------------------------

    def _evaluations(self, year: int):
        """The year's evaluation cases of this department with their subject (one query)."""
        return (select(cases.c.id, cases.c.state, cases.c.declaration_version, cases.c.data, subjects.c.name,
                       subjects.c.subject_type, subjects.c.identifier)
                .join(subjects, subjects.c.id == cases.c.subject_id)
                .where(cases.c.kind == EVALUATION, cases.c.data["year"].as_integer() == year))

    def _results(self, conn, year: int, as_of: datetime) -> list[Sheet]:
        self._require(EVALUATION)
        q = self._evaluations(year).where(subjects.c.subject_type.in_(list(INSTITUTION_TYPES)))
        rows = conn.execute(q).all()
        windows = {r.case_id: r.last_day for r in conn.execute(
            select(timers.c.case_id, timers.c.last_day).join(cases, cases.c.id == timers.c.case_id)
            .where(timers.c.name == WINDOW, cases.c.kind == EVALUATION, cases.c.data["year"].as_integer() == year))}
        out = []
        for r in rows:
            d = r.data or {}
            out.append((r.name, r.identifier, _subject_type_label(r.subject_type), d.get("year"), _score(d.get("score")),
                        d.get("grade"), _day(d.get("published_on")), windows.get(r.id),
                        self._result_state(r.state, r.declaration_version, d), _day(d.get("final_on")), r.subject_type))
        out.sort(key=lambda x: (_type_order(x[-1]), -(x[4] or 0), x[0]))
        columns = (Column("机构名称", width=36), Column("统一社会信用代码", width=22), Column("主体类型", width=26),
                   Column("评价年度", "int", 10), Column("评价得分", "score", 10), Column("信用等级", width=10),
                   Column("公布日期", "date"), Column("异议期届满日", "date"), Column("结果状态", width=24),
                   Column("结果确定日期", "date"))
        return [Sheet("评价结果", columns, [x[:-1] for x in out])]

    def _result_state(self, state: str, version: int, data: dict) -> str:
        try:
            label = self.registry.procedure(EVALUATION, version).state(state).label
        except (UnknownProcedure, KeyError):
            label = state
        return label + ("（经异议更正）" if data.get("adjustments") else "")

    def _require(self, kind: str) -> None:
        if kind not in self.registry:
            raise BadInput(f"本部署未登记信用评价程序（{kind}），没有可导出的评价结果", code="unknown_kind")

    # -- the D list (Art. 29(2), 31, 28) --------------------------------------------------------------------------

    def d_list_rows(self, conn, year: int, as_of: datetime) -> list[Sheet]:
        """The D list of `year` as of `as_of`, read on the caller's connection (the public board shows it too)."""
        return self._d_list(conn, year, as_of)

    def _d_list(self, conn, year: int, as_of: datetime) -> list[Sheet]:
        """One row per D result of the year whose record's bad information is in use today."""
        self._require(EVALUATION)
        today = clock.today(as_of)
        result = aliased(cases)
        records = conn.execute(
            select(cases.c.id, cases.c.data, result.c.data.label("result"), subjects.c.name, subjects.c.subject_type,
                   subjects.c.identifier)
            .join(result, result.c.id == cases.c.parent_id).join(subjects, subjects.c.id == cases.c.subject_id)
            .where(cases.c.kind == D_RECORD, result.c.kind == EVALUATION,
                   result.c.data["year"].as_integer() == year)).all()
        records = {r.id: r for r in records if (r.data or {}).get("category") == D_CATEGORY}
        entries = conn.execute(select(archive_entries.c.id, archive_entries.c.case_id, archive_entries.c.disclosure_until)
                               .where(archive_entries.c.kind == BAD, archive_entries.c.category == D_CATEGORY)
                               .order_by(archive_entries.c.id)).all()
        written: dict[int, list[str]] = defaultdict(list)
        for s in conn.execute(select(archive_status.c.entry_id, archive_status.c.status)
                              .join(archive_entries, archive_entries.c.id == archive_status.c.entry_id)
                              .where(archive_entries.c.kind == BAD, archive_entries.c.category == D_CATEGORY)
                              .order_by(archive_status.c.id)):
            written[s.entry_id].append(s.status)
        owners = correction_owners(conn, {e.id: e.case_id for e in entries}) if entries else {}
        listed: dict[int, date | None] = {}  # record -> the last day its entry in use is disclosed
        for e in entries:
            owner = owners.get(e.id, e.case_id)  # a correction of the record's entry is still the record's
            if owner in records and in_use(e.disclosure_until, current_statuses(written.get(e.id, ())), today):
                listed[owner] = e.disclosure_until
        out = []
        for record_id, until in listed.items():
            r = records[record_id]
            shown = party_view({"name": r.name, "identifier": r.identifier,
                                "is_person": r.subject_type not in INSTITUTION_TYPES}, "public")
            d, result_data = r.data or {}, r.result or {}
            out.append((shown["name"], shown["identifier_label"], shown["identifier"], _subject_type_label(r.subject_type),
                        result_data.get("year"), _score(result_data.get("score")), result_data.get("grade"),
                        _day(d.get("determined_on")), until, r.subject_type, r.name))
        out.sort(key=lambda x: (_type_order(x[-2]), x[-1]))
        columns = (Column("信用主体名称", width=36), Column("证件类型", width=16), Column("证件号码", width=22),
                   Column("主体类型", width=26), Column("评价年度", "int", 10), Column("评价得分", "score", 10),
                   Column("信用等级", width=10), Column("认定日期", "date"), Column("公开期限至", "date"))
        return [Sheet("D级名单", columns, [x[:-2] for x in out])]

    # -- the worklist ------------------------------------------------------------------------------------------------

    def _worklist(self, conn, year: int | None, as_of: datetime) -> list[Sheet]:
        q = (select(cases.c.id, cases.c.kind, cases.c.declaration_version, cases.c.state, cases.c.overdue,
                    cases.c.parent_id, cases.c.opened_by, cases.c.opened_at, subjects.c.name, subjects.c.identifier)
             .outerjoin(subjects, subjects.c.id == cases.c.subject_id).where(cases.c.is_final.is_(False)))
        open_cases = cases.c.is_final.is_(False)
        if year is not None:
            start, end = year_bounds(year)
            q = q.where(cases.c.opened_at >= start, cases.c.opened_at < end)
        rows = conn.execute(q).all()
        # Each open case's clocks still counting, and its own deadlines that ran out undone (督办).
        live: dict[int, list] = defaultdict(list)
        counting = timers.c.status.in_(LIVE) | and_(timers.c.status == "fired", timers.c.side == AGENCY)
        for t in conn.execute(select(timers).join(cases, cases.c.id == timers.c.case_id)
                              .where(open_cases, counting).order_by(timers.c.ends_at, timers.c.id)):
            live[t.case_id].append(t)
        first = {r.case_id: r for r in conn.execute(
            select(transitions.c.case_id, transitions.c.actor, transitions.c.effective_at)
            .join(cases, cases.c.id == transitions.c.case_id).where(open_cases, transitions.c.seq == 1))}
        last_seq = (select(transitions.c.case_id, func.max(transitions.c.seq).label("seq"))
                    .join(cases, cases.c.id == transitions.c.case_id).where(open_cases)
                    .group_by(transitions.c.case_id).subquery())
        last = {r.case_id: r for r in conn.execute(
            select(transitions.c.case_id, transitions.c.actor, transitions.c.effective_at)
            .join(last_seq, and_(last_seq.c.case_id == transitions.c.case_id, last_seq.c.seq == transitions.c.seq)))}
        out = []
        for r in rows:
            try:
                proc = self.registry.procedure(r.kind, r.declaration_version)
                kind_label, state_label = proc.label, proc.state(r.state).label
                timer_labels = {s.name: s.label.split("（")[0] for s in proc.timers}
            except (UnknownProcedure, KeyError):
                kind_label, state_label, timer_labels = r.kind, r.state, {}
            # a deadline that ran out counts while the case is flagged for it (a later decision lifts the flag)
            clocks = [t for t in live.get(r.id, []) if t.status in LIVE or r.overdue]
            nxt = clocks[0] if clocks else None
            opener = first.get(r.id)
            opened_by = opener.actor if opener is not None else ""
            if opened_by == SYSTEM_USER and r.opened_by is not None:
                opened_by = f"系统（由案件{r.opened_by}开启）"
            latest = last.get(r.id)
            status = ""
            if nxt is not None:
                status = {"suspended": "中止计算", "fired": "已届满，超期未办结"}.get(nxt.status, "计算中")
                if nxt.status in LIVE and nxt.ends_at <= as_of:
                    status = "已届满，待定时任务处理"
            others = "；".join(f"{timer_labels.get(t.name, t.name)}至{t.last_day.isoformat()}" for t in clocks[1:])
            out.append((r.id, kind_label, state_label, r.name or "", r.identifier or "",
                        r.parent_id if r.parent_id is not None else r.opened_by,
                        _local_day(opener.effective_at) if opener else _local_day(r.opened_at), opened_by,
                        _local_day(latest.effective_at) if latest else None, latest.actor if latest else "",
                        timer_labels.get(nxt.name, nxt.name) if nxt else "", nxt.last_day if nxt else None, status,
                        others, "是" if r.overdue else "否",
                        (not r.overdue, nxt.ends_at if nxt else datetime.max.replace(tzinfo=timezone.utc), r.id)))
        out.sort(key=lambda x: x[-1])
        columns = (Column("案件编号", "int", 10), Column("案件类型", width=18), Column("当前状态", width=26),
                   Column("信用主体", width=30), Column("证件号码", width=22), Column("上级或关联案件", "int", 12),
                   Column("立案日期", "date"), Column("立案人", width=14), Column("最近办理日期", "date"),
                   Column("最近办理人", width=12), Column("最近期限", width=24), Column("期限届满日", "date"),
                   Column("期限状态", width=18), Column("其他在计期限", width=36), Column("超期督办", width=10))
        return [Sheet("在办案件", columns, [x[:-1] for x in out])]

    # -- statistics -------------------------------------------------------------------------------------------------

    def _statistics(self, conn, year: int, as_of: datetime) -> list[Sheet]:
        start, end = year_bounds(year)
        work = Casework(conn, self.registry, start, end, as_of)
        sheets = [self._grades(conn, year)] if EVALUATION in self.registry else []
        sheets += casework_sheets(work, self.calendar, notices=None)
        return sheets

    def _grades(self, conn, year: int) -> Sheet:
        """The year's results by subject type and current grade (Art. 22), with how many are final and how many
        were corrected on an objection."""
        grades = list(GRADE_LABELS)
        counts: dict[str, Counter] = defaultdict(Counter)
        finals = set(self.registry.procedure(EVALUATION).final_states)
        for r in conn.execute(self._evaluations(year)):
            d = r.data or {}
            c = counts[r.subject_type]
            c[d.get("grade")] += 1
            c["final"] += r.state in finals
            c["adjusted"] += bool(d.get("adjustments"))
        rows = []
        total = Counter()
        for code in sorted(set(SUBJECT_TYPES) | set(counts), key=_type_order):
            c = counts.get(code, Counter())
            n = sum(c[g] for g in grades)
            rows.append((_subject_type_label(code), *(c[g] for g in grades), n, c["final"], c["adjusted"]))
            total.update({**{g: c[g] for g in grades}, "n": n, "final": c["final"], "adjusted": c["adjusted"]})
        rows.append(("合计", *(total[g] for g in grades), total["n"], total["final"], total["adjusted"]))
        columns = (Column("主体类型", width=30), *(Column(f"{g}级", "int", 8) for g in grades), Column("合计", "int", 8),
                   Column("其中已确定", "int", 10), Column("其中经异议更正", "int", 14))
        return Sheet("评价结果", columns, rows)


def casework_sheets(work: Casework, cal, *, notices: list[tuple[str, str, int]] | None) -> list[Sheet]:
    """The casework figures of a period as sheets: cases received and closed by outcome, decisions, notices
    (when given), the agency-side clocks against their limits, and the cases that were overdue."""
    opened, closed, open_end, decisions = work.opened(), work.closed(), work.open_at(work.as_of), work.decisions()
    kinds = work.kinds()
    rows = []
    for kind in kinds:
        label = work.label(kind)
        rows.append((label, "收到或立案", opened.get(kind, 0)))
        rows.append((label, "办结", sum(closed.get(kind, Counter()).values())))
        for state in work.final_states(kind):
            rows.append((label, f"其中：{work.state_label(kind, state)}", closed.get(kind, Counter()).get(state, 0)))
        rows.append((label, "期末尚未办结", open_end.get(kind, 0)))
    sheets = [Sheet("案件办理", (Column("程序", width=22), Column("项目", width=34), Column("数量", "int", 10)), rows)]
    order = {k: i for i, k in enumerate(kinds)}
    sheets.append(Sheet("决定", (Column("程序", width=22), Column("决定事项", width=44), Column("数量", "int", 10)),
                        [(work.label(k), label, n) for (k, label), n in
                         sorted(decisions.items(), key=lambda x: (order.get(x[0][0], 99), x[0][1]))]))
    if notices is not None:
        sheets.append(Sheet("文书", (Column("程序", width=22), Column("文书", width=44), Column("份数", "int", 10)),
                            [(work.label(k), title, n) for k, title, n in
                             sorted(notices, key=lambda x: (order.get(x[0], 99), x[1]))]))
    clocks = work.clocks()
    sheets.append(clock_sheet(work, clocks, cal))
    sheets.append(overdue_sheet(work, clocks, cal))
    return sheets


def clock_sheet(work: Casework, clocks: list[AgencyClock], cal) -> Sheet:
    """Per procedure and agency-side clock: those whose work was done in the period, met or missed, the working
    days used against the limit, and those still running at the end of it (and how many of them ran out)."""
    groups: dict[tuple[str, str], list[AgencyClock]] = defaultdict(list)
    for c in clocks:
        groups[(c.kind, c.label)].append(c)
    order = {k: i for i, k in enumerate(work.kinds())}
    rows = []
    for (kind, label), group in sorted(groups.items(), key=lambda x: (order.get(x[0][0], 99), x[0][1])):
        done = [c for c in group if c.ended_at is not None and work.in_period(c.ended_at)]
        running = [c for c in group if c.started_at is not None and c.started_at < work.end
                   and not c.ended_by(work.as_of)]
        used = [u for u in (c.used(cal, work.as_of) for c in done) if u is not None]
        bases = sorted({b for b in (c.base() for c in group) if b is not None})
        rows.append((work.label(kind), label.split("（")[0], "、".join(map(str, bases)) or "—", len(done),
                     sum(c.outcome(work.as_of) == "met" for c in done),
                     sum(c.outcome(work.as_of) == "missed" for c in done),
                     round(Decimal(sum(used)) / len(used), 1) if used else None, max(used) if used else None,
                     sum(c.extended() for c in done), sum(c.suspended() for c in done), len(running),
                     sum(c.outcome(work.as_of) == "missed" for c in running)))
    columns = (Column("程序", width=22), Column("期限", width=20), Column("法定期限（工作日）", width=12),
               Column("办结", "int", 8), Column("按期办结", "int", 10), Column("超期办结", "int", 10),
               Column("平均用时（工作日）", "decimal", 12), Column("最长用时（工作日）", "int", 12),
               Column("其中延长期限", "int", 12), Column("其中中止计算", "int", 12), Column("期末仍在计算", "int", 12),
               Column("其中已超期", "int", 10))
    return Sheet("处理期限", columns, rows)


def overdue_sheet(work: Casework, clocks: list[AgencyClock], cal) -> Sheet:
    """The cases overdue at some time in the period: a clock of theirs whose last day had passed in the period
    with its work not done (done late, or not yet done at the end of it)."""
    rows = []
    for c in clocks:
        if c.started_at is None or not c.ends_at < work.end or c.outcome(work.as_of) != "missed":
            continue
        if c.ended_at is not None and c.ended_at < work.start:
            continue  # done (late) before the period began
        done = c.ended_by(work.as_of)
        rows.append((c.case_id, work.label(c.kind), c.label.split("（")[0], c.last_day,
                     _local_day(c.ended_at) if done else None, "超期办结" if done else "超期未办结",
                     c.late_by(cal, work.as_of)))
    rows.sort(key=lambda x: (x[3], x[0]))
    columns = (Column("案件编号", "int", 10), Column("程序", width=22), Column("期限", width=20),
               Column("期限届满日", "date"), Column("办结日期", "date"), Column("情况", width=12),
               Column("超出工作日", "int", 10))
    return Sheet("超期案件", columns, rows)

