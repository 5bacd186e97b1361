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
import inspect
import json
import operator
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NoReturn, TypeGuard

import torch
from torch import fx, nn
from torch.fx._symbolic_trace import PH

from torchcanvas.catalog import LayerSpec, ParamSpec, layer_spec, parameter, resolve_params
from torchcanvas.graph.model import (
    Choice,
    Dim,
    Edge,
    Graph,
    InputNode,
    LayerNode,
    ModuleDef,
    ModuleNode,
    Node,
    OutputNode,
    PortRef,
    Position,
    TrainingConfig,
)
from torchcanvas.graph.names import Namespace, camel, stem_for_type
from torchcanvas.graph.validate import Issue
from torchcanvas.importer.functions import MAPPERS, PASS_THROUGH, Call
from torchcanvas.shapes.infer import _DTYPE_NAMES, _DTYPES, BATCH, USER_ERRORS, TensorMeta, compute_node, instantiate

# Calls that check, not compute (torchvision's ``torch._assert(h == self.image_size, ...)``): the
# document's shape check does the same, so they are not carried over.
_CHECKS: set[Any] = {torch._assert, fx._symbolic_trace._assert_is_none}


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
    """Every child is a leaf: each module is traced on its own, one level at a time.

    Source lines cost half the import's time to record, so a body is traced again with them
    only when something in it is refused.
    """

    def __init__(self, lines: bool = False) -> None:
        super().__init__()
        self.record_stack_traces = lines

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return True


def where(stack_trace: str | None) -> str:
    """``file.py:12: code`` for the innermost frame of a trace's stack."""
    if not stack_trace:
        return "an unknown line"
    frames = [f for f in re.findall(r'File "([^"]+)", line (\d+), in \w+\n\s*(.*)', stack_trace) if "/torch/" not in f[0]]
    if not frames:
        return "an unknown line"
    path, line, code = frames[-1]
    return f"{path}:{line}: {code.strip()}"


def _forward_line(module: nn.Module) -> str:
    forward = type(module).forward
    try:
        return f"{inspect.getsourcefile(forward)}:{inspect.getsourcelines(forward)[1]}: {type(module).__name__}.forward"
    except (OSError, TypeError):
        return f"{type(module).__name__}.forward"


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
        if isinstance(v, torch.Tensor):
            return None
        v = _param_value(p, v)
        if v != p.default:
            params[p.name] = v
    return params


def _init_of(p: torch.Tensor) -> dict[str, Any] | None:
    """The Parameter node's init that best describes a tensor's values: zeros, ones, a constant, or
    normal with the observed standard deviation (two significant digits: 0.02 stays 0.02). None
    when the tensor has no values (built on the meta device, too large to keep: sources.py)."""
    data = p.detach()
    if data.is_meta:
        return None
    first = float(data.flatten()[0]) if data.numel() else 0.0
    if bool((data == first).all()):
        if first == 0.0:
            return {}
        # Seven significant digits, a float32's: ConvNeXt's 1e-6 reads back as 9.99999997e-07.
        return {"init": "ones"} if first == 1.0 else {"init": "constant", "value": float(f"{first:.7g}")}
    return {"init": "normal", "value": float(f"{float(data.float().std()):.2g}")}


def _param_value(p: ParamSpec, v: Any) -> Any:
    """A value as the document writes it: lists, not tuples, and kernel_size=3 for (3, 3)."""
    if isinstance(v, tuple):
        v = list(v)
    if p.type in ("ints", "floats") and isinstance(v, list) and v and all(x == v[0] for x in v):
        v = v[0]
    return v


def _same_weights(spec: LayerSpec, params: dict[str, Any], m: nn.Module) -> bool:
    """The layer built from ``params`` has the module's parameter and buffer shapes."""
    theirs = tuple((k, tuple(v.shape)) for k, v in m.state_dict().items())
    return _weight_shapes(spec.type, json.dumps(params, sort_keys=True)) == theirs


@lru_cache(maxsize=4096)
def _weight_shapes(layer_type: str, params_json: str) -> tuple[tuple[str, tuple[int, ...]], ...] | None:
    spec = layer_spec(layer_type)
    assert spec is not None
    full, errors = resolve_params(spec, json.loads(params_json))
    if errors:
        return None
    with torch.device("meta"):
        built = instantiate(spec, full)
    return tuple((k, tuple(v.shape)) for k, v in built.state_dict().items())


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
    classes: dict[str, str] = field(default_factory=dict)  # definition -> the source's class name

    _traces: dict[Any, fx.Graph] = field(default_factory=dict)
    warnings: list[Issue] = field(default_factory=list)  # what was imported, but not as the source has it
    path: list[str] = field(default_factory=list)  # the attribute path of the module being imported

    def trace(self, module: nn.Module, concrete: dict[str, Any] | None) -> fx.Graph:
        """The module's fx graph. Tracing costs ~50 ms (fx patches torch's functions each time),
        so blocks that cannot trace differently share one: the same class, children and plain
        attributes (forward's control flow can read only those) and the same list arguments."""
        key = _trace_key(module, concrete)
        if key is None:
            return _Tracer().trace(module, concrete_args=concrete)
        if key not in self._traces:
            self._traces[key] = _Tracer().trace(module, concrete_args=concrete)
        return self._traces[key]

    def canonical_names(self, top: _Body) -> list[ModuleDef]:
        """Definitions named and listed by a walk of the document in its own order (each after the
        ones it uses): the order forward happens to call blocks in does not show, so generated
        code imports back to the same names."""
        names = Namespace()
        renamed: dict[str, str] = {}
        order: list[ModuleDef] = []

        def walk(nodes: list[Node]) -> None:
            for n in nodes:
                if isinstance(n, ModuleNode) and n.module not in renamed:
                    d = self.modules[n.module]
                    walk(d.nodes)
                    renamed[n.module] = names.take(self.classes[n.module])
                    order.append(d)

        walk(top.nodes)
        bodies: list[_Body | ModuleDef] = [top, *order]
        for body in bodies:
            for n in body.nodes:
                if isinstance(n, ModuleNode):
                    n.module = renamed[n.module]
        for d in order:
            d.name = renamed[d.name]
        return order

    def body(self, module: nn.Module, inputs: list[Any], lists: dict[str, int] | None = None,
             consts: dict[str, Any] | None = None) -> tuple[_Body, Any] | None:
        """The module's body and its output on ``inputs`` (meta tensors, and the values of
        ``consts`` in their places among forward's arguments), or None if refused.

        ``lists``: forward's arguments that are lists of tensors (DenseNet's layers take every
        earlier feature map), with their lengths; each item becomes an input of its own.
        ``consts``: forward's arguments that are not tensors (``mask=None``, ``need_weights=False``,
        or left out and so at their defaults): the body is traced for these values.
        """
        consts = dict(consts or {})
        concrete = {**{name: [PH] * n for name, n in (lists or {}).items()}, **consts} or None
        try:
            graph = self.trace(module, concrete)
        except Exception as e:  # a TraceError, or whatever the user's forward raises on a Proxy
            self.refusals.append(Refusal(_trace_failure(e), _error_line(e)))
            return None
        builder = _BodyBuilder(self, module, graph, sum(1 for x in inputs if _is_tensor(x)))
        stopped = False
        try:
            out = builder.run(*inputs)
        except _Stop:
            stopped = True
        except USER_ERRORS as e:
            builder.pending.append((builder.current or "", f"{type(module).__name__}.forward: {_first_line(e)}"))
        lost = [] if stopped or builder.pending else builder.unused()
        self.refusals += lost
        if builder.pending:
            lines = {n.name: n.stack_trace for n in _Tracer(lines=True).trace(module, concrete_args=concrete).nodes}
            self.refusals += [Refusal(what, where(lines.get(name))) for name, what in builder.pending]
        if builder.pending or stopped or lost:
            return None
        return builder.finish(), out

    def definition(self, child: nn.Module, inputs: list[Any], lists: dict[str, int], consts: dict[str, Any]) -> tuple[str, Any] | None:
        made = self.body(child, inputs, lists, consts)
        if made is None:
            return None
        body, out = made
        # Blocks with the same class and body share a definition; the input shapes of the first
        # use are the definition's own, other uses bring theirs.
        key = json.dumps([type(child).__name__, _signature(body)])
        if key not in self._by_signature:
            name = self._names.take(camel(type(child).__name__))  # for now: see canonical_names
            self.classes[name] = camel(type(child).__name__)
            self._by_signature[key] = name
            self.modules[name] = ModuleDef(name=name, nodes=body.nodes, edges=body.edges)
        return self._by_signature[key], out


_PLAIN = (int, float, bool, str, type(None))
_MODULE_INTERNALS = set(vars(nn.Module())) - {"training"}


def _trace_key(module: nn.Module, concrete: dict[str, Any] | None) -> Any:
    """What a module's trace can depend on, or None when an attribute is not a plain value."""
    attrs = []
    for k, v in vars(module).items():
        if k in _MODULE_INTERNALS:
            continue
        if isinstance(v, (list, tuple)) and all(isinstance(x, _PLAIN) for x in v):
            v = tuple(v)
        elif not isinstance(v, _PLAIN):
            return None
        attrs.append((k, v))
    children = tuple((k, type(c)) for k, c in module._modules.items())
    params = tuple((k, tuple(p.shape) if p is not None else None) for k, p in module._parameters.items())
    buffers = tuple(module._buffers)
    lists = tuple(sorted((k, len(v)) if isinstance(v, list) else (k, repr(v)) for k, v in (concrete or {}).items()))
    return type(module), tuple(attrs), children, params, buffers, lists


class _Stop(Exception):
    """A node was refused and later ones cannot be computed; the refusal is recorded already."""


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]


def _trace_failure(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if "control flow" in text or "iteration" in text or "len(" in text:
        return f"data-dependent control flow ({text})"
    if "item assignment" in text:
        return f"an in-place assignment into a tensor ({text})"
    return f"an untraceable construct ({text[:200]})"


def _signature(body: _Body) -> Any:
    nodes = [n.model_dump(exclude={"position", "shape"}) for n in body.nodes]
    return [nodes, [e.model_dump() for e in body.edges]]


def _is_tensor(v: Any) -> TypeGuard[torch.Tensor]:
    return isinstance(v, torch.Tensor)


def _meta(metas: tuple[TensorMeta | None, ...], n_ports: int) -> Any:
    tensors = [None if m is None else torch.empty(m.shape, dtype=_DTYPES[m.dtype], device="meta") for m in metas]
    return tensors[0] if n_ports == 1 else tuple(tensors)


class _BodyBuilder(fx.Interpreter):
    """Runs a module's traced graph on meta tensors and writes the document body as it goes.

    Catalog layers are not run but computed by the shape pass's own rules (cached, and the same
    numbers check() will show); child modules are imported, which computes their outputs.
    """

    def __init__(self, owner: Importer, module: nn.Module, graph: fx.Graph, n_inputs: int):
        super().__init__(module, graph=graph)
        self.n_inputs = n_inputs  # tensor inputs; forward's other arguments are traced as constants
        self.owner, self.module = owner, module
        self.values: dict[fx.Node, Any] = {}
        self.pending: list[tuple[str, str]] = []  # refusals: fx node name, what
        self.current: str | None = None
        self.body = _Body()
        # Source attribute names first, so that a function's layer (F.relu -> relu1) avoids them.
        self.names = Namespace(set())
        for child in [*module._modules, *module._parameters]:
            self.names.used.add(child)
        self.called: set[str] = set()
        self.ports: dict[fx.Node, list[tuple[str, str]]] = {}  # fx node -> its document (node, port)s
        self.outputs = Namespace(set())

    def run_node(self, n: fx.Node) -> Any:
        self.current = n.name
        if n.op == "call_module":
            value = self.on_call_module(n)
        elif n.op == "get_attr":
            value = self.on_get_attr(n)
        else:
            value = super().run_node(n)
            self.values[n] = value
            getattr(self, f"on_{n.op}")(n)
        self.values[n] = value
        return value

    def unused(self) -> list[Refusal]:
        """Weights that forward never reads (GoogLeNet's auxiliary heads in eval) would be lost: refused."""
        lost = [f"self.{name}, which has weights but is not called in forward (in eval mode)"
                for name, child in self.module._modules.items()
                if name not in self.called and child is not None and any(True for _ in child.state_dict())]
        lost += [f"self.{name}, a parameter that forward never reads" for name in self.module._parameters if name not in self.called]
        return [Refusal(what, _forward_line(self.module)) for what in lost]

    def finish(self) -> _Body:
        # Edges by their target's place: the order of the calls in forward does not show.
        index = {x.id: i for i, x in enumerate(self.body.nodes)}
        self.body.edges.sort(key=lambda e: (index[e.target.node], e.target.port, index[e.source.node], e.source.port))
        self._layout()
        return self.body

    def refuse(self, n: fx.Node, what: str) -> None:
        self.pending.append((n.name, what))

    # ---- per fx op -----------------------------------------------------------------------------

    def on_placeholder(self, n: fx.Node) -> None:
        v = self.values.get(n)
        if n.args and not _is_tensor(v):
            return  # an argument with a default, traced as a constant (Importer.body's consts): no input node
        if not _is_tensor(v) or v.dim() == 0 or v.shape[0] != BATCH:
            self.stop(n, f"input '{n.name}' that is not a batch of tensors")
        shape: list[Dim] = ["B", *(int(d) for d in v.shape[1:])]
        # One input is x, whatever forward calls it: nn.Sequential's "input" shadows a builtin,
        # and generated code (a Sequential or not) must import back to the same document.
        single = self.n_inputs == 1
        name = self.names.take("x" if single else n.name)
        self.body.nodes.append(InputNode(id=name, name=name, shape=shape))
        self.ports[n] = [(name, "out")]

    def on_output(self, n: fx.Node) -> None:
        result = n.args[0]
        results = list(result) if isinstance(result, (list, tuple)) else [result]
        for r in results:
            if not isinstance(r, fx.Node):
                self.refuse(n, "a return value that is not a tensor")
                continue
            name = self.outputs.take("out", numbered=len(results) > 1)
            self.body.nodes.append(OutputNode(id=name, name=name))
            self._connect(r, 0, name, "in")

    def stop(self, n: fx.Node, what: str) -> NoReturn:
        """Refuse a node whose output cannot be computed, and so the rest of this body."""
        self.refuse(n, what)
        raise _Stop

    def on_get_attr(self, n: fx.Node) -> Any:
        """A learnable tensor of this module's own: a Parameter node, one per tensor however often it is read."""
        target = str(n.target)
        p = self.module._parameters.get(target)
        if p is None:
            what = "a buffer" if "." not in target and target in self.module._buffers else "a tensor of a submodule"
            self.stop(n, f"self.{target}, {what}, read in forward")
        if target in self.called:
            self.ports[n] = [(target, "out")]
        else:
            self.called.add(target)
            init = _init_of(p)
            if init is None:
                where = ".".join([*self.owner.path, target])
                self.owner.warnings.append(Issue(
                    f"{where}: the source's initial values are unknown (a {'x'.join(map(str, p.shape))} parameter built "
                    "on the meta device), so its Parameter node starts at zeros",
                    node=target, param="init", severity="warning",
                    fix="set its init in the Params panel to what the source does, or load the source's weights "
                    "with --init-from / the Training tab's initial weights"))
            self._add_layer(n, target, parameter.SPEC, {"shape": list(p.shape), **(init or {})}, [])
        return torch.empty(p.shape, dtype=p.dtype, device="meta")

    def on_call_module(self, n: fx.Node) -> Any:
        target = str(n.target)
        child = self.module.get_submodule(target)
        layer = leaf_type(child)
        tensors, lists, consts, run_args = self._bind(n, child, layer)
        if target in self.called:
            if any(True for _ in child.parameters()) or any(True for _ in child.buffers()):
                self.stop(n, f"self.{target} called twice (shared weights)")
            name = self.names.take(target, numbered=True)  # a second use of a stateless layer gets its own node
        else:
            self.called.add(target)
            name = target
        if layer is not None and lists:
            self.stop(n, f"{layer} self.{target} called with a list of tensors")
        if layer is not None:
            return self._leaf(n, name, child, layer, tensors)
        self.owner.path.append(target)
        try:
            made = self.owner.definition(child, run_args, lists, consts)
        finally:
            self.owner.path.pop()
        if made is None:
            raise _Stop
        definition, out = made
        if lists and isinstance(out, list) and len(out) == 1:
            out = out[0]  # traced with its arguments flattened, forward's result comes back as a list
        d = self.owner.modules[definition]
        self.body.nodes.append(ModuleNode(id=name, name=name, module=definition))
        for a, port in zip(tensors, [i.id for i in d.inputs()], strict=False):
            self._connect(a, 0, name, port)
        self.ports[n] = [(name, o.id) for o in d.outputs()]
        return out

    def _bind(self, n: fx.Node, child: nn.Module, layer: str | None) -> tuple[list[fx.Node], dict[str, int], dict[str, Any], list[Any]]:
        """A call's arguments bound to the child's forward, positional or keyword alike: its tensor
        arguments in forward's order (lists of tensors unpacked), which arguments were lists, the
        ones that are not tensors (those left out at their defaults), and forward's arguments as
        the child's trace runs on them (meta tensors and those values)."""
        what = f"{layer} self.{n.target}" if layer else f"self.{n.target}"
        signature = inspect.signature(child.forward)
        try:
            bound = signature.bind(*n.args, **n.kwargs)
        except TypeError as e:
            self.stop(n, f"{what} called with arguments its forward does not take ({e})")
        spec = layer_spec(layer) if layer else None
        n_ports = len(spec.input_ports({q.name: q.default for q in spec.params})) if spec else 0
        tensors: list[fx.Node] = []
        lists: dict[str, int] = {}
        consts: dict[str, Any] = {}
        run_args: list[Any] = []
        given = list(bound.arguments)
        last = max((i for i, name in enumerate(signature.parameters) if name in given), default=-1)
        for i, (name, p) in enumerate(signature.parameters.items()):
            if p.kind is p.VAR_KEYWORD:
                if bound.arguments.get(name):
                    self.stop(n, f"{what} called with **{name} ({', '.join(sorted(bound.arguments[name]))})")
                continue
            if name not in bound.arguments:
                if p.default is p.empty or p.kind is p.VAR_POSITIONAL:
                    continue
                consts[name] = p.default  # left out: traced at its default
                if i < last:
                    run_args.append(p.default)
                continue
            a = bound.arguments[name]
            items = list(a) if isinstance(a, (list, tuple)) else [a]
            if items and all(isinstance(x, fx.Node) and _is_tensor(self.values.get(x)) for x in items):
                if layer is not None and (len(tensors) != i or i >= n_ports or isinstance(a, (list, tuple))):
                    self.stop(n, f"{what} called with the tensor {name}=, which the catalog's {layer} has no input for")
                if isinstance(a, (list, tuple)) and p.kind is not p.VAR_POSITIONAL:
                    lists[name] = len(items)
                tensors += items  # type: ignore[arg-type]
                run_args += [self.values[x] for x in items]  # type: ignore[index]
            elif isinstance(a, fx.Node) or any(isinstance(x, fx.Node) for x in items):
                self.stop(n, f"{what} called with {name}= that is not a tensor (or a list of tensors)")
            elif layer is not None and not (a == p.default or name == "need_weights"):
                # need_weights=False only drops the attention weights, which the document does not need.
                self.stop(n, f"{what} called with {name}={a!r}; the catalog's {layer} takes only the default, {p.default!r}")
            elif layer is None and not isinstance(a, _PLAIN):
                self.stop(n, f"{what} called with {name}= of type {type(a).__name__}, which the document cannot hold")
            else:
                consts[name] = a
                run_args.append(a)
        if layer is None and not tensors:
            self.stop(n, f"{what} called without a tensor")
        return tensors, lists, consts, run_args

    def _leaf(self, n: fx.Node, name: str, child: nn.Module, type_: str, tensors: list[fx.Node]) -> Any:
        spec = layer_spec(type_)
        assert spec is not None
        params = layer_params(spec, child)
        if params is None or not _same_weights(spec, params, child):
            self.stop(n, f"{type_} self.{n.target}, whose settings the catalog cannot hold")
        full = self._add_layer(n, name, spec, params, tensors)
        ins = [TensorMeta(tuple(self.values[t].shape), _DTYPE_NAMES.get(self.values[t].dtype, "float32")) for t in tensors]
        n_out = len(spec.output_ports(full))
        got = compute_node(spec, full, ins, n_out)
        if got.outputs is None:
            self.stop(n, f"{type_} self.{n.target}: {got.error}")
        return _meta(got.outputs, n_out)

    def on_call_function(self, n: fx.Node) -> None:
        self._call(n, n.target, getattr(n.target, "__name__", str(n.target)))

    def on_call_method(self, n: fx.Node) -> None:
        in_place = str(n.target).endswith("_") and not str(n.target).endswith("__")
        self._call(n, n.target, f"Tensor.{n.target}" + (" (in place)" if in_place else ""))

    def _call(self, n: fx.Node, key: Any, shown: str) -> None:
        if not _is_tensor(self.values.get(n)) and not _tensors(self.values.get(n)):
            if key in _CHECKS or _is_size(self.values.get(n)):
                return  # sizes and arithmetic on them: evaluated, they become other calls' params
            self.refuse(n, f"{shown} (a non-tensor result)")
            return
        through = _pass_through(n, key)
        if through is not None:
            if through in self.ports:
                self.ports[n] = self.ports[through]
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
        params = {}
        for k, v in mapped.params.items():
            p = spec.param(k)
            v = _param_value(p, v) if p else v
            if p is None or v != p.default:
                params[k] = v
        self._add_layer(n, self.names.take(stem_for_type(mapped.type)), spec, params, list(mapped.inputs))

    def _pick(self, n: fx.Node) -> None:
        """``outputs[i]``: one port of a node with several outputs."""
        source, index = n.args[0], n.args[1]
        ports = self.ports.get(source)  # type: ignore[arg-type]
        if ports is None or not isinstance(index, int) or not -len(ports) <= index < len(ports):
            self.refuse(n, "an index into something that is not a node's outputs")
            return
        self.ports[n] = [ports[index]]

    def _add_layer(self, n: fx.Node, name: str, spec: LayerSpec, params: dict[str, Any], tensors: list[fx.Node]) -> dict[str, Any]:
        """Adds the node; returns its params in full (inferred ones included), for computing its output."""
        full, errors = resolve_params(spec, params)
        if errors:
            self.stop(n, f"{spec.type} with {errors[0].param}: {errors[0].message}")
        ports = spec.input_ports(full)
        _drop_inferred(spec, params, {p: self.values[t] for p, t in zip(ports, tensors, strict=False)})
        if any(t not in self.ports for t in tensors):
            return full  # an input was refused, and reported, already
        self.body.nodes.append(LayerNode(id=name, name=name, type=spec.type, params=params))
        for t, port in zip(tensors, ports, strict=False):
            self._connect(t, 0, name, port)
        self.ports[n] = [(name, p) for p in spec.output_ports(full)]
        return full

    def _connect(self, source: fx.Node, index: int, target: str, port: str) -> None:
        ports = self.ports.get(source)
        if not ports:
            return  # refused upstream, and reported there
        node, out = ports[index]
        self.body.edges.append(Edge(source=PortRef(node=node, port=out), target=PortRef(node=target, port=port)))

    # ---- order and layout ----------------------------------------------------------------------

    def _layout(self) -> None:
        """Rows by longest path from an input, so a chain runs down the page and branches sit
        side by side. The nodes are in forward's order, so each one's inputs come before it."""
        depth: dict[str, int] = {}
        preds: dict[str, list[str]] = {}
        for e in self.body.edges:
            preds.setdefault(e.target.node, []).append(e.source.node)
        row_count: Counter[int] = Counter()
        for x in self.body.nodes:
            d = depth[x.id] = 1 + max((depth.get(p, 0) for p in preds.get(x.id, [])), default=-1)
            x.position = Position(x=240.0 * row_count[d], y=110.0 * d)
            row_count[d] += 1


def _pass_through(n: fx.Node, key: Any) -> fx.Node | None:
    """The input of a call that returns it unchanged: ``x.contiguous()``, ``torch.cat([x])``."""
    first = n.args[0] if n.args else None
    if key in PASS_THROUGH and isinstance(first, fx.Node):
        return first
    if key in (torch.cat, torch.concat) and isinstance(first, (list, tuple)) and len(first) == 1 and isinstance(first[0], fx.Node):
        return first[0]
    return None


def _is_size(v: Any) -> bool:
    """A size or a number computed from sizes (``x.shape``, ``h // 16``, ``x.size(0) == 224``)."""
    if isinstance(v, (list, tuple)):
        return all(_is_size(x) for x in v)
    return isinstance(v, (int, float, bool))


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


def import_module(module: nn.Module, input_shape: list[int], name: str | None = None,
                  warnings: list[Issue] | None = None) -> Graph:
    """The document for ``module`` fed one batch of ``input_shape`` (a sample's shape). What imports
    but not exactly as the source has it (a parameter's unknown init) is added to ``warnings``."""
    importer = Importer()
    module = module.eval()
    # forward's other arguments take their defaults (``mask=None``): traced as those constants.
    rest = list(inspect.signature(module.forward).parameters.values())[1:]
    consts = {p.name: p.default for p in rest if p.default is not p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    made = importer.body(module, [torch.empty(BATCH, *input_shape, device="meta")], consts=consts)
    if importer.refusals or made is None:
        raise ImportRefused(importer.refusals or [Refusal("the model", "its forward")])
    # Definitions after the ones they use, as the document lists them.
    body, out = made
    if warnings is not None:
        warnings += importer.warnings
    return Graph(name=name or type(module).__name__, nodes=body.nodes, edges=body.edges,
                 modules=importer.canonical_names(body), training=_training(input_shape, out))


def _training(input_shape: list[int], out: Any) -> TrainingConfig:
    """Random tensors of the model's own shapes: a config that trains end to end as imported,
    to be replaced with real data in the Training tab."""
    config = TrainingConfig()
    if _is_tensor(out) and out.dim() == 2:
        config.dataset = Choice(type="RandomRegression", params={"features": list(input_shape), "targets": int(out.shape[1])})
    return config
