"""The ``1/5 data`` section of train.py: one small emitter per dataset.

Every emitter defines ``train_set`` and ``test_set``. Image data sets go through the same
``torchvision.transforms.v2`` pipelines (``train_transform`` / ``test_transform``), built from the
validated transform choices; the offline image sets are real ``Dataset`` classes for that reason.
Values reach the source only through ``literal()`` (validated ints, floats, bools, repr'd strings).
"""

from __future__ import annotations

from collections.abc import Callable

from torchcanvas.catalog.training import Resolved, ResolvedTraining
from torchcanvas.codegen import segmentation
from torchcanvas.codegen.render import literal

VISION = {"MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "SVHN", "STL10"}
# Data sets held in memory as tensors (a TensorDataset): batched by slicing, not by a DataLoader.
IN_MEMORY = {"Regression1D", "RandomRegression", "Moons", "DigitsRows", "CSVClassification", "CSVRegression"}


def data_imports(rt: ResolvedTraining) -> list[str]:
    name = rt.dataset.spec.type
    lines = {
        "Regression1D": ["from torch.utils.data import TensorDataset"],
        "RandomRegression": ["from torch.utils.data import TensorDataset"],
        "Moons": [
            "from sklearn.datasets import make_moons",
            "from sklearn.model_selection import train_test_split",
            "from torch.utils.data import TensorDataset",
        ],
        "CSVClassification": ["import csv", "from torch.utils.data import TensorDataset"],
        "CSVRegression": ["import csv", "from torch.utils.data import TensorDataset"],
        "DigitsRows": [
            "from sklearn.datasets import load_digits",
            "from sklearn.model_selection import train_test_split",
            "from torch.utils.data import TensorDataset",
        ],
        "Digits": [
            "from sklearn.datasets import load_digits",
            "from sklearn.model_selection import train_test_split",
            "from torch.utils.data import DataLoader, Dataset",
            "from torchvision import tv_tensors",
            "from torchvision.transforms import v2",
        ],
        "LFWFaces": [
            "import torch.nn.functional as F",
            "from skimage.data import lfw_subset",
            "from torch.utils.data import DataLoader, Dataset",
            "from torchvision import tv_tensors",
            "from torchvision.transforms import v2",
        ],
        "Shapes": segmentation.IMPORTS,
    }.get(name)
    if lines is None:  # torchvision data sets and ImageFolder
        lines = [
            "from torch.utils.data import DataLoader",
            "from torchvision import datasets",
            "from torchvision.transforms import v2",
        ]
    return lines


def transform_call(t: Resolved) -> str:
    """``v2.Name(kw=value, ...)`` with only the params that differ from torch's defaults."""
    args = []
    for p in t.spec.params:
        v = t.values.get(p.name)
        if t.spec.type == "ToDtype" and p.name == "dtype":  # always given: torch requires it
            if v not in (p.choices or []):
                raise ValueError(f"unknown dtype {v!r}")
            args.append(f"dtype=torch.{v}")
        elif not p.required and v == p.default:
            continue
        elif t.spec.type == "Grayscale" and p.name == "num_output_channels":
            args.append(f"num_output_channels={int(str(v))}")
        else:
            args.append(f"{p.name}={literal(v)}")
    return f"v2.{t.spec.type}({', '.join(args)})"


def _pipeline(name: str, conversion: list[str], transforms: list[Resolved]) -> str:
    items = [*conversion, *(transform_call(t) for t in transforms)]
    body = "".join(f"    {i},\n" for i in items)
    return f"{name} = v2.Compose([\n{body}])\n"


def _pipelines(rt: ResolvedTraining) -> str:
    # The data set's own conversion comes first, so that every user transform sees a float image in [0, 1].
    conversion = ["v2.ToImage()", "v2.ToDtype(torch.float32, scale=True)"]
    if rt.dataset.spec.type == "ImageFolder":
        size = int(rt.dataset.values["image_size"])  # type: ignore[arg-type]
        conversion = ["v2.ToImage()", f"v2.Resize(({size}, {size}))", "v2.ToDtype(torch.float32, scale=True)"]
    return (
        "# The data set's conversion to a float image in [0, 1] comes first; then the chosen augmentation.\n"
        + _pipeline("train_transform", conversion, rt.train_transforms)
        + _pipeline("test_transform", conversion, rt.test_transforms)
    )


_IMAGE_ARRAYS = '''

class ImageArrays(Dataset):
    """Images held in memory as uint8 (N, C, H, W), with their labels, through a transforms.v2 pipeline."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(tv_tensors.Image(self.images[i])), int(self.labels[i])

'''


def _regression1d(rt: ResolvedTraining) -> str:
    v = rt.dataset.values
    return f'''def gen_data(num_data=10, x_range=(-1, 1)):
    """The seed's data: y = 1.5x plus Gaussian noise (std 0.5 for train, 0.3 for test)."""
    w = 1.5
    train_x = torch.linspace(*x_range, num_data).unsqueeze(1)  # (N, 1)
    train_y = w * train_x + torch.normal(0, 0.5, size=train_x.size())
    test_x = torch.linspace(*x_range, num_data).unsqueeze(1)
    test_y = w * test_x + torch.normal(0, 0.3, size=test_x.size())
    return train_x, train_y, test_x, test_y


train_x, train_y, test_x, test_y = gen_data(num_data={literal(v["num_data"])}, x_range={literal(v["x_range"])})
train_set = TensorDataset(train_x, train_y)
test_set = TensorDataset(test_x, test_y)
'''


def _random_regression(rt: ResolvedTraining) -> str:
    v = rt.dataset.values
    return f"""# Random inputs and targets: a stand-in that checks the model trains end to end.
generator = torch.Generator().manual_seed(args.seed)
inputs = torch.randn({literal(v["n_samples"])}, *{literal(v["features"])}, generator=generator)
targets = torch.randn({literal(v["n_samples"])}, {literal(v["targets"])}, generator=generator)
n_test = max(1, int(len(inputs) * {literal(v["test_fraction"])}))
train_set = TensorDataset(inputs[n_test:], targets[n_test:])
test_set = TensorDataset(inputs[:n_test], targets[:n_test])
"""


def _moons(rt: ResolvedTraining) -> str:
    v = rt.dataset.values
    return f"""x, y = make_moons(n_samples={literal(v["n_samples"])}, noise={literal(v["noise"])}, random_state=args.seed)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size={literal(v["test_fraction"])}, random_state=args.seed, stratify=y)
train_set = TensorDataset(torch.tensor(x_train, dtype=torch.float32), torch.tensor(y_train))  # (N, 2), (N,)
test_set = TensorDataset(torch.tensor(x_test, dtype=torch.float32), torch.tensor(y_test))
"""


def _digits_rows(rt: ResolvedTraining) -> str:
    return f"""digits = load_digits()
rows = torch.tensor(digits.images / 16, dtype=torch.float32)  # (1797, 8, 8): 8 rows of 8 features, batch first
labels = torch.tensor(digits.target)
train_idx, test_idx = train_test_split(range(len(labels)), test_size={literal(rt.dataset.values["test_fraction"])}, random_state=args.seed, stratify=labels)
train_set = TensorDataset(rows[train_idx], labels[train_idx])
test_set = TensorDataset(rows[test_idx], labels[test_idx])
"""


def _digits(rt: ResolvedTraining) -> str:
    return (
        _IMAGE_ARRAYS
        + _pipelines(rt)
        + f"""
digits = load_digits()
images = torch.tensor(digits.images * (255 / 16)).round().to(torch.uint8).unsqueeze(1)  # (1797, 1, 8, 8)
labels = torch.tensor(digits.target)
train_idx, test_idx = train_test_split(range(len(labels)), test_size={literal(rt.dataset.values["test_fraction"])}, random_state=args.seed, stratify=labels)
train_set = ImageArrays(images[train_idx], labels[train_idx], train_transform)
test_set = ImageArrays(images[test_idx], labels[test_idx], test_transform)
"""
    )


def _lfw(rt: ResolvedTraining) -> str:
    return (
        _IMAGE_ARRAYS
        + _pipelines(rt)
        + """
# 100 faces, then 100 non-faces: (200, 1, 25, 25) grayscale, resized to (200, 3, 32, 32)
faces = torch.tensor(lfw_subset(), dtype=torch.float32).unsqueeze(1)
faces = F.interpolate(faces, size=(32, 32), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
images = (faces.clamp(0, 1) * 255).round().to(torch.uint8)
labels = torch.cat([torch.ones(100), torch.zeros(100)]).long()  # 1 = face
# The same 160 / 40 split whatever --seed is.
order = torch.randperm(200, generator=torch.Generator().manual_seed(0))
train_set = ImageArrays(images[order[:160]], labels[order[:160]], train_transform)
test_set = ImageArrays(images[order[160:]], labels[order[160:]], test_transform)
"""
    )


def _vision(rt: ResolvedTraining) -> str:
    name = rt.dataset.spec.type
    download = literal(rt.dataset.values["download"])
    if name in ("SVHN", "STL10"):
        train, test = 'split="train"', 'split="test"'
    else:
        train, test = "train=True", "train=False"
    size = rt.dataset.spec.download_mb
    if rt.dataset.values["download"] and size:
        note = f"# The first run downloads about {size} MB into --data-root; later runs read the files there.\n"
    else:
        note = ""
    return (
        _pipelines(rt)
        + f"""{note}train_set = datasets.{name}(args.data_root, {train}, download={download}, transform=train_transform)
test_set = datasets.{name}(args.data_root, {test}, download={download}, transform=test_transform)
"""
    )


def _image_folder(rt: ResolvedTraining) -> str:
    return (
        _pipelines(rt)
        + """# root/train/<class>/*.png and root/test/<class>/*.png; a class is a folder name, in sorted order.
train_set = datasets.ImageFolder(os.path.join(args.data_root, "train"), transform=train_transform)
test_set = datasets.ImageFolder(os.path.join(args.data_root, "test"), transform=test_transform)
"""
    )


def _csv_table(rt: ResolvedTraining) -> str:
    classification = rt.dataset.spec.task == "classification"
    target = (
        "torch.tensor([int(row[-1]) for row in rows])  # (N,): class indices"
        if classification
        else "torch.tensor([[float(row[-1])] for row in rows])  # (N, 1)"
    )
    return f'''def read_table(path):
    """A CSV the upload wrote: a header row, then the feature columns and the target, as numbers."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    features = torch.tensor([[float(v) for v in row[:-1]] for row in rows])  # (N, {literal(rt.dataset.values["features"])})
    targets = {target}
    return features, targets


train_x, train_y = read_table(os.path.join(args.data_root, "train.csv"))
test_x, test_y = read_table(os.path.join(args.data_root, "test.csv"))
# Each feature standardized with the training split's mean and std (the test split's are not seen).
mean, std = train_x.mean(0), train_x.std(0, correction=0).clamp_min(1e-8)
train_set = TensorDataset((train_x - mean) / std, train_y)
test_set = TensorDataset((test_x - mean) / std, test_y)
'''
def _shapes(rt: ResolvedTraining) -> str:
    return segmentation.shapes_data(rt, _pipelines(rt))


_EMITTERS: dict[str, Callable[[ResolvedTraining], str]] = {
    "Shapes": _shapes,
    "Regression1D": _regression1d,
    "RandomRegression": _random_regression,
    "Moons": _moons,
    "Digits": _digits,
    "DigitsRows": _digits_rows,
    "LFWFaces": _lfw,
    "ImageFolder": _image_folder,
    "CSVClassification": _csv_table,
    "CSVRegression": _csv_table,
    **dict.fromkeys(VISION, _vision),
}


def data_section(rt: ResolvedTraining) -> str:
    return _EMITTERS[rt.dataset.spec.type](rt)


_TENSOR_BATCHES = '''

class TensorBatches:
    """Mini-batches sliced from a TensorDataset: a DataLoader without its per-sample indexing and
    collation, so that thousands of tiny epochs cost little more than their training steps."""

    def __init__(self, dataset, batch_size, shuffle=False):
        self.x, self.y = dataset.tensors
        self.batch_size, self.shuffle = batch_size, shuffle

    def __len__(self):
        return (len(self.y) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        order = torch.randperm(len(self.y)) if self.shuffle else torch.arange(len(self.y))
        for i in range(0, len(order), self.batch_size):
            batch = order[i : i + self.batch_size]
            yield self.x[batch], self.y[batch]


train_loader = TensorBatches(train_set, args.batch_size, shuffle=True)
test_loader = TensorBatches(test_set, args.batch_size)
'''


def data_loaders(rt: ResolvedTraining) -> str:
    """``train_loader`` and ``test_loader``: slices of tensors in memory, or torch's DataLoader."""
    if rt.dataset.spec.type in IN_MEMORY:
        return _TENSOR_BATCHES
    return """train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
test_loader = DataLoader(test_set, batch_size=args.batch_size)
"""


def data_root_default(rt: ResolvedTraining) -> str:
    root = rt.dataset.values.get("root")
    return root if isinstance(root, str) else "data"
