"""Law that changes by effective date (docs/rules.md §1.4, §4): policy profiles, the day that picks one,
a deployment's overrides with their reasons, `creditflow policy show`, and clocks whose amount a case
records (a record's own disclosure months)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from calendars import SHANGHAI
from states import REGISTRY, build_registry
from states.archive import DisclosureError, bad_disclosure_bounds, check_bad_disclosure
from states.policy import DEFAULT_SCHEDULE, DETERMINATION, HENAN_2023, HENAN_2026, SEVERITIES, STEP
from states.spec import DeclarationError, Policy, PolicyNumber, TimerSpec
from states.timers import AnchorMissing, amount_source, timer_amount
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)
from workflows.errors import BadInput
from workflows.services.policy import deployment_schedule, policy_in_force


def test_the_profile_in_force_is_picked_by_its_effective_day():
    assert DEFAULT_SCHEDULE.in_force(date(2026, 3, 31)).name == "henan-2023"
    assert DEFAULT_SCHEDULE.in_force(date(2026, 4, 1)).name == "henan-2026"
    assert DEFAULT_SCHEDULE.in_force(date(2022, 6, 1)).name == "henan-2023"  # before any: the first
    assert DEFAULT_SCHEDULE.policy_on(date(2026, 3, 31))["repair_wait_months_general"] == 6
    assert DEFAULT_SCHEDULE.policy_on(date(2026, 4, 1))["repair_wait_months_general"] == 3
    assert REGISTRY.schedule is DEFAULT_SCHEDULE


def test_every_number_says_which_day_picks_its_profile():
    for policy in (HENAN_2023, HENAN_2026):
        for key, number in policy.numbers.items():
            assert number.dated_by in (STEP, DETERMINATION), key
            assert number.source, key
            # periods attached to a determination keep the law of the determination day
            attached = key.startswith(("bad_disclosure", "good_disclosure", "repair_wait"))
            assert (number.dated_by == DETERMINATION) == attached, key
    assert HENAN_2026.numbers.keys() == HENAN_2023.numbers.keys()  # a complete set each


@pytest.mark.parametrize("on,severity,penalty,bounds", [
    (date(2026, 3, 15), "general", None, (6, 12)),  # henan-2023: Art. 30(3), no severity
    (date(2026, 3, 15), "serious", None, (6, 12)),
    (date(2026, 3, 15), "minor", None, (6, 12)),
    (date(2026, 4, 2), "minor", None, (1, 3)),  # 国办发〔2025〕22号: at most 3 months
    (date(2026, 4, 2), "general", None, (3, 12)),
    (date(2026, 4, 2), "serious", None, (12, 36)),
    (date(2026, 3, 15), "general", 9, (9, 12)),  # never shorter than the penalty's term
    (date(2026, 3, 15), "general", 18, (18, 18)),
    (date(2026, 4, 2), "serious", 40, (40, 40)),
])
def test_disclosure_bounds_follow_the_profile_of_the_determination_day(on, severity, penalty, bounds):
    policy = DEFAULT_SCHEDULE.policy_on(on)
    assert bad_disclosure_bounds(policy, severity, penalty) == bounds
    low, high = bounds
    assert check_bad_disclosure(low, penalty, policy=policy, severity=severity) == low
    assert check_bad_disclosure(high, penalty, policy=policy, severity=severity) == high
    for months in (low - 1, high + 1):
        with pytest.raises(DisclosureError, match=f"{low}至{high}个月"):
            check_bad_disclosure(months, penalty, policy=policy, severity=severity)
    with pytest.raises(ValueError):
        bad_disclosure_bounds(policy, "grave")


def test_overrides_are_laid_over_every_profile_and_checked():
    schedule = deployment_schedule(REGISTRY, (("repair_wait_months_general", 6, "本局继续适用河南办法6个月"),))
    assert schedule.policy_on(date(2026, 5, 1))["repair_wait_months_general"] == 6
    assert schedule.policy_on(date(2026, 5, 1))["repair_wait_months_serious"] == 12  # others as the profile says
    assert schedule.overridden("repair_wait_months_general") and not schedule.overridden("repair_decision")
    assert "本局继续适用河南办法6个月" in schedule.policy_on(date(2026, 5, 1)).source("repair_wait_months_general")
    assert schedule.policy_on(date(2026, 5, 1)).numbers["repair_wait_months_general"].dated_by == DETERMINATION
    for overrides, words in [
        ((("nonsense", 1, "x"),), "没有名为 nonsense"),
        ((("repair_decision", "15", "x"),), "应为整数"),
        ((("objection_window_from_service_for_persons", 1, "x"),), "true 或 false"),
        ((("repair_decision", 30, "x"),), "Art. 41"),  # outside the legal bound
        ((("bad_disclosure_months", 2, "x"),), "6至12个月"),
        ((("repair_wait_months_minor", -1, "x"),), "负数"),
    ]:
        with pytest.raises(BadInput, match=words) as exc:
            deployment_schedule(REGISTRY, overrides)
        assert exc.value.code == "bad_settings"


def test_a_registry_refuses_a_profile_outside_the_legal_bounds():
    wrong = Policy("wrong", {**HENAN_2023.numbers, "repair_extension": PolicyNumber(20, "working_days", "test")})
    with pytest.raises(DeclarationError, match="repair_extension"):
        build_registry(policy=wrong)


def test_policy_in_force_lists_every_number_with_its_source():
    out = policy_in_force(REGISTRY, REGISTRY.schedule, date(2026, 4, 1))
    assert (out["profile"], out["effective_from"]) == ("henan-2026", "2026-04-01")
    keys = [n["key"] for n in out["numbers"]]
    own = [k for p in REGISTRY.procedures() if p.policy for k in p.policy.numbers]  # a procedure's own numbers
    assert own and keys == list(dict.fromkeys(list(HENAN_2026.numbers) + own))
    first = out["numbers"][0]
    assert set(first) >= {"key", "value", "unit", "source", "overridden"}
    assert not any(n["overridden"] for n in out["numbers"])


def _settings(cli, text: str) -> None:
    (cli.tmp / "settings.toml").write_text(text, encoding="utf-8")


def test_policy_show_on_a_day_marks_overridden_numbers(cli):
    before = cli("policy", "show", "--on", "2026-03-31").json
    assert before["profile"] == "henan-2023"
    wait = {n["key"]: n for n in before["numbers"]}["repair_wait_months_general"]
    assert (wait["value"], wait["unit"], wait["overridden"]) == (6, "months", False) and "Art. 39(1)" in wait["source"]
    _settings(cli, '[policy]\nrepair_wait_months_general = {value = 6, reason = "本局继续适用河南办法第三十九条"}\n')
    after = {n["key"]: n for n in cli("policy", "show", "--on", "2026-04-01").json["numbers"]}
    assert after["repair_wait_months_general"]["value"] == 6 and after["repair_wait_months_general"]["overridden"]
    assert "本局继续适用河南办法第三十九条" in after["repair_wait_months_general"]["source"]
    assert after["repair_wait_months_serious"]["value"] == 12 and not after["repair_wait_months_serious"]["overridden"]
    text = cli("policy", "show", "--on", "2026-04-01", as_json=False).out
    assert "henan-2026" in text and "〔本局调整〕" in text and "按认定之日适用" in text
    today = cli("policy", "show", now="2026-12-01T09:00:00+08:00").json
    assert today["on"] == "2026-12-01" and today["profile"] == "henan-2026"


def test_bad_policy_input_is_one_line_and_exit_2(cli):
    assert cli("policy", "show", "--on", "2026-13-01", expect=2).error["code"] == "bad_date"
    _settings(cli, "[policy]\nrepair_decision = 3\n")
    assert "reason" in cli("policy", "show", expect=2).error["message"]
    _settings(cli, '[policy]\nrepair_decision = {value = 40, reason = "x"}\n')
    err = cli("policy", "show", expect=2).error
    assert err["code"] == "bad_settings" and "Art. 41" in err["message"]
    assert cli("case", "list", expect=2).error["code"] == "bad_settings"  # every command stops before it runs


def test_writing_the_settings_file_keeps_the_policy_table(tmp_path, monkeypatch):
    from workflows.settings import load_settings, write_settings_file

    monkeypatch.setenv("CREDITFLOW_HOME", str(tmp_path))
    (tmp_path / "settings.toml").write_text(
        '[policy]\nrepair_wait_months_general = {value = 6, reason = "本局\\"继续\\"适用"}\n', encoding="utf-8")
    write_settings_file(load_settings(), calendar_overrides="/etc/creditflow/holidays.toml")
    settings = load_settings()
    assert settings.calendar_overrides == "/etc/creditflow/holidays.toml"
    assert settings.policy_overrides == (("repair_wait_months_general", 6, '本局"继续"适用'),)


def test_a_clock_may_take_its_amount_from_the_case():
    spec = TimerSpec("disclosure", "months", "data:disclosure_months", "subject", "disclosure_expired", "公开期限")
    assert timer_amount(spec, HENAN_2023, {"disclosure_months": 9}) == 9
    assert "disclosure_months" in amount_source(spec, HENAN_2023)
    for data in ({}, {"disclosure_months": "9"}, {"disclosure_months": True}, {"disclosure_months": -1}):
        with pytest.raises(AnchorMissing):
            timer_amount(spec, HENAN_2023, data)
    policy_spec = TimerSpec("decision", "working_days", "repair_decision", "agency", "x", "决定期限")
    assert timer_amount(policy_spec, HENAN_2023, {}) == 15


def test_the_engine_reads_the_numbers_in_force_on_the_day(cal):
    from workflows.clock import frozen_at
    from workflows.engine import Engine

    engine = Engine(cal, REGISTRY)
    proc = REGISTRY.procedure("evaluation")
    assert engine._policy(proc, date(2026, 3, 31)).name.startswith("henan-2023")
    assert engine._policy(proc, date(2026, 4, 1)).name.startswith("henan-2026")
    with frozen_at(datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)):
        assert engine._policy(proc)["repair_wait_months_general"] == 3
    assert set(SEVERITIES) == {"minor", "general", "serious"}
