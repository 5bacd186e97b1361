"""Inference studio figures: warm predict latency on the server, p50 and p99, for the seed's
LeNet_bn and a ResNet-18-sized model (torchvision's resnet18 imported as a graph, 224x224).

Each request goes through the real app in process (routing, the CPU pool, preprocessing, the
forward pass, the JSON answer): the figure a user's browser sees, less the network. The model's
checkpoint is an untrained one written here: latency does not depend on the weights.
Goal: p50 <= 15 ms for LeNet_bn. The browser / onnxruntime-web half is the ONNX section's.

Run: .venv/bin/python bench/inference.py [--threads N]. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from fastapi.testclient import TestClient
from PIL import Image

from torchcanvas.api import create_app
from torchcanvas.auth import accounts
from torchcanvas.graph.model import Graph
from torchcanvas.settings import Settings
from torchcanvas.shapes import build_model

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"


def resnet18_doc() -> dict[str, Any]:
    import torchvision

    from torchcanvas.importer import import_module

    graph = import_module(torchvision.models.resnet18(weights=None), [3, 224, 224], name="ResNet18")
    doc = graph.model_dump(mode="json")
    doc["training"]["dataset"] = {
        "type": "ImageFolder",
        "params": {"root": "bench", "image_size": 224, "num_classes": 1000},
    }
    doc["training"]["loss"] = {"type": "CrossEntropyLoss"}
    return doc


def png(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buf, "PNG")
    return buf.getvalue()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def measure(client: TestClient, run_id: int, n: int, **kwargs: Any) -> tuple[list[float], list[float]]:
    url = f"/api/v1/runs/{run_id}/predict"
    for _ in range(5):  # warm: the model is loaded and cached, the first calls allocate
        assert client.post(url, **kwargs).status_code == 200
    wall, forward = [], []
    for _ in range(n):
        t = time.perf_counter()
        r = client.post(url, **kwargs)
        wall.append((time.perf_counter() - t) * 1e3)
        forward.append(r.json()["latency_ms"])
    return wall, forward


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    tmp = Path(tempfile.mkdtemp(prefix="tc-bench-inference-"))
    (tmp / "uploads" / "bench").mkdir(parents=True)
    settings = Settings(
        data_dir=tmp, database_url=None, static_dir=tmp / "static", examples_dir=ROOT / "examples", max_queued_runs=100
    )
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.runner.stop()  # nothing trains: the runs stay queued, their checkpoints are written here
        with app.state.sessionmaker() as db:
            user = accounts.create_user(db, "bench", PASSWORD, admin=True)
            owner = user.id
        r = client.post("/api/v1/auth/login", json={"username": "bench", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        print(f"torch threads: {args.threads}")
        print(f"{'model':<12}{'input':<22}{'params':>12}{'p50 ms':>9}{'p99 ms':>9}{'forward p50':>13}")
        lenet = json.loads((ROOT / "examples" / "seed_lenet_bn.json").read_text())
        cases = [
            (
                "LeNet_bn",
                lenet,
                [
                    ("sample 0", {"json": {"sample": 0}}, 300),
                    ("PNG 64x64 upload", {"files": {"image": ("x.png", png((64, 64)), "image/png")}}, 300),
                ],
            ),
            (
                "ResNet-18",
                resnet18_doc(),
                [("PNG 224x224 upload", {"files": {"image": ("x.png", png((224, 224)), "image/png")}}, 60)],
            ),
        ]
        for name, doc, inputs in cases:
            graph = Graph.model_validate(doc)
            run_id = app.state.runner.submit(graph, name=name, owner_id=owner)
            model = build_model(graph)
            checkpoint = app.state.runner.run_dir(run_id) / "runs" / "checkpoint.pt"
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": model.state_dict()}, checkpoint)
            params = sum(p.numel() for p in model.parameters())
            for label, kwargs, n in inputs:
                wall, forward = measure(client, run_id, n, **kwargs)
                p50, p99 = percentiles(wall)
                print(f"{name:<12}{label:<22}{params:>12,}{p50:>9.2f}{p99:>9.2f}{statistics.median(forward):>13.2f}")


if __name__ == "__main__":
    main()
