"""The monthly report for the bureau's leadership (`creditflow report monthly --month YYYY-MM -o FILE`).

The month's casework, read from the log by the declarations (workflows/services/exports.py `Casework`):
cases received and closed by kind and outcome, the decisions taken, the notices issued, the deadlines the
department keeps that fell in the month (met or missed), and the cases overdue at its end. One chart (cases
received and closed by kind): an openpyxl bar chart in the XLSX; in the PDF a matplotlib chart (imported here,
lazily, only when a PDF is made) in an HTML page (notices/templates/reports/monthly.html.j2) rendered by
WeasyPrint (notices/pdf.py). A month still running is reported up to now.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from states.registry import Registry

from .. import clock
from ..errors import BadInput
from ..files import check_writable, write_bytes
from ..store.tables import deployment as deployment_table
from ..store.uow import UnitOfWork
from .exports import (EARLIEST_YEAR, Casework, Column, Sheet, casework_sheets, check_actor, fill_sheet, new_workbook,
                      notes_sheet, notices_issued, output_format, save_workbook, sheet_data, start_of)

REPORT_FORMATS = {".xlsx": "xlsx", ".pdf": "pdf"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TEMPLATE = "reports/monthly.html.j2"


def month_bounds(month: str, today: date) -> tuple[int, int, datetime, datetime]:
    """YYYY-MM (from 2000-01 to the current month) as (year, month, first instant, first instant after)."""
    m = _MONTH.match((month or "").strip())
    if m is None or not 1 <= int(m.group(2)) <= 12 or not (EARLIEST_YEAR, 1) <= (int(m.group(1)), int(m.group(2))) \
            <= (today.year, today.month):
        raise BadInput(f"--month 的值 {month!r} 无效：须写成 年-月（YYYY-MM），在 {EARLIEST_YEAR}-01 至本月"
                       f"（{today:%Y-%m}）之间，如 {today:%Y-%m}", code="bad_month")
    year, mon = int(m.group(1)), int(m.group(2))
    after = date(year + (mon == 12), mon % 12 + 1, 1)
    return year, mon, start_of(date(year, mon, 1)), start_of(after)


class ReportService:
    def __init__(self, uow: Callable[[], UnitOfWork], engine: Callable, registry: Registry):
        self.uow = uow
        self._engine = engine
        self.registry = registry

    def monthly_figures(self, month: str) -> dict:
        """The month's figures as data (what the report prints)."""
        with self.uow() as uow:
            return self._figures(uow.conn, month, clock.now())

    def monthly(self, month: str, path: str, *, actor: str | None = None) -> dict:
        """Write the month's report to `path` (.xlsx or .pdf); what it wrote, with the headline figures."""
        fmt = output_format(path, REPORT_FORMATS)
        now = clock.now()
        month_bounds(month, clock.today(now))
        check_writable(path)
        with self.uow() as uow:
            maker = check_actor(uow.conn, actor)
            figures = self._figures(uow.conn, month, now)
        figures["made_by"] = maker
        if fmt == "xlsx":
            self._xlsx(figures, path)
        else:
            write_bytes(path, self._pdf(figures))
        return {"month": figures["month"], "title": figures["title"], "file": str(path),
                "format": fmt, "as_of": clock.local(figures["as_of"]), "made_by": maker, **figures["headline"]}

    def monthly_data(self, month: str, *, actor: str | None = None) -> dict:
        """The month's report as JSON, no file: what `monthly` returns (without `file`, format "json"), with the
        overview and each table as data (exports.sheet_data)."""
        now = clock.now()
        month_bounds(month, clock.today(now))
        with self.uow() as uow:
            maker = check_actor(uow.conn, actor)
            figures = self._figures(uow.conn, month, now)
        return {"month": figures["month"], "title": figures["title"], "format": "json",
                "as_of": clock.local(figures["as_of"]), "made_by": maker, **figures["headline"],
                "overview": sheet_data(figures["overview"]), "sheets": [sheet_data(s) for s in figures["sheets"]]}

    # -- the figures -----------------------------------------------------------------------------------------

    def _figures(self, conn, month: str, now: datetime) -> dict:
        year, mon, start, end = month_bounds(month, clock.today(now))
        settings = {r.key: r.value for r in conn.execute(select(deployment_table))}
        work = Casework(conn, self.registry, start, end, now)
        cal = self._engine().calendar
        issued = notices_issued(conn, start, end)
        sheets = casework_sheets(work, cal, notices=issued)
        opened, closed, open_end = work.opened(), work.closed(), work.open_at(work.as_of)
        overview = Sheet("概况", (Column("程序", width=22), Column("本月收到或立案", "int", 14),
                                  Column("本月办结", "int", 10), Column("月末在办", "int", 10)),
                         [(work.label(k), opened.get(k, 0), sum(closed.get(k, {}).values()), open_end.get(k, 0))
                          for k in work.kinds()])
        # The deadlines that fell in the month (their last day in it): met, missed, or not yet due (this month);
        # and the cases overdue at its end (a deadline passed, its work not done).
        clocks = work.clocks()
        first, after = start.date(), end.date()
        due = [c for c in clocks if c.started_at is not None and first <= c.last_day < after]
        outcomes = [c.outcome(work.as_of) for c in due]
        overdue = {c.case_id for c in clocks if c.started_at is not None and c.outcome(work.as_of) == "missed"
                   and not c.ended_by(work.as_of)}
        headline = {"opened": sum(opened.values()), "closed": sum(sum(c.values()) for c in closed.values()),
                    "decisions": sum(work.decisions().values()), "notices": sum(n for _k, _t, n in issued),
                    "deadlines_due": len(due), "deadlines_met": outcomes.count("met"),
                    "deadlines_missed": outcomes.count("missed"), "overdue_open": len(overdue)}
        last_day = min(clock.today(work.as_of), after - timedelta(days=1))
        department = settings.get("department_name") or ""
        return {"month": f"{year:04d}-{mon:02d}", "year": year, "mon": mon, "start": start.date(), "last_day": last_day,
                "whole_month": end <= now, "as_of": work.as_of, "made_on": clock.today(now), "department": department,
                "fonts": {k[5:]: v for k, v in settings.items() if k.startswith("font_") and v},
                "title": f"{department}医疗保障信用管理工作月报（{year}年{mon}月）", "headline": headline,
                "overview": overview, "sheets": sheets}

    # -- the XLSX: the overview with its chart, then one sheet per table ---------------------------------------------

    def _xlsx(self, f: dict, path: str) -> None:
        from openpyxl.chart import BarChart, Reference

        wb = new_workbook(f["title"], f["department"])
        ws = wb.create_sheet("概况")
        fill_sheet(ws, f["overview"])
        n = len(f["overview"].rows)
        if n:
            chart = BarChart()
            chart.type = "bar"  # horizontal: the procedures' names are long
            chart.title = f"{f['year']}年{f['mon']}月案件收办情况"
            chart.y_axis.title = "件数"
            chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 leaves the axes hidden otherwise
            chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=n + 1), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
            chart.height, chart.width = 2 + 1.2 * n, 18
            ws.add_chart(chart, "F2")
        for sheet in f["sheets"]:
            fill_sheet(wb.create_sheet(sheet.name), sheet)
        period = f"{f['start']:%Y-%m-%d} 至 {f['last_day']:%Y-%m-%d}" + ("" if f["whole_month"] else "（本月尚未结束，截至制表时）")
        notes = [("表名", f["title"]), ("制表单位", f["department"] or "（未设置）"), ("制表日期", f["made_on"]),
                 ("统计期间", period)]
        if f["made_by"]:
            notes.append(("制表人", f["made_by"]))
        notes.append(("说明", "按发生日期（北京时间）统计本月收到、办结的案件及其结果，作出的决定，制发的文书，本部门须遵守的处理期限"
                              "（到期日在本月的按期办结或超期情况），以及月末超期未办结的案件。本表不含个人信息。"))
        notes_sheet(wb, notes)
        save_workbook(wb, path)

    # -- the PDF: HTML with a matplotlib chart, rendered by WeasyPrint ---------------------------------------------------

    def _pdf(self, f: dict) -> bytes:
        from notices import render
        from notices.pdf import render_pdf
        from notices.render import typefaces

        context = {"f": f, "tf": typefaces(f["fonts"]), "chart": self._chart(f),
                   "sheets": {s.name: s for s in f["sheets"]}}
        html = render(TEMPLATE, context).html
        return render_pdf(html, f"月报{f['month']}", f["as_of"])

    def _chart(self, f: dict) -> str | None:
        """The cases received and closed by procedure, as an SVG data URI (its text drawn as paths, so the PDF
        needs no font for it); None when there are no procedures."""
        rows = f["overview"].rows
        if not rows:
            return None
        from matplotlib import rc_context
        from matplotlib.figure import Figure

        labels = [r[0] for r in rows][::-1]
        received, closed = [r[1] for r in rows][::-1], [r[2] for r in rows][::-1]
        style = {"font.family": ["Noto Sans CJK SC", "DejaVu Sans"], "svg.fonttype": "path",
                 "svg.hashsalt": f"creditflow-{f['month']}", "font.size": 9}
        with rc_context(style):
            fig = Figure(figsize=(6.3, 0.45 * len(rows) + 1.2))
            ax = fig.add_subplot()
            y = range(len(labels))
            ax.barh([i + 0.2 for i in y], received, height=0.4, label="本月收到或立案", color="#4472C4")
            ax.barh([i - 0.2 for i in y], closed, height=0.4, label="本月办结", color="#ED7D31")
            ax.set_yticks(list(y), labels)
            ax.set_xlabel("件数")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.legend(loc="lower right", frameon=False)
            ax.set_title(f"{f['year']}年{f['mon']}月案件收办情况")
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
        return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
