"""Hostile input to the API: every class of issue 7's API half gets a 4xx naming the problem,
never a 500, and no request makes the server work without a bound.

The runner is stopped in these tests (``idle`` fixture): runs stay queued, nothing trains, and
each test takes well under a second.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from tests.api.api_support import make_settings, mlp_graph, sign_up
from tests.api.hostile_docs import mnist_classifier
from torchcanvas.api import create_app
from torchcanvas.api.errors import json_depth
from torchcanvas.api.work import CpuPool
from torchcanvas.limits import LimitExceeded, Limits
from torchcanvas.runner import redact_paths
from torchcanvas.settings import Settings

API = "/api/v1"


def _client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        c.app.state.runner.stop()  # type: ignore[attr-defined]  # runs stay queued: nothing trains
        yield c


@pytest.fixture
def idle(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(make_settings(tmp_path, run_warm_start=False, max_queued_runs=3))


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the many read-only cases (an app's start costs about a second)."""
    yield from _client(make_settings(tmp_path_factory.mktemp("shared"), run_warm_start=False))


def _queued_run(client: TestClient, graph: dict[str, Any] | None = None) -> int:
    r = client.post(f"{API}/runs", json={"graph": graph or mlp_graph()})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _cancelled_run(client: TestClient) -> int:
    """A run that has finished (cancelled while queued): it has a stored event stream."""
    run_id = _queued_run(client)
    assert client.delete(f"{API}/runs/{run_id}").status_code == 200
    return run_id


# --- JSON nesting depth -----------------------------------------------------------------------


def _nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return opening * depth + closing * depth


@pytest.mark.parametrize(
    "body",
    [
        _nested(1_000),
        _nested(100_000),
        '{"a":' * 1_000 + "1" + "}" * 1_000,
        json.dumps({**mlp_graph(), "description": None})[:-1] + ', "x": ' + _nested(5_000) + "}",
        _nested(1_000)[:1_500],  # unbalanced: still refused for its depth, before any parser
    ],
    ids=["arrays-1000", "arrays-100000", "objects-1000", "inside-a-graph", "unterminated"],
)
@pytest.mark.parametrize(
    "path", ["/check", "/codegen", "/export/onnx", "/runs", "/models", "/experiments", "/lab/normalization"]
)
def test_deep_json_is_refused_before_parsing(shared: TestClient, path: str, body: str) -> None:
    r = shared.post(API + path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert "nests" in r.json()["detail"] and "limit of 64" in r.json()["detail"]


@pytest.mark.parametrize("path", ["/check", "/codegen", "/export/onnx", "/runs", "/models"])
def test_deep_json_under_another_content_type_is_a_4xx(shared: TestClient, path: str) -> None:
    # BodyGuard scans only JSON bodies (an upload's bytes are not brackets); what the routes
    # parse anyway must still end in a 4xx, never in Python's RecursionError.
    r = shared.post(API + path, content=_nested(5_000), headers={"content-type": "text/plain"})
    assert 400 <= r.status_code < 500, r.text


@pytest.mark.parametrize(("depth", "status"), [(64, 422), (65, 400)], ids=["at-the-limit", "one-past"])
def test_json_depth_just_inside_and_outside(shared: TestClient, depth: int, status: int) -> None:
    # At the limit the body reaches the parser (and is a 422: not a graph); one level more, it does not.
    r = shared.post(f"{API}/check", content=_nested(depth), headers={"content-type": "application/json"})
    assert r.status_code == status, r.text


@pytest.mark.parametrize("repeat", [2_000, 40_000], ids=["small-body", "big-body-scanned-off-the-loop"])
def test_brackets_inside_strings_are_not_nesting(shared: TestClient, repeat: int) -> None:
    graph = mlp_graph()
    graph["description"] = '[{"' * repeat + '\\"]]]'  # escaped quotes do not end the string
    r = shared.post(f"{API}/check", json=graph)
    if repeat * 3 <= 10_000:
        assert r.status_code == 200, r.text
    else:  # past the description's own bound: the document's 422, not the depth guard's 400
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "description"]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": "[[[["}], "c": {}}', 3),
        (b'["\\\\", [["]"]]]', 3),  # an escaped backslash ends right before the quote
        (b"[[[]][[[[]]]]]", 5),
    ],
)
def test_json_depth(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth


# --- ids in the URL and the query -------------------------------------------------------------

HUGE = [str(2**63), str(2**64), "9" * 30, str(2**31), "-1", "0"]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(
    "template",
    [
        "/runs/{}",
        "/runs/{}/events",
        "/runs/{}/log",
        "/runs/{}/files",
        "/runs/{}/histograms",
        "/runs/{}/checkpoint",
        "/runs/{}/tensorboard",
        "/experiments/{}",
        "/models/00000000-0000-0000-0000-000000000000/versions/{}",
        "/runs?offset={}",
        "/runs?experiment_id={}",
        "/runs?limit={}",
        "/models?offset={}",
        "/models?limit={}",
        "/runs/compare?ids={}",
        "/runs/compare?ids=1,{}",
    ],
)
def test_ids_out_of_range_are_not_server_errors(shared: TestClient, template: str, value: str) -> None:
    r = shared.get(API + template.format(value))
    assert r.status_code in (200, 404, 422), (r.status_code, r.text)


def test_out_of_range_ids_name_the_bound(idle: TestClient) -> None:
    r = idle.get(f"{API}/runs/{2**63}")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "run_id"]
    r = idle.get(f"{API}/runs/compare", params={"ids": f"1,{2**63}"})
    assert r.status_code == 422 and "from 1 to 2147483647" in r.json()["detail"][0]["message"]
    r = idle.delete(f"{API}/runs/{2**64}")
    assert r.status_code == 422
    r = idle.post(f"{API}/models/00000000-0000-0000-0000-000000000000/versions/{2**63}/restore")
    assert r.status_code == 422


@pytest.mark.parametrize(
    "last_event_id", [b"9999999999999999999999999", "²".encode("latin-1"), b"-3", b"1e9", b"abc", b"", b"0"]
)
def test_a_last_event_id_we_never_sent_is_ignored(idle: TestClient, last_event_id: bytes) -> None:
    run_id = _cancelled_run(idle)
    r = idle.get(f"{API}/runs/{run_id}/events", headers={"Last-Event-ID": last_event_id})
    assert r.status_code == 200, r.text
    assert "event: queued" in r.text and "event: finished" in r.text  # from the start


@pytest.mark.parametrize("last_event_id", [b"1", b" 2 ", b"7"])
def test_a_stream_resumed_at_or_past_the_end_ends(idle: TestClient, last_event_id: bytes) -> None:
    run_id = _cancelled_run(idle)  # events 1 (queued) and 2 (finished)
    r = idle.get(f"{API}/runs/{run_id}/events", headers={"Last-Event-ID": last_event_id})
    assert r.status_code == 200 and "event: queued" not in r.text
    assert ("event: finished" in r.text) == (last_event_id == b"1")


# --- the queue --------------------------------------------------------------------------------


def test_runs_past_the_queue_cap_get_429(idle: TestClient) -> None:
    for _ in range(3):
        _queued_run(idle)
    r = idle.post(f"{API}/runs", json={"graph": mlp_graph()})
    assert r.status_code == 429 and "at most 3" in r.json()["detail"] and r.headers["retry-after"]
    assert idle.get(f"{API}/runs").json()["count"] == 3
    # Cancelling one makes room for one.
    first = idle.get(f"{API}/runs").json()["items"][-1]["id"]
    idle.delete(f"{API}/runs/{first}")
    _queued_run(idle)


def test_an_experiment_that_does_not_fit_the_queue_queues_nothing(idle: TestClient) -> None:
    _queued_run(idle)
    axes: list[dict[str, Any]] = [{"path": "training.lr", "values": [0.1, 0.01, 0.001]}]
    r = idle.post(f"{API}/experiments", json={"graph": mlp_graph(), "axes": axes})
    assert r.status_code == 429 and "3 runs cannot be added" in r.json()["detail"]
    assert idle.get(f"{API}/experiments").json() == []
    assert idle.get(f"{API}/runs").json()["count"] == 1
    axes[0]["values"] = [0.1, 0.01]
    assert idle.post(f"{API}/experiments", json={"graph": mlp_graph(), "axes": axes}).status_code == 201


def test_the_default_run_time_limit_fits_a_shared_machine() -> None:
    fields = Settings.model_fields  # the defaults, whatever this machine's environment sets
    assert fields["run_time_limit_s"].default == 30 * 60 and fields["max_queued_runs"].default == 8


# --- files stay in the data directory ---------------------------------------------------------


@pytest.mark.parametrize(
    "root",
    ["/tmp/elsewhere", "../../outside", "mnist/../../../x", "..", "C:\\data", "\\\\server\\share", "a\\..\\..\\b", " "],
)
def test_dataset_roots_outside_the_data_dir_are_refused(idle: TestClient, tmp_path: Path, root: str) -> None:
    r = idle.post(f"{API}/runs", json={"graph": mnist_classifier(root)})
    assert r.status_code == 422, r.text
    text = r.text
    assert "training.dataset.root" in text and str(tmp_path) not in text
    assert not (tmp_path / "outside").exists() and not Path("/tmp/elsewhere").exists()


def test_a_symlink_out_of_the_datasets_folder_is_refused(idle: TestClient, tmp_path: Path) -> None:
    datasets = tmp_path / "data" / "datasets"
    datasets.mkdir(parents=True)
    (datasets / "escape").symlink_to(tmp_path)
    r = idle.post(f"{API}/runs", json={"graph": mnist_classifier("escape/x")})
    assert r.status_code == 422 and "leads out of the server's datasets/ folder" in r.text
    assert str(tmp_path) not in r.text


def test_a_relative_root_runs_inside_the_datasets_folder(idle: TestClient, tmp_path: Path) -> None:
    run_id = _queued_run(idle, mnist_classifier("mnist"))
    runner = idle.app.state.runner  # type: ignore[attr-defined]
    cmd = runner.command(run_id, idle.get(f"{API}/runs/{run_id}").json()["config"])
    data_root = cmd[cmd.index("--data-root") + 1]
    assert not os.path.isabs(data_root) and not os.path.isabs(cmd[cmd.index("--out") + 1])
    assert (runner.run_dir(run_id) / data_root).resolve() == (tmp_path / "data" / "datasets" / "mnist").resolve()


def test_image_folders_come_only_from_uploads(idle: TestClient, tmp_path: Path) -> None:
    graph = mnist_classifier()
    graph["training"]["dataset"] = {"type": "ImageFolder", "params": {"root": "mine", "image_size": 28}}
    r = idle.post(f"{API}/runs", json={"graph": graph})
    assert r.status_code == 422 and "not a folder of uploaded images" in r.text
    answers = []
    for host_path in (tmp_path, tmp_path / "missing"):  # a folder that exists on the host, and one that does not
        graph["training"]["dataset"]["params"]["root"] = str(host_path)
        r = idle.post(f"{API}/runs", json={"graph": graph})
        assert r.status_code == 422 and "absolute" in r.text and str(tmp_path) not in r.text
        answers.append(r.json())
    assert answers[0] == answers[1]  # nothing tells whether a host path exists


def test_run_logs_and_errors_show_no_host_paths(idle: TestClient, tmp_path: Path) -> None:
    run_id = _queued_run(idle)
    folder = idle.app.state.runner.run_dir(run_id)  # type: ignore[attr-defined]
    trace = f'Traceback:\n  File "{folder.resolve()}/train.py", line 3\nFileNotFoundError: {tmp_path}/secret/x.png\n'
    (folder / "log.txt").write_text(trace + "see https://pytorch.org/docs/x/y.html\n")
    text = idle.get(f"{API}/runs/{run_id}/log").text
    assert str(tmp_path) not in text and '"train.py", line 3' in text and "x.png" in text
    assert "https://pytorch.org/docs/x/y.html" in text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('File "/usr/lib/python3.11/runpy.py", line 1', 'File "runpy.py", line 1'),
        ("No such file: /srv/data/uploads/x/train", "No such file: train"),
        ("relative runs/3/log.txt stays", "relative runs/3/log.txt stays"),
        ("a URL https://a.b/c/d.html stays", "a URL https://a.b/c/d.html stays"),
        ("2/3 steps and 1/2 epochs stay", "2/3 steps and 1/2 epochs stay"),
    ],
)
def test_redact_paths(text: str, shown: str) -> None:
    assert redact_paths(text) == shown


# --- limits and the work pool -----------------------------------------------------------------


def test_limit_exceeded_is_a_422_naming_the_limit(idle: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise LimitExceeded("max_module_instances", "node top", 2_097_152, 100_000, "nest fewer modules")

    monkeypatch.setattr("torchcanvas.shapes.check", refuse)
    r = idle.post(f"{API}/check", json=mlp_graph())
    assert r.status_code == 422
    body = r.json()
    assert body["limit"]["limit"] == "max_module_instances" and body["limit"]["where"] == "node top"
    assert "over the limit of 100,000" in body["detail"]
    # The editor lists it with the graph's issues: the what, and the fix apart.
    assert body["issues"] == [{"message": "node top: max_module_instances is 2,097,152, over the limit of 100,000",
                               "node": None, "param": None, "fix": "nest fewer modules", "module": None,
                               "severity": "error"}]


def test_work_past_the_time_budget_is_a_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path, run_warm_start=False, limits=Limits(request_time_budget_s=0.2))
    monkeypatch.setattr("torchcanvas.shapes.check", lambda *_a, **_k: time.sleep(1.5))
    for client in _client(settings):
        started = time.monotonic()
        r = client.post(f"{API}/check", json=mlp_graph())
        assert r.status_code == 503 and "time budget of 0.2 s" in r.json()["detail"] and r.headers["retry-after"]
        assert time.monotonic() - started < 1.0
        assert client.get(f"{API}/health").status_code == 200


def test_the_pool_refuses_when_busy_and_holds_slots_until_work_ends() -> None:
    pool = CpuPool(Limits(max_cpu_jobs=1, cpu_wait_s=0.05, request_time_budget_s=0.1))
    release = threading.Event()

    async def scenario() -> None:
        with pytest.raises(HTTPException) as late:
            await pool.run(release.wait, 5)
        assert late.value.status_code == 503 and "time budget" in str(late.value.detail)
        # The first job is still running past its budget: it keeps its worker.
        with pytest.raises(HTTPException) as busy:
            await pool.run(lambda: 1)
        assert busy.value.status_code == 503 and "all 1 workers are busy" in str(busy.value.detail)
        release.set()
        await asyncio.sleep(0.05)
        assert await pool.run(lambda: 2) == 2

    try:
        asyncio.run(scenario())
    finally:
        release.set()
        pool.shutdown()


# --- bad input elsewhere ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"shape": [1_000_000] * 4, "layer": "LayerNorm"}, "shape"),
        ({"shape": [2, 1_000_000], "layer": "GroupNorm", "num_groups": 1_000_000}, "shape"),
        ({"shape": [1000, 64, 1000, 1000, 1000], "layer": "BatchNorm"}, "shape"),
        ({"shape": [2, 4, 8], "layer": "LayerNorm", "normalized_shape": [1_000_000] * 3}, "normalized_shape"),
    ],
)
def test_the_normalization_demo_bounds_its_shapes(idle: TestClient, body: dict[str, Any], field: str) -> None:
    r = idle.post(f"{API}/lab/normalization", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", field] and "limit" in r.json()["detail"][0]["message"]


def test_a_saved_model_id_that_is_not_a_uuid(idle: TestClient) -> None:
    for bad in ("x" * 5_000, "1" * 40, str(uuid.uuid4())[:-1]):
        assert idle.get(f"{API}/models/{bad}").status_code == 422


def _bad_port() -> dict[str, Any]:
    graph = mlp_graph()
    graph["edges"][1]["source"]["port"] = "bogus"  # fc1 has no port "bogus"
    return graph


def _huge_int() -> dict[str, Any]:
    return mlp_graph(hidden=int("9" * 401))


def _symbolic_dim() -> dict[str, Any]:
    graph = mlp_graph()
    graph["nodes"][0]["shape"] = ["B", "T", 1]
    return graph


@pytest.mark.parametrize("make", [_bad_port, _huge_int, _symbolic_dim], ids=["bad-port", "401-digits", "symbolic-T"])
@pytest.mark.parametrize("path", ["/check", "/codegen", "/export/onnx", "/runs"])
def test_broken_documents_are_4xx_on_every_route(shared: TestClient, path: str, make: Any) -> None:
    graph = make()
    r = shared.post(API + path, json={"graph": graph} if path == "/runs" else graph)
    if path == "/check" and r.status_code == 200:  # the editor's check reports it on the node
        result = r.json()
        assert not result["ok"] and all(issue["node"] for issue in result["issues"]), r.text
    else:
        assert 400 <= r.status_code < 500, r.text
