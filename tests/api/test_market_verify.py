"""The verified-runnable badge (a subprocess runs one training step) and the seeded examples."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.api_support import make_settings, mlp_graph
from tests.api.market_support import account, publish, saved_model
from torchcanvas.api import create_app
from torchcanvas.db.models import User, utcnow
from torchcanvas.graph.model import Graph
from torchcanvas.market import verify
from torchcanvas.market.seed import SEED_USERNAME

API = "/api/v1"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def c(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, market={"verify": True, "seed_examples": False, "verify_time_limit_s": 120})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _settled(c: TestClient, model_id: str, headers: dict[str, str], timeout: float = 150) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        version: dict[str, Any] = c.get(f"{API}/market/{model_id}", headers=headers).json()["versions"][-1]
        if version["verified"] != "pending" or time.monotonic() > deadline:
            return version
        time.sleep(0.2)


def test_a_runnable_model_passes(c: TestClient) -> None:
    alice = account(c, "alice")
    mid = saved_model(c, alice, mlp_graph("Runs"))
    assert publish(c, alice, mid)["verified"] == "pending"  # answered before the check ran
    version = _settled(c, mid, alice.headers)
    assert (version["verified"], version["verify_error"]) == ("passed", None)
    assert c.get(f"{API}/market", params={"verified": "true"}).json()["count"] == 1


def test_a_failing_step_fails_with_the_error_for_the_owner_only(c: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # Generated code that imports but fails when the model is built: what a codegen bug would do.
    monkeypatch.setattr(
        verify,
        "generate_model_py",
        lambda graph, limits=None: (
            f"class {graph.name}:\n    def __init__(self):\n        raise RuntimeError('boom')\n"
        ),
    )
    alice, bob = account(c, "alice"), account(c, "bob")
    mid = saved_model(c, alice, mlp_graph("Breaks"))
    publish(c, alice, mid)
    version = _settled(c, mid, alice.headers)
    assert version["verified"] == "failed"
    assert "RuntimeError: boom" in version["verify_error"]
    assert "/tmp/" not in version["verify_error"]  # host paths are redacted
    assert c.get(f"{API}/market/{mid}", headers=bob.headers).json()["versions"][-1]["verify_error"] is None


def test_a_step_over_the_time_limit_fails() -> None:
    graph = Graph.model_validate(mlp_graph("Slow"))
    outcome = verify.run_step(graph, time_limit_s=0.05, memory_bytes=None)
    assert not outcome.passed and "time limit" in (outcome.error or "")


def test_a_step_runs_under_the_memory_limit() -> None:
    graph = Graph.model_validate(mlp_graph("Small"))
    outcome = verify.run_step(graph, time_limit_s=120, memory_bytes=64 * 1024 * 1024)  # torch needs more
    assert not outcome.passed and outcome.error


def test_seed_publishes_the_examples_once(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    for name in ("seed_lenet.json", "seed_mlp_dropout.json"):
        shutil.copy(EXAMPLES / name, examples / name)
    (examples / "broken.json").write_text("{not json")
    settings = make_settings(tmp_path, market={"verify": False, "seed_examples": True})
    for _ in range(2):  # the second start adds nothing
        with TestClient(create_app(settings), raise_server_exceptions=False) as c:
            items = c.get(f"{API}/market", params={"sort": "newest"}).json()["items"]
            assert sorted(i["title"] for i in items) == ["LeNet", "MLP_dropout"]
            assert {i["owner"] for i in items} == {SEED_USERNAME}
            tasks = {i["title"]: i["task"] for i in items}
            assert tasks == {"LeNet": "classification", "MLP_dropout": "regression"}  # from the data sets
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        seeded = db.scalars(select(User).where(User.username == SEED_USERNAME)).one()
        assert seeded.password_hash is None  # nobody signs in as the built-in account


def test_seed_leaves_a_persons_account_of_that_name_alone(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copy(EXAMPLES / "seed_lenet.json", examples / "seed_lenet.json")
    settings = make_settings(tmp_path, market={"verify": False, "seed_examples": False})
    with TestClient(create_app(settings), raise_server_exceptions=False) as c, c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        db.add(User(username=SEED_USERNAME, password_hash="argon2-hash-of-a-person", created_at=utcnow()))
        db.commit()
    settings = make_settings(tmp_path, market={"verify": False, "seed_examples": True})
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        assert c.get(f"{API}/market").json()["count"] == 0
