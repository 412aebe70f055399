"""`creditflow evaluation import`: a year's results from a spreadsheet (workflows/services/imports.py).

Every row is validated before anything is written; one bad row and nothing is written, and the error
report (stderr, FILE.errors.xlsx) names exactly the bad rows; a good file publishes each new row in its
own transition; a second import publishes nothing; an interrupted import is finished by running it again.
The 200-row files are imported on SQLite only (a bad file writes nothing, so it is checked on both).
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from states.grades import grade_for
from states.identifiers import id_check_digit, uscc_check_char
from workflows.errors import BadInput, Refused
from workflows.services.imports import error_report_path
from workflows.store.tables import metadata, subject_changes, subjects

from conftest import make_services, publish

HEADER = ["名称", "类型", "证件号码", "得分", "备注"]
KIND = "evaluation"
# Reading a file is the same whatever the store: these run on SQLite alone.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def uscc(n: int) -> str:
    first17 = f"91410100{n:09d}"
    return first17 + uscc_check_char(first17)


def id_number(n: int) -> str:
    first17 = "410105" + (date(1970, 1, 1) + timedelta(days=n)).strftime("%Y%m%d") + f"{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def rows(n: int, start: int = 1) -> list[list]:
    """n good rows: institutions and practitioners, scores across every grade (some with decimals)."""
    out = []
    for i in range(start, start + n):
        score = [95, 88.5, 76.25, 64, 90, 80, 70, 69.99][i % 8]
        if i % 3:
            out.append([f"郑州市第{i}人民医院", "定点医疗机构", uscc(i), score, ""])
        else:
            out.append([f"医师{i}号", "医保医师、护士、药师等从业人员", id_number(i), score, "年度考核"])
    return out


def write_xlsx(path: Path, data: list[list], header=HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评价结果"
    ws.append(header)
    for r in data:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, data: list[list], encoding: str = "utf-8-sig", header=HEADER) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(data)
    return path


def counts(svc) -> dict:
    with svc.db.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def run(svc, path, year=2025, actor="alice", **kw) -> dict:
    return svc.imports.results(path, kind=KIND, year=year, actor=actor, error_file=error_report_path(path), **kw)


def read_back(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


# -- a good file ---------------------------------------------------------------------------------------------

def test_a_good_file_publishes_each_row_in_its_own_transition_and_a_second_import_nothing(svc, tmp_path):
    data = rows(9)
    path = write_xlsx(tmp_path / "results.xlsx", data)
    out = run(svc, path)
    assert out["errors"] == [] and out["published"] == 9 and out["registered"] == 9 and out["skipped"] == 0
    expected = {g: 0 for g in "ABCD"}
    for r in data:
        expected[grade_for(Decimal(str(r[3])))] += 1
    assert out["by_grade"] == expected
    assert not error_report_path(path).exists()

    numbers = set()
    for r in data:
        sid = svc.deployment.show_subject(r[2])
        assert sid["name"] == r[0]
        [case] = [c for c in sid["cases"] if c["kind"] == KIND]
        shown = svc.cases.show(case["id"])
        assert Decimal(shown["score"]) == Decimal(str(r[3])) and shown["year"] == 2025
        assert len(shown["notices"]) == 1 and len(svc.audit.log(case["id"])) == 1  # one transition, one notice
        numbers.add(shown["notices"][0]["number"])
        if r[1] == "定点医疗机构":  # published: the objection window runs (a person's runs from service)
            assert [t["name"] for t in shown["timers"]] == ["objection_window"]
    assert len(numbers) == 9  # each its own numbered notice

    before = counts(svc)
    again = run(svc, path)
    assert again["published"] == 0 and again["skipped"] == 9 and again["registered"] == 0 and again["errors"] == []
    assert counts(svc) == before


def test_rows_already_published_with_the_same_score_are_skipped_and_a_different_score_is_a_bad_row(svc, tmp_path):
    data = rows(4)
    svc.deployment.add_subject(data[0][0], "hospital", data[0][2], None)
    svc.deployment.add_subject(data[1][0], "hospital", data[1][2], None)
    publish(svc, data[0][2], 2025, str(data[0][3]), "alice")
    publish(svc, data[1][2], 2025, "50", "alice")
    before = counts(svc)
    bad = run(svc, write_csv(tmp_path / "r.csv", data))
    assert [(e["row"], e["column"]) for e in bad["errors"]] == [(3, "得分")]
    assert "异议" in bad["errors"][0]["reason"] and "50" in bad["errors"][0]["reason"]
    assert counts(svc) == before

    data[1][3] = 50
    out = run(svc, write_csv(tmp_path / "r.csv", data))
    assert out["errors"] == [] and out["skipped"] == 2 and out["published"] == 2 and out["registered"] == 2


# -- a bad file writes nothing ---------------------------------------------------------------------------------

def bad_200() -> tuple[list[list], dict[int, str]]:
    """200 rows with 3 bad ones: a duplicate of an earlier row, a wrong check character, a score of 100.5.
    Returns the rows and the bad ones by spreadsheet row number (the header is row 1) and column."""
    data = rows(200)
    data[57] = list(data[12])  # spreadsheet row 59 repeats row 14
    data[57][0] = "重复的一行"
    ident = data[120][2]
    data[120][2] = ident[:17] + next(c for c in "0123456789ABCDEFGHJ" if c != ident[17])  # row 122
    data[180][3] = 100.5  # row 182
    return data, {59: "证件号码", 122: "证件号码", 182: "得分"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_three_bad_rows_among_200_write_nothing_and_the_report_names_exactly_them(svc, tmp_path, fmt):
    data, bad = bad_200()
    path = (write_xlsx(tmp_path / "year.xlsx", data) if fmt == "xlsx" else write_csv(tmp_path / "year.csv", data))
    before = counts(svc)
    out = run(svc, path)
    assert counts(svc) == before  # nothing written: no subject, case, notice, log row
    assert {e["row"]: e["column"] for e in out["errors"]} == bad and len(out["errors"]) == 3
    reasons = {e["row"]: e["reason"] for e in out["errors"]}
    assert "第 14 行重复" in reasons[59] and "校验码" in reasons[122] and "100.5" in reasons[182]
    assert out["published"] == 0 and out["registered"] == 0

    report = read_back(Path(out["error_file"]))
    assert Path(out["error_file"]) == tmp_path / "year.errors.xlsx"
    assert report[0] == tuple(HEADER) + ("错误说明",)
    assert len(report) == 201
    marked = {n: line[-1] for n, line in enumerate(report, 1) if n > 1 and line[-1]}
    assert set(marked) == set(bad)
    for n, column in bad.items():
        assert marked[n].startswith(column) and reasons[n] in marked[n]
    for n, line in enumerate(report[1:], 2):  # the same sheet: every cell where it was
        assert [str(v) if v is not None else "" for v in line[:5]] == [str(v) for v in data[n - 2]]


@SQLITE_ONLY
def test_the_200_rows_corrected_are_published_and_a_second_import_publishes_nothing(svc, tmp_path):
    data, bad = bad_200()
    data[120][2] = rows(1, start=121)[0][2]  # the check character put right
    data[180][3] = 100
    del data[57]  # the duplicate row removed
    path = write_xlsx(tmp_path / "year.xlsx", data)
    out = run(svc, path)
    assert out["errors"] == [] and out["published"] == out["registered"] == 199 and out["rows"] == 199
    assert sum(out["by_grade"].values()) == 199 and out["by_grade"]["A"] == sum(
        grade_for(Decimal(str(r[3]))) == "A" for r in data)
    before = counts(svc)
    assert before["cases"] == before["notices"] == before["transitions"] == 199
    again = run(svc, path)
    assert again["published"] == 0 and again["skipped"] == 199 and counts(svc) == before


def test_the_command_line_lists_every_bad_row_on_stderr_and_exits_2(cli_import, tmp_path):
    data, bad = bad_200()
    path = write_csv(tmp_path / "year.csv", data, encoding="gb18030")
    res = cli_import("evaluation", "import", str(path), "--year", "2025", "--as", "alice", expect=2)
    lines = res.err.strip().splitlines()
    assert lines[0].startswith("error: ") and "3 行错误" in lines[0] and "year.errors.xlsx" in lines[0]
    assert [line.split(" ")[1] for line in lines[1:]] == [str(n) for n in sorted(bad)]
    for line, (n, column) in zip(lines[1:], sorted(bad.items())):
        assert line.startswith(f"第 {n} 行 {column}：")
    res = cli_import("evaluation", "import", str(path), "--year", "2025", "--as", "alice", "--json", expect=2)
    payload = json.loads(res.out)
    assert {k: payload[k] for k in ("published", "skipped", "registered")} == {"published": 0, "skipped": 0,
                                                                             "registered": 0}
    assert [(e["row"], e["column"]) for e in payload["errors"]] == sorted(bad.items())
    assert payload["encoding"] == "gb18030"


@SQLITE_ONLY
def test_a_missing_required_column_writes_nothing_and_says_which(svc, tmp_path):
    path = write_csv(tmp_path / "r.csv", [r[:3] + r[4:] for r in rows(3)], header=["名称", "类型", "证件号码", "备注"])
    before = counts(svc)
    out = run(svc, path)
    assert [(e["row"], e["column"]) for e in out["errors"]] == [(1, "得分")]
    assert "缺少必填列" in out["errors"][0]["reason"]
    assert counts(svc) == before and out["error_file"] is None and not error_report_path(path).exists()
    semicolons = tmp_path / "s.csv"
    semicolons.write_text("名称;类型;证件号码;得分\n某医院;hospital;%s;80\n" % uscc(1), encoding="utf-8")
    [error] = run(svc, semicolons)["errors"]
    assert error["row"] == 1 and "逗号分隔" in error["reason"] and counts(svc) == before


@SQLITE_ONLY
def test_each_kind_of_bad_row_is_named(svc, tmp_path):
    today_year = date.today().year
    svc.deployment.add_subject("郑州市第1人民医院", "hospital", uscc(1), None)
    data = [
        ["郑州市第1人民医院", "定点零售药店", uscc(1), 90, ""],  # registered as a hospital
        ["张三", "定点医疗机构", id_number(2), 90, ""],  # an ID number for an institution
        ["某公司", "参保人员", uscc(3), 90, ""],  # a USCC for a person
        ["某医院", "诊所", uscc(4), 90, ""],  # no such type
        ["", "定点医疗机构", uscc(5), 90, ""],  # no name
        ["某医院6", "定点医疗机构", "", 90, ""],  # no identifier
        ["某医院7", "定点医疗机构", uscc(7), "八十五", ""],
        ["某医院8", "定点医疗机构", uscc(8), 85.555, ""],
        ["某医院9", "定点医疗机构", uscc(9), -1, ""],
        ["某医院10", "定点医疗机构", uscc(10), None, ""],
        ["某医院\n11", "定点医疗机构", uscc(11), 80, ""],  # a line break in a one-line field
        ["某人12", "参保人员", id_number(12)[:6] + f"{today_year + 1}0101" + "0011", 80, ""],  # born next year
    ]
    path = write_xlsx(tmp_path / "r.xlsx", data)
    before = counts(svc)
    out = run(svc, path)
    found = {e["row"]: (e["column"], e["reason"]) for e in out["errors"]}
    assert set(found) == set(range(2, 14)) and counts(svc) == before
    assert found[2][0] == "类型" and "已登记为定点医疗机构" in found[2][1]
    assert found[3][0] == "证件号码" and "居民身份证号码" in found[3][1]
    assert found[4][0] == "证件号码" and "统一社会信用代码" in found[4][1]
    assert found[5][0] == "类型" and "诊所" in found[5][1]
    assert found[6][0] == "名称" and "为空" in found[6][1]
    assert found[7][0] == "证件号码" and "为空" in found[7][1]
    assert found[8][0] == "得分" and "不是数字" in found[8][1]
    assert found[9][0] == "得分" and "两位小数" in found[9][1]
    assert found[10][0] == "得分" and "超出0至100分" in found[10][1]
    assert found[11][0] == "得分" and "为空" in found[11][1]
    assert found[12][0] == "名称" and "控制字符" in found[12][1]
    assert found[13][0] == "证件号码" and "出生日期" in found[13][1]


@SQLITE_ONLY
def test_an_id_number_excel_turned_into_a_number_is_a_bad_row_that_says_so(svc, tmp_path):
    data = rows(3)
    person = next(r for r in data if r[1] != "定点医疗机构")
    person[2] = float(person[2])  # what Excel keeps of an 18-digit number typed into a number cell
    out = run(svc, write_xlsx(tmp_path / "r.xlsx", data))
    [error] = out["errors"]
    assert error["column"] == "证件号码" and "Excel" in error["reason"] and "文本" in error["reason"]
    scientific = [r[:2] + ["4.10105E+17"] + r[3:] for r in rows(1, start=3)]  # and as Excel writes it into a CSV
    [error] = run(svc, write_csv(tmp_path / "r.csv", scientific))["errors"]
    assert error["row"] == 2 and "科学计数法" in error["reason"]


# -- what Excel makes of a file --------------------------------------------------------------------------------

@SQLITE_ONLY
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_in_utf8_with_or_without_bom_or_gb18030_is_read_and_says_which(svc, tmp_path, encoding):
    data = rows(3)
    out = run(svc, write_csv(tmp_path / "r.csv", data, encoding=encoding))
    assert out["encoding"] == encoding and out["published"] == 3
    assert [svc.deployment.show_subject(r[2])["name"] for r in data] == [r[0] for r in data]


@SQLITE_ONLY
def test_blank_rows_spaces_float_scores_and_either_identifier_header(svc, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["  名称 ", "类型", "统一社会信用代码", "身份证号码", "得分", "序号"])
    ws.append(["  郑州市第1人民医院\u3000", " hospital ", uscc(1), None, 85.50000000000001, 1])  # a formula's float
    ws.append([None] * 6)  # a blank row inside the data: not a row
    ws.append(["医师3号", "医保医师、护士、药师等从业人员", None, f" {id_number(3).lower()} ", 91, 2])
    for _ in range(30):
        ws.append([None, None, None, None, None, None])  # formatted empty rows below the data
    ws.cell(row=60, column=1).value = "   "
    path = tmp_path / "r.xlsx"
    wb.save(path)
    out = run(svc, path)
    assert out["errors"] == [] and out["rows"] == 2 and out["published"] == 2
    assert svc.deployment.show_subject(uscc(1))["name"] == "郑州市第1人民医院"
    case = svc.deployment.show_subject(uscc(1))["cases"][0]["id"]
    assert svc.cases.show(case)["score"] == "85.50"
    assert svc.deployment.show_subject(id_number(3))["name"] == "医师3号"

    both = [["郑州市第5人民医院", "hospital", uscc(5), id_number(5), 80, 3]]
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "类型", "统一社会信用代码", "身份证号码", "得分", "序号"])
    wb.active.append(both[0])
    wb.save(path)
    [error] = run(svc, path)["errors"]
    assert error["row"] == 2 and "只能填一个" in error["reason"]


# -- names -------------------------------------------------------------------------------------------------------

def test_a_new_name_is_a_bad_row_unless_update_names_and_each_rename_is_logged_and_verified(svc, tmp_path):
    data = rows(3)
    run(svc, write_xlsx(tmp_path / "r.xlsx", data))
    data[0][0] = "郑州市第一人民医院（更名）"
    path = write_xlsx(tmp_path / "r.xlsx", data)
    before = counts(svc)
    [error] = run(svc, path)["errors"]
    assert error["row"] == 2 and error["column"] == "名称" and "--update-names" in error["reason"]
    assert counts(svc) == before

    out = run(svc, path, update_names=True)
    assert out["errors"] == [] and out["published"] == 0 and out["skipped"] == 3 and out["renamed"] == 1
    assert out["renames"][0]["old"] == "郑州市第1人民医院" and out["renames"][0]["new"] == data[0][0]
    assert svc.deployment.show_subject(data[0][2])["name"] == data[0][0]
    with svc.db.connect() as conn:
        [change] = conn.execute(select(subject_changes)).all()
    assert change.actor == "alice" and change.old == {"name": "郑州市第1人民医院"} and change.new == {"name": data[0][0]}
    assert "r.xlsx 第 2 行" in change.reason
    report = svc.audit.verify()
    assert report["ok"] and report["checked"]["subject_changes"] == 1
    with pytest.raises(DBAPIError, match="append-only"), svc.db.begin() as conn:  # the record cannot be edited
        conn.execute(update(subject_changes).values(reason="改过的说明"))

    with svc.db.begin() as conn:  # a name changed without a record: audit verify names it
        conn.execute(update(subjects).where(subjects.c.identifier == data[0][2]).values(name="别的名称"))
    report = svc.audit.verify()
    assert not report["ok"] and report["first_break"]["check"] == "subject_change_current"


@SQLITE_ONLY
def test_a_renamed_subjects_new_result_is_issued_to_its_new_name(svc, tmp_path):
    data = rows(2)
    svc.deployment.add_subject("旧名称医院", "hospital", data[0][2], None)
    out = run(svc, write_csv(tmp_path / "r.csv", data), update_names=True)
    assert out["published"] == 2 and out["renamed"] == 1 and out["registered"] == 1
    case = svc.deployment.show_subject(data[0][2])["cases"][0]["id"]
    notice = svc.cases.show(case)["notices"][0]["number"]
    assert data[0][0] in svc.documents.show(notice)["text"]


# -- dry run, refusals, interruption -----------------------------------------------------------------------------

def test_a_dry_run_validates_and_writes_nothing(svc, tmp_path):
    data = rows(5)
    path = write_csv(tmp_path / "r.csv", data)
    before = counts(svc)
    out = run(svc, path, dry_run=True)
    assert out["errors"] == [] and out["dry_run"] and out["to_publish"] == 5 and out["to_register"] == 5
    assert out["published"] == 0 and counts(svc) == before
    data[1][3] = 100.5
    out = run(svc, write_csv(tmp_path / "r.csv", data), dry_run=True)
    assert [e["row"] for e in out["errors"]] == [3] and Path(out["error_file"]).is_file() and counts(svc) == before


def test_what_the_engine_refuses_for_every_row_is_refused_before_anything_is_written(svc, tmp_path):
    path = write_csv(tmp_path / "r.csv", rows(4))
    before = counts(svc)
    with pytest.raises(Refused) as exc:  # the auditor reads and changes nothing
        run(svc, path, actor="audrey")
    assert exc.value.code == "READ-ONLY"
    with pytest.raises(Refused) as exc:  # an approver does not publish
        run(svc, path, actor="bob")
    assert exc.value.code == "ROLE" and "试办第 2 行" in exc.value.message
    with pytest.raises(Refused) as exc:  # a year still to come
        run(svc, path, year=date.today().year + 1)
    assert exc.value.code == "EVAL-YEAR"
    with pytest.raises(BadInput) as exc:
        run(svc, path, actor="nobody")
    assert exc.value.code == "unknown_user"
    assert counts(svc) == before


@SQLITE_ONLY
def test_a_rename_alone_needs_the_role_that_publishes(svc, tmp_path):
    data = rows(2)
    run(svc, write_csv(tmp_path / "r.csv", data))
    data[0][0] = "郑州市第一人民医院"
    path = write_csv(tmp_path / "r.csv", data)
    before = counts(svc)
    with pytest.raises(Refused) as exc:  # every row published already: nothing is rehearsed, the role is checked
        run(svc, path, actor="bob", update_names=True)
    assert exc.value.code == "ROLE" and counts(svc) == before
    assert run(svc, path, actor="carol", update_names=True)["renamed"] == 1


def test_an_interrupted_import_is_finished_by_running_it_again(svc, tmp_path, monkeypatch):
    data = rows(8)
    path = write_xlsx(tmp_path / "r.xlsx", data)
    engine = svc.engine
    real_open = engine.open
    calls = {"n": 0}

    def failing_open(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1 + 6:  # the rehearsal, 5 rows written, then the 6th row's transaction fails
            raise ConnectionResetError("the connection dropped")
        return real_open(*args, **kwargs)

    monkeypatch.setattr(engine, "open", failing_open)
    with pytest.raises(ConnectionResetError):
        run(svc, path)
    monkeypatch.setattr(engine, "open", real_open)
    assert counts(svc)["subjects"] == 5 and counts(svc)["cases"] == 5  # the 6th row's registration rolled back

    out = run(svc, path)
    assert out["published"] == 3 and out["skipped"] == 5 and out["registered"] == 3 and out["errors"] == []
    for r in data:
        assert len([c for c in svc.deployment.show_subject(r[2])["cases"] if c["kind"] == KIND]) == 1
    assert svc.audit.verify()["ok"]


# -- the command line (SQLite, in-process) ---------------------------------------------------------------------------

class _Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli_import(tmp_path, monkeypatch, capsys):
    """`workflows.cli.main` in-process on a fresh SQLite store with alice (handler)."""
    from workflows import clock
    from workflows.cli import main

    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("CREDITFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'creditflow.db'}")
    monkeypatch.delenv("CREDITFLOW_DEBUG", raising=False)

    def call(*args, expect=0):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code
        finally:
            clock.set_override(None)
        out, err = capsys.readouterr()
        assert code == expect, (args, code, out, err)
        assert "Traceback" not in out + err
        return _Result(code, out, err)

    call("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    call("user", "add", "alice", "--role", "handler")
    return call


def test_the_command_line_imports_a_good_file_and_a_second_time_says_nothing_is_new(cli_import, tmp_path):
    data = rows(6)
    path = write_csv(tmp_path / "good.csv", data)
    res = cli_import("evaluation", "import", str(path), "--year", "2025", "--as", "alice")
    assert res.err == ""
    assert "UTF-8（带BOM）" in res.out and "公布 6 条" in res.out and "新登记信用主体 6 个" in res.out
    grades = {g: sum(grade_for(Decimal(str(r[3]))) == g for r in data) for g in "ABCD"}
    assert "按等级：" + "、".join(f"{g}级 {n} 条" for g, n in grades.items()) in res.out
    res = cli_import("evaluation", "import", str(path), "--year", "2025", "--as", "alice", "--json")
    payload = json.loads(res.out)
    assert {k: payload[k] for k in ("published", "skipped", "registered", "errors")} == {
        "published": 0, "skipped": 6, "registered": 0, "errors": []}
    res = cli_import("evaluation", "import", str(path), "--year", "2025", "--as", "alice")
    assert "本次未公布新的结果" in res.out


def test_the_command_line_refuses_an_unreadable_file_in_one_line(cli_import, tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    res = cli_import("evaluation", "import", str(xls), "--year", "2025", "--as", "alice", expect=2)
    assert len(res.err.strip().splitlines()) == 1 and ".xlsx" in res.err
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    res = cli_import("evaluation", "import", str(broken), "--year", "2025", "--as", "alice", expect=2)
    assert len(res.err.strip().splitlines()) == 1 and "不是有效的 Excel 工作簿" in res.err
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("名称\t类型\n".encode("utf-16"))
    res = cli_import("evaluation", "import", str(utf16), "--year", "2025", "--as", "alice", expect=2)
    assert "UTF-16" in res.err
    res = cli_import("evaluation", "import", str(tmp_path / "none.csv"), "--year", "2025", "--as", "alice", expect=2)
    assert "找不到导入文件" in res.err


def test_the_example_files_are_the_scripts_and_import_cleanly(tmp_path):
    """docs/examples: the committed files hold what the script writes, and both import without a bad row."""
    import runpy

    root = Path(__file__).resolve().parents[1] / "docs" / "examples"
    script = runpy.run_path(str(root / "make_evaluation_import.py"))
    fresh = script["main"](tmp_path)
    assert read_back(fresh[0]) == read_back(root / fresh[0].name)
    assert fresh[1].read_bytes() == (root / fresh[1].name).read_bytes()
    svc = make_services(f"sqlite:///{tmp_path / 'ex.db'}", tmp_path)
    svc.deployment.init(department_name="示例市医疗保障局", number_prefix="示医保")
    svc.deployment.add_user("zhangmin", ["handler"])
    outs = [svc.imports.results(root / name, kind=KIND, year=2026, actor="zhangmin", dry_run=True)
            for name in ("evaluation_import_2026.xlsx", "evaluation_import_2026.csv")]
    for out in outs:
        assert out["errors"] == [] and out["to_publish"] == out["rows"] == len(script["ROWS"])
    assert outs[0]["by_grade"] == outs[1]["by_grade"] and set(outs[0]["by_grade"].values()) != {0}
    svc.db.dispose()
