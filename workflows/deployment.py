"""The deployment's identity: who issues the notices, and where a decision can be challenged.

Four settings in table `deployment`, set by `creditflow init` (`svc.deployment.init`):

* ``department_name``: the issuing department (发文机关, GB/T 9704-2012 7.2.4), e.g. 郑州市医疗保障局;
* ``number_prefix``: its code in the document numbers (机关代字 of the 发文字号, 7.2.5), e.g. 郑医保;
* ``reconsideration_body``: the body named for administrative reconsideration (行政复议机关) in the
  remedies paragraph of a decision against the subject;
* ``court``: the court named there for an administrative suit (行政诉讼).

Nothing fictional is ever filled in. A fresh store starts with the first three unset (stored as
``""``) and the court's truthful generic wording; the reconsideration body is derived from the
department's name only where the law makes it certain (`derive_reconsideration_body`). The engine
refuses a transition whose notice cannot be issued truthfully (`require_for_notice`, called where
it renders the notice): no notice at all without the department and prefix, no decision with
remedies without the reconsideration body.

Once the store has a case, its notices name the department, prefix and bodies in force when they
were issued: changing a set value then needs ``--rename``, filling an unset one does not, and either
is signed by an approver (``--as``) and recorded in the hash-chained table `settings_changes`
(`record_change`), which `creditflow audit verify` checks (workflows/auditing.py). Before the first
case there is nothing to keep consistent with, and init simply overwrites (the README's ``init``
then ``init --department …``, and the demo bureau filled into an empty store).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from states.spec import NAME_LENGTH

from . import clock
from .audit import instant, settings_change_hash
from .auditing import refuse_read_only
from .errors import BadInput, Conflict, Refused
from .inputs import clean_text
from .store import repo
from .store.tables import cases, settings_changes
from .store.tables import deployment as deployment_table

IDENTITY_KEYS = repo.DEPLOYMENT_KEYS  # department_name, number_prefix, reconsideration_body, court
UNSET = ""  # how an unset value is stored (the column is NOT NULL; repo.deployment_settings wants every key)

# Administrative Litigation Law (2017) Art. 18: a suit goes to the court where the agency that first
# acted is seated (after reconsideration also where the reconsideration body is), and with the Supreme
# People's Court's approval a higher court may send administrative cases across districts to
# designated courts (e.g. 郑州铁路运输法院 for much of Zhengzhou); Art. 14-15 add the level (basic, or
# intermediate for some cases). Which court is competent depends on the case and on designations that
# change, so naming one is a statement the bureau must make itself, while "有管辖权的人民法院" is true of
# every case, and a decision that states the right to sue and its period informs the subject fully
# (Art. 46; the court's name is not a required element). So the generic wording is the default, kept
# until the deployment names a court with `creditflow init --court …`; it is never left unset.
GENERIC_COURT = "有管辖权的人民法院"
DEFAULTS = {"department_name": UNSET, "number_prefix": UNSET, "reconsideration_body": UNSET, "court": GENERIC_COURT}

# What init filled in before this module existed. A store initialised then with only --department still
# holds it; it is treated as unset unless the department is a fictitious 示例 one too.
LEGACY_PLACEHOLDERS = {"reconsideration_body": "示例市人民政府"}

LABELS = {"department_name": "发文机关", "number_prefix": "文号前缀", "reconsideration_body": "复议机关",
          "court": "人民法院"}
FLAGS = {"department_name": "--department", "number_prefix": "--prefix",
         "reconsideration_body": "--reconsideration-body", "court": "--court"}
CHANGE_ROLE = "approver"
PREFIX_LENGTH = 16  # 机关代字 (GB/T 9704-2012 7.2.4) is a few characters; the whole number must fit 64

REMEDIES_ARTICLE = "中华人民共和国行政复议法 Art. 24"
COURT_ARTICLE = "中华人民共和国行政诉讼法 Art. 18"
IDENTITY_ARTICLE = "GB/T 9704-2012 7.2.4, 7.2.5（发文机关标志、发文字号）"
RENAME_ARTICLE = "creditflow policy: 已出具的文书以当时的发文机关、文号前缀和救济机关为准（文书编号连续、审计留痕）"


# -- values ---------------------------------------------------------------------------------------------

def value(settings: Mapping, key: str) -> str | None:
    """The setting in force, or None when unset (empty, or a legacy placeholder)."""
    v = (settings.get(key) or "").strip()
    if not v:
        return None
    if LEGACY_PLACEHOLDERS.get(key) == v and "示例" not in (settings.get("department_name") or ""):
        return None
    return v


def identity(settings: Mapping) -> dict:
    """The four identity settings in force: the stored text, None when unset."""
    return {k: value(settings, k) for k in IDENTITY_KEYS}


def recorded(settings: Mapping) -> dict:
    """The four identity settings as stored (None when empty): what a settings change records as old and
    new, and what `audit verify` compares the deployment table with."""
    return {k: (settings.get(k) or "").strip() or None for k in IDENTITY_KEYS}


# -- the reconsideration body, where the law makes it certain -------------------------------------------------

# Administrative Reconsideration Law (2023) Art. 24(1)(1): the people's government at county level or
# above reviews the acts of its own working departments. A 医疗保障局 of a city (including a municipality
# directly under the central government), county, city district, autonomous prefecture, autonomous
# county or banner is such a department, so its body is "<the same name>人民政府": 郑州市医疗保障局 ->
# 郑州市人民政府, 郑州市金水区医疗保障局 -> 郑州市金水区人民政府, 北京市医疗保障局 -> 北京市人民政府.
# Not derived, because the name does not settle it:
# * 省 and 自治区 (provincial level): left to the deployment, which states its own remedies;
# * 地区 and 盟: their organs are 行政公署, agencies of the provincial government (Art. 24(3)), not
#   people's governments;
# * a bare 州 (郑州医疗保障局): every 州 today is an 自治州, so it is a city name without its 市;
# * 分局 and other agencies of a department (派出机构, Art. 24(4): sometimes a choice of two bodies),
#   and bureaus of development zones, new areas, parks and the like, which have management committees
#   (管委会) rather than people's governments (浦东新区 and 滨海新区 do have one; all 新区 are refused
#   alike, rather than keep a list).
DERIVABLE_ENDINGS = ("自治州", "自治县", "自治旗", "市", "县", "区", "旗")
NOT_DERIVABLE_ENDINGS = ("自治区", "地区", "管理区")
UNSURE_MARKS = ("局", "派出", "办事处", "管委会", "管理委员会", "委员会", "中心", "开发", "高新", "新区", "园区",
                "实验区", "试验区", "示范区", "保税", "港区", "合作区", "集聚区", "功能区", "经济区", "工业区",
                "旅游区", "度假区", "风景", "景区", "保护区", "（", "(", "·")
DEPARTMENT_ENDING = "医疗保障局"


def derive_reconsideration_body(department: str | None) -> str | None:
    """The reconsideration body Art. 24(1)(1) names for `department`, or None when the name does not settle it."""
    name = (department or "").strip()
    if not name.endswith(DEPARTMENT_ENDING) or any(c.isspace() for c in name):
        return None
    government = name[: -len(DEPARTMENT_ENDING)]
    if government.endswith(NOT_DERIVABLE_ENDINGS) or any(mark in government for mark in UNSURE_MARKS):
        return None
    ending = next((e for e in DERIVABLE_ENDINGS if government.endswith(e)), None)
    if ending is None or len(government) <= len(ending):
        return None
    return government + "人民政府"


# -- which notices name the remedies bodies ------------------------------------------------------------------

_BODY_ATTRS = frozenset({"reconsideration_body", "court"})


def _is_against_subject(test) -> bool:
    from jinja2 import nodes

    return (isinstance(test, nodes.Getattr) and test.attr == "against_subject"
            and isinstance(test.node, nodes.Name) and test.node.name == "notice")


def template_names_remedies(env, name: str, _seen: set | None = None) -> bool:
    """Whether template `name` (with what it extends and includes) may print the remedies bodies other
    than under ``{% if notice.against_subject %}`` alone: a call of ``remedies()`` or a use of
    ``department.reconsideration_body`` / ``court``. Static and conservative: a call under any other
    condition counts (finalized.html.j2 adds the remedies to a D grade)."""
    from jinja2 import nodes

    seen = _seen if _seen is not None else set()
    if name in seen:
        return False
    seen.add(name)
    source, _, _ = env.loader.get_source(env, name)
    found = False

    def visit(node, guarded: bool) -> None:
        nonlocal found
        if found:
            return
        if isinstance(node, nodes.Macro) and node.name == "remedies":
            return  # the definition, not a use
        if isinstance(node, nodes.If) and _is_against_subject(node.test):
            for child in node.body:
                visit(child, True)  # covered by Notice.against_subject
            for child in list(node.elif_) + list(node.else_):
                visit(child, guarded)
            return
        if isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)) \
                and isinstance(node.template, nodes.Const):
            if template_names_remedies(env, node.template.value, seen):
                found = True
                return
        if not guarded:
            if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == "remedies":
                found = True
            elif isinstance(node, nodes.Getattr) and node.attr in _BODY_ATTRS:
                found = True
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and node.arg.value in _BODY_ATTRS:
                found = True
        for child in node.iter_child_nodes():
            visit(child, guarded)

    visit(env.parse(source), False)
    return found


@lru_cache(maxsize=None)
def _template_needs_remedies(template: str) -> bool:
    from notices import environment

    return template_names_remedies(environment(), template)


def needs_remedies(notice) -> bool:
    """A decision with remedies: declared against the subject, or its template names the bodies."""
    return bool(getattr(notice, "against_subject", False)) or _template_needs_remedies(notice.template)


# -- the engine's check ----------------------------------------------------------------------------------------

def require_for_notice(settings: Mapping, notice) -> None:
    """Refuse (exit 3) a transition whose notice could not be issued truthfully with these settings.

    Called by the engine right after it reads the settings, before it renders and numbers the notice.
    Cheap when everything is set (the common case): the templates are looked at only otherwise."""
    if value(settings, "department_name") is None or value(settings, "number_prefix") is None:
        missing = "、".join(LABELS[k] for k in ("department_name", "number_prefix") if value(settings, k) is None)
        raise Refused(f"尚未设置{missing}，不能出具任何文书，本次办理未执行：请先运行 "
                      "`creditflow init --department <发文机关全称> --prefix <机关代字>`"
                      "（例如 --department 郑州市医疗保障局 --prefix 郑医保）；"
                      "演示请用 `creditflow demo` 或 `creditflow serve --demo`，它在空库中自行设置演示机关",
                      code="DEPLOY-IDENTITY", article=IDENTITY_ARTICLE)
    body, court = value(settings, "reconsideration_body"), value(settings, "court")
    if body is not None and court is not None:
        return
    if not needs_remedies(notice):
        return
    title = getattr(notice, "title", "本文书")
    if body is None:
        stored = (settings.get("reconsideration_body") or "").strip()
        why = (f"现存的“{stored}”是旧版本默认填入的虚构名称" if stored else
               f"无法由发文机关名称“{settings.get('department_name')}”确定其本级人民政府")
        raise Refused(f"《{title}》须告知申请行政复议的机关（行政复议法第二十四条），但尚未设置复议机关（{why}），"
                      "本次办理未执行：请运行 `creditflow init --reconsideration-body <复议机关全称> --as <审核人用户名>`"
                      "（例如 --reconsideration-body 郑州市人民政府）后重新办理",
                      code="DEPLOY-REMEDIES", article=REMEDIES_ARTICLE)
    raise Refused(f"《{title}》须告知提起行政诉讼的人民法院，但尚未设置：请运行 "
                  f"`creditflow init --court <人民法院全称，或“{GENERIC_COURT}”> --as <审核人用户名>` 后重新办理",
                  code="DEPLOY-REMEDIES", article=COURT_ARTICLE)


# -- init ----------------------------------------------------------------------------------------------------

def configure(conn: Connection, values: Mapping, *, rename: bool = False, actor: str | None = None) -> tuple[dict, dict | None]:
    """What `creditflow init` does to the settings, inside the caller's transaction.

    `values`: the identity settings given (None: not given) and any other settings (fonts). Returns
    (all settings now stored, the recorded change or None). Refuses, changing nothing, a change of a
    set identity value once the store has a case unless `rename`; any identity change then needs
    `actor`, an approver, and is recorded in `settings_changes`."""
    stored = {r.key: r.value for r in conn.execute(select(deployment_table))}
    current = {**DEFAULTS, **{k: stored[k] for k in IDENTITY_KEYS if k in stored}}
    given = {k: clean_text(v, f"init：{LABELS.get(k, k)}", limit=PREFIX_LENGTH if k == "number_prefix" else NAME_LENGTH)
             for k, v in values.items() if k in IDENTITY_KEYS and v is not None}
    given = {k: v for k, v in given.items() if v}
    others = {k: v for k, v in values.items() if k not in IDENTITY_KEYS and v}

    new = {**current, **given}
    department = given.get("department_name")
    moved = department is not None and department != value(current, "department_name")
    # The remedies bodies follow the department: derived anew when it changes (or when the body is unset
    # and the department is given), the court back to the generic wording unless given with it.
    if "reconsideration_body" not in given and department is not None \
            and (moved or value(current, "reconsideration_body") is None):
        derived = derive_reconsideration_body(department)
        if derived is not None or moved:
            new["reconsideration_body"] = derived or UNSET
    if "court" not in given and (moved or value(current, "court") is None):
        new["court"] = GENERIC_COURT
    changed = [k for k in IDENTITY_KEYS if new[k] != current[k]]

    change = None
    if changed:
        n_cases = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        if n_cases:
            renamed = [k for k in changed if value(current, k) is not None]
            if renamed and not rename:
                what = "；".join(f"{LABELS[k]}由“{current[k]}”改为“{new[k] or '（未设置）'}”" for k in renamed)
                flags = " ".join(f"{FLAGS[k]} {new[k]}" for k in changed if new[k])
                raise Refused(f"本库已有 {n_cases} 个案件，已出具的文书以现有设置为准：{what}。确需更改，请加 --rename "
                              f"并以 --as <审核人用户名> 署名，变更记入审计日志：creditflow init {flags} --rename --as <审核人用户名>"
                              "；未作任何更改", code="DEPLOY-RENAME", article=RENAME_ARTICLE)
            change = record_change(conn, actor, recorded(current), recorded(new))
    repo.set_deployment(conn, {**{k: new[k] for k in IDENTITY_KEYS}, **others})
    return {**stored, **new, **others}, change


def _change_actor(conn: Connection, actor: str | None) -> str:
    if not actor or not actor.strip():
        raise BadInput("本库已有案件：更改部署设置须以 --as <审核人用户名> 署名（记入审计日志）", code="actor_required")
    row = repo.user_row(conn, actor.strip())
    if row is None or row.name == "system":
        raise BadInput(f"未知用户 {actor!r}：部署设置的变更须由已登记的审核人署名"
                       f"（`creditflow user add {actor} --role approver`），未作任何更改", code="unknown_user")
    roles = [r for r in row.roles.split(",") if r]
    refuse_read_only(row.name, roles)
    if CHANGE_ROLE not in roles:
        raise Refused(f"更改已有案件的部署设置须由审核人署名；用户 {row.name} 没有审核人角色，未作任何更改",
                      code="ROLE", article="creditflow policy: 部署设置（发文机关、文号前缀、救济机关）的变更由审核人署名并记入审计日志")
    return row.name


def record_change(conn: Connection, actor: str | None, old: dict, new: dict) -> dict:
    """Append one hash-chained settings change (workflows/audit.py `settings_change_hash`)."""
    name = _change_actor(conn, actor)
    last = conn.execute(select(settings_changes.c.seq, settings_changes.c.hash)
                        .order_by(settings_changes.c.seq.desc()).limit(1)).first()
    row = {"seq": (last.seq if last else 0) + 1, "actor": name, "changed_at": clock.real_now(),
           "clock_overridden": clock.overridden(), "old": old, "new": new, "prev_hash": last.hash if last else ""}
    row["hash"] = settings_change_hash(row)
    try:
        conn.execute(insert(settings_changes).values(**row))
    except IntegrityError:  # the unique seq: a concurrent init recorded its change first
        raise Conflict("another settings change was recorded at the same moment; run `creditflow init` again") from None
    return {**row, "changed_at": instant(row["changed_at"])}
