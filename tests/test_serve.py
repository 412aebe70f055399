"""`creditflow serve` as the operator runs it: a subprocess on a temporary SQLite home that starts its
own Prefect server, catches up at start-up, fires a timer that falls due while it serves, and stops
everything it started on SIGINT."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import HOSPITAL_USCC, PERSON_ID

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]
WAIT = 240  # seconds: a bound on each wait, never an expectation of speed


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def home(tmp_path):
    from workflows.prefect_server import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "CREDITFLOW_DATABASE_URL"}
    env.update({"CREDITFLOW_HOME": str(tmp_path), "CREDITFLOW_ALLOW_CLOCK_OVERRIDE": "1",
                "CREDITFLOW_SWEEP_INTERVAL": "2", "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"})

    def cf(*args, now=None):
        argv = (["--now", now] if now else []) + list(args) + ["--json"]
        r = subprocess.run(CLI + argv, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        return json.loads(r.stdout)

    cf.env, cf.path, cf.port, cf.web_port = env, tmp_path, free_port(), free_port()  # never 8000: tests run side by side
    return cf


def _window(cf, case_id: int) -> dict:
    return next(t for t in cf("case", "show", str(case_id))["timers"] if t["name"] == "objection_window")


def _wait_fired(cf, case_id: int, serve: subprocess.Popen, out: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if _window(cf, case_id)["status"] == "fired":
            return
        assert serve.poll() is None, f"serve exited early:\n{out.read_text(errors='replace')[-4000:]}"
        time.sleep(1)
    pytest.fail(f"case {case_id}'s window never fired; serve said:\n{out.read_text(errors='replace')[-4000:]}")


def _wait_for(out: Path, text: str, serve: subprocess.Popen) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        log = out.read_text(encoding="utf-8", errors="replace")
        if text in log:
            return log
        assert serve.poll() is None, f"serve exited early:\n{log[-4000:]}"
        time.sleep(0.5)
    pytest.fail(f"serve never said {text!r}:\n{out.read_text(errors='replace')[-4000:]}")


@pytest.mark.slow
def test_serve_catches_up_fires_a_timer_that_falls_due_and_stops_its_children(home):
    cf = home
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cf("user", "add", "alice", "--role", "handler")
    hospital = cf("subject", "add", "--name", "郑州市示例医院", "--type", "hospital", "--uscc", HOSPITAL_USCC)["id"]
    person = cf("subject", "add", "--name", "张三", "--type", "insured", "--id-number", PERSON_ID)["id"]
    # Due while the service was down: the start-up sweep catches up.
    before = cf("evaluation", "publish", "--subject", str(hospital), "--year", "2025", "--score", "78.5",
                "--as", "alice", now="2026-01-05T09:00:00+08:00")["case_id"]

    out = cf.path / "serve.out"
    server_pid = None
    with out.open("wb") as sink:
        serve = subprocess.Popen(CLI + ["serve", "--port", str(cf.port), "--no-ui", "--web-port", str(cf.web_port)],
                                 env=cf.env, cwd=cf.path,
                                 stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        log = _wait_for(out, "Prefect 服务已启动", serve)
        server_pid = int(re.search(r"Prefect 服务已启动：\S+（进程 (\d+)）", log).group(1))
        assert _alive(server_pid)
        log = _wait_for(out, "定时处理已启动", serve)  # after the start-up sweep
        assert _window(cf, before)["status"] == "fired"
        assert (cf.path / "prefect" / "prefect.db").exists()  # Prefect's own SQLite under CREDITFLOW_HOME
        assert f"网页服务已启动：http://127.0.0.1:{cf.web_port}" in log
        with urllib.request.urlopen(f"http://127.0.0.1:{cf.web_port}/login", timeout=30) as page:  # the web beside it
            assert page.status == 200 and "登录" in page.read().decode("utf-8")

        # Falls due while serving: published now with a past clock, its window long over.
        # A person's D result is published (Henan measure Art. 29), so its window runs from publication.
        during = cf("evaluation", "publish", "--subject", str(person), "--year", "2025", "--score", "65",
                    "--as", "alice", now="2026-01-05T09:00:00+08:00")["case_id"]
        # (not checked as "running" here: under load the served flow's next sweep may come before the next command)
        assert _window(cf, during)["status"] in ("running", "fired")
        _wait_fired(cf, during, serve, out)
        for case_id in (before, during):
            entries = cf("audit", "log", str(case_id))["entries"]
            assert [e["trigger"] for e in entries].count("window_expired") == 1
            assert cf("case", "show", str(case_id))["state"] == "final"

        serve.send_signal(signal.SIGINT)
        code = serve.wait(timeout=120)
        text = out.read_text(encoding="utf-8", errors="replace")
        assert code == 0, text[-4000:]
        assert "Prefect 服务已停止" in text and "网页服务已停止" in text
        with pytest.raises(OSError):  # the web app stopped with it
            urllib.request.urlopen(f"http://127.0.0.1:{cf.web_port}/login", timeout=5)
        assert not _alive(server_pid)
        assert _group_members(serve.pid) == []  # no flow-run process left behind
        from workflows.prefect_server import api_healthy

        assert not api_healthy(f"http://127.0.0.1:{cf.port}/api", timeout=1)
    finally:
        _kill_group(serve.pid)
        if server_pid is not None and _alive(server_pid):
            _kill_group(server_pid)
        serve.wait(timeout=30)


def test_serve_refuses_a_prefect_api_that_does_not_answer(home):
    from workflows.prefect_server import free_port

    cf = home
    cf("init")
    env = {**cf.env, "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    r = subprocess.run(CLI + ["serve", "--web-port", str(cf.web_port)], capture_output=True, text=True, env=env,
                       timeout=120, cwd=cf.path)
    assert r.returncode == 2, r.stderr
    assert "does not answer" in r.stderr
    assert not (cf.path / "prefect" / "prefect.db").exists()


def test_serve_refuses_a_clock_override(home):
    cf = home
    cf("init")
    r = subprocess.run(CLI + ["--now", "2026-01-05T09:00:00+08:00", "serve"], capture_output=True, text=True,
                       env=cf.env, timeout=120, cwd=cf.path)
    assert r.returncode == 2 and "real clock" in r.stderr


def test_serve_and_deploy_are_registered_without_importing_prefect():
    code = ("import sys; from workflows.cli import main\n"
            "for argv in (['serve', '--help'], ['deploy', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit: pass\n"
            "print([m for m in ('prefect', 'sqlalchemy') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "--demo" in r.stdout and "--pool" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_deploy_needs_a_prefect_server(home):
    from workflows.prefect_server import free_port

    cf = home
    r = subprocess.run(CLI + ["deploy", "--pool", "p", "--json"], capture_output=True, text=True, env=cf.env,
                       timeout=120, cwd=cf.path)
    assert r.returncode == 2 and "PREFECT_API_URL is not set" in json.loads(r.stdout)["error"]["message"]
    env = {**cf.env, "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    r = subprocess.run(CLI + ["deploy", "--pool", "p"], capture_output=True, text=True, env=env, timeout=120,
                       cwd=cf.path)
    assert r.returncode == 2 and "does not answer" in r.stderr
