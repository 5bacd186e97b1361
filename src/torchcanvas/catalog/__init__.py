"""The one registry of everything a user can place or choose.

``catalog()`` is built once per process from torch introspection plus the curated tables in
``layers.py``, ``ops.py`` and ``training.py``; the editor receives it as JSON.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel

from torchcanvas.catalog import parameter
from torchcanvas.catalog.layers import build_layers
from torchcanvas.catalog.ops import OPS, Op
from torchcanvas.catalog.spec import InferRule, LayerSpec, ParamError, ParamSpec, PortSpec, Spec, resolve_params
from torchcanvas.catalog.training import (
    DatasetSpec,
    LossSpec,
    SchedulerSpec,
    build_datasets,
    build_losses,
    build_optimizers,
    build_schedulers,
    build_transforms,
)

__all__ = [
    "Catalog",
    "DatasetSpec",
    "InferRule",
    "LayerSpec",
    "LossSpec",
    "Op",
    "ParamError",
    "ParamSpec",
    "PortSpec",
    "SchedulerSpec",
    "Spec",
    "catalog",
    "layer_spec",
    "op",
    "resolve_params",
]


class Catalog(BaseModel):
    layers: dict[str, LayerSpec]
    losses: dict[str, LossSpec]
    optimizers: dict[str, Spec]
    schedulers: dict[str, SchedulerSpec]
    datasets: dict[str, DatasetSpec]
    transforms: dict[str, Spec]


@cache
def _layers() -> dict[str, LayerSpec]:
    layers = build_layers()
    layers.update({name: o.spec for name, o in OPS.items()})
    layers[parameter.SPEC.type] = parameter.SPEC
    return layers


@cache
def catalog() -> Catalog:
    return Catalog(
        layers=_layers(),
        losses=build_losses(),
        optimizers=build_optimizers(),
        schedulers=build_schedulers(),
        datasets=build_datasets(),
        transforms=build_transforms(),
    )


def layer_spec(type: str) -> LayerSpec | None:
    return _layers().get(type)


def op(type: str) -> Op | None:
    return OPS.get(type)
