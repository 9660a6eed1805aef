"""A version's lineage as a Graphviz DOT graph: what it was made from, and what was made from it.

``st.graphviz_chart`` lays the graph out in the browser with the Graphviz WebAssembly build that
Streamlit bundles, so drawing it fetches nothing from the internet. Names come from registrants,
so every label is escaped before it reaches DOT.
"""

from __future__ import annotations

from typing import Iterable

from hub.registry import Edge, Lineage
from hub.registry.policy import FAIL, WARN, Check

# Colours of an edge by the license policy's judgement of it: passing edges stay grey.
LEVEL_COLOURS = {FAIL: "#c62828", WARN: "#ef6c00"}


def quoted(text: str) -> str:
    """A DOT string literal: quotes and backslashes escaped, line breaks kept as DOT's."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node(ref: str, kind: str, internal: bool, license: str, current: str) -> str:
    shape = "cylinder" if kind == "dataset" else "box"
    style = ["rounded" if kind != "dataset" else "solid", "filled"]
    if not internal:
        style.append("dashed")  # not registered here: the registry cannot look into it
    fill = "#1565c0" if ref == current else "#e3f2fd" if kind != "dataset" else "#f1f8e9"
    font = "white" if ref == current else "black"
    where = "" if internal else "\n(external)"
    return (f"  {quoted(ref)} [label={quoted(f'{ref}{where}{chr(10)}{license}')}, shape={shape}, "
            f"style={quoted(','.join(style))}, fillcolor={quoted(fill)}, fontcolor={quoted(font)}];")


def dot(lineage: Lineage, license: str, check: Check | None = None) -> str:
    """The graph of ``lineage`` around its version (whose concluded license is ``license``), parents
    above children, each edge labelled with its relation and coloured by the license check."""
    levels = {(step.parent, step.child): step.level for step in check.steps} if check else {}
    edges: Iterable[Edge] = [*lineage.ancestors, *lineage.descendants]
    nodes = {lineage.version: ("model", True, license)}
    for edge in edges:
        nodes.setdefault(edge.parent, (edge.kind, edge.internal, edge.license))
        nodes.setdefault(edge.child, ("model", True, ""))
    lines = ["digraph lineage {", "  rankdir=TB;",
             '  node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];']
    lines += [_node(ref, kind, internal, node_license, lineage.version)
              for ref, (kind, internal, node_license) in nodes.items()]
    for edge in edges:
        colour = LEVEL_COLOURS.get(levels.get((edge.parent, edge.child), ""), "#616161")
        lines.append(f"  {quoted(edge.parent)} -> {quoted(edge.child)} "
                     f"[label={quoted(edge.relation)}, color={quoted(colour)}, fontcolor={quoted(colour)}];")
    lines.append("}")
    return "\n".join(lines)
