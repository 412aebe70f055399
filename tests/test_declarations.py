"""Every procedure's declaration validates; broken declarations are refused with the reason."""

from dataclasses import replace

import pytest

from notices import template_exists
from states import PROCEDURES, REGISTRY, DeclarationError, validate
from states.policy import DEFAULT_POLICY
from states.spec import NEW, Guard, Notice, State, TimerSpec


@pytest.mark.parametrize("kind", sorted(PROCEDURES))
def test_declaration_is_valid(kind):
    proc = PROCEDURES[kind]
    validate(proc, DEFAULT_POLICY.overlaid(proc.policy), template_exists)  # the deployment's numbers and its own
    assert len(proc.openings()) >= 1
    # every non-system trigger can be found on the shared machine
    for t in proc.transitions:
        assert t.trigger in REGISTRY.machine(kind).machine.events
        assert template_exists(t.notice.template)
        for g in t.guards:
            assert g.code and g.article and g.message


@pytest.mark.parametrize("kind", sorted(PROCEDURES))
def test_one_shared_machine_per_kind_without_models(kind):
    machine = REGISTRY.machine(kind).machine
    assert machine.models == []  # never add_model per case
    assert not any(name.startswith("to_") for name in machine.events)  # auto_transitions=False


def _broken(kind="objection", **changes):
    return replace(PROCEDURES[kind], **changes)


def test_unknown_guard_is_refused():
    proc = PROCEDURES["objection"]
    t = replace(proc.transitions[2], guards=(Guard("nope", "X-1", "Art. 1", "消息"),))
    with pytest.raises(DeclarationError, match="guard 'nope' has no function"):
        validate(_broken(transitions=proc.transitions[:2] + (t,) + proc.transitions[3:]), DEFAULT_POLICY, template_exists)


def test_missing_template_is_refused():
    proc = PROCEDURES["evaluation"]
    t = replace(proc.transitions[0], notice=Notice("evaluation/missing.html.j2", "x", "信评", "subject"))
    with pytest.raises(DeclarationError, match="template 'evaluation/missing.html.j2' does not exist"):
        validate(_broken("evaluation", transitions=(t,) + proc.transitions[1:]), DEFAULT_POLICY, template_exists)


def test_unreachable_state_and_dead_end_are_refused():
    proc = PROCEDURES["evaluation"]
    states = proc.states + (State("limbo", "未决"),)
    with pytest.raises(DeclarationError) as info:
        validate(_broken("evaluation", states=states), DEFAULT_POLICY, template_exists)
    assert "state 'limbo' is unreachable" in str(info.value)
    assert "non-final state 'limbo' has no way out" in str(info.value)


def test_unknown_calendar_rule_and_policy_number_are_refused():
    timer = TimerSpec("objection_window", "fortnights", "no_such_number", "subject", "window_expired", "x")
    with pytest.raises(DeclarationError) as info:
        validate(_broken("evaluation", timers=(timer,)), DEFAULT_POLICY, template_exists)
    assert "unknown calendar rule 'fortnights'" in str(info.value)
    assert "policy number 'no_such_number'" in str(info.value)


def test_leaving_a_final_state_must_be_declared():
    proc = PROCEDURES["evaluation"]
    bad = tuple(replace(t, reopens=False) if t.trigger == "objection_filed" else t for t in proc.transitions)
    with pytest.raises(DeclarationError, match="leaves final state 'final'"):
        validate(_broken("evaluation", transitions=bad), DEFAULT_POLICY, template_exists)


def test_auditor_can_fire_nothing():
    proc = PROCEDURES["evaluation"]
    t = replace(proc.transitions[1], role="auditor")
    with pytest.raises(DeclarationError, match="role 'auditor' cannot fire"):
        validate(_broken("evaluation", transitions=(proc.transitions[0], t) + proc.transitions[2:]), DEFAULT_POLICY,
                 template_exists)


def test_no_opening_is_refused():
    proc = PROCEDURES["evaluation"]
    rest = tuple(t for t in proc.transitions if NEW not in t.source)
    with pytest.raises(DeclarationError, match="no opening transition"):
        validate(_broken("evaluation", transitions=rest), DEFAULT_POLICY, template_exists)


def test_procedure_docs_are_generated_from_the_declarations():
    from pathlib import Path

    from states.describe import document

    docs = Path(__file__).resolve().parent.parent / "docs" / "procedures.md"
    assert docs.read_text(encoding="utf-8") == document(), "run: python -m states.describe > docs/procedures.md"


@pytest.mark.parametrize("kind", sorted(PROCEDURES))
def test_diagram_names_every_state_and_trigger(kind):
    from states.describe import mermaid

    proc = PROCEDURES[kind]
    diagram = mermaid(proc, current=proc.initial)
    for s in proc.states:
        assert f"{s.name} : {s.label}" in diagram
    for t in proc.transitions:
        assert f": {t.trigger}" in diagram
    assert f"class {proc.initial} current" in diagram
