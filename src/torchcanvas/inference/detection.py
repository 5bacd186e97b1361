"""Detection runs in the inference studio: the detector around the run's backbone, its test set, and
its answers (boxes with class and score).

The checkpoint of a detection run holds the whole detector (``backbone.*`` and the heads), so the
server builds the same detector train.py built (``codegen.detection.build_detector``, from the same
``DetectorSetup``) around the backbone built from the graph, and loads the checkpoint strictly.

The answers are the detector's own: in eval mode torchvision's FCOS / Faster R-CNN drops scores
under its ``score_thresh``, applies NMS per class at ``nms_thresh`` (``batched_nms``) and keeps the
best ``detections_per_img``. The view's score slider only hides boxes under a higher threshold.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from torchcanvas.catalog.detection import shape_names
from torchcanvas.catalog.training import ResolvedTraining
from torchcanvas.codegen.detection import DetectorSetup, build_detector, setup
from torchcanvas.codegen.shapes import make_shapes
from torchcanvas.shapes.infer import Analysis


def detector_setup(analysis: Analysis, training: ResolvedTraining) -> DetectorSetup:
    outs = analysis.top.body.outputs()
    meta = analysis.top.infos[outs[0].id].inputs.get("in") if len(outs) == 1 else None
    return setup(training, meta.shown() if meta is not None else None)


def wrap(backbone: nn.Module, analysis: Analysis, training: ResolvedTraining) -> nn.Module:
    """The run's detector around ``backbone``, as its train.py built it."""
    return build_detector(backbone, detector_setup(analysis, training))


def class_names(values: dict[str, Any]) -> list[str]:
    """Label 1.. names; 0 is the background, never a detection."""
    return shape_names(values)


@functools.lru_cache(maxsize=4)
def _shapes(count: int, size: int, shapes: tuple[str, ...], max_objects: int, noise: float, seed: int) -> Any:
    return make_shapes(count, size=size, shapes=shapes, max_objects=max_objects, noise=noise, seed=seed)


# The studio offers the first test images only: a run may have 90,000 of 512x512, and the server
# generates what it offers. The generator draws image after image from one seeded stream, so the
# first k images of make_shapes(k) are the first k of make_shapes(count): the same as train.py's.
MAX_TEST_IMAGES = 200
MAX_TEST_BYTES = 32 * 1024 * 1024


def shapes_test(values: dict[str, Any], seed: int) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """The run's test split as train.py makes it (the first ``n_test`` images of make_shapes(seed)),
    up to MAX_TEST_IMAGES and MAX_TEST_BYTES of it."""
    count, size = int(values["count"]), int(values["size"])
    n_test = max(1, int(count * float(values["test_fraction"])))
    n = max(1, min(n_test, MAX_TEST_IMAGES, MAX_TEST_BYTES // (3 * size * size)))
    images, _, boxes, labels = _shapes(
        n, size, tuple(shape_names(values)), int(values["max_objects"]), float(values["noise"]), seed
    )
    return images, boxes, labels


@dataclass
class Found:
    boxes: list[dict[str, Any]]  # {box: [x1, y1, x2, y2], label, index, score}
    latency_ms: float
    postprocess: str


def _rows(
    boxes: torch.Tensor, labels: torch.Tensor, scores: torch.Tensor | None, names: list[str]
) -> list[dict[str, Any]]:
    out = []
    for i in range(len(boxes)):
        index = int(labels[i])
        out.append(
            {
                "box": [round(float(v), 2) for v in boxes[i]],
                "index": index,
                "label": names[index - 1] if 1 <= index <= len(names) else f"class {index}",
                "score": float(scores[i]) if scores is not None else None,
            }
        )
    return out


def predict(model: nn.Module, s: DetectorSetup, x: torch.Tensor, names: list[str]) -> Found:
    """The detector's detections on one prepared image (C, H, W) in the pipeline's units."""
    with torch.inference_mode():
        t0 = time.perf_counter()
        out = model([x])[0]
        latency = (time.perf_counter() - t0) * 1000
    boxes = torch.nan_to_num(out["boxes"].float())
    note = (
        f"{s.detector} in eval mode: scores under {s.score_thresh:g} dropped, then non-maximum suppression per "
        f"class at IoU {s.nms_thresh:g} (torchvision.ops.batched_nms), at most {s.detections_per_img} boxes"
    )
    return Found(_rows(boxes, out["labels"], out["scores"], names), latency, note)


def truth(values: dict[str, Any], seed: int, sample: int) -> list[dict[str, Any]]:
    _, boxes, labels = shapes_test(values, seed)
    return _rows(boxes[sample], labels[sample], None, class_names(values))
