"""Issue 10, a new user's first hour: the guided tour, followed to the letter, ends with a model
that trains; a new model starts with no warning; the palette's Enter adds the layer one means;
the Name field shows the code's name. Each test runs at 1600x1000 and at 1280x720."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Editor, Server, editor_page

CODE_MS = 30_000


@pytest.fixture
def ed(viewport: tuple[int, int], browser: Browser, artifacts: Path, account: Account) -> Iterator[Editor]:
    """The editor, signed in, at each of the e2e suite's sizes (conftest.py `viewport`)."""
    width, height = viewport
    with editor_page(browser, artifacts, width=width, height=height, account=account) as editor:
        editor.size = f"{width}x{height}"  # type: ignore[attr-defined]
        yield editor


def shot(ed: Editor, name: str) -> None:
    ed.shot(f"first_hour_{name}_{ed.size}")  # type: ignore[attr-defined]


def tour_step(ed: Editor, step: int) -> None:
    expect(ed.tid("tour")).to_have_attribute("data-step", str(step))


def add_from_palette(ed: Editor, query: str) -> None:
    search = ed.tid("palette-search")
    search.fill(query)
    expect(ed.page.locator(".tc-palette-item.active")).to_have_count(1)  # the catalog has loaded
    search.press("Enter")


def test_the_tour_followed_to_the_letter_ends_with_a_model_that_trains(ed: Editor, server: Server) -> None:
    ed.page.goto(f"{server.url}/#/quickstart")
    ed.tid("quickstart-tour").click()
    tour_step(ed, 0)
    shot(ed, "tour_1_palette")
    # 1. "type conv, then press Enter to add Conv2d"
    expect(ed.tid("tour")).to_contain_text("press Enter to add Conv2d")
    add_from_palette(ed, "conv")
    expect(ed.node("conv2d_1")).to_be_visible()
    assert "conv1d_1" not in ed.node_ids()
    # 2. "connect the input x to your Conv2d"
    tour_step(ed, 1)
    shot(ed, "tour_2_connect")
    ed.connect("x", "conv2d_1")
    # 3. "Click your Conv2d, then search flatten and press Enter, then linear and Enter"
    tour_step(ed, 2)
    shot(ed, "tour_3_head")
    ed.select("conv2d_1")
    add_from_palette(ed, "flatten")
    expect(ed.node("flatten_1")).to_be_visible()
    add_from_palette(ed, "linear")
    expect(ed.node("linear_1")).to_be_visible()
    expect(ed.edge("conv2d_1", "flatten_1")).to_have_count(1)
    expect(ed.edge("flatten_1", "linear_1")).to_have_count(1)
    # 4. "Connect the Linear's output to y"
    tour_step(ed, 3)
    shot(ed, "tour_4_live_shapes")
    ed.connect("linear_1", "y")
    # The model reads top to bottom: each layer added from the palette landed between the one
    # before it and y (y moved down), so no edge loops back up.
    tops = [ed.node(n).bounding_box() for n in ("x", "conv2d_1", "flatten_1", "linear_1", "y")]
    assert all(b for b in tops)
    ys = [b["y"] for b in tops if b]
    assert ys == sorted(ys), ys
    for a, b in itertools.pairwise(tops):
        assert a and b and a["y"] + a["height"] < b["y"], (a, b)  # none over the next
    # 5. "Click the Linear and set out_features to 2": the number is the dataset's class count.
    tour_step(ed, 4)
    expect(ed.tid("tour")).to_contain_text("Faces vs non-faces")
    expect(ed.tid("tour")).to_contain_text("set out_features to 2")
    shot(ed, "tour_5_params")
    ed.select("linear_1")
    ed.set_param("out_features", "2")
    # 6. The Code tab: highlighted is the Code tab itself, and it shows the code.
    tour_step(ed, 5)
    ring = ed.page.locator(".tc-tour-ring").bounding_box()
    tab = ed.tid("tab-code").bounding_box()
    assert ring and tab and abs(ring["x"] - tab["x"]) < 2 and abs(ring["width"] - tab["width"]) < 2, (ring, tab)
    expect(ed.tid("tab-code")).to_have_class(re.compile(r"\bon\b"))
    # Code generation is a server round trip after the check: give a loaded machine time.
    expect(ed.tid("code-view")).to_contain_text("class Net", timeout=CODE_MS)
    expect(ed.tid("code-view")).to_contain_text("self.fc1 = nn.Linear(", timeout=CODE_MS)
    expect(ed.tid("code-no-train")).to_have_count(0)  # train.py is there
    expect(ed.tid("code-tab-train.py")).to_be_visible()
    shot(ed, "tour_6_code")
    ed.tid("tour-next").click()
    # 7. Train and save: Train is enabled.
    tour_step(ed, 6)
    shot(ed, "tour_7_train")
    ed.tid("tour-next").click()
    expect(ed.tid("tour")).to_have_count(0)
    ed.settle()
    assert ed.error_nodes() == []
    expect(ed.tid("check-warnings")).to_have_count(0)
    ed.tid("train-button").click()
    expect(ed.tid("train-start")).to_be_enabled()
    expect(ed.tid("train-warnings")).to_have_count(0)
    shot(ed, "tour_done_train_enabled")


def test_a_new_model_starts_with_no_warning(ed: Editor, server: Server) -> None:
    ed.page.goto(f"{server.url}/#/quickstart")
    ed.tid("quickstart-blank").click()
    expect(ed.node("x")).to_be_visible()
    ed.settle()
    expect(ed.tid("check-warnings")).to_have_count(0)
    ed.tid("tab-training").click()
    expect(ed.tid("dataset-type")).to_have_value("LFWFaces")
    expect(ed.tid("loss-type")).to_have_value("CrossEntropyLoss")
    expect(ed.page.locator("[data-testid^=training-warning-]")).to_have_count(0)
    expect(ed.tid("input-shape-x")).to_have_value("B, 3, 32, 32")
    shot(ed, "new_model_training_tab")


def test_palette_enter_adds_the_best_match(ed: Editor, server: Server) -> None:
    ed.page.goto(f"{server.url}/#/")
    expect(ed.node("x")).to_be_visible()
    search = ed.tid("palette-search")
    search.fill("add")
    first = ed.page.locator(".tc-palette-item").first
    expect(first).to_have_attribute("data-testid", "palette-Add")
    expect(first).to_have_class(re.compile(r"\bactive\b"))
    shot(ed, "palette_add")
    # On an image model (the input is B, 3, 32, 32) "conv" offers Conv2d first, and Enter adds it.
    search.fill("conv")
    expect(ed.page.locator(".tc-palette-item").first).to_have_attribute("data-testid", "palette-Conv2d")
    shot(ed, "palette_conv")
    search.press("Enter")
    expect(ed.node("conv2d_1")).to_be_visible()
    # A sequence model's input (B, 16, 100): Conv1d first.
    ed.select("x")
    ed.tid("param-shape").fill("B, 16, 100")
    ed.tid("param-shape").press("Enter")
    ed.select("x")
    search.fill("conv")
    expect(ed.page.locator(".tc-palette-item").first).to_have_attribute("data-testid", "palette-Conv1d")


def test_the_name_field_shows_the_codes_name(ed: Editor, server: Server) -> None:
    ed.page.goto(f"{server.url}/#/")
    expect(ed.node("x")).to_be_visible()
    add_from_palette(ed, "conv")
    expect(ed.node("conv2d_1")).to_be_visible()
    ed.select("conv2d_1")
    ed.settle()
    expect(ed.tid("node-attr")).to_have_text("self.conv1")
    expect(ed.tid("node-name")).to_have_attribute("placeholder", "conv1")
    shot(ed, "name_unnamed")
    name = ed.tid("node-name")
    name.fill("Stem Conv")
    name.press("Enter")
    ed.settle()
    expect(ed.tid("node-attr")).to_have_text("self.stem_conv")
    ed.connect("x", "conv2d_1")
    ed.connect("conv2d_1", "y")
    ed.tid("tab-code").click()
    expect(ed.tid("code-view")).to_contain_text("self.stem_conv = nn.Conv2d(", timeout=CODE_MS)
    ed.tid("tab-params").click()
    shot(ed, "name_named")


def build_something(ed: Editor, server: Server) -> None:
    """A new model with three layers of the user's own: unsaved work."""
    ed.page.goto(f"{server.url}/#/")
    expect(ed.node("x")).to_be_visible()
    ed.select("x")
    for query in ("conv", "relu", "flatten"):
        add_from_palette(ed, query)
    expect(ed.node("flatten_1")).to_be_visible()
    expect(ed.tid("dirty")).to_be_visible()


def test_quick_start_asks_before_it_replaces_unsaved_work_and_undo_brings_it_back(ed: Editor, server: Server) -> None:
    build_something(ed, server)
    ed.tid("nav-quickstart").click()
    ed.tid("template-seed_lenet_bn").click()
    dialog = ed.tid("discard-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("“Net” (5 nodes) has never been saved")
    expect(dialog).to_contain_text("the template “LeNet")
    shot(ed, "discard_dialog")
    # Cancel: nothing is replaced.
    ed.tid("discard-cancel").click()
    expect(dialog).to_have_count(0)
    expect(ed.tid("quickstart-page")).to_be_visible()
    # Escape cancels too; then Blank model, Discard.
    ed.tid("quickstart-blank").click()
    expect(dialog).to_be_visible()
    ed.page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    ed.tid("quickstart-blank").click()
    ed.tid("discard-discard").click()
    expect(ed.node("x")).to_be_visible()
    expect(ed.node("flatten_1")).to_have_count(0)
    expect(ed.tid("toast")).to_contain_text("one Undo away")
    shot(ed, "discarded_toast")
    # Undo brings the work back.
    ed.tid("undo").click()
    expect(ed.node("flatten_1")).to_be_visible()
    expect(ed.node("conv2d_1")).to_be_visible()
    expect(ed.tid("dirty")).to_be_visible()


def test_quick_start_save_first_saves_then_replaces(ed: Editor, server: Server, account: Account) -> None:
    build_something(ed, server)
    ed.tid("model-name").fill("Before the template")
    ed.tid("model-name").press("Enter")
    ed.tid("nav-quickstart").click()
    ed.tid("quickstart-blank").click()
    ed.tid("discard-save").click()
    expect(ed.node("x")).to_be_visible()
    expect(ed.node("flatten_1")).to_have_count(0)
    names = [m["name"] for m in account.api.get("/models").json()["items"]]
    assert "Before the template" in names
    # A blank model on a blank model: nothing to lose, nothing asked.
    ed.tid("nav-quickstart").click()
    ed.tid("quickstart-blank").click()
    expect(ed.node("x")).to_be_visible()
    expect(ed.tid("discard-dialog")).to_have_count(0)


def test_a_run_stays_with_the_model_it_trained(ed: Editor, server: Server, account: Account) -> None:
    """A run of an unsaved draft joins the model the draft is saved as; another model's drawer
    never lists it."""
    ed.page.goto(f"{server.url}/#/quickstart")
    ed.tid("template-seed_mlp_weight_decay").click()
    expect(ed.tid("node-fc4")).to_be_visible()
    ed.settle()
    ed.tid("train-button").click()
    ed.tid("train-epochs").fill("5")
    ed.tid("train-start").click()
    detail = ed.tid("run-detail")
    expect(detail).to_be_visible()
    run_id = int(detail.get_attribute("data-run") or 0)
    expect(ed.tid(f"run-{run_id}")).to_be_visible()
    expect(ed.tid("runs-drawer")).to_contain_text("unsaved draft")
    shot(ed, "runs_draft")

    ed.press("Control+s")
    expect(ed.tid("dirty")).to_have_count(0)
    expect(ed.page).to_have_url(re.compile(r"#/model/"))
    model_id = ed.page.url.split("#/model/")[1]
    # The drawer still lists the run, now of the saved model, and still shows it.
    expect(ed.tid("runs-drawer")).to_contain_text("of this saved model")
    expect(ed.tid(f"run-{run_id}")).to_be_visible()
    expect(ed.tid("runs-list")).to_contain_text("1 run")
    expect(detail).to_have_attribute("data-run", str(run_id))
    assert account.api.get(f"/runs/{run_id}").json()["model_id"] == model_id
    assert [r["id"] for r in account.api.get("/runs", params={"model_id": model_id}).json()["items"]] == [run_id]
    shot(ed, "runs_saved")

    # Another model: its drawer lists its own runs (none), not the previous model's.
    other = account.api.post("/models", json={"graph": account.api.get(f"/models/{model_id}").json()["graph"]}).json()[
        "id"
    ]
    # Opened in the app (as My models opens it), with the drawer still open.
    ed.page.evaluate("h => { location.hash = h }", f"#/model/{other}")
    expect(ed.tid("dirty")).to_have_count(0)
    expect(ed.tid("runs-list")).to_contain_text("0 runs")
    expect(ed.tid(f"run-{run_id}")).to_have_count(0)
    expect(ed.tid("run-detail")).to_have_count(0)
    shot(ed, "runs_other_model")
    # A new blank model (an unsaved draft of its own) does not list it either.
    ed.tid("nav-quickstart").click()
    ed.tid("quickstart-blank").click()
    expect(ed.node("x")).to_be_visible()
    expect(ed.tid("runs-drawer")).to_be_visible()  # still open
    expect(ed.tid("runs-list")).to_contain_text("0 runs")
    expect(ed.tid(f"run-{run_id}")).to_have_count(0)
    # Back on the first model, there it is.
    ed.page.evaluate("h => { location.hash = h }", f"#/model/{model_id}")
    expect(ed.tid(f"run-{run_id}")).to_be_visible()


def test_a_model_link_asks_before_it_replaces_unsaved_work(ed: Editor, server: Server, account: Account) -> None:
    """Opening a saved model by its URL (a link, Back/Forward) asks with the Quick start dialog
    when the open model has edits made here; Cancel keeps them and puts the URL back."""
    graph = account.api.get("/templates").json()[0]["graph"]
    mid = account.api.post("/models", json={"name": "Linked", "graph": graph}).json()["id"]
    second = account.api.post("/models", json={"name": "Second", "graph": graph}).json()["id"]
    build_something(ed, server)
    ed.page.evaluate("h => { location.hash = h }", f"#/model/{mid}")
    dialog = ed.tid("discard-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("“Net” (5 nodes) has never been saved")
    expect(dialog).to_contain_text("the model “Linked”")
    shot(ed, "link_discard_dialog")
    ed.tid("discard-cancel").click()
    expect(dialog).to_have_count(0)
    expect(ed.page).to_have_url(re.compile(r"#/$"))
    expect(ed.node("flatten_1")).to_be_visible()
    # Again, and Discard: the model opens, and the draft is one Undo away.
    ed.page.evaluate("h => { location.hash = h }", f"#/model/{mid}")
    ed.tid("discard-discard").click()
    expect(ed.tid("model-name")).to_have_value("Linked")
    expect(ed.page).to_have_url(re.compile(rf"#/model/{re.escape(mid)}$"))
    expect(ed.tid("toast")).to_contain_text("one Undo away")
    # A saved model with no edits: another link opens at once.
    ed.page.evaluate("h => { location.hash = h }", f"#/model/{second}")
    expect(ed.tid("model-name")).to_have_value("Second")
    expect(dialog).to_have_count(0)
    # Edited, then Back lands on the first model's URL: asked; Cancel returns to this one.
    ed.select(ed.node_ids().pop())
    add_from_palette(ed, "relu")
    expect(ed.tid("dirty")).to_be_visible()
    ed.page.go_back()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("“Second”")
    expect(dialog).to_contain_text("has changes that are not saved")
    ed.tid("discard-cancel").click()
    expect(ed.page).to_have_url(re.compile(rf"#/model/{re.escape(second)}$"))
    expect(ed.tid("model-name")).to_have_value("Second")
    expect(ed.tid("dirty")).to_be_visible()
    # The draft was kept in storage: the next visit brings it back untouched, and a link then
    # opens without asking (the draft stays stored; nothing is lost).
    later = Editor(ed.page.context.new_page(), ed.artifacts)
    later.page.goto(f"{server.url}/#/")
    expect(later.node("flatten_1")).to_be_visible()
    later.page.evaluate("h => { location.hash = h }", f"#/model/{mid}")
    expect(later.tid("model-name")).to_have_value("Linked")
    expect(later.tid("discard-dialog")).to_have_count(0)


def test_a_run_shows_the_model_version_it_trained(ed: Editor, server: Server, account: Account) -> None:
    """The runs drawer says which version each run trained; a run of an older version says so and
    opens that version."""
    template = next(t for t in account.api.get("/templates").json() if t["name"] == "seed_mlp_weight_decay")
    created = account.api.post("/models", json={"name": "Versioned", "graph": template["graph"]})
    assert created.status_code == 201, created.text
    mid = created.json()["id"]
    run = account.api.post("/runs", json={"model_id": mid, "epochs": 1})
    assert run.status_code == 201 and run.json()["model_version"] == 1, run.text
    graph = account.api.get(f"/models/{mid}").json()["graph"]
    graph["description"] = "v2: a new description"
    assert account.api.put(f"/models/{mid}", json={"name": "Versioned", "graph": graph}).json()["version"] == 2
    run_id = run.json()["id"]
    ed.page.goto(f"{server.url}/#/model/{mid}")
    expect(ed.tid("model-name")).to_have_value("Versioned")
    ed.tid("runs-toggle").click()
    expect(ed.tid(f"run-{run_id}-version")).to_have_text("v1")
    ed.tid(f"run-{run_id}").click()
    note = ed.tid("run-version-note")
    expect(note).to_contain_text("This run trained v1 of this model; the canvas shows v2")
    shot(ed, "run_older_version")
    ed.tid("run-open-version").click()
    expect(note).to_have_count(0)  # the canvas shows v1 now
    expect(ed.tid("dirty")).to_be_visible()  # Save makes it the current version
    expect(ed.tid("toast")).to_contain_text("Opened v1")
