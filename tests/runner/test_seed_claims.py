"""The seed tutorial's results, reproduced through the app's runner (POST /experiments and
POST /runs, fixed seeds) and checked numerically.

Numbers measured on this repository's generated train.py (CPU, one torch thread) are in the
comments. "Train loss" of the BatchNorm lesson is per batch: the largest batch loss of each
epoch, which train.py reports as ``train_loss_max`` in its epoch line.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient

from tests.api.api_support import sign_up
from tests.runner.support import example, runner_settings, wait_for
from torchcanvas.api import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = runner_settings(
        tmp_path_factory.mktemp("seed"),
        max_concurrent_runs=2,
        max_queued_runs=32,
        quotas={"concurrent_runs": 2, "queued_runs": 32},  # one user queues every claim's runs
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c


def _experiment(
    client: TestClient, graph: dict[str, Any], axes: list[dict[str, Any]], **overrides: Any
) -> list[dict[str, Any]]:
    r = client.post("/api/v1/experiments", json={"graph": graph, "axes": axes, **overrides})
    assert r.status_code == 201, r.text
    runs = [wait_for(client, run["id"]) for run in r.json()["runs"]]
    assert [run["status"] for run in runs] == ["succeeded"] * len(runs), [run["error"] for run in runs]
    return runs


def _weights(client: TestClient, run_id: int) -> dict[str, torch.Tensor]:
    r = client.get(f"/api/v1/runs/{run_id}/checkpoint")
    assert r.status_code == 200
    state: dict[str, torch.Tensor] = torch.load(io.BytesIO(r.content), map_location="cpu", weights_only=True)["model"]
    return state


def _all_weights(state: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.cat([v.flatten() for k, v in state.items() if k.endswith("weight")])


def test_weight_decay(client: TestClient) -> None:
    # 600 full-batch iterations (of the seed's 2000) suffice. Measured: final train loss 0.00083
    # without decay vs 0.0209 with (25x); std of all weights 0.0514 vs 0.0305.
    runs = _experiment(
        client,
        example("seed_mlp_weight_decay"),
        [{"path": "training.optimizer.params.weight_decay", "values": [0, 0.01]}],
        epochs=600,
    )
    plain, decayed = runs
    assert plain["variant"] == {"training.optimizer.params.weight_decay": 0}
    assert plain["final"]["train_loss"] < decayed["final"]["train_loss"] / 10
    assert _all_weights(_weights(client, decayed["id"])).std() < _all_weights(_weights(client, plain["id"])).std()


def _total_variation(ys: list[float]) -> float:
    return sum(abs(b - a) for a, b in itertools.pairwise(ys))


def test_dropout(client: TestClient) -> None:
    # Same seed, so the same initial weights (Dropout has none). 600 iterations. Measured: total
    # variation of the fitted curve on 200 points 6.43 (p=0) vs 1.80 (p=0.5); std of fc4's weights
    # 0.137 vs 0.066.
    runs = _experiment(
        client, example("seed_mlp_dropout"), [{"layer_type": "Dropout", "param": "p", "values": [0, 0.5]}], epochs=600
    )
    plain, dropout = (client.get(f"/api/v1/runs/{r['id']}").json() for r in runs)
    fit_plain, fit_dropout = plain["metrics"]["fit"], dropout["metrics"]["fit"]
    assert len(fit_plain["x"]) == 200 and fit_plain["x"] == fit_dropout["x"]
    assert _total_variation(fit_dropout["y"]) < _total_variation(fit_plain["y"])
    assert _weights(client, dropout["id"])["fc4.weight"].std() < _weights(client, plain["id"])["fc4.weight"].std()


def _run(client: TestClient, name: str, **overrides: Any) -> dict[str, Any]:
    r = client.post("/api/v1/runs", json={"graph": example(name), **overrides})
    assert r.status_code == 201, r.text
    return r.json()


def _max_loss(client: TestClient, run: dict[str, Any]) -> float:
    done = wait_for(client, run["id"])
    assert done["status"] == "succeeded", done["error"]
    full = client.get(f"/api/v1/runs/{run['id']}").json()
    return float(full["metrics"]["max_train_loss"])  # "NaN" parses as nan


SEEDS = (0, 1, 2)


def test_batchnorm(client: TestClient) -> None:
    # 10 epochs of 160 images, batch 16, SGD momentum 0.9; "worst" is the largest batch loss of the
    # run. Measured for seeds 0-4:
    #   initialize_weights, lr 0.01: worst LeNet 992 / 4.7e5 / 1809 / 6417 / 119,
    #                                worst LeNet_bn 25 / 27 / 26 / 30 / 73;
    #                                final loss LeNet 0.71 / 0.69 / 4.7 / 1.4 / 0.80, LeNet_bn 0.24 / 0.38 / 1.04 / 0.28 / 0.21
    #   default init, lr 0.1:        worst LeNet 3.39 / 12.8 / 2.82 / 1.72 / 1.56,
    #                                worst LeNet_bn 0.89 / 2.74 / 1.13 / 1.72 / 2.44;
    #                                final loss LeNet 0.80 / 0.70 / 1.05 / 0.36 / 0.37, LeNet_bn 0.035 / 0.053 / 0.089 / 0.097 / 0.081
    # What holds for every seed: with initialize_weights LeNet_bn's worst batch loss is below
    # LeNet's (by 1.6x to 17000x), and at lr 0.1 LeNet_bn ends with a lower loss (by 3.7x at
    # least). What does not: LeNet exploding above 1e3 (seed 4: 119), and LeNet_bn's worst loss
    # being the lower at lr 0.1 (seed 4: 2.44 vs 1.56), so neither is asserted.
    runs = {
        (name, setting, seed): _run(client, name, seed=seed, **overrides)
        for seed in SEEDS
        for setting, overrides in (("init", {"init": "initialize_weights"}), ("lr0.1", {"lr": 0.1}))
        for name in ("seed_lenet", "seed_lenet_bn")
    }
    worst = {key: _max_loss(client, run) for key, run in runs.items()}
    final = {key: client.get(f"/api/v1/runs/{run['id']}").json()["final"]["train_loss"] for key, run in runs.items()}
    for seed in SEEDS:
        plain = worst["seed_lenet", "init", seed]
        assert math.isnan(plain) or worst["seed_lenet_bn", "init", seed] < plain, (seed, worst)
        assert final["seed_lenet_bn", "lr0.1", seed] * 3 < final["seed_lenet", "lr0.1", seed], (seed, final)


def test_a_diverged_run_still_reports_its_loss(client: TestClient) -> None:
    from tests.api.api_support import mlp_graph

    run = _run_graph(client, mlp_graph(hidden=64), lr=100, epochs=8)
    done = wait_for(client, run["id"])
    assert done["status"] == "succeeded", done["error"]
    full = client.get(f"/api/v1/runs/{run['id']}").json()
    losses = [row["train_loss"] for row in full["metrics"]["epochs"]]
    assert any(v in ("NaN", "Infinity") or (isinstance(v, float) and v > 1e6) for v in losses), losses
    assert "NaN" in str(losses) or "Infinity" in str(losses)


def _run_graph(client: TestClient, graph: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    r = client.post("/api/v1/runs", json={"graph": graph, **overrides})
    assert r.status_code == 201, r.text
    return r.json()


def test_dropout_scale(client: TestClient) -> None:
    r = client.post("/api/v1/lab/dropout-scale", json={"p": 0.5, "n": 10000, "seed": 0})
    assert r.status_code == 200
    body = r.json()
    assert body["eval_output"] == 10000.0
    assert body["train_output"] != 10000.0 and abs(body["train_output"] - 10000) / 10000 < 0.05
    assert body["train_output"] == body["kept"] * 2  # kept units scaled by 1 / (1 - p)
