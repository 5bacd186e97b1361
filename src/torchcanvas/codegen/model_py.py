"""model.py: one nn.Module class per module definition, then the model itself.

A plain chain becomes an ``nn.Sequential`` subclass whose layers are named attributes; anything
that branches gets an explicit ``forward`` with a shape comment on every line. Small emitters,
one per node kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from torchcanvas.catalog import LayerSpec, layer_spec, op, parameter
from torchcanvas.codegen.render import LINE_LENGTH, comment_lines, docstring_text, literal
from torchcanvas.codegen.reserved import template_names
from torchcanvas.graph.model import Graph, InputNode, LayerNode, ModuleNode, OutputNode
from torchcanvas.graph.names import RESERVED, Namespace, camel, is_module_key
from torchcanvas.shapes.infer import Analysis, BodyAnalysis, NodeInfo, TensorMeta, is_chain, member_order, show_shape


def class_names(graph: Graph) -> dict[str | None, str]:
    """Class name per module definition (key None: the model itself)."""
    ns = Namespace(RESERVED | {"Tensor"} | template_names())
    names: dict[str | None, str] = {None: ns.take(camel(graph.name))}
    for m in graph.modules:
        names[m.name] = ns.take(camel(m.name))
    return names


def model_class_name(graph: Graph) -> str:
    return class_names(graph)[None]


# ---- constructor calls --------------------------------------------------------------------------------


def _param_literal(spec: LayerSpec, name: str, value: Any) -> str:
    p = spec.param(name)
    same = isinstance(value, list) and bool(value) and all(v == value[0] for v in value)
    # kernel_size=(5, 5) reads better as 5, and torch treats them the same
    if p is not None and p.type == "ints" and same and (p.length is None or len(value) == p.length):
        return literal(value[0])
    return literal(value)


def constructor(spec: LayerSpec, params: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """``nn.Conv2d(3, 6, 5, padding=2)``: required params by position, changed defaults by keyword.

    ``names``: params given by a variable (a module class's constructor argument) instead of a value.
    """
    names = names or {}
    args: list[str] = []
    positional = True
    for p in spec.params:
        if p.name not in params:
            continue
        value = params[p.name]
        text = names.get(p.name) or _param_literal(spec, p.name, value)
        if (p.required or p.infer) and positional and not p.keyword_only:
            args.append(text)
            continue
        positional = False
        if not (p.required or p.infer) and value == p.default and p.name not in names:
            continue
        args.append(f"{p.name}={text}")
    return f"{'nn.' + spec.type if spec.in_torch_nn else spec.torch}({', '.join(args)})"


# ---- module classes' constructor arguments ---------------------------------------------------------------

# A param of a class: ("layer", node id, param) for an inferred layer param, or ("module", node id,
# argument) for an argument of a nested module's class.
Key = tuple[str, str, str]


@dataclass
class ClassArgs:
    """The constructor arguments of one module class: inferred params that differ between its uses."""

    names: dict[Key, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)  # the first use's values


def _values(args: dict[str, ClassArgs], module: str, body: BodyAnalysis) -> dict[str, Any]:
    """What one use of a module class passes to its constructor."""
    out = {}
    for (kind, nid, p), name in args[module].names.items():
        info = body.infos[nid]
        if kind == "layer":
            out[name] = info.params[p]
        else:
            assert isinstance(info.node, ModuleNode) and info.body is not None
            out[name] = _values(args, info.node.module, info.body)[p]
    return out


def class_args(a: Analysis) -> dict[str, ClassArgs]:
    """Arguments for every module class, inner classes first (an outer class forwards the inner
    arguments that vary between its own uses)."""
    args: dict[str, ClassArgs] = {}
    for module in _module_order(a):
        uses = a.module_instances.get(module) or [a.module_bodies[module]]
        first = uses[0]
        keys: list[Key] = []
        for n in first.topo.order:
            if isinstance(n, LayerNode):
                for p in first.infos[n.id].inferred:
                    if any(u.infos[n.id].params.get(p) != first.infos[n.id].params.get(p) for u in uses):
                        keys.append(("layer", n.id, p))
            elif isinstance(n, ModuleNode) and n.module in args:
                values = [_values(args, n.module, u.infos[n.id].body) for u in uses]  # type: ignore[arg-type]
                keys += [("module", n.id, q) for q in args[n.module].names.values() if any(v[q] != values[0][q] for v in values)]
        taken = Counter(k[2] for k in keys)
        names = Namespace()
        made = ClassArgs()
        for k in keys:
            stem = k[2] if taken[k[2]] == 1 else f"{first.infos[k[1]].attr}_{k[2]}"
            made.names[k] = names.take(stem)
        args[module] = made
        made.defaults = _values(args, module, first)
    return args


# ---- one class ----------------------------------------------------------------------------------------


def _shape_note(info: NodeInfo, used: list[str]) -> str:
    metas = [(p, info.outputs[p]) for p in used if p in info.outputs]
    if len(metas) == 1:
        return show_shape(metas[0][1].shape)
    return ", ".join(f"{p}: {show_shape(m.shape)}" for p, m in metas)


@dataclass
class _Emitter:
    body: BodyAnalysis
    classes: dict[str | None, str]
    imports: set[str]
    args: dict[str, ClassArgs]  # every module class's constructor arguments
    own: ClassArgs  # this class's own arguments (none for the model itself)

    def member(self, info: NodeInfo) -> str | None:
        n = info.node
        if isinstance(n, LayerNode):
            spec = layer_spec(n.type)
            assert spec is not None
            if n.type == parameter.SPEC.type:
                self.imports.add("torch")
                return parameter.expr(info.params)
            if spec.is_op:
                if n.type in ("Concat", "Split"):
                    self.imports.add("torch")
                return None
            names = {p: name for (kind, nid, p), name in self.own.names.items() if kind == "layer" and nid == n.id}
            if not spec.in_torch_nn:
                self.imports.add(spec.torch.split(".")[0])
            return constructor(spec, info.params, names)
        if isinstance(n, ModuleNode):
            assert info.body is not None
            inner = self.args[n.module]
            values = _values(self.args, n.module, info.body)
            passed = []
            for q, value in values.items():
                forwarded = self.own.names.get(("module", n.id, q))
                if forwarded:
                    passed.append(f"{q}={forwarded}")
                elif value != inner.defaults[q]:
                    passed.append(f"{q}={literal(value)}")
            return f"{self.classes[n.module]}({', '.join(passed)})"
        return None

    def emit_class(self, name: str, doc: str) -> list[str]:
        chain = is_chain(self.body)
        base = "nn.Sequential" if chain else "nn.Module"
        lines = [f"class {name}({base}):"]
        if doc:
            lines += [f"    # {line}" for line in comment_lines(doc, width=LINE_LENGTH - 6)]
        signature = "".join(f", {arg}={literal(self.own.defaults[arg])}" for arg in self.own.names.values())
        lines.append(f"    def __init__(self{signature}):")
        members = [(info, made) for n in member_order(self.body)
                   if (made := self.member(info := self.body.infos[n.id])) is not None]
        if chain and members and [info.attr for info, _ in members] == [str(i) for i in range(len(members))]:
            # Members named 0, 1, 2 ... (an imported nn.Sequential): pass them in order, as torch names them.
            lines.append("        super().__init__(")
            lines += [f"            {made},  # {_shape_note(info, list(info.outputs))}" for info, made in members]
            lines.append("        )")
            return lines
        lines.append("        super().__init__()")
        for info, made in members:
            note = f"  # {_shape_note(info, list(info.outputs))}" if chain else ""
            if is_module_key(info.attr):
                # 0 or block1-0 is no attribute name; add_module registers it under that name all the same.
                lines.append(f'        self.add_module("{info.attr}", {made}){note}')
            else:
                lines.append(f"        self.{info.attr} = {made}{note}")
        if not chain:
            lines += ["", *self.emit_forward()]
        return lines

    def emit_forward(self) -> list[str]:
        topo, infos = self.body.topo, self.body.infos
        remaining = {k: len(v) for k, v in topo.consumers.items()}
        names = Namespace()
        var: dict[tuple[str, str], str] = {}
        live: set[str] = set()
        args = []
        for i in self.body.body.inputs():
            v = names.take(infos[i.id].attr)
            var[(i.id, "out")] = v
            live.add(v)
            args.append(v)
        lines = [f"    def forward(self, {', '.join(args)}):"]
        returns: dict[str, str] = {}
        for n in topo.order:
            info = infos[n.id]
            if isinstance(n, InputNode):
                continue
            incoming = topo.incoming.get(n.id, {})
            ports = self._input_ports(info)
            sources = [incoming[p] for p in ports]
            in_vars = [var[s] for s in sources]
            freed = []
            for s in sources:
                remaining[s] -= 1
                if remaining[s] == 0:
                    freed.append(var[s])
            if isinstance(n, OutputNode):
                returns[n.id] = in_vars[0]
                continue
            live -= set(freed)
            out_ports = self._output_ports(info)
            outs = []
            for port in out_ports:
                uses = len(topo.consumers.get((n.id, port), []))
                if uses == 0:
                    outs.append("_")
                    continue
                if uses > 1:
                    v = names.take(info.attr) if info.attr not in live else names.take(info.attr, numbered=True)
                elif in_vars and in_vars[0] in freed and in_vars[0] not in live and in_vars[0] not in outs:
                    v = in_vars[0]
                else:
                    v = next((c for c in ("x", "out", "h") if c not in live and c not in outs and c in names.used), None) or (
                        names.take("out") if "out" not in names.used else names.take("out", numbered=True)
                    )
                var[(n.id, port)] = v
                live.add(v)
                outs.append(v)
            call = self._call(info, in_vars)
            target = self._unpack(info, outs)
            used = [p for p, o in zip(out_ports, outs, strict=True) if o != "_"]
            lines.append(f"        {target} = {call}  # {_shape_note(info, used)}")
        lines.append(f"        return {', '.join(returns[o.id] for o in self.body.body.outputs())}")
        return lines

    def _input_ports(self, info: NodeInfo) -> list[str]:
        n = info.node
        if isinstance(n, LayerNode):
            spec = layer_spec(n.type)
            assert spec is not None
            return [p for p in spec.input_ports(info.params) if p in info.inputs]
        if isinstance(n, ModuleNode):
            assert info.body is not None
            return [i.id for i in info.body.body.inputs()]
        return ["in"]

    def _output_ports(self, info: NodeInfo) -> list[str]:
        n = info.node
        if isinstance(n, LayerNode):
            spec = layer_spec(n.type)
            assert spec is not None
            return spec.output_ports(info.params)
        assert isinstance(n, ModuleNode) and info.body is not None
        return [o.id for o in info.body.body.outputs()]

    def _call(self, info: NodeInfo, in_vars: list[str]) -> str:
        n = info.node
        if isinstance(n, LayerNode):
            o = op(n.type)
            if o is not None:
                return o.expr(in_vars, info.params)
        member = f'getattr(self, "{info.attr}")' if is_module_key(info.attr) else f"self.{info.attr}"
        if isinstance(n, LayerNode) and n.type == parameter.SPEC.type:
            return member  # a tensor, not a call
        return f"{member}({', '.join(in_vars)})"

    @staticmethod
    def _unpack(info: NodeInfo, outs: list[str]) -> str:
        n = info.node
        if isinstance(n, LayerNode) and n.type == "LSTM":
            return f"{outs[0]}, ({outs[1]}, {outs[2]})"  # LSTM returns (output, (h_n, c_n))
        return ", ".join(outs)


def _module_order(a: Analysis) -> list[str]:
    """Module definitions, each after the ones it uses."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order or name not in a.module_bodies:
            return
        for n in a.module_bodies[name].body.nodes:
            if isinstance(n, ModuleNode):
                visit(n.module)
        order.append(name)

    for m in a.graph.modules:
        visit(m.name)
    return order


def render_model_py(a: Analysis) -> str:
    graph = a.graph
    classes = class_names(graph)
    imports = {"torch.nn"}
    args = class_args(a)
    blocks: list[list[str]] = []
    for name in _module_order(a):
        emitter = _Emitter(a.module_bodies[name], classes, imports, args, args[name])
        definition = graph.module(name)
        blocks.append(emitter.emit_class(classes[name], definition.description if definition else ""))
    top = _Emitter(a.top, classes, imports, args, ClassArgs())
    blocks.append(top.emit_class(classes[None], graph.description))
    head = [f'"""{docstring_text(graph.name)}: generated by torchcanvas."""', ""]
    if "torch" in imports:
        head.append("import torch")
    head.append("import torch.nn as nn")
    if "torchvision" in imports:
        head.append("import torchvision")
    out = [*head, ""]
    for block in blocks:
        out += ["", *block, ""]
    return "\n".join(out).rstrip() + "\n"


def example_input_shapes(a: Analysis) -> list[TensorMeta]:
    return [a.top.infos[n.id].outputs["out"] for n in a.graph.inputs()]
