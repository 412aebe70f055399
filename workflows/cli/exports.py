"""`creditflow export …` and `creditflow report monthly`: thin adapters over svc.exports and svc.reports.

* `export results|d-list|statistics --year YYYY -o FILE [--as USER] [--json]`, `export worklist [--year YYYY]
  -o FILE …`: XLSX or CSV by the output's extension (another one: exit 2);
* `report monthly --month YYYY-MM -o FILE [--as USER] [--json]`: XLSX or PDF by the extension.

`--as` is optional: the tables change nothing, and the log records no reading; given, it names the user who
made the table (制表人, in the workbook's 说明 sheet and the PDF's last line), who must exist. Errors are
mapped in `main()`. Nothing heavy is imported until a command runs (openpyxl, matplotlib, WeasyPrint: only
the one that writes).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .output import emit
from .params import id_option

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
OutOpt = Annotated[str, typer.Option("-o", "--output", help="The file to write (.xlsx or .csv).")]
MakerOpt = Annotated[Optional[str], typer.Option(
    "--as", help="The user who makes the table (制表人); optional: exports change nothing.")]
YearOpt = Annotated[int, id_option("--year", label="--year（年度）", help="The year, YYYY.")]

export_app = typer.Typer(name="export", no_args_is_help=True,
                         help="The lists and statistics a bureau files and publishes, as XLSX or CSV.")
report_app = typer.Typer(name="report", no_args_is_help=True, help="Reports for the bureau's leadership.")


def _export(what: str, year: int | None, output: str, actor: str | None, as_json: bool) -> int:
    from .cases import svc

    out = svc().exports.export(what, year, output, actor=actor)
    from ..services.exports import FORMAT_LABELS

    emit(out, as_json, lambda: f"已导出{out['title']}：{out['rows']} 行，写入 {out['file']}"
                               f"（{FORMAT_LABELS[out['format']]}，数据截至 {out['as_of'][:16].replace('T', ' ')}）")
    return 0


@export_app.command("results")
def export_results(year: YearOpt, output: OutOpt, actor: MakerOpt = None, as_json: JsonOpt = False):
    """The year's evaluation results of institutional subjects (Henan measure Art. 29(1))."""
    return _export("results", year, output, actor, as_json)


@export_app.command("d-list")
def export_d_list(year: YearOpt, output: OutOpt, actor: MakerOpt = None, as_json: JsonOpt = False):
    """The year's D-grade list (Art. 29(2)): entries in use only (Art. 31), persons masked (Art. 28)."""
    return _export("d_list", year, output, actor, as_json)


@export_app.command("worklist")
def export_worklist(
    output: OutOpt,
    year: Annotated[Optional[int], id_option(
        "--year", label="--year（案件登记年度）", help="Only cases opened in this year (default: every open case).")] = None,
    actor: MakerOpt = None,
    as_json: JsonOpt = False,
):
    """The open cases, most urgent first: state, subject, running deadlines, overdue flag, opened by (internal)."""
    return _export("worklist", year, output, actor, as_json)


@export_app.command("statistics")
def export_statistics(year: YearOpt, output: OutOpt, actor: MakerOpt = None, as_json: JsonOpt = False):
    """The year's figures: results by grade and type, cases and outcomes, decisions, deadlines, overdue cases."""
    return _export("statistics", year, output, actor, as_json)


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")],
    output: Annotated[str, typer.Option("-o", "--output", help="The file to write (.xlsx or .pdf).")],
    actor: MakerOpt = None,
    as_json: JsonOpt = False,
):
    """The month's casework figures with one chart, for the bureau's leadership."""
    from .cases import svc

    out = svc().reports.monthly(month, output, actor=actor)
    from ..services.exports import FORMAT_LABELS

    emit(out, as_json, lambda: f"已生成{out['title']}，写入 {out['file']}（{FORMAT_LABELS[out['format']]}）：本月收到或立案 "
                               f"{out['opened']} 件，办结 {out['closed']} 件，决定 {out['decisions']} 项，文书 "
                               f"{out['notices']} 份；到期期限 {out['deadlines_due']} 个，按期 {out['deadlines_met']} 个，"
                               f"超期 {out['deadlines_missed']} 个；超期未办结案件 {out['overdue_open']} 件")
    return 0
