"""runner/failure.py: a failed run's log tail -> one line of cause and one of fix."""

from __future__ import annotations

import math

import pytest

from torchcanvas.runner.failure import diagnose

# The tail of a CIFAR10 run on a machine without network (torchvision 0.29, urllib).
CIFAR_OFFLINE = """\
Downloading https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz to data/cifar-10-python.tar.gz
Traceback (most recent call last):
  File "/usr/lib/python3.12/urllib/request.py", line 1344, in do_open
    h.request(req.get_method(), req.selector, req.data, headers,
  File "/usr/lib/python3.12/socket.py", line 976, in getaddrinfo
    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):
socket.gaierror: [Errno -3] Temporary failure in name resolution

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "train.py", line 52, in <module>
    train_set = datasets.CIFAR10(args.data_root, train=True, download=True, transform=train_transform)
urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution>
"""

SHAPE = """\
Traceback (most recent call last):
  File "train.py", line 120, in <module>
    loss = compute_loss(model(x), y)
  File "model.py", line 20, in forward
    x = self.fc1(x)
RuntimeError: mat1 and mat2 shapes cannot be multiplied (16x400 and 256x120)
"""

OOM = """\
  File "model.py", line 14, in forward
    x = self.conv1(x)
RuntimeError: [enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate 8589934592 bytes.
"""


def test_an_offline_download_names_the_data_set_and_the_offline_choices() -> None:
    f = diagnose(CIFAR_OFFLINE, exit_code=1)
    assert f is not None and f.kind == "network"
    assert "cifar-10-python.tar.gz" in f.cause and "internet" in f.cause
    assert "Digits" in f.fix and "LFW faces" in f.fix


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        (SHAPE, "shape", ["mat1 and mat2 shapes cannot be multiplied (16x400 and 256x120)"]),
        (OOM, "memory", ["out of memory", "batch size"]),
        ("stopped at the time limit of 600 s", "time_limit", ["600 s", "fewer epochs"]),
        (
            "RuntimeError: Dataset not found or corrupted. You can use download=True to download it",
            "data_missing",
            ["download"],
        ),
        (
            "FileNotFoundError: Couldn't find any class folder in data/nowhere/train.",
            "data_missing",
            ["in data/nowhere/train.", "<root>/train/<class>/"],
        ),
        ("ModuleNotFoundError: No module named 'sklearn'", "module", ["'sklearn'", "requirements.txt"]),
        ("ValueError: loss is NaN at epoch 3", "nan", ["learning rate"]),
    ],
)
def test_common_failures(text: str, kind: str, words: list[str]) -> None:
    f = diagnose(text, exit_code=1)
    assert f is not None and f.kind == kind, f
    for w in words:
        assert w in f.cause + " " + f.fix, (w, f)


def test_a_killed_process_has_no_traceback() -> None:
    f = diagnose("epoch 3/10", exit_code=-9)
    assert f is not None and f.kind == "killed" and "memory" in f.cause


def test_anything_else_is_summarised_by_the_last_error_line() -> None:
    f = diagnose("Traceback...\n  File \"train.py\", line 3\nKeyError: 'weight'\n", exit_code=1)
    assert f is not None and f.kind == "error" and f.cause == "KeyError: 'weight'" and "log" in f.fix
    assert diagnose("the run could not be started: dataset root '../x' leaves the data folder").cause.startswith(  # type: ignore[union-attr]
        "the run could not be started"
    )
    assert diagnose(None, exit_code=2).cause == "train.py exited with code 2."  # type: ignore[union-attr]


def test_a_succeeded_run_has_no_failure_unless_its_loss_is_nan() -> None:
    assert diagnose(None, status="succeeded", final_loss=0.1) is None
    assert diagnose("cancelled by the user", status="cancelled") is None
    f = diagnose(None, status="succeeded", final_loss=math.nan)
    assert f is not None and f.kind == "nan"
