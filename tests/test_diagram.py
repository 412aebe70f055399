"""The state diagram of the case page (workflows/web/diagram.py): drawn by Graphviz from each declaration,
the current state marked, the path taken highlighted, the labels escaped, the SVG rebuilt from an allow-list."""

from __future__ import annotations

import dataclasses
import shutil
from xml.etree import ElementTree as ET

import pytest

from states import REGISTRY
from states.spec import NEW
from workflows.web import diagram

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (Debian package graphviz) not installed")

SVG = "{http://www.w3.org/2000/svg}"


def nodes(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("state-")}


def classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def texts(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{SVG}text"))


@pytest.mark.parametrize("proc", REGISTRY.procedures(), ids=lambda p: p.kind)
def test_every_procedure_is_drawn_with_its_states_and_the_current_one_marked(proc):
    current = next(s.name for s in proc.states if not s.final)
    svg = diagram.diagram_svg(proc, current)
    drawn = nodes(svg)
    assert set(drawn) == {f"state-{s.name}" for s in proc.states} | {"state-start"}
    for s in proc.states:
        assert texts(drawn[f"state-{s.name}"]) == s.label
        assert ("final" in classes(drawn[f"state-{s.name}"])) == s.final
    assert [k for k, g in drawn.items() if "current" in classes(g)] == [f"state-{current}"]
    assert ET.fromstring(svg).get("aria-label") == f"{proc.label}程序状态图，当前状态：{proc.state(current).label}"
    # every state-changing transition's label is on an edge; none that stays in its state is drawn
    edge_text = "".join(texts(g) for g in ET.fromstring(svg).iter(f"{SVG}g") if "edge" in classes(g))
    for t in proc.transitions:
        if t.dest is not None and any(src != t.dest for src in t.source):
            assert t.label in edge_text


def test_the_path_taken_is_highlighted():
    proc = REGISTRY.procedure("objection")
    path = ((NEW, "received"), ("received", "under_review"))
    svg = diagram.diagram_svg(proc, "under_review", path)
    drawn = nodes(svg)
    assert {k for k, g in drawn.items() if "visited" in classes(g)} == {"state-received", "state-under_review"}
    root = ET.fromstring(svg)
    taken = [g for g in root.iter(f"{SVG}g") if "taken" in classes(g)]
    ids = {s.name: f"s{i}" for i, s in enumerate(proc.states)} | {NEW: "start"}
    assert sorted(g.find(f"{SVG}title").text for g in taken) == sorted(f"{ids[a]}->{ids[b]}" for a, b in path)


def test_path_of_reads_the_state_changes_from_the_log():
    log = [{"from_state": None, "to_state": "received"}, {"from_state": "received", "to_state": "received"},
           {"from_state": "received", "to_state": "under_review"}]
    assert diagram.path_of(log) == ((NEW, "received"), ("received", "under_review"))


def test_labels_from_a_declaration_are_escaped_not_interpreted():
    proc = REGISTRY.procedure("evaluation")
    hostile = '审核"]; x [label="注入"]; <script>alert(1)</script> \\N \\"'
    states = tuple(dataclasses.replace(s, label=hostile) if i == 0 else s for i, s in enumerate(proc.states))
    forged = dataclasses.replace(proc, version=proc.version + 1000, states=states)
    svg = diagram.diagram_svg(forged, states[0].name)
    assert "<script" not in svg
    assert "注入" not in {texts(g) for g in ET.fromstring(svg).iter(f"{SVG}g")}  # no node injected
    assert texts(nodes(svg)[f"state-{states[0].name}"]) == hostile  # literally: no \N (node name), no quote break-out
    assert "&lt;script&gt;" in svg


def test_sanitize_keeps_drawing_and_drops_anything_active():
    dirty = ('<?xml version="1.0"?><!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg" '
             'xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" width="10pt">'
             '<g id="a" class="node"><title>t</title><script>alert(2)</script>'
             '<a xlink:href="javascript:alert(3)"><text x="1" y="2" onclick="alert(4)">文字</text></a>'
             '<text x="1" y="2" style="x" fill="url(&quot;javascript:1&quot;)">留下</text>'
             '<foreignObject><div>html</div></foreignObject></g></svg>')
    clean = diagram.sanitize(dirty)
    for bad in ("script", "onload", "onclick", "javascript", "foreignObject", "xlink", "DOCTYPE", "style="):
        assert bad not in clean
    assert "留下" in clean and 'width="10pt"' in clean
    with pytest.raises(diagram.DiagramUnavailable):
        diagram.sanitize("not svg at all")
    with pytest.raises(diagram.DiagramUnavailable):
        diagram.sanitize('<svg xmlns="http://example.com/other"></svg>')


def test_a_diagram_is_drawn_once_per_procedure_current_state_and_path(monkeypatch):
    proc = REGISTRY.procedure("repair")
    runs = []
    real = diagram._run_dot

    def counting(source):
        runs.append(source)
        return real(source)

    monkeypatch.setattr(diagram, "_run_dot", counting)
    monkeypatch.setattr(diagram, "_cache", type(diagram._cache)())
    first = diagram.diagram_svg(proc, proc.initial, ((NEW, proc.initial),))
    assert diagram.diagram_svg(proc, proc.initial, ((NEW, proc.initial),)) == first
    assert len(runs) == 1
    diagram.diagram_svg(proc, proc.initial, ())  # another path: drawn anew
    assert len(runs) == 2


def test_without_dot_the_diagram_is_unavailable_with_a_chinese_line(monkeypatch):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    with pytest.raises(diagram.DiagramUnavailable, match="graphviz"):
        diagram._run_dot("digraph {}")
