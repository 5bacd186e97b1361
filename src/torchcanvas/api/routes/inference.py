"""The inference studio over HTTP: what a run's model takes, and predict / explain / activations.

Each of the three takes the same input forms: a multipart upload (field ``image``), or JSON
``{"sample": i}`` (the i-th test-set sample, with its true label), ``{"pixels": [[...]],
"pixel_max": 16}`` (a drawn grey image in the data set's units) or ``{"x": [...]}`` (numbers, for
models on vectors). Explanations come back as base64 PNG overlays inside the JSON (one request,
every method the user picked, each beside its note), at the tensor's own size.

The model is loaded once per run and checkpoint (``inference.loaded.ModelCache``) and every
evaluation runs in the CPU pool (api/work.py), so a request never evaluates on the event loop.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import torch
from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from torchcanvas.api.access import load_run
from torchcanvas.api.deps import MAX_ID, IdPath, SessionDep, SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.api.routes.models import UtcDatetime
from torchcanvas.api.routes.runs import RunnerDep, owner_name
from torchcanvas.api.work import CpuDep, CpuPool, body_schema, parse_body
from torchcanvas.auth.deps import CurrentUser, OptionalUser
from torchcanvas.catalog.training import segmentation_channels
from torchcanvas.db.models import Run, SavedModel, User
from torchcanvas.graph.validate import GraphError
from torchcanvas.inference import evaluate
from torchcanvas.inference.data import NoTestSet, class_names, test_set
from torchcanvas.inference.loaded import LoadedModel, ModelCache, NotUsable
from torchcanvas.inference.preprocess import BadInput, Given, Prepared, prepare
from torchcanvas.runner.data import UPLOADED, resolve_root
from torchcanvas.settings import Settings

router = APIRouter(tags=["inference"])

MAX_PIXELS_SIDE = 512  # a drawn image; the pad sends 8x8


# --- bodies ------------------------------------------------------------------------------------


class InputBody(BaseModel):
    """One input, as JSON: exactly one of sample, pixels and x."""

    model_config = ConfigDict(extra="forbid")
    sample: int | None = Field(default=None, ge=0, le=MAX_ID, description="the i-th sample of the run's test set")
    pixels: list[Annotated[list[float], Field(max_length=MAX_PIXELS_SIDE)]] | None = Field(
        default=None, max_length=MAX_PIXELS_SIDE, description="a grey image, rows of intensities 0..pixel_max"
    )
    pixel_max: float = Field(default=255.0, gt=0, le=65_535, description="the intensity of full ink (16 for digits)")
    x: list[float] | None = Field(default=None, max_length=1_000_000, description="one sample's numbers, flattened")

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [k for k in ("sample", "pixels", "x") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of sample, pixels and x (or upload an image as multipart field 'image')")
        return self

    def given(self) -> Given:
        return Given(sample=self.sample, x=self.x, pixels=self.pixels, pixel_max=self.pixel_max)


class PredictBody(InputBody):
    top_k: int | None = Field(default=None, ge=1, le=1000, description="classes returned; the server's default")
    tensor: bool = Field(default=False, description="also return the preprocessed tensor (to run the ONNX file on it)")


class ExplainBody(InputBody):
    methods: list[evaluate.Method] = Field(default=list(evaluate.METHODS), min_length=1, max_length=3)
    target: int | None = Field(default=None, ge=0, le=MAX_ID, description="the class explained; the predicted one")


class ActivationsBody(InputBody):
    node: str = Field(min_length=1, max_length=200, description="a node id of the run's graph (top level)")


class InputSeen(BaseModel):
    """The tensor the model saw (one sample; the first crop of a multi-crop transform)."""

    shape: list[int]
    mean: float
    std: float
    min: float
    max: float
    png: str | None = Field(description="base64 PNG of it (an image: its own range stretched to 0..255)")


class TensorData(BaseModel):
    """The tensor the model was given, all crops: little-endian float32, base64."""

    shape: list[int]
    dtype: Literal["float32"] = "float32"
    data: str


class ClassScore(BaseModel):
    index: int
    label: str
    probability: float = Field(description="softmax or sigmoid probability; a raw score when scoring is 'score'")


class Truth(BaseModel):
    index: int
    label: str


class SegmentClass(BaseModel):
    index: int
    label: str
    pixels: int = Field(description="pixels predicted as this class")
    share: float = Field(description="the share of the image predicted as this class")
    iou: float | None = Field(description="IoU with the true mask (a test sample); null without one")


class SegmentationRead(BaseModel):
    classes: list[SegmentClass]
    mask: list[list[int]] = Field(description="(H, W): the predicted class of each pixel")
    true_mask: list[list[int]] | None = Field(description="(H, W): the true classes, for a test sample")
    pixel_accuracy: float | None
    mean_iou: float | None = Field(description="over the classes in either mask")
    confidence: float = Field(description="the mean probability of each pixel's predicted class")


class DetectedBox(BaseModel):
    box: list[float] = Field(description="x1, y1, x2, y2 in pixels of the tensor the model saw")
    index: int = Field(description="the class label (1..; 0 is the background)")
    label: str
    score: float | None = Field(description="the detector's score; null for a true box")


class Prediction(BaseModel):
    run_id: int
    task: Literal["classification", "regression", "segmentation", "detection"]
    scoring: Literal["softmax", "sigmoid", "score", "value", "detector"]
    top: list[ClassScore] = Field(description="the top-k classes; segmentation: the classes by their share of pixels")
    outputs: list[float] | None = Field(description="a regression model's output values")
    latency_ms: float = Field(description="the forward pass alone, in milliseconds")
    preprocessing: list[str] = Field(description="each step applied to the input, in order, as train.py writes it")
    input: InputSeen
    sample: int | None
    true_label: Truth | None
    true_value: list[float] | None
    tensor: TensorData | None = Field(default=None, description="the preprocessed input, when asked for")
    segmentation: SegmentationRead | None = Field(default=None, description="a segmentation model's masks")
    detections: list[DetectedBox] | None = Field(default=None, description="a detector's boxes, best first")
    true_boxes: list[DetectedBox] | None = Field(default=None, description="a test sample's true boxes (detection)")
    postprocess: str | None = Field(default=None, description="how the detector filtered its boxes (score, NMS)")


class AttributionMap(BaseModel):
    method: evaluate.Method
    png: str | None = Field(description="base64 PNG: the attribution over the input in grey (images)")
    values: list[float] | None = Field(description="per input value (models on vectors)")
    note: str


class Explanation(BaseModel):
    run_id: int
    target: Truth
    input: InputSeen
    preprocessing: list[str]
    maps: list[AttributionMap]


class ActivationRead(BaseModel):
    run_id: int
    node: str
    type: str
    shape: list[int] = Field(description="with the batch dimension (1)")
    png: str | None = Field(description="base64 PNG: the first channels' feature maps in a grid, each by its own range")
    columns: int | None
    channels_shown: int | None
    values: list[float] | None = Field(description="a vector output's values")
    mean: float
    std: float


class LayerRead(BaseModel):
    id: str
    type: str
    conv: bool


class InputRead(BaseModel):
    image: bool
    channels: int
    size: list[int] = Field(description="(H, W) of the data set's stored images")
    pad_max: int | None = Field(description="set for digit models: draw on an 8x8 pad with intensities 0..pad_max")
    sample_shape: list[int]


class Usage(BaseModel):
    run_id: int
    usable: bool
    why: str | None = Field(description="why the run cannot answer (no checkpoint yet, ...)")
    task: str | None
    dataset: str | None
    scoring: str | None
    input: InputRead | None
    classes: list[str]
    test_samples: int | None = Field(description="the test set's size; null when it is not on this server")
    layers: list[LayerRead]
    inputs: list[str] = Field(description="the graph's input node ids (inspect the input itself)")
    methods: list[str]


class UsableRun(BaseModel):
    id: int
    name: str
    owner: str | None
    model_id: uuid.UUID | None
    dataset: str
    final: dict[str, Any] | None
    finished_at: UtcDatetime | None
    demo: bool


class DemosQueued(BaseModel):
    runs: list[int]
    message: str


# --- helpers -----------------------------------------------------------------------------------


def get_cache(request: Request) -> ModelCache:
    cache: ModelCache = request.app.state.inference
    return cache


def _checkpoint(request: Request, run_id: int) -> Path:
    path: Path = request.app.state.runner.run_dir(run_id) / "runs" / "checkpoint.pt"
    return path


def _data_folder(settings: Settings, loaded: LoadedModel) -> Path | None:
    ds = loaded.graph.training.dataset
    try:
        return resolve_root(settings.data_dir, ds.type, ds.params)
    except GraphError:
        return None


def _load(request: Request, run: Run) -> LoadedModel:
    try:
        return get_cache(request).get(
            run.id, run.graph, _checkpoint(request, run.id), request.app.state.settings.limits
        )
    except NotUsable as e:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(e)) from None


def _bad(e: BadInput) -> HTTPException:
    return field_error(["body", e.param], str(e))


async def _given(
    request: Request, cpu: CpuPool, body_type: type[InputBody], settings: Settings
) -> tuple[Given, InputBody | None, dict[str, str]]:
    """The input of a request: a multipart upload (with its other form fields) or a JSON body."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1, max_fields=8)
        except Exception as e:  # malformed multipart: starlette raises its own error types
            raise field_error(["body"], f"the upload is not valid multipart form data: {str(e)[:200]}", 400) from None
        upload = form.get("image")
        if not isinstance(upload, UploadFile):
            raise field_error(["body", "image"], "the multipart form has no file field 'image'")
        limit = settings.inference.max_image_bytes
        data = await upload.read(limit + 1)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if len(data) > limit:
            raise field_error(["body", "image"], f"the upload is over {limit:,} bytes; use a smaller image", 413)
        return Given(image=data), None, fields
    body = await parse_body(request, body_type, cpu)
    return body.given(), body, {}


def _seen(prep: Prepared) -> InputSeen:
    from torchcanvas.inference import images

    x = torch.nan_to_num(prep.x[0])
    png = images.png_b64(images.to_display(x)) if x.dim() == 3 else None
    return InputSeen(
        shape=list(x.shape),
        mean=float(x.mean()),
        std=float(x.std()) if x.numel() > 1 else 0.0,
        min=float(x.min()),
        max=float(x.max()),
        png=png,
    )


def _truth(loaded: LoadedModel, index: int, settings: Settings | None = None) -> Truth:
    ds = loaded.training.dataset
    folder = _data_folder(settings, loaded) if settings is not None and ds.spec.type in UPLOADED else None
    names = class_names(ds.spec, ds.values, loaded.training.num_classes or index + 1, folder)
    return Truth(index=index, label=names[index] if index < len(names) else f"class {index}")


def _prepare(loaded: LoadedModel, given: Given, settings: Settings) -> Prepared:
    s = settings.inference
    try:
        return prepare(
            loaded,
            given,
            max_bytes=s.max_image_bytes,
            max_pixels=s.max_image_pixels,
            data_folder=_data_folder(settings, loaded),
        )
    except BadInput as e:
        raise _bad(e) from None


async def _run_and_model(
    request: Request, session: Session, user: User | None, run_id: int, cpu: CpuPool
) -> LoadedModel:
    run = await run_in_threadpool(load_run, session, user, run_id)
    return await cpu.run(_load, request, run)


# --- routes ------------------------------------------------------------------------------------


@router.get("/runs/{run_id}/inference", response_model=Usage, summary="What the run's model takes and offers")
async def get_usage(
    run_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep, cpu: CpuDep, user: OptionalUser
) -> Usage:
    run = await run_in_threadpool(load_run, session, user, run_id)
    return await cpu.run(_usage, request, run, settings)


def _usage(request: Request, run: Run, settings: Settings) -> Usage:
    try:
        loaded = get_cache(request).get(run.id, run.graph, _checkpoint(request, run.id), settings.limits)
    except NotUsable as e:
        return Usage(
            run_id=run.id,
            usable=False,
            why=str(e),
            task=None,
            dataset=None,
            scoring=None,
            input=None,
            classes=[],
            test_samples=None,
            layers=[],
            inputs=[],
            methods=[],
        )
    ds = loaded.training.dataset
    try:
        n_test: int | None = len(
            test_set(ds.spec, ds.values, loaded.training.config.seed, _data_folder(settings, loaded))
        )
    except NoTestSet:
        n_test = None
    n_classes = loaded.training.num_classes or 0
    k = loaded.kind
    methods = (
        []
        if loaded.task != "classification"
        else [m for m in evaluate.METHODS if m != "grad_cam" or (loaded.last_conv() is not None and k.image)]
    )
    return Usage(
        run_id=run.id,
        usable=True,
        why=None,
        task=loaded.task,
        dataset=ds.spec.type,
        scoring=evaluate.scoring(loaded),
        input=InputRead(
            image=k.image, channels=k.channels, size=list(k.size), pad_max=k.pad_max, sample_shape=k.sample_shape
        ),
        classes=class_names(ds.spec, ds.values, n_classes, _data_folder(settings, loaded)) if n_classes else [],
        test_samples=n_test,
        layers=[LayerRead(id=v.id, type=v.type, conv=v.conv) for v in loaded.layers.values()],
        inputs=loaded.input_ids,
        methods=list(methods),
    )


@router.post(
    "/runs/{run_id}/predict",
    response_model=Prediction,
    summary="Predict with the run's model: top-k classes (or output values), latency and the preprocessing",
    openapi_extra=body_schema(PredictBody),
    responses={409: {"description": "the run has no usable checkpoint"}, 413: {"description": "image too large"}},
)
async def predict(
    run_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep, cpu: CpuDep, user: OptionalUser
) -> Prediction:
    given, body, fields = await _given(request, cpu, PredictBody, settings)
    loaded = await _run_and_model(request, session, user, run_id, cpu)
    asked = body.top_k if isinstance(body, PredictBody) else _form_int(fields, "top_k")
    top_k = min(asked, 1000) if asked else settings.inference.top_k
    tensor = body.tensor if isinstance(body, PredictBody) else fields.get("tensor", "") in ("1", "true")
    return await cpu.run(_predict, loaded, given, settings, top_k, tensor)


def _tensor(x: torch.Tensor) -> TensorData:
    import base64

    import numpy as np

    data = x.detach().float().contiguous().numpy().astype("<f4", copy=False)
    return TensorData(shape=list(x.shape), data=base64.b64encode(np.ascontiguousarray(data).tobytes()).decode("ascii"))


def _predict(loaded: LoadedModel, given: Given, settings: Settings, top_k: int, tensor: bool = False) -> Prediction:
    prep = _prepare(loaded, given, settings)
    answer = TASK_PREDICT.get(loaded.task, _predict_classes)
    try:
        p = answer(loaded, prep, top_k, settings)
    except BadInput as e:
        raise _bad(e) from None
    except NotUsable as e:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(e)) from None
    if tensor:
        p.tensor = _tensor(prep.x)
    return p


def _answer(loaded: LoadedModel, prep: Prepared, latency_ms: float, **task: Any) -> Prediction:
    """A task's answer with what every answer carries: the run, the latency and the input as the
    model saw it; ``task``: the task's own fields (what it leaves out is null)."""
    return Prediction(
        run_id=loaded.run_id,
        latency_ms=round(latency_ms, 3),
        preprocessing=prep.steps,
        input=_seen(prep),
        sample=prep.sample,
        **{"outputs": None, "true_label": None, "true_value": None, **task},
    )


def _predict_segments(loaded: LoadedModel, prep: Prepared, top_k: int, settings: Settings) -> Prediction:
    from torchcanvas.inference.segmentation import segment

    s = segment(loaded, prep)
    ranked = sorted(s.classes, key=lambda c: -c.share)[:top_k]
    return _answer(
        loaded,
        prep,
        s.latency_ms,
        task="segmentation",
        scoring="sigmoid" if segmentation_channels(loaded.training) == 1 else "softmax",
        top=[ClassScore(index=c.index, label=c.label, probability=c.share) for c in ranked],
        segmentation=SegmentationRead(
            classes=[SegmentClass(**c.__dict__) for c in s.classes],
            mask=s.mask,
            true_mask=s.true_mask,
            pixel_accuracy=s.pixel_accuracy,
            mean_iou=s.mean_iou,
            confidence=s.confidence,
        ),
    )


def _predict_classes(loaded: LoadedModel, prep: Prepared, top_k: int, settings: Settings) -> Prediction:
    p = evaluate.predict(loaded, prep, top_k)
    return _answer(
        loaded,
        prep,
        p.latency_ms,
        task=loaded.task,
        scoring=p.scoring,
        top=[ClassScore(**t) for t in _uploaded_names(loaded, settings, p.top)],
        outputs=p.outputs,
        true_label=_truth(loaded, prep.label, settings) if prep.label is not None else None,
        true_value=prep.target,
    )


def _uploaded_names(loaded: LoadedModel, settings: Settings, top: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The top classes labelled with an uploaded data set's class names (its classes.json)."""
    ds = loaded.training.dataset
    folder = _data_folder(settings, loaded) if ds.spec.type in UPLOADED else None
    if folder is None or not top:
        return top
    names = class_names(ds.spec, ds.values, loaded.training.num_classes or 0, folder)
    return [{**t, "label": names[t["index"]] if t["index"] < len(names) else t["label"]} for t in top]


def _detect(loaded: LoadedModel, prep: Prepared, top_k: int, settings: Settings) -> Prediction:
    from torchcanvas.inference import detection

    assert loaded.analysis is not None
    ds = loaded.training.dataset
    s = detection.detector_setup(loaded.analysis, loaded.training)
    with loaded.lock:
        found = detection.predict(loaded.model, s, prep.x[0], detection.class_names(ds.values))
    truth = (
        detection.truth(ds.values, loaded.training.config.seed, prep.sample)
        if prep.sample is not None and ds.spec.type == "ShapesDetection"
        else None
    )
    return _answer(
        loaded,
        prep,
        found.latency_ms,
        task="detection",
        scoring="detector",
        top=[],
        detections=[DetectedBox(**b) for b in found.boxes],
        true_boxes=[DetectedBox(**b) for b in truth] if truth is not None else None,
        postprocess=found.postprocess,
    )


# The one place a task chooses its answer; every other task gets the top-k classes (or values).
TASK_PREDICT: dict[str, Callable[[LoadedModel, Prepared, int, Settings], Prediction]] = {
    "segmentation": _predict_segments,
    "detection": _detect,
}


@router.post(
    "/runs/{run_id}/explain",
    response_model=Explanation,
    summary="Captum attributions for a class: Integrated Gradients, Saliency, Grad-CAM (PNG overlays)",
    openapi_extra=body_schema(ExplainBody),
    responses={409: {"description": "the run has no usable checkpoint"}},
)
async def explain(
    run_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep, cpu: CpuDep, user: OptionalUser
) -> Explanation:
    given, body, fields = await _given(request, cpu, ExplainBody, settings)
    if isinstance(body, ExplainBody):
        methods, target = list(dict.fromkeys(body.methods)), body.target
    else:
        methods, target = _form_methods(fields), _form_int(fields, "target")
    loaded = await _run_and_model(request, session, user, run_id, cpu)
    return await cpu.run(_explain, loaded, given, settings, methods, target)


def _form_methods(fields: dict[str, str]) -> list[evaluate.Method]:
    raw = [m.strip() for m in fields.get("methods", ",".join(evaluate.METHODS)).split(",") if m.strip()]
    bad = [m for m in raw if m not in evaluate.METHODS]
    if bad or not raw:
        raise field_error(["body", "methods"], f"methods: a comma-separated list of {', '.join(evaluate.METHODS)}")
    return list(dict.fromkeys(raw))  # type: ignore[arg-type]


def _form_int(fields: dict[str, str], name: str) -> int | None:
    text = fields.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 10 or int(text) > MAX_ID:
        raise field_error(["body", name], f"{name}: a class index such as 3")
    return int(text)


def _explain(
    loaded: LoadedModel, given: Given, settings: Settings, methods: list[evaluate.Method], target: int | None
) -> Explanation:
    prep = _prepare(loaded, given, settings)
    try:
        chosen, maps = evaluate.explain(loaded, prep, methods, target, settings.inference.ig_steps)
    except BadInput as e:
        raise _bad(e) from None
    return Explanation(
        run_id=loaded.run_id,
        target=_truth(loaded, chosen, settings),
        input=_seen(prep),
        preprocessing=prep.steps,
        maps=[AttributionMap(method=m.method, png=m.png, values=m.values, note=m.note) for m in maps],
    )


@router.post(
    "/runs/{run_id}/activations",
    response_model=ActivationRead,
    summary="A layer's output for an input: a feature-map grid (PNG) for conv outputs, values for vectors",
    openapi_extra=body_schema(ActivationsBody),
    responses={409: {"description": "the run has no usable checkpoint"}},
)
async def activations(
    run_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep, cpu: CpuDep, user: OptionalUser
) -> ActivationRead:
    given, body, fields = await _given(request, cpu, ActivationsBody, settings)
    node = body.node if isinstance(body, ActivationsBody) else fields.get("node", "")
    if not node or len(node) > 200:
        raise field_error(["body", "node"], "node: the id of a layer of the run's graph, such as conv1")
    loaded = await _run_and_model(request, session, user, run_id, cpu)
    return await cpu.run(_activations, loaded, given, settings, node)


def _activations(loaded: LoadedModel, given: Given, settings: Settings, node: str) -> ActivationRead:
    if node not in loaded.layers and node not in loaded.input_ids:  # before any work on the input
        known = ", ".join(list(loaded.layers)[:30])
        raise field_error(
            ["body", "node"], f"there is no layer '{node}' at the top of this run's graph; choose one of: {known}"
        )
    prep = _prepare(loaded, given, settings)
    s = settings.inference
    try:
        a = evaluate.activations(loaded, prep, node, s.max_channels, s.max_values)
    except BadInput as e:
        raise _bad(e) from None
    return ActivationRead(run_id=loaded.run_id, **a.__dict__)


# --- the usable runs, and the demos ------------------------------------------------------------


@router.get(
    "/inference/runs", response_model=list[UsableRun], summary="Finished runs you can use: yours and public ones"
)
def usable_runs(session: SessionDep, user: OptionalUser) -> list[UsableRun]:
    from torchcanvas.api.routes.runs import _final
    from torchcanvas.market.seed import SEED_USERNAME

    public = and_(SavedModel.visibility == "public", Run.owner_id == SavedModel.owner_id)
    mine = Run.owner_id == user.id if user is not None else None
    where = or_(public, mine) if mine is not None else public
    rows = session.scalars(
        select(Run)
        .outerjoin(SavedModel, SavedModel.id == Run.model_id)
        .where(Run.status == "succeeded", where)
        .order_by(Run.id.desc())
        .limit(100)
    ).all()
    out = []
    for run in rows:
        owner = owner_name(session, run.owner_id)
        out.append(
            UsableRun(
                id=run.id,
                name=run.name,
                owner=owner,
                model_id=run.model_id,
                dataset=str((run.config.get("dataset") or {}).get("type", "")),
                final=_final(session, run.id),
                finished_at=run.finished_at,
                demo=owner == SEED_USERNAME,
            )
        )
    out.sort(key=lambda r: not r.demo)  # the demos first: a newcomer's first try
    return out


@router.post(
    "/inference/demos",
    response_model=DemosQueued,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Train the demo models (the admin): a digits and a faces classifier",
)
def build_demos(session: SessionDep, settings: SettingsDep, runner: RunnerDep, user: CurrentUser) -> DemosQueued:
    from torchcanvas.inference import demos

    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="only the server's admin builds the demos")
    try:
        runs = demos.queue(session, runner, settings.resolved_examples_dir)
    except demos.NoSeedAccount as e:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(e)) from None
    return DemosQueued(
        runs=runs,
        message=f"{len(runs)} demo run(s) queued or training; they appear on the Use page when they finish"
        if runs
        else "the demos are built",
    )
