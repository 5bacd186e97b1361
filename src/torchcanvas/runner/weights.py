"""Initial weights for a run: state_dict files a user uploaded, or an earlier run's checkpoint.

A user's files live in ``<data dir>/weights/<user id>/``: ``<id>.pt`` as uploaded and ``<id>.json``
with its name, size and every key's shape, read once when it was stored (with
``torch.load(weights_only=True)``: a state_dict is tensors, never code). A run that starts from
weights gets them as ``init.pt`` in its own folder (a hard link where the file system allows: no
copy, and the run keeps them if the upload is deleted), and train.py loads them with
``--init-from init.pt``. Before the run is queued, the file's keys and shapes are checked against
the model's (``compare``): a run whose weights cannot load strictly is never started.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from torchcanvas.graph.model import Graph
from torchcanvas.limits import Limits

INIT_FILE = "init.pt"  # in a run's folder: the weights it starts from


class WeightsError(ValueError):
    """A file that is not a state_dict, or weights that do not fit a model; the message says why."""


class WeightsInfo(BaseModel):
    id: uuid.UUID
    name: str
    size: int = Field(description="bytes")
    tensors: int = Field(description="how many entries the state_dict has")
    params: int = Field(description="elements in all of its tensors")
    created_at: datetime


class InitFrom(BaseModel):
    """Where a run's initial weights come from: your uploaded weights, or one of your runs' checkpoints."""

    model_config = ConfigDict(extra="forbid")
    weights_id: uuid.UUID | None = Field(default=None, description="weights you uploaded (POST /weights)")
    run_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="one of your runs: its last checkpoint")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.weights_id is None) == (self.run_id is None):
            raise ValueError("give exactly one of weights_id and run_id")
        return self


class Mismatch(BaseModel):
    key: str
    model: list[int] = Field(description="the shape the model has")
    file: list[int] = Field(description="the shape in the file")


class KeyReport(BaseModel):
    """A strict load of a file into a model, checked key by key before anything runs."""

    ok: bool
    matched: int = Field(description="keys in both, with the same shape")
    missing: list[str] = Field(description="in the model, not in the file")
    unexpected: list[str] = Field(description="in the file, not in the model")
    mismatched: list[Mismatch] = Field(description="in both, with other shapes")
    message: str = Field(description="one line: what fits, or what does not and the fix")


def folder(data_dir: Path, owner_id: int) -> Path:
    return data_dir / "weights" / str(int(owner_id))


def _files(data_dir: Path, owner_id: int, weights_id: uuid.UUID) -> tuple[Path, Path]:
    base = folder(data_dir, owner_id) / str(weights_id)  # a UUID's text: no path can be smuggled in
    return base.with_suffix(".pt"), base.with_suffix(".json")


def read_state(path: Path) -> dict[str, list[int]]:
    """Every key of a state_dict file and its shape. Accepts ``torch.save(model.state_dict())``
    and a checkpoint holding one under ``model`` (train.py's checkpoint.pt) or ``state_dict``.
    Memory-mapped where the format allows: reading the keys of a 500 MB file costs little."""

    import torch

    try:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as e:
            if "mmap" not in str(e) and "zip" not in str(e):
                raise
            state = torch.load(path, map_location="cpu", weights_only=True)  # the legacy format
    except Exception as e:
        raise WeightsError(
            f"not a PyTorch state_dict file ({str(e).splitlines()[0][:200] if str(e) else type(e).__name__}); "
            "save one with torch.save(model.state_dict(), 'weights.pt')"
        ) from None
    if isinstance(state, dict):
        for wrapper in ("model", "state_dict"):
            if isinstance(state.get(wrapper), dict):
                state = state[wrapper]
                break
    if not isinstance(state, dict) or not state:
        raise WeightsError("the file holds no state_dict (a dict of tensors); save one with torch.save(model.state_dict(), path)")
    shapes = {}
    for k, v in state.items():
        if not isinstance(k, str) or not isinstance(v, torch.Tensor):
            raise WeightsError(f"entry {str(k)[:80]!r} is not a tensor: a state_dict maps names to tensors")
        shapes[k] = list(v.shape)
    return shapes


def model_state(graph: Graph, limits: Limits | None = None) -> dict[str, list[int]]:
    """The keys and shapes of the generated model's state_dict, built on the meta device (no
    memory, no init). Raises GraphError for a graph with errors."""
    from torchcanvas.shapes import build_model

    model = build_model(graph, device="meta", limits=limits)
    return {k: list(v.shape) for k, v in model.state_dict().items()}


def compare(model: Mapping[str, list[int]], file: Mapping[str, list[int]], what: str = "the file") -> KeyReport:
    missing = [k for k in model if k not in file]
    unexpected = [k for k in file if k not in model]
    mismatched = [Mismatch(key=k, model=list(s), file=list(file[k])) for k, s in model.items() if k in file and list(file[k]) != list(s)]
    matched = len(model) - len(missing) - len(mismatched)
    ok = not (missing or unexpected or mismatched)
    if ok:
        message = f"all {matched} keys of the model are in {what}, with the same shapes: it loads strictly"
    else:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected ({', '.join(unexpected[:3])}{', ...' if len(unexpected) > 3 else ''})")
        if mismatched:
            m = mismatched[0]
            parts.append(f"{len(mismatched)} with another shape ({m.key}: {tuple(m.file)} in the file, {tuple(m.model)} in the model"
                         f"{', ...' if len(mismatched) > 1 else ''})")
        message = (f"{what} does not fit the model: {'; '.join(parts)}. Fix: use weights saved from this model "
                   "(the same layer names and sizes), or change the model to match them")
    return KeyReport(ok=ok, matched=matched, missing=missing, unexpected=unexpected, mismatched=mismatched, message=message)


def store(data_dir: Path, owner_id: int, name: str, upload: Path) -> WeightsInfo:
    """Keep an uploaded file (a temporary file in the owner's folder) as weights, once it reads as
    a state_dict; the temporary file is moved, or removed when it is refused."""
    try:
        shapes = read_state(upload)
        weights_id = uuid.uuid4()
        pt, meta = _files(data_dir, owner_id, weights_id)
        info = WeightsInfo(id=weights_id, name=name, size=upload.stat().st_size, tensors=len(shapes),
                           params=sum(_numel(s) for s in shapes.values()), created_at=datetime.now(UTC))
        os.replace(upload, pt)
        meta.write_text(json.dumps({"info": info.model_dump(mode="json"), "shapes": shapes}), encoding="utf-8")
        return info
    finally:
        with contextlib.suppress(FileNotFoundError):
            upload.unlink()


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def listing(data_dir: Path, owner_id: int) -> list[WeightsInfo]:
    """The owner's weights, newest first."""
    found = []
    for meta in folder(data_dir, owner_id).glob("*.json"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            found.append(WeightsInfo.model_validate(json.loads(meta.read_text(encoding="utf-8"))["info"]))
    return sorted(found, key=lambda w: w.created_at, reverse=True)


def shapes_of(data_dir: Path, owner_id: int, weights_id: uuid.UUID) -> tuple[Path, WeightsInfo, dict[str, list[int]]] | None:
    """The file, its info and its keys' shapes; None when the owner has no such weights."""
    pt, meta = _files(data_dir, owner_id, weights_id)
    try:
        stored = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not pt.is_file():
        return None
    return pt, WeightsInfo.model_validate(stored["info"]), stored["shapes"]


def delete(data_dir: Path, owner_id: int, weights_id: uuid.UUID) -> bool:
    pt, meta = _files(data_dir, owner_id, weights_id)
    if not meta.is_file():
        return False
    for f in (meta, pt):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
    return True


def place(source: Path, run_folder: Path) -> None:
    """The weights as the run's init.pt: a hard link (same file system), else a copy."""
    target = run_folder / INIT_FILE
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def describe(init_from: Any) -> str:
    """How a run's config names its initial weights, for its log and summary."""
    if not isinstance(init_from, dict):
        return ""
    if "run" in init_from:
        return f"run {init_from['run']}'s checkpoint"
    return str(init_from.get("name", "uploaded weights"))
