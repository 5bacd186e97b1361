"""Your own data in the browser: upload a small ImageFolder zip, see it listed with its sample
grid and class balance, take its input shape in one click, train on it, and see the run succeed.
Screenshots at 1600x1000 and 1280x720 (into test-artifacts/e2e and /work/shots/uploads when it exists)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Editor, Server, editor_page, image_folder_zip

pytestmark = pytest.mark.e2e

RUN_TIMEOUT_MS = 180_000
SHOTS = Path("/work/shots/uploads")


@pytest.fixture
def ed(browser: Browser, artifacts: Path, account: Account, viewport: tuple[int, int]) -> Iterator[Editor]:
    with editor_page(browser, artifacts, *viewport, timeout_ms=15_000, account=account) as editor:
        yield editor


def shot(ed: Editor, name: str) -> None:
    ed.shot(name)
    size = ed.page.viewport_size
    if SHOTS.is_dir() and size:
        file = f"{name}_{size['width']}x{size['height']}.png"
        shutil.copy(ed.artifacts / file, SHOTS / file)


def test_upload_an_image_zip_and_train_on_it(ed: Editor, server: Server, account: Account, tmp_path: Path) -> None:
    page = ed.page
    page.goto(f"{server.url}/#/quickstart")
    ed.tid("template-seed_lenet_bn").click()  # LeNet_bn: 3x32x32 in, 2 classes out
    expect(ed.tid("check-status")).to_have_text("✓")
    ed.tid("tab-training").click()
    expect(ed.tid("datasets")).to_be_visible()

    ed.tid("dataset-upload-open").click()
    expect(ed.tid("upload-dialog")).to_be_visible()
    zip_path = image_folder_zip(tmp_path / "digits.zip", classes=2, per_class=24, size=20)
    ed.tid("upload-file").set_input_files(str(zip_path))
    expect(ed.tid("upload-name")).to_have_value("digits")
    ed.tid("upload-image-size").fill("28")
    ed.tid("upload-send").click()
    expect(ed.tid("upload-done")).to_be_visible(timeout=60_000)
    expect(ed.tid("dataset-counts")).to_contain_text("48 images (38 train / 10 test), 2 classes")
    expect(ed.tid("dataset-note").first).to_contain_text("resized to 28x28")
    expect(ed.tid("dataset-grid")).to_be_visible()
    shot(ed, "uploads_1_report")
    ed.tid("upload-use").click()
    expect(ed.tid("upload-dialog")).to_have_count(0)

    # listed and chosen, with its grid and class balance; its shape offered to the input node
    expect(ed.tid("dataset-item-digits")).to_be_visible()
    expect(ed.tid("dataset-type")).to_have_value("ImageFolder")
    chosen = ed.tid("dataset-chosen")
    expect(chosen.get_by_test_id("dataset-grid")).to_be_visible()
    expect(chosen.get_by_test_id("dataset-balance").locator(".tc-balance-row")).to_have_count(2)
    expect(ed.tid("dataset-set-input")).to_have_text("Set input to 3x28x28")
    shot(ed, "uploads_2_training_tab")
    ed.tid("dataset-set-input").click()
    expect(ed.tid("dataset-set-input")).to_have_count(0)
    expect(ed.tid("check-status")).to_have_text("✓", timeout=15_000)

    ed.tid("train-button").click()
    expect(ed.tid("train-popover")).to_be_visible()
    expect(ed.tid("train-warnings")).to_have_count(0)
    ed.tid("train-epochs").fill("2")
    ed.tid("train-start").click()
    status = ed.tid("run-status")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    shot(ed, "uploads_3_trained")

    run_id = int(ed.tid("run-detail").get_attribute("data-run") or 0)
    run = account.api.get(f"/runs/{run_id}").json()
    assert run["config"]["dataset"]["type"] == "ImageFolder" and run["final"]["epoch"] == 2
    # the data set is the account's own, and private
    listed = account.api.get("/datasets").json()["items"]
    assert [(d["name"], d["visibility"]) for d in listed] == [("digits", "private")]
    assert run["config"]["dataset"]["params"]["dataset"] == listed[0]["id"]
