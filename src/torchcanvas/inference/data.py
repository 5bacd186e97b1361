"""What a run's model takes as input, per data set: the data set's own image format (so that an
upload goes through exactly the conversion the test set went through), its test set (rebuilt
from the training config and seed, as train.py builds it), and its class names.

Images are brought to the data set's stored form (uint8, channels first, the data set's size and
colour) and then through the run's test pipeline (``preprocess.py``); vectors are used as given.
Rebuilding a test set mirrors the generated ``1/5 data`` section (codegen/data_py.py): the same
split, the same seed; tests compare the two.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from torchcanvas.catalog.training import DatasetSpec, dataset_shape, shape_classes
from torchcanvas.limits import IMAGE_FORMATS

# Class names the data sets' own code gives (torchvision's ``classes``; 1 = face in LFWFaces).
CLASS_NAMES: dict[str, list[str]] = {
    "Digits": [str(i) for i in range(10)],
    "DigitsRows": [str(i) for i in range(10)],
    "LFWFaces": ["not a face", "face"],
    "Moons": ["upper moon", "lower moon"],
    "MNIST": [str(i) for i in range(10)],
    "SVHN": [str(i) for i in range(10)],
    "FashionMNIST": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    "CIFAR10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    "STL10": ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"],
}
# Data sets drawn on the digit pad: 8x8, intensities 0..16 (sklearn's load_digits).
PAD_DATASETS = {"Digits": 16, "DigitsRows": 16}


class NoTestSet(Exception):
    """The run's test set is not on this server (a torchvision set never downloaded here)."""


@dataclass
class Sample:
    raw: torch.Tensor  # an image: uint8 (C, H, W) as the data set stores it; else the model's input
    label: int | None = None  # classification
    target: list[float] | None = None  # regression
    mask: torch.Tensor | None = None  # segmentation: (H, W) class ids, as the data set stores them


@dataclass
class InputKind:
    """How a data set's inputs are given: an image (upload, pad) or a vector of numbers."""

    image: bool
    channels: int = 1
    size: tuple[int, int] = (0, 0)  # the data set's stored image size (H, W), before the test transforms
    pad_max: int | None = None  # a digit pad's top intensity, for the pad data sets
    sample_shape: list[int] = field(default_factory=list)
    grey: bool = False  # grey images repeated into every channel (LFWFaces)


def input_kind(spec: DatasetSpec, values: dict[str, Any]) -> InputKind:
    shape, _ = dataset_shape(spec, values)
    if spec.type == "DigitsRows":
        return InputKind(image=False, channels=1, size=(8, 8), pad_max=16, sample_shape=shape)
    if not spec.is_image:
        return InputKind(image=False, sample_shape=shape)
    if spec.type == "LFWFaces":  # stored as 25x25 grey, resized to 32x32 and repeated to 3 channels
        return InputKind(image=True, channels=3, size=(32, 32), sample_shape=shape, grey=True)
    channels, height, width = shape
    return InputKind(
        image=True, channels=channels, size=(height, width), pad_max=PAD_DATASETS.get(spec.type), sample_shape=shape
    )


def class_names(spec: DatasetSpec, values: dict[str, Any], n_outputs: int, folder: Path | None = None) -> list[str]:
    """``folder``: the data set's files, for an uploaded one (its classes.json, written by the upload)."""
    if spec.type == "Shapes":
        return ["background", *shape_classes(values)]
    if spec.task == "detection":
        from torchcanvas.inference.detection import class_names as detection_classes

        return detection_classes(values)
    names = CLASS_NAMES.get(spec.type)
    if folder is not None and (folder / "classes.json").is_file():
        import json

        names = json.loads((folder / "classes.json").read_text(encoding="utf-8"))
    if names is not None and len(names) == n_outputs:
        return list(names)
    return [f"class {i}" for i in range(n_outputs)]


def to_stored_image(img: Image.Image, kind: InputKind) -> torch.Tensor:
    """An uploaded image in the data set's stored form: uint8 (C, H, W), its colour and size.

    Resized with PIL's antialiasing (BOX when shrinking, as sklearn's digits were made by
    averaging blocks), then grey or RGB as the data set is."""
    img = img.convert("L" if kind.channels == 1 or kind.grey else "RGB")
    height, width = kind.size
    if img.size != (width, height):
        shrinking = img.size[0] > width or img.size[1] > height
        img = img.resize((width, height), Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR)
    t = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8)
    t = t.reshape(height, width, -1).permute(2, 0, 1)
    return t.repeat(kind.channels, 1, 1) if kind.grey else t.contiguous()


def pixels_to_stored(pixels: torch.Tensor, scale: float, kind: InputKind) -> torch.Tensor:
    """A drawn or typed grey image (H, W) in 0..scale, in the data set's stored form (uint8, 0..255)."""
    img = (pixels.clamp(0, scale) * (255 / scale)).round().to(torch.uint8)
    pil = Image.fromarray(img.numpy(), mode="L")
    return to_stored_image(pil, kind)


# ---- test sets ---------------------------------------------------------------------------------


class TestSet:
    """A run's test set: ``len`` and ``sample(i)``."""

    def __init__(self, samples: Any, n: int) -> None:
        self._samples = samples
        self._n = n

    def __len__(self) -> int:
        return self._n

    def sample(self, i: int) -> Sample:
        result: Sample = self._samples(i)
        return result


def _split(n: int, labels: Any, test_fraction: float, seed: int) -> list[int]:
    from sklearn.model_selection import train_test_split

    _, test_idx = train_test_split(range(n), test_size=test_fraction, random_state=seed, stratify=labels)
    return list(test_idx)


@functools.lru_cache(maxsize=8)
def _digits(test_fraction: float, seed: int, rows: bool) -> TestSet:
    from sklearn.datasets import load_digits

    digits = load_digits()
    labels = torch.tensor(digits.target)
    test_idx = _split(len(labels), labels, test_fraction, seed)
    if rows:  # DigitsRows: the model takes 8 rows of 8 features in 0..1
        data = torch.tensor(digits.images / 16, dtype=torch.float32)
    else:
        data = torch.tensor(digits.images * (255 / 16)).round().to(torch.uint8).unsqueeze(1)
    return TestSet(lambda i: Sample(data[test_idx[i]], label=int(labels[test_idx[i]])), len(test_idx))


@functools.lru_cache(maxsize=1)
def _lfw() -> TestSet:
    import torch.nn.functional as F
    from skimage.data import lfw_subset

    faces = torch.tensor(lfw_subset(), dtype=torch.float32).unsqueeze(1)
    faces = F.interpolate(faces, size=(32, 32), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
    images = (faces.clamp(0, 1) * 255).round().to(torch.uint8)
    labels = torch.cat([torch.ones(100), torch.zeros(100)]).long()
    order = torch.randperm(200, generator=torch.Generator().manual_seed(0))[160:]
    return TestSet(lambda i: Sample(images[order[i]], label=int(labels[order[i]])), len(order))


@functools.lru_cache(maxsize=8)
def _moons(n_samples: int, noise: float, test_fraction: float, seed: int) -> TestSet:
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    _, x_test, _, y_test = train_test_split(x, y, test_size=test_fraction, random_state=seed, stratify=y)
    xs = torch.tensor(x_test, dtype=torch.float32)
    return TestSet(lambda i: Sample(xs[i], label=int(y_test[i])), len(xs))


@functools.lru_cache(maxsize=8)
def _regression1d(num_data: int, x_range: tuple[float, float], seed: int) -> TestSet:
    # train.py seeds the global generator, then draws the train noise, then the test noise.
    g = torch.Generator().manual_seed(seed)
    x = torch.linspace(*x_range, num_data).unsqueeze(1)
    torch.normal(0, 0.5, size=x.size(), generator=g)
    y = 1.5 * x + torch.normal(0, 0.3, size=x.size(), generator=g)
    return TestSet(lambda i: Sample(x[i], target=y[i].tolist()), num_data)


@functools.lru_cache(maxsize=4)
def _random_regression(n: int, features: tuple[int, ...], targets: int, test_fraction: float, seed: int) -> TestSet:
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, *features, generator=g)
    outs = torch.randn(n, targets, generator=g)
    n_test = max(1, int(n * test_fraction))
    return TestSet(lambda i: Sample(inputs[i], target=outs[i].tolist()), n_test)


@functools.lru_cache(maxsize=8)
def _table(folder: Path, classification: bool, modified: float) -> TestSet:
    """An uploaded CSV's test rows, standardized with the training split's mean and std as
    train.py does (``modified``: test.csv's mtime, so that a changed file is read again)."""
    import csv

    def read(name: str) -> tuple[torch.Tensor, list[str]]:
        with (folder / name).open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))[1:]
        return torch.tensor([[float(v) for v in r[:-1]] for r in rows]), [r[-1] for r in rows]

    train_x, _ = read("train.csv")
    test_x, ys = read("test.csv")
    xs = (test_x - train_x.mean(0)) / train_x.std(0, correction=0).clamp_min(1e-8)
    if classification:
        return TestSet(lambda i: Sample(xs[i], label=int(ys[i])), len(xs))
    return TestSet(lambda i: Sample(xs[i], target=[float(ys[i])]), len(xs))


@functools.lru_cache(maxsize=4)
def _shapes(
    n: int, size: int, shapes: tuple[str, ...], max_objects: int, noise: float, test_fraction: float, seed: int
) -> TestSet:
    from torchcanvas.codegen.shapes import make_shapes

    # Only the held-out images: train.py's split puts them first, and make_shapes draws image by image.
    n_test = max(1, int(n * test_fraction))
    images, masks, _, _ = make_shapes(n_test, size=size, shapes=shapes, max_objects=max_objects, noise=noise, seed=seed)
    return TestSet(lambda i: Sample(images[i], mask=masks[i]), n_test)


def _shapes_detection(values: dict[str, Any], seed: int) -> TestSet:
    from torchcanvas.inference.detection import shapes_test

    images, _, _ = shapes_test(values, seed)
    return TestSet(lambda i: Sample(images[i]), len(images))


def _vision(spec: DatasetSpec, folder: Path) -> TestSet:
    from torchvision import datasets
    from torchvision.transforms.v2 import functional as TF

    cls = getattr(datasets, spec.type)
    kwargs = {"split": "test"} if spec.type in ("SVHN", "STL10") else {"train": False}
    try:
        ds = cls(str(folder), download=False, **kwargs)
    except (RuntimeError, OSError) as e:
        raise NoTestSet(f"the {spec.type} test set is not on this server ({e})") from None
    return TestSet(
        lambda i: Sample(
            TF.pil_to_tensor(ds[i][0].convert("RGB" if spec.sample_shape[0] == 3 else "L")), label=int(ds[i][1])
        ),
        len(ds),
    )


def _image_folder(folder: Path, kind: InputKind) -> TestSet:
    from torchvision import datasets

    test = folder / "test"
    if not test.is_dir():
        raise NoTestSet("the image folder has no test/ folder on this server")
    ds = datasets.ImageFolder(str(test))
    return TestSet(
        lambda i: Sample(to_stored_image(Image.open(ds.samples[i][0], formats=IMAGE_FORMATS), kind), label=ds.samples[i][1]), len(ds)
    )


def test_set(spec: DatasetSpec, values: dict[str, Any], seed: int, folder: Path | None) -> TestSet:
    """The run's test set as train.py built it (``folder``: where its files are, for data sets
    with files). Raises NoTestSet when those files are not here."""
    t = spec.type
    if t in ("Digits", "DigitsRows"):
        return _digits(float(values["test_fraction"]), seed, t == "DigitsRows")
    if t == "LFWFaces":
        return _lfw()
    if t == "ShapesDetection":
        return _shapes_detection(values, seed)
    if t == "Moons":
        return _moons(int(values["n_samples"]), float(values["noise"]), float(values["test_fraction"]), seed)
    if t == "Regression1D":
        lo, hi = values["x_range"]
        return _regression1d(int(values["num_data"]), (float(lo), float(hi)), seed)
    if t == "RandomRegression":
        features = tuple(int(d) for d in values["features"])
        return _random_regression(
            int(values["n_samples"]), features, int(values["targets"]), float(values["test_fraction"]), seed
        )
    if t == "Shapes":
        return _shapes(
            int(values["n_samples"]),
            int(values["size"]),
            tuple(shape_classes(values)),
            int(values["max_objects"]),
            float(values["noise"]),
            float(values["test_fraction"]),
            seed,
        )
    if folder is None:
        raise NoTestSet(f"the {t} test set is not on this server")
    if t == "ImageFolder":
        return _image_folder(folder, input_kind(spec, values))
    if t in ("CSVClassification", "CSVRegression"):
        if not (folder / "test.csv").is_file():
            raise NoTestSet("the table's test.csv is not on this server")
        return _table(folder, t == "CSVClassification", (folder / "test.csv").stat().st_mtime)
    return _vision(spec, folder)
