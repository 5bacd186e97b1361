"""Every catalog loss, optimizer, scheduler, dataset and transform runs through a generated train.py.

To stay cheap, one worker subprocess runs every config with ``runpy`` (a fresh ``model`` module
and ``sys.argv`` per run); one config also runs as a real ``python train.py`` subprocess.
Every torchvision set runs on tiny fake files in the on-disk format its torchvision 0.29 loader
reads: idx files for MNIST / FashionMNIST, pickled batches for CIFAR10/100, ``.mat`` files for
SVHN, ``stl10_binary/*.bin`` for STL10. The last four verify MD5 sums of the real downloads, so
the worker (never the generated code) swaps their checksum test for a file-exists test.
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchcanvas.catalog.training import (
    build_datasets,
    build_losses,
    build_optimizers,
    build_schedulers,
    build_transforms,
)
from torchcanvas.codegen.train_py import render_train_py
from torchcanvas.graph.model import Graph

MLP = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Linear({inp}, 16), nn.ReLU(), nn.Linear(16, {out}))

    def forward(self, x):
        return self.f(x)
"""
CONV = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.LazyConv2d(4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(64, {out}))

    def forward(self, x):
        return self.f(x)
"""
GRU = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 16, batch_first=True)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        out, _ = self.rnn(x)  # (B, 8, 16)
        return self.head(out[:, -1])
"""
MODELS = {
    "Regression1D": MLP.format(inp=1, out=1),
    "Moons": MLP.format(inp=2, out=2),
    "LFWFaces": CONV.format(out=2),
    "Digits": CONV.format(out=10),
    "MNIST": CONV.format(out=10),
    "FashionMNIST": CONV.format(out=10),
    "ImageFolder": CONV.format(out=2),
    "CIFAR10": CONV.format(out=10),
    "CIFAR100": CONV.format(out=100),
    "SVHN": CONV.format(out=10),
    "STL10": CONV.format(out=10),  # 3x96x96: AdaptiveAvgPool2d(4) takes any size
    "DigitsRows": GRU,
    "RandomRegression": MLP.format(inp=10, out=1),
    "CSVClassification": MLP.format(inp=4, out=2),  # the catalog's defaults: 4 features, 2 classes
    "CSVRegression": MLP.format(inp=4, out=1),
    "Shapes": """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 1))

    def forward(self, x):
        return self.f(x)
""",  # more in test_segmentation.py
}

WORKER = """
import contextlib, io, json, os, runpy, sys
from torchvision.datasets import cifar, stl10, svhn, utils
# The fake CIFAR / SVHN / STL10 files cannot match the MD5 sums of the real downloads, and with
# download=True a failed check means a download (no network here). So, in this worker only, a
# file passes the check when it exists; the loaders still read every file they need for real.
# utils too: SVHN.download() always calls utils.download_url, which checks the file first.
for module in (cifar, svhn, stl10, utils):
    module.check_integrity = lambda fpath, md5=None: os.path.isfile(fpath)
results = {}
for d in json.loads(sys.argv[1]):
    os.chdir(d)
    sys.path.insert(0, d)
    sys.modules.pop("model", None)
    sys.argv = ["train.py", "--epochs", "1", "--batch-size", "32", "--out", os.path.join(d, "runs"), "--data-root", os.path.join(d, "data")]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            runpy.run_path("train.py", run_name="__main__")
        results[d] = {"ok": True, "stdout": out.getvalue()}
    except BaseException as e:
        results[d] = {"ok": False, "stdout": out.getvalue(), "error": repr(e)[:2000]}
    sys.path.remove(d)
print(json.dumps(results))
"""


def _configs() -> dict[str, tuple[str, dict]]:
    """name -> (model source, training config)."""
    c: dict[str, tuple[str, dict]] = {}
    for name, spec in build_losses().items():
        if spec.task in ("classification", "any"):
            c[f"loss-{name}-moons"] = (
                MODELS["Moons"],
                {"dataset": {"type": "Moons", "params": {"n_samples": 60}}, "loss": {"type": name}},
            )
        if spec.task in ("regression", "any"):
            out = 2 if spec.output == "gaussian" else 1
            c[f"loss-{name}-reg"] = (MLP.format(inp=1, out=out), {"loss": {"type": name}})
    c["loss-KLDiv-logtarget"] = (
        MODELS["Moons"],
        {
            "dataset": {"type": "Moons", "params": {"n_samples": 60}},
            "loss": {"type": "KLDivLoss", "params": {"log_target": True}},
        },
    )
    c["loss-Poisson-rate"] = (
        MODELS["Moons"],
        {
            "dataset": {"type": "Moons", "params": {"n_samples": 60}},
            "loss": {"type": "PoissonNLLLoss", "params": {"log_input": False}},
        },
    )
    for name in build_optimizers():
        c[f"opt-{name}"] = (MODELS["Regression1D"], {"optimizer": {"type": name}})
    c["opt-Adam-params"] = (
        MODELS["Regression1D"],
        {"optimizer": {"type": "Adam", "params": {"betas": [0.8, 0.99], "amsgrad": True}}},
    )
    c["opt-LBFGS-wolfe"] = (
        MODELS["Regression1D"],
        {"optimizer": {"type": "LBFGS", "params": {"line_search_fn": "strong_wolfe"}}},
    )
    for name in build_schedulers():
        c[f"sched-{name}"] = (
            MODELS["Regression1D"],
            {"optimizer": {"type": "SGD", "params": {"momentum": 0.9}}, "scheduler": {"type": name}},
        )
    c["sched-CyclicLR-adam"] = (
        MODELS["Regression1D"],
        {"optimizer": {"type": "Adam"}, "scheduler": {"type": "CyclicLR"}},
    )
    # Every transform with its example params, in one LFWFaces pipeline; TenCrop alone, on both splits.
    chain = []
    for name, spec in build_transforms().items():
        if name == "TenCrop":
            continue
        params = {p.name: p.example for p in spec.params if p.required}
        if name in ("RandomCrop", "CenterCrop", "RandomResizedCrop", "Resize"):
            params["size"] = 32
        if name == "Grayscale":
            params["num_output_channels"] = "3"
        chain.append({"type": name, "params": params})
    chain.insert(
        0, {"type": "ColorJitter", "params": {"brightness": 0.2, "contrast": 0.2, "saturation": 0.2, "hue": 0.1}}
    )
    lfw = {"dataset": {"type": "LFWFaces"}, "loss": {"type": "CrossEntropyLoss"}}
    c["transforms-all"] = (
        MODELS["LFWFaces"],
        {
            **lfw,
            "train_transforms": chain,
            "test_transforms": [{"type": "Normalize", "params": {"mean": [0.5], "std": [0.5]}}],
        },
    )
    c["transforms-tencrop"] = (
        MODELS["LFWFaces"],
        {
            **lfw,
            "train_transforms": [{"type": "TenCrop", "params": {"size": 24}}],
            "test_transforms": [{"type": "TenCrop", "params": {"size": 24}}],
        },
    )
    for name, spec in build_datasets().items():
        loss = "MSELoss" if spec.task == "regression" else "CrossEntropyLoss"
        c[f"data-{name}"] = (MODELS[name], {"dataset": {"type": name}, "loss": {"type": loss}})
    c["data-Shapes"][1]["dataset"]["params"] = {"n_samples": 40}  # generated: fewer is quicker
    # The checksum-verified sets also run an augmentation on the images their loaders return.
    for name in ("CIFAR10", "CIFAR100", "SVHN", "STL10"):
        size = 96 if name == "STL10" else 32
        c[f"data-{name}"][1]["train_transforms"] = [{"type": "RandomCrop", "params": {"size": size, "padding": 4}}]
    return c


def _fake_mnist(root: Path, n: int = 40) -> None:
    for folder in ("MNIST", "FashionMNIST"):
        raw = root / folder / "raw"
        raw.mkdir(parents=True)
        for split in ("train", "t10k"):
            (raw / f"{split}-images-idx3-ubyte").write_bytes(
                struct.pack(">IIII", 2051, n, 28, 28) + bytes(range(256)) * (n * 784 // 256) + bytes(n * 784 % 256)
            )
            (raw / f"{split}-labels-idx1-ubyte").write_bytes(
                struct.pack(">II", 2049, n) + bytes(i % 10 for i in range(n))
            )


def _fake_folder(root: Path) -> None:
    from PIL import Image

    for split in ("train", "test"):
        for k, cls in enumerate(("cats", "dogs")):
            (root / split / cls).mkdir(parents=True)
            for i in range(3):
                Image.new("RGB", (20 + i, 24), (80 * k, 30 * i, 200)).save(root / split / cls / f"{i}.png")


def _fake_table(root: Path, classification: bool) -> None:
    """An uploaded CSV as the upload writes it: a header, 4 features, then the target."""
    root.mkdir(parents=True)
    for split, n in (("train", 24), ("test", 8)):
        rows = ["a,b,c,d,y"]
        for i in range(n):
            target = str(i % 2) if classification else f"{0.5 * i - 1:.3f}"
            rows.append(f"{i},{i % 3},{-i / 7:.4f},1.5,{target}")
        (root / f"{split}.csv").write_text("\n".join(rows) + "\n")


def _pixels(n: int, size: int) -> bytes:
    """n RGB images of size x size, in no particular layout: the loaders only reshape them."""
    return (bytes(range(256)) * (n * 3 * size * size // 256 + 1))[: n * 3 * size * size]


def _fake_cifar(root: Path, name: str, n_train: int = 40, n_test: int = 20) -> None:
    """cifar.py: pickles of {"data": uint8 (N, 3072), "labels" (CIFAR10) or "fine_labels" (CIFAR100)}."""
    import pickle

    import numpy as np

    def batch(n: int, classes: int) -> dict:
        data = np.frombuffer(_pixels(n, 32), dtype=np.uint8).reshape(n, 3072)
        labels = [(7 * i) % classes for i in range(n - 1)] + [classes - 1]  # the top class too
        key = "labels" if classes == 10 else "fine_labels"
        return {"data": data, key: labels, **({"coarse_labels": [y // 5 for y in labels]} if classes == 100 else {})}

    def dump(path: Path, obj: dict) -> None:
        path.write_bytes(pickle.dumps(obj))

    if name == "CIFAR10":
        folder = root / "cifar-10-batches-py"
        folder.mkdir(parents=True)
        for k in range(1, 6):  # 5 train batches, concatenated by the loader
            dump(folder / f"data_batch_{k}", batch(n_train // 5, 10))
        dump(folder / "test_batch", batch(n_test, 10))
        dump(folder / "batches.meta", {"label_names": [f"c{i}" for i in range(10)]})
    else:
        folder = root / "cifar-100-python"
        folder.mkdir(parents=True)
        dump(folder / "train", batch(n_train, 100))
        dump(folder / "test", batch(n_test, 100))
        dump(folder / "meta", {"fine_label_names": [f"c{i}" for i in range(100)]})


def _fake_svhn(root: Path, n_train: int = 40, n_test: int = 20) -> None:
    """svhn.py: root/{train,test}_32x32.mat with X uint8 (32, 32, 3, N) and y (N, 1) in 1..10 (10 = digit 0)."""
    import numpy as np
    from scipy.io import savemat

    root.mkdir(parents=True)
    for split, n in (("train", n_train), ("test", n_test)):
        x = np.frombuffer(_pixels(n, 32), dtype=np.uint8).reshape(32, 32, 3, n)
        y = np.array([[i % 10 + 1] for i in range(n)], dtype=np.uint8)
        savemat(root / f"{split}_32x32.mat", {"X": x, "y": y})


def _fake_stl10(root: Path, n_train: int = 40, n_test: int = 20) -> None:
    """stl10.py: raw uint8 images (N, 3, 96, 96) in *_X.bin and labels 1..10 in *_y.bin, in stl10_binary/."""
    folder = root / "stl10_binary"
    folder.mkdir(parents=True)
    for split, n in (("train", n_train), ("test", n_test)):
        (folder / f"{split}_X.bin").write_bytes(_pixels(n, 96))
        (folder / f"{split}_y.bin").write_bytes(bytes(i % 10 + 1 for i in range(n)))
    # The integrity check wants unlabeled_X.bin even for split="train" / "test"; one image will do.
    (folder / "unlabeled_X.bin").write_bytes(_pixels(1, 96))
    (folder / "class_names.txt").write_text("".join(f"c{i}\n" for i in range(10)))


def _write(tmp: Path, name: str, model: str, training: dict) -> Path:
    d = tmp / name
    d.mkdir()
    (d / "model.py").write_text(textwrap.dedent(model))
    (d / "train.py").write_text(
        render_train_py(Graph.model_validate({"training": {"batch_size": 32, **training}}), "Net")
    )
    if name.endswith("MNIST"):
        _fake_mnist(d / "data")
    if name.endswith("ImageFolder"):
        _fake_folder(d / "data")
    if name.endswith(("CSVClassification", "CSVRegression")):
        _fake_table(d / "data", name.endswith("Classification"))
    if name.endswith(("CIFAR10", "CIFAR100")):
        _fake_cifar(d / "data", name.removeprefix("data-"))
    if name.endswith("SVHN"):
        _fake_svhn(d / "data")
    if name.endswith("STL10"):
        _fake_stl10(d / "data")
    return d


def _check_run(d: Path, stdout: str) -> None:
    lines = [json.loads(x) for x in stdout.splitlines() if x.startswith('{"event"')]
    assert len(lines) == 1 and lines[0]["epoch"] == 1, stdout[-500:]
    for k in ("train_loss", "test_loss", "lr", "seconds"):
        assert math.isfinite(lines[0][k]), (k, lines[0])
    assert list((d / "runs").glob("events.out.tfevents.*")), "no TensorBoard events"
    assert (d / "runs" / "checkpoint.pt").is_file()


@pytest.mark.slow
def test_every_choice_runs_through_a_generated_train_py(tmp_path: Path):
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
    # Classification runs report accuracy; regression runs do not.
    assert '"test_acc"' in results[str(dirs["data-Moons"])]["stdout"]
    assert '"test_acc"' not in results[str(dirs["data-Regression1D"])]["stdout"]
    assert "closure()" in (dirs["opt-LBFGS"] / "train.py").read_text()
    # Every catalog data set had a real run; the torchvision ones call their loader with download=True.
    assert {n.removeprefix("data-") for n in dirs if n.startswith("data-")} == set(build_datasets())
    for name in ("MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "SVHN", "STL10"):
        src = (dirs[f"data-{name}"] / "train.py").read_text()
        split = 'split="train"' if name in ("SVHN", "STL10") else "train=True"
        assert f"datasets.{name}(args.data_root, {split}, download=True, transform=train_transform)" in src
        assert '"test_acc"' in results[str(dirs[f"data-{name}"])]["stdout"]
    assert "v2.RandomCrop(size=96, padding=4)" in (dirs["data-STL10"] / "train.py").read_text()
    assert ".mean(1)" in (dirs["transforms-tencrop"] / "train.py").read_text()


@pytest.mark.slow
def test_a_real_subprocess_run(tmp_path: Path):
    training = {
        "dataset": {"type": "LFWFaces"},
        "loss": {"type": "CrossEntropyLoss"},
        "optimizer": {"type": "SGD", "params": {"momentum": 0.9}},
        "scheduler": {"type": "ReduceLROnPlateau"},
        "train_transforms": [{"type": "RandomHorizontalFlip"}],
    }
    d = _write(tmp_path, "real", MODELS["LFWFaces"], training)
    proc = subprocess.run(
        [sys.executable, "train.py", "--epochs", "1", "--out", "runs", "--device", "cpu"],
        cwd=d,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_run(d, proc.stdout)
