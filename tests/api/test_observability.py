"""Operations: GET /metrics (the latency histogram by route template, the queue read from the
database, who may scrape), /health/ready, and JSON log lines.

The histogram is the process's (prometheus-client's default registry), shared by every app the
test process builds: the tests compare counts before and after their own requests.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.api.api_support import make_settings, mlp_graph, sign_up
from tests.live_server import ROOT, free_port
from torchcanvas import logs
from torchcanvas.api import create_app
from torchcanvas.db import make_engine
from torchcanvas.db.migrate import downgrade, upgrade
from torchcanvas.settings import MetricsSettings, Settings

TOKEN = "scrape-token-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
HISTOGRAM = "torchcanvas_http_request_duration_seconds"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition text, by name and sorted labels (the parser must accept it all)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def request_count(text: str, method: str, route: str, status: str) -> float:
    labels = tuple(sorted({"method": method, "route": route, "status": status}.items()))
    return samples(text).get((f"{HISTOGRAM}_count", labels), 0.0)


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return make_settings(tmp_path, metrics=MetricsSettings(token=TOKEN), run_warm_start=False, **overrides)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False):
        app.state.runner.stop()  # runs stay queued: nothing trains
        yield app


def test_the_histogram_counts_a_request_under_its_route_template(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    before = client.get("/metrics", headers=SCRAPER).text
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for model_id in ids:
        assert client.get(f"/api/v1/models/{model_id}").status_code in (401, 404)
    assert client.get("/api/v1/health").status_code == 200
    after = client.get("/metrics", headers=SCRAPER)
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    route = "/api/v1/models/{model_id}"
    assert request_count(after.text, "GET", route, "4xx") - request_count(before, "GET", route, "4xx") == 3
    assert (
        request_count(after.text, "GET", "/api/v1/health", "2xx")
        - request_count(before, "GET", "/api/v1/health", "2xx")
        == 1
    )
    # One series for the three paths: no raw path, no id, in any label.
    assert not any(model_id in after.text for model_id in ids)
    # The buckets of a series add up: +Inf holds every request.
    inf = tuple(sorted({"method": "GET", "route": route, "status": "4xx", "le": "+Inf"}.items()))
    assert samples(after.text)[(f"{HISTOGRAM}_bucket", inf)] == request_count(after.text, "GET", route, "4xx")


def test_odd_methods_and_refused_bodies_stay_in_bounded_labels(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    before = client.get("/metrics", headers=SCRAPER).text
    assert client.request("BREW", "/api/v1/health").status_code == 405
    too_big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    assert (
        client.post("/api/v1/check", content=too_big, headers={"content-type": "application/json"}).status_code == 413
    )
    after = client.get("/metrics", headers=SCRAPER).text
    assert (
        request_count(after, "other", "/api/v1/health", "4xx") - request_count(before, "other", "/api/v1/health", "4xx")
        == 1
    )
    assert request_count(after, "POST", "unmatched", "4xx") - request_count(before, "POST", "unmatched", "4xx") == 1
    assert "BREW" not in after


def test_a_bug_counts_as_5xx_under_its_route(app: FastAPI) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.router.add_api_route("/api/v1/test-boom", boom)
    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the web app's catch-all
    client = TestClient(app, raise_server_exceptions=False)
    before = client.get("/metrics", headers=SCRAPER).text
    assert client.get("/api/v1/test-boom").status_code == 500
    after = client.get("/metrics", headers=SCRAPER).text
    assert (
        request_count(after, "GET", "/api/v1/test-boom", "5xx")
        - request_count(before, "GET", "/api/v1/test-boom", "5xx")
        == 1
    )


def test_the_queue_gauge_counts_a_queued_run(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    sign_up(client, "alice")
    metrics = samples(client.get("/metrics", headers=SCRAPER).text)
    assert metrics[("torchcanvas_queue_depth", ())] == 0
    assert metrics[("torchcanvas_runs", (("status", "queued"),))] == 0
    model = client.post("/api/v1/models", json={"graph": mlp_graph()}).json()
    for _ in range(2):
        assert client.post("/api/v1/runs", json={"model_id": model["id"]}).status_code == 201
    cancelled = client.post("/api/v1/runs", json={"model_id": model["id"]}).json()["id"]
    assert client.delete(f"/api/v1/runs/{cancelled}").status_code == 200

    metrics = samples(client.get("/metrics", headers=SCRAPER).text)
    assert metrics[("torchcanvas_database_up", ())] == 1
    assert metrics[("torchcanvas_queue_depth", ())] == 2
    assert metrics[("torchcanvas_runs", (("status", "queued"),))] == 2
    assert metrics[("torchcanvas_runs", (("status", "cancelled"),))] == 1
    assert metrics[("torchcanvas_runs", (("status", "running"),))] == 0
    assert 0 <= metrics[("torchcanvas_queue_oldest_age_seconds", ())] < 600


def test_who_may_scrape(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path))
    local = TestClient(app, client=("127.0.0.1", 40000))
    elsewhere = TestClient(app, client=("203.0.113.9", 40000))
    with local:
        assert local.get("/metrics").status_code == 200  # a Prometheus on the same machine
        r = elsewhere.get("/metrics")
        assert r.status_code == 403 and "TORCHCANVAS_METRICS__TOKEN" in r.json()["detail"]
        assert elsewhere.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 403
        assert elsewhere.get("/metrics", headers=SCRAPER).status_code == 200
        # Through a proxy on the same machine, every request comes from 127.0.0.1: the token is needed.
        assert local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 403
        assert local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7", **SCRAPER}).status_code == 200
        assert local.post("/metrics").status_code == 405

    off = create_app(make_settings(tmp_path / "off", metrics=MetricsSettings(enabled=False)))
    with TestClient(off, client=("127.0.0.1", 40000)) as c:
        assert c.get("/metrics").status_code == 404


def test_a_request_id_is_sent_back_and_a_sane_one_is_kept(app: FastAPI) -> None:
    client = TestClient(app)
    made = client.get("/api/v1/health").headers["x-request-id"]
    assert len(made) == 16 and made != client.get("/api/v1/health").headers["x-request-id"]
    assert client.get("/api/v1/health", headers={"X-Request-ID": "lb-7f3a"}).headers["x-request-id"] == "lb-7f3a"
    forged = client.get("/api/v1/health", headers={"X-Request-ID": 'x" \\n{"level":"ERROR"}'}).headers["x-request-id"]
    assert len(forged) == 16 and "level" not in forged


# --- readiness --------------------------------------------------------------------------------


def test_ready_when_the_database_answers_at_head(app: FastAPI) -> None:
    r = TestClient(app).get("/api/v1/health/ready")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready" and r.json()["database"] == "sqlite"


def test_not_ready_when_the_database_is_unreachable(app: FastAPI) -> None:
    working = app.state.engine
    # Nothing listens on port 1: the connection is refused at once.
    app.state.engine = make_engine("postgresql+psycopg://torchcanvas:secret@127.0.0.1:1/torchcanvas")
    try:
        r = TestClient(app).get("/api/v1/health/ready")
        assert r.status_code == 503, r.text
        assert "the database does not answer" in r.json()["detail"]
        assert "secret" not in r.text and "127.0.0.1" not in r.text  # the reason is in the log only
        assert TestClient(app).get("/api/v1/health").status_code == 200  # alive all the same
    finally:
        app.state.engine.dispose()
        app.state.engine = working
    assert TestClient(app).get("/api/v1/health/ready").status_code == 200


def test_not_ready_when_the_database_is_behind_the_code(app: FastAPI) -> None:
    engine = app.state.engine
    downgrade(engine, "0003")
    try:
        r = TestClient(app).get("/api/v1/health/ready")
        assert r.status_code == 503 and "0003" in r.json()["detail"] and "torchcanvas db upgrade" in r.json()["detail"]
    finally:
        upgrade(engine)


# --- JSON logs --------------------------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = [(logging.getLogger(n), logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in names]
    yield
    for logger, handlers, level in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)


def test_json_lines_parse_and_carry_the_request_and_the_run(restore_logging: None, tmp_path: Path) -> None:
    stream = io.StringIO()
    logs.configure_logging(make_settings(tmp_path, log_format="JSON", log_level="info"))
    for handler in logging.getLogger().handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    log = logging.getLogger("torchcanvas.test")
    token = logs.request_id.set("req-1")
    try:
        with logs.bind_run(42):
            log.info("run %s started\nsecond line", 42)
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("it failed")
    finally:
        logs.request_id.reset(token)
    log.debug("not at this level")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "run 42 started\nsecond line" and first["level"] == "INFO"
    assert first["logger"] == "torchcanvas.test" and first["request_id"] == "req-1" and first["run_id"] == 42
    assert first["time"].endswith("Z") and first["pid"] == os.getpid()
    assert "run_id" not in second and "ValueError: boom" in second["exception"] and second["level"] == "ERROR"


def test_plain_text_stays_the_default(restore_logging: None, tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert settings.log_format == "plain"
    stream = io.StringIO()
    logs.configure_logging(settings)
    for handler in logging.getLogger().handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("torchcanvas.test").warning("hello")
    line = stream.getvalue().strip()
    assert line.endswith("WARNING torchcanvas.test: hello") and not line.startswith("{")


# --- several processes --------------------------------------------------------------------------


def test_two_api_processes_share_one_histogram_and_log_json(tmp_path: Path) -> None:
    """``torchcanvas serve --workers 2``: every scrape, whichever API process answers, counts the
    requests that both answered; every line that serve and its processes write is a JSON object."""
    port = free_port()
    env = {
        **os.environ,
        "TORCHCANVAS_DATA_DIR": str(tmp_path / "data"),
        "TORCHCANVAS_LOG_FORMAT": "json",
        "TORCHCANVAS_RUN_WARM_START": "false",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # serve makes its own
    env.pop("TORCHCANVAS_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "torchcanvas.cli", "serve", "--port", str(port), "--workers", "2", "--no-worker"]
    err = open(tmp_path / "stderr", "wb")  # noqa: SIM115  (closed below, after the processes)
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def started() -> int:  # API processes that have finished starting up
        text = (tmp_path / "stderr").read_text(errors="replace")
        return text.count('"message": "Application startup complete."')

    try:
        deadline = time.monotonic() + 300
        while started() < 2:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr").read_text()[-3000:]
            time.sleep(0.5)
        with httpx.Client(base_url=url, timeout=60) as c:
            base = request_count(c.get("/metrics").text, "GET", "/api/v1/health", "2xx")
            for _ in range(40):  # new connections: the kernel spreads them over both processes
                assert c.get("/api/v1/health", headers={"Connection": "close"}).status_code == 200
            counts = {
                request_count(c.get("/metrics", headers={"Connection": "close"}).text, "GET", "/api/v1/health", "2xx")
                for _ in range(6)
            }
            assert counts == {base + 40}, f"scrapes disagree or miss requests: {counts} (expected {base + 40})"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        err.close()
    lines = [line for line in (tmp_path / "stderr").read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line parses
    access = [r for r in records if r["logger"] == "uvicorn.access" and r.get("path") == "/api/v1/health"]
    assert len(access) == 40 and all(r["status"] == 200 and r["method"] == "GET" and r["request_id"] for r in access)
    # Both processes answered some: each scrape above added up the other's requests too.
    assert len({r["pid"] for r in access}) == 2
