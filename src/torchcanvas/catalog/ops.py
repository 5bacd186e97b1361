"""Graph ops: what torch offers as functions or tensor methods rather than nn.Module classes.

Each op is declared once, here: its spec (ports, params), how it runs (``apply``, used by the
in-memory model and shape inference) and the Python expression code generation writes for it
(``expr``). The two are tested against each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import torch
from torch import Tensor

from torchcanvas.catalog.spec import LayerSpec, ParamSpec, PortSpec

Params = dict[str, Any]


@dataclass(frozen=True)
class Op:
    spec: LayerSpec
    apply: Callable[[Sequence[Tensor], Params], Tensor | tuple[Tensor, ...]]
    # args: the Python expressions of the inputs, in port order; returns one expression.
    expr: Callable[[Sequence[str], Params], str]


def _n_inputs(doc: str, maximum: int | None = 16) -> ParamSpec:
    return ParamSpec(name="n", type="int", default=2, minimum=2, maximum=maximum, doc=doc)


_DIM = ParamSpec(name="dim", type="int", default=1, doc="the dimension to work along (0 is the batch)")


def _op(type: str, title: str, doc: str, params: list[ParamSpec], example: dict[str, list[int | str]], **extra: Any) -> LayerSpec:
    return LayerSpec(type=type, title=title, category="Graph ops", doc=doc, params=params, is_op=True,
                     example_inputs=example, **extra)


def _t(v: Any) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, list) else (v,)


def _shape_args(shape: list[int]) -> str:
    return ", ".join(str(int(s)) for s in shape)


def _int_tuple(v: Any) -> str:
    items = [str(int(x)) for x in _t(v)]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


OPS: dict[str, Op] = {
    "Add": Op(
        _op("Add", "Add", "Element-wise sum of its inputs (a residual connection). Shapes must broadcast.",
            [_n_inputs("how many tensors to add")], {"in0": ["B", 16], "in1": ["B", 16]}, variadic_inputs="n"),
        lambda xs, p: reduce(torch.add, xs),
        lambda a, p: " + ".join(a),
    ),
    "Multiply": Op(
        _op("Multiply", "Multiply", "Element-wise product of its inputs (gating). Shapes must broadcast.",
            [_n_inputs("how many tensors to multiply")], {"in0": ["B", 16], "in1": ["B", 16]}, variadic_inputs="n"),
        lambda xs, p: reduce(torch.mul, xs),
        lambda a, p: " * ".join(a),
    ),
    "Concat": Op(
        _op("Concat", "Concat", "torch.cat: joins its inputs along one dimension; the others must match.",
            [_n_inputs("how many tensors to join", maximum=None), _DIM], {"in0": ["B", 8, 4, 4], "in1": ["B", 4, 4, 4]},
            variadic_inputs="n", key_params=["dim"]),
        lambda xs, p: torch.cat(list(xs), dim=p["dim"]),
        lambda a, p: f"torch.cat([{', '.join(a)}], dim={int(p['dim'])})",
    ),
    "Expand": Op(
        _op("Expand", "Expand", "Tensor.expand: one copy per sample of a tensor without a batch (a Parameter such as "
            "a class token), as many as the batch of the tensor on port like. No memory is copied.",
            [ParamSpec(name="shape", type="int_list", required=True, example=[-1, -1], minimum=-1,
                       doc="the size of each dimension after the batch; -1 keeps the tensor's own")],
            {"in": [1, 1, 16], "like": ["B", 10, 16]}, key_params=["shape"]).model_copy(
            update={"inputs": [PortSpec(name="in", doc="the tensor to copy; its first dimension must be 1"),
                               PortSpec(name="like", doc="the tensor whose batch size to take")]}),
        lambda xs, p: xs[0].expand(xs[1].size(0), *p["shape"]),
        lambda a, p: f"{a[0]}.expand({a[1]}.size(0), {_shape_args(p['shape'])})",
    ),
    "Reshape": Op(
        _op("Reshape", "Reshape", "Tensor.reshape that keeps dim 0 (the batch): gives each sample this shape. "
            "One entry may be -1, which is inferred.",
            [ParamSpec(name="shape", type="int_list", required=True, example=[-1], minimum=-1,
                       doc="the shape of one sample, without the batch dimension")],
            {"in": ["B", 4, 4, 4]}, key_params=["shape"]),
        lambda xs, p: xs[0].reshape(xs[0].size(0), *p["shape"]),
        lambda a, p: f"{a[0]}.reshape({a[0]}.size(0), {_shape_args(p['shape'])})",
    ),
    "Permute": Op(
        _op("Permute", "Permute", "Tensor.permute: reorders all dimensions, the batch included.",
            [ParamSpec(name="dims", type="int_list", required=True, example=[0, 2, 1], minimum=-8, maximum=7,
                       doc="the new order of the dimensions")],
            {"in": ["B", 10, 16]}, key_params=["dims"]),
        lambda xs, p: xs[0].permute(*p["dims"]),
        lambda a, p: f"{a[0]}.permute({_shape_args(p['dims'])})",
    ),
    "Transpose": Op(
        _op("Transpose", "Transpose", "Tensor.transpose: swaps two dimensions.",
            [ParamSpec(name="dim0", type="int", default=0), ParamSpec(name="dim1", type="int", default=1)],
            {"in": [10, "B", 16]}, key_params=["dim0", "dim1"]),
        lambda xs, p: xs[0].transpose(p["dim0"], p["dim1"]),
        lambda a, p: f"{a[0]}.transpose({int(p['dim0'])}, {int(p['dim1'])})",
    ),
    "Split": Op(
        _op("Split", "Split", "torch.split: cuts a tensor into pieces of the given sizes along one dimension; "
            "one output per piece.",
            [ParamSpec(name="sections", type="int_list", required=True, example=[8, 8], minimum=1,
                       doc="the size of each piece; they must add up to the input's size along dim"), _DIM],
            {"in": ["B", 16]}, variadic_outputs="sections", key_params=["sections", "dim"]),
        lambda xs, p: tuple(torch.split(xs[0], list(p["sections"]), dim=p["dim"])),
        lambda a, p: f"torch.split({a[0]}, [{_shape_args(p['sections'])}], dim={int(p['dim'])})",
    ),
    "Chunk": Op(
        _op("Chunk", "Chunk", "Tensor.chunk: cuts a tensor into equal pieces along one dimension; one output per piece. "
            "The size along dim must be divisible by chunks.",
            [ParamSpec(name="chunks", type="int", default=2, minimum=1, maximum=16), _DIM],
            {"in": ["B", 16]}, variadic_outputs="chunks", key_params=["chunks", "dim"]),
        lambda xs, p: _chunk(xs[0], p["chunks"], p["dim"]),
        lambda a, p: f"{a[0]}.chunk({int(p['chunks'])}, dim={int(p['dim'])})",
    ),
    "Mean": Op(
        _op("Mean", "Mean", "Tensor.mean over some dimensions (global average pooling is Mean over [2, 3]).",
            [ParamSpec(name="dims", type="int_list", default=[-1], minimum=-8, maximum=7, doc="the dimensions to average over"),
             ParamSpec(name="keepdim", type="bool", default=False, doc="keep the averaged dimensions with size 1")],
            {"in": ["B", 8, 4, 4]}, key_params=["dims"]),
        lambda xs, p: xs[0].mean(dim=_t(p["dims"]), keepdim=p["keepdim"]),
        lambda a, p: f"{a[0]}.mean(dim={_int_tuple(p['dims'])}{', keepdim=True' if p['keepdim'] else ''})",
    ),
    "Select": Op(
        _op("Select", "Select", "Tensor.select: picks one index along a dimension and drops that dimension "
            "(for example the last time step of an RNN, or the last layer of h_n).",
            [ParamSpec(name="dim", type="int", default=0), ParamSpec(name="index", type="int", default=-1)],
            {"in": [2, "B", 16]}, key_params=["dim", "index"]),
        lambda xs, p: xs[0].select(p["dim"], p["index"]),
        lambda a, p: f"{a[0]}.select({int(p['dim'])}, {int(p['index'])})",
    ),
}


def _chunk(x: Tensor, chunks: int, dim: int) -> tuple[Tensor, ...]:
    size = x.shape[dim]
    if size % chunks:
        # torch.chunk would silently return fewer pieces; the graph has a fixed number of ports.
        raise ValueError(f"size {size} along dim {dim} is not divisible by chunks={chunks}")
    return tuple(x.chunk(chunks, dim=dim))


class OpModule(torch.nn.Module):
    """An op as a module, so that the in-memory model is an ordinary nn.Module tree."""

    def __init__(self, op: Op, params: Params):
        super().__init__()
        self.op, self.params = op, params

    def forward(self, *xs: Tensor) -> Tensor | tuple[Tensor, ...]:
        return self.op.apply(xs, self.params)

    def extra_repr(self) -> str:
        return f"{self.op.spec.type}({self.params})"
