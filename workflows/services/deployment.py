"""The deployment area: the store and its settings (`init`), the users, the credit subjects.

Each method owns one transaction (`init` first upgrades the schema, which Alembic does in its own).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine as DbEngine

from states.archive import KINDS as ARCHIVE_KINDS
from states.identifiers import SUBJECT_TYPES, IdentifierError, validate_subject
from states.registry import Registry
from states.spec import PUBLIC_ACTOR
from states.spec import NAME_LENGTH

from .. import clock, deployment
from ..errors import BadInput
from ..inputs import choose, clean_text
from ..store import archive as archive_repo
from ..store import cases_repo, people_repo, repo, schema
from ..store.uow import UnitOfWork
from .common import resolve_subject, subject_dict
from ..store.accounts_repo import SESSION_KEY
from .accounts import ensure_session_key

ROLES = {"handler": "经办人", "approver": "审核人", "auditor": "审计人员"}  # a person's roles (system is not one)


class DeploymentService:
    def __init__(self, db: DbEngine, uow: Callable[[], UnitOfWork], registry: Registry, *, database_url: str,
                 settings_changed: Callable[[], None]):
        self.db = db
        self.uow = uow
        self.registry = registry
        self.database_url = database_url
        self.settings_changed = settings_changed  # tells this process's engine to read the settings afresh

    def init(self, *, rename: bool = False, actor: str | None = None, **values) -> dict:
        """Create or upgrade the schema and the deployment's settings (idempotent; workflows/deployment.py).

        Once the store has a case, changing a set department, prefix or remedies body is refused unless
        `rename`; any such change is then signed by `actor` (an approver) and recorded, hash-chained, in
        `settings_changes` (returned as `renamed`, else None). Unset settings are None in `deployment`."""
        schema.upgrade(self.db)
        with self.uow() as uow:
            people_repo.ensure_system_user(uow.conn, clock.real_now())
            merged, change = deployment.configure(uow.conn, values, rename=rename, actor=actor)
            ensure_session_key(uow.conn)  # the web's cookie signing key, shared by every web process
            uow.commit()
        self.settings_changed()
        shown = {k: v for k, v in {**merged, **deployment.identity(merged)}.items() if k != SESSION_KEY}
        return {"schema": schema.head_revision(), "deployment": shown, "database": safe_url(self.database_url),
                "renamed": change}

    # -- users ------------------------------------------------------------------------------------------

    def add_user(self, name: str, roles: list[str]) -> dict:
        name = clean_text(name or "", "user add：用户名", limit=64)
        if not name:
            raise BadInput("用户名须为1至64个字符；请重新填写")
        if name.casefold() == people_repo.SYSTEM_USER:
            raise BadInput("“system”是系统定时任务的执行者，由 init 创建，不能作为用户名；请换一个用户名")
        if name.casefold() == PUBLIC_ACTOR:
            raise BadInput("“public”是公示栏代公众提出异议的账户，由系统创建，不能作为用户名；请换一个用户名",
                           code="reserved_user")
        if not roles:
            raise BadInput("user add：--role 未填写；可选：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items()),
                           allowed=list(ROLES))
        roles = [choose(r, ROLES, "user add：--role 角色", code="unknown_role") for r in roles]
        if len(set(roles)) != len(roles):
            raise BadInput("user add：--role 中同一角色出现了不止一次；每个角色只写一次，如 handler,approver",
                           code="repeated_value")
        roles = list(dict.fromkeys(roles))
        with self.uow() as uow:
            if repo.user_row(uow.conn, name):
                raise BadInput(f"用户 {name!r} 已存在")
            people_repo.add_user(uow.conn, name, roles, clock.real_now())
            uow.commit()
        return {"name": name, "roles": roles}

    def list_users(self) -> list[dict]:
        with self.uow() as uow:
            return [{"name": r.name, "roles": r.roles.split(",")} for r in people_repo.list_users(uow.conn)]

    # -- subjects -----------------------------------------------------------------------------------------

    def add_subject(self, name: str, subject_type: str, uscc: str | None, id_number: str | None) -> dict:
        name = clean_text(name or "", "信用主体名称（--name）", limit=NAME_LENGTH)  # one line, at most 200
        subject_type = choose(subject_type or "", SUBJECT_TYPES, "subject add：--type 信用主体类型", code="bad_identifier")
        if not name:
            raise BadInput("信用主体名称（--name）不能为空；请填写登记的名称或姓名")
        try:
            kind, identifier = validate_subject(subject_type, uscc, id_number, today=clock.today())
        except IdentifierError as exc:
            raise BadInput(str(exc), code="bad_identifier", article="河南省医疗保障基金使用信用管理办法 Art. 6, 10") from None
        with self.uow() as uow:
            if people_repo.subject_by_identifier(uow.conn, identifier):
                raise BadInput(f"证件号码为 {identifier} 的信用主体已登记；请用 creditflow subject show {identifier} 查看")
            sid = people_repo.add_subject(uow.conn, name=name, subject_type=subject_type, identifier_kind=kind,
                                          identifier=identifier, now=clock.real_now())
            uow.commit()
        return {"id": sid, "name": name, "type": subject_type, "identifier": identifier}

    def show_subject(self, key: str) -> dict:
        """A subject with its cases (described by the declaration each was opened under) and its credit
        archive (Art. 10, 30-31): every entry, with whether it is in use today."""
        with self.uow() as uow:
            row = resolve_subject(uow.conn, key)
            case_rows = cases_repo.of_subject(uow.conn, row.id)
            archive = archive_repo.entries_of(uow.conn, row.id, clock.today())
        cases = []
        for c in case_rows:
            proc = self.registry.procedure(c.kind, c.declaration_version)
            cases.append({"id": c.id, "kind": c.kind, "label": proc.label, "state": c.state,
                          "state_label": proc.state(c.state).label})
        return {**subject_dict(row), "type_label": SUBJECT_TYPES[row.subject_type], "cases": cases,
                "archive": [{**e.to_dict(), "kind_label": ARCHIVE_KINDS[e.kind]} for e in archive]}

    def list_subjects(self) -> list[dict]:
        with self.uow() as uow:
            return [subject_dict(r) for r in people_repo.list_subjects(uow.conn)]


def safe_url(url: str) -> str:
    """The database URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url


def font_settings(values: list[str] | None) -> dict:
    """`--font role=family` values as deployment settings (font_<role>), each an installed font.

    GB/T 9704 asks for 仿宋, 小标宋, 黑体, 楷体 and 宋体, none of them free; notices use Noto CJK SC in
    their place unless the deployment names licensed fonts installed on every machine that renders."""
    import shutil
    import subprocess

    from notices.render import TYPEFACES, check_font_family

    out = {}
    for item in values or []:
        role, sep, family = item.partition("=")
        role = role.strip()
        if not sep or role not in TYPEFACES:
            raise BadInput(f"--font takes role=family with a role of {', '.join(TYPEFACES)}; got {item!r}",
                           allowed=list(TYPEFACES))
        try:
            family = check_font_family(family)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if shutil.which("fc-list"):
            listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
            names = {name.strip() for line in listed.splitlines() for name in line.split(",")}
            if family not in names:
                raise BadInput(f"font family {family!r} is not installed here (fc-list); install the licensed font "
                               "first, on every machine that renders notices", code="font_missing")
        out[f"font_{role}"] = family
    return out
