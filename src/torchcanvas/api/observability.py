"""Prometheus metrics at ``GET /metrics``, and a request id on every request and its log lines.

What a scrape gets (docs/deploy.md has a scrape config and alert ideas):

- ``torchcanvas_http_request_duration_seconds{method, route, status}``, a histogram. ``route`` is
  the template of the route that answered (``/api/v1/models/{model_id}``), never the raw path,
  and ``status`` the class (``2xx`` ... ``5xx``), so the number of series stays bounded whatever
  clients send; a request refused before routing (a body over the limit) is ``unmatched``. An
  event stream (``text/event-stream``) counts the time to its first byte: its length is how long
  somebody kept the page open.
- ``torchcanvas_runs{status}``: runs in the database by status; ``torchcanvas_queue_depth``: the
  queued ones; ``torchcanvas_queue_oldest_age_seconds``: how long the oldest has waited. Read at
  scrape time with one grouped query, in a thread: they are the same from any API process.
- ``torchcanvas_database_up``: 1 when that query answered.

Several API processes (``serve --workers N``): each process writes its histogram to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode), and a scrape of any of them
adds all the files up. :func:`prepare_multiprocess` makes that folder; the process that starts the
API processes calls it before they start, since the variable must be set before
prometheus-client is imported.

Who may scrape: see :class:`torchcanvas.settings.MetricsSettings`.
"""

from __future__ import annotations

import atexit
import hmac
import ipaddress
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, func, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from torchcanvas import logs
from torchcanvas.db.models import RUN_STATUSES, Run, aware
from torchcanvas.settings import MetricsSettings, Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# prometheus-client chose between in-memory and file-backed values when it was imported (above).
_MULTIPROC_DIR = os.environ.get(MULTIPROC_ENV)

METRICS_PATH = "/metrics"
REQUEST_SECONDS = Histogram(
    "torchcanvas_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer (to the first byte for an event stream).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A request id from the balancer (nginx's $request_id is 32 hex digits) is kept if it looks like one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PROXY_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")
# Scrapes answered at once by one process; another one meanwhile gets 503 (each holds a thread).
_SCRAPES = threading.BoundedSemaphore(2)


def prepare_multiprocess() -> Path:
    """A folder for the metric files of API processes that this process is about to start, in
    ``PROMETHEUS_MULTIPROC_DIR``, which they inherit. A folder the operator named is used as it is
    (empty it between starts); otherwise a new temporary folder, removed when this process exits."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        return Path(given)
    path = Path(tempfile.mkdtemp(prefix="torchcanvas-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    atexit.register(shutil.rmtree, path, True)
    return path


def route_template(scope: Scope) -> str:
    """The template of the route that answered ``scope``, with its routers' prefixes."""
    # FastAPI keeps included routers nested: the route's own path lacks their prefixes, which the
    # route context it selected has (a private attribute; the suffix match below is the fallback).
    context = scope.get("fastapi", {}).get("effective_route_context")
    full = getattr(context, "path", None)
    if isinstance(full, str) and full.startswith("/"):
        return full
    route = scope.get("route")
    template, regex = getattr(route, "path", None), getattr(route, "path_regex", None)
    if not isinstance(template, str) or regex is None:
        return "unmatched"
    path: str = scope.get("path", "")
    for i, ch in enumerate(path):
        if ch == "/" and regex.fullmatch(path[i:]):
            return path[:i] + template
    return template


class _Forward:
    """The default registry's metrics, for a scrape's own registry (single-process mode)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class RunsCollector:
    """Runs by status and the queue, read from the database at scrape time (one grouped query)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("torchcanvas_database_up", "1 when the database answered this scrape's query.")
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(select(Run.status, func.count(), func.min(Run.created_at)).group_by(Run.status))
                found = {status: (int(n), oldest) for status, n, oldest in rows}
        except Exception:  # the endpoint still answers, with the request figures and this 0
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        runs = GaugeMetricFamily("torchcanvas_runs", "Runs in the database, by status.", labels=["status"])
        for status in RUN_STATUSES:
            runs.add_metric([status], found.get(status, (0, None))[0])
        yield runs
        queued, oldest = found.get("queued", (0, None))
        yield GaugeMetricFamily("torchcanvas_queue_depth", "Runs waiting for a worker.", value=queued)
        age = (datetime.now(UTC) - aware(oldest)).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "torchcanvas_queue_oldest_age_seconds", "How long the oldest queued run has waited (0: none).", value=age
        )


def render(engine: Engine) -> bytes:
    """The exposition text of one scrape (blocking: the database is read)."""
    registry = CollectorRegistry(auto_describe=False)
    if _MULTIPROC_DIR:
        MultiProcessCollector(registry, path=_MULTIPROC_DIR)
    else:
        registry.register(_Forward())  # type: ignore[arg-type]
    registry.register(RunsCollector(engine))  # type: ignore[arg-type]
    return generate_latest(registry)


def may_scrape(scope: Scope, settings: MetricsSettings) -> bool:
    headers = dict(scope.get("headers") or [])
    if settings.token:
        sent = headers.get(b"authorization", b"")
        if hmac.compare_digest(sent, f"Bearer {settings.token}".encode()):
            return True
    if any(h in headers for h in _PROXY_HEADERS):
        return False  # through a proxy: its address is the proxy's, not the scraper's
    client = scope.get("client")
    try:
        address = ipaddress.ip_address(client[0]) if client else None
    except ValueError:
        return False
    return address is not None and any(address in ipaddress.ip_network(n, strict=False) for n in settings.allow)


REFUSED = (
    "metrics are served to addresses in TORCHCANVAS_METRICS__ALLOW, or with 'Authorization: Bearer "
    "<TORCHCANVAS_METRICS__TOKEN>'; a request through a proxy needs the token"
)


class Observe:
    """Pure ASGI, outermost: times every request into the histogram, gives it a request id (the
    ``X-Request-ID`` header in and out, and ``request_id`` in its log lines), and answers
    ``GET /metrics`` itself, ahead of the web app's catch-all route."""

    def __init__(self, app: ASGIApp, settings: MetricsSettings, state: Any) -> None:
        self.app, self.settings, self.state = app, settings, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self._metrics(scope)(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        status: int | None = None
        stream = observed = False

        def observe(code: int) -> None:
            nonlocal observed
            observed = True
            method = scope["method"] if scope["method"] in _METHODS else "other"
            labels = (method, route_template(scope), f"{code // 100}xx")
            REQUEST_SECONDS.labels(*labels).observe(time.perf_counter() - started)

        async def send_observed(message: Message) -> None:
            nonlocal status, stream
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
                content_type = dict(message["headers"]).get(b"content-type", b"")
                stream = content_type.startswith(b"text/event-stream")
            await send(message)
            if observed or status is None:
                return
            if stream or (message["type"] == "http.response.body" and not message.get("more_body", False)):
                observe(status)

        try:
            await self.app(scope, receive, send_observed)
        except Exception:  # a bug: ServerErrorMiddleware, outside, answers 500 (a cancelled request is no answer)
            if not observed:
                observe(status if status is not None and status >= 500 else 500)
            raise
        finally:
            logs.request_id.reset(token)
        if not observed and status is not None:  # the client left before the end of the answer
            observe(status)

    def _metrics(self, scope: Scope) -> ASGIApp:
        if not self.settings.enabled:
            return JSONResponse({"detail": "metrics are off (TORCHCANVAS_METRICS__ENABLED=false)"}, 404)
        if scope["method"] not in ("GET", "HEAD"):
            return JSONResponse({"detail": "use GET /metrics"}, 405, headers={"Allow": "GET, HEAD"})
        if not may_scrape(scope, self.settings):
            return JSONResponse({"detail": REFUSED}, 403)
        engine = self.state.engine

        async def answer(scope: Scope, receive: Receive, send: Send) -> None:
            if not _SCRAPES.acquire(blocking=False):
                busy = {"detail": "another scrape is being answered; retry"}
                await JSONResponse(busy, 503, headers={"Retry-After": "1"})(scope, receive, send)
                return
            try:
                body = await run_in_threadpool(render, engine)
            finally:
                _SCRAPES.release()
            await Response(body, media_type=CONTENT_TYPE_LATEST)(scope, receive, send)

        return answer


def install(app: FastAPI, settings: Settings) -> None:
    """Add :class:`Observe` as the outermost middleware: call it after every other ``add_middleware``."""
    app.add_middleware(Observe, settings=settings.metrics, state=app.state)
