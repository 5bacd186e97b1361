"""Segmentation end to end in generated code: every loss and augmentation runs a train step; the
metrics agree with a hand-written reference; geometric transforms move the mask with the image
and colour transforms leave it alone; the check names the output node when its shape is wrong."""

from __future__ import annotations

import ast
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

from tests.unit.test_train_script import WORKER, _check_run, _write
from torchcanvas.catalog.training import build_transforms, resolve_training, transform_kwargs
from torchcanvas.codegen.shapes import make_shapes
from torchcanvas.codegen.train_py import render_train_py
from torchcanvas.graph.model import Graph, TrainingConfig
from torchcanvas.shapes import check

# Fully convolutional: the output has the input's height and width, whatever a transform made them.
SEG = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, {out}, 1))

    def forward(self, x):
        return self.f(x)
"""
SMALL = {"type": "Shapes", "params": {"n_samples": 40, "size": 32}}
BINARY = {"type": "Shapes", "params": {"n_samples": 40, "size": 32, "shapes": "circle"}}

# Every transform that keeps a 3-channel image, with params that make it act (p=1 where it has p).
GEOMETRIC: dict[str, dict[str, Any]] = {
    "RandomHorizontalFlip": {"p": 1.0},
    "RandomVerticalFlip": {"p": 1.0},
    "RandomRotation": {"degrees": [90.0, 90.0]},
    "RandomAffine": {"degrees": [0.0, 0.0], "translate": [0.2, 0.2]},
    "RandomPerspective": {"p": 1.0, "distortion_scale": 0.4},
    "RandomResizedCrop": {"size": [32, 32], "scale": [0.5, 0.9]},
    "RandomCrop": {"size": [32, 32], "padding": 6},
    "Pad": {"padding": 4},
    "CenterCrop": {"size": [24, 24]},
    "Resize": {"size": [48, 48]},
}
COLOUR: dict[str, dict[str, Any]] = {
    "ColorJitter": {"brightness": 0.5, "contrast": 0.5, "saturation": 0.5, "hue": 0.2},
    "Grayscale": {"num_output_channels": "3"},
    "RandomGrayscale": {"p": 1.0},
    "Normalize": {"mean": [0.5], "std": [0.25]},
    "RandomErasing": {"p": 1.0},
}


def _configs() -> dict[str, tuple[str, dict[str, Any]]]:
    c: dict[str, tuple[str, dict[str, Any]]] = {
        "seg-ce": (SEG.format(out=4), {"dataset": SMALL, "loss": {"type": "CrossEntropyLoss"}}),
        "seg-ce-params": (
            SEG.format(out=4),
            {"dataset": SMALL, "loss": {"type": "CrossEntropyLoss", "params": {"label_smoothing": 0.1}}},
        ),
        "seg-bce-binary": (SEG.format(out=1), {"dataset": BINARY, "loss": {"type": "BCEWithLogitsLoss"}}),
        "seg-dice-binary": (SEG.format(out=1), {"dataset": BINARY, "loss": {"type": "DiceLoss"}}),
        "seg-dice": (SEG.format(out=4), {"dataset": SMALL, "loss": {"type": "DiceLoss", "params": {"smooth": 0.5}}}),
        "seg-ce-binary-2ch": (SEG.format(out=2), {"dataset": BINARY, "loss": {"type": "CrossEntropyLoss"}}),
        "seg-plateau": (
            SEG.format(out=4),
            {"dataset": SMALL, "loss": {"type": "CrossEntropyLoss"}, "scheduler": {"type": "ReduceLROnPlateau"}},
        ),
    }
    # Every augmentation, on the train split; the sizes all end at 32x32 so that batches stack.
    chain = [{"type": n, "params": p} for n, p in {**GEOMETRIC, **COLOUR}.items() if n not in ("CenterCrop", "Resize")]
    chain += [{"type": "Resize", "params": {"size": [32, 32]}}]
    c["seg-augment-all"] = (
        SEG.format(out=4),
        {"dataset": SMALL, "loss": {"type": "CrossEntropyLoss"}, "train_transforms": chain},
    )
    # A transform that changes the size on both splits: the model's output follows (24x24).
    resize = [{"type": "CenterCrop", "params": {"size": [24, 24]}}]
    c["seg-crop-both"] = (
        SEG.format(out=4),
        {"dataset": SMALL, "loss": {"type": "CrossEntropyLoss"}, "train_transforms": resize, "test_transforms": resize},
    )
    return c


@pytest.mark.slow
def test_every_segmentation_option_trains_through_generated_code(tmp_path: Path) -> None:
    dirs = {name: _write(tmp_path, name, model, training) for name, (model, training) in _configs().items()}
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps([str(d) for d in dirs.values()])],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.splitlines()[-1])
    failed = {n: results[str(d)].get("error") for n, d in dirs.items() if not results[str(d)]["ok"]}
    assert not failed, failed
    for d in dirs.values():
        _check_run(d, results[str(d)]["stdout"])
        epoch = next(json.loads(x) for x in results[str(d)]["stdout"].splitlines() if x.startswith('{"event"'))
        assert 0.0 <= epoch["test_miou"] <= 1.0 and 0.0 <= epoch["test_acc"] <= 1.0, epoch
    assert "class DiceLoss(nn.Module)" in (dirs["seg-dice"] / "train.py").read_text()
    assert "out[:, 0] > 0" in (dirs["seg-bce-binary"] / "train.py").read_text()


def test_generated_train_py_runs_as_a_script_with_progress(tmp_path: Path) -> None:
    d = _write(tmp_path, "seg-real", SEG.format(out=4), {"dataset": SMALL, "loss": {"type": "CrossEntropyLoss"}})
    proc = subprocess.run(
        [sys.executable, "train.py", "--epochs", "2", "--out", "runs", "--device", "cpu", "--progress"],
        cwd=d,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith('{"event"')]
    epochs = [e for e in events if e["event"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2] and all("test_miou" in e for e in epochs)
    confusion = next(e["matrix"] for e in events if e["event"] == "confusion")
    # 8 test images of 32x32: every test pixel is counted once.
    assert len(confusion) == 4 and sum(map(sum, confusion)) == 8 * 32 * 32


# ---- the metrics, against a hand-written reference ---------------------------------------------


def _metric_functions(num_classes: int, loss: str = "CrossEntropyLoss") -> dict[str, Any]:
    """confusion_matrix, pixel_accuracy, class_iou and mean_iou as the generated train.py defines them."""
    dataset = SMALL if num_classes == 4 else BINARY
    source = render_train_py(Graph.model_validate({"training": {"dataset": dataset, "loss": {"type": loss}}}), "Net")
    tree = ast.parse(source)
    wanted = {"confusion_matrix", "pixel_accuracy", "class_iou", "mean_iou"}
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    assert {d.name for d in defs} == wanted
    namespace: dict[str, Any] = {"torch": torch, "num_classes": num_classes}
    exec(compile(ast.Module(body=defs, type_ignores=[]), "train.py", "exec"), namespace)
    return namespace


def _reference(pred: torch.Tensor, y: torch.Tensor, classes: int) -> tuple[float, float, list[float]]:
    """Pixel accuracy and IoU per class, by boolean masks: |P and T| / |P or T| per class."""
    acc = (pred == y).float().mean().item()
    ious = []
    for c in range(classes):
        p, t = pred == c, y == c
        union = (p | t).sum().item()
        ious.append((p & t).sum().item() / union if union else float("nan"))
    present = [v for v in ious if v == v]
    return acc, sum(present) / len(present), ious


@pytest.mark.parametrize("seed", range(6))
def test_metrics_agree_with_a_hand_written_reference(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    classes = 4
    f = _metric_functions(classes)
    y = torch.randint(0, classes, (3, 16, 16), generator=g)
    pred = torch.where(torch.rand(3, 16, 16, generator=g) < 0.7, y, torch.randint(0, classes, (3, 16, 16), generator=g))
    if seed == 5:  # a class that occurs nowhere: it is left out of the mean, not counted as 0 or 1
        y[y == 3], pred[pred == 3] = 0, 0
    # Accumulated over batches, as evaluate() does.
    confusion = sum((f["confusion_matrix"](pred[i : i + 1], y[i : i + 1]) for i in range(3)), torch.zeros(4, 4).long())
    acc, miou, ious = _reference(pred, y, classes)
    assert f["pixel_accuracy"](confusion) == pytest.approx(acc, abs=1e-6)
    assert f["mean_iou"](confusion) == pytest.approx(miou, abs=1e-6)
    got = f["class_iou"](confusion).tolist()
    assert all((a != a and b != b) or a == pytest.approx(b, abs=1e-6) for a, b in zip(got, ious, strict=True))


def test_metrics_agree_with_torchmetrics() -> None:
    tm = pytest.importorskip("torchmetrics.functional.segmentation")
    g = torch.Generator().manual_seed(7)
    y = torch.randint(0, 4, (2, 16, 16), generator=g)
    pred = torch.where(torch.rand(2, 16, 16, generator=g) < 0.6, y, torch.randint(0, 4, (2, 16, 16), generator=g))
    f = _metric_functions(4)
    ours = f["class_iou"](f["confusion_matrix"](pred, y))
    # torchmetrics' per-image, per-class IoU; with one image the two definitions coincide.
    theirs = tm.mean_iou(pred[:1], y[:1], num_classes=4, input_format="index", per_class=True)[0]
    one = f["class_iou"](f["confusion_matrix"](pred[:1], y[:1]))
    assert torch.allclose(one.float(), theirs.float(), atol=1e-6)
    assert ours.shape == (4,)


# ---- the mask under transforms ----------------------------------------------------------------


def _square() -> tuple[tv_tensors.Image, tv_tensors.Mask]:
    """A bright 10x10 square (class 2) off-centre on a black 32x32 image, so every move shows."""
    image = torch.zeros(3, 32, 32, dtype=torch.uint8)
    mask = torch.zeros(32, 32, dtype=torch.int64)
    image[:, 4:14, 6:16] = 255
    mask[4:14, 6:16] = 2
    return tv_tensors.Image(image), tv_tensors.Mask(mask)


def _pipeline(name: str, params: dict[str, Any]) -> v2.Compose:
    """The train pipeline as generated train.py builds it: conversion, then the transform."""
    rt = resolve_training(
        TrainingConfig.model_validate(
            {
                "dataset": SMALL,
                "loss": {"type": "CrossEntropyLoss"},
                "train_transforms": [{"type": name, "params": params}],
            }
        )
    )
    t = rt.train_transforms[0]
    return v2.Compose(
        [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), getattr(v2, name)(**transform_kwargs(name, t.values))]
    )


@pytest.mark.parametrize("name", sorted(GEOMETRIC))
def test_geometric_transforms_move_the_mask_with_the_image(name: str) -> None:
    assert name in build_transforms()
    torch.manual_seed(0)
    image, mask = _square()
    out_image, out_mask = _pipeline(name, GEOMETRIC[name])(image, mask)
    assert isinstance(out_mask, tv_tensors.Mask) and out_mask.dtype == torch.int64
    assert out_mask.shape == out_image.shape[1:]
    assert set(out_mask.unique().tolist()) <= {0, 2}  # nearest: class ids never blend
    bright, labelled = out_image[0] > 0.5, out_mask == 2
    overlap = (bright & labelled).sum().item() / max(1, (bright | labelled).sum().item())
    assert overlap > 0.85, f"{name}: the mask and the square overlap {overlap:.2f}"
    if name not in ("Pad", "Resize", "CenterCrop"):  # these keep the square where it was, relative to the image
        assert not torch.equal(out_mask, mask), f"{name} did not move the mask"


@pytest.mark.parametrize("name", sorted(COLOUR))
def test_colour_transforms_leave_the_mask_alone(name: str) -> None:
    torch.manual_seed(0)
    image, mask = _square()
    out_image, out_mask = _pipeline(name, COLOUR[name])(image, mask)
    assert torch.equal(out_mask, mask) and out_mask.dtype == torch.int64
    assert not torch.equal(out_image, v2.ToDtype(torch.float32, scale=True)(image)), f"{name} did not change the image"


def test_the_generated_dataset_class_transforms_image_and_mask_together(tmp_path: Path) -> None:
    """ShapesMasks from a rendered train.py, with a flip: mask and image flip together."""
    source = render_train_py(
        Graph.model_validate(
            {
                "training": {
                    "dataset": SMALL,
                    "loss": {"type": "CrossEntropyLoss"},
                    "train_transforms": [{"type": "RandomHorizontalFlip", "params": {"p": 1.0}}],
                }
            }
        ),
        "Net",
    )
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ShapesMasks")
    ns: dict[str, Any] = {"torch": torch, "tv_tensors": tv_tensors, "Dataset": torch.utils.data.Dataset}
    exec(compile(ast.Module(body=[cls], type_ignores=[]), "train.py", "exec"), ns)
    images, masks, _, _ = make_shapes(2, size=32, seed=3)
    flip = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.RandomHorizontalFlip(p=1.0)])
    x, y = ns["ShapesMasks"](images, masks, flip)[0]
    assert type(y) is torch.Tensor and torch.equal(y, masks[0].flip(-1))
    assert torch.allclose(x, images[0].flip(-1).float() / 255)


# ---- the check -----------------------------------------------------------------------------------


def _graph(out_channels: int, dataset: dict[str, Any], loss: str, pool: bool = False) -> Graph:
    size = dataset["params"]["size"]
    layers = [("conv", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1})]
    if pool:
        layers.append(("pool", "MaxPool2d", {"kernel_size": 2}))
    layers.append(("head", "Conv2d", {"out_channels": out_channels, "kernel_size": 1}))
    ids = ["x", *(i for i, _, _ in layers), "y"]
    return Graph.model_validate(
        {
            "nodes": [
                {"id": "x", "kind": "input", "shape": ["B", 3, size, size]},
                *({"id": i, "kind": "layer", "type": t, "params": p} for i, t, p in layers),
                {"id": "y", "kind": "output", "name": "scores"},
            ],
            "edges": [
                {"source": {"node": a, "port": "out"}, "target": {"node": b, "port": "in"}}
                for a, b in itertools.pairwise(ids)
            ],
            "training": {"dataset": dataset, "loss": {"type": loss}},
        }
    )


def test_check_accepts_the_right_output_and_names_the_output_node_otherwise() -> None:
    assert check(_graph(4, SMALL, "CrossEntropyLoss")).ok
    assert check(_graph(1, BINARY, "BCEWithLogitsLoss")).ok
    assert check(_graph(1, BINARY, "DiceLoss")).ok
    assert check(_graph(4, SMALL, "DiceLoss")).ok

    issues = check(_graph(3, SMALL, "CrossEntropyLoss")).issues
    assert len(issues) == 1 and issues[0].node == "y"
    assert "'scores'" in issues[0].message and "(B, 4, 32, 32)" in issues[0].message
    assert "Conv2d(out_channels=4, kernel_size=1)" in (issues[0].fix or "")

    issues = check(_graph(4, SMALL, "CrossEntropyLoss", pool=True)).issues
    assert issues[0].node == "y" and "(B, 4, 16, 16)" in issues[0].message and "upsample" in (issues[0].fix or "")

    issues = check(_graph(4, BINARY, "BCEWithLogitsLoss")).issues
    assert issues[0].node == "y" and "one logit per pixel" in issues[0].message

    issues = check(_graph(1, SMALL, "BCEWithLogitsLoss")).issues
    assert issues[0].param == "training.loss" and "shapes" in (issues[0].fix or "")


def test_a_classification_loss_or_multi_crop_is_refused_with_a_fix() -> None:
    issues = check(_graph(4, SMALL, "MSELoss")).issues
    assert issues[0].param == "training.loss" and "CrossEntropyLoss" in (issues[0].fix or "")
    g = _graph(4, SMALL, "CrossEntropyLoss")
    g.training.train_transforms = [g.training.loss.model_validate({"type": "TenCrop", "params": {"size": [24, 24]}})]
    issues = check(g).issues
    assert any(i.param == "training.train_transforms[0]" and "one mask" in i.message for i in issues)


def test_a_shapes_set_too_big_for_memory_is_refused_before_it_is_generated() -> None:
    big = {"type": "Shapes", "params": {"n_samples": 20_000, "size": 256}}
    issues = check(_graph(4, {"type": "Shapes", "params": {**big["params"]}}, "CrossEntropyLoss")).issues
    assert issues[0].param == "training.dataset.n_samples" and "lower n_samples to 762" in (issues[0].fix or "")
