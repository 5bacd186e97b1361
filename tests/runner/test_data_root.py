"""Dataset roots resolve inside the data directory's area for their kind, and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from torchcanvas.graph.validate import GraphError
from torchcanvas.runner.data import relative_to_run, resolve_root


def test_downloads_go_to_datasets_and_uploads_come_from_uploads(tmp_path: Path) -> None:
    assert resolve_root(tmp_path, "MNIST", {}) == (tmp_path / "datasets" / "data").resolve()
    assert resolve_root(tmp_path, "CIFAR10", {"root": "cifar/v1"}) == (tmp_path / "datasets" / "cifar" / "v1").resolve()
    (tmp_path / "uploads" / "cats").mkdir(parents=True)
    assert resolve_root(tmp_path, "ImageFolder", {"root": "cats"}) == (tmp_path / "uploads" / "cats").resolve()
    with pytest.raises(GraphError, match="not a folder of uploaded images"):
        resolve_root(tmp_path, "ImageFolder", {"root": "dogs"})
    (tmp_path / "datasets" / "dogs").mkdir(parents=True)  # a download folder is not an upload folder
    with pytest.raises(GraphError, match="not a folder of uploaded images"):
        resolve_root(tmp_path, "ImageFolder", {"root": "dogs"})


@pytest.mark.parametrize("root", [5, None, "", "a\x00b", "/etc", "..", "x/../../y", "C:/x", "\\\\host\\share"])
def test_roots_that_are_not_a_name_inside_the_area_are_refused(tmp_path: Path, root: object) -> None:
    with pytest.raises(GraphError) as err:
        resolve_root(tmp_path, "MNIST", {"root": root})
    assert err.value.issues[0].param == "training.dataset.root" and str(tmp_path) not in str(err.value)


def test_a_symlink_inside_the_area_may_not_lead_out(tmp_path: Path) -> None:
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "out").symlink_to("/")
    with pytest.raises(GraphError, match="leads out of the server's uploads/ folder"):
        resolve_root(tmp_path, "ImageFolder", {"root": "out/etc"})


def test_the_run_sees_its_data_folder_by_a_relative_path(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "7"
    run_dir.mkdir(parents=True)
    assert relative_to_run(resolve_root(tmp_path, "MNIST", {"root": "mnist"}), run_dir) == "../../datasets/mnist"
