"""Segmentation in Chromium: open the U-Net template, train it a few epochs on a small Shapes set,
see the mean IoU curve, then segment a test image in the run's Use tab: the predicted and the
true mask over the image, the opacity slider, IoU per class. Screenshots at 1600x1000 and
1280x720 (test-artifacts/e2e).

It trains a real run (160 images of 64x64, 3 epochs): tens of seconds on a busy machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Server, editor_page

pytestmark = pytest.mark.e2e

RUN_TIMEOUT_MS = 300_000


def test_train_the_unet_template_and_segment_a_test_image(
    browser: Browser, artifacts: Path, server: Server, account: Account
) -> None:
    with editor_page(browser, artifacts, width=1600, height=1000, timeout_ms=20_000, account=account) as ed:
        ed.page.goto(f"{server.url}/#/quickstart")
        ed.tid("template-unet_shapes").click()
        expect(ed.node("head")).to_be_visible()
        expect(ed.tid("check-status")).to_have_text("✓", timeout=30_000)
        expect(ed.tid("node-shape-head")).to_have_text("(B, 4, 64, 64)")

        ed.tid("tab-training").click()
        expect(ed.tid("dataset-type")).to_have_value("Shapes")
        ed.tid("dataset-param-n_samples").fill("160")
        ed.tid("dataset-param-n_samples").press("Enter")
        expect(ed.tid("check-warnings")).to_have_count(0)
        # The augmentation preview tints each image where its mask is: the flip moves both.
        pair = ed.tid("augment-pair-0")
        pair.scroll_into_view_if_needed()
        expect(pair.locator("img").first).to_be_visible(timeout=60_000)
        ed.shot("60a_seg_template")

        ed.tid("train-button").click()
        expect(ed.tid("train-warnings")).to_have_count(0)
        ed.tid("train-epochs").fill("3")
        ed.tid("train-start").click()
        status = ed.tid("run-status")
        expect(status).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
        miou = ed.tid("chart-miou")
        expect(miou).to_be_visible()
        expect(miou).to_have_attribute("data-points", "3")
        expect(miou).to_contain_text("Test mean IoU")
        expect(ed.tid("chart-accuracy")).to_contain_text("Test pixel accuracy")
        expect(ed.tid("confusion")).to_be_visible()  # the pixel confusion matrix
        ed.shot("60b_seg_trained")

        ed.tid("run-tab-use").click()
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        expect(ed.tid("use-source-sample")).to_have_attribute("aria-selected", "true")
        ed.tid("sample-index").fill("2")
        ed.tid("sample-go").click()
        predicted, truth = ed.tid("seg-predicted"), ed.tid("seg-true")
        expect(predicted).to_be_visible(timeout=60_000)
        expect(truth).to_be_visible()
        expect(ed.tid("seg-class")).to_have_count(4)
        expect(ed.tid("seg-classes")).to_contain_text("background")
        expect(ed.tid("seg-miou")).to_contain_text("mean IoU")
        assert predicted.evaluate("c => [c.width, c.height]") == [64, 64]

        # The overlay follows the slider: more opacity, more of the class colours.
        def tint() -> float:
            return float(
                truth.evaluate(
                    """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                        let s = 0; for (let i = 0; i < d.length; i += 4) s += Math.abs(d[i] - d[i + 1]) + Math.abs(d[i + 1] - d[i + 2]);
                        return s; }"""
                )
            )

        ed.page.wait_for_function(
            "() => { const c = document.querySelector('[data-testid=seg-true]');"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; return d[3] === 255; }"
        )
        ed.tid("seg-opacity").fill("0.1")
        faint = tint()
        ed.tid("seg-opacity").fill("0.9")
        strong = tint()
        assert strong > faint, (faint, strong)
        ed.tid("seg-opacity").fill("0.6")
        ed.shot("60c_seg_use")
        ed.page.set_viewport_size({"width": 1280, "height": 720})
        expect(predicted).to_be_visible()
        ed.tid("seg-classes").scroll_into_view_if_needed()
        ed.no_sideways_scroll()
        ed.shot("60c_seg_use")
