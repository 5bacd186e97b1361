"""The inference studio in Chromium: the demo digits model answers a digit drawn on the pad, shows
a conv layer's feature maps and explains itself; a finished run's Use tab in the editor follows
the layer clicked on the canvas. Screenshots at 1600x1000 and 1280x720 (test-artifacts/e2e).

These train real runs (the demos and a 2-epoch digits CNN), so they take tens of seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import (
    Server,
    assert_browser_agrees,
    digit_png,
    draw_a_one,
    editor_page,
    live_server,
    sign_up,
    wait_succeeded,
)

pytestmark = pytest.mark.e2e

SIZES = [(1600, 1000), (1280, 720)]


@pytest.fixture(scope="module")
def studio() -> Iterator[Server]:
    """A server of this module's own: the demos' training runs must not queue ahead of the other
    tests' runs on the shared one. Its first account is its admin."""
    with live_server("torchcanvas-e2e-use-", startup_s=240) as s:
        yield s


@pytest.fixture(scope="module")
def digits_demo(studio: Server) -> dict[str, Any]:
    """The admin builds the demos; the digits one (queued first) is waited for."""
    admin = sign_up(studio, "use-admin")
    r = admin.api.post("/inference/demos")
    assert r.status_code == 202, r.text
    wait_succeeded(admin.api, r.json()["runs"][0])
    listed = studio.api.get("/inference/runs").json()
    demo: dict[str, Any] = next(x for x in listed if x["demo"] and x["dataset"] == "Digits")
    return demo


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_draw_a_digit_on_the_demo_model_and_inspect_it(
    browser: Browser, artifacts: Path, studio: Server, digits_demo: dict[str, Any], width: int, height: int
) -> None:
    with editor_page(browser, artifacts, width=width, height=height, timeout_ms=20_000) as ed:
        ed.page.goto(f"{studio.url}/#/use")
        expect(ed.tid("usable-run").first).to_be_visible()
        expect(ed.tid("usable-runs").locator(".tc-chip").first).to_have_text("demo")
        ed.shot(f"40a_use_list_{width}x{height}")
        ed.tid("usable-runs").get_by_text("Demo: digits (8x8)").click()
        # the first use of a run loads its model and its test set (sklearn's digits): seconds on a busy machine
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        expect(ed.tid("use-source-draw")).to_have_attribute("aria-selected", "true")  # a digit model: the pad first

        draw_a_one(ed)
        top = ed.tid("prediction-top")
        expect(top).to_have_text("1", timeout=30_000)
        expect(ed.tid("prediction-bar")).to_have_count(5)
        expect(ed.tid("preprocessing")).to_contain_text("v2.ToDtype(torch.float32, scale=True)")
        # the pad's 8x8, as the model saw it: the stroke straddles columns 3 and 4, half in each
        cells = ed.tid("pad-grid").locator("span").evaluate_all("els => els.map(e => +e.title)")
        assert max(cells) >= 4 and sum(cells[3::8]) + sum(cells[4::8]) > 0.8 * sum(cells)

        # inspect: the first conv layer's feature maps for this drawing
        expect(ed.tid("inspect-node")).to_have_value("conv1")
        expect(ed.tid("activation-grid")).to_be_visible()
        expect(ed.tid("activation")).to_contain_text("first 16 of 16 channels")
        ed.tid("explain").click()
        expect(ed.tid("explain-grad_cam").locator("img")).to_be_visible()
        expect(ed.tid("explain-integrated_gradients").locator("img")).to_be_visible()
        ed.page.wait_for_function(
            "() => [...document.querySelectorAll('.tc-use-maps img')].every(i => i.naturalWidth === 8)"
        )
        ed.shot(f"40b_use_draw_{width}x{height}")

        # a test sample, with its true label
        ed.tid("use-source-sample").click()
        ed.tid("sample-go").click()
        expect(ed.tid("prediction-truth")).to_be_visible()
        ed.tid("inspect-node").select_option("conv2")
        expect(ed.tid("activation")).to_contain_text("conv2")
        ed.shot(f"40c_use_sample_{width}x{height}")


def test_a_finished_runs_use_tab_follows_the_canvas(
    browser: Browser, artifacts: Path, studio: Server, digits_demo: dict[str, Any]
) -> None:
    """The demo's model opened in the editor: its run's Use tab, and a layer clicked on the canvas."""
    run_id = digits_demo["id"]
    account = sign_up(studio)
    with editor_page(browser, artifacts, width=1600, height=1000, timeout_ms=20_000, account=account) as ed:
        ed.page.goto(f"{studio.url}/#/model/{digits_demo['model_id']}")
        expect(ed.node("conv2")).to_be_visible()
        ed.tid("runs-toggle").click()
        ed.tid(f"run-{run_id}").click()
        expect(ed.tid("run-tab-use")).to_be_visible()
        ed.tid("run-tab-use").click()
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        ed.tid("use-source-sample").click()
        ed.tid("sample-go").click()
        expect(ed.tid("prediction-top")).to_be_visible()
        # a layer clicked on the canvas is the one inspected
        ed.node("conv2").click()
        expect(ed.tid("inspect-node")).to_have_value("conv2")
        expect(ed.tid("activation")).to_contain_text("conv2 (Conv2d) output 1 × 32 × 4 × 4")
        ed.shot("40d_use_tab_in_editor_1600x1000")
        # the Training tab is still there, as before
        ed.tid("run-tab-training").click()
        expect(ed.tid("chart-loss")).to_be_visible()


# ---- in the browser: onnxruntime-web beside the server; batch; CSV -------------------------------


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_browser_runs_the_models_onnx_and_agrees_with_the_server(
    browser: Browser,
    artifacts: Path,
    studio: Server,
    digits_demo: dict[str, Any],
    width: int,
    height: int,
    tmp_path: Path,
) -> None:
    """A trained model (the digits demo) in onnxruntime-web on a test sample and on an uploaded
    image: the same top-1 as the server and probabilities within 1e-4; Grad-CAM beside it. The
    wasm comes from our own static folder: any request elsewhere fails the test."""
    with editor_page(browser, artifacts, width=width, height=height, timeout_ms=20_000) as ed:
        outside: list[str] = []
        ed.page.on(
            "request",
            lambda r: None if r.url.startswith(studio.url) or r.url.startswith("data:") else outside.append(r.url),
        )
        wasm: list[str] = []
        ed.page.on(
            "response",
            lambda r: wasm.append(f"{r.url} {r.headers.get('content-type')}") if r.url.endswith(".wasm") else None,
        )
        ed.page.goto(f"{studio.url}/#/use/{digits_demo['id']}")
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        ed.tid("use-source-sample").click()
        ed.tid("sample-go").click()
        expect(ed.tid("prediction-top")).to_be_visible()
        assert not wasm, "onnxruntime-web is loaded only when asked for"
        ed.tid("browser-run-go").click()
        assert_browser_agrees(ed)
        assert len(wasm) == 1 and "application/wasm" in wasm[0] and "/assets/ort-wasm" in wasm[0], wasm

        # an uploaded image: the server prepares it and sends the tensor; both answer on it
        picture = tmp_path / "three.png"
        picture.write_bytes(digit_png(3))
        ed.tid("use-source-upload").click()
        ed.tid("image-input").set_input_files(str(picture))
        expect(ed.tid("preprocessing")).to_contain_text("the uploaded image")
        assert_browser_agrees(ed)
        ed.tid("explain").click()
        expect(ed.tid("explain-grad_cam").locator("img")).to_be_visible()
        ed.page.wait_for_function(
            "() => document.querySelector('[data-testid=explain-grad_cam] img').naturalWidth === 8"
        )
        ed.tid("browser-run").scroll_into_view_if_needed()
        ed.shot(f"41a_use_browser_{width}x{height}")
        assert not outside, f"requests outside the server: {outside}"


def _confidences(rows: Any) -> list[float]:
    values = rows.evaluate_all("els => els.map(e => e.dataset.confidence)")
    return [float(v) for v in values if v]


def test_batch_predict_sorts_by_confidence_and_downloads_csv(
    browser: Browser, artifacts: Path, studio: Server, digits_demo: dict[str, Any], tmp_path: Path
) -> None:
    import csv
    import io
    import zipfile

    files = []
    for i in range(3):
        f = tmp_path / f"digit{i}.png"
        f.write_bytes(digit_png(i))
        files.append(str(f))
    archive = tmp_path / "more.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(3, 7):
            z.writestr(f"digits/d{i}.png", digit_png(i))
        z.writestr("digits/readme.txt", "not an image")
    files.append(str(archive))
    for width, height in SIZES:
        with editor_page(browser, artifacts, width=width, height=height, timeout_ms=20_000) as ed:
            ed.page.goto(f"{studio.url}/#/use/{digits_demo['id']}")
            expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
            ed.tid("use-source-batch").click()
            ed.tid("batch-input").set_input_files(files)
            rows = ed.tid("batch-row")
            expect(rows).to_have_count(8)
            expect(ed.tid("batch-summary")).to_contain_text("8 files, 1 without a prediction")
            shown = _confidences(rows)
            assert len(shown) == 7 and shown == sorted(shown, reverse=True)
            ed.tid("batch-sort").click()
            assert _confidences(rows) == sorted(shown)
            expect(rows.last).to_contain_text("not an image")  # errors last either way
            ed.shot(f"41b_use_batch_{width}x{height}")
            with ed.page.expect_download() as info:
                ed.tid("batch-csv").click()
            text = Path(info.value.path()).read_text()
            table = list(csv.reader(io.StringIO(text)))
            assert table[0][:3] == ["file", "class", "confidence"] and table[0][-1] == "error"
            assert len(table) == 9
            assert [float(r[2]) for r in table[1:8]] == pytest.approx(sorted(shown), abs=1e-6)  # the order shown
            assert table[8][0] == "more.zip/digits/readme.txt" and "not an image" in table[8][-1]


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_regression_model_draws_its_curve_and_answers_an_x(
    browser: Browser, artifacts: Path, studio: Server, width: int, height: int
) -> None:
    """The default model (an MLP on Regression1D) trained, then its Use tab: the curve over the
    test set's x range with the test points, and a typed x marked on it."""
    from tests.api.api_support import mlp_graph

    account = sign_up(studio)
    r = account.api.post("/runs", json={"graph": mlp_graph(hidden=16)})
    assert r.status_code == 201, r.text
    wait_succeeded(account.api, r.json()["id"])
    with editor_page(browser, artifacts, width=width, height=height, timeout_ms=20_000, account=account) as ed:
        ed.page.goto(f"{studio.url}/#/use/{r.json()['id']}")
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        expect(ed.tid("curve-line")).to_be_visible()  # at once, whichever input is offered first
        assert ed.tid("curve-point").count() > 5
        ed.tid("use-source-numbers").click()
        ed.tid("x-input").fill("0.5")
        ed.tid("x-go").click()
        expect(ed.tid("prediction")).to_contain_text("Output")
        expect(ed.tid("curve-entered")).to_be_visible()
        expect(ed.tid("curve")).to_contain_text("at x = 0.5")
        ed.tid("browser-run-go").click()
        result = ed.tid("browser-result")
        expect(result).to_be_visible(timeout=90_000)
        assert float(result.get_attribute("data-max-diff") or "nan") < 1e-4
        ed.shot(f"41c_use_curve_{width}x{height}")
