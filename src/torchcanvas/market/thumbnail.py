"""A small SVG picture of a graph's top level, drawn on the server for the market's cards.

The nodes are laid out in layers (each node one layer after the deepest node feeding it), the
layers running left to right and wrapped into bands, so that the picture is about twice as wide
as it is tall, like the card that shows it. The editor's own positions are not used: they run
top to bottom, and a chain of nine layers drawn that way into a wide card is a column of specks.
Edges are lines, each box is labelled with the node's name (or type).
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from xml.sax.saxutils import escape, quoteattr

from torchcanvas.graph.model import Graph, LayerNode, ModuleNode, Node

BOX_W, BOX_H = 140.0, 32.0
GAP_X, GAP_Y = 36.0, 14.0
BAND_GAP = 30.0
PAD = 12.0
ASPECT = 2.0  # width / height of the card's picture box
MAX_NODES = 300  # past this the picture is unreadable anyway, and the SVG would not be small
MAX_LABEL = 18

_FILL = {"input": "#e0f2fe", "output": "#dcfce7", "layer": "#f8fafc", "module": "#fef9c3"}


def _label(node: Node) -> str:
    text = node.name or (
        node.type if isinstance(node, LayerNode) else node.module if isinstance(node, ModuleNode) else node.id
    )
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _depths(nodes: list[Node], edges: list[tuple[str, str]]) -> dict[str, int]:
    """The longest path from a source to each node (Kahn's order; a node on a cycle keeps 0)."""
    succ: dict[str, list[str]] = defaultdict(list)
    indegree = {n.id: 0 for n in nodes}
    for a, b in edges:
        succ[a].append(b)
        indegree[b] += 1
    depth = dict.fromkeys(indegree, 0)
    ready = deque(nid for nid, d in indegree.items() if d == 0)
    while ready:
        nid = ready.popleft()
        for nxt in succ[nid]:
            depth[nxt] = max(depth[nxt], depth[nid] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return depth


def _layered(nodes: list[Node], edges: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Top-left corner of each node's box: layers left to right, wrapped into bands."""
    layers: dict[int, list[str]] = defaultdict(list)
    depth = _depths(nodes, edges)
    for n in nodes:  # document order within a layer
        layers[depth[n.id]].append(n.id)
    count = max(layers) + 1
    tallest = max(len(ids) for ids in layers.values())
    band_h = tallest * (BOX_H + GAP_Y) - GAP_Y

    def aspect(per_band: int) -> float:
        bands = math.ceil(count / per_band)
        return (per_band * (BOX_W + GAP_X)) / (bands * (band_h + BAND_GAP))

    per_band = min(range(1, count + 1), key=lambda k: abs(math.log(aspect(k) / ASPECT)))
    out: dict[str, tuple[float, float]] = {}
    for d, ids in layers.items():
        band, col = divmod(d, per_band)
        top = band * (band_h + BAND_GAP) + (band_h - (len(ids) * (BOX_H + GAP_Y) - GAP_Y)) / 2
        for i, nid in enumerate(ids):
            out[nid] = (col * (BOX_W + GAP_X), top + i * (BOX_H + GAP_Y))
    return out


def render_svg(graph: Graph) -> str:
    nodes = graph.nodes[:MAX_NODES]
    ids = {n.id for n in nodes}
    edges = [(e.source.node, e.target.node) for e in graph.edges if e.source.node in ids and e.target.node in ids]
    pos = _layered(nodes, edges) if nodes else {}
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
        # From the right side of the source to the left side of the target.
        parts.append(f'<line x1="{ax + BOX_W:g}" y1="{ay + BOX_H / 2:g}" x2="{bx:g}" y2="{by + BOX_H / 2:g}"/>')
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
