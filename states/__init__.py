"""Pure package: each procedure as a declaration, validated when loaded, run on `transitions`.

Adding a procedure means adding one module with a `PROCEDURE`, its templates in `notices/`,
and its tests; list the module here.
"""

from __future__ import annotations

from . import evaluation, objection
from .archive import DisclosureError, check_bad_disclosure, check_good_disclosure
from .machine import ProcedureMachine, Refusal
from .policy import DEFAULT_POLICY
from .spec import NEW, DeclarationError, Procedure, validate

PROCEDURE_MODULES = (evaluation, objection)


def _load() -> dict[str, Procedure]:
    from notices import template_exists

    procedures = {}
    for module in PROCEDURE_MODULES:
        proc = module.PROCEDURE
        if proc.kind in procedures:
            raise DeclarationError(f"two procedures declare kind {proc.kind!r}")
        validate(proc, DEFAULT_POLICY, template_exists)
        procedures[proc.kind] = proc
    for proc in procedures.values():
        if proc.parent_kind and proc.parent_kind not in procedures:
            raise DeclarationError(f"procedure {proc.kind!r}: parent kind {proc.parent_kind!r} is not declared")
        for t in proc.transitions:
            if t.parent:
                parent = procedures[proc.parent_kind]
                if not any(pt.trigger == t.parent.trigger for pt in parent.transitions):
                    raise DeclarationError(f"procedure {proc.kind!r}: parent trigger {t.parent.trigger!r} is not declared")
    # Policy numbers with legal bounds are checked once here, not first when a case needs them.
    try:
        check_good_disclosure(DEFAULT_POLICY["good_disclosure_months"])
        check_bad_disclosure(DEFAULT_POLICY["bad_disclosure_months"])
    except DisclosureError as exc:
        raise DeclarationError(f"policy {DEFAULT_POLICY.name}: {exc}") from None
    return procedures


PROCEDURES: dict[str, Procedure] = _load()
MACHINES: dict[str, ProcedureMachine] = {kind: ProcedureMachine(p) for kind, p in PROCEDURES.items()}

__all__ = ["DEFAULT_POLICY", "DeclarationError", "MACHINES", "NEW", "PROCEDURES", "Procedure", "ProcedureMachine",
           "Refusal", "validate"]
