"""Every catalog loss, optimizer, scheduler, dataset and transform runs through a generated train.py.

To stay cheap, one worker subprocess runs every config with ``runpy`` (a fresh ``model`` module
and ``sys.argv`` per run); one config also runs as a real ``python train.py`` subprocess.
torchvision sets: MNIST / FashionMNIST run on fake idx files; CIFAR10/100, SVHN and STL10 check
MD5 sums of their downloads, so they are only rendered, compiled and checked statically here.
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

STATIC_ONLY = {"CIFAR10", "CIFAR100", "SVHN", "STL10"}  # see the module doc

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
    "DigitsRows": GRU,
    "RandomRegression": MLP.format(inp=10, out=1),
}

WORKER = """
import contextlib, io, json, os, runpy, sys
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
        if name in STATIC_ONLY:
            continue
        loss = "MSELoss" if spec.task == "regression" else "CrossEntropyLoss"
        c[f"data-{name}"] = (MODELS[name], {"dataset": {"type": name}, "loss": {"type": loss}})
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


@pytest.mark.parametrize("name", sorted(STATIC_ONLY))
def test_download_only_sets_render(name: str):
    src = render_train_py(
        Graph.model_validate(
            {
                "training": {
                    "dataset": {"type": name},
                    "loss": {"type": "CrossEntropyLoss"},
                    "train_transforms": [{"type": "RandomCrop", "params": {"size": 32, "padding": 4}}],
                }
            }
        ),
        "Net",
    )
    compile(src, "train.py", "exec")
    split = 'split="train"' if name in ("SVHN", "STL10") else "train=True"
    assert f"datasets.{name}(args.data_root, {split}, download=True, transform=train_transform)" in src
    assert "v2.RandomCrop(size=32, padding=4)" in src
