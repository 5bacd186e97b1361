"""The FastAPI application: the API under /api/v1 and the built front end at /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.concurrency import run_in_threadpool

from torchcanvas.api import docs, errors, observability, static
from torchcanvas.api.access import hashing_busy, quota_exceeded
from torchcanvas.api.routes import (
    augment,
    auth,
    catalog,
    check,
    codegen,
    comments,
    datasets,
    experiments,
    export,
    health,
    importer,
    inference,
    lab,
    market,
    models,
    runs,
    studio,
    templates,
    users,
    weights,
)
from torchcanvas.api.work import CpuPool
from torchcanvas.auth.quotas import QuotaExceeded
from torchcanvas.auth.secrets import HashingBusy
from torchcanvas.db import make_engine, make_sessionmaker, upgrade
from torchcanvas.inference import ModelCache
from torchcanvas.market import lifecycle as market_lifecycle
from torchcanvas.runner import Runner
from torchcanvas.runner.feed import EventFeed
from torchcanvas.settings import Settings

API_PREFIX = "/api/v1"
log = logging.getLogger("torchcanvas.api")


def _version() -> str:
    try:
        return version("torchcanvas")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Migrations to head at every start: idempotent, and a fresh data dir just works. `serve`
        # runs them once before it starts its API processes, and turns this off in them.
        if settings.migrate_on_start:
            await run_in_threadpool(upgrade, engine)
        events.start()
        # The embedded worker, or (without one) a slow look for runs of dead workers.
        await run_in_threadpool(runner.start)
        await run_in_threadpool(market_lifecycle.start, app.state)  # the verifier; seeds the examples
        yield
        market_lifecycle.stop(app.state)
        await run_in_threadpool(runner.stop)  # the embedded worker's running runs go back to the queue
        events.stop()
        app.state.cpu.shutdown()
        engine.dispose()

    app = FastAPI(
        title="torchcanvas",
        version=_version(),
        description="Build PyTorch models on a canvas: the graph document in, shapes, code and saved models out.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # api/docs.py serves it without a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.cpu = CpuPool(settings.limits)  # every CPU-bound route's work (api/work.py)
    # Runs are queued here and executed by workers (torchcanvas.worker); their events are read
    # from the database, and this feed wakes the streams of this process when there are new ones.
    events = EventFeed(app.state.sessionmaker, settings.resolved_database_url, settings.events_poll_s)
    runner = Runner(app.state.sessionmaker, settings, on_stored=events.poke)
    app.state.events = events
    app.state.inference = ModelCache(settings.inference.cache_size)  # loaded run models (inference/)
    app.state.runner = runner

    errors.install(app)
    app.add_exception_handler(QuotaExceeded, quota_exceeded)
    app.add_exception_handler(HashingBusy, hashing_busy)
    api = APIRouter(prefix=API_PREFIX)
    for module in (
        health,
        auth,
        catalog,
        check,
        codegen,
        export,
        importer,
        models,
        templates,
        augment,
        runs,
        inference,
        studio,
        datasets,
        experiments,
        lab,
        market,
        comments,
        users,
        weights,
    ):
        api.include_router(module.router)
    app.include_router(api)
    docs.install(app, API_PREFIX)
    static.install(app, settings)  # after the API: its catch-all route must come last

    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    # Outermost: before anything reads the body.
    app.add_middleware(
        errors.BodyGuard,
        max_bytes=settings.max_body_bytes,
        max_depth=settings.max_json_depth,
        # uploads stream to disk (routes/weights.py, routes/datasets.py), each under its own size limit
        uploads={
            f"{API_PREFIX}/weights": settings.weights.max_bytes,
            datasets.UPLOAD_PATH: settings.datasets.max_upload_bytes,
        },
    )
    # Outside even that: request ids, the latency histogram (413s included) and GET /metrics.
    observability.install(app, settings)
    return app


def app_from_env() -> FastAPI:
    """The app of one API process of ``serve``: uvicorn calls it in each process it starts, and
    the settings come from the environment (``TORCHCANVAS_*``), as ``serve`` left it."""
    return create_app(Settings())


def serve(host: str | None = None, port: int | None = None, workers: int = 2, run_worker: bool = True) -> None:
    """Run the server (blocking) on ``host:port``, by default 127.0.0.1:8000 (TORCHCANVAS_HOST,
    TORCHCANVAS_PORT): ``workers`` API processes, and one run worker as a child process unless
    ``run_worker`` is false (runs are then executed by ``torchcanvas worker`` processes elsewhere).

    The API processes are uvicorn's own workers: its supervisor starts a new one when one dies.
    Migrations run here, once, before any of them starts.

    Behind another interface, serve it over https (a reverse proxy; set
    TORCHCANVAS_AUTH__TRUST_PROXY_HEADERS=true), or passwords and session cookies travel in clear.
    """
    import os
    import subprocess
    import sys

    import uvicorn

    from torchcanvas.logs import configure_logging, logging_config
    from torchcanvas.runner.executor import die_with_parent

    settings = Settings()
    configure_logging(settings)
    host = host or settings.host
    port = port or settings.port
    if host not in {"127.0.0.1", "localhost", "::1"} and not settings.auth.trust_proxy_headers:
        log.warning("serving on %s over plain http: serve it behind an https proxy, or passwords travel in clear", host)
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    # What the API processes and the worker read: no process migrates again, and no API process
    # executes runs (the worker child does, or workers elsewhere).
    os.environ["TORCHCANVAS_MIGRATE_ON_START"] = "false"
    os.environ["TORCHCANVAS_EMBEDDED_WORKER"] = "false"
    if workers > 1:
        # Each API process writes its metrics to files there; a scrape of any one adds them up.
        observability.prepare_multiprocess()
    worker = None
    if run_worker:
        # The worker dies with this process, even by SIGKILL (its parent-death signal).
        worker = subprocess.Popen([sys.executable, "-m", "torchcanvas.worker"], preexec_fn=die_with_parent(os.getpid()))
    try:
        uvicorn.run(
            "torchcanvas.api.main:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers if workers > 1 else None,
            log_config=logging_config(settings),  # TORCHCANVAS_LOG_FORMAT=json: uvicorn's lines too
            log_level=settings.log_level.lower(),
            timeout_graceful_shutdown=settings.shutdown_grace_s,
            timeout_worker_healthcheck=settings.api_process_healthcheck_s,
        )
    finally:
        if worker is not None:
            worker.terminate()  # graceful: its running runs go back to the queue
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
