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

from torchcanvas.api import errors, static
from torchcanvas.api.access import hashing_busy, quota_exceeded
from torchcanvas.api.routes import (
    augment,
    auth,
    catalog,
    check,
    codegen,
    comments,
    experiments,
    export,
    health,
    importer,
    inference,
    lab,
    market,
    models,
    runs,
    templates,
    users,
)
from torchcanvas.api.work import CpuPool
from torchcanvas.auth.quotas import QuotaExceeded
from torchcanvas.auth.secrets import HashingBusy
from torchcanvas.db import make_engine, make_sessionmaker, upgrade
from torchcanvas.inference import ModelCache
from torchcanvas.market import lifecycle as market_lifecycle
from torchcanvas.runner import Runner
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
        # Migrations to head at every start: idempotent, and a fresh data dir just works.
        await run_in_threadpool(upgrade, engine)
        await run_in_threadpool(runner.start)  # marks runs left running as interrupted; runs the queue
        await run_in_threadpool(market_lifecycle.start, app.state)  # the verifier; seeds the examples
        yield
        market_lifecycle.stop(app.state)
        await run_in_threadpool(runner.stop)
        app.state.cpu.shutdown()
        engine.dispose()

    app = FastAPI(
        title="torchcanvas",
        version=_version(),
        description="Build PyTorch models on a canvas: the graph document in, shapes, code and saved models out.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.cpu = CpuPool(settings.limits)  # every CPU-bound route's work (api/work.py)
    app.state.inference = ModelCache(settings.inference.cache_size)  # loaded run models (inference/)
    runner = Runner(
        app.state.sessionmaker,
        settings.runs_dir,
        max_concurrent=settings.max_concurrent_runs,
        max_queued=settings.max_queued_runs,
        data_dir=settings.data_dir,
        time_limit_s=settings.run_time_limit_s,
        memory_limit_mb=settings.run_memory_limit_mb,
        python=settings.run_python,
        torch_threads=settings.run_torch_threads,
        warm=settings.run_warm_start,
        limits=settings.limits,
        quotas=settings.quotas,
    )
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
        experiments,
        lab,
        market,
        comments,
        users,
    ):
        api.include_router(module.router)
    app.include_router(api)
    static.install(app, settings)  # after the API: its catch-all route must come last

    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    # Outermost: before anything reads the body.
    app.add_middleware(errors.BodyGuard, max_bytes=settings.max_body_bytes, max_depth=settings.max_json_depth)
    return app


def serve(host: str | None = None, port: int | None = None, settings: Settings | None = None) -> None:
    """Run the server (blocking) on ``host:port``, by default 127.0.0.1:8000.

    Behind another interface, serve it over https (a reverse proxy; set
    TORCHCANVAS_AUTH__TRUST_PROXY_HEADERS=true), or passwords and session cookies travel in clear.
    """
    import uvicorn

    settings = settings or Settings()
    host = host or settings.host
    port = port or settings.port
    if host not in {"127.0.0.1", "localhost", "::1"} and not settings.auth.trust_proxy_headers:
        log.warning("serving on %s over plain http: serve it behind an https proxy, or passwords travel in clear", host)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
