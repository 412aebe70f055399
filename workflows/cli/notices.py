"""`creditflow notice …`: show a stored notice, export its PDF, record its service (送达).

WeasyPrint is imported only by `notice pdf`, and only when the notice has no stored PDF yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import emit

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
AsOpt = Annotated[str, typer.Option("--as", help="The user acting (recorded with the service).")]

notice_app = typer.Typer(help="Written notices: show, PDF, service (送达).", no_args_is_help=True)


def _svc():
    from .cases import svc

    return svc()


@notice_app.command("show")
def notice_show(number: str, as_json: JsonOpt = False):
    """The notice's text and metadata (addressee, hashes, stored PDF, service)."""
    out = _svc().documents.show(number)

    def text() -> str:
        lines = [out["text"], "", f"文号：{out['number']}  受文对象：{out['addressee']}  印发：{out['issued_at']}",
                 f"内容摘要（sha256）：{out['hash']}"]
        if out["pdf"]:
            lines.append(f"PDF（sha256）：{out['pdf']['sha256']}（{out['pdf']['size']} 字节）")
        lines += [f"送达：{s['served_on']} {s['method_label']}（{s['actor']} 登记）" for s in out["services"]]
        return "\n".join(lines)

    emit(out, as_json, text)


@notice_app.command("pdf")
def notice_pdf(
    number: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write the PDF to ('-' for stdout).")],
    as_json: JsonOpt = False,
):
    """Write the notice's PDF: the same bytes on every export (stored at the first one)."""
    import sys

    from ..files import check_writable, write_bytes

    to_stdout = str(output) == "-"
    if not to_stdout:
        check_writable(output)  # refused (exit 1) before the PDF is rendered and stored
    out = _svc().documents.pdf(number)
    pdf = out.pop("pdf")
    if to_stdout:
        sys.stdout.buffer.write(pdf)
        sys.stdout.flush()
        return
    write_bytes(output, pdf)  # all or nothing
    out["file"] = str(output)
    emit(out, as_json, f"已导出 {out['number']} → {output}（{out['size']} 字节，sha256 {out['sha256']}）")


@notice_app.command("served")
def notice_served(
    number: str,
    method: Annotated[str, typer.Option("--method", help="direct | post | electronic")],
    on: Annotated[str, typer.Option("--on", help="Day the notice reached the addressee (YYYY-MM-DD)")],
    actor: AsOpt,
    as_json: JsonOpt = False,
):
    """Record how and when the notice was served; the subject's periods run from service."""
    out = _svc().documents.serve(number, method, on, actor)
    emit(out, as_json, f"已登记送达：{out['number']}，{out['served_on']} {out['method_label']}（受送达人 {out['addressee']}）")


@notice_app.command("correct")
def notice_correct(
    number: str,
    correction: Annotated[str, typer.Option("--correction", help="What was wrong and what it should say")],
    actor: AsOpt,
    as_json: JsonOpt = False,
):
    """Issue a correction notice (更正通知书) citing NUMBER; the stored notice itself never changes."""
    out = _svc().documents.correct(number, correction, actor)
    emit(out, as_json, f"已印发更正通知书 {out['notice']}（更正 {out['corrects']}）")
