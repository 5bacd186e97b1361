"""The default data dir is relative (./data, what `make run` uses): runs must still find their folder,
although each executes in its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import sign_up
from tests.runner.support import example, runner_settings, wait_for
from torchcanvas.api import create_app


def test_a_run_on_a_relative_data_dir_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = runner_settings(tmp_path, data_dir=Path("data"))
    assert settings.data_dir == tmp_path / "data"  # made absolute where it was given
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        sign_up(client, "alice")
        r = client.post("/api/v1/runs", json={"graph": example("seed_mlp_weight_decay"), "epochs": 2})
        assert r.status_code == 201, r.text
        run = wait_for(client, r.json()["id"])
    assert run["status"] == "succeeded", run["error"]
