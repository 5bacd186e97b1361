"""Shape, parameter and FLOP inference over a graph document.

Each node is computed from its type, its params and its input shapes only, so results are cached
under exactly that key: re-checking a graph after a one-param edit recomputes the edited node
and whatever downstream node actually sees a new input shape. Common layers use closed-form rules
(``rules.py``); anything else runs on the meta device, where no memory is allocated.

The batch dimension is symbolic ("B"). It is carried through the computation as a large prime
that no real dimension uses, and shown as "B" again.
"""

from __future__ import annotations

import importlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from torchcanvas.catalog import LayerSpec, catalog, layer_spec, op, parameter, resolve_params
from torchcanvas.catalog.ops import OpModule
from torchcanvas.graph.model import Body, Graph, InputNode, LayerNode, ModuleDef, ModuleNode, Node, OutputNode
from torchcanvas.graph.names import Namespace, is_module_key, snake, stem_for_type
from torchcanvas.graph.validate import Issue, Topology, io_issues, module_issues, topology
from torchcanvas.shapes import rules

BATCH = 1_000_003  # stands for "B"; above the largest dimension a document may declare
MAX_PARAMS = 2_000_000_000  # per model: 8 GB of float32 weights
MAX_ACTIVATION = 2_000_000_000  # elements per sample in one tensor

Shape = tuple[int, ...]


@dataclass(frozen=True)
class TensorMeta:
    shape: Shape
    dtype: str = "float32"

    def shown(self) -> list[int | str]:
        return [show_dim(d) for d in self.shape]


def show_dim(d: int) -> int | str:
    if d == BATCH:
        return "B"
    if d > BATCH and d % BATCH == 0:
        return f"B*{d // BATCH}"
    return d


def show_shape(shape: Shape) -> str:
    return "(" + ", ".join(str(show_dim(d)) for d in shape) + ")"


@dataclass
class NodeInfo:
    """What the analysis knows about one node."""

    node: Node
    attr: str  # the Python attribute/variable stem for this node (same in code and in memory)
    inputs: dict[str, TensorMeta] = field(default_factory=dict)
    outputs: dict[str, TensorMeta] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)  # resolved: defaults, given and inferred
    inferred: dict[str, Any] = field(default_factory=dict)
    n_params: int = 0
    flops: int = 0  # for the whole (symbolic) batch; divided by BATCH when reported
    issues: list[Issue] = field(default_factory=list)
    body: BodyAnalysis | None = None  # for a module node: the analysis of its definition


@dataclass
class BodyAnalysis:
    body: Body
    module: str | None
    topo: Topology
    infos: dict[str, NodeInfo]
    issues: list[Issue]

    @property
    def ok(self) -> bool:
        return not self.issues and all(not i.issues for i in self.infos.values())


@dataclass
class Analysis:
    graph: Graph
    top: BodyAnalysis
    issues: list[Issue]  # every issue, node issues included
    module_bodies: dict[str, BodyAnalysis]  # the first instance's analysis of each module
    # Every instance's analysis, in order of use: an instance fed other shapes may infer other
    # params (a block used at 16 and at 32 channels), which code generation turns into arguments.
    module_instances: dict[str, list[BodyAnalysis]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def is_chain(body: BodyAnalysis) -> bool:
    """One input, one output, and a single path through single-in, single-out modules: code
    generation writes it as an ``nn.Sequential``."""
    b = body.body
    if len(b.inputs()) != 1 or len(b.outputs()) != 1:
        return False
    for n in body.topo.order:
        info = body.infos[n.id]
        if isinstance(n, LayerNode):
            spec = layer_spec(n.type)
            if spec is None or spec.is_op or len(spec.input_ports(info.params)) != 1 or len(spec.output_ports(info.params)) != 1:
                return False
        elif isinstance(n, ModuleNode) and (
            info.body is None or len(info.body.body.inputs()) != 1 or len(info.body.body.outputs()) != 1
        ):
            return False
    return all(len(c) == 1 for c in body.topo.consumers.values()) and len(body.topo.consumers) == len(b.nodes) - 1


def member_order(body: BodyAnalysis) -> list[Node]:
    """The order in which a body's layers and modules are registered, so the order of the
    ``state_dict``. The document's order (an imported model's source order), except in a chain:
    an ``nn.Sequential`` runs its members in the order they were registered."""
    return list(body.topo.order) if is_chain(body) else [n for n in body.body.nodes if n.id in body.infos]


# ---- per-node computation, cached -------------------------------------------------------------------


class _LRU(OrderedDict[Any, Any]):
    def __init__(self, size: int):
        super().__init__()
        self.size = size
        self.misses = 0  # calls to make(): what the tests and benchmarks count to see the cache work

    def get_or(self, key: Any, make: Any) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        self.misses += 1
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


_NODE_CACHE = _LRU(50_000)  # per (type, params, input shapes): the torch-level result
_LAYER_CACHE = _LRU(50_000)  # per node: everything the analysis derives for it


def clear_caches() -> None:
    """Forget every cached result, so that the next check computes each node afresh."""
    for lru in (_NODE_CACHE, _LAYER_CACHE, _TRAINING_CACHE):
        lru.clear()


def _freeze(v: Any) -> Any:
    """A hashable, order-independent form of a JSON value (cheaper than json.dumps)."""
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return ("f", v)  # keep 1.0 and 1 apart: they render differently
    return v


@dataclass(frozen=True)
class _Computed:
    outputs: tuple[TensorMeta | None, ...] | None
    n_params: int = 0
    flops: int = 0
    error: str | None = None


_DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
           "bfloat16": torch.bfloat16, "int64": torch.int64, "bool": torch.bool}
_DTYPE_NAMES = {v: k for k, v in _DTYPES.items()}


def instantiate(spec: LayerSpec, params: dict[str, Any]) -> torch.nn.Module:
    """The torch module for a layer with resolved params (lists become tuples)."""
    o = op(spec.type)
    if o is not None:
        return OpModule(o, params)
    if spec.type == parameter.SPEC.type:
        return parameter.ParameterModule(**params)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    return layer_class(spec.torch)(**kwargs)


@cache
def layer_class(dotted: str) -> type[torch.nn.Module]:
    """The class a catalog layer names: torch.nn.Conv2d, torchvision.ops.StochasticDepth."""
    home, _, name = dotted.rpartition(".")
    cls: type[torch.nn.Module] = getattr(importlib.import_module(home), name)
    return cls


def _flatten(out: Any) -> list[torch.Tensor | None]:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [out]


# What torch raises for params or input shapes that a user got wrong (found by running every
# catalog layer with zero, negative and list values and with 2-D to 4-D inputs): RuntimeError for
# shape checks in kernels, ValueError / IndexError / NotImplementedError from module forwards
# (BatchNorm's "expected 4D input", a pool's dim out of range, a reflection pad's unsupported
# size), AssertionError from a few constructors ("embed_dim must be divisible by num_heads").
# Anything else (a TypeError from a wrong keyword, say) is a catalog bug and is not caught.
USER_ERRORS = (RuntimeError, ValueError, IndexError, NotImplementedError, AssertionError)


def _meta_compute(spec: LayerSpec, params: dict[str, Any], ins: list[TensorMeta], n_out: int) -> _Computed:
    try:
        with torch.device("meta"):
            mod = instantiate(spec, params).eval()
            n_params = sum(p.numel() for p in mod.parameters())
            if n_params > MAX_PARAMS:
                return _Computed(None, n_params, 0, _too_many(n_params))
            xs = [torch.empty(m.shape, dtype=_DTYPES[m.dtype]) for m in ins]
            with FlopCounterMode(display=False) as counter:
                out = mod(*xs)
    except USER_ERRORS as e:
        return _Computed(None, error=_clean_error(e))
    flat = _flatten(out)[:n_out]
    metas = tuple(None if t is None else TensorMeta(tuple(t.shape), _DTYPE_NAMES.get(t.dtype, "float32")) for t in flat)
    return _Computed(metas, n_params, counter.get_total_flops())


def _too_many(n: int) -> str:
    return f"this layer would have {n:,} parameters ({n * 4 / 1e9:,.1f} GB of float32), over the limit of {MAX_PARAMS:,}"


def _clean_error(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    text = re.sub(r"\b1000003\b", "B", text)
    return text[:300]


def compute_node(spec: LayerSpec, params: dict[str, Any], ins: list[TensorMeta], n_out: int) -> _Computed:
    key = (spec.type, _freeze(params), tuple(ins), n_out)

    def make() -> _Computed:
        rule = rules.RULES.get(spec.type)
        if rule is not None:
            try:
                got = rule(params, [m.shape for m in ins])
            except rules.NotHandled:
                got = None
            if got is not None:
                shapes, n_params, flops = got
                if n_params > MAX_PARAMS:
                    return _Computed(None, n_params, 0, _too_many(n_params))
                dtype = ins[0].dtype if ins else "float32"
                return _Computed(tuple(TensorMeta(s, dtype) for s in shapes), n_params, flops)
        return _meta_compute(spec, params, ins, n_out)

    return _NODE_CACHE.get_or(key, make)


# ---- the walk over a body --------------------------------------------------------------------------

_NOUNS = {
    "in_features": "input features", "in1_features": "features on in1", "in2_features": "features on in2",
    "in_channels": "input channels", "num_features": "channels", "num_channels": "channels",
    "normalized_shape": "features in the last dimension", "input_size": "input features", "embed_dim": "features",
    "d_model": "features",
}


def _label(n: Node) -> str:
    return f"'{n.name or n.id}'"


class _Analyzer:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.defs: dict[str, ModuleDef] = {m.name: m for m in graph.modules}
        self.module_bodies: dict[str, BodyAnalysis] = {}
        self.module_instances: dict[str, list[BodyAnalysis]] = {}
        self.broken_modules = {i.module for i in module_issues(graph) if i.module} | {
            n.module for m in [graph, *graph.modules] for n in m.nodes if isinstance(n, ModuleNode) and n.module not in self.defs
        }

    def body(self, body: Body, module: str | None, given: dict[str, TensorMeta] | None) -> BodyAnalysis:
        topo, issues = topology(body, module)
        issues += io_issues(body, module)
        names = Namespace()
        infos: dict[str, NodeInfo] = {}
        for n in body.nodes:  # names in document order, so they do not move when edges change
            infos[n.id] = NodeInfo(n, _attr_name(n, names))
        for n in topo.order:
            info = infos[n.id]
            incoming = topo.incoming.get(n.id, {})
            ins: dict[str, TensorMeta] = {}
            for port, (src, src_port) in incoming.items():
                meta = infos[src].outputs.get(src_port)
                if meta is not None:
                    ins[port] = meta
                elif infos[src].outputs and src_port not in (offered := self.output_ports(infos[src])):
                    # (a source without outputs failed or was skipped, and says why itself)
                    info.issues.append(_no_such_port(n, infos[src], src_port, port, module, offered))
            info.inputs = ins
            upstream_broken = len(ins) < len(incoming)
            if isinstance(n, InputNode):
                meta = (given or {}).get(n.id)
                info.outputs = {"out": meta or TensorMeta(tuple(BATCH if d == "B" else int(d) for d in n.shape), n.dtype)}
            elif isinstance(n, OutputNode):
                for port in sorted(set(incoming) - {"in"}):
                    info.issues.append(Issue(f"an output node has no input port '{port}'", node=n.id, module=module,
                                             fix="connect to its port 'in'"))
                if "in" not in incoming:
                    info.issues.append(Issue("the output is not connected", node=n.id, module=module,
                                             fix="connect the last layer's output port to it"))
            elif isinstance(n, LayerNode):
                if not upstream_broken:
                    self.layer_cached(info, set(incoming), module)
            elif isinstance(n, ModuleNode) and not upstream_broken:
                self.module_node(info, set(incoming), module)
            issues += info.issues
        return BodyAnalysis(body, module, topo, infos, issues)

    def output_ports(self, info: NodeInfo) -> list[str]:
        """The ports a node offers, whatever their shapes: edges are checked against these."""
        n = info.node
        if isinstance(n, LayerNode):
            spec = layer_spec(n.type)
            return spec.output_ports(info.params) if spec else []
        if isinstance(n, ModuleNode):
            d = self.defs.get(n.module)
            return [o.id for o in d.outputs()] if d else []
        return ["out"] if isinstance(n, InputNode) else []

    def layer_cached(self, info: NodeInfo, connected: set[str], module: str | None) -> None:
        """``layer`` memoised on everything it reads, so an unchanged node costs one lookup."""
        n = info.node
        assert isinstance(n, LayerNode)
        key = (n.id, n.name, module, n.type, _freeze(n.params), tuple(sorted(info.inputs.items())), frozenset(connected))

        def make() -> tuple[Any, ...]:
            self.layer(info, connected, module)
            return info.params, info.inferred, info.outputs, info.n_params, info.flops, info.issues

        info.params, info.inferred, info.outputs, info.n_params, info.flops, info.issues = _LAYER_CACHE.get_or(key, make)

    def layer(self, info: NodeInfo, connected: set[str], module: str | None) -> None:
        n = info.node
        assert isinstance(n, LayerNode)
        spec = layer_spec(n.type)
        if spec is None:
            info.issues.append(Issue(f"unknown layer type '{n.type}'", node=n.id, module=module,
                                     fix="pick a layer from the palette"))
            return
        params, errors = resolve_params(spec, n.params)
        for e in errors:
            info.issues.append(Issue(f"{spec.type} {_label(n)}: {e.message}", node=n.id, param=e.param, fix=e.fix, module=module))
        if errors:
            return
        in_ports = spec.input_ports(params)
        extra = connected - set(in_ports)
        for port in sorted(extra):
            info.issues.append(Issue(f"{spec.type} {_label(n)} has no input port '{port}'", node=n.id, module=module,
                                     fix=f"connect to one of: {', '.join(in_ports)}"))
        missing = [p for p in in_ports if p not in info.inputs and not _optional(spec, p)]
        if missing:
            info.issues.append(Issue(f"{spec.type} {_label(n)} needs an input on port '{missing[0]}'", node=n.id,
                                     module=module, fix="connect a tensor to it"))
        if extra or missing:
            return
        for p in spec.params:
            if p.infer is None:
                continue
            src = info.inputs.get(p.infer.port)
            if src is None:
                continue
            shape = src.shape
            if len(shape) < abs(p.infer.dim) + (0 if p.infer.dim < 0 else 1):
                info.issues.append(Issue(f"{spec.type} {_label(n)} needs a tensor with at least {abs(p.infer.dim) + 1} dimensions "
                                         f"but receives {show_shape(shape)}", node=n.id, param=p.name, module=module,
                                         fix="reshape or flatten the input first"))
                return
            actual = shape[p.infer.dim]
            if actual == BATCH:
                info.issues.append(Issue(f"{spec.type} {_label(n)} would take {p.name} from the batch dimension of "
                                         f"{show_shape(shape)}", node=n.id, param=p.name, module=module,
                                         fix="check the input shape, or set batch_first"))
                return
            value: Any = [actual] if p.infer.as_list else actual
            if p.name in params:
                given = params[p.name]
                if given != value and not (p.infer.as_list and given == actual):
                    noun = _NOUNS.get(p.name, p.name)
                    info.issues.append(Issue(
                        f"{spec.type} {_label(n)} expects {_fmt(given)} {noun} but receives {actual}",
                        node=n.id, param=p.name, module=module,
                        fix=f"set {p.name}={_fmt(value)}, or leave it on auto"))
                    return
            else:
                params[p.name] = value
                info.inferred[p.name] = value
        info.params = params
        out_ports = spec.output_ports(params)
        ins = [info.inputs[p] for p in in_ports if p in info.inputs]
        got = compute_node(spec, params, ins, len(out_ports))
        info.n_params, info.flops = got.n_params, got.flops
        if got.error or got.outputs is None:
            info.issues.append(_wrong_rank(spec, n, ins, module)
                               or Issue(f"{spec.type} {_label(n)}: {got.error}", node=n.id, module=module,
                                        fix=_fix_for(spec, got.error or "")))
            return
        for port, meta in zip(out_ports, got.outputs, strict=False):
            if meta is None:
                continue
            per_sample = _per_sample(meta.shape)
            if per_sample > MAX_ACTIVATION:
                info.issues.append(Issue(f"{spec.type} {_label(n)} outputs {show_shape(meta.shape)}, "
                                         f"{per_sample:,} values per sample; the limit is {MAX_ACTIVATION:,}",
                                         node=n.id, module=module, fix="reduce the sizes"))
                return
            info.outputs[port] = meta

    def module_node(self, info: NodeInfo, connected: set[str], module: str | None) -> None:
        n = info.node
        assert isinstance(n, ModuleNode)
        if n.module in self.broken_modules:
            return  # reported once by module_issues
        d = self.defs[n.module]
        ports = [i.id for i in d.inputs()]
        for port in sorted(connected - set(ports)):
            info.issues.append(Issue(f"module {n.module} has no input port '{port}'", node=n.id, module=module,
                                     fix=f"connect to one of: {', '.join(ports)}"))
        missing = [p for p in ports if p not in info.inputs]
        if missing:
            info.issues.append(Issue(f"module {n.module} {_label(n)} needs an input on port '{missing[0]}'",
                                     node=n.id, module=module, fix="connect a tensor to it"))
            return
        inner = self.body(d, n.module, dict(info.inputs))
        self.module_bodies.setdefault(n.module, inner)
        self.module_instances.setdefault(n.module, []).append(inner)
        info.body = inner
        if not inner.ok:
            first_issue = inner.issues[0]
            info.issues.append(Issue(f"module {n.module} has errors: {first_issue.message}", node=n.id, module=module,
                                     fix=f"open {n.module} to fix it"))
            return
        for out in d.outputs():
            meta = inner.infos[out.id].inputs.get("in")
            if meta is not None:
                info.outputs[out.id] = meta
        info.n_params = sum(i.n_params for i in inner.infos.values())
        info.flops = sum(i.flops for i in inner.infos.values())


def _no_such_port(n: Node, src: NodeInfo, src_port: str, port: str, module: str | None, ports: list[str]) -> Issue:
    return Issue(f"input '{port}' comes from port '{src_port}' of {_label(src.node)}, which has no such port",
                 node=n.id, module=module, fix=f"connect from one of its ports: {', '.join(ports) or 'none'}")


def _optional(spec: LayerSpec, port: str) -> bool:
    return any(p.name == port and p.optional for p in spec.inputs)


def _per_sample(shape: Shape) -> int:
    total = 1
    for d in shape:
        total *= d if d != BATCH else 1
    return total


def _fmt(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)


# Conv1d, MaxPool2d, BatchNorm3d, ...: the number says how many spatial dimensions the layer takes.
_SPATIAL = re.compile(r"^(?P<family>[A-Za-z]+?)(?P<d>[123])d$")
_AXES = {1: "(B, C, L)", 2: "(B, C, H, W)", 3: "(B, C, D, H, W)"}


def _wrong_rank(spec: LayerSpec, n: Node, ins: list[TensorMeta], module: str | None) -> Issue | None:
    """A 1d/2d/3d layer fed a tensor of another rank (a Conv1d after a 3x32x32 image input): say so,
    and name the layer of the family that takes it, rather than torch's "input of size" (which
    reads like a kernel_size problem)."""
    m = _SPATIAL.match(spec.type)
    if not m or not ins:
        return None
    d, rank = int(m["d"]), len(ins[0].shape)
    takes = {d + 2} | ({2} if spec.type == "BatchNorm1d" else set())  # BatchNorm1d also takes (B, C)
    if rank in takes:
        return None
    shape = show_shape(ins[0].shape)
    axes = f" {_AXES[rank - 2]}" if rank - 2 in _AXES else ""
    message = f"{spec.type} {_label(n)} takes a {d + 2}-D input {_AXES[d]}, but its input {shape} is {rank}-D{axes}"
    other = f"{m['family']}{rank - 2}d"
    if rank - 2 in _AXES and other in catalog().layers:
        fix = f"use {other} for a {rank}-D{axes} input, or reshape the input to {d + 2}-D"
    else:
        fix = f"reshape the input to {d + 2}-D {_AXES[d]} (Flatten, Unflatten), or use a layer made for {rank}-D input"
    return Issue(message, node=n.id, module=module, fix=fix)


def _fix_for(spec: LayerSpec, error: str) -> str:
    if "channels" in error and spec.param("in_channels"):
        return "leave in_channels on auto, or change the previous layer's channels"
    if "size" in error.lower() and spec.param("kernel_size"):
        return "use a smaller kernel_size or stride, or feed a larger input"
    if "shape" in error or "size" in error:
        return "check the shapes on the incoming edges"
    return "check this node's params"


def _attr_name(n: Node, names: Namespace) -> str:
    if isinstance(n, OutputNode):
        return names.take(snake(n.name) if n.name else "out")
    if n.name:
        if isinstance(n, LayerNode | ModuleNode) and (n.name.isidentifier() or is_module_key(n.name)):
            # A name that is already a submodule's name (an imported model's Conv2d_1a_3x3, 0,
            # block1-0) is kept as it is, so the state_dict keys are the source's.
            return names.take(n.name, keep_key=True)
        return names.take(snake(n.name))
    # The editor's own ids ("conv2d_1") say nothing a reader needs: name the layer as an
    # engineer would (conv1, bn1, fc1), numbered in document order.
    generated = isinstance(n, LayerNode) and re.fullmatch(rf"{re.escape(n.type.lower())}_\d+", n.id)
    if n.id.isidentifier() and not n.id.startswith("_") and not generated:
        return names.take(snake(n.id))
    if isinstance(n, LayerNode):
        return names.take(stem_for_type(n.type), numbered=True)
    if isinstance(n, ModuleNode):
        return names.take(snake(n.module), numbered=True)
    return names.take("x")


def analyze(graph: Graph) -> Analysis:
    """The full analysis that check(), build_model() and codegen share."""
    a = _Analyzer(graph)
    issues = module_issues(graph)
    top = a.body(graph, None, None)
    issues += top.issues
    # Module definitions that are not used anywhere are still checked on their declared inputs.
    for m in graph.modules:
        if m.name not in a.module_bodies and m.name not in a.broken_modules:
            a.module_bodies[m.name] = a.body(m, m.name, None)
            a.module_instances[m.name] = [a.module_bodies[m.name]]
            issues += a.module_bodies[m.name].issues
    for body in a.module_bodies.values():
        issues += body.issues
    if top.ok:
        issues += _training_warnings(graph, top)
    return Analysis(graph, top, _dedupe(issues), a.module_bodies, a.module_instances)


_TRAINING_CACHE = _LRU(1_000)


def _training_warnings(graph: Graph, top: BodyAnalysis) -> list[Issue]:
    """Does the training config fit the model? Warnings: the model itself is fine, and model.py
    can be generated; ``codegen.generate`` refuses a train.py that would not run."""
    from torchcanvas.shapes.training import freeze_issues

    frozen = [Issue(i.message, i.node, i.param, i.fix, i.module, severity="warning") for i in freeze_issues(graph, top.infos)]
    return frozen + _fit_warnings(graph, top)


def _fit_warnings(graph: Graph, top: BodyAnalysis) -> list[Issue]:
    from torchcanvas.shapes.training import training_issues

    ins, outs = graph.inputs(), graph.outputs()
    if len(ins) != 1 or len(outs) != 1:
        return [Issue("train.py needs a model with one input and one output", severity="warning",
                      fix="training uses the first input and output only; keep one of each to train in the app")]
    in_shape = top.infos[ins[0].id].outputs["out"].shown()
    out_meta = top.infos[outs[0].id].inputs.get("in")
    if out_meta is None:
        return []
    key = (graph.training.model_dump_json(), tuple(in_shape), tuple(out_meta.shown()), ins[0].id, outs[0].id)
    found = _TRAINING_CACHE.get_or(key, lambda: training_issues(graph, in_shape, out_meta.shown()))
    return [Issue(i.message, i.node, i.param, i.fix, i.module, severity="warning") for i in found]


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[Issue] = set()
    out = []
    for i in issues:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


__all__ = [
    "BATCH", "Analysis", "BodyAnalysis", "NodeInfo", "TensorMeta", "analyze", "catalog", "instantiate", "is_chain", "member_order",
    "show_shape",
]
