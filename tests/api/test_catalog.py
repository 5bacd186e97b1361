from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from torchcanvas.catalog import catalog
from torchcanvas.catalog.training import LossSpec
from torchcanvas.graph.model import Graph, TrainingConfig


def test_catalog_is_the_registry(client: TestClient) -> None:
    r = client.get("/api/v1/catalog")
    assert r.status_code == 200
    body = r.json()
    assert body == catalog().model_dump(mode="json")
    assert body["layers"]["Linear"]["params"][0]["name"] == "in_features"


def test_catalog_etag_revalidates(client: TestClient) -> None:
    r = client.get("/api/v1/catalog")
    etag = r.headers["etag"]
    assert etag.startswith('"') and r.headers["cache-control"] == "no-cache"
    r2 = client.get("/api/v1/catalog", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    assert client.get("/api/v1/catalog", headers={"If-None-Match": '"other"'}).status_code == 200


def test_catalog_is_compressed(client: TestClient) -> None:
    r = client.get("/api/v1/catalog", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"


# Tables that the front end's tests (vitest) run too, so the editor and the server agree.
SHARED = Path(__file__).resolve().parents[1] / "shared"


def _shared(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((SHARED / name).read_text())["cases"]
    return cases


@pytest.mark.parametrize("case", _shared("loss_fit.json"), ids=lambda c: f"{c['loss_task']}-on-{c['dataset_task']}")
def test_loss_fit_table(case: dict[str, Any]) -> None:
    spec = LossSpec(type="L", title="L", category="Loss", task=case["loss_task"])
    assert spec.supports(case["dataset_task"]) is case["suits"]


def test_served_losses_carry_their_task(client: TestClient) -> None:
    losses = client.get("/api/v1/catalog").json()["losses"]
    assert losses["BCEWithLogitsLoss"]["task"] == "classification"
    assert losses["MSELoss"]["task"] == "any"


def test_defaults_are_the_models_defaults(client: TestClient) -> None:
    body = client.get("/api/v1/defaults").json()
    assert body == {"graph": Graph().model_dump(mode="json")}
    assert body["graph"]["training"] == TrainingConfig().model_dump(mode="json")


def test_shared_defaults_fixture_is_current(client: TestClient) -> None:
    # The front end's tests load the served defaults from this file (they run without a server).
    fixture = json.loads((SHARED / "defaults.json").read_text())
    assert fixture == client.get("/api/v1/defaults").json(), (
        "tests/shared/defaults.json is stale: write GET /api/v1/defaults into it"
    )
