"""The in-memory model: an nn.Module that runs a graph by walking it.

Attribute names and registration order are the ones code generation uses, so the generated
model and this one have the same ``state_dict`` keys, and tests can compare them directly.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from torchcanvas.catalog import layer_spec, parameter
from torchcanvas.graph.model import InputNode, LayerNode, ModuleNode, OutputNode
from torchcanvas.graph.validate import GraphError
from torchcanvas.limits import Limits
from torchcanvas.shapes.cost import analyze_within
from torchcanvas.shapes.infer import Analysis, BodyAnalysis, _flatten, instantiate, member_order


class GraphModule(nn.Module):
    """Runs one body (the top graph or a module definition) in topological order."""

    def __init__(self, body: BodyAnalysis):
        super().__init__()
        # Registered in the order generated code registers them, so the state_dicts agree.
        for n in member_order(body):
            info = body.infos[n.id]
            if isinstance(n, LayerNode) and n.type == parameter.SPEC.type:
                self.register_parameter(info.attr, parameter.make(info.params))
            elif isinstance(n, LayerNode):
                spec = layer_spec(n.type)
                assert spec is not None
                self.add_module(info.attr, instantiate(spec, info.params))
            elif isinstance(n, ModuleNode):
                assert info.body is not None
                self.add_module(info.attr, GraphModule(info.body))
        self._plan: list[tuple[str, str, list[tuple[str, str]], list[str]]] = []
        self._inputs = [n.id for n in body.body.inputs()]
        outputs: dict[str, tuple[str, str]] = {}
        for n in body.topo.order:
            info = body.infos[n.id]
            incoming = body.topo.incoming.get(n.id, {})
            if isinstance(n, LayerNode):
                spec = layer_spec(n.type)
                assert spec is not None
                ins = [incoming[p] for p in spec.input_ports(info.params) if p in incoming]
                self._plan.append((n.id, info.attr, ins, spec.output_ports(info.params)))
            elif isinstance(n, ModuleNode):
                assert info.body is not None
                ports = [i.id for i in info.body.body.inputs()]
                outs = [o.id for o in info.body.body.outputs()]
                self._plan.append((n.id, info.attr, [incoming[p] for p in ports], outs))
            elif isinstance(n, OutputNode):
                outputs[n.id] = incoming["in"]
            else:
                assert isinstance(n, InputNode)
        self._outputs = [outputs[o.id] for o in body.body.outputs()]

    def forward(self, *inputs: Tensor) -> Any:
        values: dict[tuple[str, str], Tensor | None] = {(nid, "out"): x for nid, x in zip(self._inputs, inputs, strict=True)}
        for nid, attr, ins, outs in self._plan:
            member = getattr(self, attr)
            result = member if isinstance(member, nn.Parameter) else member(*(values[i] for i in ins))
            flat = [result] if isinstance(result, Tensor) else _flatten(result)
            for port, t in zip(outs, flat, strict=False):
                values[(nid, port)] = t
        results = [values[o] for o in self._outputs]
        return results[0] if len(results) == 1 else tuple(results)


def build_model(graph_or_analysis: Any, device: str | torch.device = "cpu", limits: Limits | None = None) -> nn.Module:
    """The graph as a real nn.Module. Raises GraphError if the graph has errors, LimitExceeded
    (before allocating anything) if it is over ``limits``."""
    analysis: Analysis = (graph_or_analysis if isinstance(graph_or_analysis, Analysis)
                          else analyze_within(graph_or_analysis, limits or Limits()))
    if not analysis.ok:
        raise GraphError(analysis.issues)
    with torch.device(device):
        return GraphModule(analysis.top)
