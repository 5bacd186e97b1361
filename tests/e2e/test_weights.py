"""The Training tab's initial weights and frozen layers, in the browser: upload a state_dict, see
the strict key report, freeze all but the last layer, and train from the weights."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Editor, Server, editor_page
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import build_model

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ed(browser: Browser, artifacts: Path, account: Account) -> Iterator[Editor]:
    with editor_page(browser, artifacts, timeout_ms=15_000, account=account) as editor:
        yield editor


def test_train_from_uploaded_weights_with_frozen_layers(ed: Editor, server: Server, account: Account, tmp_path: Path) -> None:
    graph = Graph.model_validate(json.loads((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text()))
    state = build_model(graph).state_dict()
    torch.save(state, tmp_path / "mlp.pt")
    torch.save({**{k: v for k, v in state.items() if k != "fc4.bias"}, "head.bias": torch.zeros(1)}, tmp_path / "other.pt")

    ed.page.goto(f"{server.url}/#/quickstart")
    ed.tid("template-seed_mlp_weight_decay").click()
    expect(ed.tid("check-status")).to_have_text("✓")
    ed.tid("tab-training").click()

    ed.tid("weights-input").set_input_files(str(tmp_path / "other.pt"))
    report = ed.tid("weights-report")
    expect(report).to_contain_text("These weights do not fit the model")
    expect(ed.tid("weights-missing")).to_contain_text("fc4.bias")
    expect(ed.tid("weights-unexpected")).to_contain_text("head.bias")

    ed.tid("weights-input").set_input_files(str(tmp_path / "mlp.pt"))
    expect(report).to_contain_text("All 8 keys match")
    expect(ed.tid("weights-file")).to_contain_text("mlp.pt")

    ed.tid("freeze-apply").click()  # all but the last 1
    expect(ed.tid("freeze-fc1")).to_be_checked()
    expect(ed.tid("freeze-fc4")).not_to_be_checked()
    expect(ed.tid("freeze-summary")).to_contain_text("201 params trainable")
    ed.shot("weights_section")

    ed.tid("train-button").click()
    ed.tid("train-epochs").fill("3")
    ed.tid("train-start").click()
    detail = ed.tid("run-detail")
    expect(detail).to_be_visible()
    expect(ed.tid("run-init-from")).to_contain_text("Started from mlp.pt · 3 frozen layers")
    run_id = int(detail.get_attribute("data-run") or 0)
    expect(ed.tid("run-status")).to_have_attribute("data-status", "succeeded", timeout=180_000)
    log = account.api.get(f"/runs/{run_id}/log").text
    assert "initial weights: 8 tensors from init.pt" in log and "params: 201 trainable, 80,800 frozen" in log

    # The run's checkpoint is now a choice: an earlier run of this model.
    ed.tid("tab-training").click()
    ed.tid("weights-kind").select_option("run")
    expect(ed.tid("weights-run")).to_contain_text(f"#{run_id}")
    expect(ed.tid("weights-report")).to_contain_text("All 8 keys match")
