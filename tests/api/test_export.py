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
from torchcanvas.codegen import onnx_export
from torchcanvas.codegen.onnx_export import export_verified
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.shapes import build_model

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))
# float32 through two runtimes that order their sums differently. Measured at batch 3 with these
# inputs: the largest difference over the examples is 4.8e-7 (seed_dropout_scale), most are
# below 1.2e-7.
ATOL = 1e-6
# The exporter each example takes: dynamo (torch.export) for all of them today. A model that
# moves to the TorchScript fallback after a torch upgrade shows up here.
EXPORTER = {
    "detect_shapes_fcos": "dynamo",
    "fcn_shapes": "dynamo",
    "lstm_classifier": "dynamo",
    "nested_blocks": "dynamo",
    "resnet_basic_block": "dynamo",
    "seed_dropout_scale": "dynamo",
    "seed_lenet": "dynamo",
    "seed_lenet_bn": "dynamo",
    "seed_mlp_dropout": "dynamo",
    "seed_mlp_weight_decay": "dynamo",
    "transformer_encoder": "dynamo",
    "unet_shapes": "dynamo",
    "unet_tiny": "dynamo",
}


def test_every_example_has_an_expected_exporter() -> None:
    assert sorted(EXPORTER) == [p.stem for p in EXAMPLES]


def test_onnx(client: TestClient, graph: dict[str, Any]) -> None:
    r = client.post("/api/v1/export/onnx", json=graph)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="mlp.onnx"'
    assert r.headers["x-onnx-exporter"] == "dynamo"
    assert float(r.headers["x-onnx-max-abs-diff"]) <= float(r.headers["x-onnx-atol"]) == onnx_export.ATOL
    assert "verified with onnxruntime" in r.headers["x-onnx-verification"]
    model = onnx.load_model_from_string(r.content)
    assert [n.op_type for n in model.graph.node].count("Gemm") == 2


def test_onnx_of_a_broken_graph_is_422(client: TestClient, graph: dict[str, Any]) -> None:
    graph["edges"].pop()  # the output is left unconnected
    r = client.post("/api/v1/export/onnx", json=graph)
    assert r.status_code == 422
    assert r.json()["issues"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_onnx_runs_and_agrees_with_torch(path: Path) -> None:
    """The file exported from the generated model.py with build_model's weights, run by
    onnxruntime at another batch size than the export's (the batch dimension is dynamic), gives
    build_model's outputs: two independent paths from the graph agree. The exporter taken is the
    one listed, and the report says so, with its tolerance."""
    graph = Graph.model_validate_json(path.read_text())
    torch.manual_seed(0)
    model = build_model(graph).eval()
    exported = export_verified(graph, state_dict=model.state_dict())
    report = exported.verification
    assert report.exporter == EXPORTER[path.stem], report.fallback_reason
    assert report.passed and report.max_abs_diff <= ATOL
    assert (report.atol, report.rtol, report.batch) == (onnx_export.ATOL, onnx_export.RTOL, onnx_export.VERIFY_BATCH)
    onnx.checker.check_model(onnx.load_from_string(exported.data))

    xs = random_inputs(graph, batch=5)
    session = ort.InferenceSession(exported.data, providers=["CPUExecutionProvider"])
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), xs, strict=True)}
    got = session.run(None, feeds)
    with torch.no_grad():
        out = model(*xs)
    want = [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0, atol=ATOL)


def test_a_model_dynamo_cannot_capture_falls_back_to_torchscript(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = Graph.model_validate_json((EXAMPLES[0].parent / "seed_lenet_bn.json").read_text())

    def refuse(*a: Any, **k: Any) -> bytes:
        raise RuntimeError("torch.export could not capture it\nmore lines")

    monkeypatch.setattr(onnx_export, "_dynamo", refuse)
    report = export_verified(graph).verification
    assert report.exporter == "torchscript" and report.passed
    assert report.fallback_reason == "dynamo: RuntimeError: torch.export could not capture it"


def test_a_file_that_does_not_verify_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime disagreeing with torch past the tolerance: no file, and the message says by how much."""
    graph = Graph.model_validate_json((EXAMPLES[0].parent / "seed_mlp_dropout.json").read_text())
    monkeypatch.setattr(onnx_export, "ATOL", 0.0)
    monkeypatch.setattr(onnx_export, "RTOL", 0.0)
    real = onnx_export._dynamo

    def off(model: torch.nn.Module, *a: Any) -> bytes:
        with torch.no_grad():
            next(model.parameters()).add_(1e-3)  # the exported weights differ from the verified model's
        try:
            return real(model, *a)
        finally:
            with torch.no_grad():
                next(model.parameters()).sub_(1e-3)

    monkeypatch.setattr(onnx_export, "_dynamo", off)
    monkeypatch.setattr(onnx_export, "_torchscript", off)
    with pytest.raises(GraphError) as e:
        export_verified(graph)
    assert "NOT verified" in e.value.issues[0].message and "max |onnx - torch|" in e.value.issues[0].message
