"""`creditflow serve` (one machine: the clocks served by Prefect) and `creditflow deploy` (a work pool).

`serve` runs everything on the embedded SQLite default with nothing else to install:

1. (``--demo``) fills an empty database with a demo bureau;
2. recomputes the deadlines that counted a provisional calendar year (``svc.sweep.recompute_deadlines``);
3. starts Prefect's own server as a child process on SQLite under ``$CREDITFLOW_HOME/prefect/``,
   unless ``PREFECT_API_URL`` names a running one;
4. sweeps once at once, so a restarted service catches up before anything else (the scheduled runs
   it missed while down are dropped: this sweep covers them);
5. starts the web app (pages and /api, uvicorn in a thread of this process) on ``--web-port`` (default
   8000, http://127.0.0.1:8000) unless ``--no-web``;
6. serves the sweep every ``CREDITFLOW_SWEEP_INTERVAL`` seconds (default 60) and the audit checkpoint
   daily at 00:05 Asia/Shanghai, until SIGINT or SIGTERM; then it stops the served flows, the web app and,
   last, its Prefect server (SIGINT, then SIGKILL to its process group after a grace period).

Prefect is imported only inside these commands (about a second), after its settings are in the
environment.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated, Optional

import typer

from .cases import JsonOpt, svc
from .output import emit


def _say(message: str) -> None:
    typer.echo(message)


def _interrupt(signum, frame):  # SIGTERM before Prefect's runner installs its own handler: as Ctrl-C
    raise KeyboardInterrupt


def serve(
    port: Annotated[int, typer.Option("--port", help="Port of the Prefect server started for the clocks "
                                                     "(not used when PREFECT_API_URL names a running one).")] = 4200,
    demo: Annotated[bool, typer.Option("--demo", help="Fill an empty database with a demo bureau first.")] = False,
    ui: Annotated[bool, typer.Option("--ui/--no-ui", help="Serve Prefect's dashboard with its server.")] = True,
    web_port: Annotated[int, typer.Option("--web-port", help="Port of the web app (pages and /api).")] = 8000,
    web: Annotated[bool, typer.Option("--web/--no-web", help="Run the web app beside the sweep.")] = True,
):
    """Run the clocks on this machine: Prefect's server (child process) and the served sweep, until Ctrl-C."""
    from .. import clock
    from ..errors import BadInput, Unavailable
    from ..prefect_server import PrefectServer, api_healthy
    from ..settings import load_settings

    if clock.overridden():
        raise BadInput("serve runs on the real clock; --now is for one-off commands "
                       "(catch up to an instant with `creditflow sweep --as-of`)")
    settings = load_settings()
    services = svc()  # refuses a database that `creditflow init` has not prepared
    prefect_home = settings.home / "prefect"
    # Prefect reads its settings when it is first imported: put them in the environment before.
    os.environ.setdefault("PREFECT_HOME", str(prefect_home))
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", str(min(10, settings.sweep_interval)))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # A service stops on SIGINT even when started from a shell that ignores it (`cmd &` in a script),
    # and on SIGTERM before Prefect's runner takes SIGTERM over (its handler stops it gracefully too).
    previous_sigint = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
    server = None
    web_app = None
    try:
        if web:  # a taken port is refused before anything starts
            from ..web.server import DEFAULT_HOST, check_port_free

            check_port_free(DEFAULT_HOST, web_port)
            services.accounts.session_key()  # an older store without the key: run init first
        if demo:
            _fill_demo(services)
        recomputed = services.sweep.recompute_deadlines()
        _say(f"暂定期限已按当前日历重新核算：最后一日变更 {len(recomputed['moved'])} 件，转为确定 "
             f"{len(recomputed['confirmed'])} 件，未变 {recomputed['unchanged']} 件，失败 {len(recomputed['failed'])} 件")
        services.db.dispose()

        api_url = os.environ.get("PREFECT_API_URL")
        if api_url:
            if not api_healthy(api_url):
                raise BadInput(f"PREFECT_API_URL={api_url} does not answer; start that Prefect server, "
                               "or unset PREFECT_API_URL and serve starts its own")
            _say(f"使用已运行的 Prefect 服务：{api_url}")
        else:
            server = PrefectServer(home=prefect_home, port=port, ui=ui)
            _say(f"正在启动 Prefect 服务（端口 {port}，日志 {server.log_path}）……")
            api_url = server.start()
            os.environ["PREFECT_API_URL"] = api_url
            _say(f"Prefect 服务已启动：{api_url}（进程 {server.pid}）")

        if web:
            from ..services import Services
            from ..web.server import WebThread

            web_app = WebThread(Services.from_settings(settings), DEFAULT_HOST, web_port)
            _say(f"网页服务已启动：{web_app.start()}")
            if demo:
                from ..demo import DEMO_PASSWORD, USERS

                _say("演示用户登录（用户名 / 口令）：" + "；".join(
                    f"{name} / {DEMO_PASSWORD.format(name=name)}（{post}）" for name, _, _, post in USERS))

        from prefect import serve as prefect_serve

        from ..deploy import drop_missed_runs, served_deployments
        from ..flows import sweep_deadlines

        deployments = served_deployments(settings.sweep_interval)
        dropped = drop_missed_runs([f"{d.flow_name}/{d.name}" for d in deployments])
        if dropped:
            _say(f"停机期间错过的定时运行 {dropped} 次，由启动时的一次扫描补上")
        swept = sweep_deadlines(return_state=True)
        if swept.is_failed():
            raise Unavailable(swept.message or "启动扫描失败")
        summary = swept.result()
        _say(f"启动扫描（截至 {summary['as_of']}）：到期处理 {summary['fired']} 件，失败 {summary['failed']} 件，"
             f"提醒 {summary['reminded']} 件，异常记录 {summary['incidents']} 件")
        _say(f"定时处理已启动：每 {settings.sweep_interval} 秒扫描到期事项，每日 00:05（北京时间）写审计检查点；"
             "按 Ctrl-C 停止")
        # One run at a time: a sweep that outlasts the interval is followed by the next, never overlapped.
        prefect_serve(*deployments, pause_on_shutdown=False, print_starting_message=False, limit=1)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
        signal.signal(signal.SIGINT, previous_sigint)
        if web_app is not None:
            _say("正在停止网页服务……")
            web_app.stop()
            _say("网页服务已停止")
        if server is not None:
            _drain_prefect_logs()  # flow-run logs still queued for the server go before it does
            _say("正在停止 Prefect 服务……")
            server.stop()
            _say("Prefect 服务已停止")
    _say("定时处理已停止")
    return 0


def _drain_prefect_logs() -> None:
    if "prefect" not in sys.modules:
        return
    try:
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=5)
    except Exception:  # noqa: BLE001 - best effort on the way out; the server is stopped next anyway
        pass


def _fill_demo(services) -> None:
    from ..demo import fill_demo
    from ..store import cases_repo

    with services.uow() as uow:
        existing = cases_repo.count(uow.conn)
    if existing:
        _say(f"数据库已有 {existing} 件案件，不再填充演示数据")
        return
    from .demo import summary_text

    _say(summary_text(fill_demo(services), services.registry))


def deploy(
    pool: Annotated[str, typer.Option("--pool", help="The process work pool (created if missing).")],
    name: Annotated[str, typer.Option("--name", help="Deployment name (flow/name).")] = "creditflow",
    source: Annotated[Optional[str], typer.Option(
        "--source", help="Folder holding the `workflows` package on the worker machines; default this one.")] = None,
    interval: Annotated[Optional[int], typer.Option(
        "--interval", help="Seconds between sweeps; default CREDITFLOW_SWEEP_INTERVAL (60).")] = None,
    schedule: Annotated[bool, typer.Option(
        "--schedule/--no-schedule", help="Attach the schedules (sweep interval, checkpoint 00:05 Asia/Shanghai).")] = True,
    as_json: JsonOpt = False,
):
    """Deploy the sweep and the daily checkpoint to a Prefect process work pool (PREFECT_API_URL)."""
    from ..errors import BadInput
    from ..settings import load_settings

    seconds = interval if interval is not None else load_settings().sweep_interval
    if seconds < 1:
        raise BadInput("--interval is a number of seconds >= 1")
    from ..deploy import deploy as deploy_flows

    out = deploy_flows(pool, name=name, source=source, interval_seconds=seconds, schedule=schedule)
    emit(out, as_json, lambda: "\n".join(
        [f"已部署到工作池 {out['pool']['name']}（{out['pool']['type']}{'，新建' if out['pool']['created'] else ''}），"
         f"代码目录 {out['source']}，Prefect 服务 {out['api_url']}"]
        + [f"  {d['name']}：{d['schedule'] or '无定时（按需运行）'}" for d in out["deployments"]]))
    return 0
