"""The deadline sweep on PostgreSQL (issues 7 and 18): 100,000 due timers among 1,000,000 open cases,
fired one transaction per item (`--mode per-transition`, the handlers' way) and in batches (`--mode batch`,
one transaction per batch, a savepoint per case: workflows/engine/batch.py).

Run:  python bench/bench_sweep.py [--due 100000] [--open 1000000] [--workers 1,2] [--mode per-transition,batch]
      [--repeat 1] [--batch 500] [--no-memory] [--no-due-work] [--keep] [--profile] [--due-work-only]
      python bench/bench_sweep.py --quick          (2,000 due / 20,000 open: to try it out)
      --pg-url is the admin URL (default postgresql://postgres@127.0.0.1:5432/postgres).

Run on demand, never from pytest. What it does:

1. Fixture data. In a fresh database (`svc.deployment.init`), a handful of real evaluations are published
   through the real services at past instants (`workflows.clock.frozen_at`): TEMPLATES of them so that
   their 15-working-day `objection_window` is due at the sweep's `as_of`, TEMPLATES more published
   after `as_of`, so theirs is not. Their `cases` and `timers` rows are read back and cloned with
   psycopg 3 COPY: `--due` due and `--open` not-due open evaluations in all, spread over 1,000
   bulk-loaded subjects with valid identifiers (resident ID numbers and USCCs with their check
   characters). Clones start with `log_seq=0, chain_head=''` and no log rows: their first logged
   transition is the expiry. Then VACUUM ANALYZE. A second, smaller base database (same due cases,
   a tenth of the open ones) is built for the "time to find due work" comparison.
2. Every measured run works on `CREATE DATABASE run TEMPLATE base`, so each starts identical.
   Each worker is an OS process (multiprocessing, spawn) with its own `Services` and engine, calling
   `svc.sweep.run_once(as_of, batch)`; it reports its RSS before the sweep and its peak RSS
   (`ru_maxrss`) after. Wall time runs from the common start to the last worker's return (the
   sweep's daily audit checkpoint included; its time is shown separately). While the workers run,
   the parent samples `pg_stat_activity` of the run database to see what the backends wait on.
   Afterwards it checks: exactly `due` `window_expired` log rows, one per due case; every due timer
   fired; no not-due case or timer changed; every series' numbers run 1..last with no gap or duplicate;
   every due case's chain head is the hash of its last log row. Each (mode, workers) pair runs
   `--repeat` times (median, min and max reported), the modes interleaved.
3. Memory bounded by the batch: one worker on the first ~20 % of the due set (as_of earlier), and the
   same with batch 5,000, in the last mode given (`--no-memory` skips it).
4. Time to find due work: median of 20 `svc.sweep.due_work(as_of, 500)` calls on the big and the
   small base, and `EXPLAIN (ANALYZE, BUFFERS)` of the expiry query on both.

Prints a report (markdown) to paste into docs/benchmarks.md. Drops every database it created unless --keep.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from calendars import SHANGHAI

ADMIN = os.environ.get("CREDITFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEMPLATES = 20  # real evaluations per kind (due / not due), each published on its own working day
SUBJECTS = 1000
AS_OF = datetime(2026, 6, 1, 0, 0, tzinfo=SHANGHAI)  # after every due window, before every not-due one
DUE_FROM = date(2026, 1, 4)  # due templates published on the working days after this
OPEN_FROM = date(2026, 9, 1)  # not-due templates published on the working days after this
CASE_COLS = ("id", "kind", "declaration_version", "state", "version", "parent_id", "subject_id", "data", "is_final",
             "overdue", "log_seq", "chain_head", "opened_at", "updated_at")
TIMER_COLS = ("id", "case_id", "name", "status", "side", "on_expiry", "unit", "clock", "start_day", "last_day",
              "ends_at", "provisional", "calendar_version", "fired_at", "updated_at", "remind_at", "reminded_for")


def db_url(admin: str, name: str) -> str:
    return admin.rsplit("/", 1)[0] + "/" + name


def admin_exec(admin: str, sql: str, retries: int = 20):
    """Run one statement on the admin database (autocommit); retry while another session holds the
    template (autovacuum may touch it for a moment)."""
    for attempt in range(retries):
        try:
            with psycopg.connect(admin, autocommit=True) as c:
                cur = c.execute(sql)
                return cur.fetchall() if cur.description else None
        except psycopg.errors.ObjectInUse:
            if attempt == retries - 1:
                raise
            time.sleep(0.5)


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _cpu_s() -> float:
    """This process's CPU time (user + system), seconds."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _proc_cpu_s(pid: int) -> float | None:
    """A server backend's CPU time so far (user + system, from /proc: same machine), seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


# -- fixture data ------------------------------------------------------------------------------------------

def _services(url: str, home: Path):
    from workflows.services import Services
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    return Services(make_engine(url), Settings(home, url, None, True))


def _subject_identifier(i: int) -> tuple[str, str, str, str]:
    """(name, type, identifier kind, identifier) of bulk subject i: institutions (their windows run from
    publication, as the templates'), with valid check characters."""
    from states.identifiers import uscc_check_char, validate_uscc

    first17 = "12410100" + f"{i:09d}"
    return f"郑州市第{i}人民医院", "hospital", "uscc", validate_uscc(first17 + uscc_check_char(first17))


def _due_mask(i: int, total: int, n_due: int) -> bool:
    """Due or not, interleaved over the id range (a permutation of 0..total-1, so exactly n_due are due)."""
    return (i * 7919) % total < n_due


def build_base(admin: str, name: str, n_due: int, n_open: int, home: Path, log) -> dict:
    """Create, migrate and load one base database; its facts."""
    admin_exec(admin, f'CREATE DATABASE "{name}"')
    url = db_url(admin, name)
    t0 = time.perf_counter()
    svc = _services(url, home)
    svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                        court="郑州铁路运输法院")
    svc.deployment.add_user("alice", ["handler"])
    from workflows.clock import frozen_at

    cal = svc.engine.calendar
    templates = {"due": [], "open": []}
    for kind, start in (("due", DUE_FROM), ("open", OPEN_FROM)):
        for k in range(TEMPLATES):
            day = cal.nth_working_day_after(start, k + 1)
            from workflows.demo import demo_uscc

            # A pharmacy: its objection window runs from publication (a person's from service of the result).
            sid = svc.deployment.add_subject(f"样本药店{kind}{k}", "pharmacy",
                                             demo_uscc("92", f"{k + (0 if kind == 'due' else TEMPLATES):08d}"), None)["id"]
            with frozen_at(datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=SHANGHAI)):
                templates[kind].append(svc.cases.open("evaluation", "alice", {"year": 2025, "score": str(60 + k)},
                                                       subject=str(sid))["case_id"])
    svc.db.dispose()

    with psycopg.connect(url, row_factory=dict_row) as conn:
        t_rows = {r["id"]: r for r in conn.execute("SELECT * FROM cases ORDER BY id")}
        tm_rows = {r["case_id"]: r for r in conn.execute("SELECT * FROM timers ORDER BY id")}
        for kind, ids in templates.items():
            for cid in ids:
                ends = tm_rows[cid]["ends_at"]
                assert (ends <= AS_OF) == (kind == "due"), (kind, cid, ends)
        case_id0 = conn.execute("SELECT max(id) AS m FROM cases").fetchone()["m"]
        timer_id0 = conn.execute("SELECT max(id) AS m FROM timers").fetchone()["m"]
        subject_id0 = conn.execute("SELECT max(id) AS m FROM subjects").fetchone()["m"]
        created = datetime(2026, 1, 4, 9, tzinfo=SHANGHAI)
        with conn.cursor() as cur:
            with cur.copy("COPY subjects (id, name, subject_type, identifier_kind, identifier, created_at) FROM STDIN") as cp:
                for i in range(SUBJECTS):
                    cp.write_row((subject_id0 + 1 + i, *_subject_identifier(i), created))
            clones_due, clones_open = n_due - TEMPLATES, n_open - TEMPLATES
            total = clones_due + clones_open
            plan = [_due_mask(i, total, clones_due) for i in range(total)]
            counters = {True: 0, False: 0}

            def template_of(i):
                due = plan[i]
                k = counters[due]
                counters[due] += 1
                return (templates["due"] if due else templates["open"])[k % TEMPLATES]

            which = [template_of(i) for i in range(total)]
            with cur.copy(f"COPY cases ({', '.join(CASE_COLS)}) FROM STDIN") as cp:
                for i in range(total):
                    t = t_rows[which[i]]
                    row = dict(t, id=case_id0 + 1 + i, subject_id=subject_id0 + 1 + i % SUBJECTS, log_seq=0,
                               chain_head="", data=json.dumps(t["data"], ensure_ascii=False))
                    cp.write_row([row[c] for c in CASE_COLS])
            with cur.copy(f"COPY timers ({', '.join(TIMER_COLS)}) FROM STDIN") as cp:
                for i in range(total):
                    t = tm_rows[which[i]]
                    row = dict(t, id=timer_id0 + 1 + i, case_id=case_id0 + 1 + i,
                               clock=json.dumps(t["clock"], ensure_ascii=False))
                    cp.write_row([row[c] for c in TIMER_COLS])
            for table in ("subjects", "cases", "timers"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        counts = conn.execute(
            "SELECT count(*) FILTER (WHERE ends_at <= %(a)s), count(*) FILTER (WHERE ends_at > %(a)s) "
            "FROM timers WHERE status = 'running'", {"a": AS_OF}).fetchone()
    assert counts == (n_due, n_open), counts
    load_s = time.perf_counter() - t0
    log(f"base {name}: {n_due:,} due + {n_open:,} not-due open evaluations, {size}, built in {load_s:.0f} s")
    return {"name": name, "url": url, "due": n_due, "open": n_open, "size": size, "load_s": load_s}


# -- the workers -----------------------------------------------------------------------------------------------

def worker(url: str, as_of: datetime, batch: int, home: str, ready, start, results, mode: str = "batch") -> None:
    """One sweeper process: build its Services, warm up, wait for the common start, sweep, report."""
    svc = _services(url, Path(home))
    svc.engine.calendar.nth_working_day_after(date(2026, 1, 5), 1)  # build the calendar index
    svc.sweep.due_work(as_of, 1)  # connect, compile the due-work statements
    timing = {}
    real_checkpoint = svc.audit.daily_checkpoint

    def timed_checkpoint():  # the sweep's closing audit checkpoint, timed (same call)
        timing["checkpoint_start"] = time.monotonic()
        out = real_checkpoint()
        timing["checkpoint_s"] = time.monotonic() - timing["checkpoint_start"]
        return out

    svc.audit.daily_checkpoint = timed_checkpoint  # the sweep calls it through its audit service
    before = {"rss_before_kib": rss_kib(), "maxrss_before_kib": maxrss_kib()}
    ready.put(os.getpid())
    start.wait()
    t0, cpu0 = time.monotonic(), _cpu_s()
    out = svc.sweep.run_once(as_of, batch=batch, mode=mode)
    t1, cpu1 = time.monotonic(), _cpu_s()
    results.put({"pid": os.getpid(), "t0": t0, "t1": t1, "counts": out["counts"], "cpu_s": cpu1 - cpu0,
                 "checkpoint": out["checkpoint"] is not None, **before, "peak_kib": maxrss_kib(),
                 "rss_after_kib": rss_kib(), **timing})
    svc.db.dispose()


def _sample_waits(url: str, dbname: str, stop: threading.Event, out: dict) -> None:
    """What the run database's backends are doing, sampled every 0.2 s."""
    cpu = out.setdefault("_cpu", {})  # backend pid -> (CPU seconds when first seen, latest)
    with psycopg.connect(url, autocommit=True) as c:
        while not stop.is_set():
            for pid, state, wtype, wevent in c.execute(
                    "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'", (dbname,)):
                key = f"{state}:{wtype or '-'}:{wevent or '-'}"
                out[key] = out.get(key, 0) + 1
                now_cpu = _proc_cpu_s(pid)
                if now_cpu is not None:
                    cpu[pid] = (cpu[pid][0] if pid in cpu else now_cpu, now_cpu)
            out["_samples"] = out.get("_samples", 0) + 1
            stop.wait(0.2)


def run_sweep(admin: str, base: dict, tag: str, as_of: datetime, workers: int, batch: int, home: Path, created: list,
              log, profile: str | None = None, mode: str = "batch") -> dict:
    name = f"{base['name']}_{tag}"
    created.append(name)
    admin_exec(admin, f'CREATE DATABASE "{name}" TEMPLATE "{base["name"]}"')
    url = db_url(admin, name)
    with psycopg.connect(url) as c:
        due = c.execute("SELECT count(*) FROM timers WHERE status = 'running' AND ends_at <= %s", (as_of,)).fetchone()[0]
        # (a D grade's expiry opens a record and an interview case, with timers not due: not counted here)
        max_case = c.execute("SELECT max(id) FROM cases").fetchone()[0]
        nd_before = c.execute(
            "SELECT count(*), sum(c.version), sum(c.log_seq) FROM cases c JOIN timers t ON t.case_id = c.id "
            "WHERE t.ends_at > %s AND t.status = 'running' AND c.id <= %s", (as_of, max_case)).fetchone()
    ctx = mp.get_context("spawn")
    ready, results, start = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=worker, args=(url, as_of, batch, str(home), ready, start, results, mode))
             for _ in range(workers)]
    for p in procs:
        p.start()
    pids = [ready.get(timeout=120) for _ in procs]
    waits, stop = {}, threading.Event()
    sampler = threading.Thread(target=_sample_waits, args=(admin, name, stop, waits), daemon=True)
    spy = None
    if profile:
        spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--idle", "--nonblocking", "-r", "100",
                                "-d", "30", "-f", "raw", "-o", profile, "-p", str(pids[0])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0)  # let py-spy attach before the start
    recorded_from = datetime.now(SHANGHAI)
    sampler.start()
    t_start = time.monotonic()
    start.set()
    reports = [results.get(timeout=7200) for _ in procs]
    wall = max(r["t1"] for r in reports) - t_start
    for p in procs:
        p.join()
    stop.set()
    sampler.join()
    if spy is not None:
        spy.wait(timeout=120)
    fired = sum(r["counts"]["fired"] for r in reports)
    last_fire = max(r.get("checkpoint_start", r["t1"]) for r in reports) - t_start
    checkpoint_s = max(r.get("checkpoint_s", 0.0) for r in reports if r["checkpoint"]) if any(
        r["checkpoint"] for r in reports) else 0.0
    with psycopg.connect(url) as c:
        log_rows, log_cases = c.execute(
            "SELECT count(*), count(DISTINCT case_id) FROM transitions WHERE trigger = 'window_expired'").fetchone()
        per_case_max = c.execute("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM transitions "
                                 "WHERE trigger = 'window_expired' GROUP BY case_id) x").fetchone()[0]
        due_left = c.execute("SELECT count(*) FROM timers WHERE status = 'running' AND ends_at <= %s",
                             (as_of,)).fetchone()[0]
        fired_timers = c.execute("SELECT count(*) FROM timers WHERE status = 'fired'").fetchone()[0]
        final_cases = c.execute("SELECT count(*) FROM cases c JOIN timers t ON t.case_id = c.id WHERE t.ends_at <= %s "
                                "AND c.state = 'final' AND c.log_seq >= 1", (as_of,)).fetchone()[0]
        nd_after = c.execute(
            "SELECT count(*), sum(c.version), sum(c.log_seq) FROM cases c JOIN timers t ON t.case_id = c.id "
            "WHERE t.ends_at > %s AND t.status = 'running' AND c.id <= %s", (as_of, max_case)).fetchone()
        nd_logged = c.execute("SELECT count(*) FROM transitions tr JOIN timers t ON t.case_id = tr.case_id "
                              "WHERE t.ends_at > %s AND tr.recorded_at >= %s AND tr.case_id <= %s",
                              (as_of, recorded_from, max_case)).fetchone()[0]
        # never backdated: the notices are dated the day they are produced, so after the run started
        notices = c.execute("SELECT count(*) FROM notices WHERE issued_at >= %s AND title = '信用评价结果确定通知书'",
                            (recorded_from,)).fetchone()[0]
        transitions_all = c.execute("SELECT count(*) FROM transitions WHERE recorded_at >= %s",
                                    (recorded_from,)).fetchone()[0]
        incidents = c.execute("SELECT count(*) FROM incidents").fetchone()[0]
        numbering_bad = c.execute(
            "SELECT count(*) FROM number_sequences s LEFT JOIN (SELECT department, series, year, count(*) AS n, "
            "count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM notices GROUP BY 1, 2, 3) x "
            "USING (department, series, year) WHERE NOT (x.n = s.last AND x.d = s.last AND x.lo = 1 AND x.hi = s.last)"
        ).fetchone()[0]
        heads_bad = c.execute(
            "SELECT count(*) FROM cases c JOIN timers t ON t.case_id = c.id AND t.ends_at <= %s "
            "LEFT JOIN transitions tr ON tr.case_id = c.id AND tr.seq = c.log_seq "
            "WHERE tr.hash IS DISTINCT FROM c.chain_head", (as_of,)).fetchone()[0]
    checks = {
        "window_expired_rows": log_rows == due, "one_per_due_case": log_cases == due and per_case_max == 1,
        "no_due_timer_left": due_left == 0 and fired_timers == due, "due_cases_final": final_cases == due,
        "not_due_unchanged": nd_after == nd_before and nd_logged == 0, "fired_count": fired == due,
        "notices": notices == due, "no_incidents": incidents == 0,
        "numbers_gapless": numbering_bad == 0, "chain_heads": heads_bad == 0,
    }
    client_cpu = sum(r["cpu_s"] for r in reports)
    server_cpu = sum(b - a for a, b in waits.get("_cpu", {}).values())  # from the first sample on (after start)
    res = {"tag": tag, "mode": mode, "client_cpu_s": client_cpu, "server_cpu_s": server_cpu, "base": base["name"], "workers": workers, "batch": batch, "due": due, "open": base["open"],
           "fired": fired, "wall_s": wall, "last_fire_s": last_fire, "checkpoint_s": checkpoint_s,
           "rate": fired / last_fire, "reports": reports, "checks": checks, "ok": all(checks.values()),
           "log_rows": log_rows, "waits": waits, "not_due": nd_before[0], "transitions": transitions_all}
    log(f"run {tag}: {mode}, {workers} worker(s), batch {batch}, due {due:,}: fired {fired:,} in {last_fire:.1f} s "
        f"({fired / last_fire:,.0f}/s), wall incl. checkpoint {wall:.1f} s (checkpoint {checkpoint_s:.1f} s); "
        + "; ".join(f"pid {r['pid']}: fired {r['counts']['fired']:,}, RSS before {r['rss_before_kib'] / 1024:.0f} MiB, "
                    f"peak {r['peak_kib'] / 1024:.0f} MiB" for r in reports)
        + f"; CPU client {client_cpu:.1f} s, server {server_cpu:.1f} s"
        + f"; {transitions_all:,} transitions in all; checks {'ok' if res['ok'] else checks}")
    return res


# -- finding due work --------------------------------------------------------------------------------------------

def time_due_work(base: dict, as_of: datetime, home: Path, calls: int = 20) -> dict:
    from sqlalchemy import event

    from workflows import clock
    from workflows.store.sweep_repo import due_queries

    svc = _services(base["url"], home)
    svc.sweep.due_work(as_of, 500)  # warm: connection, statement cache, buffers
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        items = svc.sweep.due_work(as_of, 500)
        times.append(time.perf_counter() - t0)
    assert len(items) == 500, len(items)
    plans = {}
    with svc.db.connect() as conn:
        expiries, reminders = due_queries(as_of, clock.real_now(), 500)
        seen = []

        def capture(conn_, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", capture)
        try:
            for label, stmt in (("expiries", expiries), ("reminders", reminders)):
                conn.execute(stmt).all()  # the statement and parameters exactly as the sweep sends them
                statement, parameters = seen[-1]
                cur = conn.connection.driver_connection.cursor()
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plans[label] = "\n".join(r[0] for r in cur.fetchall())
        finally:
            event.remove(conn, "before_cursor_execute", capture)
    svc.db.dispose()
    return {"base": base["name"], "open": base["open"], "due": base["due"], "median_ms": statistics.median(times) * 1000,
            "min_ms": min(times) * 1000, "max_ms": max(times) * 1000, "plans": plans}


# -- profile summary ------------------------------------------------------------------------------------------------

def summarise_profile(path: str, top: int = 40) -> list[tuple[str, float, float]]:
    """py-spy raw (collapsed) stacks -> [(frame, inclusive %, self %)] for the busiest frames."""
    incl, selfs, total = {}, {}, 0
    for line in Path(path).read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue  # a fragment: a frame's text (a local's value shown by py-spy) may hold a line break
        n = int(n)
        frames = stack.split(";")
        if not any(f.startswith("SweepService.run_once ") for f in frames):
            continue  # the sweeping thread only (not the queue feeder, not the wait before or after)
        total += n
        for f in set(frames):
            incl[f] = incl.get(f, 0) + n
        selfs[frames[-1]] = selfs.get(frames[-1], 0) + n
    rows = sorted(incl.items(), key=lambda kv: -kv[1])
    return [(f, 100 * n / total, 100 * selfs.get(f, 0) / total) for f, n in rows[:top]], \
        sorted(((f, 100 * n / total) for f, n in selfs.items()), key=lambda kv: -kv[1])[:top], total


# -- main ---------------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg-url", default=ADMIN, help="admin URL (a database you may CREATE DATABASE from)")
    ap.add_argument("--due", type=int, default=100_000)
    ap.add_argument("--open", type=int, default=1_000_000, help="not-due open cases (besides the due ones)")
    ap.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--mode", default="per-transition,batch",
                    help="sweep modes to measure, in order: per-transition (one transaction per item), batch")
    ap.add_argument("--repeat", type=int, default=1, help="runs per (mode, workers), interleaved")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory check on the smaller set")
    ap.add_argument("--no-due-work", action="store_true", help="skip timing the due-work query")
    ap.add_argument("--small-fraction", type=float, default=0.2,
                    help="the memory check's smaller set: this fraction of --due (default 20 %%)")
    ap.add_argument("--profile", action="store_true", help="py-spy the 1-worker run's sweeper for 30 s")
    ap.add_argument("--quick", action="store_true", help="2,000 due / 20,000 open, to try it out")
    ap.add_argument("--keep", action="store_true", help="keep the databases (names printed)")
    ap.add_argument("--due-work-only", action="store_true",
                    help="build the bases and time the due-work query only (no sweep runs)")
    a = ap.parse_args()
    if a.quick:
        a.due, a.open = 2_000, 20_000
    worker_counts = [] if a.due_work_only else [int(w) for w in a.workers.split(",") if w]
    modes = [m for m in a.mode.split(",") if m]
    from workflows.services.sweep import MODES

    if any(m not in MODES for m in modes):
        ap.error(f"--mode: one or more of {', '.join(MODES)}")
    admin = a.pg_url
    prefix = f"cf_sweep_{uuid.uuid4().hex[:6]}"
    created: list[str] = []
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {msg}", file=sys.stderr, flush=True)

    pg_version = admin_exec(admin, "SELECT version()")[0][0].split(" on ")[0]
    pg_settings = dict(admin_exec(admin, "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
                                         "('shared_buffers', 'synchronous_commit', 'fsync', 'work_mem')"))
    load_before = os.getloadavg()
    runs, due_timing = [], []
    profile_path = None
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        try:
            created.append(f"{prefix}_big")
            big = build_base(admin, f"{prefix}_big", a.due, a.open, home, log)
            small = None
            if not a.no_due_work:
                created.append(f"{prefix}_small")
                small = build_base(admin, f"{prefix}_small", a.due, max(a.open // 10, TEMPLATES + 1), home, log)
                for base in (small, big):
                    due_timing.append(time_due_work(base, AS_OF, home))
                    log(f"due_work on {base['name']} ({base['open']:,} open): median {due_timing[-1]['median_ms']:.2f} ms")

            def measure(tag, as_of, w, batch, mode, profile=None):
                runs.append(run_sweep(admin, big, tag, as_of, w, batch, home, created, log, profile=profile, mode=mode))
                if not a.keep:  # one run database at a time on disk
                    admin_exec(admin, f'DROP DATABASE IF EXISTS "{big["name"]}_{tag}" WITH (FORCE)')
                    created.remove(f"{big['name']}_{tag}")

            for i in range(a.repeat):
                for w in worker_counts:
                    for mode in modes:
                        profiled = a.profile and w == 1 and i == 0 and mode == modes[-1]
                        if profiled:
                            profile_path = str(home / "sweep.pyspy.txt")
                        measure(f"{mode.replace('-', '')[:5]}_w{w}_r{i + 1}", AS_OF, w, a.batch, mode,
                                profile=profile_path if profiled else None)
                        if profiled:
                            prof = summarise_profile(profile_path)
            if not a.due_work_only and not a.no_memory:
                # memory bounded by the batch: a smaller set (as_of earlier), batch 500 and 5,000
                target = max(int(a.due * a.small_fraction), 1)
                with psycopg.connect(big["url"]) as c:
                    small_as_of = c.execute("SELECT ends_at FROM timers WHERE status = 'running' ORDER BY ends_at, id "
                                            "OFFSET %s LIMIT 1", (target - 1,)).fetchone()[0]
                for batch in (a.batch, a.batch * 10):
                    measure(f"s{batch}", small_as_of, 1, batch, modes[-1])
        finally:
            if not a.keep:
                for name in created:
                    admin_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                log(f"dropped {len(created)} databases")
            else:
                log(f"kept: {', '.join(created)}")
        load_after = os.getloadavg()

        # -- the report ----------------------------------------------------------------------------------
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}, "
              f"{pg_version} on the same machine ({', '.join(f'{k}={v}' for k, v in sorted(pg_settings.items()))})")
        print(f"load average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}; "
              f"after: {' '.join(f'{x:.2f}' for x in load_after)}")
        for b in [x for x in (big, small) if x is not None]:
            print(f"base {b['name'].split('_')[-1]}: {b['due']:,} due + {b['open']:,} not-due open evaluations "
                  f"(bulk-loaded clones of {2 * TEMPLATES} real ones), {b['size']}, built in {b['load_s']:.0f} s")
        print(f"as_of {AS_OF.isoformat()}; total {time.perf_counter() - started:.0f} s")
        print()
        print("| run | mode | due | workers | batch | fired | transitions | time to last fire | transitions/s | wall incl. checkpoint "
              "| RSS before (MiB) | peak RSS (MiB) | growth (MiB) | checks |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in runs:
            before = " / ".join(f"{x['rss_before_kib'] / 1024:.0f}" for x in r["reports"])
            peak = " / ".join(f"{x['peak_kib'] / 1024:.0f}" for x in r["reports"])
            growth = " / ".join(f"{(x['peak_kib'] - x['rss_before_kib']) / 1024:.1f}" for x in r["reports"])
            checks = "ok" if r["ok"] else ", ".join(k for k, v in r["checks"].items() if not v)
            split = " + ".join(f"{x['counts']['fired']:,}" for x in r["reports"])
            print(f"| {r['tag']} | {r['mode']} | {r['due']:,} | {r['workers']} | {r['batch']:,} | {r['fired']:,} "
                  f"({split}) | {r['transitions']:,} | {r['last_fire_s']:.1f} s "
                  f"| {r['rate']:,.0f} | {r['wall_s']:.1f} s (checkpoint {r['checkpoint_s']:.1f} s) | {before} | {peak} "
                  f"| {growth} | {checks} |")
        groups = {}
        for r in runs:
            if not r["tag"].startswith("s"):  # the memory check's runs aside
                groups.setdefault((r["mode"], r["workers"]), []).append(r["last_fire_s"])
        print()
        print(f"| mode | workers | runs | time to last fire: median | min | max | fired/s at the median |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for (mode, w), times in groups.items():
            med = statistics.median(times)
            print(f"| {mode} | {w} | {len(times)} | {med:.1f} s | {min(times):.1f} s | {max(times):.1f} s "
                  f"| {a.due / med:,.0f} |")
        print()
        print("CPU per 1,000 fired (client: the sweepers' own user+system time; server: their PostgreSQL backends', "
              "from /proc, sampled every 0.2 s), and what that CPU would allow on the machine's cores were nothing "
              "else running (cores / CPU per fired; a bound, not a measurement):")
        print("| run | mode | workers | client CPU s / 1,000 | server CPU s / 1,000 | bound on all cores (fired/s) |")
        print("|---|---|---:|---:|---:|---:|")
        for r in runs:
            per = (r["client_cpu_s"] + r["server_cpu_s"]) / r["fired"] if r["fired"] else 0
            print(f"| {r['tag']} | {r['mode']} | {r['workers']} | {1000 * r['client_cpu_s'] / max(r['fired'], 1):.2f} "
                  f"| {1000 * r['server_cpu_s'] / max(r['fired'], 1):.2f} | {os.cpu_count() / per if per else 0:,.0f} |")
        print()
        print("backend samples (pg_stat_activity every 0.2 s, state:wait type:wait event, share of samples x backends):")
        for r in runs:
            n = r["waits"].get("_samples", 1)
            top = sorted(((k, v) for k, v in r["waits"].items() if not k.startswith("_")), key=lambda kv: -kv[1])[:6]
            print(f"  {r['tag']}: " + ", ".join(f"{k} {v / n:.2f}" for k, v in top))
        print()
        print("| base | open (not due) | due | `svc.sweep.due_work(as_of, 500)` median of 20 | min | max |")
        print("|---|---:|---:|---:|---:|---:|")
        for d in due_timing:
            print(f"| {d['base'].split('_')[-1]} | {d['open']:,} | {d['due']:,} | {d['median_ms']:.2f} ms "
                  f"| {d['min_ms']:.2f} ms | {d['max_ms']:.2f} ms |")
        for d in due_timing:
            print(f"\nEXPLAIN (ANALYZE, BUFFERS), expiry query, base {d['base'].split('_')[-1]} ({d['open']:,} open):")
            print(d["plans"]["expiries"])
            print(f"reminder query:\n{d['plans']['reminders']}")
        if profile_path:
            incl, selfs, total = prof
            print(f"\npy-spy (--idle --nonblocking, 100 Hz, 30 s, 1 worker; {total} samples): inclusive")
            for f, pi, ps in incl:
                print(f"  {pi:5.1f} %  {f}")
            print("self:")
            for f, ps in selfs:
                print(f"  {ps:5.1f} %  {f}")
        if not all(r["ok"] for r in runs):
            sys.exit(1)


if __name__ == "__main__":
    main()
