"""Losses, optimizers, LR schedulers, datasets and transforms a training config can choose.

Params come from torch introspection (``introspect``) patched by small curated tables, the same
way ``layers.py`` builds the layers. What torch cannot tell us is curated here: which task a loss
serves and how the generated ``train.py`` adapts (model output, target) to it; whether a
scheduler steps per batch or per epoch; what a dataset's samples look like.

``resolve_training(config)`` checks a whole ``TrainingConfig`` against these specs; code
generation (``codegen/train_py.py``), the shape check (``shapes/training.py``) and the
augmentation preview (``catalog/preview.py``) all start from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar

import torch
import torch.nn as nn
import torch.optim as optim
from pydantic import Field, JsonValue

from torchcanvas.catalog.introspect import introspect, summary
from torchcanvas.catalog.spec import ParamError, ParamSpec, Spec, resolve_params
from torchcanvas.graph.model import Choice, Graph, InputNode, OutputNode, Position, TrainingConfig
from torchcanvas.graph.validate import GraphError, Issue

Task = Literal["classification", "regression", "segmentation"]

# ---- losses ---------------------------------------------------------------------------------------


S = TypeVar("S", bound=Spec)


def _entry(kind: type[S], cls: type, category: str, torch_name: str, params: list[ParamSpec], **extra: Any) -> S:
    """A catalog entry for a torch class: its name, summary and params, plus ``extra`` fields."""
    return kind.model_validate(
        dict(
            type=cls.__name__,
            title=cls.__name__,
            category=category,
            doc=summary(cls.__doc__),
            torch=torch_name,
            params=params,
            **extra,
        )
    )


class LossSpec(Spec):
    """A torch.nn loss, plus how train.py feeds it.

    ``output``: what the model's output becomes before the loss (``raw``, ``log_softmax``,
    ``sigmoid``, or ``gaussian``: split into mean and variance halves).
    ``target``: what a class label becomes (``index``, ``one_hot`` float, ``sign`` = one-hot
    mapped to -1/+1, ``label_list`` = the label followed by -1 padding); regression targets are
    passed through unchanged.
    ``pixelwise``: it also trains segmentation, on (B, C, H, W) scores against (B, H, W) class
    masks (codegen/segmentation.py feeds it); no other loss does.
    """

    task: Literal["classification", "regression", "segmentation", "any"] = "any"
    output: Literal["raw", "log_softmax", "sigmoid", "gaussian"] = "raw"
    target: Literal["index", "one_hot", "sign", "label_list"] = "one_hot"
    pixelwise: bool = False

    def supports(self, task: Task) -> bool:
        if task == "segmentation":
            return self.pixelwise
        return self.task in ("any", task)


# Deprecated (size_average, reduce) and tensor-valued (weight, pos_weight) params are hidden: a
# JSON document cannot hold a tensor, and the deprecated ones only alias ``reduction``.
_LOSS_SKIP = {"size_average", "reduce", "weight", "pos_weight"}
_REDUCTION = {
    "type": "enum",
    "choices": ["mean", "sum"],
    "default": "mean",
    "doc": "mean: average over the batch; sum: add up (the train script needs a scalar, so 'none' is not offered)",
}

# name -> (task, output, target, param overrides)
_LOSSES: dict[str, tuple[str, str, str, dict[str, dict[str, Any]]]] = {
    "CrossEntropyLoss": (
        "classification",
        "raw",
        "index",
        {"ignore_index": {"minimum": -100}, "label_smoothing": {"minimum": 0.0, "maximum": 1.0}},
    ),
    "NLLLoss": ("classification", "log_softmax", "index", {}),
    "MultiMarginLoss": ("classification", "raw", "index", {"p": {"minimum": 1, "maximum": 2}}),
    "MultiLabelMarginLoss": ("classification", "raw", "label_list", {}),
    "MultiLabelSoftMarginLoss": ("classification", "raw", "one_hot", {}),
    "BCEWithLogitsLoss": ("classification", "raw", "one_hot", {}),
    "BCELoss": ("classification", "sigmoid", "one_hot", {}),
    "KLDivLoss": (
        "classification",
        "log_softmax",
        "one_hot",
        {
            "reduction": {
                "type": "enum",
                "choices": ["batchmean", "mean", "sum"],
                "default": "batchmean",
                "doc": "batchmean divides by the batch size, the mathematically correct KL divergence",
            }
        },
    ),
    "SoftMarginLoss": ("classification", "raw", "sign", {}),
    "HingeEmbeddingLoss": ("classification", "raw", "sign", {}),
    "PoissonNLLLoss": ("classification", "raw", "one_hot", {"eps": {"minimum": 0.0}}),
    "MSELoss": ("any", "raw", "one_hot", {}),
    "L1Loss": ("any", "raw", "one_hot", {}),
    "HuberLoss": ("any", "raw", "one_hot", {"delta": {"minimum": 1e-12}}),
    "SmoothL1Loss": ("any", "raw", "one_hot", {"beta": {"minimum": 0.0}}),
    "GaussianNLLLoss": ("regression", "gaussian", "one_hot", {"eps": {"minimum": 0.0}}),
}

EXCLUDED: dict[str, str] = {
    "CTCLoss": "needs variable-length label sequences with input/target lengths (speech, handwriting); "
    "no catalog dataset provides sequence targets, and a length-1 sequence would just be a slower CrossEntropyLoss",
    "TripletMarginLoss": "needs (anchor, positive, negative) triples; the catalog datasets give (sample, label) "
    "pairs and triplet mining is a training recipe of its own, not a loss on the model output",
    "TripletMarginWithDistanceLoss": "same as TripletMarginLoss, and its distance_function is a Python callable "
    "that a JSON document cannot hold",
    "MarginRankingLoss": "ranks pairs of scores (x1, x2, y=±1); the catalog datasets have no pairwise preference labels",
    "CosineEmbeddingLoss": "needs pairs of embeddings labelled similar/dissimilar; the catalog datasets give single samples",
    "AdaptiveLogSoftmaxWithLoss": "an output head with its own weights (in_features, n_classes, cutoffs), not a loss "
    "on the model output: it belongs in the model, where it would be trained with it",
    "LinearCrossEntropyLoss": "fuses the model's last Linear layer (its own trainable weights) with cross-entropy; "
    "it belongs in the model. Choose CrossEntropyLoss after a Linear layer instead",
    "SparseAdam": "needs sparse gradients, which only nn.Embedding(sparse=True) produces; every other layer gives "
    "dense gradients, which SparseAdam rejects",
    "Muon": "only optimises 2-D parameters; biases, norm weights and conv kernels need a second optimizer (AdamW) "
    "with its own scheduler and checkpoint state, and the generated script keeps to one optimizer",
    "Optimizer": "the base class of all optimizers, not an optimizer",
}


def all_losses() -> list[str]:
    return sorted(n for n in dir(nn) if n.endswith("Loss") and isinstance(getattr(nn, n), type))


@cache  # built once per process; callers must not mutate the result
def build_losses() -> dict[str, LossSpec]:
    out: dict[str, LossSpec] = {}
    for name, (task, output, target, overrides) in _LOSSES.items():
        cls = getattr(nn, name)
        params = introspect(cls, {"reduction": _REDUCTION, **overrides}, skip=_LOSS_SKIP)
        out[name] = _entry(
            LossSpec,
            cls,
            "Loss",
            f"torch.nn.{name}",
            params,
            task=task,
            output=output,
            target=target,
            pixelwise=name in PIXELWISE,
        )
    out["DiceLoss"] = DICE_LOSS
    return out


# The torch losses that also train segmentation: cross-entropy per pixel over C classes, and BCE
# with logits on one channel for one class against the background. Dice is not in torch.nn: the
# generated train.py defines it (codegen/segmentation.py).
PIXELWISE = {"CrossEntropyLoss", "BCEWithLogitsLoss"}
DICE_LOSS = LossSpec(
    type="DiceLoss",
    title="DiceLoss",
    category="Loss",
    doc="1 - the soft Dice coefficient of the predicted and the true masks, averaged over the classes: "
    "insensitive to how much of the image is background. Segmentation only; defined in the generated train.py.",
    torch="",
    task="segmentation",
    pixelwise=True,
    params=[
        ParamSpec(
            name="smooth",
            type="float",
            default=1.0,
            minimum=0.0,
            maximum=1e6,
            doc="added to the overlap and to the total, so that an empty class scores 1, not 0/0",
        )
    ],
)


# ---- optimizers -------------------------------------------------------------------------------------

# ``lr`` comes from TrainingConfig.lr (the --lr flag). foreach / fused / capturable / differentiable
# choose an implementation, not the optimisation: torch picks the fastest that is valid itself.
_OPT_SKIP = {"params", "lr", "foreach", "fused", "capturable", "differentiable"}
_BETAS = {"type": "float_list", "length": 2, "minimum": 0.0, "maximum": 1.0, "nullable": False}
_NONNEG = {"type": "float", "minimum": 0.0}
_OPT_OVERRIDES: dict[str, dict[str, dict[str, Any]]] = {
    "SGD": {"momentum": _NONNEG, "dampening": _NONNEG, "weight_decay": _NONNEG},
    "Adam": {"betas": _BETAS, "weight_decay": _NONNEG, "eps": _NONNEG},
    "AdamW": {"betas": _BETAS, "weight_decay": _NONNEG, "eps": _NONNEG},
    "Adamax": {"betas": _BETAS, "weight_decay": _NONNEG, "eps": _NONNEG},
    "NAdam": {"betas": _BETAS, "weight_decay": _NONNEG, "eps": _NONNEG, "momentum_decay": _NONNEG},
    "RAdam": {"betas": _BETAS, "weight_decay": _NONNEG, "eps": _NONNEG},
    "Adagrad": {"lr_decay": _NONNEG, "weight_decay": _NONNEG, "initial_accumulator_value": _NONNEG, "eps": _NONNEG},
    "Adadelta": {"rho": {"type": "float", "minimum": 0.0, "maximum": 1.0}, "eps": _NONNEG, "weight_decay": _NONNEG},
    # Adafactor's eps is (None, 1e-3): None means "the dtype's eps", which a float list cannot say;
    # it keeps its default.
    "Adafactor": {"beta2_decay": {"type": "float", "maximum": 0.0}, "d": _NONNEG, "weight_decay": _NONNEG},
    "ASGD": {"lambd": _NONNEG, "alpha": _NONNEG, "t0": _NONNEG, "weight_decay": _NONNEG},
    "RMSprop": {"alpha": _NONNEG, "eps": _NONNEG, "weight_decay": _NONNEG, "momentum": _NONNEG},
    "Rprop": {
        "etas": {"type": "float_list", "length": 2, "minimum": 0.0},
        "step_sizes": {"type": "float_list", "length": 2, "minimum": 0.0},
    },
    "LBFGS": {
        "max_iter": {"minimum": 1},
        "max_eval": {"minimum": 1},
        "history_size": {"minimum": 1},
        "tolerance_grad": _NONNEG,
        "tolerance_change": _NONNEG,
        "line_search_fn": {"type": "enum", "choices": ["strong_wolfe"], "nullable": True, "default": None},
    },
}
_OPT_EXTRA_SKIP = {"Adafactor": {"eps"}}


def all_optimizers() -> list[str]:
    return sorted(
        n for n in dir(optim) if isinstance(getattr(optim, n), type) and issubclass(getattr(optim, n), optim.Optimizer)
    )


@cache  # built once per process; callers must not mutate the result
def build_optimizers() -> dict[str, Spec]:
    out: dict[str, Spec] = {}
    for name in all_optimizers():
        if name in EXCLUDED:
            continue
        cls = getattr(optim, name)
        params = introspect(cls, _OPT_OVERRIDES.get(name, {}), skip=_OPT_SKIP | _OPT_EXTRA_SKIP.get(name, set()))
        category = "Optimizer (closure)" if name == "LBFGS" else "Optimizer"
        out[name] = _entry(Spec, cls, category, f"torch.optim.{name}", params)
    return out


def has_momentum(optimizer: str) -> bool:
    """Whether CyclicLR / OneCycleLR can cycle this optimizer's momentum (momentum or betas)."""
    spec = build_optimizers().get(optimizer)
    return spec is not None and (spec.param("momentum") is not None or spec.param("betas") is not None)


# ---- LR schedulers ------------------------------------------------------------------------------------


class SchedulerSpec(Spec):
    step: Literal["epoch", "batch", "plateau"] = "epoch"  # plateau: per epoch, with the test loss


_SCHED_SKIP = {
    "optimizer",
    "last_epoch",
    "verbose",
    "scale_fn",
    "lr_lambda",
    "total_steps",
    "epochs",
    "steps_per_epoch",
}
_SCHEDULERS: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "StepLR": (
        "epoch",
        {"step_size": {"type": "int", "required": False, "default": 10, "minimum": 1}, "gamma": {"minimum": 0.0}},
    ),
    "MultiStepLR": (
        "epoch",
        {
            "milestones": {"type": "int_list", "required": False, "default": [30, 60, 90], "minimum": 1},
            "gamma": {"minimum": 0.0},
        },
    ),
    "ExponentialLR": ("epoch", {"gamma": {"type": "float", "required": False, "default": 0.95, "minimum": 0.0}}),
    "CosineAnnealingLR": (
        "epoch",
        {
            "T_max": {
                "type": "int",
                "required": False,
                "default": None,
                "nullable": True,
                "minimum": 1,
                "doc": "epochs in one half cosine; null: the number of epochs",
            },
            "eta_min": {"type": "float", "minimum": 0.0},
        },
    ),
    "CosineAnnealingWarmRestarts": (
        "epoch",
        {
            "T_0": {"type": "int", "required": False, "default": 10, "minimum": 1},
            "T_mult": {"minimum": 1},
            "eta_min": {"type": "float", "minimum": 0.0},
        },
    ),
    "ReduceLROnPlateau": (
        "plateau",
        {
            "mode": {"type": "enum", "choices": ["min", "max"]},
            "factor": {"minimum": 0.0, "maximum": 0.999},  # torch requires factor < 1.0
            "patience": {"minimum": 0},
            "threshold_mode": {"type": "enum", "choices": ["rel", "abs"]},
            "cooldown": {"minimum": 0},
            "min_lr": {"type": "float", "minimum": 0.0},
            "eps": {"minimum": 0.0},
        },
    ),
    "OneCycleLR": (
        "batch",
        {
            "max_lr": {
                "type": "float",
                "required": False,
                "default": None,
                "nullable": True,
                "minimum": 0.0,
                "doc": "the peak learning rate; null: --lr",
            },
            "anneal_strategy": {"type": "enum", "choices": ["cos", "linear"]},
            "base_momentum": {"type": "float", "minimum": 0.0},
            "max_momentum": {"type": "float", "minimum": 0.0},
            "pct_start": {"minimum": 0.0, "maximum": 1.0},
        },
    ),
    "LinearLR": (
        "epoch",
        {
            "start_factor": {"minimum": 1e-8, "maximum": 1.0},
            "end_factor": {"minimum": 0.0, "maximum": 1.0},
            "total_iters": {"minimum": 1},
        },
    ),
    "PolynomialLR": ("epoch", {"total_iters": {"minimum": 1}, "power": {"type": "float", "minimum": 0.0}}),
    "ConstantLR": ("epoch", {"factor": {"minimum": 0.0, "maximum": 1.0}, "total_iters": {"minimum": 0}}),
    "CyclicLR": (
        "batch",
        {
            "base_lr": {
                "type": "float",
                "required": False,
                "default": None,
                "nullable": True,
                "minimum": 0.0,
                "doc": "the lowest learning rate; null: --lr / 10",
            },
            "max_lr": {
                "type": "float",
                "required": False,
                "default": None,
                "nullable": True,
                "minimum": 0.0,
                "doc": "the highest learning rate; null: --lr",
            },
            "step_size_up": {"minimum": 1},
            "step_size_down": {"type": "int", "nullable": True, "minimum": 1},
            "mode": {"type": "enum", "choices": ["triangular", "triangular2", "exp_range"]},
            "scale_mode": {"type": "enum", "choices": ["cycle", "iterations"]},
            "base_momentum": {"type": "float", "minimum": 0.0},
            "max_momentum": {"type": "float", "minimum": 0.0},
        },
    ),
}


@cache  # built once per process; callers must not mutate the result
def build_schedulers() -> dict[str, SchedulerSpec]:
    out: dict[str, SchedulerSpec] = {}
    for name, (step, overrides) in _SCHEDULERS.items():
        cls = getattr(optim.lr_scheduler, name)
        params = introspect(cls, overrides, skip=_SCHED_SKIP)
        category = f"LR scheduler (per {'epoch' if step == 'plateau' else step})"
        out[name] = _entry(SchedulerSpec, cls, category, f"torch.optim.lr_scheduler.{name}", params, step=step)
    return out


# ---- datasets -----------------------------------------------------------------------------------------


class DatasetSpec(Spec):
    sample_shape: list[int]  # one sample, without the batch dimension
    target_shape: list[int] = Field(
        default_factory=list
    )  # regression targets; classification targets are class indices
    num_classes: int | None = None
    # What each class index means, in order (a confusion matrix's row and column labels); None where
    # they are known only once the data is there (CIFAR100's meta file, an ImageFolder's folders).
    class_names: list[str] | None = None
    task: Task = "classification"
    offline: bool = True  # needs no download
    download_mb: int | None = None  # what its first run downloads, in MB (10^6 bytes), when not offline
    is_image: bool = False  # accepts torchvision.transforms.v2 image transforms
    requirements: list[str] = Field(
        default_factory=list
    )  # pip requirements of its generated code, beyond torch/torchvision


def _p(name: str, type: str, default: JsonValue, doc: str, **extra: Any) -> ParamSpec:
    return ParamSpec(name=name, type=type, default=default, doc=doc, **extra)  # type: ignore[arg-type]


# A data set's folder is a relative name that the runner resolves inside the server's data
# directory: no absolute path, no "..", no backslash or drive letter, no control characters.
ROOT_PATTERN = r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}(/[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}){0,7}"
_ROOT_HELP = "a relative folder name such as 'data' or 'images/cats': letters, digits, '_', '.', '-', separated by '/'"


def _root(doc: str) -> ParamSpec:
    return _p("root", "str", "data", doc, pattern=ROOT_PATTERN, pattern_help=_ROOT_HELP)


_ROOT = _root("directory the data set is downloaded to (the --data-root flag overrides it)")
_UPLOADED = _p(
    "dataset",
    "int",
    None,
    "the id of a data set you uploaded (Training tab, Your data sets); null: root names a folder the server's "
    "admin put in its uploads/ folder",
    nullable=True,
    minimum=1,
    maximum=2**31 - 1,
)
_SPLIT = _p("test_fraction", "float", 0.2, "share of the samples held out for testing", minimum=0.05, maximum=0.9)
_VISION_DOC = "torchvision.datasets.{}: downloaded into root on the first run."


_DIGITS = [str(d) for d in range(10)]


@cache  # built once per process; callers must not mutate the result
def build_datasets() -> dict[str, DatasetSpec]:
    sets = [
        DatasetSpec(
            type="Regression1D",
            title="Regression 1-D (y = 1.5x + noise)",
            category="Synthetic",
            task="regression",
            sample_shape=[1],
            target_shape=[1],
            num_classes=None,
            doc="The regularization tutorial's data: y = 1.5x plus Gaussian noise (std 0.5 train, 0.3 test), x = torch.linspace over x_range.",
            params=[
                _p("num_data", "int", 10, "samples per split", minimum=2, maximum=100_000),
                _p("x_range", "float_list", [-1.0, 1.0], "the interval x is drawn from", length=2, ordered=True,
                   minimum=-1e6, maximum=1e6),
            ],
        ),
        DatasetSpec(
            type="RandomRegression",
            title="Random tensors",
            category="Synthetic",
            task="regression",
            sample_shape=[10],
            target_shape=[1],
            doc="Gaussian random inputs and targets: checks that any model trains end to end, before real data.",
            params=[
                _p("features", "int_list", [10], "the shape of one input sample", minimum=1),
                _p("targets", "int", 1, "target values per sample", minimum=1, maximum=100_000),
                _p("n_samples", "int", 256, "samples in both splits together", minimum=2, maximum=1_000_000),
                _SPLIT,
            ],
        ),
        DatasetSpec(
            type="Moons",
            title="Two moons",
            category="Synthetic",
            sample_shape=[2],
            num_classes=2,
            class_names=["upper moon", "lower moon"],
            requirements=["scikit-learn"],
            doc="sklearn.datasets.make_moons: two interleaving half circles, 2 classes.",
            params=[
                _p("n_samples", "int", 500, "samples in both splits together", minimum=10, maximum=1_000_000),
                _p("noise", "float", 0.2, "std of the Gaussian noise added", minimum=0.0, maximum=10.0),
                _SPLIT,
            ],
        ),
        DatasetSpec(
            type="Digits",
            title="Digits 8x8",
            category="Offline images",
            sample_shape=[1, 8, 8],
            num_classes=10,
            class_names=_DIGITS,
            is_image=True,
            requirements=["scikit-learn"],
            doc="sklearn.datasets.load_digits: 1797 handwritten digits, 8x8 grayscale, 10 classes.",
            params=[_SPLIT],
        ),
        DatasetSpec(
            type="DigitsRows",
            title="Digits as rows",
            category="Offline sequences",
            sample_shape=[8, 8],
            num_classes=10,
            class_names=_DIGITS,
            requirements=["scikit-learn"],
            doc="The digits as a sequence of 8 rows of 8 features (batch first), for RNN and transformer models.",
            params=[_SPLIT],
        ),
        DatasetSpec(
            type="LFWFaces",
            title="Faces vs non-faces",
            category="Offline images",
            sample_shape=[3, 32, 32],
            num_classes=2,
            class_names=["non-face", "face"],  # data_py.py: 1 = face
            is_image=True,
            requirements=["scikit-image"],
            doc="skimage.data.lfw_subset: 100 faces and 100 non-faces, resized to 3x32x32; 160 train / 40 test.",
        ),
    ]
    sets.append(
        DatasetSpec(
            type="Shapes",
            title="Shapes (segmentation)",
            category="Synthetic",
            task="segmentation",
            sample_shape=[3, 64, 64],
            target_shape=[64, 64],
            num_classes=4,
            class_names=["background", *SHAPE_NAMES],
            is_image=True,
            doc="Circles, squares and triangles of random size, colour and place on textured backgrounds, "
            "with a class mask per image (0 = background, then the shapes in order); generated from the seed, "
            "offline. The model outputs (B, C, H, W) scores, one channel per class (one channel for one shape "
            "with BCEWithLogitsLoss or DiceLoss).",
            params=[
                _p("n_samples", "int", 1000, "images in both splits together", minimum=10, maximum=100_000),
                _p("size", "int", 64, "images are size x size pixels", minimum=16, maximum=256),
                _p(
                    "shapes",
                    "enum",
                    "all",
                    "the shape classes: all three, or one shape against the background (a binary mask)",
                    choices=["all", *SHAPE_NAMES],
                ),
                _p("max_objects", "int", 3, "each image has 1 to max_objects shapes", minimum=1, maximum=10),
                _p("noise", "float", 0.05, "std of the pixel noise (images in 0..1)", minimum=0.0, maximum=1.0),
                _SPLIT,
            ],
        )
    )
    # torchvision's own `classes` of each data set (CIFAR100's come with its download).
    names: dict[str, list[str]] = {
        "MNIST": _DIGITS,
        "FashionMNIST": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                         "Ankle boot"],
        "CIFAR10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        "SVHN": _DIGITS,  # torchvision maps the digit 0's label 10 to 0
        "STL10": ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"],
    }
    # sample shape, classes, and the size of the files torchvision 0.29 downloads (MB, rounded up)
    vision = {
        "MNIST": ([1, 28, 28], 10, 12),
        "FashionMNIST": ([1, 28, 28], 10, 31),
        "CIFAR10": ([3, 32, 32], 10, 171),
        "CIFAR100": ([3, 32, 32], 100, 170),
        "SVHN": ([3, 32, 32], 10, 247),
        "STL10": ([3, 96, 96], 10, 2641),
    }
    for name, (shape, classes, download_mb) in vision.items():
        sets.append(
            DatasetSpec(
                type=name,
                title=name,
                category="torchvision",
                sample_shape=shape,
                num_classes=classes,
                class_names=names.get(name),
                offline=False,
                download_mb=download_mb,
                is_image=True,
                requirements=["scipy"] if name == "SVHN" else [],  # torchvision reads SVHN's .mat files with scipy
                doc=_VISION_DOC.format(name),
                params=[_ROOT, _p("download", "bool", True, "download the files when they are missing")],
            )
        )
    sets.append(
        DatasetSpec(
            type="ImageFolder",
            title="Image folder",
            category="Your images",
            sample_shape=[3, 32, 32],
            num_classes=None,
            is_image=True,
            doc="Your own images: a data set you uploaded (a zip of class folders), or root/train/<class>/*.png "
            "and root/test/<class>/*.png in the server's uploads/ folder; resized to image_size.",
            params=[
                _UPLOADED,
                _root("the folder holding train/ and test/ (--data-root); for an uploaded data set, its name"),
                _p("image_size", "int", 32, "images are resized to image_size x image_size", minimum=4, maximum=1024),
                _p("num_classes", "int", 2, "the number of class folders", minimum=2, maximum=100_000),
            ],
        )
    )
    for task in ("classification", "regression"):
        sets.append(
            DatasetSpec(
                type=f"CSV{task.title()}",
                title=f"Your table ({task})",
                category="Your data",
                task=task,  # type: ignore[arg-type]
                sample_shape=[4],
                target_shape=[1] if task == "regression" else [],
                num_classes=2 if task == "classification" else None,
                doc=f"A CSV you uploaded, for {task}: its feature columns (standardized with the training split's "
                "mean and std) and its target column; read with the csv module from root/train.csv and root/test.csv.",
                params=[
                    _UPLOADED,
                    _root("the folder holding train.csv and test.csv (--data-root): the data set's name"),
                    _p("features", "int", 4, "the number of feature columns", minimum=1, maximum=100_000),
                    *(
                        [_p("num_classes", "int", 2, "the number of classes", minimum=2, maximum=100_000)]
                        if task == "classification"
                        else []
                    ),
                ],
            )
        )
    return {s.type: s for s in sets}


# The data set a new model trains on: offline, quick (200 images), and of the 3x32x32 images the
# editor's convolution examples are made for.
NEW_MODEL_DATASET = "LFWFaces"


def new_document(name: str = "Net") -> Graph:
    """The document a new model starts from: an input of the shape of NEW_MODEL_DATASET's samples,
    an output, and the first loss (in catalog order) that suits the data set's task. Input, data set
    and loss agree, so a new model starts with no training warning."""
    spec = build_datasets()[NEW_MODEL_DATASET]
    loss = next(s for s in build_losses().values() if s.supports(spec.task))
    return Graph(
        name=name,
        nodes=[
            InputNode(id="x", shape=["B", *spec.sample_shape], position=Position(x=0, y=0)),
            OutputNode(id="y", position=Position(x=0, y=300)),
        ],
        training=TrainingConfig(dataset=Choice(type=spec.type), loss=Choice(type=loss.type)),
    )


def dataset_shape(spec: DatasetSpec, values: dict[str, JsonValue]) -> tuple[list[int], int | None]:
    """(sample shape, number of classes) once the dataset's own params are applied."""
    if spec.type == "ImageFolder":
        size = int(values["image_size"])  # type: ignore[arg-type]
        return [3, size, size], int(values["num_classes"])  # type: ignore[arg-type]
    if spec.type == "RandomRegression":
        return [int(d) for d in values["features"]], None  # type: ignore[union-attr, arg-type]
    if spec.type in ("CSVClassification", "CSVRegression"):
        classes = values.get("num_classes")
        return [int(values["features"])], int(classes) if classes is not None else None  # type: ignore[arg-type]
    if spec.type == "Shapes":
        size = int(values["size"])  # type: ignore[arg-type]
        return [3, size, size], 1 + len(shape_classes(values))
    return list(spec.sample_shape), spec.num_classes


SHAPE_NAMES = ["circle", "square", "triangle"]  # codegen/shapes.py's SHAPES, in its order
# The Shapes set lives in memory: uint8 images and int64 masks, 11 bytes a pixel (about 550 MB here).
MAX_SHAPES_PIXELS = 50_000_000


def shape_classes(values: dict[str, JsonValue]) -> list[str]:
    """The Shapes set's shape classes (mask values 1, 2, ...) for its ``shapes`` param."""
    chosen = str(values.get("shapes", "all"))
    return list(SHAPE_NAMES) if chosen == "all" else [chosen]


def target_shape(spec: DatasetSpec, values: dict[str, JsonValue]) -> list[int]:
    """A regression data set's target shape, once its params are applied."""
    if spec.type == "RandomRegression":
        return [int(values["targets"])]  # type: ignore[arg-type]
    return list(spec.target_shape)


# ---- transforms --------------------------------------------------------------------------------------

_INTERP = {"type": "enum", "choices": ["nearest", "bilinear", "bicubic"]}
_SIZE = {"type": "ints", "required": True, "example": 28, "minimum": 1, "length": 2, "nullable": False}
_FILL = {"type": "float", "default": 0.0, "doc": "the value of pixels outside the image"}
_PMODE = {"type": "enum", "choices": ["constant", "edge", "reflect", "symmetric"]}
_PROB = {"minimum": 0.0, "maximum": 1.0}
_RANGE2 = {"type": "float_list", "length": 2, "nullable": True, "minimum": 0.0, "ordered": True}
DTYPES = ["float32", "float64", "float16", "bfloat16", "uint8"]

_TRANSFORMS: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "ToImage": ("Conversion", {}),
    "ToDtype": ("Conversion", {"dtype": {"type": "enum", "choices": DTYPES, "default": "float32", "required": False}}),
    "Normalize": (
        "Conversion",
        {
            "mean": {"type": "float_list", "required": True, "example": [0.5]},
            "std": {"type": "float_list", "required": True, "example": [0.5], "minimum": 1e-12},
        },
    ),
    "Resize": (
        "Geometry",
        {
            "size": _SIZE,
            "interpolation": _INTERP,
            "max_size": {"type": "int", "minimum": 1},
            "antialias": {"type": "bool", "nullable": False, "default": True},
        },
    ),
    "CenterCrop": ("Geometry", {"size": _SIZE}),
    "RandomCrop": (
        "Geometry",
        {
            "size": _SIZE,
            "padding": {"type": "ints", "nullable": True, "minimum": 0},
            "fill": _FILL,
            "padding_mode": _PMODE,
        },
    ),
    "RandomResizedCrop": (
        "Geometry",
        {
            "size": _SIZE,
            "scale": {**_RANGE2, "nullable": False},
            "ratio": {**_RANGE2, "nullable": False},
            "interpolation": _INTERP,
            "antialias": {"type": "bool", "nullable": False, "default": True},
        },
    ),
    "TenCrop": ("Geometry", {"size": _SIZE}),
    "Pad": (
        "Geometry",
        {
            "padding": {"type": "ints", "minimum": 0, "required": True, "example": 2},
            "fill": _FILL,
            "padding_mode": _PMODE,
        },
    ),
    "RandomHorizontalFlip": ("Flip", {"p": _PROB}),
    "RandomVerticalFlip": ("Flip", {"p": _PROB}),
    "RandomRotation": (
        "Geometry",
        {
            "degrees": {
                "type": "floats",
                "length": 2,
                "required": True,
                "example": 15.0,
                "minimum": -360,
                "maximum": 360,
            },
            "interpolation": _INTERP,
            "center": {"type": "float_list", "length": 2, "nullable": True},
            "fill": _FILL,
        },
    ),
    "RandomAffine": (
        "Geometry",
        {
            "degrees": {
                "type": "floats",
                "length": 2,
                "required": True,
                "example": 10.0,
                "minimum": -360,
                "maximum": 360,
            },
            "translate": {**_RANGE2, "maximum": 1.0, "ordered": False},  # (horizontal, vertical), not a range
            "scale": _RANGE2,
            "shear": {"type": "floats", "nullable": True, "minimum": -180, "maximum": 180},
            "interpolation": _INTERP,
            "fill": _FILL,
            "center": {"type": "float_list", "length": 2, "nullable": True},
        },
    ),
    "RandomPerspective": ("Geometry", {"distortion_scale": _PROB, "p": _PROB, "interpolation": _INTERP, "fill": _FILL}),
    "ColorJitter": (
        "Color",
        {
            k: {"type": "float", "nullable": True, "minimum": 0.0, **({"maximum": 0.5} if k == "hue" else {})}
            for k in ("brightness", "contrast", "saturation", "hue")
        },
    ),
    "Grayscale": ("Color", {"num_output_channels": {"type": "enum", "choices": ["1", "3"], "default": "1"}}),
    "RandomGrayscale": ("Color", {"p": _PROB}),
    "RandomErasing": (
        "Erasing",
        {
            "p": _PROB,
            "scale": {**_RANGE2, "nullable": False, "maximum": 1.0},
            "ratio": {**_RANGE2, "nullable": False},
            "value": {"type": "float"},
        },
    ),
}
# Transforms whose output is several images: train.py folds them into the batch.
MULTI_IMAGE = {"TenCrop": 10}


@cache  # built once per process; callers must not mutate the result
def build_transforms() -> dict[str, Spec]:
    from torchvision.transforms import v2  # imported late: torchvision is slow to import

    out: dict[str, Spec] = {}
    for name, (category, overrides) in _TRANSFORMS.items():
        cls = getattr(v2, name)
        fields = {k: {"type": v["type"]} if "type" in v else {} for k, v in overrides.items()}
        # Read names, defaults and docs from torch; every type is curated (v2's annotations are
        # unions of tensors, PIL and dicts that a form cannot offer).
        params = introspect(cls, {k: {**fields[k], **v} for k, v in overrides.items()}, skip={"inplace"})
        if name == "ToDtype":  # introspect hides every ``dtype`` (layers never take one); here it is the point
            params.insert(0, ParamSpec(name="dtype", doc="the dtype the image is converted to", **overrides["dtype"]))
        out[name] = _entry(Spec, cls, category, f"torchvision.transforms.v2.{name}", params)
    return out


def transform_kwargs(type: str, values: dict[str, JsonValue]) -> dict[str, Any]:
    """The Python values a validated transform's params stand for (shared with codegen's text)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if type == "ToDtype" and k == "dtype":
            out[k] = getattr(torch, str(v))
        elif type == "Grayscale" and k == "num_output_channels":
            out[k] = int(str(v))
        else:
            out[k] = v
    return out


# ---- a whole training config -------------------------------------------------------------------------


@dataclass
class Resolved:
    """One validated choice: its spec and its params (defaults filled in)."""

    spec: Any
    values: dict[str, JsonValue]


@dataclass
class ResolvedTraining:
    config: TrainingConfig
    dataset: Resolved
    train_transforms: list[Resolved]
    test_transforms: list[Resolved]
    loss: Resolved
    optimizer: Resolved
    scheduler: Resolved | None
    sample_shape: list[int]
    num_classes: int | None


def _resolve(kind: str, field: str, table: dict[str, Any], choice: Choice, issues: list[Issue]) -> Resolved | None:
    spec = table.get(choice.type)
    if spec is None:
        why = f" ({EXCLUDED[choice.type]})" if choice.type in EXCLUDED else ""
        issues.append(
            Issue(
                f"unknown {kind} '{choice.type}'{why}",
                param=f"training.{field}",
                fix=f"choose one of: {', '.join(sorted(table))}",
            )
        )
        return None
    values, errors = resolve_params(spec, choice.params)
    errors += _lengths(spec, values)
    for e in errors:
        issues.append(Issue(f"{kind} {choice.type}: {e.message}", param=f"training.{field}.{e.param}", fix=e.fix))
    return Resolved(spec, values) if not errors else None


def _lengths(spec: Spec, values: dict[str, JsonValue]) -> list[ParamError]:
    """resolve_params checks list lengths for ints/floats only; betas and ranges are float_lists."""
    errors = []
    for p in spec.params:
        v = values.get(p.name)
        if p.type in ("float_list", "int_list") and p.length and isinstance(v, list) and len(v) != p.length:
            errors.append(
                ParamError(
                    p.name,
                    f"got {len(v)} values; expected a list of {p.length}",
                    f"give {p.name} exactly {p.length} values",
                )
            )
    return errors


def resolve_training(config: TrainingConfig) -> ResolvedTraining:
    """Check every choice of a training config against the catalog; raise GraphError listing all problems."""
    issues: list[Issue] = []
    dataset = _resolve("dataset", "dataset", build_datasets(), config.dataset, issues)
    transforms = build_transforms()
    train_t = [
        _resolve("transform", f"train_transforms[{i}]", transforms, c, issues)
        for i, c in enumerate(config.train_transforms)
    ]
    test_t = [
        _resolve("transform", f"test_transforms[{i}]", transforms, c, issues)
        for i, c in enumerate(config.test_transforms)
    ]
    loss = _resolve("loss", "loss", build_losses(), config.loss, issues)
    optimizer = _resolve("optimizer", "optimizer", build_optimizers(), config.optimizer, issues)
    scheduler = (
        _resolve("scheduler", "scheduler", build_schedulers(), config.scheduler, issues) if config.scheduler else None
    )
    if dataset is not None:
        spec: DatasetSpec = dataset.spec
        if (config.train_transforms or config.test_transforms) and not spec.is_image:
            issues.append(
                Issue(
                    f"dataset {spec.type} is not made of images, so it takes no image transforms",
                    param="training.train_transforms",
                    fix="remove the transforms, or choose an image data set",
                )
            )
        if loss is not None and not loss.spec.supports(spec.task):
            fit = sorted(n for n, s in build_losses().items() if s.supports(spec.task))
            issues.append(
                Issue(
                    f"loss {loss.spec.type} is for {loss.spec.task} but dataset {spec.type} is a {spec.task} task",
                    param="training.loss",
                    fix=f"choose a {spec.task} loss: {', '.join(fit)}",
                )
            )
    if dataset is not None and dataset.spec.type == "Shapes":
        n, size = int(dataset.values["n_samples"]), int(dataset.values["size"])  # type: ignore[arg-type]
        if n * size * size > MAX_SHAPES_PIXELS:
            issues.append(
                Issue(
                    f"{n:,} images of {size}x{size} are {n * size * size:,} pixels, over the "
                    f"{MAX_SHAPES_PIXELS:,} the Shapes set generates in memory",
                    param="training.dataset.n_samples",
                    fix=f"lower n_samples to {MAX_SHAPES_PIXELS // (size * size):,} or the size",
                )
            )
    if dataset is not None and dataset.spec.task == "segmentation":
        for name, t in (("train_transforms", train_t), ("test_transforms", test_t)):
            for i, r in enumerate(t):
                if r is not None and r.spec.type in MULTI_IMAGE:
                    issues.append(
                        Issue(
                            f"{r.spec.type} makes several images of one, but a segmentation sample has one mask",
                            param=f"training.{name}[{i}]",
                            fix="remove it, or use RandomCrop / CenterCrop",
                        )
                    )
    if (
        scheduler is not None
        and optimizer is not None
        and scheduler.spec.type in ("CyclicLR", "OneCycleLR")
        and scheduler.values.get("cycle_momentum")
        and not has_momentum(optimizer.spec.type)
    ):
        issues.append(
            Issue(
                f"{scheduler.spec.type} cycles the momentum, but {optimizer.spec.type} has no momentum or betas",
                param="training.scheduler.cycle_momentum",
                fix="set cycle_momentum to false, or choose SGD or Adam",
            )
        )
    for name, t in (("test_transforms", test_t),):
        for i, r in enumerate(t):
            if (
                r is not None
                and r.spec.type in MULTI_IMAGE
                and i != len(t) - 1
                and any(x is not None and x.spec.type in MULTI_IMAGE for x in t[i + 1 :])
            ):
                issues.append(
                    Issue("only one multi-crop transform per pipeline", param=f"training.{name}[{i}]", fix="remove one")
                )
    if issues:
        raise GraphError(issues)
    assert dataset is not None and loss is not None and optimizer is not None
    shape, classes = dataset_shape(dataset.spec, dataset.values)
    return ResolvedTraining(
        config, dataset, [t for t in train_t if t], [t for t in test_t if t], loss, optimizer, scheduler, shape, classes
    )


ONE_CHANNEL_LOSSES = {"BCEWithLogitsLoss", "DiceLoss"}


def segmentation_channels(rt: ResolvedTraining) -> int:
    """Channels of a segmentation model's output: 1 for one class against the background with a
    sigmoid loss (BCE with logits, Dice); else one per class, the background included."""
    classes = rt.num_classes or 2
    if classes == 2 and rt.loss.spec.type in ONE_CHANNEL_LOSSES:
        return 1
    return classes
