"""Training from the browser: a run's live charts, cancelling a run, and the regularization lab.

These start real training runs (the seed's small MLP on 10 points), so they take tens of seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import Account, Editor, Server, editor_page

pytestmark = pytest.mark.e2e

RUN_TIMEOUT_MS = 180_000


@pytest.fixture
def ed(browser: Browser, artifacts: Path, account: Account) -> Iterator[Editor]:
    with editor_page(browser, artifacts, timeout_ms=15_000, account=account) as editor:
        yield editor


def points(page: Page, test_id: str) -> int:
    return int(page.get_by_test_id(test_id).get_attribute("data-points") or 0)


def open_seed_and_train(ed: Editor, server: Server, epochs: int) -> int:
    """Open the seed's weight-decay MLP from Quick start and start a run with `epochs`; the run's id."""
    ed.page.goto(f"{server.url}/#/quickstart")
    ed.tid("template-seed_mlp_weight_decay").click()
    expect(ed.tid("node-fc4")).to_be_visible()
    expect(ed.tid("check-status")).to_have_text("✓")
    ed.tid("train-button").click()
    expect(ed.tid("train-popover")).to_be_visible()
    expect(ed.tid("train-warnings")).to_have_count(0)
    ed.tid("train-epochs").fill(str(epochs))
    ed.tid("train-start").click()
    expect(ed.tid("runs-drawer")).to_be_visible()
    detail = ed.tid("run-detail")
    expect(detail).to_be_visible()
    return int(detail.get_attribute("data-run") or 0)


def test_a_run_streams_its_loss_curve_live(ed: Editor, server: Server, account: Account) -> None:
    run_id = open_seed_and_train(ed, server, epochs=300)
    page = ed.page
    status = ed.tid("run-status")
    expect(status).to_have_attribute("data-status", "running", timeout=60_000)
    page.wait_for_function(
        "() => +document.querySelector('[data-testid=chart-loss]').dataset.points > 0", timeout=60_000
    )
    first = points(page, "chart-loss")
    # More epochs arrive while the run is still running: the chart grows live.
    page.wait_for_function(
        """first => {
            const chart = document.querySelector('[data-testid=chart-loss]');
            const status = document.querySelector('[data-testid=run-status]');
            return +chart.dataset.points > first && status.dataset.status === 'running';
        }""",
        arg=first,
        timeout=30_000,
    )
    assert 0 < float(ed.tid("run-progress").get_attribute("data-fraction") or 0) < 1
    ed.shot("20a_training_live")

    expect(status).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    assert points(page, "chart-loss") == 300
    expect(ed.tid("chart-loss")).to_have_attribute("data-series", "2")  # train and test
    expect(ed.tid("fit-chart")).to_be_visible()
    expect(ed.tid(f"run-{run_id}")).to_contain_text("succeeded")
    # The finished run's histograms: a ridgeline per parameter.
    expect(ed.tid("histograms").locator("svg.tc-ridgeline")).to_be_visible(timeout=30_000)
    ed.tid("run-detail").locator(".tc-run-scroll").evaluate("e => e.scrollTop = e.scrollHeight")
    ed.shot("20b_training_done")

    # The stored run agrees with what streamed in.
    stored = account.api.get(f"/runs/{run_id}").json()
    assert stored["status"] == "succeeded" and len(stored["metrics"]["epochs"]) == 300


def test_cancel_a_run(ed: Editor, server: Server, account: Account) -> None:
    run_id = open_seed_and_train(ed, server, epochs=20_000)
    expect(ed.tid("run-status")).to_have_attribute("data-status", "running", timeout=60_000)
    ed.page.wait_for_function(
        "() => +document.querySelector('[data-testid=chart-loss]').dataset.points > 0", timeout=60_000
    )
    ed.tid("run-cancel").click()
    expect(ed.tid("run-status")).to_have_attribute("data-status", "cancelled", timeout=30_000)
    expect(ed.tid("run-cancel")).to_have_count(0)
    ed.shot("21_training_cancelled")
    assert account.api.get(f"/runs/{run_id}").json()["status"] == "cancelled"


def test_lab_weight_decay_lesson_overlays_both_runs(ed: Editor, server: Server) -> None:
    page = ed.page
    page.goto(f"{server.url}/#/quickstart")
    ed.tid("quickstart-lab").click()
    expect(ed.tid("lab-page")).to_be_visible()
    lesson = ed.tid("lesson-weight-decay")
    expect(lesson).to_contain_text("weight decay")
    ed.tid("lesson-weight-decay-epochs").fill("200")
    ed.tid("lesson-weight-decay-run").click()
    chart = ed.tid("lesson-weight-decay-chart")
    expect(chart).to_have_attribute("data-series", "2", timeout=30_000)  # weight_decay=0 and 0.01
    expect(chart).to_contain_text("weight_decay=0")
    expect(chart).to_contain_text("weight_decay=0.01")
    page.wait_for_function(
        "() => +document.querySelector('[data-testid=lesson-weight-decay-chart]').dataset.points === 200",
        timeout=RUN_TIMEOUT_MS,
    )
    expect(lesson.locator(".tc-legend .tc-run-status[data-status=succeeded]")).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    # What the lesson claims, shown: both fits on one chart over the points, the weight norms over
    # the epochs, the last histograms overlaid, and a table of final norms (decay: the smaller).
    expect(ed.tid("lesson-weight-decay-fits")).to_have_attribute("data-series", "4", timeout=30_000)
    expect(ed.tid("lesson-weight-decay-norm")).to_have_attribute("data-series", "2", timeout=30_000)
    expect(ed.tid("lesson-weight-decay-hist")).to_have_attribute("data-series", "2")
    table = ed.tid("lesson-weight-decay-norms")
    expect(table).to_contain_text("fc2.weight")
    total = table.locator("tr").last.locator("td")
    plain, decayed = (float(total.nth(k).inner_text()) for k in (1, 2))
    assert decayed < plain, (plain, decayed)
    lesson.scroll_into_view_if_needed()
    lesson.screenshot(path=str(ed.artifacts / "22_lab_weight_decay.png"))

    # Coming back to the lab shows the lesson's last results again.
    page.reload()
    expect(ed.tid("lesson-weight-decay-shown")).to_contain_text("L2 regularization", timeout=30_000)
    expect(ed.tid("lesson-weight-decay-chart")).to_have_attribute("data-series", "2", timeout=30_000)
    expect(ed.tid("lesson-weight-decay-norms")).to_be_visible(timeout=30_000)

    # The normalization explorer: a GroupNorm picture, and the server's message for a bad config.
    explorer = ed.tid("norm-explorer")
    explorer.scroll_into_view_if_needed()
    ed.tid("norm-layer-GroupNorm").click()
    expect(ed.tid("norm-code")).to_have_text("nn.GroupNorm(3, 6)")
    ed.tid("norm-num-groups").fill("4")
    expect(ed.tid("norm-error")).to_contain_text("divide")
    ed.tid("norm-num-groups").fill("3")
    expect(ed.tid("norm-error")).to_have_count(0)
    ed.tid("lesson-normalization-layers").screenshot(path=str(ed.artifacts / "23_lab_normalization.png"))
