"""train.py for object detection: the canvas model as the backbone of torchvision's FCOS or Faster R-CNN.

The standard torchvision pattern for a custom backbone: ``backbone.out_channels`` set to the
channels of its output feature map (from the checked shapes), one feature map named "0", an
``AnchorGenerator`` for it, and for Faster R-CNN a ``MultiScaleRoIAlign`` over that map. The
detector resizes its inputs (``GeneralizedRCNNTransform``, ``min_size=800`` by default):
``min_size`` / ``max_size`` are set to the data set's size, so that 64x64 images stay 64x64.

``DetectorSetup`` is computed once from the resolved config and the backbone's output shape; the
emitters write it as source, and ``build_detector`` builds the same module tree in the server
(inference), so that a run's checkpoint loads into either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from torchcanvas.catalog.detection import POSTPROCESS, shape_names
from torchcanvas.catalog.training import Resolved, ResolvedTraining
from torchcanvas.codegen.render import literal
from torchcanvas.codegen.shapes import shapes_source
from torchcanvas.codegen.train_py import LOOP_HEAD

# Without a checked model (catalog-wide renders): a backbone of stride 4 with 64 channels.
_PLACEHOLDER_CHANNELS, _PLACEHOLDER_STRIDE = 64, 4


@dataclass(frozen=True)
class DetectorSetup:
    detector: str  # "FCOS" or "FasterRCNN"
    num_classes: int  # with the background, class 0
    out_channels: int
    feature_size: tuple[int, int]  # (H', W') of the backbone's output
    image_size: int
    score_thresh: float
    nms_thresh: float
    detections_per_img: int

    @property
    def stride(self) -> int:
        return max(1, round(self.image_size / max(self.feature_size)))

    @property
    def anchor_sizes(self) -> tuple[int, ...]:
        if self.detector == "FCOS":
            # One anchor per position, as wide as the stride: FCOS scales its box targets by it and
            # samples positives within 1.5 anchors of a box's centre, as its default anchors do.
            return (self.stride,)
        # Faster R-CNN: three sizes over the range of the shapes' boxes (a fifth to a half of the image).
        return tuple(sorted({max(4, round(self.image_size * f)) for f in (0.2, 0.35, 0.5)}))

    @property
    def aspect_ratios(self) -> tuple[float, ...]:
        return (1.0,) if self.detector == "FCOS" else (0.5, 1.0, 2.0)

    def postprocess_kwargs(self) -> dict[str, Any]:
        """The detector's own names for the score threshold, the NMS IoU and the detection count."""
        prefix = "" if self.detector == "FCOS" else "box_"
        return {
            f"{prefix}score_thresh": self.score_thresh,
            f"{prefix}nms_thresh": self.nms_thresh,
            f"{prefix}detections_per_img": self.detections_per_img,
        }


def is_detection(rt: ResolvedTraining) -> bool:
    return rt.dataset.spec.task == "detection"


def setup(rt: ResolvedTraining, backbone_shape: list[Any] | None) -> DetectorSetup:
    """``backbone_shape``: the canvas model's checked output shape, (B, C, H', W')."""
    loss = rt.loss.values
    detector = str(loss.get("detector") or "FCOS")
    defaults = POSTPROCESS[detector]
    size = int(rt.sample_shape[-1])
    if backbone_shape is not None and len(backbone_shape) == 4:
        channels, height, width = (int(d) for d in backbone_shape[1:])
    else:
        channels, height = _PLACEHOLDER_CHANNELS, max(1, size // _PLACEHOLDER_STRIDE)
        width = height
    score = loss.get("score_thresh")
    nms = loss.get("nms_thresh")
    return DetectorSetup(
        detector=detector,
        num_classes=(rt.num_classes or 1) + 1,
        out_channels=channels,
        feature_size=(height, width),
        image_size=size,
        score_thresh=float(score) if isinstance(score, (int, float)) else defaults["score_thresh"],
        nms_thresh=float(nms) if isinstance(nms, (int, float)) else defaults["nms_thresh"],
        detections_per_img=int(loss.get("detections_per_img") or defaults["detections_per_img"]),  # type: ignore[arg-type]
    )


def build_detector(backbone: nn.Module, s: DetectorSetup) -> nn.Module:
    """The detector train.py builds, around an already built backbone (the server's copy)."""
    from torchvision.models.detection import FCOS, FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.ops import MultiScaleRoIAlign

    backbone.out_channels = s.out_channels  # type: ignore[assignment]
    anchors = AnchorGenerator(sizes=(s.anchor_sizes,), aspect_ratios=(s.aspect_ratios,))
    common: dict[str, Any] = {"min_size": s.image_size, "max_size": s.image_size, **s.postprocess_kwargs()}
    if s.detector == "FCOS":
        return FCOS(backbone, num_classes=s.num_classes, anchor_generator=anchors, **common)
    pooler = MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=2)
    return FasterRCNN(backbone, num_classes=s.num_classes, rpn_anchor_generator=anchors, box_roi_pool=pooler, **common)


# ---- the generated source ------------------------------------------------------------------------


def imports(rt: ResolvedTraining) -> list[str]:
    detector = str(rt.loss.values.get("detector") or "FCOS")
    lines = [
        "from torch.utils.data import DataLoader, Dataset",
        "from torchmetrics.detection import MeanAveragePrecision",
        "from torchvision import tv_tensors",
        f"from torchvision.models.detection import {detector}",
        "from torchvision.models.detection.anchor_utils import AnchorGenerator",
        "from torchvision.transforms import v2",
    ]
    if detector == "FasterRCNN":
        lines.append("from torchvision.ops import MultiScaleRoIAlign")
    return lines


_DATASET = '''

class ShapesDetection(Dataset):
    """Images with their boxes and labels. The transforms.v2 pipeline gets the boxes as
    tv_tensors.BoundingBoxes beside the image, so that a flip or a crop moves them with it and a
    colour transform leaves them alone."""

    def __init__(self, images, boxes, labels, transform):
        self.images, self.boxes, self.labels, self.transform = images, boxes, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        image = tv_tensors.Image(self.images[i])
        boxes = tv_tensors.BoundingBoxes(self.boxes[i], format="XYXY", canvas_size=tuple(image.shape[-2:]))
        return self.transform(image, {"boxes": boxes, "labels": self.labels[i]})

'''


def data_section(rt: ResolvedTraining) -> str:
    from torchcanvas.codegen.data_py import transform_call

    v = rt.dataset.values
    names = tuple(shape_names(v))
    conversion = ["v2.ToImage()", "v2.ToDtype(torch.float32, scale=True)"]

    def pipeline(name: str, transforms: list[Resolved]) -> str:
        items = [*conversion, *(transform_call(t) for t in transforms), "v2.SanitizeBoundingBoxes()"]
        return f"{name} = v2.Compose([\n" + "".join(f"    {i},\n" for i in items) + "])\n"

    n = int(v["count"])  # type: ignore[arg-type]
    size = int(v["size"])  # type: ignore[arg-type]
    return (
        "# The synthetic shapes: one generator for segmentation and detection (torchcanvas writes it here,\n"
        "# so that this project needs nothing from torchcanvas).\n"
        + shapes_source()
        + _DATASET
        + "# The data set's conversion to a float image in [0, 1] comes first; then the chosen augmentation;\n"
        "# SanitizeBoundingBoxes drops the boxes a crop left empty, with their labels.\n"
        + pipeline("train_transform", rt.train_transforms)
        + pipeline("test_transform", rt.test_transforms)
        + f"""
# ({n}, 3, {size}, {size}) uint8 images; per image its boxes (k, 4) as x1, y1, x2, y2 and labels (k,) in 1..{len(names)}
images, _, boxes, labels = make_shapes({literal(n)}, size={literal(size)}, shapes={literal(list(names))}, max_objects={literal(v["max_objects"])}, noise={literal(v["noise"])}, seed=args.seed)
n_test = max(1, int(len(images) * {literal(v["test_fraction"])}))
train_set = ShapesDetection(images[n_test:], boxes[n_test:], labels[n_test:], train_transform)
test_set = ShapesDetection(images[:n_test], boxes[:n_test], labels[:n_test], test_transform)
"""
    )


def data_loaders() -> str:
    return '''

def collate(batch):
    """A detection batch is two lists: images, and their targets (each image has its own number of boxes)."""
    images, targets = zip(*batch)
    return list(images), list(targets)


train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, collate_fn=collate)
test_loader = DataLoader(test_set, batch_size=args.batch_size, collate_fn=collate)
'''


def model_section(rt: ResolvedTraining, model_class: str, s: DetectorSetup, init_fn: str, backbone_setup: str = "") -> str:
    """``init_fn``: the functions the section calls (the seed's init, load_weights); ``backbone_setup``:
    what runs on the backbone once built (initial weights, frozen layers)."""
    names = shape_names(rt.dataset.values)
    h, w = s.feature_size
    size = s.image_size
    anchors = (
        f"AnchorGenerator(sizes=({literal(list(s.anchor_sizes))},), aspect_ratios=({literal(list(s.aspect_ratios))},))"
    )
    post = "".join(f"    {k}={literal(v)},\n" for k, v in s.postprocess_kwargs().items())
    if s.detector == "FCOS":
        anchor_note = (
            f"# FCOS: one anchor per position of the feature map, as wide as its stride ({size} / {max(h, w)}); FCOS\n"
            "# scales the box targets by it and takes positions within 1.5 anchors of a box's centre as positives."
        )
        heads = f"""model = FCOS(
    backbone,
    num_classes={s.num_classes},  # {len(names)} shapes ({", ".join(names)}) and the background, class 0
    anchor_generator=anchor_generator,
"""
        pooler = ""
    else:
        anchor_note = (
            "# Faster R-CNN: 3 sizes x 3 aspect ratios of anchors per position for the region proposals,\n"
            '# then the box head on 7x7 crops of the feature map named "0" (the backbone\'s only one).'
        )
        heads = f"""model = FasterRCNN(
    backbone,
    num_classes={s.num_classes},  # {len(names)} shapes ({", ".join(names)}) and the background, class 0
    rpn_anchor_generator=anchor_generator,
    box_roi_pool=roi_pooler,
"""
        pooler = 'roi_pooler = MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=2)\n'
    init = f"{init_fn}\n" if init_fn else ""
    init_call = "initialize_weights(backbone)\n" if "def initialize_weights" in init_fn else ""
    return f"""
# ---- 2/5 model ----
{init}# The canvas model is the backbone: (B, 3, {size}, {size}) images in, a (B, {s.out_channels}, {h}, {w}) feature map out.
# torchvision's {s.detector} adds its heads and reads the feature map's channels from backbone.out_channels.
backbone = {model_class}()
{init_call}{backbone_setup}backbone.out_channels = {s.out_channels}
{anchor_note}
anchor_generator = {anchors}
{pooler}{heads}    # The detector resizes every image to min_size..max_size (800..1333 by default): keep them at {size}.
    min_size={size},
    max_size={size},
    # After the heads: drop low scores, non-maximum suppression per class, keep the best.
{post}).to(device)
print(model)
"""


def loss_section(s: DetectorSetup) -> str:
    parts = {
        "FCOS": "classification, bbox_regression, bbox_ctrness",
        "FasterRCNN": "loss_objectness, loss_rpn_box_reg (proposals), loss_classifier, loss_box_reg (box head)",
    }[s.detector]
    return f"""
# ---- 4/5 loss ----
# The detector computes its own losses: in training mode, model(images, targets) returns them by name
# ({parts}); a step minimises their sum.
def compute_loss(images, targets):
    losses = model(images, targets)
    return sum(losses.values()), losses
"""


def train_section(rt: ResolvedTraining) -> str:
    sched = rt.scheduler.spec.step if rt.scheduler else None
    if rt.optimizer.spec.type == "LBFGS":
        step = """
        def closure():
            # LBFGS re-evaluates the loss several times per step, so it takes the forward pass as a closure.
            optimizer.zero_grad()
            loss, parts = compute_loss(images, targets)
            loss.backward()
            closure.parts = parts
            return loss

        loss = optimizer.step(closure)
        parts = closure.parts
"""
    else:
        step = """        optimizer.zero_grad()
        loss, parts = compute_loss(images, targets)
        loss.backward()
        optimizer.step()
"""
    if sched == "batch":
        step += "        scheduler.step()\n"
    after_epoch = {
        "epoch": "    scheduler.step()\n",
        # A detector in eval mode returns detections, not losses: the plateau is the training loss's.
        "plateau": "    scheduler.step(sum(batch_losses) / len(batch_losses))\n",
    }.get(sched or "", "")
    return f"""

# ---- 5/5 train ----
@torch.no_grad()
def evaluate():
    \"\"\"COCO's mean average precision on the test split: at IoU 0.5, and averaged over IoU 0.5:0.95.\"\"\"
    model.eval()
    # torchmetrics takes the detector's output dicts as they are, and computes COCO's mAP with pycocotools.
    metric = MeanAveragePrecision(iou_type="bbox", backend="pycocotools")
    for images, targets in test_loader:
        found = model([image.to(device) for image in images])
        metric.update(
            [{{k: v.cpu() for k, v in d.items()}} for d in found],
            [{{"boxes": t["boxes"].as_subclass(torch.Tensor), "labels": t["labels"]}} for t in targets],
        )
    result = metric.compute()
    return result["map_50"].item(), result["map"].item()


{LOOP_HEAD}    batch_losses, part_sums = [], {{}}
    for step, (images, targets) in enumerate(train_loader, 1):
        images = [image.to(device) for image in images]
        targets = [{{k: v.to(device) for k, v in t.items()}} for t in targets]
{step}        batch_losses.append(loss.item())
        for name, value in parts.items():
            part_sums[name] = part_sums.get(name, 0.0) + value.item()
        bar.update()
        if args.progress and time.time() - last_progress >= 0.25:
            emit(event="progress", epoch=epoch, step=step, steps=len(train_loader), loss=batch_losses[-1])
            last_progress = time.time()
    window_losses += batch_losses
{after_epoch}    if epoch % max(1, args.epochs // 25) == 0 or epoch == args.epochs:
        for name, p in model.named_parameters():
            values = p.detach().cpu()
            if values.isfinite().all():  # a diverged weight (NaN) has no histogram: TensorBoard would raise
                writer.add_histogram(name, values, epoch)
        writer.flush()
        torch.save({{"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}}, os.path.join(args.out, "checkpoint.pt"))
    if epoch % report_every and epoch < args.epochs and time.time() - last_report < 0.2:
        continue
    train_loss = sum(batch_losses) / len(batch_losses)
    train_loss_max = torch.tensor(window_losses).max().item()
    losses = {{name: total / len(batch_losses) for name, total in part_sums.items()}}  # each part, per batch
    map50, map_all = evaluate()
    writer.add_scalar("loss/train", train_loss, epoch)
    for name, value in losses.items():
        writer.add_scalar(f"loss/{{name}}", value, epoch)
    writer.add_scalar("mAP/0.5", map50, epoch)
    writer.add_scalar("mAP/0.5:0.95", map_all, epoch)
    writer.add_scalar("lr", lr, epoch)
    seconds = (time.time() - last_report) / (epoch - reported)
    emit(event="epoch", epoch=epoch, train_loss=train_loss, train_loss_max=train_loss_max, losses=losses, map50=round(map50, 4), map=round(map_all, 4), lr=lr, seconds=round(seconds, 3))
    last_report, reported, window_losses = time.time(), epoch, []
bar.close()
writer.close()
"""
