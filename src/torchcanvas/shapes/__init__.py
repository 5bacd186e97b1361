"""Shape, parameter and FLOP inference; the in-memory model."""

from __future__ import annotations

from torchcanvas.graph.model import Graph
from torchcanvas.limits import Limits
from torchcanvas.shapes.infer import BATCH, Analysis, BodyAnalysis, NodeInfo, analyze
from torchcanvas.shapes.model import build_model
from torchcanvas.shapes.result import CheckResult, IssueModel, NodeResult

__all__ = [
    "Analysis", "BodyAnalysis", "CheckResult", "IssueModel", "NodeInfo", "NodeResult", "analyze", "build_model", "check",
    "check_analysis",
]


def _per_sample(flops: int) -> int:
    return flops // BATCH if flops % BATCH == 0 else round(flops / BATCH)


def _results(body: BodyAnalysis) -> dict[str, NodeResult]:
    out = {}
    for nid, info in body.infos.items():
        # model_construct: every field is built here from typed values; re-validating 1,000
        # nodes would cost more than the analysis itself.
        out[nid] = NodeResult.model_construct(
            id=nid,
            attr=info.attr,
            inputs={p: m.shown() for p, m in info.inputs.items()},
            outputs={p: m.shown() for p, m in info.outputs.items()},
            params=info.n_params,
            flops=_per_sample(info.flops),
            inferred=info.inferred,
            errors=[IssueModel.of(i) for i in info.issues],
        )
    return out


def check_analysis(a: Analysis) -> CheckResult:
    nodes = _results(a.top)
    return CheckResult(
        ok=a.ok,
        nodes=nodes,
        modules={name: _results(body) for name, body in a.module_bodies.items()},
        issues=[IssueModel.of(i) for i in a.issues],
        total_params=sum(n.params for n in nodes.values()),
        frozen_params=sum(nodes[n].params for n in set(a.graph.training.freeze) if n in nodes),
        total_flops=sum(n.flops for n in nodes.values()),
    )


def check(graph: Graph, limits: Limits | None = None) -> CheckResult:
    """Everything the editor shows about a graph. User errors are in the result, never raised,
    and so is a tensor or model over ``limits``; a check that would itself be too much work (too
    many module instances, too large images) raises LimitExceeded before it starts."""
    from torchcanvas.shapes.cost import analyze_within

    return check_analysis(analyze_within(graph, limits or Limits()))
