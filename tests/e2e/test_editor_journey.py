"""A new user's first model, end to end in a real Chromium: the seed's LeNet_bn built by hand.

Each test sets up its own state, so the tests run in any order and in parallel (pytest-xdist):
the first builds the model by hand on a new page; the others start from that same model (the
editor's ids: a layer's type lower-cased and numbered, conv2d_1, ...; ``x`` and ``y`` for the
input and output), saved through the API and opened in a fresh page. Steps that need the editor's
own history (undo after grouping) do the grouping themselves. Each step leaves a screenshot in
test-artifacts/e2e/.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Editor, Server, editor_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SEED = json.loads((ROOT / "examples" / "seed_lenet_bn.json").read_text())
COLUMN_X = 260  # the hand-built chain goes down this column, right of the input node
ROW = 130

# (palette entry, params typed into the panel) in data-flow order; the first four are dragged
# onto the canvas and wired by hand, the rest added by double-click below the selected node.
LAYERS: list[tuple[str, dict[str, str]]] = [
    ("Conv2d", {"out_channels": "6", "kernel_size": "5"}),
    ("BatchNorm2d", {}),
    ("ReLU", {}),
    ("MaxPool2d", {"kernel_size": "2"}),
    ("Conv2d", {"out_channels": "16", "kernel_size": "5"}),
    ("BatchNorm2d", {}),
    ("ReLU", {}),
    ("MaxPool2d", {"kernel_size": "2"}),
    ("Flatten", {}),
    ("Linear", {"out_features": "120"}),
    ("BatchNorm1d", {}),
    ("ReLU", {}),
    ("Linear", {"out_features": "84"}),
    ("ReLU", {}),
    ("Linear", {"out_features": "2"}),
]
DRAGGED = 4


def _ids() -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for type_, _ in LAYERS:
        seen[type_] = seen.get(type_, 0) + 1
        out.append(f"{type_.lower()}_{seen[type_]}")
    return out


IDS = _ids()  # conv2d_1, batchnorm2d_1, relu_1, maxpool2d_1, conv2d_2, ...
CHAIN = ["x", *IDS, "y"]


def chain_of(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(type, params) of each layer from the input to the output, following the edges."""
    nodes = {n["id"]: n for n in doc["nodes"]}
    nxt = {e["source"]["node"]: e["target"]["node"] for e in doc["edges"]}
    out = []
    nid = next(n["id"] for n in doc["nodes"] if n["kind"] == "input")
    while nid in nxt:
        nid = nxt[nid]
        if nodes[nid]["kind"] == "layer":
            params = {k: v for k, v in (nodes[nid].get("params") or {}).items() if v is not None}
            out.append((nodes[nid]["type"], params))
    assert nodes[nid]["kind"] == "output", f"the chain ends at {nid}, not at the output"
    return out


def hand_built_doc() -> dict[str, Any]:
    """The document test_01 builds by hand: the seed's LeNet_bn under the editor's node ids, with the
    schema's default training config (Regression1D and MSELoss, which do not fit it: a document saved without one)."""
    layers = [n["id"] for n in SEED["nodes"] if n["kind"] == "layer"]
    rename = dict(zip(layers, IDS, strict=True))
    rename.update({n["id"]: "x" for n in SEED["nodes"] if n["kind"] == "input"})
    rename.update({n["id"]: "y" for n in SEED["nodes"] if n["kind"] == "output"})
    nodes = [{k: v for k, v in {**n, "id": rename[n["id"]]}.items() if k != "name"} for n in SEED["nodes"]]
    edges = [
        {"source": {**e["source"], "node": rename[e["source"]["node"]]}, "target": {**e["target"], "node": rename[e["target"]["node"]]}}
        for e in SEED["edges"]
    ]
    return {"name": "LeNet_bn", "nodes": nodes, "edges": edges}


@pytest.fixture
def ed(browser: Browser, artifacts: Path, account: Account, viewport: tuple[int, int]) -> Iterator[Editor]:
    with editor_page(browser, artifacts, *viewport, account=account) as editor:
        yield editor


@pytest.fixture
def model_id(account: Account) -> str:
    """The hand-built LeNet_bn, saved through the API: a model of this test's own."""
    r = account.api.post("/models", json={"graph": hand_built_doc()})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture
def opened(ed: Editor, server: Server, model_id: str) -> Editor:
    """The editor on that model, fitted to the view."""
    ed.page.goto(f"{server.url}/#/model/{model_id}")
    expect(ed.node(IDS[-1])).to_be_visible()
    expect(ed.tid("node-shape-y")).to_have_text("(B, 2)")
    ed.press("f")
    return ed


def test_01_build_lenet_bn_by_hand(ed: Editor, server: Server) -> None:
    if (ed.page.viewport_size or {}).get("height", 0) < 900:
        # The 19-layer column, fitted, is taller than a 720 px window's canvas at any zoom where
        # nodes keep their handles, so the output cannot be dragged below the last layer and wired
        # by hand as this test does. The other steps run at 1280x720 (and test_layout.py).
        pytest.skip("building the whole column by hand needs a canvas taller than 1280x720's")
    ed.page.goto(f"{server.url}/#/")
    ed.shot("01a_empty_canvas")
    expect(ed.node("x")).to_be_visible()
    expect(ed.node("y")).to_be_visible()
    # The input shape, typed on the input node itself.
    shape = ed.tid("input-shape-x")
    shape.fill("B, 3, 32, 32")
    shape.press("Enter")
    expect(shape).to_have_value("B, 3, 32, 32")

    # Drag the first layers from the palette into a column and wire them handle to handle.
    prev = "x"
    for i, ((type_, params), nid) in enumerate(zip(LAYERS[:DRAGGED], IDS, strict=False)):
        ed.drop(f"palette-{type_}", COLUMN_X, i * ROW)
        expect(ed.node(nid)).to_be_visible()
        expect(ed.tid("params-panel").locator("h3")).to_have_text(type_)  # a drop selects the new node
        for name, value in params.items():
            ed.set_param(name, value)
        ed.connect(prev, nid)
        prev = nid
    ed.shot("01b_dragged_and_wired")

    # The rest by double-click: each lands below the selected node, wired to it, and is selected.
    for (type_, params), nid in zip(LAYERS[DRAGGED:], IDS[DRAGGED:], strict=True):
        expect(ed.node(prev)).to_have_class(re.compile(r"\bselected\b"))  # the node just added
        ed.tid(f"palette-{type_}").dblclick()
        expect(ed.node(nid)).to_be_visible()
        expect(ed.edge(prev, nid)).to_have_count(1)
        expect(ed.tid("params-panel").locator("h3")).to_have_text(type_)
        for name, value in params.items():
            ed.set_param(name, value)
        prev = nid
    ed.shot("01c_chain_built")

    # The output node is still where the new model put it: fit the view, bring it below the
    # last layer by dragging it, and wire the last layer to it.
    ed.press("f")
    ed.page.wait_for_timeout(300)
    last = ed.node(IDS[-1]).bounding_box()
    assert last
    ed.node("y").locator(".tc-node-head").drag_to(
        ed.tid("canvas"), target_position=_canvas_point(ed, last["x"] + 40, last["y"] + last["height"] + 60)
    )
    ed.connect(IDS[-1], "y")
    ed.press("l")  # auto-layout
    ed.press("f")
    expect(ed.tid("node-shape-y")).to_have_text("(B, 2)")
    ed.shot("01d_wired_to_output_layout")
    assert not ed.error_nodes()
    # What the other tests start from is what a user builds here.
    assert chain_of(_download_json(ed)) == chain_of(hand_built_doc())


def _canvas_point(ed: Editor, sx: float, sy: float) -> dict[str, float]:
    box = ed.tid("canvas").bounding_box()
    assert box
    return {"x": sx - box["x"], "y": sy - box["y"]}


def test_02_shapes_on_edges_and_inferred_in_features(opened: Editor, server: Server) -> None:
    ed = opened
    # Edge labels hide below zoom 0.4: zoom in on the flatten step, as a user would.
    ed.select("flatten_1")
    ed.zoom_to("flatten_1")
    expected = {
        ("x", "conv2d_1"): "(B, 3, 32, 32)",
        ("conv2d_1", "batchnorm2d_1"): "(B, 6, 28, 28)",
        ("maxpool2d_1", "conv2d_2"): "(B, 6, 14, 14)",
        ("conv2d_2", "batchnorm2d_2"): "(B, 16, 10, 10)",
        ("maxpool2d_2", "flatten_1"): "(B, 16, 5, 5)",
        ("flatten_1", "linear_1"): "(B, 400)",
        ("linear_1", "batchnorm1d_1"): "(B, 120)",
        ("linear_3", "y"): "(B, 2)",
    }
    for (s, t), text in expected.items():
        expect(ed.tid(f"edge-label-{s}-{t}")).to_have_text(text)
    expect(ed.tid("edge-label-maxpool2d_2-flatten_1")).to_be_visible()
    expect(ed.tid("node-shape-maxpool2d_2")).to_have_text("(B, 16, 5, 5)")

    ed.select("linear_1")
    expect(ed.tid("param-in_features-auto")).to_have_text("auto (400)")
    expect(ed.tid("node-params-linear_1")).to_have_text("48.1k params")  # 400 * 120 + 120
    ed.shot("02_shapes_on_edges_in_features_auto_400")

    # The document the user built is the seed's LeNet_bn, layer for layer (JSON export).
    doc = _download_json(ed)
    seed_chain = chain_of(SEED)
    assert chain_of(doc) == seed_chain
    assert doc["nodes"][0]["shape"] == ["B", 3, 32, 32]
    ours = server.api.post("/check", json=doc).json()
    theirs = server.api.post("/check", json={**SEED, "training": doc["training"]}).json()
    assert ours["total_params"] == theirs["total_params"] > 0


def _download_json(ed: Editor) -> dict[str, Any]:
    ed.tid("export-menu").click()
    with ed.page.expect_download() as dl:
        ed.tid("export-json").click()
    return json.loads(Path(dl.value.path()).read_text())


def test_03_mismatch_shows_on_the_node_then_fixed(opened: Editor) -> None:
    ed = opened
    ed.select("linear_1")
    ed.set_param("in_features", "256")
    expect(ed.tid("node-error-linear_1")).to_be_visible()
    expect(ed.tid("node-error-linear_1")).to_contain_text("400")
    expect(ed.node("linear_1")).to_have_class(re.compile(r"\berror\b"))
    expect(ed.tid("param-in_features-error")).to_be_visible()
    assert ed.error_nodes() == ["linear_1"], "the error must be on fc1 and nowhere else"
    # The panel's status says so too: no green "✓" beside a red node.
    expect(ed.tid("check-status")).to_have_text("✗ 1")
    expect(ed.tid("check-status")).to_have_class(re.compile(r"\berror\b"))
    ed.shot("03a_in_features_mismatch_on_fc1")

    ed.tid("param-in_features-reset").click()
    expect(ed.tid("param-in_features-auto")).to_have_text("auto (400)")
    expect(ed.tid("node-error-linear_1")).to_have_count(0)
    expect(ed.node("linear_1")).not_to_have_class(re.compile(r"\berror\b"))
    assert ed.error_nodes() == []
    expect(ed.tid("check-status")).not_to_have_class(re.compile(r"\berror\b"))
    expect(ed.tid("check-status")).not_to_contain_text("✗")
    ed.shot("03b_reset_to_auto_fixed")


def group_and_reuse(ed: Editor) -> None:
    """Group fc1's BatchNorm1d and ReLU into a module (Block1), and put a second Block1 between
    the first and fc2."""
    # Group fc1's BatchNorm1d and its ReLU.
    ed.select("batchnorm1d_1")
    ed.select("relu_3", add=True)
    expect(ed.tid("params-panel").locator("h3")).to_have_text("2 nodes selected")
    ed.shot("04a_two_selected")
    ed.press("Control+g")
    expect(ed.node("block1_1")).to_be_visible()
    expect(ed.node("batchnorm1d_1")).to_have_count(0)
    expect(ed.tid("palette-module-Block1")).to_be_visible()
    expect(ed.tid("node-shape-block1_1")).to_have_text("(B, 120)")
    assert not ed.error_nodes()
    ed.press("l")
    # The layout (elkjs, in a worker) lands a moment later; then fit the view to it (at 1280x720
    # the laid-out model is larger than the canvas as it was).
    ed.page.wait_for_timeout(1000)
    ed.press("f")
    ed.page.wait_for_timeout(300)
    ed.shot("04b_grouped_block1")

    # Reuse: drop a second Block1 right of the first, and put it between block1_1 and fc2.
    ed.drop("palette-module-Block1", *ed.beside("block1_1", 300, 60))
    expect(ed.node("block1_2")).to_be_visible()

    edge = ed.edge("block1_1", "linear_2")
    _click_edge(ed, "block1_1", "linear_2")
    expect(edge).to_have_class(re.compile(r"\bselected\b"))
    ed.press("Delete")
    expect(edge).to_have_count(0)
    ed.connect("block1_1", "block1_2")
    ed.connect("block1_2", "linear_2")
    ed.zoom_to("block1_2")  # edge labels hide below zoom 0.4 (Fit view's zoom at 1280x720)
    ed.shot("DEBUG_04")
    expect(ed.tid("edge-label-block1_2-linear_2")).to_have_text("(B, 120)")
    expect(ed.tid("node-shape-linear_2")).to_have_text("(B, 84)")
    assert not ed.error_nodes()
    ed.shot("04c_block1_reused")


def test_04_group_into_module_and_reuse(opened: Editor) -> None:
    group_and_reuse(opened)


def _click_edge(ed: Editor, source: str, target: str) -> None:
    """Click an edge a quarter of the way along it (its middle holds the shape label): a point on
    the path itself (a routed edge's bounding box has corners far from it), tried a little further
    along when a node or label covers it."""
    path = ed.edge(source, target).locator("path.react-flow__edge-interaction")
    for share in (0.25, 0.15, 0.35, 0.6):
        x, y = path.evaluate(
            """(p, share) => {
                const pt = p.getPointAtLength(p.getTotalLength() * share), m = p.getScreenCTM();
                return [pt.x * m.a + pt.y * m.c + m.e, pt.x * m.b + pt.y * m.d + m.f];
            }""",
            share,
        )
        ed.page.mouse.click(x, y)
        ed.page.wait_for_timeout(100)  # React applies the selection on its next render
        if re.search(r"\bselected\b", ed.edge(source, target).get_attribute("class") or ""):
            return


def test_05_undo_redo(opened: Editor) -> None:
    ed = opened
    group_and_reuse(ed)
    before = ed.node_ids()
    assert "block1_2" in before
    undos = 0
    while "block1_2" in ed.node_ids():
        assert undos < 10, "ten undos did not take the reused module away"
        ed.press("Control+z")
        undos += 1
        ed.page.wait_for_timeout(100)
    expect(ed.edge("block1_1", "linear_2")).to_have_count(1)
    expect(ed.node("block1_2")).to_have_count(0)
    ed.shot("05a_after_undo")
    # Further back: the grouping itself.
    ed.press("Control+z")
    ed.press("Control+z")
    expect(ed.node("block1_1")).to_have_count(0)
    expect(ed.node("batchnorm1d_1")).to_be_visible()
    ed.press("Control+Shift+z")
    ed.press("Control+Shift+z")
    expect(ed.node("block1_1")).to_be_visible()
    for _ in range(undos):
        ed.press("Control+Shift+z")
        ed.page.wait_for_timeout(100)
    expect(ed.node("block1_2")).to_be_visible()
    expect(ed.edge("block1_2", "linear_2")).to_have_count(1)
    expect(ed.tid("redo")).to_be_disabled()
    assert ed.node_ids() == before
    ed.press("f")
    ed.shot("05b_after_redo")


def test_06_save_reload_reopen(ed: Editor, server: Server, account: Account) -> None:
    ed.page.goto(f"{server.url}/#/")
    expect(ed.node("x")).to_be_visible()
    # A model of its own, built in the editor (one layer between x and y) and saved there.
    ed.drop("palette-Linear", COLUMN_X, ROW)
    expect(ed.node("linear_1")).to_be_visible()
    ed.connect("x", "linear_1")
    ed.connect("linear_1", "y")
    expect(ed.tid("node-shape-y")).to_have_text("(B, 3, 32, 10)")  # Linear acts on the last dim
    name = ed.tid("model-name")
    name.fill("LeNet_bn")
    name.press("Enter")
    ed.tid("save").click()
    expect(ed.tid("toast")).to_contain_text("Saved")
    expect(ed.page).to_have_url(re.compile(r"#/model/[^/]+$"))
    expect(ed.tid("dirty")).to_have_count(0)
    model_id = ed.page.url.rsplit("/", 1)[1]
    assert account.api.get(f"/models/{model_id}").json()["name"] == "LeNet_bn"
    ed.shot("06a_saved")
    before = ed.node_ids()

    ed.page.reload()
    expect(ed.node("linear_1")).to_be_visible()
    expect(ed.tid("model-name")).to_have_value("LeNet_bn")
    assert ed.node_ids() == before
    expect(ed.tid("node-shape-y")).to_have_text("(B, 3, 32, 10)")
    ed.shot("06b_reloaded")

    ed.tid("user-menu").click()
    ed.tid("menu-models").click()
    card = ed.tid(f"model-{model_id}")
    expect(card).to_contain_text("LeNet_bn")
    ed.shot("06c_my_models")
    ed.tid(f"open-{model_id}").click()
    expect(ed.node("linear_1")).to_be_visible()
    expect(ed.tid("model-name")).to_have_value("LeNet_bn")
    assert ed.node_ids() == before
    ed.shot("06d_reopened_from_my_models")


def test_07_zip_model_py_is_the_codegen_of_the_saved_graph(opened: Editor, account: Account, model_id: str) -> None:
    from torchcanvas.codegen import generate
    from torchcanvas.graph.model import Graph

    ed = opened
    group_and_reuse(ed)
    ed.tid("tab-code").click()
    expect(ed.tid("code-view")).to_contain_text("class LeNet_bn")
    ed.shot("07a_code_panel")

    # A document saved without a training config trains on Regression1D with MSELoss, which does not fit an image classifier.
    # The canvas says so before any export: an amber chip (the model itself is fine, so no node
    # is red) that opens the Training tab, where the warning sits next to the field to change.
    chip = ed.tid("check-warnings")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("training warning")
    assert ed.error_nodes() == []
    ed.shot("07b_training_warning_on_the_canvas")
    chip.click()
    expect(ed.tid("dataset-type")).to_be_visible()
    expect(ed.page.locator("[data-testid^=training-warning-]").first).to_be_visible()
    ed.tid("dataset-type").select_option("LFWFaces")
    ed.tid("loss-type").select_option("CrossEntropyLoss")
    expect(ed.tid("dataset-type")).to_have_value("LFWFaces")
    ed.settle()
    expect(ed.tid("check-warnings")).to_have_count(0)
    expect(ed.page.locator("[data-testid^=training-warning-]")).to_have_count(0)
    ed.shot("07c_training_lfw_crossentropy")
    ed.press("Control+s")
    expect(ed.tid("dirty")).to_have_count(0)

    ed.tid("tab-code").click()
    with ed.page.expect_download() as dl:
        ed.tid("code-zip").click()
    assert dl.value.suggested_filename == "LeNet_bn.zip"
    with zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes())) as z:
        names = z.namelist()
        model_py = z.read(next(n for n in names if n.endswith("model.py"))).decode()
    saved = account.api.get(f"/models/{model_id}").json()["graph"]
    assert saved["training"]["dataset"]["type"] == "LFWFaces"
    expected = generate(Graph.model_validate(saved))["model.py"]
    assert model_py == expected
    assert "class Block1(nn.Sequential)" in model_py and model_py.count("= Block1()") == 2
    ed.shot("07d_zip_downloaded")
