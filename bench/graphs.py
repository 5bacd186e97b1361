"""Large graph documents for benchmarks: a ResNet-50-sized graph and a 1,000-node graph."""

from __future__ import annotations

from typing import Any


class _Builder:
    def __init__(self, name: str, shape: list[Any]):
        self.doc: dict[str, Any] = {"name": name, "nodes": [{"id": "x", "kind": "input", "shape": shape}], "edges": []}
        self.y = 0

    def add(self, nid: str, type_: str, src: str | list[str], **params: Any) -> str:
        self.y += 120
        self.doc["nodes"].append({"id": nid, "kind": "layer", "type": type_, "params": params,
                                  "position": {"x": 0, "y": self.y}})
        srcs = [src] if isinstance(src, str) else src
        ports = ["in"] if len(srcs) == 1 else [f"in{i}" for i in range(len(srcs))]
        for s, p in zip(srcs, ports, strict=True):
            self.doc["edges"].append({"source": {"node": s, "port": "out"}, "target": {"node": nid, "port": p}})
        return nid

    def finish(self, src: str) -> dict[str, Any]:
        self.doc["nodes"].append({"id": "y", "kind": "output"})
        self.doc["edges"].append({"source": {"node": src}, "target": {"node": "y", "port": "in"}})
        return self.doc


def resnet50() -> dict[str, Any]:
    """torchvision's resnet50 as a flat graph: 177 nodes."""
    b = _Builder("ResNet50", ["B", 3, 224, 224])
    h = b.add("conv1", "Conv2d", "x", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)
    h = b.add("bn1", "BatchNorm2d", h)
    h = b.add("relu", "ReLU", h)
    h = b.add("maxpool", "MaxPool2d", h, kernel_size=3, stride=2, padding=1)
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for i in range(blocks):
            p = f"layer{stage}_{i}_"
            s = stride if i == 0 else 1
            identity = h
            h = b.add(p + "conv1", "Conv2d", h, out_channels=width, kernel_size=1, bias=False)
            h = b.add(p + "bn1", "BatchNorm2d", h)
            h = b.add(p + "relu1", "ReLU", h)
            h = b.add(p + "conv2", "Conv2d", h, out_channels=width, kernel_size=3, stride=s, padding=1, bias=False)
            h = b.add(p + "bn2", "BatchNorm2d", h)
            h = b.add(p + "relu2", "ReLU", h)
            h = b.add(p + "conv3", "Conv2d", h, out_channels=width * 4, kernel_size=1, bias=False)
            h = b.add(p + "bn3", "BatchNorm2d", h)
            if i == 0:
                identity = b.add(p + "down_conv", "Conv2d", identity, out_channels=width * 4, kernel_size=1, stride=s, bias=False)
                identity = b.add(p + "down_bn", "BatchNorm2d", identity)
            h = b.add(p + "add", "Add", [h, identity])
            h = b.add(p + "relu3", "ReLU", h)
    h = b.add("avgpool", "AdaptiveAvgPool2d", h, output_size=1)
    h = b.add("flatten", "Flatten", h)
    h = b.add("fc", "Linear", h, out_features=1000)
    return b.finish(h)


def wide(n_nodes: int = 1000) -> dict[str, Any]:
    """A deep residual conv net of about ``n_nodes`` nodes, with a classifier head."""
    b = _Builder("Deep", ["B", 16, 32, 32])
    h = "x"
    i = 0
    while len(b.doc["nodes"]) < n_nodes - 5:
        identity = h
        h = b.add(f"conv{i}a", "Conv2d", h, out_channels=16, kernel_size=3, padding=1)
        h = b.add(f"bn{i}a", "BatchNorm2d", h)
        h = b.add(f"relu{i}a", "ReLU", h)
        h = b.add(f"conv{i}b", "Conv2d", h, out_channels=16, kernel_size=3, padding=1)
        h = b.add(f"add{i}", "Add", [h, identity])
        i += 1
    h = b.add("pool", "AdaptiveAvgPool2d", h, output_size=1)
    h = b.add("flatten", "Flatten", h)
    h = b.add("fc", "Linear", h, out_features=10)
    return b.finish(h)
