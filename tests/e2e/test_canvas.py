"""The canvas: diagram export, auto-layout of skip connections, node placement, errors on nodes
and what sits above what. Each test runs at 1600x1000 and 1280x720."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Editor, editor_page

pytestmark = pytest.mark.e2e

SVG = "{http://www.w3.org/2000/svg}"
SIZES = [(1600, 1000), (1280, 720)]


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def ed(request: pytest.FixtureRequest, browser: Browser, artifacts: Path) -> Iterator[Editor]:
    width, height = request.param
    with editor_page(browser, artifacts, width=width, height=height) as editor:
        yield editor


def open_template(ed: Editor, server_url: str, name: str) -> None:
    ed.page.goto(f"{server_url}/#/quickstart")
    ed.tid(f"template-{name}").click()
    expect(ed.tid("canvas")).to_be_visible()
    expect(ed.page.locator(".react-flow__node").first).to_be_visible()


def boxes(ed: Editor, selector: str) -> list[dict[str, Any]]:
    return ed.page.locator(selector).evaluate_all(
        """els => els.map(e => { const r = e.getBoundingClientRect();
            return { id: e.dataset.id || e.dataset.testid || '', x: r.x, y: r.y, w: r.width, h: r.height }; })"""
    )


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    )


def download(ed: Editor, test_id: str) -> Path:
    ed.tid("export-menu").click()
    with ed.page.expect_download() as dl:
        ed.tid(test_id).click()
    return Path(dl.value.path())


def test_diagram_export_is_a_real_svg_with_edges_and_a_png_drawn_from_it(ed: Editor, server: Any) -> None:
    open_template(ed, server.url, "resnet_basic_block")
    expect(ed.tid("node-shape-fc")).to_have_text("(B, 10)")
    doc = server.api.get("/templates").json()
    graph = next(t["graph"] for t in doc if t["name"] == "resnet_basic_block")

    svg_path = download(ed, "export-svg")
    text = svg_path.read_text()
    root = ET.fromstring(text)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    assert "foreignObject" not in text
    assert len(text) < 100_000, f"{len(text)} bytes: the diagram is drawn, not serialised HTML"
    edges = root.findall(f".//{SVG}path[@class='tc-edge']")
    assert len(edges) == len(graph["edges"])
    assert all(e.get("marker-end") == "url(#tc-arrow)" for e in edges)
    labels = [t.text for t in root.findall(f".//{SVG}g[@class='tc-edge-label']/{SVG}text")]
    assert "(B, 16, 32, 32)" in labels and "(B, 10)" in labels
    titles = {t.text for t in root.findall(f".//{SVG}g[@class='tc-node']/{SVG}text")}
    assert {"conv1", "block1_add", "fc"} <= titles

    png = download(ed, "export-png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (2 * int(root.get("width", "0")), 2 * int(root.get("height", "0")))
    assert len(png) > 5_000
    ed.shot(f"canvas_export_{ed.page.viewport_size['width']}")  # type: ignore[index]


@pytest.mark.parametrize("template", ["resnet_basic_block", "unet_tiny"])
def test_auto_layout_keeps_skip_edges_and_labels_off_the_nodes(ed: Editor, server: Any, template: str) -> None:
    open_template(ed, server.url, template)
    ed.tid("auto-layout").click()
    ed.page.wait_for_timeout(1200)  # the layout answers from its worker
    ed.tid("fit-view").click()
    ed.page.wait_for_timeout(400)
    first = ed.page.locator(".react-flow__node").first.get_attribute("data-id")
    assert first
    ed.zoom_to(first, 0.7)  # shape labels show from zoom 0.4 on
    ed.page.wait_for_timeout(300)
    nodes = boxes(ed, ".react-flow__node")
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert not overlap(a, b), f"{a['id']} overlaps {b['id']}"
    labels = boxes(ed, ".tc-edge-label")
    assert labels, "no shape labels on screen"
    for lab in labels:
        for n in nodes:
            assert not overlap(lab, n), f"label {lab['id']} covers node {n['id']}"
    ed.shot(f"canvas_layout_{template}_{ed.page.viewport_size['width']}")  # type: ignore[index]


def test_double_click_adds_nodes_clear_of_each_other_and_of_the_output(ed: Editor, server: Any) -> None:
    ed.page.goto(f"{server.url}/#/quickstart")
    ed.tid("quickstart-blank").click()
    expect(ed.tid("canvas")).to_be_visible()
    for layer in ["Conv2d", "ReLU", "Linear", "MaxPool2d", "Flatten"]:
        ed.tid(f"palette-{layer}").dblclick()
        ed.page.wait_for_timeout(150)
    ed.page.wait_for_timeout(300)
    nodes = boxes(ed, ".react-flow__node")
    assert len(nodes) >= 7  # input, output and the five layers
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert not overlap(a, b), f"{a['id']} was added on {b['id']}"


def test_a_node_error_is_one_line_with_the_whole_message_as_its_tooltip(ed: Editor, server: Any) -> None:
    open_template(ed, server.url, "seed_lenet_bn")
    fc1 = ed.node("fc1")
    before = fc1.bounding_box()
    assert before
    ed.select("fc1")
    ed.set_param("in_features", "256")
    error = ed.tid("node-error-fc1")
    expect(error).to_be_visible()
    title = error.get_attribute("title") or ""
    assert "400" in title and len(title) >= len(error.inner_text().rstrip("…"))
    # Cut with an ellipsis on one line, so the node grows by one line at most.
    assert error.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"
    after = fc1.bounding_box()
    assert after
    assert after["height"] - before["height"] <= 20 * (after["width"] / 200)
    nodes = boxes(ed, ".react-flow__node")
    me = next(n for n in nodes if n["id"] == "fc1")
    assert not any(overlap(me, n) for n in nodes if n["id"] != "fc1")


def test_zoom_buttons_stay_above_edge_labels(ed: Editor, server: Any) -> None:
    open_template(ed, server.url, "seed_lenet_bn")
    ed.zoom_to("conv1", 0.7)
    label = ed.page.locator(".tc-edge-label").first
    lb = label.bounding_box()
    zb = ed.page.locator(".react-flow__controls-zoomin").bounding_box()
    pane = ed.page.locator(".react-flow__pane").bounding_box()
    assert lb and zb and pane
    # Drag the bare pane so that the label's centre comes to lie under the zoom-in button.
    sx, sy = pane["x"] + pane["width"] * 0.85, pane["y"] + 30
    dx = zb["x"] + zb["width"] / 2 - (lb["x"] + lb["width"] / 2)
    dy = zb["y"] + zb["height"] / 2 - (lb["y"] + lb["height"] / 2)
    ed.page.mouse.move(sx, sy)
    ed.page.mouse.down()
    ed.page.mouse.move(sx + dx, sy + dy, steps=8)
    ed.page.mouse.up()
    moved = label.bounding_box()
    assert moved
    as_box = lambda r: {"x": r["x"], "y": r["y"], "w": r["width"], "h": r["height"]}  # noqa: E731
    assert overlap(as_box(moved), as_box(zb)), "the label did not come under the button"
    on_top = ed.page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('.react-flow__controls')",
        [zb["x"] + zb["width"] / 2, zb["y"] + zb["height"] / 2],
    )
    assert on_top, "an edge label is drawn over the zoom buttons"


def test_a_big_graph_far_out_is_one_canvas_and_its_nodes_come_back_zoomed_in(
    ed: Editor, server: Any, tmp_path: Path
) -> None:
    from bench.graphs import wide

    doc = wide(400)
    for i, n in enumerate(doc["nodes"]):  # a 20-wide grid: the fit view shows all of it, far out
        n["position"] = {"x": (i % 20) * 240, "y": (i // 20) * 140}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    ed.page.goto(f"{server.url}/#/quickstart")
    ed.tid("quickstart-blank").click()
    ed.tid("import-file").set_input_files(str(path))
    ed.tid("fit-view").click()
    overview = ed.tid("overview")
    expect(overview).to_have_attribute("data-nodes", str(len(doc["nodes"])))
    expect(overview).to_have_attribute("data-checked", "1")
    assert ed.viewport()[2] < 0.3
    expect(ed.page.locator(".react-flow__node")).to_have_count(0)  # no DOM node far out
    # A click on a box selects its node.
    target = doc["nodes"][45]
    sx, sy = ed.to_screen(target["position"]["x"] + 100, target["position"]["y"] + 30)
    ed.page.mouse.click(sx, sy)
    expect(ed.tid("params-panel").locator("h3")).to_have_text(target["type"])
    ed.shot(f"canvas_overview_{ed.page.viewport_size['width']}")  # type: ignore[index]
    # Zoomed in, the nodes are React Flow nodes again (those on screen) and the canvas is gone.
    ed.page.mouse.move(sx, sy)
    for _ in range(15):
        if ed.viewport()[2] >= 0.5:
            break
        ed.page.mouse.wheel(0, -300)
        ed.page.wait_for_timeout(100)
    expect(overview).to_have_count(0)
    expect(ed.page.locator(".react-flow__node").first).to_be_visible()
    assert ed.page.locator(".react-flow__node").count() < len(doc["nodes"])
    # Nodes never drawn before had estimated sizes and handles (canvas/nodeSize.ts): the edges
    # between those on screen are drawn all the same, ending on their handles.
    expect(ed.page.locator(".react-flow__edge").first).to_be_visible()
    shown = ed.page.locator(".react-flow__node").first.get_attribute("data-id")
    assert ed.page.locator(f"[data-testid^='rf__edge-{shown}:'], [data-testid*='->{shown}:']").count() >= 1
