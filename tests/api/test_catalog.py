from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from torchcanvas.api.routes.catalog import _defaults
from torchcanvas.catalog import catalog
from torchcanvas.catalog.spec import LayerSpec, resolve_params
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
    spec = LossSpec(type="L", title="L", category="Loss", task=case["loss_task"], pixelwise=case.get("pixelwise", False))
    assert spec.supports(case["dataset_task"]) is case["suits"]


def test_served_losses_carry_their_task(client: TestClient) -> None:
    losses = client.get("/api/v1/catalog").json()["losses"]
    assert losses["BCEWithLogitsLoss"]["task"] == "classification"
    assert losses["MSELoss"]["task"] == "any"


def test_defaults_are_the_models_defaults(client: TestClient) -> None:
    body = client.get("/api/v1/defaults").json()
    assert body["graph"] == Graph().model_dump(mode="json")
    assert body["graph"]["training"] == TrainingConfig().model_dump(mode="json")
    assert body["training_choices"] == {"device": ["auto", "cpu", "cuda"], "init": ["default", "initialize_weights"]}
    for field, values in body["training_choices"].items():  # each one is accepted, and only those
        for v in values:
            TrainingConfig.model_validate({field: v})
        with pytest.raises(ValidationError):
            TrainingConfig.model_validate({field: "other"})


def write_defaults_fixture() -> None:
    """Refresh tests/shared/defaults.json: the front end's tests load the served defaults from it
    (they run without a server)."""
    (SHARED / "defaults.json").write_text(json.dumps(_defaults().model_dump(mode="json"), indent=2) + "\n")


def test_shared_defaults_fixture_is_current(client: TestClient) -> None:
    fixture = json.loads((SHARED / "defaults.json").read_text())
    assert fixture == client.get("/api/v1/defaults").json(), (
        "tests/shared/defaults.json is stale: run "
        "`python -c 'from tests.api.test_catalog import write_defaults_fixture as w; w()'`"
    )


# --- ports: catalog/spec.py LayerSpec.input_ports / output_ports and web/src/graph/ports.ts -----
# tests/shared/ports.json holds hand-written cases (a layer, its params, the ports expected) and,
# for the front end's test, the fields of each case's served spec that decide its ports.
PORTS = SHARED / "ports.json"


def _port_fields(spec: LayerSpec) -> dict[str, Any]:
    """What ports.ts reads from a served layer spec (the docs left out), as JSON reads it."""
    served = spec.model_dump(mode="json")
    return {
        "inputs": [{k: p[k] for k in ("name", "optional", "when")} for p in served["inputs"]],
        "outputs": [{k: p[k] for k in ("name", "optional", "when")} for p in served["outputs"]],
        "variadic_inputs": served["variadic_inputs"],
        "variadic_outputs": served["variadic_outputs"],
        "params": [{"name": p["name"], "default": p["default"]} for p in served["params"]],
    }


def _line(value: object) -> str:
    return json.dumps(value, separators=(", ", ": "))


def _ports_table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(PORTS.read_text())
    return table


def write_ports_specs() -> None:
    """Refresh the specs in tests/shared/ports.json from the catalog (the cases stay as written)."""
    table = _ports_table()
    layers = catalog().layers
    specs = {name: _port_fields(layers[name]) for name in sorted({c["layer"] for c in table["cases"]})}
    # One case and one spec per line: the cases are written by hand and read in review.
    cases = ",\n".join(f"    {_line(c)}" for c in table["cases"])
    entries = ",\n".join(f"    {json.dumps(k)}: {_line(v)}" for k, v in specs.items())
    about = json.dumps(table["about"])
    PORTS.write_text(f'{{\n  "about": {about},\n  "cases": [\n{cases}\n  ],\n  "specs": {{\n{entries}\n  }}\n}}\n')


def test_ports_table_specs_are_the_catalogs() -> None:
    table = _ports_table()
    layers = catalog().layers
    stale = [name for name, fields in table["specs"].items() if fields != _port_fields(layers[name])]
    assert not stale and set(table["specs"]) == {c["layer"] for c in table["cases"]}, (
        f"tests/shared/ports.json is stale for {stale or 'its list of layers'}: "
        "run `python -c 'from tests.api.test_catalog import write_ports_specs as w; w()'`"
    )


def test_ports_table_covers_every_port_rule() -> None:
    # A layer whose ports depend on its params, or that has more than one, must have a case.
    covered = {c["layer"] for c in _ports_table()["cases"]}
    rules = {
        name
        for name, s in catalog().layers.items()
        if s.variadic_inputs or s.variadic_outputs or len(s.inputs) > 1 or len(s.outputs) > 1
    }
    assert rules <= covered, f"add cases to tests/shared/ports.json for: {', '.join(sorted(rules - covered))}"


@pytest.mark.parametrize("case", _ports_table()["cases"], ids=lambda c: f"{c['layer']}-{c['params']}")
def test_ports_table(case: dict[str, Any]) -> None:
    spec = catalog().layers[case["layer"]]
    params, errors = resolve_params(spec, case["params"])  # as the shape pass does: defaults applied
    assert not errors, errors
    assert spec.input_ports(params) == case["inputs"]
    assert spec.output_ports(params) == case["outputs"]


# --- the normalization explorer's layers (GET /lab/normalization) ------------------------------


def test_normalization_layers_are_what_the_explorer_accepts(client: TestClient) -> None:
    layers = client.get("/api/v1/lab/normalization").json()["layers"]
    assert layers == ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm"]  # the lab lesson's order
    extra = {"LayerNorm": {"normalized_shape": [3, 4]}, "GroupNorm": {"num_groups": 3}}
    for layer in layers:
        r = client.post(
            "/api/v1/lab/normalization", json={"shape": [8, 6, 3, 4], "layer": layer, **extra.get(layer, {})}
        )
        assert r.status_code == 200, (layer, r.text)
    assert client.post("/api/v1/lab/normalization", json={"shape": [8, 6], "layer": "RMSNorm"}).status_code == 422
