"""A year's results at once: `svc.imports.results` (what `creditflow evaluation import` runs) on N rows.

Each run writes an N-row sheet (.xlsx by default, or a UTF-8 CSV with a BOM) of new subjects — institutions
by USCC and practitioners by ID number, scores across every grade — to a fresh store, then times:

* the dry run: reading the file (openpyxl read-only), checking every row, the store lookups and the
  rehearsal of the first row (rolled back);
* the import: the same checks, then every row registered and published in its own transaction (numbered
  notice, hash-chained log row, objection window), as `evaluation publish` does one at a time;
* a second import of the same file, which publishes nothing (every row skipped).

Run:  python bench/bench_import.py [--n 10000] [--format xlsx|csv] [--backend sqlite|postgresql] [--runs 1]
PostgreSQL: CREDITFLOW_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres) as admin URL.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_engine import fresh_url  # noqa: E402

from states.identifiers import id_check_digit, uscc_check_char  # noqa: E402
from workflows import clock  # noqa: E402
from workflows.services import Services  # noqa: E402
from workflows.settings import Settings  # noqa: E402
from workflows.store.db import make_engine  # noqa: E402

HEADER = ("名称", "类型", "证件号码", "得分", "备注")
SCORES = (95, 88.5, 76.25, 64, 90, 80, 70, 69.99, 100, 0)


def sheet_rows(n: int) -> list[tuple]:
    out = []
    for i in range(1, n + 1):
        score = SCORES[i % len(SCORES)]
        if i % 4:
            first17 = f"91410100{i:09d}"
            out.append((f"郑州市第{i}定点医疗机构", "定点医疗机构", first17 + uscc_check_char(first17), score, ""))
        else:
            first17 = "410105" + (date(1960, 1, 1) + timedelta(days=i)).strftime("%Y%m%d") + f"{i % 1000:03d}"
            out.append((f"医师{i}", "医保医师、护士、药师等从业人员", first17 + id_check_digit(first17), score, "年度考核"))
    return out


def write_file(path: Path, rows: list[tuple]) -> Path:
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            w.writerows(rows)
        return path
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("评价结果")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def one_run(url: str, home: Path, path: Path, year: int) -> dict:
    svc = Services(make_engine(url), Settings(home, url, None, True))
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保")
    svc.deployment.add_user("alice", ["handler"])
    svc.engine  # noqa: B018  (the calendar is built here, outside the timings)

    def timed(**kw):
        started, cpu = time.perf_counter(), time.process_time()
        out = svc.imports.results(path, kind="evaluation", year=year, actor="alice", **kw)
        assert out["errors"] == [], out["errors"][:3]
        return time.perf_counter() - started, time.process_time() - cpu, out

    try:
        dry, _, dry_out = timed(dry_run=True)
        full, cpu, out = timed()
        again, _, again_out = timed()
    finally:
        svc.db.dispose()
    assert out["published"] == dry_out["to_publish"] == again_out["skipped"] and again_out["published"] == 0
    return {"dry": dry, "import": full, "cpu": cpu, "again": again, "published": out["published"]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--format", default="xlsx", choices=["xlsx", "csv"])
    p.add_argument("--runs", type=int, default=1)
    args = p.parse_args()
    year = clock.today().year - 1
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.backend}, {args.n:,} rows ({args.format}), year {year}, {args.runs} run(s)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = write_file(Path(tmp) / f"results.{args.format}", sheet_rows(args.n))
        for run in range(args.runs):
            load = os.getloadavg()[0]
            url, drop = fresh_url(args.backend, Path(tmp))
            try:
                r = one_run(url, Path(tmp), path, year)
            finally:
                drop()
            results.append(r)
            print(f"  run {run + 1} (load average before: {load:.2f}): dry run {r['dry']:.1f} s; import "
                  f"{r['import']:.1f} s = {r['published'] / r['import']:,.0f} rows/s (client CPU {r['cpu']:.1f} s); second import {r['again']:.1f} s "
                  "(nothing published)")
            sys.stdout.flush()
    median = {k: statistics.median(r[k] for r in results) for k in ("dry", "import", "cpu", "again")}
    print("| backend | rows | file | dry run s | import s | rows/s | client CPU s | second import s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    print(f"| {args.backend} | {args.n:,} | {args.format} | {median['dry']:.1f} | {median['import']:.1f} | "
          f"{args.n / median['import']:,.0f} | {median['cpu']:.1f} | {median['again']:.1f} |")


if __name__ == "__main__":
    main()
