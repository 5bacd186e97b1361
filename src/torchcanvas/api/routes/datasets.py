"""Your own data: upload a zip of class folders or a CSV, list, read and delete data sets.

``POST /datasets`` is a multipart form: the file (field ``file``) and the choices (``name``,
``kind``, ``test_fraction``, ``seed``, ``image_size``; for a CSV ``task``, ``target``,
``features``). The body is parsed as it arrives: the file goes to disk in chunks (errors.BodyGuard
lets this one route's body through unbuffered, counted here against the data sets' own size
limit), and reading it into a data set happens in a worker thread (torchcanvas.datasets.store).
A refused upload is answered with every problem, each naming the file or column and the fix.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header
from sqlalchemy import or_, select

from torchcanvas.api.access import load_dataset
from torchcanvas.api.deps import IdPath, SessionDep, SettingsDep
from torchcanvas.auth import policy
from torchcanvas.auth.deps import CurrentUser, OptionalUser
from torchcanvas.datasets import store
from torchcanvas.datasets.ingest import ImageOptions, TableOptions, UploadRefused, refuse
from torchcanvas.db.models import Dataset, User, aware
from torchcanvas.settings import Settings

router = APIRouter(prefix="/datasets", tags=["datasets"])
UPLOAD_PATH = "/api/v1/datasets"  # errors.BodyGuard streams this route's POST body instead of buffering it
MAX_FIELDS, MAX_FIELD_BYTES = 16, 4096
# Readings of uploads at once (each decodes every image of a zip): the rest wait for a slot.
INGEST_SLOTS = 2
Visibility = Literal["private", "unlisted", "public"]


class DatasetSummary(BaseModel):
    id: int
    name: str
    owner: str | None
    visibility: Visibility
    kind: Literal["images", "table"]
    task: Literal["classification", "regression"]
    type: str = Field(description="the catalog data set type that reads it (ImageFolder, CSVClassification, ...)")
    choice: dict[str, Any] = Field(description="the training config's dataset choice that reads it")
    num_train: int
    num_test: int
    classes: list[str]
    class_counts: dict[str, list[int]]
    input_shape: list[int]
    details: dict[str, Any]
    notes: list[str]
    bytes: int
    created_at: datetime
    can_edit: bool
    can_delete: bool


class DatasetRead(DatasetSummary):
    sample_grid: str | None = Field(None, description="a PNG data URL: a row of samples per class (images only)")


class DatasetPage(BaseModel):
    items: list[DatasetSummary]


class DatasetPatch(BaseModel):
    visibility: Visibility


def _summary(row: Dataset, user: User | None) -> dict[str, Any]:
    return dict(
        id=row.id,
        name=row.name,
        owner=row.owner.username if row.owner else None,
        visibility=row.visibility,
        kind=row.kind,
        task=row.task,
        type=store.catalog_type(row),
        choice=store.dataset_choice(row),
        num_train=row.num_train,
        num_test=row.num_test,
        classes=row.classes,
        class_counts=row.class_counts,
        input_shape=row.input_shape,
        details=row.details,
        notes=row.notes,
        bytes=row.bytes,
        created_at=aware(row.created_at),
        can_edit=policy.can_edit_dataset(user, row),
        can_delete=policy.can_delete_dataset(user, row),
    )


def _read(settings: Settings, row: Dataset, user: User | None) -> DatasetRead:
    return DatasetRead(**_summary(row, user), sample_grid=store.sample_grid(settings.data_dir, row))


# ---- the upload ---------------------------------------------------------------------------------


class _StreamedForm:
    """A multipart body parsed as it arrives: its one file part written to ``path`` in chunks,
    its text fields kept (a few, each short). The parser's callbacks run in a worker thread."""

    def __init__(self, boundary: bytes, path: Path) -> None:
        self.path = path
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.file_bytes = 0
        self._file: Any = None
        self._name = ""
        self._value = bytearray()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._disposition: dict[bytes, bytes] = {}
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda d, a, b: self._header_field.extend(d[a:b]),
                "on_header_value": lambda d, a, b: self._header_value.extend(d[a:b]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def _part_begin(self) -> None:
        self._disposition, self._value = {}, bytearray()

    def _header_end(self) -> None:
        if bytes(self._header_field).lower() == b"content-disposition":
            _, self._disposition = parse_options_header(bytes(self._header_value))
        self._header_field, self._header_value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        self._name = self._disposition.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in self._disposition:
            if self.filename is not None:
                raise refuse("the form has more than one file", "file", "upload one zip or CSV at a time", 400)
            self.filename = self._disposition[b"filename"].decode("utf-8", "replace")[:200]
            self._file = self.path.open("wb")
        elif len(self.fields) >= MAX_FIELDS:
            raise refuse(f"the form has more than {MAX_FIELDS} fields", "form", status=400)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
            self.file_bytes += end - start
        else:
            self._value.extend(data[start:end])
            if len(self._value) > MAX_FIELD_BYTES:
                raise refuse(f"is longer than {MAX_FIELD_BYTES} bytes", self._name[:50], status=400)

    def _part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        else:
            self.fields[self._name] = self._value.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


async def _receive_form(request: Request, path: Path, max_bytes: int) -> _StreamedForm:
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in options:
        raise refuse(
            "the upload is not a multipart form",
            "body",
            "send multipart/form-data with the file in field 'file'",
            415,
        )
    form = _StreamedForm(options[b"boundary"], path)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise refuse(
                    f"the upload is larger than the limit of {max_bytes:,} bytes",
                    "file",
                    "upload a smaller data set, or ask the admin to raise TORCHCANVAS_DATASETS__MAX_UPLOAD_BYTES",
                    413,
                )
            if chunk:
                await anyio.to_thread.run_sync(form.parser.write, chunk)
        form.parser.finalize()
    except MultipartParseError as e:
        raise refuse(f"the upload is not valid multipart form data ({str(e)[:120]})", "body", status=400) from None
    finally:
        form.close()
    if form.filename is None:
        raise refuse("the form has no file", "file", "send the zip or CSV in the multipart field 'file'")
    return form


def _number(fields: dict[str, str], name: str, kind: type, default: Any, low: float, high: float) -> Any:
    raw = fields.get(name, "").strip()
    if not raw:
        return default
    try:
        v = kind(raw)
    except ValueError:
        raise refuse(f"{raw[:40]!r} is not a number", name, f"give {name} as a number") from None
    if not low <= v <= high:
        raise refuse(f"{v} is out of range", name, f"give {name} between {low:g} and {high:g}")
    return v


def _options(
    fields: dict[str, str], filename: str, settings: Settings
) -> tuple[str, str, str, ImageOptions | TableOptions]:
    """(name, visibility, kind, options) from the form's fields."""
    limits = settings.datasets
    name = store.clean_name(fields.get("name", "").strip() or Path(filename).stem)
    visibility = fields.get("visibility", "private").strip() or "private"
    if visibility not in ("private", "unlisted", "public"):
        raise refuse(f"{visibility[:20]!r} is not a visibility", "visibility", "choose private, unlisted or public")
    kind = fields.get("kind", "").strip() or ("table" if filename.lower().endswith(".csv") else "images")
    if kind not in ("images", "table"):
        raise refuse(f"{kind[:20]!r} is not a kind of data set", "kind", "choose images (a zip) or table (a CSV)")
    fraction = _number(fields, "test_fraction", float, 0.2, 0.05, 0.9)
    seed = _number(fields, "seed", int, 0, 0, 2**31 - 1)
    if kind == "images":
        size = _number(fields, "image_size", int, None, 4, limits.max_image_size)
        return name, visibility, kind, ImageOptions(image_size=size, test_fraction=fraction, seed=seed)
    task = fields.get("task", "").strip() or "classification"
    if task not in ("classification", "regression"):
        raise refuse(f"{task[:20]!r} is not a task", "task", "choose classification or regression")
    features = [f.strip() for f in fields.get("features", "").split(",") if f.strip()] or None
    target = fields.get("target", "").strip() or None
    return name, visibility, kind, TableOptions(target, features, task, fraction, seed)  # type: ignore[arg-type]


def _ingest_slots(request: Request) -> anyio.CapacityLimiter:
    slots: anyio.CapacityLimiter | None = getattr(request.app.state, "dataset_slots", None)
    if slots is None:
        slots = request.app.state.dataset_slots = anyio.CapacityLimiter(INGEST_SLOTS)
    return slots


def _store(request: Request, settings: Settings, user_id: int, form: _StreamedForm, upload: Path) -> DatasetRead:
    assert form.filename is not None
    name, visibility, kind, options = _options(form.fields, form.filename, settings)
    with request.app.state.sessionmaker() as db:
        user = db.get(User, user_id)
        assert user is not None
        row = store.store(db, settings.data_dir, user, name, visibility, upload, kind, options, settings.datasets)
        return _read(settings, row, user)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DatasetRead,
    summary="Upload a data set",
    description="A multipart form: `file` (a .zip of class folders, `<class>/*` or `train/<class>/*` and "
    "`test/<class>/*`; or a .csv with a header row), `name`, `visibility`, `kind` (images or table; by default "
    "from the file name), `test_fraction` and `seed` (the split, per class), `image_size` (images are resized to "
    "it; by default their own size when they all share one, else 32); for a CSV `task` (classification or "
    "regression), `target` (default: the last column) and `features` (comma-separated; default: the others). "
    "A refused upload: `{detail, problems: [{message, where, fix}], more}`, nothing stored.",
    responses={
        413: {"description": "Over a size, count or ratio limit (a zip bomb)"},
        422: {"description": "The data is not usable: `{detail, problems: [{message, where, fix}]}`"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            **{
                                k: {"type": "string"}
                                for k in (
                                    "name",
                                    "visibility",
                                    "kind",
                                    "test_fraction",
                                    "seed",
                                    "image_size",
                                    "task",
                                    "target",
                                    "features",
                                )
                            },
                        },
                    }
                }
            },
        }
    },
)
async def upload_dataset(request: Request, settings: SettingsDep, user: CurrentUser) -> Any:
    incoming = store.incoming_dir(settings.data_dir)
    await anyio.to_thread.run_sync(lambda: incoming.mkdir(parents=True, exist_ok=True))
    upload = incoming / f"{uuid.uuid4().hex}.upload"
    try:
        form = await _receive_form(request, upload, settings.datasets.max_upload_bytes)
        async with _ingest_slots(request):
            read = await anyio.to_thread.run_sync(_store, request, settings, user.id, form, upload)
        return JSONResponse(read.model_dump(mode="json"), status_code=status.HTTP_201_CREATED)
    except UploadRefused as e:
        return JSONResponse(store.refused_body(e), status_code=e.status)
    finally:
        await anyio.to_thread.run_sync(lambda: upload.unlink(missing_ok=True))


# ---- the rest ------------------------------------------------------------------------------------


@router.get("", response_model=DatasetPage, summary="List your data sets and the public ones")
def list_datasets(session: SessionDep, user: OptionalUser) -> DatasetPage:
    visible = Dataset.visibility == "public"
    where = or_(visible, Dataset.owner_id == user.id) if user is not None else visible
    rows = session.scalars(select(Dataset).where(where).order_by(Dataset.created_at.desc(), Dataset.id.desc())).all()
    # Yours first, then the public ones of others.
    rows = sorted(rows, key=lambda r: user is None or r.owner_id != user.id)
    return DatasetPage(items=[DatasetSummary(**_summary(r, user)) for r in rows])


@router.get("/{dataset_id}", response_model=DatasetRead, summary="One data set: counts, class balance, a sample grid")
def get_dataset(dataset_id: IdPath, session: SessionDep, settings: SettingsDep, user: OptionalUser) -> DatasetRead:
    return _read(settings, load_dataset(session, user, dataset_id), user)


@router.patch("/{dataset_id}", response_model=DatasetRead, summary="Change a data set's visibility")
def patch_dataset(
    dataset_id: IdPath, body: DatasetPatch, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> DatasetRead:
    row = load_dataset(session, user, dataset_id, policy.can_edit_dataset)
    row.visibility = body.visibility
    session.commit()
    return _read(settings, row, user)


@router.delete("/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a data set and its files")
async def delete_dataset(dataset_id: IdPath, request: Request, settings: SettingsDep, user: CurrentUser) -> Response:
    def work() -> None:
        with request.app.state.sessionmaker() as db:
            row = load_dataset(db, db.get(User, user.id), dataset_id, policy.can_delete_dataset)
            store.delete(db, settings.data_dir, row)

    await anyio.to_thread.run_sync(work)  # removing thousands of files is IO
    return Response(status_code=status.HTTP_204_NO_CONTENT)
