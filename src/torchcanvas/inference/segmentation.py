"""A segmentation model's answer: the predicted class of every pixel, each class's share of the
image and, for a test sample, the IoU per class against its true mask.

The model outputs (1, C, H, W) scores: the class per pixel is the argmax over C, or with one
channel (one shape against the background, trained with a sigmoid loss) the shape where its logit
is positive, as train.py's evaluate() decides. Masks travel as rows of class ids; the browser
colours them, so its opacity slider needs no new request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from torchcanvas.inference.data import class_names
from torchcanvas.inference.loaded import LoadedModel, NotUsable
from torchcanvas.inference.preprocess import BadInput, Prepared


@dataclass
class ClassResult:
    index: int
    label: str
    pixels: int  # predicted pixels of this class
    share: float  # of the image
    iou: float | None  # against the true mask; None without one, or when neither mask has the class


@dataclass
class Segmentation:
    classes: list[ClassResult]
    mask: list[list[int]]  # (H, W) predicted class ids
    true_mask: list[list[int]] | None
    pixel_accuracy: float | None
    mean_iou: float | None
    confidence: float  # the mean over pixels of the predicted class's probability
    latency_ms: float


def _first(out: object) -> torch.Tensor:
    while isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise BadInput("body", "the model's output is not a tensor")
    return out


def classes_per_pixel(scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(C, H, W) scores -> (H, W) class ids and the probability of each pixel's class."""
    if scores.shape[0] == 1:  # one logit: the shape against the background
        p = torch.sigmoid(scores[0])
        pred = (scores[0] > 0).long()
        return pred, torch.where(pred == 1, p, 1 - p)
    probs = scores.softmax(0)
    conf, pred = probs.max(0)
    return pred, conf


def class_iou(pred: torch.Tensor, truth: torch.Tensor, n: int) -> list[float | None]:
    out: list[float | None] = []
    for c in range(n):
        p, t = pred == c, truth == c
        union = int((p | t).sum())
        out.append(int((p & t).sum()) / union if union else None)
    return out


def segment(loaded: LoadedModel, prep: Prepared) -> Segmentation:
    with loaded.lock, torch.inference_mode():
        t0 = time.perf_counter()
        out = _first(loaded.model(prep.x[:1]))
        latency = (time.perf_counter() - t0) * 1000
    if out.dim() != 4:
        raise NotUsable(
            f"run {loaded.run_id}'s model outputs shape {tuple(out.shape)}; a segmentation model outputs "
            "(1, C, H, W) scores: check the graph"
        )
    if not torch.isfinite(out).all():
        raise NotUsable(
            f"run {loaded.run_id}'s model answers NaN or infinity: its training diverged; train it again with a "
            "lower learning rate"
        )
    scores = out[0].float()
    pred, conf = classes_per_pixel(scores)
    ds = loaded.training.dataset
    n = loaded.training.num_classes or max(2, scores.shape[0])
    names = class_names(ds.spec, ds.values, n)
    truth = prep.mask
    if truth is not None and truth.shape != pred.shape:
        truth = None  # a test transform the mask did not follow; no comparison is better than a wrong one
    ious = class_iou(pred, truth, n) if truth is not None else [None] * n
    total = pred.numel()
    counts = torch.bincount(pred.flatten(), minlength=n)
    classes = [ClassResult(c, names[c], int(counts[c]), int(counts[c]) / total, ious[c]) for c in range(n)]
    present = [v for v in ious if v is not None]
    return Segmentation(
        classes=classes,
        mask=pred.tolist(),
        true_mask=truth.tolist() if truth is not None else None,
        pixel_accuracy=float((pred == truth).float().mean()) if truth is not None else None,
        mean_iou=sum(present) / len(present) if truth is not None and present else None,
        confidence=float(conf.mean()),
        latency_ms=latency,
    )
