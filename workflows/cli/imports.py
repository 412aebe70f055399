"""`creditflow evaluation import FILE --year YYYY --as USER [--dry-run] [--update-names] [--json]`: a thin
adapter over `svc.imports.results` (workflows/services/imports.py) for the evaluation's results.

Exit 0 when the file is good (published, or nothing new to publish); 2 when the header or any row is bad:
nothing is written, every bad row is listed on stderr (row, column, reason) and in FILE.errors.xlsx
beside the input (results.xlsx / results.csv -> results.errors.xlsx); 3 or 4 when the engine refuses or
a concurrent change stops a row (the rows before it stay published: running the command again goes on).
A progress bar is drawn on stderr when it is a terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .aliases import EVALUATION, AsOpt, JsonOpt
from .output import dumps
from .params import id_option

GRADE_ORDER = ("A", "B", "C", "D")


def evaluation_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The results: .xlsx (first sheet) or .csv; row 1 is "
                                         "the header: 名称, 类型, 证件号码 (or 统一社会信用代码/身份证号码), 得分, [备注]")],
    year: Annotated[int, id_option("--year", label="--year（评价年度）", help="Evaluation year of every row, e.g. 2025")],
    actor: AsOpt,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate (and rehearse) only: write nothing but the "
                                          "error report.")] = False,
    update_names: Annotated[bool, typer.Option("--update-names", help="A registered identifier with another name "
                                               "takes the file's name (each change is logged).")] = False,
    as_json: JsonOpt = False,
):
    """Publish a year's evaluation results from a spreadsheet, each row in its own transition (= one
    `evaluation publish` per row); every row is validated first, and one bad row writes nothing."""
    from ..services.imports import error_report_path
    from .cases import svc

    services = svc()
    with _progress() as progress:
        out = services.imports.results(file, kind=EVALUATION, year=year, actor=actor, dry_run=dry_run,
                                       update_names=update_names, error_file=error_report_path(file),
                                       progress=progress)
    if as_json:
        sys.stdout.write(dumps(out) + "\n")
    if out["errors"]:
        _report_errors(out)
        return 2
    if not as_json:
        sys.stdout.write(_summary(out) + "\n")
    return 0


class _progress:
    """A rich progress bar on stderr while rows are written, only when stderr is a terminal."""

    def __enter__(self):
        self.bar = None
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("公布评价结果"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        self.task = None
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.bar.add_task("import", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def _report_errors(out: dict) -> None:
    rows = sorted({e["row"] for e in out["errors"]})
    where = (f"错误报告已写入 {out['error_file']}（原表加“错误说明”列）" if out.get("error_file")
             else out.get("error_file_problem") or "没有可标注的数据行，未生成错误报告")
    header_only = rows == [1]
    what = "表头有误" if header_only else f"有 {len(rows)} 行错误（共 {len(out['errors'])} 处）"
    sys.stderr.write(f"error: 导入文件 {Path(out['file']).name} {what}，未写入任何数据；{where}；请改正后重新导入\n")
    for e in out["errors"]:
        sys.stderr.write(f"第 {e['row']} 行 {e['column']}：{e['reason']}\n")


def _grades(by_grade: dict) -> str:
    return "、".join(f"{g}级 {by_grade.get(g, 0)} 条" for g in GRADE_ORDER)


def _summary(out: dict) -> str:
    read = f"已读取 {Path(out['file']).name}（" + (f"{out['encoding_label']} 编码" if out["encoding"] else
                                                  f"工作表“{out['sheet']}”") + f"），{out['year']}年度，数据 {out['rows']} 行"
    if out["dry_run"]:
        return (f"{read}：校验通过（试导入，未写入任何数据）。正式导入将公布 {out['to_publish']} 条（{_grades(out['by_grade'])}），"
                f"新登记信用主体 {out['to_register']} 个，更正名称 {out['to_rename']} 个，跳过已公布 {out['skipped']} 条")
    if not out["published"] and not out["renamed"]:
        return f"{read}：均已公布且得分相同，本次未公布新的结果（跳过 {out['skipped']} 条）"
    lines = [f"{read}：公布 {out['published']} 条，新登记信用主体 {out['registered']} 个，跳过已公布 {out['skipped']} 条",
             f"按等级：{_grades(out['by_grade'])}"]
    if out["renamed"]:
        lines.append(f"更正名称 {out['renamed']} 个（已记入审计日志）：" + "；".join(
            f"第 {r['row']} 行 {r['identifier']} “{r['old']}”→“{r['new']}”" for r in out["renames"][:20])
            + ("……" if out["renamed"] > 20 else ""))
    return "\n".join(lines)
