"""Where uploaded data sets live, and the one way in and out of there.

A data set's files are in ``<data_dir>/uploads/.datasets/<id>/``: inside the uploads area that
``ImageFolder`` reads, where no document's ``root`` can reach (a root never starts with a dot:
``torchcanvas.catalog.training.ROOT_PATTERN``), so that a run reaches it only by its id, after
``check_choice`` asked the policy whether the run's owner may read it. An upload streams into
``<data_dir>/uploads/.incoming/`` and is read into a staging folder there; only a data set that
passed every check is moved into place, with its row. A refused upload leaves nothing behind.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from torchcanvas.auth import policy
from torchcanvas.datasets.config import DatasetSettings
from torchcanvas.datasets.ingest import (
    ImageOptions,
    Ingested,
    TableOptions,
    UploadRefused,
    ingest_csv,
    ingest_zip,
    refuse,
)
from torchcanvas.db.models import Dataset, User
from torchcanvas.graph.validate import GraphError, Issue
from torchcanvas.limits import IMAGE_FORMATS

AREA = ".datasets"
INCOMING = ".incoming"
# The catalog's data set types that read an uploaded data set, by (kind, task).
TYPES = {
    ("images", "classification"): "ImageFolder",
    ("table", "classification"): "CSVClassification",
    ("table", "regression"): "CSVRegression",
}
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")


def datasets_area(data_dir: Path) -> Path:
    return data_dir / "uploads" / AREA


def dataset_dir(data_dir: Path, dataset_id: int) -> Path:
    return datasets_area(data_dir) / str(int(dataset_id))


def incoming_dir(data_dir: Path) -> Path:
    return data_dir / "uploads" / INCOMING


def clean_name(name: str) -> str:
    """A data set's name as a folder name (train.py's default --data-root): letters, digits, _ . -"""
    stem = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name.strip()).strip("._-")[:64]
    stem = re.sub(r"\.{2,}", ".", stem)
    return stem or "data"


@contextmanager
def staging(data_dir: Path) -> Iterator[Path]:
    """A fresh folder in the incoming area, removed on the way out (whatever happened)."""
    folder = incoming_dir(data_dir) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def ingest(
    upload: Path, kind: str, options: ImageOptions | TableOptions, limits: DatasetSettings, out: Path
) -> Ingested:
    if kind == "images":
        assert isinstance(options, ImageOptions)
        return ingest_zip(upload, out, options, limits)
    assert isinstance(options, TableOptions)
    return ingest_csv(upload, out, options, limits)


def store(
    db: Session,
    data_dir: Path,
    owner: User,
    name: str,
    visibility: str,
    upload: Path,
    kind: str,
    options: ImageOptions | TableOptions,
    limits: DatasetSettings,
) -> Dataset:
    """Read ``upload`` into a new data set of ``owner``: the row and its folder, or UploadRefused
    with nothing stored. Runs in a worker thread (it decodes every image)."""
    count = db.scalar(select(func.count()).select_from(Dataset).where(Dataset.owner_id == owner.id)) or 0
    if count >= limits.max_per_user:
        raise refuse(
            f"you have {limits.max_per_user} data sets, the most one account may keep",
            fix="delete some of your data sets first",
            status=429,
        )
    if db.scalar(select(Dataset.id).where(Dataset.owner_id == owner.id, Dataset.name == name)) is not None:
        raise refuse(
            f"you already have a data set named {name!r}", "name", "choose another name, or delete that data set", 409
        )
    with staging(data_dir) as out:
        got = ingest(upload, kind, options, limits, out)
        if got.classes:  # the class names, in index order, for whoever reads the files (the inference studio)
            (out / "classes.json").write_text(json.dumps(got.classes), encoding="utf-8")
        row = Dataset(
            owner_id=owner.id,
            name=name,
            visibility=visibility,
            kind=got.kind,
            task=got.task,
            num_train=got.num_train,
            num_test=got.num_test,
            classes=got.classes,
            class_counts=got.class_counts,
            input_shape=got.input_shape,
            details=got.details,
            notes=got.notes,
            bytes=folder_bytes(out),
        )
        db.add(row)
        db.flush()
        final = dataset_dir(data_dir, row.id)
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(final, ignore_errors=True)  # a folder left by a crash, of a row that was never committed
        out.rename(final)
        try:
            db.commit()
        except Exception:
            shutil.rmtree(final, ignore_errors=True)
            raise
    return row


def delete(db: Session, data_dir: Path, row: Dataset) -> None:
    folder = dataset_dir(data_dir, row.id)
    db.delete(row)
    db.commit()
    shutil.rmtree(folder, ignore_errors=True)


def catalog_type(row: Dataset) -> str:
    return TYPES[(row.kind, row.task)]


def dataset_choice(row: Dataset) -> dict[str, Any]:
    """The training config's dataset choice that reads ``row``: what the Training tab sets."""
    params: dict[str, Any] = {"dataset": row.id, "root": row.name}
    if row.kind == "images":
        params |= {"image_size": row.input_shape[-1], "num_classes": len(row.classes)}
    else:
        params["features"] = row.input_shape[0]
        if row.task == "classification":
            params["num_classes"] = len(row.classes)
    return {"type": catalog_type(row), "params": params}


def sample_grid(data_dir: Path, row: Dataset) -> str | None:
    """The sample grid as a data URL (image data sets only)."""
    grid = dataset_dir(data_dir, row.id) / "grid.png"
    if row.kind != "images" or not grid.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(grid.read_bytes()).decode()


# ---- runs: a document's choice of an uploaded data set ------------------------------------------


def chosen_id(params: dict[str, Any]) -> int | None:
    v = params.get("dataset")
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def check_choice(db: Session, user: User | None, dataset_type: str, params: dict[str, Any]) -> Dataset | None:
    """The uploaded data set a training config names, once the user may read it and the config's
    params agree with it; None when it names none. Raises GraphError naming the param and the fix
    (a data set the user may not read reads as one that does not exist)."""
    dataset_id = chosen_id(params)
    if dataset_id is None:
        if dataset_type in ("CSVClassification", "CSVRegression"):
            raise GraphError(
                [
                    Issue(
                        f"dataset {dataset_type} needs an uploaded CSV data set",
                        param="training.dataset.dataset",
                        fix="upload a CSV in the Training tab (Your data sets), then choose it",
                    )
                ]
            )
        return None
    row = db.get(Dataset, dataset_id)
    if row is None or not policy.can_read_dataset(user, row):
        raise GraphError(
            [
                Issue(
                    f"there is no data set with id {dataset_id}",
                    param="training.dataset.dataset",
                    fix="choose one of your data sets (or a public one) in the Training tab",
                )
            ]
        )
    expected = dataset_choice(row)
    if expected["type"] != dataset_type:
        raise GraphError(
            [
                Issue(
                    f"data set {row.name!r} is a {row.kind} {row.task} data set, read by {expected['type']}, "
                    f"not {dataset_type}",
                    param="training.dataset.type",
                    fix=f"choose {expected['type']}",
                )
            ]
        )
    issues = [
        Issue(
            f"data set {row.name!r} has {k} {v}, but the config says {params.get(k)}",
            param=f"training.dataset.{k}",
            fix=f"set {k} to {v}",
        )
        for k, v in expected["params"].items()
        # image_size may differ: train.py resizes to it; the classes and features may not
        if k not in ("dataset", "root", "image_size") and params.get(k) != v
    ]
    if issues:
        raise GraphError(issues)
    return row


def zip_with_data(project: bytes, root: str, folder: Path, out: Path) -> None:
    """The project zip (``project``, one top folder) with the data set's files added under
    ``<top>/<root>/``, where train.py's default --data-root finds them; written to ``out``."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(project)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        top = src.namelist()[0].split("/")[0]
        for info in src.infolist():
            z.writestr(info, src.read(info))
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name not in ("grid.png", "classes.json"):
                z.write(path, f"{top}/{root}/{path.relative_to(folder).as_posix()}")


def sample_images(data_dir: Path, row: Dataset, n: int = 64) -> Any:
    """Up to ``n`` training images of an image data set, uint8 (N, 3, H, W), taken from each class
    in turn: what the augmentation preview shows."""
    import torch
    from PIL import Image

    folders = sorted(p for p in (dataset_dir(data_dir, row.id) / "train").iterdir() if p.is_dir())
    files = [sorted(f.glob("*.png"))[:n] for f in folders]
    picked = [f[k] for k in range(n) for f in files if k < len(f)][:n]
    out = []
    for path in picked:
        with Image.open(path, formats=IMAGE_FORMATS) as img:
            rgb = img.convert("RGB")
            out.append(torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8).reshape(rgb.height, rgb.width, 3))
    return torch.stack(out).permute(0, 3, 1, 2).contiguous()


def refused_body(e: UploadRefused) -> dict[str, Any]:
    return {"detail": str(e), "problems": [p.as_dict() for p in e.problems], "more": e.more}
