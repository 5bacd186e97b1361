"""The Parameter node: a learnable tensor that belongs to no layer (ViT's class token and
position embedding, ConvNeXt's layer scale).

It has no input: its output is the tensor itself, the same for every sample (no batch
dimension), and it broadcasts against a batch in Add or Multiply, or is copied per sample by
Expand. Generated code registers it as an ``nn.Parameter`` attribute, so the state_dict key is
the attribute's own name (``class_token``), as in the source model.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from torchcanvas.catalog.spec import LayerSpec, ParamSpec, PortSpec

INITS = ["zeros", "ones", "constant", "normal"]

SPEC = LayerSpec(
    type="Parameter",
    title="Parameter",
    category="Utility",
    doc="A learnable tensor of a given shape, the same for every sample (no batch dimension): a class token, "
        "a position embedding, a layer scale. Add or Multiply broadcast it over the batch; Expand copies it per sample.",
    torch="torch.nn.Parameter",
    params=[
        ParamSpec(name="shape", type="int_list", required=True, example=[1, 16], minimum=1,
                  doc="the tensor's shape, without a batch dimension"),
        ParamSpec(name="init", type="enum", choices=INITS, default="zeros",
                  doc="the initial values: zeros, ones, all equal to value, or normal with standard deviation value"),
        ParamSpec(name="value", type="float", default=0.0,
                  doc="the constant for init=constant, the standard deviation for init=normal (not negative)"),
    ],
    inputs=[],
    outputs=[PortSpec(name="out", doc="the tensor")],
    key_params=["shape", "init"],
)


def make(params: dict[str, Any]) -> nn.Parameter:
    shape = [int(d) for d in params["shape"]]
    match params.get("init", "zeros"):
        case "ones":
            data = torch.ones(shape)
        case "constant":
            data = torch.full(shape, float(params.get("value", 0.0)))
        case "normal":
            data = torch.empty(shape).normal_(std=float(params.get("value", 0.0)))
        case _:
            data = torch.zeros(shape)
    return nn.Parameter(data)


def expr(params: dict[str, Any]) -> str:
    """The generated ``nn.Parameter(...)`` expression for ``make(params)``."""
    dims = ", ".join(str(int(d)) for d in params["shape"])
    value = float(params.get("value", 0.0))
    match params.get("init", "zeros"):
        case "ones":
            data = f"torch.ones({dims})"
        case "constant":
            data = f"torch.full(({dims}{',' if len(params['shape']) == 1 else ''}), {value!r})"
        case "normal":
            data = f"torch.empty({dims}).normal_(std={value!r})"
        case _:
            data = f"torch.zeros({dims})"
    return f"nn.Parameter({data})"


class ParameterModule(nn.Module):
    """The parameter as a module, for the shape pass (it counts its elements as parameters)."""

    def __init__(self, **params: Any):
        super().__init__()
        self.weight = make(params)

    def forward(self) -> torch.Tensor:
        return self.weight
