"""Object detection end to end: the backbone check, train.py for every detector, boxes that move with
their image under every geometric transform, and mAP against a hand computation."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from torchcanvas.catalog.detection import DETECTORS
from torchcanvas.catalog.training import build_transforms, resolve_training
from torchcanvas.codegen import generate
from torchcanvas.codegen.detection import data_section
from torchcanvas.graph.model import Graph, TrainingConfig
from torchcanvas.shapes import build_model, check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _chain(layers: list[tuple[str, str, dict]], size: int = 32, training: dict | None = None) -> Graph:
    nodes: list[dict] = [{"id": "x", "kind": "input", "shape": ["B", 3, size, size]}]
    nodes += [{"id": i, "kind": "layer", "type": t, "params": p} for i, t, p in layers]
    nodes.append({"id": "features", "kind": "output"})
    ids = [n["id"] for n in nodes]
    edges = [{"source": {"node": a}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
    return Graph.model_validate({"name": "Tiny detector", "nodes": nodes, "edges": edges, "training": training or {}})


BACKBONE = [
    ("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
    ("relu1", "ReLU", {}),
    ("pool1", "MaxPool2d", {"kernel_size": 2}),
    ("conv2", "Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
    ("relu2", "ReLU", {}),
    ("pool2", "MaxPool2d", {"kernel_size": 2}),
]


def _training(detector: str = "FCOS", **extra: object) -> dict:
    return {
        "dataset": {"type": "ShapesDetection", "params": {"count": 12, "size": 32, "max_objects": 2}},
        "loss": {"type": "DetectorLoss", "params": {"detector": detector}},
        "optimizer": {"type": "Adam"},
        "lr": 0.001,
        "batch_size": 4,
        **extra,
    }


def test_the_backbone_must_end_in_a_feature_map_and_the_error_names_the_output_node():
    flat = _chain([*BACKBONE, ("flatten", "Flatten", {}), ("fc", "Linear", {"out_features": 10})], training=_training())
    issues = [i for i in check(flat).issues if i.node == "features"]
    assert issues, check(flat).issues
    assert "(B, 10)" in issues[0].message and "feature map (B, C, H', W')" in issues[0].message
    assert "Flatten" in (issues[0].fix or "")
    good = _chain(BACKBONE, training=_training())
    assert not [i for i in check(good).issues if i.severity != "info"], check(good).issues
    # FCOS's heads use GroupNorm(32, C): the check says so before train.py would fail.
    narrow = _chain([*BACKBONE, ("conv3", "Conv2d", {"out_channels": 24, "kernel_size": 1})], training=_training())
    issue = next(i for i in check(narrow).issues if i.node == "features")
    assert "GroupNorm(32, 24)" in issue.message and "out_channels=32" in (issue.fix or "")
    faster = _chain(
        [*BACKBONE, ("conv3", "Conv2d", {"out_channels": 24, "kernel_size": 1})], training=_training("FasterRCNN")
    )
    assert not [i for i in check(faster).issues if i.node == "features"]


def test_train_py_sets_out_channels_and_the_sizes_from_the_checked_shapes():
    files = generate(_chain(BACKBONE, training=_training("FasterRCNN")))
    src = files["train.py"]
    assert "backbone.out_channels = 32" in src  # (B, 32, 8, 8): conv2's channels
    assert "min_size=32" in src and "max_size=32" in src
    assert 'MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=2)' in src
    assert "box_nms_thresh=0.5" in src
    assert "torchmetrics" in files["requirements.txt"] and "pycocotools" in files["requirements.txt"]
    fcos = generate(_chain(BACKBONE, training=_training("FCOS")))["train.py"]
    # one anchor per position of the 8x8 map, as wide as the stride 32 / 8
    assert "AnchorGenerator(sizes=((4,),), aspect_ratios=((1.0,),))" in fcos and "nms_thresh=0.6" in fcos


def test_a_multi_crop_transform_is_refused_for_detection():
    from torchcanvas.graph.validate import GraphError

    with pytest.raises(GraphError) as e:
        resolve_training(
            TrainingConfig.model_validate(_training(train_transforms=[{"type": "TenCrop", "params": {"size": 16}}]))
        )
    assert e.value.issues[0].param == "training.train_transforms[0]"


@pytest.mark.slow
@pytest.mark.parametrize("detector", DETECTORS)
def test_every_detector_trains_one_epoch_through_its_generated_train_py(tmp_path: Path, detector: str):
    extra = {
        "train_transforms": [{"type": "RandomHorizontalFlip"}, {"type": "ColorJitter", "params": {"brightness": 0.2}}]
    }
    if detector == "FasterRCNN":  # and the seed's init, and a scheduler, through the same script
        extra |= {"init": "initialize_weights", "scheduler": {"type": "ReduceLROnPlateau"}}
    else:  # and initial weights for the backbone, with its first conv frozen
        extra |= {"freeze": ["conv1"]}
    graph = _chain(BACKBONE, training=_training(detector, **extra))
    files = generate(graph)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    init = {k: torch.full_like(v, 0.01) for k, v in build_model(graph).state_dict().items()}
    torch.save(init, tmp_path / "init.pt")
    args = ["--init-from", "init.pt"] if detector == "FCOS" else []
    proc = subprocess.run(
        [sys.executable, "train.py", "--epochs", "1", "--device", "cpu", "--progress", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith('{"event": "epoch"')]
    assert len(lines) == 1, proc.stdout[-2000:]
    e = lines[0]
    assert math.isfinite(e["train_loss"]) and 0 <= e["map50"] <= 1 and 0 <= e["map"] <= e["map50"] + 1e-9
    want = {
        "FCOS": {"classification", "bbox_regression", "bbox_ctrness"},
        "FasterRCNN": {"loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg"},
    }[detector]
    assert set(e["losses"]) == want
    assert abs(sum(e["losses"].values()) - e["train_loss"]) < 1e-4 * max(1.0, e["train_loss"])
    state = torch.load(tmp_path / "runs" / "checkpoint.pt", weights_only=True)["model"]
    assert any(k.startswith("backbone.") for k in state) and any(k.startswith(("head.", "roi_heads.")) for k in state)
    if detector == "FCOS":  # the backbone started from init.pt; its frozen conv1 kept those weights
        assert torch.equal(state["backbone.conv1.weight"], init["conv1.weight"])
        assert not torch.equal(state["backbone.conv2.weight"], init["conv2.weight"])


# ---- boxes move with the image ---------------------------------------------------------------------


def _generated_data(transforms: list[dict]) -> dict:
    """The generated data section, executed: its ShapesDetection class and its train pipeline."""
    from torch.utils.data import Dataset
    from torchvision import tv_tensors
    from torchvision.transforms import v2

    rt = resolve_training(TrainingConfig.model_validate(_training(train_transforms=transforms)))
    ns: dict = {"torch": torch, "v2": v2, "tv_tensors": tv_tensors, "Dataset": Dataset, "args": SimpleNamespace(seed=0)}
    exec(compile(data_section(rt), "train.py", "exec"), ns)
    return ns


def _square(size: int = 48, box: tuple[int, int, int, int] = (10, 14, 26, 34)) -> tuple[torch.Tensor, torch.Tensor]:
    image = torch.zeros(3, size, size, dtype=torch.uint8)
    x1, y1, x2, y2 = box
    image[:, y1:y2, x1:x2] = 255
    return image, torch.tensor([box], dtype=torch.float32)


def _tight_box(image: torch.Tensor) -> list[float]:
    rows, cols = (image[0] > 0.5).nonzero(as_tuple=True)
    return [float(cols.min()), float(rows.min()), float(cols.max()) + 1, float(rows.max()) + 1]


GEOMETRIC = {
    "RandomHorizontalFlip": {"p": 1.0},
    "RandomVerticalFlip": {"p": 1.0},
    "Resize": {"size": [40, 56]},
    "CenterCrop": {"size": [40, 40]},
    "RandomCrop": {"size": [40, 40]},
    "RandomResizedCrop": {"size": [48, 48], "scale": [0.6, 1.0]},
    "Pad": {"padding": 5},
    "RandomRotation": {"degrees": 30.0},
    "RandomAffine": {"degrees": 20.0, "translate": [0.1, 0.1], "scale": [0.8, 1.1]},
    "RandomPerspective": {"p": 1.0, "distortion_scale": 0.3},
}


@pytest.mark.slow
def test_every_augmentation_trains_a_detector_step_through_its_generated_train_py(tmp_path: Path):
    # Every geometric transform (boxes move) and every colour one (boxes stay), chained on the
    # train split and ending at 32x32 so that the detector's batches keep one size.
    from tests.unit.test_segmentation import COLOUR

    chain = [{"type": n, "params": p} for n, p in GEOMETRIC.items() if n != "Resize"]
    chain += [{"type": n, "params": p} for n, p in COLOUR.items()]
    chain += [{"type": "Resize", "params": {"size": [32, 32]}}]
    graph = _chain(BACKBONE, training=_training("FCOS", train_transforms=chain))
    for name, text in generate(graph).items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run(
        [sys.executable, "train.py", "--epochs", "1", "--device", "cpu", "--progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    epoch = next(json.loads(x) for x in proc.stdout.splitlines() if x.startswith('{"event": "epoch"'))
    assert math.isfinite(epoch["train_loss"]) and 0 <= epoch["map50"] <= 1
    source = (tmp_path / "train.py").read_text()
    assert all(f"v2.{t['type']}(" in source for t in chain)


def test_every_geometric_transform_of_the_catalog_is_covered():
    geometry = {n for n, s in build_transforms().items() if s.category in ("Geometry", "Flip")} - {"TenCrop"}
    assert geometry == set(GEOMETRIC)


@pytest.mark.parametrize("name", sorted(GEOMETRIC))
def test_a_geometric_transform_moves_the_box_with_the_drawn_square(name: str):
    ns = _generated_data([{"type": name, "params": GEOMETRIC[name]}])
    image, boxes = _square()
    for seed in range(3):
        torch.manual_seed(seed)
        x, target = ns["ShapesDetection"]([image], [boxes], [torch.tensor([2])], ns["train_transform"])[0]
        assert target["labels"].tolist() == [2]
        got = target["boxes"].tolist()[0]
        # The box the transform computed bounds the square's pixels where they landed (rotations and
        # perspective bound the turned corners, which for a square are its extreme pixels).
        assert got == pytest.approx(_tight_box(x), abs=2.5), (name, seed, got, _tight_box(x))


def test_a_flip_moves_the_box_and_a_colour_jitter_does_not():
    image, boxes = _square(48, (10, 14, 26, 34))
    flip = _generated_data([{"type": "RandomHorizontalFlip", "params": {"p": 1.0}}])
    _, t = flip["ShapesDetection"]([image], [boxes], [torch.tensor([1])], flip["train_transform"])[0]
    assert t["boxes"].tolist() == [[48 - 26, 14, 48 - 10, 34]]
    jitter = _generated_data([{"type": "ColorJitter", "params": {"brightness": 0.5, "hue": 0.2}}])
    x, t = jitter["ShapesDetection"]([image], [boxes], [torch.tensor([1])], jitter["train_transform"])[0]
    assert t["boxes"].tolist() == [[10, 14, 26, 34]] and x.dtype == torch.float32


def test_a_crop_that_cuts_a_box_away_drops_it_with_its_label():
    ns = _generated_data([{"type": "CenterCrop", "params": {"size": [8, 8]}}])
    image = torch.zeros(3, 48, 48, dtype=torch.uint8)
    boxes = torch.tensor([[0.0, 0.0, 6.0, 6.0], [20.0, 20.0, 28.0, 28.0]])
    _, t = ns["ShapesDetection"]([image], [boxes], [torch.tensor([1, 3])], ns["train_transform"])[0]
    assert t["labels"].tolist() == [3] and t["boxes"].tolist() == [[0, 0, 8, 8]]


# ---- the metric --------------------------------------------------------------------------------------


def test_map_agrees_with_a_hand_computation():
    """One image, two true boxes of one class, three detections: at IoU 0.5 the ranked detections are
    TP (0.9), FP (0.8), TP (0.7). Precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1. COCO interpolates
    precision (the best at any recall >= r) at 101 recall points: r in 0..0.5 -> 1 (51 points),
    r in 0.51..1 -> 2/3 (50 points). AP@0.5 = (51 + 50 * 2/3) / 101."""
    from torchmetrics.detection import MeanAveragePrecision

    truth = [
        {"boxes": torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]]), "labels": torch.tensor([1, 1])}
    ]
    found = [
        {
            "boxes": torch.tensor([[0.0, 0.0, 10.0, 10.0], [50.0, 50.0, 60.0, 60.0], [21.0, 21.0, 31.0, 31.0]]),
            "scores": torch.tensor([0.9, 0.8, 0.7]),
            "labels": torch.tensor([1, 1, 1]),
        }
    ]
    m = MeanAveragePrecision(iou_type="bbox", backend="pycocotools")
    m.update(found, truth)
    r = m.compute()
    assert r["map_50"].item() == pytest.approx((51 + 50 * 2 / 3) / 101, abs=1e-4)
    # The third box's IoU with its truth is 81/119 = 0.68: a TP at thresholds 0.5..0.65 (4 of 10).
    # At the other 6 only the first detection counts: precision 1 up to recall 0.5, then nothing.
    per_threshold = [(51 + 50 * 2 / 3) / 101] * 4 + [51 / 101] * 6
    assert r["map"].item() == pytest.approx(sum(per_threshold) / 10, abs=1e-4)


# ---- predict with a trained detector -----------------------------------------------------------------


@pytest.mark.slow
def test_the_server_predicts_what_the_trained_detector_finds(tmp_path: Path):
    from torchvision.models.detection import FCOS
    from torchvision.models.detection.anchor_utils import AnchorGenerator

    from torchcanvas.api.routes.inference import _predict
    from torchcanvas.inference.loaded import ModelCache
    from torchcanvas.inference.preprocess import Given
    from torchcanvas.limits import Limits
    from torchcanvas.settings import Settings
    from torchcanvas.shapes import build_model

    training = _training()
    training["loss"]["params"]["score_thresh"] = 0.01  # an epoch on 10 images scores low: keep what it finds
    graph = _chain(BACKBONE, training=training)
    for name, text in generate(graph).items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run(
        [sys.executable, "train.py", "--epochs", "2", "--device", "cpu"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    checkpoint = tmp_path / "runs" / "checkpoint.pt"
    doc = graph.model_dump(mode="json")
    loaded = ModelCache(2).get(7, doc, checkpoint, Limits())
    p = _predict(loaded, Given(sample=1), Settings(), top_k=5)
    assert p.task == "detection" and p.detections and len(p.detections) <= 100
    assert p.input.shape == [3, 32, 32]
    assert "non-maximum suppression per class at IoU 0.6" in (p.postprocess or "")

    # The same detector written by hand with torchvision, the checkpoint loaded, the same image.
    backbone = build_model(graph)
    backbone.out_channels = 32
    reference = FCOS(
        backbone,
        num_classes=4,
        anchor_generator=AnchorGenerator(((4,),), ((1.0,),)),
        min_size=32,
        max_size=32,
        score_thresh=0.01,
        nms_thresh=0.6,
    )
    reference.load_state_dict(torch.load(checkpoint, weights_only=True)["model"])
    from torchcanvas.codegen.shapes import make_shapes

    images, _, boxes, labels = make_shapes(12, size=32, max_objects=2, noise=0.05, seed=0)
    with torch.no_grad():
        want = reference.eval()([images[1].float() / 255])[0]
    got = torch.tensor([d.box for d in p.detections])
    torch.testing.assert_close(got, want["boxes"], atol=0.006, rtol=0)  # the answer rounds to 0.01 px
    assert [d.score for d in p.detections] == pytest.approx(want["scores"].tolist(), abs=1e-5)
    assert [d.label for d in p.detections] == [("circle", "square", "triangle")[i - 1] for i in want["labels"].tolist()]
    # test sample 1 is image 1 of the generator (the first n_test images are the test split), with its true boxes
    torch.testing.assert_close(torch.tensor([d.box for d in p.true_boxes or []]), boxes[1])
    assert [d.index for d in p.true_boxes or []] == labels[1].tolist()


def test_the_studio_rebuilds_the_first_test_images_only_and_they_are_train_pys():
    from torchcanvas.codegen.shapes import make_shapes
    from torchcanvas.inference.detection import MAX_TEST_IMAGES, shapes_test

    values = {
        "count": 1000,
        "size": 32,
        "shapes": "circle,square,triangle",
        "max_objects": 3,
        "noise": 0.05,
        "test_fraction": 0.5,
    }
    images, boxes, _ = shapes_test(values, seed=4)
    assert len(images) == MAX_TEST_IMAGES  # of 500 test images
    every, _, all_boxes, _ = make_shapes(MAX_TEST_IMAGES + 5, size=32, seed=4)
    assert torch.equal(images, every[:MAX_TEST_IMAGES]) and torch.equal(boxes[-1], all_boxes[MAX_TEST_IMAGES - 1])
    huge = shapes_test({**values, "count": 100_000, "size": 512, "test_fraction": 0.9}, seed=0)[0]
    assert huge.numel() <= 32 * 1024 * 1024  # 42 images of 512x512, not 90,000
