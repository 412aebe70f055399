"""The `creditflow` command line (Typer): a thin adapter that parses, calls a service, and maps errors.

Exit codes: 0 success; 2 bad input; 3 refused transition; 4 concurrent-change conflict.
Nothing heavy is imported at start-up: each command imports what it needs.
"""

from __future__ import annotations

import sys

import typer

from . import calendar as calendar_cmd
from . import audit as _audit_cmd  # noqa: F401  (adds verify, checkpoint, export to `audit`)
from . import cases as cases_cmd
from .demo import demo as demo_cmd
from . import procedures as procedures_cmd
from . import serve as serve_cmd
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
app.add_typer(cases_cmd.subject_app, name="subject")
app.add_typer(cases_cmd.evaluation_app, name="evaluation")
app.add_typer(cases_cmd.case_app, name="case")
app.add_typer(cases_cmd.audit_app, name="audit")
app.command("sweep")(cases_cmd.sweep)
app.add_typer(cases_cmd.incidents_app, name="incidents")
app.add_typer(cases_cmd.notice_app, name="notice")
app.add_typer(procedures_cmd.app, name="procedure")
app.command("serve")(serve_cmd.serve)
app.command("deploy")(serve_cmd.deploy)
app.command("demo")(demo_cmd)


@app.callback()
def _global(
    now: str = typer.Option(None, "--now", help="Override the clock (needs CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1)."),
):
    if now is not None:
        from .. import clock
        from ..errors import BadInput
        from ..settings import load_settings

        if not load_settings().allow_clock_override:
            raise BadInput("--now is refused: this deployment does not allow clock override "
                           "(set CREDITFLOW_ALLOW_CLOCK_OVERRIDE=1 for demos and tests only)")
        clock.set_override(cases_cmd._instant(now))


def _fail(code: int, payload: dict, message: str, as_json: bool) -> int:
    if as_json:
        sys.stdout.write(dumps(payload) + "\n")
    sys.stderr.write(message.replace("\n", " ") + "\n")
    return code


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every error kind to its exit code in one place."""
    from calendars import CalendarError

    from ..errors import CreditflowError

    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="creditflow", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except CreditflowError as exc:
        code = _fail(exc.exit_code, exc.to_dict(), f"error: {exc.message}", as_json)
    except CalendarError as exc:
        payload = {"error": {"code": exc.code, "message": str(exc), "article": "RULES §7", "allowed": []}}
        code = _fail(2, payload, f"error: {exc}", as_json)
    except typer.Abort:
        code = _fail(1, {"error": {"code": "aborted", "message": "aborted", "article": "", "allowed": []}}, "aborted", as_json)
    except typer.TyperException as exc:  # usage errors from the parser
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        payload = {"error": {"code": "usage", "message": message, "article": "", "allowed": []}}
        code = _fail(getattr(exc, "exit_code", 2), payload, f"error: {message}", as_json)
    sys.exit(code)
