"""The policy in force: the dated profiles of the registry with this deployment's overrides.

`deployment_schedule` checks the settings file's `[policy]` overrides once, when the services start:
a number that no profile knows, a value of another type, or one outside its legal bounds stops with
one line, before any case runs under it. `policy_in_force` is what `creditflow policy show` prints.
No database: the numbers are the build's and the settings file's.
"""

from __future__ import annotations

from datetime import date

from states.policy import PolicySchedule
from states.registry import Registry
from states.spec import DeclarationError, Policy, PolicyNumber

from ..errors import BadInput

SETTINGS_SOURCE = "settings.toml [policy]"


def deployment_schedule(registry: Registry, overrides: tuple[tuple[str, object, str], ...]) -> PolicySchedule:
    """The registry's schedule with the deployment's overrides laid over every profile."""
    if not overrides:
        return registry.schedule
    known: dict[str, PolicyNumber] = {}
    for profile in registry.schedule.profiles:
        known.update(profile.policy.numbers)
    numbers = {}
    for key, value, reason in overrides:
        original = known.get(key)
        if original is None:
            raise BadInput(f"{SETTINGS_SOURCE}：没有名为 {key} 的政策数值；请用 creditflow policy show 查看可调整的数值",
                           code="bad_settings")
        if type(value) is not type(original.value):
            raise BadInput(f"{SETTINGS_SOURCE}：{key} 应为{_type_zh(original.value)}，不是 {value!r}", code="bad_settings")
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise BadInput(f"{SETTINGS_SOURCE}：{key} 不能为负数（{value}）", code="bad_settings")
        numbers[key] = PolicyNumber(value, original.unit, f"本局设定（{SETTINGS_SOURCE}）：{reason}", original.dated_by)
    schedule = registry.schedule.with_overrides(Policy("settings", numbers))
    try:
        registry.check_schedule(schedule)
    except DeclarationError as exc:
        raise BadInput(f"{SETTINGS_SOURCE} 的调整超出法定范围：{exc}", code="bad_settings") from None
    return schedule


def policy_in_force(registry: Registry, schedule: PolicySchedule, on: date) -> dict:
    """Every number in force on `on` with its unit, source, the day that picks its profile, and whether
    this deployment overrides it."""
    profile = schedule.in_force(on)
    policy = schedule.policy_on(on).overlaid(*(p.policy for p in registry.procedures()))
    return {
        "profile": profile.name,
        "effective_from": profile.effective_from.isoformat(),
        "reading": profile.reading,
        "on": on.isoformat(),
        "numbers": [{"key": key, "value": n.value, "unit": n.unit, "source": n.source, "dated_by": n.dated_by,
                     "overridden": schedule.overridden(key)} for key, n in policy.numbers.items()],
    }


def _type_zh(value) -> str:
    if isinstance(value, bool):
        return "true 或 false"
    return "整数" if isinstance(value, int) else type(value).__name__
