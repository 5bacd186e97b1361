"""Why a run failed, in one line, and what to do about it: read from its error text (the tail of
its log, or the runner's own reason) by pattern, for the failures a newcomer meets most.

A pure function: it reads text and numbers, touches no file and no database, and never raises.
What it does not recognise it still summarises by the traceback's last line; the log stays one
click away for the rest.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, Field

OFFLINE_DATASETS = "Digits, LFW faces, Two moons, Regression 1-D or your own images (Image folder)"


class Failure(BaseModel):
    kind: str = Field(description="network, data_missing, memory, shape, nan, time_limit, killed, module, error")
    cause: str = Field(description="what went wrong, one line")
    fix: str = Field(description="what to do about it, one line")


_NETWORK = re.compile(
    r"URLError|Temporary failure in name resolution|Name or service not known|Network is unreachable|"
    r"nodename nor servname|getaddrinfo failed|Failed to establish a new connection|No route to host|"
    r"Connection refused|ConnectionResetError|RemoteDisconnected|HTTP Error 5\d\d|timed out.*(http|url)",
    re.IGNORECASE,
)
_DOWNLOAD = re.compile(r"Downloading (https?://\S+)")
_DATA_MISSING = re.compile(r"Dataset not found|Dataset metadata file not found|File not found or corrupted")
_FOLDER_MISSING = re.compile(
    r"Couldn't find any class folder in (\S+?)\.?$|Found no valid file for the classes", re.MULTILINE
)
_MEMORY = re.compile(
    r"out of memory|OutOfMemoryError|MemoryError|can't allocate memory|Cannot allocate memory|std::bad_alloc|"
    r"DefaultCPUAllocator",
    re.IGNORECASE,
)
_SHAPE = re.compile(
    r"shapes cannot be multiplied|size mismatch|The size of tensor a|must match the size of tensor|"
    r"Expected input batch_size|Given groups=|Given normalized_shape|Expected \d+D .*input|"
    r"expected input with shape|input\.size\(-1\) must be equal to input_size|Target size .* must be the same|"
    r"Expected target size|shape '\[.*\]' is invalid for input of size|mat1 and mat2",
    re.IGNORECASE,
)
_NAN = re.compile(r"\bloss is nan\b|non-finite loss|\bNaN\b.*loss", re.IGNORECASE)
_TIME_LIMIT = re.compile(r"stopped at the time limit of ([\d.]+) s")
_MODULE = re.compile(r"No module named '([\w.]+)'")
_LAST_ERROR = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit)\w*): (.+)$")
# Signals that end a process without a Python traceback: 9 (SIGKILL, the kernel's OOM killer),
# as a negative exit code (subprocess) or 128 + n (a shell).
_KILLED_CODES = {-9, 137}


def _last_error(text: str) -> str | None:
    """The traceback's last ``SomethingError: message`` line, shortened."""
    for line in reversed(text.splitlines()):
        m = _LAST_ERROR.match(line.strip())
        if m:
            message = f"{m.group(1)}: {m.group(2)}"
            return message if len(message) <= 200 else message[:197] + "..."
    return None


def _dataset_of(url: str) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return name or url


def diagnose(
    error: str | None,
    *,
    status: str = "failed",
    exit_code: int | None = None,
    final_loss: float | None = None,
) -> Failure | None:
    """The one-line cause and fix of a run's failure, or None for a run that did not fail.

    ``error`` is the run's stored error (its log's tail, or the runner's reason), ``final_loss``
    the last reported train loss: a run that ends with a NaN loss "succeeded" as a process but
    learned nothing, and is diagnosed too.
    """
    text = error or ""
    if status == "succeeded":
        if final_loss is not None and not math.isfinite(final_loss):
            return _nan()
        return None
    if status != "failed":
        return None  # cancelled or interrupted: the status says why
    if m := _TIME_LIMIT.search(text):
        return Failure(
            kind="time_limit",
            cause=f"The run reached the server's time limit of {m.group(1)} s and was stopped.",
            fix="Train for fewer epochs, on a smaller data set or with a smaller model; or run the downloaded project on your own machine.",
        )
    if _NETWORK.search(text):
        m = _DOWNLOAD.search(text)
        what = f" ({_dataset_of(m.group(1))})" if m else ""
        return Failure(
            kind="network",
            cause=f"The data set downloads on its first run{what}, and the server could not reach the internet.",
            fix=f"Choose a data set that needs no download ({OFFLINE_DATASETS}), "
            "or put the files in the data folder on a machine that has a network connection.",
        )
    if m := _FOLDER_MISSING.search(text):
        where = f" in {m.group(1)}" if m.group(1) else ""
        return Failure(
            kind="data_missing",
            cause=f"The image folder has no class folders with images{where}.",
            fix="Put your images in <root>/train/<class>/ and <root>/test/<class>/ inside the data folder "
            f"(root is the data set's 'root' in the Training tab), or choose a data set that needs no files ({OFFLINE_DATASETS}).",
        )
    if _DATA_MISSING.search(text):
        return Failure(
            kind="data_missing",
            cause="The data set's files are not in the data folder.",
            fix="Turn on 'download' in the Training tab (it needs the internet once), copy the files into the data folder, "
            f"or choose a data set that needs no files ({OFFLINE_DATASETS}).",
        )
    if _MEMORY.search(text):
        return Failure(
            kind="memory",
            cause="The run ran out of memory.",
            fix="Lower the batch size in the Training tab, or make the model smaller (fewer channels or units, "
            "a pooling layer before the first Linear).",
        )
    if _SHAPE.search(text):
        detail = _last_error(text)
        return Failure(
            kind="shape",
            cause=f"A tensor had the wrong shape while training{': ' + detail if detail else ''}.",
            fix="Check that the model's input shape matches the data set's samples (the Training tab shows them), "
            "and that the last layer has as many outputs as the loss expects (one per class).",
        )
    if _NAN.search(text):
        return _nan()
    if m := _MODULE.search(text):
        return Failure(
            kind="module",
            cause=f"The Python package {m.group(1)!r} is not installed where the run ran.",
            fix="Install the project's requirements (pip install -r requirements.txt) and run it again.",
        )
    if exit_code in _KILLED_CODES or re.search(r"^Killed\b", text, re.MULTILINE):
        return Failure(
            kind="killed",
            cause="The operating system killed train.py (signal 9), most often because the machine ran out of memory.",
            fix="Lower the batch size or make the model smaller, then run it again.",
        )
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    detail = _last_error(text) or (lines[-1][:200] if lines else None)
    return Failure(
        kind="error",
        cause=detail or (f"train.py exited with code {exit_code}." if exit_code is not None else "The run failed."),
        fix="Open the log for the full traceback: its last lines name the file and line that failed.",
    )


def _nan() -> Failure:
    return Failure(
        kind="nan",
        cause="The loss became NaN (not a number): training diverged.",
        fix="Lower the learning rate (try 10x smaller), use the default initialization, or add BatchNorm after the layers.",
    )
