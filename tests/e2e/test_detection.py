"""Detection in Chromium: open the FCOS template from Quick start, shrink its data set in the Training
tab so that a few epochs take under a minute, train, watch the mAP curve, then detect on a test image
and see the boxes with their class and score, and the slider hide the weak ones. Then the lab's
small-batch lesson computes its table. Screenshots at 1600x1000 and 1280x720."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Editor, Server, editor_page, sign_up

pytestmark = pytest.mark.e2e

SIZES = [(1600, 1000), (1280, 720)]


def _set(ed: Editor, test_id: str, value: str) -> None:
    field = ed.tid(test_id)
    field.fill(value)
    field.blur()


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_train_the_detection_template_and_detect(
    browser: Browser, artifacts: Path, server: Server, width: int, height: int
) -> None:
    account = sign_up(server)
    with editor_page(browser, artifacts, width=width, height=height, timeout_ms=20_000, account=account) as ed:
        ed.page.goto(f"{server.url}/#/quickstart")
        ed.tid("template-detect_shapes_fcos").click()
        expect(ed.node("conv3")).to_be_visible()
        expect(ed.tid("check-status")).to_have_text("✓", timeout=30_000)
        ed.tid("tab-training").click()
        expect(ed.tid("dataset-type")).to_have_value("ShapesDetection")
        expect(ed.tid("loss-param-detector")).to_have_value("FCOS")
        # tiny settings: 64 images of 64x64, batch 8, and keep the weak boxes of a short training
        _set(ed, "dataset-param-count", "64")
        _set(ed, "training-batch_size", "8")
        _set(ed, "loss-param-score_thresh", "0.01")
        expect(ed.tid("check-status")).to_have_text("✓", timeout=30_000)
        ed.shot(f"50a_detection_template_{width}x{height}")

        ed.tid("train-button").click()
        expect(ed.tid("train-popover")).to_be_visible()
        ed.tid("train-epochs").fill("3")
        ed.tid("train-start").click()
        detail = ed.tid("run-detail")
        expect(detail).to_be_visible()
        run_id = int(detail.get_attribute("data-run") or 0)
        # about 20 s on a quiet machine; runs train at nice 10, so a busy shared one takes minutes
        expect(ed.tid("run-status")).to_have_attribute("data-status", "succeeded", timeout=600_000)
        chart = ed.tid("chart-map")
        expect(chart).to_be_visible()
        expect(chart).to_have_attribute("data-points", "3")
        expect(chart).to_have_attribute("data-series", "2")  # mAP@0.5 and mAP@[.5:.95]
        # the loss chart has the detector's three losses beside the total
        expect(ed.tid("chart-loss")).to_have_attribute("data-series", "4")
        ed.tid("run-detail").locator(".tc-run-scroll").evaluate("e => e.scrollTop = 0")
        ed.shot(f"50b_detection_trained_{width}x{height}")
        stored = account.api.get(f"/runs/{run_id}").json()
        assert stored["metrics"]["final"]["map50"] is not None
        assert set(stored["metrics"]["epochs"][0]["losses"]) == {"classification", "bbox_regression", "bbox_ctrness"}

        ed.tid("run-tab-use").click()
        expect(ed.tid("use-panel")).to_be_visible(timeout=90_000)
        ed.tid("use-source-sample").click()
        ed.tid("sample-go").click()
        expect(ed.tid("detection")).to_be_visible(timeout=30_000)
        expect(ed.tid("det-true-box").first).to_be_visible()
        expect(ed.tid("det-postprocess")).to_contain_text("non-maximum suppression per class at IoU 0.6")
        # the slider at 0 shows every box the detector kept, at 1 none
        slider = ed.tid("det-threshold")
        slider.fill("0")
        boxes = ed.tid("det-box")
        expect(boxes.first).to_be_visible()
        n_all = boxes.count()
        assert n_all > 0 and ed.tid("det-row").count() == n_all
        expect(ed.tid("det-count")).to_have_text(f"{n_all} of {n_all} boxes")
        slider.fill("1")
        expect(boxes).to_have_count(0)
        # for the picture: the threshold just under the third best score, so that a few boxes show
        slider.fill("0")
        scores = [float(t) for t in ed.tid("det-row").locator("td:nth-child(2)").all_inner_texts()]
        third = scores[min(2, len(scores) - 1)]
        slider.fill(f"{int(third * 100) / 100:.2f}")
        expect(boxes.first).to_be_visible()
        assert 1 <= boxes.count() <= n_all
        ed.tid("detection").scroll_into_view_if_needed()
        ed.shot(f"50c_detection_boxes_{width}x{height}")


def test_the_small_batch_lesson_computes_its_table(browser: Browser, artifacts: Path, server: Server) -> None:
    with editor_page(browser, artifacts, width=1600, height=1000, timeout_ms=20_000) as ed:
        ed.page.goto(f"{server.url}/#/lab")
        lesson = ed.tid("lesson-small-batches")
        lesson.scroll_into_view_if_needed()
        # the first computation builds the feature maps (and may import torchvision): seconds, under load more
        expect(ed.tid("batch-stats-table")).to_be_visible(timeout=180_000)
        expect(ed.tid("batch-stats-row-2")).to_be_visible()
        expect(ed.tid("batch-stats-fcos")).to_contain_text("nn.GroupNorm(32, 64)")
        lesson.scroll_into_view_if_needed()
        ed.shot("51_lab_small_batches_1600x1000")
