"""Functional calls and tensor methods, mapped to catalog entries.

A traced ``call_function`` or ``call_method`` becomes one catalog node: an op (Add, Concat,
Reshape, ...) or a parameter-free layer (``F.relu`` becomes ReLU, ``torch.flatten`` Flatten).
Each mapper receives the call's arguments evaluated on the example input (tensors stay
``Arg.tensor``, sizes read from a shape are plain ints) and returns the node, or None when the
call is outside what the catalog can say, which the importer then refuses with its line.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from torchcanvas.shapes.infer import BATCH


@dataclass(frozen=True)
class Mapped:
    """A catalog node for a call: its type, params, and the fx nodes feeding its input ports in order."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[fx.Node, ...] = ()


@dataclass(frozen=True)
class Call:
    """One traced call: its positional and keyword arguments as fx values and as evaluated values."""

    node: fx.Node
    values: dict[fx.Node, Any]  # every node's value on the example input

    def arg(self, i: int, name: str, default: Any = None) -> Any:
        """The i-th positional argument or the keyword ``name``, as traced (an fx.Node or a constant)."""
        if i < len(self.node.args):
            return self.node.args[i]
        return self.node.kwargs.get(name, default)

    def value(self, i: int, name: str, default: Any = None) -> Any:
        return _evaluate(self.arg(i, name, default), self.values)

    def tensor(self, i: int, name: str = "input") -> fx.Node | None:
        a = self.arg(i, name)
        return a if isinstance(a, fx.Node) and isinstance(self.values.get(a), torch.Tensor) else None

    def rest(self, start: int) -> list[Any]:
        """Positional arguments from ``start`` on, evaluated; a single list argument is unpacked
        (``x.view(n, -1)`` and ``x.view((n, -1))`` are the same call)."""
        rest = [_evaluate(a, self.values) for a in self.node.args[start:]]
        if len(rest) == 1 and isinstance(rest[0], (list, tuple, torch.Size)):
            return list(rest[0])
        return rest


def _evaluate(a: Any, values: dict[fx.Node, Any]) -> Any:
    if isinstance(a, fx.Node):
        return values.get(a)
    if isinstance(a, (list, tuple)):
        return type(a)(_evaluate(x, values) for x in a)
    return a


Mapper = Callable[[Call], Mapped | None]


def _elementwise(type_: str) -> Mapper:
    def mapper(c: Call) -> Mapped | None:
        a, b = c.tensor(0), c.tensor(1, "other")
        if a is None or b is None or c.node.kwargs.get("alpha", 1) != 1:
            return None  # a scalar operand (x * 0.5) has no catalog node
        return Mapped(type_, {}, (a, b))

    return mapper


def _layer(type_: str, *names: tuple[str, Any]) -> Mapper:
    """A functional form of a parameter-free layer: ``F.relu(x)`` is ``nn.ReLU()(x)``. ``names``:
    the function's arguments after the input, with their defaults, named as the layer's params."""

    def mapper(c: Call) -> Mapped | None:
        x = c.tensor(0)
        if x is None:
            return None
        params = {}
        for i, (name, default) in enumerate(names, start=1):
            v = c.value(i, name, default)
            params[name] = list(v) if isinstance(v, tuple) else v
        return Mapped(type_, params, (x,))

    return mapper


def _cat(c: Call) -> Mapped | None:
    xs = c.arg(0, "tensors")
    if not isinstance(xs, (list, tuple)) or not all(isinstance(x, fx.Node) for x in xs):
        return None
    if len(xs) == 1:
        return None
    return Mapped("Concat", {"n": len(xs), "dim": c.value(1, "dim", 0)}, tuple(xs))


def _reshape(c: Call) -> Mapped | None:
    """``x.view(x.size(0), -1)``: a reshape that keeps the batch first is the catalog's Reshape."""
    x, shape = c.tensor(0), c.rest(1) if c.node.op == "call_method" else c.value(1, "shape")
    if x is None or not shape or shape[0] != BATCH or not all(isinstance(s, int) for s in shape):
        return None
    return Mapped("Reshape", {"shape": list(shape[1:])}, (x,))


def _flatten(c: Call) -> Mapped | None:
    x = c.tensor(0)
    start, end = c.value(1, "start_dim", 0), c.value(2, "end_dim", -1)
    if x is None or start < 1:
        return None  # flattening the batch into the features leaves no batch
    return Mapped("Flatten", {"start_dim": start, "end_dim": end}, (x,))


def _permute(c: Call) -> Mapped | None:
    x = c.tensor(0)
    dims = c.rest(1) if c.node.op == "call_method" else list(c.value(1, "dims"))
    return Mapped("Permute", {"dims": dims}, (x,)) if x is not None else None


def _transpose(c: Call) -> Mapped | None:
    x = c.tensor(0)
    return Mapped("Transpose", {"dim0": c.value(1, "dim0"), "dim1": c.value(2, "dim1")}, (x,)) if x is not None else None


def _mean(c: Call) -> Mapped | None:
    x = c.tensor(0)
    dims = c.value(1, "dim")
    if x is None or dims is None:
        return None
    dims = list(dims) if isinstance(dims, (list, tuple)) else [dims]
    return Mapped("Mean", {"dims": dims, "keepdim": bool(c.value(2, "keepdim", False))}, (x,))


def _chunk(c: Call) -> Mapped | None:
    x = c.tensor(0)
    return Mapped("Chunk", {"chunks": c.value(1, "chunks"), "dim": c.value(2, "dim", 0)}, (x,)) if x is not None else None


def _split(c: Call) -> Mapped | None:
    x, size, dim = c.tensor(0), c.value(1, "split_size_or_sections"), c.value(2, "dim", 0)
    if x is None:
        return None
    total = c.values[x].shape[dim]
    sections = list(size) if isinstance(size, (list, tuple)) else [size] * (total // size) + ([total % size] if total % size else [])
    return Mapped("Split", {"sections": sections, "dim": dim}, (x,))


def _expand(c: Call) -> Mapped | None:
    """``token.expand(x.shape[0], -1, -1)``: one copy per sample of ``x``, which feeds port ``like``."""
    x, sizes = c.tensor(0), c.rest(1)
    batch = c.node.args[1] if len(c.node.args) > 1 else None
    like = _shape_source(batch)
    if x is None or not sizes or sizes[0] != BATCH or like is None:
        return None
    return Mapped("Expand", {"shape": list(sizes[1:])}, (x, like))


def _select(c: Call) -> Mapped | None:
    """``x[:, 0]``: full slices, then one index, is Select."""
    x, key = c.tensor(0), c.arg(1, "key")
    key = key if isinstance(key, tuple) else (key,)
    if x is None or not key or not isinstance(key[-1], int) or any(k != slice(None) for k in key[:-1]):
        return None
    return Mapped("Select", {"dim": len(key) - 1, "index": key[-1]}, (x,))


def _select_call(c: Call) -> Mapped | None:
    x = c.tensor(0)
    return Mapped("Select", {"dim": c.value(1, "dim"), "index": c.value(2, "index")}, (x,)) if x is not None else None


def _shape_source(a: Any) -> fx.Node | None:
    """The tensor whose size an argument reads: ``x.shape[0]``, ``x.size(0)`` or ``x.size()[0]``."""
    if not isinstance(a, fx.Node):
        return None
    if a.op == "call_method" and a.target == "size" and len(a.args) == 2:
        return a.args[0] if isinstance(a.args[0], fx.Node) else None
    if a.op == "call_function" and a.target is operator.getitem and isinstance(a.args[0], fx.Node):
        inner = a.args[0]
        if inner.op == "call_function" and inner.target is getattr and inner.args[1] == "shape":
            return inner.args[0] if isinstance(inner.args[0], fx.Node) else None
        if inner.op == "call_method" and inner.target == "size" and len(inner.args) == 1:
            return inner.args[0] if isinstance(inner.args[0], fx.Node) else None
    return None


_RELU = _layer("ReLU")
_ACTIVATIONS: dict[Any, Mapper] = {
    F.relu: _RELU, torch.relu: _RELU, "relu": _RELU,
    F.relu6: _layer("ReLU6"), F.silu: _layer("SiLU"), F.hardswish: _layer("Hardswish"), F.hardsigmoid: _layer("Hardsigmoid"),
    F.gelu: _layer("GELU", ("approximate", "none")), torch.sigmoid: _layer("Sigmoid"), F.sigmoid: _layer("Sigmoid"),
    "sigmoid": _layer("Sigmoid"), torch.tanh: _layer("Tanh"), "tanh": _layer("Tanh"),
    F.softmax: _layer("Softmax", ("dim", None)), "softmax": _layer("Softmax", ("dim", None)),
}

# call_function targets (functions) and call_method targets (method names), one table.
MAPPERS: dict[Any, Mapper] = {
    **_ACTIVATIONS,
    operator.add: _elementwise("Add"), torch.add: _elementwise("Add"), "add": _elementwise("Add"),
    operator.mul: _elementwise("Multiply"), torch.mul: _elementwise("Multiply"), "mul": _elementwise("Multiply"),
    torch.cat: _cat, torch.concat: _cat,
    "view": _reshape, "reshape": _reshape, torch.reshape: _reshape,
    torch.flatten: _flatten, "flatten": _flatten,
    "permute": _permute, torch.permute: _permute,
    "transpose": _transpose, torch.transpose: _transpose,
    "mean": _mean, torch.mean: _mean,
    "chunk": _chunk, torch.chunk: _chunk,
    "split": _split, torch.split: _split,
    "expand": _expand,
    operator.getitem: _select, "select": _select_call, torch.select: _select_call,
    F.adaptive_avg_pool2d: _layer("AdaptiveAvgPool2d", ("output_size", None)),
    F.adaptive_max_pool2d: _layer("AdaptiveMaxPool2d", ("output_size", None)),
    F.max_pool2d: _layer("MaxPool2d", ("kernel_size", None), ("stride", None), ("padding", 0), ("dilation", 1),
                         ("ceil_mode", False)),
    F.avg_pool2d: _layer("AvgPool2d", ("kernel_size", None), ("stride", None), ("padding", 0), ("ceil_mode", False),
                         ("count_include_pad", True)),
    F.dropout: _layer("Dropout", ("p", 0.5)),
}

# Calls that compute nothing the document needs to hold: the tensor passes through unchanged.
PASS_THROUGH: set[Any] = {"contiguous", "clone"}
