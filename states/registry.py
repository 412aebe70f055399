"""The registry of procedures: every declaration version, its machine and its policy, built once.

A `Registry` is made from procedure declarations (each validated here, as it is loaded), the
deployment's base policy and optional profiles, and is then passed to whoever runs cases: the
engine, the services, the command line, the docs. Nothing reads procedures from a global: tests
build their own registry with their own procedures.

Old declaration versions stay registered: a case opened under version 1 is advanced under
version 1 after version 2 ships (`procedure(kind, version)`); new cases open under the latest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .machine import ProcedureMachine
from .policy import PolicySchedule
from .spec import DeclarationError, Policy, Procedure, validate


class UnknownProcedure(KeyError):
    """A kind (or a version of it) this registry does not hold."""

    def __init__(self, kind: str, version: int | None, known: tuple[str, ...]):
        super().__init__(kind)
        self.kind, self.version, self.known = kind, version, known


@dataclass(frozen=True)
class Registered:
    procedure: Procedure
    machine: ProcedureMachine


class Registry:
    """Procedures by kind and version, their shared machines, and the policy each one runs under."""

    def __init__(self, procedures: Iterable[Procedure], *, policy: Policy | None = None,
                 schedule: PolicySchedule | None = None,
                 profiles: Mapping[str, Policy] | None = None,
                 scenes: Mapping[str, Callable] | None = None,
                 template_exists: Callable[[str], bool] | None = None,
                 check_policy: Callable[[Policy], None] | None = None):
        if template_exists is None:
            from notices import template_exists
        if schedule is None and policy is None:
            raise ValueError("a registry needs a policy or a policy schedule")
        # The dated profiles (the numbers in force on a day); a single policy is a schedule of one.
        self.schedule = schedule if schedule is not None else PolicySchedule.single(policy)
        self.base_policy = policy if policy is not None else self.schedule.profiles[0].policy
        self.profiles = MappingProxyType(dict(profiles or {}))
        self._check_policy = check_policy
        self._versions: dict[str, dict[int, Registered]] = {}
        for proc in procedures:
            versions = self._versions.setdefault(proc.kind, {})
            if proc.version in versions:
                raise DeclarationError(f"two declarations of procedure {proc.kind!r} version {proc.version}")
            for base in self.schedule.policies():
                for profile in (None, *self.profiles):
                    validate(proc, self._overlay(base, proc, profile), template_exists)
            versions[proc.version] = Registered(proc, ProcedureMachine(proc))
        self._latest = {kind: versions[max(versions)] for kind, versions in self._versions.items()}
        self.scenes = MappingProxyType(dict(scenes or {}))
        self._check_relations()
        self.check_schedule(self.schedule)

    def check_schedule(self, schedule: PolicySchedule) -> None:
        """Legal bounds of every dated profile (with a deployment's overrides) and every office profile,
        checked when the registry is built and when a deployment's overrides are loaded, not first when a
        case needs them."""
        if self._check_policy is None:
            return
        for dated, base in zip(schedule.profiles, schedule.policies()):
            for profile in (None, *self.profiles):
                try:
                    self._check_policy(base.overlaid(self.profiles.get(profile) if profile else None))
                except ValueError as exc:
                    raise DeclarationError(f"policy {dated.name}{'/' + profile if profile else ''}: {exc}") from None

    # -- lookups -------------------------------------------------------------------------------------

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._latest)

    def procedures(self) -> list[Procedure]:
        """The latest declaration of every kind, in registration order."""
        return [r.procedure for r in self._latest.values()]

    def all_versions(self) -> list[Procedure]:
        return [r.procedure for versions in self._versions.values() for r in versions.values()]

    def __contains__(self, kind: str) -> bool:
        return kind in self._latest

    def _get(self, kind: str, version: int | None) -> Registered:
        versions = self._versions.get(kind)
        if versions is None:
            raise UnknownProcedure(kind, version, self.kinds)
        if version is None:
            return self._latest[kind]
        if version not in versions:
            raise UnknownProcedure(kind, version, self.kinds)
        return versions[version]

    def procedure(self, kind: str, version: int | None = None) -> Procedure:
        return self._get(kind, version).procedure

    def machine(self, kind: str, version: int | None = None) -> ProcedureMachine:
        return self._get(kind, version).machine

    def label(self, kind: str) -> str:
        return self.procedure(kind).label

    def labels(self) -> dict[str, str]:
        return {kind: r.procedure.label for kind, r in self._latest.items()}

    def _overlay(self, base: Policy, proc: Procedure, profile: str | None) -> Policy:
        return base.overlaid(proc.policy, self.profiles.get(profile) if profile else None)

    def policy_for(self, proc: Procedure, profile: str | None = None, *, on=None,
                   schedule: PolicySchedule | None = None) -> Policy:
        """The numbers `proc` runs under on day `on`: the dated profile in force that day (`schedule`, default
        the registry's; without a day, the base policy), the procedure's own numbers, then the office
        profile's (another jurisdiction's or office's numbers; later ones win)."""
        schedule = schedule or self.schedule
        base = schedule.policy_on(on) if on is not None else self.base_policy.overlaid(schedule.overrides)
        return self._overlay(base, proc, profile)

    def policy(self, kind: str, version: int | None = None, profile: str | None = None, *, on=None) -> Policy:
        if profile is not None and profile not in self.profiles:
            raise KeyError(f"unknown policy profile {profile!r}")
        return self.policy_for(self.procedure(kind, version), profile, on=on)

    def triggers(self) -> set[str]:
        return {t for p in self.all_versions() for t in p.triggers}

    # -- consistency across procedures ---------------------------------------------------------------

    def _check_relations(self) -> None:
        problems = []
        for proc in self.all_versions():
            where = f"procedure {proc.kind!r} v{proc.version}"
            for kind in proc.parent_kinds:
                if kind not in self._latest:
                    problems.append(f"{where}: parent kind {kind!r} is not registered")
            for t in proc.transitions:
                if t.parent and not any(t.parent.trigger in self.procedure(k).triggers
                                        for k in proc.parent_kinds if k in self._latest):
                    problems.append(f"{where}: parent trigger {t.parent.trigger!r} is not declared by a parent kind")
                for o in t.opens:
                    if o.kind not in self._latest:
                        problems.append(f"{where}: opens unknown kind {o.kind!r}")
                        continue
                    target = self.procedure(o.kind)
                    if not any(ot.trigger == o.trigger and ot.role == "system" for ot in target.openings()):
                        problems.append(f"{where}: {o.kind!r} has no system opening {o.trigger!r}")
                    if o.relation == "child" and proc.kind not in target.parent_kinds:
                        problems.append(f"{where}: opens {o.kind!r} as a child, but {proc.kind!r} is not among its "
                                        "parent kinds")
                for n in t.notifies:
                    kinds = [n.kind] if n.kind else list(self._latest)
                    if n.kind and n.kind not in self._latest:
                        problems.append(f"{where}: notifies unknown kind {n.kind!r}")
                    elif not any(n.trigger in self.procedure(k).triggers for k in kinds):
                        problems.append(f"{where}: no registered procedure takes {n.trigger!r}")
        if problems:
            raise DeclarationError("; ".join(problems))
