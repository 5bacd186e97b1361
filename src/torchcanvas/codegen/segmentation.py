"""The segmentation parts of train.py: the Shapes data with masks, the per-pixel losses, and the
metrics (pixel accuracy and mean IoU from a pixel confusion matrix).

The model outputs (B, C, H, W) scores; the targets are (B, H, W) class masks. With one shape
class against the background and BCEWithLogitsLoss or DiceLoss the model outputs one channel
(the shape's logit per pixel); otherwise one channel per class, background included.
``train_py.py`` calls these emitters where the task is segmentation; the rest of the script is
the classifier's.
"""

from __future__ import annotations

from torchcanvas.catalog.training import ResolvedTraining, shape_classes
from torchcanvas.catalog.training import segmentation_channels as output_channels
from torchcanvas.codegen.render import literal
from torchcanvas.codegen.shapes import shapes_source

IMPORTS = [
    "from torch.utils.data import DataLoader, Dataset",
    "from torchvision import tv_tensors",
    "from torchvision.transforms import v2",
]


def _dataset_class() -> str:
    return '''

class ShapesMasks(Dataset):
    """Images (N, 3, H, W) uint8 and their class masks (N, H, W) through a transforms.v2 pipeline.

    The mask goes in as a tv_tensors.Mask: geometric transforms move it with the image (nearest,
    so class ids never blend), colour transforms and Normalize leave it alone."""

    def __init__(self, images, masks, transform):
        self.images, self.masks, self.transform = images, masks, transform

    def __len__(self):
        return len(self.masks)

    def __getitem__(self, i):
        image, mask = self.transform(tv_tensors.Image(self.images[i]), tv_tensors.Mask(self.masks[i]))
        return image, mask.as_subclass(torch.Tensor)  # (H, W) class ids

'''


def shapes_data(rt: ResolvedTraining, pipelines: str) -> str:
    """The ``1/5 data`` section for the Shapes set: ``make_shapes`` itself, then the splits."""
    v = rt.dataset.values
    classes = shape_classes(v)
    size = int(v["size"])  # type: ignore[arg-type]
    return (
        "# The synthetic shapes set, generated from --seed (the same function torchcanvas uses).\n"
        + shapes_source()
        + _dataset_class()
        + pipelines
        + f"""
num_classes = {len(classes) + 1}  # the background, then {", ".join(classes)}
# (N, 3, {size}, {size}) uint8 images, (N, {size}, {size}) masks; the boxes and labels are for detection.
images, masks, _, _ = make_shapes({literal(v["n_samples"])}, size={size}, shapes={literal(tuple(classes))}, max_objects={literal(v["max_objects"])}, noise={literal(v["noise"])}, seed=args.seed)
n_test = max(1, int(len(images) * {literal(v["test_fraction"])}))  # the first n_test images are held out
train_set = ShapesMasks(images[n_test:], masks[n_test:], train_transform)
test_set = ShapesMasks(images[:n_test], masks[:n_test], test_transform)
"""
    )


def _dice(binary: bool) -> str:
    if binary:
        body = """        probs = torch.sigmoid(out[:, 0])  # (B, H, W): the shape's probability per pixel
        target = y.float()
        overlap = (probs * target).sum()
        return 1 - (2 * overlap + self.smooth) / (probs.sum() + target.sum() + self.smooth)
"""
    else:
        body = """        probs = out.softmax(1)  # (B, C, H, W)
        target = F.one_hot(y, out.shape[1]).permute(0, 3, 1, 2).float()  # (B, C, H, W)
        overlap = (probs * target).sum((0, 2, 3))  # (C,)
        total = probs.sum((0, 2, 3)) + target.sum((0, 2, 3))
        return 1 - ((2 * overlap + self.smooth) / (total + self.smooth)).mean()
"""
    return f'''

class DiceLoss(nn.Module):
    """1 - the soft Dice coefficient (2 |A and B| / (|A| + |B|)) of the predicted and the true masks{"" if binary else ", per class, averaged"}.

    It scores overlap relative to size, so the many easy background pixels cannot swamp a small shape."""

    def __init__(self, smooth=1.0):
        super().__init__()
        self.smooth = smooth

    def forward(self, out, y):
{body}'''


def needs_functional(rt: ResolvedTraining) -> bool:
    return rt.loss.spec.type == "DiceLoss" and output_channels(rt) > 1


def loss_section(rt: ResolvedTraining, kwargs: str) -> str:
    """``criterion`` and ``compute_loss(out, y)`` for (B, C, H, W) scores and (B, H, W) masks."""
    name = rt.loss.spec.type
    binary = output_channels(rt) == 1
    if name == "DiceLoss":
        smooth = rt.loss.values.get("smooth", 1.0)
        args = "" if smooth == 1.0 else f"smooth={literal(smooth)}"
        return f"""
# ---- 4/5 loss ----{_dice(binary)}

criterion = DiceLoss({args})


def compute_loss(out, y):
    return criterion(out, y)
"""
    if name == "BCEWithLogitsLoss":
        line = "return criterion(out[:, 0], y.float())  # the shape's logit per pixel against 0 / 1"
    else:
        line = "return criterion(out, y)  # (B, C, H, W) scores against (B, H, W) class ids: per pixel"
    return f"""
# ---- 4/5 loss ----
criterion = nn.{name}({kwargs})


def compute_loss(out, y):
    {line}
"""


def evaluate_section(rt: ResolvedTraining) -> str:
    """``evaluate()`` returning the test loss and the pixel confusion matrix, and the two metrics."""
    if output_channels(rt) == 1:
        pred = "pred = (out[:, 0] > 0).long()  # (B, H, W): the shape where its logit is positive"
    else:
        pred = "pred = out.argmax(1)  # (B, H, W): the highest-scoring class per pixel"
    return f'''

# ---- 5/5 train ----
@torch.no_grad()
def evaluate():
    """The test loss, and the pixel confusion matrix: a row per true class, a column per predicted class."""
    model.eval()
    total = 0.0
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    for x, y in test_loader:
        x, y = x.to(device), y.to(device)
        out = model(x)
        total += compute_loss(out, y).item()
        {pred}
        confusion += confusion_matrix(pred, y).cpu()
    return total / len(test_loader), confusion


def confusion_matrix(pred, y):
    """(num_classes, num_classes) pixel counts: a row per true class, a column per predicted class."""
    pairs = (y * num_classes + pred).flatten()  # each pixel's (true, predicted) pair as one number
    return torch.bincount(pairs, minlength=num_classes**2).view(num_classes, num_classes)


def pixel_accuracy(confusion):
    return (confusion.diag().sum() / confusion.sum()).item()


def class_iou(confusion):
    """Per class: the pixels both call that class over the pixels either calls it (NaN if neither does)."""
    both = confusion.diag().float()
    either = confusion.sum(0) + confusion.sum(1) - confusion.diag()
    return both / either


def mean_iou(confusion):
    """The mean IoU over the classes that occur in the truth or the prediction, the background included."""
    iou = class_iou(confusion)
    return iou[~iou.isnan()].mean().item()

'''


TEST_LINE = "test_loss, confusion = evaluate()\n"
METRICS_LOG = """    test_acc, test_miou = pixel_accuracy(confusion), mean_iou(confusion)
    writer.add_scalar("accuracy/test_pixels", test_acc, epoch)
    writer.add_scalar("iou/test_mean", test_miou, epoch)
"""
METRICS_JSON = ", test_acc=round(test_acc, 4), test_miou=round(test_miou, 4)"
RESULT = """if args.progress:
    # The last evaluation's pixel confusion matrix: a row per true class, a column per predicted class.
    emit(event="confusion", matrix=confusion.tolist())
"""
