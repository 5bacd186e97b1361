"""Issue 12's journey in Chromium, as a new user takes it: my data in, my model trained, my model
answering and explaining itself, on the server and in the browser.

1. Upload a zip of class folders (sklearn digits 0, 1, 2: 60 images) in the Training tab's dialog.
2. Train the seed's LeNet_bn on it (its last layer set to 3 classes) and see the run succeed.
3. In the run's Use tab, upload a picture of a digit: the server's prediction and onnxruntime-web's
   agree (the same top-1, every probability shown within 1e-4), and Grad-CAM's overlay shows.
5. Click a conv layer on the canvas: its feature maps for that picture.
4. Draw a digit on the demo digits model's pad and get its prediction.

At 1600x1000 and 1280x720, with screenshots into test-artifacts/e2e (and /work/shots/e2e12 when
it exists). The server is this module's own, running two trainings at once: the demos (queued
first) must not hold up the user's run, nor queue ahead of the other tests' runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.datasets_support import digit_images
from tests.e2e.support import (
    Editor,
    Server,
    assert_browser_agrees,
    draw_a_one,
    editor_page,
    image_folder_zip,
    live_server,
    sign_up,
    wait_succeeded,
)

pytestmark = pytest.mark.e2e

SHOTS = Path("/work/shots/e2e12")
RUN_TIMEOUT_MS = 180_000
# Enough for LeNet_bn to tell three digits apart (an untrained model's Grad-CAM is blank).
EPOCHS = 12


@pytest.fixture(scope="module")
def journey_server() -> Iterator[Server]:
    with live_server("torchcanvas-e2e-journey-", {"TORCHCANVAS_MAX_CONCURRENT_RUNS": "2"}, startup_s=240) as s:
        yield s


@pytest.fixture(scope="module")
def demos(journey_server: Server) -> Iterator[list[int]]:
    """The server's first account (its admin) queues the demos; they train while the user's
    journey starts. The run ids, digits first."""
    admin = sign_up(journey_server, "journey-admin")
    r = admin.api.post("/inference/demos")
    assert r.status_code == 202, r.text
    runs: list[int] = r.json()["runs"]
    assert runs, r.text
    yield runs
    admin.api.close()


# The fraction of an <img>'s pixels that are coloured (not grey): an overlay's heat.
HEAT_FRACTION = """sel => {
  const img = document.querySelector(sel);
  const c = document.createElement("canvas");
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext("2d");
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 24) n++;
  }
  return n / (d.length / 4);
}"""


def scroll_to_top(ed: Editor, selector: str) -> None:
    """Scroll the run drawer so that an element starts at its top, for a screenshot of what follows."""
    ed.page.evaluate("s => document.querySelector(s).scrollIntoView({block: 'start'})", selector)


def shot(ed: Editor, name: str) -> None:
    ed.shot(name)
    size = ed.page.viewport_size
    if SHOTS.is_dir() and size:
        file = f"{name}_{size['width']}x{size['height']}.png"
        shutil.copy(ed.artifacts / file, SHOTS / file)


def a_one_not_trained_on() -> bytes:
    """A PNG of sklearn's 41st digit 1, made as the upload's were: the zip takes the first 20."""
    return digit_images(classes=2, per_class=41, size=28)["one"][40]


def test_my_data_in_my_model_trained_answering_and_explaining(
    browser: Browser,
    artifacts: Path,
    journey_server: Server,
    demos: list[int],
    viewport: tuple[int, int],
    tmp_path: Path,
) -> None:
    account = sign_up(journey_server)
    with editor_page(browser, artifacts, *viewport, timeout_ms=20_000, account=account) as ed:
        page = ed.page
        page.goto(f"{journey_server.url}/#/quickstart")
        ed.tid("template-seed_lenet_bn").click()
        expect(ed.tid("check-status")).to_have_text("✓")

        # 1. my data in: a zip of class folders, through the Training tab's upload dialog
        ed.tid("tab-training").click()
        ed.tid("dataset-upload-open").click()
        expect(ed.tid("upload-dialog")).to_be_visible()
        zip_path = image_folder_zip(tmp_path / "my_digits.zip", classes=3, per_class=20, size=28)
        ed.tid("upload-file").set_input_files(str(zip_path))
        expect(ed.tid("upload-name")).to_have_value("my_digits")
        ed.tid("upload-send").click()
        expect(ed.tid("upload-done")).to_be_visible(timeout=60_000)
        expect(ed.tid("dataset-counts")).to_contain_text("60 images")
        expect(ed.tid("dataset-counts")).to_contain_text("3 classes")
        shot(ed, "journey_1_uploaded")
        ed.tid("upload-use").click()
        expect(ed.tid("dataset-type")).to_have_value("ImageFolder")
        ed.tid("dataset-set-input").click()
        expect(ed.tid("check-status")).to_have_text("✓", timeout=15_000)

        # 2. my model trained: LeNet_bn answers 2 classes; this data has 3
        ed.select("fc3")
        ed.set_param("out_features", "3")
        ed.settle()
        ed.tid("train-button").click()
        expect(ed.tid("train-popover")).to_be_visible()
        expect(ed.tid("train-warnings")).to_have_count(0)
        ed.tid("train-epochs").fill(str(EPOCHS))
        ed.tid("train-start").click()
        expect(ed.tid("run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
        run_id = int(ed.tid("run-detail").get_attribute("data-run") or 0)
        run = account.api.get(f"/runs/{run_id}").json()
        assert run["config"]["dataset"]["type"] == "ImageFolder" and run["final"]["epoch"] == EPOCHS
        assert run["final"]["test_acc"] > 0.8, run["final"]  # it learned: three classes, chance is 1/3
        shot(ed, "journey_2_trained")

        # 3. my model answering: an uploaded picture, on the server and in the browser
        ed.tid("run-tab-use").click()
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        picture = tmp_path / "a_one.png"
        picture.write_bytes(a_one_not_trained_on())
        predictions: list[dict[str, Any]] = []
        page.on(
            "response",
            lambda r: predictions.append(r.json()) if r.url.endswith(f"/runs/{run_id}/predict") and r.ok else None,
        )
        ed.tid("use-source-upload").click()
        ed.tid("image-input").set_input_files(str(picture))
        expect(ed.tid("preprocessing")).to_contain_text("the uploaded image")
        top = ed.tid("prediction-top")
        expect(top).to_have_text("one")  # a 1 it never saw
        expect(ed.tid("prediction-bar")).to_have_count(3)  # every class, with its probability
        ed.tid("browser-run-go").click()
        assert_browser_agrees(ed)
        browser_rows = ed.tid("browser-row")
        expect(browser_rows.first.locator("td").first).to_have_text(top.inner_text())
        # the page's own answers: the panel's prediction and the browser run's are one and the same
        assert len(predictions) >= 2, predictions
        first, last = predictions[0]["top"], predictions[-1]["top"]
        assert [t["index"] for t in first] == [t["index"] for t in last]
        assert [t["probability"] for t in first] == pytest.approx([t["probability"] for t in last], abs=1e-6)
        shown = [float(browser_rows.nth(i).get_attribute("data-browser") or "nan") for i in range(len(first))]
        assert shown == pytest.approx([t["probability"] for t in first], abs=1e-4)

        # ... and explaining itself: Grad-CAM on the last conv layer, over the picture
        ed.tid("explain").click()
        grad_cam = ed.tid("explain-grad_cam").locator("img")
        expect(grad_cam).to_be_visible(timeout=60_000)
        page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=explain-grad_cam] img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        box = grad_cam.bounding_box()
        assert box and box["width"] >= 48 and box["height"] >= 48, box
        # the heat is there: coloured pixels over the grey picture, and no "zero everywhere" note
        expect(ed.tid("explain-grad_cam")).not_to_contain_text("zero everywhere")
        coloured = page.evaluate(HEAT_FRACTION, "[data-testid=explain-grad_cam] img")
        assert coloured > 0.05, f"only {coloured:.1%} of the Grad-CAM overlay is coloured"
        scroll_to_top(ed, "[data-testid=explain]")  # the Explain row, "Why one", the overlays
        shot(ed, "journey_3_use_explain")

        # 5. a conv layer clicked on the canvas: its feature maps for this picture
        ed.node("conv2").click()
        expect(ed.tid("inspect-node")).to_have_value("conv2")
        expect(ed.tid("activation")).to_contain_text("conv2 (Conv2d) output 1 × 16")
        grid = ed.tid("activation-grid")
        expect(grid).to_be_visible()
        scroll_to_top(ed, "[data-testid=activation]")
        shot(ed, "journey_5_feature_maps")

        # 4. the demo digits model: a digit drawn on its pad
        wait_succeeded(account.api, demos[0])
        page.goto(f"{journey_server.url}/#/use")
        ed.tid("usable-runs").get_by_text("Demo: digits (8x8)").click()
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        expect(ed.tid("use-source-draw")).to_have_attribute("aria-selected", "true")
        draw_a_one(ed)
        expect(ed.tid("prediction-top")).to_have_text("1", timeout=30_000)
        expect(ed.tid("prediction-bar")).to_have_count(5)
        shot(ed, "journey_4_demo_pad")
        ed.no_sideways_scroll()
