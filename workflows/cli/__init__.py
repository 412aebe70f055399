"""The `creditflow` command line (Typer): a thin adapter that parses, calls a service, and maps errors.

Exit codes: 0 success; 2 bad input; 3 refused transition; 4 concurrent-change conflict; 1 anything
else (store unreachable, file not writable, internal error; and `audit verify` finding a break).
Nothing heavy is imported at start-up: each command imports what it needs.
"""

from __future__ import annotations

import sys

import typer

from . import aliases as aliases_cmd
from . import calendar as calendar_cmd
from . import audit as _audit_cmd  # noqa: F401  (adds verify, checkpoint, export to `audit`)
from . import cases as cases_cmd
from . import imports as imports_cmd
from .demo import demo as demo_cmd
from . import exports as exports_cmd
from . import records as records_cmd
from . import policy as policy_cmd
from . import procedures as procedures_cmd
from . import serve as serve_cmd
from . import web as web_cmd
from .output import dumps

app = typer.Typer(
    name="creditflow",
    help="creditflow: medical-insurance credit casework under legal deadlines.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(calendar_cmd.app, name="calendar")
app.command("init")(cases_cmd.init)
app.add_typer(cases_cmd.user_app, name="user")
cases_cmd.user_app.command("password")(web_cmd.user_password)  # web login (web.py)
cases_cmd.user_app.command("token")(web_cmd.user_token)  # the API's bearer tokens (web.py)
app.add_typer(cases_cmd.subject_app, name="subject")
app.add_typer(aliases_cmd.evaluation_app)  # `evaluation publish`: the documented alias (aliases.py)
aliases_cmd.evaluation_app.command("import")(imports_cmd.evaluation_import)  # a year's results at once (imports.py)
app.add_typer(records_cmd.app)  # `record add|list|revoke`: 失信 records (records.py)
app.add_typer(cases_cmd.case_app, name="case")
app.add_typer(cases_cmd.audit_app, name="audit")
app.command("sweep")(cases_cmd.sweep)
app.add_typer(cases_cmd.incidents_app, name="incidents")
app.add_typer(cases_cmd.notice_app, name="notice")
app.add_typer(procedures_cmd.app, name="procedure")
app.add_typer(policy_cmd.app, name="policy")
app.command("serve")(serve_cmd.serve)
app.command("deploy")(serve_cmd.deploy)
app.command("web")(web_cmd.web)
app.command("demo")(demo_cmd)
app.add_typer(exports_cmd.export_app)  # `export results|d-list|worklist|statistics` (exports.py)
app.add_typer(exports_cmd.report_app)  # `report monthly` (exports.py)


@app.callback()
def _global(
    now: str = typer.Option(None, "--now", help="Override the clock (needs CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1)."),
):
    if now is not None:
        from .. import clock
        from ..errors import BadInput
        from ..settings import load_settings

        if not load_settings().allow_clock_override:
            raise BadInput("--now 被拒绝：本部署不允许设置时钟（clock override；creditflow policy: 时钟不可伪造）；"
                           "仅演示和测试可设 CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1", code="clock_override_refused")
        clock.set_override(cases_cmd._instant(now))


def _clean(text: str) -> str:
    """One printable line: no line breaks or other control characters (shown as \\x1b), no lone
    surrogates (undecodable bytes shown as \\udcff)."""
    import unicodedata

    text = " ".join(str(text).splitlines())
    text = "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _payload(code: str, message: str, article: str = "", allowed: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "article": article, "allowed": allowed or []}}


def _fail(code: int, payload: dict, message: str, as_json: bool) -> int:
    if as_json:
        error = payload.get("error", {})
        error.update({k: _clean(v) for k, v in error.items() if isinstance(v, str)})
        sys.stdout.write(dumps(payload) + "\n")
    sys.stderr.write(_clean(message) + "\n")
    return code


# The legal source of a calendar error (the arithmetic of periods), by error code.
CALENDAR_ARTICLES = {
    "calendar.invalid": "中华人民共和国民法典 Art. 201-203（期间的计算）",
    "calendar.out_of_range": "creditflow policy: 工作日历覆盖 2000-2099 年",
    "calendar.override_invalid": "creditflow policy: 日历覆盖文件须列明国务院通知及每个放假、调休日期",
}


def _debug() -> bool:
    import os

    return os.environ.get("CREDITFLOW_DEBUG", "") == "1"


def _undecodable(args: list[str]) -> tuple[int, str] | None:
    """The first argument (1-based) that was not valid UTF-8: Python holds its bytes as surrogate escapes."""
    for position, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return position, arg
    return None


# Options that may be given more than once; any other option given twice is refused, not resolved to
# its last value (the two may disagree, and guessing would record the wrong one).
REPEATABLE = frozenset({"--set", "--font"})
_ALIASES = {"-o": "--output"}


def _repeated_option(args: list[str]) -> str | None:
    seen: set[str] = set()
    for arg in args:
        if arg == "--":
            break
        if not arg.startswith("-") or arg in ("-", "--json") or arg[1:2].isdigit():
            continue
        name = _ALIASES.get(arg.split("=", 1)[0], arg.split("=", 1)[0])
        if name in REPEATABLE:
            continue
        if name in seen:
            return name
        seen.add(name)
    return None


def _unexpected(exc: Exception) -> tuple[dict, str]:
    """Errors of the machine, not of the input (exit 1): the store, files, and anything unforeseen."""
    db_errors: tuple = ()
    if "sqlalchemy" in sys.modules:  # no database was touched if SQLAlchemy was never imported
        from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

        db_errors = (DBAPIError,)
        if isinstance(exc, (OperationalError, InterfaceError)):
            from ..errors import unreachable_message

            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            message = unreachable_message(detail[0] if detail else type(exc).__name__)
            return _payload("store_unreachable", message), f"error: {message}"
    if db_errors and isinstance(exc, db_errors):
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        message = (f"数据库操作失败（{detail[0] if detail else type(exc).__name__}）：未作任何更改；"
                   "请检查 CREDITFLOW_DATABASE_URL 指向的数据库，稍后重试")
        return _payload("store_error", message), f"error: {message}"
    if isinstance(exc, OSError):
        import errno

        where = f" {exc.filename}" if exc.filename else ""
        reason = {errno.ENOENT: "目录不存在或不允许在此创建文件", errno.EACCES: "没有写权限", errno.EPERM: "没有写权限",
                  errno.EISDIR: "这是一个目录", errno.ENOTDIR: "路径中有一段不是目录", errno.ENOSPC: "磁盘空间已满",
                  errno.EROFS: "只读文件系统", errno.EDQUOT: "超出磁盘配额"}.get(exc.errno) \
            or exc.strerror or type(exc).__name__
        message = (f"无法读写文件{where}：{reason}：未写入任何内容；"
                   "请换一个存在且可写的路径（不能是目录），并检查磁盘空间")
        return _payload("io_error", message), f"error: {message}"
    message = f"内部错误：{type(exc).__name__}: {exc}，请设置 CREDITFLOW_DEBUG=1 查看详情"
    return _payload("internal_error", message), f"error: {message}"


def _run(command, args: list[str]):
    """One command; a clock override (`--now`, `sweep --as-of`) holds for it alone."""
    from .. import clock

    token = clock.override_token()
    try:
        return command.main(args=args, prog_name="creditflow", standalone_mode=False)
    finally:
        clock.restore(token)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every error kind to its exit code in one place.

    0 success; 2 bad input; 3 refused transition; 4 concurrent change; 1 anything else (the store
    cannot be reached, a file cannot be written, an internal error). One line on stderr; with --json
    also {"error": {...}} on stdout; a traceback only with CREDITFLOW_DEBUG=1."""
    from calendars import CalendarError

    from ..errors import CreditflowError, Refused

    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    bad = _undecodable(args)
    if bad is not None:
        position, arg = bad
        shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        message = (f"第 {position} 个命令行参数（{shown}）不是有效的 UTF-8 文本，未作任何更改；"
                   "请以 UTF-8 编码重新输入（检查终端或脚本的字符编码设置）")
        sys.exit(_fail(2, _payload("bad_encoding", message), f"error: {message}", as_json))
    repeated = _repeated_option(args)
    if repeated is not None:
        message = (f"选项 {repeated} 给出了不止一次：同一选项只能给一次，未作任何更改；请只保留一个 {repeated}"
                   "（多个值请用该选项说明的分隔方式，如逗号）")
        sys.exit(_fail(2, _payload("repeated_option", message), f"error: {message}", as_json))
    command = typer.main.get_command(app)
    try:
        result = _run(command, args)
        code = result if isinstance(result, int) else 0
    except CreditflowError as exc:
        line = exc.message
        if isinstance(exc, Refused):  # a refusal names its rule and article, as --json does
            line += f"（规则 {exc.code}" + (f"；依据 {exc.article}" if exc.article else "") + "）"
        elif exc.article:
            line += f"（依据 {exc.article}）"
        code = _fail(exc.exit_code, exc.to_dict(), f"error: {line}", as_json)
    except CalendarError as exc:
        article = CALENDAR_ARTICLES.get(exc.code, CALENDAR_ARTICLES["calendar.invalid"])
        code = _fail(2, _payload(exc.code, str(exc), article), f"error: {exc}", as_json)
    except typer.Abort:
        code = _fail(1, _payload("aborted", "已中止"), "已中止", as_json)
    except typer.TyperException as exc:  # usage errors from the parser
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        exit_code = getattr(exc, "exit_code", 2)
        if exit_code == 2:
            message = f"命令行用法错误：{message}；请用 --help 查看该命令的参数"
        code = _fail(exit_code, _payload("usage", message), f"error: {message}", as_json)
    except Exception as exc:  # noqa: BLE001 - the one place every other failure becomes exit 1
        if _debug():
            import traceback

            traceback.print_exception(exc, file=sys.stderr)
        payload, line = _unexpected(exc)
        code = _fail(1, payload, line, as_json)
    sys.exit(code)
