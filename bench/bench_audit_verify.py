"""Audit benchmark: `creditflow audit verify` over a large log on PostgreSQL, wall time and peak memory.

Run:  python bench/bench_audit_verify.py [--cases 10000] [--rows-per-case 100] [--no-notices] [--runs 3]
      (PostgreSQL admin URL from CREDITFLOW_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres)

It creates a fresh database (dropped afterwards unless --keep), migrates it (`creditflow init`, so
the append-only triggers are in place), bulk-loads valid hash-chained log rows with COPY, each with
its notice (about 1.3 kB of HTML, like the real ones) unless --no-notices, seals them with
`creditflow audit checkpoint`, then runs `creditflow audit verify --json` as a child process --runs
times over the same database and reports each run's wall time and peak RSS (os.wait4) with the median,
min and max, and the load average before each run (the machine may be shared). Writes nothing else; paste the output into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg

from workflows.audit import row_hash

ADMIN = os.environ.get("CREDITFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLI = str(Path(sys.executable).with_name("creditflow"))
HENAN = "豫医保信用管理办法"
TRIGGERS = ("open", "accept", "suspend", "resume", "propose_dismiss", "return", "propose_uphold", "approve")
LOG_COLUMNS = ("case_id", "seq", "trigger", "from_state", "to_state", "actor", "role", "effective_at", "recorded_at",
               "clock_overridden", "inputs", "rules", "timer_effects", "notice_number", "notice_hash", "prev_hash",
               "hash")
NOTICE_COLUMNS = ("number", "department", "series", "year", "seq", "case_id", "transition_seq", "template", "title",
                  "audience", "addressee", "html", "text", "content_hash", "issued_at")
HTML = ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
        "<header><p class=\"org\">郑州市医疗保障局</p><h1>{title}</h1><p class=\"number\">{number}</p></header>"
        "<section><p>郑州市第{case}人民医院（统一社会信用代码：91350100M000100Y43）：</p>"
        "<p>你单位于2026年2月10日提交的信用评价结果异议申请（异议理由：第二十四条第一、二项），本局已于当日收到书面材料。"
        "经审查，{step}。依据《河南省医疗保障基金使用信用管理办法》第二十五条、第二十六条的规定，本局应当自收到书面材料之日起"
        "十五个工作日内作出处理决定；处理期限至2026年3月9日（星期一）24时止。</p>"
        "<p>如对本决定不服，可以自收到本通知书之日起六十日内向郑州市人民政府申请行政复议，或者在六个月内依法向郑州铁路运输法院"
        "提起行政诉讼。</p></section><footer><p>郑州市医疗保障局</p><p>2026年2月{day}日</p></footer></body></html>")


def _rows(n_cases: int, per_case: int, notices: bool, first_case: int = 1):
    """Yield (case row, [log rows], [notice rows]) per case: valid chains, gapless notice numbers."""
    base = datetime(2026, 2, 6, 1, 0, tzinfo=timezone.utc)
    number = 0
    for cid in range(first_case, first_case + n_cases):
        prev, log, issued = "", [], []
        for seq in range(1, per_case + 1):
            trigger = TRIGGERS[(seq - 1) % len(TRIGGERS)]
            at = base + timedelta(minutes=cid + seq)
            number += 1
            num = f"郑医保信异〔2026〕{number}号" if notices else None
            html = HTML.format(title="异议处理告知书", number=num, case=cid, step=f"{trigger}（第{seq}步）",
                               day=6 + seq % 20)
            notice_hash = hashlib.sha256(html.encode("utf-8")).hexdigest() if notices else None
            row = {
                "case_id": cid, "seq": seq, "trigger": trigger, "from_state": None if seq == 1 else "under_review",
                "to_state": "under_review", "actor": "alice" if seq % 3 else "bob",
                "role": "handler" if seq % 3 else "approver", "effective_at": at, "recorded_at": at,
                "clock_overridden": False,
                "inputs": {"grounds": [1, 2], "received": "2026-02-10", "materials": ["评分细则", "复核申请"],
                           "reason": f"第{seq}步"},
                "rules": [{"code": "OBJ-GROUNDS", "article": f"{HENAN} Art. 24"},
                          {"code": "OBJ-DATE", "article": f"{HENAN} Art. 26"}],
                "timer_effects": [{"timer": "handling", "op": "start", "last_day_before": None,
                                   "last_day": "2026-03-09", "ends_at": "2026-03-10T00:00:00+08:00",
                                   "provisional": False,
                                   "rule": f"working days: Civil Code Art. 201; {HENAN} Art. 26"}],
                "notice_number": num, "notice_hash": notice_hash, "prev_hash": prev,
            }
            row["hash"] = prev = row_hash(row)
            log.append(row)
            if notices:
                issued.append({"number": num, "department": "郑医保", "series": "信异", "year": 2026, "seq": number,
                               "case_id": cid, "transition_seq": seq, "template": "objection/accepted.html.j2",
                               "title": "异议处理告知书", "audience": "subject", "addressee": f"郑州市第{cid}人民医院",
                               "html": html, "text": html[200:640], "content_hash": notice_hash, "issued_at": at})
        case = {"id": cid, "kind": "objection", "declaration_version": 1, "state": "under_review",
                "version": per_case, "parent_id": None, "subject_id": None, "data": "{}", "is_final": False,
                "overdue": False, "log_seq": per_case, "chain_head": prev, "opened_at": base, "updated_at": base}
        yield case, log, issued
    yield None, number, None


def load(url: str, n_cases: int, per_case: int, notices: bool) -> None:
    """Three COPY streams (cases, log, notices), each regenerating the same deterministic rows: memory stays small."""
    case_cols = ("id", "kind", "declaration_version", "state", "version", "parent_id", "subject_id", "data",
                 "is_final", "overdue", "log_seq", "chain_head", "opened_at", "updated_at")
    json_cols = ("inputs", "rules", "timer_effects")
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY cases ({', '.join(case_cols)}) FROM STDIN") as cp:
            for case, _, _ in _rows(n_cases, per_case, notices):
                if case is not None:
                    cp.write_row([case[c] for c in case_cols])
        with cur.copy(f"COPY transitions ({', '.join(LOG_COLUMNS)}) FROM STDIN") as cp:
            for case, log, _ in _rows(n_cases, per_case, notices):
                if case is None:
                    break
                for r in log:
                    cp.write_row([json.dumps(r[c], ensure_ascii=False) if c in json_cols else r[c] for c in LOG_COLUMNS])
        if notices:
            with cur.copy(f"COPY notices ({', '.join(NOTICE_COLUMNS)}) FROM STDIN") as cp:
                for case, issued, rows in _rows(n_cases, per_case, notices):
                    if case is None:
                        total = issued  # the last notice number
                        break
                    for n in rows:
                        cp.write_row([n[c] for c in NOTICE_COLUMNS])
            cur.execute("INSERT INTO number_sequences (department, series, year, last) VALUES ('郑医保', '信异', 2026, %s)",
                        (total,))
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def measured(args: list[str], env: dict) -> tuple[float, float, str, int]:
    """Run a command as a child; its wall seconds, its own peak RSS in MiB (wait4), its stdout and exit code."""
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: stdout into the pipe, then exec
        os.close(r)
        os.dup2(w, 1)
        os.execve(args[0], args, env)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        out = fh.read()
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, out.decode("utf-8"), os.waitstatus_to_exitcode(status)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--rows-per-case", type=int, default=100)
    ap.add_argument("--no-notices", action="store_true", help="log rows only (notice_number NULL)")
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    ap.add_argument("--runs", type=int, default=3, help="verify runs over the same database (median, min, max)")
    a = ap.parse_args()
    notices = not a.no_notices
    name = f"cf_bench_audit_{uuid.uuid4().hex[:8]}"
    admin = ADMIN.rsplit("/", 1)[0] + "/postgres"
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    env = {**os.environ, "CREDITFLOW_DATABASE_URL": url, "CREDITFLOW_HOME": "/tmp/" + name}
    try:
        subprocess.run([CLI, "init", "--department", "郑州市医疗保障局", "--prefix", "郑医保", "--json"], env=env, check=True, capture_output=True)
        t0 = time.perf_counter()
        load(url, a.cases, a.rows_per_case, notices)
        load_s = time.perf_counter() - t0
        with psycopg.connect(url) as conn:
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        ck_wall, ck_rss, ck_out, ck_code = measured([CLI, "audit", "checkpoint", "--json"], env)
        assert ck_code == 0, ck_out
        rows = a.cases * a.rows_per_case
        print(f"machine: {platform.machine()} CPython {platform.python_version()}, {os.cpu_count()} cores, "
              f"PostgreSQL {pg_version} (same machine)")
        print(f"log: {a.cases:,} cases x {a.rows_per_case} rows = {rows:,} rows, "
              f"{'each with its notice (~1.3 kB HTML)' if notices else 'no notices'}; database {size}; "
              f"bulk load (COPY) {load_s:.0f} s")
        print(f"audit checkpoint: {ck_wall:.1f} s wall, peak RSS {ck_rss:.0f} MiB", flush=True)
        runs = []
        for i in range(1, a.runs + 1):
            load_avg = os.getloadavg()
            wall, rss, out, code = measured([CLI, "audit", "verify", "--json"], env)
            report = json.loads(out)
            if code != 0 or not report["ok"]:
                raise SystemExit(f"audit verify failed (exit {code}): {out}")
            runs.append((wall, rss))
            print(f"audit verify run {i}: {wall:.1f} s wall, peak RSS {rss:.0f} MiB, exit 0, {rows / wall:,.0f} rows/s; "
                  f"checked {report['checked']}; ok={report['ok']}; load average before "
                  f"{load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}", flush=True)
        walls, rsss = [r[0] for r in runs], [r[1] for r in runs]
        print(f"audit verify over {len(runs)} run(s): wall median {statistics.median(walls):.1f} s "
              f"(min {min(walls):.1f}, max {max(walls):.1f}); peak RSS median {statistics.median(rsss):.0f} MiB "
              f"(min {min(rsss):.0f}, max {max(rsss):.0f})")
        if a.keep:
            print(f"kept: {url}")
    finally:
        if not a.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
