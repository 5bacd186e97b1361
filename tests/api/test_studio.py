"""The studio's other routes: a run's model as verified ONNX (and the server's preprocessed tensor
that the browser runs it on), batch prediction with its bounds and zip safety, and a 1-D
regression model's curve.

As in test_inference.py, the runs never train: an untrained checkpoint is written for each.
"""

from __future__ import annotations

import base64
import io
import threading
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import torch
from fastapi.testclient import TestClient

from tests.api.api_support import mlp_graph, sign_up, signed_in
from tests.api.test_inference import API, Studio, _png, _queued_run_with_checkpoint
from tests.runner.support import runner_settings
from torchcanvas.api import create_app
from torchcanvas.api.routes import studio as studio_routes
from torchcanvas.api.routes.studio import MAX_TEST_POINTS
from torchcanvas.catalog.training import resolve_training
from torchcanvas.codegen import onnx_export
from torchcanvas.graph.model import Graph
from torchcanvas.inference import data as inference_data
from torchcanvas.inference import demos
from torchcanvas.inference.config import InferenceSettings
from torchcanvas.limits import Limits
from torchcanvas.shapes import build_model


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    settings = runner_settings(
        tmp_path_factory.mktemp("studio"),
        inference=InferenceSettings(batch_max_files=8, batch_max_bytes=200_000, batch_max_ratio=50),
        # The first export (torch.export, then onnxruntime) can pass the 20 s request budget on a
        # busy machine (the whole suite in parallel); the budget's 503 is tested elsewhere.
        limits=Limits(request_time_budget_s=300),
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.runner.stop()  # the runs stay queued
        sign_up(client, "alice")
        yield Studio(client, _queued_run_with_checkpoint(client, app, demos.digits_graph()), app)


def _tensor(t: dict[str, Any]) -> np.ndarray:
    assert t["dtype"] == "float32"
    return np.frombuffer(base64.b64decode(t["data"]), dtype="<f4").reshape(t["shape"])


# ---- ONNX -----------------------------------------------------------------------------------------


def test_the_runs_onnx_answers_as_the_server_does_on_the_servers_tensor(studio: Studio) -> None:
    r = studio.client.get(f"{API}/runs/{studio.run_id}/onnx")
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="demo_digits_8x8_run{studio.run_id}.onnx"'
    assert r.headers["x-onnx-exporter"] == "dynamo"
    assert float(r.headers["x-onnx-max-abs-diff"]) <= onnx_export.ATOL
    session = ort.InferenceSession(r.content, providers=["CPUExecutionProvider"])
    for i in range(3):
        p = studio.post("predict", json={"sample": i, "tensor": True, "top_k": 10}).json()
        x = _tensor(p["tensor"])
        assert list(x.shape) == [1, *p["input"]["shape"]]
        logits = session.run(None, {session.get_inputs()[0].name: x})[0]
        probs = torch.tensor(logits).softmax(dim=1).mean(dim=0)
        for t in p["top"]:
            assert abs(float(probs[t["index"]]) - t["probability"]) < 1e-5
    # the tensor is sent for uploads too, and only when asked for
    up = studio.post("predict", files={"image": ("x.png", _png(), "image/png")}, data={"tensor": "1"}).json()
    assert _tensor(up["tensor"]).shape == (1, 1, 8, 8)
    assert studio.post("predict", json={"sample": 0}).json()["tensor"] is None


def test_the_runs_onnx_is_exported_once_per_checkpoint(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    first = studio.client.get(f"{API}/runs/{studio.run_id}/onnx")
    assert first.status_code == 200
    report = studio.app.state.runner.run_dir(studio.run_id) / "onnx" / "model.onnx.json"
    assert report.is_file()
    calls: list[int] = []
    real = studio_routes.export_verified

    def counting(*a: Any, **k: Any) -> Any:
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(studio_routes, "export_verified", counting)
    again = studio.client.get(f"{API}/runs/{studio.run_id}/onnx")
    assert again.content == first.content and calls == []
    # a new checkpoint (the run trained on): exported again, with its weights
    checkpoint = studio.app.state.runner.run_dir(studio.run_id) / "runs" / "checkpoint.pt"
    state = torch.load(checkpoint, weights_only=True)
    state["model"]["conv1.bias"] += 1.0
    torch.save(state, checkpoint)
    third = studio.client.get(f"{API}/runs/{studio.run_id}/onnx")
    assert third.status_code == 200 and calls == [1] and third.content != first.content


def test_a_request_during_the_runs_export_is_told_to_retry(studio: Studio) -> None:
    folder = studio.app.state.runner.run_dir(studio.run_id) / "onnx"
    with studio_routes._run_locks_guard:
        lock = studio_routes._run_locks.setdefault(folder, threading.Lock())
    with lock:  # an export of this run is under way
        r = studio.client.get(f"{API}/runs/{studio.run_id}/onnx")
    assert r.status_code == 503 and "being exported" in r.text and r.headers["retry-after"] == "3"
    assert studio.client.get(f"{API}/runs/{studio.run_id}/onnx").status_code == 200


def test_another_users_private_runs_onnx_is_404(studio: Studio) -> None:
    bob = signed_in(studio.app, "bob-onnx")
    r = bob.get(f"{API}/runs/{studio.run_id}/onnx")
    assert r.status_code == 404 and "there is no run" in r.text


# ---- batch ----------------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _files(*items: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("images", (name, data, "application/octet-stream")) for name, data in items]


def test_batch_predicts_images_and_a_zip_of_them(studio: Studio) -> None:
    dark, light = _png(colour=(5, 5, 5)), _png((20, 20), colour=(240, 240, 240))
    archive = _zip({"digits/a.png": dark, "digits/b.png": light, "digits/notes.txt": b"hi", "__MACOSX/._a.png": b"x"})
    r = studio.post(
        "predict/batch", files=_files(("one.png", dark), ("two.png", light), ("empty.png", b""), ("d.zip", archive))
    )
    assert r.status_code == 200, r.text
    body = r.json()
    names = [row["name"] for row in body["rows"]]
    assert names == [
        "one.png",
        "two.png",
        "empty.png",
        "d.zip/digits/a.png",
        "d.zip/digits/b.png",
        "d.zip/digits/notes.txt",
    ]
    assert body["count"] == 6 and body["failed"] == 2
    errors = {row["name"]: row["error"] for row in body["rows"] if row["error"]}
    assert "0 bytes" in errors["empty.png"] and "not an image" in errors["d.zip/digits/notes.txt"]
    # each row is the single predict's answer for that image (top 3 by default)
    single = studio.post("predict", files={"image": ("x.png", light, "image/png")}, data={"top_k": "3"}).json()
    assert body["rows"][1]["top"] == single["top"]
    assert body["rows"][4]["top"] == single["top"]
    assert body["rows"][0]["top"] == body["rows"][3]["top"]


def test_a_damaged_image_gets_its_own_error_row(studio: Studio) -> None:
    r = studio.post("predict/batch", files=_files(("ok.png", _png()), ("bad.png", b"\x89PNG not really")))
    rows = r.json()["rows"]
    assert rows[0]["error"] is None and rows[0]["top"]
    assert rows[1]["top"] == [] and "not an image" in rows[1]["error"]


@pytest.mark.parametrize(
    ("files", "status", "text"),
    [
        (lambda: _files(("evil.zip", _zip({"../evil.png": _png()}))), 422, "climbs out"),
        (lambda: _files(("abs.zip", _zip({"/etc/x.png": _png()}))), 422, "absolute path"),
        (lambda: _files(("bomb.zip", _zip({"zeros.png": b"\0" * 150_000}))), 413, "zip bomb"),
        (lambda: _files(("big.zip", _zip({f"{i}.png": _png() for i in range(9)}))), 413, "at most 8"),
        (lambda: _files(*[(f"{i}.png", _png()) for i in range(9)]), 400, "at most 8"),
        (
            lambda: _files(("huge.zip", _zip({f"{i}.png": b"\1" * 90_000 for i in range(3)}))),
            413,
            "inflates to",
        ),
        (lambda: _files(("junk.zip", b"PK\x03\x04 not a zip")), 422, "not a zip file"),
        (lambda: _files(("only.zip", _zip({"notes/": b""}))), 422, "no image files"),
    ],
    ids=["dotdot", "absolute", "bomb", "too-many-in-zip", "too-many-files", "too-many-bytes", "not-a-zip", "empty-zip"],
)
def test_hostile_batches_are_refused_quickly(studio: Studio, files: Any, status: int, text: str) -> None:
    t = time.perf_counter()
    r = studio.post("predict/batch", files=files())
    assert r.status_code == status, r.text
    assert text in r.text
    assert time.perf_counter() - t < 2.0
    assert not list(studio.app.state.settings.data_dir.rglob("*evil*"))


def test_batch_needs_images_and_an_image_classifier(studio: Studio) -> None:
    r = studio.post("predict/batch", json={"sample": 0})
    assert r.status_code == 422 and "multipart" in r.text
    r = studio.post("predict/batch", files={"image": ("x.png", _png(), "image/png")})
    assert r.status_code == 422 and "'images'" in r.text
    run = _queued_run_with_checkpoint(studio.client, studio.app, mlp_graph())
    r = studio.client.post(f"{API}/runs/{run}/predict/batch", files=_files(("x.png", _png())))
    assert r.status_code == 422 and "image classifiers" in r.text


# ---- the regression curve -------------------------------------------------------------------------


def test_the_curve_of_a_1d_regression_model(studio: Studio) -> None:
    doc = mlp_graph(hidden=16)
    run = _queued_run_with_checkpoint(studio.client, studio.app, doc)
    r = studio.client.get(f"{API}/runs/{run}/curve", params={"points": 50})
    assert r.status_code == 200, r.text
    c = r.json()
    graph = Graph.model_validate(doc)
    training = resolve_training(graph.training)
    ts = inference_data.test_set(training.dataset.spec, training.dataset.values, training.config.seed, None)
    assert len(c["test_x"]) == len(c["test_y"]) == min(len(ts), MAX_TEST_POINTS)
    assert c["test_y"][3] == pytest.approx(ts.sample(3).target[0])
    lo, hi = min(c["test_x"]), max(c["test_x"])
    assert len(c["x"]) == 50 and c["x"][0] < lo and c["x"][-1] > hi and c["x"] == sorted(c["x"])
    torch.manual_seed(0)  # the checkpoint's weights (_queued_run_with_checkpoint)
    model = build_model(graph).eval()
    with torch.no_grad():
        want = model(torch.tensor(c["x"]).unsqueeze(1)).squeeze(1)
    np.testing.assert_allclose(c["y"], want.numpy(), atol=1e-5)


def test_the_curve_is_for_1d_regression_only(studio: Studio) -> None:
    r = studio.client.get(f"{API}/runs/{studio.run_id}/curve")
    assert r.status_code == 422 and "a classifier" in r.text and "enter x instead" in r.text
    r = studio.client.get(f"{API}/runs/{studio.run_id}/curve", params={"points": 10**6})
    assert r.status_code == 422
