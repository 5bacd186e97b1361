"""Object detection's catalog entries: the ShapesDetection data set and the detector "loss".

The canvas model is the detector's backbone; torchvision's FCOS or Faster R-CNN adds the heads.
In torchvision a detector's heads and its losses are one thing (``model(images, targets)``
returns the loss dict), so the detector is chosen where a classifier chooses its loss: the
``DetectorLoss`` entry, whose ``detector`` param picks FCOS or FasterRCNN. That keeps the
training config's shape (dataset, loss, optimizer) the same for every task, and the editor's
loss form offers the choice with no code of its own.
"""

from __future__ import annotations

from typing import Any

from torchcanvas.catalog.spec import ParamSpec

DETECTORS = ("FCOS", "FasterRCNN")
# What each detector does after its heads, as torchvision's defaults set it (the inference view
# says so): a score threshold, then NMS per class at this IoU, then the best ``detections``.
POSTPROCESS: dict[str, dict[str, float]] = {
    "FCOS": {"score_thresh": 0.2, "nms_thresh": 0.6, "detections_per_img": 100},
    "FasterRCNN": {"score_thresh": 0.05, "nms_thresh": 0.5, "detections_per_img": 100},
}
# The shapes a ShapesDetection set may hold, as its ``shapes`` param offers them (a list param of
# enum values does not exist in the catalog's form types; these are every non-empty subset).
SHAPE_CHOICES = [
    "circle,square,triangle",
    "circle,square",
    "circle,triangle",
    "square,triangle",
    "circle",
    "square",
    "triangle",
]


def _p(name: str, type: str, default: Any, doc: str, **extra: Any) -> ParamSpec:
    return ParamSpec(name=name, type=type, default=default, doc=doc, **extra)  # type: ignore[arg-type]


def detector_loss_params() -> list[ParamSpec]:
    return [
        _p(
            "detector",
            "enum",
            "FCOS",
            "torchvision.models.detection.FCOS (anchor-free, one stage) or FasterRCNN (region proposals, then "
            "a box head); either wraps the canvas model as its backbone",
            choices=list(DETECTORS),
        ),
        _p(
            "score_thresh",
            "float",
            None,
            "detections scoring below this are dropped at inference; null: the detector's default "
            "(FCOS 0.2, FasterRCNN 0.05)",
            nullable=True,
            minimum=0.0,
            maximum=1.0,
        ),
        _p(
            "nms_thresh",
            "float",
            None,
            "non-maximum suppression per class at this IoU; null: the detector's default (FCOS 0.6, FasterRCNN 0.5)",
            nullable=True,
            minimum=0.0,
            maximum=1.0,
        ),
        _p("detections_per_img", "int", 100, "at most this many detections per image", minimum=1, maximum=1000),
    ]


DETECTOR_LOSS_DOC = (
    "The detector's own losses, summed: the canvas model is the backbone (its output a feature map "
    "(B, C, H', W')), and torchvision's FCOS (classification, box regression, centerness) or Faster R-CNN "
    "(RPN objectness and boxes, then the box head's classifier and boxes) adds the heads."
)


def shapes_detection_params(split: ParamSpec) -> list[ParamSpec]:
    return [
        _p("count", "int", 600, "images in both splits together", minimum=4, maximum=100_000),
        _p("size", "int", 64, "each image is size x size pixels", minimum=16, maximum=512),
        _p("shapes", "enum", SHAPE_CHOICES[0], "the kinds of shape drawn; each is a class", choices=SHAPE_CHOICES),
        _p("noise", "float", 0.05, "std of the pixel noise added (images in 0..1)", minimum=0.0, maximum=1.0),
        _p(
            "max_objects",
            "int",
            3,
            "each image holds 1 to max_objects shapes that never overlap",
            minimum=1,
            maximum=10,
        ),
        split,
    ]


SHAPES_DETECTION_DOC = (
    "Synthetic shapes (circles, squares, triangles of random size and colour on textured backgrounds), "
    "generated from --seed, with a box and a class per shape: the same generator as the segmentation set."
)


def shape_names(values: dict[str, Any]) -> list[str]:
    return str(values.get("shapes") or SHAPE_CHOICES[0]).split(",")
