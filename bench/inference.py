"""Inference studio figures: warm predict latency on the server, p50 and p99, for the seed's
LeNet_bn and a ResNet-18-sized model (torchvision's resnet18 imported as a graph, 224x224).

Each request goes through the real app in process (routing, the CPU pool, preprocessing, the
forward pass, the JSON answer): the figure a user's browser sees, less the network. The model's
checkpoint is an untrained one written here: latency does not depend on the weights.
Goal: p50 <= 15 ms for LeNet_bn.

The browser half: the same models exported as the studio exports them (codegen/onnx_export.py,
verified with onnxruntime), run in headless Chromium by onnxruntime-web (wasm, one thread, as the
studio runs it) from web/node_modules, served from a local folder. It times the forward pass
(``session.run`` on a tensor), warm, the figure beside the server's "forward p50".

Run: .venv/bin/python bench/inference.py [--threads N] [--no-browser]. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, ClassVar

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


PAGE = """<!doctype html><meta charset="utf-8"><script type="module">
import * as ort from "./ort.wasm.bundle.min.mjs";
ort.env.wasm.wasmPaths = { wasm: "./ort-wasm-simd-threaded.wasm" };
ort.env.wasm.numThreads = 1;
window.bench = async (file, shape, n) => {
  const bytes = new Uint8Array(await (await fetch(file)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new ort.Tensor("float32", Float32Array.from({ length: size }, (_, i) => Math.sin(i)), shape);
  const feeds = { [session.inputNames[0]]: x };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await session.run(feeds); times.push(performance.now() - t); }
  return times;
};
window.ready = true;
</script>"""


def browser_latency(models: list[tuple[str, Graph, dict[str, torch.Tensor], list[int], int]]) -> None:
    """Each model's warm forward pass in headless Chromium with onnxruntime-web."""
    import functools
    import http.server
    import shutil
    import threading

    from torchcanvas.codegen.onnx_export import export_verified

    dist = ROOT / "web" / "node_modules" / "onnxruntime-web" / "dist"
    if not (dist / "ort-wasm-simd-threaded.wasm").is_file():
        print(f"browser: skipped, onnxruntime-web is not installed in {dist.parent.parent}")
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: skipped, playwright is not installed")
        return
    folder = Path(tempfile.mkdtemp(prefix="tc-bench-ort-web-"))
    for name in ("ort.wasm.bundle.min.mjs", "ort-wasm-simd-threaded.wasm"):
        shutil.copyfile(dist / name, folder / name)
    (folder / "index.html").write_text(PAGE)
    rows = []
    for name, graph, state, shape, n in models:
        exported = export_verified(graph, state)
        (folder / f"{name}.onnx").write_bytes(exported.data)
        rows.append((name, shape, n, exported.verification.exporter, len(exported.data)))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        extensions_map: ClassVar[dict[str, str]] = {
            **http.server.SimpleHTTPRequestHandler.extensions_map,
            ".mjs": "text/javascript",
            ".wasm": "application/wasm",
        }

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    exe = os.environ.get("TORCHCANVAS_CHROMIUM", "/usr/bin/chromium")
    print("\nbrowser: headless Chromium, onnxruntime-web (wasm, 1 thread), the forward pass alone, warm")
    print(f"{'model':<12}{'input':<22}{'exporter':>10}{'onnx kB':>10}{'p50 ms':>9}{'p99 ms':>9}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=exe or None, args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/index.html")
            page.wait_for_function("() => window.ready === true")
            for name, shape, n, exporter, size in rows:
                times = page.evaluate("([f, s, n]) => window.bench(f, s, n)", [f"{name}.onnx", shape, n])
                p50, p99 = percentiles(times)
                label = "x".join(map(str, shape))
                print(f"{name:<12}{label:<22}{exporter:>10}{size / 1024:>10.0f}{p50:>9.2f}{p99:>9.2f}")
            browser.close()
    finally:
        httpd.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch threads")
    parser.add_argument("--no-browser", action="store_true", help="the server figures only")
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
        onnx_models = []
        for name, doc, inputs in cases:
            graph = Graph.model_validate(doc)
            run_id = app.state.runner.submit(graph, name=name, owner_id=owner)
            model = build_model(graph)
            checkpoint = app.state.runner.run_dir(run_id) / "runs" / "checkpoint.pt"
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": model.state_dict()}, checkpoint)
            params = sum(p.numel() for p in model.parameters())
            shape = [1, *(int(d) for d in graph.inputs()[0].shape[1:])]
            onnx_models.append((name, graph, model.state_dict(), shape, 300 if name == "LeNet_bn" else 60))
            for label, kwargs, n in inputs:
                wall, forward = measure(client, run_id, n, **kwargs)
                p50, p99 = percentiles(wall)
                print(f"{name:<12}{label:<22}{params:>12,}{p50:>9.2f}{p99:>9.2f}{statistics.median(forward):>13.2f}")
    if not args.no_browser:
        browser_latency(onnx_models)


if __name__ == "__main__":
    main()
