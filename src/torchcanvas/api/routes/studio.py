"""The studio's other ways in: a run's model as a verified ONNX file (for onnxruntime-web in the
browser, or to download), batch prediction over several images or a zip, and a 1-D regression
model's curve.

Each reads the run with its owner's visibility (``load_run``: another user's private run is a
404) and does its work in the CPU pool. The ONNX file is exported once per checkpoint and kept
beside the run (``<run>/onnx/model.onnx`` and its report ``model.onnx.json``); a checkpoint
written again is exported again.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import torch
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from torchcanvas.api.access import load_run
from torchcanvas.api.deps import IdPath, SessionDep, SettingsDep
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.api.errors import field_error
from torchcanvas.api.routes.export import verification_headers
from torchcanvas.api.routes.inference import (
    ClassScore,
    _checkpoint,
    _data_folder,
    _load,
    _prepare,
    _run_and_model,
)
from torchcanvas.api.work import CpuDep
from torchcanvas.auth.deps import OptionalUser
from torchcanvas.codegen import model_class_name, onnx_export
from torchcanvas.codegen.onnx_export import Verification, export_verified
from torchcanvas.graph.validate import GraphError
from torchcanvas.inference import evaluate
from torchcanvas.inference.batch import BatchRefused, Item, expand
from torchcanvas.inference.data import NoTestSet, test_set
from torchcanvas.inference.loaded import LoadedModel, NotUsable
from torchcanvas.inference.preprocess import BadInput, Given
from torchcanvas.limits import LimitExceeded
from torchcanvas.settings import Settings

router = APIRouter(tags=["inference"])


# --- ONNX ----------------------------------------------------------------------------------------


@router.get(
    "/runs/{run_id}/onnx",
    response_class=Response,
    summary="The run's trained model as ONNX, verified with onnxruntime against the PyTorch model",
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "The .onnx file; the X-Onnx-* headers give the exporter, the tolerances and the "
            "largest difference onnxruntime showed on random input",
        },
        409: {"description": "the run has no usable checkpoint, or its model has no ONNX form"},
    },
)
async def run_onnx(
    run_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep, cpu: CpuDep, user: OptionalUser
) -> Response:
    loaded = await _run_and_model(request, session, user, run_id, cpu)
    folder = request.app.state.runner.run_dir(run_id) / "onnx"
    data, report = await cpu.run(_run_export, loaded, _checkpoint(request, run_id), folder, settings)
    filename = f"{safe_name(model_class_name(loaded.graph).lower())}_run{run_id}.onnx"
    return Response(
        data, media_type="application/octet-stream", headers=attachment(filename) | verification_headers(report)
    )


def _key(checkpoint: Path) -> list[Any]:
    """What the file depends on: the checkpoint, and the exporter's and verifier's versions."""
    import onnxruntime

    st = checkpoint.stat()
    return [st.st_mtime_ns, st.st_size, torch.__version__, onnxruntime.__version__, onnx_export.ATOL, onnx_export.RTOL]


# One export per run at a time. A request that comes while the run's model is being exported (a
# large model's first export can outlast the time budget: its answer was a 503, the export goes on
# and the browser retries) is answered 503 at once, without taking a thread for the wait.
_run_locks: dict[Path, threading.Lock] = {}
_run_locks_guard = threading.Lock()
EXPORTING_RETRY_S = 3


def _run_export(loaded: LoadedModel, checkpoint: Path, folder: Path, settings: Settings) -> tuple[bytes, Verification]:
    with _run_locks_guard:
        lock = _run_locks.setdefault(folder, threading.Lock())
    if not lock.acquire(blocking=False):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"run {loaded.run_id}'s model is being exported to ONNX and verified; retry in a few seconds",
            headers={"Retry-After": str(EXPORTING_RETRY_S)},
        )
    try:
        return _export_once(loaded, checkpoint, folder, settings)
    finally:
        lock.release()


def _export_once(loaded: LoadedModel, checkpoint: Path, folder: Path, settings: Settings) -> tuple[bytes, Verification]:
    model_path, report_path = folder / "model.onnx", folder / "model.onnx.json"
    try:
        key = _key(checkpoint)
        saved = json.loads(report_path.read_text())
        if saved.get("checkpoint") == key and model_path.is_file():
            return model_path.read_bytes(), Verification(**saved["verification"])
    except (OSError, ValueError, TypeError, KeyError):
        pass  # not exported yet, or an older or damaged report: export again
    try:
        exported = export_verified(loaded.graph, loaded.model.state_dict(), settings.limits)
    except (GraphError, LimitExceeded) as e:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"run {loaded.run_id}'s model cannot be exported: {e}"
        ) from None
    folder.mkdir(parents=True, exist_ok=True)
    # Written under temporary names and renamed: a concurrent reader sees the old pair or the new one.
    tmp = folder / f".model.{os.getpid()}.{time.monotonic_ns()}"
    tmp.with_suffix(".onnx").write_bytes(exported.data)
    os.replace(tmp.with_suffix(".onnx"), model_path)
    tmp.with_suffix(".json").write_text(
        json.dumps({"checkpoint": key, "verification": exported.verification.to_json()})
    )
    os.replace(tmp.with_suffix(".json"), report_path)
    return exported.data, exported.verification


# --- batch ---------------------------------------------------------------------------------------


class BatchRow(BaseModel):
    name: str = Field(description="the file's name (inside the zip: its path there)")
    top: list[ClassScore]
    error: str | None = Field(description="why this file got no prediction (not an image, damaged, ...)")


class BatchPrediction(BaseModel):
    run_id: int
    scoring: str
    count: int
    failed: int
    latency_ms: float = Field(description="the forward passes alone, summed, in milliseconds")
    rows: list[BatchRow]


@router.post(
    "/runs/{run_id}/predict/batch",
    response_model=BatchPrediction,
    summary="Predict several images at once: multipart files 'images' (images, or zips of images)",
    responses={
        409: {"description": "the run has no usable checkpoint"},
        413: {"description": "too many images or bytes, or a zip bomb"},
    },
)
async def predict_batch(
    run_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep, cpu: CpuDep, user: OptionalUser
) -> BatchPrediction:
    s = settings.inference
    run = await run_in_threadpool(load_run, session, user, run_id)  # another's private run: 404 before all else
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise field_error(["body", "images"], "send the images as multipart form data, in fields named 'images'")
    try:
        form = await request.form(max_files=s.batch_max_files, max_fields=4)
    except Exception as e:  # malformed multipart, or over max_files: starlette raises its own error types
        raise field_error(
            ["body", "images"], f"the upload was refused: {str(e)[:200]}; at most {s.batch_max_files} files", 400
        ) from None
    uploads = [u for u in form.getlist("images") if isinstance(u, UploadFile)]
    if not uploads:
        raise field_error(["body", "images"], "the multipart form has no file field 'images'")
    top_k = _top_k(form.get("top_k"), s.top_k)
    files = [(u.filename or f"image {i + 1}", await u.read(s.batch_max_bytes + 1)) for i, u in enumerate(uploads)]
    if sum(len(data) for _, data in files) > s.batch_max_bytes:
        raise field_error(
            ["body", "images"], f"the upload is over {s.batch_max_bytes:,} bytes; send fewer images at a time", 413
        )
    loaded = await cpu.run(_load, request, run)
    return await cpu.run(_predict_batch, loaded, files, settings, top_k)


def _top_k(raw: Any, default: int) -> int:
    if raw is None or raw == "":
        return min(default, 3)
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise field_error(["body", "top_k"], "top_k: a number of classes from 1 to 100")
    return int(text)


def _predict_batch(
    loaded: LoadedModel, files: list[tuple[str, bytes]], settings: Settings, top_k: int
) -> BatchPrediction:
    s = settings.inference
    if not loaded.kind.image or loaded.task != "classification":
        raise field_error(
            ["body", "images"], "batch prediction is for image classifiers; this model takes numbers: use x"
        )
    try:
        items: list[Item] = expand(
            files, max_files=s.batch_max_files, max_bytes=s.batch_max_bytes, max_ratio=s.batch_max_ratio
        )
    except BatchRefused as e:
        raise field_error(["body", "images"], str(e), e.status) from None
    rows: list[BatchRow] = []
    latency = 0.0
    for item in items:
        if item.error:
            rows.append(BatchRow(name=item.name, top=[], error=item.error))
            continue
        try:
            prep = _prepare(loaded, Given(image=item.data), settings)
            p = evaluate.predict(loaded, prep, top_k)
        except HTTPException as e:  # a BadInput for this file: its message, in its row
            detail = e.detail[0]["message"] if isinstance(e.detail, list) else str(e.detail)
            rows.append(BatchRow(name=item.name, top=[], error=detail))
            continue
        except (BadInput, NotUsable) as e:
            rows.append(BatchRow(name=item.name, top=[], error=str(e)))
            continue
        latency += p.latency_ms
        rows.append(BatchRow(name=item.name, top=[ClassScore(**t) for t in p.top], error=None))
    return BatchPrediction(
        run_id=loaded.run_id,
        scoring=evaluate.scoring(loaded),
        count=len(rows),
        failed=sum(r.error is not None for r in rows),
        latency_ms=round(latency, 3),
        rows=rows,
    )


# --- the regression curve ------------------------------------------------------------------------


class Curve(BaseModel):
    run_id: int
    x: list[float] = Field(description="evenly spaced over the test set's x range, 5% beyond each end")
    y: list[float] = Field(description="the model's prediction at each x")
    test_x: list[float] = Field(description="the test set's inputs")
    test_y: list[float] = Field(description="the test set's targets")


MAX_TEST_POINTS = 2000


@router.get(
    "/runs/{run_id}/curve",
    response_model=Curve,
    summary="A regression model on one number: its prediction over the data's x range, with the test points",
    responses={409: {"description": "the run has no usable checkpoint"}},
)
async def curve(
    run_id: IdPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cpu: CpuDep,
    user: OptionalUser,
    points: int = Query(default=200, ge=2, le=2000, description="how many x values the curve is drawn at"),
) -> Curve:
    loaded = await _run_and_model(request, session, user, run_id, cpu)
    return await cpu.run(_curve, loaded, settings, points)


def _curve(loaded: LoadedModel, settings: Settings, points: int) -> Curve:
    shape = loaded.kind.sample_shape
    if loaded.task != "regression" or loaded.kind.image or [d for d in shape if d != 1]:
        what = "a classifier" if loaded.task != "regression" else f"a model on inputs of shape {tuple(shape)}"
        raise field_error(
            ["query", "points"], f"the curve is for regression models on one number; this is {what}: enter x instead"
        )
    ds = loaded.training.dataset
    try:
        ts = test_set(ds.spec, ds.values, loaded.training.config.seed, _data_folder(settings, loaded))
    except NoTestSet as e:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"{e}; enter x instead") from None
    n = min(len(ts), MAX_TEST_POINTS)
    samples = [ts.sample(i) for i in range(n)]
    test_x = [float(s.raw.flatten()[0]) for s in samples]
    test_y = [float((s.target or [float("nan")])[0]) for s in samples]
    lo, hi = (min(test_x), max(test_x)) if test_x else (-1.0, 1.0)
    margin = (hi - lo) * 0.05 or 1.0
    xs = torch.linspace(lo - margin, hi + margin, points)
    with loaded.lock, torch.inference_mode():
        out = evaluate._first(loaded.model(xs.reshape(points, *shape)))
    ys = torch.nan_to_num(out.reshape(points, -1)[:, 0].float())
    return Curve(run_id=loaded.run_id, x=xs.tolist(), y=ys.tolist(), test_x=test_x, test_y=test_y)
