"""A procedure's state diagram as SVG, drawn from its declaration by Graphviz `dot` (Debian's `graphviz`).

The case page shows it with the case's current state marked and the path the case took highlighted.
Everything the diagram says comes from the declaration (`states/<kind>.py`): the states and their labels,
and the transitions that change the state (those that stay in a state, such as attaching material or
recording service, are in the timeline, not drawn). Transitions the clock fires are dashed.

Labels are Chinese text from the declarations, so the DOT source quotes them (only `"` and `\\` are special
in a quoted DOT string), node ids are generated (`s0`, `s1`, …), and the SVG that `dot` returns is parsed
and rebuilt from an allow-list of SVG elements and attributes before it goes into a page: no script, no
event handler, no link, no comment or DOCTYPE can come through. Rendered diagrams are cached per
procedure version, current state and path (a `dot` run takes ~20 ms; the same few paths recur).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from states.spec import NEW, Procedure

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "Noto Sans CJK SC"
CURRENT_FILL, VISITED_FILL, TAKEN_COLOR = "#fde68a", "#dbeafe", "#1d4ed8"
# What `dot -Tsvg` writes that a diagram needs; anything else is dropped.
ELEMENTS = {"svg", "g", "title", "polygon", "ellipse", "path", "polyline", "text"}
ATTRIBUTES = {"width", "height", "viewBox", "id", "class", "transform", "fill", "stroke", "stroke-width",
              "stroke-dasharray", "points", "cx", "cy", "rx", "ry", "d", "x", "y", "text-anchor", "font-family",
              "font-size", "font-weight"}
_SAFE_VALUE = re.compile(r"^[^<>\"'`]*$")  # no markup, no quotes: a value cannot smuggle anything in
CACHE_SIZE = 256
DOT_TIMEOUT_SECONDS = 10


class DiagramUnavailable(Exception):
    """`dot` is missing or failed: the page says so instead of drawing the diagram."""


@dataclass(frozen=True)
class Edge:
    source: str  # a state name, or NEW for the opening
    dest: str
    system: bool  # fired by the clock
    labels: tuple[str, ...]


def path_of(log: list[dict]) -> tuple[tuple[str, str], ...]:
    """The state changes a case went through, oldest first, from its log (`svc.audit.log`): (from, to)
    pairs, the opening as (NEW, initial state); steps that stayed in a state are left out."""
    steps = []
    for e in log:
        src = e["from_state"] or NEW
        if src != e["to_state"]:
            steps.append((src, e["to_state"]))
    return tuple(steps)


def edges(proc: Procedure) -> list[Edge]:
    """The transitions that change the state, one edge per (from, to, fired by the clock or by a person),
    with the labels of every transition it stands for, in declaration order."""
    grouped: dict[tuple[str, str, bool], list[str]] = {}
    for t in proc.transitions:
        for src in t.source:
            if t.dest is None or t.dest == src:
                continue
            labels = grouped.setdefault((src, t.dest, t.role == "system"), [])
            if t.label not in labels:
                labels.append(t.label)
    return [Edge(s, d, system, tuple(labels)) for (s, d, system), labels in grouped.items()]


def _escape(text: str) -> str:
    """Text inside a DOT quoted string: backslash and quote escaped (a backslash would start \\n, \\N, …),
    control characters (line breaks among them) made spaces."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return '"' + _escape(text) + '"'


def dot_source(proc: Procedure, current: str | None = None, path: tuple[tuple[str, str], ...] = ()) -> str:
    """The DOT text of the diagram: `current` marked (class "current"), the states and edges of `path`
    highlighted (classes "visited" and "taken")."""
    ids = {s.name: f"s{i}" for i, s in enumerate(proc.states)}
    ids[NEW] = "start"
    visited = {s for step in path for s in step} - {NEW}
    taken = set(path)
    lines = ["digraph procedure {",
             f"  graph [rankdir=LR, fontname={_quote(FONT)}, nodesep=0.35, ranksep=0.5, bgcolor=transparent];",
             f"  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname={_quote(FONT)}, fontsize=12];",
             f"  edge [fontname={_quote(FONT)}, fontsize=10, color=\"#6b7280\", fontcolor=\"#374151\"];",
             '  start [id="state-start", class="start", shape=circle, label="", width=0.18, '
             'style=filled, fillcolor=black];']
    for s in proc.states:
        classes = ["state"] + (["final"] if s.final else []) + (["visited"] if s.name in visited else [])
        attrs = {"label": s.label, "id": f"state-{s.name}"}
        extra = []
        if s.final:
            extra.append("peripheries=2")
        if s.name == current:
            classes.append("current")
            attrs["fillcolor"] = CURRENT_FILL
            extra += ["penwidth=2.5", 'color="#b45309"']
        elif s.name in visited:
            attrs["fillcolor"] = VISITED_FILL
        attrs["class"] = " ".join(classes)
        parts = [f"{k}={_quote(v)}" for k, v in attrs.items()] + extra
        lines.append(f"  {ids[s.name]} [{', '.join(parts)}];")
    for e in edges(proc):
        if e.source not in ids or e.dest not in ids:
            continue
        attrs = {"class": "transition" + (" system" if e.system else "")}
        extra = ["style=dashed"] if e.system else []
        if (e.source, e.dest) in taken:
            attrs["class"] += " taken"
            extra += ["penwidth=2.5", f'color="{TAKEN_COLOR}"', f'fontcolor="{TAKEN_COLOR}"']
        label = '"' + "\\n".join(_escape(x) for x in e.labels) + '"'  # one line per transition (DOT's \n)
        parts = [f"label={label}"] + [f"{k}={_quote(v)}" for k, v in attrs.items()] + extra
        lines.append(f"  {ids[e.source]} -> {ids[e.dest]} [{', '.join(parts)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _run_dot(source: str) -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise DiagramUnavailable("未安装 Graphviz（dot），无法绘制状态图；请安装 Debian 软件包 graphviz")
    try:
        done = subprocess.run([exe, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramUnavailable(f"Graphviz 绘制状态图失败（{type(exc).__name__}）") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise DiagramUnavailable(f"Graphviz 绘制状态图失败（{detail[0] if detail else done.returncode}）")
    return done.stdout.decode("utf-8")


def sanitize(svg: str, label: str = "") -> str:
    """The SVG rebuilt from the allow-list: the document's markup reduced to drawing elements, every
    attribute checked, text kept as text (serialised escaped). Raises DiagramUnavailable if it is not SVG."""
    body = svg[svg.find("<svg"):] if "<svg" in svg else svg  # drop the XML declaration, DOCTYPE, comments before it
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise DiagramUnavailable("Graphviz 的输出不是有效的 SVG，未显示状态图") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise DiagramUnavailable("Graphviz 的输出不是 SVG，未显示状态图")

    def rebuild(el) -> ET.Element | None:
        ns, _, name = el.tag.rpartition("}")
        if ns.lstrip("{") != SVG_NS or name not in ELEMENTS:
            return None
        out = ET.Element(name, {k: v for k, v in el.attrib.items() if k in ATTRIBUTES and _SAFE_VALUE.match(v)})
        out.text = el.text
        for child in el:
            kept = rebuild(child)
            if kept is not None:
                out.append(kept)
                kept.tail = child.tail
        return out

    clean = rebuild(root)
    clean.set("xmlns", SVG_NS)
    clean.set("role", "img")
    clean.set("class", "state-diagram")
    if label:
        clean.set("aria-label", label)  # serialised escaped, like every attribute
    return ET.tostring(clean, encoding="unicode", short_empty_elements=True)


_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def diagram_svg(proc: Procedure, current: str | None = None, path: tuple[tuple[str, str], ...] = ()) -> str:
    """The sanitized SVG of `proc`'s diagram with `current` marked and `path` highlighted, cached per
    procedure version, current state and path."""
    key = (proc.kind, proc.version, current, tuple(path))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        where = f"，当前状态：{proc.state(current).label}" if current else ""
    except KeyError:
        where = ""
    svg = sanitize(_run_dot(dot_source(proc, current, path)), f"{proc.label}程序状态图{where}")
    with _lock:
        _cache[key] = svg
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return svg
