"""Structural checks that need no catalog: ids, edges, cycles, module references."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from torchcanvas.graph.model import Body, Graph, InputNode, ModuleNode, Node, OutputNode

MAX_MODULE_DEPTH = 8


@dataclass(frozen=True)
class Issue:
    """A located problem: which node (inside which module), which param, what, and how to fix."""

    message: str
    node: str | None = None
    param: str | None = None
    fix: str | None = None
    module: str | None = None  # the module definition the node lives in; None for the top level
    severity: str = "error"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "message": self.message,
            "node": self.node,
            "param": self.param,
            "fix": self.fix,
            "module": self.module,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        where = ".".join(p for p in (self.module, self.node) if p)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} ({self.fix})" if self.fix else text


class GraphError(Exception):
    """Raised when a document cannot be used at all; carries every issue found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


@dataclass
class Topology:
    """A body's nodes in execution order and its incoming edges by target port."""

    order: list[Node]
    incoming: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    consumers: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)


def topology(body: Body, module: str | None = None) -> tuple[Topology, list[Issue]]:
    """Order a body's nodes topologically. Nodes on a cycle are reported and left out."""
    issues: list[Issue] = []
    by_id: dict[str, Node] = {}
    for n in body.nodes:
        if n.id in by_id:
            issues.append(Issue(f"duplicate node id '{n.id}'", node=n.id, fix="give every node its own id", module=module))
        by_id[n.id] = n

    incoming: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    consumers: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    succ: dict[str, set[str]] = defaultdict(set)
    indeg = dict.fromkeys(by_id, 0)
    for e in body.edges:
        src, dst = by_id.get(e.source.node), by_id.get(e.target.node)
        if src is None or dst is None:
            missing = e.source.node if src is None else e.target.node
            issues.append(Issue(f"an edge refers to node '{missing}', which does not exist", node=missing, fix="delete the edge", module=module))
            continue
        if isinstance(src, OutputNode):
            issues.append(Issue("an output node has no outgoing port", node=src.id, fix="connect from the node that feeds it", module=module))
            continue
        if isinstance(dst, InputNode):
            issues.append(Issue("an input node cannot receive an edge", node=dst.id, fix="delete the edge", module=module))
            continue
        if e.target.port in incoming[dst.id]:
            issues.append(
                Issue(
                    f"input port '{e.target.port}' is connected twice",
                    node=dst.id,
                    fix="an input port takes one edge; delete one, or use Add/Concat to merge them",
                    module=module,
                )
            )
            continue
        incoming[dst.id][e.target.port] = (e.source.node, e.source.port)
        consumers[(e.source.node, e.source.port)].append((dst.id, e.target.port))
        if dst.id not in succ[src.id]:
            succ[src.id].add(dst.id)
            indeg[dst.id] += 1

    # Kahn's algorithm, always taking the ready node that comes first in the document: a
    # document already in an order that runs (an imported model's, the source's forward) keeps
    # it, so generated code calls its layers in that order.
    pos = {nid: i for i, nid in enumerate(by_id)}
    ready = [pos[nid] for nid in by_id if indeg[nid] == 0]
    heapq.heapify(ready)
    ids = list(by_id)
    order: list[Node] = []
    while ready:
        nid = ids[heapq.heappop(ready)]
        order.append(by_id[nid])
        for s in succ[nid]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(ready, pos[s])
    if len(order) < len(by_id):
        # What is left is the cycles plus whatever hangs below them; peel off the latter.
        left = {nid for nid in by_id if indeg[nid] > 0}
        changed = True
        while changed:
            changed = False
            for nid in list(left):
                if not succ[nid] & left:
                    left.discard(nid)
                    changed = True
        for nid in by_id:
            if nid in left:
                issues.append(
                    Issue(
                        "this node is part of a cycle",
                        node=nid,
                        fix="remove one edge of the loop; the graph must flow one way",
                        module=module,
                    )
                )
    return Topology(order, dict(incoming), dict(consumers)), issues


def module_issues(graph: Graph) -> list[Issue]:
    """Unknown modules, duplicate names, self-containing modules and too-deep nesting."""
    issues: list[Issue] = []
    defs: dict[str, Body] = {}
    for m in graph.modules:
        if m.name in defs:
            issues.append(Issue(f"two modules are named '{m.name}'", module=m.name, fix="rename one of them"))
        defs[m.name] = m

    def uses(body: Body) -> list[ModuleNode]:
        return [n for n in body.nodes if isinstance(n, ModuleNode)]

    for owner, body in [(None, graph), *((m.name, m) for m in graph.modules)]:
        for n in uses(body):
            if n.module not in defs:
                issues.append(Issue(f"module '{n.module}' is not defined", node=n.id, module=owner, fix="define it, or delete this node"))

    # Depth-first search over "module uses module"; a back edge is a module containing itself.
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done

    def depth(name: str, path: list[str]) -> int:
        if state.get(name) == 1:
            cycle = " → ".join([*path[path.index(name) :], name])
            issues.append(Issue(f"module '{name}' contains itself ({cycle})", module=name, fix="a module cannot be used inside its own definition"))
            return 0
        if state.get(name) == 2 or name not in defs:
            return 0
        state[name] = 1
        d = 1 + max((depth(n.module, [*path, name]) for n in uses(defs[name])), default=0)
        state[name] = 2
        if d > MAX_MODULE_DEPTH:
            issues.append(Issue(f"modules nest {d} levels deep; at most {MAX_MODULE_DEPTH} are allowed", module=name, fix="flatten some modules"))
        return d

    for name in defs:
        depth(name, [])
    return issues


def io_issues(body: Body, module: str | None) -> list[Issue]:
    issues = []
    if not body.inputs():
        issues.append(Issue("there is no input node", module=module, fix="add an Input node with the shape of your data"))
    if not body.outputs():
        issues.append(Issue("there is no output node", module=module, fix="add an Output node and connect the last layer to it"))
    return issues
