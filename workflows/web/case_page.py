"""The case page (案件页), opening a case from the web, and the notice pages.

Thin adapters over the services, as the command line is: `case show`, `audit log`, `case explain`, `case
actions`, `case act`, `case assign`, `case attach`, `case reporter`, `case open`, `notice show`, `notice pdf`.
Nothing here knows a procedure: the kinds, states, triggers, inputs and timers come from the registry's
declarations, and the forms are generated from each trigger's declared inputs. The engine decides who may
do what (roles, four eyes, the clock); a page only offers what `actions()` says this user may do now, and a
refused or bad post is shown on the case page with the rule's code, message and article (the status and
the error's shape from the one mapping in errors.py).

Everyone who can log in is the department's staff (handler, approver, auditor), who read the file in full
(notices/privacy.py masks for the public and third parties only), as `case show` does; sealed inputs (a
reporter's identity) are never in the case's data or log, and are shown only by the logged reading.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from states.common import ASSIGN_TRIGGER, ATTACH_TRIGGER
from states.spec import NEW, SEALED_READ_TRIGGER, Input, Procedure

from .. import clock
from ..errors import MAX_ID, BadInput, CreditflowError
from ..services import attachments
from ..services.documents import CORRECTION_TRIGGER
from . import diagram
from .deps import WebUser, page_user, require_roles
from .deps import services as services_dep
from .errors import classify
from .render import bj, page

router = APIRouter()

ROLE_LABELS = {"handler": "经办人", "approver": "审核人", "auditor": "审计人员", "system": "系统"}
TIMER_STATUS = {"running": "计算中", "suspended": "中止计算", "stopped": "已停止", "fired": "已届满"}
SIDE_LABELS = {"agency": "本机关办理期限", "subject": "当事人期间"}
UNIT_LABELS = {"working_days": "工作日", "days": "日", "months": "个月", "hours": "小时"}
TARGET_LABELS = {"subject": "信用主体（主体编号或统一社会信用代码/身份证号码）", "parent": "所属案件编号",
                 "entry": "信用档案记录编号"}
# Inputs a service fills from what is stored, never typed in (documents.correct: the corrected notice's title
# and issue day; cases.attach: the file's name, hash, size and type).
SERVICE_FILLED = {CORRECTION_TRIGGER: {"corrected_title", "corrected_issued_on"},
                  ATTACH_TRIGGER: {"filename", "sha256", "size", "media_type"}}
ACTING_ROLES = ("handler", "approver")  # the auditor changes nothing (the engine refuses too)


# -- reading a case into what the page shows (plain data; the template only lays it out) -----------------------

def procedure_of(registry, shown: dict) -> Procedure:
    """The declaration the case runs under (`case show` names its kind and version), so labels and diagram match it."""
    return registry.procedure(shown["kind"], shown["declaration_version"])


def input_specs(proc: Procedure) -> dict[str, Input]:
    """Every declared input by name (the first declaration that labels it): how the page names a value of the
    case's data or a step's inputs, and the Chinese labels of its choice codes."""
    specs: dict[str, Input] = {}
    for t in proc.transitions:
        for i in t.inputs:
            if i.label:
                specs.setdefault(i.name, i)
    return specs


def state_label(proc: Procedure, name: str | None) -> str:
    if name is None:
        return "（登记）"
    try:
        return proc.state(name).label
    except KeyError:
        return name


def step_label(proc: Procedure, entry: dict) -> str:
    """The declared transition a log row records, by its label. Two routes of one trigger to the same state
    differ by a condition the log does not record: the default route (no condition) names the step."""
    source = entry["from_state"] or NEW
    routes = [t for t in proc.transitions if t.trigger == entry["trigger"] and source in t.source
              and (t.dest or source) == entry["to_state"]]
    routes = routes or [t for t in proc.transitions if t.trigger == entry["trigger"]]
    route = next((t for t in routes if t.when is None), routes[0] if routes else None)
    return route.label if route else entry["trigger"]


SEALED_TEXT = "（保密登记事项，不在案卷中显示）"


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _sealed(value) -> bool:
    return isinstance(value, dict) and set(value) == {"sealed", "sha256"}


def _instant_text(value: str) -> str | None:
    """An ISO instant the store recorded (`2026-11-18T09:30:00+08:00`) in Beijing time; None if it is not one."""
    if len(value) < 16 or value[10:11] != "T":
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return bj(instant) if instant.tzinfo is not None else None


def value_text(value, spec: Input | None = None) -> str:
    """A stored value as a bureau writes it: a choice by its declared label, lists with 、, yes/no, an instant in
    Beijing time, nothing as —."""
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if _sealed(value):
        return SEALED_TEXT
    if isinstance(value, dict):
        return "；".join(f"{k}：{value_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(value_text(v, spec) for v in value)
    if spec is not None and spec.choice_labels:
        labels = dict(spec.choice_labels)
        label = labels.get(value) or labels.get(str(value))
        if label:
            return label
    if isinstance(value, str):
        return _instant_text(value) or value
    return str(value)


def value_tree(value, labels: dict[str, str], spec: Input | None = None) -> dict:
    """A stored value laid out for reading: a mapping as rows of its field names (with the declared label
    of a field an input also names), a list of mappings as numbered items, anything else as one text."""
    if isinstance(value, dict) and value and not _sealed(value):
        return {"rows": [{"key": str(k), "label": labels.get(str(k)), "value": value_tree(v, labels)}
                         for k, v in value.items()]}
    if isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list, tuple)) for v in value):
        return {"entries": [value_tree(v, labels) for v in value]}
    return {"text": value_text(value, spec)}


def declared_input(specs: dict[str, Input], key: str) -> Input | None:
    """The declared input a data key records: the input of that name, or for a day recorded from a date
    input (`received` → `received_on`) that input."""
    return specs.get(key) or specs.get(key.removesuffix("_on"))


def facts(proc: Procedure, shown: dict) -> tuple[list[dict], list[dict]]:
    """The case's data and `case show`'s summary fields (the procedure's), as two lists: the values a declared
    input names, with its label (the facts staff entered), and the values the procedure's effects recorded,
    which no input declares, under their field names, so nothing of the file is hidden from staff. A summary
    field of the same name as a data key and another value is shown when an input labels it; the data's own
    value is the record either way."""
    specs = input_specs(proc)
    labels = {name: i.label for name, i in specs.items()}
    data = shown["data"]
    summary = {k: shown[k] for k in sorted(set(shown) - STANDARD_KEYS) if k not in data or data[k] != shown[k]}
    declared, recorded = [], []

    def place(key, value, *, only_declared: bool = False):
        spec = declared_input(specs, key)
        if spec is not None:
            exact = spec if spec.name == key else None  # `x_on` is a day, not one of x's choices
            declared.append({"name": key, "label": spec.label, "value": value_tree(value, labels, exact)})
        elif not only_declared and not _empty(value):  # an empty record says nothing: left out
            recorded.append({"name": key, "value": value_tree(value, labels)})

    for key, value in summary.items():
        place(key, value, only_declared=key in data)
    for key, value in data.items():
        if key in summary and declared_input(specs, key) is not None:
            if not _empty(value):  # the summary showed it labelled; the data's own value is the record
                recorded.append({"name": key, "value": value_tree(value, labels)})
        else:
            place(key, value)
    return declared, recorded


def role_label(role: str | None) -> str:
    """A log row's role in Chinese; a step either role may take records both (`handler|approver`)."""
    return "、".join(ROLE_LABELS.get(r, r) for r in (role or "").split("|") if r) or "—"


def material_rows(proc: Procedure, attached: list[dict]) -> list[dict]:
    """The case's attachments with their type by the attach input's declared label (PDF, not application/pdf)."""
    spec = input_specs(proc).get("media_type")
    return [{**a, "type_label": value_text(a["media_type"], spec)} for a in attached]


def timeline(proc: Procedure, log: list[dict]) -> list[dict]:
    """Every transition of the case, oldest first: who (and in which role), when, what, the states, the rules
    it was checked against, the inputs as recorded, and its notice."""
    specs = input_specs(proc)
    return [{"seq": e["seq"], "at": e["effective_at"], "overridden": e["clock_overridden"], "actor": e["actor"],
             "role": role_label(e["role"]), "trigger": e["trigger"], "label": step_label(proc, e),
             "from": state_label(proc, e["from_state"]), "to": state_label(proc, e["to_state"]),
             "changed": e["from_state"] != e["to_state"], "rules": list({(r["code"], r["article"]): r for r in
                                                                        e["rules"] or []}.values()),
             "inputs": step_inputs(specs, e["inputs"] or {}),
             "notice": e["notice_number"]} for e in log]


def step_inputs(specs: dict[str, Input], inputs: dict) -> list[dict]:
    """A step's recorded inputs by their labels. A code recorded beside its own label (`timer` and
    `timer_label`, as the engine fills a reminder's) is shown once, by the label; a clock's side by its name."""
    rows = []
    for k, v in inputs.items():
        if f"{k}_label" in inputs:
            continue
        text = SIDE_LABELS.get(v, v) if k == "side" and isinstance(v, str) else value_text(v, specs.get(k))
        rows.append({"label": specs[k].label if k in specs else k, "value": text})
    return rows


def days_left(calendar, today: date, timer: dict) -> dict:
    """What is left of a clock: working days (for a working-day clock) or calendar days after today, through
    its last day; `overdue` once the last day has passed."""
    last = date.fromisoformat(timer["last_day"])
    if last < today:
        return {"overdue": True, "count": 0, "unit": ""}
    if timer.get("unit") == "working_days":
        return {"overdue": False, "count": calendar.working_days_in(today + timedelta(days=1), last + timedelta(days=1)),
                "unit": "个工作日"}
    return {"overdue": False, "count": (last - today).days, "unit": "日（自然日）"}


def clocks(svc, proc: Procedure, shown: dict) -> tuple[list[dict], list[dict]]:
    """The running (or suspended) clocks, each with what is left and the calendar's explanation of its last
    day; and the clocks that have ended (stopped or expired)."""
    running, ended = [], []
    today = clock.today()
    for t in shown["timers"]:
        try:
            spec = proc.timer(t["name"])
            label, side = spec.label, spec.side
        except KeyError:
            label, side = t["name"], t["side"]
        row = {**t, "label": label, "side_label": SIDE_LABELS.get(side, side),
               "status_label": TIMER_STATUS.get(t["status"], t["status"])}
        if t["status"] in ("running", "suspended"):
            explained = svc.cases.explain_timer(shown["id"], t["name"])
            row["explain"] = explained
            row["unit_label"] = UNIT_LABELS.get(explained["unit"], explained["unit"])
            row["amount"] = explained.get(explained["unit"])  # the period's length, keyed by its unit
            row["left"] = days_left(svc.engine.calendar, today, {**t, "unit": explained["unit"]})
            running.append(row)
        else:
            ended.append(row)
    return running, ended


def related(svc, shown: dict) -> dict:
    """The parent (the case this one belongs to or was opened by) and the children, with their labels."""
    parent = None
    if shown["parent"] is not None:
        p = svc.cases.show(shown["parent"])
        parent = {"id": p["id"], "label": p["label"], "state_label": p["state_label"], "final": p["final"]}
    children = [{**c, "label": svc.registry.label(c["kind"]) if c["kind"] in svc.registry else c["kind"],
                 "relation_label": "下级案件" if c["relation"] == "child" else "关联案件"} for c in shown["children"]]
    return {"parent": parent, "children": children}


def field(spec: dict, *, options: list[dict] | None = None) -> dict:
    """A form field for a declared input (`actions()`'s shape: name, type, label, required, choices), rendered
    by `_macros.html.j2`; `options`: the values the store knows for a free-text input, offered as a choice."""
    if options is not None:
        return {**spec, "type": "choice", "choices": options}
    return dict(spec)


def action_forms(svc, shown: dict, actions: list[dict]) -> list[dict]:
    """One form per action `actions()` offers, its fields generated from the declared inputs; the inputs a
    service fills are left out, and a few get the choices the store knows (handlers, the case's notices)."""
    notices = [{"code": n["number"], "label": f"{n['number']} {n['title']}"} for n in shown["notices"]]
    forms = []
    for a in actions:
        filled = SERVICE_FILLED.get(a["trigger"], set())
        fields = []
        for spec in a["inputs"]:
            if spec["name"] in filled:
                continue
            if a["trigger"] == ASSIGN_TRIGGER:
                handlers = [u for u in svc.deployment.list_users() if "handler" in u["roles"]]
                fields.append(field(spec, options=[{"code": u["name"], "label": u["name"]} for u in handlers]))
            elif spec["type"] == "str" and spec["name"] == "notice":
                fields.append(field(spec, options=notices))
            else:
                fields.append(field(spec))
        forms.append({"trigger": a["trigger"], "label": a["label"], "fields": fields,
                      "upload": a["trigger"] == ATTACH_TRIGGER, "reads_sealed": a["trigger"] == SEALED_READ_TRIGGER})
    return forms


def openable_children(registry, kind: str) -> list[dict]:
    """The kinds a person may open under a case of `kind` (declared `parent_kinds` and `opens_on`)."""
    return [{"kind": p.kind, "label": p.label} for p in registry.procedures()
            if kind in p.parent_kinds and "parent" in p.opens_on and p.opening_trigger() is not None]


def case_context(svc, user: WebUser, case_id: int, done: str | None = None) -> dict:
    """Everything the case page shows; `done`: the log's sequence number of the step a post just made (or
    "opened" for the opening), told back to the user as the log records it, never as the address says."""
    shown = svc.cases.show(case_id)
    proc = procedure_of(svc.registry, shown)
    log = svc.audit.log(case_id)
    step = None
    if done == "opened" and log:
        step = log[0]
    elif done and done.isdigit():
        step = next((e for e in log if e["seq"] == int(done)), None)
    running, ended = clocks(svc, proc, shown)
    try:
        svg, svg_error = diagram.diagram_svg(proc, shown["state"], diagram.path_of(log)), None
    except diagram.DiagramUnavailable as exc:
        svg, svg_error = None, str(exc)
    subject = svc.deployment.show_subject(str(shown["subject_id"])) if shown["subject_id"] is not None else None
    may_act = any(user.has(r) for r in ACTING_ROLES)
    actions = svc.cases.actions(case_id, user.name, detailed=True) if may_act else []
    declared, recorded = facts(proc, shown)
    return {"case": shown, "proc": proc, "subject": subject, "facts": declared, "recorded": recorded,
            "materials": material_rows(proc, shown["attachments"]),
            "timeline": timeline(proc, log), "clocks": running, "ended_clocks": ended, "diagram_svg": svg,
            "diagram_error": svg_error, "forms": action_forms(svc, shown, actions), "may_act": may_act,
            **related(svc, shown), "open_children": openable_children(svc.registry, shown["kind"]) if may_act else [],
            "upload_limit_mib": attachments.ATTACHMENT_MAX_BYTES // (1024 * 1024),
            "done": step, "done_label": step_label(proc, step) if step else None}


# `case show`'s own fields, shown in their own places (the head, the sections); the rest is the summary the
# procedure declares
STANDARD_KEYS = {"id", "kind", "declaration_version", "label", "state", "state_label", "final", "version", "overdue",
                 "parent", "entry", "subject_id", "assignee", "subject_name", "children", "timers", "notices",
                 "attachments", "data"}


def _case_id(raw: str) -> int:
    """A case number from the address: a whole number the store can hold, else 404 (no such case)."""
    from ..errors import no_such_case

    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise no_such_case(raw)  # type: ignore[arg-type]
    return int(raw)


def _render_case(request: Request, svc, user: WebUser, case_id: int, *, status_code: int = 200,
                 done: str | None = None, **extra):
    context = case_context(svc, user, case_id, done)
    return page(request, "case.html.j2", status_code=status_code, **context, **extra)


@router.get("/cases/new", name="case_new")
def case_new(request: Request, kind: str | None = None, subject: str | None = None, parent: str | None = None,
             entry: str | None = None, user: WebUser = Depends(page_user), svc=Depends(services_dep)):
    return page(request, "case_open.html.j2", **open_context(svc, user, kind, {"subject": subject, "parent": parent,
                                                                             "entry": entry}, {}))


def open_context(svc, user: WebUser, kind: str | None, targets: dict, values: dict) -> dict:
    """The opening form: the kinds a person may open, and for the chosen one what it is opened on and the
    inputs its opening transition declares."""
    kinds = [{"kind": p.kind, "label": p.label} for p in svc.registry.procedures() if p.opening_trigger() is not None]
    chosen = None
    if kind:
        from ..inputs import choose

        code = choose(kind, svc.registry.labels(), "立案的案件类型", code="unknown_kind")
        proc = svc.registry.procedure(code)
        if proc.opening_trigger() is None:
            raise BadInput(f"{proc.label}案件只能由其他案件依程序开启，不能直接立案；请在所属案件的案件页办理",
                           code="not_openable", allowed=[k["kind"] for k in kinds])
        trigger = proc.opening_trigger()
        routes = [t for t in proc.transitions if t.trigger == trigger and t.role != "system"]
        specs: dict = {}
        for t in routes:
            for i in t.inputs:
                specs.setdefault(i.name, i)
        roles = {r for t in routes for r in t.roles}
        chosen = {"kind": proc.kind, "label": proc.label, "trigger": trigger,
                  "trigger_label": next((t.label for t in routes if t.when is None), routes[0].label),
                  "targets": [{"name": o, "label": TARGET_LABELS[o], "value": targets.get(o) or "",
                               "kinds": "、".join(svc.registry.label(k) for k in proc.parent_kinds if k in svc.registry)
                               if o == "parent" else ""} for o in proc.opens_on],
                  "fields": [{**field(i.describe()), "value": values.get(i.name, "")} for i in specs.values()],
                  "roles": "、".join(ROLE_LABELS.get(r, r) for r in sorted(roles)),
                  "may_open": any(user.has(r) for r in roles)}
    return {"kinds": kinds, "chosen": chosen}


def _form_inputs(form, names) -> dict:
    """The declared inputs a form filled in, as text (the engine parses them by declaration, as for `--set`);
    an empty field is an input not given."""
    out = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value
    return out


def _text_values(form) -> dict:
    """What the user typed, to fill the form again after a refusal (never the token, the version or a file)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "expected_version")}


def _expected_version(form) -> int | None:
    raw = form.get("expected_version")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise BadInput(f"表单的案件版本 {raw!r} 无效；请刷新案件页后重新办理", code="bad_version")
    return int(raw)


@router.post("/cases/new", name="case_open")
async def case_open(request: Request, user: WebUser = Depends(require_roles(*ACTING_ROLES)),
                    svc=Depends(services_dep)):
    form = await request.form()
    kind = form.get("kind") if isinstance(form.get("kind"), str) else ""
    targets = {o: form.get(o) for o in ("subject", "parent", "entry") if isinstance(form.get(o), str)}
    try:
        context = open_context(svc, user, kind or None, targets, {})
        chosen = context["chosen"]
        if chosen is None:
            raise BadInput("请选择要登记的案件类型", code="unknown_kind")
        values = _form_inputs(form, [f["name"] for f in chosen["fields"]])
        given = {t["name"]: targets[t["name"]].strip() for t in chosen["targets"]
                 if (targets.get(t["name"]) or "").strip()}
        if len(given) != 1:
            raise BadInput(f"{chosen['label']}案件须且只能填写一项立案对象："
                           + "或".join(t["label"] for t in chosen["targets"]), code="bad_target")
        (target, raw), = given.items()
        if target != "subject":
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
                raise BadInput(f"{TARGET_LABELS[target]} {raw!r} 不是有效编号；请填写正整数", code="bad_target")
            raw = int(raw)
        out = svc.cases.open(chosen["kind"], user.name, values, **{target: raw})
    except CreditflowError as exc:
        status, body = classify(request, exc)
        try:
            context = open_context(svc, user, kind or None, targets, _text_values(form))
        except CreditflowError:
            context = open_context(svc, user, None, {}, {})
        return page(request, "case_open.html.j2", status_code=status, error=body["error"], **context)
    return RedirectResponse(f"/cases/{out['case_id']}?done=opened", status_code=303)


@router.get("/cases/{case_id}", name="case_page")
def case_page(request: Request, case_id: str, done: str | None = None, user: WebUser = Depends(page_user),
              svc=Depends(services_dep)):
    return _render_case(request, svc, user, _case_id(case_id), done=done)


@router.post("/cases/{case_id}/actions/{trigger}", name="case_action")
async def case_action(request: Request, case_id: str, trigger: str,
                      user: WebUser = Depends(require_roles(*ACTING_ROLES)), svc=Depends(services_dep)):
    cid = _case_id(case_id)
    if trigger == ATTACH_TRIGGER:
        cap = attachments.ATTACHMENT_MAX_BYTES  # the service's limit, read when it is applied
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > cap + 1024 * 1024:  # the file and its form's fields: refused unread
            return _refusal(request, svc, user, cid, trigger, BadInput(
                f"材料文件超过 {cap // (1024 * 1024)} MiB 的上限，不能登记；"
                "请拆分为多个文件或降低扫描分辨率后分别登记", code="file_too_large"), {})
    form = await request.form()
    try:
        version = _expected_version(form)
        if trigger == SEALED_READ_TRIGGER:
            sealed = svc.cases.read_sealed(cid, user.name)
            response = _render_case(request, svc, user, cid, sealed=sealed)
            response.headers["Cache-Control"] = "no-store"  # a reporter's identity stays out of caches
            return response
        if trigger == ATTACH_TRIGGER:
            out = await _attach(svc, cid, user, form, version)
        else:
            # the inputs the trigger declares (whether or not it is offered now: the engine's refusal then names
            # the rule, not a missing input)
            proc = procedure_of(svc.registry, svc.cases.show(cid))
            names = dict.fromkeys(i.name for t in proc.transitions if t.trigger == trigger for i in t.inputs)
            inputs = _form_inputs(form, [n for n in names if n not in SERVICE_FILLED.get(trigger, ())])
            if trigger == ASSIGN_TRIGGER and "assignee" in inputs:
                out = svc.cases.assign(cid, inputs["assignee"], user.name, version)
            elif trigger == CORRECTION_TRIGGER and "notice" in inputs:
                if svc.documents.show(inputs["notice"])["case_id"] != cid:  # this page corrects its own case's notices
                    raise BadInput(f"文书 {inputs['notice']} 不是案件 {cid} 的文书；请在该文书所属案件的案件页更正",
                                   code="other_case_notice")
                out = svc.documents.correct(inputs["notice"], inputs.get("correction", ""), user.name, version)
            else:
                # an action not offered now goes to the engine all the same: its refusal names the rule
                out = svc.cases.act(cid, trigger, user.name, inputs, version)
    except CreditflowError as exc:
        return _refusal(request, svc, user, cid, trigger, exc, _text_values(form))
    finally:
        await form.close()
    seq = _seq_of(svc, cid, out.get("notice"))
    return RedirectResponse(f"/cases/{cid}?done={seq}" if seq else f"/cases/{cid}", status_code=303)


def _seq_of(svc, case_id: int, notice: str | None) -> int | None:
    """The log row of the step that issued `notice` on the case (the latest step when there is none)."""
    log = svc.audit.log(case_id)
    for e in reversed(log):
        if notice is None or e["notice_number"] == notice:
            return e["seq"]
    return None


async def _attach(svc, case_id: int, user: WebUser, form, version: int | None) -> dict:
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", None):
        raise BadInput("请选择要登记的材料文件（PDF、图片或 Office 文档）", code="unknown_file")
    name = _safe_filename(upload.filename)
    description = form.get("description") if isinstance(form.get("description"), str) else None
    folder = Path(tempfile.mkdtemp(prefix="creditflow-upload-"))
    try:
        path = folder / name
        with path.open("wb") as fh:
            written = 0
            while chunk := await upload.read(1024 * 1024):
                fh.write(chunk)
                written += len(chunk)
                if written > attachments.ATTACHMENT_MAX_BYTES:  # the service refuses it; no need to keep more
                    break
        return svc.cases.attach(case_id, path, user.name, (description or "").strip() or None, version)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _safe_filename(raw: str) -> str:
    """The uploaded file's own name (a browser may send a path): its last part, without control characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "材料"


def _refusal(request: Request, svc, user: WebUser, case_id: int, trigger: str, exc: CreditflowError, values: dict):
    """The case page again, with the refusal or the bad input where the form was, and the status the one
    mapping gives it (409 refused or changed meanwhile, 400 bad input, 404 unknown case)."""
    status, body = classify(request, exc)
    if status == 404:
        raise exc
    return _render_case(request, svc, user, case_id, status_code=status, error=body["error"], error_trigger=trigger,
                        current_version=body.get("current_version"), values=values)


# -- attached material ---------------------------------------------------------------------------------------------

@router.get("/cases/{case_id}/attachments/{sha256}", name="case_attachment")
def case_attachment(request: Request, case_id: str, sha256: str, user: WebUser = Depends(page_user),
                    svc=Depends(services_dep)):
    """The stored content of a material this case's log attached, as a download with the type read from its
    content when it was stored (never rendered in the page's origin: `attachment`, `nosniff`)."""
    out = svc.materials.content(_case_id(case_id), sha256.lower())
    return Response(out["content"], media_type=out["media_type"], headers={
        "Content-Disposition": f"attachment; filename=\"material\"; filename*=UTF-8''{quote(out['filename'], safe='')}",
        "X-Content-Type-Options": "nosniff", "X-Content-SHA256": out["sha256"], "Cache-Control": "private, no-store"})


# -- notices --------------------------------------------------------------------------------------------------------

@router.get("/notices/{number}", name="notice_page")
def notice_page(request: Request, number: str, user: WebUser = Depends(page_user), svc=Depends(services_dep)):
    notice = svc.documents.show(number)
    shown = svc.cases.show(notice["case_id"])
    return page(request, "notice.html.j2", notice=notice, case=shown, pdf_url=notice_pdf_url(notice["number"]),
                audience_label=AUDIENCE_LABELS.get(notice["audience"], notice["audience"]))


@router.get("/cases/{case_id}/notices/{number}", name="case_notice_page")
def case_notice_page(request: Request, case_id: str, number: str, user: WebUser = Depends(page_user),
                     svc=Depends(services_dep)):
    cid = _case_id(case_id)
    notice = svc.documents.show(number)
    if notice["case_id"] != cid:  # the notice exists, but under another case: its own address
        return RedirectResponse(f"/notices/{quote(notice['number'], safe='')}", status_code=307)
    return notice_page(request, number, user, svc)


@router.get("/notices/{number}/pdf", name="notice_pdf")
def notice_pdf(number: str, user: WebUser = Depends(page_user), svc=Depends(services_dep)):
    out = svc.documents.pdf(number)
    filename = f"{out['number']}.pdf"
    return Response(out["pdf"], media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"notice.pdf\"; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-SHA256": out["sha256"]})


def notice_url(number: str) -> str:
    return f"/notices/{quote(number, safe='')}"


def notice_pdf_url(number: str) -> str:
    return f"/notices/{quote(number, safe='')}/pdf"


AUDIENCE_LABELS = {"subject": "送达当事人", "internal": "内部记录", "public": "公示", "approvers": "报审核人",
                   "handlers": "承办人提醒", "authority": "移送机关"}
