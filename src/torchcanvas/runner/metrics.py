"""What a run's stored events add up to: curves, final metrics, the comparison of runs, and the
weight histograms from its TensorBoard event files."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from torchcanvas.runner.events import Confusion, EpochMetrics, FitCurve, Progress, finite_json
from torchcanvas.runner.events import RunEvent as Event

CURVE_KEYS = ("train_loss", "train_loss_max", "test_loss", "test_acc", "test_miou", "map50", "map", "lr", "seconds")


def summarize(events: Iterable[Event]) -> dict[str, Any]:
    """``{epochs: [...per epoch...], final, curves, fit, confusion, progress}`` in JSON form."""
    epochs: list[dict[str, Any]] = []
    fit: FitCurve | None = None
    confusion: Confusion | None = None
    progress: Progress | None = None
    for e in events:
        if isinstance(e, EpochMetrics):
            row = {"epoch": e.epoch, **{k: getattr(e, k) for k in CURVE_KEYS}}
            if e.losses:  # a detector's losses by name; the curves have one each, "loss:<name>"
                row["losses"] = dict(e.losses)
            epochs.append(row)
        elif isinstance(e, FitCurve):
            fit = e
        elif isinstance(e, Confusion):
            confusion = e
        elif isinstance(e, Progress):
            progress = e
    curves = {k: [row[k] for row in epochs] for k in ("epoch", *CURVE_KEYS)}
    for part in sorted({k for row in epochs for k in row.get("losses", {})}):
        curves[f"loss:{part}"] = [row.get("losses", {}).get(part) for row in epochs]
    return finite_json(
        {
            "epochs": epochs,
            "curves": curves,
            "final": epochs[-1] if epochs else None,
            "max_train_loss": _nanmax(row["train_loss_max"] for row in epochs),
            "fit": None if fit is None else {"x": fit.x, "y": fit.y, "train": fit.train, "test": fit.test},
            "confusion": None if confusion is None else confusion.matrix,
            "progress": None
            if progress is None
            else {
                "epoch": progress.epoch,
                "step": progress.step,
                "steps": progress.steps,
                "loss": progress.loss,
                "fraction": progress.fraction,
                "eta_seconds": progress.eta_seconds,
            },
        }
    )


def _nanmax(values: Iterable[float | None]) -> float | None:
    """The largest value; NaN if any is NaN (a diverged loss is the worst loss)."""
    out: float | None = None
    for v in values:
        if v is None:
            continue
        if math.isnan(v):
            return math.nan
        out = v if out is None else max(out, v)
    return out


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a.b.c": leaf}`` for nested dicts; lists are leaves."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def hyperparameters(graph: dict[str, Any]) -> dict[str, Any]:
    """A graph's training config and its layers' params, flat: ``training.lr``,
    ``nodes.conv1.type``, ``nodes.drop1.params.p``, ``modules.Block.nodes.bn.params.eps``."""
    flat = flatten(graph.get("training", {}), "training")

    def body(nodes: Sequence[dict[str, Any]], prefix: str) -> None:
        for n in nodes:
            if n.get("kind") == "layer":
                flat[f"{prefix}.{n['id']}.type"] = n.get("type")
                flat.update(flatten(n.get("params") or {}, f"{prefix}.{n['id']}.params"))
            elif n.get("kind") == "module":
                flat[f"{prefix}.{n['id']}.module"] = n.get("module")

    body(graph.get("nodes", []), "nodes")
    for m in graph.get("modules", []):
        body(m.get("nodes", []), f"modules.{m.get('name')}.nodes")
    return flat


_MISSING = "(absent)"


def differences(graphs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hyperparameters whose values are not the same in every graph: ``[{key, label, values}]``,
    ``values`` in the order of ``graphs``; a layer missing from a graph shows as "(absent)"."""
    flats = [hyperparameters(g) for g in graphs]
    keys = sorted({k for f in flats for k in f})
    out = []
    for k in keys:
        values = [f.get(k, _MISSING) for f in flats]
        if any(v != values[0] for v in values[1:]):
            out.append({"key": k, "label": hyperparameter_label(k, graphs), "values": values})
    return out


# The training config's fields as the Training panel names them (served in GET /defaults: the
# experiment dialog's pickers use the same words).
TRAINING_LABELS = {
    "training.lr": "learning rate",
    "training.batch_size": "batch size",
    "training.epochs": "epochs",
    "training.seed": "random seed",
    "training.optimizer.type": "optimizer",
    "training.loss.type": "loss",
    "training.dataset.type": "dataset",
    "training.scheduler.type": "LR scheduler",
    "training.freeze": "frozen layers",
}
TRAINING_GROUPS = {"optimizer": "optimizer", "loss": "loss", "dataset": "dataset", "scheduler": "LR scheduler"}


def _node(graphs: Sequence[dict[str, Any]], module: str | None, node_id: str) -> dict[str, Any] | None:
    for g in graphs:
        bodies = [g] if module is None else [m for m in g.get("modules", []) if m.get("name") == module]
        for body in bodies:
            for n in body.get("nodes", []):
                if n.get("id") == node_id:
                    return n
    return None


def hyperparameter_label(key: str, graphs: Sequence[dict[str, Any]]) -> str:
    """A flattened key in the words of the editor: ``nodes.bn1.type`` -> "bn1 (BatchNorm2d): layer",
    ``nodes.drop1.params.p`` -> "drop1 (Dropout): p", ``training.optimizer.params.weight_decay`` ->
    "optimizer: weight_decay". A node is named as on the canvas (its name, else its id), from the
    first graph that has it."""
    if key in TRAINING_LABELS:
        return TRAINING_LABELS[key]
    parts = key.split(".")
    if parts[0] == "training":
        if len(parts) >= 4 and parts[1] in TRAINING_GROUPS and parts[2] == "params":
            return f"{TRAINING_GROUPS[parts[1]]}: {'.'.join(parts[3:])}"
        return " ".join(parts[1:]).replace("_", " ")
    module, rest = (None, parts[1:]) if parts[0] == "nodes" else (parts[1], parts[3:])
    if parts[0] not in ("nodes", "modules") or len(rest) < 2:
        return key
    node_id, field = rest[0], rest[1:]
    n = _node(graphs, module, node_id) or {}
    name = n.get("name") or node_id
    what = n.get("type") or n.get("module")
    where = f"{module}.{name}" if module else name
    subject = f"{where} ({what})" if what else where
    if field == ["type"]:
        return f"{subject}: layer"
    if field == ["module"]:
        return f"{subject}: module"
    return f"{subject}: {'.'.join(field[1:] if field[0] == 'params' else field)}"


def histograms(logdir: Path, bins: int = 30, max_steps: int = 200) -> dict[str, list[dict[str, Any]]]:
    """Per parameter name, per logged epoch: ``{epoch, edges, counts, norm}`` (``len(edges) ==
    len(counts) + 1``), read with TensorBoard's EventAccumulator from ``logdir``. TensorBoard's
    buckets grow exponentially away from 0; ``bins`` > 0 regroups them into that many equal bins
    between the smallest and the largest weight (a bucket's count goes to the bin of its centre)."""
    if not logdir.is_dir() or not any(logdir.glob("events.out.tfevents.*")):
        return {}
    from tensorboard.backend.event_processing.event_accumulator import HISTOGRAMS, EventAccumulator

    acc = EventAccumulator(str(logdir), size_guidance={HISTOGRAMS: max_steps})
    acc.Reload()
    out: dict[str, list[dict[str, Any]]] = {}
    for tag in acc.Tags().get(HISTOGRAMS, []):
        rows = []
        for h in acc.Histograms(tag):
            v = h.histogram_value
            # bucket_limit holds each bucket's right edge. torch writes an empty first bucket
            # whose right edge is the left edge of the data; other writers start at min.
            limits = [float(x) for x in v.bucket_limit]
            counts = [float(c) for c in v.bucket]
            if len(counts) > 1 and counts[0] == 0:
                edges, counts = limits, counts[1:]
            else:
                edges = [float(v.min), *limits]
            if bins:
                edges, counts = _rebin(edges, counts, bins)
            # TensorBoard keeps the exact sum of squares beside the buckets: the L2 norm needs no rebinning.
            norm = math.sqrt(v.sum_squares) if v.sum_squares >= 0 else None
            rows.append({"epoch": int(h.step), "edges": edges, "counts": counts, "norm": norm})
        out[tag] = sorted(rows, key=lambda r: r["epoch"])
    return finite_json(out)  # type: ignore[no-any-return]


def _rebin(edges: list[float], counts: list[float], bins: int) -> tuple[list[float], list[float]]:
    lo, hi = edges[0], edges[-1]
    if not hi > lo:
        return [lo, hi], [sum(counts)]
    width = (hi - lo) / bins
    out = [0.0] * bins
    for left, right, count in zip(edges, edges[1:], counts, strict=False):
        if count:
            out[min(bins - 1, max(0, int(((left + right) / 2 - lo) / width)))] += count
    return [lo + i * width for i in range(bins)] + [hi], out
