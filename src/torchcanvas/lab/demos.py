"""Forward demos computed directly with torch: no training run needed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn as nn

NormLayer = Literal["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm"]


def dropout_scale(p: float, n: int, seed: int) -> dict[str, Any]:
    """The seed's demo: Dropout(p) -> Linear(n, 1, bias=False) -> ReLU with unit weights, on ones.

    In training mode each unit is kept with probability 1 - p and scaled by 1 / (1 - p), so the
    output is (kept units) / (1 - p): about n. In eval mode Dropout is the identity: exactly n.
    """
    torch.manual_seed(seed)
    linear = nn.Linear(n, 1, bias=False)
    net = nn.Sequential(nn.Dropout(p), linear, nn.ReLU())
    with torch.no_grad():
        linear.weight.fill_(1.0)
        x = torch.ones(n)
        net.train()
        torch.manual_seed(seed)
        dropped = net[0](x)
        torch.manual_seed(seed)  # the same mask again, for the whole forward pass
        train_out = net(x).item()
        net.eval()
        eval_out = net(x).item()
    kept = int((dropped != 0).sum().item())
    return {
        "p": p,
        "n": n,
        "seed": seed,
        "kept": kept,
        "scale": 1.0 / (1.0 - p),
        "train_output": train_out,
        "eval_output": eval_out,
        "expected": float(n),
        "relative_difference": (train_out - n) / n,
    }


class NormalizationError(ValueError):
    """A configuration torch (or the seed's rules) would refuse; ``field`` names the request field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_AXIS_NAMES = {2: ["N", "C"], 3: ["N", "C", "L"], 4: ["N", "C", "H", "W"], 5: ["N", "C", "D", "H", "W"]}


def _axis_names(rank: int) -> list[str]:
    return _AXIS_NAMES.get(rank, ["N", "C", *(f"d{i}" for i in range(2, rank))])


@dataclass
class _Built:
    module: nn.Module
    code: str
    axes: list[int]
    per: str
    groups: list[list[int]] | None = None


def _build(
    shape: list[int],
    layer: NormLayer,
    normalized_shape: list[int] | None,
    num_groups: int | None,
    affine: bool | None,
    track: bool | None,
) -> _Built:
    rank, c = len(shape), shape[1]
    names = _axis_names(rank)
    spatial = list(range(2, rank))
    if layer in ("LayerNorm", "GroupNorm") and track is not None:
        raise NormalizationError(
            "track_running_stats", f"{layer} keeps no running statistics; leave track_running_stats out"
        )
    if layer != "LayerNorm" and normalized_shape is not None:
        raise NormalizationError("normalized_shape", f"normalized_shape belongs to LayerNorm, not {layer}")
    if layer != "GroupNorm" and num_groups is not None:
        raise NormalizationError("num_groups", f"num_groups belongs to GroupNorm, not {layer}")

    if layer == "BatchNorm":
        if rank > 5:
            raise NormalizationError("shape", "BatchNorm takes (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W)")
        cls = {2: nn.BatchNorm1d, 3: nn.BatchNorm1d, 4: nn.BatchNorm2d, 5: nn.BatchNorm3d}[rank]
        kw = {"affine": True if affine is None else affine, "track_running_stats": True if track is None else track}
        return _Built(
            cls(c, **kw),
            f"nn.{cls.__name__}({c}{_kw(kw, True, True)})",
            [0, *spatial],
            f"one mean and variance per channel ({c}), over {_names(names, [0, *spatial])}",
        )
    if layer == "InstanceNorm":
        if not 3 <= rank <= 5:
            raise NormalizationError(
                "shape",
                "InstanceNorm takes (N, C, L), (N, C, H, W) or (N, C, D, H, W): it normalizes each "
                "instance's channel over its spatial positions, and (N, C) has none",
            )
        inst = {3: nn.InstanceNorm1d, 4: nn.InstanceNorm2d, 5: nn.InstanceNorm3d}[rank]
        kw = {"affine": bool(affine), "track_running_stats": bool(track)}
        return _Built(
            inst(c, **kw),
            f"nn.{inst.__name__}({c}{_kw(kw, False, False)})",
            spatial,
            f"one mean and variance per sample and channel ({shape[0]}x{c}), over {_names(names, spatial)}",
        )
    if layer == "LayerNorm":
        ns = list(shape[1:]) if normalized_shape is None else list(normalized_shape)
        suffixes = [shape[i:] for i in range(1, rank)]
        if not ns or ns != shape[rank - len(ns) :] or len(ns) > rank:
            options = ", ".join(str(s) for s in suffixes)
            raise NormalizationError(
                "normalized_shape",
                f"normalized_shape must be a suffix of the input shape {shape}: {options}; {ns} is not",
            )
        axes = list(range(rank - len(ns), rank))
        ea = True if affine is None else affine
        return _Built(
            nn.LayerNorm(ns, elementwise_affine=ea),
            f"nn.LayerNorm({ns}{'' if ea else ', elementwise_affine=False'})",
            axes,
            f"one mean and variance per {_per(names, axes)}, over {_names(names, axes)}",
        )
    # GroupNorm
    if num_groups is None:
        raise NormalizationError("num_groups", "GroupNorm needs num_groups, a divisor of the channels")
    if num_groups < 1 or c % num_groups:
        divisors = [d for d in range(1, c + 1) if c % d == 0]
        raise NormalizationError(
            "num_groups",
            f"num_groups ({num_groups}) must divide num_channels ({c}): one of {', '.join(map(str, divisors))}",
        )
    size = c // num_groups
    groups = [list(range(g * size, (g + 1) * size)) for g in range(num_groups)]
    af = True if affine is None else affine
    return _Built(
        nn.GroupNorm(num_groups, c, affine=af),
        f"nn.GroupNorm({num_groups}, {c}{'' if af else ', affine=False'})",
        [1, *spatial],
        f"one mean and variance per sample and group of {size} channels "
        f"({shape[0]}x{num_groups}), over {_names(names, [1, *spatial])} (the group's channels)",
        groups,
    )


def _kw(kw: dict[str, bool], affine_default: bool, track_default: bool) -> str:
    parts = []
    if kw["affine"] != affine_default:
        parts.append(f"affine={kw['affine']}")
    if kw["track_running_stats"] != track_default:
        parts.append(f"track_running_stats={kw['track_running_stats']}")
    return "".join(", " + p for p in parts)


def _names(names: list[str], axes: list[int]) -> str:
    return ", ".join(names[a] for a in axes)


def _per(names: list[str], axes: list[int]) -> str:
    kept = [n for i, n in enumerate(names) if i not in axes]
    return "(" + ", ".join(kept) + ")" if kept else "tensor"


# The demo builds the layer on the meta device, so the input's size costs nothing, but the answer
# lists every group's channels and torch refuses sizes past 2^63: bounds that no lesson comes near.
MAX_CHANNELS = 4096
MAX_ELEMENTS = 2**40


def _check_size(shape: list[int], normalized_shape: list[int] | None) -> None:
    if shape[1] > MAX_CHANNELS:
        raise NormalizationError(
            "shape", f"shape: {shape[1]:,} channels is over the demo's limit of {MAX_CHANNELS:,}; use fewer channels"
        )
    for name, dims in (("shape", shape), ("normalized_shape", normalized_shape or [])):
        if math.prod(dims) > MAX_ELEMENTS:
            raise NormalizationError(
                name, f"{name}: {math.prod(dims):.3g} elements is over the demo's limit of 2^40; use smaller dims"
            )


def explore_normalization(
    shape: list[int],
    layer: NormLayer,
    normalized_shape: list[int] | None = None,
    num_groups: int | None = None,
    affine: bool | None = None,
    track_running_stats: bool | None = None,
) -> dict[str, Any]:
    """What a normalization layer does to an input of ``shape``: the axes it normalizes over,
    its groups, parameters and buffers, from the real torch layer built on the meta device."""
    if len(shape) < 2:
        raise NormalizationError("shape", "the input needs at least two dims: (N, C, ...)")
    _check_size(shape, normalized_shape)
    with torch.device("meta"):
        built = _build(shape, layer, normalized_shape, num_groups, affine, track_running_stats)
        try:
            out = built.module(torch.empty(shape))
        except (RuntimeError, ValueError) as exc:
            raise NormalizationError("shape", f"{built.code} rejects an input of shape {shape}: {exc}") from exc
    names = _axis_names(len(shape))
    params = [{"name": n, "shape": list(p.shape)} for n, p in built.module.named_parameters()]
    buffers = [{"name": n, "shape": list(b.shape)} for n, b in built.module.named_buffers()]
    running = any(b["name"] == "running_mean" for b in buffers)
    return {
        "layer": type(built.module).__name__,
        "code": built.code,
        "input_shape": shape,
        "output_shape": list(out.shape),
        "axis_names": names,
        "normalized_axes": built.axes,
        "statistics": built.per,
        "groups": built.groups,
        "parameters": params,
        "buffers": buffers,
        "running_stats": running,
        "note": "running_mean / running_var: (1 - momentum) * running + momentum * batch statistic, used in eval mode"
        if running
        else "no running statistics: training and eval normalize the same way",
    }
