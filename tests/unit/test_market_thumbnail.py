"""The market card's SVG: a layered picture shaped like the card, boxes apart, text escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from torchcanvas.graph.model import Graph
from torchcanvas.market.thumbnail import BOX_H, BOX_W, render_svg

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def chain(n: int, name: str = "fc") -> Graph:
    nodes = [{"id": "x", "kind": "input", "shape": ["B", 4]}]
    edges = []
    prev = "x"
    for i in range(n):
        nid = f"{name}{i}"
        nodes.append({"id": nid, "kind": "layer", "type": "Linear", "params": {"out_features": 4}})
        edges.append({"source": {"node": prev, "port": "out"}, "target": {"node": nid, "port": "in"}})
        prev = nid
    nodes.append({"id": "y", "kind": "output"})
    edges.append({"source": {"node": prev, "port": "out"}, "target": {"node": "y", "port": "in"}})
    return Graph.model_validate({"schema_version": 1, "name": "chain", "nodes": nodes, "edges": edges})


def boxes(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r'<rect x="([-\d.e+]+)" y="([-\d.e+]+)"', svg)]


def aspect(svg: str) -> float:
    _, _, w, h = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    return w / h


@pytest.mark.parametrize("n", [3, 9, 40, 200])
def test_a_chain_is_wrapped_to_the_cards_shape(n: int) -> None:
    svg = render_svg(chain(n))
    # A column of n boxes would be n * 46 px tall and 164 px wide: aspect 0.03 for 100 nodes.
    assert 1.0 <= aspect(svg) <= 4.5, aspect(svg)
    assert len(boxes(svg)) == n + 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_two_boxes_overlap(path: Path) -> None:
    svg = render_svg(Graph.model_validate(json.loads(path.read_text())))
    placed = boxes(svg)
    for i, (ax, ay) in enumerate(placed):
        for bx, by in placed[i + 1 :]:
            assert abs(ax - bx) >= BOX_W or abs(ay - by) >= BOX_H, (path.stem, (ax, ay), (bx, by))


def test_names_are_escaped() -> None:
    g = chain(1)
    g.nodes[1].name = "<script>"
    svg = render_svg(g)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
