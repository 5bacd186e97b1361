"""A finished run's model, ready to answer: built from the run's stored graph, its checkpoint
loaded strictly, kept in a per-run LRU.

Why not import the run's ``model.py``: that would execute a file from the data directory in the
server's process. The graph document is validated data; ``shapes.build_model`` makes the same
module tree with the same ``state_dict`` keys as the generated code (tests/unit compares them),
so ``load_state_dict(strict=True)`` proves the checkpoint fits. The checkpoint is read with
``torch.load(weights_only=True)``, which unpickles tensors and plain containers only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError
from torch import nn

from torchcanvas.catalog import layer_spec
from torchcanvas.catalog.training import MULTI_IMAGE, ResolvedTraining, resolve_training
from torchcanvas.graph.model import Graph, LayerNode, ModuleNode
from torchcanvas.graph.validate import GraphError
from torchcanvas.inference.data import InputKind, input_kind
from torchcanvas.limits import LimitExceeded, Limits
from torchcanvas.shapes import build_model
from torchcanvas.shapes.cost import analyze_within
from torchcanvas.shapes.infer import Analysis


class NotUsable(Exception):
    """The run cannot answer: no checkpoint yet, or one that does not fit its graph. Its message
    says why and what to do."""


@dataclass
class Layer:
    """A top-level node whose output can be inspected."""

    id: str
    type: str
    attr: str  # the module attribute build_model gave it (codegen's name)
    conv: bool


@dataclass
class LoadedModel:
    run_id: int
    graph: Graph
    training: ResolvedTraining
    model: nn.Module
    kind: InputKind
    layers: dict[str, Layer]
    input_ids: list[str]
    crops: int  # a multi-image test transform (TenCrop): predictions are averaged over them
    # Explain and inspect add hooks to the model; one evaluation at a time per model keeps another
    # request's forward pass out of them.
    lock: threading.Lock
    analysis: Analysis | None = None  # kept for a detector's setup (its backbone's output shape)

    @property
    def task(self) -> str:
        return str(self.training.dataset.spec.task)

    def last_conv(self) -> Layer | None:
        convs = [layer for layer in self.layers.values() if layer.conv]
        return convs[-1] if convs else None


def _layers(analysis: Analysis) -> dict[str, Layer]:
    out = {}
    for n in analysis.top.topo.order:
        info = analysis.top.infos[n.id]
        if isinstance(n, LayerNode):
            spec = layer_spec(n.type)
            if spec is None or n.type == "Parameter":
                continue
            conv = n.type.startswith(("Conv", "LazyConv")) and "Transpose" not in n.type
            out[n.id] = Layer(n.id, n.type, info.attr, conv)
        elif isinstance(n, ModuleNode):
            out[n.id] = Layer(n.id, n.module, info.attr, False)
    return out


def load(run_id: int, graph_doc: dict[str, Any], checkpoint: Path, limits: Limits) -> LoadedModel:
    """The run's model in eval mode on the CPU. Raises NotUsable with a message for the user."""
    if not checkpoint.is_file():
        raise NotUsable(f"run {run_id} has saved no checkpoint yet: wait for its first epoch to end, or train it")
    try:
        graph = Graph.model_validate(graph_doc)
        training = resolve_training(graph.training)
        analysis = analyze_within(graph, limits)
        model = build_model(analysis)
        if training.dataset.spec.task == "detection":  # the checkpoint is the detector around this backbone
            from torchcanvas.inference.detection import wrap

            model = wrap(model, analysis, training)
    except (ValidationError, GraphError, LimitExceeded) as e:
        raise NotUsable(f"run {run_id}'s graph no longer builds with this server's catalog: {e}") from None
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as e:  # a truncated or foreign file: pickle, zip and torch each raise their own
        raise NotUsable(f"run {run_id}'s checkpoint cannot be read ({type(e).__name__}); train the run again") from None
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict):
        raise NotUsable(f"run {run_id}'s checkpoint holds no state_dict; train the run again")
    try:
        model.load_state_dict(state, strict=True)
    except (RuntimeError, TypeError) as e:
        first = str(e).splitlines()[:3]
        raise NotUsable(f"run {run_id}'s checkpoint does not fit its graph: {' '.join(first)[:400]}") from None
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)  # attributions take gradients with respect to the input only
    crops = next((MULTI_IMAGE[t.spec.type] for t in training.test_transforms if t.spec.type in MULTI_IMAGE), 1)
    return LoadedModel(
        run_id=run_id,
        graph=graph,
        training=training,
        model=model,
        kind=input_kind(training.dataset.spec, training.dataset.values),
        # A detector's layers sit in its backbone: the studio inspects classifiers' layers only.
        layers={} if training.dataset.spec.task == "detection" else _layers(analysis),
        input_ids=[n.id for n in analysis.top.body.inputs()],
        crops=crops,
        lock=threading.Lock(),
        analysis=analysis,
    )


class ModelCache:
    """Loaded models by run, the least recently used dropped past ``size``. A checkpoint written
    again (a run that trained on) is a new key, so it is loaded afresh."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int, int], LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0  # how many times a model was built (tests and the bench read it)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, run_id: int, graph_doc: dict[str, Any], checkpoint: Path, limits: Limits) -> LoadedModel:
        try:
            st = checkpoint.stat()
        except OSError:
            raise NotUsable(
                f"run {run_id} has saved no checkpoint yet: wait for its first epoch to end, or train it"
            ) from None
        key = (run_id, st.st_mtime_ns, st.st_size)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        loaded = load(run_id, graph_doc, checkpoint, limits)  # outside the lock: others keep being served
        with self._lock:
            self.loads += 1
            for old in [k for k in self._items if k[0] == run_id]:
                del self._items[old]
            self._items[key] = loaded
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return loaded
