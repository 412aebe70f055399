"""Pure package: each procedure as a declaration, validated when loaded, run on `transitions`.

Adding a procedure means adding one module with a `PROCEDURE`, its templates in `notices/`,
and its tests; list the module here (the registration line). `REGISTRY` is the registry a
deployment runs; tests build their own with `Registry(...)`.
"""

from __future__ import annotations

from types import MappingProxyType

from . import evaluation, objection
from .archive import check_bad_disclosure, check_good_disclosure
from .machine import ProcedureMachine, Refusal
from .policy import DEFAULT_POLICY
from .registry import Registry, UnknownProcedure
from .spec import NEW, DeclarationError, Procedure, validate

PROCEDURE_MODULES = (evaluation, objection)


def check_policy(policy) -> None:
    """Policy numbers with legal bounds, checked once when the registry is built, not first when a case
    needs them."""
    check_good_disclosure(policy["good_disclosure_months"])
    check_bad_disclosure(policy["bad_disclosure_months"])


def build_registry(modules=PROCEDURE_MODULES, policy=DEFAULT_POLICY, **kwargs) -> Registry:
    """A registry of the modules' procedures (every version a module lists in `VERSIONS`, else its
    `PROCEDURE`) and their demo scenes (`SCENE`)."""
    procedures = [p for m in modules for p in getattr(m, "VERSIONS", (m.PROCEDURE,))]
    scenes = {m.PROCEDURE.kind: m.SCENE for m in modules if getattr(m, "SCENE", None)}
    return Registry(procedures, policy=policy, scenes=scenes, check_policy=check_policy, **kwargs)


REGISTRY: Registry = build_registry()
# Read-only views of the latest declarations, for readers of declarations (docs, tests).
PROCEDURES = MappingProxyType({p.kind: p for p in REGISTRY.procedures()})

__all__ = ["DEFAULT_POLICY", "DeclarationError", "NEW", "PROCEDURES", "Procedure", "ProcedureMachine", "REGISTRY",
           "Refusal", "Registry", "UnknownProcedure", "build_registry", "check_policy", "validate"]
