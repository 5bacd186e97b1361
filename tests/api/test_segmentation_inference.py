"""POST /runs/{id}/predict on a segmentation run: a tiny U-Net trained here (in-process, on the
same Shapes images train.py generates) answers with the predicted mask, the true mask of a test
sample (which matches the generator's), and per-class IoU that agrees with a recount from the
two masks. An upload gets a mask without IoU."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from tests.api.api_support import sign_up
from tests.runner.support import runner_settings
from torchcanvas.api import create_app
from torchcanvas.codegen.shapes import make_shapes
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import build_model

API = "/api/v1"
DATA = {"n_samples": 120, "size": 32, "shapes": "circle", "test_fraction": 0.2, "max_objects": 2}


def _tiny_unet(head: int, dataset: dict[str, Any], loss: str) -> dict[str, Any]:
    """x -> conv -> pool -> conv -> up -> concat(skip) -> conv -> 1x1 head."""
    layers = [
        ("enc", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("enc_relu", "ReLU", {}),
        ("pool", "MaxPool2d", {"kernel_size": 2}),
        ("mid", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
        ("mid_relu", "ReLU", {}),
        ("up", "ConvTranspose2d", {"out_channels": 8, "kernel_size": 2, "stride": 2}),
        ("cat", "Concat", {"n": 2, "dim": 1}),
        ("dec", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("dec_relu", "ReLU", {}),
        ("head", "Conv2d", {"out_channels": head, "kernel_size": 1}),
    ]
    chain = [("x", "out", "enc", "in"), ("enc", "out", "enc_relu", "in"), ("enc_relu", "out", "pool", "in"),
             ("pool", "out", "mid", "in"), ("mid", "out", "mid_relu", "in"), ("mid_relu", "out", "up", "in"),
             ("enc_relu", "out", "cat", "in0"), ("up", "out", "cat", "in1"), ("cat", "out", "dec", "in"),
             ("dec", "out", "dec_relu", "in"), ("dec_relu", "out", "head", "in"), ("head", "out", "y", "in")]  # fmt: skip
    size = dataset["size"]
    return {
        "name": "TinyUNet",
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 3, size, size]},
            *({"id": i, "kind": "layer", "type": t, "params": p} for i, t, p in layers),
            {"id": "y", "kind": "output"},
        ],
        "edges": [{"source": {"node": a, "port": pa}, "target": {"node": b, "port": pb}} for a, pa, b, pb in chain],
        "training": {"dataset": {"type": "Shapes", "params": dataset}, "loss": {"type": loss}},
    }


def _train(doc: dict[str, Any], steps: int = 150) -> dict[str, torch.Tensor]:
    """A few Adam steps on the training split, as train.py splits it (the test images come first)."""
    torch.manual_seed(0)
    model = build_model(Graph.model_validate(doc))
    d = doc["training"]["dataset"]["params"]
    images, masks, _, _ = make_shapes(
        d["n_samples"], size=d["size"], shapes=(d["shapes"],), max_objects=d["max_objects"], seed=0
    )
    n_test = int(d["n_samples"] * d["test_fraction"])
    x, y = images[n_test:].float() / 255, masks[n_test:].float()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(steps):
        batch = torch.arange(step * 16, step * 16 + 16) % len(x)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[batch])[:, 0], y[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.state_dict()


@pytest.fixture(scope="module")
def client_and_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, int]]:
    app = create_app(runner_settings(tmp_path_factory.mktemp("seg")))
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.runner.stop()  # the run stays queued; its checkpoint is written here
        sign_up(client, "sam")
        doc = _tiny_unet(1, DATA, "BCEWithLogitsLoss")
        r = client.post(f"{API}/runs", json={"graph": doc})
        assert r.status_code == 201, r.text
        run_id = int(r.json()["id"])
        checkpoint = app.state.runner.run_dir(run_id) / "runs" / "checkpoint.pt"
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"model": _train(doc)}, checkpoint)
        yield client, run_id


def test_usage_names_the_task_and_the_classes(client_and_run: tuple[TestClient, int]) -> None:
    client, run_id = client_and_run
    u = client.get(f"{API}/runs/{run_id}/inference").json()
    assert u["usable"] and u["task"] == "segmentation" and u["dataset"] == "Shapes"
    assert u["classes"] == ["background", "circle"] and u["test_samples"] == 24
    assert u["methods"] == []  # attributions are for classifiers


def test_predict_a_test_sample_gives_both_masks_and_iou_per_class(client_and_run: tuple[TestClient, int]) -> None:
    client, run_id = client_and_run
    r = client.post(f"{API}/runs/{run_id}/predict", json={"sample": 5})
    assert r.status_code == 200, r.text
    p = r.json()
    s = p["segmentation"]
    assert p["task"] == "segmentation" and p["scoring"] == "sigmoid"
    pred, truth = torch.tensor(s["mask"]), torch.tensor(s["true_mask"])
    assert pred.shape == truth.shape == (32, 32)
    # The true mask is the generator's: test sample 5 is image 5 of the same seed.
    _, masks, _, _ = make_shapes(24, size=32, shapes=("circle",), max_objects=2, seed=0)
    assert torch.equal(truth, masks[5])
    for c in s["classes"]:  # IoU recounted from the two masks
        both = ((pred == c["index"]) & (truth == c["index"])).sum().item()
        either = ((pred == c["index"]) | (truth == c["index"])).sum().item()
        assert c["iou"] == pytest.approx(both / either)
        assert c["pixels"] == (pred == c["index"]).sum().item()
    assert s["pixel_accuracy"] == pytest.approx((pred == truth).float().mean().item())
    assert s["mean_iou"] == pytest.approx(sum(c["iou"] for c in s["classes"]) / 2)
    # Trained: a bright circle on a dark background is easy.
    assert s["mean_iou"] > 0.6, s["mean_iou"]
    assert p["top"][0]["label"] == "background"


def test_an_upload_is_segmented_without_a_truth(client_and_run: tuple[TestClient, int]) -> None:
    client, run_id = client_and_run
    img = Image.new("RGB", (64, 64), (20, 20, 30))
    for x in range(64):
        for y in range(64):
            if (x - 30) ** 2 + (y - 34) ** 2 < 15**2:
                img.putpixel((x, y), (230, 200, 40))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    r = client.post(f"{API}/runs/{run_id}/predict", files={"image": ("c.png", buf.getvalue(), "image/png")})
    assert r.status_code == 200, r.text
    s = r.json()["segmentation"]
    assert s["true_mask"] is None and s["mean_iou"] is None and all(c["iou"] is None for c in s["classes"])
    mask = torch.tensor(s["mask"])
    assert mask.shape == (32, 32)
    assert mask[17, 15].item() == 1 and mask[2, 2].item() == 0  # inside the circle, and a corner


def test_a_sample_out_of_range_is_a_422(client_and_run: tuple[TestClient, int]) -> None:
    client, run_id = client_and_run
    r = client.post(f"{API}/runs/{run_id}/predict", json={"sample": 24})
    assert r.status_code == 422 and "0 to 23" in r.text


def test_explain_says_it_is_for_classifiers_and_activations_work(client_and_run: tuple[TestClient, int]) -> None:
    client, run_id = client_and_run
    r = client.post(f"{API}/runs/{run_id}/explain", json={"sample": 0})
    assert r.status_code == 422 and "this model is a segmentation model" in r.text
    a = client.post(f"{API}/runs/{run_id}/activations", json={"sample": 0, "node": "up"})
    assert a.status_code == 200, a.text
    assert a.json()["shape"] == [1, 8, 32, 32]
