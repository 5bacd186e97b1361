"""The inference studio's routes: predict, explain and activations on a run's model, with every
input form, hostile inputs (each a 4xx naming the problem), visibility, the cache, the listing
of usable runs and the demos.

Most tests use a run that never trains (the runner is stopped) with an untrained checkpoint
written here: the routes' path, not the model's skill, is under test. The slow ones train for real.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from tests.api.api_support import sign_up, signed_in
from tests.runner.support import runner_settings, wait_for
from torchcanvas.api import create_app
from torchcanvas.graph.model import Graph
from torchcanvas.inference import demos
from torchcanvas.inference.config import InferenceSettings
from torchcanvas.shapes import build_model

API = "/api/v1"


def _png(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (250, 250, 250)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def _claiming(width: int, height: int) -> bytes:
    data = bytearray(_png((1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


class Studio:
    def __init__(self, client: TestClient, run_id: int, app: Any) -> None:
        self.client, self.run_id, self.app = client, run_id, app

    def post(self, what: str, **kwargs: Any) -> Any:
        return self.client.post(f"{API}/runs/{self.run_id}/{what}", **kwargs)


def _queued_run_with_checkpoint(client: TestClient, app: Any, doc: dict[str, Any]) -> int:
    r = client.post(f"{API}/runs", json={"graph": doc})
    assert r.status_code == 201, r.text
    run_id = int(r.json()["id"])
    torch.manual_seed(0)
    checkpoint = app.state.runner.run_dir(run_id) / "runs" / "checkpoint.pt"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": build_model(Graph.model_validate(doc)).state_dict()}, checkpoint)
    return run_id


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    settings = runner_settings(
        tmp_path_factory.mktemp("studio"), inference=InferenceSettings(max_image_bytes=20_000, ig_steps=4)
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.runner.stop()  # the runs stay queued
        sign_up(client, "alice")
        yield Studio(client, _queued_run_with_checkpoint(client, app, demos.digits_graph()), app)


def test_predict_a_test_sample_with_its_true_label(studio: Studio) -> None:
    r = studio.post("predict", json={"sample": 3})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["task"] == "classification" and p["scoring"] == "softmax" and p["sample"] == 3
    assert len(p["top"]) == 5 and p["top"][0]["probability"] >= p["top"][-1]["probability"]
    assert p["true_label"]["label"] == str(p["true_label"]["index"])
    assert p["input"]["shape"] == [1, 8, 8] and 0 <= p["input"]["min"] <= p["input"]["max"] <= 1
    assert p["preprocessing"][1:] == ["v2.ToImage()", "v2.ToDtype(torch.float32, scale=True)"]
    assert Image.open(io.BytesIO(base64.b64decode(p["input"]["png"]))).size == (8, 8)
    assert p["latency_ms"] > 0


def test_drawn_pixels_and_an_upload_and_top_k(studio: Studio) -> None:
    digit = [[16 if 2 <= c <= 5 else 0 for c in range(8)] for _ in range(8)]
    drawn = studio.post("predict", json={"pixels": digit, "pixel_max": 16, "top_k": 2}).json()
    assert len(drawn["top"]) == 2 and drawn["true_label"] is None
    assert drawn["input"]["max"] == 1.0 and drawn["input"]["mean"] == pytest.approx(0.5)
    upload = studio.post("predict", files={"image": ("d.png", _png((80, 80)), "image/png")})
    assert upload.status_code == 200, upload.text
    assert "80x80 resized to the data set's 8x8" in upload.json()["preprocessing"][0]


def test_explain_gives_an_overlay_per_method(studio: Studio) -> None:
    r = studio.post("explain", json={"sample": 0, "target": 4})
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["target"] == {"index": 4, "label": "4"}
    assert [m["method"] for m in e["maps"]] == ["integrated_gradients", "saliency", "grad_cam"]
    for m in e["maps"]:
        assert Image.open(io.BytesIO(base64.b64decode(m["png"]))).size == (8, 8)
    assert "conv2" in e["maps"][2]["note"]  # the last conv layer
    form = studio.post("explain", files={"image": ("d.png", _png(), "image/png")}, data={"methods": "saliency"})
    assert form.status_code == 200, form.text
    assert [m["method"] for m in form.json()["maps"]] == ["saliency"]


def test_activations_of_a_conv_layer_and_a_vector(studio: Studio) -> None:
    conv = studio.post("activations", json={"sample": 0, "node": "conv1"}).json()
    assert conv["shape"] == [1, 16, 8, 8] and conv["channels_shown"] == 16 and conv["columns"] == 4
    assert Image.open(io.BytesIO(base64.b64decode(conv["png"]))).size == (4 * 8 + 3, 4 * 8 + 3)
    fc = studio.post("activations", json={"sample": 0, "node": "fc"}).json()
    assert fc["shape"] == [1, 10] and len(fc["values"]) == 10 and fc["png"] is None
    # the same logits predict's softmax came from
    p = studio.post("predict", json={"sample": 0, "top_k": 10}).json()
    probs = torch.tensor(fc["values"]).softmax(0)
    assert p["top"][0]["probability"] == pytest.approx(float(probs.max()), abs=1e-5)


def test_usage_says_what_the_model_takes(studio: Studio) -> None:
    u = studio.client.get(f"{API}/runs/{studio.run_id}/inference").json()
    assert u["usable"] and u["dataset"] == "Digits" and u["test_samples"] == 360
    assert u["input"] == {"image": True, "channels": 1, "size": [8, 8], "pad_max": 16, "sample_shape": [1, 8, 8]}
    assert u["classes"] == [str(i) for i in range(10)] and u["inputs"] == ["x"]
    assert [layer["id"] for layer in u["layers"] if layer["conv"]] == ["conv1", "conv2"]
    assert u["methods"] == ["integrated_gradients", "saliency", "grad_cam"]


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("predict", {"files": {"image": ("a.png", b"", "image/png")}}, 422, "empty"),
    ("predict", {"files": {"image": ("a.png", b"GIF89a but not really", "image/png")}}, 422, "not an image"),
    ("predict", {"files": {"image": ("a.png", _claiming(60_000, 60_000), "image/png")}}, 422, "pixels are accepted"),
    ("predict", {"files": {"image": ("a.png", _claiming(5000, 5000), "image/png")}}, 422, "5000x5000 pixels"),
    ("predict", {"files": {"image": ("a.bin", b"\x00" * 30_000, "image/png")}}, 413, "over 20,000 bytes"),
    ("predict", {"files": {"other": ("a.png", _png(), "image/png")}}, 422, "no file field 'image'"),
    ("predict", {"json": {"sample": 360}}, 422, "out of range: the test set has 360 samples"),
    ("predict", {"json": {"sample": 1, "x": [1.0]}}, 422, "exactly one of"),
    ("predict", {"json": {}}, 422, "exactly one of"),
    ("predict", {"json": {"x": [1.0, 2.0]}}, 422, "x has 2 numbers; this model takes 64"),
    ("predict", {"content": b'{"pixels": [[1e309]]}', "headers": {"content-type": "application/json"}}, 422, ""),
    ("predict", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, ""),
    ("activations", {"json": {"sample": 0, "node": "nope"}}, 422, "no layer 'nope'"),
    ("activations", {"json": {"sample": 0}}, 422, "node"),
    ("explain", {"json": {"sample": 0, "target": 10}}, 422, "target 10 is not a class"),
    ("explain", {"json": {"sample": 0, "methods": ["lime"]}}, 422, ""),
    ("explain", {"files": {"image": ("a.png", _png(), "image/png")}, "data": {"methods": "lime"}}, 422, "methods"),
]


@pytest.mark.parametrize(("route", "kwargs", "status", "text"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_hostile_inputs_are_4xx_with_a_reason(
    studio: Studio, route: str, kwargs: dict[str, Any], status: int, text: str
) -> None:
    r = studio.post(route, **kwargs)
    assert r.status_code == status, r.text
    assert text in r.text


def test_other_users_private_runs_are_404_and_unusable_runs_409(studio: Studio, tmp_path: Path) -> None:
    bob = signed_in(studio.app, "bob")
    r = bob.post(f"{API}/runs/{studio.run_id}/predict", json={"sample": 0})
    assert r.status_code == 404 and "there is no run" in r.text
    assert bob.get(f"{API}/runs/{studio.run_id}/inference").status_code == 404
    r = studio.client.post(f"{API}/runs", json={"graph": demos.digits_graph()})
    fresh = r.json()["id"]  # no checkpoint yet
    r = studio.client.post(f"{API}/runs/{fresh}/predict", json={"sample": 0})
    assert r.status_code == 409 and "no checkpoint yet" in r.text
    u = studio.client.get(f"{API}/runs/{fresh}/inference").json()
    assert not u["usable"] and "no checkpoint yet" in u["why"]


def test_the_model_is_loaded_once(studio: Studio) -> None:
    cache = studio.app.state.inference
    studio.post("predict", json={"sample": 1})
    loads = cache.loads
    for i in range(3):
        assert studio.post("predict", json={"sample": i}).status_code == 200
    assert cache.loads == loads


def test_the_usable_runs_list_only_finished_ones(studio: Studio) -> None:
    r = studio.client.get(f"{API}/inference/runs")
    assert r.status_code == 200 and r.json() == []  # alice's runs here never finished


@pytest.mark.slow
def test_the_demos_train_and_answer(tmp_path: Path) -> None:
    """The admin's button queues both demos; they train on offline data through the runner,
    appear first in the list of usable runs for anyone, and the digits demo reads its test set."""
    app = create_app(runner_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as admin:
        sign_up(admin, "root")  # the first account is the admin
        bob = signed_in(app, "bob")
        assert bob.post(f"{API}/inference/demos").status_code == 403
        r = admin.post(f"{API}/inference/demos")
        assert r.status_code == 202, r.text
        ids = r.json()["runs"]
        assert len(ids) == 2
        assert admin.post(f"{API}/inference/demos").json()["runs"] == ids  # pressed twice: nothing more
        for run_id in ids:
            assert wait_for(admin, run_id, timeout=600)["status"] == "succeeded"
        anonymous = TestClient(app, raise_server_exceptions=False)
        listed = anonymous.get(f"{API}/inference/runs").json()
        assert [(x["id"], x["demo"], x["owner"]) for x in listed] == [
            (i, True, "torchcanvas") for i in sorted(ids, reverse=True)
        ]
        digits = next(x for x in listed if x["dataset"] == "Digits")
        assert digits["final"]["test_acc"] > 0.9
        right = 0
        for i in range(30):
            p = anonymous.post(f"{API}/runs/{digits['id']}/predict", json={"sample": i}).json()
            right += p["top"][0]["index"] == p["true_label"]["index"]
        assert right >= 25
        faces = next(x for x in listed if x["dataset"] == "LFWFaces")
        p = anonymous.post(f"{API}/runs/{faces['id']}/explain", json={"sample": 0, "methods": ["grad_cam"]})
        assert p.status_code == 200 and p.json()["maps"][0]["png"]
        assert admin.post(f"{API}/inference/demos").json()["runs"] == []
