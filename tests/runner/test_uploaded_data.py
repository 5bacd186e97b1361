"""Uploaded data sets through the real runner: upload -> list -> train, for an image zip made
from sklearn's digits, a CSV regression and a CSV classification; and a run may use only a data
set its owner may read, with a config that fits it."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import sign_up
from tests.datasets_support import classification_csv, image_folder_zip, regression_csv
from tests.runner.support import runner_settings, wait_for
from torchcanvas.api import create_app

API = "/api/v1"


@pytest.fixture
def app_clients(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    app = create_app(runner_settings(tmp_path, run_warm_start=False))
    with TestClient(app, raise_server_exceptions=False) as alice:
        sign_up(alice, "alice")
        bob = TestClient(app, raise_server_exceptions=False)
        sign_up(bob, "bob")
        yield alice, bob


def chain(nodes: list[dict[str, Any]], training: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": "Uploaded",
        "nodes": nodes,
        "edges": [
            {"source": {"node": a["id"], "port": "out"}, "target": {"node": b["id"], "port": "in"}}
            for a, b in itertools.pairwise(nodes)
        ],
        "training": training,
    }


def small_cnn(shape: list[int], classes: int, dataset: dict[str, Any]) -> dict[str, Any]:
    layer = lambda i, t, **p: {"id": i, "kind": "layer", "type": t, "params": p}  # noqa: E731
    return chain(
        [
            {"id": "x", "kind": "input", "shape": ["B", *shape]},
            layer("conv", "Conv2d", out_channels=8, kernel_size=3, padding=1),
            layer("relu", "ReLU"),
            layer("pool", "MaxPool2d", kernel_size=2),
            layer("flat", "Flatten"),
            layer("fc", "Linear", out_features=classes),
            {"id": "y", "kind": "output"},
        ],
        {"dataset": dataset, "loss": {"type": "CrossEntropyLoss"}, "epochs": 3, "batch_size": 8, "lr": 0.05},
    )


def mlp(features: int, out: int, dataset: dict[str, Any], loss: str) -> dict[str, Any]:
    layer = lambda i, t, **p: {"id": i, "kind": "layer", "type": t, "params": p}  # noqa: E731
    return chain(
        [
            {"id": "x", "kind": "input", "shape": ["B", features]},
            layer("fc1", "Linear", out_features=16),
            layer("act", "ReLU"),
            layer("fc2", "Linear", out_features=out),
            {"id": "y", "kind": "output"},
        ],
        {"dataset": dataset, "loss": {"type": loss}, "epochs": 5, "batch_size": 16, "lr": 0.05},
    )


def upload(client: TestClient, path: Path, **fields: Any) -> dict[str, Any]:
    r = client.post(f"{API}/datasets", files={"file": (path.name, path.read_bytes())}, data=fields)
    assert r.status_code == 201, r.text
    return dict(r.json())


def train(client: TestClient, graph: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"{API}/runs", json={"graph": graph})
    assert r.status_code == 201, r.text
    run = wait_for(client, r.json()["id"])
    log = client.get(f"{API}/runs/{run['id']}/log").text
    assert run["status"] == "succeeded", log[-3000:]
    return run


@pytest.mark.slow
def test_an_image_zip_from_upload_to_a_trained_model(
    app_clients: tuple[TestClient, TestClient], tmp_path: Path
) -> None:
    alice, _ = app_clients
    ds = upload(alice, image_folder_zip(tmp_path / "digits.zip", classes=3, per_class=16))
    assert [d["id"] for d in alice.get(f"{API}/datasets").json()["items"]] == [ds["id"]]
    run = train(alice, small_cnn(ds["input_shape"], len(ds["classes"]), ds["choice"]))
    assert run["final"]["epoch"] == 3
    # the run read the upload by a relative --data-root, as the generated train.py's user would
    started = next(e for e in alice.get(f"{API}/runs/{run['id']}/events").text.split("\n") if '"started"' in e)
    assert "../../uploads/.datasets/" in started and "/tmp" not in started
    # the inference studio knows its classes by name and predicts on its test images
    usage = alice.get(f"{API}/runs/{run['id']}/inference").json()
    assert usage["classes"] == ds["classes"] and usage["test_samples"] == ds["num_test"]
    predicted = alice.post(f"{API}/runs/{run['id']}/predict", json={"sample": 0})
    assert predicted.status_code == 200, predicted.text
    assert predicted.json()["top"][0]["label"] in ds["classes"]
    # and its explanations name the class they explain the same way
    explained = alice.post(f"{API}/runs/{run['id']}/explain", json={"sample": 0, "methods": ["grad_cam"], "target": 2})
    assert explained.status_code == 200, explained.text
    assert explained.json()["target"] == {"index": 2, "label": ds["classes"][2]}


@pytest.mark.slow
def test_csv_regression_and_classification_train(app_clients: tuple[TestClient, TestClient], tmp_path: Path) -> None:
    alice, _ = app_clients
    reg = upload(alice, regression_csv(tmp_path / "houses.csv", rows=200), task="regression", features="a,b,c")
    run = train(alice, mlp(3, 1, reg["choice"], "MSELoss"))
    losses = run["metrics"]["curves"]["train_loss"]
    assert losses[-1] < losses[0] / 2  # y is nearly linear in the features: it learns
    cls = upload(alice, classification_csv(tmp_path / "angles.csv", rows=300))
    run = train(alice, mlp(2, 3, cls["choice"], "CrossEntropyLoss"))
    assert run["final"]["test_acc"] > 0.6  # three sectors of the plane; chance is 1/3
    usage = alice.get(f"{API}/runs/{run['id']}/inference").json()
    assert usage["classes"] == ["blue", "green", "red"] and usage["test_samples"] == cls["num_test"]
    # the test rows, standardized as train.py does: the trained model gets most of them right
    right = 0
    for i in range(cls["num_test"]):
        p = alice.post(f"{API}/runs/{run['id']}/predict", json={"sample": i}).json()
        right += p["top"][0]["index"] == p["true_label"]["index"]
    assert right / cls["num_test"] == pytest.approx(run["final"]["test_acc"], abs=1e-4)  # reported to 4 places


def test_a_run_may_use_only_a_readable_data_set_that_fits(
    app_clients: tuple[TestClient, TestClient], tmp_path: Path
) -> None:
    alice, bob = app_clients
    alice.app.state.runner.stop()  # nothing needs to train here
    ds = upload(alice, classification_csv(tmp_path / "angles.csv"))
    graph = mlp(2, 3, ds["choice"], "CrossEntropyLoss")
    r = bob.post(f"{API}/runs", json={"graph": graph})
    assert r.status_code == 422 and f"there is no data set with id {ds['id']}" in r.text
    wrong = mlp(2, 3, {**ds["choice"], "params": {**ds["choice"]["params"], "num_classes": 4}}, "CrossEntropyLoss")
    r = alice.post(f"{API}/runs", json={"graph": wrong})
    assert r.status_code == 422
    [issue] = r.json()["issues"]
    assert issue["param"] == "training.dataset.num_classes" and issue["fix"] == "set num_classes to 3"
    r = alice.post(f"{API}/runs", json={"graph": mlp(2, 3, {"type": "CSVClassification"}, "CrossEntropyLoss")})
    assert r.status_code == 422 and "needs an uploaded CSV data set" in r.text
    # a root may not reach the datasets area by its name
    folder = {"type": "ImageFolder", "params": {"root": f".datasets/{ds['id']}", "num_classes": 3}}
    r = alice.post(f"{API}/runs", json={"graph": small_cnn([3, 32, 32], 3, folder)})
    assert r.status_code == 422
    assert alice.patch(f"{API}/datasets/{ds['id']}", json={"visibility": "public"}).status_code == 200
    assert bob.post(f"{API}/runs", json={"graph": graph}).status_code == 201


def test_the_project_zip_carries_the_data_on_request(
    app_clients: tuple[TestClient, TestClient], tmp_path: Path
) -> None:
    alice, bob = app_clients
    alice.app.state.runner.stop()
    ds = upload(alice, regression_csv(tmp_path / "houses.csv"), task="regression", features="a,b,c")
    graph = mlp(3, 1, ds["choice"], "MSELoss")
    graph["training"]["epochs"] = 2
    plain = zipfile.ZipFile(io.BytesIO(alice.post(f"{API}/codegen?format=zip", json=graph).content))
    assert not any("houses/" in n for n in plain.namelist())
    r = alice.post(f"{API}/codegen?format=zip&include_data=true", json=graph)
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    top = z.namelist()[0].split("/")[0]
    assert {f"{top}/houses/train.csv", f"{top}/houses/test.csv", f"{top}/train.py"} <= set(z.namelist())
    assert bob.post(f"{API}/codegen?format=zip&include_data=true", json=graph).status_code == 404
    # unzipped, it trains as it is: train.py's default --data-root is the data set's folder
    z.extractall(tmp_path / "project")
    done = subprocess.run(
        [sys.executable, "train.py", "--epochs", "2", "--out", "runs"],
        cwd=tmp_path / "project" / top,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
