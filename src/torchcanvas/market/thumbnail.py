"""A small SVG picture of a graph's top level, drawn on the server for the market's cards.

Boxes at the nodes' canvas positions, edges as lines between them, each box labelled with the
node's name (or type). A graph saved without positions (all at the origin, e.g. made by a script)
is laid out in layers instead: each node one row below the deepest node feeding it.
"""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from torchcanvas.graph.model import Graph, LayerNode, ModuleNode, Node

BOX_W, BOX_H = 140.0, 32.0
GAP_X, GAP_Y = 30.0, 40.0
PAD = 12.0
MAX_NODES = 300  # past this the picture is unreadable anyway, and the SVG would not be small
MAX_LABEL = 18

_FILL = {"input": "#e0f2fe", "output": "#dcfce7", "layer": "#f8fafc", "module": "#fef9c3"}


def _label(node: Node) -> str:
    text = node.name or (
        node.type if isinstance(node, LayerNode) else node.module if isinstance(node, ModuleNode) else node.id
    )
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _layered(nodes: list[Node], edges: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Row = the longest path from a source; nodes on a cycle stay in row 0."""
    preds: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        preds[b].append(a)
    depth: dict[str, int] = {}

    def row(nid: str, seen: frozenset[str]) -> int:
        if nid in depth:
            return depth[nid]
        if nid in seen:
            return 0
        d = max((row(p, seen | {nid}) + 1 for p in preds[nid]), default=0)
        depth[nid] = d
        return d

    out: dict[str, tuple[float, float]] = {}
    columns: dict[int, int] = defaultdict(int)
    for n in nodes:
        r = row(n.id, frozenset())
        out[n.id] = (columns[r] * (BOX_W + GAP_X), r * (BOX_H + GAP_Y))
        columns[r] += 1
    return out


def render_svg(graph: Graph) -> str:
    nodes = graph.nodes[:MAX_NODES]
    ids = {n.id for n in nodes}
    edges = [(e.source.node, e.target.node) for e in graph.edges if e.source.node in ids and e.target.node in ids]
    if any(n.position.x or n.position.y for n in nodes):
        pos = {n.id: (n.position.x, n.position.y) for n in nodes}
    else:
        pos = _layered(nodes, edges)
    if not pos:
        return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 60" width="160" height="60"></svg>'
    x0 = min(x for x, _ in pos.values()) - PAD
    y0 = min(y for _, y in pos.values()) - PAD
    width = max(x for x, _ in pos.values()) + BOX_W + PAD - x0
    height = max(y for _, y in pos.values()) + BOX_H + PAD - y0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:g} {y0:g} {width:g} {height:g}" '
        f'font-family="sans-serif" font-size="12">',
        '<g stroke="#94a3b8" stroke-width="1.5">',
    ]
    for a, b in edges:
        (ax, ay), (bx, by) = pos[a], pos[b]
        parts.append(f'<line x1="{ax + BOX_W / 2:g}" y1="{ay + BOX_H:g}" x2="{bx + BOX_W / 2:g}" y2="{by:g}"/>')
    parts.append("</g>")
    for n in nodes:
        x, y = pos[n.id]
        parts.append(
            f'<g><rect x="{x:g}" y="{y:g}" width="{BOX_W:g}" height="{BOX_H:g}" rx="6" '
            f'fill={quoteattr(_FILL[n.kind])} stroke="#475569"/>'
            f'<text x="{x + BOX_W / 2:g}" y="{y + BOX_H / 2 + 4:g}" text-anchor="middle">{escape(_label(n))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
