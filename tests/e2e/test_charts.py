"""A finished run's charts read without hovering: legends show the last values, accuracy is a
percentage, the learning rate keeps its digits, and the confusion matrix names the classes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Server, editor_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_MS = 180_000


def test_a_finished_runs_charts_read_at_a_glance(
    browser: Browser, artifacts: Path, server: Server, account: Account, viewport: tuple[int, int]
) -> None:
    graph = json.loads((ROOT / "examples" / "seed_lenet_bn.json").read_text())  # LFW faces: face / non-face
    # The learning rate halves each epoch from 1e-3: the axis that read "0.001, 0.001, 0".
    graph["training"].update(epochs=3, lr=0.001, scheduler={"type": "StepLR", "params": {"step_size": 1, "gamma": 0.5}})
    created = account.api.post("/models", json={"name": "Charts", "graph": graph})
    assert created.status_code == 201, created.text
    with editor_page(browser, artifacts, *viewport, timeout_ms=15_000, account=account) as ed:
        ed.page.goto(f"{server.url}/#/model/{created.json()['id']}")
        expect(ed.tid("node-shape-y")).to_have_text("(B, 2)")
        ed.tid("train-button").click()
        ed.tid("train-epochs").fill("3")
        ed.tid("train-start").click()
        expect(ed.tid("run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
        ed.page.mouse.move(5, 5)  # away from every chart

        def legend(chart: str) -> list[str]:
            values = ed.tid(chart).locator(".u-legend .u-series:not(:first-child) .u-value")
            expect(values.first).not_to_have_text("--")
            return values.all_inner_texts()

        assert all(v not in ("--", "–") for v in legend("chart-loss"))
        [lr] = legend("chart-lr")
        assert float(lr) == pytest.approx(0.001 * 0.5**2), lr  # the last epoch's rate, its digits kept
        [acc] = legend("chart-accuracy")
        assert re.fullmatch(r"\d+(\.\d+)? %", acc) and 0 <= float(acc[:-2]) <= 100, acc
        expect(ed.tid("chart-accuracy").locator("figcaption")).to_have_text("Test accuracy (%)")
        # The confusion matrix is labelled with LFW's classes (data_py.py: 1 = face).
        expect(ed.tid("confusion-row-0")).to_have_text("non-face")
        expect(ed.tid("confusion-col-1")).to_have_text("face")
        expect(ed.tid(re.compile(r"^run-\d+$")).first).to_contain_text(re.compile(r"acc \d+\.\d %"))
        ed.tid("run-detail").locator(".tc-run-scroll").evaluate("e => e.scrollTop = 0")
        ed.shot("30_finished_run_charts")
        ed.no_sideways_scroll()


def test_the_experiment_dialog_picks_fields_and_layers_from_lists(
    browser: Browser, artifacts: Path, server: Server, account: Account, viewport: tuple[int, int]
) -> None:
    """No raw path to type: a training field by its name, or one layer (by its canvas label) and
    one of its params."""
    graph = json.loads((ROOT / "examples" / "seed_mlp_dropout.json").read_text())
    created = account.api.post("/models", json={"graph": graph})
    assert created.status_code == 201, created.text
    with editor_page(browser, artifacts, *viewport, account=account) as ed:
        ed.page.goto(f"{server.url}/#/model/{created.json()['id']}")
        expect(ed.page.locator(".react-flow__node").first).to_be_visible()
        ed.tid("runs-toggle").click()
        ed.tid("experiment-open").click()
        path = ed.tid("experiment-axis-0-path")
        expect(path.locator("option:checked")).to_have_text("learning rate")
        path.select_option("training.optimizer.params.weight_decay")
        expect(path.locator("option:checked")).to_have_text("optimizer: weight_decay")
        ed.tid("experiment-axis-0-kind").select_option("node")
        node = ed.tid("experiment-axis-0-node")
        drops = [n for n in graph["nodes"] if n.get("type") == "Dropout"]
        label = f"{drops[0].get('name') or drops[0]['id']} (Dropout)"
        node.select_option(label=label)
        expect(ed.tid("experiment-axis-0-param")).to_have_value("p")
        ed.tid("experiment-axis-0-values").fill("0.1, 0.3")
        expect(ed.tid("experiment-count")).to_have_text("2 runs")
        ed.shot("31_experiment_dialog_pickers")
        ed.no_sideways_scroll()
