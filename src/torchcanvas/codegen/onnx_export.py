"""ONNX export from the generated model.py, verified with onnxruntime.

The model exported is the class ``model.py`` defines, built from the source this package
generates for the graph (the same file a user downloads), not ``shapes.build_model``'s
GraphModule: what the browser runs is what the user reads. The source is generated here from the
validated graph and never read from disk; it is imported from a private temporary folder.

Two exporters, tried in order:

- ``dynamo``: ``torch.onnx.export(..., dynamo=True)`` (torch.export, then onnxscript), with the
  batch dimension a ``torch.export.Dim``; every example of this repository takes this path.
- ``torchscript``: the tracing exporter, for a model torch.export cannot capture. The reason the
  first failed is kept in the report.

Every file is then verified: onnxruntime runs it at another batch size than the export's, on
seeded random input, and its outputs are compared with the PyTorch model's. The report states
the tolerances and the largest differences; a file outside them is refused (GraphError), never
handed out.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import tempfile
import threading
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError, Issue
from torchcanvas.limits import Limits

Exporter = Literal["dynamo", "torchscript"]
# float32 through two runtimes that order their sums differently: |onnx - torch| <= ATOL + RTOL * |torch|,
# elementwise (numpy.isclose). The examples' largest difference is 4.8e-7 (tests/api/test_export.py).
ATOL = 1e-5
RTOL = 1e-4
EXPORT_BATCH = 2  # the example batch of the export: not 1, which torch.export would specialize
VERIFY_BATCH = 3  # the verification's batch: another size, so the dynamic batch axis is checked too
MAX_BATCH = 65_536
OPSET = 18
_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}
_import_lock = threading.Lock()
# torch.export and the TorchScript tracer keep global state (dynamo's caches, the tracing state):
# two exports at once in the CPU pool's threads would share it. One at a time; the others wait.
_export_lock = threading.Lock()


@dataclass
class Verification:
    """How the file was made and how closely onnxruntime agrees with PyTorch on it."""

    exporter: Exporter
    fallback_reason: str | None  # why dynamo was not used (the torchscript path only)
    atol: float
    rtol: float
    max_abs_diff: float
    max_rel_diff: float
    passed: bool
    batch: int
    seed: int
    onnxruntime: str
    torch: str
    input_names: list[str]
    output_names: list[str]
    input_shapes: list[list[int | str]]  # "batch" for the dynamic axis

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        verdict = "verified" if self.passed else "NOT verified"
        return (
            f"{verdict} with onnxruntime {self.onnxruntime}: max |onnx - torch| = {self.max_abs_diff:.2e} "
            f"(atol {self.atol:g}, rtol {self.rtol:g}, batch {self.batch}, seed {self.seed}); "
            f"exported by the {self.exporter} exporter"
        )


@dataclass
class OnnxExport:
    data: bytes
    verification: Verification


def generated_model(graph: Graph, limits: Limits | None = None) -> nn.Module:
    """An instance of the class the generated model.py defines (fresh weights)."""
    from torchcanvas.codegen import generate_model_py, model_class_name

    source = generate_model_py(graph, limits)
    with tempfile.TemporaryDirectory(prefix="torchcanvas-onnx-") as folder:
        path = Path(folder) / "model.py"
        path.write_text(source)
        name = f"_torchcanvas_generated_{threading.get_ident()}"
        with _import_lock:  # one module name per thread at a time
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # dataclasses and pickling look the module up while it runs
            try:
                spec.loader.exec_module(module)
            finally:
                sys.modules.pop(name, None)
    model: nn.Module = getattr(module, model_class_name(graph))()
    return model


def _inputs(
    shapes: list[list[int | str]], dtypes: list[torch.dtype], batch: int, seed: int, high: int
) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for shape, dtype in zip(shapes, dtypes, strict=True):
        size = [batch if d == "batch" else int(d) for d in shape]
        if dtype == torch.int64:  # indices: valid for the smallest embedding table
            out.append(torch.randint(0, high, size, generator=g))
        else:
            out.append(torch.randn(size, generator=g).to(dtype))
    return tuple(out)


def _outputs(out: Any) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _outputs(o)]
    raise GraphError([Issue("ONNX export: the model's outputs are not tensors", fix="export the PyTorch code")])


def _diff(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    both_nan = np.isnan(got) & np.isnan(want)
    d = np.abs(got - want)
    return np.where(both_nan, 0.0, np.where(np.isnan(d), np.inf, d))


def _first_line(e: BaseException) -> str:
    lines = [line for line in str(e).splitlines() if line.strip()]
    return f"{type(e).__name__}: {lines[0][:300] if lines else ''}"


def _dynamo(
    model: nn.Module, xs: tuple[torch.Tensor, ...], names: list[str], outs: list[str], batch_axes: list[list[int]]
) -> bytes:
    batch = torch.export.Dim("batch", min=1, max=MAX_BATCH)
    dynamic = tuple({i: batch for i in axes} for axes in batch_axes)
    program = torch.onnx.export(
        model,
        xs,
        dynamo=True,
        input_names=names,
        output_names=outs,
        dynamic_shapes=dynamic,
        opset_version=OPSET,
        verbose=False,
        report=False,
        optimize=True,
    )
    assert program is not None
    data: bytes = program.model_proto.SerializeToString()
    return data


def _torchscript(
    model: nn.Module, xs: tuple[torch.Tensor, ...], names: list[str], outs: list[str], batch_axes: list[list[int]]
) -> bytes:
    buf = io.BytesIO()
    axes = {n: {i: "batch" for i in a} for n, a in zip(names, batch_axes, strict=True)}
    axes.update({n: {0: "batch"} for n in outs})
    torch.onnx.export(
        model,
        xs,
        buf,  # type: ignore[arg-type]
        dynamo=False,
        input_names=names,
        output_names=outs,
        dynamic_axes=axes,
        opset_version=OPSET,
    )
    return buf.getvalue()


def export_verified(
    graph: Graph,
    state_dict: dict[str, torch.Tensor] | None = None,
    limits: Limits | None = None,
    *,
    seed: int = 0,
    exporters: tuple[Exporter, ...] = ("dynamo", "torchscript"),
) -> OnnxExport:
    """The model (with ``state_dict``'s weights, or fresh ones drawn after ``torch.manual_seed(seed)``)
    as a verified ONNX file with a dynamic batch dimension.

    Raises LimitExceeded before any weight is allocated for a file over ``limits.max_onnx_bytes``,
    and GraphError (with the exporters' reasons) when no exporter makes a file that verifies."""
    import onnxruntime as ort

    from torchcanvas.codegen import _analysis
    from torchcanvas.codegen.model_py import example_input_shapes
    from torchcanvas.shapes.cost import check_onnx
    from torchcanvas.shapes.infer import BATCH

    limits = limits or Limits()
    a = _analysis(graph, limits)
    check_onnx(a, limits)
    metas = example_input_shapes(a)
    torch.manual_seed(seed)
    model = generated_model(graph, limits)
    if state_dict is not None:
        model.load_state_dict(state_dict, strict=True)
    model.eval()

    shapes: list[list[int | str]] = [["batch" if d == BATCH else int(d) for d in m.shape] for m in metas]
    dtypes = [_DTYPES.get(m.dtype, torch.float32) for m in metas]
    batch_axes = [[i for i, d in enumerate(s) if d == "batch"] for s in shapes]
    tables = [m.num_embeddings for m in model.modules() if isinstance(m, nn.Embedding)]
    high = max(1, min(tables)) if tables else 2
    names = [f"input{i}" if len(metas) > 1 else "input" for i in range(len(metas))]
    xs = _inputs(shapes, dtypes, EXPORT_BATCH, seed, high)
    check = _inputs(shapes, dtypes, VERIFY_BATCH, seed + 1, high)
    with torch.no_grad():
        want = [t.detach().float().numpy() for t in _outputs(model(*check))]
    outs = [f"output{i}" if len(want) > 1 else "output" for i in range(len(want))]

    failures: list[str] = []
    for exporter in exporters:
        try:
            with _export_lock, warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                make = _dynamo if exporter == "dynamo" else _torchscript
                data = make(model, xs, names, outs, batch_axes)
            session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
            got = session.run(None, {i.name: x.numpy() for i, x in zip(session.get_inputs(), check, strict=True)})
        except Exception as e:  # the exporters and onnxruntime raise many types; the user needs the message
            failures.append(f"{exporter}: {_first_line(e)}")
            continue
        if len(got) != len(want) or any(np.shape(g) != w.shape for g, w in zip(got, want, strict=False)):
            failures.append(f"{exporter}: onnxruntime's outputs have other shapes than PyTorch's")
            continue
        # NaN where both runtimes give NaN (a log of a negative input, ...) is agreement, elsewhere a difference.
        diffs = [_diff(np.asarray(g, dtype=np.float64), w.astype(np.float64)) for g, w in zip(got, want, strict=True)]
        abs_diff = max((float(np.max(d)) if d.size else 0.0) for d in diffs)
        rel_diff = max(
            (float(np.max(d / np.maximum(np.nan_to_num(np.abs(w.astype(np.float64))), 1e-12))) if d.size else 0.0)
            for d, w in zip(diffs, want, strict=True)
        )
        passed = all(np.allclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True) for g, w in zip(got, want, strict=True))
        report = Verification(
            exporter=exporter,
            fallback_reason="; ".join(failures) or None,
            atol=ATOL,
            rtol=RTOL,
            max_abs_diff=abs_diff,
            max_rel_diff=rel_diff,
            passed=passed,
            batch=VERIFY_BATCH,
            seed=seed + 1,
            onnxruntime=ort.__version__,
            torch=torch.__version__.split("+")[0],
            input_names=names,
            output_names=outs,
            input_shapes=shapes,
        )
        if not passed:
            failures.append(f"{exporter}: {report.summary()}")
            continue
        return OnnxExport(data, report)
    raise GraphError(
        [
            Issue(
                f"ONNX export failed: {' | '.join(failures)}"[:900],
                fix="some layers have no ONNX form; remove them or export the PyTorch code",
            )
        ]
    )
