"""The seed's LeNet_bn project, generated and trained offline as a user would run it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from torchcanvas.codegen import generate
from torchcanvas.graph.model import Graph

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_lenet_bn_project_trains_offline(tmp_path: Path) -> None:
    graph = Graph.model_validate_json((ROOT / "examples" / "seed_lenet_bn.json").read_text())
    for name, text in generate(graph).items():
        (tmp_path / name).write_text(text)
    done = subprocess.run([sys.executable, "train.py", "--epochs", "3"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    epochs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    # It learns. Measured (seed 0): train loss 0.56, 0.24, 0.074 by epoch; test accuracy 0.575,
    # 0.6, 0.9, where always answering the larger class scores 0.575 (and ln 2 = 0.69 is chance's loss).
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"] / 4
    assert epochs[-1]["train_loss"] < math.log(2) / 4
    assert epochs[-1]["test_acc"] >= 0.8
    events = list((tmp_path / "runs").rglob("events.out.tfevents.*"))
    assert events, "no TensorBoard event file"
    checkpoints = list((tmp_path / "runs").rglob("*.pt"))
    assert checkpoints, "no checkpoint"
    state = torch.load(checkpoints[0], map_location="cpu", weights_only=False)
    assert "model" in state and "conv1.weight" in state["model"]


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.json")))
def test_every_example_generates_a_project(example: str) -> None:
    files = generate(Graph.model_validate_json((ROOT / "examples" / example).read_text()))
    assert set(files) == {"model.py", "train.py", "requirements.txt", "README.md"}
    for name in ("model.py", "train.py"):
        compile(files[name], name, "exec")
    assert "torch==2.14.1" in files["requirements.txt"]
