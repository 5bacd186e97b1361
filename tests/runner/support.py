"""Helpers for the runner tests: an app with a runner on a temp data dir, and ways to wait."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.api.api_support import make_settings
from torchcanvas.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
FINISHED = {"succeeded", "failed", "cancelled", "interrupted"}


def example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    return doc


def runner_settings(tmp_path: Path, **overrides: Any) -> Settings:
    # One torch thread per run: these models are tiny, and the machine is shared.
    values: dict[str, Any] = {"run_torch_threads": 1, "examples_dir": ROOT / "examples", **overrides}
    return make_settings(tmp_path, **values)


def wait_for(client: TestClient, run_id: int, timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] in FINISHED:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} is still {run['status']}")
        time.sleep(0.2)


def sse_events(text: str) -> list[dict[str, Any]]:
    """The data of every message of a server-sent event stream."""
    out = []
    for block in text.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
    return out
