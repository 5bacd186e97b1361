"""Initial weights: upload a state_dict, check it against a model, and start runs from it or from an
earlier run's checkpoint (train.py --init-from init.pt)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient

from tests.api.api_support import mlp_graph, sign_up, signed_in
from tests.runner.support import runner_settings, wait_for
from torchcanvas.api import create_app
from torchcanvas.graph.model import Graph
from torchcanvas.settings import WeightsSettings
from torchcanvas.shapes import build_model

API = "/api/v1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = runner_settings(tmp_path, weights=WeightsSettings(max_bytes=64 * 1024, max_files=3, max_total_bytes=100 * 1024))
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c


def _file(state: Any) -> bytes:
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def _mlp_state(hidden: int = 8) -> dict[str, torch.Tensor]:
    return {k: torch.randn_like(v) for k, v in build_model(Graph.model_validate(mlp_graph(hidden=hidden))).state_dict().items()}


def _upload(client: TestClient, data: bytes, name: str = "mlp.pt") -> Any:
    return client.post(f"{API}/weights", content=data, params={"name": name},
                       headers={"Content-Type": "application/octet-stream"})


def test_upload_list_check_and_delete(client: TestClient, tmp_path: Path) -> None:
    r = _upload(client, _file(_mlp_state()))
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["name"] == "mlp.pt" and info["tensors"] == 4 and info["params"] == 8 + 8 + 8 + 1
    # Stored inside the data directory, in the owner's folder.
    stored = list((tmp_path / "data" / "weights").rglob("*.pt"))
    assert [p.name for p in stored] == [f"{info['id']}.pt"]
    assert [w["id"] for w in client.get(f"{API}/weights").json()] == [info["id"]]

    ok = client.post(f"{API}/weights/check", json={"graph": mlp_graph(), "init_from": {"weights_id": info["id"]}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["ok"] and ok.json()["matched"] == 4 and "loads strictly" in ok.json()["message"]

    wider = client.post(f"{API}/weights/check", json={"graph": mlp_graph(hidden=16), "init_from": {"weights_id": info["id"]}})
    report = wider.json()
    assert not report["ok"] and report["missing"] == [] and report["unexpected"] == []
    assert report["mismatched"][0] == {"key": "fc1.weight", "model": [16, 1], "file": [8, 1]}
    assert "Fix:" in report["message"] and "fc1.weight: (8, 1) in the file, (16, 1) in the model" in report["message"]

    renamed = {("head" + k[3:] if k.startswith("fc2") else k): v for k, v in _mlp_state().items()}
    other = _upload(client, _file(renamed), "renamed.pt").json()
    report = client.post(f"{API}/weights/check", json={"graph": mlp_graph(), "init_from": {"weights_id": other["id"]}}).json()
    assert report["missing"] == ["fc2.weight", "fc2.bias"] and report["unexpected"] == ["head.weight", "head.bias"]

    assert client.delete(f"{API}/weights/{info['id']}").status_code == 204
    assert client.delete(f"{API}/weights/{info['id']}").status_code == 404
    assert [w["id"] for w in client.get(f"{API}/weights").json()] == [other["id"]]


def test_uploads_that_are_not_state_dicts_or_too_large_are_refused(client: TestClient, tmp_path: Path) -> None:
    r = _upload(client, b"print('hello')")
    assert r.status_code == 422 and "not a PyTorch state_dict file" in r.text
    # A malformed pickle: the unpickler fails with whatever its stack does (here an IndexError; a 500 once).
    r = _upload(client, b"tR.")
    assert r.status_code == 422 and "not a PyTorch state_dict file" in r.text
    r = _upload(client, _file(torch.zeros(3)))
    assert r.status_code == 422 and "no state_dict" in r.text
    r = _upload(client, _file({"w": torch.zeros(20_000)}))  # 80 KB, over the 64 KiB of these settings
    assert r.status_code == 413 and "65536 bytes" in r.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while it streams
        for _ in range(100):
            yield b"\0" * 1024

    r = client.post(f"{API}/weights", content=chunks())
    assert r.status_code == 413
    # A pickle that would run code is refused by weights_only=True, and nothing is kept.
    evil = io.BytesIO()
    torch.save({"w": torch.zeros(1), "x": _Evil()}, evil)
    r = _upload(client, evil.getvalue())
    assert r.status_code == 422 and "not a PyTorch state_dict file" in r.text
    assert not list((tmp_path / "data" / "weights").rglob("*.pt")) and not list((tmp_path / "data" / "weights").rglob("*.upload"))
    for i in range(3):
        assert _upload(client, _file({"w": torch.zeros(1)}), f"{i}.pt").status_code == 201
    r = _upload(client, _file({"w": torch.zeros(1)}))
    assert r.status_code == 429 and "3 weights files" in r.text and "delete some first" in r.text


def test_a_users_weights_are_bounded_in_total(client: TestClient) -> None:
    big = _file({"w": torch.zeros(12_000)})  # 48 KB: two fit in 100 KiB, not three
    assert _upload(client, big).status_code == 201
    assert _upload(client, big).status_code == 201
    r = _upload(client, big)
    assert r.status_code == 413 and "what is left of your space for weights" in r.text
    first = client.get(f"{API}/weights").json()[0]["id"]
    assert client.delete(f"{API}/weights/{first}").status_code == 204
    assert _upload(client, big).status_code == 201


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("ran code",))


def test_weights_are_private_to_their_owner(client: TestClient) -> None:
    mine = _upload(client, _file(_mlp_state())).json()
    bob = signed_in(client.app, "bob")  # type: ignore[arg-type]
    assert bob.get(f"{API}/weights").json() == []
    body = {"graph": mlp_graph(), "init_from": {"weights_id": mine["id"]}}
    assert bob.post(f"{API}/weights/check", json=body).status_code == 404
    assert bob.post(f"{API}/runs", json=body).status_code == 404
    assert bob.delete(f"{API}/weights/{mine['id']}").status_code == 404
    assert client.post(f"{API}/weights/check", json={"graph": mlp_graph(), "init_from": {}}).status_code == 422


@pytest.mark.slow
def test_a_run_starts_from_uploaded_weights_and_another_from_its_checkpoint(client: TestClient, tmp_path: Path) -> None:
    state = _mlp_state()
    weights = _upload(client, _file(state)).json()

    refused = client.post(f"{API}/runs", json={"graph": mlp_graph(hidden=16), "init_from": {"weights_id": weights["id"]}})
    assert refused.status_code == 422 and refused.json()["detail"]["report"]["mismatched"][0]["key"] == "fc1.weight"

    graph = {**mlp_graph(), "training": {"epochs": 2, "freeze": ["fc1"]}}
    r = client.post(f"{API}/runs", json={"graph": graph, "init_from": {"weights_id": weights["id"]}})
    assert r.status_code == 201, r.text
    run = wait_for(client, r.json()["id"])
    assert run["status"] == "succeeded", run["error"]
    assert run["config"]["init_from"] == {"weights": weights["id"], "name": "mlp.pt"}
    log = client.get(f"{API}/runs/{run['id']}/log").text
    assert "initial weights: 4 tensors from init.pt" in log and "params: 9 trainable, 16 frozen" in log
    # The upload can go: the run has its own init.pt.
    assert client.delete(f"{API}/weights/{weights['id']}").status_code == 204
    checkpoint = torch.load(io.BytesIO(client.get(f"{API}/runs/{run['id']}/checkpoint").content), weights_only=True)["model"]
    assert torch.equal(checkpoint["fc1.weight"], state["fc1.weight"])  # frozen
    assert not torch.equal(checkpoint["fc2.weight"], state["fc2.weight"])

    r = client.post(f"{API}/runs", json={"graph": mlp_graph(), "epochs": 1, "init_from": {"run_id": run["id"]}})
    assert r.status_code == 201, r.text
    again = wait_for(client, r.json()["id"])
    assert again["status"] == "succeeded", again["error"]
    assert again["config"]["init_from"]["run"] == run["id"]
    assert "initial weights: 4 tensors from init.pt" in client.get(f"{API}/runs/{again['id']}/log").text
    bob = signed_in(client.app, "bob")  # type: ignore[arg-type]
    r = bob.post(f"{API}/runs", json={"graph": mlp_graph(), "init_from": {"run_id": run["id"]}})
    assert r.status_code == 404
