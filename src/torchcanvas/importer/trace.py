"""An nn.Module as a graph document, by torch.fx.

Each module is traced on its own, with every child a leaf: the child is either a catalog layer
(a layer node) or a module of its own (a module node, traced the same way), so the document
nests exactly as the source does and every node is named by its attribute (``layer1.0.conv1``).
Children with the same class and the same traced body share one module definition; inferred
params (in_channels, ...) are left out, so blocks that differ only in input width share it too.

The example input runs under a FakeTensorMode: shapes are known everywhere, and no arithmetic is
done. Anything the catalog cannot say is collected, with its source line, and refused at the end.
"""

from __future__ import annotations

import importlib
import json
import operator
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn
from torch._subclasses.fake_tensor import FakeTensorMode

from torchcanvas.catalog import LayerSpec, layer_spec, resolve_params
from torchcanvas.graph.model import Edge, Graph, InputNode, LayerNode, ModuleDef, ModuleNode, Node, OutputNode, PortRef, Position
from torchcanvas.graph.names import Namespace, camel, stem_for_type
from torchcanvas.importer.functions import MAPPERS, PASS_THROUGH, Call, Mapped
from torchcanvas.shapes.infer import BATCH, instantiate

# Calls that check, not compute (torchvision's ``torch._assert(h == self.image_size, ...)``): the
# document's shape check does the same, so they are not carried over.
_CHECKS: set[Any] = {torch._assert, getattr, operator.eq, operator.floordiv, operator.mul, operator.getitem, "size", "dim"}


@dataclass(frozen=True)
class Refusal:
    what: str  # the op, as the source wrote it
    line: str  # file:line, and the code there


class ImportRefused(Exception):
    """The module uses something the document cannot hold; every such use is listed."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        counts = Counter(refusals)
        lines = [f"  {r.what} (x{n}) at {r.line}" for r, n in counts.items()]
        super().__init__(f"cannot import: {len(counts)} unsupported use(s)\n" + "\n".join(lines))


class _Tracer(fx.Tracer):
    """Every child is a leaf: each module is traced on its own, one level at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.record_stack_traces = True

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return True


def where(stack_trace: str | None) -> str:
    """``file.py:12: code`` for the innermost frame of a trace's stack."""
    if not stack_trace:
        return "an unknown line"
    frames = re.findall(r'File "([^"]+)", line (\d+), in \w+\n\s*(.*)', stack_trace)
    if not frames:
        return "an unknown line"
    path, line, code = frames[-1]
    return f"{path}:{line}: {code.strip()}"


def _error_line(e: BaseException) -> str:
    """The innermost frame outside torch of an exception: the user's line that failed to trace."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if "/torch/" not in f.filename]
    if not frames:
        return "an unknown line"
    f = frames[-1]
    return f"{f.filename}:{f.lineno}: {(f.line or '').strip()}"


def leaf_type(m: nn.Module) -> str | None:
    """The catalog type of a module that is a catalog layer (that very class, not a subclass or a
    namesake that may change its forward), else None."""
    cls = type(m)
    spec = layer_spec(cls.__name__)
    if spec is None or spec.is_op:
        return None
    module_path, _, name = spec.torch.rpartition(".")
    try:
        return cls.__name__ if getattr(importlib.import_module(module_path), name, None) is cls else None
    except ImportError:
        return None


def layer_params(spec: LayerSpec, m: nn.Module) -> dict[str, Any] | None:
    """A layer's params read back from its attributes; None when one cannot be read."""
    params: dict[str, Any] = {}
    for p in spec.params:
        if not hasattr(m, p.name):
            if p.required or p.infer:
                return None
            continue
        v = getattr(m, p.name)
        if p.type == "bool" and (v is None or isinstance(v, torch.Tensor)):
            v = v is not None  # bias: the module holds the tensor, the constructor a flag
        if isinstance(v, tuple):
            v = list(v)
        if isinstance(v, torch.Tensor):
            return None
        if p.type in ("ints", "floats") and isinstance(v, list) and v and all(x == v[0] for x in v):
            v = v[0]  # the module keeps kernel_size=3 as (3, 3)
        if v != p.default:
            params[p.name] = v
    return params


def _same_weights(spec: LayerSpec, params: dict[str, Any], m: nn.Module) -> bool:
    """The layer built from ``params`` has the module's parameter and buffer shapes."""
    full, errors = resolve_params(spec, params)
    if errors:
        return False
    with torch.device("meta"):
        built = instantiate(spec, full)
    ours = {k: tuple(v.shape) for k, v in built.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    return ours == theirs


@dataclass
class _Body:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


@dataclass
class Importer:
    refusals: list[Refusal] = field(default_factory=list)
    modules: dict[str, ModuleDef] = field(default_factory=dict)
    _by_signature: dict[str, str] = field(default_factory=dict)
    _names: Namespace = field(default_factory=Namespace)
    mode: FakeTensorMode = field(default_factory=lambda: FakeTensorMode(allow_non_fake_inputs=True))

    # ---- one module ---------------------------------------------------------------------------

    def body(self, module: nn.Module, inputs: list[torch.Tensor]) -> _Body | None:
        try:
            graph = _Tracer().trace(module)
        except Exception as e:  # a TraceError, or whatever the user's forward raises on a Proxy
            self.refusals.append(Refusal(_trace_failure(e), _error_line(e)))
            return None
        gm = fx.GraphModule(module, graph)
        values = _run(gm, inputs, self.mode)
        if values is None:
            self.refusals.append(Refusal(f"{type(module).__name__}.forward on the example input", "its forward"))
            return None
        return _BodyBuilder(self, module, gm, values).build()

    def definition(self, child: nn.Module, inputs: list[torch.Tensor]) -> str | None:
        body = self.body(child, inputs)
        if body is None:
            return None
        # Blocks with the same class and body share a definition; the input shapes of the first
        # use are the definition's own, other uses bring theirs.
        key = json.dumps([type(child).__name__, _signature(body)])
        if key in self._by_signature:
            return self._by_signature[key]
        name = self._names.take(camel(type(child).__name__))
        self._by_signature[key] = name
        self.modules[name] = ModuleDef(name=name, nodes=body.nodes, edges=body.edges)
        return name


def _trace_failure(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if "control flow" in text or "iteration" in text or "len(" in text:
        return f"data-dependent control flow ({text})"
    return f"an untraceable construct ({text[:200]})"


def _signature(body: _Body) -> Any:
    nodes = [n.model_dump(exclude={"position", "shape"}) for n in body.nodes]
    return [nodes, [e.model_dump() for e in body.edges]]


def _run(gm: fx.GraphModule, inputs: list[torch.Tensor], mode: FakeTensorMode) -> dict[fx.Node, Any] | None:
    """Every node's value on the example input, computed on fake tensors."""
    values: dict[fx.Node, Any] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n: fx.Node) -> Any:
            values[n] = super().run_node(n)
            return values[n]

    try:
        with mode:
            Recorder(gm).run(*inputs)
    except Exception:
        return None
    return values


def _is_tensor(v: Any) -> bool:
    return isinstance(v, torch.Tensor)


class _BodyBuilder:
    def __init__(self, owner: Importer, module: nn.Module, gm: fx.GraphModule, values: dict[fx.Node, Any]):
        self.owner, self.module, self.gm, self.values = owner, module, gm, values
        self.body = _Body()
        # Source attribute names first, so that a function's layer (F.relu -> relu1) avoids them.
        self.names = Namespace(set())
        for child in module._modules:
            self.names.used.add(child)
        self.called: set[str] = set()
        self.ports: dict[fx.Node, list[tuple[str, str]]] = {}  # fx node -> its document (node, port)s
        self.outputs = Namespace(set())

    def refuse(self, n: fx.Node, what: str) -> None:
        self.owner.refusals.append(Refusal(what, where(n.stack_trace)))

    def build(self) -> _Body:
        for n in self.gm.graph.nodes:
            handler = getattr(self, f"on_{n.op}")
            handler(n)
        self._reorder()
        self._layout()
        return self.body

    # ---- per fx op -----------------------------------------------------------------------------

    def on_placeholder(self, n: fx.Node) -> None:
        v = self.values.get(n)
        if not _is_tensor(v) or v.dim() == 0 or v.shape[0] != BATCH:
            self.refuse(n, f"input '{n.name}' that is not a batch of tensors")
            return
        shape = ["B", *(int(d) for d in v.shape[1:])]
        name = self.names.take(n.name)
        self.body.nodes.append(InputNode(id=name, name=name, shape=shape))
        self.ports[n] = [(name, "out")]

    def on_output(self, n: fx.Node) -> None:
        result = n.args[0]
        results = list(result) if isinstance(result, (list, tuple)) else [result]
        for r in results:
            if not isinstance(r, fx.Node) or r not in self.ports:
                self.refuse(n, "a return value that is not a tensor")
                continue
            name = self.outputs.take("out", numbered=len(results) > 1)
            self.body.nodes.append(OutputNode(id=name, name=name))
            self._connect(r, 0, name, "in")

    def on_get_attr(self, n: fx.Node) -> None:
        self.refuse(n, f"a free-standing tensor self.{n.target}")

    def on_call_module(self, n: fx.Node) -> None:
        target = str(n.target)
        child = self.module.get_submodule(target)
        tensors = [a for a in n.args if isinstance(a, fx.Node)]
        if len(tensors) != len(n.args) or any(not _is_tensor(self.values.get(a)) for a in tensors):
            self.refuse(n, f"self.{target} called with arguments that are not tensors")
            return
        if target in self.called:
            if any(True for _ in child.parameters()) or any(True for _ in child.buffers()):
                self.refuse(n, f"self.{target} called twice (shared weights)")
                return
            name = self.names.take(target, numbered=True)  # a second use of a stateless layer gets its own node
        else:
            self.called.add(target)
            name = target
        extra_kwargs = {k: v for k, v in n.kwargs.items() if k != "need_weights"}
        if extra_kwargs:
            self.refuse(n, f"self.{target} called with keyword arguments {sorted(extra_kwargs)}")
            return
        layer = leaf_type(child)
        if layer is not None:
            self._leaf(n, name, child, layer, tensors)
            return
        inputs = [self.values[a] for a in tensors]
        definition = self.owner.definition(child, inputs)
        if definition is None:
            return
        d = self.owner.modules[definition]
        node = ModuleNode(id=name, name=name, module=definition)
        self.body.nodes.append(node)
        for a, port in zip(tensors, [i.id for i in d.inputs()], strict=False):
            self._connect(a, 0, name, port)
        self.ports[n] = [(name, o.id) for o in d.outputs()]

    def _leaf(self, n: fx.Node, name: str, child: nn.Module, type_: str, tensors: list[fx.Node]) -> None:
        spec = layer_spec(type_)
        assert spec is not None
        params = layer_params(spec, child)
        if params is None or not _same_weights(spec, params, child):
            self.refuse(n, f"{type_} self.{n.target}, whose settings the catalog cannot hold")
            return
        self._add_layer(n, name, spec, params, tensors)

    def on_call_function(self, n: fx.Node) -> None:
        self._call(n, n.target, getattr(n.target, "__name__", str(n.target)))

    def on_call_method(self, n: fx.Node) -> None:
        self._call(n, n.target, f"Tensor.{n.target}")

    def _call(self, n: fx.Node, key: Any, shown: str) -> None:
        if not _is_tensor(self.values.get(n)) and not _tensors(self.values.get(n)):
            if key in _CHECKS:
                return  # arithmetic on sizes: its results feed other calls' params
            self.refuse(n, f"{shown} (a non-tensor result)")
            return
        if key in PASS_THROUGH and isinstance(n.args[0], fx.Node):
            self.ports[n] = self.ports.get(n.args[0], [])
            return
        if key is operator.getitem and isinstance(n.args[0], fx.Node) and not _is_tensor(self.values.get(n.args[0])):
            self._pick(n)
            return
        mapper = MAPPERS.get(key)
        mapped = mapper(Call(n, self.values)) if mapper else None
        if mapped is None:
            self.refuse(n, shown)
            return
        spec = layer_spec(mapped.type)
        if spec is None:
            self.refuse(n, f"{shown} (no catalog entry {mapped.type})")
            return
        defaults = {p.name: p.default for p in spec.params}
        params = {k: v for k, v in mapped.params.items() if v != defaults.get(k, object())}
        self._add_layer(n, self.names.take(stem_for_type(mapped.type)), spec, params, list(mapped.inputs))

    def _pick(self, n: fx.Node) -> None:
        """``outputs[i]``: one port of a node with several outputs."""
        source, index = n.args[0], n.args[1]
        ports = self.ports.get(source)  # type: ignore[arg-type]
        if ports is None or not isinstance(index, int) or not -len(ports) <= index < len(ports):
            self.refuse(n, "an index into something that is not a node's outputs")
            return
        self.ports[n] = [ports[index]]

    def _add_layer(self, n: fx.Node, name: str, spec: LayerSpec, params: dict[str, Any], tensors: list[fx.Node]) -> None:
        full, errors = resolve_params(spec, params)
        if errors:
            self.refuse(n, f"{spec.type} with {errors[0].param}: {errors[0].message}")
            return
        ports = spec.input_ports(full)
        _drop_inferred(spec, params, {p: self.values[t] for p, t in zip(ports, tensors, strict=False)})
        if any(t not in self.ports for t in tensors):
            return  # an input was refused already
        self.body.nodes.append(LayerNode(id=name, name=name, type=spec.type, params=params))
        for t, port in zip(tensors, ports, strict=False):
            self._connect(t, 0, name, port)
        self.ports[n] = [(name, p) for p in spec.output_ports(full)]

    def _connect(self, source: fx.Node, index: int, target: str, port: str) -> None:
        ports = self.ports.get(source)
        if not ports:
            return  # refused upstream, and reported there
        node, out = ports[index]
        self.body.edges.append(Edge(source=PortRef(node=node, port=out), target=PortRef(node=target, port=port)))

    # ---- order and layout ----------------------------------------------------------------------

    def _reorder(self) -> None:
        """Children in the source's registration order (its state_dict order), each in a slot
        that a child held; functions and ports keep their place."""
        order = {name: i for i, name in enumerate(self.module._modules)}
        nodes = self.body.nodes
        slots = [i for i, x in enumerate(nodes) if x.name in order]
        children = sorted((nodes[i] for i in slots), key=lambda x: order[x.name or ""])
        for i, child in zip(slots, children, strict=True):
            nodes[i] = child

    def _layout(self) -> None:
        """Rows by longest path from an input, so a chain runs down the page and branches sit side by side."""
        depth: dict[str, int] = {}
        preds: dict[str, list[str]] = {}
        for e in self.body.edges:
            preds.setdefault(e.target.node, []).append(e.source.node)
        row_count: Counter[int] = Counter()
        ids = [x.id for x in self.body.nodes]
        for nid in _fx_order(ids, preds):
            depth[nid] = 1 + max((depth.get(p, 0) for p in preds.get(nid, [])), default=-1)
        for x in self.body.nodes:
            d = depth.get(x.id, 0)
            x.position = Position(x=240.0 * row_count[d], y=110.0 * d)
            row_count[d] += 1


def _fx_order(ids: list[str], preds: dict[str, list[str]]) -> list[str]:
    """ids in an order where every node follows its predecessors (the fx order, before _reorder)."""
    seen: set[str] = set()
    out: list[str] = []

    def visit(nid: str) -> None:
        if nid in seen:
            return
        seen.add(nid)
        for p in preds.get(nid, []):
            visit(p)
        out.append(nid)

    for nid in ids:
        visit(nid)
    return out


def _tensors(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and bool(v) and all(_is_tensor(x) for x in v)


def _drop_inferred(spec: LayerSpec, params: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Leave out the params the shape pass infers, where the input gives the same value."""
    for p in spec.params:
        if p.infer is None or p.name not in params:
            continue
        x = inputs.get(p.infer.port)
        if not _is_tensor(x) or x.dim() < abs(p.infer.dim) + (0 if p.infer.dim < 0 else 1):
            continue
        actual = int(x.shape[p.infer.dim])
        if params[p.name] in (actual, [actual]):
            del params[p.name]


def import_module(module: nn.Module, input_shape: list[int], name: str | None = None) -> Graph:
    """The document for ``module`` fed one batch of ``input_shape`` (a sample's shape)."""
    importer = Importer()
    module = module.eval()
    with importer.mode:
        x = torch.empty(BATCH, *input_shape)  # fake: no memory behind it
    body = importer.body(module, [x])
    if importer.refusals or body is None:
        raise ImportRefused(importer.refusals or [Refusal("the model", "its forward")])
    # Definitions after the ones they use, as the document lists them.
    return Graph(name=name or type(module).__name__, nodes=body.nodes, edges=body.edges, modules=list(importer.modules.values()))
