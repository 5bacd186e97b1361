"""The /runs routes: start, read, list, stream, cancel, compare, downloads, and bad input."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import mlp_graph, sign_up
from tests.runner.support import runner_settings, sse_events, wait_for
from torchcanvas.api import create_app


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(runner_settings(tmp_path)), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c


def _start(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/runs", json={"graph": mlp_graph(), **body})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.slow
def test_a_run_from_start_to_downloads(runs: TestClient) -> None:
    run = _start(runs, epochs=5, seed=3)
    assert run["status"] in ("queued", "running") and run["config"]["epochs"] == 5 and run["config"]["seed"] == 3
    with runs.stream("GET", f"/api/v1/runs/{run['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events("".join(stream.iter_text()))
    types = [e["type"] for e in events]
    assert types[:2] == ["queued", "started"] and types[-1] == "finished" and types.count("epoch") == 5
    assert "progress" in types and "fit" in types
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    epoch = next(e for e in events if e["type"] == "epoch")
    assert set(epoch) >= {"train_loss", "test_loss", "lr", "seconds", "eta_seconds", "epochs"}

    done = wait_for(runs, run["id"])
    assert done["status"] == "succeeded" and done["exit_code"] == 0
    assert done["final"]["epoch"] == 5
    assert len(done["metrics"]["curves"]["train_loss"]) == 5 and done["metrics"]["fit"]["x"]
    # A finished run replays its stored events and ends.
    replay = sse_events(runs.get(f"/api/v1/runs/{run['id']}/events").text)
    assert [e["seq"] for e in replay] == [e["seq"] for e in events]
    resumed = sse_events(runs.get(f"/api/v1/runs/{run['id']}/events", headers={"Last-Event-ID": "3"}).text)
    assert resumed[0]["seq"] == 4

    log = runs.get(f"/api/v1/runs/{run['id']}/log")
    assert log.status_code == 200 and '"event": "epoch"' in log.text
    files = zipfile.ZipFile(io.BytesIO(runs.get(f"/api/v1/runs/{run['id']}/files").content))
    assert {n.split("/", 1)[1] for n in files.namelist()} == {"model.py", "train.py", "requirements.txt", "README.md"}
    tb = zipfile.ZipFile(io.BytesIO(runs.get(f"/api/v1/runs/{run['id']}/tensorboard").content))
    assert any("events.out.tfevents" in n for n in tb.namelist())
    assert runs.get(f"/api/v1/runs/{run['id']}/checkpoint").content[:2] == b"PK"  # torch.save writes a zip
    hist = runs.get(f"/api/v1/runs/{run['id']}/histograms").json()["params"]
    assert set(hist) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    first = hist["fc1.weight"][0]
    assert first["epoch"] == 1 and len(first["edges"]) == len(first["counts"]) + 1 == 31
    assert sum(first["counts"]) == 8  # Linear(1, 8) has 8 weights
    # The last histogram's norm is the final weights' L2 norm, exactly (TensorBoard's sum of squares).
    import torch

    checkpoint = runs.get(f"/api/v1/runs/{run['id']}/checkpoint").content
    final = torch.load(io.BytesIO(checkpoint), map_location="cpu", weights_only=True)["model"]
    assert hist["fc2.weight"][-1]["norm"] == pytest.approx(final["fc2.weight"].norm().item(), rel=1e-5)

    # Finished: cancelling is a conflict with a message.
    r = runs.delete(f"/api/v1/runs/{run['id']}")
    assert r.status_code == 409 and "already finished (succeeded)" in r.json()["detail"]


@pytest.mark.slow
def test_cancel_a_running_and_a_queued_run(runs: TestClient) -> None:
    long = _start(runs, epochs=100_000)
    queued = _start(runs, epochs=1)  # one run at a time: this one waits
    deadline = time.monotonic() + 60
    while runs.get(f"/api/v1/runs/{long['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert runs.get(f"/api/v1/runs/{queued['id']}").json()["status"] == "queued"
    r = runs.delete(f"/api/v1/runs/{queued['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = runs.delete(f"/api/v1/runs/{long['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    events = sse_events(runs.get(f"/api/v1/runs/{long['id']}/events").text)
    assert events[-1]["type"] == "finished" and events[-1]["status"] == "cancelled"


@pytest.mark.slow
def test_the_time_limit_kills_the_run(tmp_path: Path) -> None:
    with TestClient(create_app(runner_settings(tmp_path, run_time_limit_s=3)), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        run = _start(c, epochs=100_000)
        done = wait_for(c, run["id"], timeout=60)
    assert done["status"] == "failed" and "time limit of 3 s" in done["error"]
    # The run's read model says why in one line, and what to do.
    assert done["failure"]["kind"] == "time_limit" and "fewer epochs" in done["failure"]["fix"]


@pytest.mark.slow
def test_a_run_of_a_saved_model_and_the_model_filter(runs: TestClient) -> None:
    model = runs.post("/api/v1/models", json={"graph": mlp_graph()}).json()
    run = runs.post("/api/v1/runs", json={"model_id": model["id"], "epochs": 1}).json()
    assert run["model_id"] == model["id"]
    other = _start(runs, epochs=1)
    listed = runs.get("/api/v1/runs", params={"model_id": model["id"]}).json()
    assert [r["id"] for r in listed["items"]] == [run["id"]] and listed["count"] == 1
    assert {r["id"] for r in runs.get("/api/v1/runs").json()["items"]} == {run["id"], other["id"]}
    wait_for(runs, run["id"])
    wait_for(runs, other["id"])


@pytest.mark.slow
def test_compare(runs: TestClient) -> None:
    a = _start(runs, epochs=2, lr=0.01)
    b = _start(runs, epochs=2, lr=0.05)
    wait_for(runs, a["id"])
    wait_for(runs, b["id"])
    body = runs.get("/api/v1/runs/compare", params={"ids": f"{a['id']},{b['id']}"}).json()
    assert [r["id"] for r in body["runs"]] == [a["id"], b["id"]]
    assert body["differences"] == [{"key": "training.lr", "label": "learning rate", "values": [0.01, 0.05]}]
    assert len(body["runs"][0]["curves"]["train_loss"]) == 2 and body["runs"][0]["final"]["epoch"] == 2


def test_bad_input(runs: TestClient) -> None:
    r = runs.post("/api/v1/runs", json={"model_id": "00000000-0000-0000-0000-000000000000"})
    assert r.status_code == 404 and "no saved model" in r.json()["detail"]
    r = runs.post("/api/v1/runs", json={"graph": mlp_graph(), "epochs": 0})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "epochs"]
    assert "epochs" in r.json()["detail"][0]["message"]
    r = runs.post("/api/v1/runs", json={"graph": mlp_graph(), "lr": -1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "lr"]
    r = runs.post("/api/v1/runs", json={"graph": mlp_graph(), "learning_rate": 0.1})
    assert r.status_code == 422 and "learning_rate" in r.json()["detail"][0]["message"]
    r = runs.post("/api/v1/runs", json={})
    assert r.status_code == 422 and "exactly one of model_id and graph" in r.json()["detail"][0]["message"]
    broken = mlp_graph()
    broken["training"] = {"dataset": {"type": "LFWFaces"}}  # an image data set for a (B, 1) model
    r = runs.post("/api/v1/runs", json={"graph": broken})
    assert r.status_code == 422 and r.json()["issues"]
    for path in ("", "/events", "/log", "/files", "/checkpoint", "/tensorboard", "/histograms"):
        r = runs.get(f"/api/v1/runs/999{path}")
        assert r.status_code == 404 and r.json()["detail"] == "there is no run with id 999", path
    assert runs.delete("/api/v1/runs/999").status_code == 404
    assert runs.get("/api/v1/runs/compare", params={"ids": "1,x"}).status_code == 422
    assert runs.get("/api/v1/runs/compare", params={"ids": "999"}).status_code == 404
    assert runs.get("/api/v1/runs", params={"status": "exploded"}).status_code == 422


@pytest.mark.slow
def test_the_memory_limit_applies_to_the_run(tmp_path: Path) -> None:
    # 1 GiB of address space is too little even to load torch: the run fails, the log says why.
    with TestClient(
        create_app(runner_settings(tmp_path, run_memory_limit_mb=1024)), raise_server_exceptions=False
    ) as c:
        sign_up(c, "alice")
        run = _start(c, epochs=1, device="cpu")
        done = wait_for(c, run["id"], timeout=60)
    assert done["status"] == "failed" and done["exit_code"] != 0
    assert "Error" in done["error"]  # ImportError / MemoryError from the child's traceback
    assert done["failure"]["cause"] and done["failure"]["fix"]  # a one-line summary, not the traceback


def test_a_run_of_an_unsaved_draft_joins_the_model_it_is_saved_as(tmp_path: Path) -> None:
    """The editor attaches the runs of a draft to the model the draft is saved as (PATCH
    /runs/{id}): its own runs, onto a model it may edit, and a run stays with the model it trained."""
    from tests.api.api_support import signed_in

    app = create_app(runner_settings(tmp_path, run_warm_start=False))
    with TestClient(app, raise_server_exceptions=False) as alice:
        app.state.runner.stop()  # runs stay queued: nothing trains
        sign_up(alice, "alice")
        bob = signed_in(app, "bob")
        run = _start(alice)
        assert run["model_id"] is None
        model = alice.post("/api/v1/models", json={"graph": mlp_graph()}).json()["id"]
        bobs = bob.post("/api/v1/models", json={"graph": mlp_graph()}).json()["id"]

        assert bob.patch(f"/api/v1/runs/{run['id']}", json={"model_id": bobs}).status_code == 404  # not his run
        r = alice.patch(f"/api/v1/runs/{run['id']}", json={"model_id": bobs})
        assert r.status_code == 404 and "there is no" in r.text  # not her model
        assert alice.get(f"/api/v1/runs/{run['id']}").json()["model_id"] is None

        r = alice.patch(f"/api/v1/runs/{run['id']}", json={"model_id": model})
        assert r.status_code == 200 and r.json()["model_id"] == model
        assert r.json()["model_version"] == 1  # the draft was saved as version 1, and trained that
        listed = alice.get("/api/v1/runs", params={"model_id": model}).json()
        assert [x["id"] for x in listed["items"]] == [run["id"]]
        assert alice.patch(f"/api/v1/runs/{run['id']}", json={"model_id": model}).status_code == 200  # again: no change

        other = alice.post("/api/v1/models", json={"graph": mlp_graph()}).json()["id"]
        r = alice.patch(f"/api/v1/runs/{run['id']}", json={"model_id": other})
        assert r.status_code == 409 and "stays with the model it trained" in r.text
        assert alice.get(f"/api/v1/runs/{run['id']}").json()["model_id"] == model

        assert alice.patch(f"/api/v1/runs/{run['id']}", json={"model_id": "nope"}).status_code == 422
        assert alice.patch(f"/api/v1/runs/{run['id']}", json={"model_id": model, "x": 1}).status_code == 422
        assert alice.patch("/api/v1/runs/999999", json={"model_id": model}).status_code == 404
        bob.close()


def test_a_run_records_the_version_of_the_model_it_trained(tmp_path: Path) -> None:
    """Runs and experiments of a saved model record the number of its version current when they
    were created; a draft's run attached later joins as the version of that moment."""
    app = create_app(runner_settings(tmp_path, run_warm_start=False))
    with TestClient(app, raise_server_exceptions=False) as c:
        app.state.runner.stop()  # runs stay queued: nothing trains
        sign_up(c, "alice")
        model = c.post("/api/v1/models", json={"graph": mlp_graph()}).json()["id"]
        first = c.post("/api/v1/runs", json={"model_id": model, "epochs": 1}).json()
        assert first["model_version"] == 1
        assert (
            c.put(f"/api/v1/models/{model}", json={"name": "Wide", "graph": mlp_graph(hidden=32)}).json()["version"]
            == 2
        )
        second = c.post("/api/v1/runs", json={"model_id": model, "epochs": 1}).json()
        assert second["model_version"] == 2
        assert c.get(f"/api/v1/runs/{first['id']}").json()["model_version"] == 1  # a later save changes no run

        axes = [{"path": "training.lr", "values": [0.01, 0.1]}]
        exp = c.post("/api/v1/experiments", json={"model_id": model, "epochs": 1, "axes": axes}).json()
        assert [r["model_version"] for r in exp["runs"]] == [2, 2]

        listed = c.get("/api/v1/runs", params={"model_id": model}).json()["items"]
        assert {r["id"]: r["model_version"] for r in listed} == {
            first["id"]: 1,
            second["id"]: 2,
            **{r["id"]: 2 for r in exp["runs"]},
        }
        draft = _start(c, epochs=1)
        assert draft["model_version"] is None
        attached = c.patch(f"/api/v1/runs/{draft['id']}", json={"model_id": model}).json()
        assert attached["model_id"] == model and attached["model_version"] == 2
