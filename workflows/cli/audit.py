"""`creditflow audit …`: verify the log end to end, seal it with checkpoints, export it for auditors.

These commands read (verify, export) or only append a seal (checkpoint); none acts as a user.
Exit codes: 0 all holds; 1 `verify` found a break; 2 bad input; 4 two checkpoints written at once.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .cases import JsonOpt, audit_app, svc
from .output import emit
from .params import id_option

OutOpt = Annotated[str, typer.Option("-o", "--output", help="The file to write.")]


def _local(sealed: str) -> str:
    """A checkpoint's instant as a person reads it (Asia/Shanghai). The JSON keeps the sealed form: the
    UTC text the checkpoint's hash covers, so an exported checkpoint re-verifies byte for byte."""
    from datetime import datetime

    from calendars import SHANGHAI

    return datetime.fromisoformat(sealed.replace("Z", "+00:00")).astimezone(SHANGHAI).isoformat()


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Optional[str], typer.Option(
        "--checkpoint", help="Verify against a checkpoint file kept elsewhere (default: the latest stored one).")] = None,
    as_json: JsonOpt = False,
):
    """Recompute every hash chain and notice hash, compare with the latest checkpoint; exit 1 on any break."""
    out = svc().audit.verify(checkpoint)

    def text() -> str:
        c = out["checked"]
        seal = out["checkpoint"]
        against = f"，对照检查点 #{seal['id']}（{_local(seal['created_at'])}）" if seal else ""
        lines = [f"已核验 {c['cases']} 个案件、{c['rows']} 条日志、{c['notices']} 份文书{against}，"
                 f"用时 {out['elapsed_seconds']} 秒"]
        if out["ok"]:
            lines.append("审计日志完整：全部哈希链、文书哈希和文号连续性均一致")
        else:
            b = out["first_break"]
            where = f"案件 {b['case_id']} 第 {b['seq']} 条" if b["case_id"] is not None else "全局"
            lines.append(f"发现 {out['breaks']} 处断裂；第一处：{where}：{b['check']}：{b['message']}")
            lines += [f"  期望 {b['expected']}，实际 {b['found']}"]
        lines += [f"警告：{w}" for w in out["warnings"]]
        return "\n".join(lines)

    emit(out, as_json, text)
    return 0 if out["ok"] else 1


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Also export it to this file.")] = None,
    as_json: JsonOpt = False,
):
    """Seal every case's chain head now (the daily sweep writes one too); optionally export it."""
    s = svc()
    if output:
        from ..files import check_writable

        check_writable(output)  # before the checkpoint is written: an unwritable file changes nothing
    out = s.audit.write_checkpoint()
    if output:
        out = {**out, "exported": s.audit.export_checkpoint(output, out["id"])}
    emit(out, as_json, lambda: f"检查点 #{out['id']} 已写入（{_local(out['created_at'])}）：{out['case_count']} 个案件，"
                               f"{out['row_count']} 条日志，哈希 {out['hash']}"
                               + (f"；已导出到 {output}" if output else ""))
    return 0


@audit_app.command("checkpoints")
def audit_checkpoints(as_json: JsonOpt = False):
    """List the stored checkpoints, oldest first."""
    rows = svc().audit.list_checkpoints()
    emit({"checkpoints": rows}, as_json, lambda: "\n".join(
        ["编号\t写入时间\t案件数\t日志条数\t哈希"]
        + [f"#{c['id']}\t{_local(c['created_at'])}\t{c['case_count']}\t{c['row_count']}\t{c['hash']}" for c in rows])
        if rows else "（尚无检查点）")
    return 0


@audit_app.command("export-checkpoint")
def audit_export_checkpoint(
    output: OutOpt,
    checkpoint_id: Annotated[Optional[int], id_option(
        "--id", label="--id（检查点编号）", help="Which checkpoint (default: the latest).")] = None,
    as_json: JsonOpt = False,
):
    """Write a checkpoint (header line, then one head per case, JSON lines) to keep outside the system."""
    out = svc().audit.export_checkpoint(output, checkpoint_id)
    emit(out, as_json, lambda: f"检查点 #{out['checkpoint']['id']} 已导出到 {out['file']}（SHA-256 {out['sha256']}）")
    return 0


@audit_app.command("export")
def audit_export(
    output: OutOpt,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    since: Annotated[Optional[str], typer.Option("--since", help="Rows recorded on or after this day (YYYY-MM-DD, Asia/Shanghai)")] = None,
    case_id: Annotated[Optional[int], id_option("--case", label="--case（案件编号）", help="Only this case")] = None,
    as_json: JsonOpt = False,
):
    """Export the log with every field and its chain hashes, for re-verification outside the system."""
    from datetime import date

    from ..errors import BadInput

    day = None
    if since is not None:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            raise BadInput(f"--since {since!r} 不是日期；请按 YYYY-MM-DD 填写，如 2026-03-01", code="bad_date") from None
    out = svc().audit.export_log(output, fmt, day, case_id)
    emit(out, as_json, lambda: f"已导出 {out['rows']} 条日志（{out['cases']} 个案件）到 {out['file']}"
                               f"（{out['format']}，SHA-256 {out['sha256']}）")
    return 0


@audit_app.command("replay")
def audit_replay(
    case_id: Annotated[Optional[int], id_option("--case", label="--case（案件编号）",
                                                help="Report only this case (the log is replayed up to its last transaction)")] = None,
    as_json: JsonOpt = False,
):
    """Re-execute every case's log from the beginning, in the log's global order, through the same declarations;
    compare state, data, timers, log and archive with the store; exit 1 naming the first case that differs."""
    out = svc().replay.run(case_id)

    def text() -> str:
        if out["ok"]:
            return (f"已按日志的全局顺序重放 {out['transitions']} 条日志（{out['replayed']} 次办理）："
                    f"{out['cases']} 个案件的状态、数据、期限、日志和档案均与重放结果一致")
        d = out["first_difference"]
        bad = sum(1 for r in out["results"] if not r["ok"])
        return (f"重放不一致：案件 {d['case_id']} 的 {d['field']} 存储为 {_shown(d['stored'])}，重放为 {_shown(d['replayed'])}"
                f"（共 {bad} 个案件不一致；详见 creditflow audit replay --json）")

    emit(out, as_json, text)
    return 0 if out["ok"] else 1


def _shown(value) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
