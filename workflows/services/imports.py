"""The imports area: a year's scored results from a spreadsheet (`creditflow evaluation import`).

A bureau publishes a whole year at once from the scoring committee's sheet (.xlsx, read with openpyxl in
read-only mode) or the provincial platform's export (.csv in UTF-8 with or without a BOM, or GB18030; the
encoding read is reported). Row 1 is the header; the columns are named in Chinese (HEADERS): 名称, 类型
(a subject type's code or label), 证件号码 (or 统一社会信用代码 / 身份证号码; a sheet may carry both of
these, one filled per row), 得分, and optionally 备注 (the bureau's own note: the procedure records no
remark, so it stays in the file).

Every row is checked before anything is written: the name; the type; the identifier's check character
(GB 32100-2015, GB 11643-1999) and that it fits the type (an institution by its USCC, a person by an ID
number: Henan measure Art. 10); the score (0-100, at most two decimals: Art. 22, by `states.grades`); a
later row repeating an earlier row's identifier (the later copy is the bad one); a registered subject of
another type, or of another name (unless `update_names`); and a result of that year already published
with a *different* score (a published result is corrected only through an objection: Art. 26). One bad
row and nothing is written: the result lists every error (spreadsheet row, column, reason in Chinese) and
the same sheet is written beside the input with an added 错误说明 column (`error_report_path`).

A good file publishes each new row by the kind's opening transition (the same path as `case open` and
`evaluation publish`: a numbered notice, the objection window), one transaction per row, a new subject
registered and a corrected name recorded in that row's transaction. A row already published with the
same score is skipped and counted: importing a file again publishes nothing new, and an interrupted
import is finished by running it again. Before the first write, the first row to publish is rehearsed in
a transaction that is rolled back, so whatever the engine would refuse for every row (the user's role,
the year, the deployment's settings) is refused with nothing written.

The kind is the caller's (the command line passes the evaluation's): this area reads the declaration's
opening inputs `year` and `score` and the data its cases keep (`year`, `score`, `adjustments`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from states.grades import grade_for, parse_score
from states.identifiers import (INSTITUTION_TYPES, PERSON_TYPES, SUBJECT_TYPES, IdentifierError, validate_id_number,
                                validate_uscc)
from states.registry import Registry
from states.spec import NAME_LENGTH

from .. import clock
from ..auditing import refuse_read_only
from ..engine import Engine, Request
from ..errors import BadInput, Conflict, CreditflowError, Refused
from ..inputs import choose, clean_text
from ..store import cases_repo, people_repo, repo
from ..store.uow import UnitOfWork
from .deployment import ROLES

MEASURE = "河南省医疗保障基金使用信用管理办法"

# The columns (the contract with the bureau's sheets): field -> the headers accepted for it.
HEADERS = {
    "name": ("名称",),
    "type": ("类型",),
    "identifier": ("证件号码", "统一社会信用代码", "身份证号码"),
    "score": ("得分",),
    "remark": ("备注",),
}
REQUIRED = ("name", "type", "identifier", "score")
ERROR_COLUMN = "错误说明"
ENCODINGS = {"utf-8-sig": "UTF-8（带BOM）", "utf-8": "UTF-8", "gb18030": "GB18030"}
GRADES = ("A", "B", "C", "D")

# What Excel makes of a long number typed into a cell, as it writes it into a CSV: 1.10105E+17.
_SCIENTIFIC = re.compile(r"[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+")
# Characters a spreadsheet cell cannot hold (openpyxl refuses them): written escaped in the error report.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Sheet:
    """The file as read: its header, its non-blank data rows by spreadsheet row number, and how it was read."""

    path: Path
    format: str  # xlsx | csv
    encoding: str | None  # csv: a key of ENCODINGS
    title: str
    header: list
    rows: list[tuple[int, list]]  # (row number, the cells as read), blank rows left out


@dataclass
class Row:
    number: int
    name: str
    subject_type: str
    identifier_kind: str
    identifier: str
    score: Decimal
    score_text: str  # the score as the log records it (what `evaluation publish --score` would be given)


@dataclass
class Item:
    """One row's writes: a subject to register (no `subject_id`) or rename, a result to publish."""

    row: Row
    subject_id: int | None
    rename_from: str | None = None
    publish: bool = True


@dataclass
class _Check:
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, row: int, column: str, reason: str) -> None:
        self.errors.setdefault(row, []).append((column, reason))

    def as_list(self) -> list[dict]:
        return [{"row": row, "column": column, "reason": reason}
                for row in sorted(self.errors) for column, reason in self.errors[row]]


# -- reading the file ------------------------------------------------------------------------------------

def error_report_path(path: str | Path) -> Path:
    """Where the error report of `path` is written: beside it, its name with `.errors.xlsx` in place of
    the extension (results.xlsx and results.csv -> results.errors.xlsx)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.errors.xlsx")


def read_sheet(path: str | Path) -> Sheet:
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"找不到导入文件 {path}（或它不是文件）；请核对路径", code="unknown_file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xls":
        raise BadInput(f"{path.name} 是旧版 Excel 97-2003 格式（.xls），不能导入；请在 Excel 中另存为 .xlsx 后再导入",
                       code="bad_file")
    raise BadInput(f"{path.name} 不是 .xlsx 或 .csv 文件；请导入 Excel 工作簿（.xlsx）或逗号分隔的 CSV 文件",
                   code="bad_file")


def _keep(rows) -> tuple[list, list[tuple[int, list]]]:
    header, kept = [], []
    for number, cells in enumerate(rows, 1):
        cells = list(cells or ())
        if number == 1:
            header = cells
        elif any(_text(c) for c in cells):  # blank rows (and the formatted empty rows below the data) are not rows
            kept.append((number, cells))
    return header, kept


def _read_xlsx(path: Path) -> Sheet:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise BadInput(f"无法读取 {path.name}：不是有效的 Excel 工作簿（{type(exc).__name__}）；请用 Excel 打开检查，"
                       "另存为 .xlsx 后再导入", code="bad_file") from None
    try:
        if not wb.worksheets:
            raise BadInput(f"{path.name} 中没有工作表；请把评价结果放在第一个工作表", code="bad_file")
        ws = wb.worksheets[0]  # the first sheet holds the results (a sheet of instructions goes after it)
        ws.reset_dimensions()  # some exporters write a wrong dimension; read what the sheet holds
        header, rows = _keep(ws.iter_rows(values_only=True))
        title = ws.title
    finally:
        wb.close()
    return Sheet(path, "xlsx", None, title, header, rows)


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise BadInput(f"{path.name} 是 UTF-16 编码（Excel 的“Unicode 文本”），不能导入；请在 Excel 中另存为"
                       "“CSV UTF-8（逗号分隔）”后再导入", code="bad_encoding")
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path.name} 第 {exc.start + 1} 个字节起不是有效的 {ENCODINGS[encoding]} 文本（已按 UTF-8 "
                       "带或不带BOM、GB18030 识别）；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入",
                       code="bad_encoding") from None


def _read_csv(path: Path) -> Sheet:
    text, encoding = _decode(path, path.read_bytes())
    try:
        header, rows = _keep(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise BadInput(f"{path.name} 不是有效的 CSV 文件（{exc}）；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入",
                       code="bad_file") from None
    return Sheet(path, "csv", encoding, path.stem, header, rows)


def _text(cell) -> str:
    """A cell as text, surrounding blanks (also full-width ones) trimmed; None is ''."""
    if cell is None:
        return ""
    return str(cell).strip()


# -- checking the rows ---------------------------------------------------------------------------------------

def _columns(sheet: Sheet, check: _Check) -> dict[str, list[tuple[int, str]]]:
    """The header's columns by field: field -> [(index, header as written)]."""
    by_header = {h: f for f, names in HEADERS.items() for h in names}
    titles = [_text(c) for c in sheet.header if _text(c)]
    if len(titles) == 1 and re.search(r"[\t;；]", titles[0]):
        check.add(1, titles[0][:20], "第1行只有一个单元格，其中有制表符或分号：文件不是逗号分隔的 CSV；请在 Excel 中另存为"
                                     "“CSV UTF-8（逗号分隔）”后再导入")
        return {}
    found: dict[str, list[tuple[int, str]]] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(sheet.header):
        title = _text(cell)
        if not title:
            continue
        if title in seen:
            check.add(1, title, f"表头“{title}”出现了不止一次（第 {seen[title] + 1} 列和第 {index + 1} 列）：每列只能有一个；"
                                f"请删除或改名其中一列")
            continue
        seen[title] = index
        if title in by_header:
            found.setdefault(by_header[title], []).append((index, title))
    for f in REQUIRED:
        if f not in found:
            accepted = "、".join(f"“{h}”" for h in HEADERS[f])
            check.add(1, HEADERS[f][0], f"缺少必填列 {accepted}：第1行须为表头，含 名称、类型、证件号码（或 统一社会信用代码、"
                                        "身份证号码）、得分 四列，备注 列可选；请补上该列后重新导入")
    return found


def _number_shown(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return f"{cell:.0f}"
    return str(cell)


def _score(cell) -> tuple[Decimal, str] | str:
    """(score, its text) or the reason it is not a score."""
    if isinstance(cell, bool) or isinstance(cell, (datetime, date, time)):
        return f"得分单元格是{'逻辑值' if isinstance(cell, bool) else '日期或时间'}格式（{cell}），不是分数：请填写0至100之间、最多两位小数的分数，如 85.5"
    if isinstance(cell, float):
        text = f"{cell:.15g}"  # what Excel shows: a double holds 15 significant digits (85.50000000000001 is 85.5)
    else:
        text = _text(cell)
    if not text:
        return "得分为空：请填写0至100之间、最多两位小数的分数，如 85.5"
    try:
        return parse_score(text), text
    except ValueError:
        pass
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        return f"得分“{text}”不是数字：请填写0至100之间、最多两位小数的分数，如 85.5（不带“分”等文字）"
    if not Decimal(0) <= value <= Decimal(100):
        return f"得分 {text} 超出0至100分（{MEASURE} Art. 22：评价实行百分制）：请核对得分"
    return f"得分 {text} 超过两位小数：请保留至多两位小数，如 85.55"


def _identifier(cell) -> str | tuple[str]:
    """The identifier as text, or (the reason it cannot be one,)."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return (f"证件号码被 Excel 存成了数字（{_number_shown(cell)}）：Excel 的数字最多保留15位有效数字，18位号码的末几位已经丢失，"
                "无法还原；请把该列设为“文本”格式，重新录入完整号码后再导入",)
    text = _text(cell).upper()
    if _SCIENTIFIC.fullmatch(text):
        return (f"证件号码是 Excel 的科学计数法形式（{text}）：号码被存成了数字，18位号码的末几位已经丢失，无法还原；"
                "请在 Excel 中把该列设为“文本”格式，重新录入完整号码后再另存为 CSV",)
    return text


def _valid(validate, identifier: str) -> bool:
    try:
        validate(identifier)
        return True
    except IdentifierError:
        return False


def _check_identifier(subject_type: str | None, identifier: str, today: date) -> tuple[str, str] | str:
    """(kind, normalised identifier) for the type, or the reason (Henan measure Art. 10; GB 32100, GB 11643)."""
    as_id = lambda s: validate_id_number(s, today=today)  # noqa: E731
    if subject_type is None:  # the type is bad (reported): check the identifier on its own
        reasons = []
        for kind, validate in (("uscc", validate_uscc), ("id_number", as_id)):
            try:
                return kind, validate(identifier)
            except IdentifierError as exc:
                reasons.append(str(exc))
        return f"证件号码 {identifier} 既不是有效的统一社会信用代码，也不是有效的居民身份证号码：{reasons[0]}；{reasons[1]}"
    if subject_type in INSTITUTION_TYPES:
        try:
            return "uscc", validate_uscc(identifier)
        except IdentifierError as exc:
            if _valid(as_id, identifier):
                return (f"类型为{INSTITUTION_TYPES[subject_type]}（机构），应以统一社会信用代码标识，本行却是居民身份证号码"
                        f"（{MEASURE} Art. 10）：请核对类型或证件号码")
            return str(exc)
    try:
        return "id_number", as_id(identifier)
    except IdentifierError as exc:
        if _valid(validate_uscc, identifier):
            return (f"类型为{PERSON_TYPES[subject_type]}（个人），应以居民身份证号码标识，本行却是统一社会信用代码"
                    f"（{MEASURE} Art. 10）：请核对类型或证件号码")
        return str(exc)


def _parse(sheet: Sheet, columns: dict, check: _Check, today: date) -> list[Row]:
    rows, first_seen = [], {}
    for number, cells in sheet.rows:
        def cell(f):
            return cells[columns[f][0][0]] if columns[f][0][0] < len(cells) else None

        def bad(f, reason, header=None):
            check.add(number, header or columns[f][0][1], reason)

        name_cell = cell("name")
        name = None
        try:
            name = clean_text("" if name_cell is None else name_cell, "名称", limit=NAME_LENGTH)
            if not name:
                bad("name", "名称为空：请填写登记的机构名称或人员姓名")
                name = None
        except BadInput as exc:
            bad("name", exc.message)

        subject_type = None
        type_text = _text(cell("type"))
        if not type_text:
            bad("type", "类型为空：请填写信用主体类型，可选：" + "、".join(SUBJECT_TYPES.values()))
        else:
            try:
                subject_type = choose(type_text, SUBJECT_TYPES, "类型")
            except BadInput as exc:
                bad("type", exc.message)

        identifier = kind = None
        filled = [(i, h, cells[i]) for i, h in columns["identifier"] if i < len(cells) and _text(cells[i])]
        if not filled:
            bad("identifier", "证件号码为空：机构请填写18位统一社会信用代码，个人请填写18位居民身份证号码")
        elif len(filled) > 1:
            bad("identifier", f"同一行填写了{'和'.join(h for _, h, _ in filled)}：每行只能填一个证件号码；请删去多余的一个",
                header=filled[1][1])
        else:
            _, header, raw = filled[0]
            text = _identifier(raw)
            if isinstance(text, tuple):
                bad("identifier", text[0], header)
            else:
                earlier = first_seen.get(text)
                if earlier is not None:
                    bad("identifier", f"证件号码 {text} 与第 {earlier} 行重复：同一主体每年度只有一个评价结果，本行是重复的一行；"
                                      "请删去本行或核对号码", header)
                else:
                    first_seen[text] = number
                checked = _check_identifier(subject_type, text, today)
                if isinstance(checked, str):
                    bad("identifier", checked, header)
                elif earlier is None:
                    kind, identifier = checked

        score = _score(cell("score"))
        if isinstance(score, str):
            bad("score", score)
            score = None

        if number not in check.errors and None not in (name, subject_type, identifier, score):
            rows.append(Row(number, name, subject_type, kind, identifier, score[0], score[1]))
    return rows


def _published_scores(data: dict) -> tuple[Decimal, Decimal] | None:
    """(the score published, the score in force after any objection), from a case's data."""
    if data.get("score") in (None, ""):
        return None
    adjustments = data.get("adjustments") or []
    first = adjustments[0].get("score") if adjustments and isinstance(adjustments[0], dict) else None
    return Decimal(str(first if first is not None else data["score"])), Decimal(str(data["score"]))


# -- the service -------------------------------------------------------------------------------------------------

class ImportService:
    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable[[], Engine], registry: Registry):
        self.uow = uow
        self._engine = engine
        self.registry = registry

    @property
    def engine(self) -> Engine:
        return self._engine()

    def results(self, path: str | Path, *, kind: str, year: int, actor: str, dry_run: bool = False,
                update_names: bool = False, error_file: str | Path | None = None,
                progress: Callable[[int, int], None] | None = None) -> dict:
        """Import a year's scored results of `kind` from `path` (module docstring). Returns counts and
        `errors`; with errors nothing is written to the store and, if `error_file` is given, the sheet is
        written there with the 错误说明 column (for bad rows; a bad header has no rows to mark). `dry_run`:
        validate and rehearse only. `progress(done, total)` after each row written."""
        proc = self.registry.procedure(kind)
        trigger = proc.opening_trigger()
        declared = {s.name: s for t in proc.transitions if t.trigger == trigger for s in t.inputs}
        if trigger is None or declared.get("year") is None or getattr(declared.get("score"), "type", None) != "score":
            raise ValueError(f"{kind} is not opened with a year and a score: it has no results to import")
        role = next(t.role for t in proc.transitions if t.trigger == trigger)

        sheet = read_sheet(path)
        check = _Check()
        columns = _columns(sheet, check)
        out = {"file": str(sheet.path), "format": sheet.format, "encoding": sheet.encoding,
               "encoding_label": ENCODINGS.get(sheet.encoding), "sheet": sheet.title, "year": year,
               "rows": len(sheet.rows), "dry_run": dry_run, "published": 0, "skipped": 0, "registered": 0,
               "renamed": 0, "by_grade": dict.fromkeys(GRADES, 0), "renames": [], "errors": [], "error_file": None}
        if check.errors:
            out["errors"] = check.as_list()
            return out
        if not sheet.rows:
            raise BadInput(f"{sheet.path.name} 除表头外没有数据行；请在第2行起填写评价结果", code="empty_file")

        today = clock.today()
        rows = _parse(sheet, columns, check, today)
        with self.uow() as uow:
            user = repo.user_row(uow.conn, actor)
            if user is None:
                raise BadInput(f"没有用户 {actor!r}；请先用 creditflow user add {actor} --role handler 添加",
                               code="unknown_user")
            refuse_read_only(user.name, [r for r in user.roles.split(",") if r])
            known = people_repo.subjects_by_identifiers(uow.conn, [r.identifier for r in rows])
            results = {}
            for c in cases_repo.of_subjects(uow.conn, [s.id for s in known.values()], kind):
                if c.data.get("year") == year:
                    results.setdefault(c.subject_id, c)
        items, out["skipped"] = self._plan(rows, known, results, check, year, update_names, columns)
        if check.errors:
            out["errors"] = check.as_list()
            if error_file is not None:
                try:
                    out["error_file"] = str(write_error_report(sheet, check, error_file))
                except OSError as exc:  # the errors are still listed; the report file is what failed
                    out["error_file_problem"] = f"错误报告未能写入 {error_file}：{exc.strerror or type(exc).__name__}"
            return out

        to_publish = [i for i in items if i.publish]
        if to_publish:
            self._rehearse(to_publish[0], kind, trigger, year, actor, sheet)
        elif any(i.rename_from is not None for i in items):
            roles = role.split("|")  # a rename alone is done by whoever may publish the results
            if not set(roles) & set(user.roles.split(",")):
                needed = "或".join(ROLES.get(r, r) for r in roles)
                raise Refused(f"用户 {user.name} 不能办理本次导入（更正信用主体名称）：须具有{needed}角色；未写入任何数据",
                              code="ROLE", article="creditflow policy: 随评价结果导入更正主体名称，由有权公布评价结果的人员办理")
        if dry_run:
            out.update(to_publish=len(to_publish), to_register=sum(1 for i in items if i.subject_id is None),
                       to_rename=sum(1 for i in items if i.rename_from is not None))
            for i in to_publish:
                out["by_grade"][grade_for(i.row.score)] += 1
            return out

        done = 0
        for item in items:
            try:
                self._write(item, kind, trigger, year, actor, sheet, out)
            except CreditflowError as exc:
                raise type(exc)(f"第 {item.row.number} 行（{item.row.identifier}）未能写入：{exc.message}；本次已公布 "
                                f"{out['published']} 条、新登记 {out['registered']} 个主体，其余各行未写入；处理后重新运行"
                                "同一命令即可继续（已公布的行自动跳过）", code=exc.code, article=exc.article,
                                allowed=exc.allowed) from None
            done += 1
            if progress is not None:
                progress(done, len(items))
        return out

    # -- steps -------------------------------------------------------------------------------------------

    def _plan(self, rows: list[Row], known: dict, results: dict, check: _Check, year: int, update_names: bool,
              columns: dict) -> tuple[list[Item], int]:
        """What each good row writes, and how many rows are published already with their score; the rows
        the store contradicts are added to `check`."""
        items, skipped = [], 0
        header = {f: columns[f][0][1] for f in ("name", "type", "score")}
        for r in rows:
            subject = known.get(r.identifier)
            if subject is None:
                items.append(Item(r, None))
                continue
            ok = True
            if subject.subject_type != r.subject_type:
                check.add(r.number, header["type"],
                          f"证件号码 {r.identifier} 已登记为{SUBJECT_TYPES.get(subject.subject_type, subject.subject_type)}"
                          f"（主体编号 {subject.id}），与本行类型“{SUBJECT_TYPES[r.subject_type]}”不符：请核对类型")
                ok = False
            rename = None
            if subject.name != r.name:
                if update_names:
                    rename = subject.name
                else:
                    check.add(r.number, header["name"],
                              f"证件号码 {r.identifier} 已登记的名称为“{subject.name}”（主体编号 {subject.id}），与本行“{r.name}”"
                              "不同：请核对名称；确系更名的，加 --update-names 重新导入（更名记入审计日志）")
                    ok = False
            case = results.get(subject.id)
            publish = True
            if case is not None:
                scores = _published_scores(case.data)
                if scores is not None and r.score not in scores:
                    check.add(r.number, header["score"],
                              f"{subject.name}（{r.identifier}）{year}年度评价结果已于 {case.data.get('published_on', '')} 公布为 "
                              f"{scores[0].normalize():f} 分（案件 {case.id}），与本行 {r.score_text} 分不同：已公布的评价结果只能通过异议程序更正"
                              f"（{MEASURE} Art. 26）；请核对得分")
                    ok = False
                publish = False
            if not ok:
                continue
            skipped += not publish
            if publish or rename is not None:
                items.append(Item(r, subject.id, rename, publish))
        return items, skipped

    def _rehearse(self, item: Item, kind: str, trigger: str, year: int, actor: str, sheet: Sheet) -> None:
        """The first row to publish, written in a transaction that is rolled back: a refusal that would stop
        every row stops the import before anything is written."""
        try:
            with self.uow() as uow:  # never committed
                self._apply(uow.conn, item, kind, trigger, year, actor, sheet)
        except CreditflowError as exc:
            raise type(exc)(f"试办第 {item.row.number} 行（{item.row.identifier}）被拒绝，未写入任何数据：{exc.message}",
                            code=exc.code, article=exc.article, allowed=exc.allowed) from None

    def _write(self, item: Item, kind: str, trigger: str, year: int, actor: str, sheet: Sheet, out: dict) -> None:
        with self.uow() as uow:
            sid, change = self._apply(uow.conn, item, kind, trigger, year, actor, sheet)
            uow.commit()
        if item.subject_id is None:
            out["registered"] += 1
        if change is not None:
            out["renamed"] += 1
            out["renames"].append({"row": item.row.number, "identifier": item.row.identifier, "subject_id": sid,
                                   "old": change["old"]["name"], "new": change["new"]["name"], "seq": change["seq"]})
        if item.publish:
            out["published"] += 1
            out["by_grade"][grade_for(item.row.score)] += 1

    def _apply(self, conn, item: Item, kind: str, trigger: str, year: int, actor: str, sheet: Sheet):
        r = item.row
        sid, change = item.subject_id, None
        try:
            if sid is None:
                sid = people_repo.add_subject(conn, name=r.name, subject_type=r.subject_type,
                                              identifier_kind=r.identifier_kind, identifier=r.identifier,
                                              now=clock.real_now())
            elif item.rename_from is not None:
                change = people_repo.change_subject(
                    conn, sid, actor=actor, new={"name": r.name}, now=clock.real_now(),
                    clock_overridden=clock.overridden(),
                    reason=f"{year}年度评价结果导入（{sheet.path.name} 第 {r.number} 行，--update-names）："
                           f"名称由“{item.rename_from}”更正为“{r.name}”")
        except IntegrityError:
            raise Conflict(f"证件号码 {r.identifier} 的信用主体在导入期间被他人登记或更改；请重新运行导入命令") from None
        if item.publish:
            self.engine.open(conn, kind, Request(trigger, actor, {"year": year, "score": r.score_text}), subject_id=sid)
        return sid, change


def write_error_report(sheet: Sheet, check: _Check, path: str | Path) -> Path:
    """The sheet as read, every row in its place (so row numbers match the input's), with a 错误说明 column
    giving each bad row's errors; written to a temporary file first, then moved into place."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    path = Path(path)
    lines = [sheet.header] + [cells for _, cells in sheet.rows]
    width = max(len(cells) for cells in lines)
    while width and not any(len(cells) >= width and _text(cells[width - 1]) for cells in lines):
        width -= 1  # trailing columns that hold nothing (the 错误说明 column goes right after the data)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title=(sheet.title or "导入数据")[:31])
    red = PatternFill("solid", fgColor="FFC7CE")

    def cells_of(values, extra=None, bad=False):
        out = []
        for v in list(values)[:width] + [None] * (width - len(values)):
            if isinstance(v, str):
                v = _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", v)
            c = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                c.data_type = "s"  # text stays text (a cell beginning with "=" is not a formula)
            out.append(c)
        if extra is not None:
            c = WriteOnlyCell(ws, value=extra)
            c.data_type = "s"
            if bad:
                c.fill = red
                c.font = Font(color="9C0006")
            out.append(c)
        return out

    ws.append(cells_of(sheet.header, ERROR_COLUMN))
    at = 1
    for number, cells in sheet.rows:
        while at + 1 < number:
            ws.append([])
            at += 1
        errors = check.errors.get(number)
        reason = "；".join(f"{column}：{reason}" for column, reason in errors) if errors else None
        ws.append(cells_of(cells, reason, bad=bool(errors)))
        at = number
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
