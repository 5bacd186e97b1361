"""Experiments: the variants of one graph along a few axes (their cartesian product), one run each.

Four kinds of axis:
- ``{"path": "training.optimizer.params.weight_decay", "values": [0, 0.01]}`` sets a value of the
  training config (missing dicts on the way are created);
- ``{"layer_type": "Dropout", "param": "p", "values": [0, 0.5]}`` sets a param of every layer of
  that type, in the graph and in its module definitions;
- ``{"node": "dropout_1", "param": "p", "values": [0, 0.5]}`` sets a param of one layer of the
  model (by its node id);
- ``{"toggle": "BatchNorm"}`` gives the graph with and without every layer of that type
  (``BatchNorm`` also names BatchNorm1d/2d/3d). A removed layer must sit on a chain: its one
  input is reconnected to each of its consumers.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, ValidationError

from torchcanvas.graph.model import Graph, NodeId, TypeName

MAX_VARIANTS = 32
AxisPath = Annotated[str, StringConstraints(pattern=r"^training(\.[A-Za-z_][A-Za-z0-9_]*)+$", max_length=200)]
ParamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
Values = Annotated[list[JsonValue], Field(min_length=1, max_length=16)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathAxis(_Strict):
    path: AxisPath = Field(description="a dotted path into the graph document, under training")
    values: Values


class LayerAxis(_Strict):
    layer_type: TypeName
    param: ParamName
    values: Values


class NodeAxis(_Strict):
    node: NodeId = Field(description="the id of one layer node of the model (not inside a module)")
    param: ParamName
    values: Values


class ToggleAxis(_Strict):
    toggle: TypeName = Field(description="a layer type; BatchNorm also matches BatchNorm1d/2d/3d")


Axis = PathAxis | LayerAxis | NodeAxis | ToggleAxis


class AxisError(ValueError):
    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


@dataclass
class Variant:
    label: str
    values: dict[str, Any]  # axis name -> this variant's value
    graph: Graph


def axis_name(axis: Axis) -> str:
    if isinstance(axis, PathAxis):
        return axis.path
    if isinstance(axis, LayerAxis):
        return f"{axis.layer_type}.{axis.param}"
    if isinstance(axis, NodeAxis):
        return f"{axis.node}.{axis.param}"
    return axis.toggle


def _short(axis: Axis) -> str:
    if isinstance(axis, PathAxis):
        return axis.path.rsplit(".", 1)[-1]
    return axis_name(axis)


def _choices(axis: Axis) -> list[Any]:
    return [True, False] if isinstance(axis, ToggleAxis) else list(axis.values)


def _matches(toggle: str, layer_type: str) -> bool:
    return re.fullmatch(rf"{re.escape(toggle)}([123]d)?", layer_type) is not None


def _bodies(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [doc, *doc.get("modules", [])]


def _set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    cur = doc
    for k in keys[:-1]:
        nxt = cur.get(k)
        if nxt is None:
            nxt = cur[k] = {}
        if not isinstance(nxt, dict):
            raise ValueError(f"{k} in {path} is not an object")
        cur = nxt
    cur[keys[-1]] = value


def _set_layer_param(doc: dict[str, Any], layer_type: str, param: str, value: Any) -> int:
    count = 0
    for body in _bodies(doc):
        for n in body.get("nodes", []):
            if n.get("kind") == "layer" and n.get("type") == layer_type:
                n.setdefault("params", {})[param] = value
                count += 1
    return count


def _set_node_param(doc: dict[str, Any], node: str, param: str, value: Any) -> None:
    for n in doc.get("nodes", []):
        if n.get("id") == node:
            if n.get("kind") != "layer":
                raise ValueError(f"'{node}' is not a layer: only a layer's params can vary")
            n.setdefault("params", {})[param] = value
            return
    raise ValueError(f"the model has no node '{node}'")


def _remove_layers(doc: dict[str, Any], toggle: str) -> int:
    """Remove every layer matching ``toggle``, reconnecting its input to its consumers."""
    count = 0
    for body in _bodies(doc):
        for node in [
            n for n in body.get("nodes", []) if n.get("kind") == "layer" and _matches(toggle, n.get("type", ""))
        ]:
            nid = node["id"]
            edges = body.get("edges", [])
            incoming = [e for e in edges if e["target"]["node"] == nid]
            if len(incoming) != 1:
                raise ValueError(f"layer '{nid}' has {len(incoming)} inputs; only a layer on a chain can be removed")
            source = incoming[0]["source"]
            kept = []
            for e in edges:
                if e["target"]["node"] == nid:
                    continue
                if e["source"]["node"] == nid:
                    e = {**e, "source": dict(source)}
                kept.append(e)
            body["edges"] = kept
            body["nodes"] = [n for n in body["nodes"] if n.get("id") != nid]
            count += 1
    return count


def _apply(doc: dict[str, Any], index: int, axis: Axis, value: Any) -> None:
    try:
        if isinstance(axis, PathAxis):
            _set_path(doc, axis.path, value)
        elif isinstance(axis, LayerAxis):
            if _set_layer_param(doc, axis.layer_type, axis.param, value) == 0:
                raise ValueError(f"the graph has no {axis.layer_type} layer")
        elif isinstance(axis, NodeAxis):
            _set_node_param(doc, axis.node, axis.param, value)
        elif not value:
            _remove_layers(doc, axis.toggle)
    except ValueError as exc:
        raise AxisError(index, str(exc)) from exc


def _label_value(value: Any) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return str(value)


def expand(base: Graph, axes: list[Axis]) -> list[Variant]:
    """Every combination of the axes' values, as validated graphs. Raises AxisError."""
    doc = base.model_dump(mode="json")
    for i, axis in enumerate(axes):
        if isinstance(axis, ToggleAxis) and not any(
            n.get("kind") == "layer" and _matches(axis.toggle, n.get("type", ""))
            for body in _bodies(doc)
            for n in body.get("nodes", [])
        ):
            raise AxisError(i, f"the graph has no {axis.toggle} layer to toggle")
    total = 1
    for axis in axes:
        total *= len(_choices(axis))
    if total > MAX_VARIANTS:
        raise AxisError(len(axes) - 1, f"{total} variants; an experiment has at most {MAX_VARIANTS}")
    variants = []
    for combo in itertools.product(*(_choices(a) for a in axes)):
        variant = copy.deepcopy(doc)
        for i, (axis, value) in enumerate(zip(axes, combo, strict=True)):
            _apply(variant, i, axis, value)
        label = ", ".join(f"{_short(a)}={_label_value(v)}" for a, v in zip(axes, combo, strict=True)) or "base"
        try:
            graph = Graph.model_validate(variant)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise AxisError(_culprit(axes, where), f"the variant {label} is invalid: {where}: {first['msg']}") from exc
        variants.append(Variant(label, {axis_name(a): v for a, v in zip(axes, combo, strict=True)}, graph))
    return variants


def _culprit(axes: list[Axis], where: str) -> int:
    """The axis whose path the validation error points into (else the last axis)."""
    for i, a in enumerate(axes):
        if isinstance(a, PathAxis) and (where.startswith(a.path) or a.path.startswith(where)):
            return i
    return len(axes) - 1
