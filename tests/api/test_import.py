"""POST /api/v1/import: torchvision models by name, built on the meta device, never user code."""

from __future__ import annotations

import torch
import torchvision
from fastapi.testclient import TestClient

from torchcanvas.graph.model import Graph
from torchcanvas.shapes import build_model


def test_import_resnet18(client: TestClient) -> None:
    r = client.post("/api/v1/import", json={"source": "torchvision:resnet18", "input_shape": [3, 64, 64]})
    assert r.status_code == 200, r.text
    body = r.json()
    source = torchvision.models.resnet18()
    assert body["params"] == sum(p.numel() for p in source.parameters())
    assert body["flops"] > 0 and body["issues"] == []
    graph = Graph.model_validate(body["graph"])
    assert graph.nodes[0].shape == ["B", 3, 64, 64]  # type: ignore[union-attr]
    # Built on the meta device, the document is the same as one imported from real weights: the
    # original state_dict loads strictly into it.
    model = build_model(graph)
    model.load_state_dict(source.state_dict(), strict=True)
    assert model(torch.randn(1, 3, 64, 64)).shape == (1, 1000)


def test_zoo_lists_torchvision_classification_models(client: TestClient) -> None:
    models = {m["name"]: m for m in client.get("/api/v1/import/torchvision").json()}
    assert {"resnet18", "vit_b_16", "densenet121"} <= set(models)
    assert models["inception_v3"]["input_shape"] == [3, 299, 299]
    assert "fasterrcnn_resnet50_fpn" not in models  # detection: not a classification model


def test_unknown_model_is_404_and_other_sources_are_refused(client: TestClient) -> None:
    r = client.post("/api/v1/import", json={"source": "torchvision:resnet7"})
    assert r.status_code == 404 and "resnet7" in r.json()["detail"]
    for source in ("model.py:Net", "torchvision:os.system", "torchvision:../x"):
        assert client.post("/api/v1/import", json={"source": source}).status_code == 422


def test_a_model_that_cannot_be_imported_is_422_with_the_blocking_op(client: TestClient) -> None:
    r = client.post("/api/v1/import", json={"source": "torchvision:swin_t"})
    assert r.status_code == 422
    assert "relative_position_index" in r.json()["detail"] and "swin_transformer.py:" in r.json()["detail"]


def test_import_of_a_model_that_computes_its_widths_with_tensors(client: TestClient) -> None:
    """RegNet calls .tolist() on tensors in __init__: only its weights may go to the meta device."""
    r = client.post("/api/v1/import", json={"source": "torchvision:regnet_x_400mf", "input_shape": [3, 64, 64]})
    assert r.status_code == 200, r.text
    assert r.json()["params"] == sum(p.numel() for p in torchvision.models.regnet_x_400mf().parameters())
    # The meta device stays with the import: a model built afterwards has real weights.
    assert not torchvision.models.resnet18().fc.weight.is_meta
