"""Helpers shared by the API tests (a module of its own: test files cannot import conftest
reliably when other test folders have one too)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from torchcanvas.settings import Settings


def mlp_graph(name: str = "MLP", hidden: Any = 8) -> dict[str, Any]:
    """input (B, 1) -> Linear(hidden) -> ReLU -> Linear(1) -> output: fits the default training
    config (Regression1D with MSELoss), so a check of it has no issues at all."""
    chain = ["x", "fc1", "act", "fc2", "y"]
    return {
        "schema_version": 1,
        "name": name,
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 1]},
            {"id": "fc1", "kind": "layer", "type": "Linear", "params": {"out_features": hidden}},
            {"id": "act", "kind": "layer", "type": "ReLU"},
            {"id": "fc2", "kind": "layer", "type": "Linear", "params": {"out_features": 1}},
            {"id": "y", "kind": "output"},
        ],
        "edges": [
            {"source": {"node": a, "port": "out"}, "target": {"node": b, "port": "in"}}
            for a, b in itertools.pairwise(chain)
        ],
    }


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": None,
        "static_dir": tmp_path / "static",
        "examples_dir": tmp_path / "examples",
        **overrides,
    }
    return Settings(**values)
