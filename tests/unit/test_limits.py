"""Each limit of torchcanvas.limits, just inside and just outside; real models well inside the defaults."""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import pytest

from bench.graphs import _Builder, wide
from torchcanvas.catalog.preview import preview
from torchcanvas.codegen import export_onnx, generate
from torchcanvas.graph.model import Choice, Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.limits import LimitExceeded, Limits
from torchcanvas.shapes import CheckResult, IssueModel, check
from torchcanvas.shapes.cost import analyze_within, instances, onnx_bytes


def chain(shape: list[Any], *layers: tuple[str, dict[str, Any]], **training: Any) -> dict[str, Any]:
    """x -> layers... -> y, with the given training config."""
    b = _Builder("Net", shape)
    h = "x"
    for i, (type_, params) in enumerate(layers):
        h = b.add(f"l{i}", type_, h, **params)
    doc = b.finish(h)
    doc["training"] = training or {"dataset": {"type": "RandomRegression"}}
    return doc


def nested(levels: int, uses: int, width: int = 4) -> dict[str, Any]:
    """Module L{k} chains ``uses`` instances of L{k-1}; L0 is one Linear. The graph uses the top one."""

    def body(inner: str | None) -> dict[str, Any]:
        nodes: list[dict[str, Any]] = [{"id": "in", "kind": "input", "shape": ["B", width]}]
        if inner is None:
            nodes.append({"id": "m0", "kind": "layer", "type": "Linear", "params": {"out_features": width}})
        else:
            nodes += [{"id": f"m{i}", "kind": "module", "module": inner} for i in range(uses)]
        nodes.append({"id": "out", "kind": "output"})
        ids = [n["id"] for n in nodes]
        edges = [{"source": {"node": a, "port": "out"}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
        return {"nodes": nodes, "edges": edges}

    modules = [{"name": "L0", **body(None)}] + [{"name": f"L{k}", **body(f"L{k - 1}")} for k in range(1, levels)]
    top = body(f"L{levels - 1}")
    top["nodes"] = [top["nodes"][0], {"id": "top", "kind": "module", "module": f"L{levels - 1}"}, top["nodes"][-1]]
    top["edges"] = [{"source": {"node": "in", "port": "out"}, "target": {"node": "top", "port": "in"}},
                    {"source": {"node": "top", "port": "out"}, "target": {"node": "out", "port": "in"}}]
    return {"name": "Nested", "modules": modules, **top, "training": {"dataset": {"type": "RandomRegression"}}}


def images(*transforms: dict[str, Any], dataset: str = "LFWFaces", field: str = "train_transforms") -> dict[str, Any]:
    doc = chain(["B", 3, 32, 32], ("Flatten", {}), ("Linear", {"out_features": 2}))
    doc["training"] = {"dataset": {"type": dataset}, "loss": {"type": "CrossEntropyLoss"}, field: list(transforms)}
    return doc


def errors(r: CheckResult) -> list[IssueModel]:
    return [i for i in r.issues if i.severity == "error"]


def assert_refused(doc: dict[str, Any], limits: Limits, limit: str, where: str) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as e:
        check(Graph.model_validate(doc), limits)
    assert e.value.limit == limit and where in e.value.where, e.value.as_dict()
    assert limit in str(e.value) and e.value.fix
    return e.value


# ---- max_module_instances ----------------------------------------------------------------------------


def test_module_instances_are_counted_without_expanding() -> None:
    # 2 levels of 3 uses: L0 has 3 nodes, L1 has 2 + 3 * (1 + 3) = 14, the top 2 + (1 + 14) = 17.
    assert instances(Graph.model_validate(nested(2, 3)))[0] == 17
    # 7 levels of 8 uses is millions of instances, counted in microseconds.
    assert instances(Graph.model_validate(nested(7, 8)))[0] > 1_000_000


def test_module_instances_just_inside_and_outside() -> None:
    doc = nested(3, 3)
    total = instances(Graph.model_validate(doc))[0]
    assert check(Graph.model_validate(doc), Limits(max_module_instances=total)).ok
    e = assert_refused(doc, Limits(max_module_instances=total - 1), "max_module_instances", "node 'top' (module L2")
    assert e.value == total


def test_a_nested_bomb_is_refused_before_the_shape_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import torchcanvas.shapes.infer as infer

    monkeypatch.setattr(infer, "analyze", lambda graph: pytest.fail("the document was expanded"))
    graph = Graph.model_validate(nested(7, 8))
    for entry in (check, generate, export_onnx):
        with pytest.raises(LimitExceeded):
            entry(graph)  # type: ignore[operator]


def test_a_module_that_contains_itself_is_counted_once() -> None:
    doc = nested(2, 2)
    doc["modules"][0]["nodes"][1] = {"id": "m0", "kind": "module", "module": "L1"}
    assert instances(Graph.model_validate(doc))[0] < 20
    assert any("contains itself" in i.message for i in check(Graph.model_validate(doc)).issues)


# ---- max_tensor_elements -----------------------------------------------------------------------------


def test_tensor_elements_just_inside_and_outside() -> None:
    doc = chain(["B", 4], ("Linear", {"out_features": 100}), ("Linear", {"out_features": 1}))
    assert check(Graph.model_validate(doc), Limits(max_tensor_elements=100)).ok
    r = check(Graph.model_validate(doc), Limits(max_tensor_elements=99))
    assert not r.ok
    assert [i.node for i in errors(r)] == ["l0"] and "max_tensor_elements" in errors(r)[0].message
    assert r.nodes["l0"].errors and not r.nodes["l1"].errors  # the editor marks that node
    with pytest.raises(GraphError):
        generate(Graph.model_validate(doc), Limits(max_tensor_elements=99))


def test_a_huge_input_is_an_error_on_the_input_node() -> None:
    doc = chain(["B", 1000, 1000, 1000], ("Flatten", {}))
    r = check(Graph.model_validate(doc))
    assert not r.ok and errors(r)[0].node == "x" and "max_tensor_elements" in errors(r)[0].message


def test_tensor_elements_inside_a_module() -> None:
    doc = nested(2, 2, width=10)
    limits = Limits(max_tensor_elements=9)
    r = check(Graph.model_validate(doc), limits)
    assert not r.ok and any(i.module in ("L0", "L1") for i in r.issues)


# ---- max_total_params -----------------------------------------------------------------------------


def test_total_params_just_inside_and_outside() -> None:
    doc = chain(["B", 4], ("Linear", {"out_features": 100}), ("Linear", {"out_features": 1}))  # 500 + 101
    assert check(Graph.model_validate(doc)).total_params == 601
    assert check(Graph.model_validate(doc), Limits(max_total_params=601)).ok
    r = check(Graph.model_validate(doc), Limits(max_total_params=600))
    assert not r.ok and [i.node for i in errors(r)] == ["l0"] and "max_total_params" in errors(r)[0].message


def test_a_layer_too_large_to_export_is_refused_by_its_size() -> None:
    # The issue's Linear(44000 -> 44000): 1.94e9 params, under the old per-layer bound.
    doc = chain(["B", 44000], ("Linear", {"out_features": 44000}))
    r = check(Graph.model_validate(doc))
    assert not r.ok and "max_total_params" in errors(r)[0].message
    with pytest.raises(GraphError):
        export_onnx(Graph.model_validate(doc))


# ---- max_image_pixels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("transforms,pixels,where", [
    ([{"type": "Resize", "params": {"size": [64, 32]}}], 64 * 32, "train_transforms[0]"),
    ([{"type": "Resize", "params": {"size": 40}}], 40 * 40, "train_transforms[0]"),
    ([{"type": "Pad", "params": {"padding": 4}}, {"type": "CenterCrop", "params": {"size": 32}}], 40 * 40,
     "train_transforms[0]"),
    ([{"type": "Pad", "params": {"padding": [1, 2, 3, 4]}}], 36 * 38, "train_transforms[0]"),
    ([{"type": "RandomCrop", "params": {"size": 32, "padding": 8}}], 48 * 48, "train_transforms[0]"),
    ([{"type": "RandomHorizontalFlip"}, {"type": "RandomResizedCrop", "params": {"size": 50}}], 2500,
     "train_transforms[1]"),
    ([{"type": "TenCrop", "params": {"size": [30, 60]}}], 1800, "train_transforms[0]"),
])
def test_image_pixels_just_inside_and_outside(transforms: list[dict[str, Any]], pixels: int, where: str) -> None:
    doc = images(*transforms)
    check(Graph.model_validate(doc), Limits(max_image_pixels=pixels))  # no LimitExceeded
    assert_refused(doc, Limits(max_image_pixels=pixels - 1), "max_image_pixels", f"training.{where}")


def test_the_test_pipeline_and_the_data_set_are_bounded_too() -> None:
    doc = images({"type": "Resize", "params": {"size": [12000, 12000]}}, field="test_transforms")
    assert_refused(doc, Limits(), "max_image_pixels", "training.test_transforms[0]")
    folder = images()
    folder["training"]["dataset"] = {"type": "ImageFolder", "params": {"image_size": 64}}
    assert_refused(folder, Limits(max_image_pixels=64 * 64 - 1), "max_image_pixels", "training.dataset.image_size")


def test_huge_resizes_are_refused_before_any_image_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    import torchcanvas.catalog.preview as p

    monkeypatch.setattr(p, "build_pipeline", lambda *a, **k: pytest.fail("a pipeline was built"))
    for size in (12000, 20000, [8000, 8000], 10**30):
        doc = images({"type": "Resize", "params": {"size": size}})
        with pytest.raises(LimitExceeded):
            check(Graph.model_validate(doc))
        with pytest.raises(LimitExceeded):
            preview(Choice(type="Digits"), [Choice(type="Resize", params={"size": size})])


def test_preview_just_inside_and_outside() -> None:
    resize = [Choice(type="Resize", params={"size": [16, 12]})]
    assert len(preview(Choice(type="Digits"), resize, n=1, limits=Limits(max_image_pixels=16 * 12))) == 1
    with pytest.raises(LimitExceeded) as e:
        preview(Choice(type="Digits"), resize, n=1, limits=Limits(max_image_pixels=16 * 12 - 1))
    assert e.value.where.startswith("transforms[0]")


# ---- max_onnx_bytes ------------------------------------------------------------------------------------


def test_onnx_bytes_just_inside_and_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = Graph.model_validate(chain(["B", 4], ("Linear", {"out_features": 3})))
    size = onnx_bytes(analyze_within(graph, Limits()))
    data = export_onnx(graph, limits=Limits(max_onnx_bytes=size))
    assert 0 < len(data) <= size  # the estimate is an upper bound for a small model

    import torch

    monkeypatch.setattr(torch.onnx, "export", lambda *a, **k: pytest.fail("exported"))
    with pytest.raises(LimitExceeded) as e:
        export_onnx(graph, limits=Limits(max_onnx_bytes=size - 1))
    assert e.value.limit == "max_onnx_bytes" and e.value.value == size


# ---- real models stay well inside the defaults ---------------------------------------------------------


def vit_large() -> dict[str, Any]:
    """ViT-L/16 at 224: a patch embedding, 24 encoder blocks (one module, used 24 times), a head."""
    block = chain(["B", 196, 1024], ("TransformerEncoderLayer", {"nhead": 16, "dim_feedforward": 4096,
                                                                 "batch_first": True, "norm_first": True}))
    doc = chain(["B", 3, 224, 224], ("Conv2d", {"out_channels": 1024, "kernel_size": 16, "stride": 16}),
                ("Flatten", {"start_dim": 2}), ("Transpose", {"dim0": 1, "dim1": 2}))
    doc["modules"] = [{"name": "Block", "nodes": block["nodes"], "edges": block["edges"]}]
    last = "l2"
    for i in range(24):
        doc["nodes"].insert(-1, {"id": f"block{i}", "kind": "module", "module": "Block"})
        port = "out" if i == 0 else "y"  # a module's ports are its input and output nodes' ids
        doc["edges"].insert(-1, {"source": {"node": last, "port": port}, "target": {"node": f"block{i}", "port": "x"}})
        last = f"block{i}"
    doc["nodes"][-1:-1] = [{"id": "pool", "kind": "layer", "type": "Mean", "params": {"dims": [1]}},
                           {"id": "head", "kind": "layer", "type": "Linear", "params": {"out_features": 1000}}]
    doc["edges"][-1:] = [
        {"source": {"node": last, "port": "y"}, "target": {"node": "pool", "port": "in"}},
        {"source": {"node": "pool", "port": "out"}, "target": {"node": "head", "port": "in"}},
        {"source": {"node": "head", "port": "out"}, "target": {"node": "y", "port": "in"}},
    ]
    return doc


def resnet152() -> dict[str, Any]:
    b = _Builder("ResNet152", ["B", 3, 224, 224])
    h = b.add("conv1", "Conv2d", "x", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)
    h = b.add("pool1", "MaxPool2d", b.add("relu", "ReLU", b.add("bn1", "BatchNorm2d", h)), kernel_size=3, stride=2, padding=1)
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 8, 2), (256, 36, 2), (512, 3, 2)], start=1):
        for i in range(blocks):
            p, s, identity = f"s{stage}b{i}", stride if i == 0 else 1, h
            h = b.add(p + "relu1", "ReLU", b.add(p + "bn1", "BatchNorm2d", b.add(p + "conv1", "Conv2d", h, out_channels=width, kernel_size=1, bias=False)))
            h = b.add(p + "relu2", "ReLU", b.add(p + "bn2", "BatchNorm2d", b.add(p + "conv2", "Conv2d", h, out_channels=width, kernel_size=3, stride=s, padding=1, bias=False)))
            h = b.add(p + "bn3", "BatchNorm2d", b.add(p + "conv3", "Conv2d", h, out_channels=width * 4, kernel_size=1, bias=False))
            if i == 0:
                identity = b.add(p + "down_bn", "BatchNorm2d", b.add(p + "down", "Conv2d", identity, out_channels=width * 4, kernel_size=1, stride=s, bias=False))
            h = b.add(p + "relu3", "ReLU", b.add(p + "add", "Add", [h, identity]))
    h = b.add("fc", "Linear", b.add("flatten", "Flatten", b.add("avgpool", "AdaptiveAvgPool2d", h, output_size=1)), out_features=1000)
    return b.finish(h)


@pytest.mark.parametrize("build,params", [(vit_large, 303_000_000), (resnet152, 60_000_000), (wide, 0)])
def test_real_models_stay_well_inside_the_defaults(build: Any, params: int) -> None:
    graph = Graph.model_validate(build())
    limits = Limits()
    a = analyze_within(graph, limits)
    assert a.ok, a.issues[:3]
    total = sum(i.n_params for i in a.top.infos.values())
    assert total >= params
    assert total < limits.max_total_params / 3
    assert instances(graph)[0] < limits.max_module_instances / 10
    assert onnx_bytes(a) < limits.max_onnx_bytes
    bodies = [a.top, *(b for inst in a.module_instances.values() for b in inst)]
    biggest = max(math.prod(m.shape[1:]) for body in bodies for info in body.infos.values() for m in info.outputs.values())
    assert biggest < limits.max_tensor_elements / 10


def test_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from torchcanvas.settings import Settings

    monkeypatch.setenv("TORCHCANVAS_LIMITS__MAX_IMAGE_PIXELS", "1234")
    assert Settings().limits.max_image_pixels == 1234
    assert copy.deepcopy(Limits()).max_module_instances == Limits().max_module_instances
