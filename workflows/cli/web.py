"""`creditflow web` (the web app alone), `creditflow user password` and `creditflow user token`.

Nothing heavy is imported before a command runs (uvicorn, FastAPI, argon2 only inside them).
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from .cases import JsonOpt, svc
from .output import emit
from .params import id_option


def web(
    port: Annotated[int, typer.Option("--port", help="Port of the web app (default 8000).")] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default 127.0.0.1: this machine only).")]
    = "127.0.0.1",
):
    """Run the web app (pages and /api) alone, until Ctrl-C; `creditflow serve` runs it beside the sweep."""
    from ..web.server import check_port_free, run

    check_port_free(host, port)  # before anything is said or opened
    services = svc()  # refuses a database that `creditflow init` has not prepared
    services.accounts.session_key()  # and one without the session key (an older store: run init)
    typer.echo(f"网页服务：http://{host}:{port}（按 Ctrl-C 停止）")
    run(services, host, port)
    typer.echo("网页服务已停止")
    return 0


def user_password(
    name: Annotated[str, typer.Argument(metavar="NAME", help="用户名")],
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the password from the first line of stdin.")] = False,
    as_json: JsonOpt = False,
):
    """Set a user's web password (argon2-hashed); asked twice without echo, or read from stdin with --stdin."""
    from ..errors import BadInput

    if stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    else:
        if not sys.stdin.isatty():
            raise BadInput("标准输入不是终端，无法提示输入口令；请加 --stdin 从标准输入读取口令（首行）", code="no_terminal")
        password = typer.prompt(f"用户 {name} 的新口令", hide_input=True)
        again = typer.prompt("再输入一次", hide_input=True)
        if password != again:
            raise BadInput("两次输入的口令不一致，未作任何更改；请重新运行本命令", code="password_mismatch")
    out = svc().accounts.set_password(name, password)
    emit(out, as_json, f"已为用户 {out['name']} 设置网页登录口令")


def user_token(
    name: Annotated[str, typer.Argument(metavar="NAME", help="用户名")],
    revoke: Annotated[Optional[int], id_option("--revoke", label="--revoke（令牌编号）",
                                               help="Revoke this token (its id) instead of issuing one.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the user's tokens (ids and dates, never the tokens).")]
    = False,
    as_json: JsonOpt = False,
):
    """Issue an API bearer token for NAME (printed once, stored only as its SHA-256), or revoke / list them."""
    from ..errors import BadInput

    services = svc()
    if revoke is not None and list_:
        raise BadInput("--revoke 与 --list 不能同时使用；请只给出其中一个", code="bad_options")
    if revoke is not None:
        out = services.accounts.revoke_token(name, revoke)
        emit(out, as_json, f"已吊销用户 {out['name']} 的令牌 {out['id']}")
    elif list_:
        out = services.accounts.list_tokens(name)
        emit(out, as_json, lambda: "\n".join(
            [f"用户 {out['name']} 的令牌：", "编号\t签发时间\t吊销时间"]
            + [f"{t['id']}\t{t['created_at']}\t{t['revoked_at'] or '有效'}" for t in out["tokens"]])
            if out["tokens"] else f"用户 {out['name']} 没有令牌")
    else:
        out = services.accounts.issue_token(name)
        emit(out, as_json, f"用户 {out['name']} 的接口令牌（编号 {out['id']}；只显示这一次，请妥善保存；"
                           f"吊销：creditflow user token {out['name']} --revoke {out['id']}）：\n{out['token']}")
