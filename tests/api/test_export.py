from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from fastapi.testclient import TestClient

from tests.codegen_utils import random_inputs
from torchcanvas.codegen import export_onnx
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import build_model

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))
# float32 through two runtimes that order their sums differently. Measured at batch 3 with these
# inputs: the largest difference over the 10 examples is 2.8e-7 (seed_dropout_scale), most are
# below 1.2e-7.
ATOL = 1e-6


def test_onnx(client: TestClient, graph: dict[str, Any]) -> None:
    r = client.post("/api/v1/export/onnx", json=graph)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="mlp.onnx"'
    model = onnx.load_model_from_string(r.content)
    assert [n.op_type for n in model.graph.node].count("Gemm") == 2


def test_onnx_of_a_broken_graph_is_422(client: TestClient, graph: dict[str, Any]) -> None:
    graph["edges"].pop()  # the output is left unconnected
    r = client.post("/api/v1/export/onnx", json=graph)
    assert r.status_code == 422
    assert r.json()["issues"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_onnx_runs_and_agrees_with_torch(path: Path) -> None:
    """The exported file, run by onnxruntime at another batch size than the export's (the batch
    dimension is dynamic), gives the in-memory model's outputs."""
    graph = Graph.model_validate_json(path.read_text())
    torch.manual_seed(0)
    data = export_onnx(graph)
    torch.manual_seed(0)  # the same draws, so the same initial weights as the exported model
    model = build_model(graph).eval()

    xs = random_inputs(graph, batch=3)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), xs, strict=True)}
    got = session.run(None, feeds)
    with torch.no_grad():
        out = model(*xs)
    want = [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0, atol=ATOL)
