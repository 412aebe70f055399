"""Transitions every procedure shares. A stored notice is immutable (docs/rules.md §8.3): an error in it is
put right by a new notice that cites the old one, numbered, logged and hash-chained like any other."""

from __future__ import annotations

from datetime import date, datetime

from calendars import SHANGHAI

from .spec import RECOMPUTE_TRIGGER, REMINDER_TRIGGER, SERVED_TRIGGER, Guard, Input, Notice, State, Transition


def day_of(value) -> date | None:
    """A day a case's data or an input holds: a date, an instant (its Asia/Shanghai day) or ISO text; None if absent."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def day_zh(value) -> str:
    """A day as a refusal or a record names it, as the notices write it: 2026年7月6日 ("?" if absent)."""
    day = day_of(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else "?"


def correction(series: str, states: tuple[State, ...]) -> Transition:
    """`correct_notice` (handler): issue a correction notice (更正通知书) citing an earlier notice of the case.

    Allowed in every state, final ones included; it changes no state and no deadline. The service
    fills `corrected_title` and `corrected_issued_on` from the stored notice."""
    return Transition(
        trigger="correct_notice", source=tuple(s.name for s in states), dest=None, role="handler",
        label="更正已发文书", notice=Notice("common/correction.html.j2", "文书更正通知书", series, "subject"),
        inputs=(Input("notice", "str", label="被更正文书的文号"), Input("correction", "text", label="更正内容"),
                Input("corrected_title", "str", label="被更正文书的标题"),
                Input("corrected_issued_on", "date", label="被更正文书的印发日期")),
    )


def _open_states(states: tuple[State, ...]) -> tuple[str, ...]:
    return tuple(s.name for s in states if not s.final)


REMINDER_INPUTS = (
    Input("timer", "str", label="期限名称"), Input("timer_label", "str", label="期限"),
    Input("last_day", "date", label="期限最后一日"), Input("working_days_left", "int", label="剩余工作日"),
)


def reminder(series: str, states: tuple[State, ...]) -> Transition:
    """`deadline_reminder` (system): remind the handlers a policy number of working days before an
    agency-side deadline ends (once per deadline). The engine fills the inputs from the timer."""
    return Transition(
        trigger=REMINDER_TRIGGER, source=_open_states(states), dest=None, role="system",
        label="期限届满前提醒承办人", inputs=REMINDER_INPUTS, order=20,
        notice=Notice("common/deadline_reminder.html.j2", "办理期限即将届满提醒", series, "handlers"),
    )


RECOMPUTE_INPUTS = (
    Input("timer", "str", label="期限名称"), Input("timer_label", "str", label="期限"),
    Input("side", "choice", label="期限约束方", choices=("subject", "agency")),
    Input("old_last_day", "date", label="原最后一日"), Input("new_last_day", "date", label="新最后一日"),
    Input("old_calendar_version", "str", label="原日历版本"), Input("calendar_version", "str", label="新日历版本"),
    Input("provisional", "str", label="新期限是否仍为暂定"), Input("calendar_source", "text", label="日历依据"),
)


def _binds_subject(ctx) -> bool:
    return ctx.inputs.get("side") == "subject"


CONDITIONS = {"deadline_binds_subject": _binds_subject}


def recomputed(series: str, record_series: str, states: tuple[State, ...]) -> tuple[Transition, Transition]:
    """`deadline_recomputed` (system): new official calendar data moved a provisional deadline.
    The notice goes to whoever the deadline binds: the subject for its own periods, the handlers
    for the department's. Merge `CONDITIONS` into the procedure's conditions."""
    return (
        Transition(
            trigger=RECOMPUTE_TRIGGER, source=_open_states(states), dest=None, role="system",
            when="deadline_binds_subject", label="依据新公布的节假日安排重新计算期限", inputs=RECOMPUTE_INPUTS,
            notice=Notice("common/deadline_recomputed.html.j2", "期限变更告知书", series, "subject"), order=5,
        ),
        Transition(
            trigger=RECOMPUTE_TRIGGER, source=_open_states(states), dest=None, role="system",
            label="依据新公布的节假日安排重新计算期限", inputs=RECOMPUTE_INPUTS,
            notice=Notice("common/deadline_recomputed.html.j2", "办理期限变更提示", record_series, "handlers"), order=5,
        ),
    )


SERVICE_METHODS = (("direct", "直接送达"), ("post", "邮寄送达"), ("electronic", "电子送达"))
SERVED_INPUTS = (
    Input("notice", "str", label="送达文书的文号"),
    Input("method", "choice", label="送达方式", choices=tuple(c for c, _ in SERVICE_METHODS),
          choice_labels=SERVICE_METHODS),
    Input("served_on", "date", label="送达日期（送达回证记载的日期）"),
)
SERVED_NOTICE_TEMPLATE = "common/served.html.j2"


def served(record_series: str, states: tuple[State, ...], *routes: Transition) -> tuple[Transition, ...]:
    """`notice_served` (handler or approver): record that a notice of the case reached its addressee
    (送达): how and on which day. The engine checks the notice belongs to the case, is addressed to
    someone and was served between its issue and today, writes the service row and gives the
    declaration the facts as `ctx.event`. A procedure may add `routes` before the default one (e.g. a
    subject-side period that runs from service); each must use `SERVED_INPUTS`. Allowed in every state,
    final ones included: a decision is served after it is made."""
    return (*routes, Transition(
        trigger=SERVED_TRIGGER, source=tuple(s.name for s in states), dest=None, role="handler|approver",
        label="登记文书送达", inputs=SERVED_INPUTS, effects=("record_service",),
        notice=Notice(SERVED_NOTICE_TEMPLATE, "文书送达记录", record_series, "internal"),
    ))


def _record_service(ctx) -> dict:
    """The case remembers the first service of each notice (periods run from the first)."""
    services = dict(ctx.data.get("services") or {})
    services.setdefault(ctx.event["notice"], ctx.event["served_on"].isoformat())
    return {"data": {"services": services}}


EFFECTS = {"record_service": _record_service}


# -- who owns a case -----------------------------------------------------------------------------------

ASSIGN_TRIGGER = "assign"
# The effect result key the engine writes to the case's owner column (cases.assignee).
OWNER_KEY = "assignee"
ASSIGN_POLICY = "creditflow policy: 案件由经办人承办，审核人分派或改派"


def assign(record_series: str, states: tuple[State, ...]) -> Transition:
    """`assign` (approver): give the case to a handler (分派/改派), logged with an internal record. The
    engine gives the declaration the facts as `ctx.event`: the assignee's roles as the store holds them
    and the case's owner before (None: no one); an unknown user is refused as bad input."""
    return Transition(
        trigger=ASSIGN_TRIGGER, source=_open_states(states), dest=None, role="approver", label="分派案件承办人",
        inputs=(Input("assignee", "str", label="承办人（用户名）", max_length=64),),
        guards=(Guard("assignee_handles", "ASSIGN-ROLE", ASSIGN_POLICY,
                      "被分派的用户不是经办人（handler），不能承办案件；请分派给具有经办人角色的用户"),
                Guard("assignee_changes", "ASSIGN-SAME", ASSIGN_POLICY,
                      "该用户已是本案承办人，无需重新分派；如需改派，请指定其他经办人")),
        effects=("set_assignee",),
        notice=Notice("common/assigned.html.j2", "案件分派记录", record_series, "internal"),
    )


def _assignee_handles(ctx) -> bool:
    return "handler" in ctx.event["assignee_roles"]


def _assignee_changes(ctx) -> bool:
    return ctx.event["assignee"] != ctx.event["previous"]


def _set_assignee(ctx) -> dict:
    return {OWNER_KEY: ctx.event["assignee"]}


GUARDS = {"assignee_handles": _assignee_handles, "assignee_changes": _assignee_changes}
EFFECTS["set_assignee"] = _set_assignee


# -- material attached to a case -------------------------------------------------------------------------

ATTACH_TRIGGER = "attach"
# The types a bureau keeps as evidence and scanned material (checked by content, not by the file's name).
ATTACHMENT_TYPES = (
    ("application/pdf", "PDF"), ("image/png", "PNG 图片"), ("image/jpeg", "JPEG 图片"), ("image/tiff", "TIFF 图片"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档（docx）"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格（xlsx）"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint 演示文稿（pptx）"),
    ("application/x-ole-storage", "Word/Excel 旧版文档（doc/xls）"),
)
# creditflow policy: one file of scanned material stays under 20 MiB (a scanned A4 page at 300 dpi is well
# under 1 MiB; larger files are split), so a case's blobs stay small enough for the store and its backups.
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACH_POLICY = "creditflow policy: 案件材料按内容哈希（SHA-256）保存，只增不改"


def attach(record_series: str, states: tuple[State, ...]) -> Transition:
    """`attach` (handler or approver): register scanned material or evidence (材料登记) on an open case. The
    service stores the content (content-addressed by its SHA-256) in the same transaction before firing;
    the log keeps the file's name, hash, size and type. Changes no state and no deadline."""
    return Transition(
        trigger=ATTACH_TRIGGER, source=_open_states(states), dest=None, role="handler|approver",
        label="登记案件材料", notice=Notice("common/attached.html.j2", "材料登记记录", record_series, "internal"),
        inputs=(Input("filename", "str", label="文件名", max_length=200),
                Input("sha256", "str", label="内容的 SHA-256", max_length=64),
                Input("size", "int", label="大小（字节）"),
                Input("media_type", "choice", label="文件类型", choices=tuple(c for c, _ in ATTACHMENT_TYPES),
                      choice_labels=ATTACHMENT_TYPES),
                Input("description", "text", label="材料说明", required=False)),
        guards=(Guard("attachment_well_formed", "ATTACH-HASH", ATTACH_POLICY,
                      "材料的 SHA-256 须为 64 位十六进制数字，大小须为 1 字节至 20 MiB；"
                      "请用 creditflow case attach 登记文件，由系统计算哈希"),),
    )


def _attachment_well_formed(ctx) -> bool:
    digest, size = ctx.inputs["sha256"], ctx.inputs["size"]  # KeyError while listing actions: needs the inputs
    return (len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
            and isinstance(size, int) and 0 < size <= ATTACHMENT_MAX_BYTES)


GUARDS["attachment_well_formed"] = _attachment_well_formed
