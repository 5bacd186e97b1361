"""What a request will cost, estimated from the document before the work (see ``torchcanvas.limits``).

``check_document`` runs before anything is expanded or built, in time linear in the document:
module instances are counted with one multiplication per module definition (memoised), never
by expanding them, and image sizes are followed through each transform pipeline from the
transforms' own params. ``size_issues`` reads the sizes the shape pass found (on the meta
device) and turns an oversized tensor or model into errors on the nodes responsible.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from torchcanvas.graph.model import Body, Choice, Graph, ModuleNode
from torchcanvas.graph.validate import Issue
from torchcanvas.limits import LimitExceeded, Limits
from torchcanvas.shapes.infer import BATCH, Analysis, BodyAnalysis, TensorMeta, show_shape

# ONNX: besides 4 bytes per float32 weight, a protobuf node per op (names, attributes, shapes).
ONNX_BYTES_PER_PARAM = 4
ONNX_BYTES_PER_NODE = 1_024
ONNX_BYTES_FIXED = 64 * 1024


def check_document(graph: Graph, limits: Limits) -> None:
    """Refuse a document whose check would be too much work: raises LimitExceeded."""
    check_instances(graph, limits)
    check_images(graph, limits)


# ---- module instances --------------------------------------------------------------------------------


def instances(graph: Graph) -> tuple[int, dict[str, int]]:
    """Nodes after expanding every module use, and the same per module definition.

    A module that contains itself counts its recursive use as 0 (``module_issues`` reports it).
    """
    defs = {m.name: m for m in graph.modules}
    memo: dict[str, int] = {}
    on_stack: set[str] = set()

    def expanded(name: str) -> int:
        if name in memo:
            return memo[name]
        if name in on_stack or name not in defs:
            return 0
        on_stack.add(name)
        memo[name] = size(defs[name])
        on_stack.discard(name)
        return memo[name]

    def size(body: Body) -> int:
        return sum(1 + (expanded(n.module) if isinstance(n, ModuleNode) else 0) for n in body.nodes)

    total = size(graph)
    # A definition nobody uses is still checked once, on its declared inputs.
    total += sum(expanded(m.name) for m in graph.modules if m.name not in memo)
    return total, memo


def check_instances(graph: Graph, limits: Limits) -> None:
    total, per_module = instances(graph)
    if total <= limits.max_module_instances:
        return
    uses = [n for n in graph.nodes if isinstance(n, ModuleNode)]
    worst = max(uses, key=lambda n: per_module.get(n.module, 0), default=None)
    where = f"node '{worst.id}' (module {worst.module}, {per_module.get(worst.module, 0):,} nodes)" if worst else "graph"
    raise LimitExceeded("max_module_instances", where, total, limits.max_module_instances,
                        "use each module fewer times, or nest fewer levels: every use is expanded")


# ---- image sizes -------------------------------------------------------------------------------------

Size = tuple[int, int]


def _pair(v: Any) -> Size | None:
    """(h, w) from an int or a [h, w] list; None for anything else (validation reports it)."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v, v
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return v[0], v[1]
    return None


def _padding(v: Any) -> Size:
    """Rows and columns a padding adds: int, [left/right, top/bottom] or [left, top, right, bottom]."""
    ints = [v] if isinstance(v, int) and not isinstance(v, bool) else v if isinstance(v, list) else []
    ints = [x for x in ints if isinstance(x, int) and not isinstance(x, bool)]
    if len(ints) == 1:
        return 2 * ints[0], 2 * ints[0]
    if len(ints) == 2:
        return 2 * ints[1], 2 * ints[0]
    if len(ints) == 4:
        return ints[1] + ints[3], ints[0] + ints[2]
    return 0, 0


def _resize(hw: Size, params: dict[str, Any]) -> Size:
    size = params.get("size")
    if isinstance(size, int) and not isinstance(size, bool):  # the shorter edge becomes size
        short, long = sorted(hw)
        long = -(-long * size // max(short, 1))
        max_size = params.get("max_size")
        if isinstance(max_size, int) and not isinstance(max_size, bool) and long > max_size:
            long = max_size
        return (size, long) if hw[0] <= hw[1] else (long, size)
    return _pair(size) or hw


def _steps(t: Choice, hw: Size) -> Iterator[Size]:
    """The image sizes one transform goes through, ending with its output."""
    p = t.params
    if t.type == "Resize":
        yield _resize(hw, p)
    elif t.type in ("CenterCrop", "RandomResizedCrop", "TenCrop"):
        yield _pair(p.get("size")) or hw
    elif t.type == "RandomCrop":
        dh, dw = _padding(p.get("padding"))
        yield hw[0] + dh, hw[1] + dw
        yield _pair(p.get("size")) or hw
    elif t.type == "Pad":
        dh, dw = _padding(p.get("padding"))
        yield hw[0] + dh, hw[1] + dw
    elif t.type == "RandomRotation" and p.get("expand") is True:
        yield hw[0] + hw[1], hw[0] + hw[1]  # an upper bound on the rotated image's bounding box
    else:
        yield hw


def check_pipeline(start: Size, transforms: list[Choice], field: str, limits: Limits) -> None:
    """Follow the image size through a pipeline; refuse at the first step over the bound."""
    hw = start
    for i, t in enumerate(transforms):
        for step in _steps(t, hw):
            if step[0] * step[1] > limits.max_image_pixels:
                raise LimitExceeded("max_image_pixels", f"{field}[{i}] ({t.type} to {step[0]} x {step[1]})",
                                    step[0] * step[1], limits.max_image_pixels,
                                    "use a smaller size: the image is built at this size for every sample")
            hw = step  # the last step's size is the next transform's input


def dataset_image(dataset: Choice) -> Size:
    """The size of a data set's images before the transforms (ImageFolder resizes to image_size)."""
    from torchcanvas.catalog.training import build_datasets

    if dataset.type == "ImageFolder":
        side = dataset.params.get("image_size", 32)
        return _pair(side) or (32, 32)
    if dataset.type == "Shapes":  # generated at its size param
        return _pair(dataset.params.get("size", 64)) or (64, 64)
    spec = build_datasets().get(dataset.type)
    if spec is not None and spec.is_image:
        return spec.sample_shape[-2], spec.sample_shape[-1]
    return 1, 1


def check_images(graph: Graph, limits: Limits) -> None:
    t = graph.training
    start = dataset_image(t.dataset)
    if start[0] * start[1] > limits.max_image_pixels:
        raise LimitExceeded("max_image_pixels", "training.dataset.image_size", start[0] * start[1],
                            limits.max_image_pixels, "use a smaller image_size")
    check_pipeline(start, t.train_transforms, "training.train_transforms", limits)
    check_pipeline(start, t.test_transforms, "training.test_transforms", limits)


# ---- sizes the shape pass found ------------------------------------------------------------------------


def per_sample(meta: TensorMeta) -> int:
    total = 1
    for d in meta.shape:
        total *= 1 if d == BATCH else d
    return total


def _tensor_issues(body: BodyAnalysis, limits: Limits) -> Iterator[tuple[str, Issue]]:
    for nid, info in body.infos.items():
        for port, meta in info.outputs.items():
            n = per_sample(meta)
            if n > limits.max_tensor_elements:
                yield nid, Issue(
                    f"output '{port}' is {show_shape(meta.shape)}, {n:,} values per sample, over "
                    f"max_tensor_elements = {limits.max_tensor_elements:,}",
                    node=nid, module=body.module, fix="reduce the sizes (channels, features, image size) here or upstream",
                )
                break


def size_issues(a: Analysis, limits: Limits) -> Analysis:
    """``a`` with an error on every node whose output tensor, and on the model whose parameter
    count, is over the limits; the node's own result lists it too, so the editor marks it."""
    found: list[Issue] = []
    bodies = [a.top, *(b for inst in a.module_instances.values() for b in inst)]
    for body in bodies:
        for nid, issue in _tensor_issues(body, limits):
            info = body.infos[nid]
            info.issues = [*info.issues, issue]  # a new list: the cached one is shared
            found.append(issue)
    # A node with errors of its own (a layer over the per-layer bound) is left out: it says why.
    sound = [i for i in a.top.infos.values() if not i.issues]
    total = sum(i.n_params for i in sound)
    if total > limits.max_total_params:
        biggest = max(sound, key=lambda i: i.n_params)
        issue = Issue(
            f"the model has {total:,} parameters ({total * 4 / 1e9:,.1f} GB of float32), over "
            f"max_total_params = {limits.max_total_params:,}; this node has {biggest.n_params:,}",
            node=biggest.node.id, fix="use fewer or smaller layers",
        )
        biggest.issues = [*biggest.issues, issue]
        found.append(issue)
    if found:
        seen = set(a.issues)
        a.issues = a.issues + [i for i in found if i not in seen]
    return a


def onnx_bytes(a: Analysis) -> int:
    """About the size of the model's ONNX file: float32 weights and a node per expanded layer."""
    total_params = sum(i.n_params for i in a.top.infos.values())
    nodes = len(a.top.infos) + sum(len(b.infos) for inst in a.module_instances.values() for b in inst)
    return ONNX_BYTES_FIXED + ONNX_BYTES_PER_PARAM * total_params + ONNX_BYTES_PER_NODE * nodes


def check_onnx(a: Analysis, limits: Limits) -> None:
    size = onnx_bytes(a)
    if size > limits.max_onnx_bytes:
        raise LimitExceeded("max_onnx_bytes", "graph", size, limits.max_onnx_bytes,
                            "export a smaller model, or download the PyTorch code and export it yourself")


def analyze_within(graph: Graph, limits: Limits) -> Analysis:
    """The shape pass, refused up front when it would be too much work, with size errors added."""
    from torchcanvas.shapes.infer import analyze

    check_document(graph, limits)
    return size_issues(analyze(graph), limits)
