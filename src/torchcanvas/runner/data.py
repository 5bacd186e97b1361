"""Where a run's data lives: always inside the server's data directory.

A document's dataset ``root`` is a relative name, never a host path. The runner resolves it
inside ``<data_dir>/datasets/`` for the data sets it downloads, and inside ``<data_dir>/uploads/``
for ``ImageFolder`` (the user's own images, put there by the server's admin); an uploaded data
set (``ImageFolder`` or ``CSV*`` with a ``dataset`` id) is its folder in ``uploads/.datasets/``
(torchcanvas.datasets.store). It refuses any root that
ends up outside its area: absolute, climbing out with ``..``, or through a symlink. Messages name
the root as the user wrote it, never the host path it resolved to.

The run gets the folder as a path relative to its own folder (its working directory), so the
command line a client sees shows no host path either.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from torchcanvas.datasets.store import dataset_dir
from torchcanvas.graph.validate import GraphError, Issue

DEFAULT_ROOT = "data"  # the catalog's default for a dataset's root
# The datasets whose files are the user's own rather than downloaded.
UPLOADED = frozenset({"ImageFolder", "CSVClassification", "CSVRegression"})


def _refuse(root: object, why: str, fix: str) -> GraphError:
    return GraphError([Issue(f"dataset root {root!r} {why}", param="training.dataset.root", fix=fix)])


def data_area(data_dir: Path, dataset_type: str) -> Path:
    """The folder a dataset's root is resolved in."""
    return data_dir / ("uploads" if dataset_type in UPLOADED else "datasets")


def resolve_root(data_dir: Path, dataset_type: str, params: dict[str, Any]) -> Path:
    """The dataset's folder inside the data directory (resolved; it may not exist yet for a
    download). Raises GraphError (param ``root``) for a root that is not a name inside its area,
    or, for uploaded data, a folder that does not exist there."""
    dataset_id = params.get("dataset")
    if dataset_type in UPLOADED and isinstance(dataset_id, int) and not isinstance(dataset_id, bool):
        # An uploaded data set, by its id: who may read it was asked when the run was queued
        # (torchcanvas.datasets.store.check_choice); here only whether it is still there.
        folder = dataset_dir(data_dir, dataset_id).resolve()
        if not folder.is_dir():
            raise GraphError(
                [
                    Issue(
                        f"data set {dataset_id} is no longer on this server",
                        param="training.dataset.dataset",
                        fix="choose another data set, or upload it again",
                    )
                ]
            )
        return folder
    root = params.get("root", DEFAULT_ROOT)
    area_name = "uploads" if dataset_type in UPLOADED else "datasets"
    fix = f"use a relative folder name such as 'mnist'; it is kept in the server's {area_name}/ folder"
    if not isinstance(root, str) or not root.strip() or "\x00" in root:
        raise _refuse(root, "is not a folder name", fix)
    if PurePosixPath(root).is_absolute() or PureWindowsPath(root).is_absolute() or PureWindowsPath(root).drive:
        # Not echoed: the answer must read the same whether or not that host path exists.
        raise GraphError([Issue("dataset root is an absolute path", param="training.dataset.root", fix=fix)])
    if ".." in PurePosixPath(root.replace("\\", "/")).parts:
        raise _refuse(root, "climbs out of its folder with '..'", fix)
    if root.startswith("."):  # .datasets/ and .incoming/: uploaded data sets are reached by id only
        raise _refuse(root, "starts with a dot", fix)
    area = data_area(data_dir, dataset_type).resolve()
    folder = (area / root).resolve()
    if not folder.is_relative_to(area):  # a symlink inside the area pointing out of it
        raise _refuse(root, f"leads out of the server's {area_name}/ folder", fix)
    if dataset_type in UPLOADED and not folder.is_dir():
        raise _refuse(
            root,
            "is not a folder of uploaded images",
            "upload a zip of class folders in the Training tab (Your data sets) and choose it there; or the "
            f"server's admin puts the images in {root}/ inside its uploads/ folder (train/<class>/*.png and "
            "test/<class>/*.png)",
        )
    return folder


def relative_to_run(folder: Path, run_dir: Path) -> str:
    """``folder`` as seen from the run's working directory (both inside the data directory)."""
    return os.path.relpath(folder, run_dir.resolve())
