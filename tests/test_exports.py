"""The exports a bureau files and publishes and the monthly report (issue 19), read back as a bureau would.

A small bureau on SQLite and PostgreSQL (the queries): a D list that leaves out every entry not in use (disputed,
withdrawn, corrected away, past its disclosure period, not final yet) and masks persons (Henan measure Art. 28,
29(2), 31); the results of institutions with their state (Art. 29(1)); the year's statistics. The demo bureau
(built once, SQLite) is exported in every form, and its monthly report made as XLSX (with its chart) and PDF.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from calendars import compute
from conftest import at, make_services
from notices.privacy import mask_id, mask_name
from states.identifiers import INSTITUTION_TYPES
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)
from test_notices import flat, pdf_text
from workflows.clock import frozen_at
from workflows.demo import demo_id_number, demo_uscc, fill_demo
from workflows.errors import BadInput
from workflows.store.tables import cases, notices, subjects

YEAR = 2025
# (key, name, type, uscc, id number, score)
CAST = (
    ("listed", "郑州市第一示例医院", "hospital", demo_uscc("12", "41990011"), None, "65"),
    ("person", "王小明", "practitioner", None, demo_id_number("19800101", "011"), "60"),
    ("disputed", "郑州市第二示例医院", "hospital", demo_uscc("12", "41990012"), None, "66"),
    ("revoked", "郑州市示例大药房有限公司", "pharmacy", demo_uscc("91", "MA9X0A1B"), None, "64"),
    ("corrected", "郑州市第三示例医院", "hospital", demo_uscc("12", "41990013"), None, "62"),
    ("good", "郑州市第四示例医院", "hospital", demo_uscc("12", "41990014"), None, "85"),
    ("pending", "李小红", "insured", None, demo_id_number("19900202", "022"), "61"),
)


def at_(when: str):
    return frozen_at(at(when))


def xlsx(path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}


def csv_rows(path) -> list[list[str]]:
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the Chinese
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def csv_sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """A CSV of several tables: each after a line 【name】 and followed by an empty line."""
    out, name = {}, None
    for row in rows:
        if len(row) == 1 and row[0].startswith("【"):
            name = row[0].strip("【】")
            out[name] = []
        elif row:
            out[name].append(row)
    return out


def records(table: list[tuple]) -> list[dict]:
    header, *rows = table
    return [dict(zip(header, r)) for r in rows]


def date_cells(path, sheet: str, titles: tuple[str, ...]) -> list:
    ws = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    return [row[header.index(t)] for row in ws.iter_rows(min_row=2) for t in titles
            if row[header.index(t)].value is not None]


# -- a small bureau, on both backends ---------------------------------------------------------------------------

@pytest.fixture
def bureau(svc):
    """Seven results of 2025 published on 2026-03-02 (the window ends on 2026-03-23) or 2026-03-05, made final by
    the sweep at 2026-03-24 00:00; then one final D reopened by a timely objection (disputed), one record revoked,
    one D corrected to C on an objection. As of 2026-03-26 the D list holds `listed` and `person` only."""
    ids = {}
    for key, name, kind, uscc, id_number, _ in CAST:
        ids[key] = svc.deployment.add_subject(name, kind, uscc, id_number)["id"]
    ev = {}
    for key, *_, score in CAST:
        with at_("2026-03-05 09:00" if key == "pending" else "2026-03-02 09:00"):
            ev[key] = svc.cases.open("evaluation", "alice", {"year": YEAR, "score": score}, subject=str(ids[key]))["case_id"]
    with at_("2026-03-24 00:00"):
        svc.sweep.run_once(at("2026-03-24 00:00"))
    record = {k: next(c["id"] for c in svc.cases.show(ev[k])["children"] if c["kind"] == "record")
              for k in ("listed", "person", "disputed", "revoked", "corrected")}
    objection = {"grounds": "2", "received": "2026-03-20", "materials": "异议申请表", "reason": "扣分依据有误"}
    with at_("2026-03-25 09:00"):
        svc.cases.open("objection", "alice", objection, parent=ev["disputed"])
    with at_("2026-03-25 10:00"):
        upheld = svc.cases.open("objection", "alice", objection, parent=ev["corrected"])["case_id"]
    with at_("2026-03-25 11:00"):
        svc.cases.act(upheld, "accept", "alice", {})
    with at_("2026-03-25 14:00"):
        svc.cases.act(upheld, "propose_uphold", "alice", {"score": "75", "findings": "扣分依据不足"})
    with at_("2026-03-25 15:00"):
        svc.cases.act(record["revoked"], "revoke", "alice", {"basis": "郑州市人民政府行政复议决定书（郑政复决〔2026〕1号）"})
    with at_("2026-03-26 09:00"):
        svc.cases.act(upheld, "approve", "bob", {})
    return {"svc": svc, "subjects": ids, "evaluations": ev, "records": record, "upheld": upheld}


def names(table: list[tuple]) -> set[str]:
    return {r["信用主体名称"] for r in records(table)}


def test_the_d_list_holds_only_entries_in_use_and_masks_every_person(bureau, tmp_path):
    svc = bureau["svc"]
    by_key = {key: (name, uscc or id_number) for key, name, _, uscc, id_number, _ in CAST}
    person_name, person_id = by_key["person"]
    with at_("2026-03-26 12:00"):
        out = svc.exports.export("d_list", YEAR, str(tmp_path / "d.xlsx"))
        svc.exports.export("d_list", YEAR, str(tmp_path / "d.csv"))
    assert out["rows"] == 2 and out["format"] == "xlsx"
    book = xlsx(tmp_path / "d.xlsx")
    assert list(book) == ["D级名单", "说明"]
    table = book["D级名单"]
    assert table[0] == ("信用主体名称", "证件类型", "证件号码", "主体类型", "评价年度", "评价得分", "信用等级", "认定日期",
                        "公开期限至")
    # Disputed (a timely objection reopened it), revoked, corrected away (D -> C), not final yet, not D: left out.
    assert names(table) == {by_key["listed"][0], mask_name(person_name)}
    rows = {r["信用主体名称"]: r for r in records(table)}
    assert rows[by_key["listed"][0]]["证件号码"] == by_key["listed"][1]  # an institution's USCC is public
    person = rows[mask_name(person_name)]
    assert (person["证件类型"], person["证件号码"]) == ("公民身份号码", mask_id(person_id))
    assert (person["评价得分"], person["信用等级"], person["评价年度"]) == (60, "D", YEAR)
    # The record was determined when the result became final (2026-03-24) and is disclosed for 12 months.
    assert (person["认定日期"], person["公开期限至"]) == (datetime(2026, 3, 24), datetime(2027, 3, 24))
    cells = date_cells(tmp_path / "d.xlsx", "D级名单", ("认定日期", "公开期限至"))
    assert len(cells) == 4 and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in cells)
    # No full ID number or name of a person anywhere in either file.
    text = repr(book) + open(tmp_path / "d.csv", encoding="utf-8-sig").read()
    for _, name, kind, _, id_number, _ in CAST:
        if kind not in INSTITUTION_TYPES:
            assert id_number not in text and name not in text
    csv_table = csv_rows(tmp_path / "d.csv")
    assert csv_table[0] == list(table[0])
    assert {r[0] for r in csv_table[1:]} == names(table)
    assert [r for r in csv_table if r[0] == mask_name(person_name)][0][7:] == ["2026-03-24", "2027-03-24"]

    # Art. 31 by the date alone, before any sweep: in use through the last day of disclosure, not after it.
    with at_("2027-03-24 12:00"):
        assert {r[0] for r in svc.exports.sheets("d_list", YEAR)[0].rows} == {by_key["listed"][0], mask_name(person_name)}
    with at_("2027-03-25 12:00"):
        out = svc.exports.export("d_list", YEAR, str(tmp_path / "later.xlsx"))
    assert out["rows"] == 0 and xlsx(tmp_path / "later.xlsx")["D级名单"] == [table[0]]


def test_the_results_list_the_institutions_with_the_state_of_each_result(bureau, tmp_path):
    svc = bureau["svc"]
    with at_("2026-03-26 12:00"):
        svc.exports.export("results", YEAR, str(tmp_path / "r.xlsx"), actor="audrey")
        svc.exports.export("results", YEAR, str(tmp_path / "r.csv"))
    book = xlsx(tmp_path / "r.xlsx")
    got = {r["机构名称"]: r for r in records(book["评价结果"])}
    name = {key: n for key, n, *_ in CAST}
    # Only institutions (Art. 29(1)); a person's result is not published in this list.
    assert set(got) == {name[k] for k in ("listed", "disputed", "revoked", "corrected", "good")}
    state = {k: (got[name[k]]["评价得分"], got[name[k]]["信用等级"], got[name[k]]["结果状态"]) for k in
             ("listed", "disputed", "revoked", "corrected", "good")}
    assert state == {"listed": (65, "D", "已确定"), "disputed": (66, "D", "异议处理中"), "revoked": (64, "D", "已确定"),
                     "corrected": (75, "C", "已确定（经异议更正）"), "good": (85, "B", "已确定")}
    listed = got[name["listed"]]
    assert (listed["公布日期"], listed["异议期届满日"], listed["结果确定日期"]) == (
        datetime(2026, 3, 2), datetime(2026, 3, 23), datetime(2026, 3, 24))
    assert all(c.is_date for c in date_cells(tmp_path / "r.xlsx", "评价结果", ("公布日期", "异议期届满日")))
    notes = dict(book["说明"][1:])
    assert notes["制表人"] == "audrey" and notes["制表单位"] == "郑州市医疗保障局" and notes["制表日期"] == datetime(2026, 3, 26)
    rows = csv_rows(tmp_path / "r.csv")
    assert rows[0] == list(book["评价结果"][0])
    assert {r[0]: (r[4], r[5], r[6], r[8]) for r in rows[1:]}[name["corrected"]] == ("75.00", "C", "2026-03-02",
                                                                                   "已确定（经异议更正）")
    with at_("2026-03-26 12:00"):  # another year has no results, and says so by its empty table
        assert svc.exports.sheets("results", 2024)[0].rows == []


def test_the_statistics_count_the_year(bureau, tmp_path):
    svc = bureau["svc"]
    with at_("2026-03-26 12:00"):
        svc.exports.export("statistics", 2026, str(tmp_path / "s.xlsx"))
        svc.exports.export("statistics", 2026, str(tmp_path / "s.csv"))
        grades_2025 = svc.exports.sheets("statistics", YEAR)[0]
    book = xlsx(tmp_path / "s.xlsx")
    assert list(book) == ["评价结果", "案件办理", "决定", "处理期限", "超期案件", "说明"]
    # The results are counted by their evaluation year (2025): none are of 2026.
    assert records(book["评价结果"])[-1] == {"主体类型": "合计", "A级": 0, "B级": 0, "C级": 0, "D级": 0, "合计": 0,
                                         "其中已确定": 0, "其中经异议更正": 0}
    total = dict(zip([c.title for c in grades_2025.columns], grades_2025.rows[-1]))
    assert total == {"主体类型": "合计", "A级": 0, "B级": 1, "C级": 1, "D级": 5, "合计": 7, "其中已确定": 5,
                     "其中经异议更正": 1}
    by_type = {r[0]: r for r in grades_2025.rows}
    assert by_type["定点医疗机构"][1:6] == (0, 1, 1, 2, 4)
    work = {(r["程序"], r["项目"]): r["数量"] for r in records(book["案件办理"])}
    assert work[("信用评价结果异议", "收到或立案")] == 2
    assert work[("信用评价结果异议", "办结")] == 1 and work[("信用评价结果异议", "其中：异议成立")] == 1
    assert work[("信用评价结果异议", "其中：异议不成立")] == 0 and work[("信用评价结果异议", "期末尚未办结")] == 1
    assert work[("医疗保障信用评价", "收到或立案")] == 7
    # A result made final, reopened by a timely objection and made final again counts once.
    assert work[("医疗保障信用评价", "办结")] == 5 and work[("医疗保障信用评价", "期末尚未办结")] == 2
    assert work[("失信信用记录", "收到或立案")] == 5 and work[("失信信用记录", "其中：已停止公开")] == 2
    decisions = {(r["程序"], r["决定事项"]): r["数量"] for r in records(book["决定"])}
    assert decisions == {("信用评价结果异议", "审核同意：异议成立"): 1}
    clocks = {(r["程序"], r["期限"]): r for r in records(book["处理期限"])}
    handling = clocks[("信用评价结果异议", "异议处理期限")]
    assert (handling["法定期限（工作日）"], handling["办结"], handling["按期办结"], handling["超期办结"]) == ("15", 1, 1, 0)
    # Received 2026-03-20 (Friday), decided 2026-03-26 (Thursday): 4 working days, the day received not counted.
    assert (handling["平均用时（工作日）"], handling["最长用时（工作日）"], handling["期末仍在计算"]) == (4, 4, 1)
    assert book["超期案件"] == [book["超期案件"][0]]  # nothing overdue
    sections = csv_sections(csv_rows(tmp_path / "s.csv"))
    assert list(sections) == ["评价结果", "案件办理", "决定", "处理期限", "超期案件"]
    assert sections["决定"] == [["程序", "决定事项", "数量"], ["信用评价结果异议", "审核同意：异议成立", "1"]]


def test_the_monthly_figures_of_a_month_still_running(bureau):
    svc = bureau["svc"]
    with at_("2026-03-26 12:00"):
        f = svc.reports.monthly_figures("2026-03")
        earlier = svc.reports.monthly_figures("2026-02")
    with svc.db.connect() as conn:
        issued = conn.execute(select(func.count()).select_from(notices)).scalar_one()
    assert not f["whole_month"] and (f["start"], f["last_day"]) == (date(2026, 3, 1), date(2026, 3, 26))
    overview = {r[0]: r[1:] for r in f["overview"].rows}
    assert overview["医疗保障信用评价"] == (7, 5, 2) and overview["信用评价结果异议"] == (2, 1, 1)
    assert f["headline"]["notices"] == issued > 0  # every notice of this bureau was issued in March
    assert f["headline"]["decisions"] == 1 and f["headline"]["overdue_open"] == 0
    # The one objection decided was received on 2026-03-20: its 15 working days end in April, not in March.
    assert f["headline"]["deadlines_due"] == 0
    assert earlier["headline"] == {"opened": 0, "closed": 0, "decisions": 0, "notices": 0, "deadlines_due": 0,
                                   "deadlines_met": 0, "deadlines_missed": 0, "overdue_open": 0}


def test_the_worklist_is_every_open_case_most_urgent_first(bureau, tmp_path, cal):
    svc = bureau["svc"]
    with at_("2026-03-26 12:00"):
        svc.exports.export("worklist", None, str(tmp_path / "w.xlsx"))
        open_cases = {c["id"] for c in svc.cases.list()}
        this_year = svc.exports.sheets("worklist", 2026)[0].rows
        assert svc.exports.sheets("worklist", 2025)[0].rows == []  # nothing was opened in 2025
    rows = records(xlsx(tmp_path / "w.xlsx")["在办案件"])
    assert {r["案件编号"] for r in rows} == open_cases == {r[0] for r in this_year}
    disputed = next(r for r in rows if r["案件编号"] == bureau["evaluations"]["disputed"])
    assert (disputed["案件类型"], disputed["当前状态"], disputed["立案人"]) == ("医疗保障信用评价", "异议处理中", "alice")
    objection = next(r for r in rows if r["案件类型"] == "信用评价结果异议")
    assert (objection["最近期限"], objection["期限状态"], objection["超期督办"]) == ("异议处理期限", "计算中", "否")
    # 15 working days from the day the objection was received (Art. 26), that day not counted
    assert objection["期限届满日"].date() == compute(cal, date(2026, 3, 20), "working_days", 15).last_day
    record = next(r for r in rows if r["案件编号"] == bureau["records"]["listed"])
    assert record["立案人"] == f"系统（由案件{bureau['evaluations']['listed']}开启）"
    deadlines = [r["期限届满日"] for r in rows if r["期限届满日"] is not None]
    assert deadlines == sorted(deadlines)  # none overdue here: by the next deadline


def test_bad_requests_write_nothing(svc, tmp_path):
    with at_("2026-03-26 12:00"):
        for what, year, path, code in (("d_list", YEAR, "d.txt", "bad_format"), ("results", YEAR, "r", "bad_format"),
                                       ("results", 1999, "r.xlsx", "bad_year"), ("statistics", 2027, "s.csv", "bad_year")):
            with pytest.raises(BadInput) as err:
                svc.exports.export(what, year, str(tmp_path / path))
            assert err.value.code == code
        with pytest.raises(BadInput) as err:
            svc.exports.export("results", YEAR, str(tmp_path / "r.xlsx"), actor="nobody")
        assert err.value.code == "unknown_user"
        for month, path, code in (("2026-13", "m.pdf", "bad_month"), ("2026-4", "m.pdf", "bad_month"),
                                  ("2026-04", "m.pdf", "bad_month"), ("2026-03", "m.csv", "bad_format")):
            with pytest.raises(BadInput) as err:
                svc.reports.monthly(month, str(tmp_path / path))
            assert err.value.code == code
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith("creditflow.db")]  # no file written


# -- the command line ---------------------------------------------------------------------------------------------

def test_the_command_line_exports_and_refuses_in_one_line(cli, tmp_path):
    cf = cli
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    now = "2026-03-26T12:00:00+08:00"
    for what in ("results", "d-list", "statistics"):
        out = cf("export", what, "--year", "2025", "-o", str(tmp_path / f"{what}.xlsx"), now=now).json
        assert out["format"] == "xlsx" and out["file"] == str(tmp_path / f"{what}.xlsx")
        assert openpyxl.load_workbook(tmp_path / f"{what}.xlsx").sheetnames[-1] == "说明"
    out = cf("export", "worklist", "-o", str(tmp_path / "w.csv"), now=now).json
    assert (out["rows"], csv_rows(tmp_path / "w.csv")[0][:3]) == (0, ["案件编号", "案件类型", "当前状态"])
    plain = cf("export", "d-list", "--year", "2025", "-o", str(tmp_path / "d.csv"), now=now, as_json=False)
    assert plain.out.startswith("已导出2025年度医疗保障信用等级为差（D级）的信用主体名单：0 行")
    bad = cf("export", "d-list", "--year", "2025", "-o", str(tmp_path / "d.txt"), now=now, expect=2, as_json=False)
    assert "扩展名 .txt" in bad.line and ".xlsx" in bad.line and ".csv" in bad.line
    assert cf("export", "results", "--year", "1999", "-o", str(tmp_path / "r.xlsx"), now=now, expect=2).error["code"] == \
        "bad_year"
    assert cf("report", "monthly", "--month", "2026/03", "-o", str(tmp_path / "m.pdf"), now=now, expect=2).error[
        "code"] == "bad_month"
    assert cf("report", "monthly", "--month", "2026-03", "-o", str(tmp_path / "m.xlsx"), now=now).json["opened"] == 0
    assert not (tmp_path / "d.txt").exists() and not (tmp_path / "m.pdf").exists()


def test_the_export_commands_start_without_loading_heavy_libraries():
    probe = ("import sys\nfrom workflows.cli import main\n"
             "for args in (['export', '--help'], ['export', 'd-list', '--help'], ['report', 'monthly', '--help']):\n"
             "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
             "print([m for m in ('sqlalchemy', 'openpyxl', 'matplotlib', 'weasyprint', 'prefect') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stderr


# -- the demo bureau: built once, every export read back ---------------------------------------------------------------

DEMO_NOW = "2026-03-10 12:00"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    s = make_services(f"sqlite:///{home / 'demo.db'}", home)
    with at_(DEMO_NOW):
        summary = fill_demo(s)
    yield s, summary
    s.db.dispose()


@pytest.mark.parametrize("what,year", [("results", 2025), ("d_list", 2025), ("d_list", 2024), ("worklist", None),
                                       ("statistics", 2026)])
def test_the_demo_bureau_exports_in_both_forms(demo, tmp_path, what, year):
    svc, _ = demo
    with at_(DEMO_NOW):
        sheets = svc.exports.sheets(what, year)
        for ext in ("xlsx", "csv"):
            out = svc.exports.export(what, year, str(tmp_path / f"out.{ext}"))
            assert out["rows"] == sum(len(s.rows) for s in sheets) and out["format"] == ext
    book = xlsx(tmp_path / "out.xlsx")
    assert list(book) == [s.name for s in sheets] + ["说明"]
    rows = csv_rows(tmp_path / "out.csv")
    sections = csv_sections(rows) if len(sheets) > 1 else {sheets[0].name: rows}
    for sheet in sheets:
        header = tuple(c.title for c in sheet.columns)
        assert book[sheet.name][0] == header and all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in header)  # Chinese
        assert len(book[sheet.name]) == len(sheet.rows) + 1 == len(sections[sheet.name])
        dates = tuple(c.title for c in sheet.columns if c.kind == "date")
        for cell in date_cells(tmp_path / "out.xlsx", sheet.name, dates):
            assert cell.is_date and isinstance(cell.value, datetime)
        for row in sections[sheet.name][1:]:
            for c, value in zip(sheet.columns, row):
                if c.kind == "date" and value:
                    date.fromisoformat(value)
    assert any(len(s.rows) for s in sheets)  # the demo has something in each


def test_the_demo_d_lists_follow_the_archive_and_mask_persons(demo, tmp_path):
    svc, _ = demo
    with svc.db.connect() as conn:
        people = {r.name: r.identifier for r in conn.execute(select(subjects).where(
            subjects.c.subject_type.not_in(list(INSTITUTION_TYPES))))}
        results = conn.execute(select(cases.c.subject_id, cases.c.data).where(cases.c.kind == "evaluation")).all()
    assert people
    for year in (2023, 2024, 2025):
        with at_(DEMO_NOW):
            svc.exports.export("d_list", year, str(tmp_path / f"d{year}.csv"))
            # Independently: the subjects whose final D of the year still has its bad information in use.
            expected = set()
            for subject_id, data in results:
                if data["year"] == year and data["grade"] == "D" and data.get("final_on"):
                    shown = svc.deployment.show_subject(str(subject_id))
                    if any(e["in_use"] and e["kind"] == "bad" and e["category"] == "evaluation_d" for e in shown["archive"]):
                        expected.add(shown["name"] if shown["identifier_kind"] == "uscc" else mask_name(shown["name"]))
        rows = csv_rows(tmp_path / f"d{year}.csv")
        assert {r[0] for r in rows[1:]} == expected
        text = open(tmp_path / f"d{year}.csv", encoding="utf-8-sig").read()
        for name, id_number in people.items():
            assert id_number not in text and name not in text
        for r in rows[1:]:
            if r[1] == "公民身份号码":
                assert r[2] in {mask_id(i) for i in people.values()} and r[0].endswith("*")
    # 2023: the county hospital's D was corrected to C on an objection: its record is withdrawn, not listed.
    assert csv_rows(tmp_path / "d2023.csv")[1:] == []
    assert [r[0] for r in csv_rows(tmp_path / "d2024.csv")[1:]] == [mask_name("孙八")]


def test_the_demo_statistics_name_the_overdue_cases(demo):
    svc, summary = demo
    flagged = {o["case_id"] for o in summary["overdue"] if o["flagged"]}
    assert flagged
    with at_(DEMO_NOW):
        sheets = {s.name: s for s in svc.exports.sheets("statistics", 2026)}
        worklist = svc.exports.sheets("worklist", None)[0].rows
    overdue = {r[0]: r for r in sheets["超期案件"].rows}
    assert flagged <= set(overdue)
    assert all(overdue[c][5] == "超期未办结" and overdue[c][6] >= 1 for c in flagged)
    # The worklist puts them first, with the deadline that ran out.
    assert {r[0] for r in worklist[:len(flagged)]} == flagged
    assert all(r[-1] == "是" and r[12] == "已届满，超期未办结" for r in worklist[:len(flagged)])


def test_the_demo_monthly_report_as_a_workbook_with_its_chart_and_as_a_pdf(demo, tmp_path):
    svc, _ = demo
    with at_(DEMO_NOW):
        figures = svc.reports.monthly_figures("2026-02")
        book = svc.reports.monthly("2026-02", str(tmp_path / "m.xlsx"), actor="wangfang")
        pdf = svc.reports.monthly("2026-02", str(tmp_path / "m.pdf"))
    headline = figures["headline"]
    assert book["opened"] == headline["opened"] == sum(r[1] for r in figures["overview"].rows) > 0
    assert headline["closed"] == sum(r[2] for r in figures["overview"].rows) > 0
    assert headline["notices"] == sum(r[2] for r in {s.name: s for s in figures["sheets"]}["文书"].rows) > 0
    assert headline["deadlines_due"] >= headline["deadlines_met"] + headline["deadlines_missed"]
    assert figures["whole_month"] and figures["last_day"] == date(2026, 2, 28)

    wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
    assert wb.sheetnames[0] == "概况" and wb.sheetnames[-1] == "说明"
    overview = wb["概况"]
    assert [c.value for c in overview[1]] == ["程序", "本月收到或立案", "本月办结", "月末在办"]
    (chart,) = overview._charts
    assert chart.tagname == "barChart" and len(chart.series) == 2
    with zipfile.ZipFile(tmp_path / "m.xlsx") as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
    notes = {r[0].value: r[1].value for r in wb["说明"].iter_rows(min_row=2)}
    assert notes["制表人"] == "wangfang" and notes["统计期间"] == "2026-02-01 至 2026-02-28"

    data = (tmp_path / "m.pdf").read_bytes()
    assert data.startswith(b"%PDF") and pdf["format"] == "pdf"
    text = flat(pdf_text(data))
    assert "2026年2月" in text and "医疗保障信用管理工作月报" in text
    assert f"本月收到或立案案件{headline['opened']}件，办结{headline['closed']}件" in text
    for name in ("张三", "李四", "王五", "赵六", "钱七", "孙八", "周九"):
        assert name not in text  # the report names no person
