"""The Quick start gallery and the My models page, in a real Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Editor, Server, editor_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ed(browser: Browser, artifacts: Path, account: Account, viewport: tuple[int, int]) -> Iterator[Editor]:
    with editor_page(browser, artifacts, *viewport, timeout_ms=10_000, account=account) as editor:
        yield editor


def test_quickstart_opens_a_seed_template(ed: Editor, server: Server) -> None:
    ed.page.goto(f"{server.url}/#/quickstart")
    cards = ed.page.locator("[data-testid^=template-]")
    expect(cards.first).to_be_visible()
    names = cards.evaluate_all("els => els.map(e => e.dataset.testid.slice('template-'.length))")
    seeds = [n for n in names if n.startswith("seed_")]
    assert seeds and names[: len(seeds)] == seeds, f"seed templates must come first: {names}"
    # The tutorial's models carry a "lab" badge; no "seed" jargon (issue 10) on the cards.
    expect(ed.tid("template-seed_lenet_bn").locator(".tc-badge")).to_have_text("lab")
    expect(ed.tid("template-seed_lenet_bn")).not_to_contain_text("seed")
    expect(ed.page.locator(".tc-cards")).not_to_contain_text("banknote")
    ed.shot("10a_quickstart")

    ed.tid("template-seed_lenet_bn").click()
    expect(ed.page).to_have_url(re.compile(r"#/$"))
    seed = json.loads((ROOT / "examples" / "seed_lenet_bn.json").read_text())
    expect(ed.page.locator(".react-flow__node")).to_have_count(len(seed["nodes"]))
    expect(ed.tid("model-name")).to_have_value("LeNet_bn")
    ed.shot("10b_seed_lenet_bn_fit_view")
    ed.zoom_to("flatten")
    expect(ed.tid("edge-label-pool2-flatten")).to_have_text("(B, 16, 5, 5)")
    expect(ed.tid("node-shape-y")).to_have_text("(B, 2)")
    ed.select("fc1")
    expect(ed.tid("param-in_features-auto")).to_have_text("auto (400)")
    assert ed.error_nodes() == []
    ed.shot("10c_seed_lenet_bn_zoomed_fc1")


def test_my_models_rename_duplicate_restore(ed: Editor, server: Server, account: Account) -> None:
    graph = json.loads((ROOT / "examples" / "seed_lenet_bn.json").read_text())
    created = account.api.post("/models", json={"name": "Pages test", "graph": graph})
    assert created.status_code in (200, 201), created.text
    mid = str(created.json()["id"])
    ed.page.goto(f"{server.url}/#/models")
    card = ed.tid(f"model-{mid}")
    expect(card).to_contain_text("Pages test")
    ed.shot("11a_my_models")

    # Rename (a prompt): a new version.
    ed.page.once("dialog", lambda d: d.accept("Pages test renamed"))
    ed.tid(f"rename-{mid}").click()
    expect(card).to_contain_text("Pages test renamed")
    assert account.api.get(f"/models/{mid}").json()["name"] == "Pages test renamed"

    # Duplicate: one more card, a copy with the same graph.
    before = ed.page.locator("[data-testid^=model-]").count()
    ed.tid(f"duplicate-{mid}").click()
    expect(ed.page.locator("[data-testid^=model-]")).to_have_count(before + 1)
    copies = [m for m in account.api.get("/models").json()["items"] if m["name"] == "Pages test renamed (copy)"]
    assert len(copies) == 1
    copy_graph = account.api.get(f"/models/{copies[0]['id']}").json()["graph"]
    assert [n["id"] for n in copy_graph["nodes"]] == [n["id"] for n in graph["nodes"]]
    expect(ed.tid(f"model-{copies[0]['id']}")).to_contain_text("(copy)")
    ed.shot("11b_renamed_and_duplicated")

    # History: v1 (created) and v2 (renamed); restoring v1 brings the first name back as v3.
    ed.tid(f"history-{mid}").click()
    expect(ed.tid(f"versions-{mid}").locator("li")).to_have_count(2)
    ed.shot("11c_history")
    # Restoring asks first (dismissed: nothing happens), then restores.
    asked: list[str] = []
    ed.page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    ed.tid(f"restore-{mid}-1").click()
    expect(ed.tid(f"versions-{mid}").locator("li")).to_have_count(2)
    assert asked == ["Restore v1? The model becomes v3 with the content of v1; v2 stays in the history."]
    assert account.api.get(f"/models/{mid}").json()["version"] == 2
    ed.page.once("dialog", lambda d: d.accept())
    ed.tid(f"restore-{mid}-1").click()
    expect(card.locator("b")).to_have_text("Pages test")
    expect(card).to_contain_text("v3")
    restored = account.api.get(f"/models/{mid}").json()
    assert restored["name"] == "Pages test" and restored["version"] == 3
    ed.shot("11d_restored_v1")

    ed.tid(f"open-{mid}").click()
    expect(ed.page).to_have_url(re.compile(rf"#/model/{re.escape(mid)}$"))
    expect(ed.tid("model-name")).to_have_value("Pages test")
    expect(ed.tid("node-shape-pool2")).to_have_text("(B, 16, 5, 5)")
    ed.zoom_to("flatten")
    expect(ed.tid("edge-label-pool2-flatten")).to_have_text("(B, 16, 5, 5)")


@pytest.mark.parametrize(("width", "height"), [(1600, 1000), (1280, 720)])
def test_quickstart_imports_a_torchvision_model(
    browser: Browser, artifacts: Path, server: Server, width: int, height: int
) -> None:
    """Anyone (no account) picks resnet18, sees its params and FLOPs, and opens it: the canvas
    shows its top level, with layer1..layer4 as module nodes. (Refused models: the API tests.)"""
    with editor_page(browser, artifacts, width=width, height=height, timeout_ms=30_000) as ed:
        ed.page.goto(f"{server.url}/#/quickstart")
        expect(ed.tid("zoo-open")).to_be_disabled()
        ed.tid("zoo-select").select_option("resnet18")
        # torchvision's own count: 11,689,512 parameters and 1.81 G multiply-adds per 3x224x224
        # image, which are 3.63 G FLOPs (a multiply and an add each), as torch's counter says.
        expect(ed.tid("zoo-facts")).to_contain_text("11.69M params · 3.63G FLOPs per image", timeout=30_000)
        expect(ed.tid("zoo-open")).to_be_enabled()
        ed.shot(f"12_quickstart_zoo_{width}x{height}")
        assert ed.page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll

        ed.tid("zoo-open").click()
        expect(ed.page).to_have_url(re.compile(r"#/$"))
        expect(ed.tid("model-name")).to_have_value("ResNet")
        # x, conv1, bn1, relu, maxpool, layer1..4, avgpool, flatten, fc, out
        expect(ed.page.locator(".react-flow__node")).to_have_count(13)
        expect(ed.tid("node-layer1")).to_be_visible()
        ed.shot(f"12_imported_resnet18_{width}x{height}")


def test_import_json_asks_before_replacing_unsaved_work_and_says_what_came_in(
    ed: Editor, server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "lenet.json"
    path.write_text((ROOT / "examples" / "seed_lenet_bn.json").read_text())
    seed = json.loads(path.read_text())
    ed.page.goto(f"{server.url}/#/")
    ed.tid("model-name").fill("Work in progress")
    ed.tid("model-name").press("Enter")
    expect(ed.tid("dirty")).to_be_visible()

    # Cancelled: the unsaved model stays.
    ed.tid("import-file").set_input_files(str(path))
    expect(ed.tid("discard-dialog")).to_be_visible()
    ed.tid("discard-cancel").click()
    expect(ed.tid("model-name")).to_have_value("Work in progress")

    # Discarded: the document comes in, one Undo away from the work it replaced.
    ed.tid("import-file").set_input_files(str(path))
    ed.tid("discard-discard").click()
    expect(ed.tid("model-name")).to_have_value("LeNet_bn")
    expect(ed.page.locator(".react-flow__node")).to_have_count(len(seed["nodes"]))
    expect(ed.tid("toast-action")).to_have_text("Undo")

    # Nothing unsaved to replace: no question, and the toast says what came in, with Save.
    ed.tid("import-file").set_input_files(str(path))
    expect(ed.tid("toast")).to_contain_text(f"Imported “LeNet_bn” from lenet.json ({len(seed['nodes'])} nodes)")
    expect(ed.tid("toast-action")).to_have_text("Save")
    expect(ed.tid("discard-dialog")).to_have_count(0)
    ed.shot("13_imported_json")

    # Not a graph: a clear error, and the model stays.
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    ed.tid("import-file").set_input_files(str(bad))
    expect(ed.tid("toast")).to_contain_text("notes.json is not a graph document: it has no nodes array")
    expect(ed.tid("model-name")).to_have_value("LeNet_bn")


def test_my_models_search_sort_and_diagram_thumbnails(ed: Editor, server: Server, account: Account) -> None:
    graph = json.loads((ROOT / "examples" / "seed_lenet_bn.json").read_text())
    for name in ("Zebra net", "alpha classifier", "Middle"):
        r = account.api.post("/models", json={"name": name, "graph": graph})
        assert r.status_code == 201, r.text
    ed.page.goto(f"{server.url}/#/models")
    cards = ed.page.locator(".tc-cards > .tc-card > b")
    expect(cards).to_have_count(3)
    expect(cards).to_have_text(["Middle", "alpha classifier", "Zebra net"])  # last updated first
    # Each card shows the graph's diagram, drawn as the market draws it (labelled boxes, edges).
    img = ed.page.locator("[data-testid^=thumb-] img").first
    expect(img).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "the diagram did not load"
    ed.shot("14a_my_models_diagrams")

    ed.tid("models-sort").select_option("name")
    expect(cards).to_have_text(["alpha classifier", "Middle", "Zebra net"])
    ed.tid("models-search").fill("NET")
    expect(cards).to_have_text(["Zebra net"])
    expect(ed.tid("models-count")).to_have_text("1 of 3 models")
    ed.tid("models-search").fill("nothing like it")
    expect(cards).to_have_count(0)
    expect(ed.tid("models-none")).to_contain_text("nothing like it")
    ed.shot("14b_my_models_search")
    ed.no_sideways_scroll()
